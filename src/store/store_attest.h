/*
 * store_attest.h - what the store keeps of attestations (issue 9): those
 * issued to a person, in their store, and the platform's status list
 * (one index per attestation, set when it is revoked).
 */
#ifndef COMMUNE_STORE_STORE_ATTEST_H
#define COMMUNE_STORE_STORE_ATTEST_H

#include "store/store.h"

struct attestation_row {
	char id[CRYPT_ID_LEN];
	char rule[65];
	char version[33];
	int64_t issued, expires;          /* ms */
	int64_t status_idx;
	int64_t revoked;                  /* ms, 0 when in force */
	const char *token;                /* the SD-JWT as issued (valid during a call) */
};

/* pstore_attestation_put - keeps an attestation issued to the person,
 * audited as "attestation.issue" by actor. */
enum cmn_rc pstore_attestation_put(struct pstore *ps, const struct attestation_row *a,
				   const char *actor);

/* pstore_attestation_get - one attestation; its token into *token
 * (malloc'd) when token is not NULL. */
enum cmn_rc pstore_attestation_get(struct pstore *ps, const char *id, struct attestation_row *a,
				   char **token);

/* pstore_attestation_each - the person's attestations, newest first. */
enum cmn_rc pstore_attestation_each(struct pstore *ps,
				    enum cmn_rc (*fn)(const struct attestation_row *a, void *ctx),
				    void *ctx);

/* pstore_attestation_revoke - marks it revoked ("attestation.revoke");
 * CMN_ERR_CONFLICT when it was already. */
enum cmn_rc pstore_attestation_revoke(struct pstore *ps, const char *id, const char *actor);

/* store_status_alloc - the next index of the status list, for an
 * attestation of person_id. */
enum cmn_rc store_status_alloc(struct store *s, const char *person_id, const char *attestation_id,
			       int64_t *idx);

/* store_status_revoke - sets the index's status to revoked. */
enum cmn_rc store_status_revoke(struct store *s, int64_t idx);

/* store_status_revoke_person - revokes every attestation of a person (an
 * account erased). */
enum cmn_rc store_status_revoke_person(struct store *s, const char *person_id);

/* store_status_bits - the status list: *n indexes (the highest + 1, at
 * least min), one byte each, 1 when revoked (malloc'd). */
enum cmn_rc store_status_bits(struct store *s, size_t min, unsigned char **bits, size_t *n);

#endif
