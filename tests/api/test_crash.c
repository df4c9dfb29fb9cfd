/*
 * test_crash.c - crash safety (issue 15): `commune serve` is killed with
 * SIGKILL at random moments (seeded: COMMUNE_CRASH_SEED, else a fixed
 * seed; COMMUNE_CRASH_KILLS kills, 100 by default) while a client writes
 * records one by one, imports OFX files of 20 to 400 transactions, and
 * runs then publishes campaigns (an organisation's agent, two residents
 * who joined them); it is started again each time. Then, read from the
 * files with SQLite itself, not through commune:
 *  - every record whose write was acknowledged (201) is there;
 *  - every import is all there or not at all (its transactions counted by
 *    their FITIDs), and all there when acknowledged (201 under
 *    Prefer: wait); each import row marked done holds as many records as
 *    it says it created;
 *  - every campaign is computed with all of it (results, the release for
 *    the register, both participants counted and their budgets charged
 *    for it) or with none of it; computed when its run was acknowledged,
 *    published when its publication was; a publication is never twice in
 *    a participant's audit chain, is in both when acknowledged, and in
 *    both anyway once the server has started again (it tells those a
 *    kill cut short: campaign_tell_pending);
 *  - alice's API tokens, made and revoked among the kills: each token she
 *    holds has its token.create entry in her chain once, each revoked one
 *    its token.revoke too, once the server has started again (it writes
 *    the entries a kill kept from the chain: audit_later); an
 *    acknowledged revocation holds;
 *  - the persons' audit chains verify (`commune audit verify`);
 *  - PRAGMA integrity_check says ok for the platform and the person.
 * The same checks run halfway, after a restart, and at the end.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <sqlite3.h>

#include "client.h"
#include "server.h"

#define BOUNDARY "crash-boundary-5d0c1e"
#define MAX_ACKED 100000
#define MAX_IMPORTS 20000

#define CAMPAIGNS 33      /* 32 among the kills, then one cut by hand */
#define KILLED_CAMPAIGNS 32
#define EPS_MICRO 250000 /* the epsilon of each campaign: 33 of them fit a budget of 10 */

static const char *bin;
static struct test_server srv;
static char cookie[200], csrf[120]; /* alice's */
static uint64_t rng_state;

/* the others' sessions */
static struct who {
	const char *handle;
	char cookie[200], csrf[120];
} bob = {.handle = "bob"}, agent = {.handle = "agent"}, admin = {.handle = "admin"};

/* the campaigns, one per month from January 2024 (a release of the same two
 * persons over the same month would be refused by the register) */
static struct campaign {
	char id[40];
	bool run_done;                    /* acknowledged, or refused as already run */
	bool run_acked;
	bool published_done;
	bool published_acked;
} camps[CAMPAIGNS];
static int camps_cut; /* campaign steps the kill interrupted */
static int campaigns_open = KILLED_CAMPAIGNS; /* those campaign_step takes on */

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned between(unsigned lo, unsigned hi)
{
	return lo + (unsigned)(rnd() % (hi - lo + 1));
}

/* what the client was told was done, and what it tried */
static char (*acked)[40];
static size_t nacked;
static struct attempt {
	char prefix[24];                  /* of the FITIDs: "C12I3T" */
	int count;
	int acked;
} *imports;
static size_t nimports;

/* ---- the killer ------------------------------------------------------------- */

struct killer {
	pid_t pid;
	unsigned delay_ms;
};

static void *kill_later(void *arg)
{
	struct killer *k = arg;
	struct timespec ts = {k->delay_ms / 1000, (long)(k->delay_ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
	kill(k->pid, SIGKILL);
	return NULL;
}

/* ---- the client --------------------------------------------------------------- */

/* write_record - true while the server answers */
static bool write_record(int cycle, int n)
{
	const char *hdr[] = {cookie, csrf, "Content-Type: application/json", NULL};
	char body[200];
	struct resp r;
	bool up;

	snprintf(body, sizeof(body),
		 "{\"date\":\"2024-05-%02d\",\"amount\":-%d.25,\"currency\":\"EUR\",\"label\":"
		 "\"c%d-w%d\"}",
		 1 + n % 28, 1 + n % 500, cycle, n);
	if (client_request(srv.base, "POST", "/api/v1/records/bank.transaction", hdr, body,
			   strlen(body), &r) != 0) {
		client_free(&r); /* what came before the connection went */
		return false;
	}
	up = r.status != 0;
	if (r.status == 201 && nacked < MAX_ACKED) {
		const char *id = json_string_value(json_object_get(r.json, "id"));

		assert_non_null(id);
		snprintf(acked[nacked++], sizeof(acked[0]), "%s", id);
	}
	client_free(&r);
	return up;
}

/* API tokens made and revoked: the platform store holds them, their
 * entries go to alice's chain (kept with the change: audit_later) */
#define MAX_TOKENS 4096
static struct token {
	char id[40];
	bool revoke_acked;
} tokens[MAX_TOKENS];
static size_t ntokens, nrevoking; /* made (acknowledged); the next to revoke */

/* token_step - revokes the last token made, else makes one; true while
 * the server answers */
static bool token_step(void)
{
	const char *hdr[] = {cookie, csrf, "Content-Type: application/json", NULL};
	char path[96];
	struct resp r;
	bool up;

	if (nrevoking < ntokens) {
		snprintf(path, sizeof(path), "/api/v1/tokens/%s", tokens[nrevoking].id);
		if (client_request(srv.base, "DELETE", path, hdr, NULL, 0, &r) != 0) {
			client_free(&r);
			return false;
		}
		up = r.status != 0;
		/* 204; or 404 when a revocation cut by a kill had committed */
		if (r.status == 204)
			tokens[nrevoking].revoke_acked = true;
		if (r.status == 204 || r.status == 404)
			nrevoking++;
		client_free(&r);
		return up;
	}
	if (client_request(srv.base, "POST", "/api/v1/tokens", hdr, "{\"name\":\"crash\"}", 16,
			   &r) != 0) {
		client_free(&r);
		return false;
	}
	up = r.status != 0;
	if (r.status == 201 && ntokens < MAX_TOKENS)
		snprintf(tokens[ntokens++].id, sizeof(tokens[0].id), "%s",
			 json_string_value(json_object_get(r.json, "id")));
	client_free(&r);
	return up;
}

/* ofx - an OFX 1.02 file of count transactions, FITIDs PREFIX0.. */
static char *ofx(const char *prefix, int count, size_t *len)
{
	size_t cap = 512 + (size_t)count * 160, n = 0;
	char *b = malloc(cap);

	assert_non_null(b);
	n += (size_t)snprintf(b + n, cap - n,
			      "OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\nENCODING:USASCII\r\n"
			      "CHARSET:1252\r\n\r\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS>"
			      "<CURDEF>EUR\r\n<BANKACCTFROM><BANKID>1<ACCTID>FR76 0001"
			      "<ACCTTYPE>CHECKING</BANKACCTFROM>\r\n<BANKTRANLIST>\r\n");
	for (int k = 0; k < count; k++)
		n += (size_t)snprintf(b + n, cap - n,
				      "<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>202403%02d<TRNAMT>-%d.10"
				      "<FITID>%s%d<NAME>SHOP %d</STMTTRN>\r\n",
				      1 + k % 28, 1 + k % 90, prefix, k, k % 17);
	n += (size_t)snprintf(b + n, cap - n,
			      "</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\r\n");
	*len = n;
	return b;
}

static bool import_file(int cycle, int n)
{
	const char *hdr[] = {cookie, csrf, "Content-Type: multipart/form-data; boundary=" BOUNDARY,
			     "Prefer: wait=10", NULL};
	struct attempt *a = &imports[nimports];
	size_t len, blen;
	char *file, *body, head[300];
	struct resp r;
	bool up;
	int h;

	if (nimports == MAX_IMPORTS)
		return write_record(cycle, n);
	snprintf(a->prefix, sizeof(a->prefix), "C%dI%dT", cycle, n);
	a->count = (int)between(20, 400);
	a->acked = 0;
	nimports++;
	file = ofx(a->prefix, a->count, &len);
	h = snprintf(head, sizeof(head),
		     "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"file\"; "
		     "filename=\"%s.ofx\"\r\nContent-Type: application/x-ofx\r\n\r\n",
		     a->prefix);
	blen = (size_t)h + len + strlen("\r\n--" BOUNDARY "--\r\n");
	body = malloc(blen + 1);
	assert_non_null(body);
	memcpy(body, head, (size_t)h);
	memcpy(body + h, file, len);
	memcpy(body + h + len, "\r\n--" BOUNDARY "--\r\n", blen - (size_t)h - len);
	free(file);
	if (client_request(srv.base, "POST", "/api/v1/imports", hdr, body, blen, &r) != 0) {
		client_free(&r);
		free(body);
		return false;
	}
	free(body);
	up = r.status != 0;
	if (r.status == 201) {
		/* finished within the wait: the job says how it ended */
		const char *status = json_string_value(json_object_get(r.json, "status"));

		assert_non_null(status);
		assert_string_equal(status, "done");
		a->acked = 1;
	}
	client_free(&r);
	return up;
}

/* post_as - POST path as w (NULL: alice) with a JSON body or none: the
 * status, 0 when the server is gone; the answer in r (client_free it) */
static long post_as(const struct who *w, const char *path, const char *body, struct resp *r)
{
	const char *hdr[] = {w ? w->cookie : cookie, w ? w->csrf : csrf,
			     "Content-Type: application/json", NULL};

	if (client_request(srv.base, "POST", path, hdr, body, body ? strlen(body) : 0, r) != 0)
		return 0;
	return r->status;
}

/* campaign_step - runs the next campaign not run, or else publishes the
 * next one not published; false when the server is gone */
static bool campaign_step(int cycle, int n)
{
	struct campaign *c = NULL;
	char path[128];
	struct resp r;
	long status;
	bool run;

	for (int i = 0; i < campaigns_open && !c; i++)
		if (!camps[i].run_done)
			c = &camps[i];
	for (int i = 0; i < campaigns_open && !c; i++)
		if (!camps[i].published_done)
			c = &camps[i];
	if (!c)
		return write_record(cycle, n);
	run = !c->run_done;
	snprintf(path, sizeof(path), "/api/v1/campaigns/%s/%s", c->id, run ? "run" : "publish");
	status = post_as(&agent, path, NULL, &r);
	client_free(&r);
	/* 409: done by an earlier attempt whose answer the kill took (checked
	 * against the store: the campaign must be computed, or published) */
	if (status == 200 || status == 409) {
		if (run) {
			c->run_done = true;
			c->run_acked = c->run_acked || status == 200;
		} else {
			c->published_done = true;
			c->published_acked = c->published_acked || status == 200;
		}
	} else if (status != 0) {
		fail_msg("%s: %ld", path, status);
	}
	camps_cut += status == 0;
	return status != 0;
}

/* ---- the territory ------------------------------------------------------------ */

static void add_user(const char *handle, const char *role, const char *org)
{
	char line[128];

	snprintf(line, sizeof(line), "pw-%s-correct-horse\n", handle);
	if (org)
		assert_int_equal(test_cli(&srv, line, NULL, 0, "user", "add", handle, "--role", role,
					  "--org", org, NULL),
				 0);
	else
		assert_int_equal(test_cli(&srv, line, NULL, 0, "user", "add", handle, "--role", role,
					  NULL),
				 0);
}

static void login(struct who *w)
{
	char password[128];

	snprintf(password, sizeof(password), "pw-%s-correct-horse", w ? w->handle : "alice");
	assert_int_equal(client_login(srv.base, w ? w->handle : "alice", password,
				      w ? w->cookie : cookie, w ? sizeof(w->cookie) : sizeof(cookie),
				      w ? w->csrf : csrf, w ? sizeof(w->csrf) : sizeof(csrf)),
			 0);
}

/* household - w's profile in D11 and, in each campaign's month, two days
 * of a load curve */
static void household(const struct who *w)
{
	size_t cap = (size_t)CAMPAIGNS * 96 * 40 + 64, len = 0;
	char *points = malloc(cap), path[128];
	struct resp r;

	assert_non_null(points);
	if (post_as(w, "/api/v1/records/household.profile",
		    "{\"declared\":\"2024-01-01\",\"district\":\"D11\",\"members\":2,"
		    "\"heating\":\"gas\"}",
		    &r) != 201)
		fail_msg("profile: %ld %s", r.status, r.body);
	client_free(&r);
	if (post_as(w, "/api/v1/series",
		    "{\"doctype\":\"energy.electricity.load_curve\",\"source\":\"test\","
		    "\"key\":\"12345678901234\",\"unit\":\"W\",\"step_s\":1800,"
		    "\"tz\":\"Europe/Paris\",\"meta\":{\"prm\":\"12345678901234\"}}",
		    &r) != 201)
		fail_msg("series: %ld %s", r.status, r.body);
	snprintf(path, sizeof(path), "/api/v1/series/%s/points",
		 json_string_value(json_object_get(r.json, "id")));
	client_free(&r);
	len += (size_t)snprintf(points + len, cap - len, "{\"points\":[");
	for (int m = 0; m < CAMPAIGNS; m++) {
		struct tm day = {.tm_year = 124 + m / 12, .tm_mon = m % 12, .tm_mday = 5};
		long long t0 = (long long)timegm(&day) * 1000;

		for (int i = 0; i < 96; i++)
			len += (size_t)snprintf(points + len, cap - len, "%s[%lld,%d]",
						m || i ? "," : "", t0 + i * 1800000LL,
						400 + 10 * (i % 48));
	}
	snprintf(points + len, cap - len, "]}");
	if (post_as(w, path, points, &r) != 200)
		fail_msg("points: %ld %s", r.status, r.body);
	assert_int_equal(json_integer_value(json_object_get(r.json, "added")), CAMPAIGNS * 96);
	client_free(&r);
	free(points);
}

/* territory - an organisation and its agent, an operator, two residents
 * with data, and CAMPAIGNS approved campaigns both residents joined */
static void territory(void)
{
	char org[40], out[512], path[300];
	const char *tab, *end;
	FILE *fp;

	assert_int_equal(test_cli(&srv, NULL, out, sizeof(out), "org", "add", "Ville", "--kind",
				  "city", NULL),
			 0);
	assert_non_null(tab = strchr(out, '\t'));
	assert_non_null(end = strchr(tab + 1, '\t'));
	snprintf(org, sizeof(org), "%.*s", (int)(end - tab - 1), tab + 1);
	add_user("bob", "resident", NULL);
	add_user("agent", "agent", "Ville");
	add_user("admin", "admin", NULL);
	snprintf(path, sizeof(path), "%s/districts.geojson", srv.dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs("{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","
	      "\"properties\":{\"code\":\"D11\",\"name\":\"Gare\"},\"geometry\":null}]}",
	      fp);
	fclose(fp);
	assert_int_equal(test_cli(&srv, NULL, NULL, 0, "campaign", "districts", path, NULL), 0);

	assert_true(test_server_start(&srv, NULL));
	login(NULL);
	login(&bob);
	login(&agent);
	login(&admin);
	household(NULL);
	household(&bob);
	for (int m = 0; m < CAMPAIGNS; m++) {
		char def[2048], p[128];
		struct resp r;

		snprintf(def, sizeof(def),
			 "{\"title\":{\"fr\":\"Profil %d\",\"en\":\"Profile %d\"},"
			 "\"purpose\":{\"fr\":\"Dimensionner.\",\"en\":\"Size the grid.\"},"
			 "\"organisation\":\"%s\",\"source\":{\"series\":"
			 "\"energy.electricity.load_curve\"},\"period\":{\"from\":"
			 "\"%d-%02d-01\",\"to\":\"%d-%02d-01\"},\"group_by\":[\"district\","
			 "\"hour_of_day\"],\"measures\":[{\"kind\":\"count\"},{\"kind\":"
			 "\"mean\",\"clip\":[0,6000]}],\"privacy\":{\"k\":2,\"mechanism\":"
			 "\"laplace\",\"epsilon\":\"0.25\",\"max_cells_per_person\":24},"
			 "\"opens\":\"2024-01-01T00:00:00Z\",\"closes\":\"2099-01-01T00:00:00Z\","
			 "\"governance\":{\"body\":\"operator\"},\"licence\":\"etalab-2.0\"}",
			 m, m, org, 2024 + m / 12, 1 + m % 12, 2024 + (m + 1) / 12,
			 1 + (m + 1) % 12);
		if (post_as(&agent, "/api/v1/campaigns", def, &r) != 201)
			fail_msg("campaign: %ld %s", r.status, r.body);
		snprintf(camps[m].id, sizeof(camps[m].id), "%s",
			 json_string_value(json_object_get(r.json, "id")));
		client_free(&r);
		snprintf(p, sizeof(p), "/api/v1/campaigns/%.32s/approve", camps[m].id);
		if (post_as(&admin, p, NULL, &r) != 200)
			fail_msg("approve: %ld %s", r.status, r.body);
		client_free(&r);
		snprintf(p, sizeof(p), "/api/v1/campaigns/%.32s/participation", camps[m].id);
		for (int k = 0; k < 2; k++) {
			if (post_as(k ? &bob : NULL, p, NULL, &r) != 200)
				fail_msg("join: %ld %s", r.status, r.body);
			client_free(&r);
		}
	}
	assert_int_equal(test_server_stop(&srv, false), 0);
}

/* ---- the checks --------------------------------------------------------------- */

static int64_t one_int(sqlite3 *db, const char *sql, const char *arg)
{
	sqlite3_stmt *st;
	int64_t v;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (arg)
		sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void sound(sqlite3 *db, const char *what)
{
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	if (strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0)
		fail_msg("%s: %s", what, sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

struct counted {
	char prefix[24];
	size_t at;                        /* in imports */
	int64_t n;                        /* records found */
};

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct counted *)a)->prefix, ((const struct counted *)b)->prefix);
}

static int by_text(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void person_id(sqlite3 *db, const char *handle, char *out, size_t n)
{
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT id FROM persons WHERE handle = ?", -1, &st,
					    NULL),
			 SQLITE_OK);
	sqlite3_bind_text(st, 1, handle, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(out, n, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

/* told - how many times the campaign's publication is in the person's chain */
static int64_t told(const char *pid, const char *campaign_id)
{
	char path[600];
	sqlite3 *db;
	int64_t n;

	snprintf(path, sizeof(path), "%s/persons/%.2s/%s.db", srv.dir, pid, pid);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	n = one_int(db, "SELECT count(*) FROM audit WHERE action = 'campaign.published' AND"
			" instr(object, ?) > 0", campaign_id);
	sqlite3_close(db);
	return n;
}

/* check_campaigns - each campaign whole or untouched; the budgets charged
 * for the computed ones; each publication at most once in both chains,
 * once when acknowledged, and once in all when settled (the server has
 * started since the last kill, and told those a kill cut short) */
static void check_campaigns(sqlite3 *db, const char *when, bool settled, const char *alice_id,
			    const char *bob_id, int *computed, int *published)
{
	sqlite3_stmt *st;

	*computed = *published = 0;
	for (int i = 0; i < CAMPAIGNS; i++) {
		const struct campaign *c = &camps[i];
		int state, results, releases, counted;

		assert_int_equal(sqlite3_prepare_v2(db, "SELECT state, results IS NOT NULL,"
						    " (SELECT count(*) FROM releases WHERE campaign_id = c.id),"
						    " (SELECT count(*) FROM campaign_parts WHERE"
						    "  campaign_id = c.id AND counted = 1)"
						    " FROM campaigns c WHERE id = ?",
						    -1, &st, NULL),
				 SQLITE_OK);
		sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		state = sqlite3_column_int(st, 0);
		results = sqlite3_column_int(st, 1);
		releases = sqlite3_column_int(st, 2);
		counted = sqlite3_column_int(st, 3);
		sqlite3_finalize(st);
		if (state == 1 && (results || releases || counted))
			fail_msg("%s: campaign %d not run, yet %d results, %d releases, %d counted",
				 when, i, results, releases, counted);
		if (state >= 2 && (!results || releases != 1 || counted != 2))
			fail_msg("%s: campaign %d run, yet %d results, %d releases, %d counted", when,
				 i, results, releases, counted);
		if (state < 1 || state > 3)
			fail_msg("%s: campaign %d in state %d", when, i, state);
		if (c->run_done && state < 2)
			fail_msg("%s: campaign %d was run (%s) but is not computed", when, i,
				 c->run_acked ? "acknowledged" : "409 again");
		if (c->published_done && state != 3)
			fail_msg("%s: campaign %d was published (%s) but is not", when, i,
				 c->published_acked ? "acknowledged" : "409 again");
		for (int k = 0; k < 2; k++) {
			int64_t n = told(k ? bob_id : alice_id, c->id);

			if (n > 1 || ((c->published_acked || (settled && state == 3)) && n != 1) ||
			    (state != 3 && n != 0))
				fail_msg("%s: the publication of campaign %d (state %d%s) is %lld times "
					 "in %s's chain",
					 when, i, state, c->published_acked ? ", acknowledged" : "",
					 (long long)n, k ? "bob" : "alice");
		}
		*computed += state >= 2;
		*published += state == 3;
	}
	if (settled && one_int(db, "SELECT count(*) FROM campaign_parts WHERE told = 0", NULL))
		fail_msg("%s: participants still to be told after a start", when);
	for (int k = 0; k < 2; k++) {
		const char *pid = k ? bob_id : alice_id;
		int64_t eps = one_int(db, "SELECT coalesce((SELECT eps_micro FROM budgets WHERE"
					  " person_id = ?), 0)", pid);

		if (eps != (int64_t)*computed * EPS_MICRO)
			fail_msg("%s: %s's budget charged %lld, %d releases at %d", when,
				 k ? "bob" : "alice", (long long)eps, *computed, EPS_MICRO);
	}
}

/* check_all - with the server stopped: every check of the header */
/* entries - alice's entries of action on object */
static int64_t entries(sqlite3 *alice, const char *action, const char *object)
{
	sqlite3_stmt *st;
	int64_t n;

	assert_int_equal(sqlite3_prepare_v2(alice, "SELECT count(*) FROM audit WHERE action = ?1"
					    " AND object = ?2", -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(st, 1, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, object, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* check_tokens - once the server has started again (it writes the entries
 * kept for later), each token alice holds has its token.create entry once;
 * each token.create entry names a token she holds or one revoked, whose
 * token.revoke entry is there once; an acknowledged revocation holds.
 * Before that, an entry may still be kept for later, not in the chain. */
static void check_tokens(sqlite3 *platform, sqlite3 *alice, const char *alice_id,
			 const char *when, bool settled, size_t *held, size_t *revoked)
{
	sqlite3_stmt *st;

	*held = *revoked = 0;
	assert_int_equal(sqlite3_prepare_v2(alice, "SELECT object, count(*) FROM audit WHERE"
					    " action = 'token.create' GROUP BY object", -1, &st,
					    NULL),
			 SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *object = (const char *)sqlite3_column_text(st, 0);
		bool holds = one_int(platform, "SELECT count(*) FROM tokens WHERE id = ?1",
				     object + 6) == 1;
		int64_t gone = entries(alice, "token.revoke", object);

		if (sqlite3_column_int64(st, 1) != 1)
			fail_msg("%s: %s created %lld times in the chain", when, object,
				 (long long)sqlite3_column_int64(st, 1));
		if (gone > 1 || (holds && gone) || (settled && !holds && !gone))
			fail_msg("%s: %s is %s, with %lld token.revoke entries", when, object,
				 holds ? "held" : "gone", (long long)gone);
		*held += holds;
		*revoked += !holds;
	}
	sqlite3_finalize(st);
	if (settled) {
		int64_t n = one_int(platform, "SELECT count(*) FROM tokens WHERE person_id = ?1",
				    alice_id);

		if ((size_t)n != *held)
			fail_msg("%s: alice holds %lld tokens, %zu with their entry", when,
				 (long long)n, *held);
		assert_int_equal(one_int(platform, "SELECT count(*) FROM audit_later", NULL), 0);
	}
	for (size_t i = 0; i < ntokens; i++) {
		char object[64];

		snprintf(object, sizeof(object), "token/%.40s", tokens[i].id);
		if (tokens[i].revoke_acked &&
		    one_int(platform, "SELECT count(*) FROM tokens WHERE id = ?1", tokens[i].id))
			fail_msg("%s: the revoked %s is still held", when, object);
		if (settled && tokens[i].revoke_acked && entries(alice, "token.revoke", object) != 1)
			fail_msg("%s: the revoked %s has no token.revoke entry", when, object);
	}
}

static void check_all(const char *when, bool settled)
{
	char path[600], out[4096], pid[64], bob_id[64];
	sqlite3 *db, *platform;
	int64_t done_rows, bad_rows;
	size_t complete = 0, absent = 0, held = 0, revoked = 0;
	int computed, published;

	snprintf(path, sizeof(path), "%s/platform.db", srv.dir);
	assert_int_equal(sqlite3_open_v2(path, &platform, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sound(platform, "platform.db");
	person_id(platform, "alice", pid, sizeof(pid));
	person_id(platform, "bob", bob_id, sizeof(bob_id));
	check_campaigns(platform, when, settled, pid, bob_id, &computed, &published);

	snprintf(path, sizeof(path), "%s/persons/%.2s/%s.db", srv.dir, pid, pid);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sound(db, "alice's store");
	check_tokens(platform, db, pid, when, settled, &held, &revoked);
	sqlite3_close(platform);
	/* one pass over the records: their ids, and their count by FITID prefix */
	{
		sqlite3_stmt *st;
		struct counted *by_prefix = calloc(nimports + 1, sizeof(*by_prefix));
		char (*ids)[33] = NULL;
		size_t nids = 0, cap = 0, nprefix = 0;

		assert_non_null(by_prefix);
		for (size_t i = 0; i < nimports; i++) {
			snprintf(by_prefix[i].prefix, sizeof(by_prefix[i].prefix), "%s",
				 imports[i].prefix);
			by_prefix[i].at = i;
		}
		nprefix = nimports;
		qsort(by_prefix, nprefix, sizeof(*by_prefix), by_name);
		assert_int_equal(sqlite3_prepare_v2(db, "SELECT lower(hex(id)),"
						    " json_extract(data, '$.holder_ref') FROM records",
						    -1, &st, NULL),
				 SQLITE_OK);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *ref = (const char *)sqlite3_column_text(st, 1);

			if (nids == cap) {
				cap = cap ? 2 * cap : 4096;
				ids = realloc(ids, cap * sizeof(*ids));
				assert_non_null(ids);
			}
			snprintf(ids[nids++], sizeof(ids[0]), "%s", sqlite3_column_text(st, 0));
			if (ref && ref[0] == 'C' && strchr(ref, 'T')) {
				struct counted key, *hit;

				snprintf(key.prefix, sizeof(key.prefix), "%.*s",
					 (int)(strchr(ref, 'T') - ref + 1), ref);
				hit = bsearch(&key, by_prefix, nprefix, sizeof(*by_prefix), by_name);
				assert_non_null(hit); /* no record of an import not tried */
				hit->n++;
			}
		}
		sqlite3_finalize(st);
		qsort(ids, nids, sizeof(*ids), by_text);
		for (size_t i = 0; i < nacked; i++) {
			char hex[40];
			size_t n = 0;

			for (const char *p = acked[i]; *p && n < sizeof(hex) - 1; p++)
				if (*p != '-')
					hex[n++] = *p;
			hex[n] = '\0';
			if (!bsearch(hex, ids, nids, sizeof(*ids), by_text))
				fail_msg("%s: the acknowledged record %s is missing", when, acked[i]);
		}
		for (size_t k = 0; k < nprefix; k++) {
			const struct attempt *a = &imports[by_prefix[k].at];
			int64_t n = by_prefix[k].n;

			if (n != 0 && n != a->count)
				fail_msg("%s: import %s holds %lld of its %d records", when, a->prefix,
					 (long long)n, a->count);
			if (a->acked && n != a->count)
				fail_msg("%s: the acknowledged import %s holds %lld of its %d records",
					 when, a->prefix, (long long)n, a->count);
			complete += n != 0;
			absent += n == 0;
		}
		free(ids);
		free(by_prefix);
	}
	/* each import recorded as done holds what it says it created */
	done_rows = one_int(db, "SELECT count(*) FROM imports WHERE status = 'done'", NULL);
	bad_rows = one_int(db, "SELECT count(*) FROM imports i WHERE i.status = 'done' AND"
			       " json_extract(i.stats, '$.records_created') !="
			       " (SELECT count(*) FROM records r WHERE r.import_id = i.id)", NULL);
	assert_int_equal(bad_rows, 0);
	assert_int_equal((size_t)done_rows, complete);
	sqlite3_close(db);

	for (int k = 0; k < 2; k++) {
		assert_int_equal(test_cli(&srv, NULL, out, sizeof(out), "audit", "verify",
					  k ? "bob" : "alice", NULL),
				 0);
		assert_non_null(strstr(out, "intact"));
	}
	snprintf(path, sizeof(path), "%s/persons/%.2s/%s.db", srv.dir, bob_id, bob_id);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sound(db, "bob's store");
	sqlite3_close(db);
	printf("# %s: %zu acknowledged writes present; imports: %zu whole, %zu absent, none in "
	       "part; campaigns: %d computed (%d published), each whole, budgets charged for "
	       "them; tokens: %zu held, %zu revoked, each in the chain once; the chains and the "
	       "stores sound\n",
	       when, nacked, complete, absent, computed, published, held, revoked);
}

/* ---- the test ----------------------------------------------------------------- */

static void killed_at_random(void **state)
{
	const char *s_seed = getenv("COMMUNE_CRASH_SEED"), *s_kills = getenv("COMMUNE_CRASH_KILLS");
	uint64_t seed = s_seed ? strtoull(s_seed, NULL, 10) : 20261127;
	int kills = s_kills ? (int)strtol(s_kills, NULL, 10) : 100, status;
	int mid_writes = 0, lost = 0;

	(void)state;
	rng_state = seed;
	printf("# seed %llu (COMMUNE_CRASH_SEED), %d kills\n", (unsigned long long)seed, kills);
	territory();
	for (int c = 0; c < kills; c++) {
		struct killer k;
		pthread_t t;
		int n = 0;

		assert_true(test_server_start(&srv, "--threads", "2", NULL));
		/* one cycle in four, while campaigns are left, is theirs alone,
		 * with a kill soon enough to come in the middle of one */
		bool theirs = c % 4 == 1 && !camps[KILLED_CAMPAIGNS - 1].published_done;

		k.pid = srv.pid;
		k.delay_ms = theirs ? between(1, 40) : between(1, 250);
		assert_int_equal(pthread_create(&t, NULL, kill_later, &k), 0);
		for (;; n++) {
			/* 55 % writes, 10 % tokens, 30 % imports, 5 % campaigns */
			unsigned op = between(0, 19);

			if (theirs)
				op = 0;
			if (!(op >= 9   ? write_record(c, n)
			      : op >= 7 ? token_step()
			      : op      ? import_file(c, n)
					: campaign_step(c, n)))
				break;
		}
		pthread_join(t, NULL);
		assert_int_equal(waitpid(srv.pid, &status, 0), srv.pid);
		srv.pid = 0; /* reaped */
		assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		mid_writes += n;
		if (c == kills / 2)
			check_all("halfway", false);
	}
	/* the last campaign run, then published as a kill right after the
	 * publication's commit would leave it: published, its participants
	 * still to be told, nothing in their chains */
	assert_true(test_server_start(&srv, NULL));
	campaigns_open = CAMPAIGNS;
	/* (with few kills, the others are not all done yet: done here, and
	 * the runs come before the publications) */
	while (!camps[CAMPAIGNS - 1].run_done || !camps[KILLED_CAMPAIGNS - 1].published_done)
		assert_true(campaign_step(kills, 0));
	assert_true(camps[CAMPAIGNS - 1].run_acked);
	assert_false(camps[CAMPAIGNS - 1].published_done);
	/* and a token made, to be revoked as a kill right after the
	 * revocation's commit would leave it: gone, its entry kept for later */
	while (nrevoking < ntokens)
		assert_true(token_step());
	assert_true(token_step());
	assert_int_equal(ntokens, nrevoking + 1);
	assert_int_equal(test_server_stop(&srv, false), 0);
	{
		char path[600], q[1200], pid[64];
		sqlite3 *db;

		snprintf(path, sizeof(path), "%s/platform.db", srv.dir);
		assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
		person_id(db, "alice", pid, sizeof(pid));
		snprintf(q, sizeof(q),
			 "UPDATE campaigns SET state = 3, published = 1 WHERE id = '%s';"
			 "UPDATE campaign_parts SET told = 0 WHERE campaign_id = '%s' AND counted = 1;"
			 "BEGIN; DELETE FROM tokens WHERE id = '%.40s';"
			 "INSERT INTO audit_later(person_id, at, actor, action, object, detail)"
			 " VALUES ('%s', %lld, 'person:%s', 'token.revoke', 'token/%.40s', ''); COMMIT",
			 camps[CAMPAIGNS - 1].id, camps[CAMPAIGNS - 1].id, tokens[nrevoking].id, pid,
			 (long long)time(NULL) * 1000, pid, tokens[nrevoking].id);
		assert_int_equal(sqlite3_exec(db, q, NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
		camps[CAMPAIGNS - 1].published_done = true;
	}
	/* started once more (its recovery: the participants told, the kept
	 * entry written), stopped cleanly, checked */
	assert_true(test_server_start(&srv, NULL));
	assert_int_equal(test_server_stop(&srv, false), 0);
	check_all("at the end", true);
	assert_true(nacked > 0);
	for (int i = 0; i < CAMPAIGNS; i++) { /* every campaign got its turn */
		assert_true(camps[i].published_done);
		lost += !camps[i].run_acked + !camps[i].published_acked;
	}
	printf("# %d campaign runs or publications cut by a kill, %d of them done all the same "
	       "(409 on the next try)\n",
	       camps_cut, lost);
	assert_true(mid_writes > kills); /* the kills came during the work, not before it */
}

static int setup(void **state)
{
	(void)state;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	acked = calloc(MAX_ACKED, sizeof(*acked));
	imports = calloc(MAX_IMPORTS, sizeof(*imports));
	assert_non_null(acked);
	assert_non_null(imports);
	assert_true(test_data_dir(&srv, bin));
	assert_true(test_add_user(&srv, "alice", "resident", "pw-alice-correct-horse"));
	return 0;
}

static int teardown(void **state)
{
	char cmd[400];

	(void)state;
	if (srv.pid > 0) /* a failed check left it running */
		test_server_stop(&srv, false);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", srv.dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", srv.dir);
	free(acked);
	free(imports);
	curl_global_cleanup();
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(killed_at_random),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: %s COMMUNE_BINARY\n", argv[0]);
		return 2;
	}
	bin = argv[1];
	return cmocka_run_group_tests(tests, setup, teardown);
}
