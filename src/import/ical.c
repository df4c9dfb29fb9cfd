/*
 * ical.c - iCalendar files (RFC 5545), as Google Calendar, Apple Calendar,
 * Thunderbird or Outlook export them, into calendar.event records:
 *
 *   BEGIN:VCALENDAR
 *   BEGIN:VEVENT
 *   UID:abc@example.org
 *   DTSTART;TZID=Europe/Paris:20240304T090000
 *   DURATION:PT1H
 *   RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=10
 *   SUMMARY:Conseil de quartier
 *   END:VEVENT
 *   END:VCALENDAR
 *
 * The file is read in two passes over memory: content lines are unfolded
 * and the VEVENTs collected (an override, RECURRENCE-ID, may come before
 * the event it overrides, and a VTIMEZONE after the events using it), then
 * each event is expanded into its occurrences (rrule.c), one record each,
 * deduplicated by UID and occurrence start. Times keep their wall clock:
 * an occurrence is the local day of the rule at DTSTART's local time of day
 * in DTSTART's zone. docs/import/ical.md.
 */
#include "import/import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "core/timeutil.h"
#include "core/tz.h"
#include "import/rrule.h"
#include "series/series.h"

#define DAY_MS               86400000LL
#define ICAL_MAX_DEPTH       8            /* nested BEGIN blocks */
#define ICAL_LOGICAL_MAX     (256 * 1024) /* bytes of an unfolded content line */
#define ICAL_MAX_EVENTS      100000       /* VEVENTs in one file */
#define ICAL_MAX_EXDATES     100000       /* EXDATE values in one file */
#define ICAL_MAX_OCCURRENCES 10000        /* records from one recurring event */
#define ICAL_MAX_ZONES       64           /* VTIMEZONE blocks */
#define ICAL_TZID_MAX        128
#define ICAL_UID_MAX         1000
#define ICAL_RRULE_MAX       500 /* the doctype's recurrence maxLength */
#define ICAL_TEXT_MAX        500 /* summary and location maxLength */
#define ICAL_CATEGORY_MAX    64
#define ICAL_WINDOW_YEARS    2 /* open rules end this long after the import */
#define ICAL_DEFAULT_ZONE    "Europe/Paris"

/* A DATE or DATE-TIME value as written: local day and time in its zone. */
struct ical_time {
	bool set;
	bool is_date;             /* VALUE=DATE: an all-day date */
	bool utc;                 /* ...Z */
	int64_t day;              /* days since 1970-01-01, local */
	int64_t ms;               /* milliseconds into that day */
	char tzid[ICAL_TZID_MAX]; /* "" when UTC, a date or floating */
	size_t line;
};

struct ical_event {
	size_t line; /* of BEGIN:VEVENT */
	char *uid, *summary, *location, *category, *rrule;
	size_t rrule_line;
	struct ical_time start, end, recurrence_id;
	bool has_duration;
	int64_t dur_days, dur_ms; /* DURATION: nominal days, then exact ms */
	struct ical_time *exdates;
	size_t nexdates;
};

struct ical_zone {
	char tzid[ICAL_TZID_MAX];
	int32_t std_offset; /* seconds: the STANDARD TZOFFSETTO */
	bool has_std;
};

/* A resolved zone: an IANA zone, or a fixed offset. */
struct zref {
	const struct tz *tz;
	int32_t fixed; /* seconds, when tz is NULL */
};

struct ical_parse {
	struct import_job *j;
	char *logical; /* the unfolded line being built */
	size_t len, cap, line;
	char stack[ICAL_MAX_DEPTH][24]; /* open components */
	size_t stack_line[ICAL_MAX_DEPTH];
	size_t depth;
	bool seen_calendar;
	struct ical_event *events;
	size_t nevents, capevents, nexdates;
	struct ical_event *cur; /* the VEVENT being read, or NULL */
	struct ical_zone zones[ICAL_MAX_ZONES];
	size_t nzones;
	struct ical_zone *zone; /* the VTIMEZONE being read, or NULL */
	bool warned_floating, warned_rdate, warned_truncated;
};

/* A content line split in place: NAME;PARAM=V:VALUE. */
struct prop {
	char *name;
	char *value;
	const char *tzid; /* the TZID parameter, or NULL */
	bool value_date;  /* VALUE=DATE */
	size_t value_col; /* 1-based column of the value */
};

static int detect(const char *head, size_t n, const char *filename, char *why, size_t whylen)
{
	char buf[4097];
	size_t m = n < 4096 ? n : 4096;

	(void)filename;
	memcpy(buf, head, m);
	buf[m] = '\0';
	for (size_t i = 0; i < m; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	if (strstr(buf, "BEGIN:VCALENDAR")) {
		snprintf(why, whylen, "BEGIN:VCALENDAR in the first 4 KiB");
		return 95;
	}
	snprintf(why, whylen, "no BEGIN:VCALENDAR");
	return 0;
}

/* ---- values --------------------------------------------------------------- */

/* truncate - cuts s to at most max bytes on a UTF-8 boundary. */
static bool truncate_utf8(char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return false;
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	s[max] = '\0';
	return true;
}

/* unescape - a TEXT value (\\ \; \, \n \N) up to its first unescaped comma
 * when first_only (CATEGORIES); a new string, or NULL. */
static char *unescape(const char *v, bool first_only)
{
	char *out = malloc(strlen(v) + 1), *o = out;

	if (!out)
		return NULL;
	for (; *v; v++) {
		if (*v == ',' && first_only)
			break;
		if (*v != '\\' || !v[1]) {
			*o++ = *v;
			continue;
		}
		v++;
		*o++ = *v == 'n' || *v == 'N' ? '\n' : *v;
	}
	*o = '\0';
	return out;
}

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static int num(const char *s, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* parse_time - YYYYMMDD, YYYYMMDDTHHMMSS or YYYYMMDDTHHMMSSZ. */
static bool parse_time(const char *v, size_t len, const char *tzid, bool value_date,
		       struct ical_time *t)
{
	int y, mo, d, h = 0, mi = 0, s = 0;
	int64_t check_y;
	int check_m, check_d;

	memset(t, 0, sizeof(*t));
	if ((len != 8 && len != 15 && len != 16) || !all_digits(v, 8) || (value_date && len != 8))
		return false;
	y = num(v, 4);
	mo = num(v + 4, 2);
	d = num(v + 6, 2);
	if (y < 1900 || mo < 1 || mo > 12 || d < 1 || d > 31)
		return false;
	t->day = time_days_from_civil(y, mo, d);
	time_civil_from_days(t->day, &check_y, &check_m, &check_d);
	if (check_m != mo || check_d != d)
		return false; /* 30 February */
	t->is_date = len == 8;
	if (len > 8) {
		if (v[8] != 'T' || !all_digits(v + 9, 6) || (len == 16 && v[15] != 'Z'))
			return false;
		h = num(v + 9, 2);
		mi = num(v + 11, 2);
		s = num(v + 13, 2);
		if (h > 23 || mi > 59 || s > 60)
			return false;
		t->utc = len == 16;
		if (s == 60)
			s = 59; /* a leap second */
	}
	t->ms = ((int64_t)h * 3600 + mi * 60 + s) * 1000;
	if (tzid && !t->is_date && !t->utc && str_copy(t->tzid, sizeof(t->tzid), tzid) != CMN_OK)
		return false;
	t->set = true;
	return true;
}

/* parse_duration - [+]P[nW] or P[nD][T[nH][nM][nS]]. */
static bool parse_duration(const char *v, int64_t *days, int64_t *ms)
{
	bool in_time = false, any = false;

	*days = 0;
	*ms = 0;
	if (*v == '+')
		v++;
	if (*v++ != 'P')
		return false;
	while (*v) {
		int64_t n = 0;
		int dig = 0;

		if (*v == 'T' && !in_time) {
			in_time = true;
			v++;
			continue;
		}
		for (; *v >= '0' && *v <= '9' && dig < 7; v++, dig++)
			n = n * 10 + (*v - '0');
		if (!dig)
			return false;
		if (!in_time && *v == 'W')
			*days += 7 * n;
		else if (!in_time && *v == 'D')
			*days += n;
		else if (in_time && *v == 'H')
			*ms += n * 3600000;
		else if (in_time && *v == 'M')
			*ms += n * 60000;
		else if (in_time && *v == 'S')
			*ms += n * 1000;
		else
			return false;
		v++;
		any = true;
	}
	return any;
}

/* ---- content lines -------------------------------------------------------- */

static void upper(char *s)
{
	for (; *s; s++)
		if (*s >= 'a' && *s <= 'z')
			*s = (char)(*s - 'a' + 'A');
}

static bool name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-';
}

/* param_value - a parameter value at *s (quoted or not): NUL-terminated in
 * place where it does not end at the next delimiter; NULL if unterminated. */
static char *param_value(char **s)
{
	char *v = *s;

	if (*v == '"') {
		char *q = strchr(v + 1, '"');

		if (!q)
			return NULL;
		*q = '\0';
		*s = q + 1;
		return v + 1;
	}
	while (**s && **s != ';' && **s != ':' && **s != ',')
		(*s)++;
	return v;
}

/* split_prop - splits a content line in place; false when malformed. */
static bool split_prop(char *s, struct prop *p)
{
	char *start = s, c;

	memset(p, 0, sizeof(*p));
	p->name = s;
	while (name_char(*s))
		s++;
	if (s == p->name)
		return false;
	c = *s;
	*s = '\0';
	while (c == ';') {
		char *pname = ++s, *pval;

		while (name_char(*s))
			s++;
		if (*s != '=' || s == pname)
			return false;
		*s++ = '\0';
		if (!(pval = param_value(&s)))
			return false;
		while (*s == ',') {
			*s++ = '\0'; /* further values of a list parameter: skipped */
			if (!param_value(&s))
				return false;
		}
		c = *s;
		if (c != ';' && c != ':')
			return false;
		*s = '\0';
		upper(pname);
		if (strcmp(pname, "TZID") == 0)
			p->tzid = pval;
		else if (strcmp(pname, "VALUE") == 0)
			p->value_date = strcmp(pval, "DATE") == 0 || strcmp(pval, "date") == 0;
	}
	if (c != ':')
		return false;
	upper(p->name);
	p->value = s + 1;
	p->value_col = (size_t)(s + 1 - start) + 1;
	return true;
}

/* ---- components ----------------------------------------------------------- */

static void event_release(struct ical_event *e)
{
	free(e->uid);
	free(e->summary);
	free(e->location);
	free(e->category);
	free(e->rrule);
	free(e->exdates);
}

static const char *top(const struct ical_parse *p)
{
	return p->depth ? p->stack[p->depth - 1] : "";
}

static const char *parent(const struct ical_parse *p)
{
	return p->depth > 1 ? p->stack[p->depth - 2] : "";
}

static enum cmn_rc begin(struct ical_parse *p, const char *name, size_t line)
{
	struct import_job *j = p->j;

	if (p->depth == ICAL_MAX_DEPTH)
		return import_fail(j, line, 1, "components are nested deeper than %d",
				   ICAL_MAX_DEPTH);
	if (!p->depth && strcmp(name, "VCALENDAR") != 0)
		return import_fail(j, line, 1, "expected BEGIN:VCALENDAR, not BEGIN:%.40s", name);
	if (str_copy(p->stack[p->depth], sizeof(p->stack[0]), name) != CMN_OK)
		return import_fail(j, line, 7, "a component name longer than %zu bytes",
				   sizeof(p->stack[0]) - 1);
	p->stack_line[p->depth++] = line;
	p->seen_calendar = true;
	if (strcmp(name, "VEVENT") == 0 && strcmp(parent(p), "VCALENDAR") == 0) {
		if (p->nevents == ICAL_MAX_EVENTS)
			return import_fail(j, line, 1, "more than %d events in one file",
					   ICAL_MAX_EVENTS);
		if (p->nevents == p->capevents) {
			size_t cap = p->capevents ? 2 * p->capevents : 16;
			struct ical_event *e = realloc(p->events, cap * sizeof(*e));

			if (!e)
				return CMN_ERR_NOMEM;
			p->events = e;
			p->capevents = cap;
		}
		p->cur = &p->events[p->nevents++];
		memset(p->cur, 0, sizeof(*p->cur));
		p->cur->line = line;
	} else if (strcmp(name, "VTIMEZONE") == 0 && strcmp(parent(p), "VCALENDAR") == 0 &&
		   p->nzones < ICAL_MAX_ZONES) {
		p->zone = &p->zones[p->nzones++];
		memset(p->zone, 0, sizeof(*p->zone));
	}
	return CMN_OK;
}

static enum cmn_rc end(struct ical_parse *p, const char *name, size_t line)
{
	if (!p->depth)
		return import_fail(p->j, line, 5, "END:%.40s without BEGIN", name);
	if (strcmp(top(p), name) != 0)
		return import_fail(p->j, line, 5, "expected END:%s", top(p));
	p->depth--;
	if (strcmp(name, "VEVENT") == 0 && p->cur && strcmp(top(p), "VCALENDAR") == 0) {
		if (!p->cur->start.set)
			return import_fail(p->j, p->cur->line, 1,
					   "the VEVENT that begins here has no "
					   "DTSTART");
		p->cur = NULL;
	} else if (strcmp(name, "VTIMEZONE") == 0 && strcmp(top(p), "VCALENDAR") == 0) {
		p->zone = NULL;
	}
	return CMN_OK;
}

/* set_text - a TEXT property kept once, unescaped and cut to max bytes. */
static enum cmn_rc set_text(struct ical_parse *p, char **field, const char *v, size_t max,
			    bool first_only)
{
	if (*field)
		return CMN_OK;
	if (!(*field = unescape(v, first_only)))
		return CMN_ERR_NOMEM;
	if (truncate_utf8(*field, max) && !p->warned_truncated) {
		p->warned_truncated = true;
		import_warn(p->j, "line %zu: a text longer than %zu bytes was cut", p->line, max);
	}
	return CMN_OK;
}

static enum cmn_rc add_exdates(struct ical_parse *p, const struct prop *pr)
{
	struct ical_event *e = p->cur;
	char *v = pr->value;

	while (*v) {
		size_t n = strcspn(v, ",");
		struct ical_time *x;

		if (p->nexdates == ICAL_MAX_EXDATES)
			return import_fail(p->j, p->line, 1,
					   "more than %d EXDATE values in one file",
					   ICAL_MAX_EXDATES);
		x = realloc(e->exdates, (e->nexdates + 1) * sizeof(*x));
		if (!x)
			return CMN_ERR_NOMEM;
		e->exdates = x;
		if (!parse_time(v, n, pr->tzid, pr->value_date, &x[e->nexdates]))
			return import_fail(p->j, p->line, pr->value_col + (size_t)(v - pr->value),
					   "expected a date (YYYYMMDD) or a date-time "
					   "(YYYYMMDDTHHMMSS[Z]) in EXDATE");
		x[e->nexdates++].line = p->line;
		p->nexdates++;
		v += n;
		if (*v == ',')
			v++;
	}
	return CMN_OK;
}

static enum cmn_rc event_time(struct ical_parse *p, const struct prop *pr, struct ical_time *t)
{
	if (t->set)
		return import_fail(p->j, p->line, 1, "%s appears twice in one VEVENT", pr->name);
	if (!parse_time(pr->value, strlen(pr->value), pr->tzid, pr->value_date, t))
		return import_fail(p->j, p->line, pr->value_col,
				   "expected a date (YYYYMMDD) or a "
				   "date-time (YYYYMMDDTHHMMSS[Z]) from 1900 in %s",
				   pr->name);
	t->line = p->line;
	return CMN_OK;
}

/* event_prop - one property of a VEVENT (its own, not of a VALARM in it). */
static enum cmn_rc event_prop(struct ical_parse *p, struct prop *pr)
{
	struct ical_event *e = p->cur;
	const char *n = pr->name;

	if (strcmp(n, "DTSTART") == 0)
		return event_time(p, pr, &e->start);
	if (strcmp(n, "DTEND") == 0)
		return event_time(p, pr, &e->end);
	if (strcmp(n, "RECURRENCE-ID") == 0)
		return event_time(p, pr, &e->recurrence_id);
	if (strcmp(n, "DURATION") == 0) {
		if (!parse_duration(pr->value, &e->dur_days, &e->dur_ms))
			return import_fail(p->j, p->line, pr->value_col,
					   "expected a positive "
					   "duration such as PT1H30M, P1D or P2W");
		e->has_duration = true;
		return CMN_OK;
	}
	if (strcmp(n, "SUMMARY") == 0)
		return set_text(p, &e->summary, pr->value, ICAL_TEXT_MAX, false);
	if (strcmp(n, "LOCATION") == 0)
		return set_text(p, &e->location, pr->value, ICAL_TEXT_MAX, false);
	if (strcmp(n, "CATEGORIES") == 0)
		return set_text(p, &e->category, pr->value, ICAL_CATEGORY_MAX, true);
	if (strcmp(n, "UID") == 0) {
		if (strlen(pr->value) > ICAL_UID_MAX)
			return import_fail(p->j, p->line, pr->value_col,
					   "a UID longer than %d bytes", ICAL_UID_MAX);
		return set_text(p, &e->uid, pr->value, ICAL_UID_MAX, false);
	}
	if (strcmp(n, "RRULE") == 0) {
		if (e->rrule) {
			import_warn(p->j, "line %zu: a second RRULE is ignored", p->line);
			return CMN_OK;
		}
		if (strlen(pr->value) > ICAL_RRULE_MAX)
			return import_fail(p->j, p->line, pr->value_col,
					   "an RRULE longer than %d "
					   "bytes",
					   ICAL_RRULE_MAX);
		if (!(e->rrule = strdup(pr->value)))
			return CMN_ERR_NOMEM;
		e->rrule_line = p->line;
		return CMN_OK;
	}
	if (strcmp(n, "EXDATE") == 0)
		return add_exdates(p, pr);
	if (strcmp(n, "RDATE") == 0 && !p->warned_rdate) {
		p->warned_rdate = true;
		import_warn(p->j, "line %zu: RDATE is not supported; its dates are left out",
			    p->line);
	}
	return CMN_OK;
}

static enum cmn_rc zone_prop(struct ical_parse *p, const struct prop *pr)
{
	int64_t hh, mm;
	const char *v = pr->value;
	int sign;

	if (strcmp(top(p), "VTIMEZONE") == 0 && strcmp(pr->name, "TZID") == 0) {
		str_copy(p->zone->tzid, sizeof(p->zone->tzid), v);
		return CMN_OK;
	}
	if (strcmp(top(p), "STANDARD") != 0 || strcmp(pr->name, "TZOFFSETTO") != 0 ||
	    p->zone->has_std)
		return CMN_OK;
	sign = v[0] == '-' ? -1 : 1;
	if ((v[0] != '+' && v[0] != '-') || (strlen(v) != 5 && strlen(v) != 7) ||
	    !all_digits(v + 1, strlen(v) - 1))
		return import_fail(p->j, p->line, pr->value_col,
				   "expected an offset such as +0100");
	hh = num(v + 1, 2);
	mm = num(v + 3, 2);
	if (hh > 23 || mm > 59)
		return import_fail(p->j, p->line, pr->value_col,
				   "expected an offset such as +0100");
	p->zone->std_offset = (int32_t)(sign * (hh * 3600 + mm * 60));
	p->zone->has_std = true;
	return CMN_OK;
}

/* content_line - one unfolded line, in the context of the open components. */
static enum cmn_rc content_line(struct ical_parse *p, char *s)
{
	struct prop pr;

	if (!split_prop(s, &pr))
		return import_fail(p->j, p->line, 1, "expected NAME[;PARAM=VALUE]:VALUE");
	if (strcmp(pr.name, "BEGIN") == 0 || strcmp(pr.name, "END") == 0) {
		upper(pr.value);
		if (!pr.value[0])
			return import_fail(p->j, p->line, pr.value_col,
					   "expected a component name");
		return pr.name[0] == 'B' ? begin(p, pr.value, p->line) : end(p, pr.value, p->line);
	}
	if (!p->depth)
		return import_fail(p->j, p->line, 1, "expected BEGIN:VCALENDAR");
	if (p->cur && strcmp(top(p), "VEVENT") == 0)
		return event_prop(p, &pr);
	if (p->zone && (strcmp(top(p), "VTIMEZONE") == 0 ||
			(strcmp(top(p), "STANDARD") == 0 && strcmp(parent(p), "VTIMEZONE") == 0)))
		return zone_prop(p, &pr);
	return CMN_OK;
}

/* flush - processes the line built so far, if any. */
static enum cmn_rc flush(struct ical_parse *p)
{
	enum cmn_rc rc = CMN_OK;

	if (p->len) {
		p->logical[p->len] = '\0';
		rc = content_line(p, p->logical);
		p->len = 0;
	}
	return rc;
}

static enum cmn_rc append(struct ical_parse *p, const char *s, size_t n)
{
	if (p->len + n + 1 > ICAL_LOGICAL_MAX)
		return import_fail(p->j, p->line, 1, "a content line unfolds to more than %d bytes",
				   ICAL_LOGICAL_MAX);
	if (p->len + n + 1 > p->cap) {
		size_t cap = p->len + n + 1 < 4096 ? 4096 : 2 * (p->len + n + 1);
		char *b = realloc(p->logical, cap < ICAL_LOGICAL_MAX ? cap : ICAL_LOGICAL_MAX);

		if (!b)
			return CMN_ERR_NOMEM;
		p->logical = b;
		p->cap = cap < ICAL_LOGICAL_MAX ? cap : ICAL_LOGICAL_MAX;
	}
	memcpy(p->logical + p->len, s, n);
	p->len += n;
	return CMN_OK;
}

/* read_events - first pass: unfolds the lines, checks the nesting and
 * collects events and time zones. */
static enum cmn_rc read_events(struct ical_parse *p, struct import_input *in)
{
	enum cmn_rc rc = CMN_OK;
	int r;

	while (rc == CMN_OK && (r = import_read_line(p->j, in)) == 1) {
		if (in->len && (in->buf[0] == ' ' || in->buf[0] == '\t')) {
			if (!p->len)
				return import_fail(p->j, in->line, 1,
						   "a folded line continues nothing");
			rc = append(p, in->buf + 1, in->len - 1);
			continue;
		}
		rc = flush(p);
		p->line = in->line;
		if (rc == CMN_OK && in->len)
			rc = append(p, in->buf, in->len);
	}
	if (rc != CMN_OK)
		return rc;
	if (r < 0)
		return CMN_ERR_INVALID;
	if ((rc = flush(p)) != CMN_OK)
		return rc;
	if (!p->seen_calendar)
		return import_fail(p->j, in->line ? in->line : 1, 1, "expected BEGIN:VCALENDAR");
	if (p->depth)
		return import_fail(p->j, in->line, 1, "BEGIN:%s at line %zu has no END:%s", top(p),
				   p->stack_line[p->depth - 1], top(p));
	return CMN_OK;
}

/* ---- occurrences ---------------------------------------------------------- */

/* resolve - the zone of a time: UTC for dates and ...Z, the IANA zone of
 * TZID, else the VTIMEZONE's standard offset; floating times are taken in
 * Europe/Paris. */
static enum cmn_rc resolve(struct ical_parse *p, const struct ical_time *t, struct zref *z)
{
	const char *slash;

	z->tz = NULL;
	z->fixed = 0;
	if (t->is_date || t->utc) {
		z->tz = tz_utc();
		return CMN_OK;
	}
	if (!t->tzid[0]) {
		if (!p->warned_floating) {
			p->warned_floating = true;
			import_warn(p->j, "line %zu: a time without a zone is taken in %s", t->line,
				    ICAL_DEFAULT_ZONE);
		}
		z->tz = series_zone(ICAL_DEFAULT_ZONE);
		return z->tz ? CMN_OK : CMN_ERR_NOT_FOUND;
	}
	if ((z->tz = series_zone(t->tzid)))
		return CMN_OK;
	/* "/mozilla.org/20050126_1/Europe/Paris": the last two parts */
	slash = strrchr(t->tzid, '/');
	while (slash && slash > t->tzid && slash[-1] != '/')
		slash--;
	if (t->tzid[0] == '/' && slash && slash > t->tzid && (z->tz = series_zone(slash)))
		return CMN_OK;
	for (size_t i = 0; i < p->nzones; i++)
		if (p->zones[i].has_std && strcmp(p->zones[i].tzid, t->tzid) == 0) {
			z->fixed = p->zones[i].std_offset;
			import_warn(p->j,
				    "line %zu: TZID \"%.60s\" is not a known zone; its standard "
				    "offset %+d min is used all year",
				    t->line, t->tzid, (int)(z->fixed / 60));
			return CMN_OK;
		}
	return import_fail(p->j, t->line, 1,
			   "TZID \"%.60s\" is neither a known zone nor "
			   "described by a VTIMEZONE with a STANDARD offset",
			   t->tzid);
}

static int64_t zone_instant(const struct zref *z, int64_t day, int64_t ms)
{
	if (z->tz)
		return tz_from_local(z->tz, day, ms);
	return day * DAY_MS + ms - (int64_t)z->fixed * 1000;
}

static int64_t zone_local_day(const struct zref *z, int64_t t, int64_t *ms)
{
	if (z->tz)
		return tz_local_day(z->tz, t, ms);
	t += (int64_t)z->fixed * 1000;
	*ms = t - time_floor_div(t, DAY_MS) * DAY_MS;
	return time_floor_div(t, DAY_MS);
}

static enum cmn_rc instant_of(struct ical_parse *p, const struct ical_time *t, int64_t *out)
{
	struct zref z;
	enum cmn_rc rc = resolve(p, t, &z);

	if (rc == CMN_OK)
		*out = zone_instant(&z, t->day, t->ms);
	return rc;
}

/* What one event's expansion needs. */
struct expansion {
	struct ical_parse *p;
	const struct ical_event *e;
	const char *recurrence; /* the RRULE text, or NULL */
	struct zref zone;
	int64_t *skip; /* instants left out: EXDATE, overridden */
	size_t nskip;
	int64_t exact_ms; /* end - start when DTEND was given, else -1 */
	size_t made;
	bool capped;
	enum cmn_rc rc;
};

/* record - one calendar.event at instant start; the dedupe key is the UID
 * and the occurrence's start (key_t, which for an override is the start it
 * replaces). */
static enum cmn_rc record(struct ical_parse *p, const struct ical_event *e, int64_t start,
			  int64_t end, const char *recurrence, int64_t key_t)
{
	char ts[TIME_RFC3339_LEN], te[TIME_RFC3339_LEN], key[ICAL_UID_MAX + TIME_RFC3339_LEN + 2];
	json_t *o = json_object();
	char uid[256];

	if (!o)
		return CMN_ERR_NOMEM;
	time_format(ts, start);
	json_object_set_new(o, "start", json_string(ts));
	json_object_set_new(o, "summary", json_string(e->summary ? e->summary : ""));
	json_object_set_new(o, "all_day", json_boolean(e->start.is_date));
	if (end != INT64_MIN) {
		time_format(te, end);
		json_object_set_new(o, "end", json_string(te));
	}
	if (e->uid) {
		str_copy(uid, sizeof(uid), e->uid);
		truncate_utf8(uid, 255);
		json_object_set_new(o, "uid", json_string(uid));
	}
	if (e->location)
		json_object_set_new(o, "location", json_string(e->location));
	if (e->category)
		json_object_set_new(o, "category", json_string(e->category));
	if (recurrence)
		json_object_set_new(o, "recurrence", json_string(recurrence));
	if (e->uid) {
		time_format(ts, key_t);
		snprintf(key, sizeof(key), "%s\n%s", e->uid, ts);
	}
	return import_record(p->j, "calendar.event", o, e->uid ? key : NULL);
}

/* occurrence_end - the end of an occurrence starting at local (day, ms). */
static int64_t occurrence_end(const struct expansion *x, int64_t day, int64_t start)
{
	const struct ical_event *e = x->e;

	if (x->exact_ms >= 0)
		return start + x->exact_ms;
	if (e->has_duration)
		return zone_instant(&x->zone, day + e->dur_days, e->start.ms) + e->dur_ms;
	if (e->start.is_date)
		return zone_instant(&x->zone, day + 1, 0);
	return INT64_MIN;
}

static int on_day(int64_t day, void *arg)
{
	struct expansion *x = arg;
	int64_t start = zone_instant(&x->zone, day, x->e->start.ms);

	for (size_t i = 0; i < x->nskip; i++)
		if (x->skip[i] == start)
			return 0;
	if (x->made == ICAL_MAX_OCCURRENCES) {
		x->capped = true;
		return 1;
	}
	x->made++;
	x->rc = record(x->p, x->e, start, occurrence_end(x, day, start), x->recurrence, start);
	return x->rc != CMN_OK;
}

/* last_day - the last local day of the expansion: UNTIL (converted into
 * the event's zone), none with COUNT (which ends it), else
 * ICAL_WINDOW_YEARS after today. */
static int64_t last_day(const struct expansion *x, const struct rrule *r)
{
	int64_t y, day, ms;
	int m, d;

	if (r->until.set) {
		day = r->until.day;
		ms = r->until.ms;
		if (r->until.utc)
			day = zone_local_day(&x->zone, day * DAY_MS + ms, &ms);
		return x->e->start.ms <= ms ? day : day - 1;
	}
	if (r->count)
		return time_days_from_civil(9999, 12, 31); /* COUNT ends it (and the cap) */
	time_civil_from_days(time_floor_div(time_now_ms(), DAY_MS), &y, &m, &d);
	return time_days_from_civil(y + ICAL_WINDOW_YEARS, m, d);
}

/* expand - every occurrence of a master event, less its EXDATEs and the
 * starts its overrides (ovr, novr) replace. */
static enum cmn_rc expand(struct ical_parse *p, const struct ical_event *e,
			  const struct ical_event *ovr, size_t novr)
{
	struct expansion x = {.p = p, .e = e, .exact_ms = -1, .rc = CMN_OK};
	struct rrule r;
	char why[120];
	int64_t start, end;
	enum cmn_rc rc = resolve(p, &e->start, &x.zone);

	if (rc != CMN_OK)
		return rc;
	start = zone_instant(&x.zone, e->start.day, e->start.ms);
	if (e->end.set) {
		if ((rc = instant_of(p, &e->end, &end)) != CMN_OK)
			return rc;
		if (end < start)
			return import_fail(p->j, e->end.line, 1, "DTEND is before DTSTART");
		x.exact_ms = end - start;
	}
	x.skip = calloc(e->nexdates + novr + 1, sizeof(*x.skip));
	if (!x.skip)
		return CMN_ERR_NOMEM;
	for (size_t i = 0; i < e->nexdates && rc == CMN_OK; i++)
		rc = instant_of(p, &e->exdates[i], &x.skip[x.nskip++]);
	for (size_t i = 0; i < novr && rc == CMN_OK; i++)
		rc = instant_of(p, &ovr[i].recurrence_id, &x.skip[x.nskip++]);
	if (rc == CMN_OK && e->rrule) {
		if (rrule_parse(e->rrule, &r, why, sizeof(why)) != CMN_OK)
			rc = import_fail(p->j, e->rrule_line, 7, "RRULE: %s", why);
		else if (r.unsupported[0])
			import_warn(p->j,
				    "line %zu: RRULE %s is not supported; only the first "
				    "occurrence is imported",
				    e->rrule_line, r.unsupported);
		x.recurrence = e->rrule;
	}
	if (rc == CMN_OK && e->rrule) {
		rrule_expand(&r, e->start.day, last_day(&x, &r), on_day, &x);
		rc = x.rc;
		if (rc == CMN_OK && x.capped)
			import_warn(p->j, "line %zu: the rule stops after %d occurrences",
				    e->rrule_line, ICAL_MAX_OCCURRENCES);
	} else if (rc == CMN_OK) {
		on_day(e->start.day, &x);
		rc = x.rc;
	}
	free(x.skip);
	return rc;
}

/* override - an event with RECURRENCE-ID: its own times, the series' rule
 * text, and the dedupe key of the occurrence it replaces. */
static enum cmn_rc override(struct ical_parse *p, const struct ical_event *o,
			    const struct ical_event *master)
{
	struct expansion x = {.p = p, .e = o, .exact_ms = -1};
	int64_t start, end, replaced;
	enum cmn_rc rc = resolve(p, &o->start, &x.zone);

	if (rc == CMN_OK)
		rc = instant_of(p, &o->recurrence_id, &replaced);
	if (rc != CMN_OK)
		return rc;
	start = zone_instant(&x.zone, o->start.day, o->start.ms);
	if (o->end.set) {
		if ((rc = instant_of(p, &o->end, &end)) != CMN_OK)
			return rc;
		if (end < start)
			return import_fail(p->j, o->end.line, 1, "DTEND is before DTSTART");
		x.exact_ms = end - start;
	}
	return record(p, o, start, occurrence_end(&x, o->start.day, start),
		      master ? master->rrule : NULL, replaced);
}

static int by_uid(const void *a, const void *b)
{
	const struct ical_event *x = a, *y = b;
	int c;

	if (!x->uid || !y->uid)
		return !x->uid - !y->uid;
	if ((c = strcmp(x->uid, y->uid)) != 0)
		return c;
	if (x->recurrence_id.set != y->recurrence_id.set)
		return x->recurrence_id.set ? 1 : -1;
	return x->line < y->line ? -1 : x->line > y->line;
}

static bool same_uid(const struct ical_event *a, const struct ical_event *b)
{
	return a->uid && b->uid && strcmp(a->uid, b->uid) == 0;
}

/* emit_all - second pass: events sorted by UID, each master first with
 * its overrides after it. */
static enum cmn_rc emit_all(struct ical_parse *p)
{
	struct ical_event *ev = p->events;
	enum cmn_rc rc = CMN_OK;
	size_t i = 0;

	if (p->nevents)
		qsort(ev, p->nevents, sizeof(*ev), by_uid);
	while (i < p->nevents && rc == CMN_OK) {
		size_t k = i + 1, m = i;

		while (k < p->nevents && same_uid(&ev[i], &ev[k]))
			k++;
		while (m < k && !ev[m].recurrence_id.set)
			m++;
		/* masters in [i, m), their overrides in [m, k) */
		for (size_t e = i; e < m && rc == CMN_OK; e++)
			rc = expand(p, &ev[e], &ev[m], k - m);
		for (size_t o = m; o < k && rc == CMN_OK; o++)
			rc = override(p, &ev[o], m > i ? &ev[i] : NULL);
		i = k;
	}
	return rc;
}

static enum cmn_rc run(struct import_job *j, struct import_input *in)
{
	struct ical_parse *p = calloc(1, sizeof(*p));
	enum cmn_rc rc;

	if (!p)
		return CMN_ERR_NOMEM;
	p->j = j;
	p->cap = 4096;
	if (!(p->logical = malloc(p->cap))) {
		free(p);
		return CMN_ERR_NOMEM;
	}
	rc = read_events(p, in);
	if (rc == CMN_OK)
		rc = emit_all(p);
	for (size_t i = 0; i < p->nevents; i++)
		event_release(&p->events[i]);
	free(p->events);
	free(p->logical);
	free(p);
	return rc;
}

const struct import_format import_ical = {
    "ical",
    "iCalendar (RFC 5545): events and their recurrences (calendar.event)",
    detect,
    run,
};
