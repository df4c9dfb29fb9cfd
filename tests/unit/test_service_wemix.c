/*
 * test_service_wemix.c - WeMix (issue 13, docs/wemix.md): an energy
 * cooperative's members vote a campaign on their load curves; the hourly
 * profile of January is published (epsilon 8: with 60 members, the count's
 * noise at epsilon 2 could hide an hour's mean); the local mix that covers it best is
 * computed from the public table alone (src/campaign/mix.c).
 *
 * The mix is checked where the answer is known without the code: a flat
 * demand is covered whole by a flat source, the cheaper one (wind); a
 * demand shaped like the sun is covered whole by solar alone; the sun is
 * down at night and its day gives the month's yield; a table with a
 * suppressed hour, or not by hour alone, is refused; the report is whole
 * or not made under each failed allocation in turn. On the cooperative's
 * published table, the demand read is the published means, and every split
 * scored again here (own loops over the model's production shapes) gives
 * no better coverage than the first one reported, which are in order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <math.h>

#include "jsonfail.h"
#include "campaign/campaign.h"
#include "campaign/mix.h"
#include "core/timeutil.h"
#include "fixture.h"
#include "govern/govern.h"
#include "synth/run.h"

#define LOAD_CURVE "energy.electricity.load_curve"
#define HOUSEHOLDS 60

static struct fixture f;
static struct org org;
static int64_t t0;

/* table - a released table by hour of day on the load curve, each hour's
 * mean from w[] (NULL: suppressed), over [from, to) */
static json_t *table(const double w[24], const char *from, const char *to, int suppressed_hour)
{
	json_t *cells = json_array(), *res;
	char num[32], hh[3];

	for (int h = 0; h < 24; h++) {
		json_t *c;

		snprintf(hh, sizeof(hh), "%02d", h);
		snprintf(num, sizeof(num), "%.2f", w[h]);
		if (h == suppressed_hour)
			c = json_pack("{s:s, s:s}", "hour_of_day", hh, "suppressed",
				      "fewer than k");
		else
			c = json_pack("{s:s, s:[i, s]}", "hour_of_day", hh, "values", 40, num);
		json_array_append_new(cells, c);
	}
	res = json_pack("{s:{s:s}, s:{s:s, s:s}, s:[{s:s}], s:[{s:s}, {s:s, s:[i, i]}], s:o}",
			"source", "series", LOAD_CURVE, "period", "from", from, "to", to,
			"dimensions", "name", "hour_of_day", "measures", "kind", "count", "kind",
			"mean", "clip", 0, 6000, "cells", cells);
	assert_non_null(res);
	return res;
}

/* ---- what is known without the code -------------------------------------------------- */

static void the_sun(void **state)
{
	double jan[24], jun[24], day = 0;
	int peak = 0;

	(void)state;
	mix_production(MIX_SOLAR, 1, jan);
	mix_production(MIX_SOLAR, 6, jun);
	/* 45 degrees north on 15 January: sunrise after 7:30, sunset before 17:30 (clock time) */
	for (int h = 0; h < 7; h++)
		assert_true(jan[h] == 0);
	for (int h = 18; h < 24; h++)
		assert_true(jan[h] == 0);
	for (int h = 0; h < 24; h++)
		day += jan[h];
	assert_true(fabs(day - 55000.0 / 31) < 1e-6); /* the month's 55 kWh/kWp over 31 days */
	/* in June (summer time) the sun is highest near 13:40 on the clock */
	for (int h = 1; h < 24; h++)
		if (jun[h] > jun[peak])
			peak = h;
	assert_int_equal(peak, 13);
	/* and up from about 5:50 to 21:35 (Lyon's clock in mid-June) */
	assert_true(jun[4] == 0 && jun[6] > 0 && jun[21] > 0 && jun[22] == 0);
	/* wind and hydro: flat at their month's load factor */
	mix_production(MIX_WIND, 1, jan);
	for (int h = 0; h < 24; h++)
		assert_true(fabs(jan[h] - 330.0) < 1e-9);
	mix_production(MIX_HYDRO, 5, jan);
	assert_true(fabs(jan[12] - 700.0) < 1e-9);
}

static void known_answers(void **state)
{
	double flat[24], sunny[24];
	struct mix_report r;
	char err[200] = "";
	json_t *t;

	(void)state;
	for (int h = 0; h < 24; h++)
		flat[h] = 500;
	t = table(flat, "2026-01-01", "2026-02-01", -1);
	assert_int_equal(campaign_mix(t, 100, 10, &r, err, sizeof(err)), CMN_OK);
	json_decref(t);
	assert_int_equal(r.options, 66); /* splits of 100 % in steps of 10 among three */
	assert_int_equal(r.ntop, MIX_TOP);
	/* wind and hydro both cover a flat demand whole; wind costs less */
	assert_int_equal(r.top[0].share[MIX_WIND], 100);
	assert_true(fabs(r.top[0].coverage - 1) < 1e-9);
	assert_true(fabs(r.top[0].surplus) < 1e-9);
	assert_true(fabs(r.top[0].cost - mix_source_cost(MIX_WIND)) < 1e-9);
	assert_int_equal(r.top[1].share[MIX_WIND], 90);
	assert_int_equal(r.top[1].share[MIX_HYDRO], 10);
	/* 12 kWh a day per household from wind at 33 % in January: 100
	 * households need 12 x 100 / (0.33 x 24) = 151.5 kW */
	assert_true(fabs(r.top[0].kw[MIX_WIND] - 12.0 * 100 / (0.33 * 24)) < 1e-6);

	/* a demand shaped like June's sun, twice its height */
	mix_production(MIX_SOLAR, 6, sunny);
	for (int h = 0; h < 24; h++)
		sunny[h] = round(sunny[h] * 200) / 100; /* as published: cents of a watt */
	t = table(sunny, "2026-06-01", "2026-07-01", -1);
	assert_int_equal(campaign_mix(t, 100, 25, &r, err, sizeof(err)), CMN_OK);
	json_decref(t);
	assert_int_equal(r.options, 15);
	assert_int_equal(r.top[0].share[MIX_SOLAR], 100);
	assert_true(r.top[0].coverage > 0.9999);
	assert_true(r.top[1].coverage < r.top[0].coverage);

	/* refusals */
	t = table(flat, "2026-01-01", "2026-02-01", 3);
	assert_int_equal(campaign_mix(t, 100, 10, &r, err, sizeof(err)), CMN_ERR_INVALID);
	assert_non_null(strstr(err, "03:00 is suppressed"));
	assert_int_equal(campaign_mix(t, 5, 10, &r, err, sizeof(err)), CMN_ERR_INVALID);
	json_decref(t);
	t = table(flat, "2026-01-01", "2026-02-01", -1);
	assert_int_equal(campaign_mix(t, 100, 7, &r, err, sizeof(err)), CMN_ERR_INVALID);
	json_array_append_new(json_object_get(t, "dimensions"),
			      json_pack("{s:s}", "name", "district"));
	assert_int_equal(campaign_mix(t, 100, 10, &r, err, sizeof(err)), CMN_ERR_INVALID);
	assert_non_null(strstr(err, "hour_of_day alone"));
	json_decref(t);
}

static json_t *build_report(void *r)
{
	return campaign_mix_json("c1", r);
}

/* A report with a best split or an hour of the profile left out (out of
 * memory) would show another split as the best: under every failed
 * allocation campaign_mix_json gives NULL or the very report. */
static void report_whole_or_nothing(void **state)
{
	double flat[24];
	struct mix_report r;
	char err[200] = "";
	json_t *t, *j;

	(void)state;
	for (int h = 0; h < 24; h++)
		flat[h] = 500 + 10 * h;
	t = table(flat, "2026-01-01", "2026-02-01", -1);
	assert_int_equal(campaign_mix(t, 100, 10, &r, err, sizeof(err)), CMN_OK);
	json_decref(t);
	j = campaign_mix_json("c1", &r);
	assert_non_null(j);
	assert_int_equal(json_array_size(json_object_get(j, "best")), MIX_TOP);
	json_decref(j);
	/* 4 x 24 hours, the best splits and their members */
	assert_true(jsonfail_sweep(build_report, &r) >= 250);
}

/* ---- the cooperative ------------------------------------------------------------------ */

struct members {
	struct person p[HOUSEHOLDS];
	size_t n;
};

static enum cmn_rc member(const struct person *p, void *ctx)
{
	struct members *m = ctx;

	if (p->handle[0] == 'h') {
		assert_true(m->n < HOUSEHOLDS);
		m->p[m->n++] = *p;
	}
	return CMN_OK;
}

/* coverage - the split's coverage, scored here from the report's shapes */
static double coverage(const struct mix_report *r, const unsigned pct[MIX_SOURCES])
{
	double need = 0, met = 0, per_day[MIX_SOURCES] = {0};

	for (int h = 0; h < 24; h++) {
		need += r->demand[h];
		for (int s = 0; s < MIX_SOURCES; s++)
			per_day[s] += r->production[s][h];
	}
	for (int h = 0; h < 24; h++) {
		double made = 0;

		for (int s = 0; s < MIX_SOURCES; s++)
			made += need * pct[s] / 100.0 * r->production[s][h] / per_day[s];
		met += fmin(made, r->demand[h]);
	}
	return met / need;
}

static void cooperative_profile_and_mix(void **state)
{
	static const char statutes[] = "{\"kind\":\"cooperative\",\"rule\":\"majority\","
				       "\"quorum\":\"1/4\"}";
	struct synth_opts o;
	struct synth_stats sst;
	struct members *m = calloc(1, sizeof(*m));
	struct campaign_spec spec = {0};
	struct campaign_row row;
	struct campaign_run_stats st;
	struct campaign_run_opts ro;
	struct gov_body b;
	struct gov_proposal p;
	struct dp_rng rng;
	struct mix_report r;
	uint8_t key[32];
	char text[2048], err[400] = "", *canon = NULL, coop[CRYPT_ID_LEN], id[CRYPT_ID_LEN];
	char prop[CRYPT_ID_LEN];
	size_t notified = 0, i;
	double best = 0;
	unsigned pct[MIX_SOURCES];
	json_t *res, *c, *words;

	(void)state;
	assert_non_null(m);
	memset(&o, 0, sizeof(o));
	o.seed = 21;
	o.households = HOUSEHOLDS;
	o.start_day = time_days_from_civil(2026, 1, 1);
	o.days = 31;
	o.jobs = 2;
	o.store = f.s;
	o.reg = &f.reg;
	if (synth_run(&o, &sst, err, sizeof(err)) != CMN_OK)
		fail_msg("synth: %s", err);
	assert_int_equal(store_person_each(f.s, member, m), CMN_OK);
	assert_int_equal(m->n, HOUSEHOLDS);

	/* the cooperative, every household a member */
	assert_int_equal(govern_body_create(f.s, &f.keys, "WeMix", statutes, strlen(statutes), t0,
					    &b, err, sizeof(err)),
			 CMN_OK);
	memcpy(coop, b.id, CRYPT_ID_LEN);
	gov_body_release(&b);
	for (i = 0; i < m->n; i++)
		assert_int_equal(
		    govern_join(f.s, &f.keys, coop, m->p[i].id, NULL, t0, err, sizeof(err)),
		    CMN_OK);

	/* the campaign, proposed by a member and voted */
	snprintf(text, sizeof(text),
		 "{\"title\":{\"fr\":\"Profil horaire des coopérateurs\",\"en\":\"The members' "
		 "hourly profile\"},\"purpose\":{\"fr\":\"Choisir les moyens de production "
		 "locaux.\",\"en\":\"Choose the local means of production.\"},\"organisation\":"
		 "\"%s\",\"source\":{\"series\":\"" LOAD_CURVE "\"},\"period\":{\"from\":"
		 "\"2026-01-01\",\"to\":\"2026-02-01\"},\"group_by\":[\"hour_of_day\"],"
		 "\"measures\":[{\"kind\":\"count\"},{\"kind\":\"mean\",\"clip\":[0,6000]}],"
		 "\"privacy\":{\"k\":11,\"mechanism\":\"laplace\",\"epsilon\":\"8\","
		 "\"max_cells_per_person\":24},\"opens\":\"2026-02-01T00:00:00Z\",\"closes\":"
		 "\"2099-01-01T00:00:00Z\",\"governance\":{\"body\":\"cooperative\"},"
		 "\"licence\":\"etalab-2.0\"}",
		 org.id);
	if (campaign_spec_parse(text, strlen(text), &f.reg, &spec, err, sizeof(err)) != CMN_OK)
		fail_msg("definition: %s", err);
	assert_int_equal(campaign_spec_json(&spec, &canon, NULL), CMN_OK);
	campaign_spec_release(&spec);
	assert_int_equal(store_campaign_add(f.s, org.id, canon, t0, &row), CMN_OK);
	free(canon);
	memcpy(id, row.id, CRYPT_ID_LEN);
	campaign_row_release(&row);
	words =
	    json_pack("{s:s, s:s}", "fr", "Mutualiser nos profils.", "en", "Pool our profiles.");
	assert_int_equal(govern_propose(f.s, &f.keys, coop, m->p[0].id, false, id, words,
					t0 + 61000, GOVERN_VOTE_MIN_DEFAULT_MS, true, t0, &p, err,
					sizeof(err)),
			 CMN_OK);
	json_decref(words);
	memcpy(prop, p.id, CRYPT_ID_LEN);
	gov_proposal_release(&p);
	for (i = 0; i < m->n; i++)
		assert_int_equal(
		    govern_vote(f.s, prop, m->p[i].id, i % 4 == 3 ? "no" : "yes", t0 + 1000),
		    CMN_OK);
	assert_int_equal(govern_close(f.s, &f.keys, prop, t0 + 61001, &p, err, sizeof(err)),
			 CMN_OK);
	assert_int_equal(p.state, GOV_APPROVED);
	gov_proposal_release(&p);

	/* the members join; it runs and is published */
	for (i = 0; i < m->n; i++)
		assert_int_equal(campaign_join(f.s, &f.reg, &m->p[i], id, time_now_ms(), "test",
					       err, sizeof(err)),
				 CMN_OK);
	memset(key, 21, sizeof(key));
	dp_rng_chacha20(&rng, key);
	memset(&ro, 0, sizeof(ro));
	ro.now = time_now_ms();
	ro.rng = &rng;
	ro.threads = 2;
	if (campaign_run(f.s, &f.reg, id, &ro, &st, err, sizeof(err)) != CMN_OK)
		fail_msg("run: %s", err);
	dp_rng_release(&rng);
	assert_int_equal(campaign_publish(f.s, id, time_now_ms(), "test", NULL, &notified), CMN_OK);
	assert_int_equal(store_campaign_get(f.s, id, true, &row), CMN_OK);
	res = json_loads(row.results, 0, NULL);
	campaign_row_release(&row);
	assert_non_null(res);

	/* the mix of the public table */
	if (campaign_mix(res, 100, 10, &r, err, sizeof(err)) != CMN_OK)
		fail_msg("mix: %s", err);
	assert_int_equal(r.month_from, 1);
	assert_int_equal(r.month_count, 1);
	json_array_foreach(json_object_get(res, "cells"), i, c)
	{
		const char *mean =
		    json_string_value(json_array_get(json_object_get(c, "values"), 1));
		int h = (int)strtol(json_string_value(json_object_get(c, "hour_of_day")), NULL, 10);

		assert_non_null(mean);
		assert_true(fabs(r.demand[h] - strtod(mean, NULL)) < 1e-9);
		assert_true(r.demand[h] >= 0 && r.demand[h] <= 6000); /* the clip */
	}
	for (pct[0] = 0; pct[0] <= 100; pct[0] += 10)
		for (pct[1] = 0; pct[0] + pct[1] <= 100; pct[1] += 10) {
			pct[2] = 100 - pct[0] - pct[1];
			best = fmax(best, coverage(&r, pct));
		}
	assert_true(fabs(r.top[0].coverage - best) < 1e-12);
	assert_true(fabs(r.top[0].coverage - coverage(&r, r.top[0].share)) < 1e-12);
	for (i = 1; i < r.ntop; i++)
		assert_true(r.top[i].coverage <= r.top[i - 1].coverage + 1e-12);
	print_message("January's best mix: solar %u %%, wind %u %%, hydro %u %%: %.1f %% of the"
		      " demand in its hour, %.1f EUR/MWh\n",
		      r.top[0].share[0], r.top[0].share[1], r.top[0].share[2],
		      r.top[0].coverage * 100, r.top[0].cost);
	{
		json_t *j = campaign_mix_json(id, &r);

		assert_non_null(j);
		assert_int_equal(json_array_size(json_object_get(j, "best")), MIX_TOP);
		assert_int_equal(json_array_size(json_object_get(j, "demand_w")), 24);
		json_decref(j);
	}
	json_decref(res);
	free(m);
}

static int setup(void **state)
{
	(void)state;
	t0 = time_now_ms();
	if (fixture_open(&f, "outsider") != 0 ||
	    store_org_add(f.s, "Coopérative WeMix", "cooperative", &org) != CMN_OK)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fixture_close(&f);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(the_sun),
	    cmocka_unit_test(known_answers),
	    cmocka_unit_test(report_whole_or_nothing),
	    cmocka_unit_test_setup_teardown(cooperative_profile_and_mix, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
