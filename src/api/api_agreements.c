/*
 * api_agreements.c - data-sharing agreements between a governance body and
 * an organisation (issue 11, docs/governance.md): /api/v1/agreements.
 *
 * Who does what:
 *   - an agent of an organisation drafts an agreement with a body, and may
 *     end it early; the proposal that puts it to the body's vote goes
 *     through /api/v1/bodies/{id}/proposals;
 *   - the organisation's agents, the body's present members and the
 *     operator see it; nobody else learns that it exists (404);
 *   - only the organisation's agents read the records it shares, and only
 *     while it may run (approved, started, not ended nor expired): 403
 *     with the reason otherwise. Members appear under pseudonyms of that
 *     agreement; each member read is told in their audit chain.
 * Services (OAuth tokens) have no access to any of it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/jsonparse.h"
#include "core/jsonput.h"
#include "core/jsontext.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "govern/agreement.h"
#include "govern/govern.h"
#include "store/store_consent.h"

static bool is_admin(const struct api_ctx *ctx)
{
	return strcmp(ctx->person.role, "admin") == 0;
}

/* the organisation the caller is an agent (or admin) of, into org ("" if
 * none) */
static bool staff(const struct api_ctx *ctx, char org[CRYPT_ID_LEN])
{
	org[0] = '\0';
	if (strcmp(ctx->person.role, "agent") != 0 && strcmp(ctx->person.role, "admin") != 0)
		return false;
	str_copy(org, CRYPT_ID_LEN, ctx->person.org_id);
	return org[0] != '\0';
}

static bool staff_of(struct api_ctx *ctx, const char *org_id)
{
	char org[CRYPT_ID_LEN];

	return staff(ctx, org) && strcmp(org, org_id) == 0;
}

/* visible - to the operator, the organisation's staff, the body's members */
static bool visible(struct api_ctx *ctx, const struct gov_agreement *a)
{
	struct gov_member m;

	if (is_admin(ctx) || staff_of(ctx, a->org_id))
		return true;
	return store_gov_member_get(ctx->app->store, a->body_id, ctx->person.id, &m) == CMN_OK &&
	       m.left == 0;
}

static json_t *agreement_json(struct api_ctx *ctx, const struct gov_agreement *a, int64_t now)
{
	struct org o;
	char why[200] = "";
	bool runs = agreement_may_run(a, now, why, sizeof(why)) == CMN_OK;
	json_t *v = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:b}", "id", a->id, "body",
			      a->body_id, "organisation", a->org_id, "state",
			      gov_agreement_state_name(a->state), "terms",
			      json_parse_str(a->spec), "created", api_time(a->created), "ends",
			      api_time(a->ends), "runs", runs);

	if (!v)
		return NULL;
	if (!runs)
		json_put(&v, "why_not", json_string(why));
	if (store_org_get(ctx->app->store, a->org_id, &o) == CMN_OK)
		json_put(&v, "organisation_name", json_string(o.name));
	if (a->starts)
		json_put(&v, "starts", api_time(a->starts));
	if (a->decided) {
		json_put(&v, "decided", api_time(a->decided));
		json_put(&v, "proposal", json_string(a->decided_by));
	}
	if (a->ended)
		json_put(&v, "ended", api_time(a->ended));
	return v;
}

/* the_agreement - the agreement of the path, or 404 (also when not visible) */
static enum cmn_rc the_agreement(struct api_ctx *ctx, struct gov_agreement *a)
{
	enum cmn_rc rc = store_gov_agreement_get(ctx->app->store, ctx->params[0], a);

	if (rc == CMN_OK && !visible(ctx, a)) {
		gov_agreement_release(a);
		rc = CMN_ERR_NOT_FOUND;
	}
	if (rc == CMN_ERR_NOT_FOUND)
		return api_problem(ctx, rc, "no such agreement", NULL);
	return rc;
}

/* POST /api/v1/agreements {"body", "terms"} - an organisation's agent */
static enum cmn_rc create(struct api_ctx *ctx)
{
	const char *body = json_string_value(json_object_get(ctx->body, "body"));
	char *terms = json_text_dumps(json_object_get(ctx->body, "terms"), JSON_COMPACT);
	char org[CRYPT_ID_LEN], err[300] = "", detail[320], loc[80];
	struct gov_agreement a;
	json_t *v;
	enum cmn_rc rc;

	if (!terms)
		return CMN_ERR_NOMEM;
	if (!staff(ctx, org)) {
		free(terms);
		return api_problem(ctx, CMN_ERR_FORBIDDEN,
				   "an agreement is drafted by an agent of its organisation", NULL);
	}
	if ((rc = store_tx_begin(ctx->app->store)) == CMN_OK) {
		enum cmn_rc made = agreement_create(ctx->app->store, ctx->app->registry, org, body,
						    terms, strlen(terms), time_now_ms(), &a, err,
						    sizeof(err));

		rc = api_audited(ctx, made, "agreement.create", a.id, NULL);
		if (made == CMN_OK && rc != CMN_OK) /* undone: the commit failed */
			gov_agreement_release(&a);
	}
	free(terms);
	if (rc == CMN_ERR_NOT_FOUND)
		return api_problem(ctx, CMN_ERR_INVALID, "/body: no such body", NULL);
	if (rc == CMN_ERR_INVALID) {
		snprintf(detail, sizeof(detail), "/terms%s", err);
		return api_problem(ctx, rc, detail, NULL);
	}
	if (rc != CMN_OK)
		return rc;
	v = agreement_json(ctx, &a, time_now_ms());
	snprintf(loc, sizeof(loc), "/api/v1/agreements/%s", a.id);
	http_set_header(ctx->res, "Location", loc);
	/* drafted: when its view cannot be made, what is known of it */
	rc = api_done(ctx, api_json(ctx, 201, v), 201,
		      "{\"id\":\"%s\",\"state\":\"draft\"}", a.id);
	gov_agreement_release(&a);
	return rc;
}

struct listing {
	struct api_ctx *ctx;
	json_t *items;
	int64_t now;
};

static enum cmn_rc list_one(const struct gov_agreement *a, void *p)
{
	struct listing *l = p;
	json_t *v;

	if (!visible(l->ctx, a))
		return CMN_OK;
	v = agreement_json(l->ctx, a, l->now);
	return v && json_array_append_new(l->items, v) == 0 ? CMN_OK : CMN_ERR_NOMEM;
}

/* GET /api/v1/agreements - those the caller may see, newest first */
static enum cmn_rc list(struct api_ctx *ctx)
{
	struct listing l = {ctx, json_array(), time_now_ms()};
	enum cmn_rc rc = l.items ? store_gov_agreement_each(ctx->app->store, NULL, NULL, list_one, &l)
				 : CMN_ERR_NOMEM;

	if (rc != CMN_OK) {
		json_decref(l.items);
		return rc;
	}
	return api_json(ctx, 200, json_pack("{s:o}", "items", l.items));
}

/* GET /api/v1/agreements/{id} */
static enum cmn_rc show(struct api_ctx *ctx)
{
	struct gov_agreement a;
	json_t *v;
	enum cmn_rc rc = the_agreement(ctx, &a);

	if (rc != CMN_OK)
		return rc;
	v = agreement_json(ctx, &a, time_now_ms());
	gov_agreement_release(&a);
	return api_json(ctx, 200, v);
}

/* POST /api/v1/agreements/{id}/end - its organisation or the operator */
static enum cmn_rc end(struct api_ctx *ctx)
{
	struct gov_agreement a;
	enum cmn_rc rc = the_agreement(ctx, &a);
	bool ours;

	if (rc != CMN_OK)
		return rc;
	ours = staff_of(ctx, a.org_id);
	gov_agreement_release(&a);
	if (!ours && !is_admin(ctx))
		return api_problem(ctx, CMN_ERR_FORBIDDEN,
				   "an agreement is ended by its organisation or the operator", NULL);
	if ((rc = store_tx_begin(ctx->app->store)) != CMN_OK)
		return rc;
	rc = agreement_end(ctx->app->store, ctx->app->keys, ctx->params[0], time_now_ms(),
			   ours ? "organisation" : "operator");
	rc = api_audited(ctx, rc, "agreement.end", ctx->params[0], NULL);
	if (rc == CMN_ERR_CONFLICT)
		return api_problem(ctx, rc, "this agreement was rejected or ended already", NULL);
	if (rc != CMN_OK)
		return rc;
	return api_done(ctx, show(ctx), 200, "{\"id\":\"%s\",\"state\":\"ended\"}",
			ctx->params[0]);
}

/* GET /api/v1/agreements/{id}/records/{doctype}?limit=&cursor= - the
 * organisation's agents, while the agreement runs */
static enum cmn_rc records(struct api_ctx *ctx)
{
	struct gov_agreement a;
	struct agreement_page page;
	struct buf out;
	char *copy = ctx->req->query ? strdup(ctx->req->query) : NULL, *cur = copy, *name;
	char value[1024], cursor[1024] = "", why[300] = "", actor[400];
	size_t limit = AGREEMENT_PAGE_DEFAULT;
	int got;
	enum cmn_rc rc = the_agreement(ctx, &a);

	if (rc != CMN_OK) {
		free(copy);
		return rc;
	}
	if (!staff_of(ctx, a.org_id)) {
		gov_agreement_release(&a);
		free(copy);
		return api_problem(ctx, CMN_ERR_FORBIDDEN,
				   "only the agreement's organisation reads what it shares", NULL);
	}
	gov_agreement_release(&a);
	while ((got = api_query_next(&cur, &name, value, sizeof(value))) != 0) {
		char *end = NULL;
		long long n = 0;

		if (got > 0 && strcmp(name, "cursor") == 0 && value[0]) {
			memcpy(cursor, value, sizeof(cursor));
			continue;
		}
		if (got > 0 && strcmp(name, "limit") == 0)
			n = strtoll(value, &end, 10);
		if (got > 0 && end && !*end && n >= 1 && n <= AGREEMENT_PAGE_MAX) {
			limit = (size_t)n;
			continue;
		}
		free(copy);
		return api_problem(ctx, CMN_ERR_INVALID,
				   "parameters: limit (1 to 10000) and cursor (from next_cursor)",
				   NULL);
	}
	free(copy);
	snprintf(actor, sizeof(actor), "%s/agreement:%s", ctx->actor, ctx->params[0]);
	buf_init(&out, 256 * 1024 * 1024);
	buf_puts(&out, "{\"items\":");
	rc = agreement_read(ctx->app->store, ctx->app->keys, ctx->app->registry, ctx->params[0],
			    ctx->params[1], cursor[0] ? cursor : NULL, limit, time_now_ms(), actor,
			    &out, &page, why, sizeof(why));
	if (rc == CMN_ERR_FORBIDDEN || rc == CMN_ERR_INVALID) {
		buf_release(&out);
		return api_problem(ctx, rc, why, NULL);
	}
	if (rc == CMN_OK) {
		buf_printf(&out, ",\"members\":%zu,\"next_cursor\":", page.members);
		if (page.next)
			buf_printf(&out, "\"%s\"", page.next);
		else
			buf_puts(&out, "null");
		rc = buf_puts(&out, "}");
	}
	free(page.next);
	if (rc != CMN_OK) {
		buf_release(&out);
		return rc;
	}
	api_json_text(ctx, 200, out.data, out.len);
	return CMN_OK;
}

#define CREATE_SCHEMA                                                                         \
	"{\"type\": \"object\", \"required\": [\"body\", \"terms\"],"                          \
	" \"additionalProperties\": false, \"properties\": {"                                  \
	" \"body\": {\"type\": \"string\", \"maxLength\": 32},"                                \
	" \"terms\": {\"type\": \"object\"}}}"

const struct route api_agreements_routes[] = {
	{"GET", "/api/v1/agreements", list, AUTH_PERSON, NULL,
	 "The data-sharing agreements I may see: my organisation's, my bodies'", GRANT_ROUTE_NONE},
	{"POST", "/api/v1/agreements", create, AUTH_PERSON, CREATE_SCHEMA,
	 "An organisation drafts a data-sharing agreement with a body", GRANT_ROUTE_NONE},
	{"GET", "/api/v1/agreements/{id}", show, AUTH_PERSON, NULL,
	 "An agreement, its terms and whether it runs", GRANT_ROUTE_NONE},
	{"POST", "/api/v1/agreements/{id}/end", end, AUTH_PERSON, NULL,
	 "End an agreement before its time", GRANT_ROUTE_NONE},
	{"GET", "/api/v1/agreements/{id}/records/{doctype}", records, AUTH_PERSON, NULL,
	 "The records an approved agreement shares, under pseudonyms", GRANT_ROUTE_NONE},
	{NULL, NULL, NULL, AUTH_NONE, NULL, NULL, GRANT_ROUTE_NONE},
};
