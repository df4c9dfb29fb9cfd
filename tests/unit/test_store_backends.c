#define _GNU_SOURCE
/*
 * test_store_backends.c - the platform store's functions of struct
 * store_ops (persons, organisations, sessions, tokens, the doctype
 * registry, failure counters), each case run on SQLite and on PostgreSQL
 * (a database of its own in the test run's cluster: tests/support/pgtest.h).
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
#include "pgtest.h"

#include "core/limits.h"
#include "core/timeutil.h"
#include "crypto/crypt.h"
#include "store/store.h"

static void add_person(struct store *s, const char *handle, const char *org, struct person *p)
{
	assert_int_equal(store_person_add(s, handle, "resident", org,
					  "$pwhash-of-"
					  "x",
					  p),
			 CMN_OK);
}

static enum cmn_rc list_handle(const struct person *p, void *ctx)
{
	char *out = ctx;

	bk_list_add(out, p->handle);
	return CMN_OK;
}

static enum cmn_rc stop_at_first(const struct person *p, void *ctx)
{
	(void)p;
	(*(int *)ctx)++;
	return CMN_ERR_CONFLICT;
}

static void persons(void **state)
{
	struct bk *b = *state;
	struct person zoe, ann, p;
	struct org city;
	char hash[CRYPT_PWHASH_LEN], list[BK_LIST_MAX] = "";
	int64_t n;
	int calls = 0;

	assert_int_equal(store_org_add(b->s, "Ville de Test", "city", &city), CMN_OK);
	add_person(b->s, "zoe", NULL, &zoe);
	add_person(b->s, "ann", "Ville de Test", &ann);
	assert_string_equal(ann.org_id, city.id);
	assert_int_equal(store_person_add(b->s, "zoe", "resident", NULL, "h", &p), CMN_ERR_EXISTS);
	assert_int_equal(store_person_add(b->s, "bob", "resident", "no such org", "h", &p),
			 CMN_ERR_NOT_FOUND);

	assert_int_equal(store_person_by_handle(b->s, "ann", &p, hash), CMN_OK);
	assert_string_equal(p.id, ann.id);
	assert_string_equal(p.org, "Ville de Test");
	assert_string_equal(p.org_id, city.id);
	assert_string_equal(p.role, "resident");
	assert_false(p.disabled);
	assert_int_equal(p.created, ann.created);
	assert_string_equal(hash, "$pwhash-of-x");
	assert_int_equal(store_person_by_id(b->s, zoe.id, &p, NULL), CMN_OK);
	assert_string_equal(p.handle, "zoe");
	assert_string_equal(p.org, "");
	assert_string_equal(p.org_id, "");
	assert_int_equal(store_person_by_handle(b->s, "nobody", &p, NULL), CMN_ERR_NOT_FOUND);

	assert_int_equal(store_person_each(b->s, list_handle, list), CMN_OK);
	assert_string_equal(list, "ann,zoe,");
	assert_int_equal(store_person_each(b->s, stop_at_first, &calls), CMN_ERR_CONFLICT);
	assert_int_equal(calls, 1);
	assert_int_equal(store_person_count(b->s, &n), CMN_OK);
	assert_int_equal(n, 2);

	assert_int_equal(store_person_set_role(b->s, zoe.id, "mediator"), CMN_OK);
	assert_int_equal(store_person_set_role(b->s, "0000", "mediator"), CMN_ERR_NOT_FOUND);
	assert_int_equal(store_person_by_id(b->s, zoe.id, &p, NULL), CMN_OK);
	assert_string_equal(p.role, "mediator");
	assert_int_equal(store_person_set_password(b->s, zoe.id, "$new", NULL), CMN_OK);
	assert_int_equal(store_person_by_id(b->s, zoe.id, &p, hash), CMN_OK);
	assert_string_equal(hash, "$new");
	assert_int_equal(store_person_set_password(b->s, "0000", "$new", NULL), CMN_ERR_NOT_FOUND);

	assert_int_equal(store_person_delete(b->s, zoe.id), CMN_OK);
	assert_int_equal(store_person_by_id(b->s, zoe.id, &p, NULL), CMN_ERR_NOT_FOUND);
	assert_int_equal(store_person_count(b->s, &n), CMN_OK);
	assert_int_equal(n, 1);
}

static enum cmn_rc list_org(const struct org *o, void *ctx)
{
	char *out = ctx;

	char item[300];

	snprintf(item, sizeof(item), "%s/%s", o->name, o->kind);
	bk_list_add(out, item);
	return CMN_OK;
}

static void orgs(void **state)
{
	struct bk *b = *state;
	struct org coop, city, o;
	char list[BK_LIST_MAX] = "";

	assert_int_equal(store_org_add(b->s, "Coop", "cooperative", &coop), CMN_OK);
	assert_int_equal(store_org_add(b->s, "City", "city", &city), CMN_OK);
	assert_int_equal(store_org_add(b->s, "City", "holder", &o), CMN_ERR_EXISTS);
	assert_int_equal(store_org_get(b->s, coop.id, &o), CMN_OK);
	assert_string_equal(o.name, "Coop");
	assert_string_equal(o.kind, "cooperative");
	assert_int_equal(o.created, coop.created);
	assert_int_equal(store_org_get(b->s, "nope", &o), CMN_ERR_NOT_FOUND);
	assert_int_equal(store_org_each(b->s, list_org, list), CMN_OK);
	assert_string_equal(list, "City/city,Coop/cooperative,");
}

static void sessions(void **state)
{
	struct bk *b = *state;
	struct person ann, p;
	struct session x;
	int64_t now = time_now_ms();
	const int64_t idle = (int64_t)CMN_SESSION_IDLE_S * 1000;

	add_person(b->s, "ann", NULL, &ann);
	assert_int_equal(store_session_add(b->s, "h1", ann.id, "c1", now, now + 3 * idle), CMN_OK);
	assert_int_equal(store_session_add(b->s, "h1", ann.id, "c1", now, now + idle),
			 CMN_ERR_EXISTS);
	assert_int_not_equal(store_session_add(b->s, "hx", "no-such-person", "c", now, now + idle),
			     CMN_OK);
	assert_int_equal(store_session_get(b->s, "h1", now + 10, &x), CMN_OK);
	assert_string_equal(x.csrf, "c1");
	assert_string_equal(x.person.id, ann.id);
	assert_int_equal(x.created, now);
	assert_int_equal(x.expires, now + 3 * idle);
	/* idle: refreshed when seen after a minute, gone after CMN_SESSION_IDLE_S */
	assert_int_equal(store_session_get(b->s, "h1", now + 2 * 60 * 1000, &x), CMN_OK);
	assert_int_equal(x.last_seen, now);
	assert_int_equal(store_session_get(b->s, "h1", now + 2 * 60 * 1000 + idle - 1, &x), CMN_OK);
	assert_int_equal(x.last_seen, now + 2 * 60 * 1000);
	/* and past its absolute end */
	assert_int_equal(store_session_get(b->s, "h1", now + 3 * idle, &x), CMN_ERR_NOT_FOUND);
	assert_int_equal(store_session_get(b->s, "nope", now, &x), CMN_ERR_NOT_FOUND);

	/* a session ended is not served again from the cache */
	assert_int_equal(store_session_add(b->s, "h2", ann.id, "c2", now, now + idle), CMN_OK);
	assert_int_equal(store_session_get(b->s, "h2", now, &x), CMN_OK);
	assert_int_equal(store_session_delete(b->s, "h2"), CMN_OK);
	assert_int_equal(store_session_get(b->s, "h2", now, &x), CMN_ERR_NOT_FOUND);

	/* disabling a person ends their sessions; a new password every other */
	assert_int_equal(store_session_add(b->s, "h3", ann.id, "c3", now, now + idle), CMN_OK);
	assert_int_equal(store_session_add(b->s, "h4", ann.id, "c4", now, now + idle), CMN_OK);
	assert_int_equal(store_session_add(b->s, "h5", ann.id, "c5", now, now + idle), CMN_OK);
	assert_int_equal(store_person_set_password(b->s, ann.id, "$pw2", "h3"), CMN_OK);
	assert_int_equal(store_session_get(b->s, "h3", now, &x), CMN_OK);
	assert_int_equal(store_session_get(b->s, "h4", now, &x), CMN_ERR_NOT_FOUND);
	assert_int_equal(store_person_set_disabled(b->s, ann.id, true), CMN_OK);
	assert_int_equal(store_person_by_id(b->s, ann.id, &p, NULL), CMN_OK);
	assert_true(p.disabled);
	assert_int_equal(store_session_get(b->s, "h3", now, &x), CMN_ERR_NOT_FOUND);
	assert_int_equal(store_person_set_disabled(b->s, ann.id, false), CMN_OK);
	assert_int_equal(store_person_by_id(b->s, ann.id, &p, NULL), CMN_OK);
	assert_false(p.disabled);

	/* expired sessions are removed when the next one is made */
	assert_int_equal(
	    store_session_add(b->s, "h6", ann.id, "c6", now + 2 * idle, now + 3 * idle), CMN_OK);
	assert_int_equal(store_session_add(b->s, "h5", ann.id, "c5", now, now + idle), CMN_OK);

	/* erasing the person ends the rest */
	assert_int_equal(store_person_delete(b->s, ann.id), CMN_OK);
	assert_int_equal(store_session_get(b->s, "h6", now + 2 * idle, &x), CMN_ERR_NOT_FOUND);
}

static enum cmn_rc list_token(const struct api_token *t, void *ctx)
{
	char *out = ctx;

	bk_list_add(out, t->name);
	return CMN_OK;
}

static void tokens(void **state)
{
	struct bk *b = *state;
	struct person ann, bob, p;
	struct api_token t1, t2, t;
	char list[BK_LIST_MAX] = "", hash[32], name[16];

	add_person(b->s, "ann", NULL, &ann);
	add_person(b->s, "bob", NULL, &bob);
	assert_int_equal(store_token_add(b->s, ann.id, "laptop", "th1", &t1), CMN_OK);
	usleep(2000);
	assert_int_equal(store_token_add(b->s, ann.id, "phone", "th2", &t2), CMN_OK);
	assert_int_equal(store_token_add(b->s, bob.id, "dup", "th1", &t), CMN_ERR_EXISTS);
	assert_int_equal(store_token_get(b->s, "th2", &p, &t), CMN_OK);
	assert_string_equal(p.id, ann.id);
	assert_string_equal(t.id, t2.id);
	assert_string_equal(t.name, "phone");
	assert_int_equal(t.created, t2.created);
	assert_true(t.last_used == 0);
	/* the use is recorded (at most once a minute) */
	assert_int_equal(store_token_get(b->s, "th2", &p, &t), CMN_OK);
	assert_true(t.last_used >= t2.created);
	assert_int_equal(store_token_get(b->s, "nope", &p, &t), CMN_ERR_NOT_FOUND);
	assert_int_equal(store_token_each(b->s, ann.id, list_token, list), CMN_OK);
	assert_string_equal(list, "laptop,phone,");
	/* only their owner revokes them */
	assert_int_equal(store_token_delete(b->s, bob.id, t1.id), CMN_ERR_NOT_FOUND);
	assert_int_equal(store_token_get(b->s, "th1", &p, &t), CMN_OK); /* now cached */
	assert_int_equal(store_token_delete(b->s, ann.id, t1.id), CMN_OK);
	assert_int_equal(store_token_get(b->s, "th1", &p, &t), CMN_ERR_NOT_FOUND);
	/* a person disabled is seen at once through a cached token */
	assert_int_equal(store_person_set_disabled(b->s, ann.id, true), CMN_OK);
	assert_int_equal(store_token_get(b->s, "th2", &p, &t), CMN_OK);
	assert_true(p.disabled);
	assert_int_equal(store_person_set_disabled(b->s, ann.id, false), CMN_OK);
	assert_int_equal(store_token_get(b->s, "th2", &p, &t), CMN_OK);
	assert_false(p.disabled);

	/* at most CMN_TOKENS_PER_PERSON, and the one refused leaves nothing */
	for (int i = 1; i < CMN_TOKENS_PER_PERSON; i++) {
		snprintf(hash, sizeof(hash), "bh%d", i);
		snprintf(name, sizeof(name), "n%d", i);
		assert_int_equal(store_token_add(b->s, bob.id, name, hash, &t), CMN_OK);
	}
	assert_int_equal(store_token_add(b->s, bob.id, "last", "bh-last", &t), CMN_OK);
	assert_int_equal(store_token_add(b->s, bob.id, "over", "bh-over", &t), CMN_ERR_TOO_LARGE);
	assert_int_equal(store_token_get(b->s, "bh-over", &p, &t), CMN_ERR_NOT_FOUND);
	/* and the person's erasure takes them */
	assert_int_equal(store_person_delete(b->s, bob.id), CMN_OK);
	assert_int_equal(store_token_get(b->s, "bh-last", &p, &t), CMN_ERR_NOT_FOUND);
}

static enum cmn_rc list_doctype(const char *name, int version, const char *def, void *ctx)
{
	char *out = ctx;

	char item[300];

	snprintf(item, sizeof(item), "%s@%d=%s", name, version, def);
	bk_list_add(out, item);
	return CMN_OK;
}

static void doctypes(void **state)
{
	struct bk *b = *state;
	char list[BK_LIST_MAX] = "";

	assert_int_equal(store_doctype_put(b->s, "energy.load", 1, "{\"a\":1}"), CMN_OK);
	assert_int_equal(store_doctype_put(b->s, "bank.transaction", 2, "{\"b\":2}"), CMN_OK);
	/* the same definition again changes nothing; a new one replaces it */
	assert_int_equal(store_doctype_put(b->s, "energy.load", 1, "{\"a\":1}"), CMN_OK);
	assert_int_equal(store_doctype_put(b->s, "energy.load", 3, "{\"a\":3}"), CMN_OK);
	assert_int_equal(store_doctype_each(b->s, list_doctype, list), CMN_OK);
	assert_string_equal(list, "bank.transaction@2={\"b\":2},energy.load@3={\"a\":3},");
}

static void limits(void **state)
{
	struct bk *b = *state;
	int64_t now = time_now_ms(), until;
	unsigned count;

	assert_int_equal(store_limit_get(b->s, "login:ann", now, &count, &until), CMN_OK);
	assert_int_equal(count, 0);
	assert_int_equal(until, 0);
	assert_int_equal(store_limit_fail(b->s, "login:ann", 60000, now), CMN_OK);
	assert_int_equal(store_limit_fail(b->s, "login:ann", 60000, now + 10), CMN_OK);
	assert_int_equal(store_limit_fail(b->s, "login:bob", 60000, now + 10), CMN_OK);
	assert_int_equal(store_limit_get(b->s, "login:ann", now + 20, &count, &until), CMN_OK);
	assert_int_equal(count, 2);
	assert_int_equal(until, now + 60000);
	/* a window that ended counts from one again, in a new window */
	assert_int_equal(store_limit_get(b->s, "login:ann", now + 60000, &count, &until), CMN_OK);
	assert_int_equal(count, 0);
	assert_int_equal(store_limit_fail(b->s, "login:ann", 60000, now + 60001), CMN_OK);
	assert_int_equal(store_limit_get(b->s, "login:ann", now + 60002, &count, &until), CMN_OK);
	assert_int_equal(count, 1);
	assert_int_equal(until, now + 120001);
	assert_int_equal(store_limit_clear(b->s, "login:ann"), CMN_OK);
	assert_int_equal(store_limit_get(b->s, "login:ann", now + 60002, &count, &until), CMN_OK);
	assert_int_equal(count, 0);
}

static enum cmn_rc count_org(const struct org *o, void *ctx)
{
	(void)o;
	(*(int *)ctx)++;
	return CMN_OK;
}

static int org_count(struct store *s)
{
	int n = 0;

	assert_int_equal(store_org_each(s, count_org, &n), CMN_OK);
	return n;
}

static void *add_person_meanwhile(void *arg)
{
	struct store *s = arg;
	struct person p;
	enum cmn_rc rc = store_person_add(s, "meanwhile", "resident", NULL, "h", &p);

	store_thread_done();
	return rc == CMN_OK ? s : NULL;
}

/* store_tx_begin/end: all or nothing, the outermost deciding; and
 * store_read_begin/end: one snapshot, whatever another thread writes */
static void transactions(void **state)
{
	struct bk *b = *state;
	struct org o;
	pthread_t th;
	void *ok;
	int64_t n;

	assert_int_equal(store_tx_begin(b->s), CMN_OK);
	assert_int_equal(store_org_add(b->s, "A", "city", &o), CMN_OK);
	assert_int_equal(store_tx_begin(b->s), CMN_OK);
	assert_int_equal(store_org_add(b->s, "B", "city", &o), CMN_OK);
	assert_int_equal(store_tx_end(b->s, CMN_OK), CMN_OK);
	assert_int_equal(store_tx_end(b->s, CMN_ERR_INVALID), CMN_ERR_INVALID);
	assert_int_equal(org_count(b->s), 0);

	assert_int_equal(store_tx_begin(b->s), CMN_OK);
	assert_int_equal(store_org_add(b->s, "C", "city", &o), CMN_OK);
	assert_int_equal(store_tx_begin(b->s), CMN_OK);
	assert_int_equal(store_tx_end(b->s, CMN_ERR_INVALID), CMN_ERR_INVALID);
	assert_int_equal(store_tx_end(b->s, CMN_OK), CMN_ERR_CONFLICT);
	assert_int_equal(org_count(b->s), 0);

	assert_int_equal(store_tx_begin(b->s), CMN_OK);
	assert_int_equal(store_org_add(b->s, "D", "city", &o), CMN_OK);
	assert_int_equal(store_org_add(b->s, "E", "city", &o), CMN_OK);
	assert_int_equal(store_tx_end(b->s, CMN_OK), CMN_OK);
	assert_int_equal(org_count(b->s), 2);

	assert_int_equal(store_read_begin(b->s), CMN_OK);
	assert_int_equal(store_person_count(b->s, &n), CMN_OK);
	assert_int_equal(n, 0);
	assert_int_equal(pthread_create(&th, NULL, add_person_meanwhile, b->s), 0);
	assert_int_equal(pthread_join(th, &ok), 0);
	assert_non_null(ok);
	assert_int_equal(store_person_count(b->s, &n), CMN_OK);
	assert_int_equal(n, 0);
	store_read_end(b->s);
	assert_int_equal(store_person_count(b->s, &n), CMN_OK);
	assert_int_equal(n, 1);
}

/* Two stores open on the same data, as two server processes would: what
 * one makes, the other sees, and counters add up. */
static void two_processes(void **state)
{
	struct bk *b = *state;
	struct store *other;
	struct person ann, p;
	struct session x;
	struct api_token tok, t;
	int64_t now = time_now_ms(), until;
	unsigned count;

	assert_int_equal(store_open(&other, b->where, &b->keys), CMN_OK);
	add_person(b->s, "ann", NULL, &ann);
	assert_int_equal(store_person_by_handle(other, "ann", &p, NULL), CMN_OK);
	assert_int_equal(store_session_add(other, "h1", ann.id, "c1", now, now + 60000), CMN_OK);
	assert_int_equal(store_session_get(b->s, "h1", now, &x), CMN_OK);
	assert_int_equal(store_limit_fail(b->s, "k", 60000, now), CMN_OK);
	assert_int_equal(store_limit_fail(other, "k", 60000, now), CMN_OK);
	assert_int_equal(store_limit_get(b->s, "k", now, &count, &until), CMN_OK);
	assert_int_equal(count, 2);
	/* a token revoked by another process stops working within a second
	 * (the cache of store_token_get) */
	assert_int_equal(store_token_add(other, ann.id, "cli", "tk1", &tok), CMN_OK);
	assert_int_equal(store_token_get(b->s, "tk1", &p, &t), CMN_OK);
	assert_int_equal(store_token_delete(other, ann.id, tok.id), CMN_OK);
	usleep(1100 * 1000);
	assert_int_equal(store_token_get(b->s, "tk1", &p, &t), CMN_ERR_NOT_FOUND);
	/* the migrations ran once: opening again changes nothing */
	store_close(&other);
	assert_int_equal(store_open(&other, b->where, &b->keys), CMN_OK);
	assert_int_equal(store_person_by_handle(other, "ann", &p, NULL), CMN_OK);
	store_close(&other);
}

/* PostgreSQL only: a server that cannot be reached is an error with
 * libpq's reason; a connection the server ended fails the statement it
 * was running, and the next one connects again */
static void postgres_connections(void **state)
{
	struct bk *b = *state;
	struct store *none;
	struct person ann, p;
	int64_t n;

	assert_int_equal(
	    store_open(&none, "postgresql://commune@127.0.0.1:1/x?connect_timeout=5", &b->keys),
	    CMN_ERR_STORE);
	assert_null(none);
	assert_non_null(strstr(store_last_error(), "127.0.0.1"));

	add_person(b->s, "ann", NULL, &ann);
	assert_int_equal(pgtest_db_disconnect(b->where), 0);
	assert_int_equal(store_person_count(b->s, &n), CMN_ERR_STORE);
	assert_int_equal(store_person_count(b->s, &n), CMN_OK);
	assert_int_equal(n, 1);
	/* and its statements are prepared again on the new connection */
	assert_int_equal(store_person_by_id(b->s, ann.id, &p, NULL), CMN_OK);
	assert_string_equal(p.handle, "ann");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    BOTH(persons),
	    BOTH(orgs),
	    BOTH(sessions),
	    BOTH(tokens),
	    BOTH(doctypes),
	    BOTH(limits),
	    BOTH(transactions),
	    BOTH(two_processes),
	    {"postgres_connections", postgres_connections, bk_setup, bk_teardown, &bk_on_postgres},
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
