/*
 * pg_opendata.c - the territory's open datasets in PostgreSQL
 * (store_opendata.h): one row per version, the districts table filled in
 * the same transaction as a districts dataset.
 */
#include "store/postgres/pg_int.h"
#include "store/store_opendata_int.h"

#include <stdlib.h>
#include <string.h>

static const char *const opendata_migrations[] = {
    /* 1: the versions of the datasets; the campaigns' districts, which a
     * districts dataset fills (store_campaign.h reads them) */
    "CREATE TABLE opendata (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  name text NOT NULL, kind text NOT NULL, version bigint NOT NULL,"
    "  source text NOT NULL, licence text NOT NULL, loaded bigint NOT NULL,"
    "  sha256 text NOT NULL, bytes bigint NOT NULL, content text NOT NULL,"
    "  UNIQUE (name, version));"
    "CREATE INDEX opendata_by_kind ON opendata(kind, id);"
    "CREATE TABLE IF NOT EXISTS districts (code text PRIMARY KEY, name text NOT NULL);",
};

const struct pg_schema pg_opendata_schema = {
    "opendata", opendata_migrations,
    (int)(sizeof(opendata_migrations) / sizeof(opendata_migrations[0]))};

#define COLUMNS "id, name, kind, version, source, licence, loaded, sha256, bytes"

/* read_row - the columns of COLUMNS of row (and content at 9 when with) */
static enum cmn_rc read_row(const PGresult *r, int row, bool with, struct opendata_version *v)
{
	memset(v, 0, sizeof(*v));
	v->id = pg_i64(r, row, 0);
	pg_text(r, row, 1, v->name, sizeof(v->name));
	pg_text(r, row, 2, v->kind, sizeof(v->kind));
	v->version = pg_i64(r, row, 3);
	pg_text(r, row, 4, v->source, sizeof(v->source));
	pg_text(r, row, 5, v->licence, sizeof(v->licence));
	v->loaded = pg_i64(r, row, 6);
	pg_text(r, row, 7, v->sha256, sizeof(v->sha256));
	v->bytes = pg_i64(r, row, 8);
	if (with) {
		if (PQgetisnull(r, row, 9))
			return CMN_ERR_CORRUPT;
		if (!(v->content = strdup(PQgetvalue(r, row, 9))))
			return CMN_ERR_NOMEM;
	}
	return CMN_OK;
}

/* next_version - the number the next version of v's name takes, the name
 * locked until the transaction ends (two loads at once number in turn);
 * CMN_ERR_CONFLICT when the name is of another kind */
static enum cmn_rc next_version(struct pg_conn *c, const struct opendata_version *v, int64_t *next)
{
	static const char q_lock[] = "SELECT pg_advisory_xact_lock(7270525, hashtext($1))";
	static const char q[] = "SELECT kind, max(version) FROM opendata WHERE name = $1"
				" GROUP BY kind";
	struct pg_param p[] = {PG_TEXT(v->name)};
	PGresult *r;
	enum cmn_rc rc = pg_run(c, q_lock, 1, p, NULL);

	*next = 1;
	if (rc == CMN_OK)
		rc = pg_run(c, q, 1, p, &r);
	if (rc != CMN_OK)
		return rc;
	for (int i = 0; i < PQntuples(r); i++) {
		if (strcmp(PQgetvalue(r, i, 0), v->kind) != 0)
			rc = CMN_ERR_CONFLICT;
		else
			*next = pg_i64(r, i, 1) + 1;
	}
	PQclear(r);
	return rc;
}

static enum cmn_rc replace_districts(struct pg_conn *c, const struct store_district *d, size_t n)
{
	static const char q_none[] = "DELETE FROM districts";
	static const char q_add[] = "INSERT INTO districts(code, name) VALUES ($1, $2)";
	enum cmn_rc rc = pg_change(c, q_none, 0, NULL, false);

	for (size_t i = 0; rc == CMN_OK && i < n; i++) {
		struct pg_param p[] = {PG_TEXT(d[i].code), PG_TEXT(d[i].name)};

		rc = pg_change(c, q_add, 2, p, false);
		if (rc == CMN_ERR_EXISTS)
			rc = CMN_ERR_INVALID; /* a code twice */
	}
	return rc;
}

static enum cmn_rc pg_opendata_add(struct store *s, struct opendata_version *v,
				   const struct store_district *districts, size_t n)
{
	static const char q_add[] = "INSERT INTO opendata(name, kind, version, source, licence,"
				    " loaded, sha256, bytes, content)"
				    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id";
	struct pg_conn *c = pg_conn_of(s);
	int64_t next = 0;
	PGresult *r;
	enum cmn_rc rc;

	if (!c || !v->content)
		return !c ? CMN_ERR_STORE : CMN_ERR_INVALID;
	if (districts && n > STORE_DISTRICTS_MAX)
		return CMN_ERR_TOO_LARGE;
	if ((rc = pg_tx_begin(c)) != CMN_OK)
		return rc;
	rc = next_version(c, v, &next);
	if (rc == CMN_OK) {
		char version[24], loaded[24], bytes[24];
		struct pg_param p[] = {PG_TEXT(v->name),
				       PG_TEXT(v->kind),
				       PG_TEXT(pg_num(version, next)),
				       PG_TEXT(v->source),
				       PG_TEXT(v->licence),
				       PG_TEXT(pg_num(loaded, v->loaded)),
				       PG_TEXT(v->sha256),
				       PG_TEXT(pg_num(bytes, v->bytes)),
				       PG_TEXT(v->content)};

		if ((rc = pg_one(c, q_add, 9, p, &r)) == CMN_OK) {
			v->version = next;
			v->id = pg_i64(r, 0, 0);
			PQclear(r);
		}
	}
	if (rc == CMN_OK && districts)
		rc = replace_districts(c, districts, n);
	return pg_tx_end(c, rc);
}

/* one_row - the one row of q (NOT_FOUND when none) into out */
static enum cmn_rc one_row(struct store *s, const char *q, int n, const struct pg_param *p,
			   bool with, struct opendata_version *out)
{
	PGresult *r;
	enum cmn_rc rc = pg_query_one(s, q, n, p, &r);

	if (rc == CMN_OK) {
		rc = read_row(r, 0, with, out);
		PQclear(r);
	}
	if (rc != CMN_OK)
		opendata_version_release(out);
	return rc;
}

static enum cmn_rc pg_opendata_get(struct store *s, const char *name, int64_t version,
				   struct opendata_version *out)
{
	static const char q_one[] = "SELECT " COLUMNS ", content FROM opendata"
				    " WHERE name = $1 AND version = $2";
	static const char q_last[] = "SELECT " COLUMNS ", content FROM opendata"
				     " WHERE name = $1 ORDER BY version DESC LIMIT 1";
	char v[24];
	struct pg_param p[] = {PG_TEXT(name), PG_TEXT(pg_num(v, version))};

	memset(out, 0, sizeof(*out));
	return version > 0 ? one_row(s, q_one, 2, p, true, out)
			   : one_row(s, q_last, 1, p, true, out);
}

static enum cmn_rc pg_opendata_latest_kind(struct store *s, const char *kind, bool content,
					   struct opendata_version *out)
{
	static const char q_with[] = "SELECT " COLUMNS ", content FROM opendata WHERE kind = $1"
				     " ORDER BY id DESC LIMIT 1";
	static const char q_without[] = "SELECT " COLUMNS " FROM opendata WHERE kind = $1"
					" ORDER BY id DESC LIMIT 1";
	struct pg_param p[] = {PG_TEXT(kind)};

	memset(out, 0, sizeof(*out));
	return one_row(s, content ? q_with : q_without, 1, p, content, out);
}

/* each_row - calls fn on every row of q; their number in *count */
static enum cmn_rc each_row(struct store *s, const char *q, int n, const struct pg_param *p,
			    enum cmn_rc (*fn)(const struct opendata_version *v, void *ctx),
			    void *ctx, int *count)
{
	PGresult *r;
	enum cmn_rc rc = pg_query(s, q, n, p, &r);

	*count = 0;
	if (rc != CMN_OK)
		return rc;
	*count = PQntuples(r);
	for (int i = 0; rc == CMN_OK && i < *count; i++) {
		struct opendata_version v;

		if ((rc = read_row(r, i, false, &v)) == CMN_OK)
			rc = fn(&v, ctx);
	}
	PQclear(r);
	return rc;
}

static enum cmn_rc pg_opendata_each(struct store *s,
				    enum cmn_rc (*fn)(const struct opendata_version *v, void *ctx),
				    void *ctx)
{
	static const char q[] = "SELECT " COLUMNS " FROM opendata o WHERE version ="
				" (SELECT max(version) FROM opendata WHERE name = o.name)"
				" ORDER BY name COLLATE \"C\"";
	int n;

	return each_row(s, q, 0, NULL, fn, ctx, &n);
}

static enum cmn_rc
pg_opendata_versions(struct store *s, const char *name,
		     enum cmn_rc (*fn)(const struct opendata_version *v, void *ctx), void *ctx)
{
	static const char q[] = "SELECT " COLUMNS " FROM opendata WHERE name = $1"
				" ORDER BY version";
	struct pg_param p[] = {PG_TEXT(name)};
	int n;
	enum cmn_rc rc = each_row(s, q, 1, p, fn, ctx, &n);

	return rc == CMN_OK && n == 0 ? CMN_ERR_NOT_FOUND : rc;
}

const struct store_opendata_ops store_pg_opendata_ops = {
    .add = pg_opendata_add,
    .get = pg_opendata_get,
    .latest_kind = pg_opendata_latest_kind,
    .each = pg_opendata_each,
    .versions = pg_opendata_versions,
};
