/*
 * test_govern_api.c - who may do what on /api/v1/bodies and /api/v1/proposals
 * (issue 11, src/api/api_govern.c), on a real server: the operator
 * (admin), residents who are members (alice, carol; dave, who votes and
 * leaves before the close), a resident who is not (bob), an agent of the
 * campaigns' organisation (agent), an API token of a member (alice's), and
 * nobody (no session).
 *
 * The operator alone creates bodies (statutes at fault answer 400 with the
 * pointer under /statutes); every person reads them; joining, leaving and
 * voting need a session; the member register and the proposals are for
 * members and the operator (a proposal is 404 to others); a member or the
 * campaign's organisation submits; a vote is closed by a member or the
 * operator once its time is over, not before (409). The register is public
 * and its entries verify with the key of /.well-known/jwks.json and the hash
 * recipe of docs/governance.md, computed here with libsodium.
 *
 * The server's votes last two seconds at least (--vote-min-seconds 2; a
 * minute by default): the proposals are submitted first, closing a second
 * after that, the other checks run during the vote, then the test waits for
 * the close and checks the decision through the API; the rules at and
 * around the close are in tests/unit/test_govern.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <sodium.h>

#include "client.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "server.h"

#define LOAD_CURVE "energy.electricity.load_curve"
#define VOTE_MIN_S "2"   /* the server's shortest vote (--vote-min-seconds) */
#define VOTE_MIN_MS 2000
#define SCIC                                                                             \
	"{\"kind\":\"cooperative\",\"rule\":\"weighted_colleges\",\"quorum\":\"1/4\","   \
	"\"colleges\":[{\"name\":\"producers\",\"weight\":50},"                         \
	"{\"name\":\"beneficiaries\",\"weight\":30},"                                   \
	"{\"name\":\"local_authority\",\"weight\":20}]}"

/* who calls: a session (cookie and CSRF token), an API token, or nobody */
struct who {
	const char *handle;
	char cookie[300];
	char csrf[200];
	char bearer[200];                 /* "Authorization: Bearer cmn_..." for a token */
	char id[40];                      /* the person's id */
};

static const char *bin;
static struct test_server srv;
static struct who alice = {.handle = "alice"}, carol = {.handle = "carol"},
		  dave = {.handle = "dave"}, bob = {.handle = "bob"}, agent = {.handle = "agent"},
		  admin = {.handle = "admin"}, alice_token = {.handle = "alice's token"};
static struct who *const nobody = NULL;
static char ville[40];                    /* the organisation's id */
static char coop[40];                     /* the body */
static char c1[40], c2[40];               /* two cooperative campaigns */
static char p1[40], p2[40];               /* their proposals: open, secret ballot */
static int64_t closes;                    /* when both votes close (ms) */

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
	assert_int_equal(client_request(srv.base, method, path, headers, body,
					body ? strlen(body) : 0, r),
			 0);
	return r->status;
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

/* expect_detail - a problem of this status whose detail starts with prefix */
static void expect_detail(const struct who *w, const char *method, const char *path,
			  const char *body, long status, const char *prefix)
{
	struct resp r;
	const char *detail;

	if (call(w, method, path, body, &r) != status)
		fail_msg("%s %s: %ld, expected %ld: %.300s", method, path, r.status, status, r.body);
	is_problem(&r, status);
	detail = json_string_value(json_object_get(r.json, "detail"));
	if (!detail || strncmp(detail, prefix, strlen(prefix)) != 0)
		fail_msg("\"%s\" does not start with %s", detail ? detail : r.body, prefix);
	client_free(&r);
}

static void body_path(char *out, size_t n, const char *tail)
{
	snprintf(out, n, "/api/v1/bodies/%s%s", coop, tail);
}

static void proposal_path(char *out, size_t n, const char *id, const char *tail)
{
	snprintf(out, n, "/api/v1/proposals/%s%s", id, tail);
}

/* ---- the territory ------------------------------------------------------------- */

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
		snprintf(w->id, sizeof(w->id), "%s", json_string_value(json_object_get(r.json, "id")));
	client_free(&r);
	return ok;
}

static int up(void **state)
{
	struct resp r;

	(void)state;
	if (!test_data_dir(&srv, bin) || !add_org("Ville", "city", ville, sizeof(ville)) ||
	    !add_person("alice", "resident", NULL) || !add_person("carol", "resident", NULL) ||
	    !add_person("dave", "resident", NULL) || !add_person("bob", "resident", NULL) ||
	    !add_person("agent", "agent", "Ville") || !add_person("admin", "admin", NULL) ||
	    !test_server_start(&srv, "--vote-min-seconds", VOTE_MIN_S, NULL) || !login(&alice) ||
	    !login(&carol) || !login(&dave) || !login(&bob) || !login(&agent) || !login(&admin))
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

/* ---- bodies --------------------------------------------------------------------- */

static char *body_request(const char *name, const char *statutes)
{
	char *text = malloc(2048);

	assert_non_null(text);
	snprintf(text, 2048, "{\"name\":\"%s\",\"statutes\":%s}", name, statutes);
	return text;
}

static bool listed(const struct who *w, const char *id)
{
	struct resp r;
	size_t i;
	json_t *v;
	bool found = false;

	assert_int_equal(call(w, "GET", "/api/v1/bodies", NULL, &r), 200);
	json_array_foreach(json_object_get(r.json, "items"), i, v)
		found = found || strcmp(json_string_value(json_object_get(v, "id")), id) == 0;
	client_free(&r);
	return found;
}

/* the operator creates; every person reads */
static void bodies(void **state)
{
	char *req = body_request("Coop\\u00e9rative WeMix", SCIC), loc[200], p[128];
	struct resp r;

	(void)state;
	expect(nobody, "POST", "/api/v1/bodies", req, 401);
	expect(&alice, "POST", "/api/v1/bodies", req, 403);
	expect(&alice_token, "POST", "/api/v1/bodies", req, 403);
	expect(&bob, "POST", "/api/v1/bodies", req, 403);
	expect(&agent, "POST", "/api/v1/bodies", req, 403);
	if (call(&admin, "POST", "/api/v1/bodies", req, &r) != 201)
		fail_msg("create: %ld %s", r.status, r.body);
	snprintf(coop, sizeof(coop), "%s", json_string_value(json_object_get(r.json, "id")));
	assert_int_equal(strlen(coop), 32);
	assert_string_equal(json_string_value(json_object_get(r.json, "kind")), "cooperative");
	assert_string_equal(json_string_value(json_object_get(r.json, "name")),
			    "Coop\xc3\xa9rative WeMix");
	/* the canonical statutes: the default threshold written out */
	assert_string_equal(json_string_value(json_pointer(r.json, "/statutes/threshold")), "1/2");
	assert_int_equal(json_integer_value(json_pointer(r.json, "/statutes/colleges/2/weight")),
			 20);
	assert_non_null(client_header(&r, "Location", loc, sizeof(loc)));
	assert_non_null(strstr(loc, coop));
	client_free(&r);
	/* a name is taken once */
	expect_detail(&admin, "POST", "/api/v1/bodies", req, 409, "/name");
	free(req);

	/* statutes at fault: 400, the pointer under /statutes first */
	req = body_request("Autre",
			   "{\"kind\":\"cooperative\",\"rule\":\"weighted_colleges\","
			   "\"colleges\":[{\"name\":\"a\",\"weight\":50},{\"name\":\"b\","
			   "\"weight\":60},{\"name\":\"c\",\"weight\":20}]}");
	expect_detail(&admin, "POST", "/api/v1/bodies", req, 400, "/statutes/colleges/1/weight:");
	free(req);
	req = body_request("Autre", "{\"kind\":\"cooperative\",\"rule\":\"unanimity_of_trustees\"}");
	expect_detail(&admin, "POST", "/api/v1/bodies", req, 400, "/statutes/rule:");
	free(req);
	req = body_request("Autre", "{\"kind\":\"trust\",\"rule\":\"majority\",\"quorum\":\"5/4\"}");
	expect_detail(&admin, "POST", "/api/v1/bodies", req, 400, "/statutes/quorum:");
	free(req);
	req = body_request("Autre", "{\"kind\":\"trust\",\"rule\":\"majority\",\"colour\":1}");
	expect_detail(&admin, "POST", "/api/v1/bodies", req, 400, "/statutes/colour");
	free(req);
	expect(&admin, "POST", "/api/v1/bodies", "{\"name\":\"Autre\"}", 400);
	/* none of them was created */
	assert_int_equal(call(&admin, "GET", "/api/v1/bodies", NULL, &r), 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
	client_free(&r);

	/* any person reads the bodies and their statutes */
	assert_true(listed(&alice, coop));
	assert_true(listed(&alice_token, coop));
	assert_true(listed(&bob, coop));
	assert_true(listed(&agent, coop));
	assert_true(listed(&admin, coop));
	expect(nobody, "GET", "/api/v1/bodies", NULL, 401);
	body_path(p, sizeof(p), "");
	expect(&bob, "GET", p, NULL, 200);
	expect(&alice_token, "GET", p, NULL, 200);
	expect(nobody, "GET", p, NULL, 401);
	expect(&bob, "GET", "/api/v1/bodies/00000000000000000000000000000000", NULL, 404);
}

/* ---- membership ----------------------------------------------------------------- */

static void membership(void **state)
{
	char p[128];
	struct resp r;
	size_t i;
	json_t *v;
	bool a = false, c = false;

	(void)state;
	body_path(p, sizeof(p), "/membership");
	expect(nobody, "POST", p, "{\"college\":\"producers\"}", 401);
	expect(&alice_token, "POST", p, "{\"college\":\"producers\"}", 403);
	expect_detail(&alice, "POST", p, "{\"college\":\"artists\"}", 400, "/college");
	expect_detail(&alice, "POST", p, "{}", 400, "/college");
	assert_int_equal(call(&alice, "POST", p, "{\"college\":\"producers\"}", &r), 200);
	assert_string_equal(json_string_value(json_pointer(r.json, "/membership/college")),
			    "producers");
	client_free(&r);
	expect(&alice, "POST", p, "{\"college\":\"producers\"}", 409);
	expect(&carol, "POST", p, "{\"college\":\"beneficiaries\"}", 200);
	/* the body as bob sees it: no membership */
	body_path(p, sizeof(p), "");
	assert_int_equal(call(&bob, "GET", p, NULL, &r), 200);
	assert_null(json_object_get(r.json, "membership"));
	client_free(&r);

	/* the member register: members and the operator */
	body_path(p, sizeof(p), "/members");
	assert_int_equal(call(&alice, "GET", p, NULL, &r), 200);
	json_array_foreach(json_object_get(r.json, "items"), i, v) {
		a = a || strcmp(json_string_value(json_object_get(v, "handle")), "alice") == 0;
		c = c || strcmp(json_string_value(json_object_get(v, "handle")), "carol") == 0;
	}
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 2);
	assert_true(a && c);
	client_free(&r);
	expect(&alice_token, "GET", p, NULL, 200);
	expect(&admin, "GET", p, NULL, 200);
	expect(&bob, "GET", p, NULL, 403);
	expect(&agent, "GET", p, NULL, 403);
	expect(nobody, "GET", p, NULL, 401);
	/* leaving is for members */
	body_path(p, sizeof(p), "/membership");
	expect(&bob, "DELETE", p, NULL, 404);
}

/* ---- proposals ------------------------------------------------------------------ */

/* campaign - the organisation's agent creates a cooperative campaign */
static void campaign(char *id, size_t n)
{
	char def[2048];
	struct resp r;

	snprintf(def, sizeof(def),
		 "{\"title\":{\"fr\":\"Profil horaire\",\"en\":\"Hourly profile\"},"
		 "\"purpose\":{\"fr\":\"Dimensionner la boucle locale.\",\"en\":\"Size the local"
		 " loop.\"},\"organisation\":\"%s\",\"source\":{\"series\":\"" LOAD_CURVE "\"},"
		 "\"period\":{\"from\":\"2026-01-01\",\"to\":\"2026-02-01\"},"
		 "\"group_by\":[\"hour_of_day\"],\"measures\":[{\"kind\":\"count\"}],"
		 "\"privacy\":{\"k\":2,\"mechanism\":\"laplace\",\"epsilon\":\"1\","
		 "\"max_cells_per_person\":24},\"opens\":\"2026-02-01T00:00:00Z\","
		 "\"closes\":\"2099-01-01T00:00:00Z\",\"governance\":{\"body\":\"cooperative\"},"
		 "\"licence\":\"etalab-2.0\"}",
		 ville);
	if (call(&agent, "POST", "/api/v1/campaigns", def, &r) != 201)
		fail_msg("campaign: %ld %s", r.status, r.body);
	snprintf(id, n, "%s", json_string_value(json_object_get(r.json, "id")));
	client_free(&r);
}

static char *proposal_request(const char *campaign_id, int64_t when, const char *ballot)
{
	char t[TIME_RFC3339_LEN], *text = malloc(1024);

	assert_non_null(text);
	time_format(t, when);
	snprintf(text, 1024,
		 "{\"campaign\":\"%s\",\"closes\":\"%s\",\"ballot\":\"%s\",\"text\":"
		 "{\"fr\":\"Approuver le profil horaire (\\u00e9lectricit\\u00e9).\","
		 "\"en\":\"Approve the hourly profile (electricity).\"}}",
		 campaign_id, t, ballot);
	return text;
}

static void proposals(void **state)
{
	char p[128], loc[200], *req;
	struct resp r;

	(void)state;
	campaign(c1, sizeof(c1));
	campaign(c2, sizeof(c2));
	/* the operator does not approve a cooperative's campaign */
	snprintf(p, sizeof(p), "/api/v1/campaigns/%s/approve", c1);
	expect(&admin, "POST", p, NULL, 403);
	/* nor can its organisation run it */
	snprintf(p, sizeof(p), "/api/v1/campaigns/%s/run", c1);
	expect(&agent, "POST", p, NULL, 409);

	closes = time_now_ms() + VOTE_MIN_MS + 1000;
	body_path(p, sizeof(p), "/proposals");
	/* shorter than the server's minimum, which the refusal states */
	req = proposal_request(c1, time_now_ms() + VOTE_MIN_MS / 2, "open");
	expect_detail(&agent, "POST", p, req, 400, "/closes: from 2 seconds to 90 days");
	free(req);
	req = proposal_request(c1, closes, "open");
	expect(nobody, "POST", p, req, 401);
	expect(&bob, "POST", p, req, 403);
	expect(&admin, "POST", p, req, 403);
	/* the campaign's organisation submits it, though not a member */
	if (call(&agent, "POST", p, req, &r) != 201)
		fail_msg("submit: %ld %s", r.status, r.body);
	snprintf(p1, sizeof(p1), "%s", json_string_value(json_object_get(r.json, "id")));
	assert_string_equal(json_string_value(json_object_get(r.json, "state")), "open");
	assert_string_equal(json_string_value(json_object_get(r.json, "ballot")), "open");
	assert_non_null(client_header(&r, "Location", loc, sizeof(loc)));
	assert_non_null(strstr(loc, p1));
	client_free(&r);
	/* a member may too, but one proposal about a campaign is open at a
	 * time: past the authorization, a conflict */
	expect_detail(&alice, "POST", p, req, 409, "/campaign");
	expect_detail(&alice_token, "POST", p, req, 409, "/campaign");
	free(req);
	req = proposal_request(c2, closes, "secret");
	expect(&bob, "POST", p, req, 403);
	if (call(&alice, "POST", p, req, &r) != 201)
		fail_msg("submit: %ld %s", r.status, r.body);
	snprintf(p2, sizeof(p2), "%s", json_string_value(json_object_get(r.json, "id")));
	assert_string_equal(json_string_value(json_object_get(r.json, "ballot")), "secret");
	client_free(&r);
	free(req);

	/* the list: members and the operator */
	assert_int_equal(call(&alice, "GET", p, NULL, &r), 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 2);
	client_free(&r);
	expect(&alice_token, "GET", p, NULL, 200);
	expect(&admin, "GET", p, NULL, 200);
	expect(&bob, "GET", p, NULL, 403);
	expect(&agent, "GET", p, NULL, 403);
	expect(nobody, "GET", p, NULL, 401);
	/* one proposal: 404 to non-members */
	proposal_path(p, sizeof(p), p1, "");
	expect(&alice, "GET", p, NULL, 200);
	expect(&alice_token, "GET", p, NULL, 200);
	expect(&admin, "GET", p, NULL, 200);
	expect(&bob, "GET", p, NULL, 404);
	expect(&agent, "GET", p, NULL, 404);
	expect(nobody, "GET", p, NULL, 401);
	expect(&alice, "GET", "/api/v1/proposals/00000000000000000000000000000000", NULL, 404);
}

static const char *my_vote(const struct resp *r)
{
	const char *v = json_string_value(json_pointer(r->json, "/my_vote/vote"));

	return v ? v : "";
}

static void votes(void **state)
{
	char p[128];
	struct resp r;

	(void)state;
	proposal_path(p, sizeof(p), p1, "/vote");
	expect(nobody, "PUT", p, "{\"vote\":\"yes\"}", 401);
	expect(&alice_token, "PUT", p, "{\"vote\":\"yes\"}", 403);
	expect(&bob, "PUT", p, "{\"vote\":\"yes\"}", 404);
	expect(&agent, "PUT", p, "{\"vote\":\"yes\"}", 404);
	expect(&admin, "PUT", p, "{\"vote\":\"yes\"}", 403);
	expect(&alice, "PUT", p, "{\"vote\":\"maybe\"}", 400);
	/* a vote, changed, changed back */
	assert_int_equal(call(&alice, "PUT", p, "{\"vote\":\"no\"}", &r), 200);
	assert_string_equal(my_vote(&r), "no");
	assert_null(json_object_get(r.json, "votes"));
	client_free(&r);
	assert_int_equal(call(&alice, "PUT", p, "{\"vote\":\"yes\"}", &r), 200);
	assert_string_equal(my_vote(&r), "yes");
	client_free(&r);
	expect(&carol, "PUT", p, "{\"vote\":\"yes\"}", 200);
	proposal_path(p, sizeof(p), p1, "");
	assert_int_equal(call(&carol, "GET", p, NULL, &r), 200);
	assert_string_equal(my_vote(&r), "yes");
	client_free(&r);
	proposal_path(p, sizeof(p), p2, "/vote");
	expect(&alice, "PUT", p, "{\"vote\":\"yes\"}", 200);
	expect(&carol, "PUT", p, "{\"vote\":\"no\"}", 200);
	/* dave joins, votes against, and leaves before the close: his vote
	 * does not count */
	body_path(p, sizeof(p), "/membership");
	expect(&dave, "POST", p, "{\"college\":\"local_authority\"}", 200);
	proposal_path(p, sizeof(p), p1, "/vote");
	expect(&dave, "PUT", p, "{\"vote\":\"no\"}", 200);
	body_path(p, sizeof(p), "/membership");
	assert_int_equal(call(&dave, "DELETE", p, NULL, &r), 200);
	assert_int_equal(json_integer_value(json_object_get(r.json, "campaigns_withdrawn")), 0);
	client_free(&r);
	proposal_path(p, sizeof(p), p1, "/vote");
	expect(&dave, "PUT", p, "{\"vote\":\"yes\"}", 404);

	/* the debate: members in threads, the operator moderates */
	{
		char first[40], hide[96];

		proposal_path(p, sizeof(p), p1, "/comments");
		expect(nobody, "POST", p, "{\"text\":\"Bonjour\"}", 401);
		expect(&alice_token, "POST", p, "{\"text\":\"Bonjour\"}", 403);
		expect(&bob, "POST", p, "{\"text\":\"Bonjour\"}", 404);
		expect(&alice, "POST", p, "{\"text\":\"  \"}", 400);
		assert_int_equal(call(&alice, "POST", p, "{\"text\":\"Pourquoi ce seuil ?\"}", &r),
				 201);
		snprintf(first, sizeof(first), "%s", json_string_value(json_object_get(r.json, "id")));
		client_free(&r);
		snprintf(hide, sizeof(hide), "{\"text\":\"La loi.\",\"parent\":\"%s\"}", first);
		expect(&carol, "POST", p, hide, 201);
		expect(&bob, "GET", p, NULL, 404);
		expect(nobody, "GET", p, NULL, 401);
		assert_int_equal(call(&alice_token, "GET", p, NULL, &r), 200);
		assert_int_equal(json_array_size(json_object_get(r.json, "items")), 2);
		assert_string_equal(json_string_value(json_pointer(r.json, "/items/1/parent")), first);
		assert_string_equal(json_string_value(json_pointer(r.json, "/items/0/author")),
				    "alice");
		client_free(&r);
		snprintf(hide, sizeof(hide), "/api/v1/comments/%s/hide", first);
		expect(nobody, "POST", hide, "{}", 401);
		expect(&bob, "POST", hide, "{\"reason\":\"x\"}", 404);
		expect(&carol, "POST", hide, "{\"reason\":\"x\"}", 403);
		expect(&admin, "POST", hide, "{}", 400);
		expect(&admin, "POST", hide, "{\"reason\":\"Hors charte\"}", 204);
		expect(&admin, "POST", hide, "{\"reason\":\"Encore\"}", 409);
		assert_int_equal(call(&alice, "GET", p, NULL, &r), 200);
		assert_null(json_pointer(r.json, "/items/0/text"));
		assert_string_equal(json_string_value(json_pointer(r.json, "/items/0/hidden/by")),
				    "moderation");
		assert_string_equal(json_string_value(json_pointer(r.json, "/items/0/hidden/reason")),
				    "Hors charte");
		assert_string_equal(json_string_value(json_pointer(r.json, "/items/1/text")),
				    "La loi.");
		client_free(&r);
	}

	/* before its time, no close */
	proposal_path(p, sizeof(p), p1, "/close");
	expect_detail(&alice, "POST", p, NULL, 409, "the vote is open until");
	expect(&alice_token, "POST", p, NULL, 409);
	expect(&admin, "POST", p, NULL, 409);
	expect(&bob, "POST", p, NULL, 404);
	expect(&agent, "POST", p, NULL, 404);
	expect(nobody, "POST", p, NULL, 401);
}

/* ---- the public register --------------------------------------------------------- */

static unsigned char pk[crypto_sign_PUBLICKEYBYTES];
static char kid[64];

static unsigned char *b64(const char *s, size_t n, size_t *len)
{
	char *in = strndup(s, n);
	unsigned char *out = NULL;

	assert_non_null(in);
	if (str_b64url_decode(in, &out, len) != CMN_OK)
		fail_msg("not base64url: %s", in);
	free(in);
	return out;
}

/* the platform key, from /.well-known/jwks.json */
static void platform_key(void)
{
	struct resp r;
	json_t *k;
	unsigned char *x;
	size_t n = 0;

	assert_int_equal(call(nobody, "GET", "/.well-known/jwks.json", NULL, &r), 200);
	k = json_array_get(json_object_get(r.json, "keys"), 0);
	assert_string_equal(json_string_value(json_object_get(k, "crv")), "Ed25519");
	x = b64(json_string_value(json_object_get(k, "x")),
		strlen(json_string_value(json_object_get(k, "x"))), &n);
	assert_int_equal(n, sizeof(pk));
	memcpy(pk, x, sizeof(pk));
	free(x);
	snprintf(kid, sizeof(kid), "%s", json_string_value(json_object_get(k, "kid")));
	client_free(&r);
}

static void hash_part(crypto_generichash_state *h, const void *p, uint64_t n)
{
	unsigned char len[8];

	for (int i = 0; i < 8; i++)
		len[i] = (unsigned char)(n >> (8 * i));
	crypto_generichash_update(h, len, sizeof(len));
	crypto_generichash_update(h, p, n);
}

/* entry_hash - the recipe of docs/governance.md, from what the API shows */
static void entry_hash(json_t *e, char out[65])
{
	static const char tag[] = "commune.govern.register.v1";
	const char *prev = json_string_value(json_object_get(e, "prev"));
	const char *kind = json_string_value(json_object_get(e, "kind"));
	char *payload = json_dumps(json_object_get(e, "payload"), JSON_COMPACT | JSON_SORT_KEYS);
	uint64_t seq = (uint64_t)json_integer_value(json_object_get(e, "seq"));
	int64_t at;
	unsigned char num[16], d[32];
	crypto_generichash_state h;

	assert_non_null(payload);
	assert_int_equal(time_parse(json_string_value(json_object_get(e, "at")), false, &at), CMN_OK);
	for (int i = 0; i < 8; i++) {
		num[i] = (unsigned char)(seq >> (8 * i));
		num[8 + i] = (unsigned char)((uint64_t)at >> (8 * i));
	}
	crypto_generichash_init(&h, NULL, 0, sizeof(d));
	hash_part(&h, tag, sizeof(tag) - 1);
	hash_part(&h, prev, strlen(prev));
	hash_part(&h, num, sizeof(num));
	hash_part(&h, kind, strlen(kind));
	hash_part(&h, payload, strlen(payload));
	crypto_generichash_final(&h, d, sizeof(d));
	sodium_bin2hex(out, 65, d, sizeof(d));
	free(payload);
}

/* verify_register - every entry of the public register: seq in order, prev
 * the hash before, its hash recomputed, its JWS (EdDSA, the platform's kid)
 * over its hash checked with the public key; the register as a new
 * reference */
static json_t *verify_register(void)
{
	char p[128], prev[65] = "";
	struct resp r;
	size_t i;
	json_t *e, *entries;

	body_path(p, sizeof(p), "/register");
	assert_int_equal(call(nobody, "GET", p, NULL, &r), 200);
	assert_string_equal(json_string_value(json_object_get(r.json, "body")), coop);
	entries = json_incref(json_object_get(r.json, "entries"));
	client_free(&r);
	json_array_foreach(entries, i, e) {
		const char *sig = json_string_value(json_object_get(e, "sig"));
		const char *hash = json_string_value(json_object_get(e, "hash"));
		const char *d1 = strchr(sig, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
		unsigned char *hdr, *payload, *s;
		size_t hn, pn, sn;
		char want[65];
		json_t *h;

		assert_int_equal(json_integer_value(json_object_get(e, "seq")), (json_int_t)i + 1);
		assert_string_equal(json_string_value(json_object_get(e, "prev")), prev);
		entry_hash(e, want);
		assert_string_equal(hash, want);
		assert_non_null(d2);
		hdr = b64(sig, (size_t)(d1 - sig), &hn);
		payload = b64(d1 + 1, (size_t)(d2 - d1 - 1), &pn);
		s = b64(d2 + 1, strlen(d2 + 1), &sn);
		h = json_loadb((const char *)hdr, hn, 0, NULL);
		assert_non_null(h);
		assert_string_equal(json_string_value(json_object_get(h, "alg")), "EdDSA");
		assert_string_equal(json_string_value(json_object_get(h, "kid")), kid);
		json_decref(h);
		assert_int_equal(pn, strlen(hash));
		assert_memory_equal(payload, hash, pn);
		assert_int_equal(sn, crypto_sign_BYTES);
		if (crypto_sign_verify_detached(s, (const unsigned char *)sig, (size_t)(d2 - sig),
						pk) != 0)
			fail_msg("entry %zu: the signature does not verify", i + 1);
		free(hdr);
		free(payload);
		free(s);
		snprintf(prev, sizeof(prev), "%s", hash);
	}
	return entries;
}

/* kind_at - the kind of entry i (0-based) */
static const char *kind_at(json_t *entries, size_t i)
{
	const char *k = json_string_value(json_object_get(json_array_get(entries, i), "kind"));

	return k ? k : "";
}

/* names_nobody - no person id or handle in the register's payloads */
static void names_nobody(json_t *entries)
{
	const struct who *all[] = {&alice, &carol, &dave, &bob, &agent, &admin};
	size_t i;
	json_t *e;

	json_array_foreach(entries, i, e) {
		char *text = json_dumps(json_object_get(e, "payload"), JSON_COMPACT);

		assert_non_null(text);
		for (size_t k = 0; k < sizeof(all) / sizeof(*all); k++)
			if (strstr(text, all[k]->id) || strstr(text, all[k]->handle))
				fail_msg("entry %zu names %s: %s", i + 1, all[k]->handle, text);
		free(text);
	}
}

static void register_is_public(void **state)
{
	json_t *entries;

	(void)state;
	platform_key();
	entries = verify_register();
	/* body.create, alice and carol join, two submissions, dave joins and
	 * leaves */
	assert_int_equal(json_array_size(entries), 7);
	assert_string_equal(kind_at(entries, 0), "body.create");
	assert_string_equal(kind_at(entries, 1), "member.join");
	assert_string_equal(kind_at(entries, 2), "member.join");
	assert_string_equal(kind_at(entries, 3), "proposal.submit");
	assert_string_equal(kind_at(entries, 4), "proposal.submit");
	assert_string_equal(kind_at(entries, 5), "member.join");
	assert_string_equal(kind_at(entries, 6), "member.leave");
	names_nobody(entries);
	json_decref(entries);
	expect(nobody, "GET", "/api/v1/bodies/00000000000000000000000000000000/register", NULL,
	       404);
}

/* ---- once the votes are over --------------------------------------------------- */

static void after_the_close(void **state)
{
	char p[128];
	struct resp r;
	int64_t wait = closes + 500 - time_now_ms();
	json_t *entries, *d;
	size_t i, votes_shown;
	json_t *v;
	bool dave_shown = false;

	(void)state;
	if (wait > 0) {
		struct timespec ts = {(time_t)(wait / 1000), (long)(wait % 1000) * 1000000L};

		print_message("waiting %lld ms for the votes to close\n", (long long)wait);
		nanosleep(&ts, NULL);
	}
	proposal_path(p, sizeof(p), p1, "/vote");
	expect_detail(&carol, "PUT", p, "{\"vote\":\"no\"}", 409, "the vote is closed");
	/* a member closes it (with her token): yes from alice (producers, 50)
	 * and carol (beneficiaries, 30), the local authority silent: 4/5 */
	proposal_path(p, sizeof(p), p1, "/close");
	expect(&bob, "POST", p, NULL, 404);
	expect(&agent, "POST", p, NULL, 404);
	if (call(&alice_token, "POST", p, NULL, &r) != 200)
		fail_msg("close: %ld %s", r.status, r.body);
	assert_string_equal(json_string_value(json_object_get(r.json, "state")), "approved");
	assert_string_equal(json_string_value(json_pointer(r.json, "/tally/score")), "4/5");
	assert_int_equal(json_integer_value(json_pointer(r.json, "/tally/members")), 2);
	assert_int_equal(json_integer_value(json_pointer(r.json, "/tally/no")), 0);
	assert_non_null(json_object_get(r.json, "decided"));
	/* an open ballot, decided: the votes by handle, to members; those the
	 * tally counted, which dave's is not (he left before the close) */
	json_array_foreach(json_object_get(r.json, "votes"), i, v)
		if (strcmp(json_string_value(json_object_get(v, "handle")), "dave") == 0)
			dave_shown = true;
	votes_shown = json_array_size(json_object_get(r.json, "votes"));
	client_free(&r);
	expect(&alice, "POST", p, NULL, 409);
	/* the campaign is approved: the agent runs nothing before its period
	 * is over, but it is no longer a draft */
	snprintf(p, sizeof(p), "/api/v1/campaigns/%s", c1);
	assert_int_equal(call(&agent, "GET", p, NULL, &r), 200);
	assert_string_equal(json_string_value(json_object_get(r.json, "state")), "approved");
	client_free(&r);

	/* the operator closes the secret one: producers for, beneficiaries
	 * against, the local authority silent: 50 %, not more than half */
	proposal_path(p, sizeof(p), p2, "/close");
	if (call(&admin, "POST", p, NULL, &r) != 200)
		fail_msg("close: %ld %s", r.status, r.body);
	assert_string_equal(json_string_value(json_object_get(r.json, "state")), "rejected");
	assert_string_equal(json_string_value(json_pointer(r.json, "/tally/score")), "1/2");
	assert_null(json_object_get(r.json, "votes"));
	assert_int_equal(json_integer_value(json_pointer(r.json, "/tally/yes")), 1);
	assert_int_equal(json_integer_value(json_pointer(r.json, "/tally/no")), 1);
	client_free(&r);
	proposal_path(p, sizeof(p), p2, "");
	assert_int_equal(call(&carol, "GET", p, NULL, &r), 200);
	assert_null(json_object_get(r.json, "votes"));
	assert_string_equal(my_vote(&r), "no");
	client_free(&r);

	/* the decisions in the public register, signed */
	entries = verify_register();
	assert_int_equal(json_array_size(entries), 9);
	assert_string_equal(kind_at(entries, 7), "proposal.decide");
	assert_string_equal(kind_at(entries, 8), "proposal.decide");
	d = json_object_get(json_array_get(entries, 7), "payload");
	assert_string_equal(json_string_value(json_object_get(d, "outcome")), "approved");
	assert_string_equal(json_string_value(json_pointer(d, "/tally/rule")),
			    "weighted_colleges");
	assert_int_equal(json_array_size(json_object_get(d, "votes")), 2);
	json_array_foreach(json_object_get(d, "votes"), i, v)
		assert_int_equal(strlen(json_string_value(json_object_get(v, "member"))), 64);
	assert_null(json_object_get(json_object_get(json_array_get(entries, 8), "payload"),
				    "votes"));
	names_nobody(entries);
	json_decref(entries);
	/* src/api/api_govern.c, show_proposal(): the votes listed are every
	 * row of the proposal's votes, a former member's included, while the
	 * tally (and the register) count the present members' only */
	if (dave_shown || votes_shown != 2)
		fail_msg("GET /api/v1/proposals/{id} lists %zu votes for a tally of 2%s", votes_shown,
			 dave_shown ? ", among them dave's, who left before the close" : "");
}

/* ---- leaving ---------------------------------------------------------------------- */

static void leaving(void **state)
{
	char p[128];
	struct resp r;
	json_t *entries;

	(void)state;
	/* a cooperative's campaign is for its members */
	snprintf(p, sizeof(p), "/api/v1/campaigns/%s/participation", c1);
	expect(&bob, "POST", p, NULL, 403);
	expect(&alice, "POST", p, NULL, 200);

	body_path(p, sizeof(p), "/membership");
	expect(nobody, "DELETE", p, NULL, 401);
	expect(&alice_token, "DELETE", p, NULL, 403);
	assert_int_equal(call(&alice, "DELETE", p, NULL, &r), 200);
	assert_int_equal(json_integer_value(json_object_get(r.json, "campaigns_withdrawn")), 1);
	client_free(&r);
	expect(&alice, "DELETE", p, NULL, 404);
	/* her participation is withdrawn */
	snprintf(p, sizeof(p), "/api/v1/campaigns/%s", c1);
	assert_int_equal(call(&alice, "GET", p, NULL, &r), 200);
	assert_non_null(json_pointer(r.json, "/participation/withdrawn"));
	client_free(&r);
	snprintf(p, sizeof(p), "/api/v1/campaigns/%s/participation", c1);
	expect(&alice, "POST", p, NULL, 403);
	/* a former member sees no more than anyone */
	body_path(p, sizeof(p), "/members");
	expect(&alice, "GET", p, NULL, 403);
	body_path(p, sizeof(p), "/proposals");
	expect(&alice, "GET", p, NULL, 403);
	proposal_path(p, sizeof(p), p1, "");
	expect(&alice, "GET", p, NULL, 404);
	body_path(p, sizeof(p), "");
	assert_int_equal(call(&alice, "GET", p, NULL, &r), 200);
	assert_non_null(json_pointer(r.json, "/membership/left"));
	client_free(&r);
	/* recorded */
	entries = verify_register();
	assert_int_equal(json_array_size(entries), 10);
	assert_string_equal(kind_at(entries, 9), "member.leave");
	assert_int_equal(json_integer_value(json_pointer(json_array_get(entries, 9),
							 "/payload/campaigns_withdrawn")),
			 1);
	json_decref(entries);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bodies),
		cmocka_unit_test(membership),
		cmocka_unit_test(proposals),
		cmocka_unit_test(votes),
		cmocka_unit_test(register_is_public),
		cmocka_unit_test(after_the_close),
		cmocka_unit_test(leaving),
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
