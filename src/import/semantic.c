/*
 * semantic.c - Google Location History "semantic" files: the trips the
 * phone inferred, not its raw positions. Two shapes are read:
 *
 *   Takeout Semantic Location History (one file per month):
 *   {"timelineObjects": [{"activitySegment": {"startLocation": {"latitudeE7":
 *     436996461, "longitudeE7": -798555542}, "endLocation": {...},
 *     "duration": {"startTimestamp": "2021-08-01T00:22:28Z", "endTimestamp":
 *     ...}, "distance": 70404, "activityType": "IN_PASSENGER_VEHICLE"}},
 *     {"placeVisit": {...}}, ...]}
 *
 *   the on-device Timeline.json (2024 and later):
 *   {"semanticSegments": [{"startTime": "2024-05-01T08:00:00.000+02:00",
 *     "endTime": ..., "activity": {"start": {"latLng": "45.1°, 4.8°"},
 *     "end": {...}, "distanceMeters": 1234.5, "topCandidate": {"type":
 *     "WALKING"}}}, {"visit": {...}}, {"timelinePath": [...]}]}
 *
 * Each activity becomes a mobility.trip record (mode from the activity
 * type by the table below, distance rounded to metres, from/to, start/end);
 * its dedupe key is start + end + mode, so re-importing the file, or an
 * overlapping month, changes nothing. Place visits are only counted (a
 * warning): there is no doctype for them yet. The file is streamed
 * (jsonstream.h): one element at a time is parsed, so a Timeline.json of
 * years takes no more memory than a month. docs/import/semantic.md.
 */
#include "import/import.h"
#include "import/jsonstream.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/jsonput.h"
#include "core/str.h"
#include "core/timeutil.h"

#define SEMANTIC_ELEMENT_MAX (4u * 1024 * 1024) /* bytes of one element of the array */
#define SEMANTIC_MAX_DEPTH  64                  /* nested arrays and objects */
#define SEMANTIC_TRIP_MAX_M 40000000            /* mobility.trip distance_m maximum */
#define SEMANTIC_LABEL_MAX  200                 /* bytes of a place name kept as a label */
#define SEMANTIC_TIME_MAX   253402300799999LL   /* 9999-12-31T23:59:59.999Z in ms */

/* what Google calls a way of moving, and the mobility.trip mode of it */
static const struct {
	const char *type;
	const char *mode;
} semantic_modes[] = {
    {"WALKING", "walk"},
    {"ON_FOOT", "walk"},
    {"RUNNING", "walk"},
    {"HIKING", "walk"},
    {"CYCLING", "bike"},
    {"ON_BICYCLE", "bike"},
    {"IN_PASSENGER_VEHICLE", "car"},
    {"IN_VEHICLE", "car"},
    {"DRIVING", "car"},
    {"IN_CAR", "car"},
    {"IN_TAXI", "car"},
    {"MOTORCYCLING", "motorbike"},
    {"IN_BUS", "bus"},
    {"IN_TRAM", "tram"},
    {"IN_SUBWAY", "metro"},
    {"IN_TRAIN", "train"},
    {"FLYING", "plane"},
};

/* one file being read */
struct semantic {
	struct import_job *j;
	const char *array; /* "timelineObjects" or "semanticSegments" */
	size_t index;      /* of the element being read */
	bool seen_objects, seen_segments;
	uint64_t trips;
	uint64_t visits;  /* placeVisit / visit elements */
	uint64_t unknown; /* activity types mapped to "other" */
};

/* one trip, before it becomes a record */
struct semantic_trip {
	int64_t start, end; /* ms since 1970 */
	const char *mode;
	int64_t distance; /* metres; -1 when not given */
	bool has_from, has_to;
	double from[2], to[2]; /* lat, lon */
	const char *from_label, *to_label;
};

static enum cmn_rc fail_at(struct semantic *s, const char *member, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* fail_at - an error at member (a relative pointer such as
 * "activitySegment/distance") of the current element. */
static enum cmn_rc fail_at(struct semantic *s, const char *member, const char *fmt, ...)
{
	char pointer[128], msg[200];
	va_list ap;

	snprintf(pointer, sizeof(pointer), "/%s/%zu%s%s", s->array, s->index, member[0] ? "/" : "",
		 member);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return import_fail_at(s->j, pointer, "%s", msg);
}

/* ---- fields --------------------------------------------------------------- */

/* mode_of - the mode of an activity type (NULL: none given). */
static const char *mode_of(struct semantic *s, const char *type)
{
	for (size_t i = 0; type && i < sizeof(semantic_modes) / sizeof(semantic_modes[0]); i++)
		if (strcasecmp(type, semantic_modes[i].type) == 0)
			return semantic_modes[i].mode;
	s->unknown++;
	return "other";
}

/* time_of - an RFC 3339 string, or milliseconds as a string of digits or
 * an integer (older exports: startTimestampMs). */
static enum cmn_rc time_of(struct semantic *s, json_t *v, const char *member, int64_t *ms)
{
	const char *text = json_string_value(v);

	if (json_is_integer(v))
		*ms = json_integer_value(v);
	else if (!text || (time_parse(text, false, ms) != CMN_OK &&
			   str_to_i64(text, 0, SEMANTIC_TIME_MAX, ms) != CMN_OK))
		return fail_at(s, member,
			       "expected a time such as 2021-08-01T00:22:28Z or milliseconds "
			       "since 1970");
	if (*ms < 0 || *ms > SEMANTIC_TIME_MAX)
		return fail_at(s, member, "the time is out of range");
	return CMN_OK;
}

/* distance_of - metres (a number, rounded); -1 when v is NULL. */
static enum cmn_rc distance_of(struct semantic *s, json_t *v, const char *member, int64_t *m)
{
	double d = json_number_value(v);

	*m = -1;
	if (!v)
		return CMN_OK;
	if (!json_is_number(v) || !(d >= 0 && d <= SEMANTIC_TRIP_MAX_M))
		return fail_at(s, member, "expected metres, a number from 0 to %d",
			       SEMANTIC_TRIP_MAX_M);
	*m = (int64_t)llround(d);
	return CMN_OK;
}

/* label_of - a place name short enough to be a label, or NULL. */
static const char *label_of(json_t *loc)
{
	const char *name = json_string_value(json_object_get(loc, "name"));

	return name && name[0] && strlen(name) <= SEMANTIC_LABEL_MAX ? name : NULL;
}

/* e7_place - {"latitudeE7", "longitudeE7"} into degrees; *has is false
 * when the object or both members are absent. */
static enum cmn_rc e7_place(struct semantic *s, json_t *loc, const char *member, double out[2],
			    bool *has)
{
	static const char *const names[2] = {"latitudeE7", "longitudeE7"};
	static const int64_t limits[2] = {900000000, 1800000000};
	char ptr[96];

	*has = false;
	if (!loc || (!json_object_get(loc, names[0]) && !json_object_get(loc, names[1])))
		return CMN_OK;
	if (!json_is_object(loc))
		return fail_at(s, member, "expected an object");
	for (int k = 0; k < 2; k++) {
		json_t *v = json_object_get(loc, names[k]);

		snprintf(ptr, sizeof(ptr), "%s/%s", member, names[k]);
		if (!json_is_integer(v) || json_integer_value(v) < -limits[k] ||
		    json_integer_value(v) > limits[k])
			return fail_at(s, ptr,
				       "expected an integer in 1e-7 degrees from -%lld to %lld",
				       (long long)limits[k], (long long)limits[k]);
		out[k] = (double)json_integer_value(v) / 1e7;
	}
	*has = true;
	return CMN_OK;
}

/* latlng_place - Timeline.json's "45.1234567°, 4.8123456°" (the degree
 * signs optional) into degrees; *has is false when absent. */
static enum cmn_rc latlng_place(struct semantic *s, json_t *loc, const char *member, double out[2],
				bool *has)
{
	json_t *v = json_object_get(loc, "latLng");
	const char *p = json_string_value(v);
	char ptr[96], *end;

	*has = false;
	if (!v)
		return CMN_OK;
	snprintf(ptr, sizeof(ptr), "%s/latLng", member);
	for (int k = 0; k < 2 && p; k++) {
		out[k] = strtod(p, &end);
		if (end == p || !isfinite(out[k])) {
			p = NULL;
			break;
		}
		p = end;
		if (strncmp(p, "\xc2\xb0", 2) == 0)
			p += 2;
		if (k == 0 && *p == ',')
			p++;
		while (*p == ' ')
			p++;
	}
	if (!p || *p || fabs(out[0]) > 90 || fabs(out[1]) > 180)
		return fail_at(s, ptr,
			       "expected \"LAT°, LON°\" with a latitude from -90 to 90 and a "
			       "longitude from -180 to 180");
	*has = true;
	return CMN_OK;
}

/* ---- records -------------------------------------------------------------- */

/* place_json - a trip's end (new reference), or NULL when out of memory */
static json_t *place_json(const double ll[2], const char *label)
{
	json_t *o = json_pack("{s:f, s:f}", "lat", ll[0], "lon", ll[1]);

	if (label)
		json_put(&o, "label", json_string(label));
	return o;
}

static enum cmn_rc emit(struct semantic *s, const struct semantic_trip *t, const char *member)
{
	char start[TIME_RFC3339_LEN], end[TIME_RFC3339_LEN], dedupe[96];
	json_t *o;

	if (t->end < t->start)
		return fail_at(s, member, "the trip ends before it starts");
	time_format(start, t->start);
	time_format(end, t->end);
	o = json_pack("{s:s, s:s, s:s}", "start", start, "end", end, "mode", t->mode);
	if (!o)
		return CMN_ERR_NOMEM;
	/* whole or not at all: a trip kept without its distance or an end
	 * is a false record (without its distance, it counts for nothing in
	 * the footprint apps compute) */
	if (t->distance >= 0)
		json_put(&o, "distance_m", json_integer(t->distance));
	if (t->has_from)
		json_put(&o, "from", place_json(t->from, t->from_label));
	if (t->has_to)
		json_put(&o, "to", place_json(t->to, t->to_label));
	if (!o)
		return CMN_ERR_NOMEM;
	snprintf(dedupe, sizeof(dedupe), "%lld/%lld/%s", (long long)t->start, (long long)t->end,
		 t->mode);
	s->trips++;
	return import_record(s->j, "mobility.trip", o, dedupe);
}

/* ---- Semantic Location History -------------------------------------------- */

static enum cmn_rc activity_segment(struct semantic *s, json_t *seg)
{
	struct semantic_trip t = {0};
	json_t *dur = json_object_get(seg, "duration");
	json_t *type = json_object_get(seg, "activityType");
	json_t *from = json_object_get(seg, "startLocation");
	json_t *to = json_object_get(seg, "endLocation");
	json_t *v;
	enum cmn_rc rc;

	if (!json_is_object(seg))
		return fail_at(s, "activitySegment", "expected an object");
	if (!json_is_object(dur))
		return fail_at(s, "activitySegment/duration",
			       "expected an object with startTimestamp and endTimestamp");
	v = json_object_get(dur, "startTimestamp");
	rc = v ? time_of(s, v, "activitySegment/duration/startTimestamp", &t.start)
	       : time_of(s, json_object_get(dur, "startTimestampMs"),
			 "activitySegment/duration/startTimestampMs", &t.start);
	v = json_object_get(dur, "endTimestamp");
	if (rc == CMN_OK)
		rc = v ? time_of(s, v, "activitySegment/duration/endTimestamp", &t.end)
		       : time_of(s, json_object_get(dur, "endTimestampMs"),
				 "activitySegment/duration/endTimestampMs", &t.end);
	if (rc != CMN_OK)
		return rc;
	if (type && !json_is_string(type))
		return fail_at(s, "activitySegment/activityType", "expected a string");
	t.mode = mode_of(s, json_string_value(type));
	rc = distance_of(s, json_object_get(seg, "distance"), "activitySegment/distance",
			 &t.distance);
	if (rc == CMN_OK)
		rc = e7_place(s, from, "activitySegment/startLocation", t.from, &t.has_from);
	if (rc == CMN_OK)
		rc = e7_place(s, to, "activitySegment/endLocation", t.to, &t.has_to);
	if (rc != CMN_OK)
		return rc;
	t.from_label = label_of(from);
	t.to_label = label_of(to);
	return emit(s, &t, "activitySegment/duration");
}

/* ---- Timeline.json ----------------------------------------------------------- */

static enum cmn_rc semantic_segment(struct semantic *s, json_t *seg)
{
	struct semantic_trip t = {0};
	json_t *act = json_object_get(seg, "activity"), *top;
	const char *type;
	enum cmn_rc rc;

	if (!act) {
		if (json_object_get(seg, "visit"))
			s->visits++;
		return CMN_OK;
	}
	if (!json_is_object(act))
		return fail_at(s, "activity", "expected an object");
	rc = time_of(s, json_object_get(seg, "startTime"), "startTime", &t.start);
	if (rc == CMN_OK)
		rc = time_of(s, json_object_get(seg, "endTime"), "endTime", &t.end);
	top = json_object_get(act, "topCandidate");
	type = json_string_value(json_object_get(top, "type"));
	if (rc == CMN_OK && top && !type)
		rc = fail_at(s, "activity/topCandidate/type", "expected a string");
	t.mode = mode_of(s, type);
	if (rc == CMN_OK)
		rc = distance_of(s, json_object_get(act, "distanceMeters"),
				 "activity/distanceMeters", &t.distance);
	if (rc == CMN_OK)
		rc = latlng_place(s, json_object_get(act, "start"), "activity/start", t.from,
				  &t.has_from);
	if (rc == CMN_OK)
		rc = latlng_place(s, json_object_get(act, "end"), "activity/end", t.to, &t.has_to);
	return rc == CMN_OK ? emit(s, &t, "endTime") : rc;
}

/* ---- the document ---------------------------------------------------------- */

static enum jstream_want want(void *ctx, const char *key)
{
	struct semantic *s = ctx;

	if (strcmp(key, "timelineObjects") == 0 && !s->seen_objects) {
		s->seen_objects = true;
		return JSTREAM_ELEMENTS;
	}
	if (strcmp(key, "semanticSegments") == 0 && !s->seen_segments) {
		s->seen_segments = true;
		return JSTREAM_ELEMENTS;
	}
	return JSTREAM_SKIP;
}

/* element - one element of timelineObjects[] or semanticSegments[] */
static enum cmn_rc element(void *ctx, const struct jstream_piece *p)
{
	struct semantic *s = ctx;
	json_t *e = p->value;

	s->array = p->key[0] == 't' ? "timelineObjects" : "semanticSegments";
	s->index = p->index;
	if (!json_is_object(e))
		return fail_at(s, "", "expected an object");
	if (s->array[0] == 's')
		return semantic_segment(s, e);
	if (json_object_get(e, "activitySegment"))
		return activity_segment(s, json_object_get(e, "activitySegment"));
	if (json_object_get(e, "placeVisit"))
		s->visits++;
	return CMN_OK;
}

static enum cmn_rc run(struct import_job *j, struct import_input *in)
{
	static const struct jstream_ops ops = {
	    .want = want,
	    .piece = element,
	    .piece_max = SEMANTIC_ELEMENT_MAX,
	    .depth_max = SEMANTIC_MAX_DEPTH,
	    .shape = "a JSON object",
	};
	struct semantic s = {.j = j};
	enum cmn_rc rc = jstream_run(j, in->f, &ops, &s);

	if (rc == CMN_OK && !s.seen_objects && !s.seen_segments)
		rc = import_fail_at(j, "",
				    "no \"timelineObjects\" nor \"semanticSegments\" array: not "
				    "a semantic location history");
	if (rc == CMN_OK && s.visits)
		import_warn(j, "%llu place visits were not imported (no doctype for them yet)",
			    (unsigned long long)s.visits);
	if (rc == CMN_OK && s.unknown)
		import_warn(j,
			    "%llu trips have an activity type without a mode: imported as "
			    "\"other\"",
			    (unsigned long long)s.unknown);
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
	if (strstr(buf, "\"timelineObjects\"")) {
		snprintf(why, whylen, "a \"timelineObjects\" array");
		return 95;
	}
	if (strstr(buf, "\"semanticSegments\"")) {
		snprintf(why, whylen, "a \"semanticSegments\" array");
		return 95;
	}
	snprintf(why, whylen, "no \"timelineObjects\" nor \"semanticSegments\"");
	return 0;
}

const struct import_format import_takeout_semantic = {
    "takeout-semantic",
    "Google Semantic Location History and Timeline.json (trips)",
    detect,
    run,
};
