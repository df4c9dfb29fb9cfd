/*
 * test_agreements_api.c - data-sharing agreements and changes of statutes
 * (issue 11, src/api/api_agreements.c, the proposals of src/api/api_govern.c)
 * on a real server. Who calls: the operator (admin), an agent of the
 * organisation that drafts the agreements (agent, Ville), an agent of
 * another organisation (labo), members of the cooperative (alice, carol,
 * erin; dave, who leaves before the last reads), a resident who is not a
 * member (bob), a member's API token (alice's) and nobody.
 *
 * What must hold: an agent drafts (400 with a pointer under /terms for
 * terms at fault); the organisation's agents, the body's present members
 * and the operator see an agreement, nobody else learns it exists (404);
 * its organisation or the operator ends it; only its organisation reads the
 * records it shares, and only once approved, started and neither ended nor
 * expired (403 with the reason otherwise). A read gives the agreed fields
 * of the present members' records of its period under pseudonyms, page by
 * page through sealed cursors, and each member read finds it in their own
 * audit chain. A change of statutes is proposed by a member, checked (400),
 * one at a time (409), and once approved is the body's statutes; a proposal
 * submitted before it is still decided under the old ones.
 *
 * The server's votes last two seconds at least (--vote-min-seconds 2; a
 * minute by default): every proposal is submitted first, closing half a
 * second after that, the checks that need no decision run during the vote,
 * then the test waits for the close and checks what the decisions did.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "client.h"
#include "core/timeutil.h"
#include "server.h"

#define BANK          "bank.transaction"
#define ALLOWANCE     "social.allowance"
#define COOP_STATUTES "{\"kind\":\"cooperative\",\"rule\":\"majority\"}"
/* the change of rules: under it, 2 yes to 1 no would be rejected */
#define NEW_STATUTES                                                                               \
	"{\"kind\":\"cooperative\",\"rule\":\"qualified_majority\",\"threshold\":\"3/4\"}"
#define CHANGE      "\"statutes\":" NEW_STATUTES
#define PERIOD_FROM "2026-01-01T00:00:00Z"
#define PERIOD_TO   "2026-04-01T00:00:00Z"
#define DAY_MS      86400000LL
#define MAX_ITEMS   16 /* records a read of this test may give */
#define VOTE_MIN_S  "2"  /* the server's shortest vote (--vote-min-seconds) */
#define VOTE_MIN_MS 2000

/* who calls: a session (cookie and CSRF token), an API token, or nobody */
struct who {
	const char *handle;
	char cookie[300];
	char csrf[200];
	char bearer[200];    /* "Authorization: Bearer cmn_..." for a token */
	char id[40];         /* the person's id */
	size_t reads;        /* agreement.read entries expected in their chain */
	size_t records_read; /* the records those entries count */
	char pseudonym[40];  /* how the main agreement names them */
};

static const char *bin;
static struct test_server srv;
static struct who admin = {.handle = "admin"}, agent = {.handle = "agent"},
		  labo = {.handle = "labo"}, alice = {.handle = "alice"},
		  carol = {.handle = "carol"}, erin = {.handle = "erin"}, dave = {.handle = "dave"},
		  bob = {.handle = "bob"}, alice_token = {.handle = "alice's token"};
static struct who *const nobody = NULL;
static char ville[40], labo_org[40]; /* the two organisations */
static char coop[40], trust[40];     /* the cooperative; a body nobody here joins */
static char a_main[40];              /* Ville's agreement the body approves */
static char a_no[40];                /* Ville's agreement the body rejects */
static char a_later[40];             /* approved, but it starts in a month */
static char a_short[40];             /* approved, expires a moment after its vote */
static char a_gone[40];              /* ended by Ville during its vote */
static char a_labo[40];              /* the other organisation's, ended as a draft */
static char p_main[40], p_no[40], p_later[40], p_short[40], p_gone[40], p_rules[40];
static int64_t last_close; /* when the last vote closes (ms) */
static int64_t short_ends; /* when a_short expires (ms) */

/* ---- calls ------------------------------------------------------------------------- */

/* call - one request by w */
static long call(const struct who *w, const char *method, const char *path, const char *body,
		 struct resp *r)
{
	const char *headers[4] = {0};
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
	assert_int_equal(
	    client_request(srv.base, method, path, headers, body, body ? strlen(body) : 0, r), 0);
	return r->status;
}

static const char *name_of(const struct who *w)
{
	return w ? w->handle : "nobody";
}

/* give_up - fails with the message and the response (freed first, so that
 * a failing run reports no leak of its own) */
static void give_up(struct resp *r, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), ": %ld %.400s", r->status,
		 r->body ? r->body : "");
	client_free(r);
	fail_msg("%s", msg);
}

/* is_problem - an RFC 9457 problem document of this status */
static void is_problem(struct resp *r, long status)
{
	char ct[128];

	if (!client_header(r, "Content-Type", ct, sizeof(ct)) ||
	    strncmp(ct, "application/problem+json", 24) != 0)
		give_up(r, "not a problem document");
	assert_int_equal(json_integer_value(json_object_get(r->json, "status")), status);
}

/* expect - the status of a call; a problem document when >= 400 */
static void expect(const struct who *w, const char *method, const char *path, const char *body,
		   long status)
{
	struct resp r;

	if (call(w, method, path, body, &r) != status)
		give_up(&r, "%s %s as %s, expected %ld", method, path, name_of(w), status);
	if (status >= 400)
		is_problem(&r, status);
	client_free(&r);
}

/* expect_why - a problem of this status whose detail starts with prefix
 * (a JSON pointer) or, for a sentence, contains it */
static void expect_why(const struct who *w, const char *method, const char *path, const char *body,
		       long status, const char *words)
{
	struct resp r;
	const char *detail;
	bool ok;

	if (call(w, method, path, body, &r) != status)
		give_up(&r, "%s %s as %s, expected %ld", method, path, name_of(w), status);
	is_problem(&r, status);
	detail = json_string_value(json_object_get(r.json, "detail"));
	ok = detail && (words[0] == '/' ? strncmp(detail, words, strlen(words)) == 0
					: strstr(detail, words) != NULL);
	if (!ok)
		give_up(&r, "%s %s: the detail does not say %s", method, path, words);
	client_free(&r);
}

/* get_ok - a GET that must answer 200; r is the caller's to free */
static void get_ok(const struct who *w, const char *path, struct resp *r)
{
	if (call(w, "GET", path, NULL, r) != 200)
		give_up(r, "GET %s as %s", path, name_of(w));
	if (!r->json)
		give_up(r, "GET %s as %s: not JSON", path, name_of(w));
}

/* created - a POST that must answer 201; its "id" into id */
static void created(const struct who *w, const char *path, const char *body, char *id, size_t n)
{
	struct resp r;
	const char *v;

	if (call(w, "POST", path, body, &r) != 201)
		give_up(&r, "POST %s as %s", path, name_of(w));
	v = json_string_value(json_object_get(r.json, "id"));
	assert_non_null(v);
	snprintf(id, n, "%s", v);
	client_free(&r);
}

static const char *str_at(json_t *root, const char *ptr)
{
	const char *s = json_string_value(json_pointer(root, ptr));

	return s ? s : "";
}

static void agreement_path(char *out, size_t n, const char *id, const char *tail)
{
	snprintf(out, n, "/api/v1/agreements/%s%s", id, tail);
}

static void records_path(char *out, size_t n, const char *id, const char *doctype,
			 const char *query)
{
	snprintf(out, n, "/api/v1/agreements/%s/records/%s%s", id, doctype, query);
}

static void body_path(char *out, size_t n, const char *body, const char *tail)
{
	snprintf(out, n, "/api/v1/bodies/%s%s", body, tail);
}

static void proposal_path(char *out, size_t n, const char *id, const char *tail)
{
	snprintf(out, n, "/api/v1/proposals/%s%s", id, tail);
}

/* ---- the territory -------------------------------------------------------------------- */

static bool add_person(const char *handle, const char *role, const char *org)
{
	char line[128];

	snprintf(line, sizeof(line), "pw-%s-correct-horse\n", handle);
	if (org)
		return test_cli(&srv, line, NULL, 0, "user", "add", handle, "--role", role, "--org",
				org, NULL) == 0;
	return test_cli(&srv, line, NULL, 0, "user", "add", handle, "--role", role, NULL) == 0;
}

/* add_org - `commune org add NAME`, its id (the second field printed) */
static bool add_org(const char *name, const char *kind, char *id, size_t n)
{
	char out[512];
	const char *tab, *end;

	if (test_cli(&srv, NULL, out, sizeof(out), "org", "add", name, "--kind", kind, NULL) != 0 ||
	    !(tab = strchr(out, '\t')) || !(end = strchr(tab + 1, '\t')) ||
	    (size_t)(end - tab - 1) >= n)
		return false;
	snprintf(id, n, "%.*s", (int)(end - tab - 1), tab + 1);
	return true;
}

static bool login(struct who *w)
{
	char password[128];
	struct resp r;
	bool ok;

	snprintf(password, sizeof(password), "pw-%s-correct-horse", w->handle);
	if (client_login(srv.base, w->handle, password, w->cookie, sizeof(w->cookie), w->csrf,
			 sizeof(w->csrf)) != 0)
		return false;
	ok = call(w, "GET", "/api/v1/me", NULL, &r) == 200 &&
	     json_is_string(json_object_get(r.json, "id"));
	if (ok)
		snprintf(w->id, sizeof(w->id), "%s",
			 json_string_value(json_object_get(r.json, "id")));
	client_free(&r);
	return ok;
}

static int up(void **state)
{
	struct who *all[] = {&admin, &agent, &labo, &alice, &carol, &erin, &dave, &bob};
	struct resp r;

	(void)state;
	if (!test_data_dir(&srv, bin) || !add_org("Ville", "city", ville, sizeof(ville)) ||
	    !add_org("Labo", "reuser", labo_org, sizeof(labo_org)) ||
	    !add_person("admin", "admin", NULL) || !add_person("agent", "agent", "Ville") ||
	    !add_person("labo", "agent", "Labo") || !add_person("alice", "resident", NULL) ||
	    !add_person("carol", "resident", NULL) || !add_person("erin", "resident", NULL) ||
	    !add_person("dave", "resident", NULL) || !add_person("bob", "resident", NULL) ||
	    !test_server_start(&srv, "--vote-min-seconds", VOTE_MIN_S, NULL))
		return -1;
	for (size_t i = 0; i < sizeof(all) / sizeof(*all); i++)
		if (!login(all[i]))
			return -1;
	if (call(&alice, "POST", "/api/v1/tokens", "{\"name\":\"fixture\"}", &r) != 201)
		return -1;
	snprintf(alice_token.bearer, sizeof(alice_token.bearer), "Authorization: Bearer %s",
		 json_string_value(json_object_get(r.json, "token")));
	client_free(&r);
	return 0;
}

static int down(void **state)
{
	(void)state;
	return test_server_stop(&srv, true) == 0 ? 0 : -1;
}

/* ---- the members' records ------------------------------------------------------------- */

/* a bank transaction made by its owner; amounts are unique, so that a
 * served item tells which record it is */
struct tx {
	struct who *owner;
	const char *date;
	int amount;
	const char *category; /* NULL: the record has none */
	bool in_period;       /* within [PERIOD_FROM, PERIOD_TO) */
	char id[64];          /* the record's id, once made */
};

static struct tx txs[] = {
    {&alice, "2026-01-05", -101, "food", true, ""},
    {&alice, "2026-02-10", -102, "energy", true, ""},
    {&alice, "2026-03-15", -103, "transport", true, ""},
    {&alice, "2025-12-31", -191, "food", false, ""},   /* the day before from */
    {&alice, "2026-04-01", -192, "food", false, ""},   /* to itself: excluded */
    {&carol, "2026-01-01", -201, "housing", true, ""}, /* from itself: included */
    {&carol, "2026-03-31", -202, NULL, true, ""},
    {&carol, "2026-05-01", -291, "leisure", false, ""},
    {&dave, "2026-02-01", -301, "water", true, ""},
    {&dave, "2026-02-02", -302, "water", true, ""},
    {&bob, "2026-02-15", -401, "food", true, ""}, /* not a member */
};
#define NTX (sizeof(txs) / sizeof(*txs))

static const struct tx *tx_of(int amount)
{
	for (size_t i = 0; i < NTX; i++)
		if (txs[i].amount == amount)
			return &txs[i];
	return NULL;
}

/* records - each person writes their own transactions through their session */
static void records(void **state)
{
	char body[512], cat[64];

	(void)state;
	for (size_t i = 0; i < NTX; i++) {
		cat[0] = '\0';
		if (txs[i].category)
			snprintf(cat, sizeof(cat), ",\"category\":\"%s\"", txs[i].category);
		snprintf(
		    body, sizeof(body),
		    "{\"date\":\"%s\",\"amount\":%d,\"currency\":\"EUR\",\"label\":\"SECRET-"
		    "label-%s\",\"counterparty\":\"SECRET-shop\",\"account\":\"FR76-SECRET\"%s}",
		    txs[i].date, txs[i].amount, txs[i].owner->handle, cat);
		created(txs[i].owner, "/api/v1/records/" BANK, body, txs[i].id, sizeof(txs[i].id));
	}
}

/* ---- the body ------------------------------------------------------------------------ */

static void bodies(void **state)
{
	struct who *members[] = {&alice, &carol, &erin, &dave};
	char p[128];

	(void)state;
	created(&admin, "/api/v1/bodies",
		"{\"name\":\"Coop\\u00e9rative des budgets\",\"statutes\":" COOP_STATUTES "}", coop,
		sizeof(coop));
	created(&admin, "/api/v1/bodies",
		"{\"name\":\"Fiducie\",\"statutes\":{\"kind\":\"trust\",\"rule\":\"majority\"}}",
		trust, sizeof(trust));
	body_path(p, sizeof(p), coop, "/membership");
	for (size_t i = 0; i < sizeof(members) / sizeof(*members); i++)
		expect(members[i], "POST", p, "{}", 200);
}

/* ---- drafting -------------------------------------------------------------------------- */

/* agreement_request - {"body", "terms"} with these doctypes and dates
 * (starts 0: none); the caller frees it */
static char *agreement_request(const char *body, const char *doctypes, const char *from,
			       const char *to, int64_t starts, int64_t ends)
{
	char s[TIME_RFC3339_LEN], e[TIME_RFC3339_LEN], starts_member[64] = "";
	char *text = malloc(4096);

	assert_non_null(text);
	time_format(e, ends);
	if (starts) {
		time_format(s, starts);
		snprintf(starts_member, sizeof(starts_member), ",\"starts\":\"%s\"", s);
	}
	snprintf(text, 4096,
		 "{\"body\":\"%s\",\"terms\":{\"title\":{\"fr\":\"Budgets des m\\u00e9nages\","
		 "\"en\":\"Household budgets\"},\"purpose\":{\"fr\":\"Dimensionner l'aide"
		 " \\u00e9nergie.\",\"en\":\"Size the energy aid.\"},\"doctypes\":%s,"
		 "\"from\":\"%s\",\"to\":\"%s\"%s,\"ends\":\"%s\"}}",
		 body, doctypes, from, to, starts_member, e);
	return text;
}

#define BANK_FIELDS                                                                                \
	"[{\"doctype\":\"" BANK "\",\"fields\":[\"amount\",\"category\"]},"                        \
	"{\"doctype\":\"" ALLOWANCE "\",\"fields\":[\"amount\"]}]"
#define AMOUNT_ONLY "[{\"doctype\":\"" BANK "\",\"fields\":[\"amount\"]}]"

/* draft - w drafts an agreement with the cooperative; its id into id */
static void draft(struct who *w, const char *doctypes, int64_t starts, int64_t ends, char *id,
		  size_t n)
{
	char *req = agreement_request(coop, doctypes, PERIOD_FROM, PERIOD_TO, starts, ends);

	created(w, "/api/v1/agreements", req, id, n);
	free(req);
}

/* bad_terms - the agent's request is refused with a pointer under /terms */
static void bad_terms(const char *doctypes, const char *from, const char *to, int64_t ends,
		      const char *pointer)
{
	char *req = agreement_request(coop, doctypes, from, to, 0, ends);

	expect_why(&agent, "POST", "/api/v1/agreements", req, 400, pointer);
	free(req);
}

static void drafting(void **state)
{
	int64_t year = time_now_ms() + 365 * DAY_MS;
	char *req = agreement_request(coop, BANK_FIELDS, PERIOD_FROM, PERIOD_TO, 0, year), loc[200];
	struct resp r;

	(void)state;
	/* an agent of an organisation, nobody else */
	expect(nobody, "POST", "/api/v1/agreements", req, 401);
	expect(&bob, "POST", "/api/v1/agreements", req, 403);
	expect(&alice, "POST", "/api/v1/agreements", req, 403);
	expect(&alice_token, "POST", "/api/v1/agreements", req, 403);
	expect(&admin, "POST", "/api/v1/agreements", req, 403); /* an operator of no organisation */
	if (call(&agent, "POST", "/api/v1/agreements", req, &r) != 201)
		give_up(&r, "draft");
	snprintf(a_main, sizeof(a_main), "%s", str_at(r.json, "/id"));
	assert_int_equal(strlen(a_main), 32);
	assert_string_equal(str_at(r.json, "/state"), "draft");
	assert_string_equal(str_at(r.json, "/body"), coop);
	assert_string_equal(str_at(r.json, "/organisation"), ville);
	assert_string_equal(str_at(r.json, "/organisation_name"), "Ville");
	assert_false(json_is_true(json_object_get(r.json, "runs")));
	assert_non_null(strstr(str_at(r.json, "/why_not"), "not been approved"));
	/* the terms, canonical: dates written out to the millisecond */
	assert_string_equal(str_at(r.json, "/terms/from"), "2026-01-01T00:00:00.000Z");
	assert_string_equal(str_at(r.json, "/terms/doctypes/0/fields/1"), "category");
	assert_non_null(client_header(&r, "Location", loc, sizeof(loc)));
	assert_non_null(strstr(loc, a_main));
	client_free(&r);
	free(req);

	/* terms at fault: 400, the pointer under /terms */
	bad_terms("[{\"doctype\":\"energy.electricity.load_curve\",\"fields\":[\"value\"]}]",
		  PERIOD_FROM, PERIOD_TO, year, "/terms/doctypes/0/doctype");
	bad_terms("[{\"doctype\":\"document.file\",\"fields\":[\"issued\"]}]", PERIOD_FROM,
		  PERIOD_TO, year, "/terms/doctypes/0/doctype");
	bad_terms("[{\"doctype\":\"" BANK "\",\"fields\":[\"amount\",\"colour\"]}]", PERIOD_FROM,
		  PERIOD_TO, year, "/terms/doctypes/0/fields/1");
	bad_terms("[{\"doctype\":\"" BANK "\",\"fields\":[]}]", PERIOD_FROM, PERIOD_TO, year,
		  "/terms/doctypes/0/fields");
	bad_terms("[]", PERIOD_FROM, PERIOD_TO, year, "/terms/doctypes");
	bad_terms(AMOUNT_ONLY, PERIOD_TO, PERIOD_FROM, year, "/terms/to");
	bad_terms(AMOUNT_ONLY, "2026-01-01", PERIOD_TO, year, "/terms/from");
	bad_terms(AMOUNT_ONLY, PERIOD_FROM, PERIOD_TO, time_now_ms() - 1000, "/terms/ends");
	bad_terms(AMOUNT_ONLY, PERIOD_FROM, PERIOD_TO, time_now_ms() + 4 * 366 * DAY_MS,
		  "/terms/ends");
	expect_why(&agent, "POST", "/api/v1/agreements",
		   "{\"body\":\"00000000000000000000000000000000\",\"terms\":{}}", 400,
		   "/terms/title");
	req = agreement_request("00000000000000000000000000000000", AMOUNT_ONLY, PERIOD_FROM,
				PERIOD_TO, 0, year);
	expect_why(&agent, "POST", "/api/v1/agreements", req, 400, "/body");
	free(req);
	expect_why(
	    &agent, "POST", "/api/v1/agreements",
	    "{\"body\":\"x\",\"terms\":{\"title\":{\"fr\":\"a\",\"en\":\"b\"},\"colour\":1}}", 400,
	    "/terms/colour");

	/* the others: one rejected, one starting in a month, one ended during
	 * its vote, and one of the other organisation */
	draft(&agent, AMOUNT_ONLY, 0, year, a_no, sizeof(a_no));
	draft(&agent, AMOUNT_ONLY, time_now_ms() + 30 * DAY_MS, year, a_later, sizeof(a_later));
	draft(&agent, AMOUNT_ONLY, 0, year, a_gone, sizeof(a_gone));
	draft(&labo, AMOUNT_ONLY, 0, year, a_labo, sizeof(a_labo));
}

/* ---- submitting ----------------------------------------------------------------------- */

/* proposal_request - a proposal about one subject ("agreement": ID or
 * "statutes": {...}, given as JSON members), closing at closes */
static char *proposal_request(const char *subject, int64_t closes)
{
	char t[TIME_RFC3339_LEN], *text = malloc(2048);

	assert_non_null(text);
	time_format(t, closes);
	snprintf(text, 2048,
		 "{%s,\"closes\":\"%s\",\"text\":{\"fr\":\"Approuver ?\",\"en\":\"Approve?\"}}",
		 subject, t);
	return text;
}

/* submit - w submits subject; the proposal's id into id, its close kept */
static void submit(struct who *w, const char *subject, char *id, size_t n)
{
	int64_t closes = time_now_ms() + VOTE_MIN_MS + 500;
	char p[128], *req = proposal_request(subject, closes);

	body_path(p, sizeof(p), coop, "/proposals");
	created(w, p, req, id, n);
	free(req);
	if (closes > last_close)
		last_close = closes;
}

static char *about(const char *agreement_id)
{
	char *text = malloc(128);

	assert_non_null(text);
	snprintf(text, 128, "\"agreement\":\"%s\"", agreement_id);
	return text;
}

static void submitting(void **state)
{
	char p[128], *subject, *req;
	struct resp r;

	(void)state;
	body_path(p, sizeof(p), coop, "/proposals");
	/* the agreement's organisation submits it, though not a member; nobody
	 * else but members */
	subject = about(a_main);
	req = proposal_request(subject, time_now_ms() + 2 * VOTE_MIN_MS);
	expect(nobody, "POST", p, req, 401);
	expect(&bob, "POST", p, req, 403);
	expect(&labo, "POST", p, req, 403);
	expect(&admin, "POST", p, req, 403);
	free(req);
	submit(&agent, subject, p_main, sizeof(p_main));
	/* one open proposal about it at a time */
	req = proposal_request(subject, time_now_ms() + 2 * VOTE_MIN_MS);
	expect_why(&alice, "POST", p, req, 409, "/agreement");
	free(req);
	free(subject);
	/* a member submits one too */
	subject = about(a_no);
	submit(&alice, subject, p_no, sizeof(p_no));
	free(subject);
	subject = about(a_later);
	submit(&agent, subject, p_later, sizeof(p_later));
	free(subject);
	subject = about(a_gone);
	submit(&alice_token, subject, p_gone, sizeof(p_gone));
	free(subject);
	/* an agreement is put to the body it names */
	subject = about(a_labo);
	req = proposal_request(subject, time_now_ms() + 2 * VOTE_MIN_MS);
	body_path(p, sizeof(p), trust, "/proposals");
	expect_why(&labo, "POST", p, req, 400, "/agreement");
	free(req);
	free(subject);
	body_path(p, sizeof(p), coop, "/proposals");
	req = proposal_request("\"agreement\":\"00000000000000000000000000000000\"",
			       time_now_ms() + 2 * VOTE_MIN_MS);
	expect_why(&alice, "POST", p, req, 400, "/agreement");
	free(req);

	/* new statutes: a member only; checked; not those in force */
	req = proposal_request(CHANGE, time_now_ms() + 2 * VOTE_MIN_MS);
	expect(nobody, "POST", p, req, 401);
	expect(&agent, "POST", p, req, 403);
	expect(&bob, "POST", p, req, 403);
	expect(&admin, "POST", p, req, 403);
	free(req);
	req = proposal_request("\"statutes\":{\"kind\":\"trust\",\"rule\":\"majority\"}",
			       time_now_ms() + 2 * VOTE_MIN_MS);
	expect_why(&alice, "POST", p, req, 400, "/statutes/kind");
	free(req);
	req = proposal_request("\"statutes\":{\"kind\":\"cooperative\",\"rule\":\"majority\","
			       "\"colleges\":[{\"name\":\"a\"},{\"name\":\"b\"}]}",
			       time_now_ms() + 2 * VOTE_MIN_MS);
	expect_why(&alice, "POST", p, req, 400, "/statutes/colleges");
	free(req);
	req = proposal_request("\"statutes\":{\"rule\":\"majority\",\"kind\":\"cooperative\","
			       "\"quorum\":\"0\"}",
			       time_now_ms() + 2 * VOTE_MIN_MS);
	expect_why(&alice, "POST", p, req, 400, "/statutes: these are the statutes in force");
	free(req);
	req = proposal_request("\"statutes\":{\"kind\":\"cooperative\",\"rule\":\"majority\","
			       "\"quorum\":\"5/4\"}",
			       time_now_ms() + 2 * VOTE_MIN_MS);
	expect_why(&alice, "POST", p, req, 400, "/statutes/quorum");
	free(req);
	/* one subject exactly */
	req =
	    proposal_request(CHANGE ",\"agreement\":\"x\"", time_now_ms() + 2 * VOTE_MIN_MS);
	expect(&alice, "POST", p, req, 400);
	free(req);
	req = proposal_request("\"ballot\":\"open\"", time_now_ms() + 2 * VOTE_MIN_MS);
	expect(&alice, "POST", p, req, 400);
	free(req);
	submit(&alice, CHANGE, p_rules, sizeof(p_rules));
	/* one open change of the statutes at a time */
	req = proposal_request("\"statutes\":{\"kind\":\"cooperative\",\"rule\":\"majority\","
			       "\"quorum\":\"1/2\"}",
			       time_now_ms() + 2 * VOTE_MIN_MS);
	expect_why(&carol, "POST", p, req, 409, "/statutes");
	free(req);
	proposal_path(p, sizeof(p), p_rules, "");
	get_ok(&carol, p, &r);
	assert_string_equal(str_at(r.json, "/subject"), "statutes");
	assert_string_equal(str_at(r.json, "/statutes/rule"), "qualified_majority");
	assert_string_equal(str_at(r.json, "/statutes/threshold"), "3/4");
	client_free(&r);
	proposal_path(p, sizeof(p), p_main, "");
	get_ok(&alice, p, &r);
	assert_string_equal(str_at(r.json, "/subject"), "agreement");
	assert_string_equal(str_at(r.json, "/agreement"), a_main);
	client_free(&r);

	/* last, one that expires shortly after its vote: the vote must close
	 * before the agreement would expire */
	short_ends = time_now_ms() + VOTE_MIN_MS + 1800;
	draft(&agent, AMOUNT_ONLY, 0, short_ends, a_short, sizeof(a_short));
	subject = about(a_short);
	body_path(p, sizeof(p), coop, "/proposals");
	req = proposal_request(subject, short_ends + 1000);
	expect_why(&agent, "POST", p, req, 400, "/closes");
	free(req);
	submit(&agent, subject, p_short, sizeof(p_short));
	free(subject);
}

/* ---- during the vote -------------------------------------------------------------------- */

static void vote(struct who *w, const char *proposal_id, const char *choice)
{
	char p[128], body[40];

	proposal_path(p, sizeof(p), proposal_id, "/vote");
	snprintf(body, sizeof(body), "{\"vote\":\"%s\"}", choice);
	expect(w, "PUT", p, body, 200);
}

/* the main agreement: 2 yes to 1 no, approved under the statutes of its
 * submission (majority), which the new ones (3/4) would reject */
static void voting(void **state)
{
	(void)state;
	vote(&alice, p_main, "yes");
	vote(&carol, p_main, "yes");
	vote(&erin, p_main, "no");
	vote(&alice, p_no, "no");
	vote(&carol, p_no, "no");
	vote(&erin, p_no, "yes");
	vote(&alice, p_later, "yes");
	vote(&alice, p_short, "yes");
	vote(&alice, p_gone, "yes");
	vote(&alice, p_rules, "yes");
	vote(&carol, p_rules, "yes");
	vote(&erin, p_rules, "yes");
}

/* lists - w's GET /api/v1/agreements is exactly the n agreements of ids */
static void lists(const struct who *w, const char *const *ids, size_t n)
{
	struct resp r;
	json_t *items, *v;
	size_t i;

	get_ok(w, "/api/v1/agreements", &r);
	items = json_object_get(r.json, "items");
	if (json_array_size(items) != n)
		give_up(&r, "%s sees %zu agreements, not %zu", name_of(w), json_array_size(items),
			n);
	json_array_foreach(items, i, v) {
		bool known = false;

		for (size_t k = 0; k < n; k++)
			known = known || strcmp(str_at(v, "/id"), ids[k]) == 0;
		if (!known)
			give_up(&r, "%s sees %s", name_of(w), str_at(v, "/id"));
	}
	client_free(&r);
}

/* seeing - who sees which agreement, before any decision */
static void seeing(void **state)
{
	const char *body_ones[] = {a_main, a_no, a_later, a_gone, a_labo, a_short};
	const char *ville_ones[] = {a_main, a_no, a_later, a_gone, a_short};
	const char *labo_ones[] = {a_labo};
	char p[160];
	struct resp r;

	(void)state;
	lists(&admin, body_ones, 6);
	lists(&alice, body_ones, 6);
	lists(&alice_token, body_ones, 6);
	lists(&erin, body_ones, 6);
	lists(&agent, ville_ones, 5);
	lists(&labo, labo_ones, 1);
	lists(&bob, NULL, 0);
	expect(nobody, "GET", "/api/v1/agreements", NULL, 401);

	agreement_path(p, sizeof(p), a_main, "");
	get_ok(&alice_token, p, &r);
	assert_string_equal(str_at(r.json, "/id"), a_main);
	assert_string_equal(str_at(r.json, "/state"), "draft");
	assert_string_equal(str_at(r.json, "/terms/doctypes/1/doctype"), ALLOWANCE);
	assert_non_null(json_object_get(r.json, "ends"));
	assert_null(json_object_get(r.json, "proposal"));
	client_free(&r);
	expect(&admin, "GET", p, NULL, 200);
	expect(&agent, "GET", p, NULL, 200);
	expect(&carol, "GET", p, NULL, 200);
	expect(&labo, "GET", p, NULL, 404);
	expect(&bob, "GET", p, NULL, 404);
	expect(nobody, "GET", p, NULL, 401);
	agreement_path(p, sizeof(p), a_labo, "");
	expect(&labo, "GET", p, NULL, 200);
	expect(&agent, "GET", p, NULL, 404);
	expect(&alice, "GET", "/api/v1/agreements/00000000000000000000000000000000", NULL, 404);

	/* a draft serves nothing, even to its organisation; the others are
	 * refused before that, or do not learn it exists */
	records_path(p, sizeof(p), a_main, BANK, "");
	expect_why(&agent, "GET", p, NULL, 403, "not been approved");
	expect_why(&admin, "GET", p, NULL, 403, "organisation");
	expect_why(&alice, "GET", p, NULL, 403, "organisation");
	expect_why(&alice_token, "GET", p, NULL, 403, "organisation");
	expect(&labo, "GET", p, NULL, 404);
	expect(&bob, "GET", p, NULL, 404);
	expect(nobody, "GET", p, NULL, 401);

	/* ending: the organisation or the operator; members see it but may
	 * not; others do not learn it exists */
	agreement_path(p, sizeof(p), a_main, "/end");
	expect(nobody, "POST", p, NULL, 401);
	expect(&bob, "POST", p, NULL, 404);
	expect(&labo, "POST", p, NULL, 404);
	expect(&alice, "POST", p, NULL, 403);
	expect(&alice_token, "POST", p, NULL, 403);
	agreement_path(p, sizeof(p), a_main, "");
	get_ok(&agent, p, &r);
	assert_string_equal(str_at(r.json, "/state"), "draft");
	client_free(&r);
	/* the operator ends the other organisation's draft, which ends once */
	agreement_path(p, sizeof(p), a_labo, "/end");
	if (call(&admin, "POST", p, NULL, &r) != 200)
		give_up(&r, "end");
	assert_string_equal(str_at(r.json, "/state"), "ended");
	assert_non_null(json_object_get(r.json, "ended"));
	client_free(&r);
	expect(&labo, "POST", p, NULL, 409);
	agreement_path(p, sizeof(p), a_labo, "");
	get_ok(&labo, p, &r);
	assert_false(json_is_true(json_object_get(r.json, "runs")));
	assert_non_null(strstr(str_at(r.json, "/why_not"), "ended"));
	client_free(&r);
	/* Ville ends one of its drafts while the body votes on it */
	agreement_path(p, sizeof(p), a_gone, "/end");
	if (call(&agent, "POST", p, NULL, &r) != 200)
		give_up(&r, "end");
	assert_string_equal(str_at(r.json, "/state"), "ended");
	client_free(&r);
}

/* ---- once the votes are over ------------------------------------------------------------ */

/* close_as - w decides a proposal whose vote is over; its state is expected */
static void close_as(const struct who *w, const char *proposal_id, const char *state,
		     struct resp *r)
{
	char p[128];

	proposal_path(p, sizeof(p), proposal_id, "/close");
	if (call(w, "POST", p, NULL, r) != 200)
		give_up(r, "close %s", proposal_id);
	assert_string_equal(str_at(r->json, "/state"), state);
}

/* entry_of - the index of the register's entry of kind whose payload's
 * member key is value, or -1 */
static long entry_of(json_t *entries, const char *kind, const char *key, const char *value)
{
	size_t i;
	json_t *e;

	json_array_foreach(entries, i, e) {
		char ptr[64];

		snprintf(ptr, sizeof(ptr), "/payload/%s", key);
		if (strcmp(str_at(e, "/kind"), kind) == 0 && strcmp(str_at(e, ptr), value) == 0)
			return (long)i;
	}
	return -1;
}

static void after_the_close(void **state)
{
	char p[160];
	struct resp r;
	int64_t wait = last_close + 500 - time_now_ms();
	json_t *entries, *e;
	long rules_at, main_at;

	(void)state;
	if (wait > 0) {
		struct timespec ts = {(time_t)(wait / 1000), (long)(wait % 1000) * 1000000L};

		print_message("waiting %lld ms for the votes to close\n", (long long)wait);
		nanosleep(&ts, NULL);
	}
	/* the change of rules first: 3 yes */
	close_as(&alice, p_rules, "approved", &r);
	client_free(&r);
	body_path(p, sizeof(p), coop, "");
	get_ok(&bob, p, &r);
	assert_string_equal(str_at(r.json, "/statutes/rule"), "qualified_majority");
	assert_string_equal(str_at(r.json, "/statutes/threshold"), "3/4");
	assert_string_equal(str_at(r.json, "/statutes/kind"), "cooperative");
	client_free(&r);
	/* then the main agreement, submitted before the change: 2 yes, 1 no,
	 * decided by the majority it was submitted under, not by 3/4 */
	close_as(&admin, p_main, "approved", &r);
	assert_string_equal(str_at(r.json, "/tally/rule"), "majority");
	assert_string_equal(str_at(r.json, "/tally/score"), "2/3");
	assert_int_equal(json_integer_value(json_pointer(r.json, "/tally/yes")), 2);
	assert_int_equal(json_integer_value(json_pointer(r.json, "/tally/no")), 1);
	client_free(&r);
	close_as(&carol, p_no, "rejected", &r);
	client_free(&r);
	close_as(&alice_token, p_later, "approved", &r);
	client_free(&r);
	close_as(&alice, p_short, "approved", &r);
	client_free(&r);
	/* approved, the agreement ended during its vote stays ended */
	proposal_path(p, sizeof(p), p_gone, "/close");
	if (call(&alice, "POST", p, NULL, &r) != 200 && r.status != 409)
		give_up(&r, "close");
	if (r.status == 409)
		print_message(
		    "closing the proposal of an agreement ended during its vote: 409 %s\n", r.body);
	client_free(&r);
	proposal_path(p, sizeof(p), p_gone, "");
	get_ok(&alice, p, &r);
	assert_string_not_equal(str_at(r.json, "/state"), "open");
	client_free(&r);
	agreement_path(p, sizeof(p), a_gone, "");
	get_ok(&agent, p, &r);
	assert_string_equal(str_at(r.json, "/state"), "ended");
	assert_false(json_is_true(json_object_get(r.json, "runs")));
	client_free(&r);
	records_path(p, sizeof(p), a_gone, BANK, "");
	expect_why(&agent, "GET", p, NULL, 403, "ended");

	/* the main agreement runs */
	agreement_path(p, sizeof(p), a_main, "");
	get_ok(&carol, p, &r);
	assert_string_equal(str_at(r.json, "/state"), "approved");
	assert_true(json_is_true(json_object_get(r.json, "runs")));
	assert_null(json_object_get(r.json, "why_not"));
	assert_string_equal(str_at(r.json, "/proposal"), p_main);
	assert_non_null(json_object_get(r.json, "decided"));
	client_free(&r);
	/* the rejected one never does; the later one not yet */
	records_path(p, sizeof(p), a_no, BANK, "");
	expect_why(&agent, "GET", p, NULL, 403, "rejected");
	agreement_path(p, sizeof(p), a_no, "");
	get_ok(&agent, p, &r);
	assert_string_equal(str_at(r.json, "/state"), "rejected");
	client_free(&r);
	records_path(p, sizeof(p), a_later, BANK, "");
	expect_why(&agent, "GET", p, NULL, 403, "starts on");
	agreement_path(p, sizeof(p), a_later, "");
	get_ok(&agent, p, &r);
	assert_string_equal(str_at(r.json, "/state"), "approved");
	assert_false(json_is_true(json_object_get(r.json, "runs")));
	assert_non_null(strstr(str_at(r.json, "/why_not"), "starts on"));
	client_free(&r);

	/* the register: the new statutes, before the decision that did not
	 * apply them; the terms the members voted on */
	body_path(p, sizeof(p), coop, "/register");
	get_ok(nobody, p, &r);
	entries = json_object_get(r.json, "entries");
	rules_at = entry_of(entries, "body.statutes", "proposal", p_rules);
	main_at = entry_of(entries, "proposal.decide", "proposal", p_main);
	assert_true(rules_at >= 0 && main_at > rules_at);
	e = json_array_get(entries, (size_t)rules_at);
	assert_string_equal(str_at(e, "/payload/statutes/rule"), "qualified_majority");
	e = json_array_get(entries, (size_t)main_at);
	assert_string_equal(str_at(e, "/payload/outcome"), "approved");
	assert_string_equal(str_at(e, "/payload/agreement"), a_main);
	assert_string_equal(str_at(e, "/payload/tally/rule"), "majority");
	main_at = entry_of(entries, "proposal.submit", "proposal", p_main);
	assert_true(main_at >= 0);
	e = json_array_get(entries, (size_t)main_at);
	assert_string_equal(str_at(e, "/payload/subject"), "agreement");
	assert_string_equal(str_at(e, "/payload/organisation"), ville);
	assert_string_equal(str_at(e, "/payload/terms/doctypes/0/fields/0"), "amount");
	assert_true(entry_of(entries, "agreement.end", "agreement", a_labo) >= 0);
	assert_true(entry_of(entries, "agreement.end", "agreement", a_gone) >= 0);
	assert_int_equal(entry_of(entries, "body.statutes", "proposal", p_main), -1);
	client_free(&r);
}

/* ---- what an approved agreement serves ---------------------------------------------------- */

/* the items of one or more reads, in the order served */
struct seen {
	int amount[MAX_ITEMS];
	char member[MAX_ITEMS][40];
	char time[MAX_ITEMS][32];
	size_t n;
};

static bool hex32(const char *s)
{
	if (strlen(s) != 32)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

/* check_item - one served item: a present member's record of the period,
 * under the member's pseudonym, cut to the agreed fields; its owner */
static struct who *check_item(json_t *item, bool dave_present)
{
	const char *member = str_at(item, "/member");
	json_t *data = json_object_get(item, "data");
	const struct tx *tx = tx_of((int)json_number_value(json_object_get(data, "amount")));
	char want[40];

	if (!tx)
		fail_msg("an item of no record of a member (member %s, time %s)", member,
			 str_at(item, "/time"));
	if (!tx->in_period)
		fail_msg("a record out of the period is served: %s", tx->date);
	if (tx->owner != &alice && tx->owner != &carol && (tx->owner != &dave || !dave_present))
		fail_msg("a record of %s, who is not a member, is served", tx->owner->handle);
	if (!hex32(member))
		fail_msg("not a pseudonym: \"%s\"", member);
	if (!tx->owner->pseudonym[0])
		snprintf(tx->owner->pseudonym, sizeof(tx->owner->pseudonym), "%s", member);
	assert_string_equal(member, tx->owner->pseudonym);
	snprintf(want, sizeof(want), "%sT00:00:00.000Z", tx->date);
	assert_string_equal(str_at(item, "/time"), want);
	/* the agreed fields only: amount and category, when the record has one */
	assert_int_equal(json_object_size(data), tx->category ? 2 : 1);
	if (tx->category)
		assert_string_equal(str_at(data, "/category"), tx->category);
	assert_int_equal(json_object_size(item), 3);
	return tx->owner;
}

/* check_page - a page of the main agreement's bank transactions: each
 * item, "members" counting their owners, and what each owner's audit
 * chain is to show; the items appended to s */
static void check_page(struct resp *r, struct seen *s, bool dave_present)
{
	struct who *owners[] = {&alice, &carol, &dave};
	size_t counts[3] = {0, 0, 0}, members = 0, i;
	json_t *items = json_object_get(r->json, "items"), *v;

	if (!json_is_array(items))
		give_up(r, "no items");
	json_array_foreach(items, i, v) {
		struct who *owner = check_item(v, dave_present);

		for (size_t k = 0; k < 3; k++)
			counts[k] += owners[k] == owner;
		assert_true(s->n < MAX_ITEMS);
		s->amount[s->n] = (int)json_number_value(json_pointer(v, "/data/amount"));
		snprintf(s->member[s->n], sizeof(s->member[0]), "%s", str_at(v, "/member"));
		snprintf(s->time[s->n], sizeof(s->time[0]), "%s", str_at(v, "/time"));
		s->n++;
	}
	for (size_t k = 0; k < 3; k++) {
		if (!counts[k])
			continue;
		members++;
		owners[k]->reads++;
		owners[k]->records_read += counts[k];
	}
	assert_int_equal(json_integer_value(json_object_get(r->json, "members")), members);
	/* nothing that was not agreed, no record id, no person id (in the
	 * items: the sealed cursor is random text) */
	{
		const char *never[] = {"SECRET",  "label", "currency", "counterparty",
				       "account", "EUR",   "date",     alice.id,
				       carol.id,  dave.id, erin.id};
		char *text = json_dumps(items, JSON_COMPACT);

		assert_non_null(text);
		for (i = 0; i < NTX; i++)
			if (strstr(text, txs[i].id))
				fail_msg("the id of a record is served: %s", txs[i].id);
		for (i = 0; i < sizeof(never) / sizeof(*never); i++)
			if (strstr(text, never[i]))
				fail_msg("\"%s\" is served: %.300s", never[i], text);
		free(text);
	}
}

/* in_order - ordered by member (pseudonym), then time */
static void in_order(const struct seen *s)
{
	for (size_t i = 1; i < s->n; i++) {
		int c = strcmp(s->member[i - 1], s->member[i]);

		if (c > 0 || (c == 0 && strcmp(s->time[i - 1], s->time[i]) > 0))
			fail_msg("item %zu comes before item %zu", i, i + 1);
	}
}

/* read_all - the agent reads the main agreement's transactions in one
 * page (query: "" or "?limit=..."), checked, into s */
static void read_all(const char *query, struct seen *s, bool dave_present)
{
	char p[200];
	struct resp r;

	records_path(p, sizeof(p), a_main, BANK, query);
	memset(s, 0, sizeof(*s));
	get_ok(&agent, p, &r);
	check_page(&r, s, dave_present);
	assert_true(json_is_null(json_object_get(r.json, "next_cursor")));
	client_free(&r);
	in_order(s);
}

static struct seen everything; /* the last whole read, dave gone */

static void served(void **state)
{
	struct seen s;
	char p[200];
	struct resp r;
	json_t *entries, *e;
	size_t i;

	(void)state;
	/* alice's three records of the period, carol's two, dave's two */
	read_all("", &s, true);
	assert_int_equal(s.n, 7);
	assert_string_not_equal(alice.pseudonym, carol.pseudonym);
	assert_string_not_equal(alice.pseudonym, dave.pseudonym);
	assert_string_not_equal(carol.pseudonym, dave.pseudonym);
	/* dave leaves: his records are no longer served */
	body_path(p, sizeof(p), coop, "/membership");
	expect(&dave, "DELETE", p, NULL, 200);
	read_all("", &everything, false);
	assert_int_equal(everything.n, 5);
	read_all("?limit=10000", &s, false);
	assert_int_equal(s.n, 5);
	/* pseudonyms are neither person ids nor the register's member hashes */
	body_path(p, sizeof(p), coop, "/register");
	get_ok(nobody, p, &r);
	entries = json_object_get(r.json, "entries");
	json_array_foreach(entries, i, e) {
		const char *mh = str_at(e, "/payload/member");

		if (strcmp(str_at(e, "/kind"), "member.join") != 0)
			continue;
		assert_int_equal(strlen(mh), 64);
		assert_null(strstr(mh, alice.pseudonym));
		assert_null(strstr(mh, carol.pseudonym));
	}
	client_free(&r);
	assert_string_not_equal(alice.pseudonym, alice.id);
	assert_string_not_equal(carol.pseudonym, carol.id);

	/* an approved agreement is still its organisation's alone to read */
	records_path(p, sizeof(p), a_main, BANK, "");
	expect_why(&admin, "GET", p, NULL, 403, "organisation");
	expect_why(&alice, "GET", p, NULL, 403, "organisation");
	expect_why(&alice_token, "GET", p, NULL, 403, "organisation");
	expect(&dave, "GET", p, NULL, 404);
	expect(&labo, "GET", p, NULL, 404);
	expect(&bob, "GET", p, NULL, 404);
	expect(nobody, "GET", p, NULL, 401);
	/* its other doctype: nobody has any */
	records_path(p, sizeof(p), a_main, ALLOWANCE, "");
	get_ok(&agent, p, &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 0);
	assert_int_equal(json_integer_value(json_object_get(r.json, "members")), 0);
	assert_true(json_is_null(json_object_get(r.json, "next_cursor")));
	client_free(&r);
	/* what it does not share, and parameters at fault */
	records_path(p, sizeof(p), a_main, "food.purchase", "");
	expect(&agent, "GET", p, NULL, 400);
	records_path(p, sizeof(p), a_main, "no.such", "");
	expect(&agent, "GET", p, NULL, 400);
	records_path(p, sizeof(p), a_main, BANK, "?limit=0");
	expect(&agent, "GET", p, NULL, 400);
	records_path(p, sizeof(p), a_main, BANK, "?limit=10001");
	expect(&agent, "GET", p, NULL, 400);
	records_path(p, sizeof(p), a_main, BANK, "?limit=two");
	expect(&agent, "GET", p, NULL, 400);
	records_path(p, sizeof(p), a_main, BANK, "?sort=time");
	expect(&agent, "GET", p, NULL, 400);
	records_path(p, sizeof(p), a_main, BANK, "?cursor=bm90LWEtY3Vyc29y");
	expect(&agent, "GET", p, NULL, 400);
}

/* walk - the whole read again, limit records a page, following
 * next_cursor: the same items in the same order, none twice; the first
 * page's cursor into first */
static void walk(size_t limit, char *first, size_t firstn)
{
	struct seen s = {0};
	char cursor[1024] = "", query[1200], p[1400];
	size_t pages = 0;

	for (;;) {
		struct resp r;
		size_t before = s.n;
		json_t *next;

		if (cursor[0])
			snprintf(query, sizeof(query), "?limit=%zu&cursor=%s", limit, cursor);
		else
			snprintf(query, sizeof(query), "?limit=%zu", limit);
		records_path(p, sizeof(p), a_main, BANK, query);
		get_ok(&agent, p, &r);
		check_page(&r, &s, false);
		assert_true(s.n - before <= limit);
		next = json_object_get(r.json, "next_cursor");
		if (json_is_null(next)) {
			client_free(&r);
			break;
		}
		/* a page before the last is full */
		assert_int_equal(s.n - before, limit);
		assert_true(json_is_string(next));
		snprintf(cursor, sizeof(cursor), "%s", json_string_value(next));
		if (pages == 0 && first)
			snprintf(first, firstn, "%s", cursor);
		client_free(&r);
		if (++pages > 2 * MAX_ITEMS)
			fail_msg("limit=%zu: next_cursor never ends", limit);
	}
	if (s.n != everything.n)
		fail_msg("limit=%zu: %zu items, not %zu", limit, s.n, everything.n);
	for (size_t i = 0; i < s.n; i++) {
		for (size_t k = 0; k < i; k++)
			if (s.amount[k] == s.amount[i])
				fail_msg("limit=%zu: the record of %d is served twice", limit,
					 s.amount[i]);
		assert_int_equal(s.amount[i], everything.amount[i]);
	}
}

static void pages(void **state)
{
	char cursor[1024] = "", bad[1024], p[1400];

	(void)state;
	walk(1, cursor, sizeof(cursor));
	walk(2, NULL, 0);
	walk(3, NULL, 0);
	assert_true(strlen(cursor) > 8);
	/* sealed: a cursor changed by one character, cut short, or of another
	 * doctype is refused */
	snprintf(bad, sizeof(bad), "%s", cursor);
	bad[strlen(bad) / 2] = bad[strlen(bad) / 2] == 'A' ? 'B' : 'A';
	records_path(p, sizeof(p), a_main, BANK, "?limit=1&cursor=");
	snprintf(p + strlen(p), sizeof(p) - strlen(p), "%s", bad);
	expect_why(&agent, "GET", p, NULL, 400, "cursor");
	snprintf(bad, sizeof(bad), "%.*s", (int)strlen(cursor) - 4, cursor);
	records_path(p, sizeof(p), a_main, BANK, "?limit=1&cursor=");
	snprintf(p + strlen(p), sizeof(p) - strlen(p), "%s", bad);
	expect_why(&agent, "GET", p, NULL, 400, "cursor");
	records_path(p, sizeof(p), a_main, ALLOWANCE, "?limit=1&cursor=");
	snprintf(p + strlen(p), sizeof(p) - strlen(p), "%s", cursor);
	expect_why(&agent, "GET", p, NULL, 400, "cursor");
	/* the cursor itself is still good */
	records_path(p, sizeof(p), a_main, BANK, "?limit=1&cursor=");
	snprintf(p + strlen(p), sizeof(p) - strlen(p), "%s", cursor);
	{
		struct resp r;
		struct seen s = {0};

		get_ok(&agent, p, &r);
		check_page(&r, &s, false);
		assert_int_equal(s.n, 1);
		assert_int_equal(s.amount[0], everything.amount[1]);
		client_free(&r);
	}
}

/* ---- the members' audit chains ---------------------------------------------------------- */

/* chain - w's agreement.read entries: as many as the reads that served
 * their records, counting those records, by the agent under the main
 * agreement */
static void chain(const struct who *w)
{
	char actor[200];
	struct resp r;
	size_t i, n = 0, records = 0;
	json_t *v;

	snprintf(actor, sizeof(actor), "person:%s/agreement:%s", agent.id, a_main);
	get_ok(w, "/api/v1/audit?action=agreement.read&limit=1000", &r);
	json_array_foreach(json_object_get(r.json, "items"), i, v) {
		if (strcmp(str_at(v, "/action"), "agreement.read") != 0)
			continue;
		n++;
		assert_string_equal(str_at(v, "/actor"), actor);
		assert_string_equal(str_at(v, "/object"), BANK);
		assert_string_equal(str_at(v, "/detail/agreement"), a_main);
		assert_string_equal(str_at(v, "/detail/body"), coop);
		records += (size_t)json_integer_value(json_pointer(v, "/detail/records"));
	}
	client_free(&r);
	if (n != w->reads || records != w->records_read)
		fail_msg("%s's chain: %zu reads of %zu records, expected %zu of %zu", w->handle, n,
			 records, w->reads, w->records_read);
}

static void audited(void **state)
{
	(void)state;
	assert_true(alice.reads > 0 && carol.reads > 0 && dave.reads == 1);
	chain(&alice);
	chain(&carol);
	chain(&dave);
	chain(&erin);
	chain(&bob);
}

/* ---- the end ----------------------------------------------------------------------------- */

/* running_in_body - whether GET /api/v1/bodies/{id} lists id among the
 * agreements that run (docs/governance.md: whoever joins knows what their
 * data will be shared for) */
static bool running_in_body(const char *id)
{
	char p[128];
	struct resp r;
	size_t i;
	json_t *v;
	bool found = false;

	body_path(p, sizeof(p), coop, "");
	get_ok(&bob, p, &r);
	json_array_foreach(json_object_get(r.json, "agreements"), i, v) {
		if (strcmp(str_at(v, "/id"), id) != 0)
			continue;
		found = true;
		assert_string_equal(str_at(v, "/organisation"), ville);
		assert_string_equal(str_at(v, "/terms/doctypes/0/doctype"), BANK);
		assert_non_null(json_object_get(v, "ends"));
	}
	client_free(&r);
	return found;
}

static void shown_to_joiners(void **state)
{
	(void)state;
	if (!running_in_body(a_main))
		fail_msg("GET /api/v1/bodies/{id} does not list the agreement that runs");
	assert_false(running_in_body(a_no));
	assert_false(running_in_body(a_labo));
	assert_false(running_in_body(a_gone));
}

/* the organisation ends the main agreement: it serves nothing more */
static void ending(void **state)
{
	char p[160];
	struct resp r;

	(void)state;
	agreement_path(p, sizeof(p), a_main, "/end");
	expect(&alice, "POST", p, NULL, 403);
	expect(&labo, "POST", p, NULL, 404);
	if (call(&agent, "POST", p, NULL, &r) != 200)
		give_up(&r, "end");
	assert_string_equal(str_at(r.json, "/state"), "ended");
	assert_false(json_is_true(json_object_get(r.json, "runs")));
	assert_non_null(strstr(str_at(r.json, "/why_not"), "ended"));
	client_free(&r);
	expect(&admin, "POST", p, NULL, 409);
	records_path(p, sizeof(p), a_main, BANK, "");
	expect_why(&agent, "GET", p, NULL, 403, "ended");
	records_path(p, sizeof(p), a_main, BANK, "?limit=1");
	expect_why(&agent, "GET", p, NULL, 403, "ended");
	/* a rejected agreement cannot be ended */
	agreement_path(p, sizeof(p), a_no, "/end");
	expect(&agent, "POST", p, NULL, 409);
	/* nor read by anyone after it ended */
	agreement_path(p, sizeof(p), a_main, "");
	get_ok(&carol, p, &r);
	assert_string_equal(str_at(r.json, "/state"), "ended");
	client_free(&r);
	assert_false(running_in_body(a_main));
	/* the public register says who ended it by role, never by person */
	body_path(p, sizeof(p), coop, "/register");
	get_ok(NULL, p, &r);
	{
		json_t *entries = json_object_get(r.json, "entries");
		long at = entry_of(entries, "agreement.end", "agreement", a_main);

		assert_true(at >= 0);
		assert_string_equal(
			str_at(json_array_get(entries, (size_t)at), "/payload/by"), "organisation");
		assert_null(strstr(r.body, agent.id));
	}
	client_free(&r);
}

/* the short agreement expires at its ends */
static void expiry(void **state)
{
	char p[160];
	struct resp r;
	int64_t wait = short_ends + 100 - time_now_ms();

	(void)state;
	if (wait > 0) {
		struct timespec ts = {(time_t)(wait / 1000), (long)(wait % 1000) * 1000000L};

		nanosleep(&ts, NULL);
	}
	records_path(p, sizeof(p), a_short, BANK, "");
	expect_why(&agent, "GET", p, NULL, 403, "expired");
	agreement_path(p, sizeof(p), a_short, "");
	get_ok(&agent, p, &r);
	assert_string_equal(str_at(r.json, "/state"), "approved");
	assert_false(json_is_true(json_object_get(r.json, "runs")));
	assert_non_null(strstr(str_at(r.json, "/why_not"), "expired"));
	client_free(&r);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(bodies),
	    cmocka_unit_test(records),
	    cmocka_unit_test(drafting),
	    cmocka_unit_test(submitting),
	    cmocka_unit_test(voting),
	    cmocka_unit_test(seeing),
	    cmocka_unit_test(after_the_close),
	    cmocka_unit_test(served),
	    cmocka_unit_test(pages),
	    cmocka_unit_test(audited),
	    cmocka_unit_test(shown_to_joiners),
	    cmocka_unit_test(ending),
	    cmocka_unit_test(expiry),
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
