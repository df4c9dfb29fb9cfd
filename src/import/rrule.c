/*
 * rrule.c - RFC 5545 recurrence rules: parsing an RRULE value and expanding
 * it period by period (a day, a week from Monday, a month, a year) into the
 * local days on which it recurs. Within a period the candidate days are
 * walked in order and kept when every BYxxx part given matches, which keeps
 * the occurrences sorted and free of duplicates without a set. See rrule.h.
 */
#include "import/rrule.h"

#include <stdio.h>
#include <string.h>

#include "core/str.h"
#include "core/timeutil.h"

#define DAY_MS   86400000LL
#define YEAR_MAX 9999

static const char *const wday_names[7] = {"MO", "TU", "WE", "TH", "FR", "SA", "SU"};

int rrule_weekday(int64_t day)
{
	/* 1970-01-01 was a Thursday (3) */
	int64_t w = (day + 3) % 7;

	return (int)(w < 0 ? w + 7 : w);
}

static bool digits(const char *s, size_t n)
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

static int month_days(int64_t y, int m)
{
	static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : len[m - 1];
}

static enum cmn_rc parse_until(const char *v, struct rrule_until *u)
{
	size_t n = strlen(v);
	int y, mo, d;

	if ((n != 8 && n != 15 && n != 16) || !digits(v, 8))
		return CMN_ERR_INVALID;
	y = num(v, 4);
	mo = num(v + 4, 2);
	d = num(v + 6, 2);
	if (mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo))
		return CMN_ERR_INVALID;
	u->set = true;
	u->day = time_days_from_civil(y, mo, d);
	u->is_date = n == 8;
	u->ms = DAY_MS - 1;
	if (n == 8)
		return CMN_OK;
	if (v[8] != 'T' || !digits(v + 9, 6) || (n == 16 && v[15] != 'Z'))
		return CMN_ERR_INVALID;
	if (num(v + 9, 2) > 23 || num(v + 11, 2) > 59 || num(v + 13, 2) > 60)
		return CMN_ERR_INVALID;
	u->utc = n == 16;
	u->ms = ((int64_t)num(v + 9, 2) * 3600 + num(v + 11, 2) * 60 + num(v + 13, 2)) * 1000;
	return CMN_OK;
}

static enum cmn_rc parse_byday(char *v, struct rrule *r)
{
	char *save = NULL;

	for (char *t = strtok_r(v, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		size_t n = strlen(t);
		int64_t ord = 0;
		int w;

		if (n < 2 || r->nbyday == RRULE_MAX_BYDAY)
			return CMN_ERR_INVALID;
		for (w = 0; w < 7 && strcmp(t + n - 2, wday_names[w]) != 0; w++)
			;
		if (w == 7)
			return CMN_ERR_INVALID;
		t[n - 2] = '\0';
		if (t[0] && (str_to_i64(t, -53, 53, &ord) != CMN_OK || ord == 0))
			return CMN_ERR_INVALID;
		r->byday[r->nbyday].ord = (int8_t)ord;
		r->byday[r->nbyday++].wday = (uint8_t)w;
	}
	return r->nbyday ? CMN_OK : CMN_ERR_INVALID;
}

static enum cmn_rc parse_list(char *v, int64_t lo, int64_t hi, int64_t *out, size_t max, size_t *n)
{
	char *save = NULL;

	*n = 0;
	for (char *t = strtok_r(v, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (*n == max || str_to_i64(t, lo, hi, &out[*n]) != CMN_OK || out[*n] == 0)
			return CMN_ERR_INVALID;
		(*n)++;
	}
	return *n ? CMN_OK : CMN_ERR_INVALID;
}

/* parse_part - one NAME=VALUE of the rule. */
static enum cmn_rc parse_part(char *name, char *v, struct rrule *r, bool *freq)
{
	int64_t list[RRULE_MAX_BYSETPOS > RRULE_MAX_BYMONTHDAY ? RRULE_MAX_BYSETPOS
							       : RRULE_MAX_BYMONTHDAY];
	size_t n;

	if (strcmp(name, "FREQ") == 0) {
		static const char *const f[] = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"};

		for (int i = 0; i < 4; i++)
			if (strcmp(v, f[i]) == 0) {
				r->freq = (enum rrule_freq)i;
				*freq = true;
				return CMN_OK;
			}
		if (strcmp(v, "SECONDLY") != 0 && strcmp(v, "MINUTELY") != 0 && strcmp(v, "HOURLY") != 0)
			return CMN_ERR_INVALID;
		snprintf(r->unsupported, sizeof(r->unsupported), "FREQ=%s", v);
		*freq = true;
		return CMN_OK;
	}
	if (strcmp(name, "INTERVAL") == 0)
		return str_to_i64(v, 1, 100000, &r->interval);
	if (strcmp(name, "COUNT") == 0)
		return str_to_i64(v, 1, 1000000000, &r->count);
	if (strcmp(name, "UNTIL") == 0)
		return parse_until(v, &r->until);
	if (strcmp(name, "BYDAY") == 0)
		return parse_byday(v, r);
	if (strcmp(name, "BYMONTHDAY") == 0) {
		if (parse_list(v, -31, 31, list, RRULE_MAX_BYMONTHDAY, &n) != CMN_OK)
			return CMN_ERR_INVALID;
		for (size_t i = 0; i < n; i++)
			r->bymonthday[i] = (int8_t)list[i];
		r->nbymonthday = n;
		return CMN_OK;
	}
	if (strcmp(name, "BYMONTH") == 0) {
		if (parse_list(v, 1, 12, list, 12, &n) != CMN_OK)
			return CMN_ERR_INVALID;
		for (size_t i = 0; i < n; i++)
			r->bymonth |= (uint16_t)(1u << list[i]);
		return CMN_OK;
	}
	if (strcmp(name, "BYSETPOS") == 0) {
		if (parse_list(v, -366, 366, list, RRULE_MAX_BYSETPOS, &n) != CMN_OK)
			return CMN_ERR_INVALID;
		for (size_t i = 0; i < n; i++) {
			if (!list[i])
				return CMN_ERR_INVALID;
			r->bysetpos[i] = (int16_t)list[i];
		}
		r->nbysetpos = n;
		return CMN_OK;
	}
	if (strcmp(name, "WKST") == 0) {
		if (strcmp(v, "MO") != 0 && !r->unsupported[0])
			snprintf(r->unsupported, sizeof(r->unsupported), "WKST=%.8s", v);
		return CMN_OK;
	}
	if (!strcmp(name, "BYHOUR") || !strcmp(name, "BYMINUTE") ||
	    !strcmp(name, "BYSECOND") || !strcmp(name, "BYWEEKNO") || !strcmp(name, "BYYEARDAY") ||
	    !strcmp(name, "RSCALE") || !strcmp(name, "SKIP") || !strncmp(name, "X-", 2)) {
		if (!r->unsupported[0])
			snprintf(r->unsupported, sizeof(r->unsupported), "%.30s", name);
		return CMN_OK;
	}
	return CMN_ERR_INVALID;
}

enum cmn_rc rrule_parse(const char *text, struct rrule *r, char *why, size_t whylen)
{
	char buf[512], *save = NULL;
	bool freq = false;

	memset(r, 0, sizeof(*r));
	r->interval = 1;
	if (str_copy(buf, sizeof(buf), text) != CMN_OK) {
		if (why)
			snprintf(why, whylen, "the rule is longer than 511 bytes");
		return CMN_ERR_INVALID;
	}
	for (char *t = strtok_r(buf, ";", &save); t; t = strtok_r(NULL, ";", &save)) {
		char *eq = strchr(t, '=');

		if (!eq || parse_part(t, (*eq = '\0', eq + 1), r, &freq) != CMN_OK) {
			if (why)
				snprintf(why, whylen, "a malformed or unknown part \"%.40s\"", t);
			return CMN_ERR_INVALID;
		}
	}
	if (!freq) {
		if (why)
			snprintf(why, whylen, "a rule needs FREQ");
		return CMN_ERR_INVALID;
	}
	if (r->count && r->until.set) {
		if (why)
			snprintf(why, whylen, "COUNT and UNTIL cannot both be given");
		return CMN_ERR_INVALID;
	}
	if (r->freq == RRULE_YEARLY && !r->bymonth && !r->unsupported[0])
		for (size_t i = 0; i < r->nbyday; i++)
			if (r->byday[i].ord)
				snprintf(r->unsupported, sizeof(r->unsupported),
					 "BYDAY with an ordinal in a year");
	return CMN_OK;
}

/* ---- expansion ------------------------------------------------------------ */

struct walk {
	const struct rrule *r;
	int64_t start_day, last_day;
	int64_t wanted; /* COUNT, or -1 */
	size_t calls;
	/* with BYSETPOS, the days of the current period, before the choice */
	bool collecting;
	int64_t set[366];
	size_t nset;
	bool stop;
	rrule_day_cb cb;
	void *arg;
};

static bool month_ok(const struct rrule *r, int m)
{
	return !r->bymonth || (r->bymonth & (1u << m));
}

/* day_in_month_ok - BYMONTHDAY and BYDAY (ordinals counted in the month)
 * against day d of a month of len days; with neither, the day of DTSTART. */
static bool day_in_month_ok(const struct rrule *r, int d, int len, int wday, int start_mday)
{
	bool ok = !r->nbymonthday;

	for (size_t i = 0; i < r->nbymonthday && !ok; i++)
		ok = r->bymonthday[i] == d || r->bymonthday[i] == d - len - 1;
	if (!ok)
		return false;
	if (!r->nbyday)
		return r->nbymonthday || d == start_mday;
	for (size_t i = 0; i < r->nbyday; i++) {
		const struct rrule_byday *b = &r->byday[i];

		if (b->wday != wday)
			continue;
		if (!b->ord || (b->ord > 0 && (d - 1) / 7 + 1 == b->ord) ||
		    (b->ord < 0 && (len - d) / 7 + 1 == -b->ord))
			return true;
	}
	return false;
}

static bool weekday_listed(const struct rrule *r, int wday)
{
	for (size_t i = 0; i < r->nbyday; i++)
		if (r->byday[i].wday == wday)
			return true;
	return false;
}

/* emit - one candidate day: before DTSTART it is skipped, DTSTART itself was
 * already given. */
static void emit(struct walk *w, int64_t day)
{
	if (w->collecting) {
		if (w->nset < sizeof(w->set) / sizeof(*w->set))
			w->set[w->nset++] = day;
		return;
	}
	if (w->stop || day <= w->start_day)
		return;
	if (day > w->last_day || (w->wanted >= 0 && (int64_t)w->calls >= w->wanted)) {
		w->stop = true;
		return;
	}
	w->calls++;
	if (w->cb(day, w->arg))
		w->stop = true;
}

static void walk_month(struct walk *w, int64_t y, int m, int start_mday)
{
	int len = month_days(y, m);
	int64_t first = time_days_from_civil(y, m, 1);

	for (int d = 1; d <= len && !w->stop; d++)
		if (day_in_month_ok(w->r, d, len, rrule_weekday(first + d - 1), start_mday))
			emit(w, first + d - 1);
}

/* choose - BYSETPOS: the chosen days of the period's set, in order (a day
 * named twice is given once; DTSTART and the days before it are dropped
 * by emit, after the positions were counted on the whole period) */
static void choose(struct walk *w)
{
	bool chosen[sizeof(w->set) / sizeof(*w->set)] = {false};

	w->collecting = false;
	for (size_t i = 0; i < w->r->nbysetpos; i++) {
		int64_t p = w->r->bysetpos[i], k = p > 0 ? p - 1 : (int64_t)w->nset + p;

		if (k >= 0 && k < (int64_t)w->nset)
			chosen[k] = true;
	}
	for (size_t i = 0; i < w->nset && !w->stop; i++)
		if (chosen[i])
			emit(w, w->set[i]);
	w->nset = 0;
}

size_t rrule_expand(const struct rrule *r, int64_t start_day, int64_t last_day, rrule_day_cb cb,
		    void *arg)
{
	struct walk w = {.r = r, .start_day = start_day, .last_day = last_day,
			 .wanted = r->count ? r->count : -1, .cb = cb, .arg = arg};
	int64_t sy;
	int sm, sd;

	time_civil_from_days(start_day, &sy, &sm, &sd);
	w.calls = 1;
	if (cb(start_day, arg) || r->unsupported[0])
		return w.calls;
	/* from the period of DTSTART: other days of its week or month count */
	for (int64_t k = 0; !w.stop; k++) {
		int64_t step = k * r->interval;

		w.collecting = r->nbysetpos > 0;
		switch (r->freq) {
		case RRULE_DAILY: {
			int64_t day = start_day + step, y;
			int m, d;

			time_civil_from_days(day, &y, &m, &d);
			if (day > last_day)
				w.stop = true;
			else if (month_ok(r, m) &&
				 day_in_month_ok(r, d, month_days(y, m), rrule_weekday(day), d))
				emit(&w, day);
			break;
		}
		case RRULE_WEEKLY: {
			int64_t monday = start_day - rrule_weekday(start_day) + 7 * step;

			if (monday > last_day)
				w.stop = true;
			for (int i = 0; i < 7 && !w.stop; i++) {
				int64_t y, day = monday + i;
				int m, d;

				time_civil_from_days(day, &y, &m, &d);
				if (r->nbyday ? weekday_listed(r, i)
					      : i == rrule_weekday(start_day))
					if (month_ok(r, m))
						emit(&w, day);
			}
			break;
		}
		case RRULE_MONTHLY: {
			int64_t mi = sy * 12 + (sm - 1) + step;

			if (mi / 12 > YEAR_MAX ||
			    time_days_from_civil(mi / 12, (int)(mi % 12) + 1, 1) > last_day)
				w.stop = true;
			else if (month_ok(r, (int)(mi % 12) + 1))
				walk_month(&w, mi / 12, (int)(mi % 12) + 1, sd);
			break;
		}
		case RRULE_YEARLY: {
			int64_t y = sy + step;
			bool all = r->nbyday || r->nbymonthday;

			if (y > YEAR_MAX || time_days_from_civil(y, 1, 1) > last_day)
				w.stop = true;
			for (int m = 1; m <= 12 && !w.stop; m++)
				if (r->bymonth ? month_ok(r, m) : (all || m == sm))
					walk_month(&w, y, m, sd);
			break;
		}
		}
		if (r->nbysetpos) {
			bool stop = w.stop; /* the end was seen: the period's days still count */

			w.stop = false;
			choose(&w);
			w.stop = w.stop || stop;
		}
	}
	return w.calls;
}
