/*
 * api_upload.c - a multipart upload to POST /api/v1/imports, streamed to
 * spool files (api_upload.h).
 *
 * The server asks api_upload_stream once the request's headers are in;
 * from then on every piece of the body goes through the multipart parser
 * into the current part's spool file, so memory stays constant whatever
 * the upload's size. The first error in the form (a malformed body, a
 * field that has no business here) is kept, the files written so far are
 * removed at once, and the rest of the body is read and dropped: the
 * handler answers it with its detail once the request has been
 * authenticated. Errors of the server itself (no space, the spool's cap)
 * end the upload through the server instead.
 */
#include "api/api_upload.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "core/fsutil.h"
#include "core/str.h"
#include "http/multipart.h"

#define FORMAT_MAX 64                     /* bytes of the format field */

enum part_kind { PART_NONE, PART_FILE, PART_FORMAT };

struct upload {
	struct import_jobs *jobs;
	struct multipart mp;
	enum cmn_rc rc;                   /* CMN_OK, or why the upload was refused */
	char detail[240];                 /* for the problem, when rc is CMN_ERR_INVALID */
	char parameter[MULTIPART_NAME_MAX]; /* the form field at fault, or "" */
	struct import_upload_file files[IMPORT_JOB_FILES_MAX];
	size_t nfiles;                    /* files begun (the last one may be open) */
	int fd;                           /* the spool file being written, or -1 */
	enum part_kind part;              /* what the current part is */
	char format[FORMAT_MAX + 1];
	size_t format_len;
	bool has_format;
	bool taken;                       /* the files are a job's */
};

/* refuse - the form is wrong: keeps the first reason. */
static enum cmn_rc refuse(struct upload *u, const char *parameter, const char *detail)
{
	if (u->rc == CMN_OK) {
		u->rc = CMN_ERR_INVALID;
		str_copy(u->detail, sizeof(u->detail), detail);
		str_copy(u->parameter, sizeof(u->parameter), parameter ? parameter : "");
	}
	return CMN_ERR_INVALID;
}

/* unspool - closes and removes the spool files, unless a job has them. */
static void unspool(struct upload *u)
{
	if (u->fd >= 0)
		close(u->fd);
	u->fd = -1;
	if (!u->taken)
		for (size_t i = 0; i < u->nfiles; i++)
			import_jobs_spool_remove(u->jobs, u->files[i].path, u->files[i].bytes);
	u->nfiles = 0;
}

/* base_name - the last component of a file name as a browser or a script
 * may send it (some send a path, with either kind of slash). */
static const char *base_name(const char *name)
{
	const char *b = name;

	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == '\\')
			b = p + 1;
	return b;
}

static bool name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || !str_utf8_valid(name, n))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return false;
	return strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

static enum cmn_rc part_begin(void *ctx, const struct multipart_part *p)
{
	struct upload *u = ctx;
	struct import_upload_file *f;
	const char *name;
	enum cmn_rc rc;

	if (strcmp(p->name, "format") == 0) {
		if (u->has_format || p->is_file)
			return refuse(u, "format", "give format once, as a plain field");
		u->part = PART_FORMAT;
		return CMN_OK;
	}
	if (strcmp(p->name, "file") != 0) {
		char why[200];

		snprintf(why, sizeof(why),
			 "unknown form field \"%.64s\": send the files as \"file\" parts, and "
			 "optionally a \"format\" field", p->name);
		return refuse(u, p->name, why);
	}
	if (!p->is_file)
		return refuse(u, "file", "a \"file\" part has no filename");
	name = base_name(p->filename);
	if (!name_ok(name))
		return refuse(u, "file", "a file name is empty, not UTF-8, or has control characters");
	if (u->nfiles >= IMPORT_JOB_FILES_MAX)
		return refuse(u, "file", "too many files in one upload (at most 16)");
	f = &u->files[u->nfiles];
	memset(f, 0, sizeof(*f));
	str_copy(f->name, sizeof(f->name), name);
	rc = import_jobs_spool_create(u->jobs, f->path, &u->fd);
	if (rc != CMN_OK)
		return rc;
	u->nfiles++;
	u->part = PART_FILE;
	return CMN_OK;
}

static enum cmn_rc part_data(void *ctx, const char *data, size_t n)
{
	struct upload *u = ctx;
	enum cmn_rc rc;

	if (u->part == PART_FORMAT) {
		if (u->format_len + n > FORMAT_MAX)
			return refuse(u, "format", "unknown import format");
		memcpy(u->format + u->format_len, data, n);
		u->format_len += n;
		u->format[u->format_len] = '\0';
		return CMN_OK;
	}
	if (u->part != PART_FILE)
		return CMN_ERR_INTERNAL;
	rc = import_jobs_spool_grow(u->jobs, n);
	if (rc != CMN_OK)
		return rc;
	u->files[u->nfiles - 1].bytes += n;
	return fs_write_all(u->fd, data, n);
}

static enum cmn_rc part_end(void *ctx)
{
	struct upload *u = ctx;
	enum cmn_rc rc = CMN_OK;

	if (u->part == PART_FILE) {
		if (close(u->fd) != 0)
			rc = CMN_ERR_IO;
		u->fd = -1;
	} else if (u->part == PART_FORMAT) {
		u->has_format = true;
	}
	u->part = PART_NONE;
	return rc;
}

static const struct multipart_callbacks callbacks = {part_begin, part_data, part_end};

/* upload_write - the sink's write: a piece of the body. */
static enum cmn_rc upload_write(void *ctx, const char *data, size_t n)
{
	struct upload *u = ctx;
	enum cmn_rc rc;

	if (u->rc != CMN_OK)
		return CMN_OK; /* refused already: the rest is dropped */
	rc = multipart_feed(&u->mp, data, n);
	if (rc == CMN_OK)
		return CMN_OK;
	if (rc == CMN_ERR_INVALID) {
		refuse(u, NULL, u->mp.error);
		unspool(u);
		return CMN_OK; /* answered with its detail once authenticated */
	}
	u->rc = rc;
	unspool(u);
	return rc;
}

static void upload_release(void *ctx)
{
	struct upload *u = ctx;

	unspool(u);
	free(u);
}

enum cmn_rc api_upload_stream(void *cls, const struct http_request *req,
			      struct http_body_sink *sink)
{
	struct app *app = cls;
	const char *ct = http_header(req, "Content-Type");
	char boundary[MULTIPART_BOUNDARY_MAX + 1];
	struct upload *u;

	if (!app->jobs || strcmp(req->method, "POST") != 0 ||
	    strcmp(req->path, "/api/v1/imports") != 0 || !multipart_is_form(ct))
		return CMN_OK;
	/* without credentials the router answers 401: not worth spooling */
	if (!http_header(req, "Authorization") && !http_cookie(req, "commune_session"))
		return CMN_OK;
	if (import_jobs_full(app->jobs))
		return CMN_ERR_BUSY;
	u = calloc(1, sizeof(*u));
	if (!u)
		return CMN_ERR_NOMEM;
	u->jobs = app->jobs;
	u->fd = -1;
	if (multipart_boundary(ct, boundary, sizeof(boundary)) == CMN_OK)
		multipart_init(&u->mp, boundary, &callbacks, u);
	else
		refuse(u, NULL, "the multipart Content-Type has no valid boundary parameter");
	sink->write = upload_write;
	sink->release = upload_release;
	sink->ctx = u;
	return CMN_OK;
}

enum cmn_rc api_upload_finish(struct upload *u, struct api_upload_form *form, const char **detail,
			      const char **parameter)
{
	if (u->rc == CMN_OK && multipart_finish(&u->mp) != CMN_OK) {
		refuse(u, NULL, u->mp.error);
		unspool(u);
	}
	if (u->rc == CMN_OK && u->nfiles == 0)
		refuse(u, "file", "the form has no file: send each file as a part named \"file\"");
	*detail = u->detail;
	*parameter = u->parameter[0] ? u->parameter : NULL;
	if (u->rc != CMN_OK)
		return u->rc;
	form->files = u->files;
	form->nfiles = u->nfiles;
	form->format = u->has_format ? u->format : NULL;
	return CMN_OK;
}

void api_upload_taken(struct upload *u)
{
	u->taken = true;
}
