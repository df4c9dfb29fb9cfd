/*
 * test_codec.c - the chunk codec of time series (src/series/codec.c):
 * CRC-32C, round trips over random series, summaries, range aggregates,
 * the streaming iterator, refused input and corrupted chunks.
 *
 * The codec's .c is included (the pattern of h2o's unit tests) to reach its
 * static parts: the software and hardware CRCs, the SIMD kernels and their
 * scalar reference. Every random test runs from a fixed seed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/series/codec.c"

/* ---------------------------------------------------------------------- */
/* Helpers                                                                */
/* ---------------------------------------------------------------------- */

static uint64_t rng_state;

static void rng_seed(uint64_t seed)
{
	rng_state = seed;
}

static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* rng_below - uniform in [0, n), n > 0 (the bias does not matter here). */
static uint64_t rng_below(uint64_t n)
{
	return rng() % n;
}

static int64_t rng_range(int64_t lo, int64_t hi)
{
	uint64_t span = u64_of(hi) - u64_of(lo);

	return i64_of(u64_of(lo) + (span == UINT64_MAX ? rng() : rng_below(span + 1)));
}

/* A series to encode: points, and the slots a decoder must give back. */
struct series {
	int64_t *t, *v; /* input points */
	size_t n;
	int64_t step;
	int64_t *st, *sv; /* expected slots */
	size_t slots;
};

static void series_alloc(struct series *s, size_t cap)
{
	s->t = calloc(cap, sizeof(*s->t));
	s->v = calloc(cap, sizeof(*s->v));
	s->st = calloc(cap, sizeof(*s->st));
	s->sv = calloc(cap, sizeof(*s->sv));
	assert_non_null(s->t);
	assert_non_null(s->v);
	assert_non_null(s->st);
	assert_non_null(s->sv);
	s->n = s->slots = 0;
}

static void series_free(struct series *s)
{
	free(s->t);
	free(s->v);
	free(s->st);
	free(s->sv);
}

/* A reference aggregate: exact sum in 128 bits, clamped like the codec. */
struct ref_agg {
	__int128 sum;
	uint64_t count;
	int64_t min, max;
};

static void ref_init(struct ref_agg *r)
{
	r->sum = 0;
	r->count = 0;
	r->min = INT64_MAX;
	r->max = INT64_MIN;
}

static void ref_add(struct ref_agg *r, int64_t x)
{
	r->sum += x;
	r->count++;
	r->min = x < r->min ? x : r->min;
	r->max = x > r->max ? x : r->max;
}

static int64_t ref_sum(const struct ref_agg *r)
{
	if (r->sum > INT64_MAX)
		return INT64_MAX;
	if (r->sum < INT64_MIN)
		return INT64_MIN;
	return (int64_t)r->sum;
}

static struct ref_agg ref_range(const struct series *s, int64_t from, int64_t to)
{
	struct ref_agg r;

	ref_init(&r);
	for (size_t i = 0; i < s->slots; i++)
		if (s->st[i] >= from && s->st[i] < to && s->sv[i] != SERIES_GAP)
			ref_add(&r, s->sv[i]);
	return r;
}

static void check_agg(const struct chunk_agg *a, const struct ref_agg *r)
{
	assert_int_equal(a->count, r->count);
	assert_int_equal(a->sum, ref_sum(r));
	if (r->count) {
		assert_int_equal(a->min, r->min);
		assert_int_equal(a->max, r->max);
	}
}

/* a random time to ask a range for: near the slots, or anywhere */
static int64_t pick_time(const struct series *s)
{
	int64_t x;

	switch (rng_below(6)) {
	case 0: return INT64_MIN;
	case 1: return INT64_MAX;
	case 2: return rng_range(INT64_MIN, INT64_MAX);
	default:
		x = s->st[rng_below(s->slots)];
		switch (rng_below(3)) {
		case 0: return x;
		case 1: return x == INT64_MIN ? x : x - 1;
		default: return x == INT64_MAX ? x : x + 1;
		}
	}
}

/*
 * check_series - encodes s and checks everything the codec promises: the
 * header summary, chunk_decode, the iterator, chunk_sum_range over the
 * whole chunk and over random ranges. Returns the chunk (caller frees) so
 * that the corruption tests may reuse it.
 */
static uint8_t *check_series(const struct series *s, size_t *len)
{
	struct buf out;
	struct chunk_info info;
	struct chunk_iter it;
	struct chunk_agg agg;
	struct ref_agg all;
	int64_t *dt = malloc((s->slots + 1) * sizeof(*dt));
	int64_t *dv = malloc((s->slots + 1) * sizeof(*dv));
	int64_t tt, vv;
	size_t n, k = 0;
	uint8_t *c;

	assert_non_null(dt);
	assert_non_null(dv);
	buf_init(&out, 8u << 20);
	/* something before, to check that encode appends */
	assert_int_equal(buf_append(&out, "xyz", 3), CMN_OK);
	assert_int_equal(chunk_encode(s->t, s->v, s->n, s->step, &out), CMN_OK);
	assert_memory_equal(out.data, "xyz", 3);
	*len = out.len - 3;
	c = malloc(*len);
	assert_non_null(c);
	memcpy(c, out.data + 3, *len);
	buf_release(&out);

	/* summary */
	ref_init(&all);
	for (size_t i = 0; i < s->slots; i++)
		if (s->sv[i] != SERIES_GAP)
			ref_add(&all, s->sv[i]);
	assert_int_equal(chunk_inspect(c, *len, &info), CMN_OK);
	assert_int_equal(info.n, s->slots);
	assert_int_equal(info.present, all.count);
	assert_int_equal(info.t_first, s->st[0]);
	assert_int_equal(info.t_last, s->st[s->slots - 1]);
	assert_int_equal(info.step, s->step);
	assert_int_equal(info.v_min, all.count ? all.min : 0);
	assert_int_equal(info.v_max, all.count ? all.max : 0);
	assert_int_equal(info.sum, ref_sum(&all));

	/* decode: too small, then exact */
	if (s->slots > 1) {
		assert_int_equal(chunk_decode(c, *len, dt, dv, s->slots - 1, &n),
				 CMN_ERR_TOO_LARGE);
		assert_int_equal(n, 0);
	}
	assert_int_equal(chunk_decode(c, *len, dt, dv, s->slots + 1, &n), CMN_OK);
	assert_int_equal(n, s->slots);
	assert_memory_equal(dt, s->st, n * sizeof(*dt));
	assert_memory_equal(dv, s->sv, n * sizeof(*dv));

	/* iterator */
	assert_int_equal(chunk_iter_init(&it, c, *len), CMN_OK);
	assert_int_equal(it.left, s->slots);
	while (chunk_iter_next(&it, &tt, &vv) == 1) {
		assert_true(k < s->slots);
		assert_int_equal(tt, s->st[k]);
		assert_int_equal(vv, s->sv[k]);
		k++;
	}
	assert_int_equal(k, s->slots);
	assert_int_equal(chunk_iter_next(&it, &tt, &vv), 0);

	/* sums (to is exclusive: a point at INT64_MAX is never in a range) */
	all = ref_range(s, INT64_MIN, INT64_MAX);
	assert_int_equal(chunk_sum_range(c, *len, INT64_MIN, INT64_MAX, &agg), CMN_OK);
	check_agg(&agg, &all);
	all = ref_range(s, s->st[0], s->st[s->slots - 1]);
	assert_int_equal(chunk_sum_range(c, *len, s->st[0], s->st[s->slots - 1], &agg), CMN_OK);
	check_agg(&agg, &all);
	for (int r = 0; r < 12; r++) {
		int64_t from = pick_time(s), to = pick_time(s);
		struct ref_agg want = ref_range(s, from, to);

		assert_int_equal(chunk_sum_range(c, *len, from, to, &agg), CMN_OK);
		check_agg(&agg, &want);
	}
	free(dt);
	free(dv);
	return c;
}

/* ---------------------------------------------------------------------- */
/* Series generators                                                      */
/* ---------------------------------------------------------------------- */

enum values_kind {
	VALUES_LOAD, /* 100..9000 W with a daily shape */
	VALUES_WALK, /* small random walk, either sign */
	VALUES_CONST,
	VALUES_COUNTER,  /* increasing meter index */
	VALUES_HUGE,     /* anywhere in INT64_MIN + 1 .. INT64_MAX */
	VALUES_EXTREMES, /* INT64_MIN + 1 and INT64_MAX, and next to them */
	VALUES_WIDTHS,   /* spreads of every bit width */
	VALUES_KINDS
};

static int64_t gen_value(enum values_kind kind, size_t i, int64_t prev, unsigned width)
{
	int64_t x;

	switch (kind) {
	case VALUES_LOAD:
		x = 300 + (int64_t)(i % 48 > 34 ? 2500 : 200) + rng_range(-200, 200);
		if (rng_below(10) == 0)
			x += rng_range(0, 3000);
		return x;
	case VALUES_WALK: return prev + rng_range(-1000, 1000);
	case VALUES_CONST: return 42;
	case VALUES_COUNTER: return prev + rng_range(0, 700);
	case VALUES_HUGE: return rng_range(INT64_MIN + 1, INT64_MAX);
	case VALUES_EXTREMES:
		switch (rng_below(4)) {
		case 0: return INT64_MIN + 1;
		case 1: return INT64_MAX;
		case 2: return INT64_MIN + 1 + rng_range(0, 3);
		default: return INT64_MAX - rng_range(0, 3);
		}
	default:
		x = width >= 63 ? rng_range(INT64_MIN + 1, INT64_MAX)
				: rng_range(0, ((int64_t)1 << width) - 1);
		return x == SERIES_GAP ? 0 : x;
	}
}

static int64_t first_value(enum values_kind kind)
{
	switch (kind) {
	case VALUES_WALK: return rng_range(-1000000, 1000000);
	case VALUES_COUNTER: return rng_range(0, 1000000000);
	default: return 0;
	}
}

/* The gap patterns of a regular series. */
enum gaps_kind {
	GAPS_NONE,
	GAPS_RANDOM,
	GAPS_LEADING,
	GAPS_TRAILING,
	GAPS_ALL_BUT_ONE,
	GAPS_RUNS,
	GAPS_ALL,
	GAPS_KINDS
};

static bool gap_at(enum gaps_kind kind, size_t i, size_t slots, size_t keep, size_t *run)
{
	switch (kind) {
	case GAPS_NONE: return false;
	case GAPS_RANDOM: return rng_below(4) == 0;
	case GAPS_LEADING: return i < slots / 3;
	case GAPS_TRAILING: return i >= slots - slots / 3;
	case GAPS_ALL_BUT_ONE: return i != keep;
	case GAPS_ALL: return true;
	default:
		if (*run == 0 && rng_below(20) == 0)
			*run = 1 + rng_below(30);
		if (*run) {
			(*run)--;
			return true;
		}
		return false;
	}
}

/* gen_regular - slots on a grid; a gap is either left out of the input
 * (the slot is skipped) or given as SERIES_GAP, at random, except that the
 * first and last slots are always given (they fix t_first and t_last). */
static void gen_regular(struct series *s, size_t slots, enum gaps_kind gk, enum values_kind vk)
{
	static const int64_t steps[] = {1, 1000, 60000, 600000, 1800000, 86400000};
	int64_t step = rng_below(8) == 0 ? rng_range(1, INT64_MAX / (int64_t)(slots + 1))
					 : steps[rng_below(6)];
	int64_t span = step * (int64_t)(slots - 1), t0;
	int64_t prev = first_value(vk);
	size_t keep = rng_below(slots), run = 0;
	unsigned width = (unsigned)rng_below(65);

	switch (rng_below(4)) {
	case 0: t0 = INT64_MIN; break;
	case 1: t0 = INT64_MAX - span; break;
	default: t0 = 1704067200000 + rng_range(-1000000, 1000000) * 1000; break;
	}
	if (t0 > INT64_MAX - span)
		t0 = INT64_MAX - span;
	s->step = step;
	s->n = 0;
	s->slots = slots;
	for (size_t i = 0; i < slots; i++) {
		bool gap = gap_at(gk, i, slots, keep, &run);
		int64_t x = SERIES_GAP;

		s->st[i] = t0 + (int64_t)i * step;
		if (!gap)
			x = prev = gen_value(vk, i, prev, width);
		s->sv[i] = x;
		if (gap && i > 0 && i < slots - 1 && rng_below(2))
			continue; /* left out of the input */
		s->t[s->n] = s->st[i];
		s->v[s->n++] = x;
	}
}

/* gen_irregular - strictly increasing times with assorted spacings. */
static void gen_irregular(struct series *s, size_t n, enum values_kind vk, bool gaps)
{
	int64_t prev = first_value(vk), t;
	unsigned width = (unsigned)rng_below(65);
	int spacing = (int)rng_below(4);

	t = rng_below(3) == 0 ? INT64_MIN + rng_range(0, 5) : rng_range(-1000000000, 1000000000);
	s->step = 0;
	s->n = s->slots = n;
	for (size_t i = 0; i < n; i++) {
		if (i > 0) {
			int64_t room = INT64_MAX - t - (int64_t)(n - i), d;

			switch (spacing) {
			case 0: d = 5000 + rng_range(-50, 50); break;
			case 1: d = 1; break;
			case 2: d = rng_range(1, 3600000); break;
			default:
				d = rng_range(
				    1, room / (int64_t)(n - i) > 0 ? room / (int64_t)(n - i) : 1);
			}
			t += d < room ? d : 1;
		}
		s->t[i] = s->st[i] = t;
		s->v[i] = s->sv[i] =
		    gaps && rng_below(5) == 0 ? SERIES_GAP : (prev = gen_value(vk, i, prev, width));
	}
}

/* ---------------------------------------------------------------------- */
/* Tests                                                                  */
/* ---------------------------------------------------------------------- */

static uint32_t crc_bitwise(const uint8_t *p, size_t n)
{
	uint32_t c = ~0u;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
	}
	return ~c;
}

static void crc_values(void **state)
{
	static uint8_t data[4096 + 16];
	bool hw = false;

	(void)state;
	assert_int_equal(crc32c(0, "123456789", 9), 0xE3069283u);
	assert_int_equal(crc32c(0, "", 0), 0);
	rng_seed(1);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)rng();
#if defined(__x86_64__)
	hw = __builtin_cpu_supports("sse4.2");
#endif
	for (size_t off = 0; off < 9; off++) {
		for (size_t n = 0; n <= 4096; n += n < 64 ? 1 : 61) {
			uint32_t want = crc_bitwise(data + off, n);
			size_t cut = n ? rng_below(n) : 0;

			assert_int_equal(~crc32c_sw(~0u, data + off, n), want);
#if defined(__x86_64__)
			if (hw)
				assert_int_equal(~crc32c_hw(~0u, data + off, n), want);
#endif
			assert_int_equal(crc32c(0, data + off, n), want);
			assert_int_equal(
			    crc32c(crc32c(0, data + off, cut), data + off + cut, n - cut), want);
		}
	}
	print_message("crc32c: hardware path %s\n", hw ? "tested" : "not available");
}

/* The SIMD kernels against their scalar reference, on random blocks. */
static void kernels(void **state)
{
	static uint32_t u[BLOCK];
	int64_t out1[BLOCK], out2[BLOCK];

	(void)state;
	rng_seed(2);
	for (int r = 0; r < 4000; r++) {
		unsigned w = (unsigned)rng_below(FAST_WIDTH_MAX + 1);
		int32_t ref = (int32_t)rng_range(-FAST_DELTA_MAX, FAST_DELTA_MAX - ((1 << w) - 1));
		int64_t base = rng_range(-FAST_BASE_MAX + 1, FAST_BASE_MAX - 1);
		struct kstat a, b;

		for (int i = 0; i < BLOCK; i++)
			u[i] = (uint32_t)(w ? rng_below((uint64_t)1 << w) : 0);
		if (r % 3 == 0)
			u[rng_below(BLOCK)] = (uint32_t)((1u << w) - 1); /* the extreme */
		kernel(u, true, ref, base, out1, &a);
		kernel_scalar(u, true, ref, base, out2, &b);
		assert_memory_equal(&a, &b, sizeof(a));
		assert_memory_equal(out1, out2, sizeof(out1));
		kernel(u, false, 0, base, out1, &a);
		kernel_scalar(u, false, 0, base, out2, &b);
		assert_memory_equal(&a, &b, sizeof(a));
		assert_memory_equal(out1, out2, sizeof(out1));
		if (w <= 15) {
			kernel16(u, base, out1, &a);
			assert_memory_equal(&a, &b, sizeof(a));
			assert_memory_equal(out1, out2, sizeof(out1));
			kernel16(u, 0, NULL, &a);
			assert_memory_equal(&a, &b, sizeof(a));
		}
	}
}

static void round_trip_regular(void **state)
{
	struct series s;
	int cases = 0;

	(void)state;
	series_alloc(&s, 2000);
	rng_seed(3);
	for (int r = 0; r < 2500; r++) {
		size_t slots = rng_below(4) == 0 ? 1 + rng_below(8) : 1 + rng_below(1200);
		enum gaps_kind gk = (enum gaps_kind)rng_below(GAPS_KINDS);
		enum values_kind vk = (enum values_kind)rng_below(VALUES_KINDS);
		size_t len;

		gen_regular(&s, slots, gk, vk);
		free(check_series(&s, &len));
		cases++;
	}
	series_free(&s);
	print_message("regular: %d random series\n", cases);
}

static void round_trip_irregular(void **state)
{
	struct series s;
	int cases = 0;

	(void)state;
	series_alloc(&s, 2000);
	rng_seed(4);
	for (int r = 0; r < 1500; r++) {
		size_t n = rng_below(4) == 0 ? 1 + rng_below(8) : 1 + rng_below(1200);
		size_t len;

		gen_irregular(&s, n, (enum values_kind)rng_below(VALUES_KINDS), rng_below(3) == 0);
		free(check_series(&s, &len));
		cases++;
	}
	series_free(&s);
	print_message("irregular: %d random series\n", cases);
}

/*
 * Every width of both block forms, and the edges of the fast kernels:
 * deltas of exactly +-FAST_DELTA_MAX and one past, values crossing
 * +-FAST_BASE_MAX, value blocks of widths 15, 16, 17 and 18.
 */
static void widths_and_boundaries(void **state)
{
	static const int64_t slopes[4] = {-FAST_DELTA_MAX, -FAST_DELTA_MAX - 1, FAST_DELTA_MAX,
					  FAST_DELTA_MAX + 1};
	struct series s;
	size_t len;

	(void)state;
	series_alloc(&s, 1000);
	rng_seed(5);
	for (unsigned w = 0; w <= 64; w++) {
		for (int form = 0; form < 4; form++) {
			int64_t spread = w >= 63 ? INT64_MAX : ((int64_t)1 << w) - 1;
			int64_t sign = w % 2 ? 1 : -1, x = 0;

			if (form == 2)
				x = sign * (FAST_BASE_MAX - ((int64_t)1 << 25));
			s.step = 1000;
			s.n = s.slots = 600;
			for (size_t i = 0; i < s.n; i++) {
				s.t[i] = s.st[i] = (int64_t)i * 1000;
				if (form == 0) /* values spread over w bits */
					x = rng_range(0, spread);
				else if (form == 1) /* deltas spread over w bits */
					x = i64_of(u64_of(x) + u64_of(rng_range(0, spread)));
				else if (form == 2) /* steep slopes across the base limit */
					x += slopes[w % 4] + (w % 8 >= 4 ? rng_range(0, 3) : 0);
				else /* narrow values across the base limit */
					x = sign * (FAST_BASE_MAX - 300 + (int64_t)i) +
					    rng_range(0, ((int64_t)1 << (15 + w % 4)) - 1);
				if (x == SERIES_GAP)
					x++;
				s.v[i] = s.sv[i] = x;
			}
			free(check_series(&s, &len));
		}
	}
	series_free(&s);
}

/* Sums saturate (the exact sum, clamped), and are never order-dependent. */
static void sums(void **state)
{
	int64_t t[6] = {0, 1, 2, 3, 4, 5};
	int64_t up[6] = {INT64_MAX, INT64_MAX, INT64_MAX, 1, 1, 1};
	int64_t down[6] = {INT64_MIN + 1, INT64_MIN + 1, -5, 0, 0, 0};
	int64_t back[6] = {INT64_MAX, INT64_MAX, -INT64_MAX, -INT64_MAX, 7, SERIES_GAP};
	struct chunk_info info;
	struct chunk_agg agg;
	struct buf b;

	(void)state;
	buf_init(&b, 1 << 20);
	assert_int_equal(chunk_encode(t, up, 6, 1, &b), CMN_OK);
	assert_int_equal(chunk_inspect((uint8_t *)b.data, b.len, &info), CMN_OK);
	assert_int_equal(info.sum, INT64_MAX);
	buf_reset(&b);
	assert_int_equal(chunk_encode(t, down, 6, 1, &b), CMN_OK);
	assert_int_equal(chunk_inspect((uint8_t *)b.data, b.len, &info), CMN_OK);
	assert_int_equal(info.sum, INT64_MIN);
	buf_reset(&b);
	assert_int_equal(chunk_encode(t, back, 6, 1, &b), CMN_OK);
	assert_int_equal(chunk_inspect((uint8_t *)b.data, b.len, &info), CMN_OK);
	assert_int_equal(info.sum, 7);
	assert_int_equal(info.present, 5);
	assert_int_equal(chunk_sum_range((uint8_t *)b.data, b.len, 1, 6, &agg), CMN_OK);
	assert_int_equal(agg.sum, 7 - INT64_MAX);
	assert_int_equal(agg.count, 4);
	assert_int_equal(agg.min, -INT64_MAX);
	assert_int_equal(agg.max, INT64_MAX);
	/* empty ranges */
	assert_int_equal(chunk_sum_range((uint8_t *)b.data, b.len, 3, 3, &agg), CMN_OK);
	assert_int_equal(agg.count, 0);
	assert_int_equal(agg.sum, 0);
	assert_int_equal(chunk_sum_range((uint8_t *)b.data, b.len, 9, 2, &agg), CMN_OK);
	assert_int_equal(agg.count, 0);
	assert_int_equal(chunk_sum_range((uint8_t *)b.data, b.len, 5, 100, &agg), CMN_OK);
	assert_int_equal(agg.count, 0); /* only the gap */
	buf_release(&b);
}

/* The largest chunks: 65,536 slots (regular, some skipped) and points. */
static void maximum_size(void **state)
{
	struct series s;
	size_t len;
	uint8_t *c;

	(void)state;
	series_alloc(&s, CHUNK_MAX_POINTS);
	rng_seed(6);
	gen_regular(&s, CHUNK_MAX_POINTS, GAPS_RUNS, VALUES_LOAD);
	free(check_series(&s, &len));
	gen_regular(&s, CHUNK_MAX_POINTS, GAPS_NONE, VALUES_HUGE);
	c = check_series(&s, &len);
	print_message("65,536 huge values: %zu bytes\n", len);
	free(c);
	gen_irregular(&s, CHUNK_MAX_POINTS, VALUES_WALK, true);
	free(check_series(&s, &len));
	gen_irregular(&s, CHUNK_MAX_POINTS, VALUES_EXTREMES, false);
	free(check_series(&s, &len));
	series_free(&s);
}

static void single_point(void **state)
{
	int64_t t = 1704067200000, v = -5, gap = SERIES_GAP;
	int64_t dt[1], dv[1];
	struct chunk_info info;
	struct buf b;
	size_t n;

	(void)state;
	buf_init(&b, 1 << 20);
	for (int64_t step = 0; step <= 1800000; step += 1800000) {
		buf_reset(&b);
		assert_int_equal(chunk_encode(&t, &v, 1, step, &b), CMN_OK);
		assert_int_equal(b.len, CHUNK_HDR + CHUNK_CRC);
		assert_int_equal(chunk_decode((uint8_t *)b.data, b.len, dt, dv, 1, &n), CMN_OK);
		assert_int_equal(n, 1);
		assert_int_equal(dt[0], t);
		assert_int_equal(dv[0], v);
		buf_reset(&b);
		assert_int_equal(chunk_encode(&t, &gap, 1, step, &b), CMN_OK);
		assert_int_equal(chunk_inspect((uint8_t *)b.data, b.len, &info), CMN_OK);
		assert_int_equal(info.n, 1);
		assert_int_equal(info.present, 0);
		assert_int_equal(chunk_decode((uint8_t *)b.data, b.len, dt, dv, 1, &n), CMN_OK);
		assert_int_equal(dv[0], SERIES_GAP);
	}
	buf_release(&b);
}

static void refused_input(void **state)
{
	int64_t t[4] = {0, 1000, 2000, 3000}, v[4] = {1, 2, 3, 4};
	int64_t unsorted[4] = {0, 2000, 1000, 3000}, dup[4] = {0, 1000, 1000, 3000};
	int64_t offgrid[4] = {0, 1000, 2500, 3000};
	int64_t far[2] = {0, (int64_t)CHUNK_MAX_POINTS * 1000};
	int64_t edge[2] = {0, (int64_t)(CHUNK_MAX_POINTS - 1) * 1000};
	int64_t *big_t = malloc((CHUNK_MAX_POINTS + 1) * sizeof(*big_t));
	int64_t *big_v = calloc(CHUNK_MAX_POINTS + 1, sizeof(*big_v));
	struct buf b;

	(void)state;
	assert_non_null(big_t);
	assert_non_null(big_v);
	buf_init(&b, 1 << 22);
	assert_int_equal(chunk_encode(t, v, 0, 1000, &b), CMN_ERR_INVALID);
	assert_int_equal(chunk_encode(NULL, v, 4, 1000, &b), CMN_ERR_INVALID);
	assert_int_equal(chunk_encode(t, NULL, 4, 1000, &b), CMN_ERR_INVALID);
	assert_int_equal(chunk_encode(t, v, 4, -1000, &b), CMN_ERR_INVALID);
	assert_int_equal(chunk_encode(unsorted, v, 4, 1000, &b), CMN_ERR_INVALID);
	assert_int_equal(chunk_encode(unsorted, v, 4, 0, &b), CMN_ERR_INVALID);
	assert_int_equal(chunk_encode(dup, v, 4, 1000, &b), CMN_ERR_INVALID);
	assert_int_equal(chunk_encode(dup, v, 4, 0, &b), CMN_ERR_INVALID);
	assert_int_equal(chunk_encode(offgrid, v, 4, 1000, &b), CMN_ERR_INVALID);
	assert_int_equal(chunk_encode(offgrid, v, 4, 0, &b), CMN_OK); /* fine if irregular */
	buf_reset(&b);
	assert_int_equal(chunk_encode(far, v, 2, 1000, &b), CMN_ERR_INVALID);
	assert_int_equal(b.len, 0);
	assert_int_equal(chunk_encode(edge, v, 2, 1000, &b), CMN_OK);
	for (size_t i = 0; i <= CHUNK_MAX_POINTS; i++)
		big_t[i] = (int64_t)i;
	buf_reset(&b);
	assert_int_equal(chunk_encode(big_t, big_v, CHUNK_MAX_POINTS + 1, 0, &b), CMN_ERR_INVALID);
	assert_int_equal(chunk_encode(big_t, big_v, CHUNK_MAX_POINTS + 1, 1, &b), CMN_ERR_INVALID);
	assert_int_equal(chunk_encode(big_t, big_v, CHUNK_MAX_POINTS, 1, &b), CMN_OK);
	/* a buffer too small is refused and left as it was */
	buf_release(&b);
	buf_init(&b, 100);
	assert_int_equal(buf_append(&b, "ab", 2), CMN_OK);
	assert_int_equal(chunk_encode(big_t, big_v, 1000, 0, &b), CMN_ERR_TOO_LARGE);
	assert_int_equal(b.len, 2);
	assert_string_equal(b.data, "ab");
	buf_release(&b);
	free(big_t);
	free(big_v);
}

/* every_decoder_refuses - all four entry points say CMN_ERR_CORRUPT. */
static void every_decoder_refuses(const uint8_t *c, size_t len, int64_t *dt, int64_t *dv)
{
	struct chunk_info info;
	struct chunk_agg agg;
	struct chunk_iter it;
	int64_t tt, vv;
	size_t n;

	assert_int_equal(chunk_inspect(c, len, &info), CMN_ERR_CORRUPT);
	assert_int_equal(chunk_decode(c, len, dt, dv, CHUNK_MAX_POINTS, &n), CMN_ERR_CORRUPT);
	assert_int_equal(n, 0);
	assert_int_equal(chunk_sum_range(c, len, INT64_MIN, INT64_MAX, &agg), CMN_ERR_CORRUPT);
	assert_int_equal(chunk_sum_range(c, len, 0, 1, &agg), CMN_ERR_CORRUPT);
	assert_int_equal(chunk_iter_init(&it, c, len), CMN_ERR_CORRUPT);
	assert_int_equal(chunk_iter_next(&it, &tt, &vv), -1);
}

/* A flipped bit anywhere, or a chunk cut or lengthened, is always refused. */
static void corruption(void **state)
{
	int64_t *dt = malloc(CHUNK_MAX_POINTS * sizeof(*dt));
	int64_t *dv = malloc(CHUNK_MAX_POINTS * sizeof(*dv));
	struct series s;
	long flips = 0, cuts = 0;

	(void)state;
	assert_non_null(dt);
	assert_non_null(dv);
	series_alloc(&s, 1000);
	rng_seed(7);
	for (int k = 0; k < 6; k++) {
		uint8_t *c, *copy;
		size_t len;

		if (k < 3)
			gen_regular(&s, 300 + rng_below(300), (enum gaps_kind)(k + 1), VALUES_LOAD);
		else if (k == 3)
			gen_irregular(&s, 400, VALUES_HUGE, true);
		else if (k == 4)
			gen_regular(&s, 1, GAPS_NONE, VALUES_WALK);
		else
			gen_irregular(&s, 200, VALUES_WIDTHS, false);
		c = check_series(&s, &len);
		copy = malloc(len + 1);
		assert_non_null(copy);
		for (size_t bit = 0; bit < len * 8; bit++) {
			memcpy(copy, c, len);
			copy[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			every_decoder_refuses(copy, len, dt, dv);
			flips++;
		}
		for (size_t cut = 0; cut < len; cut++) {
			uint8_t *part = malloc(cut ? cut : 1);

			assert_non_null(part);
			memcpy(part, c, cut);
			every_decoder_refuses(part, cut, dt, dv);
			free(part);
			cuts++;
		}
		memcpy(copy, c, len);
		copy[len] = 0;
		every_decoder_refuses(copy, len + 1, dt, dv);
		free(copy);
		free(c);
	}
	every_decoder_refuses(NULL, 0, dt, dv);
	series_free(&s);
	free(dt);
	free(dv);
	print_message("corruption: %ld bit flips, %ld truncations refused\n", flips, cuts);
}

/*
 * A chunk whose checksum is right but whose content is not (a codec bug or
 * a forged chunk): random bytes are changed and the checksum recomputed.
 * Nothing may crash (ASan watches), and whatever chunk_decode accepts, the
 * other entry points must agree with.
 */
static void forged_chunks(void **state)
{
	int64_t *dt = malloc(CHUNK_MAX_POINTS * sizeof(*dt));
	int64_t *dv = malloc(CHUNK_MAX_POINTS * sizeof(*dv));
	struct series s;
	long accepted = 0, refused = 0;

	(void)state;
	assert_non_null(dt);
	assert_non_null(dv);
	series_alloc(&s, 1000);
	rng_seed(8);
	for (int k = 0; k < 40; k++) {
		uint8_t *c, *m;
		size_t len;

		if (k % 2)
			gen_regular(&s, 1 + rng_below(700), (enum gaps_kind)rng_below(GAPS_KINDS),
				    (enum values_kind)rng_below(VALUES_KINDS));
		else
			gen_irregular(&s, 1 + rng_below(700),
				      (enum values_kind)rng_below(VALUES_KINDS), k % 4 == 0);
		c = check_series(&s, &len);
		m = malloc(len);
		assert_non_null(m);
		for (int r = 0; r < 500; r++) {
			struct chunk_info info;
			struct chunk_iter it;
			struct chunk_agg agg;
			enum cmn_rc rc;
			int64_t tt, vv;
			size_t n, i = 0;
			int got;

			memcpy(m, c, len);
			for (int e = 0, edits = 1 + (int)rng_below(3); e < edits; e++) {
				size_t at = rng_below(len - CHUNK_CRC);

				if (rng_below(2))
					m[at] ^= (uint8_t)(1u << rng_below(8));
				else
					m[at] = (uint8_t)rng();
			}
			put_u32(m + len - CHUNK_CRC, crc32c(0, m, len - CHUNK_CRC));
			rc = chunk_decode(m, len, dt, dv, CHUNK_MAX_POINTS, &n);
			if (rc != CMN_OK) {
				assert_int_equal(rc, CMN_ERR_CORRUPT);
				assert_int_equal(chunk_iter_init(&it, m, len), CMN_ERR_CORRUPT);
				refused++;
				continue;
			}
			accepted++;
			assert_int_equal(chunk_inspect(m, len, &info), CMN_OK);
			assert_int_equal(info.n, n);
			assert_int_equal(chunk_iter_init(&it, m, len), CMN_OK);
			while ((got = chunk_iter_next(&it, &tt, &vv)) == 1) {
				assert_true(i < n);
				assert_int_equal(tt, dt[i]);
				assert_int_equal(vv, dv[i]);
				i++;
			}
			assert_int_equal(got, 0);
			assert_int_equal(i, n);
			for (int q = 0; q < 4; q++) {
				struct series d = {.st = dt, .sv = dv, .slots = n};
				int64_t from = pick_time(&d), to = pick_time(&d);
				struct ref_agg want = ref_range(&d, from, to);

				assert_int_equal(chunk_sum_range(m, len, from, to, &agg), CMN_OK);
				check_agg(&agg, &want);
			}
		}
		free(m);
		free(c);
	}
	series_free(&s);
	free(dt);
	free(dv);
	print_message("forged chunks: %ld refused, %ld accepted and consistent\n", refused,
		      accepted);
}

/* forge - a copy of c with one header field changed and the checksum
 * recomputed; the caller frees it. */
static uint8_t *forge(const uint8_t *c, size_t len, size_t off, uint64_t x, int bytes)
{
	uint8_t *m = malloc(len);

	assert_non_null(m);
	memcpy(m, c, len);
	for (int i = 0; i < bytes; i++)
		m[off + (size_t)i] = (uint8_t)(x >> (8 * i));
	put_u32(m + len - CHUNK_CRC, crc32c(0, m, len - CHUNK_CRC));
	return m;
}

/* Headers that lie, behind a right checksum: each one is refused, by every
 * entry point when the header contradicts itself, by chunk_decode and
 * chunk_iter_init when only the body can tell (chunk_inspect and a
 * chunk_sum_range over the whole chunk trust a header whose checksum holds). */
static void forged_headers(void **state)
{
	int64_t t[3] = {1000, 2000, 4000}, v[3] = {5, SERIES_GAP, 9};
	int64_t *dt = malloc(CHUNK_MAX_POINTS * sizeof(*dt));
	int64_t *dv = malloc(CHUNK_MAX_POINTS * sizeof(*dv));
	struct {
		int64_t step; /* of the chunk to forge */
		size_t n;     /* points */
		size_t off;   /* field */
		uint64_t x;   /* new value */
		int bytes;
		int body; /* only the decoders that read the body can tell */
	} cases[] = {
	    {1000, 1, H_STEP, u64_of(-1000), 8, 0}, /* negative step, one point */
	    {1000, 3, H_STEP, u64_of(-1000), 8, 0},
	    {1000, 3, H_STEP, 0, 8, 0},     /* step 0 without the flag */
	    {0, 3, H_STEP, 1000, 8, 0},     /* a step with the flag */
	    {1000, 3, H_STEP, 2000, 8, 0},  /* t_last off the grid */
	    {1000, 3, H_FLAGS, 0, 1, 0},    /* gaps without the flag */
	    {1000, 3, H_FLAGS, 0x80, 1, 0}, /* unknown flag */
	    {1000, 3, H_VERSION, 2, 1, 0},
	    {1000, 3, H_RESERVED, 1, 2, 0},
	    {1000, 3, H_N, 0, 4, 0},
	    {1000, 3, H_N, CHUNK_MAX_POINTS + 1, 4, 0},
	    {1000, 3, H_PRESENT, 4, 4, 0}, /* more present than slots */
	    {1000, 3, H_PRESENT, 3, 4, 1},
	    {1000, 3, H_GAP_LEN, 0, 4, 0}, /* lengths that do not add up */
	    {1000, 3, H_V_LEN, 1, 4, 0},
	    {1000, 3, H_T_FIRST, 0, 8, 0},
	    {1000, 3, H_T_LAST, 5000, 8, 0},
	    {0, 3, H_T_LAST, 3000, 8, 1}, /* irregular: last time wrong */
	    {0, 1, H_T_LAST, 1001, 8, 0}, /* one point: first != last */
	    {1000, 3, H_V_MIN, 6, 8, 0},  /* v_first below v_min */
	    {1000, 3, H_V_MAX, 8, 8, 1},  /* a value above v_max */
	    {1000, 3, H_V_MAX, 10, 8, 1}, /* max never reached */
	    {1000, 3, H_V_MIN, u64_of(SERIES_GAP), 8, 0},
	    {1000, 3, H_SUM, 15, 8, 1},
	    {1000, 3, H_V_FIRST, 6, 8, 1},
	    {1000, 3, CHUNK_HDR + 1, 0, 1, 1},    /* an empty gap run */
	    {1000, 3, CHUNK_HDR + 1, 3, 1, 1},    /* a gap run too long */
	    {1000, 3, CHUNK_HDR + 2, 65, 1, 1},   /* block width 65 */
	    {1000, 3, CHUNK_HDR + 3, 0x80, 1, 1}, /* reference: a varint past the end */
	};

	(void)state;
	assert_non_null(dt);
	assert_non_null(dv);
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		int64_t tt[3] = {t[0], t[1], t[2]}, vv[3] = {v[0], v[1], v[2]};
		struct buf b;
		uint8_t *m;

		if (cases[k].n == 1)
			vv[0] = 5;
		buf_init(&b, 1 << 20);
		assert_int_equal(chunk_encode(tt, vv, cases[k].n, cases[k].step, &b), CMN_OK);
		m = forge((uint8_t *)b.data, b.len, cases[k].off, cases[k].x, cases[k].bytes);
		if (cases[k].body) {
			struct chunk_iter it;
			size_t n;

			assert_int_equal(chunk_decode(m, b.len, dt, dv, CHUNK_MAX_POINTS, &n),
					 CMN_ERR_CORRUPT);
			assert_int_equal(chunk_iter_init(&it, m, b.len), CMN_ERR_CORRUPT);
		} else {
			every_decoder_refuses(m, b.len, dt, dv);
		}
		free(m);
		buf_release(&b);
	}
	free(dt);
	free(dv);
}

/* Compactness on a load curve: the target is 2.5 bytes a point. */
static void compactness(void **state)
{
	struct series s;
	size_t len;
	uint8_t *c;

	(void)state;
	series_alloc(&s, 1488);
	rng_seed(9);
	gen_regular(&s, 1488, GAPS_NONE, VALUES_LOAD);
	s.step = 1800000;
	for (size_t i = 0; i < s.n; i++)
		s.t[i] = s.st[i] = 1704067200000 + (int64_t)i * s.step;
	c = check_series(&s, &len);
	print_message("a month of 30-minute load: %.2f bytes a point\n", (double)len / 1488);
	assert_true(len * 10 <= 1488 * 25);
	free(c);
	series_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(crc_values),
	    cmocka_unit_test(kernels),
	    cmocka_unit_test(round_trip_regular),
	    cmocka_unit_test(round_trip_irregular),
	    cmocka_unit_test(widths_and_boundaries),
	    cmocka_unit_test(sums),
	    cmocka_unit_test(maximum_size),
	    cmocka_unit_test(single_point),
	    cmocka_unit_test(refused_input),
	    cmocka_unit_test(corruption),
	    cmocka_unit_test(forged_chunks),
	    cmocka_unit_test(forged_headers),
	    cmocka_unit_test(compactness),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
