/*
 * api_static.c - the web application's static files (web/).
 *
 * Only regular files under web_dir, found by a path with no "..", no
 * backslash and no hidden component, are served; "/" is index.html.
 */
#include "api/api.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "core/buf.h"

#define STATIC_MAX_BYTES (8 * 1024 * 1024)

static const struct {
	const char *ext;
	const char *type;
} types[] = {
	{".html", "text/html; charset=utf-8"},
	{".js", "text/javascript; charset=utf-8"},
	{".mjs", "text/javascript; charset=utf-8"},
	{".css", "text/css; charset=utf-8"},
	{".json", "application/json"},
	{".svg", "image/svg+xml"},
	{".png", "image/png"},
	{".ico", "image/x-icon"},
	{".woff2", "font/woff2"},
	{".geojson", "application/geo+json"},
};

static const char *type_of(const char *path)
{
	const char *dot = strrchr(path, '.');

	for (size_t i = 0; dot && i < sizeof(types) / sizeof(*types); i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return NULL;
}

static bool safe_path(const char *p)
{
	if (p[0] != '/' || strstr(p, "..") || strchr(p, '\\') || strstr(p, "/.") ||
	    strstr(p, "//") || strchr(p, '%'))
		return false;
	return true;
}

/* find - the first occurrence of the n bytes of what in [p, end), or NULL */
static const char *find(const char *p, const char *end, const char *what, size_t n)
{
	for (; p && (size_t)(end - p) >= n; p++) {
		p = memchr(p, what[0], (size_t)(end - p) - n + 1);
		if (!p || memcmp(p, what, n) == 0)
			return p;
	}
	return NULL;
}

#define BASE_POLICY "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'"
#define INLINE_SCRIPTS_MAX 8

/* page_policy - the policy of an HTML page: scripts from the site itself,
 * and the page's own inline scripts (the import map of index.html, which a
 * browser takes only inline) by the SHA-256 of their text, so that no other
 * inline script runs (CSP level 2 hash sources). NULL when out of memory. */
static char *page_policy(const char *html, size_t n)
{
	struct buf b;
	const char *p = html, *end = html + n;
	size_t found = 0;

	buf_init(&b, 4096);
	buf_puts(&b, "default-src 'self'; script-src 'self'");
	while (found < INLINE_SCRIPTS_MAX && p < end) {
		const char *open = find(p, end, "<script", 7), *gt, *close;
		unsigned char digest[crypto_hash_sha256_BYTES];
		char b64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES,
						   sodium_base64_VARIANT_ORIGINAL)];

		if (!open || !(gt = memchr(open, '>', (size_t)(end - open))))
			break;
		gt++;
		if (!(close = find(gt, end, "</script>", 9)))
			break;
		p = close + 9;
		/* a script with a source is the site's own: 'self' covers it */
		if (find(open, gt, " src=", 5))
			continue;
		crypto_hash_sha256(digest, (const unsigned char *)gt, (unsigned long long)(close - gt));
		sodium_bin2base64(b64, sizeof(b64), digest, sizeof(digest),
				  sodium_base64_VARIANT_ORIGINAL);
		buf_printf(&b, " 'sha256-%s'", b64);
		found++;
	}
	if (buf_puts(&b, "; img-src 'self' data:; frame-ancestors 'none'") != CMN_OK) {
		buf_release(&b);
		return NULL;
	}
	return b.data;
}

bool api_static(struct app *app, const struct http_request *req, struct http_response *res)
{
	const char *rel = strcmp(req->path, "/") == 0 ? "/index.html" : req->path;
	const char *type = type_of(rel);
	char path[4096];
	struct stat st;
	char *body;
	ssize_t got = 0;
	int fd;

	if (!app->web_dir || !type || !safe_path(rel))
		return false;
	if ((size_t)snprintf(path, sizeof(path), "%s%s", app->web_dir, rel) >= sizeof(path))
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return false;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > STATIC_MAX_BYTES) {
		close(fd);
		return false;
	}
	body = malloc((size_t)st.st_size + 1);
	while (body && got < st.st_size) {
		ssize_t n = read(fd, body + got, (size_t)(st.st_size - got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += n;
	}
	close(fd);
	if (!body || got != st.st_size) {
		free(body);
		return false;
	}
	http_set_body(res, 200, type, body, (size_t)got);
	http_set_header(res, "Cache-Control", "no-cache");
	if (strcmp(type, types[0].type) == 0) {
		char *csp = page_policy(body, (size_t)got);

		http_set_header(res, "Content-Security-Policy", csp ? csp : BASE_POLICY);
		free(csp);
	} else {
		http_set_header(res, "Content-Security-Policy", BASE_POLICY);
	}
	return true;
}
