/*
 * problem.c - RFC 9457 problem details: the one place where a result code
 * becomes an HTTP status and a stable problem type.
 *
 * Types are URNs ("urn:commune:problem:NAME"): stable identifiers that
 * clients may compare; docs/API.md lists them.
 */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonput.h"
#include "core/jsontext.h"

static const struct {
	enum cmn_rc rc;
	int status;
	const char *name;
	const char *title;
} problems[] = {
#define PROBLEM(name) "urn:commune:problem:" name
	{CMN_ERR_NOMEM, 503, PROBLEM("out-of-memory"), "The server is short of memory"},
	{CMN_ERR_INVALID, 400, PROBLEM("invalid-request"), "The request is not valid"},
	{CMN_ERR_NOT_FOUND, 404, PROBLEM("not-found"), "Not found"},
	{CMN_ERR_EXISTS, 409, PROBLEM("already-exists"), "It already exists"},
	{CMN_ERR_CONFLICT, 409, PROBLEM("conflict"), "The request conflicts with the current state"},
	{CMN_ERR_PRECONDITION, 412, PROBLEM("precondition-failed"), "The resource has changed"},
	{CMN_ERR_UNAUTHENTICATED, 401, PROBLEM("unauthenticated"), "Authentication is required"},
	{CMN_ERR_FORBIDDEN, 403, PROBLEM("forbidden"), "Not allowed"},
	{CMN_ERR_TOO_LARGE, 413, PROBLEM("body-too-large"), "The request body is too large"},
	{CMN_ERR_RATE_LIMITED, 429, PROBLEM("rate-limited"), "Too many attempts"},
	{CMN_ERR_IO, 500, PROBLEM("io-error"), "The server could not read or write its files"},
	{CMN_ERR_STORE, 500, PROBLEM("store-error"), "The store failed"},
	{CMN_ERR_CRYPTO, 500, PROBLEM("crypto-error"), "A cryptographic operation failed"},
	{CMN_ERR_DISABLED, 403, PROBLEM("account-disabled"), "This account is disabled"},
	{CMN_ERR_UNSUPPORTED, 422, PROBLEM("unsupported"), "This is valid but not supported"},
	{CMN_ERR_INTERNAL, 500, PROBLEM("internal-error"), "Internal error"},
	{CMN_ERR_TIMEOUT, 408, PROBLEM("request-timeout"), "The request took too long to arrive"},
	{CMN_ERR_BUSY, 503, PROBLEM("server-busy"), "The server is at capacity"},
	{CMN_ERR_CSRF, 403, PROBLEM("csrf"), "Missing or wrong X-CSRF-Token"},
	{CMN_ERR_HEADERS_TOO_LARGE, 431, PROBLEM("headers-too-large"), "The request headers are too large"},
	{CMN_ERR_URI_TOO_LONG, 414, PROBLEM("uri-too-long"), "The request target is too long"},
	{CMN_ERR_METHOD, 405, PROBLEM("method-not-allowed"), "This method is not allowed here"},
	{CMN_ERR_MEDIA_TYPE, 415, PROBLEM("unsupported-media-type"), "The body must be JSON"},
	{CMN_ERR_CORRUPT, 500, PROBLEM("corrupt-data"), "Stored data failed its integrity check"},
	{CMN_ERR_GONE, 410, PROBLEM("gone"), "It is gone"},
};
#undef PROBLEM

static int find(enum cmn_rc rc)
{
	for (size_t i = 0; i < sizeof(problems) / sizeof(*problems); i++)
		if (problems[i].rc == rc)
			return (int)i;
	return -1;
}

int api_problem_status(enum cmn_rc rc)
{
	int i = find(rc);

	return i < 0 ? 500 : problems[i].status;
}

const char *api_problem_type(enum cmn_rc rc)
{
	int i = find(rc);

	return i < 0 ? "urn:commune:problem:internal-error" : problems[i].name;
}

enum cmn_rc api_problem(struct api_ctx *ctx, enum cmn_rc rc, const char *detail, json_t *extra)
{
	int i = find(rc);
	json_t *p;
	char *text = NULL;

	if (i < 0)
		i = find(CMN_ERR_INTERNAL);
	/* whole or not at all: a refusal without its detail, its pointer or
	 * its line would leave the client guessing what to change */
	p = json_pack("{s:s, s:s, s:i}", "type", problems[i].name, "title", problems[i].title,
		      "status", problems[i].status);
	if (detail)
		json_put(&p, "detail", json_string(detail));
	if (ctx->req && ctx->req->path)
		json_put(&p, "instance", json_string(ctx->req->path));
	if (extra) {
		if (p && json_object_update(p, extra) != 0) {
			json_decref(p);
			p = NULL;
		}
		json_decref(extra);
	}
	if (p)
		text = json_text_dumps(p, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(p);
	if (!text) {
		/* out of memory, which a retry gets past: told as such, with the
		 * status of the answer (the document, if its copy can be made) */
		static const char fmt[] = "{\"type\":\"%s\",\"title\":\"%s\",\"status\":%d}";
		char fallback[256];
		int n;

		i = find(CMN_ERR_NOMEM);
		n = snprintf(fallback, sizeof(fallback), fmt, problems[i].name, problems[i].title,
			     problems[i].status);
		if (n > 0 && (size_t)n < sizeof(fallback) && (text = malloc((size_t)n + 1)))
			memcpy(text, fallback, (size_t)n + 1);
	}
	http_set_body(ctx->res, problems[i].status, "application/problem+json", text,
		      text ? strlen(text) : 0);
	return rc;
}
