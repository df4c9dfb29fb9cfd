/*
 * run.h - producing a synthetic territory: `commune synth`.
 */
#ifndef COMMUNE_SYNTH_RUN_H
#define COMMUNE_SYNTH_RUN_H

#include <stdint.h>

#include "record/doctype.h"
#include "store/store.h"
#include "synth/synth.h"

#define SYNTH_MAX_JOBS 64

struct synth_opts {
	uint64_t seed;
	uint64_t first;                /* index of the first household (0) */
	uint64_t households;           /* how many */
	int64_t start_day;             /* days since 1970-01-01 */
	int days;
	unsigned jobs;                 /* worker threads (1 when 0) */
	const char *out_dir;           /* write the files there (NULL: do not) */
	struct store *store;           /* import them into new persons' stores (NULL: do not) */
	const struct registry *reg;    /* with the store */
};

struct synth_stats {
	uint64_t households, files, bytes, records, points;
};

/*
 * synth_run - the territory's public files (districts GeoJSON, GTFS,
 * weather) and households.csv in out_dir, then every household's files in
 * out_dir/households/HANDLE/ and/or imported into a new person HANDLE
 * (resident, without a password) of store. On failure err says what.
 */
enum cmn_rc synth_run(const struct synth_opts *o, struct synth_stats *st, char *err,
		      size_t errlen);

#endif
