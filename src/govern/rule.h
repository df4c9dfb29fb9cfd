/*
 * rule.h - the decision rules of commune's governance bodies (issue 11,
 * docs/governance.md): a civic data trust, whose trustees sit in colleges
 * (public, private, civil society), and a data cooperative, one member one
 * vote, with optional SCIC colleges whose votes are weighted as French law
 * allows (art. 19 octies of loi n° 47-1775).
 *
 * A body's statutes are a JSON object. govern_statutes_parse checks it whole
 * and reads it into a struct govern_statutes; govern_statutes_json writes it
 * back as canonical JSON (fixed member order, defaults written out,
 * rationals as "N/D"), which parses back to the same text.
 *
 * govern_decide applies the statutes' rule to the ballots of one vote and
 * fills a tally: the counts, the figure the rule compares (an exact
 * rational) and the outcome. Everything here is a pure function of its
 * arguments: no store, no clock, no floating point. Proposals, the vote
 * period and the decision register live elsewhere.
 */
#ifndef COMMUNE_GOVERN_RULE_H
#define COMMUNE_GOVERN_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/result.h"
#include "crypto/crypt.h"
#include "dp/dp.h"

/* bounds of statutes and of a vote; docs/governance.md says why */
#define GOVERN_STATUTES_MAX_BYTES (16 * 1024)  /* the whole JSON text */
#define GOVERN_COLLEGES_MAX 10                 /* colleges of a body (10 % each at least) */
#define GOVERN_COLLEGE_NAME_MAX 32             /* bytes of a college's name */
#define GOVERN_WEIGHTED_COLLEGES_MIN 3         /* "trois ou plusieurs collèges" */
#define GOVERN_WEIGHT_MIN 10                   /* percent of the votes a college holds ... */
#define GOVERN_WEIGHT_MAX 50                   /* ... at least and at most */
#define GOVERN_TRUSTEES_MAX 64                 /* named trustees of a unanimity rule */
#define GOVERN_MEMBERS_MAX (1u << 20)          /* ballots of one vote */
#define GOVERN_SCORE_MAX 240                   /* bytes of a score as "N/D" text */

/* the two collective bodies */
enum govern_kind {
	GOVERN_TRUST = 0,                /* civic data trust, "régie de données" */
	GOVERN_COOPERATIVE = 1,          /* data cooperative, SCIC or not */
	GOVERN_KIND_COUNT
};

/* the decision rules; which kind may use which is in docs/governance.md */
enum govern_rule {
	GOVERN_MAJORITY = 0,                   /* yes > no among votes cast */
	GOVERN_QUALIFIED_MAJORITY = 1,         /* yes >= threshold of votes cast */
	GOVERN_MAJORITY_IN_EVERY_COLLEGE = 2,  /* yes > no in each college (trust) */
	GOVERN_UNANIMITY_OF_TRUSTEES = 3,      /* every named trustee votes yes (trust) */
	GOVERN_WEIGHTED_COLLEGES = 4,          /* SCIC: weighted yes shares (cooperative) */
	GOVERN_RULE_COUNT
};

/* what one member did; NONE (0) is a member who did not vote */
enum govern_choice {
	GOVERN_CHOICE_NONE = 0,
	GOVERN_CHOICE_YES = 1,
	GOVERN_CHOICE_NO = 2,
	GOVERN_CHOICE_ABSTAIN = 3,       /* present, counts toward the quorum, not cast */
	GOVERN_CHOICE_COUNT
};

/* the result of a vote; a zeroed tally says REJECTED */
enum govern_outcome {
	GOVERN_REJECTED = 0,
	GOVERN_APPROVED = 1,
	GOVERN_NO_QUORUM = 2,            /* too few members took part: nothing decided */
	GOVERN_OUTCOME_COUNT
};

struct govern_college {
	char name[GOVERN_COLLEGE_NAME_MAX + 1]; /* [a-z][a-z0-9_]*, unique in the body */
	uint32_t weight;                 /* percent of the votes (weighted_colleges), else 0 */
};

struct govern_statutes {
	enum govern_kind kind;
	enum govern_rule rule;
	struct dp_ratio quorum;          /* share of the members who must take part, 0..1 */
	struct dp_ratio threshold;       /* 1/2..1 under qualified_majority, weighted_colleges;
					  * else 0 */
	size_t ncolleges;
	struct govern_college colleges[GOVERN_COLLEGES_MAX];
	bool weighted;                   /* the colleges carry weights; else equal shares */
	size_t ntrustees;                /* unanimity_of_trustees only */
	char trustees[GOVERN_TRUSTEES_MAX][CRYPT_ID_LEN]; /* person ids, unique */
};

/* one member's ballot; the strings belong to the caller */
struct govern_ballot {
	const char *member;              /* a person id, unique among the ballots */
	const char *college;             /* one of the statutes' colleges, NULL if they have none */
	enum govern_choice choice;
};

/* the counts of a set of members */
struct govern_count {
	uint64_t members;                /* ballots */
	uint64_t yes, no, abstain, none; /* sum to members */
};

/* what govern_decide found: enough to write the decision down */
struct govern_tally {
	enum govern_outcome outcome;
	enum govern_rule rule;
	struct dp_ratio quorum;          /* as in the statutes */
	struct dp_ratio threshold;       /* as in the statutes */
	struct govern_count all;         /* every ballot */
	size_t ncolleges;                /* as in the statutes */
	struct govern_college colleges[GOVERN_COLLEGES_MAX]; /* names and weights */
	struct govern_count college[GOVERN_COLLEGES_MAX];    /* the ballots of each college */
	char score[GOVERN_SCORE_MAX];    /* the figure the rule compares, reduced "N/D" or "N";
					  * "" when there was no quorum */
};

/* govern_statutes_parse - checks the n bytes of JSON at json as a body's
 * statutes and fills *out. On CMN_ERR_INVALID err holds the first fault: a
 * JSON pointer then why ("/colleges/1/weight: ..."; ": ..." for the whole
 * text) and *out is zeroed. */
enum cmn_rc govern_statutes_parse(const char *json, size_t n, struct govern_statutes *out,
				  char *err, size_t errn);

/* govern_statutes_check - as govern_statutes_parse, for statutes already
 * read as JSON (def is not taken). */
enum cmn_rc govern_statutes_check(const json_t *def, struct govern_statutes *out, char *err,
				  size_t errn);

/* govern_statutes_to_json - s as a new JSON object in canonical form (the
 * caller owns it); NULL if memory runs out. */
json_t *govern_statutes_to_json(const struct govern_statutes *s);

/* govern_statutes_json - s as canonical JSON text, compact, members in the
 * order of docs/governance.md, defaults written out. *out is malloc'd and
 * NUL-terminated (caller frees), *len (may be NULL) its length. Parsing it
 * gives the same text back. CMN_ERR_NOMEM if memory runs out. */
enum cmn_rc govern_statutes_json(const struct govern_statutes *s, char **out, size_t *len);

/* govern_decide - applies s's rule to the n ballots at b (every member of
 * the body, each once) and fills *t, whose outcome says what was decided.
 * CMN_ERR_INVALID if a ballot has no member, a member comes twice, a choice
 * is out of range, or a college is not one of the statutes' (or is given
 * when they have none); CMN_ERR_TOO_LARGE above GOVERN_MEMBERS_MAX ballots;
 * CMN_ERR_NOMEM if memory runs out. On an error *t is zeroed. The exact
 * rules are in docs/governance.md. */
enum cmn_rc govern_decide(const struct govern_statutes *s, const struct govern_ballot *b,
			  size_t n, struct govern_tally *t);

/* govern_tally_to_json - t as a new JSON object (the caller owns it), for
 * the decision register; NULL if memory runs out. */
json_t *govern_tally_to_json(const struct govern_tally *t);

/* govern_tally_json - t as compact JSON text, members in the order of
 * docs/governance.md; *out malloc'd (caller frees), *len (may be NULL) its
 * length. CMN_ERR_NOMEM if memory runs out. */
enum cmn_rc govern_tally_json(const struct govern_tally *t, char **out, size_t *len);

/* the names of the format: "trust", "weighted_colleges", "abstain",
 * "no_quorum"... ("?" out of range) */
const char *govern_kind_name(enum govern_kind k);
const char *govern_rule_name(enum govern_rule r);
const char *govern_choice_name(enum govern_choice c);
const char *govern_outcome_name(enum govern_outcome o);

#endif
