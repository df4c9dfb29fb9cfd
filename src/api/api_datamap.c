/*
 * api_datamap.c - the territory's data map and the portability requests
 * (issue 11, docs/datamap.md): /api/v1/datamap and /api/v1/portability.
 *
 * Who does what:
 *   - anyone, without an account, reads the data map (public information:
 *     who holds which personal data and how to get it);
 *   - a person drafts a request to a holder (a session: the letter speaks
 *     in their name), records when they sent it, names the import that
 *     brought the answer in, and sees their own requests only (another's
 *     is 404, to the operator too);
 *   - an agent of a city organisation, and the operator, see the counts per
 *     holder, never who asked.
 * Services (OAuth tokens) have no access to any of it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "datamap/datamap.h"

#define SENT_SKEW_MS (5 * 60 * 1000)  /* a send time may be this far in the future */

/* ---- the data map ---------------------------------------------------------------------- */

struct listing {
	struct api_ctx *ctx;
	json_t *items;
};

static enum cmn_rc list_holder(const struct datamap_holder *h, void *p)
{
	struct listing *l = p;
	json_t *v = datamap_holder_json(l->ctx->app->registry, h->body);

	return v && json_array_append_new(l->items, v) == 0 ? CMN_OK : CMN_ERR_NOMEM;
}

/* GET /api/v1/datamap - public */
static enum cmn_rc datamap(struct api_ctx *ctx)
{
	struct listing l = {ctx, json_array()};
	int64_t loaded = 0;
	enum cmn_rc rc = l.items ? store_datamap_each(ctx->app->store, list_holder, &l)
				 : CMN_ERR_NOMEM;

	if (rc == CMN_OK)
		rc = store_datamap_loaded(ctx->app->store, &loaded);
	if (rc != CMN_OK) {
		json_decref(l.items);
		return rc;
	}
	return api_json(ctx, 200,
			json_pack("{s:o, s:o}", "loaded", loaded ? api_time(loaded) : json_null(),
				  "holders", l.items));
}

/* GET /api/v1/datamap/holders/{id} - public */
static enum cmn_rc holder(struct api_ctx *ctx)
{
	char *body = NULL;
	json_t *v;
	enum cmn_rc rc = store_datamap_get(ctx->app->store, ctx->params[0], &body);

	if (rc == CMN_ERR_NOT_FOUND)
		return api_problem(ctx, rc, "no such holder in the data map", NULL);
	if (rc != CMN_OK)
		return rc;
	v = datamap_holder_json(ctx->app->registry, body);
	free(body);
	return api_json(ctx, 200, v);
}

/* ---- requests ------------------------------------------------------------------------ */

static enum cmn_rc answer_request(struct api_ctx *ctx, int status, struct port_request *r)
{
	json_t *v = portability_request_json(r);

	port_request_release(r);
	return api_json(ctx, status, v);
}

/* answer_done - the answer to a step of request id that was committed: its
 * view, or what is known of it when it could not be read back (empty
 * r->id) or its view made: a client told of a failure would do it again */
static enum cmn_rc answer_done(struct api_ctx *ctx, int status, struct port_request *r,
			       const char *id, const char *state)
{
	char known[CRYPT_ID_LEN];
	enum cmn_rc shown = CMN_ERR_NOMEM;

	str_copy(known, sizeof(known), id);
	if (r->id[0])
		shown = answer_request(ctx, status, r);
	return api_done(ctx, shown, status, "{\"id\":\"%s\",\"state\":\"%s\"}", known, state);
}

static enum cmn_rc no_such(struct api_ctx *ctx)
{
	return api_problem(ctx, CMN_ERR_NOT_FOUND, "no such request of yours", NULL);
}

static enum cmn_rc list_request(const struct port_request *r, void *p)
{
	json_t *items = p, *v = portability_request_json(r);

	return v && json_array_append_new(items, v) == 0 ? CMN_OK : CMN_ERR_NOMEM;
}

/* GET /api/v1/portability - my requests, newest first */
static enum cmn_rc list_requests(struct api_ctx *ctx)
{
	json_t *items = json_array();
	enum cmn_rc rc = items ? store_port_each(ctx->app->store, ctx->person.id, list_request,
						 items)
			       : CMN_ERR_NOMEM;

	if (rc != CMN_OK) {
		json_decref(items);
		return rc;
	}
	return api_json(ctx, 200, json_pack("{s:o}", "items", items));
}

/* POST /api/v1/portability {"holder", "kind", "doctypes"?} - a draft */
static enum cmn_rc create(struct api_ctx *ctx)
{
	struct port_request r;
	char err[300] = "", loc[80];
	enum cmn_rc rc = portability_create(
	    ctx->app->store, ctx->app->registry, &ctx->person, ctx->actor,
	    json_string_value(json_object_get(ctx->body, "holder")),
	    json_string_value(json_object_get(ctx->body, "kind")),
	    json_object_get(ctx->body, "doctypes"), time_now_ms(), &r, err, sizeof(err));

	if (rc == CMN_ERR_INVALID)
		return api_problem(ctx, rc, err, NULL);
	if (rc == CMN_ERR_NOT_FOUND) /* a holder not in the data map: the body is at fault */
		return api_problem(ctx, CMN_ERR_INVALID, err, NULL);
	if (rc != CMN_OK)
		return rc;
	snprintf(loc, sizeof(loc), "/api/v1/portability/%s", r.id);
	http_set_header(ctx->res, "Location", loc);
	return answer_done(ctx, 201, &r, r.id, "draft");
}

/* GET /api/v1/portability/{id} - the owner's only */
static enum cmn_rc show(struct api_ctx *ctx)
{
	struct port_request r;
	enum cmn_rc rc = store_port_get(ctx->app->store, ctx->params[0], &r);

	if (rc == CMN_OK && strcmp(r.person_id, ctx->person.id) != 0) {
		port_request_release(&r);
		rc = CMN_ERR_NOT_FOUND;
	}
	if (rc == CMN_ERR_NOT_FOUND)
		return no_such(ctx);
	return rc == CMN_OK ? answer_request(ctx, 200, &r) : rc;
}

/* POST /api/v1/portability/{id}/sent {"at"?} - I sent it (now by default) */
static enum cmn_rc sent(struct api_ctx *ctx)
{
	const char *at_text = json_string_value(json_object_get(ctx->body, "at"));
	struct port_request r;
	int64_t now = time_now_ms(), at = now;
	enum cmn_rc rc;

	if (at_text && (time_parse(at_text, false, &at) != CMN_OK || at > now + SENT_SKEW_MS))
		return api_problem(ctx, CMN_ERR_INVALID, "/at: an RFC 3339 date-time, not later"
							 " than now", NULL);
	rc = store_port_get(ctx->app->store, ctx->params[0], &r);
	if (rc == CMN_OK) {
		bool too_early = at < r.created - SENT_SKEW_MS;

		port_request_release(&r);
		if (too_early)
			return api_problem(ctx, CMN_ERR_INVALID,
					   "/at: not before the request was drafted", NULL);
	}
	rc = portability_sent(ctx->app->store, ctx->person.id, ctx->actor, ctx->params[0], at, &r);
	if (rc == CMN_ERR_NOT_FOUND)
		return no_such(ctx);
	if (rc == CMN_ERR_CONFLICT)
		return api_problem(ctx, rc, "the request was sent already", NULL);
	return rc == CMN_OK ? answer_done(ctx, 200, &r, ctx->params[0], "sent") : rc;
}

/* POST /api/v1/portability/{id}/answer {"import"} - the import (made with
 * POST /api/v1/imports) that brought the holder's answer in */
static enum cmn_rc answer(struct api_ctx *ctx)
{
	const char *import_id = json_string_value(json_object_get(ctx->body, "import"));
	struct port_request r;
	enum cmn_rc rc = store_port_get(ctx->app->store, ctx->params[0], &r);

	if (rc == CMN_OK && strcmp(r.person_id, ctx->person.id) != 0)
		rc = CMN_ERR_NOT_FOUND;
	if (rc == CMN_OK)
		port_request_release(&r);
	if (rc == CMN_ERR_NOT_FOUND)
		return no_such(ctx);
	if (rc != CMN_OK)
		return rc;
	rc = portability_answer_import(ctx->app->store, ctx->person.id, ctx->actor,
				       ctx->params[0], import_id, time_now_ms(), &r);
	if (rc == CMN_ERR_NOT_FOUND)
		return api_problem(ctx, CMN_ERR_INVALID, "/import: no such import of yours", NULL);
	if (rc == CMN_ERR_INVALID)
		return api_problem(ctx, rc, "/import: that import failed", NULL);
	if (rc == CMN_ERR_CONFLICT)
		return api_problem(ctx, rc, "only a request sent and not answered takes an answer",
				   NULL);
	return rc == CMN_OK ? answer_done(ctx, 200, &r, ctx->params[0], "answered") : rc;
}

bool api_city_or_operator(struct api_ctx *ctx)
{
	char kind[ROLE_MAX] = "";

	return strcmp(ctx->person.role, "admin") == 0 ||
	       (strcmp(ctx->person.role, "agent") == 0 &&
		store_person_org_kind(ctx->app->store, ctx->person.id, kind) == CMN_OK &&
		strcmp(kind, "city") == 0);
}

/* GET /api/v1/portability/stats - counts per holder, to an agent of a city
 * organisation and the operator */
static enum cmn_rc stats(struct api_ctx *ctx)
{
	json_t *v;

	if (!api_city_or_operator(ctx))
		return api_problem(ctx, CMN_ERR_FORBIDDEN,
				   "the counts are for the agents of the city and the operator",
				   NULL);
	v = portability_stats_json(ctx->app->store, time_now_ms());
	return api_json(ctx, 200, v);
}

#define CREATE_SCHEMA                                                                      \
	"{\"type\": \"object\", \"required\": [\"holder\", \"kind\"], \"additionalProperties\":" \
	" false, \"properties\": {\"holder\": {\"type\": \"string\", \"minLength\": 1,"         \
	" \"maxLength\": 40}, \"kind\": {\"type\": \"string\", \"enum\": [\"access\","         \
	" \"portability\"]}, \"doctypes\": {\"type\": \"array\", \"maxItems\": 32, \"items\":"  \
	" {\"type\": \"string\", \"maxLength\": 64}}}}"
#define SENT_SCHEMA                                                                        \
	"{\"type\": \"object\", \"additionalProperties\": false, \"properties\": {"           \
	" \"at\": {\"type\": \"string\", \"maxLength\": 40}}}"
#define ANSWER_SCHEMA                                                                      \
	"{\"type\": \"object\", \"required\": [\"import\"], \"additionalProperties\": false,"  \
	" \"properties\": {\"import\": {\"type\": \"string\", \"maxLength\": 32}}}"

const struct route api_datamap_routes[] = {
	{"GET", "/api/v1/datamap", datamap, AUTH_NONE, NULL,
	 "The territory's data map: holders, their data, how to get it (public)",
	 GRANT_ROUTE_NONE},
	{"GET", "/api/v1/datamap/holders/{id}", holder, AUTH_NONE, NULL,
	 "One holder of the data map (public)", GRANT_ROUTE_NONE},
	{"GET", "/api/v1/portability", list_requests, AUTH_PERSON, NULL,
	 "My portability requests", GRANT_ROUTE_NONE},
	{"POST", "/api/v1/portability", create, AUTH_SESSION, CREATE_SCHEMA,
	 "Draft a GDPR access or portability request to a holder, with its letter",
	 GRANT_ROUTE_NONE},
	{"GET", "/api/v1/portability/stats", stats, AUTH_PERSON, NULL,
	 "Requests per holder, counts only (city agents and the operator)", GRANT_ROUTE_NONE},
	{"GET", "/api/v1/portability/{id}", show, AUTH_PERSON, NULL,
	 "One of my portability requests and its letter", GRANT_ROUTE_NONE},
	{"POST", "/api/v1/portability/{id}/sent", sent, AUTH_PERSON, SENT_SCHEMA,
	 "Record when I sent the request: its one-month deadline starts", GRANT_ROUTE_NONE},
	{"POST", "/api/v1/portability/{id}/answer", answer, AUTH_PERSON, ANSWER_SCHEMA,
	 "The import that brought the holder's answer in", GRANT_ROUTE_NONE},
	{NULL, NULL, NULL, AUTH_NONE, NULL, NULL, GRANT_ROUTE_NONE},
};
