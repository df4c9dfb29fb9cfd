/*
 * tz.c - time zones of tz.h: TZif files (RFC 8536, versions 1 to 4) read
 * from the system's tz database, and the POSIX TZ rule of their footer.
 *
 * A loaded zone keeps only what calendar arithmetic needs: the UTC offset
 * before the first transition (time type 0), a table of transitions (UTC
 * instant, offset in effect from then on) and, for instants at or after the
 * last transition, the footer's rule. Abbreviations, isdst and the
 * standard/UT indicators are checked but not kept. Files with leap seconds
 * (the "right/" zones) are refused: their timestamps are not POSIX time.
 *
 * A zone is immutable once built; nothing here has global mutable state or
 * looks at TZ, localtime_r or the C library's idea of the local zone.
 *
 * Instants are int64 ms since the epoch. Internally they are clamped to
 * +-2^61 ms (73 million years) so that no sum below can overflow.
 */
#include "core/tz.h"
#include "core/timeutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/str.h"
#include "core/tz_int.h"

#define MS_PER_S INT64_C(1000)
#define MS_PER_DAY INT64_C(86400000)
#define S_PER_DAY 86400
#define TZ_MS_LIMIT (INT64_C(1) << 61)
/* Wall times given to tz_from_local are kept this far inside the limit so
 * that its search window (+-TZ_OFF_MAX around them) stays inside too. */
#define TZ_LOCAL_LIMIT (TZ_MS_LIMIT - 4 * MS_PER_DAY)
#define TZIF_HEADER_BYTES 44

enum tz_date_kind {
	TZ_DATE_JULIAN1, /* Jn: day 1..365 of the year, February 29 never counted */
	TZ_DATE_JULIAN0, /* n: day 0..365 of the year, February 29 counted */
	TZ_DATE_MWD,     /* Mm.w.d: day d of week w of month m */
};

struct tz_date {
	enum tz_date_kind kind;
	int day;      /* Jn and n: the day number */
	int month;    /* Mm.w.d: 1..12 */
	int week;     /* Mm.w.d: 1..5, 5 being the last */
	int wday;     /* Mm.w.d: 0 (Sunday)..6 */
	int32_t secs; /* local time of day of the change, -167 h..167 h */
};

struct tz_rule {
	int32_t std_off;      /* seconds east of UTC in standard time */
	int32_t dst_off;      /* seconds east of UTC in daylight time */
	bool has_dst;         /* false: std_off at every instant */
	bool any_changes;     /* some year has changes (else dst_off always) */
	struct tz_date start; /* daylight time begins (given in standard time) */
	struct tz_date end;   /* daylight time ends (given in daylight time) */
};

struct tz_trans {
	int64_t at;  /* UTC instant, ms, clamped to +-TZ_MS_LIMIT */
	int32_t off; /* offset in effect from then on, seconds east of UTC */
};

struct tz {
	char name[TZ_NAME_MAX + 1]; /* as given to tz_load */
	int32_t first_off;          /* before the first transition (time type 0) */
	bool has_rule;              /* rule applies from the last transition on */
	struct tz_rule rule;        /* the footer's POSIX TZ rule */
	size_t count;               /* transitions in trans */
	struct tz_trans trans[];    /* non-decreasing at */
};

static const struct tz utc_zone = {
	.name = "UTC",
	.first_off = 0,
	.has_rule = false,
	.count = 0,
};

/*
 * Calendar arithmetic (proleptic Gregorian, days since 1970-01-01).
 */

static int64_t floor_mod(int64_t a, int64_t b)
{
	return a - time_floor_div(a, b) * b;
}

static int64_t clamp_ms(int64_t t)
{
	if (t < -TZ_MS_LIMIT)
		return -TZ_MS_LIMIT;
	if (t > TZ_MS_LIMIT)
		return TZ_MS_LIMIT;
	return t;
}

static bool is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int64_t y, int m)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return mdays[m - 1] + (m == 2 && is_leap(y));
}

/* year_from_days - the year of day number days. */
static int64_t year_from_days(int64_t days)
{
	int64_t y;
	int m, d;

	time_civil_from_days(days, &y, &m, &d);
	return y;
}

/*
 * The POSIX TZ rule.
 */

/* rule_day - the day number on which date d falls in year y. */
static int64_t rule_day(const struct tz_date *d, int64_t y)
{
	int64_t first;

	switch (d->kind) {
	case TZ_DATE_JULIAN1:
		return time_days_from_civil(y, 1, 1) + d->day - 1 + (is_leap(y) && d->day >= 60);
	case TZ_DATE_JULIAN0:
		return time_days_from_civil(y, 1, 1) + d->day;
	case TZ_DATE_MWD:
	default:
		first = time_days_from_civil(y, d->month, 1);
		/* 1970-01-01 was a Thursday (4) */
		first += floor_mod(d->wday - (first + 4), 7) + 7 * (d->week - 1);
		if (d->week == 5 && first >= time_days_from_civil(y, d->month, 1) +
					       month_days(y, d->month))
			first -= 7;
		return first;
	}
}

/* rule_change - the UTC instant (ms) at which daylight time starts (start)
 * or ends (!start) in year y. The time of day of the start is standard
 * time, the one of the end daylight time. */
static int64_t rule_change(const struct tz_rule *r, int64_t y, bool start)
{
	const struct tz_date *d = start ? &r->start : &r->end;
	int32_t off = start ? r->std_off : r->dst_off;

	return (rule_day(d, y) * S_PER_DAY + d->secs - off) * MS_PER_S;
}

/* rule_year - the year, in local standard time, of instant t. */
static int64_t rule_year(const struct tz_rule *r, int64_t t)
{
	return year_from_days(time_floor_div(t + (int64_t)r->std_off * MS_PER_S, MS_PER_DAY));
}

/*
 * Which changes a rule makes follows tzcode, the reference implementation
 * (localtime.c, tzparse): each year y has a start and an end; if daylight
 * time would last a whole year or more, from start(y) to end(y), the year
 * has no change at all, and if no year has any, daylight time is in effect
 * all the time. That is how RFC 8536 section 3.3.1 says "daylight time all
 * year" ("EST5EDT,0/0,J365/25"). At any instant, the state is the one set
 * by the latest change at or before it, whichever year that change is of
 * (at the same instant, the change of the later year wins).
 *
 * The changes of year y fall within about ten days of that year (167 h of
 * rule time, 26 h of offset, day 365 of a common year): those of y and y-1
 * may interleave, those of y-2 are all before those of y. The pattern of
 * years with changes repeats every 400 years.
 */

/* rule_changes - the start and end of daylight time in year y as UTC
 * instants; false when the year has no changes. */
static bool rule_changes(const struct tz_rule *r, int64_t y, int64_t *start, int64_t *end)
{
	int64_t len = (365 + is_leap(y)) * MS_PER_DAY;

	*start = rule_change(r, y, true);
	*end = rule_change(r, y, false);
	return *end < *start || (*start < *end && *end - *start < len);
}

/* rule_any_changes - whether some year of the rule has changes. */
static bool rule_any_changes(const struct tz_rule *r)
{
	int64_t start, end;

	for (int64_t y = 2000; y < 2400; y++)
		if (rule_changes(r, y, &start, &end))
			return true;
	return false;
}

static int32_t rule_offset(const struct tz_rule *r, int64_t t)
{
	int64_t y, found = 0, best = 0, start, end;
	bool dst = false, have = false;

	if (!r->has_dst)
		return r->std_off;
	if (!r->any_changes)
		return r->dst_off;
	/* t is in standard-time year y: no change of y+2 or later is <= t */
	y = rule_year(r, t);
	for (int64_t year = y + 1; year >= y - 402; year--) {
		if (have && year < found - 1)
			break;
		if (!rule_changes(r, year, &start, &end))
			continue;
		/* going down the years: on a tie the later year, seen first, stays */
		if (start <= t && (!have || start > best)) {
			best = start;
			dst = true;
			found = have ? found : year;
			have = true;
		}
		if (end <= t && (!have || end > best)) {
			best = end;
			dst = false;
			found = have ? found : year;
			have = true;
		}
	}
	return dst ? r->dst_off : r->std_off;
}

/* rule_next - the first change of the rule after t, INT64_MAX if none. */
static int64_t rule_next(const struct tz_rule *r, int64_t t)
{
	int64_t y, found = 0, best = INT64_MAX, start, end;

	if (!r->has_dst || !r->any_changes)
		return INT64_MAX;
	/* every change of y-2 or before is before t */
	y = rule_year(r, t);
	for (int64_t year = y - 1; year <= y + 402; year++) {
		if (best != INT64_MAX && year > found + 1)
			break;
		if (!rule_changes(r, year, &start, &end))
			continue;
		if (best == INT64_MAX && (start > t || end > t))
			found = year;
		if (start > t && start < best)
			best = start;
		if (end > t && end < best)
			best = end;
	}
	return best;
}

/*
 * Parsing a POSIX TZ string: std offset [dst [offset] [,start[/time],end[/time]]].
 */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* parse_num - 1 to max_digits decimal digits, a value in [min, max]. */
static bool parse_num(const char **s, int max_digits, int min, int max, int *out)
{
	const char *p = *s;
	int v = 0, n = 0;

	while (is_digit(*p) && n < max_digits) {
		v = v * 10 + (*p - '0');
		p++;
		n++;
	}
	if (n == 0 || is_digit(*p) || v < min || v > max)
		return false;
	*s = p;
	*out = v;
	return true;
}

/* parse_abbr - a zone abbreviation: 3 or more letters, or "<...>" around 3
 * or more of [A-Za-z0-9+-]. */
static bool parse_abbr(const char **s)
{
	const char *p = *s;
	size_t n = 0;

	if (*p == '<') {
		for (p++; is_alpha(*p) || is_digit(*p) || *p == '+' || *p == '-'; p++)
			n++;
		if (*p != '>' || n < 3)
			return false;
		p++;
	} else {
		for (; is_alpha(*p); p++)
			n++;
		if (n < 3)
			return false;
	}
	*s = p;
	return true;
}

/* parse_hms - [+-]hh[:mm[:ss]] with hh at most max_h, in seconds. */
static bool parse_hms(const char **s, int max_h, int32_t *out)
{
	const char *p = *s;
	int sign = 1, h, m = 0, sec = 0;

	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	if (!parse_num(&p, max_h > 99 ? 3 : 2, 0, max_h, &h))
		return false;
	if (*p == ':') {
		p++;
		if (!parse_num(&p, 2, 0, 59, &m))
			return false;
		if (*p == ':') {
			p++;
			if (!parse_num(&p, 2, 0, 59, &sec))
				return false;
		}
	}
	*s = p;
	*out = sign * (h * 3600 + m * 60 + sec);
	return true;
}

/* parse_date - Jn, n or Mm.w.d, then an optional /time (default 02:00). */
static bool parse_date(const char **s, struct tz_date *d)
{
	const char *p = *s;

	memset(d, 0, sizeof(*d));
	if (*p == 'J') {
		p++;
		d->kind = TZ_DATE_JULIAN1;
		if (!parse_num(&p, 3, 1, 365, &d->day))
			return false;
	} else if (*p == 'M') {
		p++;
		d->kind = TZ_DATE_MWD;
		if (!parse_num(&p, 2, 1, 12, &d->month) || *p++ != '.' ||
		    !parse_num(&p, 1, 1, 5, &d->week) || *p++ != '.' ||
		    !parse_num(&p, 1, 0, 6, &d->wday))
			return false;
	} else {
		d->kind = TZ_DATE_JULIAN0;
		if (!parse_num(&p, 3, 0, 365, &d->day))
			return false;
	}
	d->secs = 2 * 3600;
	if (*p == '/') {
		p++;
		if (!parse_hms(&p, 167, &d->secs))
			return false;
	}
	*s = p;
	return true;
}

/* parse_rules - ",start,end" up to the end of the string. */
static bool parse_rules(const char *p, struct tz_rule *r)
{
	if (*p++ != ',' || !parse_date(&p, &r->start) || *p++ != ',' ||
	    !parse_date(&p, &r->end))
		return false;
	return *p == '\0';
}

/* parse_posix - a whole POSIX TZ string into r. Offsets are west of UTC in
 * the string and east in r. Daylight time without rules follows the US
 * rules, as in tzcode and glibc. */
static bool parse_posix(const char *p, struct tz_rule *r)
{
	int32_t off;

	memset(r, 0, sizeof(*r));
	if (!parse_abbr(&p) || !parse_hms(&p, 24, &off))
		return false;
	r->std_off = -off;
	if (*p == '\0')
		return true;
	if (!parse_abbr(&p))
		return false;
	r->dst_off = r->std_off + 3600;
	if (*p != ',' && *p != '\0') {
		if (!parse_hms(&p, 24, &off))
			return false;
		r->dst_off = -off;
	}
	r->has_dst = true;
	if (!parse_rules(*p == '\0' ? ",M3.2.0,M11.1.0" : p, r))
		return false;
	r->any_changes = rule_any_changes(r);
	return true;
}

/*
 * Names and zones.
 */

static bool name_char(char c)
{
	return is_alpha(c) || is_digit(c) || c == '_' || c == '+' || c == '-';
}

bool tz_name_valid(const char *name)
{
	size_t n = 0;
	bool part_start = true;

	if (!name)
		return false;
	for (const char *p = name; *p; p++, n++) {
		if (n >= TZ_NAME_MAX)
			return false;
		if (*p == '/') {
			if (part_start)
				return false;
			part_start = true;
		} else if (name_char(*p)) {
			part_start = false;
		} else {
			return false;
		}
	}
	return n > 0 && !part_start;
}

/* zone_new - a zone with room for count transitions, name copied. */
static enum cmn_rc zone_new(const char *name, size_t count, struct tz **out)
{
	struct tz *z;

	*out = NULL;
	if (!tz_name_valid(name) || count > TZ_MAX_TIMES)
		return CMN_ERR_INVALID;
	z = calloc(1, sizeof(*z) + count * sizeof(z->trans[0]));
	if (!z)
		return CMN_ERR_NOMEM;
	if (str_copy(z->name, sizeof(z->name), name) != CMN_OK) {
		free(z);
		return CMN_ERR_INVALID;
	}
	z->count = count;
	*out = z;
	return CMN_OK;
}

enum cmn_rc tz_from_posix(const char *name, const char *posix, struct tz **out)
{
	struct tz_rule rule;
	enum cmn_rc rc;

	*out = NULL;
	if (!posix || !parse_posix(posix, &rule))
		return CMN_ERR_INVALID;
	rc = zone_new(name, 0, out);
	if (rc != CMN_OK)
		return rc;
	(*out)->first_off = rule.std_off;
	(*out)->has_rule = true;
	(*out)->rule = rule;
	return CMN_OK;
}

/*
 * TZif files. Every read goes through take(), which refuses to go past the
 * end of the data.
 */

struct reader {
	const unsigned char *p; /* next byte */
	size_t left;            /* bytes from p to the end */
};

struct tzif_header {
	unsigned char version; /* 0 for version 1, else '2', '3', '4'... */
	uint32_t isutcnt;      /* UT/local indicators */
	uint32_t isstdcnt;     /* standard/wall indicators */
	uint32_t leapcnt;      /* leap-second records */
	uint32_t timecnt;      /* transitions */
	uint32_t typecnt;      /* local time types */
	uint32_t charcnt;      /* bytes of designations */
};

static const unsigned char *take(struct reader *r, uint64_t n)
{
	const unsigned char *p = r->p;

	if (n > r->left)
		return NULL;
	r->p += n;
	r->left -= n;
	return p;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

static bool read_header(struct reader *r, struct tzif_header *h)
{
	const unsigned char *p = take(r, TZIF_HEADER_BYTES);

	if (!p || memcmp(p, "TZif", 4) != 0)
		return false;
	h->version = p[4];
	if (h->version != 0 && h->version < '2')
		return false;
	h->isutcnt = be32(p + 20);
	h->isstdcnt = be32(p + 24);
	h->leapcnt = be32(p + 28);
	h->timecnt = be32(p + 32);
	h->typecnt = be32(p + 36);
	h->charcnt = be32(p + 40);
	return true;
}

/* block_bytes - the size of the data block that h describes, with times
 * of tsize bytes (4 in version 1, 8 after). At most about 2^37. */
static uint64_t block_bytes(const struct tzif_header *h, unsigned tsize)
{
	return (uint64_t)h->timecnt * (tsize + 1) + (uint64_t)h->typecnt * 6 + h->charcnt +
	       (uint64_t)h->leapcnt * (tsize + 4) + h->isstdcnt + h->isutcnt;
}

static enum cmn_rc check_counts(const struct tzif_header *h)
{
	if (h->timecnt > TZ_MAX_TIMES || h->typecnt == 0 || h->typecnt > TZ_MAX_TYPES ||
	    h->charcnt == 0 || h->charcnt > TZ_MAX_CHARS ||
	    (h->isstdcnt != 0 && h->isstdcnt != h->typecnt) ||
	    (h->isutcnt != 0 && h->isutcnt != h->typecnt))
		return CMN_ERR_INVALID;
	if (h->leapcnt != 0)
		return CMN_ERR_UNSUPPORTED;
	return CMN_OK;
}

/* check_types - every local time type record (utoff, isdst, desigidx) is
 * sound; offsets go to offs. */
static bool check_types(const unsigned char *p, const struct tzif_header *h, int32_t *offs)
{
	for (uint32_t i = 0; i < h->typecnt; i++, p += 6) {
		int32_t off = (int32_t)be32(p);

		if (off < -TZ_OFF_MAX || off > TZ_OFF_MAX || p[4] > 1 || p[5] >= h->charcnt)
			return false;
		offs[i] = off;
	}
	return true;
}

static bool check_flags(const unsigned char *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (p[i] > 1)
			return false;
	return true;
}

static int64_t secs_to_ms(int64_t s)
{
	if (s < -TZ_MS_LIMIT / MS_PER_S)
		return -TZ_MS_LIMIT;
	if (s > TZ_MS_LIMIT / MS_PER_S)
		return TZ_MS_LIMIT;
	return s * MS_PER_S;
}

/* read_block - the data block that h describes into a new zone. */
static enum cmn_rc read_block(struct reader *r, const struct tzif_header *h, unsigned tsize,
			      const char *name, struct tz **out)
{
	const unsigned char *times, *idx, *types, *isstd, *isut;
	int32_t offs[TZ_MAX_TYPES];
	enum cmn_rc rc;
	struct tz *z;

	*out = NULL;
	if (block_bytes(h, tsize) > r->left)
		return CMN_ERR_INVALID;
	rc = check_counts(h);
	if (rc != CMN_OK)
		return rc;
	times = take(r, (uint64_t)h->timecnt * tsize);
	idx = take(r, h->timecnt);
	types = take(r, (uint64_t)h->typecnt * 6);
	if (!times || !idx || !types || !take(r, h->charcnt))
		return CMN_ERR_INVALID;
	isstd = take(r, h->isstdcnt);
	isut = take(r, h->isutcnt);
	if (!isstd || !isut || !check_types(types, h, offs) || !check_flags(isstd, h->isstdcnt) ||
	    !check_flags(isut, h->isutcnt))
		return CMN_ERR_INVALID;
	rc = zone_new(name, h->timecnt, &z);
	if (rc != CMN_OK)
		return rc;
	z->first_off = offs[0];
	for (uint32_t i = 0; i < h->timecnt; i++) {
		const unsigned char *tp = times + (size_t)i * tsize;
		int64_t s = tsize == 4 ? (int64_t)(int32_t)be32(tp) : be64(tp);
		int64_t prev = i > 0 ? (tsize == 4 ? (int64_t)(int32_t)be32(tp - 4) : be64(tp - 8))
				     : 0;

		if ((i > 0 && s <= prev) || idx[i] >= h->typecnt) {
			free(z);
			return CMN_ERR_INVALID;
		}
		z->trans[i].at = secs_to_ms(s);
		z->trans[i].off = offs[idx[i]];
	}
	*out = z;
	return CMN_OK;
}

/* read_footer - "\n" POSIX-TZ "\n" and nothing after; an empty TZ string
 * means no rule. */
static enum cmn_rc read_footer(struct reader *r, struct tz *z)
{
	char tzstr[TZ_MAX_FOOTER + 1];
	const unsigned char *nl, *p = take(r, 1);
	size_t n;

	if (!p || *p != '\n')
		return CMN_ERR_INVALID;
	nl = memchr(r->p, '\n', r->left);
	if (!nl)
		return CMN_ERR_INVALID;
	n = (size_t)(nl - r->p);
	if (n > TZ_MAX_FOOTER || n + 1 != r->left || memchr(r->p, '\0', n))
		return CMN_ERR_INVALID;
	memcpy(tzstr, r->p, n);
	tzstr[n] = '\0';
	(void)take(r, n + 1);
	if (n == 0)
		return CMN_OK;
	if (!parse_posix(tzstr, &z->rule))
		return CMN_ERR_INVALID;
	z->has_rule = true;
	return CMN_OK;
}

/*
 * A TZif file: a version 1 header and block, then for version 2 and later
 * a second header, a block with 64-bit times, and the footer. A reader of
 * version 2+ files skips the first block, which may be empty or partial.
 */
enum cmn_rc tz_parse(const char *name, const unsigned char *data, size_t len, struct tz **out)
{
	struct reader r = {data, len};
	struct tzif_header h1, h2;
	enum cmn_rc rc;

	*out = NULL;
	if (!data || len > TZ_MAX_FILE_BYTES || !read_header(&r, &h1))
		return CMN_ERR_INVALID;
	if (h1.version == 0) {
		rc = read_block(&r, &h1, 4, name, out);
		if (rc == CMN_OK && r.left != 0) {
			tz_free(out);
			rc = CMN_ERR_INVALID;
		}
		return rc;
	}
	if (!take(&r, block_bytes(&h1, 4)) || !read_header(&r, &h2) || h2.version != h1.version)
		return CMN_ERR_INVALID;
	rc = read_block(&r, &h2, 8, name, out);
	if (rc == CMN_OK)
		rc = read_footer(&r, *out);
	if (rc != CMN_OK)
		tz_free(out);
	return rc;
}

/*
 * Files. The name is checked before anything is opened; the path is then
 * resolved (zoneinfo has symlinks, e.g. UTC -> Etc/UTC) and must stay under
 * the database directory (Debian's zoneinfo/localtime points to /etc).
 */

static enum cmn_rc errno_rc(int e)
{
	switch (e) {
	case ENOENT:
	case ENOTDIR:
	case ELOOP:
		return CMN_ERR_NOT_FOUND;
	case ENAMETOOLONG:
		return CMN_ERR_INVALID;
	case ENOMEM:
		return CMN_ERR_NOMEM;
	default:
		return CMN_ERR_IO;
	}
}

static bool path_under(const char *root, const char *path)
{
	size_t n = strlen(root);

	if (strncmp(path, root, n) != 0)
		return false;
	if (n > 0 && root[n - 1] == '/') /* root is "/" */
		return path[n] != '\0';
	return path[n] == '/' && path[n + 1] != '\0';
}

/* read_file - the whole regular file at path, at most TZ_MAX_FILE_BYTES,
 * into a new buffer *data (the caller frees it). */
static enum cmn_rc read_file(const char *path, unsigned char **data, size_t *len)
{
	enum cmn_rc rc = CMN_OK;
	unsigned char *buf = NULL;
	struct stat st;
	size_t cap, n = 0;
	int fd;

	*data = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return errno_rc(errno);
	if (fstat(fd, &st) != 0) {
		rc = errno_rc(errno);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = CMN_ERR_NOT_FOUND;
		goto out;
	}
	if (st.st_size < 0 || st.st_size > TZ_MAX_FILE_BYTES) {
		rc = CMN_ERR_INVALID;
		goto out;
	}
	cap = (size_t)st.st_size + 1; /* one more byte sees a file that grew */
	buf = malloc(cap);
	if (!buf) {
		rc = CMN_ERR_NOMEM;
		goto out;
	}
	while (n < cap) {
		ssize_t got = read(fd, buf + n, cap - n);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = CMN_ERR_IO;
			goto out;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	if (n == cap) {
		rc = CMN_ERR_INVALID;
		goto out;
	}
	*data = buf;
	*len = n;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return rc;
}

enum cmn_rc tz_load_from(const char *dir, const char *name, struct tz **out)
{
	char path[4096];
	char *root = NULL, *real = NULL;
	unsigned char *data = NULL;
	size_t len = 0;
	enum cmn_rc rc;
	int n;

	*out = NULL;
	if (!tz_name_valid(name))
		return CMN_ERR_INVALID;
	n = snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return CMN_ERR_INVALID;
	root = realpath(dir, NULL);
	if (!root)
		return errno_rc(errno);
	real = realpath(path, NULL);
	if (!real) {
		rc = errno_rc(errno);
		goto out;
	}
	if (!path_under(root, real)) {
		rc = CMN_ERR_NOT_FOUND;
		goto out;
	}
	rc = read_file(real, &data, &len);
	if (rc == CMN_OK)
		rc = tz_parse(name, data, len, out);
out:
	free(data);
	free(real);
	free(root);
	return rc;
}

enum cmn_rc tz_load(const char *name, struct tz **out)
{
	return tz_load_from(TZ_ZONEINFO_DIR, name, out);
}

const struct tz *tz_utc(void)
{
	return &utc_zone;
}

void tz_free(struct tz **z)
{
	if (!z || !*z)
		return;
	if (*z != &utc_zone)
		free(*z);
	*z = NULL;
}

const char *tz_name(const struct tz *z)
{
	return z->name;
}

/*
 * Offsets and local days.
 */

/* last_at_or_before - the index of the last transition at or before t;
 * the caller knows that trans[0].at <= t < trans[count - 1].at. */
static size_t last_at_or_before(const struct tz *z, int64_t t)
{
	size_t lo = 0, hi = z->count - 1;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (z->trans[mid].at <= t)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

int32_t tz_offset(const struct tz *z, int64_t t)
{
	t = clamp_ms(t);
	if (z->count == 0)
		return z->has_rule ? rule_offset(&z->rule, t) : z->first_off;
	if (t < z->trans[0].at)
		return z->first_off;
	if (t >= z->trans[z->count - 1].at)
		return z->has_rule ? rule_offset(&z->rule, t) : z->trans[z->count - 1].off;
	return z->trans[last_at_or_before(z, t)].off;
}

int64_t tz_next_change(const struct tz *z, int64_t t)
{
	t = clamp_ms(t);
	if (z->count > 0 && t < z->trans[z->count - 1].at) {
		if (t < z->trans[0].at)
			return z->trans[0].at;
		return z->trans[last_at_or_before(z, t) + 1].at;
	}
	return z->has_rule ? rule_next(&z->rule, t) : INT64_MAX;
}

int64_t tz_local_day(const struct tz *z, int64_t t, int64_t *ms_of_day)
{
	int64_t day = t / MS_PER_DAY, ms = t % MS_PER_DAY, carry;

	if (ms < 0) {
		ms += MS_PER_DAY;
		day--;
	}
	ms += (int64_t)tz_offset(z, t) * MS_PER_S;
	carry = time_floor_div(ms, MS_PER_DAY);
	day += carry;
	ms -= carry * MS_PER_DAY;
	if (ms_of_day)
		*ms_of_day = ms;
	return day;
}

/* local_ms - local_day * MS_PER_DAY + ms_of_day, kept within
 * +-TZ_LOCAL_LIMIT. */
static int64_t local_ms(int64_t local_day, int64_t ms_of_day)
{
	int64_t l;

	if (local_day > TZ_LOCAL_LIMIT / MS_PER_DAY)
		return TZ_LOCAL_LIMIT;
	if (local_day < -TZ_LOCAL_LIMIT / MS_PER_DAY)
		return -TZ_LOCAL_LIMIT;
	if (ms_of_day > TZ_LOCAL_LIMIT)
		ms_of_day = TZ_LOCAL_LIMIT;
	if (ms_of_day < -TZ_LOCAL_LIMIT)
		ms_of_day = -TZ_LOCAL_LIMIT;
	l = local_day * MS_PER_DAY + ms_of_day; /* both under 2^61: no overflow */
	if (l > TZ_LOCAL_LIMIT)
		return TZ_LOCAL_LIMIT;
	if (l < -TZ_LOCAL_LIMIT)
		return -TZ_LOCAL_LIMIT;
	return l;
}

/*
 * Only instants within TZ_OFF_MAX of the wall time l can show it. The walk
 * goes through the intervals of constant offset that cover that window, in
 * order: the first interval whose offset maps l into it holds the earliest
 * instant showing l. When none does, l falls in a gap, and the transition
 * that jumps over it is the first instant after the gap.
 */
int64_t tz_from_local(const struct tz *z, int64_t local_day, int64_t ms_of_day)
{
	int64_t l = local_ms(local_day, ms_of_day);
	int64_t a = l - (TZ_OFF_MAX + 1) * MS_PER_S, stop = l + (TZ_OFF_MAX + 1) * MS_PER_S;
	int64_t gap = 0;
	bool have_gap = false, first = true;
	int32_t prev = 0;

	while (a <= stop) {
		int32_t off = tz_offset(z, a);
		int64_t next = tz_next_change(z, a), t = l - (int64_t)off * MS_PER_S;

		if (t >= a && t < next)
			return t;
		if (!first && !have_gap && l >= a + (int64_t)prev * MS_PER_S &&
		    l < a + (int64_t)off * MS_PER_S) {
			gap = a;
			have_gap = true;
		}
		if (next == INT64_MAX)
			break;
		prev = off;
		first = false;
		a = next;
	}
	if (have_gap)
		return gap;
	return l - (int64_t)tz_offset(z, l) * MS_PER_S; /* only at the clamping limits */
}

int64_t tz_day_start(const struct tz *z, int64_t t)
{
	return tz_from_local(z, tz_local_day(z, t, NULL), 0);
}
