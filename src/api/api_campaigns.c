/*
 * api_campaigns.c - /api/v1/campaigns (issue 10, docs/campaigns.md).
 *
 * Who does what:
 *   - a member of an organisation (agent or admin role) creates its
 *     campaigns, runs and publishes them, and sees its drafts;
 *   - the operator (admin) approves or rejects a draft on behalf of the
 *     body its definition names, until governance bodies decide themselves;
 *   - a person reads approved campaigns in plain words, joins (an
 *     aggregate-only grant to the organisation), withdraws until the run,
 *     and sees their own contribution;
 *   - anyone reads the results of a published campaign.
 * Services (OAuth tokens) have no access to any of it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "campaign/campaign.h"
#include "campaign/mix.h"
#include "core/jsonparse.h"
#include "core/jsonput.h"
#include "core/timeutil.h"
#include "store/store_consent.h"

/* lang_of - ?lang=fr|en, else the Accept-Language's first, else fr; any
 * other parameter is refused (false, *rc set) */
static bool lang_of(struct api_ctx *ctx, const char **lang, bool csv_ok, bool *csv,
		    enum cmn_rc *rc)
{
	char *copy = ctx->req->query ? strdup(ctx->req->query) : NULL, *cursor = copy, *name;
	const char *al = http_header(ctx->req, "Accept-Language");
	char value[8];
	int got;

	*lang = al && strncasecmp(al, "en", 2) == 0 ? "en" : "fr";
	if (csv)
		*csv = false;
	if (ctx->req->query && !copy) {
		*rc = CMN_ERR_NOMEM;
		return false;
	}
	while ((got = api_query_next(&cursor, &name, value, sizeof(value))) != 0) {
		if (got > 0 && strcmp(name, "lang") == 0 &&
		    (strcmp(value, "fr") == 0 || strcmp(value, "en") == 0)) {
			*lang = strcmp(value, "fr") == 0 ? "fr" : "en";
			continue;
		}
		if (got > 0 && csv_ok && strcmp(name, "format") == 0 &&
		    (strcmp(value, "csv") == 0 || strcmp(value, "json") == 0)) {
			*csv = strcmp(value, "csv") == 0;
			continue;
		}
		free(copy);
		*rc = api_problem(ctx, CMN_ERR_INVALID,
				  csv_ok ? "parameters: lang (fr or en) and format (json or csv)"
					 : "the only parameter is lang: fr or en",
				  NULL);
		return false;
	}
	free(copy);
	return true;
}

/* staff_of - whether the caller acts for the organisation org_id: a member
 * of it with the agent or admin role */
static bool staff_of(const struct api_ctx *ctx, const char *org_id)
{
	if (strcmp(ctx->person.role, "agent") != 0 && strcmp(ctx->person.role, "admin") != 0)
		return false;
	return ctx->person.org_id[0] && strcmp(ctx->person.org_id, org_id) == 0;
}

static bool is_admin(const struct api_ctx *ctx)
{
	return strcmp(ctx->person.role, "admin") == 0;
}

/* visible - drafts and rejected campaigns are the organisation's and the
 * operator's business only */
static bool visible(struct api_ctx *ctx, const struct campaign_row *r)
{
	if (r->state != CAMPAIGN_STATE_DRAFT && r->state != CAMPAIGN_STATE_REJECTED)
		return true;
	return is_admin(ctx) || staff_of(ctx, r->org_id);
}

/* the_campaign - the campaign of the path, or 404 (also when not visible) */
static enum cmn_rc the_campaign(struct api_ctx *ctx, bool full, struct campaign_row *r)
{
	enum cmn_rc rc = store_campaign_get(ctx->app->store, ctx->params[0], full, r);

	if (rc == CMN_OK && !visible(ctx, r)) {
		campaign_row_release(r);
		rc = CMN_ERR_NOT_FOUND;
	}
	if (rc == CMN_ERR_NOT_FOUND)
		return api_problem(ctx, rc, "no such campaign", NULL);
	return rc;
}

static json_t *row_json(const struct campaign_row *r)
{
	json_t *def = json_parse_str(r->spec);
	json_t *v = json_object();

	if (!def || !v) {
		json_decref(def);
		json_decref(v);
		return NULL;
	}
	json_put(&v, "id", json_string(r->id));
	json_put(&v, "state", json_string(campaign_state_name(r->state)));
	json_put(&v, "organisation", json_string(r->org_id));
	json_put(&v, "title", json_incref(json_object_get(def, "title")));
	json_put(&v, "opens", json_incref(json_object_get(def, "opens")));
	json_put(&v, "closes", json_incref(json_object_get(def, "closes")));
	json_put(&v, "participants", json_integer(r->participants));
	json_put(&v, "created", api_time(r->created));
	if (r->decided)
		json_put(&v, "decided", api_time(r->decided));
	if (r->computed)
		json_put(&v, "computed", api_time(r->computed));
	if (r->published) {
		char url[96];

		json_put(&v, "published", api_time(r->published));
		snprintf(url, sizeof(url), "/api/v1/campaigns/%s/results", r->id);
		json_put(&v, "results", json_string(url));
	}
	json_put(&v, "definition", def);
	return v;
}

struct listing {
	struct api_ctx *ctx;
	json_t *items;
	enum cmn_rc rc;
};

static enum cmn_rc list_row(const struct campaign_row *r, void *p)
{
	struct listing *l = p;
	struct campaign_part part;
	json_t *v;

	if (!visible(l->ctx, r))
		return CMN_OK;
	if (!(v = row_json(r)))
		return CMN_ERR_NOMEM;
	json_object_del(v, "definition");
	if (store_campaign_part_get(l->ctx->app->store, r->id, l->ctx->person.id, &part) == CMN_OK)
		json_put(&v, "joined", json_boolean(part.withdrawn == 0));
	else
		json_put(&v, "joined", json_false());
	/* the console offers to run and publish only what the caller may */
	json_put(&v, "yours", json_boolean(staff_of(l->ctx, r->org_id)));
	return json_array_append_new(l->items, v) == 0 ? CMN_OK : CMN_ERR_NOMEM;
}

/* GET /api/v1/campaigns - the campaigns the caller may see, newest first,
 * each with whether they joined it */
static enum cmn_rc list(struct api_ctx *ctx)
{
	struct listing l = {ctx, json_array(), CMN_OK};
	enum cmn_rc rc;

	if (!l.items)
		return CMN_ERR_NOMEM;
	rc = store_campaign_each(ctx->app->store, NULL, list_row, &l);
	if (rc != CMN_OK) {
		json_decref(l.items);
		return rc;
	}
	return api_json(ctx, 200, json_pack("{s:o}", "items", l.items));
}

/* POST /api/v1/campaigns - a draft, from its definition (docs/campaigns.md),
 * by a member of the organisation it names */
static enum cmn_rc create(struct api_ctx *ctx)
{
	struct campaign_spec spec = {0};
	struct campaign_plan plan;
	struct campaign_row row;
	char err[400], *canon = NULL;
	json_t *v;
	enum cmn_rc rc;

	rc = campaign_spec_check(ctx->body, ctx->app->registry, &spec, err, sizeof(err));
	if (rc == CMN_ERR_INVALID)
		return api_problem(ctx, rc, err, NULL);
	if (rc != CMN_OK)
		return rc;
	if (!staff_of(ctx, spec.organisation)) {
		campaign_spec_release(&spec);
		return api_problem(ctx, CMN_ERR_FORBIDDEN,
				   "only an agent of the organisation a campaign names creates it",
				   NULL);
	}
	rc = campaign_plan_make(&spec, &plan, err, sizeof(err));
	if (rc != CMN_OK) {
		campaign_spec_release(&spec);
		return api_problem(ctx, rc, err, NULL);
	}
	rc = campaign_spec_json(&spec, &canon, NULL);
	if (rc == CMN_OK && (rc = store_tx_begin(ctx->app->store)) == CMN_OK) {
		enum cmn_rc made = store_campaign_add(ctx->app->store, spec.organisation, canon,
						      time_now_ms(), &row);

		rc = api_audited(ctx, made, "campaign.create", row.id, NULL);
		if (made == CMN_OK && rc != CMN_OK) /* undone: the commit failed */
			campaign_row_release(&row);
	}
	campaign_spec_release(&spec);
	if (rc != CMN_OK) {
		free(canon);
		return rc;
	}
	{
		char loc[80], id[sizeof(row.id)];

		snprintf(id, sizeof(id), "%s", row.id);
		snprintf(loc, sizeof(loc), "/api/v1/campaigns/%s", id);
		row.spec = canon;
		v = row_json(&row);
		campaign_row_release(&row);
		http_set_header(ctx->res, "Location", loc);
		/* done: when its view cannot be made, what is known of it */
		return api_done(ctx, api_json(ctx, 201, v), 201,
				"{\"id\":\"%s\",\"state\":\"draft\"}", id);
	}
}

/* GET /api/v1/campaigns/{id} - one campaign: its definition, in plain
 * words in the caller's language, and the caller's participation */
static enum cmn_rc show(struct api_ctx *ctx)
{
	struct campaign_row r;
	struct campaign_spec spec = {0};
	struct campaign_part part;
	char err[300];
	const char *lang;
	json_t *v;
	enum cmn_rc rc;

	if (!lang_of(ctx, &lang, false, NULL, &rc))
		return rc;
	if ((rc = the_campaign(ctx, false, &r)) != CMN_OK)
		return rc;
	v = row_json(&r);
	rc = v ? campaign_spec_parse(r.spec, strlen(r.spec), ctx->app->registry, &spec, err,
				     sizeof(err))
	       : CMN_ERR_NOMEM;
	if (rc == CMN_OK) {
		enum cmn_rc joined;

		/* whole or not at all: a view without the caller's participation
		 * would tell them they did not join (json_put) */
		json_put(&v, "plain", campaign_plain_json(&spec, &r, lang));
		joined = store_campaign_part_get(ctx->app->store, r.id, ctx->person.id, &part);
		if (joined == CMN_OK) {
			json_t *p = json_object();

			json_put(&p, "joined", api_time(part.joined));
			if (part.withdrawn)
				json_put(&p, "withdrawn", api_time(part.withdrawn));
			json_put(&p, "grant", json_string(part.grant_id));
			json_put(&p, "counted", json_boolean(part.counted));
			json_put(&v, "participation", p);
		} else if (joined != CMN_ERR_NOT_FOUND) {
			rc = joined;
		}
		if (rc == CMN_OK && !v)
			rc = CMN_ERR_NOMEM;
	}
	campaign_spec_release(&spec);
	campaign_row_release(&r);
	if (rc != CMN_OK) {
		json_decref(v);
		return rc;
	}
	return api_json(ctx, 200, v);
}

/* POST /api/v1/campaigns/{id}/approve and /reject - the operator decides
 * a campaign whose governance is "operator"; a trust's or a cooperative's
 * campaign is decided by a proposal to that body (api_govern.c) */
static enum cmn_rc decide(struct api_ctx *ctx, bool approve)
{
	struct campaign_row r;
	char err[300] = "";
	enum cmn_rc rc;

	if ((rc = the_campaign(ctx, false, &r)) != CMN_OK)
		return rc;
	campaign_row_release(&r);
	if (!is_admin(ctx))
		return api_problem(ctx, CMN_ERR_FORBIDDEN,
				   "only the operator records the decision on a campaign", NULL);
	if ((rc = store_tx_begin(ctx->app->store)) != CMN_OK)
		return rc;
	rc = campaign_decide(ctx->app->store, ctx->params[0], approve, ctx->person.id, false,
			     time_now_ms(), err, sizeof(err));
	rc = api_audited(ctx, rc, approve ? "campaign.approve" : "campaign.reject", ctx->params[0],
			 NULL);
	if (rc == CMN_ERR_CONFLICT || rc == CMN_ERR_FORBIDDEN)
		return api_problem(ctx, rc, err, NULL);
	if (rc != CMN_OK)
		return rc;
	return api_done(ctx, show(ctx), 200, "{\"id\":\"%s\",\"state\":\"%s\"}",
			ctx->params[0], approve ? "approved" : "rejected");
}

static enum cmn_rc approve(struct api_ctx *ctx)
{
	return decide(ctx, true);
}

static enum cmn_rc reject(struct api_ctx *ctx)
{
	return decide(ctx, false);
}

/* POST /api/v1/campaigns/{id}/participation - the caller joins */
static enum cmn_rc join(struct api_ctx *ctx)
{
	struct campaign_row r;
	char err[400] = "";
	enum cmn_rc rc;

	if ((rc = the_campaign(ctx, false, &r)) != CMN_OK)
		return rc;
	campaign_row_release(&r);
	rc = campaign_join(ctx->app->store, ctx->app->registry, &ctx->person, ctx->params[0],
			   time_now_ms(), ctx->actor, err, sizeof(err));
	if (rc == CMN_ERR_CONFLICT || rc == CMN_ERR_INVALID || rc == CMN_ERR_FORBIDDEN)
		return api_problem(ctx, rc, err, NULL);
	if (rc != CMN_OK)
		return rc;
	return api_done(ctx, show(ctx), 200, "{\"id\":\"%s\",\"participation\":{}}",
			ctx->params[0]);
}

/* DELETE /api/v1/campaigns/{id}/participation - the caller withdraws */
static enum cmn_rc withdraw(struct api_ctx *ctx)
{
	struct campaign_row r;
	enum cmn_rc rc;

	if ((rc = the_campaign(ctx, false, &r)) != CMN_OK)
		return rc;
	campaign_row_release(&r);
	rc = campaign_withdraw(ctx->app->store, ctx->person.id, ctx->params[0], time_now_ms(),
			       ctx->actor);
	if (rc == CMN_ERR_NOT_FOUND)
		return api_problem(ctx, rc, "you are not in this campaign", NULL);
	if (rc == CMN_ERR_CONFLICT)
		return api_problem(ctx, rc,
				   "the campaign has run: your contribution is in its release", NULL);
	if (rc == CMN_OK)
		api_empty(ctx, 204);
	return rc;
}

/* GET /api/v1/campaigns/{id}/contribution - what the caller's store
 * contributes (or would), computed now from it, shown to them only */
static enum cmn_rc contribution(struct api_ctx *ctx)
{
	struct campaign_row r;
	struct campaign_part part;
	char *text = NULL;
	enum cmn_rc rc;

	if ((rc = the_campaign(ctx, false, &r)) != CMN_OK)
		return rc;
	rc = store_campaign_part_get(ctx->app->store, r.id, ctx->person.id, &part);
	if (rc == CMN_ERR_NOT_FOUND) {
		campaign_row_release(&r);
		return api_problem(ctx, rc, "you have not joined this campaign", NULL);
	}
	if (rc == CMN_OK)
		rc = campaign_contribution_json(ctx->app->store, ctx->app->registry, &r,
						ctx->person.id, &text);
	campaign_row_release(&r);
	if (rc != CMN_OK)
		return rc;
	api_json_text(ctx, 200, text, strlen(text));
	return CMN_OK;
}

/* POST /api/v1/campaigns/{id}/run - the organisation computes the release */
static enum cmn_rc run(struct api_ctx *ctx)
{
	struct campaign_row r;
	struct campaign_run_opts o = {.now = time_now_ms(), .by = ctx->person.id,
				      .actor = ctx->actor};
	struct campaign_run_stats st;
	char err[400] = "";
	enum cmn_rc rc;

	if ((rc = the_campaign(ctx, false, &r)) != CMN_OK)
		return rc;
	if (!staff_of(ctx, r.org_id)) {
		campaign_row_release(&r);
		return api_problem(ctx, CMN_ERR_FORBIDDEN,
				   "only an agent of the campaign's organisation runs it", NULL);
	}
	campaign_row_release(&r);
	rc = campaign_run(ctx->app->store, ctx->app->registry, ctx->params[0], &o, &st, err,
			  sizeof(err));
	if (rc == CMN_ERR_CONFLICT || rc == CMN_ERR_FORBIDDEN || rc == CMN_ERR_INVALID)
		return api_problem(ctx, rc, err, NULL);
	if (rc != CMN_OK)
		return rc;
	rc = api_json(ctx, 200,
		      json_pack("{s:s, s:{s:I, s:I, s:I, s:I, s:I, s:I}, s:{s:I, s:I, s:I, s:I}}",
				"state", "computed", "participants", "joined",
				(json_int_t)st.joined, "counted", (json_int_t)st.counted, "no_grant",
				(json_int_t)st.no_grant, "no_budget", (json_int_t)st.no_budget,
				"no_profile", (json_int_t)st.no_profile, "no_data",
				(json_int_t)st.no_data, "cells", "total", (json_int_t)st.cells,
				"published", (json_int_t)st.published, "under_k",
				(json_int_t)st.primary, "secondary", (json_int_t)st.secondary));
	/* the release is kept: the answer says so even without its counts */
	return api_done(ctx, rc, 200, "{\"state\":\"computed\"}");
}

/* POST /api/v1/campaigns/{id}/publish - the release becomes public */
static enum cmn_rc publish(struct api_ctx *ctx)
{
	struct campaign_row r;
	enum cmn_rc rc;

	if ((rc = the_campaign(ctx, false, &r)) != CMN_OK)
		return rc;
	if (!staff_of(ctx, r.org_id)) {
		campaign_row_release(&r);
		return api_problem(ctx, CMN_ERR_FORBIDDEN,
				   "only an agent of the campaign's organisation publishes it", NULL);
	}
	campaign_row_release(&r);
	rc = campaign_publish(ctx->app->store, ctx->params[0], time_now_ms(), ctx->actor,
			      ctx->person.id, NULL);
	if (rc == CMN_ERR_CONFLICT)
		return api_problem(ctx, rc, "only a computed, unpublished campaign is published",
				   NULL);
	if (rc != CMN_OK)
		return rc;
	return api_done(ctx, show(ctx), 200, "{\"id\":\"%s\",\"state\":\"published\"}",
			ctx->params[0]);
}

/* GET /api/v1/campaigns/{id}/results[?format=csv] - public once published */
static enum cmn_rc results(struct api_ctx *ctx)
{
	struct campaign_row r;
	const char *lang;
	bool csv;
	char *body;
	enum cmn_rc rc;

	if (!lang_of(ctx, &lang, true, &csv, &rc))
		return rc;
	rc = store_campaign_get(ctx->app->store, ctx->params[0], true, &r);
	if (rc == CMN_OK && r.state != CAMPAIGN_STATE_PUBLISHED) {
		campaign_row_release(&r);
		rc = CMN_ERR_NOT_FOUND;
	}
	if (rc == CMN_ERR_NOT_FOUND)
		return api_problem(ctx, rc, "no published campaign of this id", NULL);
	if (rc != CMN_OK)
		return rc;
	if (csv) {
		body = r.csv;
		r.csv = NULL;
		http_set_body(ctx->res, 200, "text/csv; charset=utf-8", body, strlen(body));
	} else {
		body = r.results;
		r.results = NULL;
		api_json_text(ctx, 200, body, strlen(body));
	}
	campaign_row_release(&r);
	return CMN_OK;
}

/* GET /api/v1/campaigns/{id}/mix[?volume=&step=] - WeMix: the local energy
 * mix that best covers a published hourly profile (public, as the table) */
static enum cmn_rc mix(struct api_ctx *ctx)
{
	char *copy = ctx->req->query ? strdup(ctx->req->query) : NULL, *cursor = copy, *name;
	unsigned volume = 100, step = 10;
	char value[8], err[200] = "", *end;
	json_t *out;
	int got;
	enum cmn_rc rc;

	if (ctx->req->query && !copy)
		return CMN_ERR_NOMEM;
	while ((got = api_query_next(&cursor, &name, value, sizeof(value))) != 0) {
		unsigned long v = got > 0 ? strtoul(value, &end, 10) : 0;

		if (got > 0 && *value && !*end && strcmp(name, "volume") == 0)
			volume = v > 1000 ? 1000 : (unsigned)v;
		else if (got > 0 && *value && !*end && strcmp(name, "step") == 0)
			step = v > 1000 ? 1000 : (unsigned)v;
		else {
			free(copy);
			return api_problem(ctx, CMN_ERR_INVALID,
					   "parameters: volume (10 to 300, percent of the demand) and"
					   " step (a divisor of 100 up to 50, percent)",
					   NULL);
		}
	}
	free(copy);
	rc = campaign_mix_of(ctx->app->store, ctx->params[0], volume, step, &out, err, sizeof(err));
	if (rc == CMN_ERR_NOT_FOUND)
		return api_problem(ctx, rc, "no published campaign of this id", NULL);
	if (rc == CMN_ERR_INVALID)
		return api_problem(ctx, rc, err, NULL);
	return rc == CMN_OK ? api_json(ctx, 200, out) : rc;
}

#define DEFINITION_SCHEMA "{\"type\": \"object\"}"

const struct route api_campaigns_routes[] = {
	{"GET", "/api/v1/campaigns", list, AUTH_PERSON, NULL,
	 "Campaigns I may see, and whether I joined them", GRANT_ROUTE_NONE},
	{"POST", "/api/v1/campaigns", create, AUTH_PERSON, DEFINITION_SCHEMA,
	 "A draft campaign of my organisation, from its definition", GRANT_ROUTE_NONE},
	{"GET", "/api/v1/campaigns/{id}", show, AUTH_PERSON, NULL,
	 "A campaign in plain words, with my participation", GRANT_ROUTE_NONE},
	{"POST", "/api/v1/campaigns/{id}/approve", approve, AUTH_ADMIN, NULL,
	 "The operator records the approval of a draft", GRANT_ROUTE_NONE},
	{"POST", "/api/v1/campaigns/{id}/reject", reject, AUTH_ADMIN, NULL,
	 "The operator records the rejection of a draft", GRANT_ROUTE_NONE},
	{"POST", "/api/v1/campaigns/{id}/participation", join, AUTH_SESSION, NULL,
	 "Join a campaign (an aggregate-only consent)", GRANT_ROUTE_NONE},
	{"DELETE", "/api/v1/campaigns/{id}/participation", withdraw, AUTH_SESSION, NULL,
	 "Withdraw from a campaign before it runs", GRANT_ROUTE_NONE},
	{"GET", "/api/v1/campaigns/{id}/contribution", contribution, AUTH_PERSON, NULL,
	 "What my store contributes to a campaign", GRANT_ROUTE_NONE},
	{"POST", "/api/v1/campaigns/{id}/run", run, AUTH_PERSON, NULL,
	 "Compute a campaign's release (its organisation)", GRANT_ROUTE_NONE},
	{"POST", "/api/v1/campaigns/{id}/publish", publish, AUTH_PERSON, NULL,
	 "Make a computed release public (its organisation)", GRANT_ROUTE_NONE},
	{"GET", "/api/v1/campaigns/{id}/results", results, AUTH_NONE, NULL,
	 "The published results of a campaign, JSON or CSV (public)", GRANT_ROUTE_NONE},
	{"GET", "/api/v1/campaigns/{id}/mix", mix, AUTH_NONE, NULL,
	 "WeMix: the local energy mix that best covers a published hourly profile (public)",
	 GRANT_ROUTE_NONE},
	{NULL, NULL, NULL, AUTH_NONE, NULL, NULL, GRANT_ROUTE_NONE},
};
