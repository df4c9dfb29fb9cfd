/*
 * test_import_mobility.c - GPX files and Google Takeout Records.json into
 * mobility.position series and mobility.trip records: the real files of
 * ../shared/fixtures (gpx/, takeout/) checked against figures recomputed
 * here by a deliberately plain scan of their text (strstr and strtod, no
 * XML nor JSON parser), synthetic edge cases (rounding, repeated times,
 * times without an offset), hostile inputs that must import nothing, and
 * trips whole or not imported under each failed JSON allocation.
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
#include "series/series.h"
#include "store/store.h"

#define GPX_DIR COMMUNE_FIXTURES "/gpx/"
#define RECORDS COMMUNE_FIXTURES "/takeout/records.json"

static char *slurp(const char *path, size_t *len)
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
	if (len)
		*len = (size_t)n;
	return text;
}

static double haversine(double lat1, double lon1, double lat2, double lon2)
{
	double r = 3.14159265358979 / 180, dlat = (lat2 - lat1) * r, dlon = (lon2 - lon1) * r;
	double a = sin(dlat / 2) * sin(dlat / 2) +
		   cos(lat1 * r) * cos(lat2 * r) * sin(dlon / 2) * sin(dlon / 2);

	return 2 * 6371000.0 * atan2(sqrt(a), sqrt(1 - a));
}

/* ---- what a GPX file holds, by a plain text scan --------------------------- */

#define MAX_SEGS 16

struct gpx_truth {
	long timed;            /* points with a <time> */
	long distinct;         /* ... with a time not seen before */
	long long lat_sum;     /* udeg of the distinct ones */
	int64_t first, last;   /* min and max time */
	int segs;              /* track segments with 2+ timed points */
	double dist[MAX_SEGS]; /* their haversine lengths */
};

/* attr_deg - lat="..." or lon="..." within [s, end), as a double */
static double attr_deg(const char *s, const char *end, const char *name)
{
	char pat[8];
	const char *p;

	snprintf(pat, sizeof(pat), "%s=\"", name);
	p = strstr(s, pat);
	assert_true(p && p < end);
	return strtod(p + strlen(pat), NULL);
}

static int64_t time_of(const char *s)
{
	char buf[64];
	size_t n = strcspn(s, "<");
	int64_t t;

	assert_true(n < 60);
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (buf[n - 1] != 'Z' && !strchr(buf + 19, '+'))
		snprintf(buf + n, sizeof(buf) - n, "Z");
	assert_int_equal(time_parse(buf, false, &t), CMN_OK);
	return t;
}

static void gpx_truth(const char *path, struct gpx_truth *t)
{
	char *text = slurp(path, NULL);
	int64_t *seen = calloc(100000, sizeof(*seen));
	long nseen = 0;
	const char *seg = text;

	memset(t, 0, sizeof(*t));
	/* points in document order: waypoints, routes and tracks may mix */
	for (const char *p = text; (p = strchr(p, '<')); p++) {
		const char *end, *tm;
		int64_t when;
		bool dup = false;

		if (strncmp(p, "<wpt ", 5) && strncmp(p, "<rtept ", 7) && strncmp(p, "<trkpt ", 7))
			continue;
		end = strstr(p, p[1] == 'w' ? "</wpt>" : p[1] == 'r' ? "</rtept>" : "</trkpt>");
		assert_non_null(end);
		tm = strstr(p, "<time>");
		if (!tm || tm > end)
			continue;
		when = time_of(tm + 6);
		t->timed++;
		if (t->timed == 1 || when < t->first)
			t->first = when;
		if (t->timed == 1 || when > t->last)
			t->last = when;
		for (long i = 0; i < nseen; i++)
			dup = dup || seen[i] == when;
		if (dup)
			continue;
		seen[nseen++] = when;
		t->distinct++;
		t->lat_sum += llround(attr_deg(p, end, "lat") * 1e6);
	}
	/* segments: consecutive trkpt between <trkseg> and </trkseg> */
	while ((seg = strstr(seg, "<trkseg>"))) {
		const char *end = strstr(seg, "</trkseg>"), *p = seg;
		double plat = 0, plon = 0, d = 0;
		int n = 0, ntimed = 0;

		assert_non_null(end);
		while ((p = strstr(p, "<trkpt ")) && p < end) {
			const char *close = strstr(p, "</trkpt>");
			double lat = attr_deg(p, close, "lat"), lon = attr_deg(p, close, "lon");
			const char *tm = strstr(p, "<time>");

			if (n++)
				d += haversine(plat, plon, lat, lon);
			ntimed += tm && tm < close;
			plat = lat;
			plon = lon;
			p = close;
		}
		if (ntimed >= 2) {
			assert_true(t->segs < MAX_SEGS);
			t->dist[t->segs++] = d;
		}
		seg = end;
	}
	free(seen);
	free(text);
}

static enum cmn_rc add_up(int64_t t, int64_t v, void *pv)
{
	long long *sum = pv;

	(void)t;
	*sum += v;
	return CMN_OK;
}

/* nothing_written - no series and no trip in the store. */
static void nothing_written(struct fixture *f)
{
	struct check_trips t;
	int nseries = 0;

	assert_int_equal(pstore_series_each(f->ps, check_count_series, &nseries), CMN_OK);
	assert_int_equal(nseries, 0);
	check_trips_load(f, &t);
	assert_int_equal(t.n, 0);
}

static void series_check(struct fixture *f, const char *source, const char *key, long points,
			 int64_t first, int64_t last, long long sum)
{
	struct series_def def;
	long long got = 0;

	assert_int_equal(pstore_series_find(f->ps, "mobility.position", source, key, &def), CMN_OK);
	assert_int_equal(def.points, points);
	assert_int_equal(def.step, 0);
	assert_string_equal(def.unit, strstr(key, "/alt") ? "m" : "udeg");
	assert_int_equal(def.t_first, first);
	assert_int_equal(def.t_last, last);
	assert_int_equal(series_scan(f->ps, &def, INT64_MIN / 2, INT64_MAX / 2, add_up, &got),
			 CMN_OK);
	assert_int_equal(got, sum);
	series_def_release(&def);
}

/* ---- GPX fixtures ------------------------------------------------------------ */

static void gpx_fixture(struct fixture *f, const char *name, const char *device, long want_distinct)
{
	struct import_job job;
	struct gpx_truth truth;
	struct check_trips trips;
	char path[256], key[80], head[4096];
	size_t n;
	FILE *fp;

	snprintf(path, sizeof(path), "%s%s", GPX_DIR, name);
	gpx_truth(path, &truth);
	assert_int_equal(truth.distinct, want_distinct);
	print_message("%s: %ld timed points, %ld distinct times, lat sum %lld udeg\n", name,
		      truth.timed, truth.distinct, truth.lat_sum);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	n = fread(head, 1, sizeof(head), fp);
	fclose(fp);
	assert_string_equal(import_detect(head, n, name, NULL, 0)->name, "gpx");

	assert_int_equal(import_file(f->ps, &f->reg, "cli:test", path, name, NULL, &job), CMN_OK);
	assert_int_equal(job.stats.records_created, truth.segs);
	import_job_release(&job);
	snprintf(key, sizeof(key), "gpx:%s/lat", device);
	series_check(f, "gpx", key, truth.distinct, truth.first, truth.last, truth.lat_sum);

	check_trips_load(f, &trips);
	assert_int_equal(trips.n, truth.segs);
	for (int i = 0; i < trips.n; i++) {
		json_int_t d = json_integer_value(json_object_get(trips.data[i], "distance_m"));

		print_message("%s: trip %d: %lld m (reference %.1f m)\n", name, i, (long long)d,
			      truth.dist[i]);
		assert_true(fabs((double)d - truth.dist[i]) <= truth.dist[i] * 0.01 + 1);
	}
	check_trips_release(&trips);

	/* the same file again changes nothing */
	assert_int_equal(import_file(f->ps, &f->reg, "cli:test", path, name, NULL, &job), CMN_OK);
	assert_int_equal(job.stats.points_added, 0);
	assert_int_equal(job.stats.points_replaced, 0);
	assert_int_equal(job.stats.records_created, 0);
	assert_int_equal(job.stats.records_duplicate, truth.segs);
	assert_int_equal(job.stats.series_created, 0);
	import_job_release(&job);
}

static void gpx_mojstrovka(void **state)
{
	struct fixture *f = *state;
	struct import_job job;

	/* GPSBabel, GPX 1.0: 184 points, all at the same (bogus, 1901) time */
	gpx_fixture(f, "Mojstrovka.gpx", "GPSBabel", 1);
	assert_int_equal(
	    import_file(f->ps, &f->reg, "cli:test", GPX_DIR "Mojstrovka.gpx", "m.gpx", NULL, &job),
	    CMN_OK);
	/* every value of the 184 points is at the one time: equal to the first
	 * point's (unchanged) or not (kept as first given); nothing written */
	assert_int_equal(job.stats.points_added, 0);
	assert_int_equal(job.stats.points_replaced, 0);
	assert_int_equal(job.stats.points_unchanged + job.stats.points_kept, 3 * 184);
	assert_true(job.stats.points_kept > 0);
	assert_int_equal(job.nwarnings, 1);
	{
		char want[64];

		snprintf(want, sizeof(want), "%llu values repeat the time",
			 (unsigned long long)job.stats.points_kept);
		assert_non_null(strstr(job.warnings[0], want));
	}
	import_job_release(&job);
}

static void gpx_visnjan(void **state)
{
	struct fixture *f = *state;
	struct series_def def;

	/* Garmin eTrex 20x, GPX 1.1, the whole file on one line */
	gpx_fixture(f, "around-visnjan-with-car.gpx", "eTrex-20x", 104);
	assert_int_equal(
	    pstore_series_find(f->ps, "mobility.position", "gpx", "gpx:eTrex-20x/alt", &def),
	    CMN_OK);
	assert_int_equal(def.points, 104);
	series_def_release(&def);
}

static void gpx_all_fields(void **state)
{
	struct fixture *f = *state;
	struct import_job job;

	/* a wpt, an rtept and a trkpt (without Z) have a time; 5 points do not */
	gpx_fixture(f, "gpx1.1_with_all_fields.gpx", "unknown", 3);
	assert_int_equal(import_file(f->ps, &f->reg, "cli:test",
				     GPX_DIR "gpx1.1_with_all_fields.gpx", "a.gpx", NULL, &job),
			 CMN_OK);
	assert_int_equal(job.nwarnings, 2);
	assert_non_null(strstr(job.warnings[0], "5 points without a time"));
	assert_non_null(strstr(job.warnings[1], "1 track segments"));
	import_job_release(&job);
}

static void gpx_garmin_extension(void **state)
{
	gpx_fixture(*state, "gpx_with_garmin_extension.gpx", "Runkeeper", 1);
}

/* ---- GPX synthetic ------------------------------------------------------------ */

static enum cmn_rc import_text(struct fixture *f, const char *name, const char *text, size_t n,
			       const char *format, struct import_job *job)
{
	return check_import_text(f, name, format, text, n, job);
}

static void gpx_rounding_and_repeats(void **state)
{
	struct fixture *f = *state;
	struct import_job job;
	struct check_trips trips;
	static const char text[] =
	    "\xef\xbb\xbf<?xml version='1.0' encoding='utf-8'?>\n"
	    "<!-- a comment -- with dashes -->\n"
	    "<gpx version=\"1.1\" creator=\"My  Phone &amp; Co\">\n"
	    "<trk><type>Cycling</type><trkseg>\n"
	    " <trkpt lat=\"1.0000005\" lon=\"-1.0000005\"><ele>-0.5</ele>"
	    "<time>2024-01-01T10:00:00</time></trkpt>\n"
	    " <trkpt lat=\"1.00000049999\" lon=\"&#49;.5\"><ele>10.49</ele>"
	    "<time><![CDATA[2024-01-01T11:00:00+01:00]]></time></trkpt>\n"
	    " <trkpt lat=\"0.1\" lon=\"0\"><time> 2024-01-01T10:00:01.5Z </time></trkpt>\n"
	    " <trkpt lat=\"-0.0000015\" lon=\"180\"/>\n"
	    "</trkseg></trk></gpx>\n";

	assert_int_equal(import_text(f, "r.gpx", text, sizeof(text) - 1, NULL, &job), CMN_OK);
	/* 10:00:00Z twice (the second with another lat, lon and ele): the
	 * first kept */
	assert_int_equal(job.stats.points_added, 2 + 2 + 1);
	assert_int_equal(job.stats.points_kept, 3);
	assert_int_equal(job.nwarnings, 2);
	assert_non_null(strstr(job.warnings[0], "1 points without a time"));
	assert_non_null(strstr(job.warnings[1], "3 values repeat the time"));
	import_job_release(&job);
	series_check(f, "gpx", "gpx:My-Phone-Co/lat", 2, 1704103200000, 1704103201500,
		     1000001 + 100000);
	series_check(f, "gpx", "gpx:My-Phone-Co/lon", 2, 1704103200000, 1704103201500, -1000001);
	series_check(f, "gpx", "gpx:My-Phone-Co/alt", 1, 1704103200000, 1704103200000, -1);
	check_trips_load(f, &trips);
	assert_int_equal(trips.n, 1);
	assert_string_equal(json_string_value(json_object_get(trips.data[0], "mode")), "bike");
	assert_string_equal(json_string_value(json_object_get(trips.data[0], "start")),
			    "2024-01-01T10:00:00.000Z");
	assert_string_equal(json_string_value(json_object_get(trips.data[0], "end")),
			    "2024-01-01T10:00:01.500Z");
	assert_true(json_real_value(json_object_get(json_object_get(trips.data[0], "to"), "lon")) ==
		    180.0);
	check_trips_release(&trips);
}

/* ---- whole or nothing under a failed allocation ------------------------------ */

/* A track segment is stored as a trip of the person's: one kept without
 * its distance (a jansson set that failed unseen) would count for nothing
 * in the footprint apps compute from it. Two segments, two trips. */
static void gpx_whole_or_nothing(void **state)
{
	struct fixture *f = *state;
	char path[256];
	static const char text[] =
	    "<?xml version=\"1.0\"?>\n<gpx version=\"1.1\" creator=\"Phone\">\n"
	    "<trk><type>walking</type><trkseg>\n"
	    "<trkpt lat=\"47.2\" lon=\"6.0\"><time>2024-05-01T08:00:00Z</time></trkpt>\n"
	    "<trkpt lat=\"47.21\" lon=\"6.01\"><time>2024-05-01T08:10:00Z</time></trkpt>\n"
	    "</trkseg><trkseg>\n"
	    "<trkpt lat=\"47.21\" lon=\"6.01\"><time>2024-05-01T17:00:00Z</time></trkpt>\n"
	    "<trkpt lat=\"47.2\" lon=\"6.0\"><time>2024-05-01T17:12:00Z</time></trkpt>\n"
	    "</trkseg></trk></gpx>\n";

	snprintf(path, sizeof(path), "%s/whole.gpx", f->dir);
	check_write_file(path, text, sizeof(text) - 1);
	assert_true(import_whole_or_nothing(f, path, "gpx", "mobility.trip", 2) >= 10);
}

struct hostile {
	const char *name;
	const char *text;
	size_t len;          /* 0: strlen */
	const char *message; /* a part of the error */
	size_t line;         /* 0: not checked */
};

/* a file in ISO-8859-1 (as older tools write it): read, its text converted */
static void gpx_latin1(void **state)
{
	struct fixture *f = *state;
	struct import_job job;
	static const char text[] =
	    "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n"
	    "<gpx version=\"1.1\" creator=\"Randonn\xe9" "e \xe0 Besan\xe7on\">\n"
	    "<trk><name>Montb\xe9liard \x80 Besan\xe7on</name><trkseg>\n"
	    "<trkpt lat=\"47.2\" lon=\"6.0\"><time>2024-05-01T08:00:00Z</time></trkpt>\n"
	    "<trkpt lat=\"47.21\" lon=\"6.01\"><time>2024-05-01T08:10:00Z</time></trkpt>\n"
	    "</trkseg></trk></gpx>\n";

	assert_int_equal(import_text(f, "latin1.gpx", text, sizeof(text) - 1, "gpx", &job), CMN_OK);
	assert_int_equal(job.stats.points_added, 4);
	assert_int_equal(job.stats.records_created, 1);
	import_job_release(&job);
}

static void gpx_hostile(void **state)
{
	struct fixture *f = *state;
	static const struct hostile cases[] = {
	    {"laughs.gpx",
	     "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n"
	     " <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n]>\n"
	     "<gpx><wpt lat=\"1\" lon=\"1\"><name>&lol2;</name></wpt></gpx>\n",
	     0, "DOCTYPE", 2},
	    {"entity.gpx", "<gpx><!ENTITY x \"y\"></gpx>", 0, "ENTITY", 1},
	    {"undefined.gpx", "<gpx><wpt lat=\"1\" lon=\"1\"><name>&x;</name></wpt></gpx>", 0,
	     "&x; is not defined", 1},
	    {"nul.gpx", "<gpx>\n<wpt lat=\"1\"\0 lon=\"1\"/></gpx>", 35, "NUL", 2},
	    {"utf8.gpx", "<gpx><wpt lat=\"1\" lon=\"1\"><name>\xc3\x28</name></wpt></gpx>", 0,
	     "UTF-8", 1},
	    {"overlong.gpx", "<gpx><name>\xc0\xaf</name></gpx>", 0, "UTF-8", 1},
	    {"lat91.gpx",
	     "<gpx>\n<trk><trkseg>\n<trkpt lat=\"46.1\" lon=\"1\"><time>2024-01-01T00:00:00Z"
	     "</time></trkpt>\n<trkpt lat=\"91\" lon=\"1\"><time>2024-01-01T00:00:01Z</time>"
	     "</trkpt></trkseg></trk></gpx>",
	     0, "lat must be", 4},
	    {"badtime.gpx", "<gpx><wpt lat=\"1\" lon=\"1\"><time>yesterday</time></wpt></gpx>", 0,
	     "expected a time", 1},
	    {"mismatch.gpx", "<gpx><trk></trkseg></gpx>", 0, "was expected", 1},
	    {"truncated.gpx", "<gpx><trk><trkseg>", 0, "ends inside", 1},
	    {"notgpx.gpx", "<kml></kml>", 0, "not a GPX file", 1},
	    {"ebcdic.gpx", "<?xml version=\"1.0\" encoding=\"EBCDIC-FR\"?><gpx></gpx>", 0,
	     "EBCDIC-FR", 1},
	    {"cp1252.gpx",
	     "<?xml version=\"1.0\" encoding=\"windows-1252\"?>\n<gpx><trk><name>a\x81</name>"
	     "</trk></gpx>",
	     0, "0x81 is not a Windows-1252", 2},
	    {"nolat.gpx", "<gpx><wpt lon=\"1\"/></gpx>", 0, "needs lat and lon", 1},
	    {"exp.gpx", "<gpx><wpt lat=\"1e1\" lon=\"1\"/></gpx>", 0, "lat must be", 1},
	    {"two.gpx", "<gpx></gpx><gpx></gpx>", 0, "after the root", 1},
	    {"empty.gpx", "", 0, "empty", 0},
	};
	struct import_job job;
	char deep[4096];
	size_t n = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct hostile *c = &cases[i];
		char path[256];

		snprintf(path, sizeof(path), "%s/%s", f->dir, c->name);
		check_write_file(path, c->text, c->len ? c->len : strlen(c->text));
		assert_int_equal(
		    import_file(f->ps, &f->reg, "cli:test", path, c->name, "gpx", &job),
		    CMN_ERR_INVALID);
		if (!strstr(job.err.message, c->message))
			fail_msg("%s: \"%s\" lacks \"%s\"", c->name, job.err.message, c->message);
		if (c->line)
			assert_int_equal(job.err.line, c->line);
		import_job_release(&job);
		nothing_written(f);
	}
	/* 100 levels of nesting */
	n += (size_t)snprintf(deep, sizeof(deep), "<gpx>");
	for (int i = 0; i < 100; i++)
		n += (size_t)snprintf(deep + n, sizeof(deep) - n, "<a>");
	assert_int_equal(import_text(f, "deep.gpx", deep, n, NULL, &job), CMN_ERR_INVALID);
	assert_non_null(strstr(job.err.message, "deeper than 64"));
	import_job_release(&job);
	nothing_written(f);
}

/* ---- Takeout Records.json ------------------------------------------------------ */

/* What Records.json holds, by a plain scan: each location runs from one
 * "latitudeE7" to the next, and its own timestamp is the last in that span
 * (those of its activity[] come before it). */
struct takeout_truth {
	long points, distinct;
	long long lat_sum; /* latitudeE7 / 10, rounded, of the distinct ones */
	int64_t first, last;
};

static void takeout_truth(const char *path, struct takeout_truth *t)
{
	char *text = slurp(path, NULL);
	int64_t seen[1000];
	const char *p = strstr(text, "\"latitudeE7\"");

	memset(t, 0, sizeof(*t));
	while (p) {
		const char *next = strstr(p + 1, "\"latitudeE7\""), *ts = NULL, *q = p;
		long long e7 = strtoll(strchr(p, ':') + 1, NULL, 10);
		int64_t when;
		bool dup = false;
		char buf[40];

		while ((q = strstr(q + 1, "\"timestamp\"")) && (!next || q < next))
			ts = q;
		assert_non_null(ts);
		ts = strchr(strchr(ts, ':'), '"') + 1;
		assert_true(strcspn(ts, "\"") < sizeof(buf));
		snprintf(buf, sizeof(buf), "%.*s", (int)strcspn(ts, "\""), ts);
		assert_int_equal(time_parse(buf, false, &when), CMN_OK);
		t->points++;
		if (t->points == 1 || when < t->first)
			t->first = when;
		if (t->points == 1 || when > t->last)
			t->last = when;
		for (long i = 0; i < t->distinct; i++)
			dup = dup || seen[i] == when;
		if (!dup) {
			assert_true(t->distinct < 1000);
			seen[t->distinct++] = when;
			t->lat_sum += e7 >= 0 ? (e7 + 5) / 10 : -((-e7 + 5) / 10);
		}
		p = next;
	}
	free(text);
}

static void takeout_records(void **state)
{
	struct fixture *f = *state;
	struct takeout_truth truth;
	struct import_job job;
	struct series_def def;
	char head[4096];
	size_t n;
	FILE *fp;

	takeout_truth(RECORDS, &truth);
	print_message("records.json: %ld locations, %ld distinct times, lat sum %lld udeg\n",
		      truth.points, truth.distinct, truth.lat_sum);
	assert_int_equal(truth.points, 12);
	fp = fopen(RECORDS, "rb");
	assert_non_null(fp);
	n = fread(head, 1, sizeof(head), fp);
	fclose(fp);
	assert_string_equal(import_detect(head, n, "Records.json", NULL, 0)->name,
			    "takeout-records");

	assert_int_equal(
	    import_file(f->ps, &f->reg, "cli:test", RECORDS, "Records.json", NULL, &job), CMN_OK);
	assert_int_equal(job.stats.series_created, 2); /* no altitude in this file */
	assert_int_equal(job.stats.points_added, 2 * truth.distinct);
	import_job_release(&job);
	series_check(f, "takeout", "takeout:phone/lat", truth.distinct, truth.first, truth.last,
		     truth.lat_sum);
	assert_int_equal(
	    pstore_series_find(f->ps, "mobility.position", "takeout", "takeout:phone/alt", &def),
	    CMN_ERR_NOT_FOUND);

	/* the same file again changes nothing */
	assert_int_equal(
	    import_file(f->ps, &f->reg, "cli:test", RECORDS, "Records.json", NULL, &job), CMN_OK);
	assert_int_equal(job.stats.points_added, 0);
	assert_int_equal(job.stats.points_replaced, 0);
	assert_int_equal(job.stats.points_unchanged, 2 * truth.distinct);
	import_job_release(&job);
}

static void takeout_synthetic(void **state)
{
	struct fixture *f = *state;
	struct import_job job;
	/* timestampMs, altitude, E7 rounding both ways, other members skipped,
	 * a repeated time with other coordinates, an element without a position */
	static const char text[] =
	    "\xef\xbb\xbf{\"version\": {\"a\": [1, \"]}\\\"\"]}, \"locations\" : [\n"
	    " {\"latitudeE7\": 15, \"longitudeE7\": -15, \"altitude\": 10.5,"
	    " \"timestampMs\": \"1444502822597\"},\n"
	    " {\"latitudeE7\": 14, \"longitudeE7\": -14, \"timestamp\": "
	    "\"2015-10-10T18:47:03Z\"},\n"
	    " {\"latitudeE7\": 99, \"longitudeE7\": 0, \"timestampMs\": \"1444502822597\"},\n"
	    " {\"accuracy\": 5, \"timestamp\": \"2015-10-10T18:47:04Z\"}\n"
	    "], \"other\": null}\n";

	assert_int_equal(import_text(f, "Records.json", text, sizeof(text) - 1, NULL, &job),
			 CMN_OK);
	/* the third element repeats the first's time with another lat and lon
	 * (no altitude): those two values are kept as first given */
	assert_int_equal(job.stats.points_added, 2 + 2 + 1);
	assert_int_equal(job.stats.points_kept, 2);
	assert_int_equal(job.nwarnings, 2);
	assert_non_null(strstr(job.warnings[0], "1 elements of locations have no"));
	assert_non_null(strstr(job.warnings[1], "2 values repeat the time"));
	import_job_release(&job);
	series_check(f, "takeout", "takeout:phone/lat", 2, 1444502822597, 1444502823000, 2 + 1);
	series_check(f, "takeout", "takeout:phone/lon", 2, 1444502822597, 1444502823000, -2 - 1);
	series_check(f, "takeout", "takeout:phone/alt", 1, 1444502822597, 1444502822597, 11);
}

static void takeout_hostile(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *name;
		const char *text;
		size_t len;
		const char *message;
		const char *pointer;
	} cases[] = {
	    {"lat91.json",
	     "{\"locations\": [{\"latitudeE7\": 437789954, \"longitudeE7\": 1, \"timestamp\": "
	     "\"2015-10-10T18:47:02Z\"}, {\"latitudeE7\": 910000000, \"longitudeE7\": 1, "
	     "\"timestamp\": \"2015-10-10T18:48:02Z\"}]}",
	     0, "expected an integer", "/locations/1/latitudeE7"},
	    {"notime.json", "{\"locations\": [{\"latitudeE7\": 1, \"longitudeE7\": 1}]}", 0,
	     "timestamp", "/locations/0"},
	    {"badms.json",
	     "{\"locations\": [{\"latitudeE7\": 1, \"longitudeE7\": 1, \"timestampMs\": \"12a\"}]}",
	     0, "milliseconds", "/locations/0/timestampMs"},
	    {"real.json",
	     "{\"locations\": [{\"latitudeE7\": 1.5, \"longitudeE7\": 1, \"timestamp\": "
	     "\"2015-10-10T18:47:02Z\"}]}",
	     0, "expected an integer", "/locations/0/latitudeE7"},
	    {"nul.json", "{\"locations\": [\0]}", 17, "NUL", ""},
	    {"utf8.json",
	     "{\"locations\": [{\"latitudeE7\": 1, \"longitudeE7\": 1, \"timestamp\": "
	     "\"2015-10-10T18:47:02Z\", \"x\": \"\xc3\x28\"}]}",
	     0, "invalid JSON", "/locations/0"},
	    {"dup.json",
	     "{\"locations\": [{\"latitudeE7\": 1, \"latitudeE7\": 2, \"longitudeE7\": 1, "
	     "\"timestamp\": \"2015-10-10T18:47:02Z\"}]}",
	     0, "invalid JSON", "/locations/0"},
	    {"truncated.json", "{\"locations\": [{\"latitudeE7\": 1", 0, "ends inside", ""},
	    {"nolocations.json", "{\"timelineObjects\": []}", 0, "no \"locations\"", ""},
	    {"notarray.json", "{\"locations\": {}}", 0, "to be an array", ""},
	    {"after.json", "{\"locations\": []} []", 0, "more after", ""},
	    {"empty.json", "", 0, "empty", ""},
	};
	struct import_job job;
	char deep[256];
	size_t n;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char path[256];

		snprintf(path, sizeof(path), "%s/%s", f->dir, cases[i].name);
		check_write_file(path, cases[i].text,
			   cases[i].len ? cases[i].len : strlen(cases[i].text));
		assert_int_equal(import_file(f->ps, &f->reg, "cli:test", path, cases[i].name,
					     "takeout-records", &job),
				 CMN_ERR_INVALID);
		if (!strstr(job.err.message, cases[i].message))
			fail_msg("%s: \"%s\" lacks \"%s\"", cases[i].name, job.err.message,
				 cases[i].message);
		assert_string_equal(job.err.pointer, cases[i].pointer);
		import_job_release(&job);
		nothing_written(f);
	}
	/* nesting: 40 levels inside a location, and outside it */
	n = (size_t)snprintf(deep, sizeof(deep), "{\"locations\": [{\"a\": ");
	for (int i = 0; i < 40; i++)
		deep[n++] = '[';
	assert_int_equal(import_text(f, "deep.json", deep, n, "takeout-records", &job),
			 CMN_ERR_INVALID);
	assert_non_null(strstr(job.err.message, "deeper than 32"));
	import_job_release(&job);
	n = (size_t)snprintf(deep, sizeof(deep), "{\"x\": ");
	for (int i = 0; i < 40; i++)
		deep[n++] = '{';
	assert_int_equal(import_text(f, "deep2.json", deep, n, "takeout-records", &job),
			 CMN_ERR_INVALID);
	assert_non_null(strstr(job.err.message, "deeper than 32"));
	import_job_release(&job);
	nothing_written(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(gpx_mojstrovka, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(gpx_visnjan, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(gpx_all_fields, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(gpx_garmin_extension, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(gpx_rounding_and_repeats, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(gpx_latin1, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(gpx_hostile, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(gpx_whole_or_nothing, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(takeout_records, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(takeout_synthetic, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(takeout_hostile, check_setup, check_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
