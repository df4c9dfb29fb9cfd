/*
 * api_oauth_int.h - shared by the files of the OAuth authorization server
 * (api_oauth.c: metadata, registration, token, introspection,
 * revocation; api_oauth_authorize.c: the authorization endpoint and its
 * pages, api_oauth_page.c). Not for other files.
 */
#ifndef COMMUNE_API_API_OAUTH_INT_H
#define COMMUNE_API_API_OAUTH_INT_H

#include "api/api.h"
#include "oauth/form.h"
#include "oauth/scope.h"
#include "store/store_consent.h"

/* A registered service: its row and its registration metadata. */
struct oauth_client {
	struct client c;
	json_t *meta;                         /* RFC 7591 metadata and ours (owned) */
	char secret_hash[CRYPT_HASH_HEX_LEN]; /* "" for a public client */
};

/* oauth_client_load - a service by client_id. CMN_ERR_NOT_FOUND when
 * unknown. Release it. */
enum cmn_rc oauth_client_load(struct store *s, const char *client_id, struct oauth_client *out);

/* oauth_client_release - frees out->meta. */
void oauth_client_release(struct oauth_client *oc);

/* oauth_client_redirect - the registered redirect URI that uri matches,
 * or NULL. */
const char *oauth_client_redirect(const struct oauth_client *oc, const char *uri);

/* oauth_issuer - the issuer identifier: the origin the request was sent
 * to ("http://127.0.0.1:8080"; https behind --secure-cookies). */
void oauth_issuer(const struct api_ctx *ctx, char *out, size_t n);

/* An authorization request (RFC 6749 §4.1.1), once checked. Its strings
 * point into the form it was read from. */
struct oauth_authz {
	struct oauth_client client;
	const char *redirect_uri; /* as given (it matched a registered one) */
	const char *state;        /* NULL when none */
	const char *challenge;    /* PKCE S256 */
	const char *scope_text;   /* as asked (or the client's default) */
	struct oauth_scope scope;
};

enum oauth_lang { OAUTH_LANG_FR, OAUTH_LANG_EN };

/* oauth_lang_of - French unless Accept-Language prefers English. */
enum oauth_lang oauth_lang_of(const char *accept_language);

/* The pages of the authorization endpoint (api_oauth_page.c): HTML, every
 * dynamic string escaped; each returns malloc'd text (NULL when out of
 * memory). */

/* oauth_page_login - the login form, posting back to /oauth/authorize with
 * the request's parameters; message (may be NULL) says why again. */
char *oauth_page_login(enum oauth_lang lang, const struct oauth_authz *az, const char *message_fr,
		       const char *message_en);

/* oauth_page_consent - what the service asks, in plain words, with the
 * Give and Refuse buttons; csrf is the session's. */
char *oauth_page_consent(enum oauth_lang lang, const struct oauth_authz *az,
			 const struct registry *reg, const struct person *p, const char *csrf,
			 int64_t valid_until);

/* oauth_page_error - a request that cannot be sent back to its service. */
char *oauth_page_error(enum oauth_lang lang, const char *what_fr, const char *what_en);

/* the authorization endpoint (api_oauth_authorize.c) */
enum cmn_rc oauth_authorize_get(struct api_ctx *ctx);
enum cmn_rc oauth_authorize_post(struct api_ctx *ctx);

#endif
