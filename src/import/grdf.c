/*
 * grdf.c - the JSON of daily gas readings that the GRDF customer site
 * (monespace.grdf.fr) answers, as fetched and saved by PyGazpar:
 *
 *   {"22423299474865": {"idPce": "22423299474865", "releves": [
 *       {"journeeGaziere": "2019-11-30", "energieConsomme": 75,
 *        "volumeBrutConsomme": 7, "coeffConversion": 11.12,
 *        "qualificationReleve": "Mesuré", ...}, ...]}}
 *
 * (a single {"idPce", "releves"} object is read too). Each gas day gives
 * two points of energy.gas.consumption, step one day, source "grdf": the
 * energy in Wh (kWh x 1000, read as an exact decimal) under the key PCE,
 * and the raw volume in m3e-3 (litres, m3 x 1000) under the key
 * "PCE.volume". A day is stamped at 00:00 UTC of its journeeGaziere date:
 * daily series sit on one UTC grid, and 00:00 UTC falls inside that date in
 * Paris all year (the gas day itself runs 06:00 to 06:00 local time). A
 * reading without a value ("Absence de Données") is a gap. A day given
 * twice keeps the final reading over a provisional one ("Estimé",
 * "Provisoire"), else the later one in the file. docs/import/grdf.md.
 */
#include "import/import.h"
#include "import/extsort.h"
#include "import/jsonstream.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "core/timeutil.h"

#define GRDF_MAX_READINGS 200000              /* readings of one PCE (550 years of days) */
#define GRDF_MAX_KWH      1000000000LL        /* |energy| or |volume| of one day */
#define GRDF_PCE_LEN      14

struct reading {
	unsigned pce; /* its PCE: an index of struct grdf's p */
	int64_t t;    /* 00:00 UTC of the gas day */
	int64_t wh, litres;
	bool has_wh, has_litres;
	int rank;     /* 1 provisional, 2 final */
	size_t order; /* position among its PCE's readings */
};

static int detect(const char *head, size_t n, const char *filename, char *why, size_t whylen)
{
	char buf[4097];
	size_t m = n < 4096 ? n : 4096;

	(void)filename;
	memcpy(buf, head, m);
	buf[m] = '\0';
	if (strstr(buf, "\"releves\"") && strstr(buf, "\"journeeGaziere\"")) {
		snprintf(why, whylen, "JSON with \"releves\" and \"journeeGaziere\" (GRDF)");
		return 95;
	}
	if (strstr(buf, "\"idPce\"") || strstr(buf, "\"journeeGaziere\"")) {
		snprintf(why, whylen, "JSON naming idPce or journeeGaziere");
		return 60;
	}
	snprintf(why, whylen, "no GRDF releves");
	return 0;
}

/*
 * decimal_milli - s ("-12.345") times 1000, exactly: at most three
 * decimals, |s| at most max. The holders write kWh and m3 with up to three
 * decimals; anything finer would be rounded, so it is refused instead.
 */
static enum cmn_rc decimal_milli(const char *s, int64_t max, int64_t *out)
{
	int64_t whole = 0, frac = 0;
	int neg = 0, digits = 0, decimals = 0;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	for (; *s >= '0' && *s <= '9'; s++, digits++) {
		whole = whole * 10 + (*s - '0');
		if (whole > max)
			return CMN_ERR_INVALID;
	}
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, decimals++) {
			if (decimals == 3) {
				if (*s != '0')
					return CMN_ERR_INVALID;
				continue;
			}
			frac = frac * 10 + (*s - '0');
			digits++;
		}
	}
	if (*s || !digits)
		return CMN_ERR_INVALID;
	for (; decimals < 3; decimals++)
		frac *= 10;
	*out = (whole * 1000 + frac) * (neg ? -1 : 1);
	return CMN_OK;
}

/* json_milli - a JSON number (or numeric string) times 1000, exactly. */
static enum cmn_rc json_milli(const json_t *v, int64_t *out)
{
	char text[64];

	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);

		if (i > GRDF_MAX_KWH || i < -GRDF_MAX_KWH)
			return CMN_ERR_INVALID;
		*out = (int64_t)i * 1000;
		return CMN_OK;
	}
	if (json_is_real(v)) {
		/* 15 significant digits give back any decimal literal that has
		 * at most 15 of them, which a meter reading has */
		snprintf(text, sizeof(text), "%.15g", json_real_value(v));
		return decimal_milli(text, GRDF_MAX_KWH, out);
	}
	if (json_is_string(v))
		return decimal_milli(json_string_value(v), GRDF_MAX_KWH, out);
	return CMN_ERR_INVALID;
}

/* rank - 1 for a provisional reading, 2 for a final one. */
static int rank(const json_t *r)
{
	static const char *const provisional[] = {"Estim\xc3\xa9", "Provisoire", "Estime",
						  "provisional", NULL};
	const char *q = json_string_value(json_object_get(r, "qualificationReleve"));
	const char *st = json_string_value(json_object_get(r, "status"));

	for (size_t i = 0; provisional[i]; i++)
		if ((q && strcmp(q, provisional[i]) == 0) ||
		    (st && strcmp(st, provisional[i]) == 0))
			return 1;
	return 2;
}

static int cmp_reading(const void *a, const void *b)
{
	const struct reading *x = a, *y = b;

	if (x->pce != y->pce)
		return x->pce < y->pce ? -1 : 1;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank - y->rank;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* read_one - one reading of releves; pointer names it in errors. */
static enum cmn_rc read_one(struct import_job *j, const json_t *r, const char *pointer,
			    size_t order, struct reading *out)
{
	const char *day = json_string_value(json_object_get(r, "journeeGaziere"));
	const json_t *e = json_object_get(r, "energieConsomme");
	const json_t *v = json_object_get(r, "volumeBrutConsomme");
	char at[160];

	if (!json_is_object(r))
		return import_fail_at(j, pointer, "expected a reading (an object)");
	if (!day || !time_is_date(day) || time_parse(day, true, &out->t) != CMN_OK)
		return import_fail_at(j, pointer, "expected journeeGaziere as a date (YYYY-MM-DD)");
	out->has_wh = e && !json_is_null(e);
	out->has_litres = v && !json_is_null(v);
	snprintf(at, sizeof(at), "%.100s/energieConsomme", pointer);
	if (out->has_wh && (json_milli(e, &out->wh) != CMN_OK || out->wh < 0))
		return import_fail_at(j, at,
				      "expected an energy in kWh: a number from 0 to 10^9 "
				      "with at most 3 decimals");
	snprintf(at, sizeof(at), "%.100s/volumeBrutConsomme", pointer);
	if (out->has_litres && (json_milli(v, &out->litres) != CMN_OK || out->litres < 0))
		return import_fail_at(j, at,
				      "expected a volume in m3: a number from 0 to 10^9 "
				      "with at most 3 decimals");
	out->rank = rank(r);
	out->order = order;
	return CMN_OK;
}

/* point - the kept reading of a gas day of PCE pce as its two points; a
 * gap counted. */
static enum cmn_rc point(struct import_job *j, const char *pce, const struct reading *r,
			 size_t *gaps)
{
	char meta[64], vkey[GRDF_PCE_LEN + 8];
	struct import_series energy = {
	    .doctype = "energy.gas.consumption",
	    .source = "grdf",
	    .key = pce,
	    .unit = "Wh",
	    .step = 86400000,
	    .tz = "Europe/Paris",
	    .meta = meta,
	};
	struct import_series volume = energy;
	struct series_point p = {r->t, r->wh};
	enum cmn_rc rc = CMN_OK;

	snprintf(meta, sizeof(meta), "{\"pce\":\"%s\"}", pce);
	snprintf(vkey, sizeof(vkey), "%s.volume", pce);
	volume.key = vkey;
	volume.unit = "m3e-3";
	if (r->has_wh)
		rc = import_points(j, &energy, &p, 1);
	p.v = r->litres;
	if (rc == CMN_OK && r->has_litres)
		rc = import_points(j, &volume, &p, 1);
	*gaps += !r->has_wh && !r->has_litres;
	return rc;
}

/*
 * The file is streamed (jsonstream.h) in two passes, since JSON gives no
 * order to an object's members: the first checks the shape and reads each
 * PCE's idPce (the readings are skipped), the second reads the readings one
 * at a time. Only their figures are kept (48 bytes each), to sort them by
 * PCE and day and keep one a day: through an external sort (extsort.h), so
 * that a large file costs a few MiB of memory and a temporary file.
 */
#define GRDF_MAX_PCES (IMPORT_MAX_SERIES / 2) /* two series each */

struct pce_state {
	char key[GRDF_PCE_LEN + 1]; /* its key in the file, or "" (one PCE, no key) */
	char id[GRDF_PCE_LEN + 1];  /* idPce, or the key */
	bool releves;
	size_t n;                   /* its readings so far */
};

struct grdf {
	struct import_job *j;
	bool pass2;
	bool single;                /* {"idPce", "releves"} at the top */
	struct pce_state p[GRDF_MAX_PCES];
	size_t np;
	struct extsort sort;        /* the readings of every PCE */
	json_t *single_id;
	char too_many[GRDF_PCE_LEN + 1]; /* the first PCE beyond GRDF_MAX_PCES */
	bool refused;                    /* a top-level key that is no PCE (said) */
};

static bool digits14(const char *s)
{
	return strlen(s) == GRDF_PCE_LEN && strspn(s, "0123456789") == GRDF_PCE_LEN;
}

/* pce_of - the PCE whose key starts path ("" for the single form) */
static struct pce_state *pce_of(struct grdf *g, const char *key)
{
	for (size_t i = 0; i < g->np; i++)
		if (strcmp(g->p[i].key, key) == 0)
			return &g->p[i];
	return NULL;
}

static enum jstream_want g_want(void *ctx, const char *path)
{
	struct grdf *g = ctx;
	const char *slash = strchr(path, '/');

	if (!slash) {
		if (strcmp(path, "releves") == 0) {
			g->single = true;
			if (!pce_of(g, "") && g->np < GRDF_MAX_PCES)
				g->np++; /* the single PCE: key "" */
			return g->pass2 ? JSTREAM_ELEMENTS : JSTREAM_SKIP;
		}
		if (strcmp(path, "idPce") == 0)
			return g->pass2 ? JSTREAM_SKIP : JSTREAM_VALUE;
		/* a PCE of the object of PCEs */
		if (!g->pass2 && digits14(path) && !pce_of(g, path)) {
			if (g->np < GRDF_MAX_PCES)
				str_copy(g->p[g->np++].key, sizeof(g->p[0].key), path);
			else if (!g->too_many[0])
				str_copy(g->too_many, sizeof(g->too_many), path);
		}
		return JSTREAM_DESCEND;
	}
	if (strcmp(slash + 1, "releves") == 0)
		return g->pass2 ? JSTREAM_ELEMENTS : JSTREAM_SKIP;
	if (strcmp(slash + 1, "idPce") == 0 && !g->pass2)
		return JSTREAM_VALUE;
	return JSTREAM_SKIP;
}

static enum cmn_rc g_piece(void *ctx, const struct jstream_piece *pc)
{
	struct grdf *g = ctx;
	char key[GRDF_PCE_LEN + 2] = "", at[160];
	const char *slash = strchr(pc->key, '/');
	struct pce_state *ps;
	struct reading r;
	enum cmn_rc rc;

	if (slash && (size_t)(slash - pc->key) <= GRDF_PCE_LEN)
		memcpy(key, pc->key, (size_t)(slash - pc->key));
	ps = pce_of(g, key);
	if (!g->pass2) {
		/* an idPce: of the single form, or of a PCE of the object */
		if (!slash) {
			json_decref(g->single_id);
			g->single_id = json_incref(pc->value);
		} else if (ps && json_is_string(pc->value) &&
			   strlen(json_string_value(pc->value)) <= GRDF_PCE_LEN) {
			str_copy(ps->id, sizeof(ps->id), json_string_value(pc->value));
		} else if (ps) {
			return import_fail_at(g->j, "/", "expected a PCE of 14 digits (idPce)");
		}
		return CMN_OK;
	}
	if (!ps)
		return CMN_OK;
	if (ps->n == GRDF_MAX_READINGS)
		return import_fail_at(g->j, "/", "more than %d readings", GRDF_MAX_READINGS);
	snprintf(at, sizeof(at), "/%s", pc->key);
	snprintf(at + strlen(at), sizeof(at) - strlen(at), "/%zu", pc->index);
	memset(&r, 0, sizeof(r)); /* no stray bytes in the temporary file */
	rc = read_one(g->j, pc->value, at, ps->n++, &r);
	r.pce = (unsigned)(ps - g->p);
	return rc == CMN_OK ? extsort_add(&g->sort, &r) : rc;
}

/* emit - the readings in order (of PCE, day, rank, position), the last
 * (the best) of each day of each PCE as points; a warning for each PCE's
 * gaps. */
static enum cmn_rc emit(struct grdf *g)
{
	struct reading last;
	const void *item;
	bool have = false;
	size_t gaps = 0;
	enum cmn_rc rc = extsort_sort(&g->sort);

	while (rc == CMN_OK && (rc = extsort_next(&g->sort, &item)) == CMN_OK && item) {
		const struct reading *r = item;

		if (have && (r->pce != last.pce || r->t != last.t))
			rc = point(g->j, g->p[last.pce].id, &last, &gaps);
		if (rc != CMN_OK)
			break;
		if (have && r->pce != last.pce && gaps) {
			import_warn(g->j, "PCE %s: %zu gas days without data (gaps)",
				    g->p[last.pce].id, gaps);
			gaps = 0;
		}
		last = *r; /* a better or later reading of the same day replaces it */
		have = true;
	}
	if (rc == CMN_OK && have)
		rc = point(g->j, g->p[last.pce].id, &last, &gaps);
	if (have && gaps)
		import_warn(g->j, "PCE %s: %zu gas days without data (gaps)", g->p[last.pce].id,
			    gaps);
	return rc;
}

/* check_pces - after the first pass: each PCE named, with its releves */
static enum cmn_rc check_pces(struct grdf *g)
{
	if (g->too_many[0]) {
		char at[32];

		snprintf(at, sizeof(at), "/%s", g->too_many);
		return import_fail_at(g->j, at, "more than %d PCEs in one file", GRDF_MAX_PCES);
	}
	if (g->single) {
		const char *id = json_string_value(g->single_id);

		if (g->np != 1 || g->p[0].key[0])
			return import_fail_at(g->j, "", "releves beside PCEs: one form or the other");
		if (!id || !digits14(id))
			return import_fail_at(g->j, "/", "expected a PCE of 14 digits (idPce or the key)");
		str_copy(g->p[0].id, sizeof(g->p[0].id), id);
		return CMN_OK;
	}
	if (g->np == 0)
		return import_fail_at(g->j, "", "no PCE in the file");
	for (size_t i = 0; i < g->np; i++) {
		char at[32];

		snprintf(at, sizeof(at), "/%s", g->p[i].key);
		if (g->p[i].id[0] && strcmp(g->p[i].id, g->p[i].key) != 0)
			return import_fail_at(g->j, at, "the key and idPce name two PCEs");
		str_copy(g->p[i].id, sizeof(g->p[i].id), g->p[i].key);
	}
	return CMN_OK;
}

static enum jstream_want g_want_shape(void *ctx, const char *path)
{
	struct grdf *g = ctx;

	/* the first pass refuses keys that are not PCEs, at the top */
	if (!strchr(path, '/') && strcmp(path, "releves") != 0 && strcmp(path, "idPce") != 0 &&
	    !digits14(path)) {
		if (!g->refused)
			import_fail_at(g->j, "",
				       "expected the keys of the file to be PCEs (14 digits)");
		g->refused = true;
		return JSTREAM_SKIP;
	}
	return g_want(ctx, path);
}

static enum cmn_rc run(struct import_job *j, struct import_input *in)
{
	static const struct jstream_ops ops1 = {
	    .want = g_want_shape, .piece = g_piece, .piece_max = 1 << 20, .depth_max = 32,
	    .shape = "an object of PCEs"};
	static const struct jstream_ops ops2 = {
	    .want = g_want, .piece = g_piece, .piece_max = 1 << 20, .depth_max = 32,
	    .shape = "an object of PCEs"};
	struct grdf *g = calloc(1, sizeof(*g));
	enum cmn_rc rc;

	if (!g)
		return CMN_ERR_NOMEM;
	g->j = j;
	g->sort.size = sizeof(struct reading);
	g->sort.cmp = cmp_reading;
	rc = jstream_run(j, in->f, &ops1, g);
	if (rc == CMN_OK && g->refused)
		rc = CMN_ERR_INVALID; /* a top-level key that is no PCE: said already */
	if (rc == CMN_OK)
		rc = check_pces(g);
	if (rc == CMN_OK) {
		g->pass2 = true;
		rewind(in->f);
		rc = jstream_run(j, in->f, &ops2, g);
	}
	if (rc == CMN_OK)
		rc = emit(g);
	extsort_release(&g->sort);
	json_decref(g->single_id);
	free(g);
	return rc;
}

const struct import_format import_grdf = {
    "grdf-json",
    "GRDF customer-site JSON: daily gas energy (Wh) and volume (litres) per PCE",
    detect,
    run,
};
