/*
 * store_oauth.h - the OAuth 2.0 authorization codes and tokens of the
 * platform store. Codes and tokens are kept only as hashes
 * (crypt_hash_hex of the secret), each bound to one client and one grant.
 *
 * Refresh tokens rotate: each use revokes the old one and makes a new one
 * of the same family; a revoked refresh token used again is a theft, and
 * revokes its whole family (access tokens included). RFC 6749 §10.4,
 * OAuth 2.0 Security BCP (RFC 9700) §4.14.
 */
#ifndef COMMUNE_STORE_STORE_OAUTH_H
#define COMMUNE_STORE_STORE_OAUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

#define OAUTH_REDIRECT_MAX 2000           /* bytes in a redirect URI */
#define OAUTH_CHALLENGE_MAX 128           /* a PKCE S256 challenge is 43 */

struct oauth_code {
	char client_id[CRYPT_ID_LEN];
	char grant_id[CRYPT_ID_LEN];
	char redirect_uri[OAUTH_REDIRECT_MAX + 1];
	char challenge[OAUTH_CHALLENGE_MAX + 1];
	int64_t expires;                  /* ms */
};

/* store_oauth_code_add - records an authorization code by its hash. */
enum cmn_rc store_oauth_code_add(struct store *s, const char *code_hash, const struct oauth_code *c);

/* store_oauth_code_take - consumes a code: it serves once. CMN_ERR_NOT_FOUND
 * when unknown or expired at now; CMN_ERR_CONFLICT when it served already,
 * in which case the tokens made with it are revoked (RFC 6749 §4.1.2). */
enum cmn_rc store_oauth_code_take(struct store *s, const char *code_hash, int64_t now,
				  struct oauth_code *out);

/* store_oauth_code_family - records which token family a code made (for
 * the revocation above). */
enum cmn_rc store_oauth_code_family(struct store *s, const char *code_hash, const char *family);

struct oauth_token {
	char kind[8];                     /* "access" or "refresh" */
	char client_id[CRYPT_ID_LEN];
	char grant_id[CRYPT_ID_LEN];
	char family[CRYPT_ID_LEN];        /* the tokens of one authorization */
	int64_t expires, created;         /* ms */
	bool revoked;
};

/* store_oauth_token_add - records a token by its hash (t->created is set). */
enum cmn_rc store_oauth_token_add(struct store *s, const char *hash, struct oauth_token *t);

/* store_oauth_token_get - a token by its hash, revoked or expired ones
 * included (the caller decides). CMN_ERR_NOT_FOUND when unknown. */
enum cmn_rc store_oauth_token_get(struct store *s, const char *hash, struct oauth_token *out);

/* store_oauth_refresh_rotate - in one transaction: revokes the refresh
 * token old_hash (which must be live: CMN_ERR_CONFLICT when it was revoked
 * already, and then its whole family is revoked) and records the new
 * refresh and access tokens of the same family. */
enum cmn_rc store_oauth_refresh_rotate(struct store *s, const char *old_hash,
				       const char *refresh_hash, struct oauth_token *refresh,
				       const char *access_hash, struct oauth_token *access);

/* store_oauth_token_revoke - revokes one token; with its family when
 * family is true. CMN_ERR_NOT_FOUND when unknown. */
enum cmn_rc store_oauth_token_revoke(struct store *s, const char *hash, bool family);

/* store_oauth_grant_revoke - revokes every token bound to a grant (the
 * person withdrew it). */
enum cmn_rc store_oauth_grant_revoke(struct store *s, const char *grant_id);

#endif
