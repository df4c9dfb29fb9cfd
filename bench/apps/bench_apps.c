/*
 * bench_apps.c - issue 8's benchmark of apps (src/apps/): what one run
 * costs when the app does nothing, and what My Smart Home costs over one
 * household-year of data, each beside baselines measured in the same
 * process and the same rounds.
 *
 * Run it through bench/apps/run.sh, which builds the library and this
 * program. Usage:
 *
 *   bench_apps --app DIR [--runs N] [--overhead-runs N]
 *
 * --app DIR: the sources of My Smart Home (apps/smart-home), packed with
 * app_pack as `commune app pack` does; --runs: runs of the household-year
 * (20); --overhead-runs: runs of each operation of the overhead table
 * (2000).
 *
 * The store: a person's store made as tests/support/fixture.c makes it (a
 * temporary data dir, removed at the end), filled with one household of the
 * synthetic territory (src/synth/, seed 2026, 2025 in Europe/Paris): the
 * first household heated with gas. Its Enedis 30-minute load curve (17,520
 * points of mean W) and its GRDF daily gas (365 days, Wh and litres) are
 * written in the holders' formats and imported with import_buffer, so the
 * store holds what `commune import` of those files gives.
 *
 * 1. Overhead, each operation timed alone with CLOCK_MONOTONIC, the
 *    operations interleaved (their order rotates each round) so that they
 *    share the machine's noise, after 50 untimed rounds:
 *    - app_run of `function run() end`, its package parsed once (a fresh
 *      Lua state, the safe library and host API, load, call, one
 *      transaction, one "app.run" audit entry);
 *    - the same with app_package_parse of its bytes first;
 *    - baselines: app_package_parse alone; the store part alone
 *      (pstore_tx_begin, pstore_tx_end, pstore_audit_append of a detail
 *      like app_run's); a bare Lua state with the whole standard library
 *      (luaL_newstate, luaL_openlibs, lua_close) and without it
 *      (luaL_newstate, lua_close).
 * 2. Household-year, R rounds after 2 untimed ones, each round:
 *    - the native scan: series_scan of the electricity and the gas (Wh)
 *      series with a callback that only counts;
 *    - the native sums: the same scans computing the monthly sums (the
 *      local month of each point, tz_local_day) of both and the hourly
 *      profile of the electricity, as a plain C loop;
 *    - the app: app_run of the package (parsed once) on the store: it
 *      reads the same points and day buckets, writes 24 records of
 *      energy.profile.monthly (replacing the previous run's) and returns
 *      its yearly totals, which are checked against the native sums.
 *
 * Medians and p95 of the per-call times; ratios are of medians.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "apps/app.h"
#include "core/timeutil.h"
#include "core/tz.h"
#include "fixture.h"
#include "import/import.h"
#include "series/series.h"
#include "synth/synth.h"

#define SYNTH_SEED 2026
#define YEAR 2025
#define DAYS 365
#define WARMUP_OVERHEAD 50
#define WARMUP_YEAR 2
#define MONTHS 12
#define HOUR_MS 3600000LL

#define ELEC "energy.electricity.load_curve"
#define GAS "energy.gas.consumption"

static const char EMPTY_MANIFEST[] =
	"{\"id\": \"bench-empty\", \"version\": \"1.0.0\", \"publisher\": {\"name\": \"bench\"},"
	" \"name\": {\"fr\": \"Vide\", \"en\": \"Empty\"},"
	" \"description\": {\"fr\": \"Une app vide\", \"en\": \"An empty app\"},"
	" \"entry\": \"main.lua\", \"permissions\": {\"read\": [{\"doctype\": \"" ELEC "\"}],"
	" \"write\": [], \"datasets\": []}, \"triggers\": [{\"on\": \"demand\"}]}";

/* what the benchmark works on */
struct bench {
	struct fixture f;
	struct synth_territory terr;
	struct synth_household home;
	struct series_def elec, gas;      /* the W and the Wh series */
	const struct tz *zone;            /* Europe/Paris */
};

static struct bench b;
static volatile int64_t sink;         /* results go here: no work is optimised away */

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void die(const char *what, const char *why)
{
	fprintf(stderr, "bench_apps: %s: %s\n", what, why);
	exit(1);
}

static void check(enum cmn_rc rc, const char *what)
{
	if (rc != CMN_OK)
		die(what, cmn_strerror(rc));
}

/* ---- samples ------------------------------------------------------------------ */

struct samples {
	double *v;                        /* per-call times, µs */
	size_t n, cap;
};

static void samples_add(struct samples *s, int64_t ns)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 256;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		if (!s->v)
			die("samples", "out of memory");
	}
	s->v[s->n++] = (double)ns / 1000.0;
}

static int cmp_double(const void *a, const void *c)
{
	double x = *(const double *)a, y = *(const double *)c;

	return (x > y) - (x < y);
}

/* quantile - of the sorted samples, q in [0, 1]: the value at rank
 * ceil(q n) (the median of an even count is the mean of the middle two) */
static double quantile(struct samples *s, double q)
{
	size_t k;

	if (s->n == 0)
		return 0;
	qsort(s->v, s->n, sizeof(*s->v), cmp_double);
	if (q == 0.5 && s->n % 2 == 0)
		return (s->v[s->n / 2 - 1] + s->v[s->n / 2]) / 2;
	k = (size_t)(q * (double)s->n + 0.999999);
	return s->v[k ? k - 1 : 0];
}

static void samples_release(struct samples *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

/* ---- packages --------------------------------------------------------------------- */

/* package_bytes - a package's JSON text from a manifest and one Lua file.
 * malloc'd. */
static char *package_bytes(const char *manifest, const char *lua, size_t *n)
{
	json_t *mf = json_loads(manifest, 0, NULL), *doc;
	char *text;

	if (!mf)
		die("package", "bad manifest");
	doc = json_pack("{s:s, s:o, s:{s:s}}", "format", "commune-app/1", "manifest", mf, "files",
			"main.lua", lua);
	text = doc ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(doc);
	if (!text)
		die("package", "cannot build");
	*n = strlen(text);
	return text;
}

static void parse(const char *bytes, size_t n, struct app_package *p)
{
	char err[300] = "";

	if (app_package_parse(bytes, n, &b.f.reg, p, err, sizeof(err)) != CMN_OK)
		die("package", err);
}

static void run_app(const struct app_package *p, struct app_run *r)
{
	char actor[APP_ID_MAX + APP_VERSION_MAX + 8];
	struct app_host h = {b.f.ps, &b.f.reg, actor, "demand", NULL, time_now_ms()};

	snprintf(actor, sizeof(actor), "app:%s@%s", p->m.id, p->m.version);
	check(app_run(p, &h, r), "app_run");
	if (r->outcome != APP_OK) {
		fprintf(stderr, "bench_apps: %s: %s: %s\n", p->m.id, app_outcome_name(r->outcome),
			r->error);
		exit(1);
	}
}

/* ---- the household ----------------------------------------------------------------- */

typedef enum cmn_rc (*synth_writer)(const struct synth_territory *, const struct synth_household *,
				    FILE *);

static void import_synth(synth_writer write, const char *format, const char *name)
{
	struct import_job job;
	char *data = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&data, &len);
	enum cmn_rc rc;

	if (!mem)
		die(name, "open_memstream");
	check(write(&b.terr, &b.home, mem), name);
	if (fclose(mem) != 0)
		die(name, "fclose");
	rc = import_buffer(b.f.ps, &b.f.reg, "bench", data, len, name, format, &job);
	if (rc != CMN_OK) {
		fprintf(stderr, "bench_apps: import %s: %zu:%zu: %s\n", name, job.err.line,
			job.err.column, job.err.message[0] ? job.err.message : cmn_strerror(rc));
		exit(1);
	}
	fprintf(stderr, "  imported %s: %" PRIu64 " points, %" PRIu64 " records\n", name,
		job.stats.points_added, job.stats.records_created);
	import_job_release(&job);
	free(data);
}

static void fill_household(void)
{
	int64_t start_day = time_days_from_civil(YEAR, 1, 1);
	uint64_t i;

	check(synth_territory_init(&b.terr, SYNTH_SEED, start_day, DAYS), "synth territory");
	for (i = 0; i < 1000; i++) {
		synth_household(&b.terr, i, &b.home);
		if (b.home.heating == HEAT_GAS)
			break;
	}
	if (i == 1000)
		die("synth", "no gas-heated household");
	import_synth(synth_write_enedis_csv, "enedis-csv", "enedis-courbe.csv");
	import_synth(synth_write_grdf_json, "grdf-json", "grdf.json");
	check(pstore_series_find(b.f.ps, ELEC, "enedis", b.home.prm, &b.elec),
	      "electricity series");
	check(pstore_series_find(b.f.ps, GAS, "grdf", b.home.pce, &b.gas), "gas series");
	if (strcmp(b.elec.unit, "W") != 0 || strcmp(b.gas.unit, "Wh") != 0)
		die("series", "unexpected units");
	if (!(b.zone = series_zone("Europe/Paris")))
		die("zone", "Europe/Paris");
}

/* ---- native baselines ------------------------------------------------------------- */

struct native {
	int64_t points;
	int64_t month[MONTHS];            /* sums of the values, by local month of YEAR */
	int64_t hour_sum[24];             /* the electricity's values by local hour */
	int64_t hour_n[24];
	int64_t outside;                  /* points outside YEAR */
	bool hourly;
};

static enum cmn_rc count_point(int64_t t, int64_t v, void *ctx)
{
	struct native *n = ctx;

	n->points++;
	n->month[0] += v + (t & 1);
	return CMN_OK;
}

/* sum_point - what the app computes for a point: its local month (and
 * hour), plain C */
static enum cmn_rc sum_point(int64_t t, int64_t v, void *ctx)
{
	struct native *n = ctx;
	int64_t ms, y, day = tz_local_day(b.zone, t, &ms);
	int m, d;

	time_civil_from_days(day, &y, &m, &d);
	n->points++;
	if (y != YEAR) {
		n->outside++;
		return CMN_OK;
	}
	n->month[m - 1] += v;
	if (n->hourly) {
		n->hour_sum[ms / HOUR_MS] += v;
		n->hour_n[ms / HOUR_MS]++;
	}
	return CMN_OK;
}

/* native - both series, through fn; elec and gas zeroed first */
static void native(enum cmn_rc (*fn)(int64_t, int64_t, void *), struct native *elec,
		   struct native *gas)
{
	memset(elec, 0, sizeof(*elec));
	memset(gas, 0, sizeof(*gas));
	elec->hourly = true;
	check(series_scan(b.f.ps, &b.elec, b.elec.t_first, b.elec.t_last + 1, fn, elec), "scan");
	check(series_scan(b.f.ps, &b.gas, b.gas.t_first, b.gas.t_last + 1, fn, gas), "scan");
	sink += elec->month[0] + gas->month[0];
}

/* ---- 1. overhead ------------------------------------------------------------------ */

enum op { OP_RUN, OP_PARSE_RUN, OP_PARSE, OP_STORE, OP_LUA, OP_LUA_STATE, OPS };

static const char *const op_name[OPS] = {
	"**app_run of an empty app** (package parsed once)",
	"app_package_parse + app_run of an empty app",
	"app_package_parse alone (baseline)",
	"store part alone: tx_begin + tx_end + audit_append (baseline)",
	"bare Lua: luaL_newstate + luaL_openlibs + lua_close (baseline)",
	"bare Lua state: luaL_newstate + lua_close (baseline)",
};

struct overhead {
	const char *bytes;
	size_t n;
	struct app_package p;
	char detail[512];
	struct samples inside;            /* app_run's own elapsed_us: its start to lua_close */
	uint64_t instructions;
	size_t mem_peak;
};

static int64_t overhead_op(struct overhead *o, enum op op)
{
	struct app_package q;
	struct app_run r;
	lua_State *L;
	int64_t t0 = now_ns(), t1;

	switch (op) {
	case OP_RUN:
		run_app(&o->p, &r);
		t1 = now_ns();
		samples_add(&o->inside, r.elapsed_us * 1000);
		o->instructions = r.instructions;
		o->mem_peak = r.mem_peak;
		app_run_release(&r);
		return t1 - t0;
	case OP_PARSE_RUN:
		parse(o->bytes, o->n, &q);
		run_app(&q, &r);
		app_run_release(&r);
		app_package_release(&q);
		break;
	case OP_PARSE:
		parse(o->bytes, o->n, &q);
		app_package_release(&q);
		break;
	case OP_STORE:
		check(pstore_tx_begin(b.f.ps), "tx_begin");
		check(pstore_tx_end(b.f.ps, CMN_OK), "tx_end");
		check(pstore_audit_append(b.f.ps, "app:bench-empty@1.0.0", "app.run",
					  "app/bench-empty", o->detail),
		      "audit_append");
		break;
	case OP_LUA:
		if (!(L = luaL_newstate()))
			die("lua", "luaL_newstate");
		luaL_openlibs(L);
		lua_close(L);
		break;
	case OP_LUA_STATE:
		if (!(L = luaL_newstate()))
			die("lua", "luaL_newstate");
		lua_close(L);
		break;
	case OPS:
		break;
	}
	return now_ns() - t0;
}

static void bench_overhead(int rounds)
{
	struct overhead o = {0};
	struct samples s[OPS] = {{0}};
	double med[OPS], p95[OPS], inside;

	o.bytes = package_bytes(EMPTY_MANIFEST, "function run() end", &o.n);
	parse(o.bytes, o.n, &o.p);
	/* what app_run appends: its version, digest, outcome, reads, writes... */
	snprintf(o.detail, sizeof(o.detail),
		 "{\"elapsed_us\":60,\"instructions\":3,\"outcome\":\"ok\",\"reads\":{},"
		 "\"replaced\":0,\"sha256\":\"%s\",\"version\":\"1.0.0\",\"writes\":{}}",
		 o.p.sha256);
	fprintf(stderr, "== overhead: %d rounds of %d operations\n", rounds, OPS);
	for (int r = -WARMUP_OVERHEAD; r < rounds; r++) {
		for (int k = 0; k < OPS; k++) {
			enum op op = (enum op)((r + WARMUP_OVERHEAD + k) % OPS);
			int64_t ns = overhead_op(&o, op);

			if (r >= 0)
				samples_add(&s[op], ns);
		}
	}
	for (int k = 0; k < OPS; k++) {
		med[k] = quantile(&s[k], 0.5);
		p95[k] = quantile(&s[k], 0.95);
	}
	printf("\n## 1. Per-run overhead: an empty app (`function run() end`)\n\n");
	printf("%d runs of each operation, interleaved (order rotated each round), each timed "
	       "alone; µs per call.\n\n",
	       rounds);
	printf("| operation | median µs | p95 µs | × empty app_run |\n|---|---|---|---|\n");
	for (int k = 0; k < OPS; k++)
		printf("| %s | %.1f | %.1f | %.2f |\n", op_name[k], med[k], p95[k],
		       med[k] / med[OP_RUN]);
	printf("\nThe empty run: %" PRIu64 " Lua instructions counted (the hook counts by 1000), "
	       "%zu bytes of Lua memory at its peak.\n",
	       o.instructions, o.mem_peak);
	inside = quantile(&o.inside, 0.5);
	printf("Of the empty run's median, %.0f µs (the median of app_run's own elapsed_us) go "
	       "from its start to lua_close (Lua state, tx_begin, safe library, host API, load, "
	       "call), %.0f µs after it (commit, audit detail JSON, audit entry).\n",
	       inside, med[OP_RUN] - inside);
	printf("\nTarget: overhead < 1 ms: median %.3f ms, p95 %.3f ms -> %s\n", med[OP_RUN] / 1000,
	       p95[OP_RUN] / 1000, p95[OP_RUN] < 1000 ? "met (median and p95)"
				 : med[OP_RUN] < 1000 ? "met at the median, not at p95"
						      : "NOT met");
	for (int k = 0; k < OPS; k++)
		samples_release(&s[k]);
	samples_release(&o.inside);
	app_package_release(&o.p);
	free((char *)o.bytes);
}

/* ---- 2. household-year ------------------------------------------------------------- */

static double kwh_of(const struct native *n, bool power)
{
	int64_t sum = 0;

	for (int m = 0; m < MONTHS; m++)
		sum += n->month[m];
	/* W over 30 minutes: Wh = W / 2 */
	return power ? (double)sum * (double)b.elec.step / (double)HOUR_MS / 1000.0
		     : (double)sum / 1000.0;
}

static bool close_to(double a, double c)
{
	double d = a - c;

	return (d < 0 ? -d : d) <= 1e-9 * (c < 0 ? -c : c) + 1e-9;
}

/* check_smart_home - My Smart Home's totals against the native sums */
static void check_smart_home(const json_t *res, const struct native *elec, const struct native *gas)
{
	double ke = json_number_value(json_object_get(json_object_get(res, "electricity"), "kwh"));
	double kg = json_number_value(json_object_get(json_object_get(res, "gas"), "kwh"));

	if (!close_to(ke, kwh_of(elec, true)) || !close_to(kg, kwh_of(gas, false))) {
		fprintf(stderr, "bench_apps: smart-home says %.6f and %.6f kWh,", ke, kg);
		fprintf(stderr, " native %.6f and %.6f\n", kwh_of(elec, true), kwh_of(gas, false));
		exit(1);
	}
}

static void load_app(const char *dir, struct app_package *p, char **bytes)
{
	char err[300] = "";
	size_t n;

	if (app_pack(dir, &b.f.reg, bytes, &n, err, sizeof(err)) != CMN_OK)
		die(dir, err);
	parse(*bytes, n, p);
}

enum year_op { Y_SCAN, Y_SUMS, Y_APP, YOPS };

static void bench_year(const char *dir, int rounds)
{
	struct app_package p;
	struct native elec, gas;
	struct samples s[YOPS] = {{0}};
	struct app_run last = {0};
	char *bytes;
	double med[YOPS];
	static const char *const yname[YOPS] = {
		"native scan: series_scan of both series, counting (baseline)",
		"native sums: series_scan + monthly sums + hourly profile in C (baseline)",
		"**the app: app_run**",
	};

	load_app(dir, &p, &bytes);
	fprintf(stderr, "== household-year: %d rounds, app %s\n", rounds, p.m.id);
	for (int r = -WARMUP_YEAR; r < rounds; r++) {
		for (int k = 0; k < YOPS; k++) {
			enum year_op op = (enum year_op)((r + WARMUP_YEAR + k) % YOPS);
			struct app_run run;
			int64_t t0 = now_ns(), t1;

			if (op == Y_SCAN) {
				native(count_point, &elec, &gas);
			} else if (op == Y_SUMS) {
				native(sum_point, &elec, &gas);
			} else {
				run_app(&p, &run);
			}
			t1 = now_ns();
			if (r >= 0)
				samples_add(&s[op], t1 - t0);
			if (op == Y_APP) {
				app_run_release(&last);
				last = run;
			}
		}
	}
	/* the last sums are the native sums (scan and sums alternate) */
	native(sum_point, &elec, &gas);
	check_smart_home(last.result, &elec, &gas);

	printf("\n## 2. One household-year: My Smart Home (%s@%s)\n\n", p.m.id, p.m.version);
	printf("App: packed from %s, package sha256 %.12s…\n", dir, p.sha256);
	printf("Data: synthetic household %s of seed %d (gas heating, %d m², members: %d), %d in "
	       "Europe/Paris: electricity %" PRId64 " points of 30 min (W), gas %" PRId64
	       " days (Wh) and %s.\n",
	       b.home.handle, SYNTH_SEED, b.home.surface_m2, b.home.nmembers, YEAR, b.elec.points,
	       b.gas.points, "its volume series (litres)");
	printf("Native totals: electricity %.1f kWh, gas %.1f kWh; the app's result agrees.\n\n",
	       kwh_of(&elec, true), kwh_of(&gas, false));
	printf("%d rounds, interleaved (order rotated each round); ms per call.\n\n", rounds);
	printf("| operation | median ms | min ms | p95 ms | max ms | app × this |\n"
	       "|---|---|---|---|---|---|\n");
	for (int k = 0; k < YOPS; k++)
		med[k] = quantile(&s[k], 0.5);
	for (int k = 0; k < YOPS; k++)
		printf("| %s | %.2f | %.2f | %.2f | %.2f | %.1f |\n", yname[k], med[k] / 1000,
		       s[k].v[0] / 1000, quantile(&s[k], 0.95) / 1000, s[k].v[s[k].n - 1] / 1000,
		       med[Y_APP] / med[k]);
	printf("\nThe app's last run: %" PRIu64 " Lua instructions, %.1f MiB of Lua memory at its "
	       "peak, %" PRId64 " points and %" PRId64 " records read, %" PRId64
	       " records written (%" PRId64 " replaced), app_run's own elapsed %.2f ms.\n",
	       last.instructions, (double)last.mem_peak / 1048576.0, last.points_read,
	       last.records_read, last.records_written, last.records_replaced,
	       (double)last.elapsed_us / 1000);
	printf("\nTarget: one household-year < 50 ms: median %.1f ms (max %.1f ms) -> %s\n",
	       med[Y_APP] / 1000, s[Y_APP].v[s[Y_APP].n - 1] / 1000,
	       med[Y_APP] < 50000 ? "met" : "NOT met");
	app_run_release(&last);
	for (int k = 0; k < YOPS; k++)
		samples_release(&s[k]);
	app_package_release(&p);
	free(bytes);
}

/* ---- main ----------------------------------------------------------------------- */

static int count_arg(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*end || v < 1 || v > 1000000)
		die("usage", "bench_apps --app DIR [--runs N] [--overhead-runs N]");
	return (int)v;
}

int main(int argc, char **argv)
{
	const char *dir = NULL;
	int runs = 20, overhead_runs = 2000;

	for (int i = 1; i < argc; i++) {
		if (i + 1 < argc && strcmp(argv[i], "--app") == 0)
			dir = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "--runs") == 0)
			runs = count_arg(argv[++i]);
		else if (i + 1 < argc && strcmp(argv[i], "--overhead-runs") == 0)
			overhead_runs = count_arg(argv[++i]);
		else
			die("usage", "bench_apps --app DIR [--runs N] [--overhead-runs N]");
	}
	if (!dir)
		die("usage", "bench_apps --app DIR [--runs N] [--overhead-runs N]");
	if (fixture_open(&b.f, "alice") != 0)
		return 1;
	fprintf(stderr, "== store %s\n", b.f.dir);
	fill_household();
	bench_overhead(overhead_runs);
	bench_year(dir, runs);
	series_def_release(&b.elec);
	series_def_release(&b.gas);
	fixture_close(&b.f);
	return 0;
}
