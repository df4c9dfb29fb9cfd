/*
 * api_opendata.c - the territory's open data (issue 13, docs/opendata.md):
 * /api/v1/opendata.
 *
 * Who does what: anyone, without an account, lists the datasets, reads
 * the latest version of one or any earlier version, and asks which
 * district holds a point; the operator (admin) loads a new version.
 * Services (OAuth tokens) have nothing to do here: the data is public.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/jsonput.h"
#include "core/jsontext.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "opendata/opendata.h"

static enum cmn_rc list_one(const struct opendata_version *v, void *p)
{
	json_t *items = p, *j = opendata_version_json(v);

	json_put(&j, "href", json_sprintf("/api/v1/opendata/%s", v->name));
	return j && json_array_append_new(items, j) == 0 ? CMN_OK : CMN_ERR_NOMEM;
}

/* GET /api/v1/opendata - every dataset, its latest version */
static enum cmn_rc list(struct api_ctx *ctx)
{
	json_t *items = json_array();
	enum cmn_rc rc = items ? store_opendata_each(ctx->app->store, list_one, items)
			       : CMN_ERR_NOMEM;

	if (rc != CMN_OK) {
		json_decref(items);
		return rc;
	}
	return api_json(ctx, 200, json_pack("{s:o}", "items", items));
}

/* answer_version - the version's description with its content, the
 * content's text spliced in as it is stored (no parse) */
static enum cmn_rc answer_version(struct api_ctx *ctx, struct opendata_version *v)
{
	json_t *j = opendata_version_json(v);
	char *head = j ? json_text_dumps(j, API_JSON_FLAGS) : NULL, *text;
	size_t nh = head ? strlen(head) : 0, nc = strlen(v->content);

	json_decref(j);
	if (!head || nh < 2 || !(text = malloc(nh + nc + 16))) {
		free(head);
		opendata_version_release(v);
		return CMN_ERR_NOMEM;
	}
	memcpy(text, head, nh - 1);
	memcpy(text + nh - 1, ",\"content\":", 11);
	memcpy(text + nh + 10, v->content, nc);
	text[nh + 10 + nc] = '}';
	text[nh + 11 + nc] = '\0';
	free(head);
	opendata_version_release(v);
	api_json_text(ctx, 200, text, nh + 11 + nc);
	return CMN_OK;
}

/* GET /api/v1/opendata/{name} - the latest version, with its content */
static enum cmn_rc latest(struct api_ctx *ctx)
{
	struct opendata_version v;
	enum cmn_rc rc = store_opendata_get(ctx->app->store, ctx->params[0], 0, &v);

	if (rc == CMN_ERR_NOT_FOUND)
		return api_problem(ctx, rc, "no such open dataset", NULL);
	return rc == CMN_OK ? answer_version(ctx, &v) : rc;
}

/* GET /api/v1/opendata/{name}/versions/{n} */
static enum cmn_rc version(struct api_ctx *ctx)
{
	struct opendata_version v;
	int64_t n;
	enum cmn_rc rc;

	if (str_to_i64(ctx->params[1], 1, INT64_MAX, &n) != CMN_OK)
		return api_problem(ctx, CMN_ERR_NOT_FOUND, "versions are numbered from 1", NULL);
	rc = store_opendata_get(ctx->app->store, ctx->params[0], n, &v);
	if (rc == CMN_ERR_NOT_FOUND)
		return api_problem(ctx, rc, "no such version of an open dataset", NULL);
	return rc == CMN_OK ? answer_version(ctx, &v) : rc;
}

/* coordinate - the query's lat or lon as degrees within [-limit, limit] */
static bool coordinate(const char *s, double limit, double *out)
{
	return s[0] && str_to_double(s, out) == CMN_OK && *out >= -limit && *out <= limit;
}

/* GET /api/v1/opendata/districts/at?lat=&lon= - the district of a point */
static enum cmn_rc district_at(struct api_ctx *ctx)
{
	char q[512], *cur = q, *name, val[64];
	bool has_lat = false, has_lon = false;
	double lat = 0, lon = 0;
	struct store_district d;
	enum cmn_rc rc;
	int r;

	if (!ctx->req->query || str_copy(q, sizeof(q), ctx->req->query) != CMN_OK)
		return api_problem(ctx, CMN_ERR_INVALID, "lat and lon are expected", NULL);
	while ((r = api_query_next(&cur, &name, val, sizeof(val))) != 0) {
		if (r > 0 && strcmp(name, "lat") == 0 && !has_lat)
			has_lat = coordinate(val, 90, &lat);
		else if (r > 0 && strcmp(name, "lon") == 0 && !has_lon)
			has_lon = coordinate(val, 180, &lon);
		else
			return api_problem(ctx, CMN_ERR_INVALID, "only lat and lon, once each",
					   NULL);
	}
	if (!has_lat || !has_lon)
		return api_problem(ctx, CMN_ERR_INVALID,
				   "lat in [-90, 90] and lon in [-180, 180], decimal degrees", NULL);
	rc = opendata_district_at(ctx->app->store, lon, lat, &d);
	if (rc == CMN_ERR_NOT_FOUND)
		return api_problem(ctx, rc, "the point is in no district of the territory", NULL);
	if (rc != CMN_OK)
		return rc;
	return api_json(ctx, 200, json_pack("{s:s, s:s, s:f, s:f}", "code", d.code, "name", d.name,
					    "lat", lat, "lon", lon));
}

/* body_files - the body's content as the files of a load: a GTFS feed is
 * an object of file names and their text, a CSV a string, JSON either its
 * text as a string or the value itself (written compact) */
static enum cmn_rc body_files(struct api_ctx *ctx, enum opendata_kind kind,
			      struct opendata_file *files, char **owned, size_t *n)
{
	const json_t *content = json_object_get(ctx->body, "content"), *v;
	const char *key;

	*n = 0;
	*owned = NULL;
	if (kind == OPENDATA_GTFS) {
		if (!json_is_object(content) || json_object_size(content) == 0 ||
		    json_object_size(content) > OPENDATA_FILES_MAX)
			return api_problem(ctx, CMN_ERR_INVALID, "/content: an object of 1 to 8"
								 " files (\"stops.txt\": text...)",
					   NULL);
		json_object_foreach((json_t *)content, key, v) {
			if (!json_is_string(v))
				return api_problem(ctx, CMN_ERR_INVALID,
						   "/content: each file's text is a string", NULL);
			files[*n] = (struct opendata_file){key, json_string_value(v),
							   json_string_length(v)};
			(*n)++;
		}
		return CMN_OK;
	}
	if (json_is_string(content)) {
		files[0] = (struct opendata_file){"content", json_string_value(content),
						  json_string_length(content)};
	} else if (kind == OPENDATA_WEATHER) {
		return api_problem(ctx, CMN_ERR_INVALID, "/content: the CSV text, a string", NULL);
	} else {
		if (!(*owned = json_text_dumps(content, JSON_COMPACT | JSON_REAL_PRECISION(17))))
			return CMN_ERR_NOMEM;
		files[0] = (struct opendata_file){"content", *owned, strlen(*owned)};
	}
	*n = 1;
	return CMN_OK;
}

/* POST /api/v1/opendata/{name} {"kind", "source", "licence", "content"} -
 * the operator loads the next version */
static enum cmn_rc load(struct api_ctx *ctx)
{
	struct opendata_file files[OPENDATA_FILES_MAX];
	struct opendata_version v;
	struct opendata_load l;
	char err[OPENDATA_ERR_MAX] = "", *owned = NULL, loc[200];
	enum cmn_rc rc;

	if (!opendata_kind_parse(json_string_value(json_object_get(ctx->body, "kind")), &l.kind))
		return api_problem(ctx, CMN_ERR_INVALID, "/kind: emission_factors, districts, gtfs,"
							 " tariffs or weather", NULL);
	if ((rc = body_files(ctx, l.kind, files, &owned, &l.nfiles)) != CMN_OK) {
		free(owned);
		return rc;
	}
	l.name = ctx->params[0];
	l.source = json_string_value(json_object_get(ctx->body, "source"));
	l.licence = json_string_value(json_object_get(ctx->body, "licence"));
	l.files = files;
	l.now = time_now_ms();
	rc = opendata_load(ctx->app->store, &l, &v, err, sizeof(err));
	free(owned);
	if (rc == CMN_ERR_INVALID || rc == CMN_ERR_CONFLICT)
		return api_problem(ctx, rc, err, NULL);
	if (rc != CMN_OK)
		return rc;
	snprintf(loc, sizeof(loc), "/api/v1/opendata/%s/versions/%lld", v.name,
		 (long long)v.version);
	http_set_header(ctx->res, "Location", loc);
	opendata_version_release(&v);
	return api_json(ctx, 201, opendata_version_json(&v));
}

#define LOAD_SCHEMA                                                                        \
	"{\"type\": \"object\", \"required\": [\"kind\", \"source\", \"licence\", \"content\"]," \
	" \"additionalProperties\": false, \"properties\": {\"kind\": {\"type\": \"string\","  \
	" \"enum\": [\"emission_factors\", \"districts\", \"gtfs\", \"tariffs\", \"weather\"]}," \
	" \"source\": {\"type\": \"string\", \"minLength\": 1, \"maxLength\": 500},"          \
	" \"licence\": {\"type\": \"string\", \"minLength\": 1, \"maxLength\": 64},"          \
	" \"content\": {\"type\": [\"object\", \"array\", \"string\"]}}}"

const struct route api_opendata_routes[] = {
	{"GET", "/api/v1/opendata", list, AUTH_NONE, NULL,
	 "The territory's open datasets, each at its latest version (public)", GRANT_ROUTE_NONE},
	{"GET", "/api/v1/opendata/districts/at", district_at, AUTH_NONE, NULL,
	 "The district of the territory holding a point (?lat=&lon=, public)", GRANT_ROUTE_NONE},
	{"GET", "/api/v1/opendata/{name}", latest, AUTH_NONE, NULL,
	 "The latest version of an open dataset, with its content (public)", GRANT_ROUTE_NONE},
	{"POST", "/api/v1/opendata/{name}", load, AUTH_ADMIN, LOAD_SCHEMA,
	 "Load the next version of an open dataset (the operator)", GRANT_ROUTE_NONE},
	{"GET", "/api/v1/opendata/{name}/versions/{n}", version, AUTH_NONE, NULL,
	 "One version of an open dataset, with its content (public)", GRANT_ROUTE_NONE},
	{NULL, NULL, NULL, AUTH_NONE, NULL, NULL, GRANT_ROUTE_NONE},
};
