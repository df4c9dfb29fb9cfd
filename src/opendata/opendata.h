/*
 * opendata.h - the territory's open data (issue 13, docs/opendata.md).
 *
 * The operator loads public datasets once for the territory: emission
 * factors (the ADEME Impact CO2 files), district boundaries (GeoJSON),
 * a GTFS feed, the regulated energy tariffs, daily weather. Each kind has
 * its parser, one file each, which refuses a bad file with where it is at
 * fault (a JSON pointer, or FILE:LINE:COLUMN for CSV) and otherwise gives
 * the dataset's canonical content, JSON. opendata_load() keeps it as the
 * next version of its name (store_opendata.h), with its source, licence,
 * the file's SHA-256 and size; nothing changes on a refusal. Apps,
 * campaigns and the API read the stored versions; districts also answer
 * "which district is this point in" (districts.c).
 */
#ifndef COMMUNE_OPENDATA_OPENDATA_H
#define COMMUNE_OPENDATA_OPENDATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "store/store.h"
#include "store/store_campaign.h"
#include "store/store_opendata.h"

#define OPENDATA_FILE_MAX (32 * 1024 * 1024) /* bytes of one input file */
#define OPENDATA_FILES_MAX 8             /* files of one load (a GTFS feed) */
#define OPENDATA_ITEMS_MAX 200000        /* rows, features or entries of a dataset */
#define OPENDATA_RING_MAX 100000         /* positions of one polygon ring */
#define OPENDATA_TEXT_MAX 500            /* bytes of a name or a label in a dataset */
#define OPENDATA_ERR_MAX 300             /* bytes of an error message */

enum opendata_kind {
	OPENDATA_EMISSION_FACTORS = 0,   /* emission.c */
	OPENDATA_DISTRICTS = 1,          /* districts.c */
	OPENDATA_GTFS = 2,               /* gtfs.c */
	OPENDATA_TARIFFS = 3,            /* tariffs.c */
	OPENDATA_WEATHER = 4,            /* weather.c */
	OPENDATA_KIND_COUNT
};

/* opendata_kind_name - "emission_factors", "districts", "gtfs", "tariffs",
 * "weather"; "?" out of range. */
const char *opendata_kind_name(enum opendata_kind k);

/* opendata_kind_parse - the kind named name; false when there is none. */
bool opendata_kind_parse(const char *name, enum opendata_kind *out);

/* opendata_name_ok - a dataset's name: 1 to OPENDATA_NAME_MAX bytes of
 * [a-z0-9_.-], starting with a letter ("ademe.transport"). */
bool opendata_name_ok(const char *name);

/* one input file: its name (a GTFS feed's files are told by name; others
 * use it in messages only) and bytes (not owned, not NUL-terminated) */
struct opendata_file {
	const char *name;
	const char *data;
	size_t len;
};

/* ---- the parsers: each gives a new reference in *canon, or CMN_ERR_INVALID
 * with err "WHERE: why" and *canon NULL ------------------------------------------ */

/* opendata_emission_parse - an Impact CO2 category file (a JSON array of
 * entries with ecv parts, ecvs distance bands, or a total): factors per
 * entry with their unit, and for transport the modes of mobility.trip in
 * the shape of the bundled opendata/ademe.transport.json. */
enum cmn_rc opendata_emission_parse(const char *json, size_t n, json_t **canon, char *err,
				    size_t errn);

/* opendata_districts_parse - a GeoJSON FeatureCollection of Polygon or
 * MultiPolygon features with properties code and name: a
 * FeatureCollection again, each feature with its bbox. */
enum cmn_rc opendata_districts_parse(const char *json, size_t n, json_t **canon, char *err,
				     size_t errn);

/* opendata_gtfs_parse - a GTFS feed's files (agency.txt, stops.txt,
 * routes.txt required; trips.txt counted; others ignored): agencies,
 * stops (id, name, lat, lon), routes (id, names, route_type, mode). */
enum cmn_rc opendata_gtfs_parse(const struct opendata_file *files, size_t nfiles, json_t **canon,
				char *err, size_t errn);

/* opendata_tariffs_parse - the tariffs JSON of docs/opendata.md. */
enum cmn_rc opendata_tariffs_parse(const char *json, size_t n, json_t **canon, char *err,
				   size_t errn);

/* opendata_weather_parse - daily temperatures, CSV date;tmin;tmax or
 * date;tmean: each day's mean and heating degree-days (base 18 °C). */
enum cmn_rc opendata_weather_parse(const char *csv, size_t n, json_t **canon, char *err,
				   size_t errn);

/* opendata_parse - the parser of kind on files (one file but for gtfs). */
enum cmn_rc opendata_parse(enum opendata_kind kind, const struct opendata_file *files,
			   size_t nfiles, json_t **canon, char *err, size_t errn);

/* ---- loading (opendata.c) --------------------------------------------------------- */

struct opendata_load {
	const char *name;                /* the dataset's name (opendata_name_ok) */
	enum opendata_kind kind;
	const char *source;              /* a URL or words, 1 to OPENDATA_SOURCE_MAX bytes */
	const char *licence;             /* "etalab-2.0", "ODbL-1.0"... */
	const struct opendata_file *files;
	size_t nfiles;
	int64_t now;                     /* when it is loaded (ms) */
};

/* opendata_load - parses the files, then stores the content as the next
 * version of l->name, into *out (release it; may be NULL). A districts
 * dataset replaces the campaigns' districts in the same transaction.
 * CMN_ERR_INVALID with err for a file at fault or a bad name, source or
 * licence; CMN_ERR_CONFLICT when the name holds another kind. */
enum cmn_rc opendata_load(struct store *s, const struct opendata_load *l,
			  struct opendata_version *out, char *err, size_t errn);

/* opendata_version_json - the description of a version (no content). */
json_t *opendata_version_json(const struct opendata_version *v);

/* ---- where a point is (districts.c) ----------------------------------------------- */

struct opendata_index;

/* opendata_index_build - an index of a districts dataset's canonical
 * content: each polygon with its bounding box. NULL on a memory failure or
 * content that is not one. */
struct opendata_index *opendata_index_build(const json_t *canon);

/* opendata_index_at - the feature (its position in the content) whose
 * polygons hold (lon, lat), or -1. Even-odd ray casting over every ring
 * of a polygon, so holes are outside; a point on an edge is inside on the
 * south and west edges of a square and outside on the north and east ones,
 * so a grid of districts sharing edges gives every point one district. */
long opendata_index_at(const struct opendata_index *ix, double lon, double lat);

/* opendata_index_district - the code and name of feature i. */
const struct store_district *opendata_index_district(const struct opendata_index *ix, long i);

/* opendata_index_free - frees *ix and sets it to NULL. */
void opendata_index_free(struct opendata_index **ix);

/* opendata_district_at - the district of the territory (the districts
 * dataset last loaded) holding (lon, lat), into *out. CMN_ERR_NOT_FOUND
 * outside every district or when none was loaded. The index is kept for
 * the process while no other districts dataset is loaded. */
enum cmn_rc opendata_district_at(struct store *s, double lon, double lat,
				 struct store_district *out);

/* opendata_districts_list - the code and name of each feature of a
 * districts content, malloc'd into *out (n of them); CMN_ERR_INVALID when
 * a code is not [A-Za-z0-9_-]{1,16} or a name over 64 bytes. */
enum cmn_rc opendata_districts_list(const json_t *canon, struct store_district **out, size_t *n,
				    char *err, size_t errn);

#endif
