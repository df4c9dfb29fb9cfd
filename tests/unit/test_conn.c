/*
 * test_conn.c - the SQLite backend's connections (src/store/sqlite/
 * sqlite_conn.c): the cache of prepared statements keeps every statement
 * it made, however many, so that one a caller steps through is never put
 * out under it; and in a transaction SQLite rolled back by itself after an
 * error (which a caller then lost), the next statement is refused as a
 * store error (the commit hook would refuse it too, but as a constraint
 * failure, which callers read as a conflict: a 409 for a failing disk);
 * and two connections migrating one database at once run each migration
 * once (two processes opening a new store, two threads a person's store
 * after an upgrade).
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

#include "store/sqlite/sqlite_int.h"

#define TEXTS 300 /* more than the statements of any store */

static char dir[64], path[128];
static char texts[TEXTS][32]; /* SQL texts at addresses that stay */

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "%s/commune-conn-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/t.db", dir);
	return 0;
}

static int teardown(void **state)
{
	char wal[160];

	(void)state;
	unlink(path);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	unlink(wal);
	snprintf(wal, sizeof(wal), "%s-shm", path);
	unlink(wal);
	rmdir(dir);
	return 0;
}

/* a statement stepped half way survives TEXTS others prepared meanwhile
 * (the cache once held 64 and put out its first to make room); each text
 * is prepared once */
static void statements_stay(void **state)
{
	static const char outer[] = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1"
				    " FROM n WHERE x < 3) SELECT x FROM n";
	struct conn c;
	sqlite3_stmt *o, *st;

	(void)state;
	assert_int_equal(conn_open(&c, path, true), CMN_OK);
	assert_non_null(o = conn_stmt(&c, outer));
	assert_int_equal(sqlite3_step(o), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(o, 0), 1);
	for (int i = 0; i < TEXTS; i++) {
		snprintf(texts[i], sizeof(texts[i]), "SELECT %d", i);
		assert_non_null(st = conn_stmt(&c, texts[i]));
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(st, 0), i);
	}
	assert_int_equal(c.nstmts, TEXTS + 1);
	/* the outer one goes on where it was */
	assert_int_equal(sqlite3_step(o), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(o, 0), 2);
	/* and each text has its one statement, reset */
	for (int i = 0; i < TEXTS; i++) {
		assert_non_null(st = conn_stmt(&c, texts[i]));
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(st, 0), i);
	}
	assert_int_equal(c.nstmts, TEXTS + 1);
	conn_close(&c);
	assert_null(c.stmts);
}

/* SQLite ends a transaction by itself after some errors; if the caller
 * lost that error, the statements after it are refused */
static void lost_rollback_fails(void **state)
{
	static const char make[] = "CREATE TABLE IF NOT EXISTS t (x INTEGER)";
	static const char add[] = "INSERT INTO t VALUES (1)";
	static const char count[] = "SELECT count(*) FROM t";
	struct conn c;
	sqlite3_stmt *st;

	(void)state;
	assert_int_equal(conn_open(&c, path, true), CMN_OK);
	assert_int_equal(conn_exec(&c, make), CMN_OK);
	assert_int_equal(conn_tx_begin(&c), CMN_OK);
	assert_non_null(st = conn_stmt(&c, add));
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	/* as SQLite does after a failed allocation or a full disk */
	assert_int_equal(sqlite3_exec(c.db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	assert_null(conn_stmt(&c, add));
	assert_int_not_equal(conn_tx_end(&c, CMN_OK), CMN_OK);
	/* nothing was written, and the connection works again */
	assert_non_null(st = conn_stmt(&c, count));
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 0);
	conn_close(&c);
}

/* the connection that commits its migration when the other one waits */
static struct conn *holder;

static int commit_holder(void *ctx, int tries)
{
	(void)ctx;
	if (holder) {
		assert_int_equal(conn_exec(holder, "COMMIT"), CMN_OK);
		holder = NULL;
	}
	return tries < 100;
}

/* b reads the version (0) while a has run the migration but not yet
 * committed it; b then waits for the write lock, which a's commit
 * releases: b must find the migration done, not run it again ("table t
 * already exists") */
static void migrations_race(void **state)
{
	static const char *const migrations[] = {"CREATE TABLE t (x INTEGER);"};
	struct conn a, b;
	sqlite3_stmt *st;

	(void)state;
	assert_int_equal(conn_open(&a, path, true), CMN_OK);
	assert_int_equal(conn_open(&b, path, false), CMN_OK);
	assert_int_equal(conn_exec(&a, "BEGIN IMMEDIATE"), CMN_OK);
	assert_int_equal(conn_exec(&a, migrations[0]), CMN_OK);
	assert_int_equal(conn_exec(&a, "PRAGMA user_version=1"), CMN_OK);
	holder = &a;
	sqlite3_busy_handler(b.db, commit_holder, NULL);
	assert_int_equal(conn_migrate(&b, migrations, 1), CMN_OK);
	assert_null(holder); /* b did wait for a */
	assert_non_null(st = conn_stmt(&b, "PRAGMA user_version"));
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 1);
	sqlite3_reset(st);
	conn_close(&b);
	conn_close(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(statements_stay, setup, teardown),
		cmocka_unit_test_setup_teardown(lost_rollback_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(migrations_race, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
