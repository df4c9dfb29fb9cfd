/*
 * client.h - a small libcurl client for tests: one request, the whole
 * response (status, headers, body, parsed JSON when it is JSON).
 */
#ifndef COMMUNE_TESTS_CLIENT_H
#define COMMUNE_TESTS_CLIENT_H

#include <stddef.h>

#include <jansson.h>

struct resp {
	long status;
	char *body;                       /* NUL-terminated */
	size_t len;
	char headers[8192];               /* raw header block */
	json_t *json;                     /* parsed body, or NULL */
};

/* client_request - sends one request. headers is a NULL-terminated list of
 * "Name: value" lines (may be NULL); body may be NULL. Returns 0 on a
 * transport success. */
int client_request(const char *base, const char *method, const char *path,
		   const char *const *headers, const char *body, size_t body_len, struct resp *r);

/* client_header - a response header's value (copied into out), or NULL. */
const char *client_header(const struct resp *r, const char *name, char *out, size_t n);

/* client_login - logs in; cookie receives "Cookie: commune_session=..." and
 * csrf "X-CSRF-Token: ...", ready to use as request headers. */
int client_login(const char *base, const char *handle, const char *password, char *cookie,
		 size_t cookie_len, char *csrf, size_t csrf_len);

/* client_free - frees a response. */
void client_free(struct resp *r);

/* json_pointer - resolves an RFC 6901 pointer ("" is the root). */
json_t *json_pointer(json_t *root, const char *ptr);

#endif
