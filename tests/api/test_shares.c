/*
 * test_shares.c - issue 7's share scenario on a real server: alice shares
 * three months of bank transactions and allowances with sophie, a social
 * worker, behind a passcode. Sophie sees exactly that (no other record,
 * no other field); a wrong passcode is refused and, repeated, rate-limited;
 * the share ends (410 Gone after its date); a revocation is immediate; and
 * alice's audit chain shows each of sophie's views. Every route of the
 * server is also called by sophie under the share: reads only, no leak.
 * And a mediator under a mandate imports a file for alice, reads nothing,
 * and can do nothing once the mandate ends.
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
#include "server.h"

#define MARK "MARK-outside-" /* in what the share does not cover */

static const char *bin;
static struct test_server srv;
static char alice[300], alice_csrf[200], sophie[300], sophie_csrf[200];
static char medi[300], medi_csrf[200];

static long call(const char *method, const char *path, const char *cookie, const char *csrf,
		 const char *extra, const char *body, struct resp *r)
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
	assert_int_equal(client_request(srv.base, method, path, headers, body,
					body ? strlen(body) : 0, r),
			 0);
	return r->status;
}

static void add(const char *doctype, const char *json)
{
	char path[128];
	struct resp r;

	snprintf(path, sizeof(path), "/api/v1/records/%s", doctype);
	if (call("POST", path, alice, alice_csrf, NULL, json, &r) != 201)
		fail_msg("%s: %ld %s", doctype, r.status, r.body);
	client_free(&r);
}

/* share - alice's share with sophie until until; its id into id. */
static void share(const char *until, char id[64])
{
	char body[1024];
	struct resp r;

	snprintf(body, sizeof(body),
		 "{\"with\":{\"kind\":\"person\",\"handle\":\"sophie\"},"
		 "\"doctypes\":[\"bank.transaction\",\"social.allowance\"],"
		 "\"fields\":[\"date\",\"amount\",\"label\",\"period_start\",\"kind\"],"
		 "\"from\":\"2025-01-01\",\"to\":\"2025-04-01\",\"until\":\"%s\","
		 "\"purpose\":{\"fr\":\"Étudier mes droits au CCAS\",\"en\":\"Study my rights\"},"
		 "\"passcode\":\"418-902-77\"}",
		 until);
	if (call("POST", "/api/v1/shares", alice, alice_csrf, NULL, body, &r) != 201)
		fail_msg("share: %ld %s", r.status, r.body);
	assert_true(json_is_true(json_object_get(json_object_get(r.json, "share"), "passcode")));
	assert_null(strstr(r.body, "argon2")); /* the hash never leaves the store */
	snprintf(id, 64, "%s", json_string_value(json_object_get(r.json, "id")));
	client_free(&r);
}

static void in_days(int days, char out[32])
{
	time_t t = time(NULL) + (time_t)days * 86400;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int up(void **state)
{
	char out[256];

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
			 sophie_csrf, sizeof(sophie_csrf)) != 0 ||
	    !test_add_user(&srv, "medi", "mediator", "pw-medi-correct-horse") ||
	    client_login(srv.base, "medi", "pw-medi-correct-horse", medi, sizeof(medi), medi_csrf,
			 sizeof(medi_csrf)) != 0)
		return -1;
	add("bank.transaction", "{\"date\":\"2025-01-15\",\"amount\":-42.1,\"currency\":\"EUR\","
				"\"label\":\"Loyer partiel\",\"account\":\"" MARK "account\"}");
	add("bank.transaction", "{\"date\":\"2025-03-10\",\"amount\":610.0,\"currency\":\"EUR\","
				"\"label\":\"Salaire\",\"counterparty\":\"" MARK "counterparty\"}");
	add("bank.transaction", "{\"date\":\"2025-05-01\",\"amount\":-9.9,\"currency\":\"EUR\","
				"\"label\":\"" MARK "may\"}");
	add("social.allowance", "{\"period_start\":\"2025-02-01\",\"kind\":\"apl\",\"amount\":212.5,"
				"\"payer\":\"caf\",\"reference\":\"" MARK "reference\"}");
	add("social.allowance", "{\"period_start\":\"2024-12-01\",\"kind\":\"apl\",\"amount\":212.5,"
				"\"payer\":\"caf\",\"reference\":\"" MARK "december\"}");
	add("mobility.trip", "{\"start\":\"2025-02-01T08:00:00Z\",\"end\":\"2025-02-01T08:20:00Z\","
			     "\"mode\":\"bike\"}");
	return 0;
}

static int down(void **state)
{
	(void)state;
	return test_server_stop(&srv, true) == 0 ? 0 : -1;
}

/* the scenario of the issue, step by step */
static void share_with_a_social_worker(void **state)
{
	char id[64], until[32], hdr[120], path[200];
	struct resp r;
	int views = 0;

	(void)state;
	in_days(30, until);
	share(until, id);
	snprintf(hdr, sizeof(hdr), "Commune-Consent: %s", id);
	/* in sophie's inbox */
	assert_int_equal(call("GET", "/api/v1/inbox", sophie, NULL, NULL, NULL, &r), 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
	client_free(&r);
	/* closed until the passcode is given */
	assert_int_equal(call("GET", "/api/v1/records/bank.transaction", sophie, NULL, hdr, NULL,
			      &r),
			 403);
	client_free(&r);
	snprintf(path, sizeof(path), "/api/v1/shares/%s/unlock", id);
	assert_int_equal(call("POST", path, sophie, sophie_csrf, NULL, "{\"passcode\":\"000000\"}",
			      &r),
			 403);
	client_free(&r);
	assert_int_equal(call("POST", path, sophie, sophie_csrf, NULL,
			      "{\"passcode\":\"418-902-77\"}", &r),
			 204);
	client_free(&r);
	/* exactly what was shared: two transactions and one allowance, five fields */
	assert_int_equal(call("GET", "/api/v1/records/bank.transaction", sophie, NULL, hdr, NULL,
			      &r),
			 200);
	views++;
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 2);
	assert_null(strstr(r.body, MARK));
	assert_null(strstr(r.body, "currency"));
	client_free(&r);
	assert_int_equal(call("GET", "/api/v1/records/social.allowance", sophie, NULL, hdr, NULL,
			      &r),
			 200);
	views++;
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
	assert_null(strstr(r.body, MARK));
	client_free(&r);
	assert_int_equal(call("GET", "/api/v1/records/mobility.trip", sophie, NULL, hdr, NULL, &r),
			 403);
	client_free(&r);
	/* every route, sophie under the share: reads at most, nothing else */
	{
		size_t n;
		const struct route *routes = api_routes(&n);

		for (size_t i = 0; i < n; i++) {
			const struct route *rt = &routes[i];
			char rpath[512];
			const char *p = rt->pattern;
			size_t o = 0;
			long status;

			while (*p && o + 70 < sizeof(rpath)) {
				if (*p == '{') {
					o += (size_t)snprintf(rpath + o, sizeof(rpath) - o, "%s",
							      strncmp(p, "{doctype}", 9) == 0
								      ? "bank.transaction"
								      : id);
					p = strchr(p, '}') + 1;
				} else {
					rpath[o++] = *p++;
				}
			}
			rpath[o] = '\0';
			status = call(rt->method, rpath, sophie, sophie_csrf, hdr,
				      strcmp(rt->method, "GET") && strcmp(rt->method, "DELETE") ? "{}"
												 : NULL,
				      &r);
			if (r.body && strstr(r.body, MARK))
				fail_msg("%s %s by sophie under the share: leaked %.300s", rt->method,
					 rpath, r.body);
			if (rt->auth != AUTH_NONE &&
			    (rt->grant == GRANT_ROUTE_NONE || strcmp(rt->method, "GET") != 0) &&
			    status != 401 && status != 403)
				fail_msg("%s %s by sophie under the share: %ld", rt->method, rpath,
					 status);
			if (status == 200 && strcmp(rt->method, "GET") == 0 &&
			    rt->grant != GRANT_ROUTE_NONE)
				views++; /* a read under the share: in the owner's chain */
			client_free(&r);
		}
	}
	/* alice's chain shows each of sophie's views, and the share counts them */
	assert_int_equal(call("GET", "/api/v1/audit?action=data.read&limit=1000", alice, NULL, NULL,
			      NULL, &r),
			 200);
	{
		size_t i, seen = 0;
		json_t *v;

		json_array_foreach(json_object_get(r.json, "items"), i, v) {
			assert_non_null(strstr(json_string_value(json_object_get(v, "actor")),
					       "person:"));
			seen += json_array_size(
				json_object_get(json_object_get(v, "detail"), "reads"));
		}
		assert_int_equal(seen, (size_t)views);
	}
	client_free(&r);
	assert_int_equal(call("GET", "/api/v1/shares", alice, NULL, NULL, NULL, &r), 200);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
				 json_object_get(r.json, "items"), 0), "uses")),
			 views);
	client_free(&r);
	/* revoked: the very next view is gone */
	snprintf(path, sizeof(path), "/api/v1/shares/%s", id);
	assert_int_equal(call("DELETE", path, alice, alice_csrf, NULL, NULL, &r), 204);
	client_free(&r);
	assert_int_equal(call("GET", "/api/v1/records/bank.transaction", sophie, NULL, hdr, NULL,
			      &r),
			 410);
	client_free(&r);
}

/* wrong passcodes are rate-limited, the right one too while it lasts */
static void wrong_passcodes_are_limited(void **state)
{
	char id[64], until[32], path[200];
	struct resp r;

	(void)state;
	in_days(30, until);
	share(until, id);
	snprintf(path, sizeof(path), "/api/v1/shares/%s/unlock", id);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(call("POST", path, sophie, sophie_csrf, NULL,
				      "{\"passcode\":\"123456\"}", &r),
				 403);
		client_free(&r);
	}
	assert_int_equal(call("POST", path, sophie, sophie_csrf, NULL,
			      "{\"passcode\":\"418-902-77\"}", &r),
			 429);
	assert_non_null(client_header(&r, "Retry-After", (char[16]){0}, 16));
	client_free(&r);
	/* alice may not open a share addressed to sophie */
	assert_int_equal(call("POST", path, alice, alice_csrf, NULL, "{\"passcode\":\"418-902-77\"}",
			      &r),
			 404);
	client_free(&r);
}

/* a share past its date is 410 Gone */
static void expired_share_is_gone(void **state)
{
	char id[64], until[32], hdr[120], path[200];
	struct resp r;
	time_t t = time(NULL) + 2;
	struct tm tm;

	(void)state;
	gmtime_r(&t, &tm);
	strftime(until, sizeof(until), "%Y-%m-%dT%H:%M:%SZ", &tm);
	share(until, id);
	snprintf(path, sizeof(path), "/api/v1/shares/%s/unlock", id);
	snprintf(hdr, sizeof(hdr), "Commune-Consent: %s", id);
	sleep(3);
	assert_int_equal(call("GET", "/api/v1/records/bank.transaction", sophie, NULL, hdr, NULL,
			      &r),
			 410);
	client_free(&r);
	assert_int_equal(call("POST", path, sophie, sophie_csrf, NULL,
			      "{\"passcode\":\"418-902-77\"}", &r),
			 410);
	client_free(&r);
}

#define CURVE                                                                                 \
	"Identifiant PRM;Type de donnees;Unite;Pas en minutes\n12345678901234;Courbe de charge;W;30\n" \
	"Horodate;Valeur\n2025-03-01T00:30:00+01:00;500\n2025-03-01T01:00:00+01:00;510\n"

/* a mediator under mandate imports a file for alice and nothing more */
static void mediator_under_mandate(void **state)
{
	char id[64], until[32], hdr[120], path[200], body[300];
	struct resp r;

	(void)state;
	in_days(7, until);
	/* only a mediator asks; not for oneself; procedures are known ones */
	snprintf(body, sizeof(body),
		 "{\"person\":\"alice\",\"procedures\":[\"import\"],\"until\":\"%s\"}", until);
	assert_int_equal(call("POST", "/api/v1/mandates", sophie, sophie_csrf, NULL, body, &r), 403);
	client_free(&r);
	assert_int_equal(call("POST", "/api/v1/mandates", medi, medi_csrf, NULL,
			      "{\"person\":\"alice\",\"procedures\":[\"vote\"],\"until\":\"2099-01-01\"}",
			      &r),
			 400);
	client_free(&r);
	assert_int_equal(call("POST", "/api/v1/mandates", medi, medi_csrf, NULL, body, &r), 201);
	assert_string_equal(json_string_value(json_object_get(r.json, "status")), "requested");
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(r.json, "id")));
	client_free(&r);
	snprintf(hdr, sizeof(hdr), "Commune-Consent: %s", id);
	/* not confirmed yet: nothing */
	assert_int_equal(call("POST", "/api/v1/imports?name=curve.csv", medi, medi_csrf, hdr, CURVE,
			      &r),
			 403);
	client_free(&r);
	/* the mediator cannot confirm it for alice */
	snprintf(path, sizeof(path), "/api/v1/mandates/%s/confirm", id);
	assert_int_equal(call("POST", path, medi, medi_csrf, NULL, NULL, &r), 404);
	client_free(&r);
	assert_int_equal(call("POST", path, alice, alice_csrf, NULL, NULL, &r), 200);
	client_free(&r);
	/* the mediator's list names alice by the handle they typed; hers adds nothing */
	assert_int_equal(call("GET", "/api/v1/mandates", medi, NULL, NULL, NULL, &r), 200);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(r.json, "items"), 0), "person_handle")),
			    "alice");
	client_free(&r);
	assert_int_equal(call("GET", "/api/v1/mandates", alice, NULL, NULL, NULL, &r), 200);
	assert_null(json_object_get(json_array_get(json_object_get(r.json, "items"), 0),
				    "person_handle"));
	client_free(&r);
	/* the import, for alice, recorded as the mediator's under the mandate */
	if (call("POST", "/api/v1/imports?name=curve.csv", medi, medi_csrf, hdr, CURVE, &r) / 100 != 2)
		fail_msg("import under mandate: %ld %s", r.status, r.body);
	client_free(&r);
	assert_int_equal(call("GET", "/api/v1/series", alice, NULL, NULL, NULL, &r), 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
	client_free(&r);
	assert_int_equal(call("GET", "/api/v1/audit?actor=mediator:", alice, NULL, NULL, NULL, &r),
			 200);
	assert_true(json_array_size(json_object_get(r.json, "items")) >= 1);
	client_free(&r);
	/* nothing outside the procedures: no reads of alice's data */
	assert_int_equal(call("GET", "/api/v1/records/bank.transaction", medi, NULL, hdr, NULL, &r),
			 403);
	client_free(&r);
	assert_int_equal(call("GET", "/api/v1/series", medi, NULL, hdr, NULL, &r), 403);
	client_free(&r);
	assert_null(strstr(r.body ? r.body : "", MARK));
	/* the mediator ends it: nothing is allowed any more */
	snprintf(path, sizeof(path), "/api/v1/mandates/%s/end", id);
	assert_int_equal(call("POST", path, sophie, sophie_csrf, NULL, NULL, &r), 404);
	client_free(&r);
	assert_int_equal(call("POST", path, medi, medi_csrf, NULL, NULL, &r), 204);
	client_free(&r);
	assert_int_equal(call("POST", "/api/v1/imports?name=curve.csv", medi, medi_csrf, hdr, CURVE,
			      &r),
			 403);
	client_free(&r);
	assert_int_equal(call("GET", "/api/v1/imports", medi, NULL, hdr, NULL, &r), 403);
	client_free(&r);
}

/* a share by link: whoever holds it reads it, with its passcode */
static void share_by_link(void **state)
{
	char body[1024], until[32], link[120], pass[64], path[200], id[64];
	struct resp r;

	(void)state;
	in_days(10, until);
	snprintf(body, sizeof(body),
		 "{\"with\":{\"kind\":\"link\"},\"doctypes\":[\"bank.transaction\"],"
		 "\"fields\":[\"date\",\"amount\"],\"from\":\"2025-01-01\",\"to\":\"2025-04-01\","
		 "\"until\":\"%s\",\"purpose\":{\"fr\":\"Pour mon bailleur\",\"en\":\"For my "
		 "landlord\"},\"passcode\":\"city-2025-ok\"}",
		 until);
	assert_int_equal(call("POST", "/api/v1/shares", alice, alice_csrf, NULL, body, &r), 201);
	snprintf(link, sizeof(link), "Authorization: Bearer %s",
		 json_string_value(json_object_get(json_object_get(r.json, "share"), "link")));
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(r.json, "id")));
	assert_non_null(strstr(link, "csl_"));
	client_free(&r);
	/* the link is given once: the share's views never show it again */
	assert_int_equal(call("GET", "/api/v1/shares", alice, NULL, NULL, NULL, &r), 200);
	assert_null(strstr(r.body, link + 22));
	client_free(&r);
	/* a direct consent cannot be a link */
	assert_int_equal(call("POST", "/api/v1/consents", alice, alice_csrf, NULL,
			      "{\"grantee\":{\"kind\":\"link\"},\"purpose\":{\"dpv\":\"ServiceProvision\","
			      "\"text\":{\"fr\":\"x\",\"en\":\"x\"}},\"legal_basis\":\"consent\","
			      "\"scope\":{\"doctypes\":[\"bank.transaction\"],\"operations\":[\"read\"]}}",
			      &r),
			 400);
	client_free(&r);
	/* no passcode, a wrong one: refused; the right one: exactly the share */
	assert_int_equal(call("GET", "/api/v1/records/bank.transaction", link, NULL, NULL, NULL, &r),
			 403);
	client_free(&r);
	assert_int_equal(call("GET", "/api/v1/records/bank.transaction", link,
			      "Commune-Passcode: nope", NULL, NULL, &r),
			 403);
	client_free(&r);
	snprintf(pass, sizeof(pass), "Commune-Passcode: city-2025-ok");
	assert_int_equal(call("GET", "/api/v1/records/bank.transaction", link, pass, NULL, NULL, &r),
			 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 2);
	assert_null(strstr(r.body, MARK));
	assert_null(strstr(r.body, "label"));
	client_free(&r);
	assert_int_equal(call("POST", "/api/v1/records/bank.transaction", link, pass, NULL, "{}", &r),
			 403);
	client_free(&r);
	assert_int_equal(call("GET", "/api/v1/records/social.allowance", link, pass, NULL, NULL, &r),
			 403);
	client_free(&r);
	assert_int_equal(call("GET", "/api/v1/records/bank.transaction",
			      "Authorization: Bearer csl_not-a-link", NULL, NULL, NULL, &r),
			 401);
	client_free(&r);
	/* alice sees the reads by the link */
	assert_int_equal(call("GET", "/api/v1/audit?actor=link:", alice, NULL, NULL, NULL, &r), 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
	client_free(&r);
	/* revoked: gone */
	snprintf(path, sizeof(path), "/api/v1/shares/%s", id);
	assert_int_equal(call("DELETE", path, alice, alice_csrf, NULL, NULL, &r), 204);
	client_free(&r);
	assert_int_equal(call("GET", "/api/v1/records/bank.transaction", link, pass, NULL, NULL, &r),
			 410);
	client_free(&r);
}

/* a share of two views: the third is gone */
static void share_of_two_views(void **state)
{
	char body[1024], until[32], hdr[120];
	struct resp r;

	(void)state;
	in_days(10, until);
	snprintf(body, sizeof(body),
		 "{\"with\":{\"kind\":\"person\",\"handle\":\"sophie\"},"
		 "\"doctypes\":[\"bank.transaction\"],\"fields\":[\"amount\"],\"until\":\"%s\","
		 "\"purpose\":{\"fr\":\"Un coup d'oeil\",\"en\":\"A glance\"},\"views\":2}",
		 until);
	assert_int_equal(call("POST", "/api/v1/shares", alice, alice_csrf, NULL, body, &r), 201);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r.json, "share"),
							    "views")),
			 2);
	snprintf(hdr, sizeof(hdr), "Commune-Consent: %s",
		 json_string_value(json_object_get(r.json, "id")));
	client_free(&r);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(call("GET", "/api/v1/records/bank.transaction", sophie, NULL, hdr,
				      NULL, &r),
				 200);
		client_free(&r);
	}
	assert_int_equal(call("GET", "/api/v1/records/bank.transaction", sophie, NULL, hdr, NULL,
			      &r),
			 410);
	client_free(&r);
	/* at least one view */
	snprintf(body, sizeof(body),
		 "{\"with\":{\"kind\":\"link\"},\"doctypes\":[\"bank.transaction\"],"
		 "\"until\":\"%s\",\"purpose\":{\"fr\":\"x\",\"en\":\"x\"},\"views\":0}",
		 until);
	assert_int_equal(call("POST", "/api/v1/shares", alice, alice_csrf, NULL, body, &r), 400);
	assert_non_null(strstr(r.body, "/views"));
	client_free(&r);
}

/* created - a POST by alice that must answer 201; the new id into id. */
static void created(const char *path, const char *body, char id[64])
{
	struct resp r;

	if (call("POST", path, alice, alice_csrf, NULL, body, &r) != 201)
		fail_msg("POST %s: %ld %s", path, r.status, r.body);
	snprintf(id, 64, "%s", json_string_value(json_object_get(r.json, "id")));
	client_free(&r);
}

/* get_count - a GET by sophie under hdr that must answer want; the size of
 * its "items" array (or -1). */
static long get_count(const char *path, const char *hdr, long want)
{
	struct resp r;
	long n;

	if (call("GET", path, sophie, NULL, hdr, NULL, &r) != want)
		fail_msg("GET %s: %ld, not %ld: %.300s", path, r.status, want, r.body);
	if (r.body && strstr(r.body, "CHOSEN-NOT"))
		fail_msg("GET %s: data that was not chosen leaked: %.300s", path, r.body);
	n = json_is_array(json_object_get(r.json, "items"))
		    ? (long)json_array_size(json_object_get(r.json, "items"))
		    : -1;
	client_free(&r);
	return n;
}

/* a share of chosen records, one file and one series: only those */
static void share_of_chosen_items(void **state)
{
	char keep[64], skip[64], allowance[64], series[64], other_series[64], file[64];
	char other_file[64], id[64], body[2048], until[32], hdr[120], path[200];
	struct resp r;

	(void)state;
	created("/api/v1/records/bank.transaction",
		"{\"date\":\"2025-06-02\",\"amount\":-61.0,\"currency\":\"EUR\","
		"\"label\":\"Facture eau\"}",
		keep);
	created("/api/v1/records/bank.transaction",
		"{\"date\":\"2025-06-03\",\"amount\":-5.0,\"currency\":\"EUR\","
		"\"label\":\"CHOSEN-NOT cafe\"}",
		skip);
	created("/api/v1/records/social.allowance",
		"{\"period_start\":\"2025-06-01\",\"kind\":\"rsa\",\"amount\":607.75,"
		"\"payer\":\"caf\"}",
		allowance);
	created("/api/v1/series",
		"{\"doctype\":\"energy.electricity.load_curve\",\"source\":\"test\","
		"\"key\":\"chosen\",\"unit\":\"W\",\"step_s\":1800}",
		series);
	created("/api/v1/series",
		"{\"doctype\":\"energy.electricity.load_curve\",\"source\":\"test\","
		"\"key\":\"CHOSEN-NOT meter\",\"unit\":\"W\",\"step_s\":1800}",
		other_series);
	created("/api/v1/files?name=avis.txt&category=tax_notice", "avis d'imposition 2025", file);
	created("/api/v1/files?name=other.txt&category=tax_notice", "CHOSEN-NOT other", other_file);
	in_days(30, until);
	snprintf(body, sizeof(body),
		 "{\"with\":{\"kind\":\"person\",\"handle\":\"sophie\"},"
		 "\"records\":[\"bank.transaction/%s\",\"social.allowance/%s\"],"
		 "\"series\":[\"%s\"],\"files\":[\"%s\"],\"until\":\"%s\","
		 "\"purpose\":{\"fr\":\"Mon dossier\",\"en\":\"My file\"}}",
		 keep, allowance, series, file, until);
	created("/api/v1/shares", body, id);
	snprintf(hdr, sizeof(hdr), "Commune-Consent: %s", id);
	/* lists hold the chosen ones only */
	assert_int_equal(get_count("/api/v1/records/bank.transaction", hdr, 200), 1);
	assert_int_equal(get_count("/api/v1/records/social.allowance", hdr, 200), 1);
	assert_int_equal(get_count("/api/v1/records/bank.transaction?filter.amount.lt=0",
				   hdr, 200),
			 1);
	assert_int_equal(get_count("/api/v1/series", hdr, 200), 1);
	get_count("/api/v1/records/mobility.trip", hdr, 403);
	/* one by one: chosen ones are there, others do not exist */
	snprintf(path, sizeof(path), "/api/v1/records/bank.transaction/%s", keep);
	get_count(path, hdr, 200);
	snprintf(path, sizeof(path), "/api/v1/records/bank.transaction/%s", skip);
	get_count(path, hdr, 404);
	snprintf(path, sizeof(path), "/api/v1/series/%s?from=2025-01-01&to=2025-02-01", series);
	get_count(path, hdr, 200);
	snprintf(path, sizeof(path), "/api/v1/series/%s?from=2025-01-01&to=2025-02-01",
		 other_series);
	get_count(path, hdr, 404);
	snprintf(path, sizeof(path), "/api/v1/files/%s", file);
	get_count(path, hdr, 200);
	snprintf(path, sizeof(path), "/api/v1/files/%s", other_file);
	get_count(path, hdr, 404);
	/* what cannot be chosen: a record that is not alice's, doctypes with records */
	snprintf(body, sizeof(body),
		 "{\"with\":{\"kind\":\"link\"},\"records\":[\"bank.transaction/"
		 "0190a3e2-0000-7000-8000-000000000000\"],\"until\":\"%s\","
		 "\"purpose\":{\"fr\":\"x\",\"en\":\"x\"}}",
		 until);
	assert_int_equal(call("POST", "/api/v1/shares", alice, alice_csrf, NULL, body, &r), 400);
	assert_non_null(strstr(r.body, "/scope/records/0"));
	client_free(&r);
	snprintf(body, sizeof(body),
		 "{\"with\":{\"kind\":\"link\"},\"records\":[\"bank.transaction/%s\"],"
		 "\"doctypes\":[\"mobility.trip\"],\"until\":\"%s\","
		 "\"purpose\":{\"fr\":\"x\",\"en\":\"x\"}}",
		 keep, until);
	assert_int_equal(call("POST", "/api/v1/shares", alice, alice_csrf, NULL, body, &r), 400);
	assert_non_null(strstr(r.body, "/scope/doctypes"));
	client_free(&r);
}

/* the shared dashboard: sophie and alice write notes beside the share,
 * both read them, nobody else does, and the chain says who wrote */
static void notes_on_a_share(void **state)
{
	char id[64], locked[64], body[1024], until[32], path[200], note[64], reply[64];
	char *big;
	struct resp r;

	(void)state;
	in_days(30, until);
	snprintf(body, sizeof(body),
		 "{\"with\":{\"kind\":\"person\",\"handle\":\"sophie\"},"
		 "\"doctypes\":[\"social.allowance\"],\"until\":\"%s\","
		 "\"purpose\":{\"fr\":\"Suivi\",\"en\":\"Follow-up\"}}",
		 until);
	created("/api/v1/shares", body, id);
	snprintf(path, sizeof(path), "/api/v1/shares/%s", id);
	assert_int_equal(call("GET", path, sophie, NULL, NULL, NULL, &r), 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "notes")), 0);
	client_free(&r);
	snprintf(path, sizeof(path), "/api/v1/shares/%s/notes", id);
	if (call("POST", path, sophie, sophie_csrf, NULL,
		 "{\"text\":\"Dossier APL complet, RDV le 3 mars\"}", &r) != 201)
		fail_msg("sophie's note: %ld %s", r.status, r.body);
	snprintf(note, sizeof(note), "%s", json_string_value(json_object_get(r.json, "id")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(r.json, "author"),
							      "name")),
			    "sophie (CCAS)");
	client_free(&r);
	assert_int_equal(call("POST", path, alice, alice_csrf, NULL,
			      "{\"text\":\"Merci, j'y serai\"}", &r),
			 201);
	snprintf(reply, sizeof(reply), "%s", json_string_value(json_object_get(r.json, "id")));
	client_free(&r);
	/* too long, or not text: refused, nothing written */
	big = malloc(4100);
	assert_non_null(big);
	memset(big, 'e', 4099);
	big[4099] = '\0';
	memcpy(big, "{\"text\":\"", 9);
	memcpy(big + 4096, "\"}", 3);
	assert_int_equal(call("POST", path, sophie, sophie_csrf, NULL, big, &r), 400);
	client_free(&r);
	free(big);
	assert_int_equal(call("POST", path, sophie, sophie_csrf, NULL, "{\"text\":7}", &r), 400);
	client_free(&r);
	/* both read the two notes, oldest first; medi finds no such share */
	snprintf(path, sizeof(path), "/api/v1/shares/%s", id);
	assert_int_equal(call("GET", path, alice, NULL, NULL, NULL, &r), 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "notes")), 2);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(r.json, "notes"), 0), "text")),
			    "Dossier APL complet, RDV le 3 mars");
	client_free(&r);
	assert_int_equal(call("GET", path, sophie, NULL, NULL, NULL, &r), 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "notes")), 2);
	client_free(&r);
	assert_int_equal(call("GET", path, medi, NULL, NULL, NULL, &r), 404);
	assert_null(strstr(r.body, "RDV"));
	client_free(&r);
	snprintf(path, sizeof(path), "/api/v1/shares/%s/notes", id);
	assert_int_equal(call("POST", path, medi, medi_csrf, NULL, "{\"text\":\"x\"}", &r), 404);
	client_free(&r);
	/* one deletes only one's own notes */
	snprintf(path, sizeof(path), "/api/v1/shares/%s/notes/%s", id, reply);
	assert_int_equal(call("DELETE", path, sophie, sophie_csrf, NULL, NULL, &r), 404);
	client_free(&r);
	snprintf(path, sizeof(path), "/api/v1/shares/%s/notes/%s", id, note);
	assert_int_equal(call("DELETE", path, medi, medi_csrf, NULL, NULL, &r), 404);
	client_free(&r);
	assert_int_equal(call("DELETE", path, sophie, sophie_csrf, NULL, NULL, &r), 204);
	client_free(&r);
	/* alice's chain: sophie wrote and deleted under the share, alice wrote */
	assert_int_equal(call("GET", "/api/v1/audit?limit=1000", alice, NULL, NULL, NULL, &r), 200);
	{
		size_t i, by_sophie = 0, by_alice = 0;
		json_t *v;

		json_array_foreach(json_object_get(r.json, "items"), i, v) {
			const char *action = json_string_value(json_object_get(v, "action"));
			const char *actor = json_string_value(json_object_get(v, "actor"));

			if (strncmp(action, "note.", 5) != 0)
				continue;
			if (strstr(actor, "/grant:"))
				by_sophie++;
			else
				by_alice++;
		}
		assert_int_equal(by_sophie, 2);
		assert_int_equal(by_alice, 1);
		assert_null(strstr(r.body, "RDV")); /* who wrote, not what */
	}
	client_free(&r);
	/* revoked: sophie neither reads nor writes; alice keeps the notes */
	snprintf(path, sizeof(path), "/api/v1/shares/%s", id);
	assert_int_equal(call("DELETE", path, alice, alice_csrf, NULL, NULL, &r), 204);
	client_free(&r);
	assert_int_equal(call("GET", path, sophie, NULL, NULL, NULL, &r), 410);
	client_free(&r);
	snprintf(path, sizeof(path), "/api/v1/shares/%s/notes", id);
	assert_int_equal(call("POST", path, sophie, sophie_csrf, NULL, "{\"text\":\"x\"}", &r), 410);
	client_free(&r);
	snprintf(path, sizeof(path), "/api/v1/shares/%s", id);
	assert_int_equal(call("GET", path, alice, NULL, NULL, NULL, &r), 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "notes")), 1);
	client_free(&r);
	/* behind a passcode, the dashboard opens with it as the data does */
	share(until, locked);
	snprintf(path, sizeof(path), "/api/v1/shares/%s", locked);
	assert_int_equal(call("GET", path, sophie, NULL, NULL, NULL, &r), 403);
	client_free(&r);
	snprintf(path, sizeof(path), "/api/v1/shares/%s/unlock", locked);
	assert_int_equal(call("POST", path, sophie, sophie_csrf, NULL,
			      "{\"passcode\":\"418-902-77\"}", &r),
			 204);
	client_free(&r);
	snprintf(path, sizeof(path), "/api/v1/shares/%s", locked);
	assert_int_equal(call("GET", path, sophie, NULL, NULL, NULL, &r), 200);
	assert_null(strstr(r.body, "argon2"));
	client_free(&r);
}

/* the operator lists alice's shares and mandates and ends them from the
 * command line, on the running server: at once, and in alice's chain */
static void operator_ends_from_the_cli(void **state)
{
	char share_id[64], mandate_id[64], consent_id[64], until[32], hdr[120], path[200];
	char body[600], out[8192];
	struct resp r;

	(void)state;
	in_days(10, until);
	snprintf(body, sizeof(body),
		 "{\"with\":{\"kind\":\"person\",\"handle\":\"sophie\"},"
		 "\"doctypes\":[\"social.allowance\"],\"until\":\"%s\","
		 "\"purpose\":{\"fr\":\"Dossier\",\"en\":\"File\"}}",
		 until);
	created("/api/v1/shares", body, share_id);
	snprintf(body, sizeof(body),
		 "{\"person\":\"alice\",\"procedures\":[\"import\"],\"until\":\"%s\"}", until);
	assert_int_equal(call("POST", "/api/v1/mandates", medi, medi_csrf, NULL, body, &r), 201);
	snprintf(mandate_id, sizeof(mandate_id), "%s",
		 json_string_value(json_object_get(r.json, "id")));
	client_free(&r);
	snprintf(path, sizeof(path), "/api/v1/mandates/%s/confirm", mandate_id);
	assert_int_equal(call("POST", path, alice, alice_csrf, NULL, NULL, &r), 200);
	client_free(&r);
	created("/api/v1/consents",
		"{\"grantee\":{\"kind\":\"person\",\"handle\":\"sophie\"},\"purpose\":{\"dpv\":"
		"\"ServiceProvision\",\"text\":{\"fr\":\"x\",\"en\":\"x\"}},\"legal_basis\":"
		"\"consent\",\"scope\":{\"doctypes\":[\"social.allowance\"],\"operations\":[\"read\"]}}",
		consent_id);
	/* ls: all of alice's, or her shares only; the mediator's side */
	assert_int_equal(test_cli(&srv, NULL, out, sizeof(out), "consent", "ls", "alice", NULL), 0);
	assert_non_null(strstr(out, share_id));
	assert_non_null(strstr(out, mandate_id));
	assert_non_null(strstr(out, "to person:sophie"));
	assert_int_equal(test_cli(&srv, NULL, out, sizeof(out), "consent", "ls", "alice", "--shares",
				  NULL),
			 0);
	assert_non_null(strstr(out, share_id));
	assert_null(strstr(out, mandate_id));
	assert_int_equal(test_cli(&srv, NULL, out, sizeof(out), "consent", "ls", "medi", "--received",
				  "--mandates", NULL),
			 0);
	assert_non_null(strstr(out, mandate_id));
	assert_non_null(strstr(out, "from alice"));
	assert_int_equal(test_cli(&srv, NULL, out, sizeof(out), "consent", "ls", "nobody", NULL), 1);
	assert_int_equal(test_cli(&srv, NULL, out, sizeof(out), "consent", "ls", "alice", "--given",
				  "--received", NULL),
			 2);
	/* end: the mandate and the share stop at the next request */
	assert_int_equal(test_cli(&srv, NULL, out, sizeof(out), "consent", "end", mandate_id, NULL),
			 0);
	snprintf(hdr, sizeof(hdr), "Commune-Consent: %s", mandate_id);
	assert_int_equal(call("POST", "/api/v1/imports?name=curve.csv", medi, medi_csrf, hdr, CURVE,
			      &r),
			 403);
	client_free(&r);
	assert_int_equal(test_cli(&srv, NULL, out, sizeof(out), "consent", "end", share_id, NULL), 0);
	snprintf(hdr, sizeof(hdr), "Commune-Consent: %s", share_id);
	assert_int_equal(call("GET", "/api/v1/records/social.allowance", sophie, NULL, hdr, NULL,
			      &r),
			 410);
	client_free(&r);
	/* twice, a person's own consent, no such id: refused, one line */
	assert_int_equal(test_cli(&srv, NULL, out, sizeof(out), "consent", "end", share_id, NULL), 1);
	assert_int_equal(test_cli(&srv, NULL, out, sizeof(out), "consent", "end", consent_id, NULL),
			 1);
	assert_int_equal(test_cli(&srv, NULL, out, sizeof(out), "consent", "end",
				  "0123456789abcdef0123456789abcdef", NULL),
			 1);
	/* alice's chain says who ended them */
	assert_int_equal(call("GET", "/api/v1/audit?actor=operator:", alice, NULL, NULL, NULL, &r),
			 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 2);
	client_free(&r);
}

/* the operator disables an account from the command line: the running
 * server drops its session within a second (its session cache holds a
 * second at most, where it held a minute); enabled again, the person logs
 * in anew */
static void disabled_from_the_cli(void **state)
{
	char out[512];
	struct resp r;

	(void)state;
	assert_int_equal(call("GET", "/api/v1/me", medi, NULL, NULL, NULL, &r), 200);
	client_free(&r);
	assert_int_equal(test_cli(&srv, NULL, out, sizeof(out), "user", "disable", "medi", NULL), 0);
	usleep(1200 * 1000);
	assert_int_equal(call("GET", "/api/v1/me", medi, NULL, NULL, NULL, &r), 401);
	client_free(&r);
	assert_int_not_equal(client_login(srv.base, "medi", "pw-medi-correct-horse", medi,
					  sizeof(medi), medi_csrf, sizeof(medi_csrf)),
			     0);
	assert_int_equal(test_cli(&srv, NULL, out, sizeof(out), "user", "enable", "medi", NULL), 0);
	assert_int_equal(client_login(srv.base, "medi", "pw-medi-correct-horse", medi, sizeof(medi),
				      medi_csrf, sizeof(medi_csrf)),
			 0);
	assert_int_equal(call("GET", "/api/v1/me", medi, NULL, NULL, NULL, &r), 200);
	client_free(&r);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(share_with_a_social_worker),
		cmocka_unit_test(wrong_passcodes_are_limited),
		cmocka_unit_test(expired_share_is_gone),
		cmocka_unit_test(mediator_under_mandate),
		cmocka_unit_test(share_by_link),
		cmocka_unit_test(share_of_two_views),
		cmocka_unit_test(share_of_chosen_items),
		cmocka_unit_test(notes_on_a_share),
		cmocka_unit_test(operator_ends_from_the_cli),
		cmocka_unit_test(disabled_from_the_cli),
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
