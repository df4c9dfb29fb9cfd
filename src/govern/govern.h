/*
 * govern.h - the life of governance bodies (issue 11, docs/governance.md):
 * a civic data trust or a data cooperative is created with its statutes;
 * persons join it (in a college) and leave it; a proposal about a campaign,
 * a data-sharing agreement (agreement.h) or a change of its statutes is
 * submitted to it, voted by its members until it closes, then decided by
 * the statutes' rule (rule.h); the decision approves or rejects the
 * campaign or the agreement, which runs only if approved, or makes the new
 * statutes those of the body. Every act is appended to the
 * body's decision register, a hash chain whose entries the platform signs
 * and anyone can verify.
 */
#ifndef COMMUNE_GOVERN_GOVERN_H
#define COMMUNE_GOVERN_GOVERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypt.h"
#include "govern/rule.h"
#include "record/doctype.h"
#include "store/store.h"
#include "store/store_govern.h"

#define GOVERN_TEXT_MAX 4000                 /* bytes of a proposal's text, per language */

/* How long a vote lasts: at least the deployment's minimum (commune serve
 * --vote-min-seconds), a minute unless it says otherwise; at most 90 days,
 * whatever the deployment. */
#define GOVERN_VOTE_MIN_DEFAULT_MS (60 * 1000)
#define GOVERN_VOTE_MAX_MS (90LL * 86400000)

/* govern_body_create - a body named name with the statutes at json (their
 * kind is the body's), recorded as the first entry of its register
 * ("body.create"). CMN_ERR_INVALID (err: a JSON pointer and why) for bad
 * statutes, CMN_ERR_EXISTS for a name taken. */
enum cmn_rc govern_body_create(struct store *s, const struct keyring *k, const char *name,
			       const char *json, size_t n, int64_t now, struct gov_body *out,
			       char *err, size_t errn);

/* govern_join - person joins the body in college (NULL or "" when the
 * statutes have none): "member.join" in the register. CMN_ERR_INVALID for
 * a college the statutes do not have (or none when they have some),
 * CMN_ERR_CONFLICT when a member already. */
enum cmn_rc govern_join(struct store *s, const struct keyring *k, const char *body_id,
			const char *person_id, const char *college, int64_t now, char *err,
			size_t errn);

/* govern_leave - the member leaves ("member.leave"); their data leaves
 * every future use of the body: their participation in each campaign the
 * body approved that has not run is withdrawn (with its grant). *withdrawn
 * (may be NULL) counts them. CMN_ERR_NOT_FOUND when not a member. */
enum cmn_rc govern_leave(struct store *s, const struct keyring *k, const char *body_id,
			 const char *person_id, int64_t now, size_t *withdrawn);

/* govern_propose - submits campaign_id (a draft whose governance is the
 * body's kind) to the body until closes (ms), with text {"fr", "en"} and a
 * secret or open ballot: "proposal.submit". The vote lasts at least min_ms,
 * the deployment's shortest vote (GOVERN_VOTE_MIN_DEFAULT_MS unless
 * configured; 1 to GOVERN_VOTE_MAX_MS), and at most GOVERN_VOTE_MAX_MS:
 * closes outside is CMN_ERR_INVALID, and err states both bounds. by is a
 * member of the body or an agent of the campaign's organisation (the
 * caller checks roles; here only membership or by_org). err says why on
 * CMN_ERR_INVALID / CMN_ERR_CONFLICT / CMN_ERR_FORBIDDEN. */
enum cmn_rc govern_propose(struct store *s, const struct keyring *k, const char *body_id,
			   const char *by, bool by_org, const char *campaign_id,
			   const json_t *text, int64_t closes, int64_t min_ms, bool secret,
			   int64_t now, struct gov_proposal *out, char *err, size_t errn);

/* govern_propose_agreement - submits agreement_id (a draft put to this
 * body, which must not expire before the vote closes) to the body, as
 * govern_propose does a campaign; the register's entry keeps its terms.
 * Approved, it may run (agreement.h); rejected, it never does. */
enum cmn_rc govern_propose_agreement(struct store *s, const struct keyring *k,
				     const char *body_id, const char *by, bool by_org,
				     const char *agreement_id, const json_t *text, int64_t closes,
				     int64_t min_ms, bool secret, int64_t now,
				     struct gov_proposal *out, char *err, size_t errn);

/* govern_propose_statutes - a member proposes that the n bytes of JSON at
 * json become the body's statutes: the same kind, the same colleges (the
 * members sit in them; their weights, the rule, the quorum, the threshold
 * and the trustees may change). Approved, they replace the statutes
 * ("body.statutes" in the register) for the proposals submitted from then
 * on; a proposal is always decided under the statutes in force when it was
 * submitted. err says why on CMN_ERR_INVALID. */
enum cmn_rc govern_propose_statutes(struct store *s, const struct keyring *k,
				    const char *body_id, const char *by, const char *json,
				    size_t n, const json_t *text, int64_t closes, int64_t min_ms,
				    bool secret, int64_t now, struct gov_proposal *out, char *err,
				    size_t errn);

/* govern_text_ok - whether text is {"fr": ..., "en": ...}, neither blank
 * nor longer than GOVERN_TEXT_MAX bytes */
bool govern_text_ok(const json_t *text);

/* govern_register_append - v (stolen; NULL means out of memory) as compact
 * JSON with sorted keys, appended to the body's register as kind. */
enum cmn_rc govern_register_append(struct store *s, const struct keyring *k,
				   const char *body_id, const char *kind, json_t *v, int64_t now);

/* govern_vote - a member's vote ("yes", "no", "abstain") on an open
 * proposal before it closes, replacing an earlier one. CMN_ERR_FORBIDDEN
 * for a non-member, CMN_ERR_CONFLICT once closed, CMN_ERR_INVALID for
 * another choice. */
enum cmn_rc govern_vote(struct store *s, const char *proposal_id, const char *person_id,
			const char *choice, int64_t now);

/* govern_close - decides a proposal once it has closed: the ballots of the
 * present members (a member who did not vote counts as such) under the
 * statutes' rule, the tally kept and appended ("proposal.decide", with each
 * member's vote under an open ballot, the counts only under a secret one),
 * and its subject approved (APPROVED) or rejected (REJECTED); with no
 * quorum a campaign or an agreement stays a draft. CMN_ERR_CONFLICT before the close or when
 * decided already. */
enum cmn_rc govern_close(struct store *s, const struct keyring *k, const char *proposal_id,
			 int64_t now, struct gov_proposal *out, char *err, size_t errn);

/* govern_comment - a present member of the proposal's body comments on
 * it while it is open, answering parent ("" or NULL for a new thread).
 * CMN_ERR_FORBIDDEN for a non-member, CMN_ERR_CONFLICT once decided,
 * CMN_ERR_INVALID (err says why) for a blank or too long text or a parent
 * that is not a comment of this proposal. */
enum cmn_rc govern_comment(struct store *s, const char *proposal_id, const char *person_id,
			   const char *parent, const char *text, int64_t now,
			   struct gov_comment *out, char *err, size_t errn);

/* govern_comment_hide - moderation: the operator hides a comment with a
 * reason (1 to GOV_REASON_MAX bytes), or its author withdraws it.
 * CMN_ERR_FORBIDDEN for anyone else, CMN_ERR_CONFLICT when hidden already. */
enum cmn_rc govern_comment_hide(struct store *s, const char *comment_id, const char *by,
				bool moderator, const char *reason, int64_t now, char *err,
				size_t errn);

/* what govern_verify found */
struct govern_check {
	int64_t entries;
	int64_t bad_seq;                 /* the first entry that fails, 0 when none */
	char why[160];
};

/* govern_verify - walks a body's register: each entry's seq follows, its
 * prev is the hash before, its hash is recomputed and its signature checks
 * with the platform key. CMN_ERR_CORRUPT (c says where and why) when one
 * does not. */
enum cmn_rc govern_verify(struct store *s, const struct keyring *k, const char *body_id,
			  struct govern_check *c);

/* govern_member_hash - how the register names a member without showing
 * their id: hex BLAKE2b-256 of the body and the person ids. */
void govern_member_hash(const char *body_id, const char *person_id,
			char out[CRYPT_HASH_HEX_LEN]);

#endif
