/*
 * fuzz_dp.c - libFuzzer target for the privacy core (src/dp/). The first
 * byte picks what the rest is:
 *   0  text for dp_ratio_parse: what it accepts is in lowest terms, formats
 *      back to text that parses to the same value, and its micro-units are
 *      the exact ceiling of value * 10^6;
 *   1  a table (dimensions, sizes, contributor counts, k, published totals)
 *      for dp_suppress: no cell under k is published, and no group of a
 *      published total holds exactly one suppressed cell beside published
 *      ones, and a total is publishable when a cell of its group is;
 *   2  sampler parameters and a ChaCha20 seed: the samplers accept exactly
 *      the ranges of dp.h and then draw without failing.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp/dp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, what)                                                        \
	do {                                                                     \
		if (!(cond)) {                                                   \
			fprintf(stderr, "fuzz_dp: invariant failed: %s (%s:%d)\n", \
				what, __FILE__, __LINE__);                       \
			abort();                                                 \
		}                                                                \
	} while (0)

__extension__ typedef unsigned __int128 u128;

static uint64_t gcd(uint64_t a, uint64_t b)
{
	while (b != 0) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

static void fuzz_ratio(const uint8_t *data, size_t size)
{
	struct dp_ratio r, back;
	char text[DP_RATIO_TEXT_MAX];
	uint64_t micro;
	u128 scaled;

	if (dp_ratio_parse((const char *)data, size, &r) != CMN_OK)
		return;
	CHECK(r.den != 0, "a denominator");
	CHECK(r.num == 0 ? r.den == 1 : gcd(r.num, r.den) == 1, "lowest terms");
	CHECK(dp_ratio_format(r, text, sizeof(text)) == CMN_OK, "formats");
	CHECK(dp_ratio_parse(text, strlen(text), &back) == CMN_OK, "parses back");
	CHECK(back.num == r.num && back.den == r.den, "same value back");
	if (dp_eps_micro(r, &micro) != CMN_OK)
		return;
	scaled = (u128)r.num * DP_EPS_UNIT;
	CHECK((u128)micro * r.den >= scaled, "micro-units round up");
	CHECK(micro == 0 || (u128)(micro - 1) * r.den < scaled, "by less than one unit");
}

/* check_group - a brute-force model of dp_suppress's rule on the group of
 * total mask around cell i: if a published cell is left, the suppressed
 * ones are none or two and more, and the total may be published; if none
 * is, the total may not. */
static void check_group(const struct dp_table *t, size_t cells, unsigned mask, size_t i)
{
	uint32_t coords[DP_TABLE_MAX_DIMS] = { 0 };
	size_t j, a, b, suppressed = 0, published = 0;
	unsigned d;
	bool same;

	for (j = 0; j < cells; j++) {
		a = i;
		b = j;
		same = true;
		for (d = t->ndims; d-- > 0;) {
			if ((mask & (1u << d)) == 0 && a % t->size[d] != b % t->size[d])
				same = false;
			a /= t->size[d];
			b /= t->size[d];
		}
		if (same && t->state[j] == DP_CELL_PUBLISHED)
			published++;
		else if (same)
			suppressed++;
	}
	CHECK(published == 0 || suppressed != 1, "no single suppressed cell");
	for (a = i, d = t->ndims; d-- > 0; a /= t->size[d])
		coords[d] = (uint32_t)(a % t->size[d]);
	CHECK(dp_total_publishable(t, mask, coords) == (published > 0), "total publishable");
}

static void fuzz_table(const uint8_t *data, size_t size)
{
	uint64_t count[216];
	uint8_t state[216];
	unsigned totals[DP_TABLE_MAX_TOTALS];
	struct dp_table t;
	size_t cells, ntotals, i, j;
	uint64_t k;

	if (size < 6)
		return;
	memset(&t, 0, sizeof(t));
	t.ndims = 1 + data[0] % 3;
	for (i = 0; i < t.ndims; i++)
		t.size[i] = 1 + data[1 + i] % 6;
	k = 1 + data[4] % 20;
	ntotals = data[5] % 4;
	data += 6;
	size -= 6;
	for (i = 0; i < ntotals && i < size; i++)
		totals[i] = 1 + data[i] % ((1u << t.ndims) - 1);
	ntotals = i;
	data += ntotals;
	size -= ntotals;
	cells = dp_table_cells(&t);
	CHECK(cells > 0 && cells <= 216, "a valid shape");
	for (i = 0; i < cells; i++)
		count[i] = i < size ? data[i] % 40 : 0;
	t.count = count;
	t.state = state;
	CHECK(dp_suppress(&t, k, totals, ntotals, NULL) == CMN_OK, "suppresses");
	for (i = 0; i < cells; i++) {
		CHECK(state[i] <= DP_CELL_SECONDARY, "a state");
		CHECK((count[i] < k) == (state[i] == DP_CELL_PRIMARY), "primary exactly under k");
		for (j = 0; j < ntotals; j++)
			check_group(&t, cells, totals[j], i);
	}
}

static uint64_t read64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void fuzz_samplers(const uint8_t *data, size_t size)
{
	uint8_t seed[32] = { 0 };
	struct dp_ratio a, b;
	struct dp_rng r;
	enum cmn_rc rc;
	int64_t x;
	bool bit;
	int i;

	if (size < 32)
		return;
	/* parameters of at most 2^48, so that the ranges' edges are reached */
	a.num = read64(data) >> 16;
	a.den = read64(data + 8) >> 16;
	b.num = read64(data + 16) >> 16;
	b.den = read64(data + 24) >> 40;
	if (size > 32)
		memcpy(seed, data + 32, size - 32 < 32 ? size - 32 : 32);
	dp_rng_chacha20(&r, seed);
	rc = dp_discrete_laplace(&r, a, &x);
	if (a.num == 0 || a.den == 0) {
		CHECK(rc == CMN_ERR_INVALID, "laplace: zero refused");
	} else {
		struct dp_ratio red = dp_ratio_reduce(a);
		bool in = red.num <= DP_LAPLACE_MAX && red.den <= DP_LAPLACE_MAX;

		CHECK(rc == (in ? CMN_OK : CMN_ERR_INVALID), "laplace: its range");
	}
	rc = dp_discrete_gaussian(&r, b, &x);
	if (b.num == 0 || b.den == 0) {
		CHECK(rc == CMN_ERR_INVALID, "gaussian: zero refused");
	} else {
		struct dp_ratio red = dp_ratio_reduce(b);
		bool in = red.den <= DP_SIGMA2_DEN_MAX &&
			  (u128)red.num <= (u128)DP_SIGMA2_MAX * red.den;

		CHECK(rc == (in ? CMN_OK : CMN_ERR_INVALID), "gaussian: its range");
	}
	for (i = 0; i < 4; i++)
		CHECK(dp_bernoulli_exp(&r, a.den != 0 ? a : b, &bit) ==
			      (a.den != 0 || b.den != 0 ? CMN_OK : CMN_ERR_INVALID),
		      "bernoulli");
	dp_rng_release(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	switch (data[0] % 3) {
	case 0:
		fuzz_ratio(data + 1, size - 1);
		break;
	case 1:
		fuzz_table(data + 1, size - 1);
		break;
	default:
		fuzz_samplers(data + 1, size - 1);
		break;
	}
	return 0;
}
