/*
 * gtfs.c - a GTFS feed (opendata.h): agency.txt, stops.txt and routes.txt
 * are required, trips.txt is counted per route when present; the other
 * files (stop_times.txt, calendar...) are not read. CSV per RFC 4180 with
 * a UTF-8 BOM tolerated; a fault says FILE:LINE:COLUMN. Kept: the
 * agencies, the stops and stations with their position (entrances,
 * generic nodes and boarding areas are left out), and the routes with
 * their mode (route_type, basic or extended, to tram, metro, rail, bus,
 * ferry, cable_tram, aerial_lift, funicular, trolleybus, monorail, other).
 */
#include "opendata/opendata_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonput.h"
#include "core/str.h"

#define GTFS_ID_MAX 255                  /* bytes of an id */

static const struct opendata_file *file_named(const struct opendata_file *files, size_t n,
					      const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (files[i].name && strcmp(files[i].name, name) == 0)
			return &files[i];
	return NULL;
}

/* the columns a file's reader looks for, found in its header */
struct cols {
	const char *names[8];
	int at[8];                       /* index in a record, -1 when absent */
};

/* header - reads the header line of c into k; the names required (first
 * `required` of k->names) must be there */
static enum cmn_rc header(struct od_csv *c, struct cols *k, size_t required)
{
	int r = od_csv_next(c);

	if (r < 0)
		return CMN_ERR_INVALID;
	if (r == 0) {
		snprintf(c->err, c->errn, "%s:1:1: empty: a header line is expected", c->file);
		return CMN_ERR_INVALID;
	}
	for (size_t i = 0; i < 8 && k->names[i]; i++) {
		k->at[i] = csv_field_index(&c->f, k->names[i]);
		if (k->at[i] < 0 && i < required)
			return od_csv_fault(c, 0, "no column %s", k->names[i]);
	}
	return CMN_OK;
}

/* cell - the value of column i of k in the record ("" when absent) */
static const char *cell(const struct od_csv *c, const struct cols *k, int i)
{
	int at = k->at[i];

	return at >= 0 && (size_t)at < c->f.n ? c->f.f[at] : "";
}

static size_t cell_index(const struct od_csv *c, const struct cols *k, int i)
{
	return k->at[i] >= 0 ? (size_t)k->at[i] : c->f.n;
}

/* id_cell - a required id: 1 to GTFS_ID_MAX bytes */
static enum cmn_rc id_cell(struct od_csv *c, const struct cols *k, int i)
{
	size_t n = strlen(cell(c, k, i));

	if (n == 0 || n > GTFS_ID_MAX)
		return od_csv_fault(c, cell_index(c, k, i), "%s: 1 to %d bytes", k->names[i],
				    GTFS_ID_MAX);
	return CMN_OK;
}

/* unique - the id in column i is not already a member of seen */
static enum cmn_rc unique(struct od_csv *c, const struct cols *k, int i, json_t *seen)
{
	const char *id = cell(c, k, i);

	if (json_object_get(seen, id))
		return od_csv_fault(c, cell_index(c, k, i), "%s \"%s\" is there twice",
				    k->names[i], id);
	return json_object_set_new(seen, id, json_true()) == 0 ? CMN_OK : CMN_ERR_NOMEM;
}

static enum cmn_rc agencies(const struct opendata_file *f, json_t *out, char *err, size_t errn)
{
	struct cols k = {{"agency_name", "agency_url", "agency_timezone", "agency_id"}, {0}};
	struct od_csv c;
	enum cmn_rc rc;
	int r = 0;

	od_csv_open(&c, f->name, f->data, f->len, ',', err, errn);
	rc = header(&c, &k, 3);
	while (rc == CMN_OK && (r = od_csv_next(&c)) > 0) {
		if (json_array_size(out) >= 1000) {
			rc = od_csv_fault(&c, 0, "more than 1000 agencies");
			break;
		}
		for (int i = 0; rc == CMN_OK && i < 3; i++)
			if (!cell(&c, &k, i)[0] || strlen(cell(&c, &k, i)) > OPENDATA_TEXT_MAX)
				rc = od_csv_fault(&c, cell_index(&c, &k, i), "%s: 1 to %d bytes",
						  k.names[i], OPENDATA_TEXT_MAX);
		if (rc == CMN_OK &&
		    json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s}", "id",
							 cell(&c, &k, 3), "name", cell(&c, &k, 0),
							 "url", cell(&c, &k, 1), "timezone",
							 cell(&c, &k, 2))) != 0)
			rc = CMN_ERR_NOMEM;
	}
	if (rc == CMN_OK && r < 0)
		rc = CMN_ERR_INVALID;
	if (rc == CMN_OK && json_array_size(out) == 0)
		rc = od_fault(err, errn, f->name, "no agency");
	od_csv_close(&c);
	return rc;
}

/* coordinate - column i is a number within [-limit, limit] */
static enum cmn_rc coordinate(struct od_csv *c, const struct cols *k, int i, double limit,
			      double *out)
{
	if (!od_number(cell(c, k, i), out) || *out < -limit || *out > limit)
		return od_csv_fault(c, cell_index(c, k, i), "%s: a number from %g to %g",
				    k->names[i], -limit, limit);
	return CMN_OK;
}

static enum cmn_rc stops(const struct opendata_file *f, json_t *out, char *err, size_t errn)
{
	struct cols k = {{"stop_id", "stop_name", "stop_lat", "stop_lon", "location_type",
			  "parent_station"},
			 {0}};
	json_t *seen = json_object();
	struct od_csv c;
	enum cmn_rc rc = seen ? CMN_OK : CMN_ERR_NOMEM;
	int r = 0;

	od_csv_open(&c, f->name, f->data, f->len, ',', err, errn);
	if (rc == CMN_OK)
		rc = header(&c, &k, 4);
	while (rc == CMN_OK && (r = od_csv_next(&c)) > 0) {
		const char *type = cell(&c, &k, 4), *parent = cell(&c, &k, 5);
		double lat, lon;
		json_t *s;

		if (json_object_size(seen) >= OPENDATA_ITEMS_MAX) {
			rc = od_csv_fault(&c, 0, "more than %d stops", OPENDATA_ITEMS_MAX);
			break;
		}
		if ((rc = id_cell(&c, &k, 0)) != CMN_OK || (rc = unique(&c, &k, 0, seen)) != CMN_OK)
			break;
		if (type[0] && strcmp(type, "0") != 0 && strcmp(type, "1") != 0) {
			if (strcmp(type, "2") != 0 && strcmp(type, "3") != 0 &&
			    strcmp(type, "4") != 0)
				rc = od_csv_fault(&c, cell_index(&c, &k, 4),
						  "location_type: 0 to 4 or empty");
			continue; /* an entrance, a generic node, a boarding area */
		}
		if ((rc = coordinate(&c, &k, 2, 90, &lat)) != CMN_OK ||
		    (rc = coordinate(&c, &k, 3, 180, &lon)) != CMN_OK)
			break;
		if (!cell(&c, &k, 1)[0] || strlen(cell(&c, &k, 1)) > OPENDATA_TEXT_MAX) {
			rc = od_csv_fault(&c, cell_index(&c, &k, 1), "stop_name: 1 to %d bytes",
					  OPENDATA_TEXT_MAX);
			break;
		}
		s = json_pack("{s:s, s:s, s:f, s:f}", "id", cell(&c, &k, 0), "name",
			      cell(&c, &k, 1), "lat", lat, "lon", lon);
		/* a station kept as a mere stop, or a platform without its
		 * station, would be a false network: whole or not at all */
		if (strcmp(type, "1") == 0)
			json_put(&s, "station", json_true());
		if (parent[0] && strlen(parent) <= GTFS_ID_MAX)
			json_put(&s, "parent", json_string(parent));
		if (!s || json_array_append_new(out, s) != 0)
			rc = CMN_ERR_NOMEM;
	}
	if (rc == CMN_OK && r < 0)
		rc = CMN_ERR_INVALID;
	od_csv_close(&c);
	json_decref(seen);
	return rc;
}

/* route_mode - the mode of a GTFS route_type, basic or extended */
static const char *route_mode(long t)
{
	static const char *const basic[] = {"tram",	   "metro",	  "rail",      "bus",
					    "ferry",	   "cable_tram",  "aerial_lift", "funicular",
					    NULL,	   NULL,	  NULL,	      "trolleybus",
					    "monorail"};

	if (t >= 0 && t <= 12 && basic[t])
		return basic[t];
	if (t >= 100 && t < 200)
		return "rail";
	if ((t >= 200 && t < 300) || (t >= 700 && t < 800))
		return "bus";
	if (t >= 400 && t < 500)
		return "metro";
	if (t == 800)
		return "trolleybus";
	if (t >= 900 && t < 1000)
		return "tram";
	if (t >= 1000 && t < 1100)
		return "ferry";
	if (t >= 1300 && t < 1400)
		return "aerial_lift";
	if (t >= 1400 && t < 1500)
		return "funicular";
	return "other";
}

static enum cmn_rc routes(const struct opendata_file *f, json_t *out, char *err, size_t errn)
{
	struct cols k = {{"route_id", "route_type", "route_short_name", "route_long_name",
			  "agency_id"},
			 {0}};
	json_t *seen = json_object();
	struct od_csv c;
	enum cmn_rc rc = seen ? CMN_OK : CMN_ERR_NOMEM;
	int r = 0;

	od_csv_open(&c, f->name, f->data, f->len, ',', err, errn);
	if (rc == CMN_OK)
		rc = header(&c, &k, 2);
	while (rc == CMN_OK && (r = od_csv_next(&c)) > 0) {
		const char *sn = cell(&c, &k, 2), *ln = cell(&c, &k, 3);
		int64_t type;
		json_t *route;

		if (json_object_size(seen) >= OPENDATA_ITEMS_MAX) {
			rc = od_csv_fault(&c, 0, "more than %d routes", OPENDATA_ITEMS_MAX);
			break;
		}
		if ((rc = id_cell(&c, &k, 0)) != CMN_OK || (rc = unique(&c, &k, 0, seen)) != CMN_OK)
			break;
		if (str_to_i64(cell(&c, &k, 1), 0, 9999, &type) != CMN_OK) {
			rc = od_csv_fault(&c, cell_index(&c, &k, 1),
					  "route_type: an integer from 0 to 9999");
			break;
		}
		if ((!sn[0] && !ln[0]) || strlen(sn) > OPENDATA_TEXT_MAX ||
		    strlen(ln) > OPENDATA_TEXT_MAX) {
			rc = od_csv_fault(&c, cell_index(&c, &k, sn[0] ? 2 : 3),
					  "route_short_name or route_long_name: 1 to %d bytes",
					  OPENDATA_TEXT_MAX);
			break;
		}
		route = json_pack("{s:s, s:s, s:s, s:I, s:s, s:i}", "id", cell(&c, &k, 0),
				  "short_name", sn, "long_name", ln, "route_type", (json_int_t)type,
				  "mode", route_mode((long)type), "trips", 0);
		if (cell(&c, &k, 4)[0])
			json_put(&route, "agency", json_string(cell(&c, &k, 4)));
		if (!route || json_array_append_new(out, route) != 0)
			rc = CMN_ERR_NOMEM;
	}
	if (rc == CMN_OK && r < 0)
		rc = CMN_ERR_INVALID;
	if (rc == CMN_OK && json_array_size(out) == 0)
		rc = od_fault(err, errn, f->name, "no route");
	od_csv_close(&c);
	json_decref(seen);
	return rc;
}

/* trips - counts the trips of each route; a trip of an unknown route is
 * at fault */
static enum cmn_rc trips(const struct opendata_file *f, json_t *routes_out, size_t *total,
			 char *err, size_t errn)
{
	struct cols k = {{"route_id", "trip_id"}, {0}};
	json_t *by_id = json_object(), *route;
	struct od_csv c;
	size_t i;
	enum cmn_rc rc = by_id ? CMN_OK : CMN_ERR_NOMEM;
	int r = 0;

	/* a route left out of by_id would make its trips "not in routes.txt" */
	json_array_foreach(routes_out, i, route)
		if (rc == CMN_OK &&
		    json_object_set(by_id, json_string_value(json_object_get(route, "id")), route))
			rc = CMN_ERR_NOMEM;
	od_csv_open(&c, f->name, f->data, f->len, ',', err, errn);
	if (rc == CMN_OK)
		rc = header(&c, &k, 2);
	while (rc == CMN_OK && (r = od_csv_next(&c)) > 0) {
		json_t *rt = json_object_get(by_id, cell(&c, &k, 0));

		if (!rt) {
			rc = od_csv_fault(&c, cell_index(&c, &k, 0), "route_id \"%s\" is not in"
					  " routes.txt", cell(&c, &k, 0));
			break;
		}
		if ((rc = id_cell(&c, &k, 1)) != CMN_OK)
			break;
		/* rt is borrowed (routes_out holds it): not json_put. A count
		 * not raised would keep a route with fewer trips than it has */
		if (json_object_set_new(rt, "trips", json_integer(json_integer_value(
						     json_object_get(rt, "trips")) + 1)) != 0) {
			rc = CMN_ERR_NOMEM;
			break;
		}
		(*total)++;
	}
	if (rc == CMN_OK && r < 0)
		rc = CMN_ERR_INVALID;
	od_csv_close(&c);
	json_decref(by_id);
	return rc;
}

enum cmn_rc opendata_gtfs_parse(const struct opendata_file *files, size_t nfiles, json_t **canon,
				char *err, size_t errn)
{
	static const char *const required[] = {"agency.txt", "stops.txt", "routes.txt"};
	const struct opendata_file *trip_file = file_named(files, nfiles, "trips.txt");
	json_t *ag = json_array(), *st = json_array(), *rt = json_array();
	size_t ntrips = 0;
	enum cmn_rc rc = ag && st && rt ? CMN_OK : CMN_ERR_NOMEM;

	*canon = NULL;
	for (size_t i = 0; rc == CMN_OK && i < nfiles; i++) {
		if (files[i].len > OPENDATA_FILE_MAX)
			rc = od_fault(err, errn, files[i].name, "over %d bytes", OPENDATA_FILE_MAX);
		for (size_t j = 0; rc == CMN_OK && j < i; j++)
			if (strcmp(files[i].name, files[j].name) == 0)
				rc = od_fault(err, errn, files[i].name, "given twice");
	}
	for (size_t i = 0; rc == CMN_OK && i < 3; i++)
		if (!file_named(files, nfiles, required[i]))
			rc = od_fault(err, errn, required[i], "required in a GTFS feed");
	if (rc == CMN_OK)
		rc = agencies(file_named(files, nfiles, "agency.txt"), ag, err, errn);
	if (rc == CMN_OK)
		rc = stops(file_named(files, nfiles, "stops.txt"), st, err, errn);
	if (rc == CMN_OK)
		rc = routes(file_named(files, nfiles, "routes.txt"), rt, err, errn);
	if (rc == CMN_OK && trip_file)
		rc = trips(trip_file, rt, &ntrips, err, errn);
	if (rc == CMN_OK &&
	    !(*canon = json_pack("{s:O, s:O, s:O, s:{s:I, s:I, s:I}}", "agencies", ag, "stops", st,
				 "routes", rt, "counts", "stops", (json_int_t)json_array_size(st),
				 "routes", (json_int_t)json_array_size(rt), "trips",
				 (json_int_t)ntrips)))
		rc = CMN_ERR_NOMEM;
	json_decref(ag);
	json_decref(st);
	json_decref(rt);
	return rc;
}
