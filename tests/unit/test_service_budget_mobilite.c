/*
 * test_service_budget_mobilite.c - Mon Budget Mobilité (apps/budget-mobilite)
 * run in a person's store on the trips of a household of the synthetic
 * territory over two and a half months (walk, bike, bus, tram, car, as
 * synth draws them day by day), plus trips made by hand for the other
 * modes and the edges (train in both emission bands, carpool, motorbike,
 * metro, plane, e-bike, a trip without a distance, a month alone, a month
 * whose short car trips were replaced on foot). Every value the app writes
 * is checked against the same figure recomputed here: the month from the
 * local day synth drew the trip on (or as written for the hand-made ones),
 * the factors from ADEME's raw parts, the costs from the fiscal scale and
 * fares as the docs cite them, not read from the datasets.
 */
#include "service_support.h"

#include "core/tz.h"
#include "synth/synth.h"

#define YEAR0   2024
#define NMONTHS 12
#define DOCTYPE "mobility.budget.monthly"
#define APP_ID  "budget-mobilite"
#define MAXCARS 4000

enum mode {
	WALK,
	BIKE,
	EBIKE,
	SCOOTER,
	BUS,
	TRAM,
	METRO,
	TRAIN,
	CAR,
	CARPOOL,
	MOTORBIKE,
	PLANE,
	OTHER,
	NMODES
};

static const char *const mode_names[NMODES + 1] = {
    "walk",  "bike", "ebike",   "scooter",   "bus",   "tram",  "metro",
    "train", "car",  "carpool", "motorbike", "plane", "other", "all"};

/* ---- ADEME's factors and the costs, as the docs cite them -------------------------- */

/* kg CO2e per passenger-km from the parts of ADEME's Impact CO2 entries */
static double factor(enum mode m, double km)
{
	static const double car = 0.0256 + 0.192;

	switch (m) {
	case WALK:
	case BIKE: return 0;
	case EBIKE: return 0.00872 + 0.00223;
	case SCOOTER: return 0.0229 + 0.002;
	case BUS: return 0.00892 + 0.1135;
	case TRAM: return 0.00048 + 0.0038;
	case METRO: return 0.00024 + 0.0042;
	case TRAIN: return km <= 150 ? 0.00479 + 0.0229 : 0.00063 + 0.0023;
	case CAR: return car;
	case CARPOOL: return car / 2;
	case MOTORBIKE: return 0.0292 + 0.1875;
	case PLANE:
		return km <= 1000   ? 0.000372 + 0.1232 + 0.101
		       : km <= 2000 ? 0.000361 + 0.1013 + 0.083
				    : 0.000294 + 0.0915 + 0.075;
	default: return 0;
	}
}

/* barème kilométrique (order of 27 March 2023): a year's cost of d km */
static double car_5cv(double d)
{
	return d <= 5000 ? 0.636 * d : d <= 20000 ? 0.357 * d + 1395 : 0.427 * d;
}

static double moto_3_5cv(double d)
{
	return d <= 3000 ? 0.468 * d : d <= 6000 ? 0.082 * d + 1158 : 0.275 * d;
}

#define TICKET   2.00   /* TCL, a ticket of a book of ten, 2025 */
#define PASS     74.10  /* TCL, monthly pass 26-64, 2025 */
#define TRAIN_KM 0.0715 /* Arafer: 6.5 c€ excluding VAT a km, plus 10 % */

/* ---- what the app should write --------------------------------------------------- */

struct tally {
	long long trips, no_distance, metres, unpriced, shorts;
	double kg, eur;
};

struct expect {
	bool any[NMONTHS];
	struct tally t[NMONTHS][NMODES];
	long long cars[NMONTHS][MAXCARS / NMONTHS]; /* metres of each car trip */
	int ncars[NMONTHS];
	long long trips;
	int nmonths;
};

static void expect_add(struct expect *e, int mi, enum mode m, long long metres)
{
	struct tally *t = &e->t[mi][m];

	assert_true(mi >= 0 && mi < NMONTHS);
	e->any[mi] = true;
	e->trips++;
	t->trips++;
	if (metres < 0) {
		t->no_distance++;
		return;
	}
	t->metres += metres;
	t->kg += (double)metres / 1000 * factor(m, (double)metres / 1000);
	t->shorts += metres < 3000;
	if (m == CAR) {
		assert_true(e->ncars[mi] < MAXCARS / NMONTHS);
		e->cars[mi][e->ncars[mi]++] = metres;
	}
}

/* a year of a mode's km (the mean of the months with trips, times 12)
 * and its cost per km; 0 without km */
static double rate(const struct expect *e, enum mode m, double (*scale)(double))
{
	long long metres = 0;
	int months = 0;
	double year;

	for (int mi = 0; mi < NMONTHS; mi++) {
		months += e->any[mi];
		metres += e->t[mi][m].metres;
	}
	if (!metres)
		return 0;
	year = (double)metres / 1000 * 12 / months;
	return scale(year) / year;
}

/* price - each mode's euros and unpriced metres, month by month */
static void price(struct expect *e, double *car_rate)
{
	double car = rate(e, CAR, car_5cv), moto = rate(e, MOTORBIKE, moto_3_5cv);

	*car_rate = car;
	for (int mi = 0; mi < NMONTHS; mi++) {
		struct tally *t = e->t[mi];
		long long transit = t[BUS].trips + t[TRAM].trips + t[METRO].trips;
		double transit_eur = fmin(TICKET * (double)transit, PASS);

		for (int m = 0; m < NMODES; m++) {
			double km = (double)t[m].metres / 1000;

			t[m].unpriced = 0;
			switch (m) {
			case WALK:
			case BIKE: t[m].eur = 0; break;
			case BUS:
			case TRAM:
			case METRO:
				t[m].eur = transit
					       ? transit_eur * (double)t[m].trips / (double)transit
					       : 0;
				break;
			case TRAIN: t[m].eur = km * TRAIN_KM; break;
			case CAR: t[m].eur = km * car; break;
			case CARPOOL: t[m].eur = km * car / 2; break; /* the person has a car */
			case MOTORBIKE: t[m].eur = km * moto; break;
			default: /* e-bike, scooter, plane, other */
				t[m].eur = 0;
				t[m].unpriced = t[m].metres;
			}
		}
	}
}

/* ---- the data --------------------------------------------------------------------- */

static void insert_trip(struct fixture *f, const char *start, int64_t t, enum mode mode,
			long long metres)
{
	struct record_meta m = {0};
	char end[TIME_RFC3339_LEN];
	json_t *data;
	char *text;

	time_format(end, t + 20 * 60000);
	data = json_pack("{s:s, s:s, s:s}", "start", start, "end", end, "mode", mode_names[mode]);
	if (metres >= 0)
		json_object_set_new(data, "distance_m", json_integer(metres));
	text = json_dumps(data, JSON_COMPACT);
	crypt_uuid7_new(m.id);
	snprintf(m.doctype, sizeof(m.doctype), "mobility.trip");
	snprintf(m.source, sizeof(m.source), "api");
	m.t = t;
	assert_int_equal(pstore_record_insert(f->ps, &m, text, NULL), CMN_OK);
	free(text);
	json_decref(data);
}

/* synth_trips - the trips of the first household of the territory that
 * travels by car, day by day from 1 January 2024 for 75 days; each in the
 * month of the local day synth drew it on */
static void synth_trips(struct fixture *f, struct expect *e)
{
	static const enum mode modes[] = {WALK, BIKE, BUS, TRAM, CAR}; /* synth's order */
	struct synth_territory *t = calloc(1, sizeof(*t));
	struct synth_household h;
	long long cars = 0;

	assert_non_null(t);
	assert_int_equal(synth_territory_init(t, 5, time_days_from_civil(2024, 1, 1), 75), CMN_OK);
	for (uint64_t i = 0; i < 60 && cars == 0; i++) {
		synth_household(t, i, &h);
		for (int d = 0; d < 7; d++) {
			struct synth_trip trips[SYNTH_TRIPS_DAY];
			size_t n = synth_trips_day(t, &h, d, trips);

			for (size_t k = 0; k < n; k++)
				cars += trips[k].mode == MODE_CAR;
		}
	}
	assert_true(cars > 0);
	assert_int_equal(pstore_tx_begin(f->ps), CMN_OK);
	for (int d = 0; d < t->days; d++) {
		struct synth_trip trips[SYNTH_TRIPS_DAY];
		size_t n = synth_trips_day(t, &h, d, trips);
		int64_t y;
		int m, dd;

		time_civil_from_days(t->start_day + d, &y, &m, &dd);
		for (size_t k = 0; k < n && k < SYNTH_TRIPS_DAY; k++) {
			char start[TIME_RFC3339_LEN];

			time_format(start, trips[k].start_ms);
			insert_trip(f, start, trips[k].start_ms, modes[trips[k].mode],
				    trips[k].distance_m);
			expect_add(e, (int)(y - YEAR0) * 12 + m - 1, modes[trips[k].mode],
				   trips[k].distance_m);
		}
	}
	assert_int_equal(pstore_tx_end(f->ps, CMN_OK), CMN_OK);
	/* the household walks, cycles, takes the bus or tram and drives */
	for (int m = WALK; m <= CAR; m++) {
		long long k = 0;

		for (int mi = 0; mi < NMONTHS; mi++)
			k += e->t[mi][m].trips;
		assert_true(k > 0 || m == EBIKE || m == SCOOTER || m == METRO || m == TRAIN ||
			    m == TRAM);
	}
	free(t);
}

/* trips made by hand, each with the month it falls in, in Paris */
struct made {
	const char *start;
	int y, m;
	enum mode mode;
	long long metres; /* -1: none */
};

static const struct made edge[] = {
    {"2024-01-31T23:30:00Z", 2024, 2, TRAIN, 40000},       /* 00:30 on 1 February */
    {"2024-02-03T08:00:00+01:00", 2024, 2, TRAIN, 200000}, /* TGV's emissions band */
    {"2024-02-04T08:00:00+01:00", 2024, 2, CARPOOL, 12000},
    {"2024-02-05T08:00:00+01:00", 2024, 2, MOTORBIKE, 15000},
    {"2024-02-06T08:00:00+01:00", 2024, 2, METRO, 3000},
    {"2024-02-07T08:00:00+01:00", 2024, 2, PLANE, 800000},
    {"2024-02-08T08:00:00+01:00", 2024, 2, EBIKE, 5000},
    {"2024-02-09T08:00:00+01:00", 2024, 2, CAR, -1},
    {"2024-03-10T08:00:00+01:00", 2024, 3, CAR, 30000}, /* train's option */
    /* May alone: two short car trips; June: none, three on foot or by bike */
    {"2024-05-02T08:00:00+02:00", 2024, 5, CAR, 1500},
    {"2024-05-03T08:00:00+02:00", 2024, 5, CAR, 2999},
    {"2024-05-04T08:00:00+02:00", 2024, 5, CAR, 3000}, /* not short */
    {"2024-06-02T08:00:00+02:00", 2024, 6, WALK, 1200},
    {"2024-06-03T08:00:00+02:00", 2024, 6, BIKE, 2500},
    {"2024-06-04T08:00:00+02:00", 2024, 6, WALK, 800},
    {"2024-06-05T08:00:00+02:00", 2024, 6, CAR, 3000},
    {"2024-06-30T22:30:00Z", 2024, 7, OTHER, 4000}, /* 00:30 on 1 July */
};

/* ---- the check ------------------------------------------------------------------- */

static void check_tally(const json_t *d, const struct tally *t, const char *where)
{
	svc_same_int(d, "trips", t->trips, where);
	svc_same_int(d, "trips_no_distance", t->no_distance, where);
	svc_same_number(d, "km", (double)t->metres / 1000, where);
	svc_same_number(d, "km_unpriced", (double)t->unpriced / 1000, where);
	svc_same_number(d, "eur", t->eur, where);
	svc_same_number(d, "kg_co2e", t->kg, where);
}

/* the month's car trips by each option: walk up to 2 km, bike up to 8, bus
 * up to 25 (a ticket each), train beyond */
static void check_options(const struct expect *e, int mi, double car_rate, const json_t *d,
			  const char *where)
{
	static const struct {
		enum mode mode;
		double min_km, max_km; /* (min, max] */
	} opts[] = {{WALK, -1, 2}, {BIKE, -1, 8}, {BUS, -1, 25}, {TRAIN, 25, 1e18}};
	const json_t *got = json_object_get(d, "options");
	size_t n = 0;

	if (e->ncars[mi] == 0) {
		svc_absent(d, "options", where);
		return;
	}
	if (!json_is_array(got))
		fail_msg("%s: no options", where);
	for (size_t o = 0; o < 4; o++) {
		long long trips = 0;
		double km = 0, eur = 0, kg = 0, car_eur = 0, car_kg = 0;
		const json_t *r;
		char what[96];

		for (int i = 0; i < e->ncars[mi]; i++) {
			double k = (double)e->cars[mi][i] / 1000;

			if (!(k > opts[o].min_km && k <= opts[o].max_km))
				continue;
			trips++;
			km += k;
			kg += k * factor(opts[o].mode, k);
			car_kg += k * factor(CAR, k);
			car_eur += k * car_rate;
			eur += opts[o].mode == TRAIN ? k * TRAIN_KM
			       : opts[o].mode == BUS ? TICKET
						     : 0;
		}
		if (!trips)
			continue;
		snprintf(what, sizeof(what), "%s option %s", where, mode_names[opts[o].mode]);
		r = json_array_get(got, n++);
		svc_same_text(r, "mode", mode_names[opts[o].mode], what);
		svc_same_int(r, "trips", trips, what);
		svc_same_number(r, "km", km, what);
		svc_same_number(r, "eur", eur, what);
		svc_same_number(r, "kg_co2e", kg, what);
		svc_same_number(r, "car_eur", car_eur, what);
		svc_same_number(r, "car_kg_co2e", car_kg, what);
	}
	assert_int_equal(json_array_size(got), n);
}

/* challenges: a short car trip fewer than the month before, made on foot
 * or by bike, 10 points; a whole km on foot, by bike or e-bike, 1; a trip
 * by bus, tram, metro or train, 2 */
static long long check_challenges(const struct expect *e, int mi, const json_t *d,
				  const char *where)
{
	const struct tally *t = e->t[mi];
	long long replaced = 0, active_km, transit, points;
	const json_t *c = json_object_get(d, "challenges");
	struct {
		const char *name;
		long long count, points;
	} want[3];

	if (mi > 0 && e->any[mi - 1]) {
		long long fewer = e->t[mi - 1][CAR].shorts - t[CAR].shorts;
		long long active = t[WALK].shorts + t[BIKE].shorts;

		replaced = fewer < 0 ? 0 : fewer < active ? fewer : active;
	}
	active_km = (t[WALK].metres + t[BIKE].metres + t[EBIKE].metres) / 1000;
	transit = t[BUS].trips + t[TRAM].trips + t[METRO].trips + t[TRAIN].trips;
	want[0].name = "short_trips_replaced";
	want[0].count = replaced;
	want[0].points = replaced * 10;
	want[1].name = "active_km";
	want[1].count = active_km;
	want[1].points = active_km;
	want[2].name = "transit_trips";
	want[2].count = transit;
	want[2].points = transit * 2;
	assert_int_equal(json_array_size(c), 3);
	points = 0;
	for (size_t i = 0; i < 3; i++) {
		const json_t *x = json_array_get(c, i);

		svc_same_text(x, "name", want[i].name, where);
		svc_same_int(x, "count", want[i].count, where);
		svc_same_int(x, "points", want[i].points, where);
		points += want[i].points;
	}
	svc_same_int(d, "points", points, where);
	return replaced;
}

static size_t check(struct fixture *f, struct expect *e, long long *replaced)
{
	struct svc_outs *o = calloc(1, sizeof(*o));
	size_t expected = 0, n;
	double car_rate;

	assert_non_null(o);
	price(e, &car_rate);
	svc_outs_load(f, DOCTYPE, o);
	*replaced = 0;
	for (int mi = 0; mi < NMONTHS; mi++) {
		char month[32], start[40], where[80];
		struct tally all = {0};
		const json_t *d;

		if (!e->any[mi])
			continue;
		snprintf(month, sizeof(month), "%04d-%02d", YEAR0 + mi / 12, mi % 12 + 1);
		snprintf(start, sizeof(start), "%s-01", month);
		for (int m = 0; m < NMODES; m++) {
			const struct tally *t = &e->t[mi][m];

			if (!t->trips)
				continue;
			snprintf(where, sizeof(where), "%s %s", month, mode_names[m]);
			d = svc_find(o, "month", month, "mode", mode_names[m]);
			svc_same_text(d, "start", start, where);
			check_tally(d, t, where);
			svc_absent(d, "options", where);
			svc_absent(d, "points", where);
			all.trips += t->trips;
			all.no_distance += t->no_distance;
			all.metres += t->metres;
			all.unpriced += t->unpriced;
			all.eur += t->eur;
			all.kg += t->kg;
			expected++;
		}
		snprintf(where, sizeof(where), "%s all", month);
		d = svc_find(o, "month", month, "mode", "all");
		svc_same_text(d, "start", start, where);
		check_tally(d, &all, where);
		check_options(e, mi, car_rate, d, where);
		*replaced += check_challenges(e, mi, d, where);
		expected++;
	}
	svc_all_seen(o, APP_ID);
	assert_int_equal(o->n, expected);
	n = o->n;
	svc_outs_release(o);
	free(o);
	return n;
}

static void budget_mobilite(void **state)
{
	struct fixture *f = *state;
	struct expect *e = calloc(1, sizeof(*e));
	struct app_package p = {0};
	struct app_run r;
	long long replaced;
	size_t n;

	assert_non_null(e);
	synth_trips(f, e);
	for (size_t i = 0; i < sizeof(edge) / sizeof(*edge); i++) {
		insert_trip(f, edge[i].start, check_time(edge[i].start), edge[i].mode,
			    edge[i].metres);
		expect_add(e, (edge[i].y - YEAR0) * 12 + edge[i].m - 1, edge[i].mode,
			   edge[i].metres);
	}
	svc_pack(f, APP_ID, &p);

	svc_run(f, &p, NULL, &r);
	n = check(f, e, &replaced);
	assert_true(replaced >= 2); /* June's two, at least */
	assert_int_equal(r.records_written, (int64_t)n);
	assert_int_equal(r.records_read, e->trips);
	assert_int_equal(json_integer_value(json_object_get(r.result, "trips")), e->trips);
	assert_int_equal(json_integer_value(json_object_get(r.result, "car_cv")), 5);
	print_message("budget-mobilite: %lld trips, %zu records, %.3f ms, %llu instructions\n",
		      e->trips, n, (double)r.elapsed_us / 1000, (unsigned long long)r.instructions);
	app_run_release(&r);

	/* a second run replaces the first's records */
	svc_run(f, &p, NULL, &r);
	assert_int_equal(r.records_replaced, (int64_t)n);
	assert_int_equal(check(f, e, &replaced), n);
	app_run_release(&r);

	app_package_release(&p);
	free(e);
}

/* ---- the dataset against its sources -------------------------------------------- */

static void dataset_is_sourced(void **state)
{
	json_t *ds = svc_dataset("mobility.costs");
	const json_t *car =
	    json_object_get(json_object_get(json_object_get(ds, "car"), "scales"), "5");
	const json_t *moto = json_object_get(json_object_get(ds, "motorbike"), "scale");
	static const double km[] = {1000, 5000, 5001, 12000, 20000, 20001, 40000};

	(void)state;
	/* the scales give the order's yearly cost at each band's edges */
	for (size_t i = 0; i < sizeof(km) / sizeof(*km); i++) {
		double d = km[i], got_car = 0, got_moto = 0;
		size_t j;
		const json_t *b;

		json_array_foreach(car, j, b) if (!json_object_get(b, "max_km") ||
						  d <= svc_number(b, "max_km", "car"))
		{
			got_car = svc_number(b, "a", "car") * d + svc_number(b, "b", "car");
			break;
		}
		json_array_foreach(moto, j, b) if (!json_object_get(b, "max_km") ||
						   d <= svc_number(b, "max_km", "moto"))
		{
			got_moto = svc_number(b, "a", "moto") * d + svc_number(b, "b", "moto");
			break;
		}
		svc_near(got_car, car_5cv(d), "car 5 CV", "mobility.costs");
		svc_near(got_moto, moto_3_5cv(d), "motorbike", "mobility.costs");
	}
	svc_same_number(json_object_get(ds, "transit"), "ticket_eur", TICKET, "transit");
	svc_same_number(json_object_get(ds, "transit"), "pass_month_eur", PASS, "transit");
	svc_same_number(json_object_get(ds, "train"), "eur_per_km", TRAIN_KM, "train");
	svc_same_number(json_object_get(ds, "carpool"), "share", 0.5, "carpool");
	json_decref(ds);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(dataset_is_sourced),
	    cmocka_unit_test_setup_teardown(budget_mobilite, check_setup, check_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
