/*
 * pg_import.c - the imports of a person's store in PostgreSQL (store.h):
 * which file, in which format, with what result, and who made it, with
 * the meaning and order of sqlite_import.c, gathered in
 * store_pg_import_ops (store_import.c calls them). Its table is the
 * "import" schema, partitioned by person_id as every table of person data
 * (pg_person.c), listed after it in pg_platform.c.
 */
#include "store/postgres/pg_int.h"
#include "store/store_import_int.h"

#include <stdlib.h>

#include "core/timeutil.h"

static const char *const import_migrations[] = {
    /* 1: SQLite's person migrations 4 and 8 with their final columns; n
     * is the order of insertion, which SQLite's rowid gives (an update
     * keeps it) */
    "CREATE TABLE imports (" PG_PERSON_ID_COL ", id text COLLATE \"C\" NOT NULL,"
    "  format text NOT NULL, name text NOT NULL, sha256 text NOT NULL, status text NOT NULL,"
    "  stats text NOT NULL, created bigint NOT NULL, actor text NOT NULL DEFAULT '',"
    "  n bigserial NOT NULL, PRIMARY KEY (person_id, id)) PARTITION BY RANGE (person_id);"
    "SELECT commune_partition('imports');"
    "CREATE INDEX imports_by_created ON imports(person_id, created, n);",
};

/* pg_import_schema - the imports' table, after the person's: pg_platform.c
 * migrates it at store_open */
const struct pg_schema pg_import_schema = {
    "import", import_migrations, (int)(sizeof(import_migrations) / sizeof(*import_migrations))};

static enum cmn_rc pg_import_put(struct pstore *p, const char *id, const char *format,
				 const char *name, const char *sha256, const char *status,
				 const char *stats, const char *actor)
{
	static const char q[] =
	    "INSERT INTO imports(person_id, id, format, name, sha256, status, stats, created, "
	    "actor)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (person_id, id)"
	    " DO UPDATE SET status = EXCLUDED.status, stats = EXCLUDED.stats";
	struct pg_pstore *ps = pg_ps(p);
	char now[24];
	struct pg_param prm[] = {PG_TEXT(ps->person_id),
				 PG_TEXT(id),
				 PG_TEXT(format),
				 PG_TEXT(name),
				 PG_TEXT(sha256),
				 PG_TEXT(status),
				 PG_TEXT(stats),
				 PG_TEXT(pg_num(now, time_now_ms())),
				 PG_TEXT(actor ? actor : "")};

	return pg_do(ps->s, q, 9, prm, false);
}

#define IMPORT_COLS "id, format, name, sha256, status, stats, created, actor"

static char *import_row(const PGresult *r, int i)
{
	struct import_cols c = {
	    .id = PQgetvalue(r, i, 0),
	    .format = PQgetvalue(r, i, 1),
	    .name = PQgetvalue(r, i, 2),
	    .sha256 = PQgetvalue(r, i, 3),
	    .status = PQgetvalue(r, i, 4),
	    .stats = PQgetvalue(r, i, 5),
	    .created = pg_i64(r, i, 6),
	    .actor = PQgetvalue(r, i, 7),
	};

	return import_json(&c);
}

static enum cmn_rc pg_import_get(struct pstore *p, const char *id, const char *actor, char **json)
{
	static const char q[] = "SELECT " IMPORT_COLS " FROM imports WHERE person_id = $1"
				" AND id = $2 AND ($3::text IS NULL OR actor = $3)";
	struct pg_pstore *ps = pg_ps(p);
	struct pg_param prm[] = {PG_TEXT(ps->person_id), PG_TEXT(id), PG_TEXT(actor)};
	PGresult *r;
	enum cmn_rc rc = pg_query_one(ps->s, q, 3, prm, &r);

	if (rc != CMN_OK)
		return rc;
	*json = import_row(r, 0);
	PQclear(r);
	return *json ? CMN_OK : CMN_ERR_NOMEM;
}

static enum cmn_rc pg_import_each(struct pstore *p, const char *actor,
				  enum cmn_rc (*fn)(const char *json, void *ctx), void *ctx)
{
	static const char q[] =
	    "SELECT " IMPORT_COLS " FROM imports WHERE person_id = $1"
	    " AND ($2::text IS NULL OR actor = $2) ORDER BY created DESC, n DESC";
	struct pg_pstore *ps = pg_ps(p);
	struct pg_param prm[] = {PG_TEXT(ps->person_id), PG_TEXT(actor)};
	PGresult *r;
	enum cmn_rc rc = pg_query(ps->s, q, 2, prm, &r);

	for (int i = 0; rc == CMN_OK && i < PQntuples(r); i++) {
		char *text = import_row(r, i);

		rc = text ? fn(text, ctx) : CMN_ERR_NOMEM;
		free(text);
	}
	PQclear(r);
	return rc;
}

const struct store_import_ops store_pg_import_ops = {
    .put = pg_import_put,
    .get = pg_import_get,
    .each = pg_import_each,
};
