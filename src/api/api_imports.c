/*
 * api_imports.c - importing a holder's export file through the API: the
 * file is the request body (?name=FILE[&format=F]), imported at once, all
 * or nothing; the answer is the import with its counts, or a problem that
 * names the line and column (or the JSON pointer) of the first error.
 */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "import/import.h"

static enum cmn_rc parse_params(struct api_ctx *ctx, char *name, size_t namelen, char *format,
				size_t formatlen)
{
	char q[1024], *p = q;

	name[0] = format[0] = '\0';
	if (ctx->req->query && str_copy(q, sizeof(q), ctx->req->query) != CMN_OK)
		return api_problem(ctx, CMN_ERR_INVALID, "query string too long", NULL);
	if (!ctx->req->query || !*ctx->req->query)
		p = NULL;
	while (p) {
		char *amp = strchr(p, '&'), *eq;
		size_t n;

		if (amp)
			*amp = '\0';
		eq = strchr(p, '=');
		if (!eq)
			goto bad;
		*eq = '\0';
		if (strcmp(p, "name") == 0 && strlen(eq + 1) < namelen) {
			if (str_pct_decode(eq + 1, strlen(eq + 1), name, &n) != CMN_OK ||
			    !str_utf8_valid(name, n))
				goto bad;
		} else if (strcmp(p, "format") == 0 && strlen(eq + 1) < formatlen) {
			str_copy(format, formatlen, eq + 1);
			if (!import_format_named(format))
				return api_problem(ctx, CMN_ERR_INVALID, "unknown import format",
						   json_pack("{s:s}", "parameter", "format"));
		} else {
			goto bad;
		}
		p = amp ? amp + 1 : NULL;
	}
	if (!name[0] || strchr(name, '/'))
		return api_problem(ctx, CMN_ERR_INVALID, "give the file's name in ?name=",
				   json_pack("{s:s}", "parameter", "name"));
	return CMN_OK;
bad:
	return api_problem(ctx, CMN_ERR_INVALID, "use name= and format= only", NULL);
}

static enum cmn_rc answer_import(struct api_ctx *ctx, struct pstore *ps, const char *id,
				 int status)
{
	char *text = NULL;
	enum cmn_rc rc = pstore_import_get(ps, id, &text);

	if (rc == CMN_ERR_NOT_FOUND)
		return api_problem(ctx, rc, "no such import", NULL);
	if (rc == CMN_OK)
		api_json_text(ctx, status, text, strlen(text));
	return rc;
}

/* POST /api/v1/imports?name=FILE[&format=F] with the file as the body. */
static enum cmn_rc create(struct api_ctx *ctx)
{
	char name[256], format[32];
	struct import_job job;
	struct pstore *ps;
	enum cmn_rc rc = parse_params(ctx, name, sizeof(name), format, sizeof(format));

	if (rc != CMN_OK)
		return rc;
	rc = store_person_store(ctx->app->store, ctx->person.id, &ps);
	if (rc != CMN_OK)
		return rc;
	rc = import_buffer(ps, ctx->app->registry, ctx->actor, ctx->req->body ? ctx->req->body : "",
			   ctx->req->body_len, name, format[0] ? format : NULL, &job);
	if (rc == CMN_OK) {
		char loc[80];

		snprintf(loc, sizeof(loc), "/api/v1/imports/%s", job.id);
		http_set_header(ctx->res, "Location", loc);
		rc = answer_import(ctx, ps, job.id, 201);
	} else if (rc == CMN_ERR_INVALID) {
		json_t *extra = json_pack("{s:s, s:s?}", "import", job.id, "format",
					  job.format ? job.format->name : NULL);

		if (job.err.line) {
			json_object_set_new(extra, "line", json_integer((json_int_t)job.err.line));
			json_object_set_new(extra, "column", json_integer((json_int_t)job.err.column));
		}
		if (job.err.pointer[0])
			json_object_set_new(extra, "pointer", json_string(job.err.pointer));
		api_problem(ctx, rc, job.err.message[0] ? job.err.message : "the file was refused",
			    extra);
	}
	import_job_release(&job);
	return rc;
}

static enum cmn_rc add_import(const char *json, void *list)
{
	json_t *o = json_loads(json, 0, NULL);

	return o && json_array_append_new(list, o) == 0 ? CMN_OK : CMN_ERR_NOMEM;
}

/* GET /api/v1/imports */
static enum cmn_rc list(struct api_ctx *ctx)
{
	json_t *items = json_array();
	struct pstore *ps;
	enum cmn_rc rc = store_person_store(ctx->app->store, ctx->person.id, &ps);

	if (rc == CMN_OK)
		rc = pstore_import_each(ps, add_import, items);
	if (rc != CMN_OK) {
		json_decref(items);
		return rc;
	}
	return api_json(ctx, 200, json_pack("{s:o}", "items", items));
}

/* GET /api/v1/imports/{id} */
static enum cmn_rc show(struct api_ctx *ctx)
{
	struct pstore *ps;
	enum cmn_rc rc = store_person_store(ctx->app->store, ctx->person.id, &ps);

	if (rc != CMN_OK)
		return rc;
	return answer_import(ctx, ps, ctx->params[0], 200);
}

/* GET /api/v1/import-formats - public: what can be imported. */
static enum cmn_rc formats(struct api_ctx *ctx)
{
	json_t *items = json_array();

	for (const struct import_format *const *f = import_formats(); *f; f++)
		json_array_append_new(items, json_pack("{s:s, s:s}", "name", (*f)->name, "title",
						       (*f)->title));
	return api_json(ctx, 200, json_pack("{s:o}", "items", items));
}

const struct route api_imports_routes[] = {
	{"GET", "/api/v1/import-formats", formats, AUTH_NONE, NULL, "The formats commune imports"},
	{"POST", "/api/v1/imports", create, AUTH_PERSON, NULL, "Import a file (all or nothing)"},
	{"GET", "/api/v1/imports", list, AUTH_PERSON, NULL, "My imports"},
	{"GET", "/api/v1/imports/{id}", show, AUTH_PERSON, NULL, "One import and its counts"},
	{NULL, NULL, NULL, AUTH_NONE, NULL, NULL},
};
