/*
 * test_synth_energy.c - the synthetic meters of src/synth/energy.c: their
 * realism over 300 households of seed 42 through 2024 (annual totals by
 * heating type, winter against summer, working days against days off, the
 * shape of the day, gas and water), the purity and determinism the synth
 * promises (same seed, same bytes; any day alone), and a round trip: the
 * three files written for a few households are imported by the real
 * importers into a person's store, which must give back exactly the
 * generated values. The bounds are those of docs/synth/energy.md.
 */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "checks.h"
#include "fixture.h"

#include "core/timeutil.h"
#include "core/tz.h"
#include "import/import.h"
#include "series/series.h"
#include "store/store.h"
#include "synth/synth.h"

#define SEED       42
#define HOUSEHOLDS 300
#define DAYS       366 /* 2024 */
#define HALF_HOUR  1800000LL
#define DAY_MS     86400000LL

static const char *const heating_names[] = {"electric", "gas", "heat pump", "district", "wood"};

/* ---- the population's figures, computed once ------------------------------------------ */

struct population {
	bool done;
	double kwh[5][HOUSEHOLDS]; /* annual electricity by heating type */
	int n[5];
	double flat_kwh[HOUSEHOLDS]; /* flats heated by gas or the district network */
	int nflat;
	double jan[5], jul[5];       /* kWh of January and July, by heating type */
	double workday_kwh, off_kwh; /* mean day, all households */
	int workdays, offdays;
	double profile[5][48];      /* W of each half-hour on 48-slot days, summed */
	double gas_kwh[HOUSEHOLDS]; /* gas-heated households */
	int ngas;
	double gas_jan, gas_jul;
	double water_lpd[HOUSEHOLDS]; /* litres a person a day, by household */
	int64_t water_away_max;       /* the most litres on a day away */
	int64_t max_over_cap;         /* the largest value above the subscribed power */
	int min_value, slots_year;
	bool slots_ok;
};

static struct population pop;
static struct synth_territory terr;

static int64_t day0(void)
{
	return time_days_from_civil(2024, 1, 1);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n ? v[n / 2] : 0.0;
}

static void household_figures(const struct synth_household *h, int index)
{
	double year = 0, jan = 0, jul = 0, gas = 0, water = 0;
	int slots = 0;

	for (int d = 0; d < DAYS; d++) {
		int32_t w[SYNTH_SLOTS_MAX];
		int n = synth_electricity_day(&terr, h, d, w), kind = synth_day_kind(day0() + d);
		int expect = d == 90 ? 46 : d == 300 ? 50 : 48; /* 2024-03-31, 2024-10-27 */
		double kwh = 0;

		if (n != expect)
			pop.slots_ok = false;
		slots += n;
		for (int i = 0; i < n; i++) {
			kwh += w[i] / 2000.0;
			if (w[i] < pop.min_value)
				pop.min_value = w[i];
			if (w[i] - h->kva * 1000LL > pop.max_over_cap)
				pop.max_over_cap = w[i] - h->kva * 1000LL;
			if (n == 48)
				pop.profile[h->heating][i] += w[i];
		}
		year += kwh;
		if (d < 31)
			jan += kwh;
		else if (d >= 182 && d < 213)
			jul += kwh;
		if (kind & 3) {
			pop.off_kwh += kwh;
			pop.offdays++;
		} else {
			pop.workday_kwh += kwh;
			pop.workdays++;
		}
		gas += synth_gas_day_wh(&terr, h, d) / 1000.0;
		if (h->heating == HEAT_GAS && d < 31)
			pop.gas_jan += synth_gas_day_wh(&terr, h, d) / 1000.0;
		if (h->heating == HEAT_GAS && d >= 182 && d < 213)
			pop.gas_jul += synth_gas_day_wh(&terr, h, d) / 1000.0;
		water += (double)synth_water_day_l(&terr, h, d);
	}
	pop.slots_year = slots;
	pop.kwh[h->heating][pop.n[h->heating]++] = year;
	pop.jan[h->heating] += jan;
	pop.jul[h->heating] += jul;
	if (!h->house && (h->heating == HEAT_GAS || h->heating == HEAT_DISTRICT))
		pop.flat_kwh[pop.nflat++] = year;
	if (h->heating == HEAT_GAS)
		pop.gas_kwh[pop.ngas++] = gas;
	else if (gas != 0 && !h->gas_cooking)
		pop.slots_ok = false; /* gas where there is none */
	pop.water_lpd[index] = water / DAYS / h->nmembers;
}

static void population(void)
{
	struct synth_household h;

	if (pop.done)
		return;
	memset(&pop, 0, sizeof(pop));
	pop.slots_ok = true;
	pop.min_value = 1 << 30;
	assert_int_equal(synth_territory_init(&terr, SEED, day0(), DAYS), CMN_OK);
	for (int i = 0; i < HOUSEHOLDS; i++) {
		synth_household(&terr, (uint64_t)i, &h);
		household_figures(&h, i);
	}
	pop.done = true;
	for (int k = 0; k < 5; k++) {
		double m;

		if (!pop.n[k])
			continue;
		m = median(pop.kwh[k], pop.n[k]);
		print_message("%-9s %3d households: %6.0f to %6.0f kWh/yr, median %6.0f, "
			      "January/July %.2f\n",
			      heating_names[k], pop.n[k], pop.kwh[k][0], pop.kwh[k][pop.n[k] - 1],
			      m, pop.jan[k] / pop.jul[k]);
	}
}

/* ---- the day's slots -------------------------------------------------------------------- */

/* The local day has 46, 48 or 50 half-hours; values stay within the
 * subscribed power; a day computed alone is the day computed in sequence. */
static void slots_and_purity(void **state)
{
	struct synth_household h;
	int32_t a[SYNTH_SLOTS_MAX], b[SYNTH_SLOTS_MAX];

	(void)state;
	population();
	assert_true(pop.slots_ok);
	assert_int_equal(pop.slots_year, 366 * 48);
	assert_true(pop.min_value >= 0);
	assert_true(pop.max_over_cap <= 0);

	synth_household(&terr, 17, &h);
	for (int d = DAYS - 1; d >= 0; d -= 37) {
		int n = synth_electricity_day(&terr, &h, d, a);

		/* other days in between change nothing */
		synth_electricity_day(&terr, &h, (d * 7) % DAYS, b);
		synth_gas_day_wh(&terr, &h, (d * 3) % DAYS);
		assert_int_equal(synth_electricity_day(&terr, &h, d, b), n);
		assert_memory_equal(a, b, (size_t)n * sizeof(*a));
	}
	/* outside the period: nothing */
	assert_int_equal(synth_electricity_day(&terr, &h, -1, a), 0);
	assert_int_equal(synth_electricity_day(&terr, &h, DAYS, a), 0);
	assert_int_equal(synth_gas_day_wh(&terr, &h, DAYS), 0);
	assert_int_equal(synth_water_day_l(&terr, &h, -1), 0);
}

/* ---- realism -------------------------------------------------------------------------- */

/* Annual electricity by heating type (docs/synth/energy.md, "Ranges"). */
static void electricity_annual(void **state)
{
	static const struct {
		int heating;
		double lo, hi, med_lo, med_hi;
	} bounds[] = {
	    {HEAT_ELECTRIC, 2500, 32000, 7000, 11000}, {HEAT_HEAT_PUMP, 2000, 20000, 4000, 7500},
	    {HEAT_GAS, 1000, 7500, 1800, 3500},        {HEAT_DISTRICT, 1000, 7500, 1800, 3500},
	    {HEAT_WOOD, 2000, 13000, 3500, 7000},
	};
	double m;

	(void)state;
	population();
	for (size_t i = 0; i < sizeof(bounds) / sizeof(*bounds); i++) {
		int k = bounds[i].heating;

		assert_true(pop.n[k] >= 10); /* the population has each kind */
		m = median(pop.kwh[k], pop.n[k]);
		assert_true(pop.kwh[k][0] >= bounds[i].lo);
		assert_true(pop.kwh[k][pop.n[k] - 1] <= bounds[i].hi);
		assert_true(m >= bounds[i].med_lo && m <= bounds[i].med_hi);
	}
	/* flats heated by gas or the district: 1,200 to 5,000 kWh, median 1,800 to 3,000 */
	m = median(pop.flat_kwh, pop.nflat);
	print_message("flats heated by gas or district: %d, %.0f to %.0f kWh/yr, median %.0f\n",
		      pop.nflat, pop.flat_kwh[0], pop.flat_kwh[pop.nflat - 1], m);
	assert_true(pop.nflat >= 50);
	assert_true(pop.flat_kwh[0] >= 1200 && pop.flat_kwh[pop.nflat - 1] <= 5000);
	assert_true(m >= 1800 && m <= 3000);
}

/* Seasons, weekdays and the shape of the day. */
static void electricity_shape(void **state)
{
	double ratio, off_vs_work, all[48] = {0}, night = 1e18, evening = 0, morning = 0,
				   afternoon = 0;

	(void)state;
	population();
	/* January against July */
	assert_true(pop.jan[HEAT_ELECTRIC] / pop.jul[HEAT_ELECTRIC] > 3.0);
	ratio = pop.jan[HEAT_HEAT_PUMP] / pop.jul[HEAT_HEAT_PUMP];
	assert_true(ratio > 1.5 && ratio < 5.0);
	for (int k = HEAT_GAS; k <= HEAT_WOOD; k++) {
		if (k == HEAT_HEAT_PUMP)
			continue;
		ratio = pop.jan[k] / pop.jul[k];
		assert_true(ratio > 1.0 && ratio < 2.0);
	}
	/* a day off uses more than a working day: 1.0 to 1.25 */
	off_vs_work = (pop.off_kwh / pop.offdays) / (pop.workday_kwh / pop.workdays);
	print_message("day off / working day: %.3f\n", off_vs_work);
	assert_true(off_vs_work > 1.0 && off_vs_work < 1.25);

	/* the mean day of every heating type: the night's minimum (01:00-05:00)
	 * below 80 % of the evening's peak (18:00-22:00); mornings (07:00-09:00)
	 * above the night and mid-afternoon (14:00-16:00) below the evening */
	for (int k = 0; k < 5; k++) {
		double kn = 1e18, ke = 0;

		for (int q = 0; q < 48; q++) {
			double v = pop.profile[k][q] / pop.n[k] / 364;

			all[q] += pop.profile[k][q] / HOUSEHOLDS / 364;
			if (q >= 2 && q < 10 && v < kn)
				kn = v;
			if (q >= 36 && q < 44 && v > ke)
				ke = v;
		}
		print_message("%-9s night minimum %5.0f W, evening peak %5.0f W\n",
			      heating_names[k], kn, ke);
		assert_true(kn < 0.8 * ke);
	}
	for (int q = 0; q < 48; q++) {
		if (q >= 2 && q < 10 && all[q] < night)
			night = all[q];
		if (q >= 36 && q < 44 && all[q] > evening)
			evening = all[q];
		if (q >= 14 && q < 18)
			morning += all[q] / 4;
		if (q >= 28 && q < 32)
			afternoon += all[q] / 4;
	}
	assert_true(night < 0.7 * evening);
	assert_true(morning > night * 1.1);
	assert_true(afternoon < evening);
}

/* Gas for gas-heated homes, water for everyone. */
static void gas_and_water(void **state)
{
	double m, all_water[HOUSEHOLDS];
	struct synth_household h;
	bool away_seen = false;

	(void)state;
	population();
	m = median(pop.gas_kwh, pop.ngas);
	print_message(
	    "gas-heated: %d, %.0f to %.0f kWh/yr of gas, median %.0f, January/July %.1f\n",
	    pop.ngas, pop.gas_kwh[0], pop.gas_kwh[pop.ngas - 1], m, pop.gas_jan / pop.gas_jul);
	assert_true(pop.ngas >= 50);
	assert_true(pop.gas_kwh[0] >= 1500 && pop.gas_kwh[pop.ngas - 1] <= 45000);
	assert_true(m >= 6000 && m <= 13000);
	assert_true(pop.gas_jan / pop.gas_jul > 5.0);

	memcpy(all_water, pop.water_lpd, sizeof(all_water));
	m = median(all_water, HOUSEHOLDS);
	print_message("water: %.0f to %.0f litres a person a day, median %.0f\n", all_water[0],
		      all_water[HOUSEHOLDS - 1], m);
	assert_true(all_water[0] >= 80 && all_water[HOUSEHOLDS - 1] <= 180);
	assert_true(m >= 115 && m <= 140);

	/* a household on holiday uses (almost) no water: find a day of
	 * household 1..40 in August with less than a tenth of its mean */
	for (uint64_t i = 1; i <= 40 && !away_seen; i++) {
		int64_t sum = 0;

		synth_household(&terr, i, &h);
		for (int d = 0; d < DAYS; d++)
			sum += synth_water_day_l(&terr, &h, d);
		for (int d = 214; d < 244 && !away_seen; d++)
			away_seen = synth_water_day_l(&terr, &h, d) * 10 < sum / DAYS;
	}
	assert_true(away_seen);
}

/* ---- the files ------------------------------------------------------------------------ */

struct mem {
	char *p;
	size_t n;
};

typedef enum cmn_rc (*writer_fn)(const struct synth_territory *, const struct synth_household *,
				 FILE *);

static enum cmn_rc write_mem(writer_fn fn, const struct synth_territory *t,
			     const struct synth_household *h, struct mem *m)
{
	FILE *f = open_memstream(&m->p, &m->n);
	enum cmn_rc rc;

	assert_non_null(f);
	rc = fn(t, h, f);
	assert_int_equal(fclose(f), 0);
	return rc;
}

/* first_with_gas - the first household from index `from` heated by gas */
static uint64_t first_with_gas(const struct synth_territory *t, uint64_t from,
			       struct synth_household *h)
{
	for (uint64_t i = from;; i++) {
		synth_household(t, i, h);
		if (h->heating == HEAT_GAS)
			return i;
	}
}

static void files_are_deterministic(void **state)
{
	static const writer_fn writers[] = {synth_write_enedis_csv, synth_write_grdf_json,
					    synth_write_water_csv};
	static struct synth_territory t1, t2, t3;
	struct synth_household h1, h2, h3;
	struct mem a, b, c, d;
	const char *fr;

	(void)state;
	assert_int_equal(synth_territory_init(&t1, SEED, day0(), 60), CMN_OK);
	assert_int_equal(synth_territory_init(&t2, SEED, day0(), 60), CMN_OK);
	assert_int_equal(synth_territory_init(&t3, SEED + 1, day0(), 60), CMN_OK);
	first_with_gas(&t1, 0, &h1);
	synth_household(&t2, h1.index, &h2);
	first_with_gas(&t3, 0, &h3);
	for (size_t k = 0; k < 3; k++) {
		assert_int_equal(write_mem(writers[k], &t1, &h1, &a), CMN_OK);
		assert_int_equal(write_mem(writers[k], &t2, &h2, &b), CMN_OK);
		assert_int_equal(write_mem(writers[k], &t3, &h3, &c), CMN_OK);
		assert_true(a.n > 1000);
		assert_int_equal(a.n, b.n);
		assert_memory_equal(a.p, b.p, a.n);
		assert_true(a.n != c.n || memcmp(a.p, c.p, a.n) != 0);
		/* no locale gets into the numbers */
		fr = setlocale(LC_ALL, "fr_FR.UTF-8");
		if (fr) {
			assert_int_equal(write_mem(writers[k], &t1, &h1, &d), CMN_OK);
			assert_int_equal(a.n, d.n);
			assert_memory_equal(a.p, d.p, a.n);
			free(d.p);
			setlocale(LC_ALL, "C");
		}
		free(a.p);
		free(b.p);
		free(c.p);
	}
}

static void no_gas_no_file(void **state)
{
	struct synth_household h;
	struct mem m;
	uint64_t i = 0;

	(void)state;
	population();
	do
		synth_household(&terr, i++, &h);
	while (h.heating == HEAT_GAS || h.gas_cooking);
	assert_int_equal(write_mem(synth_write_grdf_json, &terr, &h, &m), CMN_ERR_NOT_FOUND);
	assert_int_equal(m.n, 0);
	free(m.p);
	for (int d = 0; d < DAYS; d++)
		assert_int_equal(synth_gas_day_wh(&terr, &h, d), 0);
}

/* The Enedis stamps around the DST changes are the ones Enedis writes. */
static void enedis_dst_stamps(void **state)
{
	struct synth_household h;
	struct mem m;

	(void)state;
	population();
	synth_household(&terr, 3, &h);
	assert_int_equal(write_mem(synth_write_enedis_csv, &terr, &h, &m), CMN_OK);
	assert_memory_equal(m.p, "\xef\xbb\xbfIdentifiant PRM;Type de donnees;", 33);
	assert_non_null(strstr(m.p, ";Courbe de charge;01/01/2024;01/01/2025;Energie active;"));
	assert_non_null(strstr(m.p, "\nHorodate;Valeur\n2024-01-01T00:30:00+01:00;"));
	/* 01:30-02:00 ends at 03:00 summer time, as Enedis stamps it */
	assert_non_null(strstr(m.p, "\n2024-03-31T01:30:00+01:00;"));
	assert_null(strstr(m.p, "\n2024-03-31T02:00:00"));
	assert_null(strstr(m.p, "\n2024-03-31T02:30:00"));
	assert_non_null(strstr(m.p, "\n2024-03-31T03:00:00+02:00;"));
	/* 02:00-03:00 twice, the second time in winter time */
	assert_non_null(strstr(m.p, "\n2024-10-27T02:30:00+02:00;"));
	assert_null(strstr(m.p, "\n2024-10-27T03:00:00+02:00;"));
	assert_non_null(strstr(m.p, "\n2024-10-27T02:00:00+01:00;"));
	assert_non_null(strstr(m.p, "\n2024-10-27T02:30:00+01:00;"));
	assert_non_null(strstr(m.p, "\n2024-10-27T03:00:00+01:00;"));
	assert_non_null(strstr(m.p, "\n2025-01-01T00:00:00+01:00;"));
	free(m.p);
}

/* ---- the round trip ----------------------------------------------------------------- */

struct expect {
	const int64_t *t, *v;
	long n, i;
	long long sum;
	bool equal;
};

static enum cmn_rc match_point(int64_t t, int64_t v, void *pv)
{
	struct expect *e = pv;

	if (e->i >= e->n || e->t[e->i] != t || e->v[e->i] != v)
		e->equal = false;
	e->i++;
	e->sum += v;
	return CMN_OK;
}

/* check_series - the stored series holds exactly the n expected points */
static void check_series(struct fixture *f, const char *doctype, const char *source,
			 const char *key, const int64_t *t, const int64_t *v, long n)
{
	struct series_def def;
	struct expect e = {t, v, n, 0, 0, true};
	long long sum = 0;

	for (long i = 0; i < n; i++)
		sum += v[i];
	assert_int_equal(pstore_series_find(f->ps, doctype, source, key, &def), CMN_OK);
	assert_int_equal(def.points, n);
	assert_int_equal(series_scan(f->ps, &def, INT64_MIN / 2, INT64_MAX / 2, match_point, &e),
			 CMN_OK);
	assert_int_equal(e.i, n);
	assert_true(e.equal);
	assert_int_equal(e.sum, sum);
	series_def_release(&def);
}

static void import_written(struct fixture *f, writer_fn fn, const struct synth_household *h,
			   const char *name, const char *format, uint64_t points)
{
	char path[300];
	struct import_job job;
	FILE *out;

	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	out = fopen(path, "wb");
	assert_non_null(out);
	assert_int_equal(fn(&terr, h, out), CMN_OK);
	assert_int_equal(fclose(out), 0);
	/* detected, not told */
	if (import_file(f->ps, &f->reg, "cli:test", path, name, NULL, &job) != CMN_OK)
		fail_msg("%s: %zu:%zu %s %s", name, job.err.line, job.err.column, job.err.pointer,
			 job.err.message);
	assert_string_equal(job.format->name, format);
	assert_int_equal(job.stats.points_added, points);
	import_job_release(&job);
	/* a second import changes nothing */
	assert_int_equal(import_file(f->ps, &f->reg, "cli:test", path, name, NULL, &job), CMN_OK);
	assert_int_equal(job.stats.points_added, 0);
	assert_int_equal(job.stats.points_unchanged, points);
	import_job_release(&job);
}

static void round_trip_one(struct fixture *f, const struct synth_household *h)
{
	const struct tz *z = series_zone("Europe/Paris");
	int64_t *t = calloc(DAYS * SYNTH_SLOTS_MAX, sizeof(*t));
	int64_t *v = calloc(DAYS * SYNTH_SLOTS_MAX, sizeof(*v));
	int64_t *litres = calloc(DAYS, sizeof(*litres)), total_l = 0;
	long n = 0;
	char vkey[32];

	assert_non_null(z);
	assert_true(t && v && litres);
	/* electricity: stored at the start of each half-hour */
	for (int d = 0; d < DAYS; d++) {
		int32_t w[SYNTH_SLOTS_MAX];
		int k = synth_electricity_day(&terr, h, d, w);
		int64_t t0 = tz_from_local(z, day0() + d, 0);

		for (int i = 0; i < k; i++, n++) {
			t[n] = t0 + i * HALF_HOUR;
			v[n] = w[i];
		}
	}
	import_written(f, synth_write_enedis_csv, h, "enedis.csv", "enedis-csv", (uint64_t)n);
	check_series(f, "energy.electricity.load_curve", "enedis", h->prm, t, v, n);
	assert_int_equal(t[0], check_time("2023-12-31T23:00:00Z"));
	assert_int_equal(t[n - 1], check_time("2024-12-31T22:30:00Z"));

	/* gas: a point a day at 00:00 UTC, in Wh; the volume beside it */
	if (h->heating == HEAT_GAS || h->gas_cooking) {
		for (int d = 0; d < DAYS; d++) {
			t[d] = (day0() + d) * DAY_MS;
			v[d] = synth_gas_day_wh(&terr, h, d);
		}
		import_written(f, synth_write_grdf_json, h, "grdf.json", "grdf-json", 2 * DAYS);
		check_series(f, "energy.gas.consumption", "grdf", h->pce, t, v, DAYS);
		snprintf(vkey, sizeof(vkey), "%s.volume", h->pce);
		{
			struct check_scan *s = calloc(1, sizeof(*s));
			struct series_def def;
			long long wh = 0;

			assert_non_null(s);
			for (int d = 0; d < DAYS; d++)
				wh += v[d];
			check_points(f, "energy.gas.consumption", "grdf", vkey, s, &def);
			assert_int_equal(s->n, DAYS);
			/* 11.08 to 11.23 kWh a m3, each day rounded to the litre */
			assert_true(s->sum * 11080 <= wh * 1000 + DAYS * 11080LL);
			assert_true(s->sum * 11230 >= wh * 1000 - DAYS * 11230LL);
			series_def_release(&def);
			free(s);
		}
	}

	/* water: a point a day at 00:00 UTC, in litres */
	for (int d = 0; d < DAYS; d++) {
		t[d] = (day0() + d) * DAY_MS;
		litres[d] = synth_water_day_l(&terr, h, d);
		total_l += litres[d];
	}
	import_written(f, synth_write_water_csv, h, "water.csv", "water-csv", DAYS);
	check_series(f, "water.consumption", "water-csv", h->water_meter, t, litres, DAYS);
	assert_true(total_l > 0);
	free(t);
	free(v);
	free(litres);
}

static void round_trip(void **state)
{
	struct fixture *f = *state;
	struct synth_household h;
	uint64_t i;

	population();
	i = first_with_gas(&terr, 0, &h);
	round_trip_one(f, &h);
	first_with_gas(&terr, i + 1, &h);
	round_trip_one(f, &h);
	for (i = 0;; i++) {
		synth_household(&terr, i, &h);
		if (h.heating == HEAT_ELECTRIC)
			break;
	}
	round_trip_one(f, &h);
	assert_int_equal(check_nseries(f), 2 * 4 + 2); /* gas homes have 4 series, the other 2 */
}

/* ---- speed --------------------------------------------------------------------------- */

/* How many households-years a second the three writers make together
 * (printed, not checked: sanitizers and loaded machines vary). */
static void speed(void **state)
{
	static const writer_fn writers[] = {synth_write_enedis_csv, synth_write_grdf_json,
					    synth_write_water_csv};
	struct synth_household h;
	FILE *null = fopen("/dev/null", "w");
	int64_t t0, ms;
	int count = 12;

	(void)state;
	population();
	assert_non_null(null);
	t0 = time_mono_ms();
	for (int i = 0; i < count; i++) {
		synth_household(&terr, (uint64_t)(1000 + i), &h);
		for (size_t k = 0; k < 3; k++) {
			enum cmn_rc rc = writers[k](&terr, &h, null);

			assert_true(rc == CMN_OK || (k == 1 && rc == CMN_ERR_NOT_FOUND));
		}
	}
	ms = time_mono_ms() - t0;
	fclose(null);
	print_message("writers: %d households-years in %lld ms, %.1f households-years/s\n", count,
		      (long long)ms, ms > 0 ? count * 1000.0 / (double)ms : 0.0);
}

static int group_teardown(void **state)
{
	(void)state;
	series_zone_release();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(slots_and_purity),
	    cmocka_unit_test(electricity_annual),
	    cmocka_unit_test(electricity_shape),
	    cmocka_unit_test(gas_and_water),
	    cmocka_unit_test(files_are_deterministic),
	    cmocka_unit_test(no_gas_no_file),
	    cmocka_unit_test(enedis_dst_stamps),
	    cmocka_unit_test_setup_teardown(round_trip, check_setup, check_teardown),
	    cmocka_unit_test(speed),
	};

	return cmocka_run_group_tests(tests, NULL, group_teardown);
}
