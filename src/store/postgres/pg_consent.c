/*
 * pg_consent.c - services (OAuth clients of organisations), their blocks,
 * the grants persons give with their status history, and the shares'
 * unlocks, links and views, in PostgreSQL: the functions of
 * store/store_consent.h on libpq, with the results of sqlite_consent.c's.
 * store_consent.c calls them through store_pg_consent_ops.
 */
#include "store/postgres/pg_int.h"
#include "store/store_consent_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "core/timeutil.h"

static const char *const consent_migrations[] = {
    /* 1: the tables of SQLite's platform migrations 2 to 5 as they are
     * after them: services and their blocks, grants (with the views served
     * of a share) and their history, shares opened by passcode and by link */
    "CREATE TABLE clients ("
    "  id text PRIMARY KEY, org_id text NOT NULL REFERENCES orgs(id),"
    "  name text NOT NULL, secret_hash text, metadata text NOT NULL,"
    "  created bigint NOT NULL);"
    "CREATE INDEX clients_org ON clients(org_id);"
    "CREATE TABLE blocks ("
    "  client_id text NOT NULL REFERENCES clients(id) ON DELETE CASCADE,"
    "  by_org text NOT NULL, reason text NOT NULL, at bigint NOT NULL,"
    "  PRIMARY KEY (client_id, by_org));"
    "CREATE TABLE grants ("
    "  id text PRIMARY KEY,"
    "  person_id text NOT NULL REFERENCES persons(id) ON DELETE CASCADE,"
    "  grantee_kind text NOT NULL, grantee_id text NOT NULL, body text NOT NULL,"
    "  status text NOT NULL, valid_from bigint NOT NULL, valid_until bigint,"
    "  uses bigint NOT NULL DEFAULT 0, last_used bigint NOT NULL DEFAULT 0,"
    "  created bigint NOT NULL, updated bigint NOT NULL,"
    "  views bigint NOT NULL DEFAULT 0);"
    "CREATE INDEX grants_person ON grants(person_id, created);"
    "CREATE INDEX grants_grantee ON grants(grantee_kind, grantee_id);"
    "CREATE TABLE grant_events ("
    "  grant_id text NOT NULL REFERENCES grants(id) ON DELETE CASCADE,"
    "  seq bigint NOT NULL, at bigint NOT NULL, status text NOT NULL,"
    "  actor text NOT NULL, PRIMARY KEY (grant_id, seq));"
    "CREATE TABLE share_unlocks ("
    "  grant_id text NOT NULL REFERENCES grants(id) ON DELETE CASCADE,"
    "  session_hash text NOT NULL, until bigint NOT NULL,"
    "  PRIMARY KEY (grant_id, session_hash));"
    "CREATE TABLE share_links ("
    "  hash text PRIMARY KEY,"
    "  grant_id text NOT NULL REFERENCES grants(id) ON DELETE CASCADE);"
    /* a grant deleted (its person erased) finds its links by this index */
    "CREATE INDEX share_links_grant ON share_links(grant_id);",
};

/* pg_consent_schema - the consent tables, after the accounts' (they refer
 * to persons and orgs): listed in schemas[] of pg_platform.c */
const struct pg_schema pg_consent_schema = {
    "consent", consent_migrations, (int)(sizeof(consent_migrations) / sizeof(*consent_migrations))};

/* as_sqlite - the result of an insert as SQLite tells it: SQLite has one
 * code for every constraint (CMN_ERR_EXISTS), where PostgreSQL tells a
 * foreign key's (CMN_ERR_NOT_FOUND) apart */
static enum cmn_rc as_sqlite(enum cmn_rc rc)
{
	return rc == CMN_ERR_NOT_FOUND ? CMN_ERR_EXISTS : rc;
}

/* ---- services ----------------------------------------------------------- */

#define CLIENT_COLS                                                                                \
	"c.id, c.org_id, o.name, c.name, c.secret_hash IS NOT NULL,"                               \
	" EXISTS (SELECT 1 FROM blocks b WHERE b.client_id = c.id), c.created, c.metadata,"        \
	" coalesce(c.secret_hash, '')"
#define CLIENT_FROM " FROM clients c JOIN orgs o ON o.id = c.org_id "

static bool pg_bool(const PGresult *r, int row, int col)
{
	return strcmp(PQgetvalue(r, row, col), "t") == 0;
}

static void client_row(const PGresult *r, int row, struct client *c)
{
	pg_text(r, row, 0, c->id, sizeof(c->id));
	pg_text(r, row, 1, c->org_id, sizeof(c->org_id));
	pg_text(r, row, 2, c->org_name, sizeof(c->org_name));
	pg_text(r, row, 3, c->name, sizeof(c->name));
	c->confidential = pg_bool(r, row, 4);
	c->blocked = pg_bool(r, row, 5);
	c->created = pg_i64(r, row, 6);
}

static enum cmn_rc pg_client_add(struct store *s, const char *org_id, const char *name,
				 const char *secret_hash, const char *metadata, struct client *out)
{
	static const char q[] =
	    "INSERT INTO clients(id, org_id, name, secret_hash, metadata, created)"
	    " VALUES ($1, $2, $3, $4, $5, $6)";
	char created[24];
	enum cmn_rc rc;

	memset(out, 0, sizeof(*out));
	crypt_id_new(out->id);
	str_copy(out->org_id, sizeof(out->org_id), org_id);
	str_copy(out->name, sizeof(out->name), name);
	out->confidential = secret_hash != NULL;
	out->created = time_now_ms();
	{
		struct pg_param p[] = {PG_TEXT(out->id),  PG_TEXT(org_id),
				       PG_TEXT(name),     PG_TEXT(secret_hash),
				       PG_TEXT(metadata), PG_TEXT(pg_num(created, out->created))};

		rc = pg_do(s, q, 6, p, false);
	}
	/* a foreign key failure: no such organisation */
	return rc == CMN_ERR_EXISTS ? CMN_ERR_NOT_FOUND : rc;
}

static enum cmn_rc pg_client_get(struct store *s, const char *id, struct client *out,
				 char **metadata, char *secret_hash)
{
	static const char q[] = "SELECT " CLIENT_COLS CLIENT_FROM "WHERE c.id = $1";
	struct pg_param p[] = {PG_TEXT(id)};
	enum cmn_rc rc;
	PGresult *r;

	if ((rc = pg_query_one(s, q, 1, p, &r)) != CMN_OK)
		return rc;
	client_row(r, 0, out);
	if (metadata && !(*metadata = strdup(PQgetvalue(r, 0, 7))))
		rc = CMN_ERR_NOMEM;
	if (secret_hash)
		pg_text(r, 0, 8, secret_hash, CRYPT_HASH_HEX_LEN);
	PQclear(r);
	return rc;
}

static enum cmn_rc pg_client_each(struct store *s, const char *org_id,
				  enum cmn_rc (*fn)(const struct client *c, void *ctx), void *ctx)
{
	/* names in the order of their bytes, as SQLite's BINARY collation */
	static const char q[] =
	    "SELECT " CLIENT_COLS CLIENT_FROM "WHERE $1::text IS NULL OR c.org_id = $1"
	    " ORDER BY c.name COLLATE \"C\", c.id COLLATE \"C\"";
	struct pg_param p[] = {PG_TEXT(org_id)};
	enum cmn_rc rc;
	PGresult *r;

	if ((rc = pg_query(s, q, 1, p, &r)) != CMN_OK)
		return rc;
	for (int i = 0; rc == CMN_OK && i < PQntuples(r); i++) {
		struct client cl;

		client_row(r, i, &cl);
		rc = fn(&cl, ctx);
	}
	PQclear(r);
	return rc;
}

static enum cmn_rc pg_client_block(struct store *s, const char *client_id, const char *by,
				   const char *reason)
{
	static const char q[] =
	    "INSERT INTO blocks(client_id, by_org, reason, at) VALUES ($1, $2, $3, $4)"
	    " ON CONFLICT (client_id, by_org) DO UPDATE SET reason = EXCLUDED.reason";
	char at[24];
	struct pg_param p[] = {PG_TEXT(client_id), PG_TEXT(by), PG_TEXT(reason),
			       PG_TEXT(pg_num(at, time_now_ms()))};
	enum cmn_rc rc = pg_do(s, q, 4, p, false);

	store_auth_changed(s);
	/* a foreign key failure (no such service) is CMN_ERR_NOT_FOUND already */
	return rc == CMN_ERR_EXISTS ? CMN_ERR_NOT_FOUND : rc;
}

static enum cmn_rc pg_client_unblock(struct store *s, const char *client_id, const char *by)
{
	static const char q[] = "DELETE FROM blocks WHERE client_id = $1 AND by_org = $2";
	struct pg_param p[] = {PG_TEXT(client_id), PG_TEXT(by)};

	return pg_auth_change(s, q, 2, p, true);
}

static enum cmn_rc pg_client_blocks(struct store *s, const char *client_id,
				    enum cmn_rc (*fn)(const char *by, const char *reason,
						      int64_t at, void *ctx),
				    void *ctx)
{
	static const char q[] =
	    "SELECT by_org, reason, at FROM blocks WHERE client_id = $1 ORDER BY at";
	struct pg_param p[] = {PG_TEXT(client_id)};
	enum cmn_rc rc;
	PGresult *r;

	if ((rc = pg_query(s, q, 1, p, &r)) != CMN_OK)
		return rc;
	for (int i = 0; rc == CMN_OK && i < PQntuples(r); i++)
		rc = fn(PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), pg_i64(r, i, 2), ctx);
	PQclear(r);
	return rc;
}

static enum cmn_rc pg_person_org_id(struct store *s, const char *person_id, char *out)
{
	static const char q[] = "SELECT coalesce(org_id, '') FROM persons WHERE id = $1";
	struct pg_param p[] = {PG_TEXT(person_id)};
	enum cmn_rc rc;
	PGresult *r;

	out[0] = '\0';
	if ((rc = pg_query_one(s, q, 1, p, &r)) != CMN_OK)
		return rc;
	pg_text(r, 0, 0, out, CRYPT_ID_LEN);
	PQclear(r);
	return CMN_OK;
}

/* ---- grants ------------------------------------------------------------- */

#define GRANT_COLS                                                                                 \
	"id, person_id, grantee_kind, grantee_id, status, valid_from, valid_until, uses,"          \
	" last_used, created, updated, body"

/* grant_row - a row's columns; body points into the result. */
static void grant_row(const PGresult *r, int row, struct grant_row *g)
{
	pg_text(r, row, 0, g->id, sizeof(g->id));
	pg_text(r, row, 1, g->person_id, sizeof(g->person_id));
	pg_text(r, row, 2, g->grantee_kind, sizeof(g->grantee_kind));
	pg_text(r, row, 3, g->grantee_id, sizeof(g->grantee_id));
	pg_text(r, row, 4, g->status, sizeof(g->status));
	g->valid_from = pg_i64(r, row, 5);
	g->valid_until = PQgetisnull(r, row, 6) ? INT64_MAX : pg_i64(r, row, 6);
	g->uses = pg_i64(r, row, 7);
	g->last_used = pg_i64(r, row, 8);
	g->created = pg_i64(r, row, 9);
	g->updated = pg_i64(r, row, 10);
	g->body = PQgetvalue(r, row, 11);
}

/* add_event - appends to a grant's history, inside the caller's
 * transaction (which holds the grant's row: the next seq is its own) */
static enum cmn_rc add_event(struct pg_conn *c, const char *id, int64_t at, const char *status,
			     const char *actor)
{
	static const char q[] = "INSERT INTO grant_events(grant_id, seq, at, status, actor)"
				" SELECT $1::text, coalesce(max(seq), 0) + 1, $2::bigint, $3::text,"
				" $4::text FROM grant_events WHERE grant_id = $1::text";
	char when[24];
	struct pg_param p[] = {PG_TEXT(id), PG_TEXT(pg_num(when, at)), PG_TEXT(status),
			       PG_TEXT(actor)};

	return pg_change(c, q, 4, p, false);
}

static enum cmn_rc pg_grant_add(struct store *s, struct grant_row *row, const char *actor)
{
	static const char q[] = "INSERT INTO grants(id, person_id, grantee_kind, grantee_id, body,"
				" status, valid_from, valid_until, created, updated)"
				" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
	struct pg_conn *c = pg_conn_of(s);
	char from[24], until[24], created[24], updated[24];
	enum cmn_rc rc;

	if (!c)
		return CMN_ERR_STORE;
	crypt_id_new(row->id);
	row->created = row->updated = time_now_ms();
	row->uses = row->last_used = 0;
	if ((rc = pg_tx_begin(c)) != CMN_OK)
		return rc;
	{
		struct pg_param p[] = {
		    PG_TEXT(row->id),
		    PG_TEXT(row->person_id),
		    PG_TEXT(row->grantee_kind),
		    PG_TEXT(row->grantee_id),
		    PG_TEXT(row->body),
		    PG_TEXT(row->status),
		    PG_TEXT(pg_num(from, row->valid_from)),
		    PG_TEXT(row->valid_until == INT64_MAX ? NULL : pg_num(until, row->valid_until)),
		    PG_TEXT(pg_num(created, row->created)),
		    PG_TEXT(pg_num(updated, row->updated))};

		rc = pg_change(c, q, 10, p, false);
	}
	if (rc == CMN_ERR_EXISTS)
		rc = CMN_ERR_NOT_FOUND; /* as SQLite tells a constraint: no such person */
	if (rc == CMN_OK)
		rc = add_event(c, row->id, row->created, row->status, actor);
	return pg_tx_end(c, rc);
}

static enum cmn_rc pg_grant_get(struct store *s, const char *id, struct grant_row *out)
{
	static const char q[] = "SELECT " GRANT_COLS " FROM grants WHERE id = $1";
	struct pg_param p[] = {PG_TEXT(id)};
	enum cmn_rc rc;
	PGresult *r;

	memset(out, 0, sizeof(*out));
	if ((rc = pg_query_one(s, q, 1, p, &r)) != CMN_OK)
		return rc;
	grant_row(r, 0, out);
	if (!(out->body = strdup(out->body)))
		rc = CMN_ERR_NOMEM;
	PQclear(r);
	return rc;
}

static enum cmn_rc pg_grant_set_status(struct store *s, const char *id, const char *from,
				       const char *to, const char *actor)
{
	/* the row stays locked to the end: a change made at the same time
	 * waits, then finds the status moved on (CMN_ERR_CONFLICT) */
	static const char q[] = "UPDATE grants SET status = $3, updated = $4"
				" WHERE id = $1 AND status = $2";
	static const char q_exists[] = "SELECT 1 FROM grants WHERE id = $1";
	struct pg_conn *c = pg_conn_of(s);
	int64_t now = time_now_ms();
	char at[24];
	struct pg_param p[] = {PG_TEXT(id), PG_TEXT(from), PG_TEXT(to), PG_TEXT(pg_num(at, now))};
	enum cmn_rc rc;

	if (!c)
		return CMN_ERR_STORE;
	if ((rc = pg_tx_begin(c)) != CMN_OK)
		return rc;
	rc = pg_change(c, q, 4, p, true);
	if (rc == CMN_ERR_NOT_FOUND) {
		PGresult *r;

		if (pg_one(c, q_exists, 1, p, &r) == CMN_OK)
			rc = CMN_ERR_CONFLICT;
		PQclear(r);
	}
	if (rc == CMN_OK)
		rc = add_event(c, id, now, to, actor);
	rc = pg_tx_end(c, rc);
	store_auth_changed(s);
	return rc;
}

static enum cmn_rc pg_grant_history(struct store *s, const char *id,
				    enum cmn_rc (*fn)(int64_t at, const char *status,
						      const char *actor, void *ctx),
				    void *ctx)
{
	static const char q[] = "SELECT at, status, actor FROM grant_events WHERE grant_id = $1"
				" ORDER BY seq";
	struct pg_param p[] = {PG_TEXT(id)};
	enum cmn_rc rc;
	PGresult *r;

	if ((rc = pg_query(s, q, 1, p, &r)) != CMN_OK)
		return rc;
	for (int i = 0; rc == CMN_OK && i < PQntuples(r); i++)
		rc = fn(pg_i64(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), ctx);
	PQclear(r);
	return rc;
}

static enum cmn_rc pg_grant_each(struct store *s, const char *person_id, const char *grantee_kind,
				 const char *grantee_id,
				 enum cmn_rc (*fn)(const struct grant_row *row, void *ctx),
				 void *ctx)
{
	static const char q_person[] = "SELECT " GRANT_COLS " FROM grants WHERE person_id = $1"
				       " ORDER BY created DESC, id COLLATE \"C\" DESC";
	static const char q_grantee[] = "SELECT " GRANT_COLS " FROM grants WHERE grantee_kind = $1"
					" AND grantee_id = $2"
					" ORDER BY created DESC, id COLLATE \"C\" DESC";
	struct pg_param p_person[] = {PG_TEXT(person_id)};
	struct pg_param p_grantee[] = {PG_TEXT(grantee_kind), PG_TEXT(grantee_id)};
	enum cmn_rc rc;
	PGresult *r;

	if (person_id)
		rc = pg_query(s, q_person, 1, p_person, &r);
	else
		rc = pg_query(s, q_grantee, 2, p_grantee, &r);
	if (rc != CMN_OK)
		return rc;
	for (int i = 0; rc == CMN_OK && i < PQntuples(r); i++) {
		struct grant_row row;

		grant_row(r, i, &row);
		rc = fn(&row, ctx);
	}
	PQclear(r);
	return rc;
}

/* ---- shares ------------------------------------------------------------- */

static enum cmn_rc pg_share_unlock(struct store *s, const char *grant_id, const char *session_hash,
				   int64_t until)
{
	static const char q[] = "INSERT INTO share_unlocks(grant_id, session_hash, until)"
				" VALUES ($1, $2, $3) ON CONFLICT (grant_id, session_hash)"
				" DO UPDATE SET until = EXCLUDED.until";
	char at[24];
	struct pg_param p[] = {PG_TEXT(grant_id), PG_TEXT(session_hash),
			       PG_TEXT(pg_num(at, until))};

	return as_sqlite(pg_do(s, q, 3, p, false));
}

static enum cmn_rc pg_share_link_add(struct store *s, const char *hash, const char *grant_id)
{
	static const char q[] = "INSERT INTO share_links(hash, grant_id) VALUES ($1, $2)";
	struct pg_param p[] = {PG_TEXT(hash), PG_TEXT(grant_id)};

	return as_sqlite(pg_do(s, q, 2, p, false));
}

static enum cmn_rc pg_share_link_get(struct store *s, const char *hash, char *grant_id)
{
	static const char q[] = "SELECT grant_id FROM share_links WHERE hash = $1";
	struct pg_param p[] = {PG_TEXT(hash)};
	enum cmn_rc rc;
	PGresult *r;

	if ((rc = pg_query_one(s, q, 1, p, &r)) != CMN_OK)
		return rc;
	pg_text(r, 0, 0, grant_id, CRYPT_ID_LEN);
	PQclear(r);
	return CMN_OK;
}

static enum cmn_rc pg_share_view(struct store *s, const char *grant_id, int64_t max)
{
	/* one statement: two views at once of the last one left, one served */
	static const char q[] = "UPDATE grants SET views = views + 1 WHERE id = $1 AND views < $2";
	char n[24];
	struct pg_param p[] = {PG_TEXT(grant_id), PG_TEXT(pg_num(n, max))};
	enum cmn_rc rc = pg_do(s, q, 2, p, true);

	return rc == CMN_ERR_NOT_FOUND ? CMN_ERR_GONE : rc;
}

static bool pg_share_unlocked(struct store *s, const char *grant_id, const char *session_hash,
			      int64_t now)
{
	static const char q[] = "SELECT 1 FROM share_unlocks WHERE grant_id = $1"
				" AND session_hash = $2 AND until > $3";
	char at[24];
	struct pg_param p[] = {PG_TEXT(grant_id), PG_TEXT(session_hash), PG_TEXT(pg_num(at, now))};
	PGresult *r;
	bool open = pg_query_one(s, q, 3, p, &r) == CMN_OK;

	PQclear(r);
	return open;
}

/* ---- counts ------------------------------------------------------------- */

static enum cmn_rc pg_grant_counts(struct store *s, int64_t now, struct grant_counts *out)
{
	static const char q[] =
	    "SELECT grantee_kind, count(*) FROM grants WHERE status = 'given'"
	    " AND valid_from <= $1 AND (valid_until IS NULL OR valid_until > $1)"
	    " GROUP BY grantee_kind";
	char at[24];
	struct pg_param p[] = {PG_TEXT(pg_num(at, now))};
	enum cmn_rc rc;
	PGresult *r;

	memset(out, 0, sizeof(*out));
	if ((rc = pg_query(s, q, 1, p, &r)) != CMN_OK)
		return rc;
	for (int i = 0; i < PQntuples(r); i++) {
		const char *kind = PQgetvalue(r, i, 0);
		int64_t n = pg_i64(r, i, 1);

		if (strcmp(kind, "service") == 0)
			out->service += n;
		else if (strcmp(kind, "person") == 0)
			out->person += n;
		else if (strcmp(kind, "org") == 0)
			out->org += n;
		else
			out->other += n;
	}
	PQclear(r);
	return CMN_OK;
}

static enum cmn_rc pg_grant_used(struct store *s, const char *id, int64_t n, int64_t last)
{
	static const char q[] = "UPDATE grants SET uses = uses + $3,"
				" last_used = greatest(last_used, $1) WHERE id = $2";
	char at[24], more[24];
	struct pg_param p[] = {PG_TEXT(pg_num(at, last)), PG_TEXT(id), PG_TEXT(pg_num(more, n))};

	return pg_do(s, q, 3, p, false);
}

/* store_pg_consent_ops - the consent functions of a PostgreSQL store */
const struct store_consent_ops store_pg_consent_ops = {
    .client_add = pg_client_add,
    .client_get = pg_client_get,
    .client_each = pg_client_each,
    .client_block = pg_client_block,
    .client_unblock = pg_client_unblock,
    .client_blocks = pg_client_blocks,
    .person_org_id = pg_person_org_id,
    .grant_add = pg_grant_add,
    .grant_get = pg_grant_get,
    .grant_set_status = pg_grant_set_status,
    .grant_history = pg_grant_history,
    .grant_each = pg_grant_each,
    .share_unlock = pg_share_unlock,
    .share_link_add = pg_share_link_add,
    .share_link_get = pg_share_link_get,
    .share_view = pg_share_view,
    .share_unlocked = pg_share_unlocked,
    .grant_counts = pg_grant_counts,
    .grant_used = pg_grant_used,
};
