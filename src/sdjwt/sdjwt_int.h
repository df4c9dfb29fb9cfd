/*
 * sdjwt_int.h - what the SD-JWT files share: the parts of a token and its
 * parsed disclosures. Private to src/sdjwt/: do not include elsewhere.
 */
#ifndef COMMUNE_SDJWT_SDJWT_INT_H
#define COMMUNE_SDJWT_SDJWT_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "sdjwt/sdjwt.h"

/* one disclosure: its text in the token and what it says */
struct sdjwt_disclosure {
	const char *text;                 /* the base64url string, in the token */
	size_t len;
	char digest[ES256_KID_LEN];       /* base64url SHA-256 of text */
	json_t *array;                    /* the decoded [salt, (name,) value] */
	const char *name;                 /* NULL for an array element */
	json_t *value;                    /* borrowed from array */
	bool used;                        /* its digest was found */
	bool kept;                        /* a presentation keeps it */
};

/* a token cut at its '~' */
struct sdjwt_parts {
	const char *jwt;                  /* the issuer JWT */
	size_t jwt_len;
	struct sdjwt_disclosure *d;       /* the disclosures, in order */
	size_t n_d;
	const char *kb;                   /* the KB-JWT, NULL when the token ends in '~' */
	size_t kb_len;
	size_t hashed_len;                /* bytes up to and including the last '~' */
	json_t *index;                    /* digest -> position in d */
};

/* sdjwt_parts_split - cuts the n bytes of token and parses each
 * disclosure (RFC 9901 §4.2); CMN_ERR_INVALID with why on any fault. */
enum cmn_rc sdjwt_parts_split(const char *token, size_t n, struct sdjwt_parts *p,
			      char why[SDJWT_WHY_MAX]);

/* sdjwt_parts_find - the disclosure of digest, or NULL. */
struct sdjwt_disclosure *sdjwt_parts_find(const struct sdjwt_parts *p, const char *digest);

/* sdjwt_parts_release - frees what sdjwt_parts_split made. */
void sdjwt_parts_release(struct sdjwt_parts *p);

/* sdjwt_why - writes a refusal's message; returns rc, for one-line exits. */
enum cmn_rc sdjwt_why(char why[SDJWT_WHY_MAX], enum cmn_rc rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* sdjwt_array_digest - the digest of an array element placeholder
 * {"...": digest}, or NULL when v is not one. */
const char *sdjwt_array_digest(const json_t *v);

#endif
