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

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "core/timeutil.h"

#define TAKEOUT_READ_CHUNK   65536     /* bytes read from the file at once */
#define TAKEOUT_LOCATION_MAX (1 << 20) /* bytes of one element of locations[] */
#define TAKEOUT_MAX_DEPTH    32        /* nested arrays and objects */
#define TAKEOUT_KEY_MAX      63        /* bytes of a top-level key kept */
#define TAKEOUT_ALT_MAX      100000    /* |altitude| in metres */
#define TAKEOUT_DEVICE       "phone"

#define TK_EOF (-1)
#define TK_ERR (-2)

enum { AXIS_LAT, AXIS_LON, AXIS_ALT, AXES };

/* a position read from one element */
struct takeout_point {
	int64_t t;
	int64_t lat, lon, alt;
	bool has_alt;
};

struct takeout {
	struct import_job *j;
	FILE *f;
	unsigned char buf[TAKEOUT_READ_CHUNK];
	size_t pos, len;
	bool eof;
	size_t line, col; /* of the last byte consumed, 1-based */
	char *loc;        /* the text of the current location */
	size_t loc_len, loc_cap;
	size_t index;              /* of the current location in locations[] */
	uint64_t no_position;   /* elements without latitudeE7 and longitudeE7 */
};

static enum cmn_rc tk_fail(struct takeout *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static enum cmn_rc tk_fail(struct takeout *t, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return import_fail(t->j, t->line, t->col, "%s", msg);
}

/* ---- the byte reader ------------------------------------------------------ */

static int tk_fill(struct takeout *t)
{
	if (t->pos < t->len)
		return 1;
	if (t->eof)
		return 0;
	t->pos = 0;
	t->len = fread(t->buf, 1, sizeof(t->buf), t->f);
	if (t->len == 0) {
		t->eof = true;
		if (ferror(t->f)) {
			tk_fail(t, "read error");
			return -1;
		}
		return 0;
	}
	return 1;
}

static int tk_get(struct takeout *t);

/* tk_peek - the next byte, not consumed; a NUL byte is consumed to report
 * it (TK_ERR). */
static int tk_peek(struct takeout *t)
{
	int k = tk_fill(t);

	if (k <= 0)
		return k == 0 ? TK_EOF : TK_ERR;
	return t->buf[t->pos] ? t->buf[t->pos] : tk_get(t);
}

/* tk_get - the next byte, consumed: TK_EOF at the end, TK_ERR (with the
 * job's error) on a read error or a NUL byte. */
static int tk_get(struct takeout *t)
{
	int k = tk_fill(t);
	unsigned char c;

	if (k <= 0)
		return k == 0 ? TK_EOF : TK_ERR;
	c = t->buf[t->pos++];
	if (c == '\n') {
		t->line++;
		t->col = 0;
	} else if ((c & 0xc0) != 0x80) {
		t->col++;
	}
	if (c == 0) {
		tk_fail(t, "a NUL byte in a JSON file");
		return TK_ERR;
	}
	return c;
}

static bool is_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* skip_ws - consumes white space; *c is the next byte (not consumed). */
static enum cmn_rc skip_ws(struct takeout *t, int *c)
{
	while (is_ws(*c = tk_peek(t)))
		if (tk_get(t) == TK_ERR)
			return CMN_ERR_INVALID;
	return *c == TK_ERR ? CMN_ERR_INVALID : CMN_OK;
}

static enum cmn_rc expect(struct takeout *t, int want, const char *what)
{
	int c;

	if (skip_ws(t, &c) != CMN_OK || (c = tk_get(t)) == TK_ERR)
		return CMN_ERR_INVALID;
	return c == want ? CMN_OK : tk_fail(t, "expected %s", what);
}

/* ---- values ----------------------------------------------------------------- */

static enum cmn_rc keep_byte(struct takeout *t, int c)
{
	if (t->loc_len + 1 >= t->loc_cap) {
		size_t cap = t->loc_cap ? 2 * t->loc_cap : 4096;
		char *p;

		if (cap > TAKEOUT_LOCATION_MAX)
			return tk_fail(t, "an element of locations is longer than %d bytes",
				       TAKEOUT_LOCATION_MAX);
		p = realloc(t->loc, cap);
		if (!p)
			return CMN_ERR_NOMEM;
		t->loc = p;
		t->loc_cap = cap;
	}
	t->loc[t->loc_len++] = (char)c;
	return CMN_OK;
}

static bool scalar_char(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-' || c == '+' ||
	       c == '.' || c == 'E';
}

/*
 * value - consumes one JSON value, kept in t->loc when keep. Only its
 * shape is followed here (strings, nesting, a depth cap); what is kept is
 * parsed by jansson afterwards, and what is skipped is not checked further.
 */
static enum cmn_rc value(struct takeout *t, bool keep)
{
	char closers[TAKEOUT_MAX_DEPTH];
	size_t depth = 0;
	bool in_string = false, escape = false;
	enum cmn_rc rc = CMN_OK;
	int c;

	if ((rc = skip_ws(t, &c)) != CMN_OK)
		return rc;
	if (scalar_char(c)) {
		while (rc == CMN_OK && scalar_char(tk_peek(t)))
			rc = (c = tk_get(t)) == TK_ERR ? CMN_ERR_INVALID
			     : keep                    ? keep_byte(t, c)
						       : CMN_OK;
		return rc;
	}
	if (c != '"' && c != '{' && c != '[')
		return c == TK_EOF ? tk_fail(t, "the file ends where a value was expected")
				   : tk_fail(t, "expected a JSON value");
	do {
		if ((c = tk_get(t)) == TK_ERR)
			return CMN_ERR_INVALID;
		if (c == TK_EOF)
			return tk_fail(t, "the file ends inside a value");
		if (keep && (rc = keep_byte(t, c)) != CMN_OK)
			return rc;
		if (in_string) {
			if (escape)
				escape = false;
			else if (c == '\\')
				escape = true;
			else if (c == '"')
				in_string = false;
		} else if (c == '"') {
			in_string = true;
		} else if (c == '{' || c == '[') {
			if (depth == TAKEOUT_MAX_DEPTH)
				return tk_fail(t, "arrays and objects nested deeper than %d levels",
					       TAKEOUT_MAX_DEPTH);
			closers[depth++] = c == '{' ? '}' : ']';
		} else if (c == '}' || c == ']') {
			if (!depth || closers[depth - 1] != c)
				return tk_fail(t, "unexpected '%c'", c);
			depth--;
		}
	} while (depth || in_string);
	return CMN_OK;
}

/* key - a member name of the outer object (the first bytes of it). */
static enum cmn_rc key(struct takeout *t, char *out, size_t max)
{
	size_t n = 0;
	bool escape = false;
	int c;

	if (expect(t, '"', "a member name in double quotes") != CMN_OK)
		return CMN_ERR_INVALID;
	while ((c = tk_get(t)) >= 0 && (escape || c != '"')) {
		escape = !escape && c == '\\';
		if (n < max)
			out[n++] = (char)c;
	}
	out[n] = '\0';
	if (c == TK_EOF)
		return tk_fail(t, "the file ends inside a member name");
	return c == TK_ERR ? CMN_ERR_INVALID : CMN_OK;
}

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
static enum cmn_rc position(struct takeout *t)
{
	json_error_t err;
	json_t *o = json_loadb(t->loc, t->loc_len, JSON_REJECT_DUPLICATES, &err), *alt;
	struct takeout_point p = {0};
	enum cmn_rc rc;

	if (!o)
		return fail_member(t, "", "invalid JSON: %s", err.text);
	if (!json_object_get(o, "latitudeE7") && !json_object_get(o, "longitudeE7")) {
		t->no_position++;
		json_decref(o);
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
	json_decref(o);
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

static enum cmn_rc locations(struct takeout *t)
{
	enum cmn_rc rc = expect(t, '[', "\"locations\" to be an array");
	int c;

	if (rc == CMN_OK && (rc = skip_ws(t, &c)) == CMN_OK && c == ']') {
		tk_get(t);
		return CMN_OK;
	}
	for (t->index = 0; rc == CMN_OK; t->index++) {
		if ((rc = skip_ws(t, &c)) != CMN_OK)
			return rc;
		if (c != '{')
			return tk_fail(t, "expected an object in locations[]");
		t->loc_len = 0;
		rc = value(t, true);
		if (rc == CMN_OK)
			rc = position(t);
		if (rc == CMN_OK && (rc = skip_ws(t, &c)) == CMN_OK) {
			if ((c = tk_get(t)) == TK_ERR)
				return CMN_ERR_INVALID;
			if (c == ']')
				return CMN_OK;
			if (c != ',')
				return tk_fail(t,
					       "expected ',' or ']' after an element of locations");
		}
	}
	return rc;
}

static enum cmn_rc document(struct takeout *t)
{
	char name[TAKEOUT_KEY_MAX + 1];
	bool found = false;
	enum cmn_rc rc;
	int c;

	if (tk_peek(t) == 0xef) {
		/* a UTF-8 byte order mark */
		int b1 = tk_get(t), b2 = tk_get(t), b3 = tk_get(t);

		if (b1 != 0xef || b2 != 0xbb || b3 != 0xbf)
			return tk_fail(t, "expected a JSON object");
	}
	if ((rc = skip_ws(t, &c)) != CMN_OK)
		return rc;
	if (c == TK_EOF)
		return import_fail(t->j, 1, 1, "the file is empty");
	if ((rc = expect(t, '{', "a JSON object")) != CMN_OK)
		return rc;
	if ((rc = skip_ws(t, &c)) == CMN_OK && c == '}')
		tk_get(t);
	else
		while (rc == CMN_OK) {
			if ((rc = key(t, name, TAKEOUT_KEY_MAX)) != CMN_OK ||
			    (rc = expect(t, ':', "':' after a member name")) != CMN_OK)
				return rc;
			if (strcmp(name, "locations") == 0 && !found) {
				found = true;
				rc = locations(t);
			} else {
				rc = value(t, false);
			}
			if (rc != CMN_OK || (rc = skip_ws(t, &c)) != CMN_OK)
				return rc;
			if ((c = tk_get(t)) == '}')
				break;
			if (c != ',')
				return c == TK_ERR ? CMN_ERR_INVALID
						   : tk_fail(t, "expected ',' or '}' in the outer "
								"object");
		}
	if (rc == CMN_OK && (rc = skip_ws(t, &c)) == CMN_OK && c != TK_EOF)
		return tk_fail(t, "more after the end of the JSON document");
	if (rc == CMN_OK && !found)
		return tk_fail(t, "no \"locations\" array: not a Records.json");
	return rc;
}

static enum cmn_rc run(struct import_job *j, struct import_input *in)
{
	struct takeout *t = calloc(1, sizeof(*t));
	enum cmn_rc rc;

	if (!t)
		return CMN_ERR_NOMEM;
	t->j = j;
	t->f = in->f;
	t->line = 1;
	rc = document(t);
	if (rc == CMN_OK && t->no_position)
		import_warn(j, "%llu elements of locations have no latitudeE7 and longitudeE7",
			    (unsigned long long)t->no_position);
	free(t->loc);
	free(t);
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
