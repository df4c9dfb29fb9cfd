/*
 * test_apps_api.c - apps over HTTP on a real server: a person installs the
 * Coach CO2 package, runs it and reads its runs; a hostile app is stopped
 * and the server answers on; the operator certifies and revokes packages
 * from the command line (a revoked certificate stops the app at its next
 * run, a tampered package is not the certified one); and nobody reaches
 * another person's apps.
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

#include "api/api.h"
#include "client.h"
#include "server.h"

static const char *bin;
static struct test_server srv;
static char alice[300], alice_csrf[200], bob[300], bob_csrf[200];
static char pkg_path[300];

static long call(const char *method, const char *path, const char *cookie, const char *csrf,
		 const char *body, size_t len, struct resp *r)
{
	const char *headers[4] = {0};
	size_t n = 0;

	headers[n++] = cookie;
	if (csrf)
		headers[n++] = csrf;
	if (body)
		headers[n++] = "Content-Type: application/json";
	memset(r, 0, sizeof(*r));
	assert_int_equal(client_request(srv.base, method, path, headers, body, body ? len : 0, r),
			 0);
	return r->status;
}

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *b;
	long len;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t)len + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)len, f), (size_t)len);
	b[len] = '\0';
	fclose(f);
	*n = (size_t)len;
	return b;
}

static long install(const char *bytes, size_t n, struct resp *r)
{
	return call("POST", "/api/v1/apps", alice, alice_csrf, bytes, n, r);
}

static int up(void **state)
{
	char out[512];

	(void)state;
	if (!test_data_dir(&srv, bin) ||
	    !test_add_user(&srv, "alice", "resident", "pw-alice-correct-horse") ||
	    !test_add_user(&srv, "bob", "resident", "pw-bob-correct-horse") ||
	    !test_server_start(&srv, NULL) ||
	    client_login(srv.base, "alice", "pw-alice-correct-horse", alice, sizeof(alice),
			 alice_csrf, sizeof(alice_csrf)) != 0 ||
	    client_login(srv.base, "bob", "pw-bob-correct-horse", bob, sizeof(bob), bob_csrf,
			 sizeof(bob_csrf)) != 0)
		return -1;
	snprintf(pkg_path, sizeof(pkg_path), "%s/coach.cpkg", srv.dir);
	if (test_cli(&srv, NULL, out, sizeof(out), "app", "pack", "builtin:coach-co2", "--out",
		     pkg_path, NULL) != 0)
		return -1;
	return 0;
}

static int down(void **state)
{
	(void)state;
	return test_server_stop(&srv, true) == 0 ? 0 : -1;
}

static void add_trip(const char *start, const char *mode, int meters)
{
	char body[300];
	struct resp r;

	snprintf(body, sizeof(body),
		 "{\"start\":\"%s\",\"end\":\"%s\",\"mode\":\"%s\",\"distance_m\":%d}", start, start,
		 mode, meters);
	assert_int_equal(call("POST", "/api/v1/records/mobility.trip", alice, alice_csrf, body,
			      strlen(body), &r),
			 201);
	client_free(&r);
}

/* install, list, read, run, runs, remove */
static void install_and_run(void **state)
{
	size_t n;
	char *bytes = slurp(pkg_path, &n);
	struct resp r;
	json_t *rec;

	(void)state;
	add_trip("2025-03-03T08:00:00Z", "car", 20000);
	add_trip("2025-03-04T08:00:00Z", "bike", 5000);
	if (install(bytes, n, &r) != 201)
		fail_msg("install: %ld %s", r.status, r.body);
	assert_string_equal(json_string_value(json_object_get(r.json, "id")), "coach-co2");
	assert_string_equal(json_string_value(json_object_get(r.json, "certificate")), "none");
	client_free(&r);
	assert_int_equal(call("GET", "/api/v1/apps", alice, NULL, NULL, 0, &r), 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
	client_free(&r);
	assert_int_equal(call("GET", "/api/v1/apps/coach-co2", alice, NULL, NULL, 0, &r), 200);
	assert_non_null(json_object_get(json_object_get(r.json, "files"), "main.lua"));
	client_free(&r);
	if (call("POST", "/api/v1/apps/coach-co2/run", alice, alice_csrf, NULL, 0, &r) != 200)
		fail_msg("run: %ld %s", r.status, r.body);
	if (strcmp(json_string_value(json_object_get(r.json, "outcome")), "ok") != 0)
		fail_msg("run: %s", r.body);
	assert_true(json_integer_value(json_object_get(r.json, "records_written")) >= 1);
	client_free(&r);
	/* the results are alice's records: 20 km by car in March 2025 */
	assert_int_equal(call("GET", "/api/v1/records/footprint.co2.monthly?limit=100", alice, NULL,
			      NULL, 0, &r),
			 200);
	assert_true(json_array_size(json_object_get(r.json, "items")) >= 1);
	{
		size_t i;
		bool car = false;

		json_array_foreach(json_object_get(r.json, "items"), i, rec) {
			json_t *d = json_object_get(rec, "data");

			if (json_is_string(json_object_get(d, "mode")) &&
			    strcmp(json_string_value(json_object_get(d, "mode")), "car") == 0) {
				car = true;
				assert_true(json_number_value(json_object_get(d, "km")) == 20.0);
			}
		}
		assert_true(car);
	}
	client_free(&r);
	assert_int_equal(call("GET", "/api/v1/apps/coach-co2/runs", alice, NULL, NULL, 0, &r), 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
	client_free(&r);
	/* in alice's chain: the install and the run */
	assert_int_equal(call("GET", "/api/v1/audit?action=app.run", alice, NULL, NULL, 0, &r), 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
	client_free(&r);
	/* bob sees no app of alice's, runs none */
	assert_int_equal(call("GET", "/api/v1/apps/coach-co2", bob, NULL, NULL, 0, &r), 404);
	client_free(&r);
	assert_int_equal(call("POST", "/api/v1/apps/coach-co2/run", bob, bob_csrf, NULL, 0, &r), 404);
	client_free(&r);
	assert_int_equal(call("GET", "/api/v1/apps", bob, NULL, NULL, 0, &r), 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 0);
	client_free(&r);
	free(bytes);
}

/* new trips imported wake Coach CO2 (its data trigger): it runs by itself */
static void new_data_wakes_the_app(void **state)
{
	const char *trips = "[{\"metadata\":{\"key\":\"analysis/confirmed_trip\"},\"data\":"
			    "{\"start_ts\":1743580800,\"end_ts\":1743582600,\"distance\":30000,"
			    "\"start_loc\":{\"type\":\"Point\",\"coordinates\":[4.83,45.76]},"
			    "\"end_loc\":{\"type\":\"Point\",\"coordinates\":[4.9,45.7]},"
			    "\"user_input\":{\"mode_confirm\":\"train\"}}}]";
	const char *headers[] = {alice, alice_csrf, "Content-Type: application/json", NULL};
	struct resp r;
	size_t i;
	json_t *v;
	bool data_run = false;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(client_request(srv.base, "POST", "/api/v1/imports?name=trips.json",
					headers, trips, strlen(trips), &r),
			 0);
	if (r.status != 201)
		fail_msg("import: %ld %s", r.status, r.body);
	client_free(&r);
	assert_int_equal(call("GET", "/api/v1/apps/coach-co2/runs", alice, NULL, NULL, 0, &r), 200);
	json_array_foreach(json_object_get(r.json, "items"), i, v) {
		if (strcmp(json_string_value(json_object_get(v, "trigger")), "data") == 0)
			data_run = true;
	}
	assert_true(data_run);
	client_free(&r);
	/* the train trip of April 2025 is in the results */
	assert_int_equal(call("GET", "/api/v1/records/footprint.co2.monthly?limit=100", alice, NULL,
			      NULL, 0, &r),
			 200);
	assert_non_null(strstr(r.body, "\"train\""));
	client_free(&r);
}

/* not a package: a problem naming the fault; nothing installed */
static void bad_packages(void **state)
{
	struct resp r;
	const char *broken = "{\"format\":\"commune-app/1\",\"manifest\":{\"id\":\"X\"},"
			     "\"files\":{\"main.lua\":\"\"}}";

	(void)state;
	assert_int_equal(install(broken, strlen(broken), &r), 400);
	assert_non_null(strstr(r.body, "/manifest/id"));
	client_free(&r);
	assert_int_equal(install("{\"format\":", 10, &r), 400);
	client_free(&r);
	assert_int_equal(call("GET", "/api/v1/apps", alice, NULL, NULL, 0, &r), 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
	client_free(&r);
}

/* a hostile app over HTTP: stopped, reported, the server answers on */
static void hostile_over_http(void **state)
{
	const char *pkg = "{\"format\":\"commune-app/1\",\"files\":{\"main.lua\":"
			  "\"function run() while true do end end\"},\"manifest\":{\"id\":\"spin\","
			  "\"version\":\"1.0.0\",\"publisher\":{\"name\":\"X\"},\"name\":{\"fr\":\"x\","
			  "\"en\":\"x\"},\"description\":{\"fr\":\"x\",\"en\":\"x\"},\"entry\":"
			  "\"main.lua\",\"permissions\":{},\"triggers\":[{\"on\":\"demand\"}],"
			  "\"limits\":{\"instructions\":1000000}}}";
	struct resp r;

	(void)state;
	assert_int_equal(install(pkg, strlen(pkg), &r), 201);
	client_free(&r);
	assert_int_equal(call("POST", "/api/v1/apps/spin/run", alice, alice_csrf, NULL, 0, &r), 200);
	assert_string_equal(json_string_value(json_object_get(r.json, "outcome")), "instructions");
	client_free(&r);
	assert_int_equal(call("GET", "/api/v1/health", alice, NULL, NULL, 0, &r), 200);
	client_free(&r);
	assert_int_equal(call("DELETE", "/api/v1/apps/spin", alice, alice_csrf, NULL, 0, &r), 204);
	client_free(&r);
	assert_int_equal(call("POST", "/api/v1/apps/spin/run", alice, alice_csrf, NULL, 0, &r), 404);
	client_free(&r);
}

/* certified only: uncertified and tampered packages refused; a revoked
 * certificate stops the app at its next run */
static void certification(void **state)
{
	char out[512], tampered_path[300];
	size_t n;
	char *bytes = slurp(pkg_path, &n);
	struct resp r;
	FILE *f;

	(void)state;
	assert_int_equal(call("PUT", "/api/v1/apps-policy", alice, alice_csrf,
			      "{\"certified_only\":true}", 23, &r),
			 200);
	client_free(&r);
	assert_int_equal(call("POST", "/api/v1/apps/coach-co2/run", alice, alice_csrf, NULL, 0, &r),
			 403);
	assert_non_null(strstr(r.body, "certified"));
	client_free(&r);
	assert_int_equal(install(bytes, n, &r), 403);
	client_free(&r);
	/* the operator certifies the package */
	assert_int_equal(test_cli(&srv, NULL, out, sizeof(out), "app", "sign", pkg_path, NULL), 0);
	assert_int_equal(install(bytes, n, &r), 201);
	assert_string_equal(json_string_value(json_object_get(r.json, "certificate")), "certified");
	client_free(&r);
	assert_int_equal(call("POST", "/api/v1/apps/coach-co2/run", alice, alice_csrf, NULL, 0, &r),
			 200);
	client_free(&r);
	/* one byte changed in the certified package: not certified any more */
	*strstr(bytes, "function") = 'F';
	snprintf(tampered_path, sizeof(tampered_path), "%s/tampered.cpkg", srv.dir);
	f = fopen(tampered_path, "wb");
	assert_non_null(f);
	fwrite(bytes, 1, n, f);
	fclose(f);
	assert_int_equal(install(bytes, n, &r), 403);
	client_free(&r);
	/* revoked: the app stops everywhere at its next run */
	assert_int_equal(test_cli(&srv, NULL, out, sizeof(out), "app", "revoke", "coach-co2", NULL),
			 0);
	assert_int_equal(call("POST", "/api/v1/apps/coach-co2/run", alice, alice_csrf, NULL, 0, &r),
			 403);
	assert_non_null(strstr(r.body, "revoked"));
	client_free(&r);
	assert_int_equal(call("GET", "/api/v1/apps", alice, NULL, NULL, 0, &r), 200);
	assert_non_null(strstr(r.body, "\"revoked\""));
	client_free(&r);
	free(bytes);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(install_and_run),
		cmocka_unit_test(new_data_wakes_the_app),
		cmocka_unit_test(bad_packages),
		cmocka_unit_test(hostile_over_http),
		cmocka_unit_test(certification),
	};
	int failed;

	if (argc < 2) {
		fprintf(stderr, "usage: %s COMMUNE_BINARY\n", argv[0]);
		return 2;
	}
	bin = argv[1];
	if (api_init() != CMN_OK)
		return 2;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	failed = cmocka_run_group_tests(tests, up, down);
	curl_global_cleanup();
	api_release();
	return failed;
}
