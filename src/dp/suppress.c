/*
 * suppress.c - cell suppression: a cell with fewer than k contributors is
 * not published (primary), and neither is a cell that would let a reader
 * recover a suppressed one from a published total (secondary).
 *
 * The rule (docs/privacy.md): a published total sums a group of cells;
 * if exactly one cell of a group is suppressed, total minus the published
 * cells gives it back, so the published cell of that group with the fewest
 * contributors is suppressed too (the first in row-major order on a tie).
 * A new suppression can leave another group, along another dimension, with
 * a single suppressed cell, so the rule runs until nothing changes; each
 * pass suppresses at least one cell or ends, hence at most as many passes
 * as cells. It is a greedy rule, not the least-loss one, and it does not
 * defeat every linear-programming attack on the intervals of suppressed
 * cells; the noise added afterwards is what makes exact recovery hopeless.
 */
#include <string.h>

#include "dp/dp.h"

size_t dp_table_cells(const struct dp_table *t)
{
	size_t n = 1;
	unsigned j;

	if (t->ndims == 0 || t->ndims > DP_TABLE_MAX_DIMS)
		return 0;
	for (j = 0; j < t->ndims; j++) {
		if (t->size[j] == 0 || t->size[j] > DP_TABLE_MAX_CELLS / n)
			return 0;
		n *= t->size[j];
	}
	return n;
}

static size_t index_of(const struct dp_table *t, const uint32_t *coords)
{
	size_t idx = 0;
	unsigned j;

	for (j = 0; j < t->ndims; j++)
		idx = idx * t->size[j] + coords[j];
	return idx;
}

static void coords_of(const struct dp_table *t, size_t idx, uint32_t *coords)
{
	unsigned j = t->ndims;

	while (j-- > 0) {
		coords[j] = (uint32_t)(idx % t->size[j]);
		idx /= t->size[j];
	}
}

/* next_in_group - advances coords to the next cell of its group (the
 * dimensions in mask vary, the others stay); false after the last one */
static bool next_in_group(const struct dp_table *t, unsigned mask, uint32_t *coords)
{
	unsigned j = t->ndims;

	while (j-- > 0) {
		if ((mask & (1u << j)) == 0)
			continue;
		if (++coords[j] < t->size[j])
			return true;
		coords[j] = 0;
	}
	return false;
}

/* fix_group - the secondary rule on the group whose first cell is at base;
 * true if it suppressed a cell */
static bool fix_group(struct dp_table *t, unsigned mask, const uint32_t *base)
{
	uint32_t c[DP_TABLE_MAX_DIMS];
	size_t suppressed = 0, best = SIZE_MAX, idx;

	memcpy(c, base, sizeof(c));
	do {
		idx = index_of(t, c);
		if (t->state[idx] != DP_CELL_PUBLISHED)
			suppressed++;
		else if (best == SIZE_MAX || t->count[idx] < t->count[best])
			best = idx;
	} while (next_in_group(t, mask, c));
	if (suppressed != 1 || best == SIZE_MAX)
		return false;
	t->state[best] = DP_CELL_SECONDARY;
	return true;
}

/* one_pass - the secondary rule on every group of every total */
static size_t one_pass(struct dp_table *t, size_t cells, const unsigned *totals, size_t ntotals)
{
	uint32_t c[DP_TABLE_MAX_DIMS] = { 0 };
	size_t i, idx, changed = 0;
	unsigned j;
	bool base;

	for (i = 0; i < ntotals; i++) {
		for (idx = 0; idx < cells; idx++) {
			coords_of(t, idx, c);
			base = true;
			for (j = 0; j < t->ndims; j++)
				base = base && ((totals[i] & (1u << j)) == 0 || c[j] == 0);
			if (base && fix_group(t, totals[i], c))
				changed++;
		}
	}
	return changed;
}

enum cmn_rc dp_suppress(struct dp_table *t, uint64_t k, const unsigned *totals, size_t ntotals,
			size_t *secondary)
{
	size_t cells = dp_table_cells(t), idx, i, total = 0, n;

	if (cells == 0 || k == 0 || ntotals > DP_TABLE_MAX_TOTALS || t->count == NULL ||
	    t->state == NULL)
		return CMN_ERR_INVALID;
	for (i = 0; i < ntotals; i++) {
		if (totals[i] == 0 || totals[i] >= (1u << t->ndims))
			return CMN_ERR_INVALID;
	}
	for (idx = 0; idx < cells; idx++)
		t->state[idx] = t->count[idx] < k ? DP_CELL_PRIMARY : DP_CELL_PUBLISHED;
	while ((n = one_pass(t, cells, totals, ntotals)) != 0)
		total += n;
	if (secondary != NULL)
		*secondary = total;
	return CMN_OK;
}

bool dp_total_publishable(const struct dp_table *t, unsigned mask, const uint32_t *coords)
{
	uint32_t c[DP_TABLE_MAX_DIMS] = { 0 };
	unsigned j;

	if (dp_table_cells(t) == 0 || mask == 0 || mask >= (1u << t->ndims))
		return false;
	for (j = 0; j < t->ndims; j++) {
		if (coords[j] >= t->size[j])
			return false;
		c[j] = (mask & (1u << j)) != 0 ? 0 : coords[j];
	}
	do {
		if (t->state[index_of(t, c)] == DP_CELL_PUBLISHED)
			return true;
	} while (next_in_group(t, mask, c));
	return false;
}
