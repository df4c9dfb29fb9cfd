/*
 * test_service_zeus_techno.c - Zeus Techno (apps/zeus-techno) run in a
 * person's store on the 30-minute load curve of a household of the
 * synthetic territory over 400 days (the Enedis file `commune synth`
 * writes, imported as a person would), so that the app keeps the last
 * 365 days. Every value it writes is checked against the same figure
 * recomputed here:
 *
 *  - the load from synth's half-hours of each local day directly (not
 *    from the file nor the store), placed in UTC by the zone;
 *  - the production profile from the model of docs/apps/zeus-techno.md,
 *    computed here in C (sun position, clear sky, tilt, clearness of the
 *    month), and opendata/solar.pv.json checked against it value by value;
 *  - the tariff, feed-in price, premium and installed costs as the public
 *    decisions and quotes the docs cite give them.
 *
 * Also: other sizes through params (one beyond the last cost band: no
 * premium), and a store without a load curve (nothing written).
 */
#include "service_support.h"

#include "core/tz.h"
#include "import/import.h"
#include "synth/synth.h"

#define HOUR_MS  3600000LL
#define DAY_MS   (24 * HOUR_MS)
#define HALF_MS  (HOUR_MS / 2)
#define DOCTYPE  "energy.pv.simulation"
#define APP_ID   "zeus-techno"
#define NDAYS    400
#define MAXSLOTS (NDAYS * 50)
#define PI       3.14159265358979323846

/* ---- the production model (docs/apps/zeus-techno.md) ----------------------------- */

static const int month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
static const int mid_day[12] = {15, 46, 74, 105, 135, 166, 196, 227, 258, 288, 319, 349};
static const double sunshine_h[12] = {80, 105, 165, 190, 220, 255, 285, 255, 200, 135, 85, 65};

static double rad(double deg)
{
	return deg * PI / 180;
}

/* model - Wh per kWp in each UTC hour of the mean day of month m (0..11),
 * rounded to 0.1 Wh as the dataset keeps them */
static void model(int m, double wh[24])
{
	const double phi = rad(45.1), lon = 4.5, tilt = rad(30), pr = 0.86, albedo = 0.2;
	double n = mid_day[m], decl = rad(23.45) * sin(rad(360.0 / 365 * (284 + n)));
	double b = rad(360.0 * (n - 81) / 364);
	double eot = 9.87 * sin(2 * b) - 7.53 * cos(b) - 1.5 * sin(b); /* minutes */
	double daylen = 24 / PI * acos(-tan(phi) * tan(decl));
	double sigma = sunshine_h[m] / (month_days[m] * daylen);
	double k = (0.25 + 0.5 * sigma) / 0.75; /* Angstrom-Prescott, FAO-56 */

	for (int h = 0; h < 24; h++) {
		double e = 0;

		for (int i = 0; i < 60; i++) { /* minute by minute, at their middle */
			double solar = h + (i + 0.5) / 60 + lon / 15 + eot / 60;
			double w = rad(15 * (solar - 12));
			double cz = sin(phi) * sin(decl) + cos(phi) * cos(decl) * cos(w), dni, ct;

			if (cz <= 0)
				continue;
			dni = 1353 * pow(0.7, pow(1 / cz, 0.678)); /* Meinel */
			ct = sin(decl) * sin(phi - tilt) + cos(decl) * cos(phi - tilt) * cos(w);
			e += ((ct > 0 ? dni * ct : 0) + 0.1 * dni * (1 + cos(tilt)) / 2 +
			      albedo * (dni * cz + 0.1 * dni) * (1 - cos(tilt)) / 2) *
			     pr / 60; /* W/m2 at 1 kW/m2 a kWp, over a minute: Wh */
		}
		wh[h] = round(e * k * 10) / 10;
	}
}

/* ---- the economics, as the docs cite them ---------------------------------------- */

#define PRICE   0.1952 /* Tarif Bleu, base, 6 kVA, from 1 August 2025 */
#define FEED_IN 0.04   /* CRE: surplus of 0-9 kWp from 28 March 2025 */
#define PREMIUM 80.0   /* CRE: self-consumption premium, EUR per kWp, 0-9 kWp */

static double cost_per_kwp(double kwp)
{
	return kwp <= 3 ? 2250 : kwp <= 6 ? 1810 : 1560; /* 6,752 / 3, 10,867 / 6, 14,032 / 9 */
}

/* ---- the load --------------------------------------------------------------------- */

struct slot {
	int64_t t; /* start, UTC ms */
	int32_t w; /* mean power */
};

struct curve {
	struct slot *s;
	size_t n;
};

/* household - the first household of the territory with a load curve
 * file, imported as a person imports it; its half-hours from synth */
static void household(struct fixture *f, struct curve *c)
{
	struct synth_territory *t = calloc(1, sizeof(*t));
	struct synth_household h;
	struct import_job job;
	const struct tz *paris = NULL;
	struct tz *z = NULL;
	char *text = NULL;
	size_t n = 0;
	FILE *out;

	assert_non_null(t);
	assert_int_equal(tz_load("Europe/Paris", &z), CMN_OK);
	paris = z;
	assert_int_equal(synth_territory_init(t, 11, time_days_from_civil(2024, 1, 1), NDAYS),
			 CMN_OK);
	synth_household(t, 2, &h);
	assert_non_null(out = open_memstream(&text, &n));
	assert_int_equal(synth_write_enedis_csv(t, &h, out), CMN_OK);
	fclose(out);
	memset(&job, 0, sizeof(job));
	if (check_import_text(f, "courbe.csv", "enedis-csv", text, n, &job) != CMN_OK)
		fail_msg("import: %s", job.err.message);
	import_job_release(&job);
	free(text);

	c->s = calloc(MAXSLOTS, sizeof(*c->s));
	assert_non_null(c->s);
	c->n = 0;
	for (int day = 0; day < NDAYS; day++) {
		int32_t w[SYNTH_SLOTS_MAX];
		int k = synth_electricity_day(t, &h, day, w);
		int64_t t0 = tz_from_local(paris, t->start_day + day, 0);

		for (int i = 0; i < k; i++) {
			c->s[c->n].t = t0 + i * HALF_MS;
			c->s[c->n].w = w[i];
			c->n++;
		}
	}
	tz_free(&z);
	free(t);
}

/* ---- what the app should write --------------------------------------------------- */

struct sim {
	double kwp, prod, self, surplus, grid; /* Wh */
};

struct expect {
	int64_t from, to;
	long long points;
	double load; /* Wh */
	struct sim s[4];
	int nsizes;
};

static void expect_run(const struct curve *c, const double *sizes, int nsizes, struct expect *e)
{
	static double profile[12][24];
	static bool ready;

	if (!ready) {
		for (int m = 0; m < 12; m++)
			model(m, profile[m]);
		ready = true;
	}
	memset(e, 0, sizeof(*e));
	e->to = c->s[c->n - 1].t + HALF_MS;
	e->from = e->to - 365 * DAY_MS;
	if (e->from < c->s[0].t)
		e->from = c->s[0].t;
	e->nsizes = nsizes;
	for (int k = 0; k < nsizes; k++)
		e->s[k].kwp = sizes[k];
	for (size_t i = 0; i < c->n; i++) {
		int64_t y, t = c->s[i].t;
		int m, d;
		double wh = c->s[i].w * 0.5, pv;

		if (t < e->from)
			continue;
		time_civil_from_days(t / DAY_MS, &y, &m, &d);
		pv = profile[m - 1][(t / HOUR_MS) % 24] * 0.5;
		e->points++;
		e->load += wh;
		for (int k = 0; k < nsizes; k++) {
			struct sim *s = &e->s[k];
			double prod = s->kwp * pv, used = wh < prod ? wh : prod;

			s->prod += prod;
			s->self += used;
			s->surplus += prod - used;
			s->grid += wh - used;
		}
	}
}

static void check_sim(const json_t *d, const struct expect *e, const struct sim *s)
{
	char where[64];
	double hours = e->points * 0.5, year = 8760 / hours;
	double bill = s->self / 1000 * PRICE * year, sold = s->surplus / 1000 * FEED_IN * year;
	double cost = s->kwp * cost_per_kwp(s->kwp), premium = s->kwp <= 9 ? s->kwp * PREMIUM : 0;

	snprintf(where, sizeof(where), "%g kWp", s->kwp);
	assert_int_equal(check_time(json_string_value(json_object_get(d, "from"))), e->from);
	assert_int_equal(check_time(json_string_value(json_object_get(d, "to"))), e->to);
	svc_same_int(d, "points", e->points, where);
	svc_same_number(d, "hours", hours, where);
	svc_same_number(d, "consumption_kwh", e->load / 1000, where);
	svc_same_number(d, "production_kwh", s->prod / 1000, where);
	svc_same_number(d, "self_consumed_kwh", s->self / 1000, where);
	svc_same_number(d, "surplus_kwh", s->surplus / 1000, where);
	svc_same_number(d, "grid_kwh", s->grid / 1000, where);
	svc_same_number(d, "self_consumption_pct", 100 * s->self / s->prod, where);
	svc_same_number(d, "self_sufficiency_pct", 100 * s->self / e->load, where);
	svc_same_number(d, "price_eur_kwh", PRICE, where);
	svc_same_number(d, "feed_in_eur_kwh", FEED_IN, where);
	svc_same_number(d, "bill_savings_eur_year", bill, where);
	svc_same_number(d, "surplus_income_eur_year", sold, where);
	svc_same_number(d, "savings_eur_year", bill + sold, where);
	svc_same_number(d, "cost_eur", cost, where);
	svc_same_number(d, "premium_eur", premium, where);
	svc_same_number(d, "net_cost_eur", cost - premium, where);
	svc_same_number(d, "payback_years", (cost - premium) / (bill + sold), where);
}

static size_t check(struct fixture *f, const struct expect *e)
{
	struct svc_outs *o = calloc(1, sizeof(*o));
	size_t n;

	assert_non_null(o);
	svc_outs_load(f, DOCTYPE, o);
	for (int k = 0; k < e->nsizes; k++) {
		const json_t *d = NULL;

		for (size_t i = 0; i < o->n; i++)
			if (fabs(json_number_value(json_object_get(o->v[i].data, "kwp")) -
				 e->s[k].kwp) < 1e-9) {
				if (d)
					fail_msg("%g kWp written twice", e->s[k].kwp);
				d = o->v[i].data;
				o->v[i].seen = true;
			}
		if (!d)
			fail_msg("no simulation of %g kWp", e->s[k].kwp);
		check_sim(d, e, &e->s[k]);
	}
	svc_all_seen(o, APP_ID);
	assert_int_equal(o->n, (size_t)e->nsizes);
	n = o->n;
	svc_outs_release(o);
	free(o);
	return n;
}

static void zeus_techno(void **state)
{
	struct fixture *f = *state;
	struct curve c;
	struct expect *e = calloc(1, sizeof(*e));
	struct app_package p = {0};
	struct app_run r;
	static const double sizes[] = {1, 3, 6}, others[] = {2.5, 12};

	assert_non_null(e);
	household(f, &c);
	svc_pack(f, APP_ID, &p);

	svc_run(f, &p, NULL, &r);
	expect_run(&c, sizes, 3, e);
	assert_int_equal(e->points, 365 * 48); /* a year, its DST days included */
	assert_int_equal(check(f, e), 3);
	assert_int_equal(r.points_read, e->points);
	assert_int_equal(json_integer_value(json_object_get(r.result, "simulations")), 3);
	/* the bigger the system, the less of it is used at home */
	assert_true(e->s[0].self / e->s[0].prod > e->s[2].self / e->s[2].prod);
	print_message("zeus-techno: %lld values, %.0f kWh used, 3 kWp make %.0f kWh, %.3f ms, "
		      "%llu instructions\n",
		      e->points, e->load / 1000, e->s[1].prod / 1000, (double)r.elapsed_us / 1000,
		      (unsigned long long)r.instructions);
	app_run_release(&r);

	/* other sizes: 12 kWp is beyond the last band (its cost, no premium) */
	svc_run(f, &p, "{\"sizes\": [2.5, 12]}", &r);
	assert_int_equal(r.records_replaced, 3);
	expect_run(&c, others, 2, e);
	assert_int_equal(check(f, e), 2);
	app_run_release(&r);

	app_package_release(&p);
	free(c.s);
	free(e);
}

/* without a load curve: nothing to simulate, nothing written */
static void no_curve(void **state)
{
	struct fixture *f = *state;
	struct app_package p = {0};
	struct app_run r;
	struct svc_outs *o = calloc(1, sizeof(*o));

	assert_non_null(o);
	svc_pack(f, APP_ID, &p);
	svc_run(f, &p, NULL, &r);
	assert_int_equal(json_integer_value(json_object_get(r.result, "simulations")), 0);
	assert_int_equal(r.records_written, 0);
	svc_outs_load(f, DOCTYPE, o);
	assert_int_equal(o->n, 0);
	app_run_release(&r);
	app_package_release(&p);
	free(o);
}

/* ---- the dataset against its model ------------------------------------------------ */

static void dataset_is_model(void **state)
{
	json_t *ds = svc_dataset("solar.pv");
	const json_t *months = json_object_get(ds, "months"), *econ;
	double year = 0;

	(void)state;
	assert_int_equal(json_array_size(months), 12);
	for (int m = 0; m < 12; m++) {
		const json_t *mo = json_array_get(months, (size_t)m);
		const json_t *wh = json_object_get(mo, "wh_per_kwp");
		double want[24], day = 0;
		char where[32];

		snprintf(where, sizeof(where), "month %d", m + 1);
		svc_same_int(mo, "month", m + 1, where);
		svc_same_int(mo, "days", month_days[m], where);
		svc_same_number(mo, "sunshine_h", sunshine_h[m], where);
		model(m, want);
		assert_int_equal(json_array_size(wh), 24);
		for (int h = 0; h < 24; h++) {
			double got = json_number_value(json_array_get(wh, (size_t)h));

			if (fabs(got - want[h]) > 0.051)
				fail_msg("%s hour %d: %.1f in the dataset, %.1f from the model",
					 where, h, got, want[h]);
			day += want[h];
		}
		svc_near(svc_number(mo, "kwh_per_kwp_day", where), round(day) / 1000, "kwh a day",
			 where);
		year += day * month_days[m] / 1000;
	}
	/* Hespul's map of the French PV yield puts this latitude at 1,100 to 1,350 kWh/kWp */
	assert_true(year > 1100 && year < 1350);
	econ = json_object_get(ds, "economics");
	svc_same_number(econ, "feed_in_eur_kwh", FEED_IN, "economics");
	svc_same_number(econ, "premium_eur_per_kwp", PREMIUM, "economics");
	for (size_t i = 0; i < 3; i++) {
		const json_t *b = json_array_get(json_object_get(econ, "cost_eur_per_kwp"), i);
		double max = svc_number(b, "max_kwp", "band");

		svc_same_number(b, "eur_per_kwp", cost_per_kwp(max), "band");
	}
	json_decref(ds);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(dataset_is_model),
	    cmocka_unit_test_setup_teardown(zeus_techno, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(no_curve, check_setup, check_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
