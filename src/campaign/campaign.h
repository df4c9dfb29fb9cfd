/*
 * campaign.h - running a campaign (issue 10, docs/campaigns.md): each
 * participant's contribution computed inside their own store, bounded,
 * combined with the others; cells under k suppressed; exact integer noise
 * (src/dp/) on every published figure; budgets charged; the register of
 * releases consulted; the table written as JSON and CSV.
 *
 * The unit of privacy is the person: in each cell a participant feeds, they
 * count once (count and histogram add 1) and add one value, the mean of
 * their own values that fall in the cell, clipped (sum and mean). A person
 * feeds at most max_cells_per_person cells, so the sensitivities of
 * docs/privacy.md hold.
 */
#ifndef COMMUNE_CAMPAIGN_CAMPAIGN_H
#define COMMUNE_CAMPAIGN_CAMPAIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "campaign/spec.h"
#include "dp/dp.h"
#include "record/doctype.h"
#include "series/series.h"
#include "store/store.h"
#include "store/store_campaign.h"

#define CAMPAIGN_ZONE "Europe/Paris"             /* local time of records (series have theirs) */
#define CAMPAIGN_PROFILE_DOCTYPE "household.profile"
#define CAMPAIGN_PERSON_EPS_CAP (10 * (uint64_t)DP_EPS_UNIT)  /* a person's epsilon, in all */
#define CAMPAIGN_PERSON_DELTA_CAP (DP_DELTA_UNIT / 1000000)   /* a person's delta: 1e-6 */
#define CAMPAIGN_QUERIES_MAX (CAMPAIGN_MEASURES_MAX + 1)       /* noisy queries of a release */

struct opendata_index;

/* the cells of a campaign's table */
struct campaign_domain {
	size_t ndims;
	enum campaign_dim dims[CAMPAIGN_GROUP_MAX];
	uint32_t size[CAMPAIGN_GROUP_MAX];  /* values of each dimension */
	size_t ncells;                      /* their product, at least 1 */
	struct store_district *districts;   /* the territory's, by code (owned) */
	size_t ndistricts;
	/* for the districts of trips' ends: the polygons of the districts
	 * dataset loaded last, and the campaign district of each of its
	 * features (-1 when it has none); NULL when no dimension needs them */
	struct opendata_index *places;
	int32_t *place_district;
};

/* campaign_domain_init - the table of spec: the districts from the store,
 * and their polygons when trips are placed by where they start or end.
 * CMN_ERR_INVALID (err says why) when the table has no cell (no district
 * known), needs polygons and no districts dataset was loaded, or has more
 * than DP_TABLE_MAX_CELLS cells. */
enum cmn_rc campaign_domain_init(struct campaign_domain *d, struct store *s,
				 const struct campaign_spec *spec, char *err, size_t errn);

void campaign_domain_release(struct campaign_domain *d);

/* campaign_dim_value - the name of value i of the dimension at position
 * dim: "D11", "13", "monday", "tram", "3-4", "gas". */
const char *campaign_dim_value(const struct campaign_domain *d, size_t dim, uint32_t i);

/* the size bands of households and the heating types, in cell order */
#define CAMPAIGN_BANDS 4
#define CAMPAIGN_HEATINGS 7
#define CAMPAIGN_MODES 13

/* why a person contributes nothing */
enum campaign_skip {
	CAMPAIGN_SKIP_NONE = 0,
	CAMPAIGN_SKIP_NO_PROFILE = 1,       /* the table needs a household profile */
	CAMPAIGN_SKIP_NO_DATA = 2,          /* no value in the period */
};

/* a cell a person feeds: how many of their values fell in it and their
 * mean (rounded half away from zero), before clipping */
struct campaign_cell {
	uint32_t cell;
	uint32_t n;
	int64_t mean;
};

struct campaign_contrib {
	enum campaign_skip skip;
	struct campaign_cell *cells;        /* by cell (owned) */
	size_t ncells, cap;
	/* scratch of dense per-cell sums, reused from one person to the next */
	int64_t *sum;
	uint32_t *n;
	uint32_t *touched;
	size_t ntouched, dense;
	struct series_scratch scan;         /* the decoding buffers of the series read */
};

/* campaign_contrib_release - frees c's arrays. */
void campaign_contrib_release(struct campaign_contrib *c);

/* campaign_contribution - what person_id contributes to spec's table, read
 * from their store (nothing is written there): c->skip says why when
 * nothing. c is reused from one call to the next. */
enum cmn_rc campaign_contribution(struct store *s, const struct campaign_spec *spec,
				  const struct campaign_domain *d, const char *person_id,
				  struct campaign_contrib *c);

/* what a noisy query is of */
enum campaign_query_kind {
	CAMPAIGN_Q_COUNT = 0,               /* contributors per cell */
	CAMPAIGN_Q_SUM = 1,                 /* clipped values per cell (a sum or a mean) */
	CAMPAIGN_Q_HISTOGRAM = 2,           /* contributors per bin of each cell */
};

struct campaign_query {
	enum campaign_query_kind kind;
	size_t measure;                     /* the measure it serves (the first, for count) */
	uint64_t l1, l2_sq;                 /* sensitivities */
	struct dp_ratio eps, delta;         /* its share of the release's */
	struct dp_ratio s2;                 /* gaussian: the variance */
	double sd;                          /* the noise's standard deviation (for people) */
};

/* the noise of a release: the budget split evenly over its queries */
struct campaign_plan {
	size_t nqueries;
	struct campaign_query q[CAMPAIGN_QUERIES_MAX];
	struct dp_cost cost;                /* what each participant is charged */
};

/* campaign_plan_make - the queries of spec and their noise. CMN_ERR_INVALID
 * (err names the member) when the noise cannot be drawn (a variance or a
 * scale beyond the samplers' range). */
enum cmn_rc campaign_plan_make(const struct campaign_spec *spec, struct campaign_plan *p,
			       char *err, size_t errn);

struct campaign_run_opts {
	int64_t now;                        /* ms */
	struct dp_rng *rng;                 /* the noise; NULL: libsodium's CSPRNG */
	unsigned threads;                   /* 0: 2 */
	size_t page;                        /* participants read from the store at once;
					     * 0: 2048 */
	uint64_t person_eps_cap;            /* micro; 0: CAMPAIGN_PERSON_EPS_CAP */
	uint64_t person_delta_cap;          /* pico; 0: CAMPAIGN_PERSON_DELTA_CAP */
	const char *by, *actor;             /* whose chain tells the run (campaign.run),
					     * kept with the release; NULL: nobody's */
};

struct campaign_run_stats {
	size_t joined;                      /* in the campaign when it ran */
	size_t no_grant;                    /* their grant no longer allows it */
	size_t no_budget;                   /* their budget is spent */
	size_t no_profile, no_data;
	size_t counted;                     /* whose contribution is in the table */
	size_t cells, published, primary, secondary;
	int64_t read_ms, total_ms;          /* admitting and reading, the whole run */
};

/* campaign_run - computes the release of an APPROVED campaign whose data
 * period has ended, keeps it (COMPUTED) and charges the budgets. Refusals
 * (err says why): CMN_ERR_CONFLICT for a campaign not approved, a period
 * not over, a release that would allow differencing against an earlier
 * one; CMN_ERR_FORBIDDEN when nobody can take part. */
enum cmn_rc campaign_run(struct store *s, const struct registry *reg, const char *campaign_id,
			 const struct campaign_run_opts *o, struct campaign_run_stats *st,
			 char *err, size_t errn);

/* campaign_contribution_json - person_id's own contribution to a campaign
 * as JSON text (malloc'd): the cells they feed with their values, what the
 * clips make of them, and why nothing when nothing. */
enum cmn_rc campaign_contribution_json(struct store *s, const struct registry *reg,
				       const struct campaign_row *row, const char *person_id,
				       char **out);

/* campaign_plain_json - the campaign in plain words for a person thinking
 * of joining, in lang ("fr" or "en"): what is computed, what leaves their
 * store, who decides, the risks and the expected noise (a new object). */
json_t *campaign_plain_json(const struct campaign_spec *spec, const struct campaign_row *row,
			    const char *lang);

/* campaign_join - person p joins the campaign: a grant is given to the
 * campaign's organisation, aggregate-only, on the source doctype (and
 * household.profile) over the period, then the participation is kept and
 * audited in the person's store. CMN_ERR_CONFLICT (err says why) when the
 * campaign is not approved, not open at now, or p is already in. */
enum cmn_rc campaign_join(struct store *s, const struct registry *reg, const struct person *p,
			  const char *campaign_id, int64_t now, const char *actor, char *err,
			  size_t errn);

/* campaign_withdraw - p leaves before the computation: the participation
 * ends, the grant is withdrawn and p's chain tells it, all in one
 * transaction. CMN_ERR_NOT_FOUND when p is not in,
 * CMN_ERR_CONFLICT once the campaign has run. */
enum cmn_rc campaign_withdraw(struct store *s, const char *person_id, const char *campaign_id,
			      int64_t now, const char *actor);

/* campaign_decide - a draft approved or rejected. by_body says the
 * decision comes from the governance body the definition names (a
 * proposal it decided, src/govern/); otherwise `by` is the operator, who
 * decides only campaigns whose governance is "operator": CMN_ERR_FORBIDDEN
 * (err says why) for the others. CMN_ERR_CONFLICT unless a draft. */
enum cmn_rc campaign_decide(struct store *s, const char *campaign_id, bool approve,
			    const char *by, bool by_body, int64_t now, char *err, size_t errn);

/* campaign_body_kind - the governance body a stored definition names
 * ("trust", "cooperative", "operator"), copied into out ("" when it names
 * none); CMN_ERR_NOMEM when the definition could not be read for want of
 * memory, CMN_ERR_CORRUPT when it is not JSON: never a body guessed. */
enum cmn_rc campaign_body_kind(const char *spec_json, char out[16]);

/* campaign_publish - COMPUTED -> PUBLISHED, then each participant counted in
 * the release is told in their audit chain ("campaign.published", by
 * actor), where their timeline shows it. by (may be NULL) is the person
 * who publishes: their chain tells it ("campaign.publish"), kept with the
 * publication (store_tx_end_told). CMN_ERR_CONFLICT unless computed.
 * *notified (may be NULL) counts the chains written. */
enum cmn_rc campaign_publish(struct store *s, const char *campaign_id, int64_t now,
			     const char *actor, const char *by, size_t *notified);

/* campaign_tell_pending - tells the participants a publication had still to
 * tell in their chains when the process stopped (a crash between the
 * publication and the entries), as CAMPAIGN_TELL_ACTOR; `commune serve`
 * calls it at start. The number told. */
#define CAMPAIGN_TELL_ACTOR "platform"
size_t campaign_tell_pending(struct store *s);

#endif
