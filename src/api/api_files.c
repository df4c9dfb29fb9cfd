/*
 * api_files.c - a person's files (PDF bills, payslips...): the bytes are
 * an encrypted blob of the person's store, described by a document.file
 * record (name, media type, size, SHA-256, date, category), which the
 * records API lists and reads like any other.
 */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/jsonparse.h"
#include "core/jsontext.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "record/schema.h"

#define FILE_DOCTYPE "document.file"

struct file_params {
	char name[256];
	char issued[16];
	char category[32];
	char issuer[201];
};

/* parse_params - name=, issued=, category=, issuer= only. */
static enum cmn_rc parse_params(struct api_ctx *ctx, struct file_params *fp)
{
	char q[2048], *cur = q, *name, val[2048];
	int r;

	memset(fp, 0, sizeof(*fp));
	if (!ctx->req->query || !*ctx->req->query)
		return api_problem(ctx, CMN_ERR_INVALID, "give the file's name in ?name=", NULL);
	if (str_copy(q, sizeof(q), ctx->req->query) != CMN_OK)
		return api_problem(ctx, CMN_ERR_INVALID, "query string too long", NULL);
	while ((r = api_query_next(&cur, &name, val, sizeof(val))) != 0) {
		char *dst = NULL;
		size_t cap = 0;

		if (r > 0 && strcmp(name, "name") == 0) {
			dst = fp->name;
			cap = sizeof(fp->name);
		} else if (r > 0 && strcmp(name, "issued") == 0) {
			dst = fp->issued;
			cap = sizeof(fp->issued);
		} else if (r > 0 && strcmp(name, "category") == 0) {
			dst = fp->category;
			cap = sizeof(fp->category);
		} else if (r > 0 && strcmp(name, "issuer") == 0) {
			dst = fp->issuer;
			cap = sizeof(fp->issuer);
		}
		if (!dst || str_copy(dst, cap, val) != CMN_OK)
			return api_problem(ctx, CMN_ERR_INVALID,
					   "use name=, issued=YYYY-MM-DD, category= and issuer= only",
					   NULL);
	}
	if (!fp->name[0] || strchr(fp->name, '/') || strchr(fp->name, '\\'))
		return api_problem(ctx, CMN_ERR_INVALID, "the name must be a file name without a path",
				   json_pack("{s:s}", "parameter", "name"));
	return CMN_OK;
}

static void media_type_of(struct api_ctx *ctx, char *out, size_t n)
{
	const char *ct = http_header(ctx->req, "Content-Type");
	size_t len = ct ? strcspn(ct, ";") : 0;

	if (!ct || len == 0 || len >= n || !str_utf8_valid(ct, len)) {
		str_copy(out, n, "application/octet-stream");
		return;
	}
	memcpy(out, ct, len);
	out[len] = '\0';
	for (char *c = out; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
}

/* POST /api/v1/files?name=...&issued=...&category=... with the raw bytes. */
static enum cmn_rc upload(struct api_ctx *ctx)
{
	const struct doctype *d = registry_find(ctx->app->registry, FILE_DOCTYPE);
	struct schema_errors *errs = NULL;
	struct record_meta m = {0};
	struct file_params fp;
	struct pstore *ps;
	char blob[BLOB_ID_LEN], media[101], today[TIME_RFC3339_LEN], *text = NULL;
	json_t *data = NULL;
	enum cmn_rc rc;

	if ((rc = parse_params(ctx, &fp)) != CMN_OK)
		return rc;
	if (!d)
		return CMN_ERR_INTERNAL;
	media_type_of(ctx, media, sizeof(media));
	time_format(today, time_now_ms());
	today[10] = '\0';
	data = json_pack("{s:s, s:s, s:I, s:s}", "name", fp.name, "media_type", media, "size",
			 (json_int_t)ctx->req->body_len, "issued", fp.issued[0] ? fp.issued : today);
	if (!data)
		return CMN_ERR_NOMEM;
	/* each member set, or none of the file kept: never a file without
	 * the category or the issuer it was given */
	if ((fp.category[0] && json_object_set_new(data, "category", json_string(fp.category))) ||
	    (fp.issuer[0] && json_object_set_new(data, "issuer", json_string(fp.issuer)))) {
		json_decref(data);
		return CMN_ERR_NOMEM;
	}
	rc = store_person_store(ctx->app->store, ctx->person.id, &ps);
	if (rc == CMN_OK)
		rc = pstore_blob_put(ps, ctx->req->body ? ctx->req->body : "", ctx->req->body_len, blob);
	if (rc != CMN_OK)
		goto done;
	if (json_object_set_new(data, "sha256", json_string(blob)) != 0 ||
	    !(errs = malloc(sizeof(*errs)))) {
		rc = CMN_ERR_NOMEM;
	} else if (schema_validate(d->schema, data, errs) != CMN_OK) {
		rc = api_schema_problem(ctx, "the file's description is not valid", errs);
	} else if (time_parse(fp.issued[0] ? fp.issued : today, true, &m.t) != CMN_OK) {
		rc = CMN_ERR_INVALID;
	} else if (!(text = json_text_dumps(data, API_JSON_FLAGS))) {
		rc = CMN_ERR_NOMEM;
	} else {
		crypt_uuid7_new(m.id);
		str_copy(m.doctype, sizeof(m.doctype), FILE_DOCTYPE);
		if (ctx->via_token)
			snprintf(m.source, sizeof(m.source), "token:%s", ctx->token_name);
		else
			str_copy(m.source, sizeof(m.source), "api");
		rc = pstore_record_insert(ps, &m, text, ctx->actor);
	}
	if (rc != CMN_OK) {
		pstore_blob_release(ps, blob); /* no record names it */
		goto done;
	}
	{
		char loc[160];
		json_t *out = json_pack("{s:s, s:s, s:I, s:O, s:{s:s, s:o, s:o}}", "id", m.id,
					"doctype", m.doctype, "rev", (json_int_t)m.rev, "data", data,
					"meta", "source", m.source, "created", api_time(m.created),
					"updated", api_time(m.updated));

		snprintf(loc, sizeof(loc), "/api/v1/files/%s", m.id);
		http_set_header(ctx->res, "Location", loc);
		/* kept: when its view cannot be made, what is known of it */
		rc = api_done(ctx, api_json(ctx, 201, out), 201,
			      "{\"id\":\"%s\",\"doctype\":\"%s\",\"rev\":%lld}", m.id,
			      m.doctype, (long long)m.rev);
	}
done:
	free(errs);
	free(text);
	json_decref(data);
	return rc;
}

/* file_record - the document.file record of {id}, parsed. */
static enum cmn_rc file_record(struct api_ctx *ctx, struct pstore **ps, struct record_meta *m,
			       json_t **data)
{
	char *text = NULL;
	enum cmn_rc rc = store_person_store(ctx->app->store, ctx->person.id, ps);

	if (rc == CMN_OK)
		rc = pstore_record_get(*ps, FILE_DOCTYPE, ctx->params[0], m, &text);
	/* under a grant: a file of its doctype and period (or one it names) only */
	if (rc == CMN_OK && ctx->via_grant &&
	    (grant_check(&ctx->grant, time_now_ms(), FILE_DOCTYPE, GRANT_OP_READ) != GRANT_ALLOWED ||
	     !grant_record_allowed(&ctx->grant, FILE_DOCTYPE, m->id) ||
	     !grant_time_allowed(&ctx->grant, m->t)))
		rc = CMN_ERR_NOT_FOUND;
	if (rc == CMN_ERR_NOT_FOUND) {
		free(text);
		return api_problem(ctx, rc, "no such file", NULL);
	}
	if (rc != CMN_OK)
		return rc;
	*data = json_parse_str(text);
	free(text);
	return *data ? CMN_OK : CMN_ERR_INTERNAL;
}

/* safe_type - the declared media type when it is one a browser will not
 * run as a page of ours, else application/octet-stream. */
static const char *safe_type(const char *media)
{
	static const char *const safe[] = {"application/pdf", "image/png", "image/jpeg",
					   "image/webp", "text/csv", "application/json",
					   "application/xml", "text/calendar", "application/zip"};

	for (size_t i = 0; media && i < sizeof(safe) / sizeof(*safe); i++)
		if (strcmp(media, safe[i]) == 0)
			return safe[i];
	return "application/octet-stream";
}

/* GET /api/v1/files/{id} - the bytes, decrypted. */
static enum cmn_rc download(struct api_ctx *ctx)
{
	struct record_meta m;
	struct pstore *ps;
	json_t *data = NULL;
	struct buf bytes;
	char disp[600], etag[80];
	enum cmn_rc rc = file_record(ctx, &ps, &m, &data);
	const char *media, *name;

	if (rc != CMN_OK)
		return rc;
	{
		char object[80];

		snprintf(object, sizeof(object), "file/%.60s", m.id);
		rc = api_access(ctx, object, NULL);
	}
	buf_init(&bytes, (size_t)1 << 30);
	if (rc == CMN_OK)
		rc = pstore_blob_get(ps, json_string_value(json_object_get(data, "sha256")), &bytes);
	media = json_string_value(json_object_get(data, "media_type"));
	name = json_string_value(json_object_get(data, "name"));
	if (rc == CMN_OK) {
		struct buf enc;

		/* RFC 6266 / 8187: the UTF-8 name, percent-encoded */
		buf_init(&enc, 1024);
		for (const unsigned char *c = (const unsigned char *)name; c && *c; c++) {
			if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			    (*c >= '0' && *c <= '9') || strchr(".-_", *c))
				buf_append(&enc, c, 1);
			else
				buf_printf(&enc, "%%%02X", *c);
		}
		snprintf(disp, sizeof(disp), "attachment; filename*=UTF-8''%s",
			 enc.data ? enc.data : "file");
		buf_release(&enc);
		snprintf(etag, sizeof(etag), "\"%.64s\"",
			 json_string_value(json_object_get(data, "sha256")));
		http_set_header(ctx->res, "Content-Disposition", disp);
		http_set_header(ctx->res, "ETag", etag);
		http_set_header(ctx->res, "Content-Security-Policy", "sandbox");
		http_set_body(ctx->res, 200, safe_type(media), bytes.data, bytes.len);
		bytes.data = NULL;
	}
	buf_release(&bytes);
	json_decref(data);
	return rc;
}

/* DELETE /api/v1/files/{id} - the record, then the blob if no other
 * record names the same content. */
static enum cmn_rc erase(struct api_ctx *ctx)
{
	struct record_meta m;
	struct pstore *ps;
	json_t *data = NULL;
	enum cmn_rc rc = file_record(ctx, &ps, &m, &data);
	const char *blob;

	if (rc != CMN_OK)
		return rc;
	blob = json_string_value(json_object_get(data, "sha256"));
	/* the record, its entry and the blob's reference at once; then the
	 * file, once the transaction is committed */
	if ((rc = pstore_tx_begin(ps)) == CMN_OK) {
		rc = pstore_record_delete(ps, FILE_DOCTYPE, ctx->params[0], -1, ctx->actor);
		if (rc == CMN_OK)
			rc = pstore_blob_release(ps, blob);
		rc = pstore_tx_end(ps, rc);
	}
	if (rc == CMN_OK)
		(void)pstore_blob_sweep(ps, blob); /* an unnamed file left is only space */
	json_decref(data);
	if (rc != CMN_OK)
		return rc;
	api_empty(ctx, 204);
	return CMN_OK;
}

const struct route api_files_routes[] = {
	{"POST", "/api/v1/files", upload, AUTH_PERSON, NULL, "Upload a file (stored encrypted)", GRANT_ROUTE_NONE},
	{"GET", "/api/v1/files/{id}", download, AUTH_PERSON, NULL, "Download a file", GRANT_ROUTE_FILES},
	{"DELETE", "/api/v1/files/{id}", erase, AUTH_PERSON, NULL, "Delete a file", GRANT_ROUTE_NONE},
	{NULL, NULL, NULL, AUTH_NONE, NULL, NULL, GRANT_ROUTE_NONE},
};
