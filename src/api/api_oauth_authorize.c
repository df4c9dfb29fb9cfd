/*
 * api_oauth_authorize.c - the authorization endpoint (RFC 6749 §4.1.1,
 * PKCE RFC 7636, iss RFC 9207): a service sends a person here with what
 * it asks for; the person logs in if needed, reads the request in plain
 * words and gives or refuses. Giving records the grant (requested, then
 * given, in its history) and sends the person back with a one-time code;
 * refusing records it refused and sends back access_denied.
 *
 * A faulty client_id or redirect_uri is shown to the person, never
 * followed (RFC 6749 §4.1.2.1); other faults go back to the service. The
 * pages are plain HTML forms: the login form posts the handle and
 * password here (checked with the login rate limits, a session is opened),
 * the consent form carries the session's CSRF token in a hidden field,
 * since a form cannot send X-CSRF-Token. Every form carries the request's
 * parameters, which are checked again when it comes back.
 */
#include "api/api_oauth_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "account/account.h"
#include "consent/consent.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "oauth/pkce.h"
#include "oauth/redirect.h"
#include "store/store_oauth.h"

/* how a request is faulty: shown to the person, or sent back */
struct fault {
	bool show; /* else redirect with error */
	struct {
		const char *fr, *en;
	} shown;
	const char *error; /* RFC 6749 §4.1.2.1 code */
	const char *description;
};

static bool fault_show(struct fault *f, const char *fr, const char *en)
{
	f->show = true;
	f->shown.fr = fr;
	f->shown.en = en;
	return false;
}

static bool fault_back(struct fault *f, const char *error, const char *description)
{
	f->show = false;
	f->error = error;
	f->description = description;
	return false;
}

/* read_request - checks an authorization request (from the query, or the
 * fields of a form that carried it); false with the fault. az->client is
 * loaded even then when the client is known (release it). */
static bool read_request(struct api_ctx *ctx, const struct oauth_form *f, struct oauth_authz *az,
			 struct fault *ft, char *err, size_t errn)
{
	const char *id = oauth_form_get(f, "client_id"), *uri = oauth_form_get(f, "redirect_uri");
	const char *type = oauth_form_get(f, "response_type");
	const char *method = oauth_form_get(f, "code_challenge_method");
	enum cmn_rc rc;

	memset(az, 0, sizeof(*az));
	if (!id)
		return fault_show(
		    ft, "La demande ne dit pas de quel service elle vient (client_id).",
		    "The request does not say which service it comes from (client_id).");
	rc = oauth_client_load(ctx->app->store, id, &az->client);
	if (rc != CMN_OK)
		return fault_show(ft, "Ce service n’est pas enregistré ici (client_id inconnu).",
				  "This service is not registered here (unknown client_id).");
	if (!uri)
		return fault_show(ft, "La demande ne dit pas où revenir (redirect_uri manquant).",
				  "The request does not say where to go back (no redirect_uri).");
	if (!oauth_client_redirect(&az->client, uri))
		return fault_show(ft,
				  "L’adresse de retour n’est pas une de celles que le service a"
				  " enregistrées (redirect_uri).",
				  "The return address is not one the service registered"
				  " (redirect_uri).");
	az->redirect_uri = uri;
	az->state = oauth_form_get(f, "state");
	if (az->state && strlen(az->state) > CMN_OAUTH_STATE_MAX) {
		az->state = NULL;
		return fault_back(ft, "invalid_request", "state is too long");
	}
	if (!type)
		return fault_back(ft, "invalid_request", "response_type is required");
	if (strcmp(type, "code") != 0)
		return fault_back(ft, "unsupported_response_type", "only response_type=code");
	if (az->client.c.blocked)
		return fault_back(ft, "access_denied", "the service is blocked");
	if (!method || strcmp(method, "S256") != 0)
		return fault_back(ft, "invalid_request",
				  "PKCE is required, with code_challenge_method=S256");
	az->challenge = oauth_form_get(f, "code_challenge");
	if (!az->challenge || !oauth_pkce_challenge_valid(az->challenge))
		return fault_back(ft, "invalid_request",
				  "code_challenge must be BASE64URL(SHA-256(code_verifier))");
	az->scope_text = oauth_form_get(f, "scope");
	if (!az->scope_text)
		az->scope_text = json_string_value(json_object_get(az->client.meta, "scope"));
	if (!az->scope_text)
		return fault_back(ft, "invalid_scope", "scope is required (doctype:NAME ...)");
	if (oauth_scope_parse(az->scope_text, &az->scope, err, errn) != CMN_OK)
		return fault_back(ft, "invalid_scope", err);
	for (size_t i = 0; i < az->scope.ndoctypes; i++) {
		if (!registry_find(ctx->app->registry, az->scope.doctypes[i])) {
			snprintf(err, errn, "doctype:%s is not in the registry",
				 az->scope.doctypes[i]);
			return fault_back(ft, "invalid_scope", err);
		}
	}
	return true;
}

/* page - answers an HTML page (ownership of html taken). */
static enum cmn_rc page(struct api_ctx *ctx, int status, char *html)
{
	if (!html)
		return CMN_ERR_NOMEM;
	http_set_header(ctx->res, "X-Frame-Options", "DENY");
	http_set_header(ctx->res, "Content-Security-Policy",
			"default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none';"
			" base-uri 'none'");
	http_set_body(ctx->res, status, "text/html; charset=utf-8", html, strlen(html));
	return CMN_OK;
}

static enum oauth_lang lang(const struct api_ctx *ctx)
{
	return oauth_lang_of(http_header(ctx->req, "Accept-Language"));
}

/* back - sends the person back to the service (302 after a GET, 303 after
 * a form) with params (NULL-ended name, value pairs), state and iss. */
static enum cmn_rc back(struct api_ctx *ctx, const struct oauth_authz *az,
			const char *const *params)
{
	struct buf b;
	char iss[300];
	enum cmn_rc rc;

	oauth_issuer(ctx, iss, sizeof(iss));
	buf_init(&b, OAUTH_REDIRECT_MAX + 2 * CMN_OAUTH_STATE_MAX + 4096);
	rc = buf_puts(&b, az->redirect_uri);
	for (size_t i = 0; rc == CMN_OK && params[i]; i += 2)
		rc = oauth_redirect_param(&b, params[i], params[i + 1]);
	if (rc == CMN_OK && az->state)
		rc = oauth_redirect_param(&b, "state", az->state);
	if (rc == CMN_OK)
		rc = oauth_redirect_param(&b, "iss", iss);
	if (rc == CMN_OK)
		rc = http_set_header(ctx->res, "Location", b.data);
	buf_release_secure(&b);
	if (rc == CMN_OK)
		http_set_body(ctx->res, strcmp(ctx->req->method, "GET") == 0 ? 302 : 303, NULL,
			      NULL, 0);
	return rc;
}

/* faulty - answers a faulty request: a page, or back to the service. */
static enum cmn_rc faulty(struct api_ctx *ctx, const struct oauth_authz *az, const struct fault *f)
{

	if (f->show)
		return page(ctx, 400, oauth_page_error(lang(ctx), f->shown.fr, f->shown.en));
	return back(
	    ctx, az,
	    (const char *const[]){"error", f->error, "error_description", f->description, NULL});
}

/* valid_until - when a consent given now to this service ends. */
static int64_t valid_until(const struct oauth_authz *az, int64_t now)
{
	json_int_t days = json_integer_value(json_object_get(az->client.meta, "consent_days"));

	if (days < 1 || days > CMN_OAUTH_CONSENT_DAYS_MAX)
		days = CMN_OAUTH_CONSENT_DAYS;
	return now + (int64_t)days * 86400000;
}

/* session - the person's live session, from the commune_session cookie. */
static bool session(struct api_ctx *ctx, struct session *out)
{
	const char *cookie = http_cookie(ctx->req, "commune_session");
	char h[CRYPT_HASH_HEX_LEN];

	if (!cookie)
		return false;
	crypt_hash_hex(cookie, h);
	if (store_session_get(ctx->app->store, h, time_now_ms(), out) != CMN_OK ||
	    out->person.disabled)
		return false;
	str_copy(ctx->res->person, sizeof(ctx->res->person), out->person.id);
	return true;
}

static enum cmn_rc consent_screen(struct api_ctx *ctx, const struct oauth_authz *az,
				  const struct person *p, const char *csrf)
{

	return page(ctx, 200,
		    oauth_page_consent(lang(ctx), az, ctx->app->registry, p, csrf,
				       valid_until(az, time_now_ms())));
}

static enum cmn_rc login_screen(struct api_ctx *ctx, const struct oauth_authz *az, int status,
				const char *fr, const char *en)
{

	return page(ctx, status, oauth_page_login(lang(ctx), az, fr, en));
}

/* GET /oauth/authorize?response_type=code&client_id=...&... */
enum cmn_rc oauth_authorize_get(struct api_ctx *ctx)
{
	struct oauth_form f;
	struct oauth_authz az = {0};
	struct session sess;
	struct fault ft;
	char err[200];
	enum cmn_rc rc;
	const char *q = ctx->req->query;

	rc = oauth_form_parse(&f, q, q ? strlen(q) : 0, err, sizeof(err));
	if (rc == CMN_ERR_INVALID)
		rc = page(ctx, 400,
			  oauth_page_error(lang(ctx), "La demande est mal formée.",
					   "The request is malformed."));
	else if (rc == CMN_OK && !read_request(ctx, &f, &az, &ft, err, sizeof(err)))
		rc = faulty(ctx, &az, &ft);
	else if (rc == CMN_OK && session(ctx, &sess))
		rc = consent_screen(ctx, &az, &sess.person, sess.csrf);
	else if (rc == CMN_OK)
		rc = login_screen(ctx, &az, 200, NULL, NULL);
	sodium_memzero(&sess, sizeof(sess));
	oauth_client_release(&az.client);
	oauth_form_release(&f);
	return rc;
}

/* login - the login form came back: a session opens, then the consent
 * screen shows. */
static enum cmn_rc login(struct api_ctx *ctx, const struct oauth_form *f,
			 const struct oauth_authz *az)
{
	const char *handle = oauth_form_get(f, "handle"), *pw = oauth_form_get(f, "password");
	char cookie[256], wait[24];
	struct login l;
	enum cmn_rc rc;

	rc = account_login(ctx->app->store, ctx->app->limits, handle ? handle : "", pw ? pw : "",
			   ctx->req->addr, &l);
	if (rc == CMN_ERR_RATE_LIMITED) {
		snprintf(wait, sizeof(wait), "%u", l.retry_after);
		http_set_header(ctx->res, "Retry-After", wait);
		return login_screen(ctx, az, 429,
				    "Trop d’essais manqués : attendez un peu avant de réessayer.",
				    "Too many failed attempts: wait a while before trying again.");
	}
	if (rc == CMN_ERR_UNAUTHENTICATED)
		return login_screen(ctx, az, 401, "Identifiant ou mot de passe incorrect.",
				    "Wrong handle or password.");
	if (rc == CMN_ERR_DISABLED)
		return login_screen(ctx, az, 403, "Ce compte est désactivé.",
				    "This account is disabled.");
	if (rc != CMN_OK)
		return rc;
	snprintf(cookie, sizeof(cookie),
		 "commune_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%ld%s", l.token,
		 (long)CMN_SESSION_TTL_S, ctx->app->secure_cookies ? "; Secure" : "");
	http_set_header(ctx->res, "Set-Cookie", cookie);
	sodium_memzero(cookie, sizeof(cookie));
	sodium_memzero(l.token, sizeof(l.token));
	str_copy(ctx->res->person, sizeof(ctx->res->person), l.person.id);
	rc = consent_screen(ctx, az, &l.person, l.csrf);
	sodium_memzero(&l, sizeof(l));
	return rc;
}

/* terms - the grant's terms of this request (grant.h's shape). */
static json_t *terms(const struct oauth_authz *az, int64_t now)
{
	const json_t *m = az->client.meta;
	char until[TIME_RFC3339_LEN];

	time_format(until, valid_until(az, now));
	return json_pack("{s:{s:s, s:s}, s:{s:O, s:{s:O, s:O}}, s:O, s:o, s:s}", "grantee", "kind",
			 "service", "id", az->client.c.id, "purpose", "dpv",
			 json_object_get(m, "purpose_dpv"), "text", "fr",
			 json_object_get(m, "purpose_fr"), "en", json_object_get(m, "purpose_en"),
			 "legal_basis", json_object_get(m, "legal_basis"), "scope",
			 oauth_scope_json(&az->scope), "valid_until", until);
}

/* give_code - a one-time code for the grant, and back to the service. */
static enum cmn_rc give_code(struct api_ctx *ctx, const struct oauth_authz *az,
			     const char *grant_id)
{
	char code[CRYPT_TOKEN_LEN + 4], h[CRYPT_HASH_HEX_LEN];
	struct oauth_code c = {0};
	enum cmn_rc rc;

	str_copy(code, sizeof(code), "cac_");
	crypt_token_new(code + 4);
	crypt_hash_hex(code, h);
	str_copy(c.client_id, sizeof(c.client_id), az->client.c.id);
	str_copy(c.grant_id, sizeof(c.grant_id), grant_id);
	str_copy(c.redirect_uri, sizeof(c.redirect_uri), az->redirect_uri);
	str_copy(c.challenge, sizeof(c.challenge), az->challenge);
	c.expires = time_now_ms() + CMN_OAUTH_CODE_TTL_S * 1000LL;
	rc = store_oauth_code_add(ctx->app->store, h, &c);
	if (rc == CMN_OK)
		rc = back(ctx, az, (const char *const[]){"code", code, NULL});
	sodium_memzero(code, sizeof(code));
	return rc;
}

/* decide - the person's answer: the grant is recorded as asked by the
 * service, then given or refused by the person, and audited. */
static enum cmn_rc decide(struct api_ctx *ctx, const struct oauth_authz *az, bool give)
{
	char service[64], err[300], object[64], detail[96];
	int64_t now = time_now_ms();
	json_t *t = terms(az, now);
	struct grant_row row;
	enum cmn_rc rc;

	if (!t)
		return CMN_ERR_NOMEM;
	snprintf(service, sizeof(service), "service:%s", az->client.c.id);
	rc = consent_grant_new(ctx->app->store, ctx->app->registry, &ctx->person, t, "requested",
			       service, err, sizeof(err), &row);
	json_decref(t);
	if (rc == CMN_ERR_INVALID)
		return back(ctx, az,
			    (const char *const[]){"error", "invalid_request", "error_description",
						  err, NULL});
	if (rc != CMN_OK)
		return rc;
	snprintf(object, sizeof(object), "consent/%s", row.id);
	snprintf(detail, sizeof(detail), "{\"service\":\"%s\"}", az->client.c.id);
	if ((rc = store_tx_begin(ctx->app->store)) == CMN_OK)
		rc = api_audited(ctx,
				 consent_answer(ctx->app->store, ctx->person.id, row.id, give,
						ctx->actor),
				 give ? "consent.give" : "consent.refuse", object, detail);
	if (rc == CMN_OK) {
		rc = give
			 ? give_code(ctx, az, row.id)
			 : back(ctx, az,
				(const char *const[]){"error", "access_denied", "error_description",
						      "the person refused", NULL});
	}
	grant_row_release(&row);
	return rc;
}

/* POST /oauth/authorize - the login form or the consent form. */
enum cmn_rc oauth_authorize_post(struct api_ctx *ctx)
{
	const char *ct = http_header(ctx->req, "Content-Type"), *action, *csrf;
	struct oauth_form f = {0};
	struct oauth_authz az = {0};
	struct session sess;
	struct fault ft;
	char err[200];
	enum cmn_rc rc = CMN_ERR_INVALID;

	memset(&sess, 0, sizeof(sess));
	if (ct && strcspn(ct, "; ") == 33 &&
	    strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0)
		rc = oauth_form_parse(&f, ctx->req->body, ctx->req->body_len, err, sizeof(err));
	action = oauth_form_get(&f, "action");
	if (rc == CMN_ERR_INVALID) {
		rc = page(ctx, 400,
			  oauth_page_error(lang(ctx), "Le formulaire est mal formé.",
					   "The form is malformed."));
	} else if (rc != CMN_OK) {
		/* out of memory: the router answers */
	} else if (!read_request(ctx, &f, &az, &ft, err, sizeof(err))) {
		rc = faulty(ctx, &az, &ft);
	} else if (action && strcmp(action, "login") == 0) {
		rc = login(ctx, &f, &az);
	} else if (!action || (strcmp(action, "give") != 0 && strcmp(action, "refuse") != 0)) {
		rc = page(ctx, 400,
			  oauth_page_error(lang(ctx), "Le formulaire est mal formé.",
					   "The form is malformed."));
	} else if (!session(ctx, &sess)) {
		rc = login_screen(ctx, &az, 401,
				  "Votre session a pris fin : connectez-vous de nouveau.",
				  "Your session ended: log in again.");
	} else if (!(csrf = oauth_form_get(&f, "csrf")) || !crypt_equal(csrf, sess.csrf)) {
		rc = page(ctx, 403,
			  oauth_page_error(
			      lang(ctx),
			      "Ce formulaire n’est plus valable : recommencez depuis le"
			      " service.",
			      "This form is no longer valid: start again from the service."));
	} else {
		ctx->person = sess.person;
		ctx->authed = true;
		snprintf(ctx->actor, sizeof(ctx->actor), "person:%s", sess.person.id);
		rc = decide(ctx, &az, strcmp(action, "give") == 0);
	}
	sodium_memzero(&sess, sizeof(sess));
	oauth_client_release(&az.client);
	oauth_form_release(&f);
	return rc;
}
