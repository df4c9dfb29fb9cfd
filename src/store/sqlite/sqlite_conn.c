/*
 * sqlite_conn.c - SQLite connections, statement cache, migrations and the
 * per-thread connection cache of the SQLite backend.
 *
 * Each thread has its own connection to the platform store and an LRU of
 * up to CMN_PERSON_CACHE open person stores. When a person is erased, the
 * store's epoch moves on and every thread drops its cached handles before
 * its next use, so no thread writes into an unlinked file.
 */
#include "store/sqlite/sqlite_int.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"

struct thread_cache {
	struct store *s;                  /* the store these belong to */
	uint64_t epoch;                   /* s->epoch when last checked */
	struct conn platform;
	bool platform_open;
	struct pstore *persons[CMN_PERSON_CACHE];
	int npersons;
};

static void drop_persons(struct thread_cache *tc);

static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static void cache_free(void *p)
{
	struct thread_cache *tc = p;

	if (!tc)
		return;
	drop_persons(tc);
	if (tc->platform_open)
		conn_close(&tc->platform);
	free(tc);
}

static void cache_key_init(void)
{
	pthread_key_create(&cache_key, cache_free);
}

static struct thread_cache *cache_get(void)
{
	struct thread_cache *tc;

	pthread_once(&cache_once, cache_key_init);
	tc = pthread_getspecific(cache_key);
	if (!tc) {
		tc = calloc(1, sizeof(*tc));
		if (tc)
			pthread_setspecific(cache_key, tc);
	}
	return tc;
}

void sq_thread_done(void)
{
	struct thread_cache *tc;

	pthread_once(&cache_once, cache_key_init);
	tc = pthread_getspecific(cache_key);
	cache_free(tc);
	pthread_setspecific(cache_key, NULL);
}

enum cmn_rc conn_err(struct conn *c, int sqlite_rc)
{
	store_set_last_error(c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(sqlite_rc));
	switch (sqlite_rc & 0xff) {
	case SQLITE_NOMEM: return CMN_ERR_NOMEM;
	case SQLITE_BUSY:
	case SQLITE_LOCKED: return CMN_ERR_BUSY;
	case SQLITE_CONSTRAINT: return CMN_ERR_EXISTS;
	case SQLITE_IOERR:
	case SQLITE_FULL:
	case SQLITE_CANTOPEN: return CMN_ERR_IO;
	default: return CMN_ERR_STORE;
	}
}

/* own_commits_only - the commit hook: inside a transaction of ours, only
 * our COMMIT may commit (conn_tx_begin); non-zero turns a commit into a
 * rollback and the statement that made it into an error */
static int own_commits_only(void *arg)
{
	const struct conn *c = arg;

	return c->in_tx && !c->committing;
}

/* wal_mode - puts c's database in WAL mode. On a new database the pragma
 * takes a read lock, then the write lock to change the header; if another
 * connection took the write lock in between (another process creating the
 * same store), SQLite returns SQLITE_BUSY at once, without the busy
 * handler: waiting for a writer while holding a read lock could deadlock.
 * So it runs before the busy timeout is set, and again after a short sleep
 * until CMN_BUSY_TIMEOUT_MS have passed (the other one is done in
 * milliseconds). */
static enum cmn_rc wal_mode(struct conn *c)
{
	static const char sql[] = "PRAGMA journal_mode=WAL";
	int64_t end = time_mono_ms() + CMN_BUSY_TIMEOUT_MS;
	int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);

	while ((rc & 0xff) == SQLITE_BUSY && time_mono_ms() < end) {
		sqlite3_sleep(1);
		rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
	}
	if (rc != SQLITE_OK) {
		log_error("sqlite: %s", sqlite3_errmsg(c->db));
		return conn_err(c, rc);
	}
	return CMN_OK;
}

/* open_db - opens path into c (zeroed first) with what every connection of
 * ours has: the commit hook and extended result codes. CMN_ERR_NOT_FOUND
 * for a file missing when not created. */
static enum cmn_rc open_db(struct conn *c, const char *path, bool create)
{
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW;
	int rc;

	memset(c, 0, sizeof(*c));
	if (create)
		flags |= SQLITE_OPEN_CREATE;
	rc = sqlite3_open_v2(path, &c->db, flags, NULL);
	if (rc != SQLITE_OK) {
		enum cmn_rc r = conn_err(c, rc);

		sqlite3_close(c->db);
		c->db = NULL;
		return rc == SQLITE_CANTOPEN && !create ? CMN_ERR_NOT_FOUND : r;
	}
	sqlite3_commit_hook(c->db, own_commits_only, c);
	sqlite3_extended_result_codes(c->db, 1);
	return CMN_OK;
}

enum cmn_rc conn_open(struct conn *c, const char *path, bool create)
{
	enum cmn_rc rc = open_db(c, path, create);

	if (rc != CMN_OK)
		return rc;
	{
		/* keep -wal and -shm when the last connection closes: reopening
		 * a person's store then costs no file creation */
		int persist = 1;

		sqlite3_file_control(c->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
	}
	if (wal_mode(c) != CMN_OK) {
		conn_close(c);
		return CMN_ERR_STORE;
	}
	sqlite3_busy_timeout(c->db, CMN_BUSY_TIMEOUT_MS);
	if (conn_exec(c, "PRAGMA synchronous=NORMAL") != CMN_OK ||
	    conn_exec(c, "PRAGMA foreign_keys=ON") != CMN_OK ||
	    /* the kept WAL (PERSIST_WAL) shrinks back to 4 MiB after a large
	     * write is checkpointed, instead of staying as large as the
	     * largest transaction (an import); and not below the 1,000 pages
	     * of an automatic checkpoint: shrunk below, the WAL was cut and
	     * grown again at every checkpoint, a sixth of the time of a
	     * stream of small writes (bench/peers); at close it goes to 0 */
	    conn_exec(c, "PRAGMA journal_size_limit=4194304") != CMN_OK) {
		conn_close(c);
		return CMN_ERR_STORE;
	}
	return CMN_OK;
}

void conn_close(struct conn *c)
{
	for (size_t i = 0; i < c->cap; i++)
		sqlite3_finalize(c->stmts[i].st);
	free(c->stmts);
	c->stmts = NULL;
	c->nstmts = c->cap = 0;
	if (c->db)
		sqlite3_close(c->db);
	c->db = NULL;
}

enum cmn_rc conn_build_open(struct conn *c, const char *path)
{
	/* the file is there (its caller made it): created, a missing one
	 * is an I/O error, not a store not found */
	enum cmn_rc rc = open_db(c, path, true);

	if (rc != CMN_OK)
		return rc;
	if (conn_exec(c, "PRAGMA journal_mode=OFF") != CMN_OK ||
	    conn_exec(c, "PRAGMA synchronous=OFF") != CMN_OK ||
	    conn_exec(c, "PRAGMA foreign_keys=ON") != CMN_OK) {
		conn_close(c);
		return CMN_ERR_STORE;
	}
	return CMN_OK;
}

enum cmn_rc conn_build_close(struct conn *c)
{
	sqlite3_stmt *st = conn_stmt(c, "PRAGMA journal_mode=WAL");
	const unsigned char *mode = st && sqlite3_step(st) == SQLITE_ROW
					    ? sqlite3_column_text(st, 0)
					    : NULL;
	enum cmn_rc rc = CMN_ERR_STORE;

	/* the pragma answers the mode it leaves the database in */
	if (mode && strcmp((const char *)mode, "wal") == 0)
		rc = CMN_OK;
	else
		log_error("sqlite: a new database did not take WAL mode: %s", sqlite3_errmsg(c->db));
	conn_close(c);
	return rc;
}

/* slot - where sql is in a table of cap slots, or the empty slot where it
 * goes */
static size_t slot(const struct conn_stmt *t, size_t cap, const char *sql)
{
	size_t i = ((uintptr_t)sql >> 3) % cap;

	while (t[i].sql && t[i].sql != sql)
		i = (i + 1) % cap;
	return i;
}

/* grow - the table of statements twice as large (CONN_STMT_MIN at first) */
static enum cmn_rc grow(struct conn *c)
{
	size_t cap = c->cap ? 2 * c->cap : CONN_STMT_MIN;
	struct conn_stmt *t = calloc(cap, sizeof(*t));

	if (!t)
		return CMN_ERR_NOMEM;
	for (size_t i = 0; i < c->cap; i++)
		if (c->stmts[i].sql)
			t[slot(t, cap, c->stmts[i].sql)] = c->stmts[i];
	free(c->stmts);
	c->stmts = t;
	c->cap = cap;
	return CMN_OK;
}

sqlite3_stmt *conn_stmt(struct conn *c, const char *sql)
{
	sqlite3_stmt *st = NULL;
	size_t i;

	/* SQLite rolls a transaction back by itself after some errors (a
	 * failed allocation, a full disk, an I/O error): a statement run now
	 * would commit on its own, outside the transaction its caller
	 * believes it is in. The error was lost on the way if we get here:
	 * the rest of the transaction fails instead. */
	if (c->in_tx && sqlite3_get_autocommit(c->db)) {
		c->tx_failed = true;
		log_error("sqlite: the transaction was rolled back by an earlier error");
		return NULL;
	}
	if (c->cap) {
		i = slot(c->stmts, c->cap, sql);
		if (c->stmts[i].sql) {
			sqlite3_reset(c->stmts[i].st);
			sqlite3_clear_bindings(c->stmts[i].st);
			return c->stmts[i].st;
		}
	}
	if ((c->cap == 0 || (c->nstmts + 1) * 4 > c->cap * 3) && grow(c) != CMN_OK) {
		conn_err(c, SQLITE_NOMEM);
		return NULL;
	}
	if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		conn_err(c, sqlite3_errcode(c->db));
		log_error("sqlite prepare: %s", sqlite3_errmsg(c->db));
		return NULL;
	}
	i = slot(c->stmts, c->cap, sql);
	c->stmts[i].sql = sql;
	c->stmts[i].st = st;
	c->nstmts++;
	return st;
}

enum cmn_rc conn_exec(struct conn *c, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(c->db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		log_error("sqlite: %s", msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return conn_err(c, rc);
	}
	return CMN_OK;
}

void conn_text_col(sqlite3_stmt *st, int col, char *out, size_t n)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	str_copy(out, n, t ? (const char *)t : "");
}

enum cmn_rc conn_step_done(struct conn *c, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? CMN_OK : conn_err(c, rc);
}

enum cmn_rc conn_step_row(struct conn *c, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return CMN_OK;
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? CMN_ERR_NOT_FOUND : conn_err(c, rc);
}

enum cmn_rc conn_run(struct conn *c, const char *sql, const char *a, const char *b,
		     bool changes_needed)
{
	sqlite3_stmt *st = c ? conn_stmt(c, sql) : NULL;
	enum cmn_rc rc;

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	if (b)
		sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	rc = conn_step_done(c, st);
	if (rc == CMN_OK && changes_needed && sqlite3_changes(c->db) == 0)
		rc = CMN_ERR_NOT_FOUND;
	return rc;
}

enum cmn_rc conn_each(struct conn *c, sqlite3_stmt *st,
		      enum cmn_rc (*row)(sqlite3_stmt *st, void *ctx), void *ctx)
{
	enum cmn_rc rc = CMN_OK;
	int sr = SQLITE_DONE;

	while (rc == CMN_OK && (sr = sqlite3_step(st)) == SQLITE_ROW)
		rc = row(st, ctx);
	if (rc == CMN_OK && sr != SQLITE_DONE)
		rc = conn_err(c, sr);
	sqlite3_reset(st);
	return rc;
}

enum cmn_rc conn_collect(struct conn *c, sqlite3_stmt *st, size_t elem,
			 void (*read)(sqlite3_stmt *st, void *elem), void **out, size_t *n)
{
	unsigned char *v = NULL;
	size_t len = 0, cap = 0;
	enum cmn_rc rc = CMN_OK;
	int sr;

	*out = NULL;
	*n = 0;
	while (rc == CMN_OK && (sr = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == cap) {
			size_t ncap = cap ? 2 * cap : 32;
			unsigned char *nv = realloc(v, ncap * elem);

			if (!nv) {
				rc = CMN_ERR_NOMEM;
				break;
			}
			v = nv;
			cap = ncap;
		}
		read(st, v + len++ * elem);
	}
	if (rc == CMN_OK && sr != SQLITE_DONE)
		rc = conn_err(c, sr);
	sqlite3_reset(st);
	if (rc != CMN_OK) {
		free(v);
		return rc;
	}
	*out = v;
	*n = len;
	return CMN_OK;
}

/* conn_rollback - ends c's transaction, if it is in one. ROLLBACK is
 * parsed anew each time, and the parse can fail for lack of memory:
 * tried again then, for a connection left inside a transaction would fail
 * every later BEGIN of its thread ("cannot start a transaction within a
 * transaction") until the process ends. */
static void conn_rollback(struct conn *c)
{
	for (int i = 0; i < 4 && !sqlite3_get_autocommit(c->db); i++)
		conn_exec(c, "ROLLBACK");
}

enum cmn_rc conn_tx_begin(struct conn *c)
{
	enum cmn_rc rc = CMN_OK;

	if (c->tx_depth == 0) {
		rc = conn_exec(c, "BEGIN IMMEDIATE");
		c->tx_failed = false;
	}
	if (rc == CMN_OK) {
		c->in_tx = true;
		c->tx_depth++;
	}
	return rc;
}

enum cmn_rc conn_tx_end(struct conn *c, enum cmn_rc rc)
{
	if (c->tx_depth <= 0)
		return CMN_ERR_INTERNAL;
	if (rc != CMN_OK)
		c->tx_failed = true;
	if (--c->tx_depth > 0)
		return rc; /* the outermost transaction decides */
	if (c->tx_failed && rc == CMN_OK)
		rc = CMN_ERR_CONFLICT; /* an inner part failed earlier */
	if (rc == CMN_OK && sqlite3_get_autocommit(c->db)) {
		log_error("sqlite: the transaction was rolled back by an earlier error");
		rc = CMN_ERR_STORE;
	}
	if (rc == CMN_OK) {
		c->committing = true;
		rc = conn_exec(c, "COMMIT");
		c->committing = false;
	}
	if (rc != CMN_OK)
		conn_rollback(c);
	c->in_tx = false;
	return rc;
}

/* user_version - the schema version of c's database */
static enum cmn_rc user_version(struct conn *c, int *version)
{
	sqlite3_stmt *st = NULL;

	*version = 0;
	if (sqlite3_prepare_v2(c->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return conn_err(c, sqlite3_errcode(c->db));
	if (sqlite3_step(st) == SQLITE_ROW)
		*version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return CMN_OK;
}

/* Each migration runs from the version read under the write lock: another
 * connection (a process opening the same new store, a thread the same
 * person's store) may have run it since the first read. */
enum cmn_rc conn_migrate(struct conn *c, const char *const *migrations, int n)
{
	int version;
	enum cmn_rc rc = user_version(c, &version);

	while (rc == CMN_OK && version < n) {
		bool ran = false;

		if ((rc = conn_tx_begin(c)) != CMN_OK)
			break;
		rc = user_version(c, &version);
		if (rc == CMN_OK && version < n) {
			char pragma[64];

			snprintf(pragma, sizeof(pragma), "PRAGMA user_version=%d", version + 1);
			rc = conn_exec(c, migrations[version]);
			if (rc == CMN_OK)
				rc = conn_exec(c, pragma);
			ran = true;
		}
		rc = conn_tx_end(c, rc);
		version += rc == CMN_OK && ran;
	}
	if (rc == CMN_OK && version > n) {
		log_error("store schema version %d is newer than this program (%d)", version, n);
		rc = CMN_ERR_UNSUPPORTED;
	}
	return rc;
}

/* drop_persons - closes every person handle cached on this thread. */
static void drop_persons(struct thread_cache *tc)
{
	for (int i = 0; i < tc->npersons; i++) {
		conn_close(&tc->persons[i]->c);
		free(tc->persons[i]);
	}
	tc->npersons = 0;
}

/* sync_epoch - drops this thread's person handles if a person was erased,
 * and every handle if the thread now works for another store. */
static void sync_epoch(struct thread_cache *tc, struct store *s)
{
	uint64_t e = atomic_load(&s->epoch);

	if (tc->s != s) {
		drop_persons(tc);
		if (tc->platform_open)
			conn_close(&tc->platform);
		tc->platform_open = false;
		tc->s = s;
	} else if (tc->epoch != e) {
		drop_persons(tc);
	}
	tc->epoch = e;
}

struct conn *store_platform_conn(struct store *s)
{
	struct thread_cache *tc;

	/* a function the PostgreSQL backend does not provide yet */
	if (!store_is_sqlite(s)) {
		store_set_last_error("not provided by the PostgreSQL backend yet");
		return NULL;
	}
	if (!(tc = cache_get()))
		return NULL;
	sync_epoch(tc, s);
	if (!tc->platform_open) {
		if (conn_open(&tc->platform, s->platform_path, false) != CMN_OK)
			return NULL;
		tc->platform_open = true;
	}
	return &tc->platform;
}

enum cmn_rc sq_read_begin(struct store *s)
{
	struct conn *c = store_platform_conn(s);

	return c ? conn_exec(c, "BEGIN") : CMN_ERR_STORE;
}

void sq_read_end(struct store *s)
{
	struct conn *c = store_platform_conn(s);

	if (c && !sqlite3_get_autocommit(c->db) && conn_exec(c, "COMMIT") != CMN_OK)
		conn_rollback(c);
}

enum cmn_rc sq_person_store(struct store *s, const char *person_id, struct pstore **out)
{
	struct thread_cache *tc;
	struct pstore *ps;
	int victim = 0;
	enum cmn_rc rc;

	if (!(tc = cache_get()))
		return CMN_ERR_NOMEM;
	sync_epoch(tc, s);
	for (int i = 0; i < tc->npersons; i++) {
		if (strcmp(tc->persons[i]->person_id, person_id) == 0) {
			tc->persons[i]->last_used = time_mono_ms();
			*out = tc->persons[i];
			return CMN_OK;
		}
	}
	ps = calloc(1, sizeof(*ps));
	if (!ps)
		return CMN_ERR_NOMEM;
	rc = pstore_open_int(s, person_id, ps);
	if (rc != CMN_OK) {
		free(ps);
		return rc;
	}
	ps->last_used = time_mono_ms();
	if (tc->npersons < CMN_PERSON_CACHE) {
		tc->persons[tc->npersons++] = ps;
	} else {
		for (int i = 1; i < tc->npersons; i++)
			if (tc->persons[i]->last_used < tc->persons[victim]->last_used)
				victim = i;
		conn_close(&tc->persons[victim]->c);
		free(tc->persons[victim]);
		tc->persons[victim] = ps;
	}
	*out = ps;
	return CMN_OK;
}

void store_forget_person(struct store *s, const char *person_id)
{
	struct thread_cache *tc = cache_get();

	(void)s;
	if (!tc)
		return;
	for (int i = 0; i < tc->npersons; i++) {
		if (strcmp(tc->persons[i]->person_id, person_id) == 0) {
			conn_close(&tc->persons[i]->c);
			free(tc->persons[i]);
			tc->persons[i] = tc->persons[--tc->npersons];
			return;
		}
	}
}

enum cmn_rc store_person_path(const struct store *s, const char *person_id, char *out, size_t n)
{
	int len;

	if (!store_is_sqlite(s))
		return CMN_ERR_STORE;
	if (strlen(person_id) != CRYPT_ID_LEN - 1 ||
	    strspn(person_id, "0123456789abcdef") != CRYPT_ID_LEN - 1)
		return CMN_ERR_INVALID;
	len = snprintf(out, n, "%s/persons/%.2s/%s.db", s->dir, person_id, person_id);
	return len < 0 || (size_t)len >= n ? CMN_ERR_TOO_LARGE : CMN_OK;
}

enum cmn_rc store_blob_dir(const struct store *s, const char *person_id, char *out, size_t n)
{
	enum cmn_rc rc = store_person_path(s, person_id, out, n);
	size_t len;

	if (rc != CMN_OK)
		return rc;
	len = strlen(out) - 3; /* without ".db" */
	if (len + 7 > n)
		return CMN_ERR_TOO_LARGE;
	memcpy(out + len, ".blobs", 7);
	return CMN_OK;
}
