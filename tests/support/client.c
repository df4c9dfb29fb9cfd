/*
 * client.c - the test HTTP client of client.h.
 */
#include "client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#define CLIENT_EXPECT_ABOVE (1024 * 1024) /* bytes of body sent without asking first */

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct resp *r = ctx;
	size_t add = size * n;
	char *grown = realloc(r->body, r->len + add + 1);

	if (!grown)
		return 0;
	r->body = grown;
	memcpy(r->body + r->len, p, add);
	r->len += add;
	r->body[r->len] = '\0';
	return add;
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct resp *r = ctx;
	size_t add = size * n, have = strlen(r->headers);

	if (have + add < sizeof(r->headers)) {
		memcpy(r->headers + have, p, add);
		r->headers[have + add] = '\0';
	}
	return add;
}

int client_request(const char *base, const char *method, const char *path,
		   const char *const *headers, const char *body, size_t body_len, struct resp *r)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	char url[8192];
	CURLcode rc;

	memset(r, 0, sizeof(*r));
	if (!c)
		return -1;
	snprintf(url, sizeof(url), "%s%s", base, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	/* a large body waits for the server's word first (100-continue), as
	 * real clients do: a server that refuses it on its headers (413) then
	 * answers before the body is sent, instead of closing on it mid-way */
	if (body && body_len > CLIENT_EXPECT_ABOVE) {
		h = curl_slist_append(h, "Expect: 100-continue");
		curl_easy_setopt(c, CURLOPT_EXPECT_100_TIMEOUT_MS, 30000L);
	} else {
		h = curl_slist_append(h, "Expect:");
	}
	for (size_t i = 0; headers && headers[i]; i++)
		h = curl_slist_append(h, headers[i]);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)body_len);
	}
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	else
		fprintf(stderr, "client: %s %s: %s\n", method, path, curl_easy_strerror(rc));
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	if (!r->body)
		r->body = calloc(1, 1);
	if (r->len)
		r->json = json_loadb(r->body, r->len, 0, NULL);
	return rc == CURLE_OK ? 0 : -1;
}

const char *client_header(const struct resp *r, const char *name, char *out, size_t n)
{
	size_t nl = strlen(name);
	const char *p = r->headers;

	while (p && *p) {
		const char *eol = strstr(p, "\r\n");

		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1;
			size_t len;

			while (*v == ' ')
				v++;
			len = eol ? (size_t)(eol - v) : strlen(v);
			if (len >= n)
				len = n - 1;
			memcpy(out, v, len);
			out[len] = '\0';
			return out;
		}
		p = eol ? eol + 2 : NULL;
	}
	return NULL;
}

int client_login(const char *base, const char *handle, const char *password, char *cookie,
		 size_t cookie_len, char *csrf, size_t csrf_len)
{
	const char *hdr[] = {"Content-Type: application/json", NULL};
	char body[512], set[512];
	struct resp r;
	int ok;

	snprintf(body, sizeof(body), "{\"handle\":\"%s\",\"password\":\"%s\"}", handle, password);
	if (client_request(base, "POST", "/api/v1/auth/login", hdr, body, strlen(body), &r) != 0)
		return -1;
	ok = r.status == 200 && client_header(&r, "Set-Cookie", set, sizeof(set)) &&
	     json_is_string(json_object_get(r.json, "csrf"));
	if (ok) {
		snprintf(cookie, cookie_len, "Cookie: %.*s", (int)strcspn(set, ";"), set);
		snprintf(csrf, csrf_len, "X-CSRF-Token: %s",
			 json_string_value(json_object_get(r.json, "csrf")));
	}
	client_free(&r);
	return ok ? 0 : -1;
}

void client_free(struct resp *r)
{
	free(r->body);
	json_decref(r->json);
	memset(r, 0, sizeof(*r));
}

json_t *json_pointer(json_t *root, const char *ptr)
{
	json_t *cur = root;
	char tok[256];

	if (!ptr || !*ptr)
		return root;
	while (cur && *ptr == '/') {
		size_t n = 0;

		ptr++;
		while (*ptr && *ptr != '/' && n < sizeof(tok) - 1) {
			if (*ptr == '~' && ptr[1] == '1') {
				tok[n++] = '/';
				ptr += 2;
			} else if (*ptr == '~' && ptr[1] == '0') {
				tok[n++] = '~';
				ptr += 2;
			} else {
				tok[n++] = *ptr++;
			}
		}
		tok[n] = '\0';
		if (json_is_object(cur)) {
			cur = json_object_get(cur, tok);
		} else if (json_is_array(cur)) {
			char *end;
			unsigned long i = strtoul(tok, &end, 10);

			cur = *end || !*tok ? NULL : json_array_get(cur, i);
		} else {
			cur = NULL;
		}
	}
	return *ptr ? NULL : cur;
}
