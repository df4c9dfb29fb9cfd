/*
 * test_record.c - the doctype registry, the schema validator, the
 * query-string parser and its cursors (whole or not made under each failed
 * JSON allocation).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jsonfail.h"
#include "core/str.h"
#include "record/doctype.h"
#include "record/query.h"
#include "record/schema.h"

static struct registry reg;

static int setup(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(registry_load(&reg, err, sizeof(err)), CMN_OK);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	registry_release(&reg);
	return 0;
}

static void registry_has_the_first_doctypes(void **state)
{
	static const char *const names[] = {"bank.transaction", "mobility.trip", "social.allowance",
					    "tax.household", "calendar.event", "food.purchase",
					    "document.file", "energy.electricity.load_curve"};
	const struct doctype *d;

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		assert_non_null(registry_find(&reg, names[i]));
	d = registry_find(&reg, "bank.transaction");
	assert_string_equal(d->time_field, "date");
	assert_true(doctype_is_indexed(d, "account"));
	assert_false(doctype_is_indexed(d, "amount"));
	assert_true(doctype_is_filterable(d, "amount"));
	assert_true(doctype_is_filterable(d, "account"));
	assert_false(doctype_is_indexed(d, "label"));
	assert_false(doctype_is_filterable(d, "label"));
	assert_true(doctype_is_required(d, "amount"));
	assert_string_equal(doctype_field_type(d, "amount"), "number");
	assert_null(registry_find(&reg, "no.such"));
}

static void registry_refuses_bad_definitions(void **state)
{
	struct registry r = {0};
	char err[256];
	static const char *const bad[] = {
		"{\"name\":\"x\",\"version\":1,\"kind\":\"document\",\"sensitivity\":\"low\",\"retention\":\"\","
		"\"schema\":{\"type\":\"object\",\"pattern\":\"a\"}}", /* unsupported keyword */
		"{\"name\":\"X\",\"version\":1,\"kind\":\"document\",\"sensitivity\":\"low\",\"retention\":\"\","
		"\"schema\":{\"type\":\"object\"}}", /* bad name */
		"{\"name\":\"x\",\"version\":1,\"kind\":\"blob\",\"sensitivity\":\"low\",\"retention\":\"\","
		"\"schema\":{\"type\":\"object\"}}", /* bad kind */
		"{\"name\":\"x\",\"version\":1,\"kind\":\"document\",\"sensitivity\":\"low\",\"retention\":\"\","
		"\"indexes\":[\"nope\"],\"schema\":{\"type\":\"object\"}}", /* index on unknown field */
		"{\"name\":\"x\",\"version\":1,\"kind\":\"document\",\"sensitivity\":\"low\",\"retention\":\"\","
		"\"filters\":[\"nope\"],\"schema\":{\"type\":\"object\"}}", /* filter on unknown field */
		"{\"name\":\"x\",\"version\":1,\"kind\":\"document\",\"sensitivity\":\"low\",\"retention\":\"\","
		"\"filters\":\"n\",\"schema\":{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"number\"}}}}",
		"{\"name\":\"x\",\"version\":1,\"kind\":\"document\",\"sensitivity\":\"low\",\"retention\":\"\","
		"\"indexes\":[\"n\"],\"filters\":[\"n\"],\"schema\":{\"type\":\"object\","
		"\"properties\":{\"n\":{\"type\":\"number\"}}}}", /* indexed and filtered */
		"{\"name\":\"x\",\"version\":1,\"kind\":\"document\",\"sensitivity\":\"low\",\"retention\":\"\","
		"\"time_field\":\"t\",\"schema\":{\"type\":\"object\",\"properties\":{\"t\":{\"type\":\"string\"}}}}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		json_t *def = json_loads(bad[i], 0, NULL);

		assert_non_null(def);
		assert_int_equal(registry_add_json(&r, def, err, sizeof(err)), CMN_ERR_INVALID);
		assert_true(strlen(err) > 0);
	}
	assert_int_equal(r.n, 0);
	registry_release(&r);
}

static enum cmn_rc validate(const char *doctype, const char *text, struct schema_errors *e)
{
	json_t *doc = json_loads(text, 0, NULL);
	enum cmn_rc rc;

	assert_non_null(doc);
	rc = schema_validate(registry_find(&reg, doctype)->schema, doc, e);
	json_decref(doc);
	return rc;
}

static void schema_accepts_and_points_at_errors(void **state)
{
	struct schema_errors e;

	(void)state;
	assert_int_equal(validate("bank.transaction",
				  "{\"date\":\"2024-03-01\",\"amount\":-1.5,\"currency\":\"EUR\","
				  "\"label\":\"x\",\"category\":\"food\"}",
				  &e),
			 CMN_OK);
	assert_int_equal(validate("bank.transaction",
				  "{\"date\":\"2024-03-32\",\"amount\":\"1\",\"currency\":\"EURO\","
				  "\"category\":\"nope\",\"extra\":1}",
				  &e),
			 CMN_ERR_INVALID);
	assert_int_equal(e.total, 6);
	assert_string_equal(e.e[0].pointer, "/label"); /* required, reported first */
	for (size_t i = 0; i < e.n; i++)
		assert_true(e.e[i].pointer[0] == '/');
	assert_int_equal(validate("mobility.trip",
				  "{\"start\":\"2024-03-01T08:00:00Z\",\"end\":\"2024-03-01T09:00:00Z\","
				  "\"mode\":\"bike\",\"from\":{\"lat\":91,\"lon\":4.8}}",
				  &e),
			 CMN_ERR_INVALID);
	assert_int_equal(e.total, 1);
	assert_string_equal(e.e[0].pointer, "/from/lat");
	/* integer accepts 3.0 but not 3.5 */
	assert_int_equal(validate("mobility.trip",
				  "{\"start\":\"2024-03-01T08:00:00Z\",\"end\":\"2024-03-01T09:00:00Z\","
				  "\"mode\":\"bike\",\"distance_m\":3.5}",
				  &e),
			 CMN_ERR_INVALID);
}

static void schema_pointer_escapes(void **state)
{
	json_t *schema = json_loads("{\"type\":\"object\",\"properties\":{\"a/b~c\":{\"type\":\"integer\"}}}", 0, NULL);
	json_t *doc = json_loads("{\"a/b~c\":\"x\"}", 0, NULL);
	struct schema_errors e;

	(void)state;
	assert_int_equal(schema_validate(schema, doc, &e), CMN_ERR_INVALID);
	assert_string_equal(e.e[0].pointer, "/a~1b~0c");
	json_decref(schema);
	json_decref(doc);
}

/* items are named by their index, members under them by their key; a
 * pointer longer than SCHEMA_POINTER_MAX is cut between whole UTF-8
 * sequences; errors past the first level do not stay in the path */
static void schema_pointer_paths(void **state)
{
	json_t *schema = json_loads("{\"type\":\"object\",\"properties\":{\"list\":{\"type\":\"array\","
				    "\"items\":{\"type\":\"object\",\"required\":[\"x\"],"
				    "\"properties\":{\"x\":{\"type\":\"integer\"}}}},"
				    "\"n\":{\"type\":\"integer\"}}}",
				    0, NULL);
	json_t *doc = json_loads("{\"list\":[{\"x\":1},{},{\"x\":\"a\"}],\"n\":\"b\"}", 0, NULL);
	json_t *deep = json_object(), *in = deep;
	struct schema_errors e;
	char key[81];

	(void)state;
	assert_non_null(schema);
	assert_non_null(doc);
	assert_int_equal(schema_validate(schema, doc, &e), CMN_ERR_INVALID);
	assert_int_equal(e.total, 3);
	assert_string_equal(e.e[0].pointer, "/list/1/x");
	assert_string_equal(e.e[1].pointer, "/list/2/x");
	assert_string_equal(e.e[2].pointer, "/n");
	json_decref(schema);
	json_decref(doc);
	/* six levels of 40 two-byte characters: 486 bytes of pointer, cut */
	for (int i = 0; i < 40; i++) {
		key[2 * i] = '\xc3';
		key[2 * i + 1] = '\xa9';
	}
	key[80] = '\0';
	for (int d = 0; d < 6; d++) {
		json_t *next = d < 5 ? json_object() : json_integer(1);

		json_object_set_new(in, key, next);
		in = next;
	}
	schema = json_loads("{\"type\":\"object\",\"additionalProperties\":false}", 0, NULL);
	assert_int_equal(schema_validate(schema, deep, &e), CMN_ERR_INVALID);
	assert_int_equal(e.total, 1);
	assert_string_equal(e.e[0].pointer + 1, key);
	json_decref(schema);
	schema = json_loads("{\"properties\":{}}", 0, NULL);
	{
		/* a schema that goes down: the error at the sixth level */
		json_t *s = json_object(), *at = s;

		for (int d = 0; d < 6; d++) {
			json_t *props = json_object(), *sub = json_object();

			json_object_set_new(at, "properties", props);
			json_object_set_new(props, key, sub);
			at = sub;
		}
		json_object_set_new(at, "type", json_string("string"));
		assert_int_equal(schema_validate(s, deep, &e), CMN_ERR_INVALID);
		assert_int_equal(e.total, 1);
		assert_true(strlen(e.e[0].pointer) <= SCHEMA_POINTER_MAX - 1);
		assert_true(strlen(e.e[0].pointer) > SCHEMA_POINTER_MAX - 6);
		assert_true(str_utf8_valid(e.e[0].pointer, strlen(e.e[0].pointer)));
		assert_int_equal(strncmp(e.e[0].pointer, "/", 1), 0);
		assert_int_equal(strncmp(e.e[0].pointer + 1, key, 80), 0);
		json_decref(s);
	}
	json_decref(schema);
	json_decref(deep);
}

static void schema_refuses_deep_documents(void **state)
{
	char text[200];
	struct schema_errors e;
	json_t *doc, *schema = json_loads("{\"type\":\"object\"}", 0, NULL);

	(void)state;
	memset(text, '[', 40);
	memset(text + 40, ']', 40);
	text[80] = '\0';
	doc = json_pack("{s:o}", "x", json_loads(text, 0, NULL));
	assert_int_equal(schema_validate(schema, doc, &e), CMN_ERR_INVALID);
	json_decref(doc);
	json_decref(schema);
}

static void query_parses_and_refuses(void **state)
{
	const struct doctype *bank = registry_find(&reg, "bank.transaction");
	struct record_query q;

	(void)state;
	assert_int_equal(query_parse(&q, bank, "filter.amount.lt=0&filter.category.in=food,energy"
					       "&sort=-date&limit=10&fields=amount,label"),
			 CMN_OK);
	assert_int_equal(q.q.nfilters, 2);
	assert_int_equal(q.q.filters[0].op, QOP_LT);
	assert_int_equal(q.q.filters[0].v[0].type, QV_REAL);
	assert_int_equal(q.q.filters[1].nv, 2);
	assert_string_equal(q.q.filters[1].v[1].text, "energy");
	assert_int_equal(q.q.sort, QSORT_TIME);
	assert_true(q.q.desc);
	assert_int_equal(q.q.limit, 10);
	assert_int_equal(q.nfields, 2);
	query_release(&q);

	assert_int_equal(query_parse(&q, bank, "from=2024-01-01&to=2024-02-01T00%3A00%3A00%2B01%3A00"), CMN_OK);
	assert_true(q.q.has_from && q.q.has_to);
	assert_int_equal(q.q.to - q.q.from, (31 * 24 - 1) * 3600 * 1000LL);
	query_release(&q);

	static const struct {
		const char *qs;
		const char *param;
	} bad[] = {
		{"filter.label=x", "filter.label"},          /* not indexed */
		{"filter.amount=ten", "filter.amount"},      /* wrong type */
		{"filter.amount.like=1", "filter.amount.like"},
		{"sort=label", "sort"},
		{"sort=category", "sort"},                   /* indexed but optional */
		{"limit=0", "limit"},
		{"limit=1001", "limit"},
		{"limit=5&limit=6", "limit"},
		{"cursor=abc", "cursor"},
		{"colour=red", "colour"},
		{"fields=a;b", "fields"},
		{"from=yesterday", "from"},
		{"filter.amount=1%zz", ""},
		{"filter.category=food'%20OR%201=1--&sort=date;DROP", "sort"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		assert_int_equal(query_parse(&q, bank, bad[i].qs), CMN_ERR_INVALID);
		assert_string_equal(q.param, bad[i].param);
		assert_true(strlen(q.error) > 0);
		query_release(&q);
	}
}

static void cursor_round_trip(void **state)
{
	const struct doctype *bank = registry_find(&reg, "bank.transaction");
	struct query_value key = {.type = QV_INT, .i = 1709251200000};
	struct record_query q, q2;
	char qs[512];
	char *c;

	(void)state;
	assert_int_equal(query_parse(&q, bank, "sort=-date"), CMN_OK);
	c = query_cursor(&q, &key, "0190e0a0-0000-7000-8000-000000000001");
	assert_non_null(c);
	snprintf(qs, sizeof(qs), "sort=-date&cursor=%s", c);
	assert_int_equal(query_parse(&q2, bank, qs), CMN_OK);
	assert_true(q2.q.has_after);
	assert_int_equal(q2.q.after_key.i, 1709251200000);
	assert_string_equal(q2.q.after_id, "0190e0a0-0000-7000-8000-000000000001");
	query_release(&q2);
	/* the same cursor under another sort is refused */
	snprintf(qs, sizeof(qs), "sort=date&cursor=%s", c);
	assert_int_equal(query_parse(&q2, bank, qs), CMN_ERR_INVALID);
	assert_string_equal(q2.param, "cursor");
	query_release(&q2);
	free(c);
	query_release(&q);
}

/* A cursor says where the next page starts: one made without its sort,
 * key or id (a jansson set that failed unseen) would be refused as not
 * this server's, and the client's next page would fail. Each allocation
 * failing in turn: NULL, or the very cursor. */
static void cursor_whole_or_nothing(void **state)
{
	const struct doctype *bank = registry_find(&reg, "bank.transaction");
	struct query_value key = {.type = QV_INT, .i = 1709251200000};
	struct record_query q;
	size_t failed = 0;
	char *want;

	(void)state;
	assert_int_equal(query_parse(&q, bank, "sort=-date"), CMN_OK);
	want = query_cursor(&q, &key, "0190e0a0-0000-7000-8000-000000000001");
	assert_non_null(want);
	for (size_t fail_at = 1;; fail_at++) {
		char *got;

		jsonfail_arm(fail_at);
		got = query_cursor(&q, &key, "0190e0a0-0000-7000-8000-000000000001");
		jsonfail_disarm();
		if (!got)
			failed++;
		else if (strcmp(got, want) != 0)
			fail_msg("allocation %zu failed: %s instead of %s", fail_at, got, want);
		free(got);
		if (jsonfail_count() < fail_at) /* no allocation failed: all were tried */
			break;
	}
	assert_true(failed >= 4); /* the object, its three members */
	free(want);
	query_release(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(registry_has_the_first_doctypes),
		cmocka_unit_test(registry_refuses_bad_definitions),
		cmocka_unit_test(schema_accepts_and_points_at_errors),
		cmocka_unit_test(schema_pointer_escapes),
		cmocka_unit_test(schema_pointer_paths),
		cmocka_unit_test(schema_refuses_deep_documents),
		cmocka_unit_test(query_parses_and_refuses),
		cmocka_unit_test(cursor_round_trip),
		cmocka_unit_test(cursor_whole_or_nothing),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
