/*
 * mix.c - WeMix: the local energy mix that best covers a published hourly
 * electricity profile (mix.h). The figures of the sources are orders of
 * magnitude, documented with their origin in docs/wemix.md; they are the
 * model's assumptions, not measurements.
 */
#include "campaign/mix.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonparse.h"
#include "core/jsonput.h"
#include "core/str.h"
#include "store/store_campaign.h"

#define LOAD_CURVE "energy.electricity.load_curve"

static const char *const names[MIX_SOURCES] = {"solar", "wind", "hydro"};

/* EUR/MWh: ADEME's ranges for new installations in France (rooftop solar of
 * 100 to 250 kWp, onshore wind, small hydro), taken near their middle */
static const double costs[MIX_SOURCES] = {95.0, 65.0, 100.0};

/* kWh per installed kWp in each month: PVGIS's order of magnitude for a
 * south-facing system tilted 35 degrees near 45 degrees north (about
 * 1,265 kWh/kWp a year) */
static const double solar_kwh[12] = {55, 75, 110, 125, 135, 145, 160, 150, 120, 90, 55, 45};

/* load factors by month: French onshore wind (about 24 % over the year,
 * higher in winter) and run-of-river hydro in the Alps' foothills (high
 * with the spring thaw) */
static const double wind_lf[12] = {0.33, 0.31, 0.28, 0.23, 0.20, 0.18,
				   0.17, 0.17, 0.19, 0.24, 0.28, 0.31};
static const double hydro_lf[12] = {0.35, 0.35, 0.45, 0.60, 0.70, 0.65,
				    0.50, 0.40, 0.35, 0.40, 0.45, 0.40};

static const int month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

const char *mix_source_name(enum mix_source s)
{
	return (unsigned)s < MIX_SOURCES ? names[s] : "?";
}

double mix_source_cost(enum mix_source s)
{
	return (unsigned)s < MIX_SOURCES ? costs[s] : 0;
}

/* sun_height - the sine of the sun's elevation (0 below the horizon) at
 * solar time `solar` (hours) on day of year n, at MIX_LATITUDE */
static double sun_height(int n, double solar)
{
	const double rad = M_PI / 180.0;
	double decl = 23.44 * rad * sin(2.0 * M_PI * (284.0 + n) / 365.0);
	double hour_angle = 15.0 * rad * (solar - 12.0);
	double phi = MIX_LATITUDE * rad;
	double s = sin(phi) * sin(decl) + cos(phi) * cos(decl) * cos(hour_angle);

	return s > 0 ? s : 0;
}

void mix_production(enum mix_source s, int month, double out[24])
{
	int m = (month < 1 || month > 12) ? 0 : month - 1;

	if (s == MIX_SOLAR) {
		/* the 15th of the month; clock time is UTC+1, UTC+2 from April
		 * to October (summer time, roughly); solar time adds the
		 * longitude's 4 minutes a degree */
		int doy = 15;
		double total = 0, shift = MIX_LONGITUDE / 15.0 - ((m >= 3 && m <= 9) ? 2.0 : 1.0);

		for (int i = 0; i < m; i++)
			doy += month_days[i];
		for (int h = 0; h < 24; h++) {
			double e = 0;

			for (int q = 0; q < 4; q++) /* the hour's four quarters, at their middle */
				e += sun_height(doy, h + (q + 0.5) / 4.0 + shift) / 4.0;
			out[h] = e;
			total += e;
		}
		/* scaled so that the day gives the month's yield / its days, Wh */
		for (int h = 0; h < 24; h++)
			out[h] =
			    total > 0 ? out[h] / total * solar_kwh[m] * 1000.0 / month_days[m] : 0;
		return;
	}
	for (int h = 0; h < 24; h++)
		out[h] = 1000.0 * (s == MIX_WIND ? wind_lf[m] : s == MIX_HYDRO ? hydro_lf[m] : 0);
}

/* ---- reading the released table --------------------------------------------------- */

static const char *text_of(const json_t *v)
{
	const char *s = json_string_value(v);

	return s ? s : "";
}

static bool month_of(const char *date, int *year, int *month)
{
	int y, mo, d;
	char rest;

	if (!date || sscanf(date, "%4d-%2d-%2d%c", &y, &mo, &d, &rest) != 3 || mo < 1 || mo > 12)
		return false;
	*year = y;
	*month = mo;
	return true;
}

static enum cmn_rc read_profile(const json_t *res, struct mix_report *r, char *err, size_t errn)
{
	const json_t *dims = json_object_get(res, "dimensions"),
		     *ms = json_object_get(res, "measures");
	const json_t *period = json_object_get(res, "period"), *c;
	const char *src =
	    json_string_value(json_object_get(json_object_get(res, "source"), "series"));
	size_t mean = (size_t)-1, i;
	bool seen[24] = {false};
	int y0, m0, y1, m1;

	if (!src || strcmp(src, LOAD_CURVE) != 0) {
		snprintf(err, errn, "not a campaign on %s", LOAD_CURVE);
		return CMN_ERR_INVALID;
	}
	if (json_array_size(dims) != 1 ||
	    strcmp(text_of(json_object_get(json_array_get(dims, 0), "name")), "hour_of_day") != 0) {
		snprintf(err, errn,
			 "not an hourly profile: the table must be grouped by hour_of_day"
			 " alone");
		return CMN_ERR_INVALID;
	}
	for (i = 0; i < json_array_size(ms); i++)
		if (mean == (size_t)-1 &&
		    strcmp(text_of(json_object_get(json_array_get(ms, i), "kind")), "mean") == 0)
			mean = i;
	if (mean == (size_t)-1) {
		snprintf(err, errn, "the table has no mean to read the demand from");
		return CMN_ERR_INVALID;
	}
	if (!month_of(json_string_value(json_object_get(period, "from")), &y0, &m0) ||
	    !month_of(json_string_value(json_object_get(period, "to")), &y1, &m1)) {
		snprintf(err, errn, "the table's period is not readable");
		return CMN_ERR_INVALID;
	}
	/* the months the period meets: [from, to), to being exclusive */
	{
		const char *to = json_string_value(json_object_get(period, "to"));
		int n = (y1 - y0) * 12 + (m1 - m0) + (strcmp(to + 8, "01") == 0 ? 0 : 1);

		r->month_from = m0;
		r->month_count = n < 1 ? 1 : n > 12 ? 12 : n;
	}
	json_array_foreach(json_object_get(res, "cells"), i, c)
	{
		const char *h = json_string_value(json_object_get(c, "hour_of_day"));
		const json_t *v = json_array_get(json_object_get(c, "values"), mean);
		const char *why = json_string_value(json_object_get(c, "suppressed"));
		char *end;
		long hour = h ? strtol(h, &end, 10) : -1;
		double w;

		if (hour < 0 || hour > 23 || *end) {
			snprintf(err, errn, "/cells/%zu: not an hour of the day", i);
			return CMN_ERR_INVALID;
		}
		if (why) {
			snprintf(err, errn,
				 "%02ld:00 is suppressed (%s): no mix can be scored against"
				 " an incomplete day",
				 hour, why);
			return CMN_ERR_INVALID;
		}
		if (!json_is_string(v) || str_to_double(json_string_value(v), &w) != CMN_OK ||
		    w < 0) {
			snprintf(err, errn,
				 "%02ld:00 has no mean power (a noisy count of 0 leaves"
				 " it empty)",
				 hour);
			return CMN_ERR_INVALID;
		}
		r->demand[hour] = w;
		seen[hour] = true;
	}
	for (int h = 0; h < 24; h++)
		if (!seen[h]) {
			snprintf(err, errn, "%02d:00 is missing from the table", h);
			return CMN_ERR_INVALID;
		}
	return CMN_OK;
}

/* ---- scoring ---------------------------------------------------------------------- */

/* better - a before b: more coverage, then cheaper, then the earlier split */
static bool better(const struct mix_option *a, const struct mix_option *b)
{
	if (fabs(a->coverage - b->coverage) > 1e-12)
		return a->coverage > b->coverage;
	if (fabs(a->cost - b->cost) > 1e-9)
		return a->cost < b->cost;
	return false;
}

static void score(const struct mix_report *r, const unsigned share[MIX_SOURCES],
		  struct mix_option *o)
{
	double demand = 0, covered = 0, produced = 0, daily[MIX_SOURCES], volume;

	memset(o, 0, sizeof(*o));
	for (int h = 0; h < 24; h++)
		demand += r->demand[h];
	volume = demand * r->volume / 100.0; /* Wh a household a day, produced locally */
	for (int s = 0; s < MIX_SOURCES; s++) {
		daily[s] = 0;
		for (int h = 0; h < 24; h++)
			daily[s] += r->production[s][h];
		o->share[s] = share[s];
		o->cost += share[s] * costs[s] / 100.0;
		/* kW per household = its share of the volume / Wh a kW gives a day */
		o->kw[s] = daily[s] > 0 ? volume * share[s] / 100.0 / daily[s] * 100.0 : 0;
	}
	for (int h = 0; h < 24; h++) {
		double p = 0;

		for (int s = 0; s < MIX_SOURCES; s++)
			if (daily[s] > 0)
				p += volume * share[s] / 100.0 * r->production[s][h] / daily[s];
		covered += p < r->demand[h] ? p : r->demand[h];
		produced += p;
	}
	o->coverage = demand > 0 ? covered / demand : 0;
	o->surplus = produced > 0 ? (produced - covered) / produced : 0;
}

static void keep(struct mix_report *r, const struct mix_option *o)
{
	size_t at = r->ntop;

	while (at > 0 && better(o, &r->top[at - 1]))
		at--;
	if (at >= MIX_TOP)
		return;
	if (r->ntop < MIX_TOP)
		r->ntop++;
	memmove(&r->top[at + 1], &r->top[at], (r->ntop - 1 - at) * sizeof(*o));
	r->top[at] = *o;
}

enum cmn_rc campaign_mix(const json_t *results, unsigned volume, unsigned step,
			 struct mix_report *out, char *err, size_t errn)
{
	unsigned share[MIX_SOURCES];
	enum cmn_rc rc;

	memset(out, 0, sizeof(*out));
	if (volume < 10 || volume > 300) {
		snprintf(err, errn, "volume: from 10 to 300 (percent of the demand)");
		return CMN_ERR_INVALID;
	}
	if (step == 0 || step > 50 || 100 % step != 0) {
		snprintf(err, errn, "step: a divisor of 100 from 1 to 50 (percent)");
		return CMN_ERR_INVALID;
	}
	if ((rc = read_profile(results, out, err, errn)) != CMN_OK)
		return rc;
	out->volume = volume;
	out->step = step;
	/* each source's mean day over the months of the period */
	for (int s = 0; s < MIX_SOURCES; s++) {
		for (int k = 0; k < out->month_count; k++) {
			double day[24];

			mix_production((enum mix_source)s, (out->month_from - 1 + k) % 12 + 1, day);
			for (int h = 0; h < 24; h++)
				out->production[s][h] += day[h] / out->month_count;
		}
	}
	for (share[0] = 0; share[0] <= 100; share[0] += step)
		for (share[1] = 0; share[0] + share[1] <= 100; share[1] += step) {
			struct mix_option o;

			share[2] = 100 - share[0] - share[1];
			score(out, share, &o);
			keep(out, &o);
			out->options++;
		}
	return CMN_OK;
}

static json_t *hours(const double v[24], double scale)
{
	json_t *a = json_array();

	for (int h = 0; h < 24 && a; h++)
		json_push(&a, json_real(round(v[h] * scale) / scale));
	return a;
}

static double round_to(double v, double unit)
{
	return round(v / unit) * unit;
}

/* The report is whole or NULL: a best mix or an hour of the profile left
 * out (out of memory) would show another split as the best one (json_put
 * and json_push; json_pack fails on a NULL "o"). */
json_t *campaign_mix_json(const char *campaign_id, const struct mix_report *r)
{
	json_t *o = json_object(), *sources = json_array(), *top = json_array();

	for (int s = 0; sources && s < MIX_SOURCES; s++)
		json_push(&sources, json_pack("{s:s, s:f, s:o}", "name", names[s], "cost_eur_mwh",
					      costs[s], "wh_per_kw", hours(r->production[s], 10)));
	for (size_t i = 0; top && i < r->ntop; i++) {
		const struct mix_option *m = &r->top[i];
		json_t *share = json_object(), *kw = json_object();

		for (int s = 0; s < MIX_SOURCES; s++) {
			json_put(&share, names[s], json_integer(m->share[s]));
			json_put(&kw, names[s], json_real(round_to(m->kw[s], 0.1)));
		}
		json_push(&top,
			  json_pack("{s:o, s:f, s:f, s:f, s:o}", "share_pct", share, "coverage_pct",
				    round_to(m->coverage * 100, 0.1), "surplus_pct",
				    round_to(m->surplus * 100, 0.1), "cost_eur_mwh",
				    round_to(m->cost, 0.1), "kw_per_100_households", kw));
	}
	json_put(&o, "campaign", json_string(campaign_id));
	json_put(&o, "demand_w", hours(r->demand, 100));
	json_put(&o, "months",
		 json_pack("{s:i, s:i}", "from", r->month_from, "count", r->month_count));
	json_put(&o, "volume_pct", json_integer(r->volume));
	json_put(&o, "step_pct", json_integer(r->step));
	json_put(&o, "options", json_integer((json_int_t)r->options));
	json_put(&o, "sources", sources);
	json_put(&o, "best", top);
	return o;
}

enum cmn_rc campaign_mix_of(struct store *s, const char *id, unsigned volume, unsigned step,
			    json_t **out, char *err, size_t errn)
{
	struct campaign_row r;
	struct mix_report rep;
	json_t *res;
	enum cmn_rc rc = store_campaign_get(s, id, true, &r);

	*out = NULL;
	if (rc != CMN_OK)
		return rc;
	if (r.state != CAMPAIGN_STATE_PUBLISHED) {
		campaign_row_release(&r);
		return CMN_ERR_NOT_FOUND;
	}
	res = json_parse_str(r.results);
	rc = res ? campaign_mix(res, volume, step, &rep, err, errn) : CMN_ERR_CORRUPT;
	json_decref(res);
	if (rc == CMN_OK && !(*out = campaign_mix_json(r.id, &rep)))
		rc = CMN_ERR_NOMEM;
	campaign_row_release(&r);
	return rc;
}
