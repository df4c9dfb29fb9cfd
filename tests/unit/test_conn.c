#define _XOPEN_SOURCE 700 /* nftw */
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
 * after an upgrade); and processes creating one new store at the same
 * moment all open it, though SQLite does not wait for the lock that turns
 * it to WAL; and a person's new store appears whole, under its own name
 * only, and never in place of one already there.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "crypto/crypt.h"
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

/* release_later - ends the transaction of the connection arg in 100 ms;
 * NULL if it did */
static void *release_later(void *arg)
{
	struct timespec t = {0, 100 * 1000 * 1000};

	nanosleep(&t, NULL);
	return sqlite3_exec(arg, "ROLLBACK", NULL, NULL, NULL) == SQLITE_OK ? NULL : arg;
}

/* a new file, not in WAL mode yet, whose write lock another connection
 * holds, as the first of two processes creating one store does while it
 * turns it to WAL: conn_open waits for it (SQLite does not: turning
 * journal_mode's read lock into a write lock, it returns SQLITE_BUSY at
 * once, without calling the busy handler) */
static void open_beside_writer(void **state)
{
	const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	sqlite3 *w;
	pthread_t t;
	void *released;
	struct conn c;
	sqlite3_stmt *st;
	enum cmn_rc rc;

	(void)state;
	assert_int_equal(sqlite3_open_v2(path, &w, flags, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(w, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(pthread_create(&t, NULL, release_later, w), 0);
	rc = conn_open(&c, path, true);
	/* joined first: a thread left running could hold a lock when
	 * open_race forks */
	assert_int_equal(pthread_join(t, &released), 0);
	assert_null(released);
	sqlite3_close(w);
	assert_int_equal(rc, CMN_OK);
	assert_non_null(st = conn_stmt(&c, "PRAGMA journal_mode"));
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_reset(st);
	conn_close(&c);
}

#define OPENERS 3   /* processes creating each store at once */
#define ROUNDS  200 /* stores created */

/* race_file - the store of round r */
static void race_file(char *file, size_t n, int r)
{
	snprintf(file, n, "%s/race%d.db", dir, r);
}

/* opener - a child's part: at each byte read from go, creates the next
 * round's store, and writes to done '0' if it opened it in WAL mode, '1'
 * if the open failed, '2' if the store is not in WAL mode */
static int opener(int go, int done)
{
	char b, file[160];

	for (int r = 0; read(go, &b, 1) == 1; r++) {
		char mode[8] = "", status = '1';
		struct conn c;
		sqlite3_stmt *st;

		race_file(file, sizeof(file), r);
		if (conn_open(&c, file, true) == CMN_OK) {
			st = conn_stmt(&c, "PRAGMA journal_mode");
			if (st && sqlite3_step(st) == SQLITE_ROW)
				conn_text_col(st, 0, mode, sizeof(mode));
			conn_close(&c);
			status = strcmp(mode, "wal") == 0 ? '0' : '2';
		}
		if (write(done, &status, 1) != 1)
			return 1;
	}
	return 0;
}

/* remove_store - file and its -wal and -shm */
static void remove_store(const char *file)
{
	char side[200];

	unlink(file);
	snprintf(side, sizeof(side), "%s-wal", file);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", file);
	unlink(side);
}

/* OPENERS processes started together create one new store, ROUNDS times:
 * every one must open it, in WAL mode (two processes creating a person's
 * store, or two `commune` commands a new data directory). The children
 * are forked once and each round is started by a byte to each of them:
 * a fork per round would take most of the time. */
static void open_race(void **state)
{
	int go[OPENERS][2], done[2], failed = 0, not_wal = 0, status;
	pid_t pid[OPENERS];

	(void)state;
	assert_int_equal(pipe(done), 0);
	for (int i = 0; i < OPENERS; i++) {
		assert_int_equal(pipe(go[i]), 0);
		pid[i] = fork();
		assert_true(pid[i] >= 0);
		if (pid[i] == 0) {
			for (int j = 0; j <= i; j++)
				close(go[j][1]);
			close(done[0]);
			_exit(opener(go[i][0], done[1]));
		}
		close(go[i][0]);
	}
	close(done[1]);
	for (int r = 0; r < ROUNDS; r++) {
		char file[160], c;

		for (int i = 0; i < OPENERS; i++) /* all start now */
			assert_int_equal(write(go[i][1], "g", 1), 1);
		for (int i = 0; i < OPENERS; i++) {
			assert_int_equal(read(done[0], &c, 1), 1);
			failed += c == '1';
			not_wal += c == '2';
		}
		race_file(file, sizeof(file), r);
		remove_store(file);
	}
	for (int i = 0; i < OPENERS; i++) {
		close(go[i][1]);
		assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	close(done[0]);
	if (failed || not_wal)
		fprintf(stderr, "open_race: %d of %d opens failed, %d not in WAL mode\n", failed,
			ROUNDS * OPENERS, not_wal);
	assert_int_equal(failed, 0);
	assert_int_equal(not_wal, 0);
}

/* names - the entries of dir but . and .., joined by spaces */
static void names(const char *in, char *out, size_t n)
{
	DIR *d = opendir(in);
	struct dirent *e;
	size_t len = 0;

	assert_non_null(d);
	out[0] = '\0';
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			len += (size_t)snprintf(out + len, n - len, "%s%s", len ? " " : "",
						e->d_name);
	closedir(d);
	assert_true(len < n);
}

static int remove_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

/* slurp - the bytes of file (to free), their count in *n */
static unsigned char *slurp(const char *file, size_t *n)
{
	FILE *f = fopen(file, "rb");
	unsigned char *b;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	*n = (size_t)ftell(f);
	rewind(f);
	assert_non_null(b = malloc(*n + 1));
	assert_int_equal(fread(b, 1, *n, f), *n);
	fclose(f);
	return b;
}

/* A person's new store (pstore_create, built under a temporary name and
 * linked to its own): afterwards its directory holds that file alone, in
 * WAL mode, migrated, readable by its owner only; made again, it is
 * refused and the store already there is the same file, untouched. The
 * next stores of the process, copies of the first one's bytes, are the
 * same bytes as one built by the migrations in another store. */
static void new_store_whole(void **state)
{
	char top[96], key[128], data[128], id[CRYPT_ID_LEN], file[300], sub[300];
	char listing[512], want[200];
	unsigned char header[20];
	struct keyring k;
	struct store *s;
	struct stat st, again;
	sqlite3 *db;
	sqlite3_stmt *q;
	FILE *f;

	(void)state;
	snprintf(top, sizeof(top), "%s/new-store", dir);
	assert_int_equal(mkdir(top, 0700), 0);
	assert_int_equal(crypt_init(), CMN_OK);
	snprintf(key, sizeof(key), "%s/master.key", top);
	snprintf(data, sizeof(data), "%s/data", top);
	assert_int_equal(keyring_open(&k, key, KEYRING_CREATE), CMN_OK);
	assert_int_equal(store_open(&s, data, &k), CMN_OK);
	crypt_id_new(id);
	assert_int_equal(pstore_create(s, id), CMN_OK);

	assert_int_equal(store_person_path(s, id, file, sizeof(file)), CMN_OK);
	snprintf(sub, sizeof(sub), "%s/persons/%.2s", data, id);
	names(sub, listing, sizeof(listing));
	snprintf(want, sizeof(want), "%s.db", id);
	assert_string_equal(listing, want);
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_non_null(f = fopen(file, "rb"));
	assert_int_equal(fread(header, 1, sizeof(header), f), sizeof(header));
	fclose(f);
	assert_memory_equal(header, "SQLite format 3", 16);
	assert_int_equal(header[18], 2); /* WAL, for writing and reading */
	assert_int_equal(header[19], 2);
	assert_int_equal(sqlite3_open_v2(file, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_true(sqlite3_column_int(q, 0) > 0);
	sqlite3_finalize(q);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM records", -1, &q, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(q, 0), 0);
	sqlite3_finalize(q);
	sqlite3_close(db);

	assert_int_equal(pstore_create(s, id), CMN_ERR_EXISTS);
	assert_int_equal(stat(file, &again), 0);
	assert_true(again.st_ino == st.st_ino && again.st_size == st.st_size &&
		    again.st_mtim.tv_sec == st.st_mtim.tv_sec &&
		    again.st_mtim.tv_nsec == st.st_mtim.tv_nsec);
	names(sub, listing, sizeof(listing)); /* now with the -wal and -shm of the read */
	assert_non_null(strstr(listing, want));
	assert_null(strstr(listing, ".new-")); /* no temporary file left */

	store_close(&s);

	{
		char data2[160], id2[CRYPT_ID_LEN], id3[CRYPT_ID_LEN], f2[300], f3[300];
		unsigned char *b1, *b2, *b3;
		size_t n1, n2, n3;

		/* made before the reads below, which add a -wal */
		assert_int_equal(store_open(&s, data, &k), CMN_OK);
		crypt_id_new(id2);
		assert_int_equal(pstore_create(s, id2), CMN_OK); /* built again */
		crypt_id_new(id3);
		assert_int_equal(pstore_create(s, id3), CMN_OK); /* a copy */
		assert_int_equal(store_person_path(s, id2, f2, sizeof(f2)), CMN_OK);
		assert_int_equal(store_person_path(s, id3, f3, sizeof(f3)), CMN_OK);
		store_close(&s);
		snprintf(data2, sizeof(data2), "%s/data2", top);
		assert_int_equal(store_open(&s, data2, &k), CMN_OK);
		assert_int_equal(pstore_create(s, id), CMN_OK); /* the same id, elsewhere */
		assert_int_equal(store_person_path(s, id, file, sizeof(file)), CMN_OK);
		store_close(&s);
		b1 = slurp(file, &n1);
		b2 = slurp(f2, &n2);
		b3 = slurp(f3, &n3);
		assert_true(n1 > 4096 && n1 == n2 && n2 == n3);
		assert_memory_equal(b1, b2, n1);
		assert_memory_equal(b2, b3, n2);
		free(b1);
		free(b2);
		free(b3);
	}
	keyring_release(&k);
	assert_int_equal(nftw(top, remove_one, 8, FTW_DEPTH | FTW_PHYS), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(statements_stay, setup, teardown),
		cmocka_unit_test_setup_teardown(lost_rollback_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(migrations_race, setup, teardown),
		cmocka_unit_test_setup_teardown(open_beside_writer, setup, teardown),
		cmocka_unit_test_setup_teardown(open_race, setup, teardown),
		cmocka_unit_test_setup_teardown(new_store_whole, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
