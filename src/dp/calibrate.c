/*
 * calibrate.c - from privacy parameters to a Gaussian's variance, and from
 * a variance back to what a release costs.
 *
 * The discrete Gaussian of variance parameter s2 added to a query of
 * squared L2 sensitivity D2 (an integer: per-cell sums of integers) is
 * rho-zCDP with rho = D2 / (2 s2) (Canonne, Kamath & Steinke 2020,
 * Theorem 4 and its multivariate form), and rho-zCDP implies
 * (rho + 2 sqrt(rho ln(1/delta)), delta)-DP (Bun & Steinke 2016,
 * Proposition 1.3). Solving the latter for the largest rho within eps
 * gives sqrt(rho) = sqrt(L + eps) - sqrt(L), L = ln(1/delta).
 *
 * This is the one file of src/dp/ with floating point: it draws nothing,
 * so Mironov's attack does not apply, and every rounding goes toward more
 * noise (a larger s2) or a larger charge (a larger eps).
 */
#include <math.h>

#include "dp/dp.h"

#define SIGMA2_DEN 1000                  /* s2 is chosen as a multiple of 1/1000 */
#define MARGIN 1e-9                      /* relative slack against rounding errors */

static double ratio_value(struct dp_ratio r)
{
	return (double)r.num / (double)r.den;
}

/* eps_of - the epsilon of rho-zCDP at delta, rounded up by MARGIN */
static double eps_of(double rho, double delta)
{
	double eps = rho + 2.0 * sqrt(rho * log(1.0 / delta));

	return eps * (1.0 + MARGIN);
}

enum cmn_rc dp_gaussian_sigma2(uint64_t l2_sq, struct dp_ratio eps, struct dp_ratio delta,
			       struct dp_ratio *s2)
{
	double e, dl, l, root, rho, v, num;

	if (l2_sq == 0 || eps.num == 0 || eps.den == 0 || delta.num == 0 ||
	    delta.den == 0 || delta.num >= delta.den)
		return CMN_ERR_INVALID;
	e = ratio_value(eps);
	dl = ratio_value(delta);
	l = log(1.0 / dl);
	root = sqrt(l + e) - sqrt(l);
	rho = root * root * (1.0 - MARGIN);
	if (!(rho > 0.0))
		return CMN_ERR_INVALID;
	v = (double)l2_sq / (2.0 * rho);
	num = ceil(v * SIGMA2_DEN * (1.0 + MARGIN)) + 1.0;
	if (!(num <= (double)DP_SIGMA2_MAX * SIGMA2_DEN))
		return CMN_ERR_TOO_LARGE;
	s2->num = (uint64_t)num;
	s2->den = SIGMA2_DEN;
	/* the check the caller would make: this s2 costs no more than eps */
	if (eps_of((double)l2_sq * s2->den / (2.0 * (double)s2->num), dl) > e * (1.0 + 4 * MARGIN))
		return CMN_ERR_INTERNAL;
	*s2 = dp_ratio_reduce(*s2);
	return CMN_OK;
}

enum cmn_rc dp_gaussian_rho_micro(uint64_t l2_sq, struct dp_ratio s2, uint64_t *micro)
{
	__extension__ unsigned __int128 num, den, q;

	if (s2.num == 0 || s2.den == 0)
		return CMN_ERR_INVALID;
	/* rho = l2_sq * den / (2 num), in micro-units, rounded up */
	num = (unsigned __int128)l2_sq * s2.den * DP_EPS_UNIT;
	den = (unsigned __int128)2 * s2.num;
	q = num / den + (num % den != 0);
	if (q > UINT64_MAX)
		return CMN_ERR_TOO_LARGE;
	*micro = (uint64_t)q;
	return CMN_OK;
}

enum cmn_rc dp_gaussian_eps_micro(uint64_t l2_sq, struct dp_ratio s2, struct dp_ratio delta,
				  uint64_t *micro)
{
	double rho, eps;

	if (s2.num == 0 || s2.den == 0 || delta.num == 0 || delta.den == 0 ||
	    delta.num >= delta.den)
		return CMN_ERR_INVALID;
	rho = (double)l2_sq * (double)s2.den / (2.0 * (double)s2.num);
	eps = ceil(eps_of(rho, ratio_value(delta)) * DP_EPS_UNIT);
	if (!(eps < 18446744073709551616.0))
		return CMN_ERR_TOO_LARGE;
	*micro = (uint64_t)eps;
	return CMN_OK;
}
