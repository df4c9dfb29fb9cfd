/*
 * test_grant.c - the terms of a consent and the checks of a request under
 * it (src/consent/grant.c): each fault of the terms named with its JSON
 * pointer, and every reason of a refusal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "consent/grant.h"
#include "core/timeutil.h"

#define GOOD                                                                                \
	"{\"grantee\":{\"kind\":\"service\",\"id\":\"c1\"},"                               \
	"\"purpose\":{\"dpv\":\"ServiceProvision\",\"text\":{\"fr\":\"Budget\",\"en\":\"Budget\"}}," \
	"\"legal_basis\":\"consent\",\"scope\":{\"doctypes\":[\"bank.transaction\"],"      \
	"\"fields\":[\"date\",\"amount\"],\"from\":\"2024-01-01\",\"to\":\"2025-01-01\","   \
	"\"operations\":[\"read\"]},\"valid_until\":\"2030-01-01T00:00:00Z\"}"

/* check_terms - the fault of text with one member replaced (pointer, JSON). */
static void fault_of(const char *pointer, const char *json, const char *want)
{
	json_t *t = json_loads(GOOD, 0, NULL), *v = json_loads(json, JSON_DECODE_ANY, NULL);
	char err[300] = "";
	json_t *parent = t;
	char path[128], *p, *last;

	assert_non_null(t);
	snprintf(path, sizeof(path), "%s", pointer + 1);
	last = path;
	while ((p = strchr(last, '/'))) {
		*p = '\0';
		parent = json_object_get(parent, last);
		last = p + 1;
	}
	if (v)
		json_object_set_new(parent, last, v);
	else
		json_object_del(parent, last);
	if (grant_terms_check(t, err, sizeof(err)) != CMN_ERR_INVALID)
		fail_msg("%s = %s: accepted", pointer, json ? json : "(absent)");
	if (strncmp(err, want, strlen(want)) != 0)
		fail_msg("%s = %s: \"%s\", not \"%s...\"", pointer, json, err, want);
	json_decref(t);
}

static void terms(void **state)
{
	json_t *t = json_loads(GOOD, 0, NULL);
	char err[300] = "";

	(void)state;
	assert_int_equal(grant_terms_check(t, err, sizeof(err)), CMN_OK);
	json_decref(t);
	fault_of("/grantee/kind", "\"robot\"", "/grantee/kind");
	fault_of("/grantee/id", NULL, "/grantee/id");
	fault_of("/purpose/dpv", "\"Marketing\"", "/purpose/dpv");
	fault_of("/purpose/text/en", NULL, "/purpose/text/en");
	fault_of("/purpose/text/de", "\"Haushalt\"", "/purpose/text/de");
	fault_of("/legal_basis", "\"because\"", "/legal_basis");
	fault_of("/scope/doctypes", "[]", "/scope/doctypes");
	fault_of("/scope/doctypes", "[\"a\", \"a\"]", "/scope/doctypes/1: given twice");
	fault_of("/scope/doctypes", "[\"Bad Name\"]", "/scope/doctypes/0");
	fault_of("/scope/fields", "[\"da te\"]", "/scope/fields/0");
	fault_of("/scope/from", "\"yesterday\"", "/scope/from");
	fault_of("/scope/to", "\"2023-01-01\"", "/scope/to: must come after");
	fault_of("/scope/operations", "[\"write\"]", "/scope/operations/0");
	fault_of("/scope/operations", "[]", "/scope/operations");
	fault_of("/scope/everything", "true", "/scope/everything");
	fault_of("/valid_until", "\"1999-01-01\"", "/valid_until: must come after");
	fault_of("/extra", "1", "/extra");
}

static struct grant read_good(const char *status)
{
	json_t *t = json_loads(GOOD, 0, NULL);
	struct grant g;

	json_object_set_new(t, "id", json_string("g1"));
	json_object_set_new(t, "person", json_string("p1"));
	json_object_set_new(t, "status", json_string(status));
	json_object_set_new(t, "valid_from", json_string("2020-01-01"));
	assert_int_equal(grant_read(t, &g), CMN_OK);
	json_decref(t);
	return g;
}

static void checks(void **state)
{
	struct grant g = read_good("given");
	int64_t now, t2024, t2025;

	(void)state;
	assert_int_equal(time_parse("2026-01-01", true, &now), CMN_OK);
	assert_int_equal(time_parse("2024-06-01T12:00:00Z", true, &t2024), CMN_OK);
	assert_int_equal(time_parse("2025-01-01", true, &t2025), CMN_OK);
	assert_string_equal(g.purpose, "ServiceProvision");
	assert_int_equal(grant_check(&g, now, "bank.transaction", GRANT_OP_READ), GRANT_ALLOWED);
	assert_int_equal(grant_check(&g, now, "mobility.trip", GRANT_OP_READ), GRANT_DENY_DOCTYPE);
	assert_int_equal(grant_check(&g, now, "bank.transaction", GRANT_OP_AGGREGATE),
			 GRANT_DENY_OPERATION);
	assert_int_equal(grant_check(&g, now, "bank.transaction", 0), GRANT_DENY_OPERATION);
	assert_int_equal(grant_check(&g, g.valid_from - 1, "bank.transaction", GRANT_OP_READ),
			 GRANT_DENY_NOT_YET);
	assert_int_equal(grant_check(&g, g.valid_until, "bank.transaction", GRANT_OP_READ),
			 GRANT_DENY_EXPIRED);
	assert_int_equal(grant_effective_status(&g, g.valid_until), GRANT_EXPIRED);
	assert_int_equal(grant_effective_status(&g, now), GRANT_GIVEN);
	assert_true(grant_field_allowed(&g, "amount"));
	assert_false(grant_field_allowed(&g, "label"));
	assert_true(grant_time_allowed(&g, t2024));
	assert_false(grant_time_allowed(&g, t2025)); /* [from, to) */
	assert_false(grant_time_allowed(&g, INT64_MIN));
	for (const char *const *s = (const char *const[]){"requested", "refused", "withdrawn", NULL};
	     *s; s++) {
		struct grant h = read_good(*s);

		assert_int_equal(grant_check(&h, now, "bank.transaction", GRANT_OP_READ),
				 GRANT_DENY_STATUS);
	}
}

static void projection(void **state)
{
	struct grant g = read_good("given");
	json_t *d = json_loads("{\"date\":\"2024-03-01\",\"amount\":-1,\"label\":\"secret\","
			       "\"category\":\"food\"}",
			       0, NULL);
	json_t *bad = json_loads("{\"id\":\"g\",\"person\":\"p\",\"status\":\"expired\","
				 "\"grantee\":{},\"scope\":{}}",
				 0, NULL);
	struct grant h;

	(void)state;
	grant_project(&g, d);
	assert_int_equal(json_object_size(d), 2);
	assert_null(json_object_get(d, "label"));
	json_decref(d);
	/* "expired" is computed, never stored; a grant without scope is no grant */
	assert_int_equal(grant_read(bad, &h), CMN_ERR_INVALID);
	json_decref(bad);
	assert_string_equal(grant_legal_basis_dpv("public-task"), "dpv-gdpr:A6-1-e");
	assert_null(grant_legal_basis_dpv("whim"));
	assert_string_equal(grant_op_name(GRANT_OP_COMPUTE), "compute-only");
}

#define REC "0190a3e2-1b2c-7d3e-8f40-5a6b7c8d9e0f"
#define SER "0123456789abcdef0123456789abcdef"

/* chosen records and series: their terms, and the checks of a grant naming them */
static void chosen(void **state)
{
	json_t *t = json_loads(GOOD, 0, NULL), *scope = json_object_get(t, "scope");
	char err[300] = "";
	struct grant g;

	(void)state;
	json_object_del(scope, "doctypes");
	json_object_set_new(scope, "records", json_pack("[s]", "bank.transaction/" REC));
	json_object_set_new(scope, "series", json_pack("[s]", SER));
	assert_int_equal(grant_terms_check(t, err, sizeof(err)), CMN_OK);
	json_decref(t);
	fault_of("/scope/records", "[\"bank.transaction/" REC "\"]", "/scope/doctypes: chosen");
	fault_of("/scope/doctypes", NULL, "/scope/doctypes: a non-empty array");
	/* as stored: the doctypes derived from the chosen ones (consent.c) */
	t = json_loads(GOOD, 0, NULL);
	scope = json_object_get(t, "scope");
	json_object_set_new(scope, "doctypes", json_pack("[s, s]", "social.allowance",
							 "bank.transaction"));
	json_object_set_new(scope, "records",
			    json_pack("[s]", "bank.transaction/" REC));
	json_object_set_new(scope, "series", json_pack("[s]", SER));
	json_object_set_new(t, "id", json_string("g1"));
	json_object_set_new(t, "person", json_string("p1"));
	json_object_set_new(t, "status", json_string("given"));
	assert_int_equal(grant_read(t, &g), CMN_OK);
	assert_true(g.chosen);
	assert_true(grant_record_allowed(&g, "bank.transaction", REC));
	assert_false(grant_record_allowed(&g, "social.allowance", REC));
	assert_false(grant_record_allowed(&g, "bank.transaction",
					  "0190a3e2-1b2c-7d3e-8f40-5a6b7c8d9e10"));
	assert_true(grant_series_allowed(&g, SER));
	assert_false(grant_series_allowed(&g, "0123456789abcdef0123456789abcdee"));
	/* a record of a doctype the grant does not have is no grant */
	json_object_set_new(scope, "records", json_pack("[s]", "mobility.trip/" REC));
	assert_int_equal(grant_read(t, &g), CMN_ERR_INVALID);
	json_decref(t);
	/* a grant that chose nothing allows every record and series */
	g = read_good("given");
	assert_false(g.chosen);
	assert_true(grant_record_allowed(&g, "bank.transaction", REC));
	assert_true(grant_series_allowed(&g, SER));
}

/* the faults of chosen records and series, named by their pointers */
static void chosen_faults(void **state)
{
	static const struct {
		const char *records, *series, *want;
	} cases[] = {
		{"[]", NULL, "/scope/records: a non-empty array"},
		{"[\"" REC "\"]", NULL, "/scope/records/0: a record as doctype/id"},
		{"[\"bank.transaction/not-a-uuid\"]", NULL, "/scope/records/0"},
		{"[\"bank.transaction/0190A3E2-1B2C-7D3E-8F40-5A6B7C8D9E0F\"]", NULL,
		 "/scope/records/0"},
		{"[\"Bad Name/" REC "\"]", NULL, "/scope/records/0"},
		{"[\"bank.transaction/" REC "\", \"bank.transaction/" REC "\"]", NULL,
		 "/scope/records/1: given twice"},
		{NULL, "[\"xyz\"]", "/scope/series/0: not a series id"},
		{NULL, "\"" SER "\"", "/scope/series: a non-empty array"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		json_t *t = json_loads(GOOD, 0, NULL), *scope = json_object_get(t, "scope");
		char err[300] = "";

		json_object_del(scope, "doctypes");
		if (cases[i].records)
			json_object_set_new(scope, "records",
					    json_loads(cases[i].records, JSON_DECODE_ANY, NULL));
		if (cases[i].series)
			json_object_set_new(scope, "series",
					    json_loads(cases[i].series, JSON_DECODE_ANY, NULL));
		assert_int_equal(grant_terms_check(t, err, sizeof(err)), CMN_ERR_INVALID);
		if (strncmp(err, cases[i].want, strlen(cases[i].want)) != 0)
			fail_msg("case %zu: \"%s\", not \"%s...\"", i, err, cases[i].want);
		json_decref(t);
	}
	{
		json_t *t = json_loads(GOOD, 0, NULL), *many = json_array();
		char err[300] = "", ref[80];

		json_object_del(json_object_get(t, "scope"), "doctypes");
		for (int i = 0; i <= GRANT_MAX_RECORDS; i++) {
			snprintf(ref, sizeof(ref), "bank.transaction/0190a3e2-1b2c-7d3e-8f40-5a6b7c8d%04x",
				 i);
			json_array_append_new(many, json_string(ref));
		}
		json_object_set_new(json_object_get(t, "scope"), "records", many);
		assert_int_equal(grant_terms_check(t, err, sizeof(err)), CMN_ERR_INVALID);
		assert_non_null(strstr(err, "at most"));
		json_decref(t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(terms),
		cmocka_unit_test(checks),
		cmocka_unit_test(projection),
		cmocka_unit_test(chosen),
		cmocka_unit_test(chosen_faults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
