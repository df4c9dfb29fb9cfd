/*
 * pg_int.h - internals of the PostgreSQL backend. Only src/store/postgres/
 * includes this file; services use src/store/store.h.
 *
 * Each thread has its own connection (made on first use, kept until
 * store_thread_done or the thread's end), with its statements prepared
 * once: the process's pool is its threads' connections, as with SQLite.
 */
#ifndef COMMUNE_STORE_PG_INT_H
#define COMMUNE_STORE_PG_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "store/store_int.h"
#include "store/store_person_int.h"

struct buf;

struct pg_store {
	char *url; /* the postgres:// URL given to store_open */
	/* the signature of the index list (store.c) whose field indexes
	 * this process knows the database has (pg_record.c); under s->lock */
	char index_sig[CRYPT_HASH_HEX_LEN];
};

/* a prepared statement: the (static) SQL text it was made from, and its name */
struct pg_stmt {
	const char *sql;
	unsigned id;
};

struct pg_conn {
	PGconn *db;
	struct pg_stmt *stmts; /* open addressing by the SQL text's address */
	size_t nstmts, cap;
	unsigned next_id;
	int tx_depth;   /* pg_tx_begin calls not yet ended: the outermost decides */
	bool tx_failed; /* an inner one ended with a failure */
	bool reading;   /* inside pg_read_begin's snapshot */
};

/* One parameter of a statement: text, or bytes (bytea). */
struct pg_param {
	const char *v; /* NULL for SQL NULL */
	int len;       /* for bytes; 0 for text */
	bool bytes;
};

#define PG_TEXT(s)     ((struct pg_param){.v = (s)})
#define PG_BYTES(p, n) ((struct pg_param){.v = (const char *)(p), .len = (int)(n), .bytes = true})

/* pg_array_text - appends s (NULL: SQL NULL) to b as an element of an
 * array's text ("{" before the first, "," before the others; the caller
 * appends the closing "}"): quoted, its quotes and backslashes escaped */
enum cmn_rc pg_array_text(struct buf *b, bool first, const char *s);

/* pg_num - n as the text of a parameter, in buf */
const char *pg_num(char buf[24], int64_t n);

/* pg_conn_of - this thread's connection to s's database; NULL when it
 * cannot be made (store_last_error tells why) */
struct pg_conn *pg_conn_of(struct store *s);

/* pg_run - runs sql (a static string: prepared once per connection, $1..$n
 * its parameters). With res, *res receives the result (PQclear it) when
 * the statement succeeded, else NULL. CMN_ERR_EXISTS for a unique or
 * check violation, CMN_ERR_NOT_FOUND for a foreign key's, CMN_ERR_BUSY for
 * a serialisation failure or a deadlock, CMN_ERR_STORE otherwise. */
enum cmn_rc pg_run(struct pg_conn *c, const char *sql, int n, const struct pg_param *params,
		   PGresult **res);

/* pg_run_binary - pg_run with every column of the result in binary:
 * bytea as its bytes (no hex to decode: chunks, blobs), text as is,
 * integers in network order (pg_bin_i64) */
enum cmn_rc pg_run_binary(struct pg_conn *c, const char *sql, int n, const struct pg_param *params,
			  PGresult **res);

/* pg_run_once - pg_run of a statement built for one call (a record query,
 * whose text changes with its filters): not prepared, any number of
 * parameters */
enum cmn_rc pg_run_once(struct pg_conn *c, const char *sql, int n, const struct pg_param *params,
			PGresult **res);

/* pg_bin_i64 - a bigint, integer or smallint column of a binary result, 0 for NULL */
int64_t pg_bin_i64(const PGresult *r, int row, int col);

/* pg_change - pg_run of a change; with changes_needed, CMN_ERR_NOT_FOUND
 * when it changed no row */
enum cmn_rc pg_change(struct pg_conn *c, const char *sql, int n, const struct pg_param *params,
		      bool changes_needed);

/* pg_one - pg_run of a query of one row at most: CMN_ERR_NOT_FOUND (and
 * *res NULL) when there is none */
enum cmn_rc pg_one(struct pg_conn *c, const char *sql, int n, const struct pg_param *params,
		   PGresult **res);

/* pg_query, pg_query_one, pg_do - pg_run, pg_one and pg_change on this
 * thread's connection to s (CMN_ERR_STORE when there is none) */
enum cmn_rc pg_query(struct store *s, const char *sql, int n, const struct pg_param *params,
		     PGresult **res);
enum cmn_rc pg_query_one(struct store *s, const char *sql, int n, const struct pg_param *params,
			 PGresult **res);
enum cmn_rc pg_do(struct store *s, const char *sql, int n, const struct pg_param *params,
		  bool changes_needed);

/* pg_auth_change - pg_do of a change that may take a right away (a
 * person, a session, a consent, a token, a block): the auth epoch moves on
 * before and after it, so that no cache of this process keeps what it
 * changed (store_auth_change's rule on SQLite) */
enum cmn_rc pg_auth_change(struct store *s, const char *sql, int n, const struct pg_param *p,
			   bool changes_needed);

/* pg_exec - runs sql (any text, several statements, no parameters) */
enum cmn_rc pg_exec(struct pg_conn *c, const char *sql);

/* pg_tx_begin - BEGIN; nested calls join the outermost transaction */
enum cmn_rc pg_tx_begin(struct pg_conn *c);

/* pg_tx_end - ends a transaction of pg_tx_begin's: the outermost COMMITs
 * when its rc and every inner one were CMN_OK (the commit's failure is
 * returned), else ROLLBACKs and returns rc (CMN_ERR_CONFLICT when only an
 * inner part failed). Unlike SQLite, PostgreSQL aborts a transaction at
 * its first failed statement: a failure inside one fails it all, so the
 * SQL of this backend chooses with ON CONFLICT, never by an error. */
enum cmn_rc pg_tx_end(struct pg_conn *c, enum cmn_rc rc);

/* The tables of one module of the store (the accounts of pg_platform.c,
 * consents, governance...): its migrations in order, never edited once
 * released, and the version each database is at kept under its name. */
struct pg_schema {
	const char *module;
	const char *const *migrations;
	int n;
};

/* pg_migrate - applies schema's migrations[version..n) in one transaction
 * each, under an advisory lock so that processes starting together apply
 * each once */
enum cmn_rc pg_migrate(struct pg_conn *c, const struct pg_schema *schema);

/* pg_text - the text of a column copied into out (n bytes), "" for NULL */
void pg_text(const PGresult *r, int row, int col, char *out, size_t n);

/* pg_i64 - a column's integer, 0 for NULL */
int64_t pg_i64(const PGresult *r, int row, int col);

/* pg_thread_done - closes the calling thread's connection */
void pg_thread_done(void);

/* ---- a person's store (pg_person.c) ---------------------------------------- */

/*
 * A person's store on PostgreSQL is the person's rows in the tables of
 * person data, each partitioned by person_id (docs/postgres.md): a handle
 * is the person's id, used on the thread's connection. It begins as
 * struct pstore_head (store_person_int.h).
 */
struct pg_pstore {
	struct store *s;
	char person_id[CRYPT_ID_LEN];
	struct pg_conn *c; /* the opening thread's connection (NULL: the caller's) */
	int64_t last_used; /* for the thread's cache of handles */
	bool peek;         /* made by store_person_peek */
	bool peek_tx;      /* and its read transaction is open */
};

/* pg_ps - the PostgreSQL handle behind ps */
static inline struct pg_pstore *pg_ps(struct pstore *ps)
{
	return (struct pg_pstore *)(void *)ps;
}

/* pg_pconn - the connection ps works on: the one of the thread that
 * opened it, even from another thread (an import's record writer writes
 * into the transaction its reader began, while the reader waits, as the
 * SQLite backend shares a handle's connection); NULL when there is none */
struct pg_conn *pg_pconn(struct pg_pstore *ps);

/* pg_pquery, pg_pquery_one, pg_pdo - pg_run, pg_one and pg_change on
 * ps's connection (CMN_ERR_STORE when there is none) */
enum cmn_rc pg_pquery(struct pg_pstore *ps, const char *sql, int n, const struct pg_param *params,
		      PGresult **res);
enum cmn_rc pg_pquery_one(struct pg_pstore *ps, const char *sql, int n,
			  const struct pg_param *params, PGresult **res);
enum cmn_rc pg_pdo(struct pg_pstore *ps, const char *sql, int n, const struct pg_param *params,
		   bool changes_needed);

/* The DDL of a table of person data: a person_id column (COLLATE "C",
 * the person's row in persons, erased with it) first in the primary key,
 * and the table partitioned by its range. After it, the migration calls
 * commune_partition('TABLE') (a function of the "person" schema, which
 * makes the sixteen partitions by first hex digit); every other module of
 * person data is listed after pg_person_schema. */
#define PG_PERSON_ID_COL "person_id text COLLATE \"C\" NOT NULL REFERENCES persons(id) ON DELETE CASCADE"

/* pg_ptx_begin - pg_tx_begin on the thread's connection (into *c), and
 * the person's lock, held until the outermost transaction ends: one writer
 * at a time in a person's store, as SQLite's lock of the person's file
 * gives. Every write of more than one statement runs between these. */
enum cmn_rc pg_ptx_begin(struct pg_pstore *ps, struct pg_conn **c);

/* pg_ptx_end - pg_tx_end of pg_ptx_begin's transaction */
enum cmn_rc pg_ptx_end(struct pg_pstore *ps, enum cmn_rc rc);

/* pg_audit_in_tx - appends to the person's audit chain inside the caller's
 * pg_ptx_begin; with actor NULL, nothing (a part of a larger write audited
 * as a whole) */
enum cmn_rc pg_audit_in_tx(struct pg_pstore *ps, const char *actor, const char *action,
			   const char *object, const char *detail);

/* pg_audit_once - appends an entry made at `at` unless the chain holds it
 * already (pstore_audit_once of the SQLite backend) */
enum cmn_rc pg_audit_once(struct pg_pstore *ps, int64_t at, const char *actor,
			  const char *action, const char *object, const char *detail);

/* pg_person_thread_done - forgets the calling thread's handles */
void pg_person_thread_done(void);

#endif
