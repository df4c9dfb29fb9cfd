/*
 * sqlite_attest.c - attestations issued to a person (their store) and the
 * platform's status list. See store_attest.h.
 */
#include "store/store_attest_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "store/sqlite/sqlite_int.h"

static enum cmn_rc sq_attestation_put(struct pstore *ps, const struct attestation_row *a,
				      const char *actor)
{
	static const char q[] = "INSERT INTO attestations(id, rule, version, issued, expires,"
				" status_idx, token) VALUES (?, ?, ?, ?, ?, ?, ?)";
	char object[ATTEST_OBJECT_LEN], detail[ATTEST_DETAIL_LEN];
	sqlite3_stmt *st;
	enum cmn_rc rc;

	if ((rc = pstore_tx_begin(ps)) != CMN_OK)
		return rc;
	if (!(st = conn_stmt(&ps->c, q)))
		return pstore_tx_end(ps, CMN_ERR_STORE);
	sqlite3_bind_text(st, 1, a->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, a->rule, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, a->version, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, a->issued);
	sqlite3_bind_int64(st, 5, a->expires);
	sqlite3_bind_int64(st, 6, a->status_idx);
	sqlite3_bind_text(st, 7, a->token, -1, SQLITE_STATIC);
	rc = conn_step_done(&ps->c, st);
	attest_object(object, a->id);
	attest_issue_detail(detail, a);
	if (rc == CMN_OK)
		rc = pstore_audit_in_tx(ps, actor, "attestation.issue", object, detail);
	return pstore_tx_end(ps, rc);
}

#define ATTEST_COLS "id, rule, version, issued, expires, status_idx, revoked, token"

static void row_of(sqlite3_stmt *st, struct attestation_row *a)
{
	conn_text_col(st, 0, a->id, sizeof(a->id));
	conn_text_col(st, 1, a->rule, sizeof(a->rule));
	conn_text_col(st, 2, a->version, sizeof(a->version));
	a->issued = sqlite3_column_int64(st, 3);
	a->expires = sqlite3_column_int64(st, 4);
	a->status_idx = sqlite3_column_int64(st, 5);
	a->revoked = sqlite3_column_int64(st, 6);
	a->token = (const char *)sqlite3_column_text(st, 7);
}

struct one {
	struct attestation_row *a;
	char **token;
	bool found;
};

static enum cmn_rc one_row(sqlite3_stmt *st, void *ctx)
{
	struct one *o = ctx;

	row_of(st, o->a);
	o->found = true;
	if (o->token && !(*o->token = strdup(o->a->token ? o->a->token : "")))
		return CMN_ERR_NOMEM;
	o->a->token = NULL;
	return CMN_OK;
}

static enum cmn_rc sq_attestation_get(struct pstore *ps, const char *id, struct attestation_row *a,
				      char **token)
{
	static const char q[] = "SELECT " ATTEST_COLS " FROM attestations WHERE id = ?";
	struct one o = {a, token, false};
	sqlite3_stmt *st = conn_stmt(&ps->c, q);
	enum cmn_rc rc;

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = conn_each(&ps->c, st, one_row, &o);
	return rc == CMN_OK && !o.found ? CMN_ERR_NOT_FOUND : rc;
}

struct each {
	enum cmn_rc (*fn)(const struct attestation_row *a, void *ctx);
	void *ctx;
};

static enum cmn_rc each_row(sqlite3_stmt *st, void *ctx)
{
	struct each *e = ctx;
	struct attestation_row a;

	row_of(st, &a);
	return e->fn(&a, e->ctx);
}

static enum cmn_rc
sq_attestation_each(struct pstore *ps,
		    enum cmn_rc (*fn)(const struct attestation_row *a, void *ctx), void *ctx)
{
	static const char q[] = "SELECT " ATTEST_COLS " FROM attestations ORDER BY issued DESC, id";
	struct each e = {fn, ctx};
	sqlite3_stmt *st = conn_stmt(&ps->c, q);

	return st ? conn_each(&ps->c, st, each_row, &e) : CMN_ERR_STORE;
}

static enum cmn_rc sq_attestation_revoke(struct pstore *ps, const char *id, const char *actor)
{
	static const char q[] = "UPDATE attestations SET revoked = ?2 WHERE id = ?1"
				" AND revoked IS NULL";
	char object[ATTEST_OBJECT_LEN];
	sqlite3_stmt *st;
	enum cmn_rc rc;

	if ((rc = pstore_tx_begin(ps)) != CMN_OK)
		return rc;
	if (!(st = conn_stmt(&ps->c, q)))
		return pstore_tx_end(ps, CMN_ERR_STORE);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, time_now_ms());
	rc = conn_step_done(&ps->c, st);
	if (rc == CMN_OK && sqlite3_changes(ps->c.db) == 0)
		rc = CMN_ERR_CONFLICT;
	attest_object(object, id);
	if (rc == CMN_OK)
		rc = pstore_audit_in_tx(ps, actor, "attestation.revoke", object, "");
	return pstore_tx_end(ps, rc);
}

/* ---- the status list -------------------------------------------------------------- */

static enum cmn_rc sq_status_alloc(struct store *s, const char *person_id,
				   const char *attestation_id, int64_t *idx)
{
	static const char q[] = "INSERT INTO status_entries(person_id, attestation_id, created)"
				" VALUES (?, ?, ?)";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;
	enum cmn_rc rc;

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, person_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, attestation_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, time_now_ms());
	rc = conn_step_done(c, st);
	if (rc == CMN_OK)
		*idx = sqlite3_last_insert_rowid(c->db);
	return rc;
}

static enum cmn_rc sq_status_revoke(struct store *s, int64_t idx)
{
	static const char q[] = "UPDATE status_entries SET revoked_at = ? WHERE idx = ?"
				" AND revoked_at IS NULL";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_int64(st, 1, time_now_ms());
	sqlite3_bind_int64(st, 2, idx);
	return conn_step_done(c, st);
}

static enum cmn_rc sq_status_revoke_person(struct store *s, const char *person_id)
{
	static const char q[] = "UPDATE status_entries SET revoked_at = CAST(?2 AS INTEGER)"
				" WHERE person_id = ?1 AND revoked_at IS NULL";
	struct conn *c = store_platform_conn(s);
	char now[24];

	snprintf(now, sizeof(now), "%lld", (long long)time_now_ms());
	return c ? conn_run(c, q, person_id, now, false) : CMN_ERR_STORE;
}

struct bits {
	unsigned char *v;
	size_t n;
};

static enum cmn_rc bit_row(sqlite3_stmt *st, void *ctx)
{
	struct bits *b = ctx;
	int64_t idx = sqlite3_column_int64(st, 0);

	if (idx >= 0 && (size_t)idx < b->n)
		b->v[idx] = 1;
	return CMN_OK;
}

static enum cmn_rc max_row(sqlite3_stmt *st, void *ctx)
{
	*(int64_t *)ctx = sqlite3_column_int64(st, 0);
	return CMN_OK;
}

static enum cmn_rc sq_status_bits(struct store *s, size_t min, unsigned char **out, size_t *n)
{
	static const char q_max[] = "SELECT coalesce(max(idx), 0) FROM status_entries";
	static const char q_rev[] = "SELECT idx FROM status_entries WHERE revoked_at IS NOT NULL";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q_max) : NULL;
	struct bits b = {0};
	int64_t max = 0;
	enum cmn_rc rc;

	if (!st)
		return CMN_ERR_STORE;
	if ((rc = conn_each(c, st, max_row, &max)) != CMN_OK)
		return rc;
	b.n = (size_t)max + 1 > min ? (size_t)max + 1 : min;
	if (!(b.v = calloc(b.n, 1)))
		return CMN_ERR_NOMEM;
	if (!(st = conn_stmt(c, q_rev)))
		rc = CMN_ERR_STORE;
	if (rc == CMN_OK)
		rc = conn_each(c, st, bit_row, &b);
	if (rc != CMN_OK) {
		free(b.v);
		return rc;
	}
	*out = b.v;
	*n = b.n;
	return CMN_OK;
}

const struct store_attest_ops store_sqlite_attest_ops = {
    .attestation_put = sq_attestation_put,
    .attestation_get = sq_attestation_get,
    .attestation_each = sq_attestation_each,
    .attestation_revoke = sq_attestation_revoke,
    .status_alloc = sq_status_alloc,
    .status_revoke = sq_status_revoke,
    .status_revoke_person = sq_status_revoke_person,
    .status_bits = sq_status_bits,
};
