/*
 * rrule.h - RFC 5545 recurrence rules (RRULE) for the iCalendar importer:
 * parsing the rule's text and expanding it into local dates.
 *
 * Expansion works on wall-clock days (days since 1970-01-01 in the event's
 * own zone); the caller keeps the time of day of DTSTART and turns each day
 * into an instant with the zone, so a 09:00 meeting stays at 09:00 local
 * time across DST changes. Supported: FREQ=DAILY/WEEKLY/MONTHLY/YEARLY,
 * INTERVAL, COUNT, UNTIL, BYDAY (with ordinals for MONTHLY and for YEARLY
 * with BYMONTH), BYMONTHDAY, BYMONTH, BYSETPOS, WKST=MO. Other parts
 * (BYHOUR, BYWEEKNO, ...) are reported as unsupported.
 */
#ifndef COMMUNE_IMPORT_RRULE_H
#define COMMUNE_IMPORT_RRULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/result.h"

#define RRULE_MAX_BYDAY      32
#define RRULE_MAX_BYMONTHDAY 31
#define RRULE_MAX_BYSETPOS   31

enum rrule_freq { RRULE_DAILY, RRULE_WEEKLY, RRULE_MONTHLY, RRULE_YEARLY };

struct rrule_byday {
	int8_t ord;   /* 0: every such weekday; 1..53, -1..-53 */
	uint8_t wday; /* 0 Monday .. 6 Sunday */
};

/* UNTIL as written: a date, a UTC date-time or a floating date-time. */
struct rrule_until {
	bool set;
	bool is_date; /* YYYYMMDD */
	bool utc;     /* ...THHMMSSZ */
	int64_t day;  /* days since 1970-01-01 of the written date */
	int64_t ms;   /* milliseconds into that day */
};

struct rrule {
	enum rrule_freq freq;
	int64_t interval; /* >= 1 */
	int64_t count;    /* 0: no COUNT */
	struct rrule_until until;
	struct rrule_byday byday[RRULE_MAX_BYDAY];
	size_t nbyday;
	int8_t bymonthday[RRULE_MAX_BYMONTHDAY]; /* 1..31 or -31..-1 */
	size_t nbymonthday;
	uint16_t bymonth;     /* bit m set for month m (1..12); 0: any */
	int16_t bysetpos[RRULE_MAX_BYSETPOS]; /* 1..366 or -366..-1: the nth day of a period */
	size_t nbysetpos;
	char unsupported[40]; /* "" or the first part not supported */
};

/* rrule_parse - parses an RRULE value ("FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10").
 * CMN_ERR_INVALID with why (may be NULL) filled for a malformed rule; a
 * well-formed part commune does not expand is named in r->unsupported and
 * is not an error. */
enum cmn_rc rrule_parse(const char *text, struct rrule *r, char *why, size_t whylen);

/* rrule_weekday - 0 (Monday) .. 6 (Sunday) of a day number. */
int rrule_weekday(int64_t day);

/* Called for each local day of the rule, in order; a non-zero return stops. */
typedef int (*rrule_day_cb)(int64_t day, void *arg);

/*
 * rrule_expand - calls cb for each day on which the rule recurs, from the
 * day of DTSTART (start_day, always the first, whether or not it matches)
 * to last_day included, stopping after COUNT occurrences or when cb
 * returns non-zero. The caller applies UNTIL (a local day and time it has
 * converted) through last_day. Returns the number of calls made.
 */
size_t rrule_expand(const struct rrule *r, int64_t start_day, int64_t last_day, rrule_day_cb cb,
		    void *arg);

#endif
