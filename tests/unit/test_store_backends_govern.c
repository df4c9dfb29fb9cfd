#define _GNU_SOURCE
/*
 * test_store_backends_govern.c - the governance functions of the store
 * (store_govern.h: bodies, members, proposals and votes, agreements, the
 * debate, the decision register), each case run on SQLite and on
 * PostgreSQL (a database of its own in the test run's cluster:
 * tests/support/pgtest.h), with the same assertions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <pthread.h>

#include "backends.h"

#include "core/buf.h"
#include "crypto/crypt.h"
#include "store/store.h"
#include "store/store_govern.h"

/* ---- helpers ------------------------------------------------------------------------ */

static void add_person(struct store *s, const char *handle, struct person *p)
{
	assert_int_equal(store_person_add(s, handle, "resident", NULL, "$pwhash", p), CMN_OK);
}

static char statutes_v1[] = "{\"v\":1}", statutes_v2[] = "{\"v\":2}", empty[] = "{}";
static char proposal_text[] = "{\"en\":\"t\",\"fr\":\"t\"}";

/* add_body - a body named name made at created, its statutes {"v":1} */
static void add_body(struct store *s, const char *name, int64_t created, struct gov_body *b)
{
	memset(b, 0, sizeof(*b));
	snprintf(b->kind, sizeof(b->kind), "trust");
	snprintf(b->name, sizeof(b->name), "%s", name);
	b->created = created;
	b->statutes = statutes_v1;
	assert_int_equal(store_gov_body_add(s, b), CMN_OK);
	b->statutes = NULL; /* not ours to free */
}

/* proposal - the fields of an open proposal about (kind, subject) */
static void proposal(struct gov_proposal *p, const char *body_id, const char *by, const char *kind,
		     const char *subject, int64_t created, int64_t closes)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->body_id, sizeof(p->body_id), "%s", body_id);
	snprintf(p->by, sizeof(p->by), "%s", by);
	snprintf(p->subject_kind, sizeof(p->subject_kind), "%s", kind);
	snprintf(p->subject_id, sizeof(p->subject_id), "%s", subject);
	p->created = created;
	p->closes = closes;
	p->text = proposal_text;
	p->statutes = statutes_v1;
}

/* ---- bodies --------------------------------------------------------------------- */

static enum cmn_rc list_body(const struct gov_body *b, void *ctx)
{
	char item[300];

	snprintf(item, sizeof(item), "%s=%s", b->name, b->statutes);
	bk_list_add(ctx, item);
	return CMN_OK;
}

static enum cmn_rc stop_body(const struct gov_body *b, void *ctx)
{
	(void)b;
	(*(int *)ctx)++;
	return CMN_ERR_CONFLICT;
}

static void bodies(void **state)
{
	struct bk *b = *state;
	struct gov_body zeta, alpha, same, got;
	char list[BK_LIST_MAX] = "";
	int calls = 0;

	add_body(b->s, "Zeta trust", 1000, &zeta);
	add_body(b->s, "alpha coop", 2000, &alpha);
	assert_string_not_equal(zeta.id, alpha.id);
	/* a name is taken once */
	memset(&same, 0, sizeof(same));
	snprintf(same.kind, sizeof(same.kind), "cooperative");
	snprintf(same.name, sizeof(same.name), "Zeta trust");
	same.statutes = empty;
	assert_int_equal(store_gov_body_add(b->s, &same), CMN_ERR_EXISTS);

	assert_int_equal(store_gov_body_get(b->s, zeta.id, &got), CMN_OK);
	assert_string_equal(got.id, zeta.id);
	assert_string_equal(got.kind, "trust");
	assert_string_equal(got.name, "Zeta trust");
	assert_string_equal(got.statutes, "{\"v\":1}");
	assert_int_equal(got.created, 1000);
	gov_body_release(&got);
	assert_null(got.statutes);
	assert_int_equal(store_gov_body_get(b->s, "nope", &got), CMN_ERR_NOT_FOUND);

	/* by name, byte by byte: "Z" before "a" */
	assert_int_equal(store_gov_body_each(b->s, list_body, list), CMN_OK);
	assert_string_equal(list, "Zeta trust={\"v\":1},alpha coop={\"v\":1},");
	assert_int_equal(store_gov_body_each(b->s, stop_body, &calls), CMN_ERR_CONFLICT);
	assert_int_equal(calls, 1);

	assert_int_equal(store_gov_body_set_statutes(b->s, alpha.id, "{\"v\":2}"), CMN_OK);
	assert_int_equal(store_gov_body_get(b->s, alpha.id, &got), CMN_OK);
	assert_string_equal(got.statutes, "{\"v\":2}");
	gov_body_release(&got);
	assert_int_equal(store_gov_body_set_statutes(b->s, "nope", "{}"), CMN_ERR_NOT_FOUND);

	/* a name taken inside a transaction leaves the rest of it to commit */
	assert_int_equal(store_tx_begin(b->s), CMN_OK);
	assert_int_equal(store_gov_body_add(b->s, &same), CMN_ERR_EXISTS);
	add_body(b->s, "Beta", 3000, &got);
	assert_int_equal(store_tx_end(b->s, CMN_OK), CMN_OK);
	list[0] = '\0';
	assert_int_equal(store_gov_body_each(b->s, list_body, list), CMN_OK);
	assert_string_equal(list, "Beta={\"v\":1},Zeta trust={\"v\":1},alpha coop={\"v\":2},");

	/* and a transaction that fails takes its body with it */
	assert_int_equal(store_tx_begin(b->s), CMN_OK);
	add_body(b->s, "Gone", 4000, &got);
	assert_int_equal(store_tx_end(b->s, CMN_ERR_INVALID), CMN_ERR_INVALID);
	assert_int_equal(store_gov_body_get(b->s, got.id, &same), CMN_ERR_NOT_FOUND);
}

/* ---- members ---------------------------------------------------------------------- */

static enum cmn_rc list_vote(const char *person_id, const char *choice, int64_t at, void *ctx)
{
	char item[100];

	snprintf(item, sizeof(item), "%.6s:%s@%lld", person_id, choice, (long long)at);
	bk_list_add(ctx, item);
	return CMN_OK;
}

static void members(void **state)
{
	struct bk *b = *state;
	struct person ann, bob, cat;
	struct gov_body body, other;
	struct gov_member m, *all;
	struct gov_proposal open, done;
	char list[BK_LIST_MAX] = "", want[BK_LIST_MAX] = "", item[100];
	size_t n;

	add_person(b->s, "ann", &ann);
	add_person(b->s, "bob", &bob);
	add_person(b->s, "cat", &cat);
	add_body(b->s, "Body", 1, &body);
	add_body(b->s, "Other", 2, &other);

	assert_int_equal(store_gov_members(b->s, body.id, &all, &n), CMN_OK);
	assert_null(all);
	assert_int_equal(n, 0);

	assert_int_equal(store_gov_join(b->s, body.id, ann.id, "residents", 100), CMN_OK);
	assert_int_equal(store_gov_join(b->s, body.id, bob.id, "", 200), CMN_OK);
	assert_int_equal(store_gov_join(b->s, body.id, cat.id, "", 300), CMN_OK);
	assert_int_equal(store_gov_join(b->s, other.id, ann.id, "", 400), CMN_OK);
	/* a member already */
	assert_int_equal(store_gov_join(b->s, body.id, ann.id, "other", 500), CMN_ERR_CONFLICT);
	/* no such body or person: refused (a foreign key, CMN_ERR_EXISTS on both) */
	assert_int_equal(store_gov_join(b->s, "no-body", ann.id, "", 500), CMN_ERR_EXISTS);
	assert_int_equal(store_gov_join(b->s, body.id, "no-person", "", 500), CMN_ERR_EXISTS);

	assert_int_equal(store_gov_member_get(b->s, body.id, ann.id, &m), CMN_OK);
	assert_string_equal(m.body_id, body.id);
	assert_string_equal(m.person_id, ann.id);
	assert_string_equal(m.college, "residents");
	assert_int_equal(m.joined, 100);
	assert_int_equal(m.left, 0);
	assert_int_equal(store_gov_member_get(b->s, body.id, "no-person", &m), CMN_ERR_NOT_FOUND);
	assert_int_equal(store_gov_member_get(b->s, "no-body", ann.id, &m), CMN_ERR_NOT_FOUND);

	/* the present members, by person id */
	assert_int_equal(store_gov_members(b->s, body.id, &all, &n), CMN_OK);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(all[i].body_id, body.id);
		if (i > 0)
			assert_true(strcmp(all[i - 1].person_id, all[i].person_id) < 0);
	}
	free(all);

	/* leaving takes the leaver's votes on open proposals, not on decided ones */
	proposal(&open, body.id, ann.id, "campaign", "c-open", 10, 1000000);
	proposal(&done, body.id, ann.id, "campaign", "c-done", 20, 1000000);
	assert_int_equal(store_gov_proposal_add(b->s, &open), CMN_OK);
	assert_int_equal(store_gov_proposal_add(b->s, &done), CMN_OK);
	assert_int_equal(store_gov_vote(b->s, open.id, bob.id, "yes", 600), CMN_OK);
	assert_int_equal(store_gov_vote(b->s, open.id, cat.id, "no", 600), CMN_OK);
	assert_int_equal(store_gov_vote(b->s, done.id, bob.id, "no", 600), CMN_OK);
	assert_int_equal(store_gov_decide(b->s, done.id, GOV_REJECTED, "{}", 700), CMN_OK);
	assert_int_equal(store_gov_leave(b->s, body.id, bob.id, 800), CMN_OK);
	assert_int_equal(store_gov_votes(b->s, open.id, list_vote, list), CMN_OK);
	snprintf(item, sizeof(item), "%.6s:no@600", cat.id);
	bk_list_add(want, item);
	assert_string_equal(list, want);
	list[0] = want[0] = '\0';
	assert_int_equal(store_gov_votes(b->s, done.id, list_vote, list), CMN_OK);
	snprintf(item, sizeof(item), "%.6s:no@600", bob.id);
	bk_list_add(want, item);
	assert_string_equal(list, want);

	/* once left: not a member, the membership kept with its end */
	assert_int_equal(store_gov_leave(b->s, body.id, bob.id, 900), CMN_ERR_NOT_FOUND);
	assert_int_equal(store_gov_leave(b->s, body.id, "no-person", 900), CMN_ERR_NOT_FOUND);
	assert_int_equal(store_gov_member_get(b->s, body.id, bob.id, &m), CMN_OK);
	assert_int_equal(m.joined, 200);
	assert_int_equal(m.left, 800);
	assert_int_equal(store_gov_members(b->s, body.id, &all, &n), CMN_OK);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++)
		assert_string_not_equal(all[i].person_id, bob.id);
	free(all);

	/* joining again: a member from then, in the college given */
	assert_int_equal(store_gov_join(b->s, body.id, bob.id, "users", 1000), CMN_OK);
	assert_int_equal(store_gov_member_get(b->s, body.id, bob.id, &m), CMN_OK);
	assert_string_equal(m.college, "users");
	assert_int_equal(m.joined, 1000);
	assert_int_equal(m.left, 0);

	/* a leave that fails inside a transaction fails it */
	assert_int_equal(store_tx_begin(b->s), CMN_OK);
	assert_int_equal(store_gov_join(b->s, other.id, bob.id, "", 1100), CMN_OK);
	assert_int_equal(store_gov_leave(b->s, other.id, cat.id, 1100), CMN_ERR_NOT_FOUND);
	assert_int_equal(store_tx_end(b->s, CMN_OK), CMN_ERR_CONFLICT);
	assert_int_equal(store_gov_member_get(b->s, other.id, bob.id, &m), CMN_ERR_NOT_FOUND);

	/* a person erased: their memberships and votes go too */
	assert_int_equal(store_person_delete(b->s, cat.id), CMN_OK);
	assert_int_equal(store_gov_member_get(b->s, body.id, cat.id, &m), CMN_ERR_NOT_FOUND);
	list[0] = '\0';
	assert_int_equal(store_gov_votes(b->s, open.id, list_vote, list), CMN_OK);
	assert_string_equal(list, "");
}

/* ---- proposals and votes ---------------------------------------------------------- */

static enum cmn_rc list_proposal(const struct gov_proposal *p, void *ctx)
{
	char item[100];

	snprintf(item, sizeof(item), "%s/%s", p->subject_id, gov_state_name(p->state));
	bk_list_add(ctx, item);
	return CMN_OK;
}

static void proposals(void **state)
{
	struct bk *b = *state;
	struct person ann;
	struct gov_body body, other;
	struct gov_proposal p1, p2, p3, p4, got;
	char list[BK_LIST_MAX] = "";

	add_person(b->s, "ann", &ann);
	add_body(b->s, "Body", 1, &body);
	add_body(b->s, "Other", 2, &other);

	proposal(&p1, body.id, ann.id, "statutes", body.id, 100, 5000);
	p1.secret = true;
	p1.change = statutes_v2;
	assert_int_equal(store_gov_proposal_add(b->s, &p1), CMN_OK);
	assert_int_equal(p1.state, GOV_OPEN);
	/* one open proposal a subject */
	proposal(&p2, body.id, ann.id, "statutes", body.id, 200, 5000);
	assert_int_equal(store_gov_proposal_add(b->s, &p2), CMN_ERR_EXISTS);
	/* no such body */
	proposal(&p3, "no-body", ann.id, "campaign", "c1", 200, 5000);
	assert_int_equal(store_gov_proposal_add(b->s, &p3), CMN_ERR_EXISTS);

	assert_int_equal(store_gov_proposal_get(b->s, p1.id, &got), CMN_OK);
	assert_string_equal(got.id, p1.id);
	assert_string_equal(got.body_id, body.id);
	assert_string_equal(got.by, ann.id);
	assert_string_equal(got.subject_kind, "statutes");
	assert_string_equal(got.subject_id, body.id);
	assert_true(got.secret);
	assert_int_equal(got.state, GOV_OPEN);
	assert_int_equal(got.created, 100);
	assert_int_equal(got.closes, 5000);
	assert_int_equal(got.decided, 0);
	assert_string_equal(got.text, "{\"en\":\"t\",\"fr\":\"t\"}");
	assert_null(got.tally);
	assert_string_equal(got.statutes, "{\"v\":1}");
	assert_string_equal(got.change, "{\"v\":2}");
	gov_proposal_release(&got);
	assert_null(got.text);
	assert_int_equal(store_gov_proposal_get(b->s, "nope", &got), CMN_ERR_NOT_FOUND);

	/* decided once: open no more, and the subject free for another */
	assert_int_equal(store_gov_decide(b->s, p1.id, GOV_APPROVED, "{\"yes\":1}", 6000), CMN_OK);
	assert_int_equal(store_gov_decide(b->s, p1.id, GOV_REJECTED, "{}", 6001), CMN_ERR_CONFLICT);
	assert_int_equal(store_gov_decide(b->s, "nope", GOV_REJECTED, "{}", 6001),
			 CMN_ERR_CONFLICT);
	assert_int_equal(store_gov_proposal_get(b->s, p1.id, &got), CMN_OK);
	assert_int_equal(got.state, GOV_APPROVED);
	assert_string_equal(got.tally, "{\"yes\":1}");
	assert_int_equal(got.decided, 6000);
	gov_proposal_release(&got);
	assert_int_equal(store_gov_proposal_add(b->s, &p2), CMN_OK);
	assert_false(p2.secret);

	proposal(&p3, body.id, ann.id, "campaign", "c1", 300, 5000);
	assert_int_equal(store_gov_proposal_add(b->s, &p3), CMN_OK);
	proposal(&p4, other.id, ann.id, "agreement", "a1", 400, 5000);
	assert_int_equal(store_gov_proposal_add(b->s, &p4), CMN_OK);

	/* the latest about a subject */
	assert_int_equal(store_gov_proposal_for(b->s, "statutes", body.id, &got), CMN_OK);
	assert_string_equal(got.id, p2.id);
	assert_int_equal(got.state, GOV_OPEN);
	assert_null(got.change);
	gov_proposal_release(&got);
	assert_int_equal(store_gov_proposal_for(b->s, "campaign", "c1", &got), CMN_OK);
	assert_string_equal(got.id, p3.id);
	gov_proposal_release(&got);
	assert_int_equal(store_gov_proposal_for(b->s, "campaign", "c2", &got), CMN_ERR_NOT_FOUND);
	assert_int_equal(store_gov_proposal_for(b->s, "agreement", "c1", &got), CMN_ERR_NOT_FOUND);

	/* a body's proposals, newest first */
	assert_int_equal(store_gov_proposal_each(b->s, body.id, list_proposal, list), CMN_OK);
	{
		char want[BK_LIST_MAX] = "", item[100];

		bk_list_add(want, "c1/open");
		snprintf(item, sizeof(item), "%s/open", body.id);
		bk_list_add(want, item);
		snprintf(item, sizeof(item), "%s/approved", body.id);
		bk_list_add(want, item);
		assert_string_equal(list, want);
	}
	list[0] = '\0';
	assert_int_equal(store_gov_proposal_each(b->s, other.id, list_proposal, list), CMN_OK);
	assert_string_equal(list, "a1/open,");
	list[0] = '\0';
	assert_int_equal(store_gov_proposal_each(b->s, "no-body", list_proposal, list), CMN_OK);
	assert_string_equal(list, "");

	/* one open proposal a subject inside a transaction too, which goes on */
	assert_int_equal(store_tx_begin(b->s), CMN_OK);
	proposal(&p1, body.id, ann.id, "campaign", "c1", 500, 5000);
	assert_int_equal(store_gov_proposal_add(b->s, &p1), CMN_ERR_EXISTS);
	proposal(&p1, body.id, ann.id, "campaign", "c3", 500, 5000);
	assert_int_equal(store_gov_proposal_add(b->s, &p1), CMN_OK);
	assert_int_equal(store_tx_end(b->s, CMN_OK), CMN_OK);
	assert_int_equal(store_gov_proposal_for(b->s, "campaign", "c3", &got), CMN_OK);
	gov_proposal_release(&got);
}

struct racer {
	struct store *s;
	const char *body_id, *by;
	enum cmn_rc rc;
};

static void *add_same_subject(void *arg)
{
	struct racer *r = arg;
	struct gov_proposal p;

	proposal(&p, r->body_id, r->by, "campaign", "raced", 100, 5000);
	r->rc = store_gov_proposal_add(r->s, &p);
	store_thread_done();
	return NULL;
}

/* submissions at once about one subject: one is open, the others refused */
static void proposals_at_once(void **state)
{
	struct bk *b = *state;
	struct person ann;
	struct gov_body body;
	struct racer r[4];
	pthread_t th[4];
	int ok = 0, exists = 0;

	add_person(b->s, "ann", &ann);
	add_body(b->s, "Body", 1, &body);
	for (int i = 0; i < 4; i++) {
		r[i] = (struct racer){.s = b->s, .body_id = body.id, .by = ann.id};
		assert_int_equal(pthread_create(&th[i], NULL, add_same_subject, &r[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		ok += r[i].rc == CMN_OK;
		exists += r[i].rc == CMN_ERR_EXISTS;
	}
	assert_int_equal(ok, 1);
	assert_int_equal(exists, 3);
}

static void votes(void **state)
{
	struct bk *b = *state;
	struct person ann, bob, eve;
	struct gov_body body;
	struct gov_proposal p, got;
	char list[BK_LIST_MAX] = "", want[BK_LIST_MAX] = "", item[100];
	const struct person *sorted[2];

	add_person(b->s, "ann", &ann);
	add_person(b->s, "bob", &bob);
	add_person(b->s, "eve", &eve);
	add_body(b->s, "Body", 1, &body);
	assert_int_equal(store_gov_join(b->s, body.id, ann.id, "", 10), CMN_OK);
	assert_int_equal(store_gov_join(b->s, body.id, bob.id, "", 10), CMN_OK);
	proposal(&p, body.id, ann.id, "campaign", "c1", 100, 1000);
	assert_int_equal(store_gov_proposal_add(b->s, &p), CMN_OK);

	assert_int_equal(store_gov_vote(b->s, p.id, ann.id, "yes", 200), CMN_OK);
	assert_int_equal(store_gov_vote(b->s, p.id, bob.id, "abstain", 300), CMN_OK);
	/* a vote replaces the earlier one */
	assert_int_equal(store_gov_vote(b->s, p.id, ann.id, "no", 400), CMN_OK);
	/* eve is no member: the store keeps her vote, the decision drops it */
	assert_int_equal(store_gov_vote(b->s, p.id, eve.id, "yes", 500), CMN_OK);
	/* closed (closes is not after now), unknown proposal, unknown person */
	assert_int_equal(store_gov_vote(b->s, p.id, ann.id, "yes", 1000), CMN_ERR_CONFLICT);
	assert_int_equal(store_gov_vote(b->s, "nope", ann.id, "yes", 500), CMN_ERR_CONFLICT);
	assert_int_equal(store_gov_vote(b->s, p.id, "no-person", "yes", 500), CMN_ERR_EXISTS);

	sorted[0] = strcmp(ann.id, bob.id) < 0 ? &ann : &bob;
	sorted[1] = sorted[0] == &ann ? &bob : &ann;
	assert_int_equal(store_gov_votes(b->s, p.id, list_vote, list), CMN_OK);
	assert_int_equal(strlen(list) > 0, 1);
	assert_non_null(strstr(list, "no@400"));
	assert_null(strstr(list, "yes@200"));

	/* the decision keeps the ballots of the members present, by person id */
	assert_int_equal(store_gov_decide(b->s, p.id, GOV_NO_QUORUM, "{\"n\":2}", 900), CMN_OK);
	list[0] = '\0';
	assert_int_equal(store_gov_votes(b->s, p.id, list_vote, list), CMN_OK);
	for (int i = 0; i < 2; i++) {
		snprintf(item, sizeof(item), "%.6s:%s", sorted[i]->id,
			 sorted[i] == &ann ? "no@400" : "abstain@300");
		bk_list_add(want, item);
	}
	assert_string_equal(list, want);
	assert_int_equal(store_gov_proposal_get(b->s, p.id, &got), CMN_OK);
	assert_int_equal(got.state, GOV_NO_QUORUM);
	assert_string_equal(gov_state_name(got.state), "no_quorum");
	gov_proposal_release(&got);
	/* and once decided no vote goes in */
	assert_int_equal(store_gov_vote(b->s, p.id, ann.id, "yes", 950), CMN_ERR_CONFLICT);
	list[0] = '\0';
	assert_int_equal(store_gov_votes(b->s, "nope", list_vote, list), CMN_OK);
	assert_string_equal(list, "");
}

/* ---- data-sharing agreements -------------------------------------------------------- */

static enum cmn_rc list_agreement(const struct gov_agreement *a, void *ctx)
{
	char item[100];

	snprintf(item, sizeof(item), "%s/%s", a->spec, gov_agreement_state_name(a->state));
	bk_list_add(ctx, item);
	return CMN_OK;
}

static void add_agreement(struct store *s, const char *body_id, const char *org_id, int64_t created,
			  char *spec, struct gov_agreement *a)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->body_id, sizeof(a->body_id), "%s", body_id);
	snprintf(a->org_id, sizeof(a->org_id), "%s", org_id);
	a->created = created;
	a->starts = created + 10;
	a->ends = created + 1000;
	a->spec = spec;
	assert_int_equal(store_gov_agreement_add(s, a), CMN_OK);
	a->spec = NULL;
}

static void agreements(void **state)
{
	struct bk *b = *state;
	struct gov_body body, other;
	struct org city, coop;
	struct gov_agreement a1, a2, a3, a4, got;
	char list[BK_LIST_MAX] = "";

	add_body(b->s, "Body", 1, &body);
	add_body(b->s, "Other", 2, &other);
	assert_int_equal(store_org_add(b->s, "City", "city", &city), CMN_OK);
	assert_int_equal(store_org_add(b->s, "Coop", "cooperative", &coop), CMN_OK);
	add_agreement(b->s, body.id, city.id, 100, "a1", &a1);
	add_agreement(b->s, body.id, coop.id, 200, "a2", &a2);
	add_agreement(b->s, other.id, city.id, 300, "a3", &a3);
	add_agreement(b->s, other.id, coop.id, 400, "a4", &a4);
	assert_int_equal(a1.state, GOV_AGREEMENT_DRAFT);
	/* no such organisation or body */
	memset(&got, 0, sizeof(got));
	snprintf(got.body_id, sizeof(got.body_id), "%s", body.id);
	snprintf(got.org_id, sizeof(got.org_id), "no-org");
	got.spec = empty;
	assert_int_equal(store_gov_agreement_add(b->s, &got), CMN_ERR_EXISTS);
	snprintf(got.body_id, sizeof(got.body_id), "no-body");
	snprintf(got.org_id, sizeof(got.org_id), "%s", city.id);
	assert_int_equal(store_gov_agreement_add(b->s, &got), CMN_ERR_EXISTS);

	assert_int_equal(store_gov_agreement_get(b->s, a2.id, &got), CMN_OK);
	assert_string_equal(got.id, a2.id);
	assert_string_equal(got.body_id, body.id);
	assert_string_equal(got.org_id, coop.id);
	assert_int_equal(got.state, GOV_AGREEMENT_DRAFT);
	assert_int_equal(got.created, 200);
	assert_int_equal(got.starts, 210);
	assert_int_equal(got.ends, 1200);
	assert_int_equal(got.decided, 0);
	assert_string_equal(got.decided_by, "");
	assert_int_equal(got.ended, 0);
	assert_string_equal(got.spec, "a2");
	gov_agreement_release(&got);
	assert_null(got.spec);
	assert_int_equal(store_gov_agreement_get(b->s, "nope", &got), CMN_ERR_NOT_FOUND);

	/* DRAFT -> APPROVED or REJECTED once; DRAFT or APPROVED -> ENDED */
	assert_int_equal(store_gov_agreement_decide(b->s, a1.id, true, "prop-1", 500), CMN_OK);
	assert_int_equal(store_gov_agreement_decide(b->s, a1.id, false, "prop-2", 501),
			 CMN_ERR_CONFLICT);
	assert_int_equal(store_gov_agreement_decide(b->s, a2.id, false, "prop-3", 502), CMN_OK);
	assert_int_equal(store_gov_agreement_decide(b->s, "nope", true, "prop-4", 503),
			 CMN_ERR_CONFLICT);
	assert_int_equal(store_gov_agreement_get(b->s, a1.id, &got), CMN_OK);
	assert_int_equal(got.state, GOV_AGREEMENT_APPROVED);
	assert_int_equal(got.decided, 500);
	assert_string_equal(got.decided_by, "prop-1");
	gov_agreement_release(&got);
	assert_int_equal(store_gov_agreement_end(b->s, a1.id, 600), CMN_OK);
	assert_int_equal(store_gov_agreement_end(b->s, a1.id, 601), CMN_ERR_CONFLICT);
	assert_int_equal(store_gov_agreement_end(b->s, a2.id, 602), CMN_ERR_CONFLICT);
	assert_int_equal(store_gov_agreement_end(b->s, a3.id, 603), CMN_OK);
	assert_int_equal(store_gov_agreement_end(b->s, "nope", 604), CMN_ERR_CONFLICT);
	assert_int_equal(store_gov_agreement_decide(b->s, a3.id, true, "prop-5", 605),
			 CMN_ERR_CONFLICT);
	assert_int_equal(store_gov_agreement_get(b->s, a1.id, &got), CMN_OK);
	assert_int_equal(got.state, GOV_AGREEMENT_ENDED);
	assert_int_equal(got.ended, 600);
	assert_int_equal(got.decided, 500);
	gov_agreement_release(&got);

	/* a body's, an organisation's, all: newest first */
	assert_int_equal(store_gov_agreement_each(b->s, body.id, NULL, list_agreement, list),
			 CMN_OK);
	assert_string_equal(list, "a2/rejected,a1/ended,");
	list[0] = '\0';
	assert_int_equal(store_gov_agreement_each(b->s, NULL, city.id, list_agreement, list),
			 CMN_OK);
	assert_string_equal(list, "a3/ended,a1/ended,");
	list[0] = '\0';
	assert_int_equal(store_gov_agreement_each(b->s, NULL, NULL, list_agreement, list), CMN_OK);
	assert_string_equal(list, "a4/draft,a3/ended,a2/rejected,a1/ended,");
	list[0] = '\0';
	assert_int_equal(store_gov_agreement_each(b->s, other.id, coop.id, list_agreement, list),
			 CMN_OK);
	assert_string_equal(list, "a4/draft,");
	list[0] = '\0';
	assert_int_equal(store_gov_agreement_each(b->s, "no-body", NULL, list_agreement, list),
			 CMN_OK);
	assert_string_equal(list, "");
}

/* ---- the debate ------------------------------------------------------------------ */

struct comment_list {
	char out[BK_LIST_MAX];
	const char *ids[8]; /* the ids the test knows, named c0..c7 in out */
};

static enum cmn_rc list_comment(const struct gov_comment *c, void *ctx)
{
	struct comment_list *l = ctx;
	char item[200];
	int at = -1, parent = -1;

	for (int i = 0; i < 8; i++) {
		if (l->ids[i] && strcmp(l->ids[i], c->id) == 0)
			at = i;
		if (l->ids[i] && strcmp(l->ids[i], c->parent_id) == 0)
			parent = i;
	}
	snprintf(item, sizeof(item), "c%d<c%d:%s%s", at, parent, c->text ? c->text : "(null)",
		 c->hidden_at ? "(hidden)" : "");
	bk_list_add(l->out, item);
	return CMN_OK;
}

static void add_comment(struct store *s, const char *proposal_id, const char *parent,
			const char *person_id, int64_t at, const char *text, struct gov_comment *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->proposal_id, sizeof(c->proposal_id), "%s", proposal_id);
	snprintf(c->parent_id, sizeof(c->parent_id), "%s", parent);
	snprintf(c->person_id, sizeof(c->person_id), "%s", person_id);
	c->at = at;
	assert_int_equal(store_gov_comment_add(s, c, text), CMN_OK);
}

static void comments(void **state)
{
	struct bk *b = *state;
	struct person ann, bob;
	struct gov_body body;
	struct gov_proposal p, q;
	struct gov_comment c0, c1, c2, c3, got;
	struct comment_list l = {.out = ""};
	char *text = NULL;

	add_person(b->s, "ann", &ann);
	add_person(b->s, "bob", &bob);
	add_body(b->s, "Body", 1, &body);
	proposal(&p, body.id, ann.id, "campaign", "c1", 100, 5000);
	assert_int_equal(store_gov_proposal_add(b->s, &p), CMN_OK);
	proposal(&q, body.id, ann.id, "campaign", "c2", 100, 5000);
	assert_int_equal(store_gov_proposal_add(b->s, &q), CMN_OK);

	/* c1 and c2 in the same millisecond: in the order they were made */
	add_comment(b->s, p.id, "", ann.id, 200, "first", &c0);
	add_comment(b->s, p.id, c0.id, bob.id, 300, "answer", &c1);
	add_comment(b->s, p.id, "", bob.id, 300, "second thread", &c2);
	add_comment(b->s, q.id, "", ann.id, 100, "elsewhere", &c3);
	/* a parent of another proposal, or none */
	memset(&got, 0, sizeof(got));
	snprintf(got.proposal_id, sizeof(got.proposal_id), "%s", p.id);
	snprintf(got.parent_id, sizeof(got.parent_id), "%s", c3.id);
	snprintf(got.person_id, sizeof(got.person_id), "%s", ann.id);
	assert_int_equal(store_gov_comment_add(b->s, &got, "x"), CMN_ERR_NOT_FOUND);
	snprintf(got.parent_id, sizeof(got.parent_id), "no-comment");
	assert_int_equal(store_gov_comment_add(b->s, &got, "x"), CMN_ERR_NOT_FOUND);
	/* no such proposal or person */
	got.parent_id[0] = '\0';
	snprintf(got.proposal_id, sizeof(got.proposal_id), "no-proposal");
	assert_int_equal(store_gov_comment_add(b->s, &got, "x"), CMN_ERR_EXISTS);
	snprintf(got.proposal_id, sizeof(got.proposal_id), "%s", p.id);
	snprintf(got.person_id, sizeof(got.person_id), "no-person");
	assert_int_equal(store_gov_comment_add(b->s, &got, "x"), CMN_ERR_EXISTS);

	assert_int_equal(store_gov_comment_get(b->s, c1.id, &got, &text), CMN_OK);
	assert_string_equal(got.id, c1.id);
	assert_string_equal(got.proposal_id, p.id);
	assert_string_equal(got.parent_id, c0.id);
	assert_string_equal(got.person_id, bob.id);
	assert_int_equal(got.at, 300);
	assert_int_equal(got.hidden_at, 0);
	assert_string_equal(got.hidden_by, "");
	assert_null(got.text);
	assert_string_equal(text, "answer");
	free(text);
	assert_int_equal(store_gov_comment_get(b->s, c0.id, &got, NULL), CMN_OK);
	assert_string_equal(got.parent_id, "");
	assert_int_equal(store_gov_comment_get(b->s, "nope", &got, NULL), CMN_ERR_NOT_FOUND);

	/* hidden once, by whom and why */
	assert_int_equal(store_gov_comment_hide(b->s, c1.id, ann.id, "off topic", 400), CMN_OK);
	assert_int_equal(store_gov_comment_hide(b->s, c1.id, bob.id, "again", 401),
			 CMN_ERR_CONFLICT);
	assert_int_equal(store_gov_comment_hide(b->s, "nope", bob.id, "", 402), CMN_ERR_CONFLICT);
	assert_int_equal(store_gov_comment_get(b->s, c1.id, &got, NULL), CMN_OK);
	assert_int_equal(got.hidden_at, 400);
	assert_string_equal(got.hidden_by, ann.id);
	assert_string_equal(got.hidden_reason, "off topic");

	/* oldest first */
	l.ids[0] = c0.id;
	l.ids[1] = c1.id;
	l.ids[2] = c2.id;
	l.ids[3] = c3.id;
	assert_int_equal(store_gov_comments(b->s, p.id, list_comment, &l), CMN_OK);
	assert_string_equal(l.out, "c0<c-1:first,c1<c0:answer(hidden),c2<c-1:second thread,");
	l.out[0] = '\0';
	assert_int_equal(store_gov_comments(b->s, q.id, list_comment, &l), CMN_OK);
	assert_string_equal(l.out, "c3<c-1:elsewhere,");
	l.out[0] = '\0';
	assert_int_equal(store_gov_comments(b->s, "nope", list_comment, &l), CMN_OK);
	assert_string_equal(l.out, "");

	/* an author erased: their comments go */
	assert_int_equal(store_person_delete(b->s, bob.id), CMN_OK);
	assert_int_equal(store_gov_comment_get(b->s, c2.id, &got, NULL), CMN_ERR_NOT_FOUND);
}

/* ---- the decision register ---------------------------------------------------------- */

struct reg_check {
	const struct keyring *keys;
	char out[BK_LIST_MAX];
	char prev[CRYPT_HASH_HEX_LEN];
	int64_t seq;
	int bad; /* entries whose chain, hash or signature is wrong */
};

static enum cmn_rc check_entry(const struct gov_entry *e, void *ctx)
{
	struct reg_check *c = ctx;
	char hash[CRYPT_HASH_HEX_LEN], item[200];
	struct buf v;

	buf_init(&v, 4096);
	gov_entry_hash(e->prev, e->seq, e->at, e->kind, e->payload, hash);
	if (e->seq != c->seq + 1 || strcmp(e->prev, c->prev) != 0 || strcmp(hash, e->hash) != 0 ||
	    keyring_jws_verify(c->keys, e->sig, &v) != CMN_OK || !v.data ||
	    strcmp(v.data, e->hash) != 0)
		c->bad++;
	buf_release(&v);
	c->seq = e->seq;
	snprintf(c->prev, sizeof(c->prev), "%s", e->hash);
	snprintf(item, sizeof(item), "%lld:%s@%lld=%s", (long long)e->seq, e->kind,
		 (long long)e->at, e->payload);
	bk_list_add(c->out, item);
	return CMN_OK;
}

struct appender {
	struct store *s;
	const struct keyring *keys;
	const char *body_id;
	int failed;
};

#define APPENDS 10

static void *append_many(void *arg)
{
	struct appender *a = arg;

	for (int i = 0; i < APPENDS; i++)
		if (store_gov_append(a->s, a->keys, a->body_id, "vote", "{}", i) != CMN_OK)
			a->failed++;
	store_thread_done();
	return NULL;
}

static void register_chain(void **state)
{
	struct bk *b = *state;
	struct gov_body body, other;
	struct reg_check c = {.keys = &b->keys};
	char kind[GOV_KIND_MAX + 2];
	struct appender ap[3];
	pthread_t th[3];

	add_body(b->s, "Body", 1, &body);
	add_body(b->s, "Other", 2, &other);
	assert_int_equal(store_gov_append(b->s, &b->keys, body.id, "body.create", "{\"a\":1}", 10),
			 CMN_OK);
	assert_int_equal(store_gov_append(b->s, &b->keys, other.id, "body.create", "{}", 11),
			 CMN_OK);
	assert_int_equal(store_gov_append(b->s, &b->keys, body.id, "member.join", "{\"b\":2}", 20),
			 CMN_OK);
	memset(kind, 'k', sizeof(kind) - 1);
	kind[sizeof(kind) - 1] = '\0';
	assert_int_equal(store_gov_append(b->s, &b->keys, body.id, kind, "{}", 30),
			 CMN_ERR_INVALID);
	/* an entry of a transaction that fails is not kept, nor its seq */
	assert_int_equal(store_tx_begin(b->s), CMN_OK);
	assert_int_equal(store_gov_append(b->s, &b->keys, body.id, "vote", "{\"c\":3}", 40),
			 CMN_OK);
	assert_int_equal(store_tx_end(b->s, CMN_ERR_INVALID), CMN_ERR_INVALID);
	assert_int_equal(
	    store_gov_append(b->s, &b->keys, body.id, "proposal.decide", "{\"d\":4}", 50), CMN_OK);

	assert_int_equal(store_gov_register_each(b->s, body.id, check_entry, &c), CMN_OK);
	assert_string_equal(c.out, "1:body.create@10={\"a\":1},2:member.join@20={\"b\":2},"
				   "3:proposal.decide@50={\"d\":4},");
	assert_int_equal(c.bad, 0);
	memset(&c, 0, sizeof(c));
	c.keys = &b->keys;
	assert_int_equal(store_gov_register_each(b->s, other.id, check_entry, &c), CMN_OK);
	assert_string_equal(c.out, "1:body.create@11={},");
	assert_int_equal(c.bad, 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_gov_register_each(b->s, "no-body", check_entry, &c), CMN_OK);
	assert_string_equal(c.out, "");

	/* appenders at once: one chain, no seq twice, none lost */
	for (int i = 0; i < 3; i++) {
		ap[i] = (struct appender){.s = b->s, .keys = &b->keys, .body_id = other.id};
		assert_int_equal(pthread_create(&th[i], NULL, append_many, &ap[i]), 0);
	}
	/* all joined before any assertion: a failed one ends the case */
	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(ap[i].failed, 0);
	memset(&c, 0, sizeof(c));
	c.keys = &b->keys;
	assert_int_equal(store_gov_register_each(b->s, other.id, check_entry, &c), CMN_OK);
	assert_int_equal(c.seq, 1 + 3 * APPENDS);
	assert_int_equal(c.bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    BOTH(bodies), BOTH(members),    BOTH(proposals), BOTH(proposals_at_once),
	    BOTH(votes),  BOTH(agreements), BOTH(comments),  BOTH(register_chain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
