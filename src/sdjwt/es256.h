/*
 * es256.h - ECDSA P-256 keys and JWS ES256 (RFC 7515, RFC 7518 §3.4), over
 * OpenSSL 3: the issuer keys of attestations and the holders' keys that
 * bind a presentation.
 *
 * A key is opaque; it holds a public key, and a private one when it was
 * generated, loaded from its file or read from a JWK with "d". Its key id
 * is its JWK thumbprint (RFC 7638). Signatures are the raw r || s of 64
 * bytes that JWS uses, not DER. Private material is wiped when the key is
 * freed and every buffer that held it is cleansed.
 */
#ifndef COMMUNE_SDJWT_ES256_H
#define COMMUNE_SDJWT_ES256_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/result.h"

#define ES256_SIG_BYTES 64       /* r || s */
#define ES256_COORD_BYTES 32     /* x, y, d */
#define ES256_KID_LEN 44         /* base64url of a SHA-256 thumbprint, with NUL */
#define ES256_KEY_FILE_MAX 4096  /* bytes of a PEM key file */
#define ES256_JWS_MAX (64 * 1024) /* bytes of a compact JWS we parse */

struct es256_key;

/* es256_generate - a new random key pair; free it with es256_free. */
enum cmn_rc es256_generate(struct es256_key **out);

/* es256_load - the private key of the PEM (PKCS #8) file at path;
 * CMN_ERR_NOT_FOUND when there is none. Refuses a file that is not
 * regular, that others can read (CMN_ERR_FORBIDDEN), or that is not a
 * P-256 key (CMN_ERR_CRYPTO). */
enum cmn_rc es256_load(const char *path, struct es256_key **out);

/* es256_load_or_create - es256_load, and a new key written to path (mode
 * 0600) when there is none (two processes making it at once both get the
 * one written first). */
enum cmn_rc es256_load_or_create(const char *path, struct es256_key **out);

/* es256_from_jwk - the key of a JWK (kty EC, crv P-256, x, y, and d for a
 * private key). The point must be on the curve and d must match it.
 * CMN_ERR_INVALID when the JWK is not such a key. */
enum cmn_rc es256_from_jwk(const json_t *jwk, struct es256_key **out);

/* es256_free - wipes and frees *k; *k is NULL afterwards. */
void es256_free(struct es256_key **k);

/* es256_has_private - true when k can sign. */
bool es256_has_private(const struct es256_key *k);

/* es256_kid - k's key id, its RFC 7638 thumbprint; valid as long as k. */
const char *es256_kid(const struct es256_key *k);

/* es256_public_jwk - a new JWK of k's public key: kty, crv, x, y, and,
 * with meta, "kid", "alg": "ES256" and "use": "sig" (what a JWKS lists;
 * without them, what a cnf claim carries). NULL when out of memory. */
json_t *es256_public_jwk(const struct es256_key *k, bool meta);

/* es256_private_jwk - a new JWK of k's private key (the public members
 * and "d"), to keep a holder's key encrypted in their store; NULL when k
 * cannot sign or out of memory. Wipe "d" and release it after use. */
json_t *es256_private_jwk(const struct es256_key *k);

/* es256_pick - a public copy of the key of kid among keys (the first when
 * kid is NULL): what a verifier's key resolver answers. CMN_ERR_NOT_FOUND
 * when none has that kid. */
enum cmn_rc es256_pick(struct es256_key *const *keys, size_t n, const char *kid,
		       struct es256_key **out);

/* es256_jwk_thumbprint - the RFC 7638 thumbprint (SHA-256, base64url) of
 * a public JWK of kty EC, RSA or OKP: the hash of its required members
 * only, in lexicographic order. CMN_ERR_INVALID for any other JWK. */
enum cmn_rc es256_jwk_thumbprint(const json_t *jwk, char out[ES256_KID_LEN]);

/* es256_sign - the ES256 signature of n bytes of data (SHA-256 inside). */
enum cmn_rc es256_sign(const struct es256_key *k, const void *data, size_t n,
		       unsigned char sig[ES256_SIG_BYTES]);

/* es256_verify - CMN_OK when sig is k's signature of the n bytes of data,
 * CMN_ERR_CRYPTO when not. */
enum cmn_rc es256_verify(const struct es256_key *k, const void *data, size_t n,
			 const unsigned char sig[ES256_SIG_BYTES]);

/* es256_jws_sign - appends to out the JWS compact serialization of the
 * JSON payload signed by k; the protected header is header (may be NULL)
 * with "alg": "ES256" set. header and payload stay the caller's. */
enum cmn_rc es256_jws_sign(const struct es256_key *k, const json_t *header,
			   const json_t *payload, struct buf *out);

/*
 * A parsed, not yet verified, compact JWS: the caller reads the header
 * (alg, kid, typ) to choose a key, then calls es256_jws_verify.
 */
struct es256_jws {
	json_t *header;                  /* the decoded protected header */
	json_t *payload;                 /* the decoded payload, a JSON object */
	const char *signing_input;       /* "header.payload", in the parsed text */
	size_t signing_len;              /* its bytes */
	unsigned char sig[ES256_SIG_BYTES];
};

/* es256_jws_parse - parses the n bytes of text as a compact JWS whose
 * header and payload are JSON objects and whose signature is 64 bytes
 * (no claim about alg yet). On failure *why says what is wrong in English
 * and CMN_ERR_INVALID is returned. j borrows text: keep it alive. */
enum cmn_rc es256_jws_parse(const char *text, size_t n, struct es256_jws *j, const char **why);

/* es256_jws_verify - checks that j's header says "alg": "ES256" (never
 * "none" or another) with no "crit", and that j is signed by k.
 * CMN_ERR_INVALID (with *why) for the header, CMN_ERR_CRYPTO for a bad
 * signature. */
enum cmn_rc es256_jws_verify(const struct es256_key *k, const struct es256_jws *j,
			     const char **why);

/* es256_jws_release - frees what es256_jws_parse made. */
void es256_jws_release(struct es256_jws *j);

#endif
