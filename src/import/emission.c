/*
 * emission.c - e-mission / OpenPATH confirmed trips (the trips the server
 * derives from a phone's sensors and the person labels), as exported from
 * its MongoDB in extended JSON:
 *
 *   [{"_id": {"$oid": "..."}, "metadata": {"key": "analysis/confirmed_trip",
 *     ...}, "data": {"start_ts": 1466436483.395, "end_ts": 1466437275.856,
 *     "start_loc": {"type": "Point", "coordinates": [-122.08, 37.38]},
 *     "end_loc": {...}, "distance": 1047.16, "user_input": {"mode_confirm":
 *     "walk", "purpose_confirm": "library"}, "cleaned_section_summary":
 *     {"distance": {"ON_FOOT": 1047.16}}, ...}}, ...]
 *
 * Each element becomes a mobility.trip record: start and end from *_ts
 * (seconds, maybe fractional, rounded to ms), distance rounded to metres,
 * from/to from the GeoJSON points ([lon, lat]), mode from the person's
 * mode_confirm, else from the sensed mode that covers the most distance,
 * else "other"; purpose from purpose_confirm when it has a match. Elements
 * whose metadata.key is another key are skipped (a warning). The dedupe key
 * is start + end + mode. The file is streamed (jsonstream.h): one trip at a
 * time is parsed by jansson. docs/import/emission.md.
 */
#include "import/import.h"
#include "import/jsonstream.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/jsonput.h"
#include "core/timeutil.h"

#define EMISSION_ELEMENT_MAX (16u * 1024 * 1024) /* bytes of one trip (the file is streamed) */
#define EMISSION_MAX_DEPTH  64                  /* nested arrays and objects */
#define EMISSION_TRIP_MAX_M 40000000            /* mobility.trip distance_m maximum */
#define EMISSION_TS_MAX     253402300799.0      /* 9999-12-31T23:59:59Z in seconds */
#define EMISSION_KEY        "analysis/confirmed_trip"

struct emission_map {
	const char *label;
	const char *value;
};

/* mode_confirm labels (the OpenPATH defaults and common variants) */
static const struct emission_map emission_confirmed[] = {
    {"walk", "walk"},
    {"run", "walk"},
    {"bike", "bike"},
    {"bikeshare", "bike"},
    {"e-bike", "ebike"},
    {"e_bike", "ebike"},
    {"pilot_ebike", "ebike"},
    {"scootershare", "scooter"},
    {"e_scooter", "scooter"},
    {"scooter", "scooter"},
    {"bus", "bus"},
    {"free_shuttle", "bus"},
    {"train", "train"},
    {"subway", "metro"},
    {"metro", "metro"},
    {"light_rail", "tram"},
    {"tram", "tram"},
    {"drove_alone", "car"},
    {"car", "car"},
    {"taxi", "car"},
    {"shared_ride", "carpool"},
    {"carpool", "carpool"},
    {"motorcycle", "motorbike"},
    {"air", "plane"},
    {"plane", "plane"},
};

/* sensed modes (the section summaries' keys) */
static const struct emission_map emission_sensed[] = {
    {"WALKING", "walk"},   {"ON_FOOT", "walk"},    {"RUNNING", "walk"}, {"BICYCLING", "bike"},
    {"IN_VEHICLE", "car"}, {"CAR", "car"},         {"BUS", "bus"},      {"TRAIN", "train"},
    {"SUBWAY", "metro"},   {"LIGHT_RAIL", "tram"}, {"TRAM", "tram"},    {"AIR_OR_HSR", "plane"},
};

/* purpose_confirm labels; "home" and unknown labels give no purpose */
static const struct emission_map emission_purposes[] = {
    {"work", "work"},         {"school", "study"},
    {"shopping", "shopping"}, {"meal", "leisure"},
    {"exercise", "leisure"},  {"entertainment", "leisure"},
    {"leisure", "leisure"},   {"personal_med", "care"},
    {"pick_drop", "escort"},  {"pick_drop_person", "escort"},
};

struct emission {
	struct import_job *j;
	size_t index;     /* of the element being read */
	uint64_t skipped; /* elements of another key */
};

static enum cmn_rc fail_at(struct emission *e, const char *member, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* fail_at - an error at member ("data/start_ts") of the current element. */
static enum cmn_rc fail_at(struct emission *e, const char *member, const char *fmt, ...)
{
	char pointer[128], msg[200];
	va_list ap;

	snprintf(pointer, sizeof(pointer), "/%zu%s%s", e->index, member[0] ? "/" : "", member);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return import_fail_at(e->j, pointer, "%s", msg);
}


static const char *lookup(const struct emission_map *map, size_t n, const char *label)
{
	for (size_t i = 0; label && i < n; i++)
		if (strcasecmp(label, map[i].label) == 0)
			return map[i].value;
	return NULL;
}

/* sensed_mode - the sensed mode covering the most distance, or NULL. */
static const char *sensed_mode(json_t *data)
{
	json_t *dist =
	    json_object_get(json_object_get(data, "cleaned_section_summary"), "distance");
	const char *key, *best = NULL;
	double most = -1;
	json_t *v;

	json_object_foreach(dist, key, v)
	{
		if (json_is_number(v) && json_number_value(v) > most) {
			most = json_number_value(v);
			best = key;
		}
	}
	if (!best)
		return NULL;
	best = lookup(emission_sensed, sizeof(emission_sensed) / sizeof(emission_sensed[0]), best);
	return best ? best : "other";
}

static enum cmn_rc time_of(struct emission *e, json_t *data, const char *member, int64_t *ms)
{
	json_t *v = json_object_get(data, member);
	double s = json_number_value(v);
	char ptr[64];

	snprintf(ptr, sizeof(ptr), "data/%s", member);
	if (!json_is_number(v) || !(s >= 0 && s <= EMISSION_TS_MAX))
		return fail_at(e, ptr, "expected seconds since 1970 (a number)");
	*ms = (int64_t)llround(s * 1000);
	return CMN_OK;
}

/* place - a GeoJSON point {"coordinates": [lon, lat]} as {lat, lon}; NULL
 * in *out when the member is absent. */
static enum cmn_rc place(struct emission *e, json_t *data, const char *member, json_t **out)
{
	json_t *loc = json_object_get(data, member);
	json_t *c = json_object_get(loc, "coordinates");
	double lon = json_number_value(json_array_get(c, 0));
	double lat = json_number_value(json_array_get(c, 1));
	char ptr[64];

	*out = NULL;
	if (!loc)
		return CMN_OK;
	snprintf(ptr, sizeof(ptr), "data/%s/coordinates", member);
	if (!json_is_array(c) || json_array_size(c) < 2 || !json_is_number(json_array_get(c, 0)) ||
	    !json_is_number(json_array_get(c, 1)))
		return fail_at(e, ptr, "expected [longitude, latitude]");
	if (!(lon >= -180 && lon <= 180))
		return fail_at(e, ptr, "the longitude is not from -180 to 180");
	if (!(lat >= -90 && lat <= 90))
		return fail_at(e, ptr, "the latitude is not from -90 to 90");
	*out = json_pack("{s:f, s:f}", "lat", lat, "lon", lon);
	return *out ? CMN_OK : CMN_ERR_NOMEM;
}

static enum cmn_rc trip(struct emission *e, json_t *data)
{
	json_t *input = json_object_get(data, "user_input"),
	       *dist = json_object_get(data, "distance");
	json_t *o, *from = NULL, *to = NULL;
	const char *mode, *purpose;
	char start[TIME_RFC3339_LEN], end[TIME_RFC3339_LEN], dedupe[96];
	int64_t t0 = 0, t1 = 0;
	double d = json_number_value(dist);
	enum cmn_rc rc = time_of(e, data, "start_ts", &t0);

	if (rc == CMN_OK)
		rc = time_of(e, data, "end_ts", &t1);
	if (rc == CMN_OK && t1 < t0)
		rc = fail_at(e, "data/end_ts", "the trip ends before it starts");
	if (rc == CMN_OK && dist &&
	    (!json_is_number(dist) || !(d >= 0 && d <= EMISSION_TRIP_MAX_M)))
		rc = fail_at(e, "data/distance", "expected metres, a number from 0 to %d",
			     EMISSION_TRIP_MAX_M);
	if (rc == CMN_OK)
		rc = place(e, data, "start_loc", &from);
	if (rc == CMN_OK)
		rc = place(e, data, "end_loc", &to);
	if (rc != CMN_OK) {
		json_decref(from);
		return rc;
	}
	mode =
	    lookup(emission_confirmed, sizeof(emission_confirmed) / sizeof(emission_confirmed[0]),
		   json_string_value(json_object_get(input, "mode_confirm")));
	if (!mode && json_string_value(json_object_get(input, "mode_confirm")))
		mode = "other";
	if (!mode)
		mode = sensed_mode(data);
	if (!mode)
		mode = "other";
	purpose =
	    lookup(emission_purposes, sizeof(emission_purposes) / sizeof(emission_purposes[0]),
		   json_string_value(json_object_get(input, "purpose_confirm")));
	time_format(start, t0);
	time_format(end, t1);
	o = json_pack("{s:s, s:s, s:s}", "start", start, "end", end, "mode", mode);
	if (!o) {
		json_decref(from);
		json_decref(to);
		return CMN_ERR_NOMEM;
	}
	/* whole or not at all: a trip kept without its distance, an end or
	 * its purpose is a false record (without its distance, it counts for
	 * nothing in the footprint apps compute) */
	if (dist)
		json_put(&o, "distance_m", json_integer((json_int_t)llround(d)));
	if (from)
		json_put(&o, "from", from);
	if (to)
		json_put(&o, "to", to);
	if (purpose)
		json_put(&o, "purpose", json_string(purpose));
	if (!o)
		return CMN_ERR_NOMEM;
	snprintf(dedupe, sizeof(dedupe), "%lld/%lld/%s", (long long)t0, (long long)t1, mode);
	return import_record(e->j, "mobility.trip", o, dedupe);
}

/* element - one element of the outer array */
static enum cmn_rc element(void *ctx, const struct jstream_piece *p)
{
	struct emission *e = ctx;
	json_t *el = p->value, *data = json_object_get(el, "data");
	const char *key =
	    json_string_value(json_object_get(json_object_get(el, "metadata"), "key"));

	e->index = p->index;
	if (!json_is_object(el))
		return fail_at(e, "", "expected an object");
	if (key && strcmp(key, EMISSION_KEY) != 0) {
		e->skipped++;
		return CMN_OK;
	}
	if (!json_is_object(data))
		return fail_at(e, "data", "expected an object (the trip)");
	return trip(e, data);
}

static enum cmn_rc run(struct import_job *j, struct import_input *in)
{
	static const struct jstream_ops ops = {
	    .piece = element,
	    .piece_max = EMISSION_ELEMENT_MAX,
	    .depth_max = EMISSION_MAX_DEPTH,
	    .outer_array = true,
	    .shape = "an array of confirmed trips",
	};
	struct emission e = {.j = j};
	enum cmn_rc rc = jstream_run(j, in->f, &ops, &e);

	if (rc == CMN_OK && e.skipped)
		import_warn(j, "%llu elements are not %s: skipped", (unsigned long long)e.skipped,
			    EMISSION_KEY);
	return rc;
}

static int detect(const char *head, size_t n, const char *filename, char *why, size_t whylen)
{
	char buf[4097];
	size_t len = n < 4096 ? n : 4096;

	(void)filename;
	memcpy(buf, head, len);
	buf[len] = '\0';
	for (size_t i = 0; i < len; i++)
		if (!buf[i])
			buf[i] = ' ';
	if (strstr(buf, "\"" EMISSION_KEY "\"")) {
		snprintf(why, whylen, "metadata.key is %s", EMISSION_KEY);
		return 95;
	}
	if (strstr(buf, "\"start_ts\"") && strstr(buf, "\"start_loc\"")) {
		snprintf(why, whylen, "start_ts and start_loc members");
		return 60;
	}
	snprintf(why, whylen, "no %s", EMISSION_KEY);
	return 0;
}

const struct import_format import_emission_trips = {
    "emission-trips",
    "e-mission / OpenPATH confirmed trips (MongoDB extended JSON)",
    detect,
    run,
};
