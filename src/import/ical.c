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
 * The file is streamed in two passes (run(), at the end): content lines
 * are unfolded as they are read, and each event is expanded into its
 * occurrences (rrule.c), one record each, deduplicated by UID and
 * occurrence start. Times keep their wall clock: an occurrence is the
 * local day of the rule at DTSTART's local time of day in DTSTART's zone.
 * docs/import/ical.md.
 */
#include "import/import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <sodium.h>

#include "core/jsonput.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "core/tz.h"
#include "import/rrule.h"
#include "series/series.h"

#define DAY_MS               86400000LL
#define ICAL_MAX_DEPTH       8            /* nested BEGIN blocks */
#define ICAL_LOGICAL_MAX     (256 * 1024) /* bytes of an unfolded content line */
#define ICAL_MAX_OVERRIDES   100000       /* events with a UID and a RECURRENCE-ID in one file */
#define ICAL_MAX_EXDATES     100000       /* EXDATE values in one event */
#define ICAL_MAX_OCCURRENCES 10000        /* records from one recurring event */
#define ICAL_MAX_ZONES       64           /* VTIMEZONE blocks */
#define ICAL_TZID_MAX        128
#define ICAL_NAMES_MAX       (16 << 20) /* bytes of TZIDs kept: the two caps above keep below */
#define ICAL_UID_MAX         1000
#define ICAL_RRULE_MAX       500 /* the doctype's recurrence maxLength */
#define ICAL_TEXT_MAX        500 /* summary and location maxLength */
#define ICAL_CATEGORY_MAX    64
#define ICAL_WINDOW_YEARS    2 /* open rules end this long after the import */
#define ICAL_DEFAULT_ZONE    "Europe/Paris"

/*
 * TZID texts, one after the other, each NUL-terminated: a time names its
 * TZID by offset + 1 in this text (0: none). A name given again right after
 * itself (the EXDATE lines of an event, the overrides of a series) is kept
 * once.
 */
struct ical_names {
	char *text;
	size_t len, cap;
	uint32_t last; /* the name added last, or 0 */
};

/* A DATE or DATE-TIME value as written: local day and time in its zone. */
struct ical_time {
	int64_t day;   /* days since 1970-01-01, local */
	size_t line;
	int32_t ms;    /* milliseconds into that day */
	uint32_t tzid; /* in the ical_names of its holder; 0 when UTC, a date or floating */
	bool set;
	bool is_date;  /* VALUE=DATE: an all-day date */
	bool utc;      /* ...Z */
};

struct ical_event {
	size_t line;    /* of BEGIN:VEVENT */
	off_t offset;   /* byte offset of that line (first pass), -1 if not known */
	bool latin1;    /* the reader's Latin-1 state before that line */
	char *uid, *summary, *location, *category, *rrule;
	size_t rrule_line;
	struct ical_time start, end, recurrence_id;
	bool has_duration;
	int64_t dur_days, dur_ms; /* DURATION: nominal days, then exact ms */
	struct ical_time *exdates;
	size_t nexdates, capexdates;
	struct ical_names names; /* the TZIDs of its times */
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

/*
 * An override (an event with a UID and a RECURRENCE-ID) as the first pass
 * found it: what the expansion of its series needs, the occurrence it
 * replaces, and where to read the override again to emit it after its
 * series.
 */
struct ical_override {
	struct ical_time rid; /* RECURRENCE-ID; its TZID in ical_table.names */
	size_t line;          /* of its BEGIN:VEVENT */
	off_t offset;         /* byte offset of that line */
	uint32_t next;        /* the next override of its UID (index + 1), 0: none */
	bool latin1;          /* the reader's Latin-1 state before that line */
};

/* The overrides of one UID, found by a keyed hash of the UID (see uid_hash). */
struct ical_uid {
	uint64_t hash;       /* 0: a free slot */
	uint32_t first, last; /* its overrides in file order (index + 1) */
	uint32_t count;
	bool master_after;   /* first pass: a series of this UID came after its first override */
	bool master_seen;    /* second pass: a series of this UID was expanded */
};

/* What the first pass keeps for the second: memory grows with the overrides only. */
struct ical_table {
	unsigned char key[crypto_shorthash_KEYBYTES]; /* of uid_hash, drawn for each import */
	struct ical_uid *uids; /* open addressing, at most half full */
	size_t nuids, capuids;  /* capuids: 0 or a power of two */
	struct ical_override *ovr;
	size_t novr, capovr;
	struct ical_names names;
};

/*
 * The content lines of a stream, unfolded. A line is handed out once the
 * physical line after it has been read (it might have continued it), so a
 * read error on that next line comes before anything is said about the
 * line handed out. Two buffers take turns: the line handed out, and the
 * next one being unfolded.
 */
struct ical_reader {
	struct import_job *j;
	struct import_input *in;
	char *buf[2];
	size_t cap[2];
	int building;    /* the buffer being unfolded */
	size_t len;      /* its length */
	size_t line;     /* its first physical line */
	off_t offset;    /* where that line begins (when track), else -1 */
	bool latin1;     /* in->latin1 before that line was read */
	bool track;      /* ask the file where each line begins */
	size_t out_line; /* the line handed out: its first line, offset, Latin-1 state */
	off_t out_offset;
	bool out_latin1;
};

struct ical_parse;

/* One reading of content lines: the whole file in a pass, or one override
 * read again (replay). */
struct ical_stream {
	struct ical_parse *p;
	struct ical_reader r;
	char stack[ICAL_MAX_DEPTH][24]; /* open components */
	size_t stack_line[ICAL_MAX_DEPTH];
	size_t depth;
	size_t line;                    /* of the content line being read */
	bool seen_calendar;
	size_t nevents;                 /* VEVENTs begun */
	struct ical_event ev[2];        /* where cur and done live */
	struct ical_event *cur;         /* the VEVENT being read, or NULL */
	struct ical_event *done;        /* a VEVENT just complete, or NULL */
	struct ical_zone *zone;         /* the VTIMEZONE being read (first pass), or NULL */
};

/* One import: what both passes share. */
struct ical_parse {
	struct import_job *j;
	struct import_input *in;
	bool pass2;                             /* the second pass (replays included) */
	struct ical_zone zones[ICAL_MAX_ZONES]; /* from the first pass */
	size_t nzones;
	struct ical_table t;                    /* from the first pass */
	struct ical_stream main;                /* the reading of a pass */
	struct ical_stream replay;              /* an override read again */
	bool warned_floating, warned_rdate, warned_truncated; /* said once */
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
 * when first_only (CATEGORIES), cut to max bytes on a UTF-8 boundary (*cut
 * tells); a new string, or NULL. */
static char *unescape(const char *v, bool first_only, size_t max, bool *cut)
{
	char *out = malloc(strlen(v) + 1);
	size_t n = 0;

	if (!out)
		return NULL;
	for (; *v; v++) {
		if (*v == ',' && first_only)
			break;
		if (*v != '\\' || !v[1]) {
			out[n++] = *v;
			continue;
		}
		v++;
		out[n++] = *v == 'n' || *v == 'N' ? '\n' : *v;
	}
	*cut = n > max;
	if (*cut)
		for (n = max; n > 0 && ((unsigned char)out[n] & 0xC0) == 0x80; n--)
			;
	out[n] = '\0';
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

/* parse_time - YYYYMMDD, YYYYMMDDTHHMMSS or YYYYMMDDTHHMMSSZ; a TZID is
 * checked here (at most ICAL_TZID_MAX - 1 bytes) and kept by the caller. */
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
	t->ms = (int32_t)((h * 3600 + mi * 60 + s) * 1000);
	if (tzid && !t->is_date && !t->utc && strlen(tzid) >= ICAL_TZID_MAX)
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

/* ---- TZID names ----------------------------------------------------------- */

/* names_add - keeps s (at most ICAL_TZID_MAX - 1 bytes); *ref names it. */
static enum cmn_rc names_add(struct ical_names *n, const char *s, uint32_t *ref)
{
	size_t len = strlen(s) + 1;

	if (n->last && strcmp(n->text + n->last - 1, s) == 0) {
		*ref = n->last;
		return CMN_OK;
	}
	if (n->len + len > ICAL_NAMES_MAX)
		return CMN_ERR_NOMEM; /* beyond what the caps allow */
	if (n->len + len > n->cap) {
		size_t cap = n->cap ? 2 * n->cap : 256;
		char *t;

		while (cap < n->len + len)
			cap *= 2;
		if (!(t = realloc(n->text, cap)))
			return CMN_ERR_NOMEM;
		n->text = t;
		n->cap = cap;
	}
	memcpy(n->text + n->len, s, len);
	*ref = n->last = (uint32_t)n->len + 1;
	n->len += len;
	return CMN_OK;
}

/* names_get - the name ref stands for, "" for 0. */
static const char *names_get(const struct ical_names *n, uint32_t ref)
{
	return ref ? n->text + ref - 1 : "";
}

static void names_release(struct ical_names *n)
{
	free(n->text);
	memset(n, 0, sizeof(*n));
}

/* time_zone - keeps the TZID of a time just parsed, in the names of its holder. */
static enum cmn_rc time_zone(struct ical_names *n, struct ical_time *t, const char *tzid)
{
	if (!tzid || t->is_date || t->utc)
		return CMN_OK;
	return names_add(n, tzid, &t->tzid);
}

/* ---- unfolding ------------------------------------------------------------ */

static enum cmn_rc reader_append(struct ical_reader *r, const char *s, size_t n)
{
	int b = r->building;

	if (r->len + n + 1 > ICAL_LOGICAL_MAX)
		return import_fail(r->j, r->line, 1, "a content line unfolds to more than %d bytes",
				   ICAL_LOGICAL_MAX);
	if (r->len + n + 1 > r->cap[b]) {
		size_t cap = r->len + n + 1 < 4096 ? 4096 : 2 * (r->len + n + 1);
		char *t;

		if (cap > ICAL_LOGICAL_MAX)
			cap = ICAL_LOGICAL_MAX;
		if (!(t = realloc(r->buf[b], cap)))
			return CMN_ERR_NOMEM;
		r->buf[b] = t;
		r->cap[b] = cap;
	}
	memcpy(r->buf[b] + r->len, s, n);
	r->len += n;
	return CMN_OK;
}

/* reader_start - the reader reads from where in is (its line count and
 * Latin-1 state included), with nothing being unfolded. */
static void reader_start(struct ical_reader *r, struct import_job *j, struct import_input *in,
			 bool track)
{
	r->j = j;
	r->in = in;
	r->len = 0;
	r->track = track;
}

static void reader_release(struct ical_reader *r)
{
	free(r->buf[0]);
	free(r->buf[1]);
	memset(r, 0, sizeof(*r));
}

/* hand_out - the line being unfolded becomes the line handed out. */
static char *hand_out(struct ical_reader *r)
{
	char *s = r->buf[r->building];

	s[r->len] = '\0';
	r->out_line = r->line;
	r->out_offset = r->offset;
	r->out_latin1 = r->latin1;
	r->building ^= 1;
	r->len = 0;
	return s;
}

/*
 * reader_next - the next unfolded content line in *s (valid until the next
 * call), or *s = NULL at the end of the input. A folded line (one
 * beginning with a space or a tab) continues the line before it; an empty
 * line ends it.
 */
static enum cmn_rc reader_next(struct ical_reader *r, char **s)
{
	struct import_input *in = r->in;
	enum cmn_rc rc;
	int k;

	*s = NULL;
	for (;;) {
		off_t at = r->track ? ftello(in->f) : -1;
		bool latin1 = in->latin1;

		if ((k = import_read_line(r->j, in)) != 1)
			break;
		if (in->len && (in->buf[0] == ' ' || in->buf[0] == '\t')) {
			if (!r->len)
				return import_fail(r->j, in->line, 1,
						   "a folded line continues nothing");
			if ((rc = reader_append(r, in->buf + 1, in->len - 1)) != CMN_OK)
				return rc;
			continue;
		}
		if (r->len)
			*s = hand_out(r);
		r->line = in->line;
		r->offset = at;
		r->latin1 = latin1;
		if (in->len && (rc = reader_append(r, in->buf, in->len)) != CMN_OK)
			return rc;
		if (*s)
			return CMN_OK;
	}
	if (k < 0)
		return CMN_ERR_INVALID;
	if (r->len)
		*s = hand_out(r);
	return CMN_OK;
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
	names_release(&e->names);
	memset(e, 0, sizeof(*e));
}

static const char *top(const struct ical_stream *s)
{
	return s->depth ? s->stack[s->depth - 1] : "";
}

static const char *parent(const struct ical_stream *s)
{
	return s->depth > 1 ? s->stack[s->depth - 2] : "";
}

/* event_begin - a VEVENT of a calendar begins; one still being read (in a
 * nested calendar) is complete as it is, without the DTSTART check. */
static void event_begin(struct ical_stream *s, size_t line)
{
	if (s->cur)
		s->done = s->cur;
	s->cur = s->done == &s->ev[0] ? &s->ev[1] : &s->ev[0];
	memset(s->cur, 0, sizeof(*s->cur));
	s->cur->line = line;
	s->cur->offset = s->r.out_offset;
	s->cur->latin1 = s->r.out_latin1;
	s->nevents++;
}

static enum cmn_rc begin(struct ical_stream *s, const char *name, size_t line)
{
	struct ical_parse *p = s->p;
	struct import_job *j = p->j;

	if (s->depth == ICAL_MAX_DEPTH)
		return import_fail(j, line, 1, "components are nested deeper than %d",
				   ICAL_MAX_DEPTH);
	if (!s->depth && strcmp(name, "VCALENDAR") != 0)
		return import_fail(j, line, 1, "expected BEGIN:VCALENDAR, not BEGIN:%.40s", name);
	if (str_copy(s->stack[s->depth], sizeof(s->stack[0]), name) != CMN_OK)
		return import_fail(j, line, 7, "a component name longer than %zu bytes",
				   sizeof(s->stack[0]) - 1);
	s->stack_line[s->depth++] = line;
	s->seen_calendar = true;
	if (strcmp(name, "VEVENT") == 0 && strcmp(parent(s), "VCALENDAR") == 0) {
		event_begin(s, line);
	} else if (strcmp(name, "VTIMEZONE") == 0 && strcmp(parent(s), "VCALENDAR") == 0 &&
		   !p->pass2 && p->nzones < ICAL_MAX_ZONES) {
		s->zone = &p->zones[p->nzones++];
		memset(s->zone, 0, sizeof(*s->zone));
	}
	return CMN_OK;
}

static enum cmn_rc end(struct ical_stream *s, const char *name, size_t line)
{
	struct import_job *j = s->p->j;

	if (!s->depth)
		return import_fail(j, line, 5, "END:%.40s without BEGIN", name);
	if (strcmp(top(s), name) != 0)
		return import_fail(j, line, 5, "expected END:%s", top(s));
	s->depth--;
	if (strcmp(name, "VEVENT") == 0 && s->cur && strcmp(top(s), "VCALENDAR") == 0) {
		if (!s->cur->start.set)
			return import_fail(j, s->cur->line, 1,
					   "the VEVENT that begins here has no "
					   "DTSTART");
		s->done = s->cur;
		s->cur = NULL;
	} else if (strcmp(name, "VTIMEZONE") == 0 && strcmp(top(s), "VCALENDAR") == 0) {
		s->zone = NULL;
	}
	return CMN_OK;
}

/* set_text - a TEXT property kept once, unescaped and cut to max bytes. */
static enum cmn_rc set_text(struct ical_stream *s, char **field, const char *v, size_t max,
			    bool first_only)
{
	struct ical_parse *p = s->p;
	bool cut;

	if (*field)
		return CMN_OK;
	if (!(*field = unescape(v, first_only, max, &cut)))
		return CMN_ERR_NOMEM;
	if (cut && !p->warned_truncated) {
		p->warned_truncated = true;
		import_warn(p->j, "line %zu: a text longer than %zu bytes was cut", s->line, max);
	}
	return CMN_OK;
}

static enum cmn_rc add_exdates(struct ical_stream *s, const struct prop *pr)
{
	struct ical_event *e = s->cur;
	struct import_job *j = s->p->j;
	char *v = pr->value;
	enum cmn_rc rc;

	while (*v) {
		size_t n = strcspn(v, ",");
		struct ical_time *x;

		if (e->nexdates == ICAL_MAX_EXDATES)
			return import_fail(j, s->line, 1, "more than %d EXDATE values in one event",
					   ICAL_MAX_EXDATES);
		if (e->nexdates == e->capexdates) {
			size_t cap = e->capexdates ? 2 * e->capexdates : 8;

			if (!(x = realloc(e->exdates, cap * sizeof(*x))))
				return CMN_ERR_NOMEM;
			e->exdates = x;
			e->capexdates = cap;
		}
		x = &e->exdates[e->nexdates];
		if (!parse_time(v, n, pr->tzid, pr->value_date, x))
			return import_fail(j, s->line, pr->value_col + (size_t)(v - pr->value),
					   "expected a date (YYYYMMDD) or a date-time "
					   "(YYYYMMDDTHHMMSS[Z]) in EXDATE");
		if ((rc = time_zone(&e->names, x, pr->tzid)) != CMN_OK)
			return rc;
		x->line = s->line;
		e->nexdates++;
		v += n;
		if (*v == ',')
			v++;
	}
	return CMN_OK;
}

static enum cmn_rc event_time(struct ical_stream *s, const struct prop *pr, struct ical_time *t)
{
	struct import_job *j = s->p->j;

	if (t->set)
		return import_fail(j, s->line, 1, "%s appears twice in one VEVENT", pr->name);
	if (!parse_time(pr->value, strlen(pr->value), pr->tzid, pr->value_date, t))
		return import_fail(j, s->line, pr->value_col,
				   "expected a date (YYYYMMDD) or a "
				   "date-time (YYYYMMDDTHHMMSS[Z]) from 1900 in %s",
				   pr->name);
	t->line = s->line;
	return time_zone(&s->cur->names, t, pr->tzid);
}

/* event_prop - one property of a VEVENT (its own, not of a VALARM in it). */
static enum cmn_rc event_prop(struct ical_stream *s, struct prop *pr)
{
	struct ical_event *e = s->cur;
	struct import_job *j = s->p->j;
	const char *n = pr->name;

	if (strcmp(n, "DTSTART") == 0)
		return event_time(s, pr, &e->start);
	if (strcmp(n, "DTEND") == 0)
		return event_time(s, pr, &e->end);
	if (strcmp(n, "RECURRENCE-ID") == 0)
		return event_time(s, pr, &e->recurrence_id);
	if (strcmp(n, "DURATION") == 0) {
		if (!parse_duration(pr->value, &e->dur_days, &e->dur_ms))
			return import_fail(j, s->line, pr->value_col,
					   "expected a positive "
					   "duration such as PT1H30M, P1D or P2W");
		e->has_duration = true;
		return CMN_OK;
	}
	if (strcmp(n, "SUMMARY") == 0)
		return set_text(s, &e->summary, pr->value, ICAL_TEXT_MAX, false);
	if (strcmp(n, "LOCATION") == 0)
		return set_text(s, &e->location, pr->value, ICAL_TEXT_MAX, false);
	if (strcmp(n, "CATEGORIES") == 0)
		return set_text(s, &e->category, pr->value, ICAL_CATEGORY_MAX, true);
	if (strcmp(n, "UID") == 0) {
		if (strlen(pr->value) > ICAL_UID_MAX)
			return import_fail(j, s->line, pr->value_col,
					   "a UID longer than %d bytes", ICAL_UID_MAX);
		return set_text(s, &e->uid, pr->value, ICAL_UID_MAX, false);
	}
	if (strcmp(n, "RRULE") == 0) {
		if (e->rrule) {
			if (!s->p->pass2) /* said once, in the first pass */
				import_warn(j, "line %zu: a second RRULE is ignored", s->line);
			return CMN_OK;
		}
		if (strlen(pr->value) > ICAL_RRULE_MAX)
			return import_fail(j, s->line, pr->value_col,
					   "an RRULE longer than %d "
					   "bytes",
					   ICAL_RRULE_MAX);
		if (!(e->rrule = strdup(pr->value)))
			return CMN_ERR_NOMEM;
		e->rrule_line = s->line;
		return CMN_OK;
	}
	if (strcmp(n, "EXDATE") == 0)
		return add_exdates(s, pr);
	if (strcmp(n, "RDATE") == 0 && !s->p->warned_rdate) {
		s->p->warned_rdate = true;
		import_warn(j, "line %zu: RDATE is not supported; its dates are left out", s->line);
	}
	return CMN_OK;
}

static enum cmn_rc zone_prop(struct ical_stream *s, const struct prop *pr)
{
	struct import_job *j = s->p->j;
	int64_t hh, mm;
	const char *v = pr->value;
	int sign;

	if (strcmp(top(s), "VTIMEZONE") == 0 && strcmp(pr->name, "TZID") == 0) {
		str_copy(s->zone->tzid, sizeof(s->zone->tzid), v);
		return CMN_OK;
	}
	if (strcmp(top(s), "STANDARD") != 0 || strcmp(pr->name, "TZOFFSETTO") != 0 ||
	    s->zone->has_std)
		return CMN_OK;
	sign = v[0] == '-' ? -1 : 1;
	if ((v[0] != '+' && v[0] != '-') || (strlen(v) != 5 && strlen(v) != 7) ||
	    !all_digits(v + 1, strlen(v) - 1))
		return import_fail(j, s->line, pr->value_col, "expected an offset such as +0100");
	hh = num(v + 1, 2);
	mm = num(v + 3, 2);
	if (hh > 23 || mm > 59)
		return import_fail(j, s->line, pr->value_col, "expected an offset such as +0100");
	s->zone->std_offset = (int32_t)(sign * (hh * 3600 + mm * 60));
	s->zone->has_std = true;
	return CMN_OK;
}

/* content_line - one unfolded line, in the context of the open components. */
static enum cmn_rc content_line(struct ical_stream *s, char *text)
{
	struct import_job *j = s->p->j;
	struct prop pr;

	if (!split_prop(text, &pr))
		return import_fail(j, s->line, 1, "expected NAME[;PARAM=VALUE]:VALUE");
	if (strcmp(pr.name, "BEGIN") == 0 || strcmp(pr.name, "END") == 0) {
		upper(pr.value);
		if (!pr.value[0])
			return import_fail(j, s->line, pr.value_col, "expected a component name");
		return pr.name[0] == 'B' ? begin(s, pr.value, s->line) : end(s, pr.value, s->line);
	}
	if (!s->depth)
		return import_fail(j, s->line, 1, "expected BEGIN:VCALENDAR");
	if (s->cur && strcmp(top(s), "VEVENT") == 0)
		return event_prop(s, &pr);
	if (s->zone && (strcmp(top(s), "VTIMEZONE") == 0 ||
			(strcmp(top(s), "STANDARD") == 0 && strcmp(parent(s), "VTIMEZONE") == 0)))
		return zone_prop(s, &pr);
	return CMN_OK;
}

/* ---- occurrences ---------------------------------------------------------- */

/* resolve - the zone of a time (its TZID among names): UTC for dates and
 * ...Z, the IANA zone of TZID, else the VTIMEZONE's standard offset;
 * floating times are taken in Europe/Paris. */
static enum cmn_rc resolve(struct ical_parse *p, const struct ical_time *t,
			   const struct ical_names *names, struct zref *z)
{
	const char *tzid = names_get(names, t->tzid), *slash;

	z->tz = NULL;
	z->fixed = 0;
	if (t->is_date || t->utc) {
		z->tz = tz_utc();
		return CMN_OK;
	}
	if (!tzid[0]) {
		if (!p->warned_floating) {
			p->warned_floating = true;
			import_warn(p->j, "line %zu: a time without a zone is taken in %s", t->line,
				    ICAL_DEFAULT_ZONE);
		}
		z->tz = series_zone(ICAL_DEFAULT_ZONE);
		return z->tz ? CMN_OK : CMN_ERR_NOT_FOUND;
	}
	if ((z->tz = series_zone(tzid)))
		return CMN_OK;
	/* "/mozilla.org/20050126_1/Europe/Paris": the last two parts */
	slash = strrchr(tzid, '/');
	while (slash && slash > tzid && slash[-1] != '/')
		slash--;
	if (tzid[0] == '/' && slash && slash > tzid && (z->tz = series_zone(slash)))
		return CMN_OK;
	for (size_t i = 0; i < p->nzones; i++)
		if (p->zones[i].has_std && strcmp(p->zones[i].tzid, tzid) == 0) {
			z->fixed = p->zones[i].std_offset;
			import_warn(p->j,
				    "line %zu: TZID \"%.60s\" is not a known zone; its standard "
				    "offset %+d min is used all year",
				    t->line, tzid, (int)(z->fixed / 60));
			return CMN_OK;
		}
	return import_fail(p->j, t->line, 1,
			   "TZID \"%.60s\" is neither a known zone nor "
			   "described by a VTIMEZONE with a STANDARD offset",
			   tzid);
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

static enum cmn_rc instant_of(struct ical_parse *p, const struct ical_time *t,
			      const struct ical_names *names, int64_t *out)
{
	struct zref z;
	enum cmn_rc rc = resolve(p, t, names, &z);

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
	char uid[ICAL_UID_MAX + 1];

	/* whole or not at all: a member that could not be set fails the
	 * import (an event kept without its end or its place is false) */
	time_format(ts, start);
	json_put(&o, "start", json_string(ts));
	json_put(&o, "summary", json_string(e->summary ? e->summary : ""));
	json_put(&o, "all_day", json_boolean(e->start.is_date));
	if (end != INT64_MIN) {
		time_format(te, end);
		json_put(&o, "end", json_string(te));
	}
	if (e->uid) {
		/* the whole UID, then cut at a character: a cut inside one
		 * would be no UTF-8, which json_string refuses */
		str_copy(uid, sizeof(uid), e->uid);
		truncate_utf8(uid, 255);
		json_put(&o, "uid", json_string(uid));
	}
	if (e->location)
		json_put(&o, "location", json_string(e->location));
	if (e->category)
		json_put(&o, "category", json_string(e->category));
	if (recurrence)
		json_put(&o, "recurrence", json_string(recurrence));
	if (!o)
		return CMN_ERR_NOMEM;
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

/* expand - every occurrence of a series (an event without RECURRENCE-ID),
 * less its EXDATEs and the starts its overrides (those of u, or none)
 * replace. */
static enum cmn_rc expand(struct ical_parse *p, const struct ical_event *e,
			  const struct ical_uid *u)
{
	struct expansion x = {.p = p, .e = e, .exact_ms = -1, .rc = CMN_OK};
	struct rrule r;
	char why[120];
	int64_t start, end;
	enum cmn_rc rc = resolve(p, &e->start, &e->names, &x.zone);

	if (rc != CMN_OK)
		return rc;
	start = zone_instant(&x.zone, e->start.day, e->start.ms);
	if (e->end.set) {
		if ((rc = instant_of(p, &e->end, &e->names, &end)) != CMN_OK)
			return rc;
		if (end < start)
			return import_fail(p->j, e->end.line, 1, "DTEND is before DTSTART");
		x.exact_ms = end - start;
	}
	x.skip = calloc(e->nexdates + (u ? u->count : 0) + 1, sizeof(*x.skip));
	if (!x.skip)
		return CMN_ERR_NOMEM;
	for (size_t i = 0; i < e->nexdates && rc == CMN_OK; i++)
		rc = instant_of(p, &e->exdates[i], &e->names, &x.skip[x.nskip++]);
	for (uint32_t k = u ? u->first : 0; k && rc == CMN_OK; k = p->t.ovr[k - 1].next)
		rc = instant_of(p, &p->t.ovr[k - 1].rid, &p->t.names, &x.skip[x.nskip++]);
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
 * text (master: the first series of its UID in the file, or NULL), and the
 * dedupe key of the occurrence it replaces. */
static enum cmn_rc override(struct ical_parse *p, const struct ical_event *o,
			    const struct ical_event *master)
{
	struct expansion x = {.p = p, .e = o, .exact_ms = -1};
	int64_t start, end, replaced;
	enum cmn_rc rc = resolve(p, &o->start, &o->names, &x.zone);

	if (rc == CMN_OK)
		rc = instant_of(p, &o->recurrence_id, &o->names, &replaced);
	if (rc != CMN_OK)
		return rc;
	start = zone_instant(&x.zone, o->start.day, o->start.ms);
	if (o->end.set) {
		if ((rc = instant_of(p, &o->end, &o->names, &end)) != CMN_OK)
			return rc;
		if (end < start)
			return import_fail(p->j, o->end.line, 1, "DTEND is before DTSTART");
		x.exact_ms = end - start;
	}
	return record(p, o, start, occurrence_end(&x, o->start.day, start),
		      master ? master->rrule : NULL, replaced);
}

/* ---- the overrides of each UID -------------------------------------------- */

/*
 * uid_hash - a UID as the table knows it: SipHash-2-4 (libsodium's
 * crypto_shorthash) under a key drawn for each import, so no file can be
 * made to collide. Two UIDs of one file share a hash with a probability
 * below n^2 / 2^65 (3 in 10^10 for 100,000 UIDs), and even then no wrong
 * record is written: replay() compares the UID of each override it reads
 * again with its series' and refuses the file if they differ.
 */
static uint64_t uid_hash(const struct ical_parse *p, const char *uid)
{
	unsigned char h[crypto_shorthash_BYTES];
	uint64_t v;

	crypto_shorthash(h, (const unsigned char *)uid, strlen(uid), p->t.key);
	memcpy(&v, h, sizeof(v));
	return v ? v : 1; /* 0 marks a free slot */
}

static struct ical_uid *uid_find(const struct ical_table *t, uint64_t hash)
{
	size_t mask = t->capuids - 1;

	if (!t->capuids)
		return NULL;
	for (size_t i = hash & mask;; i = (i + 1) & mask) {
		if (t->uids[i].hash == hash)
			return &t->uids[i];
		if (!t->uids[i].hash)
			return NULL;
	}
}

/* uid_slot - where hash goes in uids (cap a power of two, a free slot left). */
static struct ical_uid *uid_slot(struct ical_uid *uids, size_t cap, uint64_t hash)
{
	size_t i = hash & (cap - 1);

	while (uids[i].hash && uids[i].hash != hash)
		i = (i + 1) & (cap - 1);
	return &uids[i];
}

/* uid_add - the entry of hash, added when new. */
static enum cmn_rc uid_add(struct ical_table *t, uint64_t hash, struct ical_uid **out)
{
	if ((*out = uid_find(t, hash)))
		return CMN_OK;
	if (2 * (t->nuids + 1) > t->capuids) {
		size_t cap = t->capuids ? 2 * t->capuids : 64;
		struct ical_uid *uids = calloc(cap, sizeof(*uids));

		if (!uids)
			return CMN_ERR_NOMEM;
		for (size_t i = 0; i < t->capuids; i++)
			if (t->uids[i].hash)
				*uid_slot(uids, cap, t->uids[i].hash) = t->uids[i];
		free(t->uids);
		t->uids = uids;
		t->capuids = cap;
	}
	*out = uid_slot(t->uids, t->capuids, hash);
	(*out)->hash = hash;
	t->nuids++;
	return CMN_OK;
}

/* uid_of - the overrides of an event's UID, or NULL (none, or no UID). */
static struct ical_uid *uid_of(const struct ical_parse *p, const struct ical_event *e)
{
	return e->uid && p->t.nuids ? uid_find(&p->t, uid_hash(p, e->uid)) : NULL;
}

/* note - the first pass's look at a complete event: an override is kept
 * (the instant it replaces, where it is), a series marks its UID's
 * overrides, if any came before it. */
static enum cmn_rc note(struct ical_parse *p, const struct ical_event *e)
{
	struct ical_table *t = &p->t;
	struct ical_override *o;
	struct ical_uid *u;
	enum cmn_rc rc;

	if (!e->uid) /* on its own */
		return CMN_OK;
	if (!e->recurrence_id.set) {
		if ((u = uid_of(p, e)))
			u->master_after = true;
		return CMN_OK;
	}
	if (t->novr == ICAL_MAX_OVERRIDES)
		return import_fail(p->j, e->line, 1,
				   "more than %d events with a RECURRENCE-ID in one file",
				   ICAL_MAX_OVERRIDES);
	if (t->novr == t->capovr) {
		size_t cap = t->capovr ? 2 * t->capovr : 16;

		if (!(o = realloc(t->ovr, cap * sizeof(*o))))
			return CMN_ERR_NOMEM;
		t->ovr = o;
		t->capovr = cap;
	}
	if ((rc = uid_add(t, uid_hash(p, e->uid), &u)) != CMN_OK)
		return rc;
	o = &t->ovr[t->novr];
	memset(o, 0, sizeof(*o));
	o->rid = e->recurrence_id;
	o->rid.tzid = 0;
	if (e->recurrence_id.tzid &&
	    (rc = names_add(&t->names, names_get(&e->names, e->recurrence_id.tzid),
			    &o->rid.tzid)) != CMN_OK)
		return rc;
	o->line = e->line;
	o->offset = e->offset;
	o->latin1 = e->latin1;
	t->novr++;
	if (u->last)
		t->ovr[u->last - 1].next = (uint32_t)t->novr;
	else
		u->first = (uint32_t)t->novr;
	u->last = (uint32_t)t->novr;
	u->count++;
	return CMN_OK;
}

/* ---- the passes ----------------------------------------------------------- */

/* stream_start - a stream at depth 0 (a pass), or inside a calendar (a replay). */
static void stream_start(struct ical_stream *s, struct ical_parse *p, bool in_calendar,
			 bool track)
{
	event_release(&s->ev[0]);
	event_release(&s->ev[1]);
	s->p = p;
	s->cur = s->done = NULL;
	s->zone = NULL;
	s->depth = 0;
	s->seen_calendar = false;
	s->nevents = 0;
	if (in_calendar) {
		str_copy(s->stack[0], sizeof(s->stack[0]), "VCALENDAR");
		s->depth = 1;
	}
	reader_start(&s->r, p->j, p->in, track);
}

static void stream_release(struct ical_stream *s)
{
	event_release(&s->ev[0]);
	event_release(&s->ev[1]);
	reader_release(&s->r);
}

/* changed - the second pass does not find what the first found. */
static enum cmn_rc changed(struct ical_parse *p, size_t line)
{
	import_fail(p->j, line, 1, "the file changed while it was read");
	return CMN_ERR_INVALID;
}

static enum cmn_rc read_error(struct ical_parse *p, size_t line)
{
	import_fail(p->j, line ? line : 1, 1, "read error");
	return CMN_ERR_INVALID;
}

/* reread - reads the override o again (p->replay), from its BEGIN:VEVENT
 * to where it is complete: *out, or NULL on error. */
static enum cmn_rc reread(struct ical_parse *p, const struct ical_override *o, uint64_t hash,
			  struct ical_event **out)
{
	struct ical_stream *s = &p->replay;
	enum cmn_rc rc;
	char *text;

	*out = NULL;
	stream_start(s, p, true, false);
	if (o->offset < 0 || fseeko(p->in->f, o->offset, SEEK_SET) != 0)
		return read_error(p, o->line);
	p->in->line = o->line - 1;
	p->in->latin1 = o->latin1;
	while (!s->done) {
		if ((rc = reader_next(&s->r, &text)) != CMN_OK)
			return rc;
		if (!text)
			return changed(p, o->line);
		s->line = s->r.out_line;
		if ((rc = content_line(s, text)) != CMN_OK)
			return rc;
	}
	if (s->done->line != o->line || !s->done->recurrence_id.set || !s->done->uid ||
	    uid_hash(p, s->done->uid) != hash)
		return changed(p, o->line);
	*out = s->done;
	return CMN_OK;
}

/*
 * replay - reads the override o again and emits it after its series
 * (master), with the series' rule; emit false only checks it. The file,
 * its line count and Latin-1 state are then put back where the second
 * pass was. The override's UID is compared with the series': they were
 * matched by hash (uid_hash).
 */
static enum cmn_rc replay(struct ical_parse *p, const struct ical_override *o, uint64_t hash,
			  const struct ical_event *master, bool emit)
{
	struct import_input *in = p->in;
	off_t back = ftello(in->f);
	size_t line = in->line;
	bool latin1 = in->latin1;
	struct ical_event *e = NULL;
	enum cmn_rc rc = back < 0 ? read_error(p, line) : reread(p, o, hash, &e);

	if (rc == CMN_OK && e && strcmp(e->uid, master->uid) != 0)
		rc = import_fail(p->j, o->line, 1,
				 "UIDs \"%.60s\" and \"%.60s\" share a hash in the importer's table "
				 "(once in billions of files): import the file again",
				 e->uid, master->uid);
	if (rc == CMN_OK && e && emit)
		rc = override(p, e, master);
	stream_start(&p->replay, p, true, false); /* frees what it read */
	if (back >= 0 && fseeko(in->f, back, SEEK_SET) != 0 && rc == CMN_OK)
		rc = read_error(p, line);
	in->line = line;
	in->latin1 = latin1;
	return rc;
}

/*
 * emit - the second pass's records of a complete event, in file order. A
 * series is expanded less its overrides' instants, then, the first time
 * its UID is met, its overrides are read again (replay) and emitted after
 * it, whether they come before or after it in the file; a later series of
 * the same UID checks its UID against the first override. An override is
 * emitted where it stands only when its UID has no series in the file.
 */
static enum cmn_rc emit(struct ical_parse *p, const struct ical_event *e)
{
	struct ical_uid *u = uid_of(p, e);
	enum cmn_rc rc;
	bool first;

	if (e->recurrence_id.set) {
		if (e->uid && !u)
			return changed(p, e->line);
		if (u && (u->master_seen || u->master_after))
			return CMN_OK; /* emitted after its series */
		return override(p, e, NULL);
	}
	if ((rc = expand(p, e, u)) != CMN_OK || !u)
		return rc;
	first = !u->master_seen;
	u->master_seen = true;
	for (uint32_t k = u->first; k && rc == CMN_OK; k = first ? p->t.ovr[k - 1].next : 0)
		rc = replay(p, &p->t.ovr[k - 1], u->hash, e, first);
	return rc;
}

/*
 * read_pass - reads the whole file once: the first pass checks everything
 * that can be checked line by line and notes the overrides (note), the
 * second emits each event when it is complete (emit).
 */
static enum cmn_rc read_pass(struct ical_parse *p)
{
	struct ical_stream *s = &p->main;
	struct import_input *in = p->in;
	enum cmn_rc rc = CMN_OK;
	char *text;

	stream_start(s, p, false, !p->pass2);
	while (rc == CMN_OK) {
		if ((rc = reader_next(&s->r, &text)) != CMN_OK || !text)
			break;
		s->line = s->r.out_line;
		rc = content_line(s, text);
		if (rc == CMN_OK && s->done)
			rc = p->pass2 ? emit(p, s->done) : note(p, s->done);
		if (s->done) {
			event_release(s->done);
			s->done = NULL;
		}
	}
	if (rc != CMN_OK)
		return rc;
	if (!s->seen_calendar)
		return import_fail(p->j, in->line ? in->line : 1, 1, "expected BEGIN:VCALENDAR");
	if (s->depth)
		return import_fail(p->j, in->line, 1, "BEGIN:%s at line %zu has no END:%s", top(s),
				   s->stack_line[s->depth - 1], top(s));
	return CMN_OK;
}

/*
 * run - two passes over the file, rewound between them, so that memory
 * does not grow with it. An override (RECURRENCE-ID) may come before or
 * after its series, and a VTIMEZONE after the events using it: the first
 * pass checks the file and keeps the time zones and, for each override
 * with a UID, the instant it replaces and where it is (struct
 * ical_override and its UID's struct ical_uid, 110 to 140 bytes); the
 * second reads the events one at a time and emits their records (emit).
 * Only the table of overrides grows, up to ICAL_MAX_OVERRIDES (13 MiB;
 * docs/import/ical.md counts it).
 */
static enum cmn_rc run(struct import_job *j, struct import_input *in)
{
	struct ical_parse *p = calloc(1, sizeof(*p));
	enum cmn_rc rc;

	if (!p)
		return CMN_ERR_NOMEM;
	p->j = j;
	p->in = in;
	crypto_shorthash_keygen(p->t.key);
	rc = read_pass(p);
	if (rc == CMN_OK && p->main.nevents) {
		p->pass2 = true;
		rewind(in->f);
		in->line = 0;
		in->bom = false;
		in->latin1 = false;
		rc = read_pass(p);
	}
	stream_release(&p->main);
	stream_release(&p->replay);
	free(p->t.uids);
	free(p->t.ovr);
	names_release(&p->t.names);
	free(p);
	return rc;
}

const struct import_format import_ical = {
    "ical",
    "iCalendar (RFC 5545): events and their recurrences (calendar.event)",
    detect,
    run,
};
