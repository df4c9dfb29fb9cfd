/*
 * enedis_index.c - the CSV of daily meter indexes that the Enedis customer
 * area ("Mes mesures", Type de donnees "Index") exports:
 *
 *   Identifiant PRM;Type de donnees;Date de debut;Date de fin;...;Unite
 *   12345678901234;Index;01/01/2024;31/01/2024;...;Wh
 *   Horodate;EAS F1;EAS F2;...;EAS D1;...;EAS T
 *   2024-01-01T00:00:00+01:00;1234567;987654;...;2222221
 *
 * Each "EAS X" column is a register (F1..F10 per tariff period, D1..D4 per
 * distributor period, T the total), a cumulative energy in Wh read once a
 * day. Each register becomes an energy.electricity.index series (step one
 * day, key "PRM.X", meta {prm, register}), and the daily consumption, the
 * difference of the total between a day and the next, goes to
 * energy.electricity.consumption (key PRM, as Data Connect's). A day is
 * stamped at 00:00 UTC of its Paris date (one UTC grid for daily series).
 * Other columns are ignored; an empty value is a gap; an index that goes
 * down is an error. docs/import/enedis-index.md.
 */
#include "import/import.h"
#include "import/enedis_head.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "core/timeutil.h"

#define INDEX_MAX_FIELDS    32
#define INDEX_MAX_REGISTERS 15                 /* F1..F10, D1..D4, T */
#define INDEX_MAX_WH        1000000000000000LL /* 10^15 Wh: far above any meter */
#define INDEX_PRM_LEN       14

struct reg {
	int col;                     /* column in the table */
	char code[8];                /* "F1", "T" */
	char key[INDEX_PRM_LEN + 8]; /* "PRM.F1" */
	char meta[80];
	int64_t prev; /* the last index read, or -1 */
	size_t prev_line;
};

struct index_file {
	char prm[INDEX_PRM_LEN + 1];
	struct reg regs[INDEX_MAX_REGISTERS];
	size_t nregs;
	int total;          /* the register T, or -1 */
	int64_t prev_day;   /* 00:00 UTC of the previous line, or INT64_MIN */
	int64_t prev_total; /* the total that day, or -1 */
	char cons_meta[40];
};

static int detect(const char *head, size_t n, const char *filename, char *why, size_t whylen)
{
	char buf[4097];
	size_t m = n < 4096 ? n : 4096;

	(void)filename;
	memcpy(buf, head, m);
	buf[m] = '\0';
	if (strstr(buf, "Identifiant PRM;") && strstr(buf, ";Index") && strstr(buf, "Horodate;") &&
	    strstr(buf, "EAS ")) {
		snprintf(why, whylen, "Enedis header block, \"Index\", Horodate;EAS ... columns");
		return 95;
	}
	if (strstr(buf, "Horodate;") && strstr(buf, ";EAS T")) {
		snprintf(why, whylen, "a Horodate;EAS table without the Enedis header");
		return 60;
	}
	snprintf(why, whylen, "no Horodate;EAS table");
	return 0;
}

static enum cmn_rc read_header(struct import_job *j, struct import_input *in, struct index_file *x)
{
	struct enedis_head h;
	enum cmn_rc rc = enedis_head_read(j, in, &h);

	if (rc != CMN_OK)
		return rc;
	if (strncmp(h.type, "Index", 5) != 0)
		return import_fail(j, 2, 1, "only \"Index\" files are read here, not \"%.60s\"",
				   h.type);
	if (h.unit[0] && strcmp(h.unit, "Wh") != 0)
		return import_fail(j, 2, 1, "the unit must be Wh, not \"%.20s\"", h.unit);
	if (strlen(h.prm) != INDEX_PRM_LEN || strspn(h.prm, "0123456789") != INDEX_PRM_LEN)
		return import_fail(j, 2, 1, "a PRM has 14 digits");
	str_copy(x->prm, sizeof(x->prm), h.prm);
	return CMN_OK;
}

/* read_columns - the Horodate;EAS ... line (blank lines before it skipped). */
static enum cmn_rc read_columns(struct import_job *j, struct import_input *in, struct index_file *x)
{
	char *names[INDEX_MAX_FIELDS], prm[INDEX_PRM_LEN + 1];
	size_t nn;
	int r;

	while ((r = import_read_line(j, in)) == 1 && in->len == 0)
		;
	if (r <= 0)
		return r == 0
			   ? import_fail(j, in->line + 1, 1, "expected the line Horodate;EAS ...")
			   : CMN_ERR_INVALID;
	nn = enedis_split(in->buf, names, INDEX_MAX_FIELDS);
	if (strcmp(names[0], "Horodate") != 0)
		return import_fail(j, in->line, 1, "expected the line Horodate;EAS ...");
	x->total = -1;
	str_copy(prm, sizeof(prm), x->prm);
	for (size_t i = 1; i < nn; i++) {
		struct reg *g;

		if (strncmp(names[i], "EAS ", 4) != 0)
			continue;
		if (x->nregs == INDEX_MAX_REGISTERS || strlen(names[i] + 4) > 3 || !names[i][4])
			return import_fail(j, in->line, 1, "unexpected register column \"%.20s\"",
					   names[i]);
		g = &x->regs[x->nregs];
		g->col = (int)i;
		str_copy(g->code, sizeof(g->code), names[i] + 4);
		for (size_t k = 0; k < x->nregs; k++)
			if (strcmp(x->regs[k].code, g->code) == 0)
				return import_fail(j, in->line, 1, "the column %s is given twice",
						   names[i]);
		snprintf(g->key, sizeof(g->key), "%s.%s", prm, names[i] + 4);
		snprintf(g->meta, sizeof(g->meta), "{\"prm\":\"%s\",\"register\":\"%s\"}", prm,
			 names[i] + 4);
		g->prev = -1;
		if (strcmp(g->code, "T") == 0)
			x->total = (int)x->nregs;
		x->nregs++;
	}
	if (!x->nregs)
		return import_fail(j, in->line, 1, "no EAS register column");
	return CMN_OK;
}

/* day_of - 00:00 UTC of the Paris date of a Horodate (a time with its
 * offset, or a bare date). */
static enum cmn_rc day_of(const char *s, int64_t *out)
{
	int64_t t;

	if (time_is_date(s))
		return time_parse(s, true, out);
	if (time_parse(s, false, &t) != CMN_OK)
		return CMN_ERR_INVALID;
	*out = tz_local_day(series_zone("Europe/Paris"), t, NULL) * 86400000;
	return CMN_OK;
}

/* column_of - the 1-based column where field f of the line starts. */
static size_t column_of(char **fields, size_t f, const char *line)
{
	return (size_t)(fields[f] - line) + 1;
}

static enum cmn_rc read_line(struct import_job *j, struct import_input *in, struct index_file *x)
{
	char *f[INDEX_MAX_FIELDS];
	size_t n = enedis_split(in->buf, f, INDEX_MAX_FIELDS);
	int64_t day, total = -1;
	enum cmn_rc rc = CMN_OK;

	if (day_of(f[0], &day) != CMN_OK)
		return import_fail(j, in->line, 1,
				   "expected a time with its offset "
				   "(2024-01-01T00:00:00+01:00) or a date");
	if (x->prev_day != INT64_MIN && day <= x->prev_day)
		return import_fail(j, in->line, 1, "the days must increase");
	for (size_t i = 0; i < x->nregs && rc == CMN_OK; i++) {
		struct reg *g = &x->regs[i];
		struct import_series s = {
		    .doctype = "energy.electricity.index",
		    .source = "enedis",
		    .key = g->key,
		    .unit = "Wh",
		    .step = 86400000,
		    .tz = "Europe/Paris",
		    .meta = g->meta,
		};
		struct series_point p = {day, 0};

		if ((size_t)g->col >= n || !f[g->col][0])
			continue; /* a gap */
		if (str_to_i64(f[g->col], 0, INDEX_MAX_WH, &p.v) != CMN_OK)
			return import_fail(j, in->line, column_of(f, (size_t)g->col, in->buf),
					   "expected an index in Wh (an integer from 0 to 10^15)");
		if (p.v < g->prev)
			return import_fail(j, in->line, column_of(f, (size_t)g->col, in->buf),
					   "the index EAS %s goes down (%lld Wh on line %zu, %lld "
					   "here)",
					   g->code, (long long)g->prev, g->prev_line,
					   (long long)p.v);
		g->prev = p.v;
		g->prev_line = in->line;
		if ((int)i == x->total)
			total = p.v;
		rc = import_points(j, &s, &p, 1);
	}
	if (rc == CMN_OK && total >= 0 && x->prev_total >= 0 && day == x->prev_day + 86400000) {
		struct import_series s = {
		    .doctype = "energy.electricity.consumption",
		    .source = "enedis",
		    .key = x->prm,
		    .unit = "Wh",
		    .step = 86400000,
		    .tz = "Europe/Paris",
		    .meta = x->cons_meta,
		};
		struct series_point p = {x->prev_day, total - x->prev_total};

		rc = import_points(j, &s, &p, 1);
	}
	x->prev_day = day;
	x->prev_total = total;
	return rc;
}

static enum cmn_rc run(struct import_job *j, struct import_input *in)
{
	struct index_file *x = calloc(1, sizeof(*x));
	enum cmn_rc rc;
	int r = 0;

	if (!x)
		return CMN_ERR_NOMEM;
	x->prev_day = INT64_MIN;
	x->prev_total = -1;
	rc = read_header(j, in, x);
	if (rc == CMN_OK)
		rc = read_columns(j, in, x);
	snprintf(x->cons_meta, sizeof(x->cons_meta), "{\"prm\":\"%s\"}", x->prm);
	while (rc == CMN_OK && (r = import_read_line(j, in)) == 1)
		if (in->len)
			rc = read_line(j, in, x);
	if (rc == CMN_OK && r < 0)
		rc = CMN_ERR_INVALID;
	free(x);
	return rc;
}

const struct import_format import_enedis_index = {
    "enedis-index",
    "Enedis customer-area CSV: daily index (EAS registers, Wh) and consumption by difference",
    detect,
    run,
};
