/*
 * sqlite_consent.c - services, their blocks, and grants in the platform
 * store (dir/platform.db). See store/store_consent.h: store_consent.c
 * calls these functions through store_sqlite_consent_ops.
 */
#include "store/sqlite/sqlite_int.h"
#include "store/store_consent_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "core/timeutil.h"

/* ---- services ----------------------------------------------------------- */

#define CLIENT_COLS                                                                                \
	"c.id, c.org_id, o.name, c.name, c.secret_hash IS NOT NULL,"                               \
	" EXISTS (SELECT 1 FROM blocks b WHERE b.client_id = c.id), c.created, c.metadata,"        \
	" coalesce(c.secret_hash, '')"
#define CLIENT_FROM " FROM clients c JOIN orgs o ON o.id = c.org_id "

static void client_row(sqlite3_stmt *st, struct client *c)
{
	conn_text_col(st, 0, c->id, sizeof(c->id));
	conn_text_col(st, 1, c->org_id, sizeof(c->org_id));
	conn_text_col(st, 2, c->org_name, sizeof(c->org_name));
	conn_text_col(st, 3, c->name, sizeof(c->name));
	c->confidential = sqlite3_column_int(st, 4) != 0;
	c->blocked = sqlite3_column_int(st, 5) != 0;
	c->created = sqlite3_column_int64(st, 6);
}

static enum cmn_rc sq_client_add(struct store *s, const char *org_id, const char *name,
				 const char *secret_hash, const char *metadata, struct client *out)
{
	static const char q[] =
	    "INSERT INTO clients(id, org_id, name, secret_hash, metadata, created)"
	    " VALUES (?, ?, ?, ?, ?, ?)";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st;
	enum cmn_rc rc;

	if (!c || !(st = conn_stmt(c, q)))
		return CMN_ERR_STORE;
	memset(out, 0, sizeof(*out));
	crypt_id_new(out->id);
	str_copy(out->org_id, sizeof(out->org_id), org_id);
	str_copy(out->name, sizeof(out->name), name);
	out->confidential = secret_hash != NULL;
	out->created = time_now_ms();
	sqlite3_bind_text(st, 1, out->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, org_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
	if (secret_hash)
		sqlite3_bind_text(st, 4, secret_hash, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 4);
	sqlite3_bind_text(st, 5, metadata, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, out->created);
	rc = conn_step_done(c, st);
	/* a foreign key failure: no such organisation */
	return rc == CMN_ERR_EXISTS ? CMN_ERR_NOT_FOUND : rc;
}

static enum cmn_rc sq_client_get(struct store *s, const char *id, struct client *out,
				 char **metadata, char *secret_hash)
{
	static const char q[] = "SELECT " CLIENT_COLS CLIENT_FROM "WHERE c.id = ?";
	struct conn *c = store_platform_conn(s);
	enum cmn_rc rc = CMN_OK;
	sqlite3_stmt *st;
	int sr;

	if (!c || !(st = conn_stmt(c, q)))
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sr = sqlite3_step(st);
	if (sr == SQLITE_ROW) {
		client_row(st, out);
		if (metadata && !(*metadata = strdup((const char *)sqlite3_column_text(st, 7))))
			rc = CMN_ERR_NOMEM;
		if (secret_hash)
			conn_text_col(st, 8, secret_hash, CRYPT_HASH_HEX_LEN);
	} else {
		rc = sr == SQLITE_DONE ? CMN_ERR_NOT_FOUND : conn_err(c, sr);
	}
	sqlite3_reset(st);
	return rc;
}

struct client_visit {
	enum cmn_rc (*fn)(const struct client *c, void *ctx);
	void *ctx;
};

static enum cmn_rc client_visit(sqlite3_stmt *st, void *vv)
{
	struct client_visit *v = vv;
	struct client cl;

	client_row(st, &cl);
	return v->fn(&cl, v->ctx);
}

static enum cmn_rc sq_client_each(struct store *s, const char *org_id,
				  enum cmn_rc (*fn)(const struct client *c, void *ctx), void *ctx)
{
	static const char q[] = "SELECT " CLIENT_COLS CLIENT_FROM
				"WHERE ?1 IS NULL OR c.org_id = ?1 ORDER BY c.name, c.id";
	struct conn *c = store_platform_conn(s);
	struct client_visit v = {fn, ctx};
	sqlite3_stmt *st;

	if (!c || !(st = conn_stmt(c, q)))
		return CMN_ERR_STORE;
	if (org_id)
		sqlite3_bind_text(st, 1, org_id, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 1);
	return conn_each(c, st, client_visit, &v);
}

static enum cmn_rc sq_client_block(struct store *s, const char *client_id, const char *by,
				   const char *reason)
{
	static const char q[] =
	    "INSERT INTO blocks(client_id, by_org, reason, at) VALUES (?, ?, ?, ?)"
	    " ON CONFLICT(client_id, by_org) DO UPDATE SET reason = excluded.reason";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st;
	enum cmn_rc rc;

	if (!c || !(st = conn_stmt(c, q)))
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, client_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, by, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, time_now_ms());
	rc = conn_step_done(c, st);
	store_auth_changed(s);
	return rc == CMN_ERR_EXISTS ? CMN_ERR_NOT_FOUND : rc;
}

static enum cmn_rc sq_client_unblock(struct store *s, const char *client_id, const char *by)
{
	static const char q[] = "DELETE FROM blocks WHERE client_id = ? AND by_org = ?";

	return store_auth_change(s, q, client_id, by, true);
}

struct block_visit {
	enum cmn_rc (*fn)(const char *by, const char *reason, int64_t at, void *ctx);
	void *ctx;
};

static enum cmn_rc block_visit(sqlite3_stmt *st, void *vv)
{
	struct block_visit *v = vv;

	return v->fn((const char *)sqlite3_column_text(st, 0),
		     (const char *)sqlite3_column_text(st, 1), sqlite3_column_int64(st, 2), v->ctx);
}

static enum cmn_rc sq_client_blocks(struct store *s, const char *client_id,
				    enum cmn_rc (*fn)(const char *by, const char *reason,
						      int64_t at, void *ctx),
				    void *ctx)
{
	static const char q[] =
	    "SELECT by_org, reason, at FROM blocks WHERE client_id = ? ORDER BY at";
	struct conn *c = store_platform_conn(s);
	struct block_visit v = {fn, ctx};
	sqlite3_stmt *st;

	if (!c || !(st = conn_stmt(c, q)))
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, client_id, -1, SQLITE_STATIC);
	return conn_each(c, st, block_visit, &v);
}

static enum cmn_rc sq_person_org_id(struct store *s, const char *person_id, char *out)
{
	static const char q[] = "SELECT coalesce(org_id, '') FROM persons WHERE id = ?";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st;
	int sr;

	out[0] = '\0';
	if (!c || !(st = conn_stmt(c, q)))
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, person_id, -1, SQLITE_STATIC);
	sr = sqlite3_step(st);
	if (sr == SQLITE_ROW)
		conn_text_col(st, 0, out, CRYPT_ID_LEN);
	sqlite3_reset(st);
	if (sr == SQLITE_ROW)
		return CMN_OK;
	return sr == SQLITE_DONE ? CMN_ERR_NOT_FOUND : conn_err(c, sr);
}

/* ---- grants ------------------------------------------------------------- */

#define GRANT_COLS                                                                                 \
	"id, person_id, grantee_kind, grantee_id, status, valid_from, valid_until, uses,"          \
	" last_used, created, updated, body"

/* grant_row - a row's columns; body points into the statement. */
static void grant_row(sqlite3_stmt *st, struct grant_row *g)
{
	conn_text_col(st, 0, g->id, sizeof(g->id));
	conn_text_col(st, 1, g->person_id, sizeof(g->person_id));
	conn_text_col(st, 2, g->grantee_kind, sizeof(g->grantee_kind));
	conn_text_col(st, 3, g->grantee_id, sizeof(g->grantee_id));
	conn_text_col(st, 4, g->status, sizeof(g->status));
	g->valid_from = sqlite3_column_int64(st, 5);
	g->valid_until =
	    sqlite3_column_type(st, 6) == SQLITE_NULL ? INT64_MAX : sqlite3_column_int64(st, 6);
	g->uses = sqlite3_column_int64(st, 7);
	g->last_used = sqlite3_column_int64(st, 8);
	g->created = sqlite3_column_int64(st, 9);
	g->updated = sqlite3_column_int64(st, 10);
	g->body = (char *)sqlite3_column_text(st, 11);
}

/* add_event - appends to a grant's history, inside the caller's transaction. */
static enum cmn_rc add_event(struct conn *c, const char *id, int64_t at, const char *status,
			     const char *actor)
{
	static const char q[] = "INSERT INTO grant_events(grant_id, seq, at, status, actor)"
				" SELECT ?1, coalesce(max(seq), 0) + 1, ?2, ?3, ?4"
				" FROM grant_events WHERE grant_id = ?1";
	sqlite3_stmt *st = conn_stmt(c, q);

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, at);
	sqlite3_bind_text(st, 3, status, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, actor, -1, SQLITE_STATIC);
	return conn_step_done(c, st);
}

static enum cmn_rc sq_grant_add(struct store *s, struct grant_row *row, const char *actor)
{
	static const char q[] = "INSERT INTO grants(id, person_id, grantee_kind, grantee_id, body,"
				" status, valid_from, valid_until, created, updated)"
				" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st;
	enum cmn_rc rc;

	if (!c || !(st = conn_stmt(c, q)))
		return CMN_ERR_STORE;
	crypt_id_new(row->id);
	row->created = row->updated = time_now_ms();
	row->uses = row->last_used = 0;
	if ((rc = conn_tx_begin(c)) != CMN_OK)
		return rc;
	sqlite3_bind_text(st, 1, row->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, row->person_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, row->grantee_kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, row->grantee_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, row->body, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, row->status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, row->valid_from);
	if (row->valid_until == INT64_MAX)
		sqlite3_bind_null(st, 8);
	else
		sqlite3_bind_int64(st, 8, row->valid_until);
	sqlite3_bind_int64(st, 9, row->created);
	sqlite3_bind_int64(st, 10, row->updated);
	rc = conn_step_done(c, st);
	if (rc == CMN_ERR_EXISTS)
		rc = CMN_ERR_NOT_FOUND; /* no such person */
	if (rc == CMN_OK)
		rc = add_event(c, row->id, row->created, row->status, actor);
	return conn_tx_end(c, rc);
}

static enum cmn_rc sq_grant_get(struct store *s, const char *id, struct grant_row *out)
{
	static const char q[] = "SELECT " GRANT_COLS " FROM grants WHERE id = ?";
	struct conn *c = store_platform_conn(s);
	enum cmn_rc rc = CMN_OK;
	sqlite3_stmt *st;
	int sr;

	memset(out, 0, sizeof(*out));
	if (!c || !(st = conn_stmt(c, q)))
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sr = sqlite3_step(st);
	if (sr == SQLITE_ROW) {
		grant_row(st, out);
		if (!(out->body = strdup(out->body)))
			rc = CMN_ERR_NOMEM;
	} else {
		out->body = NULL;
		rc = sr == SQLITE_DONE ? CMN_ERR_NOT_FOUND : conn_err(c, sr);
	}
	sqlite3_reset(st);
	return rc;
}

static enum cmn_rc sq_grant_set_status(struct store *s, const char *id, const char *from,
				       const char *to, const char *actor)
{
	static const char q[] = "UPDATE grants SET status = ?3, updated = ?4"
				" WHERE id = ?1 AND status = ?2";
	static const char q_exists[] = "SELECT 1 FROM grants WHERE id = ?";
	struct conn *c = store_platform_conn(s);
	int64_t now = time_now_ms();
	sqlite3_stmt *st;
	enum cmn_rc rc;

	if (!c || !(st = conn_stmt(c, q)))
		return CMN_ERR_STORE;
	if ((rc = conn_tx_begin(c)) != CMN_OK)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, to, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	rc = conn_step_done(c, st);
	if (rc == CMN_OK && sqlite3_changes(c->db) == 0) {
		rc = CMN_ERR_NOT_FOUND;
		if ((st = conn_stmt(c, q_exists))) {
			sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
			if (sqlite3_step(st) == SQLITE_ROW)
				rc = CMN_ERR_CONFLICT;
			sqlite3_reset(st);
		}
	}
	if (rc == CMN_OK)
		rc = add_event(c, id, now, to, actor);
	rc = conn_tx_end(c, rc);
	store_auth_changed(s);
	return rc;
}

struct history_visit {
	enum cmn_rc (*fn)(int64_t at, const char *status, const char *actor, void *ctx);
	void *ctx;
};

static enum cmn_rc history_visit(sqlite3_stmt *st, void *vv)
{
	struct history_visit *v = vv;

	return v->fn(sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
		     (const char *)sqlite3_column_text(st, 2), v->ctx);
}

static enum cmn_rc sq_grant_history(struct store *s, const char *id,
				    enum cmn_rc (*fn)(int64_t at, const char *status,
						      const char *actor, void *ctx),
				    void *ctx)
{
	static const char q[] = "SELECT at, status, actor FROM grant_events WHERE grant_id = ?"
				" ORDER BY seq";
	struct conn *c = store_platform_conn(s);
	struct history_visit v = {fn, ctx};
	sqlite3_stmt *st;

	if (!c || !(st = conn_stmt(c, q)))
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	return conn_each(c, st, history_visit, &v);
}

struct grant_visit {
	enum cmn_rc (*fn)(const struct grant_row *row, void *ctx);
	void *ctx;
};

static enum cmn_rc grant_visit(sqlite3_stmt *st, void *vv)
{
	struct grant_visit *v = vv;
	struct grant_row row;

	grant_row(st, &row);
	return v->fn(&row, v->ctx);
}

static enum cmn_rc sq_grant_each(struct store *s, const char *person_id, const char *grantee_kind,
				 const char *grantee_id,
				 enum cmn_rc (*fn)(const struct grant_row *row, void *ctx),
				 void *ctx)
{
	static const char q_person[] = "SELECT " GRANT_COLS " FROM grants WHERE person_id = ?"
				       " ORDER BY created DESC, id DESC";
	static const char q_grantee[] = "SELECT " GRANT_COLS " FROM grants WHERE grantee_kind = ?"
					" AND grantee_id = ? ORDER BY created DESC, id DESC";
	struct conn *c = store_platform_conn(s);
	struct grant_visit v = {fn, ctx};
	sqlite3_stmt *st;

	if (!c || !(st = conn_stmt(c, person_id ? q_person : q_grantee)))
		return CMN_ERR_STORE;
	if (person_id) {
		sqlite3_bind_text(st, 1, person_id, -1, SQLITE_STATIC);
	} else {
		sqlite3_bind_text(st, 1, grantee_kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, grantee_id, -1, SQLITE_STATIC);
	}
	return conn_each(c, st, grant_visit, &v);
}

static enum cmn_rc sq_share_unlock(struct store *s, const char *grant_id, const char *session_hash,
				   int64_t until)
{
	static const char q[] =
	    "INSERT INTO share_unlocks(grant_id, session_hash, until)"
	    " VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET until = excluded.until";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st;

	if (!c || !(st = conn_stmt(c, q)))
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, grant_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, session_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, until);
	return conn_step_done(c, st);
}

static enum cmn_rc sq_share_link_add(struct store *s, const char *hash, const char *grant_id)
{
	static const char q[] = "INSERT INTO share_links(hash, grant_id) VALUES (?, ?)";

	return conn_run(store_platform_conn(s), q, hash, grant_id, false);
}

static enum cmn_rc sq_share_link_get(struct store *s, const char *hash, char *grant_id)
{
	static const char q[] = "SELECT grant_id FROM share_links WHERE hash = ?";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st;
	int sr;

	if (!c || !(st = conn_stmt(c, q)))
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	sr = sqlite3_step(st);
	if (sr == SQLITE_ROW)
		conn_text_col(st, 0, grant_id, CRYPT_ID_LEN);
	sqlite3_reset(st);
	if (sr == SQLITE_ROW)
		return CMN_OK;
	return sr == SQLITE_DONE ? CMN_ERR_NOT_FOUND : conn_err(c, sr);
}

static enum cmn_rc sq_share_view(struct store *s, const char *grant_id, int64_t max)
{
	static const char q[] = "UPDATE grants SET views = views + 1 WHERE id = ? AND views < ?";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st;
	enum cmn_rc rc;

	if (!c || !(st = conn_stmt(c, q)))
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, grant_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, max);
	rc = conn_step_done(c, st);
	if (rc == CMN_OK && sqlite3_changes(c->db) == 0)
		rc = CMN_ERR_GONE;
	return rc;
}

static bool sq_share_unlocked(struct store *s, const char *grant_id, const char *session_hash,
			      int64_t now)
{
	static const char q[] =
	    "SELECT 1 FROM share_unlocks WHERE grant_id = ? AND session_hash = ?"
	    " AND until > ?";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st;
	bool open;

	if (!c || !(st = conn_stmt(c, q)))
		return false;
	sqlite3_bind_text(st, 1, grant_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, session_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	open = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	return open;
}

static enum cmn_rc sq_grant_counts(struct store *s, int64_t now, struct grant_counts *out)
{
	static const char q[] =
	    "SELECT grantee_kind, count(*) FROM grants WHERE status = 'given'"
	    " AND valid_from <= ?1 AND (valid_until IS NULL OR valid_until > ?1)"
	    " GROUP BY grantee_kind";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st;
	int r;

	memset(out, 0, sizeof(*out));
	if (!c || !(st = conn_stmt(c, q)))
		return CMN_ERR_STORE;
	sqlite3_bind_int64(st, 1, now);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(st, 0);
		int64_t n = sqlite3_column_int64(st, 1);

		if (kind && strcmp(kind, "service") == 0)
			out->service += n;
		else if (kind && strcmp(kind, "person") == 0)
			out->person += n;
		else if (kind && strcmp(kind, "org") == 0)
			out->org += n;
		else
			out->other += n;
	}
	sqlite3_reset(st);
	return r == SQLITE_DONE ? CMN_OK : CMN_ERR_STORE;
}

static enum cmn_rc sq_grant_used(struct store *s, const char *id, int64_t n, int64_t last)
{
	static const char q[] = "UPDATE grants SET uses = uses + ?3,"
				" last_used = max(last_used, ?1) WHERE id = ?2";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st;

	if (!c || !(st = conn_stmt(c, q)))
		return CMN_ERR_STORE;
	sqlite3_bind_int64(st, 1, last);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, n);
	return conn_step_done(c, st);
}

/* store_sqlite_consent_ops - the consent functions of a SQLite store */
const struct store_consent_ops store_sqlite_consent_ops = {
    .client_add = sq_client_add,
    .client_get = sq_client_get,
    .client_each = sq_client_each,
    .client_block = sq_client_block,
    .client_unblock = sq_client_unblock,
    .client_blocks = sq_client_blocks,
    .person_org_id = sq_person_org_id,
    .grant_add = sq_grant_add,
    .grant_get = sq_grant_get,
    .grant_set_status = sq_grant_set_status,
    .grant_history = sq_grant_history,
    .grant_each = sq_grant_each,
    .share_unlock = sq_share_unlock,
    .share_link_add = sq_share_link_add,
    .share_link_get = sq_share_link_get,
    .share_view = sq_share_view,
    .share_unlocked = sq_share_unlocked,
    .grant_counts = sq_grant_counts,
    .grant_used = sq_grant_used,
};
