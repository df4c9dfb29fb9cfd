/*
 * campaign_bench.c - the benchmark of issue 10: a campaign over N households
 * (10,000 by default), each a year of 30-minute load curve in its own person
 * store, profiled by district x hour of day; end-to-end time and peak RSS of
 * campaign_run, side by side with SQLite and PostgreSQL computing the same
 * aggregate on one row per point.
 *
 * Run it through bench/campaign/run.sh, which builds the library and this
 * program. Usage:
 *
 *   campaign_bench [N [ROUNDS]]          (10000 3) the whole benchmark
 *   campaign_bench --commune DIR         a child: one campaign_run, cold
 *   campaign_bench --commune-pg DIR      a child: one campaign_run on the PostgreSQL store
 *   campaign_bench --sqlite DIR          a child: one SQLite query
 *   campaign_bench --postgres DIR        a child: one PostgreSQL query
 *
 * 1. Setup, not timed as part of the comparison (its phases are reported):
 *    a data dir under /tmp holding N persons, each with a household.profile
 *    record (district among 25, members, heating) and one
 *    energy.electricity.load_curve series (W, 30 min, Europe/Paris, as the
 *    Enedis importer makes it) holding 2025 from a deterministic generator,
 *    gaps included; an organisation, a campaign (count and mean clipped to
 *    [0, 12000] by district and hour of day, k 11, Laplace epsilon 1, 24
 *    cells a person), approved, joined by every household; and beside it
 *    baseline.db, a SQLite file with the same points one row each, and
 *    when CAMPAIGN_BENCH_PG holds a conninfo the same two tables in that
 *    PostgreSQL database (loaded with COPY, then vacuumed and analysed).
 * 2. ROUNDS rounds, each running the two children one after the other: the
 *    commune child opens the platform store fresh (so campaign_run opens the
 *    N person stores itself) and runs the campaign; the SQLite child opens
 *    baseline.db and runs one GROUP BY query; the PostgreSQL child connects
 *    and runs the same query (2 parallel workers at most, as commune's 2
 *    threads; the server's CPU is what its postmaster reaped, read in
 *    CAMPAIGN_BENCH_PGDATA before and after). Each child is a fresh process
 *    (fork + exec of this program), so its peak RSS is its own. Before each
 *    commune child the platform store is put back as it was after setup (a
 *    run moves the campaign to COMPUTED and keeps its release).
 *    With CAMPAIGN_BENCH_STORE_PG (issue 14), the same territory is also set
 *    up in a commune store on PostgreSQL (its own database in the same
 *    cluster), and each round adds a child `--commune-pg` running the same
 *    campaign there, on a fresh copy of that database (CREATE DATABASE ...
 *    TEMPLATE, untimed): commune on PostgreSQL against commune on SQLite.
 * 3. An untimed check: campaign_contribution of every participant, combined
 *    exactly (no noise) into counts and sums of clipped means per cell, must
 *    equal SQLite's and PostgreSQL's, cell by cell, and be the same on
 *    commune's two stores.
 *
 * Environment: CAMPAIGN_BENCH_DATA=DIR reuses a data dir a previous run kept
 * (CAMPAIGN_BENCH_KEEP=1 keeps it); CAMPAIGN_BENCH_SQLITE=0 leaves SQLite
 * out (for the runs that only look at RSS against N); CAMPAIGN_BENCH_THREADS
 * sets campaign_run's threads (2); CAMPAIGN_BENCH_PG (a conninfo) and
 * CAMPAIGN_BENCH_PGDATA (the cluster's data directory) add PostgreSQL, as
 * run.sh does with a throw-away cluster.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "../common/pg.h"
#include "campaign/campaign.h"
#include "core/timeutil.h"
#include "core/tz.h"
#include "crypto/crypt.h"
#include "record/doctype.h"
#include "series/series.h"
#include "store/store.h"
#include "store/store_campaign.h"

#define SLOTS        17520                 /* 2025 in Europe/Paris: 365 days of 30 minutes */
#define STEP_MS      1800000LL
#define T0_MS        1735686000000LL       /* 2025-01-01T00:00:00+01:00 */
#define T1_MS        1767222000000LL       /* 2026-01-01T00:00:00+01:00 */
#define DISTRICTS    25
#define HOURS        24
#define CELLS        (DISTRICTS * HOURS)
#define CLIP_HI      12000
#define SEED         0x636f6d6d756e65ULL   /* "commune" */
#define SETUP_THREADS 2
#define ROUNDS_MAX   9
#define ZONE         "Europe/Paris"
#define ACTOR        "bench"
#define SQL_BATCH    50                    /* households per SQLite transaction */

/* ---- output ------------------------------------------------------------- */

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("campaign_bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void check_rc(enum cmn_rc rc, const char *what)
{
	if (rc != CMN_OK)
		fail("%s: %s (%s)", what, cmn_strerror(rc), store_last_error());
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

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* status_kb - a "Name:   123 kB" line of /proc/self/status, in kB (0 if absent). */
static long status_kb(const char *name)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	size_t n = strlen(name);
	long kb = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, name, n) == 0 && line[n] == ':') {
			kb = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return kb;
}

/* hwm_reset - makes VmHWM start again from the current RSS (Linux 4.0+:
 * writing 5 to clear_refs); false if the kernel refused. */
static bool hwm_reset(void)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, "5", 1) == 1;
	close(fd);
	return ok;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		fail("out of memory (%zu x %zu bytes)", n, size);
	return p;
}

static uint64_t parse_u64(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end)
		fail("%s: not a number: %s", what, s);
	return v;
}

/* ---- files ---------------------------------------------------------------- */

/* copy_file - copies from to to (replacing it); false when from is absent. */
static bool copy_file(const char *from, const char *to)
{
	char buf[1 << 16];
	int in = open(from, O_RDONLY), out;
	ssize_t n;

	if (in < 0)
		return false;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (out < 0)
		fail("cannot write %s: %s", to, strerror(errno));
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			fail("cannot write %s: %s", to, strerror(errno));
	if (n < 0 || close(out) != 0)
		fail("cannot copy %s: %s", from, strerror(errno));
	close(in);
	return true;
}

/* platform_save, platform_restore - the platform store as setup left it, so
 * that every timed run starts from an approved campaign with no release. */
static void platform_copy(const char *dir, bool save)
{
	static const char *const files[] = {"platform.db", "platform.db-wal"};
	char a[512], b[512];

	for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++) {
		snprintf(a, sizeof(a), "%s/%s", dir, files[i]);
		snprintf(b, sizeof(b), "%s/%s.pre", dir, files[i]);
		if (save) {
			unlink(b);
			copy_file(a, b);
		} else {
			unlink(a);
			copy_file(b, a);
		}
	}
	if (!save) {
		snprintf(a, sizeof(a), "%s/platform.db-shm", dir);
		unlink(a);
	}
}

static void platform_save(const char *dir)
{
	platform_copy(dir, true);
}

static void platform_restore(const char *dir)
{
	platform_copy(dir, false);
}

/* what setup leaves for the children: DIR/bench.info */
struct info {
	size_t n;                        /* households */
	char campaign[CRYPT_ID_LEN];
	bool sqlite;                     /* baseline.db was built */
	char campaign_pg[CRYPT_ID_LEN];  /* the campaign in the store on PostgreSQL; "" none */
};

static void info_write(const char *dir, const struct info *in)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/bench.info", dir);
	if (!(f = fopen(path, "w")))
		fail("cannot write %s", path);
	fprintf(f, "%zu %s %d %s\n", in->n, in->campaign, in->sqlite,
		in->campaign_pg[0] ? in->campaign_pg : "-");
	if (fclose(f) != 0)
		fail("cannot write %s", path);
}

static void info_read(const char *dir, struct info *in)
{
	char path[512], n[32], id[CRYPT_ID_LEN + 8], idpg[CRYPT_ID_LEN + 8] = "-";
	int sqlite = 0, got;
	FILE *f;

	snprintf(path, sizeof(path), "%s/bench.info", dir);
	if (!(f = fopen(path, "r")))
		fail("no %s: is it a data dir this program made?", path);
	got = fscanf(f, "%31s %40s %d %40s", n, id, &sqlite, idpg);
	if (got < 3 || strlen(id) != CRYPT_ID_LEN - 1 ||
	    (strcmp(idpg, "-") != 0 && strlen(idpg) != CRYPT_ID_LEN - 1))
		fail("%s: unreadable", path);
	fclose(f);
	in->n = (size_t)parse_u64(n, path);
	memcpy(in->campaign, id, CRYPT_ID_LEN);
	in->sqlite = sqlite != 0;
	snprintf(in->campaign_pg, sizeof(in->campaign_pg), "%s", strcmp(idpg, "-") ? idpg : "");
}

/* ---- a deterministic generator ------------------------------------------- */

struct rng {
	uint64_t s;                      /* splitmix64 state */
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

/* the year every household shares: calendar and weather of 2025 in Paris */
struct year {
	int64_t t[SLOTS];                /* UTC ms of each slot */
	int64_t local_s[SLOTS];          /* local wall-clock time, s (the SQLite baseline's t) */
	uint8_t sod[SLOTS];              /* local half-hour of the day, 0..47 */
	uint16_t day[SLOTS];             /* local day of the year, 0..364 */
	uint8_t off[SLOTS];              /* 1 on weekends and public holidays */
	float temp[SLOTS];               /* outdoor temperature, degrees C */
	float winter[366];               /* 1 in midwinter, 0 in midsummer */
};

/* French public holidays of 2025 (month, day) */
static const int holidays_2025[][2] = {
    {1, 1},  {4, 21}, {5, 1},  {5, 8},   {5, 29},  {6, 9},
    {7, 14}, {8, 15}, {11, 1}, {11, 11}, {12, 25},
};

static bool is_holiday(int64_t doy)
{
	int64_t jan1 = time_days_from_civil(2025, 1, 1);

	for (size_t i = 0; i < sizeof(holidays_2025) / sizeof(*holidays_2025); i++)
		if (time_days_from_civil(2025, holidays_2025[i][0], holidays_2025[i][1]) - jan1 == doy)
			return true;
	return false;
}

/* year_init - the local calendar of each slot through the project's own
 * zone code (the DST days have 46 and 50 slots), and a temperature: a
 * seasonal cosine, a daily one, and an anomaly drifting from day to day. */
static void year_init(struct year *y)
{
	const struct tz *z = series_zone(ZONE);
	int64_t jan1 = time_days_from_civil(2025, 1, 1);
	double anomaly[366], a = 0;
	struct rng r = {SEED ^ 0x7765617468657200ULL};

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
			fail("slot %d falls outside 2025 (local day %" PRId64 ")", i, doy);
		y->t[i] = t;
		y->local_s[i] = local / 1000;
		y->sod[i] = (uint8_t)sod;
		y->day[i] = (uint16_t)doy;
		y->off[i] = weekday >= 5 || is_holiday(doy);
		y->temp[i] = (float)(season + anomaly[doy] +
				     3.5 * cos(2 * M_PI * ((sod + 0.5) / 48.0 - 15.0 / 24.0)));
	}
}

static const char *const heatings[] = {"electric", "gas", "heat_pump", "district_heating",
				       "wood", "fuel_oil", "other"};

/* a household: what it declares and how it draws power */
struct household {
	int district;                    /* 0..DISTRICTS-1 */
	int members;
	int heating;                     /* index in heatings */
	double routine[2][48];           /* W: [workday, day off][half-hour] */
	double base, heat_gain, heat_from, boiler, noise, burst_p;
	int away_from, away_days;        /* a holiday away (day of the year) */
};

/* bump - a Gaussian bump of height 1 at c hours, width w, on a 24 h circle */
static double bump(double h, double c, double w)
{
	double d = fabs(h - c);

	d = d > 12 ? 24 - d : d;
	return exp(-0.5 * (d / w) * (d / w));
}

static void household_draw(struct household *hh, struct rng *r)
{
	double wake = rng_range(r, 6.0, 8.0), morning = rng_range(r, 250, 1000);
	double evening_at = rng_range(r, 18.5, 20.5), evening = rng_range(r, 500, 1800);
	double midday = rng_range(r, 200, 900);

	for (int s = 0; s < 48; s++) {
		double h = s / 2.0 + 0.25;

		hh->routine[0][s] = morning * bump(h, wake + 0.5, 0.9) +
				    evening * bump(h, evening_at, 1.7);
		hh->routine[1][s] = morning * bump(h, wake + 2.0, 1.3) +
				    midday * bump(h, 12.75, 1.2) + evening * bump(h, evening_at, 1.7);
	}
	hh->district = (int)(rng_next(r) % DISTRICTS);
	hh->members = 1 + (int)(rng_next(r) % 5);
	hh->base = rng_range(r, 150, 400);
	hh->heat_gain = rng_unit(r) < 0.35 ? rng_range(r, 60, 220) : 0;
	hh->heating = hh->heat_gain > 0 ? 0 : 1 + (int)(rng_next(r) % 6);
	hh->heat_from = rng_range(r, 15.5, 18.0);
	hh->boiler = rng_unit(r) < 0.45 ? rng_range(r, 1800, 3000) : 0;
	hh->noise = rng_range(r, 0.06, 0.15);
	hh->burst_p = rng_range(r, 0.02, 0.06);
	hh->away_from = rng_unit(r) < 0.85 ? (int)rng_range(r, 185, 230) : 400;
	hh->away_days = (int)rng_range(r, 7, 22);
}

/* household_year - household h's values (W) of every slot of the year, into
 * v; present[i] is false in a gap (0 to 3 a year, an hour to ten days). The
 * same h always gives the same values. Returns the number of points. */
static size_t household_year(const struct year *y, size_t h, struct household *hh, int32_t *v,
			     bool *present)
{
	struct rng r = {SEED + h * 0x9e3779b97f4a7c15ULL};
	int burst_left = 0, boiler_left = 0, ngaps;
	double burst = 0;
	size_t n = 0;

	household_draw(hh, &r);
	for (int i = 0; i < SLOTS; i++)
		present[i] = true;
	ngaps = (int)(rng_next(&r) % 4);
	for (int g = 0; g < ngaps; g++) {
		int start = (int)(rng_next(&r) % SLOTS), len;
		double kind = rng_unit(&r);

		len = kind < 0.80 ? 1 + (int)(rng_next(&r) % 4)
		      : kind < 0.95 ? 5 + (int)(rng_next(&r) % 44)
				    : 96 + (int)(rng_next(&r) % 385);
		for (int i = start; i < start + len && i < SLOTS; i++)
			present[i] = false;
	}
	for (int i = 0; i < SLOTS; i++) {
		int d = y->day[i], s = y->sod[i];
		bool away = d >= hh->away_from && d < hh->away_from + hh->away_days;
		double cold = hh->heat_from - y->temp[i], heat = 0, w;

		if (cold > 0 && hh->heat_gain > 0)
			heat = hh->heat_gain * cold * (s < 12 || s >= 46 ? 0.7 : 1.0);
		if (away) {
			w = 0.8 * hh->base + 0.3 * heat;
		} else {
			w = hh->base + hh->routine[y->off[i]][s] * (1 + 0.35 * y->winter[d]) + heat;
			if (burst_left == 0 && rng_unit(&r) < hh->burst_p) {
				burst = rng_range(&r, 500, 2500);
				burst_left = 1 + (int)(rng_next(&r) % 3);
			}
			if (burst_left > 0) {
				w += burst;
				burst_left--;
			}
		}
		if (s == 45 && hh->boiler > 0 && !away) /* 22:30, off-peak */
			boiler_left = 3 + (int)(5 * y->winter[d]) + (int)(rng_next(&r) % 3);
		if (boiler_left > 0) {
			w += hh->boiler * (boiler_left == 1 ? rng_unit(&r) : 1.0);
			boiler_left--;
		}
		w *= 1 + hh->noise * rng_normal(&r);
		v[i] = (int32_t)lround(w < 60 ? 60 : w > CLIP_HI ? CLIP_HI : w);
		n += present[i];
	}
	return n;
}

/* ---- the platform --------------------------------------------------------- */

struct platform {
	char dir[256];
	struct keyring keys;
	struct store *s;
	struct registry reg;
};

/* platform_open - the platform of data dir `dir` (its master key), its
 * store in dir or, when url is not NULL, in that PostgreSQL database */
static void platform_open(struct platform *p, const char *dir, const char *url)
{
	char path[512], err[256];

	snprintf(p->dir, sizeof(p->dir), "%s", dir);
	snprintf(path, sizeof(path), "%s/master.key", dir);
	check_rc(keyring_open(&p->keys, path, KEYRING_CREATE), "keyring_open");
	if (registry_load(&p->reg, err, sizeof(err)) != CMN_OK)
		fail("registry_load: %s", err);
	check_rc(store_open(&p->s, url ? url : dir, &p->keys), "store_open");
	check_rc(registry_sync(&p->reg, p->s), "registry_sync");
}

static void platform_close(struct platform *p)
{
	if (p->s)
		store_close(&p->s);
	registry_release(&p->reg);
	keyring_release(&p->keys);
}

/* ---- setup -------------------------------------------------------------- */

struct setup {
	struct platform *p;
	const struct year *y;
	size_t n;
	struct person *persons;          /* per household */
	const char *campaign;            /* for the joins */
	int64_t points;                  /* points appended, over all households */
	pthread_mutex_t lock;
};

struct setup_worker {
	struct setup *su;
	unsigned id;
	pthread_t th;
	int64_t points;
};

/* household_store - person h with their household profile and their year
 * of load curve, as a resident who imported their Enedis file would have. */
static size_t household_store(struct setup *su, size_t h, int32_t *v, bool *present,
			      struct series_point *pts)
{
	struct household hh;
	struct pstore *ps;
	struct record_meta m = {0};
	struct series_def def = {0};
	struct series_write w;
	char handle[32], data[256], meta[SERIES_KEY_MAX + 16];
	const char *why = "";
	size_t n = 0;
	enum cmn_rc rc;

	household_year(su->y, h, &hh, v, present);
	snprintf(handle, sizeof(handle), "hh%06zu", h);
	check_rc(store_person_add(su->p->s, handle, "resident", NULL, "!", &su->persons[h]),
		 "store_person_add");
	check_rc(store_person_store(su->p->s, su->persons[h].id, &ps), "store_person_store");

	snprintf(data, sizeof(data),
		 "{\"declared\":\"2024-12-01\",\"district\":\"D%02d\",\"members\":%d,"
		 "\"heating\":\"%s\"}",
		 hh.district + 1, hh.members, heatings[hh.heating]);
	crypt_uuid7_new(m.id);
	snprintf(m.doctype, sizeof(m.doctype), "%s", CAMPAIGN_PROFILE_DOCTYPE);
	snprintf(m.source, sizeof(m.source), "api");
	check_rc(time_parse("2024-12-01", true, &m.t), "time_parse");
	check_rc(pstore_record_insert(ps, &m, data, ACTOR), "pstore_record_insert");

	/* the series as src/import/enedis_csv.c creates it */
	snprintf(def.doctype, sizeof(def.doctype), "energy.electricity.load_curve");
	snprintf(def.source, sizeof(def.source), "enedis");
	snprintf(def.key, sizeof(def.key), "%014zu", (size_t)30000000000000 + h);
	snprintf(def.unit, sizeof(def.unit), "W");
	snprintf(def.tz, sizeof(def.tz), ZONE);
	snprintf(meta, sizeof(meta), "{\"prm\":\"%s\"}", def.key);
	def.step = STEP_MS;
	def.meta = meta;
	rc = series_create(ps, &su->p->reg, &def, ACTOR, &why);
	if (rc != CMN_OK)
		fail("series_create: %s (%s)", cmn_strerror(rc), why);
	for (int i = 0; i < SLOTS; i++)
		if (present[i])
			pts[n++] = (struct series_point){su->y->t[i], v[i]};
	rc = series_append(ps, &def, pts, n, ACTOR, &w, &why);
	if (rc != CMN_OK || w.added != n)
		fail("series_append of household %zu: %s (%s)", h, cmn_strerror(rc), why);
	return n;
}

static void *setup_households(void *arg)
{
	struct setup_worker *w = arg;
	int32_t *v = xcalloc(SLOTS, sizeof(*v));
	bool *present = xcalloc(SLOTS, sizeof(*present));
	struct series_point *pts = xcalloc(SLOTS, sizeof(*pts));

	for (size_t h = w->id; h < w->su->n; h += SETUP_THREADS) {
		w->points += (int64_t)household_store(w->su, h, v, present, pts);
		if (w->id == 0 && h % 1000 == 0 && h)
			progress("%zu households stored", h);
	}
	free(v);
	free(present);
	free(pts);
	store_thread_done();
	return NULL;
}

static void *setup_joins(void *arg)
{
	struct setup_worker *w = arg;
	char err[400];

	for (size_t h = w->id; h < w->su->n; h += SETUP_THREADS) {
		err[0] = '\0';
		if (campaign_join(w->su->p->s, &w->su->p->reg, &w->su->persons[h], w->su->campaign,
				  time_now_ms(), ACTOR, err, sizeof(err)) != CMN_OK)
			fail("campaign_join of household %zu: %s", h, err);
		if (w->id == 0 && h % 1000 == 0 && h)
			progress("%zu households joined", h);
	}
	store_thread_done();
	return NULL;
}

static void run_workers(struct setup *su, void *(*fn)(void *))
{
	struct setup_worker w[SETUP_THREADS];

	memset(w, 0, sizeof(w));
	for (unsigned i = 0; i < SETUP_THREADS; i++) {
		w[i] = (struct setup_worker){.su = su, .id = i};
		if (pthread_create(&w[i].th, NULL, fn, &w[i]) != 0)
			fail("pthread_create failed");
	}
	for (unsigned i = 0; i < SETUP_THREADS; i++) {
		pthread_join(w[i].th, NULL);
		su->points += w[i].points;
	}
}

/* the definition: the example of docs/campaigns.md over 2025, Laplace */
static const char spec_fmt[] =
    "{\"title\":{\"fr\":\"Profil horaire d'électricité par quartier, 2025 (banc d'essai)\","
    "\"en\":\"Hourly electricity profile by district, 2025 (benchmark)\"},"
    "\"purpose\":{\"fr\":\"Mesurer le temps d'une campagne sur de nombreux foyers.\","
    "\"en\":\"Time a campaign over many households.\"},"
    "\"organisation\":\"%s\","
    "\"source\":{\"series\":\"energy.electricity.load_curve\"},"
    "\"period\":{\"from\":\"2025-01-01T00:00:00+01:00\",\"to\":\"2026-01-01T00:00:00+01:00\"},"
    "\"group_by\":[\"district\",\"hour_of_day\"],"
    "\"measures\":[{\"kind\":\"count\"},{\"kind\":\"mean\",\"clip\":[0,12000]}],"
    "\"privacy\":{\"k\":11,\"mechanism\":\"laplace\",\"epsilon\":\"1\","
    "\"max_cells_per_person\":24},"
    "\"opens\":\"2026-01-02T00:00:00Z\",\"closes\":\"2030-01-01T00:00:00Z\","
    "\"governance\":{\"body\":\"operator\"},\"licence\":\"etalab-2.0\"}";

static void campaign_setup(struct platform *p, char id[CRYPT_ID_LEN])
{
	struct store_district d[DISTRICTS];
	struct org org;
	struct campaign_spec spec = {0};
	struct campaign_row row = {0};
	char text[sizeof(spec_fmt) + CRYPT_ID_LEN], err[400], *canon = NULL;
	enum cmn_rc rc;

	memset(d, 0, sizeof(d));
	for (int i = 0; i < DISTRICTS; i++) {
		snprintf(d[i].code, sizeof(d[i].code), "D%02d", i + 1);
		snprintf(d[i].name, sizeof(d[i].name), "District %d", i + 1);
	}
	check_rc(store_districts_replace(p->s, d, DISTRICTS), "store_districts_replace");
	check_rc(store_org_add(p->s, "Bench city", "city", &org), "store_org_add");
	snprintf(text, sizeof(text), spec_fmt, org.id);
	rc = campaign_spec_parse(text, strlen(text), &p->reg, &spec, err, sizeof(err));
	if (rc != CMN_OK)
		fail("campaign_spec_parse%s", err);
	check_rc(campaign_spec_json(&spec, &canon, NULL), "campaign_spec_json");
	check_rc(store_campaign_add(p->s, org.id, canon, time_now_ms(), &row), "store_campaign_add");
	check_rc(store_campaign_decide(p->s, row.id, true, "operator:bench", time_now_ms()),
		 "store_campaign_decide");
	memcpy(id, row.id, CRYPT_ID_LEN);
	free(canon);
	campaign_row_release(&row);
	campaign_spec_release(&spec);
}

static void sql_exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail("sqlite: %s: %s", sql, err ? err : "?");
}

/* sqlite_build - baseline.db: points(hh, t, v) one row per point, t the
 * local wall-clock time in seconds, and households(hh, district). */
static void sqlite_build(const char *dir, const struct year *y, size_t n)
{
	char path[512];
	sqlite3 *db;
	sqlite3_stmt *pt, *ph;
	int32_t *v = xcalloc(SLOTS, sizeof(*v));
	bool *present = xcalloc(SLOTS, sizeof(*present));

	snprintf(path, sizeof(path), "%s/baseline.db", dir);
	unlink(path);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		fail("sqlite: cannot create %s", path);
	sql_exec(db, "PRAGMA journal_mode=WAL");
	sql_exec(db, "PRAGMA synchronous=NORMAL");
	sql_exec(db, "CREATE TABLE households(hh INTEGER PRIMARY KEY, district TEXT NOT NULL)");
	sql_exec(db, "CREATE TABLE points(hh INTEGER NOT NULL, t INTEGER NOT NULL,"
		     " v INTEGER NOT NULL)");
	if (sqlite3_prepare_v2(db, "INSERT INTO points VALUES (?1, ?2, ?3)", -1, &pt, NULL) !=
		SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO households VALUES (?1, ?2)", -1, &ph, NULL) !=
		SQLITE_OK)
		fail("sqlite: %s", sqlite3_errmsg(db));
	for (size_t h = 0; h < n; h++) {
		struct household hh;
		char code[16];

		if (h % SQL_BATCH == 0)
			sql_exec(db, "BEGIN");
		household_year(y, h, &hh, v, present);
		snprintf(code, sizeof(code), "D%02d", hh.district + 1);
		sqlite3_bind_int64(ph, 1, (int64_t)h);
		sqlite3_bind_text(ph, 2, code, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(ph) != SQLITE_DONE)
			fail("sqlite insert: %s", sqlite3_errmsg(db));
		sqlite3_reset(ph);
		for (int i = 0; i < SLOTS; i++) {
			if (!present[i])
				continue;
			sqlite3_bind_int64(pt, 1, (int64_t)h);
			sqlite3_bind_int64(pt, 2, y->local_s[i]);
			sqlite3_bind_int64(pt, 3, v[i]);
			if (sqlite3_step(pt) != SQLITE_DONE)
				fail("sqlite insert: %s", sqlite3_errmsg(db));
			sqlite3_reset(pt);
		}
		if (h % SQL_BATCH == SQL_BATCH - 1 || h == n - 1)
			sql_exec(db, "COMMIT");
		if (h % 1000 == 0 && h)
			progress("%zu households in SQLite", h);
	}
	sqlite3_finalize(pt);
	sqlite3_finalize(ph);
	sql_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
	sqlite3_close(db);
	free(v);
	free(present);
}

/* pg_build - the tables of baseline.db in the PostgreSQL database of
 * conninfo: points(t, hh, v) one row per point (t the local wall-clock
 * time in seconds, as in SQLite) and households(hh, district). Created and
 * loaded with COPY in one transaction, which with wal_level=minimal
 * writes no WAL for them (PostgreSQL's documented bulk load), then
 * VACUUM (FREEZE, ANALYZE): every row's hint bits set and the planner's
 * statistics made, so that no query pays for them. Returns the points. */
static int64_t pg_build(const char *conninfo, const struct year *y, size_t n)
{
	PGconn *c = pgb_connect(conninfo);
	static struct pgb_copy cp;
	int32_t *v = xcalloc(SLOTS, sizeof(*v));
	bool *present = xcalloc(SLOTS, sizeof(*present));
	int64_t points = 0, rows;
	char line[64];

	pgb_exec(c, "SET client_min_messages = warning"); /* no notice for the DROP */
	pgb_exec(c, "BEGIN");
	pgb_exec(c, "DROP TABLE IF EXISTS points, households");
	pgb_exec(c, "CREATE TABLE households(hh integer PRIMARY KEY, district text NOT NULL)");
	pgb_exec(c, "CREATE TABLE points(t bigint NOT NULL, hh integer NOT NULL,"
		    " v integer NOT NULL)");
	pgb_copy_begin(&cp, c, "COPY points FROM STDIN");
	for (size_t h = 0; h < n; h++) {
		struct household hh;

		household_year(y, h, &hh, v, present);
		for (int i = 0; i < SLOTS; i++) {
			int64_t row[3] = {y->local_s[i], (int64_t)h, v[i]};

			if (!present[i])
				continue;
			pgb_copy_ints(&cp, row, 3);
			points++;
		}
		if (h % 1000 == 0 && h)
			progress("%zu households in PostgreSQL", h);
	}
	if ((rows = pgb_copy_end(&cp)) != points)
		fail("postgres: COPY took %" PRId64 " of %" PRId64 " points", rows, points);
	pgb_copy_begin(&cp, c, "COPY households FROM STDIN");
	for (size_t h = 0; h < n; h++) {
		struct household hh;

		household_year(y, h, &hh, v, present);
		snprintf(line, sizeof(line), "%zu\tD%02d\n", h, hh.district + 1);
		pgb_copy_text(&cp, line);
	}
	pgb_copy_end(&cp);
	pgb_exec(c, "COMMIT");
	progress("PostgreSQL: vacuum (freeze, analyze)");
	pgb_exec(c, "VACUUM (FREEZE, ANALYZE) points, households");
	PQfinish(c);
	free(v);
	free(present);
	return points;
}

static long long dir_bytes(const char *dir)
{
	char cmd[600];
	long long kb = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "du -sk '%s/persons' 2>/dev/null", dir);
	if ((f = popen(cmd, "r"))) {
		if (fscanf(f, "%lld", &kb) != 1)
			kb = 0;
		pclose(f);
	}
	return kb * 1024;
}

static long long file_bytes(const char *dir, const char *name)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

static void setup(const char *dir, size_t n, bool with_sqlite, const struct year *y)
{
	struct platform p = {0};
	struct setup su = {.p = &p, .y = y, .n = n};
	struct info in = {.n = n, .sqlite = with_sqlite};
	double t0 = now_s(), t1, t2, t3, t4;

	platform_open(&p, dir, NULL);
	su.persons = xcalloc(n, sizeof(*su.persons));
	progress("setup: %zu households on %d threads", n, SETUP_THREADS);
	run_workers(&su, setup_households);
	t1 = now_s();
	campaign_setup(&p, in.campaign);
	su.campaign = in.campaign;
	run_workers(&su, setup_joins);
	t2 = now_s();
	platform_close(&p);
	platform_save(dir);
	t3 = now_s();
	if (with_sqlite)
		sqlite_build(dir, y, n);
	t4 = now_s();
	info_write(dir, &in);
	free(su.persons);
	printf("setup: %zu households, %" PRId64 " points (%.1f%% of %zu slots)\n", n, su.points,
	       100.0 * (double)su.points / ((double)n * SLOTS), n * (size_t)SLOTS);
	printf("  persons, profiles and series (%d threads):  %8.1f s  (%.2f ms a household)\n",
	       SETUP_THREADS, t1 - t0, 1e3 * (t1 - t0) / (double)n);
	printf("  campaign created, approved, %zu joins (%d threads): %.1f s  (%.2f ms a join)\n", n,
	       SETUP_THREADS, t2 - t1, 1e3 * (t2 - t1) / (double)n);
	if (with_sqlite)
		printf("  SQLite baseline.db (1 thread):               %8.1f s  (%.1f M rows/s)\n",
		       t4 - t3, (double)su.points / (t4 - t3) / 1e6);
	printf("  disk: person stores %.2f GB (%.2f bytes/point), platform.db %.1f MB",
	       (double)dir_bytes(dir) / 1e9, (double)dir_bytes(dir) / (double)su.points,
	       (double)file_bytes(dir, "platform.db") / 1e6);
	if (with_sqlite)
		printf(", baseline.db %.2f GB (%.2f bytes/point)",
		       (double)file_bytes(dir, "baseline.db") / 1e9,
		       (double)file_bytes(dir, "baseline.db") / (double)su.points);
	printf("\n");
	fflush(stdout);
}

/* ---- commune's store on PostgreSQL ---------------------------------------- */

/* With CAMPAIGN_BENCH_STORE_PG (the cluster's URL, no database), the same
 * territory is also set up in a commune store on PostgreSQL, in database
 * STORE_DB_SETUP, and each round runs the campaign on a fresh copy of it,
 * STORE_DB_RUN (CREATE DATABASE ... TEMPLATE, untimed): commune on
 * PostgreSQL against commune on SQLite (issue 14). */
#define STORE_DB_SETUP "bench_store_setup"
#define STORE_DB_RUN   "bench_store_run"

static void store_url(char *out, size_t n, const char *db)
{
	const char *base = getenv("CAMPAIGN_BENCH_STORE_PG");

	if (!base || !*base)
		fail("CAMPAIGN_BENCH_STORE_PG is not set");
	snprintf(out, n, "%s/%s", base, db);
}

static void quiet_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* store_db_fresh - STORE_DB_RUN is a copy of STORE_DB_SETUP (or both are
 * dropped and STORE_DB_SETUP made empty, when setup) */
static void store_db_fresh(const char *conninfo, bool setup)
{
	PGconn *pc = pgb_connect(conninfo);

	PQsetNoticeProcessor(pc, quiet_notice, NULL);
	pgb_exec(pc, "DROP DATABASE IF EXISTS " STORE_DB_RUN);
	if (setup)
	{
		pgb_exec(pc, "DROP DATABASE IF EXISTS " STORE_DB_SETUP);
		pgb_exec(pc, "CREATE DATABASE " STORE_DB_SETUP);
	}
	else
		pgb_exec(pc, "CREATE DATABASE " STORE_DB_RUN " TEMPLATE " STORE_DB_SETUP
			     " STRATEGY FILE_COPY");
	PQfinish(pc);
}

static void setup_store_pg(const char *dir, const char *conninfo, struct info *in)
{
	struct platform p = {0};
	struct setup su = {.p = &p, .y = NULL, .n = in->n};
	static struct year y;
	char url[512];
	double t0, t1, t2;
	PGconn *pc;

	year_init(&y);
	su.y = &y;
	store_db_fresh(conninfo, true);
	store_url(url, sizeof(url), STORE_DB_SETUP);
	t0 = now_s();
	platform_open(&p, dir, url);
	su.persons = xcalloc(su.n, sizeof(*su.persons));
	progress("setup of the store on PostgreSQL: %zu households on %d threads", su.n,
		 SETUP_THREADS);
	run_workers(&su, setup_households);
	t1 = now_s();
	campaign_setup(&p, in->campaign_pg);
	su.campaign = in->campaign_pg;
	run_workers(&su, setup_joins);
	t2 = now_s();
	platform_close(&p);
	free(su.persons);
	info_write(dir, in);
	pc = pgb_connect(conninfo);
	pgb_exec(pc, "CHECKPOINT");
	printf("  commune store on PostgreSQL: persons, profiles and series (%d threads): %.1f s"
	       " (%.2f ms a household); %zu joins: %.1f s; database %.2f GB (%.2f bytes/point)\n",
	       SETUP_THREADS, t1 - t0, 1e3 * (t1 - t0) / (double)su.n, su.n, t2 - t1,
	       (double)pgb_int(pc, "SELECT pg_database_size('" STORE_DB_SETUP "')") / 1e9,
	       (double)pgb_int(pc, "SELECT pg_database_size('" STORE_DB_SETUP "')") /
		   (double)su.points);
	PQfinish(pc);
	fflush(stdout);
}

/* ---- the children ------------------------------------------------------- */

/* child_commune - one campaign_run from a fresh process: the platform store
 * as setup left it, opened anew, so every person store is opened by the
 * run. Prints one line of key=value. */
static int child_commune(const char *dir, bool on_pg)
{
	struct info in;
	struct platform p = {0};
	struct campaign_run_opts o = {.now = time_now_ms(), .threads = 2};
	struct campaign_run_stats st;
	const char *th = getenv("CAMPAIGN_BENCH_THREADS");
	char err[400] = "";
	double t0, t1;
	long hwm_before;
	bool reset;
	enum cmn_rc rc;

	char url[512];

	info_read(dir, &in);
	if (on_pg)
		store_url(url, sizeof(url), STORE_DB_RUN);
	else
		platform_restore(dir);
	if (th && *th)
		o.threads = (unsigned)parse_u64(th, "CAMPAIGN_BENCH_THREADS");
	t0 = now_s();
	check_rc(crypt_init(), "crypt_init");
	platform_open(&p, dir, on_pg ? url : NULL);
	hwm_before = status_kb("VmHWM");
	reset = hwm_reset();
	t1 = now_s();
	rc = campaign_run(p.s, &p.reg, on_pg ? in.campaign_pg : in.campaign, &o, &st, err,
			  sizeof(err));
	t1 = now_s() - t1;
	if (rc != CMN_OK)
		fail("campaign_run: %s: %s", cmn_strerror(rc), err);
	printf("total_ms=%" PRId64 " read_ms=%" PRId64 " call_ms=%.0f open_ms=%.0f"
	       " hwm_run_kb=%ld hwm_reset=%d hwm_before_kb=%ld rss_after_kb=%ld joined=%zu"
	       " counted=%zu no_data=%zu no_profile=%zu no_grant=%zu cells=%zu published=%zu"
	       " suppressed=%zu\n",
	       st.total_ms, st.read_ms, t1 * 1e3, (now_s() - t0 - t1) * 1e3, status_kb("VmHWM"),
	       reset, hwm_before, status_kb("VmRSS"), st.joined, st.counted, st.no_data,
	       st.no_profile, st.no_grant, st.cells, st.published, st.primary + st.secondary);
	fflush(stdout);
	platform_close(&p);
	series_zone_release();
	return 0;
}

static const char sql_query[] =
    "SELECT h.district, p.hour, count(*), sum(min(max((2 * p.s + p.n) / (2 * p.n), 0), 12000))"
    " FROM (SELECT hh, (t / 3600) % 24 AS hour, sum(v) AS s, count(*) AS n"
    "       FROM points WHERE t >= ?1 AND t < ?2 GROUP BY hh, hour) AS p"
    " JOIN households AS h ON h.hh = p.hh"
    " GROUP BY h.district, p.hour ORDER BY h.district, p.hour";

/* child_sqlite - the same aggregate from baseline.db: per household and
 * local hour the mean of its values (rounded half up: they are positive),
 * clipped, then per district and hour the households and the sum of their
 * means. Prints a key=value line, then one line per cell. */
static int child_sqlite(const char *dir)
{
	char path[512];
	sqlite3 *db;
	sqlite3_stmt *st;
	double t0 = now_s(), t1;
	size_t rows = 0;
	char *out = NULL;
	size_t outn = 0;
	FILE *mem = open_memstream(&out, &outn);
	long hwm_before;
	bool reset;

	snprintf(path, sizeof(path), "%s/baseline.db", dir);
	if (!mem || sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		fail("sqlite: cannot open %s", path);
	sql_exec(db, "PRAGMA cache_size=-262144"); /* 256 MiB: the sorter's memory, too */
	sql_exec(db, "PRAGMA threads=2");          /* sorter helper threads, as commune's 2 */
	hwm_before = status_kb("VmHWM");
	reset = hwm_reset();
	t1 = now_s();
	if (sqlite3_prepare_v2(db, sql_query, -1, &st, NULL) != SQLITE_OK)
		fail("sqlite: %s", sqlite3_errmsg(db));
	sqlite3_bind_int64(st, 1, T0_MS / 1000 + 3600);  /* local midnight, 1 Jan 2025 */
	sqlite3_bind_int64(st, 2, T1_MS / 1000 + 3600);  /* local midnight, 1 Jan 2026 */
	while (sqlite3_step(st) == SQLITE_ROW) {
		fprintf(mem, "R %s %d %lld %lld\n", (const char *)sqlite3_column_text(st, 0),
			sqlite3_column_int(st, 1), (long long)sqlite3_column_int64(st, 2),
			(long long)sqlite3_column_int64(st, 3));
		rows++;
	}
	if (sqlite3_finalize(st) != SQLITE_OK)
		fail("sqlite: %s", sqlite3_errmsg(db));
	t1 = now_s() - t1;
	fclose(mem);
	printf("query_ms=%.0f open_ms=%.0f hwm_run_kb=%ld hwm_reset=%d hwm_before_kb=%ld rows=%zu\n",
	       t1 * 1e3, (now_s() - t0 - t1) * 1e3, status_kb("VmHWM"), reset, hwm_before, rows);
	fputs(out, stdout);
	free(out);
	sqlite3_close(db);
	return 0;
}

/* child_postgres - the same query in PostgreSQL's dialect (least and
 * greatest for SQLite's two-argument min and max; sum of an integer column
 * is a bigint, so the mean is the same integer division). At most 2
 * parallel workers, as commune's 2 threads and SQLite's 2 sorter threads;
 * work_mem 256 MB, as SQLite's cache. Prints the same lines as
 * child_sqlite. */
static int child_postgres(const char *dir)
{
	static const char q[] =
	    "SELECT h.district, p.hour, count(*),"
	    " sum(least(greatest((2 * p.s + p.n) / (2 * p.n), 0), 12000))"
	    " FROM (SELECT hh, (t / 3600) % 24 AS hour, sum(v) AS s, count(*) AS n"
	    "       FROM points WHERE t >= $1 AND t < $2 GROUP BY hh, hour) AS p"
	    " JOIN households AS h ON h.hh = p.hh"
	    " GROUP BY h.district, p.hour ORDER BY h.district, p.hour";
	const char *conninfo = getenv("CAMPAIGN_BENCH_PG");
	char from[24], to[24];
	const char *params[2] = {from, to};
	double t0 = now_s(), t1;
	PGconn *c;
	PGresult *r;
	int rows;

	(void)dir;
	if (!conninfo || !*conninfo)
		fail("--postgres needs CAMPAIGN_BENCH_PG");
	c = pgb_connect(conninfo);
	pgb_exec(c, "SET work_mem = '256MB'");
	pgb_exec(c, "SET max_parallel_workers_per_gather = 2");
	snprintf(from, sizeof(from), "%lld", T0_MS / 1000 + 3600); /* local midnight, 1 Jan 2025 */
	snprintf(to, sizeof(to), "%lld", T1_MS / 1000 + 3600);     /* local midnight, 1 Jan 2026 */
	t1 = now_s();
	r = PQexecParams(c, q, 2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		fail("postgres: %s", PQerrorMessage(c));
	t1 = now_s() - t1;
	rows = PQntuples(r);
	printf("query_ms=%.0f open_ms=%.0f rows=%d\n", t1 * 1e3, (now_s() - t0 - t1) * 1e3, rows);
	for (int i = 0; i < rows; i++)
		printf("R %s %s %s %s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
		       PQgetvalue(r, i, 2), PQgetvalue(r, i, 3));
	PQclear(r);
	PQfinish(c);
	return 0;
}

/* a child's run, as the parent sees it */
struct child {
	char *out;                       /* its stdout (malloc'd) */
	double wall_s;                   /* fork to exit */
	long maxrss_kb;                  /* getrusage: the whole process's peak */
	double cpu_s;                    /* its user + system time */
	double other;                    /* CPUs busy with anything else meanwhile */
};

/* cpu_busy_s - seconds of CPU time the machine has spent busy since boot
 * (all CPUs, idle and iowait left out), from /proc/stat */
static double cpu_busy_s(void)
{
	FILE *f = fopen("/proc/stat", "r");
	unsigned long long v[10] = {0}, busy = 0;
	long hz = sysconf(_SC_CLK_TCK);

	if (!f)
		return 0;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &v[6], &v[7]) != 8)
		v[0] = 0;
	fclose(f);
	for (int i = 0; i < 8; i++)
		if (i != 3 && i != 4)
			busy += v[i];
	return (double)busy / (double)(hz > 0 ? hz : 100);
}

/* wait_quiet - waits until the machine is below 0.15 CPU of load over one
 * second, for at most max_s seconds; returns the last load seen */
static double wait_quiet(double max_s)
{
	double t0 = now_s(), load;

	do {
		double b = cpu_busy_s(), t = now_s();

		sleep(1);
		load = (cpu_busy_s() - b) / (now_s() - t);
	} while (load >= 0.15 && now_s() - t0 < max_s);
	return load;
}

static void child_spawn(const char *self, const char *mode, const char *dir, struct child *c)
{
	int fd[2], status;
	pid_t pid;
	struct rusage ru;
	size_t len = 0, cap = 1 << 16;
	ssize_t n;
	double t0, busy0;

	memset(c, 0, sizeof(*c));
	wait_quiet(120);
	t0 = now_s();
	busy0 = cpu_busy_s();
	if (pipe(fd) != 0)
		fail("pipe: %s", strerror(errno));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		fail("fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execl(self, self, mode, dir, (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	c->out = xcalloc(cap, 1);
	while ((n = read(fd[0], c->out + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (cap - len < 1024) {
			cap *= 2;
			if (!(c->out = realloc(c->out, cap)))
				fail("out of memory");
		}
	}
	c->out[len] = '\0';
	close(fd[0]);
	if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail("the %s child failed (status %d); its output: %s", mode, status, c->out);
	c->wall_s = now_s() - t0;
	c->maxrss_kb = ru.ru_maxrss;
	c->cpu_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
		   (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
	c->other = (cpu_busy_s() - busy0 - c->cpu_s) / c->wall_s;
	if (c->other < 0)
		c->other = 0;
}

/* field - the number after "key=" in a child's first line */
static double field(const char *out, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "%s=", key);
	for (p = strstr(out, pat); p && p != out && p[-1] != ' '; p = strstr(p + 1, pat))
		;
	if (!p)
		fail("no %s in the child's output: %s", key, out);
	return strtod(p + strlen(pat), NULL);
}

/* ---- the check: exact contributions against SQLite ----------------------- */

struct exact {
	uint64_t count[CELLS];
	int64_t sum[CELLS];
};

/* exact_commune - campaign_contribution of every participant, combined
 * without noise: households and sum of clipped means per cell. */
static void exact_commune(const char *dir, const struct info *in, bool on_pg, struct exact *e)
{
	struct platform p = {0};
	struct campaign_row row = {0};
	struct campaign_spec spec = {0};
	struct campaign_domain d = {0};
	struct campaign_contrib c = {0};
	struct campaign_part *parts = xcalloc(1024, sizeof(*parts));
	const char *id = on_pg ? in->campaign_pg : in->campaign;
	char after[CRYPT_ID_LEN] = "", err[400], url[512];
	size_t nparts = 0;

	memset(e, 0, sizeof(*e));
	if (on_pg)
		store_url(url, sizeof(url), STORE_DB_RUN);
	platform_open(&p, dir, on_pg ? url : NULL);
	check_rc(store_campaign_get(p.s, id, false, &row), "store_campaign_get");
	if (campaign_spec_parse(row.spec, strlen(row.spec), &p.reg, &spec, err, sizeof(err)) !=
	    CMN_OK)
		fail("campaign_spec_parse%s", err);
	if (campaign_domain_init(&d, p.s, &spec, err, sizeof(err)) != CMN_OK || d.ncells != CELLS)
		fail("campaign_domain_init: %s (%zu cells)", err, d.ncells);
	do {
		check_rc(store_campaign_parts(p.s, id, after, parts, 1024, &nparts),
			 "store_campaign_parts");
		for (size_t i = 0; i < nparts; i++) {
			check_rc(campaign_contribution(p.s, &spec, &d, parts[i].person_id, &c),
				 "campaign_contribution");
			if (c.ncells > spec.privacy.max_cells)
				fail("person %s feeds %zu cells", parts[i].person_id, c.ncells);
			for (size_t k = 0; k < c.ncells; k++) {
				int64_t m = c.cells[k].mean;

				e->count[c.cells[k].cell]++;
				e->sum[c.cells[k].cell] += m < 0 ? 0 : m > CLIP_HI ? CLIP_HI : m;
			}
		}
		if (nparts)
			snprintf(after, sizeof(after), "%s", parts[nparts - 1].person_id);
	} while (nparts == 1024);
	campaign_contrib_release(&c);
	free(parts);
	campaign_domain_release(&d);
	campaign_spec_release(&spec);
	campaign_row_release(&row);
	platform_close(&p);
}

static void exact_sqlite(const char *out, struct exact *e)
{
	const char *line = strchr(out, '\n');
	char code[16];
	int hour, used;
	long long count, sum;

	memset(e, 0, sizeof(*e));
	while (line && sscanf(line + 1, "R %15s %d %lld %lld%n", code, &hour, &count, &sum,
			      &used) == 4) {
		int dist = (int)strtol(code + 1, NULL, 10) - 1; /* D01..D25 */

		if (code[0] != 'D' || dist < 0 || dist >= DISTRICTS || hour < 0 || hour >= HOURS)
			fail("sqlite: unexpected cell %s %d", code, hour);
		e->count[dist * HOURS + hour] = (uint64_t)count;
		e->sum[dist * HOURS + hour] = sum;
		line = strchr(line + 1, '\n');
	}
}

/* ---- the report --------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double best(const double *v, int n)
{
	double b = v[0];

	for (int i = 1; i < n; i++)
		b = v[i] < b ? v[i] : b;
	return b;
}

static double median(const double *v, int n)
{
	double s[ROUNDS_MAX];

	memcpy(s, v, (size_t)n * sizeof(*v));
	qsort(s, (size_t)n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static double maxof(const double *v, int n)
{
	double b = v[0];

	for (int i = 1; i < n; i++)
		b = v[i] > b ? v[i] : b;
	return b;
}

int main(int argc, char **argv)
{
	static struct year y;
	struct info in = {0};
	char self[512], dir[256];
	const char *reuse = getenv("CAMPAIGN_BENCH_DATA"), *sq = getenv("CAMPAIGN_BENCH_SQLITE");
	bool with_sqlite = !(sq && strcmp(sq, "0") == 0), made = false;
	size_t n = 10000;
	int rounds = 3;
	double c_total[ROUNDS_MAX], c_read[ROUNDS_MAX], c_wall[ROUNDS_MAX], c_hwm[ROUNDS_MAX];
	double c_maxrss[ROUNDS_MAX], s_query[ROUNDS_MAX], s_wall[ROUNDS_MAX], s_hwm[ROUNDS_MAX];
	double s_maxrss[ROUNDS_MAX], c_cpu[ROUNDS_MAX], c_other[ROUNDS_MAX], s_cpu[ROUNDS_MAX];
	double s_other[ROUNDS_MAX], p_query[ROUNDS_MAX], p_wall[ROUNDS_MAX], p_cpu[ROUNDS_MAX];
	double p_server[ROUNDS_MAX], p_other[ROUNDS_MAX];
	double g_total[ROUNDS_MAX], g_read[ROUNDS_MAX], g_wall[ROUNDS_MAX], g_hwm[ROUNDS_MAX];
	double g_cpu[ROUNDS_MAX], g_server[ROUNDS_MAX], g_other[ROUNDS_MAX];
	const char *pg = getenv("CAMPAIGN_BENCH_PG"), *pgdata = getenv("CAMPAIGN_BENCH_PGDATA");
	const char *store_pg = getenv("CAMPAIGN_BENCH_STORE_PG");
	bool with_pg = pg && *pg, with_store_pg = with_pg && store_pg && *store_pg;
	struct child c, last_sqlite = {0}, last_pg = {0};
	ssize_t len;

	if (argc == 3 && strcmp(argv[1], "--commune") == 0)
		return child_commune(argv[2], false);
	if (argc == 3 && strcmp(argv[1], "--commune-pg") == 0)
		return child_commune(argv[2], true);
	if (argc == 3 && strcmp(argv[1], "--sqlite") == 0)
		return child_sqlite(argv[2]);
	if (argc == 3 && strcmp(argv[1], "--postgres") == 0)
		return child_postgres(argv[2]);
	if (argc > 3 || (argc > 1 && argv[1][0] == '-'))
		fail("usage: campaign_bench [HOUSEHOLDS [ROUNDS]] | --commune DIR | --commune-pg DIR |"
		     " --sqlite DIR | --postgres DIR");
	if (argc > 1)
		n = (size_t)parse_u64(argv[1], "HOUSEHOLDS");
	if (argc > 2)
		rounds = (int)parse_u64(argv[2], "ROUNDS");
	if (n < 1 || rounds < 1 || rounds > ROUNDS_MAX)
		fail("HOUSEHOLDS >= 1 and 1 <= ROUNDS <= %d", ROUNDS_MAX);
	if ((len = readlink("/proc/self/exe", self, sizeof(self) - 1)) < 0)
		fail("readlink /proc/self/exe: %s", strerror(errno));
	self[len] = '\0';
	check_rc(crypt_init(), "crypt_init");
	year_init(&y);

	if (reuse && *reuse) {
		snprintf(dir, sizeof(dir), "%s", reuse);
		info_read(dir, &in);
		n = in.n;
		with_sqlite = with_sqlite && in.sqlite;
		printf("setup: reusing %s (%zu households)\n", dir, n);
	} else {
		snprintf(dir, sizeof(dir), "/tmp/commune-campaign-bench-XXXXXX");
		if (!mkdtemp(dir))
			fail("mkdtemp failed");
		made = true;
		setup(dir, n, with_sqlite, &y);
		info_read(dir, &in);
	}
	if (with_pg) {
		double t0 = now_s();
		int64_t points = pg_build(pg, &y, n);
		PGconn *pc;

		t0 = now_s() - t0;
		pc = pgb_connect(pg);
		printf("  PostgreSQL points and households (1 thread, COPY, then VACUUM (FREEZE,"
		       " ANALYZE)): %.1f s (%.1f M rows/s); %.2f GB (%.2f bytes/point), %s\n",
		       t0, (double)points / t0 / 1e6,
		       (double)pgb_int(pc, "SELECT pg_total_relation_size('points')") / 1e9,
		       (double)pgb_int(pc, "SELECT pg_total_relation_size('points')") /
			   (double)points,
		       PQparameterStatus(pc, "server_version"));
		PQfinish(pc);
		fflush(stdout);
	}
	if (with_store_pg)
		setup_store_pg(dir, pg, &in);

	/* the timed rounds: commune then SQLite, each a fresh process */
	for (int r = 0; r < rounds; r++) {
		progress("round %d of %d: commune", r + 1, rounds);
		/* a round disturbed by other work (0.3 CPU or more) is redone, twice at most */
		for (int again = 0;; again++) {
			child_spawn(self, "--commune", dir, &c);
			if (c.other < 0.3 || again == 2)
				break;
			fprintf(stderr, "     other load %.2f CPU: redone\n", c.other);
			free(c.out);
		}
		c_cpu[r] = c.cpu_s;
		c_other[r] = c.other;
		c_total[r] = field(c.out, "total_ms") / 1e3;
		c_read[r] = field(c.out, "read_ms") / 1e3;
		c_hwm[r] = field(c.out, "hwm_run_kb") / 1024;
		c_wall[r] = c.wall_s;
		c_maxrss[r] = (double)c.maxrss_kb / 1024;
		if ((size_t)field(c.out, "counted") != n)
			fail("campaign_run counted %.0f of %zu households: %s", field(c.out, "counted"),
			     n, c.out);
		fprintf(stderr, "     other load %.2f CPU, CPU %.1f s: %s", c.other, c.cpu_s, c.out);
		if (r == rounds - 1)
			printf("commune run (last round): %s", c.out);
		free(c.out);
		if (with_store_pg) {
			double server;

			progress("round %d of %d: commune on PostgreSQL", r + 1, rounds);
			store_db_fresh(pg, false);
			server = pgdata ? pgb_postmaster_cpu_s(pgdata) : -1;
			child_spawn(self, "--commune-pg", dir, &c);
			usleep(300000);
			server = server >= 0 ? pgb_postmaster_cpu_s(pgdata) - server : 0;
			g_server[r] = server;
			g_other[r] = c.other - server / c.wall_s;
			if (g_other[r] < 0)
				g_other[r] = 0;
			g_cpu[r] = c.cpu_s;
			g_total[r] = field(c.out, "total_ms") / 1e3;
			g_read[r] = field(c.out, "read_ms") / 1e3;
			g_hwm[r] = field(c.out, "hwm_run_kb") / 1024;
			g_wall[r] = c.wall_s;
			if ((size_t)field(c.out, "counted") != n)
				fail("campaign_run on PostgreSQL counted %.0f of %zu households: %s",
				     field(c.out, "counted"), n, c.out);
			fprintf(stderr, "     other load %.2f CPU, CPU %.1f s (server %.1f s): %s",
				g_other[r], c.cpu_s, server, c.out);
			if (r == rounds - 1)
				printf("commune run on PostgreSQL (last round): %s", c.out);
			free(c.out);
		}
		if (with_sqlite) {
			progress("round %d of %d: SQLite", r + 1, rounds);
			child_spawn(self, "--sqlite", dir, &c);
			s_query[r] = field(c.out, "query_ms") / 1e3;
			s_hwm[r] = field(c.out, "hwm_run_kb") / 1024;
			s_wall[r] = c.wall_s;
			s_maxrss[r] = (double)c.maxrss_kb / 1024;
			s_cpu[r] = c.cpu_s;
			s_other[r] = c.other;
			fprintf(stderr, "     other load %.2f CPU, CPU %.1f s: %.*s\n", c.other, c.cpu_s,
				(int)strcspn(c.out, "\n"), c.out);
			if (last_sqlite.out &&
			    strcmp(strchr(last_sqlite.out, '\n'), strchr(c.out, '\n')) != 0)
				fail("SQLite gave two different tables in two rounds");
			free(last_sqlite.out);
			last_sqlite = c;
		}
		if (!with_pg)
			continue;
		progress("round %d of %d: PostgreSQL", r + 1, rounds);
		{
			double server = pgdata ? pgb_postmaster_cpu_s(pgdata) : -1;

			child_spawn(self, "--postgres", dir, &c);
			/* the backend and its workers are reaped by the postmaster
			 * once they exit, a moment after the child's end */
			usleep(300000);
			server = server >= 0 ? pgb_postmaster_cpu_s(pgdata) - server : 0;
			p_server[r] = server;
			p_other[r] = c.other - server / c.wall_s;
			if (p_other[r] < 0)
				p_other[r] = 0;
		}
		p_query[r] = field(c.out, "query_ms") / 1e3;
		p_wall[r] = c.wall_s;
		p_cpu[r] = c.cpu_s;
		fprintf(stderr, "     other load %.2f CPU, CPU %.1f s (server %.1f s): %.*s\n",
			p_other[r], c.cpu_s, p_server[r], (int)strcspn(c.out, "\n"), c.out);
		if (last_pg.out && strcmp(strchr(last_pg.out, '\n'), strchr(c.out, '\n')) != 0)
			fail("PostgreSQL gave two different tables in two rounds");
		free(last_pg.out);
		last_pg = c;
	}

	printf("\n%zu households x 2025 (30 min), district x hour of day (%d cells), %d rounds;"
	       " best (median, max)\n",
	       n, CELLS, rounds);
	printf("| method | best s | median s | max s | peak RSS of the run, MB (max) |"
	       " peak RSS of the process, MB (max) | CPU s (median) | other load, CPU (max) |\n"
	       "|---|---|---|---|---|---|---|---|\n");
	printf("| commune `campaign_run` total_ms | %.2f | %.2f | %.2f | %.1f | %.1f | %.1f | %.2f |\n",
	       best(c_total, rounds), median(c_total, rounds), maxof(c_total, rounds),
	       maxof(c_hwm, rounds), maxof(c_maxrss, rounds), median(c_cpu, rounds),
	       maxof(c_other, rounds));
	printf("|   of which read_ms (the stores, %u threads) | %.2f | %.2f | %.2f | | | | |\n", 2,
	       best(c_read, rounds), median(c_read, rounds), maxof(c_read, rounds));
	printf("| commune child process, exec to exit | %.2f | %.2f | %.2f | | | | |\n",
	       best(c_wall, rounds), median(c_wall, rounds), maxof(c_wall, rounds));
	if (with_store_pg) {
		printf("| commune `campaign_run` on a PostgreSQL store, total_ms (server CPU +"
		       " client CPU in the CPU column) | %.2f | %.2f | %.2f | %.1f | | %.1f + %.1f |"
		       " %.2f |\n",
		       best(g_total, rounds), median(g_total, rounds), maxof(g_total, rounds),
		       maxof(g_hwm, rounds), median(g_server, rounds), median(g_cpu, rounds),
		       maxof(g_other, rounds));
		printf("|   of which read_ms | %.2f | %.2f | %.2f | | | | |\n", best(g_read, rounds),
		       median(g_read, rounds), maxof(g_read, rounds));
		printf("| commune on PostgreSQL child process, exec to exit | %.2f | %.2f | %.2f |"
		       " | | | |\n",
		       best(g_wall, rounds), median(g_wall, rounds), maxof(g_wall, rounds));
	}
	if (with_sqlite) {
		printf("| SQLite query | %.2f | %.2f | %.2f | %.1f | %.1f | %.1f | %.2f |\n",
		       best(s_query, rounds), median(s_query, rounds), maxof(s_query, rounds),
		       maxof(s_hwm, rounds), maxof(s_maxrss, rounds), median(s_cpu, rounds),
		       maxof(s_other, rounds));
		printf("| SQLite child process, exec to exit | %.2f | %.2f | %.2f | | | | |\n",
		       best(s_wall, rounds), median(s_wall, rounds), maxof(s_wall, rounds));
	}
	if (with_pg) {
		printf("| PostgreSQL query (server CPU + client CPU in the CPU column) | %.2f | %.2f |"
		       " %.2f | | | %.1f + %.1f | %.2f |\n",
		       best(p_query, rounds), median(p_query, rounds), maxof(p_query, rounds),
		       median(p_server, rounds), median(p_cpu, rounds), maxof(p_other, rounds));
		printf("| PostgreSQL child process, exec to exit | %.2f | %.2f | %.2f | | | | |\n",
		       best(p_wall, rounds), median(p_wall, rounds), maxof(p_wall, rounds));
	}
	if (with_sqlite)
		printf("\nSQLite / commune (best times): %.1fx (query / total_ms), %.1fx (process /"
		       " process)\n",
		       best(s_query, rounds) / best(c_total, rounds),
		       best(s_wall, rounds) / best(c_wall, rounds));
	if (with_pg)
		printf("PostgreSQL / commune (best times): %.1fx (query / total_ms), %.1fx (process /"
		       " process)\n",
		       best(p_query, rounds) / best(c_total, rounds),
		       best(p_wall, rounds) / best(c_wall, rounds));
	if (with_store_pg)
		printf("commune on PostgreSQL / commune on SQLite (best total_ms): %.2fx\n",
		       best(g_total, rounds) / best(c_total, rounds));
	printf("per household: commune %.3f ms (total_ms), %.3f ms (read_ms x 2 threads)\n",
	       1e3 * best(c_total, rounds) / (double)n, 2e3 * best(c_read, rounds) / (double)n);
	fflush(stdout);

	/* the check: commune's exact contributions against SQLite's cells */
	{
		static struct exact ec, es;
		uint64_t people = 0;
		size_t diff = 0, nonempty = 0;

		progress("check: campaign_contribution of every participant (untimed)");
		exact_commune(dir, &in, false, &ec);
		for (int k = 0; k < CELLS; k++) {
			people += ec.count[k];
			nonempty += ec.count[k] > 0;
		}
		if (with_sqlite) {
			exact_sqlite(last_sqlite.out, &es);
			for (int k = 0; k < CELLS; k++)
				if (ec.count[k] != es.count[k] || ec.sum[k] != es.sum[k]) {
					if (diff++ < 5)
						fprintf(stderr,
							"cell D%02d %02d: commune %" PRIu64 " households, sum"
							" %" PRId64 "; SQLite %" PRIu64 ", %" PRId64 "\n",
							k / HOURS + 1, k % HOURS, ec.count[k], ec.sum[k],
							es.count[k], es.sum[k]);
				}
			printf("check: %zu cells with households, %" PRIu64 " (household, cell) pairs;"
			       " commune's exact counts and sums of clipped means %s SQLite's in %s\n",
			       nonempty, people, diff ? "DIFFER from" : "equal",
			       diff ? "some cells" : "every cell");
			if (diff)
				fail("%zu cells differ", diff);
			printf("  e.g. D01 hour 19: %" PRIu64 " households, mean of means %.1f W\n",
			       ec.count[19], ec.count[19] ? (double)ec.sum[19] / (double)ec.count[19]
							  : 0.0);
		} else {
			printf("check: %zu cells with households, %" PRIu64 " (household, cell) pairs"
			       " (no SQLite to compare with)\n",
			       nonempty, people);
		}
		if (with_pg) {
			exact_sqlite(last_pg.out, &es);
			diff = 0;
			for (int k = 0; k < CELLS; k++)
				diff += ec.count[k] != es.count[k] || ec.sum[k] != es.sum[k];
			printf("check: commune's exact counts and sums of clipped means %s"
			       " PostgreSQL's in %s\n",
			       diff ? "DIFFER from" : "equal", diff ? "some cells" : "every cell");
			if (diff)
				fail("%zu cells differ from PostgreSQL's", diff);
		}
		if (with_store_pg) {
			exact_commune(dir, &in, true, &es);
			diff = 0;
			for (int k = 0; k < CELLS; k++)
				diff += ec.count[k] != es.count[k] || ec.sum[k] != es.sum[k];
			printf("check: commune's exact counts and sums on its PostgreSQL store %s"
			       " those on SQLite in %s\n",
			       diff ? "DIFFER from" : "equal", diff ? "some cells" : "every cell");
			if (diff)
				fail("%zu cells differ between commune's two stores", diff);
		}
	}
	free(last_sqlite.out);
	free(last_pg.out);
	series_zone_release();

	if (made && getenv("CAMPAIGN_BENCH_KEEP") && strcmp(getenv("CAMPAIGN_BENCH_KEEP"), "0")) {
		fprintf(stderr, "campaign_bench: kept %s (CAMPAIGN_BENCH_DATA=%s reuses it)\n", dir,
			dir);
	} else if (made) {
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "campaign_bench: could not remove %s\n", dir);
	}
	return 0;
}
