/*
 * rng.c - the random streams of synth.h (xoshiro256**, seeded by
 * splitmix64), a normal law made of additions, and a cosine made of the
 * basic operations: the same bits on every machine.
 */
#include "synth/synth.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void synth_rng_seed(struct synth_rng *r, uint64_t seed, uint64_t stream, uint64_t sub)
{
	uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ULL) ^ (sub * 0x8cb92ba72f3d8dd7ULL);

	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t synth_rng_next(struct synth_rng *r)
{
	uint64_t *s = r->s, result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t synth_rng_below(struct synth_rng *r, uint64_t n)
{
	uint64_t limit = UINT64_MAX - UINT64_MAX % n, x;

	do
		x = synth_rng_next(r);
	while (x >= limit);
	return x % n;
}

int64_t synth_rng_range(struct synth_rng *r, int64_t lo, int64_t hi)
{
	return lo + (int64_t)synth_rng_below(r, (uint64_t)(hi - lo) + 1);
}

double synth_rng_unit(struct synth_rng *r)
{
	return (double)(synth_rng_next(r) >> 11) * 0x1.0p-53;
}

double synth_rng_normal(struct synth_rng *r)
{
	double sum = 0;

	for (int i = 0; i < 12; i++)
		sum += synth_rng_unit(r);
	return sum - 6.0;
}

size_t synth_rng_pick(struct synth_rng *r, const unsigned *weights, size_t n)
{
	uint64_t total = 0, x;

	for (size_t i = 0; i < n; i++)
		total += weights[i];
	if (total == 0)
		return 0;
	x = synth_rng_below(r, total);
	for (size_t i = 0; i < n; i++) {
		if (x < weights[i])
			return i;
		x -= weights[i];
	}
	return n - 1;
}

double synth_cos(double x)
{
	const double two_pi = 6.283185307179586, pi = 3.141592653589793;
	double k, y, y2, sign = 1.0;

	/* reduce to [-pi, pi], then to [0, pi/2] by symmetry */
	k = (double)(int64_t)(x / two_pi);
	x -= k * two_pi;
	if (x > pi)
		x -= two_pi;
	else if (x < -pi)
		x += two_pi;
	if (x < 0)
		x = -x;
	if (x > pi / 2) {
		x = pi - x;
		sign = -1.0;
	}
	/* Taylor series to x^16 on [0, pi/2], error below 1e-10, in Horner's
	 * form: 1 - x^2/(2*1) (1 - x^2/(4*3) (1 - ...)). The factors 1/(n(n-1))
	 * are constants the compiler rounds once, so each step multiplies
	 * instead of dividing (a division is several times a multiplication's
	 * latency, and metres() calls this for every GPS point). */
	static const double inv[] = {1.0 / 240, 1.0 / 182, 1.0 / 132, 1.0 / 90,
				     1.0 / 56,  1.0 / 30,  1.0 / 12,  1.0 / 2};
	y2 = x * x;
	y = 1.0;
	for (size_t i = 0; i < sizeof(inv) / sizeof(inv[0]); i++)
		y = 1.0 - y * y2 * inv[i];
	return sign * y;
}
