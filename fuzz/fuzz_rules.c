/*
 * fuzz_rules.c - libFuzzer target for eligibility rules (src/rules/):
 * rule_parse on any bytes. Besides ASan/UBSan it checks what callers rely
 * on:
 *   - a refusal is CMN_ERR_INVALID (or NOMEM) with a terminated message
 *     that starts with a JSON pointer (or ":" for the whole text);
 *   - an accepted rule is checked again the same way (rule_check agrees),
 *     and evaluates on a small fixed set of facts, at dates around each
 *     version's period, to a result whose "eligible" is true, false or
 *     null, with grants exactly when it is true.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "rules/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, what)                                                                    \
	do {                                                                                 \
		if (!(cond)) {                                                               \
			fprintf(stderr, "fuzz_rules: invariant failed: %s\n", what);        \
			abort();                                                             \
		}                                                                            \
	} while (0)

/* the fixed facts: a household of Bordeaux known from its notice, one
 * allowance, and one without anything (every fact missing) */
static const char *const plains[] = {
	"{\"residence.commune\": \"33063\", \"tax.reference_income\": 14000, "
	"\"tax.tax_shares\": 2.5, \"tax.taxable_income\": 13000, \"tax.income_year\": 2023, "
	"\"allowance.kinds\": [\"rsa\", \"aah\"], \"person.birth_date\": \"1990-05-17\", "
	"\"student.grant_level\": \"4\"}",
	"{}",
};

static void check_result(const json_t *r)
{
	const json_t *e = json_object_get(r, "eligible"), *g = json_object_get(r, "grants");

	CHECK(json_is_boolean(e) || json_is_null(e), "eligible is true, false or null");
	CHECK(json_is_true(e) ? json_is_object(g) : json_is_null(g), "grants exactly when eligible");
	CHECK(json_is_array(json_object_get(json_object_get(r, "why"), "facts")), "why has facts");
}

/* evaluate_around - evaluates rule on facts at the start of each version,
 * the day before it and a far date. */
static void evaluate_around(const json_t *rule, const json_t *facts)
{
	const json_t *v;
	int64_t t;
	size_t i;
	json_t *r;

	json_array_foreach(json_object_get(rule, "versions"), i, v) {
		CHECK(time_parse(json_string_value(json_object_get(v, "valid_from")), true, &t) ==
			      CMN_OK,
		      "a checked version has a date");
		CHECK(rule_evaluate(rule, facts, t, &r) == CMN_OK, "evaluation succeeds");
		CHECK(r != NULL, "the version is in force at its start");
		check_result(r);
		json_decref(r);
		CHECK(rule_evaluate(rule, facts, t - 86400000LL, &r) == CMN_OK, "evaluation succeeds");
		if (r)
			check_result(r);
		json_decref(r);
	}
	CHECK(rule_evaluate(rule, facts, INT64_C(4102444800000), &r) == CMN_OK, "far future");
	if (r)
		check_result(r);
	json_decref(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static json_t *facts[sizeof(plains) / sizeof(*plains)];
	char err[300];
	json_t *rule;
	enum cmn_rc rc;

	if (!facts[0]) {
		for (size_t i = 0; i < sizeof(plains) / sizeof(*plains); i++) {
			json_t *p = json_loads(plains[i], 0, NULL);

			CHECK(p && rule_facts_from_json(p, INT64_C(1735689600000), &facts[i], err,
							sizeof(err)) == CMN_OK,
			      "the fixed facts load");
			json_decref(p);
		}
	}
	err[0] = '\0';
	rc = rule_parse((const char *)data, size, &rule, err, sizeof(err));
	if (rc != CMN_OK) {
		CHECK(rc == CMN_ERR_INVALID || rc == CMN_ERR_NOMEM, "a refusal is INVALID");
		CHECK(rule == NULL, "a refusal gives no rule");
		CHECK(rc == CMN_ERR_NOMEM || err[0] == '/' || err[0] == ':',
		      "a refusal starts with a pointer");
		CHECK(strlen(err) < sizeof(err), "the message is terminated");
		return 0;
	}
	CHECK(rule_check(rule, err, sizeof(err)) == CMN_OK, "a parsed rule checks");
	for (size_t i = 0; i < sizeof(plains) / sizeof(*plains); i++)
		evaluate_around(rule, facts[i]);
	json_decref(rule);
	return 0;
}
