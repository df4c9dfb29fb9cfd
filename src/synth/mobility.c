/*
 * mobility.c - the trips of the households of synth.h, and one member's
 * trips as a GPX file (what a phone's tracker would have recorded).
 *
 * A day of a household is drawn from its own stream (seed, 300, household,
 * day) and the household's habits from (seed, 301, household), so any day
 * can be computed alone. Each member aged 11 or more travels on their own
 * (younger children go with the adult who escorts them, whose trips say
 * "escort"): commutes to the employer, school or university, escorts to
 * school and childcare, shopping, leisure, care and errands, weekend days
 * out of town by car, and holidays away from home. Each trip follows a
 * path drawn in the streets (an L or Z of straight legs), along the tram
 * lines for the tram, or out to the edge of town and then straight on
 * beyond it; its length is the trip's distance and its duration comes from
 * the speed of its mode, with waits for the bus and the tram. The shape of
 * the path and the waits are drawn from the trip itself (its start, ends
 * and mode), so the GPX writer redraws the same path from a struct
 * synth_trip. docs/synth/mobility.md.
 *
 * Determinism: integers, + - * / and sqrt, and synth_cos; local times go
 * through the tz database's Europe/Paris (a dependency of the project).
 */
#include "synth/synth.h"

#include <math.h>
#include <string.h>

#include "core/str.h"
#include "core/timeutil.h"
#include "core/tz.h"
#include "series/series.h"

#define STREAM_DAY    300 /* (seed, 300, household * 4096 + day): the day's trips */
#define STREAM_HABITS 301 /* (seed, 301, household): habits of the household */
#define STREAM_PATH   303 /* (seed, 303, hash of a trip): its path's shape and waits */
#define STREAM_GPS    304 /* (seed, 304, (household * 8 + member) * 4096 + day): GPS noise */

#define MIN_MS         60000LL
#define HOUR_MS        3600000LL
#define TRAVEL_AGE     11 /* members from this age travel on their own */
#define PATH_MAX_LEGS  10
#define TOUR_MAX       8 /* stops of one tour */
#define SPANS_MAX      SYNTH_TRIPS_DAY
#define GPS_STEP_MS    60000 /* a point a minute while moving */
#define GPS_SIGMA_UDEG 27.0  /* GPS noise: about 3 m (27 micro-degrees of latitude) */
#define GPS_RHO        0.95  /* correlation of the noise over GPS_STEP_MS */
#define TRIP_MIN_M     150   /* a place nearer than this is reached without a trip */
#define OUT_MIN_M      15000 /* days out of town: 15 to 60 km from the centre */
#define OUT_MAX_M      60000
#define UDEG_M         0.111195 /* metres in a micro-degree of latitude */
#define TWO_PI         6.283185307179586

/* mode speeds in km/h (metres an hour), in town; the bus and the tram
 * include their stops. Out of town the car runs at ROAD_MPH. */
static const int64_t speed_mph[MODES] = {4500, 14000, 15000, 18000, 25000};
#define ROAD_MPH 70000

static const char *const mode_names[MODES] = {"walk", "bike", "bus", "tram", "car"};
static const char *const purpose_names[] = {"work", "study",  "shopping", "leisure",
					    "care", "escort", "other"};

/* ---- time and places ---------------------------------------------------------- */

/* utc_of - the instant of a local wall time in Europe/Paris (UTC when the tz
 * database is missing) */
static int64_t utc_of(int64_t local_day, int64_t ms_of_day)
{
	const struct tz *z = series_zone("Europe/Paris");

	return tz_from_local(z ? z : tz_utc(), local_day, ms_of_day);
}

static int64_t rnd_ms(struct synth_rng *r, int64_t lo, int64_t hi)
{
	return synth_rng_range(r, lo / 1000, hi / 1000) * 1000;
}

static bool chance(struct synth_rng *r, int pct)
{
	return synth_rng_below(r, 100) < (uint64_t)pct;
}

/* metres - the length of a straight leg (equirectangular at its mid-latitude,
 * as synth_distance_m, without the rounding) */
static double metres(struct synth_point a, struct synth_point b)
{
	double mid = (double)(a.lat + b.lat) / 2e6 * 0.017453292519943295;
	double dy = (double)(a.lat - b.lat) * UDEG_M;
	double dx = (double)(a.lon - b.lon) * UDEG_M * synth_cos(mid);

	return sqrt(dx * dx + dy * dy);
}

static struct synth_point town_lo(const struct synth_territory *t)
{
	return t->districts[0].sw;
}

static struct synth_point town_hi(const struct synth_territory *t)
{
	return t->districts[SYNTH_DISTRICTS - 1].ne;
}

static bool in_town(const struct synth_territory *t, struct synth_point p)
{
	struct synth_point lo = town_lo(t), hi = town_hi(t);

	return p.lat >= lo.lat && p.lat <= hi.lat && p.lon >= lo.lon && p.lon <= hi.lon;
}

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static bool same_point(struct synth_point a, struct synth_point b)
{
	return a.lat == b.lat && a.lon == b.lon;
}

/* a point in a district, drawn uniformly with a margin */
static struct synth_point place_in_district(const struct synth_territory *t, int k,
					    struct synth_rng *r)
{
	const struct synth_district *d = &t->districts[k];
	struct synth_point p;

	p.lat = synth_rng_range(r, d->sw.lat + 500, d->ne.lat - 500);
	p.lon = synth_rng_range(r, d->sw.lon + 700, d->ne.lon - 700);
	return p;
}

static struct synth_point district_centre(const struct synth_territory *t, int k)
{
	struct synth_point p = {(t->districts[k].sw.lat + t->districts[k].ne.lat) / 2,
				(t->districts[k].sw.lon + t->districts[k].ne.lon) / 2};

	return p;
}

/* the railway station: the centre of the district named "Gare" */
static struct synth_point station(const struct synth_territory *t)
{
	for (int k = 0; k < SYNTH_DISTRICTS; k++)
		if (strcmp(t->districts[k].name, "Gare") == 0)
			return district_centre(t, k);
	return t->centre;
}

/* ---- paths ------------------------------------------------------------------------ */

/*
 * A path is a polyline of legs, each moving (at a nominal duration from its
 * speed) or a wait (a stop, for the bus or the tram). The trip's duration
 * stretches the moving legs, never the waits: the GPX writer finds the
 * stretch again from the trip's start and end.
 */
struct path {
	struct synth_point v[PATH_MAX_LEGS + 1];
	double leg_ms[PATH_MAX_LEGS]; /* nominal duration of leg i (v[i] to v[i+1]) */
	bool moving[PATH_MAX_LEGS];
	int legs;
	double moving_ms; /* sum of the moving legs' nominal durations */
	int64_t wait_ms;  /* sum of the waits */
	double metres;    /* length */
};

static void path_start(struct path *p, struct synth_point a)
{
	memset(p, 0, sizeof(*p));
	p->v[0] = a;
}

static void path_to(struct path *p, struct synth_point b, int64_t mph)
{
	double m = metres(p->v[p->legs], b);

	if (same_point(p->v[p->legs], b) || p->legs == PATH_MAX_LEGS)
		return;
	p->v[p->legs + 1] = b;
	p->leg_ms[p->legs] = m * 3600000.0 / (double)mph;
	p->moving[p->legs] = true;
	p->moving_ms += p->leg_ms[p->legs];
	p->metres += m;
	p->legs++;
}

static void path_wait(struct path *p, int64_t ms)
{
	if (p->legs == PATH_MAX_LEGS)
		return;
	p->v[p->legs + 1] = p->v[p->legs];
	p->leg_ms[p->legs] = (double)ms;
	p->moving[p->legs] = false;
	p->wait_ms += ms;
	p->legs++;
}

/* path_streets - from the path's end to b along the streets: an L (one
 * corner) or a Z (two), drawn from r */
static void path_streets(struct path *p, struct synth_point b, int64_t mph, struct synth_rng *r)
{
	struct synth_point a = p->v[p->legs], c;
	int shape = (int)synth_rng_below(r, 4);
	int64_t f = synth_rng_range(r, 20, 80);

	if (shape == 0) {
		c.lat = b.lat;
		c.lon = a.lon;
		path_to(p, c, mph);
	} else if (shape == 1) {
		c.lat = a.lat;
		c.lon = b.lon;
		path_to(p, c, mph);
	} else if (shape == 2) {
		c.lat = a.lat;
		c.lon = a.lon + (b.lon - a.lon) * f / 100;
		path_to(p, c, mph);
		c.lat = b.lat;
		path_to(p, c, mph);
	} else {
		c.lat = a.lat + (b.lat - a.lat) * f / 100;
		c.lon = a.lon;
		path_to(p, c, mph);
		c.lon = b.lon;
		path_to(p, c, mph);
	}
	path_to(p, b, mph);
}

/*
 * The tram: T1 runs north-south along the centre's longitude, T2 west-east
 * along its latitude, each from the first to the last district centre of
 * its line (territory.c). A tram trip walks to the nearest stop of a line,
 * rides (changing at the centre when it takes both lines) and walks from
 * the stop nearest its end: of the four ways (T1, T2, T1 then T2, T2 then
 * T1) the one with the least walking.
 */
struct tram_route {
	struct synth_point board, change, alight;
	bool changes;
	double walk_m, ride_m;
};

static struct tram_route tram_route(const struct synth_territory *t, struct synth_point a,
				    struct synth_point b)
{
	const int64_t half_lat = 2 * SYNTH_CELL_UDEG, half_lon = 3 * SYNTH_CELL_UDEG;
	struct synth_point c = t->centre, on1a, on1b, on2a, on2b;
	struct tram_route best, way;

	on1a.lat = clamp64(a.lat, c.lat - half_lat, c.lat + half_lat);
	on1a.lon = c.lon;
	on1b.lat = clamp64(b.lat, c.lat - half_lat, c.lat + half_lat);
	on1b.lon = c.lon;
	on2a.lat = c.lat;
	on2a.lon = clamp64(a.lon, c.lon - half_lon, c.lon + half_lon);
	on2b.lat = c.lat;
	on2b.lon = clamp64(b.lon, c.lon - half_lon, c.lon + half_lon);
	memset(&best, 0, sizeof(best));
	for (int w = 0; w < 4; w++) {
		memset(&way, 0, sizeof(way));
		way.board = w == 0 || w == 2 ? on1a : on2a;
		way.alight = w == 0 || w == 3 ? on1b : on2b;
		way.changes = w >= 2;
		way.change = c;
		way.walk_m = metres(a, way.board) + metres(way.alight, b);
		way.ride_m = way.changes ? metres(way.board, c) + metres(c, way.alight)
					 : metres(way.board, way.alight);
		if (w == 0 || way.walk_m < best.walk_m ||
		    (way.walk_m == best.walk_m && way.ride_m < best.ride_m))
			best = way;
	}
	return best;
}

/* tram_sensible - a tram trip that rides at least 600 m and walks less than
 * it rides, 1.5 km at most: else the trip takes the bus */
static bool tram_sensible(const struct synth_territory *t, struct synth_point a,
			  struct synth_point b)
{
	struct tram_route w = tram_route(t, a, b);

	return w.ride_m >= 600 && w.walk_m <= 1500 && w.walk_m < w.ride_m;
}

/* edge_towards - where the straight line from the centre to far (outside
 * the town) crosses the town's edge */
static struct synth_point edge_towards(const struct synth_territory *t, struct synth_point far)
{
	struct synth_point lo = town_lo(t), hi = town_hi(t), c = t->centre, e;
	double dy = (double)(far.lat - c.lat), dx = (double)(far.lon - c.lon), s = 1.0;

	if (dy > 0 && (double)(hi.lat - c.lat) / dy < s)
		s = (double)(hi.lat - c.lat) / dy;
	if (dy < 0 && (double)(lo.lat - c.lat) / dy < s)
		s = (double)(lo.lat - c.lat) / dy;
	if (dx > 0 && (double)(hi.lon - c.lon) / dx < s)
		s = (double)(hi.lon - c.lon) / dx;
	if (dx < 0 && (double)(lo.lon - c.lon) / dx < s)
		s = (double)(lo.lon - c.lon) / dx;
	e.lat = c.lat + (int64_t)(dy * s);
	e.lon = c.lon + (int64_t)(dx * s);
	return e;
}

/* trip_hash - what a trip's path is drawn from: its start, ends and mode */
static uint64_t trip_hash(const struct synth_trip *tr)
{
	uint64_t h = (uint64_t)tr->start_ms;

	h = h * 0x100000001b3ULL ^ (uint64_t)tr->from.lat;
	h = h * 0x100000001b3ULL ^ (uint64_t)tr->from.lon;
	h = h * 0x100000001b3ULL ^ (uint64_t)tr->to.lat;
	h = h * 0x100000001b3ULL ^ (uint64_t)tr->to.lon;
	return h * 0x100000001b3ULL ^ (uint64_t)tr->mode;
}

/* path_of - the path of a trip (start_ms, from, to and mode set) */
static void path_of(const struct synth_territory *t, const struct synth_trip *tr, struct path *p)
{
	struct synth_rng r;
	int64_t mph = speed_mph[tr->mode];

	synth_rng_seed(&r, t->seed, STREAM_PATH, trip_hash(tr));
	path_start(p, tr->from);
	if (!in_town(t, tr->from) || !in_town(t, tr->to)) {
		/* out of town: the streets to the edge, then the road */
		if (in_town(t, tr->from)) {
			path_streets(p, edge_towards(t, tr->to), mph, &r);
			path_to(p, tr->to, ROAD_MPH);
		} else {
			path_to(p, edge_towards(t, tr->from), ROAD_MPH);
			path_streets(p, tr->to, mph, &r);
		}
		return;
	}
	switch (tr->mode) {
	case MODE_TRAM: {
		struct tram_route w = tram_route(t, tr->from, tr->to);

		path_to(p, w.board, speed_mph[MODE_WALK]);
		path_wait(p, rnd_ms(&r, MIN_MS, 8 * MIN_MS));
		if (w.changes)
			path_to(p, w.change, mph);
		path_to(p, w.alight, mph);
		path_to(p, tr->to, speed_mph[MODE_WALK]);
		break;
	}
	case MODE_BUS:
		path_wait(p, rnd_ms(&r, MIN_MS, 10 * MIN_MS));
		path_streets(p, tr->to, mph, &r);
		break;
	default: path_streets(p, tr->to, mph, &r); break;
	}
}

/* ---- habits of a household --------------------------------------------------------- */

struct member_habits {
	bool travels;            /* aged TRAVEL_AGE or more */
	int64_t leave_ms;        /* usual time to leave for work or study */
	int64_t day_ms;          /* usual time spent there */
	int off_days;            /* weekdays not worked (bit 0 Monday) */
	int telework_day;        /* weekday worked from home, -1 none */
	bool lunch_home;         /* comes home for lunch (work under 2 km) */
	enum synth_mode no_tram; /* the usual mode where the tram does not go */
	int outing_pct;          /* chance of going out on a free day */
	int evening_pct;         /* chance of an evening out after work or study */
};

struct habits {
	bool car;   /* the household has a car */
	int escort; /* the adult who usually takes the children */
	int near_shop, usual_shop;
	struct synth_point childcare; /* the childminder of the youngest */
	int out_pct;                  /* chance of a day out of town on a day off */
	bool family, retired;         /* children at home; only retired adults */
	struct member_habits m[SYNTH_MAX_MEMBERS];
};

static struct synth_point place_of(const struct synth_territory *t, const struct synth_member *m)
{
	return m->activity == ACT_EMPLOYED ? t->employers[m->place].at : t->schools[m->place].at;
}

static int ring_of(int district)
{
	int dr = district / SYNTH_GRID - SYNTH_GRID / 2,
	    dc = district % SYNTH_GRID - SYNTH_GRID / 2;

	dr = dr < 0 ? -dr : dr;
	dc = dc < 0 ? -dc : dc;
	return dr > dc ? dr : dc;
}

static void shops_of(const struct synth_territory *t, const struct synth_household *h,
		     struct habits *hb, struct synth_rng *r)
{
	int near[3] = {0, 0, 0};
	double best[3] = {1e18, 1e18, 1e18};
	unsigned w[3];

	for (int i = 0; i < SYNTH_SHOPS; i++) {
		double d = metres(h->home, t->shops[i].at);

		for (int k = 0; k < 3; k++)
			if (d < best[k]) {
				for (int j = 2; j > k; j--) {
					best[j] = best[j - 1];
					near[j] = near[j - 1];
				}
				best[k] = d;
				near[k] = i;
				break;
			}
	}
	for (int k = 0; k < 3; k++)
		w[k] = (unsigned)(3 - k) * t->shops[near[k]].weight;
	hb->near_shop = near[0];
	hb->usual_shop = near[synth_rng_pick(r, w, 3)];
}

static void member_habits(const struct synth_territory *t, const struct synth_household *h,
			  const struct synth_member *m, struct member_habits *mh,
			  struct synth_rng *r)
{
	memset(mh, 0, sizeof(*mh));
	mh->travels = m->age >= TRAVEL_AGE;
	mh->telework_day = -1;
	mh->leave_ms = (int64_t)((7.9 + 0.55 * synth_rng_normal(r)) * (double)HOUR_MS);
	mh->leave_ms = clamp64(mh->leave_ms, 6 * HOUR_MS, 9 * HOUR_MS + 45 * MIN_MS) / 1000 * 1000;
	mh->day_ms = rnd_ms(r, 8 * HOUR_MS + 15 * MIN_MS, 9 * HOUR_MS + 30 * MIN_MS);
	mh->outing_pct = 80;
	mh->evening_pct = 20;
	/* a tram user the tram does not serve takes the bus or drives */
	mh->no_tram = chance(r, 50) ? MODE_CAR : MODE_BUS;
	switch (m->activity) {
	case ACT_EMPLOYED: {
		static const int one_off[] = {2, 2, 4, 0}; /* Wednesday, Friday, Monday */
		int off = one_off[synth_rng_below(r, 4)];

		if (m->work_days <= 4)
			mh->off_days |= 1 << off;
		if (m->work_days <= 3)
			mh->off_days |= 1 << (off == 4 ? 0 : 4);
		if (m->work_days == 0)
			mh->off_days = 31;
		if (chance(r, 25)) {
			int d = (int)synth_rng_below(r, 5);

			if (!(mh->off_days & (1 << d)))
				mh->telework_day = d;
		}
		mh->lunch_home = metres(h->home, place_of(t, m)) < 2000 && chance(r, 25);
		break;
	}
	case ACT_STUDENT:
		mh->leave_ms = rnd_ms(r, 7 * HOUR_MS + 30 * MIN_MS, 9 * HOUR_MS + 45 * MIN_MS);
		mh->day_ms = rnd_ms(r, 4 * HOUR_MS, 8 * HOUR_MS);
		mh->evening_pct = 25;
		break;
	case ACT_PUPIL:
		mh->leave_ms = rnd_ms(r, 7 * HOUR_MS + 15 * MIN_MS, 7 * HOUR_MS + 50 * MIN_MS);
		mh->outing_pct = 60;
		mh->evening_pct = 8;
		break;
	case ACT_RETIRED:
		mh->outing_pct = m->age >= 80 ? 50 : 70;
		mh->evening_pct = 0;
		break;
	case ACT_UNEMPLOYED: mh->outing_pct = 75; break;
	case ACT_CHILD: break;
	}
}

static void habits_of(const struct synth_territory *t, const struct synth_household *h,
		      struct habits *hb)
{
	static const int car_pct[3] = {55, 72, 88}; /* by ring, from the centre */
	struct synth_rng r;
	int escorts[SYNTH_MAX_MEMBERS], nesc = 0;

	memset(hb, 0, sizeof(*hb));
	synth_rng_seed(&r, t->seed, STREAM_HABITS, h->index);
	hb->car = chance(&r, car_pct[ring_of(h->district) > 2 ? 2 : ring_of(h->district)]);
	hb->retired = true;
	for (int i = 0; i < h->nmembers; i++) {
		member_habits(t, h, &h->m[i], &hb->m[i], &r);
		hb->car = hb->car || h->m[i].commute == MODE_CAR;
		hb->family =
		    hb->family || h->m[i].activity == ACT_PUPIL || h->m[i].activity == ACT_CHILD;
		if (i < h->adults && h->m[i].activity != ACT_RETIRED)
			hb->retired = false;
		/* the children are taken by an adult who does not work, else by
		 * one of the parents */
		if (i < h->adults && h->m[i].activity != ACT_EMPLOYED)
			escorts[nesc++] = i;
	}
	hb->escort = nesc ? escorts[synth_rng_below(&r, (uint64_t)nesc)]
			  : (int)synth_rng_below(&r, (uint64_t)(h->adults > 0 ? h->adults : 1));
	shops_of(t, h, hb, &r);
	hb->childcare.lat = clamp64(h->home.lat + synth_rng_range(&r, -3000, 3000),
				    town_lo(t).lat + 100, town_hi(t).lat - 100);
	hb->childcare.lon = clamp64(h->home.lon + synth_rng_range(&r, -4000, 4000),
				    town_lo(t).lon + 100, town_hi(t).lon - 100);
	hb->out_pct = hb->car ? (int)synth_rng_range(&r, 3, 16) : 0;
}

/* ---- holidays away ------------------------------------------------------------------- */

enum away_state { AT_HOME, LEAVING, AWAY, COMING_BACK };

/* away_state - the household's holidays, shared with the other kinds of
 * data (synth_away_on) */
static enum away_state away_state(const struct synth_territory *t, const struct synth_household *h,
				  const struct habits *hb, int64_t day)
{
	(void)hb;
	switch (synth_away_on(t, h, day)) {
	case AWAY_LEAVING: return LEAVING;
	case AWAY_GONE: return AWAY;
	case AWAY_RETURNING: return COMING_BACK;
	case AWAY_NOT: break;
	}
	return AT_HOME;
}

/* ---- a day ------------------------------------------------------------------------- */

struct span {
	int64_t from, to; /* local ms of the day: a member away from home */
};

struct day {
	const struct synth_territory *t;
	const struct synth_household *h;
	const struct habits *hb;
	struct synth_rng r;
	int64_t local_day; /* days since 1970-01-01, local */
	int kind;          /* synth_day_kind */
	int weekday;       /* 0 Monday */
	struct synth_trip *out;
	size_t n;
	struct span spans[SYNTH_MAX_MEMBERS][SPANS_MAX];
	int nspans[SYNTH_MAX_MEMBERS];
	bool busy[SYNTH_MAX_MEMBERS]; /* works or studies today */
};

/* A stop of a tour: the trip arriving there (mode, purpose), then the stay. */
struct stop {
	struct synth_point at;
	enum synth_mode mode;
	enum synth_purpose purpose;
	int64_t stay_ms;  /* at least */
	int64_t until_ms; /* local time of day before which it does not leave */
};

/* pace - how much slower or faster than the nominal speed a trip is:
 * congestion for cars at rush hours, the walker's and cyclist's pace */
static double pace(struct synth_rng *r, enum synth_mode mode, int64_t local_ms)
{
	bool rush = (local_ms >= 7 * HOUR_MS + 15 * MIN_MS && local_ms <= 9 * HOUR_MS) ||
		    (local_ms >= 16 * HOUR_MS + 45 * MIN_MS && local_ms <= 19 * HOUR_MS);

	switch (mode) {
	case MODE_CAR: return rush ? 1.1 + 0.4 * synth_rng_unit(r) : 0.85 + 0.3 * synth_rng_unit(r);
	case MODE_BUS: return rush ? 1.0 + 0.3 * synth_rng_unit(r) : 0.9 + 0.2 * synth_rng_unit(r);
	case MODE_TRAM: return 0.95 + 0.15 * synth_rng_unit(r);
	default: return 0.85 + 0.3 * synth_rng_unit(r);
	}
}

static bool span_free(const struct day *d, int member, int64_t from, int64_t to)
{
	for (int i = 0; i < d->nspans[member]; i++)
		if (from < d->spans[member][i].to + 5 * MIN_MS &&
		    to + 5 * MIN_MS > d->spans[member][i].from)
			return false;
	return true;
}

/*
 * tour - the trips of the members in mask (together, at the same times)
 * from start through the stops, leaving at local time dep (ms of the day).
 * Kept only when all fit: the household's trips under SYNTH_TRIPS_DAY, no
 * overlap with the members' other outings, back before limit. The local
 * time of arrival at the last stop, or -1.
 */
static int64_t tour(struct day *d, unsigned mask, struct synth_point start, int64_t dep,
		    const struct stop *s, int n, int64_t limit)
{
	struct synth_trip trips[TOUR_MAX];
	struct synth_point at = start;
	int64_t t = dep, first = -1;
	int ntrips = 0, nmembers = 0;

	for (int i = 0; i < n && i < TOUR_MAX; i++) {
		struct synth_trip *tr = &trips[ntrips];
		struct path p;
		double total;

		if (metres(at, s[i].at) >= TRIP_MIN_M) {
			memset(tr, 0, sizeof(*tr));
			tr->from = at;
			tr->to = s[i].at;
			tr->mode = s[i].mode;
			tr->purpose = s[i].purpose;
			tr->start_ms = utc_of(d->local_day, t);
			path_of(d->t, tr, &p);
			total = p.moving_ms * pace(&d->r, tr->mode, t) + (double)p.wait_ms;
			tr->end_ms = tr->start_ms + ((int64_t)(total / 1000.0 + 0.5) + 1) * 1000;
			tr->distance_m = (int64_t)(p.metres + 0.5);
			if (first < 0)
				first = t;
			t += tr->end_ms - tr->start_ms;
			ntrips++;
		}
		at = s[i].at;
		if (i + 1 < n) {
			t += s[i].stay_ms;
			if (t < s[i].until_ms)
				t = s[i].until_ms;
		}
	}
	if (ntrips == 0 || t > limit)
		return -1;
	for (int m = 0; m < d->h->nmembers; m++)
		if (mask & (1u << m)) {
			if (!span_free(d, m, first, t) || d->nspans[m] == SPANS_MAX)
				return -1;
			nmembers++;
		}
	if (d->n + (size_t)(ntrips * nmembers) > SYNTH_TRIPS_DAY)
		return -1;
	for (int m = 0; m < d->h->nmembers; m++)
		if (mask & (1u << m)) {
			for (int i = 0; i < ntrips; i++) {
				d->out[d->n] = trips[i];
				d->out[d->n++].member = m;
			}
			d->spans[m][d->nspans[m]].from = first;
			d->spans[m][d->nspans[m]++].to = t;
		}
	return t;
}

/* mode_for - the mode of a trip that is not a commute, from its distance:
 * weights walk, bike, bus, tram, car (docs/synth/mobility.md) */
static enum synth_mode mode_for(struct day *d, int member, struct synth_point a,
				struct synth_point b)
{
	static const unsigned by_distance[4][MODES] = {
	    {80, 6, 0, 0, 14}, {36, 12, 8, 10, 34}, {8, 12, 14, 16, 50}, {2, 8, 14, 16, 60}};
	double m = metres(a, b);
	const struct synth_member *who = &d->h->m[member];
	unsigned w[MODES];
	enum synth_mode mode;

	memcpy(w, by_distance[m < 800 ? 0 : m < 2000 ? 1 : m < 4000 ? 2 : 3], sizeof(w));
	if (!d->hb->car)
		w[MODE_CAR] = 0;
	else if (who->age < 18)
		w[MODE_CAR] /= 2; /* driven by a parent */
	if (who->age >= 75)
		w[MODE_BIKE] = 0;
	mode = (enum synth_mode)synth_rng_pick(&d->r, w, MODES);
	if (mode == MODE_TRAM && !tram_sensible(d->t, a, b))
		mode = MODE_BUS;
	return mode;
}

/* commute_mode - the member's usual mode to work or study, but the bus
 * where the tram does not go, and on cold days (below 3 C) a third of the
 * cyclists take the bus or the tram */
static enum synth_mode mode_to_work(struct day *d, int member, struct synth_point to)
{
	const struct synth_member *m = &d->h->m[member];
	enum synth_mode mode = m->commute;
	int dc = d->t->temp_dc[d->local_day - d->t->start_day];

	if (mode == MODE_BIKE && dc < 30 && chance(&d->r, 33))
		mode = chance(&d->r, 50) ? MODE_TRAM : MODE_BUS;
	if (mode == MODE_TRAM && !tram_sensible(d->t, d->h->home, to))
		mode = d->hb->car ? d->hb->m[member].no_tram : MODE_BUS;
	return mode;
}

static bool school_day(const struct day *d, const struct synth_member *m)
{
	if ((d->kind & 3) != 0 || (d->kind & 4))
		return false;
	return !(m->age < TRAVEL_AGE && d->weekday == 2); /* no primary school on Wednesdays */
}

/* works_today - whether a member goes to work or study today (before the
 * household's plans) */
static bool works_today(struct day *d, int i)
{
	const struct synth_member *m = &d->h->m[i];
	const struct member_habits *mh = &d->hb->m[i];

	switch (m->activity) {
	case ACT_EMPLOYED:
		if ((d->kind & 3) != 0 || (mh->off_days & (1 << d->weekday)) ||
		    mh->telework_day == d->weekday)
			return false;
		/* sick days and days off; more of them in school holidays */
		return !chance(&d->r, (d->kind & 4) ? 22 : 4);
	case ACT_STUDENT: return school_day(d, m) && chance(&d->r, 85);
	case ACT_PUPIL: return school_day(d, m) && !chance(&d->r, 3);
	default: return false;
	}
}

static void add_stop(struct stop *s, int *n, struct synth_point at, enum synth_mode mode,
		     enum synth_purpose purpose, int64_t stay_ms, int64_t until_ms)
{
	if (*n >= TOUR_MAX)
		return;
	s[*n].at = at;
	s[*n].mode = mode;
	s[*n].purpose = purpose;
	s[*n].stay_ms = stay_ms;
	s[*n].until_ms = until_ms;
	(*n)++;
}

/* The escorted: children under TRAVEL_AGE at school or at the childminder
 * today, and where. */
struct escort {
	struct synth_point stop[2];
	int nstops;
	bool car; /* the children go by car */
};

static void escort_of(struct day *d, struct escort *e)
{
	bool school = false, care = false, all_adults_work = true;
	struct synth_point at_school = d->h->home;

	memset(e, 0, sizeof(*e));
	for (int i = 0; i < d->h->adults; i++)
		all_adults_work = all_adults_work && d->busy[i];
	for (int i = d->h->adults; i < d->h->nmembers; i++) {
		const struct synth_member *m = &d->h->m[i];

		if (m->age >= TRAVEL_AGE)
			continue;
		if (m->activity == ACT_PUPIL && d->busy[i]) {
			school = true;
			e->car = e->car || m->commute == MODE_CAR;
			at_school = d->t->schools[m->place].at;
		} else if (all_adults_work && (d->kind & 3) == 0) {
			/* a baby, or a pupil on a Wednesday or in the school
			 * holidays: the childminder or the holiday centre */
			care = true;
		}
	}
	/* a school further than 1.5 km is driven to when there is a car */
	if (school && d->hb->car && metres(d->h->home, at_school) > 1500)
		e->car = true;
	if (care)
		e->stop[e->nstops++] = d->hb->childcare;
	if (school)
		e->stop[e->nstops++] = at_school;
}

/*
 * commute - a member's day at work or study: there and back, with the
 * children dropped on the way and picked up on the way back when the
 * member escorts them, lunch at home for some, a shop on the way back for
 * others.
 */
static void commute(struct day *d, int i, const struct escort *e, bool escorts)
{
	const struct synth_member *m = &d->h->m[i];
	const struct member_habits *mh = &d->hb->m[i];
	struct synth_point place = place_of(d->t, m);
	enum synth_mode mode = mode_to_work(d, i, place), emode;
	enum synth_purpose why = m->activity == ACT_EMPLOYED ? PURPOSE_WORK : PURPOSE_STUDY;
	struct stop s[TOUR_MAX];
	int n = 0;
	int64_t dep = mh->leave_ms + rnd_ms(&d->r, -10 * MIN_MS, 10 * MIN_MS);
	int64_t stay = mh->day_ms + rnd_ms(&d->r, -20 * MIN_MS, 20 * MIN_MS);

	emode = mode == MODE_CAR || e->car ? (d->hb->car ? MODE_CAR : MODE_WALK)
		: mode == MODE_BIKE        ? MODE_BIKE
					   : MODE_WALK;
	if (m->activity == ACT_PUPIL) {
		/* secondary school: 8:00 to 16:00-17:30, Wednesday until noon */
		add_stop(s, &n, place, mode, why, 0,
			 d->weekday == 2 ? 12 * HOUR_MS
					 : rnd_ms(&d->r, 16 * HOUR_MS, 17 * HOUR_MS + 30 * MIN_MS));
		add_stop(s, &n, d->h->home, mode, why, 0, 0);
		tour(d, 1u << i, d->h->home, dep, s, n, 23 * HOUR_MS);
		return;
	}
	if (escorts && e->nstops) {
		dep = 7 * HOUR_MS + 50 * MIN_MS + rnd_ms(&d->r, 0, 10 * MIN_MS);
		for (int k = 0; k < e->nstops; k++)
			add_stop(s, &n, e->stop[k], emode, PURPOSE_ESCORT, 3 * MIN_MS,
				 k + 1 == e->nstops ? 8 * HOUR_MS + 20 * MIN_MS : 0);
		mode = emode == MODE_CAR ? MODE_CAR : mode;
	}
	if (mh->lunch_home && !escorts) {
		int64_t noon = 12 * HOUR_MS + rnd_ms(&d->r, 0, 30 * MIN_MS);

		add_stop(s, &n, place, mode, why, HOUR_MS, noon);
		add_stop(s, &n, d->h->home, mode, why, 45 * MIN_MS, 0);
		add_stop(s, &n, place, mode, why, HOUR_MS, dep + stay);
	} else {
		add_stop(s, &n, place, mode, why, HOUR_MS, dep + stay);
	}
	if (escorts && e->nstops) {
		/* picked up from the after-school care, the youngest last */
		s[n - 1].until_ms = 16 * HOUR_MS + 30 * MIN_MS + rnd_ms(&d->r, 0, 45 * MIN_MS);
		s[n - 1].stay_ms = 5 * HOUR_MS;
		for (int k = e->nstops - 1; k >= 0; k--)
			add_stop(s, &n, e->stop[k], k == e->nstops - 1 ? mode : emode,
				 PURPOSE_ESCORT, 5 * MIN_MS, 0);
		add_stop(s, &n, d->h->home, emode, PURPOSE_ESCORT, 0, 0);
	} else if (chance(&d->r, 25)) {
		int shop = chance(&d->r, 50) ? d->hb->near_shop : d->hb->usual_shop;

		add_stop(s, &n, d->t->shops[shop].at, mode, PURPOSE_SHOPPING,
			 rnd_ms(&d->r, 10 * MIN_MS, 30 * MIN_MS), 0);
		add_stop(s, &n, d->h->home, mode, PURPOSE_SHOPPING, 0, 0);
	} else {
		add_stop(s, &n, d->h->home, mode, why, 0, 0);
	}
	tour(d, 1u << i, d->h->home, dep, s, n, 23 * HOUR_MS + 30 * MIN_MS);
}

/* escort_alone - an adult who does not work takes the children there in the
 * morning and back in the afternoon */
static void escort_alone(struct day *d, int i, const struct escort *e)
{
	struct stop s[TOUR_MAX];
	enum synth_mode mode = e->car && d->hb->car ? MODE_CAR : MODE_WALK;
	int n = 0;

	for (int k = 0; k < e->nstops; k++)
		add_stop(s, &n, e->stop[k], mode, PURPOSE_ESCORT, 3 * MIN_MS, 0);
	add_stop(s, &n, d->h->home, mode, PURPOSE_ESCORT, 0, 0);
	tour(d, 1u << i, d->h->home, 8 * HOUR_MS + rnd_ms(&d->r, 0, 10 * MIN_MS), s, n,
	     11 * HOUR_MS);
	n = 0;
	for (int k = e->nstops - 1; k >= 0; k--)
		add_stop(s, &n, e->stop[k], mode, PURPOSE_ESCORT, 5 * MIN_MS, 0);
	add_stop(s, &n, d->h->home, mode, PURPOSE_ESCORT, 0, 0);
	tour(d, 1u << i, d->h->home, 16 * HOUR_MS + rnd_ms(&d->r, 0, 20 * MIN_MS), s, n,
	     19 * HOUR_MS);
}

/* somewhere - a destination for a purpose */
static struct synth_point somewhere(struct day *d, enum synth_purpose why)
{
	const struct synth_territory *t = d->t;
	unsigned w[SYNTH_DISTRICTS];

	switch (why) {
	case PURPOSE_SHOPPING:
		return t
		    ->shops[chance(&d->r, 45)   ? d->hb->near_shop
			    : chance(&d->r, 60) ? d->hb->usual_shop
						: (int)synth_rng_below(&d->r, SYNTH_SHOPS)]
		    .at;
	case PURPOSE_CARE:
	case PURPOSE_OTHER:
		/* a doctor, the town hall, the bank: the employers of the centre */
		return t->employers[synth_rng_below(&d->r, SYNTH_EMPLOYERS)].at;
	default:
		/* friends, sport, a park: near home or anywhere in town */
		if (chance(&d->r, 35))
			return place_in_district(t, d->h->district, &d->r);
		for (int k = 0; k < SYNTH_DISTRICTS; k++)
			w[k] = t->districts[k].weight;
		return place_in_district(t, (int)synth_rng_pick(&d->r, w, SYNTH_DISTRICTS), &d->r);
	}
}

/* outing - home, one or two places, home, leaving within [lo, hi] */
static void outing(struct day *d, int i, enum synth_purpose why, int64_t lo, int64_t hi)
{
	static const int64_t stay_lo[] = {0,           0,          15 * MIN_MS, 60 * MIN_MS,
					  30 * MIN_MS, 5 * MIN_MS, 20 * MIN_MS};
	static const int64_t stay_hi[] = {0,           0,           60 * MIN_MS, 180 * MIN_MS,
					  90 * MIN_MS, 15 * MIN_MS, 60 * MIN_MS};
	struct stop s[3];
	struct synth_point a = somewhere(d, why), b = a;
	int n = 0;
	enum synth_mode mode;
	bool chain = chance(&d->r, 20);

	if (chain)
		b = somewhere(d, PURPOSE_SHOPPING);
	mode = mode_for(d, i, d->h->home, metres(d->h->home, a) > metres(d->h->home, b) ? a : b);
	add_stop(s, &n, a, mode, why, rnd_ms(&d->r, stay_lo[why], stay_hi[why]), 0);
	if (chain)
		add_stop(s, &n, b, mode, PURPOSE_SHOPPING, rnd_ms(&d->r, 10 * MIN_MS, 30 * MIN_MS),
			 0);
	add_stop(s, &n, d->h->home, mode, chain ? PURPOSE_SHOPPING : why, 0, 0);
	tour(d, 1u << i, d->h->home, rnd_ms(&d->r, lo, hi), s, n, 24 * HOUR_MS);
}

/* free_time - the outings of a member on a day or an evening off */
static void free_time(struct day *d, int i)
{
	/* purpose weights: work, study, shopping, leisure, care, escort, other */
	static const unsigned weekday_w[] = {0, 0, 45, 27, 14, 0, 14};
	static const unsigned saturday_w[] = {0, 0, 52, 40, 0, 0, 8};
	static const unsigned sunday_w[] = {0, 0, 10, 85, 0, 0, 5};
	const struct synth_member *m = &d->h->m[i];
	const struct member_habits *mh = &d->hb->m[i];
	const unsigned *w = (d->kind & 3) == 1   ? saturday_w
			    : (d->kind & 3) == 2 ? sunday_w
						 : weekday_w;
	int base = (d->kind & 3) == 1 ? 95 : (d->kind & 3) == 2 ? 70 : 100;

	if (d->busy[i]) {
		if (chance(&d->r, mh->evening_pct))
			outing(d, i, PURPOSE_LEISURE, 19 * HOUR_MS, 20 * HOUR_MS + 30 * MIN_MS);
		else if (m->activity == ACT_PUPIL && d->weekday == 2 && chance(&d->r, 35))
			outing(d, i, PURPOSE_LEISURE, 13 * HOUR_MS + 45 * MIN_MS, 15 * HOUR_MS);
		return;
	}
	if (!chance(&d->r, mh->outing_pct * base / 100))
		return;
	if (chance(&d->r, 60))
		outing(d, i, (enum synth_purpose)synth_rng_pick(&d->r, w, 7), 9 * HOUR_MS,
		       11 * HOUR_MS + 30 * MIN_MS);
	if (chance(&d->r, 65))
		outing(d, i, (enum synth_purpose)synth_rng_pick(&d->r, w, 7), 14 * HOUR_MS,
		       17 * HOUR_MS + 30 * MIN_MS);
	if (m->activity != ACT_RETIRED && chance(&d->r, (d->kind & 3) == 1 ? 25 : 8))
		outing(d, i, PURPOSE_LEISURE, 19 * HOUR_MS, 21 * HOUR_MS);
}

static unsigned travellers(const struct synth_household *h, const struct habits *hb)
{
	unsigned mask = 0;

	for (int i = 0; i < h->nmembers; i++)
		if (hb->m[i].travels)
			mask |= 1u << i;
	return mask;
}

/* day_out - the household drives to somewhere 15 to 60 km away for the day */
static bool day_out(struct day *d)
{
	struct synth_point far, c = d->t->centre;
	double km = (double)synth_rng_range(&d->r, OUT_MIN_M, OUT_MAX_M), a;
	struct stop s[2];
	int n = 0;

	a = TWO_PI * synth_rng_unit(&d->r);
	far.lat = c.lat + (int64_t)(km * synth_cos(a - TWO_PI / 4) / UDEG_M);
	far.lon =
	    c.lon + (int64_t)(km * synth_cos(a) /
			      (UDEG_M * synth_cos((double)c.lat / 1e6 * 0.017453292519943295)));
	add_stop(s, &n, far, MODE_CAR, PURPOSE_LEISURE, rnd_ms(&d->r, 3 * HOUR_MS, 7 * HOUR_MS), 0);
	add_stop(s, &n, d->h->home, MODE_CAR, PURPOSE_LEISURE, 0, 0);
	return tour(d, travellers(d->h, d->hb), d->h->home,
		    rnd_ms(&d->r, 9 * HOUR_MS, 11 * HOUR_MS), s, n, 22 * HOUR_MS) >= 0;
}

/* holiday_trip - to the station when leaving on holiday, back from it */
static void holiday_trip(struct day *d, bool leaving)
{
	struct synth_point st = station(d->t);
	double m = metres(d->h->home, st);
	enum synth_mode mode = d->hb->car && chance(&d->r, 50)       ? MODE_CAR
			       : m < 1200                            ? MODE_WALK
			       : tram_sensible(d->t, d->h->home, st) ? MODE_TRAM
								     : MODE_BUS;
	struct stop s;
	int n = 0;

	add_stop(&s, &n, leaving ? st : d->h->home, mode, PURPOSE_LEISURE, 0, 0);
	tour(d, travellers(d->h, d->hb), leaving ? d->h->home : st,
	     leaving ? rnd_ms(&d->r, 8 * HOUR_MS, 14 * HOUR_MS)
		     : rnd_ms(&d->r, 14 * HOUR_MS, 19 * HOUR_MS),
	     &s, n, 24 * HOUR_MS);
}

static void sort_trips(struct synth_trip *t, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct synth_trip x = t[i];
		size_t j = i;

		while (j > 0 && (t[j - 1].start_ms > x.start_ms ||
				 (t[j - 1].start_ms == x.start_ms && t[j - 1].member > x.member))) {
			t[j] = t[j - 1];
			j--;
		}
		t[j] = x;
	}
}

/*
 * synth_trips_day - the day's trips in the order of the plans: first what
 * involves the whole household (holidays, a day out), then work and study
 * with the children's escorts, then the outings of each member. A plan that
 * does not fit (SYNTH_TRIPS_DAY, another plan of the member) is dropped
 * whole, so every member comes back home.
 */
size_t synth_trips_day(const struct synth_territory *t, const struct synth_household *h, int day,
		       struct synth_trip out[SYNTH_TRIPS_DAY])
{
	struct day d;
	struct habits hb;
	struct escort e;
	enum away_state away;
	int escorter = -1;

	if (day < 0 || day >= t->days || h->nmembers < 1)
		return 0;
	habits_of(t, h, &hb);
	if (!travellers(h, &hb))
		return 0;
	memset(&d, 0, sizeof(d));
	d.t = t;
	d.h = h;
	d.hb = &hb;
	d.out = out;
	d.local_day = t->start_day + day;
	d.kind = synth_day_kind(d.local_day);
	d.weekday = (int)(((d.local_day % 7) + 7 + 3) % 7);
	synth_rng_seed(&d.r, t->seed, STREAM_DAY, h->index * 4096 + (uint64_t)day);
	away = away_state(t, h, &hb, d.local_day);
	if (away == AWAY)
		return 0;
	if (away != AT_HOME) {
		holiday_trip(&d, away == LEAVING);
		sort_trips(out, d.n);
		return d.n;
	}
	if (((d.kind & 3) != 0 || (hb.retired && (d.kind & 3) == 0)) &&
	    chance(&d.r, hb.retired && (d.kind & 3) == 0 ? hb.out_pct / 4 : hb.out_pct) &&
	    day_out(&d)) {
		sort_trips(out, d.n);
		return d.n;
	}
	for (int i = 0; i < h->nmembers; i++)
		d.busy[i] = works_today(&d, i);
	escort_of(&d, &e);
	if (e.nstops) {
		/* the usual escort, or another adult free today */
		escorter = hb.escort;
		for (int i = 0; i < h->adults; i++)
			if (d.busy[escorter] && !d.busy[i])
				escorter = i;
		if (!d.busy[escorter])
			escort_alone(&d, escorter, &e);
	}
	for (int i = 0; i < h->nmembers; i++)
		if (d.busy[i] && hb.m[i].travels)
			commute(&d, i, &e, i == escorter);
	for (int i = 0; i < h->nmembers; i++)
		if (hb.m[i].travels)
			free_time(&d, i);
	sort_trips(out, d.n);
	return d.n;
}

/* ---- GPX ------------------------------------------------------------------------- */

/* A track point is formatted by hand into a line buffer and written once:
 * a year of one person's tracks is tens of thousands of points, and
 * fprintf's format parsing was most of the time spent writing them. */

static char *put_text(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

/* put_udeg - micro-degrees as degrees with six decimals */
static char *put_udeg(char *p, int64_t v)
{
	uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	if (v < 0)
		*p++ = '-';
	p = str_put_u64(p, a / 1000000, 1);
	*p++ = '.';
	return str_put_u64(p, a % 1000000, 6);
}

/* put_time - ms as an RFC 3339 UTC time to the second */
static char *put_time(char *p, int64_t ms)
{
	char t[TIME_RFC3339_LEN];

	time_format(t, ms); /* "YYYY-MM-DDTHH:MM:SS.mmmZ", to the second here */
	memcpy(p, t, 19);
	p[19] = 'Z';
	return p + 20;
}

/* elevation - a gentle terrain of hills and valleys, 130 to 210 m */
static int64_t elevation(const struct synth_territory *t, struct synth_point p)
{
	double dy = (double)(p.lat - t->centre.lat), dx = (double)(p.lon - t->centre.lon);

	return 170 + (int64_t)(25.0 * synth_cos(TWO_PI * dy / 40000.0) +
			       15.0 * synth_cos(TWO_PI * dx / 60000.0));
}

/* The GPS noise of a track: correlated from one point to the next, as a
 * receiver's error drifts rather than jumps. */
struct gps {
	struct synth_rng r;
	double e_lat, e_lon;
	int64_t last_ms;  /* time of the last point */
	double lon_scale; /* micro-degrees of longitude per micro-degree of latitude */
};

static void gps_point(FILE *out, const struct synth_territory *t, struct gps *g,
		      struct synth_point p, int64_t ms)
{
	/* the correlation over dt: 1 - (1 - rho) dt / step, for dt up to a step
	 * (no pow); a wait is one point after another, at most a step's drift */
	double dt = (double)(ms - g->last_ms) / GPS_STEP_MS;
	double keep = 1.0 - (1.0 - GPS_RHO) * (dt < 1.0 ? dt : 1.0);
	double fresh = sqrt(1.0 - keep * keep);
	int64_t ele = elevation(t, p);
	char line[160], *at = line;

	g->last_ms = ms;
	g->e_lat = keep * g->e_lat + fresh * GPS_SIGMA_UDEG * synth_rng_normal(&g->r);
	g->e_lon = keep * g->e_lon + fresh * GPS_SIGMA_UDEG * synth_rng_normal(&g->r);
	at = put_text(at, "<trkpt lat=\"");
	at = put_udeg(at, p.lat + (int64_t)g->e_lat);
	at = put_text(at, "\" lon=\"");
	at = put_udeg(at, p.lon + (int64_t)(g->e_lon * g->lon_scale));
	at = put_text(at, "\"><ele>");
	if (ele < 0)
		*at++ = '-';
	at = str_put_u64(at, ele < 0 ? (uint64_t)-ele : (uint64_t)ele, 1);
	at = put_text(at, "</ele><time>");
	at = put_time(at, ms);
	at = put_text(at, "</time></trkpt>\n");
	fwrite(line, 1, (size_t)(at - line), out);
}

/*
 * write_track - one trip as a track: its path's corners, and a point every
 * GPS_STEP_MS of moving in between; a wait gives its two ends only (a
 * phone standing still records little). Times are whole seconds, strictly
 * increasing, from the trip's start to its end.
 */
static void write_track(FILE *out, const struct synth_territory *t, const struct synth_trip *tr,
			struct gps *g)
{
	struct path p;
	double scale, at = 0;
	int64_t last;

	path_of(t, tr, &p);
	scale = p.moving_ms > 0 ? (double)(tr->end_ms - tr->start_ms - p.wait_ms) / p.moving_ms : 0;
	g->e_lat = GPS_SIGMA_UDEG * synth_rng_normal(&g->r);
	g->e_lon = GPS_SIGMA_UDEG * synth_rng_normal(&g->r);
	g->last_ms = tr->start_ms;
	fprintf(out, "<trk><name>%s</name><type>%s</type><trkseg>\n", purpose_names[tr->purpose],
		mode_names[tr->mode]);
	gps_point(out, t, g, p.v[0], tr->start_ms);
	last = tr->start_ms;
	for (int i = 0; i < p.legs; i++) {
		double len = p.moving[i] ? p.leg_ms[i] * scale : p.leg_ms[i];
		int64_t end = i + 1 == p.legs
				  ? tr->end_ms
				  : tr->start_ms + (int64_t)((at + len) / 1000.0 + 0.5) * 1000;

		/* a point a step along a moving leg, none closer than a quarter
		 * of a step to its end */
		for (int64_t k = GPS_STEP_MS; p.moving[i] && (double)k + GPS_STEP_MS / 4.0 < len;
		     k += GPS_STEP_MS) {
			int64_t ms =
			    tr->start_ms + (int64_t)((at + (double)k) / 1000.0 + 0.5) * 1000;
			double f = (double)k / len;
			struct synth_point q;

			if (ms <= last || ms >= end)
				continue;
			q.lat = p.v[i].lat + (int64_t)((double)(p.v[i + 1].lat - p.v[i].lat) * f);
			q.lon = p.v[i].lon + (int64_t)((double)(p.v[i + 1].lon - p.v[i].lon) * f);
			gps_point(out, t, g, q, ms);
			last = ms;
		}
		at += len;
		if (end > last) {
			gps_point(out, t, g, p.v[i + 1], end);
			last = end;
		}
	}
	fputs("</trkseg></trk>\n", out);
}

static bool member_has_trip(const struct synth_territory *t, const struct synth_household *h,
			    int member)
{
	struct synth_trip trips[SYNTH_TRIPS_DAY];

	for (int day = 0; day < t->days; day++) {
		size_t n = synth_trips_day(t, h, day, trips);

		for (size_t i = 0; i < n; i++)
			if (trips[i].member == member)
				return true;
	}
	return false;
}

/*
 * synth_write_gpx - the member's trips over the period, a track each, as
 * GPX 1.1 written by a device named "commune-synth HANDLE MEMBER" (the
 * importer's series key becomes gpx:commune-synth-HANDLE-MEMBER/...).
 */
enum cmn_rc synth_write_gpx(const struct synth_territory *t, const struct synth_household *h,
			    int member, FILE *out)
{
	struct synth_trip trips[SYNTH_TRIPS_DAY];
	struct gps g;

	if (member < 0 || member >= h->nmembers)
		return CMN_ERR_INVALID;
	if (!member_has_trip(t, h, member))
		return CMN_ERR_NOT_FOUND;
	g.lon_scale = 1.0 / synth_cos((double)t->centre.lat / 1e6 * 0.017453292519943295);
	fprintf(out,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<gpx version=\"1.1\" "
		"creator=\"commune-synth %s %d\" xmlns=\"http://www.topografix.com/GPX/1/1\">\n",
		h->handle, member);
	for (int day = 0; day < t->days; day++) {
		size_t n = synth_trips_day(t, h, day, trips);

		synth_rng_seed(&g.r, t->seed, STREAM_GPS,
			       (h->index * 8 + (uint64_t)member) * 4096 + (uint64_t)day);
		for (size_t i = 0; i < n; i++)
			if (trips[i].member == member)
				write_track(out, t, &trips[i], &g);
	}
	fputs("</gpx>\n", out);
	return ferror(out) ? CMN_ERR_IO : CMN_OK;
}
