/*
 * test_dp.c - the privacy core (src/dp/): the samplers against their exact
 * distributions, the absence of floating point on their paths, and the
 * rules of suppression, budgets and the register of releases.
 *
 * Goodness of fit (docs/privacy.md, "Test methodology"): each sampler and
 * scale draws N = 200,000 values from a ChaCha20 keystream with a fixed
 * seed, bins them (every bin expecting at least 5, the tails pooled into
 * one bin) and computes Pearson's chi-square against the exact law,
 * computed here in long double (a test is no sample path). A test passes
 * when p > 0.001; there are GOF_TESTS such tests, so with random seeds a
 * correct sampler would fail one of them with probability at most
 * GOF_TESTS * 0.001 (Bonferroni). The seeds are fixed, so the outcome is
 * the same on every run; a further test checks that the statistic does
 * reject a sampler whose scale is off by 10%.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "dp/dp.h"

#define N_DRAWS 200000
#define P_MIN 0.001L                     /* per-test significance */
#define GOF_TESTS 16                     /* goodness-of-fit tests in this file */
#define MIN_EXPECTED 5.0L                /* expected count of a bin */
#define MAX_BINS 4096

/* ---- statistics (long double: tests only) ---- */

/* upper_gamma_q - the regularized upper incomplete gamma Q(a, x): by its
 * power series below a + 1, by its continued fraction above (modified
 * Lentz evaluation) */
static long double upper_gamma_q(long double a, long double x)
{
	const long double tiny = 1e-300L, eps = 1e-15L;
	long double sum, term, b, c, d, h, an, del;
	int i;

	if (x <= 0)
		return 1.0L;
	if (x < a + 1) {
		sum = term = 1.0L / a;
		for (i = 1; i < 10000 && fabsl(term) > fabsl(sum) * eps; i++) {
			term *= x / (a + i);
			sum += term;
		}
		return 1.0L - sum * expl(-x + a * logl(x) - lgammal(a));
	}
	b = x + 1 - a;
	c = 1 / tiny;
	d = 1 / b;
	h = d;
	for (i = 1; i < 10000; i++) {
		an = -i * (i - a);
		b += 2;
		d = an * d + b;
		if (fabsl(d) < tiny)
			d = tiny;
		c = b + an / c;
		if (fabsl(c) < tiny)
			c = tiny;
		d = 1 / d;
		del = d * c;
		h *= del;
		if (fabsl(del - 1) < eps)
			break;
	}
	return expl(-x + a * logl(x) - lgammal(a)) * h;
}

/* a symmetric law on the integers: p(y) for the bins |y| <= b, the rest
 * pooled into one tail bin */
typedef long double (*law_fn)(int64_t y, const void *arg);

struct gof {
	long double chi2;
	int df;
	long double p;
	int64_t b;                       /* bins are -b .. b and the tail */
};

/* fit - Pearson's chi-square of samples[] against law */
static struct gof fit(const int64_t *samples, size_t n, law_fn law, const void *arg)
{
	static uint64_t observed[MAX_BINS];
	struct gof g = { 0, 0, 0, 0 };
	long double inside, e, tail;
	int64_t y, b = 0;
	size_t i;

	/* the widest [-b, b] whose bins and pooled tail all expect enough */
	inside = law(0, arg);
	for (;;) {
		long double next = law(b + 1, arg);

		if (2 * b + 3 >= MAX_BINS - 1 || n * next < MIN_EXPECTED ||
		    n * (1 - inside - 2 * next) < MIN_EXPECTED)
			break;
		b++;
		inside += 2 * next;
	}
	memset(observed, 0, sizeof(observed));
	for (i = 0; i < n; i++) {
		y = samples[i];
		observed[(y < -b || y > b) ? (size_t)(2 * b + 1) : (size_t)(y + b)]++;
	}
	for (y = -b; y <= b; y++) {
		e = n * law(y, arg);
		g.chi2 += (observed[y + b] - e) * (observed[y + b] - e) / e;
	}
	tail = n * (1 - inside);
	g.chi2 += (observed[2 * b + 1] - tail) * (observed[2 * b + 1] - tail) / tail;
	g.df = (int)(2 * b + 1);         /* 2b + 2 bins, minus one */
	g.p = upper_gamma_q(g.df / 2.0L, g.chi2 / 2);
	g.b = b;
	return g;
}

static long double laplace_law(int64_t y, const void *arg)
{
	long double scale = *(const long double *)arg, q = expl(-1 / scale);

	return (1 - q) / (1 + q) * expl(-llabs(y) / scale);
}

struct gauss_arg {
	long double s2;
	long double z;                   /* normalising constant */
};

static long double gauss_law(int64_t y, const void *arg)
{
	const struct gauss_arg *g = arg;

	return expl(-(long double)y * y / (2 * g->s2)) / g->z;
}

static struct gauss_arg gauss_arg_of(long double s2)
{
	struct gauss_arg g = { s2, 0 };
	int64_t y, lim = (int64_t)(40 * sqrtl(s2)) + 40;

	for (y = -lim; y <= lim; y++)
		g.z += expl(-(long double)y * y / (2 * s2));
	return g;
}

static void seed_rng(struct dp_rng *r, uint8_t tag)
{
	uint8_t seed[32];

	memset(seed, 0, sizeof(seed));
	seed[0] = tag;
	memcpy(seed + 1, "commune test_dp", 15);
	dp_rng_chacha20(r, seed);
}

static void report(const char *what, const struct gof *g)
{
	printf("  %-28s N=%d bins=%d chi2=%9.2Lf df=%3d p=%.4Lf\n", what, N_DRAWS, g->df + 1,
	       g->chi2, g->df, g->p);
}

/* ---- goodness of fit ---- */

static int64_t *draws;

static void draw_laplace(uint8_t tag, struct dp_ratio scale)
{
	struct dp_rng r;
	size_t i;

	seed_rng(&r, tag);
	for (i = 0; i < N_DRAWS; i++)
		assert_int_equal(dp_discrete_laplace(&r, scale, &draws[i]), CMN_OK);
	dp_rng_release(&r);
}

static void draw_gaussian(uint8_t tag, struct dp_ratio s2)
{
	struct dp_rng r;
	size_t i;

	seed_rng(&r, tag);
	for (i = 0; i < N_DRAWS; i++)
		assert_int_equal(dp_discrete_gaussian(&r, s2, &draws[i]), CMN_OK);
	dp_rng_release(&r);
}

static void test_laplace_fit(void **state)
{
	static const struct dp_ratio scales[] = { { 1, 1 }, { 3, 1 }, { 10, 1 }, { 50, 1 },
						  { 7, 2 } };
	char what[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(scales) / sizeof(scales[0]); i++) {
		long double scale = (long double)scales[i].num / scales[i].den;
		struct gof g;

		draw_laplace((uint8_t)(10 + i), scales[i]);
		g = fit(draws, N_DRAWS, laplace_law, &scale);
		snprintf(what, sizeof(what), "laplace t=%llu/%llu", (unsigned long long)scales[i].num,
			 (unsigned long long)scales[i].den);
		report(what, &g);
		assert_true(g.p > P_MIN);
	}
}

static void test_gaussian_fit(void **state)
{
	static const struct dp_ratio vars[] = { { 1, 1 }, { 4, 1 }, { 25, 1 }, { 100, 1 },
						{ 5, 2 } };
	char what[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		struct gauss_arg a = gauss_arg_of((long double)vars[i].num / vars[i].den);
		struct gof g;

		draw_gaussian((uint8_t)(20 + i), vars[i]);
		g = fit(draws, N_DRAWS, gauss_law, &a);
		snprintf(what, sizeof(what), "gaussian s2=%llu/%llu", (unsigned long long)vars[i].num,
			 (unsigned long long)vars[i].den);
		report(what, &g);
		assert_true(g.p > P_MIN);
	}
}

/* the mechanism: sensitivity 2 at eps = 2/5 is the Laplace of scale 5 */
static void test_laplace_mechanism_fit(void **state)
{
	struct dp_ratio eps = { 2, 5 };
	long double scale = 5;
	struct dp_rng r;
	struct gof g;
	size_t i;

	(void)state;
	seed_rng(&r, 30);
	for (i = 0; i < N_DRAWS; i++) {
		draws[i] = 0;
		assert_int_equal(dp_laplace_add(&r, 2, eps, &draws[i]), CMN_OK);
	}
	dp_rng_release(&r);
	g = fit(draws, N_DRAWS, laplace_law, &scale);
	report("laplace_add D=2 eps=2/5", &g);
	assert_true(g.p > P_MIN);
}

/* Bernoulli(exp(-g)): chi-square with one degree of freedom */
static void test_bernoulli_exp_fit(void **state)
{
	static const struct dp_ratio gs[] = { { 1, 3 }, { 1, 1 }, { 5, 2 }, { 7, 1 } };
	struct dp_rng r;
	char what[64];
	size_t i, j;
	bool b;

	(void)state;
	for (i = 0; i < sizeof(gs) / sizeof(gs[0]); i++) {
		long double p = expl(-(long double)gs[i].num / gs[i].den), e1, e0, chi2, pv;
		uint64_t ones = 0;

		seed_rng(&r, (uint8_t)(40 + i));
		for (j = 0; j < N_DRAWS; j++) {
			assert_int_equal(dp_bernoulli_exp(&r, gs[i], &b), CMN_OK);
			ones += b;
		}
		dp_rng_release(&r);
		e1 = N_DRAWS * p;
		e0 = N_DRAWS - e1;
		chi2 = (ones - e1) * (ones - e1) / e1 + ((N_DRAWS - ones) - e0) * ((N_DRAWS - ones) - e0) / e0;
		pv = upper_gamma_q(0.5L, chi2 / 2);
		snprintf(what, sizeof(what), "bernoulli exp(-%llu/%llu)", (unsigned long long)gs[i].num,
			 (unsigned long long)gs[i].den);
		printf("  %-28s N=%d ones=%llu expected=%.1Lf chi2=%.2Lf p=%.4Lf\n", what, N_DRAWS,
		       (unsigned long long)ones, e1, chi2, pv);
		assert_true(pv > P_MIN);
	}
}

/* exp(0) = 1 and a huge g: exact answers, not statistics */
static void test_bernoulli_exp_edges(void **state)
{
	struct dp_ratio zero = { 0, 5 }, huge = { UINT64_MAX, 1 }, bad = { 1, 0 };
	struct dp_rng r;
	size_t i;
	bool b;

	(void)state;
	seed_rng(&r, 50);
	for (i = 0; i < 10000; i++) {
		assert_int_equal(dp_bernoulli_exp(&r, zero, &b), CMN_OK);
		assert_true(b);
	}
	for (i = 0; i < 1000; i++) {
		assert_int_equal(dp_bernoulli_exp(&r, huge, &b), CMN_OK);
		assert_false(b);
	}
	assert_int_equal(dp_bernoulli_exp(&r, bad, &b), CMN_ERR_INVALID);
	dp_rng_release(&r);
}

/* the chi-square does reject a scale 10% off: the fits above can fail */
static void test_fit_has_power(void **state)
{
	long double wrong = 11;
	struct gauss_arg a = gauss_arg_of(4.4L);
	struct gof g;

	(void)state;
	draw_laplace(12, (struct dp_ratio){ 10, 1 });
	g = fit(draws, N_DRAWS, laplace_law, &wrong);
	report("laplace t=10 vs law t=11", &g);
	assert_true(g.p < P_MIN);
	draw_gaussian(21, (struct dp_ratio){ 4, 1 });
	g = fit(draws, N_DRAWS, gauss_law, &a);
	report("gaussian 4 vs law 4.4", &g);
	assert_true(g.p < P_MIN);
}

/* ---- no floating point on a sample path ---- */

static const char *const float_words[] = {
	"float", "double", "_Complex", "_Imaginary", "__float128", "_Float16", "_Float32",
	"_Float64", "_Float128", "_Decimal32", "_Decimal64", "_Decimal128", "exp", "expf",
	"expl", "expm1", "exp2", "log", "logf", "logl", "log1p", "log2", "log10", "sqrt",
	"sqrtf", "sqrtl", "cbrt", "pow", "powf", "powl", "floor", "floorf", "floorl", "ceil",
	"ceilf", "ceill", "round", "lround", "llround", "rint", "lrint", "trunc", "fabs",
	"fabsf", "fabsl", "fmod", "frexp", "ldexp", "modf", "erf", "erfc", "lgamma", "tgamma",
	"hypot", "fma", "nextafter", "strtod", "strtof", "strtold", "atof", "HUGE_VAL",
	"INFINITY", "NAN", "drand48", "erand48",
};

static const char *const float_headers[] = { "math.h", "tgmath.h", "fenv.h", "complex.h",
					     "float.h" };

/* strip - source without its comments and string or character literals */
static void strip(const char *in, char *out)
{
	char quote;

	while (*in != '\0') {
		if (in[0] == '/' && in[1] == '*') {
			const char *end = strstr(in + 2, "*/");

			in = end != NULL ? end + 2 : in + strlen(in);
			*out++ = ' ';
		} else if (in[0] == '/' && in[1] == '/') {
			while (*in != '\0' && *in != '\n')
				in++;
		} else if (*in == '"' || *in == '\'') {
			quote = *in++;
			while (*in != '\0' && *in != quote)
				in += (in[0] == '\\' && in[1] != '\0') ? 2 : 1;
			if (*in != '\0')
				in++;
			*out++ = ' ';
		} else {
			*out++ = *in++;
		}
	}
	*out = '\0';
}

/* number_is_float - a preprocessing number with a point or an exponent */
static bool number_is_float(const char *s, size_t n)
{
	bool hex = n > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '.' || (!hex && (s[i] == 'e' || s[i] == 'E')) ||
		    (hex && (s[i] == 'p' || s[i] == 'P')))
			return true;
	}
	return false;
}

/* float_uses - how many floating-point words, headers or literals the C
 * text holds, each printed */
static int float_uses(const char *text, const char *name)
{
	char *s = malloc(strlen(text) + 1);
	const char *p;
	int found = 0;
	size_t i, n;

	assert_non_null(s);
	strip(text, s);
	for (i = 0; i < sizeof(float_headers) / sizeof(float_headers[0]); i++) {
		if (strstr(s, float_headers[i]) != NULL) {
			printf("  %s: includes %s\n", name, float_headers[i]);
			found++;
		}
	}
	for (p = s; *p != '\0';) {
		if (*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) {
			for (n = 0; p[n] == '_' || (p[n] >= 'a' && p[n] <= 'z') ||
				    (p[n] >= 'A' && p[n] <= 'Z') || (p[n] >= '0' && p[n] <= '9');
			     n++)
				;
			for (i = 0; i < sizeof(float_words) / sizeof(float_words[0]); i++) {
				if (strlen(float_words[i]) == n && memcmp(p, float_words[i], n) == 0) {
					printf("  %s: uses %.*s\n", name, (int)n, p);
					found++;
				}
			}
			p += n;
		} else if ((*p >= '0' && *p <= '9') || (*p == '.' && p[1] >= '0' && p[1] <= '9')) {
			for (n = 1; p[n] == '.' || p[n] == '_' || (p[n] >= '0' && p[n] <= '9') ||
				    (p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z') ||
				    ((p[n] == '+' || p[n] == '-') && strchr("eEpP", p[n - 1]) != NULL);
			     n++)
				;
			if (number_is_float(p, n)) {
				printf("  %s: float literal %.*s\n", name, (int)n, p);
				found++;
			}
			p += n;
		} else {
			p++;
		}
	}
	free(s);
	return found;
}

/* the checker itself finds what it should, and only that */
static void test_float_checker(void **state)
{
	(void)state;
	assert_int_equal(float_uses("int x = 0x1e; /* double */ // sqrt(2)\n"
				    "const char *s = \"float 1.5\"; int y = 1e3 ? 0 : 'e';", "ok"), 1);
	assert_int_equal(float_uses("#include <math.h>\n", "h"), 1);
	assert_int_equal(float_uses("long double x;", "d"), 1);
	assert_int_equal(float_uses("int y = exp(3);", "e"), 1);
	assert_int_equal(float_uses("int z = 1.0 + .5 + 0x1p3 + 2e-3;", "l"), 4);
	assert_int_equal(float_uses("uint64_t expected = UINT64_C(5) + x.exponent;", "n"), 0);
}

/* the files on the sample paths: src/dp/sampler.c and src/dp/rng.c, found
 * from this file's own path (the source tree) */
static void check_source(const char *rel)
{
	const char *me = __FILE__, *tail = strstr(me, "tests/unit/test_dp.c");
	char path[4096];
	FILE *f;
	char *text;
	long len;

	assert_non_null(tail);
	snprintf(path, sizeof(path), "%.*s%s", (int)(tail - me), me, rel);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	assert_true(len > 0);
	rewind(f);
	text = malloc((size_t)len + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	text[len] = '\0';
	fclose(f);
	assert_int_equal(float_uses(text, rel), 0);
	free(text);
}

static void test_no_float_in_samplers(void **state)
{
	(void)state;
	check_source("src/dp/sampler.c");
	check_source("src/dp/rng.c");
}

/* ---- the random source ---- */

static void test_rng_keystream(void **state)
{
	static const uint8_t nonce[crypto_stream_chacha20_NONCEBYTES];
	uint8_t seed[32], want[1000], got[1000];
	struct dp_rng r;
	size_t off = 0, step = 1;

	(void)state;
	memset(seed, 7, sizeof(seed));
	crypto_stream_chacha20(want, sizeof(want), nonce, seed);
	dp_rng_chacha20(&r, seed);
	while (off < sizeof(got)) {
		size_t n = step < sizeof(got) - off ? step : sizeof(got) - off;

		dp_rng_bytes(&r, got + off, n);
		off += n;
		step = step * 3 % 97 + 1;
	}
	assert_memory_equal(got, want, sizeof(want));
	dp_rng_release(&r);
	dp_rng_system(&r);
	dp_rng_bytes(&r, got, sizeof(got));
	assert_memory_not_equal(got, want, sizeof(want));
}

static void test_uniform(void **state)
{
	uint64_t counts[7] = { 0 }, x;
	struct dp_rng r;
	long double chi2 = 0, e = 70000.0L / 7;
	size_t i;

	(void)state;
	seed_rng(&r, 60);
	assert_int_equal(dp_uniform(&r, 0, &x), CMN_ERR_INVALID);
	assert_int_equal(dp_uniform(&r, 1, &x), CMN_OK);
	assert_int_equal(x, 0);
	for (i = 0; i < 70000; i++) {
		assert_int_equal(dp_uniform(&r, 7, &x), CMN_OK);
		assert_true(x < 7);
		counts[x]++;
	}
	for (i = 0; i < 7; i++)
		chi2 += (counts[i] - e) * (counts[i] - e) / e;
	assert_true(upper_gamma_q(3, chi2 / 2) > P_MIN);
	for (i = 0; i < 1000; i++) {
		assert_int_equal(dp_uniform(&r, UINT64_MAX, &x), CMN_OK);
		assert_true(x < UINT64_MAX);
	}
	dp_rng_release(&r);
}

/* ---- parameters out of range ---- */

static void test_sampler_ranges(void **state)
{
	struct dp_rng r;
	int64_t v;
	int i, too_large = 0;

	(void)state;
	seed_rng(&r, 70);
	assert_int_equal(dp_discrete_laplace(&r, (struct dp_ratio){ 0, 1 }, &v), CMN_ERR_INVALID);
	assert_int_equal(dp_discrete_laplace(&r, (struct dp_ratio){ 1, 0 }, &v), CMN_ERR_INVALID);
	assert_int_equal(dp_discrete_laplace(&r, (struct dp_ratio){ DP_LAPLACE_MAX + 1, 1 }, &v),
			 CMN_ERR_INVALID);
	/* reduced first: 2^41 / 2 is in range */
	assert_int_equal(dp_discrete_laplace(&r, (struct dp_ratio){ DP_LAPLACE_MAX * 2, 2 }, &v),
			 CMN_OK);
	assert_int_equal(dp_discrete_gaussian(&r, (struct dp_ratio){ 0, 1 }, &v), CMN_ERR_INVALID);
	assert_int_equal(dp_discrete_gaussian(&r, (struct dp_ratio){ 1, DP_SIGMA2_DEN_MAX + 1 }, &v),
			 CMN_ERR_INVALID);
	assert_int_equal(dp_discrete_gaussian(&r, (struct dp_ratio){ DP_SIGMA2_MAX + 1, 1 }, &v),
			 CMN_ERR_INVALID);
	assert_int_equal(dp_discrete_gaussian(&r, (struct dp_ratio){ DP_SIGMA2_MAX, 1 }, &v), CMN_OK);
	assert_int_equal(dp_discrete_gaussian(&r, (struct dp_ratio){ 1, DP_SIGMA2_DEN_MAX }, &v),
			 CMN_OK);
	assert_int_equal(dp_laplace_add(&r, 0, (struct dp_ratio){ 1, 1 }, &v), CMN_ERR_INVALID);
	assert_int_equal(dp_laplace_add(&r, 1, (struct dp_ratio){ 0, 1 }, &v), CMN_ERR_INVALID);
	/* a sum that would leave int64 is refused and leaves the value */
	for (i = 0; i < 100; i++) {
		v = INT64_MAX;
		if (dp_laplace_add(&r, 1, (struct dp_ratio){ 1, 1 }, &v) == CMN_ERR_TOO_LARGE) {
			assert_true(v == INT64_MAX);
			too_large++;
		}
		v = INT64_MIN;
		if (dp_gaussian_add(&r, (struct dp_ratio){ 4, 1 }, &v) == CMN_ERR_TOO_LARGE)
			assert_true(v == INT64_MIN);
	}
	assert_true(too_large > 10);
	dp_rng_release(&r);
}

/* the same seed draws the same noise */
static void test_fixed_seed(void **state)
{
	struct dp_rng a, b;
	int64_t x, y;
	int i;

	(void)state;
	seed_rng(&a, 80);
	seed_rng(&b, 80);
	for (i = 0; i < 1000; i++) {
		assert_int_equal(dp_discrete_gaussian(&a, (struct dp_ratio){ 9, 4 }, &x), CMN_OK);
		assert_int_equal(dp_discrete_gaussian(&b, (struct dp_ratio){ 9, 4 }, &y), CMN_OK);
		assert_true(x == y);
	}
	dp_rng_release(&a);
	dp_rng_release(&b);
}

/* ---- calibration ---- */

static void test_calibration(void **state)
{
	struct dp_ratio eps = { 1, 1 }, delta = { 1, 1000000000 }, s2;
	long double l = logl(1e9L), root = sqrtl(l + 1) - sqrtl(l), exact = 1 / (2 * root * root);
	uint64_t micro;

	(void)state;
	assert_int_equal(dp_gaussian_sigma2(1, eps, delta, &s2), CMN_OK);
	printf("  sigma2(eps=1, delta=1e-9, D2=1) = %llu/%llu (exact %.6Lf)\n",
	       (unsigned long long)s2.num, (unsigned long long)s2.den, exact);
	assert_true((long double)s2.num / s2.den >= exact);
	assert_true((long double)s2.num / s2.den <= exact + 0.003L);
	assert_int_equal(dp_gaussian_eps_micro(1, s2, delta, &micro), CMN_OK);
	assert_true(micro <= 1000000);
	assert_true(micro >= 999000);
	/* a squared sensitivity 100 times larger needs 100 times the variance */
	assert_int_equal(dp_gaussian_sigma2(100, eps, delta, &s2), CMN_OK);
	assert_true((long double)s2.num / s2.den >= 100 * exact);
	assert_int_equal(dp_gaussian_sigma2(1, eps, (struct dp_ratio){ 1, 1 }, &s2), CMN_ERR_INVALID);
	assert_int_equal(dp_gaussian_sigma2(1, (struct dp_ratio){ 0, 1 }, delta, &s2), CMN_ERR_INVALID);
	assert_int_equal(dp_gaussian_sigma2(UINT64_MAX, (struct dp_ratio){ 1, 1000 }, delta, &s2),
			 CMN_ERR_TOO_LARGE);
	/* rho = D2 / (2 s2), rounded up */
	assert_int_equal(dp_gaussian_rho_micro(1, (struct dp_ratio){ 1, 2 }, &micro), CMN_OK);
	assert_int_equal(micro, 1000000);
	assert_int_equal(dp_gaussian_rho_micro(1, (struct dp_ratio){ 3, 1 }, &micro), CMN_OK);
	assert_int_equal(micro, 166667);
}

/* ---- contribution bounds ---- */

static void test_bounds(void **state)
{
	uint64_t cells[10], seen[10] = { 0 }, out;
	struct dp_rng r;
	size_t kept, i, j, t;

	(void)state;
	assert_true(dp_clip(-7, -5, 10) == -5);
	assert_true(dp_clip(17, -5, 10) == 10);
	assert_true(dp_clip(3, -5, 10) == 3);
	assert_int_equal(dp_sensitivity_l1(3, -5, 10, &out), CMN_OK);
	assert_int_equal(out, 30);
	assert_int_equal(dp_sensitivity_l2_sq(3, -5, 10, &out), CMN_OK);
	assert_int_equal(out, 300);
	assert_int_equal(dp_sensitivity_l1(2, INT64_MIN, 0, &out), CMN_ERR_TOO_LARGE);
	assert_int_equal(dp_sensitivity_l1(1, INT64_MIN, 0, &out), CMN_OK);
	assert_true(out == UINT64_C(1) << 63);
	assert_int_equal(dp_sensitivity_l2_sq(1, 0, INT64_C(1) << 32, &out), CMN_ERR_TOO_LARGE);
	assert_int_equal(dp_sensitivity_l1(1, 5, -5, &out), CMN_ERR_INVALID);
	seed_rng(&r, 90);
	for (t = 0; t < 30000; t++) {
		for (i = 0; i < 10; i++)
			cells[i] = 100 + i;
		assert_int_equal(dp_cap_cells(&r, cells, 10, 3, &kept), CMN_OK);
		assert_int_equal(kept, 3);
		for (i = 0; i < 3; i++) {
			assert_true(cells[i] >= 100 && cells[i] < 110);
			for (j = 0; j < i; j++)
				assert_true(cells[i] != cells[j]);
			seen[cells[i] - 100]++;
		}
	}
	for (i = 0; i < 10; i++)     /* each kept 9000 times on average */
		assert_true(seen[i] > 8500 && seen[i] < 9500);
	assert_int_equal(dp_cap_cells(&r, cells, 2, 3, &kept), CMN_OK);
	assert_int_equal(kept, 2);
	dp_rng_release(&r);
}

/* ---- suppression ---- */

static void test_suppress_primary(void **state)
{
	uint64_t count[4] = { 20, DP_K_DEFAULT - 1, DP_K_DEFAULT, 0 };
	uint8_t st[4];
	struct dp_table t = { 1, { 4 }, count, st };
	size_t sec;

	(void)state;
	assert_int_equal(dp_suppress(&t, DP_K_DEFAULT, NULL, 0, &sec), CMN_OK);
	assert_int_equal(st[0], DP_CELL_PUBLISHED);
	assert_int_equal(st[1], DP_CELL_PRIMARY);
	assert_int_equal(st[2], DP_CELL_PUBLISHED);
	assert_int_equal(st[3], DP_CELL_PRIMARY);
	assert_int_equal(sec, 0);
	assert_int_equal(dp_suppress(&t, 0, NULL, 0, &sec), CMN_ERR_INVALID);
}

/* rows and columns totals published: the small cell's row and column each
 * give up their smallest other cell, which cascades once */
static void test_suppress_margins(void **state)
{
	static const uint64_t count[12] = {
		50, 40, 5, 60,
		30, 20, 70, 80,
		90, 15, 25, 35,
	};
	static const uint8_t want[12] = {
		0, 2, 1, 0,
		0, 0, 0, 0,
		0, 2, 2, 0,
	};
	const unsigned totals[] = { 1u << 1, 1u << 0, 3 };
	uint8_t st[12];
	struct dp_table t = { 2, { 3, 4 }, count, st };
	uint32_t at[2] = { 0, 0 };
	size_t sec;

	(void)state;
	assert_int_equal(dp_suppress(&t, DP_K_DEFAULT, totals, 3, &sec), CMN_OK);
	assert_memory_equal(st, want, sizeof(want));
	assert_int_equal(sec, 3);
	assert_true(dp_total_publishable(&t, 3, at));
	assert_true(dp_total_publishable(&t, 1u << 1, at));
}

/* only the grand total: the one small cell takes the smallest other one */
static void test_suppress_grand_total(void **state)
{
	uint64_t count[4] = { 5, 20, 30, 40 };
	uint8_t st[4];
	struct dp_table t = { 2, { 2, 2 }, count, st };
	const unsigned total = 3;

	(void)state;
	assert_int_equal(dp_suppress(&t, DP_K_DEFAULT, &total, 1, NULL), CMN_OK);
	assert_int_equal(st[0], DP_CELL_PRIMARY);
	assert_int_equal(st[1], DP_CELL_SECONDARY);
	assert_int_equal(st[2], DP_CELL_PUBLISHED);
	assert_int_equal(st[3], DP_CELL_PUBLISHED);
}

/* a total whose cells are all suppressed is withheld */
static void test_suppress_withheld_total(void **state)
{
	uint64_t count[4] = { 3, 4, 50, 60 };
	uint8_t st[4];
	struct dp_table t = { 2, { 2, 2 }, count, st };
	const unsigned totals[] = { 1u << 1, 1u << 0 };
	uint32_t row0[2] = { 0, 1 }, row1[2] = { 1, 0 };

	(void)state;
	assert_int_equal(dp_suppress(&t, DP_K_DEFAULT, totals, 2, NULL), CMN_OK);
	assert_int_equal(st[2], DP_CELL_SECONDARY);
	assert_int_equal(st[3], DP_CELL_SECONDARY);
	assert_false(dp_total_publishable(&t, 1u << 1, row0));
	assert_false(dp_total_publishable(&t, 1u << 1, row1));
}

/* group_singles - groups of total mask holding exactly one suppressed cell */
static int group_singles(const struct dp_table *t, unsigned mask)
{
	size_t cells = dp_table_cells(t), i, j;
	int bad = 0;

	for (i = 0; i < cells; i++) {
		int n = 0;

		for (j = 0; j < cells; j++) {
			size_t a = i, b = j;
			bool same = true;
			unsigned d = t->ndims;

			while (d-- > 0) {
				if ((mask & (1u << d)) == 0 && a % t->size[d] != b % t->size[d])
					same = false;
				a /= t->size[d];
				b /= t->size[d];
			}
			n += same && t->state[j] != DP_CELL_PUBLISHED;
		}
		bad += n == 1 && t->state[i] != DP_CELL_PUBLISHED;
	}
	return bad;
}

/* random 2-D and 3-D tables: no cell under k is ever published, and no
 * group of a published total is left with a single suppressed cell */
static void test_suppress_random(void **state)
{
	uint64_t count[120], x;
	uint8_t st[120];
	const unsigned totals3[] = { 1, 2, 4, 3, 7 }, totals2[] = { 1, 2, 3 };
	struct dp_rng r;
	size_t i, round;

	(void)state;
	seed_rng(&r, 100);
	for (round = 0; round < 300; round++) {
		struct dp_table t = { 3, { 4, 5, 6 }, count, st };
		const unsigned *totals = totals3;
		size_t nt = round % 2 == 0 ? 5 : 2;

		if (round % 3 == 0) {
			t.ndims = 2;
			t.size[0] = 8;
			t.size[1] = 15;
		}
		for (i = 0; i < 120; i++) {
			assert_int_equal(dp_uniform(&r, 60, &x), CMN_OK);
			count[i] = x;
		}
		if (t.ndims == 2) {
			totals = totals2;
			nt = 3;
		}
		assert_int_equal(dp_suppress(&t, DP_K_DEFAULT, totals, nt, NULL), CMN_OK);
		for (i = 0; i < 120; i++)
			assert_true(count[i] >= DP_K_DEFAULT || st[i] == DP_CELL_PRIMARY);
		for (i = 0; i < nt; i++)
			assert_int_equal(group_singles(&t, totals[i]), 0);
	}
	dp_rng_release(&r);
}

/* ---- budgets ---- */

static void test_budget(void **state)
{
	struct dp_budget p = { 1000000, 0, 1000000, 0 }, c = { 3000000, 0, 3000000, 0 };
	struct dp_budget persons[3];
	struct dp_cost third, cost;
	bool admitted[3];
	uint64_t micro;

	(void)state;
	assert_int_equal(dp_eps_micro((struct dp_ratio){ 1, 2 }, &micro), CMN_OK);
	assert_int_equal(micro, 500000);
	assert_int_equal(dp_eps_micro((struct dp_ratio){ 1, 3 }, &micro), CMN_OK);
	assert_int_equal(micro, 333334);
	assert_int_equal(dp_eps_micro((struct dp_ratio){ 1, 0 }, &micro), CMN_ERR_INVALID);
	assert_int_equal(dp_eps_micro((struct dp_ratio){ UINT64_MAX, 1 }, &micro), CMN_ERR_TOO_LARGE);
	assert_int_equal(dp_cost_of((struct dp_ratio){ 1, 3 }, (struct dp_ratio){ 1, 3000000000 }, &third),
			 CMN_OK);
	assert_int_equal(third.eps_micro, 333334);
	assert_int_equal(third.delta_pico, 334);
	/* three thirds overrun a budget of 1: rounding up is conservative */
	assert_int_equal(dp_budget_charge(&p, &third, &p), CMN_OK);
	assert_int_equal(dp_budget_charge(&p, &third, &p), CMN_OK);
	assert_int_equal(p.eps_spent_micro, 666668);
	assert_false(dp_budget_allows(&p, &third));
	assert_int_equal(dp_budget_charge(&p, &third, &p), CMN_ERR_FORBIDDEN);
	assert_int_equal(p.eps_spent_micro, 666668);
	/* a spent budget excludes the person; a spent campaign excludes all */
	persons[0] = (struct dp_budget){ 1000000, 0, 1000000, 0 };
	persons[1] = p;
	persons[2] = (struct dp_budget){ 1000000, 600000, 1000000, 999900 };
	assert_int_equal(dp_cost_of((struct dp_ratio){ 1, 3 }, (struct dp_ratio){ 1, 100000000 }, &cost),
			 CMN_OK);
	assert_int_equal(dp_budget_admit(&c, persons, 3, &cost, admitted), 1);
	assert_true(admitted[0]);
	assert_false(admitted[1]);
	assert_false(admitted[2]);        /* delta spent */
	c.eps_spent_micro = 2800000;
	assert_int_equal(dp_budget_admit(&c, persons, 3, &cost, admitted), 0);
	assert_false(admitted[0]);
	/* an inconsistent ledger (spent above cap) allows nothing */
	p.eps_spent_micro = 2000000;
	cost.eps_micro = 0;
	cost.delta_pico = 0;
	assert_false(dp_budget_allows(&p, &cost));
}

/* ---- the register of releases ---- */

#define POP 40

static uint8_t ids[POP][DP_ID_LEN];

static int id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, DP_ID_LEN);
}

static void make_ids(void)
{
	char name[32];
	int i;

	for (i = 0; i < POP; i++) {
		snprintf(name, sizeof(name), "person-%d", i);
		crypto_generichash(ids[i], DP_ID_LEN, (const uint8_t *)name, strlen(name), NULL, 0);
	}
	qsort(ids, POP, DP_ID_LEN, id_cmp);
}

static struct dp_release release_of(size_t first, size_t count, const uint64_t *cells,
				    size_t ncells)
{
	struct dp_release r;

	memset(&r, 0, sizeof(r));
	r.pop.count = count;
	r.pop.ids = (const uint8_t (*)[DP_ID_LEN])ids[first];
	assert_int_equal(dp_population_digest(r.pop.ids, count, r.pop.digest), CMN_OK);
	r.cells = cells;
	r.ncells = ncells;
	return r;
}

static void test_register(void **state)
{
	static const uint64_t c123[] = { 1, 2, 3 }, c25[] = { 2, 5 }, c45[] = { 4, 5 },
			      c31[] = { 3, 1 };
	struct dp_release earlier[2], next;
	size_t at = 99;

	(void)state;
	make_ids();
	earlier[0] = release_of(0, 20, c123, 3);
	earlier[1] = release_of(0, 20, c45, 2);
	/* one more person over a shared cell: a differencing pair */
	next = release_of(0, 21, c25, 2);
	assert_int_equal(dp_register_check(earlier, 1, &next, DP_K_DEFAULT, &at), CMN_ERR_CONFLICT);
	assert_int_equal(at, 0);
	/* the same population over the same cells again */
	next = release_of(0, 20, c123, 3);
	assert_int_equal(dp_register_check(earlier, 1, &next, DP_K_DEFAULT, NULL), CMN_ERR_CONFLICT);
	/* disjoint cells: accepted, whatever the population */
	next = release_of(0, 21, c45, 2);
	assert_int_equal(dp_register_check(earlier, 1, &next, DP_K_DEFAULT, NULL), CMN_OK);
	/* and refused against a second earlier release that shares them */
	assert_int_equal(dp_register_check(earlier, 2, &next, DP_K_DEFAULT, &at), CMN_ERR_CONFLICT);
	assert_int_equal(at, 1);
	/* populations 10 apart (5 out, 5 in) are too close, 11 apart are not */
	next = release_of(5, 20, c25, 2);
	assert_int_equal(dp_register_check(earlier, 1, &next, DP_K_DEFAULT, NULL), CMN_ERR_CONFLICT);
	next = release_of(5, 21, c25, 2);
	assert_int_equal(dp_register_check(earlier, 1, &next, DP_K_DEFAULT, NULL), CMN_OK);
	/* only the count and the digest known */
	next = release_of(0, 21, c25, 2);
	next.pop.ids = NULL;
	assert_int_equal(dp_register_check(earlier, 1, &next, DP_K_DEFAULT, NULL), CMN_ERR_CONFLICT);
	next = release_of(0, 31, c25, 2);
	next.pop.ids = NULL;
	assert_int_equal(dp_register_check(earlier, 1, &next, DP_K_DEFAULT, NULL), CMN_OK);
	next = release_of(0, 20, c25, 2);
	next.pop.ids = NULL;
	assert_int_equal(dp_register_check(earlier, 1, &next, DP_K_DEFAULT, NULL), CMN_ERR_CONFLICT);
	/* lists out of order are refused */
	next = release_of(0, 20, c31, 2);
	assert_int_equal(dp_register_check(earlier, 1, &next, DP_K_DEFAULT, NULL), CMN_ERR_INVALID);
	next = release_of(0, 20, c45, 2);
	next.pop.ids = (const uint8_t (*)[DP_ID_LEN])ids[0];
	next.pop.count = 2;
	memcpy(ids[1], ids[0], DP_ID_LEN);
	assert_int_equal(dp_register_check(earlier, 0, &next, DP_K_DEFAULT, NULL), CMN_ERR_INVALID);
	assert_int_equal(dp_population_digest(next.pop.ids, 2, next.pop.digest), CMN_ERR_INVALID);
	make_ids();
}

/* ---- rationals ---- */

static void test_ratio(void **state)
{
	static const struct {
		const char *text;
		uint64_t num, den;
	} ok[] = {
		{ "3/10", 3, 10 }, { "0.25", 1, 4 }, { "2", 2, 1 }, { "6/4", 3, 2 }, { "0/7", 0, 1 },
		{ "1.000000000000000001", 1000000000000000001, 1000000000000000000 },
		{ "18446744073709551615", UINT64_MAX, 1 },
	};
	static const char *const bad[] = {
		"", "/3", "3/", "3/0", "-1", "+1", " 1", "1 ", "1.", ".5", "1/2/3", "0x10", "1e3",
		"18446744073709551616", "1.0000000000000000000", "20.000000000000000000",
	};
	struct dp_ratio r;
	char buf[DP_RATIO_TEXT_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(dp_ratio_parse(ok[i].text, strlen(ok[i].text), &r), CMN_OK);
		assert_true(r.num == ok[i].num && r.den == ok[i].den);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(dp_ratio_parse(bad[i], strlen(bad[i]), &r), CMN_ERR_INVALID);
	assert_int_equal(dp_ratio_format((struct dp_ratio){ 3, 10 }, buf, sizeof(buf)), CMN_OK);
	assert_string_equal(buf, "3/10");
	assert_int_equal(dp_ratio_format((struct dp_ratio){ 5, 1 }, buf, sizeof(buf)), CMN_OK);
	assert_string_equal(buf, "5");
	assert_int_equal(dp_ratio_format((struct dp_ratio){ 300, 7 }, buf, 5), CMN_ERR_TOO_LARGE);
	/* a parse reads only its n bytes */
	assert_int_equal(dp_ratio_parse("12/5xyz", 4, &r), CMN_OK);
	assert_true(r.num == 12 && r.den == 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_float_checker),
		cmocka_unit_test(test_no_float_in_samplers),
		cmocka_unit_test(test_rng_keystream),
		cmocka_unit_test(test_uniform),
		cmocka_unit_test(test_bernoulli_exp_edges),
		cmocka_unit_test(test_bernoulli_exp_fit),
		cmocka_unit_test(test_laplace_fit),
		cmocka_unit_test(test_gaussian_fit),
		cmocka_unit_test(test_laplace_mechanism_fit),
		cmocka_unit_test(test_fit_has_power),
		cmocka_unit_test(test_sampler_ranges),
		cmocka_unit_test(test_fixed_seed),
		cmocka_unit_test(test_calibration),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_suppress_primary),
		cmocka_unit_test(test_suppress_margins),
		cmocka_unit_test(test_suppress_grand_total),
		cmocka_unit_test(test_suppress_withheld_total),
		cmocka_unit_test(test_suppress_random),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_register),
		cmocka_unit_test(test_ratio),
	};
	int rc;

	if (sodium_init() < 0)
		return 1;
	draws = malloc(N_DRAWS * sizeof(*draws));
	if (draws == NULL)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	free(draws);
	return rc;
}
