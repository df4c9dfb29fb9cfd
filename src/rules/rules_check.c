/*
 * rules_check.c - the check of a rule document (rule_check, rule_parse):
 * its closed shape, the facts it names, its dated versions and its scales.
 * What passes here the engine evaluates without further checks.
 */
#include "rules/rules.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/jsonparse.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "record/schema.h"
#include "rules/rules_int.h"

#define RULE_POINTER_MAX 160             /* a pointer into a rule, as we build them */
#define RULE_LEVEL_MAX 48                /* bytes of a granted level's name */
#define RULE_VERSION_NAME_MAX 32
#define RULE_AUTHORITY_MAX 200
#define RULE_URL_MAX 500
#define RULE_MAX_DEPTH 16                /* nesting of a rule document */

static enum cmn_rc check_scale(const json_t *s, const char *where, int depth, char *err, size_t n);

/* point - writes a JSON pointer into at (n bytes). Pointers into a
 * checked rule are short (the deepest is about 60 bytes); a longer one
 * would only be cut in a message. */
static void point(char *at, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void point(char *at, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(at, n, fmt, ap);
	va_end(ap);
}

/* check_words - a string of 1..max bytes. */
static enum cmn_rc check_words(const json_t *v, const char *where, size_t max, char *err, size_t n)
{
	const char *s = json_string_value(v);

	if (!s || !*s)
		return schema_fault(err, n, "%s: a non-empty string is required", where);
	if (strlen(s) > max)
		return schema_fault(err, n, "%s: at most %zu bytes", where, max);
	return CMN_OK;
}

/* check_pair - {"fr": ..., "en": ...}, both given. */
static enum cmn_rc check_pair(const json_t *o, const char *where, char *err, size_t n)
{
	static const char *const langs[] = {"fr", "en", NULL};
	char at[RULE_POINTER_MAX];
	const char *bad;
	enum cmn_rc rc;

	if (!json_is_object(o))
		return schema_fault(err, n, "%s: an object {\"fr\": ..., \"en\": ...} is required", where);
	if ((bad = json_member_outside(o, langs)))
		return schema_fault(err, n, "%s/%.40s: only fr and en are known", where, bad);
	for (size_t i = 0; langs[i]; i++) {
		point(at, sizeof(at), "%s/%s", where, langs[i]);
		rc = check_words(json_object_get(o, langs[i]), at, RULE_TEXT_FIELD_MAX, err, n);
		if (rc != CMN_OK)
			return rc;
	}
	return CMN_OK;
}

/* check_date - o[key] is a full date; its midnight UTC into *t. */
static enum cmn_rc check_date(const json_t *o, const char *key, const char *where, int64_t *t,
			      char *err, size_t n)
{
	const char *s = json_string_value(json_object_get(o, key));

	*t = 0;
	if (!s || !time_is_date(s) || time_parse(s, true, t) != CMN_OK)
		return schema_fault(err, n, "%s/%s: a date \"YYYY-MM-DD\" is required", where, key);
	return CMN_OK;
}

/* one_of - whether s is one of the NULL-terminated names. */
static bool one_of(const char *s, const char *const *names)
{
	for (size_t i = 0; s && names[i]; i++)
		if (strcmp(s, names[i]) == 0)
			return true;
	return false;
}

/* is_token - 1..max bytes of [a-z0-9._-] (a version's name). */
static bool is_token(const char *s, size_t max)
{
	size_t len = s ? strlen(s) : 0;

	if (len == 0 || len > max)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '.' ||
		      *s == '-' || *s == '_'))
			return false;
	return true;
}

/* check_bounds - "from" or "above", "below" or "to": numbers, one of each
 * side at most, the lower not above the upper. *b gets them. */
static enum cmn_rc check_bounds(const json_t *o, const char *where, struct rule_bounds *b,
				char *err, size_t n)
{
	static const char *const keys[] = {"from", "above", "below", "to"};

	for (size_t i = 0; i < 4; i++) {
		const json_t *v = json_object_get(o, keys[i]);

		if (v && (!json_is_number(v) || !isfinite(json_number_value(v))))
			return schema_fault(err, n, "%s/%s: a number is required", where, keys[i]);
	}
	if (json_object_get(o, "from") && json_object_get(o, "above"))
		return schema_fault(err, n, "%s/above: give \"from\" (>=) or \"above\" (>), not both",
			     where);
	if (json_object_get(o, "below") && json_object_get(o, "to"))
		return schema_fault(err, n, "%s/to: give \"below\" (<) or \"to\" (<=), not both", where);
	rule_bounds_read(o, b);
	if (b->has_lower && b->has_upper &&
	    (b->lower > b->upper || (b->lower == b->upper && !(b->lower_incl && b->upper_incl))))
		return schema_fault(err, n, "%s: the lower bound is not below the upper bound", where);
	return CMN_OK;
}

/* check_in - the values of an "in" list: strings, or numbers for a number
 * fact; distinct. */
static enum cmn_rc check_in(const json_t *a, enum rule_fact_type type, const char *where,
			    char *err, size_t n)
{
	size_t i, j;
	json_t *v;

	if (!json_is_array(a) || json_array_size(a) == 0)
		return schema_fault(err, n, "%s/in: a non-empty array is required", where);
	if (json_array_size(a) > RULE_MAX_VALUES)
		return schema_fault(err, n, "%s/in: at most %d values", where, RULE_MAX_VALUES);
	json_array_foreach(a, i, v) {
		if (type == RULE_FACT_NUMBER ? !json_is_number(v) || !isfinite(json_number_value(v))
					     : !json_is_string(v) || !*json_string_value(v) ||
						       strlen(json_string_value(v)) > 64)
			return schema_fault(err, n, "%s/in/%zu: %s", where, i,
				     type == RULE_FACT_NUMBER ? "a number is required"
							      : "a string of 1..64 bytes is required");
		for (j = 0; j < i; j++)
			if (json_equal(v, json_array_get(a, j)))
				return schema_fault(err, n, "%s/in/%zu: given twice", where, i);
	}
	return CMN_OK;
}

static enum cmn_rc check_conditions(const json_t *a, const char *where, bool nested, char *err,
				    size_t n);

/*
 * check_condition - one condition: {"any": [conditions]} (not nested
 * further), or a fact with an "in" list or a range ("from", "above",
 * "below", "to"). Dates are not compared directly: a rule names the fact
 * derived from them (person.age, not person.birth_date).
 */
static enum cmn_rc check_condition(const json_t *c, const char *where, bool nested, char *err,
				   size_t n)
{
	static const char *const known[] = {"fact", "in", "from", "above", "below", "to", NULL};
	static const char *const any_known[] = {"any", NULL};
	enum rule_fact_type type;
	struct rule_bounds b;
	const char *fact, *bad;
	char at[RULE_POINTER_MAX];

	if (!json_is_object(c))
		return schema_fault(err, n, "%s: a condition object is required", where);
	if (json_object_get(c, "any")) {
		if (nested)
			return schema_fault(err, n, "%s/any: an \"any\" inside an \"any\" is not supported",
				     where);
		if ((bad = json_member_outside(c, any_known)))
			return schema_fault(err, n, "%s/%.40s: not a member of an \"any\"", where, bad);
		point(at, sizeof(at), "%s/any", where);
		return check_conditions(json_object_get(c, "any"), at, true, err, n);
	}
	if ((bad = json_member_outside(c, known)))
		return schema_fault(err, n, "%s/%.40s: not a member of a condition", where, bad);
	fact = json_string_value(json_object_get(c, "fact"));
	if (!fact || !rule_fact_type_of(fact, &type))
		return schema_fault(err, n, "%s/fact: a known fact is required (docs/rules.md)", where);
	if (type == RULE_FACT_DATE)
		return schema_fault(err, n, "%s/fact: a date is not compared; use the fact derived "
				     "from it (person.age)", where);
	if (json_object_get(c, "in")) {
		if (json_object_size(c) != 2)
			return schema_fault(err, n, "%s/in: a list or a range, not both", where);
		return check_in(json_object_get(c, "in"), type, where, err, n);
	}
	if (type != RULE_FACT_NUMBER)
		return schema_fault(err, n, "%s/fact: %s is not a number: use \"in\"", where, fact);
	if (json_object_size(c) == 1)
		return schema_fault(err, n, "%s: \"in\" or a bound (from, above, below, to) is required",
			     where);
	return check_bounds(c, where, &b, err, n);
}

static enum cmn_rc check_conditions(const json_t *a, const char *where, bool nested, char *err,
				    size_t n)
{
	char at[RULE_POINTER_MAX];
	enum cmn_rc rc;
	size_t i;
	json_t *c;

	if (!json_is_array(a) || json_array_size(a) == 0)
		return schema_fault(err, n, "%s: a non-empty array is required", where);
	if (json_array_size(a) > RULE_MAX_CONDITIONS)
		return schema_fault(err, n, "%s: at most %d conditions", where, RULE_MAX_CONDITIONS);
	json_array_foreach(a, i, c) {
		point(at, sizeof(at), "%s/%zu", where, i);
		if ((rc = check_condition(c, at, nested, err, n)) != CMN_OK)
			return rc;
	}
	return CMN_OK;
}

/* check_amount - {"value": >= 0, "per": "month"|"year"|"once", "is": "price"|"aid"} */
static enum cmn_rc check_amount(const json_t *a, const char *where, char *err, size_t n)
{
	static const char *const known[] = {"value", "per", "is", NULL};
	static const char *const pers[] = {"month", "year", "once", NULL};
	static const char *const kinds[] = {"price", "aid", NULL};
	const char *per = json_string_value(json_object_get(a, "per"));
	const char *is = json_string_value(json_object_get(a, "is"));
	const json_t *v = json_object_get(a, "value");
	const char *bad;

	if (!json_is_object(a))
		return schema_fault(err, n, "%s: an object {\"value\", \"per\", \"is\"} is required", where);
	if ((bad = json_member_outside(a, known)))
		return schema_fault(err, n, "%s/%.40s: not a member of an amount", where, bad);
	if (!json_is_number(v) || !isfinite(json_number_value(v)) || json_number_value(v) < 0 ||
	    json_number_value(v) > 1e9)
		return schema_fault(err, n, "%s/value: euros, a number from 0 to 1e9, are required",
			     where);
	if (!one_of(per, pers))
		return schema_fault(err, n, "%s/per: \"month\", \"year\" or \"once\" is required", where);
	if (!one_of(is, kinds))
		return schema_fault(err, n, "%s/is: \"price\" (what the person pays) or \"aid\" (what "
				     "the person receives) is required", where);
	return CMN_OK;
}

/* check_grants - what a band or a version grants. */
static enum cmn_rc check_grants(const json_t *g, const char *where, char *err, size_t n)
{
	static const char *const known[] = {"level", "label", "reduction_percent", "amount", NULL};
	const json_t *pct = json_object_get(g, "reduction_percent");
	char at[RULE_POINTER_MAX];
	const char *bad, *level;
	enum cmn_rc rc;

	if (!json_is_object(g))
		return schema_fault(err, n, "%s: an object is required", where);
	if ((bad = json_member_outside(g, known)))
		return schema_fault(err, n, "%s/%.40s: not a member of a grant", where, bad);
	level = json_string_value(json_object_get(g, "level"));
	if (!level || !str_is_name(level, RULE_LEVEL_MAX, false))
		return schema_fault(err, n, "%s/level: a name of [a-z0-9_] is required", where);
	point(at, sizeof(at), "%s/label", where);
	if ((rc = check_pair(json_object_get(g, "label"), at, err, n)) != CMN_OK)
		return rc;
	if (pct && (!json_is_number(pct) || !isfinite(json_number_value(pct)) ||
		    json_number_value(pct) < 0 || json_number_value(pct) > 100))
		return schema_fault(err, n, "%s/reduction_percent: a number from 0 to 100 is required",
			     where);
	if (json_object_get(g, "amount")) {
		point(at, sizeof(at), "%s/amount", where);
		return check_amount(json_object_get(g, "amount"), at, err, n);
	}
	return CMN_OK;
}

/* is_integral - whether v has no fraction. */
static bool is_integral(double v)
{
	return floor(v) == v;
}

/*
 * bands_meet - whether band cur starts where prev ends, so that no value
 * falls between them: "below X" then "from X", or "to X" then "above X".
 * When the scale rounds to whole euros, "to X" then "from X+1" meets too.
 */
static bool bands_meet(const struct rule_bounds *prev, const struct rule_bounds *cur,
		       const char *round)
{
	if (!prev->has_upper || !cur->has_lower)
		return false;
	if (prev->upper == cur->lower && prev->upper_incl != cur->lower_incl)
		return true;
	return round && strcmp(round, "none") != 0 && prev->upper_incl && cur->lower_incl &&
	       is_integral(prev->upper) && cur->lower == prev->upper + 1;
}

/* check_band - a band: its bounds, and exactly one of "grants", "none"
 * (true: the band grants nothing) and "scale" (a finer scale). */
static enum cmn_rc check_band(const json_t *band, const char *where, int depth,
			      struct rule_bounds *b, char *err, size_t n)
{
	static const char *const known[] = {"from", "above", "below", "to", "grants", "none",
					    "scale", NULL};
	const json_t *none = json_object_get(band, "none");
	char at[RULE_POINTER_MAX];
	const char *bad;
	int outcomes;
	enum cmn_rc rc;

	if (!json_is_object(band))
		return schema_fault(err, n, "%s: a band object is required", where);
	if ((bad = json_member_outside(band, known)))
		return schema_fault(err, n, "%s/%.40s: not a member of a band", where, bad);
	if ((rc = check_bounds(band, where, b, err, n)) != CMN_OK)
		return rc;
	outcomes = !!json_object_get(band, "grants") + !!none + !!json_object_get(band, "scale");
	if (outcomes != 1)
		return schema_fault(err, n, "%s: exactly one of \"grants\", \"none\" and \"scale\" is "
				     "required", where);
	if (none && !json_is_true(none))
		return schema_fault(err, n, "%s/none: true is required", where);
	if (json_object_get(band, "grants")) {
		point(at, sizeof(at), "%s/grants", where);
		return check_grants(json_object_get(band, "grants"), at, err, n);
	}
	if (json_object_get(band, "scale")) {
		if (depth + 1 >= RULE_MAX_SCALE_DEPTH)
			return schema_fault(err, n, "%s/scale: at most %d scales deep", where,
				     RULE_MAX_SCALE_DEPTH);
		point(at, sizeof(at), "%s/scale", where);
		return check_scale(json_object_get(band, "scale"), at, depth + 1, err, n);
	}
	return CMN_OK;
}

/*
 * check_scale - a scale: the number fact it reads, how it rounds, and its
 * bands in increasing order. Only the first band may be open below and only
 * the last open above; each band starts exactly where the previous ends, so
 * that every value between the first and the last bound falls in one band,
 * whatever its fraction.
 */
static enum cmn_rc check_scale(const json_t *s, const char *where, int depth, char *err, size_t n)
{
	static const char *const known[] = {"fact", "round", "bands", NULL};
	static const char *const rounds[] = {"none", "floor", "nearest", NULL};
	const char *fact, *round, *bad;
	const json_t *bands;
	struct rule_bounds prev = {0}, cur;
	enum rule_fact_type type;
	char at[RULE_POINTER_MAX];
	enum cmn_rc rc;
	size_t i, nb;

	if (!json_is_object(s))
		return schema_fault(err, n, "%s: a scale object is required", where);
	if ((bad = json_member_outside(s, known)))
		return schema_fault(err, n, "%s/%.40s: not a member of a scale", where, bad);
	fact = json_string_value(json_object_get(s, "fact"));
	if (!fact || !rule_fact_type_of(fact, &type) || type != RULE_FACT_NUMBER)
		return schema_fault(err, n, "%s/fact: a known number fact is required", where);
	round = json_string_value(json_object_get(s, "round"));
	if (json_object_get(s, "round") && !one_of(round, rounds))
		return schema_fault(err, n, "%s/round: \"none\", \"floor\" or \"nearest\" is required",
			     where);
	bands = json_object_get(s, "bands");
	nb = json_array_size(bands);
	if (!json_is_array(bands) || nb == 0 || nb > RULE_MAX_BANDS)
		return schema_fault(err, n, "%s/bands: an array of 1 to %d bands is required", where,
			     RULE_MAX_BANDS);
	for (i = 0; i < nb; i++) {
		point(at, sizeof(at), "%s/bands/%zu", where, i);
		rc = check_band(json_array_get(bands, i), at, depth, &cur, err, n);
		if (rc != CMN_OK)
			return rc;
		if (i > 0 && !cur.has_lower)
			return schema_fault(err, n, "%s: only the first band may be open below", at);
		if (i + 1 < nb && !cur.has_upper)
			return schema_fault(err, n, "%s: only the last band may be open above", at);
		if (i > 0 && !bands_meet(&prev, &cur, round))
			return schema_fault(err, n, "%s: the band must start where the previous one "
					     "ends (\"below X\" then \"from X\", or \"to X\" then "
					     "\"above X\")", at);
		prev = cur;
	}
	return CMN_OK;
}

/* check_overrides - [{"conditions": [...], "grants": {...}}]: grants that
 * apply, before the scale, when their conditions hold. */
static enum cmn_rc check_overrides(const json_t *a, const char *where, char *err, size_t n)
{
	static const char *const known[] = {"conditions", "grants", NULL};
	char at[RULE_POINTER_MAX];
	const char *bad;
	enum cmn_rc rc;
	size_t i;
	json_t *o;

	if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > RULE_MAX_OVERRIDES)
		return schema_fault(err, n, "%s: an array of 1 to %d overrides is required", where,
			     RULE_MAX_OVERRIDES);
	json_array_foreach(a, i, o) {
		point(at, sizeof(at), "%s/%zu", where, i);
		if (!json_is_object(o))
			return schema_fault(err, n, "%s: an object is required", at);
		if ((bad = json_member_outside(o, known)))
			return schema_fault(err, n, "%s/%.40s: not a member of an override", at, bad);
		point(at, sizeof(at), "%s/%zu/conditions", where, i);
		if ((rc = check_conditions(json_object_get(o, "conditions"), at, false, err, n)))
			return rc;
		point(at, sizeof(at), "%s/%zu/grants", where, i);
		if ((rc = check_grants(json_object_get(o, "grants"), at, err, n)) != CMN_OK)
			return rc;
	}
	return CMN_OK;
}

/* check_version - one dated version; its period into *from, *until. */
static enum cmn_rc check_version(const json_t *v, const char *where, int64_t *from,
				 int64_t *until, char *err, size_t n)
{
	static const char *const known[] = {"version", "valid_from", "valid_until", "conditions",
					    "overrides", "scale", "grants", "note", NULL};
	char at[RULE_POINTER_MAX];
	const char *bad;
	enum cmn_rc rc;

	*from = 0;
	*until = INT64_MAX;
	if (!json_is_object(v))
		return schema_fault(err, n, "%s: a version object is required", where);
	if ((bad = json_member_outside(v, known)))
		return schema_fault(err, n, "%s/%.40s: not a member of a version", where, bad);
	if (!is_token(json_string_value(json_object_get(v, "version")), RULE_VERSION_NAME_MAX))
		return schema_fault(err, n, "%s/version: a name of [a-z0-9._-] is required", where);
	if ((rc = check_date(v, "valid_from", where, from, err, n)) != CMN_OK)
		return rc;
	*until = INT64_MAX;
	if (json_object_get(v, "valid_until")) {
		if ((rc = check_date(v, "valid_until", where, until, err, n)) != CMN_OK)
			return rc;
		if (*until <= *from)
			return schema_fault(err, n, "%s/valid_until: after valid_from is required", where);
	}
	if (json_object_get(v, "note")) {
		point(at, sizeof(at), "%s/note", where);
		if ((rc = check_words(json_object_get(v, "note"), at, RULE_TEXT_FIELD_MAX, err, n)))
			return rc;
	}
	if (json_object_get(v, "conditions")) {
		point(at, sizeof(at), "%s/conditions", where);
		rc = check_conditions(json_object_get(v, "conditions"), at, false, err, n);
		if (rc != CMN_OK)
			return rc;
	}
	if (json_object_get(v, "overrides")) {
		point(at, sizeof(at), "%s/overrides", where);
		if ((rc = check_overrides(json_object_get(v, "overrides"), at, err, n)) != CMN_OK)
			return rc;
	}
	if (!json_object_get(v, "scale") == !json_object_get(v, "grants"))
		return schema_fault(err, n, "%s: a \"scale\" or \"grants\" is required, not both", where);
	if (json_object_get(v, "grants")) {
		point(at, sizeof(at), "%s/grants", where);
		return check_grants(json_object_get(v, "grants"), at, err, n);
	}
	point(at, sizeof(at), "%s/scale", where);
	return check_scale(json_object_get(v, "scale"), at, 0, err, n);
}

/* check_versions - every version, distinct names, periods that never
 * overlap (at any date one version at most is in force). */
static enum cmn_rc check_versions(const json_t *a, char *err, size_t n)
{
	int64_t from[RULE_MAX_VERSIONS], until[RULE_MAX_VERSIONS];
	char at[RULE_POINTER_MAX];
	size_t i, j, nv = json_array_size(a);
	enum cmn_rc rc;

	if (!json_is_array(a) || nv == 0 || nv > RULE_MAX_VERSIONS)
		return schema_fault(err, n, "/versions: an array of 1 to %d versions is required",
			     RULE_MAX_VERSIONS);
	for (i = 0; i < nv; i++) {
		const json_t *v = json_array_get(a, i);

		point(at, sizeof(at), "/versions/%zu", i);
		if ((rc = check_version(v, at, &from[i], &until[i], err, n)) != CMN_OK)
			return rc;
		for (j = 0; j < i; j++) {
			if (strcmp(json_string_value(json_object_get(v, "version")),
				   json_string_value(json_object_get(json_array_get(a, j), "version"))) == 0)
				return schema_fault(err, n, "%s/version: given twice", at);
			if (from[i] < until[j] && from[j] < until[i])
				return schema_fault(err, n, "%s/valid_from: the period overlaps that of "
						     "/versions/%zu", at, j);
		}
	}
	return CMN_OK;
}

/* check_sources - [{"url": "https://...", "read": "YYYY-MM-DD", "title": ...}] */
static enum cmn_rc check_sources(const json_t *a, char *err, size_t n)
{
	static const char *const known[] = {"url", "read", "title", NULL};
	char at[RULE_POINTER_MAX];
	const char *bad, *url;
	int64_t t;
	enum cmn_rc rc;
	size_t i;
	json_t *s;

	if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > RULE_MAX_SOURCES)
		return schema_fault(err, n, "/sources: an array of 1 to %d sources is required",
			     RULE_MAX_SOURCES);
	json_array_foreach(a, i, s) {
		point(at, sizeof(at), "/sources/%zu", i);
		if (!json_is_object(s))
			return schema_fault(err, n, "%s: an object is required", at);
		if ((bad = json_member_outside(s, known)))
			return schema_fault(err, n, "%s/%.40s: not a member of a source", at, bad);
		url = json_string_value(json_object_get(s, "url"));
		if (!url || strncmp(url, "https://", 8) != 0 || strlen(url) > RULE_URL_MAX)
			return schema_fault(err, n, "%s/url: an https URL is required", at);
		if ((rc = check_date(s, "read", at, &t, err, n)) != CMN_OK)
			return rc;
		if (json_object_get(s, "title")) {
			point(at, sizeof(at), "/sources/%zu/title", i);
			rc = check_words(json_object_get(s, "title"), at, RULE_TEXT_FIELD_MAX, err, n);
			if (rc != CMN_OK)
				return rc;
		}
	}
	return CMN_OK;
}

enum cmn_rc rule_check(const json_t *rule, char *err, size_t n)
{
	static const char *const known[] = {"id", "title", "authority", "sources", "note",
					    "versions", NULL};
	const char *id, *bad;
	enum cmn_rc rc;

	if (!json_is_object(rule))
		return schema_fault(err, n, ": a rule object is required");
	if (json_depth(rule) > RULE_MAX_DEPTH)
		return schema_fault(err, n, ": nested deeper than %d", RULE_MAX_DEPTH);
	if ((bad = json_member_outside(rule, known)))
		return schema_fault(err, n, "/%.40s: not a member of a rule", bad);
	id = json_string_value(json_object_get(rule, "id"));
	if (!id || !str_is_name(id, RULE_ID_MAX, true))
		return schema_fault(err, n, "/id: a name of [a-z0-9_] parts joined by dots is required");
	if ((rc = check_pair(json_object_get(rule, "title"), "/title", err, n)) != CMN_OK)
		return rc;
	rc = check_words(json_object_get(rule, "authority"), "/authority", RULE_AUTHORITY_MAX, err, n);
	if (rc != CMN_OK)
		return rc;
	if (json_object_get(rule, "note") &&
	    (rc = check_words(json_object_get(rule, "note"), "/note", RULE_TEXT_FIELD_MAX, err, n)))
		return rc;
	if ((rc = check_sources(json_object_get(rule, "sources"), err, n)) != CMN_OK)
		return rc;
	return check_versions(json_object_get(rule, "versions"), err, n);
}

enum cmn_rc rule_parse(const char *text, size_t n, json_t **out, char *err, size_t errn)
{
	struct json_parse_error je;
	json_t *doc;
	enum cmn_rc rc;

	*out = NULL;
	if (n > RULE_TEXT_MAX)
		return schema_fault(err, errn, ": a rule is at most %d bytes", RULE_TEXT_MAX);
	doc = json_parse(text, n, JSON_PARSE_REJECT_DUPLICATES, &je);
	if (!doc && je.rc == CMN_ERR_NOMEM)
		return CMN_ERR_NOMEM;
	if (!doc)
		return schema_fault(err, errn, ": not JSON (line %d, column %d: %s)", je.line,
			     je.column, je.text);
	rc = rule_check(doc, err, errn);
	if (rc != CMN_OK) {
		json_decref(doc);
		return rc;
	}
	*out = doc;
	return CMN_OK;
}
