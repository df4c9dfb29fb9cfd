/*
 * sqlite_apps.c - installed apps and their runs (person's store), the
 * operator's certificates of packages (platform store). See store_apps.h.
 */
#include "store/store_apps_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "core/timeutil.h"
#include "store/sqlite/sqlite_int.h"

/* ---- installed apps ----------------------------------------------------------- */

static enum cmn_rc sq_app_put(struct pstore *ps, const struct app_row *row, const char *bytes,
			      size_t n, const char *actor)
{
	static const char q[] =
	    "INSERT OR REPLACE INTO apps(id, version, sha256, package, installed,"
	    " last_run) VALUES (?, ?, ?, ?, ?, NULL)";
	char object[APP_OBJECT_LEN], detail[APP_DETAIL_LEN];
	sqlite3_stmt *st;
	enum cmn_rc rc;

	if ((rc = pstore_tx_begin(ps)) != CMN_OK)
		return rc;
	if (!(st = conn_stmt(&ps->c, q)))
		return pstore_tx_end(ps, CMN_ERR_STORE);
	sqlite3_bind_text(st, 1, row->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, row->version, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, row->sha256, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, bytes, (int)n, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, row->installed ? row->installed : time_now_ms());
	rc = conn_step_done(&ps->c, st);
	app_object(object, row->id);
	app_install_detail(detail, row);
	if (rc == CMN_OK)
		rc = pstore_audit_in_tx(ps, actor, "app.install", object, detail);
	return pstore_tx_end(ps, rc);
}

static void app_row_of(sqlite3_stmt *st, struct app_row *r)
{
	conn_text_col(st, 0, r->id, sizeof(r->id));
	conn_text_col(st, 1, r->version, sizeof(r->version));
	conn_text_col(st, 2, r->sha256, sizeof(r->sha256));
	r->installed = sqlite3_column_int64(st, 3);
	r->last_run = sqlite3_column_int64(st, 4);
}

static enum cmn_rc sq_app_get(struct pstore *ps, const char *id, struct app_row *row, char **bytes,
			      size_t *n)
{
	static const char q[] = "SELECT id, version, sha256, installed, last_run, package FROM apps"
				" WHERE id = ?";
	sqlite3_stmt *st = conn_stmt(&ps->c, q);
	enum cmn_rc rc = CMN_OK;
	int sr;

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sr = sqlite3_step(st);
	if (sr == SQLITE_ROW) {
		app_row_of(st, row);
		if (bytes) {
			int len = sqlite3_column_bytes(st, 5);
			const void *b = sqlite3_column_blob(st, 5);

			*bytes = malloc((size_t)len + 1);
			if (*bytes) {
				if (len)
					memcpy(*bytes, b, (size_t)len);
				(*bytes)[len] = '\0';
				*n = (size_t)len;
			} else {
				rc = CMN_ERR_NOMEM;
			}
		}
	} else {
		rc = sr == SQLITE_DONE ? CMN_ERR_NOT_FOUND : conn_err(&ps->c, sr);
	}
	sqlite3_reset(st);
	return rc;
}

struct each_app {
	enum cmn_rc (*fn)(const struct app_row *r, void *ctx);
	void *ctx;
};

static enum cmn_rc app_each_row(sqlite3_stmt *st, void *ctx)
{
	struct each_app *e = ctx;
	struct app_row r;

	app_row_of(st, &r);
	return e->fn(&r, e->ctx);
}

static enum cmn_rc sq_app_each(struct pstore *ps,
			       enum cmn_rc (*fn)(const struct app_row *r, void *ctx), void *ctx)
{
	static const char q[] =
	    "SELECT id, version, sha256, installed, last_run FROM apps ORDER BY id";
	struct each_app e = {fn, ctx};
	sqlite3_stmt *st = conn_stmt(&ps->c, q);

	return st ? conn_each(&ps->c, st, app_each_row, &e) : CMN_ERR_STORE;
}

static enum cmn_rc sq_app_remove(struct pstore *ps, const char *id, const char *actor)
{
	static const char q_app[] = "DELETE FROM apps WHERE id = ?";
	static const char q_runs[] = "DELETE FROM app_runs WHERE app_id = ?";
	char object[APP_OBJECT_LEN];
	enum cmn_rc rc;

	if ((rc = pstore_tx_begin(ps)) != CMN_OK)
		return rc;
	rc = conn_run(&ps->c, q_app, id, NULL, true);
	if (rc == CMN_OK)
		rc = conn_run(&ps->c, q_runs, id, NULL, false);
	app_object(object, id);
	if (rc == CMN_OK)
		rc = pstore_audit_in_tx(ps, actor, "app.remove", object, "");
	return pstore_tx_end(ps, rc);
}

/* ---- runs ----------------------------------------------------------------------- */

static enum cmn_rc sq_app_run_add(struct pstore *ps, const struct app_run_row *r)
{
	static const char q_add[] =
	    "INSERT INTO app_runs(app_id, version, at, trigger, outcome, error,"
	    " elapsed_us, instructions, written, result)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	static const char q_last[] = "UPDATE apps SET last_run = ?2 WHERE id = ?1";
	static const char q_prune[] =
	    "DELETE FROM app_runs WHERE app_id = ?1 AND seq <= (SELECT seq"
	    " FROM app_runs WHERE app_id = ?1 ORDER BY seq DESC LIMIT 1"
	    " OFFSET ?2)";
	sqlite3_stmt *st;
	enum cmn_rc rc;

	if ((rc = pstore_tx_begin(ps)) != CMN_OK)
		return rc;
	if (!(st = conn_stmt(&ps->c, q_add)))
		return pstore_tx_end(ps, CMN_ERR_STORE);
	sqlite3_bind_text(st, 1, r->app_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->version, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, r->at);
	sqlite3_bind_text(st, 4, r->trigger, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, r->outcome, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, r->error, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, r->elapsed_us);
	sqlite3_bind_int64(st, 8, r->instructions);
	sqlite3_bind_int64(st, 9, r->written);
	if (r->result)
		sqlite3_bind_text(st, 10, r->result, -1, SQLITE_STATIC);
	rc = conn_step_done(&ps->c, st);
	if (rc == CMN_OK && !(st = conn_stmt(&ps->c, q_last)))
		rc = CMN_ERR_STORE;
	if (rc == CMN_OK) {
		sqlite3_bind_text(st, 1, r->app_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, r->at);
		rc = conn_step_done(&ps->c, st);
	}
	if (rc == CMN_OK && !(st = conn_stmt(&ps->c, q_prune)))
		rc = CMN_ERR_STORE;
	if (rc == CMN_OK) {
		sqlite3_bind_text(st, 1, r->app_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, STORE_APP_RUNS_KEPT);
		rc = conn_step_done(&ps->c, st);
	}
	return pstore_tx_end(ps, rc);
}

struct each_run {
	enum cmn_rc (*fn)(const struct app_run_row *r, void *ctx);
	void *ctx;
};

static enum cmn_rc run_row(sqlite3_stmt *st, void *ctx)
{
	struct each_run *e = ctx;
	struct app_run_row r;

	r.seq = sqlite3_column_int64(st, 0);
	conn_text_col(st, 1, r.app_id, sizeof(r.app_id));
	conn_text_col(st, 2, r.version, sizeof(r.version));
	r.at = sqlite3_column_int64(st, 3);
	conn_text_col(st, 4, r.trigger, sizeof(r.trigger));
	conn_text_col(st, 5, r.outcome, sizeof(r.outcome));
	conn_text_col(st, 6, r.error, sizeof(r.error));
	r.elapsed_us = sqlite3_column_int64(st, 7);
	r.instructions = sqlite3_column_int64(st, 8);
	r.written = sqlite3_column_int64(st, 9);
	r.result = (const char *)sqlite3_column_text(st, 10);
	return e->fn(&r, e->ctx);
}

static enum cmn_rc sq_app_runs(struct pstore *ps, const char *id, size_t limit,
			       enum cmn_rc (*fn)(const struct app_run_row *r, void *ctx), void *ctx)
{
	static const char q[] =
	    "SELECT seq, app_id, version, at, trigger, outcome, error, elapsed_us,"
	    " instructions, written, result FROM app_runs WHERE app_id = ?"
	    " ORDER BY seq DESC LIMIT ?";
	struct each_run e = {fn, ctx};
	sqlite3_stmt *st = conn_stmt(&ps->c, q);

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)limit);
	return conn_each(&ps->c, st, run_row, &e);
}

/* ---- settings ----------------------------------------------------------------- */

struct text_out {
	char *out;
	size_t n;
};

static enum cmn_rc setting_row(sqlite3_stmt *st, void *ctx)
{
	struct text_out *t = ctx;

	conn_text_col(st, 0, t->out, t->n);
	return CMN_OK;
}

static enum cmn_rc sq_setting_get(struct pstore *ps, const char *key, char *out, size_t n)
{
	static const char q[] = "SELECT value FROM meta WHERE key = ?";
	struct text_out b = {out, n};
	sqlite3_stmt *st = conn_stmt(&ps->c, q);

	if (!st)
		return CMN_ERR_STORE;
	out[0] = '\0';
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	return conn_each(&ps->c, st, setting_row, &b);
}

static enum cmn_rc sq_setting_put(struct pstore *ps, const char *key, const char *value)
{
	static const char q[] = "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)";

	return conn_run(&ps->c, q, key, value, false);
}

/* ---- certificates --------------------------------------------------------------- */

static enum cmn_rc sq_app_cert_put(struct store *s, const char *sha256, const char *app_id,
				   const char *version, const char *jws)
{
	static const char q[] = "INSERT OR REPLACE INTO app_certs(sha256, app_id, version, jws,"
				" signed_at, revoked_at) VALUES (?, ?, ?, ?, ?, NULL)";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, sha256, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, app_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, version, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, jws, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, time_now_ms());
	return conn_step_done(c, st);
}

struct cert_found {
	char *jws;
	bool revoked;
};

static enum cmn_rc cert_row(sqlite3_stmt *st, void *ctx)
{
	struct cert_found *f = ctx;
	const char *jws = (const char *)sqlite3_column_text(st, 0);

	f->revoked = sqlite3_column_type(st, 1) != SQLITE_NULL;
	f->jws = strdup(jws ? jws : "");
	return f->jws ? CMN_OK : CMN_ERR_NOMEM;
}

static enum cmn_rc sq_app_cert_get(struct store *s, const char *sha256, char **jws, bool *revoked)
{
	static const char q[] = "SELECT jws, revoked_at FROM app_certs WHERE sha256 = ?";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;
	struct cert_found f = {0};
	enum cmn_rc rc;

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, sha256, -1, SQLITE_STATIC);
	rc = conn_each(c, st, cert_row, &f);
	if (rc == CMN_OK && !f.jws)
		rc = CMN_ERR_NOT_FOUND;
	if (rc != CMN_OK) {
		free(f.jws);
		return rc;
	}
	*jws = f.jws;
	*revoked = f.revoked;
	return CMN_OK;
}

static enum cmn_rc sq_app_cert_revoke(struct store *s, const char *app_id, const char *version,
				      int64_t *n)
{
	static const char q_all[] = "UPDATE app_certs SET revoked_at = ?3 WHERE app_id = ?1"
				    " AND revoked_at IS NULL";
	static const char q_one[] = "UPDATE app_certs SET revoked_at = ?3 WHERE app_id = ?1"
				    " AND version = ?2 AND revoked_at IS NULL";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, version ? q_one : q_all) : NULL;
	enum cmn_rc rc;

	*n = 0;
	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, app_id, -1, SQLITE_STATIC);
	if (version)
		sqlite3_bind_text(st, 2, version, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, time_now_ms());
	rc = conn_step_done(c, st);
	if (rc == CMN_OK)
		*n = sqlite3_changes(c->db);
	return rc;
}

struct each_cert {
	enum cmn_rc (*fn)(const struct app_cert *c, void *ctx);
	void *ctx;
};

static enum cmn_rc cert_each_row(sqlite3_stmt *st, void *ctx)
{
	struct each_cert *e = ctx;
	struct app_cert c;

	conn_text_col(st, 0, c.sha256, sizeof(c.sha256));
	conn_text_col(st, 1, c.app_id, sizeof(c.app_id));
	conn_text_col(st, 2, c.version, sizeof(c.version));
	c.signed_at = sqlite3_column_int64(st, 3);
	c.revoked_at = sqlite3_column_int64(st, 4);
	return e->fn(&c, e->ctx);
}

static enum cmn_rc
sq_app_cert_each(struct store *s, enum cmn_rc (*fn)(const struct app_cert *c, void *ctx), void *ctx)
{
	static const char q[] =
	    "SELECT sha256, app_id, version, signed_at, revoked_at FROM app_certs"
	    " ORDER BY app_id, version, signed_at";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;
	struct each_cert e = {fn, ctx};

	return st ? conn_each(c, st, cert_each_row, &e) : CMN_ERR_STORE;
}

/* ---- schedules -------------------------------------------------------------------- */

static enum cmn_rc sq_app_schedule_put(struct store *s, const struct app_schedule *sch)
{
	static const char q[] = "INSERT OR REPLACE INTO app_schedules(person_id, app_id, every,"
				" next_at) VALUES (?, ?, ?, ?)";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, sch->person_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, sch->app_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, sch->every, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, sch->next_at);
	return conn_step_done(c, st);
}

static enum cmn_rc sq_app_schedule_move(struct store *s, const char *person_id, const char *app_id,
					int64_t from, int64_t to)
{
	static const char q[] = "UPDATE app_schedules SET next_at = ? WHERE person_id = ?"
				" AND app_id = ? AND next_at = ?";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;
	enum cmn_rc rc;

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_int64(st, 1, to);
	sqlite3_bind_text(st, 2, person_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, app_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, from);
	rc = conn_step_done(c, st);
	if (rc == CMN_OK && sqlite3_changes(c->db) == 0)
		rc = CMN_ERR_CONFLICT;
	return rc;
}

static enum cmn_rc sq_app_schedule_clear(struct store *s, const char *person_id, const char *app_id)
{
	static const char q[] = "DELETE FROM app_schedules WHERE person_id = ? AND app_id = ?";
	struct conn *c = store_platform_conn(s);

	return c ? conn_run(c, q, person_id, app_id, false) : CMN_ERR_STORE;
}

struct each_schedule {
	enum cmn_rc (*fn)(const struct app_schedule *sch, void *ctx);
	void *ctx;
	struct app_schedule *v;
	size_t n, cap;
};

static enum cmn_rc schedule_row(sqlite3_stmt *st, void *ctx)
{
	struct each_schedule *e = ctx;
	struct app_schedule *sch;

	if (e->n == e->cap)
		return CMN_OK;
	sch = &e->v[e->n++];
	conn_text_col(st, 0, sch->person_id, sizeof(sch->person_id));
	conn_text_col(st, 1, sch->app_id, sizeof(sch->app_id));
	conn_text_col(st, 2, sch->every, sizeof(sch->every));
	sch->next_at = sqlite3_column_int64(st, 3);
	return CMN_OK;
}

static enum cmn_rc sq_app_schedule_due(struct store *s, int64_t now, size_t limit,
				       enum cmn_rc (*fn)(const struct app_schedule *sch, void *ctx),
				       void *ctx)
{
	static const char q[] = "SELECT person_id, app_id, every, next_at FROM app_schedules"
				" WHERE next_at <= ? ORDER BY next_at LIMIT ?";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;
	struct each_schedule e = {fn, ctx, NULL, 0, limit};
	enum cmn_rc rc;

	if (!st)
		return CMN_ERR_STORE;
	/* read them all first: fn runs apps, which use the platform store */
	if (!(e.v = calloc(limit ? limit : 1, sizeof(*e.v))))
		return CMN_ERR_NOMEM;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, (int64_t)limit);
	rc = conn_each(c, st, schedule_row, &e);
	for (size_t i = 0; rc == CMN_OK && i < e.n; i++)
		rc = fn(&e.v[i], ctx);
	free(e.v);
	return rc;
}

const struct store_apps_ops store_sqlite_apps_ops = {
    .app_put = sq_app_put,
    .app_get = sq_app_get,
    .app_each = sq_app_each,
    .app_remove = sq_app_remove,
    .app_run_add = sq_app_run_add,
    .app_runs = sq_app_runs,
    .setting_get = sq_setting_get,
    .setting_put = sq_setting_put,
    .app_cert_put = sq_app_cert_put,
    .app_cert_get = sq_app_cert_get,
    .app_cert_revoke = sq_app_cert_revoke,
    .app_cert_each = sq_app_cert_each,
    .app_schedule_put = sq_app_schedule_put,
    .app_schedule_move = sq_app_schedule_move,
    .app_schedule_clear = sq_app_schedule_clear,
    .app_schedule_due = sq_app_schedule_due,
};
