/*
 * spec.c - a campaign's definition: its checks, member by member in the
 * order of docs/campaigns.md, and its canonical JSON. See spec.h.
 *
 * Every check stops at the first fault and names it with a JSON pointer,
 * like grant_terms_check: a definition is written by an organisation's
 * staff, who fix one thing at a time.
 */
#include "campaign/spec.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonparse.h"
#include "core/jsonput.h"
#include "core/jsontext.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "record/schema.h"

#define DAY_MS INT64_C(86400000)
#define POW10_MAX 18                     /* 10^18 < 2^64 */

static const char *const dim_names[CAMPAIGN_DIM_COUNT] = {
	[CAMPAIGN_DIM_DISTRICT] = "district",
	[CAMPAIGN_DIM_HOUR_OF_DAY] = "hour_of_day",
	[CAMPAIGN_DIM_WEEKDAY] = "weekday",
	[CAMPAIGN_DIM_MONTH] = "month",
	[CAMPAIGN_DIM_MODE] = "mode",
	[CAMPAIGN_DIM_HOUSEHOLD_SIZE_BAND] = "household_size_band",
	[CAMPAIGN_DIM_HEATING_TYPE] = "heating_type",
	[CAMPAIGN_DIM_ORIGIN_DISTRICT] = "origin_district",
	[CAMPAIGN_DIM_DESTINATION_DISTRICT] = "destination_district",
};

static const char *const measure_names[CAMPAIGN_MEASURE_KIND_COUNT] = {
	[CAMPAIGN_MEASURE_COUNT] = "count",
	[CAMPAIGN_MEASURE_SUM] = "sum",
	[CAMPAIGN_MEASURE_MEAN] = "mean",
	[CAMPAIGN_MEASURE_HISTOGRAM] = "histogram",
};

static const char *const mechanism_names[CAMPAIGN_MECH_COUNT] = {
	[CAMPAIGN_MECH_LAPLACE] = "laplace",
	[CAMPAIGN_MECH_GAUSSIAN] = "gaussian",
};

static const char *const body_names[CAMPAIGN_BODY_COUNT] = {
	[CAMPAIGN_BODY_TRUST] = "trust",
	[CAMPAIGN_BODY_COOPERATIVE] = "cooperative",
	[CAMPAIGN_BODY_OPERATOR] = "operator",
};

static const char *const licence_names[CAMPAIGN_LICENCE_COUNT] = {
	[CAMPAIGN_LICENCE_ETALAB_2_0] = "etalab-2.0",
	[CAMPAIGN_LICENCE_ODBL_1_0] = "ODbL-1.0",
	[CAMPAIGN_LICENCE_CC_BY_4_0] = "CC-BY-4.0",
	[CAMPAIGN_LICENCE_CC0_1_0] = "CC0-1.0",
};

/* the transport mode is a field of trips, and of nothing else */
#define MODE_DOCTYPE "mobility.trip"

static const char *name_at(const char *const *names, size_t n, unsigned i)
{
	return i < n ? names[i] : "?";
}

const char *campaign_dim_name(enum campaign_dim d)
{
	return name_at(dim_names, CAMPAIGN_DIM_COUNT, (unsigned)d);
}

const char *campaign_measure_name(enum campaign_measure_kind k)
{
	return name_at(measure_names, CAMPAIGN_MEASURE_KIND_COUNT, (unsigned)k);
}

const char *campaign_mechanism_name(enum campaign_mechanism m)
{
	return name_at(mechanism_names, CAMPAIGN_MECH_COUNT, (unsigned)m);
}

const char *campaign_body_name(enum campaign_body b)
{
	return name_at(body_names, CAMPAIGN_BODY_COUNT, (unsigned)b);
}

const char *campaign_licence_name(enum campaign_licence l)
{
	return name_at(licence_names, CAMPAIGN_LICENCE_COUNT, (unsigned)l);
}

/* name_find - the index of s among the n names, or -1 (s may be NULL). */
static int name_find(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; s && i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	return -1;
}

/* ---- texts and ids ------------------------------------------------------ */

/* text_fits - s is not blank and has no control character but, when
 * lines is true, line feeds: a title is one line, a purpose may be more. */
static bool text_fits(const char *s, bool lines)
{
	bool blank = true;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p < 0x20 && !(lines && *p == '\n')) || *p == 0x7f)
			return false;
		if (*p != ' ' && *p != '\n')
			blank = false;
	}
	return !blank;
}

/* check_text - member key of def, {"fr": ..., "en": ...} of at most max
 * bytes each, copied into *out. */
static enum cmn_rc check_text(const json_t *def, const char *key, size_t max, bool lines,
			      struct campaign_text *out, char *err, size_t n)
{
	static const char *const langs[] = {"fr", "en", NULL};
	const json_t *o = json_object_get(def, key);
	char **dst[] = {&out->fr, &out->en};
	const char *bad;

	if (!json_is_object(o))
		return schema_fault(err, n, "/%s: an object {\"fr\": ..., \"en\": ...} is required", key);
	if ((bad = json_member_outside(o, langs)))
		return schema_fault(err, n, "/%s/%.40s: only fr and en are known", key, bad);
	for (size_t i = 0; langs[i]; i++) {
		const char *s = json_string_value(json_object_get(o, langs[i]));

		if (!s || !text_fits(s, lines))
			return schema_fault(err, n, "/%s/%s: a text is required%s", key, langs[i],
					    lines ? "" : " (one line)");
		if (strlen(s) > max)
			return schema_fault(err, n, "/%s/%s: at most %zu bytes", key, langs[i], max);
		*dst[i] = strdup(s);
		if (!*dst[i])
			return CMN_ERR_NOMEM;
	}
	return CMN_OK;
}

static enum cmn_rc check_organisation(const json_t *def, struct campaign_spec *out, char *err,
				      size_t n)
{
	const char *id = json_string_value(json_object_get(def, "organisation"));

	if (!id || strlen(id) != CRYPT_ID_LEN - 1 ||
	    strspn(id, "0123456789abcdef") != CRYPT_ID_LEN - 1)
		return schema_fault(err, n, "/organisation: the organisation's id (32 lowercase hex"
				    " digits) is required");
	str_copy(out->organisation, sizeof(out->organisation), id);
	return CMN_OK;
}

/* ---- source and period -------------------------------------------------- */

/* find_doctype - the doctype named at /source/key, which must be of kind;
 * NULL, with the fault in err, when it is not. */
static const struct doctype *find_doctype(const json_t *src, const char *key, const char *kind,
					  const struct registry *reg, char *err, size_t n)
{
	const char *name = json_string_value(json_object_get(src, key));
	const struct doctype *dt = name ? registry_find(reg, name) : NULL;

	if (!dt) {
		schema_fault(err, n, "/source/%s: not a doctype of the registry", key);
		return NULL;
	}
	if (strcmp(dt->kind, kind) != 0) {
		schema_fault(err, n, "/source/%s: %s is not a %s doctype", key, name,
			     strcmp(kind, "timeseries") == 0 ? "time series" : "document");
		return NULL;
	}
	return dt;
}

/* check_value - the field of records that gives the values: a number. */
static enum cmn_rc check_value(const json_t *src, const struct doctype *dt,
			       struct campaign_spec *out, char *err, size_t n)
{
	const char *field = json_string_value(json_object_get(src, "value"));
	const char *type;

	if (!field || !str_is_name(field, CAMPAIGN_FIELD_MAX, false))
		return schema_fault(err, n, "/source/value: the name of a field is required");
	type = doctype_field_type(dt, field);
	if (!type || (strcmp(type, "integer") != 0 && strcmp(type, "number") != 0))
		return schema_fault(err, n, "/source/value: %s is not a numeric field of %s", field,
				    dt->name);
	str_copy(out->value, sizeof(out->value), field);
	return CMN_OK;
}

/* check_source - the doctype the values come from, or NULL with the
 * fault in err. */
static const struct doctype *check_source(const json_t *def, const struct registry *reg,
					  struct campaign_spec *out, char *err, size_t n)
{
	static const char *const series[] = {"series", NULL};
	static const char *const records[] = {"records", "value", NULL};
	const json_t *src = json_object_get(def, "source");
	const struct doctype *dt;
	const char *bad;

	if (!json_is_object(src) || (!json_object_get(src, "series") &&
				     !json_object_get(src, "records"))) {
		schema_fault(err, n, "/source: {\"series\": DOCTYPE} or {\"records\": DOCTYPE,"
			     " \"value\": FIELD} is required");
		return NULL;
	}
	out->source = json_object_get(src, "series") ? CAMPAIGN_SOURCE_SERIES :
						       CAMPAIGN_SOURCE_RECORDS;
	bad = json_member_outside(src, out->source == CAMPAIGN_SOURCE_SERIES ? series : records);
	if (bad) {
		schema_fault(err, n, "/source/%.40s: not a member of a %s source", bad,
			     out->source == CAMPAIGN_SOURCE_SERIES ? "series" : "records");
		return NULL;
	}
	if (out->source == CAMPAIGN_SOURCE_SERIES)
		dt = find_doctype(src, "series", "timeseries", reg, err, n);
	else
		dt = find_doctype(src, "records", "document", reg, err, n);
	if (!dt)
		return NULL;
	str_copy(out->doctype, sizeof(out->doctype), dt->name);
	if (out->source == CAMPAIGN_SOURCE_RECORDS && check_value(src, dt, out, err, n) != CMN_OK)
		return NULL;
	return dt;
}

/* in_years - t is within the years a definition may name */
static bool in_years(int64_t t)
{
	return t >= time_days_from_civil(CAMPAIGN_YEAR_MIN, 1, 1) * DAY_MS &&
	       t < time_days_from_civil(CAMPAIGN_YEAR_MAX + 1, 1, 1) * DAY_MS;
}

/* read_time - member key of o as an RFC 3339 date-time (or a date when
 * date_ok) within the allowed years; where is o's pointer. */
static enum cmn_rc read_time(const json_t *o, const char *where, const char *key, bool date_ok,
			     int64_t *t, char *err, size_t n)
{
	const char *s = json_string_value(json_object_get(o, key));

	if (!s || time_parse(s, date_ok, t) != CMN_OK)
		return schema_fault(err, n, "%s/%s: an RFC 3339 %s is required", where, key,
				    date_ok ? "date or date-time" : "date-time");
	if (!in_years(*t))
		return schema_fault(err, n, "%s/%s: must be in the years %d to %d", where, key,
				    CAMPAIGN_YEAR_MIN, CAMPAIGN_YEAR_MAX);
	return CMN_OK;
}

static enum cmn_rc check_period(const json_t *def, struct campaign_spec *out, char *err, size_t n)
{
	static const char *const known[] = {"from", "to", NULL};
	const json_t *p = json_object_get(def, "period");
	const char *bad;
	enum cmn_rc rc;

	if (!json_is_object(p))
		return schema_fault(err, n, "/period: an object {\"from\": ..., \"to\": ...} is required");
	if ((bad = json_member_outside(p, known)))
		return schema_fault(err, n, "/period/%.40s: only from and to are known", bad);
	rc = read_time(p, "/period", "from", true, &out->from, err, n);
	if (rc == CMN_OK)
		rc = read_time(p, "/period", "to", true, &out->to, err, n);
	if (rc == CMN_OK && out->to <= out->from)
		rc = schema_fault(err, n, "/period/to: must come after from");
	if (rc == CMN_OK && out->to - out->from > CAMPAIGN_PERIOD_MAX_DAYS * DAY_MS)
		rc = schema_fault(err, n, "/period/to: at most %d days after from",
				  CAMPAIGN_PERIOD_MAX_DAYS);
	return rc;
}

/* ---- the aggregate -------------------------------------------------------- */

/* dim_fits - whether dimension d can be computed from the source: the
 * transport mode and the districts of its ends only from trips, times only
 * from data that has one. */
static bool dim_fits(enum campaign_dim d, const struct campaign_spec *s, const struct doctype *dt)
{
	if (d == CAMPAIGN_DIM_MODE || d == CAMPAIGN_DIM_ORIGIN_DISTRICT ||
	    d == CAMPAIGN_DIM_DESTINATION_DISTRICT)
		return s->source == CAMPAIGN_SOURCE_RECORDS && strcmp(dt->name, MODE_DOCTYPE) == 0;
	if (d == CAMPAIGN_DIM_HOUR_OF_DAY || d == CAMPAIGN_DIM_WEEKDAY || d == CAMPAIGN_DIM_MONTH)
		return s->source == CAMPAIGN_SOURCE_SERIES || dt->time_field;
	return true;
}

static enum cmn_rc check_group_by(const json_t *def, const struct doctype *dt,
				  struct campaign_spec *out, char *err, size_t n)
{
	const json_t *a = json_object_get(def, "group_by");
	size_t i, j;
	json_t *v;

	if (!a)
		return CMN_OK;                       /* no dimension: one cell */
	if (!json_is_array(a) || json_array_size(a) > CAMPAIGN_GROUP_MAX)
		return schema_fault(err, n, "/group_by: an array of at most %d dimensions is required",
				    CAMPAIGN_GROUP_MAX);
	json_array_foreach(a, i, v) {
		int d = name_find(dim_names, CAMPAIGN_DIM_COUNT, json_string_value(v));

		if (d < 0)
			return schema_fault(err, n, "/group_by/%zu: not one of the public dimensions"
					    " (docs/campaigns.md)", i);
		for (j = 0; j < i; j++)
			if (out->group_by[j] == (enum campaign_dim)d)
				return schema_fault(err, n, "/group_by/%zu: given twice", i);
		if (!dim_fits((enum campaign_dim)d, out, dt))
			return schema_fault(err, n, "/group_by/%zu: %s cannot be computed from %s", i,
					    dim_names[d], out->doctype);
		out->group_by[i] = (enum campaign_dim)d;
		out->ngroup = i + 1;
	}
	return CMN_OK;
}

/* read_bound - element i of array a as an integer within +-CAMPAIGN_VALUE_MAX. */
static enum cmn_rc read_bound(const json_t *a, size_t i, const char *where, int64_t *v, char *err,
			      size_t n)
{
	const json_t *x = json_array_get(a, i);

	if (!json_is_integer(x) || json_integer_value(x) < -CAMPAIGN_VALUE_MAX ||
	    json_integer_value(x) > CAMPAIGN_VALUE_MAX)
		return schema_fault(err, n, "%s/%zu: an integer from %d to %d is required", where, i,
				    -CAMPAIGN_VALUE_MAX, CAMPAIGN_VALUE_MAX);
	*v = json_integer_value(x);
	return CMN_OK;
}

static enum cmn_rc check_clip(const json_t *m, const char *where, struct campaign_measure *out,
			      char *err, size_t n)
{
	const json_t *clip = json_object_get(m, "clip");
	char at[48];
	enum cmn_rc rc;

	snprintf(at, sizeof(at), "%s/clip", where);
	if (!json_is_array(clip) || json_array_size(clip) != 2)
		return schema_fault(err, n, "%s: the bounds [L, U] of each person's value are required",
				    at);
	rc = read_bound(clip, 0, at, &out->lo, err, n);
	if (rc == CMN_OK)
		rc = read_bound(clip, 1, at, &out->hi, err, n);
	if (rc == CMN_OK && out->lo > out->hi)
		rc = schema_fault(err, n, "%s/1: must not be below the lower bound", at);
	return rc;
}

static enum cmn_rc check_bins(const json_t *m, const char *where, struct campaign_measure *out,
			      char *err, size_t n)
{
	const json_t *bins = json_object_get(m, "bins");
	char at[48];
	enum cmn_rc rc;

	snprintf(at, sizeof(at), "%s/bins", where);
	if (!json_is_array(bins) || json_array_size(bins) < CAMPAIGN_BINS_MIN ||
	    json_array_size(bins) > CAMPAIGN_BINS_MAX)
		return schema_fault(err, n, "%s: an array of %d to %d edges is required", at,
				    CAMPAIGN_BINS_MIN, CAMPAIGN_BINS_MAX);
	for (size_t i = 0; i < json_array_size(bins); i++) {
		rc = read_bound(bins, i, at, &out->bins[i], err, n);
		if (rc != CMN_OK)
			return rc;
		if (i > 0 && out->bins[i] <= out->bins[i - 1])
			return schema_fault(err, n, "%s/%zu: edges must be strictly ascending", at, i);
		out->nbins = i + 1;
	}
	return CMN_OK;
}

static enum cmn_rc check_measure(const json_t *m, size_t i, struct campaign_measure *out,
				 char *err, size_t n)
{
	static const char *const plain[] = {"kind", NULL};
	static const char *const clipped[] = {"kind", "clip", NULL};
	static const char *const binned[] = {"kind", "bins", NULL};
	static const char *const *const members[] = {
		[CAMPAIGN_MEASURE_COUNT] = plain, [CAMPAIGN_MEASURE_SUM] = clipped,
		[CAMPAIGN_MEASURE_MEAN] = clipped, [CAMPAIGN_MEASURE_HISTOGRAM] = binned,
	};
	char where[32];
	const char *bad;
	int k;

	snprintf(where, sizeof(where), "/measures/%zu", i);
	k = name_find(measure_names, CAMPAIGN_MEASURE_KIND_COUNT,
		      json_string_value(json_object_get(m, "kind")));
	if (!json_is_object(m) || k < 0)
		return schema_fault(err, n, "%s/kind: one of count, sum, mean, histogram is required",
				    where);
	out->kind = (enum campaign_measure_kind)k;
	if ((bad = json_member_outside(m, members[k])))
		return schema_fault(err, n, "%s/%.40s: not a member of a %s", where, bad,
				    measure_names[k]);
	if (k == CAMPAIGN_MEASURE_SUM || k == CAMPAIGN_MEASURE_MEAN)
		return check_clip(m, where, out, err, n);
	if (k == CAMPAIGN_MEASURE_HISTOGRAM)
		return check_bins(m, where, out, err, n);
	return CMN_OK;
}

static bool measure_equal(const struct campaign_measure *a, const struct campaign_measure *b)
{
	if (a->kind != b->kind || a->lo != b->lo || a->hi != b->hi || a->nbins != b->nbins)
		return false;
	return memcmp(a->bins, b->bins, a->nbins * sizeof(*a->bins)) == 0;
}

static enum cmn_rc check_measures(const json_t *def, struct campaign_spec *out, char *err,
				  size_t n)
{
	const json_t *a = json_object_get(def, "measures");
	enum cmn_rc rc;
	size_t i, j;
	json_t *m;

	if (!json_is_array(a) || json_array_size(a) == 0 ||
	    json_array_size(a) > CAMPAIGN_MEASURES_MAX)
		return schema_fault(err, n, "/measures: an array of 1 to %d measures is required",
				    CAMPAIGN_MEASURES_MAX);
	json_array_foreach(a, i, m) {
		rc = check_measure(m, i, &out->measures[i], err, n);
		if (rc != CMN_OK)
			return rc;
		for (j = 0; j < i; j++)
			if (measure_equal(&out->measures[j], &out->measures[i]))
				return schema_fault(err, n, "/measures/%zu: the same as /measures/%zu",
						    i, j);
		out->nmeasures = i + 1;
	}
	return CMN_OK;
}

/* ---- privacy --------------------------------------------------------------- */

static bool pow10_of(unsigned e, uint64_t *out)
{
	uint64_t p = 1;

	if (e > POW10_MAX)
		return false;
	while (e--)
		p *= 10;
	*out = p;
	return true;
}

/* ratio_exponent - r times 10^e, reduced; false on overflow. */
static bool ratio_exponent(struct dp_ratio *r, int e)
{
	uint64_t p;

	if (!pow10_of((unsigned)(e < 0 ? -e : e), &p))
		return false;
	if (e < 0 ? __builtin_mul_overflow(r->den, p, &r->den) :
		    __builtin_mul_overflow(r->num, p, &r->num))
		return false;
	*r = dp_ratio_reduce(*r);
	return true;
}

/* ratio_text - reads "N", "N/D", "I.F" (dp_ratio_parse) and the same
 * followed by an exponent "e-9", "E+02" (|exponent| <= 18). */
static bool ratio_text(const char *s, struct dp_ratio *out)
{
	const char *e = strpbrk(s, "eE");
	size_t mant = e ? (size_t)(e - s) : strlen(s);
	int sign = 1, x = 0;
	const char *p;

	if (dp_ratio_parse(s, mant, out) != CMN_OK || (e && strchr(s, '/')))
		return false;
	if (!e)
		return true;
	p = e + 1;
	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	if (!*p || strlen(p) > 2 || strspn(p, "0123456789") != strlen(p))
		return false;
	while (*p)
		x = x * 10 + (*p++ - '0');
	return ratio_exponent(out, sign * x);
}

/* read_ratio - a JSON string as ratio_text reads it, or a JSON number:
 * an integer, or a real by its shortest decimal spelling (0.1 is 1/10). */
static bool read_ratio(const json_t *v, struct dp_ratio *out)
{
	char text[DP_RATIO_TEXT_MAX + 1];

	if (json_is_string(v)) {
		if (json_string_length(v) > DP_RATIO_TEXT_MAX)
			return false;
		str_copy(text, sizeof(text), json_string_value(v));
	} else if (json_is_integer(v)) {
		snprintf(text, sizeof(text), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	} else if (json_is_real(v)) {
		double x = json_real_value(v);

		for (int digits = 1; digits <= 17; digits++) {
			snprintf(text, sizeof(text), "%.*g", digits, x);
			if (strtod(text, NULL) == x)
				break;
		}
	} else {
		return false;
	}
	return ratio_text(text, out);
}

/* ratio_gt - a > b for rationals whose numerators and denominators are
 * below 2^64: compared as 128-bit products. */
static bool ratio_gt(struct dp_ratio a, struct dp_ratio b)
{
	return (unsigned __int128)a.num * b.den > (unsigned __int128)b.num * a.den;
}

static enum cmn_rc check_epsilon(const json_t *p, struct campaign_privacy *out, char *err, size_t n)
{
	const struct dp_ratio max = {CAMPAIGN_EPS_MAX, 1};

	if (!read_ratio(json_object_get(p, "epsilon"), &out->epsilon))
		return schema_fault(err, n, "/privacy/epsilon: a number or a rational as text (\"1/2\","
				    " \"0.5\") is required");
	if (out->epsilon.num == 0 || ratio_gt(out->epsilon, max))
		return schema_fault(err, n, "/privacy/epsilon: must be above 0 and at most %d",
				    CAMPAIGN_EPS_MAX);
	return CMN_OK;
}

static enum cmn_rc check_delta(const json_t *p, struct campaign_privacy *out, char *err, size_t n)
{
	const struct dp_ratio max = {1, CAMPAIGN_DELTA_INV_MIN};
	const json_t *v = json_object_get(p, "delta");

	out->delta = (struct dp_ratio){0, 1};
	if (out->mechanism != CAMPAIGN_MECH_GAUSSIAN)
		return v ? schema_fault(err, n, "/privacy/delta: only with the gaussian mechanism") :
			   CMN_OK;
	if (!read_ratio(v, &out->delta))
		return schema_fault(err, n, "/privacy/delta: a rational as text (\"1e-9\","
				    " \"0.000000001\") is required with the gaussian mechanism");
	if (out->delta.num == 0 || !ratio_gt(max, out->delta))
		return schema_fault(err, n, "/privacy/delta: must be above 0 and below 1/%d",
				    CAMPAIGN_DELTA_INV_MIN);
	return CMN_OK;
}

static enum cmn_rc check_privacy(const json_t *def, struct campaign_privacy *out, char *err,
				 size_t n)
{
	static const char *const known[] = {"k", "mechanism", "epsilon", "delta",
					    "max_cells_per_person", NULL};
	const json_t *p = json_object_get(def, "privacy"), *k, *cells;
	const char *bad;
	enum cmn_rc rc;
	int m;

	if (!json_is_object(p))
		return schema_fault(err, n, "/privacy: an object is required");
	if ((bad = json_member_outside(p, known)))
		return schema_fault(err, n, "/privacy/%.40s: not a privacy parameter", bad);
	k = json_object_get(p, "k");
	if (k && (!json_is_integer(k) || json_integer_value(k) < CAMPAIGN_K_MIN ||
		  json_integer_value(k) > CAMPAIGN_K_MAX))
		return schema_fault(err, n, "/privacy/k: an integer from %d to %d (default %d)",
				    CAMPAIGN_K_MIN, CAMPAIGN_K_MAX, DP_K_DEFAULT);
	out->k = k ? (uint64_t)json_integer_value(k) : DP_K_DEFAULT;
	m = name_find(mechanism_names, CAMPAIGN_MECH_COUNT,
		      json_string_value(json_object_get(p, "mechanism")));
	if (m < 0)
		return schema_fault(err, n, "/privacy/mechanism: laplace or gaussian is required");
	out->mechanism = (enum campaign_mechanism)m;
	rc = check_epsilon(p, out, err, n);
	if (rc == CMN_OK)
		rc = check_delta(p, out, err, n);
	if (rc != CMN_OK)
		return rc;
	cells = json_object_get(p, "max_cells_per_person");
	if (!json_is_integer(cells) || json_integer_value(cells) < 1 ||
	    json_integer_value(cells) > CAMPAIGN_CELLS_MAX)
		return schema_fault(err, n, "/privacy/max_cells_per_person: an integer from 1 to %d"
				    " is required", CAMPAIGN_CELLS_MAX);
	out->max_cells = (uint32_t)json_integer_value(cells);
	return CMN_OK;
}

/* ---- dates, governance, licence -------------------------------------------- */

static enum cmn_rc check_window(const json_t *def, struct campaign_spec *out, char *err, size_t n)
{
	enum cmn_rc rc = read_time(def, "", "opens", false, &out->opens, err, n);

	if (rc == CMN_OK)
		rc = read_time(def, "", "closes", false, &out->closes, err, n);
	if (rc == CMN_OK && out->closes <= out->opens)
		rc = schema_fault(err, n, "/closes: must come after opens");
	/* the contributions are computed when the campaign closes: the data
	 * asked for must exist by then */
	if (rc == CMN_OK && out->closes < out->to)
		rc = schema_fault(err, n, "/closes: must not come before the end of the period");
	return rc;
}

static enum cmn_rc check_governance(const json_t *def, struct campaign_spec *out, char *err,
				    size_t n)
{
	static const char *const known[] = {"body", NULL};
	const json_t *g = json_object_get(def, "governance");
	const char *bad;
	int b;

	if (!json_is_object(g))
		return schema_fault(err, n, "/governance: an object {\"body\": ...} is required");
	if ((bad = json_member_outside(g, known)))
		return schema_fault(err, n, "/governance/%.40s: only body is known", bad);
	b = name_find(body_names, CAMPAIGN_BODY_COUNT, json_string_value(json_object_get(g, "body")));
	if (b < 0)
		return schema_fault(err, n, "/governance/body: one of trust, cooperative, operator is"
				    " required");
	out->governance = (enum campaign_body)b;
	return CMN_OK;
}

static enum cmn_rc check_licence(const json_t *def, struct campaign_spec *out, char *err, size_t n)
{
	int l = name_find(licence_names, CAMPAIGN_LICENCE_COUNT,
			  json_string_value(json_object_get(def, "licence")));

	if (l < 0)
		return schema_fault(err, n, "/licence: one of etalab-2.0, ODbL-1.0, CC-BY-4.0, CC0-1.0"
				    " is required");
	out->licence = (enum campaign_licence)l;
	return CMN_OK;
}

/* ---- the whole ---------------------------------------------------------------- */

static enum cmn_rc check_all(const json_t *def, const struct registry *reg,
			     struct campaign_spec *out, char *err, size_t n)
{
	static const char *const known[] = {"title", "purpose", "organisation", "source", "period",
					    "group_by", "measures", "privacy", "opens", "closes",
					    "governance", "licence", NULL};
	const struct doctype *dt;
	const char *bad;
	enum cmn_rc rc;

	if (!json_is_object(def))
		return schema_fault(err, n, ": a JSON object is required");
	if ((bad = json_member_outside(def, known)))
		return schema_fault(err, n, "/%.40s: not a member of a campaign", bad);
	rc = check_text(def, "title", CAMPAIGN_TITLE_MAX, false, &out->title, err, n);
	if (rc == CMN_OK)
		rc = check_text(def, "purpose", CAMPAIGN_PURPOSE_MAX, true, &out->purpose, err, n);
	if (rc == CMN_OK)
		rc = check_organisation(def, out, err, n);
	if (rc != CMN_OK)
		return rc;
	dt = check_source(def, reg, out, err, n);
	if (!dt)
		return CMN_ERR_INVALID;
	rc = check_period(def, out, err, n);
	if (rc == CMN_OK)
		rc = check_group_by(def, dt, out, err, n);
	if (rc == CMN_OK)
		rc = check_measures(def, out, err, n);
	if (rc == CMN_OK)
		rc = check_privacy(def, &out->privacy, err, n);
	if (rc == CMN_OK)
		rc = check_window(def, out, err, n);
	if (rc == CMN_OK)
		rc = check_governance(def, out, err, n);
	if (rc == CMN_OK)
		rc = check_licence(def, out, err, n);
	return rc;
}

enum cmn_rc campaign_spec_check(const json_t *def, const struct registry *reg,
				struct campaign_spec *out, char *err, size_t errn)
{
	enum cmn_rc rc;

	memset(out, 0, sizeof(*out));
	rc = check_all(def, reg, out, err, errn);
	if (rc != CMN_OK)
		campaign_spec_release(out);
	if (rc == CMN_ERR_INVALID && errn)
		str_utf8_repair(err);            /* a %.40s may have cut a character */
	return rc;
}

enum cmn_rc campaign_spec_parse(const char *text, size_t n, const struct registry *reg,
				struct campaign_spec *out, char *err, size_t errn)
{
	struct json_parse_error jerr;
	enum cmn_rc rc;
	json_t *def;

	memset(out, 0, sizeof(*out));
	if (n > CAMPAIGN_SPEC_MAX_BYTES)
		return schema_fault(err, errn, ": at most %d bytes", CAMPAIGN_SPEC_MAX_BYTES);
	def = json_parse(text, n, JSON_PARSE_REJECT_DUPLICATES, &jerr);
	if (!def && jerr.rc == CMN_ERR_NOMEM)
		return CMN_ERR_NOMEM;
	if (!def)
		return schema_fault(err, errn, ": not JSON (%s, at byte %zu)", jerr.text,
				    jerr.position);
	rc = campaign_spec_check(def, reg, out, err, errn);
	json_decref(def);
	return rc;
}

void campaign_spec_release(struct campaign_spec *s)
{
	free(s->title.fr);
	free(s->title.en);
	free(s->purpose.fr);
	free(s->purpose.en);
	memset(s, 0, sizeof(*s));
}

/* ---- canonical JSON ------------------------------------------------------------- */

/* ratio_canonical - r (reduced) as a decimal when its denominator divides a
 * power of ten up to 10^18 ("0.5", "0.000000001", "2"), else as "N/D". */
static void ratio_canonical(struct dp_ratio r, char *buf, size_t n)
{
	uint64_t p = 1;
	unsigned e = 0;

	while (e < POW10_MAX && p % r.den != 0) {
		p *= 10;
		e++;
	}
	if (p % r.den != 0) {
		dp_ratio_format(r, buf, n);
		return;
	}
	if (r.den == 1)
		snprintf(buf, n, "%" PRIu64, r.num);
	else
		snprintf(buf, n, "%" PRIu64 ".%0*" PRIu64, r.num / r.den, (int)e,
			 (r.num % r.den) * (p / r.den));
}

/* time_canonical - a whole UTC day as "YYYY-MM-DD", else as time_format. */
static json_t *time_canonical(int64_t t, bool date_ok)
{
	char s[TIME_RFC3339_LEN];

	time_format(s, t);
	if (date_ok && t % DAY_MS == 0)
		s[10] = '\0';
	return json_string(s);
}

static json_t *ratio_json(struct dp_ratio r)
{
	char s[DP_RATIO_TEXT_MAX + 1];

	ratio_canonical(r, s, sizeof(s));
	return json_string(s);
}

static json_t *text_json(const struct campaign_text *t)
{
	return json_pack("{s:s, s:s}", "fr", t->fr, "en", t->en);
}

static json_t *source_json(const struct campaign_spec *s)
{
	if (s->source == CAMPAIGN_SOURCE_SERIES)
		return json_pack("{s:s}", "series", s->doctype);
	return json_pack("{s:s, s:s}", "records", s->doctype, "value", s->value);
}

/* The canonical text of a spec is what the store keeps and what the
 * participants agree to: a member or an element that could not be added
 * (out of memory) must fail the whole text, never leave it out. Each
 * builder below returns NULL then (json_put and json_push, jsonput.h). */

static json_t *measure_json(const struct campaign_measure *m)
{
	json_t *o = json_pack("{s:s}", "kind", measure_names[m->kind]), *a = NULL;

	if (m->kind == CAMPAIGN_MEASURE_SUM || m->kind == CAMPAIGN_MEASURE_MEAN)
		a = json_pack("[I, I]", (json_int_t)m->lo, (json_int_t)m->hi);
	else if (m->kind == CAMPAIGN_MEASURE_HISTOGRAM) {
		a = json_array();
		for (size_t i = 0; a && i < m->nbins; i++)
			json_push(&a, json_integer(m->bins[i]));
	} else {
		return o;
	}
	json_put(&o, m->kind == CAMPAIGN_MEASURE_HISTOGRAM ? "bins" : "clip", a);
	return o;
}

static json_t *privacy_json(const struct campaign_privacy *p)
{
	json_t *o = json_pack("{s:I, s:s, s:o}", "k", (json_int_t)p->k, "mechanism",
			      mechanism_names[p->mechanism], "epsilon", ratio_json(p->epsilon));

	if (p->mechanism == CAMPAIGN_MECH_GAUSSIAN)
		json_put(&o, "delta", ratio_json(p->delta));
	json_put(&o, "max_cells_per_person", json_integer(p->max_cells));
	return o;
}

json_t *campaign_spec_to_json(const struct campaign_spec *s)
{
	json_t *group = json_array(), *measures = json_array();

	for (size_t i = 0; group && i < s->ngroup; i++)
		json_push(&group, json_string(dim_names[s->group_by[i]]));
	for (size_t i = 0; measures && i < s->nmeasures; i++)
		json_push(&measures, measure_json(&s->measures[i]));
	/* json_pack steals every "o" it is given, even when it fails, and
	 * fails on a NULL one */
	return json_pack("{s:o, s:o, s:s, s:o, s:{s:o, s:o}, s:o, s:o, s:o, s:o, s:o, s:{s:s}, s:s}",
			 "title", text_json(&s->title), "purpose", text_json(&s->purpose),
			 "organisation", s->organisation, "source", source_json(s),
			 "period", "from", time_canonical(s->from, true), "to",
			 time_canonical(s->to, true), "group_by", group, "measures", measures,
			 "privacy", privacy_json(&s->privacy), "opens",
			 time_canonical(s->opens, false), "closes", time_canonical(s->closes, false),
			 "governance", "body", body_names[s->governance], "licence",
			 licence_names[s->licence]);
}

enum cmn_rc campaign_spec_json(const struct campaign_spec *s, char **out, size_t *len)
{
	json_t *o = campaign_spec_to_json(s);

	*out = o ? json_text_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (!*out)
		return CMN_ERR_NOMEM;
	if (len)
		*len = strlen(*out);
	return CMN_OK;
}
