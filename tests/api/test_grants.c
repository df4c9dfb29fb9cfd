/*
 * test_grants.c - the authorization matrix of services: every route of the
 * server called by services holding an OAuth access token bound to a grant
 * (the matching grant, and grants for another doctype, field, period or
 * operation, an expired grant, a withdrawn grant, a blocked service, a
 * grant of another person), by the owner, by another person and by nobody.
 * Alice's data carries markers; no marker may reach anyone the grant does
 * not cover. The route list is the server's own table (api_routes), so a
 * route added later is in the matrix without anyone thinking of it.
 *
 * Services and tokens are made in-process on the server's data directory
 * (the OAuth flow that makes them in real life has its own tests).
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
#include "consent/consent.h"
#include "core/timeutil.h"
#include "server.h"
#include "store/store_consent.h"
#include "store/store_oauth.h"

#define MARK "MARK-alice-" /* in every label of alice's records */

static const char *bin;

/* the services' tokens of the matrix */
enum who {
	SVC_OK,                           /* bank.transaction, fields date+amount, 2024 */
	SVC_DOCTYPE,                      /* mobility.trip only */
	SVC_PERIOD,                       /* bank.transaction of 2019 */
	SVC_OP,                           /* bank.transaction, aggregate-only */
	SVC_EXPIRED,                      /* valid in 2020 only */
	SVC_WITHDRAWN,                    /* withdrawn by alice through the API */
	SVC_BLOCKED,                      /* its service is blocked by the operator */
	SVC_BOB,                          /* bob's grant, same terms as SVC_OK */
	NSVC,
};

static const char *const who_names[NSVC] = {
	"matching grant", "grant of another doctype", "grant of another period",
	"grant of another operation", "expired grant", "withdrawn grant", "blocked service",
	"another person's grant",
};

struct world {
	struct test_server srv;
	struct keyring keys;
	struct store *st;
	struct registry reg;
	struct person alice, bob;
	char alice_cookie[300], alice_csrf[200], bob_cookie[300], bob_csrf[200];
	char rec2024[64], rec2025[64], series_id[64], file_id[64];
	char token[NSVC][80];
	char grant[NSVC][CRYPT_ID_LEN];
	char svc_id[CRYPT_ID_LEN];        /* the service of SVC_OK */
};

static struct world w;

/* ---- requests ------------------------------------------------------------------ */

static long request(const char *method, const char *path, const char *auth, const char *csrf,
		    const char *body, struct resp *r)
{
	const char *headers[4] = {0};
	size_t n = 0;

	if (auth)
		headers[n++] = auth;
	if (csrf)
		headers[n++] = csrf;
	if (body)
		headers[n++] = "Content-Type: application/json";
	memset(r, 0, sizeof(*r));
	assert_int_equal(client_request(w.srv.base, method, path, headers, body,
					body ? strlen(body) : 0, r),
			 0);
	return r->status;
}

static void bearer(char *out, size_t n, enum who k)
{
	snprintf(out, n, "Authorization: Bearer %s", w.token[k]);
}

/* ---- the world ------------------------------------------------------------------ */

static void alice_data(void)
{
	static const char *const recs[] = {
		"{\"date\":\"2024-03-01\",\"amount\":-12.5,\"currency\":\"EUR\",\"label\":\"" MARK
		"bakery\",\"category\":\"food\"}",
		"{\"date\":\"2025-06-01\",\"amount\":-777.77,\"currency\":\"EUR\",\"label\":\"" MARK
		"rent\",\"category\":\"housing\"}",
	};
	char *const ids[] = {w.rec2024, w.rec2025};
	struct resp r;

	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(request("POST", "/api/v1/records/bank.transaction", w.alice_cookie,
					 w.alice_csrf, recs[i], &r),
				 201);
		snprintf(ids[i], 64, "%s", json_string_value(json_object_get(r.json, "id")));
		client_free(&r);
	}
	assert_int_equal(request("POST", "/api/v1/records/mobility.trip", w.alice_cookie,
				 w.alice_csrf,
				 "{\"start\":\"2024-03-01T08:00:00Z\",\"end\":\"2024-03-01T08:30:00Z\","
				 "\"mode\":\"bike\",\"distance_m\":4200}",
				 &r),
			 201);
	client_free(&r);
	assert_int_equal(request("POST", "/api/v1/series", w.alice_cookie, w.alice_csrf,
				 "{\"doctype\":\"energy.electricity.load_curve\",\"source\":\"test\","
				 "\"key\":\"" MARK "meter\",\"unit\":\"W\",\"step_s\":1800}",
				 &r),
			 201);
	snprintf(w.series_id, sizeof(w.series_id), "%s",
		 json_string_value(json_object_get(r.json, "id")));
	client_free(&r);
	{
		char path[200];

		snprintf(path, sizeof(path), "/api/v1/series/%s/points", w.series_id);
		assert_int_equal(request("POST", path, w.alice_cookie, w.alice_csrf,
					 "{\"points\":[[\"2024-03-01T00:00:00Z\",424242],"
					 "[\"2024-03-01T00:30:00Z\",434343]]}",
					 &r) / 100,
				 2);
		client_free(&r);
	}
}

static void person_of(const char *handle, struct person *p)
{
	assert_int_equal(store_person_by_handle(w.st, handle, p, NULL), CMN_OK);
}

static void grant_for(enum who k, const struct person *p, const char *client_id, const char *terms)
{
	struct grant_row row;
	struct oauth_token t = {0};
	char err[300], hash[CRYPT_HASH_HEX_LEN], tok[CRYPT_TOKEN_LEN];
	json_t *j;

	j = json_loads(terms, 0, NULL);
	assert_non_null(j);
	json_object_set_new(json_object_get(j, "grantee"), "id", json_string(client_id));
	if (consent_grant_new(w.st, &w.reg, p, j, "given", "person:test", err, sizeof(err), &row) !=
	    CMN_OK)
		fail_msg("grant %s: %s", who_names[k], err);
	json_decref(j);
	snprintf(w.grant[k], sizeof(w.grant[k]), "%s", row.id);
	grant_row_release(&row);
	crypt_token_new(tok);
	snprintf(w.token[k], sizeof(w.token[k]), "cat_%s", tok);
	crypt_hash_hex(w.token[k], hash);
	snprintf(t.kind, sizeof(t.kind), "access");
	snprintf(t.client_id, sizeof(t.client_id), "%s", client_id);
	snprintf(t.grant_id, sizeof(t.grant_id), "%s", w.grant[k]);
	crypt_id_new(t.family);
	t.expires = time_now_ms() + 3600 * 1000;
	assert_int_equal(store_oauth_token_add(w.st, hash, &t), CMN_OK);
}

#define TERMS(scope, validity)                                                              \
	"{\"grantee\":{\"kind\":\"service\"},\"purpose\":{\"dpv\":\"ServiceProvision\","    \
	"\"text\":{\"fr\":\"Suivre mes dépenses\",\"en\":\"Follow my spending\"}},"        \
	"\"legal_basis\":\"consent\",\"scope\":" scope validity "}"
#define BANK_2024                                                                            \
	"{\"doctypes\":[\"bank.transaction\"],\"fields\":[\"date\",\"amount\",\"currency\"]," \
	"\"from\":\"2024-01-01\",\"to\":\"2025-01-01\",\"operations\":[\"read\"]}"

static int world_up(void **state)
{
	char out[4096], key[300], err[200];
	struct client svc, blocked;
	char org_id[CRYPT_ID_LEN];

	(void)state;
	if (!test_data_dir(&w.srv, bin) ||
	    test_cli(&w.srv, NULL, out, sizeof(out), "org", "add", "Appli Budget", "--kind",
		     "reuser", NULL) != 0 ||
	    !test_add_user(&w.srv, "alice", "resident", "pw-alice-correct-horse") ||
	    !test_add_user(&w.srv, "bob", "resident", "pw-bob-correct-horse") ||
	    test_cli(&w.srv, "pw-dev-correct-horse\n", out, sizeof(out), "user", "add", "dev",
		     "--role", "agent", "--org", "Appli Budget", NULL) != 0 ||
	    test_cli(&w.srv, NULL, out, sizeof(out), "org", "add", "Régie d'énergie", "--kind",
		     "holder", NULL) != 0 ||
	    test_cli(&w.srv, "pw-holder-correct-horse\n", out, sizeof(out), "user", "add",
		     "holder", "--role", "agent", "--org", "Régie d'énergie", NULL) != 0 ||
	    !test_add_user(&w.srv, "root", "admin", "pw-root-correct-horse"))
		return -1;
	snprintf(key, sizeof(key), "%s/master.key", w.srv.dir);
	/* the server's store: its database on PostgreSQL, else its directory */
	if (keyring_open(&w.keys, key, 0) != CMN_OK ||
	    store_open(&w.st, w.srv.store[0] ? w.srv.store : w.srv.dir, &w.keys) != CMN_OK ||
	    registry_load(&w.reg, err, sizeof(err)) != CMN_OK)
		return -1;
	if (!test_server_start(&w.srv, NULL))
		return -1;
	if (client_login(w.srv.base, "alice", "pw-alice-correct-horse", w.alice_cookie,
			 sizeof(w.alice_cookie), w.alice_csrf, sizeof(w.alice_csrf)) != 0 ||
	    client_login(w.srv.base, "bob", "pw-bob-correct-horse", w.bob_cookie,
			 sizeof(w.bob_cookie), w.bob_csrf, sizeof(w.bob_csrf)) != 0)
		return -1;
	alice_data();
	person_of("alice", &w.alice);
	person_of("bob", &w.bob);
	{
		struct person dev;

		person_of("dev", &dev);
		if (store_person_org_id(w.st, dev.id, org_id) != CMN_OK || !org_id[0])
			return -1;
	}
	if (store_client_add(w.st, org_id, "Budget", NULL, "{}", &svc) != CMN_OK ||
	    store_client_add(w.st, org_id, "Budget bis", NULL, "{}", &blocked) != CMN_OK)
		return -1;
	snprintf(w.svc_id, sizeof(w.svc_id), "%s", svc.id);
	grant_for(SVC_OK, &w.alice, svc.id, TERMS(BANK_2024, ""));
	grant_for(SVC_DOCTYPE, &w.alice, svc.id,
		  TERMS("{\"doctypes\":[\"mobility.trip\"],\"fields\":[\"mode\"],"
			"\"operations\":[\"read\"]}",
			""));
	grant_for(SVC_PERIOD, &w.alice, svc.id,
		  TERMS("{\"doctypes\":[\"bank.transaction\",\"energy.electricity.load_curve\"],"
			"\"from\":\"2019-01-01\",\"to\":\"2020-01-01\",\"operations\":[\"read\"]}",
			""));
	grant_for(SVC_OP, &w.alice, svc.id,
		  TERMS("{\"doctypes\":[\"bank.transaction\",\"energy.electricity.load_curve\"],"
			"\"operations\":[\"aggregate-only\"]}",
			""));
	grant_for(SVC_EXPIRED, &w.alice, svc.id,
		  TERMS(BANK_2024, ",\"valid_from\":\"2020-01-01\",\"valid_until\":\"2021-01-01\""));
	grant_for(SVC_WITHDRAWN, &w.alice, svc.id, TERMS(BANK_2024, ""));
	grant_for(SVC_BLOCKED, &w.alice, blocked.id, TERMS(BANK_2024, ""));
	grant_for(SVC_BOB, &w.bob, svc.id, TERMS(BANK_2024, ""));
	if (store_client_block(w.st, blocked.id, "operator", "collects too much") != CMN_OK)
		return -1;
	{
		struct resp r;
		char path[200];

		snprintf(path, sizeof(path), "/api/v1/consents/%s/withdraw", w.grant[SVC_WITHDRAWN]);
		if (request("POST", path, w.alice_cookie, w.alice_csrf, NULL, &r) != 200)
			return -1;
		client_free(&r);
	}
	return 0;
}

static int world_down(void **state)
{
	(void)state;
	store_close(&w.st);
	registry_release(&w.reg);
	keyring_release(&w.keys);
	return test_server_stop(&w.srv, true) == 0 ? 0 : -1;
}

/* ---- the matrix ---------------------------------------------------------------- */

/* route_path - a route's pattern with alice's ids in its parameters. */
static void route_path(const struct route *rt, char *out, size_t n)
{
	const char *p = rt->pattern;
	size_t o = 0;

	while (*p && o + 80 < n) {
		if (*p == '{') {
			const char *end = strchr(p, '}');
			const char *v = "x";

			if (strncmp(p, "{doctype}", 9) == 0)
				v = "bank.transaction";
			else if (strncmp(p, "{id}", 4) == 0)
				v = strstr(rt->pattern, "/records/") ? w.rec2024
				    : strstr(rt->pattern, "/series/") ? w.series_id
				    : strstr(rt->pattern, "/consents/") ? w.grant[SVC_OK]
									: "0123456789abcdef0123456789abcdef";
			else if (strncmp(p, "{handle}", 8) == 0)
				v = "alice";
			o += (size_t)snprintf(out + o, n - o, "%s", v);
			p = end ? end + 1 : p + strlen(p);
		} else {
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
}

static bool reads_data(const struct route *rt)
{
	return rt->grant != GRANT_ROUTE_NONE;
}

/* every route, every service token: refused unless the route serves data
 * to services, and no marker of alice's data ever leaks */
static void every_route_every_service(void **state)
{
	size_t n;
	const struct route *routes = api_routes(&n);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		const struct route *rt = &routes[i];
		const char *body = strcmp(rt->method, "GET") == 0 || strcmp(rt->method, "DELETE") == 0
					   ? NULL
					   : "{}";
		char path[512];

		route_path(rt, path, sizeof(path));
		for (int k = 0; k < NSVC; k++) {
			char auth[200];
			struct resp r;
			long status;

			bearer(auth, sizeof(auth), (enum who)k);
			status = request(rt->method, path, auth, NULL, body, &r);
			if (r.body && strstr(r.body, MARK))
				fail_msg("%s %s by a service with a %s: alice's data leaked: %.300s",
					 rt->method, path, who_names[k], r.body);
			if (rt->auth != AUTH_NONE && (!reads_data(rt) || k != SVC_OK) &&
			    status / 100 == 2 && !(reads_data(rt) && strcmp(rt->method, "GET") == 0))
				fail_msg("%s %s by a service with a %s: %ld", rt->method, path,
					 who_names[k], status);
			/* services read, never write: refused before anything else */
			if (rt->auth != AUTH_NONE &&
			    (!reads_data(rt) || strcmp(rt->method, "GET") != 0) && status != 401 &&
			    status != 403)
				fail_msg("%s %s by a service with a %s: %ld, not 401/403", rt->method,
					 path, who_names[k], status);
			client_free(&r);
		}
	}
}

static json_t *get_json(const char *path, const char *auth, long want)
{
	struct resp r;
	json_t *j;

	if (request("GET", path, auth, NULL, NULL, &r) != want)
		fail_msg("GET %s: %ld, not %ld: %.300s", path, r.status, want, r.body);
	j = json_incref(r.json);
	client_free(&r);
	return j;
}

/* what the matching grant gives: its doctype, its period, its fields */
static void the_matching_grant(void **state)
{
	char auth[200], path[300];
	json_t *j;

	(void)state;
	bearer(auth, sizeof(auth), SVC_OK);
	j = get_json("/api/v1/records/bank.transaction", auth, 200);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(j, "items"), 0), "id")),
			    w.rec2024);
	assert_null(json_object_get(
		json_object_get(json_array_get(json_object_get(j, "items"), 0), "data"), "label"));
	assert_non_null(json_object_get(
		json_object_get(json_array_get(json_object_get(j, "items"), 0), "data"), "amount"));
	json_decref(j);
	snprintf(path, sizeof(path), "/api/v1/records/bank.transaction/%s", w.rec2024);
	json_decref(get_json(path, auth, 200));
	snprintf(path, sizeof(path), "/api/v1/records/bank.transaction/%s", w.rec2025);
	json_decref(get_json(path, auth, 404)); /* outside the period */
	json_decref(get_json("/api/v1/records/bank.transaction?filter.category=food", auth, 403));
	json_decref(get_json("/api/v1/records/bank.transaction?fields=label", auth, 403));
	json_decref(get_json("/api/v1/records/bank.transaction?filter.account=x", auth, 403));
	json_decref(get_json("/api/v1/records/bank.transaction?from=2020-01-01", auth, 200));
	json_decref(get_json("/api/v1/records/mobility.trip", auth, 403));
	snprintf(path, sizeof(path), "/api/v1/series/%s", w.series_id);
	json_decref(get_json(path, auth, 404)); /* a doctype outside the grant */
	j = get_json("/api/v1/series", auth, 200);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
	json_decref(j);
}

/* operations and periods on series: aggregate-only gets buckets, not points */
static void series_under_grants(void **state)
{
	char auth[200], path[300];
	json_t *j;

	(void)state;
	bearer(auth, sizeof(auth), SVC_OP);
	snprintf(path, sizeof(path), "/api/v1/series/%s?from=2024-03-01&to=2024-03-02",
		 w.series_id);
	json_decref(get_json(path, auth, 403));
	snprintf(path, sizeof(path),
		 "/api/v1/series/%s?from=2024-03-01&to=2024-03-02&bucket=day&agg=sum", w.series_id);
	j = get_json(path, auth, 200);
	assert_int_equal(json_array_size(json_object_get(j, "buckets")), 1);
	json_decref(j);
	json_decref(get_json("/api/v1/records/bank.transaction", auth, 403));
	/* a 2019 grant sees the series, none of its 2024 points */
	bearer(auth, sizeof(auth), SVC_PERIOD);
	snprintf(path, sizeof(path), "/api/v1/series/%s?from=2024-03-01&to=2024-03-02",
		 w.series_id);
	j = get_json(path, auth, 200);
	assert_int_equal(json_array_size(json_object_get(j, "points")), 0);
	json_decref(j);
	j = get_json("/api/v1/records/bank.transaction", auth, 200);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
	json_decref(j);
}

/* the owner sees everything; another person and nobody see nothing */
static void owner_other_anonymous(void **state)
{
	char path[300];
	json_t *j;

	(void)state;
	j = get_json("/api/v1/records/bank.transaction", w.alice_cookie, 200);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 2);
	json_decref(j);
	snprintf(path, sizeof(path), "/api/v1/records/bank.transaction/%s", w.rec2024);
	json_decref(get_json(path, w.bob_cookie, 404));
	json_decref(get_json(path, NULL, 401));
	j = get_json("/api/v1/records/bank.transaction", w.bob_cookie, 200);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
	json_decref(j);
	/* bob's grant to the same service reads bob's store, not alice's */
	{
		char auth[200];

		bearer(auth, sizeof(auth), SVC_BOB);
		json_decref(get_json(path, auth, 404));
	}
}

/* every read of a service is in alice's audit chain, counted on the grant */
static void reads_are_audited_and_counted(void **state)
{
	json_t *j, *items;
	size_t i, reads = 0;
	json_t *v;

	(void)state;
	j = get_json("/api/v1/audit?limit=500", w.alice_cookie, 200);
	items = json_object_get(j, "items");
	json_array_foreach(items, i, v) {
		const char *actor = json_string_value(json_object_get(v, "actor"));
		const char *action = json_string_value(json_object_get(v, "action"));

		if (action && strcmp(action, "data.read") == 0 && actor &&
		    strstr(actor, w.grant[SVC_OK])) {
			json_t *detail = json_object_get(v, "detail");
			json_t *first = json_array_get(json_object_get(detail, "reads"), 0);

			assert_string_equal(json_string_value(json_object_get(detail, "purpose")),
					    "ServiceProvision");
			assert_string_equal(json_string_value(json_object_get(detail, "consent")),
					    w.grant[SVC_OK]);
			assert_string_equal(json_string_value(json_object_get(first, "address")),
					    "127.0.0.1");
			assert_non_null(json_string_value(json_object_get(first, "object")));
			assert_non_null(json_string_value(json_object_get(first, "at")));
			reads += json_array_size(json_object_get(detail, "reads"));
		}
	}
	json_decref(j);
	assert_true(reads >= 3);
	{
		char path[200];

		/* the same reads, by the consent filter of the chain */
		snprintf(path, sizeof(path), "/api/v1/audit?limit=500&consent=%s", w.grant[SVC_OK]);
		j = get_json(path, w.alice_cookie, 200);
		assert_true(json_array_size(json_object_get(j, "items")) >= 1);
		json_array_foreach(json_object_get(j, "items"), i, v)
			assert_non_null(strstr(json_string_value(json_object_get(v, "actor")),
					       w.grant[SVC_OK]));
		json_decref(j);
	}
	{
		char path[200];

		snprintf(path, sizeof(path), "/api/v1/consents/%s", w.grant[SVC_OK]);
		j = get_json(path, w.alice_cookie, 200);
		assert_int_equal((size_t)json_integer_value(json_object_get(j, "uses")), reads);
		assert_string_equal(json_string_value(json_object_get(j, "status")), "given");
		json_decref(j);
		snprintf(path, sizeof(path), "/api/v1/consents/%s", w.grant[SVC_EXPIRED]);
		j = get_json(path, w.alice_cookie, 200);
		assert_string_equal(json_string_value(json_object_get(j, "status")), "expired");
		json_decref(j);
		snprintf(path, sizeof(path), "/api/v1/consents/%s", w.grant[SVC_BLOCKED]);
		j = get_json(path, w.alice_cookie, 200);
		assert_true(json_is_true(json_object_get(json_object_get(j, "grantee"), "blocked")));
		json_decref(j);
		/* bob cannot see alice's consent */
		json_decref(get_json(path, w.bob_cookie, 404));
	}
}

/* a withdrawal stops the very next request */
static void withdrawal_stops_the_next_request(void **state)
{
	char auth[200], path[200];
	struct resp r;

	(void)state;
	bearer(auth, sizeof(auth), SVC_OK);
	json_decref(get_json("/api/v1/records/bank.transaction", auth, 200));
	snprintf(path, sizeof(path), "/api/v1/consents/%s/withdraw", w.grant[SVC_OK]);
	assert_int_equal(request("POST", path, w.alice_cookie, w.alice_csrf, NULL, &r), 200);
	assert_string_equal(json_string_value(json_object_get(r.json, "status")), "withdrawn");
	client_free(&r);
	json_decref(get_json("/api/v1/records/bank.transaction", auth, 401));
	/* and twice is a conflict */
	assert_int_equal(request("POST", path, w.alice_cookie, w.alice_csrf, NULL, &r), 409);
	client_free(&r);
}


/* the operator and data holders block services; nobody else does */
static void blocking(void **state)
{
	char path[200], auth[200], holder[300], holder_csrf[200], dev[300], dev_csrf[200];
	char root[300], root_csrf[200];
	struct resp r;
	json_t *j;

	(void)state;
	assert_int_equal(client_login(w.srv.base, "holder", "pw-holder-correct-horse", holder,
				      sizeof(holder), holder_csrf, sizeof(holder_csrf)),
			 0);
	assert_int_equal(client_login(w.srv.base, "dev", "pw-dev-correct-horse", dev, sizeof(dev),
				      dev_csrf, sizeof(dev_csrf)),
			 0);
	assert_int_equal(client_login(w.srv.base, "root", "pw-root-correct-horse", root,
				      sizeof(root), root_csrf, sizeof(root_csrf)),
			 0);
	snprintf(path, sizeof(path), "/api/v1/services/%s/block", w.svc_id);
	/* a resident and an agent of a reuser may not */
	assert_int_equal(request("POST", path, w.alice_cookie, w.alice_csrf,
				 "{\"reason\":\"I do not like it\"}", &r),
			 403);
	client_free(&r);
	assert_int_equal(request("POST", path, dev, dev_csrf, "{\"reason\":\"competitor\"}", &r),
			 403);
	client_free(&r);
	/* bob's grant still works before the block */
	bearer(auth, sizeof(auth), SVC_BOB);
	json_decref(get_json("/api/v1/records/bank.transaction", auth, 200));
	/* a data holder blocks: the very next request is refused */
	assert_int_equal(request("POST", path, holder, holder_csrf,
				 "{\"reason\":\"resells meter data\"}", &r),
			 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "blocks")), 1);
	client_free(&r);
	json_decref(get_json("/api/v1/records/bank.transaction", auth, 403));
	/* bob is told, with who and why */
	snprintf(path, sizeof(path), "/api/v1/consents/%s", w.grant[SVC_BOB]);
	j = get_json(path, w.bob_cookie, 200);
	assert_true(json_is_true(json_object_get(json_object_get(j, "grantee"), "blocked")));
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(json_object_get(j, "grantee"),
								   "blocks"),
						   0),
				    "reason")),
			    "resells meter data");
	json_decref(j);
	/* the operator blocks too; the holder lifts only its own block */
	snprintf(path, sizeof(path), "/api/v1/services/%s/block", w.svc_id);
	assert_int_equal(request("POST", path, root, root_csrf, "{\"reason\":\"audit\"}", &r),
			 200);
	client_free(&r);
	assert_int_equal(request("DELETE", path, holder, holder_csrf, NULL, &r), 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "blocks")), 1);
	client_free(&r);
	json_decref(get_json("/api/v1/records/bank.transaction", auth, 403));
	assert_int_equal(request("DELETE", path, root, root_csrf, NULL, &r), 200);
	client_free(&r);
	json_decref(get_json("/api/v1/records/bank.transaction", auth, 200));
	/* no block of one's own to lift */
	assert_int_equal(request("DELETE", path, root, root_csrf, NULL, &r), 404);
	client_free(&r);
}

/* request3 - a request with up to three extra headers. */
static long request3(const char *method, const char *path, const char *a, const char *b,
		     const char *c, const char *body, struct resp *r)
{
	const char *headers[5] = {0};
	size_t n = 0;

	if (a)
		headers[n++] = a;
	if (b)
		headers[n++] = b;
	if (c)
		headers[n++] = c;
	if (body)
		headers[n++] = "Content-Type: application/json";
	memset(r, 0, sizeof(*r));
	assert_int_equal(client_request(w.srv.base, method, path, headers, body,
					body ? strlen(body) : 0, r),
			 0);
	return r->status;
}

/* a person, or an organisation's agent, reads what was shared with them
 * under the consent they name, checked and traced as a service is */
static void person_and_org_grantees(void **state)
{
	char dev[300], dev_csrf[200], holder[300], holder_csrf[200], to_bob[64], to_org[64];
	char hdr[120], path[200];
	struct resp r;
	size_t n;
	const struct route *routes = api_routes(&n);

	(void)state;
	assert_int_equal(client_login(w.srv.base, "dev", "pw-dev-correct-horse", dev, sizeof(dev),
				      dev_csrf, sizeof(dev_csrf)),
			 0);
	assert_int_equal(client_login(w.srv.base, "holder", "pw-holder-correct-horse", holder,
				      sizeof(holder), holder_csrf, sizeof(holder_csrf)),
			 0);
	assert_int_equal(request("POST", "/api/v1/consents", w.alice_cookie, w.alice_csrf,
				 "{\"grantee\":{\"kind\":\"person\",\"handle\":\"bob\"},"
				 "\"purpose\":{\"dpv\":\"PersonalisedBenefits\",\"text\":{\"fr\":\"Mes "
				 "droits\",\"en\":\"My rights\"}},\"legal_basis\":\"consent\",\"scope\":"
				 "{\"doctypes\":[\"bank.transaction\"],\"fields\":[\"date\",\"amount\"],"
				 "\"from\":\"2024-01-01\",\"to\":\"2025-01-01\",\"operations\":[\"read\"]}}",
				 &r),
			 201);
	snprintf(to_bob, sizeof(to_bob), "%s", json_string_value(json_object_get(r.json, "id")));
	client_free(&r);
	/* bob reads alice's 2024 transaction, dates and amounts only */
	snprintf(hdr, sizeof(hdr), "Commune-Consent: %s", to_bob);
	if (request3("GET", "/api/v1/records/bank.transaction", w.bob_cookie, hdr, NULL, NULL, &r) !=
	    200)
		fail_msg("bob under his consent: %ld %s", r.status, r.body);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
	assert_null(strstr(r.body, MARK));
	client_free(&r);
	/* without the header, bob is in his own store */
	json_decref(get_json("/api/v1/records/bank.transaction", w.bob_cookie, 200));
	/* every route, bob under the consent: reads at most, no marker ever */
	for (size_t i = 0; i < n; i++) {
		const struct route *rt = &routes[i];
		char rpath[512];
		long status;

		route_path(rt, rpath, sizeof(rpath));
		status = request3(rt->method, rpath, w.bob_cookie, w.bob_csrf, hdr,
				  strcmp(rt->method, "GET") && strcmp(rt->method, "DELETE") ? "{}"
											     : NULL,
				  &r);
		if (r.body && strstr(r.body, MARK))
			fail_msg("%s %s by bob under a consent: leaked %.300s", rt->method, rpath,
				 r.body);
		if (rt->auth != AUTH_NONE &&
		    (rt->grant == GRANT_ROUTE_NONE || strcmp(rt->method, "GET") != 0) &&
		    status != 401 && status != 403)
			fail_msg("%s %s by bob under a consent: %ld", rt->method, rpath, status);
		client_free(&r);
	}
	/* the consent is bob's: dev may not name it */
	assert_int_equal(request3("GET", "/api/v1/records/bank.transaction", dev, hdr, NULL, NULL,
				  &r),
			 404);
	client_free(&r);
	/* a consent to an organisation: its agents read, others do not */
	assert_int_equal(request("POST", "/api/v1/consents", w.alice_cookie, w.alice_csrf,
				 "{\"grantee\":{\"kind\":\"org\",\"id\":\"ORG\"},\"purpose\":{\"dpv\":"
				 "\"ServiceProvision\",\"text\":{\"fr\":\"x\",\"en\":\"x\"}},"
				 "\"legal_basis\":\"consent\",\"scope\":{\"doctypes\":"
				 "[\"bank.transaction\"],\"operations\":[\"read\"]}}",
				 &r),
			 400); /* no such organisation */
	client_free(&r);
	{
		char org_id[CRYPT_ID_LEN], body[600];
		struct person d;

		person_of("dev", &d);
		assert_int_equal(store_person_org_id(w.st, d.id, org_id), CMN_OK);
		snprintf(body, sizeof(body),
			 "{\"grantee\":{\"kind\":\"org\",\"id\":\"%s\"},\"purpose\":{\"dpv\":"
			 "\"ServiceProvision\",\"text\":{\"fr\":\"x\",\"en\":\"x\"}},"
			 "\"legal_basis\":\"consent\",\"scope\":{\"doctypes\":[\"bank.transaction\"],"
			 "\"fields\":[\"amount\"],\"operations\":[\"read\"]}}",
			 org_id);
		assert_int_equal(request("POST", "/api/v1/consents", w.alice_cookie, w.alice_csrf,
					 body, &r),
				 201);
		snprintf(to_org, sizeof(to_org), "%s",
			 json_string_value(json_object_get(r.json, "id")));
		client_free(&r);
	}
	snprintf(hdr, sizeof(hdr), "Commune-Consent: %s", to_org);
	assert_int_equal(request3("GET", "/api/v1/records/bank.transaction", dev, hdr, NULL, NULL,
				  &r),
			 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 2);
	assert_null(strstr(r.body, MARK));
	client_free(&r);
	assert_int_equal(request3("GET", "/api/v1/records/bank.transaction", holder, hdr, NULL,
				  NULL, &r),
			 404);
	client_free(&r);
	/* alice sees who read: bob and dev, under their consents */
	{
		json_t *j = get_json("/api/v1/audit?action=data.read&actor=person:", w.alice_cookie,
				     200);

		assert_true(json_array_size(json_object_get(j, "items")) >= 2);
		json_decref(j);
	}
	/* withdrawn: the very next read is refused */
	snprintf(path, sizeof(path), "/api/v1/consents/%s/withdraw", to_bob);
	assert_int_equal(request("POST", path, w.alice_cookie, w.alice_csrf, NULL, &r), 200);
	client_free(&r);
	snprintf(hdr, sizeof(hdr), "Commune-Consent: %s", to_bob);
	assert_int_equal(request3("GET", "/api/v1/records/bank.transaction", w.bob_cookie, hdr, NULL,
				  NULL, &r),
			 403);
	client_free(&r);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_route_every_service),
		cmocka_unit_test(the_matching_grant),
		cmocka_unit_test(series_under_grants),
		cmocka_unit_test(owner_other_anonymous),
		cmocka_unit_test(reads_are_audited_and_counted),
		cmocka_unit_test(blocking),
		cmocka_unit_test(person_and_org_grantees),
		cmocka_unit_test(withdrawal_stops_the_next_request),
	};
	int failed;

	if (argc < 2) {
		fprintf(stderr, "usage: %s COMMUNE_BINARY\n", argv[0]);
		return 2;
	}
	bin = argv[1];
	if (crypt_init() != CMN_OK || api_init() != CMN_OK)
		return 2;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	failed = cmocka_run_group_tests(tests, world_up, world_down);
	curl_global_cleanup();
	api_release();
	return failed;
}
