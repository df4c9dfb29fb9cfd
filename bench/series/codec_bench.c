/*
 * codec_bench.c - a quick measure of the chunk codec (src/series/codec.c)
 * on synthetic household load curves: bytes per point, encode, decode,
 * iterate and sum rates, side by side with a plain C loop summing the same
 * values from an int32 array. The full benchmark of issue 3 lives in
 * bench/series (another program); this one only checks the codec's targets.
 *
 * Build and run (from the top of the tree, after a cmake build in build/):
 *
 *   gcc -O2 -Isrc -Ibuild/gen -o /tmp/codec_bench bench/series/codec_bench.c \
 *       src/series/codec.c src/core/buf.c -lsodium -lpthread
 *   /tmp/codec_bench [HOUSEHOLDS] [month|year] [load|index]
 *                                          (default 2000 month load)
 *
 * A household is a year (2024, UTC) of 30-minute mean power in W: a base
 * load, morning and evening peaks, a winter factor, noise and appliance
 * spikes, clamped to 100..9000 W; "index" turns it into the meter's
 * cumulative index in Wh (a smooth, increasing series: the codec's delta
 * blocks instead of its value blocks). Chunks are one per calendar month (the
 * default) or one per year. Every rate is the best of three runs on one
 * core. "sum, header" is chunk_sum_range over whole chunks, which answers
 * from the chunk's header after its checksum; "sum, decoded" asks for
 * [t_first + 1, end) so that every value but the first is decoded.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "series/codec.h"

#define SLOTS_PER_DAY 48
#define DAYS          366 /* 2024 */
#define POINTS        (SLOTS_PER_DAY * DAYS)
#define STEP_MS       1800000LL
#define T0_MS         1704067200000LL /* 2024-01-01T00:00:00Z */

static const int month_days[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

struct chunks {
	uint8_t *data; /* every chunk, one after another */
	size_t *off;   /* chunk i is data[off[i] .. off[i + 1]) */
	size_t count;
	int64_t *t_first;
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double uniform(void)
{
	return (double)(rng() >> 11) / 9007199254740992.0;
}

static double gauss(void)
{
	double u = uniform() + 1e-12, w = uniform();

	return sqrt(-2 * log(u)) * cos(2 * M_PI * w);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* household - one year of 30-minute load in W. */
static void household(int32_t *v)
{
	double base = 100 + 250 * uniform(), peak = 500 + 2500 * uniform();
	double heating = 1500 * uniform() * (uniform() < 0.4);

	for (int d = 0; d < DAYS; d++) {
		double winter = 0.5 + 0.5 * cos(2 * M_PI * (d + 10) / 366.0);

		for (int s = 0; s < SLOTS_PER_DAY; s++) {
			double h = s / 2.0, x = base;

			x += peak * 0.6 * exp(-(h - 7.5) * (h - 7.5) / 2.0);
			x += peak * exp(-(h - 19.5) * (h - 19.5) / 4.0);
			x += heating * winter * (h < 7 || h > 17 ? 1.0 : 0.4);
			x += 120 * gauss();
			if (uniform() < 0.08)
				x += 500 + 2000 * uniform();
			x = x < 100 ? 100 : x > 9000 ? 9000 : x;
			v[d * SLOTS_PER_DAY + s] = (int32_t)x;
		}
	}
}

static void encode_all(const int32_t *vals, int households, int per_year, struct chunks *c,
		       double *secs)
{
	static int64_t t[POINTS], v[POINTS];
	struct buf out;
	size_t cap = (size_t)households * (per_year ? 1 : 12);
	double t0;

	buf_init(&out, (size_t)1 << 34);
	c->off = malloc((cap + 1) * sizeof(*c->off));
	c->t_first = malloc(cap * sizeof(*c->t_first));
	c->count = 0;
	for (int i = 0; i < POINTS; i++)
		t[i] = T0_MS + i * STEP_MS;
	*secs = 0;
	for (int hh = 0; hh < households; hh++) {
		const int32_t *src = vals + (size_t)hh * POINTS;
		int start = 0;

		for (int i = 0; i < POINTS; i++)
			v[i] = src[i];
		t0 = now();
		for (int m = 0; m < (per_year ? 1 : 12); m++) {
			int len = per_year ? POINTS : month_days[m] * SLOTS_PER_DAY;

			c->off[c->count] = out.len;
			c->t_first[c->count++] = t[start];
			if (chunk_encode(t + start, v + start, (size_t)len, STEP_MS, &out) !=
			    CMN_OK) {
				fprintf(stderr, "chunk_encode failed\n");
				exit(1);
			}
			start += len;
		}
		*secs += now() - t0;
	}
	c->off[c->count] = out.len;
	c->data = (uint8_t *)buf_steal(&out);
}

static int64_t sum_chunks(const struct chunks *c, int decoded)
{
	int64_t total = 0;

	for (size_t i = 0; i < c->count; i++) {
		struct chunk_agg agg;
		int64_t from = decoded ? c->t_first[i] + 1 : INT64_MIN;

		if (chunk_sum_range(c->data + c->off[i], c->off[i + 1] - c->off[i], from, INT64_MAX,
				    &agg) != CMN_OK) {
			fprintf(stderr, "chunk_sum_range failed\n");
			exit(1);
		}
		total += agg.sum;
		if (decoded) {
			/* add back the first value, left out of the range */
			chunk_sum_range(c->data + c->off[i], c->off[i + 1] - c->off[i],
					c->t_first[i], c->t_first[i] + 1, &agg);
			total += agg.sum;
		}
	}
	return total;
}

static int64_t decode_chunks(const struct chunks *c)
{
	static int64_t t[CHUNK_MAX_POINTS], v[CHUNK_MAX_POINTS];
	int64_t total = 0;

	for (size_t i = 0; i < c->count; i++) {
		size_t n;

		if (chunk_decode(c->data + c->off[i], c->off[i + 1] - c->off[i], t, v,
				 CHUNK_MAX_POINTS, &n) != CMN_OK) {
			fprintf(stderr, "chunk_decode failed\n");
			exit(1);
		}
		total += v[n - 1];
	}
	return total;
}

static int64_t iterate_chunks(const struct chunks *c)
{
	int64_t total = 0, t, v;

	for (size_t i = 0; i < c->count; i++) {
		struct chunk_iter it;

		if (chunk_iter_init(&it, c->data + c->off[i], c->off[i + 1] - c->off[i]) !=
		    CMN_OK) {
			fprintf(stderr, "chunk_iter_init failed\n");
			exit(1);
		}
		while (chunk_iter_next(&it, &t, &v) == 1)
			total += v;
	}
	return total;
}

static int64_t sum_int32(const int32_t *v, size_t n)
{
	int64_t s = 0;

	for (size_t i = 0; i < n; i++)
		s += v[i];
	return s;
}

static const int32_t *g_vals;
static size_t g_points;
static const struct chunks *g_chunks;

static int64_t job_loop(void)
{
	return sum_int32(g_vals, g_points);
}

static int64_t job_header(void)
{
	return sum_chunks(g_chunks, 0);
}

static int64_t job_sum(void)
{
	return sum_chunks(g_chunks, 1);
}

static int64_t job_decode(void)
{
	return decode_chunks(g_chunks);
}

static int64_t job_iter(void)
{
	return iterate_chunks(g_chunks);
}

/* best - the best time of three runs of job; *out gets its result. */
static double best(int64_t (*job)(void), int64_t *out)
{
	double b = 1e30;

	for (int r = 0; r < 3; r++) {
		double t0 = now(), dt;

		*out = job();
		dt = now() - t0;
		b = dt < b ? dt : b;
	}
	return b;
}

int main(int argc, char **argv)
{
	int households = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 2000;
	int per_year = argc > 2 && strcmp(argv[2], "year") == 0;
	int index = argc > 3 && strcmp(argv[3], "index") == 0;
	size_t points = (size_t)households * POINTS;
	int32_t *vals = malloc(points * sizeof(*vals));
	struct chunks c;
	double enc_s, t_loop, t_hdr, t_dec, t_sum, t_iter;
	int64_t ref, s_hdr, s_sum, s_dec, s_iter;

	if (households <= 0 || !vals)
		return 2;
	for (int hh = 0; hh < households; hh++) {
		int32_t *v = vals + (size_t)hh * POINTS, wh = 0;

		household(v);
		for (int i = 0; index && i < POINTS; i++)
			v[i] = wh += v[i] / 2;
	}
	encode_all(vals, households, per_year, &c, &enc_s);

	g_vals = vals;
	g_points = points;
	g_chunks = &c;
	t_loop = best(job_loop, &ref);
	t_hdr = best(job_header, &s_hdr);
	t_sum = best(job_sum, &s_sum);
	t_dec = best(job_decode, &s_dec);
	t_iter = best(job_iter, &s_iter);
	(void)s_dec;

	printf("codec_bench: %d households x %d points (30 min, 2024, %s), %zu chunks (one per "
	       "%s)\n",
	       households, POINTS, index ? "index in Wh" : "load in W", c.count,
	       per_year ? "year" : "month");
	printf("  bytes/point            %8.3f   (int32: 4, %zu bytes in all)\n",
	       (double)c.off[c.count] / (double)points, c.off[c.count]);
	printf("  encode                 %8.1f M points/s\n", points / enc_s / 1e6);
	printf("  decode (chunk_decode)  %8.1f M points/s\n", points / t_dec / 1e6);
	printf("  iterate (chunk_iter)   %8.1f M points/s\n", points / t_iter / 1e6);
	printf("  int32 loop sum         %8.1f M points/s\n", points / t_loop / 1e6);
	printf("  sum, decoded           %8.1f M points/s   (%.2fx the int32 loop's time)\n",
	       points / t_sum / 1e6, t_sum / t_loop);
	printf("  sum, header            %8.1f M points/s   (%.2fx the int32 loop's time)\n",
	       points / t_hdr / 1e6, t_hdr / t_loop);
	if (s_hdr != ref || s_sum != ref || s_iter != ref) {
		fprintf(stderr, "sums differ: %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 "\n",
			ref, s_hdr, s_sum, s_iter);
		return 1;
	}
	free(vals);
	free(c.data);
	free(c.off);
	free(c.t_first);
	return 0;
}
