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
#include "service_support.h"
#include "synth/money_int.h"
#include "synth/synth.h"

#define SEED    42
#define OUT_MAX 64 /* records an app may write here */

/* ---- running an app ----------------------------------------------------------- */

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
		bool second;
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
		/* a baby from the second profile on, which gives the birth years: 0.3
		 * more, or 0.5 when the run was told the children before the birth */
		second = sc->second_profile &&
			 time_days_from_civil(y, mo, 1) + days - 1 >= sc->second_profile;
		if (second) {
			members++;
			u += sc->with_ages ? 0.5 : 0.3;
		}
		same_int(d, "members", members, where);
		if (!sc->with_ages && !second)
			u = 1 + 0.5 * (members - 1); /* every other member counted 14 or more */
		same_number(d, "consumption_units", u, where);
		same_number(d, "remaining_per_unit", remaining / u, where);
		same_number(d, "remaining_per_unit_day", remaining / u / (double)days, where);
		if (sc->with_ages)
			same_int(d, "children_under_14", under_14, where);
		else if (second)
			same_int(d, "children_under_14", under_14 + 1, where);
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
		char text[300], day[16], years[120] = "";
		int64_t yy;
		int mm, dd;
		size_t o = 0;

		time_civil_from_days(sc->second_profile, &yy, &mm, &dd);
		snprintf(day, sizeof(day), "%04lld-%02d-%02d", (long long)yy, mm, dd);
		/* the members' birth years, as their ages in the year say, and a baby */
		for (int i = 0; i < h->nmembers; i++)
			o += (size_t)snprintf(years + o, sizeof(years) - o, "%lld,",
					      (long long)(yy - h->m[i].age));
		snprintf(years + o, sizeof(years) - o, "%lld", (long long)yy);
		snprintf(text, sizeof(text),
			 "{\"declared\":\"%s\",\"district\":\"D11\",\"members\":%d,"
			 "\"heating\":\"gas\",\"birth_years\":[%s]}",
			 day, h->nmembers + 1, years);
		crypt_uuid7_new(m.id);
		snprintf(m.doctype, sizeof(m.doctype), "household.profile");
		snprintf(m.source, sizeof(m.source), "api");
		m.t = sc->second_profile * 86400000LL;
		assert_int_equal(pstore_record_insert(f.ps, &m, text, NULL), CMN_OK);
	}
	svc_pack(&f, "situation-sociale", &p);
	if (sc->with_ages) {
		oecd_units(h, &under_14);
		params = json_pack("{s:i}", "children_under_14", under_14);
	}
	svc_run_on(&f, &p, params, NULL, &r);
	n = situation_check(&f, h, s, sc);
	assert_int_equal(r.records_written, (int64_t)n);
	assert_int_equal(json_integer_value(json_object_get(r.result, "months")), (json_int_t)n);
	print_message("situation-sociale %s: %zu members, %d months, %lld records read, %.3f ms\n",
		      h->handle, (size_t)h->nmembers, s->n, (long long)r.records_read,
		      (double)r.elapsed_us / 1000);
	app_run_release(&r);
	/* a second run replaces the first's records: the same figures, once */
	svc_run_on(&f, &p, params, NULL, &r);
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
			/* the birth years, not the run, say who is under 14 */
			sc.second_profile = time_days_from_civil(2024, 7, 15);
			sc.with_ages = false;
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

/* ---- Mes Aides Directes ----------------------------------------------------------- */

/* The territories of the shipped rules, as the rules' sources define them
 * (the EPCI of each commune in Etalab's decoupage-administratif). */
enum territory { NOWHERE, BORDEAUX, NANTES, STRASBOURG, VILLEBRUNE };

#define KIND_LIST 4

/* A household as the test makes it: its notice (if any), its profile (if
 * any), the allowances it received in the three months before the date. */
struct persona {
	const char *name;
	const char *at; /* the date of the simulation */
	bool notice;    /* has a tax notice issued before at */
	const char *insee;
	enum territory where;
	double shares;
	long long reference_income;
	int members; /* 0: no profile */
	const char *kinds[KIND_LIST];
};

/* What one rule should say. */
struct expect {
	const char *rule;
	int status; /* 1 eligible, 0 not, -1 unknown */
	char level[32];
	double reduction; /* < 0: none */
	double amount;    /* < 0: none */
	const char *per, *is;
};

static bool received(const struct persona *p, const char *kind)
{
	for (int i = 0; i < KIND_LIST && p->kinds[i]; i++)
		if (strcmp(p->kinds[i], kind) == 0)
			return true;
	return false;
}

static void expect_set(struct expect *e, const char *rule, int status, const char *level,
		       double reduction)
{
	e->rule = rule;
	e->status = status;
	snprintf(e->level, sizeof(e->level), "%s", level ? level : "");
	e->reduction = reduction;
	e->amount = -1;
	e->per = e->is = NULL;
}

/* the family quotient of the published grids: monthly reference income a
 * tax share */
static double quotient(const struct persona *p)
{
	return (double)p->reference_income / 12.0 / p->shares;
}

/* the consumption units of the chèque énergie: 1, 0.5 for the second
 * person, 0.3 each further one; without a profile, from the tax shares */
static double units(const struct persona *p)
{
	if (p->members > 0)
		return 1 + (p->members >= 2 ? 0.5 : 0) +
		       0.3 * (p->members > 2 ? p->members - 2 : 0);
	return 1 + (p->shares - 1) / 2;
}

/*
 * expected - each shipped rule in force at p->at, decided here from the
 * grids as the authorities publish them (docs/rules.md), not by the
 * engine; their count.
 */
static int expected(const struct persona *p, struct expect e[8])
{
	bool y2023_07 = strcmp(p->at, "2023-07-01") >= 0,
	     y2023_05 = strcmp(p->at, "2023-05-01") >= 0;
	bool villebrune = strcmp(p->at, "2024-09-01") >= 0;
	double q = quotient(p);
	int n = 0;

	/* Bordeaux: QF below 551 free, below 611 50 %, below 943 30 % */
	if (!p->notice)
		expect_set(&e[n], "bordeaux_metropole.tbm_solidaire", -1, NULL, -1);
	else if (p->where != BORDEAUX || q >= 943)
		expect_set(&e[n], "bordeaux_metropole.tbm_solidaire", 0, NULL, -1);
	else
		expect_set(&e[n], "bordeaux_metropole.tbm_solidaire", 1,
			   q < 551   ? "reduction_100"
			   : q < 611 ? "reduction_50"
				     : "reduction_30",
			   q < 551   ? 100
			   : q < 611 ? 50
				     : 30);
	n++;
	/* Nantes: AAH free; QF up to 350 free, 500 90 %, 600 70 %, then from May
	 * 2023 750 50 %, 900 30 % */
	if (!p->notice)
		expect_set(&e[n], "nantes_metropole.naolib_solidaire", -1, NULL, -1);
	else if (p->where != NANTES)
		expect_set(&e[n], "nantes_metropole.naolib_solidaire", 0, NULL, -1);
	else if (received(p, "aah") || q <= 350)
		expect_set(&e[n], "nantes_metropole.naolib_solidaire", 1, "reduction_100", 100);
	else if (q <= 500)
		expect_set(&e[n], "nantes_metropole.naolib_solidaire", 1, "reduction_90", 90);
	else if (q <= 600)
		expect_set(&e[n], "nantes_metropole.naolib_solidaire", 1, "reduction_70", 70);
	else if (y2023_05 && q <= 750)
		expect_set(&e[n], "nantes_metropole.naolib_solidaire", 1, "reduction_50", 50);
	else if (y2023_05 && q <= 900)
		expect_set(&e[n], "nantes_metropole.naolib_solidaire", 1, "reduction_30", 30);
	else
		expect_set(&e[n], "nantes_metropole.naolib_solidaire", 0, NULL, -1);
	n++;
	/* Strasbourg: a monthly price by QF, thresholds raised 4 % in July 2023 */
	{
		const double *lim =
		    y2023_07 ? (const double[]){371, 583, 796} : (const double[]){356, 561, 766};
		static const double price[] = {5.8, 13.4, 25.7};
		static const char *const tier[] = {"tier_1", "tier_2", "tier_3"};
		int k = 0;

		while (k < 3 && q >= lim[k])
			k++;
		if (!p->notice)
			expect_set(&e[n], "eurometropole_strasbourg.cts_solidaire", -1, NULL, -1);
		else if (p->where != STRASBOURG || k == 3)
			expect_set(&e[n], "eurometropole_strasbourg.cts_solidaire", 0, NULL, -1);
		else {
			expect_set(&e[n], "eurometropole_strasbourg.cts_solidaire", 1, tier[k], -1);
			e[n].amount = price[k];
			e[n].per = "month";
			e[n].is = "price";
		}
		n++;
	}
	/* the chèque énergie of 2023: by reference income a unit, then units */
	{
		static const double lim[] = {5700, 6800, 7850, 11000};
		static const int amounts[4][3] = {
		    {194, 240, 277}, {146, 176, 202}, {98, 113, 126}, {48, 63, 76}};
		double u = units(p), per = (double)p->reference_income / u;
		int k = 0, col = u <= 1 ? 0 : u < 2 ? 1 : 2;
		char level[32];

		while (k < 4 && per >= lim[k])
			k++;
		if (!p->notice) {
			expect_set(&e[n], "france.cheque_energie", -1, NULL, -1);
		} else if (k == 4) {
			expect_set(&e[n], "france.cheque_energie", 0, NULL, -1);
		} else {
			snprintf(level, sizeof(level), "amount_%d", amounts[k][col]);
			expect_set(&e[n], "france.cheque_energie", 1, level, -1);
			e[n].amount = amounts[k][col];
			e[n].per = "year";
			e[n].is = "aid";
		}
		n++;
	}
	/* Villebrune (fictional), from September 2024: RSA or AAH, or QF < 800 */
	if (villebrune) {
		if (!p->notice) /* the commune unknown: unknown, even with the RSA */
			expect_set(&e[n], "villebrune.loisirs_solidaire", -1, NULL, -1);
		else if (p->where != VILLEBRUNE)
			expect_set(&e[n], "villebrune.loisirs_solidaire", 0, NULL, -1);
		else if (received(p, "rsa") || received(p, "aah") || q < 800)
			expect_set(&e[n], "villebrune.loisirs_solidaire", 1, "loisirs_reduit", -1);
		else
			expect_set(&e[n], "villebrune.loisirs_solidaire", 0, NULL, -1);
		n++;
	}
	return n;
}

static const char *const status_names[] = {"not_eligible", "eligible"};

/* overridden - whether an override of the rule grants p its right
 * whatever the quotient (the scale is then not read) */
static bool overridden(const char *rule, const struct persona *p)
{
	if (strncmp(rule, "nantes", 6) == 0)
		return received(p, "aah");
	if (strncmp(rule, "villebrune", 10) == 0)
		return received(p, "rsa") || received(p, "aah");
	return false;
}

/* the territory a rule is limited to (NOWHERE: national) */
static enum territory rule_territory(const char *rule)
{
	return strncmp(rule, "bordeaux", 8) == 0         ? BORDEAUX
	       : strncmp(rule, "nantes", 6) == 0         ? NANTES
	       : strncmp(rule, "eurometropole", 13) == 0 ? STRASBOURG
	       : strncmp(rule, "villebrune", 10) == 0    ? VILLEBRUNE
							 : NOWHERE;
}

/* bilingual - an array of {fr, en} objects, none empty, at least one */
static void bilingual(const json_t *a, const char *what, const char *where)
{
	size_t i;
	const json_t *x;

	if (!json_is_array(a) || json_array_size(a) == 0)
		fail_msg("%s: no %s", where, what);
	json_array_foreach(a, i, x)
	{
		const char *fr = json_string_value(json_object_get(x, "fr"));
		const char *en = json_string_value(json_object_get(x, "en"));

		if (!fr || !en || !*fr || !*en)
			fail_msg("%s: %s %zu is not in French and English", where, what, i);
	}
}

static const json_t *fact_named(const json_t *facts, const char *name)
{
	size_t i;
	const json_t *f;

	json_array_foreach(facts, i, f) if (strcmp(json_string_value(json_object_get(f, "name")),
						   name) == 0) return f;
	return NULL;
}

static bool says(const json_t *reasons, const char *text)
{
	size_t i;
	const json_t *x;

	json_array_foreach(reasons, i, x) if (strstr(json_string_value(json_object_get(x, "en")),
						     text)) return true;
	return false;
}

/* aid_check - the records of a run against what p should get */
static void aid_check(struct fixture *f, const struct persona *p)
{
	struct outs *o = calloc(1, sizeof(*o));
	struct expect e[8];
	int n = expected(p, e);

	assert_non_null(o);
	outs_load(f, "social.aid.simulation", o);
	for (int i = 0; i < n; i++) {
		char where[160];
		const json_t *d = out_find(o, "rule", e[i].rule), *v, *proc, *fq;

		snprintf(where, sizeof(where), "%s %s", p->name, e[i].rule);
		same_text(d, "status", e[i].status < 0 ? "unknown" : status_names[e[i].status],
			  where);
		if (strncmp(json_string_value(json_object_get(d, "at")), p->at, 10) != 0)
			fail_msg("%s: at %s", where, json_string_value(json_object_get(d, "at")));
		if (e[i].level[0])
			same_text(d, "level", e[i].level, where);
		else if (json_object_get(d, "level"))
			fail_msg("%s: a level without a right", where);
		if (e[i].reduction >= 0)
			same_number(d, "reduction_percent", e[i].reduction, where);
		else if (json_object_get(d, "reduction_percent"))
			fail_msg("%s: a reduction none was due", where);
		v = json_object_get(d, "amount");
		if (e[i].amount >= 0) {
			same_number(v, "value", e[i].amount, where);
			same_text(v, "per", e[i].per, where);
			same_text(v, "is", e[i].is, where);
		} else if (v) {
			fail_msg("%s: an amount none was due", where);
		}
		bilingual(json_object_get(d, "reasons"), "reason", where);
		proc = json_object_get(d, "procedure");
		if (e[i].status == 0 && proc)
			fail_msg("%s: a procedure for an aid not due", where);
		if (e[i].status != 0) {
			if (!proc)
				fail_msg("%s: no procedure", where);
			bilingual(json_object_get(proc, "steps"), "step", where);
			bilingual(json_object_get(proc, "documents"), "document", where);
		}
		/* why: the facts read, each with its value */
		fq = fact_named(json_object_get(d, "facts"), "tax.family_quotient");
		if (p->notice && strcmp(e[i].rule, "france.cheque_energie") != 0 &&
		    !overridden(e[i].rule, p)) {
			if (!fq)
				fail_msg("%s: the family quotient is not among the facts", where);
			same_number(fq, "value", quotient(p), where);
			same_text(fq, "doctype", "tax.household", where);
		}
		if (p->notice && strcmp(e[i].rule, "france.cheque_energie") == 0) {
			const json_t *u =
			    fact_named(json_object_get(d, "facts"), "household.consumption_units");
			const json_t *per = fact_named(json_object_get(d, "facts"),
						       "tax.reference_income_per_unit");

			if (!per)
				fail_msg("%s: the income per unit is not among the facts", where);
			same_number(per, "value", (double)p->reference_income / units(p), where);
			if (json_is_true(json_object_get(per, "approximation")) !=
			    (p->members == 0))
				fail_msg("%s: approximation %d", where, p->members == 0);
			/* the units are read by the inner scale, below 11,000 a unit */
			if (!u != ((double)p->reference_income / units(p) >= 11000))
				fail_msg("%s: the units %s among the facts", where,
					 u ? "are" : "are not");
			if (u)
				same_number(u, "value", units(p), where);
		}
		/* outside the rule's territory: the reasons say the commune decided */
		if (e[i].status == 0 && rule_territory(e[i].rule) != NOWHERE &&
		    rule_territory(e[i].rule) != p->where &&
		    !says(json_object_get(d, "reasons"), "Condition not met: commune of residence"))
			fail_msg("%s: the reasons do not name the commune", where);
		if (e[i].status < 0) {
			const json_t *missing = json_object_get(d, "missing");

			if (json_array_size(missing) == 0)
				fail_msg("%s: unknown, and nothing missing", where);
			if (!says(json_object_get(d, "reasons"), "Missing"))
				fail_msg("%s: the reasons do not say what is missing", where);
		}
	}
	for (size_t i = 0; i < o->n; i++) {
		if (!o->seen[i])
			fail_msg("%s: an unexpected record: %s", p->name,
				 json_string_value(json_object_get(o->data[i], "rule")));
		assert_string_equal(o->source[i], "app:aides-directes");
	}
	assert_int_equal(o->n, (size_t)n);
	outs_release(o);
	free(o);
}

static void insert(struct fixture *f, const char *doctype, const char *text, const char *date)
{
	struct record_meta m = {0};

	crypt_uuid7_new(m.id);
	snprintf(m.doctype, sizeof(m.doctype), "%s", doctype);
	snprintf(m.source, sizeof(m.source), "api");
	m.t = check_time(date);
	assert_int_equal(pstore_record_insert(f->ps, &m, text, NULL), CMN_OK);
}

/* persona_store - p's records in f: a notice of the year before issued
 * the summer before, a profile, the allowances of the month before */
static void persona_store(struct fixture *f, const struct persona *p)
{
	char text[300], issued[32], start[32];
	int year = (int)strtol(p->at, NULL, 10);
	int month = (int)strtol(p->at + 5, NULL, 10);

	snprintf(issued, sizeof(issued), "%04d-08-01", year - 1);
	if (p->notice) {
		snprintf(
		    text, sizeof(text),
		    "{\"income_year\":%d,\"issued\":\"%s\",\"tax_shares\":%g,"
		    "\"reference_income\":%lld,\"taxable_income\":%lld,\"commune_insee\":\"%s\"}",
		    year - 2, issued, p->shares, p->reference_income, p->reference_income,
		    p->insee);
		insert(f, "tax.household", text, issued);
	}
	if (p->members > 0) {
		snprintf(text, sizeof(text),
			 "{\"declared\":\"%04d-01-01\",\"district\":\"D11\",\"members\":%d,"
			 "\"heating\":\"gas\"}",
			 year - 1, p->members);
		snprintf(start, sizeof(start), "%04d-01-01", year - 1);
		insert(f, "household.profile", text, start);
	}
	snprintf(start, sizeof(start), "%04d-%02d-01", month == 1 ? year - 1 : year,
		 month == 1 ? 12 : month - 1);
	for (int i = 0; i < KIND_LIST && p->kinds[i]; i++) {
		snprintf(
		    text, sizeof(text),
		    "{\"period_start\":\"%s\",\"kind\":\"%s\",\"amount\":400,\"payer\":\"caf\"}",
		    start, p->kinds[i]);
		insert(f, "social.allowance", text, start);
	}
	/* an allowance of two years before counts for nothing */
	snprintf(
	    text, sizeof(text),
	    "{\"period_start\":\"%04d-01-01\",\"kind\":\"aah\",\"amount\":400,\"payer\":\"caf\"}",
	    year - 2);
	snprintf(start, sizeof(start), "%04d-01-01", year - 2);
	insert(f, "social.allowance", text, start);
}

static void aid_run(struct fixture *f, const struct persona *p, struct app_run *r)
{
	struct app_package pk = {0};
	json_t *params = json_pack("{s:s}", "at", p->at);

	svc_pack(f, "aides-directes", &pk);
	svc_run_on(f, &pk, params, NULL, r);
	json_decref(params);
	app_package_release(&pk);
}

static const struct persona personas[] = {
    {"bordeaux, alone", "2025-03-01", true, "33063", BORDEAUX, 1, 6000, 1, {NULL}},
    {"bordeaux, at 551", "2025-03-01", true, "33063", BORDEAUX, 1, 6612, 2, {NULL}},
    {"nantes, AAH", "2025-03-01", true, "44109", NANTES, 2, 30000, 2, {"aah", "apl"}},
    {"nantes, at 750", "2025-03-01", true, "44109", NANTES, 1, 9000, 1, {NULL}},
    {"strasbourg, three", "2025-03-01", true, "67482", STRASBOURG, 2.5, 15000, 3, {NULL}},
    {"strasbourg, 2023 grid", "2023-03-01", true, "67482", STRASBOURG, 1, 4380, 0, {NULL}},
    {"no notice", "2025-03-01", false, "", NOWHERE, 1, 0, 1, {"apl"}},
    {"villebrune, RSA", "2025-03-01", true, "00042", VILLEBRUNE, 1, 14000, 1, {"rsa"}},
    {"lyon", "2025-03-01", true, "69123", NOWHERE, 3, 80000, 4, {"af"}},
};

/* aides_directes_personas - each persona in a store of its own */
static void aides_directes_personas(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(personas) / sizeof(*personas); i++) {
		struct fixture f;
		struct app_run r;
		struct expect e[8];
		int n = expected(&personas[i], e), eligible = 0;

		assert_int_equal(fixture_open(&f, "alice"), 0);
		persona_store(&f, &personas[i]);
		aid_run(&f, &personas[i], &r);
		aid_check(&f, &personas[i]);
		for (int k = 0; k < n; k++)
			eligible += e[k].status == 1;
		assert_int_equal(json_integer_value(json_object_get(r.result, "eligible")),
				 eligible);
		assert_int_equal(json_integer_value(json_object_get(r.result, "rules")), n);
		print_message("aides-directes %s: %d rules, %d eligible\n", personas[i].name, n,
			      eligible);
		app_run_release(&r);
		fixture_close(&f);
	}
}

/*
 * aides_directes_territory - households of the synthetic territory (in
 * Villebrune, code 00042), their notices and allowances through the real
 * importers: the facts are those the generator gave the household
 * (taxable income, shares, members, allowances of the last 92 days)
 */
static void aides_directes_territory(void **state)
{
	static struct synth_territory t;
	int64_t at_day = time_days_from_civil(2025, 11, 15), day_end = at_day + 1;
	bool low = false, high = false;

	(void)state;
	assert_int_equal(synth_territory_init(&t, SEED, time_days_from_civil(2024, 1, 1), 731),
			 CMN_OK);
	for (uint64_t i = 0; i < 100 && !(low && high); i++) {
		struct synth_household h;
		struct persona p = {0};
		struct fixture f;
		struct app_run r;
		const char **k = p.kinds;
		char name[32];
		double q;

		synth_household(&t, i, &h);
		q = (double)h.taxable_income / 12.0 / (h.tax_shares_x2 / 2.0);
		if ((q < 800 && low) || (q >= 800 && high))
			continue;
		snprintf(name, sizeof(name), "%s", h.handle);
		p.name = name;
		p.at = "2025-11-15";
		p.notice = true;
		p.insee = "00042";
		p.where = VILLEBRUNE;
		p.shares = h.tax_shares_x2 / 2.0;
		p.reference_income = h.taxable_income;
		p.members = h.nmembers;
		/* the kinds whose period started in the 92 days up to at */
		for (int64_t mon = money_month_of(day_end - 93); mon <= money_month_of(at_day);
		     mon++) {
			struct money_allowance a[MONEY_ALLOWANCES_MONTH];
			int na = money_allowances_paid(&t, &h, mon, a);

			for (int j = 0; j < na; j++) {
				bool seen = false;

				if (a[j].period_start < day_end - 93 ||
				    a[j].period_start >= day_end)
					continue;
				for (const char **x = p.kinds; x < k; x++)
					seen = seen || strcmp(*x, a[j].kind) == 0;
				if (!seen && k < p.kinds + KIND_LIST)
					*k++ = a[j].kind;
			}
		}
		assert_int_equal(fixture_open(&f, "alice"), 0);
		assert_true(import(&f, synth_write_tax, "impots.csv", &t, &h));
		assert_true(import(&f, synth_write_household_profile, "logement.csv", &t, &h));
		import(&f, synth_write_allowances, "allocations.csv", &t, &h);
		aid_run(&f, &p, &r);
		aid_check(&f, &p);
		print_message("aides-directes %s: QF %.2f, %d members, %s\n", h.handle, q,
			      h.nmembers, q < 800 ? "below 800" : "800 or more");
		app_run_release(&r);
		fixture_close(&f);
		low = low || q < 800;
		high = high || q >= 800;
	}
	assert_true(low && high);
}

/* ---- the host function commune.eligibility ------------------------------------------ */

/* host_app - a package of one Lua file reading `reads` (JSON) */
static void host_app(struct fixture *f, const char *reads, const char *lua, struct app_package *p)
{
	char err[300];
	json_t *doc = json_pack(
	    "{s:s, s:{s:s, s:s, s:{s:s}, s:{s:s, s:s}, s:{s:s, s:s}, s:s, s:{s:o, s:[]},"
	    " s:[{s:s}]}, s:{s:s}}",
	    "format", "commune-app/1", "manifest", "id", "probe", "version", "1.0.0", "publisher",
	    "name", "test", "name", "fr", "Sonde", "en", "Probe", "description", "fr", "Sonde",
	    "en", "Probe", "entry", "main.lua", "permissions", "read", json_loads(reads, 0, NULL),
	    "write", "triggers", "on", "demand", "files", "main.lua", lua);
	char *text = json_dumps(doc, JSON_COMPACT);

	assert_non_null(text);
	if (app_package_parse(text, strlen(text), &f->reg, p, err, sizeof(err)) != CMN_OK)
		fail_msg("probe: %s", err);
	free(text);
	json_decref(doc);
}

static enum app_outcome host_run(struct fixture *f, const char *reads, const char *lua,
				 struct app_run *r)
{
	struct app_package p = {0};
	struct app_host h = {0};

	host_app(f, reads, lua, &p);
	h.ps = f->ps;
	h.reg = &f->reg;
	h.actor = "app:probe@1.0.0";
	h.trigger = "demand";
	h.now = check_time("2025-03-01T12:00:00Z");
	assert_int_equal(app_run(&p, &h, r), CMN_OK);
	app_package_release(&p);
	return r->outcome;
}

#define ALL_READS                                                                                  \
	"[{\"doctype\": \"tax.household\"}, {\"doctype\": \"social.allowance\", \"fields\":"       \
	" [\"period_start\", \"kind\"]}]"

/*
 * eligibility_host - what commune.eligibility gives an app: the shipped
 * rules on the person's facts, given facts first, at the date asked; only
 * to an app allowed to read what the engine reads; bad facts are the
 * script's error
 */
static void eligibility_host(void **state)
{
	struct fixture *f = *state;
	struct persona p = {"bordeaux", "2025-03-01", true, "33063", BORDEAUX, 2, 13000, 0, {NULL}};
	struct app_run r;
	const json_t *items;

	persona_store(f, &p);
	/* not allowed to read the notice, or not all the fields the engine reads */
	assert_int_equal(host_run(f, "[{\"doctype\": \"household.profile\"}]",
				  "function run(ctx) return commune.eligibility() end", &r),
			 APP_ERR_PERMISSION);
	app_run_release(&r);
	assert_int_equal(
	    host_run(f,
		     "[{\"doctype\": \"tax.household\", \"fields\": [\"income_year\"]},"
		     " {\"doctype\": \"social.allowance\"}]",
		     "function run(ctx) return commune.eligibility() end", &r),
	    APP_ERR_PERMISSION);
	assert_non_null(strstr(r.error, "of tax.household"));
	app_run_release(&r);
	/* the facts: QF 541.67 in Bordeaux, units approximated from 2 shares */
	assert_int_equal(
	    host_run(f, ALL_READS,
		     "function run(ctx)\n"
		     "  local e = commune.eligibility()\n"
		     "  local out = {at = e.at, items = {}, units ="
		     " e.facts['household.consumption_units'].value,"
		     " approx = e.facts['household.consumption_units'].approximation}\n"
		     "  for _, it in ipairs(e.items) do out.items[#out.items + 1] ="
		     " {id = it.id, eligible = it.eligible, level = it.grants and"
		     " it.grants.level, authority = it.authority} end\n"
		     "  return out end",
		     &r),
	    APP_OK);
	assert_int_equal(json_integer_value(json_object_get(r.result, "at")),
			 check_time("2025-03-01T12:00:00Z"));
	near(json_number_value(json_object_get(r.result, "units")), 1.5, "units", "approximated");
	assert_true(json_is_true(json_object_get(r.result, "approx")));
	items = json_object_get(r.result, "items");
	assert_int_equal(json_array_size(items), 5);
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "id")),
			    "bordeaux_metropole.tbm_solidaire");
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "level")),
			    "reduction_100");
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(items, 0), "authority")),
	    "Bordeaux Métropole");
	app_run_release(&r);
	/* given persons replace the approximation; an earlier date, other rules */
	assert_int_equal(
	    host_run(f, ALL_READS,
		     "function run(ctx)\n"
		     "  local e = commune.eligibility({at = '2023-03-01',"
		     " facts = {['household.persons'] = 3}})\n"
		     "  local u = e.facts['household.consumption_units']\n"
		     "  return {n = #e.items, units = u.value, approx = u.approximation or"
		     " false} end",
		     &r),
	    APP_OK);
	near(json_number_value(json_object_get(r.result, "units")), 1.8, "units", "given");
	assert_true(json_is_false(json_object_get(r.result, "approx")));
	assert_int_equal(json_integer_value(json_object_get(r.result, "n")), 4);
	app_run_release(&r);
	/* a fact of the wrong type, an unknown one: the script's error */
	assert_int_equal(host_run(f, ALL_READS,
				  "function run(ctx) return commune.eligibility({facts ="
				  " {['household.persons'] = 'three'}}) end",
				  &r),
			 APP_ERR_SCRIPT);
	assert_non_null(strstr(r.error, "/household.persons"));
	app_run_release(&r);
	assert_int_equal(host_run(f, ALL_READS,
				  "function run(ctx) return commune.eligibility({facts ="
				  " {['shoe.size'] = 42}}) end",
				  &r),
			 APP_ERR_SCRIPT);
	assert_non_null(strstr(r.error, "not a known fact"));
	app_run_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(situation_sociale),
	    cmocka_unit_test(aides_directes_personas),
	    cmocka_unit_test(aides_directes_territory),
	    cmocka_unit_test_setup_teardown(eligibility_host, check_setup, check_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
