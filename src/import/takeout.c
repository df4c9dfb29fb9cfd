/*
 * takeout.c - Google Takeout Location History, Records.json: every raw
 * position the phone recorded,
 *
 *   {"locations": [{"latitudeE7": 437789954, "longitudeE7": -794176419,
 *     "altitude": 185, "accuracy": 30, "timestamp": "2015-10-10T18:47:02.597Z",
 *     "activity": [...], "source": "WIFI", "deviceTag": 1433424142}, ...]}
 *
 * (older exports give "timestampMs": "1444502822597" instead of
 * "timestamp"). Each position goes to the mobility.position series
 * "takeout:phone/lat" and "/lon" (micro-degrees: E7 / 10 rounded half away
 * from zero) and "/alt" (metres) when it has an altitude.
 *
 * The file is streamed: a small scanner walks the outer object and the
 * locations array, and only one element at a time is parsed by jansson, so
 * memory does not grow with the file (a Takeout file may be gigabytes).
 * docs/import/takeout.md.
 */
#include "import/import.h"
#include "import/jsonstream.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "core/timeutil.h"

#define TAKEOUT_LOCATION_MAX (1 << 20) /* bytes of one element of locations[] */
#define TAKEOUT_MAX_DEPTH    32        /* nested arrays and objects */
#define TAKEOUT_ALT_MAX      100000    /* |altitude| in metres */
#define TAKEOUT_DEVICE       "phone"

enum { AXIS_LAT, AXIS_LON, AXIS_ALT, AXES };

/* a position read from one element */
struct takeout_point {
	int64_t t;
	int64_t lat, lon, alt;
	bool has_alt;
};

struct takeout {
	struct import_job *j;
	size_t index;           /* of the current element of locations[] */
	bool found;             /* a locations array was read */
	uint64_t no_position;   /* elements without latitudeE7 and longitudeE7 */
};

/* ---- positions ------------------------------------------------------------ */

static enum cmn_rc emit_axis(struct takeout *t, int axis, int64_t when, int64_t v)
{
	static const char *const keys[AXES] = {"takeout:" TAKEOUT_DEVICE "/lat",
					       "takeout:" TAKEOUT_DEVICE "/lon",
					       "takeout:" TAKEOUT_DEVICE "/alt"};
	static const char *const metas[AXES] = {
	    "{\"device\":\"" TAKEOUT_DEVICE "\",\"axis\":\"lat\"}",
	    "{\"device\":\"" TAKEOUT_DEVICE "\",\"axis\":\"lon\"}",
	    "{\"device\":\"" TAKEOUT_DEVICE "\",\"axis\":\"alt\"}",
	};
	struct import_series s = {
	    .doctype = "mobility.position",
	    .source = "takeout",
	    .key = keys[axis],
	    .unit = axis == AXIS_ALT ? "m" : "udeg",
	    .step = 0,
	    .meta = metas[axis],
	    .keep_first = true,
	};
	struct series_point p = {when, v};

	return import_points(t->j, &s, &p, 1);
}

/* e7_to_udeg - 1e-7 degrees to micro-degrees, half away from zero. */
static int64_t e7_to_udeg(int64_t v)
{
	return v >= 0 ? (v + 5) / 10 : -((-v + 5) / 10);
}

static enum cmn_rc fail_member(struct takeout *t, const char *member, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum cmn_rc fail_member(struct takeout *t, const char *member, const char *fmt, ...)
{
	char pointer[96], msg[200];
	va_list ap;

	snprintf(pointer, sizeof(pointer), "/locations/%zu%s%s", t->index, member[0] ? "/" : "",
		 member);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return import_fail_at(t->j, pointer, "%s", msg);
}

static enum cmn_rc coordinate(struct takeout *t, json_t *o, const char *member, int64_t limit,
			      int64_t *udeg)
{
	json_t *v = json_object_get(o, member);

	if (!json_is_integer(v) || json_integer_value(v) < -limit || json_integer_value(v) > limit)
		return fail_member(t, member,
				   "expected an integer in 1e-7 degrees from -%lld to "
				   "%lld",
				   (long long)limit, (long long)limit);
	*udeg = e7_to_udeg(json_integer_value(v));
	return CMN_OK;
}

/* when - "timestamp" (RFC 3339) or, in older exports, "timestampMs" (ms
 * since the epoch as a string of digits). */
static enum cmn_rc when(struct takeout *t, json_t *o, int64_t *ms)
{
	json_t *ts = json_object_get(o, "timestamp"), *tms = json_object_get(o, "timestampMs");

	if (ts) {
		if (!json_is_string(ts) || time_parse(json_string_value(ts), false, ms) != CMN_OK)
			return fail_member(t, "timestamp",
					   "expected a time such as "
					   "2015-10-10T18:47:02.597Z");
		return CMN_OK;
	}
	if (tms) {
		if (json_is_integer(tms))
			*ms = json_integer_value(tms);
		else if (!json_is_string(tms) ||
			 str_to_i64(json_string_value(tms), 0, INT64_MAX / 2, ms) != CMN_OK)
			return fail_member(t, "timestampMs",
					   "expected milliseconds since 1970 "
					   "as a string of digits");
		if (*ms < 0 || *ms > 253402300799999LL)
			return fail_member(t, "timestampMs", "the time is out of range");
		return CMN_OK;
	}
	return fail_member(t, "", "a location needs timestamp or timestampMs");
}

/* position - one element of locations[], parsed from t->loc. A time
 * already given in the file (or stored) keeps its first position: the series
 * are keep_first, so nothing here remembers the file's times. */
static enum cmn_rc position(struct takeout *t, json_t *o)
{
	struct takeout_point p = {0};
	enum cmn_rc rc;
	json_t *alt;

	if (!json_is_object(o))
		return fail_member(t, "", "expected an object in locations[]");
	if (!json_object_get(o, "latitudeE7") && !json_object_get(o, "longitudeE7")) {
		t->no_position++;
		return CMN_OK;
	}
	rc = coordinate(t, o, "latitudeE7", 900000000, &p.lat);
	if (rc == CMN_OK)
		rc = coordinate(t, o, "longitudeE7", 1800000000, &p.lon);
	if (rc == CMN_OK)
		rc = when(t, o, &p.t);
	alt = json_object_get(o, "altitude");
	if (rc == CMN_OK && alt) {
		double a = json_number_value(alt);

		if (!json_is_number(alt) || fabs(a) > TAKEOUT_ALT_MAX)
			rc = fail_member(t, "altitude", "expected metres (a number up to %d)",
					 TAKEOUT_ALT_MAX);
		p.alt = rc == CMN_OK ? (int64_t)round(a) : 0;
		p.has_alt = true;
	}
	if (rc != CMN_OK)
		return rc;
	rc = emit_axis(t, AXIS_LAT, p.t, p.lat);
	if (rc == CMN_OK)
		rc = emit_axis(t, AXIS_LON, p.t, p.lon);
	if (rc == CMN_OK && p.has_alt)
		rc = emit_axis(t, AXIS_ALT, p.t, p.alt);
	return rc;
}

/* ---- the document ---------------------------------------------------------- */

static enum jstream_want want(void *ctx, const char *key)
{
	struct takeout *t = ctx;

	if (strcmp(key, "locations") != 0 || t->found)
		return JSTREAM_SKIP;
	t->found = true;
	return JSTREAM_ELEMENTS;
}

static enum cmn_rc element(void *ctx, const struct jstream_piece *p)
{
	struct takeout *t = ctx;

	t->index = p->index;
	return position(t, p->value);
}

static enum cmn_rc run(struct import_job *j, struct import_input *in)
{
	static const struct jstream_ops ops = {
	    .want = want,
	    .piece = element,
	    .piece_max = TAKEOUT_LOCATION_MAX,
	    .depth_max = TAKEOUT_MAX_DEPTH,
	    .shape = "a JSON object",
	};
	struct takeout t = {.j = j};
	enum cmn_rc rc = jstream_run(j, in->f, &ops, &t);

	if (rc == CMN_OK && !t.found)
		rc = import_fail(j, 0, 0, "no \"locations\" array: not a Records.json");
	if (rc == CMN_OK && t.no_position)
		import_warn(j, "%llu elements of locations have no latitudeE7 and longitudeE7",
			    (unsigned long long)t.no_position);
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
	if (strstr(buf, "\"locations\"") && strstr(buf, "\"latitudeE7\"")) {
		snprintf(why, whylen, "a \"locations\" array with latitudeE7");
		return 95;
	}
	if (strstr(buf, "\"locations\"")) {
		snprintf(why, whylen,
			 "a \"locations\" member without latitudeE7 in the first 4 KB");
		return 30;
	}
	snprintf(why, whylen, "no \"locations\" array");
	return 0;
}

const struct import_format import_takeout = {
    "takeout-records",
    "Google Takeout Location History Records.json (positions)",
    detect,
    run,
};
