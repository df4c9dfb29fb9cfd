/*
 * bound.c - contribution bounding: what one person can change in a table.
 *
 * Noise is scaled to the sensitivity, the most one person can move the
 * result; it is only bounded if each person's value per cell is clipped to
 * [lo, hi] and the number of cells they feed is capped. The cap keeps a
 * uniformly random subset, so that which cells survive says nothing of the
 * order the caller listed them in.
 */
#include "dp/dp.h"

int64_t dp_clip(int64_t v, int64_t lo, int64_t hi)
{
	if (v < lo)
		return lo;
	if (v > hi)
		return hi;
	return v;
}

/* partial Fisher-Yates: position i takes a uniform pick of [i, n) */
enum cmn_rc dp_cap_cells(struct dp_rng *r, uint64_t *cells, size_t n, size_t max, size_t *kept)
{
	size_t i;
	uint64_t j, tmp;
	enum cmn_rc rc;

	if (n <= max) {
		*kept = n;
		return CMN_OK;
	}
	for (i = 0; i < max; i++) {
		rc = dp_uniform(r, n - i, &j);
		if (rc != CMN_OK)
			return rc;
		tmp = cells[i];
		cells[i] = cells[i + j];
		cells[i + j] = tmp;
	}
	*kept = max;
	return CMN_OK;
}

/* bound - max(|lo|, |hi|) as an unsigned, INT64_MIN included */
static enum cmn_rc bound(int64_t lo, int64_t hi, uint64_t *out)
{
	uint64_t a = lo < 0 ? (uint64_t)0 - (uint64_t)lo : (uint64_t)lo;
	uint64_t b = hi < 0 ? (uint64_t)0 - (uint64_t)hi : (uint64_t)hi;

	if (lo > hi)
		return CMN_ERR_INVALID;
	*out = a > b ? a : b;
	return CMN_OK;
}

enum cmn_rc dp_sensitivity_l1(uint64_t max_cells, int64_t lo, int64_t hi, uint64_t *out)
{
	uint64_t m;
	enum cmn_rc rc = bound(lo, hi, &m);

	if (rc != CMN_OK)
		return rc;
	if (m != 0 && max_cells > UINT64_MAX / m)
		return CMN_ERR_TOO_LARGE;
	*out = max_cells * m;
	return CMN_OK;
}

enum cmn_rc dp_sensitivity_l2_sq(uint64_t max_cells, int64_t lo, int64_t hi, uint64_t *out)
{
	uint64_t m;
	enum cmn_rc rc = bound(lo, hi, &m);

	if (rc != CMN_OK)
		return rc;
	if (m != 0 && (m > UINT64_MAX / m || max_cells > UINT64_MAX / (m * m)))
		return CMN_ERR_TOO_LARGE;
	*out = max_cells * m * m;
	return CMN_OK;
}
