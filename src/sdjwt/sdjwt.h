/*
 * sdjwt.h - Selective Disclosure JWTs (RFC 9901) shaped as SD-JWT VC
 * (draft-ietf-oauth-sd-jwt-vc): issue, present and verify attestations,
 * and the Token Status List (draft-ietf-oauth-status-list) that revokes
 * them.
 *
 * An issued SD-JWT is "<issuer JWT>~<disclosure>~...~": the issuer JWT
 * (ES256, typ "dc+sd-jwt") carries always-visible claims and, in "_sd",
 * the sorted SHA-256 digests of the disclosures, each a salted
 * [salt, name, value]. A holder presents it with only the disclosures of
 * the claims it chooses, followed by a Key Binding JWT (typ "kb+jwt")
 * signed with the key of the cnf claim over the verifier's nonce and
 * audience and the hash of what precedes it. The verifier checks every
 * rule of RFC 9901 §7 and gets the claims that were disclosed.
 *
 * The functions are pure: no store, no network. Where a key or a status
 * list must come from elsewhere the caller passes a callback.
 */
#ifndef COMMUNE_SDJWT_SDJWT_H
#define COMMUNE_SDJWT_SDJWT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/result.h"
#include "sdjwt/es256.h"

#define SDJWT_TYP "dc+sd-jwt"             /* the issuer JWT's typ (SD-JWT VC) */
#define SDJWT_KB_TYP "kb+jwt"             /* the Key Binding JWT's typ */
#define SDJWT_STATUS_LIST_TYP "statuslist+jwt"
#define SDJWT_MAX_BYTES (256 * 1024)      /* a whole SD-JWT or SD-JWT+KB */
#define SDJWT_MAX_DISCLOSURES 512         /* disclosures in one SD-JWT */
#define SDJWT_MAX_DEPTH CMN_JSON_MAX_DEPTH /* nesting of the processed claims */
#define SDJWT_MAX_DECOYS 64               /* decoy digests an issuer may add */
#define SDJWT_SALT_BYTES 16               /* 128 bits of salt per disclosure */
#define SDJWT_WHY_MAX 256                 /* bytes of a refusal's message */
#define SDJWT_SKEW_S 60                   /* suggested clock skew */
#define SDJWT_KB_MAX_AGE_S 300            /* default age limit of a KB-JWT */
#define SDJWT_STATUS_LIST_MAX_BYTES (1024 * 1024) /* a decompressed status list */

/*
 * Issuing. Each member of disclosable becomes one disclosure at the top
 * level of the claims (a whole object or array value is disclosed as
 * one block). visible keeps the claims every presentation shows: iss,
 * iat, exp, vct, status, ... . A holder key, if given, is written as
 * cnf {jwk}. decoys random digests (at most SDJWT_MAX_DECOYS) hide how
 * many claims there are.
 */
struct sdjwt_issue {
	const struct es256_key *issuer;   /* signs; must hold the private key */
	const json_t *visible;            /* object of always-visible claims */
	const json_t *disclosable;        /* object of selectively disclosable claims */
	const struct es256_key *holder;   /* bound holder, or NULL */
	unsigned decoys;                  /* decoy digests to add */
	const char *typ;                  /* header typ; NULL for SDJWT_TYP */
};

/* sdjwt_issue - appends the SD-JWT to out. CMN_ERR_INVALID, with why
 * filled, when a claim name is reserved ("_sd", "_sd_alg", "...", cnf
 * with a holder) or is both visible and disclosable. */
enum cmn_rc sdjwt_issue(const struct sdjwt_issue *in, struct buf *out,
			char why[SDJWT_WHY_MAX]);

/*
 * Presenting. A disclosure is kept when its claim name is one of names,
 * at any depth, or when it lies inside a claim that is kept (asking for
 * "address" discloses the whole address, asking for "18" the age claim
 * inside age_equal_or_over). A visible claim named in names keeps the
 * disclosures inside it (the elements of a visible array).
 */
struct sdjwt_present {
	const char *const *names;         /* claim names to disclose */
	size_t n_names;
	const struct es256_key *holder;   /* signs the KB-JWT; NULL for none */
	const char *aud;                  /* the verifier (KB-JWT "aud") */
	const char *nonce;                /* the verifier's nonce */
	int64_t iat;                      /* the KB-JWT's time */
};

/* sdjwt_present - appends to out the presentation of sdjwt (as issued,
 * without a KB-JWT): the issuer JWT, the chosen disclosures in their
 * order, and the KB-JWT when p->holder is set (then aud and nonce are
 * required). The issuer's signature is not checked here. */
enum cmn_rc sdjwt_present(const char *sdjwt, size_t n, const struct sdjwt_present *p,
			  struct buf *out, char why[SDJWT_WHY_MAX]);

/* sdjwt_key_fn - finds the issuer key of kid (may be NULL) for iss (may
 * be NULL); *out is a new key the verifier frees. */
typedef enum cmn_rc (*sdjwt_key_fn)(void *ctx, const char *iss, const char *kid,
				    struct es256_key **out);

/* sdjwt_status_fn - appends to out the status list token (a compact JWS)
 * published at uri: from a cache, a file or the network, as the caller
 * decides. */
typedef enum cmn_rc (*sdjwt_status_fn)(void *ctx, const char *uri, struct buf *out);

struct sdjwt_verify_opts {
	const struct es256_key *issuer_key; /* the issuer's key, or NULL to resolve */
	sdjwt_key_fn resolve;             /* used when issuer_key is NULL */
	void *resolve_ctx;
	const char *typ;                  /* issuer JWT typ; NULL: SDJWT_TYP, "": any */
	int64_t now;                      /* seconds since the epoch; 0: the clock */
	int64_t skew;                     /* leeway on every time check, seconds */
	bool require_kb;                  /* refuse an SD-JWT without KB-JWT */
	const char *aud;                  /* the KB-JWT must name it (required with require_kb) */
	const char *nonce;                /* the KB-JWT must carry it (idem) */
	int64_t kb_max_age;               /* oldest KB-JWT iat accepted; 0: SDJWT_KB_MAX_AGE_S */
	sdjwt_status_fn status;           /* checks "status" when set */
	void *status_ctx;
};

struct sdjwt_result {
	json_t *claims;                   /* the processed payload: no _sd, _sd_alg, "..." */
	json_t *disclosed;                /* JSON Pointers (RFC 6901) of the disclosed claims */
	bool key_bound;                   /* a KB-JWT was verified */
	char why[SDJWT_WHY_MAX];          /* on a refusal, the rule broken, in English */
};

/*
 * sdjwt_verify - verifies the n bytes of token (an SD-JWT or SD-JWT+KB)
 * per RFC 9901 §7.1 and §7.3: the issuer JWT is ES256 and signed by the
 * issuer's key, of the expected typ, within exp/nbf/iat (with skew); every
 * disclosure is well formed and referenced exactly once, no digest appears
 * twice, no disclosed name collides; the KB-JWT (when present or
 * required) is signed by the cnf key, of typ kb+jwt, for aud and nonce,
 * fresh, and its sd_hash matches; the status list entry (when o->status
 * is set and the token has one) is VALID. On CMN_OK r holds the claims
 * (release with sdjwt_result_release); otherwise r->why says why:
 * CMN_ERR_INVALID for a broken rule, CMN_ERR_CRYPTO for a signature that
 * does not verify, CMN_ERR_GONE for a revoked or suspended token, or what
 * a callback returned.
 */
enum cmn_rc sdjwt_verify(const char *token, size_t n, const struct sdjwt_verify_opts *o,
			 struct sdjwt_result *r);

/* sdjwt_result_release - frees r's claims. */
void sdjwt_result_release(struct sdjwt_result *r);

/* sdjwt_digest - the base64url SHA-256 of the n bytes at s: the digest of
 * a disclosure, or sd_hash of a presentation. */
void sdjwt_digest(const char *s, size_t n, char out[ES256_KID_LEN]);

/*
 * Token Status List. Entry i of a list of `bits` bits per entry (1, 2, 4
 * or 8) lives in byte i * bits / 8 from its least significant bit. The
 * list is published in a JWT of typ "statuslist+jwt" whose sub is its URI
 * and whose claim status_list is {"bits": b, "lst": base64url(zlib(bytes))};
 * an attestation points at its entry with status {status_list {idx, uri}}.
 */
enum sdjwt_status {
	SDJWT_STATUS_VALID = 0,
	SDJWT_STATUS_INVALID = 1,         /* revoked for good */
	SDJWT_STATUS_SUSPENDED = 2,
};

struct sdjwt_status_list {
	unsigned bits;                    /* 1, 2, 4 or 8 */
	size_t count;                     /* entries */
	unsigned char *bytes;             /* count * bits / 8 bytes, rounded up */
};

/* sdjwt_status_list_init - a list of count entries, all VALID. */
enum cmn_rc sdjwt_status_list_init(struct sdjwt_status_list *l, unsigned bits, size_t count);

/* sdjwt_status_list_release - frees l's bytes. */
void sdjwt_status_list_release(struct sdjwt_status_list *l);

/* sdjwt_status_list_set, _get - entry idx (< count); set masks value to
 * l->bits bits. */
void sdjwt_status_list_set(struct sdjwt_status_list *l, size_t idx, unsigned value);
unsigned sdjwt_status_list_get(const struct sdjwt_status_list *l, size_t idx);

/* sdjwt_status_list_encode - the status_list claim {bits, lst} of l. */
enum cmn_rc sdjwt_status_list_encode(const struct sdjwt_status_list *l, json_t **out);

/* sdjwt_status_list_decode - l from a status_list claim; CMN_ERR_INVALID
 * (with why) when it is malformed, CMN_ERR_TOO_LARGE above
 * SDJWT_STATUS_LIST_MAX_BYTES. Release l afterwards. */
enum cmn_rc sdjwt_status_list_decode(const json_t *claim, struct sdjwt_status_list *l,
				     char why[SDJWT_WHY_MAX]);

/* sdjwt_status_list_token - appends to out the status list token of l
 * published at uri, signed by k: iat, exp (0: none), ttl (0: none). */
enum cmn_rc sdjwt_status_list_token(const struct es256_key *k, const struct sdjwt_status_list *l,
				    const char *uri, int64_t iat, int64_t exp, int64_t ttl,
				    struct buf *out);

/* sdjwt_status_list_revoked - appends to out the status list token (1 bit
 * an entry) of n entries where revoked[i] != 0 marks entry i INVALID. */
enum cmn_rc sdjwt_status_list_revoked(const struct es256_key *k, const unsigned char *revoked,
				      size_t n, const char *uri, int64_t iat, int64_t exp,
				      int64_t ttl, struct buf *out);

/* sdjwt_status_check - checks entry idx of the status list token of n
 * bytes, which must be signed by k, of typ statuslist+jwt, about uri and
 * not expired at now (with skew): CMN_OK when the entry is VALID,
 * CMN_ERR_GONE when it is not, CMN_ERR_INVALID / CMN_ERR_CRYPTO when the
 * token is not acceptable; why says which. */
enum cmn_rc sdjwt_status_check(const char *token, size_t n, const struct es256_key *k,
			       const char *uri, size_t idx, int64_t now, int64_t skew,
			       char why[SDJWT_WHY_MAX]);

#endif
