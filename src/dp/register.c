/*
 * register.c - the register of published tables, and the check that
 * refuses a release that could be differenced against an earlier one.
 *
 * Two releases that share a cell give, cell by cell, the difference of
 * the contributions of the persons in one population and not the other.
 * When fewer than k persons make that difference, it is a table of fewer
 * than k persons, which suppression exists to prevent: so a new release is
 * refused if it shares a base cell with an earlier one and their
 * populations differ (symmetric difference) by fewer than k persons, the
 * same population (difference 0) included. When a side knows only the
 * count and the digest of its population, the difference is unknown but at
 * least the difference of the counts, and 0 when the digests are equal:
 * the release is refused unless the counts differ by k or more.
 * docs/privacy.md has the rule and its limits.
 */
#include <string.h>

#include <sodium.h>

#include "dp/dp.h"

enum cmn_rc dp_population_digest(const uint8_t (*ids)[DP_ID_LEN], uint64_t count,
				 uint8_t out[DP_ID_LEN])
{
	crypto_generichash_state st;
	uint8_t le[8];
	uint64_t i;

	for (i = 1; i < count; i++) {
		if (memcmp(ids[i - 1], ids[i], DP_ID_LEN) >= 0)
			return CMN_ERR_INVALID;
	}
	for (i = 0; i < 8; i++)
		le[i] = (uint8_t)(count >> (8 * i));
	crypto_generichash_init(&st, (const uint8_t *)"commune.dp.population", 21, DP_ID_LEN);
	crypto_generichash_update(&st, le, sizeof(le));
	for (i = 0; i < count; i++)
		crypto_generichash_update(&st, ids[i], DP_ID_LEN);
	crypto_generichash_final(&st, out, DP_ID_LEN);
	return CMN_OK;
}

static bool cells_sorted(const struct dp_release *r)
{
	size_t i;

	if (r->ncells > 0 && r->cells == NULL)
		return false;
	for (i = 1; i < r->ncells; i++) {
		if (r->cells[i - 1] >= r->cells[i])
			return false;
	}
	return true;
}

static bool ids_sorted(const struct dp_population *p)
{
	uint64_t i;

	if (p->ids == NULL)
		return true;
	for (i = 1; i < p->count; i++) {
		if (memcmp(p->ids[i - 1], p->ids[i], DP_ID_LEN) >= 0)
			return false;
	}
	return true;
}

static bool cells_overlap(const struct dp_release *a, const struct dp_release *b)
{
	size_t i = 0, j = 0;

	while (i < a->ncells && j < b->ncells) {
		if (a->cells[i] == b->cells[j])
			return true;
		if (a->cells[i] < b->cells[j])
			i++;
		else
			j++;
	}
	return false;
}

/* sym_diff - |a symmetric-difference b| of two sorted id lists, counted no
 * further than limit */
static uint64_t sym_diff(const struct dp_population *a, const struct dp_population *b,
			 uint64_t limit)
{
	uint64_t i = 0, j = 0, n = 0;
	int c;

	while (i < a->count && j < b->count && n < limit) {
		c = memcmp(a->ids[i], b->ids[j], DP_ID_LEN);
		if (c == 0) {
			i++;
			j++;
			continue;
		}
		n++;
		if (c < 0)
			i++;
		else
			j++;
	}
	return n + (a->count - i) + (b->count - j);
}

/* too_close - do the populations differ by fewer than k persons, or may they? */
static bool too_close(const struct dp_population *a, const struct dp_population *b, uint64_t k)
{
	uint64_t gap;

	if (a->ids != NULL && b->ids != NULL)
		return sym_diff(a, b, k) < k;
	if (memcmp(a->digest, b->digest, DP_ID_LEN) == 0)
		return true;
	gap = a->count > b->count ? a->count - b->count : b->count - a->count;
	return gap < k;
}

enum cmn_rc dp_register_check(const struct dp_release *earlier, size_t n,
			      const struct dp_release *next, uint64_t k, size_t *conflict)
{
	size_t i;

	if (k == 0 || !cells_sorted(next) || !ids_sorted(&next->pop))
		return CMN_ERR_INVALID;
	for (i = 0; i < n; i++) {
		if (!cells_sorted(&earlier[i]) || !ids_sorted(&earlier[i].pop))
			return CMN_ERR_INVALID;
		if (cells_overlap(&earlier[i], next) && too_close(&earlier[i].pop, &next->pop, k)) {
			if (conflict != NULL)
				*conflict = i;
			return CMN_ERR_CONFLICT;
		}
	}
	return CMN_OK;
}
