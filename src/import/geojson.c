/*
 * geojson.c - GeoJSON (RFC 7946) positions and trips:
 *
 *   {"type": "FeatureCollection", "features": [
 *     {"type": "Feature", "geometry": {"type": "Point",
 *      "coordinates": [2.35, 48.85, 35]},
 *      "properties": {"time": "2024-05-01T08:00:00Z", "device": "phone"}},
 *     {"type": "Feature", "geometry": {"type": "LineString",
 *      "coordinates": [[2.35, 48.85], [2.36, 48.86]]},
 *      "properties": {"start": "...", "end": "...", "mode": "bike"}}]}
 *
 * A timed Point gives one position: mobility.position series, source
 * "geojson", keys "geojson:DEVICE/lat", "/lon" (micro-degrees) and "/alt"
 * (metres, from a third coordinate), DEVICE from properties.device or
 * "unknown". Its time is properties.time or properties.timestamp: RFC 3339
 * text, or a number of milliseconds since 1970. A LineString with
 * properties start and end gives one mobility.trip record (mode from
 * properties.mode when the doctype knows it, else "other"; distance by the
 * haversine formula; deduplicated by device, span and point count). Other
 * geometries, untimed Points and LineStrings without times are counted
 * and warned about. Every coordinate is checked (lon -180..180, lat
 * -90..90); errors carry the JSON pointer. docs/import/geojson.md.
 */
#include "import/import.h"
#include "import/jsonstream.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonput.h"
#include "core/str.h"
#include "core/timeutil.h"

#define GEOJSON_FEATURE_MAX (16u * 1024 * 1024)  /* bytes of one feature */
#define GEOJSON_MAX_DEPTH   32                   /* nested arrays and objects */
#define GEOJSON_MAX_DEVICES 5                    /* 3 series each, within IMPORT_MAX_SERIES */
#define GEOJSON_DEVICE_MAX  64                   /* bytes of a device name (the doctype's) */
#define GEOJSON_EARTH_M     6371008.8            /* mean Earth radius */
#define GEOJSON_TRIP_MAX_M  40000000.0           /* the doctype's distance_m maximum */
#define GEOJSON_ALT_MAX_M   100000.0             /* |altitude| accepted */
#define GEOJSON_MS_MAX      253402300799999LL    /* 9999-12-31T23:59:59.999Z */

struct geo {
	struct import_job *j;
	char devices[GEOJSON_MAX_DEVICES][GEOJSON_DEVICE_MAX + 1];
	size_t ndevices;
	size_t untimed, other, untimed_lines;
	bool collection, features; /* "type": "FeatureCollection", "features" read */
};

struct lonlat {
	double lon, lat, alt;
	bool has_alt;
};

static int detect(const char *head, size_t n, const char *filename, char *why, size_t whylen)
{
	char buf[4097];
	size_t m = n < 4096 ? n : 4096;
	size_t fl = filename ? strlen(filename) : 0;

	memcpy(buf, head, m);
	buf[m] = '\0';
	if (strstr(buf, "\"FeatureCollection\"") && strstr(buf, "\"features\"")) {
		snprintf(why, whylen, "JSON with a FeatureCollection (GeoJSON)");
		return 90;
	}
	if (fl > 8 && strcmp(filename + fl - 8, ".geojson") == 0) {
		snprintf(why, whylen, "a .geojson file");
		return 60;
	}
	snprintf(why, whylen, "no FeatureCollection");
	return 0;
}

/* position - a GeoJSON position [lon, lat(, alt)] at pointer at. */
static enum cmn_rc position(struct geo *g, const json_t *c, const char *at, struct lonlat *out)
{
	char ptr[160];

	if (!json_is_array(c) || json_array_size(c) < 2 || json_array_size(c) > 3 ||
	    !json_is_number(json_array_get(c, 0)) || !json_is_number(json_array_get(c, 1)))
		return import_fail_at(g->j, at,
				      "expected a position [lon, lat] or [lon, lat, alt]");
	out->lon = json_number_value(json_array_get(c, 0));
	out->lat = json_number_value(json_array_get(c, 1));
	snprintf(ptr, sizeof(ptr), "%.140s/0", at);
	if (!(out->lon >= -180.0 && out->lon <= 180.0))
		return import_fail_at(g->j, ptr, "expected a longitude from -180 to 180");
	snprintf(ptr, sizeof(ptr), "%.140s/1", at);
	if (!(out->lat >= -90.0 && out->lat <= 90.0))
		return import_fail_at(g->j, ptr, "expected a latitude from -90 to 90");
	out->has_alt = json_array_size(c) == 3;
	if (out->has_alt) {
		const json_t *a = json_array_get(c, 2);

		snprintf(ptr, sizeof(ptr), "%.140s/2", at);
		out->alt = json_is_number(a) ? json_number_value(a) : NAN;
		if (!(fabs(out->alt) <= GEOJSON_ALT_MAX_M))
			return import_fail_at(g->j, ptr, "expected an altitude in metres");
	}
	return CMN_OK;
}

/* when - a time member (RFC 3339 or ms since 1970): 1 found, 0 absent,
 * -1 invalid (error set). */
static int when(struct geo *g, const json_t *v, const char *at, int64_t *t)
{
	if (!v || json_is_null(v))
		return 0;
	if (json_is_string(v) && time_parse(json_string_value(v), false, t) == CMN_OK)
		return 1;
	if (json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) <= GEOJSON_MS_MAX) {
		*t = json_integer_value(v);
		return 1;
	}
	import_fail_at(g->j, at, "expected an RFC 3339 time or milliseconds since 1970");
	return -1;
}

/* device - properties.device (or "unknown"), checked; NULL with the
 * error set. */
static const char *device(struct geo *g, const json_t *props, const char *at)
{
	const json_t *d = json_object_get(props, "device");
	const char *s = d ? json_string_value(d) : "unknown";
	size_t i;

	if (!s || !s[0] || strlen(s) > GEOJSON_DEVICE_MAX || strchr(s, '"') || strchr(s, '\\') ||
	    strchr(s, '/')) {
		import_fail_at(g->j, at,
			       "expected a device name of 1 to 64 bytes without '\"', '\\' or '/'");
		return NULL;
	}
	for (i = 0; i < g->ndevices; i++)
		if (strcmp(g->devices[i], s) == 0)
			return g->devices[i];
	if (g->ndevices == GEOJSON_MAX_DEVICES) {
		import_fail_at(g->j, at, "a file may hold at most %d devices", GEOJSON_MAX_DEVICES);
		return NULL;
	}
	str_copy(g->devices[i], sizeof(g->devices[i]), s);
	g->ndevices++;
	return g->devices[i];
}

static enum cmn_rc axis_point(struct geo *g, const char *dev, const char *axis, int64_t t,
			      int64_t v)
{
	char key[GEOJSON_DEVICE_MAX + 16], meta[GEOJSON_DEVICE_MAX + 40];
	struct import_series s = {
	    .doctype = "mobility.position",
	    .source = "geojson",
	    .key = key,
	    .unit = strcmp(axis, "alt") == 0 ? "m" : "udeg",
	    .step = 0,
	    .meta = meta,
	    .keep_first = true, /* a time given again keeps its first position */
	};
	struct series_point p = {t, v};

	snprintf(key, sizeof(key), "geojson:%s/%s", dev, axis);
	snprintf(meta, sizeof(meta), "{\"device\":\"%s\",\"axis\":\"%s\"}", dev, axis);
	return import_points(g->j, &s, &p, 1);
}

static enum cmn_rc point(struct geo *g, const json_t *geom, const json_t *props, const char *at)
{
	char ptr[160];
	struct lonlat ll = {0};
	const char *dev;
	int64_t t;
	int r;
	enum cmn_rc rc;

	snprintf(ptr, sizeof(ptr), "%.100s/geometry/coordinates", at);
	if ((rc = position(g, json_object_get(geom, "coordinates"), ptr, &ll)) != CMN_OK)
		return rc;
	snprintf(ptr, sizeof(ptr), "%.100s/properties/time", at);
	r = when(g, json_object_get(props, "time"), ptr, &t);
	if (r == 0) {
		snprintf(ptr, sizeof(ptr), "%.100s/properties/timestamp", at);
		r = when(g, json_object_get(props, "timestamp"), ptr, &t);
	}
	if (r <= 0) {
		g->untimed += r == 0;
		return r < 0 ? CMN_ERR_INVALID : CMN_OK;
	}
	snprintf(ptr, sizeof(ptr), "%.100s/properties/device", at);
	if (!(dev = device(g, props, ptr)))
		return CMN_ERR_INVALID;
	rc = axis_point(g, dev, "lat", t, (int64_t)llround(ll.lat * 1e6));
	if (rc == CMN_OK)
		rc = axis_point(g, dev, "lon", t, (int64_t)llround(ll.lon * 1e6));
	if (rc == CMN_OK && ll.has_alt)
		rc = axis_point(g, dev, "alt", t, (int64_t)llround(ll.alt));
	return rc;
}

/* haversine - the great-circle distance in metres. */
static double haversine(const struct lonlat *a, const struct lonlat *b)
{
	double rad = M_PI / 180.0;
	double dlat = (b->lat - a->lat) * rad, dlon = (b->lon - a->lon) * rad;
	double h = sin(dlat / 2) * sin(dlat / 2) +
		   cos(a->lat * rad) * cos(b->lat * rad) * sin(dlon / 2) * sin(dlon / 2);

	return 2 * GEOJSON_EARTH_M * asin(sqrt(h < 1.0 ? h : 1.0));
}

static const char *trip_mode(const json_t *props)
{
	static const char *const modes[] = {"walk",      "bike",  "ebike", "scooter", "bus",
					    "tram",      "metro", "train", "car",     "carpool",
					    "motorbike", "plane", NULL};
	const char *m = json_string_value(json_object_get(props, "mode"));

	for (size_t i = 0; m && modes[i]; i++)
		if (strcmp(m, modes[i]) == 0)
			return modes[i];
	return "other";
}

static json_t *place(const struct lonlat *p)
{
	return json_pack("{s:f, s:f}", "lat", round(p->lat * 1e6) / 1e6, "lon",
			 round(p->lon * 1e6) / 1e6);
}

static enum cmn_rc line(struct geo *g, const json_t *geom, const json_t *props, const char *at)
{
	const json_t *cs = json_object_get(geom, "coordinates");
	char ptr[160], start[TIME_RFC3339_LEN], end[TIME_RFC3339_LEN], key[160];
	struct lonlat first = {0}, prev = {0}, cur = {0};
	double dist = 0;
	const char *dev;
	int64_t t0, t1;
	int r0, r1;
	json_t *d;
	enum cmn_rc rc;

	snprintf(ptr, sizeof(ptr), "%.100s/geometry/coordinates", at);
	if (!json_is_array(cs) || json_array_size(cs) < 2)
		return import_fail_at(g->j, ptr, "expected two positions or more");
	for (size_t i = 0; i < json_array_size(cs); i++) {
		snprintf(ptr, sizeof(ptr), "%.100s/geometry/coordinates/%zu", at, i);
		if ((rc = position(g, json_array_get(cs, i), ptr, &cur)) != CMN_OK)
			return rc;
		if (i)
			dist += haversine(&prev, &cur);
		else
			first = cur;
		prev = cur;
	}
	snprintf(ptr, sizeof(ptr), "%.100s/properties/start", at);
	if ((r0 = when(g, json_object_get(props, "start"), ptr, &t0)) < 0)
		return CMN_ERR_INVALID;
	snprintf(ptr, sizeof(ptr), "%.100s/properties/end", at);
	if ((r1 = when(g, json_object_get(props, "end"), ptr, &t1)) < 0)
		return CMN_ERR_INVALID;
	if (!r0 || !r1) {
		g->untimed_lines++;
		return CMN_OK;
	}
	if (t1 < t0)
		return import_fail_at(g->j, ptr, "expected an end not before the start");
	snprintf(ptr, sizeof(ptr), "%.100s/properties/device", at);
	if (!(dev = device(g, props, ptr)))
		return CMN_ERR_INVALID;
	time_format(start, t0);
	time_format(end, t1);
	d = json_pack("{s:s, s:s, s:s, s:o, s:o}", "start", start, "end", end, "mode",
		      trip_mode(props), "from", place(&first), "to", place(&prev));
	if (!d)
		return CMN_ERR_NOMEM;
	/* a trip kept without its distance would count for nothing */
	if (dist <= GEOJSON_TRIP_MAX_M)
		json_put(&d, "distance_m", json_integer((json_int_t)llround(dist)));
	if (!d)
		return CMN_ERR_NOMEM;
	snprintf(key, sizeof(key), "geojson:%s/%lld/%lld/%zu", dev, (long long)t0, (long long)t1,
		 json_array_size(cs));
	return import_record(g->j, "mobility.trip", d, key);
}

static enum cmn_rc feature(struct geo *g, const json_t *f, size_t i)
{
	const json_t *geom = json_object_get(f, "geometry");
	const json_t *props = json_object_get(f, "properties");
	const char *type = json_string_value(json_object_get(geom, "type"));
	char at[48], ptr[96];

	snprintf(at, sizeof(at), "/features/%zu", i);
	if (!json_is_object(f))
		return import_fail_at(g->j, at, "expected a Feature object");
	if (props && !json_is_object(props) && !json_is_null(props)) {
		snprintf(ptr, sizeof(ptr), "%s/properties", at);
		return import_fail_at(g->j, ptr, "expected an object or null");
	}
	if (!geom || json_is_null(geom)) {
		g->other++;
		return CMN_OK;
	}
	snprintf(ptr, sizeof(ptr), "%s/geometry/type", at);
	if (!json_is_object(geom) || !type)
		return import_fail_at(g->j, ptr, "expected a geometry with a type");
	if (strcmp(type, "Point") == 0)
		return point(g, geom, props, at);
	if (strcmp(type, "LineString") == 0)
		return line(g, geom, props, at);
	g->other++;
	return CMN_OK;
}

static enum jstream_want want(void *ctx, const char *key)
{
	(void)ctx;
	if (strcmp(key, "features") == 0)
		return JSTREAM_ELEMENTS;
	if (strcmp(key, "type") == 0)
		return JSTREAM_VALUE;
	return JSTREAM_SKIP;
}

static enum cmn_rc piece(void *ctx, const struct jstream_piece *p)
{
	struct geo *g = ctx;

	if (p->element) {
		g->features = true;
		return feature(g, p->value, p->index);
	}
	g->collection = json_is_string(p->value) &&
			strcmp(json_string_value(p->value), "FeatureCollection") == 0;
	if (!g->collection)
		return import_fail_at(g->j, "/type", "expected a FeatureCollection object");
	return CMN_OK;
}

static enum cmn_rc run(struct import_job *j, struct import_input *in)
{
	static const struct jstream_ops ops = {
	    .want = want,
	    .piece = piece,
	    .piece_max = GEOJSON_FEATURE_MAX,
	    .depth_max = GEOJSON_MAX_DEPTH,
	    .shape = "a FeatureCollection object",
	};
	struct geo g = {.j = j};
	enum cmn_rc rc = jstream_run(j, in->f, &ops, &g);

	/* the members may come in any order: the type is checked at the end,
	 * and a refusal then still imports nothing */
	if (rc == CMN_OK && !g.collection)
		return import_fail_at(j, "", "expected a FeatureCollection object");
	if (rc == CMN_OK && !g.features)
		return import_fail_at(j, "/features", "expected an array");
	if (rc != CMN_OK)
		return rc;
	if (g.untimed)
		import_warn(j, "%zu Points without a time not imported", g.untimed);
	if (g.untimed_lines)
		import_warn(j, "%zu LineStrings without start and end not imported",
			    g.untimed_lines);
	if (g.other)
		import_warn(j, "%zu features of other geometries not imported", g.other);
	return CMN_OK;
}

const struct import_format import_geojson = {
    "geojson",
    "GeoJSON FeatureCollection: timed Points (positions) and LineStrings (trips)",
    detect,
    run,
};
