/*
 * crypt.h - the cryptography commune uses, over libsodium (and libcrypto
 * for the SHA-256 of whole files).
 *
 * Random identifiers and tokens, Argon2id password hashes, the server master
 * key and the keys derived from it (per person; the platform's Ed25519
 * signing key), XChaCha20-Poly1305 encryption of secrets and blobs at rest,
 * and JWS signatures (RFC 7515, EdDSA of RFC 8037) with the platform key.
 * Secrets are wiped after use.
 */
#ifndef COMMUNE_CRYPTO_CRYPT_H
#define COMMUNE_CRYPTO_CRYPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/buf.h"
#include "core/result.h"

#define CRYPT_KEY_BYTES 32
#define CRYPT_TOKEN_LEN 44     /* base64url of 32 random bytes, with NUL */
#define CRYPT_HASH_HEX_LEN 65  /* hex of a 32-byte hash, with NUL */
#define CRYPT_ID_LEN 33        /* hex of a 16-byte random id, with NUL */
#define CRYPT_UUID_LEN 37      /* UUID text, with NUL */
#define CRYPT_PWHASH_LEN 128   /* an encoded Argon2id hash, with NUL */
#define CRYPT_SIGN_PUBLIC_BYTES 32 /* an Ed25519 public key */
#define CRYPT_SIGN_BYTES 64    /* an Ed25519 signature */
#define CRYPT_KID_LEN 44       /* a JWK thumbprint: base64url of SHA-256, with NUL */
#define CRYPT_JWS_TYP_MAX 40   /* bytes of a JWS "typ" header */

/* crypt_init - initialises libsodium; call once before anything else. */
enum cmn_rc crypt_init(void);

/* crypt_random - n cryptographically random bytes. */
void crypt_random(void *out, size_t n);

/* crypt_token_new - a new secret token (32 random bytes, base64url). */
void crypt_token_new(char out[CRYPT_TOKEN_LEN]);

/* crypt_id_new - a new random identifier (16 bytes, hex). */
void crypt_id_new(char out[CRYPT_ID_LEN]);

/* crypt_uuid7_new - a new UUID version 7 (time-ordered, RFC 9562). */
void crypt_uuid7_new(char out[CRYPT_UUID_LEN]);

/* crypt_uuid_name - the UUID of a name: version 8 (RFC 9562 §5.8) made of
 * the first bytes of SHA-256("commune/uuid/v1:" + name), so that the same
 * name always gives the same UUID and different names different ones. */
void crypt_uuid_name(const char *name, char out[CRYPT_UUID_LEN]);

/* crypt_uuid_format, crypt_uuid_parse - a UUID's 16 bytes as its text
 * (lowercase, 8-4-4-4-12) and back; parse accepts only that form (no
 * capitals, no braces), so that the bytes order as the text does. */
void crypt_uuid_format(const unsigned char b[16], char out[CRYPT_UUID_LEN]);
bool crypt_uuid_parse(const char *text, unsigned char out[16]);

/* crypt_hash_hex - BLAKE2b-256 of s, as hex: how tokens are stored. */
void crypt_hash_hex(const char *s, char out[CRYPT_HASH_HEX_LEN]);

/* crypt_sha256_begin, _add, _end - a SHA-256 taken over pieces, as hex.
 * Through libcrypto (OpenSSL), whose SHA-256 uses the processor's SHA
 * instructions: about six times libsodium's on these machines, for the
 * hashes of whole files (imports, blobs). begin gives NULL when memory is
 * short; end frees h, and gives CMN_ERR_CRYPTO if a step failed. */
struct crypt_sha256;
struct crypt_sha256 *crypt_sha256_begin(void);
void crypt_sha256_add(struct crypt_sha256 *h, const void *p, size_t n);
enum cmn_rc crypt_sha256_end(struct crypt_sha256 *h, char out[CRYPT_HASH_HEX_LEN]);

/* crypt_sha256_hex - the same of n bytes at once. */
enum cmn_rc crypt_sha256_hex(const void *p, size_t n, char out[CRYPT_HASH_HEX_LEN]);

/* crypt_sha256_file - SHA-256 of what f holds from where it is to its end,
 * as hex, and that many bytes in *size (may be NULL); CMN_ERR_IO when it
 * cannot be read. How imports and backups name a file's content. */
enum cmn_rc crypt_sha256_file(FILE *f, char out[CRYPT_HASH_HEX_LEN], uint64_t *size);

/* crypt_equal - constant-time comparison of two NUL-terminated strings. */
int crypt_equal(const char *a, const char *b);

/*
 * Password hashing cost. The default is libsodium's "interactive" Argon2id
 * limits; COMMUNE_PWHASH_COST=min in the environment selects the minimum
 * (for test suites only: the parameters are stored in each hash, so hashes
 * made with either cost verify under both).
 */
enum cmn_rc crypt_password_hash(const char *password, char out[CRYPT_PWHASH_LEN]);

/* crypt_password_verify - CMN_OK when password matches hash, else
 * CMN_ERR_UNAUTHENTICATED. */
enum cmn_rc crypt_password_verify(const char *hash, const char *password);

/*
 * The keyring holds the server master key, read from a key file of mode
 * 0600 (made with a new random key only when the caller says so: a store
 * that has a key already must never get another, cli.c). The key is locked
 * in memory and wiped on release.
 */
struct keyring {
	unsigned char *master; /* CRYPT_KEY_BYTES in sodium-guarded memory */
};

/* What keyring_open may do besides reading the key file. */
enum keyring_flags {
	KEYRING_CREATE = 1 << 0, /* make the file, with a new random key, when absent */
};

/* keyring_open - loads the key file path. When it does not exist:
 * CMN_ERR_NOT_FOUND, or with KEYRING_CREATE a new random key written to
 * it (whole or not at all, and synced with its directory; two processes
 * making it at once both get the key written first). Refuses
 * (CMN_ERR_CRYPTO) a key file that others can read or of the wrong size. */
enum cmn_rc keyring_open(struct keyring *k, const char *path, unsigned flags);

/* keyring_fingerprint - what names the master key without revealing it:
 * BLAKE2b-256 keyed with the master key over the fixed string
 * "commune/key-fingerprint/v1", as hex. Unlike the person keys and subkeys
 * (other strings under the same key) it is no key of anything: the store
 * records it to recognise the key it was made with (store_open). */
void keyring_fingerprint(const struct keyring *k, char out[CRYPT_HASH_HEX_LEN]);

/* keyring_release - wipes and frees the master key. */
void keyring_release(struct keyring *k);

/* keyring_person_key - the key of one person's store, derived from the
 * master key and the person id. Wipe it with sodium_memzero after use. */
void keyring_person_key(const struct keyring *k, const char *person_id,
			unsigned char out[CRYPT_KEY_BYTES]);

/* keyring_subkey - a key for one purpose and one object (label "agreement",
 * id the agreement's id, say), derived from the master key like the person
 * keys. Wipe it with sodium_memzero after use. */
void keyring_subkey(const struct keyring *k, const char *label, const char *id,
		    unsigned char out[CRYPT_KEY_BYTES]);

/*
 * The platform's signing key: an Ed25519 key pair derived from the master
 * key, so that it needs no file of its own and survives restarts:
 *   seed = crypto_kdf_derive_from_key(32 bytes, subkey 1, context "cmnsign1",
 *                                     master)
 *   (public, secret) = crypto_sign_seed_keypair(seed)
 * The seed and the secret key are derived for each signature and wiped at
 * once. Its key id ("kid") is its JWK thumbprint (RFC 7638): the base64url
 * SHA-256 of {"crv":"Ed25519","kty":"OKP","x":"<public key, base64url>"}.
 * A new master key (rotation) gives a new signing key; receipts signed
 * before keep the old kid.
 */

/* keyring_sign_public - the platform's Ed25519 public key. */
void keyring_sign_public(const struct keyring *k, unsigned char pk[CRYPT_SIGN_PUBLIC_BYTES]);

/* keyring_kid - the key id of the platform's signing key. */
void keyring_kid(const struct keyring *k, char kid[CRYPT_KID_LEN]);

/* keyring_jwk - appends to out the public JWK of the signing key (RFC 8037:
 * kty OKP, crv Ed25519, x), with its kid, "alg": "EdDSA" and "use": "sig". */
enum cmn_rc keyring_jwk(const struct keyring *k, struct buf *out);

/* keyring_jwks - appends to out the JWK Set {"keys": [the JWK]} (RFC 7517
 * §5), what /.well-known/jwks.json serves. */
enum cmn_rc keyring_jwks(const struct keyring *k, struct buf *out);

/* keyring_jws_sign - appends to out the JWS compact serialization (RFC 7515
 * §7.1) of the n bytes of payload, signed with the platform key: protected
 * header {"alg":"EdDSA","kid":KID,"typ":typ}. typ is up to
 * CRYPT_JWS_TYP_MAX - 1 letters, digits and "+-./" (CMN_ERR_INVALID
 * otherwise). out is left as it was on failure. */
enum cmn_rc keyring_jws_sign(const struct keyring *k, const char *typ, const void *payload,
			     size_t n, struct buf *out);

/* keyring_jws_verify - checks a JWS compact serialization made by
 * keyring_jws_sign with this platform key (alg EdDSA; the kid and typ are
 * not checked here) and appends its payload to out. CMN_ERR_CRYPTO when
 * the signature does not verify, CMN_ERR_INVALID when it is not a JWS. */
enum cmn_rc keyring_jws_verify(const struct keyring *k, const char *jws, struct buf *out);

/* crypt_seal - encrypts n bytes with key and associated data ad (which must
 * be given again to open); appends nonce || ciphertext || tag to out. */
enum cmn_rc crypt_seal(const unsigned char key[CRYPT_KEY_BYTES], const void *plain, size_t n,
		       const char *ad, struct buf *out);

/* crypt_open - decrypts what crypt_seal produced; appends the plaintext to
 * out. CMN_ERR_CRYPTO when the key, the data or ad do not match. */
enum cmn_rc crypt_open(const unsigned char key[CRYPT_KEY_BYTES], const void *sealed, size_t n,
		       const char *ad, struct buf *out);

#endif
