/*
 * test_api_faults.c - fault injection through the HTTP API (issue 15): the
 * API served in this process (http_server_start with api_handle, as
 * `commune serve` does), SQLite's files and allocations failing on purpose
 * (tests/support/faults.h), and for each write route of the API cases
 * (records created, replaced and deleted, tokens created, points added to
 * a series, a share by link made, a consent given) N swept: the Nth
 * write, sync or truncate fails (an I/O error, then a full disk), then the
 * Nth allocation SQLite makes. At every N the answer must be
 *  - the route's success, with the change made and its one audit entry
 *    (SQLite got over the fault),
 *  - or a 5xx problem document (RFC 9457), with nothing changed: as many
 *    records, tokens, points and audit entries, the audit chain verifying,
 *    PRAGMA integrity_check ok for both stores;
 * and the server must answer the next request normally. Under ASan
 * (make check) no fault may leak.
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
#include <sqlite3.h>

#include "client.h"
#include "faults.h"
#include "fixture.h"

#include "account/ratelimit.h"
#include "api/api.h"
#include "core/timeutil.h"
#include "crypto/crypt.h"
#include "http/http.h"
#include "rules/rules.h"
#include "store/store.h"

#define BODY "{\"date\":\"2024-04-02\",\"amount\":-3.5,\"currency\":\"EUR\",\"label\":\"x\"}"
#define BODY2 "{\"date\":\"2024-04-02\",\"amount\":-4.5,\"currency\":\"EUR\",\"label\":\"y\"}"

static struct fixture f;
static struct app app;
static struct rule_set rules;
static struct http_server *srv;
static char base[64], cookie[200], csrf[120];
static char series_path[128]; /* a load curve of alice's */
static int days;              /* of points added to it */

/* ---- the state ---------------------------------------------------------------- */

struct state {
	int64_t records, entries, tokens, points, shares, consents;
};

static enum cmn_rc count(const struct record_meta *m, const char *data,
			 const struct query_value *sort_key, void *ctx)
{
	(void)m;
	(void)data;
	(void)sort_key;
	(*(int64_t *)ctx)++;
	return CMN_OK;
}

static enum cmn_rc count_token(const struct api_token *t, void *ctx)
{
	(void)t;
	(*(int64_t *)ctx)++;
	return CMN_OK;
}

static void sound(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static long call(const char *method, const char *path, const char *body, struct resp *r);

/* state_of - alice's records, audit entries, tokens and points; both files
 * sound */
static struct state state_of(void)
{
	struct store_query q = {.doctype = "bank.transaction", .sort = QSORT_ID, .limit = 1000000};
	struct state s = {0, 0, 0, 0, 0, 0};
	struct pstore *ps;
	int64_t bad = 0;
	char path[600];

	assert_int_equal(store_person_store(f.s, f.alice.id, &ps), CMN_OK);
	assert_int_equal(pstore_record_query(ps, &q, count, &s.records), CMN_OK);
	if (pstore_audit_verify(ps, &s.entries, &bad) != CMN_OK)
		fail_msg("the audit chain breaks at entry %lld", (long long)bad);
	assert_int_equal(store_token_each(f.s, f.alice.id, count_token, &s.tokens), CMN_OK);
	snprintf(path, sizeof(path), "%s/persons/%.2s/%s.db", f.dir, f.alice.id, f.alice.id);
	sound(path);
	snprintf(path, sizeof(path), "%s/platform.db", f.dir);
	sound(path);
	if (series_path[0]) {
		struct resp r;

		assert_int_equal(call("GET", series_path, NULL, &r), 200);
		s.points = json_integer_value(json_pointer(r.json, "/series/points"));
		client_free(&r);
		assert_int_equal(call("GET", "/api/v1/shares", NULL, &r), 200);
		s.shares = (int64_t)json_array_size(json_object_get(r.json, "items"));
		client_free(&r);
		assert_int_equal(call("GET", "/api/v1/consents", NULL, &r), 200);
		s.consents = (int64_t)json_array_size(json_object_get(r.json, "items"));
		client_free(&r);
	}
	return s;
}

/* ---- the calls ---------------------------------------------------------------- */

static long call(const char *method, const char *path, const char *body, struct resp *r)
{
	const char *hdr[] = {cookie, csrf, "Content-Type: application/json", NULL};

	memset(r, 0, sizeof(*r));
	assert_int_equal(client_request(base, method, path, hdr, body, body ? strlen(body) : 0, r),
			 0);
	return r->status;
}

/* new_record - a record made without faults, its path in out */
static void new_record(char *out, size_t n)
{
	struct resp r;

	if (call("POST", "/api/v1/records/bank.transaction", BODY, &r) != 201)
		fail_msg("POST: %ld %s", r.status, r.body);
	snprintf(out, n, "/api/v1/records/bank.transaction/%s",
		 json_string_value(json_object_get(r.json, "id")));
	client_free(&r);
}

enum write { CREATE, REPLACE, DELETE, TOKEN, POINTS, SHARE, CONSENT };

static const char *const route_name[] = {"POST a record", "PUT a record", "DELETE a record",
					 "POST a token", "POST points", "POST a share",
					 "POST a consent"};

/* day_of_points - 48 half-hours of a day of its own, as a points body */
static void day_of_points(char *out, size_t n)
{
	size_t len = (size_t)snprintf(out, n, "{\"points\":[");
	long long t0 = 1704067200000LL + (long long)days++ * 86400000LL; /* from 2024-01-01 */

	for (int i = 0; i < 48; i++)
		len += (size_t)snprintf(out + len, n - len, "%s[%lld,%d]", i ? "," : "",
					t0 + i * 1800000LL, 300 + i);
	snprintf(out + len, n - len, "]}");
}

/* one - the route once, with the fault armed at n; how it ended:
 * 1 done, 0 a clean failure (a 5xx problem document) */
static int one(enum write rt, enum fault k, long n, const struct state *before,
	       struct state *after)
{
	char path[200], ct[128], points[48 * 32 + 32], share[512];
	struct resp r;
	long status, want = rt == CREATE || rt == TOKEN || rt == SHARE || rt == CONSENT ? 201
			    : rt == DELETE				   ? 204
									   : 200;
	int64_t records = before->records, tokens = before->tokens, added = before->points;
	int64_t shares = before->shares, consents = before->consents;

	int64_t entries;

	if (rt == REPLACE || rt == DELETE) {
		new_record(path, sizeof(path));
		records++;
	}
	entries = state_of().entries;
	faults_arm(k, n);
	switch (rt) {
	case CREATE: status = call("POST", "/api/v1/records/bank.transaction", BODY, &r); break;
	case REPLACE: status = call("PUT", path, BODY2, &r); break;
	case DELETE: status = call("DELETE", path, NULL, &r); break;
	case TOKEN: status = call("POST", "/api/v1/tokens", "{\"name\":\"fault\"}", &r); break;
	case SHARE: {
		char until[TIME_RFC3339_LEN];

		time_format(until, time_now_ms() + 10 * 86400000LL);
		snprintf(share, sizeof(share),
			 "{\"with\":{\"kind\":\"link\"},\"doctypes\":[\"bank.transaction\"],"
			 "\"fields\":[\"date\",\"amount\"],\"from\":\"2024-01-01\","
			 "\"to\":\"2024-06-01\",\"until\":\"%s\",\"purpose\":{\"fr\":\"Pour "
			 "mon bailleur\",\"en\":\"For my landlord\"},\"passcode\":"
			 "\"city-2025-ok\"}",
			 until);
		status = call("POST", "/api/v1/shares", share, &r);
		break;
	}
	case CONSENT:
		status = call("POST", "/api/v1/consents",
			      "{\"grantee\":{\"kind\":\"person\",\"handle\":\"pro\"},\"purpose\":"
			      "{\"dpv\":\"PersonalisedBenefits\",\"text\":{\"fr\":\"Mes droits\","
			      "\"en\":\"My rights\"}},\"legal_basis\":\"consent\",\"scope\":"
			      "{\"doctypes\":[\"bank.transaction\"],\"fields\":[\"date\","
			      "\"amount\"],\"from\":\"2024-01-01\",\"to\":\"2025-01-01\","
			      "\"operations\":[\"read\"]},\"valid_until\":\"2099-01-01T00:00:00Z\"}",
			      &r);
		break;
	default:
		snprintf(path, sizeof(path), "%s/points", series_path);
		day_of_points(points, sizeof(points));
		status = call("POST", path, points, &r);
	}
	faults_disarm();
	*after = state_of();
	if (rt == REPLACE) {
		/* the record holds the new data when it answered so, else the old */
		struct resp g;
		double amount;

		assert_int_equal(call("GET", path, NULL, &g), 200);
		amount = json_number_value(json_pointer(g.json, "/data/amount"));
		client_free(&g);
		if (amount != (status == want ? -4.5 : -3.5))
			fail_msg("PUT a record, fault %d at %ld: %ld, and the amount is %g", k, n,
				 status, amount);
	}
	if (status == want) {
		records += rt == CREATE ? 1 : rt == DELETE ? -1 : 0;
		tokens += rt == TOKEN;
		added += rt == POINTS ? 48 : 0;
		shares += rt == SHARE;
		consents += rt == CONSENT || rt == SHARE; /* a share is a consent too */
		if (after->consents != consents)
			fail_msg("%s, fault %d at %ld: %ld, yet %lld consents (%lld expected)",
				 route_name[rt], k, n, status, (long long)after->consents,
				 (long long)consents);
		if (after->shares != shares)
			fail_msg("%s, fault %d at %ld: %ld, yet %lld shares (%lld expected)",
				 route_name[rt], k, n, status, (long long)after->shares,
				 (long long)shares);
		if (after->points != added)
			fail_msg("%s, fault %d at %ld: %ld (%.200s), yet %lld points (%lld expected)",
				 route_name[rt], k, n, status, r.body ? r.body : "",
				 (long long)after->points, (long long)added);
		if (after->entries != entries + 1)
			fail_msg("%s, fault %d at %ld: %ld, yet %lld audit entries (%lld before)",
				 route_name[rt], k, n, status, (long long)after->entries,
				 (long long)entries);
		if (after->records != records || after->tokens != tokens)
			fail_msg("%s, fault %d at %ld: %ld, yet %lld records (%lld expected), %lld "
				 "tokens (%lld)",
				 route_name[rt], k, n, status, (long long)after->records,
				 (long long)records, (long long)after->tokens, (long long)tokens);
		if (rt == TOKEN) {
			/* revoked at once: a person may hold CMN_TOKENS_PER_PERSON */
			assert_int_equal(store_token_delete(f.s, f.alice.id,
							    json_string_value(json_object_get(
								r.json, "id"))),
					 CMN_OK);
			after->tokens--;
		}
		client_free(&r);
		return 1;
	}
	if (status < 500 || !client_header(&r, "Content-Type", ct, sizeof(ct)) ||
	    strncmp(ct, "application/problem+json", 24) != 0 ||
	    json_integer_value(json_object_get(r.json, "status")) != status)
		fail_msg("%s, fault %d at %ld: %ld is no clean failure: %.300s", route_name[rt], k, n,
			 status, r.body ? r.body : "");
	client_free(&r);
	if (after->entries != entries)
		fail_msg("%s, fault %d at %ld: failed (%ld), yet %lld audit entries (%lld before)",
			 route_name[rt], k, n, status, (long long)after->entries, (long long)entries);
	if (after->consents != consents)
		fail_msg("%s, fault %d at %ld: failed (%ld), yet %lld consents (%lld before)",
			 route_name[rt], k, n, status, (long long)after->consents,
			 (long long)consents);
	if (after->shares != shares)
		fail_msg("%s, fault %d at %ld: failed (%ld), yet %lld shares (%lld before)",
			 route_name[rt], k, n, status, (long long)after->shares, (long long)shares);
	if (after->points != added)
		fail_msg("%s, fault %d at %ld: failed (%ld), yet %lld points (%lld before)",
			 route_name[rt], k, n, status, (long long)after->points, (long long)added);
	if (after->records != records || after->tokens != tokens)
		fail_msg("%s, fault %d at %ld: failed (%ld), yet %lld records (%lld before), %lld "
			 "tokens (%lld)",
			 route_name[rt], k, n, status, (long long)after->records, (long long)records,
			 (long long)after->tokens, (long long)tokens);
	return 0;
}

/* sweep - every N until the route no longer meets the fault (one in N/32
 * above 32); then the server answers a read as usual */
static void sweep(enum fault k, long *faults)
{
	for (int rt = CREATE; rt <= CONSENT; rt++) {
		struct state before = state_of(), after;
		long n;

		for (n = 0;; n += 1 + n / 32) {
			int done = one((enum write)rt, k, n, &before, &after);

			if (!faults_hit()) {
				assert_int_equal(done, 1); /* past the last operation */
				break;
			}
			*faults += !done;
			before = after;
			assert_true(n < 100000);
		}
		{
			struct resp r;

			assert_int_equal(call("GET", "/api/v1/records/bank.transaction?limit=1", NULL,
					      &r),
					 200);
			client_free(&r);
		}
	}
}

/* a kind of fault and what a sweep of it met */
struct kind {
	enum fault fault;
	const char *met;
};

static const struct kind io = {FAULT_IO, "a failed write, sync or truncate"};
static const struct kind full = {FAULT_FULL, "a full disk"};
static const struct kind nomem = {FAULT_NOMEM, "a failed allocation in SQLite"};

static void swept(void **state)
{
	const struct kind *k = *state;
	long faults = 0;

	sweep(k->fault, &faults);
	printf("# %ld requests met %s: each a 5xx problem, nothing changed\n", faults, k->met);
	assert_true(faults > 0);
}

static int up(void **state)
{
	struct server_config cfg;
	char err[256];

	(void)state;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (fixture_open(&f, "alice") != 0 || rule_set_load(&rules, err, sizeof(err)) != CMN_OK ||
	    api_init() != CMN_OK)
		return -1;
	{
		/* the professional alice gives a consent to */
		char hash[CRYPT_PWHASH_LEN];
		struct person pro;

		if (crypt_password_hash("pw-pro-correct-horse", hash) != CMN_OK ||
		    store_person_add(f.s, "pro", "professional", NULL, hash, &pro) != CMN_OK)
			return -1;
	}
	app.store = f.s;
	app.keys = &f.keys;
	app.registry = &f.reg;
	app.limits = ratelimit_new();
	app.rules = &rules;
	server_config_defaults(&cfg);
	cfg.listen = "127.0.0.1:0";
	cfg.threads = 1;
	cfg.access_log = false;
	if (!app.limits || http_server_start(&srv, &cfg, api_handle, &app) != CMN_OK)
		return -1;
	snprintf(base, sizeof(base), "http://127.0.0.1:%u", http_server_port(srv));
	if (client_login(base, "alice", "pw-alice-correct-horse", cookie, sizeof(cookie), csrf,
			 sizeof(csrf)) != 0)
		return -1;
	{
		struct resp r;

		if (call("POST", "/api/v1/series",
			 "{\"doctype\":\"energy.electricity.load_curve\",\"source\":\"enedis\","
			 "\"key\":\"12345678901234\",\"unit\":\"W\",\"step_s\":1800,"
			 "\"tz\":\"Europe/Paris\",\"meta\":{\"prm\":\"12345678901234\"}}",
			 &r) != 201)
			return -1;
		snprintf(series_path, sizeof(series_path), "/api/v1/series/%s",
			 json_string_value(json_object_get(r.json, "id")));
		client_free(&r);
	}
	return 0;
}

static int down(void **state)
{
	(void)state;
	http_server_stop(&srv);
	ratelimit_free(&app.limits);
	api_release();
	rule_set_release(&rules);
	fixture_close(&f);
	curl_global_cleanup();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_prestate(swept, (void *)&io),
		cmocka_unit_test_prestate(swept, (void *)&full),
		cmocka_unit_test_prestate(swept, (void *)&nomem),
	};

	faults_install();
	return cmocka_run_group_tests(tests, up, down);
}
