/*
 * pkce.c - PKCE S256 (RFC 7636). See pkce.h.
 */
#include "oauth/pkce.h"

#include <string.h>

#include <sodium.h>

#include "crypto/crypt.h"

static bool unreserved(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

bool oauth_pkce_verifier_valid(const char *verifier)
{
	size_t n = strlen(verifier);

	if (n < 43 || n > 128)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!unreserved(verifier[i]))
			return false;
	return true;
}

bool oauth_pkce_challenge_valid(const char *challenge)
{
	unsigned char bin[33];
	size_t len = 0;
	const char *end = NULL;

	if (strlen(challenge) != OAUTH_PKCE_CHALLENGE_LEN)
		return false;
	/* libsodium refuses non-zero padding bits: one spelling per value */
	return sodium_base642bin(bin, sizeof(bin), challenge, OAUTH_PKCE_CHALLENGE_LEN, NULL, &len,
				 &end, sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0 &&
	       len == 32 && end == challenge + OAUTH_PKCE_CHALLENGE_LEN;
}

bool oauth_pkce_matches(const char *verifier, const char *challenge)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char s256[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES,
					    sodium_base64_VARIANT_URLSAFE_NO_PADDING)];

	if (!oauth_pkce_verifier_valid(verifier))
		return false;
	crypto_hash_sha256(h, (const unsigned char *)verifier, strlen(verifier));
	sodium_bin2base64(s256, sizeof(s256), h, sizeof(h),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return crypt_equal(s256, challenge) != 0;
}
