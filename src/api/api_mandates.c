/*
 * api_mandates.c - mandates, after the French "Aidants Connect": a
 * mediator asks a person for a mandate to do named procedures for them
 * (today: import their files) until a date; the person confirms it; the
 * mediator then acts naming it in Commune-Consent, with those powers only
 * (router.c: a mandate opens the routes of its procedures and nothing
 * else, not even reads), each action recorded in the person's chain as
 * "mediator:ID/mandate:ID"; the person or the mediator ends it at any
 * time. A mandate is a consent (src/consent/) marked as a mandate.
 */
#include "api/api.h"

#include <stdio.h>
#include <string.h>

#include "consent/consent.h"
#include "core/str.h"
#include "core/timeutil.h"

#define MANDATE_MAX_DAYS 366              /* a mandate ends within a year */

/* POST /api/v1/mandates {"person", "procedures", "until"} - by a mediator. */
static enum cmn_rc create(struct api_ctx *ctx)
{
	const char *handle = json_string_value(json_object_get(ctx->body, "person"));
	const char *until = json_string_value(json_object_get(ctx->body, "until"));
	struct person p;
	struct grant_row row;
	int64_t end, now = time_now_ms();
	char err[300];
	json_t *v;
	enum cmn_rc rc;

	if (strcmp(ctx->person.role, "mediator") != 0)
		return api_problem(ctx, CMN_ERR_FORBIDDEN, "only a mediator asks for a mandate", NULL);
	if (time_parse(until, true, &end) != CMN_OK || end <= now ||
	    end > now + (int64_t)MANDATE_MAX_DAYS * 86400 * 1000)
		return api_problem(ctx, CMN_ERR_INVALID,
				   "/until: a date or date-time to come, within a year", NULL);
	rc = store_person_by_handle(ctx->app->store, handle, &p, NULL);
	if (rc == CMN_ERR_NOT_FOUND || (rc == CMN_OK && strcmp(p.id, ctx->person.id) == 0))
		return api_problem(ctx, CMN_ERR_INVALID, "/person: no such person to help", NULL);
	if (rc != CMN_OK)
		return rc;
	rc = consent_mandate_new(ctx->app->store, ctx->app->registry, &p, &ctx->person,
				 json_object_get(ctx->body, "procedures"), until, ctx->actor, err,
				 sizeof(err), &row);
	if (rc == CMN_ERR_INVALID)
		return api_problem(ctx, rc, err, NULL);
	if (rc != CMN_OK)
		return rc;
	v = consent_grant_view(ctx->app->store, &row, now);
	grant_row_release(&row);
	return api_json(ctx, 201, v);
}

/* name_persons - adds "person_handle" to the mandates the caller holds: the
 * mediator typed that handle to ask for the mandate, so it tells them
 * nothing new, and the list reads as names rather than ids. A handle that
 * cannot be read or added fails the list (the caller releases it whole). */
static enum cmn_rc name_persons(struct api_ctx *ctx, json_t *items)
{
	enum cmn_rc rc;
	size_t i;
	json_t *m;

	json_array_foreach(items, i, m) {
		const char *id = json_string_value(json_object_get(m, "person"));
		struct person p;

		if (!id || strcmp(id, ctx->person.id) == 0)
			continue;
		rc = store_person_by_id(ctx->app->store, id, &p, NULL);
		if (rc == CMN_ERR_NOT_FOUND) /* erased since: no handle to show */
			continue;
		if (rc != CMN_OK)
			return rc;
		if (json_object_set_new(m, "person_handle", json_string(p.handle)) != 0)
			return CMN_ERR_NOMEM;
	}
	return CMN_OK;
}

/* GET /api/v1/mandates - those I gave, and those I hold as a mediator
 * (with the handle of the person each names). */
static enum cmn_rc list(struct api_ctx *ctx)
{
	return api_consent_list(ctx, CONSENT_GIVEN | CONSENT_RECEIVED, "mandate", name_persons);
}

/* POST /api/v1/mandates/{id}/confirm - by the person: the mandate starts. */
static enum cmn_rc confirm(struct api_ctx *ctx)
{
	struct grant_row row;
	enum cmn_rc rc = store_grant_get(ctx->app->store, ctx->params[0], &row);
	bool mandate = rc == CMN_OK && strstr(row.body, "\"mandate\":");
	json_t *v = NULL;

	grant_row_release(&row);
	if (rc == CMN_OK && !mandate)
		rc = CMN_ERR_NOT_FOUND;
	if (rc == CMN_OK && (rc = store_tx_begin(ctx->app->store)) == CMN_OK) {
		char object[64];

		snprintf(object, sizeof(object), "mandate/%.40s", ctx->params[0]);
		rc = api_audited(ctx,
				 consent_answer(ctx->app->store, ctx->person.id, ctx->params[0], true,
						ctx->actor),
				 "mandate.confirm", object, NULL);
	}
	if (rc == CMN_ERR_NOT_FOUND)
		return api_problem(ctx, rc, "no such mandate asked of you", NULL);
	if (rc == CMN_ERR_CONFLICT)
		return api_problem(ctx, rc, "this mandate was confirmed or ended already", NULL);
	if (rc != CMN_OK)
		return rc;
	if (store_grant_get(ctx->app->store, ctx->params[0], &row) == CMN_OK) {
		v = consent_grant_view(ctx->app->store, &row, time_now_ms());
		grant_row_release(&row);
	}
	/* done: when the grant cannot be read back or shown, what is known of it */
	return api_done(ctx, api_json(ctx, 200, v), 200,
			"{\"id\":\"%.40s\",\"status\":\"given\"}", ctx->params[0]);
}

/* POST /api/v1/mandates/{id}/end - by the person or the mediator. */
static enum cmn_rc end(struct api_ctx *ctx)
{
	struct store *s = ctx->app->store;
	struct grant_row row;
	char person_id[CRYPT_ID_LEN] = "", object[64];
	enum cmn_rc rc = store_grant_get(s, ctx->params[0], &row);

	/* the entry goes to the person's chain, whoever of the two ends it */
	if (rc == CMN_OK)
		str_copy(person_id, sizeof(person_id), row.person_id);
	grant_row_release(&row);
	snprintf(object, sizeof(object), "mandate/%.40s", ctx->params[0]);
	if (rc == CMN_OK && (rc = store_tx_begin(s)) == CMN_OK)
		rc = store_tx_end_told(s,
				       consent_mandate_end(s, ctx->person.id, ctx->params[0],
							   ctx->actor),
				       person_id, ctx->actor, "mandate.end", object, "");
	if (rc == CMN_ERR_NOT_FOUND)
		return api_problem(ctx, rc, "no such mandate of yours", NULL);
	if (rc == CMN_ERR_CONFLICT)
		return api_problem(ctx, rc, "this mandate has ended already", NULL);
	if (rc != CMN_OK)
		return rc;
	api_empty(ctx, 204);
	return CMN_OK;
}

#define MANDATE_SCHEMA                                                                        \
	"{\"type\": \"object\", \"required\": [\"person\", \"procedures\", \"until\"],"        \
	" \"additionalProperties\": false, \"properties\": {"                                  \
	" \"person\": {\"type\": \"string\"},"                                                  \
	" \"procedures\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}},"            \
	" \"until\": {\"type\": \"string\"}}}"

const struct route api_mandates_routes[] = {
	{"POST", "/api/v1/mandates", create, AUTH_SESSION, MANDATE_SCHEMA,
	 "Ask a person for a mandate (a mediator)", GRANT_ROUTE_NONE},
	{"GET", "/api/v1/mandates", list, AUTH_PERSON, NULL,
	 "The mandates I gave or hold", GRANT_ROUTE_NONE},
	{"POST", "/api/v1/mandates/{id}/confirm", confirm, AUTH_SESSION, NULL,
	 "Confirm a mandate asked of me: it starts", GRANT_ROUTE_NONE},
	{"POST", "/api/v1/mandates/{id}/end", end, AUTH_PERSON, NULL,
	 "End a mandate (the person or the mediator)", GRANT_ROUTE_NONE},
	{NULL, NULL, NULL, AUTH_NONE, NULL, NULL, GRANT_ROUTE_NONE},
};
