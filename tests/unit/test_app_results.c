/*
 * test_app_results.c - the two apps shipped with commune, run on synthetic
 * data in a person's store, each value they write checked against the
 * same figure recomputed here by other means:
 *
 *  - Coach CO2 (apps/coach-co2) on fourteen months of trips: the month of
 *    a trip is known from how it was made (a local day, or a date-time
 *    written with its offset), the factors are ADEME's raw parts added up
 *    here, not read from opendata/ademe.transport.json;
 *  - My Smart Home (apps/smart-home) on thirteen months of a 30-minute
 *    load curve (with a missing day, a day with a hole and both DST days)
 *    and of daily gas: days, hours and complete days from the zone
 *    helpers point by point, not from the series' buckets;
 *  - a second run replaces the records of the first (none left, none
 *    twice), and sees data added in between;
 *  - opendata/ademe.transport.json against the ADEME file it is derived
 *    from (the fixture), mode by mode.
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
#include "campaign/campaign.h"
#include "checks.h"
#include "core/embedded.h"
#include "core/timeutil.h"
#include "core/tz.h"
#include "fixture.h"
#include "series/series.h"
#include "service_support.h"

#define HOUR_MS 3600000LL
#define DAY_MS  (24 * HOUR_MS)
#define STEP_MS 1800000LL /* the load curve's */
#define OUT_MAX 600       /* records an app may write here */
#define YEAR0   2020      /* months are counted from January of it */
#define NMONTHS 72

/* ---- running an app ----------------------------------------------------------- */

/* The records of a doctype, as read back from the store. */
struct out {
	char id[RECORD_ID_LEN];
	char source[SOURCE_MAX + 1];
	json_t *data;
	bool seen; /* matched with an expected record */
};

struct outs {
	struct out v[OUT_MAX];
	size_t n;
};

static enum cmn_rc keep_out(const struct record_meta *m, const char *data,
			    const struct query_value *key, void *pv)
{
	struct outs *o = pv;
	struct out *x;

	(void)key;
	assert_true(o->n < OUT_MAX);
	x = &o->v[o->n++];
	snprintf(x->id, sizeof(x->id), "%s", m->id);
	snprintf(x->source, sizeof(x->source), "%s", m->source);
	x->data = json_loads(data, 0, NULL);
	x->seen = false;
	assert_non_null(x->data);
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
		json_decref(o->v[i].data);
	o->n = 0;
}

/* the record of o for a month and a value of field key2 (mode, energy);
 * it must be there once only */
static struct out *out_find(struct outs *o, const char *month, const char *key2, const char *value2)
{
	struct out *found = NULL;

	for (size_t i = 0; i < o->n; i++) {
		const json_t *d = o->v[i].data;

		if (strcmp(json_string_value(json_object_get(d, "month")), month) != 0 ||
		    strcmp(json_string_value(json_object_get(d, key2)), value2) != 0)
			continue;
		if (found)
			fail_msg("%s %s written twice", month, value2);
		found = &o->v[i];
	}
	if (!found)
		fail_msg("no record for %s %s", month, value2);
	found->seen = true;
	return found;
}

static void all_seen(const struct outs *o)
{
	for (size_t i = 0; i < o->n; i++)
		if (!o->v[i].seen)
			fail_msg("an unexpected record: %s",
				 json_string_value(json_object_get(o->v[i].data, "month")));
}

/* ---- comparing ---------------------------------------------------------------- */

static void near(double got, double want, const char *what, const char *where)
{
	double tol = 1e-6 * fabs(want) + 1e-12;

	if (!(fabs(got - want) <= tol))
		fail_msg("%s %s: %.12g written, %.12g recomputed", where, what, got, want);
}

static double number(const json_t *d, const char *key, const char *where)
{
	const json_t *v = json_object_get(d, key);

	if (!json_is_number(v))
		fail_msg("%s: %s missing or not a number", where, key);
	return json_number_value(v);
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

static void same_number(const json_t *d, const char *key, double want, const char *where)
{
	near(number(d, key, where), want, key, where);
}

static void absent(const json_t *d, const char *key, const char *where)
{
	if (json_object_get(d, key))
		fail_msg("%s: %s written, none expected", where, key);
}

#define MONTH_TEXT 24 /* room for "YYYY-MM" of any int */

static void month_name(int mi, char out[MONTH_TEXT])
{
	snprintf(out, MONTH_TEXT, "%04d-%02d", YEAR0 + mi / 12, mi % 12 + 1);
}

static int month_index(int64_t y, int m)
{
	int mi = (int)(y - YEAR0) * 12 + m - 1;

	assert_true(mi >= 0 && mi < NMONTHS);
	return mi;
}

/* the start member of a month's record */
static void check_start(const json_t *d, int mi, const char *where)
{
	char want[MONTH_TEXT + 4];

	snprintf(want, sizeof(want), "%04d-%02d-01", YEAR0 + mi / 12, mi % 12 + 1);
	if (strcmp(json_string_value(json_object_get(d, "start")), want) != 0)
		fail_msg("%s: start %s", where, json_string_value(json_object_get(d, "start")));
}

/* ---- Coach CO2 ------------------------------------------------------------------ */

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

/* factor - kg CO2e per passenger-km of a trip, from the parts of ADEME's
 * Impact CO2 entries (ecv 5 construction + 6 fuel + 7 contrails) as the
 * upstream file gives them; false when the mode has none. */
static bool factor(enum mode m, double km, double *kg_per_km)
{
	static const double car = 0.0256 + 0.192; /* Voiture, moteur thermique (4) */

	switch (m) {
	case WALK:
	case BIKE: *kg_per_km = 0; break; /* Vélo ou marche (7) */
	case EBIKE: *kg_per_km = 0.00872 + 0.00223; break;
	case SCOOTER: *kg_per_km = 0.0229 + 0.002; break; /* trottinette électrique (17) */
	case BUS: *kg_per_km = 0.00892 + 0.1135; break;   /* bus thermique (9) */
	case TRAM: *kg_per_km = 0.00048 + 0.0038; break;
	case METRO: *kg_per_km = 0.00024 + 0.0042; break;
	case TRAIN: /* TER up to 150 km, TGV beyond */
		*kg_per_km = km <= 150 ? 0.00479 + 0.0229 : 0.00063 + 0.0023;
		break;
	case CAR: *kg_per_km = car; break;         /* one occupant */
	case CARPOOL: *kg_per_km = car / 2; break; /* two occupants */
	case MOTORBIKE: *kg_per_km = 0.0292 + 0.1875; break;
	case PLANE: /* short haul up to 1000 km, medium up to 2000, long beyond */
		*kg_per_km = km <= 1000   ? 0.000372 + 0.1232 + 0.101
			     : km <= 2000 ? 0.000361 + 0.1013 + 0.083
					  : 0.000294 + 0.0915 + 0.075;
		break;
	default: return false;
	}
	return true;
}

struct tally {
	long long trips, no_distance, metres, metres_unrated;
	double kg;
};

struct coach {
	bool any[NMONTHS];
	bool used[NMONTHS][NMODES + 1];
	struct tally t[NMONTHS][NMODES + 1];
	long long trips;
};

/* One trip as made: its local month is known from how it was made. */
struct trip_made {
	const char *start; /* with its offset */
	int y, m;          /* the month of start in Paris */
	enum mode mode;
	long long metres; /* -1: no distance */
};

/* trips at month edges, DST edges and distance bands, each with the month
 * it falls in, in Europe/Paris */
static const struct trip_made edge_trips[] = {
    {"2023-03-31T23:30:00+02:00", 2023, 3, CAR, 12000},
    {"2023-04-30T22:30:00Z", 2023, 5, BUS, 8000},       /* 00:30 on 1 May in Paris */
    {"2023-03-26T02:30:00+01:00", 2023, 3, TRAM, 2500}, /* 03:30 CEST: just after the change */
    {"2023-10-29T00:30:00Z", 2023, 10, METRO, 3100},    /* 02:30 CEST, before the change */
    {"2023-10-29T01:30:00Z", 2023, 10, METRO, 3100},    /* 02:30 CET, after it */
    {"2023-12-31T23:59:00+01:00", 2023, 12, CARPOOL, 30000},
    {"2024-01-31T23:30:00Z", 2024, 2, METRO, 4000},        /* 00:30 on 1 February */
    {"2023-05-12T08:00:00+02:00", 2023, 5, TRAIN, 150000}, /* TER: 150 km is its last */
    {"2023-05-12T18:00:00+02:00", 2023, 5, TRAIN, 150001}, /* TGV */
    {"2023-01-14T09:00:00+01:00", 2023, 1, PLANE, 800000},
    {"2023-07-02T10:00:00+02:00", 2023, 7, PLANE, 1000000}, /* short haul's last km */
    {"2023-07-20T10:00:00+02:00", 2023, 7, PLANE, 1500000},
    {"2023-09-05T10:00:00+02:00", 2023, 9, PLANE, 2000001},
    {"2024-02-10T07:00:00+01:00", 2024, 2, PLANE, 9500000},
    {"2024-02-11T07:00:00+01:00", 2024, 2, PLANE, -1},
    {"2023-11-03T12:00:00+01:00", 2023, 11, OTHER, 17000},
    {"2023-11-04T12:00:00+01:00", 2023, 11, WALK, 0},
    {"2024-01-20T12:00:00+01:00", 2024, 1, CAR, 40000000}, /* the doctype's largest */
};

static void coach_add(struct coach *c, int mi, enum mode mode, long long metres)
{
	struct tally *row[2] = {&c->t[mi][mode], &c->t[mi][NMODES]};
	double f = 0, km = (double)metres / 1000;
	bool rated = metres >= 0 && factor(mode, km, &f);

	c->any[mi] = c->used[mi][mode] = c->used[mi][NMODES] = true;
	c->trips++;
	for (int i = 0; i < 2; i++) {
		row[i]->trips++;
		if (metres < 0) {
			row[i]->no_distance++;
			continue;
		}
		row[i]->metres += metres;
		if (rated)
			row[i]->kg += km * f;
		else
			row[i]->metres_unrated += metres;
	}
}

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

/* trips - three a day from 1 January 2023 to 29 February 2024 (none in
 * February 2023, so that February 2024 has no year before), at local
 * times, modes in turn (no plane: those are edge trips), distances from a
 * hash, one in 23 without a distance; then the edge trips */
static void trips(struct fixture *f, const struct tz *paris, struct coach *c)
{
	static const int64_t at[3] = {7 * HOUR_MS + 40 * 60000, 12 * HOUR_MS + 15 * 60000,
				      18 * HOUR_MS + 50 * 60000};
	int64_t d0 = time_days_from_civil(2023, 1, 1), d1 = time_days_from_civil(2024, 3, 1);
	long long n = 0;

	assert_int_equal(pstore_tx_begin(f->ps), CMN_OK);
	for (int64_t day = d0; day < d1; day++) {
		int64_t y;
		int m, d;

		time_civil_from_days(day, &y, &m, &d);
		if (y == 2023 && m == 2)
			continue;
		for (int j = 0; j < 3; j++, n++) {
			uint64_t h = (uint64_t)(day * 3 + j) * 2654435761u;
			enum mode mode = (enum mode)((day * 5 + j * 7) % NMODES);
			long long metres = 300 + (long long)(h % 25000);
			int64_t t = tz_from_local(paris, day, at[j]);
			char start[TIME_RFC3339_LEN];

			if (mode == PLANE)
				mode = TRAIN;
			if (mode == TRAIN)
				metres = 5000 + (long long)(h % 400000);
			if (n % 23 == 0)
				metres = -1;
			time_format(start, t);
			insert_trip(f, start, t, mode, metres);
			coach_add(c, month_index(y, m), mode, metres);
		}
	}
	for (size_t i = 0; i < sizeof(edge_trips) / sizeof(*edge_trips); i++) {
		const struct trip_made *e = &edge_trips[i];

		insert_trip(f, e->start, check_time(e->start), e->mode, e->metres);
		coach_add(c, month_index(e->y, e->m), e->mode, e->metres);
	}
	assert_int_equal(pstore_tx_end(f->ps, CMN_OK), CMN_OK);
}

/* coach_check - every record is one expected, with the values recomputed */
static void coach_check(struct fixture *f, const struct coach *c, size_t *count)
{
	struct outs *o = calloc(1, sizeof(*o));
	size_t expected = 0;

	assert_non_null(o);
	outs_load(f, "footprint.co2.monthly", o);
	for (int mi = 0; mi < NMONTHS; mi++) {
		char month[MONTH_TEXT];
		bool before = mi >= 12 && c->any[mi - 12];

		if (!c->any[mi])
			continue;
		month_name(mi, month);
		for (int k = 0; k <= NMODES; k++) {
			const struct tally *t = &c->t[mi][k];
			const struct tally *b = before ? &c->t[mi - 12][k] : NULL;
			char where[64];
			const json_t *d;

			if (!c->used[mi][k])
				continue;
			snprintf(where, sizeof(where), "%s %s", month, mode_names[k]);
			d = out_find(o, month, "mode", mode_names[k])->data;
			check_start(d, mi, where);
			same_int(d, "trips", t->trips, where);
			same_int(d, "trips_no_distance", t->no_distance, where);
			same_number(d, "km", (double)t->metres / 1000, where);
			same_number(d, "km_unrated", (double)t->metres_unrated / 1000, where);
			same_number(d, "kg_co2e", t->kg, where);
			if (b) {
				same_number(d, "km_last_year", (double)b->metres / 1000, where);
				same_number(d, "kg_co2e_last_year", b->kg, where);
			} else {
				absent(d, "km_last_year", where);
				absent(d, "kg_co2e_last_year", where);
			}
			expected++;
		}
	}
	all_seen(o);
	assert_int_equal(o->n, expected);
	for (size_t i = 0; i < o->n; i++)
		assert_string_equal(o->v[i].source, "app:coach-co2");
	*count = o->n;
	outs_release(o);
	free(o);
}

/* the ids of a doctype's records */
static size_t ids_of(struct fixture *f, const char *doctype, char (*ids)[RECORD_ID_LEN])
{
	struct outs *o = calloc(1, sizeof(*o));
	size_t n;

	assert_non_null(o);
	outs_load(f, doctype, o);
	for (size_t i = 0; i < o->n; i++)
		snprintf(ids[i], RECORD_ID_LEN, "%s", o->v[i].id);
	n = o->n;
	outs_release(o);
	free(o);
	return n;
}

/* none of the ids of a second run was one of the first */
static void all_new(char (*first)[RECORD_ID_LEN], size_t n1, char (*second)[RECORD_ID_LEN],
		    size_t n2)
{
	for (size_t i = 0; i < n2; i++)
		for (size_t j = 0; j < n1; j++)
			if (strcmp(second[i], first[j]) == 0)
				fail_msg("a record of the first run is still there: %s", first[j]);
}

static void coach_co2(void **state)
{
	struct fixture *f = *state;
	struct coach *c = calloc(1, sizeof(*c));
	char(*ids1)[RECORD_ID_LEN] = calloc(OUT_MAX, RECORD_ID_LEN);
	char(*ids2)[RECORD_ID_LEN] = calloc(OUT_MAX, RECORD_ID_LEN);
	struct app_package p = {0};
	struct app_run r;
	struct tz *paris = NULL;
	size_t n1, n2, count;
	const char *extra = "2023-02-20T09:00:00+01:00";

	assert_non_null(c);
	assert_non_null(ids1);
	assert_non_null(ids2);
	assert_int_equal(tz_load("Europe/Paris", &paris), CMN_OK);
	trips(f, paris, c);
	svc_pack(f, "coach-co2", &p);

	svc_run(f, &p, NULL, &r);
	coach_check(f, c, &count);
	assert_int_equal(r.records_written, (int64_t)count);
	assert_int_equal(r.records_replaced, 0);
	assert_int_equal(r.records_read, c->trips);
	assert_int_equal(json_integer_value(json_object_get(r.result, "trips")), c->trips);
	assert_int_equal(json_integer_value(json_object_get(r.result, "records")),
			 (json_int_t)count);
	print_message("coach-co2: %lld trips, %zu records, %.3f ms, %llu instructions\n", c->trips,
		      count, (double)r.elapsed_us / 1000, (unsigned long long)r.instructions);
	app_run_release(&r);
	n1 = ids_of(f, "footprint.co2.monthly", ids1);

	/* a trip in February 2023, which had none, then a second run: it
	 * replaces the first's records, and February 2024 now has a year before */
	insert_trip(f, extra, check_time(extra), CARPOOL, 2500000);
	coach_add(c, month_index(2023, 2), CARPOOL, 2500000);
	svc_run(f, &p, NULL, &r);
	coach_check(f, c, &count);
	assert_int_equal(r.records_replaced, (int64_t)n1);
	assert_int_equal(r.records_written, (int64_t)count);
	app_run_release(&r);
	n2 = ids_of(f, "footprint.co2.monthly", ids2);
	assert_int_equal(n2, n1 + 2); /* February 2023: carpool and all */
	all_new(ids1, n1, ids2, n2);

	app_package_release(&p);
	tz_free(&paris);
	free(ids1);
	free(ids2);
	free(c);
}

/* ---- My Smart Home -------------------------------------------------------------- */

/* What one energy's month should say. */
struct emonth {
	bool any;
	long long sum; /* of the values, in the series' unit */
	long long points;
	int days, complete, weekdays, weekend;
	double weekday_wh, weekend_wh;
	long long hour_n[24];
	double hour_sum[24];
	double *values; /* as W, for the baseload */
	size_t nvalues, cap;
};

struct energy {
	const char *name;
	int64_t step;
	bool watts; /* values in W (else Wh) */
	struct emonth m[NMONTHS];
};

/* a day's values: the last day seen, until the next begins */
struct day_acc {
	int64_t day; /* local day number, or INT64_MIN */
	long long count, sum;
};

static void value_add(struct emonth *m, double w)
{
	if (m->nvalues == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 2048;
		m->values = realloc(m->values, m->cap * sizeof(*m->values));
		assert_non_null(m->values);
	}
	m->values[m->nvalues++] = w;
}

/* day_close - a local day's values: complete when it holds as many values
 * as its length (from the zone: 23, 24 or 25 hours) has steps */
static void day_close(struct energy *e, const struct tz *paris, struct day_acc *a)
{
	int64_t y, length, want;
	int m, d;
	struct emonth *em;

	if (a->day == INT64_MIN)
		return;
	time_civil_from_days(a->day, &y, &m, &d);
	em = &e->m[month_index(y, m)];
	length = tz_from_local(paris, a->day + 1, 0) - tz_from_local(paris, a->day, 0);
	want = (length + e->step / 2) / e->step;
	em->days++;
	if (a->count >= (want < 1 ? 1 : want)) {
		double wh = e->watts ? (double)a->sum * (double)e->step / HOUR_MS : (double)a->sum;

		em->complete++;
		if ((a->day + 3) % 7 >= 5) { /* 0 is a Monday: 1970-01-01 was a Thursday */
			em->weekend++;
			em->weekend_wh += wh;
		} else {
			em->weekdays++;
			em->weekday_wh += wh;
		}
	}
	a->day = INT64_MIN;
	a->count = a->sum = 0;
}

/* energy_add - one value at t, of local day day and ms into it (wall clock) */
static void energy_add(struct energy *e, const struct tz *paris, struct day_acc *a, int64_t day,
		       int64_t ms, int64_t v)
{
	int64_t y;
	int m, d;
	struct emonth *em;
	double w = e->watts ? (double)v : (double)v * HOUR_MS / (double)e->step;

	if (day != a->day) {
		day_close(e, paris, a);
		a->day = day;
	}
	a->count++;
	a->sum += v;
	time_civil_from_days(day, &y, &m, &d);
	em = &e->m[month_index(y, m)];
	em->any = true;
	em->sum += v;
	em->points++;
	value_add(em, w);
	if (e->step <= HOUR_MS) {
		em->hour_n[ms / HOUR_MS]++;
		em->hour_sum[ms / HOUR_MS] += w;
	}
}

static struct series_def *new_series(struct fixture *f, const char *doctype, const char *key,
				     const char *unit, int64_t step, const char *meta)
{
	struct series_def *def = calloc(1, sizeof(*def));
	const char *why = NULL;

	assert_non_null(def);
	snprintf(def->doctype, sizeof(def->doctype), "%s", doctype);
	snprintf(def->source, sizeof(def->source), "test");
	snprintf(def->key, sizeof(def->key), "%s", key);
	snprintf(def->unit, sizeof(def->unit), "%s", unit);
	snprintf(def->tz, sizeof(def->tz), "Europe/Paris");
	def->step = step;
	def->meta = strdup(meta);
	if (series_create(f->ps, &f->reg, def, "person:test", &why) != CMN_OK)
		fail_msg("series_create %s: %s", doctype, why ? why : "?");
	return def;
}

static void append(struct fixture *f, struct series_def *def, struct series_point *pts, size_t n)
{
	struct series_write w = {0};
	const char *why = NULL;

	if (series_append(f->ps, def, pts, n, "person:test", &w, &why) != CMN_OK)
		fail_msg("series_append %s: %s", def->doctype, why ? why : "?");
	assert_int_equal(w.added, n);
}

/* load_curve - 30-minute mean powers from 1 January 2023 to 1 February
 * 2024 (local), a pseudo-random household; 15 August 2023 missing, 10
 * June 2023 without 10:00 to 14:00 */
static void load_curve(struct fixture *f, const struct tz *paris, struct energy *e)
{
	int64_t t0 = tz_from_local(paris, time_days_from_civil(2023, 1, 1), 0);
	int64_t t1 = tz_from_local(paris, time_days_from_civil(2024, 2, 1), 0);
	int64_t missing = time_days_from_civil(2023, 8, 15),
		holed = time_days_from_civil(2023, 6, 10);
	size_t cap = (size_t)((t1 - t0) / STEP_MS), n = 0;
	struct series_point *pts = calloc(cap, sizeof(*pts));
	struct series_def *def = new_series(f, "energy.electricity.load_curve", "12345678901234",
					    "W", STEP_MS, "{\"prm\":\"12345678901234\"}");
	struct day_acc a = {INT64_MIN, 0, 0};
	uint64_t x = 88172645463325252ULL;

	assert_non_null(pts);
	for (int64_t t = t0; t < t1; t += STEP_MS) {
		int64_t ms, day = tz_local_day(paris, t, &ms), v;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (day == missing || (day == holed && ms >= 10 * HOUR_MS && ms < 14 * HOUR_MS))
			continue;
		/* a baseload near 180 W, more in the evening, noise */
		v = 180 + (int64_t)(x % 400) +
		    (ms >= 18 * HOUR_MS && ms < 22 * HOUR_MS ? 1500 : 0) +
		    (int64_t)(x >> 40) % 7 * (int64_t)(x >> 50) % 300;
		pts[n].t = t;
		pts[n].v = v;
		n++;
		energy_add(e, paris, &a, day, ms, v);
	}
	day_close(e, paris, &a);
	append(f, def, pts, n);
	series_def_release(def);
	free(def);
	free(pts);
}

/* gas - daily energy in Wh stamped at 00:00 UTC of its day (as the GRDF
 * importer does) from 1 January 2023 to 31 January 2024, 1 to 3 May 2023
 * missing; and the volume series beside it, which the app leaves out */
static void gas(struct fixture *f, const struct tz *paris, struct energy *e)
{
	int64_t d0 = time_days_from_civil(2023, 1, 1), d1 = time_days_from_civil(2024, 2, 1);
	int64_t gap = time_days_from_civil(2023, 5, 1);
	struct series_point *pts = calloc((size_t)(d1 - d0), sizeof(*pts));
	struct series_def *def = new_series(f, "energy.gas.consumption", "22423299474865", "Wh",
					    DAY_MS, "{\"pce\":\"22423299474865\"}");
	struct series_def *vol = new_series(f, "energy.gas.consumption", "22423299474865.volume",
					    "m3e-3", DAY_MS, "{\"pce\":\"22423299474865\"}");
	struct day_acc a = {INT64_MIN, 0, 0};
	size_t n = 0;

	assert_non_null(pts);
	for (int64_t day = d0; day < d1; day++) {
		int64_t y, v;
		int m, d;

		if (day >= gap && day < gap + 3)
			continue;
		time_civil_from_days(day, &y, &m, &d);
		/* heating in winter, hot water and cooking all year */
		v = 4000 + (m <= 3 || m >= 11 ? 30000 : 0) + (day * 7919) % 9000;
		pts[n].t = day * DAY_MS;
		pts[n].v = v;
		n++;
		/* the day is the stamp's date: 00:00 UTC is 01:00 or 02:00 in Paris */
		energy_add(e, paris, &a, day, HOUR_MS, v);
	}
	day_close(e, paris, &a);
	append(f, def, pts, n);
	for (size_t i = 0; i < n; i++)
		pts[i].v = pts[i].v / 11; /* litres */
	append(f, vol, pts, n);
	series_def_release(def);
	series_def_release(vol);
	free(def);
	free(vol);
	free(pts);
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* the mean of the lowest tenth of a month's values (rounded up) */
static double lowest_tenth(struct emonth *m)
{
	size_t k = (m->nvalues + 9) / 10;
	double sum = 0;

	qsort(m->values, m->nvalues, sizeof(*m->values), by_value);
	for (size_t i = 0; i < k; i++)
		sum += m->values[i];
	return sum / (double)k;
}

static double kwh_of(const struct energy *e, const struct emonth *m)
{
	return e->watts ? (double)m->sum * (double)e->step / HOUR_MS / 1000 : (double)m->sum / 1000;
}

static size_t energy_check(struct outs *o, struct energy *e)
{
	size_t n = 0;

	for (int mi = 0; mi < NMONTHS; mi++) {
		struct emonth *m = &e->m[mi];
		const struct emonth *b = mi >= 12 && e->m[mi - 12].any ? &e->m[mi - 12] : NULL;
		char month[MONTH_TEXT], where[64];
		const json_t *d, *hourly;
		bool all_hours = e->step <= HOUR_MS;

		if (!m->any)
			continue;
		month_name(mi, month);
		snprintf(where, sizeof(where), "%s %s", month, e->name);
		d = out_find(o, month, "energy", e->name)->data;
		check_start(d, mi, where);
		same_number(d, "kwh", kwh_of(e, m), where);
		same_int(d, "points", m->points, where);
		same_int(d, "step_s", e->step / 1000, where);
		same_int(d, "days", m->days, where);
		same_int(d, "days_complete", m->complete, where);
		same_int(d, "weekdays", m->weekdays, where);
		same_int(d, "weekend_days", m->weekend, where);
		if (m->weekdays)
			same_number(d, "kwh_per_weekday", m->weekday_wh / m->weekdays / 1000,
				    where);
		else
			absent(d, "kwh_per_weekday", where);
		if (m->weekend)
			same_number(d, "kwh_per_weekend_day", m->weekend_wh / m->weekend / 1000,
				    where);
		else
			absent(d, "kwh_per_weekend_day", where);
		same_number(d, "baseload_w", lowest_tenth(m), where);
		if (e->watts)
			same_number(d, "mean_w", (double)m->sum / (double)m->points, where);
		else
			absent(d, "mean_w", where);
		absent(d, "district", where); /* no published table here */
		for (int h = 0; h < 24; h++)
			all_hours = all_hours && m->hour_n[h] > 0;
		hourly = json_object_get(d, "hourly_w");
		if (all_hours) {
			if (json_array_size(hourly) != 24)
				fail_msg("%s: hourly_w is not 24 values", where);
			for (int h = 0; h < 24; h++) {
				char what[24];

				snprintf(what, sizeof(what), "hourly_w[%d]", h);
				near(json_number_value(json_array_get(hourly, (size_t)h)),
				     m->hour_sum[h] / (double)m->hour_n[h], what, where);
			}
		} else {
			absent(d, "hourly_w", where);
		}
		if (b)
			same_number(d, "kwh_last_year", kwh_of(e, b), where);
		else
			absent(d, "kwh_last_year", where);
		n++;
	}
	return n;
}

static size_t smart_home_check(struct fixture *f, struct energy *elec, struct energy *gas_e)
{
	struct outs *o = calloc(1, sizeof(*o));
	size_t n;

	assert_non_null(o);
	outs_load(f, "energy.profile.monthly", o);
	n = energy_check(o, elec) + energy_check(o, gas_e);
	all_seen(o);
	assert_int_equal(o->n, n);
	for (size_t i = 0; i < o->n; i++)
		assert_string_equal(o->v[i].source, "app:smart-home");
	outs_release(o);
	free(o);
	return n;
}

static void energy_release(struct energy *e)
{
	for (int i = 0; i < NMONTHS; i++)
		free(e->m[i].values);
}

static void smart_home(void **state)
{
	struct fixture *f = *state;
	struct energy *elec = calloc(1, sizeof(*elec)), *gas_e = calloc(1, sizeof(*gas_e));
	char(*ids1)[RECORD_ID_LEN] = calloc(OUT_MAX, RECORD_ID_LEN);
	char(*ids2)[RECORD_ID_LEN] = calloc(OUT_MAX, RECORD_ID_LEN);
	struct app_package p = {0};
	struct app_run r;
	struct tz *paris = NULL;
	size_t n, n1, n2;
	int mar = month_index(2023, 3), oct = month_index(2023, 10);

	assert_non_null(elec);
	assert_non_null(gas_e);
	assert_non_null(ids1);
	assert_non_null(ids2);
	assert_int_equal(tz_load("Europe/Paris", &paris), CMN_OK);
	elec->name = "electricity";
	elec->step = STEP_MS;
	elec->watts = true;
	gas_e->name = "gas";
	gas_e->step = DAY_MS;
	load_curve(f, paris, elec);
	gas(f, paris, gas_e);
	/* the data is what it was meant to be: the DST days are complete
	 * (46 and 50 values), 15 August is missing, 10 June incomplete */
	assert_int_equal(elec->m[mar].complete, 31);
	assert_int_equal(elec->m[mar].hour_n[2], 30 * 2);
	assert_int_equal(elec->m[oct].hour_n[2], 32 * 2);
	assert_int_equal(elec->m[month_index(2023, 8)].days, 30);
	assert_int_equal(elec->m[month_index(2023, 6)].complete, 29);
	svc_pack(f, "smart-home", &p);

	svc_run(f, &p, NULL, &r);
	n = smart_home_check(f, elec, gas_e);
	assert_int_equal(n, 26);
	assert_int_equal(r.records_written, (int64_t)n);
	assert_int_equal(json_integer_value(json_object_get(r.result, "records")), (json_int_t)n);
	print_message("smart-home: %lld points, %zu records, %.3f ms, %llu instructions\n",
		      (long long)r.points_read, n, (double)r.elapsed_us / 1000,
		      (unsigned long long)r.instructions);
	app_run_release(&r);
	n1 = ids_of(f, "energy.profile.monthly", ids1);

	svc_run(f, &p, NULL, &r);
	assert_int_equal(smart_home_check(f, elec, gas_e), n);
	assert_int_equal(r.records_replaced, (int64_t)n1);
	app_run_release(&r);
	n2 = ids_of(f, "energy.profile.monthly", ids2);
	assert_int_equal(n2, n1);
	all_new(ids1, n1, ids2, n2);

	app_package_release(&p);
	tz_free(&paris);
	energy_release(elec);
	energy_release(gas_e);
	free(elec);
	free(gas_e);
	free(ids1);
	free(ids2);
}

/* ---- My Smart Home beside its district -------------------------------------------- */

/* resident_in - a household.profile of ps: it lives in district since declared */
static void resident_in(struct pstore *ps, const char *district, const char *declared)
{
	struct record_meta m = {0};
	char data[200];

	snprintf(data, sizeof(data),
		 "{\"declared\":\"%s\",\"district\":\"%s\",\"members\":2,\"heating\":\"gas\"}",
		 declared, district);
	snprintf(m.doctype, sizeof(m.doctype), "household.profile");
	crypt_uuid7_new(m.id);
	snprintf(m.source, sizeof(m.source), "test");
	assert_int_equal(time_parse(declared, true, &m.t), CMN_OK);
	assert_int_equal(pstore_record_insert(ps, &m, data, "test"), CMN_OK);
}

/* neighbour - a person of D11 with a flat January 2023 at w watts */
static struct person neighbour(struct fixture *f, const char *handle, const struct tz *paris,
			       int64_t w)
{
	struct person p;
	struct pstore *keep = f->ps;
	struct series_def *def;
	struct series_point *pts = calloc(31 * 48, sizeof(*pts));
	int64_t t0 = tz_from_local(paris, time_days_from_civil(2023, 1, 1), 0);
	char meta[64], prm[16];

	assert_non_null(pts);
	assert_int_equal(store_person_add(f->s, handle, "resident", NULL, "!", &p), CMN_OK);
	assert_int_equal(store_person_store(f->s, p.id, &f->ps), CMN_OK);
	resident_in(f->ps, "D11", "2022-12-01");
	snprintf(meta, sizeof(meta), "{\"prm\":\"%014lld\"}", (long long)w);
	snprintf(prm, sizeof(prm), "%014lld", (long long)w);
	def = new_series(f, "energy.electricity.load_curve", prm, "W", STEP_MS, meta);
	for (size_t i = 0; i < 31 * 48; i++) {
		pts[i].t = t0 + (int64_t)i * STEP_MS;
		pts[i].v = w;
	}
	append(f, def, pts, 31 * 48);
	series_def_release(def);
	free(def);
	free(pts);
	f->ps = keep;
	return p;
}

/* The comparison with the district: a campaign of the city publishes the
 * mean power of January 2023 by district (k = 2: alice and two neighbours
 * in D11, the one district: a lone empty district would be suppressed and
 * take D11 with it); My Smart Home puts D11's published figure beside
 * alice's own mean power in her January record, and in no other month;
 * once she has moved to D12, which the table does not have, there is none. */
static void smart_home_district(void **state)
{
	struct fixture *f = *state;
	struct energy *elec = calloc(1, sizeof(*elec));
	struct store_district d[1] = {{.code = "D11", .name = "Nord"}};
	struct person people[3];
	struct org org;
	struct campaign_spec spec = {0};
	struct campaign_row row;
	struct campaign_run_opts o = {0};
	struct campaign_run_stats st;
	struct dp_rng rng;
	struct app_package p = {0};
	struct app_run r;
	struct tz *paris = NULL;
	struct outs *out = calloc(1, sizeof(*out));
	uint8_t key[32];
	char text[2048], err[400] = "", *canon = NULL, id[CRYPT_ID_LEN];
	const char *published = NULL;
	size_t notified, i, with = 0;
	json_t *res, *c;
	const struct emonth *jan;

	assert_non_null(elec);
	assert_non_null(out);
	assert_int_equal(tz_load("Europe/Paris", &paris), CMN_OK);
	elec->name = "electricity";
	elec->step = STEP_MS;
	elec->watts = true;
	load_curve(f, paris, elec);
	resident_in(f->ps, "D11", "2022-12-01");
	assert_int_equal(store_districts_replace(f->s, d, 1), CMN_OK);
	people[0] = f->alice;
	people[1] = neighbour(f, "bob", paris, 500);
	people[2] = neighbour(f, "carol", paris, 900);

	/* the campaign, approved, joined by the three, run and published */
	assert_int_equal(store_org_add(f->s, "Ville", "city", &org), CMN_OK);
	snprintf(text, sizeof(text),
		 "{\"title\":{\"fr\":\"Puissance moyenne par quartier\",\"en\":\"Mean power by "
		 "district\"},\"purpose\":{\"fr\":\"Comparer.\",\"en\":\"Compare.\"},"
		 "\"organisation\":\"%s\",\"source\":{\"series\":\"energy.electricity.load_curve\"},"
		 "\"period\":{\"from\":\"2023-01-01\",\"to\":\"2023-02-01\"},\"group_by\":"
		 "[\"district\"],\"measures\":[{\"kind\":\"count\"},{\"kind\":\"mean\",\"clip\":"
		 "[0,3000]}],\"privacy\":{\"k\":2,\"mechanism\":\"laplace\",\"epsilon\":\"10\","
		 "\"max_cells_per_person\":1},\"opens\":\"2023-02-01T00:00:00Z\",\"closes\":"
		 "\"2099-01-01T00:00:00Z\",\"governance\":{\"body\":\"operator\"},\"licence\":"
		 "\"etalab-2.0\"}",
		 org.id);
	if (campaign_spec_parse(text, strlen(text), &f->reg, &spec, err, sizeof(err)) != CMN_OK)
		fail_msg("definition: %s", err);
	assert_int_equal(campaign_spec_json(&spec, &canon, NULL), CMN_OK);
	campaign_spec_release(&spec);
	assert_int_equal(store_campaign_add(f->s, org.id, canon, time_now_ms(), &row), CMN_OK);
	free(canon);
	memcpy(id, row.id, CRYPT_ID_LEN);
	campaign_row_release(&row);
	assert_int_equal(store_campaign_decide(f->s, id, true, f->alice.id, time_now_ms()), CMN_OK);
	for (i = 0; i < 3; i++)
		if (campaign_join(f->s, &f->reg, &people[i], id, time_now_ms(), "test", err,
				  sizeof(err)) != CMN_OK)
			fail_msg("join: %s", err);
	memset(key, 3, sizeof(key));
	dp_rng_chacha20(&rng, key);
	o.now = time_now_ms();
	o.rng = &rng;
	o.threads = 1;
	if (campaign_run(f->s, &f->reg, id, &o, &st, err, sizeof(err)) != CMN_OK)
		fail_msg("run: %s", err);
	dp_rng_release(&rng);
	assert_int_equal(st.counted, 3);
	assert_int_equal(campaign_publish(f->s, id, time_now_ms(), "test", NULL, &notified), CMN_OK);
	assert_int_equal(store_campaign_get(f->s, id, true, &row), CMN_OK);
	res = json_loads(row.results, 0, NULL);
	campaign_row_release(&row);
	assert_non_null(res);
	json_array_foreach(json_object_get(res, "cells"), i, c)
		if (strcmp(json_string_value(json_object_get(c, "district")), "D11") == 0)
			published = json_string_value(json_array_get(json_object_get(c, "values"), 1));
	if (!published)
		fail_msg("D11 not published: %s", json_dumps(res, JSON_COMPACT));

	/* the app, run with the platform's tables */
	svc_pack(f, "smart-home", &p);
	svc_run_on(f, &p, NULL, f->s, &r);
	jan = &elec->m[month_index(2023, 1)];
	outs_load(f, "energy.profile.monthly", out);
	for (i = 0; i < out->n; i++) {
		const json_t *dd = out->v[i].data, *dist = json_object_get(dd, "district");
		const char *month = json_string_value(json_object_get(dd, "month"));
		const char *energy = json_string_value(json_object_get(dd, "energy"));

		if (strcmp(month, "2023-01") != 0 || strcmp(energy, "electricity") != 0) {
			assert_null(dist);
			continue;
		}
		with++;
		assert_non_null(dist);
		assert_string_equal(json_string_value(json_object_get(dist, "code")), "D11");
		assert_string_equal(json_string_value(json_object_get(dist, "campaign")), id);
		near(json_number_value(json_object_get(dist, "mean_w")), strtod(published, NULL),
		     "district mean_w", month);
		near(json_number_value(json_object_get(dd, "mean_w")),
		     (double)jan->sum / (double)jan->points, "mean_w", month);
	}
	assert_int_equal(with, 1);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(r.result, "district"), "code")), "D11");
	print_message("smart-home: January 2023, home %.1f W, district D11 %s W (published)\n",
		      (double)jan->sum / (double)jan->points, published);
	app_run_release(&r);
	outs_release(out);

	/* she moves to D12, not in the table: no comparison */
	resident_in(f->ps, "D12", "2023-06-01");
	svc_run_on(f, &p, NULL, f->s, &r);
	assert_null(json_object_get(r.result, "district"));
	memset(out, 0, sizeof(*out));
	outs_load(f, "energy.profile.monthly", out);
	for (i = 0; i < out->n; i++)
		assert_null(json_object_get(out->v[i].data, "district"));
	app_run_release(&r);
	outs_release(out);

	json_decref(res);
	app_package_release(&p);
	tz_free(&paris);
	energy_release(elec);
	free(elec);
	free(out);
}

/* ---- the dataset against its source --------------------------------------------- */

/* ademe_entry - the entry of ADEME's file with that id, and within it the
 * variant (ecvs) with that empreinteId when it has variants */
static const json_t *ademe_entry(const json_t *file, json_int_t id, json_int_t empreinte)
{
	size_t i, j;
	const json_t *e, *v;

	json_array_foreach(file, i, e)
	{
		if (json_integer_value(json_object_get(e, "id")) != id)
			continue;
		if (!json_object_get(e, "ecvs"))
			return e;
		json_array_foreach(json_object_get(e, "ecvs"), j,
				   v) if (json_integer_value(json_object_get(v, "empreinteId")) ==
					  empreinte) return v;
	}
	return NULL;
}

/* ecv_part - the value of one life-cycle part (0 when absent) */
static double ecv_part(const json_t *entry, json_int_t part)
{
	size_t i;
	const json_t *x;

	json_array_foreach(json_object_get(entry, "ecv"), i,
			   x) if (json_integer_value(json_object_get(x, "id")) ==
				  part) return json_number_value(json_object_get(x, "value"));
	return 0;
}

/* one factor of the dataset: its parts are ADEME's divided by the
 * occupancy, its total their sum */
static void factor_matches(const json_t *file, const json_t *fac, double occupancy,
			   const char *where)
{
	const json_t *ref = json_object_get(fac, "ademe");
	const json_t *src = ademe_entry(file, json_integer_value(json_object_get(ref, "id")),
					json_integer_value(json_object_get(ref, "empreinte_id")));
	double parts = 0;
	static const struct {
		const char *name;
		json_int_t ecv;
	} part[] = {{"construction", 5}, {"fuel", 6}, {"contrails", 7}};

	if (!src)
		fail_msg("%s: no such ADEME entry", where);
	for (size_t i = 0; i < 3; i++) {
		double want = ecv_part(src, part[i].ecv) / occupancy;

		parts += want;
		if (json_object_get(fac, part[i].name))
			same_number(fac, part[i].name, want, where);
		else if (want != 0)
			fail_msg("%s: %s missing", where, part[i].name);
	}
	same_number(fac, "kg_per_km", parts, where);
}

static void dataset_is_ademe(void **state)
{
	size_t len = 0;
	const char *text = app_dataset("ademe.transport", &len);
	json_t *ds, *file;
	const json_t *modes;

	(void)state;
	assert_non_null(text);
	ds = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(ds);
	modes = json_object_get(ds, "modes");
	for (int k = 0; k < NMODES; k++)
		if (!json_object_get(modes, mode_names[k]))
			fail_msg("ademe.transport: no %s", mode_names[k]);
	assert_int_equal(json_object_size(modes), NMODES);
	file = json_load_file(COMMUNE_FIXTURES "/ademe/deplacement.json", 0, NULL);
	if (!file) {
		json_decref(ds);
		skip();
	}
	for (int k = 0; k < NMODES; k++) {
		const json_t *m = json_object_get(modes, mode_names[k]);
		const json_t *bands = json_object_get(m, "bands");
		const json_t *occ = json_object_get(m, "occupancy");
		size_t i;
		const json_t *b;

		if (k == OTHER) {
			assert_null(json_object_get(m, "kg_per_km"));
			continue;
		}
		if (!bands) {
			factor_matches(file, m, occ ? json_number_value(occ) : 1, mode_names[k]);
			continue;
		}
		json_array_foreach(bands, i, b) factor_matches(file, b, 1, mode_names[k]);
	}
	/* walking and cycling: ADEME's entry has no parts, a total of 0 */
	assert_int_equal(json_integer_value(json_object_get(ademe_entry(file, 7, 0), "total")), 0);
	json_decref(file);
	json_decref(ds);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(dataset_is_ademe),
	    cmocka_unit_test_setup_teardown(coach_co2, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(smart_home, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(smart_home_district, check_setup, check_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
