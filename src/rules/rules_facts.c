/*
 * rules_facts.c - the facts rules are evaluated on: their catalogue, their
 * gathering from a person's store, a plain object of given facts, and the
 * facts derived from others (the family quotient from the tax notice...).
 *
 * Every fact is kept as {"value": V, "record": {"doctype", "id"} | null},
 * so that a result can say where each number it used came from; a derived
 * fact also says how it was computed, and an approximation says so.
 */
#include "rules/rules.h"

#include <math.h>
#include <string.h>

#include "core/jsonparse.h"
#include "core/timeutil.h"
#include "record/schema.h"
#include "rules/rules_int.h"

#define DAY_MS 86400000LL
#define RULE_ALLOWANCE_RECORDS 64        /* allowance payments read for one evaluation */
#define RULE_LIST_MAX 32                 /* values of a given list fact */

/* the facts a rule may name (docs/rules.md, "Facts") */
static const struct {
	const char *name;
	enum rule_fact_type type;
} catalogue[] = {
	{"tax.income_year", RULE_FACT_NUMBER},
	{"tax.reference_income", RULE_FACT_NUMBER},
	{"tax.taxable_income", RULE_FACT_NUMBER},
	{"tax.tax_shares", RULE_FACT_NUMBER},
	{"tax.family_quotient", RULE_FACT_NUMBER},
	{"tax.family_quotient_taxable", RULE_FACT_NUMBER},
	{"tax.reference_income_per_unit", RULE_FACT_NUMBER},
	{"residence.commune", RULE_FACT_TEXT},
	{"household.persons", RULE_FACT_NUMBER},
	{"household.consumption_units", RULE_FACT_NUMBER},
	{"allowance.kinds", RULE_FACT_LIST},
	{"person.birth_date", RULE_FACT_DATE},
	{"person.age", RULE_FACT_NUMBER},
	{"student.grant_level", RULE_FACT_TEXT},
};

bool rule_fact_type_of(const char *name, enum rule_fact_type *type)
{
	for (size_t i = 0; name && i < sizeof(catalogue) / sizeof(*catalogue); i++)
		if (strcmp(name, catalogue[i].name) == 0) {
			*type = catalogue[i].type;
			return true;
		}
	return false;
}

bool rule_fact_known(const char *name)
{
	enum rule_fact_type t;

	return rule_fact_type_of(name, &t);
}

/* record_ref - {"doctype": ..., "id": ...} of a stored record. */
static json_t *record_ref(const char *doctype, const char *id)
{
	return json_pack("{s:s, s:s}", "doctype", doctype, "id", id);
}

/* fact_set - facts[name] = {"value": value, "record": record}; both are
 * stolen (record may be NULL: a given fact). */
static enum cmn_rc fact_set(json_t *facts, const char *name, json_t *value, json_t *record)
{
	json_t *e = json_object();

	if (!e || !value || json_object_set_new(e, "value", value) != 0 ||
	    json_object_set_new(e, "record", record ? record : json_null()) != 0 ||
	    json_object_set_new(facts, name, e) != 0) {
		json_decref(e);
		return CMN_ERR_NOMEM;
	}
	return CMN_OK;
}

/* fact_number - the value of a number fact, or false when absent. */
static bool fact_number(const json_t *facts, const char *name, double *v)
{
	const json_t *x = json_object_get(json_object_get(facts, name), "value");

	if (!json_is_number(x))
		return false;
	*v = json_number_value(x);
	return isfinite(*v);
}

/* fact_derive - sets a derived fact: its value, how it was computed, the
 * record of the fact it mainly comes from, and whether it is only an
 * approximation. */
static enum cmn_rc fact_derive(json_t *facts, const char *name, double value, const char *how,
			       const char *from, bool approximation)
{
	const json_t *rec = json_object_get(json_object_get(facts, from), "record");
	enum cmn_rc rc;
	json_t *e;

	if (!isfinite(value))
		return CMN_OK;
	rc = fact_set(facts, name, json_real(value), rec ? json_deep_copy(rec) : NULL);
	if (rc != CMN_OK)
		return rc;
	e = json_object_get(facts, name);
	if (json_object_set_new(e, "derived", json_string(how)) != 0 ||
	    (approximation && json_object_set_new(e, "approximation", json_true()) != 0))
		return CMN_ERR_NOMEM;
	return CMN_OK;
}

/* age_at - full years from a "YYYY-MM-DD" birth date to the day of at. */
static bool age_at(const char *birth, int64_t at, double *age)
{
	int64_t by, y, t;
	int bm, bd, m, d;

	if (!birth || time_parse(birth, true, &t) != CMN_OK || t > at)
		return false;
	time_civil_from_days(time_floor_div(t, DAY_MS), &by, &bm, &bd);
	time_civil_from_days(time_floor_div(at, DAY_MS), &y, &m, &d);
	*age = (double)(y - by - ((m < bm || (m == bm && d < bd)) ? 1 : 0));
	return true;
}

/* derive_household - the consumption units of the household: from its
 * number of persons when known (1 for the first, 0.5 for the second, 0.3
 * for each further one, as the chèque énergie counts them); else an
 * approximation from the tax shares, 1 + (shares - 1) / 2, which gives 1
 * for a single person, 1.5 for a couple and 1.75 for a couple with a
 * child (1.8 in fact): no record says how many persons live together. */
static enum cmn_rc derive_household(json_t *facts)
{
	double p, s;

	if (json_object_get(facts, "household.consumption_units"))
		return CMN_OK;
	if (fact_number(facts, "household.persons", &p) && p >= 1)
		return fact_derive(facts, "household.consumption_units",
				   1 + 0.5 * (p >= 2) + 0.3 * (p > 2 ? floor(p) - 2 : 0),
				   "1 + 0.5 for the second person + 0.3 for each further person",
				   "household.persons", false);
	if (fact_number(facts, "tax.tax_shares", &s) && s >= 1)
		return fact_derive(facts, "household.consumption_units", 1 + (s - 1) / 2,
				   "approximated from the tax shares: 1 + (tax.tax_shares - 1) / 2",
				   "tax.tax_shares", true);
	return CMN_OK;
}

/*
 * derive - the facts computed from others, unless given. The family
 * quotient is the monthly income per tax share: the reference income
 * (revenu fiscal de référence) / 12 / shares, as the cities compute it from
 * a tax notice for households the CAF does not know; one division, so a
 * quotient that is a whole number of euros is exact.
 */
static enum cmn_rc derive(json_t *facts, int64_t at)
{
	double ri, ti, s, cu, age;
	enum cmn_rc rc = CMN_OK;

	if (!json_object_get(facts, "tax.family_quotient") &&
	    fact_number(facts, "tax.reference_income", &ri) &&
	    fact_number(facts, "tax.tax_shares", &s) && s > 0)
		rc = fact_derive(facts, "tax.family_quotient", ri / (12.0 * s),
				 "tax.reference_income / 12 / tax.tax_shares", "tax.reference_income",
				 false);
	if (rc == CMN_OK && !json_object_get(facts, "tax.family_quotient_taxable") &&
	    fact_number(facts, "tax.taxable_income", &ti) &&
	    fact_number(facts, "tax.tax_shares", &s) && s > 0)
		rc = fact_derive(facts, "tax.family_quotient_taxable", ti / (12.0 * s),
				 "tax.taxable_income / 12 / tax.tax_shares", "tax.taxable_income",
				 false);
	if (rc == CMN_OK && !json_object_get(facts, "person.age") &&
	    age_at(json_string_value(json_object_get(json_object_get(facts, "person.birth_date"),
						     "value")),
		   at, &age))
		rc = fact_derive(facts, "person.age", age, "full years since person.birth_date",
				 "person.birth_date", false);
	if (rc == CMN_OK)
		rc = derive_household(facts);
	if (rc == CMN_OK && !json_object_get(facts, "tax.reference_income_per_unit") &&
	    fact_number(facts, "tax.reference_income", &ri) &&
	    fact_number(facts, "household.consumption_units", &cu) && cu > 0) {
		bool approx = json_is_true(json_object_get(
			json_object_get(facts, "household.consumption_units"), "approximation"));

		rc = fact_derive(facts, "tax.reference_income_per_unit", ri / cu,
				 "tax.reference_income / household.consumption_units",
				 "tax.reference_income", approx);
	}
	return rc;
}

/* ---- a plain object of given facts ---------------------------------------- */

/* given_ok - whether v fits the type of a fact. */
static bool given_ok(const json_t *v, enum rule_fact_type type)
{
	size_t i;
	json_t *x;

	switch (type) {
	case RULE_FACT_NUMBER:
		return json_is_number(v) && isfinite(json_number_value(v));
	case RULE_FACT_TEXT:
		return json_is_string(v) && *json_string_value(v) && strlen(json_string_value(v)) <= 64;
	case RULE_FACT_DATE:
		return json_is_string(v) && time_is_date(json_string_value(v));
	case RULE_FACT_LIST:
		if (!json_is_array(v) || json_array_size(v) > RULE_LIST_MAX)
			return false;
		json_array_foreach(v, i, x)
			if (!given_ok(x, RULE_FACT_TEXT))
				return false;
		return true;
	}
	return false;
}

/* give - sets the facts of the plain object into facts, each with no
 * record (given, not read); the first fault into err. */
static enum cmn_rc give(json_t *facts, const json_t *plain, char *err, size_t n)
{
	static const char *const type_names[] = {"a number", "a string of 1..64 bytes",
						 "an array of strings", "a date \"YYYY-MM-DD\""};
	enum rule_fact_type type;
	const char *name;
	enum cmn_rc rc;
	json_t *v;

	if (!json_is_object(plain))
		return schema_fault(err, n, ": an object of facts is required");
	json_object_foreach((json_t *)plain, name, v) {
		if (!rule_fact_type_of(name, &type))
			return schema_fault(err, n, "/%.60s: not a known fact (docs/rules.md)", name);
		if (!given_ok(v, type))
			return schema_fault(err, n, "/%s: %s is required", name, type_names[type]);
		if ((rc = fact_set(facts, name, json_deep_copy(v), NULL)) != CMN_OK)
			return rc;
	}
	return CMN_OK;
}

enum cmn_rc rule_facts_from_json(const json_t *plain, int64_t at, json_t **facts, char *err,
				 size_t n)
{
	enum cmn_rc rc;
	json_t *out;

	*facts = NULL;
	if (!(out = json_object()))
		return CMN_ERR_NOMEM;
	if ((rc = give(out, plain, err, n)) != CMN_OK || (rc = derive(out, at)) != CMN_OK) {
		json_decref(out);
		return rc;
	}
	*facts = out;
	return CMN_OK;
}

/* ---- the person's store ---------------------------------------------------- */

struct gather {
	json_t *facts;
	enum cmn_rc rc;
	json_t *kinds, *records;          /* allowance kinds seen, and their records */
};

/* take_notice - the facts of a tax notice (the first row: the latest
 * income year). The notice's commune is the residence it knows of. */
static enum cmn_rc take_notice(const struct record_meta *m, const char *data,
			       const struct query_value *key, void *ctx)
{
	static const struct {
		const char *field, *fact;
	} fields[] = {
		{"income_year", "tax.income_year"},
		{"reference_income", "tax.reference_income"},
		{"taxable_income", "tax.taxable_income"},
		{"tax_shares", "tax.tax_shares"},
		{"commune_insee", "residence.commune"},
	};
	struct gather *g = ctx;
	json_t *doc = json_parse_str(data);

	(void)key;
	if (!doc)
		return g->rc = CMN_ERR_CORRUPT;
	for (size_t i = 0; i < sizeof(fields) / sizeof(*fields) && g->rc == CMN_OK; i++) {
		json_t *v = json_object_get(doc, fields[i].field);

		if (json_is_number(v) || json_is_string(v))
			g->rc = fact_set(g->facts, fields[i].fact, json_deep_copy(v),
					 record_ref(m->doctype, m->id));
	}
	json_decref(doc);
	return g->rc;
}

/* take_allowance - one allowance payment (most recent first): its kind,
 * once, with the record of the latest payment of that kind. */
static enum cmn_rc take_allowance(const struct record_meta *m, const char *data,
				  const struct query_value *key, void *ctx)
{
	struct gather *g = ctx;
	json_t *doc = json_parse_str(data), *kind, *ref;
	size_t i;
	json_t *k;

	(void)key;
	if (!doc)
		return g->rc = CMN_ERR_CORRUPT;
	kind = json_object_get(doc, "kind");
	if (json_is_string(kind)) {
		json_array_foreach(g->kinds, i, k)
			if (json_equal(k, kind))
				break;
		if (i == json_array_size(g->kinds)) {
			ref = record_ref(m->doctype, m->id);
			if (!ref || json_object_set(ref, "kind", kind) != 0 ||
			    json_array_append(g->kinds, kind) != 0 ||
			    json_array_append_new(g->records, ref) != 0)
				g->rc = CMN_ERR_NOMEM;
		}
	}
	json_decref(doc);
	return g->rc;
}

/* gather_allowances - allowance.kinds: the kinds paid for periods that
 * started in the RULE_ALLOWANCE_DAYS before the day of at. Always known
 * when gathered from a store: what the person did not import counts as not
 * received, and the result shows the (empty) list it relied on. */
static enum cmn_rc gather_allowances(struct pstore *ps, int64_t day_end, struct gather *g)
{
	struct store_query q = {0};
	json_t *e;
	enum cmn_rc rc;

	g->kinds = json_array();
	g->records = json_array();
	if (!g->kinds || !g->records)
		return CMN_ERR_NOMEM;
	q.doctype = "social.allowance";
	q.has_from = q.has_to = true;
	q.from = day_end - (RULE_ALLOWANCE_DAYS + 1) * DAY_MS;
	q.to = day_end;
	q.sort = QSORT_TIME;
	q.desc = true;
	q.limit = RULE_ALLOWANCE_RECORDS;
	rc = pstore_record_query(ps, &q, take_allowance, g);
	if (rc == CMN_OK)
		rc = g->rc;
	if (rc != CMN_OK)
		return rc;
	if (!(e = json_pack("{s:O, s:n, s:O}", "value", g->kinds, "record", "records", g->records)))
		return CMN_ERR_NOMEM;
	return json_object_set_new(g->facts, "allowance.kinds", e) == 0 ? CMN_OK : CMN_ERR_NOMEM;
}

enum cmn_rc rule_facts_gather(struct pstore *ps, int64_t at, json_t **facts)
{
	return rule_facts_gather_given(ps, at, NULL, facts, NULL, 0);
}

enum cmn_rc rule_facts_gather_given(struct pstore *ps, int64_t at, const json_t *given,
				    json_t **facts, char *err, size_t n)
{
	struct gather g = {.rc = CMN_OK};
	struct store_query q = {0};
	int64_t day_end = (time_floor_div(at, DAY_MS) + 1) * DAY_MS;
	enum cmn_rc rc;

	*facts = NULL;
	if (!(g.facts = json_object()))
		return CMN_ERR_NOMEM;
	/* the notice of the latest income year issued by the end of that day */
	q.doctype = "tax.household";
	q.has_to = true;
	q.to = day_end;
	q.sort = QSORT_FIELD;
	q.sort_field = "income_year";
	q.desc = true;
	q.limit = 1;
	rc = pstore_record_query(ps, &q, take_notice, &g);
	if (rc == CMN_OK)
		rc = g.rc;
	if (rc == CMN_OK)
		rc = gather_allowances(ps, day_end, &g);
	if (rc == CMN_OK && given)
		rc = give(g.facts, given, err, n);
	if (rc == CMN_OK)
		rc = derive(g.facts, at);
	json_decref(g.kinds);
	json_decref(g.records);
	if (rc != CMN_OK) {
		json_decref(g.facts);
		return rc;
	}
	*facts = g.facts;
	return CMN_OK;
}
