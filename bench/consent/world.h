/*
 * world.h - what the consent benchmarks need on a data directory, made
 * in-process the way tests/api/test_grants.c makes it: an organisation, a
 * service (an OAuth client) of it, a grant of a person to that service and
 * an OAuth access token bound to the grant. The OAuth flow that makes
 * these in real life is not part of what bench/consent measures.
 */
#ifndef COMMUNE_BENCH_CONSENT_WORLD_H
#define COMMUNE_BENCH_CONSENT_WORLD_H

#include <stdbool.h>
#include <stdint.h>

#include "consent/consent.h"
#include "crypto/crypt.h"
#include "record/doctype.h"
#include "store/store.h"
#include "store/store_consent.h"

#define BENCH_TOKEN_MAX (CRYPT_TOKEN_LEN + 4) /* "cat_" and a token */

/*
 * The terms of the benchmark's grant, a budget service's: four doctypes
 * (the one read, bank.transaction, last, so that grant_check compares all
 * four), six fields, the data of 2024 only, read only, valid until 2030.
 * The grantee's id is filled in by bench_world_service().
 */
#define BENCH_GRANT_TERMS                                                                     \
	"{\"grantee\":{\"kind\":\"service\"},"                                                \
	"\"purpose\":{\"dpv\":\"ServiceProvision\",\"text\":{"                                \
	"\"fr\":\"Suivre mes d\\u00e9penses et mes aides pour tenir mon budget\","            \
	"\"en\":\"Follow my spending and my allowances to keep to my budget\"}},"             \
	"\"legal_basis\":\"consent\","                                                        \
	"\"scope\":{\"doctypes\":[\"food.purchase\",\"social.allowance\",\"tax.household\","  \
	"\"bank.transaction\"],"                                                              \
	"\"fields\":[\"date\",\"amount\",\"currency\",\"label\",\"category\",\"counterparty\"]," \
	"\"from\":\"2024-01-01\",\"to\":\"2025-01-01\",\"operations\":[\"read\"]},"           \
	"\"valid_until\":\"2030-01-01T00:00:00Z\"}"

struct bench_world {
	struct keyring keys;
	struct registry reg;
	struct store *st;                 /* the platform store of the data directory */
	struct person person;             /* the grantor */
	struct org org;                   /* runs the service */
	struct client client;             /* the service */
	char grant_id[CRYPT_ID_LEN];
	char token[BENCH_TOKEN_MAX];      /* the access token, "cat_..." */
	char token_hash[CRYPT_HASH_HEX_LEN];
};

/* bench_world_open - opens (creating it if need be) the data directory dir
 * as `commune` does: key file, doctype registry, platform store. Prints the
 * fault to stderr and returns false on failure (then w holds nothing). */
bool bench_world_open(struct bench_world *w, const char *dir);

/* bench_world_service - w->person is the person of handle; adds the
 * organisation "Bench Budget" (reuser), its service "Budget", a given grant
 * of the person with BENCH_GRANT_TERMS and an access token of the service
 * bound to it, live for ttl_ms. Prints the fault and returns false on
 * failure. */
bool bench_world_service(struct bench_world *w, const char *handle, int64_t ttl_ms);

/* bench_world_close - closes the store and frees the registry and keys. */
void bench_world_close(struct bench_world *w);

#endif
