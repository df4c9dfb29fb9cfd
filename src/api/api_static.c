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
	http_set_header(res, "Content-Security-Policy",
			"default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
	return true;
}
