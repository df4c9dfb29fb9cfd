/*
 * mix.h - WeMix: the local energy mix that best covers a cooperative's
 * published hourly electricity profile (docs/services.md, docs/wemix.md).
 *
 * The input is public: the released table of a campaign on
 * energy.electricity.load_curve grouped by hour_of_day alone, with a mean
 * (the members' mean power at each hour of the period's mean day). Nothing
 * here reads a person's store. Three local sources are weighed: rooftop
 * solar, onshore wind and run-of-river hydro, each with a production shape
 * over the mean day of each month (solar from the sun's height at the
 * territory's latitude, scaled to a monthly yield; wind and hydro flat at a
 * monthly load factor) and a levelised cost. Every split of the local
 * production between them, in steps of `step` percent, producing `volume`
 * percent of the demand over the mean day, is scored by how much of the
 * demand it covers hour by hour; the best come first.
 */
#ifndef COMMUNE_CAMPAIGN_MIX_H
#define COMMUNE_CAMPAIGN_MIX_H

#include <stddef.h>

#include <jansson.h>

#include "core/result.h"

#define MIX_SOURCES   3
#define MIX_TOP       5
#define MIX_LATITUDE  45.1 /* the synthetic territory's, degrees north */
#define MIX_LONGITUDE 4.5  /* degrees east */

enum mix_source { MIX_SOLAR = 0, MIX_WIND = 1, MIX_HYDRO = 2 };

struct mix_option {
	unsigned share[MIX_SOURCES]; /* percent of the local production, summing to 100 */
	double coverage;             /* share of the demand produced locally in its hour, 0..1 */
	double surplus;              /* share of the production not used in its hour, 0..1 */
	double cost;                 /* the production's cost, EUR/MWh (energy-weighted) */
	double kw[MIX_SOURCES];      /* capacity installed per 100 households, kW */
};

struct mix_report {
	double demand[24];                  /* W per household, the mean day's hours */
	double production[MIX_SOURCES][24]; /* Wh per installed kW, the mean day's hours */
	unsigned volume, step;              /* percent */
	int month_from, month_count;        /* the months averaged: 1..12, 1..12 */
	size_t options;                     /* splits scored */
	size_t ntop;
	struct mix_option top[MIX_TOP];
};

/* mix_source_name - "solar", "wind", "hydro". */
const char *mix_source_name(enum mix_source s);

/* mix_source_cost - the levelised cost the model uses, EUR/MWh. */
double mix_source_cost(enum mix_source s);

/* mix_production - Wh produced per installed kW in each hour (local clock
 * time, Europe/Paris) of the mean day of month (1..12). */
void mix_production(enum mix_source s, int month, double out[24]);

/* campaign_mix - the best splits for a campaign's released table (its
 * results JSON, as store_campaign_get gives them). volume: 10 to 300
 * (percent of the demand); step: 1, 2, 5, 10, 20, 25 or 50. CMN_ERR_INVALID
 * with err when the table is not an hourly profile of electricity with a
 * mean in every hour (a suppressed hour leaves a hole no mix can be
 * scored against), or the parameters are out of range. */
enum cmn_rc campaign_mix(const json_t *results, unsigned volume, unsigned step,
			 struct mix_report *out, char *err, size_t errn);

/* campaign_mix_json - the report: the profile, the sources with their
 * production shapes and costs, the best splits; NULL when out of memory. */
json_t *campaign_mix_json(const char *campaign_id, const struct mix_report *r);

struct store;

/* campaign_mix_of - the report of the published campaign id, as
 * campaign_mix_json gives it, into *out. CMN_ERR_NOT_FOUND when no campaign
 * of that id is published; CMN_ERR_INVALID with err as campaign_mix. */
enum cmn_rc campaign_mix_of(struct store *s, const char *id, unsigned volume, unsigned step,
			    json_t **out, char *err, size_t errn);

#endif
