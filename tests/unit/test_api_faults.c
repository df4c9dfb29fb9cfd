/*
 * test_api_faults.c - fault injection through the HTTP API (issue 15): the
 * API served in this process (http_server_start with api_handle, as
 * `commune serve` does), SQLite's files and allocations failing on purpose
 * (tests/support/faults.h), and for each write route (the table `routes`
 * below: a resident's records, tokens, series and their points, shares,
 * consents, mandates, files, imports (one file as the body, and a
 * multipart upload whose job the answer waits for), password and apps
 * policy, campaign participation and body membership, portability
 * requests; an agent's campaigns and agreements; the operator's approvals
 * and bodies) N swept: the Nth write, sync or truncate fails (an I/O
 * error, then a full disk), then the Nth allocation SQLite makes, then the
 * Nth of commune's own and jansson's, in any thread but the test's
 * (tests/support/faults_alloc.c). At every N the answer must be
 *  - the route's success, with its effect (read back through the API) and
 *    its one entry in the caller's audit chain (SQLite got over the fault),
 *  - or a 5xx problem document (RFC 9457), with nothing changed: every
 *    row of every table of both stores (the caller's, the platform's) as
 *    it was (the sessions' last use aside), the audit chain verifying,
 *    PRAGMA integrity_check ok;
 * (an upload's job that ended failed counts as such a failure: its file
 * failed for the server's reason, not as a refused file);
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
#include <sodium.h>
#include <sqlite3.h>

#include "checks.h"
#include "client.h"
#include "faults.h"
#include "fixture.h"

#include "account/ratelimit.h"
#include "api/api.h"
#include "api/api_upload.h"
#include "apps/app.h"
#include "core/timeutil.h"
#include "crypto/crypt.h"
#include "datamap/datamap.h"
#include "http/http.h"
#include "import/jobs.h"
#include "rules/rules.h"
#include "store/store.h"

#define BODY "{\"date\":\"2024-04-02\",\"amount\":-3.5,\"currency\":\"EUR\",\"label\":\"x\"}"
#define BODY2 "{\"date\":\"2024-04-02\",\"amount\":-4.5,\"currency\":\"EUR\",\"label\":\"y\"}"

static struct fixture f;
static struct app app;
static struct rule_set rules;
static struct http_server *srv;
static char base[64];

/* a person with a session: alice, whose store most routes change; the
 * mediator who asks her mandates, an agent of the city, the operator */
struct who {
	const char *handle, *role;
	bool city;                    /* an agent of "Ville" */
	struct person p;
	char cookie[200], csrf[120];
};

static struct who alice = {.handle = "alice"}, med = {.handle = "med", .role = "mediator"},
		  agent = {.handle = "agent", .role = "agent", .city = true},
		  admin = {.handle = "admin", .role = "admin"};
static char ville[CRYPT_ID_LEN]; /* the city's organisation */
static char series_path[128]; /* a load curve of alice's */
static int days;              /* of points added to it */

/* ---- the state ---------------------------------------------------------------- */

/* digest - a hash of every row of every table of the file at path but
 * skip's (a table whose rows a request may change without writing
 * anything: the sessions' last use); name[] is the table that differs
 * from `than` when `than` is given and one does (else "") */
struct digest {
	unsigned char table[64][crypto_generichash_BYTES];
	char name[64][64];
	int n;
};

static void digest(const char *path, const char *skip, struct digest *d)
{
	sqlite3 *db;
	sqlite3_stmt *tables, *st;
	char q[160];

	memset(d, 0, sizeof(*d));
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT name FROM sqlite_master WHERE type = 'table'"
					    " AND name NOT LIKE 'sqlite_%' ORDER BY name",
					    -1, &tables, NULL),
			 SQLITE_OK);
	while (sqlite3_step(tables) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(tables, 0);
		crypto_generichash_state h;

		if (skip && strcmp(name, skip) == 0)
			continue;
		assert_true(d->n < 64);
		snprintf(d->name[d->n], sizeof(d->name[d->n]), "%s", name);
		snprintf(q, sizeof(q), "SELECT * FROM \"%s\"", name);
		assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
		crypto_generichash_init(&h, NULL, 0, sizeof(d->table[0]));
		while (sqlite3_step(st) == SQLITE_ROW) {
			for (int i = 0; i < sqlite3_column_count(st); i++) {
				unsigned char type = (unsigned char)sqlite3_column_type(st, i);
				const void *v = sqlite3_column_blob(st, i);
				uint32_t len = (uint32_t)sqlite3_column_bytes(st, i);

				crypto_generichash_update(&h, &type, 1);
				crypto_generichash_update(&h, (const unsigned char *)&len, sizeof(len));
				if (v)
					crypto_generichash_update(&h, v, len);
			}
		}
		sqlite3_finalize(st);
		crypto_generichash_final(&h, d->table[d->n], sizeof(d->table[0]));
		d->n++;
	}
	sqlite3_finalize(tables);
	sqlite3_close(db);
}

/* changed - the first table of b that differs from a's but allowed, or
 * NULL */
static const char *changed(const struct digest *a, const struct digest *b, const char *allowed)
{
	if (a->n != b->n)
		return "(the list of tables)";
	for (int i = 0; i < a->n; i++)
		if (strcmp(a->name[i], b->name[i]) != 0 ||
		    (memcmp(a->table[i], b->table[i], sizeof(a->table[i])) != 0 &&
		     (!allowed || strcmp(b->name[i], allowed) != 0)))
			return b->name[i];
	return NULL;
}

/* kept - w's audit entries kept for later in the platform store */
static int64_t kept(const struct who *w)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char path[600];
	int64_t n;

	snprintf(path, sizeof(path), "%s/platform.db", f.dir);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT count(*) FROM audit_later WHERE person_id = ?",
					    -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(st, 1, w->p.id, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

/* both stores: w's and the platform's; with check, PRAGMA
 * integrity_check ok for both (the state after a request: the one before
 * it was the one after the last) */
struct state {
	struct digest person, platform;
	int64_t entries; /* in w's audit chain, which verifies */
};

static void state_of(const struct who *w, struct state *s, bool check)
{
	struct pstore *ps;
	int64_t bad = 0;
	char path[600];

	assert_int_equal(store_person_store(f.s, w->p.id, &ps), CMN_OK);
	if (pstore_audit_verify(ps, &s->entries, &bad) != CMN_OK)
		fail_msg("the audit chain breaks at entry %lld", (long long)bad);
	snprintf(path, sizeof(path), "%s/persons/%.2s/%s.db", f.dir, w->p.id, w->p.id);
	if (check)
		check_sound(path);
	digest(path, NULL, &s->person);
	snprintf(path, sizeof(path), "%s/platform.db", f.dir);
	if (check)
		check_sound(path);
	digest(path, "sessions", &s->platform);
}

/* ---- the calls ---------------------------------------------------------------- */

/* call_by - one request of w's session, its body of type (JSON when
 * NULL) */
static long call_by(const struct who *w, const char *method, const char *path, const char *type,
		    const char *body, struct resp *r)
{
	char ct[160];
	const char *hdr[] = {w->cookie, w->csrf, ct, NULL};

	snprintf(ct, sizeof(ct), "Content-Type: %s", type ? type : "application/json");
	memset(r, 0, sizeof(*r));
	assert_int_equal(client_request(base, method, path, hdr, body, body ? strlen(body) : 0, r),
			 0);
	return r->status;
}

static long call_as(const char *method, const char *path, const char *type, const char *body,
		    struct resp *r)
{
	return call_by(&alice, method, path, type, body, r);
}

static long call(const char *method, const char *path, const char *body, struct resp *r)
{
	return call_as(method, path, NULL, body, r);
}

/* made_by - what w's call without faults made: its "id", kept in out
 * (with prefix before it); fails unless it answered want */
static void made_by(const struct who *w, const char *method, const char *path, const char *type,
		    const char *body, long want, const char *prefix, char *out, size_t n)
{
	struct resp r;

	if (call_by(w, method, path, type, body, &r) != want)
		fail_msg("%s %s: %ld %.300s", method, path, r.status, r.body ? r.body : "");
	snprintf(out, n, "%s%s", prefix, json_string_value(json_object_get(r.json, "id")));
	client_free(&r);
}

static void made(const char *method, const char *path, const char *type, const char *body,
		 long want, const char *prefix, char *out, size_t n)
{
	made_by(&alice, method, path, type, body, want, prefix, out, n);
}

/* field_by - a string or number at ptr of w's GET path's answer, as
 * text; the status when it is not 200 ("404") */
static void field_by(const struct who *w, const char *path, const char *ptr, char *out, size_t n)
{
	struct resp r;
	json_t *v;

	if (call_by(w, "GET", path, NULL, NULL, &r) != 200) {
		snprintf(out, n, "%ld", r.status);
	} else {
		v = json_pointer(r.json, ptr);
		if (json_is_string(v))
			snprintf(out, n, "%s", json_string_value(v));
		else if (json_is_number(v))
			snprintf(out, n, "%g", json_number_value(v));
		else
			snprintf(out, n, "(none)");
	}
	client_free(&r);
}

static void field(const char *path, const char *ptr, char *out, size_t n)
{
	field_by(&alice, path, ptr, out, n);
}

#define expect_field_by(w, path, ptr, want)                                                  \
	do {                                                                                 \
		char got_[200];                                                              \
		field_by(w, path, ptr, got_, sizeof(got_));                                  \
		if (strcmp(got_, want) != 0)                                                 \
			fail_msg("%s%s is %s, not %s", path, ptr, got_, want);               \
	} while (0)
#define expect_field(path, ptr, want) expect_field_by(&alice, path, ptr, want)

/* ---- the routes --------------------------------------------------------------- */

/* a request, as a route's prep makes it (without faults) */
struct req {
	const char *method, *type;
	const char *header;           /* one more request header, or NULL */
	char path[256], made[128];
	char body[16384]; /* an app package too */
	int64_t n;
};

/* call_req - w's call of the request q */
static long call_req(const struct who *w, const struct req *q, struct resp *r)
{
	char ct[160];
	const char *hdr[] = {w->cookie, w->csrf, ct, q->header, NULL};

	snprintf(ct, sizeof(ct), "Content-Type: %s", q->type ? q->type : "application/json");
	memset(r, 0, sizeof(*r));
	assert_int_equal(client_request(base, q->method, q->path, hdr, q->body[0] ? q->body : NULL,
					strlen(q->body), r),
			 0);
	return r->status;
}

/* a write route: its success; prep makes what it needs and the request;
 * done checks its effect, once it answered its success, and tidies up;
 * logged, the one table of alice's store a failure may change (the
 * imports: a failed attempt is listed, as "failed") */
struct write {
	const char *name;
	long want;
	void (*prep)(struct req *q);
	void (*done)(struct req *q, struct resp *r);
	const char *logged;
	const struct who *who; /* who calls, whose store is compared; NULL: alice */
	bool unaudited;        /* a success writes no entry in the caller's chain */
	/* an import job answered with its want once it ended (Prefer: wait):
	 * a job that failed is a failure of the route, which must leave
	 * nothing changed but the failed attempt listed in `logged` */
	bool job;
};

static void record_create(struct req *q)
{
	q->method = "POST";
	snprintf(q->path, sizeof(q->path), "/api/v1/records/bank.transaction");
	snprintf(q->body, sizeof(q->body), "%s", BODY);
}

static void record_created(struct req *q, struct resp *r)
{
	char path[200];

	(void)q;
	snprintf(path, sizeof(path), "/api/v1/records/bank.transaction/%s",
		 json_string_value(json_object_get(r->json, "id")));
	expect_field(path, "/data/amount", "-3.5");
}

/* a record to change, made without faults */
static void a_record(struct req *q)
{
	made("POST", "/api/v1/records/bank.transaction", NULL, BODY, 201,
	     "/api/v1/records/bank.transaction/", q->made, sizeof(q->made));
	snprintf(q->path, sizeof(q->path), "%s", q->made);
}

static void record_replace(struct req *q)
{
	a_record(q);
	q->method = "PUT";
	snprintf(q->body, sizeof(q->body), "%s", BODY2);
}

static void record_replaced(struct req *q, struct resp *r)
{
	(void)r;
	expect_field(q->made, "/data/amount", "-4.5");
}

static void record_patch(struct req *q)
{
	a_record(q);
	q->method = "PATCH";
	q->type = "application/merge-patch+json";
	/* a member replaced, one added (an allocation in the patched object) */
	snprintf(q->body, sizeof(q->body), "{\"amount\":-5.5,\"category\":\"food\"}");
}

static void record_patched(struct req *q, struct resp *r)
{
	(void)r;
	expect_field(q->made, "/data/amount", "-5.5");
	expect_field(q->made, "/data/category", "food");
}

static void record_delete(struct req *q)
{
	a_record(q);
	q->method = "DELETE";
}

static void gone(struct req *q, struct resp *r)
{
	char got[200];

	(void)r;
	field(q->made, "", got, sizeof(got));
	if (strcmp(got, "404") != 0 && strcmp(got, "410") != 0)
		fail_msg("%s is still there (%s)", q->made, got);
}

static void token_create(struct req *q)
{
	q->method = "POST";
	snprintf(q->path, sizeof(q->path), "/api/v1/tokens");
	snprintf(q->body, sizeof(q->body), "{\"name\":\"fault\"}");
}

/* tokens - how many alice has */
static int64_t tokens(void)
{
	int64_t n = 0;
	struct resp r;

	assert_int_equal(call("GET", "/api/v1/tokens", NULL, &r), 200);
	n = (int64_t)json_array_size(json_object_get(r.json, "items"));
	client_free(&r);
	return n;
}

/* token_created - it works, then it goes: a person may hold
 * CMN_TOKENS_PER_PERSON */
static void token_created(struct req *q, struct resp *r)
{
	char bearer[300];
	const char *hdr[] = {bearer, NULL};
	struct resp g;

	(void)q;
	snprintf(bearer, sizeof(bearer), "Authorization: Bearer %s",
		 json_string_value(json_object_get(r->json, "token")));
	memset(&g, 0, sizeof(g));
	assert_int_equal(client_request(base, "GET", "/api/v1/records/bank.transaction?limit=1",
					hdr, NULL, 0, &g),
			 0);
	assert_int_equal(g.status, 200);
	client_free(&g);
	assert_int_equal(store_token_delete(f.s, alice.p.id,
					    json_string_value(json_object_get(r->json, "id"))),
			 CMN_OK);
}

static void token_revoke(struct req *q)
{
	made("POST", "/api/v1/tokens", NULL, "{\"name\":\"to revoke\"}", 201, "/api/v1/tokens/",
	     q->path, sizeof(q->path));
	q->method = "DELETE";
	q->n = tokens();
}

static void token_revoked(struct req *q, struct resp *r)
{
	(void)r;
	if (tokens() != q->n - 1)
		fail_msg("%s is still listed", q->path);
}

/* points - of alice's load curve */
static int64_t points(void)
{
	struct resp r;
	int64_t n;

	assert_int_equal(call("GET", series_path, NULL, &r), 200);
	n = json_integer_value(json_pointer(r.json, "/series/points"));
	client_free(&r);
	return n;
}

/* points_add - 48 half-hours of a day of its own */
static void points_add(struct req *q)
{
	size_t len = (size_t)snprintf(q->body, sizeof(q->body), "{\"points\":[");
	long long t0 = 1704067200000LL + (long long)days++ * 86400000LL; /* from 2024-01-01 */

	for (int i = 0; i < 48; i++)
		len += (size_t)snprintf(q->body + len, sizeof(q->body) - len, "%s[%lld,%d]",
					i ? "," : "", t0 + i * 1800000LL, 300 + i);
	snprintf(q->body + len, sizeof(q->body) - len, "]}");
	q->method = "POST";
	snprintf(q->path, sizeof(q->path), "%s/points", series_path);
	q->n = points();
}

static void points_added(struct req *q, struct resp *r)
{
	(void)r;
	if (points() != q->n + 48)
		fail_msg("%lld points, %lld expected", (long long)points(), (long long)q->n + 48);
}

static int serial; /* of the series made */

static void series_body(char *out, size_t n)
{
	snprintf(out, n,
		 "{\"doctype\":\"water.consumption\",\"source\":\"test\",\"key\":\"m%d\","
		 "\"unit\":\"L\",\"step_s\":86400,\"tz\":\"Europe/Paris\",\"meta\":{\"meter\":\"m%d\"}}",
		 serial, serial);
	serial++;
}

static void series_make(struct req *q)
{
	q->method = "POST";
	snprintf(q->path, sizeof(q->path), "/api/v1/series");
	series_body(q->body, sizeof(q->body));
}

static void series_created(struct req *q, struct resp *r)
{
	char path[200];

	(void)q;
	snprintf(path, sizeof(path), "/api/v1/series/%s",
		 json_string_value(json_object_get(r->json, "id")));
	expect_field(path, "/series/points", "0");
}

static void series_delete(struct req *q)
{
	char body[400];

	series_body(body, sizeof(body));
	made("POST", "/api/v1/series", NULL, body, 201, "/api/v1/series/", q->made,
	     sizeof(q->made));
	snprintf(q->path, sizeof(q->path), "%s", q->made);
	q->method = "DELETE";
}

static void share_body(char *out, size_t n)
{
	char until[TIME_RFC3339_LEN];

	time_format(until, time_now_ms() + 10 * 86400000LL);
	snprintf(out, n,
		 "{\"with\":{\"kind\":\"link\"},\"doctypes\":[\"bank.transaction\"],"
		 "\"fields\":[\"date\",\"amount\"],\"from\":\"2024-01-01\","
		 "\"to\":\"2024-06-01\",\"until\":\"%s\",\"purpose\":{\"fr\":\"Pour "
		 "mon bailleur\",\"en\":\"For my landlord\"},\"passcode\":"
		 "\"city-2025-ok\"}",
		 until);
}

static void share_create(struct req *q)
{
	q->method = "POST";
	snprintf(q->path, sizeof(q->path), "/api/v1/shares");
	share_body(q->body, sizeof(q->body));
}

/* granted - the consent (or share) it answered is given */
static void granted(struct req *q, struct resp *r)
{
	char path[200];

	(void)q;
	snprintf(path, sizeof(path), "/api/v1/consents/%s",
		 json_string_value(json_object_get(r->json, "id")));
	expect_field(path, "/status", "given");
}

/* shared - the share it answered is given, with its passcode, and the
 * answer shows its link (this once) */
static void shared(struct req *q, struct resp *r)
{
	const char *link = json_string_value(json_pointer(r->json, "/share/link"));
	char path[200];

	granted(q, r);
	if (!link || strncmp(link, "csl_", 4) != 0)
		fail_msg("a share made, and its link not shown: %s", r->body);
	snprintf(path, sizeof(path), "/api/v1/consents/%s",
		 json_string_value(json_object_get(r->json, "id")));
	{
		struct resp g;

		assert_int_equal(call("GET", path, NULL, &g), 200);
		if (!json_is_true(json_pointer(g.json, "/share/passcode")))
			fail_msg("a share made without its passcode: %s", g.body);
		client_free(&g);
	}
}

static void share_revoke(struct req *q)
{
	char body[1024];

	share_body(body, sizeof(body));
	made("POST", "/api/v1/shares", NULL, body, 201, "", q->made, sizeof(q->made));
	snprintf(q->path, sizeof(q->path), "/api/v1/shares/%s", q->made);
	q->method = "DELETE";
}

/* made_status - the status of the consent (or share, or mandate) prep made */
static void made_status(const struct req *q, const char *want)
{
	char path[200];

	snprintf(path, sizeof(path), "/api/v1/consents/%s", q->made);
	expect_field(path, "/status", want);
}

/* withdrawn - the consent (or share, or mandate) prep made is withdrawn */
static void withdrawn(struct req *q, struct resp *r)
{
	(void)r;
	made_status(q, "withdrawn");
}

#define CONSENT_BODY                                                                         \
	"{\"grantee\":{\"kind\":\"person\",\"handle\":\"pro\"},\"purpose\":"                 \
	"{\"dpv\":\"PersonalisedBenefits\",\"text\":{\"fr\":\"Mes droits\","                 \
	"\"en\":\"My rights\"}},\"legal_basis\":\"consent\",\"scope\":"                      \
	"{\"doctypes\":[\"bank.transaction\"],\"fields\":[\"date\","                         \
	"\"amount\"],\"from\":\"2024-01-01\",\"to\":\"2025-01-01\","                         \
	"\"operations\":[\"read\"]},\"valid_until\":\"2099-01-01T00:00:00Z\"}"

static void consent_give(struct req *q)
{
	q->method = "POST";
	snprintf(q->path, sizeof(q->path), "/api/v1/consents");
	snprintf(q->body, sizeof(q->body), "%s", CONSENT_BODY);
}

static void consent_withdraw(struct req *q)
{
	made("POST", "/api/v1/consents", NULL, CONSENT_BODY, 201, "", q->made, sizeof(q->made));
	snprintf(q->path, sizeof(q->path), "/api/v1/consents/%s/withdraw", q->made);
	q->method = "POST";
}

/* a_mandate - one the mediator asks of alice, its id in q->made */
static void a_mandate(struct req *q)
{
	char until[TIME_RFC3339_LEN], body[256];

	time_format(until, time_now_ms() + 7 * 86400000LL);
	snprintf(body, sizeof(body), "{\"person\":\"alice\",\"procedures\":[\"import\"],"
		 "\"until\":\"%s\"}", until);
	made_by(&med, "POST", "/api/v1/mandates", NULL, body, 201, "", q->made, sizeof(q->made));
}

static void mandate_confirm(struct req *q)
{
	a_mandate(q);
	q->method = "POST";
	snprintf(q->path, sizeof(q->path), "/api/v1/mandates/%s/confirm", q->made);
}

/* given - the mandate prep made is given */
static void given(struct req *q, struct resp *r)
{
	(void)r;
	made_status(q, "given");
}

static void mandate_end(struct req *q)
{
	char path[200];
	struct resp r;

	a_mandate(q);
	snprintf(path, sizeof(path), "/api/v1/mandates/%s/confirm", q->made);
	if (call("POST", path, NULL, &r) != 200)
		fail_msg("POST %s: %ld", path, r.status);
	client_free(&r);
	q->method = "POST";
	snprintf(q->path, sizeof(q->path), "/api/v1/mandates/%s/end", q->made);
}

#define FILE_PATH "/api/v1/files?name=facture.pdf&issued=2024-04-02&category=bill&issuer=EDF"

static void file_body(struct req *q)
{
	/* a file of its own each time: files are stored by their content */
	snprintf(q->body, sizeof(q->body), "%%PDF-1.4\n%% bill %d\n%%%%EOF\n", serial++);
}

static void file_upload(struct req *q)
{
	q->method = "POST";
	q->type = "application/pdf";
	snprintf(q->path, sizeof(q->path), "%s", FILE_PATH);
	file_body(q);
}

static void file_uploaded(struct req *q, struct resp *r)
{
	char path[300];
	struct resp g;

	snprintf(path, sizeof(path), "/api/v1/files/%s",
		 json_string_value(json_object_get(r->json, "id")));
	assert_int_equal(call("GET", path, NULL, &g), 200);
	assert_int_equal(g.len, strlen(q->body));
	assert_memory_equal(g.body, q->body, g.len);
	client_free(&g);
}

static void file_delete(struct req *q)
{
	file_body(q);
	made("POST", FILE_PATH, "application/pdf", q->body, 201, "/api/v1/files/", q->made,
	     sizeof(q->made));
	snprintf(q->path, sizeof(q->path), "%s", q->made);
	q->method = "DELETE";
	q->body[0] = '\0';
}

/* an OFX statement of three transactions of its own */
static void import_ofx(struct req *q)
{
	int k = serial++;
	size_t len = (size_t)snprintf(
		q->body, sizeof(q->body),
		"OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\n"
		"CHARSET:1252\nCOMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n"
		"<OFX><BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STMTRS><CURDEF>EUR<BANKACCTFROM>"
		"<BANKID>30004<ACCTID>0001234%04d<ACCTTYPE>CHECKING</BANKACCTFROM><BANKTRANLIST>"
		"<DTSTART>20240101<DTEND>20240131",
		k);

	for (int i = 0; i < 3; i++)
		len += (size_t)snprintf(q->body + len, sizeof(q->body) - len,
					"<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>202401%02d<TRNAMT>-%d.25"
					"<FITID>F%d-%d<NAME>SHOP %d</STMTTRN>",
					i + 2, 10 + i, k, i, i);
	snprintf(q->body + len, sizeof(q->body) - len,
		 "</BANKTRANLIST><LEDGERBAL><BALAMT>100.00<DTASOF>20240131</LEDGERBAL>"
		 "</STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n");
	q->method = "POST";
	q->type = "application/x-ofx";
	snprintf(q->path, sizeof(q->path), "/api/v1/imports?name=releve-%d.ofx&format=ofx", k);
}

static void imported(struct req *q, struct resp *r)
{
	char path[200];

	(void)q;
	if (json_integer_value(json_pointer(r->json, "/stats/records_created")) != 3)
		fail_msg("the import made %lld records, not 3: %.300s",
			 (long long)json_integer_value(json_pointer(r->json, "/stats/records_created")),
			 r->body);
	snprintf(path, sizeof(path), "/api/v1/imports/%s",
		 json_string_value(json_object_get(r->json, "id")));
	expect_field(path, "/status", "done");
}

/* the same statement in a multipart upload, imported by a job that the
 * answer waits for */
static void import_job(struct req *q)
{
	static struct req one; /* the statement: a body, 16 KiB */
	int len;

	memset(&one, 0, sizeof(one));
	import_ofx(&one);
	len = snprintf(q->body, sizeof(q->body),
		       "--XbOuNdArY\r\nContent-Disposition: form-data; name=\"format\"\r\n\r\nofx\r\n"
		       "--XbOuNdArY\r\nContent-Disposition: form-data; name=\"file\"; "
		       "filename=\"releve-job-%d.ofx\"\r\nContent-Type: application/x-ofx\r\n\r\n"
		       "%s\r\n--XbOuNdArY--\r\n",
		       serial, one.body);
	assert_true(len > 0 && (size_t)len < sizeof(q->body));
	q->method = "POST";
	q->type = "multipart/form-data; boundary=XbOuNdArY";
	q->header = "Prefer: wait=10";
	snprintf(q->path, sizeof(q->path), "/api/v1/imports");
}

static void job_imported(struct req *q, struct resp *r)
{
	char path[200];
	struct resp g;

	(void)q;
	snprintf(path, sizeof(path), "/api/v1/imports/%s",
		 json_string_value(json_object_get(r->json, "id")));
	assert_int_equal(call("GET", path, NULL, &g), 200);
	if (strcmp(json_string_value(json_object_get(g.json, "status")), "done") != 0)
		fail_msg("the job is not done: %.400s", g.body);
	/* its file's counts, or none when there was no memory for them: the
	 * import the file names has them all the same */
	if (!json_is_null(json_pointer(g.json, "/files/0/counts")) &&
	    json_integer_value(json_pointer(g.json, "/files/0/counts/records_created")) != 3)
		fail_msg("the job did not count its 3 records: %.400s", g.body);
	snprintf(path, sizeof(path), "/api/v1/imports/%s",
		 json_string_value(json_pointer(g.json, "/files/0/import")));
	client_free(&g);
	assert_int_equal(call("GET", path, NULL, &g), 200);
	if (json_integer_value(json_pointer(g.json, "/stats/records_created")) != 3)
		fail_msg("the import did not make its 3 records: %.400s", g.body);
	client_free(&g);
}

static int which_password; /* of the two below, alice's now */
static const char *const passwords[] = {"pw-alice-correct-horse", "another-correct-horse-2"};

static void password_change(struct req *q)
{
	q->method = "POST";
	snprintf(q->path, sizeof(q->path), "/api/v1/auth/password");
	snprintf(q->body, sizeof(q->body), "{\"current\":\"%s\",\"new\":\"%s\"}",
		 passwords[which_password], passwords[1 - which_password]);
}

static void password_changed(struct req *q, struct resp *r)
{
	struct person p;
	char hash[CRYPT_PWHASH_LEN];

	(void)q;
	(void)r;
	which_password = 1 - which_password;
	assert_int_equal(store_person_by_handle(f.s, "alice", &p, hash), CMN_OK);
	assert_int_equal(crypt_password_verify(hash, passwords[which_password]), CMN_OK);
}

static void policy_put(struct req *q)
{
	struct resp r;

	assert_int_equal(call("GET", "/api/v1/apps-policy", NULL, &r), 200);
	q->n = json_is_true(json_object_get(r.json, "certified_only"));
	client_free(&r);
	q->method = "PUT";
	snprintf(q->path, sizeof(q->path), "/api/v1/apps-policy");
	snprintf(q->body, sizeof(q->body), "{\"certified_only\":%s}", q->n ? "false" : "true");
}

static void policy_changed(struct req *q, struct resp *r)
{
	struct resp g;

	(void)r;
	assert_int_equal(call("GET", "/api/v1/apps-policy", NULL, &g), 200);
	assert_int_equal(json_is_true(json_object_get(g.json, "certified_only")), !q->n);
	client_free(&g);
}

/* ---- campaigns, bodies, agreements: other roles too ---------------------------- */

/* a campaign of the city's over [from, to), open from February 2026, with
 * epsilon eps */
static void campaign_over(char *out, size_t n, const char *from, const char *to, const char *eps)
{
	snprintf(out, n,
		 "{\"title\":{\"fr\":\"Profil horaire\",\"en\":\"Hourly profile\"},\"purpose\":"
		 "{\"fr\":\"Dimensionner le r\\u00e9seau.\",\"en\":\"Size the grid.\"},"
		 "\"organisation\":\"%s\",\"source\":{\"series\":"
		 "\"energy.electricity.load_curve\"},\"period\":{\"from\":\"%s\","
		 "\"to\":\"%s\"},\"group_by\":[\"hour_of_day\"],\"measures\":"
		 "[{\"kind\":\"count\"}],\"privacy\":{\"k\":5,\"mechanism\":\"laplace\","
		 "\"epsilon\":\"%s\",\"max_cells_per_person\":24},\"opens\":"
		 "\"2026-02-01T00:00:00Z\",\"closes\":\"2099-01-01T00:00:00Z\",\"governance\":"
		 "{\"body\":\"operator\"},\"licence\":\"etalab-2.0\"}",
		 ville, from, to, eps);
}

/* a campaign over January 2026 */
static void campaign_body(char *out, size_t n)
{
	campaign_over(out, n, "2026-01-01", "2026-02-01", "1");
}

static void campaign_create(struct req *q)
{
	q->method = "POST";
	snprintf(q->path, sizeof(q->path), "/api/v1/campaigns");
	campaign_body(q->body, sizeof(q->body));
}

/* campaign_is - the campaign id (or q->made's) is in state want */
static void campaign_is(const char *id, const char *want)
{
	char path[200];

	snprintf(path, sizeof(path), "/api/v1/campaigns/%s", id);
	expect_field_by(&agent, path, "/state", want);
}

static void campaign_drafted(struct req *q, struct resp *r)
{
	(void)q;
	campaign_is(json_string_value(json_object_get(r->json, "id")), "draft");
}

/* a_campaign - one the agent drafts, approved by the operator if asked;
 * its id in q->made */
static void a_campaign(struct req *q, bool approved)
{
	char body[2048], path[200];
	struct resp r;

	campaign_body(body, sizeof(body));
	made_by(&agent, "POST", "/api/v1/campaigns", NULL, body, 201, "", q->made,
		sizeof(q->made));
	snprintf(path, sizeof(path), "/api/v1/campaigns/%s/approve", q->made);
	if (approved && call_by(&admin, "POST", path, NULL, NULL, &r) != 200)
		fail_msg("POST %s: %ld %.300s", path, r.status, r.body ? r.body : "");
	if (approved)
		client_free(&r);
}

static void campaign_approve(struct req *q)
{
	a_campaign(q, false);
	q->method = "POST";
	snprintf(q->path, sizeof(q->path), "/api/v1/campaigns/%s/approve", q->made);
}

static void campaign_approved(struct req *q, struct resp *r)
{
	(void)r;
	campaign_is(q->made, "approved");
}

static void campaign_join(struct req *q)
{
	a_campaign(q, true);
	q->method = "POST";
	snprintf(q->path, sizeof(q->path), "/api/v1/campaigns/%s/participation", q->made);
}

/* participation - what alice's participation in q->made's campaign has at
 * ptr ("(none)" when it has not) */
static void participation(struct req *q, const char *ptr, char *out, size_t n)
{
	char path[200];

	snprintf(path, sizeof(path), "/api/v1/campaigns/%s", q->made);
	field(path, ptr, out, n);
}

/* joined - alice is in, her aggregate-only grant given */
static void joined(struct req *q, struct resp *r)
{
	char grant[200], path[260];

	(void)r;
	participation(q, "/participation/grant", grant, sizeof(grant));
	snprintf(path, sizeof(path), "/api/v1/consents/%s", grant);
	expect_field(path, "/status", "given");
}

/* step - w's POST of path, which must answer 200 */
static void step(const struct who *w, const char *path)
{
	struct resp r;

	if (call_by(w, "POST", path, NULL, NULL, &r) != 200)
		fail_msg("POST %s: %ld %.300s", path, r.status, r.body ? r.body : "");
	client_free(&r);
}

/* campaign_run_prep - an approved campaign over January 2026 that alice
 * has joined (she has a point in it), run by the agent. The earlier
 * releases are forgotten first, straight in the platform's file: each
 * success registers one, and a release over the same months and the same
 * population as an earlier one is refused (the differencing check of
 * run.c), which would end the sweep at its second success. */
static void campaign_run_prep(struct req *q)
{
	char body[2048], path[200];
	sqlite3 *db;
	struct resp r;

	snprintf(path, sizeof(path), "%s/platform.db", f.dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_exec(db, "DELETE FROM releases", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	snprintf(body, sizeof(body), "{\"points\":[[%lld,700]]}", 1767312000000LL); /* 2 Jan */
	snprintf(path, sizeof(path), "%s/points", series_path);
	if (call("POST", path, body, &r) != 200)
		fail_msg("POST %s: %ld %.300s", path, r.status, r.body ? r.body : "");
	client_free(&r);
	/* alice's budget (CAMPAIGN_PERSON_EPS_CAP, 10) pays for 1,000 of them */
	campaign_over(body, sizeof(body), "2026-01-01", "2026-02-01", "0.01");
	made_by(&agent, "POST", "/api/v1/campaigns", NULL, body, 201, "", q->made,
		sizeof(q->made));
	snprintf(path, sizeof(path), "/api/v1/campaigns/%s/approve", q->made);
	step(&admin, path);
	snprintf(path, sizeof(path), "/api/v1/campaigns/%s/participation", q->made);
	step(&alice, path);
	q->method = "POST";
	snprintf(q->path, sizeof(q->path), "/api/v1/campaigns/%s/run", q->made);
}

static void campaign_computed(struct req *q, struct resp *r)
{
	(void)r;
	campaign_is(q->made, "computed");
}

/* campaign_publish_prep - the same campaign, run, then published */
static void campaign_publish_prep(struct req *q)
{
	campaign_run_prep(q);
	step(&agent, q->path);
	snprintf(q->path, sizeof(q->path), "/api/v1/campaigns/%s/publish", q->made);
}

static void campaign_published(struct req *q, struct resp *r)
{
	(void)r;
	campaign_is(q->made, "published");
}

static void campaign_leave(struct req *q)
{
	struct resp r;

	campaign_join(q);
	if (call("POST", q->path, NULL, &r) != 200)
		fail_msg("POST %s: %ld %.300s", q->path, r.status, r.body ? r.body : "");
	client_free(&r);
	q->method = "DELETE";
}

/* left - alice's participation is withdrawn, and her grant with it */
static void left(struct req *q, struct resp *r)
{
	char when[200], grant[200], path[260];

	(void)r;
	participation(q, "/participation/withdrawn", when, sizeof(when));
	if (strcmp(when, "(none)") == 0)
		fail_msg("%s: still in", q->path);
	participation(q, "/participation/grant", grant, sizeof(grant));
	snprintf(path, sizeof(path), "/api/v1/consents/%s", grant);
	expect_field(path, "/status", "withdrawn");
}

static void body_body(char *out, size_t n)
{
	snprintf(out, n,
		 "{\"name\":\"Coop %d\",\"statutes\":{\"kind\":\"cooperative\","
		 "\"rule\":\"majority\"}}",
		 serial++);
}

static void body_create(struct req *q)
{
	q->method = "POST";
	snprintf(q->path, sizeof(q->path), "/api/v1/bodies");
	body_body(q->body, sizeof(q->body));
}

static void body_created(struct req *q, struct resp *r)
{
	char path[200], name[200];
	json_t *sent = json_loads(q->body, 0, NULL);

	snprintf(path, sizeof(path), "/api/v1/bodies/%s",
		 json_string_value(json_object_get(r->json, "id")));
	snprintf(name, sizeof(name), "%s", json_string_value(json_object_get(sent, "name")));
	json_decref(sent);
	expect_field(path, "/name", name);
}

/* a_body - one the operator makes, its id in q->made */
static void a_body(struct req *q)
{
	char body[256];

	body_body(body, sizeof(body));
	made_by(&admin, "POST", "/api/v1/bodies", NULL, body, 201, "", q->made, sizeof(q->made));
}

static void body_join(struct req *q)
{
	a_body(q);
	q->method = "POST";
	snprintf(q->path, sizeof(q->path), "/api/v1/bodies/%s/membership", q->made);
	snprintf(q->body, sizeof(q->body), "{}");
}

/* member - alice reads the member register: 200 for a member */
static void member(struct req *q, const char *want)
{
	char path[200];

	snprintf(path, sizeof(path), "/api/v1/bodies/%s/members", q->made);
	expect_field(path, "", want);
}

static void a_member(struct req *q, struct resp *r)
{
	(void)r;
	member(q, "(none)"); /* 200: the register, an object */
}

static void body_leave(struct req *q)
{
	struct resp r;

	body_join(q);
	if (call("POST", q->path, q->body, &r) != 200)
		fail_msg("POST %s: %ld %.300s", q->path, r.status, r.body ? r.body : "");
	client_free(&r);
	q->method = "DELETE";
	q->body[0] = '\0';
}

static void not_a_member(struct req *q, struct resp *r)
{
	(void)r;
	member(q, "403");
}

static void agreement_body(const char *body_id, char *out, size_t n)
{
	char ends[TIME_RFC3339_LEN];

	time_format(ends, time_now_ms() + 30 * 86400000LL);
	snprintf(out, n,
		 "{\"body\":\"%s\",\"terms\":{\"title\":{\"fr\":\"Budgets des m\\u00e9nages\","
		 "\"en\":\"Household budgets\"},\"purpose\":{\"fr\":\"Dimensionner l'aide.\","
		 "\"en\":\"Size the aid.\"},\"doctypes\":[{\"doctype\":\"bank.transaction\","
		 "\"fields\":[\"amount\"]}],\"from\":\"2026-01-01T00:00:00Z\",\"to\":"
		 "\"2026-04-01T00:00:00Z\",\"ends\":\"%s\"}}",
		 body_id, ends);
}

static void agreement_create(struct req *q)
{
	a_body(q);
	q->method = "POST";
	snprintf(q->path, sizeof(q->path), "/api/v1/agreements");
	agreement_body(q->made, q->body, sizeof(q->body));
}

/* agreement_is - the agreement at path is in state want */
static void agreement_is(const char *id, const char *want)
{
	char path[200];

	snprintf(path, sizeof(path), "/api/v1/agreements/%s", id);
	expect_field_by(&agent, path, "/state", want);
}

static void agreement_drafted(struct req *q, struct resp *r)
{
	(void)q;
	agreement_is(json_string_value(json_object_get(r->json, "id")), "draft");
}

static void agreement_end(struct req *q)
{
	char body[2048], body_id[128];

	a_body(q);
	snprintf(body_id, sizeof(body_id), "%s", q->made);
	agreement_body(body_id, body, sizeof(body));
	made_by(&agent, "POST", "/api/v1/agreements", NULL, body, 201, "", q->made,
		sizeof(q->made));
	q->method = "POST";
	snprintf(q->path, sizeof(q->path), "/api/v1/agreements/%s/end", q->made);
}

static void agreement_ended(struct req *q, struct resp *r)
{
	(void)r;
	agreement_is(q->made, "ended");
}

/* ---- proposals and apps ------------------------------------------------------- */

/* the cooperative the proposals are put to, made once */
static char coop[128];

/* proposal_submit - the agent puts a new cooperative campaign of the city's
 * to the cooperative, its vote open for a minute and more */
static void proposal_submit(struct req *q)
{
	char body[2048], t[TIME_RFC3339_LEN], *at;
	struct req c;

	if (!coop[0]) {
		struct resp r;

		memset(&c, 0, sizeof(c));
		a_body(&c);
		snprintf(coop, sizeof(coop), "%s", c.made);
		/* alice is a member: she votes and comments */
		snprintf(c.path, sizeof(c.path), "/api/v1/bodies/%s/membership", coop);
		if (call("POST", c.path, "{}", &r) != 200)
			fail_msg("POST %s: %ld %.300s", c.path, r.status, r.body ? r.body : "");
		client_free(&r);
	}
	campaign_body(body, sizeof(body));
	at = strstr(body, "{\"body\":\"operator\"}");
	assert_non_null(at);
	memmove(at + 22, at + 19, strlen(at + 19) + 1);
	memcpy(at, "{\"body\":\"cooperative\"}", 22);
	made_by(&agent, "POST", "/api/v1/campaigns", NULL, body, 201, "", q->made,
		sizeof(q->made));
	time_format(t, time_now_ms() + 120000);
	q->method = "POST";
	snprintf(q->path, sizeof(q->path), "/api/v1/bodies/%s/proposals", coop);
	snprintf(q->body, sizeof(q->body),
		 "{\"campaign\":\"%s\",\"closes\":\"%s\",\"ballot\":\"open\",\"text\":"
		 "{\"fr\":\"Approuver le profil horaire.\",\"en\":\"Approve the hourly profile.\"}}",
		 q->made, t);
}

/* proposal_open - the proposal it answered is open, about the campaign */
static void proposal_open(struct req *q, struct resp *r)
{
	char path[200];

	snprintf(path, sizeof(path), "/api/v1/proposals/%s",
		 json_string_value(json_object_get(r->json, "id")));
	expect_field_by(&admin, path, "/state", "open");
	(void)q;
}

/* a_proposal - one the agent put to the cooperative, its id in q->made;
 * then the request to its tail (method, body) */
static void a_proposal(struct req *q, const char *method, const char *tail, const char *body)
{
	proposal_submit(q);
	made_by(&agent, q->method, q->path, NULL, q->body, 201, "", q->made, sizeof(q->made));
	q->method = method;
	snprintf(q->path, sizeof(q->path), "/api/v1/proposals/%s%s", q->made, tail);
	snprintf(q->body, sizeof(q->body), "%s", body);
}

static void vote_cast(struct req *q)
{
	a_proposal(q, "PUT", "/vote", "{\"vote\":\"yes\"}");
}

/* voted - alice's vote is counted as hers */
static void voted(struct req *q, struct resp *r)
{
	char path[200];

	(void)r;
	snprintf(path, sizeof(path), "/api/v1/proposals/%s", q->made);
	expect_field(path, "/my_vote/vote", "yes");
}

static void comment_add(struct req *q)
{
	a_proposal(q, "POST", "/comments", "{\"text\":\"Pourquoi ce seuil ?\"}");
}

/* commented - the debate holds alice's comment */
static void commented(struct req *q, struct resp *r)
{
	char path[200];

	(void)r;
	snprintf(path, sizeof(path), "/api/v1/proposals/%s/comments", q->made);
	expect_field(path, "/items/0/text", "Pourquoi ce seuil ?");
}

/* proposal_close_prep - a proposal alice voted for, its vote over: its
 * closing time moved to the past straight in the platform's file (a vote
 * lasts a minute at least here, GOVERN_VOTE_MIN_DEFAULT_MS, and even the
 * shortest a deployment may set, a second, would be waited for at each step
 * of the sweep) */
static void proposal_close_prep(struct req *q)
{
	char path[200], sql[200];
	sqlite3 *db;

	a_proposal(q, "PUT", "/vote", "{\"vote\":\"yes\"}");
	made("PUT", q->path, NULL, q->body, 200, "", path, sizeof(path));
	snprintf(path, sizeof(path), "%s/platform.db", f.dir);
	snprintf(sql, sizeof(sql), "UPDATE gov_proposals SET closes = %lld WHERE id = '%s'",
		 (long long)time_now_ms() - 1000, q->made);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_changes(db), 1);
	sqlite3_close(db);
	q->method = "POST";
	q->body[0] = '\0';
	snprintf(q->path, sizeof(q->path), "/api/v1/proposals/%s/close", q->made);
}

/* proposal_decided - alice's yes carried it: approved, and so is the
 * campaign it was about (what a decision does is part of the close) */
static void proposal_decided(struct req *q, struct resp *r)
{
	char path[200], state[64], campaign[64];

	(void)r;
	snprintf(path, sizeof(path), "/api/v1/proposals/%s", q->made);
	field_by(&admin, path, "/state", state, sizeof(state));
	if (strcmp(state, "approved") != 0)
		fail_msg("%s: %s, not approved", path, state);
	field_by(&admin, path, "/campaign", campaign, sizeof(campaign));
	campaign_is(campaign, "approved");
}

#define APP "coach-co2"

/* app_install - alice installs the app shipped as builtin:coach-co2, which
 * she has not */
static void app_install_prep(struct req *q)
{
	char err[200], *bytes;
	size_t n;
	struct resp r;

	call("DELETE", "/api/v1/apps/" APP, NULL, &r); /* 204, or 404 the first time */
	client_free(&r);
	/* uncertified apps allowed, whatever the policy's route left */
	assert_int_equal(call("PUT", "/api/v1/apps-policy", "{\"certified_only\":false}", &r), 200);
	client_free(&r);
	if (app_pack("builtin:" APP, &f.reg, &bytes, &n, err, sizeof(err)) != CMN_OK)
		fail_msg("app_pack: %s", err);
	assert_true(n < sizeof(q->body));
	memcpy(q->body, bytes, n);
	q->body[n] = '\0';
	free(bytes);
	q->method = "POST";
	snprintf(q->path, sizeof(q->path), "/api/v1/apps");
}

static void app_install_done(struct req *q, struct resp *r)
{
	(void)q;
	(void)r;
	expect_field("/api/v1/apps/" APP, "/id", APP);
}

static void app_uninstall(struct req *q)
{
	struct resp r;

	app_install_prep(q);
	if (call("POST", q->path, q->body, &r) != 201)
		fail_msg("POST %s: %ld %.300s", q->path, r.status, r.body ? r.body : "");
	client_free(&r);
	q->body[0] = '\0';
	q->method = "DELETE";
	snprintf(q->path, sizeof(q->path), "/api/v1/apps/" APP);
}

static void app_removed(struct req *q, struct resp *r)
{
	(void)q;
	(void)r;
	expect_field("/api/v1/apps/" APP, "/id", "404");
}

/* app_run_prep - the app installed afresh (no run yet), then run on
 * demand */
static void app_run_prep(struct req *q)
{
	app_uninstall(q);
	q->method = "POST";
	snprintf(q->path, sizeof(q->path), "/api/v1/apps/" APP "/run");
}

/* app_ran - one run listed, on demand */
static void app_ran(struct req *q, struct resp *r)
{
	struct resp g;

	(void)q;
	(void)r;
	assert_int_equal(call("GET", "/api/v1/apps/" APP "/runs", NULL, &g), 200);
	if (json_array_size(json_object_get(g.json, "items")) != 1)
		fail_msg("%zu runs listed, 1 expected: %.300s",
			 json_array_size(json_object_get(g.json, "items")), g.body);
	expect_field("/api/v1/apps/" APP "/runs", "/items/0/trigger", "demand");
	client_free(&g);
}

/* a draft of a portability request to Enedis (the data map of the tree) */
static void port_create(struct req *q)
{
	q->method = "POST";
	snprintf(q->path, sizeof(q->path), "/api/v1/portability");
	snprintf(q->body, sizeof(q->body), "{\"holder\":\"enedis\",\"kind\":\"access\"}");
}

static void port_drafted(struct req *q, struct resp *r)
{
	char path[200];

	(void)q;
	snprintf(path, sizeof(path), "/api/v1/portability/%s",
		 json_string_value(json_object_get(r->json, "id")));
	expect_field(path, "/state", "draft");
}

/* port_send - a new draft, then told sent */
static void port_send(struct req *q)
{
	made("POST", "/api/v1/portability", NULL, "{\"holder\":\"enedis\",\"kind\":\"access\"}",
	     201, "", q->made, sizeof(q->made));
	q->method = "POST";
	snprintf(q->path, sizeof(q->path), "/api/v1/portability/%s/sent", q->made);
	snprintf(q->body, sizeof(q->body), "{}");
}

static void port_sent(struct req *q, struct resp *r)
{
	char path[200];

	(void)r;
	snprintf(path, sizeof(path), "/api/v1/portability/%s", q->made);
	expect_field(path, "/state", "sent");
}

static const struct write routes[] = {
	{"POST a record", 201, record_create, record_created, NULL, NULL, false, false},
	{"PUT a record", 200, record_replace, record_replaced, NULL, NULL, false, false},
	{"PATCH a record", 200, record_patch, record_patched, NULL, NULL, false, false},
	{"DELETE a record", 204, record_delete, gone, NULL, NULL, false, false},
	{"POST a token", 201, token_create, token_created, NULL, NULL, false, false},
	{"DELETE a token", 204, token_revoke, token_revoked, NULL, NULL, false, false},
	{"POST points", 200, points_add, points_added, NULL, NULL, false, false},
	{"POST a series", 201, series_make, series_created, NULL, NULL, false, false},
	{"DELETE a series", 204, series_delete, gone, NULL, NULL, false, false},
	{"POST a share", 201, share_create, shared, NULL, NULL, false, false},
	{"DELETE a share", 204, share_revoke, withdrawn, NULL, NULL, false, false},
	{"POST a consent", 201, consent_give, granted, NULL, NULL, false, false},
	{"POST a consent's withdrawal", 200, consent_withdraw, withdrawn, NULL, NULL, false, false},
	{"POST a mandate's confirmation", 200, mandate_confirm, given, NULL, NULL, false, false},
	{"POST a mandate's end", 204, mandate_end, withdrawn, NULL, NULL, false, false},
	{"POST a file", 201, file_upload, file_uploaded, NULL, NULL, false, false},
	{"DELETE a file", 204, file_delete, gone, NULL, NULL, false, false},
	{"POST an import", 201, import_ofx, imported, "imports", NULL, false, false},
	{"POST an import job", 201, import_job, job_imported, "imports", NULL, false, true},
	{"POST a new password", 204, password_change, password_changed, NULL, NULL, false, false},
	{"PUT the apps policy", 200, policy_put, policy_changed, NULL, NULL, false, false},
	{"POST a campaign", 201, campaign_create, campaign_drafted, NULL, &agent, false, false},
	{"POST a campaign's approval", 200, campaign_approve, campaign_approved, NULL, &admin, false, false},
	{"POST a campaign's participation", 200, campaign_join, joined, NULL, NULL, false, false},
	{"DELETE a campaign's participation", 204, campaign_leave, left, NULL, NULL, false, false},
	{"POST a campaign's run", 200, campaign_run_prep, campaign_computed, NULL, &agent, false, false},
	{"POST a campaign's publication", 200, campaign_publish_prep, campaign_published, NULL,
	 &agent, false, false},
	{"POST a body", 201, body_create, body_created, NULL, &admin, false, false},
	{"POST a body's membership", 200, body_join, a_member, NULL, NULL, false, false},
	{"DELETE a body's membership", 200, body_leave, not_a_member, NULL, NULL, false, false},
	{"POST an agreement", 201, agreement_create, agreement_drafted, NULL, &agent, false, false},
	{"POST an agreement's end", 200, agreement_end, agreement_ended, NULL, &agent, false, false},
	{"POST a proposal", 201, proposal_submit, proposal_open, NULL, &agent, false, false},
	{"POST an app", 201, app_install_prep, app_install_done, NULL, NULL, false, false},
	{"DELETE an app", 204, app_uninstall, app_removed, NULL, NULL, false, false},
	{"POST an app's run", 200, app_run_prep, app_ran, NULL, NULL, false, false},
	{"PUT a vote", 200, vote_cast, voted, NULL, NULL, true, false},
	{"POST a comment", 201, comment_add, commented, NULL, NULL, true, false},
	{"POST a proposal's close", 200, proposal_close_prep, proposal_decided, NULL, NULL, false,
	 false},
	{"POST a portability request", 201, port_create, port_drafted, NULL, NULL,
	 false, false},
	{"POST a portability request's sending", 200, port_send, port_sent,
	 NULL, NULL, false, false},
};

#define NROUTES ((int)(sizeof(routes) / sizeof(*routes)))

/* swept - whether route rt is swept: all are, unless FAULTS_ROUTES (route
 * names, ',' between them) names some, to look into one */
static bool swept_route(const struct write *rt)
{
	const char *only = getenv("FAULTS_ROUTES");
	size_t n = strlen(rt->name);

	if (!only || !*only)
		return true;
	for (const char *p = strstr(only, rt->name); p; p = strstr(p + 1, rt->name))
		if ((p == only || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return true;
	return false;
}

/* one - the route once, with the fault armed at n; how it ended:
 * 1 done, 0 a clean failure (a 5xx problem document); late counts the
 * successes whose audit entry was kept for later */
static long jobs_failed; /* of a sweep of a route, the jobs that ended failed */

/* unchanged - 0 after a failure of rt that changed nothing in w's store
 * (but its `logged` table) or the platform's */
static int unchanged(const struct write *rt, const struct who *w, enum fault k, long n,
		     long status, const struct state *before, const struct state *after)
{
	const char *what;

	if ((what = changed(&before->person, &after->person, rt->logged)))
		fail_msg("%s, fault %d at %ld: failed (%ld), yet %s's %s changed", rt->name, k, n,
			 status, w->handle, what);
	if ((what = changed(&before->platform, &after->platform, NULL)))
		fail_msg("%s, fault %d at %ld: failed (%ld), yet the platform's %s changed",
			 rt->name, k, n, status, what);
	return 0;
}

/* job_failed - whether the job the answer r names ended failed: then for
 * a reason of the server's (its file's error has no line: no file is
 * refused for a fault of the server), each of its files failed */
static bool job_failed(const struct write *rt, enum fault k, long n, const struct resp *r)
{
	const char *id = json_string_value(json_object_get(r->json, "id"));
	char path[200];
	struct resp g;
	json_t *file;
	size_t i;
	bool failed;

	if (!id)
		fail_msg("%s, fault %d at %ld: no job id in %.300s", rt->name, k, n,
			 r->body ? r->body : "");
	snprintf(path, sizeof(path), "/api/v1/imports/%s", id);
	assert_int_equal(call("GET", path, NULL, &g), 200);
	failed = strcmp(json_string_value(json_object_get(g.json, "status")), "failed") == 0;
	for (i = 0; failed && (file = json_array_get(json_object_get(g.json, "files"), i)); i++)
		if (strcmp(json_string_value(json_object_get(file, "status")), "failed") != 0 ||
		    !json_is_null(json_pointer(file, "/error/line")))
			fail_msg("%s, fault %d at %ld: a file failed as if it were at fault: %.400s",
				 rt->name, k, n, g.body);
	client_free(&g);
	return failed;
}

static int one(const struct write *rt, enum fault k, long n, long *late)
{
	const struct who *w = rt->who ? rt->who : &alice;
	struct req q;
	struct state before, after;
	struct resp r;
	char ct[128];
	long status;

	memset(&q, 0, sizeof(q));
	rt->prep(&q);
	state_of(w, &before, false);
	faults_arm(k, n);
	status = call_req(w, &q, &r);
	faults_disarm();
	state_of(w, &after, true);
	if (status == rt->want && rt->job && job_failed(rt, k, n, &r)) {
		client_free(&r);
		jobs_failed++;
		return unchanged(rt, w, k, n, status, &before, &after);
	}
	if (status == rt->want) {
		if (kept(w) == 1) {
			/* a change of the platform store whose entry could not
			 * be written in the chain at once, or be marked as
			 * written: kept, and in the chain after the next
			 * delivery, once */
			size_t written = 0;

			assert_int_equal(store_audit_deliver(f.s, w->p.id, &written), CMN_OK);
			assert_int_equal(written, 1);
			assert_int_equal(store_audit_deliver(f.s, w->p.id, &written), CMN_OK);
			assert_int_equal(written, 0);
			state_of(w, &after, true);
			*late += 1;
		}
		if (after.entries != before.entries + !rt->unaudited || kept(w) != 0)
			fail_msg("%s, fault %d at %ld: %ld, yet %lld audit entries (%lld before), "
				 "%lld kept for later",
				 rt->name, k, n, status, (long long)after.entries,
				 (long long)before.entries, (long long)kept(w));
		rt->done(&q, &r);
		client_free(&r);
		return 1;
	}
	if (status < 500 || !client_header(&r, "Content-Type", ct, sizeof(ct)) ||
	    strncmp(ct, "application/problem+json", 24) != 0 ||
	    json_integer_value(json_object_get(r.json, "status")) != status)
		fail_msg("%s, fault %d at %ld: %ld is no clean failure: %.300s", rt->name, k, n,
			 status, r.body ? r.body : "");
	client_free(&r);
	return unchanged(rt, w, k, n, status, &before, &after);
}

/* sweep - every N until the route no longer meets the fault (every one up
 * to spread, then one in N / spread); then the server answers a read as
 * usual */
static void sweep(enum fault k, long spread, long *faults)
{
	for (int i = 0; i < NROUTES; i++) {
		long n, met = 0, late = 0;

		if (!swept_route(&routes[i]))
			continue;
		jobs_failed = 0;

		for (n = 0;; n += 1 + n / spread) {
			int done = one(&routes[i], k, n, &late);

			if (!faults_hit()) {
				assert_int_equal(done, 1); /* past the last operation */
				break;
			}
			met += !done;
			assert_true(n < 100000);
		}
		if (routes[i].job)
			printf("#   %s: %ld failed cleanly (%ld of them jobs that failed, the answer "
			       "a 201)\n", routes[i].name, met, jobs_failed);
		else
			printf("#   %s: %ld failed cleanly%s", routes[i].name, met, late ? "" : "\n");
		if (late)
			printf(", %ld done with the entry written late\n", late);
		*faults += met;
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
	long spread; /* past N = spread, one N in N / spread */
};

/* allocations are many more than writes: swept more sparsely past the
 * first ones, so that the four sweeps keep within make check's time */
static const struct kind io = {FAULT_IO, "a failed write, sync or truncate", 32};
static const struct kind full = {FAULT_FULL, "a full disk", 32};
static const struct kind nomem = {FAULT_NOMEM, "a failed allocation in SQLite", 16};
static const struct kind alloc = {FAULT_ALLOC, "a failed allocation of commune's or jansson's",
				  16};

static void swept(void **state)
{
	const struct kind *k = *state;
	long faults = 0;

	sweep(k->fault, k->spread, &faults);
	printf("# %ld requests met %s: each a 5xx problem, nothing changed\n", faults, k->met);
	assert_true(faults > 0);
}

/* load_datamap - the tree's data map (datamap/territory.json), for the
 * portability requests */
static int load_datamap(void)
{
	const char *here = __FILE__, *cut = strstr(here, "tests/unit/");
	char path[512], err[300] = "", *text = NULL;
	FILE *fp;
	long n = -1;
	int ret = -1;

	if (!cut)
		return -1;
	snprintf(path, sizeof(path), "%.*sdatamap/territory.json", (int)(cut - here), here);
	if (!(fp = fopen(path, "rb")))
		return -1;
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) > 0 && fseek(fp, 0, SEEK_SET) == 0 &&
	    (text = malloc((size_t)n + 1)) && fread(text, 1, (size_t)n, fp) == (size_t)n) {
		text[n] = '\0';
		ret = datamap_load(f.s, &f.reg, text, (size_t)n, time_now_ms(), NULL, err,
				   sizeof(err)) == CMN_OK ? 0 : -1;
	}
	fclose(fp);
	free(text);
	return ret;
}

static int up(void **state)
{
	struct import_jobs_config jcfg = {0};
	struct server_config cfg;
	char err[256];

	(void)state;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (fixture_open(&f, "alice") != 0 || rule_set_load(&rules, err, sizeof(err)) != CMN_OK ||
	    api_init() != CMN_OK || load_datamap() != 0)
		return -1;
	{
		/* the professional alice gives a consent to, and the others */
		struct who *others[] = {&med, &agent, &admin};
		char hash[CRYPT_PWHASH_LEN], pw[64];
		struct person pro;
		struct org o;

		if (crypt_password_hash("pw-pro-correct-horse", hash) != CMN_OK ||
		    store_person_add(f.s, "pro", "professional", NULL, hash, &pro) != CMN_OK ||
		    store_org_add(f.s, "Ville", "city", &o) != CMN_OK)
			return -1;
		snprintf(ville, sizeof(ville), "%s", o.id);
		for (size_t i = 0; i < sizeof(others) / sizeof(*others); i++) {
			snprintf(pw, sizeof(pw), "pw-%s-correct-horse", others[i]->handle);
			if (crypt_password_hash(pw, hash) != CMN_OK ||
			    store_person_add(f.s, others[i]->handle, others[i]->role,
					     others[i]->city ? "Ville" : NULL, hash,
					     &others[i]->p) != CMN_OK)
				return -1;
		}
		alice.p = f.alice;
	}
	app.store = f.s;
	app.keys = &f.keys;
	app.registry = &f.reg;
	app.limits = ratelimit_new(f.s);
	app.rules = &rules;
	server_config_defaults(&cfg);
	cfg.listen = "127.0.0.1:0";
	cfg.threads = 1;
	cfg.access_log = false;
	/* multipart uploads, imported by one worker */
	jcfg.data_dir = f.dir;
	jcfg.store = f.s;
	jcfg.reg = &f.reg;
	jcfg.workers = 1;
	cfg.stream = api_upload_stream;
	cfg.stream_cls = &app;
	if (!app.limits || import_jobs_start(&app.jobs, &jcfg) != CMN_OK ||
	    http_server_start(&srv, &cfg, api_handle, &app) != CMN_OK)
		return -1;
	snprintf(base, sizeof(base), "http://127.0.0.1:%u", http_server_port(srv));
	{
		struct who *all[] = {&alice, &med, &agent, &admin};
		char pw[64];

		for (size_t i = 0; i < sizeof(all) / sizeof(*all); i++) {
			snprintf(pw, sizeof(pw), "pw-%s-correct-horse", all[i]->handle);
			if (client_login(base, all[i]->handle, pw, all[i]->cookie,
					 sizeof(all[i]->cookie), all[i]->csrf,
					 sizeof(all[i]->csrf)) != 0)
				return -1;
		}
	}
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
	import_jobs_stop(&app.jobs);
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
		cmocka_unit_test_prestate(swept, (void *)&alloc),
	};

	faults_alloc_install();
	faults_install();
	return cmocka_run_group_tests(tests, up, down);
}
