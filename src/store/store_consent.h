/*
 * store_consent.h - the platform's part of consent: services (OAuth
 * clients of organisations), their blocks, and the grants persons give,
 * with their status history and use counts.
 *
 * A grant's terms are kept as JSON text (src/consent/grant.h reads them);
 * the store keeps the status, the validity and the counts beside them so
 * that a status change is one compare-and-set and never rewrites terms.
 */
#ifndef COMMUNE_STORE_STORE_CONSENT_H
#define COMMUNE_STORE_STORE_CONSENT_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

#define CLIENT_NAME_MAX 128
#define GRANT_STATUS_MAX 16

/* A service: an OAuth client registered by an organisation. */
struct client {
	char id[CRYPT_ID_LEN];            /* the client_id */
	char org_id[CRYPT_ID_LEN];        /* the organisation that registered it */
	char org_name[ORG_NAME_MAX + 1];
	char name[CLIENT_NAME_MAX + 1];
	bool confidential;                /* has a secret (else PKCE alone) */
	bool blocked;                     /* blocked by the operator or a holder */
	int64_t created;
};

/* store_client_add - registers a service of org_id (out->id is made).
 * secret_hash is NULL for a public client; metadata is the JSON text of
 * its registration (RFC 7591). */
enum cmn_rc store_client_add(struct store *s, const char *org_id, const char *name,
			     const char *secret_hash, const char *metadata, struct client *out);

/* store_client_get - a service by id; *metadata (malloc'd, caller frees)
 * and secret_hash (CRYPT_HASH_HEX_LEN, "" for a public client) when not
 * NULL. CMN_ERR_NOT_FOUND when unknown. */
enum cmn_rc store_client_get(struct store *s, const char *id, struct client *out, char **metadata,
			     char *secret_hash);

/* store_client_each - the services of org_id (every one with NULL), by name. */
enum cmn_rc store_client_each(struct store *s, const char *org_id,
			      enum cmn_rc (*fn)(const struct client *c, void *ctx), void *ctx);

/* store_client_block, store_client_unblock - a block of a service by an
 * organisation ("operator" for the territory's operator), with a reason
 * that the persons concerned are shown. One block per blocker. */
enum cmn_rc store_client_block(struct store *s, const char *client_id, const char *by,
			       const char *reason);
enum cmn_rc store_client_unblock(struct store *s, const char *client_id, const char *by);

/* store_client_blocks - calls fn for each block of a service. */
enum cmn_rc store_client_blocks(struct store *s, const char *client_id,
				enum cmn_rc (*fn)(const char *by, const char *reason, int64_t at,
						  void *ctx),
				void *ctx);

/* store_person_org_id - the id of the organisation of a person ("" when
 * none); out has CRYPT_ID_LEN bytes. */
enum cmn_rc store_person_org_id(struct store *s, const char *person_id, char *out);

/* A grant as stored: its terms and its state. */
struct grant_row {
	char id[CRYPT_ID_LEN];
	char person_id[CRYPT_ID_LEN];
	char grantee_kind[16];
	char grantee_id[CRYPT_ID_LEN];
	char status[GRANT_STATUS_MAX];    /* requested, given, refused, withdrawn */
	int64_t valid_from, valid_until;  /* ms; valid_until INT64_MAX when open */
	int64_t uses, last_used;          /* requests served under it; 0 when never */
	int64_t created, updated;
	char *body;                       /* the terms, JSON text (owned; grant_row_release) */
};

/* grant_row_release - frees row->body. */
void grant_row_release(struct grant_row *row);

/* store_grant_add - records a grant of row->person_id with row->status,
 * the first entry of its history (by actor). row->id is made, times set. */
enum cmn_rc store_grant_add(struct store *s, struct grant_row *row, const char *actor);

/* store_grant_get - a grant by id. CMN_ERR_NOT_FOUND when unknown. */
enum cmn_rc store_grant_get(struct store *s, const char *id, struct grant_row *out);

/* store_grant_set_status - moves a grant from status from to status to,
 * and appends to its history; CMN_ERR_CONFLICT when its status is not
 * from (another change came first), CMN_ERR_NOT_FOUND when unknown. */
enum cmn_rc store_grant_set_status(struct store *s, const char *id, const char *from,
				   const char *to, const char *actor);

/* store_grant_history - the status history of a grant, oldest first. */
enum cmn_rc store_grant_history(struct store *s, const char *id,
				enum cmn_rc (*fn)(int64_t at, const char *status, const char *actor,
						  void *ctx),
				void *ctx);

/* store_grant_each - the grants of a person (person_id) or given to a
 * grantee (grantee_kind and grantee_id, person_id NULL), newest first.
 * row is valid during the call only. */
enum cmn_rc store_grant_each(struct store *s, const char *person_id, const char *grantee_kind,
			     const char *grantee_id,
			     enum cmn_rc (*fn)(const struct grant_row *row, void *ctx), void *ctx);

/* store_share_unlock - the share grant_id is open to the session
 * session_hash until then (ms): its passcode was given. */
enum cmn_rc store_share_unlock(struct store *s, const char *grant_id, const char *session_hash,
			       int64_t until);

/* store_share_link_add, store_share_link_get - the share a secret link
 * (by its hash) opens; get gives CMN_ERR_NOT_FOUND for an unknown one.
 * grant_id has CRYPT_ID_LEN bytes. */
enum cmn_rc store_share_link_add(struct store *s, const char *hash, const char *grant_id);
enum cmn_rc store_share_link_get(struct store *s, const char *hash, char *grant_id);

/* store_share_view - counts one view of a share that allows max of them:
 * CMN_ERR_GONE when all were served already (nothing counted). */
enum cmn_rc store_share_view(struct store *s, const char *grant_id, int64_t max);

/* store_share_unlocked - whether it is open to that session at now. */
bool store_share_unlocked(struct store *s, const char *grant_id, const char *session_hash,
			  int64_t now);

/* the consents in force at a time, counted by whom they are given to */
struct grant_counts {
	int64_t service, person, org, other;
};

/* store_grant_counts - the grants given and valid at now, counted by
 * grantee kind (an organisation's include the aggregate-only grants of
 * campaign participations). Counts only: no person appears. */
enum cmn_rc store_grant_counts(struct store *s, int64_t now, struct grant_counts *out);

/* store_grant_used - counts n more requests served under a grant, the
 * latest at last (ms). */
enum cmn_rc store_grant_used(struct store *s, const char *id, int64_t n, int64_t last);

#endif
