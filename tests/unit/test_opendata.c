/*
 * test_opendata.c - the territory's open data (src/opendata/, issue 13)
 * in-process, each test on a fresh data directory: every parser on good
 * files (the ADEME, GTFS and synthetic territory's files) and on bad ones,
 * whose refusal names the exact place (a JSON pointer, or LINE:COLUMN);
 * emission factors, GTFS feeds, tariffs and weather whole or not made
 * under each failed allocation in turn; versions, the kind a name keeps,
 * all-or-nothing loads; the districts filled for campaigns; and the
 * point-in-polygon on squares, a polygon with a hole, edges and vertices
 * (the rule of opendata.h: south and west edges in, north and east out).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "jsonfail.h"
#include "apps/app.h"
#include "core/timeutil.h"
#include "fixture.h"
#include "opendata/opendata.h"
#include "synth/synth.h"

#define ADEME COMMUNE_FIXTURES "/ademe"
#define GTFS_FEED COMMUNE_FIXTURES "/gtfs/good_feed"

static struct fixture f;

static int setup(void **state)
{
	(void)state;
	return fixture_open(&f, "alice");
}

static int teardown(void **state)
{
	(void)state;
	fixture_close(&f);
	return 0;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *data;
	long n;

	if (!fp)
		fail_msg("cannot open %s", path);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	data = malloc((size_t)n + 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)n, fp), (size_t)n);
	data[n] = '\0';
	fclose(fp);
	*len = (size_t)n;
	return data;
}

/* parse - kind on one file of text; the canonical content, or NULL with
 * err */
static json_t *parse(enum opendata_kind kind, const char *text, char *err, size_t errn)
{
	struct opendata_file file = {"file", text, strlen(text)};
	json_t *canon = NULL;

	err[0] = '\0';
	if (opendata_parse(kind, &file, 1, &canon, err, errn) != CMN_OK) {
		assert_null(canon);
		return NULL;
	}
	assert_non_null(canon);
	return canon;
}

/* refused - text of kind is refused and the message begins with where
 * followed by ':' and a space */
static void refused(enum opendata_kind kind, const char *text, const char *where)
{
	char err[OPENDATA_ERR_MAX];
	size_t n = strlen(where);
	json_t *canon = parse(kind, text, err, sizeof(err));

	if (canon) {
		json_decref(canon);
		fail_msg("accepted as %s: %s", opendata_kind_name(kind), text);
	}
	if (strncmp(err, where, n) != 0 || err[n] != ':' || err[n + 1] != ' ')
		fail_msg("\"%s\" does not name %s (%s)", err, where, text);
}

static void near(double got, double want, const char *what)
{
	if (got < want - 1e-9 || got > want + 1e-9)
		fail_msg("%s: %.12g, expected %.12g", what, got, want);
}

static double num(const json_t *obj, const char *member)
{
	const json_t *v = json_object_get(obj, member);

	if (!json_is_number(v))
		fail_msg("no number %s", member);
	return json_number_value(v);
}

/* load - one file of text as the next version of name */
static enum cmn_rc load(const char *name, enum opendata_kind kind, const char *text, int64_t now,
			struct opendata_version *v, char *err, size_t errn)
{
	struct opendata_file file = {"file", text, strlen(text)};
	struct opendata_load l = {name, kind, "https://example.org/data", "etalab-2.0", &file, 1,
				  now};

	return opendata_load(f.s, &l, v, err, errn);
}

/* ---- emission factors ------------------------------------------------------------- */

/* the modes read from ADEME's file are those of the bundled dataset */
static void emission_factors_of_ademe(void **state)
{
	size_t len, elen = 0, i;
	char err[OPENDATA_ERR_MAX];
	char *text = slurp(ADEME "/deplacement.json", &len);
	const char *embedded = app_dataset("ademe.transport", &elen);
	json_t *canon, *bundled;
	const json_t *modes, *want, *factor;
	const char *mode;

	(void)state;
	canon = parse(OPENDATA_EMISSION_FACTORS, text, err, sizeof(err));
	if (!canon)
		fail_msg("deplacement.json: %s", err);
	bundled = json_loadb(embedded, elen, 0, NULL);
	assert_non_null(bundled);
	modes = json_object_get(canon, "modes");
	json_object_foreach(json_object_get(bundled, "modes"), mode, want) {
		const json_t *got = json_object_get(modes, mode);
		const json_t *wb = json_object_get(want, "bands"), *gb = json_object_get(got, "bands");

		if (!got)
			fail_msg("no mode %s", mode);
		if (json_object_get(want, "kg_per_km"))
			near(num(got, "kg_per_km"), num(want, "kg_per_km"), mode);
		assert_int_equal(json_array_size(gb), json_array_size(wb));
		for (size_t b = 0; b < json_array_size(wb); b++) {
			near(num(json_array_get(gb, b), "kg_per_km"),
			     num(json_array_get(wb, b), "kg_per_km"), mode);
			assert_int_equal(
			    json_integer_value(json_object_get(json_array_get(gb, b), "max_km")),
			    json_integer_value(json_object_get(json_array_get(wb, b), "max_km")));
		}
		if (json_object_get(want, "ademe"))
			assert_true(json_equal(json_object_get(got, "ademe"),
					       json_object_get(want, "ademe")));
		for (size_t b = 0; b < json_array_size(wb); b++)
			assert_true(json_equal(json_object_get(json_array_get(gb, b), "ademe"),
					       json_object_get(json_array_get(wb, b), "ademe")));
	}
	/* every entry is a factor per km; the bus's is its two parts' sum */
	assert_int_equal(json_array_size(json_object_get(canon, "factors")), 18);
	json_array_foreach(json_object_get(canon, "factors"), i, factor) {
		assert_string_equal(json_string_value(json_object_get(factor, "unit")), "kgCO2e/km");
		if (json_integer_value(json_object_get(factor, "id")) == 9)
			near(num(factor, "value"), 0.00892 + 0.1135, "bus");
	}
	json_decref(canon);
	json_decref(bundled);
	free(text);

	/* heating: per m² and year, with the intensity per kWh from the notes */
	text = slurp(ADEME "/chauffage.json", &len);
	canon = parse(OPENDATA_EMISSION_FACTORS, text, err, sizeof(err));
	if (!canon)
		fail_msg("chauffage.json: %s", err);
	assert_null(json_object_get(canon, "modes"));
	factor = json_array_get(json_object_get(canon, "factors"), 0);
	assert_string_equal(json_string_value(json_object_get(factor, "slug")), "chauffagegaz");
	assert_string_equal(json_string_value(json_object_get(factor, "unit")), "kgCO2e/m2/year");
	near(num(factor, "value"), 39, "gas heating");
	near(num(factor, "kg_per_kwh"), 0.221, "gas per kWh");
	near(num(factor, "efficiency"), 0.85, "gas boiler");
	near(num(factor, "kwh_per_m2"), 150, "need");
	json_decref(canon);
	free(text);
}

static size_t fail_at; /* the allocation that fails (jsonfail.h) */

/* canon_whole - kind's content of files under each of jansson's allocations
 * failing in turn: CMN_ERR_NOMEM and nothing, or the very content. Returns
 * how many parses failed. */
static size_t canon_whole(enum opendata_kind kind, const struct opendata_file *files, size_t n,
			  const char *what)
{
	char err[OPENDATA_ERR_MAX], *want, *got;
	json_t *canon = NULL;
	size_t failed = 0;

	if (opendata_parse(kind, files, n, &canon, err, sizeof(err)) != CMN_OK)
		fail_msg("%s: %s", what, err);
	want = json_dumps(canon, JSON_COMPACT);
	json_decref(canon);
	for (fail_at = 1;; fail_at++) {
		enum cmn_rc rc;

		canon = (json_t *)1;
		jsonfail_arm(fail_at);
		rc = opendata_parse(kind, files, n, &canon, err, sizeof(err));
		jsonfail_disarm();
		if (rc != CMN_OK) {
			if (rc != CMN_ERR_NOMEM)
				fail_msg("%s, allocation %zu failed: %s (%s)", what, fail_at,
					 cmn_strerror(rc), err);
			assert_null(canon);
			failed++;
			continue;
		}
		got = json_dumps(canon, JSON_COMPACT);
		if (strcmp(got, want) != 0)
			fail_msg("%s, allocation %zu failed: kept\n%s\ninstead of\n%s", what,
				 fail_at, got, want);
		free(got);
		json_decref(canon);
		if (jsonfail_count() < fail_at) /* no allocation failed: all were tried */
			break;
	}
	free(want);
	return failed;
}

/* emission_whole - the factors of the file at path under every failed
 * allocation: CMN_ERR_NOMEM and nothing, or the very content */
static void emission_whole(const char *path)
{
	size_t len;
	char *text = slurp(path, &len);
	struct opendata_file file = {path, text, len};

	/* every value read, every factor, band and mode */
	assert_true(canon_whole(OPENDATA_EMISSION_FACTORS, &file, 1, path) >= 500);
	free(text);
}

/* The factors are stored as the dataset's next version, which apps and
 * campaigns read for good: a factor's value, a part, a band or a mode left
 * out would be a wrong emission factor kept. */
static void emission_whole_or_nothing(void **state)
{
	(void)state;
	emission_whole(ADEME "/deplacement.json");
	emission_whole(ADEME "/chauffage.json");
}

#define ENTRY "{\"id\":1,\"name\":\"Bus\",\"slug\":\"bus\",\"category\":4,"

static void emission_faults(void **state)
{
	(void)state;
	refused(OPENDATA_EMISSION_FACTORS, "[", "/");
	refused(OPENDATA_EMISSION_FACTORS, "{}", "/");
	refused(OPENDATA_EMISSION_FACTORS, "[]", "/");
	refused(OPENDATA_EMISSION_FACTORS, "[{\"name\":\"x\"}]", "/0/id");
	refused(OPENDATA_EMISSION_FACTORS, "[" ENTRY "\"total\":0}, 3]", "/1");
	refused(OPENDATA_EMISSION_FACTORS, "[" ENTRY "\"ecv\":[]}]", "/0/ecv");
	refused(OPENDATA_EMISSION_FACTORS,
		"[" ENTRY "\"ecv\":[{\"id\":5,\"value\":0.1},{\"id\":6,\"value\":-1}]}]",
		"/0/ecv/1/value");
	refused(OPENDATA_EMISSION_FACTORS, "[" ENTRY "\"total\":1,\"ecv\":[]}]", "/0");
	refused(OPENDATA_EMISSION_FACTORS, "[" ENTRY "\"total\":1}," ENTRY "\"total\":2}]", "/1/id");
	refused(OPENDATA_EMISSION_FACTORS,
		"[" ENTRY "\"ecvs\":[{\"display\":{\"max\":\"far\"},\"ecv\":[]}]}]",
		"/0/ecvs/0/display");
	refused(OPENDATA_EMISSION_FACTORS, "[{\"id\":1,\"name\":\"\",\"slug\":\"b\",\"category\":4,"
					   "\"total\":1}]",
		"/0/name");
}

/* ---- districts --------------------------------------------------------------------- */

#define SQUARE(code, x0, y0, x1, y1)                                                      \
	"{\"type\":\"Feature\",\"properties\":{\"code\":\"" code "\",\"name\":\"" code "\"}," \
	"\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[" #x0 "," #y0 "],[" #x1 ","   \
	#y0 "],[" #x1 "," #y1 "],[" #x0 "," #y1 "],[" #x0 "," #y0 "]]]}}"
#define COLLECTION(features) "{\"type\":\"FeatureCollection\",\"features\":[" features "]}"

/* a 10 x 10 square with a 2 x 2 hole in its middle, and a MultiPolygon of
 * two unit squares far from it */
#define HOLED                                                                              \
	"{\"type\":\"Feature\",\"properties\":{\"code\":\"H\",\"name\":\"Holed\"},"          \
	"\"geometry\":{\"type\":\"Polygon\",\"coordinates\":["                               \
	"[[0,0],[10,0],[10,10],[0,10],[0,0]],[[4,4],[4,6],[6,6],[6,4],[4,4]]]}}"
#define ISLANDS                                                                            \
	"{\"type\":\"Feature\",\"properties\":{\"code\":\"M\",\"name\":\"Islands\"},"        \
	"\"geometry\":{\"type\":\"MultiPolygon\",\"coordinates\":["                          \
	"[[[20,0],[21,0],[21,1],[20,1],[20,0]]],[[[30,0],[31,0],[31,1],[30,1],[30,0]]]]}}"

static const char *at(const struct opendata_index *ix, double lon, double lat)
{
	long i = opendata_index_at(ix, lon, lat);

	return i < 0 ? "-" : opendata_index_district(ix, i)->code;
}

static void point_in_polygon(void **state)
{
	char err[OPENDATA_ERR_MAX];
	json_t *canon;
	struct opendata_index *ix;

	(void)state;
	canon = parse(OPENDATA_DISTRICTS,
		      COLLECTION(SQUARE("A", 0, 0, 1, 1) "," SQUARE("B", 1, 0, 2, 1) "," SQUARE(
			  "C", 0, 1, 1, 2)),
		      err, sizeof(err));
	if (!canon)
		fail_msg("squares: %s", err);
	assert_non_null(ix = opendata_index_build(canon));
	assert_string_equal(at(ix, 0.5, 0.5), "A");
	assert_string_equal(at(ix, 1.5, 0.5), "B");
	assert_string_equal(at(ix, 0.5, 1.5), "C");
	assert_string_equal(at(ix, 1.5, 1.5), "-");
	assert_string_equal(at(ix, -0.5, 0.5), "-");
	/* edges: the west and south ones are in, the east and north ones out,
	 * so a shared edge belongs to one district only */
	assert_string_equal(at(ix, 0, 0.5), "A");   /* A's west edge */
	assert_string_equal(at(ix, 0.5, 0), "A");   /* A's south edge */
	assert_string_equal(at(ix, 1, 0.5), "B");   /* A's east edge is B's west edge */
	assert_string_equal(at(ix, 0.5, 1), "C");   /* A's north edge is C's south edge */
	assert_string_equal(at(ix, 2, 0.5), "-");   /* B's east edge, nothing beyond */
	assert_string_equal(at(ix, 1.5, 1), "-");   /* B's north edge, nothing above */
	/* vertices: the south-west corner is in */
	assert_string_equal(at(ix, 0, 0), "A");
	assert_string_equal(at(ix, 1, 0), "B");
	assert_string_equal(at(ix, 1, 1), "-");     /* A's, B's and C's corner: none's SW */
	assert_string_equal(at(ix, 0, 1), "C");
	assert_string_equal(at(ix, 0, 2), "-");
	opendata_index_free(&ix);
	assert_null(ix);
	json_decref(canon);

	canon = parse(OPENDATA_DISTRICTS, COLLECTION(HOLED "," ISLANDS), err, sizeof(err));
	if (!canon)
		fail_msg("holed: %s", err);
	assert_non_null(ix = opendata_index_build(canon));
	assert_string_equal(at(ix, 2, 2), "H");
	assert_string_equal(at(ix, 5, 5), "-");     /* in the hole */
	assert_string_equal(at(ix, 4.5, 5), "-");
	assert_string_equal(at(ix, 7, 5), "H");
	/* the hole's edges are the holed polygon's own, by the same rule
	 * turned around: its west and south edges are in the hole */
	assert_string_equal(at(ix, 4, 5), "-");
	assert_string_equal(at(ix, 6, 5), "H");
	assert_string_equal(at(ix, 5, 4), "-");
	assert_string_equal(at(ix, 5, 6), "H");
	assert_string_equal(at(ix, 20.5, 0.5), "M");
	assert_string_equal(at(ix, 30.5, 0.5), "M");
	assert_string_equal(at(ix, 25, 0.5), "-");
	/* each feature carries its bounding box */
	{
		const json_t *bbox =
		    json_object_get(json_array_get(json_object_get(canon, "features"), 1), "bbox");

		near(json_number_value(json_array_get(bbox, 0)), 20, "west");
		near(json_number_value(json_array_get(bbox, 2)), 31, "east");
	}
	opendata_index_free(&ix);
	json_decref(canon);
}

static void district_faults(void **state)
{
	(void)state;
	refused(OPENDATA_DISTRICTS, "{\"type\":\"Feature\"}", "/type");
	refused(OPENDATA_DISTRICTS, COLLECTION(""), "/features");
	refused(OPENDATA_DISTRICTS, COLLECTION(SQUARE("A", 0, 0, 1, 1) "," SQUARE("A", 1, 0, 2, 1)),
		"/features/1/properties/code");
	refused(OPENDATA_DISTRICTS, COLLECTION(SQUARE("A b", 0, 0, 1, 1)),
		"/features/0/properties/code");
	refused(OPENDATA_DISTRICTS,
		COLLECTION("{\"type\":\"Feature\",\"properties\":{\"code\":\"A\",\"name\":\"A\"},"
			   "\"geometry\":{\"type\":\"Point\",\"coordinates\":[0,0]}}"),
		"/features/0/geometry/type");
	/* a ring that does not close: its last position is at fault */
	refused(OPENDATA_DISTRICTS,
		COLLECTION("{\"type\":\"Feature\",\"properties\":{\"code\":\"A\",\"name\":\"A\"},"
			   "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
			   "[[[0,0],[1,0],[1,1],[0,1]]]}}"),
		"/features/0/geometry/coordinates/0/3");
	refused(OPENDATA_DISTRICTS,
		COLLECTION("{\"type\":\"Feature\",\"properties\":{\"code\":\"A\",\"name\":\"A\"},"
			   "\"geometry\":{\"type\":\"MultiPolygon\",\"coordinates\":"
			   "[[[[0,0],[1,0],[1,1],[0,1],[0,0]]],[[[0,0],[1,0],[1,1],[0,95],[0,0]]]]}}"),
		"/features/0/geometry/coordinates/1/0/3");
	refused(OPENDATA_DISTRICTS,
		COLLECTION("{\"type\":\"Feature\",\"properties\":{\"code\":\"A\",\"name\":\"A\"},"
			   "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
			   "[[[0,0],[1,0],[1,\"1\"],[0,1],[0,0]]]}}"),
		"/features/0/geometry/coordinates/0/2/1");
}

/* the synthetic territory's districts: loaded, given to campaigns, and
 * the centre of each is in it */
static void districts_of_the_territory(void **state)
{
	struct synth_territory *t = malloc(sizeof(*t));
	struct store_district *list = NULL, d;
	struct opendata_version v;
	char *text = NULL, err[OPENDATA_ERR_MAX];
	size_t len = 0, n = 0;
	FILE *mem;

	(void)state;
	assert_non_null(t);
	assert_int_equal(synth_territory_init(t, 1, time_days_from_civil(2024, 1, 1), 7), CMN_OK);
	assert_non_null(mem = open_memstream(&text, &len));
	assert_int_equal(synth_write_districts(t, mem), CMN_OK);
	fclose(mem);
	/* nothing loaded yet: no district anywhere */
	assert_int_equal(opendata_district_at(f.s, 4.5, 45.1, &d), CMN_ERR_NOT_FOUND);
	if (load("villebrune.districts", OPENDATA_DISTRICTS, text, 1000, &v, err, sizeof(err)) !=
	    CMN_OK)
		fail_msg("synth districts: %s", err);
	assert_int_equal(v.version, 1);
	opendata_version_release(&v);
	assert_int_equal(store_districts_list(f.s, &list, &n), CMN_OK);
	assert_int_equal(n, SYNTH_DISTRICTS);
	free(list);
	for (int k = 0; k < SYNTH_DISTRICTS; k++) {
		const struct synth_district *sd = &t->districts[k];
		double lat = (double)(sd->sw.lat + sd->ne.lat) / 2e6;
		double lon = (double)(sd->sw.lon + sd->ne.lon) / 2e6;

		assert_int_equal(opendata_district_at(f.s, lon, lat, &d), CMN_OK);
		assert_string_equal(d.code, sd->code);
		assert_string_equal(d.name, sd->name);
	}
	assert_int_equal(opendata_district_at(f.s, 0, 0, &d), CMN_ERR_NOT_FOUND);
	/* a new load is indexed anew: one square over the whole world's corner */
	assert_int_equal(load("villebrune.districts", OPENDATA_DISTRICTS,
			      COLLECTION(SQUARE("Z", -1, -1, 1, 1)), 2000, &v, err, sizeof(err)),
			 CMN_OK);
	assert_int_equal(v.version, 2);
	opendata_version_release(&v);
	assert_int_equal(opendata_district_at(f.s, 0, 0, &d), CMN_OK);
	assert_string_equal(d.code, "Z");
	assert_int_equal(store_districts_list(f.s, &list, &n), CMN_OK);
	assert_int_equal(n, 1);
	free(list);
	free(text);
	free(t);
}

/* ---- GTFS ----------------------------------------------------------------------------- */

/* rows - the data lines of a file (its lines but the header), counted
 * here independently of the parser: the fixture has no quoted line breaks */
static size_t rows(const char *text)
{
	size_t n = 0;

	for (const char *p = text; *p; p++)
		if (*p == '\n')
			n++;
	if (text[0] && text[strlen(text) - 1] != '\n')
		n++;
	return n - 1;
}

static json_t *gtfs_dir(const char *dir, size_t *nstops, size_t *nroutes, size_t *ntrips)
{
	static const char *const names[] = {"agency.txt", "stops.txt", "routes.txt", "trips.txt"};
	struct opendata_file files[4];
	char *texts[4], err[OPENDATA_ERR_MAX];
	json_t *canon = NULL;

	for (int i = 0; i < 4; i++) {
		char path[512];

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		texts[i] = slurp(path, &files[i].len);
		files[i].name = names[i];
		files[i].data = texts[i];
	}
	*nstops = rows(texts[1]);
	*nroutes = rows(texts[2]);
	*ntrips = rows(texts[3]);
	if (opendata_gtfs_parse(files, 4, &canon, err, sizeof(err)) != CMN_OK)
		fail_msg("%s: %s", dir, err);
	for (int i = 0; i < 4; i++)
		free(texts[i]);
	return canon;
}

static void gtfs_feeds(void **state)
{
	struct synth_territory *t = malloc(sizeof(*t));
	size_t nstops, nroutes, ntrips, i;
	json_t *canon;
	const json_t *route, *counts;
	char dir[160];
	bool tram = false, bus = false;

	(void)state;
	canon = gtfs_dir(GTFS_FEED, &nstops, &nroutes, &ntrips);
	counts = json_object_get(canon, "counts");
	assert_int_equal(json_integer_value(json_object_get(counts, "stops")), nstops);
	assert_int_equal(json_integer_value(json_object_get(counts, "routes")), nroutes);
	assert_int_equal(json_integer_value(json_object_get(counts, "trips")), ntrips);
	assert_int_equal(json_array_size(json_object_get(canon, "stops")), nstops);
	json_array_foreach(json_object_get(canon, "routes"), i, route) {
		assert_string_equal(json_string_value(json_object_get(route, "mode")), "bus");
		if (strcmp(json_string_value(json_object_get(route, "id")), "CITY") == 0)
			assert_string_equal(json_string_value(json_object_get(route, "short_name")),
					    "\xC5\x8C"); /* U+014C */
	}
	{
		const json_t *s = json_array_get(json_object_get(canon, "stops"), 0);

		assert_string_equal(json_string_value(json_object_get(s, "id")), "FUR_CREEK_RES");
		near(num(s, "lat"), 36.425288, "lat");
		near(num(s, "lon"), -117.133162, "lon");
	}
	json_decref(canon);

	/* the synthetic territory's feed: trams and buses */
	assert_non_null(t);
	assert_int_equal(synth_territory_init(t, 1, time_days_from_civil(2024, 1, 1), 7), CMN_OK);
	snprintf(dir, sizeof(dir), "%s/gtfs", f.dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(synth_write_gtfs(t, dir), CMN_OK);
	canon = gtfs_dir(dir, &nstops, &nroutes, &ntrips);
	assert_int_equal(json_array_size(json_object_get(canon, "routes")), nroutes);
	assert_int_equal(json_array_size(json_object_get(canon, "stops")), nstops);
	json_array_foreach(json_object_get(canon, "routes"), i, route) {
		tram |= strcmp(json_string_value(json_object_get(route, "mode")), "tram") == 0;
		bus |= strcmp(json_string_value(json_object_get(route, "mode")), "bus") == 0;
	}
	assert_true(tram && bus);
	json_decref(canon);
	free(t);
}

#define AGENCY "agency_name,agency_url,agency_timezone\nTCL,https://t.example,Europe/Paris\n"
#define STOPS "stop_id,stop_name,stop_lat,stop_lon\nA,Alpha,45.1,4.5\n"
#define ROUTES "route_id,route_short_name,route_long_name,route_type\nT1,T1,,0\n"

/* gtfs_refused - a feed of three files is refused at where */
static void gtfs_refused(const char *agency, const char *stops, const char *routes,
			 const char *where)
{
	struct opendata_file files[3] = {{"agency.txt", agency, strlen(agency)},
					 {"stops.txt", stops, strlen(stops)},
					 {"routes.txt", routes, strlen(routes)}};
	char err[OPENDATA_ERR_MAX] = "";
	size_t n = strlen(where);
	json_t *canon = NULL;

	if (opendata_gtfs_parse(files, routes[0] ? 3 : 2, &canon, err, sizeof(err)) == CMN_OK) {
		json_decref(canon);
		fail_msg("accepted: %s", where);
	}
	if (strncmp(err, where, n) != 0 || err[n] != ':' || err[n + 1] != ' ')
		fail_msg("\"%s\" does not name %s", err, where);
}

static void gtfs_faults(void **state)
{
	struct opendata_file files[3] = {{"agency.txt", "\xEF\xBB\xBF" AGENCY, 0},
					 {"stops.txt", STOPS "\"B, quoted\",\"Beta \"\"2\"\"\",45.2,4.6\r\n", 0},
					 {"routes.txt", ROUTES, 0}};
	char err[OPENDATA_ERR_MAX];
	json_t *canon = NULL;

	(void)state;
	/* a BOM, CRLF and RFC 4180 quotes are fine */
	for (int i = 0; i < 3; i++)
		files[i].len = strlen(files[i].data);
	if (opendata_gtfs_parse(files, 3, &canon, err, sizeof(err)) != CMN_OK)
		fail_msg("small feed: %s", err);
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(json_object_get(canon, "stops"), 1), "name")),
			    "Beta \"2\"");
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(json_object_get(canon, "routes"), 0), "mode")),
			    "tram");
	json_decref(canon);

	/* a line break inside quotes: the record spans two lines, and the
	 * next one is counted from the line after */
	gtfs_refused(AGENCY, STOPS "\"B\",\"Be\nta\",45.2,4.6\nC,Gamma,north,4\n", ROUTES,
		     "stops.txt:5:9");
	gtfs_refused(AGENCY, STOPS, "", "routes.txt");
	gtfs_refused(AGENCY, STOPS "B,Beta,north,4.5\n", ROUTES, "stops.txt:3:8");
	gtfs_refused(AGENCY, STOPS "B,Beta,45.1,190\n", ROUTES, "stops.txt:3:13");
	gtfs_refused(AGENCY, STOPS "A,Again,45.1,4.5\n", ROUTES, "stops.txt:3:1");
	gtfs_refused(AGENCY, "stop_id,stop_name,stop_lat\n", ROUTES, "stops.txt:1:1");
	gtfs_refused(AGENCY, STOPS "\"B,Beta,45,4\n", ROUTES, "stops.txt:3:1");
	gtfs_refused(AGENCY, STOPS, ROUTES "T2,,,bus\n", "routes.txt:3:6");
	gtfs_refused(AGENCY, STOPS, ROUTES "T2,,,3\n", "routes.txt:3:5");
	gtfs_refused("agency_name,agency_url,agency_timezone\n,https://x,UTC\n", STOPS, ROUTES,
		     "agency.txt:2:1");
}

/* ---- tariffs ------------------------------------------------------------------------- */

#define TARIFF(option, from, to, prices)                                                  \
	"{\"energy\":\"electricity\",\"option\":\"" option "\",\"power_kva\":6,"            \
	"\"valid_from\":\"" from "\",\"valid_to\":" to ",\"subscription_eur_month\":13.72," \
	"\"prices_eur_kwh\":" prices "}"
#define TARIFFS(list) "{\"currency\":\"EUR\",\"taxes\":\"TTC\",\"tariffs\":[" list "]}"

static void tariffs(void **state)
{
	char path[512], err[OPENDATA_ERR_MAX], *text;
	const char *here = __FILE__, *cut = strstr(here, "tests/unit/");
	size_t len;
	json_t *canon;
	const json_t *t;

	(void)state;
	assert_non_null(cut);
	snprintf(path, sizeof(path), "%.*sopendata/tariffs.fr.json", (int)(cut - here), here);
	text = slurp(path, &len);
	canon = parse(OPENDATA_TARIFFS, text, err, sizeof(err));
	if (!canon)
		fail_msg("the sample: %s", err);
	t = json_array_get(json_object_get(canon, "tariffs"), 0);
	near(num(t, "subscription_eur_month"), 13.72, "164.64 a year is 13.72 a month");
	assert_true(json_is_null(json_object_get(json_array_get(json_object_get(canon, "tariffs"),
								  2),
						 "valid_to")));
	json_decref(canon);
	free(text);

	canon = parse(OPENDATA_TARIFFS,
		      TARIFFS(TARIFF("hc_hp", "2025-02-01", "\"2025-07-31\"",
				     "{\"hc\":0.1696,\"hp\":0.2146}")),
		      err, sizeof(err));
	if (!canon)
		fail_msg("hc_hp: %s", err);
	near(num(json_array_get(json_object_get(canon, "tariffs"), 0), "subscription_eur_year"),
	     164.64, "a year");
	json_decref(canon);

	refused(OPENDATA_TARIFFS, "{\"currency\":\"USD\"}", "/currency");
	refused(OPENDATA_TARIFFS, TARIFFS(""), "/tariffs");
	refused(OPENDATA_TARIFFS,
		TARIFFS(TARIFF("base", "2025-02-01", "null", "{\"base\":0.2}") "," TARIFF(
		    "base", "2025-08-01", "null", "{\"base\":0.19}")),
		"/tariffs/1/valid_from");
	refused(OPENDATA_TARIFFS,
		TARIFFS(TARIFF("hc_hp", "2025-02-01", "null", "{\"hp\":0.2}")),
		"/tariffs/0/prices_eur_kwh");
	refused(OPENDATA_TARIFFS,
		TARIFFS(TARIFF("base", "2025-02-01", "\"2025-01-31\"", "{\"base\":0.2}")),
		"/tariffs/0/valid_to");
	refused(OPENDATA_TARIFFS,
		TARIFFS(TARIFF("base", "2025-02-30", "null", "{\"base\":0.2}")),
		"/tariffs/0/valid_from");
	refused(OPENDATA_TARIFFS,
		TARIFFS(TARIFF("base", "2025-02-01", "null", "{\"base\":-0.2}")),
		"/tariffs/0/prices_eur_kwh/base");
	refused(OPENDATA_TARIFFS,
		TARIFFS("{\"energy\":\"gas\",\"option\":\"heating\",\"power_kva\":6,"
			"\"valid_from\":\"2025-01-01\",\"subscription_eur_year\":300,"
			"\"prices_eur_kwh\":{\"base\":0.1}}"),
		"/tariffs/0/power_kva");
}

/* ---- weather ------------------------------------------------------------------------- */

static void weather(void **state)
{
	char err[OPENDATA_ERR_MAX];
	json_t *canon;
	const json_t *d;

	(void)state;
	canon = parse(OPENDATA_WEATHER,
		      "date;tmin;tmax\n2024-01-01;2;8\n2024-01-02;-1,5;3,5\n2024-06-01;15;27\n", err,
		      sizeof(err));
	if (!canon)
		fail_msg("min/max: %s", err);
	d = json_object_get(canon, "days");
	near(num(json_array_get(d, 0), "tmean"), 5, "(2 + 8) / 2");
	near(num(json_array_get(d, 0), "hdd"), 13, "18 - 5");
	near(num(json_array_get(d, 1), "tmean"), 1, "(-1.5 + 3.5) / 2");
	near(num(json_array_get(d, 1), "hdd"), 17, "18 - 1");
	near(num(json_array_get(d, 2), "hdd"), 0, "21 is above 18");
	near(num(canon, "hdd_total"), 30, "13 + 17");
	assert_string_equal(json_string_value(json_object_get(canon, "last")), "2024-06-01");
	json_decref(canon);

	/* the synthetic territory's file (date;temperature_c) */
	canon = parse(OPENDATA_WEATHER, "\xEF\xBB\xBF" "date,tmean\r\n2024-01-01,-3.25\r\n", err,
		      sizeof(err));
	if (!canon)
		fail_msg("mean: %s", err);
	near(num(json_array_get(json_object_get(canon, "days"), 0), "hdd"), 21.25, "18 + 3.25");
	json_decref(canon);
	canon = parse(OPENDATA_WEATHER, "date;temperature_c\n2024-01-01;3.6\n", err, sizeof(err));
	assert_non_null(canon);
	json_decref(canon);

	refused(OPENDATA_WEATHER, "", "1:1");
	refused(OPENDATA_WEATHER, "day;tmean\n2024-01-01;3\n", "1:1");
	refused(OPENDATA_WEATHER, "date;tmin\n2024-01-01;3\n", "1:1");
	refused(OPENDATA_WEATHER, "date;tmean\n", "2:1");
	refused(OPENDATA_WEATHER, "date;tmean\n2024-01-01;3\n2024-01-01;4\n", "3:1");
	refused(OPENDATA_WEATHER, "date;tmean\n2024-01-01;3\n2024-02-30;4\n", "3:1");
	refused(OPENDATA_WEATHER, "date;tmin;tmax\n2024-01-01;9;8\n", "2:12");
	refused(OPENDATA_WEATHER, "date;tmin;tmax\n2024-01-01;1;hot\n", "2:14");
	refused(OPENDATA_WEATHER, "date,tmean\n2024-01-01,3\n2024-01-02,75\n", "3:12");
}

/* ---- whole or nothing ---------------------------------------------------------------- */


/* A feed, a tariff list and a weather file are stored as a dataset's next
 * version, which apps read for good: a station kept as a mere stop, a
 * platform without its station, a route without its agency or with fewer
 * trips than it has, a tariff without its yearly subscription or valid_to,
 * a day without tmax would each be a false dataset. */
static void datasets_whole_or_nothing(void **state)
{
	static const char *const names[] = {"agency.txt", "stops.txt", "routes.txt", "trips.txt"};
	static const char weather_csv[] = "date;tmin;tmax\n2024-01-01;2;8\n2024-01-02;-1,5;3,5\n";
	static const char tariffs_json[] =
		TARIFFS(TARIFF("hc_hp", "2025-02-01", "null", "{\"hc\":0.1696,\"hp\":0.2146}"));
	struct opendata_file files[4];
	char *texts[4];

	(void)state;
	for (int i = 0; i < 4; i++) {
		char path[512];

		snprintf(path, sizeof(path), "%s/%s", GTFS_FEED, names[i]);
		texts[i] = slurp(path, &files[i].len);
		files[i].name = names[i];
		files[i].data = texts[i];
	}
	assert_true(canon_whole(OPENDATA_GTFS, files, 4, "gtfs") >= 100);
	for (int i = 0; i < 4; i++)
		free(texts[i]);
	files[0] = (struct opendata_file){"file", tariffs_json, sizeof(tariffs_json) - 1};
	assert_true(canon_whole(OPENDATA_TARIFFS, files, 1, "tariffs") >= 20);
	files[0] = (struct opendata_file){"file", weather_csv, sizeof(weather_csv) - 1};
	assert_true(canon_whole(OPENDATA_WEATHER, files, 1, "weather") >= 20);
}

/* ---- versions -------------------------------------------------------------------------- */

static enum cmn_rc count_version(const struct opendata_version *v, void *ctx)
{
	(void)v;
	(*(size_t *)ctx)++;
	return CMN_OK;
}

static void versions_and_all_or_nothing(void **state)
{
	struct opendata_version v, got;
	char err[OPENDATA_ERR_MAX];
	size_t n = 0;

	(void)state;
	assert_int_equal(load("villebrune.weather", OPENDATA_WEATHER, "date;tmean\n2024-01-01;3\n",
			      1000, &v, err, sizeof(err)),
			 CMN_OK);
	assert_int_equal(v.version, 1);
	assert_string_equal(v.kind, "weather");
	/* the SHA-256 of the file: printf 'date;tmean\n2024-01-01;3\n' | sha256sum */
	assert_int_equal(strlen(v.sha256), 64);
	assert_int_equal(v.bytes, 24);
	opendata_version_release(&v);
	assert_int_equal(load("villebrune.weather", OPENDATA_WEATHER, "date;tmean\n2024-01-01;4\n",
			      2000, &v, err, sizeof(err)),
			 CMN_OK);
	assert_int_equal(v.version, 2);
	opendata_version_release(&v);
	/* a bad file, another kind under the name, a bad name: nothing changes */
	assert_int_equal(load("villebrune.weather", OPENDATA_WEATHER, "date;tmean\n2024-01-01;x\n",
			      3000, &v, err, sizeof(err)),
			 CMN_ERR_INVALID);
	assert_string_equal(err, "2:12: tmean: a temperature from -90 to 60 °C");
	assert_int_equal(load("villebrune.weather", OPENDATA_DISTRICTS,
			      COLLECTION(SQUARE("A", 0, 0, 1, 1)), 3000, &v, err, sizeof(err)),
			 CMN_ERR_CONFLICT);
	assert_int_equal(load("Villebrune", OPENDATA_WEATHER, "date;tmean\n2024-01-01;4\n", 3000,
			      &v, err, sizeof(err)),
			 CMN_ERR_INVALID);
	assert_int_equal(strncmp(err, "name: ", 6), 0);
	assert_int_equal(store_districts_list(f.s, &(struct store_district *){NULL}, &n), CMN_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_opendata_versions(f.s, "villebrune.weather", count_version, &n),
			 CMN_OK);
	assert_int_equal(n, 2);
	/* the latest and the first stay readable */
	assert_int_equal(store_opendata_get(f.s, "villebrune.weather", 0, &got), CMN_OK);
	assert_int_equal(got.version, 2);
	assert_non_null(strstr(got.content, "\"tmean\":4"));
	opendata_version_release(&got);
	assert_int_equal(store_opendata_get(f.s, "villebrune.weather", 1, &got), CMN_OK);
	assert_non_null(strstr(got.content, "\"tmean\":3"));
	assert_int_equal(got.loaded, 1000);
	opendata_version_release(&got);
	assert_int_equal(store_opendata_get(f.s, "villebrune.weather", 3, &got), CMN_ERR_NOT_FOUND);
	assert_int_equal(store_opendata_get(f.s, "nothing", 0, &got), CMN_ERR_NOT_FOUND);
	n = 0;
	assert_int_equal(store_opendata_each(f.s, count_version, &n), CMN_OK);
	assert_int_equal(n, 1);
}

/* apps get the territory's loaded version of a dataset, the bundled one
 * otherwise */
static void apps_read_the_loaded_version(void **state)
{
	size_t len = 0, n;
	char *text = slurp(ADEME "/deplacement.json", &len), *got, err[OPENDATA_ERR_MAX];
	struct opendata_version v;
	json_t *doc;

	(void)state;
	/* nothing loaded: the bundled file, with its title */
	assert_non_null(got = app_dataset_current(f.s, "ademe.transport", &n));
	assert_non_null(doc = json_loadb(got, n, 0, NULL));
	assert_non_null(json_object_get(doc, "title"));
	json_decref(doc);
	free(got);
	assert_null(app_dataset_current(f.s, "no.such.dataset", &n));
	if (load("ademe.transport", OPENDATA_EMISSION_FACTORS, text, 1000, &v, err, sizeof(err)) !=
	    CMN_OK)
		fail_msg("%s", err);
	opendata_version_release(&v);
	/* loaded: the territory's version, whose modes the apps read alike */
	assert_non_null(got = app_dataset_current(f.s, "ademe.transport", &n));
	assert_non_null(doc = json_loadb(got, n, 0, NULL));
	assert_null(json_object_get(doc, "title"));
	assert_non_null(json_object_get(doc, "factors"));
	near(num(json_object_get(json_object_get(doc, "modes"), "tram"), "kg_per_km"), 0.00428,
	     "tram");
	json_decref(doc);
	free(got);
	/* without the platform store: bundled */
	assert_non_null(got = app_dataset_current(NULL, "ademe.transport", &n));
	assert_non_null(strstr(got, "\"title\""));
	free(got);
	free(text);
}

/* an app that reads ademe.transport: run on alice's store, with the
 * platform store it gets the loaded version, without it the bundled one */
static void an_app_reads_the_loaded_version(void **state)
{
	static const char lua[] =
	    "function run(ctx)\n"
	    "  local d = commune.dataset('ademe.transport')\n"
	    "  return {loaded = d.factors ~= nil, tram = d.modes.tram.kg_per_km}\n"
	    "end\n";
	json_t *mf, *doc;
	struct app_package p;
	struct app_host h = {0};
	struct app_run r;
	struct opendata_version v;
	size_t len;
	char *text, err[300] = "";

	(void)state;
	mf = json_pack("{s:s, s:s, s:{s:s}, s:{s:s, s:s}, s:{s:s, s:s}, s:s,"
		       " s:{s:[], s:[], s:[s]}, s:[{s:s}]}",
		       "id", "reader", "version", "1.0.0", "publisher", "name", "Tests", "name",
		       "fr", "Lecteur", "en", "Reader", "description", "fr", "Lit", "en", "Reads",
		       "entry", "main.lua", "permissions", "read", "write", "datasets",
		       "ademe.transport", "triggers", "on", "demand");
	doc = json_pack("{s:s, s:o, s:{s:s}}", "format", "commune-app/1", "manifest", mf, "files",
			"main.lua", lua);
	assert_non_null(text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS));
	json_decref(doc);
	if (app_package_parse(text, strlen(text), &f.reg, &p, err, sizeof(err)) != CMN_OK)
		fail_msg("package: %s", err);
	free(text);
	text = slurp(ADEME "/deplacement.json", &len);
	/* the tram made ten times dirtier, to tell the versions apart */
	{
		char *at = strstr(text, "\"value\": 0.0038");

		assert_non_null(at);
		memcpy(at, "\"value\": 0.0380", 15);
	}
	if (load("ademe.transport", OPENDATA_EMISSION_FACTORS, text, 1000, &v, err, sizeof(err)) !=
	    CMN_OK)
		fail_msg("%s", err);
	opendata_version_release(&v);
	free(text);
	h.ps = f.ps;
	h.reg = &f.reg;
	h.actor = "app:reader@1.0.0";
	h.trigger = "demand";
	h.now = time_now_ms();
	assert_int_equal(app_run_on(&p, &h, f.s, &r), CMN_OK);
	if (r.outcome != APP_OK)
		fail_msg("%s: %s", app_outcome_name(r.outcome), r.error);
	assert_true(json_is_true(json_object_get(r.result, "loaded")));
	near(num(r.result, "tram"), 0.038 + 0.00048, "the loaded tram");
	app_run_release(&r);
	assert_int_equal(app_run(&p, &h, &r), CMN_OK);
	assert_int_equal(r.outcome, APP_OK);
	assert_false(json_is_true(json_object_get(r.result, "loaded")));
	near(num(r.result, "tram"), 0.00428, "the bundled tram");
	app_run_release(&r);
	app_package_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(emission_factors_of_ademe, setup, teardown),
		cmocka_unit_test_setup_teardown(emission_faults, setup, teardown),
		cmocka_unit_test(emission_whole_or_nothing),
		cmocka_unit_test(datasets_whole_or_nothing),
		cmocka_unit_test_setup_teardown(point_in_polygon, setup, teardown),
		cmocka_unit_test_setup_teardown(district_faults, setup, teardown),
		cmocka_unit_test_setup_teardown(districts_of_the_territory, setup, teardown),
		cmocka_unit_test_setup_teardown(gtfs_feeds, setup, teardown),
		cmocka_unit_test_setup_teardown(gtfs_faults, setup, teardown),
		cmocka_unit_test_setup_teardown(tariffs, setup, teardown),
		cmocka_unit_test_setup_teardown(weather, setup, teardown),
		cmocka_unit_test_setup_teardown(versions_and_all_or_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(apps_read_the_loaded_version, setup, teardown),
		cmocka_unit_test_setup_teardown(an_app_reads_the_loaded_version, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
