/*
 * pg_datamap.c - the data map's catalogue and the portability requests in
 * PostgreSQL (store_datamap.h).
 */
#include "store/postgres/pg_int.h"
#include "store/store_datamap_int.h"

#include <stdlib.h>
#include <string.h>

static const char *const datamap_migrations[] = {
    /* 1: the catalogue of holders, the persons' portability requests */
    "CREATE TABLE datamap_holders (id text PRIMARY KEY, pos bigint NOT NULL,"
    "  name text NOT NULL, body text NOT NULL, loaded bigint NOT NULL);"
    "CREATE TABLE portability_requests (id text PRIMARY KEY,"
    "  person_id text NOT NULL REFERENCES persons(id) ON DELETE CASCADE,"
    "  holder_id text NOT NULL, kind text NOT NULL, doctypes text NOT NULL,"
    "  state int NOT NULL, letter text NOT NULL, created bigint NOT NULL,"
    "  sent bigint NOT NULL DEFAULT 0, deadline bigint NOT NULL DEFAULT 0,"
    "  reminded bigint NOT NULL DEFAULT 0, answered bigint NOT NULL DEFAULT 0,"
    "  import_id text NOT NULL DEFAULT '', answer text);"
    "CREATE INDEX portability_by_person ON portability_requests(person_id, created);"
    "CREATE INDEX portability_due ON portability_requests(deadline)"
    "  WHERE state = 1 AND reminded = 0;",
};

const struct pg_schema pg_datamap_schema = {
    "datamap", datamap_migrations,
    (int)(sizeof(datamap_migrations) / sizeof(datamap_migrations[0]))};

/* dup_value - a copy of a column's text, NULL for SQL NULL; *failed when
 * the copy could not be made */
static char *dup_value(const PGresult *r, int row, int col, bool *failed)
{
	char *t;

	if (PQgetisnull(r, row, col))
		return NULL;
	if (!(t = strdup(PQgetvalue(r, row, col))))
		*failed = true;
	return t;
}

/* ---- the catalogue ---------------------------------------------------------------- */

static enum cmn_rc pg_datamap_replace(struct store *s, const struct datamap_holder *holders,
				      size_t n, int64_t now)
{
	static const char q_none[] = "DELETE FROM datamap_holders";
	static const char q_add[] = "INSERT INTO datamap_holders(id, pos, name, body, loaded)"
				    " VALUES ($1, $2, $3, $4, $5)";
	struct pg_conn *c = pg_conn_of(s);
	char at[24];
	enum cmn_rc rc;

	if (!c)
		return CMN_ERR_STORE;
	if ((rc = pg_tx_begin(c)) != CMN_OK)
		return rc;
	rc = pg_change(c, q_none, 0, NULL, false);
	pg_num(at, now);
	for (size_t i = 0; rc == CMN_OK && i < n; i++) {
		char pos[24];
		struct pg_param p[] = {PG_TEXT(holders[i].id), PG_TEXT(pg_num(pos, (int64_t)i)),
				       PG_TEXT(holders[i].name), PG_TEXT(holders[i].body),
				       PG_TEXT(at)};

		rc = pg_change(c, q_add, 5, p, false);
		if (rc == CMN_ERR_EXISTS)
			rc = CMN_ERR_CONFLICT; /* a holder twice */
	}
	return pg_tx_end(c, rc);
}

static enum cmn_rc pg_datamap_each(struct store *s,
				   enum cmn_rc (*fn)(const struct datamap_holder *h, void *ctx),
				   void *ctx)
{
	static const char q[] = "SELECT id, name, body FROM datamap_holders ORDER BY pos";
	PGresult *r;
	enum cmn_rc rc = pg_query(s, q, 0, NULL, &r);

	if (rc != CMN_OK)
		return rc;
	for (int i = 0; rc == CMN_OK && i < PQntuples(r); i++) {
		struct datamap_holder h;

		pg_text(r, i, 0, h.id, sizeof(h.id));
		pg_text(r, i, 1, h.name, sizeof(h.name));
		h.body = PQgetvalue(r, i, 2);
		rc = fn(&h, ctx);
	}
	PQclear(r);
	return rc;
}

static enum cmn_rc pg_datamap_get(struct store *s, const char *id, char **body)
{
	static const char q[] = "SELECT body FROM datamap_holders WHERE id = $1";
	struct pg_param p[] = {PG_TEXT(id)};
	PGresult *r;
	enum cmn_rc rc = pg_query_one(s, q, 1, p, &r);

	*body = NULL;
	if (rc != CMN_OK)
		return rc;
	*body = strdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return *body ? CMN_OK : CMN_ERR_NOMEM;
}

static enum cmn_rc pg_datamap_loaded(struct store *s, int64_t *at)
{
	static const char q[] = "SELECT coalesce(max(loaded), 0) FROM datamap_holders";
	PGresult *r;
	enum cmn_rc rc = pg_query_one(s, q, 0, NULL, &r);

	*at = 0;
	if (rc != CMN_OK)
		return rc == CMN_ERR_NOT_FOUND ? CMN_ERR_STORE : rc; /* an aggregate has a row */
	*at = pg_i64(r, 0, 0);
	PQclear(r);
	return CMN_OK;
}

static enum cmn_rc pg_person_org_kind(struct store *s, const char *person_id, char *out)
{
	static const char q[] = "SELECT o.kind FROM persons p JOIN orgs o ON o.id = p.org_id"
				" WHERE p.id = $1";
	struct pg_param p[] = {PG_TEXT(person_id)};
	PGresult *r;
	enum cmn_rc rc = pg_query_one(s, q, 1, p, &r);

	out[0] = '\0';
	if (rc == CMN_OK) {
		pg_text(r, 0, 0, out, ROLE_MAX);
		PQclear(r);
	}
	return rc == CMN_ERR_NOT_FOUND ? CMN_OK : rc;
}

/* ---- portability requests -------------------------------------------------------- */

#define PORT_COLS                                                                                  \
	"id, person_id, holder_id, kind, state, created, sent, deadline, reminded, answered,"      \
	" import_id, doctypes, letter, answer"

static enum cmn_rc read_request(const PGresult *res, int row, struct port_request *r)
{
	bool failed = false;

	memset(r, 0, sizeof(*r));
	pg_text(res, row, 0, r->id, sizeof(r->id));
	pg_text(res, row, 1, r->person_id, sizeof(r->person_id));
	pg_text(res, row, 2, r->holder_id, sizeof(r->holder_id));
	pg_text(res, row, 3, r->kind, sizeof(r->kind));
	r->state = (enum port_state)pg_i64(res, row, 4);
	r->created = pg_i64(res, row, 5);
	r->sent = pg_i64(res, row, 6);
	r->deadline = pg_i64(res, row, 7);
	r->reminded = pg_i64(res, row, 8);
	r->answered = pg_i64(res, row, 9);
	pg_text(res, row, 10, r->import_id, sizeof(r->import_id));
	r->doctypes = dup_value(res, row, 11, &failed);
	r->letter = dup_value(res, row, 12, &failed);
	r->answer = dup_value(res, row, 13, &failed);
	if (failed || !r->doctypes || !r->letter) {
		port_request_release(r);
		return failed ? CMN_ERR_NOMEM : CMN_ERR_CORRUPT;
	}
	return CMN_OK;
}

static enum cmn_rc pg_port_add(struct store *s, struct port_request *r)
{
	static const char q[] = "INSERT INTO portability_requests(id, person_id, holder_id, kind,"
				" doctypes, state, letter, created)"
				" VALUES ($1, $2, $3, $4, $5, 0, $6, $7)";
	char created[24];
	enum cmn_rc rc;

	crypt_id_new(r->id);
	r->state = PORT_DRAFT;
	{
		struct pg_param p[] = {PG_TEXT(r->id),
				       PG_TEXT(r->person_id),
				       PG_TEXT(r->holder_id),
				       PG_TEXT(r->kind),
				       PG_TEXT(r->doctypes),
				       PG_TEXT(r->letter),
				       PG_TEXT(pg_num(created, r->created))};

		rc = pg_do(s, q, 7, p, false);
	}
	/* a person who is not there: SQLite's foreign key says EXISTS too */
	return rc == CMN_ERR_NOT_FOUND ? CMN_ERR_EXISTS : rc;
}

static enum cmn_rc pg_port_get(struct store *s, const char *id, struct port_request *r)
{
	static const char q[] = "SELECT " PORT_COLS " FROM portability_requests WHERE id = $1";
	struct pg_param p[] = {PG_TEXT(id)};
	PGresult *res;
	enum cmn_rc rc = pg_query_one(s, q, 1, p, &res);

	if (rc != CMN_OK)
		return rc;
	rc = read_request(res, 0, r);
	PQclear(res);
	return rc;
}

static enum cmn_rc pg_port_each(struct store *s, const char *person_id,
				enum cmn_rc (*fn)(const struct port_request *r, void *ctx),
				void *ctx)
{
	static const char q[] = "SELECT " PORT_COLS " FROM portability_requests"
				" WHERE person_id = $1 ORDER BY created DESC, id COLLATE \"C\"";
	struct pg_param p[] = {PG_TEXT(person_id)};
	PGresult *res;
	enum cmn_rc rc = pg_query(s, q, 1, p, &res);

	if (rc != CMN_OK)
		return rc;
	for (int i = 0; rc == CMN_OK && i < PQntuples(res); i++) {
		struct port_request r;

		if ((rc = read_request(res, i, &r)) == CMN_OK)
			rc = fn(&r, ctx);
		port_request_release(&r);
	}
	PQclear(res);
	return rc;
}

/* changed - a compare-and-set: CMN_ERR_CONFLICT when it changed no row */
static enum cmn_rc changed(struct store *s, const char *q, int n, const struct pg_param *p)
{
	enum cmn_rc rc = pg_do(s, q, n, p, true);

	return rc == CMN_ERR_NOT_FOUND ? CMN_ERR_CONFLICT : rc;
}

static enum cmn_rc pg_port_sent(struct store *s, const char *id, const char *person_id, int64_t at,
				int64_t deadline)
{
	static const char q[] = "UPDATE portability_requests SET state = 1, sent = $3,"
				" deadline = $4 WHERE id = $1 AND person_id = $2 AND state = 0";
	char a[24], d[24];
	struct pg_param p[] = {PG_TEXT(id), PG_TEXT(person_id), PG_TEXT(pg_num(a, at)),
			       PG_TEXT(pg_num(d, deadline))};

	return changed(s, q, 4, p);
}

static enum cmn_rc pg_port_late(struct store *s, int64_t now, char (*ids)[CRYPT_ID_LEN], size_t max,
				size_t *n)
{
	static const char q[] = "SELECT id FROM portability_requests"
				" WHERE state = 1 AND reminded = 0 AND deadline < $1"
				" ORDER BY deadline, id COLLATE \"C\" LIMIT $2";
	char at[24], limit[24];
	struct pg_param p[] = {PG_TEXT(pg_num(at, now)), PG_TEXT(pg_num(limit, (int64_t)max))};
	PGresult *r;
	enum cmn_rc rc = pg_query(s, q, 2, p, &r);

	*n = 0;
	if (rc != CMN_OK)
		return rc;
	for (int i = 0; i < PQntuples(r) && *n < max; i++)
		pg_text(r, i, 0, ids[(*n)++], CRYPT_ID_LEN);
	PQclear(r);
	return CMN_OK;
}

static enum cmn_rc pg_port_mark_reminded(struct store *s, const char *id, int64_t now)
{
	static const char q[] = "UPDATE portability_requests SET reminded = $2"
				" WHERE id = $1 AND state = 1 AND reminded = 0";
	char at[24];
	struct pg_param p[] = {PG_TEXT(id), PG_TEXT(pg_num(at, now))};

	return changed(s, q, 2, p);
}

static enum cmn_rc pg_port_answered(struct store *s, const char *id, const char *person_id,
				    const char *import_id, const char *counts, int64_t at)
{
	static const char q[] = "UPDATE portability_requests SET state = 2, answered = $3,"
				" import_id = $4, answer = $5"
				" WHERE id = $1 AND person_id = $2 AND state = 1";
	char a[24];
	struct pg_param p[] = {PG_TEXT(id), PG_TEXT(person_id), PG_TEXT(pg_num(a, at)),
			       PG_TEXT(import_id), PG_TEXT(counts)};

	return changed(s, q, 5, p);
}

static enum cmn_rc pg_port_stats(struct store *s, int64_t now,
				 enum cmn_rc (*fn)(const struct port_counts *c, void *ctx),
				 void *ctx)
{
	static const char q[] =
	    "SELECT holder_id, count(*), count(*) FILTER (WHERE state = 0),"
	    " count(*) FILTER (WHERE state <> 0), count(*) FILTER (WHERE state = 2),"
	    " count(*) FILTER (WHERE state = 1 AND deadline < $1) FROM portability_requests"
	    " GROUP BY holder_id ORDER BY holder_id COLLATE \"C\"";
	char at[24];
	struct pg_param p[] = {PG_TEXT(pg_num(at, now))};
	PGresult *r;
	enum cmn_rc rc = pg_query(s, q, 1, p, &r);

	if (rc != CMN_OK)
		return rc;
	for (int i = 0; rc == CMN_OK && i < PQntuples(r); i++) {
		struct port_counts pc;

		pg_text(r, i, 0, pc.holder_id, sizeof(pc.holder_id));
		pc.requests = pg_i64(r, i, 1);
		pc.drafted = pg_i64(r, i, 2);
		pc.sent = pg_i64(r, i, 3);
		pc.answered = pg_i64(r, i, 4);
		pc.late = pg_i64(r, i, 5);
		rc = fn(&pc, ctx);
	}
	PQclear(r);
	return rc;
}

const struct store_datamap_ops store_pg_datamap_ops = {
    .replace = pg_datamap_replace,
    .each = pg_datamap_each,
    .get = pg_datamap_get,
    .loaded = pg_datamap_loaded,
    .person_org_kind = pg_person_org_kind,
    .port_add = pg_port_add,
    .port_get = pg_port_get,
    .port_each = pg_port_each,
    .port_sent = pg_port_sent,
    .port_late = pg_port_late,
    .port_mark_reminded = pg_port_mark_reminded,
    .port_answered = pg_port_answered,
    .port_stats = pg_port_stats,
};
