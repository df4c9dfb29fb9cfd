/*
 * test_app_social.c - the social services of issue 13 shipped as apps, run
 * in a person's store, every value they write checked against the same
 * figure recomputed here by other means:
 *
 *  - Ma Situation Sociale (apps/situation-sociale) on households of the
 *    synthetic territory, whose files (bank statement, allowances, tax
 *    notice, profile) go through the real importers: the app reads bank
 *    labels, the test knows what each line is from the generator itself
 *    (money_statement's categories, money_allowances_paid), month by
 *    month, to the cent; the consumption units from the members' ages;
 *    the allowances read from the bank when no allowance file was
 *    imported; a second profile changes the months after it.
 *
 * The packages are made with app_pack from the apps' sources as compiled
 * into the binary: what the test runs is what commune ships.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "apps/app.h"
#include "checks.h"
#include "core/embedded.h"
#include "core/timeutil.h"
#include "fixture.h"
#include "synth/money_int.h"
#include "synth/synth.h"

#define SEED    42
#define OUT_MAX 64 /* records an app may write here */

/* ---- running an app ----------------------------------------------------------- */

/* pack - the package of the app id, made from its sources as embedded in
 * the binary (written to a directory of the fixture, then app_pack). */
static void pack(struct fixture *f, const char *id, struct app_package *p)
{
	char dir[300], path[400], prefix[64], err[300];
	char *bytes = NULL;
	size_t n = 0, files = 0;

	snprintf(dir, sizeof(dir), "%s/%s", f->dir, id);
	if (mkdir(dir, 0700) != 0)
		fail_msg("mkdir %s", dir);
	snprintf(prefix, sizeof(prefix), "apps/%s/", id);
	for (size_t i = 0; i < embedded_count; i++) {
		const struct embedded_file *e = &embedded_files[i];

		if (strncmp(e->name, prefix, strlen(prefix)) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->name + strlen(prefix));
		check_write_file(path, (const char *)e->data, e->len);
		files++;
	}
	assert_true(files >= 2); /* its manifest and its entry */
	if (app_pack(dir, &f->reg, &bytes, &n, err, sizeof(err)) != CMN_OK)
		fail_msg("app_pack %s: %s", id, err);
	if (app_package_parse(bytes, n, &f->reg, p, err, sizeof(err)) != CMN_OK)
		fail_msg("app_package_parse %s: %s", id, err);
	free(bytes);
	assert_string_equal(p->m.id, id);
}

/* run_app - runs p on demand with params (may be NULL); it must end well. */
static void run_app(struct fixture *f, const struct app_package *p, const json_t *params,
		    struct app_run *r)
{
	char actor[APP_ID_MAX + APP_VERSION_MAX + 8];
	struct app_host h = {0};

	snprintf(actor, sizeof(actor), "app:%s@%s", p->m.id, p->m.version);
	h.ps = f->ps;
	h.reg = &f->reg;
	h.actor = actor;
	h.trigger = "demand";
	h.params = params;
	h.now = time_now_ms();
	assert_int_equal(app_run(p, &h, r), CMN_OK);
	if (r->outcome != APP_OK)
		fail_msg("%s: %s: %s", p->m.id, app_outcome_name(r->outcome), r->error);
}

/* The records of a doctype, as read back from the store. */
struct outs {
	json_t *data[OUT_MAX];
	char source[OUT_MAX][SOURCE_MAX + 1];
	bool seen[OUT_MAX];
	size_t n;
};

static enum cmn_rc keep_out(const struct record_meta *m, const char *data,
			    const struct query_value *key, void *pv)
{
	struct outs *o = pv;

	(void)key;
	assert_true(o->n < OUT_MAX);
	snprintf(o->source[o->n], SOURCE_MAX + 1, "%s", m->source);
	o->seen[o->n] = false;
	o->data[o->n] = json_loads(data, 0, NULL);
	assert_non_null(o->data[o->n]);
	o->n++;
	return CMN_OK;
}

static void outs_load(struct fixture *f, const char *doctype, struct outs *o)
{
	struct store_query q = {0};

	o->n = 0;
	q.doctype = doctype;
	q.sort = QSORT_ID;
	q.limit = OUT_MAX;
	assert_int_equal(pstore_record_query(f->ps, &q, keep_out, o), CMN_OK);
}

static void outs_release(struct outs *o)
{
	for (size_t i = 0; i < o->n; i++)
		json_decref(o->data[i]);
	o->n = 0;
}

/* the record of o whose member key is value; there must be exactly one */
static const json_t *out_find(struct outs *o, const char *key, const char *value)
{
	const json_t *found = NULL;

	for (size_t i = 0; i < o->n; i++) {
		if (strcmp(json_string_value(json_object_get(o->data[i], key)), value) != 0)
			continue;
		if (found)
			fail_msg("%s %s written twice", key, value);
		found = o->data[i];
		o->seen[i] = true;
	}
	if (!found)
		fail_msg("no record for %s %s", key, value);
	return found;
}

/* ---- comparing ---------------------------------------------------------------- */

static void near(double got, double want, const char *what, const char *where)
{
	double tol = 1e-9 * fabs(want) + 1e-9;

	if (!(fabs(got - want) <= tol))
		fail_msg("%s %s: %.12g written, %.12g recomputed", where, what, got, want);
}

static double number_at(const json_t *d, const char *key, const char *where)
{
	const json_t *v = json_object_get(d, key);

	if (!json_is_number(v))
		fail_msg("%s: %s missing or not a number", where, key);
	return json_number_value(v);
}

static void same_number(const json_t *d, const char *key, double want, const char *where)
{
	near(number_at(d, key, where), want, key, where);
}

static void same_int(const json_t *d, const char *key, long long want, const char *where)
{
	const json_t *v = json_object_get(d, key);

	if (!json_is_integer(v))
		fail_msg("%s: %s missing or not an integer", where, key);
	if (json_integer_value(v) != want)
		fail_msg("%s %s: %lld written, %lld recomputed", where, key,
			 (long long)json_integer_value(v), want);
}

static void same_text(const json_t *d, const char *key, const char *want, const char *where)
{
	const char *got = json_string_value(json_object_get(d, key));

	if (!got || strcmp(got, want) != 0)
		fail_msg("%s %s: %s written, %s expected", where, key, got ? got : "(none)", want);
}

/* ---- Ma Situation Sociale ------------------------------------------------------- */

enum charge { RENT, LOAN, ENERGY, WATER, INSURANCE, TELECOM, PASS, TAXES, NCHARGES };

static const char *const charge_names[NCHARGES] = {
    "rent", "loan", "energy", "water", "insurance", "telecom", "transport_pass", "taxes"};

#define MONTHS_MAX 16
#define KINDS_MAX  8

/* What one month should say, in cents, from the generator's own account. */
struct smonth {
	int64_t mon; /* absolute month */
	int64_t salaries, pensions, other, bank_allowances, allowances;
	int64_t charges[NCHARGES], variable;
	long long transactions;
	const char *kinds[KINDS_MAX];
	int64_t kind_cents[KINDS_MAX];
	int nkinds;
};

struct situation {
	struct smonth m[MONTHS_MAX];
	int n;
	int64_t charge_total[NCHARGES]; /* over the period, to know what was covered */
	int64_t allowance_total;
};

static struct smonth *smonth_of(struct situation *s, int64_t mon)
{
	for (int i = 0; i < s->n; i++)
		if (s->m[i].mon == mon)
			return &s->m[i];
	assert_true(s->n < MONTHS_MAX);
	memset(&s->m[s->n], 0, sizeof(s->m[s->n]));
	s->m[s->n].mon = mon;
	return &s->m[s->n++];
}

static bool named(const struct money_entry *e, const char *prefix)
{
	return strncmp(e->name, prefix, strlen(prefix)) == 0;
}

/* truth_entry - one line of the statement as the generator made it: its
 * category says what it is, never its label as the app reads it */
static enum cmn_rc truth_entry(const struct money_entry *e, int64_t balance, void *pv)
{
	struct situation *s = pv;
	struct smonth *m = smonth_of(s, money_month_of(e->day));
	int charge = -1;

	(void)balance;
	m->transactions++;
	if (e->cat == CAT_SAVINGS)
		return CMN_OK;
	if (e->cents > 0) {
		switch (e->cat) {
		case CAT_INCOME:
			if (named(e, "VIR SALAIRE"))
				m->salaries += e->cents;
			else
				m->pensions += e->cents;
			break;
		case CAT_ALLOWANCE: m->bank_allowances += e->cents; break;
		case CAT_TRANSFER: m->other += e->cents; break;
		case CAT_HEALTH: break; /* a refund of care */
		default: fail_msg("a credit the test does not know: %s", e->name);
		}
		return CMN_OK;
	}
	switch (e->cat) {
	case CAT_HOUSING:
		charge = named(e, "PRLV LOYER")                 ? RENT
			 : named(e, "ECHEANCE PRET IMMOBILIER") ? LOAN
			 : named(e, "PRLV DGFIP TAXE FONCIERE") ? TAXES
								: -1;
		if (charge < 0)
			fail_msg("a housing debit the test does not know: %s", e->name);
		break;
	case CAT_TAX: charge = TAXES; break;
	case CAT_ENERGY: charge = ENERGY; break;
	case CAT_WATER: charge = WATER; break;
	case CAT_INSURANCE: charge = INSURANCE; break;
	case CAT_TELECOM: charge = TELECOM; break;
	case CAT_TRANSPORT: /* the passes are debited, tickets and fuel paid by card */
		charge = strcmp(e->type, "DIRECTDEBIT") == 0 ? PASS : -1;
		break;
	default: break;
	}
	if (charge >= 0) {
		m->charges[charge] -= e->cents;
		s->charge_total[charge] -= e->cents;
	} else {
		m->variable -= e->cents;
	}
	return CMN_OK;
}

/* situation_truth - the month by month account of household h over t's
 * period: the statement's lines and the allowances paid in it */
static void situation_truth(const struct synth_territory *t, const struct synth_household *h,
			    struct situation *s)
{
	int64_t p0 = t->start_day, p1 = t->start_day + t->days - 1;

	memset(s, 0, sizeof(*s));
	assert_int_equal(money_statement(t, h, truth_entry, s, NULL), CMN_OK);
	for (int64_t mon = money_month_of(p0); mon <= money_month_of(p1); mon++) {
		struct money_allowance a[MONEY_ALLOWANCES_MONTH];
		int n = money_allowances_paid(t, h, mon, a);

		for (int i = 0; i < n; i++) {
			struct smonth *m;
			int k;

			if (a[i].paid_on < p0 || a[i].paid_on > p1)
				continue;
			m = smonth_of(s, money_month_of(a[i].paid_on));
			m->allowances += a[i].cents;
			s->allowance_total += a[i].cents;
			for (k = 0; k < m->nkinds && strcmp(m->kinds[k], a[i].kind) != 0; k++)
				;
			if (k == m->nkinds) {
				assert_true(m->nkinds < KINDS_MAX);
				m->kinds[m->nkinds++] = a[i].kind;
			}
			m->kind_cents[k] += a[i].cents;
		}
	}
}

typedef enum cmn_rc (*writer_fn)(const struct synth_territory *, const struct synth_household *,
				 FILE *);

/* import - the file a writer makes for h, through import_file (its format
 * detected); false when the household has no such file */
static bool import(struct fixture *f, writer_fn w, const char *name,
		   const struct synth_territory *t, const struct synth_household *h)
{
	char *text = NULL;
	size_t n = 0;
	FILE *out = open_memstream(&text, &n);
	struct import_job job;
	enum cmn_rc rc;

	assert_non_null(out);
	rc = w(t, h, out);
	assert_int_equal(fclose(out), 0);
	if (rc == CMN_ERR_NOT_FOUND) {
		free(text);
		return false;
	}
	assert_int_equal(rc, CMN_OK);
	memset(&job, 0, sizeof(job));
	if (check_import_text(f, name, NULL, text, n, &job) != CMN_OK)
		fail_msg("import %s: %s", name, job.err.message);
	import_job_release(&job);
	free(text);
	return true;
}

/* the consumption units of h from its members' ages (OECD-modified) */
static double oecd_units(const struct synth_household *h, int *under_14)
{
	double u = 1;

	*under_14 = 0;
	for (int i = 1; i < h->nmembers; i++) {
		if (h->m[i].age < 14) {
			u += 0.3;
			(*under_14)++;
		} else {
			u += 0.5;
		}
	}
	assert_true(h->m[0].age >= 14);
	return u;
}

/* One household's scenario: what is imported, how the app is run. */
struct scenario {
	bool allowance_file;    /* imported, else the app reads the bank's */
	bool with_ages;         /* the run is told how many children are under 14 */
	int64_t second_profile; /* day of a profile with one more member, or 0 */
};

static size_t situation_check(struct fixture *f, const struct synth_household *h,
			      const struct situation *s, const struct scenario *sc)
{
	struct outs *o = calloc(1, sizeof(*o));
	int under_14 = 0;
	double units = oecd_units(h, &under_14);
	size_t expected = 0;

	assert_non_null(o);
	outs_load(f, "social.situation.monthly", o);
	for (int i = 0; i < s->n; i++) {
		const struct smonth *m = &s->m[i];
		int64_t y = m->mon / 12,
			allowances = sc->allowance_file ? m->allowances : m->bank_allowances;
		int mo = (int)(m->mon % 12) + 1, members = h->nmembers;
		int64_t days =
		    time_days_from_civil(mo == 12 ? y + 1 : y, mo == 12 ? 1 : mo + 1, 1) -
		    time_days_from_civil(y, mo, 1);
		int64_t income = m->salaries + m->pensions + m->other + allowances, charges = 0;
		double u = units, remaining;
		char key[24], where[64], start[32];
		const json_t *d, *in, *ch, *kinds;

		snprintf(key, sizeof(key), "%04lld-%02d", (long long)y, mo);
		snprintf(start, sizeof(start), "%s-01", key);
		snprintf(where, sizeof(where), "%s %s", h->handle, key);
		d = out_find(o, "month", key);
		same_text(d, "start", start, where);
		in = json_object_get(d, "income");
		same_number(in, "salaries", (double)m->salaries / 100, where);
		same_number(in, "pensions_benefits", (double)m->pensions / 100, where);
		same_number(in, "other", (double)m->other / 100, where);
		same_number(in, "allowances", (double)allowances / 100, where);
		same_number(in, "total", (double)income / 100, where);
		ch = json_object_get(d, "charges");
		for (int k = 0; k < NCHARGES; k++) {
			same_number(ch, charge_names[k], (double)m->charges[k] / 100, where);
			charges += m->charges[k];
		}
		same_number(ch, "total", (double)charges / 100, where);
		remaining = (double)(income - charges) / 100;
		same_number(d, "remaining", remaining, where);
		same_number(d, "variable_spending", (double)m->variable / 100, where);
		same_int(d, "transactions", m->transactions, where);
		/* one more member, aged 14 or more, from the second profile on */
		if (sc->second_profile &&
		    time_days_from_civil(y, mo, 1) + days - 1 >= sc->second_profile) {
			members++;
			u += 0.5;
		}
		same_int(d, "members", members, where);
		if (!sc->with_ages)
			u = 1 + 0.5 * (members - 1); /* every other member counted 14 or more */
		same_number(d, "consumption_units", u, where);
		same_number(d, "remaining_per_unit", remaining / u, where);
		same_number(d, "remaining_per_unit_day", remaining / u / (double)days, where);
		if (sc->with_ages)
			same_int(d, "children_under_14", under_14, where);
		else if (json_object_get(d, "children_under_14"))
			fail_msg("%s: children_under_14 written, the run was not told", where);
		same_text(d, "allowances_source",
			  sc->allowance_file ? "social.allowance" : "bank.transaction", where);
		kinds = json_object_get(d, "allowances_by_kind");
		if (sc->allowance_file) {
			assert_int_equal(json_object_size(kinds), (size_t)m->nkinds);
			for (int k = 0; k < m->nkinds; k++)
				same_number(kinds, m->kinds[k], (double)m->kind_cents[k] / 100,
					    where);
		} else if (kinds) {
			fail_msg("%s: allowances by kind without an allowance file", where);
		}
		expected++;
	}
	for (size_t i = 0; i < o->n; i++) {
		if (!o->seen[i])
			fail_msg("an unexpected record: %s",
				 json_string_value(json_object_get(o->data[i], "month")));
		assert_string_equal(o->source[i], "app:situation-sociale");
	}
	assert_int_equal(o->n, expected);
	outs_release(o);
	free(o);
	return expected;
}

/* situation_run - one household in a store of its own */
static void situation_run(const struct synth_territory *t, const struct synth_household *h,
			  const struct situation *s, const struct scenario *sc)
{
	struct fixture f;
	struct app_package p = {0};
	struct app_run r;
	json_t *params = NULL;
	int under_14 = 0;
	size_t n;

	assert_int_equal(fixture_open(&f, "alice"), 0);
	assert_true(import(&f, synth_write_ofx, "banque.ofx", t, h));
	assert_true(import(&f, synth_write_household_profile, "logement.csv", t, h));
	assert_true(import(&f, synth_write_tax, "impots.csv", t, h));
	if (sc->allowance_file)
		assert_true(import(&f, synth_write_allowances, "allocations.csv", t, h));
	if (sc->second_profile) {
		struct record_meta m = {0};
		char text[160], day[16];
		int64_t yy;
		int mm, dd;

		time_civil_from_days(sc->second_profile, &yy, &mm, &dd);
		snprintf(day, sizeof(day), "%04lld-%02d-%02d", (long long)yy, mm, dd);
		snprintf(text, sizeof(text),
			 "{\"declared\":\"%s\",\"district\":\"D11\",\"members\":%d,"
			 "\"heating\":\"gas\"}",
			 day, h->nmembers + 1);
		crypt_uuid7_new(m.id);
		snprintf(m.doctype, sizeof(m.doctype), "household.profile");
		snprintf(m.source, sizeof(m.source), "api");
		m.t = sc->second_profile * 86400000LL;
		assert_int_equal(pstore_record_insert(f.ps, &m, text, NULL), CMN_OK);
	}
	pack(&f, "situation-sociale", &p);
	if (sc->with_ages) {
		oecd_units(h, &under_14);
		params = json_pack("{s:i}", "children_under_14", under_14);
	}
	run_app(&f, &p, params, &r);
	n = situation_check(&f, h, s, sc);
	assert_int_equal(r.records_written, (int64_t)n);
	assert_int_equal(json_integer_value(json_object_get(r.result, "months")), (json_int_t)n);
	print_message("situation-sociale %s: %zu members, %d months, %lld records read, %.3f ms\n",
		      h->handle, (size_t)h->nmembers, s->n, (long long)r.records_read,
		      (double)r.elapsed_us / 1000);
	app_run_release(&r);
	/* a second run replaces the first's records: the same figures, once */
	run_app(&f, &p, params, &r);
	assert_int_equal(r.records_replaced, (int64_t)n);
	assert_int_equal(situation_check(&f, h, s, sc), n);
	app_run_release(&r);
	json_decref(params);
	app_package_release(&p);
	fixture_close(&f);
}

/*
 * situation_sociale - households of the territory taken in turn until
 * every fixed charge and allowances were met at least once (and at most
 * six); the first with allowances is run a second time without its
 * allowance file (the bank's credits then count), one with two members or
 * more gets a second profile on 15 July.
 */
static void situation_sociale(void **state)
{
	static struct synth_territory t;
	int64_t covered[NCHARGES] = {0}, allowances = 0;
	bool fallback = false, profiled = false, all = false;
	int runs = 0;

	(void)state;
	assert_int_equal(synth_territory_init(&t, SEED, time_days_from_civil(2024, 1, 1), 366),
			 CMN_OK);
	for (uint64_t i = 0; i < 200 && !all; i++) {
		struct synth_household h;
		struct situation *s = calloc(1, sizeof(*s));
		struct scenario sc = {false, runs % 2 == 0, 0};
		bool useful = false;

		assert_non_null(s);
		synth_household(&t, i, &h);
		situation_truth(&t, &h, s);
		for (int k = 0; k < NCHARGES; k++)
			useful = useful || (covered[k] == 0 && s->charge_total[k] > 0);
		useful = useful || (allowances == 0 && s->allowance_total > 0);
		if (!useful) {
			free(s);
			continue;
		}
		/* no allowance paid: no file, and the app reads the bank's (none) */
		sc.allowance_file = s->allowance_total > 0;
		if (!profiled && h.nmembers >= 2) {
			sc.second_profile = time_days_from_civil(2024, 7, 15);
			profiled = true;
		}
		situation_run(&t, &h, s, &sc);
		runs++;
		if (!fallback && s->allowance_total > 0) {
			struct scenario bank = {false, true, 0};

			situation_run(&t, &h, s, &bank);
			fallback = true;
		}
		for (int k = 0; k < NCHARGES; k++)
			covered[k] += s->charge_total[k];
		allowances += s->allowance_total;
		all = allowances > 0;
		for (int k = 0; k < NCHARGES; k++)
			all = all && covered[k] > 0;
		free(s);
	}
	if (!all || !fallback || !profiled)
		fail_msg("the territory did not cover every charge (%d households run)", runs);
	assert_true(runs <= 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(situation_sociale),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
