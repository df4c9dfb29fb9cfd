/*
 * codec.h - the chunk codec of time series: a run of points of one series,
 * encoded compactly and checked by a checksum.
 *
 * A point is (t, v): t in milliseconds since the Unix epoch (UTC), v an
 * integer in the series' unit (W, Wh, litres, micro-degrees...): never a
 * float. A regular series has a step (e.g. 1,800,000 ms); its timestamps
 * are implicit on the grid t0 + i * step, and a slot without a value is a
 * gap, kept explicitly (v = SERIES_GAP on decode). An irregular series
 * (GPS positions, meter readings at odd times) has step 0 and explicit,
 * strictly increasing timestamps.
 *
 * The byte format is documented in docs/series-codec.md. Decoding never
 * trusts its input: a chunk whose checksum, header or lengths do not hold
 * is CMN_ERR_CORRUPT, never a crash and never wrong points.
 */
#ifndef COMMUNE_SERIES_CODEC_H
#define COMMUNE_SERIES_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/result.h"

#define SERIES_GAP INT64_MIN          /* the value of a missing slot */
#define CHUNK_MAX_POINTS 65536        /* points (slots, for a regular series) per chunk */

struct chunk_info {
	uint32_t n;                       /* slots (regular) or points (irregular) */
	uint32_t present;                 /* points with a value (n minus gaps) */
	int64_t t_first, t_last;          /* first and last timestamp (ms) */
	int64_t step;                     /* ms; 0 for an irregular series */
	int64_t v_min, v_max;             /* over present points; 0 if none */
	int64_t sum;                      /* over present points (saturating) */
};

/*
 * chunk_encode - appends the encoding of n points to out. t must be
 * strictly increasing; with step > 0, every t must be on the grid
 * t[0] + k * step (slots between given points are gaps), and v[i] may be
 * SERIES_GAP. n is 1..CHUNK_MAX_POINTS (for a regular series, the slots
 * from t[0] to t[n-1] must not exceed it). CMN_ERR_INVALID otherwise.
 */
enum cmn_rc chunk_encode(const int64_t *t, const int64_t *v, size_t n, int64_t step,
			 struct buf *out);

/* chunk_inspect - checks the checksum and header and fills info (the
 * summary is stored in the header: no decoding of points). */
enum cmn_rc chunk_inspect(const uint8_t *chunk, size_t len, struct chunk_info *info);

/*
 * chunk_decode - decodes every slot into t and v (arrays of at least
 * info.n entries; gaps come out as SERIES_GAP). Verifies the checksum.
 * *n receives the number of slots written.
 */
enum cmn_rc chunk_decode(const uint8_t *chunk, size_t len, int64_t *t, int64_t *v, size_t cap,
			 size_t *n);

/*
 * A streaming decoder for callers that must not materialise a chunk:
 * bounded memory, points in order. The checksum is verified by
 * chunk_iter_init before the first point is given.
 */
struct chunk_iter {
	const uint8_t *p, *end;           /* private */
	uint64_t state[8];                /* private */
	uint32_t left;                    /* slots still to give */
};

enum cmn_rc chunk_iter_init(struct chunk_iter *it, const uint8_t *chunk, size_t len);

/* chunk_iter_next - the next slot: 1 and (t, v) (v may be SERIES_GAP), 0 at
 * the end, or -1 when the data is corrupt (after a valid checksum this is a
 * codec bug, still reported). */
int chunk_iter_next(struct chunk_iter *it, int64_t *t, int64_t *v);

/*
 * chunk_sum_range - the sum, count, min and max of present values with t in
 * [from, to), decoded straight from the chunk: the fast path of scans and
 * aggregates. Verifies the checksum.
 */
struct chunk_agg {
	int64_t sum;
	uint64_t count;
	int64_t min, max;                 /* valid when count > 0 */
};

enum cmn_rc chunk_sum_range(const uint8_t *chunk, size_t len, int64_t from, int64_t to,
			    struct chunk_agg *agg);

/* crc32c - CRC-32C (Castagnoli) of n bytes, continuing from crc (0 to start). */
uint32_t crc32c(uint32_t crc, const void *data, size_t n);

#endif
