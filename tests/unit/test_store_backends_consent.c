#define _GNU_SOURCE
/*
 * test_store_backends_consent.c - the functions of store_consent.h
 * (services, blocks, grants and their history, shares, counts) and of
 * store_oauth.h (codes, tokens, rotation, revocation), each case run on
 * SQLite and on PostgreSQL (a database of its own in the test run's
 * cluster: tests/support/pgtest.h), with the same assertions.
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

#include "core/timeutil.h"
#include "crypto/crypt.h"
#include "store/store.h"
#include "store/store_consent.h"
#include "store/store_oauth.h"

static void add_person(struct store *s, const char *handle, const char *org, struct person *p)
{
	assert_int_equal(store_person_add(s, handle, "resident", org, "$pwhash", p), CMN_OK);
}

/* add_grant - a grant of person to (kind, id) in status, valid over [from, until) */
static void add_grant(struct store *s, const char *person, const char *kind, const char *id,
		      const char *status, int64_t from, int64_t until, struct grant_row *g)
{
	memset(g, 0, sizeof(*g));
	snprintf(g->person_id, sizeof(g->person_id), "%s", person);
	snprintf(g->grantee_kind, sizeof(g->grantee_kind), "%s", kind);
	snprintf(g->grantee_id, sizeof(g->grantee_id), "%s", id);
	snprintf(g->status, sizeof(g->status), "%s", status);
	g->valid_from = from;
	g->valid_until = until;
	g->body = (char *)"{\"purpose\":\"test\"}";
	assert_int_equal(store_grant_add(s, g, "actor-add"), CMN_OK);
	g->body = NULL;
}

/* ---- services and blocks ------------------------------------------------ */

static enum cmn_rc list_client(const struct client *c, void *ctx)
{
	char item[300];

	snprintf(item, sizeof(item), "%s/%s/%c%c", c->name, c->org_name,
		 c->confidential ? 'c' : 'p', c->blocked ? 'B' : '-');
	bk_list_add(ctx, item);
	return CMN_OK;
}

static enum cmn_rc stop_client(const struct client *c, void *ctx)
{
	(void)c;
	(*(int *)ctx)++;
	return CMN_ERR_PRECONDITION;
}

static void clients(void **state)
{
	struct bk *b = *state;
	struct org coop, city;
	struct client app, pub, other, c;
	char *meta = NULL, secret[CRYPT_HASH_HEX_LEN], list[BK_LIST_MAX] = "";
	int calls = 0;

	assert_int_equal(store_org_add(b->s, "Coop", "cooperative", &coop), CMN_OK);
	assert_int_equal(store_org_add(b->s, "City", "city", &city), CMN_OK);
	assert_int_equal(
	    store_client_add(b->s, coop.id, "energy app", "secret-hash", "{\"m\":1}", &app),
	    CMN_OK);
	assert_true(app.confidential);
	assert_string_equal(app.org_id, coop.id);
	assert_int_equal(store_client_add(b->s, coop.id, "Zoo app", NULL, "{\"m\":2}", &pub),
			 CMN_OK);
	assert_false(pub.confidential);
	assert_int_equal(store_client_add(b->s, city.id, "city app", NULL, "{}", &other), CMN_OK);
	assert_int_equal(store_client_add(b->s, "no-such-org", "x", NULL, "{}", &c),
			 CMN_ERR_NOT_FOUND);

	assert_int_equal(store_client_get(b->s, app.id, &c, &meta, secret), CMN_OK);
	assert_string_equal(c.id, app.id);
	assert_string_equal(c.org_id, coop.id);
	assert_string_equal(c.org_name, "Coop");
	assert_string_equal(c.name, "energy app");
	assert_true(c.confidential);
	assert_false(c.blocked);
	assert_int_equal(c.created, app.created);
	assert_string_equal(meta, "{\"m\":1}");
	assert_string_equal(secret, "secret-hash");
	free(meta);
	meta = NULL;
	assert_int_equal(store_client_get(b->s, pub.id, &c, NULL, secret), CMN_OK);
	assert_string_equal(secret, "");
	assert_false(c.confidential);
	assert_int_equal(store_client_get(b->s, "nope", &c, &meta, NULL), CMN_ERR_NOT_FOUND);
	assert_null(meta);

	/* by name, in the order of their bytes (capitals first) */
	assert_int_equal(store_client_each(b->s, NULL, list_client, list), CMN_OK);
	assert_string_equal(list, "Zoo app/Coop/p-,city app/City/p-,energy app/Coop/c-,");
	list[0] = '\0';
	assert_int_equal(store_client_each(b->s, coop.id, list_client, list), CMN_OK);
	assert_string_equal(list, "Zoo app/Coop/p-,energy app/Coop/c-,");
	list[0] = '\0';
	assert_int_equal(store_client_each(b->s, "no-such-org", list_client, list), CMN_OK);
	assert_string_equal(list, "");
	assert_int_equal(store_client_each(b->s, NULL, stop_client, &calls), CMN_ERR_PRECONDITION);
	assert_int_equal(calls, 1);
}

static enum cmn_rc list_block(const char *by, const char *reason, int64_t at, void *ctx)
{
	char item[300];

	assert_true(at > 0);
	snprintf(item, sizeof(item), "%s:%s", by, reason);
	bk_list_add(ctx, item);
	return CMN_OK;
}

static void blocks(void **state)
{
	struct bk *b = *state;
	struct org coop;
	struct client app, c;
	char list[BK_LIST_MAX] = "";
	uint64_t epoch;

	assert_int_equal(store_org_add(b->s, "Coop", "cooperative", &coop), CMN_OK);
	assert_int_equal(store_client_add(b->s, coop.id, "app", NULL, "{}", &app), CMN_OK);

	epoch = store_auth_epoch(b->s);
	assert_int_equal(store_client_block(b->s, app.id, "operator", "leaks data"), CMN_OK);
	assert_true(store_auth_epoch(b->s) > epoch);
	assert_int_equal(store_client_get(b->s, app.id, &c, NULL, NULL), CMN_OK);
	assert_true(c.blocked);
	usleep(2000);
	assert_int_equal(store_client_block(b->s, app.id, "holder-1", "spam"), CMN_OK);
	/* one block per blocker: a second one changes its reason */
	assert_int_equal(store_client_block(b->s, app.id, "operator", "sells data"), CMN_OK);
	assert_int_equal(store_client_blocks(b->s, app.id, list_block, list), CMN_OK);
	assert_string_equal(list, "operator:sells data,holder-1:spam,");
	assert_int_equal(store_client_block(b->s, "no-such-client", "operator", "x"),
			 CMN_ERR_NOT_FOUND);

	epoch = store_auth_epoch(b->s);
	assert_int_equal(store_client_unblock(b->s, app.id, "operator"), CMN_OK);
	assert_true(store_auth_epoch(b->s) > epoch);
	assert_int_equal(store_client_unblock(b->s, app.id, "operator"), CMN_ERR_NOT_FOUND);
	assert_int_equal(store_client_get(b->s, app.id, &c, NULL, NULL), CMN_OK);
	assert_true(c.blocked); /* holder-1's stays */
	assert_int_equal(store_client_unblock(b->s, app.id, "holder-1"), CMN_OK);
	assert_int_equal(store_client_get(b->s, app.id, &c, NULL, NULL), CMN_OK);
	assert_false(c.blocked);
	list[0] = '\0';
	assert_int_equal(store_client_blocks(b->s, app.id, list_block, list), CMN_OK);
	assert_string_equal(list, "");
}

static void person_org(void **state)
{
	struct bk *b = *state;
	struct org city;
	struct person ann, zoe;
	char id[CRYPT_ID_LEN];

	assert_int_equal(store_org_add(b->s, "City", "city", &city), CMN_OK);
	add_person(b->s, "ann", "City", &ann);
	add_person(b->s, "zoe", NULL, &zoe);
	assert_int_equal(store_person_org_id(b->s, ann.id, id), CMN_OK);
	assert_string_equal(id, city.id);
	assert_int_equal(store_person_org_id(b->s, zoe.id, id), CMN_OK);
	assert_string_equal(id, "");
	assert_int_equal(store_person_org_id(b->s, "nobody", id), CMN_ERR_NOT_FOUND);
	assert_string_equal(id, "");
}

/* ---- grants ------------------------------------------------------------- */

static enum cmn_rc list_event(int64_t at, const char *status, const char *actor, void *ctx)
{
	char item[100];

	assert_true(at > 0);
	snprintf(item, sizeof(item), "%s by %s", status, actor);
	bk_list_add(ctx, item);
	return CMN_OK;
}

static enum cmn_rc list_grant(const struct grant_row *g, void *ctx)
{
	char item[100];

	assert_string_equal(g->body, "{\"purpose\":\"test\"}");
	snprintf(item, sizeof(item), "%s:%s:%s", g->grantee_kind, g->grantee_id, g->status);
	bk_list_add(ctx, item);
	return CMN_OK;
}

static enum cmn_rc stop_grant(const struct grant_row *g, void *ctx)
{
	(void)g;
	(*(int *)ctx)++;
	return CMN_ERR_PRECONDITION;
}

static void grants(void **state)
{
	struct bk *b = *state;
	struct person ann, bob;
	struct grant_row g1, g2, g3, g, got;
	char list[BK_LIST_MAX] = "";
	int64_t now = time_now_ms();
	uint64_t epoch;
	int calls = 0;

	add_person(b->s, "ann", NULL, &ann);
	add_person(b->s, "bob", NULL, &bob);
	add_grant(b->s, ann.id, "service", "svc-1", "requested", now, INT64_MAX, &g1);
	assert_int_equal(strlen(g1.id), CRYPT_ID_LEN - 1);
	assert_true(g1.created >= now);
	usleep(2000);
	add_grant(b->s, ann.id, "person", bob.id, "given", now, now + 60000, &g2);
	usleep(2000);
	add_grant(b->s, bob.id, "service", "svc-1", "given", now, INT64_MAX, &g3);
	/* a person unknown: nothing recorded */
	memset(&g, 0, sizeof(g));
	snprintf(g.person_id, sizeof(g.person_id), "nobody");
	snprintf(g.grantee_kind, sizeof(g.grantee_kind), "service");
	snprintf(g.status, sizeof(g.status), "given");
	g.body = (char *)"{}";
	g.valid_until = INT64_MAX;
	assert_int_equal(store_grant_add(b->s, &g, "x"), CMN_ERR_NOT_FOUND);
	assert_int_equal(store_grant_get(b->s, g.id, &got), CMN_ERR_NOT_FOUND);
	assert_null(got.body);

	assert_int_equal(store_grant_get(b->s, g2.id, &g), CMN_OK);
	assert_string_equal(g.id, g2.id);
	assert_string_equal(g.person_id, ann.id);
	assert_string_equal(g.grantee_kind, "person");
	assert_string_equal(g.grantee_id, bob.id);
	assert_string_equal(g.status, "given");
	assert_int_equal(g.valid_from, now);
	assert_int_equal(g.valid_until, now + 60000);
	assert_int_equal(g.uses, 0);
	assert_int_equal(g.last_used, 0);
	assert_int_equal(g.created, g2.created);
	assert_int_equal(g.updated, g2.created);
	assert_string_equal(g.body, "{\"purpose\":\"test\"}");
	grant_row_release(&g);
	assert_null(g.body);
	assert_int_equal(store_grant_get(b->s, g1.id, &g), CMN_OK);
	assert_true(g.valid_until == INT64_MAX);
	grant_row_release(&g);

	/* a status moves from the one expected only */
	usleep(2000);
	epoch = store_auth_epoch(b->s);
	assert_int_equal(store_grant_set_status(b->s, g1.id, "requested", "given", "ann"), CMN_OK);
	assert_true(store_auth_epoch(b->s) > epoch);
	assert_int_equal(store_grant_set_status(b->s, g1.id, "requested", "refused", "ann"),
			 CMN_ERR_CONFLICT);
	assert_int_equal(store_grant_set_status(b->s, "no-such-grant", "given", "withdrawn", "ann"),
			 CMN_ERR_NOT_FOUND);
	assert_int_equal(store_grant_set_status(b->s, g1.id, "given", "withdrawn", "operator"),
			 CMN_OK);
	assert_int_equal(store_grant_get(b->s, g1.id, &g), CMN_OK);
	assert_string_equal(g.status, "withdrawn");
	assert_true(g.updated > g1.created);
	grant_row_release(&g);
	assert_int_equal(store_grant_history(b->s, g1.id, list_event, list), CMN_OK);
	assert_string_equal(list, "requested by actor-add,given by ann,withdrawn by operator,");
	list[0] = '\0';
	assert_int_equal(store_grant_history(b->s, "no-such-grant", list_event, list), CMN_OK);
	assert_string_equal(list, "");

	/* a person's, newest first; a grantee's */
	assert_int_equal(store_grant_each(b->s, ann.id, NULL, NULL, list_grant, list), CMN_OK);
	{
		char want[BK_LIST_MAX];

		snprintf(want, sizeof(want), "person:%s:given,service:svc-1:withdrawn,", bob.id);
		assert_string_equal(list, want);
	}
	list[0] = '\0';
	assert_int_equal(store_grant_each(b->s, NULL, "service", "svc-1", list_grant, list),
			 CMN_OK);
	assert_string_equal(list, "service:svc-1:given,service:svc-1:withdrawn,");
	list[0] = '\0';
	assert_int_equal(store_grant_each(b->s, NULL, "service", "svc-2", list_grant, list),
			 CMN_OK);
	assert_string_equal(list, "");
	assert_int_equal(store_grant_each(b->s, ann.id, NULL, NULL, stop_grant, &calls),
			 CMN_ERR_PRECONDITION);
	assert_int_equal(calls, 1);
}

/* a grant added inside a transaction that fails is not kept, history
 * included */
static void grant_in_transaction(void **state)
{
	struct bk *b = *state;
	struct person ann;
	struct grant_row g, got;
	char list[BK_LIST_MAX] = "";

	add_person(b->s, "ann", NULL, &ann);
	assert_int_equal(store_tx_begin(b->s), CMN_OK);
	add_grant(b->s, ann.id, "service", "svc", "given", 0, INT64_MAX, &g);
	assert_int_equal(store_tx_end(b->s, CMN_ERR_INVALID), CMN_ERR_INVALID);
	assert_int_equal(store_grant_get(b->s, g.id, &got), CMN_ERR_NOT_FOUND);
	assert_int_equal(store_grant_history(b->s, g.id, list_event, list), CMN_OK);
	assert_string_equal(list, "");
	assert_int_equal(store_tx_begin(b->s), CMN_OK);
	add_grant(b->s, ann.id, "service", "svc", "given", 0, INT64_MAX, &g);
	assert_int_equal(store_grant_set_status(b->s, g.id, "given", "withdrawn", "ann"), CMN_OK);
	assert_int_equal(store_tx_end(b->s, CMN_OK), CMN_OK);
	assert_int_equal(store_grant_history(b->s, g.id, list_event, list), CMN_OK);
	assert_string_equal(list, "given by actor-add,withdrawn by ann,");
}

/* ---- shares ------------------------------------------------------------- */

static void shares(void **state)
{
	struct bk *b = *state;
	struct person ann;
	struct grant_row g, g2, got;
	char id[CRYPT_ID_LEN];
	int64_t now = time_now_ms();

	add_person(b->s, "ann", NULL, &ann);
	add_grant(b->s, ann.id, "link", "l1", "given", now, INT64_MAX, &g);
	add_grant(b->s, ann.id, "link", "l2", "given", now, INT64_MAX, &g2);

	/* unlocked by passcode, per session, until a time */
	assert_false(store_share_unlocked(b->s, g.id, "sess-1", now));
	assert_int_equal(store_share_unlock(b->s, g.id, "sess-1", now + 1000), CMN_OK);
	assert_true(store_share_unlocked(b->s, g.id, "sess-1", now));
	assert_true(store_share_unlocked(b->s, g.id, "sess-1", now + 999));
	assert_false(store_share_unlocked(b->s, g.id, "sess-1", now + 1000));
	assert_false(store_share_unlocked(b->s, g.id, "sess-2", now));
	assert_false(store_share_unlocked(b->s, g2.id, "sess-1", now));
	/* given again, the time is the new one */
	assert_int_equal(store_share_unlock(b->s, g.id, "sess-1", now + 5000), CMN_OK);
	assert_true(store_share_unlocked(b->s, g.id, "sess-1", now + 4999));
	/* a grant unknown: refused as SQLite refuses a constraint */
	assert_int_equal(store_share_unlock(b->s, "no-such-grant", "sess-1", now + 5000),
			 CMN_ERR_EXISTS);

	/* secret links by hash */
	assert_int_equal(store_share_link_add(b->s, "link-hash-1", g.id), CMN_OK);
	assert_int_equal(store_share_link_add(b->s, "link-hash-2", g.id), CMN_OK);
	assert_int_equal(store_share_link_add(b->s, "link-hash-1", g2.id), CMN_ERR_EXISTS);
	assert_int_equal(store_share_link_add(b->s, "link-hash-3", "no-such-grant"),
			 CMN_ERR_EXISTS);
	assert_int_equal(store_share_link_get(b->s, "link-hash-2", id), CMN_OK);
	assert_string_equal(id, g.id);
	assert_int_equal(store_share_link_get(b->s, "link-hash-3", id), CMN_ERR_NOT_FOUND);

	/* views, up to max */
	assert_int_equal(store_share_view(b->s, g.id, 2), CMN_OK);
	assert_int_equal(store_share_view(b->s, g.id, 2), CMN_OK);
	assert_int_equal(store_share_view(b->s, g.id, 2), CMN_ERR_GONE);
	assert_int_equal(store_share_view(b->s, g.id, 3), CMN_OK);
	assert_int_equal(store_share_view(b->s, g.id, 3), CMN_ERR_GONE);
	assert_int_equal(store_share_view(b->s, g2.id, 1), CMN_OK);
	assert_int_equal(store_share_view(b->s, g2.id, 0), CMN_ERR_GONE);
	assert_int_equal(store_share_view(b->s, "no-such-grant", 5), CMN_ERR_GONE);
	/* the grant itself is untouched */
	assert_int_equal(store_grant_get(b->s, g.id, &got), CMN_OK);
	assert_int_equal(got.uses, 0);
	grant_row_release(&got);
}

struct viewer {
	struct store *s;
	const char *grant_id;
	enum cmn_rc rc;
};

static void *view_once(void *arg)
{
	struct viewer *v = arg;

	v->rc = store_share_view(v->s, v->grant_id, 3);
	store_thread_done();
	return NULL;
}

/* views at once: max served, no more */
static void share_views_at_once(void **state)
{
	struct bk *b = *state;
	struct person ann;
	struct grant_row g;
	struct viewer v[8];
	pthread_t th[8];
	int ok = 0, gone = 0;

	add_person(b->s, "ann", NULL, &ann);
	add_grant(b->s, ann.id, "link", "l1", "given", 0, INT64_MAX, &g);
	for (int i = 0; i < 8; i++) {
		v[i] = (struct viewer){b->s, g.id, CMN_ERR_INTERNAL};
		assert_int_equal(pthread_create(&th[i], NULL, view_once, &v[i]), 0);
	}
	for (int i = 0; i < 8; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		ok += v[i].rc == CMN_OK;
		gone += v[i].rc == CMN_ERR_GONE;
	}
	assert_int_equal(ok, 3);
	assert_int_equal(gone, 5);
}

/* ---- counts and uses ---------------------------------------------------- */

static void counts(void **state)
{
	struct bk *b = *state;
	struct person ann, bob;
	struct grant_row g, got;
	struct grant_counts n;
	int64_t now = time_now_ms();

	assert_int_equal(store_grant_counts(b->s, now, &n), CMN_OK);
	assert_true(n.service == 0 && n.person == 0 && n.org == 0 && n.other == 0);
	add_person(b->s, "ann", NULL, &ann);
	add_person(b->s, "bob", NULL, &bob);
	add_grant(b->s, ann.id, "service", "s1", "given", now - 10, INT64_MAX, &g);
	add_grant(b->s, bob.id, "service", "s1", "given", now - 10, now + 10, &g);
	add_grant(b->s, ann.id, "person", bob.id, "given", now, INT64_MAX, &g);
	add_grant(b->s, ann.id, "org", "o1", "given", now - 10, INT64_MAX, &g);
	add_grant(b->s, ann.id, "link", "l1", "given", now - 10, INT64_MAX, &g);
	add_grant(b->s, ann.id, "campaign", "c1", "given", now - 10, INT64_MAX, &g);
	/* not counted: not given, not yet valid, no longer valid */
	add_grant(b->s, ann.id, "service", "s2", "requested", now - 10, INT64_MAX, &g);
	add_grant(b->s, ann.id, "service", "s3", "withdrawn", now - 10, INT64_MAX, &g);
	add_grant(b->s, ann.id, "org", "o2", "given", now + 1, INT64_MAX, &g);
	add_grant(b->s, ann.id, "org", "o3", "given", now - 10, now, &g);
	assert_int_equal(store_grant_counts(b->s, now, &n), CMN_OK);
	assert_int_equal(n.service, 2);
	assert_int_equal(n.person, 1);
	assert_int_equal(n.org, 1);
	assert_int_equal(n.other, 2);
	assert_int_equal(store_grant_counts(b->s, now + 10, &n), CMN_OK);
	assert_int_equal(n.service, 1);
	assert_int_equal(n.org, 2);

	/* uses add up; the latest use is kept */
	add_grant(b->s, ann.id, "service", "s4", "given", now, INT64_MAX, &g);
	assert_int_equal(store_grant_used(b->s, g.id, 3, now + 100), CMN_OK);
	assert_int_equal(store_grant_used(b->s, g.id, 2, now + 50), CMN_OK);
	assert_int_equal(store_grant_used(b->s, "no-such-grant", 2, now), CMN_OK);
	assert_int_equal(store_grant_get(b->s, g.id, &got), CMN_OK);
	assert_int_equal(got.uses, 5);
	assert_int_equal(got.last_used, now + 100);
	grant_row_release(&got);
}

/* ---- OAuth -------------------------------------------------------------- */

/* a service of its own organisation, and a grant of a new person to it */
struct oauth_fixture {
	struct org org;
	struct client app;
	struct person ann;
	struct grant_row g;
};

static void oauth_fixture(struct store *s, struct oauth_fixture *f)
{
	assert_int_equal(store_org_add(s, "Coop", "cooperative", &f->org), CMN_OK);
	assert_int_equal(store_client_add(s, f->org.id, "app", NULL, "{}", &f->app), CMN_OK);
	add_person(s, "ann", NULL, &f->ann);
	add_grant(s, f->ann.id, "service", f->app.id, "given", 0, INT64_MAX, &f->g);
}

static struct oauth_code code_of(const struct oauth_fixture *f, int64_t expires)
{
	struct oauth_code c;

	memset(&c, 0, sizeof(c));
	snprintf(c.client_id, sizeof(c.client_id), "%s", f->app.id);
	snprintf(c.grant_id, sizeof(c.grant_id), "%s", f->g.id);
	snprintf(c.redirect_uri, sizeof(c.redirect_uri), "https://app.example/cb");
	snprintf(c.challenge, sizeof(c.challenge), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
	c.expires = expires;
	return c;
}

static struct oauth_token token_of(const struct oauth_fixture *f, const char *kind,
				   const char *family)
{
	struct oauth_token t;

	memset(&t, 0, sizeof(t));
	snprintf(t.kind, sizeof(t.kind), "%s", kind);
	snprintf(t.client_id, sizeof(t.client_id), "%s", f->app.id);
	snprintf(t.grant_id, sizeof(t.grant_id), "%s", f->g.id);
	snprintf(t.family, sizeof(t.family), "%s", family);
	t.expires = time_now_ms() + 3600000;
	return t;
}

static bool revoked(struct store *s, const char *hash)
{
	struct oauth_token t;

	assert_int_equal(store_oauth_token_get(s, hash, &t), CMN_OK);
	return t.revoked;
}

static void oauth_codes(void **state)
{
	struct bk *b = *state;
	struct oauth_fixture f;
	struct oauth_code c, out;
	struct oauth_token at;
	int64_t now = time_now_ms();
	uint64_t epoch;

	oauth_fixture(b->s, &f);
	c = code_of(&f, now + 60000);
	assert_int_equal(store_oauth_code_add(b->s, "code-1", &c), CMN_OK);
	assert_int_equal(store_oauth_code_add(b->s, "code-1", &c), CMN_ERR_EXISTS);
	snprintf(c.client_id, sizeof(c.client_id), "no-such-client");
	assert_int_equal(store_oauth_code_add(b->s, "code-x", &c), CMN_ERR_EXISTS);
	c = code_of(&f, now + 60000);
	snprintf(c.grant_id, sizeof(c.grant_id), "no-such-grant");
	assert_int_equal(store_oauth_code_add(b->s, "code-x", &c), CMN_ERR_EXISTS);

	/* once */
	assert_int_equal(store_oauth_code_take(b->s, "code-1", now, &out), CMN_OK);
	assert_string_equal(out.client_id, f.app.id);
	assert_string_equal(out.grant_id, f.g.id);
	assert_string_equal(out.redirect_uri, "https://app.example/cb");
	assert_string_equal(out.challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
	assert_int_equal(out.expires, now + 60000);
	assert_int_equal(store_oauth_code_take(b->s, "code-1", now, &out), CMN_ERR_CONFLICT);
	assert_string_equal(out.client_id, "");
	assert_int_equal(store_oauth_code_take(b->s, "no-such-code", now, &out), CMN_ERR_NOT_FOUND);

	/* used again after it made tokens: the tokens are revoked */
	c = code_of(&f, now + 60000);
	assert_int_equal(store_oauth_code_add(b->s, "code-2", &c), CMN_OK);
	assert_int_equal(store_oauth_code_take(b->s, "code-2", now, &out), CMN_OK);
	assert_int_equal(store_oauth_code_family(b->s, "code-2", "fam-2"), CMN_OK);
	at = token_of(&f, "access", "fam-2");
	assert_int_equal(store_oauth_token_add(b->s, "at-2", &at), CMN_OK);
	at = token_of(&f, "access", "fam-other");
	assert_int_equal(store_oauth_token_add(b->s, "at-other", &at), CMN_OK);
	assert_false(revoked(b->s, "at-2"));
	epoch = store_auth_epoch(b->s);
	assert_int_equal(store_oauth_code_take(b->s, "code-2", now, &out), CMN_ERR_CONFLICT);
	assert_true(store_auth_epoch(b->s) > epoch);
	assert_true(revoked(b->s, "at-2"));
	assert_false(revoked(b->s, "at-other"));
	/* a code unknown has no family to record: nothing happens */
	assert_int_equal(store_oauth_code_family(b->s, "no-such-code", "fam-x"), CMN_OK);

	/* expired: refused, and not used up */
	c = code_of(&f, now + 10);
	assert_int_equal(store_oauth_code_add(b->s, "code-3", &c), CMN_OK);
	assert_int_equal(store_oauth_code_take(b->s, "code-3", now + 10, &out), CMN_ERR_NOT_FOUND);
	assert_string_equal(out.grant_id, "");
	assert_int_equal(store_oauth_code_take(b->s, "code-3", now + 9, &out), CMN_OK);
}

struct taker {
	struct store *s;
	int64_t now;
	enum cmn_rc rc;
};

static void *take_once(void *arg)
{
	struct taker *t = arg;
	struct oauth_code out;

	t->rc = store_oauth_code_take(t->s, "code-race", t->now, &out);
	store_thread_done();
	return NULL;
}

/* a code taken by several at once serves one of them */
static void oauth_code_race(void **state)
{
	struct bk *b = *state;
	struct oauth_fixture f;
	struct oauth_code c;
	struct taker t[6];
	pthread_t th[6];
	int64_t now = time_now_ms();
	int ok = 0, conflict = 0;

	oauth_fixture(b->s, &f);
	c = code_of(&f, now + 60000);
	assert_int_equal(store_oauth_code_add(b->s, "code-race", &c), CMN_OK);
	for (int i = 0; i < 6; i++) {
		t[i] = (struct taker){b->s, now, CMN_ERR_INTERNAL};
		assert_int_equal(pthread_create(&th[i], NULL, take_once, &t[i]), 0);
	}
	for (int i = 0; i < 6; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		ok += t[i].rc == CMN_OK;
		conflict += t[i].rc == CMN_ERR_CONFLICT;
	}
	assert_int_equal(ok, 1);
	assert_int_equal(conflict, 5);
}

static void oauth_tokens(void **state)
{
	struct bk *b = *state;
	struct oauth_fixture f;
	struct oauth_token rt, at, rt2, at2, t;
	int64_t now = time_now_ms();
	uint64_t epoch;

	oauth_fixture(b->s, &f);
	rt = token_of(&f, "refresh", "fam-1");
	assert_int_equal(store_oauth_token_add(b->s, "rt-1", &rt), CMN_OK);
	assert_true(rt.created >= now);
	at = token_of(&f, "access", "fam-1");
	assert_int_equal(store_oauth_token_add(b->s, "at-1", &at), CMN_OK);
	assert_int_equal(store_oauth_token_add(b->s, "at-1", &at), CMN_ERR_EXISTS);
	t = token_of(&f, "access", "fam-x");
	snprintf(t.grant_id, sizeof(t.grant_id), "no-such-grant");
	assert_int_equal(store_oauth_token_add(b->s, "at-x", &t), CMN_ERR_EXISTS);
	assert_int_equal(store_oauth_token_get(b->s, "at-x", &t), CMN_ERR_NOT_FOUND);

	assert_int_equal(store_oauth_token_get(b->s, "rt-1", &t), CMN_OK);
	assert_string_equal(t.kind, "refresh");
	assert_string_equal(t.client_id, f.app.id);
	assert_string_equal(t.grant_id, f.g.id);
	assert_string_equal(t.family, "fam-1");
	assert_int_equal(t.expires, rt.expires);
	assert_int_equal(t.created, rt.created);
	assert_false(t.revoked);

	/* rotation: the old one revoked, the new ones of its family */
	rt2 = token_of(&f, "refresh", "");
	at2 = token_of(&f, "access", "");
	assert_int_equal(store_oauth_refresh_rotate(b->s, "rt-1", "rt-2", &rt2, "at-2", &at2),
			 CMN_OK);
	assert_string_equal(rt2.family, "fam-1");
	assert_string_equal(at2.family, "fam-1");
	assert_true(revoked(b->s, "rt-1"));
	assert_false(revoked(b->s, "rt-2"));
	assert_int_equal(store_oauth_token_get(b->s, "at-2", &t), CMN_OK);
	assert_string_equal(t.family, "fam-1");
	assert_string_equal(t.kind, "access");
	/* only a refresh token rotates; an unknown one is not found */
	rt2 = token_of(&f, "refresh", "");
	at2 = token_of(&f, "access", "");
	assert_int_equal(store_oauth_refresh_rotate(b->s, "at-2", "rt-3", &rt2, "at-3", &at2),
			 CMN_ERR_NOT_FOUND);
	assert_int_equal(store_oauth_refresh_rotate(b->s, "nope", "rt-3", &rt2, "at-3", &at2),
			 CMN_ERR_NOT_FOUND);
	assert_int_equal(store_oauth_token_get(b->s, "rt-3", &t), CMN_ERR_NOT_FOUND);
	/* a new token's hash taken: nothing of the rotation is kept */
	assert_int_equal(store_oauth_refresh_rotate(b->s, "rt-2", "at-1", &rt2, "at-3", &at2),
			 CMN_ERR_EXISTS);
	assert_false(revoked(b->s, "rt-2"));
	assert_int_equal(store_oauth_token_get(b->s, "at-3", &t), CMN_ERR_NOT_FOUND);

	/* a revoked refresh token used again: its whole family goes */
	at = token_of(&f, "access", "fam-2");
	assert_int_equal(store_oauth_token_add(b->s, "at-fam-2", &at), CMN_OK);
	epoch = store_auth_epoch(b->s);
	assert_int_equal(store_oauth_refresh_rotate(b->s, "rt-1", "rt-3", &rt2, "at-3", &at2),
			 CMN_ERR_CONFLICT);
	assert_true(store_auth_epoch(b->s) > epoch);
	assert_true(revoked(b->s, "rt-2"));
	assert_true(revoked(b->s, "at-2"));
	assert_true(revoked(b->s, "at-1"));
	assert_false(revoked(b->s, "at-fam-2"));
	assert_int_equal(store_oauth_token_get(b->s, "rt-3", &t), CMN_ERR_NOT_FOUND);

	/* revocation of one, of a family, of a grant's */
	at = token_of(&f, "access", "fam-3");
	assert_int_equal(store_oauth_token_add(b->s, "at-3a", &at), CMN_OK);
	assert_int_equal(store_oauth_token_add(b->s, "at-3b", &at), CMN_OK);
	assert_int_equal(store_oauth_token_add(b->s, "at-3c", &at), CMN_OK);
	epoch = store_auth_epoch(b->s);
	assert_int_equal(store_oauth_token_revoke(b->s, "at-3a", false), CMN_OK);
	assert_true(store_auth_epoch(b->s) > epoch);
	assert_true(revoked(b->s, "at-3a"));
	assert_false(revoked(b->s, "at-3b"));
	assert_int_equal(store_oauth_token_revoke(b->s, "at-3b", true), CMN_OK);
	assert_true(revoked(b->s, "at-3c"));
	assert_false(revoked(b->s, "at-fam-2"));
	assert_int_equal(store_oauth_token_revoke(b->s, "nope", false), CMN_ERR_NOT_FOUND);
	assert_int_equal(store_oauth_token_revoke(b->s, "nope", true), CMN_ERR_NOT_FOUND);
	assert_int_equal(store_oauth_grant_revoke(b->s, "no-such-grant"), CMN_OK);
	assert_int_equal(store_oauth_grant_revoke(b->s, f.g.id), CMN_OK);
	assert_true(revoked(b->s, "at-fam-2"));
}

struct rotator {
	struct store *s;
	const struct oauth_fixture *f;
	int i;
	enum cmn_rc rc;
};

static void *rotate_once(void *arg)
{
	struct rotator *r = arg;
	struct oauth_token rt = token_of(r->f, "refresh", ""), at = token_of(r->f, "access", "");
	char rh[32], ah[32];

	snprintf(rh, sizeof(rh), "race-rt-%d", r->i);
	snprintf(ah, sizeof(ah), "race-at-%d", r->i);
	r->rc = store_oauth_refresh_rotate(r->s, "race-rt", rh, &rt, ah, &at);
	store_thread_done();
	return NULL;
}

/* one refresh token rotated by several at once: one rotation, and then a
 * reuse, which revokes the family (the rotation's new tokens included) */
static void oauth_rotate_race(void **state)
{
	struct bk *b = *state;
	struct oauth_fixture f;
	struct oauth_token rt;
	struct rotator r[4];
	pthread_t th[4];
	int ok = 0, conflict = 0, winner = -1;
	char hash[32];

	oauth_fixture(b->s, &f);
	rt = token_of(&f, "refresh", "fam-race");
	assert_int_equal(store_oauth_token_add(b->s, "race-rt", &rt), CMN_OK);
	for (int i = 0; i < 4; i++) {
		r[i] = (struct rotator){b->s, &f, i, CMN_ERR_INTERNAL};
		assert_int_equal(pthread_create(&th[i], NULL, rotate_once, &r[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		if (r[i].rc == CMN_OK)
			winner = i;
		ok += r[i].rc == CMN_OK;
		conflict += r[i].rc == CMN_ERR_CONFLICT;
	}
	assert_int_equal(ok, 1);
	assert_int_equal(conflict, 3);
	snprintf(hash, sizeof(hash), "race-rt-%d", winner);
	assert_true(revoked(b->s, hash));
	snprintf(hash, sizeof(hash), "race-at-%d", winner);
	assert_true(revoked(b->s, hash));
}

/* ---- erasure ------------------------------------------------------------ */

/* a person erased takes their grants with them: history, shares, OAuth */
static void person_erased(void **state)
{
	struct bk *b = *state;
	struct oauth_fixture f;
	struct person bob;
	struct grant_row kept, got;
	struct oauth_code c, out;
	struct oauth_token t;
	struct grant_counts n;
	char list[BK_LIST_MAX] = "", id[CRYPT_ID_LEN];
	int64_t now = time_now_ms();

	oauth_fixture(b->s, &f);
	add_person(b->s, "bob", NULL, &bob);
	add_grant(b->s, bob.id, "service", f.app.id, "given", 0, INT64_MAX, &kept);
	assert_int_equal(store_grant_set_status(b->s, f.g.id, "given", "withdrawn", "ann"), CMN_OK);
	assert_int_equal(store_share_unlock(b->s, f.g.id, "sess", now + 60000), CMN_OK);
	assert_int_equal(store_share_link_add(b->s, "link-ann", f.g.id), CMN_OK);
	assert_int_equal(store_share_link_add(b->s, "link-bob", kept.id), CMN_OK);
	c = code_of(&f, now + 60000);
	assert_int_equal(store_oauth_code_add(b->s, "code-ann", &c), CMN_OK);
	t = token_of(&f, "access", "fam-ann");
	assert_int_equal(store_oauth_token_add(b->s, "at-ann", &t), CMN_OK);

	assert_int_equal(store_person_delete(b->s, f.ann.id), CMN_OK);
	assert_int_equal(store_grant_get(b->s, f.g.id, &got), CMN_ERR_NOT_FOUND);
	assert_int_equal(store_grant_history(b->s, f.g.id, list_event, list), CMN_OK);
	assert_string_equal(list, "");
	assert_int_equal(store_grant_each(b->s, f.ann.id, NULL, NULL, list_grant, list), CMN_OK);
	assert_string_equal(list, "");
	assert_false(store_share_unlocked(b->s, f.g.id, "sess", now));
	assert_int_equal(store_share_link_get(b->s, "link-ann", id), CMN_ERR_NOT_FOUND);
	assert_int_equal(store_oauth_code_take(b->s, "code-ann", now, &out), CMN_ERR_NOT_FOUND);
	assert_int_equal(store_oauth_token_get(b->s, "at-ann", &t), CMN_ERR_NOT_FOUND);
	assert_int_equal(store_person_org_id(b->s, f.ann.id, id), CMN_ERR_NOT_FOUND);
	/* another person's stay, and the service */
	assert_int_equal(store_share_link_get(b->s, "link-bob", id), CMN_OK);
	assert_string_equal(id, kept.id);
	assert_int_equal(store_grant_each(b->s, NULL, "service", f.app.id, list_grant, list),
			 CMN_OK);
	{
		char want[BK_LIST_MAX];

		snprintf(want, sizeof(want), "service:%s:given,", f.app.id);
		assert_string_equal(list, want);
	}
	assert_int_equal(store_grant_counts(b->s, now, &n), CMN_OK);
	assert_int_equal(n.service, 1);
	assert_int_equal(store_client_get(b->s, f.app.id, &f.app, NULL, NULL), CMN_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    BOTH(clients),
	    BOTH(blocks),
	    BOTH(person_org),
	    BOTH(grants),
	    BOTH(grant_in_transaction),
	    BOTH(shares),
	    BOTH(share_views_at_once),
	    BOTH(counts),
	    BOTH(oauth_codes),
	    BOTH(oauth_code_race),
	    BOTH(oauth_tokens),
	    BOTH(oauth_rotate_race),
	    BOTH(person_erased),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
