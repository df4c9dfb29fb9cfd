/*
 * api_upload.h - the multipart/form-data body of POST /api/v1/imports,
 * taken as it arrives: `file` parts go to spool files of the import job
 * pool, the `format` field is kept, nothing else is allowed. Only
 * api_imports.c and the server's start (cli/cmd_serve.c) use it.
 */
#ifndef COMMUNE_API_API_UPLOAD_H
#define COMMUNE_API_API_UPLOAD_H

#include <stddef.h>

#include "core/result.h"
#include "http/http.h"
#include "import/jobs.h"

struct upload;

/* api_upload_stream - the server's http_stream_fn (cls: the struct app):
 * takes the body of an authenticated multipart POST /api/v1/imports;
 * CMN_ERR_BUSY at once when the import queue is full. */
enum cmn_rc api_upload_stream(void *cls, const struct http_request *req,
			      struct http_body_sink *sink);

/* What a well-formed upload holds (borrowed from the upload). */
struct api_upload_form {
	const struct import_upload_file *files;
	size_t nfiles;                    /* 1 to IMPORT_JOB_FILES_MAX */
	const char *format;               /* the format field, or NULL */
};

/*
 * api_upload_finish - the body has ended: the form, or CMN_ERR_INVALID
 * with *detail (a sentence) and *parameter (the form field at fault, or
 * NULL), or another error met while spooling.
 */
enum cmn_rc api_upload_finish(struct upload *u, struct api_upload_form *form, const char **detail,
			      const char **parameter);

/* api_upload_taken - the spool files are a job's now: the upload's release
 * leaves them. */
void api_upload_taken(struct upload *u);

#endif
