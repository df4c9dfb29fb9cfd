/*
 * sqlite_datamap.c - the data map's catalogue and the portability requests
 * in the platform store (store_datamap.h).
 */
#include "store/sqlite/sqlite_int.h"
#include "store/store_datamap_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/str.h"

static char *dup_text(sqlite3_stmt *st, int col)
{
	const char *t = (const char *)sqlite3_column_text(st, col);

	return t ? strdup(t) : NULL;
}

/* ---- the catalogue ---------------------------------------------------------------- */

static enum cmn_rc sq_store_datamap_replace(struct store *s, const struct datamap_holder *holders,
					    size_t n, int64_t now)
{
	static const char q_add[] = "INSERT INTO datamap_holders(id, pos, name, body, loaded)"
				    " VALUES (?, ?, ?, ?, ?)";
	struct conn *c = store_platform_conn(s);
	enum cmn_rc rc;

	if (!c)
		return CMN_ERR_STORE;
	if ((rc = conn_tx_begin(c)) != CMN_OK)
		return rc;
	rc = conn_exec(c, "DELETE FROM datamap_holders");
	for (size_t i = 0; rc == CMN_OK && i < n; i++) {
		sqlite3_stmt *st = conn_stmt(c, q_add);

		if (!st) {
			rc = CMN_ERR_STORE;
			break;
		}
		sqlite3_bind_text(st, 1, holders[i].id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (int64_t)i);
		sqlite3_bind_text(st, 3, holders[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, holders[i].body, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, now);
		rc = conn_step_done(c, st);
		if (rc == CMN_ERR_EXISTS)
			rc = CMN_ERR_CONFLICT;
	}
	return conn_tx_end(c, rc);
}

static enum cmn_rc
sq_store_datamap_each(struct store *s, enum cmn_rc (*fn)(const struct datamap_holder *h, void *ctx),
		      void *ctx)
{
	static const char q[] = "SELECT id, name, body FROM datamap_holders ORDER BY pos";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;
	enum cmn_rc rc = CMN_OK;
	int sr = SQLITE_DONE;

	if (!st)
		return CMN_ERR_STORE;
	while (rc == CMN_OK && (sr = sqlite3_step(st)) == SQLITE_ROW) {
		struct datamap_holder h;

		conn_text_col(st, 0, h.id, sizeof(h.id));
		conn_text_col(st, 1, h.name, sizeof(h.name));
		h.body = (const char *)sqlite3_column_text(st, 2);
		rc = h.body ? fn(&h, ctx) : CMN_ERR_CORRUPT;
	}
	if (rc == CMN_OK && sr != SQLITE_DONE)
		rc = conn_err(c, sr);
	sqlite3_reset(st);
	return rc;
}

static enum cmn_rc sq_store_datamap_get(struct store *s, const char *id, char **body)
{
	static const char q[] = "SELECT body FROM datamap_holders WHERE id = ?";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;
	enum cmn_rc rc = CMN_OK;
	int sr;

	*body = NULL;
	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sr = sqlite3_step(st);
	if (sr == SQLITE_ROW)
		rc = (*body = dup_text(st, 0)) ? CMN_OK : CMN_ERR_NOMEM;
	else
		rc = sr == SQLITE_DONE ? CMN_ERR_NOT_FOUND : conn_err(c, sr);
	sqlite3_reset(st);
	return rc;
}

static enum cmn_rc sq_store_datamap_loaded(struct store *s, int64_t *at)
{
	static const char q[] = "SELECT coalesce(max(loaded), 0) FROM datamap_holders";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;
	enum cmn_rc rc = CMN_OK;
	int sr;

	*at = 0;
	if (!st)
		return CMN_ERR_STORE;
	sr = sqlite3_step(st);
	if (sr == SQLITE_ROW)
		*at = sqlite3_column_int64(st, 0);
	else
		rc = conn_err(c, sr);
	sqlite3_reset(st);
	return rc;
}

static enum cmn_rc sq_store_person_org_kind(struct store *s, const char *person_id, char *out)
{
	static const char q[] = "SELECT o.kind FROM persons p JOIN orgs o ON o.id = p.org_id"
				" WHERE p.id = ?";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;
	enum cmn_rc rc = CMN_OK;
	int sr;

	out[0] = '\0';
	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, person_id, -1, SQLITE_STATIC);
	sr = sqlite3_step(st);
	if (sr == SQLITE_ROW)
		conn_text_col(st, 0, out, ROLE_MAX);
	else if (sr != SQLITE_DONE)
		rc = conn_err(c, sr);
	sqlite3_reset(st);
	return rc;
}

/* ---- portability requests -------------------------------------------------------- */

#define PORT_COLS                                                                                  \
	"id, person_id, holder_id, kind, state, created, sent, deadline, reminded, answered,"      \
	" import_id, doctypes, letter, answer"

static enum cmn_rc read_request(sqlite3_stmt *st, struct port_request *r)
{
	memset(r, 0, sizeof(*r));
	conn_text_col(st, 0, r->id, sizeof(r->id));
	conn_text_col(st, 1, r->person_id, sizeof(r->person_id));
	conn_text_col(st, 2, r->holder_id, sizeof(r->holder_id));
	conn_text_col(st, 3, r->kind, sizeof(r->kind));
	r->state = (enum port_state)sqlite3_column_int(st, 4);
	r->created = sqlite3_column_int64(st, 5);
	r->sent = sqlite3_column_int64(st, 6);
	r->deadline = sqlite3_column_int64(st, 7);
	r->reminded = sqlite3_column_int64(st, 8);
	r->answered = sqlite3_column_int64(st, 9);
	conn_text_col(st, 10, r->import_id, sizeof(r->import_id));
	r->doctypes = dup_text(st, 11);
	r->letter = dup_text(st, 12);
	r->answer = dup_text(st, 13);
	if (!r->doctypes || !r->letter ||
	    (sqlite3_column_type(st, 13) != SQLITE_NULL && !r->answer)) {
		port_request_release(r);
		return CMN_ERR_NOMEM;
	}
	return CMN_OK;
}

static enum cmn_rc sq_store_port_add(struct store *s, struct port_request *r)
{
	static const char q[] =
	    "INSERT INTO portability_requests(id, person_id, holder_id, kind,"
	    " doctypes, state, letter, created) VALUES (?, ?, ?, ?, ?, 0, ?, ?)";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;

	if (!st)
		return CMN_ERR_STORE;
	crypt_id_new(r->id);
	r->state = PORT_DRAFT;
	sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->person_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->holder_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, r->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, r->doctypes, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, r->letter, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, r->created);
	return conn_step_done(c, st);
}

static enum cmn_rc sq_store_port_get(struct store *s, const char *id, struct port_request *r)
{
	static const char q[] = "SELECT " PORT_COLS " FROM portability_requests WHERE id = ?";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;
	enum cmn_rc rc;
	int sr;

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sr = sqlite3_step(st);
	rc = sr == SQLITE_ROW    ? read_request(st, r)
	     : sr == SQLITE_DONE ? CMN_ERR_NOT_FOUND
				 : conn_err(c, sr);
	sqlite3_reset(st);
	return rc;
}

static enum cmn_rc sq_store_port_each(struct store *s, const char *person_id,
				      enum cmn_rc (*fn)(const struct port_request *r, void *ctx),
				      void *ctx)
{
	static const char q[] = "SELECT " PORT_COLS " FROM portability_requests"
				" WHERE person_id = ? ORDER BY created DESC, id";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;
	enum cmn_rc rc = CMN_OK;
	int sr = SQLITE_DONE;

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, person_id, -1, SQLITE_STATIC);
	while (rc == CMN_OK && (sr = sqlite3_step(st)) == SQLITE_ROW) {
		struct port_request r;

		if ((rc = read_request(st, &r)) == CMN_OK)
			rc = fn(&r, ctx);
		port_request_release(&r);
	}
	if (rc == CMN_OK && sr != SQLITE_DONE)
		rc = conn_err(c, sr);
	sqlite3_reset(st);
	return rc;
}

/* changed - a compare-and-set: CMN_ERR_CONFLICT when it changed no row */
static enum cmn_rc changed(struct conn *c, sqlite3_stmt *st)
{
	enum cmn_rc rc = conn_step_done(c, st);

	if (rc == CMN_OK && sqlite3_changes(c->db) == 0)
		rc = CMN_ERR_CONFLICT;
	return rc;
}

static enum cmn_rc sq_store_port_sent(struct store *s, const char *id, const char *person_id,
				      int64_t at, int64_t deadline)
{
	static const char q[] = "UPDATE portability_requests SET state = 1, sent = ?3,"
				" deadline = ?4 WHERE id = ?1 AND person_id = ?2 AND state = 0";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, person_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, at);
	sqlite3_bind_int64(st, 4, deadline);
	return changed(c, st);
}

static enum cmn_rc sq_store_port_late(struct store *s, int64_t now, char (*ids)[CRYPT_ID_LEN],
				      size_t max, size_t *n)
{
	static const char q[] = "SELECT id FROM portability_requests"
				" WHERE state = 1 AND reminded = 0 AND deadline < ?"
				" ORDER BY deadline, id LIMIT ?";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;
	enum cmn_rc rc = CMN_OK;
	int sr;

	*n = 0;
	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, (int64_t)max);
	while ((sr = sqlite3_step(st)) == SQLITE_ROW && *n < max)
		conn_text_col(st, 0, ids[(*n)++], CRYPT_ID_LEN);
	if (sr != SQLITE_DONE && sr != SQLITE_ROW)
		rc = conn_err(c, sr);
	sqlite3_reset(st);
	return rc;
}

static enum cmn_rc sq_store_port_mark_reminded(struct store *s, const char *id, int64_t now)
{
	static const char q[] = "UPDATE portability_requests SET reminded = ?2"
				" WHERE id = ?1 AND state = 1 AND reminded = 0";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	return changed(c, st);
}

static enum cmn_rc sq_store_port_answered(struct store *s, const char *id, const char *person_id,
					  const char *import_id, const char *counts, int64_t at)
{
	static const char q[] = "UPDATE portability_requests SET state = 2, answered = ?3,"
				" import_id = ?4, answer = ?5"
				" WHERE id = ?1 AND person_id = ?2 AND state = 1";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, person_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, at);
	sqlite3_bind_text(st, 4, import_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, counts, -1, SQLITE_STATIC);
	return changed(c, st);
}

static enum cmn_rc sq_store_port_stats(struct store *s, int64_t now,
				       enum cmn_rc (*fn)(const struct port_counts *c, void *ctx),
				       void *ctx)
{
	static const char q[] =
	    "SELECT holder_id, count(*), sum(state = 0), sum(state <> 0), sum(state = 2),"
	    " sum(state = 1 AND deadline < ?) FROM portability_requests"
	    " GROUP BY holder_id ORDER BY holder_id";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;
	enum cmn_rc rc = CMN_OK;
	int sr = SQLITE_DONE;

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_int64(st, 1, now);
	while (rc == CMN_OK && (sr = sqlite3_step(st)) == SQLITE_ROW) {
		struct port_counts pc;

		conn_text_col(st, 0, pc.holder_id, sizeof(pc.holder_id));
		pc.requests = sqlite3_column_int64(st, 1);
		pc.drafted = sqlite3_column_int64(st, 2);
		pc.sent = sqlite3_column_int64(st, 3);
		pc.answered = sqlite3_column_int64(st, 4);
		pc.late = sqlite3_column_int64(st, 5);
		rc = fn(&pc, ctx);
	}
	if (rc == CMN_OK && sr != SQLITE_DONE)
		rc = conn_err(c, sr);
	sqlite3_reset(st);
	return rc;
}

const struct store_datamap_ops store_sqlite_datamap_ops = {
    .replace = sq_store_datamap_replace,
    .each = sq_store_datamap_each,
    .get = sq_store_datamap_get,
    .loaded = sq_store_datamap_loaded,
    .person_org_kind = sq_store_person_org_kind,
    .port_add = sq_store_port_add,
    .port_get = sq_store_port_get,
    .port_each = sq_store_port_each,
    .port_sent = sq_store_port_sent,
    .port_late = sq_store_port_late,
    .port_mark_reminded = sq_store_port_mark_reminded,
    .port_answered = sq_store_port_answered,
    .port_stats = sq_store_port_stats,
};
