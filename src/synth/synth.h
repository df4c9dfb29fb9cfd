/*
 * synth.h - a fictional territory and its households, for the demo, the
 * tests, the benchmarks and the developer space ("rich public data but
 * fictional personal data").
 *
 * Everything is a pure function of (seed, household index, period): a
 * household is generated from its own random stream, so households can be
 * produced in any order, one at a time (memory does not grow with their
 * number), and the same seed gives the same bytes on any machine. To keep
 * that promise the generators use only integer arithmetic and the IEEE
 * basic operations (+ - * / sqrt are correctly rounded everywhere); no libm
 * function whose last bit may differ between C libraries (sin, exp, log...)
 * touches a generated value.
 *
 * The personal data is written in the real holder formats that the
 * importers read (Enedis CSV, GRDF JSON, water CSV, GPX, OFX, iCalendar,
 * and the generic mapping CSV for allowances, tax, food and the household's
 * profile), so that importing them exercises the real path. docs/synth.md.
 */
#ifndef COMMUNE_SYNTH_SYNTH_H
#define COMMUNE_SYNTH_SYNTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/result.h"

/* ---- the random streams ------------------------------------------------------ */

/* xoshiro256** seeded by splitmix64 from (seed, stream, sub): one stream per
 * household and per kind of data, so that adding a kind of data does not
 * change the others. */
struct synth_rng {
	uint64_t s[4];
};

void synth_rng_seed(struct synth_rng *r, uint64_t seed, uint64_t stream, uint64_t sub);
uint64_t synth_rng_next(struct synth_rng *r);
/* synth_rng_below - uniform in [0, n) (n > 0), without modulo bias */
uint64_t synth_rng_below(struct synth_rng *r, uint64_t n);
/* synth_rng_range - uniform in [lo, hi] */
int64_t synth_rng_range(struct synth_rng *r, int64_t lo, int64_t hi);
/* synth_rng_unit - uniform in [0, 1), 53 bits */
double synth_rng_unit(struct synth_rng *r);
/* synth_rng_normal - about N(0, 1): the sum of 12 uniforms minus 6 (only
 * additions, so the same on every machine; tails cut at +-6) */
double synth_rng_normal(struct synth_rng *r);
/* synth_rng_pick - an index drawn with the given integer weights */
size_t synth_rng_pick(struct synth_rng *r, const unsigned *weights, size_t n);

/* synth_cos - cos(x) for any x, to about 1e-9, from the basic operations */
double synth_cos(double x);

/* ---- the territory ------------------------------------------------------------ */

#define SYNTH_GRID        5   /* districts: a SYNTH_GRID x SYNTH_GRID grid */
#define SYNTH_DISTRICTS   (SYNTH_GRID * SYNTH_GRID)
#define SYNTH_CELL_UDEG   11000 /* a district is about 1.2 km on a side */
#define SYNTH_EMPLOYERS   40
#define SYNTH_SCHOOLS     12
#define SYNTH_SHOPS       16
#define SYNTH_MAX_DAYS    3660

struct synth_point {
	int64_t lat, lon; /* micro-degrees */
};

struct synth_district {
	char code[8];          /* "D11" */
	char name[48];
	struct synth_point sw; /* south-west corner */
	struct synth_point ne;
	unsigned weight;       /* share of the households, relative */
	int income_pct;        /* income level, % of the territory's median */
	int owner_pct;         /* owner-occupiers, % */
	int house_pct;         /* houses (against flats), % */
};

enum synth_place_kind { PLACE_EMPLOYER, PLACE_SCHOOL, PLACE_SHOP };

struct synth_place {
	char name[64];
	struct synth_point at;
	int district;
	unsigned weight;
};

struct synth_territory {
	uint64_t seed;
	char name[48];               /* the fictional city */
	char insee[6];               /* its fictional commune code */
	struct synth_point centre;
	struct synth_district districts[SYNTH_DISTRICTS];
	struct synth_place employers[SYNTH_EMPLOYERS];
	struct synth_place schools[SYNTH_SCHOOLS];
	struct synth_place shops[SYNTH_SHOPS];
	int64_t start_day;           /* first day, days since 1970-01-01 */
	int days;                    /* length of the period */
	int16_t temp_dc[SYNTH_MAX_DAYS]; /* daily mean temperature, tenths of a degree C */
};

/* synth_territory_init - the territory of a seed, over days from start_day
 * (days since 1970-01-01; at most SYNTH_MAX_DAYS days). */
enum cmn_rc synth_territory_init(struct synth_territory *t, uint64_t seed, int64_t start_day,
				 int days);

/* synth_write_districts - the districts as a GeoJSON FeatureCollection */
enum cmn_rc synth_write_districts(const struct synth_territory *t, FILE *out);

/* synth_write_gtfs - a small GTFS feed (agency, stops, routes, trips,
 * stop_times, calendar) into the directory dir, which exists */
enum cmn_rc synth_write_gtfs(const struct synth_territory *t, const char *dir);

/* ---- households ---------------------------------------------------------------- */

#define SYNTH_MAX_MEMBERS 7

enum synth_activity {
	ACT_EMPLOYED,
	ACT_UNEMPLOYED,
	ACT_RETIRED,
	ACT_STUDENT,    /* higher education */
	ACT_PUPIL,      /* school */
	ACT_CHILD,      /* below school age */
};

enum synth_heating { HEAT_ELECTRIC, HEAT_GAS, HEAT_HEAT_PUMP, HEAT_DISTRICT, HEAT_WOOD };

enum synth_mode { MODE_WALK, MODE_BIKE, MODE_BUS, MODE_TRAM, MODE_CAR, MODES };

struct synth_member {
	char first_name[24];
	int age;
	enum synth_activity activity;
	int64_t income_year;         /* earned income, euros a year (0 if none) */
	int place;                   /* employer or school index, -1 none */
	enum synth_mode commute;     /* mode to work or study */
	int work_days;               /* a week: 0 to 5 */
};

struct synth_household {
	uint64_t index;
	char handle[16];             /* "h000042" */
	int district;
	struct synth_point home;
	int nmembers, adults, children;
	struct synth_member m[SYNTH_MAX_MEMBERS];
	/* money */
	int64_t taxable_income;      /* euros a year, after the 10 % allowance */
	int tax_shares_x2;           /* tax shares, doubled (2.5 shares = 5) */
	int64_t family_quotient;     /* euros a month: taxable income / 12 / shares */
	bool owner;
	int64_t housing_cents;       /* rent or mortgage, a month */
	/* housing */
	int surface_m2;
	char energy_class;           /* 'A' to 'G' */
	enum synth_heating heating;
	bool gas_cooking;
	bool cooling;
	bool house;
	int kva;                     /* subscribed power */
	/* identifiers at the holders */
	char prm[15];                /* Enedis delivery point, 14 digits */
	char pce[15];                /* GRDF, 14 digits */
	char water_meter[16];
	char account[24];            /* bank account number */
};

/* synth_household - household `index` of the territory */
void synth_household(const struct synth_territory *t, uint64_t index, struct synth_household *h);

/* synth_day_kind - 0 working day, 1 Saturday, 2 Sunday or public holiday,
 * plus 4 during school holidays */
int synth_day_kind(int64_t day);

/* Holidays away from home: one list per household and year, shared by
 * every kind of data (the meters, the trips, the calendar and the bank
 * statement agree on when the home is empty). */
struct synth_holiday {
	int64_t first; /* the day of departure (days since 1970-01-01) */
	int days;      /* the return is on first + days */
};

enum synth_away { AWAY_NOT, AWAY_LEAVING, AWAY_GONE, AWAY_RETURNING };

/* synth_holidays - the household's holidays starting in year y: 0 to 2 */
int synth_holidays(const struct synth_territory *t, const struct synth_household *h, int64_t y,
		   struct synth_holiday out[2]);
/* synth_away_on - where the household is on day (days since 1970-01-01):
 * leaving that day, gone the whole day, coming back that day, or not away */
enum synth_away synth_away_on(const struct synth_territory *t, const struct synth_household *h,
			      int64_t day);

/* synth_distance_m - metres between two points of the territory */
int64_t synth_distance_m(struct synth_point a, struct synth_point b);

/* ---- the personal data ----------------------------------------------------------
 *
 * Each kind of data is drawn from its own stream, seeded by (seed, kind,
 * household, day) where it is daily, so that any day can be computed alone
 * (the bank statement recomputes the month's consumption to bill it). `day`
 * is an index in the territory's period: 0 is t->start_day. */

#define SYNTH_SLOTS_MAX 50 /* half-hours in a local day: 46, 48 or 50 (DST) */

/* energy.c: the mean power (W) of each half-hour of the local day
 * (Europe/Paris) from its midnight, and their count */
int synth_electricity_day(const struct synth_territory *t, const struct synth_household *h,
			  int day, int32_t w[SYNTH_SLOTS_MAX]);
/* energy.c: gas used on a gas day (Wh), 0 for a household without gas */
int64_t synth_gas_day_wh(const struct synth_territory *t, const struct synth_household *h, int day);
/* energy.c: water used on a day (litres) */
int64_t synth_water_day_l(const struct synth_territory *t, const struct synth_household *h,
			  int day);

enum synth_purpose { PURPOSE_WORK, PURPOSE_STUDY, PURPOSE_SHOPPING, PURPOSE_LEISURE,
		     PURPOSE_CARE, PURPOSE_ESCORT, PURPOSE_OTHER };

#define SYNTH_TRIPS_DAY 16 /* trips of one household on one day, at most */

struct synth_trip {
	int member;
	int64_t start_ms, end_ms;
	enum synth_mode mode;
	enum synth_purpose purpose;
	int64_t distance_m;          /* along the path */
	struct synth_point from, to;
};

/* mobility.c: the trips of a household on a day (in time order); their count */
size_t synth_trips_day(const struct synth_territory *t, const struct synth_household *h, int day,
		       struct synth_trip out[SYNTH_TRIPS_DAY]);

/* ---- the files, in the holders' formats ---------------------------------------------
 *
 * Each writes one file of household h over the whole period, in the format
 * its importer reads; CMN_ERR_NOT_FOUND when the household has no such file
 * (no gas, a member who never travels...). */

enum cmn_rc synth_write_enedis_csv(const struct synth_territory *t, const struct synth_household *h,
				   FILE *out);  /* enedis-csv: the 30-min load curve */
enum cmn_rc synth_write_grdf_json(const struct synth_territory *t, const struct synth_household *h,
				  FILE *out);   /* grdf-json: daily gas */
enum cmn_rc synth_write_water_csv(const struct synth_territory *t, const struct synth_household *h,
				  FILE *out);   /* water-csv: daily water */
enum cmn_rc synth_write_gpx(const struct synth_territory *t, const struct synth_household *h,
			    int member, FILE *out); /* gpx: one member's trips, a track each */
enum cmn_rc synth_write_ofx(const struct synth_territory *t, const struct synth_household *h,
			    FILE *out);         /* ofx: the household's current account */
enum cmn_rc synth_write_ical(const struct synth_territory *t, const struct synth_household *h,
			     FILE *out);        /* ical: the household's calendar */
enum cmn_rc synth_write_allowances(const struct synth_territory *t,
				   const struct synth_household *h,
				   FILE *out);  /* mapping CSV: social.allowance */
enum cmn_rc synth_write_tax(const struct synth_territory *t, const struct synth_household *h,
			    FILE *out);         /* mapping CSV: tax.household */
enum cmn_rc synth_write_food(const struct synth_territory *t, const struct synth_household *h,
			     FILE *out);        /* mapping CSV: food.purchase */
enum cmn_rc synth_write_household_profile(const struct synth_territory *t,
					  const struct synth_household *h,
					  FILE *out); /* mapping CSV: household.profile */

#endif
