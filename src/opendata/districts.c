/*
 * districts.c - the districts of the territory (opendata.h): a GeoJSON
 * FeatureCollection of Polygon and MultiPolygon features checked by JSON
 * pointer, its canonical form (each feature with its bounding box), and
 * the index that says which district holds a point: per-polygon bounding
 * boxes, then even-odd ray casting over all the rings of a polygon, so a
 * hole (an inner ring) is outside.
 */
#include "opendata/opendata_int.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonparse.h"
#include "core/str.h"

#define OPENDATA_POINTS_MAX 2000000      /* positions of a districts dataset */

/* ---- the check ----------------------------------------------------------------------- */

struct dcheck {
	char *err;
	size_t errn;
	size_t points;                   /* positions so far */
	double bbox[4];                  /* of the feature: west, south, east, north */
};

/* position - [lon, lat] or [lon, lat, alt]: its first two numbers in out */
static enum cmn_rc position(struct dcheck *c, const char *ptr, const json_t *v, double out[2])
{
	if (!json_is_array(v) || json_array_size(v) < 2 || json_array_size(v) > 3)
		return od_fault(c->err, c->errn, ptr, "a position, [longitude, latitude]");
	for (size_t i = 0; i < json_array_size(v); i++) {
		if (!json_is_number(json_array_get(v, i))) {
			char p[160];

			od_ptr(p, sizeof(p), "%s/%zu", ptr, i);
			return od_fault(c->err, c->errn, p, "a number");
		}
	}
	out[0] = json_number_value(json_array_get(v, 0));
	out[1] = json_number_value(json_array_get(v, 1));
	if (!(out[0] >= -180 && out[0] <= 180) || !(out[1] >= -90 && out[1] <= 90))
		return od_fault(c->err, c->errn, ptr,
				"longitude in [-180, 180] and latitude in [-90, 90]");
	return CMN_OK;
}

/* ring - a closed linear ring of at least 4 positions; its canonical form
 * (two numbers a position) into *out */
static enum cmn_rc ring(struct dcheck *c, const char *ptr, const json_t *v, json_t **out)
{
	size_t n = json_array_size(v);
	double first[2] = {0, 0}, last[2] = {0, 0};
	enum cmn_rc rc = CMN_OK;
	json_t *r;

	*out = NULL;
	if (!json_is_array(v) || n < 4 || n > OPENDATA_RING_MAX)
		return od_fault(c->err, c->errn, ptr, "a linear ring of 4 to %d positions",
				OPENDATA_RING_MAX);
	if ((c->points += n) > OPENDATA_POINTS_MAX)
		return od_fault(c->err, c->errn, ptr, "more than %d positions in the dataset",
				OPENDATA_POINTS_MAX);
	if (!(r = json_array()))
		return CMN_ERR_NOMEM;
	for (size_t i = 0; rc == CMN_OK && i < n; i++) {
		char p[160];
		double xy[2];

		od_ptr(p, sizeof(p), "%s/%zu", ptr, i);
		if ((rc = position(c, p, json_array_get(v, i), xy)) != CMN_OK)
			break;
		if (i == 0)
			memcpy(first, xy, sizeof(first));
		memcpy(last, xy, sizeof(last));
		if (xy[0] < c->bbox[0])
			c->bbox[0] = xy[0];
		if (xy[1] < c->bbox[1])
			c->bbox[1] = xy[1];
		if (xy[0] > c->bbox[2])
			c->bbox[2] = xy[0];
		if (xy[1] > c->bbox[3])
			c->bbox[3] = xy[1];
		if (json_array_append_new(r, json_pack("[f, f]", xy[0], xy[1])) != 0)
			rc = CMN_ERR_NOMEM;
	}
	if (rc == CMN_OK && (first[0] != last[0] || first[1] != last[1])) {
		char p[160];

		od_ptr(p, sizeof(p), "%s/%zu", ptr, n - 1);
		rc = od_fault(c->err, c->errn, p, "a ring ends where it begins");
	}
	if (rc != CMN_OK)
		json_decref(r);
	else
		*out = r;
	return rc;
}

/* polygon - an array of 1 or more rings (the outer one, then holes) */
static enum cmn_rc polygon(struct dcheck *c, const char *ptr, const json_t *v, json_t **out)
{
	enum cmn_rc rc = CMN_OK;
	json_t *poly;

	*out = NULL;
	if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > 1000)
		return od_fault(c->err, c->errn, ptr, "a polygon: an array of 1 to 1000 rings");
	if (!(poly = json_array()))
		return CMN_ERR_NOMEM;
	for (size_t i = 0; rc == CMN_OK && i < json_array_size(v); i++) {
		char p[160];
		json_t *r;

		od_ptr(p, sizeof(p), "%s/%zu", ptr, i);
		if ((rc = ring(c, p, json_array_get(v, i), &r)) == CMN_OK &&
		    json_array_append_new(poly, r) != 0)
			rc = CMN_ERR_NOMEM;
	}
	if (rc != CMN_OK)
		json_decref(poly);
	else
		*out = poly;
	return rc;
}

static enum cmn_rc geometry(struct dcheck *c, const char *ptr, const json_t *g, json_t **out)
{
	const char *type = json_string_value(json_object_get(g, "type"));
	const json_t *coords = json_object_get(g, "coordinates");
	char p[160];
	enum cmn_rc rc = CMN_OK;
	json_t *canon = NULL;

	*out = NULL;
	if (!json_is_object(g))
		return od_fault(c->err, c->errn, ptr, "a geometry object");
	od_ptr(p, sizeof(p), "%s/type", ptr);
	if (!type || (strcmp(type, "Polygon") != 0 && strcmp(type, "MultiPolygon") != 0))
		return od_fault(c->err, c->errn, p, "Polygon or MultiPolygon");
	od_ptr(p, sizeof(p), "%s/coordinates", ptr);
	if (strcmp(type, "Polygon") == 0) {
		rc = polygon(c, p, coords, &canon);
	} else if (!json_is_array(coords) || json_array_size(coords) == 0 ||
		   json_array_size(coords) > 1000) {
		return od_fault(c->err, c->errn, p, "an array of 1 to 1000 polygons");
	} else if (!(canon = json_array())) {
		return CMN_ERR_NOMEM;
	} else {
		for (size_t i = 0; rc == CMN_OK && i < json_array_size(coords); i++) {
			char q[180];
			json_t *poly;

			od_ptr(q, sizeof(q), "%s/%zu", p, i);
			if ((rc = polygon(c, q, json_array_get(coords, i), &poly)) == CMN_OK &&
			    json_array_append_new(canon, poly) != 0)
				rc = CMN_ERR_NOMEM;
		}
	}
	if (rc != CMN_OK) {
		json_decref(canon);
		return rc;
	}
	*out = json_pack("{s:s, s:o}", "type", type, "coordinates", canon);
	return *out ? CMN_OK : CMN_ERR_NOMEM;
}

static bool code_ok(const char *code)
{
	size_t n = strlen(code);

	if (n == 0 || n > STORE_DISTRICT_CODE_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)code[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
			return false;
	}
	return true;
}

static enum cmn_rc properties(struct dcheck *c, const char *ptr, const json_t *props,
			      const json_t *features, size_t i)
{
	const char *code = json_string_value(json_object_get(props, "code"));
	const char *name = json_string_value(json_object_get(props, "name"));
	char p[160];

	if (!json_is_object(props))
		return od_fault(c->err, c->errn, ptr, "an object with code and name");
	od_ptr(p, sizeof(p), "%s/code", ptr);
	if (!code || !code_ok(code))
		return od_fault(c->err, c->errn, p, "1 to %d letters, digits, '_' or '-'",
				STORE_DISTRICT_CODE_MAX);
	for (size_t j = 0; j < i; j++) {
		const json_t *other = json_object_get(json_array_get(features, j), "properties");

		if (strcmp(code, json_string_value(json_object_get(other, "code"))) == 0)
			return od_fault(c->err, c->errn, p, "\"%s\" is the code of /features/%zu too",
					code, j);
	}
	od_ptr(p, sizeof(p), "%s/name", ptr);
	if (!name || !name[0] || strlen(name) > STORE_DISTRICT_NAME_MAX)
		return od_fault(c->err, c->errn, p, "a string of 1 to %d bytes",
				STORE_DISTRICT_NAME_MAX);
	return CMN_OK;
}

static enum cmn_rc feature(struct dcheck *c, const json_t *features, size_t i, json_t *out)
{
	const json_t *f = json_array_get(features, i);
	const char *type = json_string_value(json_object_get(f, "type"));
	char p[64], q[96];
	json_t *geom = NULL, *canon;
	enum cmn_rc rc;

	od_ptr(p, sizeof(p), "/features/%zu", i);
	if (!json_is_object(f))
		return od_fault(c->err, c->errn, p, "a Feature object");
	od_ptr(q, sizeof(q), "%s/type", p);
	if (!type || strcmp(type, "Feature") != 0)
		return od_fault(c->err, c->errn, q, "\"Feature\"");
	od_ptr(q, sizeof(q), "%s/properties", p);
	if ((rc = properties(c, q, json_object_get(f, "properties"), features, i)) != CMN_OK)
		return rc;
	c->bbox[0] = c->bbox[1] = INFINITY;
	c->bbox[2] = c->bbox[3] = -INFINITY;
	od_ptr(q, sizeof(q), "%s/geometry", p);
	if ((rc = geometry(c, q, json_object_get(f, "geometry"), &geom)) != CMN_OK)
		return rc;
	canon = json_pack("{s:s, s:[f, f, f, f], s:O, s:o}", "type", "Feature", "bbox",
			  c->bbox[0], c->bbox[1], c->bbox[2], c->bbox[3], "properties",
			  json_object_get(f, "properties"), "geometry", geom);
	return canon && json_array_append_new(out, canon) == 0 ? CMN_OK : CMN_ERR_NOMEM;
}

enum cmn_rc opendata_districts_parse(const char *json, size_t n, json_t **canon, char *err,
				     size_t errn)
{
	struct dcheck c = {err, errn, 0, {0, 0, 0, 0}};
	const json_t *features;
	json_t *root, *out = NULL;
	enum cmn_rc rc = od_json(json, n, &root, err, errn);

	*canon = NULL;
	if (rc != CMN_OK)
		return rc;
	features = json_object_get(root, "features");
	if (!json_is_object(root))
		rc = od_fault(err, errn, "/", "a GeoJSON FeatureCollection");
	else if (!json_is_string(json_object_get(root, "type")) ||
		 strcmp(json_string_value(json_object_get(root, "type")), "FeatureCollection") != 0)
		rc = od_fault(err, errn, "/type", "\"FeatureCollection\"");
	else if (!json_is_array(features) || json_array_size(features) == 0 ||
		 json_array_size(features) > STORE_DISTRICTS_MAX)
		rc = od_fault(err, errn, "/features", "an array of 1 to %d features",
			      STORE_DISTRICTS_MAX);
	else if (!(out = json_array()))
		rc = CMN_ERR_NOMEM;
	for (size_t i = 0; rc == CMN_OK && i < json_array_size(features); i++)
		rc = feature(&c, features, i, out);
	if (rc == CMN_OK &&
	    !(*canon = json_pack("{s:s, s:O}", "type", "FeatureCollection", "features", out)))
		rc = CMN_ERR_NOMEM;
	json_decref(out);
	json_decref(root);
	return rc;
}

enum cmn_rc opendata_districts_list(const json_t *canon, struct store_district **out, size_t *n,
				    char *err, size_t errn)
{
	const json_t *features = json_object_get(canon, "features"), *f;
	size_t i;

	*out = NULL;
	*n = 0;
	if (!json_is_array(features) || json_array_size(features) > STORE_DISTRICTS_MAX)
		return od_fault(err, errn, "/features", "an array of at most %d features",
				STORE_DISTRICTS_MAX);
	if (!(*out = calloc(json_array_size(features) + 1, sizeof(**out))))
		return CMN_ERR_NOMEM;
	json_array_foreach(features, i, f) {
		const json_t *props = json_object_get(f, "properties");
		const char *code = json_string_value(json_object_get(props, "code"));
		const char *name = json_string_value(json_object_get(props, "name"));

		if (!code || !code_ok(code) || !name || strlen(name) > STORE_DISTRICT_NAME_MAX) {
			free(*out);
			*out = NULL;
			return od_fault(err, errn, "/features", "feature %zu: no code or name", i);
		}
		str_copy((*out)[i].code, sizeof((*out)[i].code), code);
		str_copy((*out)[i].name, sizeof((*out)[i].name), name);
	}
	*n = json_array_size(features);
	return CMN_OK;
}

/* ---- the index ------------------------------------------------------------------------ */

struct ix_polygon {
	double box[4];                   /* west, south, east, north */
	size_t first, count;             /* its rings in the index's ring table */
	long feature;
};

struct ix_ring {
	size_t first, count;             /* its positions in the index's xy table */
};

struct opendata_index {
	struct store_district *districts; /* per feature */
	size_t nfeatures;
	struct ix_polygon *polys;
	size_t npolys;
	struct ix_ring *rings;
	size_t nrings;
	double *xy;                      /* lon, lat, lon, lat... */
	size_t npoints;
};

/* count - the polygons, rings and positions of a canonical geometry */
static void count(const json_t *geom, size_t *polys, size_t *rings, size_t *points)
{
	bool multi = strcmp(json_string_value(json_object_get(geom, "type")), "MultiPolygon") == 0;
	const json_t *coords = json_object_get(geom, "coordinates");
	size_t np = multi ? json_array_size(coords) : 1;

	for (size_t p = 0; p < np; p++) {
		const json_t *poly = multi ? json_array_get(coords, p) : coords;

		(*polys)++;
		for (size_t r = 0; r < json_array_size(poly); r++) {
			(*rings)++;
			*points += json_array_size(json_array_get(poly, r));
		}
	}
}

static void add_polygon(struct opendata_index *ix, long feature, const json_t *poly)
{
	struct ix_polygon *p = &ix->polys[ix->npolys++];

	p->feature = feature;
	p->first = ix->nrings;
	p->count = json_array_size(poly);
	p->box[0] = p->box[1] = INFINITY;
	p->box[2] = p->box[3] = -INFINITY;
	for (size_t r = 0; r < p->count; r++) {
		const json_t *ring = json_array_get(poly, r);
		struct ix_ring *g = &ix->rings[ix->nrings++];

		g->first = ix->npoints;
		g->count = json_array_size(ring);
		for (size_t i = 0; i < g->count; i++) {
			const json_t *pos = json_array_get(ring, i);
			double x = json_number_value(json_array_get(pos, 0));
			double y = json_number_value(json_array_get(pos, 1));

			ix->xy[2 * ix->npoints] = x;
			ix->xy[2 * ix->npoints + 1] = y;
			ix->npoints++;
			p->box[0] = x < p->box[0] ? x : p->box[0];
			p->box[1] = y < p->box[1] ? y : p->box[1];
			p->box[2] = x > p->box[2] ? x : p->box[2];
			p->box[3] = y > p->box[3] ? y : p->box[3];
		}
	}
}

struct opendata_index *opendata_index_build(const json_t *canon)
{
	const json_t *features = json_object_get(canon, "features"), *f;
	struct opendata_index *ix = calloc(1, sizeof(*ix));
	size_t polys = 0, rings = 0, points = 0, i, n;
	char err[OPENDATA_ERR_MAX];

	if (!ix || opendata_districts_list(canon, &ix->districts, &n, err, sizeof(err)) != CMN_OK) {
		free(ix);
		return NULL;
	}
	ix->nfeatures = n;
	json_array_foreach(features, i, f) {
		const json_t *geom = json_object_get(f, "geometry");

		if (!json_is_string(json_object_get(geom, "type"))) {
			opendata_index_free(&ix);
			return NULL;
		}
		count(geom, &polys, &rings, &points);
	}
	ix->polys = calloc(polys + 1, sizeof(*ix->polys));
	ix->rings = calloc(rings + 1, sizeof(*ix->rings));
	ix->xy = calloc(2 * points + 1, sizeof(*ix->xy));
	if (!ix->polys || !ix->rings || !ix->xy) {
		opendata_index_free(&ix);
		return NULL;
	}
	json_array_foreach(features, i, f) {
		const json_t *geom = json_object_get(f, "geometry");
		const json_t *coords = json_object_get(geom, "coordinates");

		if (strcmp(json_string_value(json_object_get(geom, "type")), "MultiPolygon") == 0)
			for (size_t p = 0; p < json_array_size(coords); p++)
				add_polygon(ix, (long)i, json_array_get(coords, p));
		else
			add_polygon(ix, (long)i, coords);
	}
	return ix;
}

/* inside - even-odd rule over every ring of p: a horizontal ray from the
 * point towards the east crosses the edges an odd number of times. An edge
 * counts when one end is above the point and the other is not (so a
 * vertex is counted once, and a horizontal edge never). */
static bool inside(const struct opendata_index *ix, const struct ix_polygon *p, double x,
		   double y)
{
	bool in = false;

	for (size_t r = p->first; r < p->first + p->count; r++) {
		const double *v = ix->xy + 2 * ix->rings[r].first;
		size_t n = ix->rings[r].count;

		for (size_t i = 0, j = n - 1; i < n; j = i++) {
			double xi = v[2 * i], yi = v[2 * i + 1], xj = v[2 * j], yj = v[2 * j + 1];

			if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi)
				in = !in;
		}
	}
	return in;
}

long opendata_index_at(const struct opendata_index *ix, double lon, double lat)
{
	if (!ix || !isfinite(lon) || !isfinite(lat))
		return -1;
	for (size_t i = 0; i < ix->npolys; i++) {
		const struct ix_polygon *p = &ix->polys[i];

		if (lon < p->box[0] || lon > p->box[2] || lat < p->box[1] || lat > p->box[3])
			continue;
		if (inside(ix, p, lon, lat))
			return p->feature;
	}
	return -1;
}

const struct store_district *opendata_index_district(const struct opendata_index *ix, long i)
{
	return ix && i >= 0 && (size_t)i < ix->nfeatures ? &ix->districts[i] : NULL;
}

void opendata_index_free(struct opendata_index **ix)
{
	if (!*ix)
		return;
	free((*ix)->districts);
	free((*ix)->polys);
	free((*ix)->rings);
	free((*ix)->xy);
	free(*ix);
	*ix = NULL;
}

/* ---- the territory's districts, indexed once per load ---------------------------------- */

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct opendata_index *cached;
static char cached_key[160];             /* id, sha256 and time of the version indexed */

enum cmn_rc opendata_district_at(struct store *s, double lon, double lat,
				 struct store_district *out)
{
	struct opendata_version v;
	char key[160];
	long at;
	enum cmn_rc rc = store_opendata_latest_kind(s, "districts", false, &v);

	if (rc != CMN_OK)
		return rc;
	snprintf(key, sizeof(key), "%lld/%s/%lld", (long long)v.id, v.sha256, (long long)v.loaded);
	pthread_mutex_lock(&cache_lock);
	if (!cached || strcmp(key, cached_key) != 0) {
		char name[OPENDATA_NAME_MAX + 1];
		json_t *canon = NULL;

		opendata_index_free(&cached);
		cached_key[0] = '\0';
		str_copy(name, sizeof(name), v.name);
		rc = store_opendata_get(s, name, v.version, &v);
		if (rc == CMN_OK && !(canon = json_parse_str(v.content)))
			rc = CMN_ERR_CORRUPT;
		if (rc == CMN_OK && !(cached = opendata_index_build(canon)))
			rc = CMN_ERR_NOMEM;
		if (rc == CMN_OK)
			str_copy(cached_key, sizeof(cached_key), key);
		json_decref(canon);
		opendata_version_release(&v);
	}
	at = rc == CMN_OK ? opendata_index_at(cached, lon, lat) : -1;
	if (rc == CMN_OK && at < 0)
		rc = CMN_ERR_NOT_FOUND;
	if (rc == CMN_OK)
		*out = *opendata_index_district(cached, at);
	pthread_mutex_unlock(&cache_lock);
	return rc;
}
