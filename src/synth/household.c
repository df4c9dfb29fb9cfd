/*
 * household.c - one household of the territory from its own random stream:
 * its members (ages, activities, incomes), its housing (surface, energy
 * class, heating), its tax household (shares, family quotient) and its
 * identifiers at the holders. The laws are rough images of French figures
 * (INSEE household sizes, salary and pension deciles, DPE classes), stated
 * in docs/synth.md; what matters is that every figure of a household is
 * coherent with the others. Its profile (the household.profile file: district,
 * size, heating, housing) is written from these facts, with no draw of its own.
 */
#include "synth/synth.h"

#include <math.h>
#include <string.h>

#include "core/str.h"
#include "core/timeutil.h"

static const char *const first_names[] = {
    "Camille", "Léa",    "Manon",   "Chloé",   "Inès",   "Sarah",  "Jade",    "Louise",
    "Emma",    "Alice",  "Nadia",   "Fatou",   "Aïcha",  "Sofia",  "Lucie",   "Marie",
    "Thomas",  "Lucas",  "Hugo",    "Nathan",  "Louis",  "Karim",  "Mamadou", "Yanis",
    "Antoine", "Pierre", "Julien",  "Mehdi",   "Paul",   "Arthur", "Noah",    "Gabriel",
    "Jeanne",  "Simone", "Germaine", "Odette", "Marcel", "René",   "Lucien",  "Bernard",
};

/* monthly net salaries by decile (euros; after INSEE, private sector) and
 * pensions by decile */
static const int salary_deciles[11] = {1250, 1400, 1550, 1700, 1850, 2000,
				       2200, 2450, 2850, 3600, 6000};
static const int pension_deciles[11] = {800, 1000, 1150, 1300, 1450, 1600,
					1750, 1950, 2250, 2800, 4500};

/* from_deciles - a monthly amount drawn across the deciles, interpolated */
static int64_t from_deciles(struct synth_rng *r, const int *d)
{
	uint64_t u = synth_rng_below(r, 10000);
	int k = (int)(u / 1000), f = (int)(u % 1000);

	return d[k] + (int64_t)(d[k + 1] - d[k]) * f / 1000;
}

/* synth_distance_m - the distance between two points, in metres (equirectangular;
 * a few metres off at the scale of a city) */
int64_t synth_distance_m(struct synth_point a, struct synth_point b)
{
	double mid = (double)(a.lat + b.lat) / 2e6 * 0.017453292519943295;
	double dy = (double)(a.lat - b.lat) * 0.111195, dx = (double)(a.lon - b.lon) * 0.111195 *
							       synth_cos(mid);

	return (int64_t)sqrt(dx * dx + dy * dy); /* correctly rounded (IEEE 754) */
}

static enum synth_mode commute_mode(struct synth_rng *r, int64_t metres, bool adult)
{
	/* weights walk, bike, bus, tram, car: by distance (after French
	 * mobility surveys in a mid-sized city) */
	unsigned w[MODES];

	if (metres < 1000) {
		const unsigned x[MODES] = {62, 14, 6, 6, 12};
		memcpy(w, x, sizeof(w));
	} else if (metres < 3000) {
		const unsigned x[MODES] = {12, 16, 14, 22, 36};
		memcpy(w, x, sizeof(w));
	} else {
		const unsigned x[MODES] = {1, 8, 14, 22, 55};
		memcpy(w, x, sizeof(w));
	}
	if (!adult)
		w[MODE_CAR] /= 2;
	return (enum synth_mode)synth_rng_pick(r, w, MODES);
}

static void digits(struct synth_rng *r, char *out, int n)
{
	for (int i = 0; i < n; i++)
		out[i] = (char)('0' + synth_rng_below(r, 10));
	out[n] = '\0';
	if (out[0] == '0')
		out[0] = '1';
}

static void member(struct synth_rng *r, const struct synth_territory *t,
		   const struct synth_household *h, struct synth_member *m, int age)
{
	const struct synth_district *d = &t->districts[h->district];
	uint64_t u = synth_rng_below(r, 100);

	memset(m, 0, sizeof(*m));
	m->age = age;
	m->place = -1;
	m->commute = MODE_WALK;
	str_copy(m->first_name, sizeof(m->first_name),
		 first_names[age >= 75 ? 32 + synth_rng_below(r, 8)
				       : synth_rng_below(r, 32)]);
	if (age < 3) {
		m->activity = ACT_CHILD;
	} else if (age < 18) {
		m->activity = ACT_PUPIL;
	} else if (age < 25) {
		m->activity = u < 55 ? ACT_STUDENT : u < 88 ? ACT_EMPLOYED : ACT_UNEMPLOYED;
	} else if (age < 63) {
		m->activity = u < 86 ? ACT_EMPLOYED : ACT_UNEMPLOYED;
	} else {
		m->activity = ACT_RETIRED;
	}
	switch (m->activity) {
	case ACT_EMPLOYED: {
		unsigned w[SYNTH_EMPLOYERS];
		int64_t month = from_deciles(r, salary_deciles) * d->income_pct / 100;

		if (age < 25)
			month = month * 3 / 4;
		m->income_year = month * 25 / 2; /* 12.5 months */
		for (int i = 0; i < SYNTH_EMPLOYERS; i++)
			w[i] = t->employers[i].weight;
		m->place = (int)synth_rng_pick(r, w, SYNTH_EMPLOYERS);
		m->work_days = u % 10 < 7 ? 5 : u % 10 < 9 ? 4 : 3;
		break;
	}
	case ACT_UNEMPLOYED:
		m->income_year = 12 * (900 + (int64_t)synth_rng_below(r, 400));
		break;
	case ACT_RETIRED:
		m->income_year = 12 * (from_deciles(r, pension_deciles) * d->income_pct / 100);
		break;
	case ACT_STUDENT:
		m->place = 0; /* the university */
		m->work_days = 5;
		m->income_year = synth_rng_below(r, 3) == 0 ? 12 * 450 : 0;
		break;
	case ACT_PUPIL: {
		/* a school of the district, else the nearest one */
		int best = 1;
		int64_t best_d = INT64_MAX;

		for (int i = 1; i < SYNTH_SCHOOLS; i++) {
			int64_t dm = synth_distance_m(h->home, t->schools[i].at);

			if (dm < best_d) {
				best_d = dm;
				best = i;
			}
		}
		m->place = best;
		m->work_days = 5;
		break;
	}
	case ACT_CHILD:
		break;
	}
	if (m->place >= 0) {
		const struct synth_place *p = m->activity == ACT_EMPLOYED ? &t->employers[m->place]
									  : &t->schools[m->place];

		m->commute = commute_mode(r, synth_distance_m(h->home, p->at), age >= 18);
		if (m->activity == ACT_PUPIL && age < 11 && m->commute != MODE_CAR)
			m->commute = MODE_WALK; /* walked to school */
	}
}

void synth_household(const struct synth_territory *t, uint64_t index, struct synth_household *h)
{
	/* household sizes: 1 to 5+ (INSEE: 37, 33, 13, 11, 6 %) */
	static const unsigned sizes[] = {37, 33, 13, 11, 4, 2};
	unsigned dw[SYNTH_DISTRICTS];
	struct synth_rng r;
	const struct synth_district *d;
	int size, ages[SYNTH_MAX_MEMBERS], nadults;
	int64_t earned = 0;
	int shares_x2;
	uint64_t u;

	memset(h, 0, sizeof(*h));
	synth_rng_seed(&r, t->seed, 100, index);
	h->index = index;
	snprintf(h->handle, sizeof(h->handle), "h%06llu", (unsigned long long)index);
	for (int k = 0; k < SYNTH_DISTRICTS; k++)
		dw[k] = t->districts[k].weight;
	h->district = (int)synth_rng_pick(&r, dw, SYNTH_DISTRICTS);
	d = &t->districts[h->district];
	h->home.lat = synth_rng_range(&r, d->sw.lat + 200, d->ne.lat - 200);
	h->home.lon = synth_rng_range(&r, d->sw.lon + 300, d->ne.lon - 300);

	/* who lives there */
	size = 1 + (int)synth_rng_pick(&r, sizes, sizeof(sizes) / sizeof(*sizes));
	u = synth_rng_below(&r, 100);
	if (size == 1) {
		nadults = 1;
		ages[0] = (int)synth_rng_range(&r, 19, 92);
	} else if (size == 2 && u < 80) {
		nadults = 2; /* a couple */
		ages[0] = (int)synth_rng_range(&r, 22, 88);
		ages[1] = ages[0] + (int)synth_rng_range(&r, -5, 5);
		if (ages[1] < 19)
			ages[1] = 19;
	} else {
		/* a parent or two with children */
		nadults = size == 2 || u < 20 ? 1 : 2;
		ages[0] = (int)synth_rng_range(&r, 24, 54);
		if (nadults == 2)
			ages[1] = ages[0] + (int)synth_rng_range(&r, -4, 4);
		for (int i = nadults; i < size; i++) {
			int oldest = ages[0] - 20 < 20 ? ages[0] - 20 : 20;

			ages[i] = (int)synth_rng_range(&r, 0, oldest < 0 ? 0 : oldest);
		}
	}
	h->nmembers = size;
	h->adults = nadults;
	h->children = size - nadults;
	for (int i = 0; i < size; i++) {
		member(&r, t, h, &h->m[i], ages[i]);
		if (i < nadults)
			earned += h->m[i].income_year;
	}

	/* the tax household: 1 share an adult, 1/2 for each of the first two
	 * children and 1 from the third; a parent alone gets 1/2 more */
	shares_x2 = 2 * nadults;
	for (int c = 0; c < h->children; c++)
		shares_x2 += c < 2 ? 1 : 2;
	if (nadults == 1 && h->children > 0)
		shares_x2 += 1;
	h->tax_shares_x2 = shares_x2;
	h->taxable_income = earned * 9 / 10;
	h->family_quotient = h->taxable_income * 2 / 12 / shares_x2;

	/* housing */
	h->house = synth_rng_below(&r, 100) < (uint64_t)d->house_pct;
	h->owner = synth_rng_below(&r, 100) <
		   (uint64_t)(d->owner_pct + (h->family_quotient > 2000 ? 20 : 0) +
			      (ages[0] > 60 ? 15 : 0) - (ages[0] < 30 ? 25 : 0));
	h->surface_m2 = 22 + 17 * size + (h->house ? 25 : 0) + (int)synth_rng_range(&r, -8, 15);
	{
		static const unsigned classes[] = {3, 6, 16, 30, 24, 12, 9};
		size_t c = synth_rng_pick(&r, classes, 7);

		if (h->house && c < 6 && synth_rng_below(&r, 3) == 0)
			c++; /* houses are worse insulated, on average */
		h->energy_class = (char)('A' + c);
	}
	{
		/* electric, gas, heat pump, district heating, wood */
		unsigned w[] = {35, 40, 10, 10, h->house ? 8 : 0};

		if (h->house)
			w[HEAT_DISTRICT] = 1;
		h->heating = (enum synth_heating)synth_rng_pick(&r, w, 5);
	}
	h->gas_cooking = h->heating == HEAT_GAS && synth_rng_below(&r, 2) == 0;
	h->cooling = h->heating == HEAT_HEAT_PUMP ? synth_rng_below(&r, 2) == 0
						  : synth_rng_below(&r, 100) < 8;
	h->kva = h->heating == HEAT_ELECTRIC ? (h->surface_m2 > 90 ? 12 : 9) : 6;
	if (h->owner)
		h->housing_cents = ages[0] < 60 ? 100 * (450 + 9 * (int64_t)h->surface_m2) : 0;
	else
		h->housing_cents = 100 * (int64_t)h->surface_m2 * (850 + 3 * d->income_pct) / 100;
	digits(&r, h->prm, 14);
	digits(&r, h->pce, 14);
	snprintf(h->water_meter, sizeof(h->water_meter), "VB%08llu",
		 (unsigned long long)synth_rng_below(&r, 100000000));
	digits(&r, h->account, 11);
}

/* ---- holidays ------------------------------------------------------------------ */

#define STREAM_HOLIDAYS 302 /* (seed, 302, household * 128 + year % 128) */

static bool chance(struct synth_rng *r, int pct)
{
	return synth_rng_below(r, 100) < (uint64_t)pct;
}

int synth_holidays(const struct synth_territory *t, const struct synth_household *h, int64_t y,
		   struct synth_holiday out[2])
{
	bool family = false, retired = true;
	struct synth_rng r;
	int n = 0;

	for (int i = 0; i < h->nmembers; i++) {
		family = family || h->m[i].activity == ACT_PUPIL || h->m[i].activity == ACT_CHILD;
		if (i < h->adults && h->m[i].activity != ACT_RETIRED)
			retired = false;
	}
	synth_rng_seed(&r, t->seed, STREAM_HOLIDAYS, h->index * 128 + (uint64_t)(y & 127));
	/* a summer break: families in the school holidays, retired people
	 * from mid-May, the others in the summer; more often with more money */
	if (chance(&r, (family ? 80 : 70) + (h->family_quotient > 1800   ? 10
					     : h->family_quotient < 900 ? -25
									: 0))) {
		static const unsigned lens[3] = {30, 50, 20};
		int len = 7 * (1 + (int)synth_rng_pick(&r, lens, 3));

		if (family)
			out[n].first = time_days_from_civil(y, 7, 6) + synth_rng_range(&r, 0, 35);
		else if (retired)
			out[n].first = time_days_from_civil(y, 5, 15) + synth_rng_range(&r, 0, 130);
		else
			out[n].first = time_days_from_civil(y, 6, 20) + synth_rng_range(&r, 0, 80);
		out[n++].days = len;
	}
	/* sometimes a second one: a winter or Christmas week for families, a
	 * few days at any time for the others */
	if (chance(&r, 40)) {
		struct synth_holiday a;

		if (family && chance(&r, 50)) {
			a.first = time_days_from_civil(y, 2, 9) + synth_rng_range(&r, 0, 6);
			a.days = 7;
		} else if (family) {
			a.first = time_days_from_civil(y, 12, 21) + synth_rng_range(&r, 0, 5);
			a.days = (int)synth_rng_range(&r, 6, 9);
		} else {
			a.first = time_days_from_civil(y, 3, 1) + synth_rng_range(&r, 0, 260);
			a.days = (int)synth_rng_range(&r, 4, 9);
		}
		if (n == 0 || a.first > out[0].first + out[0].days + 2 ||
		    a.first + a.days + 2 < out[0].first)
			out[n++] = a;
	}
	return n;
}

enum synth_away synth_away_on(const struct synth_territory *t, const struct synth_household *h,
			      int64_t day)
{
	int64_t y;
	int m, d;

	time_civil_from_days(day, &y, &m, &d);
	for (int64_t year = y - 1; year <= y; year++) {
		struct synth_holiday a[2];
		int n = synth_holidays(t, h, year, a);

		for (int i = 0; i < n; i++) {
			if (day == a[i].first)
				return AWAY_LEAVING;
			if (day > a[i].first && day < a[i].first + a[i].days)
				return AWAY_GONE;
			if (day == a[i].first + a[i].days)
				return AWAY_RETURNING;
		}
	}
	return AWAY_NOT;
}

/* ---- the profile (household.profile) ---------------------------------------------- */

static const char *const heating_names[] = {
    [HEAT_ELECTRIC] = "electric",
    [HEAT_GAS] = "gas",
    [HEAT_HEAT_PUMP] = "heat_pump",
    [HEAT_DISTRICT] = "district_heating",
    [HEAT_WOOD] = "wood",
};
_Static_assert(sizeof(heating_names) / sizeof(*heating_names) == HEAT_WOOD + 1,
	       "a name for each heating");

/*
 * One row, declared on the first day of the period, of what campaigns group
 * by (district, size, heating) and the housing facts beside them. Every
 * value is already in h: no random number is drawn, so that the other files
 * keep their bytes.
 */
enum cmn_rc synth_write_household_profile(const struct synth_territory *t,
					  const struct synth_household *h, FILE *out)
{
	int64_t y;
	int m, d;

	time_civil_from_days(t->start_day, &y, &m, &d);
	fputs("#commune-mapping {\"separator\":\";\",\"doctype\":\"household.profile\","
	      "\"columns\":{\"declared\":\"date_declaration\",\"district\":\"quartier\","
	      "\"members\":\"personnes\",\"heating\":\"chauffage\",\"housing\":\"logement\","
	      "\"surface_m2\":\"surface_m2\",\"energy_class\":\"classe_energie\","
	      "\"tenure\":\"statut\"}}\n"
	      "date_declaration;quartier;personnes;chauffage;logement;surface_m2;classe_energie;"
	      "statut\n",
	      out);
	fprintf(out, "%04lld-%02d-%02d;%s;%d;%s;%s;%d;%c;%s\n", (long long)y, m, d,
		t->districts[h->district].code, h->nmembers, heating_names[h->heating],
		h->house ? "house" : "flat", h->surface_m2, h->energy_class,
		h->owner ? "owner" : "tenant");
	return ferror(out) ? CMN_ERR_IO : CMN_OK;
}
