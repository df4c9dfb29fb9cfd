/*
 * water_csv.c - a generic water meter CSV, documented by commune for
 * water utilities and smart-meter portals that have no format of their
 * own (docs/import/water-csv.md):
 *
 *   # meter: 0123456789
 *   date;index_m3                   cumulative index in m3 (or index_l in L)
 *   2024-01-01;123,456
 *   2024-01-02;123,601
 *
 * or date;volume_l (or volume_m3): the consumption of each day. ';' or ','
 * separated, dates YYYY-MM-DD or DD/MM/YYYY, strictly increasing. Each
 * day's consumption in litres goes to water.consumption (step one day,
 * stamped at 00:00 UTC of its date, as grdf.c does); from an index, the consumption of day D is
 * index(D) - index(D - 1), and a decreasing index is an error. Lines
 * beginning with '#' are comments; "# meter: ID" names the meter.
 */
#include "import/import.h"

#include <string.h>

#include "core/str.h"
#include "core/timeutil.h"
#include "import/csvsplit.h"

#define WATER_METER_MAX 64               /* the doctype's meter */
#define WATER_DEFAULT_METER "main"
#define WATER_DAY_MAX_L 100000000LL      /* litres in one day (100,000 m3) */

enum water_kind { INDEX_M3, INDEX_L, VOLUME_M3, VOLUME_L };

static const char *const kind_names[] = {"index_m3", "index_l", "volume_m3", "volume_l"};

struct water {
	char meter[WATER_METER_MAX + 1];
	char sep;
	int kind;                            /* enum water_kind, -1 before the header */
	bool have_prev;
	int64_t prev_day;                    /* days since 1970-01-01 of the last row */
	int64_t prev_value;                  /* litres: the last index */
	size_t gaps;                         /* index differences spanning days, not used */
};

static int detect(const char *head, size_t n, const char *filename, char *why, size_t whylen)
{
	char buf[4097];
	size_t len = n < 4096 ? n : 4096;

	(void)filename;
	memcpy(buf, head, len);
	buf[len] = '\0';
	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	for (size_t k = 0; k < 4; k++) {
		char semi[32], comma[32];

		snprintf(semi, sizeof(semi), "date;%s", kind_names[k]);
		snprintf(comma, sizeof(comma), "date,%s", kind_names[k]);
		if (strstr(buf, semi) || strstr(buf, comma)) {
			snprintf(why, whylen, "a water meter header (date;%s)", kind_names[k]);
			return 90;
		}
	}
	snprintf(why, whylen, "no date;index_m3|index_l|volume_m3|volume_l header");
	return 0;
}

static bool meter_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > WATER_METER_MAX)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
			return false;
	return true;
}

/* comment - a '#' line: "# meter: ID" names the meter. */
static enum cmn_rc comment(struct import_job *j, struct import_input *in, struct water *w)
{
	const char *p = in->buf + 1;
	char id[WATER_METER_MAX + 2];
	size_t n;

	while (*p == ' ')
		p++;
	if (strncmp(p, "meter:", 6) != 0)
		return CMN_OK;
	p += 6;
	while (*p == ' ')
		p++;
	n = strlen(p);
	while (n && p[n - 1] == ' ')
		n--;
	if (n > WATER_METER_MAX || (memcpy(id, p, n), id[n] = '\0', !meter_ok(id)))
		return import_fail(j, in->line, (size_t)(p - in->buf) + 1, "a meter id is 1 to %d "
				   "letters, digits, '-', '_' or '.'", WATER_METER_MAX);
	if (w->kind >= 0)
		return import_fail(j, in->line, 1, "# meter: must come before the header line");
	str_copy(w->meter, sizeof(w->meter), id);
	return CMN_OK;
}

static enum cmn_rc header(struct import_job *j, struct import_input *in, struct water *w)
{
	struct csv_fields h;

	w->sep = strchr(in->buf, ';') ? ';' : ',';
	if (!csv_split(in->buf, w->sep, &h) || h.n != 2 || csv_field_index(&h, "date") != 0)
		return import_fail(j, in->line, 1, "expected the header date;index_m3, date;index_l, "
				   "date;volume_m3 or date;volume_l");
	for (int k = 0; k < 4; k++)
		if (csv_field_index(&h, kind_names[k]) == 1)
			w->kind = k;
	if (w->kind < 0)
		return import_fail(j, in->line, h.col[1], "expected index_m3, index_l, volume_m3 or "
				   "volume_l as the second column");
	if (!w->meter[0]) {
		str_copy(w->meter, sizeof(w->meter), WATER_DEFAULT_METER);
		import_warn(j, "no \"# meter: ID\" line: the meter is called \"%s\"",
			    WATER_DEFAULT_METER);
	}
	return CMN_OK;
}

static enum cmn_rc emit(struct import_job *j, const struct water *w, int64_t day, int64_t litres)
{
	char meta[WATER_METER_MAX + 16];
	struct import_series s = {
		.doctype = "water.consumption",
		.source = "water-csv",
		.key = w->meter,
		.unit = "L",
		.step = 86400000,
		.tz = "Europe/Paris",
		.meta = meta,
	};
	struct series_point p;

	snprintf(meta, sizeof(meta), "{\"meter\":\"%s\"}", w->meter);
	p.t = day * 86400000; /* 00:00 UTC of the date: a daily grid all year */
	p.v = litres;
	return import_points(j, &s, &p, 1);
}

static enum cmn_rc data_row(struct import_job *j, struct import_input *in, struct water *w)
{
	struct csv_fields r;
	struct csv_tm tm;
	int64_t day, v;
	bool m3 = w->kind == INDEX_M3 || w->kind == VOLUME_M3;

	if (!csv_split(in->buf, w->sep, &r))
		return import_fail(j, in->line, r.bad_col, "%s", r.why);
	if (r.n != 2)
		return import_fail(j, in->line, 1, "expected DATE%cVALUE", w->sep);
	if (!csv_time_parse(r.f[0], "%Y-%m-%d", &tm) && !csv_time_parse(r.f[0], "%d/%m/%Y", &tm))
		return import_fail(j, in->line, r.col[0], "expected a date YYYY-MM-DD or "
				   "DD/MM/YYYY, not \"%.20s\"", r.f[0]);
	if (!csv_decimal(r.f[1], w->sep == ',' ? '.' : 0, m3 ? 3 : 0, &v) || v < 0 ||
	    v > WATER_DAY_MAX_L * 1000000)
		return import_fail(j, in->line, r.col[1], "expected %s %s (%s), not \"%.40s\"",
				   w->kind <= INDEX_L ? "an index in" : "a volume in",
				   m3 ? "m3" : "litres", m3 ? "at most 3 decimals" : "whole litres",
				   r.f[1]);
	day = time_days_from_civil(tm.year, tm.month, tm.day);
	if (w->have_prev && day <= w->prev_day)
		return import_fail(j, in->line, r.col[0], "the dates must increase");
	if (w->kind == VOLUME_L || w->kind == VOLUME_M3) {
		if (v > WATER_DAY_MAX_L)
			return import_fail(j, in->line, r.col[1], "more than %lld litres in a day",
					   (long long)WATER_DAY_MAX_L);
		w->have_prev = true;
		w->prev_day = day;
		return emit(j, w, day, v);
	}
	if (w->have_prev && v < w->prev_value)
		return import_fail(j, in->line, r.col[1], "the index decreases (from %lld to %lld "
				   "L): a new meter needs its own file", (long long)w->prev_value,
				   (long long)v);
	if (w->have_prev && v - w->prev_value > WATER_DAY_MAX_L * (day - w->prev_day))
		return import_fail(j, in->line, r.col[1], "more than %lld litres in a day",
				   (long long)WATER_DAY_MAX_L);
	if (w->have_prev && day == w->prev_day + 1) {
		enum cmn_rc rc = emit(j, w, w->prev_day + 1, v - w->prev_value);

		if (rc != CMN_OK)
			return rc;
	} else if (w->have_prev) {
		w->gaps++;
	}
	w->have_prev = true;
	w->prev_day = day;
	w->prev_value = v;
	return CMN_OK;
}

static enum cmn_rc run(struct import_job *j, struct import_input *in)
{
	struct water w = {.kind = -1};
	enum cmn_rc rc = CMN_OK;
	int got = 0;

	while (rc == CMN_OK && (got = import_read_line(j, in)) == 1) {
		if (in->buf[0] == '#')
			rc = comment(j, in, &w);
		else if (in->len == 0)
			continue;
		else if (w.kind < 0)
			rc = header(j, in, &w);
		else
			rc = data_row(j, in, &w);
	}
	if (rc != CMN_OK)
		return rc;
	if (got < 0)
		return CMN_ERR_INVALID;
	if (w.kind < 0)
		return import_fail(j, in->line ? in->line : 1, 1, "no header line (date;index_m3, "
				   "date;index_l, date;volume_m3 or date;volume_l)");
	if (w.gaps)
		import_warn(j, "%zu index differences span more than one day and were not split "
			    "into days", w.gaps);
	return CMN_OK;
}

const struct import_format import_water_csv = {
	"water-csv",
	"Water meter CSV (date;index_m3|index_l|volume_m3|volume_l) into water.consumption",
	detect,
	run,
};
