/*
 * api_oauth.c - the OAuth 2.0 authorization server of the "direct
 * transfer" model (issue #6, docs/oauth.md): server metadata (RFC 8414),
 * dynamic client registration by organisations (RFC 7591), the token
 * endpoint (RFC 6749 §4.1.3 and §6, PKCE RFC 7636), introspection
 * (RFC 7662) and revocation (RFC 7009). The authorization endpoint and its
 * pages are in api_oauth_authorize.c and api_oauth_page.c.
 *
 * Codes and tokens are random secrets kept by hash (store_oauth.h), each
 * bound to one client and one grant; the grant is read afresh whenever a
 * token is used, refreshed or introspected, so a withdrawal, an expiry or
 * a block stops it at once. The errors of these endpoints are those of
 * RFC 6749 §5.2 ({"error", "error_description"}), which OAuth clients
 * expect, not problem documents; authentication failures of the routes a
 * person calls (registration) stay problem documents.
 */
#include "api/api_oauth_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "consent/consent.h"
#include "core/jsonparse.h"
#include "core/jsonput.h"
#include "core/jsontext.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "oauth/pkce.h"
#include "oauth/redirect.h"
#include "store/store_oauth.h"

/* ---- shared with the authorization endpoint ------------------------------ */

enum cmn_rc oauth_client_load(struct store *s, const char *client_id, struct oauth_client *out)
{
	char *meta = NULL;
	enum cmn_rc rc;

	memset(out, 0, sizeof(*out));
	if (!client_id || strlen(client_id) >= CRYPT_ID_LEN)
		return CMN_ERR_NOT_FOUND;
	rc = store_client_get(s, client_id, &out->c, &meta, out->secret_hash);
	if (rc == CMN_OK)
		out->meta = json_parse_str(meta); /* not inside json_is_object: a macro */
	if (rc == CMN_OK && !json_is_object(out->meta))
		rc = CMN_ERR_CORRUPT;
	free(meta);
	if (rc != CMN_OK)
		oauth_client_release(out);
	return rc;
}

void oauth_client_release(struct oauth_client *oc)
{
	json_decref(oc->meta);
	oc->meta = NULL;
}

const char *oauth_client_redirect(const struct oauth_client *oc, const char *uri)
{
	size_t i;
	json_t *v;

	json_array_foreach(json_object_get(oc->meta, "redirect_uris"), i, v)
	{
		if (json_is_string(v) && oauth_redirect_matches(json_string_value(v), uri))
			return json_string_value(v);
	}
	return NULL;
}

void oauth_issuer(const struct api_ctx *ctx, char *out, size_t n)
{
	const char *host = http_header(ctx->req, "Host");
	size_t len = host ? strlen(host) : 0;

	/* a Host that is not a plain host[:port] is not repeated back */
	if (!len || len > 255 ||
	    strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789.-:[]") != len)
		host = "localhost";
	snprintf(out, n, "%s://%s", ctx->app->secure_cookies ? "https" : "http", host);
}

/* ---- answers --------------------------------------------------------------- */

/* oauth_error - an RFC 6749 §5.2 error; returns CMN_ERR_INVALID so that
 * handlers can `return oauth_error(...)` (the router keeps the body). */
static enum cmn_rc oauth_error(struct api_ctx *ctx, int status, const char *error,
			       const char *description)
{
	json_t *o = json_pack("{s:s, s:s}", "error", error, "error_description", description);
	char *text = o ? json_text_dumps(o, API_JSON_FLAGS) : NULL;

	json_decref(o);
	if (!text)
		return CMN_ERR_NOMEM;
	http_set_header(ctx->res, "Pragma", "no-cache");
	http_set_body(ctx->res, status, "application/json", text, strlen(text));
	return CMN_ERR_INVALID;
}

/* answer - a successful JSON answer of the token endpoint and the others. */
static enum cmn_rc answer(struct api_ctx *ctx, int status, json_t *v)
{
	http_set_header(ctx->res, "Pragma", "no-cache");
	return api_json(ctx, status, v);
}

/* ---- GET /.well-known/oauth-authorization-server (RFC 8414) ---------------- */

/* strings - a JSON array of the NULL-ended strings. */
static json_t *strings(const char *const *v)
{
	json_t *a = json_array();

	for (; a && *v; v++)
		json_push(&a, json_string(*v));
	return a;
}

/* scopes - scopes_supported: one doctype: token per doctype of the
 * registry, and the operations (field: and period: take any value). */
static json_t *scopes(const struct registry *reg)
{
	json_t *a = json_array();
	char tok[CMN_DOCTYPE_NAME_MAX + 16];

	for (size_t i = 0; a && i < reg->n; i++) {
		snprintf(tok, sizeof(tok), "doctype:%s", reg->v[i].name);
		json_push(&a, json_string(tok));
	}
	for (unsigned op = GRANT_OP_READ; a && op <= GRANT_OP_COMPUTE; op <<= 1) {
		snprintf(tok, sizeof(tok), "op:%s", grant_op_name((enum grant_op)op));
		json_push(&a, json_string(tok));
	}
	return a;
}

static enum cmn_rc metadata(struct api_ctx *ctx)
{
	static const char *const endpoints[][2] = {
	    {"authorization_endpoint", "/oauth/authorize"},
	    {"token_endpoint", "/oauth/token"},
	    {"registration_endpoint", "/oauth/register"},
	    {"introspection_endpoint", "/oauth/introspect"},
	    {"revocation_endpoint", "/oauth/revoke"},
	};
	static const char *const code[] = {"code", NULL}, *const query[] = {"query", NULL};
	static const char *const grants[] = {"authorization_code", "refresh_token", NULL};
	static const char *const s256[] = {"S256", NULL};
	static const char *const auth[] = {"none", "client_secret_basic", "client_secret_post",
					   NULL};
	char iss[300], url[400];
	json_t *o = json_object();

	oauth_issuer(ctx, iss, sizeof(iss));
	if (!o)
		return CMN_ERR_NOMEM;
	json_put(&o, "issuer", json_string(iss));
	for (size_t i = 0; i < sizeof(endpoints) / sizeof(*endpoints); i++) {
		snprintf(url, sizeof(url), "%s%s", iss, endpoints[i][1]);
		json_put(&o, endpoints[i][0], json_string(url));
	}
	json_put(&o, "response_types_supported", strings(code));
	json_put(&o, "response_modes_supported", strings(query));
	json_put(&o, "grant_types_supported", strings(grants));
	json_put(&o, "code_challenge_methods_supported", strings(s256));
	json_put(&o, "token_endpoint_auth_methods_supported", strings(auth));
	json_put(&o, "introspection_endpoint_auth_methods_supported", strings(auth));
	json_put(&o, "revocation_endpoint_auth_methods_supported", strings(auth));
	json_put(&o, "scopes_supported", scopes(ctx->app->registry));
	json_put(&o, "authorization_response_iss_parameter_supported", json_true());
	return api_json(ctx, 200, o);
}

/* ---- POST /oauth/register (RFC 7591) --------------------------------------- */

/* reg_error - an RFC 7591 §3.2.2 error. */
static enum cmn_rc reg_error(struct api_ctx *ctx, const char *error, const char *description)
{
	return oauth_error(ctx, 400, error, description);
}

/* string_member - a string member of o: NULL when absent; *bad when it is
 * there but not a string of 1..max bytes without control characters. */
static const char *string_member(const json_t *o, const char *key, size_t max, bool *bad)
{
	const json_t *v = json_object_get(o, key);
	const char *s;

	if (!v)
		return NULL;
	s = json_string_value(v);
	if (!s || !*s || strlen(s) > max) {
		*bad = true;
		return NULL;
	}
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			*bad = true;
	return *bad ? NULL : s;
}

/* check_redirects - the redirect_uris member: 1..CMN_OAUTH_REDIRECT_URIS
 * distinct valid URIs. */
static const char *check_redirects(const json_t *uris)
{
	size_t i, j;
	json_t *v;
	const char *why;

	if (!json_is_array(uris) || json_array_size(uris) == 0)
		return "redirect_uris: a non-empty array of URIs is required";
	if (json_array_size(uris) > CMN_OAUTH_REDIRECT_URIS)
		return "redirect_uris: at most 8";
	json_array_foreach(uris, i, v)
	{
		if (!json_is_string(v))
			return "redirect_uris: every item must be a string";
		if (!oauth_redirect_valid(json_string_value(v), &why))
			return why;
		for (j = 0; j < i; j++)
			if (json_equal(v, json_array_get(uris, j)))
				return "redirect_uris: a URI is given twice";
	}
	return NULL;
}

/* check_list - an optional array of strings, each one of allowed; *must
 * (may be NULL) must be among them. */
static bool check_list(const json_t *a, const char *const *allowed, size_t n, const char *must)
{
	bool has_must = !must;
	size_t i, k;
	json_t *v;

	if (!json_is_array(a) || json_array_size(a) == 0)
		return false;
	json_array_foreach(a, i, v)
	{
		const char *s = json_string_value(v);

		for (k = 0; s && k < n && strcmp(s, allowed[k]) != 0; k++)
			;
		if (!s || k == n)
			return false;
		if (must && strcmp(s, must) == 0)
			has_must = true;
	}
	return has_must;
}

/* registration - the metadata kept of a registration request (a new
 * object), or NULL with *error and *why. */
static json_t *registration(const struct api_ctx *ctx, const json_t *in, const char **error,
			    const char **why)
{
	static const char *const grant_types[] = {"authorization_code", "refresh_token"};
	static const char *const response_types[] = {"code"};
	static const char *const methods[] = {"none", "client_secret_basic", "client_secret_post"};
	bool bad = false;
	const char *name, *method, *dpv, *fr, *en, *basis, *scope;
	const json_t *days = json_object_get(in, "consent_days");
	json_int_t ndays = CMN_OAUTH_CONSENT_DAYS;
	struct oauth_scope sc;
	char err[200];
	size_t k;

	*error = "invalid_client_metadata";
	if ((*why = check_redirects(json_object_get(in, "redirect_uris")))) {
		*error = "invalid_redirect_uri";
		return NULL;
	}
	name = string_member(in, "client_name", CLIENT_NAME_MAX, &bad);
	if (!name || bad)
		return (*why = "client_name: the service's name (1 to 128 bytes) is required"),
		       NULL;
	method = string_member(in, "token_endpoint_auth_method", 64, &bad);
	if (!method)
		method = "client_secret_basic"; /* RFC 7591 §2 */
	for (k = 0; k < 3 && strcmp(method, methods[k]) != 0; k++)
		;
	if (bad || k == 3)
		return (*why = "token_endpoint_auth_method: none, client_secret_basic or"
			       " client_secret_post"),
		       NULL;
	if (json_object_get(in, "grant_types") &&
	    !check_list(json_object_get(in, "grant_types"), grant_types, 2, "authorization_code"))
		return (*why = "grant_types: authorization_code, and refresh_token if wanted"),
		       NULL;
	if (json_object_get(in, "response_types") &&
	    !check_list(json_object_get(in, "response_types"), response_types, 1, "code"))
		return (*why = "response_types: only code"), NULL;
	dpv = string_member(in, "purpose_dpv", 64, &bad);
	if (bad || !grant_purpose_known(dpv))
		return (*why =
			    "purpose_dpv: one of the DPV purposes of docs/consent.md is required"),
		       NULL;
	fr = string_member(in, "purpose_fr", GRANT_TEXT_MAX, &bad);
	en = string_member(in, "purpose_en", GRANT_TEXT_MAX, &bad);
	if (bad || !fr || !en)
		return (*why = "purpose_fr, purpose_en: the purpose in plain French and English"
			       " words (1 to 1000 bytes each) is required"),
		       NULL;
	basis = string_member(in, "legal_basis", 64, &bad);
	if (!basis)
		basis = "consent";
	if (bad || !grant_legal_basis_dpv(basis))
		return (*why = "legal_basis: consent, contract, legal-obligation, vital-interest,"
			       " public-task or legitimate-interest"),
		       NULL;
	if (days && (!json_is_integer(days) || json_integer_value(days) < 1 ||
		     json_integer_value(days) > CMN_OAUTH_CONSENT_DAYS_MAX))
		return (*why = "consent_days: an integer from 1 to 3650"), NULL;
	if (days)
		ndays = json_integer_value(days);
	scope = string_member(in, "scope", CMN_OAUTH_SCOPE_MAX, &bad);
	if (bad || (scope && oauth_scope_parse(scope, &sc, err, sizeof(err)) != CMN_OK))
		return (*why = "scope: a scope of docs/oauth.md (doctype:NAME ...)"), NULL;
	for (size_t i = 0; scope && i < sc.ndoctypes; i++)
		if (!registry_find(ctx->app->registry, sc.doctypes[i]))
			return (*why = "scope: a doctype is not in the registry"), NULL;
	return json_pack("{s:O, s:s, s:s, s:O*, s:[s], s:s, s:s, s:s, s:s, s:I, s:s*}",
			 "redirect_uris", json_object_get(in, "redirect_uris"), "client_name", name,
			 "token_endpoint_auth_method", method, "grant_types",
			 json_object_get(in, "grant_types"), "response_types", "code",
			 "purpose_dpv", dpv, "purpose_fr", fr, "purpose_en", en, "legal_basis",
			 basis, "consent_days", ndays, "scope", scope);
}

/* POST /oauth/register - a member of an organisation registers a service
 * of it; a confidential client's secret is in this answer only. */
static enum cmn_rc register_client(struct api_ctx *ctx)
{
	char org_id[CRYPT_ID_LEN] = "", secret[CRYPT_TOKEN_LEN + 4], hash[CRYPT_HASH_HEX_LEN];
	const char *error, *why;
	struct client c;
	json_t *meta;
	char *text;
	bool confidential;
	enum cmn_rc rc;

	rc = store_person_org_id(ctx->app->store, ctx->person.id, org_id);
	if (rc != CMN_OK)
		return rc;
	if (!org_id[0])
		return api_problem(ctx, CMN_ERR_FORBIDDEN,
				   "only a member of an organisation registers its services", NULL);
	if (!(meta = registration(ctx, ctx->body, &error, &why)))
		return reg_error(ctx, error, why);
	if (!json_object_get(meta, "grant_types"))
		json_put(&meta, "grant_types",
			 json_pack("[s, s]", "authorization_code", "refresh_token"));
	if (!meta)
		return CMN_ERR_NOMEM;
	confidential =
	    strcmp(json_string_value(json_object_get(meta, "token_endpoint_auth_method")),
		   "none") != 0;
	if (confidential) {
		str_copy(secret, sizeof(secret), "ccs_");
		crypt_token_new(secret + 4);
		crypt_hash_hex(secret, hash);
	}
	text = json_text_dumps(meta, JSON_COMPACT | JSON_SORT_KEYS);
	rc = text ? store_client_add(ctx->app->store, org_id,
				     json_string_value(json_object_get(meta, "client_name")),
				     confidential ? hash : NULL, text, &c)
		  : CMN_ERR_NOMEM;
	free(text);
	if (rc != CMN_OK) {
		json_decref(meta);
		sodium_memzero(secret, sizeof(secret));
		return rc;
	}
	json_put(&meta, "client_id", json_string(c.id));
	json_put(&meta, "client_id_issued_at", json_integer(c.created / 1000));
	json_put(&meta, "organisation",
		 json_pack("{s:s, s:s}", "id", org_id, "name", ctx->person.org));
	if (confidential) {
		json_put(&meta, "client_secret", json_string(secret));
		json_put(&meta, "client_secret_expires_at", json_integer(0));
	}
	/* registered, and a secret shown this once: when its view cannot be
	 * made (no memory for it), its id and its secret */
	rc = api_done(ctx, answer(ctx, 201, meta), 201, "{\"client_id\":\"%s\"%s%s%s}", c.id,
		      confidential ? ",\"client_secret\":\"" : "", confidential ? secret : "",
		      confidential ? "\",\"client_secret_expires_at\":0" : "");
	if (confidential)
		sodium_memzero(secret, sizeof(secret));
	return rc;
}

/* ---- form bodies and client authentication --------------------------------- */

/* read_form - the application/x-www-form-urlencoded body of the request. */
static enum cmn_rc read_form(struct api_ctx *ctx, struct oauth_form *f)
{
	const char *ct = http_header(ctx->req, "Content-Type");
	char err[160];
	size_t n = ct ? strcspn(ct, "; ") : 0;

	memset(f, 0, sizeof(*f));
	if (n != 33 || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0)
		return oauth_error(ctx, 400, "invalid_request",
				   "send the parameters as application/x-www-form-urlencoded");
	if (oauth_form_parse(f, ctx->req->body, ctx->req->body_len, err, sizeof(err)) != CMN_OK)
		return oauth_error(ctx, 400, "invalid_request", err);
	return CMN_OK;
}

/* basic_credentials - client_id and secret of "Authorization: Basic"
 * (RFC 6749 §2.3.1: each form-urlencoded, then base64). */
static bool basic_credentials(const char *authz, char *id, size_t idn, char *secret, size_t sn)
{
	unsigned char bin[512];
	size_t len = 0, k;
	const char *end = NULL;
	char *colon;

	authz += 6;
	while (*authz == ' ')
		authz++;
	if (sodium_base642bin(bin, sizeof(bin) - 1, authz, strlen(authz), NULL, &len, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    *end != '\0')
		return false;
	bin[len] = '\0';
	colon = memchr(bin, ':', len);
	if (!colon || (size_t)(colon - (char *)bin) >= idn ||
	    len - (size_t)(colon - (char *)bin) > sn)
		return false;
	return str_pct_decode((char *)bin, (size_t)(colon - (char *)bin), id, &k) == CMN_OK &&
	       str_pct_decode(colon + 1, len - (size_t)(colon - (char *)bin) - 1, secret, &k) ==
		   CMN_OK;
}

/* authenticate_client - the client calling the token, introspection or
 * revocation endpoint (RFC 6749 §2.3): a confidential client by its secret
 * (Basic or in the body), a public one by its client_id alone. Answers the
 * error itself (invalid_client, 401) when it returns non-OK. */
static enum cmn_rc authenticate_client(struct api_ctx *ctx, const struct oauth_form *f,
				       struct oauth_client *oc)
{
	const char *authz = http_header(ctx->req, "Authorization");
	const char *id = oauth_form_get(f, "client_id"),
		   *secret = oauth_form_get(f, "client_secret");
	char bid[CRYPT_ID_LEN + 8], bsecret[256], h[CRYPT_HASH_HEX_LEN];
	bool basic = authz && strncasecmp(authz, "Basic ", 6) == 0;
	enum cmn_rc rc;

	memset(oc, 0, sizeof(*oc));
	if (basic) {
		if (secret)
			return oauth_error(ctx, 400, "invalid_request",
					   "use one way of client authentication, not two");
		if (!basic_credentials(authz, bid, sizeof(bid), bsecret, sizeof(bsecret)) ||
		    (id && strcmp(id, bid) != 0)) {
			http_set_header(ctx->res, "WWW-Authenticate", "Basic realm=\"commune\"");
			return oauth_error(ctx, 401, "invalid_client",
					   "malformed Basic credentials");
		}
		id = bid;
		secret = bsecret;
	}
	if (!id)
		return oauth_error(ctx, 401, "invalid_client", "client_id is required");
	rc = oauth_client_load(ctx->app->store, id, oc);
	if (rc == CMN_OK && oc->c.confidential) {
		crypt_hash_hex(secret ? secret : "", h);
		if (!secret || !crypt_equal(h, oc->secret_hash))
			rc = CMN_ERR_UNAUTHENTICATED;
	} else if (rc == CMN_OK && secret) {
		rc = CMN_ERR_UNAUTHENTICATED; /* a public client has no secret */
	}
	sodium_memzero(bsecret, sizeof(bsecret));
	if (rc == CMN_ERR_NOT_FOUND || rc == CMN_ERR_UNAUTHENTICATED) {
		oauth_client_release(oc);
		if (basic)
			http_set_header(ctx->res, "WWW-Authenticate", "Basic realm=\"commune\"");
		return oauth_error(ctx, 401, "invalid_client",
				   "unknown client, or wrong client authentication");
	}
	return rc;
}

/* ---- grants behind tokens ---------------------------------------------------- */

/* live_grant - the grant grant_id, if client may use it now: given, within
 * its validity, to this service, which nobody blocked. */
static enum cmn_rc live_grant(struct api_ctx *ctx, const struct oauth_client *oc,
			      const char *grant_id, struct grant *g)
{
	int64_t now = time_now_ms();
	enum cmn_rc rc = consent_load(ctx->app->store, grant_id, g);

	if (rc == CMN_ERR_NOT_FOUND ||
	    (rc == CMN_OK && (grant_effective_status(g, now) != GRANT_GIVEN ||
			      now < g->valid_from || strcmp(g->grantee_kind, "service") != 0 ||
			      strcmp(g->grantee_id, oc->c.id) != 0 || oc->c.blocked)))
		return CMN_ERR_FORBIDDEN;
	return rc;
}

/* scope_text - the scope of grant grant_id in the scope language (malloc'd),
 * or NULL when it cannot be said. */
static char *scope_text(struct store *s, const char *grant_id)
{
	struct grant_row row;
	struct oauth_scope sc;
	char *text = NULL;
	json_t *o;

	if (store_grant_get(s, grant_id, &row) != CMN_OK)
		return NULL;
	o = json_parse_str(row.body);
	if (o && oauth_scope_from_json(json_object_get(o, "scope"), &sc) == CMN_OK)
		text = oauth_scope_text(&sc);
	json_decref(o);
	grant_row_release(&row);
	return text;
}

/* new_token - a fresh secret with its prefix, and its hash. */
static void new_token(const char *prefix, char secret[CRYPT_TOKEN_LEN + 4],
		      char hash[CRYPT_HASH_HEX_LEN])
{
	str_copy(secret, CRYPT_TOKEN_LEN + 4, prefix);
	crypt_token_new(secret + 4);
	crypt_hash_hex(secret, hash);
}

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* token_answer - RFC 6749 §5.1; the access token was made at now (ms). */
static enum cmn_rc token_answer(struct api_ctx *ctx, const char *access, int64_t now,
				int64_t expires, const char *refresh, const char *grant_id)
{
	char *scope = scope_text(ctx->app->store, grant_id);
	int64_t in = (expires - now) / 1000;
	json_t *o = json_pack("{s:s, s:s, s:I, s:s*, s:s*, s:s}", "access_token", access,
			      "token_type", "Bearer", "expires_in", (json_int_t)(in > 0 ? in : 0),
			      "refresh_token", refresh, "scope", scope, "grant_id", grant_id);

	free(scope);
	return o ? answer(ctx, 200, o) : CMN_ERR_NOMEM;
}

/* ---- POST /oauth/token ---------------------------------------------------------- */

/* wants_refresh - whether the client registered the refresh_token grant. */
static bool wants_refresh(const struct oauth_client *oc)
{
	size_t i;
	json_t *v;

	json_array_foreach(json_object_get(oc->meta, "grant_types"), i, v)
	{
		if (json_is_string(v) && strcmp(json_string_value(v), "refresh_token") == 0)
			return true;
	}
	return false;
}

/* code_grant - grant_type=authorization_code (RFC 6749 §4.1.3, RFC 7636 §4.6). */
static enum cmn_rc code_grant(struct api_ctx *ctx, const struct oauth_form *f,
			      const struct oauth_client *oc)
{
	const char *code = oauth_form_get(f, "code"), *uri = oauth_form_get(f, "redirect_uri");
	const char *verifier = oauth_form_get(f, "code_verifier");
	char code_hash[CRYPT_HASH_HEX_LEN], access[CRYPT_TOKEN_LEN + 4],
	    refresh[CRYPT_TOKEN_LEN + 4];
	char ah[CRYPT_HASH_HEX_LEN], rh[CRYPT_HASH_HEX_LEN], family[CRYPT_ID_LEN];
	struct oauth_token at = {.kind = "access"}, rt = {.kind = "refresh"};
	int64_t now = time_now_ms();
	bool with_refresh = wants_refresh(oc);
	struct oauth_code c;
	struct grant g;
	enum cmn_rc rc;

	if (!code || !uri || !verifier)
		return oauth_error(ctx, 400, "invalid_request",
				   "code, redirect_uri and code_verifier are required");
	crypt_hash_hex(code, code_hash);
	rc = store_oauth_code_take(ctx->app->store, code_hash, now, &c);
	if (rc == CMN_ERR_CONFLICT)
		return oauth_error(ctx, 400, "invalid_grant",
				   "the code was used already: the tokens it gave are revoked");
	if (rc == CMN_ERR_NOT_FOUND)
		return oauth_error(ctx, 400, "invalid_grant", "unknown or expired code");
	if (rc != CMN_OK)
		return rc;
	if (strcmp(c.client_id, oc->c.id) != 0)
		return oauth_error(ctx, 400, "invalid_grant",
				   "the code was given to another client");
	if (strcmp(c.redirect_uri, uri) != 0)
		return oauth_error(ctx, 400, "invalid_grant",
				   "redirect_uri differs from the authorization request's");
	if (!oauth_pkce_matches(verifier, c.challenge))
		return oauth_error(ctx, 400, "invalid_grant",
				   "code_verifier does not match the code_challenge");
	rc = live_grant(ctx, oc, c.grant_id, &g);
	if (rc == CMN_ERR_FORBIDDEN)
		return oauth_error(ctx, 400, "invalid_grant",
				   "the consent is no longer given, or the service is blocked");
	if (rc != CMN_OK)
		return rc;
	crypt_id_new(family);
	new_token("cat_", access, ah);
	new_token("crt_", refresh, rh);
	str_copy(at.client_id, sizeof(at.client_id), oc->c.id);
	str_copy(at.grant_id, sizeof(at.grant_id), g.id);
	str_copy(at.family, sizeof(at.family), family);
	at.expires = min64(now + CMN_OAUTH_ACCESS_TTL_S * 1000LL, g.valid_until);
	memcpy(rt.client_id, at.client_id, sizeof(rt.client_id));
	memcpy(rt.grant_id, at.grant_id, sizeof(rt.grant_id));
	memcpy(rt.family, at.family, sizeof(rt.family));
	rt.expires = min64(now + CMN_OAUTH_REFRESH_TTL_S * 1000LL, g.valid_until);
	/* the family first: a replay of the code from now on revokes it */
	rc = store_oauth_code_family(ctx->app->store, code_hash, family);
	if (rc == CMN_OK)
		rc = store_oauth_token_add(ctx->app->store, ah, &at);
	if (rc == CMN_OK && with_refresh)
		rc = store_oauth_token_add(ctx->app->store, rh, &rt);
	if (rc == CMN_OK)
		rc =
		    token_answer(ctx, access, now, at.expires, with_refresh ? refresh : NULL, g.id);
	sodium_memzero(access, sizeof(access));
	sodium_memzero(refresh, sizeof(refresh));
	return rc;
}

/* refresh_grant - grant_type=refresh_token (RFC 6749 §6): the refresh token
 * rotates; one used twice revokes its whole family (RFC 9700 §4.14.2). */
static enum cmn_rc refresh_grant(struct api_ctx *ctx, const struct oauth_form *f,
				 const struct oauth_client *oc)
{
	const char *token = oauth_form_get(f, "refresh_token"), *scope = oauth_form_get(f, "scope");
	char old[CRYPT_HASH_HEX_LEN], access[CRYPT_TOKEN_LEN + 4], refresh[CRYPT_TOKEN_LEN + 4];
	char ah[CRYPT_HASH_HEX_LEN], rh[CRYPT_HASH_HEX_LEN];
	struct oauth_token t, at = {.kind = "access"}, rt = {.kind = "refresh"};
	int64_t now = time_now_ms();
	struct grant g;
	enum cmn_rc rc;

	if (!token)
		return oauth_error(ctx, 400, "invalid_request", "refresh_token is required");
	crypt_hash_hex(token, old);
	rc = store_oauth_token_get(ctx->app->store, old, &t);
	if (rc == CMN_ERR_NOT_FOUND || (rc == CMN_OK && (strcmp(t.kind, "refresh") != 0 ||
							 strcmp(t.client_id, oc->c.id) != 0)))
		return oauth_error(ctx, 400, "invalid_grant", "unknown refresh token");
	if (rc != CMN_OK)
		return rc;
	if (!t.revoked && now >= t.expires)
		return oauth_error(ctx, 400, "invalid_grant", "the refresh token has expired");
	rc = live_grant(ctx, oc, t.grant_id, &g);
	if (rc == CMN_ERR_FORBIDDEN)
		return oauth_error(ctx, 400, "invalid_grant",
				   "the consent is no longer given, or the service is blocked");
	if (rc != CMN_OK)
		return rc;
	if (scope) {
		char *mine = scope_text(ctx->app->store, g.id);
		bool same = mine && strcmp(mine, scope) == 0;

		free(mine);
		if (!same)
			return oauth_error(ctx, 400, "invalid_scope",
					   "a refresh keeps the consent's scope (omit scope)");
	}
	new_token("cat_", access, ah);
	new_token("crt_", refresh, rh);
	memcpy(at.client_id, t.client_id, sizeof(at.client_id));
	memcpy(at.grant_id, t.grant_id, sizeof(at.grant_id));
	at.expires = min64(now + CMN_OAUTH_ACCESS_TTL_S * 1000LL, g.valid_until);
	memcpy(rt.client_id, t.client_id, sizeof(rt.client_id));
	memcpy(rt.grant_id, t.grant_id, sizeof(rt.grant_id));
	rt.expires = min64(now + CMN_OAUTH_REFRESH_TTL_S * 1000LL, g.valid_until);
	rc = store_oauth_refresh_rotate(ctx->app->store, old, rh, &rt, ah, &at);
	if (rc == CMN_ERR_CONFLICT)
		rc = oauth_error(ctx, 400, "invalid_grant",
				 "the refresh token was used already: every token of this"
				 " authorization is revoked");
	else if (rc == CMN_ERR_NOT_FOUND)
		rc = oauth_error(ctx, 400, "invalid_grant", "unknown refresh token");
	else if (rc == CMN_OK)
		rc = token_answer(ctx, access, now, at.expires, refresh, g.id);
	sodium_memzero(access, sizeof(access));
	sodium_memzero(refresh, sizeof(refresh));
	return rc;
}

static enum cmn_rc token(struct api_ctx *ctx)
{
	struct oauth_form f;
	struct oauth_client oc = {0};
	const char *type;
	enum cmn_rc rc = read_form(ctx, &f);

	if (rc == CMN_OK)
		rc = authenticate_client(ctx, &f, &oc);
	if (rc != CMN_OK)
		goto done;
	type = oauth_form_get(&f, "grant_type");
	if (!type)
		rc = oauth_error(ctx, 400, "invalid_request", "grant_type is required");
	else if (oc.c.blocked)
		rc = oauth_error(ctx, 400, "unauthorized_client", "the service is blocked");
	else if (strcmp(type, "authorization_code") == 0)
		rc = code_grant(ctx, &f, &oc);
	else if (strcmp(type, "refresh_token") == 0 && wants_refresh(&oc))
		rc = refresh_grant(ctx, &f, &oc);
	else if (strcmp(type, "refresh_token") == 0)
		rc = oauth_error(ctx, 400, "unauthorized_client",
				 "the client did not register the refresh_token grant");
	else
		rc = oauth_error(ctx, 400, "unsupported_grant_type",
				 "authorization_code or refresh_token");
done:
	oauth_client_release(&oc);
	oauth_form_release(&f);
	return rc;
}

/* ---- POST /oauth/introspect (RFC 7662) ------------------------------------------ */

/* pairwise_sub - the subject a service sees: the same for all its tokens
 * of one person, different for every service, never the person's id. */
static void pairwise_sub(const char *client_id, const char *person_id, char out[CRYPT_HASH_HEX_LEN])
{
	char in[96];

	snprintf(in, sizeof(in), "commune/sub/v1:%s:%s", client_id, person_id);
	crypt_hash_hex(in, out);
}

static enum cmn_rc introspect(struct api_ctx *ctx)
{
	struct oauth_form f;
	struct oauth_client oc = {0};
	struct oauth_token t;
	struct grant g;
	const char *tok;
	char h[CRYPT_HASH_HEX_LEN], sub[CRYPT_HASH_HEX_LEN], iss[300];
	char *scope;
	json_t *o;
	enum cmn_rc rc = read_form(ctx, &f);

	if (rc == CMN_OK)
		rc = authenticate_client(ctx, &f, &oc);
	if (rc != CMN_OK)
		goto done;
	if (!(tok = oauth_form_get(&f, "token"))) {
		rc = oauth_error(ctx, 400, "invalid_request", "token is required");
		goto done;
	}
	crypt_hash_hex(tok, h);
	rc = store_oauth_token_get(ctx->app->store, h, &t);
	/* another client's token is as unknown: no oracle */
	if (rc == CMN_OK &&
	    (t.revoked || time_now_ms() >= t.expires || strcmp(t.client_id, oc.c.id) != 0))
		rc = CMN_ERR_NOT_FOUND;
	if (rc == CMN_OK)
		rc = live_grant(ctx, &oc, t.grant_id, &g);
	if (rc == CMN_ERR_NOT_FOUND || rc == CMN_ERR_FORBIDDEN) {
		rc = answer(ctx, 200, json_pack("{s:b}", "active", 0));
		goto done;
	}
	if (rc != CMN_OK)
		goto done;
	pairwise_sub(oc.c.id, g.person_id, sub);
	oauth_issuer(ctx, iss, sizeof(iss));
	scope = scope_text(ctx->app->store, g.id);
	o = json_pack("{s:b, s:s, s:s?, s:I, s:I, s:s, s:s, s:s, s:s}", "active", 1, "client_id",
		      oc.c.id, "scope", scope, "exp", (json_int_t)(t.expires / 1000), "iat",
		      (json_int_t)(t.created / 1000), "sub", sub, "iss", iss, "grant_id", g.id,
		      "token_type", strcmp(t.kind, "access") == 0 ? "Bearer" : "refresh_token");
	free(scope);
	rc = o ? answer(ctx, 200, o) : CMN_ERR_NOMEM;
done:
	oauth_client_release(&oc);
	oauth_form_release(&f);
	return rc;
}

/* ---- POST /oauth/revoke (RFC 7009) ------------------------------------------------- */

static enum cmn_rc revoke(struct api_ctx *ctx)
{
	struct oauth_form f;
	struct oauth_client oc = {0};
	struct oauth_token t;
	const char *tok, *hint;
	char h[CRYPT_HASH_HEX_LEN];
	enum cmn_rc rc = read_form(ctx, &f);

	if (rc == CMN_OK)
		rc = authenticate_client(ctx, &f, &oc);
	if (rc != CMN_OK)
		goto done;
	tok = oauth_form_get(&f, "token");
	hint = oauth_form_get(&f, "token_type_hint");
	if (!tok) {
		rc = oauth_error(ctx, 400, "invalid_request", "token is required");
		goto done;
	}
	if (hint && strcmp(hint, "access_token") != 0 && strcmp(hint, "refresh_token") != 0) {
		rc = oauth_error(ctx, 400, "unsupported_token_type",
				 "token_type_hint: access_token or refresh_token");
		goto done;
	}
	crypt_hash_hex(tok, h);
	rc = store_oauth_token_get(ctx->app->store, h, &t);
	/* unknown tokens, and other clients' (left alone), are answered alike */
	if (rc == CMN_OK && strcmp(t.client_id, oc.c.id) == 0)
		rc = store_oauth_token_revoke(ctx->app->store, h, strcmp(t.kind, "refresh") == 0);
	if (rc == CMN_OK || rc == CMN_ERR_NOT_FOUND) {
		http_set_header(ctx->res, "Pragma", "no-cache");
		api_empty(ctx, 200);
		rc = CMN_OK;
	}
done:
	oauth_client_release(&oc);
	oauth_form_release(&f);
	return rc;
}

/* A registration: RFC 7591's metadata and commune's; checked by the
 * handler, which answers RFC 7591 errors. */
#define REGISTER_SCHEMA ""

const struct route api_oauth_routes[] = {
    {"GET", "/.well-known/oauth-authorization-server", metadata, AUTH_NONE, NULL,
     "OAuth 2.0 authorization server metadata (RFC 8414)", GRANT_ROUTE_NONE},
    {"POST", "/oauth/register", register_client, AUTH_PERSON, REGISTER_SCHEMA,
     "Register a service of my organisation as an OAuth client (RFC 7591)", GRANT_ROUTE_NONE},
    {"GET", "/oauth/authorize", oauth_authorize_get, AUTH_NONE, NULL,
     "Authorization request: login and consent pages (RFC 6749, PKCE S256)", GRANT_ROUTE_NONE},
    {"POST", "/oauth/authorize", oauth_authorize_post, AUTH_NONE, NULL,
     "The login and consent forms of the authorization page", GRANT_ROUTE_NONE},
    {"POST", "/oauth/token", token, AUTH_NONE, NULL,
     "Exchange a code, or refresh, for tokens (RFC 6749, RFC 7636)", GRANT_ROUTE_NONE},
    {"POST", "/oauth/introspect", introspect, AUTH_NONE, NULL,
     "Whether a token is active, and for what (RFC 7662)", GRANT_ROUTE_NONE},
    {"POST", "/oauth/revoke", revoke, AUTH_NONE, NULL, "Revoke a token (RFC 7009)",
     GRANT_ROUTE_NONE},
    {NULL, NULL, NULL, AUTH_NONE, NULL, NULL, GRANT_ROUTE_NONE},
};
