/*
 * store_campaign.h - what the platform store keeps of campaigns (issue 10,
 * docs/campaigns.md): their definitions and states, who joined them (never
 * what they contributed: contributions are computed in the persons' own
 * stores and only the combined, noised table is kept), the releases with
 * what the register of differencing needs, the persons' privacy budgets and
 * the districts of the territory (the values of the "district" dimension).
 */
#ifndef COMMUNE_STORE_STORE_CAMPAIGN_H
#define COMMUNE_STORE_STORE_CAMPAIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp/dp.h"
#include "store/store.h"

#define STORE_DISTRICT_CODE_MAX 16   /* bytes of a district's code */
#define STORE_DISTRICT_NAME_MAX 64   /* bytes of its name */
#define STORE_DISTRICTS_MAX 1024     /* districts of a territory */

/* a district of the territory */
struct store_district {
	char code[STORE_DISTRICT_CODE_MAX + 1];  /* "D11": what household.profile names */
	char name[STORE_DISTRICT_NAME_MAX + 1];  /* "Gare" */
};

/* store_districts_replace - the territory's districts are now these n
 * (codes distinct, [A-Za-z0-9_-]): all or nothing. */
enum cmn_rc store_districts_replace(struct store *s, const struct store_district *d, size_t n);

/* store_districts_list - the districts, ordered by code, into *out
 * (malloc'd, caller frees; NULL when none) and *n. */
enum cmn_rc store_districts_list(struct store *s, struct store_district **out, size_t *n);

/* the life of a campaign */
enum campaign_state {
	CAMPAIGN_STATE_DRAFT = 0,        /* created, waiting for its body's approval */
	CAMPAIGN_STATE_APPROVED = 1,     /* may be joined in [opens, closes) and run */
	CAMPAIGN_STATE_COMPUTED = 2,     /* run: the release exists, not yet public */
	CAMPAIGN_STATE_PUBLISHED = 3,    /* the release is public */
	CAMPAIGN_STATE_REJECTED = 4,     /* refused by its body: never runs */
	CAMPAIGN_STATE_COUNT
};

const char *campaign_state_name(enum campaign_state s);

struct campaign_row {
	char id[CRYPT_ID_LEN];
	char org_id[CRYPT_ID_LEN];
	enum campaign_state state;
	int64_t created, decided, computed, published;  /* ms; 0 when not yet */
	char decided_by[CRYPT_ID_LEN];   /* who approved or rejected it */
	int64_t participants;            /* joined and not withdrawn */
	char *spec;                      /* canonical definition (malloc'd) */
	char *results;                   /* the release as JSON once computed (malloc'd) */
	char *csv;                       /* its cells as CSV (malloc'd) */
};

/* campaign_row_release - frees the texts of r. */
void campaign_row_release(struct campaign_row *r);

/* store_campaign_add - a new draft campaign of org with its canonical
 * definition; r->id is set. */
enum cmn_rc store_campaign_add(struct store *s, const char *org_id, const char *spec,
			       int64_t now, struct campaign_row *r);

/* store_campaign_get - one campaign (with its texts when full). */
enum cmn_rc store_campaign_get(struct store *s, const char *id, bool full, struct campaign_row *r);

/* store_campaign_each - every campaign, newest first, without results;
 * org_id (may be NULL) keeps those of one organisation. r is valid during
 * the call. */
enum cmn_rc store_campaign_each(struct store *s, const char *org_id,
				enum cmn_rc (*fn)(const struct campaign_row *r, void *ctx),
				void *ctx);

/* store_campaign_decide - DRAFT -> APPROVED or REJECTED by person `by`;
 * CMN_ERR_CONFLICT if the campaign is not a draft. */
enum cmn_rc store_campaign_decide(struct store *s, const char *id, bool approve, const char *by,
				  int64_t now);

/* store_campaign_publish - COMPUTED -> PUBLISHED, with every participant
 * counted in the release to be told (store_campaign_untold), in one
 * transaction; CMN_ERR_CONFLICT otherwise. */
enum cmn_rc store_campaign_publish(struct store *s, const char *id, int64_t now);

/* a participation */
struct campaign_part {
	char campaign_id[CRYPT_ID_LEN];
	char person_id[CRYPT_ID_LEN];
	char grant_id[CRYPT_ID_LEN];     /* the aggregate-only grant given on joining */
	int64_t joined;
	int64_t withdrawn;               /* 0 while in */
	bool counted;                    /* took part in the release */
};

/* store_campaign_join - person joins (again, after withdrawing) under
 * grant_id; CMN_ERR_CONFLICT if the campaign is not APPROVED or the person
 * is already in. */
enum cmn_rc store_campaign_join(struct store *s, const char *campaign_id, const char *person_id,
				const char *grant_id, int64_t now);

/* store_campaign_withdraw - the person leaves; *grant_id (may be NULL) gets
 * the grant to withdraw. CMN_ERR_NOT_FOUND if not in, CMN_ERR_CONFLICT if
 * the campaign has already run. */
enum cmn_rc store_campaign_withdraw(struct store *s, const char *campaign_id,
				    const char *person_id, int64_t now,
				    char grant_id[CRYPT_ID_LEN]);

/* store_campaign_part_get - the person's participation, withdrawn or not. */
enum cmn_rc store_campaign_part_get(struct store *s, const char *campaign_id,
				    const char *person_id, struct campaign_part *p);

/* store_campaign_parts - a page of the persons in a campaign (not
 * withdrawn): those whose id comes after `after` ("" for the first page),
 * by person id, at most max of them into out, their number in *n (fewer
 * than max: the last page). A run pages through a campaign of any size in
 * memory bounded by its page (issue 14). */
enum cmn_rc store_campaign_parts(struct store *s, const char *campaign_id, const char *after,
				 struct campaign_part *out, size_t max, size_t *n);

/* store_campaign_untold - the participants a publication has still to be
 * told in their audit chains (of campaign_id, or of every campaign when
 * NULL), into *out (malloc'd) and *n; store_campaign_publish marks those
 * counted in the release, store_campaign_told each one told. */
enum cmn_rc store_campaign_untold(struct store *s, const char *campaign_id,
				  struct campaign_part **out, size_t *n);
enum cmn_rc store_campaign_told(struct store *s, const char *campaign_id, const char *person_id);

/* store_campaign_parts_of - the campaigns a person joined (withdrawn
 * included), newest first. */
enum cmn_rc store_campaign_parts_of(struct store *s, const char *person_id,
				    enum cmn_rc (*fn)(const struct campaign_part *p, void *ctx),
				    void *ctx);

/* store_budget_get - what a person has spent of their budget (0 when they
 * never took part); the caps are the caller's. */
enum cmn_rc store_budget_get(struct store *s, const char *person_id, struct dp_cost *spent);

/* a release, as the register of differencing keeps it */
struct campaign_release_row {
	char campaign_id[CRYPT_ID_LEN];
	uint64_t k;                      /* its minimum cell size */
	uint64_t count;                  /* persons in it */
	uint8_t digest[DP_ID_LEN];       /* dp_population_digest */
	const uint8_t (*ids)[DP_ID_LEN]; /* their hashed ids, ascending */
	const uint64_t *cells;           /* base cell keys, ascending */
	size_t ncells;
};

/* store_releases_each - every release kept, oldest first; the row's arrays
 * are valid during the call. */
enum cmn_rc store_releases_each(struct store *s,
				enum cmn_rc (*fn)(const struct campaign_release_row *r, void *ctx),
				void *ctx);

/* store_campaign_computed - in one transaction: APPROVED -> COMPUTED with
 * its results and CSV, the release kept for the register, each of the n
 * persons (ids, by person id) marked counted and charged cost in their
 * budget; CMN_ERR_CONFLICT (nothing changed) if the campaign is no longer
 * APPROVED or one of the persons withdrew meanwhile. */
enum cmn_rc store_campaign_computed(struct store *s, const struct campaign_release_row *rel,
				    const char *results, const char *csv,
				    const char (*persons)[CRYPT_ID_LEN], size_t n,
				    const struct dp_cost *cost, int64_t now);

#endif
