/*
 * series_bench.c - the benchmark of issue 3: how many bytes a year of
 * household load curve takes on disk, how fast points are ingested, and how
 * fast a city-wide sum is read, each beside a baseline in the same run.
 *
 * Run it through bench/series/run.sh, which builds the library and this
 * program. Usage:
 *
 *   series_bench [HOUSEHOLDS [STORED [ROUNDS]]]      (10000 200 5)
 *
 * The data: HOUSEHOLDS synthetic households, each a year of 30-minute mean
 * power in W (2023 in Europe/Paris: 17,520 slots), drawn from a fixed seed,
 * so every run sees the same values. A household has a base load, a morning
 * and an evening peak that move on days off (weekends, French public
 * holidays), electric heating for about a third of them driven by a shared
 * synthetic outdoor temperature, an off-peak water heater for about half,
 * appliance bursts, noise, a holiday away from home and a few gaps (missing
 * slots, from half an hour to days).
 *
 * What is measured, each timed ROUNDS times with the methods interleaved
 * (best and median kept; ratios are of the best times):
 *
 *  1. bytes per point: the encoded chunks (in memory, and as read back from
 *     the store), the person's SQLite file after VACUUM, against SQLite and
 *     PostgreSQL with one row per point and raw int32;
 *  2. ingest: chunk_encode of every household in memory; series_append of
 *     STORED households into their own person's store (one append of the
 *     year each), and of 10 households one day at a time; SQLite INSERTs of
 *     the same points one row each, and a PostgreSQL COPY of them;
 *  3. scan: the sum of every value of HOUSEHOLDS households from chunks held
 *     in memory (chunk_sum_range, chunk_decode, chunk_iter) against a plain
 *     C loop over an int32 array; from the stores of STORED households
 *     against SELECT sum(v) on a SQLite table and a PostgreSQL table of the
 *     same points. Every method's sum and count are checked against the
 *     values generated.
 *
 * A "point" is a slot with a value (gaps are not counted) everywhere, so
 * bytes per point and points per second compare the same things.
 *
 * Environment: SERIES_BENCH_PG, a conninfo, adds PostgreSQL (left out when
 * unset); SERIES_BENCH_PGDATA, the data directory of that cluster, adds the
 * server's CPU time of the COPY; SERIES_BENCH_KEEP=1 keeps the directory of
 * the person stores and SQLite files. run.sh sets the first two with a
 * throw-away cluster.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "../common/pg.h"
#include "core/buf.h"
#include "core/timeutil.h"
#include "core/tz.h"
#include "crypto/crypt.h"
#include "record/doctype.h"
#include "series/codec.h"
#include "series/series.h"
#include "store/store.h"

#define SLOTS            17520                            /* 365 days of 30-minute slots */
#define STEP_MS          1800000LL                        /* 30 minutes */
#define T0_MS            1672527600000LL                  /* 2023-01-01T00:00:00+01:00 */
#define SPAN_MS          (STEP_MS * SERIES_REGULAR_SLOTS) /* one chunk, as series.c cuts them */
#define HH_CHUNKS_MAX    16                  /* chunks of one household's year (6 at most) */
#define SEED             0x636f6d6d756e65ULL /* "commune" */
#define ROUNDS_MAX       9
#define DAILY_HOUSEHOLDS 10 /* appended one day at a time */
#define ZONE             "Europe/Paris"
#define ACTOR            "bench"

/* ---- output ------------------------------------------------------------- */

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("series_bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void check_rc(enum cmn_rc rc, const char *what)
{
	if (rc != CMN_OK)
		fail("%s: %s", what, cmn_strerror(rc));
}

static void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void progress(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("  .. ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* grouped - x with thousands separators, in one of four rotating buffers. */
static const char *grouped(uint64_t x)
{
	static char bufs[4][32];
	static int next;
	char digits[24], *out = bufs[next++ % 4];
	int n = snprintf(digits, sizeof(digits), "%" PRIu64, x), k = 0;

	for (int i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			out[k++] = ',';
		out[k++] = digits[i];
	}
	out[k] = '\0';
	return out;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- timings ------------------------------------------------------------ */

struct timing {
	double s[ROUNDS_MAX]; /* seconds of each round */
	int n;
};

static void timing_add(struct timing *t, double s)
{
	if (t->n < ROUNDS_MAX)
		t->s[t->n++] = s;
}

static double timing_best(const struct timing *t)
{
	double best = t->s[0];

	for (int i = 1; i < t->n; i++)
		best = t->s[i] < best ? t->s[i] : best;
	return best;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double timing_median(const struct timing *t)
{
	double s[ROUNDS_MAX];

	memcpy(s, t->s, sizeof(s));
	qsort(s, (size_t)t->n, sizeof(*s), cmp_double);
	return t->n % 2 ? s[t->n / 2] : (s[t->n / 2 - 1] + s[t->n / 2]) / 2;
}

/* ---- a deterministic generator ----------------------------------------- */

struct rng {
	uint64_t s; /* splitmix64 state */
};

static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* rng_unit - uniform in [0, 1). */
static double rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1p-53;
}

static double rng_range(struct rng *r, double lo, double hi)
{
	return lo + (hi - lo) * rng_unit(r);
}

/* rng_normal - about N(0, 1): the sum of four uniforms, rescaled. */
static double rng_normal(struct rng *r)
{
	double s = rng_unit(r) + rng_unit(r) + rng_unit(r) + rng_unit(r);

	return (s - 2.0) * 1.7320508075688772;
}

/* ---- the year: calendar and weather shared by every household ----------- */

struct year {
	int64_t t[SLOTS];    /* UTC ms of each slot */
	uint8_t sod[SLOTS];  /* local half-hour of the day, 0..47 */
	uint16_t day[SLOTS]; /* local day of the year, 0..364 */
	uint8_t off[SLOTS];  /* 1 on weekends and public holidays */
	float temp[SLOTS];   /* outdoor temperature, degrees C */
	float winter[366];   /* 1 in midwinter, 0 in midsummer */
};

/* French public holidays of 2023 (month, day). */
static const int holidays_2023[][2] = {
    {1, 1},  {4, 10}, {5, 1},  {5, 8},   {5, 18},  {5, 29},
    {7, 14}, {8, 15}, {11, 1}, {11, 11}, {12, 25},
};

static bool is_holiday(int64_t day_of_year)
{
	int64_t jan1 = time_days_from_civil(2023, 1, 1);

	for (size_t i = 0; i < sizeof(holidays_2023) / sizeof(*holidays_2023); i++)
		if (time_days_from_civil(2023, holidays_2023[i][0], holidays_2023[i][1]) - jan1 ==
		    day_of_year)
			return true;
	return false;
}

/*
 * year_init - the local calendar of each slot (through the zone, so the two
 * DST days have 46 and 50 slots), and a temperature: a seasonal cosine
 * (coldest mid-January), a daily cosine (warmest at 15:00) and a weather
 * anomaly that drifts from day to day.
 */
static void year_init(struct year *y)
{
	const struct tz *z = series_zone(ZONE);
	int64_t jan1 = time_days_from_civil(2023, 1, 1);
	double anomaly[366];
	struct rng r = {SEED ^ 0x7765617468657200ULL};
	double a = 0;

	if (!z)
		fail("zone %s not found", ZONE);
	for (int d = 0; d < 366; d++) {
		a = 0.75 * a + 2.2 * rng_normal(&r);
		anomaly[d] = a;
		y->winter[d] = (float)((1 + cos(2 * M_PI * (d - 15) / 365.0)) / 2);
	}
	for (int i = 0; i < SLOTS; i++) {
		int64_t t = T0_MS + (int64_t)i * STEP_MS;
		int64_t local = t + (int64_t)tz_offset(z, t) * 1000;
		int64_t days = time_floor_div(local, 86400000);
		int64_t doy = days - jan1, weekday = (days + 3) % 7; /* 0 is Monday */
		int sod = (int)((local - days * 86400000) / STEP_MS);
		double season = 12.0 - 8.0 * cos(2 * M_PI * (double)(doy - 15) / 365.0);

		if (doy < 0 || doy > 364)
			fail("slot %d falls outside 2023 (local day %" PRId64 ")", i, doy);
		y->t[i] = t;
		y->sod[i] = (uint8_t)sod;
		y->day[i] = (uint16_t)doy;
		y->off[i] = weekday >= 5 || is_holiday(doy);
		y->temp[i] = (float)(season + anomaly[doy] +
				     3.5 * cos(2 * M_PI * ((sod + 0.5) / 48.0 - 15.0 / 24.0)));
	}
}

/* ---- households --------------------------------------------------------- */

struct household {
	double routine[2][48];    /* W of the daily routine: [workday, day off][half-hour] */
	double base;              /* always-on load, W */
	double heat_gain;         /* W per degree below heat_from; 0: no electric heating */
	double heat_from;         /* degrees C */
	double boiler;            /* off-peak water heater, W; 0: none */
	double noise;             /* relative standard deviation */
	double burst_p;           /* chance per slot that an appliance starts */
	int away_from, away_days; /* a holiday away from home (day of the year) */
};

/* bump - a Gaussian bump of height 1 centred on c hours, of width w hours,
 * seen at hour h of a 24-hour circle. */
static double bump(double h, double c, double w)
{
	double d = fabs(h - c);

	d = d > 12 ? 24 - d : d;
	return exp(-0.5 * (d / w) * (d / w));
}

static void household_draw(struct household *hh, struct rng *r)
{
	double wake = rng_range(r, 6.0, 8.0), morning = rng_range(r, 250, 1000);
	double morning_w = rng_range(r, 0.6, 1.2), evening_at = rng_range(r, 18.5, 20.5);
	double evening = rng_range(r, 500, 1800), evening_w = rng_range(r, 1.2, 2.2);
	double midday = rng_range(r, 200, 900), daytime = rng_range(r, 100, 300);

	for (int s = 0; s < 48; s++) {
		double h = s / 2.0 + 0.25;

		hh->routine[0][s] = morning * bump(h, wake + 0.5, morning_w) +
				    evening * bump(h, evening_at, evening_w);
		hh->routine[1][s] =
		    morning * bump(h, wake + 2.0, morning_w * 1.5) + midday * bump(h, 12.75, 1.2) +
		    evening * bump(h, evening_at, evening_w) + (h > 9 && h < 18 ? daytime : 0);
	}
	hh->base = rng_range(r, 150, 400);
	hh->heat_gain = rng_unit(r) < 0.35 ? rng_range(r, 60, 220) : 0;
	hh->heat_from = rng_range(r, 15.5, 18.0);
	hh->boiler = rng_unit(r) < 0.45 ? rng_range(r, 1800, 3000) : 0;
	hh->noise = rng_range(r, 0.06, 0.15);
	hh->burst_p = rng_range(r, 0.02, 0.06);
	hh->away_from = rng_unit(r) < 0.85 ? (int)rng_range(r, 185, 230) : 400;
	hh->away_days = (int)rng_range(r, 7, 22);
}

/* What carries over from one slot to the next. */
struct appliance {
	int burst_left;  /* slots of the current appliance burst */
	double burst;    /* its power, W */
	int boiler_left; /* slots the water heater still runs */
};

/* household_watts - the mean power of slot i. */
static double household_watts(const struct household *hh, const struct year *y, int i,
			      struct appliance *ap, struct rng *r)
{
	int d = y->day[i], s = y->sod[i];
	bool away = d >= hh->away_from && d < hh->away_from + hh->away_days;
	double cold = hh->heat_from - y->temp[i], heat = 0, w;

	if (cold > 0 && hh->heat_gain > 0)
		heat = hh->heat_gain * cold * (s < 12 || s >= 46 ? 0.7 : 1.0);
	if (away) {
		w = 0.8 * hh->base + 0.3 * heat; /* frost guard */
	} else {
		w = hh->base + hh->routine[y->off[i]][s] * (1 + 0.35 * y->winter[d]) + heat;
		if (ap->burst_left == 0 && rng_unit(r) < hh->burst_p) {
			ap->burst = rng_range(r, 500, 2500);
			ap->burst_left = 1 + (int)(rng_next(r) % 3);
		}
		if (ap->burst_left > 0) {
			w += ap->burst;
			ap->burst_left--;
		}
	}
	if (s == 45 && hh->boiler > 0 && !away) /* 22:30, off-peak hours */
		ap->boiler_left = 3 + (int)(5 * y->winter[d]) + (int)(rng_next(r) % 3);
	if (ap->boiler_left > 0) {
		w += hh->boiler * (ap->boiler_left == 1 ? rng_unit(r) : 1.0);
		ap->boiler_left--;
	}
	w *= 1 + hh->noise * rng_normal(r);
	return w < 60 ? 60 : w > 12000 ? 12000 : w;
}

/* household_gaps - 0 to 3 missing periods: mostly an hour or two, now and
 * then a day, rarely a week. Marks them in gap (one flag per slot). */
static void household_gaps(struct rng *r, bool *gap)
{
	int n = (int)(rng_next(r) % 4);

	memset(gap, 0, SLOTS * sizeof(*gap));
	for (int g = 0; g < n; g++) {
		int start = (int)(rng_next(r) % SLOTS), len;
		double kind = rng_unit(r);

		if (kind < 0.80)
			len = 1 + (int)(rng_next(r) % 4);
		else if (kind < 0.95)
			len = 5 + (int)(rng_next(r) % 44);
		else
			len = 96 + (int)(rng_next(r) % 385);
		for (int i = start; i < start + len && i < SLOTS; i++)
			gap[i] = true;
	}
}

/* ---- the corpus: every household's values, and their encoded chunks ---- */

struct chunk_pos {
	size_t off; /* in corpus bytes */
	size_t len;
	int64_t t_first; /* its first point */
	int64_t v_first; /* that point's value */
};

struct corpus {
	const struct year *y;
	size_t households;
	int32_t *v;           /* households x SLOTS values; 0 in a gap */
	uint64_t *gaps;       /* one bit per slot, set in a gap */
	uint32_t *hh_present; /* points of each household */
	int64_t *hh_sum;      /* sum of each household's values */
	uint64_t present;     /* points of all */
	int64_t sum;          /* sum of all values: the truth */
	uint8_t *bytes;       /* the encoded chunks, household after household */
	size_t nbytes, bytes_cap;
	struct chunk_pos *chunks;
	size_t nchunks, chunks_cap;
	size_t *first_chunk; /* households + 1 entries: chunks of h are [h], [h+1] */
};

static bool gap_at(const struct corpus *c, size_t h, size_t i)
{
	size_t k = h * SLOTS + i;

	return c->gaps[k >> 6] >> (k & 63) & 1;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		fail("out of memory (%zu x %zu bytes)", n, size);
	return p;
}

static void corpus_generate(struct corpus *c, const struct year *y, size_t households)
{
	bool *gap = xcalloc(SLOTS, sizeof(*gap));

	memset(c, 0, sizeof(*c));
	c->y = y;
	c->households = households;
	c->v = xcalloc(households * SLOTS, sizeof(*c->v));
	c->gaps = xcalloc((households * SLOTS + 63) / 64, sizeof(*c->gaps));
	c->hh_present = xcalloc(households, sizeof(*c->hh_present));
	c->hh_sum = xcalloc(households, sizeof(*c->hh_sum));
	c->first_chunk = xcalloc(households + 1, sizeof(*c->first_chunk));
	for (size_t h = 0; h < households; h++) {
		struct rng r = {SEED + h * 0x9e3779b97f4a7c15ULL};
		struct appliance ap = {0, 0, 0};
		struct household hh;
		int32_t *v = c->v + h * SLOTS;

		household_draw(&hh, &r);
		household_gaps(&r, gap);
		for (int i = 0; i < SLOTS; i++) {
			size_t k = h * SLOTS + (size_t)i;
			double w = household_watts(&hh, y, i, &ap, &r);

			if (gap[i]) {
				c->gaps[k >> 6] |= (uint64_t)1 << (k & 63);
				continue;
			}
			v[i] = (int32_t)lround(w);
			c->hh_present[h]++;
			c->hh_sum[h] += v[i];
		}
		c->present += c->hh_present[h];
		c->sum += c->hh_sum[h];
	}
	free(gap);
}

static void corpus_free(struct corpus *c)
{
	free(c->v);
	free(c->gaps);
	free(c->hh_present);
	free(c->hh_sum);
	free(c->bytes);
	free(c->chunks);
	free(c->first_chunk);
	memset(c, 0, sizeof(*c));
}

/* household_points - the points of household h (gaps left out), as the
 * series service gives them to the codec. Returns their number. */
static size_t household_points(const struct corpus *c, size_t h, int64_t *t, int64_t *v)
{
	const int32_t *hv = c->v + h * SLOTS;
	size_t n = 0;

	for (size_t i = 0; i < SLOTS; i++) {
		if (gap_at(c, h, i))
			continue;
		t[n] = c->y->t[i];
		v[n++] = hv[i];
	}
	return n;
}

/* A household's year cut into chunks of SPAN_MS aligned on the epoch, the
 * way series.c cuts a series with step 30 min. */
struct hh_chunks {
	size_t k;                        /* chunks */
	size_t first[HH_CHUNKS_MAX + 1]; /* index of each chunk's first point; first[k] = n */
	size_t end[HH_CHUNKS_MAX];       /* end of each chunk in the encoding buffer */
};

static void household_split(const int64_t *t, size_t n, struct hh_chunks *hc)
{
	hc->k = 0;
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && t[i] / SPAN_MS == t[i - 1] / SPAN_MS)
			continue;
		if (hc->k == HH_CHUNKS_MAX)
			fail("a year spans more than %d chunks", HH_CHUNKS_MAX);
		hc->first[hc->k++] = i;
	}
	hc->first[hc->k] = n;
}

static void corpus_keep(struct corpus *c, size_t h, const struct hh_chunks *hc,
			const struct buf *out, const int64_t *t, const int64_t *v)
{
	size_t start = 0;

	while (c->nbytes + out->len > c->bytes_cap) {
		c->bytes_cap = c->bytes_cap ? c->bytes_cap * 2 : (size_t)64 << 20;
		c->bytes = realloc(c->bytes, c->bytes_cap);
		if (!c->bytes)
			fail("out of memory for the chunks");
	}
	if (c->nchunks + hc->k > c->chunks_cap) {
		c->chunks_cap = c->chunks_cap ? c->chunks_cap * 2 : 4096;
		c->chunks = realloc(c->chunks, c->chunks_cap * sizeof(*c->chunks));
		if (!c->chunks)
			fail("out of memory for the chunk index");
	}
	c->first_chunk[h] = c->nchunks;
	for (size_t j = 0; j < hc->k; j++) {
		struct chunk_pos *cp = &c->chunks[c->nchunks++];

		cp->off = c->nbytes + start;
		cp->len = hc->end[j] - start;
		cp->t_first = t[hc->first[j]];
		cp->v_first = v[hc->first[j]];
		start = hc->end[j];
	}
	memcpy(c->bytes + c->nbytes, out->data, out->len);
	c->nbytes += out->len;
	c->first_chunk[h + 1] = c->nchunks;
}

static size_t household_bytes(const struct corpus *c, size_t h)
{
	size_t n = 0;

	for (size_t j = c->first_chunk[h]; j < c->first_chunk[h + 1]; j++)
		n += c->chunks[j].len;
	return n;
}

/*
 * corpus_encode - one ingest round: chunk_encode of every household, one
 * call per chunk, timed around the calls only (building the input arrays
 * from the int32 values is not the codec's work). The first round keeps
 * the chunks; the next ones check they get the same bytes.
 */
static double corpus_encode(struct corpus *c, bool keep, int64_t *t, int64_t *v, struct buf *out)
{
	double spent = 0;

	for (size_t h = 0; h < c->households; h++) {
		size_t n = household_points(c, h, t, v);
		enum cmn_rc rc = CMN_OK;
		struct hh_chunks hc;
		double t0;

		household_split(t, n, &hc);
		buf_reset(out);
		t0 = now_s();
		for (size_t j = 0; j < hc.k && rc == CMN_OK; j++) {
			size_t a = hc.first[j];

			rc = chunk_encode(t + a, v + a, hc.first[j + 1] - a, STEP_MS, out);
			hc.end[j] = out->len;
		}
		spent += now_s() - t0;
		check_rc(rc, "chunk_encode");
		if (!keep && out->len != household_bytes(c, h))
			fail("household %zu: chunk_encode gave %zu bytes this time", h, out->len);
		if (keep) {
			corpus_keep(c, h, &hc, out, t, v);
		} else {
			const struct chunk_pos *cp = &c->chunks[c->first_chunk[h]];

			if (memcmp(out->data, c->bytes + cp->off, out->len) != 0)
				fail("household %zu: chunk_encode gave other bytes this time", h);
		}
	}
	return spent;
}

/* ---- summing one chunk, four ways --------------------------------------- */

struct total {
	int64_t sum;
	uint64_t count; /* points summed; 0 when the method cannot tell */
};

struct scratch {
	int64_t *t, *v; /* CHUNK_MAX_POINTS each, for chunk_decode */
};

typedef enum cmn_rc (*chunk_fn)(const uint8_t *p, size_t len, const struct chunk_pos *cp,
				struct scratch *s, struct total *tot);

/* sum_header - chunk_sum_range over the whole chunk: after the checksum it
 * answers from the summary in the header. */
static enum cmn_rc sum_header(const uint8_t *p, size_t len, const struct chunk_pos *cp,
			      struct scratch *s, struct total *tot)
{
	struct chunk_agg a;
	enum cmn_rc rc = chunk_sum_range(p, len, INT64_MIN, INT64_MAX, &a);

	(void)cp;
	(void)s;
	tot->sum += a.sum;
	tot->count += a.count;
	return rc;
}

/* sum_decoded - chunk_sum_range from just after the first point: every
 * other value is decoded. The first value, known from the input, is added
 * so that the total can be checked. */
static enum cmn_rc sum_decoded(const uint8_t *p, size_t len, const struct chunk_pos *cp,
			       struct scratch *s, struct total *tot)
{
	struct chunk_agg a;
	enum cmn_rc rc = chunk_sum_range(p, len, cp->t_first + 1, INT64_MAX, &a);

	(void)s;
	tot->sum += a.sum + cp->v_first;
	tot->count += a.count + 1;
	return rc;
}

/* sum_decode - chunk_decode into arrays, then a loop over the slots. */
static enum cmn_rc sum_decode(const uint8_t *p, size_t len, const struct chunk_pos *cp,
			      struct scratch *s, struct total *tot)
{
	size_t n = 0;
	enum cmn_rc rc = chunk_decode(p, len, s->t, s->v, CHUNK_MAX_POINTS, &n);

	(void)cp;
	for (size_t i = 0; i < n; i++) {
		if (s->v[i] == SERIES_GAP)
			continue;
		tot->sum += s->v[i];
		tot->count++;
	}
	return rc;
}

/* sum_iter - the streaming decoder, one slot at a time. */
static enum cmn_rc sum_iter(const uint8_t *p, size_t len, const struct chunk_pos *cp,
			    struct scratch *s, struct total *tot)
{
	struct chunk_iter it;
	enum cmn_rc rc = chunk_iter_init(&it, p, len);
	int64_t t, v;
	int got = 0;

	(void)cp;
	(void)s;
	while (rc == CMN_OK && (got = chunk_iter_next(&it, &t, &v)) == 1) {
		if (v == SERIES_GAP)
			continue;
		tot->sum += v;
		tot->count++;
	}
	return rc == CMN_OK && got < 0 ? CMN_ERR_CORRUPT : rc;
}

/* ---- scans in memory ---------------------------------------------------- */

/* scan_loop - the baseline: a plain C loop over the int32 values (a gap
 * holds 0, so the sum is the same). */
static double scan_loop(const struct corpus *c, struct total *tot)
{
	const int32_t *v = c->v;
	size_t n = c->households * SLOTS;
	int64_t sum = 0;
	double t0 = now_s();

	for (size_t i = 0; i < n; i++)
		sum += v[i];
	tot->sum = sum;
	tot->count = 0;
	return now_s() - t0;
}

static double scan_chunks(const struct corpus *c, chunk_fn fn, struct scratch *s, struct total *tot)
{
	enum cmn_rc rc = CMN_OK;
	double t0 = now_s();

	for (size_t i = 0; i < c->nchunks && rc == CMN_OK; i++) {
		const struct chunk_pos *cp = &c->chunks[i];

		rc = fn(c->bytes + cp->off, cp->len, cp, s, tot);
	}
	check_rc(rc, "scan of the chunks in memory");
	return now_s() - t0;
}

enum { MEM_LOOP, MEM_HEADER, MEM_DECODED, MEM_DECODE, MEM_ITER, MEM_METHODS };

static const struct mem_method {
	const char *name;
	chunk_fn fn; /* NULL: the int32 loop */
} mem_methods[MEM_METHODS] = {
    {"plain C loop over int32[] (baseline)", NULL},
    {"chunk_sum_range, whole chunks (header sum)", sum_header},
    {"chunk_sum_range, values decoded", sum_decoded},
    {"chunk_decode + loop", sum_decode},
    {"chunk_iter (streaming)", sum_iter},
};

static void check_total(const char *what, const struct total *got, int64_t sum, uint64_t count)
{
	if (got->sum != sum || (got->count && got->count != count))
		fail("%s: sum %" PRId64 " count %" PRIu64 ", expected %" PRId64 " and %" PRIu64,
		     what, got->sum, got->count, sum, count);
}

/* ---- SQLite, one row per point ----------------------------------------- */

static void sql_exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail("sqlite: %s: %s", sql, err ? err : "?");
}

static int64_t sql_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t x = 0;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail("sqlite: %s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		x = sqlite3_column_int64(st, 0);
	else
		fail("sqlite: %s: %s", sql, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return x;
}

static sqlite3 *sql_open(const char *path)
{
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK)
		fail("sqlite: cannot open %s", path);
	return db;
}

/* The size of a database file and of one of its tables, after VACUUM. */
struct file_bytes {
	int64_t file;  /* page_count * page_size */
	int64_t table; /* pages of the table (dbstat) */
	int64_t audit; /* pages of the audit table, if any */
};

static void file_measure(const char *path, const char *table, struct file_bytes *fb)
{
	sqlite3 *db = sql_open(path);
	char q[160];

	sql_exec(db, "VACUUM");
	sql_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
	fb->file = sql_int(db, "PRAGMA page_count") * sql_int(db, "PRAGMA page_size");
	snprintf(q, sizeof(q), "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name = '%s'",
		 table);
	fb->table = sql_int(db, q);
	fb->audit = sql_int(db, "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name = 'audit'");
	sqlite3_close(db);
}

/*
 * sql_load - the points of households [0, n) into a new table of path:
 * with one household, points(t INTEGER PRIMARY KEY, v) (the rowid is the
 * time: SQLite's most compact form); with several, points(hh, t, v) keyed
 * by (hh, t) WITHOUT ROWID. One transaction, one prepared INSERT; WAL and
 * synchronous=NORMAL as in the person stores. Returns the seconds.
 */
static double sql_load(const char *path, const struct corpus *c, size_t n)
{
	sqlite3 *db = sql_open(path);
	sqlite3_stmt *st;
	double t0;

	sql_exec(db, "PRAGMA journal_mode=WAL");
	sql_exec(db, "PRAGMA synchronous=NORMAL");
	sql_exec(db, n == 1 ? "CREATE TABLE points (t INTEGER PRIMARY KEY, v INTEGER NOT NULL)"
			    : "CREATE TABLE points (hh INTEGER NOT NULL, t INTEGER NOT NULL,"
			      " v INTEGER NOT NULL, PRIMARY KEY (hh, t)) WITHOUT ROWID");
	if (sqlite3_prepare_v2(db,
			       n == 1 ? "INSERT INTO points (t, v) VALUES (?2, ?3)"
				      : "INSERT INTO points (hh, t, v) VALUES (?1, ?2, ?3)",
			       -1, &st, NULL) != SQLITE_OK)
		fail("sqlite: %s", sqlite3_errmsg(db));
	t0 = now_s();
	sql_exec(db, "BEGIN");
	for (size_t h = 0; h < n; h++) {
		for (size_t i = 0; i < SLOTS; i++) {
			if (gap_at(c, h, i))
				continue;
			sqlite3_bind_int64(st, 1, (int64_t)h);
			sqlite3_bind_int64(st, 2, c->y->t[i]);
			sqlite3_bind_int64(st, 3, c->v[h * SLOTS + i]);
			if (sqlite3_step(st) != SQLITE_DONE)
				fail("sqlite insert: %s", sqlite3_errmsg(db));
			sqlite3_reset(st);
		}
	}
	sql_exec(db, "COMMIT");
	t0 = now_s() - t0;
	sqlite3_finalize(st);
	sqlite3_close(db);
	return t0;
}

/* sql_sum - SELECT sum(v) FROM points, timed; the count is asked apart. */
static double sql_sum(sqlite3 *db, struct total *tot)
{
	double t0 = now_s();

	tot->sum = sql_int(db, "SELECT sum(v) FROM points");
	t0 = now_s() - t0;
	tot->count = 0;
	return t0;
}

/* ---- PostgreSQL, one row per point ------------------------------------- */

/* What pg_load measured. */
struct pg_ingest {
	double s;      /* BEGIN to COMMIT */
	double key;    /* of which the primary key */
	double commit; /* and the COMMIT */
	double client; /* CPU seconds of this process meanwhile */
	double server; /* CPU seconds of the backend, connection to exit; < 0: unknown */
	int64_t wal;   /* bytes of WAL inserted meanwhile */
};

/* cpu_s - the CPU time of this process. */
static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* pg_reaped - waits (5 s at most) until the postmaster has reaped the
 * backend pid: only then is the backend's CPU time in its children's. */
static void pg_reaped(int pid)
{
	for (int i = 0; i < 500 && (kill(pid, 0) == 0 || errno == EPERM); i++)
		usleep(10000);
}

/*
 * pg_load - the points of households [0, n) into a new table of the
 * PostgreSQL database of conninfo, the rows of sql_load: with one household
 * points_one(t bigint PRIMARY KEY, v), with several points(hh, t, v) keyed
 * by (hh, t). The table is created in the transaction of its COPY, so that
 * with wal_level=minimal the load writes no WAL and COMMIT syncs the
 * table's files instead: PostgreSQL's documented bulk load. That sync is
 * in the time, where sql_load's COMMIT (synchronous=NORMAL) leaves its WAL
 * unsynced. The primary key is made after the COPY, by one sort in
 * maintenance_work_mem: at 200 households on 2 vCPUs, 2.1 s in all against
 * 3.1 s with the key made before (the COPY then inserting every row into
 * it), for the same bytes.
 * This process formats the rows while the backend parses the previous ones
 * on the other core, so the CPU of both is kept (the server's when pgdata,
 * the cluster's data directory, is given). Its own connection: the
 * backend's CPU is known once it has exited.
 */
static void pg_load(const char *conninfo, const char *pgdata, const struct corpus *c, size_t n,
		    struct pg_ingest *pi)
{
	static struct pgb_copy cp;
	double server = pgdata ? pgb_postmaster_cpu_s(pgdata) : -1, t0, t1, cpu0;
	PGconn *pc = pgb_connect(conninfo);
	int64_t rows, points = 0;
	int pid = PQbackendPID(pc);

	pi->wal = pgb_int(pc, "SELECT pg_current_wal_insert_lsn() - '0/0'");
	t0 = now_s();
	cpu0 = cpu_s();
	pgb_exec(pc, "BEGIN");
	pgb_exec(pc, n == 1 ? "CREATE TABLE points_one (t bigint NOT NULL, v integer NOT NULL)"
			    : "CREATE TABLE points (hh integer NOT NULL, t bigint NOT NULL,"
			      " v integer NOT NULL)");
	pgb_copy_begin(&cp, pc,
		       n == 1 ? "COPY points_one (t, v) FROM STDIN"
			      : "COPY points (hh, t, v) FROM STDIN");
	for (size_t h = 0; h < n; h++) {
		for (size_t i = 0; i < SLOTS; i++) {
			int64_t row[3] = {(int64_t)h, c->y->t[i], 0};

			if (gap_at(c, h, i))
				continue;
			row[2] = c->v[h * SLOTS + i];
			pgb_copy_ints(&cp, n == 1 ? row + 1 : row, n == 1 ? 2 : 3);
			points++;
		}
	}
	if ((rows = pgb_copy_end(&cp)) != points)
		fail("postgres: COPY took %" PRId64 " of %" PRId64 " points", rows, points);
	t1 = now_s();
	pgb_exec(pc, n == 1 ? "ALTER TABLE points_one ADD PRIMARY KEY (t)"
			    : "ALTER TABLE points ADD PRIMARY KEY (hh, t)");
	pi->key = now_s() - t1;
	t1 = now_s();
	pgb_exec(pc, "COMMIT");
	pi->commit = now_s() - t1;
	pi->s = now_s() - t0;
	pi->client = cpu_s() - cpu0;
	pi->wal = pgb_int(pc, "SELECT pg_current_wal_insert_lsn() - '0/0'") - pi->wal;
	PQfinish(pc);
	pg_reaped(pid);
	pi->server = server >= 0 ? pgb_postmaster_cpu_s(pgdata) - server : -1;
}

/* pg_sum - sql_sum in PostgreSQL (one round trip on loopback, tens of
 * microseconds, is in the time). */
static double pg_sum(PGconn *pc, struct total *tot)
{
	double t0 = now_s();

	tot->sum = pgb_int(pc, "SELECT sum(v) FROM points");
	t0 = now_s() - t0;
	tot->count = 0;
	return t0;
}

/* ---- the person stores -------------------------------------------------- */

struct bench_store {
	char dir[128];
	struct keyring keys;
	struct store *s;
	struct registry reg;
	char pwhash[CRYPT_PWHASH_LEN];
};

/* A household as a person of the platform, with its load curve series. */
struct resident {
	char id[CRYPT_ID_LEN]; /* person id */
	size_t h;              /* household in the corpus */
	struct series_def def; /* meta released */
};

static void bench_store_open(struct bench_store *b)
{
	char path[256], err[256];

	check_rc(crypt_init(), "crypt_init");
	snprintf(b->dir, sizeof(b->dir), "/tmp/commune-series-bench-XXXXXX");
	if (!mkdtemp(b->dir))
		fail("mkdtemp failed");
	snprintf(path, sizeof(path), "%s/master.key", b->dir);
	check_rc(keyring_open(&b->keys, path, KEYRING_CREATE), "keyring_open");
	check_rc(store_open(&b->s, b->dir, &b->keys), "store_open");
	if (registry_load(&b->reg, err, sizeof(err)) != CMN_OK)
		fail("registry_load: %s", err);
	check_rc(registry_sync(&b->reg, b->s), "registry_sync");
	check_rc(crypt_password_hash("bench password 0123456789", b->pwhash), "password hash");
}

/* bench_store_path - the SQLite file of a person, as src/store/sqlite lays
 * them out (DIR/persons/XX/ID.db); checked to exist. */
static void bench_store_path(const struct bench_store *b, const char *id, char *out, size_t n)
{
	int len = snprintf(out, n, "%s/persons/%.2s/%s.db", b->dir, id, id);

	if (len < 0 || (size_t)len >= n || access(out, R_OK | W_OK) != 0)
		fail("no store file at %s (has the layout of src/store/sqlite changed?)", out);
}

static void bench_store_close(struct bench_store *b)
{
	char cmd[200];

	if (b->s)
		store_close(&b->s);
	registry_release(&b->reg);
	keyring_release(&b->keys);
	if (getenv("SERIES_BENCH_KEEP")) {
		fprintf(stderr, "series_bench: kept %s\n", b->dir);
		return;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", b->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "series_bench: could not remove %s\n", b->dir);
}

static void resident_add(struct bench_store *b, const char *handle, size_t h, bool with_series,
			 struct resident *res)
{
	struct person p;
	struct pstore *ps;
	const char *why = "";
	enum cmn_rc rc;

	memset(res, 0, sizeof(*res));
	res->h = h;
	check_rc(store_person_add(b->s, handle, "resident", NULL, b->pwhash, &p),
		 "store_person_add");
	memcpy(res->id, p.id, sizeof(res->id));
	/* opening the store creates the field indexes of the registry: an
	 * empty store is only a fair reference once opened */
	check_rc(store_person_store(b->s, res->id, &ps), "store_person_store");
	if (!with_series)
		return;
	snprintf(res->def.doctype, sizeof(res->def.doctype), "energy.electricity.load_curve");
	snprintf(res->def.source, sizeof(res->def.source), "enedis");
	snprintf(res->def.key, sizeof(res->def.key), "%014zu", 30000000000000 + h);
	snprintf(res->def.unit, sizeof(res->def.unit), "W");
	snprintf(res->def.tz, sizeof(res->def.tz), ZONE);
	res->def.step = STEP_MS;
	res->def.meta = malloc(sizeof(res->def.key) + 16);
	if (!res->def.meta)
		fail("out of memory");
	snprintf(res->def.meta, sizeof(res->def.key) + 16, "{\"prm\":\"%s\"}", res->def.key);
	rc = series_create(ps, &b->reg, &res->def, ACTOR, &why);
	if (rc != CMN_OK)
		fail("series_create: %s (%s)", cmn_strerror(rc), why);
	series_def_release(&res->def);
}

/* resident_append - series_append of the points of slots [from, to) of
 * the resident's household in one call; returns the seconds of the call. */
static double resident_append(struct bench_store *b, const struct resident *res,
			      const struct corpus *c, size_t from, size_t to,
			      struct series_point *pts, struct series_write *w)
{
	struct pstore *ps;
	const char *why = "";
	size_t n = 0;
	enum cmn_rc rc;
	double t0;

	for (size_t i = from; i < to; i++) {
		if (gap_at(c, res->h, i))
			continue;
		pts[n].t = c->y->t[i];
		pts[n++].v = c->v[res->h * SLOTS + i];
	}
	check_rc(store_person_store(b->s, res->id, &ps), "store_person_store");
	t0 = now_s();
	rc = series_append(ps, &res->def, pts, n, ACTOR, w, &why);
	t0 = now_s() - t0;
	if (rc != CMN_OK)
		fail("series_append: %s (%s)", cmn_strerror(rc), why);
	return t0;
}

/* A store method sums the resident's year from its open store. */
struct store_ctx {
	const struct corpus *c;
	const struct resident *res;
	struct scratch *s;
	struct total *tot;
	chunk_fn fn; /* for the chunk methods */
	size_t j;    /* chunks seen */
};

typedef enum cmn_rc (*store_fn)(struct pstore *ps, struct store_ctx *x);

static enum cmn_rc store_chunk(const struct chunk_ref *r, void *pv)
{
	struct store_ctx *x = pv;
	size_t k = x->c->first_chunk[x->res->h] + x->j++;

	if (k >= x->c->first_chunk[x->res->h + 1] || x->c->chunks[k].t_first != r->t_first)
		return CMN_ERR_INTERNAL; /* not the chunks encoded in memory */
	return x->fn(r->data, r->len, &x->c->chunks[k], x->s, x->tot);
}

static enum cmn_rc store_open_only(struct pstore *ps, struct store_ctx *x)
{
	(void)ps;
	(void)x;
	return CMN_OK;
}

static enum cmn_rc store_chunks(struct pstore *ps, struct store_ctx *x)
{
	return pstore_chunks_each(ps, &x->res->def, INT64_MIN, INT64_MAX, store_chunk, x);
}

static enum cmn_rc add_point(int64_t t, int64_t v, void *pv)
{
	struct total *tot = pv;

	(void)t;
	tot->sum += v;
	tot->count++;
	return CMN_OK;
}

static enum cmn_rc store_scan(struct pstore *ps, struct store_ctx *x)
{
	return series_scan(ps, &x->res->def, INT64_MIN, INT64_MAX, add_point, x->tot);
}

static enum cmn_rc add_bucket(const struct bucket *bk, void *pv)
{
	struct total *tot = pv;

	tot->sum += bk->sum;
	tot->count += bk->count;
	return CMN_OK;
}

static enum cmn_rc store_aggregate(struct pstore *ps, struct store_ctx *x)
{
	struct bucket_spec spec;
	enum cmn_rc rc = bucket_parse("month", &spec);

	if (rc == CMN_OK)
		rc = series_aggregate(ps, &x->res->def, INT64_MIN, INT64_MAX, &spec, add_bucket,
				      x->tot);
	return rc;
}

enum { ST_SQLITE, ST_POSTGRES, ST_OPEN, ST_HEADER, ST_DECODED, ST_SCAN, ST_AGG, ST_METHODS };

static const struct store_method {
	const char *name;
	store_fn fn; /* NULL: a baseline, SQLite or (pg) PostgreSQL */
	chunk_fn chunk;
	bool pg;
} store_methods[ST_METHODS] = {
    {"SQLite SELECT sum(v), one row per point (baseline)", NULL, NULL, false},
    {"PostgreSQL SELECT sum(v), one row per point", NULL, NULL, true},
    {"store_person_store only (in each row below)", store_open_only, NULL, false},
    {"pstore_chunks_each + chunk_sum_range, header", store_chunks, sum_header, false},
    {"pstore_chunks_each + chunk_sum_range, decoded", store_chunks, sum_decoded, false},
    {"series_scan (chunk_iter, a callback per point)", store_scan, NULL, false},
    {"series_aggregate, bucket=month", store_aggregate, NULL, false},
};

/* store_round - the method over every resident; returns the seconds, and
 * in *work the part spent after store_person_store (reading, not opening:
 * with more residents than CMN_PERSON_CACHE, each pass reopens them all). */
static double store_round(struct bench_store *b, const struct resident *res, size_t n,
			  const struct corpus *c, const struct store_method *m, struct scratch *s,
			  struct total *tot, double *work)
{
	enum cmn_rc rc = CMN_OK;
	double t0 = now_s();

	*work = 0;
	for (size_t i = 0; i < n && rc == CMN_OK; i++) {
		struct store_ctx x = {c, &res[i], s, tot, m->chunk, 0};
		struct pstore *ps;
		double t1;

		rc = store_person_store(b->s, res[i].id, &ps);
		t1 = now_s();
		if (rc == CMN_OK)
			rc = m->fn(ps, &x);
		*work += now_s() - t1;
	}
	check_rc(rc, m->name);
	return now_s() - t0;
}

/* store_chunk_bytes - the chunk bytes of a resident's series as the store
 * gives them back, appended to out when out is not NULL. */
struct bytes_ctx {
	uint64_t n;
	struct buf *out;
};

static enum cmn_rc count_chunk(const struct chunk_ref *r, void *pv)
{
	struct bytes_ctx *x = pv;

	x->n += r->len;
	return x->out ? buf_append(x->out, r->data, r->len) : CMN_OK;
}

static uint64_t store_chunk_bytes(struct bench_store *b, const struct resident *res,
				  struct buf *out)
{
	struct bytes_ctx x = {0, out};
	struct pstore *ps;

	check_rc(store_person_store(b->s, res->id, &ps), "store_person_store");
	check_rc(pstore_chunks_each(ps, &res->def, INT64_MIN, INT64_MAX, count_chunk, &x),
		 "pstore_chunks_each");
	return x.n;
}

/* ---- the run ------------------------------------------------------------ */

struct results {
	/* 1. bytes */
	double hh0_chunks, all_chunks, hh_min, hh_median, hh_max;
	double store_chunks, hh0_file, hh0_marginal, stored_file, stored_marginal, stored_table;
	double daily_file, daily_audit, bulk10_marginal;
	double sqlite_one, sqlite_many;
	double pg_one, pg_many, pg_heap; /* PostgreSQL, when pg */
	int64_t empty_store;
	/* 2. ingest (seconds) */
	struct timing encode;
	double append_bulk, append_daily, reimport, sqlite_insert;
	struct pg_ingest pg_copy;
	uint64_t daily_points, daily_calls, stored_points;
	/* 3. scan */
	struct timing mem[MEM_METHODS], st[ST_METHODS];
	struct timing st_work[ST_METHODS]; /* the part after opening the stores */
	struct total mem_tot[MEM_METHODS], st_tot[ST_METHODS];
	int64_t stored_sum;
	bool pg;             /* PostgreSQL was run */
	char pg_version[64]; /* its server_version */
};

/* print_row - a timed method: best and median times, points per second,
 * its time per point over the loop's and SQLite's over its own. */
static void print_row(const char *name, const struct timing *t, double points, double loop_per,
		      double sql_per)
{
	double best = timing_best(t), per = best / points;

	printf("  %-52s %9.1f ms %9.1f ms %8.1f M/s %8.2fx %8.1fx\n", name, best * 1e3,
	       timing_median(t) * 1e3, points / best / 1e6, per / loop_per, sql_per / per);
}

static int cmp_double_rev(const void *a, const void *b)
{
	return -cmp_double(a, b);
}

static void measure_memory(struct corpus *c, struct results *r, int rounds)
{
	int64_t *t = xcalloc(CHUNK_MAX_POINTS, sizeof(*t));
	int64_t *v = xcalloc(CHUNK_MAX_POINTS, sizeof(*v));
	struct scratch s = {t, v};
	struct buf out;

	buf_init(&out, (size_t)64 << 20);
	for (int k = 0; k < rounds; k++) {
		timing_add(&r->encode, corpus_encode(c, k == 0, t, v, &out));
		progress("encode round %d: %.2f s", k + 1, r->encode.s[k]);
	}
	buf_release(&out);
	for (int k = 0; k < rounds; k++) {
		for (int m = 0; m < MEM_METHODS; m++) {
			struct total tot = {0, 0};

			if (mem_methods[m].fn)
				timing_add(&r->mem[m], scan_chunks(c, mem_methods[m].fn, &s, &tot));
			else
				timing_add(&r->mem[m], scan_loop(c, &tot));
			check_total(mem_methods[m].name, &tot, c->sum, c->present);
			r->mem_tot[m] = tot;
		}
		progress(
		    "scan round %d: loop %.0f ms, header %.0f ms, decoded %.0f ms, decode %.0f ms,"
		    " iter %.0f ms",
		    k + 1, r->mem[0].s[k] * 1e3, r->mem[1].s[k] * 1e3, r->mem[2].s[k] * 1e3,
		    r->mem[3].s[k] * 1e3, r->mem[4].s[k] * 1e3);
	}
	free(t);
	free(v);
}

static void measure_bytes_memory(const struct corpus *c, struct results *r)
{
	double *per = xcalloc(c->households, sizeof(*per));

	for (size_t h = 0; h < c->households; h++)
		per[h] = (double)household_bytes(c, h) / c->hh_present[h];
	r->hh0_chunks = per[0];
	r->all_chunks = (double)c->nbytes / (double)c->present;
	qsort(per, c->households, sizeof(*per), cmp_double_rev);
	r->hh_max = per[0];
	r->hh_min = per[c->households - 1];
	r->hh_median = per[c->households / 2];
	free(per);
}

static uint64_t subset_present(const struct corpus *c, size_t n, int64_t *sum)
{
	uint64_t p = 0;

	*sum = 0;
	for (size_t h = 0; h < n; h++) {
		p += c->hh_present[h];
		*sum += c->hh_sum[h];
	}
	return p;
}

/*
 * measure_store - the person stores: STORED residents appended a year at
 * once, DAILY_HOUSEHOLDS more (the same households) appended a day at a
 * time, one empty person as the reference size; then the scans, side by
 * side with SQLite on the same points, and with PostgreSQL when pg (a
 * conninfo) is given, pgdata its data directory or NULL; then the files,
 * vacuumed.
 */
static void measure_store(const struct corpus *c, size_t stored, struct results *r, int rounds,
			  const char *pg, const char *pgdata)
{
	struct series_point *pts = xcalloc(SLOTS, sizeof(*pts));
	struct resident *res = xcalloc(stored, sizeof(*res));
	struct resident daily[DAILY_HOUSEHOLDS], empty;
	int64_t *t = xcalloc(CHUNK_MAX_POINTS, sizeof(*t));
	int64_t *v = xcalloc(CHUNK_MAX_POINTS, sizeof(*v));
	struct scratch s = {t, v};
	struct bench_store b;
	struct series_write w;
	char path[320], handle[32];
	uint64_t present, mem_bytes = 0, st_bytes = 0;
	int64_t sum;
	sqlite3 *db;
	PGconn *pc = NULL;
	double t0;

	present = subset_present(c, stored, &sum);
	r->stored_points = present;
	r->stored_sum = sum;
	bench_store_open(&b);
	t0 = now_s();
	resident_add(&b, "empty", 0, false, &empty);
	for (size_t i = 0; i < stored; i++) {
		snprintf(handle, sizeof(handle), "h%05zu", i);
		resident_add(&b, handle, i, true, &res[i]);
	}
	for (size_t i = 0; i < DAILY_HOUSEHOLDS; i++) {
		snprintf(handle, sizeof(handle), "d%05zu", i);
		resident_add(&b, handle, i, true, &daily[i]);
	}
	progress("%zu persons and series created in %.1f s", stored + DAILY_HOUSEHOLDS + 1,
		 now_s() - t0);

	/* ingest: a year per append; a re-import of it; a day per append */
	for (size_t i = 0; i < stored; i++) {
		r->append_bulk += resident_append(&b, &res[i], c, 0, SLOTS, pts, &w);
		if (w.added != c->hh_present[i] || w.replaced || w.unchanged)
			fail("household %zu: series_append added %" PRIu64 " of %u points", i,
			     w.added, c->hh_present[i]);
	}
	r->reimport = resident_append(&b, &res[0], c, 0, SLOTS, pts, &w);
	if (w.added || w.replaced || w.unchanged != c->hh_present[0])
		fail("re-import: added %" PRIu64 ", replaced %" PRIu64 ", unchanged %" PRIu64,
		     w.added, w.replaced, w.unchanged);
	for (size_t i = 0; i < DAILY_HOUSEHOLDS && i < stored; i++) {
		for (size_t d = 0; d < SLOTS / 48; d++) {
			r->append_daily +=
			    resident_append(&b, &daily[i], c, d * 48, d * 48 + 48, pts, &w);
			r->daily_points += w.added;
			r->daily_calls++;
		}
	}
	progress("series_append: %.2f s for %zu years, %.2f s for %" PRIu64 " daily appends",
		 r->append_bulk, stored, r->append_daily, r->daily_calls);

	/* the store gives back the chunks encoded in memory, whichever way they came */
	for (size_t i = 0; i < stored; i++) {
		mem_bytes += household_bytes(c, i);
		st_bytes += store_chunk_bytes(&b, &res[i], NULL);
	}
	if (mem_bytes != st_bytes)
		fail("the store holds %" PRIu64 " chunk bytes, the codec made %" PRIu64, st_bytes,
		     mem_bytes);
	r->store_chunks = (double)st_bytes / (double)present;
	for (size_t i = 0; i < DAILY_HOUSEHOLDS && i < stored; i++) {
		struct buf one, other;

		buf_init(&one, (size_t)1 << 26);
		buf_init(&other, (size_t)1 << 26);
		store_chunk_bytes(&b, &res[i], &one);
		store_chunk_bytes(&b, &daily[i], &other);
		if (one.len != other.len || memcmp(one.data, other.data, one.len) != 0)
			fail("household %zu: daily appends left other chunks than one append", i);
		buf_release(&one);
		buf_release(&other);
	}

	/* SQLite, one row per point: one household, then all the stored ones */
	snprintf(path, sizeof(path), "%s/sqlite-one.db", b.dir);
	sql_load(path, c, 1);
	snprintf(path, sizeof(path), "%s/sqlite-many.db", b.dir);
	r->sqlite_insert = sql_load(path, c, stored);
	progress("SQLite: %s rows inserted in %.2f s", grouped(present), r->sqlite_insert);
	db = sql_open(path);
	sql_exec(db, "PRAGMA cache_size=-1048576"); /* 1 GB: the table stays in memory */
	if ((uint64_t)sql_int(db, "SELECT count(*) FROM points") != present)
		fail("SQLite holds another number of points");

	/* PostgreSQL, the same two tables, vacuumed (every row frozen, so no
	 * scan sets hint bits) and measured before the scans */
	if (pg) {
		struct pg_ingest one;

		pg_load(pg, NULL, c, 1, &one);
		pg_load(pg, pgdata, c, stored, &r->pg_copy);
		progress("PostgreSQL: %s rows copied in %.2f s", grouped(present), r->pg_copy.s);
		pc = pgb_connect(pg);
		snprintf(r->pg_version, sizeof(r->pg_version), "%s",
			 PQparameterStatus(pc, "server_version"));
		pgb_exec(pc, "VACUUM (FREEZE, ANALYZE) points_one, points");
		r->pg_one = (double)pgb_int(pc, "SELECT pg_total_relation_size('points_one')") /
			    c->hh_present[0];
		r->pg_many = (double)pgb_int(pc, "SELECT pg_total_relation_size('points')") /
			     (double)present;
		r->pg_heap =
		    (double)pgb_int(pc, "SELECT pg_relation_size('points')") / (double)present;
		if ((uint64_t)pgb_int(pc, "SELECT count(*) FROM points") != present)
			fail("PostgreSQL holds another number of points");
		/* untimed, the table into shared_buffers as SQLite's into its
		 * cache: a heap under a quarter of shared_buffers (about 180 MB
		 * at 200 households, of 1 GB) stays there; a larger one would
		 * go through a ring of 256 kB, read again from the kernel's
		 * page cache by every scan */
		pgb_int(pc, "SELECT sum(v) FROM points");
		r->pg = true;
	}

	/* the scans, interleaved */
	for (int k = 0; k < rounds; k++) {
		char pg_ms[32] = "";

		for (int m = 0; m < ST_METHODS; m++) {
			const struct store_method *sm = &store_methods[m];
			struct total tot = {0, 0};
			double work = 0;

			if (sm->pg && !pc)
				continue;
			if (!sm->fn)
				work = sm->pg ? pg_sum(pc, &tot) : sql_sum(db, &tot);
			timing_add(&r->st[m],
				   sm->fn ? store_round(&b, res, stored, c, sm, &s, &tot, &work)
					  : work);
			timing_add(&r->st_work[m], work);
			if (m != ST_OPEN)
				check_total(sm->name, &tot, sum, present);
			r->st_tot[m] = tot;
		}
		if (pc)
			snprintf(pg_ms, sizeof(pg_ms), ", PostgreSQL %.0f ms",
				 r->st[ST_POSTGRES].s[k] * 1e3);
		progress("store round %d: SQLite %.0f ms%s, open %.0f ms, header %.0f ms, decoded"
			 " %.0f ms, series_scan %.0f ms, series_aggregate %.0f ms",
			 k + 1, r->st[ST_SQLITE].s[k] * 1e3, pg_ms, r->st[ST_OPEN].s[k] * 1e3,
			 r->st[ST_HEADER].s[k] * 1e3, r->st[ST_DECODED].s[k] * 1e3,
			 r->st[ST_SCAN].s[k] * 1e3, r->st[ST_AGG].s[k] * 1e3);
	}
	sqlite3_close(db);
	PQfinish(pc);

	/* the files, vacuumed (the store closed first) */
	store_close(&b.s);
	{
		struct file_bytes fb, e;
		int64_t files = 0, tables = 0, daily_files = 0, daily_audit = 0, bulk10 = 0;
		uint64_t p10 = 0;

		bench_store_path(&b, empty.id, path, sizeof(path));
		file_measure(path, "chunks", &e);
		r->empty_store = e.file;
		for (size_t i = 0; i < stored; i++) {
			bench_store_path(&b, res[i].id, path, sizeof(path));
			file_measure(path, "chunks", &fb);
			files += fb.file;
			tables += fb.table;
			if (i == 0) {
				r->hh0_file = (double)fb.file / c->hh_present[0];
				r->hh0_marginal = (double)(fb.file - e.file) / c->hh_present[0];
			}
			if (i < DAILY_HOUSEHOLDS) {
				bulk10 += fb.file - e.file;
				p10 += c->hh_present[i];
			}
		}
		for (size_t i = 0; i < DAILY_HOUSEHOLDS && i < stored; i++) {
			bench_store_path(&b, daily[i].id, path, sizeof(path));
			file_measure(path, "chunks", &fb);
			daily_files += fb.file - e.file;
			daily_audit += fb.audit - e.audit;
		}
		r->stored_file = (double)files / (double)present;
		r->stored_marginal = (double)(files - (int64_t)stored * e.file) / (double)present;
		r->stored_table = (double)tables / (double)present;
		r->daily_file = (double)daily_files / (double)p10;
		r->daily_audit = (double)daily_audit / (double)p10;
		r->bulk10_marginal = (double)bulk10 / (double)p10;
		snprintf(path, sizeof(path), "%s/sqlite-one.db", b.dir);
		file_measure(path, "points", &fb);
		r->sqlite_one = (double)fb.file / c->hh_present[0];
		snprintf(path, sizeof(path), "%s/sqlite-many.db", b.dir);
		file_measure(path, "points", &fb);
		r->sqlite_many = (double)fb.file / (double)present;
	}
	bench_store_close(&b);
	series_zone_release();
	free(pts);
	free(res);
	free(t);
	free(v);
}

static const char *verdict(bool met)
{
	return met ? "MET" : "NOT MET";
}

static void report_bytes(const struct corpus *c, size_t stored, const struct results *r)
{
	printf("\n1. Bytes per point on disk: a year of 30-min load curve (points = slots with a"
	       " value)\n");
	printf("   household 0: %s points; %zu households: %s; %zu households: %s\n",
	       grouped(c->hh_present[0]), stored, grouped(r->stored_points), c->households,
	       grouped(c->present));
	printf("  %-70s %8s %8s\n", "", "B/point", "x int32");
	printf("  %-70s %8.3f %8.2f\n", "commune chunks (codec), household 0", r->hh0_chunks,
	       r->hh0_chunks / 4);
	printf("  %-70s %8.3f %8.2f\n", "commune chunks, all households (total bytes / points)",
	       r->all_chunks, r->all_chunks / 4);
	printf("     per household: min %.3f, median %.3f, max %.3f\n", r->hh_min, r->hh_median,
	       r->hh_max);
	printf("  %-70s %8.3f %8.2f\n", "commune chunks read back with pstore_chunks_each (stored)",
	       r->store_chunks, r->store_chunks / 4);
	printf("  %-70s %8.3f %8.2f\n", "commune chunks table pages (dbstat, stored, VACUUM)",
	       r->stored_table, r->stored_table / 4);
	printf("  %-70s %8.3f %8.2f\n", "commune person file, household 0, minus an empty store",
	       r->hh0_marginal, r->hh0_marginal / 4);
	printf("  %-70s %8.3f %8.2f\n",
	       "commune person files, stored households, minus empty stores", r->stored_marginal,
	       r->stored_marginal / 4);
	printf("  %-70s %8.3f %8.2f\n", "   the same 10 households appended a day at a time",
	       r->daily_file, r->daily_file / 4);
	printf("  %-70s %8.3f %8.2f\n", "      of which the audit trail (365 entries a year)",
	       r->daily_audit, r->daily_audit / 4);
	printf("  %-70s %8.3f %8.2f\n", "   (those 10 appended a year at once)", r->bulk10_marginal,
	       r->bulk10_marginal / 4);
	printf("  %-70s %8.3f %8.2f\n", "commune person file, household 0, whole (VACUUM)",
	       r->hh0_file, r->hh0_file / 4);
	printf("  %-70s %8s\n", "   an empty person store (VACUUM)",
	       grouped((uint64_t)r->empty_store));
	printf("  %-70s %8.3f %8.2f\n", "SQLite (t INTEGER PRIMARY KEY, v), household 0 (VACUUM)",
	       r->sqlite_one, r->sqlite_one / 4);
	printf("  %-70s %8.3f %8.2f\n",
	       "SQLite (hh, t, v) PRIMARY KEY (hh, t) WITHOUT ROWID, stored", r->sqlite_many,
	       r->sqlite_many / 4);
	if (r->pg) {
		printf("  %-70s %8.3f %8.2f\n",
		       "PostgreSQL (t bigint PRIMARY KEY, v), household 0 (heap + index)",
		       r->pg_one, r->pg_one / 4);
		printf("  %-70s %8.3f %8.2f\n",
		       "PostgreSQL (hh, t, v) PRIMARY KEY (hh, t), stored (heap + index)",
		       r->pg_many, r->pg_many / 4);
		printf("  %-70s %8.3f %8.2f\n", "   of which the heap (pg_relation_size)",
		       r->pg_heap, r->pg_heap / 4);
	}
	printf("  %-70s %8.3f %8.2f\n", "raw int32", 4.0, 1.0);
	printf("  target <= 2.5 B/point: chunks %s (%.2f); chunks table %s (%.2f); file minus empty"
	       " store %s (%.2f); whole file of one household %s (%.2f)\n",
	       verdict(r->all_chunks <= 2.5), r->all_chunks, verdict(r->stored_table <= 2.5),
	       r->stored_table, verdict(r->stored_marginal <= 2.5), r->stored_marginal,
	       verdict(r->hh0_file <= 2.5), r->hh0_file);
	printf("  commune chunks are %.1fx smaller than SQLite one row per point (household 0),"
	       " the person files %.1fx\n",
	       r->sqlite_one / r->hh0_chunks, r->sqlite_one / r->hh0_marginal);
}

static void report_ingest(const struct corpus *c, size_t stored, const struct results *r)
{
	double enc = timing_best(&r->encode), encode_rate = (double)c->present / enc;
	double bulk_rate = (double)r->stored_points / r->append_bulk;
	double sql_rate = (double)r->stored_points / r->sqlite_insert;

	printf("\n2. Ingest, points per second on one core\n");
	printf("  %-62s %12s %10s\n", "", "M points/s", "x SQLite");
	printf("  %-62s %12.1f %10.1f   (best %.0f ms, median %.0f ms, %s points)\n",
	       "chunk_encode, all households in memory", encode_rate / 1e6, encode_rate / sql_rate,
	       enc * 1e3, timing_median(&r->encode) * 1e3, grouped(c->present));
	printf("  %-62s %12.2f %10.1f   (%zu appends of a year, %.2f s)\n",
	       "series_append into person stores (incl. SQLite I/O)", bulk_rate / 1e6,
	       bulk_rate / sql_rate, stored, r->append_bulk);
	printf("  %-62s %12.3f %10.2f   (%s appends of 48 points, %.2f ms each)\n",
	       "series_append a day at a time (10 households)",
	       (double)r->daily_points / r->append_daily / 1e6,
	       (double)r->daily_points / r->append_daily / sql_rate, grouped(r->daily_calls),
	       r->append_daily / (double)r->daily_calls * 1e3);
	printf("  %-62s %12.2f %10.1f   (one transaction, %.2f s)\n",
	       "SQLite INSERT one row per point (baseline)", sql_rate / 1e6, 1.0, r->sqlite_insert);
	if (r->pg) {
		const struct pg_ingest *pi = &r->pg_copy;
		double pg_rate = (double)r->stored_points / pi->s;
		char server[32] = "?";

		if (pi->server >= 0)
			snprintf(server, sizeof(server), "%.2f s", pi->server);
		printf("  %-62s %12.2f %10.1f   (%.2f s: primary key %.2f s, COMMIT %.2f s; CPU:"
		       " server %s, client %.2f s; WAL %s kB)\n",
		       "PostgreSQL COPY one row per point (one transaction)", pg_rate / 1e6,
		       pg_rate / sql_rate, pi->s, pi->key, pi->commit, server, pi->client,
		       grouped((uint64_t)(pi->wal / 1024)));
	}
	printf("  re-import of household 0's year (nothing changes): %.1f ms\n", r->reimport * 1e3);
	printf("  target >= 5 M points/s (chunk_encode): %s (%.1f M/s)\n",
	       verdict(encode_rate >= 5e6), encode_rate / 1e6);
}

/* round_ratios - the lowest and highest a.s[k] / b.s[k] over the rounds
 * (a and b timed in the same round, one after the other). */
static void round_ratios(const struct timing *a, const struct timing *b, double *lo, double *hi)
{
	*lo = *hi = a->s[0] / b->s[0];
	for (int k = 1; k < a->n && k < b->n; k++) {
		double x = a->s[k] / b->s[k];

		*lo = x < *lo ? x : *lo;
		*hi = x > *hi ? x : *hi;
	}
}

static void print_store_row(const char *name, const struct timing *total, const struct timing *work,
			    double points, double sql_per)
{
	double t = timing_best(total), w = work ? timing_best(work) : 0;

	if (!work) {
		printf("  %-52s %9.1f ms %12s %12s %9s %9s\n", name, t * 1e3, "-", "-", "-", "-");
		return;
	}
	printf("  %-52s %9.1f ms %9.1f ms %8.1f M/s %8.1fx %8.1fx\n", name, t * 1e3, w * 1e3,
	       points / w / 1e6, sql_per / (t / points), sql_per / (w / points));
}

static void report_scan(const struct corpus *c, size_t stored, const struct results *r)
{
	double loop = timing_best(&r->mem[MEM_LOOP]), sql = timing_best(&r->st[ST_SQLITE]);
	double pts = (double)c->present, spts = (double)r->stored_points;
	double sql_per = sql / spts, dec_per = timing_best(&r->mem[MEM_DECODED]) / pts;
	double hdr_per = timing_best(&r->mem[MEM_HEADER]) / pts;
	double st_dec = timing_best(&r->st[ST_DECODED]) / spts;
	double st_dec_work = timing_best(&r->st_work[ST_DECODED]) / spts, lo, hi;

	printf("\n3. Scan: sum of %zu households x 1 year (%s points, %s slots) from memory\n",
	       c->households, grouped(c->present), grouped((uint64_t)c->households * SLOTS));
	printf("  %-52s %12s %12s %12s %9s %9s\n", "", "best", "median", "points/s", "x loop",
	       "SQLite/x");
	for (int m = 0; m < MEM_METHODS; m++)
		print_row(mem_methods[m].name, &r->mem[m], pts, loop / pts, sql_per);
	printf("  sums: truth %" PRId64, c->sum);
	for (int m = 0; m < MEM_METHODS; m++)
		printf(", %" PRId64, r->mem_tot[m].sum);
	printf(" (all equal; counts %s where given)\n", grouped(c->present));
	printf("  (x loop: time per point over the loop's; SQLite/x: SQLite's time per point below"
	       " over this one's)\n");

	printf(
	    "\n   from the person stores of %zu households (%s points), beside SQLite on the same"
	    " points\n",
	    stored, grouped(r->stored_points));
	printf("  %-52s %12s %12s %12s %9s %9s\n", "", "total", "reading", "reading/s", "SQLite/x",
	       "reading");
	for (int m = 0; m < ST_METHODS; m++)
		if (r->pg || !store_methods[m].pg)
			print_store_row(store_methods[m].name, &r->st[m],
					m == ST_OPEN ? NULL : &r->st_work[m], spts, sql_per);
	printf("  sums: truth %" PRId64, r->stored_sum);
	for (int m = 0; m < ST_METHODS; m++)
		if (m != ST_OPEN && (r->pg || !store_methods[m].pg))
			printf(", %" PRId64, r->st_tot[m].sum);
	printf(" (all equal)\n");
	printf("  (reading: the time after store_person_store, i.e. without opening the SQLite"
	       " files)\n");
	printf("  SQLite was measured on %s rows and is scaled per point: %.1f ns/point, so %.1f s"
	       " for the %s points above\n",
	       grouped(r->stored_points), sql_per * 1e9, sql_per * pts, grouped(c->present));
	if (r->pg) {
		double pg_per = timing_best(&r->st[ST_POSTGRES]) / spts;

		printf("  PostgreSQL likewise: %.1f ns/point, so %.1f s for the %s points above\n",
		       pg_per * 1e9, pg_per * pts, grouped(c->present));
	}
	round_ratios(&r->mem[MEM_DECODED], &r->mem[MEM_LOOP], &lo, &hi);
	printf("  target: decoded chunks within 4x of the loop: %s (%.2fx best/best, %.2f-%.2fx"
	       " round by round; header sums %.2fx)\n",
	       verdict(dec_per * pts <= 4 * loop), dec_per * pts / loop, lo, hi,
	       hdr_per * pts / loop);
	printf("  target: >= 30x faster than SQLite per point: in memory decoded %s (%.0fx; header"
	       " %.0fx); from the stores decoded %s (%.1fx; reading only %.1fx)\n",
	       verdict(sql_per >= 30 * dec_per), sql_per / dec_per, sql_per / hdr_per,
	       verdict(sql_per >= 30 * st_dec), sql_per / st_dec, sql_per / st_dec_work);
}

static size_t arg_size(const char *s, size_t lo, size_t hi, const char *what)
{
	char *end;
	long long x = strtoll(s, &end, 10);

	if (*s == '\0' || *end != '\0' || x < (long long)lo || x > (long long)hi)
		fail("%s must be %zu..%zu", what, lo, hi);
	return (size_t)x;
}

int main(int argc, char **argv)
{
	size_t households = 10000, stored = 200;
	int rounds = 5;
	static struct year y;
	static struct results r;
	const char *pg = getenv("SERIES_BENCH_PG"), *pgdata = getenv("SERIES_BENCH_PGDATA");
	struct corpus c;
	double t0;

	if (argc > 1)
		households = arg_size(argv[1], 1, 100000, "HOUSEHOLDS");
	if (argc > 2)
		stored = arg_size(argv[2], 1, households, "STORED");
	if (argc > 3)
		rounds = (int)arg_size(argv[3], 1, ROUNDS_MAX, "ROUNDS");
	if (stored < DAILY_HOUSEHOLDS)
		fail("STORED must be at least %d", DAILY_HOUSEHOLDS);

	t0 = now_s();
	year_init(&y);
	corpus_generate(&c, &y, households);
	progress("%zu households generated in %.1f s: %s points, sum %" PRId64, households,
		 now_s() - t0, grouped(c.present), c.sum);
	measure_memory(&c, &r, rounds);
	measure_bytes_memory(&c, &r);
	measure_store(&c, stored, &r, rounds, pg && *pg ? pg : NULL,
		      pgdata && *pgdata ? pgdata : NULL);

	printf("series_bench: %zu households in memory, %zu in person stores, best of %d rounds"
	       " (methods interleaved); %s, SQLite %s, %s%s\n",
	       households, stored, rounds, "30-min load curves of 2023 in W", sqlite3_libversion(),
	       r.pg ? "PostgreSQL " : "PostgreSQL not run (SERIES_BENCH_PG unset)",
	       r.pg ? r.pg_version : "");
	report_bytes(&c, stored, &r);
	report_ingest(&c, stored, &r);
	report_scan(&c, stored, &r);
	printf("\ntotal run time %.0f s\n", now_s() - t0);
	corpus_free(&c);
	return 0;
}
