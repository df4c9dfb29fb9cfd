/*
 * gpx.c - GPS Exchange Format files, GPX 1.0 and 1.1 (topografix.com/GPX),
 * as written by GPS receivers, phones and sports sites:
 *
 *   <gpx version="1.1" creator="eTrex 20x"><trk><type>cycling</type><trkseg>
 *     <trkpt lat="45.2735188510" lon="13.7142099626"><ele>211.15</ele>
 *       <time>2020-12-18T06:15:50Z</time></trkpt> ...
 *
 * Every point with a time (trkpt, rtept, wpt) becomes a position of the
 * mobility.position series "gpx:DEVICE/lat", "/lon" (micro-degrees, the
 * decimal text rounded half away from zero) and "/alt" (metres, rounded),
 * DEVICE coming from the creator attribute. Each track segment with two
 * timed points or more also becomes a mobility.trip record (start, end,
 * haversine distance, first and last point, mode from the track's <type>).
 *
 * The file is read as a stream by a small XML scanner of its own (not a
 * general XML parser): UTF-8 only, no DTD (so no entity can expand), the
 * five predefined entities and character references, a depth cap, bounded
 * names, attributes and kept values, line and column for every error.
 * docs/import/gpx.md.
 */
#include "import/import.h"
#include "import/xmlscan.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/jsonput.h"
#include "core/str.h"
#include "core/timeutil.h"

#define GPX_READ_CHUNK 65536     /* bytes read from the file at once */
#define GPX_MAX_DEPTH  64        /* nested elements */
#define GPX_NAME_MAX   127       /* bytes of an element or attribute name */
#define GPX_MAX_ATTRS  32        /* attributes of one element */
#define GPX_ATTR_BYTES 65536     /* bytes of the attribute names and values of one tag */
#define GPX_TEXT_MAX   255       /* bytes of a value kept (time, ele, type) */
#define GPX_DECL_MAX   1024      /* bytes of the <?xml ...?> declaration */
#define GPX_DEVICE_MAX 32        /* bytes of the device name taken from creator */
#define GPX_ELE_MAX    100000    /* |elevation| in metres */
#define GPX_TRIP_MAX_M 40000000  /* mobility.trip distance_m maximum */
#define GPX_EARTH_M    6371008.8 /* mean Earth radius (IUGG) */
#define GPX_PI         3.14159265358979323846

#define XR_EOF (-1)
#define XR_ERR (-2)

/* ---- the byte reader: buffering, UTF-8 check, line and column ------------ */

struct xml_reader {
	FILE *f;
	struct import_job *j;
	unsigned char buf[GPX_READ_CHUNK];
	size_t pos, len;
	bool eof;
	size_t line, col;               /* of the last byte consumed, 1-based */
	int utf8_need;                  /* continuation bytes still expected */
	unsigned char utf8_lo, utf8_hi; /* range of the next continuation byte */
	bool cp1252;                    /* the declaration named a Latin encoding */
	unsigned char pend[4];          /* the rest of a converted byte, in UTF-8 */
	int npend, ipend;
};

static int xr_fail(struct xml_reader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int xr_fail(struct xml_reader *r, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	import_fail(r->j, r->line, r->col, "%s", msg);
	return XR_ERR;
}

static int xr_fill(struct xml_reader *r)
{
	if (r->pos < r->len)
		return 1;
	if (r->eof)
		return 0;
	r->pos = 0;
	r->len = fread(r->buf, 1, sizeof(r->buf), r->f);
	if (r->len == 0) {
		r->eof = true;
		return ferror(r->f) ? xr_fail(r, "read error") : 0;
	}
	return 1;
}

static int xr_get(struct xml_reader *r);

/* xr_peek - the next byte, not consumed: XR_EOF at the end. A NUL or
 * control byte is consumed to report it (XR_ERR); other bytes are checked
 * when they are consumed. */
static int xr_peek(struct xml_reader *r)
{
	int k;

	if (r->ipend < r->npend)
		return r->pend[r->ipend];
	k = xr_fill(r);
	if (k <= 0)
		return k == 0 ? XR_EOF : XR_ERR;
	if (r->buf[r->pos] < 0x20 && r->buf[r->pos] != '\t' && r->buf[r->pos] != '\n' &&
	    r->buf[r->pos] != '\r')
		return xr_get(r);
	return r->buf[r->pos];
}

/* utf8_lead - sets the continuation expected after lead byte c; false when
 * c cannot start a sequence. */
static bool utf8_lead(struct xml_reader *r, unsigned char c)
{
	r->utf8_lo = 0x80;
	r->utf8_hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf)
		r->utf8_need = 1;
	else if (c >= 0xe0 && c <= 0xef)
		r->utf8_need = 2;
	else if (c >= 0xf0 && c <= 0xf4)
		r->utf8_need = 3;
	else
		return false;
	if (c == 0xe0)
		r->utf8_lo = 0xa0; /* no overlong forms */
	else if (c == 0xed)
		r->utf8_hi = 0x9f; /* no surrogates */
	else if (c == 0xf0)
		r->utf8_lo = 0x90;
	else if (c == 0xf4)
		r->utf8_hi = 0x8f; /* nothing above U+10FFFF */
	return true;
}

/* xr_get - the next byte, consumed and checked (well-formed UTF-8, no NUL
 * nor control character): XR_EOF at the end, XR_ERR with the job's error. */
static int xr_get(struct xml_reader *r)
{
	int k;
	unsigned char c;

	if (r->ipend < r->npend)
		return r->pend[r->ipend++]; /* continuation bytes of a converted one */
	k = xr_fill(r);
	if (k <= 0) {
		if (k == 0 && r->utf8_need)
			return xr_fail(r, "the file ends inside a UTF-8 sequence");
		return k == 0 ? XR_EOF : XR_ERR;
	}
	c = r->buf[r->pos++];
	if (r->utf8_need) {
		if (c < r->utf8_lo || c > r->utf8_hi)
			return xr_fail(r, "invalid UTF-8 (GPX files are read as UTF-8)");
		r->utf8_need--;
		r->utf8_lo = 0x80;
		r->utf8_hi = 0xbf;
		return c;
	}
	if (c == '\n') {
		r->line++;
		r->col = 0;
		return c;
	}
	r->col++;
	if (c == 0)
		return xr_fail(r, "a NUL byte in an XML file");
	if (c < 0x20 && c != '\t' && c != '\r')
		return xr_fail(r, "the control character 0x%02x is not allowed in XML", c);
	if (c >= 0x80 && r->cp1252) {
		uint32_t cp = xmlscan_cp1252_char(c);

		if (!cp)
			return xr_fail(r, "the byte 0x%02x is not a Windows-1252 character", c);
		r->npend = (int)xmlscan_utf8(cp, r->pend);
		r->ipend = 1;
		return r->pend[0];
	}
	if (c >= 0x80 && !utf8_lead(r, c))
		return xr_fail(r, "invalid UTF-8 (GPX files are read as UTF-8)");
	return c;
}

/*
 * xr_take - the fast path of plain bytes: consumes up to max bytes that
 * follow in the buffer and are all of class cls (a table of ASCII bytes:
 * never a line feed, a control byte or a UTF-8 one, so nothing to check or
 * count but the column), and gives where they start. *n is 0 when the
 * next byte is not one, or when a converted byte is pending: the caller
 * then reads it with xr_get, which checks it and reports it at its place.
 */
static const unsigned char *xr_take(struct xml_reader *r, const bool cls[256], size_t max,
				    size_t *n)
{
	const unsigned char *p = r->buf + r->pos;
	size_t i = 0, avail = r->len - r->pos;

	if (r->ipend < r->npend || r->utf8_need)
		avail = 0;
	if (avail > max)
		avail = max;
	while (i < avail && cls[p[i]])
		i++;
	r->pos += i;
	r->col += i;
	*n = i;
	return p;
}

/* ---- the GPX state ------------------------------------------------------- */

enum gpx_kind {
	K_OTHER, /* skipped (metadata, extensions, ...) */
	K_GPX,
	K_WPT,
	K_RTE,
	K_RTEPT,
	K_TRK,
	K_TRKSEG,
	K_TRKPT,
	K_ELE,
	K_TIME,
	K_TRKTYPE,
};

enum { AXIS_LAT, AXIS_LON, AXIS_ALT, AXES };

struct gpx_point {
	int64_t t;        /* ms */
	int64_t lat, lon; /* micro-degrees */
	int64_t ele;      /* metres */
	bool has_time, has_ele;
	size_t line, col; /* of its start tag */
};

struct gpx_segment {
	size_t n; /* points, with or without a time */
	size_t ntimed;
	int64_t tmin, tmax;
	double dist; /* metres */
	int64_t first_lat, first_lon, last_lat, last_lon;
};

struct gpx {
	struct import_job *j;
	struct xml_reader r;
	struct {
		char name[GPX_NAME_MAX + 1];
		enum gpx_kind kind;
	} stack[GPX_MAX_DEPTH];
	size_t depth;
	bool root_seen, root_closed;
	char prefix[GPX_NAME_MAX + 1]; /* the root's namespace prefix, "" or "p:" */
	size_t tag_line, tag_col;      /* of the current tag's '<' */
	char tag[GPX_NAME_MAX + 1];
	char attrs[GPX_ATTR_BYTES]; /* names and values, NUL-terminated */
	size_t attrs_len;
	const char *attr_name[GPX_MAX_ATTRS], *attr_value[GPX_MAX_ATTRS];
	size_t nattrs;
	char text[GPX_TEXT_MAX + 1]; /* the value of the current ele/time/type */
	size_t text_len;
	bool text_over;
	char device[GPX_DEVICE_MAX + 1];
	char keys[AXES][SERIES_KEY_MAX + 1];
	char metas[AXES][GPX_DEVICE_MAX + 40];
	const char *mode; /* of the current track */
	struct gpx_point pt;
	bool in_point;
	struct gpx_segment seg;
	uint64_t untimed[3];    /* wpt, rtept, trkpt */
	uint64_t short_segments, long_trips;
};

static enum cmn_rc gpx_fail(struct gpx *g, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static enum cmn_rc gpx_fail(struct gpx *g, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return import_fail(g->j, g->r.line, g->r.col, "%s", msg);
}

/* gpx_fail_tag - the same, placed at the current element's start tag. */
static enum cmn_rc gpx_fail_tag(struct gpx *g, size_t line, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static enum cmn_rc gpx_fail_tag(struct gpx *g, size_t line, size_t col, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return import_fail(g->j, line, col, "%s", msg);
}

static enum cmn_rc get(struct gpx *g, int *c)
{
	*c = xr_get(&g->r);
	return *c == XR_ERR ? CMN_ERR_INVALID : CMN_OK;
}

static bool is_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool name_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
	       c >= 0x80;
}

static bool name_char(int c)
{
	return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

/* the classes of xr_take, filled once from the tests above (class_init) */
static pthread_once_t classes = PTHREAD_ONCE_INIT;
static bool cls_ws[256];    /* white space but a line feed, which xr_get counts */
static bool cls_name[256];  /* ASCII name characters */
static bool cls_text[256];  /* ASCII text: not '<' nor '&' */
static bool cls_value[256]; /* ASCII attribute value: not '<', '&', a quote nor tab or CR */

static void class_init(void)
{
	for (int c = 0; c < 0x7f; c++) {
		bool special = c == '<' || c == '&';

		cls_ws[c] = is_ws(c) && c != '\n';
		cls_name[c] = name_char(c);
		cls_text[c] = (c >= 0x20 || cls_ws[c]) && !special;
		cls_value[c] = c >= 0x20 && !special && c != '"' && c != '\'';
	}
}

/* ---- values -------------------------------------------------------------- */

/*
 * parse_fixed - an xsd:decimal ("[+-]digits[.digits]", no exponent) as an
 * integer count of 10^-scale, rounded half away from zero on the first
 * digit dropped: exact, whatever the number of decimals. False when s is
 * malformed or |value| > limit (in those units).
 */
static bool parse_fixed(const char *s, int scale, int64_t limit, int64_t *out)
{
	bool neg = false, digits = false, up = false;
	int64_t v = 0;
	int frac = 0;

	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	for (; *s >= '0' && *s <= '9'; s++) {
		digits = true;
		v = v * 10 + (*s - '0');
		if (v > 1000000000)
			return false;
	}
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++) {
			digits = true;
			if (frac < scale) {
				v = v * 10 + (*s - '0');
				frac++;
			} else if (frac == scale) {
				up = *s >= '5';
				frac++;
			}
		}
	}
	if (!digits || *s)
		return false;
	for (; frac < scale; frac++)
		v *= 10;
	v += up;
	if (v > limit)
		return false;
	*out = neg ? -v : v;
	return true;
}

/* trim - the text without surrounding white space (in place). */
static char *trim(char *s, size_t *len)
{
	size_t n = *len;

	while (n && is_ws((unsigned char)s[n - 1]))
		n--;
	s[n] = '\0';
	while (is_ws((unsigned char)*s)) {
		s++;
		n--;
	}
	*len = n;
	return s;
}

/* parse_gpx_time - RFC 3339; a time without an offset is UTC (GPX says all
 * times are UTC, and some writers leave out the Z). */
static bool parse_gpx_time(const char *s, int64_t *t)
{
	char buf[64];
	size_t n = strlen(s);

	if (n + 2 > sizeof(buf))
		return false;
	memcpy(buf, s, n + 1);
	if (n >= 19 && (buf[10] == 'T' || buf[10] == 't') && !strpbrk(buf + 19, "Zz+-")) {
		buf[n] = 'Z';
		buf[n + 1] = '\0';
	}
	return time_parse(buf, false, t) == CMN_OK;
}

static const struct {
	const char *type; /* a <type> of a track, any case */
	const char *mode; /* the mobility.trip mode */
} gpx_modes[] = {
    {"walk", "walk"},
    {"walking", "walk"},
    {"hiking", "walk"},
    {"running", "walk"},
    {"run", "walk"},
    {"bike", "bike"},
    {"biking", "bike"},
    {"cycling", "bike"},
    {"ebike", "ebike"},
    {"scooter", "scooter"},
    {"bus", "bus"},
    {"tram", "tram"},
    {"metro", "metro"},
    {"train", "train"},
    {"car", "car"},
    {"driving", "car"},
    {"carpool", "carpool"},
    {"motorbike", "motorbike"},
    {"motorcycling", "motorbike"},
    {"plane", "plane"},
    {"flying", "plane"},
    {"other", "other"},
};

static const char *mode_of_type(const char *type)
{
	for (size_t i = 0; i < sizeof(gpx_modes) / sizeof(gpx_modes[0]); i++)
		if (strcasecmp(type, gpx_modes[i].type) == 0)
			return gpx_modes[i].mode;
	return "other";
}

static double haversine_m(int64_t lat1, int64_t lon1, int64_t lat2, int64_t lon2)
{
	const double rad = GPX_PI / 180e6;
	double p1 = (double)lat1 * rad, p2 = (double)lat2 * rad;
	double sp = sin((p2 - p1) / 2), sl = sin((double)(lon2 - lon1) * rad / 2);
	double a = sp * sp + cos(p1) * cos(p2) * sl * sl;

	return 2 * GPX_EARTH_M * asin(sqrt(a < 1 ? a : 1));
}

/* set_device - the series keys and metas from the creator attribute: its
 * first part ("GPSBabel - http://..." gives "GPSBabel"), spaces as '-',
 * other bytes than [A-Za-z0-9._-] dropped; "unknown" when nothing is left. */
static void set_device(struct gpx *g, const char *creator)
{
	static const char *const axis[AXES] = {"lat", "lon", "alt"};
	const char *end = creator ? strstr(creator, " - ") : NULL;
	size_t n = 0;

	if (creator && !end)
		end = creator + strlen(creator);
	for (const char *p = creator; p && p < end && n < GPX_DEVICE_MAX; p++) {
		char c = *p;

		if (c == ' ')
			c = '-';
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			continue;
		if (c == '-' && (n == 0 || g->device[n - 1] == '-'))
			continue;
		g->device[n++] = c;
	}
	while (n && (g->device[n - 1] == '-' || g->device[n - 1] == '.'))
		n--;
	g->device[n] = '\0';
	if (!n || strspn(g->device, ".") == n)
		str_copy(g->device, sizeof(g->device), "unknown");
	for (int a = 0; a < AXES; a++) {
		snprintf(g->keys[a], sizeof(g->keys[a]), "gpx:%s/%s", g->device, axis[a]);
		snprintf(g->metas[a], sizeof(g->metas[a]), "{\"device\":\"%s\",\"axis\":\"%s\"}",
			 g->device, axis[a]);
	}
}

/* ---- positions ----------------------------------------------------------- */

static enum cmn_rc emit_axis(struct gpx *g, int axis, int64_t t, int64_t v)
{
	struct import_series s = {
	    .doctype = "mobility.position",
	    .source = "gpx",
	    .key = g->keys[axis],
	    .unit = axis == AXIS_ALT ? "m" : "udeg",
	    .step = 0,
	    .meta = g->metas[axis],
	    .keep_first = true,
	};
	struct series_point p = {t, v};

	return import_points(g->j, &s, &p, 1);
}

/* emit_position - a timed point to the series. A time given again in the
 * file (or already stored) keeps its first position: the series are
 * keep_first, so nothing here remembers the file's times. */
static enum cmn_rc emit_position(struct gpx *g, const struct gpx_point *p)
{
	enum cmn_rc rc = emit_axis(g, AXIS_LAT, p->t, p->lat);

	if (rc == CMN_OK)
		rc = emit_axis(g, AXIS_LON, p->t, p->lon);
	if (rc == CMN_OK && p->has_ele)
		rc = emit_axis(g, AXIS_ALT, p->t, p->ele);
	return rc;
}

static const char *attr(const struct gpx *g, const char *name)
{
	for (size_t i = 0; i < g->nattrs; i++)
		if (strcmp(g->attr_name[i], name) == 0)
			return g->attr_value[i];
	return NULL;
}

static enum cmn_rc point_begin(struct gpx *g)
{
	const char *lat = attr(g, "lat"), *lon = attr(g, "lon");

	memset(&g->pt, 0, sizeof(g->pt));
	g->pt.line = g->tag_line;
	g->pt.col = g->tag_col;
	if (!lat || !lon)
		return gpx_fail_tag(g, g->tag_line, g->tag_col,
				    "a <%s> needs lat and lon attributes", g->tag);
	if (!parse_fixed(lat, 6, 90000000, &g->pt.lat))
		return gpx_fail_tag(g, g->tag_line, g->tag_col,
				    "lat must be a decimal number of "
				    "degrees from -90 to 90, not \"%.40s\"",
				    lat);
	if (!parse_fixed(lon, 6, 180000000, &g->pt.lon))
		return gpx_fail_tag(g, g->tag_line, g->tag_col,
				    "lon must be a decimal number of "
				    "degrees from -180 to 180, not \"%.40s\"",
				    lon);
	g->in_point = true;
	return CMN_OK;
}

static enum cmn_rc point_end(struct gpx *g, enum gpx_kind kind)
{
	struct gpx_point *p = &g->pt;
	struct gpx_segment *s = &g->seg;

	g->in_point = false;
	if (kind == K_TRKPT) {
		if (s->n)
			s->dist += haversine_m(s->last_lat, s->last_lon, p->lat, p->lon);
		else {
			s->first_lat = p->lat;
			s->first_lon = p->lon;
		}
		s->last_lat = p->lat;
		s->last_lon = p->lon;
		s->n++;
		if (p->has_time) {
			if (!s->ntimed || p->t < s->tmin)
				s->tmin = p->t;
			if (!s->ntimed || p->t > s->tmax)
				s->tmax = p->t;
			s->ntimed++;
		}
	}
	if (!p->has_time) {
		g->untimed[kind == K_WPT ? 0 : kind == K_RTEPT ? 1 : 2]++;
		return CMN_OK;
	}
	return emit_position(g, p);
}

static json_t *place(int64_t lat, int64_t lon)
{
	return json_pack("{s:f, s:f}", "lat", (double)lat / 1e6, "lon", (double)lon / 1e6);
}

/* segment_end - a trip for a segment with two timed points or more; the
 * dedupe key is its time span and point count. */
static enum cmn_rc segment_end(struct gpx *g)
{
	const struct gpx_segment *s = &g->seg;
	char start[TIME_RFC3339_LEN], end[TIME_RFC3339_LEN], key[80];
	double meters = round(s->dist);
	json_t *d;

	if (s->ntimed < 2) {
		g->short_segments += s->n > 0;
		return CMN_OK;
	}
	time_format(start, s->tmin);
	time_format(end, s->tmax);
	d = json_pack("{s:s, s:s, s:s, s:o, s:o}", "start", start, "end", end, "mode", g->mode,
		      "from", place(s->first_lat, s->first_lon), "to",
		      place(s->last_lat, s->last_lon));
	if (!d)
		return CMN_ERR_NOMEM;
	/* a trip kept without its distance would count for nothing */
	if (meters <= GPX_TRIP_MAX_M)
		json_put(&d, "distance_m", json_integer((json_int_t)meters));
	else
		g->long_trips++;
	if (!d)
		return CMN_ERR_NOMEM;
	snprintf(key, sizeof(key), "gpx:%lld/%lld/%zu", (long long)s->tmin, (long long)s->tmax,
		 s->n);
	return import_record(g->j, "mobility.trip", d, key);
}

/* ---- elements ------------------------------------------------------------ */

/* local - the GPX name of an element, or NULL when it is in another
 * namespace (a prefix other than the root's). */
static const char *local(const struct gpx *g, const char *name)
{
	size_t n = strlen(g->prefix);
	const char *colon = strchr(name, ':');

	if (n && strncmp(name, g->prefix, n) == 0)
		return name + n;
	return colon ? NULL : name;
}

static enum gpx_kind child_kind(enum gpx_kind parent, const char *name)
{
	if (!name)
		return K_OTHER;
	switch (parent) {
	case K_GPX:
		return strcmp(name, "wpt") == 0   ? K_WPT
		       : strcmp(name, "rte") == 0 ? K_RTE
		       : strcmp(name, "trk") == 0 ? K_TRK
						  : K_OTHER;
	case K_RTE: return strcmp(name, "rtept") == 0 ? K_RTEPT : K_OTHER;
	case K_TRK:
		return strcmp(name, "trkseg") == 0 ? K_TRKSEG
		       : strcmp(name, "type") == 0 ? K_TRKTYPE
						   : K_OTHER;
	case K_TRKSEG: return strcmp(name, "trkpt") == 0 ? K_TRKPT : K_OTHER;
	case K_WPT:
	case K_RTEPT:
	case K_TRKPT:
		return strcmp(name, "ele") == 0    ? K_ELE
		       : strcmp(name, "time") == 0 ? K_TIME
						   : K_OTHER;
	default: return K_OTHER;
	}
}

static enum cmn_rc root_begin(struct gpx *g)
{
	const char *colon = strrchr(g->tag, ':'), *version = attr(g, "version");
	size_t plen = colon ? (size_t)(colon - g->tag) + 1 : 0;

	if (g->root_closed)
		return gpx_fail_tag(g, g->tag_line, g->tag_col, "content after the root element");
	if (strcmp(g->tag + plen, "gpx") != 0)
		return gpx_fail_tag(g, g->tag_line, g->tag_col,
				    "not a GPX file: the root element "
				    "is <%.60s>, not <gpx>",
				    g->tag);
	if (version && strcmp(version, "1.0") != 0 && strcmp(version, "1.1") != 0)
		return gpx_fail_tag(g, g->tag_line, g->tag_col,
				    "GPX version \"%.20s\" is not read "
				    "(1.0 and 1.1 are)",
				    version);
	memcpy(g->prefix, g->tag, plen);
	g->prefix[plen] = '\0';
	set_device(g, attr(g, "creator"));
	g->root_seen = true;
	return CMN_OK;
}

static enum cmn_rc element_begin(struct gpx *g)
{
	enum gpx_kind kind;
	enum cmn_rc rc = CMN_OK;

	if (g->depth == 0) {
		rc = root_begin(g);
		kind = K_GPX;
	} else if (g->depth == GPX_MAX_DEPTH) {
		return gpx_fail_tag(g, g->tag_line, g->tag_col,
				    "elements are nested deeper than %d "
				    "levels",
				    GPX_MAX_DEPTH);
	} else {
		kind = child_kind(g->stack[g->depth - 1].kind, local(g, g->tag));
	}
	if (rc != CMN_OK)
		return rc;
	memcpy(g->stack[g->depth].name, g->tag, sizeof(g->tag));
	g->stack[g->depth++].kind = kind;
	g->text_len = 0;
	g->text_over = false;
	switch (kind) {
	case K_WPT:
	case K_RTEPT:
	case K_TRKPT: return point_begin(g);
	case K_TRKSEG: memset(&g->seg, 0, sizeof(g->seg)); return CMN_OK;
	case K_TRK: g->mode = "other"; return CMN_OK;
	default: return CMN_OK;
	}
}

/* value_end - the text of an ele, time or type element. */
static enum cmn_rc value_end(struct gpx *g, enum gpx_kind kind)
{
	size_t n = g->text_len;
	char *v;

	if (g->text_over)
		return gpx_fail(g, "a value longer than %d bytes", GPX_TEXT_MAX);
	v = trim(g->text, &n);
	if (n == 0)
		return CMN_OK; /* an empty element says nothing */
	if (kind == K_TRKTYPE) {
		g->mode = mode_of_type(v);
	} else if (kind == K_ELE && !g->pt.has_ele) {
		if (!parse_fixed(v, 0, GPX_ELE_MAX, &g->pt.ele))
			return gpx_fail(g,
					"expected an elevation in metres (a decimal number up to "
					"%d), not \"%.40s\"",
					GPX_ELE_MAX, v);
		g->pt.has_ele = true;
	} else if (kind == K_TIME && !g->pt.has_time) {
		if (!parse_gpx_time(v, &g->pt.t))
			return gpx_fail(g,
					"expected a time such as 2020-12-18T06:15:50Z, not "
					"\"%.40s\"",
					v);
		g->pt.has_time = true;
	}
	return CMN_OK;
}

static enum cmn_rc element_end(struct gpx *g)
{
	enum gpx_kind kind = g->stack[--g->depth].kind;

	switch (kind) {
	case K_ELE:
	case K_TIME:
	case K_TRKTYPE: return value_end(g, kind);
	case K_WPT:
	case K_RTEPT:
	case K_TRKPT: return point_end(g, kind);
	case K_TRKSEG: return segment_end(g);
	case K_GPX: g->root_closed = true; return CMN_OK;
	default: return CMN_OK;
	}
}

/* ---- the XML scanner ----------------------------------------------------- */

static bool capturing(const struct gpx *g)
{
	enum gpx_kind k = g->depth ? g->stack[g->depth - 1].kind : K_OTHER;

	return k == K_ELE || k == K_TIME || k == K_TRKTYPE;
}

static enum cmn_rc text_byte(struct gpx *g, int c)
{
	if (g->depth == 0)
		return is_ws(c) ? CMN_OK : gpx_fail(g, "text outside the root element");
	if (!capturing(g))
		return CMN_OK;
	if (g->text_len < GPX_TEXT_MAX)
		g->text[g->text_len++] = (char)c;
	else
		g->text_over = true;
	return CMN_OK;
}

/* text_run - n bytes of text of a captured value (text_byte for many) */
static void text_run(struct gpx *g, const char *p, size_t n)
{
	size_t room = GPX_TEXT_MAX - g->text_len;

	if (n > room) {
		n = room;
		g->text_over = true;
	}
	memcpy(g->text + g->text_len, p, n);
	g->text_len += n;
}

static enum cmn_rc attr_byte(struct gpx *g, int c)
{
	if (g->attrs_len + 1 >= sizeof(g->attrs))
		return gpx_fail(g, "the attributes of <%.60s> are longer than %d bytes", g->tag,
				GPX_ATTR_BYTES);
	g->attrs[g->attrs_len++] = (char)c;
	return CMN_OK;
}

static size_t utf8_encode(uint32_t cp, unsigned char *out)
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xc0 | (cp >> 6));
		out[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xe0 | (cp >> 12));
		out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (unsigned char)(0xf0 | (cp >> 18));
	out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* char_ref - the code point of "#123" or "#x7B", 0 when invalid in XML. */
static uint32_t char_ref(const char *s)
{
	bool hex = s[1] == 'x';
	uint32_t cp = 0;
	const char *p = s + 1 + hex;

	if (!*p)
		return 0;
	for (; *p; p++) {
		int d = *p >= '0' && *p <= '9'          ? *p - '0'
			: hex && *p >= 'a' && *p <= 'f' ? *p - 'a' + 10
			: hex && *p >= 'A' && *p <= 'F' ? *p - 'A' + 10
							: -1;

		if (d < 0 || cp > 0x10ffff)
			return 0;
		cp = cp * (hex ? 16 : 10) + (uint32_t)d;
	}
	if (cp == 0x9 || cp == 0xa || cp == 0xd || (cp >= 0x20 && cp <= 0xd7ff) ||
	    (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff))
		return cp;
	return 0;
}

/* reference - after '&': a predefined entity or a character reference,
 * given to the text or to the attribute being read. */
static enum cmn_rc reference(struct gpx *g, bool in_attr)
{
	static const struct {
		const char *name;
		char c;
	} predefined[] = {{"lt", '<'}, {"gt", '>'}, {"amp", '&'}, {"apos", '\''}, {"quot", '"'}};
	char name[16];
	unsigned char out[4];
	size_t n = 0, len = 0;
	uint32_t cp = 0;
	enum cmn_rc rc = CMN_OK;
	int c;

	while ((rc = get(g, &c)) == CMN_OK && c != ';') {
		if (c == XR_EOF || n + 1 == sizeof(name) || !(name_char(c) || c == '#'))
			return gpx_fail(g, "expected a reference such as &amp; or &#233;");
		name[n++] = (char)c;
	}
	if (rc != CMN_OK)
		return rc;
	name[n] = '\0';
	if (name[0] == '#') {
		cp = char_ref(name);
		if (!cp)
			return gpx_fail(g, "&%s; is not a character allowed in XML", name);
		len = utf8_encode(cp, out);
	} else {
		for (size_t i = 0; i < sizeof(predefined) / sizeof(predefined[0]); i++)
			if (strcmp(name, predefined[i].name) == 0) {
				out[0] = (unsigned char)predefined[i].c;
				len = 1;
			}
		if (!len)
			return gpx_fail(g,
					"the entity &%s; is not defined (GPX uses only &lt; &gt; "
					"&amp; &apos; &quot; and &#...;)",
					name);
	}
	for (size_t i = 0; i < len && rc == CMN_OK; i++)
		rc = in_attr ? attr_byte(g, out[i]) : text_byte(g, out[i]);
	return rc;
}

static enum cmn_rc read_name(struct gpx *g, char *out, size_t max)
{
	const unsigned char *p;
	size_t n = 0;
	int c = xr_peek(&g->r);
	enum cmn_rc rc;

	if (!name_start(c))
		return c == XR_ERR ? CMN_ERR_INVALID : gpx_fail(g, "expected a name");
	/* the ASCII run at once: a longer name is then refused by the loop
	 * below, at the byte that makes it too long */
	p = xr_take(&g->r, cls_name, max, &n);
	memcpy(out, p, n);
	while (name_char(c = xr_peek(&g->r))) {
		if ((rc = get(g, &c)) != CMN_OK)
			return rc;
		if (n == max)
			return gpx_fail(g, "a name longer than %zu bytes", max);
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return c == XR_ERR ? CMN_ERR_INVALID : CMN_OK;
}

/* skip_ws - consumes white space; *c is the next byte (not consumed). */
static enum cmn_rc skip_ws(struct gpx *g, int *c)
{
	enum cmn_rc rc = CMN_OK;
	size_t n;
	int got;

	(void)xr_take(&g->r, cls_ws, SIZE_MAX, &n);
	while (is_ws(*c = xr_peek(&g->r)) && (rc = get(g, &got)) == CMN_OK)
		(void)xr_take(&g->r, cls_ws, SIZE_MAX, &n);
	return rc != CMN_OK || *c == XR_ERR ? CMN_ERR_INVALID : CMN_OK;
}

static enum cmn_rc expect(struct gpx *g, int want, const char *what)
{
	int c;
	enum cmn_rc rc = get(g, &c);

	if (rc == CMN_OK && c != want)
		return gpx_fail(g, "expected %s", what);
	return rc;
}

static enum cmn_rc attribute(struct gpx *g)
{
	size_t start = g->attrs_len, vstart;
	enum cmn_rc rc;
	int c, quote;

	if (g->nattrs == GPX_MAX_ATTRS)
		return gpx_fail(g, "more than %d attributes on <%.60s>", GPX_MAX_ATTRS, g->tag);
	if (g->attrs_len + GPX_NAME_MAX + 2 > sizeof(g->attrs))
		return gpx_fail(g, "the attributes of <%.60s> are longer than %d bytes", g->tag,
				GPX_ATTR_BYTES);
	rc = read_name(g, g->attrs + start, GPX_NAME_MAX);
	if (rc != CMN_OK)
		return rc;
	g->attrs_len += strlen(g->attrs + start) + 1;
	vstart = g->attrs_len;
	if ((rc = skip_ws(g, &c)) != CMN_OK ||
	    (rc = expect(g, '=',
			 "'=' after an attribute "
			 "name")) != CMN_OK ||
	    (rc = skip_ws(g, &c)) != CMN_OK || (rc = get(g, &quote)) != CMN_OK)
		return rc;
	if (quote != '"' && quote != '\'')
		return gpx_fail(g, "expected a quoted attribute value");
	for (;;) {
		/* the plain run at once, as much as attr_byte would take: the
		 * byte over the limit is refused below, where it is */
		size_t n, room = g->attrs_len + 2 < sizeof(g->attrs)
					 ? sizeof(g->attrs) - 2 - g->attrs_len
					 : 0;
		const unsigned char *p = xr_take(&g->r, cls_value, room, &n);

		memcpy(g->attrs + g->attrs_len, p, n);
		g->attrs_len += n;
		if ((rc = get(g, &c)) != CMN_OK || c == quote)
			break;
		if (c == XR_EOF)
			return gpx_fail(g, "the file ends inside an attribute value");
		if (c == '<')
			return gpx_fail(g, "'<' in an attribute value");
		rc = c == '&' ? reference(g, true) : attr_byte(g, is_ws(c) ? ' ' : c);
		if (rc != CMN_OK)
			return rc;
	}
	if (rc != CMN_OK || (rc = attr_byte(g, '\0')) != CMN_OK)
		return rc;
	for (size_t i = 0; i < g->nattrs; i++)
		if (strcmp(g->attr_name[i], g->attrs + start) == 0)
			return gpx_fail(g, "the attribute %.60s is given twice", g->attrs + start);
	g->attr_name[g->nattrs] = g->attrs + start;
	g->attr_value[g->nattrs++] = g->attrs + vstart;
	return CMN_OK;
}

static enum cmn_rc start_tag(struct gpx *g)
{
	enum cmn_rc rc = read_name(g, g->tag, GPX_NAME_MAX);
	int c;

	g->nattrs = 0;
	g->attrs_len = 0;
	while (rc == CMN_OK) {
		if ((rc = skip_ws(g, &c)) != CMN_OK)
			return rc;
		if (c == '>' || c == '/') {
			rc = get(g, &c);
			if (rc == CMN_OK && c == '/')
				rc = expect(g, '>', "'>' after '/'");
			if (rc == CMN_OK)
				rc = element_begin(g);
			if (rc == CMN_OK && c == '/')
				rc = element_end(g);
			return rc;
		}
		if (c == XR_EOF)
			return gpx_fail(g, "the file ends inside the tag <%.60s", g->tag);
		rc = attribute(g);
	}
	return rc;
}

static enum cmn_rc end_tag(struct gpx *g)
{
	char name[GPX_NAME_MAX + 1];
	enum cmn_rc rc = read_name(g, name, GPX_NAME_MAX);
	int c;

	if (rc == CMN_OK)
		rc = skip_ws(g, &c);
	if (rc == CMN_OK)
		rc = expect(g, '>', "'>' to close an end tag");
	if (rc != CMN_OK)
		return rc;
	if (g->depth == 0)
		return gpx_fail(g, "</%.60s> closes nothing", name);
	if (strcmp(name, g->stack[g->depth - 1].name) != 0)
		return gpx_fail(g, "</%.60s> where </%.60s> was expected", name,
				g->stack[g->depth - 1].name);
	return element_end(g);
}

/* comment - after "<!-": skips to "-->". */
static enum cmn_rc comment(struct gpx *g)
{
	enum cmn_rc rc = expect(g, '-', "<!-- to open a comment");
	int c, dashes = 0;

	while (rc == CMN_OK && (rc = get(g, &c)) == CMN_OK) {
		if (c == XR_EOF)
			return gpx_fail(g, "the file ends inside a comment");
		if (c == '>' && dashes >= 2)
			return CMN_OK;
		dashes = c == '-' ? dashes + 1 : 0;
	}
	return rc;
}

/* cdata - after "<![": the text of a CDATA section, up to "]]>". */
static enum cmn_rc cdata(struct gpx *g)
{
	static const char open[] = "CDATA[";
	size_t brackets = 0;
	enum cmn_rc rc = CMN_OK;
	int c;

	for (size_t i = 0; open[i] && rc == CMN_OK; i++)
		rc = expect(g, open[i], "<![CDATA[");
	if (rc == CMN_OK && g->depth == 0)
		return gpx_fail(g, "a CDATA section outside the root element");
	while (rc == CMN_OK && (rc = get(g, &c)) == CMN_OK) {
		if (c == XR_EOF)
			return gpx_fail(g, "the file ends inside a CDATA section");
		if (c == ']') {
			brackets++;
			continue;
		}
		if (c == '>' && brackets >= 2) {
			for (; brackets > 2 && rc == CMN_OK; brackets--)
				rc = text_byte(g, ']');
			return rc;
		}
		for (; brackets && rc == CMN_OK; brackets--)
			rc = text_byte(g, ']');
		if (rc == CMN_OK)
			rc = text_byte(g, c);
	}
	return rc;
}

/* bang - after "<!": a comment or CDATA; a DTD or a declaration is refused
 * (entities declared there could expand without bound). */
static enum cmn_rc bang(struct gpx *g)
{
	char word[12];
	size_t n = 0;
	int c = xr_peek(&g->r);
	enum cmn_rc rc = c == XR_ERR ? CMN_ERR_INVALID : CMN_OK;

	if (rc == CMN_OK && (c == '-' || c == '['))
		rc = get(g, &c);
	if (rc != CMN_OK)
		return rc;
	if (c == '-')
		return comment(g);
	if (c == '[')
		return cdata(g);
	while (n + 1 < sizeof(word) && (c = xr_peek(&g->r)) >= 'A' && c <= 'Z' &&
	       get(g, &c) == CMN_OK)
		word[n++] = (char)c;
	word[n] = '\0';
	if (strcmp(word, "DOCTYPE") == 0)
		return gpx_fail(g, "a <!DOCTYPE> is not accepted: GPX needs no DTD, and the "
				   "entities it could declare may expand without bound");
	return gpx_fail(g, "<!%s is not accepted in a GPX file (no DTD nor entity declarations)",
			word);
}

/* xml_decl - the encoding of <?xml ... encoding="..."?>: UTF-8 (or ASCII),
 * or a Latin one (ISO-8859-1, -15, Windows-1252: read as Windows-1252 and
 * converted to UTF-8 from here on). */
static enum cmn_rc xml_decl(struct gpx *g, const char *decl)
{
	const char *p = strstr(decl, "encoding");
	char enc[40];
	size_t n = 0;
	char quote;

	if (!p)
		return CMN_OK;
	p += 8;
	while (is_ws((unsigned char)*p))
		p++;
	if (*p++ != '=')
		return gpx_fail(g, "expected encoding=\"...\" in the XML declaration");
	while (is_ws((unsigned char)*p))
		p++;
	quote = *p++;
	if (quote != '"' && quote != '\'')
		return gpx_fail(g, "expected encoding=\"...\" in the XML declaration");
	while (*p && *p != quote && n + 1 < sizeof(enc))
		enc[n++] = *p++;
	enc[n] = '\0';
	switch (xmlscan_charset_named(enc)) {
	case XMLSCAN_UTF8:
		return CMN_OK;
	case XMLSCAN_CP1252:
		g->r.cp1252 = true;
		return CMN_OK;
	default:
		return gpx_fail(g,
				"the file is encoded in %s: GPX files are read in UTF-8, "
				"ISO-8859-1 or Windows-1252 (convert it first)",
				enc);
	}
}

/* pi - after "<?": the XML declaration (checked) or another processing
 * instruction (skipped), up to "?>". */
static enum cmn_rc pi(struct gpx *g)
{
	char target[GPX_NAME_MAX + 1], decl[GPX_DECL_MAX + 1];
	enum cmn_rc rc = read_name(g, target, GPX_NAME_MAX);
	bool is_decl = rc == CMN_OK && strcmp(target, "xml") == 0, question = false;
	size_t n = 0;
	int c;

	while (rc == CMN_OK && (rc = get(g, &c)) == CMN_OK) {
		if (c == XR_EOF)
			return gpx_fail(g, "the file ends inside <?%.60s", target);
		if (c == '>' && question)
			break;
		question = c == '?';
		if (is_decl && n == GPX_DECL_MAX)
			return gpx_fail(g, "the XML declaration is longer than %d bytes",
					GPX_DECL_MAX);
		if (is_decl)
			decl[n++] = (char)c;
	}
	if (rc != CMN_OK || !is_decl)
		return rc;
	decl[n ? n - 1 : 0] = '\0'; /* without its '?' */
	return xml_decl(g, decl);
}

static enum cmn_rc markup(struct gpx *g)
{
	int c = xr_peek(&g->r);
	enum cmn_rc rc = c == XR_ERR ? CMN_ERR_INVALID : CMN_OK;

	g->tag_line = g->r.line;
	g->tag_col = g->r.col;
	if (rc == CMN_OK && (c == '/' || c == '!' || c == '?'))
		rc = get(g, &c);
	if (rc != CMN_OK)
		return rc;
	if (c == '/')
		return end_tag(g);
	if (c == '!')
		return bang(g);
	if (c == '?')
		return pi(g);
	return start_tag(g);
}

static enum cmn_rc scan(struct gpx *g)
{
	int c = xr_peek(&g->r);
	enum cmn_rc rc = c == XR_ERR ? CMN_ERR_INVALID : CMN_OK;

	if (c == 0xef) {
		/* a UTF-8 byte order mark (checked as UTF-8 on the way) */
		for (int i = 0; i < 3 && rc == CMN_OK; i++)
			rc = get(g, &c);
		if (rc == CMN_OK && c != 0xbf)
			return gpx_fail(g, "text outside the root element");
	}
	while (rc == CMN_OK) {
		if (g->depth) {
			/* the text between tags, in runs: only what an ele, time
			 * or type holds is kept (outside the root, each byte is
			 * checked by text_byte, to report the first that is not
			 * white space where it is) */
			size_t n;
			const unsigned char *p = xr_take(&g->r, cls_text, SIZE_MAX, &n);

			if (n && capturing(g))
				text_run(g, (const char *)p, n);
		}
		if ((rc = get(g, &c)) != CMN_OK || c == XR_EOF)
			break;
		if (c == '<')
			rc = markup(g);
		else if (c == '&')
			rc = reference(g, false);
		else
			rc = text_byte(g, c);
	}
	if (rc != CMN_OK)
		return rc;
	if (!g->root_seen)
		return gpx_fail(g, g->r.line == 1 && g->r.col == 0
				       ? "the file is empty"
				       : "no <gpx> element: not a GPX file");
	if (g->depth)
		return gpx_fail(g, "the file ends inside <%.60s>", g->stack[g->depth - 1].name);
	return CMN_OK;
}

static void warn_counts(struct gpx *g)
{
	uint64_t untimed = g->untimed[0] + g->untimed[1] + g->untimed[2];

	if (untimed)
		import_warn(g->j,
			    "%llu points without a time are not positions (%llu waypoints, "
			    "%llu route points, %llu track points)",
			    (unsigned long long)untimed, (unsigned long long)g->untimed[0],
			    (unsigned long long)g->untimed[1], (unsigned long long)g->untimed[2]);
	if (g->short_segments)
		import_warn(g->j, "%llu track segments have fewer than two timed points: no trip",
			    (unsigned long long)g->short_segments);
	if (g->long_trips)
		import_warn(g->j, "%llu trips are longer than %d km: their distance is left out",
			    (unsigned long long)g->long_trips, GPX_TRIP_MAX_M / 1000);
}

static enum cmn_rc run(struct import_job *j, struct import_input *in)
{
	struct gpx *g = calloc(1, sizeof(*g));
	enum cmn_rc rc;

	if (!g)
		return CMN_ERR_NOMEM;
	pthread_once(&classes, class_init);
	g->j = j;
	g->r.f = in->f;
	g->r.j = j;
	g->r.line = 1;
	g->mode = "other";
	rc = scan(g);
	if (rc == CMN_OK)
		warn_counts(g);
	free(g);
	return rc;
}

static int detect(const char *head, size_t n, const char *filename, char *why, size_t whylen)
{
	char buf[4097];
	size_t len = n < 4096 ? n : 4096;
	const char *dot = filename ? strrchr(filename, '.') : NULL;

	memcpy(buf, head, len);
	buf[len] = '\0';
	for (size_t i = 0; i < len; i++)
		if (!buf[i])
			buf[i] = ' ';
	if (strstr(buf, "<gpx") && strstr(buf, "topografix.com/GPX")) {
		snprintf(why, whylen, "a <gpx> element in the GPX namespace");
		return 95;
	}
	if (strstr(buf, "<gpx")) {
		snprintf(why, whylen, "a <gpx> element");
		return 80;
	}
	if (dot && strcasecmp(dot, ".gpx") == 0) {
		snprintf(why, whylen, "named .gpx but no <gpx> in the first 4 KB");
		return 40;
	}
	snprintf(why, whylen, "no <gpx> element");
	return 0;
}

const struct import_format import_gpx = {
    "gpx",
    "GPX 1.0/1.1 tracks, routes and waypoints (positions and trips)",
    detect,
    run,
};
