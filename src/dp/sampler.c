/*
 * sampler.c - exact integer samplers and the noise mechanisms built on
 * them, after Canonne, Kamath & Steinke, "The Discrete Gaussian for
 * Differential Privacy" (NeurIPS 2020), Algorithms 1 to 3.
 *
 * Why integers only: Mironov (CCS 2012) showed that Laplace noise drawn
 * with floating point leaks the true value through the values a double can
 * and cannot take. Here every parameter is a rational, every draw is a
 * uniform integer by rejection, and every comparison is exact, so the
 * output distribution is exactly the one of the paper. No float, double or
 * <math.h> on these paths: tests/unit/test_dp.c reads this file and fails
 * on any, and GCC on x86-64 compiles it without floating-point registers.
 *
 * Intermediate values use unsigned __int128 (GCC and clang, on every
 * 64-bit target commune builds on); the parameter ranges of dp.h keep them
 * within it, and the arithmetic is checked all the same.
 *
 * Limits: the draws take a data-dependent time (rejection), so these
 * samplers suit batch releases, not answers timed by an attacker.
 */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#pragma GCC target("general-regs-only")
#endif

#include <limits.h>
#include <string.h>

#include <sodium.h>

#include "dp/dp.h"

__extension__ typedef unsigned __int128 u128;

/* uniform - uniform in [0, n), n >= 1: draw just enough bytes, mask to the
 * smallest power of two above n - 1, retry above it (fewer than 2 tries on
 * average, and no modulo bias). */
static u128 uniform(struct dp_rng *r, u128 n)
{
	u128 top = n - 1, mask = top, x;
	uint8_t b[16];
	size_t nbytes = 0, i;
	unsigned shift;

	for (shift = 1; shift < 128; shift <<= 1)
		mask |= mask >> shift;
	for (x = mask; x != 0; x >>= 8)
		nbytes++;
	if (nbytes == 0)
		return 0;
	do {
		dp_rng_bytes(r, b, nbytes);
		x = 0;
		for (i = 0; i < nbytes; i++)
			x = (x << 8) | b[i];
		x &= mask;
	} while (x > top);
	sodium_memzero(b, sizeof(b));
	return x;
}

/* bernoulli - true with probability num/den (num <= den, den >= 1) */
static bool bernoulli(struct dp_rng *r, u128 num, u128 den)
{
	return uniform(r, den) < num;
}

/*
 * bernoulli_exp_small - true with probability exp(-num/den), for
 * num/den in [0, 1] (CKS Algorithm 1, first part): count K up while
 * Bernoulli(g/K) succeeds; P[K odd] = exp(-g). Bernoulli(g/K) is drawn
 * as Bernoulli(g) and Bernoulli(1/K) together, so that den * K is never
 * formed and cannot overflow.
 */
static bool bernoulli_exp_small(struct dp_rng *r, u128 num, u128 den)
{
	u128 k = 1;

	while (bernoulli(r, 1, k) && bernoulli(r, num, den))
		k++;
	return (k & 1) != 0;
}

/*
 * bernoulli_exp - true with probability exp(-num/den), any num/den >= 0
 * (CKS Algorithm 1): exp(-g) = exp(-1)^floor(g) * exp(-(g - floor(g))),
 * each factor an independent draw; the loop stops at the first failure,
 * so a huge g costs no more than a small one.
 */
static bool bernoulli_exp(struct dp_rng *r, u128 num, u128 den)
{
	u128 whole = num / den, i;

	for (i = 0; i < whole; i++) {
		if (!bernoulli_exp_small(r, 1, 1))
			return false;
	}
	return bernoulli_exp_small(r, num % den, den);
}

static u128 gcd(u128 a, u128 b)
{
	while (b != 0) {
		u128 t = a % b;

		a = b;
		b = t;
	}
	return a;
}

enum cmn_rc dp_uniform(struct dp_rng *r, uint64_t n, uint64_t *out)
{
	if (n == 0)
		return CMN_ERR_INVALID;
	*out = (uint64_t)uniform(r, n);
	return CMN_OK;
}

enum cmn_rc dp_bernoulli_exp(struct dp_rng *r, struct dp_ratio g, bool *out)
{
	if (g.den == 0)
		return CMN_ERR_INVALID;
	*out = bernoulli_exp(r, g.num, g.den);
	return CMN_OK;
}

/* laplace - CKS Algorithm 2 for the scale t/s in lowest terms: a geometric
 * X = U + t V of rate 1/t drawn exactly, divided by s, given a sign, with
 * "-0" rejected so that 0 is not counted twice. */
static enum cmn_rc laplace(struct dp_rng *r, uint64_t t, uint64_t s, int64_t *out)
{
	uint64_t u, v, x, y;
	bool negative;

	for (;;) {
		u = (uint64_t)uniform(r, t);
		if (!bernoulli_exp_small(r, u, t))
			continue;
		v = 0;
		while (bernoulli_exp_small(r, 1, 1))
			v++;
		if (v > (UINT64_MAX - u) / t)
			return CMN_ERR_TOO_LARGE;
		x = u + t * v;
		y = x / s;
		negative = uniform(r, 2) != 0;
		if (negative && y == 0)
			continue;
		if (y > (uint64_t)INT64_MAX)
			return CMN_ERR_TOO_LARGE;
		*out = negative ? -(int64_t)y : (int64_t)y;
		return CMN_OK;
	}
}

enum cmn_rc dp_discrete_laplace(struct dp_rng *r, struct dp_ratio scale, int64_t *out)
{
	u128 g;

	if (scale.num == 0 || scale.den == 0)
		return CMN_ERR_INVALID;
	g = gcd(scale.num, scale.den);
	scale.num /= (uint64_t)g;
	scale.den /= (uint64_t)g;
	if (scale.num > DP_LAPLACE_MAX || scale.den > DP_LAPLACE_MAX)
		return CMN_ERR_INVALID;
	return laplace(r, scale.num, scale.den, out);
}

/* isqrt - floor(sqrt(x)) for x < 2^64, by bisection on integers */
static uint64_t isqrt(uint64_t x)
{
	uint64_t lo = 0, hi = UINT64_C(1) << 32, mid;

	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (mid * mid <= x)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/*
 * gaussian_accept - the acceptance draw of CKS Algorithm 3 for the
 * proposal y: Bernoulli(exp(-g)) with g = (|y| - s2/t)^2 / (2 s2), that is
 * with s2 = n/d, g = (|y| d t - n)^2 / (2 n d t^2); den is that
 * denominator. When |y| d t - n does not fit 64 bits its square would not
 * fit 128: then g > G = diff / (den / 2^64 + 1) >= 63 and
 * exp(-g) = exp(-G) exp(-(g - G)); a failed first factor rejects exactly,
 * a success (probability below exp(-63)) is reported as too large.
 */
static enum cmn_rc gaussian_accept(struct dp_rng *r, int64_t y, uint64_t n, uint64_t d,
				   uint64_t t, u128 den, bool *accept)
{
	uint64_t ay = y < 0 ? (uint64_t)0 - (uint64_t)y : (uint64_t)y;
	u128 a = (u128)ay * d * t, diff = a >= n ? a - n : n - a;

	if ((diff >> 64) != 0) {
		if (bernoulli_exp(r, diff / ((den >> 64) + 1), 1))
			return CMN_ERR_TOO_LARGE;
		*accept = false;
		return CMN_OK;
	}
	*accept = bernoulli_exp(r, diff * diff, den);
	return CMN_OK;
}

/*
 * dp_discrete_gaussian - CKS Algorithm 3: propose from the discrete
 * Laplace of scale t = floor(sigma) + 1 and accept with the ratio of the
 * two densities; about 1.6 proposals per draw whatever sigma.
 * floor(sqrt(n/d)) = floor(sqrt(floor(n/d))), so t is exact.
 */
enum cmn_rc dp_discrete_gaussian(struct dp_rng *r, struct dp_ratio s2, int64_t *out)
{
	uint64_t n, d, t;
	u128 g, den;
	int64_t y;
	bool accept;
	enum cmn_rc rc;

	if (s2.num == 0 || s2.den == 0)
		return CMN_ERR_INVALID;
	g = gcd(s2.num, s2.den);
	n = s2.num / (uint64_t)g;
	d = s2.den / (uint64_t)g;
	if (d > DP_SIGMA2_DEN_MAX || n / d > DP_SIGMA2_MAX ||
	    (n / d == DP_SIGMA2_MAX && n % d != 0))
		return CMN_ERR_INVALID;
	t = isqrt(n / d) + 1;
	den = (u128)2 * n * d * t * t;
	for (;;) {
		rc = laplace(r, t, 1, &y);
		if (rc != CMN_OK)
			return rc;
		rc = gaussian_accept(r, y, n, d, t, den, &accept);
		if (rc != CMN_OK)
			return rc;
		if (accept) {
			*out = y;
			return CMN_OK;
		}
	}
}

/* add_noise - *value += noise unless it leaves int64 */
static enum cmn_rc add_noise(int64_t *value, int64_t noise)
{
	if ((noise > 0 && *value > INT64_MAX - noise) ||
	    (noise < 0 && *value < INT64_MIN - noise))
		return CMN_ERR_TOO_LARGE;
	*value += noise;
	return CMN_OK;
}

/* dp_laplace_add - scale sensitivity / (num/den) = sensitivity * den / num,
 * reduced before the range check so that equal scales behave alike. */
enum cmn_rc dp_laplace_add(struct dp_rng *r, uint64_t sensitivity, struct dp_ratio eps,
			   int64_t *value)
{
	u128 t, s, g;
	int64_t noise;
	enum cmn_rc rc;

	if (sensitivity == 0 || eps.num == 0 || eps.den == 0)
		return CMN_ERR_INVALID;
	t = (u128)sensitivity * eps.den;
	s = eps.num;
	g = gcd(t, s);
	t /= g;
	s /= g;
	if (t > DP_LAPLACE_MAX || s > DP_LAPLACE_MAX)
		return CMN_ERR_INVALID;
	rc = laplace(r, (uint64_t)t, (uint64_t)s, &noise);
	if (rc == CMN_OK)
		rc = add_noise(value, noise);
	return rc;
}

enum cmn_rc dp_gaussian_add(struct dp_rng *r, struct dp_ratio s2, int64_t *value)
{
	int64_t noise;
	enum cmn_rc rc;

	rc = dp_discrete_gaussian(r, s2, &noise);
	if (rc == CMN_OK)
		rc = add_noise(value, noise);
	return rc;
}
