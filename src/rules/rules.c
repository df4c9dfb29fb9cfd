/*
 * rules.c - rule sets (the shipped rules embedded in the binary) and the
 * evaluation of a rule on facts. See rules.h and docs/rules.md.
 *
 * Logic is three-valued: a condition is true, false, or unknown when a fact
 * it reads is missing. A false condition decides (a household outside the
 * territory is not eligible, whatever its income); otherwise an unknown one
 * leaves the result unknown (eligible = null) and names what is missing.
 */
#include "rules/rules.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/embedded.h"
#include "core/jsonput.h"
#include "core/timeutil.h"
#include "rules/rules_int.h"

#define RULE_POINTER_MAX 160

enum tri { TRI_FALSE, TRI_TRUE, TRI_UNKNOWN };

/* what an evaluation accumulates for its "why" */
struct eval {
	const json_t *facts;
	json_t *used;                     /* the facts read, each once, with their record */
	json_t *missing;                  /* names of the facts read but not known */
	json_t *conditions;               /* each condition: pointer and result */
	json_t *bands;                    /* the bands matched, outer scale first */
	enum cmn_rc rc;                   /* CMN_ERR_NOMEM once an append failed */
};

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

/* ---- bounds ------------------------------------------------------------- */

void rule_bounds_read(const json_t *o, struct rule_bounds *b)
{
	const json_t *from = json_object_get(o, "from"), *above = json_object_get(o, "above");
	const json_t *below = json_object_get(o, "below"), *to = json_object_get(o, "to");

	memset(b, 0, sizeof(*b));
	b->has_lower = from || above;
	b->lower_incl = from != NULL;
	b->lower = json_number_value(from ? from : above);
	b->has_upper = below || to;
	b->upper_incl = to != NULL;
	b->upper = json_number_value(to ? to : below);
}

bool rule_bounds_hold(const struct rule_bounds *b, double v)
{
	if (b->has_lower && (b->lower_incl ? v < b->lower : v <= b->lower))
		return false;
	if (b->has_upper && (b->upper_incl ? v > b->upper : v >= b->upper))
		return false;
	return true;
}

double rule_round(const char *how, double v)
{
	if (how && strcmp(how, "floor") == 0)
		return floor(v);
	if (how && strcmp(how, "nearest") == 0)
		return floor(v + 0.5);
	return v;
}

/* ---- sets ----------------------------------------------------------------- */

enum cmn_rc rule_set_init(struct rule_set *set)
{
	set->rules = json_array();
	return set->rules ? CMN_OK : CMN_ERR_NOMEM;
}

void rule_set_release(struct rule_set *set)
{
	json_decref(set->rules);
	set->rules = NULL;
}

const json_t *rule_set_find(const struct rule_set *set, const char *id)
{
	size_t i;
	json_t *r;

	json_array_foreach(set->rules, i, r)
		if (id && strcmp(json_string_value(json_object_get(r, "id")), id) == 0)
			return r;
	return NULL;
}

enum cmn_rc rule_set_add(struct rule_set *set, json_t *rule)
{
	if (rule_set_find(set, json_string_value(json_object_get(rule, "id"))))
		return CMN_ERR_EXISTS;
	if (json_array_size(set->rules) >= RULE_SET_MAX)
		return CMN_ERR_TOO_LARGE;
	return json_array_append(set->rules, rule) == 0 ? CMN_OK : CMN_ERR_NOMEM;
}

/* is_rule_file - "rules/NAME.json" among the embedded files */
static bool is_rule_file(const char *name)
{
	size_t len = strlen(name);

	return strncmp(name, "rules/", 6) == 0 && len > 11 && strcmp(name + len - 5, ".json") == 0;
}

enum cmn_rc rule_set_load(struct rule_set *set, char *err, size_t n)
{
	char why[300];
	enum cmn_rc rc;
	json_t *rule;

	if ((rc = rule_set_init(set)) != CMN_OK)
		return rc;
	for (size_t i = 0; i < embedded_count; i++) {
		const struct embedded_file *f = &embedded_files[i];

		if (!is_rule_file(f->name))
			continue;
		rc = rule_parse((const char *)f->data, f->len, &rule, why, sizeof(why));
		if (rc == CMN_OK) {
			rc = rule_set_add(set, rule);
			json_decref(rule);
			snprintf(why, sizeof(why), "%s", rc == CMN_ERR_EXISTS ? ": the id is taken" : "");
		}
		if (rc != CMN_OK) {
			snprintf(err, n, "%s%s", f->name, why);
			rule_set_release(set);
			return rc;
		}
	}
	return CMN_OK;
}

/* ---- evaluation ------------------------------------------------------------ */

static void note(struct eval *ev, int failed)
{
	if (failed)
		ev->rc = CMN_ERR_NOMEM;
}

/* read_fact - the value of a fact (NULL when missing); the fact goes into
 * the "why", with its value and record, or into the missing ones. */
static const json_t *read_fact(struct eval *ev, const char *name)
{
	const json_t *e = json_object_get(ev->facts, name);
	json_t *x;
	size_t i;

	json_array_foreach(e ? ev->used : ev->missing, i, x) {
		if (e && strcmp(json_string_value(json_object_get(x, "name")), name) == 0)
			return json_object_get(e, "value");
		if (!e && strcmp(json_string_value(x), name) == 0)
			return NULL;
	}
	if (!e) {
		note(ev, json_array_append_new(ev->missing, json_string(name)));
		return NULL;
	}
	x = json_pack("{s:s}", "name", name);
	note(ev, !x || json_object_update(x, (json_t *)e) != 0 ||
			 json_array_append_new(ev->used, json_deep_copy(x)) != 0);
	json_decref(x);
	return json_object_get(e, "value");
}

/* value_in - whether v (or, for a list, one of its elements) is in set. */
static bool value_in(const json_t *v, const json_t *set)
{
	size_t i, j;
	json_t *x, *y;

	if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			if (value_in(x, set))
				return true;
		return false;
	}
	json_array_foreach(set, j, y) {
		if (json_is_number(v) && json_is_number(y) && json_number_value(v) == json_number_value(y))
			return true;
		if (json_is_string(v) && json_equal(v, y))
			return true;
	}
	return false;
}

static json_t *tri_json(enum tri t)
{
	return t == TRI_UNKNOWN ? json_null() : json_boolean(t == TRI_TRUE);
}

static enum tri condition_eval(struct eval *ev, const json_t *c, const char *where);

/* any_eval - true when one holds, else unknown when one is, else false. */
static enum tri any_eval(struct eval *ev, const json_t *a, const char *where)
{
	char at[RULE_POINTER_MAX];
	enum tri r = TRI_FALSE, t;
	size_t i;
	json_t *c;

	json_array_foreach(a, i, c) {
		point(at, sizeof(at), "%s/any/%zu", where, i);
		t = condition_eval(ev, c, at);
		if (t == TRI_TRUE)
			r = TRI_TRUE;
		else if (t == TRI_UNKNOWN && r == TRI_FALSE)
			r = TRI_UNKNOWN;
	}
	return r;
}

/* condition_eval - one condition, recorded with its pointer and result. */
static enum tri condition_eval(struct eval *ev, const json_t *c, const char *where)
{
	const char *fact = json_string_value(json_object_get(c, "fact"));
	const json_t *v, *in = json_object_get(c, "in");
	struct rule_bounds b;
	enum tri r;
	json_t *x;

	if (json_object_get(c, "any")) {
		r = any_eval(ev, json_object_get(c, "any"), where);
	} else if (!(v = read_fact(ev, fact))) {
		r = TRI_UNKNOWN;
	} else if (in) {
		r = value_in(v, in) ? TRI_TRUE : TRI_FALSE;
	} else {
		rule_bounds_read(c, &b);
		r = json_is_number(v) && rule_bounds_hold(&b, json_number_value(v)) ? TRI_TRUE
										     : TRI_FALSE;
	}
	x = json_pack("{s:s, s:o}", "pointer", where, "holds", tri_json(r));
	/* the fact it reads, so that a result says which fact decided */
	if (x && fact)
		note(ev, json_object_set_new(x, "fact", json_string(fact)) != 0);
	note(ev, json_array_append_new(ev->conditions, x));
	return r;
}

/* band_why - what the "why" says of a matched band. */
static json_t *band_why(const json_t *band, const char *where, const char *fact, double value,
			double compared)
{
	static const char *const bounds[] = {"from", "above", "below", "to"};
	json_t *w = json_pack("{s:s, s:s, s:f, s:f}", "pointer", where, "fact", fact, "value", value,
			      "compared", compared);

	/* a bound left out would explain the decision by another band: the
	 * why is whole, or NULL (and the evaluation NOMEM) */
	for (size_t i = 0; w && i < 4; i++)
		if (json_object_get(band, bounds[i]))
			json_put(&w, bounds[i], json_incref(json_object_get(band, bounds[i])));
	return w;
}

/*
 * scale_eval - the band of the scale the fact's value falls in (after the
 * scale's rounding): what it grants into *grants (borrowed), true; "none",
 * or a value outside every band, false; a missing fact, unknown.
 */
static enum tri scale_eval(struct eval *ev, const json_t *s, const char *where,
			   const json_t **grants)
{
	const char *fact = json_string_value(json_object_get(s, "fact"));
	const char *round = json_string_value(json_object_get(s, "round"));
	const json_t *v = read_fact(ev, fact), *band;
	char at[RULE_POINTER_MAX];
	struct rule_bounds b;
	double x;
	size_t i;

	if (!json_is_number(v))
		return TRI_UNKNOWN;
	x = rule_round(round, json_number_value(v));
	json_array_foreach(json_object_get(s, "bands"), i, band) {
		rule_bounds_read(band, &b);
		if (!rule_bounds_hold(&b, x))
			continue;
		point(at, sizeof(at), "%s/bands/%zu", where, i);
		note(ev, json_array_append_new(ev->bands, band_why(band, at, fact,
								   json_number_value(v), x)));
		if (json_object_get(band, "scale")) {
			point(at, sizeof(at), "%s/bands/%zu/scale", where, i);
			return scale_eval(ev, json_object_get(band, "scale"), at, grants);
		}
		*grants = json_object_get(band, "grants");
		return *grants ? TRI_TRUE : TRI_FALSE;
	}
	return TRI_FALSE;
}

/* version_at - the version of rule in force at `at`, with its index. */
static const json_t *version_at(const json_t *rule, int64_t at, size_t *index)
{
	const json_t *v;
	int64_t from, until;
	size_t i;

	json_array_foreach(json_object_get(rule, "versions"), i, v) {
		const char *u = json_string_value(json_object_get(v, "valid_until"));

		if (time_parse(json_string_value(json_object_get(v, "valid_from")), true, &from) !=
		    CMN_OK)
			continue;
		until = INT64_MAX;
		if (u && time_parse(u, true, &until) != CMN_OK)
			continue;
		if (from <= at && at < until) {
			*index = i;
			return v;
		}
	}
	return NULL;
}

/* all_eval - the conditions of array a under the pointer where: false
 * when one is false, else unknown when one is, else true. */
static enum tri all_eval(struct eval *ev, const json_t *a, const char *where)
{
	char at[RULE_POINTER_MAX];
	enum tri all = TRI_TRUE, t;
	size_t i;
	json_t *c;

	json_array_foreach(a, i, c) {
		point(at, sizeof(at), "%s/%zu", where, i);
		t = condition_eval(ev, c, at);
		if (t == TRI_FALSE)
			all = TRI_FALSE;
		else if (t == TRI_UNKNOWN && all == TRI_TRUE)
			all = TRI_UNKNOWN;
	}
	return all;
}

/*
 * decide - the version's conditions (all must hold), then its overrides in
 * order (the first whose conditions hold grants, whatever the scale: "free
 * for those who receive the AAH"), then the scale or the version's grants.
 * An override that cannot be decided leaves a refusal of the scale
 * unknown; a grant of the scale stands, and the missing fact is named.
 */
static enum tri decide(struct eval *ev, const json_t *version, size_t index, const json_t **grants)
{
	char at[RULE_POINTER_MAX];
	enum tri all, t, s = TRI_TRUE;
	bool pending = false;
	size_t i;
	json_t *o;

	point(at, sizeof(at), "/versions/%zu/conditions", index);
	all = all_eval(ev, json_object_get(version, "conditions"), at);
	*grants = NULL;
	json_array_foreach(json_object_get(version, "overrides"), i, o) {
		point(at, sizeof(at), "/versions/%zu/overrides/%zu/conditions", index, i);
		t = all_eval(ev, json_object_get(o, "conditions"), at);
		if (t == TRI_TRUE) {
			*grants = json_object_get(o, "grants");
			break;
		}
		pending |= t == TRI_UNKNOWN;
	}
	if (!*grants)
		*grants = json_object_get(version, "grants");
	if (!*grants) {
		point(at, sizeof(at), "/versions/%zu/scale", index);
		s = scale_eval(ev, json_object_get(version, "scale"), at, grants);
		if (s == TRI_FALSE && pending)
			s = TRI_UNKNOWN;
	}
	if (all == TRI_FALSE || s == TRI_FALSE)
		return TRI_FALSE;
	return all == TRI_TRUE && s == TRI_TRUE ? TRI_TRUE : TRI_UNKNOWN;
}

enum cmn_rc rule_evaluate(const json_t *rule, const json_t *facts, int64_t at, json_t **result)
{
	struct eval ev = {.facts = facts, .rc = CMN_OK};
	const json_t *version, *grants = NULL, *until;
	size_t index = 0;
	enum tri t;
	json_t *r;

	*result = NULL;
	if (!(version = version_at(rule, at, &index)))
		return CMN_OK;
	ev.used = json_array();
	ev.missing = json_array();
	ev.conditions = json_array();
	ev.bands = json_array();
	if (!ev.used || !ev.missing || !ev.conditions || !ev.bands) {
		ev.rc = CMN_ERR_NOMEM;
		goto out;
	}
	t = decide(&ev, version, index, &grants);
	if (ev.rc != CMN_OK)
		goto out;
	until = json_object_get(version, "valid_until");
	r = json_pack("{s:O, s:O, s:O, s:O, s:O, s:o, s:o, s:{s:O, s:O, s:O, s:O}}", "id",
		      json_object_get(rule, "id"), "version", json_object_get(version, "version"),
		      "title", json_object_get(rule, "title"), "valid_from",
		      json_object_get(version, "valid_from"), "valid_until",
		      until ? until : json_null(), "eligible", tri_json(t), "grants",
		      t == TRI_TRUE ? json_deep_copy(grants) : json_null(), "why", "facts", ev.used,
		      "conditions", ev.conditions, "bands", ev.bands, "missing", ev.missing);
	if (!r)
		ev.rc = CMN_ERR_NOMEM;
	*result = r;
out:
	json_decref(ev.used);
	json_decref(ev.missing);
	json_decref(ev.conditions);
	json_decref(ev.bands);
	return ev.rc;
}

enum cmn_rc rule_set_evaluate(const struct rule_set *set, const json_t *facts, int64_t at,
			      json_t **results)
{
	json_t *out = json_array(), *r, *rule;
	enum cmn_rc rc = CMN_OK;
	size_t i;

	*results = NULL;
	if (!out)
		return CMN_ERR_NOMEM;
	json_array_foreach(set->rules, i, rule) {
		if ((rc = rule_evaluate(rule, facts, at, &r)) != CMN_OK)
			break;
		if (r && json_array_append_new(out, r) != 0) {
			rc = CMN_ERR_NOMEM;
			break;
		}
	}
	if (rc != CMN_OK) {
		json_decref(out);
		return rc;
	}
	*results = out;
	return CMN_OK;
}
