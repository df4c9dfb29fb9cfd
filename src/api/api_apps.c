/*
 * api_apps.c - a person's apps: install a package into their store, list
 * and read them, run one (its report: outcome, result, what it read and
 * wrote), see its latest runs, remove it; and the person's rule of
 * running certified apps only. See docs/apps.md.
 */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps/app.h"
#include "core/jsonparse.h"
#include "core/jsonput.h"
#include "core/timeutil.h"
#include "record/schema.h"
#include "store/store_apps.h"

#define RUNS_LISTED 20

static struct app_env env_of(const struct api_ctx *ctx)
{
	struct app_env env = {ctx->app->store, ctx->app->keys, ctx->app->registry,
			      ctx->app->apps_certified_only};

	return env;
}

static const char *cert_name(enum app_cert_state st)
{
	return st == APP_CERT_VALID ? "certified" : st == APP_CERT_REVOKED ? "revoked" : "none";
}

/* app_json - what a person sees of an installed app: its manifest (name,
 * description, permissions, triggers, outputs), digest, certificate. */
static json_t *app_json(const struct api_ctx *ctx, const struct app_package *p,
			const struct app_row *row)
{
	const json_t *mf = json_object_get(p->doc, "manifest");
	json_t *o = json_pack("{s:s, s:s, s:O, s:O, s:O, s:O, s:O, s:s, s:s, s:o, s:o}", "id",
			      p->m.id, "version", p->m.version, "publisher",
			      json_object_get(mf, "publisher"), "name", json_object_get(mf, "name"),
			      "description", json_object_get(mf, "description"), "permissions",
			      json_object_get(mf, "permissions"), "triggers",
			      json_object_get(mf, "triggers"), "sha256", p->sha256, "certificate",
			      cert_name(app_cert_state(ctx->app->store, ctx->app->keys, p)),
			      "installed", api_time(row->installed), "last_run",
			      row->last_run ? api_time(row->last_run) : json_null());

	if (o && json_object_get(mf, "outputs"))
		json_put(&o, "outputs", json_incref(json_object_get(mf, "outputs")));
	if (o && json_object_get(mf, "ui"))
		json_put(&o, "ui", json_incref(json_object_get(mf, "ui")));
	return o;
}

static enum cmn_rc refused(struct api_ctx *ctx, enum cmn_rc rc, const char *err)
{
	if (rc == CMN_ERR_INVALID)
		return api_problem(ctx, rc, err, NULL);
	if (rc == CMN_ERR_FORBIDDEN)
		return api_problem(ctx, rc, err, NULL);
	if (rc == CMN_ERR_NOT_FOUND)
		return api_problem(ctx, rc, "no such app of yours", NULL);
	if (rc == CMN_ERR_CONFLICT)
		return api_problem(ctx, rc, err, NULL);
	return rc;
}

/* POST /api/v1/apps - the body is the package itself (docs/apps.md). */
static enum cmn_rc install(struct api_ctx *ctx)
{
	struct app_env env = env_of(ctx);
	struct app_package p;
	struct app_row row;
	struct pstore *ps;
	char err[300] = "";
	enum cmn_rc rc = store_person_store(ctx->app->store, ctx->person.id, &ps);

	if (rc == CMN_OK)
		rc = app_install(&env, ctx->person.id, ps, ctx->req->body, ctx->req->body_len,
				 ctx->actor, &p, err, sizeof(err));
	if (rc != CMN_OK)
		return refused(ctx, rc, err);
	{
		json_t *v = pstore_app_get(ps, p.m.id, &row, NULL, NULL) == CMN_OK
				    ? app_json(ctx, &p, &row)
				    : NULL;
		char loc[96];

		snprintf(loc, sizeof(loc), "/api/v1/apps/%s", p.m.id);
		http_set_header(ctx->res, "Location", loc);
		/* installed: when its view cannot be made, what is known of it (an
		 * id and a version are [a-z0-9.-]: package.c) */
		rc = api_done(ctx, api_json(ctx, 201, v), 201,
			      "{\"id\":\"%s\",\"version\":\"%s\"}", p.m.id, p.m.version);
	}
	app_package_release(&p);
	return rc;
}

struct listing {
	struct api_ctx *ctx;
	struct pstore *ps;
	json_t *items;
};

static enum cmn_rc add_app(const struct app_row *row, void *lv)
{
	struct listing *l = lv;
	struct app_env env = env_of(l->ctx);
	struct app_package p;
	char err[300];
	json_t *v;

	if (app_load_installed(&env, l->ps, row->id, &p, err, sizeof(err)) != CMN_OK) {
		/* kept, but no longer valid here: shown as such */
		v = json_pack("{s:s, s:s, s:s, s:s}", "id", row->id, "version", row->version,
			      "sha256", row->sha256, "problem", err);
	} else {
		v = app_json(l->ctx, &p, row);
		app_package_release(&p);
	}
	return json_array_append_new(l->items, v) ? CMN_ERR_NOMEM : CMN_OK;
}

/* GET /api/v1/apps */
static enum cmn_rc list(struct api_ctx *ctx)
{
	struct listing l = {ctx, NULL, json_array()};
	enum cmn_rc rc = l.items ? store_person_store(ctx->app->store, ctx->person.id, &l.ps)
				 : CMN_ERR_NOMEM;

	if (rc == CMN_OK)
		rc = pstore_app_each(l.ps, add_app, &l);
	if (rc == CMN_OK)
		return api_json(ctx, 200, json_pack("{s:o, s:b}", "items", l.items, "certified_only",
						    app_certified_only(l.ps,
								       ctx->app->apps_certified_only)));
	json_decref(l.items);
	return rc;
}

/* GET /api/v1/apps/{id} - with the files of the package (its sources, its ui). */
static enum cmn_rc show(struct api_ctx *ctx)
{
	struct app_env env = env_of(ctx);
	struct app_package p;
	struct app_row row;
	struct pstore *ps;
	char err[300] = "";
	json_t *v;
	enum cmn_rc rc = store_person_store(ctx->app->store, ctx->person.id, &ps);

	if (rc == CMN_OK)
		rc = pstore_app_get(ps, ctx->params[0], &row, NULL, NULL);
	if (rc == CMN_OK)
		rc = app_load_installed(&env, ps, ctx->params[0], &p, err, sizeof(err));
	if (rc != CMN_OK)
		return refused(ctx, rc, err);
	v = app_json(ctx, &p, &row);
	json_put(&v, "files", json_incref(json_object_get(p.doc, "files")));
	app_package_release(&p);
	return api_json(ctx, 200, v);
}

/* DELETE /api/v1/apps/{id} - the records it wrote stay the person's. */
static enum cmn_rc remove_app(struct api_ctx *ctx)
{
	struct app_env env = env_of(ctx);
	struct pstore *ps;
	enum cmn_rc rc = store_person_store(ctx->app->store, ctx->person.id, &ps);

	if (rc == CMN_OK)
		rc = app_remove(&env, ctx->person.id, ps, ctx->params[0], ctx->actor);
	if (rc != CMN_OK)
		return refused(ctx, rc, "");
	api_empty(ctx, 204);
	return CMN_OK;
}

static json_t *run_json(const struct app_run *r)
{
	json_t *o = json_pack("{s:s, s:O?, s:I, s:I, s:I, s:I, s:I, s:I}", "outcome",
			      app_outcome_name(r->outcome), "result", r->result, "records_read",
			      (json_int_t)r->records_read, "points_read", (json_int_t)r->points_read,
			      "records_written", (json_int_t)r->records_written, "records_replaced",
			      (json_int_t)r->records_replaced, "instructions",
			      (json_int_t)r->instructions, "elapsed_us", (json_int_t)r->elapsed_us);

	/* a view without the error or the log would hide why it ended so */
	if (r->outcome != APP_OK)
		json_put(&o, "error", json_string(r->error));
	if (r->log)
		json_put(&o, "log", json_incref(r->log));
	return o;
}

/* POST /api/v1/apps/{id}/run - an optional JSON body is ctx.params. */
static enum cmn_rc run(struct api_ctx *ctx)
{
	struct app_env env = env_of(ctx);
	struct app_run r;
	struct pstore *ps;
	json_t *params = NULL, *v;
	const char *outcome;
	char err[300] = "";
	enum cmn_rc rc;

	if (ctx->req->body_len) {
		struct json_parse_error je;

		params = json_parse(ctx->req->body, ctx->req->body_len, JSON_PARSE_REJECT_DUPLICATES, &je);
		if (!params && je.rc == CMN_ERR_NOMEM)
			return CMN_ERR_NOMEM;
		if (!json_is_object(params) || json_depth(params) > CMN_JSON_MAX_DEPTH) {
			json_decref(params);
			return api_problem(ctx, CMN_ERR_INVALID,
					   "the parameters of a run are a JSON object", NULL);
		}
	}
	rc = store_person_store(ctx->app->store, ctx->person.id, &ps);
	if (rc == CMN_OK)
		rc = app_run_installed(&env, ps, ctx->params[0], "demand", params, &r, err,
				       sizeof(err));
	json_decref(params);
	if (rc != CMN_OK)
		return refused(ctx, rc, err);
	v = run_json(&r);
	outcome = app_outcome_name(r.outcome);
	app_run_release(&r);
	/* the run is kept and told: without its view, its outcome at least */
	return api_done(ctx, api_json(ctx, 200, v), 200, "{\"outcome\":\"%s\"}", outcome);
}

static enum cmn_rc add_run(const struct app_run_row *r, void *items)
{
	json_t *o = json_pack("{s:s, s:o, s:s, s:s, s:I, s:I, s:I}", "version", r->version, "at",
			      api_time(r->at), "trigger", r->trigger, "outcome", r->outcome,
			      "elapsed_us", (json_int_t)r->elapsed_us, "instructions",
			      (json_int_t)r->instructions, "records_written", (json_int_t)r->written);

	if (o && r->error[0])
		json_put(&o, "error", json_string(r->error));
	if (o && r->result)
		json_put(&o, "result",
			 json_parse(r->result, strlen(r->result), JSON_PARSE_ANY, NULL));
	return json_array_append_new(items, o) ? CMN_ERR_NOMEM : CMN_OK;
}

/* GET /api/v1/apps/{id}/runs - the latest runs, newest first. */
static enum cmn_rc runs(struct api_ctx *ctx)
{
	json_t *items = json_array();
	struct app_row row;
	struct pstore *ps;
	enum cmn_rc rc = items ? store_person_store(ctx->app->store, ctx->person.id, &ps)
			       : CMN_ERR_NOMEM;

	if (rc == CMN_OK)
		rc = pstore_app_get(ps, ctx->params[0], &row, NULL, NULL);
	if (rc == CMN_OK)
		rc = pstore_app_runs(ps, ctx->params[0], RUNS_LISTED, add_run, items);
	if (rc != CMN_OK) {
		json_decref(items);
		return refused(ctx, rc, "");
	}
	return api_json(ctx, 200, json_pack("{s:o}", "items", items));
}

/* GET and PUT /api/v1/apps-policy - {"certified_only": bool} */
static enum cmn_rc policy_get(struct api_ctx *ctx)
{
	struct pstore *ps;
	enum cmn_rc rc = store_person_store(ctx->app->store, ctx->person.id, &ps);

	if (rc != CMN_OK)
		return rc;
	return api_json(ctx, 200,
			json_pack("{s:b, s:b}", "certified_only",
				  app_certified_only(ps, ctx->app->apps_certified_only), "platform",
				  ctx->app->apps_certified_only));
}

static enum cmn_rc policy_put(struct api_ctx *ctx)
{
	bool on = json_is_true(json_object_get(ctx->body, "certified_only"));
	struct pstore *ps;
	enum cmn_rc rc = store_person_store(ctx->app->store, ctx->person.id, &ps);

	if (rc == CMN_OK && !on && ctx->app->apps_certified_only)
		return api_problem(ctx, CMN_ERR_CONFLICT,
				   "this platform runs certified apps only, for everyone", NULL);
	/* the policy and its entry, in one transaction */
	if (rc == CMN_OK && (rc = pstore_tx_begin(ps)) == CMN_OK) {
		rc = app_set_certified_only(ps, on);
		if (rc == CMN_OK)
			rc = pstore_audit_append(ps, ctx->actor, "apps.policy", "apps",
						on ? "{\"certified_only\":true}"
						   : "{\"certified_only\":false}");
		rc = pstore_tx_end(ps, rc);
	}
	if (rc != CMN_OK)
		return rc;
	/* set: when the policy cannot be shown, what is known of it */
	return api_done(ctx, policy_get(ctx), 200, "{\"certified_only\":%s}",
			on ? "true" : "false");
}

#define POLICY_SCHEMA                                                                         \
	"{\"type\": \"object\", \"required\": [\"certified_only\"], \"additionalProperties\":" \
	" false, \"properties\": {\"certified_only\": {\"type\": \"boolean\"}}}"

const struct route api_apps_routes[] = {
	{"POST", "/api/v1/apps", install, AUTH_PERSON, "", "Install an app package in my store",
	 GRANT_ROUTE_NONE},
	{"GET", "/api/v1/apps", list, AUTH_PERSON, NULL, "My apps", GRANT_ROUTE_NONE},
	{"GET", "/api/v1/apps/{id}", show, AUTH_PERSON, NULL, "One of my apps, with its files",
	 GRANT_ROUTE_NONE},
	{"DELETE", "/api/v1/apps/{id}", remove_app, AUTH_PERSON, NULL,
	 "Remove an app (what it wrote stays mine)", GRANT_ROUTE_NONE},
	{"POST", "/api/v1/apps/{id}/run", run, AUTH_PERSON, NULL,
	 "Run an app on my data, in my store", GRANT_ROUTE_NONE},
	{"GET", "/api/v1/apps/{id}/runs", runs, AUTH_PERSON, NULL, "An app's latest runs",
	 GRANT_ROUTE_NONE},
	{"GET", "/api/v1/apps-policy", policy_get, AUTH_PERSON, NULL,
	 "Whether only certified apps run in my store", GRANT_ROUTE_NONE},
	{"PUT", "/api/v1/apps-policy", policy_put, AUTH_PERSON, POLICY_SCHEMA,
	 "Run certified apps only, or not", GRANT_ROUTE_NONE},
	{NULL, NULL, NULL, AUTH_NONE, NULL, NULL, GRANT_ROUTE_NONE},
};
