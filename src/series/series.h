/*
 * series.h - the time-series service: creating series, appending points
 * idempotently, deleting ranges, reading raw points as a stream and
 * aggregating them into calendar-aware buckets.
 *
 * Points are stored in chunks (codec.h) of a fixed span per series: 4096
 * steps for a regular series (85 days at 30 minutes), 6 hours for an
 * irregular one. Appending merges with what is stored: the same value at
 * the same time changes nothing; a different value replaces the stored
 * one (the newer write wins) and the replacement is counted and audited.
 */
#ifndef COMMUNE_SERIES_SERIES_H
#define COMMUNE_SERIES_SERIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/tz.h"
#include "record/doctype.h"
#include "store/store.h"

#define SERIES_REGULAR_SLOTS 4096            /* steps per chunk of a regular series */
#define SERIES_IRREGULAR_SPAN (6 * 3600000LL) /* ms per chunk of an irregular series */
#define SERIES_MAX_APPEND 2000000            /* points per append */
#define SERIES_MAX_RAW 200000                /* raw points per API answer */
#define SERIES_MAX_BUCKETS 100000            /* buckets per API answer */

struct series_point {
	int64_t t;                        /* ms since the epoch */
	int64_t v;                        /* in the series' unit */
};

/* series_create - checks def (doctype of kind timeseries, unit and step
 * allowed by it, zone known, key given) and records it. On
 * CMN_ERR_INVALID, *why says what is wrong. */
enum cmn_rc series_create(struct pstore *ps, const struct registry *reg, struct series_def *def,
			  const char *actor, const char **why);

struct series_write {
	uint64_t added;                   /* points that were not there */
	uint64_t replaced;                /* points whose stored value changed */
	uint64_t unchanged;               /* points already there with this value */
	uint64_t removed;                 /* points deleted (ranges) */
	uint64_t kept;                    /* series_append_keep: points not written
					   * because the time already had another value */
};

/* series_append - merges n points (any order) into the series, all or
 * nothing. CMN_ERR_INVALID (and *why) when a time is off the series' grid,
 * given twice with different values, or a chunk would be too dense. */
enum cmn_rc series_append(struct pstore *ps, const struct series_def *def,
			  struct series_point *pts, size_t n, const char *actor,
			  struct series_write *res, const char **why);

/* series_append_keep - the same, except that the first value given for a
 * time stays: a point whose time is already stored, or given earlier in
 * pts, is not written (counted in res->kept when its value differs). For
 * observations that are never corrected, such as positions: a file may give
 * a time twice, and re-reading it must change nothing. */
enum cmn_rc series_append_keep(struct pstore *ps, const struct series_def *def,
			       struct series_point *pts, size_t n, const char *actor,
			       struct series_write *res, const char **why);

/* series_delete_range - removes the points with t in [from, to), audited. */
enum cmn_rc series_delete_range(struct pstore *ps, const struct series_def *def, int64_t from,
				int64_t to, const char *actor, struct series_write *res);

/* series_scan - calls fn for each present point with t in [from, to), in
 * order, decoding one chunk at a time (bounded memory). Stops at the first
 * non-OK result of fn and returns it. */
enum cmn_rc series_scan(struct pstore *ps, const struct series_def *def, int64_t from, int64_t to,
			enum cmn_rc (*fn)(int64_t t, int64_t v, void *ctx), void *ctx);

/* the decoding buffers of series_scan_blocks, kept by a caller that scans
 * many series one after another (a campaign reads thousands of stores):
 * zeroed before first use, allocated by the first scan, freed by
 * series_scratch_release */
struct series_scratch {
	int64_t *t, *v;                   /* CHUNK_MAX_POINTS each, or NULL */
};

/* series_scratch_release - frees what scans allocated in s, and zeroes it. */
void series_scratch_release(struct series_scratch *s);

/* series_scan_blocks - as series_scan, a chunk at a time: fn gets the
 * times and values of the present points of one chunk that fall in
 * [from, to), in order (n >= 1; the arrays are valid during the call).
 * scratch holds the buffers between calls; NULL takes and frees them for
 * this call only. */
enum cmn_rc series_scan_blocks(struct pstore *ps, const struct series_def *def, int64_t from,
			       int64_t to, struct series_scratch *scratch,
			       enum cmn_rc (*fn)(const int64_t *t, const int64_t *v, size_t n,
						 void *ctx),
			       void *ctx);

enum bucket_unit { BUCKET_FIXED, BUCKET_DAY, BUCKET_WEEK, BUCKET_MONTH, BUCKET_YEAR };

struct bucket_spec {
	enum bucket_unit unit;
	int64_t size;                     /* ms, for BUCKET_FIXED */
};

/* bucket_parse - "Nmin" (N from 1 to 1440), "hour" or "Nh", "day", "week"
 * (Monday to Sunday), "month", "year". */
enum cmn_rc bucket_parse(const char *s, struct bucket_spec *out);

struct bucket {
	int64_t start, end;               /* [start, end) in ms */
	int64_t sum;                      /* saturating */
	uint64_t count;
	int64_t min, max;
};

/* series_aggregate - buckets of the present points in [from, to): fixed
 * sizes are aligned on the epoch (so on UTC hours); days, weeks, months and
 * years follow the series' time zone, DST included (a day may last 23 or
 * 25 hours). Only buckets with points are given, in order. */
enum cmn_rc series_aggregate(struct pstore *ps, const struct series_def *def, int64_t from,
			     int64_t to, const struct bucket_spec *spec,
			     enum cmn_rc (*fn)(const struct bucket *b, void *ctx), void *ctx);

/* series_zone - a loaded zone by name, cached for the process (NULL when
 * unknown). */
const struct tz *series_zone(const char *name);

/* series_zone_release - frees the cache (at exit). */
void series_zone_release(void);

#endif
