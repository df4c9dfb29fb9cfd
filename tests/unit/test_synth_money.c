/*
 * test_synth_money.c - the money of the synthetic households (money.c,
 * life.c): over 300 households of a year (2024, 366 days), what the bank
 * statement credits and debits against what the household is (salaries
 * equal to the members' incomes, allowances only where their rules say and
 * equal to the allowance file, the tax withheld equal to the tax notice,
 * groceries per person in the range of docs/synth/money.md, balances in
 * their band, the statement's sum equal to closing minus opening); the tax
 * scale and the allowance rules on households built here; determinism; and
 * the five files of a few households imported into a real store through
 * the real importers, their counts and sums coming back exactly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"

#include "core/timeutil.h"
#include "import/import.h"
#include "store/store.h"
#include "synth/money_int.h"
#include "synth/synth.h"

#define SEED       42
#define HOUSEHOLDS 300

static struct synth_territory territory;

static int setup(void **state)
{
	(void)state;
	return synth_territory_init(&territory, SEED, time_days_from_civil(2024, 1, 1), 366) ==
		       CMN_OK
		   ? 0
		   : -1;
}

/* ---- the statement of a household, summed ------------------------------------------- */

struct sums {
	int64_t cat[CATS];
	int64_t salaries; /* salaries, pensions, unemployment benefits */
	int64_t pas;      /* income tax withheld */
	int64_t total;
	int64_t last_balance;
	size_t n;
};

static enum cmn_rc sum_entry(const struct money_entry *e, int64_t balance, void *arg)
{
	struct sums *s = arg;

	assert_true(e->cat < CATS);
	assert_true(strlen(e->name) <= 32);
	assert_true(e->cents != 0);
	s->cat[e->cat] += e->cents;
	s->total += e->cents;
	s->last_balance = balance;
	s->n++;
	if (strncmp(e->name, "VIR SALAIRE ", 12) == 0 ||
	    strcmp(e->name, "VIR CNAV RETRAITE") == 0 ||
	    strcmp(e->name, "VIR FRANCE TRAVAIL ARE") == 0) {
		assert_int_equal(e->cat, CAT_INCOME);
		s->salaries += e->cents;
	}
	if (strcmp(e->name, "PRLV DGFIP IMPOT PAS") == 0)
		s->pas -= e->cents;
	return CMN_OK;
}

static int64_t members_income(const struct synth_household *h)
{
	int64_t sum = 0;

	for (int i = 0; i < h->nmembers; i++)
		sum += h->m[i].income_year * 100;
	return sum;
}

static int count_dependants(const struct synth_household *h)
{
	int n = 0;

	for (int i = h->adults; i < h->nmembers; i++)
		n += h->m[i].age < 20;
	return n;
}

/* check_allowance - one allowance against the rules of docs/synth/money.md */
static void check_allowance(const struct synth_household *h, const struct money_allowance *a,
			    int64_t mon)
{
	bool baby = false, pupil = false, student = false, retired = true;

	for (int i = 0; i < h->nmembers; i++) {
		baby = baby || (i >= h->adults && h->m[i].age < 3);
		pupil = pupil || (h->m[i].activity == ACT_PUPIL && h->m[i].age >= 6);
	}
	for (int i = 0; i < h->adults; i++) {
		student = student || h->m[i].activity == ACT_STUDENT;
		retired = retired && h->m[i].activity == ACT_RETIRED && h->m[i].age >= 65;
	}
	assert_true(a->cents > 0);
	assert_true(a->paid_on >= a->period_start);
	if (!strcmp(a->kind, "apl") || !strcmp(a->kind, "als") || !strcmp(a->kind, "alf"))
		assert_false(h->owner); /* no housing aid for owners */
	else if (!strcmp(a->kind, "af"))
		assert_true(count_dependants(h) >= 2);
	else if (!strcmp(a->kind, "paje"))
		assert_true(baby);
	else if (!strcmp(a->kind, "cf"))
		assert_true(count_dependants(h) >= 3 && !baby);
	else if (!strcmp(a->kind, "asf"))
		assert_true(h->adults == 1 && count_dependants(h) > 0);
	else if (!strcmp(a->kind, "ars"))
		assert_true(pupil && mon % 12 == 7);
	else if (!strcmp(a->kind, "bourse"))
		assert_true(student && (mon % 12 >= 8 || mon % 12 <= 5));
	else if (!strcmp(a->kind, "other"))
		assert_true(retired); /* the ASPA */
	else if (!strcmp(a->kind, "cheque_energie"))
		assert_true(mon % 12 == 4 && h->taxable_income < 11000 * h->nmembers);
	else if (!strcmp(a->kind, "prime_activite")) {
		bool worker = false;

		for (int i = 0; i < h->nmembers; i++)
			worker = worker || h->m[i].activity == ACT_EMPLOYED;
		assert_true(worker);
	} else {
		assert_string_equal(a->kind, "rsa");
		for (int i = 0; i < h->nmembers; i++)
			assert_true(h->m[i].income_year * 100 / 12 < 63571 * 25 / 10);
	}
}

/*
 * population - 300 households over 2024: each statement's figures against
 * the household, and the documented ranges over the population.
 */
static void population(void **state)
{
	int64_t incomes = 0, allowances = 0, taxed = 0, closing_negative = 0, lowest_negative = 0;
	int with_allowances = 0;

	(void)state;
	for (uint64_t i = 0; i < HOUSEHOLDS; i++) {
		struct synth_household h;
		struct money_summary sum;
		struct sums s;
		int64_t alw = 0, food_per_person_month;

		synth_household(&territory, i, &h);
		memset(&s, 0, sizeof(s));
		assert_int_equal(money_statement(&territory, &h, sum_entry, &s, &sum), CMN_OK);
		/* the account adds up */
		assert_int_equal(sum.closing - sum.opening, s.total);
		assert_int_equal(sum.closing, s.last_balance);
		assert_int_equal(sum.entries, s.n);
		/* a whole year of salaries, pensions and benefits: the members' incomes */
		assert_int_equal(s.salaries, members_income(&h));
		/* the tax withheld is the tax of the year's notice */
		assert_int_equal(
		    s.pas, 100 * money_tax_due(h.taxable_income, h.tax_shares_x2, h.adults == 2));
		/* the allowances paid in 2024 are the statement's credits */
		for (int64_t mon = 2024 * 12; mon < 2025 * 12; mon++) {
			struct money_allowance a[MONEY_ALLOWANCES_MONTH];
			int n = money_allowances_paid(&territory, &h, mon, a);

			for (int k = 0; k < n; k++) {
				check_allowance(&h, &a[k], mon);
				alw += a[k].cents;
			}
		}
		assert_int_equal(alw, s.cat[CAT_ALLOWANCE]);
		/* the band of docs/synth/money.md */
		assert_true(sum.closing <= sum.resources * 3 / 2);
		assert_true(sum.closing >= -sum.resources * 3 / 2);
		closing_negative += sum.closing < 0;
		lowest_negative += sum.lowest < 0;
		/* groceries: 60 to 550 EUR a person a month */
		food_per_person_month = -s.cat[CAT_FOOD] / 12 / h.nmembers;
		assert_true(food_per_person_month >= 6000 && food_per_person_month <= 55000);
		incomes += s.cat[CAT_INCOME];
		allowances += s.cat[CAT_ALLOWANCE];
		taxed += s.pas > 0;
		with_allowances += alw > 0;
	}
	assert_true(closing_negative <= HOUSEHOLDS / 50);
	assert_true(lowest_negative <= HOUSEHOLDS * 3 / 100);
	/* allowances are 2 to 12 % of the incomes; 30 to 60 % of households get
	 * some; 35 to 65 % pay income tax */
	assert_true(allowances * 50 >= incomes && allowances * 100 <= incomes * 12);
	assert_true(with_allowances * 10 >= HOUSEHOLDS * 3 &&
		    with_allowances * 10 <= HOUSEHOLDS * 6);
	assert_true(taxed * 100 >= HOUSEHOLDS * 35 && taxed * 100 <= HOUSEHOLDS * 65);
}

/* ---- tax and allowances on households built here --------------------------------------- */

static void tax_scale(void **state)
{
	(void)state;
	/* nothing below the first bracket, whatever the shares */
	for (int x2 = 2; x2 <= 10; x2++)
		assert_int_equal(money_tax_due(11497 * x2 / 2, x2, x2 >= 4), 0);
	/* 30,000 EUR alone: 11 % of 17,818 and 30 % of 685 */
	assert_int_equal(money_tax_due(30000, 2, false), 2165);
	/* a couple with two children, 60,000 EUR: 3 shares, then the décote */
	assert_int_equal(money_tax_due(60000, 6, true), 2606);
	/* the quotient's advantage is capped: 200,000 EUR with 4 children */
	assert_true(money_tax_due(200000, 8, true) >= money_tax_due(200000, 4, true) - 4 * 1791);
	/* the tax grows with the income, and falls with the shares */
	for (int x2 = 2; x2 <= 10; x2++) {
		int64_t last = 0;

		for (int64_t income = 0; income <= 300000; income += 250) {
			int64_t tax = money_tax_due(income, x2, x2 >= 4);

			assert_true(tax >= last);
			assert_true(tax <= income / 2);
			if (x2 > 4)
				assert_true(tax <= money_tax_due(income, x2 - 1, true));
			last = tax;
		}
		assert_true(last > 0);
	}
}

static void household_of(struct synth_household *h, int adults, const int *ages,
			 const enum synth_activity *acts, const int64_t *incomes, int n, bool owner)
{
	int64_t earned = 0;

	synth_household(&territory, 0, h);
	h->nmembers = n;
	h->adults = adults;
	h->children = n - adults;
	for (int i = 0; i < n; i++) {
		h->m[i].age = ages[i];
		h->m[i].activity = acts[i];
		h->m[i].income_year = incomes[i];
		h->m[i].place = acts[i] == ACT_PUPIL ? 1 : acts[i] == ACT_EMPLOYED ? 0 : -1;
		if (i < adults)
			earned += incomes[i];
	}
	h->tax_shares_x2 = 2 * adults + (n - adults) + (n - adults > 2 ? n - adults - 2 : 0) +
			   (adults == 1 && n > 1);
	h->taxable_income = earned * 9 / 10;
	h->family_quotient = h->taxable_income * 2 / 12 / h->tax_shares_x2;
	h->owner = owner;
	h->housing_cents = owner ? 0 : 65000;
}

/* kinds_paid - the kinds paid in February (for January) and August */
static void kinds_paid(const struct synth_household *h, char *out, size_t n)
{
	out[0] = '\0';
	for (int64_t mon = 2024 * 12 + 1; mon <= 2024 * 12 + 7; mon += 6) {
		struct money_allowance a[MONEY_ALLOWANCES_MONTH];
		int k = money_allowances_paid(&territory, h, mon, a);

		for (int i = 0; i < k; i++) {
			const char *kind = a[i].kind;

			if (!strcmp(kind, "apl") || !strcmp(kind, "als") || !strcmp(kind, "alf"))
				kind = "housing";
			strncat(out, kind, n - strlen(out) - 1);
			strncat(out, " ", n - strlen(out) - 1);
		}
	}
}

static void allowance_rules(void **state)
{
	struct synth_household h;
	char kinds[256];
	const int ages1[] = {40};
	const enum synth_activity unemployed[] = {ACT_UNEMPLOYED};
	const int64_t none[] = {0, 0, 0, 0, 0};
	const int ages4[] = {38, 36, 9, 5};
	const enum synth_activity family[] = {ACT_EMPLOYED, ACT_EMPLOYED, ACT_PUPIL, ACT_PUPIL};
	const int64_t low[] = {15000, 0, 0, 0}, high[] = {60000, 55000, 0, 0};

	(void)state;
	/* no income at all: RSA, housing aid for a renter, the energy voucher */
	household_of(&h, 1, ages1, unemployed, none, 1, false);
	kinds_paid(&h, kinds, sizeof(kinds));
	assert_string_equal(kinds, "rsa housing rsa housing ");
	/* the same as an owner: no housing aid, a larger RSA */
	household_of(&h, 1, ages1, unemployed, none, 1, true);
	kinds_paid(&h, kinds, sizeof(kinds));
	assert_string_equal(kinds, "rsa rsa ");
	/* a family with one low salary: prime d'activité, housing aid, AF for
	 * two children, school allowance in August */
	household_of(&h, 2, ages4, family, low, 4, false);
	kinds_paid(&h, kinds, sizeof(kinds));
	assert_string_equal(kinds, "prime_activite housing af prime_activite housing af ars ");
	/* with two good salaries: AF only */
	household_of(&h, 2, ages4, family, high, 4, false);
	kinds_paid(&h, kinds, sizeof(kinds));
	assert_string_equal(kinds, "af af ");
	/* one child: no AF */
	household_of(&h, 2, ages4, family, high, 3, false);
	kinds_paid(&h, kinds, sizeof(kinds));
	assert_string_equal(kinds, "");
}

/* ---- the files ----------------------------------------------------------------------- */

struct mem {
	char *p;
	size_t n;
};

typedef enum cmn_rc (*writer_fn)(const struct synth_territory *, const struct synth_household *,
				 FILE *);

static const writer_fn writers[] = {synth_write_ofx, synth_write_allowances, synth_write_tax,
				    synth_write_food, synth_write_ical};
static const char *const names[] = {"account.ofx", "allowances.csv", "tax.csv", "food.csv",
				    "calendar.ics"};
#define NFILES 5

static enum cmn_rc write_mem(writer_fn w, const struct synth_territory *t,
			     const struct synth_household *h, struct mem *m)
{
	FILE *f = open_memstream(&m->p, &m->n);
	enum cmn_rc rc;

	assert_non_null(f);
	rc = w(t, h, f);
	assert_int_equal(fclose(f), 0);
	return rc;
}

static void determinism(void **state)
{
	static struct synth_territory other;

	(void)state;
	assert_int_equal(
	    synth_territory_init(&other, SEED + 1, territory.start_day, territory.days), CMN_OK);
	for (uint64_t i = 0; i < 4; i++) {
		struct synth_household h, h2;

		synth_household(&territory, i, &h);
		synth_household(&other, i, &h2);
		for (int k = 0; k < NFILES; k++) {
			struct mem a = {0}, b = {0}, c = {0};
			enum cmn_rc rc = write_mem(writers[k], &territory, &h, &a);

			assert_int_equal(write_mem(writers[k], &territory, &h, &b), rc);
			assert_int_equal(a.n, b.n);
			assert_memory_equal(a.p, b.p, a.n);
			if (rc == CMN_OK && write_mem(writers[k], &other, &h2, &c) == CMN_OK)
				assert_true(a.n != c.n || memcmp(a.p, c.p, a.n) != 0);
			free(a.p);
			free(b.p);
			free(c.p);
		}
	}
}

/* a period of one Sunday: no calendar, no shopping, no allowance paid */
static void empty_files(void **state)
{
	static struct synth_territory sunday;
	struct synth_household h;
	struct mem m = {0};

	(void)state;
	assert_int_equal(synth_territory_init(&sunday, SEED, time_days_from_civil(2024, 1, 7), 1),
			 CMN_OK);
	synth_household(&sunday, 0, &h);
	assert_int_equal(write_mem(synth_write_food, &sunday, &h, &m), CMN_ERR_NOT_FOUND);
	free(m.p);
	m.p = NULL;
	assert_int_equal(write_mem(synth_write_allowances, &sunday, &h, &m), CMN_ERR_NOT_FOUND);
	free(m.p);
	m.p = NULL;
	assert_int_equal(write_mem(synth_write_ical, &sunday, &h, &m), CMN_ERR_NOT_FOUND);
	free(m.p);
	m.p = NULL;
	/* a statement and a tax notice always exist */
	assert_int_equal(write_mem(synth_write_ofx, &sunday, &h, &m), CMN_OK);
	free(m.p);
	m.p = NULL;
	assert_int_equal(write_mem(synth_write_tax, &sunday, &h, &m), CMN_OK);
	free(m.p);
}

/* ---- naive readings of the files --------------------------------------------------------- */

static int64_t cents_of(const char *p)
{
	int64_t units = 0, frac = 0;
	int sign = 1, digits = 0;

	if (*p == '-') {
		sign = -1;
		p++;
	}
	while (*p >= '0' && *p <= '9')
		units = units * 10 + (*p++ - '0');
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9' && digits < 2; p++, digits++)
			frac = frac * 10 + (*p - '0');
	while (digits++ < 2)
		frac *= 10;
	return sign * (units * 100 + frac);
}

struct ofx_truth {
	long count;
	int64_t cents, closing, opening;
};

static void read_ofx(const char *text, struct ofx_truth *t)
{
	const char *p = text;

	memset(t, 0, sizeof(*t));
	while ((p = strstr(p, "<TRNAMT>")) != NULL) {
		p += 8;
		t->cents += cents_of(p);
		t->count++;
	}
	p = strstr(text, "<LEDGERBAL>");
	assert_non_null(p);
	t->closing = cents_of(strstr(p, "<BALAMT>") + 8);
	p = strstr(text, "<BALLIST>");
	assert_non_null(p);
	t->opening = cents_of(strstr(p, "<VALUE>") + 7);
}

/* read_csv - data rows (after the mapping line and the header) and the sum
 * of a column, in cents */
static void read_csv(const char *text, int column, long *rows, int64_t *cents)
{
	const char *line = strchr(text, '\n');

	*rows = 0;
	*cents = 0;
	assert_non_null(line);
	line = strchr(line + 1, '\n'); /* the header */
	while (line && line[1]) {
		const char *cell = line + 1;

		for (int c = 0; c < column; c++)
			cell = strchr(cell, ';') + 1;
		*cents += cents_of(cell);
		(*rows)++;
		line = strchr(line + 1, '\n');
	}
}

/* ical_occurrences - each VEVENT is one occurrence, or COUNT less its
 * EXDATEs (the file unfolded first) */
static long ical_occurrences(const char *text)
{
	long n = 0, count = 1, exdates = 0;
	char *copy = malloc(strlen(text) + 1), *save = NULL;
	size_t k = 0;

	assert_non_null(copy);
	for (const char *p = text; *p; p++) {
		if (p[0] == '\r' && p[1] == '\n' && p[2] == ' ')
			p += 2; /* a folded line goes on */
		else
			copy[k++] = *p;
	}
	copy[k] = '\0';
	for (char *l = strtok_r(copy, "\r\n", &save); l; l = strtok_r(NULL, "\r\n", &save)) {
		if (strcmp(l, "BEGIN:VEVENT") == 0) {
			count = 1;
			exdates = 0;
		} else if (strncmp(l, "RRULE:", 6) == 0) {
			count = strtol(strstr(l, "COUNT=") + 6, NULL, 10);
		} else if (strncmp(l, "EXDATE", 6) == 0) {
			exdates++;
			for (const char *c = l; (c = strchr(c, ',')) != NULL; c++)
				exdates++;
		} else if (strcmp(l, "END:VEVENT") == 0) {
			n += count - exdates;
		}
	}
	free(copy);
	return n;
}

/* ---- the store ----------------------------------------------------------------------------- */

struct stored {
	long count;
	int64_t cents;
};

static enum cmn_rc add_stored(const struct record_meta *m, const char *data,
			      const struct query_value *key, void *pv)
{
	struct stored *s = pv;
	json_t *rec = json_loads(data, 0, NULL), *amount;

	(void)m;
	(void)key;
	assert_non_null(rec);
	amount = json_object_get(rec, "amount");
	if (amount) {
		double a = json_number_value(amount) * 100;

		s->cents += (int64_t)(a < 0 ? a - 0.5 : a + 0.5);
	}
	s->count++;
	json_decref(rec);
	return CMN_OK;
}

static void read_stored(struct fixture *f, const char *doctype, struct stored *s)
{
	struct store_query q;

	memset(&q, 0, sizeof(q));
	memset(s, 0, sizeof(*s));
	q.doctype = doctype;
	q.sort = QSORT_ID;
	q.limit = 100000;
	assert_int_equal(pstore_record_query(f->ps, &q, add_stored, s), CMN_OK);
}

static void import_mem(struct fixture *f, const struct mem *m, const char *name, const char *format)
{
	struct import_job job;
	enum cmn_rc rc = import_buffer(f->ps, &f->reg, "cli:test", m->p, m->n, name, NULL, &job);

	if (rc != CMN_OK)
		fprintf(stderr, "%s: line %zu column %zu %s: %s\n", name, job.err.line,
			job.err.column, job.err.pointer, job.err.message);
	assert_int_equal(rc, CMN_OK);
	assert_string_equal(job.format->name, format);
	assert_int_equal(job.stats.records_duplicate, 0);
	import_job_release(&job);
}

/*
 * round_trip - the five files of households chosen for their variety (a
 * family with allowances, an owner, a student, ...) imported into a store
 * each: every record arrives and the sums come back to the cent.
 */
static void round_trip(void **state)
{
	static const char *const formats[] = {"ofx", "mapping", "mapping", "mapping", "ical"};
	static const char *const doctypes[] = {"bank.transaction", "social.allowance",
					       "tax.household", "food.purchase", "calendar.event"};
	/* a large family with allowances, a couple, a student, a parent alone,
	 * an owner */
	const uint64_t picks[] = {2, 5, 18, 31, 0};

	(void)state;
	for (size_t p = 0; p < sizeof(picks) / sizeof(*picks); p++) {
		struct fixture f;
		struct synth_household h;
		struct mem m[NFILES];
		struct money_summary sum;
		struct ofx_truth ofx;
		struct stored s;
		long rows;
		int64_t cents, groceries = 0;
		struct sums sums;

		synth_household(&territory, picks[p], &h);
		assert_int_equal(fixture_open(&f, h.handle), 0);
		memset(m, 0, sizeof(m));
		for (int k = 0; k < NFILES; k++) {
			enum cmn_rc rc = write_mem(writers[k], &territory, &h, &m[k]);

			if (rc == CMN_ERR_NOT_FOUND && k == 1) {
				/* no allowance: an empty file with its header */
				free(m[k].p);
				m[k].p = strdup("#\nheader\n");
				continue;
			}
			assert_int_equal(rc, CMN_OK);
			import_mem(&f, &m[k], names[k], formats[k]);
		}
		/* the account: every transaction, and they add up to the balances */
		memset(&sums, 0, sizeof(sums));
		assert_int_equal(money_statement(&territory, &h, sum_entry, &sums, &sum), CMN_OK);
		read_ofx(m[0].p, &ofx);
		assert_int_equal(ofx.count, (long)sum.entries);
		assert_int_equal(ofx.opening, sum.opening);
		assert_int_equal(ofx.closing, sum.closing);
		assert_int_equal(ofx.cents, ofx.closing - ofx.opening);
		read_stored(&f, doctypes[0], &s);
		assert_int_equal(s.count, ofx.count);
		assert_int_equal(s.cents, ofx.cents);
		/* the allowances: the file's, the store's and the bank's credits */
		read_csv(m[1].p, 3, &rows, &cents);
		read_stored(&f, doctypes[1], &s);
		assert_int_equal(s.count, rows);
		assert_int_equal(s.cents, cents);
		assert_int_equal(cents, sums.cat[CAT_ALLOWANCE]);
		/* the notice of 2024 */
		read_stored(&f, doctypes[2], &s);
		assert_int_equal(s.count, 1);
		/* the food: every item, and the groceries of the statement */
		read_csv(m[3].p, 6, &rows, &cents);
		read_stored(&f, doctypes[3], &s);
		assert_int_equal(s.count, rows);
		assert_int_equal(s.cents, cents);
		groceries = -sums.cat[CAT_FOOD];
		assert_int_equal(cents, groceries);
		/* the calendar: every occurrence */
		read_stored(&f, doctypes[4], &s);
		assert_int_equal(s.count, ical_occurrences(m[4].p));
		for (int k = 0; k < NFILES; k++)
			free(m[k].p);
		fixture_close(&f);
	}
}

/* groceries_by_day - the food file's items and the statement's grocery
 * debits agree day by day */
struct by_day {
	int64_t cents[400];
};

static enum cmn_rc grocery_day(const struct money_entry *e, int64_t balance, void *arg)
{
	struct by_day *d = arg;

	(void)balance;
	if (e->cat == CAT_FOOD)
		d->cents[e->day - territory.start_day] -= e->cents;
	return CMN_OK;
}

static void groceries_by_day(void **state)
{
	(void)state;
	for (uint64_t i = 0; i < 20; i++) {
		struct synth_household h;
		struct by_day bank, food;
		struct mem m = {0};
		const char *line;

		memset(&bank, 0, sizeof(bank));
		memset(&food, 0, sizeof(food));
		synth_household(&territory, i, &h);
		assert_int_equal(money_statement(&territory, &h, grocery_day, &bank, NULL), CMN_OK);
		assert_int_equal(write_mem(synth_write_food, &territory, &h, &m), CMN_OK);
		line = strchr(strchr(m.p, '\n') + 1, '\n');
		while (line && line[1]) {
			int64_t y = strtol(line + 1, NULL, 10), day;
			const char *cell = line + 1;

			day = time_days_from_civil(y, (int)strtol(line + 6, NULL, 10),
						   (int)strtol(line + 9, NULL, 10));
			for (int c = 0; c < 6; c++)
				cell = strchr(cell, ';') + 1;
			food.cents[day - territory.start_day] += cents_of(cell);
			line = strchr(line + 1, '\n');
		}
		assert_memory_equal(bank.cents, food.cents, sizeof(bank.cents));
		free(m.p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(population),      cmocka_unit_test(tax_scale),
	    cmocka_unit_test(allowance_rules), cmocka_unit_test(determinism),
	    cmocka_unit_test(empty_files),     cmocka_unit_test(groceries_by_day),
	    cmocka_unit_test(round_trip),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
