/*
 * test_import_trips.c - trips inferred by others into mobility.trip
 * records: Google Semantic Location History (and the on-device
 * Timeline.json) and e-mission / OpenPATH confirmed trips. The real files
 * of ../shared/fixtures (takeout/, emission/) are checked against figures
 * recomputed here by a deliberately plain scan of their text (strstr and
 * strtod, no JSON parser); a synthetic Timeline.json covers the newer
 * shape; hostile inputs must import nothing and say where they fail; and
 * trips are whole or not imported under each failed JSON allocation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <math.h>

#include <cmocka.h>

#include "checks.h"
#include "fixture.h"
#include "importfail.h"
#include <jansson.h>

#include "core/timeutil.h"
#include "crypto/crypt.h"
#include "import/import.h"
#include "record/doctype.h"
#include "store/store.h"

#define SEMANTIC  COMMUNE_FIXTURES "/takeout/semantic-2021-august.json"
#define EMISSION  COMMUNE_FIXTURES "/emission/shankari_2016-06-20.expected_confirmed_trips"

static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "rb");
	char *text;
	long n;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	rewind(fp);
	text = malloc((size_t)n + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)n, fp), (size_t)n);
	text[n] = '\0';
	fclose(fp);
	return text;
}

/* ---- what the store holds ------------------------------------------------- */

static void nothing_written(struct fixture *f)
{
	struct check_trips t;

	check_trips_load(f, &t);
	assert_int_equal(t.n, 0);
}

static int64_t field_time(json_t *o, const char *name)
{
	int64_t t;

	assert_int_equal(time_parse(json_string_value(json_object_get(o, name)), false, &t),
			 CMN_OK);
	return t;
}

/* check_stored - count, first and last start, and the sum of distance_m of
 * the stored trips. */
static void check_stored(struct fixture *f, int count, int64_t first, int64_t last, long long dist)
{
	struct check_trips t;
	long long sum = 0;

	check_trips_load(f, &t);
	assert_int_equal(t.n, count);
	assert_int_equal(field_time(t.data[0], "start"), first);
	assert_int_equal(field_time(t.data[t.n - 1], "start"), last);
	for (int i = 0; i < t.n; i++)
		sum += json_integer_value(json_object_get(t.data[i], "distance_m"));
	assert_int_equal(sum, dist);
	check_trips_release(&t);
}

/* ---- Semantic Location History --------------------------------------------- */

/* start_after - the startTimestamp that follows p */
static int64_t start_after(const char *p)
{
	const char *q = strstr(p, "\"startTimestamp\": \"");
	char buf[40];
	size_t n;
	int64_t t;

	assert_non_null(q);
	q += strlen("\"startTimestamp\": \"");
	n = strcspn(q, "\"");
	assert_true(n < sizeof(buf));
	memcpy(buf, q, n);
	buf[n] = '\0';
	assert_int_equal(time_parse(buf, false, &t), CMN_OK);
	return t;
}

static void semantic_fixture(void **state)
{
	struct fixture *f = *state;
	char *text = slurp(SEMANTIC);
	const char *p, *last_seg = NULL;
	int segs = 0, visits = 0;
	long long dist = 0;
	int64_t first;
	struct import_job job;

	/* every "distance" of this file is an activity segment's integer one */
	for (p = text; (p = strstr(p, "\"activitySegment\"")); p++, segs++)
		last_seg = p;
	for (p = text; (p = strstr(p, "\"placeVisit\"")); p++)
		visits++;
	for (p = text; (p = strstr(p, "\"distance\": ")); p++)
		dist += strtoll(p + strlen("\"distance\": "), NULL, 10);
	first = start_after(strstr(text, "\"activitySegment\""));
	assert_int_equal(segs, 61);
	assert_int_equal(
	    import_file(f->ps, &f->reg, "cli:test", SEMANTIC, "semantic.json", NULL, &job), CMN_OK);
	assert_string_equal(job.format->name, "takeout-semantic");
	assert_int_equal(job.stats.records_created, (uint64_t)segs);
	assert_non_null(strstr(job.warnings[0], "place visits"));
	assert_int_equal(strtol(job.warnings[0], NULL, 10), visits);
	import_job_release(&job);
	check_stored(f, segs, first, start_after(last_seg), dist);
	/* again: nothing changes */
	assert_int_equal(import_file(f->ps, &f->reg, "cli:test", SEMANTIC, "semantic.json",
				     "takeout-semantic", &job),
			 CMN_OK);
	assert_int_equal(job.stats.records_created, 0);
	assert_int_equal(job.stats.records_duplicate, (uint64_t)segs);
	import_job_release(&job);
	check_stored(f, segs, first, start_after(last_seg), dist);
	free(text);
}

static enum cmn_rc import_text(struct fixture *f, const char *name, const char *text, size_t n,
			       const char *format, struct import_job *job)
{
	return check_import_text(f, name, format, text, n, job);
}

static void timeline_synthetic(void **state)
{
	struct fixture *f = *state;
	static const char text[] =
	    "{\"semanticSegments\": [\n"
	    " {\"startTime\": \"2024-05-01T08:00:00.000+02:00\", \"endTime\": "
	    "\"2024-05-01T08:20:00.000+02:00\", \"activity\": {\"start\": {\"latLng\": "
	    "\"45.1234567\xc2\xb0, 4.8123456\xc2\xb0\"}, \"end\": {\"latLng\": \"45.2\xc2\xb0, "
	    "-4.9\xc2\xb0\"}, \"distanceMeters\": 1234.5, \"topCandidate\": {\"type\": "
	    "\"CYCLING\", \"probability\": 0.9}}},\n"
	    " {\"startTime\": \"2024-05-01T08:20:00.000+02:00\", \"endTime\": "
	    "\"2024-05-01T17:00:00.000+02:00\", \"visit\": {\"topCandidate\": {}}},\n"
	    " {\"startTime\": \"2024-05-01T17:00:00.000+02:00\", \"endTime\": "
	    "\"2024-05-01T17:30:00.000+02:00\", \"activity\": {\"topCandidate\": {\"type\": "
	    "\"IN_HOVERCRAFT\"}}},\n"
	    " {\"timelinePath\": [{\"point\": \"45.1\xc2\xb0, 4.8\xc2\xb0\", \"time\": "
	    "\"2024-05-01T08:00:00.000+02:00\"}]}\n"
	    "], \"rawSignals\": []}\n";
	struct import_job job;
	struct check_trips t;
	json_t *from;

	assert_int_equal(import_text(f, "Timeline.json", text, sizeof(text) - 1, NULL, &job),
			 CMN_OK);
	assert_string_equal(job.format->name, "takeout-semantic");
	assert_int_equal(job.stats.records_created, 2);
	assert_int_equal(job.nwarnings, 2);
	import_job_release(&job);
	check_trips_load(f, &t);
	assert_int_equal(t.n, 2);
	assert_string_equal(json_string_value(json_object_get(t.data[0], "mode")), "bike");
	assert_int_equal(field_time(t.data[0], "start"), 1714543200000LL);
	/* 1234.5 rounds half away from zero */
	assert_int_equal(json_integer_value(json_object_get(t.data[0], "distance_m")), 1235);
	from = json_object_get(t.data[0], "from");
	assert_true(fabs(json_number_value(json_object_get(from, "lat")) - 45.1234567) < 1e-9);
	assert_true(
	    fabs(json_number_value(json_object_get(json_object_get(t.data[0], "to"), "lon")) +
		 4.9) < 1e-9);
	assert_string_equal(json_string_value(json_object_get(t.data[1], "mode")), "other");
	assert_null(json_object_get(t.data[1], "distance_m"));
	check_trips_release(&t);
}

/* ---- e-mission ---------------------------------------------------------------- */

static void emission_fixture(void **state)
{
	struct fixture *f = *state;
	char *text = slurp(EMISSION);
	const char *p;
	int trips = 0;
	long long dist = 0;
	int64_t first = INT64_MAX, last = INT64_MIN;
	struct import_job job;
	struct check_trips t;

	for (p = text; (p = strstr(p, "\"start_ts\": ")); p++, trips++) {
		int64_t ms = llround(strtod(p + strlen("\"start_ts\": "), NULL) * 1000);

		first = ms < first ? ms : first;
		last = ms > last ? ms : last;
	}
	/* the trip's own distance is the only one followed by a number */
	for (p = text; (p = strstr(p, "\"distance\": ")); p++) {
		char *end;
		double d = strtod(p + strlen("\"distance\": "), &end);

		if (end != p + strlen("\"distance\": "))
			dist += llround(d);
	}
	assert_int_equal(trips, 6);
	assert_int_equal(
	    import_file(f->ps, &f->reg, "cli:test", EMISSION, "trips.json", NULL, &job), CMN_OK);
	assert_string_equal(job.format->name, "emission-trips");
	assert_int_equal(job.stats.records_created, (uint64_t)trips);
	import_job_release(&job);
	check_stored(f, trips, first, last, dist);
	check_trips_load(f, &t);
	/* mode_confirm "walk", none (sensed ON_FOOT), "shared_ride" */
	assert_string_equal(json_string_value(json_object_get(t.data[0], "mode")), "walk");
	assert_string_equal(json_string_value(json_object_get(t.data[1], "mode")), "walk");
	assert_string_equal(json_string_value(json_object_get(t.data[4], "mode")), "carpool");
	assert_true(
	    fabs(json_number_value(json_object_get(json_object_get(t.data[0], "from"), "lon")) +
		 122.0857861) < 1e-9);
	check_trips_release(&t);
	assert_int_equal(
	    import_file(f->ps, &f->reg, "cli:test", EMISSION, "trips.json", "emission-trips", &job),
	    CMN_OK);
	assert_int_equal(job.stats.records_created, 0);
	assert_int_equal(job.stats.records_duplicate, (uint64_t)trips);
	import_job_release(&job);
	check_stored(f, trips, first, last, dist);
	free(text);
}

/* ---- whole or nothing under a failed allocation ------------------------------ */

/* A trip is stored as the person's: one kept without its distance, an end,
 * a place's name or its purpose (a jansson set that failed unseen) would
 * be a false record, and a footprint app would count it for nothing. A
 * Semantic Location History segment with named ends; an e-mission trip
 * with every member. */
static void trips_whole_or_nothing(void **state)
{
	struct fixture *f = *state;
	char path[256];
	static const char semantic[] =
	    "{\"timelineObjects\": [{\"activitySegment\": {"
	    "\"startLocation\": {\"latitudeE7\": 451234567, \"longitudeE7\": 48123456, "
	    "\"name\": \"Maison\"}, \"endLocation\": {\"latitudeE7\": 452000000, "
	    "\"longitudeE7\": 49000000, \"name\": \"Biblioth\xc3\xa8que\"}, "
	    "\"duration\": {\"startTimestamp\": \"2021-08-02T07:00:00Z\", "
	    "\"endTimestamp\": \"2021-08-02T07:20:00Z\"}, \"distance\": 2300, "
	    "\"activityType\": \"CYCLING\"}}]}\n";
	static const char emission[] =
	    "[{\"metadata\": {\"key\": \"analysis/confirmed_trip\"}, \"data\": {"
	    "\"start_ts\": 1466436000, \"end_ts\": 1466437275.856, "
	    "\"start_loc\": {\"type\": \"Point\", \"coordinates\": [-122.08, 37.39]}, "
	    "\"end_loc\": {\"type\": \"Point\", \"coordinates\": [-122.06, 37.40]}, "
	    "\"distance\": 2010.4, \"user_input\": {\"mode_confirm\": \"bike\", "
	    "\"purpose_confirm\": \"work\"}}}]\n";

	snprintf(path, sizeof(path), "%s/semantic.json", f->dir);
	check_write_file(path, semantic, sizeof(semantic) - 1);
	assert_true(import_whole_or_nothing(f, path, "takeout-semantic", "mobility.trip", 1) >= 10);
	snprintf(path, sizeof(path), "%s/trips.json", f->dir);
	check_write_file(path, emission, sizeof(emission) - 1);
	assert_true(import_whole_or_nothing(f, path, "emission-trips", "mobility.trip", 1) >= 10);
}

/* ---- hostile ------------------------------------------------------------------ */

struct hostile {
	const char *name;
	const char *format;
	const char *text;
	size_t len;          /* 0: strlen */
	const char *message; /* a part of the error */
	const char *pointer;
};

static void hostile(void **state)
{
	struct fixture *f = *state;
	static const struct hostile cases[] = {
	    {"lat91.json", "takeout-semantic",
	     "{\"timelineObjects\": [{\"activitySegment\": {\"startLocation\": {\"latitudeE7\": "
	     "910000000, \"longitudeE7\": 1}, \"duration\": {\"startTimestamp\": "
	     "\"2021-08-01T00:22:28Z\", \"endTimestamp\": \"2021-08-01T00:32:28Z\"}}}]}",
	     0, "1e-7 degrees", "/timelineObjects/0/activitySegment/startLocation/latitudeE7"},
	    {"latlng.json", "takeout-semantic",
	     "{\"semanticSegments\": [{\"startTime\": \"2024-05-01T08:00:00Z\", \"endTime\": "
	     "\"2024-05-01T09:00:00Z\", \"activity\": {\"start\": {\"latLng\": \"91\xc2\xb0, "
	     "4\xc2\xb0\"}}}]}",
	     0, "latitude", "/semanticSegments/0/activity/start/latLng"},
	    {"backwards.json", "takeout-semantic",
	     "{\"timelineObjects\": [{\"activitySegment\": {\"duration\": {\"startTimestamp\": "
	     "\"2021-08-01T00:22:28Z\", \"endTimestamp\": \"2021-08-01T00:12:28Z\"}}}]}",
	     0, "ends before", "/timelineObjects/0/activitySegment/duration"},
	    {"notime.json", "takeout-semantic",
	     "{\"timelineObjects\": [{\"activitySegment\": {\"duration\": {}}}]}", 0,
	     "expected a time", "/timelineObjects/0/activitySegment/duration/startTimestampMs"},
	    {"nul.json", "takeout-semantic", "{\"timelineObjects\": [\0]}", 23, "NUL", ""},
	    {"utf8.json", "takeout-semantic", "{\"timelineObjects\": [\"\xc3\x28\"]}", 0,
	     "invalid JSON", "/timelineObjects/0"},
	    {"dup.json", "takeout-semantic", "{\"timelineObjects\": [], \"timelineObjects\": []}",
	     0, "given twice", ""},
	    {"other.json", "takeout-semantic", "{\"locations\": []}", 0, "not a semantic", ""},
	    {"empty.json", "takeout-semantic", "", 0, "empty", ""},
	    {"elat91.json", "emission-trips",
	     "[{\"data\": {\"start_ts\": 1466436483.395, \"end_ts\": 1466437275.856, "
	     "\"start_loc\": {\"coordinates\": [4.8, 91]}}}]",
	     0, "latitude", "/0/data/start_loc/coordinates"},
	    {"ets.json", "emission-trips",
	     "[{\"data\": {\"start_ts\": 1466436483.395, \"end_ts\": 1466437275.856}}, "
	     "{\"data\": {\"start_ts\": \"x\", \"end_ts\": 1466437275.856}}]",
	     0, "seconds since 1970", "/1/data/start_ts"},
	    {"edist.json", "emission-trips",
	     "[{\"data\": {\"start_ts\": 1, \"end_ts\": 2, \"distance\": -3}}]", 0, "metres",
	     "/0/data/distance"},
	    {"enul.json", "emission-trips", "[{\"data\": \0}]", 13, "NUL", ""},
	    {"eobj.json", "emission-trips", "{\"data\": {}}", 0, "an array", ""},
	};
	struct import_job job;
	char deep[512];
	size_t n;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct hostile *c = &cases[i];

		assert_int_equal(import_text(f, c->name, c->text, c->len ? c->len : strlen(c->text),
					     c->format, &job),
				 CMN_ERR_INVALID);
		if (!strstr(job.err.message, c->message))
			fail_msg("%s: \"%s\" lacks \"%s\"", c->name, job.err.message, c->message);
		if (strcmp(job.err.pointer, c->pointer) != 0)
			fail_msg("%s: pointer \"%s\", not \"%s\"", c->name, job.err.pointer,
				 c->pointer);
		import_job_release(&job);
		nothing_written(f);
	}
	/* 100 levels of nesting, for both formats */
	n = (size_t)snprintf(deep, sizeof(deep), "{\"timelineObjects\": ");
	for (int i = 0; i < 100; i++)
		deep[n++] = '[';
	assert_int_equal(import_text(f, "deep.json", deep, n, "takeout-semantic", &job),
			 CMN_ERR_INVALID);
	assert_non_null(strstr(job.err.message, "deeper than 64"));
	assert_int_equal(job.err.line, 1);
	import_job_release(&job);
	assert_int_equal(import_text(f, "deep2.json", deep + 20, n - 20, "emission-trips", &job),
			 CMN_ERR_INVALID);
	assert_non_null(strstr(job.err.message, "deeper than 64"));
	import_job_release(&job);
	nothing_written(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(semantic_fixture, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(timeline_synthetic, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(emission_fixture, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(trips_whole_or_nothing, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(hostile, check_setup, check_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
