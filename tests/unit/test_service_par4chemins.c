/*
 * test_service_par4chemins.c - the Par 4 Chemins service (apps/par4chemins)
 * run in a person's store on two months of trips of a household of the
 * synthetic territory, every value it writes checked against the same
 * figure recomputed here from the raw trips:
 *
 *  - recurrent routes: six routes between places near the district centres
 *    of Villebrune (from synth_territory_init, not from the bundled
 *    dataset), five made four times or more in the last four weeks, each
 *    meant for one suggestion (walk, bike, transit, none, keep); the
 *    trips grouped here by their cells, either way, in the window; the
 *    line near both ends found from the GTFS feed commune synth writes
 *    (stops.txt and stop_times.txt), by brute force;
 *  - tokens per month: walked and cycled metres summed with the caps,
 *    trips by public transport counted, each month known from how the
 *    trip was made (a local day and time in Paris);
 *  - a second run with min_trips 3 adds the route made three times;
 *  - opendata/villebrune.transit.json against that GTFS feed.
 *
 * The package is made with app_pack from the app's sources as compiled
 * into the binary.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "apps/app.h"
#include "checks.h"
#include "core/embedded.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "core/tz.h"
#include "fixture.h"
#include "service_support.h"
#include "synth/synth.h"

#define MIN_MS    60000LL
#define DAY_MS    (24 * 60 * MIN_MS)
#define OUT_MAX   64
#define TRIPS_MAX 400
#define STOPS_MAX 32
#define LINES_MAX 8
#define SEQ_MAX   16

/* the rules of docs/apps/par4chemins.md, restated */
#define CELL_LAT  2700 /* micro-degrees */
#define CELL_LON  3800
#define NEAR_M    800.0
#define EARTH_M   6371008.8
#define PI        3.14159265358979323846
#define WINDOW_MS (28 * DAY_MS)
#define WALK_CAP  20000
#define BIKE_CAP  60000

/* ---- the network, from the feed commune synth writes ------------------------------ */

struct stop {
	char id[16], name[64];
	double lat, lon;
};

struct line {
	char id[8], name[64], mode[8];
	char seq[SEQ_MAX][16]; /* the stops of its first trip, in order */
	int n;
};

struct network {
	struct stop stops[STOPS_MAX];
	int nstops;
	struct line lines[LINES_MAX];
	int nlines;
};

/* split - the comma-separated fields of line (no quotes in synth's feed) */
static int split(char *line, char **fields, int max)
{
	int n = 0;

	line[strcspn(line, "\r\n")] = '\0';
	for (char *p = line; n < max;) {
		fields[n++] = p;
		if (!(p = strchr(p, ',')))
			break;
		*p++ = '\0';
	}
	return n;
}

static FILE *open_feed(const char *dir, const char *name)
{
	char path[400];
	FILE *in;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	in = fopen(path, "r");
	assert_non_null(in);
	return in;
}

static void read_feed(const char *dir, struct network *net)
{
	char buf[512], *f[8] = {0};
	FILE *in;

	memset(net, 0, sizeof(*net));
	in = open_feed(dir, "stops.txt"); /* stop_id,stop_name,stop_lat,stop_lon */
	assert_non_null(fgets(buf, sizeof(buf), in));
	while (fgets(buf, sizeof(buf), in)) {
		struct stop *s = &net->stops[net->nstops++];

		assert_int_equal(split(buf, f, 8), 4);
		str_copy(s->id, sizeof(s->id), f[0]);
		str_copy(s->name, sizeof(s->name), f[1]);
		s->lat = strtod(f[2], NULL);
		s->lon = strtod(f[3], NULL);
	}
	fclose(in);
	in = open_feed(dir, "routes.txt"); /* route_id,agency_id,short,long,type */
	assert_non_null(fgets(buf, sizeof(buf), in));
	while (fgets(buf, sizeof(buf), in)) {
		struct line *l = &net->lines[net->nlines++];

		assert_int_equal(split(buf, f, 8), 5);
		str_copy(l->id, sizeof(l->id), f[0]);
		str_copy(l->name, sizeof(l->name), f[3]);
		str_copy(l->mode, sizeof(l->mode), strcmp(f[4], "0") == 0 ? "tram" : "bus");
	}
	fclose(in);
	/* trip_id,arrival,departure,stop_id,stop_sequence: the first trip of a
	 * route is ROUTE-0-0360, its stops in sequence order as written */
	in = open_feed(dir, "stop_times.txt");
	assert_non_null(fgets(buf, sizeof(buf), in));
	while (fgets(buf, sizeof(buf), in)) {
		assert_int_equal(split(buf, f, 8), 5);
		for (int i = 0; i < net->nlines; i++) {
			char first[32];
			struct line *l = &net->lines[i];

			snprintf(first, sizeof(first), "%s-0-0360", l->id);
			if (strcmp(f[0], first) != 0)
				continue;
			assert_int_equal(strtol(f[4], NULL, 10), l->n + 1);
			str_copy(l->seq[l->n++], sizeof(l->seq[0]), f[3]);
		}
	}
	fclose(in);
}

static void network_of_synth(struct fixture *f, struct network *net)
{
	struct synth_territory *t = calloc(1, sizeof(*t));
	char dir[300];

	assert_non_null(t);
	assert_int_equal(synth_territory_init(t, 7, time_days_from_civil(2025, 1, 1), 90), CMN_OK);
	snprintf(dir, sizeof(dir), "%s/gtfs", f->dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(synth_write_gtfs(t, dir), CMN_OK);
	read_feed(dir, net);
	assert_int_equal(net->nstops, SYNTH_DISTRICTS);
	assert_int_equal(net->nlines, 4);
	free(t);
}

static const struct stop *stop_by_id(const struct network *net, const char *id);

/* ---- places and trips ------------------------------------------------------------- */

static double metres(double lat1, double lon1, double lat2, double lon2)
{
	const double r = PI / 180;
	double a = sin((lat2 - lat1) * r / 2), b = sin((lon2 - lon1) * r / 2);
	double h = a * a + cos(lat1 * r) * cos(lat2 * r) * b * b;

	return 2 * EARTH_M * asin(fmin(1, sqrt(h)));
}

struct place {
	double lat, lon;
};

struct cell {
	long long row, col;
};

static long long floor_div(long long a, long long b)
{
	return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

static struct cell cell_of(struct place p)
{
	struct cell c;

	c.row = floor_div((long long)floor(p.lat * 1e6 + 0.5), CELL_LAT);
	c.col = floor_div((long long)floor(p.lon * 1e6 + 0.5), CELL_LON);
	return c;
}

/* a place d metres north and e metres east of a stop, moved to the middle
 * of its cell so that the trips' jitter keeps it there */
static struct place near(const struct network *net, const char *stop, double n_m, double e_m)
{
	struct place p = {0};
	struct cell c;

	for (int i = 0; i < net->nstops; i++)
		if (strcmp(net->stops[i].id, stop) == 0) {
			p.lat = net->stops[i].lat + n_m / 111195.0;
			p.lon = net->stops[i].lon + e_m / (111195.0 * cos(p.lat * PI / 180));
		}
	assert_true(p.lat != 0);
	c = cell_of(p);
	p.lat = (c.row + 0.5) * CELL_LAT / 1e6;
	p.lon = (c.col + 0.5) * CELL_LON / 1e6;
	return p;
}

struct made {
	int64_t t;
	int y, m; /* its month in Paris, as made */
	const char *mode;
	long long metres; /* -1: none */
	bool placed;
	struct place from, to;
};

struct trips {
	struct made v[TRIPS_MAX];
	int n;
	unsigned jitter;
};

/* jittered - a place moved by up to about 40 m, deterministically */
static struct place jittered(struct trips *tr, struct place p)
{
	tr->jitter = tr->jitter * 1103515245u + 12345u;
	p.lat += ((double)(tr->jitter >> 16 & 0xff) - 127.5) / 127.5 * 0.00035;
	tr->jitter = tr->jitter * 1103515245u + 12345u;
	p.lon += ((double)(tr->jitter >> 16 & 0xff) - 127.5) / 127.5 * 0.0005;
	return p;
}

/* add - a trip at a local time (y-m-d hh:mm, Paris), written to the store */
static void add(struct fixture *f, const struct tz *paris, struct trips *tr, int y, int m, int d,
		int minute, const char *mode, long long dist, const struct place *from,
		const struct place *to)
{
	struct made *x = &tr->v[tr->n++];
	struct record_meta meta = {0};
	char start[TIME_RFC3339_LEN], end[TIME_RFC3339_LEN];
	json_t *data;
	char *text;

	assert_true(tr->n <= TRIPS_MAX);
	x->t = tz_from_local(paris, time_days_from_civil(y, m, d), minute * MIN_MS);
	x->y = y;
	x->m = m;
	x->mode = mode;
	x->metres = dist;
	x->placed = from && to;
	time_format(start, x->t);
	time_format(end, x->t + 20 * MIN_MS);
	data = json_pack("{s:s, s:s, s:s}", "start", start, "end", end, "mode", mode);
	if (dist >= 0)
		json_object_set_new(data, "distance_m", json_integer(dist));
	if (x->placed) {
		x->from = jittered(tr, *from);
		x->to = jittered(tr, *to);
		json_object_set_new(
		    data, "from", json_pack("{s:f, s:f}", "lat", x->from.lat, "lon", x->from.lon));
		json_object_set_new(data, "to",
				    json_pack("{s:f, s:f}", "lat", x->to.lat, "lon", x->to.lon));
	}
	text = json_dumps(data, JSON_COMPACT);
	crypt_uuid7_new(meta.id);
	snprintf(meta.doctype, sizeof(meta.doctype), "mobility.trip");
	snprintf(meta.source, sizeof(meta.source), "api");
	meta.t = x->t;
	assert_int_equal(pstore_record_insert(f->ps, &meta, text, NULL), CMN_OK);
	free(text);
	json_decref(data);
}

/* the six routes, by design (a, b and what the route should suggest) */
enum route { COMMUTE, BAKERY, SCHOOL, CLIENT, SPORT, CINEMA, NROUTES };

struct design {
	struct place a, b;
	int made;               /* trips in the window */
	const char *suggestion; /* once recurrent */
};

static void trips_made(struct fixture *f, const struct network *net, struct trips *tr,
		       struct design *r)
{
	struct tz *paris = NULL;
	struct place home = near(net, "SD44", 120, 90);

	assert_int_equal(tz_load("Europe/Paris", &paris), CMN_OK);
	r[COMMUTE] = (struct design){home, near(net, "SD22", -100, 60), 0, "bike"};
	r[BAKERY] = (struct design){home, near(net, "SD44", 1000, 250), 0, "walk"};
	r[SCHOOL] = (struct design){home, near(net, "SD43", 150, 200), 0, "keep"};
	r[CLIENT] =
	    (struct design){near(net, "SD31", 50, 200), near(net, "SD35", -80, -150), 0, "transit"};
	/* the sports ground is a little too far from the B1 stop Saint-Roch
	 * (SD22), which would take the person from home: no line */
	r[SPORT] = (struct design){home, near(net, "SD22", -600, -600), 0, "none"};
	{
		const struct stop *s = stop_by_id(net, "SD22");
		double m = metres(r[SPORT].b.lat, r[SPORT].b.lon, s->lat, s->lon);

		assert_true(m > NEAR_M + 20 &&
			    m < NEAR_M + 200); /* the cell centre, as the app sees it */
	}
	r[CINEMA] = (struct design){home, near(net, "SD33", 0, 0), 0, "keep"};
	assert_int_equal(pstore_tx_begin(f->ps), CMN_OK);
	/* the four weeks up to Friday 28 March 2025 */
	for (int d = 3; d <= 28; d++) {
		int wd = (int)((time_days_from_civil(2025, 3, d) % 7 + 7 + 3) % 7); /* 0 Monday */

		if (wd <= 4) {
			const char *mode = wd == 2 ? "bus" : "car";
			long long dist = wd == 2 ? 5200 : 4600;

			add(f, paris, tr, 2025, 3, d, 8 * 60, mode, dist, &r[COMMUTE].a,
			    &r[COMMUTE].b);
			add(f, paris, tr, 2025, 3, d, 17 * 60 + 30, mode, dist + 150, &r[COMMUTE].b,
			    &r[COMMUTE].a);
			r[COMMUTE].made += 2;
		}
		if (wd == 0 || wd == 1 || wd == 3) {
			add(f, paris, tr, 2025, 3, d, 7 * 60 + 50, "walk", 1000, &r[SCHOOL].a,
			    &r[SCHOOL].b);
			add(f, paris, tr, 2025, 3, d, 16 * 60 + 30, "walk", 1080, &r[SCHOOL].b,
			    &r[SCHOOL].a);
			r[SCHOOL].made += 2;
		}
		if (wd == 1) {
			add(f, paris, tr, 2025, 3, d, 10 * 60, "car", 8600, &r[CLIENT].a,
			    &r[CLIENT].b);
			add(f, paris, tr, 2025, 3, d, 12 * 60, "car", 8700, &r[CLIENT].b,
			    &r[CLIENT].a);
			r[CLIENT].made += 2;
		}
		if (wd == 3) {
			add(f, paris, tr, 2025, 3, d, 19 * 60, "car", 9500, &r[SPORT].a,
			    &r[SPORT].b);
			add(f, paris, tr, 2025, 3, d, 21 * 60, "car", 9400, &r[SPORT].b,
			    &r[SPORT].a);
			r[SPORT].made += 2;
		}
		if (wd == 5) {
			add(f, paris, tr, 2025, 3, d, 9 * 60, "car", 1300, &r[BAKERY].a,
			    &r[BAKERY].b);
			add(f, paris, tr, 2025, 3, d, 9 * 60 + 40, d == 8 ? "walk" : "car", 1250,
			    &r[BAKERY].b, &r[BAKERY].a);
			r[BAKERY].made += 2;
			/* a jog from home and back: a loop, no route */
			add(f, paris, tr, 2025, 3, d, 11 * 60, "walk", 5200, &home, &home);
		}
	}
	/* three trips to the cinema by tram: not a recurrent route (yet) */
	add(f, paris, tr, 2025, 3, 7, 20 * 60, "tram", 2900, &r[CINEMA].a, &r[CINEMA].b);
	add(f, paris, tr, 2025, 3, 7, 23 * 60, "tram", 2900, &r[CINEMA].b, &r[CINEMA].a);
	add(f, paris, tr, 2025, 3, 21, 20 * 60, "tram", 2950, &r[CINEMA].a, &r[CINEMA].b);
	r[CINEMA].made = 3;
	/* in the window without places; one at 00:30 on 1 March in Paris */
	add(f, paris, tr, 2025, 3, 1, 30, "walk", 800, NULL, NULL);
	add(f, paris, tr, 2025, 3, 15, 15 * 60, "bike", -1, NULL, NULL);
	/* before the window: February's commutes by bike, then January's trips
	 * at the caps, and without distances */
	for (int d = 3; d <= 21; d++) {
		add(f, paris, tr, 2025, 2, d, 8 * 60, "bike", 4700, &r[COMMUTE].a, &r[COMMUTE].b);
		add(f, paris, tr, 2025, 2, d, 17 * 60, "ebike", 4750, &r[COMMUTE].b, &r[COMMUTE].a);
	}
	add(f, paris, tr, 2025, 2, 27, 23 * 60 + 59, "metro", 3000, &r[CINEMA].a, &r[CINEMA].b);
	add(f, paris, tr, 2025, 1, 12, 9 * 60, "walk", 25000, NULL, NULL);
	add(f, paris, tr, 2025, 1, 13, 9 * 60, "bike", 70000, NULL, NULL);
	add(f, paris, tr, 2025, 1, 14, 9 * 60, "scooter", 1999, NULL, NULL);
	add(f, paris, tr, 2025, 1, 15, 9 * 60, "train", -1, NULL, NULL);
	add(f, paris, tr, 2025, 1, 16, 9 * 60, "plane", 900000, NULL, NULL);
	assert_int_equal(pstore_tx_end(f->ps, CMN_OK), CMN_OK);
	tz_free(&paris);
}

/* ---- running the app ---------------------------------------------------------------- */

struct out {
	json_t *data;
	bool seen;
};

struct outs {
	struct out v[OUT_MAX];
	size_t n;
};

static enum cmn_rc keep_out(const struct record_meta *m, const char *data,
			    const struct query_value *key, void *pv)
{
	struct outs *o = pv;

	(void)m;
	(void)key;
	assert_true(o->n < OUT_MAX);
	o->v[o->n].data = json_loads(data, 0, NULL);
	o->v[o->n].seen = false;
	assert_non_null(o->v[o->n++].data);
	return CMN_OK;
}

static void outs_load(struct fixture *f, const char *doctype, struct outs *o)
{
	struct store_query q = {0};

	o->n = 0;
	q.doctype = doctype;
	q.sort = QSORT_ID;
	q.limit = OUT_MAX;
	assert_int_equal(pstore_record_query(f->ps, &q, keep_out, o), CMN_OK);
}

static void outs_release(struct outs *o)
{
	for (size_t i = 0; i < o->n; i++)
		json_decref(o->v[i].data);
	o->n = 0;
}

static double num(const json_t *d, const char *key)
{
	const json_t *v = json_object_get(d, key);

	if (!json_is_number(v))
		fail_msg("%s missing or not a number", key);
	return json_number_value(v);
}

static long long integer(const json_t *d, const char *key)
{
	const json_t *v = json_object_get(d, key);

	if (!json_is_integer(v))
		fail_msg("%s missing or not an integer", key);
	return (long long)json_integer_value(v);
}

static void close_to(double got, double want, double tol, const char *what)
{
	if (!(fabs(got - want) <= tol))
		fail_msg("%s: %.9g written, %.9g recomputed", what, got, want);
}

/* member - d[outer][inner], or NULL */
static const json_t *member(const json_t *d, const char *outer, const char *inner)
{
	return json_object_get(json_object_get(d, outer), inner);
}

/* ---- routes, recomputed ------------------------------------------------------------- */

#define NDRIVEN 3

static const char *const driven_modes[NDRIVEN] = {"car", "carpool", "motorbike"};

/* kg CO2e per passenger-km, from ADEME's Impact CO2 parts (construction +
 * fuel) as the upstream file gives them, not from opendata/ */
static double factor(const char *mode)
{
	static const double car = 0.0256 + 0.192; /* Voiture, moteur thermique (4) */

	if (strcmp(mode, "car") == 0)
		return car;
	if (strcmp(mode, "carpool") == 0)
		return car / 2;
	if (strcmp(mode, "motorbike") == 0)
		return 0.0292 + 0.1875;
	if (strcmp(mode, "bus") == 0)
		return 0.00892 + 0.1135; /* bus thermique (9) */
	if (strcmp(mode, "tram") == 0)
		return 0.00048 + 0.0038;
	fail_msg("no factor for %s", mode);
	return 0;
}

#define GROUPS_MAX 32
#define MODES_MAX  16

struct group {
	struct cell a, b;
	int trips, measured;
	long long metres;
	const char *modes[MODES_MAX];
	int counts[MODES_MAX];
	int nmodes;
	long long driven[NDRIVEN]; /* metres with a distance, by car, carpool, motorbike */
};

static bool same_cell(struct cell x, struct cell y)
{
	return x.row == y.row && x.col == y.col;
}

/* group - the trips of the window, each placed trip under the pair of its
 * cells (in either order), loops left out */
static int group(const struct trips *tr, int64_t last, struct group *g)
{
	int n = 0;

	for (int i = 0; i < tr->n; i++) {
		const struct made *x = &tr->v[i];
		struct cell a, b;
		struct group *k = NULL;
		int j;

		if (x->t <= last - WINDOW_MS || !x->placed)
			continue;
		a = cell_of(x->from);
		b = cell_of(x->to);
		if (same_cell(a, b))
			continue;
		for (j = 0; j < n && !k; j++)
			if ((same_cell(g[j].a, a) && same_cell(g[j].b, b)) ||
			    (same_cell(g[j].a, b) && same_cell(g[j].b, a)))
				k = &g[j];
		if (!k) {
			assert_true(n < GROUPS_MAX);
			k = &g[n++];
			memset(k, 0, sizeof(*k));
			k->a = a;
			k->b = b;
		}
		k->trips++;
		if (x->metres >= 0) {
			k->metres += x->metres;
			k->measured++;
			for (j = 0; j < NDRIVEN; j++)
				if (strcmp(x->mode, driven_modes[j]) == 0)
					k->driven[j] += x->metres;
		}
		for (j = 0; j < k->nmodes && strcmp(k->modes[j], x->mode) != 0; j++)
			;
		if (j == k->nmodes) {
			k->modes[k->nmodes] = x->mode;
			k->counts[k->nmodes++] = 0;
		}
		k->counts[j]++;
	}
	return n;
}

static struct place centre(struct cell c)
{
	struct place p = {(c.row + 0.5) * CELL_LAT / 1e6, (c.col + 0.5) * CELL_LON / 1e6};

	return p;
}

/* the line near both ends with the least walking, brute force */
struct ride {
	const struct line *line;
	const struct stop *from, *to;
	double walk;
	int apart;
};

static const struct stop *stop_by_id(const struct network *net, const char *id)
{
	for (int i = 0; i < net->nstops; i++)
		if (strcmp(net->stops[i].id, id) == 0)
			return &net->stops[i];
	fail_msg("no stop %s", id);
	return NULL;
}

static bool ride(const struct network *net, struct place a, struct place b, struct ride *best)
{
	bool found = false;

	for (int l = 0; l < net->nlines; l++) {
		const struct line *ln = &net->lines[l];

		for (int i = 0; i < ln->n; i++)
			for (int j = 0; j < ln->n; j++) {
				const struct stop *sa = stop_by_id(net, ln->seq[i]);
				const struct stop *sb = stop_by_id(net, ln->seq[j]);
				double wa = metres(a.lat, a.lon, sa->lat, sa->lon);
				double wb = metres(b.lat, b.lon, sb->lat, sb->lon);
				int apart = abs(i - j);

				if (sa == sb || wa > NEAR_M || wb > NEAR_M)
					continue;
				if (!found || wa + wb < best->walk ||
				    (wa + wb == best->walk && best->line == ln &&
				     apart < best->apart)) {
					*best = (struct ride){ln, sa, sb, wa + wb, apart};
					found = true;
				}
			}
	}
	return found;
}

static const char *main_mode(const struct group *g)
{
	static const char *const order[] = {"walk",      "bike",  "ebike", "scooter", "bus",
					    "tram",      "metro", "train", "car",     "carpool",
					    "motorbike", "plane", "other", NULL};
	const char *best = NULL;
	int count = 0;

	for (int o = 0; order[o]; o++)
		for (int j = 0; j < g->nmodes; j++)
			if (strcmp(g->modes[j], order[o]) == 0 && g->counts[j] > count) {
				best = order[o];
				count = g->counts[j];
			}
	return best;
}

static void check_route(const json_t *d, const struct group *g, const struct network *net,
			const struct design *designed)
{
	struct place a = centre(g->a), b = centre(g->b);
	const char *mode = main_mode(g);
	double km = g->measured ? (double)g->metres / g->measured / 1000
				: metres(a.lat, a.lon, b.lat, b.lon) / 1000;
	struct ride best = {0};
	bool has_ride = ride(net, a, b, &best);
	const json_t *modes = json_object_get(d, "modes"), *t = json_object_get(d, "transit");
	const char *want;

	assert_int_equal(integer(d, "trips"), g->trips);
	assert_int_equal(json_object_size(modes), (size_t)g->nmodes);
	for (int j = 0; j < g->nmodes; j++)
		assert_int_equal(json_integer_value(json_object_get(modes, g->modes[j])),
				 g->counts[j]);
	assert_string_equal(json_string_value(json_object_get(d, "main_mode")), mode);
	close_to(num(d, "km"), km, 1e-9, "km");
	close_to(num(json_object_get(d, "a"), "lat"), a.lat, 1e-9, "a's latitude");
	close_to(num(json_object_get(d, "b"), "lon"), b.lon, 1e-9, "b's longitude");
	/* the suggestion, from the rule: keep walking, cycling, transit; for
	 * a car, walk up to 2 km, bike up to 8, else transit when a line */
	if (strcmp(mode, "car") != 0 && strcmp(mode, "carpool") != 0 &&
	    strcmp(mode, "motorbike") != 0)
		want = strcmp(mode, "plane") == 0 || strcmp(mode, "other") == 0 ? "none" : "keep";
	else
		want = km <= 2 ? "walk" : km <= 8 ? "bike" : has_ride ? "transit" : "none";
	assert_string_equal(json_string_value(json_object_get(d, "suggestion")), want);
	/* and as designed */
	assert_string_equal(want, designed->suggestion);
	/* the CO2 the driven trips would have saved made as suggested */
	if (strcmp(want, "walk") == 0 || strcmp(want, "bike") == 0 ||
	    strcmp(want, "transit") == 0) {
		double kg = 0, other = strcmp(want, "transit") == 0 ? factor(best.line->mode) : 0;

		for (int j = 0; j < NDRIVEN; j++)
			if (g->driven[j])
				kg +=
				    (double)g->driven[j] / 1000 * (factor(driven_modes[j]) - other);
		assert_true(kg > 0);
		close_to(num(d, "kg_co2e_saved"), kg, 1e-9 * kg, "kg_co2e_saved");
	} else {
		assert_null(json_object_get(d, "kg_co2e_saved"));
	}
	if (!has_ride) {
		assert_null(t);
		return;
	}
	assert_non_null(t);
	assert_string_equal(json_string_value(json_object_get(t, "line")), best.line->id);
	assert_string_equal(json_string_value(json_object_get(t, "name")), best.line->name);
	assert_string_equal(json_string_value(json_object_get(t, "mode")), best.line->mode);
	assert_string_equal(json_string_value(json_object_get(t, "from_stop")), best.from->id);
	assert_string_equal(json_string_value(json_object_get(t, "to_stop")), best.to->id);
	assert_string_equal(json_string_value(json_object_get(t, "from_stop_name")),
			    best.from->name);
	assert_int_equal(integer(t, "stops"), best.apart);
	assert_true(llabs(integer(t, "walk_m") - llround(best.walk)) <= 1);
}

static void cell_key(struct cell c, char out[48])
{
	snprintf(out, 48, "%lld:%lld", c.row, c.col);
}

/* check_routes - the records against the groups of min_trips or more, and
 * each designed route found where it should (or absent when under) */
static void check_routes(struct fixture *f, const struct trips *tr, const struct network *net,
			 const struct design *r, int min_trips, size_t *count)
{
	struct group *g = calloc(GROUPS_MAX, sizeof(*g));
	struct outs *o = calloc(1, sizeof(*o));
	int64_t last = 0;
	int n;
	size_t want = 0;
	char day[TIME_RFC3339_LEN];

	assert_non_null(g);
	assert_non_null(o);
	for (int i = 0; i < tr->n; i++)
		if (tr->v[i].t > last)
			last = tr->v[i].t;
	n = group(tr, last, g);
	outs_load(f, "mobility.route.recurrent", o);
	for (int k = 0; k < n; k++) {
		char ka[48], kb[48];
		struct cell lo = g[k].a, hi = g[k].b;
		struct out *found = NULL;
		int designed = -1;

		if (lo.row > hi.row || (lo.row == hi.row && lo.col > hi.col)) {
			lo = g[k].b;
			hi = g[k].a;
		}
		g[k].a = lo; /* the app writes the lower cell as a */
		g[k].b = hi;
		cell_key(lo, ka);
		cell_key(hi, kb);
		for (int d = 0; d < NROUTES; d++) {
			struct cell da = cell_of(r[d].a), db = cell_of(r[d].b);

			if ((same_cell(da, lo) && same_cell(db, hi)) ||
			    (same_cell(da, hi) && same_cell(db, lo)))
				designed = d;
		}
		assert_true(designed >= 0); /* no group but the designed ones */
		assert_int_equal(g[k].trips, r[designed].made);
		for (size_t i = 0; i < o->n; i++) {
			const json_t *d = o->v[i].data;

			if (strcmp(json_string_value(member(d, "a", "cell")), ka) == 0 &&
			    strcmp(json_string_value(member(d, "b", "cell")), kb) == 0) {
				if (found)
					fail_msg("route %s/%s written twice", ka, kb);
				found = &o->v[i];
			}
		}
		if (g[k].trips < min_trips) {
			if (found)
				fail_msg("route %s/%s of %d trips written", ka, kb, g[k].trips);
			continue;
		}
		if (!found)
			fail_msg("route %s/%s of %d trips not written", ka, kb, g[k].trips);
		found->seen = true;
		want++;
		check_route(found->data, &g[k], net, &r[designed]);
		/* the window: the 28 days up to the latest trip's day, in Paris */
		assert_string_equal(json_string_value(json_object_get(found->data, "window_end")),
				    "2025-03-28");
		assert_string_equal(json_string_value(json_object_get(found->data, "window_start")),
				    "2025-02-28");
	}
	for (size_t i = 0; i < o->n; i++)
		if (!o->v[i].seen)
			fail_msg("an unexpected route: %s",
				 json_string_value(member(o->v[i].data, "a", "cell")));
	(void)day;
	*count = want;
	outs_release(o);
	free(o);
	free(g);
}

/* ---- tokens, recomputed ------------------------------------------------------------- */

struct month {
	int y, m, trips, transit;
	long long walk_m, bike_m;
};

static bool is(const char *mode, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(mode, *set) == 0)
			return true;
	return false;
}

static void check_tokens(struct fixture *f, const struct trips *tr, size_t *count)
{
	static const char *const walk[] = {"walk", NULL};
	static const char *const bike[] = {"bike", "ebike", "scooter", NULL};
	static const char *const transit[] = {"bus", "tram", "metro", "train", NULL};
	struct month months[12] = {0};
	struct outs *o = calloc(1, sizeof(*o));
	size_t n = 0;

	assert_non_null(o);
	for (int i = 0; i < tr->n; i++) {
		const struct made *x = &tr->v[i];
		struct month *m = &months[x->m - 1];

		assert_int_equal(x->y, 2025);
		m->y = x->y;
		m->m = x->m;
		m->trips++;
		if (is(x->mode, walk) && x->metres >= 0)
			m->walk_m += x->metres < WALK_CAP ? x->metres : WALK_CAP;
		else if (is(x->mode, bike) && x->metres >= 0)
			m->bike_m += x->metres < BIKE_CAP ? x->metres : BIKE_CAP;
		else if (is(x->mode, transit))
			m->transit++;
	}
	outs_load(f, "mobility.tokens.monthly", o);
	for (int k = 0; k < 12; k++) {
		const struct month *m = &months[k];
		char key[16];
		const json_t *d = NULL;
		long long wt = m->walk_m / 1000, bt = m->bike_m / 2000;

		if (!m->trips)
			continue;
		n++;
		snprintf(key, sizeof(key), "%04d-%02d", m->y, m->m);
		for (size_t i = 0; i < o->n; i++)
			if (strcmp(json_string_value(json_object_get(o->v[i].data, "month")),
				   key) == 0) {
				if (d)
					fail_msg("%s written twice", key);
				d = o->v[i].data;
			}
		if (!d)
			fail_msg("no tokens for %s", key);
		assert_int_equal(integer(d, "trips"), m->trips);
		close_to(num(d, "walk_km"), (double)m->walk_m / 1000, 1e-9, "walk_km");
		close_to(num(d, "bike_km"), (double)m->bike_m / 1000, 1e-9, "bike_km");
		assert_int_equal(integer(d, "walk_tokens"), wt);
		assert_int_equal(integer(d, "bike_tokens"), bt);
		assert_int_equal(integer(d, "transit_trips"), m->transit);
		assert_int_equal(integer(d, "transit_tokens"), m->transit);
		assert_int_equal(integer(d, "tokens"), wt + bt + m->transit);
	}
	assert_int_equal(o->n, n);
	*count = n;
	outs_release(o);
	free(o);
}

/* ---- the tests ---------------------------------------------------------------------- */

static void routes_and_tokens(void **state)
{
	struct fixture *f = *state;
	struct network *net = calloc(1, sizeof(*net));
	struct trips *tr = calloc(1, sizeof(*tr));
	struct design r[NROUTES];
	struct app_package p = {0};
	struct app_run run;
	size_t routes, months;
	json_t *params;

	assert_non_null(net);
	assert_non_null(tr);
	network_of_synth(f, net);
	trips_made(f, net, tr, r);
	svc_pack(f, "par4chemins", &p);

	svc_run_on(f, &p, NULL, NULL, &run);
	check_routes(f, tr, net, r, 4, &routes);
	assert_int_equal(routes, 5);
	check_tokens(f, tr, &months);
	assert_int_equal(months, 3);
	assert_int_equal(run.records_read, tr->n);
	assert_int_equal(run.records_written, (int64_t)(routes + months));
	assert_int_equal(json_integer_value(json_object_get(run.result, "routes")), 5);
	assert_int_equal(json_integer_value(json_object_get(run.result, "unplaced")), 2);
	print_message("par4chemins: %d trips, %zu routes, %zu months, %.3f ms\n", tr->n, routes,
		      months, (double)run.elapsed_us / 1000);
	app_run_release(&run);

	/* three trips make a route when the person asks for three */
	params = json_pack("{s:i}", "min_trips", 3);
	svc_run_on(f, &p, params, NULL, &run);
	check_routes(f, tr, net, r, 3, &routes);
	assert_int_equal(routes, 6);
	assert_int_equal(run.records_replaced, 5 + 3);
	app_run_release(&run);
	json_decref(params);

	app_package_release(&p);
	free(tr);
	free(net);
}

/* the bundled network is the feed commune synth writes */
static void dataset_is_the_feed(void **state)
{
	struct fixture *f = *state;
	struct network *net = calloc(1, sizeof(*net));
	size_t len = 0, i;
	const char *text = app_dataset("villebrune.transit", &len);
	json_t *ds, *v;

	assert_non_null(net);
	assert_non_null(text);
	network_of_synth(f, net);
	ds = json_loadb(text, len, 0, NULL);
	assert_non_null(ds);
	assert_int_equal(json_array_size(json_object_get(ds, "stops")), (size_t)net->nstops);
	json_array_foreach(json_object_get(ds, "stops"), i, v)
	{
		const struct stop *s = &net->stops[i];

		assert_string_equal(json_string_value(json_object_get(v, "id")), s->id);
		assert_string_equal(json_string_value(json_object_get(v, "name")), s->name);
		close_to(num(v, "lat"), s->lat, 1e-9, s->id);
		close_to(num(v, "lon"), s->lon, 1e-9, s->id);
	}
	assert_int_equal(json_array_size(json_object_get(ds, "lines")), (size_t)net->nlines);
	json_array_foreach(json_object_get(ds, "lines"), i, v)
	{
		const struct line *l = &net->lines[i];
		const json_t *seq = json_object_get(v, "stops");

		assert_string_equal(json_string_value(json_object_get(v, "id")), l->id);
		assert_string_equal(json_string_value(json_object_get(v, "name")), l->name);
		assert_string_equal(json_string_value(json_object_get(v, "mode")), l->mode);
		assert_int_equal(json_array_size(seq), (size_t)l->n);
		for (int k = 0; k < l->n; k++)
			assert_string_equal(json_string_value(json_array_get(seq, (size_t)k)),
					    l->seq[k]);
	}
	json_decref(ds);
	free(net);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(dataset_is_the_feed, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(routes_and_tokens, check_setup, check_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
