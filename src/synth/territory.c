/*
 * territory.c - the fictional city of synth.h: a grid of districts around
 * a centre, with income levels, owners and houses varying from the centre
 * to the edge; employers, schools and shops placed in them; a calendar of
 * public and school holidays; a daily temperature series; a GeoJSON of the
 * districts and a small GTFS feed of its tram and bus lines.
 */
#include "synth/synth.h"

#include <string.h>

#include "core/str.h"
#include "core/timeutil.h"

static const char *const district_names[SYNTH_DISTRICTS] = {
    "Les Tanneurs",   "Bellevue",    "Le Moulin",     "Champ-Fleuri",  "La Garenne",
    "Les Cordiers",   "Saint-Roch",  "Les Halles",    "La Filature",   "Les Vignes",
    "Port-Neuf",      "Le Marais",   "Centre",        "La Citadelle",  "Les Acacias",
    "Les Forges",     "Le Prieuré",  "Gare",          "Les Tilleuls",  "La Chênaie",
    "Les Aubépines",  "Le Plateau",  "Les Rives",     "Beauregard",    "Les Sablons",
};

static const char *const employer_kinds[] = {
    "Hôpital",   "Mairie",    "Clinique",    "Supermarché", "Atelier", "Lycée",  "Banque",
    "Assurances", "Logistique", "Boulangerie", "Garage",     "Bureau d'études", "Imprimerie",
};

/* distance_cells - the ring of a grid cell: 0 the centre, 1 around it... */
static int distance_cells(int r, int c)
{
	int dr = r - SYNTH_GRID / 2, dc = c - SYNTH_GRID / 2;

	return (dr < 0 ? -dr : dr) > (dc < 0 ? -dc : dc) ? (dr < 0 ? -dr : dr)
							     : (dc < 0 ? -dc : dc);
}

static struct synth_point in_district(const struct synth_district *d, struct synth_rng *r)
{
	struct synth_point p;

	p.lat = synth_rng_range(r, d->sw.lat + 300, d->ne.lat - 300);
	p.lon = synth_rng_range(r, d->sw.lon + 400, d->ne.lon - 400);
	return p;
}

static void places(struct synth_territory *t, struct synth_place *out, size_t n,
		   enum synth_place_kind kind, struct synth_rng *r)
{
	static const char *const school_kinds[] = {"École", "Collège", "Lycée"};
	static const char *const shop_kinds[] = {"Marché", "Supermarché", "Épicerie", "Biocoop"};

	for (size_t i = 0; i < n; i++) {
		/* more of them near the centre */
		unsigned w[SYNTH_DISTRICTS];
		size_t d;

		for (int k = 0; k < SYNTH_DISTRICTS; k++)
			w[k] = kind == PLACE_EMPLOYER ? 1u + 6u / (1u + (unsigned)distance_cells(
								    k / SYNTH_GRID, k % SYNTH_GRID))
						      : t->districts[k].weight;
		d = synth_rng_pick(r, w, SYNTH_DISTRICTS);
		out[i].district = (int)d;
		out[i].at = in_district(&t->districts[d], r);
		out[i].weight = (unsigned)synth_rng_range(r, 1, kind == PLACE_EMPLOYER ? 20 : 4);
		if (kind == PLACE_EMPLOYER)
			snprintf(out[i].name, sizeof(out[i].name), "%s %s",
				 employer_kinds[i % (sizeof(employer_kinds) / sizeof(*employer_kinds))],
				 t->districts[d].name);
		else if (kind == PLACE_SCHOOL)
			snprintf(out[i].name, sizeof(out[i].name), "%s %s",
				 i == 0 ? "Université" : school_kinds[i % 3], t->districts[d].name);
		else
			snprintf(out[i].name, sizeof(out[i].name), "%s %s", shop_kinds[i % 4],
				 t->districts[d].name);
	}
}

enum cmn_rc synth_territory_init(struct synth_territory *t, uint64_t seed, int64_t start_day,
				 int days)
{
	struct synth_rng r;
	double anomaly = 0;

	if (days < 1 || days > SYNTH_MAX_DAYS)
		return CMN_ERR_INVALID;
	memset(t, 0, sizeof(*t));
	t->seed = seed;
	t->start_day = start_day;
	t->days = days;
	str_copy(t->name, sizeof(t->name), "Villebrune");
	str_copy(t->insee, sizeof(t->insee), "00042");
	t->centre.lat = 45100000;
	t->centre.lon = 4500000;
	synth_rng_seed(&r, seed, 1, 0);
	for (int k = 0; k < SYNTH_DISTRICTS; k++) {
		struct synth_district *d = &t->districts[k];
		int row = k / SYNTH_GRID, col = k % SYNTH_GRID, ring = distance_cells(row, col);

		snprintf(d->code, sizeof(d->code), "D%d%d", row + 1, col + 1);
		str_copy(d->name, sizeof(d->name), district_names[k]);
		d->sw.lat = t->centre.lat + (row - SYNTH_GRID / 2) * SYNTH_CELL_UDEG -
			    SYNTH_CELL_UDEG / 2;
		d->sw.lon = t->centre.lon + (col - SYNTH_GRID / 2) * (SYNTH_CELL_UDEG * 3 / 2) -
			    SYNTH_CELL_UDEG * 3 / 4;
		d->ne.lat = d->sw.lat + SYNTH_CELL_UDEG;
		d->ne.lon = d->sw.lon + SYNTH_CELL_UDEG * 3 / 2;
		/* dense flats in the centre, houses at the edge; incomes vary by
		 * district, independently of the ring */
		d->weight = (unsigned)(ring == 0 ? 9 : ring == 1 ? 6 : 3) +
			    (unsigned)synth_rng_below(&r, 3);
		d->income_pct = 70 + (int)synth_rng_below(&r, 71);
		d->owner_pct = ring == 0 ? 30 : ring == 1 ? 45 : 65;
		d->house_pct = ring == 0 ? 5 : ring == 1 ? 25 : 70;
	}
	places(t, t->employers, SYNTH_EMPLOYERS, PLACE_EMPLOYER, &r);
	places(t, t->schools, SYNTH_SCHOOLS, PLACE_SCHOOL, &r);
	places(t, t->shops, SYNTH_SHOPS, PLACE_SHOP, &r);
	/* the daily mean: a yearly cycle (3.5 C mid-January, 21.5 C mid-July)
	 * and weather that lasts a few days (an AR(1) anomaly, sd about 2.5 C) */
	synth_rng_seed(&r, seed, 2, 0);
	for (int i = 0; i < days; i++) {
		int64_t y, day = start_day + i;
		int m, dd;
		double doy, mean;

		time_civil_from_days(day, &y, &m, &dd);
		doy = (double)(day - time_days_from_civil(y, 1, 1));
		mean = 12.5 - 9.0 * synth_cos(6.283185307179586 * (doy - 15.0) / 365.25);
		anomaly = 0.8 * anomaly + 1.5 * synth_rng_normal(&r);
		t->temp_dc[i] = (int16_t)(int64_t)((mean + anomaly) * 10.0 + (mean + anomaly >= 0 ? 0.5 : -0.5));
	}
	return CMN_OK;
}

/* ---- the calendar ----------------------------------------------------------------- */

/* easter - days since 1970 of Easter Sunday of year y (the Gregorian
 * computus, in integers) */
static int64_t easter(int64_t year)
{
	int y = (int)year;
	int a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4, f = (b + 8) / 25;
	int g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30, i = c / 4, k = c % 4;
	int l = (32 + 2 * e + 2 * i - h - k) % 7, m = (a + 11 * h + 22 * l) / 451;
	int month = (h + l - 7 * m + 114) / 31, day = (h + l - 7 * m + 114) % 31 + 1;

	return time_days_from_civil(y, month, day);
}

static bool public_holiday(int64_t day, int64_t y, int m, int d)
{
	static const int fixed[][2] = {{1, 1}, {5, 1}, {5, 8}, {7, 14}, {8, 15}, {11, 1}, {11, 11}, {12, 25}};
	int64_t e = easter(y);

	for (size_t i = 0; i < sizeof(fixed) / sizeof(*fixed); i++)
		if (fixed[i][0] == m && fixed[i][1] == d)
			return true;
	return day == e + 1 || day == e + 39 || day == e + 50; /* Easter and Whit Mondays, Ascension */
}

/* school holidays, every year alike (close to zone A): All Saints, Christmas,
 * winter, spring, summer */
static bool school_holiday(int m, int d)
{
	int md = m * 100 + d;

	return (md >= 1019 && md <= 1103) || md >= 1221 || md <= 105 || (md >= 208 && md <= 223) ||
	       (md >= 405 && md <= 421) || (md >= 705 && md <= 831);
}

int synth_day_kind(int64_t day)
{
	int64_t y, wd = ((day % 7) + 7 + 3) % 7; /* 0 Monday (1970-01-01 was a Thursday) */
	int m, d, kind;

	time_civil_from_days(day, &y, &m, &d);
	kind = wd == 5 ? 1 : (wd == 6 || public_holiday(day, y, m, d)) ? 2 : 0;
	return kind | (school_holiday(m, d) ? 4 : 0);
}

/* ---- public files ------------------------------------------------------------------- */

static void udeg(FILE *out, int64_t v)
{
	fprintf(out, "%s%lld.%06lld", v < 0 ? "-" : "", (long long)((v < 0 ? -v : v) / 1000000),
		(long long)((v < 0 ? -v : v) % 1000000));
}

enum cmn_rc synth_write_districts(const struct synth_territory *t, FILE *out)
{
	fprintf(out, "{\"type\": \"FeatureCollection\", \"name\": \"%s\", \"features\": [\n",
		t->name);
	for (int k = 0; k < SYNTH_DISTRICTS; k++) {
		const struct synth_district *d = &t->districts[k];
		const int64_t c[5][2] = {{d->sw.lon, d->sw.lat}, {d->ne.lon, d->sw.lat},
					 {d->ne.lon, d->ne.lat}, {d->sw.lon, d->ne.lat},
					 {d->sw.lon, d->sw.lat}};

		fprintf(out, " {\"type\": \"Feature\", \"properties\": {\"code\": \"%s\", \"name\": "
			     "\"%s\", \"income_pct\": %d, \"owner_pct\": %d, \"house_pct\": %d}, "
			     "\"geometry\": {\"type\": \"Polygon\", \"coordinates\": [[",
			d->code, d->name, d->income_pct, d->owner_pct, d->house_pct);
		for (int i = 0; i < 5; i++) {
			fputs(i ? ", [" : "[", out);
			udeg(out, c[i][0]);
			fputs(", ", out);
			udeg(out, c[i][1]);
			fputs("]", out);
		}
		fprintf(out, "]]}}%s\n", k + 1 < SYNTH_DISTRICTS ? "," : "");
	}
	fputs("]}\n", out);
	return ferror(out) ? CMN_ERR_IO : CMN_OK;
}

/* the lines: two tram lines crossing at the centre (north-south,
 * west-east) and a bus line along each edge of the inner ring */
struct line {
	const char *id, *name;
	int type; /* GTFS route_type: 0 tram, 3 bus */
	int cells[SYNTH_GRID + 4][2];
	int n;
};

static const struct line lines[] = {
    {"T1", "Tram T1 Nord-Sud", 0, {{0, 2}, {1, 2}, {2, 2}, {3, 2}, {4, 2}}, 5},
    {"T2", "Tram T2 Ouest-Est", 0, {{2, 0}, {2, 1}, {2, 2}, {2, 3}, {2, 4}}, 5},
    {"B1", "Bus 1 Ceinture", 3, {{1, 1}, {1, 2}, {1, 3}, {2, 3}, {3, 3}, {3, 2}, {3, 1}, {2, 1}, {1, 1}}, 9},
    {"B2", "Bus 2 Périphérie", 3, {{0, 0}, {0, 4}, {4, 4}, {4, 0}, {0, 0}}, 5},
};

static FILE *open_in(const char *dir, const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return fopen(path, "w");
}

enum cmn_rc synth_write_gtfs(const struct synth_territory *t, const char *dir)
{
	FILE *a = open_in(dir, "agency.txt"), *s = open_in(dir, "stops.txt");
	FILE *r = open_in(dir, "routes.txt"), *tr = open_in(dir, "trips.txt");
	FILE *st = open_in(dir, "stop_times.txt"), *c = open_in(dir, "calendar.txt");
	FILE *all[] = {a, s, r, tr, st, c};
	enum cmn_rc rc = CMN_OK;
	int64_t y0, y1;
	int m0, d0, m1, d1;

	if (!a || !s || !r || !tr || !st || !c) {
		rc = CMN_ERR_IO;
		goto done;
	}
	fprintf(a, "agency_id,agency_name,agency_url,agency_timezone,agency_lang\n"
		   "VB,Transports de %s,https://example.org/transports,Europe/Paris,fr\n",
		t->name);
	fputs("stop_id,stop_name,stop_lat,stop_lon\n", s);
	for (int k = 0; k < SYNTH_DISTRICTS; k++) {
		const struct synth_district *d = &t->districts[k];

		fprintf(s, "S%s,%s,", d->code, d->name);
		udeg(s, (d->sw.lat + d->ne.lat) / 2);
		fputc(',', s);
		udeg(s, (d->sw.lon + d->ne.lon) / 2);
		fputc('\n', s);
	}
	fputs("route_id,agency_id,route_short_name,route_long_name,route_type\n", r);
	fputs("route_id,service_id,trip_id,direction_id\n", tr);
	fputs("trip_id,arrival_time,departure_time,stop_id,stop_sequence\n", st);
	for (size_t l = 0; l < sizeof(lines) / sizeof(*lines); l++) {
		int headway = lines[l].type == 0 ? 10 : 20, per_stop = lines[l].type == 0 ? 3 : 4;

		fprintf(r, "%s,VB,%s,%s,%d\n", lines[l].id, lines[l].id, lines[l].name,
			lines[l].type);
		for (int dep = 6 * 60; dep < 21 * 60; dep += headway) {
			for (int way = 0; way < 2; way++) {
				fprintf(tr, "%s,WEEK,%s-%d-%04d,%d\n", lines[l].id, lines[l].id, way,
					dep, way);
				for (int i = 0; i < lines[l].n; i++) {
					int k = way ? lines[l].n - 1 - i : i;
					int at = dep + i * per_stop;
					const int *cell = lines[l].cells[k];

					fprintf(st, "%s-%d-%04d,%02d:%02d:00,%02d:%02d:00,S%s,%d\n",
						lines[l].id, way, dep, at / 60, at % 60, at / 60, at % 60,
						t->districts[cell[0] * SYNTH_GRID + cell[1]].code, i + 1);
				}
			}
		}
	}
	time_civil_from_days(t->start_day, &y0, &m0, &d0);
	time_civil_from_days(t->start_day + t->days - 1, &y1, &m1, &d1);
	fprintf(c, "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
		   "start_date,end_date\nWEEK,1,1,1,1,1,1,1,%04lld%02d%02d,%04lld%02d%02d\n",
		(long long)y0, m0, d0, (long long)y1, m1, d1);
	if (ferror(a) || ferror(s) || ferror(r) || ferror(tr) || ferror(st) || ferror(c))
		rc = CMN_ERR_IO;
done:
	for (size_t i = 0; i < 6; i++)
		if (all[i] && fclose(all[i]) != 0)
			rc = CMN_ERR_IO;
	return rc;
}
