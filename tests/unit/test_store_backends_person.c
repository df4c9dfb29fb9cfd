#define _GNU_SOURCE
/*
 * test_store_backends_person.c - the core of a person's store on SQLite
 * and on PostgreSQL: handles, transactions, the audit chain with its
 * signed heads, secrets and a read-only pass (store_person_peek).
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
#include <pthread.h>
#include <sqlite3.h>

#include "backends.h"

#include "core/buf.h"

static void add_person(struct bk *b, const char *handle, struct person *p)
{
	assert_int_equal(store_person_add(b->s, handle, "resident", NULL, "x", p), CMN_OK);
}

/* change - runs sql straight on the database behind b: in the person's
 * file on SQLite (sqlite_sql), in the database on PostgreSQL (pg_sql, where
 * $1 is the person's id), as someone with access to the disk would */
static void change(struct bk *b, const char *person_id, const char *sqlite_sql, const char *pg_sql)
{
	if (b->kind == SQLITE) {
		char path[400];
		sqlite3 *db;

		snprintf(path, sizeof(path), "%s/persons/%.2s/%s.db", b->dir, person_id, person_id);
		assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
		assert_int_equal(sqlite3_exec(db, sqlite_sql, NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
	} else {
		PGconn *c = PQconnectdb(b->where);
		const char *v[] = {person_id};
		PGresult *r;

		assert_int_equal(PQstatus(c), CONNECTION_OK);
		r = PQexecParams(c, pg_sql, 1, NULL, v, NULL, NULL, 0);
		assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
		PQclear(r);
		PQfinish(c);
	}
}

static void handles(void **state)
{
	struct bk *b = *state;
	struct pstore *ps, *again;
	struct person p;

	add_person(b, "ana", &p);
	assert_int_equal(store_person_store(b->s, p.id, &ps), CMN_OK);
	assert_non_null(ps);
	/* the same handle on the same thread */
	assert_int_equal(store_person_store(b->s, p.id, &again), CMN_OK);
	assert_ptr_equal(ps, again);
	/* nobody's store */
	assert_int_equal(store_person_store(b->s, "0123456789abcdef0123456789abcdef", &ps),
			 CMN_ERR_NOT_FOUND);
	/* an erased person's store is gone */
	assert_int_equal(store_person_delete(b->s, p.id), CMN_OK);
	assert_int_equal(store_person_store(b->s, p.id, &ps), CMN_ERR_NOT_FOUND);
	assert_int_equal(store_person_peek(b->s, p.id, &ps), CMN_ERR_NOT_FOUND);
	assert_null(ps);
}

static enum cmn_rc list_entry(const struct audit_entry *e, void *ctx)
{
	char item[200];

	snprintf(item, sizeof(item), "%lld:%s:%s:%s:%s", (long long)e->seq, e->actor, e->action,
		 e->object, e->detail);
	bk_list_add(ctx, item);
	return CMN_OK;
}

static void chain(void **state)
{
	struct bk *b = *state;
	char list[BK_LIST_MAX] = "";
	struct audit_filter f = {NULL, NULL, NULL, 0, INT64_MAX};
	int64_t count, bad;
	struct pstore *ps;
	struct person p;

	add_person(b, "ana", &p);
	assert_int_equal(store_person_store(b->s, p.id, &ps), CMN_OK);
	assert_int_equal(pstore_audit_verify(ps, &count, &bad), CMN_OK);
	assert_int_equal(count, 0);
	assert_int_equal(pstore_audit_append(ps, "person:a", "record.create", "x/1", "{}"), CMN_OK);
	assert_int_equal(pstore_audit_append(ps, "service:s/grant:g1", "data.read", "x", NULL),
			 CMN_OK);
	assert_int_equal(pstore_audit_append(ps, "service:t/grant:g2", "data.read", "y", ""),
			 CMN_OK);
	assert_int_equal(pstore_audit_append(ps, "person:a", "record.delete", "x/1", ""), CMN_OK);

	assert_int_equal(pstore_audit_each(ps, NULL, 0, 100, list_entry, list), CMN_OK);
	assert_string_equal(list, "1:person:a:record.create:x/1:{},"
				  "2:service:s/grant:g1:data.read:x:,"
				  "3:service:t/grant:g2:data.read:y:,"
				  "4:person:a:record.delete:x/1:,");
	/* after, limit */
	list[0] = '\0';
	assert_int_equal(pstore_audit_each(ps, NULL, 1, 2, list_entry, list), CMN_OK);
	assert_string_equal(list, "2:service:s/grant:g1:data.read:x:,"
				  "3:service:t/grant:g2:data.read:y:,");
	/* by action, by actor's prefix, by grant */
	f.action = "data.read";
	list[0] = '\0';
	assert_int_equal(pstore_audit_each(ps, &f, 0, 100, list_entry, list), CMN_OK);
	assert_string_equal(list, "2:service:s/grant:g1:data.read:x:,"
				  "3:service:t/grant:g2:data.read:y:,");
	f.action = NULL;
	f.actor = "person:";
	list[0] = '\0';
	assert_int_equal(pstore_audit_each(ps, &f, 0, 100, list_entry, list), CMN_OK);
	assert_string_equal(list, "1:person:a:record.create:x/1:{},4:person:a:record.delete:x/1:,");
	f.actor = NULL;
	f.consent = "g2";
	list[0] = '\0';
	assert_int_equal(pstore_audit_each(ps, &f, 0, 100, list_entry, list), CMN_OK);
	assert_string_equal(list, "3:service:t/grant:g2:data.read:y:,");
	/* by time: nothing made in the future, everything since the epoch */
	f.consent = NULL;
	f.from = INT64_MAX - 1;
	list[0] = '\0';
	assert_int_equal(pstore_audit_each(ps, &f, 0, 100, list_entry, list), CMN_OK);
	assert_string_equal(list, "");
	f.from = 0;
	f.to = 1;
	assert_int_equal(pstore_audit_each(ps, &f, 0, 100, list_entry, list), CMN_OK);
	assert_string_equal(list, "");

	assert_int_equal(pstore_audit_verify(ps, &count, &bad), CMN_OK);
	assert_int_equal(count, 4);
	assert_int_equal(bad, 0);

	/* an entry changed on disk breaks the chain there */
	change(b, p.id, "UPDATE audit SET detail = '{\"x\":1}' WHERE seq = 2",
	       "UPDATE audit SET detail = '{\"x\":1}' WHERE person_id = $1 AND seq = 2");
	store_thread_done(); /* SQLite: read the file anew */
	assert_int_equal(store_person_store(b->s, p.id, &ps), CMN_OK);
	assert_int_equal(pstore_audit_verify(ps, &count, &bad), CMN_ERR_CONFLICT);
	assert_int_equal(bad, 2);
}

/* stop - a callback that stops the listing at the second entry */
static enum cmn_rc stop_second(const struct audit_entry *e, void *ctx)
{
	(*(int *)ctx)++;
	return e->seq == 2 ? CMN_ERR_CONFLICT : CMN_OK;
}

static enum cmn_rc count_entry(const struct audit_entry *e, void *ctx)
{
	int64_t *n = ctx;

	assert_int_equal(e->seq, n[1] + 1); /* in order, none twice */
	n[0]++;
	n[1] = e->seq;
	return CMN_OK;
}

/* a long chain: listed and verified by pages on PostgreSQL, signed heads
 * every 64 entries, the removal of its latest entries seen */
static void long_chain(void **state)
{
	struct bk *b = *state;
	int64_t count, bad, seen[2] = {0, 0};
	struct pstore *ps;
	struct person p;
	char object[32];
	int calls = 0;

	add_person(b, "ana", &p);
	assert_int_equal(store_person_store(b->s, p.id, &ps), CMN_OK);
	assert_int_equal(pstore_tx_begin(ps), CMN_OK);
	for (int i = 0; i < 1100; i++) {
		snprintf(object, sizeof(object), "x/%d", i);
		assert_int_equal(pstore_audit_append(ps, "person:a", "record.create", object, ""),
				 CMN_OK);
	}
	assert_int_equal(pstore_tx_end(ps, CMN_OK), CMN_OK);
	assert_int_equal(pstore_audit_each(ps, NULL, 0, SIZE_MAX, count_entry, seen), CMN_OK);
	assert_int_equal(seen[0], 1100);
	seen[0] = seen[1] = 0;
	assert_int_equal(pstore_audit_each(ps, NULL, 0, 1050, count_entry, seen), CMN_OK);
	assert_int_equal(seen[0], 1050);
	seen[0] = 0;
	seen[1] = 1000;
	assert_int_equal(pstore_audit_each(ps, NULL, 1000, 1000, count_entry, seen), CMN_OK);
	assert_int_equal(seen[0], 100);
	/* the callback's failure ends the listing and is returned */
	assert_int_equal(pstore_audit_each(ps, NULL, 0, 10, stop_second, &calls), CMN_ERR_CONFLICT);
	assert_int_equal(calls, 2);
	assert_int_equal(pstore_audit_verify(ps, &count, &bad), CMN_OK);
	assert_int_equal(count, 1100);

	/* the last 40 entries cut: the head signed at 1088 names a missing one */
	change(b, p.id, "DELETE FROM audit WHERE seq > 1060",
	       "DELETE FROM audit WHERE person_id = $1 AND seq > 1060");
	store_thread_done();
	assert_int_equal(store_person_store(b->s, p.id, &ps), CMN_OK);
	assert_int_equal(pstore_audit_verify(ps, &count, &bad), CMN_ERR_CONFLICT);
	assert_int_equal(bad, 1061);
	/* a head's signature that does not verify */
	change(b, p.id, "DELETE FROM audit_heads WHERE seq > 1060",
	       "DELETE FROM audit_heads WHERE person_id = $1 AND seq > 1060");
	change(b, p.id, "UPDATE audit_heads SET jws = 'x.y.z' WHERE seq = 64",
	       "UPDATE audit_heads SET jws = 'x.y.z' WHERE person_id = $1 AND seq = 64");
	store_thread_done();
	assert_int_equal(store_person_store(b->s, p.id, &ps), CMN_OK);
	assert_int_equal(pstore_audit_verify(ps, &count, &bad), CMN_ERR_CONFLICT);
	assert_int_equal(bad, 64);
}

static void transactions(void **state)
{
	struct bk *b = *state;
	char list[BK_LIST_MAX] = "";
	int64_t count, bad;
	struct pstore *ps;
	struct person p;

	add_person(b, "ana", &p);
	assert_int_equal(store_person_store(b->s, p.id, &ps), CMN_OK);
	/* a failure rolls the whole back */
	assert_int_equal(pstore_tx_begin(ps), CMN_OK);
	assert_int_equal(pstore_audit_append(ps, "person:a", "one", "x", ""), CMN_OK);
	assert_int_equal(pstore_secret_put(ps, "k", "v", 1), CMN_OK);
	assert_int_equal(pstore_tx_end(ps, CMN_ERR_INVALID), CMN_ERR_INVALID);
	assert_int_equal(pstore_audit_verify(ps, &count, &bad), CMN_OK);
	assert_int_equal(count, 0);
	{
		struct buf out;

		buf_init(&out, 64);
		assert_int_equal(pstore_secret_get(ps, "k", &out), CMN_ERR_NOT_FOUND);
		buf_release(&out);
	}
	/* an inner failure too, though the outermost says OK */
	assert_int_equal(pstore_tx_begin(ps), CMN_OK);
	assert_int_equal(pstore_audit_append(ps, "person:a", "two", "x", ""), CMN_OK);
	assert_int_equal(pstore_tx_begin(ps), CMN_OK);
	assert_int_equal(pstore_audit_append(ps, "person:a", "three", "x", ""), CMN_OK);
	assert_int_equal(pstore_tx_end(ps, CMN_ERR_NOT_FOUND), CMN_ERR_NOT_FOUND);
	assert_int_equal(pstore_tx_end(ps, CMN_OK), CMN_ERR_CONFLICT);
	assert_int_equal(pstore_audit_verify(ps, &count, &bad), CMN_OK);
	assert_int_equal(count, 0);
	/* and a commit keeps both */
	assert_int_equal(pstore_tx_begin(ps), CMN_OK);
	assert_int_equal(pstore_audit_append(ps, "person:a", "four", "x", ""), CMN_OK);
	assert_int_equal(pstore_tx_begin(ps), CMN_OK);
	assert_int_equal(pstore_audit_append(ps, "person:a", "five", "x", ""), CMN_OK);
	assert_int_equal(pstore_tx_end(ps, CMN_OK), CMN_OK);
	assert_int_equal(pstore_tx_end(ps, CMN_OK), CMN_OK);
	assert_int_equal(pstore_audit_each(ps, NULL, 0, 10, list_entry, list), CMN_OK);
	assert_string_equal(list, "1:person:a:four:x:,2:person:a:five:x:,");
	/* a bulk write's hint changes nothing that can be read */
	pstore_bulk(ps, true);
	assert_int_equal(pstore_audit_append(ps, "person:a", "six", "x", ""), CMN_OK);
	pstore_bulk(ps, false);
	assert_int_equal(pstore_audit_verify(ps, &count, &bad), CMN_OK);
	assert_int_equal(count, 3);
}

static void secrets(void **state)
{
	struct bk *b = *state;
	struct pstore *ps;
	struct person p, q;
	unsigned char big[70000];
	struct buf out;

	add_person(b, "ana", &p);
	add_person(b, "bob", &q);
	buf_init(&out, 1 << 20); /* the most it may hold */
	assert_int_equal(store_person_store(b->s, p.id, &ps), CMN_OK);
	assert_int_equal(pstore_secret_get(ps, "bank", &out), CMN_ERR_NOT_FOUND);
	assert_int_equal(pstore_secret_put(ps, "bank", "s3cret", 6), CMN_OK);
	assert_int_equal(pstore_secret_get(ps, "bank", &out), CMN_OK);
	assert_int_equal(out.len, 6);
	assert_memory_equal(out.data, "s3cret", 6);
	/* replaced */
	out.len = 0;
	assert_int_equal(pstore_secret_put(ps, "bank", "other", 5), CMN_OK);
	assert_int_equal(pstore_secret_get(ps, "bank", &out), CMN_OK);
	assert_int_equal(out.len, 5);
	assert_memory_equal(out.data, "other", 5);
	/* bytes of every value, and a large one */
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (unsigned char)(i * 7 + i / 256);
	out.len = 0;
	assert_int_equal(pstore_secret_put(ps, "big", big, sizeof(big)), CMN_OK);
	assert_int_equal(pstore_secret_get(ps, "big", &out), CMN_OK);
	assert_int_equal(out.len, sizeof(big));
	assert_memory_equal(out.data, big, sizeof(big));
	/* another person's store has none of them */
	assert_int_equal(store_person_store(b->s, q.id, &ps), CMN_OK);
	out.len = 0;
	assert_int_equal(pstore_secret_get(ps, "bank", &out), CMN_ERR_NOT_FOUND);
	/* a box moved to another person does not open: it is bound to its
	 * owner (on PostgreSQL, where both are in one table) */
	if (b->kind == POSTGRES) {
		change(b, q.id, NULL,
		       "INSERT INTO secrets(person_id, name, box, updated)"
		       " SELECT $1, name, box, updated FROM secrets WHERE name = 'bank'");
		assert_int_equal(store_person_store(b->s, q.id, &ps), CMN_OK);
		assert_int_not_equal(pstore_secret_get(ps, "bank", &out), CMN_OK);
	}
	buf_release(&out);
}

static void peek(void **state)
{
	struct bk *b = *state;
	char list[BK_LIST_MAX] = "";
	struct pstore *ps, *seen;
	struct person p;

	add_person(b, "ana", &p);
	assert_int_equal(store_person_store(b->s, p.id, &ps), CMN_OK);
	assert_int_equal(pstore_audit_append(ps, "person:a", "one", "x", ""), CMN_OK);
	store_thread_done(); /* SQLite: the peek needs the file to itself */
	assert_int_equal(store_person_peek(b->s, p.id, &seen), CMN_OK);
	assert_int_equal(pstore_audit_each(seen, NULL, 0, 10, list_entry, list), CMN_OK);
	assert_string_equal(list, "1:person:a:one:x:,");
	pstore_peek_close(&seen);
	assert_null(seen);
	pstore_peek_close(&seen); /* twice: nothing */
	/* the store is usable after the pass */
	assert_int_equal(store_person_store(b->s, p.id, &ps), CMN_OK);
	assert_int_equal(pstore_audit_append(ps, "person:a", "two", "x", ""), CMN_OK);
	assert_int_equal(store_person_peek(b->s, "0123456789abcdef0123456789abcdef", &seen),
			 CMN_ERR_NOT_FOUND);
}

struct appender {
	struct store *s;
	const char *person_id;
	int ok;
};

static void *append_many(void *arg)
{
	struct appender *a = arg;
	struct pstore *ps;

	for (int i = 0; i < 25; i++) {
		enum cmn_rc rc = store_person_store(a->s, a->person_id, &ps);

		if (rc == CMN_OK)
			rc = pstore_audit_append(ps, "person:a", "record.create", "x", "");
		if (rc == CMN_OK)
			a->ok++;
	}
	store_thread_done();
	return NULL;
}

/* four writers on one chain at once: each entry once, the chain intact */
static void concurrent_appends(void **state)
{
	struct bk *b = *state;
	struct appender a[4];
	pthread_t th[4];
	int64_t count, bad;
	struct pstore *ps;
	struct person p;
	int ok = 0;

	add_person(b, "ana", &p);
	for (int i = 0; i < 4; i++) {
		a[i] = (struct appender){b->s, p.id, 0};
		assert_int_equal(pthread_create(&th[i], NULL, append_many, &a[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		ok += a[i].ok;
	}
	assert_int_equal(ok, 100);
	assert_int_equal(store_person_store(b->s, p.id, &ps), CMN_OK);
	assert_int_equal(pstore_audit_verify(ps, &count, &bad), CMN_OK);
	assert_int_equal(count, 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    BOTH(handles), BOTH(chain), BOTH(long_chain),         BOTH(transactions),
	    BOTH(secrets), BOTH(peek),  BOTH(concurrent_appends),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
