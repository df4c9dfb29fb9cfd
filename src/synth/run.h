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

/* A kind of file of a household, in a holder's format */
struct synth_file {
	const char *name;         /* "banque.ofx"; the GPX is "trajets.gpx" (one a member) */
	const char *format;       /* the importer that reads it */
	const char *doctype;      /* what it gives */
	const char *content_type;
	const char *title;
	enum cmn_rc (*write)(const struct synth_territory *t, const struct synth_household *h,
			     FILE *out); /* NULL for the GPX (synth_write_gpx, per member) */
};

/* synth_files - the kinds of files, *n of them */
const struct synth_file *synth_files(size_t *n);

/* synth_produce - file f of h (member: for the GPX) in *data (malloc'd, also
 * on failure); CMN_ERR_NOT_FOUND when h has none */
enum cmn_rc synth_produce(const struct synth_territory *t, const struct synth_household *h,
			  const struct synth_file *f, int member, char **data, size_t *len);

struct synth_stats {
	uint64_t households, files, bytes, records, points;
};

/* synth_household_files - h's files written into dir (may be NULL) and/or
 * imported into ps (may be NULL; with reg, audited as actor), added to st;
 * on failure err says what */
enum cmn_rc synth_household_files(const struct synth_territory *t, const struct synth_household *h,
				  const char *dir, struct pstore *ps, const struct registry *reg,
				  const char *actor, struct synth_stats *st, char *err,
				  size_t errlen);

/*
 * synth_run - the territory's public files (districts GeoJSON, GTFS,
 * weather) and households.csv in out_dir, then every household's files in
 * out_dir/households/HANDLE/ and/or imported into a new person HANDLE
 * (resident, without a password) of store; into a store, the territory's
 * districts replace those of the store first (store_districts_replace). On
 * failure err says what.
 */
enum cmn_rc synth_run(const struct synth_opts *o, struct synth_stats *st, char *err,
		      size_t errlen);

#endif
