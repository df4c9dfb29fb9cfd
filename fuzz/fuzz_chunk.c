/*
 * fuzz_chunk.c - libFuzzer target for the chunk codec of time series
 * (src/series/codec.c).
 *
 * The first byte of the input picks how the rest is used as a chunk: as
 * is (bit 0 clear: the checksum must refuse almost everything), or with
 * its last four bytes replaced by the right CRC-32C (bit 0 set: the
 * structure checks behind the checksum get fuzzed). The chunk goes through
 * chunk_inspect, chunk_decode, chunk_iter and chunk_sum_range, which must
 * agree: decode and the iterator accept the same chunks and give the same
 * points; what decode accepts, inspect accepts with the summary of the
 * decoded points, and every range sum equals a naive sum over them.
 *
 * The same bytes then describe a series (step, points, gaps, values small
 * or huge) that is encoded and must decode to itself.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "series/codec.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_SERIES 1024 /* points of an encoded series (keeps runs fast) */

/* CHECK - aborts (a crash for libFuzzer) when an invariant does not hold,
 * unless its text is listed, comma-separated, in FUZZ_SKIP_CHECKS (to keep
 * fuzzing past a known, reported finding). */
#define CHECK(cond, what)                                                                          \
	do {                                                                                       \
		if (!(cond) && !skipped(what)) {                                                   \
			fprintf(stderr, "fuzz_chunk: invariant failed: %s (%s:%d)\n", what,        \
				__FILE__, __LINE__);                                               \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static const char *skip_checks;

/* large: kept off the stack */
static int64_t dt[CHUNK_MAX_POINTS], dv[CHUNK_MAX_POINTS];
static int64_t st[FUZZ_MAX_SERIES * 4], sv[FUZZ_MAX_SERIES * 4];
static int64_t in_t[FUZZ_MAX_SERIES], in_v[FUZZ_MAX_SERIES];

static bool skipped(const char *what)
{
	size_t n = strlen(what);

	for (const char *p = skip_checks; p && (p = strstr(p, what)); p += n)
		if ((p == skip_checks || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
			return true;
	return false;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	skip_checks = getenv("FUZZ_SKIP_CHECKS");
	return 0;
}

/* A naive aggregate: exact sum in 128 bits, clamped like the codec's. */
struct naive {
	__int128 sum;
	uint64_t count;
	int64_t min, max;
};

static struct naive naive_range(const int64_t *t, const int64_t *v, size_t n, int64_t from,
				int64_t to)
{
	struct naive a = {0, 0, INT64_MAX, INT64_MIN};

	for (size_t i = 0; i < n; i++) {
		if (t[i] < from || t[i] >= to || v[i] == SERIES_GAP)
			continue;
		a.sum += v[i];
		a.count++;
		a.min = v[i] < a.min ? v[i] : a.min;
		a.max = v[i] > a.max ? v[i] : a.max;
	}
	return a;
}

static int64_t clamp(__int128 x)
{
	return x > INT64_MAX ? INT64_MAX : x < INT64_MIN ? INT64_MIN : (int64_t)x;
}

static void check_range(const uint8_t *c, size_t len, const int64_t *t, const int64_t *v, size_t n,
			int64_t from, int64_t to)
{
	struct naive want = naive_range(t, v, n, from, to);
	struct chunk_agg agg;

	CHECK(chunk_sum_range(c, len, from, to, &agg) == CMN_OK,
	      "chunk_sum_range accepts what chunk_decode accepts");
	CHECK(agg.count == want.count && agg.sum == clamp(want.sum),
	      "chunk_sum_range sums like a naive loop");
	CHECK(agg.count == 0 || (agg.min == want.min && agg.max == want.max),
	      "chunk_sum_range min and max like a naive loop");
}

/* check_decoded - inspect, the iterator and range sums against the points
 * chunk_decode gave. */
static void check_decoded(const uint8_t *c, size_t len, size_t n, uint32_t mix)
{
	struct naive all = naive_range(dt, dv, n, INT64_MIN, INT64_MAX);
	struct chunk_info info;
	struct chunk_iter it;
	size_t present = 0, k = 0;
	int64_t t, v;
	int r;

	CHECK(chunk_inspect(c, len, &info) == CMN_OK, "chunk_inspect accepts a decodable chunk");
	for (size_t i = 0; i < n; i++)
		present += dv[i] != SERIES_GAP;
	if (n && dt[n - 1] == INT64_MAX && dv[n - 1] != SERIES_GAP) {
		all.count++; /* naive_range's to is exclusive; the summary is not */
		all.sum += dv[n - 1];
		all.min = dv[n - 1] < all.min ? dv[n - 1] : all.min;
		all.max = dv[n - 1] > all.max ? dv[n - 1] : all.max;
	}
	CHECK(info.n == n && info.present == present, "chunk_inspect counts");
	CHECK(n > 0 && info.t_first == dt[0] && info.t_last == dt[n - 1], "chunk_inspect times");
	CHECK(info.sum == clamp(all.sum), "chunk_inspect sum");
	CHECK(present == 0 ? info.v_min == 0 && info.v_max == 0
			   : info.v_min == all.min && info.v_max == all.max,
	      "chunk_inspect min and max");
	for (size_t i = 1; i < n; i++) {
		CHECK(dt[i] > dt[i - 1], "decoded times increase");
		CHECK(info.step == 0 ||
			  (uint64_t)dt[i] - (uint64_t)dt[i - 1] == (uint64_t)info.step,
		      "decoded times are on the grid");
	}

	CHECK(chunk_iter_init(&it, c, len) == CMN_OK, "chunk_iter_init accepts a decodable chunk");
	while ((r = chunk_iter_next(&it, &t, &v)) == 1) {
		CHECK(k < n && t == dt[k] && v == dv[k], "the iterator gives the decoded points");
		k++;
	}
	CHECK(r == 0 && k == n, "the iterator ends where chunk_decode does");

	check_range(c, len, dt, dv, n, INT64_MIN, INT64_MAX);
	check_range(c, len, dt, dv, n, dt[0], dt[n - 1]);
	for (int q = 0; q < 4; q++) {
		size_t a = (mix >> (8 * q)) % n, b = ((mix >> (4 * q)) * 31 + q) % n;
		int64_t from = dt[a], to = dt[b];

		if (q & 1)
			from = from == INT64_MIN ? from : from - 1;
		if (q & 2)
			to = to == INT64_MAX ? to : to + 1;
		check_range(c, len, dt, dv, n, from, to);
	}
}

/* fuzz_chunk - the decoders on one chunk (an exact-size copy: ASan sees
 * any read past it). */
static void fuzz_chunk(const uint8_t *c, size_t len, uint32_t mix)
{
	struct chunk_info info;
	struct chunk_iter it;
	struct chunk_agg agg;
	enum cmn_rc ri, rd, rt, rs;
	size_t n = 0;

	ri = chunk_inspect(c, len, &info);
	rd = chunk_decode(c, len, dt, dv, CHUNK_MAX_POINTS, &n);
	rt = chunk_iter_init(&it, c, len);
	rs = chunk_sum_range(c, len, INT64_MIN + (int64_t)(mix & 0xff), INT64_MAX, &agg);
	CHECK(ri == CMN_OK || ri == CMN_ERR_CORRUPT, "chunk_inspect: OK or CORRUPT");
	CHECK(rd == CMN_OK || rd == CMN_ERR_CORRUPT, "chunk_decode: OK or CORRUPT");
	CHECK(rs == CMN_OK || rs == CMN_ERR_CORRUPT, "chunk_sum_range: OK or CORRUPT");
	CHECK(rd == rt, "chunk_decode and chunk_iter_init accept the same chunks");
	CHECK(ri == CMN_OK || (rd != CMN_OK && rs != CMN_OK),
	      "nothing accepts what chunk_inspect refuses");
	if (rd != CMN_OK) {
		int64_t t, v;

		CHECK(n == 0, "a refused chunk_decode gives no points");
		CHECK(chunk_iter_next(&it, &t, &v) == -1, "a refused iterator gives -1");
		return;
	}
	check_decoded(c, len, n, mix);
}

/* A cursor over the fuzz input that gives zeros once used up. */
struct src {
	const uint8_t *p;
	size_t n;
};

static uint64_t take(struct src *s, unsigned bytes)
{
	uint64_t x = 0;

	for (unsigned i = 0; i < bytes; i++) {
		x |= (uint64_t)(s->n ? *s->p : 0) << (8 * i);
		if (s->n) {
			s->p++;
			s->n--;
		}
	}
	return x;
}

/* fuzz_encode - a series read from the input: encoded, it must decode to
 * itself. */
static void fuzz_encode(const uint8_t *data, size_t size)
{
	static const int64_t steps[8] = {
	    0, 1, 1000, 60000, 1800000, 86400000, 0, INT64_MAX / (4 * FUZZ_MAX_SERIES + 1)};
	struct src s = {data, size};
	int64_t step = steps[take(&s, 1) % 8], t, v = (int64_t)take(&s, 2) - 32768;
	size_t n = 1 + take(&s, 2) % FUZZ_MAX_SERIES, slots = 0, got;
	struct buf out;
	enum cmn_rc rc;

	t = (int64_t)take(&s, 8);
	if (step && t > INT64_MAX - step * 4 * (int64_t)FUZZ_MAX_SERIES)
		t = INT64_MAX - step * 4 * (int64_t)FUZZ_MAX_SERIES;
	for (size_t i = 0; i < n; i++) {
		uint8_t op = (uint8_t)take(&s, 1);

		if (i > 0) {
			uint64_t skip = step ? 1 + (op >> 6) : 1 + take(&s, op & 0x40 ? 4 : 1);

			if (step == 0 && (uint64_t)INT64_MAX - (uint64_t)t < skip) {
				n = i;
				break;
			}
			for (uint64_t k = 1; step && k < skip; k++) {
				st[slots] = t + (int64_t)k * step;
				sv[slots++] = SERIES_GAP;
			}
			t += step ? (int64_t)skip * step : (int64_t)skip;
		}
		switch (op & 0x7) {
		case 0: v = SERIES_GAP; break;
		case 1: v = (int64_t)take(&s, 8); break;
		case 2: v = INT64_MAX - (int64_t)(op >> 3); break;
		case 3: v = INT64_MIN + 1 + (int64_t)(op >> 3); break;
		default:
			/* a small step from the last value, wrapping (never UB) */
			v = (int64_t)((uint64_t)(v == SERIES_GAP ? 0 : v) +
				      (uint64_t)(int64_t)(int8_t)take(&s, 1));
			v = v == SERIES_GAP ? 0 : v;
			break;
		}
		in_t[i] = st[slots] = t;
		in_v[i] = sv[slots++] = v;
		if (s.n == 0 && i > 0) {
			n = i + 1;
			break;
		}
	}
	buf_init(&out, 8u << 20);
	rc = chunk_encode(in_t, in_v, n, step, &out);
	CHECK(rc == CMN_OK, "chunk_encode accepts a valid series");
	rc = chunk_decode((const uint8_t *)out.data, out.len, dt, dv, CHUNK_MAX_POINTS, &got);
	CHECK(rc == CMN_OK && got == slots, "an encoded series decodes");
	CHECK(memcmp(dt, st, slots * sizeof(*dt)) == 0, "an encoded series keeps its times");
	CHECK(memcmp(dv, sv, slots * sizeof(*dv)) == 0, "an encoded series keeps its values");
	check_decoded((const uint8_t *)out.data, out.len, got, (uint32_t)n * 2654435761u);
	buf_release(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *c;
	size_t len;
	uint32_t mix;

	if (size < 1)
		return 0;
	len = size - 1;
	c = malloc(len ? len : 1);
	if (!c)
		abort();
	memcpy(c, data + 1, len);
	if ((data[0] & 1) && len >= 4) {
		uint32_t crc = crc32c(0, c, len - 4);

		for (int i = 0; i < 4; i++)
			c[len - 4 + i] = (uint8_t)(crc >> (8 * i));
	}
	mix = crc32c(0, data, size);
	fuzz_chunk(c, len, mix);
	free(c);
	fuzz_encode(data, size);
	return 0;
}
