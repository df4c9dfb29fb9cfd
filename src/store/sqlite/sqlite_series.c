/*
 * sqlite_series.c - time series in a person's SQLite store: one row per
 * series, one row per chunk of encoded points (WITHOUT ROWID, keyed by
 * series and start, so a range read is one index walk).
 */
#include "store/sqlite/sqlite_int.h"
#include "store/store_series_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "core/timeutil.h"

#define SERIES_COLS                                                                          \
	"id, doctype, source, key, unit, step, phase, span, tz, meta, points, t_first, t_last, " \
	"created, updated"

static enum cmn_rc series_row(sqlite3_stmt *st, struct series_def *d)
{
	const unsigned char *meta;

	memset(d, 0, sizeof(*d));
	conn_text_col(st, 0, d->id, sizeof(d->id));
	conn_text_col(st, 1, d->doctype, sizeof(d->doctype));
	conn_text_col(st, 2, d->source, sizeof(d->source));
	conn_text_col(st, 3, d->key, sizeof(d->key));
	conn_text_col(st, 4, d->unit, sizeof(d->unit));
	d->step = sqlite3_column_int64(st, 5);
	d->phase = sqlite3_column_int64(st, 6);
	d->span = sqlite3_column_int64(st, 7);
	conn_text_col(st, 8, d->tz, sizeof(d->tz));
	meta = sqlite3_column_text(st, 9);
	if (meta && !(d->meta = strdup((const char *)meta)))
		return CMN_ERR_NOMEM;
	d->points = sqlite3_column_int64(st, 10);
	d->t_first = sqlite3_column_type(st, 11) == SQLITE_NULL ? INT64_MIN
								: sqlite3_column_int64(st, 11);
	d->t_last = sqlite3_column_type(st, 12) == SQLITE_NULL ? INT64_MIN
							       : sqlite3_column_int64(st, 12);
	d->created = sqlite3_column_int64(st, 13);
	d->updated = sqlite3_column_int64(st, 14);
	return CMN_OK;
}

static enum cmn_rc sq_series_add(struct pstore *ps, struct series_def *def, const char *actor)
{
	static const char q[] = "INSERT INTO series(id, doctype, source, key, unit, step, phase,"
				" span, tz, meta, created, updated) VALUES"
				" (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	char object[80];
	sqlite3_stmt *st;
	enum cmn_rc rc;
	int sr;

	crypt_id_new(def->id);
	def->created = def->updated = time_now_ms();
	def->points = 0;
	def->t_first = def->t_last = INT64_MIN;
	if ((rc = pstore_tx_begin(ps)) != CMN_OK)
		return rc;
	if (!(st = conn_stmt(&ps->c, q)))
		return pstore_tx_end(ps, CMN_ERR_STORE);
	sqlite3_bind_text(st, 1, def->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, def->doctype, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, def->source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, def->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, def->unit, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, def->step);
	sqlite3_bind_int64(st, 7, def->phase);
	sqlite3_bind_int64(st, 8, def->span);
	sqlite3_bind_text(st, 9, def->tz, -1, SQLITE_STATIC);
	if (def->meta)
		sqlite3_bind_text(st, 10, def->meta, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 10);
	sqlite3_bind_int64(st, 11, def->created);
	sqlite3_bind_int64(st, 12, def->updated);
	sr = sqlite3_step(st);
	sqlite3_reset(st);
	rc = sr == SQLITE_DONE ? CMN_OK : conn_err(&ps->c, sr);
	snprintf(object, sizeof(object), "series/%s", def->id);
	if (rc == CMN_OK)
		rc = pstore_audit_in_tx(ps, actor, "series.create", object, "");
	return pstore_tx_end(ps, rc);
}

static enum cmn_rc series_one(struct pstore *ps, const char *sql, const char *a, const char *b,
			      const char *c, struct series_def *def)
{
	sqlite3_stmt *st = conn_stmt(&ps->c, sql);
	enum cmn_rc rc;
	int sr;

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	if (b)
		sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	if (c)
		sqlite3_bind_text(st, 3, c, -1, SQLITE_STATIC);
	sr = sqlite3_step(st);
	if (sr == SQLITE_ROW)
		rc = series_row(st, def);
	else
		rc = sr == SQLITE_DONE ? CMN_ERR_NOT_FOUND : conn_err(&ps->c, sr);
	sqlite3_reset(st);
	return rc;
}

static enum cmn_rc sq_series_get(struct pstore *ps, const char *id, struct series_def *def)
{
	static const char q[] = "SELECT " SERIES_COLS " FROM series WHERE id = ?";

	return series_one(ps, q, id, NULL, NULL, def);
}

static enum cmn_rc sq_series_find(struct pstore *ps, const char *doctype, const char *source,
			       const char *key, struct series_def *def)
{
	static const char q[] = "SELECT " SERIES_COLS " FROM series"
				" WHERE doctype = ? AND source = ? AND key = ?";

	return series_one(ps, q, doctype, source, key, def);
}

static enum cmn_rc sq_series_each(struct pstore *ps,
			       enum cmn_rc (*fn)(const struct series_def *d, void *ctx), void *ctx)
{
	static const char q[] = "SELECT " SERIES_COLS " FROM series ORDER BY doctype, key, source";
	sqlite3_stmt *st = conn_stmt(&ps->c, q);
	enum cmn_rc rc = CMN_OK;
	int sr = SQLITE_DONE;

	if (!st)
		return CMN_ERR_STORE;
	while (rc == CMN_OK && (sr = sqlite3_step(st)) == SQLITE_ROW) {
		struct series_def d;

		rc = series_row(st, &d);
		if (rc == CMN_OK)
			rc = fn(&d, ctx);
		series_def_release(&d);
	}
	if (rc == CMN_OK && sr != SQLITE_DONE)
		rc = conn_err(&ps->c, sr);
	sqlite3_reset(st);
	return rc;
}

static enum cmn_rc sq_series_delete(struct pstore *ps, const char *id, const char *actor)
{
	static const char q_chunks[] = "DELETE FROM chunks WHERE series_id = ?";
	static const char q[] = "DELETE FROM series WHERE id = ?";
	char object[80];
	sqlite3_stmt *st;
	enum cmn_rc rc;
	int sr;

	if ((rc = pstore_tx_begin(ps)) != CMN_OK)
		return rc;
	if (!(st = conn_stmt(&ps->c, q_chunks)))
		return pstore_tx_end(ps, CMN_ERR_STORE);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sr = sqlite3_step(st);
	sqlite3_reset(st);
	if (sr != SQLITE_DONE)
		return pstore_tx_end(ps, conn_err(&ps->c, sr));
	if (!(st = conn_stmt(&ps->c, q)))
		return pstore_tx_end(ps, CMN_ERR_STORE);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sr = sqlite3_step(st);
	sqlite3_reset(st);
	rc = sr == SQLITE_DONE ? CMN_OK : conn_err(&ps->c, sr);
	if (rc == CMN_OK && sqlite3_changes(ps->c.db) == 0)
		rc = CMN_ERR_NOT_FOUND;
	snprintf(object, sizeof(object), "series/%.40s", id);
	if (rc == CMN_OK)
		rc = pstore_audit_in_tx(ps, actor, "series.delete", object, "");
	return pstore_tx_end(ps, rc);
}

static enum cmn_rc sq_chunks_each(struct pstore *ps, const struct series_def *def, int64_t from,
			       int64_t to,
			       enum cmn_rc (*fn)(const struct chunk_ref *c, void *ctx), void *ctx)
{
	/* a chunk starting at s covers [s, s + span): it meets [from, to) when
	 * s < to and s + span > from */
	static const char q[] = "SELECT start, data, present, t_first, t_last FROM chunks"
				" WHERE series_id = ? AND start > ? AND start < ? ORDER BY start";
	sqlite3_stmt *st = conn_stmt(&ps->c, q);
	enum cmn_rc rc = CMN_OK;
	int sr = SQLITE_DONE;

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, def->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, chunks_from(from, def->span));
	sqlite3_bind_int64(st, 3, to);
	while (rc == CMN_OK && (sr = sqlite3_step(st)) == SQLITE_ROW) {
		struct chunk_ref c = {
			.start = sqlite3_column_int64(st, 0),
			.data = sqlite3_column_blob(st, 1),
			.len = (size_t)sqlite3_column_bytes(st, 1),
			.present = (uint32_t)sqlite3_column_int64(st, 2),
			.t_first = sqlite3_column_int64(st, 3),
			.t_last = sqlite3_column_int64(st, 4),
		};

		rc = fn(&c, ctx);
	}
	if (rc == CMN_OK && sr != SQLITE_DONE)
		rc = conn_err(&ps->c, sr);
	sqlite3_reset(st);
	return rc;
}

static enum cmn_rc sq_chunk_get(struct pstore *ps, const char *series_id, int64_t start,
			     uint8_t **data, size_t *len)
{
	static const char q[] = "SELECT data FROM chunks WHERE series_id = ? AND start = ?";
	sqlite3_stmt *st = conn_stmt(&ps->c, q);
	enum cmn_rc rc = CMN_OK;
	int sr;

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, series_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, start);
	sr = sqlite3_step(st);
	if (sr == SQLITE_ROW) {
		*len = (size_t)sqlite3_column_bytes(st, 0);
		*data = malloc(*len ? *len : 1);
		if (!*data)
			rc = CMN_ERR_NOMEM;
		else if (*len)
			memcpy(*data, sqlite3_column_blob(st, 0), *len);
	} else {
		rc = sr == SQLITE_DONE ? CMN_ERR_NOT_FOUND : conn_err(&ps->c, sr);
	}
	sqlite3_reset(st);
	return rc;
}

static enum cmn_rc sq_chunks_write(struct pstore *ps, const char *series_id,
				const struct chunk_ref *chunks, size_t n, const char *actor,
				const char *action, const char *detail)
{
	static const char q_put[] = "INSERT OR REPLACE INTO chunks(series_id, start, t_first,"
				    " t_last, present, data) VALUES (?, ?, ?, ?, ?, ?)";
	static const char q_del[] = "DELETE FROM chunks WHERE series_id = ? AND start = ?";
	static const char q_totals[] =
		"UPDATE series SET updated = ?2, points = (SELECT coalesce(sum(present), 0)"
		" FROM chunks WHERE series_id = ?1), t_first = (SELECT min(t_first) FROM chunks"
		" WHERE series_id = ?1 AND present > 0), t_last = (SELECT max(t_last) FROM chunks"
		" WHERE series_id = ?1 AND present > 0) WHERE id = ?1";
	char object[80];
	sqlite3_stmt *st;
	enum cmn_rc rc;
	int sr;

	if ((rc = pstore_tx_begin(ps)) != CMN_OK)
		return rc;
	for (size_t i = 0; i < n && rc == CMN_OK; i++) {
		const struct chunk_ref *c = &chunks[i];
		bool del = !c->data || c->present == 0;

		if (!(st = conn_stmt(&ps->c, del ? q_del : q_put))) {
			rc = CMN_ERR_STORE;
			break;
		}
		sqlite3_bind_text(st, 1, series_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, c->start);
		if (!del) {
			sqlite3_bind_int64(st, 3, c->t_first);
			sqlite3_bind_int64(st, 4, c->t_last);
			sqlite3_bind_int64(st, 5, c->present);
			sqlite3_bind_blob(st, 6, c->data, (int)c->len, SQLITE_STATIC);
		}
		sr = sqlite3_step(st);
		sqlite3_reset(st);
		if (sr != SQLITE_DONE)
			rc = conn_err(&ps->c, sr);
	}
	if (rc == CMN_OK && (st = conn_stmt(&ps->c, q_totals))) {
		sqlite3_bind_text(st, 1, series_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, time_now_ms());
		sr = sqlite3_step(st);
		sqlite3_reset(st);
		if (sr != SQLITE_DONE)
			rc = conn_err(&ps->c, sr);
	}
	snprintf(object, sizeof(object), "series/%.40s", series_id);
	if (rc == CMN_OK)
		rc = pstore_audit_in_tx(ps, actor, action, object, detail ? detail : "");
	return pstore_tx_end(ps, rc);
}

const struct store_series_ops store_sqlite_series_ops = {
    .series_add = sq_series_add,
    .series_get = sq_series_get,
    .series_find = sq_series_find,
    .series_each = sq_series_each,
    .series_delete = sq_series_delete,
    .chunks_each = sq_chunks_each,
    .chunk_get = sq_chunk_get,
    .chunks_write = sq_chunks_write,
};
