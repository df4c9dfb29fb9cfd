/*
 * api_tokens.c - personal API tokens for scripts: list, create, revoke.
 */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "account/account.h"
#include "core/jsontext.h"

static json_t *token_json(const struct api_token *t)
{
	return json_pack("{s:s, s:s, s:o, s:o?}", "id", t->id, "name", t->name, "created",
			 api_time(t->created), "last_used",
			 t->last_used ? api_time(t->last_used) : NULL);
}

static enum cmn_rc add_token(const struct api_token *t, void *list)
{
	return json_array_append_new(list, token_json(t)) ? CMN_ERR_NOMEM : CMN_OK;
}

/* GET /api/v1/tokens */
static enum cmn_rc list(struct api_ctx *ctx)
{
	json_t *items = json_array();
	enum cmn_rc rc = store_token_each(ctx->app->store, ctx->person.id, add_token, items);

	if (rc != CMN_OK) {
		json_decref(items);
		return rc;
	}
	return api_json(ctx, 200, json_pack("{s:o}", "items", items));
}

/* POST /api/v1/tokens {"name"} - the secret is in this answer only. */
static enum cmn_rc create(struct api_ctx *ctx)
{
	const char *name = json_string_value(json_object_get(ctx->body, "name"));
	char token[CRYPT_TOKEN_LEN + 4], object[64] = "", *detail = NULL;
	struct api_token t;
	json_t *j;
	enum cmn_rc rc;

	/* the token and its entry for the person's chain in one transaction
	 * (api_audited): a token the timeline does not show never stands */
	if ((rc = store_tx_begin(ctx->app->store)) != CMN_OK)
		return rc;
	rc = account_token_new(ctx->app->store, ctx->person.id, name, &t, token);
	if (rc == CMN_OK) {
		json_t *d = json_pack("{s:s}", "name", t.name);

		snprintf(object, sizeof(object), "token/%s", t.id);
		detail = d ? json_text_dumps(d, JSON_COMPACT) : NULL;
		json_decref(d);
		rc = detail ? CMN_OK : CMN_ERR_NOMEM;
	}
	rc = api_audited(ctx, rc, "token.create", object, detail);
	free(detail);
	if (rc == CMN_ERR_TOO_LARGE)
		return api_problem(ctx, CMN_ERR_CONFLICT, "too many tokens: revoke one first", NULL);
	if (rc != CMN_OK) {
		sodium_memzero(token, sizeof(token));
		return rc;
	}
	j = token_json(&t);
	if (j && json_object_set_new(j, "token", json_string(token)) != 0) {
		json_decref(j);
		j = NULL;
	}
	/* made, and shown this once: when its view cannot be made (no memory
	 * for it), its id and secret */
	rc = api_done(ctx, api_json(ctx, 201, j), 201,
		      "{\"id\":\"%s\",\"token\":\"%s\"}", t.id, token);
	sodium_memzero(token, sizeof(token));
	return rc;
}

/* DELETE /api/v1/tokens/{id} */
static enum cmn_rc revoke(struct api_ctx *ctx)
{
	struct store *s = ctx->app->store;
	enum cmn_rc rc = store_tx_begin(s);
	char object[64];

	snprintf(object, sizeof(object), "token/%.40s", ctx->params[0]);
	if (rc == CMN_OK)
		rc = api_audited(ctx, store_token_delete(s, ctx->person.id, ctx->params[0]),
				 "token.revoke", object, NULL);
	if (rc != CMN_OK)
		return rc;
	api_empty(ctx, 204);
	return CMN_OK;
}

#define TOKEN_SCHEMA                                                                         \
	"{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"name\"],"       \
	"\"properties\":{\"name\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":100}}}"

const struct route api_tokens_routes[] = {
	{"GET", "/api/v1/tokens", list, AUTH_SESSION, NULL, "My API tokens", GRANT_ROUTE_NONE},
	{"POST", "/api/v1/tokens", create, AUTH_SESSION, TOKEN_SCHEMA, "Create an API token", GRANT_ROUTE_NONE},
	{"DELETE", "/api/v1/tokens/{id}", revoke, AUTH_SESSION, NULL, "Revoke an API token", GRANT_ROUTE_NONE},
	{NULL, NULL, NULL, AUTH_NONE, NULL, NULL, GRANT_ROUTE_NONE},
};
