/*
 * spec.h - the definition of a campaign (issue 10, docs/campaigns.md):
 * who asks, for what, over which data and period, which aggregate, under
 * which privacy parameters, when it runs, who approves it and under which
 * licence its results are published.
 *
 * A definition is a JSON object. campaign_spec_parse checks it whole and
 * reads it into a struct campaign_spec; campaign_spec_json writes that
 * struct back as canonical JSON (fixed member order, every default made
 * explicit, rationals and times in one spelling), which parses back to the
 * same text: what is stored is what was checked. Storage, approval and the
 * computation itself live elsewhere.
 */
#ifndef COMMUNE_CAMPAIGN_SPEC_H
#define COMMUNE_CAMPAIGN_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/limits.h"
#include "core/result.h"
#include "crypto/crypt.h"
#include "dp/dp.h"
#include "record/doctype.h"

/* bounds of a definition; docs/campaigns.md says why */
#define CAMPAIGN_SPEC_MAX_BYTES (64 * 1024)    /* the whole JSON text */
#define CAMPAIGN_TITLE_MAX 200                 /* bytes of a title, per language */
#define CAMPAIGN_PURPOSE_MAX 2000              /* bytes of a purpose, per language */
#define CAMPAIGN_FIELD_MAX 64                  /* bytes of a record field's name */
#define CAMPAIGN_PERIOD_MAX_DAYS 366           /* span of the data asked for */
#define CAMPAIGN_YEAR_MIN 2000                 /* every time of a definition is in ... */
#define CAMPAIGN_YEAR_MAX 2099                 /* ... these years (UTC) */
#define CAMPAIGN_GROUP_MAX 3                   /* group-by dimensions */
#define CAMPAIGN_MEASURES_MAX 4                /* measures of one campaign */
#define CAMPAIGN_VALUE_MAX 1000000             /* |bound| of a clip or a histogram edge */
#define CAMPAIGN_BINS_MIN 2                    /* edges of a histogram (one bin) */
#define CAMPAIGN_BINS_MAX 32                   /* edges of a histogram */
#define CAMPAIGN_K_MIN 2                       /* minimum cell size allowed ... */
#define CAMPAIGN_K_MAX 1000                    /* ... and at most; DP_K_DEFAULT if absent */
#define CAMPAIGN_EPS_MAX 10                    /* epsilon of one release, at most */
#define CAMPAIGN_DELTA_INV_MIN 1000            /* delta < 1 / this */
#define CAMPAIGN_CELLS_MAX 10000               /* max_cells_per_person, at most */

/* where the values come from */
enum campaign_source {
	CAMPAIGN_SOURCE_SERIES = 0,      /* the points of a time series doctype */
	CAMPAIGN_SOURCE_RECORDS = 1,     /* a numeric field of a document doctype */
};

/* the public list of group-by dimensions (names in campaign_dim_name) */
enum campaign_dim {
	CAMPAIGN_DIM_DISTRICT = 0,
	CAMPAIGN_DIM_HOUR_OF_DAY = 1,
	CAMPAIGN_DIM_WEEKDAY = 2,
	CAMPAIGN_DIM_MONTH = 3,
	CAMPAIGN_DIM_MODE = 4,           /* transport mode: records of mobility.trip only */
	CAMPAIGN_DIM_HOUSEHOLD_SIZE_BAND = 5,
	CAMPAIGN_DIM_HEATING_TYPE = 6,
	CAMPAIGN_DIM_ORIGIN_DISTRICT = 7,      /* where a trip starts: mobility.trip only */
	CAMPAIGN_DIM_DESTINATION_DISTRICT = 8, /* where it ends: the same */
	CAMPAIGN_DIM_COUNT
};

enum campaign_measure_kind {
	CAMPAIGN_MEASURE_COUNT = 0,      /* contributors or values per cell */
	CAMPAIGN_MEASURE_SUM = 1,        /* sum of values clipped to [lo, hi] */
	CAMPAIGN_MEASURE_MEAN = 2,       /* noisy sum / noisy count, clipped alike */
	CAMPAIGN_MEASURE_HISTOGRAM = 3,  /* counts per bin [b_i, b_i+1) */
	CAMPAIGN_MEASURE_KIND_COUNT
};

struct campaign_measure {
	enum campaign_measure_kind kind;
	int64_t lo, hi;                  /* clip of a sum or a mean, lo <= hi */
	size_t nbins;                    /* edges of a histogram, 0 otherwise */
	int64_t bins[CAMPAIGN_BINS_MAX]; /* strictly ascending edges */
};

enum campaign_mechanism {
	CAMPAIGN_MECH_LAPLACE = 0,       /* epsilon-DP, discrete Laplace */
	CAMPAIGN_MECH_GAUSSIAN = 1,      /* (epsilon, delta)-DP, discrete Gaussian */
	CAMPAIGN_MECH_COUNT
};

struct campaign_privacy {
	uint64_t k;                      /* minimum contributors of a published cell */
	enum campaign_mechanism mechanism;
	struct dp_ratio epsilon;         /* per release, 0 < epsilon <= CAMPAIGN_EPS_MAX */
	struct dp_ratio delta;           /* gaussian only, else {0, 1} */
	uint32_t max_cells;              /* cells one person may feed, 1..CAMPAIGN_CELLS_MAX */
};

/* the body that must approve a campaign before it runs (issue 11) */
enum campaign_body {
	CAMPAIGN_BODY_TRUST = 0,
	CAMPAIGN_BODY_COOPERATIVE = 1,
	CAMPAIGN_BODY_OPERATOR = 2,
	CAMPAIGN_BODY_COUNT
};

/* the open licence of the published results */
enum campaign_licence {
	CAMPAIGN_LICENCE_ETALAB_2_0 = 0,
	CAMPAIGN_LICENCE_ODBL_1_0 = 1,
	CAMPAIGN_LICENCE_CC_BY_4_0 = 2,
	CAMPAIGN_LICENCE_CC0_1_0 = 3,
	CAMPAIGN_LICENCE_COUNT
};

/* a text in the two languages of commune; both owned by the spec */
struct campaign_text {
	char *fr;
	char *en;
};

struct campaign_spec {
	struct campaign_text title;
	struct campaign_text purpose;
	char organisation[CRYPT_ID_LEN];          /* the id of the organisation that asks */
	enum campaign_source source;
	char doctype[CMN_DOCTYPE_NAME_MAX + 1];   /* checked against the registry */
	char value[CAMPAIGN_FIELD_MAX + 1];       /* the field of records, "" for a series */
	int64_t from, to;                         /* period of the data, ms, [from, to) */
	size_t ngroup;
	enum campaign_dim group_by[CAMPAIGN_GROUP_MAX];
	size_t nmeasures;
	struct campaign_measure measures[CAMPAIGN_MEASURES_MAX];
	struct campaign_privacy privacy;
	int64_t opens, closes;                    /* ms; participation in [opens, closes) */
	enum campaign_body governance;
	enum campaign_licence licence;
};

/* campaign_spec_parse - checks the n bytes of JSON at text as a campaign
 * definition, doctypes against reg, and fills *out (to be released with
 * campaign_spec_release). On CMN_ERR_INVALID err holds the first fault: a
 * JSON pointer then why ("/privacy/epsilon: ..."; ": ..." for the whole
 * text) and *out is empty; CMN_ERR_NOMEM if memory runs out. The caller
 * checks that the organisation exists. */
enum cmn_rc campaign_spec_parse(const char *text, size_t n, const struct registry *reg,
				struct campaign_spec *out, char *err, size_t errn);

/* campaign_spec_check - as campaign_spec_parse, for a definition already
 * read as JSON (def is not taken). */
enum cmn_rc campaign_spec_check(const json_t *def, const struct registry *reg,
				struct campaign_spec *out, char *err, size_t errn);

/* campaign_spec_release - frees the texts of s and empties it; s may be
 * released twice. */
void campaign_spec_release(struct campaign_spec *s);

/* campaign_spec_to_json - s as a new JSON object in canonical form (the
 * caller owns it); NULL if memory runs out. */
json_t *campaign_spec_to_json(const struct campaign_spec *s);

/* campaign_spec_json - s as canonical JSON text: compact, members in the
 * order of docs/campaigns.md, defaults written out. *out is malloc'd and
 * NUL-terminated (caller frees), *len (may be NULL) its length. Parsing it
 * gives the same text back. CMN_ERR_NOMEM if memory runs out. */
enum cmn_rc campaign_spec_json(const struct campaign_spec *s, char **out, size_t *len);

/* the names of the format: "district", "sum", "gaussian", "trust",
 * "etalab-2.0"... ("?" out of range) */
const char *campaign_dim_name(enum campaign_dim d);
const char *campaign_measure_name(enum campaign_measure_kind k);
const char *campaign_mechanism_name(enum campaign_mechanism m);
const char *campaign_body_name(enum campaign_body b);
const char *campaign_licence_name(enum campaign_licence l);

#endif
