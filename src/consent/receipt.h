/*
 * receipt.h - what a person keeps of a consent: the Kantara Consent Receipt
 * v1.1 of a grant, the same receipt signed as a JWS with the platform key,
 * and the grant as a W3C DPV consent record in JSON-LD.
 *
 * Everything is built from a grant's view (consent_grant_view) and what the
 * caller adds (who the person is, the service's registration, the doctype
 * registry): no store, no clock, so the same grant always gives the same
 * receipt, byte for byte, and the same signature. docs/consent.md maps each
 * field and says what commune puts where it has no value.
 */
#ifndef COMMUNE_CONSENT_RECEIPT_H
#define COMMUNE_CONSENT_RECEIPT_H

#include <stdbool.h>

#include <jansson.h>

#include "consent/grant.h"
#include "core/result.h"
#include "crypto/crypt.h"
#include "record/doctype.h"

#define RECEIPT_VERSION      "KI-CR-v1.1.0" /* Kantara Consent Receipt v1.1 */
#define RECEIPT_JURISDICTION "FR"           /* commune serves French territories (GDPR) */
#define RECEIPT_JWS_TYP      "JWT"          /* the receipt is the JWS payload, a JSON object */
#define RECEIPT_PLATFORM     "commune"      /* the platform's name in receipts */
#define RECEIPT_JWS_MAX                                                                            \
	(64 * 1024) /* bytes of a signed receipt (a receipt is a                                   \
		     * few KiB: 16 doctypes, 1000-byte texts) */

struct receipt_in {
	const json_t *view;         /* consent_grant_view of the grant */
	const char *person_id;      /* whose grant it is */
	const char *person_handle;  /* the identifier the person gave: piiPrincipalId */
	const char *platform;       /* the platform's name (RECEIPT_PLATFORM) */
	const char *lang;           /* "fr" or "en": the purpose text and the wording */
	const json_t *client;       /* a service's registration metadata (RFC 7591),
				     * or NULL */
	const struct registry *reg; /* sensitivity of the doctypes; may be NULL */
};

/* receipt_lang_ok - whether lang is a language receipts are written in. */
bool receipt_lang_ok(const char *lang);

/* receipt_kantara - the Kantara Consent Receipt v1.1 of a grant (*out, a new
 * reference). CMN_ERR_CONFLICT when the grant was never given (requested or
 * refused only): there was no consent to give a receipt of. A withdrawn or
 * expired grant keeps its receipt, the record of the consent once given. */
enum cmn_rc receipt_kantara(const struct receipt_in *in, json_t **out);

/* receipt_sign - the compact JWS (EdDSA, header {alg, kid, typ}) of the
 * receipt's compact JSON text, signed with the platform key; *jws is
 * malloc'd (caller frees). The payload decodes to the same JSON as receipt. */
enum cmn_rc receipt_sign(const struct keyring *k, const json_t *receipt, char **jws);

/* receipt_dpv - the grant as a DPV consent record (JSON-LD, a new
 * reference), with its status now; NULL when out of memory or when the
 * view is not a grant's. */
json_t *receipt_dpv(const struct receipt_in *in);

/* receipt_dpv_status - the DPV concept of a consent status
 * ("dpv:ConsentGiven", ...). */
const char *receipt_dpv_status(enum grant_status s);

#endif
