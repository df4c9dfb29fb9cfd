/*
 * pg_conn.c - connections of the PostgreSQL backend: one a thread, its
 * statements prepared once and found again by the address of their SQL
 * text, transactions that nest as the SQLite backend's do, migrations,
 * and the SQLSTATEs told as commune's result codes.
 */
#include "store/postgres/pg_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"

#define PG_STMT_MIN 64

struct pg_thread {
	struct store *s; /* the store the connection belongs to */
	struct pg_conn c;
};

static pthread_key_t thread_key;
static pthread_once_t thread_once = PTHREAD_ONCE_INIT;

static void conn_close(struct pg_conn *c)
{
	if (c->db)
		PQfinish(c->db);
	free(c->stmts);
	memset(c, 0, sizeof(*c));
}

static void thread_free(void *p)
{
	struct pg_thread *t = p;

	if (!t)
		return;
	conn_close(&t->c);
	free(t);
}

static void thread_key_init(void)
{
	pthread_key_create(&thread_key, thread_free);
}

void pg_thread_done(void)
{
	pg_person_thread_done();
	pthread_once(&thread_once, thread_key_init);
	thread_free(pthread_getspecific(thread_key));
	pthread_setspecific(thread_key, NULL);
}

/* a notice (a table that already exists...) is not an error: not printed */
static void no_notices(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static enum cmn_rc conn_open(struct pg_conn *c, const char *url)
{
	memset(c, 0, sizeof(*c));
	c->db = PQconnectdb(url);
	if (!c->db)
		return CMN_ERR_NOMEM;
	if (PQstatus(c->db) != CONNECTION_OK) {
		store_set_last_error(PQerrorMessage(c->db));
		conn_close(c);
		return CMN_ERR_STORE;
	}
	PQsetNoticeProcessor(c->db, no_notices, NULL);
	return CMN_OK;
}

struct pg_conn *pg_conn_of(struct store *s)
{
	struct pg_thread *t;

	pthread_once(&thread_once, thread_key_init);
	t = pthread_getspecific(thread_key);
	if (t && t->s != s) {
		thread_free(t);
		t = NULL;
		pthread_setspecific(thread_key, NULL);
	}
	/* a connection the server dropped is made again, outside a
	 * transaction, in place: the handles of persons' stores opened on
	 * this thread keep its address (pg_pconn) */
	if (t && t->c.tx_depth == 0 && PQstatus(t->c.db) != CONNECTION_OK) {
		conn_close(&t->c);
		if (conn_open(&t->c, s->pg->url) != CMN_OK)
			return NULL;
	}
	if (!t) {
		t = calloc(1, sizeof(*t));
		if (!t)
			return NULL;
		if (conn_open(&t->c, s->pg->url) != CMN_OK) {
			free(t);
			return NULL;
		}
		t->s = s;
		pthread_setspecific(thread_key, t);
	}
	return &t->c;
}

enum cmn_rc pg_array_text(struct buf *b, bool first, const char *s)
{
	enum cmn_rc rc = buf_puts(b, first ? "{" : ",");

	if (rc != CMN_OK || !s)
		return rc == CMN_OK ? buf_puts(b, "NULL") : rc;
	rc = buf_puts(b, "\"");
	for (const char *p = s; rc == CMN_OK && *p;) {
		size_t run = strcspn(p, "\"\\");

		rc = buf_append(b, p, run);
		p += run;
		if (rc == CMN_OK && *p)
			rc = buf_printf(b, "\\%c", *p++);
	}
	return rc == CMN_OK ? buf_puts(b, "\"") : rc;
}

const char *pg_num(char buf[24], int64_t n)
{
	snprintf(buf, 24, "%" PRId64, n);
	return buf;
}

/* rc_of - the result code of a failed result (NULL: no result at all) */
static enum cmn_rc rc_of(struct pg_conn *c, const PGresult *r)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

	store_set_last_error(r ? PQresultErrorMessage(r) : PQerrorMessage(c->db));
	/* no result at all: libpq could not allocate one, unless the
	 * connection is lost */
	if (!r)
		return PQstatus(c->db) == CONNECTION_OK ? CMN_ERR_NOMEM : CMN_ERR_STORE;
	if (!state)
		return CMN_ERR_STORE;
	if (strcmp(state, "23505") == 0 || strcmp(state, "23514") == 0)
		return CMN_ERR_EXISTS; /* unique_violation, check_violation */
	if (strcmp(state, "23503") == 0)
		return CMN_ERR_NOT_FOUND; /* foreign_key_violation */
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)
		return CMN_ERR_BUSY; /* serialization_failure, deadlock_detected */
	if (strcmp(state, "53100") == 0)
		return CMN_ERR_IO; /* disk_full */
	if (strcmp(state, "53200") == 0)
		return CMN_ERR_NOMEM; /* out_of_memory */
	return CMN_ERR_STORE;
}

/* stmt_slot - the slot of sql in c's table: its own or the empty one where
 * it goes */
static struct pg_stmt *stmt_slot(struct pg_conn *c, const char *sql)
{
	size_t i = ((uintptr_t)sql >> 3) & (c->cap - 1);

	while (c->stmts[i].sql && c->stmts[i].sql != sql)
		i = (i + 1) & (c->cap - 1);
	return &c->stmts[i];
}

static enum cmn_rc stmt_grow(struct pg_conn *c)
{
	size_t cap = c->cap ? c->cap * 2 : PG_STMT_MIN;
	struct pg_stmt *old = c->stmts, *t = calloc(cap, sizeof(*t));
	size_t oldcap = c->cap;

	if (!t)
		return CMN_ERR_NOMEM;
	c->stmts = t;
	c->cap = cap;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].sql)
			*stmt_slot(c, old[i].sql) = old[i];
	free(old);
	return CMN_OK;
}

/* stmt_name - the name of sql's prepared statement on c, prepared now
 * when it is not yet */
static enum cmn_rc stmt_name(struct pg_conn *c, const char *sql, char name[16])
{
	struct pg_stmt *slot;
	PGresult *r;
	enum cmn_rc rc;

	if ((c->nstmts + 1) * 4 > c->cap * 3 && (rc = stmt_grow(c)) != CMN_OK)
		return rc;
	slot = stmt_slot(c, sql);
	if (slot->sql) {
		snprintf(name, 16, "s%u", slot->id);
		return CMN_OK;
	}
	snprintf(name, 16, "s%u", c->next_id);
	r = PQprepare(c->db, name, sql, 0, NULL);
	if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
		rc = rc_of(c, r);
		PQclear(r);
		return rc;
	}
	PQclear(r);
	slot->sql = sql;
	slot->id = c->next_id++;
	c->nstmts++;
	return CMN_OK;
}

#define PG_PARAMS_MAX 32

static enum cmn_rc run_as(struct pg_conn *c, const char *sql, int n,
			  const struct pg_param *params, PGresult **res, int result_format)
{
	const char *values[PG_PARAMS_MAX];
	int lengths[PG_PARAMS_MAX], formats[PG_PARAMS_MAX];
	char name[16];
	PGresult *r;
	ExecStatusType st;
	enum cmn_rc rc;

	if (res)
		*res = NULL;
	if (n > PG_PARAMS_MAX)
		return CMN_ERR_INTERNAL;
	if ((rc = stmt_name(c, sql, name)) != CMN_OK) {
		if (c->tx_depth)
			c->tx_failed = true;
		return rc;
	}
	for (int i = 0; i < n; i++) {
		values[i] = params[i].v;
		lengths[i] = params[i].len;
		formats[i] = params[i].bytes;
	}
	r = PQexecPrepared(c->db, name, n, values, lengths, formats, result_format);
	st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		rc = rc_of(c, r);
		PQclear(r);
		/* a failed statement aborts the transaction it is in */
		if (c->tx_depth)
			c->tx_failed = true;
		return rc;
	}
	if (res)
		*res = r;
	else
		PQclear(r);
	return CMN_OK;
}

enum cmn_rc pg_run(struct pg_conn *c, const char *sql, int n, const struct pg_param *params,
		   PGresult **res)
{
	return run_as(c, sql, n, params, res, 0);
}

enum cmn_rc pg_run_binary(struct pg_conn *c, const char *sql, int n, const struct pg_param *params,
			  PGresult **res)
{
	return run_as(c, sql, n, params, res, 1);
}

enum cmn_rc pg_run_once(struct pg_conn *c, const char *sql, int n, const struct pg_param *params,
			PGresult **res)
{
	const char **values = calloc(n ? (size_t)n : 1, sizeof(*values));
	int *lengths = calloc(n ? (size_t)n : 1, sizeof(*lengths));
	int *formats = calloc(n ? (size_t)n : 1, sizeof(*formats));
	PGresult *r = NULL;
	ExecStatusType st;
	enum cmn_rc rc = CMN_OK;

	if (res)
		*res = NULL;
	if (!values || !lengths || !formats)
		rc = CMN_ERR_NOMEM;
	for (int i = 0; rc == CMN_OK && i < n; i++) {
		values[i] = params[i].v;
		lengths[i] = params[i].len;
		formats[i] = params[i].bytes;
	}
	if (rc == CMN_OK) {
		r = PQexecParams(c->db, sql, n, NULL, values, lengths, formats, 0);
		st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
		if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
			rc = rc_of(c, r);
			PQclear(r);
			r = NULL;
		}
	}
	free(values);
	free(lengths);
	free(formats);
	/* a failed statement aborts the transaction it is in */
	if (rc != CMN_OK && c->tx_depth)
		c->tx_failed = true;
	if (res)
		*res = r;
	else
		PQclear(r);
	return rc;
}

int64_t pg_bin_i64(const PGresult *r, int row, int col)
{
	const unsigned char *v = (const unsigned char *)PQgetvalue(r, row, col);
	int len = PQgetlength(r, row, col);
	uint64_t n = 0;

	if (PQgetisnull(r, row, col))
		return 0;
	for (int i = 0; i < len && i < 8; i++)
		n = n << 8 | v[i];
	/* an int4 or int2 column, sign-extended */
	if (len == 4)
		return (int32_t)(uint32_t)n;
	if (len == 2)
		return (int16_t)(uint16_t)n;
	return (int64_t)n;
}

enum cmn_rc pg_change(struct pg_conn *c, const char *sql, int n, const struct pg_param *params,
		      bool changes_needed)
{
	PGresult *r;
	enum cmn_rc rc = pg_run(c, sql, n, params, &r);
	bool none;

	if (rc != CMN_OK)
		return rc;
	none = strcmp(PQcmdTuples(r), "0") == 0;
	PQclear(r);
	return changes_needed && none ? CMN_ERR_NOT_FOUND : CMN_OK;
}

enum cmn_rc pg_one(struct pg_conn *c, const char *sql, int n, const struct pg_param *params,
		   PGresult **res)
{
	enum cmn_rc rc = pg_run(c, sql, n, params, res);

	if (rc == CMN_OK && PQntuples(*res) == 0) {
		PQclear(*res);
		*res = NULL;
		return CMN_ERR_NOT_FOUND;
	}
	return rc;
}

enum cmn_rc pg_query(struct store *s, const char *sql, int n, const struct pg_param *params,
		     PGresult **res)
{
	struct pg_conn *c = pg_conn_of(s);

	*res = NULL;
	return c ? pg_run(c, sql, n, params, res) : CMN_ERR_STORE;
}

enum cmn_rc pg_query_one(struct store *s, const char *sql, int n, const struct pg_param *params,
			 PGresult **res)
{
	struct pg_conn *c = pg_conn_of(s);

	*res = NULL;
	return c ? pg_one(c, sql, n, params, res) : CMN_ERR_STORE;
}

enum cmn_rc pg_do(struct store *s, const char *sql, int n, const struct pg_param *params,
		  bool changes_needed)
{
	struct pg_conn *c = pg_conn_of(s);

	return c ? pg_change(c, sql, n, params, changes_needed) : CMN_ERR_STORE;
}

enum cmn_rc pg_exec(struct pg_conn *c, const char *sql)
{
	PGresult *r = PQexec(c->db, sql);
	enum cmn_rc rc = CMN_OK;

	/* a script may end with a SELECT (of a function that makes tables) */
	if (!r || (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK))
		rc = rc_of(c, r);
	PQclear(r);
	return rc;
}

enum cmn_rc pg_tx_begin(struct pg_conn *c)
{
	enum cmn_rc rc;

	if (c->tx_depth++ > 0)
		return CMN_OK;
	c->tx_failed = false;
	rc = pg_exec(c, "BEGIN");
	if (rc != CMN_OK)
		c->tx_depth = 0;
	return rc;
}

enum cmn_rc pg_tx_end(struct pg_conn *c, enum cmn_rc rc)
{
	if (c->tx_depth <= 0)
		return CMN_ERR_INTERNAL;
	if (rc != CMN_OK)
		c->tx_failed = true;
	if (--c->tx_depth > 0)
		return rc;
	if (c->tx_failed) {
		/* a ROLLBACK that fails leaves the server to end the transaction
		 * with the connection: it is closed on its next use */
		if (pg_exec(c, "ROLLBACK") != CMN_OK)
			log_warn("ROLLBACK failed: %s", PQerrorMessage(c->db));
		c->tx_failed = false;
		return rc != CMN_OK ? rc : CMN_ERR_CONFLICT; /* an inner part failed earlier */
	}
	return pg_exec(c, "COMMIT");
}

enum cmn_rc pg_migrate(struct pg_conn *c, const struct pg_schema *schema)
{
	static const char q_table[] = "CREATE TABLE IF NOT EXISTS commune_schema"
				      " (module text PRIMARY KEY, version int NOT NULL)";
	/* one lock for every process migrating this database: the number is
	 * arbitrary, the same everywhere */
	static const char q_lock[] = "SELECT pg_advisory_xact_lock(7270523)";
	static const char q_version[] = "SELECT version FROM commune_schema WHERE module = $1";
	static const char q_set[] =
	    "INSERT INTO commune_schema(module, version) VALUES ($1, $2)"
	    " ON CONFLICT (module) DO UPDATE SET version = EXCLUDED.version";
	struct pg_param who[] = {PG_TEXT(schema->module)};
	enum cmn_rc rc;

	for (;;) {
		PGresult *r;
		int version = 0;
		char buf[24];

		if ((rc = pg_tx_begin(c)) != CMN_OK)
			return rc;
		rc = pg_run(c, q_lock, 0, NULL, NULL);
		/* not prepared: the table may not exist when a statement on it
		 * would be */
		if (rc == CMN_OK)
			rc = pg_exec(c, q_table);
		if (rc == CMN_OK && (rc = pg_one(c, q_version, 1, who, &r)) == CMN_OK) {
			version = (int)pg_i64(r, 0, 0);
			PQclear(r);
		} else if (rc == CMN_ERR_NOT_FOUND) {
			rc = CMN_OK;
		}
		if (rc != CMN_OK || version >= schema->n)
			return pg_tx_end(c, rc);
		rc = pg_exec(c, schema->migrations[version]);
		if (rc == CMN_OK) {
			struct pg_param p[] = {PG_TEXT(schema->module),
					       PG_TEXT(pg_num(buf, version + 1))};

			rc = pg_run(c, q_set, 2, p, NULL);
		}
		if ((rc = pg_tx_end(c, rc)) != CMN_OK)
			return rc;
	}
}

void pg_text(const PGresult *r, int row, int col, char *out, size_t n)
{
	const char *v = PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col);

	snprintf(out, n, "%s", v);
}

int64_t pg_i64(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}
