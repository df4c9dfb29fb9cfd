/*
 * sqlite_opendata.c - the territory's open datasets in the platform store
 * (store_opendata.h): one row per version, the districts table filled in
 * the same transaction as a districts dataset.
 */
#include "store/sqlite/sqlite_int.h"
#include "store/store_opendata_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/str.h"

#define COLUMNS "id, name, kind, version, source, licence, loaded, sha256, bytes"

/* read_row - the columns of COLUMNS (and content at 9 when with) */
static enum cmn_rc read_row(sqlite3_stmt *st, bool with, struct opendata_version *v)
{
	memset(v, 0, sizeof(*v));
	v->id = sqlite3_column_int64(st, 0);
	conn_text_col(st, 1, v->name, sizeof(v->name));
	conn_text_col(st, 2, v->kind, sizeof(v->kind));
	v->version = sqlite3_column_int64(st, 3);
	conn_text_col(st, 4, v->source, sizeof(v->source));
	conn_text_col(st, 5, v->licence, sizeof(v->licence));
	v->loaded = sqlite3_column_int64(st, 6);
	conn_text_col(st, 7, v->sha256, sizeof(v->sha256));
	v->bytes = sqlite3_column_int64(st, 8);
	if (with) {
		const char *t = (const char *)sqlite3_column_text(st, 9);

		if (!t)
			return CMN_ERR_CORRUPT;
		if (!(v->content = strdup(t)))
			return CMN_ERR_NOMEM;
	}
	return CMN_OK;
}

/* next_version - the number the next version of name takes; CONFLICT
 * when the name is of another kind */
static enum cmn_rc next_version(struct conn *c, const struct opendata_version *v, int64_t *next)
{
	static const char q[] = "SELECT kind, max(version) FROM opendata WHERE name = ?"
				" GROUP BY kind";
	sqlite3_stmt *st = conn_stmt(c, q);
	enum cmn_rc rc = CMN_OK;
	int sr;

	*next = 1;
	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, v->name, -1, SQLITE_STATIC);
	while ((sr = sqlite3_step(st)) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(st, 0);

		if (!kind || strcmp(kind, v->kind) != 0)
			rc = CMN_ERR_CONFLICT;
		else
			*next = sqlite3_column_int64(st, 1) + 1;
	}
	if (sr != SQLITE_DONE)
		rc = conn_err(c, sr);
	sqlite3_reset(st);
	return rc;
}

static enum cmn_rc replace_districts(struct conn *c, const struct store_district *d, size_t n)
{
	static const char q_add[] = "INSERT INTO districts(code, name) VALUES (?, ?)";
	enum cmn_rc rc = conn_exec(c, "DELETE FROM districts");

	for (size_t i = 0; rc == CMN_OK && i < n; i++) {
		sqlite3_stmt *st = conn_stmt(c, q_add);

		if (!st)
			return CMN_ERR_STORE;
		sqlite3_bind_text(st, 1, d[i].code, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, d[i].name, -1, SQLITE_STATIC);
		rc = conn_step_done(c, st);
		if (rc == CMN_ERR_EXISTS)
			rc = CMN_ERR_INVALID; /* a code twice */
	}
	return rc;
}

static enum cmn_rc sq_store_opendata_add(struct store *s, struct opendata_version *v,
					 const struct store_district *districts, size_t n)
{
	static const char q_add[] = "INSERT INTO opendata(name, kind, version, source, licence,"
				    " loaded, sha256, bytes, content)"
				    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st;
	int64_t next = 0;
	enum cmn_rc rc;

	if (!c || !v->content)
		return !c ? CMN_ERR_STORE : CMN_ERR_INVALID;
	if (districts && n > STORE_DISTRICTS_MAX)
		return CMN_ERR_TOO_LARGE;
	if ((rc = conn_tx_begin(c)) != CMN_OK)
		return rc;
	rc = next_version(c, v, &next);
	if (rc == CMN_OK && !(st = conn_stmt(c, q_add)))
		rc = CMN_ERR_STORE;
	if (rc == CMN_OK) {
		sqlite3_bind_text(st, 1, v->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, v->kind, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, next);
		sqlite3_bind_text(st, 4, v->source, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, v->licence, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 6, v->loaded);
		sqlite3_bind_text(st, 7, v->sha256, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 8, v->bytes);
		sqlite3_bind_text(st, 9, v->content, -1, SQLITE_STATIC);
		rc = conn_step_done(c, st);
	}
	if (rc == CMN_OK) {
		v->version = next;
		v->id = sqlite3_last_insert_rowid(c->db);
	}
	if (rc == CMN_OK && districts)
		rc = replace_districts(c, districts, n);
	return conn_tx_end(c, rc);
}

/* one_row - steps st, bound by the caller, for at most one row */
static enum cmn_rc one_row(struct conn *c, sqlite3_stmt *st, bool with,
			   struct opendata_version *out)
{
	int sr = sqlite3_step(st);
	enum cmn_rc rc;

	if (sr == SQLITE_ROW)
		rc = read_row(st, with, out);
	else
		rc = sr == SQLITE_DONE ? CMN_ERR_NOT_FOUND : conn_err(c, sr);
	if (rc != CMN_OK)
		opendata_version_release(out);
	sqlite3_reset(st);
	return rc;
}

static enum cmn_rc sq_store_opendata_get(struct store *s, const char *name, int64_t version,
					 struct opendata_version *out)
{
	static const char q_one[] = "SELECT " COLUMNS ", content FROM opendata"
				    " WHERE name = ? AND version = ?";
	static const char q_last[] = "SELECT " COLUMNS ", content FROM opendata"
				     " WHERE name = ? ORDER BY version DESC LIMIT 1";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, version > 0 ? q_one : q_last) : NULL;

	memset(out, 0, sizeof(*out));
	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (version > 0)
		sqlite3_bind_int64(st, 2, version);
	return one_row(c, st, true, out);
}

static enum cmn_rc sq_store_opendata_latest_kind(struct store *s, const char *kind, bool content,
						 struct opendata_version *out)
{
	static const char q_with[] = "SELECT " COLUMNS ", content FROM opendata WHERE kind = ?"
				     " ORDER BY id DESC LIMIT 1";
	static const char q_without[] = "SELECT " COLUMNS " FROM opendata WHERE kind = ?"
					" ORDER BY id DESC LIMIT 1";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, content ? q_with : q_without) : NULL;

	memset(out, 0, sizeof(*out));
	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	return one_row(c, st, content, out);
}

/* each_row - calls fn on every row of the bound st */
static enum cmn_rc each_row(struct conn *c, sqlite3_stmt *st,
			    enum cmn_rc (*fn)(const struct opendata_version *v, void *ctx),
			    void *ctx, size_t *count)
{
	enum cmn_rc rc = CMN_OK;
	int sr = SQLITE_DONE;

	*count = 0;
	while (rc == CMN_OK && (sr = sqlite3_step(st)) == SQLITE_ROW) {
		struct opendata_version v;

		if ((rc = read_row(st, false, &v)) == CMN_OK)
			rc = fn(&v, ctx);
		(*count)++;
	}
	if (rc == CMN_OK && sr != SQLITE_DONE && sr != SQLITE_ROW)
		rc = conn_err(c, sr);
	sqlite3_reset(st);
	return rc;
}

static enum cmn_rc
sq_store_opendata_each(struct store *s,
		       enum cmn_rc (*fn)(const struct opendata_version *v, void *ctx), void *ctx)
{
	static const char q[] = "SELECT " COLUMNS " FROM opendata o WHERE version ="
				" (SELECT max(version) FROM opendata WHERE name = o.name)"
				" ORDER BY name";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;
	size_t n;

	if (!st)
		return CMN_ERR_STORE;
	return each_row(c, st, fn, ctx, &n);
}

static enum cmn_rc sq_store_opendata_versions(struct store *s, const char *name,
					      enum cmn_rc (*fn)(const struct opendata_version *v,
								void *ctx),
					      void *ctx)
{
	static const char q[] = "SELECT " COLUMNS " FROM opendata WHERE name = ?"
				" ORDER BY version";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;
	size_t n = 0;
	enum cmn_rc rc;

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = each_row(c, st, fn, ctx, &n);
	return rc == CMN_OK && n == 0 ? CMN_ERR_NOT_FOUND : rc;
}

const struct store_opendata_ops store_sqlite_opendata_ops = {
    .add = sq_store_opendata_add,
    .get = sq_store_opendata_get,
    .latest_kind = sq_store_opendata_latest_kind,
    .each = sq_store_opendata_each,
    .versions = sq_store_opendata_versions,
};
