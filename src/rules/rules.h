/*
 * rules.h - eligibility rules as data, and the engine that evaluates them
 * on a person's own records (issue 9, docs/rules.md).
 *
 * A rule is a JSON document written by a city's staff: an id, a title, its
 * sources, and dated versions. A version holds conditions on facts (the
 * commune of residence, an allowance received, an age...) and a scale of
 * bands on one fact (the family quotient...), each band saying what it
 * grants: a level such as "reduction_50", a reduction, an amount.
 *
 * Facts are what the engine knows of the person at a date, each with the
 * record it came from. They are gathered from the person's store (the
 * latest tax notice, the recent allowances) or given as a plain object (for
 * tests, the fuzzer, a "what if" simulation). A fact with no record is
 * "missing": a rule that needs it answers eligible = null and names it, so
 * a simulation says what it could not know instead of guessing.
 *
 * Nothing here sends anything anywhere: evaluation is pure computation on
 * JSON values, and gathering only reads the person's store.
 */
#ifndef COMMUNE_RULES_RULES_H
#define COMMUNE_RULES_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/result.h"
#include "store/store.h"

#define RULE_TEXT_MAX (64 * 1024)        /* bytes of a rule document */
#define RULE_ID_MAX 64                   /* bytes of a rule id */
#define RULE_TEXT_FIELD_MAX 1000         /* bytes of a title, label or note */
#define RULE_MAX_VERSIONS 16             /* versions of one rule */
#define RULE_MAX_CONDITIONS 8            /* conditions of a version, or of an "any" */
#define RULE_MAX_VALUES 128              /* values of an "in" list (communes...) */
#define RULE_MAX_OVERRIDES 4            /* overrides of a version */
#define RULE_MAX_BANDS 16                /* bands of one scale */
#define RULE_MAX_SCALE_DEPTH 2           /* a band's scale may hold one more scale */
#define RULE_MAX_SOURCES 8               /* sources cited by a rule */
#define RULE_SET_MAX 64                  /* rules in a set */
#define RULE_ALLOWANCE_DAYS 92           /* an allowance counts as received this long */

/* a set of checked rules (the shipped ones, or a test's) */
struct rule_set {
	json_t *rules;                   /* array of checked rule documents, owned */
};

/* rule_check - checks a rule document and writes the first fault into err
 * (a JSON pointer then why, e.g. "/versions/0/scale/bands/1/below: ...").
 * A checked rule is safe to evaluate: every fact it names is known, its
 * versions do not overlap, its bands are ordered and leave no gap. */
enum cmn_rc rule_check(const json_t *rule, char *err, size_t n);

/* rule_parse - parses and checks n bytes of JSON text; *out (owned by the
 * caller) is the rule. A fault of the whole text is reported as ": ...". */
enum cmn_rc rule_parse(const char *text, size_t n, json_t **out, char *err, size_t errn);

/* rule_set_init, rule_set_release - an empty set; release frees its rules. */
enum cmn_rc rule_set_init(struct rule_set *set);
void rule_set_release(struct rule_set *set);

/* rule_set_add - adds a checked rule; the set takes a reference.
 * CMN_ERR_EXISTS when a rule of that id is there already. */
enum cmn_rc rule_set_add(struct rule_set *set, json_t *rule);

/* rule_set_load - initialises set with the rules shipped in the binary
 * (rules/ *.json). A faulty shipped rule is a bug: the fault, prefixed with
 * its file name, goes into err. */
enum cmn_rc rule_set_load(struct rule_set *set, char *err, size_t n);

/* rule_set_find - the rule of that id, or NULL (borrowed). */
const json_t *rule_set_find(const struct rule_set *set, const char *id);

/* rule_fact_known - whether name is a fact rules may use (docs/rules.md
 * lists them: "tax.family_quotient", "residence.commune", ...). */
bool rule_fact_known(const char *name);

/* rule_facts_gather - the facts of the person of ps at `at` (ms): from the
 * tax notice of the latest income year issued on or before that day, and
 * the allowances whose period started in the RULE_ALLOWANCE_DAYS before
 * it. *facts (owned by the caller) maps each fact name to {"value": ...,
 * "record": {"doctype", "id"}} (plus "derived" for a computed fact). */
enum cmn_rc rule_facts_gather(struct pstore *ps, int64_t at, json_t **facts);

/* rule_facts_gather_given - rule_facts_gather, with the facts of a plain
 * object (as rule_facts_from_json reads it) set before the derived facts
 * are computed: a given fact replaces the one read from the store, and the
 * facts derived from it follow (household.persons given gives the exact
 * consumption units instead of their approximation). given may be NULL.
 * An unknown name or a value of the wrong type is CMN_ERR_INVALID with a
 * pointer in err, and *facts is NULL. */
enum cmn_rc rule_facts_gather_given(struct pstore *ps, int64_t at, const json_t *given,
				    json_t **facts, char *err, size_t n);

/* rule_facts_from_json - facts from a plain object of fact names and
 * values ({"tax.reference_income": 12000, "residence.commune": "33063"}),
 * with the derived facts computed at `at` as rule_facts_gather does. An
 * unknown name or a value of the wrong type is CMN_ERR_INVALID with a
 * pointer in err. */
enum cmn_rc rule_facts_from_json(const json_t *plain, int64_t at, json_t **facts, char *err,
				 size_t n);

/* rule_evaluate - evaluates the version of a checked rule in force at `at`
 * (ms) on facts. *result (owned by the caller) is {"id", "version",
 * "title", "valid_from", "valid_until", "eligible": true|false|null,
 * "grants": {...}|null, "why": {"facts": [...], "conditions": [...],
 * "bands": [...], "missing": [...]}}: the facts read with their records,
 * each condition's pointer, the fact it reads and whether it holds, the bands matched (outer
 * scale first) with the value compared. *result is NULL when no version is
 * in force (and CMN_OK is returned). */
enum cmn_rc rule_evaluate(const json_t *rule, const json_t *facts, int64_t at, json_t **result);

/* rule_set_evaluate - rule_evaluate for every rule of set in force at `at`:
 * *results (owned by the caller) is an array of the results, in the order
 * of the set. */
enum cmn_rc rule_set_evaluate(const struct rule_set *set, const json_t *facts, int64_t at,
			      json_t **results);

#endif
