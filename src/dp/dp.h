/*
 * dp.h - the privacy core of campaigns (issue 10, docs/privacy.md).
 *
 * A self-contained library: it knows nothing of persons' stores, of
 * campaigns or of HTTP. It gives
 *   - a source of random bytes: libsodium's CSPRNG, or for tests a fixed
 *     ChaCha20 keystream (rng.c);
 *   - exact integer samplers after Canonne, Kamath & Steinke 2020:
 *     Bernoulli(exp(-g)), the discrete Laplace and the discrete Gaussian,
 *     with rational parameters and no floating point on any sample path
 *     (sampler.c), and the mechanisms that add their noise to a count or a
 *     sum;
 *   - the choice of a Gaussian's variance from (epsilon, delta), which may
 *     use floating point as it draws nothing, and rounds toward more noise
 *     (calibrate.c);
 *   - contribution bounding: clipping, a cap on the cells a person feeds,
 *     and the sensitivities that follow (bound.c);
 *   - cell suppression below k contributors, with secondary suppression
 *     against published totals (suppress.c);
 *   - budget ledgers in integer micro-units rounded up (budget.c), and a
 *     register of releases that refuses differencing (register.c);
 *   - a parser of rationals ("3/10", "0.25") for privacy parameters
 *     (ratio.c).
 * Everything is a pure function of its arguments except the samplers, which
 * draw from the struct dp_rng they are given.
 */
#ifndef COMMUNE_DP_DP_H
#define COMMUNE_DP_DP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/result.h"

/* Parameter ranges: within them no intermediate value can overflow (the
 * arithmetic is checked all the same). docs/privacy.md says why. */
#define DP_LAPLACE_MAX (UINT64_C(1) << 40)     /* numerator and denominator of a Laplace scale */
#define DP_SIGMA2_MAX (UINT64_C(1) << 40)      /* a Gaussian's variance */
#define DP_SIGMA2_DEN_MAX (UINT64_C(1) << 20)  /* the denominator of that variance */
#define DP_RATIO_TEXT_MAX 64                   /* bytes of a rational as text */
#define DP_TABLE_MAX_DIMS 4                    /* dimensions of a table to suppress */
#define DP_TABLE_MAX_CELLS (1u << 16)          /* cells of that table */
#define DP_TABLE_MAX_TOTALS 16                 /* kinds of totals published with it */
#define DP_K_DEFAULT 11                        /* minimum contributors of a published cell */
#define DP_EPS_UNIT 1000000u                   /* epsilon is accounted in 1e-6 */
#define DP_DELTA_UNIT UINT64_C(1000000000000)  /* delta is accounted in 1e-12 */
#define DP_ID_LEN 32                           /* bytes of a hashed person id, of a digest */

/* a non-negative rational; den is never 0 in a valid one */
struct dp_ratio {
	uint64_t num;                    /* numerator */
	uint64_t den;                    /* denominator, >= 1 */
};

/* where random bytes come from */
enum dp_rng_kind {
	DP_RNG_SYSTEM = 0,               /* libsodium randombytes_buf */
	DP_RNG_CHACHA20 = 1,             /* a ChaCha20 keystream from a fixed seed (tests) */
};

/* a source of random bytes; the keystream state is a secret, wiped by
 * dp_rng_release */
struct dp_rng {
	enum dp_rng_kind kind;
	uint8_t key[32];                 /* ChaCha20 key: the seed */
	uint64_t block;                  /* next keystream block to generate */
	uint8_t buf[256];                /* keystream not yet used */
	size_t used;                     /* bytes of buf already given out */
};

/* dp_rng_system - r draws from libsodium's CSPRNG (sodium_init() must have
 * run, as it has in commune). The one source for real releases. */
void dp_rng_system(struct dp_rng *r);

/* dp_rng_chacha20 - r is the ChaCha20 keystream of seed with a zero nonce:
 * the same seed gives the same draws on every machine. For tests only. */
void dp_rng_chacha20(struct dp_rng *r, const uint8_t seed[32]);

/* dp_rng_release - wipes r's state; r may be set up again. */
void dp_rng_release(struct dp_rng *r);

/* dp_rng_bytes - fills out with n random bytes. */
void dp_rng_bytes(struct dp_rng *r, void *out, size_t n);

/* dp_uniform - *out uniform in [0, n), by rejection (no modulo bias);
 * CMN_ERR_INVALID if n is 0. */
enum cmn_rc dp_uniform(struct dp_rng *r, uint64_t n, uint64_t *out);

/* dp_bernoulli_exp - *out is true with probability exactly exp(-g), g >= 0
 * (CKS 2020, Algorithm 1). CMN_ERR_INVALID if g.den is 0. */
enum cmn_rc dp_bernoulli_exp(struct dp_rng *r, struct dp_ratio g, bool *out);

/* dp_discrete_laplace - *out with P[x] proportional to exp(-|x| / scale),
 * scale = num/den > 0, both at most DP_LAPLACE_MAX (CKS 2020, Algorithm 2).
 * CMN_ERR_INVALID outside that range; CMN_ERR_TOO_LARGE if a draw would not
 * fit an int64 (probability below exp(-2^23)). */
enum cmn_rc dp_discrete_laplace(struct dp_rng *r, struct dp_ratio scale, int64_t *out);

/* dp_discrete_gaussian - *out with P[x] proportional to exp(-x^2 / 2s2),
 * s2 = num/den > 0, at most DP_SIGMA2_MAX, den at most DP_SIGMA2_DEN_MAX
 * (CKS 2020, Algorithm 3). CMN_ERR_INVALID outside that range;
 * CMN_ERR_TOO_LARGE on an event of probability below exp(-63) per draw
 * (docs/privacy.md). */
enum cmn_rc dp_discrete_gaussian(struct dp_rng *r, struct dp_ratio s2, int64_t *out);

/* dp_laplace_add - adds to *value the discrete Laplace noise of scale
 * sensitivity / eps: epsilon-DP for a query whose L1 sensitivity is
 * `sensitivity`. CMN_ERR_TOO_LARGE if the sum leaves int64 (*value is then
 * unchanged), CMN_ERR_INVALID for a zero sensitivity or epsilon, or a scale
 * out of range. */
enum cmn_rc dp_laplace_add(struct dp_rng *r, uint64_t sensitivity, struct dp_ratio eps,
			   int64_t *value);

/* dp_gaussian_add - adds to *value discrete Gaussian noise of variance s2
 * (dp_gaussian_sigma2 chooses it). Errors as dp_laplace_add. */
enum cmn_rc dp_gaussian_add(struct dp_rng *r, struct dp_ratio s2, int64_t *value);

/* dp_gaussian_sigma2 - the variance for (eps, delta)-DP of a query whose
 * squared L2 sensitivity is l2_sq: rho = (sqrt(L + eps) - sqrt(L))^2 with
 * L = ln(1/delta), then s2 = l2_sq / (2 rho), rounded up to a multiple of
 * 1/1000 with a safety margin. Floating point is used here, never in a draw.
 * CMN_ERR_INVALID unless eps > 0 and 0 < delta < 1; CMN_ERR_TOO_LARGE if s2
 * would exceed DP_SIGMA2_MAX. */
enum cmn_rc dp_gaussian_sigma2(uint64_t l2_sq, struct dp_ratio eps, struct dp_ratio delta,
			       struct dp_ratio *s2);

/* dp_gaussian_rho_micro - the zCDP rho = l2_sq / (2 s2) of a Gaussian
 * release, in micro-units rounded up (exact, integer). */
enum cmn_rc dp_gaussian_rho_micro(uint64_t l2_sq, struct dp_ratio s2, uint64_t *micro);

/* dp_gaussian_eps_micro - the epsilon, for this delta, of a Gaussian release
 * (rho + 2 sqrt(rho ln(1/delta))), in micro-units rounded up: what the
 * ledgers are charged. */
enum cmn_rc dp_gaussian_eps_micro(uint64_t l2_sq, struct dp_ratio s2, struct dp_ratio delta,
				  uint64_t *micro);

/* dp_clip - v clamped to [lo, hi] (lo <= hi). */
int64_t dp_clip(int64_t v, int64_t lo, int64_t hi);

/* dp_cap_cells - keeps at most max of the n cells a person contributes to,
 * chosen uniformly at random: on return cells[0 .. *kept) are the kept ones
 * (the array is permuted in place). */
enum cmn_rc dp_cap_cells(struct dp_rng *r, uint64_t *cells, size_t n, size_t max, size_t *kept);

/* dp_sensitivity_l1 - the L1 sensitivity of per-cell sums when a person
 * feeds at most max_cells cells with values clipped to [lo, hi]:
 * max_cells * max(|lo|, |hi|). CMN_ERR_TOO_LARGE on overflow. */
enum cmn_rc dp_sensitivity_l1(uint64_t max_cells, int64_t lo, int64_t hi, uint64_t *out);

/* dp_sensitivity_l2_sq - the squared L2 sensitivity of the same:
 * max_cells * max(|lo|, |hi|)^2, an integer. */
enum cmn_rc dp_sensitivity_l2_sq(uint64_t max_cells, int64_t lo, int64_t hi, uint64_t *out);

/* why a cell is not published */
enum dp_cell_state {
	DP_CELL_PUBLISHED = 0,
	DP_CELL_PRIMARY = 1,             /* fewer than k contributors */
	DP_CELL_SECONDARY = 2,           /* would be recoverable from a total */
};

/*
 * A table of ndims dimensions, cells in row-major order (the last dimension
 * varies fastest). A published total is named by the mask of the dimensions
 * it sums over: in 2-D, row totals are 1 << 1, column totals 1 << 0, the
 * grand total 3.
 */
struct dp_table {
	unsigned ndims;                  /* 1 .. DP_TABLE_MAX_DIMS */
	uint32_t size[DP_TABLE_MAX_DIMS]; /* cells along each dimension */
	const uint64_t *count;           /* contributors per cell, caller-owned */
	uint8_t *state;                  /* out: enum dp_cell_state per cell, caller-owned */
};

/* dp_table_cells - the number of cells of t, 0 if its shape is invalid. */
size_t dp_table_cells(const struct dp_table *t);

/* dp_suppress - fills t->state: primary suppression of cells with fewer
 * than k contributors, then secondary suppression until no group of a
 * published total holds exactly one suppressed cell. *secondary (may be
 * NULL) counts the cells suppressed by the second rule. */
enum cmn_rc dp_suppress(struct dp_table *t, uint64_t k, const unsigned *totals, size_t ntotals,
			size_t *secondary);

/* dp_total_publishable - after dp_suppress: may the total of kind mask that
 * covers the cell at coords be published? Not when every cell it sums is
 * suppressed (it would be their sum alone). */
bool dp_total_publishable(const struct dp_table *t, unsigned mask, const uint32_t *coords);

/* what a release costs, in the ledgers' units (rounded up) */
struct dp_cost {
	uint64_t eps_micro;              /* epsilon in 1e-6 */
	uint64_t delta_pico;             /* delta in 1e-12 */
};

/* a privacy budget: the cap and what is spent, of a person or a campaign */
struct dp_budget {
	uint64_t eps_cap_micro;          /* epsilon allowed in all, 1e-6 */
	uint64_t eps_spent_micro;        /* epsilon spent so far */
	uint64_t delta_cap_pico;         /* delta allowed in all, 1e-12 */
	uint64_t delta_spent_pico;       /* delta spent so far */
};

/* dp_eps_micro - eps in micro-units rounded up. CMN_ERR_TOO_LARGE over
 * UINT64_MAX micro-units, CMN_ERR_INVALID for a zero denominator. */
enum cmn_rc dp_eps_micro(struct dp_ratio eps, uint64_t *micro);

/* dp_cost_of - the cost of a release of (eps, delta), both rounded up. */
enum cmn_rc dp_cost_of(struct dp_ratio eps, struct dp_ratio delta, struct dp_cost *out);

/* dp_budget_allows - may b pay for c without exceeding either cap? */
bool dp_budget_allows(const struct dp_budget *b, const struct dp_cost *c);

/* dp_budget_charge - *out is b with c spent (out may be b).
 * CMN_ERR_FORBIDDEN, *out untouched, if b does not allow c. */
enum cmn_rc dp_budget_charge(const struct dp_budget *b, const struct dp_cost *c,
			     struct dp_budget *out);

/* dp_budget_admit - which of the n persons take part in a release of cost
 * c: admitted[i] says if persons[i] allows it; returns how many do. None
 * does when the campaign's budget does not allow c. */
size_t dp_budget_admit(const struct dp_budget *campaign, const struct dp_budget *persons,
		       size_t n, const struct dp_cost *c, bool *admitted);

/* the persons a release is computed over */
struct dp_population {
	uint64_t count;                  /* number of persons */
	const uint8_t (*ids)[DP_ID_LEN]; /* their hashed ids, strictly ascending, or NULL */
	uint8_t digest[DP_ID_LEN];       /* dp_population_digest of the ids */
};

/* a published (or proposed) release: who, and which base cells */
struct dp_release {
	struct dp_population pop;
	const uint64_t *cells;           /* base cell keys, strictly ascending */
	size_t ncells;
};

/* dp_population_digest - the BLAKE2b-256 of the count and the ids (which
 * must be strictly ascending: CMN_ERR_INVALID otherwise). */
enum cmn_rc dp_population_digest(const uint8_t (*ids)[DP_ID_LEN], uint64_t count,
				 uint8_t out[DP_ID_LEN]);

/* dp_register_check - may next be published after the n earlier releases?
 * CMN_OK if so; CMN_ERR_CONFLICT if it shares a cell with an earlier one
 * whose population differs from its own by fewer than k persons (the same
 * population included), *conflict (may be NULL) then being that release's
 * index; CMN_ERR_INVALID if a list is not strictly ascending. The exact rule
 * is in docs/privacy.md. */
enum cmn_rc dp_register_check(const struct dp_release *earlier, size_t n,
			      const struct dp_release *next, uint64_t k, size_t *conflict);

/* dp_ratio_parse - reads "N", "N/D" or "I.F" (decimal, at most 18 digits
 * after the point) from the n bytes at s, reduced to lowest terms.
 * CMN_ERR_INVALID for anything else, a zero denominator or an overflow. */
enum cmn_rc dp_ratio_parse(const char *s, size_t n, struct dp_ratio *out);

/* dp_ratio_format - writes r as "N/D" (or "N" when D is 1) into buf of
 * size n; CMN_ERR_TOO_LARGE if it does not fit. */
enum cmn_rc dp_ratio_format(struct dp_ratio r, char *buf, size_t n);

/* dp_ratio_reduce - r in lowest terms (den must not be 0). */
struct dp_ratio dp_ratio_reduce(struct dp_ratio r);

#endif
