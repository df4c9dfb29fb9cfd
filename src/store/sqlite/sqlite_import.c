/*
 * sqlite_import.c - the imports of a person's store: which file, in which
 * format, with what result (the provenance that records and series name).
 */
#include "store/sqlite/sqlite_int.h"
#include "store/store_import_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"

static enum cmn_rc sq_import_put(struct pstore *ps, const char *id, const char *format,
			      const char *name, const char *sha256, const char *status,
			      const char *stats, const char *actor)
{
	static const char q[] = "INSERT INTO imports(id, format, name, sha256, status, stats, created,"
				" actor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(id) DO"
				" UPDATE SET status = ?5, stats = ?6";
	sqlite3_stmt *st = conn_stmt(&ps->c, q);
	int sr;

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, format, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, sha256, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, status, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, stats, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, time_now_ms());
	sqlite3_bind_text(st, 8, actor ? actor : "", -1, SQLITE_STATIC);
	sr = sqlite3_step(st);
	sqlite3_reset(st);
	return sr == SQLITE_DONE ? CMN_OK : conn_err(&ps->c, sr);
}

static char *import_row(sqlite3_stmt *st)
{
	struct import_cols c = {
	    .id = (const char *)sqlite3_column_text(st, 0),
	    .format = (const char *)sqlite3_column_text(st, 1),
	    .name = (const char *)sqlite3_column_text(st, 2),
	    .sha256 = (const char *)sqlite3_column_text(st, 3),
	    .status = (const char *)sqlite3_column_text(st, 4),
	    .stats = (const char *)sqlite3_column_text(st, 5),
	    .created = sqlite3_column_int64(st, 6),
	    .actor = (const char *)sqlite3_column_text(st, 7),
	};

	return import_json(&c);
}

#define IMPORT_COLS "id, format, name, sha256, status, stats, created, actor"

static enum cmn_rc sq_import_get(struct pstore *ps, const char *id, const char *actor,
				 char **json)
{
	static const char q[] = "SELECT " IMPORT_COLS " FROM imports WHERE id = ?1"
				" AND (?2 IS NULL OR actor = ?2)";
	sqlite3_stmt *st = conn_stmt(&ps->c, q);
	enum cmn_rc rc = CMN_OK;
	int sr;

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (actor)
		sqlite3_bind_text(st, 2, actor, -1, SQLITE_STATIC);
	sr = sqlite3_step(st);
	if (sr == SQLITE_ROW) {
		*json = import_row(st);
		if (!*json)
			rc = CMN_ERR_NOMEM;
	} else {
		rc = sr == SQLITE_DONE ? CMN_ERR_NOT_FOUND : conn_err(&ps->c, sr);
	}
	sqlite3_reset(st);
	return rc;
}

static enum cmn_rc sq_import_each(struct pstore *ps, const char *actor,
				  enum cmn_rc (*fn)(const char *json, void *ctx), void *ctx)
{
	static const char q[] = "SELECT " IMPORT_COLS " FROM imports WHERE ?1 IS NULL OR actor = ?1"
				" ORDER BY created DESC, rowid DESC";
	sqlite3_stmt *st = conn_stmt(&ps->c, q);
	enum cmn_rc rc = CMN_OK;
	int sr = SQLITE_DONE;

	if (!st)
		return CMN_ERR_STORE;
	if (actor)
		sqlite3_bind_text(st, 1, actor, -1, SQLITE_STATIC);
	while (rc == CMN_OK && (sr = sqlite3_step(st)) == SQLITE_ROW) {
		char *text = import_row(st);

		rc = text ? fn(text, ctx) : CMN_ERR_NOMEM;
		free(text);
	}
	if (rc == CMN_OK && sr != SQLITE_DONE)
		rc = conn_err(&ps->c, sr);
	sqlite3_reset(st);
	return rc;
}

const struct store_import_ops store_sqlite_import_ops = {
    .put = sq_import_put,
    .get = sq_import_get,
    .each = sq_import_each,
};
