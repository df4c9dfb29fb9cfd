/*
 * sqlite_int.h - internals of the SQLite backend. Only src/store/sqlite/
 * should include this file; services use src/store/store.h.
 */
#ifndef COMMUNE_STORE_SQLITE_INT_H
#define COMMUNE_STORE_SQLITE_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include <sqlite3.h>

#include "store/store.h"
#include "store/store_int.h"
#include "store/store_person_int.h"

#define CONN_STMT_MIN 64 /* slots of a connection's statement table at first */
#define PSTORE_KINDS_MAX 32 /* doctype numbers cached per person handle */

/* a prepared statement and the (static) SQL text it was made from */
struct conn_stmt {
	const char *sql;
	sqlite3_stmt *st;
};

/* One SQLite connection with its cache of prepared statements: a table
 * keyed by the address of their SQL text (open addressing), grown when
 * three quarters full, so that a statement is never put out, even while
 * a caller steps through its rows. */
struct conn {
	sqlite3 *db;
	struct conn_stmt *stmts;
	size_t nstmts, cap;
	bool in_tx;      /* inside a transaction of conn_tx_begin's */
	bool committing; /* conn_tx_end's COMMIT is running */
	int tx_depth;    /* conn_tx_begin calls not yet ended: the outermost decides */
	bool tx_failed;  /* an inner one ended with a failure */
};


/* a person's store; begins as struct pstore_head (store_person_int.h) */
struct pstore {
	struct store *s;
	char person_id[CRYPT_ID_LEN];
	struct conn c;
	int64_t last_used;                /* for the per-thread LRU */
	struct {                          /* the table kinds, as far as read */
		char doctype[CMN_DOCTYPE_NAME_MAX + 1];
		int64_t n;
	} kinds[PSTORE_KINDS_MAX];
	int nkinds;
};

/* pstore_audit_once - appends an entry made at `at` to the chain unless
 * the chain holds it already (written before a failure or a crash kept
 * it from being marked as written: sqlite_later.c) */
enum cmn_rc pstore_audit_once(struct pstore *ps, int64_t at, const char *actor,
			      const char *action, const char *object, const char *detail);

_Static_assert(offsetof(struct pstore, s) == offsetof(struct pstore_head, s) &&
		       offsetof(struct pstore, person_id) == offsetof(struct pstore_head, person_id),
	       "struct pstore begins as struct pstore_head");

/* sq_person_store - store_person_store on SQLite (sqlite_conn.c) */
enum cmn_rc sq_person_store(struct store *s, const char *person_id, struct pstore **out);

/* conn_open - opens path with WAL, foreign keys and a busy timeout. */
enum cmn_rc conn_open(struct conn *c, const char *path, bool create);

/* conn_close - finalises statements and closes. */
void conn_close(struct conn *c);

/* conn_build_open - opens path, an empty file its caller made under a
 * temporary name, to build a new database in: no journal and no syncs,
 * since a failure or a crash throws the file away. conn_build_close then
 * puts it in WAL mode and closes it; the caller syncs and names it. */
enum cmn_rc conn_build_open(struct conn *c, const char *path);

/* conn_build_close - WAL mode for the built database, then conn_close:
 * CMN_OK when the mode took. */
enum cmn_rc conn_build_close(struct conn *c);

/* conn_stmt - the prepared, reset statement of sql (a static string). */
sqlite3_stmt *conn_stmt(struct conn *c, const char *sql);

/* conn_exec - runs SQL without results. */
enum cmn_rc conn_exec(struct conn *c, const char *sql);

/* conn_run - runs the change sql with one or two text parameters (b may
 * be NULL); with changes_needed, CMN_ERR_NOT_FOUND when it changed no row. */
enum cmn_rc conn_run(struct conn *c, const char *sql, const char *a, const char *b,
		     bool changes_needed);

/* store_auth_change - conn_run on the platform store of a change that may
 * take a right away (a person, a session, a consent, a token, a block):
 * the auth epoch moves on before and after it, so that no cache keeps what
 * it changed. */
enum cmn_rc store_auth_change(struct store *s, const char *sql, const char *a, const char *b,
			      bool changes_needed);

/* conn_each - steps the bound statement st to its end, calling row for
 * each row until it returns something else than CMN_OK (which is
 * returned); resets st. */
enum cmn_rc conn_each(struct conn *c, sqlite3_stmt *st,
		      enum cmn_rc (*row)(sqlite3_stmt *st, void *ctx), void *ctx);

/* conn_collect - steps the bound statement st to its end, reading each row
 * with read into a new element of size elem of a growing array: *out
 * (malloc'd, NULL when no row) and *n. Resets st. */
enum cmn_rc conn_collect(struct conn *c, sqlite3_stmt *st, size_t elem,
			 void (*read)(sqlite3_stmt *st, void *elem), void **out, size_t *n);

/* conn_tx_begin - BEGIN IMMEDIATE; nested calls join the outermost
 * transaction. Until conn_tx_end, no change commits
 * but through its COMMIT: when SQLite rolls the transaction back itself
 * (it may on an I/O error or a failed allocation), the statements after
 * it fail instead of committing one by one (the commit hook, conn_open). */
enum cmn_rc conn_tx_begin(struct conn *c);

/* conn_tx_end - ends a transaction of conn_tx_begin's; the outermost
 * COMMITs when its rc and every inner one were CMN_OK (its failure is
 * returned, and a transaction SQLite rolled back is a failure), else
 * ROLLBACKs and returns rc. */
enum cmn_rc conn_tx_end(struct conn *c, enum cmn_rc rc);

/* conn_migrate - applies migrations[user_version..n) in one transaction each. */
enum cmn_rc conn_migrate(struct conn *c, const char *const *migrations, int n);

/* conn_text_col - a text column copied into out (n bytes), "" for NULL. */
void conn_text_col(sqlite3_stmt *st, int col, char *out, size_t n);

/* conn_step_done - steps a statement that returns no row, and resets it. */
enum cmn_rc conn_step_done(struct conn *c, sqlite3_stmt *st);

/* conn_step_row - steps st once: CMN_OK on a row (read it, then reset st),
 * CMN_ERR_NOT_FOUND when there is none, the error otherwise (st reset). */
enum cmn_rc conn_step_row(struct conn *c, sqlite3_stmt *st);

/* sq_thread_done - closes the calling thread's SQLite connections. */
void sq_thread_done(void);

/* the SQLite functions of store_tx_begin, store_tx_end (sqlite_later.c),
 * store_read_begin and store_read_end (sqlite_conn.c) */
enum cmn_rc sq_tx_begin(struct store *s);
enum cmn_rc sq_tx_end(struct store *s, enum cmn_rc rc);
enum cmn_rc sq_read_begin(struct store *s);
void sq_read_end(struct store *s);

/* conn_err - records the connection's error for store_last_error(). */
enum cmn_rc conn_err(struct conn *c, int sqlite_rc);

/* store_platform_conn - this thread's connection to the platform store. */
struct conn *store_platform_conn(struct store *s);

/* store_person_path - writes dir/persons/XX/ID.db into out. */
enum cmn_rc store_person_path(const struct store *s, const char *person_id, char *out, size_t n);

/* store_blob_dir - writes dir/persons/XX/ID.blobs into out. */
enum cmn_rc store_blob_dir(const struct store *s, const char *person_id, char *out, size_t n);

/* pstore_create - creates and migrates a person's store file. */
enum cmn_rc pstore_create(struct store *s, const char *person_id);

/* pstore_open_int - opens a person's store (must exist). */
enum cmn_rc pstore_open_int(struct store *s, const char *person_id, struct pstore *ps);

/* pstore_audit_in_tx - appends to the audit chain inside the caller's
 * transaction. */
enum cmn_rc pstore_audit_in_tx(struct pstore *ps, const char *actor, const char *action,
			       const char *object, const char *detail);

/* store_forget_person - closes this thread's handle on a person's store. */
void store_forget_person(struct store *s, const char *person_id);

#endif
