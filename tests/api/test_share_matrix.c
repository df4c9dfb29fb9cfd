/*
 * test_share_matrix.c - issue 7's authorization matrix: the matrix of
 * test_grants.c extended to shares, the inbox and mandates. Every route of
 * the server (api_routes: a route added later is in the matrix without
 * anyone thinking of it) is called by everyone who stands somewhere around
 * alice's shares and mandates: alice herself; bob, a professional of the
 * CCAS, without a header, under his share before and after its passcode,
 * under a share alice revoked; carl, an agent of the CCAS, under the share
 * to his organisation and naming bob's; eve, a stranger, naming bob's share
 * and on her own; whoever holds alice's link, with its passcode and with a
 * wrong one; medi under an active mandate, medo under an ended one; nobody.
 *
 * Alice's data carries a marker in everything no share shows (and the
 * objects no share covers are known by their ids), each share a marker of
 * its own in its purpose and its notes; nothing marked may reach anyone it
 * is not for. Under a share only reads of data pass, under a mandate only
 * its procedure, a revoked share is 410, a locked one 403, another's 404;
 * in one's own store, alice's ids answer as ids of nothing. Around the
 * matrix: who lists what (inboxes, shares, mandates), what readers get,
 * the shared dashboards, and naming another's share, note or mandate.
 *
 * Each wrong answer is printed (caller, method, path, status, body) and the
 * whole matrix runs before the test fails, so one run shows every hole.
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

#include "api/api.h"
#include "client.h"
#include "server.h"

#define MARK "MARK-alice-"        /* in every value of alice's that no share shows */
#define POINT "7731359"           /* the value of alice's series' point (no text there) */
#define PLACEHOLDER "0123456789abcdef0123456789abcdef" /* an id of nothing */
#define BOB_PASSCODE "418-902-77"
#define UNLOCK_BODY "{\"passcode\":\"" BOB_PASSCODE "\"}"
#define LINK_PASSCODE "city-2025-ok"
#define CURVE                                                                          \
	"Identifiant PRM;Type de donnees;Unite;Pas en minutes\n"                         \
	"98765432109876;Courbe de charge;W;30\nHorodate;Valeur\n"                        \
	"2025-03-01T00:30:00+01:00;500\n2025-03-01T01:00:00+01:00;510\n"

static const char *bin;

/* alice's shares; the marker of each is in its purpose */
enum share {
	SH_BOB,                           /* to bob, with a passcode, some fields */
	SH_ORG,                           /* to the CCAS: any of its agents */
	SH_LINK,                          /* by link, with a passcode */
	SH_GONE,                          /* to bob, revoked by alice */
	NSHARE,
};

static const char *const share_mark[NSHARE] = {"SHR-bob-", "SHR-org-", "SHR-link-",
					       "SHR-gone-"};

#define SEES(k) (1u << (k))
#define SEES_ALL ((1u << NSHARE) - 1)

/* what a caller's row must show */
enum expect {
	EXPECT_OWNER,                     /* alice: anything */
	EXPECT_OWN_STORE,                 /* no header: their own store, none of alice's ids */
	EXPECT_READER,                    /* under a live share: reads of data at most */
	EXPECT_LOCKED,                    /* a share not unlocked: 403 */
	EXPECT_GONE,                      /* a revoked share: 410 */
	EXPECT_STRANGER,                  /* naming a share not theirs: 404 */
	EXPECT_WRONG_PASSCODE,            /* a link with a wrong passcode: 403, then 429 */
	EXPECT_MANDATE,                   /* under a mandate: its procedure's routes only */
	EXPECT_ENDED,                     /* under an ended mandate: nothing */
	EXPECT_ANONYMOUS,                 /* nobody: 401 */
};

/* what each row must show, in the messages */
static const char *const expect_text[] = {
	[EXPECT_READER] = "under a share only GETs of records, series and files may pass",
	[EXPECT_LOCKED] = "before the passcode: 403 on data routes, refused elsewhere",
	[EXPECT_GONE] = "a revoked share: 410 on data routes, refused elsewhere",
	[EXPECT_STRANGER] = "a share not theirs: 404 on data routes, refused elsewhere",
	[EXPECT_WRONG_PASSCODE] = "a wrong passcode: 403 or 429 on data routes, refused elsewhere",
	[EXPECT_MANDATE] = "under a mandate only its procedure's routes may pass",
	[EXPECT_ENDED] = "under an ended mandate everything is refused",
	[EXPECT_ANONYMOUS] = "nobody: 401",
};

enum who {
	ALICE, BOB, BOB_LOCKED, BOB_OPEN, BOB_GONE, CARL_ORG, CARL_BOB, EVE_BOB, EVE, LINK,
	LINK_WRONG, MEDI, MEDO, ANON, NCALLER,
};

struct caller {
	const char *name;                 /* for the messages */
	const char *handle;               /* who logs in, or NULL */
	enum expect expect;
	unsigned sees;                    /* the share markers that may reach them */
	char auth[400];                   /* "Cookie: ..." or "Authorization: ...", or "" */
	char csrf[200];                   /* "X-CSRF-Token: ..." with a session, or "" */
	char extra[200];                  /* "Commune-Consent: ..." or "Commune-Passcode: ..." */
	unsigned ok;                      /* 2xx answers */
	unsigned passed;                  /* data or procedure routes past authorization */
};

/*
 * bob is a professional of the CCAS: the share to the CCAS is addressed
 * to him too (the inbox lists "the shares addressed to me or to my
 * organisation"), so its marker may reach him; carl only sees the CCAS's.
 */
#define BOB_SEES (SEES(SH_BOB) | SEES(SH_GONE) | SEES(SH_ORG))
#define ROW(n, h, e, s) {.name = (n), .handle = (h), .expect = (e), .sees = (s)}

static struct caller callers[NCALLER] = {
	[ALICE] = ROW("alice (owner)", "alice", EXPECT_OWNER, SEES_ALL),
	[BOB] = ROW("bob without header", "bob", EXPECT_OWN_STORE, BOB_SEES),
	[BOB_LOCKED] = ROW("bob under his share, not unlocked", "bob", EXPECT_LOCKED, BOB_SEES),
	[BOB_OPEN] = ROW("bob under his share, unlocked", "bob", EXPECT_READER, BOB_SEES),
	[BOB_GONE] = ROW("bob under the revoked share", "bob", EXPECT_GONE, BOB_SEES),
	[CARL_ORG] = ROW("carl (CCAS agent) under the share to the CCAS", "carl", EXPECT_READER,
			 SEES(SH_ORG)),
	[CARL_BOB] = ROW("carl (CCAS agent) naming bob's share", "carl", EXPECT_STRANGER,
			 SEES(SH_ORG)),
	[EVE_BOB] = ROW("eve naming bob's share", "eve", EXPECT_STRANGER, 0),
	[EVE] = ROW("eve without header", "eve", EXPECT_OWN_STORE, 0),
	[LINK] = ROW("the link holder", NULL, EXPECT_READER, SEES(SH_LINK)),
	[LINK_WRONG] = ROW("the link holder with a wrong passcode", NULL, EXPECT_WRONG_PASSCODE,
			   SEES(SH_LINK)),
	[MEDI] = ROW("medi under the active mandate", "medi", EXPECT_MANDATE, 0),
	[MEDO] = ROW("medo under the ended mandate", "medo", EXPECT_ENDED, 0),
	[ANON] = ROW("anonymous", NULL, EXPECT_ANONYMOUS, 0),
};

static struct {
	struct test_server srv;
	char org_id[CRYPT_ID_LEN];        /* the CCAS */
	char alice[400], alice_csrf[200]; /* the setup's session */
	char rec_bank[64];                /* in the shares, the CCAS's chosen one */
	char rec_other[64];               /* in the shares but the CCAS's */
	char trip[64], series[64], file[64]; /* in no share: their ids never shown */
	char import[64];                  /* a file alice imported herself */
	char share[NSHARE][64];
	char link[200];                   /* "Authorization: Bearer csl_..." */
	char mandate_medi[64], mandate_medo[64];
	char note_alice[64], note_bob[64]; /* on the share to bob, by each */
} w;

/* what the matrix did, printed at the end */
static struct {
	size_t routes, requests, extra;   /* extra: placeholder ids and session probes */
	unsigned leaks, wrong;
	bool owner_saw_mark;
	unsigned owner_saw;               /* share markers seen by alice */
	char first[900];                  /* the first wrong answer, for fail_msg */
} tally;

/* ---- requests ------------------------------------------------------------------ */

/* call - one request with up to three header lines (NULL or "" for none). */
static long call(const char *a, const char *b, const char *c, const char *method,
		 const char *path, const char *ctype, const char *body, struct resp *r)
{
	const char *headers[6] = {0};
	char ct[80];
	size_t n = 0;

	if (a && *a)
		headers[n++] = a;
	if (b && *b)
		headers[n++] = b;
	if (c && *c)
		headers[n++] = c;
	if (body) {
		snprintf(ct, sizeof(ct), "Content-Type: %s", ctype ? ctype : "application/json");
		headers[n++] = ct;
	}
	assert_int_equal(client_request(w.srv.base, method, path, headers, body,
					body ? strlen(body) : 0, r),
			 0);
	return r->status;
}

/* as - a request by a caller, with all its headers. */
static long as(const struct caller *c, const char *method, const char *path, const char *body,
	       struct resp *r)
{
	return call(c->auth, c->csrf, c->extra, method, path, NULL, body, r);
}

/* bare - a request by a caller's session, without its consent header. */
static long bare(const struct caller *c, const char *method, const char *path, const char *body,
		 struct resp *r)
{
	return call(c->auth, c->csrf, NULL, method, path, NULL, body, r);
}

/* by_alice - a request of the setup, which must answer want. */
static void by_alice(const char *method, const char *path, const char *ctype, const char *body,
		     long want, char *id, size_t idlen)
{
	struct resp r;

	if (call(w.alice, w.alice_csrf, NULL, method, path, ctype, body, &r) != want)
		fail_msg("setup: %s %s by alice: %ld, not %ld: %.300s", method, path, r.status,
			 want, r.body ? r.body : "");
	if (id)
		snprintf(id, idlen, "%s", json_string_value(json_object_get(r.json, "id")));
	client_free(&r);
}

static bool login(const char *handle, char *cookie, size_t clen, char *csrf, size_t slen)
{
	char pw[100];

	snprintf(pw, sizeof(pw), "pw-%s-correct-horse", handle);
	return client_login(w.srv.base, handle, pw, cookie, clen, csrf, slen) == 0;
}

static void in_days(int days, char out[32])
{
	time_t t = time(NULL) + (time_t)days * 86400;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- the world ------------------------------------------------------------------ */

/* users - the CCAS with bob (professional) and carl (agent), residents
 * alice and eve, mediators medi and medo. */
static bool users(void)
{
	static const char *const plain[][2] = {
		{"alice", "resident"}, {"eve", "resident"}, {"medi", "mediator"},
		{"medo", "mediator"},
	};
	static const char *const ccas[][2] = {{"bob", "professional"}, {"carl", "agent"}};
	char out[512], pw[100];
	const char *tab;

	if (test_cli(&w.srv, NULL, out, sizeof(out), "org", "add", "CCAS", "--kind", "city",
		     NULL) != 0 ||
	    !(tab = strchr(out, '\t')))
		return false;
	snprintf(w.org_id, sizeof(w.org_id), "%.*s", (int)strcspn(tab + 1, "\t\n"), tab + 1);
	for (size_t i = 0; i < sizeof(plain) / sizeof(*plain); i++) {
		snprintf(pw, sizeof(pw), "pw-%s-correct-horse", plain[i][0]);
		if (!test_add_user(&w.srv, plain[i][0], plain[i][1], pw))
			return false;
	}
	for (size_t i = 0; i < sizeof(ccas) / sizeof(*ccas); i++) {
		snprintf(pw, sizeof(pw), "pw-%s-correct-horse\n", ccas[i][0]);
		if (test_cli(&w.srv, pw, out, sizeof(out), "user", "add", ccas[i][0], "--role",
			     ccas[i][1], "--org", "CCAS", NULL) != 0)
			return false;
	}
	return true;
}

/* alice_data - records, a series and a file; the marked values are those
 * no share shows (fields left out, a doctype no share names). */
static void alice_data(void)
{
	by_alice("POST", "/api/v1/records/bank.transaction", NULL,
		 "{\"date\":\"2025-01-15\",\"amount\":-42.1,\"currency\":\"EUR\",\"label\":\"" MARK
		 "rent\",\"account\":\"" MARK "account\"}",
		 201, w.rec_bank, sizeof(w.rec_bank));
	by_alice("POST", "/api/v1/records/bank.transaction", NULL,
		 "{\"date\":\"2025-03-10\",\"amount\":610.0,\"currency\":\"EUR\",\"label\":\"" MARK
		 "salary\",\"counterparty\":\"" MARK "employer\"}",
		 201, w.rec_other, sizeof(w.rec_other));
	by_alice("POST", "/api/v1/records/social.allowance", NULL,
		 "{\"period_start\":\"2025-02-01\",\"kind\":\"apl\",\"amount\":212.5,"
		 "\"payer\":\"caf\",\"reference\":\"" MARK "caf-reference\"}",
		 201, NULL, 0);
	by_alice("POST", "/api/v1/records/mobility.trip", NULL,
		 "{\"start\":\"2025-02-01T08:00:00Z\",\"end\":\"2025-02-01T08:20:00Z\","
		 "\"mode\":\"bike\",\"from\":{\"lat\":48.85,\"lon\":2.35,\"label\":\"" MARK
		 "home\"}}",
		 201, w.trip, sizeof(w.trip));
	by_alice("POST", "/api/v1/series", NULL,
		 "{\"doctype\":\"energy.electricity.load_curve\",\"source\":\"test\","
		 "\"key\":\"" MARK "meter\",\"unit\":\"W\",\"step_s\":1800}",
		 201, w.series, sizeof(w.series));
	{
		char path[200];
		struct resp r;

		snprintf(path, sizeof(path), "/api/v1/series/%s/points", w.series);
		if (call(w.alice, w.alice_csrf, NULL, "POST", path, NULL,
			 "{\"points\":[[\"2025-02-01T00:00:00Z\"," POINT "]]}", &r) / 100 != 2)
			fail_msg("setup: points: %ld %s", r.status, r.body ? r.body : "");
		client_free(&r);
	}
	by_alice("POST", "/api/v1/files?name=" MARK "payslip.txt", "text/plain",
		 MARK "payslip-content", 201, w.file, sizeof(w.file));
	/* her own import: its name is hers, not a mediator's to read */
	by_alice("POST", "/api/v1/imports?name=" MARK "linky.csv", "text/csv", CURVE, 201, w.import,
		 sizeof(w.import));
}

/* share_body - the body of one of alice's shares: two doctypes of a
 * quarter, some of their fields; the CCAS's names one chosen record. */
static void share_body(enum share k, char *out, size_t n)
{
	static const char *const with[NSHARE] = {
		"{\"kind\":\"person\",\"handle\":\"bob\"}", "{\"kind\":\"org\",\"id\":\"%s\"}",
		"{\"kind\":\"link\"}", "{\"kind\":\"person\",\"handle\":\"bob\"}",
	};
	char who[120], what[200], until[32];

	in_days(30, until);
	snprintf(who, sizeof(who), with[k], w.org_id);
	if (k == SH_ORG)
		snprintf(what, sizeof(what), "\"records\":[\"bank.transaction/%s\"]", w.rec_bank);
	else
		snprintf(what, sizeof(what),
			 "\"doctypes\":[\"bank.transaction\",\"social.allowance\"],"
			 "\"from\":\"2025-01-01\",\"to\":\"2025-04-01\"");
	snprintf(out, n,
		 "{\"with\":%s,%s,\"fields\":[\"date\",\"amount\",\"period_start\",\"kind\"],"
		 "\"until\":\"%s\",\"purpose\":{\"fr\":\"%s droits\",\"en\":\"%s rights\"}%s}",
		 who, what, until, share_mark[k], share_mark[k],
		 k == SH_BOB    ? ",\"passcode\":\"" BOB_PASSCODE "\""
		 : k == SH_LINK ? ",\"passcode\":\"" LINK_PASSCODE "\""
				: "");
}

static void shares(void)
{
	char body[1200], path[200];
	struct resp r;

	for (int k = 0; k < NSHARE; k++) {
		share_body((enum share)k, body, sizeof(body));
		if (call(w.alice, w.alice_csrf, NULL, "POST", "/api/v1/shares", NULL, body, &r) !=
		    201)
			fail_msg("setup: share %s: %ld %s", share_mark[k], r.status,
				 r.body ? r.body : "");
		snprintf(w.share[k], sizeof(w.share[k]), "%s",
			 json_string_value(json_object_get(r.json, "id")));
		if (k == SH_LINK)
			snprintf(w.link, sizeof(w.link), "Authorization: Bearer %s",
				 json_string_value(json_pointer(r.json, "/share/link")));
		client_free(&r);
	}
	snprintf(path, sizeof(path), "/api/v1/shares/%s", w.share[SH_GONE]);
	by_alice("DELETE", path, NULL, NULL, 204, NULL, 0);
}

/* mandate - a mediator's mandate for imports, confirmed by alice. */
static void mandate(const struct caller *c, char *id, size_t n)
{
	char body[200], until[32], path[200];
	struct resp r;

	in_days(7, until);
	snprintf(body, sizeof(body),
		 "{\"person\":\"alice\",\"procedures\":[\"import\"],\"until\":\"%s\"}", until);
	if (bare(c, "POST", "/api/v1/mandates", body, &r) != 201)
		fail_msg("setup: mandate of %s: %ld %s", c->handle, r.status, r.body ? r.body : "");
	snprintf(id, n, "%s", json_string_value(json_object_get(r.json, "id")));
	client_free(&r);
	snprintf(path, sizeof(path), "/api/v1/mandates/%s/confirm", id);
	by_alice("POST", path, NULL, NULL, 200, NULL, 0);
}

/* caller_login - a session of its own for each row that has one (a
 * logout in one row ends no other). */
static bool caller_login(struct caller *c)
{
	return !c->handle || login(c->handle, c->auth, sizeof(c->auth), c->csrf, sizeof(c->csrf));
}

/* note - a note on a share by a caller's session; its id into id. */
static void note(const struct caller *c, enum share k, const char *text, char *id, size_t n)
{
	char path[200], body[200];
	struct resp r;

	snprintf(path, sizeof(path), "/api/v1/shares/%s/notes", w.share[k]);
	snprintf(body, sizeof(body), "{\"text\":\"%s %s\"}", share_mark[k], text);
	if (bare(c, "POST", path, body, &r) != 201)
		fail_msg("setup: note of %s: %ld %s", c->name, r.status, r.body ? r.body : "");
	if (id)
		snprintf(id, n, "%s", json_string_value(json_object_get(r.json, "id")));
	client_free(&r);
}

/* notes - the shared dashboards: alice and the grantees write to each
 * other, each note carrying its share's marker. */
static void notes(void)
{
	note(&callers[ALICE], SH_BOB, "from alice", w.note_alice, sizeof(w.note_alice));
	note(&callers[BOB_OPEN], SH_BOB, "from bob", w.note_bob, sizeof(w.note_bob));
	note(&callers[ALICE], SH_ORG, "from alice", NULL, 0);
	note(&callers[CARL_ORG], SH_ORG, "from carl", NULL, 0);
}

/* consent_of - the share or mandate a row names in Commune-Consent, or NULL. */
static const char *consent_of(enum who k)
{
	switch (k) {
	case BOB_LOCKED:
	case BOB_OPEN:
	case CARL_BOB:
	case EVE_BOB:
		return w.share[SH_BOB];
	case BOB_GONE:
		return w.share[SH_GONE];
	case CARL_ORG:
		return w.share[SH_ORG];
	case MEDI:
		return w.mandate_medi;
	case MEDO:
		return w.mandate_medo;
	default:
		return NULL;
	}
}

/* caller_headers - what each row names, once the shares and mandates
 * exist (curl drops a header line with an empty value: an empty id would
 * silently turn a row into its caller's own store). */
static void caller_headers(enum who k)
{
	struct caller *c = &callers[k];
	const char *id = consent_of(k);

	if (id) {
		assert_int_equal(strlen(id), CRYPT_ID_LEN - 1);
		snprintf(c->extra, sizeof(c->extra), "Commune-Consent: %s", id);
	}
	if (k == LINK || k == LINK_WRONG) {
		assert_non_null(strstr(w.link, "Bearer csl_"));
		snprintf(c->auth, sizeof(c->auth), "%s", w.link);
		snprintf(c->extra, sizeof(c->extra), "Commune-Passcode: %s",
			 k == LINK ? LINK_PASSCODE : "not-the-passcode");
	}
}

static int world_up(void **state)
{
	char path[200];
	struct resp r;

	(void)state;
	if (!test_data_dir(&w.srv, bin) || !users() || !test_server_start(&w.srv, NULL) ||
	    !login("alice", w.alice, sizeof(w.alice), w.alice_csrf, sizeof(w.alice_csrf)))
		return -1;
	for (int k = 0; k < NCALLER; k++)
		if (!caller_login(&callers[k]))
			return -1;
	alice_data();
	shares();
	mandate(&callers[MEDI], w.mandate_medi, sizeof(w.mandate_medi));
	mandate(&callers[MEDO], w.mandate_medo, sizeof(w.mandate_medo));
	snprintf(path, sizeof(path), "/api/v1/mandates/%s/end", w.mandate_medo);
	by_alice("POST", path, NULL, NULL, 204, NULL, 0);
	for (int k = 0; k < NCALLER; k++)
		caller_headers((enum who)k);
	/* bob opens his share in one session; the other stays locked */
	snprintf(path, sizeof(path), "/api/v1/shares/%s/unlock", w.share[SH_BOB]);
	if (bare(&callers[BOB_OPEN], "POST", path, UNLOCK_BODY, &r) != 204) {
		fprintf(stderr, "setup: unlock: %ld %s\n", r.status, r.body ? r.body : "");
		client_free(&r);
		return -1;
	}
	client_free(&r);
	notes();
	return 0;
}

static int world_down(void **state)
{
	(void)state;
	fprintf(stderr,
		"share matrix: %d callers x %zu routes = %zu requests (+%zu with placeholder ids "
		"or session probes), %u leaks, %u wrong answers\n",
		NCALLER, tally.routes, tally.requests, tally.extra, tally.leaks, tally.wrong);
	return test_server_stop(&w.srv, true) == 0 ? 0 : -1;
}

/* ---- paths ---------------------------------------------------------------------- */

/* collection_of - the literal segment before the parameter at p, skipping
 * other parameters ("records" for the {id} of /records/{doctype}/{id}). */
static void collection_of(const char *pattern, const char *p, char *out, size_t n)
{
	const char *end = p, *start;

	out[0] = '\0';
	while (end > pattern) {
		end--; /* the '/' before the segment */
		start = end;
		while (start > pattern && start[-1] != '/')
			start--;
		if (*start != '{') {
			snprintf(out, n, "%.*s", (int)(end - start), start);
			return;
		}
		end = start;
	}
}

/* id_of - alice's object of a collection, or NULL: shares and consents
 * name the share to bob (a share is a consent), notes alice's on it,
 * mandates medi's, imports her own. */
static const char *id_of(const char *collection)
{
	static const struct {
		const char *name;
		const char *id;
	} objects[] = {
		{"records", w.rec_bank},       {"series", w.series},
		{"files", w.file},             {"shares", w.share[SH_BOB]},
		{"consents", w.share[SH_BOB]}, {"mandates", w.mandate_medi},
		{"notes", w.note_alice},       {"imports", w.import},
	};

	for (size_t i = 0; i < sizeof(objects) / sizeof(*objects); i++)
		if (strcmp(collection, objects[i].name) == 0)
			return objects[i].id;
	return NULL;
}

/* nothing_like - an id of the same shape as id (a handler may check the
 * shape first) that names nothing: its last two hex digits changed. */
static const char *nothing_like(const char *id, char *out, size_t n)
{
	size_t len = (size_t)snprintf(out, n, "%s", id);

	for (size_t i = len, changed = 0; i-- > 0 && changed < 2;)
		if (strchr("0123456789abcdef", out[i])) {
			out[i] = out[i] == 'a' ? 'b' : 'a';
			changed++;
		}
	return out;
}

/*
 * route_path - a route's pattern with alice's ids in its parameters (or,
 * when !real, a placeholder id in place of each of alice's objects, to
 * compare: an id of alice's must answer as an id of nothing). Returns
 * whether the path names one of alice's objects.
 */
static bool route_path(const struct route *rt, bool real, char *out, size_t n)
{
	const char *p = rt->pattern;
	bool named = false;
	size_t o = 0;

	while (*p && o + 80 < n) {
		const char *end = strchr(p, '}');
		const char *v = PLACEHOLDER, *id;
		char coll[64], other[64];

		if (*p != '{' || !end) {
			out[o++] = *p++;
			continue;
		}
		collection_of(rt->pattern, p, coll, sizeof(coll));
		if (strncmp(p, "{doctype}", 9) == 0)
			v = "bank.transaction";
		else if (strncmp(p, "{handle}", 8) == 0)
			v = "alice";
		else if ((id = id_of(coll))) {
			named = true;
			v = real ? id : nothing_like(id, other, sizeof(other));
		}
		o += (size_t)snprintf(out + o, n - o, "%s", v);
		p = end + 1;
	}
	out[o] = '\0';
	return named;
}

/* ---- judging an answer ---------------------------------------------------------- */

static bool refused(long s)
{
	return s == 401 || s == 403 || s == 404 || s == 410 || s == 429;
}

static bool is_data(const struct route *rt)
{
	return rt->grant != GRANT_ROUTE_NONE;
}

/* reads_shared - a route a share may open: a GET of records, series or
 * files (imports are for mandates only). */
static bool reads_shared(const struct route *rt)
{
	return strcmp(rt->method, "GET") == 0 &&
	       (rt->grant == GRANT_ROUTE_RECORDS || rt->grant == GRANT_ROUTE_SERIES ||
		rt->grant == GRANT_ROUTE_FILES);
}

static const char *found(const struct resp *r, const char *s)
{
	const char *at = r->body ? strstr(r->body, s) : NULL;

	return at ? at : strstr(r->headers, s);
}

/* wrong - prints a wrong answer with an excerpt of the body (around the
 * marker when one leaked), keeps the first for fail_msg. */
static void wrong(const struct caller *c, const char *method, const char *path,
		  const struct resp *r, const char *marker, const char *why)
{
	const char *body = r->body ? r->body : "";
	const char *at = marker ? strstr(body, marker) : NULL;
	char line[900];

	if (marker && !at)
		body = r->headers; /* it leaked in a header */
	else if (at)
		body = at - body > 80 ? at - 80 : body;
	snprintf(line, sizeof(line), "%s: %s %s -> %ld: %s: %.240s", c->name, method, path,
		 r->status, why, body);
	fprintf(stderr, "share matrix: %s\n", line);
	if (marker)
		tally.leaks++;
	else
		tally.wrong++;
	if (!tally.first[0])
		snprintf(tally.first, sizeof(tally.first), "%s", line);
}

/* leak_in - the first thing of alice's a caller may not see in an answer
 * (with why), or NULL: her markers, her point, the ids of objects no share
 * covers (unless the request named them: problems echo the path), the
 * descriptions of shares not addressed to them. */
static const char *leak_in(const struct caller *c, const char *path, const struct resp *r,
			   char *why, size_t n)
{
	const char *hidden[] = {w.trip, w.series, w.file, w.import, POINT};

	snprintf(why, n, "alice's unshared data leaked");
	if (found(r, MARK))
		return MARK;
	snprintf(why, n, "an object in no share leaked");
	for (size_t i = 0; i < sizeof(hidden) / sizeof(*hidden); i++)
		if (!strstr(path, hidden[i]) && found(r, hidden[i]))
			return hidden[i];
	for (int k = 0; k < NSHARE; k++) {
		snprintf(why, n, "the description of share %s leaked", share_mark[k]);
		if (!(c->sees & SEES(k)) && found(r, share_mark[k]))
			return share_mark[k];
	}
	return NULL;
}

/* check_markers - one leak at most per answer; alice's own answers only
 * show that the markers are there to be found. */
static void check_markers(const struct caller *c, const char *method, const char *path,
			  const struct resp *r)
{
	const char *leak;
	char why[80];

	if (c->expect == EXPECT_OWNER) {
		tally.owner_saw_mark |= found(r, MARK) != NULL;
		for (int k = 0; k < NSHARE; k++)
			if (found(r, share_mark[k]))
				tally.owner_saw |= SEES(k);
		return;
	}
	if ((leak = leak_in(c, path, r, why, sizeof(why))))
		wrong(c, method, path, r, leak, why);
}

/* status_ok - the status a row allows on an authenticated route. */
static bool status_ok(struct caller *c, const struct route *rt, long s)
{
	switch (c->expect) {
	case EXPECT_READER:
		if (s / 100 == 2 && reads_shared(rt))
			c->passed++;
		return s / 100 == 2 ? reads_shared(rt) : refused(s);
	case EXPECT_LOCKED:
		return is_data(rt) ? s == 403 : refused(s);
	case EXPECT_GONE:
		return is_data(rt) ? s == 410 : refused(s);
	case EXPECT_STRANGER:
		return is_data(rt) ? s == 404 : refused(s);
	case EXPECT_WRONG_PASSCODE:
		return is_data(rt) ? s == 403 || s == 429 : refused(s);
	case EXPECT_MANDATE:
		if (rt->grant != GRANT_ROUTE_IMPORT)
			return refused(s);
		if (s != 401 && s != 403)
			c->passed++;
		return true;
	case EXPECT_ENDED:
		return refused(s);
	case EXPECT_ANONYMOUS:
		return s == 401;
	default:
		return true;
	}
}

/* grantee_route - bob's own business on the share addressed to him (its
 * unlock, its notes, whatever a grantee may do on it but revoke it): not
 * to compare with an id of nothing. */
static bool grantee_route(const struct caller *c, const struct route *rt)
{
	static const char share[] = "/api/v1/shares/{id}";

	return c->handle && strcmp(c->handle, "bob") == 0 &&
	       strncmp(rt->pattern, share, strlen(share)) == 0 &&
	       !(strcmp(rt->method, "DELETE") == 0 && strcmp(rt->pattern, share) == 0);
}

/*
 * check_own_store - bob or eve without a header, on a route naming one of
 * alice's objects: never 2xx, and the same answer as for an id of nothing
 * (nobody learns that alice's ids exist). The body "{}" may fail a
 * route's schema first: 400 then, for any id alike.
 */
static void check_own_store(struct caller *c, const struct route *rt, const char *path,
			    const char *body, const struct resp *r)
{
	char other[512];
	struct resp p;

	if (grantee_route(c, rt))
		return;
	if (r->status / 100 == 2) {
		wrong(c, rt->method, path, r, NULL, "another person's object answered");
		return;
	}
	route_path(rt, false, other, sizeof(other));
	as(c, rt->method, other, body, &p);
	tally.extra++;
	if (p.status != r->status) {
		char why[120];

		snprintf(why, sizeof(why), "answers otherwise than for an id of nothing (%ld)",
			 p.status);
		wrong(c, rt->method, path, r, NULL, why);
	}
	client_free(&p);
}

/* keep_session - a caller in their own store may log out (a 2xx on a
 * write), and one under a header must not but might: log in again (and
 * open bob's share again) so that the rest of the row still means
 * something, and a hole in one route does not hide those after it. */
static void keep_session(struct caller *c, const struct route *rt, long status)
{
	char path[200];
	struct resp r;

	if (!c->handle || status / 100 != 2 || strcmp(rt->method, "GET") == 0)
		return;
	tally.extra++;
	if (bare(c, "GET", "/api/v1/me", NULL, &r) == 401) {
		assert_true(login(c->handle, c->auth, sizeof(c->auth), c->csrf, sizeof(c->csrf)));
		if (c == &callers[BOB_OPEN]) {
			snprintf(path, sizeof(path), "/api/v1/shares/%s/unlock", w.share[SH_BOB]);
			client_free(&r);
			assert_int_equal(bare(c, "POST", path, UNLOCK_BODY, &r), 204);
		}
	}
	client_free(&r);
}

/* row - every route called by one caller. */
static void row(struct caller *c)
{
	size_t n;
	const struct route *routes = api_routes(&n);

	tally.routes = n;
	for (size_t i = 0; i < n; i++) {
		const struct route *rt = &routes[i];
		bool bodiless = !strcmp(rt->method, "GET") || !strcmp(rt->method, "DELETE");
		const char *body = bodiless ? NULL : "{}";
		char path[512];
		bool named = route_path(rt, true, path, sizeof(path));
		struct resp r;

		as(c, rt->method, path, body, &r);
		tally.requests++;
		if (r.status / 100 == 2)
			c->ok++;
		check_markers(c, rt->method, path, &r);
		if (c->expect == EXPECT_OWN_STORE && named)
			check_own_store(c, rt, path, body, &r);
		else if (rt->auth != AUTH_NONE && !status_ok(c, rt, r.status))
			wrong(c, rt->method, path, &r, NULL, expect_text[c->expect]);
		keep_session(c, rt, r.status);
		client_free(&r);
	}
}

/* judged - how many wrong answers so far; a test starts from there. */
static unsigned judged(void)
{
	tally.first[0] = '\0';
	return tally.leaks + tally.wrong;
}

/* fail_if_wrong - fails the test if it found wrong answers since before. */
static void fail_if_wrong(unsigned before)
{
	if (tally.leaks + tally.wrong > before)
		fail_msg("%u wrong answers (all printed above); the first: %s",
			 tally.leaks + tally.wrong - before, tally.first);
}

/* ---- the tests ------------------------------------------------------------------ */

/* items - the "items" of a GET by a caller's session (no header). */
static json_t *items(const struct caller *c, const char *path)
{
	struct resp r;
	json_t *j;

	if (bare(c, "GET", path, NULL, &r) != 200)
		fail_msg("%s: GET %s: %ld %s", c->name, path, r.status, r.body ? r.body : "");
	j = json_incref(json_object_get(r.json, "items"));
	client_free(&r);
	return j;
}

/* status_in - the status of the item id in a list, or NULL. */
static const char *status_in(const json_t *list, const char *id)
{
	size_t i;
	json_t *v;

	json_array_foreach(list, i, v) {
		const char *vid = json_string_value(json_object_get(v, "id"));

		if (vid && strcmp(vid, id) == 0)
			return json_string_value(json_object_get(v, "status"));
	}
	return NULL;
}

/* expect_list - the list holds exactly the ids given with their status
 * (NULL ends the pairs). */
static void expect_list(const struct caller *c, const char *path, ...)
{
	json_t *list = items(c, path);
	size_t want = 0;
	const char *id, *st, *got;
	va_list ap;

	va_start(ap, path);
	while ((id = va_arg(ap, const char *))) {
		st = va_arg(ap, const char *);
		got = status_in(list, id);
		if (!got || strcmp(got, st) != 0)
			fail_msg("%s: GET %s: %s is %s, not %s", c->name, path, id,
				 got ? got : "missing", st);
		want++;
	}
	va_end(ap);
	if (json_array_size(list) != want)
		fail_msg("%s: GET %s: %zu items, not %zu", c->name, path, json_array_size(list),
			 want);
	json_decref(list);
}

/* each sees their own: bob's inbox has his shares (and his organisation's),
 * carl's the CCAS's, eve's nothing; alice's shares are all four; each
 * mediator has his mandate only */
static void inboxes_and_lists(void **state)
{
	struct resp r;

	(void)state;
	expect_list(&callers[BOB], "/api/v1/inbox", w.share[SH_BOB], "given", w.share[SH_GONE],
		    "withdrawn", w.share[SH_ORG], "given", NULL);
	expect_list(&callers[CARL_ORG], "/api/v1/inbox", w.share[SH_ORG], "given", NULL);
	expect_list(&callers[EVE], "/api/v1/inbox", NULL);
	expect_list(&callers[EVE], "/api/v1/shares", NULL);
	expect_list(&callers[BOB], "/api/v1/shares", NULL);
	expect_list(&callers[ALICE], "/api/v1/shares", w.share[SH_BOB], "given", w.share[SH_ORG],
		    "given", w.share[SH_LINK], "given", w.share[SH_GONE], "withdrawn", NULL);
	expect_list(&callers[MEDI], "/api/v1/mandates", w.mandate_medi, "given", NULL);
	expect_list(&callers[MEDO], "/api/v1/mandates", w.mandate_medo, "withdrawn", NULL);
	expect_list(&callers[ALICE], "/api/v1/mandates", w.mandate_medi, "given", w.mandate_medo,
		    "withdrawn", NULL);
	/* the link's secret and the passcodes' hashes are never shown again */
	assert_int_equal(bare(&callers[ALICE], "GET", "/api/v1/shares", NULL, &r), 200);
	assert_null(strstr(r.body, w.link + strlen("Authorization: Bearer ")));
	assert_null(strstr(r.body, "argon2"));
	client_free(&r);
	assert_int_equal(bare(&callers[BOB], "GET", "/api/v1/inbox", NULL, &r), 200);
	assert_null(strstr(r.body, "argon2"));
	client_free(&r);
}

/* what the readers get is their share: the records of its period (the
 * CCAS's: its chosen record), its fields only */
static void readers_see_their_share(void **state)
{
	static const struct {
		enum who who;
		size_t items;
		long other;                       /* GET of the record the CCAS's does not name */
	} readers[] = {{BOB_OPEN, 2, 200}, {CARL_ORG, 1, 404}, {LINK, 2, 200}};
	char path[200];
	struct resp r;

	(void)state;
	snprintf(path, sizeof(path), "/api/v1/records/bank.transaction/%s", w.rec_other);
	for (size_t i = 0; i < sizeof(readers) / sizeof(*readers); i++) {
		const struct caller *c = &callers[readers[i].who];

		if (as(c, "GET", "/api/v1/records/bank.transaction", NULL, &r) != 200)
			fail_msg("%s: %ld %s", c->name, r.status, r.body ? r.body : "");
		assert_int_equal(json_array_size(json_object_get(r.json, "items")),
				 readers[i].items);
		assert_non_null(strstr(r.body, "\"amount\""));
		assert_null(strstr(r.body, "\"label\""));
		assert_null(strstr(r.body, MARK));
		client_free(&r);
		assert_int_equal(as(c, "GET", path, NULL, &r), readers[i].other);
		assert_null(found(&r, MARK));
		client_free(&r);
		assert_int_equal(as(c, "GET", "/api/v1/records/mobility.trip", NULL, &r), 403);
		client_free(&r);
	}
}

/* the shared dashboards: each party reads the share and its notes, the
 * revoked one is gone, a locked one stays closed */
static void shared_dashboards(void **state)
{
	static const struct {
		enum who who;
		enum share k;
		long want;
		size_t notes;
	} views[] = {
		{ALICE, SH_BOB, 200, 2},   {BOB_OPEN, SH_BOB, 200, 2}, {BOB, SH_BOB, 403, 0},
		{BOB, SH_GONE, 410, 0},    {BOB, SH_ORG, 200, 2},      {CARL_ORG, SH_ORG, 200, 2},
		{ALICE, SH_ORG, 200, 2},   {ALICE, SH_LINK, 200, 0},
	};
	unsigned before = judged();
	char path[200];
	struct resp r;

	(void)state;
	for (size_t i = 0; i < sizeof(views) / sizeof(*views); i++) {
		const struct caller *c = &callers[views[i].who];

		snprintf(path, sizeof(path), "/api/v1/shares/%s", w.share[views[i].k]);
		if (bare(c, "GET", path, NULL, &r) != views[i].want)
			fail_msg("%s: GET %s: %ld, not %ld: %.300s", c->name, path, r.status,
				 views[i].want, r.body ? r.body : "");
		if (views[i].want == 200)
			assert_int_equal(json_array_size(json_object_get(r.json, "notes")),
					 views[i].notes);
		check_markers(c, "GET", path, &r);
		client_free(&r);
	}
	fail_if_wrong(before);
}

/* the mandate's procedure works (the matrix would mean little otherwise):
 * medi imports a file for alice and follows it; medo, whose mandate
 * ended, may not */
static void the_mandate_procedure(void **state)
{
	char path[200];
	struct resp r;

	(void)state;
	if (call(callers[MEDI].auth, callers[MEDI].csrf, callers[MEDI].extra, "POST",
		 "/api/v1/imports?name=medi-upload.csv", "text/csv", CURVE, &r) / 100 != 2)
		fail_msg("import under the mandate: %ld %s", r.status, r.body ? r.body : "");
	snprintf(path, sizeof(path), "/api/v1/imports/%s",
		 json_string_value(json_object_get(r.json, "id")));
	client_free(&r);
	assert_int_equal(as(&callers[MEDI], "GET", path, NULL, &r), 200);
	assert_null(found(&r, MARK));
	client_free(&r);
	assert_int_equal(call(callers[MEDO].auth, callers[MEDO].csrf, callers[MEDO].extra, "POST",
			      "/api/v1/imports?name=medo-upload.csv", "text/csv", CURVE, &r),
			 403);
	client_free(&r);
}

/* the matrix: every route, every caller but alice (whose row writes and
 * deletes, so it comes last) */
static void every_route_every_caller(void **state)
{
	unsigned before = judged();

	(void)state;
	for (int k = 0; k < NCALLER; k++)
		if (k != ALICE)
			row(&callers[k]);
	fail_if_wrong(before);
	/* the matrix means something only if the shares and the mandate work */
	assert_true(callers[BOB_OPEN].passed > 0);
	assert_true(callers[CARL_ORG].passed > 0);
	assert_true(callers[LINK].passed > 0);
	assert_true(callers[MEDI].passed > 0);
	assert_true(callers[BOB].ok > 0 && callers[EVE].ok > 0);
}

/* naming a share, a note or a mandate that is not one's own, with a body
 * that passes the route's schema: 404 (even with the right passcode);
 * 410 for the grantee of a revoked share */
static void naming_what_is_not_yours(void **state)
{
	enum obj { O_BOB, O_ORG, O_LINK, O_GONE, O_MANDATE, O_NOTE_ALICE, O_NOTE_BOB };
	static const struct {
		enum who who;
		const char *method, *fmt, *body;
		enum obj a, b;                    /* the ids in fmt */
		long want;
	} cases[] = {
		{EVE, "DELETE", "/api/v1/shares/%s", NULL, O_BOB, O_BOB, 404},
		{EVE, "DELETE", "/api/v1/shares/%s", NULL, O_LINK, O_LINK, 404},
		{EVE, "GET", "/api/v1/shares/%s", NULL, O_ORG, O_ORG, 404},
		{EVE, "GET", "/api/v1/shares/%s", NULL, O_LINK, O_LINK, 404},
		{EVE, "POST", "/api/v1/shares/%s/unlock", UNLOCK_BODY, O_BOB, O_BOB, 404},
		{CARL_BOB, "POST", "/api/v1/shares/%s/unlock", UNLOCK_BODY, O_BOB, O_BOB, 404},
		{CARL_ORG, "GET", "/api/v1/shares/%s", NULL, O_BOB, O_BOB, 404},
		{CARL_ORG, "POST", "/api/v1/shares/%s/notes", "{\"text\":\"hello\"}", O_BOB,
		 O_BOB, 404},
		{CARL_ORG, "DELETE", "/api/v1/shares/%s/notes/%s", NULL, O_BOB, O_NOTE_BOB, 404},
		{EVE, "POST", "/api/v1/shares/%s/notes", "{\"text\":\"hello\"}", O_BOB, O_BOB,
		 404},
		{EVE, "DELETE", "/api/v1/shares/%s/notes/%s", NULL, O_BOB, O_NOTE_ALICE, 404},
		{MEDI, "GET", "/api/v1/shares/%s", NULL, O_BOB, O_BOB, 404},
		{BOB_OPEN, "DELETE", "/api/v1/shares/%s/notes/%s", NULL, O_BOB, O_NOTE_ALICE, 404},
		{BOB_OPEN, "DELETE", "/api/v1/shares/%s", NULL, O_BOB, O_BOB, 404},
		{BOB, "POST", "/api/v1/shares/%s/notes", "{\"text\":\"hello\"}", O_GONE, O_GONE,
		 410},
		{BOB, "POST", "/api/v1/shares/%s/unlock", UNLOCK_BODY, O_GONE, O_GONE, 410},
		{EVE, "GET", "/api/v1/consents/%s", NULL, O_BOB, O_BOB, 404},
		{EVE, "GET", "/api/v1/consents/%s/receipt", NULL, O_BOB, O_BOB, 404},
		{EVE, "POST", "/api/v1/consents/%s/withdraw", NULL, O_BOB, O_BOB, 404},
		{EVE, "POST", "/api/v1/consents/%s/answer", "{\"give\":true}", O_BOB, O_BOB, 404},
		{BOB, "GET", "/api/v1/consents/%s", NULL, O_BOB, O_BOB, 404},
		{BOB, "POST", "/api/v1/consents/%s/withdraw", NULL, O_BOB, O_BOB, 404},
		{BOB, "POST", "/api/v1/consents/%s/answer", "{\"give\":false}", O_BOB, O_BOB, 404},
		{CARL_ORG, "POST", "/api/v1/consents/%s/withdraw", NULL, O_ORG, O_ORG, 404},
		{EVE, "POST", "/api/v1/mandates/%s/confirm", NULL, O_MANDATE, O_MANDATE, 404},
		{EVE, "POST", "/api/v1/mandates/%s/end", NULL, O_MANDATE, O_MANDATE, 404},
		{BOB, "POST", "/api/v1/mandates/%s/end", NULL, O_MANDATE, O_MANDATE, 404},
		{MEDI, "POST", "/api/v1/mandates/%s/confirm", NULL, O_MANDATE, O_MANDATE, 404},
		{MEDO, "POST", "/api/v1/mandates/%s/end", NULL, O_MANDATE, O_MANDATE, 404},
	};
	const char *ids[] = {w.share[SH_BOB], w.share[SH_ORG], w.share[SH_LINK], w.share[SH_GONE],
			     w.mandate_medi, w.note_alice, w.note_bob};
	unsigned before = judged();
	struct resp r;
	char path[300];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const struct caller *c = &callers[cases[i].who];

		snprintf(path, sizeof(path), cases[i].fmt, ids[cases[i].a], ids[cases[i].b]);
		bare(c, cases[i].method, path, cases[i].body, &r);
		tally.extra++;
		check_markers(c, cases[i].method, path, &r);
		if (r.status != cases[i].want) {
			char why[40];

			snprintf(why, sizeof(why), "not %ld", cases[i].want);
			wrong(c, cases[i].method, path, &r, NULL, why);
		}
		client_free(&r);
	}
	fail_if_wrong(before);
	/* nothing changed: bob still reads, the notes and medi's mandate stand */
	assert_int_equal(as(&callers[BOB_OPEN], "GET", "/api/v1/records/bank.transaction", NULL,
			    &r),
			 200);
	client_free(&r);
	snprintf(path, sizeof(path), "/api/v1/shares/%s", w.share[SH_BOB]);
	assert_int_equal(bare(&callers[ALICE], "GET", path, NULL, &r), 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "notes")), 2);
	client_free(&r);
	expect_list(&callers[MEDI], "/api/v1/mandates", w.mandate_medi, "given", NULL);
}

/* alice's row, last: she may see all (her data and every share's
 * description), and does */
static void the_owner_row(void **state)
{
	(void)state;
	row(&callers[ALICE]);
	assert_true(tally.owner_saw_mark);
	assert_int_equal(tally.owner_saw, SEES_ALL);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(inboxes_and_lists),
		cmocka_unit_test(readers_see_their_share),
		cmocka_unit_test(shared_dashboards),
		cmocka_unit_test(the_mandate_procedure),
		cmocka_unit_test(every_route_every_caller),
		cmocka_unit_test(naming_what_is_not_yours),
		cmocka_unit_test(the_owner_row),
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
	failed = cmocka_run_group_tests(tests, world_up, world_down);
	curl_global_cleanup();
	api_release();
	return failed;
}
