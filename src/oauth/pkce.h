/*
 * pkce.h - Proof Key for Code Exchange (RFC 7636), S256 only: the client
 * sends BASE64URL(SHA-256(verifier)) with its authorization request and
 * the verifier itself with the code, so a stolen code is useless.
 */
#ifndef COMMUNE_OAUTH_PKCE_H
#define COMMUNE_OAUTH_PKCE_H

#include <stdbool.h>

#define OAUTH_PKCE_CHALLENGE_LEN 43 /* base64url of 32 bytes, unpadded */

/* oauth_pkce_verifier_valid - 43 to 128 characters of [A-Za-z0-9-._~]
 * (RFC 7636 §4.1). */
bool oauth_pkce_verifier_valid(const char *verifier);

/* oauth_pkce_challenge_valid - an S256 challenge: the unpadded base64url
 * spelling of 32 bytes. */
bool oauth_pkce_challenge_valid(const char *challenge);

/* oauth_pkce_matches - whether verifier is valid and its S256 is challenge
 * (compared in constant time). */
bool oauth_pkce_matches(const char *verifier, const char *challenge);

#endif
