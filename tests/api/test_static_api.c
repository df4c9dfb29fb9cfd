/*
 * test_static_api.c - the web application's files (src/api/api_static.c)
 * on a real server with a web directory of its own: what is served and
 * with which type; what never is (paths that climb out, hidden files,
 * unknown types, directories, symbolic links); and the Content-Security-
 * Policy of an HTML page, whose script-src admits the page's own inline
 * scripts by the SHA-256 of their text (recomputed here with libsodium)
 * and nothing else inline.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <sodium.h>

#include "client.h"
#include "server.h"

#define IMPORT_MAP "\n{\"imports\": {\"preact\": \"/vendor/preact.mjs\"}}\n"
#define BOOT "document.title = 'x';"

static const char *bin;
static struct test_server srv;
static char web[300];

/* in_web - the path of rel in the web directory (a static buffer) */
static const char *in_web(const char *rel)
{
	static char path[400];

	snprintf(path, sizeof(path), "%s/%s", web, rel);
	return path;
}

static void put(const char *rel, const char *text)
{
	FILE *f;

	assert_non_null(f = fopen(in_web(rel), "w"));
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	if (!test_data_dir(&srv, bin))
		return -1;
	snprintf(web, sizeof(web), "%s/web", srv.dir);
	if (mkdir(web, 0700) != 0 || mkdir(in_web("js"), 0700) != 0)
		return -1;
	put("index.html", "<!doctype html><html><head><script type=\"importmap\">" IMPORT_MAP
			  "</script><script type=\"module\" src=\"/js/main.mjs\"></script>"
			  "<script>" BOOT "</script></head><body></body></html>");
	put("js/main.mjs", "export const x = 1;\n");
	put("app.css", "body { color: #111; }\n");
	put(".secret.js", "leak\n");
	put("notes.txt", "not served\n");
	if (symlink("/etc/passwd", in_web("passwd.css")) != 0)
		return -1;
	return test_server_start(&srv, "--web", web, NULL) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return test_server_stop(&srv, true) == 0 ? 0 : -1;
}

static void get(const char *path, struct resp *r)
{
	memset(r, 0, sizeof(*r));
	assert_int_equal(client_request(srv.base, "GET", path, NULL, NULL, 0, r), 0);
}

/* the quoted hash source of a script's text */
static void hash_source(const char *text, char *out, size_t n)
{
	unsigned char d[crypto_hash_sha256_BYTES];
	char b64[64];

	crypto_hash_sha256(d, (const unsigned char *)text, strlen(text));
	sodium_bin2base64(b64, sizeof(b64), d, sizeof(d), sodium_base64_VARIANT_ORIGINAL);
	snprintf(out, n, "'sha256-%s'", b64);
}

static void files_and_types(void **state)
{
	static const struct {
		const char *path, *type;
	} ok[] = {
		{"/", "text/html; charset=utf-8"},
		{"/index.html", "text/html; charset=utf-8"},
		{"/js/main.mjs", "text/javascript; charset=utf-8"},
		{"/app.css", "text/css; charset=utf-8"},
	};
	static const char *const never[] = {
		"/../web/index.html", "/js/../index.html", "/.secret.js", "/notes.txt", "/js",
		"/passwd.css", "//index.html", "/%2e%2e/index.html", "/missing.js",
	};
	struct resp r;
	char v[200];

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(*ok); i++) {
		get(ok[i].path, &r);
		assert_int_equal(r.status, 200);
		assert_non_null(client_header(&r, "Content-Type", v, sizeof(v)));
		assert_string_equal(v, ok[i].type);
		client_free(&r);
	}
	for (size_t i = 0; i < sizeof(never) / sizeof(*never); i++) {
		get(never[i], &r);
		if (r.status == 200)
			fail_msg("%s was served", never[i]);
		assert_null(strstr(r.body ? r.body : "", "leak"));
		assert_null(strstr(r.body ? r.body : "", "root:"));
		client_free(&r);
	}
}

static void page_policy(void **state)
{
	struct resp r;
	char csp[1024], map[80], boot[80], *script_src;

	(void)state;
	get("/", &r);
	assert_int_equal(r.status, 200);
	assert_non_null(client_header(&r, "Content-Security-Policy", csp, sizeof(csp)));
	client_free(&r);
	hash_source(IMPORT_MAP, map, sizeof(map));
	hash_source(BOOT, boot, sizeof(boot));
	assert_non_null(strstr(csp, "default-src 'self'"));
	assert_non_null(strstr(csp, "frame-ancestors 'none'"));
	assert_non_null(script_src = strstr(csp, "script-src 'self' "));
	/* both inline scripts, in order, and nothing that admits any other */
	assert_non_null(strstr(script_src, map));
	assert_non_null(strstr(script_src, boot));
	assert_true(strstr(script_src, map) < strstr(script_src, boot));
	assert_null(strstr(csp, "unsafe-inline"));
	assert_null(strstr(csp, "unsafe-eval"));
	/* a file that is not a page keeps the policy without scripts */
	get("/app.css", &r);
	assert_non_null(client_header(&r, "Content-Security-Policy", csp, sizeof(csp)));
	assert_null(strstr(csp, "sha256-"));
	assert_non_null(strstr(csp, "default-src 'self'"));
	client_free(&r);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(files_and_types),
		cmocka_unit_test(page_policy),
	};

	if (argc != 2 || sodium_init() < 0)
		return 2;
	bin = argv[1];
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests(tests, setup, teardown);
}
