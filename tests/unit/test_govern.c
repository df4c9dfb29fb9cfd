/*
 * test_govern.c - governance bodies in action (src/govern/govern.c, issue
 * 11), in-process, each test on a fresh data directory. The functions take
 * the time as an argument, so a vote of a minute is closed a minute later
 * without waiting.
 *
 * Enforcement: a trust's or a cooperative's campaign is never approved by
 * the operator and never runs as a draft; a rejected proposal rejects its
 * campaign for good; a vote without a quorum leaves it a draft that still
 * cannot run; a vote closes at its time, neither earlier nor later, takes
 * the members' votes only, and counts the last vote of each present member.
 * The register: altering a payload, removing an entry, changing a prev or a
 * signature, or rewriting the chain without the platform key is found by
 * govern_verify at the entry altered (raw SQL on platform.db), and only in
 * that body's register. The scenario: a SCIC cooperative of
 * synthetic households votes an hourly electricity profile, its members
 * join, one leaves before the run and is left out of it. What the decision
 * entry shows of an open and of a secret ballot.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include "campaign/campaign.h"
#include "core/timeutil.h"
#include "fixture.h"
#include "govern/agreement.h"
#include "govern/govern.h"
#include "series/series.h"
#include "synth/run.h"

#define LOAD_CURVE "energy.electricity.load_curve"
#define MINUTE_MS 60000LL
#define COUNT_MEAN "[{\"kind\":\"count\"},{\"kind\":\"mean\",\"clip\":[0,6000]}]"
#define BY_HOUR "[\"hour_of_day\"]"

/* statutes used here */
#define COOP_MAJORITY "{\"kind\":\"cooperative\",\"rule\":\"majority\",\"quorum\":\"1/4\"}"
#define COOP_HALF "{\"kind\":\"cooperative\",\"rule\":\"majority\",\"quorum\":\"1/2\"}"
#define TRUST_MAJORITY "{\"kind\":\"trust\",\"rule\":\"majority\",\"quorum\":\"1/4\"}"
#define SCIC                                                                             \
	"{\"kind\":\"cooperative\",\"rule\":\"weighted_colleges\",\"quorum\":\"1/4\","   \
	"\"colleges\":[{\"name\":\"producers\",\"weight\":50},"                         \
	"{\"name\":\"beneficiaries\",\"weight\":30},"                                   \
	"{\"name\":\"local_authority\",\"weight\":20}]}"

static struct fixture f;
static struct org org;
static int npersons;                      /* handles m000, m001... */
static int64_t t0;                        /* the time the test starts at */

/* ---- bodies, members, campaigns --------------------------------------------------- */

/* person - a new resident */
static struct person person(void)
{
	struct person p;
	char handle[32];

	snprintf(handle, sizeof(handle), "m%03d", npersons++);
	assert_int_equal(store_person_add(f.s, handle, "resident", NULL, "!", &p), CMN_OK);
	return p;
}

/* body - a new body of these statutes; its id in id */
static void body(const char *name, const char *statutes, char id[CRYPT_ID_LEN])
{
	struct gov_body b;
	char err[300] = "";

	if (govern_body_create(f.s, &f.keys, name, statutes, strlen(statutes), t0, &b, err,
			       sizeof(err)) != CMN_OK)
		fail_msg("body %s: %s", name, err);
	memcpy(id, b.id, CRYPT_ID_LEN);
	gov_body_release(&b);
}

static void join_body(const char *body_id, const struct person *p, const char *college)
{
	char err[300] = "";

	if (govern_join(f.s, &f.keys, body_id, p->id, college, t0, err, sizeof(err)) != CMN_OK)
		fail_msg("%s cannot join: %s", p->handle, err);
}

/* members - n new persons who join body_id (no colleges) */
static void members(const char *body_id, struct person *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		m[i] = person();
		join_body(body_id, &m[i], NULL);
	}
}

/* draft - a new draft of the organisation: the hourly profile of January
 * 2026, open to participants from February 2026, decided by governance
 * ("trust", "cooperative" or "operator") */
static void draft(const char *governance, char id[CRYPT_ID_LEN])
{
	struct campaign_spec spec = {0};
	struct campaign_row row;
	char text[2048], err[400] = "", *canon = NULL;

	snprintf(text, sizeof(text),
		 "{\"title\":{\"fr\":\"Profil horaire\",\"en\":\"Hourly profile\"},"
		 "\"purpose\":{\"fr\":\"Dimensionner la boucle locale.\",\"en\":\"Size the local"
		 " loop.\"},\"organisation\":\"%s\","
		 "\"source\":{\"series\":\"" LOAD_CURVE "\"},"
		 "\"period\":{\"from\":\"2026-01-01\",\"to\":\"2026-02-01\"},"
		 "\"group_by\":" BY_HOUR ",\"measures\":" COUNT_MEAN ","
		 "\"privacy\":{\"k\":5,\"mechanism\":\"laplace\",\"epsilon\":\"1\","
		 "\"max_cells_per_person\":24},\"opens\":\"2026-02-01T00:00:00Z\","
		 "\"closes\":\"2099-01-01T00:00:00Z\",\"governance\":{\"body\":\"%s\"},"
		 "\"licence\":\"etalab-2.0\"}",
		 org.id, governance);
	if (campaign_spec_parse(text, strlen(text), &f.reg, &spec, err, sizeof(err)) != CMN_OK)
		fail_msg("definition: %s", err);
	assert_int_equal(campaign_spec_json(&spec, &canon, NULL), CMN_OK);
	assert_int_equal(store_campaign_add(f.s, org.id, canon, t0, &row), CMN_OK);
	memcpy(id, row.id, CRYPT_ID_LEN);
	campaign_row_release(&row);
	campaign_spec_release(&spec);
	free(canon);
}

static enum campaign_state state_of(const char *campaign_id)
{
	struct campaign_row row;
	enum campaign_state st;

	assert_int_equal(store_campaign_get(f.s, campaign_id, false, &row), CMN_OK);
	st = row.state;
	campaign_row_release(&row);
	return st;
}

static json_t *text_fr_en(void)
{
	json_t *t = json_pack("{s:s, s:s}", "fr", "Approuver le profil horaire.", "en",
			      "Approve the hourly profile.");

	assert_non_null(t);
	return t;
}

/* submit - by (a member, or the organisation's agent when by_org) submits
 * the campaign to the body, closing a minute and a second after t0 */
static enum cmn_rc submit(const char *body_id, const struct person *by, bool by_org,
			  const char *campaign_id, bool secret, struct gov_proposal *p)
{
	json_t *text = text_fr_en();
	char err[300] = "";
	enum cmn_rc rc = govern_propose(f.s, &f.keys, body_id, by->id, by_org, campaign_id, text,
					t0 + 61000, GOVERN_VOTE_MIN_DEFAULT_MS, secret, t0, p, err,
					sizeof(err));

	json_decref(text);
	return rc;
}

static void submitted(const char *body_id, const struct person *by, const char *campaign_id,
		      bool secret, char id[CRYPT_ID_LEN])
{
	struct gov_proposal p;

	assert_int_equal(submit(body_id, by, false, campaign_id, secret, &p), CMN_OK);
	assert_int_equal(p.state, GOV_OPEN);
	assert_int_equal(p.closes, t0 + 61000);
	memcpy(id, p.id, CRYPT_ID_LEN);
	gov_proposal_release(&p);
}

static void vote(const char *proposal_id, const struct person *p, const char *choice)
{
	assert_int_equal(govern_vote(f.s, proposal_id, p->id, choice, t0 + 1000), CMN_OK);
}

/* closed - the proposal decided at closes + 1; its state */
static enum gov_state closed(const char *proposal_id, struct gov_proposal *out)
{
	struct gov_proposal p;
	char err[300] = "";
	enum gov_state st;

	if (govern_close(f.s, &f.keys, proposal_id, t0 + 61001, &p, err, sizeof(err)) != CMN_OK)
		fail_msg("close: %s", err);
	st = p.state;
	if (out)
		*out = p;
	else
		gov_proposal_release(&p);
	return st;
}

static enum cmn_rc join_campaign(const struct person *p, const char *campaign_id)
{
	char err[400] = "";

	return campaign_join(f.s, &f.reg, p, campaign_id, time_now_ms(), "test", err, sizeof(err));
}

/* run - campaign_run now with a fixed seed */
static enum cmn_rc run(const char *campaign_id, struct campaign_run_stats *st, char *err,
		       size_t errn)
{
	uint8_t key[32];
	struct dp_rng rng;
	struct campaign_run_opts o;
	enum cmn_rc rc;

	memset(key, 7, sizeof(key));
	dp_rng_chacha20(&rng, key);
	memset(&o, 0, sizeof(o));
	o.now = time_now_ms();
	o.rng = &rng;
	o.threads = 2;
	rc = campaign_run(f.s, &f.reg, campaign_id, &o, st, err, errn);
	dp_rng_release(&rng);
	return rc;
}

static enum cmn_rc run_quietly(const char *campaign_id)
{
	struct campaign_run_stats st;
	char err[400];

	return run(campaign_id, &st, err, sizeof(err));
}

/* tally_count - a member of the proposal's tally ("yes", "members"...) */
static json_int_t tally_count(const struct gov_proposal *p, const char *name)
{
	json_t *t = json_loads(p->tally, 0, NULL);
	json_int_t v;

	assert_non_null(t);
	assert_true(json_is_integer(json_object_get(t, name)));
	v = json_integer_value(json_object_get(t, name));
	json_decref(t);
	return v;
}

/* ---- the register ------------------------------------------------------------------ */

struct entries {
	size_t n;
	char kind[64][GOV_KIND_MAX + 1];
	json_t *payload[64];
	int64_t seq[64];
};

static enum cmn_rc keep_entry(const struct gov_entry *e, void *ctx)
{
	struct entries *l = ctx;

	assert_true(l->n < 64);
	snprintf(l->kind[l->n], sizeof(l->kind[l->n]), "%s", e->kind);
	l->payload[l->n] = json_loads(e->payload, 0, NULL);
	assert_non_null(l->payload[l->n]);
	l->seq[l->n] = e->seq;
	l->n++;
	return CMN_OK;
}

static void entries_of(const char *body_id, struct entries *l)
{
	memset(l, 0, sizeof(*l));
	assert_int_equal(store_gov_register_each(f.s, body_id, keep_entry, l), CMN_OK);
}

static void entries_release(struct entries *l)
{
	for (size_t i = 0; i < l->n; i++)
		json_decref(l->payload[i]);
}

static void verifies(const char *body_id, int64_t entries)
{
	struct govern_check c;
	enum cmn_rc rc = govern_verify(f.s, &f.keys, body_id, &c);

	if (rc != CMN_OK)
		fail_msg("verify: %s at entry %lld: %s", cmn_strerror(rc), (long long)c.bad_seq,
			 c.why);
	assert_int_equal(c.entries, entries);
	assert_int_equal(c.bad_seq, 0);
}

static void fails_at(const char *body_id, int64_t seq, const char *why)
{
	struct govern_check c;

	assert_int_equal(govern_verify(f.s, &f.keys, body_id, &c), CMN_ERR_CORRUPT);
	if (c.bad_seq != seq || !strstr(c.why, why))
		fail_msg("found at entry %lld (%s), expected %lld (%s)", (long long)c.bad_seq,
			 c.why, (long long)seq, why);
}

/* pg_sql - q on the fixture's PostgreSQL database (the store's, when the
 * test runs there); the first column of the first row when text is not
 * NULL (malloc'd) */
static void pg_sql(const char *q, char **text)
{
	PGconn *c = PQconnectdb(f.url);
	PGresult *r;

	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("cannot connect to the test database: %s", PQerrorMessage(c));
	r = PQexec(c, q);
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", q, PQerrorMessage(c));
	if (text) {
		assert_true(PQntuples(r) > 0);
		*text = strdup(PQgetvalue(r, 0, 0));
		assert_non_null(*text);
	}
	PQclear(r);
	PQfinish(c);
}

/* sql - runs statements on the platform store's tables (platform.db, or
 * the PostgreSQL database), as someone with the files but not the master
 * key could */
static void sql(const char *fmt, ...)
{
	char path[300], q[2048], *msg = NULL;
	sqlite3 *db;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q, sizeof(q), fmt, ap);
	va_end(ap);
	if (f.url[0]) {
		pg_sql(q, NULL);
		return;
	}
	snprintf(path, sizeof(path), "%s/platform.db", f.dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db, q, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", q, msg ? msg : "?");
	sqlite3_close(db);
}

/* sql_text - the first column of the first row of a query (malloc'd) */
static char *sql_text(const char *fmt, ...)
{
	char path[300], q[1024], *out = NULL;
	sqlite3 *db;
	sqlite3_stmt *st;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q, sizeof(q), fmt, ap);
	va_end(ap);
	if (f.url[0]) {
		pg_sql(q, &out);
		return out;
	}
	snprintf(path, sizeof(path), "%s/platform.db", f.dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	out = strdup((const char *)sqlite3_column_text(st, 0));
	assert_non_null(out);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return out;
}

/* ---- fixture ------------------------------------------------------------------------ */

/* ---- the debate ------------------------------------------------------------------ */

struct thread {
	size_t n, hidden;
	char last_text[64];
	char parent_of_last[CRYPT_ID_LEN];
};

static enum cmn_rc thread_row(const struct gov_comment *c, void *p)
{
	struct thread *t = p;

	t->n++;
	t->hidden += c->hidden_at != 0;
	snprintf(t->last_text, sizeof(t->last_text), "%s", c->text ? c->text : "");
	memcpy(t->parent_of_last, c->parent_id, CRYPT_ID_LEN);
	return CMN_OK;
}

/* Members debate an open proposal in threads; others cannot; the operator
 * hides a comment with a reason, an author withdraws their own, nobody
 * else hides anything; the debate closes with the decision. */
static void the_debate(void **state)
{
	struct person m[3], outsider = person();
	struct gov_comment c1, c2, c3, other;
	struct thread t = {0};
	char body_id[CRYPT_ID_LEN], campaign[CRYPT_ID_LEN], campaign2[CRYPT_ID_LEN];
	char prop[CRYPT_ID_LEN], prop2[CRYPT_ID_LEN], err[300];

	(void)state;
	body("Coop débat", COOP_MAJORITY, body_id);
	members(body_id, m, 3);
	draft("cooperative", campaign);
	draft("cooperative", campaign2);
	submitted(body_id, &m[0], campaign, false, prop);
	submitted(body_id, &m[0], campaign2, false, prop2);
	assert_int_equal(govern_comment(f.s, prop, m[0].id, NULL, "Pourquoi 24 cases ?", t0 + 1,
					&c1, err, sizeof(err)),
			 CMN_OK);
	assert_int_equal(govern_comment(f.s, prop, m[1].id, c1.id, "Pour les 24 heures.", t0 + 2,
					&c2, err, sizeof(err)),
			 CMN_OK);
	assert_int_equal(govern_comment(f.s, prop, m[2].id, "", "Hors sujet", t0 + 3, &c3, err,
					sizeof(err)),
			 CMN_OK);
	/* a thread answers a comment of the same proposal only */
	assert_int_equal(govern_comment(f.s, prop2, m[0].id, NULL, "Ailleurs", t0 + 4, &other,
					err, sizeof(err)),
			 CMN_OK);
	assert_int_equal(govern_comment(f.s, prop, m[1].id, other.id, "Mauvais fil", t0 + 5, &c3,
					err, sizeof(err)),
			 CMN_ERR_INVALID);
	assert_non_null(strstr(err, "/parent"));
	/* blank or too long texts, outsiders */
	assert_int_equal(govern_comment(f.s, prop, m[1].id, NULL, " \n ", t0 + 5, &c3, err,
					sizeof(err)),
			 CMN_ERR_INVALID);
	assert_int_equal(govern_comment(f.s, prop, outsider.id, NULL, "Je passe", t0 + 5, &c3,
					err, sizeof(err)),
			 CMN_ERR_FORBIDDEN);
	assert_int_equal(store_gov_comments(f.s, prop, thread_row, &t), CMN_OK);
	assert_int_equal(t.n, 3);
	assert_string_equal(t.last_text, "Hors sujet");
	assert_string_equal(t.parent_of_last, "");
	/* moderation: the operator with a reason; not another member; the author */
	{
		struct gov_comment got;
		char *text = NULL;

		assert_int_equal(govern_comment_hide(f.s, c2.id, m[0].id, false, NULL, t0 + 6, err,
						     sizeof(err)),
				 CMN_ERR_FORBIDDEN);
		assert_int_equal(govern_comment_hide(f.s, c1.id, "operator", true, "", t0 + 6, err,
						     sizeof(err)),
				 CMN_ERR_INVALID);
		assert_int_equal(govern_comment_hide(f.s, c1.id, "operator", true, "Propos blessants",
						     t0 + 6, err, sizeof(err)),
				 CMN_OK);
		assert_int_equal(govern_comment_hide(f.s, c1.id, "operator", true, "Encore", t0 + 7,
						     err, sizeof(err)),
				 CMN_ERR_CONFLICT);
		assert_int_equal(govern_comment_hide(f.s, c2.id, m[1].id, false, NULL, t0 + 7, err,
						     sizeof(err)),
				 CMN_OK);
		assert_int_equal(store_gov_comment_get(f.s, c1.id, &got, &text), CMN_OK);
		assert_string_equal(got.hidden_reason, "Propos blessants");
		assert_string_equal(got.hidden_by, "operator");
		free(text);
	}
	memset(&t, 0, sizeof(t));
	assert_int_equal(store_gov_comments(f.s, prop, thread_row, &t), CMN_OK);
	assert_int_equal(t.n, 3);
	assert_int_equal(t.hidden, 2);
	/* decided: the debate is closed */
	vote(prop, &m[0], "yes");
	vote(prop, &m[1], "yes");
	{
		struct gov_proposal done;

		assert_int_equal(govern_close(f.s, &f.keys, prop, t0 + 61001, &done, err,
					      sizeof(err)),
				 CMN_OK);
		gov_proposal_release(&done);
	}
	assert_int_equal(govern_comment(f.s, prop, m[1].id, NULL, "Trop tard", t0 + 61002, &c3,
					err, sizeof(err)),
			 CMN_ERR_CONFLICT);
}

static int setup(void **state)
{
	(void)state;
	npersons = 0;
	t0 = time_now_ms();
	if (fixture_open(&f, "outsider") != 0 ||
	    store_org_add(f.s, "Coopérative WeMix", "cooperative", &org) != CMN_OK)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fixture_close(&f);
	return 0;
}

/* ---- enforcement -------------------------------------------------------------------- */

/* The operator decides only the operator's campaigns; a body only its own
 * kind's; a draft runs for nobody and is joined by nobody. */
static void operator_cannot_approve_a_body_campaign(void **state)
{
	const char *kinds[] = {"cooperative", "trust"};
	char coop[CRYPT_ID_LEN], trust[CRYPT_ID_LEN], op[CRYPT_ID_LEN], err[300];
	struct gov_proposal p;
	struct person m[2];

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		char id[CRYPT_ID_LEN];

		draft(kinds[i], id);
		err[0] = '\0';
		assert_int_equal(campaign_decide(f.s, id, true, "operator", false, t0, err,
						 sizeof(err)),
				 CMN_ERR_FORBIDDEN);
		assert_non_null(strstr(err, "submit it to one as a proposal"));
		assert_int_equal(campaign_decide(f.s, id, false, "operator", false, t0, err,
						 sizeof(err)),
				 CMN_ERR_FORBIDDEN);
		assert_int_equal(state_of(id), CAMPAIGN_STATE_DRAFT);
		assert_int_equal(run_quietly(id), CMN_ERR_CONFLICT);
		assert_int_equal(join_campaign(&f.alice, id), CMN_ERR_CONFLICT);
		assert_int_equal(state_of(id), CAMPAIGN_STATE_DRAFT);
	}
	/* and a body does not decide the operator's */
	draft("operator", op);
	assert_int_equal(campaign_decide(f.s, op, true, "someone", true, t0, err, sizeof(err)),
			 CMN_ERR_FORBIDDEN);
	/* a campaign goes to a body of its own kind only */
	body("WeMix", COOP_MAJORITY, coop);
	body("Régie", TRUST_MAJORITY, trust);
	members(coop, m, 1);
	join_body(trust, &m[0], NULL);
	m[1] = person();
	draft("trust", op);
	assert_int_equal(submit(coop, &m[0], false, op, false, &p), CMN_ERR_INVALID);
	draft("operator", op);
	assert_int_equal(submit(coop, &m[0], false, op, false, &p), CMN_ERR_INVALID);
	assert_int_equal(submit(trust, &m[0], false, op, false, &p), CMN_ERR_INVALID);
	/* submitted by a member, or the organisation (the API checks who its
	 * agents are); not by anyone else */
	draft("cooperative", op);
	assert_int_equal(submit(coop, &m[1], false, op, false, &p), CMN_ERR_FORBIDDEN);
	assert_int_equal(submit(coop, &m[1], true, op, false, &p), CMN_OK);
	gov_proposal_release(&p);
}

/* A rejected proposal rejects its campaign: it cannot be joined, run,
 * submitted again or decided again. */
static void rejected_campaign_never_runs(void **state)
{
	char coop[CRYPT_ID_LEN], c[CRYPT_ID_LEN], prop[CRYPT_ID_LEN], err[300];
	struct person m[4];
	struct gov_proposal p;

	(void)state;
	body("WeMix", COOP_MAJORITY, coop);
	members(coop, m, 4);
	draft("cooperative", c);
	submitted(coop, &m[0], c, false, prop);
	vote(prop, &m[0], "yes");
	vote(prop, &m[1], "no");
	vote(prop, &m[2], "no");
	assert_int_equal(closed(prop, &p), GOV_REJECTED);
	assert_int_equal(tally_count(&p, "yes"), 1);
	assert_int_equal(tally_count(&p, "no"), 2);
	assert_int_equal(tally_count(&p, "none"), 1);
	gov_proposal_release(&p);
	assert_int_equal(state_of(c), CAMPAIGN_STATE_REJECTED);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(join_campaign(&m[i], c), CMN_ERR_CONFLICT);
	assert_int_equal(run_quietly(c), CMN_ERR_CONFLICT);
	assert_int_equal(submit(coop, &m[1], false, c, false, &p), CMN_ERR_CONFLICT);
	assert_int_equal(govern_close(f.s, &f.keys, prop, t0 + 62000, &p, err, sizeof(err)),
			 CMN_ERR_CONFLICT);
	assert_int_equal(govern_vote(f.s, prop, m[3].id, "yes", t0 + 2000), CMN_ERR_CONFLICT);
	assert_int_equal(campaign_decide(f.s, c, true, "operator", false, t0, err, sizeof(err)),
			 CMN_ERR_FORBIDDEN);
	assert_int_equal(state_of(c), CAMPAIGN_STATE_REJECTED);
}

/* Without a quorum nothing is decided: the campaign stays a draft that
 * cannot run, and may be submitted again (one open proposal at a time). */
static void no_quorum_leaves_a_draft(void **state)
{
	char coop[CRYPT_ID_LEN], c[CRYPT_ID_LEN], prop[CRYPT_ID_LEN], again[CRYPT_ID_LEN];
	struct person m[4];
	struct gov_proposal p;

	(void)state;
	body("WeMix", COOP_HALF, coop);
	members(coop, m, 4);
	draft("cooperative", c);
	submitted(coop, &m[0], c, false, prop);
	/* one yes of four: a quorum of 1/2 needs two present */
	vote(prop, &m[0], "yes");
	assert_int_equal(submit(coop, &m[1], false, c, false, &p), CMN_ERR_CONFLICT);
	assert_int_equal(closed(prop, &p), GOV_NO_QUORUM);
	assert_int_equal(p.decided, t0 + 61001);
	gov_proposal_release(&p);
	assert_int_equal(state_of(c), CAMPAIGN_STATE_DRAFT);
	assert_int_equal(run_quietly(c), CMN_ERR_CONFLICT);
	assert_int_equal(join_campaign(&m[0], c), CMN_ERR_CONFLICT);
	/* submitted again; this time two take part and it passes */
	submitted(coop, &m[1], c, false, again);
	vote(again, &m[0], "yes");
	vote(again, &m[1], "abstain");
	assert_int_equal(closed(again, NULL), GOV_APPROVED);
	assert_int_equal(state_of(c), CAMPAIGN_STATE_APPROVED);
}

/* A vote lasts from a minute (the platform's default) to 90 days; it
 * takes votes strictly before its close and is decided from its close on;
 * only present members vote, and the last vote of each counts. */
static void the_vote_period_and_who_votes(void **state)
{
	char coop[CRYPT_ID_LEN], c[CRYPT_ID_LEN], prop[CRYPT_ID_LEN], err[300];
	int64_t closes = t0 + 61000;
	struct person m[4], outsider;
	struct gov_proposal p;
	json_t *text = text_fr_en(), *blank;

	(void)state;
	body("WeMix", COOP_MAJORITY, coop);
	members(coop, m, 4);
	outsider = person();
	draft("cooperative", c);
	/* the period, the text */
	assert_int_equal(GOVERN_VOTE_MIN_DEFAULT_MS, MINUTE_MS);
	assert_int_equal(govern_propose(f.s, &f.keys, coop, m[0].id, false, c, text,
					t0 + MINUTE_MS - 1, GOVERN_VOTE_MIN_DEFAULT_MS, false,
					t0, &p, err, sizeof(err)),
			 CMN_ERR_INVALID);
	assert_string_equal(err, "/closes: from 1 minute to 90 days from now");
	assert_int_equal(govern_propose(f.s, &f.keys, coop, m[0].id, false, c, text,
					t0 + GOVERN_VOTE_MAX_MS + 1,
					GOVERN_VOTE_MIN_DEFAULT_MS, false, t0, &p, err,
					sizeof(err)),
			 CMN_ERR_INVALID);
	blank = json_pack("{s:s, s:s}", "fr", "", "en", "Approve.");
	assert_int_equal(govern_propose(f.s, &f.keys, coop, m[0].id, false, c, blank, closes,
					GOVERN_VOTE_MIN_DEFAULT_MS, false, t0, &p, err,
					sizeof(err)),
			 CMN_ERR_INVALID);
	assert_non_null(strstr(err, "/text"));
	json_decref(blank);
	json_decref(text);
	submitted(coop, &m[0], c, false, prop);

	/* who votes */
	assert_int_equal(govern_vote(f.s, prop, outsider.id, "yes", t0 + 1000), CMN_ERR_FORBIDDEN);
	assert_int_equal(govern_vote(f.s, prop, m[0].id, "maybe", t0 + 1000), CMN_ERR_INVALID);
	/* m0 changes her mind twice: her last vote counts */
	vote(prop, &m[0], "yes");
	assert_int_equal(govern_vote(f.s, prop, m[0].id, "abstain", t0 + 2000), CMN_OK);
	assert_int_equal(govern_vote(f.s, prop, m[0].id, "no", closes - 1), CMN_OK);
	vote(prop, &m[1], "yes");
	vote(prop, &m[2], "no");
	/* m3 votes yes, then leaves: a vote of someone who left is not counted,
	 * and they vote no more */
	vote(prop, &m[3], "yes");
	assert_int_equal(govern_leave(f.s, &f.keys, coop, m[3].id, t0 + 3000, NULL), CMN_OK);
	assert_int_equal(govern_vote(f.s, prop, m[3].id, "yes", t0 + 4000), CMN_ERR_FORBIDDEN);
	assert_int_equal(govern_leave(f.s, &f.keys, coop, m[3].id, t0 + 3000, NULL),
			 CMN_ERR_NOT_FOUND);

	/* the close: not a millisecond early; no vote from then on */
	assert_int_equal(govern_close(f.s, &f.keys, prop, closes - 1, &p, err, sizeof(err)),
			 CMN_ERR_CONFLICT);
	assert_non_null(strstr(err, "open until"));
	assert_int_equal(govern_vote(f.s, prop, m[1].id, "no", closes), CMN_ERR_CONFLICT);
	assert_int_equal(govern_vote(f.s, prop, m[2].id, "yes", closes + 1), CMN_ERR_CONFLICT);
	assert_int_equal(govern_close(f.s, &f.keys, prop, closes, &p, err, sizeof(err)), CMN_OK);
	/* three present members: m0 no (her last), m1 yes, m2 no */
	assert_int_equal(p.state, GOV_REJECTED);
	assert_int_equal(tally_count(&p, "members"), 3);
	assert_int_equal(tally_count(&p, "yes"), 1);
	assert_int_equal(tally_count(&p, "no"), 2);
	assert_int_equal(tally_count(&p, "abstain"), 0);
	gov_proposal_release(&p);
	assert_int_equal(state_of(c), CAMPAIGN_STATE_REJECTED);
	assert_int_equal(govern_close(f.s, &f.keys, prop, closes + 1, &p, err, sizeof(err)),
			 CMN_ERR_CONFLICT);
	assert_non_null(strstr(err, "decided already"));
}

/* The shortest vote is the deployment's (commune serve --vote-min-seconds):
 * a proposal closing sooner is refused with that minimum in the reason,
 * one closing right at it is taken; the longest stays 90 days. */
static void the_shortest_vote_is_the_deployments(void **state)
{
	const int64_t week = 7 * 86400000LL;
	char coop[CRYPT_ID_LEN], c[CRYPT_ID_LEN], c2[CRYPT_ID_LEN], err[300];
	struct person m[2];
	struct gov_proposal p;
	json_t *text = text_fr_en();

	(void)state;
	body("WeMix", COOP_MAJORITY, coop);
	members(coop, m, 2);
	draft("cooperative", c);
	draft("cooperative", c2);
	/* a city's week: what a minute allows is refused */
	assert_int_equal(govern_propose(f.s, &f.keys, coop, m[0].id, false, c, text, t0 + 61000,
					week, false, t0, &p, err, sizeof(err)),
			 CMN_ERR_INVALID);
	assert_string_equal(err, "/closes: from 7 days to 90 days from now");
	assert_int_equal(govern_propose(f.s, &f.keys, coop, m[0].id, false, c, text,
					t0 + week - 1, week, false, t0, &p, err, sizeof(err)),
			 CMN_ERR_INVALID);
	assert_int_equal(govern_propose(f.s, &f.keys, coop, m[0].id, false, c, text,
					t0 + GOVERN_VOTE_MAX_MS + 1, week, false, t0, &p, err,
					sizeof(err)),
			 CMN_ERR_INVALID);
	assert_int_equal(govern_propose(f.s, &f.keys, coop, m[0].id, false, c, text, t0 + week,
					week, false, t0, &p, err, sizeof(err)),
			 CMN_OK);
	assert_int_equal(p.closes, t0 + week);
	gov_proposal_release(&p);
	/* a test's two seconds: shorter than a minute, taken */
	assert_int_equal(govern_propose(f.s, &f.keys, coop, m[0].id, false, c2, text, t0 + 1999,
					2000, false, t0, &p, err, sizeof(err)),
			 CMN_ERR_INVALID);
	assert_string_equal(err, "/closes: from 2 seconds to 90 days from now");
	assert_int_equal(govern_propose(f.s, &f.keys, coop, m[0].id, false, c2, text, t0 + 2000,
					2000, false, t0, &p, err, sizeof(err)),
			 CMN_OK);
	gov_proposal_release(&p);
	json_decref(text);
}

/* ---- the register ------------------------------------------------------------------- */

/* Each alteration of one entry of a body's register is found at that entry
 * (a removal at the one after the gap), and the other body's register
 * still verifies; restored, the register verifies again. Removing the last
 * entries is not found: the documented limit of a chain without an
 * external anchor. */
static void tampered_register_fails_verify(void **state)
{
	char coop[CRYPT_ID_LEN], other[CRYPT_ID_LEN], c[CRYPT_ID_LEN], prop[CRYPT_ID_LEN];
	char *h1, *sig2, *bad;
	struct person m[3];

	(void)state;
	body("WeMix", COOP_MAJORITY, coop);
	body("Autre", COOP_MAJORITY, other);
	members(coop, m, 3);                    /* entries 2, 3, 4 */
	join_body(other, &m[0], NULL);
	draft("cooperative", c);
	submitted(coop, &m[0], c, false, prop); /* 5 */
	vote(prop, &m[0], "yes");
	assert_int_equal(closed(prop, NULL), GOV_APPROVED); /* 6 */
	verifies(coop, 6);
	verifies(other, 2);
	sql("CREATE TABLE saved AS SELECT * FROM gov_register WHERE body_id = '%s'", coop);
#define RESTORE                                                                             \
	sql("DELETE FROM gov_register WHERE body_id = '%s';"                               \
	    " INSERT INTO gov_register SELECT * FROM saved", coop);                        \
	verifies(coop, 6)

	/* a payload byte: the college of a member */
	sql("UPDATE gov_register SET payload = replace(payload, '\"college\":\"\"',"
	    " '\"college\":\"x\"') WHERE body_id = '%s' AND seq = 3", coop);
	fails_at(coop, 3, "does not give its hash");
	verifies(other, 2);
	RESTORE;
	/* the decision: approved made rejected */
	sql("UPDATE gov_register SET payload = replace(payload, '\"outcome\":\"approved\"',"
	    " '\"outcome\":\"rejected\"') WHERE body_id = '%s' AND seq = 6", coop);
	fails_at(coop, 6, "does not give its hash");
	RESTORE;
	/* its time */
	sql("UPDATE gov_register SET at = at + 1 WHERE body_id = '%s' AND seq = 5", coop);
	fails_at(coop, 5, "does not give its hash");
	RESTORE;
	/* an entry removed in the middle: the next one does not follow */
	sql("DELETE FROM gov_register WHERE body_id = '%s' AND seq = 3", coop);
	fails_at(coop, 4, "follows 2");
	verifies(other, 2);
	RESTORE;
	/* removed and the later ones renumbered: their prev gives it away */
	sql("DELETE FROM gov_register WHERE body_id = '%s' AND seq = 3;"
	    " UPDATE gov_register SET seq = -seq WHERE body_id = '%s' AND seq > 3;"
	    " UPDATE gov_register SET seq = -seq - 1 WHERE body_id = '%s' AND seq < 0",
	    coop, coop, coop);
	fails_at(coop, 3, "prev");
	RESTORE;
	/* a prev changed (to the hash of the first entry) */
	h1 = sql_text("SELECT hash FROM gov_register WHERE body_id = '%s' AND seq = 1", coop);
	sql("UPDATE gov_register SET prev = '%s' WHERE body_id = '%s' AND seq = 3", h1, coop);
	fails_at(coop, 3, "prev");
	RESTORE;
	/* a signature: another entry's (a valid JWS of another hash) */
	sig2 = sql_text("SELECT sig FROM gov_register WHERE body_id = '%s' AND seq = 2", coop);
	sql("UPDATE gov_register SET sig = '%s' WHERE body_id = '%s' AND seq = 4", sig2, coop);
	fails_at(coop, 4, "signature");
	RESTORE;
	/* a signature: one character of the signature part changed */
	bad = sql_text("SELECT sig FROM gov_register WHERE body_id = '%s' AND seq = 4", coop);
	{
		char *s = strrchr(bad, '.') + 5;

		*s = *s == 'A' ? 'B' : 'A';
	}
	sql("UPDATE gov_register SET sig = '%s' WHERE body_id = '%s' AND seq = 4", bad, coop);
	fails_at(coop, 4, "signature");
	RESTORE;
	/* the whole chain recomputed from an altered entry on, without the
	 * platform key: the hashes hold, the signatures do not */
	{
		char prev[CRYPT_HASH_HEX_LEN], hash[CRYPT_HASH_HEX_LEN];
		char *p3;

		sql("UPDATE gov_register SET payload = replace(payload, '\"college\":\"\"',"
		    " '\"college\":\"x\"') WHERE body_id = '%s' AND seq = 3", coop);
		free(h1);
		h1 = sql_text("SELECT hash FROM gov_register WHERE body_id = '%s' AND seq = 2",
			      coop);
		snprintf(prev, sizeof(prev), "%s", h1);
		for (int seq = 3; seq <= 6; seq++) {
			char *kind = sql_text("SELECT kind FROM gov_register WHERE body_id = '%s'"
					      " AND seq = %d", coop, seq);
			char *at = sql_text("SELECT at FROM gov_register WHERE body_id = '%s'"
					    " AND seq = %d", coop, seq);

			p3 = sql_text("SELECT payload FROM gov_register WHERE body_id = '%s'"
				      " AND seq = %d", coop, seq);
			gov_entry_hash(prev, seq, strtoll(at, NULL, 10), kind, p3, hash);
			sql("UPDATE gov_register SET prev = '%s', hash = '%s' WHERE body_id = '%s'"
			    " AND seq = %d", prev, hash, coop, seq);
			snprintf(prev, sizeof(prev), "%s", hash);
			free(kind);
			free(at);
			free(p3);
		}
		fails_at(coop, 3, "signature");
		RESTORE;
	}
	/* the limit: the last entry removed is not found */
	sql("DELETE FROM gov_register WHERE body_id = '%s' AND seq = 6", coop);
	verifies(coop, 5);
	/* an emptied register is */
	sql("DELETE FROM gov_register WHERE body_id = '%s'", coop);
	fails_at(coop, 0, "empty");
	RESTORE;
	sql("DROP TABLE saved");
#undef RESTORE
	free(h1);
	free(sig2);
	free(bad);
}

/* ---- what the decision entry shows --------------------------------------------------- */

/* Under an open ballot the decision lists every present member's vote by
 * their hash ("none" for those who did not vote); under a secret one the
 * counts only. No person id appears anywhere in the register. */
static void open_and_secret_ballots(void **state)
{
	char coop[CRYPT_ID_LEN], c1[CRYPT_ID_LEN], c2[CRYPT_ID_LEN];
	char open[CRYPT_ID_LEN], secret[CRYPT_ID_LEN];
	const char *choice[4] = {"yes", "no", "abstain", NULL};
	struct person m[4];
	struct entries l;
	json_t *d, *votes, *v;
	size_t i, seen = 0;

	(void)state;
	body("WeMix", COOP_MAJORITY, coop);
	members(coop, m, 4);
	draft("cooperative", c1);
	draft("cooperative", c2);
	submitted(coop, &m[0], c1, false, open);
	submitted(coop, &m[0], c2, true, secret);
	for (i = 0; i < 4; i++) {
		if (!choice[i])
			continue;
		vote(open, &m[i], choice[i]);
		vote(secret, &m[i], choice[i]);
	}
	assert_int_equal(closed(open, NULL), GOV_REJECTED);   /* 1 yes, 1 no: a tie */
	assert_int_equal(closed(secret, NULL), GOV_REJECTED);

	entries_of(coop, &l);
	assert_int_equal(l.n, 1 + 4 + 2 + 2);
	assert_string_equal(l.kind[7], "proposal.decide");
	assert_string_equal(l.kind[8], "proposal.decide");
	/* the open ballot */
	d = l.payload[7];
	assert_string_equal(json_string_value(json_object_get(d, "proposal")), open);
	assert_string_equal(json_string_value(json_object_get(d, "campaign")), c1);
	assert_string_equal(json_string_value(json_object_get(d, "outcome")), "rejected");
	assert_string_equal(json_string_value(json_object_get(json_object_get(d, "tally"), "rule")),
			    "majority");
	votes = json_object_get(d, "votes");
	assert_true(json_is_array(votes));
	assert_int_equal(json_array_size(votes), 4);
	for (size_t k = 0; k < 4; k++) {
		char mh[CRYPT_HASH_HEX_LEN];

		govern_member_hash(coop, m[k].id, mh);
		json_array_foreach(votes, i, v) {
			if (strcmp(json_string_value(json_object_get(v, "member")), mh) != 0)
				continue;
			assert_string_equal(json_string_value(json_object_get(v, "vote")),
					    choice[k] ? choice[k] : "none");
			seen++;
		}
	}
	assert_int_equal(seen, 4);
	/* the secret one: counts only */
	d = l.payload[8];
	assert_string_equal(json_string_value(json_object_get(d, "proposal")), secret);
	assert_null(json_object_get(d, "votes"));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(d, "tally"), "yes")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(d, "tally"), "no")), 1);
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(d, "tally"), "abstain")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(d, "tally"), "none")),
			 1);
	/* the submissions say which ballot */
	assert_string_equal(json_string_value(json_object_get(l.payload[5], "ballot")), "open");
	assert_string_equal(json_string_value(json_object_get(l.payload[6], "ballot")), "secret");
	/* members as hashes only */
	for (i = 0; i < l.n; i++) {
		char *text = json_dumps(l.payload[i], JSON_COMPACT);

		assert_non_null(text);
		for (size_t k = 0; k < 4; k++)
			if (strstr(text, m[k].id))
				fail_msg("entry %zu names %s: %s", i + 1, m[k].handle, text);
		free(text);
	}
	entries_release(&l);
	verifies(coop, 9);
}

/* ---- the scenario --------------------------------------------------------------------- */

#define HOUSEHOLDS 40

struct households {
	struct person p[HOUSEHOLDS];
	size_t n;
};

static enum cmn_rc has_load_curve(const struct series_def *d, void *ctx)
{
	bool *yes = ctx;

	*yes = *yes || strcmp(d->doctype, LOAD_CURVE) == 0;
	return CMN_OK;
}

/* the synthetic households with a load curve */
static enum cmn_rc household(const struct person *p, void *ctx)
{
	struct households *h = ctx;
	struct pstore *ps;
	bool curve = false;

	if (p->handle[0] != 'h')
		return CMN_OK;
	assert_int_equal(store_person_store(f.s, p->id, &ps), CMN_OK);
	assert_int_equal(pstore_series_each(ps, has_load_curve, &curve), CMN_OK);
	if (curve) {
		assert_true(h->n < HOUSEHOLDS);
		h->p[h->n++] = *p;
	}
	return CMN_OK;
}

static bool counted(const char *campaign_id, const struct person *p)
{
	struct campaign_part part;

	assert_int_equal(store_campaign_part_get(f.s, campaign_id, p->id, &part), CMN_OK);
	return part.counted;
}

/* The acceptance: a cooperative of synthetic members votes a
 * WeMix-style energy campaign, it runs and publishes; a member who left
 * before the run is absent from the inputs. The cooperative is a SCIC of
 * three weighted colleges (50/30/20), quorum 1/4; its members are the
 * households of a synthetic territory that have a load curve. */
static void scenario_cooperative_votes_runs_publishes(void **state)
{
	static const char *const colleges[3] = {"producers", "beneficiaries", "local_authority"};
	struct synth_opts o;
	struct synth_stats sst;
	struct households *h = calloc(1, sizeof(*h));
	struct campaign_run_stats st;
	struct gov_proposal p;
	struct campaign_row row;
	struct campaign_part part;
	struct entries l;
	struct person *leaver, *stayer;
	char coop[CRYPT_ID_LEN], c[CRYPT_ID_LEN], prop[CRYPT_ID_LEN], err[400] = "";
	char mh[CRYPT_HASH_HEX_LEN];
	size_t withdrawn = 99, notified = 0, n;
	json_t *t, *res;

	(void)state;
	assert_non_null(h);
	memset(&o, 0, sizeof(o));
	o.seed = 11;
	o.households = HOUSEHOLDS;
	o.start_day = time_days_from_civil(2026, 1, 1);
	o.days = 31;
	o.jobs = 4;
	o.store = f.s;
	o.reg = &f.reg;
	if (synth_run(&o, &sst, err, sizeof(err)) != CMN_OK)
		fail_msg("synth: %s", err);
	assert_int_equal(store_person_each(f.s, household, h), CMN_OK);
	n = h->n;
	assert_true(n >= 30);
	print_message("%zu of %d households have a load curve\n", n, HOUSEHOLDS);

	/* the cooperative and its members, across the colleges */
	body("WeMix", SCIC, coop);
	for (size_t i = 0; i < n; i++)
		join_body(coop, &h->p[i], colleges[i % 3]);
	leaver = &h->p[1];
	stayer = &h->p[0];

	/* the campaign, submitted by a member, voted, decided */
	draft("cooperative", c);
	submitted(coop, &h->p[0], c, false, prop);
	for (size_t i = 0; i < n; i++) {
		/* producers for; beneficiaries for but one; the local authority's
		 * members abstain or do not vote */
		const char *choice = i % 3 == 0   ? "yes"
				     : i % 3 == 1 ? (i == 1 ? "no" : "yes")
				     : i % 2	  ? "abstain"
						  : NULL;

		if (choice)
			vote(prop, &h->p[i], choice);
	}
	assert_int_equal(closed(prop, &p), GOV_APPROVED);
	t = json_loads(p.tally, 0, NULL);
	assert_non_null(t);
	assert_string_equal(json_string_value(json_object_get(t, "rule")), "weighted_colleges");
	assert_int_equal(json_integer_value(json_object_get(t, "members")), (json_int_t)n);
	assert_int_equal(json_array_size(json_object_get(t, "colleges")), 3);
	json_decref(t);
	gov_proposal_release(&p);
	assert_int_equal(store_campaign_get(f.s, c, false, &row), CMN_OK);
	assert_int_equal(row.state, CAMPAIGN_STATE_APPROVED);
	assert_string_equal(row.decided_by, prop);
	campaign_row_release(&row);

	/* the members join; someone else may not */
	for (size_t i = 0; i < n; i++)
		if (join_campaign(&h->p[i], c) != CMN_OK)
			fail_msg("%s cannot join", h->p[i].handle);
	assert_int_equal(join_campaign(&f.alice, c), CMN_ERR_FORBIDDEN);

	/* one leaves the cooperative before the run: withdrawn from it, and
	 * cannot come back to the campaign */
	assert_int_equal(govern_leave(f.s, &f.keys, coop, leaver->id, time_now_ms(), &withdrawn),
			 CMN_OK);
	assert_int_equal(withdrawn, 1);
	assert_int_equal(store_campaign_part_get(f.s, c, leaver->id, &part), CMN_OK);
	assert_true(part.withdrawn != 0);
	assert_int_equal(join_campaign(leaver, c), CMN_ERR_FORBIDDEN);

	/* the run: every member but the leaver is counted */
	if (run(c, &st, err, sizeof(err)) != CMN_OK)
		fail_msg("run: %s", err);
	assert_int_equal(st.joined, n - 1);
	assert_int_equal(st.no_grant + st.no_budget + st.no_profile + st.no_data, 0);
	assert_int_equal(st.counted, n - 1);
	assert_false(counted(c, leaver));
	assert_true(counted(c, stayer));
	for (size_t i = 0; i < n; i++)
		assert_true(counted(c, &h->p[i]) == (&h->p[i] != leaver));
	assert_int_equal(campaign_publish(f.s, c, time_now_ms(), "test", NULL, &notified), CMN_OK);
	assert_int_equal(notified, n - 1);
	assert_int_equal(store_campaign_get(f.s, c, true, &row), CMN_OK);
	assert_int_equal(row.state, CAMPAIGN_STATE_PUBLISHED);
	res = json_loads(row.results, 0, NULL);
	assert_non_null(res);
	assert_int_equal(json_array_size(json_object_get(res, "cells")), 24);
	json_decref(res);
	campaign_row_release(&row);
	/* a leaver after the run changes nothing any more */
	assert_int_equal(govern_leave(f.s, &f.keys, coop, stayer->id, time_now_ms(), &withdrawn),
			 CMN_OK);
	assert_int_equal(withdrawn, 0);

	/* the register, in order */
	verifies(coop, (int64_t)(1 + n + 1 + 1 + 2));
	entries_of(coop, &l);
	assert_int_equal(l.n, 1 + n + 1 + 1 + 2);
	assert_string_equal(l.kind[0], "body.create");
	assert_string_equal(json_string_value(json_object_get(l.payload[0], "kind")),
			    "cooperative");
	for (size_t i = 0; i < n; i++) {
		govern_member_hash(coop, h->p[i].id, mh);
		assert_string_equal(l.kind[1 + i], "member.join");
		assert_string_equal(json_string_value(json_object_get(l.payload[1 + i], "member")),
				    mh);
		assert_string_equal(json_string_value(json_object_get(l.payload[1 + i], "college")),
				    colleges[i % 3]);
	}
	assert_string_equal(l.kind[n + 1], "proposal.submit");
	assert_string_equal(json_string_value(json_object_get(l.payload[n + 1], "campaign")), c);
	assert_string_equal(l.kind[n + 2], "proposal.decide");
	assert_string_equal(json_string_value(json_object_get(l.payload[n + 2], "outcome")),
			    "approved");
	assert_string_equal(l.kind[n + 3], "member.leave");
	govern_member_hash(coop, leaver->id, mh);
	assert_string_equal(json_string_value(json_object_get(l.payload[n + 3], "member")), mh);
	assert_int_equal(
		json_integer_value(json_object_get(l.payload[n + 3], "campaigns_withdrawn")), 1);
	assert_string_equal(l.kind[n + 4], "member.leave");
	for (size_t i = 0; i < l.n; i++)
		assert_int_equal(l.seq[i], (int64_t)i + 1);
	entries_release(&l);
	free(h);
}

/* ---- data-sharing agreements and changes of rules ------------------------------------- */

#define BANK "bank.transaction"

/* spend - a bank transaction of p on day (YYYY-MM-DD) */
static void spend(const struct person *p, const char *day, int cents, const char *category)
{
	struct record_meta m;
	struct pstore *ps;
	char data[300], when[40];

	memset(&m, 0, sizeof(m));
	snprintf(data, sizeof(data),
		 "{\"date\":\"%s\",\"amount\":%d.%02d,\"currency\":\"EUR\",\"label\":\"secret label\","
		 "\"category\":\"%s\",\"account\":\"FR76 0000\"}",
		 day, -cents / 100, cents % 100, category);
	snprintf(m.doctype, sizeof(m.doctype), "%s", BANK);
	crypt_uuid7_new(m.id);
	snprintf(m.source, sizeof(m.source), "test");
	snprintf(when, sizeof(when), "%sT12:00:00Z", day);
	assert_int_equal(time_parse(when, false, &m.t), CMN_OK);
	assert_int_equal(store_person_store(f.s, p->id, &ps), CMN_OK);
	assert_int_equal(pstore_record_insert(ps, &m, data, "test"), CMN_OK);
}

/* terms - an agreement's terms on bank transactions of the first quarter of
 * 2026, sharing amount and category, ending `days` after t0 */
static void terms(char *out, size_t n, int days)
{
	char ends[TIME_RFC3339_LEN];

	time_format(ends, t0 + days * 86400000LL);
	snprintf(out, n,
		 "{\"title\":{\"fr\":\"Budget énergie\",\"en\":\"Energy budget\"},"
		 "\"purpose\":{\"fr\":\"Étudier la précarité.\",\"en\":\"Study poverty.\"},"
		 "\"doctypes\":[{\"doctype\":\"" BANK "\",\"fields\":[\"amount\",\"category\"]}],"
		 "\"from\":\"2026-01-01T00:00:00Z\",\"to\":\"2026-04-01T00:00:00Z\","
		 "\"ends\":\"%s\"}",
		 ends);
}

static void agreement_of(const char *body_id, int days, char id[CRYPT_ID_LEN])
{
	struct gov_agreement a;
	char text[1024], err[300] = "";

	terms(text, sizeof(text), days);
	if (agreement_create(f.s, &f.reg, org.id, body_id, text, strlen(text), t0, &a, err,
			     sizeof(err)) != CMN_OK)
		fail_msg("agreement: %s", err);
	assert_int_equal(a.state, GOV_AGREEMENT_DRAFT);
	memcpy(id, a.id, CRYPT_ID_LEN);
	gov_agreement_release(&a);
}

/* voted - the agreement submitted by the organisation, voted by m[0..n)
 * with choice, decided */
static enum gov_state voted(const char *body_id, const char *agreement_id, const struct person *m,
			    size_t n, const char *choice)
{
	struct gov_proposal p;
	json_t *text = text_fr_en();
	char err[300] = "";

	if (govern_propose_agreement(f.s, &f.keys, body_id, m[0].id, true, agreement_id, text,
				     t0 + 61000, GOVERN_VOTE_MIN_DEFAULT_MS, false, t0, &p, err,
				     sizeof(err)) != CMN_OK)
		fail_msg("propose: %s", err);
	json_decref(text);
	for (size_t i = 0; i < n; i++)
		vote(p.id, &m[i], choice);
	{
		char id[CRYPT_ID_LEN];

		memcpy(id, p.id, CRYPT_ID_LEN);
		gov_proposal_release(&p);
		return closed(id, NULL);
	}
}

/* read_page - one page of the agreement's bank transactions at now */
static enum cmn_rc read_page(const char *agreement_id, const char *cursor, size_t limit,
			     int64_t now, json_t **items, struct agreement_page *page, char *why,
			     size_t whyn)
{
	struct buf out;
	enum cmn_rc rc;

	/* what the caller wrote before stays before the array */
	buf_init(&out, 1 << 24);
	buf_puts(&out, "{\"items\":");
	rc = agreement_read(f.s, &f.keys, &f.reg, agreement_id, BANK, cursor, limit, now,
			    "person:agent/agreement:x", &out, page, why, whyn);
	if (rc == CMN_OK)
		buf_puts(&out, "}");
	*items = NULL;
	if (rc == CMN_OK) {
		json_t *root = json_loads(out.data, 0, NULL);

		*items = json_incref(json_object_get(root, "items"));
		json_decref(root);
	}
	if (rc == CMN_OK)
		assert_non_null(*items);
	buf_release(&out);
	return rc;
}

static void refused(const char *agreement_id, int64_t now, const char *because)
{
	struct agreement_page page;
	json_t *items = NULL;
	char why[300] = "";

	assert_int_equal(read_page(agreement_id, NULL, 0, now, &items, &page, why, sizeof(why)),
			 CMN_ERR_FORBIDDEN);
	if (!strstr(why, because))
		fail_msg("refused because \"%s\", expected \"%s\"", why, because);
	assert_null(items);
	assert_null(page.next);
}

static enum cmn_rc count_entry(const struct audit_entry *e, void *ctx)
{
	(void)e;
	++*(size_t *)ctx;
	return CMN_OK;
}

static size_t reads_in_chain(const struct person *p)
{
	struct audit_filter af = {.action = "agreement.read", .to = INT64_MAX};
	struct pstore *ps;
	size_t n = 0;

	assert_int_equal(store_person_store(f.s, p->id, &ps), CMN_OK);
	assert_int_equal(pstore_audit_each(ps, &af, 0, 1000, count_entry, &n), CMN_OK);
	return n;
}

/* An agreement serves nothing as a draft, nothing once rejected, nothing
 * ended or expired; approved, it serves the agreed fields of the present
 * members' records of its period, under pseudonyms, page by page, and each
 * member read finds it in their audit chain. */
static void agreement_runs_only_when_approved(void **state)
{
	char coop[CRYPT_ID_LEN], yes[CRYPT_ID_LEN], no[CRYPT_ID_LEN], ended[CRYPT_ID_LEN];
	char why[300], cursor[1024] = "", seen[8][AGREEMENT_PSEUDONYM_LEN], mh[CRYPT_HASH_HEX_LEN];
	struct person m[4], outsider;
	struct agreement_page page;
	struct gov_agreement a;
	json_t *items;
	size_t nseen = 0, total = 0;

	(void)state;
	body("WeMix", COOP_MAJORITY, coop);
	members(coop, m, 4);
	outsider = person();
	/* m[0] 2 in the period and 1 after it, m[1] 1, m[2] none, m[3] 1 then leaves */
	spend(&m[0], "2026-01-15", 4210, "energy");
	spend(&m[0], "2026-03-31", 1999, "food");
	spend(&m[0], "2026-04-02", 5000, "energy");
	spend(&m[1], "2026-02-01", 12000, "rent");
	spend(&m[3], "2026-02-10", 3000, "energy");
	spend(&outsider, "2026-02-10", 3000, "energy");

	agreement_of(coop, 30, yes);
	refused(yes, t0, "not been approved");
	assert_int_equal(voted(coop, yes, m, 4, "yes"), GOV_APPROVED);
	assert_int_equal(store_gov_agreement_get(f.s, yes, &a), CMN_OK);
	assert_int_equal(a.state, GOV_AGREEMENT_APPROVED);
	assert_int_not_equal(a.decided_by[0], '\0');
	gov_agreement_release(&a);

	/* m[3] leaves: their data leaves the agreement */
	assert_int_equal(govern_leave(f.s, &f.keys, coop, m[3].id, t0 + 62000, NULL), CMN_OK);

	/* one record a page: the 3 records of the period of the 3 present
	 * members, each once, with the agreed fields only */
	do {
		json_t *item, *data;

		assert_int_equal(read_page(yes, cursor[0] ? cursor : NULL, 1, t0 + 70000, &items,
					   &page, why, sizeof(why)),
				 CMN_OK);
		assert_true(json_array_size(items) <= 1);
		total += json_array_size(items);
		if ((item = json_array_get(items, 0))) {
			const char *who = json_string_value(json_object_get(item, "member"));

			assert_non_null(who);
			assert_int_equal(strlen(who), 32);
			for (size_t i = 0; i < 4; i++) {
				govern_member_hash(coop, m[i].id, mh);
				assert_string_not_equal(who, m[i].id);
				assert_null(strstr(mh, who));
			}
			if (nseen == 0 || strcmp(seen[nseen - 1], who) != 0) {
				for (size_t i = 0; i < nseen; i++)
					assert_string_not_equal(seen[i], who);
				snprintf(seen[nseen++], AGREEMENT_PSEUDONYM_LEN, "%s", who);
			}
			data = json_object_get(item, "data");
			assert_int_equal(json_object_size(data), 2);
			assert_non_null(json_object_get(data, "amount"));
			assert_non_null(json_object_get(data, "category"));
			assert_null(json_object_get(data, "label"));
		}
		json_decref(items);
		cursor[0] = '\0';
		if (page.next)
			snprintf(cursor, sizeof(cursor), "%s", page.next);
		free(page.next);
	} while (cursor[0] && total < 10);
	assert_int_equal(total, 3);
	assert_int_equal(nseen, 2);
	assert_int_equal(reads_in_chain(&m[0]), 2);
	assert_int_equal(reads_in_chain(&m[1]), 1);
	assert_int_equal(reads_in_chain(&m[2]), 0);
	assert_int_equal(reads_in_chain(&m[3]), 0);
	assert_int_equal(reads_in_chain(&outsider), 0);

	/* the whole at once; a cursor of another agreement or altered is refused */
	assert_int_equal(read_page(yes, NULL, 0, t0 + 70000, &items, &page, why, sizeof(why)),
			 CMN_OK);
	assert_int_equal(json_array_size(items), 3);
	assert_int_equal(page.members, 2);
	assert_null(page.next);
	json_decref(items);
	assert_int_equal(read_page(yes, "AAAA", 1, t0 + 70000, &items, &page, why, sizeof(why)),
			 CMN_ERR_INVALID);

	/* its time over, it serves nothing */
	refused(yes, t0 + 31 * 86400000LL, "expired");

	/* rejected: never */
	agreement_of(coop, 30, no);
	assert_int_equal(voted(coop, no, m, 3, "no"), GOV_REJECTED);
	refused(no, t0 + 70000, "rejected");
	{
		json_t *text = text_fr_en();
		struct gov_proposal p;

		/* and it cannot be put to a vote again */
		assert_int_equal(govern_propose_agreement(f.s, &f.keys, coop, m[0].id, false, no,
							  text, t0 + 200000,
							  GOVERN_VOTE_MIN_DEFAULT_MS, false,
							  t0 + 70000, &p, why, sizeof(why)),
				 CMN_ERR_CONFLICT);
		json_decref(text);
	}

	/* ended early by its organisation: never again */
	agreement_of(coop, 30, ended);
	assert_int_equal(voted(coop, ended, m, 3, "yes"), GOV_APPROVED);
	assert_int_equal(agreement_end(f.s, &f.keys, ended, t0 + 80000, "organisation"), CMN_OK);
	refused(ended, t0 + 90000, "ended");
	assert_int_equal(agreement_end(f.s, &f.keys, ended, t0 + 90000, "organisation"),
			 CMN_ERR_CONFLICT);
	verifies(coop, 1 + 4 + 2 + 1 + 2 + 2 + 1);
}

#define COOP_THREE_QUARTERS                                                              \
	"{\"kind\":\"cooperative\",\"rule\":\"qualified_majority\",\"quorum\":\"1/4\","  \
	"\"threshold\":\"3/4\"}"

static enum cmn_rc propose_statutes(const char *body_id, const struct person *by,
				    const char *statutes, int64_t now, char *err, size_t errn,
				    char id[CRYPT_ID_LEN])
{
	struct gov_proposal p;
	json_t *text = text_fr_en();
	enum cmn_rc rc = govern_propose_statutes(f.s, &f.keys, body_id, by->id, statutes,
						 strlen(statutes), text, now + 61000,
						 GOVERN_VOTE_MIN_DEFAULT_MS, false, now, &p, err,
						 errn);

	json_decref(text);
	if (rc == CMN_OK) {
		if (id)
			memcpy(id, p.id, CRYPT_ID_LEN);
		gov_proposal_release(&p);
	}
	return rc;
}

static void statutes_refused(const char *body_id, const struct person *by, const char *statutes,
			     enum cmn_rc want, const char *because)
{
	char err[300] = "";

	assert_int_equal(propose_statutes(body_id, by, statutes, t0, err, sizeof(err), NULL), want);
	if (!strstr(err, because))
		fail_msg("refused because \"%s\", expected \"%s\"", err, because);
}

/* A member proposes new statutes. Another kind, other colleges, the same
 * statutes or bad ones are refused, as is a second change while one is
 * open, and a non-member. Approved, they become the body's statutes, in
 * the register; a proposal submitted before the change is decided under
 * the old rule, one submitted after under the new one. */
static void statutes_change(void **state)
{
	char coop[CRYPT_ID_LEN], change[CRYPT_ID_LEN], before[CRYPT_ID_LEN], after[CRYPT_ID_LEN];
	char c1[CRYPT_ID_LEN], c2[CRYPT_ID_LEN], err[300];
	struct person m[4], outsider;
	struct gov_proposal p;
	struct gov_body b;
	struct entries l;

	(void)state;
	body("WeMix", COOP_MAJORITY, coop);
	members(coop, m, 4);
	outsider = person();
	statutes_refused(coop, &m[0], TRUST_MAJORITY, CMN_ERR_INVALID, "/statutes/kind");
	statutes_refused(coop, &m[0], SCIC, CMN_ERR_INVALID, "/statutes/colleges");
	statutes_refused(coop, &m[0], COOP_MAJORITY, CMN_ERR_INVALID, "in force");
	statutes_refused(coop, &m[0], "{\"kind\":\"cooperative\",\"rule\":\"unanimity\"}",
			 CMN_ERR_INVALID, "/statutes/rule");
	statutes_refused(coop, &outsider, COOP_THREE_QUARTERS, CMN_ERR_FORBIDDEN, "member");

	/* a campaign submitted under the majority rule, then the change */
	draft("cooperative", c1);
	submitted(coop, &m[0], c1, false, before);
	assert_int_equal(propose_statutes(coop, &m[1], COOP_THREE_QUARTERS, t0, err, sizeof(err),
					  change),
			 CMN_OK);
	statutes_refused(coop, &m[2], COOP_THREE_QUARTERS, CMN_ERR_CONFLICT, "open already");
	/* two submissions at once: the store takes only one */
	memset(&p, 0, sizeof(p));
	snprintf(p.body_id, sizeof(p.body_id), "%s", coop);
	snprintf(p.by, sizeof(p.by), "%s", m[2].id);
	snprintf(p.subject_kind, sizeof(p.subject_kind), "statutes");
	snprintf(p.subject_id, sizeof(p.subject_id), "%s", coop);
	p.text = (char *)"{}";
	p.closes = t0 + 61000;
	assert_int_equal(store_gov_proposal_add(f.s, &p), CMN_ERR_EXISTS);
	vote(change, &m[0], "yes");
	vote(change, &m[1], "yes");
	vote(change, &m[2], "yes");
	vote(change, &m[3], "no");
	/* 2 for, 1 against: passes the majority, not three quarters */
	vote(before, &m[0], "yes");
	vote(before, &m[1], "yes");
	vote(before, &m[2], "no");
	assert_int_equal(closed(change, NULL), GOV_APPROVED);
	assert_int_equal(store_gov_body_get(f.s, coop, &b), CMN_OK);
	assert_non_null(strstr(b.statutes, "\"threshold\":\"3/4\""));
	assert_non_null(strstr(b.statutes, "qualified_majority"));
	gov_body_release(&b);
	assert_int_equal(closed(before, NULL), GOV_APPROVED);
	assert_int_equal(state_of(c1), CAMPAIGN_STATE_APPROVED);

	/* submitted after the change: three quarters needed */
	draft("cooperative", c2);
	{
		json_t *text = text_fr_en();

		assert_int_equal(govern_propose(f.s, &f.keys, coop, m[0].id, false, c2, text,
						t0 + 200000, GOVERN_VOTE_MIN_DEFAULT_MS, false,
						t0 + 100000, &p, err, sizeof(err)),
				 CMN_OK);
		json_decref(text);
		memcpy(after, p.id, CRYPT_ID_LEN);
		gov_proposal_release(&p);
	}
	assert_int_equal(govern_vote(f.s, after, m[0].id, "yes", t0 + 110000), CMN_OK);
	assert_int_equal(govern_vote(f.s, after, m[1].id, "yes", t0 + 110000), CMN_OK);
	assert_int_equal(govern_vote(f.s, after, m[2].id, "no", t0 + 110000), CMN_OK);
	assert_int_equal(govern_close(f.s, &f.keys, after, t0 + 200001, &p, err, sizeof(err)),
			 CMN_OK);
	assert_int_equal(p.state, GOV_REJECTED);
	gov_proposal_release(&p);
	assert_int_equal(state_of(c2), CAMPAIGN_STATE_REJECTED);

	/* the register: the change, then the new statutes */
	entries_of(coop, &l);
	{
		bool found = false;

		for (size_t i = 0; i < l.n; i++) {
			if (strcmp(l.kind[i], "body.statutes") != 0)
				continue;
			found = true;
			assert_string_equal(json_string_value(json_object_get(l.payload[i],
									      "proposal")),
					    change);
			assert_string_equal(json_string_value(json_object_get(
						    json_object_get(l.payload[i], "statutes"),
						    "threshold")),
					    "3/4");
			assert_string_equal(l.kind[i - 1], "proposal.decide");
		}
		assert_true(found);
	}
	entries_release(&l);
	verifies(coop, 1 + 4 + 2 + 2 + 1 + 2);
}

/* Terms are checked whole: each fault names its pointer. */
static void agreement_terms_are_checked(void **state)
{
	static const struct {
		const char *doctypes, *from, *extra, *pointer;
	} bad[] = {
		{"[]", "2026-01-01T00:00:00Z", "", "/doctypes"},
		{"[{\"doctype\":\"nope\",\"fields\":[\"a\"]}]", "2026-01-01T00:00:00Z", "",
		 "/doctypes/0/doctype"},
		{"[{\"doctype\":\"" LOAD_CURVE "\",\"fields\":[\"prm\"]}]", "2026-01-01T00:00:00Z", "",
		 "/doctypes/0/doctype"},
		{"[{\"doctype\":\"" BANK "\",\"fields\":[]}]", "2026-01-01T00:00:00Z", "",
		 "/doctypes/0/fields"},
		{"[{\"doctype\":\"" BANK "\",\"fields\":[\"pin\"]}]", "2026-01-01T00:00:00Z", "",
		 "/doctypes/0/fields/0"},
		{"[{\"doctype\":\"" BANK "\",\"fields\":[\"amount\",\"amount\"]}]",
		 "2026-01-01T00:00:00Z", "", "/doctypes/0/fields/1"},
		{"[{\"doctype\":\"" BANK "\",\"fields\":[\"amount\"]}]", "2026-05-01T00:00:00Z", "",
		 "/to"},
		{"[{\"doctype\":\"" BANK "\",\"fields\":[\"amount\"]}]", "yesterday", "", "/from"},
		{"[{\"doctype\":\"" BANK "\",\"fields\":[\"amount\"]}]", "2026-01-01T00:00:00Z",
		 ",\"copy\":true", "/copy"},
	};
	char coop[CRYPT_ID_LEN], text[1200], ends[TIME_RFC3339_LEN], err[300];
	struct gov_agreement a;

	(void)state;
	body("WeMix", COOP_MAJORITY, coop);
	time_format(ends, t0 + 86400000LL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		snprintf(text, sizeof(text),
			 "{\"title\":{\"fr\":\"T\",\"en\":\"T\"},\"purpose\":{\"fr\":\"P\",\"en\":\"P\"},"
			 "\"doctypes\":%s,\"from\":\"%s\",\"to\":\"2026-04-01T00:00:00Z\","
			 "\"ends\":\"%s\"%s}",
			 bad[i].doctypes, bad[i].from, ends, bad[i].extra);
		err[0] = '\0';
		assert_int_equal(agreement_create(f.s, &f.reg, org.id, coop, text, strlen(text), t0,
						  &a, err, sizeof(err)),
				 CMN_ERR_INVALID);
		if (strncmp(err, bad[i].pointer, strlen(bad[i].pointer)) != 0 ||
		    err[strlen(bad[i].pointer)] != ':')
			fail_msg("case %zu: \"%s\", expected %s", i, err, bad[i].pointer);
	}
	/* an end already past, or more than three years away */
	terms(text, sizeof(text), -1);
	assert_int_equal(agreement_create(f.s, &f.reg, org.id, coop, text, strlen(text), t0, &a,
					  err, sizeof(err)),
			 CMN_ERR_INVALID);
	terms(text, sizeof(text), 4 * 366);
	assert_int_equal(agreement_create(f.s, &f.reg, org.id, coop, text, strlen(text), t0, &a,
					  err, sizeof(err)),
			 CMN_ERR_INVALID);
	/* no such body */
	terms(text, sizeof(text), 30);
	assert_int_equal(agreement_create(f.s, &f.reg, org.id, "00000000000000000000000000000000",
					  text, strlen(text), t0, &a, err, sizeof(err)),
			 CMN_ERR_NOT_FOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(operator_cannot_approve_a_body_campaign, setup,
						teardown),
		cmocka_unit_test_setup_teardown(rejected_campaign_never_runs, setup, teardown),
		cmocka_unit_test_setup_teardown(no_quorum_leaves_a_draft, setup, teardown),
		cmocka_unit_test_setup_teardown(the_vote_period_and_who_votes, setup, teardown),
		cmocka_unit_test_setup_teardown(the_shortest_vote_is_the_deployments, setup,
						teardown),
		cmocka_unit_test_setup_teardown(tampered_register_fails_verify, setup, teardown),
		cmocka_unit_test_setup_teardown(open_and_secret_ballots, setup, teardown),
		cmocka_unit_test_setup_teardown(the_debate, setup, teardown),
		cmocka_unit_test_setup_teardown(scenario_cooperative_votes_runs_publishes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(agreement_runs_only_when_approved, setup, teardown),
		cmocka_unit_test_setup_teardown(agreement_terms_are_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(statutes_change, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
