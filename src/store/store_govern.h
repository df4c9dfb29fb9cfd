/*
 * store_govern.h - what the platform store keeps of governance bodies
 * (issue 11, docs/governance.md): the bodies and their statutes, their
 * members, the proposals put to them with the votes, and each body's
 * decision register, an append-only hash chain whose entries the platform
 * signs.
 */
#ifndef COMMUNE_STORE_STORE_GOVERN_H
#define COMMUNE_STORE_STORE_GOVERN_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

#define GOV_NAME_MAX 120            /* bytes of a body's name */
#define GOV_COLLEGE_MAX 32          /* bytes of a college's name */
#define GOV_KIND_MAX 24             /* bytes of a register entry's kind */
#define GOV_COMMENT_MAX 4000        /* bytes of a comment */
#define GOV_REASON_MAX 200          /* bytes of a moderation's reason */

struct gov_body {
	char id[CRYPT_ID_LEN];
	char kind[16];                  /* "trust" or "cooperative" */
	char name[GOV_NAME_MAX + 1];
	int64_t created;
	char *statutes;                 /* canonical JSON (malloc'd) */
};

void gov_body_release(struct gov_body *b);

/* store_gov_body_add - a new body; b->id and b->created are set. */
enum cmn_rc store_gov_body_add(struct store *s, struct gov_body *b);

/* store_gov_body_get - one body with its statutes. */
enum cmn_rc store_gov_body_get(struct store *s, const char *id, struct gov_body *b);

/* store_gov_body_set_statutes - the body's statutes become statutes (a
 * change of rules its members approved). */
enum cmn_rc store_gov_body_set_statutes(struct store *s, const char *id, const char *statutes);

/* store_gov_body_each - every body, by name (statutes included). */
enum cmn_rc store_gov_body_each(struct store *s,
				enum cmn_rc (*fn)(const struct gov_body *b, void *ctx), void *ctx);

struct gov_member {
	char body_id[CRYPT_ID_LEN];
	char person_id[CRYPT_ID_LEN];
	char college[GOV_COLLEGE_MAX + 1];   /* "" when the body has none */
	int64_t joined, left;                /* ms; left 0 while a member */
};

/* store_gov_join - person becomes a member (again after leaving);
 * CMN_ERR_CONFLICT if a member already. */
enum cmn_rc store_gov_join(struct store *s, const char *body_id, const char *person_id,
			   const char *college, int64_t now);

/* store_gov_leave - the member leaves, and their votes on the body's
 * open proposals go; CMN_ERR_NOT_FOUND if not one. */
enum cmn_rc store_gov_leave(struct store *s, const char *body_id, const char *person_id,
			    int64_t now);

/* store_gov_member_get - the person's membership, past or present. */
enum cmn_rc store_gov_member_get(struct store *s, const char *body_id, const char *person_id,
				 struct gov_member *m);

/* store_gov_members - the present members of a body, by person id, into
 * *out (malloc'd) and *n. */
enum cmn_rc store_gov_members(struct store *s, const char *body_id, struct gov_member **out,
			      size_t *n);

/* the life of a proposal */
enum gov_state {
	GOV_OPEN = 0,                   /* votes accepted until closes */
	GOV_APPROVED = 1,
	GOV_REJECTED = 2,
	GOV_NO_QUORUM = 3,
	GOV_STATE_COUNT
};

const char *gov_state_name(enum gov_state s);

struct gov_proposal {
	char id[CRYPT_ID_LEN];
	char body_id[CRYPT_ID_LEN];
	char by[CRYPT_ID_LEN];          /* who submitted it (a person id) */
	char subject_kind[16];          /* "campaign", "agreement" or "statutes" */
	char subject_id[CRYPT_ID_LEN];  /* the campaign's, the agreement's or the body's id */
	bool secret;                    /* secret ballot: who voted what is never shown */
	enum gov_state state;
	int64_t created, closes, decided;
	char *text;                     /* the proposal, JSON {"fr", "en"} (malloc'd) */
	char *tally;                    /* the decision's tally JSON, NULL while open (malloc'd) */
	char *statutes;                 /* the statutes it is decided under: those in force
					 * when it was submitted (malloc'd) */
	char *change;                   /* a "statutes" proposal's new statutes, else NULL
					 * (malloc'd) */
};

void gov_proposal_release(struct gov_proposal *p);

/* store_gov_proposal_add - an open proposal; p->id and p->created set. */
enum cmn_rc store_gov_proposal_add(struct store *s, struct gov_proposal *p);

enum cmn_rc store_gov_proposal_get(struct store *s, const char *id, struct gov_proposal *p);

/* store_gov_proposal_each - the proposals of a body, newest first. */
enum cmn_rc store_gov_proposal_each(struct store *s, const char *body_id,
				    enum cmn_rc (*fn)(const struct gov_proposal *p, void *ctx),
				    void *ctx);

/* store_gov_proposal_for - the latest proposal about a subject, if any. */
enum cmn_rc store_gov_proposal_for(struct store *s, const char *subject_kind,
				   const char *subject_id, struct gov_proposal *p);

/* store_gov_vote - the member's vote ("yes", "no", "abstain"), replacing
 * an earlier one; CMN_ERR_CONFLICT once the proposal is not open. */
enum cmn_rc store_gov_vote(struct store *s, const char *proposal_id, const char *person_id,
			   const char *choice, int64_t now);

/* store_gov_votes - the votes of a proposal: fn(person, choice, at). */
enum cmn_rc store_gov_votes(struct store *s, const char *proposal_id,
			    enum cmn_rc (*fn)(const char *person_id, const char *choice, int64_t at,
					      void *ctx),
			    void *ctx);

/* store_gov_decide - OPEN -> state with its tally, keeping only the votes
 * of the members present (the ballots counted); CMN_ERR_CONFLICT if it is
 * not open any more. */
enum cmn_rc store_gov_decide(struct store *s, const char *proposal_id, enum gov_state state,
			     const char *tally, int64_t now);

/* the life of a data-sharing agreement */
enum gov_agreement_state {
	GOV_AGREEMENT_DRAFT = 0,        /* waiting for its body's decision */
	GOV_AGREEMENT_APPROVED = 1,     /* may run from starts until ends */
	GOV_AGREEMENT_REJECTED = 2,
	GOV_AGREEMENT_ENDED = 3,        /* ended early by its organisation or the operator */
	GOV_AGREEMENT_STATE_COUNT
};

const char *gov_agreement_state_name(enum gov_agreement_state s);

/* a data-sharing agreement between a body and an organisation */
struct gov_agreement {
	char id[CRYPT_ID_LEN];
	char body_id[CRYPT_ID_LEN];
	char org_id[CRYPT_ID_LEN];
	enum gov_agreement_state state;
	int64_t created;
	int64_t starts, ends;           /* ms: when it may run, [starts, ends) */
	int64_t decided;                /* 0 until its body decided */
	char decided_by[CRYPT_ID_LEN];  /* the proposal that decided it */
	int64_t ended;                  /* 0 unless ended early */
	char *spec;                     /* canonical JSON of its terms (malloc'd) */
};

void gov_agreement_release(struct gov_agreement *a);

/* store_gov_agreement_add - a new draft; a->id set. */
enum cmn_rc store_gov_agreement_add(struct store *s, struct gov_agreement *a);

enum cmn_rc store_gov_agreement_get(struct store *s, const char *id, struct gov_agreement *a);

/* store_gov_agreement_each - the agreements of body_id, or of org_id
 * (the other NULL), or all (both NULL), newest first. */
enum cmn_rc store_gov_agreement_each(struct store *s, const char *body_id, const char *org_id,
				     enum cmn_rc (*fn)(const struct gov_agreement *a, void *ctx),
				     void *ctx);

/* store_gov_agreement_decide - DRAFT -> APPROVED or REJECTED by proposal
 * `by`; CMN_ERR_CONFLICT unless a draft. */
enum cmn_rc store_gov_agreement_decide(struct store *s, const char *id, bool approve,
				       const char *by, int64_t now);

/* store_gov_agreement_end - DRAFT or APPROVED -> ENDED; CMN_ERR_CONFLICT
 * otherwise. */
enum cmn_rc store_gov_agreement_end(struct store *s, const char *id, int64_t now);

/* a comment in the debate of a proposal */
struct gov_comment {
	char id[CRYPT_ID_LEN];
	char proposal_id[CRYPT_ID_LEN];
	char parent_id[CRYPT_ID_LEN];   /* the comment answered, "" for a new thread */
	char person_id[CRYPT_ID_LEN];
	int64_t at;
	int64_t hidden_at;              /* 0 while shown */
	char hidden_by[CRYPT_ID_LEN];   /* the moderator, or the author who withdrew it */
	char hidden_reason[GOV_REASON_MAX + 1];
	const char *text;               /* valid during the call */
};

/* store_gov_comment_add - a comment on proposal_id answering parent_id
 * ("" for none); c->id and c->at are set. CMN_ERR_NOT_FOUND when the
 * parent is not a comment of the same proposal. */
enum cmn_rc store_gov_comment_add(struct store *s, struct gov_comment *c, const char *text);

/* store_gov_comment_get - one comment (text copied into *text, malloc'd,
 * when text is not NULL). */
enum cmn_rc store_gov_comment_get(struct store *s, const char *id, struct gov_comment *c,
				  char **text);

/* store_gov_comments - the comments of a proposal, oldest first. */
enum cmn_rc store_gov_comments(struct store *s, const char *proposal_id,
			       enum cmn_rc (*fn)(const struct gov_comment *c, void *ctx), void *ctx);

/* store_gov_comment_hide - hides a comment (its text is no longer shown)
 * by `by` for reason; CMN_ERR_CONFLICT when hidden already. */
enum cmn_rc store_gov_comment_hide(struct store *s, const char *id, const char *by,
				   const char *reason, int64_t now);

/* an entry of a body's decision register */
struct gov_entry {
	char body_id[CRYPT_ID_LEN];
	int64_t seq;                    /* 1, 2, ... */
	int64_t at;                     /* ms */
	char kind[GOV_KIND_MAX + 1];    /* "body.create", "member.join", "proposal.submit",
					 * "vote", "proposal.decide" ... */
	const char *payload;            /* canonical JSON */
	char prev[CRYPT_HASH_HEX_LEN];  /* the hash of the entry before ("" for the first) */
	char hash[CRYPT_HASH_HEX_LEN];
	const char *sig;                /* JWS over the hash, by the platform key */
};

/* store_gov_append - appends an entry to body_id's register in one
 * transaction: seq and prev follow the last entry, hash =
 * gov_entry_hash(...), sig = keys' JWS of the hash. */
enum cmn_rc store_gov_append(struct store *s, const struct keyring *keys, const char *body_id,
			     const char *kind, const char *payload, int64_t at);

/* store_gov_register_each - the entries of a body's register, in order;
 * the texts are valid during the call. */
enum cmn_rc store_gov_register_each(struct store *s, const char *body_id,
				    enum cmn_rc (*fn)(const struct gov_entry *e, void *ctx),
				    void *ctx);

/* gov_entry_hash - the BLAKE2b-256 (hex) of an entry: the previous hash,
 * seq, at, kind and payload, each length-prefixed. */
void gov_entry_hash(const char *prev, int64_t seq, int64_t at, const char *kind,
		    const char *payload, char out[CRYPT_HASH_HEX_LEN]);

#endif
