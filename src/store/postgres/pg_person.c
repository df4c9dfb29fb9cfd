/*
 * pg_person.c - the core of a person's store on PostgreSQL: handles, the
 * person's transactions and lock, the audit chain with its signed heads,
 * and encrypted secrets. The person's data lives in tables partitioned by
 * person_id (docs/postgres.md, "The person's data").
 */
#include "store/postgres/pg_int.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "core/timeutil.h"

_Static_assert(offsetof(struct pg_pstore, s) == offsetof(struct pstore_head, s) &&
		   offsetof(struct pg_pstore, person_id) == offsetof(struct pstore_head, person_id),
	       "struct pg_pstore begins as struct pstore_head");

static const char *const person_migrations[] = {
    /* 1: the partitioning of person data, the audit chain, its signed
     * heads, secrets */
    "CREATE FUNCTION commune_partition(tbl text) RETURNS void LANGUAGE plpgsql AS $f$"
    " DECLARE d constant text := '0123456789abcdef';"
    " BEGIN"
    "  FOR i IN 1..16 LOOP"
    "   EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%s)',"
    "    tbl || '_' || substr(d, i, 1), tbl, substr(d, i, 1),"
    "    CASE WHEN i = 16 THEN 'MAXVALUE' ELSE quote_literal(substr(d, i + 1, 1)) END);"
    "  END LOOP;"
    " END $f$;"
    "CREATE TABLE audit (" PG_PERSON_ID_COL ", seq bigint NOT NULL,"
    "  at bigint NOT NULL, actor text NOT NULL, action text NOT NULL, object text NOT NULL,"
    "  detail text NOT NULL, hash text NOT NULL, PRIMARY KEY (person_id, seq))"
    "  PARTITION BY RANGE (person_id);"
    "SELECT commune_partition('audit');"
    "CREATE TABLE audit_heads (" PG_PERSON_ID_COL ", seq bigint NOT NULL,"
    "  hash text NOT NULL, at bigint NOT NULL, jws text NOT NULL,"
    "  PRIMARY KEY (person_id, seq)) PARTITION BY RANGE (person_id);"
    "SELECT commune_partition('audit_heads');"
    "CREATE TABLE secrets (" PG_PERSON_ID_COL ", name text COLLATE \"C\" NOT NULL,"
    "  box bytea NOT NULL, updated bigint NOT NULL, PRIMARY KEY (person_id, name))"
    "  PARTITION BY RANGE (person_id);"
    "SELECT commune_partition('secrets');",
};

const struct pg_schema pg_person_schema = {
    "person", person_migrations, (int)(sizeof(person_migrations) / sizeof(*person_migrations))};

/* ---- handles -------------------------------------------------------------- */

struct pg_conn *pg_pconn(struct pg_pstore *ps)
{
	return ps->c ? ps->c : pg_conn_of(ps->s);
}

enum cmn_rc pg_pquery(struct pg_pstore *ps, const char *sql, int n, const struct pg_param *params,
		      PGresult **res)
{
	struct pg_conn *c = pg_pconn(ps);

	*res = NULL;
	return c ? pg_run(c, sql, n, params, res) : CMN_ERR_STORE;
}

enum cmn_rc pg_pquery_one(struct pg_pstore *ps, const char *sql, int n,
			  const struct pg_param *params, PGresult **res)
{
	struct pg_conn *c = pg_pconn(ps);

	*res = NULL;
	return c ? pg_one(c, sql, n, params, res) : CMN_ERR_STORE;
}

enum cmn_rc pg_pdo(struct pg_pstore *ps, const char *sql, int n, const struct pg_param *params,
		   bool changes_needed)
{
	struct pg_conn *c = pg_pconn(ps);

	return c ? pg_change(c, sql, n, params, changes_needed) : CMN_ERR_STORE;
}

/* This thread's handles, as the SQLite backend keeps its open files: a
 * handle stays valid until another person's store takes its place or a
 * person is erased (s->epoch). */
static _Thread_local struct {
	struct store *s;
	uint64_t epoch;
	struct pg_pstore ps[CMN_PERSON_CACHE];
	int n;
} cache;

void pg_person_thread_done(void)
{
	cache.s = NULL;
	cache.n = 0;
}

/* person_exists - CMN_OK when id is a person of s, else CMN_ERR_NOT_FOUND */
static enum cmn_rc person_exists(struct store *s, const char *id)
{
	static const char q[] = "SELECT 1 FROM persons WHERE id = $1";
	struct pg_param p[] = {PG_TEXT(id)};
	PGresult *r;
	enum cmn_rc rc = pg_query_one(s, q, 1, p, &r);

	PQclear(r);
	return rc;
}

static enum cmn_rc pg_person_store(struct store *s, const char *person_id, struct pstore **out)
{
	uint64_t e = atomic_load(&s->epoch);
	struct pg_pstore *ps;
	int victim = 0;
	enum cmn_rc rc;

	if (cache.s != s || cache.epoch != e) {
		cache.s = s;
		cache.epoch = e;
		cache.n = 0;
	}
	for (int i = 0; i < cache.n; i++) {
		if (strcmp(cache.ps[i].person_id, person_id) == 0) {
			cache.ps[i].last_used = time_mono_ms();
			*out = (struct pstore *)(void *)&cache.ps[i];
			return CMN_OK;
		}
	}
	if (strlen(person_id) >= CRYPT_ID_LEN)
		return CMN_ERR_NOT_FOUND;
	if ((rc = person_exists(s, person_id)) != CMN_OK)
		return rc;
	if (cache.n < CMN_PERSON_CACHE) {
		victim = cache.n++;
	} else {
		for (int i = 1; i < cache.n; i++)
			if (cache.ps[i].last_used < cache.ps[victim].last_used)
				victim = i;
	}
	ps = &cache.ps[victim];
	memset(ps, 0, sizeof(*ps));
	ps->s = s;
	ps->c = pg_conn_of(s); /* made by person_exists: the thread's, kept for its life */
	str_copy(ps->person_id, sizeof(ps->person_id), person_id);
	ps->last_used = time_mono_ms();
	*out = (struct pstore *)(void *)ps;
	return CMN_OK;
}

static enum cmn_rc pg_person_peek(struct store *s, const char *person_id, struct pstore **out)
{
	struct pg_conn *c;
	struct pg_pstore *ps;
	enum cmn_rc rc;

	*out = NULL;
	if (strlen(person_id) >= CRYPT_ID_LEN)
		return CMN_ERR_NOT_FOUND;
	if (!(c = pg_conn_of(s)))
		return CMN_ERR_STORE;
	if (!(ps = calloc(1, sizeof(*ps))))
		return CMN_ERR_NOMEM;
	ps->s = s;
	ps->c = c;
	ps->peek = true;
	str_copy(ps->person_id, sizeof(ps->person_id), person_id);
	/* one snapshot for the pass, unless the caller's transaction or
	 * snapshot gives it already */
	if (c->tx_depth == 0 && !c->reading) {
		rc = pg_exec(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
		ps->peek_tx = rc == CMN_OK;
		c->reading = ps->peek_tx;
	} else {
		rc = CMN_OK;
	}
	if (rc == CMN_OK)
		rc = person_exists(s, person_id);
	if (rc != CMN_OK) {
		struct pstore *p = (struct pstore *)(void *)ps;

		store_pg_person_ops.peek_close(&p);
		return rc;
	}
	*out = (struct pstore *)(void *)ps;
	return CMN_OK;
}

static void pg_peek_close(struct pstore **p)
{
	struct pg_pstore *ps = pg_ps(*p);
	struct pg_conn *c;

	if (ps->peek_tx && (c = pg_pconn(ps)) && c->reading) {
		c->reading = false;
		if (pg_exec(c, "COMMIT") != CMN_OK)
			(void)pg_exec(c, "ROLLBACK");
	}
	free(ps);
	*p = NULL;
}

/* ---- transactions ----------------------------------------------------------- */

enum cmn_rc pg_ptx_begin(struct pg_pstore *ps, struct pg_conn **out)
{
	/* the advisory lock's space for persons; the key is the id's hash */
	static const char q_lock[] = "SELECT pg_advisory_xact_lock(7270526, hashtext($1))";
	struct pg_param p[] = {PG_TEXT(ps->person_id)};
	struct pg_conn *c = pg_pconn(ps);
	enum cmn_rc rc;

	if (out)
		*out = c;
	if (!c)
		return CMN_ERR_STORE;
	if ((rc = pg_tx_begin(c)) != CMN_OK)
		return rc;
	if ((rc = pg_run(c, q_lock, 1, p, NULL)) != CMN_OK) {
		(void)pg_tx_end(c, rc);
		return rc;
	}
	return CMN_OK;
}

enum cmn_rc pg_ptx_end(struct pg_pstore *ps, enum cmn_rc rc)
{
	struct pg_conn *c = pg_pconn(ps);

	return c ? pg_tx_end(c, rc) : CMN_ERR_STORE;
}

static enum cmn_rc pg_tx_begin_p(struct pstore *ps)
{
	return pg_ptx_begin(pg_ps(ps), NULL);
}

static enum cmn_rc pg_tx_end_p(struct pstore *ps, enum cmn_rc rc)
{
	return pg_ptx_end(pg_ps(ps), rc);
}

/* the server manages its own memory: nothing to hint */
static void pg_bulk(struct pstore *ps, bool on)
{
	(void)ps;
	(void)on;
}

/* ---- audit chain ------------------------------------------------------------ */

/* sign_head - signs the entry (seq, hash) as the head when it is time to */
static enum cmn_rc sign_head(struct pg_pstore *ps, struct pg_conn *c, int64_t seq, const char *hash,
			     int64_t at)
{
	static const char q_last[] =
	    "SELECT at FROM audit_heads WHERE person_id = $1 ORDER BY seq DESC LIMIT 1";
	static const char q_ins[] = "INSERT INTO audit_heads(person_id, seq, hash, at, jws)"
				    " VALUES ($1, $2, $3, $4, $5)";
	struct pg_param who[] = {PG_TEXT(ps->person_id)};
	char nseq[24], nat[24];
	int64_t last = 0;
	struct buf jws;
	PGresult *r;
	enum cmn_rc rc;

	if (!ps->s->keys)
		return CMN_OK;
	if (seq % AUDIT_SIGN_EVERY != 0) {
		rc = pg_one(c, q_last, 1, who, &r);
		if (rc == CMN_OK) {
			last = pg_i64(r, 0, 0);
			PQclear(r);
		} else if (rc != CMN_ERR_NOT_FOUND) {
			return rc;
		}
	}
	if (!audit_head_due(seq, at, last))
		return CMN_OK;
	buf_init(&jws, 4096);
	rc = audit_head_sign(ps->s->keys, ps->person_id, seq, hash, at, &jws);
	if (rc == CMN_OK) {
		struct pg_param p[] = {PG_TEXT(ps->person_id), PG_TEXT(pg_num(nseq, seq)),
				       PG_TEXT(hash), PG_TEXT(pg_num(nat, at)), PG_TEXT(jws.data)};

		rc = pg_run(c, q_ins, 5, p, NULL);
	}
	buf_release(&jws);
	return rc;
}

static enum cmn_rc append_at(struct pg_pstore *ps, int64_t at, const char *actor,
			     const char *action, const char *object, const char *detail)
{
	static const char q_last[] =
	    "SELECT seq, hash FROM audit WHERE person_id = $1 ORDER BY seq DESC LIMIT 1";
	static const char q_ins[] =
	    "INSERT INTO audit(person_id, seq, at, actor, action, object, detail, hash)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
	struct pg_param who[] = {PG_TEXT(ps->person_id)};
	char prev[CRYPT_HASH_HEX_LEN] = "", hash[CRYPT_HASH_HEX_LEN], nseq[24], nat[24];
	struct pg_conn *c = pg_pconn(ps);
	int64_t seq = 1;
	PGresult *r;
	enum cmn_rc rc;

	if (!actor)
		return CMN_OK;
	if (!c)
		return CMN_ERR_STORE;
	rc = pg_one(c, q_last, 1, who, &r);
	if (rc == CMN_OK) {
		seq = pg_i64(r, 0, 0) + 1;
		pg_text(r, 0, 1, prev, sizeof(prev));
		PQclear(r);
	} else if (rc != CMN_ERR_NOT_FOUND) {
		return rc;
	}
	detail = detail ? detail : "";
	audit_hash(prev, seq, at, actor, action, object, detail, hash);
	{
		struct pg_param p[] = {PG_TEXT(ps->person_id),   PG_TEXT(pg_num(nseq, seq)),
				       PG_TEXT(pg_num(nat, at)), PG_TEXT(actor),
				       PG_TEXT(action),          PG_TEXT(object),
				       PG_TEXT(detail),          PG_TEXT(hash)};

		rc = pg_run(c, q_ins, 8, p, NULL);
	}
	return rc == CMN_OK ? sign_head(ps, c, seq, hash, at) : rc;
}

enum cmn_rc pg_audit_in_tx(struct pg_pstore *ps, const char *actor, const char *action,
			   const char *object, const char *detail)
{
	return append_at(ps, time_now_ms(), actor, action, object, detail);
}

enum cmn_rc pg_audit_once(struct pg_pstore *ps, int64_t at, const char *actor, const char *action,
			  const char *object, const char *detail)
{
	/* among the entries after the last one made before `at` */
	static const char q[] = "SELECT 1 FROM audit WHERE person_id = $1 AND at = $2"
				" AND actor = $3 AND action = $4 AND object = $5"
				" AND seq > coalesce((SELECT max(seq) FROM audit"
				"  WHERE person_id = $1 AND at < $2), 0) LIMIT 1";
	char nat[24];
	struct pg_param p[] = {PG_TEXT(ps->person_id), PG_TEXT(pg_num(nat, at)), PG_TEXT(actor),
			       PG_TEXT(action), PG_TEXT(object)};
	struct pg_conn *c;
	PGresult *r;
	enum cmn_rc rc = pg_ptx_begin(ps, &c);

	if (rc != CMN_OK)
		return rc;
	rc = pg_one(c, q, 5, p, &r);
	PQclear(r);
	if (rc == CMN_ERR_NOT_FOUND)
		rc = append_at(ps, at, actor, action, object, detail);
	return pg_ptx_end(ps, rc);
}

static enum cmn_rc pg_audit_append(struct pstore *p, const char *actor, const char *action,
				   const char *object, const char *detail)
{
	struct pg_pstore *ps = pg_ps(p);
	enum cmn_rc rc = pg_ptx_begin(ps, NULL);

	if (rc != CMN_OK)
		return rc;
	return pg_ptx_end(ps, pg_audit_in_tx(ps, actor, action, object, detail));
}

static void audit_row(const PGresult *r, int i, struct audit_entry *e)
{
	e->seq = pg_i64(r, i, 0);
	e->at = pg_i64(r, i, 1);
	e->actor = PQgetvalue(r, i, 2);
	e->action = PQgetvalue(r, i, 3);
	e->object = PQgetvalue(r, i, 4);
	e->detail = PQgetvalue(r, i, 5);
	pg_text(r, i, 6, e->hash, sizeof(e->hash));
}

/* entries are read by pages of this many: a chain of years is never
 * held in memory at once */
#define AUDIT_PAGE 1000

static enum cmn_rc pg_audit_each(struct pstore *p, const struct audit_filter *f, int64_t after,
				 size_t limit,
				 enum cmn_rc (*fn)(const struct audit_entry *e, void *ctx),
				 void *ctx)
{
	static const char q[] = "SELECT seq, at, actor, action, object, detail, hash FROM audit"
				" WHERE person_id = $1 AND seq > $2"
				" AND ($3::text IS NULL OR action = $3)"
				" AND ($4::text IS NULL OR starts_with(actor, $4))"
				" AND ($5::text IS NULL OR actor LIKE '%/grant:' || $5)"
				" AND at >= $6 AND at < $7 ORDER BY seq LIMIT $8";
	static const struct audit_filter all = {NULL, NULL, NULL, 0, INT64_MAX};
	struct pg_pstore *ps = pg_ps(p);
	enum cmn_rc rc = CMN_OK;
	char nafter[24], nfrom[24], nto[24], nlim[24];

	if (!f)
		f = &all;
	while (rc == CMN_OK && limit > 0) {
		size_t page = limit < AUDIT_PAGE ? limit : AUDIT_PAGE;
		struct pg_param prm[] = {
		    PG_TEXT(ps->person_id),      PG_TEXT(pg_num(nafter, after)),
		    PG_TEXT(f->action),          PG_TEXT(f->actor),
		    PG_TEXT(f->consent),         PG_TEXT(pg_num(nfrom, f->from)),
		    PG_TEXT(pg_num(nto, f->to)), PG_TEXT(pg_num(nlim, (int64_t)page))};
		PGresult *r;
		int n;

		if ((rc = pg_pquery(ps, q, 8, prm, &r)) != CMN_OK)
			break;
		n = PQntuples(r);
		for (int i = 0; rc == CMN_OK && i < n; i++) {
			struct audit_entry e;

			audit_row(r, i, &e);
			after = e.seq;
			rc = fn(&e, ctx);
		}
		PQclear(r);
		if ((size_t)n < page)
			break;
		limit -= page;
	}
	return rc;
}

/* verify_heads - after an intact chain of count entries: every signed head
 * verifies and names an entry of the chain with its hash. A head beyond the
 * chain means its latest entries were removed: *bad is the first missing. */
static enum cmn_rc verify_heads(struct pg_pstore *ps, int64_t count, int64_t *bad)
{
	static const char q[] = "SELECT h.seq, h.hash, h.jws, a.hash FROM audit_heads h"
				" LEFT JOIN audit a ON a.person_id = h.person_id AND a.seq = h.seq"
				" WHERE h.person_id = $1 ORDER BY h.seq";
	struct pg_param who[] = {PG_TEXT(ps->person_id)};
	enum cmn_rc rc;
	PGresult *r;

	if (!ps->s->keys)
		return CMN_OK;
	if ((rc = pg_pquery(ps, q, 1, who, &r)) != CMN_OK)
		return rc;
	for (int i = 0; rc == CMN_OK && i < PQntuples(r); i++) {
		int64_t seq = pg_i64(r, i, 0);
		const char *hash = PQgetvalue(r, i, 1);
		const char *jws = PQgetvalue(r, i, 2);

		if (seq > count) {
			*bad = count + 1;
			rc = CMN_ERR_CONFLICT;
		} else if (PQgetisnull(r, i, 3) || strcmp(hash, PQgetvalue(r, i, 3)) != 0 ||
			   !audit_head_matches(ps->s->keys, jws, ps->person_id, seq, hash)) {
			*bad = seq;
			rc = CMN_ERR_CONFLICT;
		}
	}
	PQclear(r);
	return rc;
}

static enum cmn_rc pg_audit_verify(struct pstore *p, int64_t *count, int64_t *bad)
{
	static const char q[] = "SELECT seq, at, actor, action, object, detail, hash FROM audit"
				" WHERE person_id = $1 AND seq > $2 ORDER BY seq LIMIT $3";
	struct pg_pstore *ps = pg_ps(p);
	char prev[CRYPT_HASH_HEX_LEN] = "", want[CRYPT_HASH_HEX_LEN], nafter[24], nlim[24];
	int64_t expect = 1;
	enum cmn_rc rc = CMN_OK;
	int n = AUDIT_PAGE;

	*count = 0;
	*bad = 0;
	while (rc == CMN_OK && n == AUDIT_PAGE) {
		struct pg_param prm[] = {PG_TEXT(ps->person_id),
					 PG_TEXT(pg_num(nafter, expect - 1)),
					 PG_TEXT(pg_num(nlim, AUDIT_PAGE))};
		PGresult *r;

		if ((rc = pg_pquery(ps, q, 3, prm, &r)) != CMN_OK)
			return rc;
		n = PQntuples(r);
		for (int i = 0; rc == CMN_OK && i < n; i++) {
			struct audit_entry e;

			audit_row(r, i, &e);
			audit_hash(prev, e.seq, e.at, e.actor, e.action, e.object, e.detail, want);
			if (e.seq != expect || strcmp(want, e.hash) != 0) {
				*bad = expect;
				rc = CMN_ERR_CONFLICT;
				break;
			}
			str_copy(prev, sizeof(prev), e.hash);
			expect++;
			(*count)++;
		}
		PQclear(r);
	}
	if (rc == CMN_OK)
		rc = verify_heads(ps, *count, bad);
	return rc;
}

/* ---- secrets ----------------------------------------------------------------- */

static enum cmn_rc pg_secret_put(struct pstore *p, const char *name, const void *value, size_t n)
{
	static const char q[] = "INSERT INTO secrets(person_id, name, box, updated)"
				" VALUES ($1, $2, $3, $4) ON CONFLICT (person_id, name)"
				" DO UPDATE SET box = EXCLUDED.box, updated = EXCLUDED.updated";
	struct pg_pstore *ps = pg_ps(p);
	char now[24];
	struct buf box;
	enum cmn_rc rc;

	buf_init(&box, n + 256);
	rc = secret_seal(ps->s->keys, ps->person_id, name, value, n, &box);
	if (rc == CMN_OK && box.len > INT32_MAX)
		rc = CMN_ERR_TOO_LARGE; /* a bytea parameter's length is an int */
	if (rc == CMN_OK) {
		struct pg_param prm[] = {PG_TEXT(ps->person_id), PG_TEXT(name),
					 PG_BYTES(box.data, box.len),
					 PG_TEXT(pg_num(now, time_now_ms()))};

		rc = pg_pdo(ps, q, 4, prm, false);
	}
	buf_release(&box);
	return rc;
}

static enum cmn_rc pg_secret_get(struct pstore *p, const char *name, struct buf *out)
{
	static const char q[] = "SELECT box FROM secrets WHERE person_id = $1 AND name = $2";
	struct pg_pstore *ps = pg_ps(p);
	struct pg_param prm[] = {PG_TEXT(ps->person_id), PG_TEXT(name)};
	struct pg_conn *c = pg_pconn(ps);
	PGresult *r;
	enum cmn_rc rc;

	if (!c)
		return CMN_ERR_STORE;
	if ((rc = pg_run_binary(c, q, 2, prm, &r)) != CMN_OK)
		return rc;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return CMN_ERR_NOT_FOUND;
	}
	rc = secret_open(ps->s->keys, ps->person_id, name, PQgetvalue(r, 0, 0),
			 (size_t)PQgetlength(r, 0, 0), out);
	PQclear(r);
	return rc;
}

const struct store_person_ops store_pg_person_ops = {
    .person_store = pg_person_store,
    .person_peek = pg_person_peek,
    .peek_close = pg_peek_close,
    .tx_begin = pg_tx_begin_p,
    .tx_end = pg_tx_end_p,
    .bulk = pg_bulk,
    .audit_append = pg_audit_append,
    .audit_each = pg_audit_each,
    .audit_verify = pg_audit_verify,
    .secret_put = pg_secret_put,
    .secret_get = pg_secret_get,
};
