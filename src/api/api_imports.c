/*
 * api_imports.c - importing holders' export files through the API.
 *
 * Two ways in, each file all or nothing:
 *  - the file as the request body (?name=FILE[&format=F], at most the body
 *    cap), imported at once: the answer is the import with its counts, or
 *    a problem that names the line and column (or the JSON pointer) of the
 *    first error;
 *  - a multipart/form-data upload of one or more files (streamed to disk by
 *    api_upload.c, at most the upload cap): the answer is an import job
 *    (import/jobs.h), run in the background, whose files show their
 *    progress, then their counts or their error.
 * Reading: a job id gives the job, an import id the import (each finished
 * file of a job names its import id).
 */
#include "api/api.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api_upload.h"
#include "apps/app.h"
#include "core/jsonput.h"
#include "core/jsonparse.h"
#include "core/str.h"
#include "http/multipart.h"
#include "import/import.h"
#include "import/jobs.h"

#define RETRY_AFTER_QUEUE_S "5"           /* Retry-After when the job queue is full */

static enum cmn_rc parse_params(struct api_ctx *ctx, char *name, size_t namelen, char *format,
				size_t formatlen)
{
	char q[1024], *cur = q, *key, val[1024];
	int r;

	name[0] = format[0] = '\0';
	if (!ctx->req->query)
		cur = NULL;
	else if (str_copy(q, sizeof(q), ctx->req->query) != CMN_OK)
		return api_problem(ctx, CMN_ERR_INVALID, "query string too long", NULL);
	while ((r = api_query_next(&cur, &key, val, sizeof(val))) != 0) {
		if (r > 0 && strcmp(key, "format") == 0 && str_copy(format, formatlen, val) == CMN_OK) {
			if (!import_format_named(format))
				return api_problem(ctx, CMN_ERR_INVALID, "unknown import format",
						   json_pack("{s:s}", "parameter", "format"));
		} else if (!(r > 0 && strcmp(key, "name") == 0 &&
			     str_copy(name, namelen, val) == CMN_OK)) {
			return api_problem(ctx, CMN_ERR_INVALID, "use name= and format= only", NULL);
		}
	}
	if (!name[0] || strchr(name, '/'))
		return api_problem(ctx, CMN_ERR_INVALID, "give the file's name in ?name=",
				   json_pack("{s:s}", "parameter", "name"));
	return CMN_OK;
}

/* only_by - under a mandate, the mediator sees the imports made under it
 * and no other: the person's import history is the person's data. */
static const char *only_by(const struct api_ctx *ctx)
{
	return ctx->via_grant && ctx->grant.mandate ? ctx->actor : NULL;
}

static enum cmn_rc answer_import(struct api_ctx *ctx, struct pstore *ps, const char *id,
				 int status)
{
	char *text = NULL;
	enum cmn_rc rc = pstore_import_get(ps, id, only_by(ctx), &text);

	if (rc == CMN_ERR_NOT_FOUND)
		return api_problem(ctx, rc, "no such import", NULL);
	if (rc == CMN_OK)
		api_json_text(ctx, status, text, strlen(text));
	return rc;
}

/* prefer_wait - the seconds of a `Prefer: wait=N` header (RFC 7240),
 * capped; 0 without one. */
static unsigned prefer_wait(const struct api_ctx *ctx)
{
	const char *h = http_header(ctx->req, "Prefer"), *p = h;
	unsigned long n = 0;

	for (; p && *p; p++) {
		if ((p == h || p[-1] == ',' || p[-1] == ' ' || p[-1] == ';') &&
		    strncasecmp(p, "wait=", 5) == 0 && isdigit((unsigned char)p[5])) {
			n = 0;
			for (p += 5; isdigit((unsigned char)*p) && n < 1000; p++)
				n = n * 10 + (unsigned long)(*p - '0');
			break;
		}
	}
	return n > IMPORT_JOB_WAIT_MAX_S ? IMPORT_JOB_WAIT_MAX_S : (unsigned)n;
}

/*
 * create_job - POST /api/v1/imports with a multipart/form-data body, whose
 * files are already spooled: checks the form, queues the job and answers
 * 202 with it (201 when it finished within a `Prefer: wait`).
 */
static enum cmn_rc create_job(struct api_ctx *ctx, struct upload *u)
{
	struct api_upload_form form;
	const char *detail, *parameter;
	char id[CRYPT_ID_LEN], loc[80];
	bool finished = false;
	unsigned wait;
	json_t *job;
	enum cmn_rc rc = api_upload_finish(u, &form, &detail, &parameter);

	if (rc == CMN_ERR_INVALID)
		return api_problem(ctx, rc, detail,
				   parameter ? json_pack("{s:s}", "parameter", parameter) : NULL);
	if (rc != CMN_OK)
		return rc;
	if (ctx->req->query && *ctx->req->query)
		return api_problem(ctx, CMN_ERR_INVALID,
				   "a multipart upload takes no query parameters: send format as a "
				   "form field", NULL);
	if (form.format && !import_format_named(form.format))
		return api_problem(ctx, CMN_ERR_INVALID, "unknown import format",
				   json_pack("{s:s}", "parameter", "format"));
	rc = import_jobs_submit(ctx->app->jobs, ctx->person.id, ctx->actor, form.format, form.files,
				form.nfiles, id);
	if (rc == CMN_ERR_BUSY) {
		http_set_header(ctx->res, "Retry-After", RETRY_AFTER_QUEUE_S);
		return api_problem(ctx, rc, "the import queue is full: try again later", NULL);
	}
	if (rc != CMN_OK)
		return rc;
	api_upload_taken(u);
	wait = prefer_wait(ctx);
	if (wait)
		finished = import_jobs_wait(ctx->app->jobs, id, wait * 1000);
	import_jobs_get(ctx->app->jobs, ctx->person.id, NULL, id, &job);
	snprintf(loc, sizeof(loc), "/api/v1/imports/%s", id);
	http_set_header(ctx->res, "Location", loc);
	/* the job is queued (or done): without its view, its id at least, for
	 * a client told of a failure would upload the files again */
	return api_done(ctx, api_json(ctx, finished ? 201 : 202, job), finished ? 201 : 202,
			"{\"id\":\"%s\"}", id);
}

/* POST /api/v1/imports?name=FILE[&format=F] with the file as the body, or
 * a multipart upload (create_job). */
static enum cmn_rc create(struct api_ctx *ctx)
{
	char name[256], format[32];
	struct import_job job;
	struct pstore *ps;
	enum cmn_rc rc;

	if (ctx->req->upload)
		return create_job(ctx, ctx->req->upload);
	if (multipart_is_form(http_header(ctx->req, "Content-Type")))
		return api_problem(ctx, CMN_ERR_UNSUPPORTED,
				   "this server takes no multipart uploads: send the file as the body",
				   NULL);
	rc = parse_params(ctx, name, sizeof(name), format, sizeof(format));

	if (rc != CMN_OK)
		return rc;
	rc = store_person_store(ctx->app->store, ctx->person.id, &ps);
	if (rc != CMN_OK)
		return rc;
	rc = import_buffer(ps, ctx->app->registry, ctx->actor, ctx->req->body ? ctx->req->body : "",
			   ctx->req->body_len, name, format[0] ? format : NULL, &job);
	if (rc == CMN_OK) {
		struct app_env env = {ctx->app->store, ctx->app->keys, ctx->app->registry,
				      ctx->app->apps_certified_only};
		char loc[80];

		/* the person's apps that this new data wakes run now */
		app_after_import(&env, ps, job.written, job.nwritten);
		snprintf(loc, sizeof(loc), "/api/v1/imports/%s", job.id);
		http_set_header(ctx->res, "Location", loc);
		/* done: when its row cannot be read back, what the job knows */
		if (answer_import(ctx, ps, job.id, 201) != CMN_OK) {
			const struct import_stats *s = &job.stats;

			rc = api_done(
			    ctx,
			    api_json(ctx, 201,
				     json_pack("{s:s, s:s?, s:s, s:s, s:o}", "id", job.id, "format",
					       job.format ? job.format->name : NULL, "name", name,
					       "status", "done", "stats", import_stats_json(&job))),
			    201,
			    "{\"id\":\"%s\",\"status\":\"done\",\"stats\":{\"records_created\":%llu,"
			    "\"records_duplicate\":%llu,\"series_created\":%llu,\"points_added\":%llu,"
			    "\"points_replaced\":%llu,\"points_unchanged\":%llu,\"points_kept\":%llu,"
			    "\"warnings\":%llu}}",
			    job.id, (unsigned long long)s->records_created,
			    (unsigned long long)s->records_duplicate,
			    (unsigned long long)s->series_created, (unsigned long long)s->points_added,
			    (unsigned long long)s->points_replaced,
			    (unsigned long long)s->points_unchanged, (unsigned long long)s->points_kept,
			    (unsigned long long)s->warnings);
		}
	} else if (rc == CMN_ERR_INVALID) {
		json_t *extra = json_pack("{s:s, s:s?}", "import", job.id, "format",
					  job.format ? job.format->name : NULL);

		/* a refusal without where would send the person looking: whole,
		 * or out of memory (json_put) */
		if (job.err.line) {
			json_put(&extra, "line", json_integer((json_int_t)job.err.line));
			json_put(&extra, "column", json_integer((json_int_t)job.err.column));
		}
		if (job.err.pointer[0])
			json_put(&extra, "pointer", json_string(job.err.pointer));
		if (!extra)
			rc = CMN_ERR_NOMEM;
		else
			api_problem(ctx, rc,
				    job.err.message[0] ? job.err.message : "the file was refused",
				    extra);
	}
	import_job_release(&job);
	return rc;
}

static enum cmn_rc add_import(const char *json, void *list)
{
	json_t *o = json_parse_str(json);

	return o && json_array_append_new(list, o) == 0 ? CMN_OK : CMN_ERR_NOMEM;
}

/* GET /api/v1/imports: the jobs the server remembers, and every import. */
static enum cmn_rc list(struct api_ctx *ctx)
{
	json_t *items = json_array();
	json_t *jobs = ctx->app->jobs ? import_jobs_list(ctx->app->jobs, ctx->person.id, only_by(ctx))
				      : json_array();
	struct pstore *ps;
	enum cmn_rc rc = items && jobs ? store_person_store(ctx->app->store, ctx->person.id, &ps)
				       : CMN_ERR_NOMEM;

	if (rc == CMN_OK)
		rc = pstore_import_each(ps, only_by(ctx), add_import, items);
	if (rc != CMN_OK) {
		json_decref(items);
		json_decref(jobs);
		return rc;
	}
	return api_json(ctx, 200, json_pack("{s:o, s:o}", "jobs", jobs, "items", items));
}

/* GET /api/v1/imports/{id}: a job of the caller, else one of their
 * imports. With `Prefer: wait=N`, a job of theirs not finished yet is
 * waited for (N seconds at most) before it is shown. */
static enum cmn_rc show(struct api_ctx *ctx)
{
	struct pstore *ps;
	json_t *job = NULL;
	unsigned wait = prefer_wait(ctx);
	enum cmn_rc rc = ctx->app->jobs ? import_jobs_get(ctx->app->jobs, ctx->person.id,
							  only_by(ctx), ctx->params[0], &job)
					: CMN_ERR_NOT_FOUND;

	if (rc == CMN_OK && wait) {
		const char *status = json_string_value(json_object_get(job, "status"));

		if (status && (strcmp(status, "queued") == 0 || strcmp(status, "running") == 0)) {
			json_decref(job);
			job = NULL;
			(void)import_jobs_wait(ctx->app->jobs, ctx->params[0], wait * 1000);
			rc = import_jobs_get(ctx->app->jobs, ctx->person.id, only_by(ctx),
					     ctx->params[0], &job);
		}
	}
	if (rc == CMN_OK)
		return api_json(ctx, 200, job);
	if (rc != CMN_ERR_NOT_FOUND) /* a job that cannot be shown is no import */
		return rc;
	rc = store_person_store(ctx->app->store, ctx->person.id, &ps);
	if (rc != CMN_OK)
		return rc;
	return answer_import(ctx, ps, ctx->params[0], 200);
}

/* GET /api/v1/import-formats - public: what can be imported. */
static enum cmn_rc formats(struct api_ctx *ctx)
{
	json_t *items = json_array();

	for (const struct import_format *const *f = import_formats(); items && *f; f++)
		json_push(&items,
			  json_pack("{s:s, s:s}", "name", (*f)->name, "title", (*f)->title));
	return api_json(ctx, 200, json_pack("{s:o}", "items", items));
}

const struct route api_imports_routes[] = {
	{"GET", "/api/v1/import-formats", formats, AUTH_NONE, NULL, "The formats commune imports", GRANT_ROUTE_NONE},
	{"POST", "/api/v1/imports", create, AUTH_PERSON, NULL,
	 "Import a file, or upload files to an import job (each all or nothing)", GRANT_ROUTE_IMPORT},
	{"GET", "/api/v1/imports", list, AUTH_PERSON, NULL, "My import jobs and imports", GRANT_ROUTE_IMPORT},
	{"GET", "/api/v1/imports/{id}", show, AUTH_PERSON, NULL,
	 "One import job and its progress, or one import and its counts", GRANT_ROUTE_IMPORT},
	{NULL, NULL, NULL, AUTH_NONE, NULL, NULL, GRANT_ROUTE_NONE},
};
