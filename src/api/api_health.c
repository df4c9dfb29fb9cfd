/*
 * api_health.c - liveness and the OpenAPI document.
 */
#include "api/api.h"

#include <stdlib.h>
#include <string.h>

#include "core/embedded.h"
#include "core/timeutil.h"
#include "version.h"

/* GET /api/v1/health - the server is up and its store answers. */
static enum cmn_rc health(struct api_ctx *ctx)
{
	int64_t n;
	enum cmn_rc rc = store_person_count(ctx->app->store, &n);

	if (rc != CMN_OK)
		return api_problem(ctx, CMN_ERR_STORE, "the platform store does not answer", NULL);
	return api_json(ctx, 200,
			json_pack("{s:s, s:s, s:I}", "status", "ok", "version", COMMUNE_VERSION,
				  "uptime_s", (json_int_t)((time_now_ms() - ctx->app->started) / 1000)));
}

/* GET /api/v1/openapi.json - docs/openapi.json as built in. */
static enum cmn_rc openapi(struct api_ctx *ctx)
{
	const struct embedded_file *f = embedded_find("docs/openapi.json");
	char *copy;

	if (!f)
		return CMN_ERR_NOT_FOUND;
	copy = malloc(f->len + 1);
	if (!copy)
		return CMN_ERR_NOMEM;
	memcpy(copy, f->data, f->len + 1);
	api_json_text(ctx, 200, copy, f->len);
	return CMN_OK;
}

const struct route api_health_routes[] = {
	{"GET", "/api/v1/health", health, AUTH_NONE, NULL, "Is the server up?", GRANT_ROUTE_NONE},
	{"GET", "/api/v1/openapi.json", openapi, AUTH_NONE, NULL, "This API, as OpenAPI 3.1", GRANT_ROUTE_NONE},
	{NULL, NULL, NULL, AUTH_NONE, NULL, NULL, GRANT_ROUTE_NONE},
};
