/*
 * api_auth.c - logging in and out, changing one's password, one's own
 * account, and erasing it.
 */
#include "api/api.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "account/account.h"
#include "core/jsonput.h"
#include "core/str.h"

static void set_cookie(struct api_ctx *ctx, const char *token, long max_age)
{
	char cookie[256];

	snprintf(cookie, sizeof(cookie),
		 "commune_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%ld%s", token,
		 max_age, ctx->app->secure_cookies ? "; Secure" : "");
	http_set_header(ctx->res, "Set-Cookie", cookie);
	sodium_memzero(cookie, sizeof(cookie));
}

/* POST /api/v1/auth/login {"handle", "password"} */
static enum cmn_rc login(struct api_ctx *ctx)
{
	const char *handle = json_string_value(json_object_get(ctx->body, "handle"));
	const char *password = json_string_value(json_object_get(ctx->body, "password"));
	struct login l;
	enum cmn_rc rc;
	char wait[24];

	rc = account_login(ctx->app->store, ctx->app->limits, handle, password, ctx->req->addr, &l);
	if (rc == CMN_ERR_RATE_LIMITED) {
		snprintf(wait, sizeof(wait), "%u", l.retry_after);
		http_set_header(ctx->res, "Retry-After", wait);
		return api_problem(ctx, rc, "too many failed logins: wait before trying again",
				   NULL);
	}
	if (rc == CMN_ERR_UNAUTHENTICATED) {
		http_set_header(ctx->res, "WWW-Authenticate", "Bearer realm=\"commune\"");
		return api_problem(ctx, rc, "wrong handle or password", NULL);
	}
	if (rc != CMN_OK)
		return rc;
	set_cookie(ctx, l.token, (long)CMN_SESSION_TTL_S);
	sodium_memzero(l.token, sizeof(l.token));
	str_copy(ctx->res->person, sizeof(ctx->res->person), l.person.id);
	return api_json(ctx, 200, json_pack("{s:o, s:s, s:o}", "person", api_person_json(&l.person),
					    "csrf", l.csrf, "expires", api_time(l.expires)));
}

/* POST /api/v1/auth/logout */
static enum cmn_rc logout(struct api_ctx *ctx)
{
	enum cmn_rc rc = store_session_delete(ctx->app->store, ctx->session_hash);

	if (rc != CMN_OK)
		return rc;
	set_cookie(ctx, "", 0);
	api_empty(ctx, 204);
	return CMN_OK;
}

/* too_many - 429 with Retry-After. */
static enum cmn_rc too_many(struct api_ctx *ctx, unsigned retry_after)
{
	char wait[24];

	snprintf(wait, sizeof(wait), "%u", retry_after);
	http_set_header(ctx->res, "Retry-After", wait);
	return api_problem(ctx, CMN_ERR_RATE_LIMITED,
			   "too many wrong passwords: wait before trying again", NULL);
}

/* POST /api/v1/auth/password {"current", "new"} */
static enum cmn_rc password(struct api_ctx *ctx)
{
	const char *why = NULL;
	unsigned wait = 0;
	enum cmn_rc rc = account_password_change(
		ctx->app->store, ctx->app->limits, &ctx->person,
		json_string_value(json_object_get(ctx->body, "current")),
		json_string_value(json_object_get(ctx->body, "new")), ctx->req->addr,
		ctx->session_hash, ctx->actor, &wait, &why);

	if (rc == CMN_ERR_RATE_LIMITED)
		return too_many(ctx, wait);
	if (rc == CMN_ERR_UNAUTHENTICATED)
		return api_problem(ctx, CMN_ERR_FORBIDDEN, why, NULL);
	if (rc != CMN_OK)
		return api_problem(ctx, rc, why, NULL);
	api_empty(ctx, 204);
	return CMN_OK;
}

/* GET /api/v1/me */
static enum cmn_rc me(struct api_ctx *ctx)
{
	json_t *j = api_person_json(&ctx->person);

	json_put(&j, "auth", json_string(ctx->via_token ? "token" : "session"));
	return api_json(ctx, 200, j);
}

/* DELETE /api/v1/me {"password", "confirm": HANDLE} - erases the account
 * and the person's store: the explicit confirmation is the handle typed
 * again, and the password. */
static enum cmn_rc erase_me(struct api_ctx *ctx)
{
	const char *pw = json_string_value(json_object_get(ctx->body, "password"));
	const char *confirm = json_string_value(json_object_get(ctx->body, "confirm"));
	unsigned wait = 0;
	enum cmn_rc rc;

	if (strcmp(confirm, ctx->person.handle) != 0)
		return api_problem(ctx, CMN_ERR_INVALID,
				   "type your handle in \"confirm\" to erase your account", NULL);
	rc = account_password_verify(ctx->app->store, ctx->app->limits, &ctx->person, pw,
				     ctx->req->addr, &wait);
	if (rc == CMN_ERR_RATE_LIMITED)
		return too_many(ctx, wait);
	if (rc == CMN_ERR_UNAUTHENTICATED)
		return api_problem(ctx, CMN_ERR_FORBIDDEN, "the password is wrong", NULL);
	if (rc == CMN_OK)
		rc = store_person_delete(ctx->app->store, ctx->person.id);
	if (rc != CMN_OK)
		return rc;
	set_cookie(ctx, "", 0);
	api_empty(ctx, 204);
	return CMN_OK;
}

#define LOGIN_SCHEMA                                                                         \
	"{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"handle\","      \
	"\"password\"],\"properties\":{\"handle\":{\"type\":\"string\",\"maxLength\":64},"   \
	"\"password\":{\"type\":\"string\",\"maxLength\":1024}}}"
#define PASSWORD_SCHEMA                                                                      \
	"{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"current\","     \
	"\"new\"],\"properties\":{\"current\":{\"type\":\"string\"},\"new\":{\"type\":"      \
	"\"string\"}}}"
#define ERASE_SCHEMA                                                                         \
	"{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"password\","    \
	"\"confirm\"],\"properties\":{\"password\":{\"type\":\"string\"},\"confirm\":"       \
	"{\"type\":\"string\"}}}"

const struct route api_auth_routes[] = {
	{"POST", "/api/v1/auth/login", login, AUTH_NONE, LOGIN_SCHEMA, "Log in; sets the session cookie", GRANT_ROUTE_NONE},
	{"POST", "/api/v1/auth/logout", logout, AUTH_SESSION, NULL, "End this session", GRANT_ROUTE_NONE},
	{"POST", "/api/v1/auth/password", password, AUTH_SESSION, PASSWORD_SCHEMA, "Change one's password", GRANT_ROUTE_NONE},
	{"GET", "/api/v1/me", me, AUTH_PERSON, NULL, "Who am I", GRANT_ROUTE_NONE},
	{"DELETE", "/api/v1/me", erase_me, AUTH_SESSION, ERASE_SCHEMA, "Erase my account and my store", GRANT_ROUTE_NONE},
	{NULL, NULL, NULL, AUTH_NONE, NULL, NULL, GRANT_ROUTE_NONE},
};
