/*
 * energy.c - the meters of a synthetic household: its electricity load
 * curve (mean W of each half-hour of the local day), its daily gas and its
 * daily water, and the three holder files that carry them (Enedis load
 * curve CSV, GRDF customer-site JSON, the generic water meter CSV).
 *
 * The model is bottom-up and deliberately simple (docs/synth/energy.md):
 * who is at home and awake in each half-hour (work, school, holidays,
 * outings), and what that switches on - standby and cold appliances,
 * activity and lighting, cooking, washing, an electric water heater in the
 * off-peak hours, heating by degree-hours with a thermostat that follows
 * the occupants, cooling on hot afternoons - plus noise. Gas and water use
 * the same occupancy and heat-need functions.
 *
 * Purity: everything is recomputed from (seed, household, day): the
 * household's habits from its own stream, its holidays from a stream per
 * year, each day from streams per (kind, household, day). Only integer
 * arithmetic, the IEEE basic operations and synth_cos touch a value, so the
 * bytes are the same on every machine (synth.h).
 */
#include "synth/synth.h"

#include <string.h>

#include "core/timeutil.h"
#include "core/tz.h"
#include "series/series.h"

#define HALF_HOUR_MS 1800000LL
#define DAY_MS       86400000LL
#define WALL_SLOTS   48 /* half-hours of a wall-clock day: the behaviour's grid */

/* The random streams of this file (synth_rng_seed's `stream`): the others
 * of synth/ use 1, 2 and 100. Daily streams take sub = household << 20 |
 * day, the day counted from 1970 (so a date draws the same numbers whatever
 * the period's start). */
enum energy_stream {
	STREAM_HABITS = 200,      /* the household's appliances and habits */
	/* 201 was the holidays: now synth_away_on, shared by every kind of data */
	STREAM_OCCUPANCY = 202,   /* who is at home, a day */
	STREAM_ELECTRICITY = 203, /* appliances and noise, a day */
	STREAM_HOT_WATER = 204,   /* hot water drawn, a day */
	STREAM_GAS = 205,         /* gas noise, a day */
	STREAM_WATER = 206,       /* water noise, a day */
};

/* ---- parameters (docs/synth/energy.md) -------------------------------------- */

/* heat loss a m2 of floor, W/K, for energy classes A to G (D = 1.85),
 * compressed at the bottom: occupants of badly insulated homes heat less */
static const double class_w_m2k[7] = {0.65, 0.92, 1.3, 1.85, 2.3, 2.7, 3.1};
#define FLAT_FACTOR   0.8 /* shared walls */
#define HOUSE_FACTOR  1.15
#define ROOM_CONTROL  0.8  /* direct electric heaters: a thermostat in each room */
#define HEAT_OFF_C    15.5 /* no heating on a day whose mean is above */
#define SET_AWAKE_C   17.0 /* setpoints, net of internal and solar gains */
#define SET_ASLEEP_C  15.0
#define SET_EMPTY_C   14.5
#define SET_HOLIDAY_C 7.0   /* frost protection */
#define DAY_SWING_C   3.0   /* half the daily range of the outdoor temperature */
#define BOILER_EFF    0.8   /* gas boiler and its pipes over a season (higher heating value) */
#define GAS_HW_EFF    0.75  /* a boiler making hot water on demand */
#define TANK_LOSS_WH  900.0 /* an electric water tank's standing loss a day */
#define COOL_START_C  25.0  /* afternoon temperature above which air conditioning runs */

/* ---- the household's habits ----------------------------------------------------- */

struct member_habits {
	bool counts;       /* false for a baby: follows the adults */
	bool school;       /* pupil or student: school holidays apply */
	bool short_wed;    /* primary pupil: home on Wednesday afternoon */
	int wake, sleep;   /* wall half-hours of a working day; sleep may be 48 */
	int leave, back;   /* away on working days in [leave, back); leave < 0: never */
	unsigned workdays; /* bit 0 Monday to bit 4 Friday */
};

struct habits {
	int n; /* members */
	struct member_habits p[SYNTH_MAX_MEMBERS];
	double base_w;                  /* standby and cold appliances */
	double act_w;                   /* an awake person at home */
	double light_w;                 /* lighting when dark */
	double heat_g;                  /* W/K of heat loss */
	double comfort;                 /* K added to the setpoints */
	double cool_w_k;                /* air-conditioning W per K above COOL_START_C */
	double hw_wh;                   /* hot water, Wh of heat a person a day */
	double hw_power;                /* the electric tank's heater, W */
	int hc_start;                   /* off-peak hours start, wall half-hour 44..48 */
	bool electric_hw, hw_heat_pump; /* hot water by electricity (heat pump: COP 2.5) */
	bool electric_cooking;
	double cook_wh;        /* cooking a day, Wh */
	double wash_p, dish_p; /* a washing machine, a dishwasher cycle a day */
	bool dryer;
	double water_l;  /* litres a person a day */
	double garden_l; /* litres on a hot day (houses that water) */
	double leak_l;   /* while away */
	int64_t water_index0_l, gas_index0_l;
	int dinner; /* wall half-hour */
};

static uint64_t day_sub(const struct synth_household *h, int64_t abs_day)
{
	return (h->index << 20) | ((uint64_t)abs_day & 0xfffffu);
}

static double uniform(struct synth_rng *r, double lo, double hi)
{
	return lo + (hi - lo) * synth_rng_unit(r);
}

static void person_habits(struct synth_rng *r, const struct synth_member *m,
			  struct member_habits *p)
{
	memset(p, 0, sizeof(*p));
	p->counts = m->activity != ACT_CHILD;
	p->leave = -1;
	p->sleep = (int)synth_rng_range(r, 44, 47);
	switch (m->activity) {
	case ACT_EMPLOYED:
		p->wake = (int)synth_rng_range(r, 12, 15);
		p->leave = p->wake + (int)synth_rng_range(r, 2, 3);
		p->back = p->leave + (int)synth_rng_range(r, 17, 21);
		p->workdays = 0x1f;
		/* part time: days off among Wednesday, Friday, Monday */
		if (m->work_days <= 4)
			p->workdays &= ~(1u << (synth_rng_below(r, 2) == 0 ? 2 : 4));
		if (m->work_days <= 3)
			p->workdays &= ~1u;
		break;
	case ACT_STUDENT:
		p->school = true;
		p->wake = (int)synth_rng_range(r, 13, 16);
		p->leave = p->wake + 2;
		p->back = (int)synth_rng_range(r, 34, 38);
		p->sleep = (int)synth_rng_range(r, 46, 48);
		p->workdays = 0x1f;
		break;
	case ACT_PUPIL:
		p->school = true;
		p->short_wed = m->age < 11;
		p->wake = (int)synth_rng_range(r, 13, 14);
		p->leave = 16;
		p->back = (int)synth_rng_range(r, 33, 36);
		p->sleep = m->age < 11 ? 41 : (int)synth_rng_range(r, 43, 46);
		p->workdays = 0x1f;
		break;
	case ACT_RETIRED:
	case ACT_UNEMPLOYED: p->wake = (int)synth_rng_range(r, 14, 17); break;
	case ACT_CHILD:
		p->wake = 13;
		p->sleep = 40;
		break;
	}
}

/* habits - the household's constants, from its own stream */
static void habits(const struct synth_territory *t, const struct synth_household *h,
		   struct habits *o)
{
	struct synth_rng r;
	int n = h->nmembers;
	double size = h->house ? HOUSE_FACTOR : FLAT_FACTOR;
	int cls = h->energy_class >= 'A' && h->energy_class <= 'G' ? h->energy_class - 'A' : 3;

	memset(o, 0, sizeof(*o));
	synth_rng_seed(&r, t->seed, STREAM_HABITS, h->index);
	o->n = n;
	for (int i = 0; i < n; i++)
		person_habits(&r, &h->m[i], &o->p[i]);
	o->base_w = 45.0 + 22.0 * n + (h->house ? 30.0 : 0.0) + uniform(&r, 0.0, 45.0);
	o->act_w = uniform(&r, 55.0, 110.0);
	o->light_w = 25.0 + 0.5 * h->surface_m2 * uniform(&r, 0.6, 1.4);
	o->heat_g = h->surface_m2 * class_w_m2k[cls] * size * uniform(&r, 0.85, 1.15);
	o->comfort = uniform(&r, -1.5, 1.0) - (cls >= 5 ? 0.5 : 0.0);
	o->cool_w_k = h->cooling ? h->surface_m2 * uniform(&r, 2.5, 4.5) : 0.0;
	o->hw_wh = uniform(&r, 1500.0, 2200.0);
	o->hw_power = n == 1 ? 1800.0 : n <= 3 ? 2200.0 : 3000.0;
	o->hc_start = (int)synth_rng_range(&r, 44, 47);
	o->electric_hw =
	    h->heating == HEAT_ELECTRIC || h->heating == HEAT_HEAT_PUMP || h->heating == HEAT_WOOD;
	o->hw_heat_pump = h->heating == HEAT_HEAT_PUMP;
	o->electric_cooking = !h->gas_cooking;
	o->cook_wh = (250.0 + 230.0 * n) * uniform(&r, 0.7, 1.3);
	o->wash_p = (1.0 + 0.9 * n) / 7.0;
	o->dish_p =
	    synth_rng_below(&r, 100) < (uint64_t)(n >= 3 ? 85 : 55) ? (0.6 + 0.8 * n) / 7.0 : 0.0;
	o->dryer = synth_rng_below(&r, 100) < (uint64_t)(n >= 3 ? 45 : 15);
	o->water_l = uniform(&r, 120.0, 150.0);
	o->garden_l = h->house && synth_rng_below(&r, 100) < 40 ? uniform(&r, 60.0, 220.0) : 0.0;
	o->leak_l = synth_rng_below(&r, 100) < 15 ? uniform(&r, 1.0, 6.0) : 0.0;
	o->water_index0_l = (int64_t)synth_rng_range(&r, 50000, 2500000);
	o->gas_index0_l = (int64_t)synth_rng_range(&r, 1000000, 40000000);
	o->dinner = (int)synth_rng_range(&r, 37, 40);
}

/* ---- the calendar --------------------------------------------------------------- */

static int64_t civil(int64_t y, int m, int d)
{
	return time_days_from_civil(y, m, d);
}

/* on_holiday - the whole household is away all of abs_day (the holidays
 * shared by every kind of data: synth_away_on) */
static bool on_holiday(const struct synth_territory *t, const struct synth_household *h,
		       int64_t abs_day)
{
	return synth_away_on(t, h, abs_day) == AWAY_GONE;
}

static double day_of_year(int64_t abs_day)
{
	int64_t y;
	int m, d;

	time_civil_from_days(abs_day, &y, &m, &d);
	return (double)(abs_day - civil(y, 1, 1));
}

/* ---- occupancy ---------------------------------------------------------------- */

struct occupancy {
	bool away;             /* on holiday all day */
	int awake[WALL_SLOTS]; /* members awake at home */
	int home[WALL_SLOTS];  /* members at home, awake or asleep */
	int wakes[WALL_SLOTS]; /* members getting up */
	int workers_away;      /* members at work or school that day */
};

/* occupancy - who is home in each wall half-hour of abs_day */
static void occupancy(const struct synth_territory *t, const struct synth_household *h,
		      const struct habits *hb, int64_t abs_day, struct occupancy *o)
{
	struct synth_rng r;
	int kind = synth_day_kind(abs_day), wd = (int)(((abs_day % 7) + 7 + 3) % 7);
	int out_from = -1, out_to = -1;
	bool off = (kind & 3) != 0, late_night = wd == 4 || wd == 5;

	memset(o, 0, sizeof(*o));
	if (on_holiday(t, h, abs_day)) {
		o->away = true;
		return;
	}
	synth_rng_seed(&r, t->seed, STREAM_OCCUPANCY, day_sub(h, abs_day));
	/* an outing of the whole household on days off (more often at the weekend) */
	if (synth_rng_below(&r, 100) < (uint64_t)(off ? 55 : 25)) {
		out_from = (int)synth_rng_range(&r, 19, 34);
		out_to = out_from + (int)synth_rng_range(&r, 3, 8);
	}
	for (int i = 0; i < hb->n; i++) {
		const struct member_habits *p = &hb->p[i];
		bool works =
		    !off && p->leave >= 0 && (p->workdays >> wd & 1u) && !(p->school && (kind & 4));
		int wake = p->wake + (int)synth_rng_range(&r, -1, 1);
		int sleep = p->sleep + (late_night ? 2 : 0) + (int)synth_rng_range(&r, -1, 1);
		int back = p->back + (int)synth_rng_range(&r, -1, 2);

		if (!p->counts)
			continue;
		if (!works && p->leave >= 0)
			wake += 2; /* a lie-in */
		if (works && p->short_wed && wd == 2)
			back = 25;
		if (sleep > WALL_SLOTS)
			sleep = WALL_SLOTS;
		o->workers_away += works;
		if (wake >= 0 && wake < WALL_SLOTS)
			o->wakes[wake]++;
		for (int q = 0; q < WALL_SLOTS; q++) {
			bool asleep = q < wake || q >= sleep;
			bool out = works ? q >= p->leave && q < back : q >= out_from && q < out_to;

			if (asleep) {
				o->home[q]++;
			} else if (!out) {
				o->home[q]++;
				o->awake[q]++;
			}
		}
	}
}

/* ---- heat --------------------------------------------------------------------- */

/* The outdoor temperature of each wall half-hour of a day: the day's mean,
 * coldest at 03:00, warmest at 15:00. */
struct weather {
	double day_c;
	double out_c[WALL_SLOTS];
};

static void weather(const struct synth_territory *t, int day, struct weather *wx)
{
	/* cos(a + q d) by the recurrence c(q+1) = 2 cos(d) c(q) - c(q-1):
	 * three cosines a day instead of 48 */
	const double a = 6.283185307179586 * (0.25 - 15.0) / 24.0, d = 6.283185307179586 / 48.0;
	double two_cos_d = 2.0 * synth_cos(d), prev = synth_cos(a - d), c = synth_cos(a);

	wx->day_c = (double)t->temp_dc[day] / 10.0;
	for (int q = 0; q < WALL_SLOTS; q++) {
		double next = two_cos_d * c - prev;

		wx->out_c[q] = wx->day_c + DAY_SWING_C * c;
		prev = c;
		c = next;
	}
}

static double setpoint_c(const struct habits *hb, const struct occupancy *o, int q)
{
	if (o->away)
		return SET_HOLIDAY_C;
	if (o->awake[q])
		return SET_AWAKE_C + hb->comfort;
	if (o->home[q])
		return SET_ASLEEP_C + hb->comfort;
	return SET_EMPTY_C + hb->comfort;
}

/* heat_w - the heat (W) the home needs in wall half-hour q */
static double heat_w(const struct habits *hb, const struct occupancy *o, const struct weather *wx,
		     int q)
{
	double gap;

	if (wx->day_c >= HEAT_OFF_C)
		return 0.0;
	gap = setpoint_c(hb, o, q) - wx->out_c[q];
	return gap > 0 ? hb->heat_g * gap : 0.0;
}

/* heat_pump_cop - 2.0 at -7 C, 3.0 at +5.5 C, at most 4.2 */
static double heat_pump_cop(double out_c)
{
	double cop = 2.0 + 0.08 * (out_c + 7.0);

	return cop < 2.0 ? 2.0 : cop > 4.2 ? 4.2 : cop;
}

/* hot_water_wh - heat drawn as hot water on abs_day (0 on holiday) */
static double hot_water_wh(const struct synth_territory *t, const struct synth_household *h,
			   const struct habits *hb, int64_t abs_day, bool away)
{
	struct synth_rng r;
	double season, people = 0;

	if (away)
		return 0.0;
	synth_rng_seed(&r, t->seed, STREAM_HOT_WATER, day_sub(h, abs_day));
	for (int i = 0; i < hb->n; i++)
		people += hb->p[i].counts ? 1.0 : 0.6;
	/* colder mains water in winter: +18 % in late January, -18 % in late July */
	season = 1.0 + 0.18 * synth_cos(6.283185307179586 * (day_of_year(abs_day) - 25.0) / 365.25);
	return hb->hw_wh * people * season *
	       (1.0 + 0.15 * (synth_rng_unit(&r) + synth_rng_unit(&r) - 1.0));
}

/* ---- electricity ---------------------------------------------------------------- */

/* spread - adds wh (Wh) as power over n half-hours from wall slot q */
static void spread(double *w, int q, int n, double wh)
{
	for (int i = 0; i < n; i++)
		if (q + i >= 0 && q + i < WALL_SLOTS)
			w[q + i] += 2.0 * wh / n; /* W over half an hour */
}

/* overlap - the part of wall slot q in [from, from + len) (half-hours) */
static double overlap(int q, double from, double len)
{
	double a = from > q ? from : q, b = from + len < q + 1 ? from + len : q + 1;

	return b > a ? b - a : 0.0;
}

/* tank_half_hours - how long the water heater runs in the night after
 * abs_day (half-hours, at most 8 hours); 0 while the household is away */
static double tank_half_hours(const struct synth_territory *t, const struct synth_household *h,
			      const struct habits *hb, int64_t abs_day, bool away)
{
	double wh, len;

	if (away)
		return 0.0;
	wh = hot_water_wh(t, h, hb, abs_day, false) / (hb->hw_heat_pump ? 2.5 : 1.0) + TANK_LOSS_WH;
	len = wh * 2.0 / hb->hw_power;
	return len > 16.0 ? 16.0 : len;
}

/* tank_w - the electric water heater reheats what a day drew in the
 * off-peak hours that begin in its evening: those of the eve run into the
 * first hours of this day */
static void tank_w(const struct synth_territory *t, const struct synth_household *h,
		   const struct habits *hb, int64_t abs_day, const struct occupancy *o, double *w)
{
	double len_prev = tank_half_hours(t, h, hb, abs_day - 1, on_holiday(t, h, abs_day - 1));
	double len_cur = tank_half_hours(t, h, hb, abs_day, o->away);

	for (int q = 0; q < WALL_SLOTS; q++)
		w[q] += hb->hw_power * (overlap(q, hb->hc_start - WALL_SLOTS, len_prev) +
					overlap(q, hb->hc_start, len_cur));
}

/* daylight - *dawn, the first wall half-hour without lights, and *dusk,
 * the last: at 45 N, 8.7 h of day at the winter solstice and 15.5 h at the
 * summer one; lights on from half an hour before sunset to half an hour
 * after sunrise */
static void daylight(double doy, bool summer_time, int *dawn, int *dusk)
{
	double length = 12.1 + 3.4 * synth_cos(6.283185307179586 * (doy - 172.0) / 365.25);
	double noon = 12.7 + (summer_time ? 1.0 : 0.0);

	/* slot q is lit when its middle (q / 2 + 0.25 h) is in the night */
	*dawn = (int)((noon - length / 2.0 + 0.5 - 0.25) * 2.0) + 1;
	*dusk = (int)((noon + length / 2.0 - 0.5 - 0.25) * 2.0);
}

/* appliances - cooking, washing, dishes, drying, the morning's kettle */
static void appliances(struct synth_rng *r, const struct habits *hb, const struct occupancy *o,
		       int kind, double doy, double *w)
{
	int members = 0, lunch = 0;
	double winter = 1.0 + 0.5 * synth_cos(6.283185307179586 * (doy - 15.0) / 365.25);

	for (int i = 0; i < hb->n; i++)
		members += hb->p[i].counts;
	for (int q = 0; q < WALL_SLOTS; q++)
		if (o->wakes[q])
			w[q] += 180.0 * o->wakes[q] * uniform(r, 0.5, 1.5);
	if (hb->electric_cooking) {
		lunch = o->awake[24] + o->awake[25];
		if (lunch)
			spread(w, 24, 2,
			       hb->cook_wh * 0.35 * ((kind & 3) ? 1.4 : 1.0) * lunch /
				   (2.0 * (members ? members : 1)) * uniform(r, 0.6, 1.4));
		if (o->awake[hb->dinner])
			spread(w, hb->dinner - 1, 3, hb->cook_wh * 0.65 * uniform(r, 0.6, 1.4));
		if ((kind & 3) && o->awake[hb->dinner] && synth_rng_below(r, 100) < 30)
			spread(w, hb->dinner - 2, 2, uniform(r, 700.0, 1200.0)); /* the oven */
	}
	if (synth_rng_unit(r) < hb->wash_p) {
		int q = (int)synth_rng_range(r, 16, 41), tries = 0;

		while (!o->awake[q] && tries++ < 8)
			q = (int)synth_rng_range(r, 16, 41);
		if (o->awake[q]) {
			double wh = uniform(r, 600.0, 1000.0);

			w[q] += 2.0 * wh * 0.75;
			spread(w, q + 1, 2, wh * 0.25);
			if (hb->dryer && synth_rng_unit(r) < 0.7 * winter)
				spread(w, q + 3, 3, uniform(r, 1500.0, 2500.0));
		}
	}
	if (synth_rng_unit(r) < hb->dish_p && o->home[hb->dinner + 3])
		spread(w, hb->dinner + 3, 3, uniform(r, 800.0, 1200.0));
}

/* electricity_wall - the mean power of each wall half-hour of abs_day
 * (not yet capped or rounded) */
static void electricity_wall(const struct synth_territory *t, const struct synth_household *h,
			     const struct habits *hb, int day, bool summer_time,
			     struct synth_rng *r, double *w)
{
	int64_t abs_day = t->start_day + day;
	int kind = synth_day_kind(abs_day), dawn, dusk;
	double doy = day_of_year(abs_day), mood = uniform(r, 0.85, 1.15);
	struct occupancy o;
	struct weather wx;

	occupancy(t, h, hb, abs_day, &o);
	weather(t, day, &wx);
	daylight(doy, summer_time, &dawn, &dusk);
	for (int q = 0; q < WALL_SLOTS; q++) {
		double v = hb->base_w, heat = heat_w(hb, &o, &wx, q), out = wx.out_c[q];

		if (o.awake[q]) {
			/* a little more in the evening (screens, more of the home lit) */
			double evening = q >= 36 && q < 45 ? 1.3 : 1.0;

			v += hb->act_w * o.awake[q] * evening * mood;
			if (q < dawn || q > dusk)
				v += hb->light_w * (1.0 + 0.25 * (o.awake[q] - 1));
		}
		switch (h->heating) {
		case HEAT_ELECTRIC: v += heat * ROOM_CONTROL; break;
		case HEAT_HEAT_PUMP:
			v += heat / heat_pump_cop(out) + (heat > 0 ? 40.0 : 0.0);
			break;
		case HEAT_GAS:
			v += heat > 0 ? 60.0 : 0.0; /* the boiler's pump and fan */
			break;
		case HEAT_WOOD:
			v += heat * 0.08; /* electric heaters in the bathroom and bedrooms */
			break;
		case HEAT_DISTRICT: break;
		}
		if (hb->cool_w_k > 0 && o.home[q] && out > COOL_START_C && q >= 22)
			v += hb->cool_w_k * (out - COOL_START_C) / 3.0; /* EER 3 */
		w[q] = v;
	}
	if (!o.away)
		appliances(r, hb, &o, kind, doy, w);
	if (hb->electric_hw)
		tank_w(t, h, hb, abs_day, &o, w);
}

int synth_electricity_day(const struct synth_territory *t, const struct synth_household *h, int day,
			  int32_t w[SYNTH_SLOTS_MAX])
{
	const struct tz *z = series_zone("Europe/Paris");
	struct synth_rng r;
	struct habits hb;
	double wall[WALL_SLOTS], cap = h->kva * 1000.0;
	int64_t abs_day, t0, t1;
	int n;

	if (!z || day < 0 || day >= t->days)
		return 0;
	abs_day = t->start_day + day;
	t0 = tz_from_local(z, abs_day, 0);
	t1 = tz_from_local(z, abs_day + 1, 0);
	n = (int)((t1 - t0) / HALF_HOUR_MS);
	if (n < 1 || n > SYNTH_SLOTS_MAX)
		return 0;
	habits(t, h, &hb);
	synth_rng_seed(&r, t->seed, STREAM_ELECTRICITY, day_sub(h, abs_day));
	electricity_wall(t, h, &hb, day, tz_offset(z, t0 + DAY_MS / 2) > 3600, &r, wall);
	for (int i = 0; i < n; i++) {
		int64_t ms;
		double v;

		if (n == WALL_SLOTS)
			ms = i * HALF_HOUR_MS; /* no change of offset that day */
		else
			tz_local_day(z, t0 + i * HALF_HOUR_MS, &ms);
		/* the fridge's compressor and all that was left out: +-12 % */
		v = wall[ms / HALF_HOUR_MS % WALL_SLOTS] *
		    (0.88 + 0.12 * (synth_rng_unit(&r) + synth_rng_unit(&r)));
		if (v > cap)
			v = cap;
		w[i] = (int32_t)(v + 0.5);
	}
	return n;
}

/* ---- gas and water ------------------------------------------------------------------ */

int64_t synth_gas_day_wh(const struct synth_territory *t, const struct synth_household *h, int day)
{
	struct synth_rng r;
	struct habits hb;
	struct occupancy o;
	int64_t abs_day;
	struct weather wx;
	double wh = 0.0;

	if ((h->heating != HEAT_GAS && !h->gas_cooking) || day < 0 || day >= t->days)
		return 0;
	abs_day = t->start_day + day;
	weather(t, day, &wx);
	habits(t, h, &hb);
	occupancy(t, h, &hb, abs_day, &o);
	synth_rng_seed(&r, t->seed, STREAM_GAS, day_sub(h, abs_day));
	if (h->heating == HEAT_GAS) {
		for (int q = 0; q < WALL_SLOTS; q++)
			wh += heat_w(&hb, &o, &wx, q) * 0.5 / BOILER_EFF;
		wh += hot_water_wh(t, h, &hb, abs_day, o.away) / GAS_HW_EFF;
	}
	if (h->gas_cooking && !o.away)
		wh += hb.cook_wh * 1.2 * uniform(&r, 0.6, 1.4); /* a gas hob is less efficient */
	wh *= 1.0 + 0.05 * (synth_rng_unit(&r) + synth_rng_unit(&r) - 1.0);
	return (int64_t)(wh + 0.5);
}

int64_t synth_water_day_l(const struct synth_territory *t, const struct synth_household *h, int day)
{
	struct synth_rng r;
	struct habits hb;
	struct occupancy o;
	int64_t abs_day;
	double litres = 0.0, day_c;
	int kind;

	if (day < 0 || day >= t->days)
		return 0;
	abs_day = t->start_day + day;
	day_c = (double)t->temp_dc[day] / 10.0;
	kind = synth_day_kind(abs_day);
	habits(t, h, &hb);
	occupancy(t, h, &hb, abs_day, &o);
	if (o.away)
		return (int64_t)(hb.leak_l + 0.5);
	synth_rng_seed(&r, t->seed, STREAM_WATER, day_sub(h, abs_day));
	for (int i = 0; i < hb.n; i++)
		litres += hb.water_l * (hb.p[i].counts ? 1.0 : 0.6);
	/* who is out at work or school draws some of their water there */
	litres -= 0.15 * hb.water_l * o.workers_away;
	if (kind & 3)
		litres *= 1.08;
	if (hb.garden_l > 0 && day_c > 19.0 && synth_rng_below(&r, 100) < 45)
		litres += hb.garden_l * (day_c - 17.0) / 5.0;
	litres = litres * (1.0 + 0.2 * (synth_rng_unit(&r) + synth_rng_unit(&r) - 1.0)) + hb.leak_l;
	return (int64_t)(litres + 0.5);
}

/* ---- the files ---------------------------------------------------------------------- */

static void date_dmy(FILE *out, int64_t abs_day)
{
	int64_t y;
	int m, d;

	time_civil_from_days(abs_day, &y, &m, &d);
	fprintf(out, "%02d/%02d/%04lld", d, m, (long long)y);
}

static void date_iso(FILE *out, int64_t abs_day)
{
	int64_t y;
	int m, d;

	time_civil_from_days(abs_day, &y, &m, &d);
	fprintf(out, "%04lld-%02d-%02d", (long long)y, m, d);
}

/* digits - n decimal digits of v (>= 0) at p; returns p + n */
static char *digits(char *p, int64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v /= 10)
		p[i] = (char)('0' + v % 10);
	return p + n;
}

/* enedis_line - "2024-03-31T03:00:00+02:00;VALUE\n" for the half-hour that
 * ends at instant t, off the UTC offset in force at t (s) as Enedis stamps
 * it; returns the end of the line. By hand: fprintf took most of the time. */
static char *enedis_line(char *p, int32_t off, int64_t t, int32_t w)
{
	int32_t a = off < 0 ? -off : off;
	int64_t local = t + (int64_t)off * 1000, day = time_floor_div(local, DAY_MS), y;
	int64_t ms = local - day * DAY_MS;
	int m, d, n = 1;

	time_civil_from_days(day, &y, &m, &d);
	p = digits(p, y, 4);
	*p++ = '-';
	p = digits(p, m, 2);
	*p++ = '-';
	p = digits(p, d, 2);
	*p++ = 'T';
	p = digits(p, ms / 3600000, 2);
	*p++ = ':';
	p = digits(p, ms / 60000 % 60, 2);
	*p++ = ':';
	p = digits(p, ms / 1000 % 60, 2);
	*p++ = off < 0 ? '-' : '+';
	p = digits(p, a / 3600, 2);
	*p++ = ':';
	p = digits(p, a / 60 % 60, 2);
	*p++ = ';';
	for (int32_t x = w; x >= 10; x /= 10)
		n++;
	p = digits(p, w, n);
	*p++ = '\n';
	return p;
}

/* milli - v / 1000 with three decimals, mark the decimal mark ('.' or ',') */
static void milli(FILE *out, int64_t v, char mark)
{
	fprintf(out, "%lld%c%03lld", (long long)(v / 1000), mark, (long long)(v % 1000));
}

enum cmn_rc synth_write_enedis_csv(const struct synth_territory *t, const struct synth_household *h,
				   FILE *out)
{
	const struct tz *z = series_zone("Europe/Paris");

	if (!z)
		return CMN_ERR_NOT_FOUND;
	/* what the customer area gives: a BOM, the header block, LF line ends,
	 * "Pas en minutes" left empty, the end of the period exclusive */
	fputs("\xef\xbb\xbfIdentifiant PRM;Type de donnees;Date de debut;Date de fin;Grandeur "
	      "physique;Grandeur metier;Etape metier;Unite;Pas en minutes\n",
	      out);
	fprintf(out, "%s;Courbe de charge;", h->prm);
	date_dmy(out, t->start_day);
	fputc(';', out);
	date_dmy(out, t->start_day + t->days);
	fputs(";Energie active;Consommation;Comptage Brut;W;\nHorodate;Valeur\n", out);
	for (int day = 0; day < t->days; day++) {
		int32_t w[SYNTH_SLOTS_MAX];
		char lines[SYNTH_SLOTS_MAX * 40], *p = lines;
		int n = synth_electricity_day(t, h, day, w);
		int64_t t0 = tz_from_local(z, t->start_day + day, 0);
		int32_t off = tz_offset(z, t0);

		/* stamped at the end of each half-hour */
		for (int i = 0; i < n; i++) {
			int64_t end = t0 + (i + 1) * HALF_HOUR_MS;

			p = enedis_line(p, n == WALL_SLOTS ? off : tz_offset(z, end), end, w[i]);
		}
		fwrite(lines, 1, (size_t)(p - lines), out);
	}
	return ferror(out) ? CMN_ERR_IO : CMN_OK;
}

/* gas_coefficient - kWh a m3 (x 1000) of the month: the gas's heating
 * value moves a little through the year */
static int64_t gas_coefficient(int64_t abs_day)
{
	static const int64_t by_month[12] = {11210, 11230, 11190, 11160, 11120, 11090,
					     11080, 11100, 11130, 11170, 11200, 11220};
	int64_t y;
	int m, d;

	time_civil_from_days(abs_day, &y, &m, &d);
	return by_month[m - 1];
}

enum cmn_rc synth_write_grdf_json(const struct synth_territory *t, const struct synth_household *h,
				  FILE *out)
{
	struct habits hb;
	int64_t index_l;

	if (h->heating != HEAT_GAS && !h->gas_cooking)
		return CMN_ERR_NOT_FOUND;
	habits(t, h, &hb);
	index_l = hb.gas_index0_l;
	/* as PyGazpar saves it: indent 4, keys sorted; energy in kWh and
	 * volumes in m3 with three decimals (GRDF rounds to whole units; the
	 * importer reads three decimals exactly, so the Wh come back) */
	fprintf(out,
		"{\n    \"%s\": {\n        \"frequence\": null,\n        \"idPce\": \"%s\",\n"
		"        \"releves\": [",
		h->pce, h->pce);
	for (int day = 0; day < t->days; day++) {
		int64_t abs_day = t->start_day + day, wh = synth_gas_day_wh(t, h, day);
		int64_t coef = gas_coefficient(abs_day), litres = (wh * 1000 + coef / 2) / coef;

		fputs(day ? ",\n" : "\n", out);
		fprintf(out, "            {\n                \"coeffConversion\": %lld.%02lld,\n",
			(long long)(coef / 1000), (long long)(coef % 1000 / 10));
		fputs("                \"dateDebutReleve\": \"", out);
		date_iso(out, abs_day);
		fputs("T06:00:00+00:00\",\n                \"dateFinReleve\": \"", out);
		date_iso(out, abs_day + 1);
		fputs("T06:00:00+00:00\",\n                \"energieConsomme\": ", out);
		milli(out, wh, '.');
		fputs(",\n                \"frequenceReleve\": null,\n                "
		      "\"indexDebut\": ",
		      out);
		milli(out, index_l, '.');
		fputs(",\n                \"indexFin\": ", out);
		milli(out, index_l + litres, '.');
		fputs(",\n                \"journeeGaziere\": \"", out);
		date_iso(out, abs_day);
		fputs("\",\n                \"natureReleve\": \"Informative Journalier\",\n"
		      "                \"pcs\": null,\n                \"pta\": null,\n"
		      "                \"qualificationReleve\": \"Mesur\\u00e9\",\n"
		      "                \"status\": null,\n                \"temperature\": null,\n"
		      "                \"volumeBrutConsomme\": ",
		      out);
		milli(out, litres, '.');
		fputs(",\n                \"volumeConverti\": null\n            }", out);
		index_l += litres;
	}
	fputs("\n        ]\n    }\n}\n", out);
	return ferror(out) ? CMN_ERR_IO : CMN_OK;
}

enum cmn_rc synth_write_water_csv(const struct synth_territory *t, const struct synth_household *h,
				  FILE *out)
{
	struct habits hb;
	int64_t index_l;

	habits(t, h, &hb);
	index_l = hb.water_index0_l;
	/* a cumulative index in m3 read at the end of each day, the reading of
	 * the eve of the period first (it only sets the start) */
	fprintf(out, "# export of the water utility of %s\n# meter: %s\ndate;index_m3\n", t->name,
		h->water_meter);
	date_iso(out, t->start_day - 1);
	fputc(';', out);
	milli(out, index_l, ',');
	fputc('\n', out);
	for (int day = 0; day < t->days; day++) {
		index_l += synth_water_day_l(t, h, day);
		date_iso(out, t->start_day + day);
		fputc(';', out);
		milli(out, index_l, ',');
		fputc('\n', out);
	}
	return ferror(out) ? CMN_ERR_IO : CMN_OK;
}
