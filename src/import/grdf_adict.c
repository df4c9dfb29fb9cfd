/*
 * grdf_adict.c - GRDF ADICT v2 daily consumption as nd-json (one JSON
 * object per line), as the ADICT API streams it:
 *
 *   {"pce": {"id_pce": "12345678901234"},
 *    "consommation": {"date_debut_consommation": "2024-01-01",
 *                     "date_fin_consommation": "2024-01-02",
 *                     "energie": 123, "volume_brut": 12.3,
 *                     "flag_retour_zero": false},
 *    "statut_restitution": null, "qualification": "definitive"}
 *
 * No real file was available; the shape is the public one and the rules
 * are assumptions (docs/import/grdf-adict.md). A line is one gas day: the
 * energy (kWh) and the raw volume (m3) go to energy.gas.consumption like
 * the customer-site JSON (grdf.c): source "grdf", key PCE in Wh, key
 * "PCE.volume" in m3e-3, stamped at 00:00 UTC of date_debut_consommation.
 * A period longer than a day is skipped with a warning (not daily data);
 * a statut_restitution other than null, or energie null, is a gap. The same
 * day given twice keeps a final reading over a provisional one
 * (qualification "provisoire" or "estimee"), else the later line. Errors
 * name the line and the JSON pointer inside it. Blank lines are skipped.
 *
 * Nothing is written before the whole file was read (an error anywhere
 * imports nothing, and the best reading of a day may come last): the
 * readings go through an external sort (extsort.h), by PCE, day, rank and
 * line, so that a large file costs a few MiB of memory and a temporary file.
 */
#include "import/import.h"
#include "import/extsort.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonparse.h"
#include "core/str.h"
#include "core/timeutil.h"

#define ADICT_MAX_LINES 2000000      /* readings in one file (56 B each to sort) */
#define ADICT_MAX_KWH   1000000000LL /* |energy| or |volume| of one day */
#define ADICT_PCE_LEN   14
#define ADICT_DAY_MS    86400000LL

struct adict_reading {
	char pce[ADICT_PCE_LEN + 1];
	int64_t t; /* 00:00 UTC of the gas day */
	int64_t wh, litres;
	bool has_wh, has_litres;
	int rank;     /* 1 provisional, 2 final */
	size_t order; /* line in the file */
};

struct adict {
	struct import_job *j;
	struct extsort sort; /* the readings */
	size_t n;            /* readings so far */
	size_t skipped_long; /* periods longer than a day */
};

static int detect(const char *head, size_t n, const char *filename, char *why, size_t whylen)
{
	char buf[4097];
	size_t m = n < 4096 ? n : 4096;

	(void)filename;
	memcpy(buf, head, m);
	buf[m] = '\0';
	if (strstr(buf, "\"id_pce\"") && strstr(buf, "\"date_debut_consommation\"")) {
		snprintf(why, whylen, "lines with id_pce and date_debut_consommation (ADICT)");
		return 95;
	}
	if (strstr(buf, "\"consommation\"") && strstr(buf, "\"pce\"")) {
		snprintf(why, whylen, "JSON naming pce and consommation");
		return 50;
	}
	snprintf(why, whylen, "no id_pce");
	return 0;
}

/* fail - an error at line line, pointer ptr of that line's object. */
static enum cmn_rc fail(struct adict *a, size_t line, const char *ptr, const char *what)
{
	import_fail_at(a->j, ptr, "line %zu: %s", line, what);
	a->j->err.line = line;
	return CMN_ERR_INVALID;
}

/*
 * milli - a decimal text ("12.345") times 1000, exactly: at most three
 * decimals (finer would be rounded, so it is refused), 0 to max.
 */
static enum cmn_rc milli(const char *s, int64_t max, int64_t *out)
{
	int64_t whole = 0, frac = 0;
	int digits = 0, decimals = 0;

	for (; *s >= '0' && *s <= '9'; s++, digits++)
		if ((whole = whole * 10 + (*s - '0')) > max)
			return CMN_ERR_INVALID;
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++, decimals++) {
			if (decimals >= 3 && *s != '0')
				return CMN_ERR_INVALID;
			if (decimals < 3)
				frac = frac * 10 + (*s - '0');
			digits++;
		}
	if (*s || !digits)
		return CMN_ERR_INVALID;
	for (; decimals < 3; decimals++)
		frac *= 10;
	*out = whole * 1000 + frac;
	return CMN_OK;
}

/* json_milli - a JSON number (or numeric string) >= 0 times 1000. */
static enum cmn_rc json_milli(const json_t *v, int64_t *out)
{
	char text[64];

	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0 || json_integer_value(v) > ADICT_MAX_KWH)
			return CMN_ERR_INVALID;
		*out = (int64_t)json_integer_value(v) * 1000;
		return CMN_OK;
	}
	if (json_is_real(v)) {
		/* %.15g gives back any decimal literal of at most 15 digits */
		snprintf(text, sizeof(text), "%.15g", json_real_value(v));
		return milli(text, ADICT_MAX_KWH, out);
	}
	if (json_is_string(v))
		return milli(json_string_value(v), ADICT_MAX_KWH, out);
	return CMN_ERR_INVALID;
}

static int rank_of(const json_t *o)
{
	const char *q = json_string_value(json_object_get(o, "qualification"));

	if (!q)
		q = json_string_value(
		    json_object_get(json_object_get(o, "consommation"), "qualification"));
	return q && (strcmp(q, "provisoire") == 0 || strcmp(q, "estimee") == 0 ||
		     strcmp(q, "estim\xc3\xa9"
			       "e") == 0)
		   ? 1
		   : 2;
}

/* day_of - the date member name of c as a time; false when invalid. */
static bool day_of(const json_t *c, const char *name, int64_t *t)
{
	const char *s = json_string_value(json_object_get(c, name));

	return s && time_is_date(s) && time_parse(s, true, t) == CMN_OK;
}

/* amount - member name of c into *v (times 1000); *has false when null. */
static enum cmn_rc amount(const json_t *c, const char *name, int64_t *v, bool *has)
{
	const json_t *x = json_object_get(c, name);

	*has = x && !json_is_null(x);
	return *has ? json_milli(x, v) : CMN_OK;
}

/* reading - one line's object into r; CMN_OK with r->t == INT64_MIN when
 * the line is skipped. */
static enum cmn_rc reading(struct adict *a, const json_t *o, size_t line, struct adict_reading *r)
{
	const char *pce = json_string_value(json_object_get(json_object_get(o, "pce"), "id_pce"));
	const json_t *c = json_object_get(o, "consommation");
	const json_t *st = json_object_get(o, "statut_restitution");
	int64_t end;

	memset(r, 0, sizeof(*r));
	if (!json_is_object(o))
		return fail(a, line, "", "expected an object");
	if (!pce || strlen(pce) != ADICT_PCE_LEN || strspn(pce, "0123456789") != ADICT_PCE_LEN)
		return fail(a, line, "/pce/id_pce", "expected a PCE of 14 digits");
	memcpy(r->pce, pce, ADICT_PCE_LEN + 1);
	if (!json_is_object(c))
		return fail(a, line, "/consommation", "expected an object");
	if (!day_of(c, "date_debut_consommation", &r->t))
		return fail(a, line, "/consommation/date_debut_consommation",
			    "expected a date (YYYY-MM-DD)");
	if (!day_of(c, "date_fin_consommation", &end) || end <= r->t)
		return fail(a, line, "/consommation/date_fin_consommation",
			    "expected a date (YYYY-MM-DD) after date_debut_consommation");
	if (amount(c, "energie", &r->wh, &r->has_wh) != CMN_OK)
		return fail(a, line, "/consommation/energie",
			    "expected an energy in kWh: 0 to 10^9 with at most 3 decimals");
	if (amount(c, "volume_brut", &r->litres, &r->has_litres) != CMN_OK)
		return fail(a, line, "/consommation/volume_brut",
			    "expected a volume in m3: 0 to 10^9 with at most 3 decimals");
	if (end - r->t != ADICT_DAY_MS) {
		a->skipped_long++;
		r->t = INT64_MIN;
		return CMN_OK;
	}
	if (st && !json_is_null(st))
		r->has_wh = r->has_litres = false; /* not restituted: a gap */
	r->rank = rank_of(o);
	r->order = line;
	return CMN_OK;
}

static enum cmn_rc add_line(struct adict *a, const char *text, size_t len, size_t line)
{
	struct json_parse_error err;
	json_t *o;
	struct adict_reading r;
	enum cmn_rc rc;

	o = json_parse(text, len, JSON_PARSE_REJECT_DUPLICATES, &err);
	if (!o && err.rc == CMN_ERR_NOMEM)
		return CMN_ERR_NOMEM;
	if (!o)
		return import_fail(a->j, line, (size_t)(err.column > 0 ? err.column : 0),
				   "JSON: %s", err.text);
	rc = reading(a, o, line, &r);
	json_decref(o);
	if (rc != CMN_OK || r.t == INT64_MIN)
		return rc;
	if (a->n == ADICT_MAX_LINES)
		return import_fail(a->j, line, 0, "more than %d readings", ADICT_MAX_LINES);
	a->n++;
	return extsort_add(&a->sort, &r);
}

static int cmp_reading(const void *pa, const void *pb)
{
	const struct adict_reading *x = pa, *y = pb;
	int c = strcmp(x->pce, y->pce);

	if (c)
		return c;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank - y->rank;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* point - the kept reading of a (PCE, day) as its points; a gap counted. */
static enum cmn_rc point(struct adict *a, const struct adict_reading *r, size_t *gaps)
{
	char meta[64], vkey[ADICT_PCE_LEN + 8];
	struct import_series energy = {
	    .doctype = "energy.gas.consumption",
	    .source = "grdf",
	    .key = r->pce,
	    .unit = "Wh",
	    .step = ADICT_DAY_MS,
	    .tz = "Europe/Paris",
	    .meta = meta,
	};
	struct import_series volume = energy;
	struct series_point p = {r->t, r->wh};
	enum cmn_rc rc = CMN_OK;

	snprintf(meta, sizeof(meta), "{\"pce\":\"%s\"}", r->pce);
	snprintf(vkey, sizeof(vkey), "%s.volume", r->pce);
	volume.unit = "m3e-3";
	volume.key = vkey;
	if (r->has_wh)
		rc = import_points(a->j, &energy, &p, 1);
	p.v = r->litres;
	if (rc == CMN_OK && r->has_litres)
		rc = import_points(a->j, &volume, &p, 1);
	*gaps += !r->has_wh && !r->has_litres;
	return rc;
}

/* emit - the readings in order, the last (the best) of each (PCE, day) as
 * points. */
static enum cmn_rc emit(struct adict *a)
{
	struct adict_reading last;
	const void *item;
	bool have = false;
	size_t gaps = 0;
	enum cmn_rc rc = extsort_sort(&a->sort);

	while (rc == CMN_OK && (rc = extsort_next(&a->sort, &item)) == CMN_OK && item) {
		const struct adict_reading *r = item;

		if (have && (r->t != last.t || strcmp(r->pce, last.pce) != 0))
			rc = point(a, &last, &gaps);
		last = *r; /* a better or later reading of the same day replaces it */
		have = true;
	}
	if (rc == CMN_OK && have)
		rc = point(a, &last, &gaps);
	if (gaps)
		import_warn(a->j, "%zu gas days without data (gaps)", gaps);
	if (a->skipped_long)
		import_warn(a->j, "%zu periods longer than a day not imported", a->skipped_long);
	return rc;
}

static enum cmn_rc run(struct import_job *j, struct import_input *in)
{
	struct adict a = {
	    .j = j, .sort = {.size = sizeof(struct adict_reading), .cmp = cmp_reading}};
	enum cmn_rc rc = CMN_OK;
	int r;

	while (rc == CMN_OK && (r = import_read_line(j, in)) != 0) {
		if (r < 0)
			rc = CMN_ERR_INVALID;
		else if (in->buf[strspn(in->buf, " \t\r")] != '\0')
			rc = add_line(&a, in->buf, in->len, in->line);
	}
	if (rc == CMN_OK && a.n == 0 && a.skipped_long == 0)
		rc = import_fail(j, in->line, 0, "no ADICT reading in the file");
	if (rc == CMN_OK)
		rc = emit(&a);
	extsort_release(&a.sort);
	return rc;
}

const struct import_format import_grdf_adict = {
    "grdf-adict",
    "GRDF ADICT v2 nd-json: daily gas energy (Wh) and volume (litres) per PCE",
    detect,
    run,
};
