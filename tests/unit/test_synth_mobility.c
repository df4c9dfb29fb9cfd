/*
 * test_synth_mobility.c - the synthetic trips of src/synth/mobility.c:
 * realism over 300 households and a leap year (mode shares and distances of
 * commutes, trips a day, no overlap, positions in town or on a documented
 * day out, holidays away), a day computed alone, byte-identical GPX for a
 * seed, and GPX files imported by the real importer into a person's store
 * (a trip record for each trip, its mode, its distance within 2 %).
 * The ranges are those of docs/synth/mobility.md.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "fixture.h"

#include "core/timeutil.h"
#include "core/tz.h"
#include "import/import.h"
#include "series/series.h"
#include "store/store.h"

/* the file under test, to reach its statics (the rest of src/synth comes
 * from commune_lib) */
#include "../../src/synth/mobility.c"

#define SEED       42
#define HOUSEHOLDS 300
#define YEAR_DAYS  366

static struct synth_territory territory;

static void year_2024(struct synth_territory *t, uint64_t seed, int days)
{
	assert_int_equal(synth_territory_init(t, seed, time_days_from_civil(2024, 1, 1), days),
			 CMN_OK);
}

/* ---- realism ------------------------------------------------------------------ */

struct tally {
	double commute_mode[MODES], commutes, commute_m;
	double working_trips, working_days; /* members 18 to 62 */
	double retired_trips, retired_days;
	double august, august_days, october, october_days; /* working-age, trips */
	double leave_ms[2], leaves[2];                     /* to work from home, January and July */
	long out_of_town, escort_by_minor, full_days, trips;
};

/* speed_ok - a trip's mean speed, waits included, is one its mode can have */
static void speed_ok(const struct synth_trip *tr)
{
	static const double max_kmh[MODES] = {6.5, 20, 20, 25, 90};
	double kmh =
	    (double)tr->distance_m / 1000.0 / ((double)(tr->end_ms - tr->start_ms) / 3600000.0);

	if (kmh > max_kmh[tr->mode] || kmh < 0.8)
		fail_msg("a %s trip of %lld m at %.1f km/h", mode_names[tr->mode],
			 (long long)tr->distance_m, kmh);
}

/* position_ok - in town, or the far end of a day out by car (15 to 60 km) */
static bool position_ok(const struct synth_territory *t, const struct synth_trip *tr,
			struct synth_point p)
{
	if (in_town(t, p))
		return true;
	return tr->mode == MODE_CAR && tr->purpose == PURPOSE_LEISURE &&
	       synth_distance_m(t->centre, p) <= OUT_MAX_M + 100;
}

static void one_trip(struct tally *y, const struct synth_territory *t,
		     const struct synth_household *h, const struct synth_trip *tr,
		     int64_t local_day)
{
	const struct synth_member *m = &h->m[tr->member];
	int month;
	int64_t yy;
	int dd;

	assert_true(tr->member >= 0 && tr->member < h->nmembers);
	assert_true(m->age >= TRAVEL_AGE);
	assert_true(tr->end_ms > tr->start_ms);
	assert_true(tr->end_ms - tr->start_ms < 3 * HOUR_MS);
	assert_true(tr->distance_m + 1 >= synth_distance_m(tr->from, tr->to));
	assert_true(tr->distance_m > 0);
	speed_ok(tr);
	assert_true(position_ok(t, tr, tr->from));
	assert_true(position_ok(t, tr, tr->to));
	y->out_of_town += !in_town(t, tr->to);
	y->escort_by_minor += tr->purpose == PURPOSE_ESCORT && m->age < 18;
	y->trips++;
	if (tr->purpose == PURPOSE_WORK || tr->purpose == PURPOSE_STUDY) {
		y->commute_mode[tr->mode]++;
		y->commutes++;
		y->commute_m += (double)tr->distance_m;
	}
	time_civil_from_days(local_day, &yy, &month, &dd);
	if (tr->purpose == PURPOSE_WORK && same_point(tr->from, h->home) &&
	    (month == 1 || month == 7)) {
		int64_t ms;

		assert_int_equal(tz_local_day(series_zone("Europe/Paris"), tr->start_ms, &ms),
				 local_day);
		if (ms < 12 * HOUR_MS) {
			y->leave_ms[month == 7] += (double)ms;
			y->leaves[month == 7]++;
		}
	}
	if (m->age >= 18 && m->age < 63) {
		y->working_trips++;
		y->august += month == 8;
		y->october += month == 10;
	} else if (m->activity == ACT_RETIRED) {
		y->retired_trips++;
	}
}

static void one_day(struct tally *y, const struct synth_territory *t,
		    const struct synth_household *h, int day, int64_t last_end[SYNTH_MAX_MEMBERS])
{
	struct synth_trip trips[SYNTH_TRIPS_DAY];
	size_t n = synth_trips_day(t, h, day, trips);
	int64_t yy;
	int month, dd;

	assert_true(n <= SYNTH_TRIPS_DAY);
	y->full_days += n == SYNTH_TRIPS_DAY;
	time_civil_from_days(t->start_day + day, &yy, &month, &dd);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			assert_true(trips[i].start_ms >= trips[i - 1].start_ms);
		/* a member's trip starts after the previous one has ended */
		assert_true(trips[i].start_ms > last_end[trips[i].member]);
		last_end[trips[i].member] = trips[i].end_ms;
		one_trip(y, t, h, &trips[i], t->start_day + day);
	}
	for (int j = 0; j < h->nmembers; j++)
		if (h->m[j].age >= 18 && h->m[j].age < 63) {
			y->working_days++;
			y->august_days += month == 8;
			y->october_days += month == 10;
		} else if (h->m[j].activity == ACT_RETIRED) {
			y->retired_days++;
		}
}

static void test_realism(void **state)
{
	struct tally y;
	struct synth_household h;
	double walk_bike, transit, car, per_day, retired, mean_m, january, july;

	(void)state;
	memset(&y, 0, sizeof(y));
	year_2024(&territory, SEED, YEAR_DAYS);
	for (uint64_t k = 0; k < HOUSEHOLDS; k++) {
		int64_t last_end[SYNTH_MAX_MEMBERS];

		for (int j = 0; j < SYNTH_MAX_MEMBERS; j++)
			last_end[j] = INT64_MIN;
		synth_household(&territory, k, &h);
		for (int day = 0; day < territory.days; day++)
			one_day(&y, &territory, &h, day, last_end);
	}
	car = 100 * y.commute_mode[MODE_CAR] / y.commutes;
	walk_bike = 100 * (y.commute_mode[MODE_WALK] + y.commute_mode[MODE_BIKE]) / y.commutes;
	transit = 100 * (y.commute_mode[MODE_BUS] + y.commute_mode[MODE_TRAM]) / y.commutes;
	mean_m = y.commute_m / y.commutes;
	per_day = y.working_trips / y.working_days;
	january = y.leave_ms[0] / y.leaves[0] / MIN_MS;
	july = y.leave_ms[1] / y.leaves[1] / MIN_MS;
	retired = y.retired_trips / y.retired_days;
	print_message("%ld trips; commutes: car %.1f %%, walk+bike %.1f %%, transit %.1f %% "
		      "(bus %.1f, tram %.1f), mean %.0f m; trips a day: 18-62 %.2f, retired %.2f, "
		      "18-62 in August %.2f, in October %.2f; %ld ends out of town; %ld full days; "
		      "leaving for work at %02d:%02d in January, %02d:%02d in July (local)\n",
		      y.trips, car, walk_bike, transit, 100 * y.commute_mode[MODE_BUS] / y.commutes,
		      100 * y.commute_mode[MODE_TRAM] / y.commutes, mean_m, per_day, retired,
		      y.august / y.august_days, y.october / y.october_days, y.out_of_town,
		      y.full_days, (int)january / 60, (int)january % 60, (int)july / 60,
		      (int)july % 60);
	assert_true(car >= 35 && car <= 60);
	assert_true(walk_bike >= 15 && walk_bike <= 35);
	assert_true(transit >= 10 && transit <= 30);
	assert_true(mean_m >= 2000 && mean_m <= 8000);
	/* local times, in winter and in summer time alike */
	assert_true(january > 7 * 60 + 30 && january < 8 * 60 + 30);
	assert_true(july - january > -10 && july - january < 10);
	assert_true(per_day >= 2.0 && per_day <= 4.0);
	assert_true(retired >= 0.8 && retired < per_day);
	/* holidays away: August is quieter than October */
	assert_true(y.august / y.august_days < 0.85 * (y.october / y.october_days));
	/* days out of town happen, but not every week */
	assert_true(y.out_of_town > HOUSEHOLDS && y.out_of_town < (long)y.trips / 20);
	assert_int_equal(y.escort_by_minor, 0);
	assert_true(y.full_days < (long)HOUSEHOLDS * YEAR_DAYS / 200);
}

/* ---- determinism -------------------------------------------------------------- */

static void same_trip(const struct synth_trip *a, const struct synth_trip *b)
{
	assert_int_equal(a->member, b->member);
	assert_int_equal(a->start_ms, b->start_ms);
	assert_int_equal(a->end_ms, b->end_ms);
	assert_int_equal(a->mode, b->mode);
	assert_int_equal(a->purpose, b->purpose);
	assert_int_equal(a->distance_m, b->distance_m);
	assert_true(same_point(a->from, b->from) && same_point(a->to, b->to));
}

/* any day alone: the same trips whatever was computed before, and whatever
 * the length of the period */
static void test_day_alone(void **state)
{
	static struct synth_territory shorter;
	struct synth_trip a[SYNTH_TRIPS_DAY], b[SYNTH_TRIPS_DAY], c[SYNTH_TRIPS_DAY];
	struct synth_household h;
	size_t na, nb, nc;

	(void)state;
	year_2024(&territory, SEED, YEAR_DAYS);
	year_2024(&shorter, SEED, 201);
	for (uint64_t k = 0; k < 20; k++) {
		synth_household(&territory, k, &h);
		memset(a, 0, sizeof(a));
		memset(b, 0, sizeof(b));
		memset(c, 0, sizeof(c));
		na = synth_trips_day(&territory, &h, 200, a);
		for (int day = 0; day < 200; day++)
			synth_trips_day(&territory, &h, day, b);
		nb = synth_trips_day(&territory, &h, 200, b);
		nc = synth_trips_day(&shorter, &h, 200, c);
		assert_int_equal(na, nb);
		assert_int_equal(na, nc);
		for (size_t i = 0; i < na; i++) {
			same_trip(&a[i], &b[i]);
			same_trip(&a[i], &c[i]);
		}
	}
	assert_int_equal(synth_trips_day(&territory, &h, -1, a), 0);
	assert_int_equal(synth_trips_day(&territory, &h, YEAR_DAYS, a), 0);
}

struct gpx_text {
	char *buf;
	size_t len;
};

static enum cmn_rc gpx_of(const struct synth_territory *t, uint64_t index, int member,
			  struct gpx_text *g)
{
	struct synth_household h;
	FILE *f = open_memstream(&g->buf, &g->len);
	enum cmn_rc rc;

	assert_non_null(f);
	synth_household(t, index, &h);
	rc = synth_write_gpx(t, &h, member, f);
	assert_int_equal(fclose(f), 0);
	return rc;
}

/* first_member - the first household from index with a member matching
 * (adult traveller with the given commute mode, or any age below 11) */
static void find_member(const struct synth_territory *t, uint64_t from, int want, uint64_t *index,
			int *member)
{
	struct synth_household h;

	for (uint64_t k = from; k < from + 500; k++) {
		synth_household(t, k, &h);
		for (int i = 0; i < h.nmembers; i++) {
			bool ok = want < 0        ? h.m[i].age < TRAVEL_AGE
				  : want == MODES ? h.m[i].activity == ACT_RETIRED
						  : h.m[i].activity == ACT_EMPLOYED &&
							(int)h.m[i].commute == want;

			if (ok) {
				*index = k;
				*member = i;
				return;
			}
		}
	}
	fail_msg("no such member");
}

static void test_gpx_determinism(void **state)
{
	static struct synth_territory other;
	struct gpx_text a = {0}, b = {0}, c = {0}, d = {0};
	struct synth_household h;
	uint64_t k = 0;
	int member = 0;
	FILE *f;
	char creator[64];

	(void)state;
	year_2024(&territory, SEED, YEAR_DAYS);
	year_2024(&other, SEED + 1, YEAR_DAYS);
	find_member(&territory, 0, MODE_CAR, &k, &member);
	assert_int_equal(gpx_of(&territory, k, member, &a), CMN_OK);
	assert_int_equal(gpx_of(&territory, k, member, &b), CMN_OK);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.buf, b.buf, a.len);
	snprintf(creator, sizeof(creator), "creator=\"commune-synth h%06llu %d\"",
		 (unsigned long long)k, member);
	assert_non_null(strstr(a.buf, creator));
	print_message("GPX of household %llu member %d over a year: %zu bytes\n",
		      (unsigned long long)k, member, a.len);
	/* another seed, another file (the same household may not even exist) */
	synth_household(&other, k, &h);
	for (member = 0; member < h.nmembers && h.m[member].age < TRAVEL_AGE; member++)
		;
	assert_int_equal(gpx_of(&other, k, member, &c), CMN_OK);
	assert_true(c.len != a.len || memcmp(a.buf, c.buf, a.len) != 0);
	/* a young child has no trip, and writes nothing */
	find_member(&territory, 0, -1, &k, &member);
	assert_int_equal(gpx_of(&territory, k, member, &d), CMN_ERR_NOT_FOUND);
	assert_int_equal(d.len, 0);
	synth_household(&territory, k, &h);
	f = fopen("/dev/null", "w");
	assert_non_null(f);
	assert_int_equal(synth_write_gpx(&territory, &h, h.nmembers, f), CMN_ERR_INVALID);
	assert_int_equal(synth_write_gpx(&territory, &h, -1, f), CMN_ERR_INVALID);
	fclose(f);
	free(a.buf);
	free(b.buf);
	free(c.buf);
	free(d.buf);
}

/* ---- round trip through the importer -------------------------------------------- */

struct stored {
	size_t n, cap;
	struct kept {
		json_t *o;
	} * data;
};

static enum cmn_rc keep(const struct record_meta *m, const char *data,
			const struct query_value *key, void *pv)
{
	struct stored *s = pv;

	(void)m;
	(void)key;
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 256;
		s->data = realloc(s->data, s->cap * sizeof(*s->data));
		assert_non_null(s->data);
	}
	s->data[s->n++].o = json_loads(data, 0, NULL);
	return CMN_OK;
}

static int64_t time_field(json_t *o, const char *name)
{
	int64_t t;

	assert_int_equal(time_parse(json_string_value(json_object_get(o, name)), false, &t),
			 CMN_OK);
	return t;
}

/* near - a stored end of a trip is the drawn one, give or take the GPS noise */
static void near(json_t *place, struct synth_point p)
{
	struct synth_point q = {
	    (int64_t)(json_number_value(json_object_get(place, "lat")) * 1e6 + 0.5),
	    (int64_t)(json_number_value(json_object_get(place, "lon")) * 1e6 + 0.5)};

	assert_true(synth_distance_m(p, q) < 30);
}

/* round_trip - imports the member's GPX into a fresh store and checks it;
 * the number of trips out of town */
static int round_trip(const struct synth_territory *t, uint64_t index, int member)
{
	struct synth_trip trips[SYNTH_TRIPS_DAY];
	struct store_query q = {.doctype = "mobility.trip", .sort = QSORT_TIME, .limit = 1000000};
	struct synth_household h;
	struct fixture f;
	struct import_job job;
	struct gpx_text g = {0};
	struct stored s = {0};
	struct series_def def;
	char key[80];
	size_t at = 0, points = 0;
	int out_of_town = 0;
	double worst = 0, drawn = 0, imported = 0;

	synth_household(t, index, &h);
	assert_int_equal(gpx_of(t, index, member, &g), CMN_OK);
	for (const char *p = g.buf; (p = strstr(p, "<trkpt ")); p++)
		points++;
	assert_int_equal(fixture_open(&f, "alice"), 0);
	assert_int_equal(
	    import_buffer(f.ps, &f.reg, "cli:test", g.buf, g.len, "synth.gpx", NULL, &job), CMN_OK);
	assert_string_equal(job.format->name, "gpx"); /* detected, as commune import does */
	assert_int_equal(job.nwarnings, 0);
	import_job_release(&job);
	assert_int_equal(pstore_record_query(f.ps, &q, keep, &s), CMN_OK);
	for (int day = 0; day < t->days; day++) {
		size_t n = synth_trips_day(t, &h, day, trips);

		for (size_t i = 0; i < n; i++) {
			const struct synth_trip *tr = &trips[i];
			json_t *o;
			double got, off;

			if (tr->member != member)
				continue;
			assert_true(at < s.n);
			o = s.data[at++].o;
			assert_int_equal(time_field(o, "start"), tr->start_ms);
			assert_int_equal(time_field(o, "end"), tr->end_ms);
			assert_string_equal(json_string_value(json_object_get(o, "mode")),
					    mode_names[tr->mode]);
			got = (double)json_integer_value(json_object_get(o, "distance_m"));
			/* within 2 %, or 10 m under 500 m: the GPS noise (3 m) moves
			 * the corners of short trips by as much */
			off = got - (double)tr->distance_m;
			off = off < 0 ? -off : off;
			drawn += (double)tr->distance_m;
			imported += got;
			if (tr->distance_m >= 500 && off / (double)tr->distance_m > worst)
				worst = off / (double)tr->distance_m;
			if (off > 10 && off > 0.02 * (double)tr->distance_m)
				fail_msg("%s trip of %lld m imported as %.0f m",
					 mode_names[tr->mode], (long long)tr->distance_m, got);
			out_of_town += !in_town(t, tr->to);
			near(json_object_get(o, "from"), tr->from);
			near(json_object_get(o, "to"), tr->to);
		}
	}
	assert_int_equal(at, s.n);
	snprintf(key, sizeof(key), "gpx:commune-synth-%s-%d/lat", h.handle, member);
	assert_int_equal(pstore_series_find(f.ps, "mobility.position", "gpx", key, &def), CMN_OK);
	assert_int_equal(def.points, (int64_t)points);
	series_def_release(&def);
	print_message("%s member %d: %zu trips, %zu points, %zu bytes; distances: worst %.2f %% "
		      "(500 m or more), all %.3f %%\n",
		      h.handle, member, s.n, points, g.len, 100 * worst,
		      100 * (imported - drawn) / drawn);
	assert_true(imported > 0.995 * drawn && imported < 1.005 * drawn);
	for (size_t i = 0; i < s.n; i++)
		json_decref(s.data[i].o);
	free(s.data);
	free(g.buf);
	fixture_close(&f);
	return out_of_town;
}

/* January to April (a change to summer time, Easter holidays, days out):
 * the first 122 days of the year's trips, in a third of the time */
static void test_gpx_round_trip(void **state)
{
	static const int kinds[] = {MODE_TRAM, MODE_BUS, MODE_BIKE, MODE_CAR, MODES /* retired */};
	static struct synth_territory spring;
	uint64_t k;
	int member, out_of_town = 0;

	(void)state;
	year_2024(&spring, SEED, 122);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(*kinds); i++) {
		find_member(&spring, 10 * i, kinds[i], &k, &member);
		out_of_town += round_trip(&spring, k, member);
	}
	assert_true(out_of_town > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_realism),
	    cmocka_unit_test(test_day_alone),
	    cmocka_unit_test(test_gpx_determinism),
	    cmocka_unit_test(test_gpx_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
