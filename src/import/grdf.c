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

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "core/timeutil.h"

#define GRDF_MAX_BYTES    (64u * 1024 * 1024) /* the whole JSON document */
#define GRDF_MAX_READINGS 200000              /* readings of one PCE (550 years of days) */
#define GRDF_MAX_KWH      1000000000LL        /* |energy| or |volume| of one day */
#define GRDF_PCE_LEN      14

struct reading {
	int64_t t; /* 00:00 UTC of the gas day */
	int64_t wh, litres;
	bool has_wh, has_litres;
	int rank;     /* 1 provisional, 2 final */
	size_t order; /* position in the file */
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

/* emit - the kept readings (sorted, one per day) as the two series. */
static enum cmn_rc emit(struct import_job *j, const char *pce, const struct reading *rd, size_t n)
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
	size_t gaps = 0;
	enum cmn_rc rc = CMN_OK;

	snprintf(meta, sizeof(meta), "{\"pce\":\"%s\"}", pce);
	snprintf(vkey, sizeof(vkey), "%s.volume", pce);
	volume.key = vkey;
	volume.unit = "m3e-3";
	for (size_t i = 0; i < n && rc == CMN_OK; i++) {
		struct series_point p = {rd[i].t, rd[i].wh};

		if (i + 1 < n && rd[i + 1].t == rd[i].t)
			continue; /* a better or later reading of the same day follows */
		if (rd[i].has_wh)
			rc = import_points(j, &energy, &p, 1);
		p.v = rd[i].litres;
		if (rc == CMN_OK && rd[i].has_litres)
			rc = import_points(j, &volume, &p, 1);
		gaps += !rd[i].has_wh && !rd[i].has_litres;
	}
	if (gaps)
		import_warn(j, "PCE %s: %zu gas days without data (gaps)", pce, gaps);
	return rc;
}

/* read_pce - the releves of one PCE (name is its key in the file, or ""). */
static enum cmn_rc read_pce(struct import_job *j, const char *name, const json_t *o)
{
	const char *pce = json_string_value(json_object_get(o, "idPce"));
	const json_t *rel = json_object_get(o, "releves");
	struct reading *rd = NULL;
	char pointer[128];
	size_t n;
	enum cmn_rc rc = CMN_OK;

	if (name[0] && (strlen(name) != GRDF_PCE_LEN || strspn(name, "0123456789") != GRDF_PCE_LEN))
		return import_fail_at(j, "",
				      "expected the keys of the file to be PCEs (14 digits)");
	snprintf(pointer, sizeof(pointer), "%s%s", name[0] ? "/" : "", name);
	if (!json_is_object(o))
		return import_fail_at(j, pointer[0] ? pointer : "/", "expected a PCE object");
	if (!pce)
		pce = name;
	if (strlen(pce) != GRDF_PCE_LEN || strspn(pce, "0123456789") != GRDF_PCE_LEN)
		return import_fail_at(j, pointer[0] ? pointer : "/",
				      "expected a PCE of 14 digits (idPce or the key)");
	if (name[0] && strcmp(name, pce) != 0)
		return import_fail_at(j, pointer, "the key and idPce name two PCEs");
	if (!json_is_array(rel))
		return import_fail_at(j, pointer[0] ? pointer : "/", "expected releves, an array");
	n = json_array_size(rel);
	if (n > GRDF_MAX_READINGS)
		return import_fail_at(j, pointer[0] ? pointer : "/", "more than %d readings",
				      GRDF_MAX_READINGS);
	if (n == 0)
		return CMN_OK;
	rd = calloc(n, sizeof(*rd));
	if (!rd)
		return CMN_ERR_NOMEM;
	for (size_t i = 0; i < n && rc == CMN_OK; i++) {
		char at[160];

		snprintf(at, sizeof(at), "%s/releves/%zu", pointer, i);
		rc = read_one(j, json_array_get(rel, i), at, i, &rd[i]);
	}
	if (rc == CMN_OK) {
		qsort(rd, n, sizeof(*rd), cmp_reading);
		rc = emit(j, pce, rd, n);
	}
	free(rd);
	return rc;
}

static enum cmn_rc run(struct import_job *j, struct import_input *in)
{
	json_error_t err;
	json_t *root = NULL, *o;
	const char *name;
	char *text = NULL;
	size_t len = 0;
	enum cmn_rc rc = import_read_all(j, in, GRDF_MAX_BYTES, &text, &len);

	if (rc != CMN_OK)
		return rc;
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
	free(text);
	if (!root)
		return import_fail(j, (size_t)(err.line > 0 ? err.line : 0),
				   (size_t)(err.column > 0 ? err.column : 0), "JSON: %s", err.text);
	if (!json_is_object(root)) {
		rc = import_fail_at(j, "", "expected an object of PCEs");
	} else if (json_object_get(root, "releves")) {
		rc = read_pce(j, "", root);
	} else if (json_object_size(root) == 0) {
		rc = import_fail_at(j, "", "no PCE in the file");
	} else {
		json_object_foreach(root, name, o)
		{
			rc = read_pce(j, name, o);
			if (rc != CMN_OK)
				break;
		}
	}
	json_decref(root);
	return rc;
}

const struct import_format import_grdf = {
    "grdf-json",
    "GRDF customer-site JSON: daily gas energy (Wh) and volume (litres) per PCE",
    detect,
    run,
};
