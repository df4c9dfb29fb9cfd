/*
 * test_service_aides_api.c - Mes Aides Directes on a real server (issue
 * 13): alice, a resident of Bordeaux, imports her tax notice, her profile
 * and an allowance, installs the shipped app and runs it at a date: free
 * TBM transport and a chèque énergie of 146 EUR, as the published grids
 * say. She shares the simulation with sophie, a social worker, for a few
 * seconds: sophie reads exactly it and none of what it was made from; then
 * the share ends by itself, by the clock the share code reads, and sophie
 * is refused (410 Gone) while alice sees it expired.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "api/api.h"
#include "client.h"
#include "core/timeutil.h"
#include "server.h"

#define MARK "MARK-notice-" /* in what the share does not cover */

static const char *bin;
static struct test_server srv;
static char alice[300], alice_csrf[200], sophie[300], sophie_csrf[200];
static char pkg_path[300];

static long call(const char *method, const char *path, const char *cookie, const char *csrf,
		 const char *extra, const char *body, size_t len, struct resp *r)
{
	const char *headers[5] = {0};
	size_t n = 0;

	headers[n++] = cookie;
	if (csrf)
		headers[n++] = csrf;
	if (extra)
		headers[n++] = extra;
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

static void add(const char *doctype, const char *json)
{
	char path[128];
	struct resp r;

	snprintf(path, sizeof(path), "/api/v1/records/%s", doctype);
	if (call("POST", path, alice, alice_csrf, NULL, json, strlen(json), &r) != 201)
		fail_msg("%s: %ld %s", doctype, r.status, r.body);
	client_free(&r);
}

static int up(void **state)
{
	char out[512];

	(void)state;
	if (!test_data_dir(&srv, bin) ||
	    !test_add_user(&srv, "alice", "resident", "pw-alice-correct-horse") ||
	    test_cli(&srv, NULL, out, sizeof(out), "org", "add", "CCAS", "--kind", "city", NULL) !=
		0 ||
	    test_cli(&srv, "pw-sophie-correct-horse\n", out, sizeof(out), "user", "add", "sophie",
		     "--role", "professional", "--org", "CCAS", NULL) != 0 ||
	    !test_server_start(&srv, NULL) ||
	    client_login(srv.base, "alice", "pw-alice-correct-horse", alice, sizeof(alice),
			 alice_csrf, sizeof(alice_csrf)) != 0 ||
	    client_login(srv.base, "sophie", "pw-sophie-correct-horse", sophie, sizeof(sophie),
			 sophie_csrf, sizeof(sophie_csrf)) != 0)
		return -1;
	snprintf(pkg_path, sizeof(pkg_path), "%s/aides.cpkg", srv.dir);
	if (test_cli(&srv, NULL, out, sizeof(out), "app", "pack", "builtin:aides-directes", "--out",
		     pkg_path, NULL) != 0)
		return -1;
	return 0;
}

static int down(void **state)
{
	(void)state;
	return test_server_stop(&srv, true) == 0 ? 0 : -1;
}

/* the items of a GET of the records of a doctype by who (under hdr) */
static json_t *items(const char *doctype, const char *who, const char *hdr, long want)
{
	char path[128];
	struct resp r;
	json_t *v;

	snprintf(path, sizeof(path), "/api/v1/records/%s", doctype);
	if (call("GET", path, who, NULL, hdr, NULL, 0, &r) != want)
		fail_msg("GET %s: %ld, not %ld: %.300s", path, r.status, want, r.body);
	if (r.body && strstr(r.body, MARK))
		fail_msg("GET %s: the notice leaked: %.300s", path, r.body);
	v = json_incref(json_object_get(r.json, "items"));
	client_free(&r);
	return v;
}

/* rfc3339 - t (ms) as the share code reads it */
static void rfc3339(int64_t t, char out[TIME_RFC3339_LEN])
{
	time_format(out, t);
}

static void share_the_simulation_for_a_while(void **state)
{
	char until[TIME_RFC3339_LEN], hdr[120], id[64], body[1024], path[160];
	size_t n, i;
	char *bytes = slurp(pkg_path, &n);
	struct resp r;
	json_t *mine, *hers;
	const json_t *x;
	int64_t end;
	int eligible = 0;

	(void)state;
	/* a person alone in Bordeaux: QF 6000 / 12 = 500, free TBM; 146 EUR of
	 * chèque énergie (6000 a unit) */
	add("tax.household", "{\"income_year\":2023,\"issued\":\"2024-08-01\",\"tax_shares\":1,"
			     "\"reference_income\":6000,\"taxable_income\":6000,"
			     "\"commune_insee\":\"33063\",\"tax_due\":4242}");
	add("household.profile", "{\"declared\":\"2024-01-01\",\"district\":\"D11\",\"members\":1,"
				 "\"heating\":\"gas\"}");
	add("social.allowance", "{\"period_start\":\"2025-02-01\",\"kind\":\"apl\",\"amount\":180,"
				"\"payer\":\"caf\",\"reference\":\"" MARK "ref\"}");
	if (call("POST", "/api/v1/apps", alice, alice_csrf, NULL, bytes, n, &r) != 201)
		fail_msg("install: %ld %s", r.status, r.body);
	client_free(&r);
	free(bytes);
	if (call("POST", "/api/v1/apps/aides-directes/run", alice, alice_csrf, NULL,
		 "{\"at\":\"2025-03-01\"}", strlen("{\"at\":\"2025-03-01\"}"), &r) != 200)
		fail_msg("run: %ld %s", r.status, r.body);
	client_free(&r);
	mine = items("social.aid.simulation", alice, NULL, 200);
	assert_int_equal(json_array_size(mine), 5);
	json_array_foreach(mine, i, x)
	{
		const json_t *d = json_object_get(x, "data");
		const char *rule = json_string_value(json_object_get(d, "rule"));
		const char *status = json_string_value(json_object_get(d, "status"));

		if (strcmp(status, "eligible") != 0)
			continue;
		eligible++;
		if (strcmp(rule, "bordeaux_metropole.tbm_solidaire") == 0)
			assert_string_equal(json_string_value(json_object_get(d, "level")),
					    "reduction_100");
		else if (strcmp(rule, "france.cheque_energie") == 0)
			assert_int_equal(json_integer_value(json_object_get(
					     json_object_get(d, "amount"), "value")),
					 146);
		else
			fail_msg("eligible to %s", rule);
	}
	assert_int_equal(eligible, 2);

	/* the simulation, to sophie, for three to four seconds by the clock the
	 * share code reads (time_now_ms) */
	end = (time_now_ms() / 1000 + 4) * 1000;
	rfc3339(end, until);
	snprintf(body, sizeof(body),
		 "{\"with\":{\"kind\":\"person\",\"handle\":\"sophie\"},"
		 "\"doctypes\":[\"social.aid.simulation\"],\"until\":\"%s\","
		 "\"purpose\":{\"fr\":\"Être accompagnée dans mes demandes d'aide\","
		 "\"en\":\"Help with my applications for aid\"}}",
		 until);
	if (call("POST", "/api/v1/shares", alice, alice_csrf, NULL, body, strlen(body), &r) != 201)
		fail_msg("share: %ld %s", r.status, r.body);
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(r.json, "id")));
	client_free(&r);
	snprintf(hdr, sizeof(hdr), "Commune-Consent: %s", id);
	snprintf(path, sizeof(path), "/api/v1/shares/%s", id);

	/* while it lasts: the simulation as alice sees it, nothing else */
	hers = items("social.aid.simulation", sophie, hdr, 200);
	assert_int_equal(json_array_size(hers), json_array_size(mine));
	json_array_foreach(hers, i, x)
	{
		const json_t *own = json_array_get(mine, i);

		assert_string_equal(json_string_value(json_object_get(x, "id")),
				    json_string_value(json_object_get(own, "id")));
		assert_true(json_equal(json_object_get(x, "data"), json_object_get(own, "data")));
	}
	json_decref(hers);
	json_decref(items("tax.household", sophie, hdr, 403));
	json_decref(items("social.allowance", sophie, hdr, 403));
	assert_int_equal(call("GET", path, alice, NULL, NULL, NULL, 0, &r), 200);
	assert_string_equal(json_string_value(json_object_get(r.json, "status")), "given");
	client_free(&r);

	/* it ends by itself, nobody revoking it: 410 to sophie, expired to alice */
	while (time_now_ms() <= end)
		usleep(200 * 1000);
	json_decref(items("social.aid.simulation", sophie, hdr, 410));
	assert_int_equal(call("GET", path, alice, NULL, NULL, NULL, 0, &r), 200);
	assert_string_equal(json_string_value(json_object_get(r.json, "status")), "expired");
	client_free(&r);
	json_decref(mine);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(share_the_simulation_for_a_while),
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
