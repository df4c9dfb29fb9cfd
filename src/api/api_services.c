/*
 * api_services.c - the services (OAuth clients) registered on the
 * territory, and their blocks: the territory's operator (an admin) or a
 * data holder (an agent of an organisation of kind "holder") may block a
 * service. A blocked service's tokens stop at once (router.c checks the
 * service on every request) and the persons who gave it a consent see the
 * block, its author and its reason in their dashboard (GET /consents).
 */
#include "api/api.h"

#include <stdio.h>
#include <string.h>

#include "store/store_consent.h"

static enum cmn_rc block_item(const char *by, const char *reason, int64_t at, void *list)
{
	return json_array_append_new(list, json_pack("{s:s, s:s, s:o}", "by", by, "reason", reason,
						     "at", api_time(at)))
		       ? CMN_ERR_NOMEM
		       : CMN_OK;
}

struct listing {
	struct store *s;
	json_t *items;
};

static json_t *service_json(struct store *s, const struct client *c)
{
	json_t *blocks = json_array();

	if (!blocks || store_client_blocks(s, c->id, block_item, blocks) != CMN_OK) {
		json_decref(blocks);
		return NULL;
	}
	return json_pack("{s:s, s:s, s:s, s:s, s:b, s:o, s:o}", "id", c->id, "name", c->name,
			 "org", c->org_name, "org_id", c->org_id, "confidential", c->confidential,
			 "blocks", blocks, "created", api_time(c->created));
}

static enum cmn_rc add_service(const struct client *c, void *lv)
{
	struct listing *l = lv;
	json_t *j = service_json(l->s, c);

	return j && json_array_append_new(l->items, j) == 0 ? CMN_OK : CMN_ERR_NOMEM;
}

/* GET /api/v1/services - every registered service, with its blocks. */
static enum cmn_rc list(struct api_ctx *ctx)
{
	struct listing l = {ctx->app->store, json_array()};
	enum cmn_rc rc = l.items ? store_client_each(l.s, NULL, add_service, &l) : CMN_ERR_NOMEM;

	if (rc != CMN_OK) {
		json_decref(l.items);
		return rc;
	}
	return api_json(ctx, 200, json_pack("{s:o}", "items", l.items));
}

struct org_kind {
	const char *id;
	char kind[ROLE_MAX];
};

static enum cmn_rc match_org(const struct org *o, void *kv)
{
	struct org_kind *k = kv;

	if (strcmp(o->id, k->id) == 0)
		snprintf(k->kind, sizeof(k->kind), "%s", o->kind);
	return CMN_OK;
}

/* blocker - who blocks in the caller's name: "operator" for an admin, the
 * organisation's id for an agent of a data holder; CMN_ERR_FORBIDDEN else. */
static enum cmn_rc blocker(struct api_ctx *ctx, char by[CRYPT_ID_LEN])
{
	struct org_kind k = {.id = by};
	enum cmn_rc rc;

	if (strcmp(ctx->person.role, "admin") == 0) {
		snprintf(by, CRYPT_ID_LEN, "operator");
		return CMN_OK;
	}
	rc = store_person_org_id(ctx->app->store, ctx->person.id, by);
	if (rc == CMN_OK && by[0])
		rc = store_org_each(ctx->app->store, match_org, &k);
	if (rc != CMN_OK)
		return rc;
	if (!by[0] || strcmp(k.kind, "holder") != 0)
		return api_problem(ctx, CMN_ERR_FORBIDDEN,
				   "only the territory's operator or a data holder blocks a service",
				   NULL);
	return CMN_OK;
}

/* answer - the service of the path after a change (made in a transaction
 * of store_tx_begin's, which it ends with the change's entry), or its
 * 404. */
static enum cmn_rc answer(struct api_ctx *ctx, enum cmn_rc rc, const char *action)
{
	struct client c;
	json_t *j;
	char object[64];

	snprintf(object, sizeof(object), "service/%.40s", ctx->params[0]);
	rc = api_audited(ctx, rc, action, object, NULL);
	if (rc == CMN_OK)
		rc = store_client_get(ctx->app->store, ctx->params[0], &c, NULL, NULL);
	if (rc == CMN_ERR_NOT_FOUND)
		return api_problem(ctx, rc, "no such service, or no block of yours", NULL);
	if (rc != CMN_OK)
		return rc;
	j = service_json(ctx->app->store, &c);
	return api_json(ctx, 200, j);
}

/* POST /api/v1/services/{id}/block {"reason"} */
static enum cmn_rc block(struct api_ctx *ctx)
{
	char by[CRYPT_ID_LEN];
	struct client c;
	enum cmn_rc rc = blocker(ctx, by);

	if (rc != CMN_OK || (rc = store_tx_begin(ctx->app->store)) != CMN_OK)
		return rc;
	rc = store_client_get(ctx->app->store, ctx->params[0], &c, NULL, NULL);
	if (rc == CMN_OK)
		rc = store_client_block(ctx->app->store, c.id, by,
					json_string_value(json_object_get(ctx->body, "reason")));
	return answer(ctx, rc, "service.block");
}

/* DELETE /api/v1/services/{id}/block - the caller's own block only. */
static enum cmn_rc unblock(struct api_ctx *ctx)
{
	char by[CRYPT_ID_LEN];
	enum cmn_rc rc = blocker(ctx, by);

	if (rc != CMN_OK || (rc = store_tx_begin(ctx->app->store)) != CMN_OK)
		return rc;
	return answer(ctx, store_client_unblock(ctx->app->store, ctx->params[0], by),
		      "service.unblock");
}

#define BLOCK_SCHEMA                                                                        \
	"{\"type\": \"object\", \"required\": [\"reason\"], \"additionalProperties\": false," \
	" \"properties\": {\"reason\": {\"type\": \"string\", \"minLength\": 1,"             \
	" \"maxLength\": 500}}}"

const struct route api_services_routes[] = {
	{"GET", "/api/v1/services", list, AUTH_PERSON, NULL,
	 "The services registered on the territory, with their blocks", GRANT_ROUTE_NONE},
	{"POST", "/api/v1/services/{id}/block", block, AUTH_PERSON, BLOCK_SCHEMA,
	 "Block a service (operator or data holder): its tokens stop at once", GRANT_ROUTE_NONE},
	{"DELETE", "/api/v1/services/{id}/block", unblock, AUTH_PERSON, NULL,
	 "Lift one's block of a service", GRANT_ROUTE_NONE},
	{NULL, NULL, NULL, AUTH_NONE, NULL, NULL, GRANT_ROUTE_NONE},
};
