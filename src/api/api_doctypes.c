/*
 * api_doctypes.c - the doctype registry, readable by anyone: the shapes of
 * data are public, the data is not.
 */
#include "api/api.h"

#include "core/jsonput.h"

/* GET /api/v1/doctypes */
static enum cmn_rc list(struct api_ctx *ctx)
{
	json_t *items = json_array();

	for (size_t i = 0; items && i < ctx->app->registry->n; i++) {
		const struct doctype *d = &ctx->app->registry->v[i];

		json_push(&items,
			  json_pack("{s:s, s:i, s:s, s:s, s:O?}", "name", d->name, "version",
				    d->version, "kind", d->kind, "sensitivity", d->sensitivity,
				    "title", json_object_get(d->def, "title")));
	}
	return api_json(ctx, 200, json_pack("{s:o}", "items", items));
}

/* GET /api/v1/doctypes/{name} - the whole definition. */
static enum cmn_rc show(struct api_ctx *ctx)
{
	const struct doctype *d = registry_find(ctx->app->registry, ctx->params[0]);

	if (!d)
		return api_problem(ctx, CMN_ERR_NOT_FOUND, "no such doctype", NULL);
	return api_json(ctx, 200, json_incref(d->def));
}

const struct route api_doctypes_routes[] = {
	{"GET", "/api/v1/doctypes", list, AUTH_NONE, NULL, "The doctype registry", GRANT_ROUTE_NONE},
	{"GET", "/api/v1/doctypes/{name}", show, AUTH_NONE, NULL, "One doctype's definition", GRANT_ROUTE_NONE},
	{NULL, NULL, NULL, AUTH_NONE, NULL, NULL, GRANT_ROUTE_NONE},
};
