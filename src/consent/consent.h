/*
 * consent.h - grants over their whole life: asked or given, answered,
 * withdrawn; their views for the person's dashboard; and the grant a
 * request is made under, loaded fresh for each request.
 */
#ifndef COMMUNE_CONSENT_CONSENT_H
#define COMMUNE_CONSENT_CONSENT_H

#include <jansson.h>

#include "consent/grant.h"
#include "record/doctype.h"
#include "store/store.h"
#include "store/store_consent.h"

/* consent_grant_new - checks terms (grant.h, and that each doctype is in
 * reg and the grantee exists) and records a grant of person p with status
 * "given" (the person's own act) or "requested" (asked by a service until
 * the person answers). The first fault goes to err (a JSON pointer then a
 * message) with CMN_ERR_INVALID; out is filled (release it). */
enum cmn_rc consent_grant_new(struct store *s, const struct registry *reg, const struct person *p,
			      const json_t *terms, const char *status, const char *actor,
			      char *err, size_t n, struct grant_row *out);

/* consent_share_new - a grant made as a share (src/api/api_shares.c):
 * given at once, marked "share" in the store, with the Argon2id hash of
 * passcode when there is one (NULL: none) and the number of views it
 * allows (0: no limit). As consent_grant_new. */
enum cmn_rc consent_share_new(struct store *s, const struct registry *reg, const struct person *p,
			      const json_t *terms, const char *passcode, int64_t views,
			      const char *actor, char *err, size_t n, struct grant_row *out);

/* consent_campaign_new - the grant a person gives on joining a campaign
 * (src/campaign/participate.c): given at once, marked "campaign" with its
 * id, so that no request through the API can use it. As
 * consent_grant_new. */
enum cmn_rc consent_campaign_new(struct store *s, const struct registry *reg,
				 const struct person *p, const json_t *terms,
				 const char *campaign_id, const char *actor, char *err, size_t n,
				 struct grant_row *out);

/* consent_mandate_new - a mandate that mediator asks person p for (status
 * "requested" until p confirms it with consent_answer): procedures (JSON
 * array of names, grant_procedure_parse) until until (RFC 3339). */
enum cmn_rc consent_mandate_new(struct store *s, const struct registry *reg, const struct person *p,
				const struct person *mediator, const json_t *procedures,
				const char *until, const char *actor, char *err, size_t n,
				struct grant_row *out);

/* consent_mandate_end - the person or the mediator ends a mandate (given
 * or still requested). CMN_ERR_NOT_FOUND unless caller_id is one of them. */
enum cmn_rc consent_mandate_end(struct store *s, const char *caller_id, const char *grant_id,
				const char *actor);

/* consent_share_open - whether passcode is the one of share grant_id:
 * CMN_OK, CMN_ERR_UNAUTHENTICATED when wrong, CMN_ERR_INVALID when the
 * share has none. */
enum cmn_rc consent_share_open(struct store *s, const char *grant_id, const char *passcode);

/* consent_grant_view - the JSON a person (or the grantee) sees of a grant:
 * its terms, status at now (expired when past), history, use counts and,
 * for a service, who runs it and whether it is blocked. NULL on failure. */
json_t *consent_grant_view(struct store *s, const struct grant_row *row, int64_t now);

/* Which grants consent_list lists. */
enum consent_side {
	CONSENT_GIVEN = 1 << 0,           /* the person gave them */
	CONSENT_RECEIVED = 1 << 1,        /* given to the person or to their organisation */
};

/* consent_list - appends to items the views at now of the grants of
 * person_id on the sides asked (newest first, side by side), only those
 * made as mark ("share", "mandate") when mark is not NULL. */
enum cmn_rc consent_list(struct store *s, const char *person_id, unsigned sides, const char *mark,
			 int64_t now, json_t *items);

/* consent_answer - the person answers a requested grant: given or refused.
 * CMN_ERR_NOT_FOUND unless it is person_id's; CMN_ERR_CONFLICT unless it
 * is still requested. */
enum cmn_rc consent_answer(struct store *s, const char *person_id, const char *grant_id, bool give,
			   const char *actor);

/* consent_withdraw - the person withdraws a given grant: its status moves
 * to withdrawn and every OAuth token bound to it dies at once.
 * CMN_ERR_NOT_FOUND unless it is person_id's; CMN_ERR_CONFLICT unless it is
 * given (an expired grant may be withdrawn too). */
enum cmn_rc consent_withdraw(struct store *s, const char *person_id, const char *grant_id,
			     const char *actor);

/* consent_load - the grant grant_id as it stands, for the checks of one
 * request. */
enum cmn_rc consent_load(struct store *s, const char *grant_id, struct grant *g);

/* consent_load_received - consent_load of a grant given to person_id or
 * to their organisation; CMN_ERR_NOT_FOUND for any other. */
enum cmn_rc consent_load_received(struct store *s, const char *grant_id, const char *person_id,
				  struct grant *g);

#endif
