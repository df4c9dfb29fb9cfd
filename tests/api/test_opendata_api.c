/*
 * test_opendata_api.c - who may do what on /api/v1/opendata (issue 13,
 * src/api/api_opendata.c), on a real server whose open data was loaded
 * with `commune opendata load` (ADEME's transport factors and the good
 * GTFS feed of the fixtures) and over the API: reads are public (nobody,
 * a resident, a token), a load is the operator's alone (401 for nobody,
 * 403 for a resident or an agent), a file at fault is a 400 problem that
 * names where, an unknown dataset, version or a point outside every
 * district is a 404 problem; each load is a new version and the earlier
 * ones stay readable.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "client.h"
#include "server.h"

/* two unit squares side by side, A then B to its east */
#define SQUARES                                                                            \
	"{\"type\":\"FeatureCollection\",\"features\":["                                      \
	"{\"type\":\"Feature\",\"properties\":{\"code\":\"A\",\"name\":\"Ouest\"},"           \
	"\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"                                 \
	"[[[4,45],[4.1,45],[4.1,45.1],[4,45.1],[4,45]]]}},"                                 \
	"{\"type\":\"Feature\",\"properties\":{\"code\":\"B\",\"name\":\"Est\"},"             \
	"\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"                                 \
	"[[[4.1,45],[4.2,45],[4.2,45.1],[4.1,45.1],[4.1,45]]]}}]}"

struct who {
	const char *handle;
	char cookie[300];
	char csrf[200];
	char bearer[200];
};

static const char *bin;
static struct test_server srv;
static struct who alice = {.handle = "alice"}, agent = {.handle = "agent"},
		  admin = {.handle = "admin"}, admin_token = {.handle = "admin's token"};
static struct who *const nobody = NULL;

static long call(const struct who *w, const char *method, const char *path, const char *body,
		 struct resp *r)
{
	const char *headers[5] = {0};
	size_t n = 0;

	if (w && w->bearer[0]) {
		headers[n++] = w->bearer;
	} else if (w) {
		headers[n++] = w->cookie;
		headers[n++] = w->csrf;
	}
	if (body)
		headers[n++] = "Content-Type: application/json";
	memset(r, 0, sizeof(*r));
	assert_int_equal(client_request(srv.base, method, path, headers, body,
					body ? strlen(body) : 0, r),
			 0);
	return r->status;
}

static void is_problem(const struct resp *r, long status)
{
	char ct[128];

	if (!client_header(r, "Content-Type", ct, sizeof(ct)) ||
	    strncmp(ct, "application/problem+json", 24) != 0)
		fail_msg("%ld is not a problem document: %s", r->status, r->body);
	assert_int_equal(json_integer_value(json_object_get(r->json, "status")), status);
}

static void expect(const struct who *w, const char *method, const char *path, const char *body,
		   long status)
{
	struct resp r;

	if (call(w, method, path, body, &r) != status) {
		char got[400];

		snprintf(got, sizeof(got), "%ld, expected %ld: %.300s", r.status, status, r.body);
		client_free(&r);
		fail_msg("%s %s as %s: %s", method, path, w ? w->handle : "nobody", got);
	}
	if (status >= 400)
		is_problem(&r, status);
	client_free(&r);
}

/* refused - a 400 problem whose detail begins with where */
static void refused(const struct who *w, const char *path, const char *body, const char *where)
{
	struct resp r;
	const char *detail;

	assert_int_equal(call(w, "POST", path, body, &r), 400);
	is_problem(&r, 400);
	detail = json_string_value(json_object_get(r.json, "detail"));
	if (!detail || strncmp(detail, where, strlen(where)) != 0)
		fail_msg("\"%s\" does not name %s", detail ? detail : "(none)", where);
	client_free(&r);
}

static bool add_person(const char *handle, const char *role, const char *org)
{
	char line[128];

	snprintf(line, sizeof(line), "pw-%s-correct-horse\n", handle);
	if (org)
		return test_cli(&srv, line, NULL, 0, "user", "add", handle, "--role", role, "--org",
				org, NULL) == 0;
	return test_cli(&srv, line, NULL, 0, "user", "add", handle, "--role", role, NULL) == 0;
}

static bool login(struct who *w)
{
	char password[128];

	snprintf(password, sizeof(password), "pw-%s-correct-horse", w->handle);
	return client_login(srv.base, w->handle, password, w->cookie, sizeof(w->cookie), w->csrf,
			    sizeof(w->csrf)) == 0;
}

/* load - `commune opendata load KIND FILE` of the holders' files
 * (COMMUNE_FIXTURES, tests/CMakeLists.txt) */
static bool load(const char *kind, const char *file, const char *name)
{
	char out[512], path[512];

	snprintf(path, sizeof(path), "%s/%s", COMMUNE_FIXTURES, file);
	return test_cli(&srv, NULL, out, sizeof(out), "opendata", "load", kind, path, "--name",
			name, "--licence", "MIT", NULL) == 0 &&
	       strstr(out, "version 1") != NULL;
}

static int up(void **state)
{
	struct resp r;

	(void)state;
	if (!test_data_dir(&srv, bin) ||
	    test_cli(&srv, NULL, NULL, 0, "org", "add", "Ville", "--kind", "city", NULL) != 0 ||
	    !add_person("alice", "resident", NULL) || !add_person("agent", "agent", "Ville") ||
	    !add_person("admin", "admin", NULL) ||
	    !load("emission_factors", "ademe/deplacement.json", "ademe.transport") ||
	    !load("gtfs", "gtfs/good_feed", "demo.gtfs") ||
	    !test_server_start(&srv, NULL) || !login(&alice) || !login(&agent) || !login(&admin))
		return -1;
	if (call(&admin, "POST", "/api/v1/tokens", "{\"name\":\"fixture\"}", &r) != 201)
		return -1;
	snprintf(admin_token.bearer, sizeof(admin_token.bearer), "Authorization: Bearer %s",
		 json_string_value(json_object_get(r.json, "token")));
	client_free(&r);
	return 0;
}

static int down(void **state)
{
	(void)state;
	return test_server_stop(&srv, true) == 0 ? 0 : -1;
}

static void reads_are_public(void **state)
{
	struct resp r;
	const json_t *item;
	size_t i;
	bool ademe = false;

	(void)state;
	assert_int_equal(call(nobody, "GET", "/api/v1/opendata", NULL, &r), 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 2);
	json_array_foreach(json_object_get(r.json, "items"), i, item) {
		if (strcmp(json_string_value(json_object_get(item, "name")), "ademe.transport") != 0)
			continue;
		ademe = true;
		assert_string_equal(json_string_value(json_object_get(item, "kind")),
				    "emission_factors");
		assert_int_equal(json_integer_value(json_object_get(item, "version")), 1);
		assert_string_equal(json_string_value(json_object_get(item, "licence")), "MIT");
		assert_int_equal(strlen(json_string_value(json_object_get(item, "sha256"))), 64);
		assert_non_null(json_string_value(json_object_get(item, "loaded")));
	}
	assert_true(ademe);
	client_free(&r);

	assert_int_equal(call(&alice, "GET", "/api/v1/opendata/ademe.transport", NULL, &r), 200);
	assert_true(json_is_number(json_object_get(
	    json_object_get(json_object_get(json_object_get(r.json, "content"), "modes"), "bus"),
	    "kg_per_km")));
	client_free(&r);
	assert_int_equal(call(nobody, "GET", "/api/v1/opendata/demo.gtfs/versions/1", NULL, &r),
			 200);
	assert_int_equal(json_integer_value(json_object_get(
			     json_object_get(json_object_get(r.json, "content"), "counts"),
			     "routes")),
			 5);
	client_free(&r);
	expect(&admin_token, "GET", "/api/v1/opendata/demo.gtfs", NULL, 200);
	/* the developer space lists them too */
	assert_int_equal(call(nobody, "GET", "/api/v1/devspace/datasets", NULL, &r), 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "opendata")), 2);
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(json_object_get(r.json, "opendata"), 0), "download")),
			    "/api/v1/opendata/ademe.transport");
	client_free(&r);
	expect(nobody, "GET", "/api/v1/opendata/nothing", NULL, 404);
	expect(nobody, "GET", "/api/v1/opendata/demo.gtfs/versions/2", NULL, 404);
	expect(nobody, "GET", "/api/v1/opendata/demo.gtfs/versions/zero", NULL, 404);
	/* no districts loaded yet */
	expect(nobody, "GET", "/api/v1/opendata/districts/at?lat=45.05&lon=4.05", NULL, 404);
}

static void loads_are_the_operators(void **state)
{
	const char *body = "{\"kind\":\"districts\",\"source\":\"https://example.org/d\","
			   "\"licence\":\"etalab-2.0\",\"content\":" SQUARES "}";
	struct resp r;
	char loc[200];

	(void)state;
	expect(nobody, "POST", "/api/v1/opendata/villebrune.districts", body, 401);
	expect(&alice, "POST", "/api/v1/opendata/villebrune.districts", body, 403);
	expect(&agent, "POST", "/api/v1/opendata/villebrune.districts", body, 403);
	expect(&admin, "POST", "/api/v1/opendata/villebrune.districts", "{\"kind\":\"districts\"}",
	       400);
	assert_int_equal(call(&admin, "POST", "/api/v1/opendata/villebrune.districts", body, &r),
			 201);
	assert_int_equal(json_integer_value(json_object_get(r.json, "version")), 1);
	assert_non_null(client_header(&r, "Location", loc, sizeof(loc)));
	assert_string_equal(loc, "/api/v1/opendata/villebrune.districts/versions/1");
	client_free(&r);

	/* the district of a point; the shared edge belongs to the eastern one */
	assert_int_equal(
	    call(nobody, "GET", "/api/v1/opendata/districts/at?lat=45.05&lon=4.05", NULL, &r), 200);
	assert_string_equal(json_string_value(json_object_get(r.json, "code")), "A");
	assert_string_equal(json_string_value(json_object_get(r.json, "name")), "Ouest");
	client_free(&r);
	assert_int_equal(
	    call(nobody, "GET", "/api/v1/opendata/districts/at?lon=4.1&lat=45.05", NULL, &r), 200);
	assert_string_equal(json_string_value(json_object_get(r.json, "code")), "B");
	client_free(&r);
	expect(nobody, "GET", "/api/v1/opendata/districts/at?lat=45.05&lon=5", NULL, 404);
	expect(nobody, "GET", "/api/v1/opendata/districts/at?lat=45.05", NULL, 400);
	expect(nobody, "GET", "/api/v1/opendata/districts/at?lat=95&lon=4", NULL, 400);
	expect(nobody, "GET", "/api/v1/opendata/districts/at?lat=45&lon=4&zoom=3", NULL, 400);

	/* files at fault: 400, the detail says where; nothing stored */
	refused(&admin, "/api/v1/opendata/villebrune.districts",
		"{\"kind\":\"districts\",\"source\":\"s\",\"licence\":\"l\",\"content\":"
		"{\"type\":\"FeatureCollection\",\"features\":[]}}",
		"/features: ");
	refused(&admin_token, "/api/v1/opendata/villebrune.weather",
		"{\"kind\":\"weather\",\"source\":\"s\",\"licence\":\"l\",\"content\":"
		"\"date;tmean\\n2024-01-01;3\\n2024-01-01;4\\n\"}",
		"3:1: ");
	refused(&admin, "/api/v1/opendata/demo.gtfs2",
		"{\"kind\":\"gtfs\",\"source\":\"s\",\"licence\":\"l\",\"content\":{"
		"\"agency.txt\":\"agency_name,agency_url,agency_timezone\\nA,https://a,UTC\\n\","
		"\"routes.txt\":\"route_id,route_type,route_short_name\\nR,3,1\\n\","
		"\"stops.txt\":\"stop_id,stop_name,stop_lat,stop_lon\\nS,S,91,4\\n\"}}",
		"stops.txt:2:5: ");
	refused(&admin, "/api/v1/opendata/Bad%20Name",
		"{\"kind\":\"weather\",\"source\":\"s\",\"licence\":\"l\",\"content\":"
		"\"date;tmean\\n2024-01-01;3\\n\"}",
		"name: ");
	/* another kind under a name: 409 */
	assert_int_equal(call(&admin, "POST", "/api/v1/opendata/demo.gtfs",
			      "{\"kind\":\"weather\",\"source\":\"s\",\"licence\":\"l\","
			      "\"content\":\"date;tmean\\n2024-01-01;3\\n\"}",
			      &r),
			 409);
	is_problem(&r, 409);
	client_free(&r);
	assert_int_equal(call(nobody, "GET", "/api/v1/opendata", NULL, &r), 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 3);
	client_free(&r);
}

static void versions_stay_readable(void **state)
{
	const char *v1 = "{\"kind\":\"weather\",\"source\":\"s\",\"licence\":\"etalab-2.0\","
			 "\"content\":\"date;tmin;tmax\\n2024-01-01;2;8\\n\"}";
	const char *v2 = "{\"kind\":\"weather\",\"source\":\"s\",\"licence\":\"etalab-2.0\","
			 "\"content\":\"date;tmin;tmax\\n2024-01-01;4;8\\n\"}";
	struct resp r;
	const json_t *day;

	(void)state;
	expect(&admin, "POST", "/api/v1/opendata/villebrune.weather", v1, 201);
	assert_int_equal(call(&admin_token, "POST", "/api/v1/opendata/villebrune.weather", v2, &r),
			 201);
	assert_int_equal(json_integer_value(json_object_get(r.json, "version")), 2);
	client_free(&r);
	assert_int_equal(call(nobody, "GET", "/api/v1/opendata/villebrune.weather", NULL, &r), 200);
	day = json_array_get(json_object_get(json_object_get(r.json, "content"), "days"), 0);
	assert_int_equal(json_integer_value(json_object_get(r.json, "version")), 2);
	assert_true(json_number_value(json_object_get(day, "hdd")) == 12);
	client_free(&r);
	assert_int_equal(
	    call(nobody, "GET", "/api/v1/opendata/villebrune.weather/versions/1", NULL, &r), 200);
	day = json_array_get(json_object_get(json_object_get(r.json, "content"), "days"), 0);
	assert_true(json_number_value(json_object_get(day, "hdd")) == 13);
	client_free(&r);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reads_are_public),
		cmocka_unit_test(loads_are_the_operators),
		cmocka_unit_test(versions_stay_readable),
	};
	int failed;

	if (argc < 2) {
		fprintf(stderr, "usage: %s COMMUNE_BINARY\n", argv[0]);
		return 2;
	}
	bin = argv[1];
	curl_global_init(CURL_GLOBAL_DEFAULT);
	failed = cmocka_run_group_tests(tests, up, down);
	curl_global_cleanup();
	return failed;
}
