/*
 * ratio.c - non-negative rationals: the form every privacy parameter takes
 * in src/dp/, read from text ("3/10", "0.25", "2") so that a campaign's
 * epsilon is exactly what its author wrote, never a binary fraction near it.
 */
#include <inttypes.h>
#include <stdio.h>

#include "dp/dp.h"

#define DECIMALS_MAX 18                  /* 10^18 < 2^63 */

struct dp_ratio dp_ratio_reduce(struct dp_ratio r)
{
	uint64_t a = r.num, b = r.den, t;

	while (b != 0) {
		t = a % b;
		a = b;
		b = t;
	}
	if (a == 0)
		return r;
	r.num /= a;
	r.den /= a;
	return r;
}

/* digits - reads one or more decimal digits at *p (before end) into *v;
 * *count says how many. False if none or on overflow. */
static bool digits(const char **p, const char *end, uint64_t *v, size_t *count)
{
	uint64_t x = 0;
	size_t n = 0;
	unsigned d;

	while (*p < end && **p >= '0' && **p <= '9') {
		d = (unsigned)(**p - '0');
		if (x > (UINT64_MAX - d) / 10)
			return false;
		x = x * 10 + d;
		(*p)++;
		n++;
	}
	*v = x;
	*count = n;
	return n > 0;
}

/* decimal - the fraction part of "I.F": I * 10^f + F over 10^f */
static enum cmn_rc decimal(uint64_t whole, const char *p, const char *end, struct dp_ratio *out)
{
	uint64_t frac, scale = 1;
	size_t n, i;

	if (!digits(&p, end, &frac, &n) || p != end || n > DECIMALS_MAX)
		return CMN_ERR_INVALID;
	for (i = 0; i < n; i++)
		scale *= 10;
	if (whole > (UINT64_MAX - frac) / scale)
		return CMN_ERR_INVALID;
	out->num = whole * scale + frac;
	out->den = scale;
	return CMN_OK;
}

enum cmn_rc dp_ratio_parse(const char *s, size_t n, struct dp_ratio *out)
{
	const char *p = s, *end = s + n;
	struct dp_ratio r = { 0, 1 };
	size_t count;
	enum cmn_rc rc = CMN_OK;

	if (n == 0 || n > DP_RATIO_TEXT_MAX || !digits(&p, end, &r.num, &count))
		return CMN_ERR_INVALID;
	if (p < end && *p == '/') {
		p++;
		if (!digits(&p, end, &r.den, &count) || p != end || r.den == 0)
			return CMN_ERR_INVALID;
	} else if (p < end && *p == '.') {
		rc = decimal(r.num, p + 1, end, &r);
	} else if (p != end) {
		return CMN_ERR_INVALID;
	}
	if (rc == CMN_OK)
		*out = dp_ratio_reduce(r);
	return rc;
}

enum cmn_rc dp_ratio_format(struct dp_ratio r, char *buf, size_t n)
{
	int len;

	if (r.den == 1)
		len = snprintf(buf, n, "%" PRIu64, r.num);
	else
		len = snprintf(buf, n, "%" PRIu64 "/%" PRIu64, r.num, r.den);
	if (len < 0 || (size_t)len >= n)
		return CMN_ERR_TOO_LARGE;
	return CMN_OK;
}
