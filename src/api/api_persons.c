/*
 * api_persons.c - the administration of persons and organisations
 * (admin role only).
 */
#include "api/api.h"

#include <string.h>

#include "account/account.h"

static enum cmn_rc add_person(const struct person *p, void *list)
{
	return json_array_append_new(list, api_person_json(p)) ? CMN_ERR_NOMEM : CMN_OK;
}

/* GET /api/v1/persons */
static enum cmn_rc list(struct api_ctx *ctx)
{
	json_t *items = json_array();
	enum cmn_rc rc = store_person_each(ctx->app->store, add_person, items);

	if (rc != CMN_OK) {
		json_decref(items);
		return rc;
	}
	return api_json(ctx, 200, json_pack("{s:o}", "items", items));
}

/* POST /api/v1/persons {"handle", "password", "role"?, "org"?} */
static enum cmn_rc create(struct api_ctx *ctx)
{
	const char *role = json_string_value(json_object_get(ctx->body, "role"));
	const char *why = NULL;
	struct person p;
	enum cmn_rc rc;

	rc = account_add(ctx->app->store, json_string_value(json_object_get(ctx->body, "handle")),
			 role ? role : "resident",
			 json_string_value(json_object_get(ctx->body, "org")),
			 json_string_value(json_object_get(ctx->body, "password")), &p, &why);
	if (rc == CMN_ERR_NOT_FOUND)
		rc = CMN_ERR_INVALID;
	if (rc != CMN_OK)
		return api_problem(ctx, rc, why, NULL);
	return api_json(ctx, 201, api_person_json(&p));
}

static enum cmn_rc find(struct api_ctx *ctx, struct person *p)
{
	enum cmn_rc rc = store_person_by_handle(ctx->app->store, ctx->params[0], p, NULL);

	if (rc == CMN_ERR_NOT_FOUND)
		return api_problem(ctx, rc, "no such person", NULL);
	return rc;
}

/* PATCH /api/v1/persons/{handle} {"disabled"?, "role"?} */
static enum cmn_rc update(struct api_ctx *ctx)
{
	json_t *disabled = json_object_get(ctx->body, "disabled");
	const char *role = json_string_value(json_object_get(ctx->body, "role"));
	struct person p;
	enum cmn_rc rc = find(ctx, &p);

	if (rc != CMN_OK)
		return rc;
	if (strcmp(p.id, ctx->person.id) == 0)
		return api_problem(ctx, CMN_ERR_CONFLICT,
				   "administrators cannot disable or demote themselves", NULL);
	if (role && !account_role_valid(role))
		return api_problem(ctx, CMN_ERR_INVALID, "unknown role", NULL);
	if (role)
		rc = store_person_set_role(ctx->app->store, p.id, role);
	if (rc == CMN_OK && disabled)
		rc = store_person_set_disabled(ctx->app->store, p.id, json_is_true(disabled));
	if (rc == CMN_OK)
		rc = store_person_by_id(ctx->app->store, p.id, &p, NULL);
	if (rc != CMN_OK)
		return rc;
	return api_json(ctx, 200, api_person_json(&p));
}

/* DELETE /api/v1/persons/{handle} {"confirm": HANDLE} - real erasure. */
static enum cmn_rc erase(struct api_ctx *ctx)
{
	const char *confirm = json_string_value(json_object_get(ctx->body, "confirm"));
	struct person p;
	enum cmn_rc rc = find(ctx, &p);

	if (rc != CMN_OK)
		return rc;
	if (strcmp(confirm, p.handle) != 0)
		return api_problem(ctx, CMN_ERR_INVALID,
				   "repeat the handle in \"confirm\" to erase this person", NULL);
	if (strcmp(p.id, ctx->person.id) == 0)
		return api_problem(ctx, CMN_ERR_CONFLICT, "use DELETE /api/v1/me to erase yourself",
				   NULL);
	rc = store_person_delete(ctx->app->store, p.id);
	if (rc != CMN_OK)
		return rc;
	api_empty(ctx, 204);
	return CMN_OK;
}

static enum cmn_rc add_org(const struct org *o, void *list)
{
	return json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:o}", "id", o->id, "name",
						     o->name, "kind", o->kind, "created",
						     api_time(o->created)))
		       ? CMN_ERR_NOMEM
		       : CMN_OK;
}

/* GET /api/v1/orgs */
static enum cmn_rc orgs(struct api_ctx *ctx)
{
	json_t *items = json_array();
	enum cmn_rc rc = store_org_each(ctx->app->store, add_org, items);

	if (rc != CMN_OK) {
		json_decref(items);
		return rc;
	}
	return api_json(ctx, 200, json_pack("{s:o}", "items", items));
}

/* POST /api/v1/orgs {"name", "kind"} */
static enum cmn_rc org_create(struct api_ctx *ctx)
{
	const char *name = json_string_value(json_object_get(ctx->body, "name"));
	const char *kind = json_string_value(json_object_get(ctx->body, "kind"));
	struct org o;
	enum cmn_rc rc;
	json_t *list;

	if (!account_org_kind_valid(kind))
		return api_problem(ctx, CMN_ERR_INVALID,
				   "kind must be city, holder, reuser, trust or cooperative", NULL);
	rc = store_org_add(ctx->app->store, name, kind, &o);
	if (rc == CMN_ERR_EXISTS)
		return api_problem(ctx, rc, "an organisation has this name", NULL);
	if (rc != CMN_OK)
		return rc;
	list = json_array();
	add_org(&o, list);
	rc = api_json(ctx, 201, json_incref(json_array_get(list, 0)));
	json_decref(list);
	return rc;
}

#define PERSON_SCHEMA                                                                        \
	"{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"handle\","      \
	"\"password\"],\"properties\":{\"handle\":{\"type\":\"string\"},\"password\":"       \
	"{\"type\":\"string\"},\"role\":{\"type\":\"string\"},\"org\":{\"type\":\"string\"}}}"
#define PATCH_SCHEMA                                                                         \
	"{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{\"disabled\":"  \
	"{\"type\":\"boolean\"},\"role\":{\"type\":\"string\"}}}"
#define CONFIRM_SCHEMA                                                                       \
	"{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"confirm\"],"    \
	"\"properties\":{\"confirm\":{\"type\":\"string\"}}}"
#define ORG_SCHEMA                                                                           \
	"{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"name\","        \
	"\"kind\"],\"properties\":{\"name\":{\"type\":\"string\",\"minLength\":1,"           \
	"\"maxLength\":128},\"kind\":{\"type\":\"string\"}}}"

const struct route api_persons_routes[] = {
	{"GET", "/api/v1/persons", list, AUTH_ADMIN, NULL, "List persons", GRANT_ROUTE_NONE},
	{"POST", "/api/v1/persons", create, AUTH_ADMIN, PERSON_SCHEMA, "Create a person", GRANT_ROUTE_NONE},
	{"PATCH", "/api/v1/persons/{handle}", update, AUTH_ADMIN, PATCH_SCHEMA, "Disable, enable or change the role of a person", GRANT_ROUTE_NONE},
	{"DELETE", "/api/v1/persons/{handle}", erase, AUTH_ADMIN, CONFIRM_SCHEMA, "Erase a person and their store", GRANT_ROUTE_NONE},
	{"GET", "/api/v1/orgs", orgs, AUTH_ADMIN, NULL, "List organisations", GRANT_ROUTE_NONE},
	{"POST", "/api/v1/orgs", org_create, AUTH_ADMIN, ORG_SCHEMA, "Create an organisation", GRANT_ROUTE_NONE},
	{NULL, NULL, NULL, AUTH_NONE, NULL, NULL, GRANT_ROUTE_NONE},
};
