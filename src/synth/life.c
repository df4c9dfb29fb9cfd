/*
 * life.c - what a household of the synthetic territory does that leaves a
 * trace: the groceries it buys at the territory's shops (the food.purchase
 * file, and the card payments of its statement), its weekly activities,
 * medical appointments, school meetings and summer holiday (its calendar,
 * and the fees, consultations and bookings its statement pays). Each is
 * drawn from its own stream, by month or by year, so that a month is the
 * same in any period. The scales are in docs/synth/money.md.
 */
#include "synth/money_int.h"

#include <string.h>

#include "core/str.h"
#include "core/timeutil.h"
#include "core/tz.h"
#include "series/series.h"

/* ---- groceries ------------------------------------------------------------------- */

enum shop_kind { SHOP_MARKET, SHOP_SUPERMARKET, SHOP_GROCER, SHOP_ORGANIC };

/* a product at a supermarket: price of a unit (kg, item or litre) and the
 * quantities bought, in thousandths of the unit */
struct product {
	const char *name;
	const char *category;
	int cents;            /* a unit */
	int qmin, qmax, step; /* milli-units */
	unsigned weight;      /* how often it is bought */
	char unit;            /* 'k' kg, 'i' item, 'l' litre */
	char eco;             /* ecoscore */
	bool fresh;           /* also sold at the market */
};

#define FL     "fruits et légumes"
#define BOUL   "boulangerie"
#define LAIT   "produits laitiers"
#define VIANDE "viandes et poissons"
#define EPI    "épicerie"
#define BOIS   "boissons"
#define SURG   "surgelés"

static const struct product products[] = {
    {"Pommes", FL, 249, 800, 2000, 1, 8, 'k', 'a', true},
    {"Bananes", FL, 199, 700, 1500, 1, 7, 'k', 'b', true},
    {"Oranges", FL, 229, 1000, 2000, 1, 4, 'k', 'b', true},
    {"Clémentines", FL, 299, 1000, 2000, 1, 3, 'k', 'b', true},
    {"Tomates", FL, 349, 500, 1500, 1, 6, 'k', 'b', true},
    {"Carottes", FL, 149, 500, 1500, 1, 6, 'k', 'a', true},
    {"Pommes de terre", FL, 129, 1000, 2500, 1, 5, 'k', 'a', true},
    {"Courgettes", FL, 279, 400, 1200, 1, 4, 'k', 'a', true},
    {"Salade", FL, 119, 1000, 2000, 1000, 5, 'i', 'a', true},
    {"Oignons", FL, 199, 500, 1000, 1, 3, 'k', 'a', true},
    {"Poireaux", FL, 299, 500, 1200, 1, 3, 'k', 'a', true},
    {"Fraises (barquette 500 g)", FL, 399, 1000, 2000, 1000, 2, 'i', 'b', true},
    {"Baguette", BOUL, 110, 1000, 3000, 1000, 12, 'i', 'a', true},
    {"Pain de campagne", BOUL, 260, 1000, 1000, 1000, 3, 'i', 'a', true},
    {"Croissants (x4)", BOUL, 340, 1000, 1000, 1000, 3, 'i', 'd', true},
    {"Pain de mie", BOUL, 185, 1000, 1000, 1000, 2, 'i', 'c', false},
    {"Lait demi-écrémé", LAIT, 109, 1000, 6000, 1000, 7, 'l', 'b', false},
    {"Yaourts nature (x8)", LAIT, 195, 1000, 2000, 1000, 6, 'i', 'a', false},
    {"Beurre doux 250 g", LAIT, 265, 1000, 1000, 1000, 4, 'i', 'd', false},
    {"Emmental râpé", LAIT, 240, 1000, 1000, 1000, 4, 'i', 'd', false},
    {"Comté", LAIT, 1890, 200, 500, 1, 3, 'k', 'c', true},
    {"Camembert", LAIT, 220, 1000, 1000, 1000, 3, 'i', 'd', true},
    {"Crème fraîche", LAIT, 180, 1000, 1000, 1000, 3, 'i', 'c', false},
    {"Œufs (x12)", LAIT, 340, 1000, 1000, 1000, 5, 'i', 'b', true},
    {"Poulet fermier", VIANDE, 990, 1200, 1800, 1, 3, 'k', 'c', true},
    {"Steaks hachés (x2)", VIANDE, 450, 1000, 2000, 1000, 4, 'i', 'd', false},
    {"Jambon blanc (x4)", VIANDE, 330, 1000, 1000, 1000, 5, 'i', 'd', false},
    {"Côtes de porc", VIANDE, 890, 400, 1000, 1, 3, 'k', 'd', true},
    {"Saumon", VIANDE, 2490, 200, 600, 1, 2, 'k', 'd', true},
    {"Cabillaud", VIANDE, 1990, 300, 600, 1, 2, 'k', 'c', true},
    {"Lardons", VIANDE, 210, 1000, 1000, 1000, 3, 'i', 'e', false},
    {"Pâtes 500 g", EPI, 115, 1000, 3000, 1000, 7, 'i', 'a', false},
    {"Riz 1 kg", EPI, 210, 1000, 1000, 1000, 3, 'i', 'b', false},
    {"Lentilles 500 g", EPI, 190, 1000, 1000, 1000, 2, 'i', 'a', false},
    {"Farine 1 kg", EPI, 105, 1000, 1000, 1000, 1, 'i', 'a', false},
    {"Sucre 1 kg", EPI, 135, 1000, 1000, 1000, 1, 'i', 'c', false},
    {"Huile d'olive", EPI, 950, 750, 1000, 250, 1, 'l', 'c', false},
    {"Café moulu 250 g", EPI, 390, 1000, 2000, 1000, 3, 'i', 'd', false},
    {"Chocolat noir", EPI, 230, 1000, 2000, 1000, 3, 'i', 'd', false},
    {"Biscuits", EPI, 210, 1000, 2000, 1000, 4, 'i', 'd', false},
    {"Céréales", EPI, 320, 1000, 1000, 1000, 3, 'i', 'c', false},
    {"Confiture", EPI, 260, 1000, 1000, 1000, 1, 'i', 'c', false},
    {"Thon en conserve", EPI, 280, 1000, 2000, 1000, 2, 'i', 'c', false},
    {"Sauce tomate", EPI, 160, 1000, 2000, 1000, 3, 'i', 'b', false},
    {"Eau minérale", BOIS, 35, 9000, 9000, 1000, 5, 'l', 'b', false},
    {"Jus d'orange", BOIS, 240, 1000, 2000, 1000, 3, 'l', 'c', false},
    {"Vin rouge", BOIS, 900, 750, 2250, 750, 2, 'l', 'c', false},
    {"Bière (pack de 6)", BOIS, 590, 1000, 1000, 1000, 2, 'i', 'd', false},
    {"Soda", BOIS, 140, 1500, 3000, 1500, 2, 'l', 'e', false},
    {"Légumes surgelés", SURG, 250, 1000, 2000, 1000, 2, 'i', 'b', false},
    {"Pizza surgelée", SURG, 390, 1000, 2000, 1000, 2, 'i', 'd', false},
    {"Glace", SURG, 450, 1000, 1000, 1000, 1, 'i', 'd', false},
};

#define NPRODUCTS (sizeof(products) / sizeof(*products))

/* prices at each kind of shop, % of the supermarket's */
static const int shop_price_pct[] = {105, 100, 115, 135};

static enum shop_kind shop_kind(const struct synth_territory *t, int shop)
{
	static const char *const prefixes[] = {"Marché", "Supermarché", "Épicerie", "Biocoop"};

	for (int k = 0; k < 4; k++)
		if (strncmp(t->shops[shop].name, prefixes[k], strlen(prefixes[k])) == 0)
			return (enum shop_kind)k;
	return SHOP_SUPERMARKET;
}

void life_product(const struct synth_territory *t, int product, int shop, const char **name,
		  const char **category, const char **unit, char *ecoscore, bool *organic)
{
	const struct product *p = &products[product];

	*organic = shop_kind(t, shop) == SHOP_ORGANIC;
	*name = p->name;
	*category = p->category;
	*unit = p->unit == 'k' ? "kg" : p->unit == 'l' ? "l" : "item";
	*ecoscore = *organic && p->eco > 'a' ? (char)(p->eco - 1) : p->eco;
}

/* consumption units (OECD scale) times 10: 10 for the first person, 5 for
 * each other one of 14 or more, 3 for each child under 14 */
static int units_x10(const struct synth_household *h)
{
	int u = 10;

	for (int i = 1; i < h->nmembers; i++)
		u += h->m[i].age >= 14 ? 5 : 3;
	return u;
}

/* the household's habits at the shops, from its own stream */
struct food_habits {
	int per_week;     /* shopping days a week: 2 to 4 */
	int main, second; /* shops */
	int market;       /* the nearest market, -1 none */
	bool market_lover;
	int budget_pct; /* 85 to 115: thrifty or not */
};

/* nearest_shop - of a kind (or any kind but the market, when kind < 0),
 * the one whose distance, weighted by its size, is the smallest; skip is
 * left out */
static int pick_shop(const struct synth_territory *t, const struct synth_household *h,
		     struct synth_rng *r, int kind, int skip)
{
	unsigned w[SYNTH_SHOPS];
	bool any = false;

	for (int i = 0; i < SYNTH_SHOPS; i++) {
		int k = (int)shop_kind(t, i);

		w[i] = 0;
		if (i != skip && (kind < 0 ? k != SHOP_MARKET : k == kind)) {
			int64_t dm = synth_distance_m(h->home, t->shops[i].at);

			w[i] = (unsigned)(100000000 / (500 + dm)) * t->shops[i].weight;
			any = any || w[i] > 0;
		}
	}
	return any ? (int)synth_rng_pick(r, w, SYNTH_SHOPS) : -1;
}

static void food_habits(const struct synth_territory *t, const struct synth_household *h,
			struct food_habits *f)
{
	struct synth_rng r;
	int64_t per_uc = money_resources(t, h) * 10 / units_x10(h);

	money_rng(&r, t, h, STREAM_FOOD_PROFILE, 0);
	f->per_week = 2 + (h->nmembers >= 3) + (int)synth_rng_below(&r, 2);
	f->main = pick_shop(
	    t, h, &r,
	    per_uc > 250000 && synth_rng_below(&r, 3) == 0 ? SHOP_ORGANIC : SHOP_SUPERMARKET, -1);
	if (f->main < 0)
		f->main = pick_shop(t, h, &r, -1, -1);
	f->second = pick_shop(t, h, &r, -1, f->main);
	if (f->second < 0)
		f->second = f->main;
	f->market = pick_shop(t, h, &r, SHOP_MARKET, -1);
	f->market_lover = f->market >= 0 && synth_rng_below(&r, 10) < 4;
	f->budget_pct = 85 + (int)synth_rng_below(&r, 31);
}

int64_t life_grocery_budget(const struct synth_territory *t, const struct synth_household *h)
{
	struct food_habits f;
	int u = units_x10(h);
	int64_t left = money_resources(t, h) - money_housing(t, h), budget;

	/* 140 EUR a consumption unit, and 7 % of what is left a unit once the
	 * housing is paid, at most 400 EUR a unit */
	budget = 14000 + (left > 0 ? left : 0) * 10 / u * 7 / 100;
	if (budget > 40000)
		budget = 40000;
	food_habits(t, h, &f);
	return budget * f.budget_pct / 100 * u / 10;
}

/* shop_at - the shop at a point, -1 when none */
static int shop_at(const struct synth_territory *t, struct synth_point p)
{
	for (int i = 0; i < SYNTH_SHOPS; i++)
		if (t->shops[i].at.lat == p.lat && t->shops[i].at.lon == p.lon)
			return i;
	return -1;
}

static void add_visit(struct life_shopping *s, int64_t day, int shop, int minute)
{
	for (int i = 0; i < s->n; i++)
		if (s->trip[i].day == day && s->trip[i].shop == shop)
			return; /* two members there the same day: one basket */
	if (s->n == LIFE_SHOP_TRIPS)
		return;
	s->trip[s->n].day = day;
	s->trip[s->n].shop = shop;
	s->trip[s->n].minute = minute;
	s->n++;
}

/* visits - the household's arrivals at a shop while it is open (8:00 to
 * 21:30), day by day, from its trips */
static void visits(const struct synth_territory *t, const struct synth_household *h, int64_t first,
		   int64_t last, struct life_shopping *s)
{
	const struct tz *paris = series_zone("Europe/Paris");

	for (int64_t day = first; day <= last; day++) {
		struct synth_trip trips[SYNTH_TRIPS_DAY];
		size_t n;

		if (synth_away_on(t, h, day) != AWAY_NOT)
			continue; /* away, or travelling */
		n = synth_trips_day(t, h, (int)(day - t->start_day), trips);
		for (size_t k = 0; k < n && k < SYNTH_TRIPS_DAY; k++) {
			int shop = shop_at(t, trips[k].to);
			int64_t ms = 0;

			if (shop < 0)
				continue;
			tz_local_day(paris ? paris : tz_utc(), trips[k].end_ms, &ms);
			if (ms >= 8 * 3600000LL && ms <= 21 * 3600000LL + 30 * 60000)
				add_visit(s, day, shop, (int)(ms / 60000)); /* open */
		}
	}
}

/* own_days - when the household's trips never reach a shop in a month: its
 * own shopping days, per_week days a week, at its usual shops */
static void own_days(const struct synth_territory *t, const struct synth_household *h,
		     int64_t first, int64_t last, struct synth_rng *r, struct life_shopping *s)
{
	struct food_habits f;

	food_habits(t, h, &f);
	for (int64_t day = first; day <= last; day++) {
		int kind = synth_day_kind(day) & 3;
		uint64_t u = synth_rng_below(r, 60);

		if (kind == 2 || synth_away_on(t, h, day) != AWAY_NOT)
			continue; /* shops closed, or the household is away */
		if (u >= (uint64_t)f.per_week * 10)
			continue;
		if (kind == 1)
			add_visit(s, day, f.market_lover && u % 2 ? f.market : f.main,
				  9 * 60 + (int)synth_rng_below(r, 211));
		else
			add_visit(s, day, u % 10 < 7 ? f.main : f.second,
				  17 * 60 + (int)synth_rng_below(r, 151));
	}
}

void life_shopping_month(const struct synth_territory *t, const struct synth_household *h,
			 int64_t mon, struct life_shopping *s)
{
	struct synth_rng r;
	int64_t mfirst = money_month_first(mon), dim = money_month_days(mon);
	int64_t first = mfirst > t->start_day ? mfirst : t->start_day;
	int64_t last = mfirst + dim - 1, p1 = t->start_day + t->days - 1, budget, left;
	int w[LIFE_SHOP_TRIPS], wsum = 0;

	s->n = 0;
	if (last > p1)
		last = p1;
	if (first > last)
		return;
	money_rng(&r, t, h, STREAM_SHOPPING, mon);
	visits(t, h, first, last, s);
	if (s->n == 0)
		own_days(t, h, first, last, &r, s);
	/* the month's budget for its days in the period, shared by weight: a
	 * Saturday's basket is the big one; the last visit takes the rest */
	budget = life_grocery_budget(t, h) * (last - first + 1) / dim;
	for (int i = 0; i < s->n; i++) {
		w[i] =
		    (synth_day_kind(s->trip[i].day) & 3) == 1 ? 3 : 1 + (int)synth_rng_below(&r, 2);
		wsum += w[i];
	}
	left = budget;
	for (int i = 0; i < s->n; i++) {
		s->trip[i].target = i + 1 < s->n ? budget * w[i] / wsum : left;
		left -= s->trip[i].target;
	}
}

void life_basket(const struct synth_territory *t, const struct synth_household *h, int64_t day,
		 int shop, int minute, int64_t target, struct life_basket *b)
{
	enum shop_kind kind = shop_kind(t, shop);
	unsigned w[NPRODUCTS];
	struct synth_rng r;

	money_rng(&r, t, h, STREAM_BASKET, day * SYNTH_SHOPS + shop);
	memset(b, 0, sizeof(*b));
	b->day = day;
	b->shop = shop;
	b->target = target;
	b->minute = minute;
	for (size_t i = 0; i < NPRODUCTS; i++)
		w[i] = kind == SHOP_MARKET && !products[i].fresh ? 0 : products[i].weight;
	/* items until the target is reached (the last one may pass it) */
	while (b->cents < target && b->nitems < LIFE_BASKET_ITEMS) {
		struct life_item *it = &b->items[b->nitems];
		const struct product *p;

		it->product = (int)synth_rng_pick(&r, w, NPRODUCTS);
		p = &products[it->product];
		it->qty_milli =
		    p->qmin +
		    p->step * (int64_t)synth_rng_below(
				  &r, (uint64_t)(p->qmax - p->qmin) / (uint64_t)p->step + 1);
		it->cents =
		    ((int64_t)p->cents * shop_price_pct[kind] * it->qty_milli + 50000) / 100000;
		if (it->cents < 1)
			it->cents = 1;
		b->cents += it->cents;
		b->nitems++;
	}
}

/* ---- appointments --------------------------------------------------------------------- */

struct care {
	const char *what;
	const char *place;   /* "Cabinet médical" */
	int64_t fee, refund; /* cents; refund: 70 % of the regulated fee */
	int minutes;
};

static const struct care cares[] = {
    {"médecin généraliste", "Cabinet médical", 3000, 2100, 20},
    {"pédiatre", "Cabinet médical", 3500, 2450, 30},
    {"chirurgien-dentiste", "Cabinet dentaire", 3000, 2100, 30},
    {"ophtalmologiste", "Centre ophtalmologique", 5000, 2205, 20},
    {"kinésithérapeute", "Cabinet de kinésithérapie", 1613, 1129, 30},
};

static const char *const doctors[] = {
    "Martin", "Bernard", "Nguyen", "Haddad", "Moreau",   "Diallo", "Lefèvre", "Rossi",
    "Petit",  "Garcia",  "Benali", "Roux",   "Fournier", "Traoré", "Mercier", "Laurent",
};

/* visits a year, by age */
static int visits_a_year(int age)
{
	return age < 3 ? 8 : age < 18 ? 3 : age < 60 ? 3 : age < 75 ? 6 : 9;
}

int life_appointments(const struct synth_territory *t, const struct synth_household *h, int64_t mon,
		      struct life_appointment out[LIFE_APPOINTMENTS_MONTH])
{
	struct synth_rng r;
	int n = 0, days = money_month_days(mon);
	int64_t first = money_month_first(mon);

	money_rng(&r, t, h, STREAM_HEALTH, mon);
	for (int i = 0; i < h->nmembers && n < LIFE_APPOINTMENTS_MONTH; i++) {
		const struct synth_member *m = &h->m[i];
		struct life_appointment *a = &out[n];
		uint64_t u = synth_rng_below(&r, 1200), k = synth_rng_below(&r, 100);
		int64_t day = first + (int64_t)synth_rng_below(&r, (uint64_t)days - 5);
		size_t c;

		if (u >= (uint64_t)visits_a_year(m->age) * 100)
			continue;
		day = money_working_on_or_after(day);
		if (synth_away_on(t, h, day) != AWAY_NOT)
			continue;
		if (m->age < 6)
			c = k < 60 ? 1 : 0;
		else
			c = k < 20 ? 2 : k < (m->age >= 40 ? 35u : 28u) ? 3 : k < 42 ? 4 : 0;
		memset(a, 0, sizeof(*a));
		a->member = i;
		a->day = day;
		a->minute = 8 * 60 + 30 + 10 * (int)synth_rng_below(&r, 58);
		a->duration = cares[c].minutes;
		a->what = cares[c].what;
		snprintf(a->doctor, sizeof(a->doctor), "Dr %s",
			 doctors[(h->index * 7 + c * 5) % (sizeof(doctors) / sizeof(*doctors))]);
		a->fee = cares[c].fee;
		/* 70 % of the regulated fee, less the 2 EUR that adults pay on a
		 * consultation */
		a->refund = cares[c].refund - (m->age >= 18 && c != 4 ? 200 : 0);
		n++;
	}
	return n;
}

static const char *care_place(const char *what)
{
	for (size_t c = 0; c < sizeof(cares) / sizeof(*cares); c++)
		if (strcmp(cares[c].what, what) == 0)
			return cares[c].place;
	return "Cabinet médical";
}

/* ---- activities ------------------------------------------------------------------------- */

struct activity_kind {
	const char *name;
	const char *venue; /* Gymnase, Piscine, ... */
	int age_min, age_max;
	int64_t fee_min, fee_max; /* cents a season */
};

static const struct activity_kind activity_kinds[] = {
    {"Football", "Stade", 5, 17, 12000, 22000},
    {"Judo", "Dojo", 5, 17, 15000, 25000},
    {"Danse", "Salle de danse", 5, 62, 15000, 30000},
    {"Natation", "Piscine", 6, 80, 12000, 24000},
    {"Musique", "Conservatoire", 6, 80, 18000, 35000},
    {"Théâtre", "Maison de quartier", 8, 80, 12000, 20000},
    {"Tennis", "Tennis club", 6, 70, 18000, 32000},
    {"Yoga", "Maison de quartier", 18, 85, 15000, 28000},
    {"Badminton", "Gymnase", 12, 62, 9000, 16000},
    {"Chorale", "Salle paroissiale", 18, 90, 6000, 12000},
    {"Gym douce", "Gymnase", 55, 92, 8000, 15000},
};

#define NACTIVITIES (sizeof(activity_kinds) / sizeof(*activity_kinds))

/* first_weekday_from - the first day >= day that is weekday (0 Monday) */
static int64_t first_weekday_from(int64_t day, int weekday)
{
	int wd = (int)(((day % 7) + 7 + 3) % 7);

	return day + (weekday - wd + 7) % 7;
}

int life_activities(const struct synth_territory *t, const struct synth_household *h, int64_t year,
		    struct life_activity out[SYNTH_MAX_MEMBERS])
{
	struct synth_rng r;
	int n = 0;

	money_rng(&r, t, h, STREAM_SEASON, year);
	for (int i = 0; i < h->nmembers; i++) {
		const struct synth_member *m = &h->m[i];
		unsigned w[NACTIVITIES];
		uint64_t u = synth_rng_below(&r, 100);
		int chance = m->age < 4 ? 0 : m->age < 18 ? 60 : m->age < 63 ? 30 : 35;
		const struct activity_kind *k;
		struct life_activity *a = &out[n];
		size_t pick;

		for (size_t j = 0; j < NACTIVITIES; j++)
			w[j] = m->age >= activity_kinds[j].age_min &&
				       m->age <= activity_kinds[j].age_max
				   ? 1
				   : 0;
		pick = synth_rng_pick(&r, w, NACTIVITIES);
		if (u >= (uint64_t)chance || w[pick] == 0)
			continue;
		k = &activity_kinds[pick];
		memset(a, 0, sizeof(*a));
		a->member = i;
		a->name = k->name;
		snprintf(
		    a->place, sizeof(a->place), "%s %s", k->venue,
		    t->districts[synth_rng_below(&r, 3) ? h->district
							: (int)synth_rng_below(&r, SYNTH_DISTRICTS)]
			.name);
		if (m->age < 18) {
			/* Wednesday afternoon or Saturday morning */
			bool wed = synth_rng_below(&r, 3) != 0;

			a->weekday = wed ? 2 : 5;
			a->minute = wed ? 14 * 60 + 30 * (int)synth_rng_below(&r, 6)
					: 9 * 60 + 30 + 60 * (int)synth_rng_below(&r, 3);
			a->duration = 60 + 30 * (int)synth_rng_below(&r, 2);
		} else if (m->activity == ACT_RETIRED) {
			a->weekday = (int)synth_rng_below(&r, 5);
			a->minute = synth_rng_below(&r, 2) ? 9 * 60 + 30 : 14 * 60 + 30;
			a->duration = 90;
		} else {
			a->weekday = (int)synth_rng_below(&r, 4);
			a->minute = 18 * 60 + 30 + 30 * (int)synth_rng_below(&r, 4);
			a->duration = 60 + 30 * (int)synth_rng_below(&r, 3);
		}
		/* the season: from mid-September to 20 June */
		a->first = first_weekday_from(time_days_from_civil(year, 9, 15), a->weekday);
		a->last = first_weekday_from(time_days_from_civil(year + 1, 6, 14), a->weekday);
		a->fee = synth_rng_range(&r, k->fee_min / 100, k->fee_max / 100) * 100;
		n++;
	}
	return n;
}

/* ---- holidays -------------------------------------------------------------------------- */

static const char *const destinations[] = {
    "La Rochelle", "Biarritz",        "Annecy",     "Quiberon",       "Carnac",   "Sète",
    "Gérardmer",   "Argelès-sur-Mer", "Saint-Malo", "Le Grau-du-Roi", "Briançon", "Ajaccio",
};

int life_holidays(const struct synth_territory *t, const struct synth_household *h, int64_t year,
		  struct life_holiday out[2])
{
	struct synth_holiday away[2];
	int64_t resources = money_resources(t, h);
	int64_t per_uc = resources * 10 / units_x10(h) / 100; /* euros */
	int n = synth_holidays(t, h, year, away);

	for (int i = 0; i < n; i++) {
		struct life_holiday *o = &out[i];
		struct synth_rng r;
		int64_t cost, cap = resources * 9 / 10;

		memset(o, 0, sizeof(*o));
		money_rng(&r, t, h, STREAM_HOLIDAY, year * 2 + i);
		o->first = away[i].first;
		o->days = away[i].days;
		/* with family more often when money is short */
		o->family = (int64_t)synth_rng_below(&r, 100) < (per_uc < 1200 ? 60 : 20);
		str_copy(o->where, sizeof(o->where),
			 destinations[synth_rng_below(&r, sizeof(destinations) /
							      sizeof(*destinations))]);
		o->lodging = o->family ? 0
				       : o->days * (4000 + 1500 * (int64_t)h->nmembers) *
					     (per_uc > 2500 ? 3 : 2) / 2;
		o->travel = 6000 * (int64_t)h->adults + 3000 * (int64_t)h->children;
		/* at most 90 % of a month's resources */
		cost = o->lodging + o->travel;
		if (cost > cap) {
			o->lodging = o->lodging * cap / cost;
			o->travel = o->travel * cap / cost;
		}
	}
	return n;
}

/* ---- the calendar ----------------------------------------------------------------------- */

struct ical {
	FILE *out; /* NULL: count only */
	const struct synth_territory *t;
	const struct synth_household *h;
	int64_t p0, p1; /* the period's first and last days */
	size_t events;
};

/* line - a content line, folded at 75 octets on UTF-8 character boundaries */
static void line(struct ical *c, const char *s)
{
	size_t n = strlen(s), col = 0;

	for (size_t i = 0; i < n;) {
		size_t len = 1;

		while (i + len < n && ((unsigned char)s[i + len] & 0xc0) == 0x80)
			len++;
		if (col + len > 75) {
			fputs("\r\n ", c->out);
			col = 1;
		}
		fwrite(s + i, 1, len, c->out);
		col += len;
		i += len;
	}
	fputs("\r\n", c->out);
}

/* text_prop - NAME:value with the text escaped (\\ \; \, \n) */
static void text_prop(struct ical *c, const char *name, const char *value)
{
	char buf[1024];
	size_t k = 0;

	k = (size_t)snprintf(buf, sizeof(buf), "%s:", name);
	for (const char *p = value; *p && k + 3 < sizeof(buf); p++) {
		if (*p == '\\' || *p == ';' || *p == ',')
			buf[k++] = '\\';
		if (*p == '\n') {
			buf[k++] = '\\';
			buf[k++] = 'n';
			continue;
		}
		buf[k++] = *p;
	}
	buf[k] = '\0';
	line(c, buf);
}

static void local_time(char *out, size_t n, int64_t day, int minute)
{
	int64_t y;
	int m, d;

	time_civil_from_days(day, &y, &m, &d);
	snprintf(out, n, "%04lld%02d%02dT%02d%02d00", (long long)y, m, d, (minute / 60) % 24,
		 minute % 60);
}

static void ymd(char *out, size_t n, int64_t day)
{
	int64_t y;
	int m, d;

	time_civil_from_days(day, &y, &m, &d);
	snprintf(out, n, "%04lld%02d%02d", (long long)y, m, d);
}

struct vevent {
	const char *uid_kind; /* "rdv", "act", ... */
	int64_t uid_x;        /* makes the UID unique with the kind */
	int64_t day;
	int minute, duration; /* minute < 0: an all-day event of duration days */
	const char *summary, *location, *category;
	const char *rrule;   /* or NULL */
	const char *exdates; /* comma-separated local times, or NULL */
};

static void vevent(struct ical *c, const struct vevent *e)
{
	char buf[2400], a[40], b[40];

	c->events++;
	if (!c->out)
		return;
	line(c, "BEGIN:VEVENT");
	snprintf(buf, sizeof(buf), "UID:%s-%s-%lld@synth.commune.example", c->h->handle,
		 e->uid_kind, (long long)e->uid_x);
	line(c, buf);
	ymd(a, sizeof(a), c->p0);
	snprintf(buf, sizeof(buf), "DTSTAMP:%sT000000Z", a);
	line(c, buf);
	if (e->minute < 0) {
		ymd(a, sizeof(a), e->day);
		ymd(b, sizeof(b), e->day + e->duration);
		snprintf(buf, sizeof(buf), "DTSTART;VALUE=DATE:%s", a);
		line(c, buf);
		snprintf(buf, sizeof(buf), "DTEND;VALUE=DATE:%s", b);
		line(c, buf);
	} else {
		local_time(a, sizeof(a), e->day, e->minute);
		local_time(b, sizeof(b), e->day, e->minute + e->duration);
		snprintf(buf, sizeof(buf), "DTSTART;TZID=Europe/Paris:%s", a);
		line(c, buf);
		snprintf(buf, sizeof(buf), "DTEND;TZID=Europe/Paris:%s", b);
		line(c, buf);
	}
	if (e->rrule) {
		snprintf(buf, sizeof(buf), "RRULE:%s", e->rrule);
		line(c, buf);
	}
	if (e->exdates) {
		snprintf(buf, sizeof(buf), "EXDATE;TZID=Europe/Paris:%s", e->exdates);
		line(c, buf);
	}
	text_prop(c, "SUMMARY", e->summary);
	if (e->location)
		text_prop(c, "LOCATION", e->location);
	if (e->category)
		text_prop(c, "CATEGORIES", e->category);
	line(c, "END:VEVENT");
}

static const char *const byday[] = {"MO", "TU", "WE", "TH", "FR", "SA", "SU"};

/* no_session - clubs stop in the school holidays and on public holidays */
static bool no_session(int64_t day)
{
	int kind = synth_day_kind(day);

	return (kind & 4) || (kind & 3) == 2;
}

/* activities - each member's weekly activity of each season the period
 * touches, from its first to its last session within the period, less the
 * school holidays and public holidays */
static void activities(struct ical *c)
{
	int64_t y0, y1;
	int m, d;

	time_civil_from_days(c->p0, &y0, &m, &d);
	time_civil_from_days(c->p1, &y1, &m, &d);
	for (int64_t year = y0 - 1; year <= y1; year++) {
		struct life_activity acts[SYNTH_MAX_MEMBERS];
		int n = life_activities(c->t, c->h, year, acts);

		for (int i = 0; i < n; i++) {
			const struct life_activity *a = &acts[i];
			int64_t first = a->first, last = a->last;
			char rrule[80], exdates[2048], summary[120];
			size_t k = 0;
			int count;

			while (first < c->p0 || (first <= last && no_session(first)))
				first += 7;
			while (last > c->p1 || (last >= first && no_session(last)))
				last -= 7;
			if (first > last)
				continue;
			count = (int)((last - first) / 7 + 1);
			exdates[0] = '\0';
			for (int64_t day = first; day <= last; day += 7) {
				if (no_session(day)) {
					char lt[40];

					local_time(lt, sizeof(lt), day, a->minute);
					k += (size_t)snprintf(exdates + k, sizeof(exdates) - k,
							      "%s%s", k ? "," : "", lt);
				}
			}
			snprintf(rrule, sizeof(rrule), "FREQ=WEEKLY;BYDAY=%s;COUNT=%d",
				 byday[a->weekday], count);
			snprintf(summary, sizeof(summary), "%s (%s)", a->name,
				 c->h->m[a->member].first_name);
			vevent(c, &(struct vevent){"act", year * 10 + a->member, first, a->minute,
						   a->duration, summary, a->place, "Loisirs", rrule,
						   k ? exdates : NULL});
		}
	}
}

static void appointments(struct ical *c)
{
	for (int64_t mon = money_month_of(c->p0); mon <= money_month_of(c->p1); mon++) {
		struct life_appointment a[LIFE_APPOINTMENTS_MONTH];
		int n = life_appointments(c->t, c->h, mon, a);

		for (int i = 0; i < n; i++) {
			char summary[160], where[120];

			if (a[i].day < c->p0 || a[i].day > c->p1)
				continue;
			snprintf(summary, sizeof(summary), "%s, %s (%s)", a[i].doctor, a[i].what,
				 c->h->m[a[i].member].first_name);
			snprintf(where, sizeof(where), "%s, %s", care_place(a[i].what),
				 c->t->districts[c->h->district].name);
			vevent(c, &(struct vevent){"rdv", a[i].day * 10 + a[i].member, a[i].day,
						   a[i].minute, a[i].duration, summary, where,
						   "Santé", NULL, NULL});
		}
	}
}

/* school - for each pupil and school year: the back-to-school meeting in
 * September, a parent-teacher meeting in January, the school fair in June
 * (primary schools) */
static void school(struct ical *c)
{
	int64_t y0, y1;
	int m, d;

	time_civil_from_days(c->p0, &y0, &m, &d);
	time_civil_from_days(c->p1, &y1, &m, &d);
	for (int64_t year = y0 - 1; year <= y1; year++) {
		struct synth_rng r;

		money_rng(&r, c->t, c->h, STREAM_SCHOOL, year);
		for (int i = 0; i < c->h->nmembers; i++) {
			const struct synth_member *mb = &c->h->m[i];
			const char *school_name;
			char summary[120];
			int64_t day;

			if (mb->activity != ACT_PUPIL || mb->place < 0)
				continue;
			school_name = c->t->schools[mb->place].name;
			day = money_working_on_or_after(time_days_from_civil(year, 9, 9) +
							synth_rng_range(&r, 0, 10));
			if (day >= c->p0 && day <= c->p1) {
				snprintf(summary, sizeof(summary), "Réunion de rentrée (%s)",
					 mb->first_name);
				vevent(c,
				       &(struct vevent){"rentree", year * 10 + i, day, 18 * 60, 90,
							summary, school_name, "École", NULL, NULL});
			}
			day = money_working_on_or_after(time_days_from_civil(year + 1, 1, 13) +
							synth_rng_range(&r, 0, 14));
			if (day >= c->p0 && day <= c->p1) {
				snprintf(summary, sizeof(summary),
					 "Rencontre parents-professeurs (%s)", mb->first_name);
				vevent(c, &(struct vevent){
					      "profs", year * 10 + i, day,
					      17 * 60 + 15 * (int)synth_rng_below(&r, 8), 20,
					      summary, school_name, "École", NULL, NULL});
			}
			day = first_weekday_from(time_days_from_civil(year + 1, 6, 14), 5) +
			      7 * synth_rng_range(&r, 0, 1);
			if (mb->age < 11 && day >= c->p0 && day <= c->p1) {
				snprintf(summary, sizeof(summary), "Fête de l'école (%s)",
					 mb->first_name);
				vevent(c,
				       &(struct vevent){"fete", year * 10 + i, day, 10 * 60, 6 * 60,
							summary, school_name, "École", NULL, NULL});
			}
		}
	}
}

/* holidays - the household's holidays that start in the period, all-day
 * events up to the day of return */
static void holidays(struct ical *c)
{
	int64_t y0, y1;
	int m, d;

	time_civil_from_days(c->p0, &y0, &m, &d);
	time_civil_from_days(c->p1, &y1, &m, &d);
	for (int64_t year = y0; year <= y1; year++) {
		struct life_holiday hol[2];
		int n = life_holidays(c->t, c->h, year, hol);

		for (int i = 0; i < n; i++) {
			char summary[80];

			if (hol[i].first < c->p0 || hol[i].first > c->p1)
				continue;
			snprintf(summary, sizeof(summary), "Vacances (%s%s)",
				 hol[i].family ? "en famille, " : "", hol[i].where);
			vevent(c, &(struct vevent){"vacances", year * 2 + i, hol[i].first, -1,
						   (int)hol[i].days, summary, hol[i].where,
						   "Vacances", NULL, NULL});
		}
	}
}

/* civic - one household in twelve has an adult who sits on the
 * neighbourhood council: the first Tuesday of each month, 18:30 */
static void civic(struct ical *c)
{
	struct synth_rng r;
	char rrule[80], summary[120], where[120];
	int64_t first = -1;
	int count = 0;

	money_rng(&r, c->t, c->h, STREAM_SCHOOL, 0);
	if (synth_rng_below(&r, 12) != 0)
		return;
	for (int64_t mon = money_month_of(c->p0); mon <= money_month_of(c->p1); mon++) {
		int64_t day = first_weekday_from(money_month_first(mon), 1);

		if (day < c->p0 || day > c->p1)
			continue;
		if (first < 0)
			first = day;
		count++;
	}
	if (count == 0)
		return;
	snprintf(rrule, sizeof(rrule), "FREQ=MONTHLY;BYDAY=1TU;COUNT=%d", count);
	snprintf(summary, sizeof(summary), "Conseil de quartier %s",
		 c->t->districts[c->h->district].name);
	snprintf(where, sizeof(where), "Maison de quartier %s",
		 c->t->districts[c->h->district].name);
	vevent(c, &(struct vevent){"conseil", 0, first, 18 * 60 + 30, 90, summary, where,
				   "Citoyenneté", rrule, NULL});
}

static void calendar(struct ical *c)
{
	activities(c);
	civic(c);
	holidays(c);
	school(c);
	appointments(c);
}

enum cmn_rc synth_write_ical(const struct synth_territory *t, const struct synth_household *h,
			     FILE *out)
{
	struct ical c = {NULL, t, h, t->start_day, t->start_day + t->days - 1, 0};
	char buf[120];

	calendar(&c); /* counted first: an empty calendar is no file */
	if (c.events == 0)
		return CMN_ERR_NOT_FOUND;
	c.out = out;
	line(&c, "BEGIN:VCALENDAR");
	line(&c, "VERSION:2.0");
	line(&c, "PRODID:-//commune//synth//FR");
	line(&c, "CALSCALE:GREGORIAN");
	snprintf(buf, sizeof(buf), "X-WR-CALNAME:Famille %s (%s)", h->handle, t->name);
	line(&c, buf);
	line(&c, "X-WR-TIMEZONE:Europe/Paris");
	calendar(&c);
	line(&c, "END:VCALENDAR");
	return ferror(out) ? CMN_ERR_IO : CMN_OK;
}

/* ---- the food purchases ----------------------------------------------------------------- */

static void quantity(FILE *out, int64_t milli)
{
	int64_t frac = milli % 1000;
	int digits = 3;

	if (frac == 0) {
		fprintf(out, "%lld", (long long)(milli / 1000));
		return;
	}
	while (frac % 10 == 0) {
		frac /= 10;
		digits--;
	}
	fprintf(out, "%lld.%0*lld", (long long)(milli / 1000), digits, (long long)frac);
}

/* baskets_in_period - the number of shopping trips within the period */
static size_t baskets_in_period(const struct synth_territory *t, const struct synth_household *h,
				int64_t p0, int64_t p1)
{
	size_t n = 0;

	for (int64_t mon = money_month_of(p0); mon <= money_month_of(p1); mon++) {
		struct life_shopping s;

		life_shopping_month(t, h, mon, &s);
		for (int i = 0; i < s.n; i++)
			n += s.trip[i].day >= p0 && s.trip[i].day <= p1;
	}
	return n;
}

static void basket_rows(const struct synth_territory *t, const struct life_basket *b, FILE *out)
{
	int64_t y;
	int m, d;

	time_civil_from_days(b->day, &y, &m, &d);
	for (int k = 0; k < b->nitems; k++) {
		const char *name, *category, *unit;
		char eco;
		bool organic;

		life_product(t, b->items[k].product, b->shop, &name, &category, &unit, &eco,
			     &organic);
		fprintf(out, "%04lld-%02d-%02dT%02d:%02d:00;%s;%s%s;%s;", (long long)y, m, d,
			b->minute / 60, b->minute % 60, t->shops[b->shop].name, name,
			organic ? " bio" : "", category);
		quantity(out, b->items[k].qty_milli);
		fprintf(out, ";%s;%lld.%02lld;%c\n", unit, (long long)(b->items[k].cents / 100),
			(long long)(b->items[k].cents % 100), eco);
	}
}

enum cmn_rc synth_write_food(const struct synth_territory *t, const struct synth_household *h,
			     FILE *out)
{
	int64_t p0 = t->start_day, p1 = t->start_day + t->days - 1;
	struct life_basket b;

	if (baskets_in_period(t, h, p0, p1) == 0)
		return CMN_ERR_NOT_FOUND;
	fputs("#commune-mapping {\"separator\":\";\",\"decimal\":\".\","
	      "\"date_format\":\"%Y-%m-%dT%H:%M:%S\",\"tz\":\"Europe/Paris\","
	      "\"doctype\":\"food.purchase\",\"columns\":{\"date\":\"date\",\"store\":\"magasin\","
	      "\"product\":\"produit\",\"category\":\"rayon\",\"quantity\":\"quantite\","
	      "\"unit\":\"unite\",\"amount\":\"prix\",\"ecoscore\":\"ecoscore\"}}\n"
	      "date;magasin;produit;rayon;quantite;unite;prix;ecoscore\n",
	      out);
	for (int64_t mon = money_month_of(p0); mon <= money_month_of(p1); mon++) {
		struct life_shopping s;

		life_shopping_month(t, h, mon, &s);
		for (int i = 0; i < s.n; i++) {
			if (s.trip[i].day < p0 || s.trip[i].day > p1)
				continue;
			life_basket(t, h, s.trip[i].day, s.trip[i].shop, s.trip[i].minute,
				    s.trip[i].target, &b);
			basket_rows(t, &b, out);
		}
	}
	return ferror(out) ? CMN_ERR_IO : CMN_OK;
}
