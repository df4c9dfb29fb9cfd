/*
 * test_campaigns.c - who may do what on /api/v1/campaigns (issue 10,
 * src/api/api_campaigns.c), on a real server: a resident, an agent of the
 * campaign's organisation, an agent of another organisation, the operator
 * (admin) and nobody (no session), and an API token where a session is
 * required. A draft is its organisation's and the operator's business
 * only; the operator approves or rejects; residents join and withdraw with
 * a session, which gives and withdraws an aggregate-only consent they see
 * among theirs and which their audit chain records; the organisation runs
 * and publishes; the results are public once published, JSON or CSV.
 * Definitions at fault answer a problem document naming the JSON pointer.
 * The consent given on joining lets the organisation's agents read nothing
 * of the participant's store.
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

#define LOAD_CURVE "energy.electricity.load_curve"

/* who calls: a session (cookie and CSRF token), an API token, or nobody */
struct who {
	const char *handle;
	char cookie[300];
	char csrf[200];
	char bearer[200];                 /* "Authorization: Bearer cmn_..." for a token */
};

static const char *bin;
static struct test_server srv;
static struct who alice = {.handle = "alice"}, bob = {.handle = "bob"},
		  agent = {.handle = "agent"}, other = {.handle = "other"},
		  admin = {.handle = "admin"}, alice_token = {.handle = "alice's token"};
static struct who *const nobody = NULL;
static char ville[40], autre[40];         /* the organisations' ids */
static char campaign[40], rejected[40];   /* the campaign followed, one rejected */
static char grant[40];                    /* alice's aggregate-only grant */

/* call_with - one request by w, with an extra header line (may be NULL) */
static long call_with(const struct who *w, const char *method, const char *path,
		      const char *body, const char *extra, struct resp *r)
{
	const char *headers[5] = {0};
	size_t n = 0;

	if (extra)
		headers[n++] = extra;
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

static long call(const struct who *w, const char *method, const char *path, const char *body,
		 struct resp *r)
{
	return call_with(w, method, path, body, NULL, r);
}

/* is_problem - an RFC 9457 problem document of this status */
static void is_problem(const struct resp *r, long status)
{
	char ct[128];

	if (!client_header(r, "Content-Type", ct, sizeof(ct)) ||
	    strncmp(ct, "application/problem+json", 24) != 0)
		fail_msg("%ld is not a problem document: %s", r->status, r->body);
	assert_int_equal(json_integer_value(json_object_get(r->json, "status")), status);
}

/* expect - the status of a call; a problem document when >= 400 */
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

static void path_of(char *out, size_t n, const char *id, const char *tail)
{
	snprintf(out, n, "/api/v1/campaigns/%s%s", id, tail);
}

/* definition - a campaign of org (its id) over January 2026, open to
 * participants from 1 February 2026 to 2099; privacy_k set as given */
static char *definition(const char *org_id, const char *k)
{
	char *text = malloc(2048);

	assert_non_null(text);
	snprintf(text, 2048,
		 "{\"title\":{\"fr\":\"Profil horaire par quartier\",\"en\":\"Hourly profile by"
		 " district\"},\"purpose\":{\"fr\":\"Dimensionner le r\\u00e9seau.\",\"en\":"
		 "\"Size the grid.\"},\"organisation\":\"%s\",\"source\":{\"series\":\"" LOAD_CURVE
		 "\"},\"period\":{\"from\":\"2026-01-01\",\"to\":\"2026-02-01\"},"
		 "\"group_by\":[\"district\",\"hour_of_day\"],\"measures\":[{\"kind\":\"count\"},"
		 "{\"kind\":\"mean\",\"clip\":[0,6000]}],\"privacy\":{\"k\":%s,\"mechanism\":"
		 "\"laplace\",\"epsilon\":\"1\",\"max_cells_per_person\":24},"
		 "\"opens\":\"2026-02-01T00:00:00Z\",\"closes\":\"2099-01-01T00:00:00Z\","
		 "\"governance\":{\"body\":\"operator\"},\"licence\":\"etalab-2.0\"}",
		 org_id, k);
	return text;
}

/* ---- the territory ------------------------------------------------------------ */

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

static bool add_districts(void)
{
	char path[300];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/districts.geojson", srv.dir);
	if (!(fp = fopen(path, "w")))
		return false;
	fputs("{\"type\":\"FeatureCollection\",\"features\":["
	      "{\"type\":\"Feature\",\"properties\":{\"code\":\"D11\",\"name\":\"Gare\"},"
	      "\"geometry\":null},"
	      "{\"type\":\"Feature\",\"properties\":{\"code\":\"D12\",\"name\":\"Port\"},"
	      "\"geometry\":null}]}",
	      fp);
	fclose(fp);
	return test_cli(&srv, NULL, NULL, 0, "campaign", "districts", path, NULL) == 0;
}

static bool login(struct who *w)
{
	char password[128];

	snprintf(password, sizeof(password), "pw-%s-correct-horse", w->handle);
	return client_login(srv.base, w->handle, password, w->cookie, sizeof(w->cookie), w->csrf,
			    sizeof(w->csrf)) == 0;
}

/* household_data - a household profile in D11 and two days of its load
 * curve, through the API */
static void household_data(const struct who *w)
{
	char path[128], *points;
	size_t len = 0, cap = 48 * 2 * 40 + 64;
	struct resp r;

	if (call(w, "POST", "/api/v1/records/household.profile",
		 "{\"declared\":\"2026-01-01\",\"district\":\"D11\",\"members\":2,"
		 "\"heating\":\"gas\"}",
		 &r) != 201)
		fail_msg("profile: %ld %s", r.status, r.body);
	client_free(&r);
	if (call(w, "POST", "/api/v1/series",
		 "{\"doctype\":\"" LOAD_CURVE "\",\"source\":\"test\",\"key\":\"12345678901234\","
		 "\"unit\":\"W\",\"step_s\":1800,\"tz\":\"Europe/Paris\","
		 "\"meta\":{\"prm\":\"12345678901234\"}}",
		 &r) != 201)
		fail_msg("series: %ld %s", r.status, r.body);
	snprintf(path, sizeof(path), "/api/v1/series/%s/points",
		 json_string_value(json_object_get(r.json, "id")));
	client_free(&r);
	points = malloc(cap);
	assert_non_null(points);
	len += (size_t)snprintf(points + len, cap - len, "{\"points\":[");
	for (int i = 0; i < 96; i++) /* 5 and 6 January 2026, from 00:00Z */
		len += (size_t)snprintf(points + len, cap - len, "%s[%lld,%d]", i ? "," : "",
					1767571200000LL + i * 1800000LL, 400 + 10 * (i % 48));
	snprintf(points + len, cap - len, "]}");
	if (call(w, "POST", path, points, &r) != 200)
		fail_msg("points: %ld %s", r.status, r.body);
	assert_int_equal(json_integer_value(json_object_get(r.json, "added")), 96);
	client_free(&r);
	free(points);
}

static int up(void **state)
{
	struct resp r;

	(void)state;
	if (!test_data_dir(&srv, bin) || !add_org("Ville", "city", ville, sizeof(ville)) ||
	    !add_org("Autre", "reuser", autre, sizeof(autre)) ||
	    !add_person("alice", "resident", NULL) || !add_person("bob", "resident", NULL) ||
	    !add_person("agent", "agent", "Ville") || !add_person("other", "agent", "Autre") ||
	    !add_person("admin", "admin", NULL) || !add_districts() ||
	    !test_server_start(&srv, NULL) || !login(&alice) || !login(&bob) || !login(&agent) ||
	    !login(&other) || !login(&admin))
		return -1;
	if (call(&alice, "POST", "/api/v1/tokens", "{\"name\":\"fixture\"}", &r) != 201)
		return -1;
	snprintf(alice_token.bearer, sizeof(alice_token.bearer), "Authorization: Bearer %s",
		 json_string_value(json_object_get(r.json, "token")));
	client_free(&r);
	household_data(&alice);
	household_data(&bob);
	return 0;
}

static int down(void **state)
{
	(void)state;
	return test_server_stop(&srv, true) == 0 ? 0 : -1;
}

/* ---- creating ------------------------------------------------------------------ */

/* fault - a definition refused with a problem naming the pointer */
static void fault(const char *body, const char *pointer)
{
	struct resp r;
	const char *detail;

	if (call(&agent, "POST", "/api/v1/campaigns", body, &r) != 400)
		fail_msg("accepted (%ld): %s", r.status, body);
	is_problem(&r, 400);
	detail = json_string_value(json_object_get(r.json, "detail"));
	if (!detail || strncmp(detail, pointer, strlen(pointer)) != 0 ||
	    detail[strlen(pointer)] != ':')
		fail_msg("\"%s\" does not name %s", detail ? detail : r.body, pointer);
	client_free(&r);
}

/* cli_create - `commune campaign create --org NAME FILE` while the server
 * runs, the new id in id */
static void cli_create(const char *org_name, const char *def, char *id, size_t n)
{
	char path[300], out[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/campaign.json", srv.dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs(def, fp);
	fclose(fp);
	assert_int_equal(test_cli(&srv, NULL, out, sizeof(out), "campaign", "create", "--org",
				  org_name, path, NULL),
			 0);
	out[strcspn(out, "\n")] = '\0';
	assert_int_equal(strlen(out), 32);
	snprintf(id, n, "%s", out);
}

/* created - POST /api/v1/campaigns by w answers 201 with a draft of org_id;
 * its id in id. When it does not (the bug of the report, see below), the
 * campaign is made with the command line instead so that the other tests
 * can run, and the answer is kept in why for the failure at the end. */
static bool created(const struct who *w, const char *org_name, const char *org_id,
		    const char *def, char *id, size_t n, char *why, size_t whyn)
{
	char loc[200];
	struct resp r;

	if (call(w, "POST", "/api/v1/campaigns", def, &r) != 201) {
		snprintf(why, whyn, "POST /api/v1/campaigns as %s: %ld %s", w->handle, r.status,
			 r.body);
		client_free(&r);
		cli_create(org_name, def, id, n);
		return false;
	}
	snprintf(id, n, "%s", json_string_value(json_object_get(r.json, "id")));
	assert_string_equal(json_string_value(json_object_get(r.json, "state")), "draft");
	assert_string_equal(json_string_value(json_object_get(r.json, "organisation")), org_id);
	assert_non_null(client_header(&r, "Location", loc, sizeof(loc)));
	assert_non_null(strstr(loc, id));
	client_free(&r);
	return true;
}

/* only an agent of the organisation the definition names creates it */
static void create(void **state)
{
	char *def = definition(ville, "2"), *bad, mine[40], why[600] = "";
	bool ok = true;

	(void)state;
	expect(nobody, "POST", "/api/v1/campaigns", def, 401);
	expect(&alice, "POST", "/api/v1/campaigns", def, 403);
	expect(&alice_token, "POST", "/api/v1/campaigns", def, 403);
	expect(&other, "POST", "/api/v1/campaigns", def, 403);
	expect(&admin, "POST", "/api/v1/campaigns", def, 403);
	ok = created(&agent, "Ville", ville, def, campaign, sizeof(campaign), why, sizeof(why)) &&
	     ok;
	ok = created(&agent, "Ville", ville, def, rejected, sizeof(rejected), why, sizeof(why)) &&
	     ok;
	free(def);
	/* the other organisation's agent creates for their own */
	def = definition(autre, "2");
	expect(&agent, "POST", "/api/v1/campaigns", def, 403);
	ok = created(&other, "Autre", autre, def, mine, sizeof(mine), why, sizeof(why)) && ok;
	free(def);

	/* definitions at fault: 400, the pointer first */
	bad = definition(ville, "1");
	fault(bad, "/privacy/k");
	free(bad);
	bad = definition(ville, "2, \"delta\": \"1e-9\"");
	fault(bad, "/privacy/delta");
	free(bad);
	def = definition(ville, "2");
	{
		char text[2200];

		snprintf(text, sizeof(text), "{\"colour\":\"red\",%s", def + 1);
		fault(text, "/colour");
		snprintf(text, sizeof(text), "%s", def);
		memcpy(strstr(text, "[\"district\",\"hour_of_day\"]"),
		       "[\"mode\",    \"hour_of_day\"]", 26);
		fault(text, "/group_by/0");
	}
	free(def);
	expect(&agent, "POST", "/api/v1/campaigns", "{\"title\": ", 400);
	/* src/api/api_campaigns.c, create(): the definition is released (and
	 * emptied) before its organisation is read for the insert */
	if (!ok)
		fail_msg("an agent of the organisation cannot create its campaign: %s", why);
}

/* ---- a draft ------------------------------------------------------------------- */

static bool listed(const struct who *w, const char *id)
{
	struct resp r;
	size_t i;
	json_t *v;
	bool found = false;

	assert_int_equal(call(w, "GET", "/api/v1/campaigns", NULL, &r), 200);
	json_array_foreach(json_object_get(r.json, "items"), i, v)
		found = found || strcmp(json_string_value(json_object_get(v, "id")), id) == 0;
	client_free(&r);
	return found;
}

/* yours - the "yours" of the campaign id in w's list: 1, 0, or -1 when not
 * listed or not a boolean */
static int yours(const struct who *w, const char *id)
{
	struct resp r;
	size_t i;
	json_t *v;
	int got = -1;

	assert_int_equal(call(w, "GET", "/api/v1/campaigns", NULL, &r), 200);
	json_array_foreach(json_object_get(r.json, "items"), i, v)
		if (strcmp(json_string_value(json_object_get(v, "id")), id) == 0 &&
		    json_is_boolean(json_object_get(v, "yours")))
			got = json_is_true(json_object_get(v, "yours"));
	client_free(&r);
	return got;
}

/* a draft is 404 to residents and other organisations' agents */
static void draft_is_private(void **state)
{
	char p[128];

	(void)state;
	path_of(p, sizeof(p), campaign, "");
	expect(&agent, "GET", p, NULL, 200);
	expect(&admin, "GET", p, NULL, 200);
	expect(&alice, "GET", p, NULL, 404);
	expect(&alice_token, "GET", p, NULL, 404);
	expect(&other, "GET", p, NULL, 404);
	expect(nobody, "GET", p, NULL, 401);
	assert_true(listed(&agent, campaign));
	assert_true(listed(&admin, campaign));
	assert_false(listed(&alice, campaign));
	assert_false(listed(&other, campaign));
	expect(nobody, "GET", "/api/v1/campaigns", NULL, 401);
	/* nothing else can be done to it by those who cannot see it */
	path_of(p, sizeof(p), campaign, "/participation");
	expect(&alice, "POST", p, NULL, 404);
	expect(&alice, "DELETE", p, NULL, 404);
	path_of(p, sizeof(p), campaign, "/contribution");
	expect(&alice, "GET", p, NULL, 404);
	path_of(p, sizeof(p), campaign, "/run");
	expect(&other, "POST", p, NULL, 404);
	expect(&alice, "POST", p, NULL, 404);
	/* its organisation cannot run or publish it before approval */
	expect(&agent, "POST", p, NULL, 409);
	path_of(p, sizeof(p), campaign, "/publish");
	expect(&other, "POST", p, NULL, 404);
	expect(&agent, "POST", p, NULL, 409);
	path_of(p, sizeof(p), campaign, "/results");
	expect(nobody, "GET", p, NULL, 404);
	expect(&agent, "GET", p, NULL, 404);
}

/* ---- the operator's decision --------------------------------------------------- */

static void approve_and_reject(void **state)
{
	char p[128];
	struct resp r;

	(void)state;
	path_of(p, sizeof(p), campaign, "/approve");
	expect(nobody, "POST", p, NULL, 401);
	expect(&alice, "POST", p, NULL, 403);
	expect(&alice_token, "POST", p, NULL, 403);
	expect(&agent, "POST", p, NULL, 403);
	expect(&other, "POST", p, NULL, 403);
	assert_int_equal(call(&admin, "POST", p, NULL, &r), 200);
	assert_string_equal(json_string_value(json_object_get(r.json, "state")), "approved");
	client_free(&r);
	expect(&admin, "POST", p, NULL, 409);
	path_of(p, sizeof(p), campaign, "/reject");
	expect(&admin, "POST", p, NULL, 409);

	path_of(p, sizeof(p), rejected, "/reject");
	expect(nobody, "POST", p, NULL, 401);
	expect(&alice, "POST", p, NULL, 403);
	expect(&agent, "POST", p, NULL, 403);
	expect(&other, "POST", p, NULL, 403);
	assert_int_equal(call(&admin, "POST", p, NULL, &r), 200);
	assert_string_equal(json_string_value(json_object_get(r.json, "state")), "rejected");
	client_free(&r);
	/* approved: everyone with an account sees it; rejected: as a draft */
	path_of(p, sizeof(p), campaign, "");
	assert_int_equal(call(&alice, "GET", p, NULL, &r), 200);
	assert_non_null(json_object_get(r.json, "plain"));
	assert_null(json_object_get(r.json, "participation"));
	client_free(&r);
	expect(&other, "GET", p, NULL, 200);
	assert_true(listed(&alice, campaign));
	/* the console offers to run it to its organisation's agents only */
	assert_int_equal(yours(&agent, campaign), 1);
	assert_int_equal(yours(&other, campaign), 0);
	assert_int_equal(yours(&alice, campaign), 0);
	assert_int_equal(yours(&admin, campaign), 0);
	path_of(p, sizeof(p), rejected, "");
	expect(&alice, "GET", p, NULL, 404);
	expect(&other, "GET", p, NULL, 404);
	expect(&agent, "GET", p, NULL, 200);
	path_of(p, sizeof(p), rejected, "/participation");
	expect(&alice, "POST", p, NULL, 404);
}

/* ---- joining and leaving ------------------------------------------------------- */

/* the_grant - alice's consent of id among GET /api/v1/consents, or NULL
 * (a new reference) */
static json_t *the_grant(const char *id)
{
	struct resp r;
	size_t i;
	json_t *v, *found = NULL;

	assert_int_equal(call(&alice, "GET", "/api/v1/consents", NULL, &r), 200);
	json_array_foreach(json_object_get(r.json, "items"), i, v)
		if (strcmp(json_string_value(json_object_get(v, "id")), id) == 0)
			found = json_incref(v);
	client_free(&r);
	return found;
}

/* audited - alice's audit chain has action on this campaign */
static bool audited(const char *action)
{
	char p[128], object[64];
	struct resp r;
	size_t i;
	json_t *v;
	bool found = false;

	snprintf(p, sizeof(p), "/api/v1/audit?action=%s&limit=1000", action);
	snprintf(object, sizeof(object), "campaign/%s", campaign);
	assert_int_equal(call(&alice, "GET", p, NULL, &r), 200);
	json_array_foreach(json_object_get(r.json, "items"), i, v)
		found = found ||
			(strcmp(json_string_value(json_object_get(v, "action")), action) == 0 &&
			 strcmp(json_string_value(json_object_get(v, "object")), object) == 0);
	client_free(&r);
	return found;
}

static void join_and_withdraw(void **state)
{
	char p[128];
	struct resp r;
	json_t *g, *ops;

	(void)state;
	path_of(p, sizeof(p), campaign, "/participation");
	expect(nobody, "POST", p, NULL, 401);
	expect(&alice_token, "POST", p, NULL, 403);
	assert_false(audited("campaign.join"));
	assert_int_equal(call(&alice, "POST", p, NULL, &r), 200);
	snprintf(grant, sizeof(grant), "%s",
		 json_string_value(json_object_get(json_object_get(r.json, "participation"),
						   "grant")));
	client_free(&r);
	assert_true(strlen(grant) == 32);
	expect(&alice, "POST", p, NULL, 409);

	/* the aggregate-only consent to the organisation, among alice's */
	g = the_grant(grant);
	assert_non_null(g);
	assert_string_equal(json_string_value(json_object_get(g, "status")), "given");
	assert_string_equal(json_string_value(json_pointer(g, "/grantee/kind")), "org");
	assert_string_equal(json_string_value(json_pointer(g, "/grantee/id")), ville);
	ops = json_pointer(g, "/scope/operations");
	assert_int_equal(json_array_size(ops), 1);
	assert_string_equal(json_string_value(json_array_get(ops, 0)), "aggregate-only");
	assert_string_equal(json_string_value(json_pointer(g, "/scope/doctypes/0")), LOAD_CURVE);
	json_decref(g);
	assert_true(audited("campaign.join"));
	/* what alice's store contributes, to her only */
	path_of(p, sizeof(p), campaign, "/contribution");
	expect(&alice, "GET", p, NULL, 200);
	expect(&alice_token, "GET", p, NULL, 200);
	expect(&other, "GET", p, NULL, 404);
	expect(nobody, "GET", p, NULL, 401);

	/* leaving: a session too */
	path_of(p, sizeof(p), campaign, "/participation");
	expect(nobody, "DELETE", p, NULL, 401);
	expect(&alice_token, "DELETE", p, NULL, 403);
	assert_false(audited("campaign.withdraw"));
	expect(&alice, "DELETE", p, NULL, 204);
	expect(&alice, "DELETE", p, NULL, 404);
	g = the_grant(grant);
	assert_non_null(g);
	assert_string_equal(json_string_value(json_object_get(g, "status")), "withdrawn");
	json_decref(g);
	assert_true(audited("campaign.withdraw"));
	path_of(p, sizeof(p), campaign, "");
	assert_int_equal(call(&alice, "GET", p, NULL, &r), 200);
	assert_non_null(json_pointer(r.json, "/participation/withdrawn"));
	client_free(&r);

	/* back in, with a new consent; bob too */
	path_of(p, sizeof(p), campaign, "/participation");
	assert_int_equal(call(&alice, "POST", p, NULL, &r), 200);
	assert_string_not_equal(
		json_string_value(json_pointer(r.json, "/participation/grant")), grant);
	client_free(&r);
	expect(&bob, "POST", p, NULL, 200);
}

/* The consent a participant gives on joining is for the computation in
 * their own store (docs/campaigns.md: nobody's data leaves their store as
 * such): the organisation's agents, who receive it, read nothing of theirs
 * under it, neither the series nor aggregates of one household. */
/* leaks - adds what was read to why */
static void leaks(char *why, size_t n, const char *what, const struct resp *r)
{
	size_t len = strlen(why);

	snprintf(why + len, n - len, "\n  %s: %.160s...", what, r->body);
}

static void consent_is_not_a_key_to_the_store(void **state)
{
	char p[160], consent[96], series[40] = "", why[1200] = "";
	struct resp r;
	long st;

	(void)state;
	path_of(p, sizeof(p), campaign, "");
	assert_int_equal(call(&alice, "GET", p, NULL, &r), 200);
	snprintf(consent, sizeof(consent), "Commune-Consent: %s",
		 json_string_value(json_pointer(r.json, "/participation/grant")));
	client_free(&r);
	assert_int_equal(call(&alice, "GET", "/api/v1/series", NULL, &r), 200);
	snprintf(series, sizeof(series), "%s",
		 json_string_value(json_pointer(r.json, "/items/0/id")));
	client_free(&r);
	assert_int_equal(strlen(series), 32);

	/* who joined is not the organisation's to know: the consent is not
	 * among those it received */
	assert_int_equal(call(&agent, "GET", "/api/v1/consents/received", NULL, &r), 200);
	assert_null(strstr(r.body, consent + strlen("Commune-Consent: ")));
	client_free(&r);
	/* but reads nothing under it: each read is tried, all that succeed
	 * are reported */
	st = call_with(&agent, "GET", "/api/v1/series", NULL, consent, &r);
	if (st == 200 && json_array_size(json_object_get(r.json, "items")) > 0)
		leaks(why, sizeof(why), "lists the participant's series", &r);
	client_free(&r);
	snprintf(p, sizeof(p),
		 "/api/v1/series/%s?from=2026-01-05T00:00:00Z&to=2026-01-06T00:00:00Z&bucket=30min",
		 series);
	if (call_with(&agent, "GET", p, NULL, consent, &r) == 200)
		leaks(why, sizeof(why), "reads the load curve every 30 minutes", &r);
	client_free(&r);
	snprintf(p, sizeof(p), "/api/v1/series/%s?from=2026-01-01&to=2026-02-01&bucket=day",
		 series);
	if (call_with(&agent, "GET", p, NULL, consent, &r) == 200)
		leaks(why, sizeof(why), "reads the daily consumption", &r);
	client_free(&r);
	st = call_with(&agent, "GET", "/api/v1/records/household.profile", NULL, consent, &r);
	if (st == 200 && json_array_size(json_object_get(r.json, "items")) > 0)
		leaks(why, sizeof(why), "reads the household profile", &r);
	client_free(&r);
	if (why[0])
		fail_msg("under the campaign's consent, the organisation's agent%s", why);
}

/* ---- running, publishing, the results ----------------------------------------- */

static void run_publish_results(void **state)
{
	char p[128], ct[128];
	struct resp r;

	(void)state;
	path_of(p, sizeof(p), campaign, "/run");
	expect(nobody, "POST", p, NULL, 401);
	expect(&alice, "POST", p, NULL, 403);
	expect(&alice_token, "POST", p, NULL, 403);
	expect(&other, "POST", p, NULL, 403);
	expect(&admin, "POST", p, NULL, 403);
	if (call(&agent, "POST", p, NULL, &r) != 200)
		fail_msg("run: %ld %s", r.status, r.body);
	assert_string_equal(json_string_value(json_object_get(r.json, "state")), "computed");
	assert_int_equal(json_integer_value(json_pointer(r.json, "/participants/counted")), 2);
	client_free(&r);
	expect(&agent, "POST", p, NULL, 409);
	/* computed is not public */
	path_of(p, sizeof(p), campaign, "/results");
	expect(nobody, "GET", p, NULL, 404);
	expect(&agent, "GET", p, NULL, 404);
	path_of(p, sizeof(p), campaign, "/mix");
	expect(nobody, "GET", p, NULL, 404);
	expect(&agent, "GET", p, NULL, 404);
	/* the contribution is in the release: too late to leave */
	path_of(p, sizeof(p), campaign, "/participation");
	expect(&alice, "DELETE", p, NULL, 409);

	path_of(p, sizeof(p), campaign, "/publish");
	expect(nobody, "POST", p, NULL, 401);
	expect(&alice, "POST", p, NULL, 403);
	expect(&alice_token, "POST", p, NULL, 403);
	expect(&other, "POST", p, NULL, 403);
	expect(&admin, "POST", p, NULL, 403);
	assert_int_equal(call(&agent, "POST", p, NULL, &r), 200);
	assert_string_equal(json_string_value(json_object_get(r.json, "state")), "published");
	client_free(&r);
	expect(&agent, "POST", p, NULL, 409);

	/* public, without a session */
	path_of(p, sizeof(p), campaign, "/results");
	assert_int_equal(call(nobody, "GET", p, NULL, &r), 200);
	assert_non_null(client_header(&r, "Content-Type", ct, sizeof(ct)));
	assert_int_equal(strncmp(ct, "application/json", 16), 0);
	assert_string_equal(json_string_value(json_object_get(r.json, "campaign")), campaign);
	assert_int_equal(json_integer_value(json_pointer(r.json, "/methodology/k")), 2);
	assert_int_equal(json_array_size(json_object_get(r.json, "cells")), 2 * 24);
	/* D11 has alice and bob, k = 2: published; D12 nobody */
	assert_non_null(json_pointer(r.json, "/cells/0/values"));
	assert_string_equal(json_string_value(json_pointer(r.json, "/cells/0/district")), "D11");
	assert_string_equal(json_string_value(json_pointer(r.json, "/cells/24/suppressed")),
			    "fewer than k");
	client_free(&r);
	path_of(p, sizeof(p), campaign, "/results?format=csv");
	assert_int_equal(call(nobody, "GET", p, NULL, &r), 200);
	assert_non_null(client_header(&r, "Content-Type", ct, sizeof(ct)));
	assert_int_equal(strncmp(ct, "text/csv", 8), 0);
	assert_int_equal(strncmp(r.body, "district,hour_of_day,count_0,mean_1,status\r\n", 44), 0);
	assert_non_null(strstr(r.body, "\r\nD12,00,,,suppressed\r\n"));
	client_free(&r);
	expect(&alice, "GET", p, NULL, 200);
	path_of(p, sizeof(p), campaign, "/results?format=xml");
	expect(nobody, "GET", p, NULL, 400);
	path_of(p, sizeof(p), rejected, "/results");
	expect(nobody, "GET", p, NULL, 404);
	/* WeMix's mix (test_service_wemix.c) reads an hourly profile alone:
	 * this table is by district too, which the problem says */
	path_of(p, sizeof(p), campaign, "/mix");
	assert_int_equal(call(nobody, "GET", p, NULL, &r), 400);
	assert_non_null(strstr(json_string_value(json_object_get(r.json, "detail")), "hour_of_day"));
	client_free(&r);
	path_of(p, sizeof(p), campaign, "/mix?volume=5");
	expect(nobody, "GET", p, NULL, 400);
	path_of(p, sizeof(p), campaign, "/mix?colour=red");
	expect(nobody, "GET", p, NULL, 400);
	path_of(p, sizeof(p), rejected, "/mix");
	expect(nobody, "GET", p, NULL, 404);
	expect(nobody, "GET", "/api/v1/campaigns/00000000000000000000000000000000/results", NULL,
	       404);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(create),
		cmocka_unit_test(draft_is_private),
		cmocka_unit_test(approve_and_reject),
		cmocka_unit_test(join_and_withdraw),
		cmocka_unit_test(consent_is_not_a_key_to_the_store),
		cmocka_unit_test(run_publish_results),
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
