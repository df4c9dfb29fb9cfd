/*
 * money.c - the money of a household of the synthetic territory: what it
 * earns, the allowances it is due (the social.allowance file), its income
 * tax (the tax.household file), and its current account (the OFX file),
 * where all of that is credited and where what it pays is debited: rent,
 * energy billed on what energy.c says it used, transport from the trips of
 * mobility.c, the groceries, activities, appointments and holidays of
 * life.c, subscriptions, and what it spends freely as far as its balance
 * allows. A savings rule keeps the balance within a band of its resources.
 * Amounts are integer cents; the scales and tariffs are simplified images
 * of the French ones of 2024, listed in docs/synth/money.md.
 */
#include "synth/money_int.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "core/timeutil.h"

/* ---- streams and the calendar -------------------------------------------------------- */

void money_rng(struct synth_rng *r, const struct synth_territory *t,
	       const struct synth_household *h, enum money_stream kind, int64_t x)
{
	synth_rng_seed(r, t->seed, (uint64_t)kind, (h->index << 24) ^ (uint64_t)x);
}

int64_t money_month_of(int64_t day)
{
	int64_t y;
	int m, d;

	time_civil_from_days(day, &y, &m, &d);
	return y * 12 + m - 1;
}

int64_t money_month_first(int64_t mon)
{
	return time_days_from_civil(mon / 12, (int)(mon % 12) + 1, 1);
}

int money_month_days(int64_t mon)
{
	return (int)(money_month_first(mon + 1) - money_month_first(mon));
}

bool money_working_day(int64_t day)
{
	return (synth_day_kind(day) & 3) == 0;
}

int64_t money_working_on_or_after(int64_t day)
{
	int64_t mon = money_month_of(day), first = money_month_first(mon);
	int64_t last = first + money_month_days(mon) - 1;

	for (int64_t d = day; d <= last; d++)
		if (money_working_day(d))
			return d;
	for (int64_t d = day - 1; d >= first; d--)
		if (money_working_day(d))
			return d;
	return day;
}

int64_t money_working_on_or_before(int64_t day)
{
	int64_t mon = money_month_of(day), first = money_month_first(mon);
	int64_t last = first + money_month_days(mon) - 1;

	for (int64_t d = day; d >= first; d--)
		if (money_working_day(d))
			return d;
	for (int64_t d = day + 1; d <= last; d++)
		if (money_working_day(d))
			return d;
	return day;
}

/* U+00C0 to U+00FF folded to ASCII upper case */
static const char latin1_fold[] = "AAAAAAACEEEEIIIIDNOOOOOXOUUUUYTS"
				  "AAAAAAACEEEEIIIIDNOOOOO OUUUUYTY";

void money_ascii_upper(char *out, size_t n, const char *utf8)
{
	const unsigned char *p = (const unsigned char *)utf8;
	size_t k = 0;

	while (*p && k + 1 < n) {
		if (*p < 0x80) {
			char c = (char)*p++;

			if (c >= 'a' && c <= 'z')
				c = (char)(c - 'a' + 'A');
			else if (c == '\'' || c == '<' || c == '>' || c == '&' || c == ';')
				c = ' ';
			out[k++] = c;
		} else if (p[0] == 0xc3 && p[1] >= 0x80 && p[1] <= 0xbf) {
			out[k++] = latin1_fold[p[1] - 0x80];
			p += 2;
		} else if (p[0] == 0xc5 && (p[1] == 0x92 || p[1] == 0x93)) {
			out[k++] = 'O'; /* oe */
			if (k + 1 < n)
				out[k++] = 'E';
			p += 2;
		} else {
			p++; /* anything else is left out */
			while ((*p & 0xc0) == 0x80)
				p++;
		}
	}
	out[k] = '\0';
}

/* ---- incomes --------------------------------------------------------------------------- */

static bool salaried(const struct synth_member *m)
{
	return m->income_year > 0 && (m->activity == ACT_EMPLOYED || m->activity == ACT_STUDENT);
}

/* work_month - earned income of the household, cents a month */
static int64_t work_month(const struct synth_household *h)
{
	int64_t sum = 0;

	for (int i = 0; i < h->nmembers; i++)
		if (salaried(&h->m[i]))
			sum += h->m[i].income_year * 100 / 12;
	return sum;
}

/* other_month - pensions and unemployment benefits, cents a month */
static int64_t other_month(const struct synth_household *h)
{
	int64_t sum = 0;

	for (int i = 0; i < h->nmembers; i++)
		if (!salaried(&h->m[i]))
			sum += h->m[i].income_year * 100 / 12;
	return sum;
}

/* students_only - the household's adults are all students: young people
 * on their own, whom their families support */
static bool students_only(const struct synth_household *h)
{
	for (int i = 0; i < h->adults; i++)
		if (h->m[i].activity != ACT_STUDENT)
			return false;
	return h->adults > 0;
}

static int64_t housing_aid(const struct synth_territory *t, const struct synth_household *h,
			   const char **kind);

/* family_support - a month from the family of a student living on their
 * own, cents: 400 to 600 EUR to live on, and the housing (the rent less the
 * housing aid, or the loan of the flat they bought them) shared between the
 * students of the household */
static int64_t family_support(const struct synth_territory *t, const struct synth_household *h,
			      int member)
{
	struct synth_rng r;
	const char *kind;
	int64_t housing;

	if (member >= h->adults || !students_only(h))
		return 0;
	housing = h->owner ? h->housing_cents : h->housing_cents - housing_aid(t, h, &kind);
	money_rng(&r, t, h, STREAM_PROFILE, 1 + member);
	return synth_rng_range(&r, 40, 60) * 1000 + (housing > 0 ? housing / h->adults : 0);
}

/* dependants - children under 20 */
static int dependants(const struct synth_household *h)
{
	int n = 0;

	for (int i = h->adults; i < h->nmembers; i++)
		n += h->m[i].age < 20;
	return n;
}

/* ---- allowances ------------------------------------------------------------------------ */

struct allowances {
	/* cents a month */
	int64_t rsa, activity, housing, family, young, complement, support, old_age;
	const char *housing_kind;         /* apl, als, alf */
	int64_t grant[SYNTH_MAX_MEMBERS]; /* CROUS grants, cents a month, September to June */
	int64_t school;                   /* ARS, cents, paid in August */
	int64_t energy;                   /* energy voucher, cents, paid in May */
};

#define RSA_BASE      63571 /* RSA for one person, cents a month (April 2024) */
#define ACTIVITY_BASE 62263 /* prime d'activité, the same */

/* size_x10 - the RSA scale: 1 for one person, +0.5 for the second, +0.3 for
 * the third and the fourth, +0.4 from the fifth */
static int size_x10(int persons)
{
	int f = 10;

	for (int i = 2; i <= persons; i++)
		f += i == 2 ? 5 : i <= 4 ? 3 : 4;
	return f;
}

/* housing_flat_rate - the forfait logement deducted from RSA and prime
 * d'activité */
static int64_t housing_flat_rate(int persons)
{
	return persons == 1 ? 7629 : persons == 2 ? 15257 : 18881;
}

static int64_t family_allowance(const struct synth_household *h)
{
	int n = dependants(h);
	int64_t amount, earned = 0;

	if (n < 2)
		return 0;
	for (int i = 0; i < h->nmembers; i++)
		earned += h->m[i].income_year;
	amount = n == 2 ? 14852 : 33881 + 19029 * (int64_t)(n - 3);
	if (earned > 102215 + 5895 * (int64_t)(n - 2))
		return amount / 4;
	if (earned > 76699 + 5895 * (int64_t)(n - 2))
		return amount / 2;
	return amount;
}

/* young_child - the PAJE's allocation de base, with a child under 3 */
static int64_t young_child(const struct synth_household *h)
{
	int n = dependants(h);
	bool baby = false;
	int64_t ceiling = 38000 + 6000 * (int64_t)(n > 0 ? n - 1 : 0);

	for (int i = h->adults; i < h->nmembers; i++)
		baby = baby || h->m[i].age < 3;
	if (!baby || h->taxable_income > ceiling * 6 / 5)
		return 0;
	return h->taxable_income > ceiling ? 9241 : 18481;
}

/* family_complement - the complément familial: three children or more,
 * all of them 3 or older, and modest resources */
static int64_t family_complement(const struct synth_household *h)
{
	int n = dependants(h);
	int64_t ceiling = 45000 + 5000 * (int64_t)(n - 3);

	if (n < 3)
		return 0;
	for (int i = h->adults; i < h->nmembers; i++)
		if (h->m[i].age < 3)
			return 0;
	if (h->taxable_income > ceiling)
		return 0;
	return h->taxable_income > ceiling / 2 ? 19767 : 29650;
}

/* family_support_allowance - the ASF, for each child of a parent alone
 * whose other parent pays nothing: here, a parent alone with a family
 * quotient under 1,200 EUR */
static int64_t family_support_allowance(const struct synth_household *h)
{
	if (h->adults != 1 || dependants(h) == 0 || h->family_quotient >= 1200)
		return 0;
	return 19585 * (int64_t)dependants(h);
}

/* old_age_minimum - the ASPA (minimum vieillesse) tops the pensions of
 * retired adults of 65 or more up to 1,012.02 EUR a month alone, 1,571.16
 * as a couple */
static int64_t old_age_minimum(const struct synth_household *h)
{
	int64_t pensions = 0, floor = h->adults == 2 ? 157116 : 101202;

	for (int i = 0; i < h->adults; i++) {
		if (h->m[i].activity != ACT_RETIRED || h->m[i].age < 65)
			return 0;
		pensions += h->m[i].income_year * 100 / 12;
	}
	return pensions < floor ? floor - pensions : 0;
}

/* student_grant - the CROUS grant of a student living on their own, by
 * échelon (0bis to 7), for four students in ten; ten months a year */
static int64_t student_grant(const struct synth_territory *t, const struct synth_household *h,
			     int member)
{
	static const int64_t years[] = {145400, 216300, 307100, 382800,
					458700, 521200, 550600, 633500};
	struct synth_rng r;

	if (member >= h->adults || h->m[member].activity != ACT_STUDENT)
		return 0;
	money_rng(&r, t, h, STREAM_PROFILE, 20 + member);
	if (synth_rng_below(&r, 10) >= 4)
		return 0;
	return years[synth_rng_below(&r, 8)] / 10;
}

/* housing_aid - APL/ALS/ALF for renters: the rent up to a ceiling, plus a
 * flat rate for charges, less a participation that grows with the family
 * quotient */
static int64_t housing_aid(const struct synth_territory *t, const struct synth_household *h,
			   const char **kind)
{
	int n = dependants(h);
	int64_t ceiling = (h->adults == 1 ? 30000 : 37000) + 5500 * (int64_t)n;
	int64_t charges = 5500 + 1200 * (int64_t)n, rent = h->housing_cents, aid;
	int64_t over = h->family_quotient > 450 ? h->family_quotient - 450 : 0;

	*kind = t->districts[h->district].income_pct < 95 ? "apl" : n > 0 ? "alf" : "als";
	if (h->owner || rent <= 0)
		return 0;
	aid = (rent < ceiling ? rent : ceiling) + charges - 3800 - h->tax_shares_x2 * over * 33 / 2;
	return aid >= 1000 ? aid : 0;
}

/* rsa_eligible - an adult of 25 or more, or a parent, who is neither a
 * student nor retired (the ASPA is theirs) */
static bool rsa_eligible(const struct synth_household *h)
{
	for (int i = 0; i < h->adults; i++)
		if (h->m[i].activity != ACT_STUDENT && h->m[i].activity != ACT_RETIRED &&
		    (h->m[i].age >= 25 || h->children > 0))
			return true;
	return false;
}

static int64_t activity_bonus(int64_t work)
{
	if (work < 70000)
		return 0;
	if (work >= 140000)
		return 18427;
	return 18427 * (work - 70000) / 70000;
}

static int64_t prime_activite(const struct synth_household *h, int64_t family)
{
	int64_t work = work_month(h), base, bonus = 0, resources, pa;
	bool worker = false;

	for (int i = 0; i < h->nmembers; i++) {
		if (h->m[i].activity == ACT_EMPLOYED) {
			worker = true;
			bonus += activity_bonus(h->m[i].income_year * 100 / 12);
		}
	}
	if (!worker)
		return 0;
	base = (int64_t)ACTIVITY_BASE * size_x10(h->nmembers) / 10;
	resources = work + other_month(h) + family;
	pa = base + work * 61 / 100 + bonus - (resources > base ? resources : base) -
	     housing_flat_rate(h->nmembers);
	return pa >= 1500 ? pa : 0;
}

static int64_t school_allowance(const struct synth_household *h)
{
	int64_t sum = 0;
	int n = dependants(h);

	if (n == 0 || h->taxable_income > 25775 + 5948 * (int64_t)(n - 1))
		return 0;
	for (int i = 0; i < h->nmembers; i++) {
		const struct synth_member *m = &h->m[i];

		if (m->activity == ACT_PUPIL && m->age >= 6)
			sum += m->age <= 10 ? 41640 : m->age <= 14 ? 43938 : 45460;
	}
	return sum;
}

/* energy_voucher - the chèque énergie by reference income a consumption
 * unit (1, 0.5 for the second person, 0.3 for each other one) */
static int64_t energy_voucher(const struct synth_household *h)
{
	static const int64_t limits[] = {5700, 6800, 7850, 11000};
	static const int64_t amounts[4][3] = {
	    {19400, 24000, 27700}, {14600, 17600, 20200}, {9800, 11300, 12600}, {4800, 6300, 7600}};
	int uc = 10 + (h->nmembers >= 2 ? 5 : 0) + 3 * (h->nmembers > 2 ? h->nmembers - 2 : 0);
	int64_t per_uc = h->taxable_income * 10 / uc;
	int col = uc == 10 ? 0 : uc < 20 ? 1 : 2;

	for (int k = 0; k < 4; k++)
		if (per_uc < limits[k])
			return amounts[k][col];
	return 0;
}

static void allowances(const struct synth_territory *t, const struct synth_household *h,
		       struct allowances *a)
{
	int64_t family, rsa;

	memset(a, 0, sizeof(*a));
	a->family = family_allowance(h);
	a->young = young_child(h);
	a->complement = family_complement(h);
	a->support = family_support_allowance(h);
	family = a->family + a->young + a->complement + a->support;
	a->housing = housing_aid(t, h, &a->housing_kind);
	if (rsa_eligible(h)) {
		rsa = (int64_t)RSA_BASE * size_x10(h->nmembers) / 10 - work_month(h) -
		      other_month(h) - family - housing_flat_rate(h->nmembers);
		a->rsa = rsa >= 600 ? rsa : 0;
	}
	a->activity = prime_activite(h, family);
	a->old_age = old_age_minimum(h);
	for (int i = 0; i < h->adults; i++)
		a->grant[i] = student_grant(t, h, i);
	a->school = school_allowance(h);
	a->energy = energy_voucher(h);
}

int64_t money_resources(const struct synth_territory *t, const struct synth_household *h)
{
	struct allowances a;
	int64_t sum = work_month(h) + other_month(h);

	for (int i = 0; i < h->adults; i++)
		sum += family_support(t, h, i);
	allowances(t, h, &a);
	for (int i = 0; i < h->adults; i++)
		sum += a.grant[i] * 10 / 12;
	return sum + a.rsa + a.activity + a.housing + a.family + a.young + a.complement +
	       a.support + a.old_age;
}

int64_t money_housing(const struct synth_territory *t, const struct synth_household *h)
{
	int64_t cap = money_resources(t, h) * (h->owner ? 35 : 50) / 100 / 100 * 100;

	if (students_only(h) || h->housing_cents <= cap)
		return h->housing_cents;
	return cap;
}

static int64_t caf_number(const struct synth_territory *t, const struct synth_household *h)
{
	struct synth_rng r;

	money_rng(&r, t, h, STREAM_PROFILE, 100);
	return synth_rng_range(&r, 1000000, 9999999);
}

int money_allowances_paid(const struct synth_territory *t, const struct synth_household *h,
			  int64_t mon, struct money_allowance out[MONEY_ALLOWANCES_MONTH])
{
	struct allowances a;
	int64_t first = money_month_first(mon), prev = money_month_first(mon - 1);
	int64_t caf_day = money_working_on_or_after(first + 4);
	int month = (int)(mon % 12), n = 0;
	/* the CAF's, on the 5th for the month before */
	const char *kinds[] = {"rsa", "prime_activite", NULL, "af", "paje", "cf", "asf"};
	int64_t cents[7];

	allowances(t, h, &a);
	kinds[2] = a.housing_kind;
	cents[0] = a.rsa;
	cents[1] = a.activity;
	cents[2] = a.housing;
	cents[3] = a.family;
	cents[4] = a.young;
	cents[5] = a.complement;
	cents[6] = a.support;
	for (int k = 0; k < 7; k++)
		if (cents[k] > 0)
			out[n++] = (struct money_allowance){kinds[k],  "caf",   prev,
							    first - 1, caf_day, cents[k]};
	/* the ASPA with the pension, on the 9th for the month before */
	if (a.old_age > 0)
		out[n++] = (struct money_allowance){
		    "other",  "other", prev, first - 1, money_working_on_or_after(first + 8),
		    a.old_age};
	/* the CROUS grants, on the 5th for the month, September to June */
	for (int i = 0; i < h->adults && (month >= 8 || month <= 5); i++)
		if (a.grant[i] > 0)
			out[n++] = (struct money_allowance){
			    "bourse", "crous",   first, money_month_first(mon + 1) - 1,
			    caf_day,  a.grant[i]};
	if (month == 7 && a.school > 0)
		out[n++] = (struct money_allowance){
		    "ars",   "caf", first, first + 30, money_working_on_or_after(first + 19),
		    a.school};
	if (month == 4 && a.energy > 0)
		out[n++] = (struct money_allowance){"cheque_energie",
						    "state",
						    prev,
						    money_month_first(mon + 11) - 1,
						    money_working_on_or_after(first + 14),
						    a.energy};
	return n;
}

/* ---- income tax ------------------------------------------------------------------------ */

/* scale - the tax of one share of q euros, in cents (the scale for 2024
 * incomes: 0, 11, 30, 41, 45 %) */
static int64_t scale(int64_t q)
{
	static const int64_t limits[] = {11497, 29315, 83823, 180294, INT64_MAX};
	static const int64_t rates[] = {0, 11, 30, 41, 45};
	int64_t tax = 0, low = 0;

	for (int i = 0; i < 5 && q > low; i++) {
		tax += ((q < limits[i] ? q : limits[i]) - low) * rates[i];
		low = limits[i];
	}
	return tax;
}

int64_t money_tax_due(int64_t taxable, int shares_x2, bool couple)
{
	int base_x2 = couple ? 4 : 2;
	int64_t tax, cap, decote;

	if (taxable <= 0)
		return 0;
	if (shares_x2 < base_x2)
		shares_x2 = base_x2;
	/* the family quotient, its advantage capped at 1,791 EUR a half share */
	tax = scale(taxable * 2 / shares_x2) * shares_x2 / 2;
	cap = scale(taxable * 2 / base_x2) * base_x2 / 2 - 179100 * (int64_t)(shares_x2 - base_x2);
	if (tax < cap)
		tax = cap;
	/* the décote for small amounts */
	if (tax < (couple ? 324800 : 196400)) {
		decote = (couple ? 147000 : 88900) - tax * 4525 / 10000;
		tax = decote > tax ? 0 : tax - decote;
	}
	tax = (tax + 50) / 100;
	return tax < 61 ? 0 : tax; /* not collected under 61 EUR */
}

static int64_t tax_of(const struct synth_household *h)
{
	return money_tax_due(h->taxable_income, h->tax_shares_x2, h->adults == 2);
}

/* ---- the household's habits -------------------------------------------------------------- */

struct profile {
	int64_t resources;        /* cents a month */
	int64_t opening, savings; /* balances at the start */
	int spend_pct;            /* spent freely, % of the resources, as far as possible */
	int keep_pct;             /* kept on the account at the end of a month, % of the
				   * resources: the rest goes to savings */
	int cars;
	int64_t box, mobiles; /* telecom, a month */
	int64_t home_insurance, car_insurance, mutual;
	char landlord[64];
	int64_t tax;    /* euros a year */
	int64_t per_uc; /* resources a consumption unit, euros */
};

static void profile(const struct synth_territory *t, const struct synth_household *h,
		    struct profile *p)
{
	static const int64_t boxes[] = {2499, 2999, 3499, 3999, 4499};
	struct synth_rng r;
	int uc = 10;

	memset(p, 0, sizeof(*p));
	money_rng(&r, t, h, STREAM_PROFILE, 0);
	p->resources = money_resources(t, h);
	for (int i = 1; i < h->nmembers; i++)
		uc += h->m[i].age >= 14 ? 5 : 3;
	p->per_uc = p->resources * 10 / uc / 100;
	p->opening = p->resources * synth_rng_range(&r, 30, 90) / 100 + 10000;
	p->savings =
	    p->resources *
	    (synth_rng_range(&r, 0, 8) + (h->owner ? 4 : 0) + (h->m[0].age >= 60 ? 6 : 0)) / 2;
	p->spend_pct = 28 + (int)synth_rng_below(&r, 14) - (p->per_uc > 3000 ? 6 : 0);
	p->keep_pct = 80 + (int)synth_rng_below(&r, 41);
	for (int i = 0; i < h->adults; i++)
		p->cars += h->m[i].commute == MODE_CAR;
	if (p->cars == 0 && h->house)
		p->cars = 1;
	p->box = boxes[synth_rng_below(&r, 5)];
	for (int i = 0; i < h->nmembers; i++)
		if (h->m[i].age >= 11)
			p->mobiles += 799 + 100 * (int64_t)synth_rng_below(&r, 13);
	p->home_insurance = 1200 + 10 * (int64_t)h->surface_m2 + (h->owner && h->house ? 1000 : 0);
	p->car_insurance = p->cars * synth_rng_range(&r, 38, 65) * 100;
	for (int i = 0; i < h->adults; i++) {
		const struct synth_member *m = &h->m[i];

		/* employees have their employer's plan, paid from their salary */
		p->mutual += m->activity == ACT_RETIRED      ? 8500 + 100 * (m->age - 63)
			     : m->activity == ACT_UNEMPLOYED ? 4000
			     : m->activity == ACT_STUDENT    ? 2000
							     : 0;
	}
	if (t->districts[h->district].income_pct < 95)
		snprintf(p->landlord, sizeof(p->landlord), "%s HABITAT", t->name);
	else
		snprintf(p->landlord, sizeof(p->landlord), "IMMOBILIER %s",
			 t->districts[h->district].name);
	p->tax = tax_of(h);
}

/* ---- a month of the statement -------------------------------------------------------------- */

#define MONEY_MONTH_MAX 200 /* entries of one month, far more than needed */

const char *const money_cat_names[CATS] = {
    "income", "allowance", "housing", "energy", "water",     "telecom", "food",     "transport",
    "health", "education", "leisure", "tax",    "insurance", "savings", "transfer", "other",
};

struct month {
	int64_t mon;
	int64_t first, last;   /* the month's days within the period */
	int64_t mfirst, mlast; /* the whole month */
	int n, seq;
	struct money_entry e[MONEY_MONTH_MAX];
};

/* the statement's state from a month to the next */
struct ledger {
	const struct synth_territory *t;
	const struct synth_household *h;
	struct profile p;
	int64_t p0, p1; /* the period */
	int64_t balance, savings, lowest;
	int64_t fuel_ml;              /* burnt since the last fill */
	int64_t water_l, water_fixed; /* since the last water bill */
	char card[8];                 /* the card's last digits */
};

static struct money_entry *add(struct month *m, int64_t day, int64_t cents, enum money_cat cat,
			       const char *type, const char *name, const char *memo, ...)
    __attribute__((format(printf, 7, 8)));

/* add - books an entry when its day is within the period */
static struct money_entry *add(struct month *m, int64_t day, int64_t cents, enum money_cat cat,
			       const char *type, const char *name, const char *memo, ...)
{
	struct money_entry *e;
	char text[160];
	va_list ap;

	if (day < m->first || day > m->last || cents == 0 || m->n == MONEY_MONTH_MAX)
		return NULL;
	e = &m->e[m->n++];
	memset(e, 0, sizeof(*e));
	e->day = day;
	e->cents = cents;
	e->cat = cat;
	e->type = type;
	money_ascii_upper(e->name, sizeof(e->name), name);
	va_start(ap, memo);
	vsnprintf(text, sizeof(text), memo, ap);
	va_end(ap);
	money_ascii_upper(e->memo, sizeof(e->memo), text);
	e->order = cents > 0 ? 1 : 2;
	e->seq = m->seq++;
	return e;
}

#define LABEL_LEN 32

static void month_label(char out[LABEL_LEN], int64_t mon)
{
	snprintf(out, LABEL_LEN, "%02d/%04lld", (int)(mon % 12) + 1, (long long)(mon / 12));
}

static void book_incomes(struct ledger *l, struct month *m)
{
	const struct synth_household *h = l->h;
	char this[LABEL_LEN], prev[LABEL_LEN];

	month_label(this, m->mon);
	month_label(prev, m->mon - 1);
	for (int i = 0; i < h->nmembers; i++) {
		const struct synth_member *mb = &h->m[i];
		int64_t year = mb->income_year * 100, monthly;
		char name[80];

		if (salaried(mb)) {
			/* 12.5 months: the half month with December's salary */
			monthly = year * 2 / 25;
			if (m->mon % 12 == 11)
				monthly = year - 11 * monthly;
			snprintf(name, sizeof(name), "VIR SALAIRE %s",
				 mb->activity == ACT_EMPLOYED
				     ? l->t->employers[mb->place].name
				     : l->t->shops[(h->index + (uint64_t)i) % SYNTH_SHOPS].name);
			add(m, money_working_on_or_before(m->mlast), monthly, CAT_INCOME,
			    "DIRECTDEP", name, "SALAIRE %s %s", this, mb->first_name);
		} else if (mb->activity == ACT_RETIRED && year > 0) {
			add(m, money_working_on_or_after(m->mfirst + 8), year / 12, CAT_INCOME,
			    "DIRECTDEP", "VIR CNAV RETRAITE", "RETRAITE %s %s", prev,
			    mb->first_name);
		} else if (mb->activity == ACT_UNEMPLOYED && year > 0) {
			add(m, money_working_on_or_after(m->mfirst + 2), year / 12, CAT_INCOME,
			    "DIRECTDEP", "VIR FRANCE TRAVAIL ARE", "ALLOCATION %s %s", prev,
			    mb->first_name);
		}
		if (family_support(l->t, h, i) > 0)
			add(m, money_working_on_or_after(m->mfirst), family_support(l->t, h, i),
			    CAT_TRANSFER, "XFER", "VIR FAMILLE", "SOUTIEN %s %s", this,
			    mb->first_name);
	}
}

static void book_allowances(struct ledger *l, struct month *m)
{
	struct money_allowance a[MONEY_ALLOWANCES_MONTH];
	int n = money_allowances_paid(l->t, l->h, m->mon, a);
	int64_t number = caf_number(l->t, l->h);

	for (int i = 0; i < n; i++) {
		char name[40], period[LABEL_LEN];

		if (strcmp(a[i].payer, "caf") == 0)
			snprintf(name, sizeof(name), "VIR CAF %s", a[i].kind);
		else if (strcmp(a[i].payer, "crous") == 0)
			snprintf(name, sizeof(name), "VIR CROUS BOURSE");
		else if (strcmp(a[i].payer, "other") == 0)
			snprintf(name, sizeof(name), "VIR CNAV ASPA");
		else
			snprintf(name, sizeof(name), "VIR ASP CHEQUE ENERGIE");
		month_label(period, money_month_of(a[i].period_start));
		add(m, a[i].paid_on, a[i].cents, CAT_ALLOWANCE, "DIRECTDEP", name, "%s %s REF %lld",
		    a[i].kind, period, (long long)number);
	}
}

static void book_housing(struct ledger *l, struct month *m)
{
	const struct synth_household *h = l->h;
	char this[LABEL_LEN];

	month_label(this, m->mon);
	if (!h->owner)
		add(m, money_working_on_or_after(m->mfirst + 4), -money_housing(l->t, h),
		    CAT_HOUSING, "DIRECTDEBIT", "PRLV LOYER", "LOYER %s %s", this, l->p.landlord);
	else if (h->housing_cents > 0)
		add(m, money_working_on_or_after(m->mfirst + 9), -money_housing(l->t, h),
		    CAT_HOUSING, "DIRECTDEBIT", "ECHEANCE PRET IMMOBILIER", "PRET HABITAT %s",
		    this);
	if (h->owner && m->mon % 12 == 9)
		add(m, money_working_on_or_after(m->mfirst + 14), -1200 * (int64_t)h->surface_m2,
		    CAT_HOUSING, "DIRECTDEBIT", "PRLV DGFIP TAXE FONCIERE", "TAXE FONCIERE %lld",
		    (long long)(m->mon / 12));
	add(m, money_working_on_or_after(m->mfirst + 9), -l->p.home_insurance, CAT_INSURANCE,
	    "DIRECTDEBIT", "PRLV ASSURANCE HABITATION", "CONTRAT MRH %s", this);
}

/* the tariffs, cents (see docs/synth/money.md) */
#define ELEC_CENTS_PER_KWH_X100 2516 /* 0.2516 EUR a kWh */
#define GAS_CENTS_PER_KWH_X100  1050 /* 0.1050 EUR a kWh */
#define WATER_CENTS_PER_M3      434  /* 4.34 EUR a m3, sanitation included */

static int64_t elec_subscription(int kva)
{
	return kva <= 6 ? 1247 : kva <= 9 ? 1561 : 1884;
}

/* book_energy - the month's electricity and gas, billed at its end on what
 * was used; water each quarter; district heating and firewood */
static void book_energy(struct ledger *l, struct month *m)
{
	const struct synth_territory *t = l->t;
	const struct synth_household *h = l->h;
	int64_t half_w = 0, gas_wh = 0, water = 0, covered = m->last - m->first + 1;
	int64_t bill_day = money_working_on_or_before(m->mlast), dim = m->mlast - m->mfirst + 1;
	bool gas = h->heating == HEAT_GAS || h->gas_cooking;
	char this[LABEL_LEN];

	if (bill_day > l->p1)
		bill_day = l->p1;
	month_label(this, m->mon);
	for (int64_t day = m->first; day <= m->last; day++) {
		int32_t w[SYNTH_SLOTS_MAX];
		int idx = (int)(day - l->p0), n = synth_electricity_day(t, h, idx, w);

		for (int k = 0; k < n; k++)
			half_w += w[k];
		gas_wh += synth_gas_day_wh(t, h, idx);
		water += synth_water_day_l(t, h, idx);
	}
	/* half-hours of W: Wh = sum / 2 */
	add(m, bill_day,
	    -((half_w / 2 * ELEC_CENTS_PER_KWH_X100 + 50000) / 100000 +
	      elec_subscription(h->kva) * covered / dim),
	    CAT_ENERGY, "DIRECTDEBIT", "PRLV ELECTRICITE", "FACTURE %s %lld KWH %d KVA", this,
	    (long long)((half_w / 2 + 500) / 1000), h->kva);
	if (gas)
		add(m, bill_day,
		    -((gas_wh * GAS_CENTS_PER_KWH_X100 + 50000) / 100000 +
		      (h->heating == HEAT_GAS ? 2050 : 970) * covered / dim),
		    CAT_ENERGY, "DIRECTDEBIT", "PRLV GAZ NATUREL", "FACTURE %s %lld KWH", this,
		    (long long)((gas_wh + 500) / 1000));
	l->water_l += water;
	l->water_fixed += 400 * covered / dim;
	if (m->mon % 3 == 2 || m->last == l->p1) {
		add(m, bill_day, -((l->water_l * WATER_CENTS_PER_M3 + 500) / 1000 + l->water_fixed),
		    CAT_WATER, "DIRECTDEBIT", "PRLV REGIE DES EAUX", "FACTURE TRIMESTRE %s %lld M3",
		    this, (long long)((l->water_l + 500) / 1000));
		l->water_l = 0;
		l->water_fixed = 0;
	}
	if (h->heating == HEAT_DISTRICT)
		add(m, money_working_on_or_after(m->mfirst + 14),
		    -(int64_t)h->surface_m2 * (m->mon % 12 >= 4 && m->mon % 12 <= 8 ? 20 : 130),
		    CAT_ENERGY, "DIRECTDEBIT", "PRLV RESEAU DE CHALEUR", "CHAUFFAGE URBAIN %s",
		    this);
	if (h->heating == HEAT_WOOD && m->mon % 12 == 9) {
		long long steres = 3 + h->surface_m2 / 40;

		add(m, money_working_on_or_after(m->mfirst + 9), -9500 * steres, CAT_ENERGY, "POS",
		    "CB BOIS DE CHAUFFAGE", "CARTE %s %lld STERES", l->card, steres);
	}
}

static void book_subscriptions(struct ledger *l, struct month *m)
{
	char this[LABEL_LEN];

	month_label(this, m->mon);
	add(m, money_working_on_or_after(m->mfirst + 7), -l->p.box, CAT_TELECOM, "DIRECTDEBIT",
	    "PRLV FIBRA TELECOM", "BOX FIBRE %s", this);
	add(m, money_working_on_or_after(m->mfirst + 7), -l->p.mobiles, CAT_TELECOM, "DIRECTDEBIT",
	    "PRLV MOBILIA", "FORFAITS MOBILES %s", this);
	add(m, money_working_on_or_after(m->mfirst + 11), -l->p.car_insurance, CAT_INSURANCE,
	    "DIRECTDEBIT", "PRLV ASSURANCE AUTO", "CONTRAT AUTO %s", this);
	add(m, money_working_on_or_after(m->mfirst + 5), -l->p.mutual, CAT_INSURANCE, "DIRECTDEBIT",
	    "PRLV MUTUELLE SANTE", "COTISATION %s", this);
	add(m, money_working_on_or_after(m->mfirst + 5), -350, CAT_OTHER, "FEE",
	    "COTISATION OFFRE BANCAIRE", "FRAIS %s", this);
}

static bool has_pass(const struct synth_member *mb)
{
	return mb->place >= 0 && (mb->commute == MODE_BUS || mb->commute == MODE_TRAM);
}

/* book_transport - a monthly pass for each member who goes to work or
 * school by bus or tram; tickets for the other bus and tram trips; fuel
 * for the car trips of adults, bought by tankfuls of 40 litres */
static void book_transport(struct ledger *l, struct month *m)
{
	const struct synth_household *h = l->h;
	int64_t passes = 0, tickets = 0;
	char this[LABEL_LEN], station[80];

	month_label(this, m->mon);
	for (int i = 0; i < h->nmembers; i++)
		if (has_pass(&h->m[i]))
			passes += h->m[i].age < 18 ? 1500 : h->m[i].age < 26 ? 2500 : 4200;
	snprintf(station, sizeof(station), "CB STATION %s", l->t->districts[h->district].name);
	for (int64_t day = m->first; day <= m->last; day++) {
		struct synth_trip trips[SYNTH_TRIPS_DAY];
		size_t n = synth_trips_day(l->t, h, (int)(day - l->p0), trips);

		for (size_t k = 0; k < n && k < SYNTH_TRIPS_DAY; k++) {
			const struct synth_trip *tr = &trips[k];
			const struct synth_member *mb = &h->m[tr->member];

			if ((tr->mode == MODE_BUS || tr->mode == MODE_TRAM) && !has_pass(mb))
				tickets++;
			else if (tr->mode == MODE_CAR && mb->age >= 18)
				l->fuel_ml += tr->distance_m * 65 / 1000; /* 6.5 l / 100 km */
		}
		if (l->fuel_ml >= 40000) {
			add(m, day, -(l->fuel_ml * 185 + 500) / 1000, CAT_TRANSPORT, "POS", station,
			    "CARTE %s %lld.%02lld L SP95", l->card, (long long)(l->fuel_ml / 1000),
			    (long long)(l->fuel_ml % 1000 / 10));
			l->fuel_ml = 0;
		}
	}
	if (passes > 0) {
		char name[80];

		snprintf(name, sizeof(name), "PRLV TRANSPORTS %s", l->t->name);
		add(m, money_working_on_or_after(m->mfirst), -passes, CAT_TRANSPORT, "DIRECTDEBIT",
		    name, "ABONNEMENTS %s", this);
	}
	if (tickets > 0) {
		char name[80];

		snprintf(name, sizeof(name), "CB TRANSPORTS %s", l->t->name);
		add(m, m->last, -170 * tickets, CAT_TRANSPORT, "POS", name, "CARTE %s %lld TICKETS",
		    l->card, (long long)tickets);
	}
}

/* canteen_price - a primary school meal by family quotient, cents */
static int64_t canteen_price(int64_t qf)
{
	return qf < 500 ? 100 : qf < 800 ? 220 : qf < 1200 ? 340 : 460;
}

static void book_school(struct ledger *l, struct month *m)
{
	const struct synth_household *h = l->h;
	int64_t meals_cents = 0;
	char this[LABEL_LEN], name[80];

	month_label(this, m->mon);
	for (int64_t day = m->first; day <= m->last; day++) {
		int wd = (int)(((day % 7) + 7 + 3) % 7);

		if (synth_day_kind(day) != 0 || wd == 2)
			continue; /* no school: week-ends, holidays, Wednesdays */
		for (int i = 0; i < h->nmembers; i++)
			if (h->m[i].activity == ACT_PUPIL && h->m[i].age >= 3)
				meals_cents +=
				    h->m[i].age < 11 ? canteen_price(h->family_quotient) : 410;
	}
	snprintf(name, sizeof(name), "PRLV CANTINE %s", l->t->name);
	add(m, money_working_on_or_before(m->last), -meals_cents, CAT_EDUCATION, "DIRECTDEBIT",
	    name, "RESTAURATION SCOLAIRE %s", this);
	if (m->mon % 12 == 7) {
		int64_t supplies = 0;

		for (int i = 0; i < h->nmembers; i++)
			if (h->m[i].activity == ACT_PUPIL && h->m[i].age >= 6)
				supplies += 6000 + 500 * (int64_t)h->m[i].age;
		add(m, money_working_on_or_after(m->mfirst + 25), -supplies, CAT_EDUCATION, "POS",
		    "CB PAPETERIE DU CENTRE", "CARTE %s FOURNITURES SCOLAIRES", l->card);
	}
}

/* book_tax - the income tax withheld each month (prélèvement à la source)
 * on the 15th: the year's tax in twelve, December taking the rest */
static void book_tax(struct ledger *l, struct month *m)
{
	int64_t year = l->p.tax * 100, monthly = year / 12;
	char this[LABEL_LEN];

	if (m->mon % 12 == 11)
		monthly = year - 11 * monthly;
	month_label(this, m->mon);
	add(m, money_working_on_or_after(m->mfirst + 14), -monthly, CAT_TAX, "DIRECTDEBIT",
	    "PRLV DGFIP IMPOT PAS", "PRELEVEMENT A LA SOURCE %s", this);
}

static void book_groceries(struct ledger *l, struct month *m)
{
	struct life_shopping s;
	struct life_basket b;

	life_shopping_month(l->t, l->h, m->mon, &s);
	for (int i = 0; i < s.n; i++) {
		char name[80];
		int64_t y;
		int mo, d;

		if (s.trip[i].day < m->first || s.trip[i].day > m->last)
			continue;
		life_basket(l->t, l->h, s.trip[i].day, s.trip[i].shop, s.trip[i].minute,
			    s.trip[i].target, &b);
		time_civil_from_days(b.day, &y, &mo, &d);
		snprintf(name, sizeof(name), "CB %s", l->t->shops[b.shop].name);
		add(m, b.day, -b.cents, CAT_FOOD, "POS", name, "CARTE %s %02d/%02d %02dH%02d",
		    l->card, d, mo, b.minute / 60, b.minute % 60);
	}
}

/* book_life - what the calendar's events cost: consultations (refunded by
 * the CPAM three working days later), the activities' fees when a season
 * starts, the holidays' lodging and journey on the day of departure */
static void book_life(struct ledger *l, struct month *m)
{
	struct life_appointment a[LIFE_APPOINTMENTS_MONTH];
	struct life_activity acts[SYNTH_MAX_MEMBERS];
	struct life_holiday hol[2];
	int n = life_appointments(l->t, l->h, m->mon, a);

	for (int i = 0; i < n; i++) {
		char name[80];

		snprintf(name, sizeof(name), "CB %s", a[i].doctor);
		add(m, a[i].day, -a[i].fee, CAT_HEALTH, "POS", name, "CARTE %s %s", l->card,
		    a[i].what);
		add(m, money_working_on_or_after(a[i].day + 3), a[i].refund, CAT_HEALTH, "CREDIT",
		    "VIR CPAM REMBOURSEMENT", "SOINS DU %02d/%02d %s",
		    (int)(a[i].day - m->mfirst + 1), (int)(m->mon % 12) + 1,
		    l->h->m[a[i].member].first_name);
	}
	if (m->mon % 12 == 8) {
		n = life_activities(l->t, l->h, m->mon / 12, acts);
		for (int i = 0; i < n; i++) {
			char name[80];

			snprintf(name, sizeof(name), "CB CLUB %s", acts[i].name);
			add(m, acts[i].first, -acts[i].fee, CAT_LEISURE, "POS", name,
			    "CARTE %s ADHESION %lld %s", l->card, (long long)(m->mon / 12),
			    l->h->m[acts[i].member].first_name);
		}
	}
	n = life_holidays(l->t, l->h, m->mon / 12, hol);
	for (int i = 0; i < n; i++) {
		char name[80];

		snprintf(name, sizeof(name), "CB LOCATION %s", hol[i].where);
		add(m, hol[i].first, -hol[i].lodging, CAT_LEISURE, "POS", name,
		    "CARTE %s %lld NUITS", l->card, (long long)hol[i].days);
		add(m, hol[i].first, -hol[i].travel, CAT_TRANSPORT, "POS",
		    l->p.cars ? "CB PEAGE AUTOROUTE" : "CB VOYAGES TRAIN", "CARTE %s %s", l->card,
		    hol[i].where);
	}
}

/* what is spent freely: by weight, the category, and whether it is cash */
struct spend {
	const char *name; /* %s: a district */
	enum money_cat cat;
	unsigned weight;
	bool cash;
};

static const struct spend spends[] = {
    {"CB BRASSERIE %s", CAT_LEISURE, 6, false},
    {"CB CINEMA LE ROYAL", CAT_LEISURE, 2, false},
    {"CB LIBRAIRIE %s", CAT_LEISURE, 2, false},
    {"CB SPORTS ET LOISIRS", CAT_LEISURE, 2, false},
    {"CB MODE ET CIE", CAT_OTHER, 4, false},
    {"CB MAISON ET JARDIN", CAT_OTHER, 3, false},
    {"CB PHARMACIE %s", CAT_HEALTH, 2, false},
    {"CB COIFFURE %s", CAT_OTHER, 1, false},
    {"PAIEMENT EN LIGNE MARKETPLACE", CAT_OTHER, 3, false},
    {"RETRAIT DAB %s", CAT_OTHER, 3, true},
};

#define NSPENDS (sizeof(spends) / sizeof(*spends))

/* book_free - up to `allowed` cents of the household's free spending,
 * spread over the month */
static void book_free(struct ledger *l, struct month *m, int64_t allowed)
{
	struct synth_rng r;
	unsigned w[NSPENDS], pw[16];
	size_t kinds[16];
	int64_t want = l->p.resources * l->p.spend_pct / 100, total, wsum = 0;
	int n;

	if (m->mon % 12 == 11)
		want = want * 3 / 2; /* presents */
	want = want * (m->last - m->first + 1) / (m->mlast - m->mfirst + 1);
	total = want < allowed ? want : allowed;
	if (total < 500)
		return;
	money_rng(&r, l->t, l->h, STREAM_LEISURE, m->mon);
	n = 3 + (int)(total / 6000);
	if (n > 16)
		n = 16;
	for (size_t k = 0; k < NSPENDS; k++)
		w[k] = spends[k].weight;
	for (int i = 0; i < n; i++) {
		kinds[i] = synth_rng_pick(&r, w, NSPENDS);
		pw[i] = 1 + (unsigned)synth_rng_below(&r, 4);
		wsum += pw[i];
	}
	for (int i = 0; i < n; i++) {
		const struct spend *s = &spends[kinds[i]];
		int64_t cents = total * pw[i] / wsum;
		int64_t day =
		    m->first + (int64_t)synth_rng_below(&r, (uint64_t)(m->last - m->first + 1));
		char name[80];

		if (s->cash)
			cents = cents / 1000 * 1000;
		snprintf(name, sizeof(name), s->name,
			 s->cash ? l->t->name
				 : l->t->districts[synth_rng_below(&r, SYNTH_DISTRICTS)].name);
		add(m, day, -cents, s->cat, s->cash ? "ATM" : "POS", name, "CARTE %s", l->card);
	}
}

static int by_day(const void *a, const void *b)
{
	const struct money_entry *x = a, *y = b;

	if (x->day != y->day)
		return x->day < y->day ? -1 : 1;
	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* lowest_after - the lowest balance during the month (the opening one
 * included), entries sorted */
static int64_t lowest_after(const struct month *m, int64_t balance)
{
	int64_t low = balance;

	for (int i = 0; i < m->n; i++) {
		balance += m->e[i].cents;
		if (balance < low)
			low = balance;
	}
	return low;
}

/*
 * book_month - a month: first what must be paid and what comes in; then,
 * if the balance would go below a floor (5 % of the resources, 50 EUR at
 * least), money from the savings account on the first day; then free
 * spending as far as the balance stays above that floor; and at the end
 * of the month, what is above 1.5 months of resources goes to savings,
 * down to 0.8 to 1.2 months (a habit of the household).
 */
static void book_month(struct ledger *l, struct month *m)
{
	int64_t floor = l->p.resources / 20 > 5000 ? l->p.resources / 20 : 5000;
	int64_t low, pull = 0, end;

	book_incomes(l, m);
	book_allowances(l, m);
	book_housing(l, m);
	book_energy(l, m);
	book_subscriptions(l, m);
	book_transport(l, m);
	book_school(l, m);
	book_tax(l, m);
	book_groceries(l, m);
	book_life(l, m);
	qsort(m->e, (size_t)m->n, sizeof(*m->e), by_day);
	low = lowest_after(m, l->balance);
	if (low < floor && l->savings > 0) {
		struct money_entry *e;

		pull = (floor - low + l->p.resources / 10 + 999) / 1000 * 1000;
		if (pull > l->savings)
			pull = l->savings;
		e = add(m, m->first, pull, CAT_SAVINGS, "XFER", "VIR DEPUIS LIVRET A",
			"VIREMENT INTERNE EPARGNE");
		if (e)
			e->order = 0;
		else
			pull = 0;
		l->savings -= pull;
	}
	book_free(l, m, low + pull - floor);
	end = l->balance;
	for (int i = 0; i < m->n; i++)
		end += m->e[i].cents;
	if (end > l->p.resources * 3 / 2) {
		int64_t sweep = (end - l->p.resources * l->p.keep_pct / 100) / 1000 * 1000;
		struct money_entry *e = add(m, m->last, -sweep, CAT_SAVINGS, "XFER",
					    "VIR VERS LIVRET A", "VIREMENT INTERNE EPARGNE");

		if (e) {
			e->order = 9;
			l->savings += sweep;
		}
	}
	qsort(m->e, (size_t)m->n, sizeof(*m->e), by_day);
}

enum cmn_rc money_statement(const struct synth_territory *t, const struct synth_household *h,
			    money_entry_fn fn, void *arg, struct money_summary *sum)
{
	struct ledger l;
	struct month *m = malloc(sizeof(*m));
	enum cmn_rc rc = CMN_OK;
	size_t entries = 0;
	size_t alen = strlen(h->account);

	if (!m)
		return CMN_ERR_NOMEM;
	memset(&l, 0, sizeof(l));
	l.t = t;
	l.h = h;
	l.p0 = t->start_day;
	l.p1 = t->start_day + t->days - 1;
	profile(t, h, &l.p);
	l.balance = l.lowest = l.p.opening;
	l.savings = l.p.savings;
	snprintf(l.card, sizeof(l.card), "X%.4s", alen >= 4 ? h->account + alen - 4 : h->account);
	if (sum) {
		memset(sum, 0, sizeof(*sum));
		sum->opening = l.p.opening;
		sum->savings_opening = l.p.savings;
		sum->resources = l.p.resources;
	}
	for (int64_t mon = money_month_of(l.p0); mon <= money_month_of(l.p1) && rc == CMN_OK;
	     mon++) {
		memset(m, 0, offsetof(struct month, e));
		m->mon = mon;
		m->mfirst = money_month_first(mon);
		m->mlast = m->mfirst + money_month_days(mon) - 1;
		m->first = m->mfirst > l.p0 ? m->mfirst : l.p0;
		m->last = m->mlast < l.p1 ? m->mlast : l.p1;
		book_month(&l, m);
		for (int i = 0; i < m->n && rc == CMN_OK; i++) {
			l.balance += m->e[i].cents;
			if (l.balance < l.lowest)
				l.lowest = l.balance;
			entries++;
			if (fn)
				rc = fn(&m->e[i], l.balance, arg);
		}
	}
	if (sum) {
		sum->closing = l.balance;
		sum->lowest = l.lowest;
		sum->savings_closing = l.savings;
		sum->entries = entries;
	}
	free(m);
	return rc;
}

/* ---- the OFX file ----------------------------------------------------------------------- */

static void ofx_date(FILE *out, int64_t day, const char *time)
{
	int64_t y;
	int m, d;

	time_civil_from_days(day, &y, &m, &d);
	fprintf(out, "%04lld%02d%02d%s", (long long)y, m, d, time);
}

static void ofx_amount(FILE *out, int64_t cents)
{
	int64_t a = cents < 0 ? -cents : cents;

	fprintf(out, "%s%lld.%02lld", cents < 0 ? "-" : "", (long long)(a / 100),
		(long long)(a % 100));
}

struct ofx_writer {
	FILE *out;
	const char *account;
	int64_t day;
	int nth; /* entries of that day so far */
};

static enum cmn_rc ofx_entry(const struct money_entry *e, int64_t balance, void *arg)
{
	struct ofx_writer *w = arg;
	FILE *out = w->out;

	(void)balance;
	if (e->day != w->day) {
		w->day = e->day;
		w->nth = 0;
	}
	fprintf(out, "\t\t\t\t\t<STMTTRN>\n\t\t\t\t\t\t<TRNTYPE>%s\n\t\t\t\t\t\t<DTPOSTED>",
		e->type);
	ofx_date(out, e->day, "120000.000");
	fputs("\n\t\t\t\t\t\t<TRNAMT>", out);
	ofx_amount(out, e->cents);
	fprintf(out, "\n\t\t\t\t\t\t<FITID>%s", w->account);
	ofx_date(out, e->day, "");
	fprintf(out, "%03d\n\t\t\t\t\t\t<NAME>%s\n", w->nth++, e->name);
	if (e->memo[0])
		fprintf(out, "\t\t\t\t\t\t<MEMO>%s\n", e->memo);
	fputs("\t\t\t\t\t</STMTTRN>\n", out);
	return ferror(out) ? CMN_ERR_IO : CMN_OK;
}

enum cmn_rc synth_write_ofx(const struct synth_territory *t, const struct synth_household *h,
			    FILE *out)
{
	struct ofx_writer w = {out, h->account, -1, 0};
	struct money_summary sum;
	int64_t p1 = t->start_day + t->days - 1;
	enum cmn_rc rc;
	char org[64], text[64];

	snprintf(text, sizeof(text), "CREDIT DE %s", t->name);
	money_ascii_upper(org, sizeof(org), text);
	fputs("OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\n"
	      "CHARSET:1252\nCOMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n<OFX>\n"
	      "\t<SIGNONMSGSRSV1>\n\t\t<SONRS>\n\t\t\t<STATUS>\n\t\t\t\t<CODE>0\n"
	      "\t\t\t\t<SEVERITY>INFO\n\t\t\t</STATUS>\n\t\t\t<DTSERVER>",
	      out);
	ofx_date(out, p1, "200000.000");
	fprintf(out,
		"\n\t\t\t<LANGUAGE>FRA\n\t\t\t<FI>\n\t\t\t\t<ORG>%s\n\t\t\t\t<FID>30042\n"
		"\t\t\t</FI>\n\t\t</SONRS>\n\t</SIGNONMSGSRSV1>\n\t<BANKMSGSRSV1>\n"
		"\t\t<STMTTRNRS>\n\t\t\t<TRNUID>0\n\t\t\t<STATUS>\n\t\t\t\t<CODE>0\n"
		"\t\t\t\t<SEVERITY>INFO\n\t\t\t</STATUS>\n\t\t\t<STMTRS>\n"
		"\t\t\t\t<CURDEF>EUR\n\t\t\t\t<BANKACCTFROM>\n\t\t\t\t\t<BANKID>30042\n"
		"\t\t\t\t\t<BRANCHID>00100\n\t\t\t\t\t<ACCTID>%s\n"
		"\t\t\t\t\t<ACCTTYPE>CHECKING\n\t\t\t\t</BANKACCTFROM>\n"
		"\t\t\t\t<BANKTRANLIST>\n\t\t\t\t\t<DTSTART>",
		org, h->account);
	ofx_date(out, t->start_day, "000000.000");
	fputs("\n\t\t\t\t\t<DTEND>", out);
	ofx_date(out, p1 + 1, "000000.000");
	fputc('\n', out);
	rc = money_statement(t, h, ofx_entry, &w, &sum);
	if (rc != CMN_OK)
		return rc;
	fputs("\t\t\t\t</BANKTRANLIST>\n\t\t\t\t<LEDGERBAL>\n\t\t\t\t\t<BALAMT>", out);
	ofx_amount(out, sum.closing);
	fputs("\n\t\t\t\t\t<DTASOF>", out);
	ofx_date(out, p1, "200000.000");
	fputs("\n\t\t\t\t</LEDGERBAL>\n\t\t\t\t<AVAILBAL>\n\t\t\t\t\t<BALAMT>", out);
	ofx_amount(out, sum.closing);
	fputs("\n\t\t\t\t\t<DTASOF>", out);
	ofx_date(out, p1, "200000.000");
	/* the opening balance, which OFX 1.x has no element for, in BALLIST */
	fputs("\n\t\t\t\t</AVAILBAL>\n\t\t\t\t<BALLIST>\n\t\t\t\t\t<BAL>\n"
	      "\t\t\t\t\t\t<NAME>SOLDE INITIAL\n\t\t\t\t\t\t<DESC>SOLDE AU DEBUT DE LA PERIODE\n"
	      "\t\t\t\t\t\t<BALTYPE>DOLLAR\n\t\t\t\t\t\t<VALUE>",
	      out);
	ofx_amount(out, sum.opening);
	fputs("\n\t\t\t\t\t\t<DTASOF>", out);
	ofx_date(out, t->start_day, "000000.000");
	fputs("\n\t\t\t\t\t</BAL>\n\t\t\t\t</BALLIST>\n\t\t\t</STMTRS>\n\t\t</STMTTRNRS>\n"
	      "\t</BANKMSGSRSV1>\n</OFX>\n",
	      out);
	return ferror(out) ? CMN_ERR_IO : CMN_OK;
}

/* ---- the allowances and the tax notices ----------------------------------------------------- */

static void csv_date(FILE *out, int64_t day)
{
	int64_t y;
	int m, d;

	time_civil_from_days(day, &y, &m, &d);
	fprintf(out, "%04lld-%02d-%02d", (long long)y, m, d);
}

static const char *reference_prefix(const char *payer)
{
	return strcmp(payer, "caf") == 0     ? "CAF"
	       : strcmp(payer, "crous") == 0 ? "CROUS"
	       : strcmp(payer, "other") == 0 ? "ASPA"
					     : "CE";
}

enum cmn_rc synth_write_allowances(const struct synth_territory *t, const struct synth_household *h,
				   FILE *out)
{
	int64_t p0 = t->start_day, p1 = t->start_day + t->days - 1, number = caf_number(t, h);
	bool any = false;

	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			if (!any)
				return CMN_ERR_NOT_FOUND;
			fputs(
			    "#commune-mapping {\"separator\":\";\",\"decimal\":\".\","
			    "\"doctype\":\"social.allowance\",\"columns\":{\"period_start\":"
			    "\"debut\","
			    "\"period_end\":\"fin\",\"kind\":\"prestation\",\"amount\":\"montant\","
			    "\"payer\":\"organisme\",\"paid_on\":\"date_paiement\","
			    "\"reference\":\"reference\"}}\n"
			    "debut;fin;prestation;montant;organisme;date_paiement;reference\n",
			    out);
		}
		for (int64_t mon = money_month_of(p0); mon <= money_month_of(p1); mon++) {
			struct money_allowance a[MONEY_ALLOWANCES_MONTH];
			int n = money_allowances_paid(t, h, mon, a);

			for (int i = 0; i < n; i++) {
				if (a[i].paid_on < p0 || a[i].paid_on > p1)
					continue;
				any = true;
				if (pass == 0)
					continue;
				csv_date(out, a[i].period_start);
				fputc(';', out);
				csv_date(out, a[i].period_end);
				fprintf(out, ";%s;%lld.%02lld;%s;", a[i].kind,
					(long long)(a[i].cents / 100),
					(long long)(a[i].cents % 100), a[i].payer);
				csv_date(out, a[i].paid_on);
				fprintf(out, ";%s-%lld\n", reference_prefix(a[i].payer),
					(long long)number);
			}
		}
	}
	return ferror(out) ? CMN_ERR_IO : CMN_OK;
}

/* issued - the day the notice of an income year is issued: between 24 July
 * and 5 September of the next year */
static int64_t issued(const struct synth_territory *t, const struct synth_household *h,
		      int64_t income_year)
{
	struct synth_rng r;

	money_rng(&r, t, h, STREAM_TAX, income_year);
	return money_working_on_or_after(time_days_from_civil(income_year + 1, 7, 24) +
					 synth_rng_range(&r, 0, 43));
}

enum cmn_rc synth_write_tax(const struct synth_territory *t, const struct synth_household *h,
			    FILE *out)
{
	int64_t y0, y1;
	int m, d;

	time_civil_from_days(t->start_day, &y0, &m, &d);
	time_civil_from_days(t->start_day + t->days - 1, &y1, &m, &d);
	fputs(
	    "#commune-mapping {\"separator\":\";\",\"decimal\":\".\",\"doctype\":\"tax.household\","
	    "\"columns\":{\"income_year\":\"annee_revenus\",\"issued\":\"date_avis\","
	    "\"tax_shares\":\"parts\",\"reference_income\":\"revenu_fiscal_reference\","
	    "\"taxable_income\":\"revenu_imposable\",\"tax_due\":\"impot_du\","
	    "\"commune_insee\":\"code_commune\"}}\n"
	    "annee_revenus;date_avis;parts;revenu_fiscal_reference;revenu_imposable;impot_du;"
	    "code_commune\n",
	    out);
	for (int64_t y = y0; y <= y1; y++) {
		fprintf(out, "%lld;", (long long)y);
		csv_date(out, issued(t, h, y));
		fprintf(out, ";%d%s;%lld;%lld;%lld;%s\n", h->tax_shares_x2 / 2,
			h->tax_shares_x2 % 2 ? ".5" : "", (long long)h->taxable_income,
			(long long)h->taxable_income, (long long)tax_of(h), t->insee);
	}
	return ferror(out) ? CMN_ERR_IO : CMN_OK;
}
