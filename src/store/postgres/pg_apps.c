/*
 * pg_apps.c - apps in PostgreSQL (store_apps.h), with the meaning, order,
 * result codes and audit entries of sqlite_apps.c, gathered in
 * store_pg_apps_ops (store_apps.c calls them). Its tables are the "apps"
 * schema, listed after the person's in pg_platform.c: the installed apps,
 * their runs and the person's settings partitioned by person_id as every
 * table of person data (pg_person.c); the operator's certificates and the
 * schedules, platform tables as in SQLite's platform file.
 *
 * A run's seq is the person's, as the INTEGER PRIMARY KEY of their SQLite
 * file gives it: the highest + 1, taken under the person's lock
 * (pg_ptx_begin), so that two runs recorded at once get two numbers.
 */
#include "store/postgres/pg_int.h"
#include "store/store_apps_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"

static const char *const apps_migrations[] = {
    /* 1: SQLite's person migration 8 (apps, app_runs), the settings its
     * meta table keeps, and its platform migrations 6 and 7 (app_certs,
     * app_schedules) */
    "CREATE TABLE apps (" PG_PERSON_ID_COL ", id text COLLATE \"C\" NOT NULL,"
    "  version text NOT NULL, sha256 text NOT NULL, package bytea NOT NULL,"
    "  installed bigint NOT NULL, last_run bigint, PRIMARY KEY (person_id, id))"
    "  PARTITION BY RANGE (person_id);"
    "SELECT commune_partition('apps');"
    "CREATE TABLE app_runs (" PG_PERSON_ID_COL ", seq bigint NOT NULL,"
    "  app_id text COLLATE \"C\" NOT NULL, version text NOT NULL, at bigint NOT NULL,"
    "  trigger text NOT NULL, outcome text NOT NULL, error text NOT NULL,"
    "  elapsed_us bigint NOT NULL, instructions bigint NOT NULL, written bigint NOT NULL,"
    "  result text, PRIMARY KEY (person_id, seq)) PARTITION BY RANGE (person_id);"
    "SELECT commune_partition('app_runs');"
    "CREATE INDEX app_runs_by_app ON app_runs(person_id, app_id, seq);"
    "CREATE TABLE settings (" PG_PERSON_ID_COL ", key text COLLATE \"C\" NOT NULL,"
    "  value text NOT NULL, PRIMARY KEY (person_id, key)) PARTITION BY RANGE (person_id);"
    "SELECT commune_partition('settings');"
    "CREATE TABLE app_certs (sha256 text PRIMARY KEY, app_id text COLLATE \"C\" NOT NULL,"
    "  version text COLLATE \"C\" NOT NULL, jws text NOT NULL, signed_at bigint NOT NULL,"
    "  revoked_at bigint);"
    "CREATE INDEX app_certs_by_app ON app_certs(app_id, version);"
    "CREATE TABLE app_schedules ("
    "  person_id text COLLATE \"C\" NOT NULL REFERENCES persons(id) ON DELETE CASCADE,"
    "  app_id text COLLATE \"C\" NOT NULL, every text COLLATE \"C\" NOT NULL,"
    "  next_at bigint NOT NULL, PRIMARY KEY (person_id, app_id, every));"
    "CREATE INDEX app_schedules_due ON app_schedules(next_at);",
};

/* pg_apps_schema - the apps' tables, after the person's: pg_platform.c
 * migrates them at store_open */
const struct pg_schema pg_apps_schema = {"apps", apps_migrations,
					 (int)(sizeof(apps_migrations) / sizeof(*apps_migrations))};

/* limit_param - a LIMIT's text: NULL (none) for a limit beyond int64, as
 * SQLite reads the negative number it becomes there */
static const char *limit_param(char buf[24], size_t limit)
{
	return (int64_t)limit < 0 ? NULL : pg_num(buf, (int64_t)limit);
}

/* ---- installed apps ----------------------------------------------------------- */

static enum cmn_rc pg_app_put(struct pstore *p, const struct app_row *row, const char *bytes,
			      size_t n, const char *actor)
{
	static const char q[] =
	    "INSERT INTO apps(person_id, id, version, sha256, package,"
	    " installed, last_run) VALUES ($1, $2, $3, $4, $5, $6, NULL)"
	    " ON CONFLICT (person_id, id) DO UPDATE SET version = EXCLUDED.version,"
	    " sha256 = EXCLUDED.sha256, package = EXCLUDED.package,"
	    " installed = EXCLUDED.installed, last_run = NULL";
	struct pg_pstore *ps = pg_ps(p);
	char object[APP_OBJECT_LEN], detail[APP_DETAIL_LEN], at[24];
	struct pg_conn *c;
	enum cmn_rc rc;

	if (n > INT32_MAX)
		return CMN_ERR_TOO_LARGE; /* a bytea parameter's length is an int */
	if ((rc = pg_ptx_begin(ps, &c)) != CMN_OK)
		return rc;
	{
		struct pg_param prm[] = {
		    PG_TEXT(ps->person_id),
		    PG_TEXT(row->id),
		    PG_TEXT(row->version),
		    PG_TEXT(row->sha256),
		    PG_BYTES(bytes ? bytes : "", n),
		    PG_TEXT(pg_num(at, row->installed ? row->installed : time_now_ms()))};

		rc = pg_run(c, q, 6, prm, NULL);
	}
	app_object(object, row->id);
	app_install_detail(detail, row);
	if (rc == CMN_OK)
		rc = pg_audit_in_tx(ps, actor, "app.install", object, detail);
	return pg_ptx_end(ps, rc);
}

/* app_row_of - an app of a binary result (id, version, sha256, installed,
 * last_run) */
static void app_row_of(const PGresult *r, int i, struct app_row *a)
{
	pg_text(r, i, 0, a->id, sizeof(a->id));
	pg_text(r, i, 1, a->version, sizeof(a->version));
	pg_text(r, i, 2, a->sha256, sizeof(a->sha256));
	a->installed = pg_bin_i64(r, i, 3);
	a->last_run = pg_bin_i64(r, i, 4);
}

/* package_copy - the package of row 0 (column 5) into *bytes, NUL-terminated */
static enum cmn_rc package_copy(const PGresult *r, char **bytes, size_t *n)
{
	size_t len = (size_t)PQgetlength(r, 0, 5);

	if (!(*bytes = malloc(len + 1)))
		return CMN_ERR_NOMEM;
	if (len)
		memcpy(*bytes, PQgetvalue(r, 0, 5), len);
	(*bytes)[len] = '\0';
	*n = len;
	return CMN_OK;
}

static enum cmn_rc pg_app_get(struct pstore *p, const char *id, struct app_row *row, char **bytes,
			      size_t *n)
{
	static const char q_meta[] = "SELECT id, version, sha256, installed, last_run FROM apps"
				     " WHERE person_id = $1 AND id = $2";
	static const char q_all[] = "SELECT id, version, sha256, installed, last_run, package"
				    " FROM apps WHERE person_id = $1 AND id = $2";
	struct pg_pstore *ps = pg_ps(p);
	struct pg_param prm[] = {PG_TEXT(ps->person_id), PG_TEXT(id)};
	struct pg_conn *c = pg_pconn(ps);
	PGresult *r;
	enum cmn_rc rc;

	if (!c)
		return CMN_ERR_STORE;
	/* the package only when asked for: it may weigh megabytes */
	if ((rc = pg_run_binary(c, bytes ? q_all : q_meta, 2, prm, &r)) != CMN_OK)
		return rc;
	if (PQntuples(r) == 0) {
		rc = CMN_ERR_NOT_FOUND;
	} else {
		app_row_of(r, 0, row);
		if (bytes)
			rc = package_copy(r, bytes, n);
	}
	PQclear(r);
	return rc;
}

static enum cmn_rc pg_app_each(struct pstore *p,
			       enum cmn_rc (*fn)(const struct app_row *r, void *ctx), void *ctx)
{
	static const char q[] = "SELECT id, version, sha256, installed, last_run FROM apps"
				" WHERE person_id = $1 ORDER BY id";
	struct pg_pstore *ps = pg_ps(p);
	struct pg_param prm[] = {PG_TEXT(ps->person_id)};
	struct pg_conn *c = pg_pconn(ps);
	PGresult *r;
	enum cmn_rc rc;

	if (!c)
		return CMN_ERR_STORE;
	if ((rc = pg_run_binary(c, q, 1, prm, &r)) != CMN_OK)
		return rc;
	for (int i = 0; rc == CMN_OK && i < PQntuples(r); i++) {
		struct app_row a;

		app_row_of(r, i, &a);
		rc = fn(&a, ctx);
	}
	PQclear(r);
	return rc;
}

static enum cmn_rc pg_app_remove(struct pstore *p, const char *id, const char *actor)
{
	static const char q_app[] = "DELETE FROM apps WHERE person_id = $1 AND id = $2";
	static const char q_runs[] = "DELETE FROM app_runs WHERE person_id = $1 AND app_id = $2";
	struct pg_pstore *ps = pg_ps(p);
	struct pg_param prm[] = {PG_TEXT(ps->person_id), PG_TEXT(id)};
	char object[APP_OBJECT_LEN];
	struct pg_conn *c;
	enum cmn_rc rc;

	if ((rc = pg_ptx_begin(ps, &c)) != CMN_OK)
		return rc;
	rc = pg_change(c, q_app, 2, prm, true);
	if (rc == CMN_OK)
		rc = pg_change(c, q_runs, 2, prm, false);
	app_object(object, id);
	if (rc == CMN_OK)
		rc = pg_audit_in_tx(ps, actor, "app.remove", object, "");
	return pg_ptx_end(ps, rc);
}

/* ---- runs ----------------------------------------------------------------------- */

static enum cmn_rc pg_app_run_add(struct pstore *p, const struct app_run_row *r)
{
	/* the person's next seq: run under their lock */
	static const char q_add[] =
	    "INSERT INTO app_runs(person_id, seq, app_id, version, at, trigger, outcome, error,"
	    " elapsed_us, instructions, written, result)"
	    " SELECT $1, coalesce(max(seq), 0) + 1, $2, $3, $4::bigint, $5, $6, $7, $8::bigint,"
	    " $9::bigint, $10::bigint, $11 FROM app_runs WHERE person_id = $1";
	static const char q_last[] =
	    "UPDATE apps SET last_run = $3 WHERE person_id = $1 AND id = $2";
	static const char q_prune[] = "DELETE FROM app_runs WHERE person_id = $1 AND app_id = $2"
				      " AND seq <= (SELECT seq FROM app_runs WHERE person_id = $1"
				      " AND app_id = $2 ORDER BY seq DESC LIMIT 1 OFFSET $3)";
	struct pg_pstore *ps = pg_ps(p);
	char at[24], el[24], ins[24], wr[24], kept[24];
	struct pg_param add[] = {PG_TEXT(ps->person_id),
				 PG_TEXT(r->app_id),
				 PG_TEXT(r->version),
				 PG_TEXT(pg_num(at, r->at)),
				 PG_TEXT(r->trigger),
				 PG_TEXT(r->outcome),
				 PG_TEXT(r->error),
				 PG_TEXT(pg_num(el, r->elapsed_us)),
				 PG_TEXT(pg_num(ins, r->instructions)),
				 PG_TEXT(pg_num(wr, r->written)),
				 PG_TEXT(r->result)};
	struct pg_param last[] = {PG_TEXT(ps->person_id), PG_TEXT(r->app_id), PG_TEXT(at)};
	struct pg_param prune[] = {PG_TEXT(ps->person_id), PG_TEXT(r->app_id),
				   PG_TEXT(pg_num(kept, STORE_APP_RUNS_KEPT))};
	struct pg_conn *c;
	enum cmn_rc rc;

	if ((rc = pg_ptx_begin(ps, &c)) != CMN_OK)
		return rc;
	rc = pg_run(c, q_add, 11, add, NULL);
	if (rc == CMN_OK)
		rc = pg_run(c, q_last, 3, last, NULL);
	if (rc == CMN_OK)
		rc = pg_run(c, q_prune, 3, prune, NULL);
	return pg_ptx_end(ps, rc);
}

static void run_row_of(const PGresult *res, int i, struct app_run_row *r)
{
	r->seq = pg_i64(res, i, 0);
	pg_text(res, i, 1, r->app_id, sizeof(r->app_id));
	pg_text(res, i, 2, r->version, sizeof(r->version));
	r->at = pg_i64(res, i, 3);
	pg_text(res, i, 4, r->trigger, sizeof(r->trigger));
	pg_text(res, i, 5, r->outcome, sizeof(r->outcome));
	pg_text(res, i, 6, r->error, sizeof(r->error));
	r->elapsed_us = pg_i64(res, i, 7);
	r->instructions = pg_i64(res, i, 8);
	r->written = pg_i64(res, i, 9);
	r->result = PQgetisnull(res, i, 10) ? NULL : PQgetvalue(res, i, 10);
}

static enum cmn_rc pg_app_runs(struct pstore *p, const char *id, size_t limit,
			       enum cmn_rc (*fn)(const struct app_run_row *r, void *ctx), void *ctx)
{
	static const char q[] = "SELECT seq, app_id, version, at, trigger, outcome, error,"
				" elapsed_us, instructions, written, result FROM app_runs"
				" WHERE person_id = $1 AND app_id = $2 ORDER BY seq DESC LIMIT $3";
	struct pg_pstore *ps = pg_ps(p);
	char lim[24];
	struct pg_param prm[] = {PG_TEXT(ps->person_id), PG_TEXT(id),
				 PG_TEXT(limit_param(lim, limit))};
	PGresult *r;
	enum cmn_rc rc = pg_pquery(ps, q, 3, prm, &r);

	for (int i = 0; rc == CMN_OK && i < PQntuples(r); i++) {
		struct app_run_row run;

		run_row_of(r, i, &run);
		rc = fn(&run, ctx);
	}
	PQclear(r);
	return rc;
}

/* ---- settings ----------------------------------------------------------------- */

static enum cmn_rc pg_setting_get(struct pstore *p, const char *key, char *out, size_t n)
{
	static const char q[] = "SELECT value FROM settings WHERE person_id = $1 AND key = $2";
	struct pg_pstore *ps = pg_ps(p);
	struct pg_param prm[] = {PG_TEXT(ps->person_id), PG_TEXT(key)};
	PGresult *r;
	enum cmn_rc rc;

	out[0] = '\0';
	if ((rc = pg_pquery(ps, q, 2, prm, &r)) != CMN_OK)
		return rc;
	if (PQntuples(r) > 0)
		pg_text(r, 0, 0, out, n);
	PQclear(r);
	return CMN_OK;
}

static enum cmn_rc pg_setting_put(struct pstore *p, const char *key, const char *value)
{
	static const char q[] =
	    "INSERT INTO settings(person_id, key, value) VALUES ($1, $2, $3)"
	    " ON CONFLICT (person_id, key) DO UPDATE SET value = EXCLUDED.value";
	struct pg_pstore *ps = pg_ps(p);
	struct pg_param prm[] = {PG_TEXT(ps->person_id), PG_TEXT(key), PG_TEXT(value)};

	return pg_pdo(ps, q, 3, prm, false);
}

/* ---- certificates --------------------------------------------------------------- */

static enum cmn_rc pg_app_cert_put(struct store *s, const char *sha256, const char *app_id,
				   const char *version, const char *jws)
{
	static const char q[] = "INSERT INTO app_certs(sha256, app_id, version, jws, signed_at,"
				" revoked_at) VALUES ($1, $2, $3, $4, $5, NULL)"
				" ON CONFLICT (sha256) DO UPDATE SET app_id = EXCLUDED.app_id,"
				" version = EXCLUDED.version, jws = EXCLUDED.jws,"
				" signed_at = EXCLUDED.signed_at, revoked_at = NULL";
	char now[24];
	struct pg_param prm[] = {PG_TEXT(sha256), PG_TEXT(app_id), PG_TEXT(version), PG_TEXT(jws),
				 PG_TEXT(pg_num(now, time_now_ms()))};

	return pg_do(s, q, 5, prm, false);
}

static enum cmn_rc pg_app_cert_get(struct store *s, const char *sha256, char **jws, bool *revoked)
{
	static const char q[] =
	    "SELECT jws, revoked_at IS NOT NULL FROM app_certs WHERE sha256 = $1";
	struct pg_param prm[] = {PG_TEXT(sha256)};
	PGresult *r;
	enum cmn_rc rc = pg_query_one(s, q, 1, prm, &r);

	if (rc != CMN_OK)
		return rc;
	if (!(*jws = strdup(PQgetvalue(r, 0, 0)))) {
		rc = CMN_ERR_NOMEM;
	} else {
		*revoked = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
	}
	PQclear(r);
	return rc;
}

static enum cmn_rc pg_app_cert_revoke(struct store *s, const char *app_id, const char *version,
				      int64_t *n)
{
	static const char q[] = "UPDATE app_certs SET revoked_at = $3 WHERE app_id = $1"
				" AND ($2::text IS NULL OR version = $2) AND revoked_at IS NULL";
	char now[24];
	struct pg_param prm[] = {PG_TEXT(app_id), PG_TEXT(version),
				 PG_TEXT(pg_num(now, time_now_ms()))};
	PGresult *r;
	enum cmn_rc rc;

	*n = 0;
	if ((rc = pg_query(s, q, 3, prm, &r)) != CMN_OK)
		return rc;
	*n = strtoll(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return CMN_OK;
}

static enum cmn_rc
pg_app_cert_each(struct store *s, enum cmn_rc (*fn)(const struct app_cert *c, void *ctx), void *ctx)
{
	static const char q[] =
	    "SELECT sha256, app_id, version, signed_at, revoked_at FROM app_certs"
	    " ORDER BY app_id, version, signed_at, sha256";
	PGresult *r;
	enum cmn_rc rc = pg_query(s, q, 0, NULL, &r);

	for (int i = 0; rc == CMN_OK && i < PQntuples(r); i++) {
		struct app_cert c;

		pg_text(r, i, 0, c.sha256, sizeof(c.sha256));
		pg_text(r, i, 1, c.app_id, sizeof(c.app_id));
		pg_text(r, i, 2, c.version, sizeof(c.version));
		c.signed_at = pg_i64(r, i, 3);
		c.revoked_at = pg_i64(r, i, 4);
		rc = fn(&c, ctx);
	}
	PQclear(r);
	return rc;
}

/* ---- schedules -------------------------------------------------------------------- */

static enum cmn_rc pg_app_schedule_put(struct store *s, const struct app_schedule *sch)
{
	static const char q[] = "INSERT INTO app_schedules(person_id, app_id, every, next_at)"
				" VALUES ($1, $2, $3, $4) ON CONFLICT (person_id, app_id, every)"
				" DO UPDATE SET next_at = EXCLUDED.next_at";
	char next[24];
	struct pg_param prm[] = {PG_TEXT(sch->person_id), PG_TEXT(sch->app_id), PG_TEXT(sch->every),
				 PG_TEXT(pg_num(next, sch->next_at))};

	return pg_do(s, q, 4, prm, false);
}

static enum cmn_rc pg_app_schedule_move(struct store *s, const char *person_id, const char *app_id,
					int64_t from, int64_t to)
{
	static const char q[] = "UPDATE app_schedules SET next_at = $1 WHERE person_id = $2"
				" AND app_id = $3 AND next_at = $4";
	char nto[24], nfrom[24];
	struct pg_param prm[] = {PG_TEXT(pg_num(nto, to)), PG_TEXT(person_id), PG_TEXT(app_id),
				 PG_TEXT(pg_num(nfrom, from))};
	enum cmn_rc rc = pg_do(s, q, 4, prm, true);

	return rc == CMN_ERR_NOT_FOUND ? CMN_ERR_CONFLICT : rc;
}

static enum cmn_rc pg_app_schedule_clear(struct store *s, const char *person_id, const char *app_id)
{
	static const char q[] = "DELETE FROM app_schedules WHERE person_id = $1 AND app_id = $2";
	struct pg_param prm[] = {PG_TEXT(person_id), PG_TEXT(app_id)};

	return pg_do(s, q, 2, prm, false);
}

static enum cmn_rc pg_app_schedule_due(struct store *s, int64_t now, size_t limit,
				       enum cmn_rc (*fn)(const struct app_schedule *sch, void *ctx),
				       void *ctx)
{
	/* ties in the order SQLite's index on next_at keeps them: by key */
	static const char q[] = "SELECT person_id, app_id, every, next_at FROM app_schedules"
				" WHERE next_at <= $1 ORDER BY next_at, person_id, app_id, every"
				" LIMIT $2";
	char nnow[24], lim[24];
	struct pg_param prm[] = {PG_TEXT(pg_num(nnow, now)), PG_TEXT(limit_param(lim, limit))};
	PGresult *r;
	enum cmn_rc rc = pg_query(s, q, 2, prm, &r);

	/* the whole result is read before fn, which runs apps on the same
	 * connection */
	for (int i = 0; rc == CMN_OK && i < PQntuples(r); i++) {
		struct app_schedule sch;

		pg_text(r, i, 0, sch.person_id, sizeof(sch.person_id));
		pg_text(r, i, 1, sch.app_id, sizeof(sch.app_id));
		pg_text(r, i, 2, sch.every, sizeof(sch.every));
		sch.next_at = pg_i64(r, i, 3);
		rc = fn(&sch, ctx);
	}
	PQclear(r);
	return rc;
}

const struct store_apps_ops store_pg_apps_ops = {
    .app_put = pg_app_put,
    .app_get = pg_app_get,
    .app_each = pg_app_each,
    .app_remove = pg_app_remove,
    .app_run_add = pg_app_run_add,
    .app_runs = pg_app_runs,
    .setting_get = pg_setting_get,
    .setting_put = pg_setting_put,
    .app_cert_put = pg_app_cert_put,
    .app_cert_get = pg_app_cert_get,
    .app_cert_revoke = pg_app_cert_revoke,
    .app_cert_each = pg_app_cert_each,
    .app_schedule_put = pg_app_schedule_put,
    .app_schedule_move = pg_app_schedule_move,
    .app_schedule_clear = pg_app_schedule_clear,
    .app_schedule_due = pg_app_schedule_due,
};
