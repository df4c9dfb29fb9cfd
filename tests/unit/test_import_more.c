/*
 * test_import_more.c - the Enedis "mesure synchrone" JSON, GRDF ADICT
 * nd-json and GeoJSON importers on synthetic files (no real file exists
 * for them): DST days, gaps, final over provisional readings, re-imports
 * that change nothing, errors that name the line and JSON pointer and
 * write nothing, hostile input, and GeoJSON trips whole or not imported
 * under each failed JSON allocation. Expected figures are computed here
 * from the generated text, not by commune's parsers.
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
#include "core/timeutil.h"
#include "crypto/crypt.h"
#include "import/import.h"
#include "record/doctype.h"
#include "series/series.h"
#include "store/store.h"

#define PRM "12345678901234"
#define PCE "22423299474865"

/* ---- helpers ---------------------------------------------------------------- */

/* expect_error - text imported with format fails at pointer (and line when
 * line > 0), and nothing is written. */
static void expect_error(struct fixture *f, const char *format, const char *text,
			 const char *pointer, size_t line)
{
	struct import_job job;

	assert_int_equal(check_import_text(f, "bad.txt", format, text, strlen(text), &job),
			 CMN_ERR_INVALID);
	assert_true(job.err.message[0] != '\0');
	if (pointer)
		assert_string_equal(job.err.pointer, pointer);
	if (line)
		assert_int_equal(job.err.line, line);
	import_job_release(&job);
	assert_int_equal(check_nseries(f), 0);
}

/* Hostile input: deep nesting, a NUL byte, invalid UTF-8, a huge number,
 * an empty file: each refused, nothing written. */
static void hostile(struct fixture *f, const char *format, const char *huge)
{
	static const char nul[] = "{\"idPrm\": \"12345678901234\",\0 \"grandeur\": []}\n";

	check_json_hostile(f, format, nul, sizeof(nul) - 1,
			   "{\"idPrm\": \"1234567890123\xff\", \"grandeur\": []}\n", huge);
}

/* ---- Enedis mesure synchrone ------------------------------------------------ */

/* Paris offset in 2026 (s): summer time from 03-29 01:00Z to 10-25 01:00Z. */
static int paris_2026(int64_t t)
{
	return t >= check_time("2026-03-29T01:00:00Z") && t < check_time("2026-10-25T01:00:00Z") ? 7200 : 3600;
}

/* wall - t as a Paris wall time with its offset. */
static void wall(char out[64], int64_t t)
{
	int off = paris_2026(t), m, d;
	int64_t l = t / 1000 + off, y, days = time_floor_div(l, 86400), s = l - days * 86400;

	time_civil_from_days(days, &y, &m, &d);
	snprintf(out, 64, "%04lld-%02d-%02dT%02lld:%02lld:00+%02d:00", (long long)y, m, d,
		 (long long)(s / 3600), (long long)(s / 60 % 60), off / 3600);
}

/* sync_curve - PA points at 30 minutes from t0 (UTC) for n intervals, d at
 * each interval's END; interval gap (-1: none) has v "". */
static size_t sync_curve(char *out, size_t cap, int64_t t0, int n, int gap, long long *sum)
{
	size_t used = (size_t)snprintf(out, cap,
				       "{\"idPrm\": \"" PRM "\", \"periode\": {\"dateDebut\":"
				       " \"2026-03-29\", \"dateFin\": \"2026-03-30\"},"
				       " \"grandeur\": [{\"grandeurMetier\": \"CONS\","
				       " \"grandeurPhysique\": \"PA\", \"unite\": \"W\","
				       " \"points\": [");

	*sum = 0;
	for (int i = 0; i < n; i++) {
		char d[64];

		wall(d, t0 + (int64_t)(i + 1) * 1800000);
		if (i == gap)
			used += (size_t)snprintf(out + used, cap - used,
						 "%s{\"v\": \"\", \"d\": \"%s\", \"p\": \"PT30M\","
						 " \"n\": \"R\"}",
						 i ? ", " : "", d);
		else
			used +=
			    (size_t)snprintf(out + used, cap - used,
					     "%s{\"v\": \"%d\", \"d\": \"%s\", \"p\": \"PT30M\","
					     " \"n\": \"R\"}",
					     i ? ", " : "", 500 + i, d);
		if (i != gap)
			*sum += 500 + i;
	}
	used += (size_t)snprintf(out + used, cap - used, "]}]}");
	return used;
}

/* The two DST days of 2026 as one curve each: 46 and 50 intervals, d with
 * offsets, points stamped at the interval start; a gap; re-import. */
static void sync_curve_dst(void **state)
{
	struct fixture *f = *state;
	struct import_job job;
	struct series_def def;
	struct check_scan s;
	char *text = malloc(32768);
	long long sum;
	size_t n;

	n = sync_curve(text, 32768, check_time("2026-03-28T23:00:00Z"), 46, 10, &sum);
	assert_int_equal(check_import_text(f, "mars.json", NULL, text, n, &job), CMN_OK);
	assert_string_equal(job.format->name, "enedis-synchrone");
	assert_int_equal(job.stats.points_added, 45);
	import_job_release(&job);
	check_points(f, "energy.electricity.load_curve", "enedis", PRM, &s, &def);
	assert_int_equal(s.n, 45);
	assert_int_equal(s.sum, sum);
	assert_int_equal(def.step, 1800000);
	assert_true(s.t[0] == check_time("2026-03-28T23:00:00Z"));
	assert_true(s.t[44] == check_time("2026-03-29T21:30:00Z"));
	assert_true(s.t[10] == s.t[9] + 2 * 1800000); /* the gap */
	series_def_release(&def);

	n = sync_curve(text, 32768, check_time("2026-10-24T22:00:00Z"), 50, -1, &sum);
	assert_int_equal(check_import_text(f, "oct.json", "enedis-synchrone", text, n, &job), CMN_OK);
	assert_int_equal(job.stats.points_added, 50);
	import_job_release(&job);
	/* again: nothing changes */
	assert_int_equal(check_import_text(f, "oct.json", "enedis-synchrone", text, n, &job), CMN_OK);
	assert_int_equal(job.stats.points_added, 0);
	assert_int_equal(job.stats.points_replaced, 0);
	assert_int_equal(job.stats.points_unchanged, 50);
	import_job_release(&job);
	check_points(f, "energy.electricity.load_curve", "enedis", PRM, &s, &def);
	assert_int_equal(s.n, 95);
	series_def_release(&def);
	free(text);
}

/* Daily energy: 00:00 UTC of each date; production skipped with a warning;
 * 30-minute energy in a series of its own. */
static void sync_daily(void **state)
{
	struct fixture *f = *state;
	struct import_job job;
	struct series_def def;
	struct check_scan s;
	static const char text[] =
	    "{\"idPrm\": \"" PRM "\", \"periode\": {\"dateDebut\": \"2026-10-24\","
	    " \"dateFin\": \"2026-10-27\"}, \"grandeur\": ["
	    "{\"grandeurMetier\": \"CONS\", \"grandeurPhysique\": \"EA\", \"unite\": \"Wh\","
	    " \"points\": [{\"v\": \"8000\", \"d\": \"2026-10-24T00:00:00+02:00\", \"p\": \"P1D\"},"
	    " {\"v\": 9100, \"d\": \"2026-10-25T00:00:00+02:00\", \"p\": \"P1D\"},"
	    " {\"v\": null, \"d\": \"2026-10-26T00:00:00+01:00\", \"p\": \"P1D\"}]},"
	    "{\"grandeurMetier\": \"PROD\", \"grandeurPhysique\": \"EA\", \"unite\": \"Wh\","
	    " \"points\": [{\"v\": \"5\", \"d\": \"2026-10-24T00:00:00+02:00\", \"p\": \"P1D\"}]},"
	    "{\"grandeurMetier\": \"CONS\", \"grandeurPhysique\": \"EA\", \"unite\": \"Wh\","
	    " \"points\": [{\"v\": \"250\", \"d\": \"2026-10-24T00:30:00+02:00\", \"p\": "
	    "\"PT30M\"},"
	    " {\"v\": \"260\", \"d\": \"2026-10-24T01:00:00+02:00\", \"p\": \"PT30M\"}]}]}";

	assert_int_equal(check_import_text(f, "day.json", NULL, text, strlen(text), &job), CMN_OK);
	assert_int_equal(job.stats.points_added, 4);
	assert_int_equal(job.nwarnings, 1);
	import_job_release(&job);
	check_points(f, "energy.electricity.consumption", "enedis", PRM, &s, &def);
	assert_int_equal(s.n, 2);
	assert_true(s.t[0] == check_time("2026-10-24"));
	assert_true(s.t[1] == check_time("2026-10-25"));
	assert_int_equal(s.sum, 17100);
	series_def_release(&def);
	check_points(f, "energy.electricity.consumption", "enedis", PRM "/30min", &s, &def);
	assert_int_equal(s.n, 2);
	assert_true(s.t[0] == check_time("2026-10-23T22:00:00Z"));
	series_def_release(&def);
}

#define SYNC_HEAD                                                                                  \
	"{\"idPrm\": \"" PRM "\", \"grandeur\": [{\"grandeurMetier\": \"CONS\","                   \
	" \"grandeurPhysique\": \"PA\", \"unite\": \"W\", \"points\": ["

static void sync_errors(void **state)
{
	struct fixture *f = *state;

	expect_error(f, "enedis-synchrone",
		     SYNC_HEAD
		     "{\"v\": \"1\", \"d\": \"2026-01-01T00:30:00+01:00\", \"p\": \"PT30M\"},"
		     " {\"v\": \"-2\", \"d\": \"2026-01-01T01:00:00+01:00\", \"p\": "
		     "\"PT30M\"}]}]}",
		     "/grandeur/0/points/1/v", 0);
	expect_error(f, "enedis-synchrone",
		     SYNC_HEAD
		     "{\"v\": \"1\", \"d\": \"2026-01-01T00:30:00\", \"p\": \"PT30M\"}]}]}",
		     "/grandeur/0/points/0/d", 0);
	expect_error(f, "enedis-synchrone",
		     SYNC_HEAD
		     "{\"v\": \"1\", \"d\": \"2026-01-01T01:00:00+01:00\", \"p\": \"PT30M\"},"
		     " {\"v\": \"1\", \"d\": \"2026-01-01T00:30:00+01:00\", \"p\": "
		     "\"PT30M\"}]}]}",
		     "/grandeur/0/points/1/d", 0);
	expect_error(f, "enedis-synchrone",
		     SYNC_HEAD
		     "{\"v\": \"1\", \"d\": \"2026-01-01T00:30:00+01:00\", \"p\": \"PT30M\"},"
		     " {\"v\": \"1\", \"d\": \"2026-01-01T01:30:00+01:00\", \"p\": "
		     "\"PT60M\"}]}]}",
		     "/grandeur/0/points/1/p", 0);
	expect_error(f, "enedis-synchrone",
		     SYNC_HEAD
		     "{\"v\": \"1\", \"d\": \"2026-01-01T00:30:00+01:00\", \"p\": \"PT7M\"}]}]}",
		     "/grandeur/0/points/0/p", 0);
	expect_error(f, "enedis-synchrone", "{\"idPrm\": \"123\", \"grandeur\": []}", "/idPrm", 0);
	expect_error(f, "enedis-synchrone", "[1]", "", 0);
	expect_error(f, "enedis-synchrone", "{\"idPrm\": \"" PRM "\",\n \"grandeur\": [,]}", NULL,
		     2);
}

static void sync_hostile(void **state)
{
	hostile(*state, "enedis-synchrone",
		SYNC_HEAD "{\"v\": 1e999999, \"d\": \"2026-01-01T00:30:00+01:00\", \"p\": "
			  "\"PT30M\"}]}]}");
	hostile(*state, "enedis-synchrone",
		SYNC_HEAD "{\"v\": \"99999999999999999999999\", \"d\": "
			  "\"2026-01-01T00:30:00+01:00\", \"p\": \"PT30M\"}]}]}");
}

/* ---- GRDF ADICT -------------------------------------------------------------- */

#define ADICT(pce, d0, d1, kwh, m3, extra)                                                         \
	"{\"pce\": {\"id_pce\": \"" pce "\"}, \"consommation\": {\"date_debut_consommation\":"     \
	" \"" d0 "\", \"date_fin_consommation\": \"" d1 "\", \"energie\": " kwh ","                \
	" \"volume_brut\": " m3 ", \"flag_retour_zero\": false}" extra "}\n"

/* Days around the October change, a provisional then final reading of the
 * same day (and the reverse order), a gap, a monthly period skipped, two
 * PCEs; re-import changes nothing. */
static void adict_days(void **state)
{
	struct fixture *f = *state;
	struct import_job job;
	struct series_def def;
	struct check_scan s;
	static const char text[] =
	    ADICT(PCE, "2024-10-26", "2024-10-27", "50.5", "4.6",
		  ", \"statut_restitution\": null, \"qualification\": "
		  "\"definitive\"") ADICT(PCE, "2024-10-27", "2024-10-28", "60", "5.5",
					  ", \"statut_restitution\": null, "
					  "\"qualification\": "
					  "\"provisoire\"") "\n" ADICT(PCE,
								       "2024"
								       "-10-"
								       "27",
								       "2024"
								       "-10-"
								       "28",
								       "61."
								       "25",
								       "5.6",
								       ", "
								       "\"st"
								       "atut"
								       "_res"
								       "titu"
								       "tion"
								       "\": "
								       "null"
								       ", "
								       "\"qu"
								       "alif"
								       "icat"
								       "ion"
								       "\": "
								       "\"de"
								       "fini"
								       "tive"
								       "\"")
		ADICT(PCE, "2024-10-28", "2024-10-29", "70", "6",
		      ", \"statut_restitution\": null, \"qualification\": \"definitive\"")
		    ADICT(PCE, "2024-10-28", "2024-10-29", "99", "9",
			  ", \"statut_restitution\": null, \"qualification\": \"provisoire\"")
			ADICT(PCE, "2024-10-29", "2024-10-30", "null", "null",
			      ", \"statut_restitution\": {\"code\": \"1000\"}")
			    ADICT(PCE, "2024-10-01", "2024-11-01", "900", "80", "")
				ADICT("11111111111111", "2024-10-26", "2024-10-27", "1", "0.1", "");

	assert_int_equal(check_import_text(f, "adict.ndjson", NULL, text, strlen(text), &job), CMN_OK);
	assert_string_equal(job.format->name, "grdf-adict");
	assert_int_equal(job.stats.points_added, 8);
	assert_int_equal(job.nwarnings, 2);
	import_job_release(&job);
	check_points(f, "energy.gas.consumption", "grdf", PCE, &s, &def);
	assert_int_equal(s.n, 3);
	assert_true(s.t[0] == check_time("2024-10-26"));
	assert_true(s.t[2] == check_time("2024-10-28"));
	assert_int_equal(s.v[1], 61250);
	assert_int_equal(s.v[2], 70000);
	assert_int_equal(s.sum, 50500 + 61250 + 70000);
	series_def_release(&def);
	check_points(f, "energy.gas.consumption", "grdf", PCE ".volume", &s, &def);
	assert_int_equal(s.sum, 4600 + 5600 + 6000);
	assert_string_equal(def.unit, "m3e-3");
	series_def_release(&def);
	assert_int_equal(check_nseries(f), 4);

	assert_int_equal(check_import_text(f, "adict.ndjson", "grdf-adict", text, strlen(text), &job),
			 CMN_OK);
	assert_int_equal(job.stats.points_added, 0);
	assert_int_equal(job.stats.points_replaced, 0);
	assert_int_equal(job.stats.points_unchanged, 8);
	import_job_release(&job);
}

static void adict_errors(void **state)
{
	struct fixture *f = *state;

	expect_error(f, "grdf-adict",
		     ADICT(PCE, "2024-01-01", "2024-01-02", "1", "1", "")
			 ADICT(PCE, "2024-01-02", "2024-01-03", "1", "1", "")
			     ADICT(PCE, "2024-01-03", "2024-01-04", "1.2345", "1", ""),
		     "/consommation/energie", 3);
	expect_error(f, "grdf-adict",
		     ADICT(PCE, "2024-01-01", "2024-01-02", "1", "1", "") "{\"pce\": ,}\n", "", 2);
	expect_error(f, "grdf-adict", ADICT("1234", "2024-01-01", "2024-01-02", "1", "1", ""),
		     "/pce/id_pce", 1);
	expect_error(f, "grdf-adict", ADICT(PCE, "2024-02-30", "2024-03-01", "1", "1", ""),
		     "/consommation/date_debut_consommation", 1);
	expect_error(f, "grdf-adict", ADICT(PCE, "2024-01-02", "2024-01-01", "1", "1", ""),
		     "/consommation/date_fin_consommation", 1);
	expect_error(f, "grdf-adict", ADICT(PCE, "2024-01-01", "2024-01-02", "-1", "1", ""),
		     "/consommation/energie", 1);
	expect_error(f, "grdf-adict", ADICT(PCE, "2024-01-01", "2024-01-02", "1", "1e300", ""),
		     "/consommation/volume_brut", 1);
	expect_error(f, "grdf-adict", "\n\n", NULL, 0);
	expect_error(f, "grdf-adict", "[1]\n", "", 1);
}

static void adict_hostile(void **state)
{
	hostile(*state, "grdf-adict",
		ADICT(PCE, "2024-01-01", "2024-01-02", "123456789012345678901234567890", "1", ""));
}

struct trips {
	int n;
	json_t *data[64];
};

static enum cmn_rc keep_trip(const struct record_meta *m, const char *data,
			     const struct query_value *key, void *pv)
{
	struct trips *t = pv;

	(void)m;
	(void)key;
	if (t->n < 64)
		t->data[t->n++] = json_loads(data, 0, NULL);
	return CMN_OK;
}

/* ---- GeoJSON ----------------------------------------------------------------- */

#define GJ_POINT(lon, lat, props)                                                                  \
	"{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", \"coordinates\": [" lon       \
	", " lat "]}, \"properties\": {" props "}}"

/* The features of geojson_mixed. */
#define GJ_ALT                                                                                     \
	"{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", \"coordinates\":"             \
	" [2.3522, 48.8566, 35.4]}, \"properties\": {\"time\": \"2024-03-31T01:59:00+01:00\"}}"
#define GJ_MS GJ_POINT("2.3530", "48.8570", "\"timestamp\": 1711846800000")
#define GJ_BIKE                                                                                    \
	GJ_POINT("-0.5792", "44.8378",                                                             \
		 "\"time\": \"2024-03-31T03:00:00+02:00\", \"device\": \"bike\"")
#define GJ_UNTIMED GJ_POINT("1", "1", "\"name\": \"no time\"")
#define GJ_TRIP                                                                                    \
	"{\"type\": \"Feature\", \"geometry\": {\"type\": \"LineString\", \"coordinates\":"        \
	" [[2.3522, 48.8566], [2.2945, 48.8584], [2.3376, 48.8606]]}, \"properties\":"             \
	" {\"start\": \"2024-03-31T08:00:00Z\", \"end\": \"2024-03-31T08:40:00Z\","                \
	" \"mode\": \"bike\"}}"
#define GJ_POLYGON                                                                                 \
	"{\"type\": \"Feature\", \"geometry\": {\"type\": \"Polygon\", \"coordinates\": []},"      \
	" \"properties\": null}"

static double hav(double lat1, double lon1, double lat2, double lon2)
{
	double r = M_PI / 180, a = sin((lat2 - lat1) * r / 2), b = sin((lon2 - lon1) * r / 2);

	return 2 * 6371008.8 * asin(sqrt(a * a + cos(lat1 * r) * cos(lat2 * r) * b * b));
}

/* Points of two devices (RFC 3339 and ms times, an altitude, an untimed
 * one), a LineString trip, a Polygon skipped; re-import changes nothing. */
static void geojson_mixed(void **state)
{
	struct fixture *f = *state;
	struct import_job job;
	struct series_def def;
	struct check_scan s;
	struct trips t = {0};
	static const char text[] =
	    "{\"type\": \"FeatureCollection\", \"features\": [" GJ_ALT "," GJ_MS "," GJ_BIKE
	    "," GJ_UNTIMED "," GJ_TRIP "," GJ_POLYGON "]}";
	double d = hav(48.8566, 2.3522, 48.8584, 2.2945) + hav(48.8584, 2.2945, 48.8606, 2.3376);

	assert_int_equal(check_import_text(f, "walk.geojson", NULL, text, strlen(text), &job), CMN_OK);
	assert_string_equal(job.format->name, "geojson");
	assert_int_equal(job.stats.points_added, 7);
	assert_int_equal(job.stats.records_created, 1);
	assert_int_equal(job.nwarnings, 2);
	import_job_release(&job);
	check_points(f, "mobility.position", "geojson", "geojson:unknown/lat", &s, &def);
	assert_int_equal(s.n, 2);
	assert_true(s.t[0] == check_time("2024-03-31T00:59:00Z"));
	assert_true(s.t[1] == 1711846800000LL);
	assert_int_equal(s.v[0], 48856600);
	series_def_release(&def);
	check_points(f, "mobility.position", "geojson", "geojson:unknown/alt", &s, &def);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.v[0], 35);
	series_def_release(&def);
	check_points(f, "mobility.position", "geojson", "geojson:bike/lon", &s, &def);
	assert_int_equal(s.v[0], -579200);
	assert_true(s.t[0] == check_time("2024-03-31T01:00:00Z"));
	series_def_release(&def);
	{
		struct store_query q = {
		    .doctype = "mobility.trip", .sort = QSORT_TIME, .limit = 64};
		struct trips *tp = &t;

		assert_int_equal(pstore_record_query(f->ps, &q, keep_trip, tp), CMN_OK);
	}
	assert_int_equal(t.n, 1);
	assert_string_equal(json_string_value(json_object_get(t.data[0], "mode")), "bike");
	assert_int_equal(json_integer_value(json_object_get(t.data[0], "distance_m")),
			 (json_int_t)llround(d));
	json_decref(t.data[0]);

	assert_int_equal(check_import_text(f, "walk.geojson", NULL, text, strlen(text), &job), CMN_OK);
	assert_int_equal(job.stats.points_added, 0);
	assert_int_equal(job.stats.points_unchanged, 7);
	assert_int_equal(job.stats.records_created, 0);
	assert_int_equal(job.stats.records_duplicate, 1);
	import_job_release(&job);
}

#define GJ(features) "{\"type\": \"FeatureCollection\", \"features\": [" features "]}"

static void geojson_errors(void **state)
{
	struct fixture *f = *state;

	expect_error(f, "geojson",
		     GJ(GJ_POINT("2", "48", "\"time\": \"2024-01-01T00:00:00Z\"") "," GJ_POINT(
			 "200", "48", "\"time\": \"2024-01-01T00:00:01Z\"")),
		     "/features/1/geometry/coordinates/0", 0);
	expect_error(f, "geojson",
		     GJ("{\"type\": \"Feature\", \"geometry\": {\"type\": \"LineString\","
			" \"coordinates\": [[2, 48], [2, 95]]}, \"properties\": {}}"),
		     "/features/0/geometry/coordinates/1/1", 0);
	expect_error(f, "geojson", GJ(GJ_POINT("2", "48", "\"time\": \"yesterday\"")),
		     "/features/0/properties/time", 0);
	expect_error(f, "geojson", GJ(GJ_POINT("2", "48", "\"timestamp\": -5")),
		     "/features/0/properties/timestamp", 0);
	expect_error(
	    f, "geojson",
	    GJ(GJ_POINT("2", "48", "\"time\": \"2024-01-01T00:00:00Z\", \"device\": \"\"")),
	    "/features/0/properties/device", 0);
	expect_error(f, "geojson",
		     GJ("{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\","
			" \"coordinates\": [2]}}"),
		     "/features/0/geometry/coordinates", 0);
	expect_error(f, "geojson",
		     GJ("{\"type\": \"Feature\", \"geometry\": {\"type\": \"LineString\","
			" \"coordinates\": [[2, 48], [2, 49]]}, \"properties\": {\"start\":"
			" \"2024-01-01T10:00:00Z\", \"end\": \"2024-01-01T09:00:00Z\"}}"),
		     "/features/0/properties/end", 0);
	expect_error(f, "geojson", "{\"type\": \"Feature\"}", "/type", 1);
	expect_error(f, "geojson", "{\"type\": \"FeatureCollection\"}", "/features", 0);
}

/* ---- whole or nothing under a failed allocation ------------------------------ */

/* A LineString is stored as a trip of the person's: one kept without its
 * distance (a jansson set that failed unseen) would count for nothing in
 * the footprint apps compute from it. */
static void geojson_whole_or_nothing(void **state)
{
	struct fixture *f = *state;
	char path[256];
	static const char text[] = GJ(GJ_TRIP);

	snprintf(path, sizeof(path), "%s/trip.geojson", f->dir);
	check_write_file(path, text, sizeof(text) - 1);
	assert_true(import_whole_or_nothing(f, path, "geojson", "mobility.trip", 1) >= 10);
}

static void geojson_hostile(void **state)
{
	hostile(*state, "geojson",
		GJ(GJ_POINT("1e999999", "48", "\"time\": \"2024-01-01T00:00:00Z\"")));
	hostile(*state, "geojson",
		GJ(GJ_POINT("2", "48", "\"timestamp\": 99999999999999999999999")));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(sync_curve_dst, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(sync_daily, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(sync_errors, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(sync_hostile, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(adict_days, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(adict_errors, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(adict_hostile, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(geojson_mixed, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(geojson_errors, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(geojson_whole_or_nothing, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(geojson_hostile, check_setup, check_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
