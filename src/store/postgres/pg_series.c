/*
 * pg_series.c - the time series of a person's store on PostgreSQL
 * (store.h): one row per series, one per chunk of encoded points kept as
 * the same opaque bytes as SQLite's (bytea, read in binary: no hex to
 * decode on the read path), with the meaning, orders and result codes of
 * sqlite_series.c, gathered in store_pg_series_ops (store_series.c calls
 * them). Its tables are the "series" schema, after the person's
 * (pg_platform.c lists it), partitioned by person_id.
 */
#include "store/postgres/pg_int.h"
#include "store/store_series_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "core/timeutil.h"

static const char *const series_migrations[] = {
    /* 1: series and their chunks (SQLite's person migration 3); a
     * chunk's key begins with its series', which its deletion cascades
     * to */
    "CREATE TABLE series (" PG_PERSON_ID_COL ", id text COLLATE \"C\" NOT NULL,"
    "  doctype text COLLATE \"C\" NOT NULL, source text COLLATE \"C\" NOT NULL,"
    "  key text COLLATE \"C\" NOT NULL, unit text NOT NULL, step bigint NOT NULL,"
    "  phase bigint NOT NULL, span bigint NOT NULL, tz text NOT NULL, meta text,"
    "  points bigint NOT NULL DEFAULT 0, t_first bigint, t_last bigint,"
    "  created bigint NOT NULL, updated bigint NOT NULL, PRIMARY KEY (person_id, id),"
    "  UNIQUE (person_id, doctype, source, key)) PARTITION BY RANGE (person_id);"
    "SELECT commune_partition('series');"
    "CREATE TABLE chunks (" PG_PERSON_ID_COL ", series_id text COLLATE \"C\" NOT NULL,"
    "  start bigint NOT NULL, t_first bigint NOT NULL, t_last bigint NOT NULL,"
    "  present bigint NOT NULL, data bytea NOT NULL,"
    "  PRIMARY KEY (person_id, series_id, start),"
    "  FOREIGN KEY (person_id, series_id) REFERENCES series(person_id, id)"
    "  ON DELETE CASCADE) PARTITION BY RANGE (person_id);"
    "SELECT commune_partition('chunks');",
};

const struct pg_schema pg_series_schema = {
    "series", series_migrations, (int)(sizeof(series_migrations) / sizeof(*series_migrations))};

#define SERIES_COLS                                                                                \
	"id, doctype, source, key, unit, step, phase, span, tz, meta, points, t_first, t_last, "   \
	"created, updated"

/* series_row - row i of a result of SERIES_COLS (text format) into d */
static enum cmn_rc series_row(const PGresult *r, int i, struct series_def *d)
{
	memset(d, 0, sizeof(*d));
	pg_text(r, i, 0, d->id, sizeof(d->id));
	pg_text(r, i, 1, d->doctype, sizeof(d->doctype));
	pg_text(r, i, 2, d->source, sizeof(d->source));
	pg_text(r, i, 3, d->key, sizeof(d->key));
	pg_text(r, i, 4, d->unit, sizeof(d->unit));
	d->step = pg_i64(r, i, 5);
	d->phase = pg_i64(r, i, 6);
	d->span = pg_i64(r, i, 7);
	pg_text(r, i, 8, d->tz, sizeof(d->tz));
	if (!PQgetisnull(r, i, 9) && !(d->meta = strdup(PQgetvalue(r, i, 9))))
		return CMN_ERR_NOMEM;
	d->points = pg_i64(r, i, 10);
	d->t_first = PQgetisnull(r, i, 11) ? INT64_MIN : pg_i64(r, i, 11);
	d->t_last = PQgetisnull(r, i, 12) ? INT64_MIN : pg_i64(r, i, 12);
	d->created = pg_i64(r, i, 13);
	d->updated = pg_i64(r, i, 14);
	return CMN_OK;
}

static enum cmn_rc pg_series_add(struct pstore *p, struct series_def *def, const char *actor)
{
	/* the id is new: a conflict can only be (doctype, source, key) */
	static const char q[] = "INSERT INTO series(person_id, id, doctype, source, key, unit,"
				" step, phase, span, tz, meta, created, updated) VALUES"
				" ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)"
				" ON CONFLICT DO NOTHING";
	struct pg_pstore *ps = pg_ps(p);
	char object[80], nstep[24], nphase[24], nspan[24], nat[24];
	struct pg_conn *c;
	enum cmn_rc rc;

	crypt_id_new(def->id);
	def->created = def->updated = time_now_ms();
	def->points = 0;
	def->t_first = def->t_last = INT64_MIN;
	if ((rc = pg_ptx_begin(ps, &c)) != CMN_OK)
		return rc;
	{
		struct pg_param prm[] = {PG_TEXT(ps->person_id),
					 PG_TEXT(def->id),
					 PG_TEXT(def->doctype),
					 PG_TEXT(def->source),
					 PG_TEXT(def->key),
					 PG_TEXT(def->unit),
					 PG_TEXT(pg_num(nstep, def->step)),
					 PG_TEXT(pg_num(nphase, def->phase)),
					 PG_TEXT(pg_num(nspan, def->span)),
					 PG_TEXT(def->tz),
					 PG_TEXT(def->meta),
					 PG_TEXT(pg_num(nat, def->created))};

		rc = pg_change(c, q, 12, prm, true);
	}
	if (rc == CMN_ERR_NOT_FOUND) {
		store_set_last_error("a series of this doctype, source and key exists");
		rc = CMN_ERR_EXISTS;
	}
	snprintf(object, sizeof(object), "series/%s", def->id);
	if (rc == CMN_OK)
		rc = pg_audit_in_tx(ps, actor, "series.create", object, "");
	return pg_ptx_end(ps, rc);
}

/* series_one - the series of query q (person, a[, b, c]) into def */
static enum cmn_rc series_one(struct pg_pstore *ps, const char *q, int n, const char *a,
			      const char *b, const char *c, struct series_def *def)
{
	struct pg_param prm[] = {PG_TEXT(ps->person_id), PG_TEXT(a), PG_TEXT(b), PG_TEXT(c)};
	PGresult *r;
	enum cmn_rc rc = pg_pquery_one(ps, q, n, prm, &r);

	if (rc != CMN_OK)
		return rc;
	rc = series_row(r, 0, def);
	PQclear(r);
	if (rc != CMN_OK)
		series_def_release(def);
	return rc;
}

static enum cmn_rc pg_series_get(struct pstore *p, const char *id, struct series_def *def)
{
	static const char q[] = "SELECT " SERIES_COLS " FROM series"
				" WHERE person_id = $1 AND id = $2";

	return series_one(pg_ps(p), q, 2, id, NULL, NULL, def);
}

static enum cmn_rc pg_series_find(struct pstore *p, const char *doctype, const char *source,
				  const char *key, struct series_def *def)
{
	static const char q[] = "SELECT " SERIES_COLS " FROM series WHERE person_id = $1"
				" AND doctype = $2 AND source = $3 AND key = $4";

	return series_one(pg_ps(p), q, 4, doctype, source, key, def);
}

static enum cmn_rc pg_series_each(struct pstore *p,
				  enum cmn_rc (*fn)(const struct series_def *d, void *ctx),
				  void *ctx)
{
	static const char q[] = "SELECT " SERIES_COLS " FROM series WHERE person_id = $1"
				" ORDER BY doctype, key, source";
	struct pg_pstore *ps = pg_ps(p);
	struct pg_param prm[] = {PG_TEXT(ps->person_id)};
	PGresult *r;
	enum cmn_rc rc = pg_pquery(ps, q, 1, prm, &r);

	for (int i = 0; rc == CMN_OK && i < PQntuples(r); i++) {
		struct series_def d;

		rc = series_row(r, i, &d);
		if (rc == CMN_OK)
			rc = fn(&d, ctx);
		series_def_release(&d);
	}
	PQclear(r);
	return rc;
}

static enum cmn_rc pg_series_delete(struct pstore *p, const char *id, const char *actor)
{
	/* its chunks go with it (the foreign key cascades) */
	static const char q[] = "DELETE FROM series WHERE person_id = $1 AND id = $2";
	struct pg_pstore *ps = pg_ps(p);
	struct pg_param prm[] = {PG_TEXT(ps->person_id), PG_TEXT(id)};
	char object[80];
	struct pg_conn *c;
	enum cmn_rc rc;

	if ((rc = pg_ptx_begin(ps, &c)) != CMN_OK)
		return rc;
	rc = pg_change(c, q, 2, prm, true);
	snprintf(object, sizeof(object), "series/%.40s", id);
	if (rc == CMN_OK)
		rc = pg_audit_in_tx(ps, actor, "series.delete", object, "");
	return pg_ptx_end(ps, rc);
}

static enum cmn_rc pg_chunks_each(struct pstore *p, const struct series_def *def, int64_t from,
				  int64_t to,
				  enum cmn_rc (*fn)(const struct chunk_ref *c, void *ctx),
				  void *ctx)
{
	/* SQLite's selection (chunks_from); the chunks of the range in one
	 * result, one snapshot, as SQLite's single statement reads them */
	static const char q[] = "SELECT start, data, present, t_first, t_last FROM chunks"
				" WHERE person_id = $1 AND series_id = $2 AND start > $3"
				" AND start < $4 ORDER BY start";
	struct pg_pstore *ps = pg_ps(p);
	char nfrom[24], nto[24];
	struct pg_param prm[] = {PG_TEXT(ps->person_id), PG_TEXT(def->id),
				 PG_TEXT(pg_num(nfrom, chunks_from(from, def->span))),
				 PG_TEXT(pg_num(nto, to))};
	struct pg_conn *c = pg_pconn(ps);
	PGresult *r;
	enum cmn_rc rc;

	if (!c)
		return CMN_ERR_STORE;
	if ((rc = pg_run_binary(c, q, 4, prm, &r)) != CMN_OK)
		return rc;
	for (int i = 0; rc == CMN_OK && i < PQntuples(r); i++) {
		struct chunk_ref ch = {
		    .start = pg_bin_i64(r, i, 0),
		    .data = (const uint8_t *)PQgetvalue(r, i, 1),
		    .len = (size_t)PQgetlength(r, i, 1),
		    .present = (uint32_t)pg_bin_i64(r, i, 2),
		    .t_first = pg_bin_i64(r, i, 3),
		    .t_last = pg_bin_i64(r, i, 4),
		};

		rc = fn(&ch, ctx);
	}
	PQclear(r);
	return rc;
}

static enum cmn_rc pg_chunk_get(struct pstore *p, const char *series_id, int64_t start,
				uint8_t **data, size_t *len)
{
	static const char q[] = "SELECT data FROM chunks"
				" WHERE person_id = $1 AND series_id = $2 AND start = $3";
	struct pg_pstore *ps = pg_ps(p);
	char nstart[24];
	struct pg_param prm[] = {PG_TEXT(ps->person_id), PG_TEXT(series_id),
				 PG_TEXT(pg_num(nstart, start))};
	struct pg_conn *c = pg_pconn(ps);
	PGresult *r;
	enum cmn_rc rc;

	if (!c)
		return CMN_ERR_STORE;
	if ((rc = pg_run_binary(c, q, 3, prm, &r)) != CMN_OK)
		return rc;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return CMN_ERR_NOT_FOUND;
	}
	*len = (size_t)PQgetlength(r, 0, 0);
	if (!(*data = malloc(*len ? *len : 1)))
		rc = CMN_ERR_NOMEM;
	else if (*len)
		memcpy(*data, PQgetvalue(r, 0, 0), *len);
	PQclear(r);
	return rc;
}

/* chunk_put - replaces (or deletes: no data, no point) one chunk */
static enum cmn_rc chunk_put(struct pg_pstore *ps, struct pg_conn *c, const char *series_id,
			     const struct chunk_ref *ch)
{
	static const char q_put[] =
	    "INSERT INTO chunks(person_id, series_id, start, t_first, t_last, present, data)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (person_id, series_id, start)"
	    " DO UPDATE SET t_first = EXCLUDED.t_first, t_last = EXCLUDED.t_last,"
	    " present = EXCLUDED.present, data = EXCLUDED.data";
	static const char q_del[] = "DELETE FROM chunks"
				    " WHERE person_id = $1 AND series_id = $2 AND start = $3";
	char nstart[24], nfirst[24], nlast[24], npresent[24];
	struct pg_param prm[] = {
	    PG_TEXT(ps->person_id),
	    PG_TEXT(series_id),
	    PG_TEXT(pg_num(nstart, ch->start)),
	    PG_TEXT(pg_num(nfirst, ch->t_first)),
	    PG_TEXT(pg_num(nlast, ch->t_last)),
	    PG_TEXT(pg_num(npresent, ch->present)),
	    PG_BYTES(ch->data ? (const void *)ch->data : "", ch->len),
	};

	if (!ch->data || ch->present == 0)
		return pg_change(c, q_del, 3, prm, false);
	if (ch->len > INT32_MAX)
		return CMN_ERR_TOO_LARGE; /* a bytea parameter's length is an int */
	return pg_change(c, q_put, 7, prm, false);
}

/* series_there - CMN_OK when the series exists; else what SQLite's foreign
 * key gives when a chunk names a missing series (CMN_ERR_EXISTS), found
 * before any write: PostgreSQL would abort the caller's transaction at a
 * failed statement */
static enum cmn_rc series_there(struct pg_pstore *ps, struct pg_conn *c, const char *id)
{
	static const char q[] = "SELECT 1 FROM series WHERE person_id = $1 AND id = $2";
	struct pg_param prm[] = {PG_TEXT(ps->person_id), PG_TEXT(id)};
	PGresult *r;
	enum cmn_rc rc = pg_one(c, q, 2, prm, &r);

	PQclear(r);
	if (rc == CMN_ERR_NOT_FOUND) {
		store_set_last_error("FOREIGN KEY constraint failed");
		rc = CMN_ERR_EXISTS;
	}
	return rc;
}

static enum cmn_rc pg_chunks_write(struct pstore *p, const char *series_id,
				   const struct chunk_ref *chunks, size_t n, const char *actor,
				   const char *action, const char *detail)
{
	static const char q_totals[] =
	    "UPDATE series SET updated = $3, points = (SELECT coalesce(sum(present), 0)"
	    " FROM chunks WHERE person_id = $1 AND series_id = $2), t_first = (SELECT"
	    " min(t_first) FROM chunks WHERE person_id = $1 AND series_id = $2 AND present > 0),"
	    " t_last = (SELECT max(t_last) FROM chunks WHERE person_id = $1 AND series_id = $2"
	    " AND present > 0) WHERE person_id = $1 AND id = $2";
	struct pg_pstore *ps = pg_ps(p);
	char object[80], now[24];
	bool puts = false;
	struct pg_conn *c;
	enum cmn_rc rc;

	if ((rc = pg_ptx_begin(ps, &c)) != CMN_OK)
		return rc;
	/* on SQLite only a chunk written (not one deleted) meets the key */
	for (size_t i = 0; i < n; i++)
		puts = puts || (chunks[i].data && chunks[i].present > 0);
	if (puts)
		rc = series_there(ps, c, series_id);
	for (size_t i = 0; i < n && rc == CMN_OK; i++)
		rc = chunk_put(ps, c, series_id, &chunks[i]);
	if (rc == CMN_OK) {
		struct pg_param prm[] = {PG_TEXT(ps->person_id), PG_TEXT(series_id),
					 PG_TEXT(pg_num(now, time_now_ms()))};

		rc = pg_change(c, q_totals, 3, prm, false);
	}
	snprintf(object, sizeof(object), "series/%.40s", series_id);
	if (rc == CMN_OK)
		rc = pg_audit_in_tx(ps, actor, action, object, detail ? detail : "");
	return pg_ptx_end(ps, rc);
}

const struct store_series_ops store_pg_series_ops = {
    .series_add = pg_series_add,
    .series_get = pg_series_get,
    .series_find = pg_series_find,
    .series_each = pg_series_each,
    .series_delete = pg_series_delete,
    .chunks_each = pg_chunks_each,
    .chunk_get = pg_chunk_get,
    .chunks_write = pg_chunks_write,
};
