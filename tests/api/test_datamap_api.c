/*
 * test_datamap_api.c - who may do what on /api/v1/datamap and
 * /api/v1/portability (issue 11, src/api/api_datamap.c), on a real server
 * whose data map was loaded with `commune datamap load` (the seed
 * catalogue): a resident (owner), another resident, an agent of a city
 * organisation, an agent of another organisation, the operator (admin),
 * nobody, and an API token where a session is required. The data map is
 * public; a person drafts (session only), sends and answers their own
 * requests, and sees no one else's (404, to the operator too); the counts
 * per holder are for the city's agents and the operator, and name no one.
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

/* an Enedis "Mes mesures" export, short: three points of a load curve */
#define CURVE                                                                             \
	"Identifiant PRM;Type de donnees;Unite;Pas en minutes\n"                            \
	"98765432109876;Courbe de charge;W;30\nHorodate;Valeur\n"                           \
	"2026-03-01T00:30:00+01:00;500\n2026-03-01T01:00:00+01:00;510\n"                    \
	"2026-03-01T01:30:00+01:00;520\n"

/* who calls: a session (cookie and CSRF token), an API token, or nobody */
struct who {
	const char *handle;
	char cookie[300];
	char csrf[200];
	char bearer[200];
};

static const char *bin;
static struct test_server srv;
static struct who alice = {.handle = "alice"}, bob = {.handle = "bob"},
		  agent = {.handle = "agent"}, other = {.handle = "other"},
		  admin = {.handle = "admin"}, alice_token = {.handle = "alice's token"};
static struct who *const nobody = NULL;
static char request_id[40];               /* alice's request to Enedis */
static char alice_id[40];

static long call_ct(const struct who *w, const char *method, const char *path,
		    const char *body, const char *ctype, struct resp *r)
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
		headers[n++] = ctype;
	memset(r, 0, sizeof(*r));
	assert_int_equal(client_request(srv.base, method, path, headers, body,
					body ? strlen(body) : 0, r),
			 0);
	return r->status;
}

static long call(const struct who *w, const char *method, const char *path, const char *body,
		 struct resp *r)
{
	return call_ct(w, method, path, body, "Content-Type: application/json", r);
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

/* ---- the territory ---------------------------------------------------------------- */

static bool add_person(const char *handle, const char *role, const char *org)
{
	char line[128];

	snprintf(line, sizeof(line), "pw-%s-correct-horse\n", handle);
	if (org)
		return test_cli(&srv, line, NULL, 0, "user", "add", handle, "--role", role, "--org",
				org, NULL) == 0;
	return test_cli(&srv, line, NULL, 0, "user", "add", handle, "--role", role, NULL) == 0;
}

static bool add_org(const char *name, const char *kind)
{
	return test_cli(&srv, NULL, NULL, 0, "org", "add", name, "--kind", kind, NULL) == 0;
}

static bool login(struct who *w)
{
	char password[128];

	snprintf(password, sizeof(password), "pw-%s-correct-horse", w->handle);
	return client_login(srv.base, w->handle, password, w->cookie, sizeof(w->cookie), w->csrf,
			    sizeof(w->csrf)) == 0;
}

/* load_seed - `commune datamap load` of the source tree's seed catalogue */
static bool load_seed(void)
{
	const char *here = __FILE__, *cut = strstr(here, "tests/api/");
	char path[512], out[256];

	if (!cut)
		return false;
	snprintf(path, sizeof(path), "%.*sdatamap/territory.json", (int)(cut - here), here);
	return test_cli(&srv, NULL, out, sizeof(out), "datamap", "load", path, NULL) == 0 &&
	       strstr(out, "6 holders") != NULL;
}

static int up(void **state)
{
	struct resp r;

	(void)state;
	if (!test_data_dir(&srv, bin) || !add_org("Ville", "city") || !add_org("Autre", "reuser") ||
	    !add_person("alice", "resident", NULL) || !add_person("bob", "resident", NULL) ||
	    !add_person("agent", "agent", "Ville") || !add_person("other", "agent", "Autre") ||
	    !add_person("admin", "admin", NULL) || !load_seed() ||
	    !test_server_start(&srv, NULL) || !login(&alice) || !login(&bob) || !login(&agent) ||
	    !login(&other) || !login(&admin))
		return -1;
	if (call(&alice, "POST", "/api/v1/tokens", "{\"name\":\"fixture\"}", &r) != 201)
		return -1;
	snprintf(alice_token.bearer, sizeof(alice_token.bearer), "Authorization: Bearer %s",
		 json_string_value(json_object_get(r.json, "token")));
	client_free(&r);
	if (call(&alice, "GET", "/api/v1/me", NULL, &r) != 200)
		return -1;
	snprintf(alice_id, sizeof(alice_id), "%s", json_string_value(json_object_get(r.json, "id")));
	client_free(&r);
	return 0;
}

static int down(void **state)
{
	(void)state;
	return test_server_stop(&srv, true) == 0 ? 0 : -1;
}

/* ---- the data map ------------------------------------------------------------------- */

static void datamap_is_public(void **state)
{
	struct resp r;

	(void)state;
	assert_int_equal(call(nobody, "GET", "/api/v1/datamap", NULL, &r), 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "holders")), 6);
	assert_non_null(strstr(r.body, "34 place des Corolles"));
	assert_non_null(strstr(r.body, "Courbe de charge"));
	client_free(&r);
	assert_int_equal(call(nobody, "GET", "/api/v1/datamap/holders/enedis", NULL, &r), 200);
	assert_string_equal(json_string_value(json_object_get(r.json, "name")), "Enedis");
	client_free(&r);
	expect(&alice_token, "GET", "/api/v1/datamap/holders/caf", NULL, 200);
	expect(nobody, "GET", "/api/v1/datamap/holders/edf", NULL, 404);
}

/* ---- requests ------------------------------------------------------------------------ */

static void path_of(char *out, size_t n, const char *tail)
{
	snprintf(out, n, "/api/v1/portability/%s%s", request_id, tail);
}

static void drafting(void **state)
{
	const char *body = "{\"holder\":\"enedis\",\"kind\":\"portability\","
			   "\"doctypes\":[\"energy.electricity.load_curve\"]}";
	struct resp r;
	char loc[200];

	(void)state;
	expect(nobody, "POST", "/api/v1/portability", body, 401);
	expect(&alice_token, "POST", "/api/v1/portability", body, 403); /* a session only */
	expect(&alice, "POST", "/api/v1/portability", "{\"holder\":\"edf\",\"kind\":\"access\"}",
	       400);
	assert_int_equal(call(&alice, "POST", "/api/v1/portability",
			      "{\"holder\":\"enedis\",\"kind\":\"access\",\"doctypes\":"
			      "[\"bank.transaction\"]}",
			      &r),
			 400);
	assert_int_equal(strncmp(json_string_value(json_object_get(r.json, "detail")),
				 "/doctypes/0:", 12),
			 0);
	client_free(&r);
	expect(&alice, "POST", "/api/v1/portability", "{\"holder\":\"enedis\",\"kind\":\"erase\"}",
	       400);
	assert_int_equal(call(&alice, "POST", "/api/v1/portability", body, &r), 201);
	snprintf(request_id, sizeof(request_id), "%s",
		 json_string_value(json_object_get(r.json, "id")));
	assert_string_equal(json_string_value(json_object_get(r.json, "state")), "draft");
	assert_non_null(strstr(json_string_value(json_object_get(r.json, "letter")),
			       "articles 12, 15 et 20 du RGPD"));
	assert_non_null(client_header(&r, "Location", loc, sizeof(loc)));
	assert_non_null(strstr(loc, request_id));
	client_free(&r);
}

static void only_the_owner_sees_it(void **state)
{
	char p[200];
	struct resp r;

	(void)state;
	path_of(p, sizeof(p), "");
	expect(&alice, "GET", p, NULL, 200);
	expect(&alice_token, "GET", p, NULL, 200);
	expect(nobody, "GET", p, NULL, 401);
	expect(&bob, "GET", p, NULL, 404);
	expect(&agent, "GET", p, NULL, 404);
	expect(&admin, "GET", p, NULL, 404);
	assert_int_equal(call(&alice_token, "GET", "/api/v1/portability", NULL, &r), 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
	client_free(&r);
	assert_int_equal(call(&bob, "GET", "/api/v1/portability", NULL, &r), 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 0);
	client_free(&r);
	expect(nobody, "GET", "/api/v1/portability", NULL, 401);
}

static void sending_and_answering(void **state)
{
	char p[200], body[100];
	struct resp r;

	(void)state;
	path_of(p, sizeof(p), "/sent");
	expect(nobody, "POST", p, "{}", 401);
	expect(&bob, "POST", p, "{}", 404);
	expect(&admin, "POST", p, "{}", 404);
	expect(&alice, "POST", p, "{\"at\":\"2999-01-01T00:00:00Z\"}", 400);
	expect(&alice, "POST", p, "{\"at\":\"2001-01-01T00:00:00Z\"}", 400);
	assert_int_equal(call(&alice_token, "POST", p, "{}", &r), 200);
	assert_string_equal(json_string_value(json_object_get(r.json, "state")), "sent");
	assert_non_null(json_object_get(r.json, "deadline"));
	client_free(&r);
	expect(&alice, "POST", p, "{}", 409);
	/* the answer: an import of the holder's file, then named */
	assert_int_equal(call_ct(&alice, "POST", "/api/v1/imports?name=enedis.csv", CURVE,
				 "Content-Type: text/csv", &r),
			 201);
	snprintf(body, sizeof(body), "{\"import\":\"%s\"}",
		 json_string_value(json_object_get(r.json, "id")));
	client_free(&r);
	path_of(p, sizeof(p), "/answer");
	expect(nobody, "POST", p, body, 401);
	expect(&bob, "POST", p, body, 404);
	expect(&alice, "POST", p, "{\"import\":\"0123456789abcdef0123456789abcdef\"}", 400);
	assert_int_equal(call(&alice, "POST", p, body, &r), 200);
	assert_string_equal(json_string_value(json_object_get(r.json, "state")), "answered");
	assert_int_equal(json_integer_value(json_object_get(
			     json_object_get(json_object_get(r.json, "answer"), "stats"),
			     "points_added")),
			 3);
	client_free(&r);
	expect(&alice, "POST", p, body, 409);
	/* the reminder as the command line runs it: none is late */
	assert_int_equal(test_cli(&srv, NULL, NULL, 0, "portability", "remind", NULL), 0);
}

static void stats_for_the_city_only(void **state)
{
	const char *s = "/api/v1/portability/stats";
	struct resp r;
	const json_t *h;
	size_t i;
	bool seen = false;

	(void)state;
	expect(nobody, "GET", s, NULL, 401);
	expect(&alice, "GET", s, NULL, 403);
	expect(&alice_token, "GET", s, NULL, 403);
	expect(&bob, "GET", s, NULL, 403);
	expect(&other, "GET", s, NULL, 403); /* an agent, not of the city */
	expect(&admin, "GET", s, NULL, 200);
	assert_int_equal(call(&agent, "GET", s, NULL, &r), 200);
	json_array_foreach(json_object_get(r.json, "holders"), i, h) {
		if (strcmp(json_string_value(json_object_get(h, "holder")), "enedis") != 0)
			continue;
		seen = true;
		assert_int_equal(json_integer_value(json_object_get(h, "requests")), 1);
		assert_int_equal(json_integer_value(json_object_get(h, "sent")), 1);
		assert_int_equal(json_integer_value(json_object_get(h, "answered")), 1);
		assert_int_equal(json_integer_value(json_object_get(h, "late")), 0);
	}
	assert_true(seen);
	assert_int_equal(json_array_size(json_object_get(r.json, "holders")), 6);
	assert_null(strstr(r.body, "alice"));
	assert_null(strstr(r.body, alice_id));
	assert_null(strstr(r.body, request_id));
	client_free(&r);
}

/* The consents in force, counted for the city's agents and the operator:
 * a consent alice gives bob counts one more among persons, and the
 * answer names nobody. */
static void consent_counts_for_the_city_only(void **state)
{
	const char *s = "/api/v1/consents/stats";
	struct resp r;
	json_int_t persons, total;
	char given[64], p[128];

	(void)state;
	expect(nobody, "GET", s, NULL, 401);
	expect(&alice, "GET", s, NULL, 403);
	expect(&alice_token, "GET", s, NULL, 403);
	expect(&bob, "GET", s, NULL, 403);
	expect(&other, "GET", s, NULL, 403); /* an agent, not of the city */
	assert_int_equal(call(&admin, "GET", s, NULL, &r), 200);
	persons = json_integer_value(json_pointer(r.json, "/by_grantee/person"));
	total = json_integer_value(json_object_get(r.json, "in_force"));
	client_free(&r);
	assert_int_equal(call(&alice, "POST", "/api/v1/consents",
			      "{\"grantee\":{\"kind\":\"person\",\"handle\":\"bob\"},"
			      "\"purpose\":{\"dpv\":\"PersonalisedBenefits\",\"text\":{\"fr\":\"Mes "
			      "droits\",\"en\":\"My rights\"}},\"legal_basis\":\"consent\",\"scope\":"
			      "{\"doctypes\":[\"bank.transaction\"],\"fields\":[\"date\",\"amount\"],"
			      "\"from\":\"2024-01-01\",\"to\":\"2025-01-01\",\"operations\":[\"read\"]}}",
			      &r),
			 201);
	snprintf(given, sizeof(given), "%s", json_string_value(json_object_get(r.json, "id")));
	client_free(&r);
	assert_int_equal(call(&agent, "GET", s, NULL, &r), 200);
	assert_int_equal(json_integer_value(json_pointer(r.json, "/by_grantee/person")), persons + 1);
	assert_int_equal(json_integer_value(json_object_get(r.json, "in_force")), total + 1);
	assert_null(strstr(r.body, alice_id));
	assert_null(strstr(r.body, given));
	client_free(&r);
	/* withdrawn, it no longer counts */
	snprintf(p, sizeof(p), "/api/v1/consents/%s/withdraw", given);
	expect(&alice, "POST", p, NULL, 200);
	assert_int_equal(call(&agent, "GET", s, NULL, &r), 200);
	assert_int_equal(json_integer_value(json_pointer(r.json, "/by_grantee/person")), persons);
	client_free(&r);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(datamap_is_public),
		cmocka_unit_test(drafting),
		cmocka_unit_test(only_the_owner_sees_it),
		cmocka_unit_test(sending_and_answering),
		cmocka_unit_test(stats_for_the_city_only),
		cmocka_unit_test(consent_counts_for_the_city_only),
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
