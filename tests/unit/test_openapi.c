/*
 * test_openapi.c - docs/openapi.json (served at /api/v1/openapi.json)
 * documents exactly the routes the server has: a route missing from the
 * document, or a documented operation the server lacks, fails.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "api/api.h"
#include "core/embedded.h"

static json_t *load_doc(void)
{
	const struct embedded_file *f = embedded_find("docs/openapi.json");
	json_error_t je;
	json_t *doc;

	assert_non_null(f);
	doc = json_loadb((const char *)f->data, f->len, JSON_REJECT_DUPLICATES, &je);
	if (!doc)
		fail_msg("docs/openapi.json:%d:%d: %s", je.line, je.column, je.text);
	return doc;
}

static void lower(char *out, const char *in, size_t n)
{
	size_t i = 0;

	for (; in[i] && i < n - 1; i++)
		out[i] = (char)tolower((unsigned char)in[i]);
	out[i] = '\0';
}

static void every_route_is_documented(void **state)
{
	json_t *doc = load_doc(), *paths;
	const struct route *routes;
	size_t n, missing = 0;

	(void)state;
	assert_string_equal(json_string_value(json_object_get(doc, "openapi")), "3.1.0");
	paths = json_object_get(doc, "paths");
	assert_true(json_is_object(paths));
	assert_int_equal(api_init(), CMN_OK);
	routes = api_routes(&n);
	assert_true(n > 20);
	for (size_t i = 0; i < n; i++) {
		char m[16];
		json_t *op;

		lower(m, routes[i].method, sizeof(m));
		op = json_object_get(json_object_get(paths, routes[i].pattern), m);
		if (!json_is_object(op) || !json_object_get(op, "responses")) {
			print_error("not documented: %s %s\n", routes[i].method, routes[i].pattern);
			missing++;
		}
	}
	api_release();
	json_decref(doc);
	assert_int_equal(missing, 0);
}

static void every_documented_operation_exists(void **state)
{
	static const char *const methods[] = {"get", "put", "post", "delete", "patch", "head", "options"};
	json_t *doc = load_doc(), *item;
	const struct route *routes;
	const char *path;
	size_t n, extra = 0;

	(void)state;
	assert_int_equal(api_init(), CMN_OK);
	routes = api_routes(&n);
	json_object_foreach(json_object_get(doc, "paths"), path, item) {
		for (size_t k = 0; k < sizeof(methods) / sizeof(*methods); k++) {
			bool found = false;

			if (!json_object_get(item, methods[k]))
				continue;
			for (size_t i = 0; i < n; i++) {
				char m[16];

				lower(m, routes[i].method, sizeof(m));
				if (strcmp(m, methods[k]) == 0 && strcmp(routes[i].pattern, path) == 0)
					found = true;
			}
			if (!found) {
				print_error("documented but absent: %s %s\n", methods[k], path);
				extra++;
			}
		}
	}
	api_release();
	json_decref(doc);
	assert_int_equal(extra, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_route_is_documented),
		cmocka_unit_test(every_documented_operation_exists),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
