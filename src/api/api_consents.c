/*
 * api_consents.c - the consent dashboard: the grants a person gave (with
 * their use counts), giving one directly, answering a service's request,
 * withdrawing in one call; and the grants a person or their organisation
 * received. Every decision is also appended to the person's audit chain.
 */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consent/consent.h"
#include "core/timeutil.h"

enum cmn_rc api_consent_list(struct api_ctx *ctx, unsigned sides, const char *mark,
			     enum cmn_rc (*dress)(struct api_ctx *ctx, json_t *items))
{
	json_t *items = json_array();
	enum cmn_rc rc;

	api_access_sync(ctx);
	rc = items ? consent_list(ctx->app->store, ctx->person.id, sides, mark, time_now_ms(), items)
		   : CMN_ERR_NOMEM;
	/* the whole list, dressed, or an error */
	if (rc == CMN_OK && dress)
		rc = dress(ctx, items);
	if (rc != CMN_OK) {
		json_decref(items);
		return rc;
	}
	return api_json(ctx, 200, json_pack("{s:o}", "items", items));
}

/* GET /api/v1/consents - the grants I gave, newest first. */
static enum cmn_rc list(struct api_ctx *ctx)
{
	return api_consent_list(ctx, CONSENT_GIVEN, NULL, NULL);
}

/* GET /api/v1/consents/stats - the consents in force, counted by whom they
 * are given to: counts only, to the city's agents and the operator */
static enum cmn_rc stats(struct api_ctx *ctx)
{
	struct grant_counts n;
	int64_t now = time_now_ms(), total;
	char at[TIME_RFC3339_LEN];
	enum cmn_rc rc;

	if (!api_city_or_operator(ctx))
		return api_problem(ctx, CMN_ERR_FORBIDDEN,
				   "the counts are for the agents of the city and the operator",
				   NULL);
	if ((rc = store_grant_counts(ctx->app->store, now, &n)) != CMN_OK)
		return rc;
	time_format(at, now);
	total = n.service + n.person + n.org + n.other;
	return api_json(ctx, 200,
			json_pack("{s:s, s:I, s:{s:I, s:I, s:I, s:I}}", "at", at, "in_force",
				  (json_int_t)total, "by_grantee",
				  "service", (json_int_t)n.service, "person", (json_int_t)n.person,
				  "org", (json_int_t)n.org, "other", (json_int_t)n.other));
}

/* GET /api/v1/consents/received - grants given to me, or to my organisation. */
static enum cmn_rc received(struct api_ctx *ctx)
{
	return api_consent_list(ctx, CONSENT_RECEIVED, NULL, NULL);
}

/* view - answers with the view of grant id, if it is the caller's. */
static enum cmn_rc view(struct api_ctx *ctx, const char *id, int status)
{
	struct grant_row row;
	enum cmn_rc rc;
	json_t *v;

	api_access_sync(ctx);
	rc = store_grant_get(ctx->app->store, id, &row);
	if (rc == CMN_OK && strcmp(row.person_id, ctx->person.id) != 0)
		rc = CMN_ERR_NOT_FOUND;
	if (rc != CMN_OK) {
		grant_row_release(&row);
		return rc == CMN_ERR_NOT_FOUND ? api_problem(ctx, rc, "no such consent of yours", NULL)
					       : rc;
	}
	v = consent_grant_view(ctx->app->store, &row, time_now_ms());
	grant_row_release(&row);
	return api_json(ctx, status, v);
}

/* GET /api/v1/consents/{id} */
static enum cmn_rc show(struct api_ctx *ctx)
{
	return view(ctx, ctx->params[0], 200);
}

/* POST /api/v1/consents - I give a grant to an organisation, a person or
 * a registered service, at once. */
static enum cmn_rc give(struct api_ctx *ctx)
{
	const char *kind = json_string_value(json_object_get(json_object_get(ctx->body, "grantee"),
							     "kind"));
	struct grant_row row;
	char err[300], object[64] = "", id[CRYPT_ID_LEN] = "";
	json_t *v = NULL;
	enum cmn_rc rc;

	if (kind && strcmp(kind, "link") == 0)
		return api_problem(ctx, CMN_ERR_INVALID,
				   "/grantee/kind: a link is shared with POST /api/v1/shares", NULL);
	/* the consent, its view and its entry in one transaction: a consent
	 * its giver's timeline does not show never stands */
	if ((rc = store_tx_begin(ctx->app->store)) != CMN_OK)
		return rc;
	rc = consent_grant_new(ctx->app->store, ctx->app->registry, &ctx->person, ctx->body, "given",
			       ctx->actor, err, sizeof(err), &row);
	if (rc == CMN_OK) {
		snprintf(object, sizeof(object), "consent/%.40s", row.id);
		snprintf(id, sizeof(id), "%s", row.id);
		v = consent_grant_view(ctx->app->store, &row, time_now_ms());
		grant_row_release(&row);
	}
	rc = api_audited(ctx, rc, "consent.give", object, NULL);
	if (rc != CMN_OK) {
		json_decref(v);
		return rc == CMN_ERR_INVALID ? api_problem(ctx, rc, err, NULL) : rc;
	}
	/* given: when its view cannot be made, what is known of it */
	return api_done(ctx, api_json(ctx, 201, v), 201,
			"{\"id\":\"%s\",\"status\":\"given\"}", id);
}

/* change - a state change of grant {id} (to: withdrawn, given or refused),
 * with its entry kept and written as api_audited does; answered with the
 * grant's new view */
static enum cmn_rc change(struct api_ctx *ctx, const char *action, const char *conflict,
			  const char *to)
{
	struct store *s = ctx->app->store;
	enum cmn_rc rc = store_tx_begin(s);
	char object[64];

	snprintf(object, sizeof(object), "consent/%.40s", ctx->params[0]);
	if (rc == CMN_OK) {
		rc = strcmp(to, "withdrawn") == 0
			     ? consent_withdraw(s, ctx->person.id, ctx->params[0], ctx->actor)
			     : consent_answer(s, ctx->person.id, ctx->params[0],
					      strcmp(to, "given") == 0, ctx->actor);
		rc = api_audited(ctx, rc, action, object, NULL);
	}
	if (rc == CMN_ERR_NOT_FOUND)
		return api_problem(ctx, rc, "no such consent of yours", NULL);
	if (rc == CMN_ERR_CONFLICT)
		return api_problem(ctx, rc, conflict, NULL);
	if (rc != CMN_OK)
		return rc;
	/* done: when the grant cannot be read back, what is known of it */
	if (view(ctx, ctx->params[0], 200) != CMN_OK)
		return api_json(ctx, 200,
				json_pack("{s:s, s:s}", "id", ctx->params[0], "status", to));
	return CMN_OK;
}

/* POST /api/v1/consents/{id}/withdraw - one call, effective at once. */
static enum cmn_rc withdraw(struct api_ctx *ctx)
{
	return change(ctx, "consent.withdraw", "only a given consent can be withdrawn",
		      "withdrawn");
}

/* POST /api/v1/consents/{id}/answer {"give": true|false} - the answer to
 * a service's request. */
static enum cmn_rc answer(struct api_ctx *ctx)
{
	bool yes = json_is_true(json_object_get(ctx->body, "give"));

	return change(ctx, yes ? "consent.give" : "consent.refuse",
		      "this consent was answered already", yes ? "given" : "refused");
}

#define TERMS_SCHEMA "{\"type\": \"object\"}"
#define ANSWER_SCHEMA                                                                        \
	"{\"type\": \"object\", \"required\": [\"give\"], \"additionalProperties\": false,"  \
	" \"properties\": {\"give\": {\"type\": \"boolean\"}}}"

const struct route api_consents_routes[] = {
	{"GET", "/api/v1/consents", list, AUTH_PERSON, NULL, "The consents I gave, with their use",
	 GRANT_ROUTE_NONE},
	{"POST", "/api/v1/consents", give, AUTH_SESSION, TERMS_SCHEMA,
	 "Give a consent to an organisation, a person or a service", GRANT_ROUTE_NONE},
	{"GET", "/api/v1/consents/stats", stats, AUTH_PERSON, NULL,
	 "The consents in force, counts only (city agents and the operator)", GRANT_ROUTE_NONE},
	{"GET", "/api/v1/consents/received", received, AUTH_PERSON, NULL,
	 "The consents given to me or to my organisation", GRANT_ROUTE_NONE},
	{"GET", "/api/v1/consents/{id}", show, AUTH_PERSON, NULL, "One of my consents",
	 GRANT_ROUTE_NONE},
	{"POST", "/api/v1/consents/{id}/withdraw", withdraw, AUTH_PERSON, NULL,
	 "Withdraw a consent: its tokens stop at once", GRANT_ROUTE_NONE},
	{"POST", "/api/v1/consents/{id}/answer", answer, AUTH_SESSION, ANSWER_SCHEMA,
	 "Give or refuse a consent a service asked for", GRANT_ROUTE_NONE},
	{NULL, NULL, NULL, AUTH_NONE, NULL, NULL, GRANT_ROUTE_NONE},
};
