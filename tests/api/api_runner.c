/*
 * api_runner.c - runs API test cases written as data files against a real
 * server started on a free loopback port. The format is in README.md.
 *
 * usage: api_runner COMMUNE_BINARY CASES_FILE
 */
#include <ctype.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>

#include "client.h"
#include "server.h"

#define MAX_VARS 128
#define MAX_HEADERS 16
#define LINE_MAX_LEN 70000

struct user {
	const char *name;
	const char *role;
	char cookie[128];
	char csrf[64];
	char id[40];
};

static struct user users[] = {
	{"alice", "resident", "", "", ""},  {"bob", "resident", "", "", ""},
	{"carol", "resident", "", "", ""},  {"admin", "admin", "", "", ""},
	{"pro", "professional", "", "", ""},
};

#define NUSERS (sizeof(users) / sizeof(*users))

static struct {
	char name[64];
	char *value;
} vars[MAX_VARS];
static int nvars;

static struct test_server srv;
static int passed, failed;

static void set_var(const char *name, const char *value)
{
	for (int i = 0; i < nvars; i++) {
		if (strcmp(vars[i].name, name) == 0) {
			free(vars[i].value);
			vars[i].value = strdup(value);
			return;
		}
	}
	if (nvars < MAX_VARS) {
		snprintf(vars[nvars].name, sizeof(vars[nvars].name), "%s", name);
		vars[nvars].value = strdup(value);
		nvars++;
	}
}

static const char *get_var(const char *name)
{
	for (int i = 0; i < nvars; i++)
		if (strcmp(vars[i].name, name) == 0)
			return vars[i].value;
	return NULL;
}

static void password_of(const char *user, char *out, size_t n)
{
	snprintf(out, n, "pw-%s-correct-horse", user);
}

/* expand - ${var} and \xNN into out; returns the length (bytes may be 0). */
static size_t expand(const char *in, char *out, size_t n)
{
	size_t o = 0;

	while (*in && o + 1 < n) {
		if (in[0] == '$' && in[1] == '{') {
			const char *end = strchr(in, '}');
			char name[64];
			const char *v;

			if (end && (size_t)(end - in - 2) < sizeof(name)) {
				memcpy(name, in + 2, (size_t)(end - in - 2));
				name[end - in - 2] = '\0';
				v = get_var(name);
				if (!v) {
					fprintf(stderr, "  unknown variable ${%s}\n", name);
					v = "";
				}
				while (*v && o + 1 < n)
					out[o++] = *v++;
				in = end + 1;
				continue;
			}
		}
		if (in[0] == '\\' && in[1] == 'x' && isxdigit((unsigned char)in[2]) &&
		    isxdigit((unsigned char)in[3])) {
			char hex[3] = {in[2], in[3], 0};

			out[o++] = (char)strtol(hex, NULL, 16);
			in += 4;
			continue;
		}
		if (in[0] == '\\' && (in[1] == 'r' || in[1] == 'n')) {
			out[o++] = in[1] == 'r' ? '\r' : '\n';
			in += 2;
			continue;
		}
		out[o++] = *in++;
	}
	out[o] = '\0';
	return o;
}

static bool login(struct user *u)
{
	char pw[128], body[256], cookie[256];
	const char *hdr[] = {"Content-Type: application/json", NULL};
	struct resp r;
	const char *p;
	bool ok;

	password_of(u->name, pw, sizeof(pw));
	snprintf(body, sizeof(body), "{\"handle\":\"%s\",\"password\":\"%s\"}", u->name, pw);
	if (client_request(srv.base, "POST", "/api/v1/auth/login", hdr, body, strlen(body), &r))
		return false;
	ok = r.status == 200 && client_header(&r, "Set-Cookie", cookie, sizeof(cookie));
	if (ok) {
		p = strchr(cookie, ';');
		snprintf(u->cookie, sizeof(u->cookie), "%.*s", (int)(p ? p - cookie : 0), cookie);
		snprintf(u->csrf, sizeof(u->csrf), "%s",
			 json_string_value(json_object_get(r.json, "csrf")));
		snprintf(u->id, sizeof(u->id), "%s",
			 json_string_value(json_pointer(r.json, "/person/id")));
	}
	client_free(&r);
	return ok;
}

static struct user *user_named(const char *name)
{
	for (size_t i = 0; i < NUSERS; i++)
		if (strcmp(users[i].name, name) == 0)
			return &users[i];
	return NULL;
}

/* setup - fixture persons; a token for alice and carol; carol disabled. */
static bool setup(void)
{
	char pw[128], name[64];
	struct resp r;

	for (size_t i = 0; i < NUSERS; i++) {
		password_of(users[i].name, pw, sizeof(pw));
		if (!test_add_user(&srv, users[i].name, users[i].role, pw))
			return false;
	}
	if (!test_server_start(&srv, NULL))
		return false;
	set_var("base", srv.base);
	for (size_t i = 0; i < NUSERS; i++) {
		const char *who[] = {"alice", "carol"};

		if (!login(&users[i]))
			return false;
		snprintf(name, sizeof(name), "%s_id", users[i].name);
		set_var(name, users[i].id);
		for (size_t j = 0; j < 2; j++) {
			char cookie[200], csrf[120];
			const char *hdr[] = {"Content-Type: application/json", cookie, csrf, NULL};
			const char *b = "{\"name\":\"fixture\"}";

			if (strcmp(users[i].name, who[j]) != 0)
				continue;
			snprintf(cookie, sizeof(cookie), "Cookie: %s", users[i].cookie);
			snprintf(csrf, sizeof(csrf), "X-CSRF-Token: %s", users[i].csrf);
			if (client_request(srv.base, "POST", "/api/v1/tokens", hdr, b, strlen(b), &r) ||
			    r.status != 201)
				return false;
			snprintf(name, sizeof(name), "%s_token", users[i].name);
			set_var(name, json_string_value(json_object_get(r.json, "token")));
			client_free(&r);
		}
	}
	/* carol: disabled by the administrator, keeping her (now dead) cookie */
	{
		struct user *a = user_named("admin");
		char cookie[200], csrf[120];
		const char *hdr[] = {"Content-Type: application/json", cookie, csrf, NULL};
		const char *b = "{\"disabled\":true}";

		snprintf(cookie, sizeof(cookie), "Cookie: %s", a->cookie);
		snprintf(csrf, sizeof(csrf), "X-CSRF-Token: %s", a->csrf);
		if (client_request(srv.base, "PATCH", "/api/v1/persons/carol", hdr, b, strlen(b), &r) ||
		    r.status != 200)
			return false;
		client_free(&r);
	}
	return true;
}

struct expect {
	char line[1024];
	int lineno;
};

struct kase {
	char title[256];
	int lineno;
	char as[64];
	bool nocsrf;
	char errors[16];                  /* "problem" (default), "oauth" or "html" */
	char method[16];
	char path[4096];
	char *headers[MAX_HEADERS];
	int nheaders;
	char *body;
	size_t body_len;
	bool has_body;
	struct expect checks[64];
	int nchecks;
};

static void kase_reset(struct kase *k)
{
	for (int i = 0; i < k->nheaders; i++)
		free(k->headers[i]);
	free(k->body);
	memset(k, 0, sizeof(*k));
}

static bool fail_check(const struct kase *k, const struct expect *e, const struct resp *r,
		       const char *why)
{
	fprintf(stderr, "FAIL %s (line %d): %s\n  check: %s\n  got %ld: %.600s\n", k->title,
		e->lineno, why, e->line, r->status, r->body ? r->body : "");
	return false;
}

static bool json_check(const struct kase *k, const struct expect *e, const struct resp *r,
		       const char *rest)
{
	char ptr[512], op[16], arg[4096];
	json_t *v;
	int n = 0;

	if (sscanf(rest, "%511s %15s %n", ptr, op, &n) < 2)
		return fail_check(k, e, r, "malformed expect-json");
	expand(rest + n, arg, sizeof(arg));
	if (!r->json)
		return fail_check(k, e, r, "the body is not JSON");
	v = json_pointer(r->json, strcmp(ptr, "/") == 0 ? "" : ptr);
	if (strcmp(op, "exists") == 0)
		return v ? true : fail_check(k, e, r, "missing");
	if (strcmp(op, "absent") == 0)
		return !v ? true : fail_check(k, e, r, "present");
	if (!v)
		return fail_check(k, e, r, "missing");
	if (strcmp(op, "=") == 0) {
		json_t *want = json_loads(arg, JSON_DECODE_ANY, NULL);
		bool ok = want && json_equal(want, v);

		if (!ok && want && json_is_number(want) && json_is_number(v))
			ok = json_number_value(want) == json_number_value(v);
		json_decref(want);
		return ok ? true : fail_check(k, e, r, "value differs");
	}
	if (strcmp(op, "!=") == 0) {
		json_t *want = json_loads(arg, JSON_DECODE_ANY, NULL);
		bool ok = want && !json_equal(want, v);

		json_decref(want);
		return ok ? true : fail_check(k, e, r, "value is equal");
	}
	if (strcmp(op, "length") == 0) {
		size_t want = strtoul(arg, NULL, 10);
		size_t got = json_is_array(v) ? json_array_size(v) : json_is_object(v) ? json_object_size(v) : (size_t)-1;

		return got == want ? true : fail_check(k, e, r, "length differs");
	}
	if (strcmp(op, "~") == 0) {
		regex_t re;
		bool ok;

		if (regcomp(&re, arg, REG_EXTENDED | REG_NOSUB) != 0)
			return fail_check(k, e, r, "bad regex");
		ok = json_is_string(v) && regexec(&re, json_string_value(v), 0, NULL, 0) == 0;
		regfree(&re);
		return ok ? true : fail_check(k, e, r, "no match");
	}
	return fail_check(k, e, r, "unknown operator");
}

/* capture - the first group of regex re in text (or the whole match) into
 * out; false when it does not match. */
static bool capture(const char *re_text, const char *text, char *out, size_t n)
{
	regex_t re;
	regmatch_t m[2];
	bool ok;

	if (regcomp(&re, re_text, REG_EXTENDED) != 0)
		return false;
	ok = regexec(&re, text, 2, m, 0) == 0;
	if (ok) {
		int g = m[1].rm_so >= 0 ? 1 : 0;

		snprintf(out, n, "%.*s", (int)(m[g].rm_eo - m[g].rm_so), text + m[g].rm_so);
	}
	regfree(&re);
	return ok;
}

static bool run_check(const struct kase *k, const struct expect *e, const struct resp *r)
{
	const char *l = e->line;
	char name[128], value[2048], got[2048];

	if (strncmp(l, "expect ", 7) == 0) {
		long want = strtol(l + 7, NULL, 10);

		return r->status == want ? true : fail_check(k, e, r, "status differs");
	}
	if (strncmp(l, "expect-body ", 12) == 0) {
		static char want[LINE_MAX_LEN];
		size_t n = expand(l + 12, want, sizeof(want));

		return n == r->len && memcmp(want, r->body, n) == 0
			       ? true
			       : fail_check(k, e, r, "body differs");
	}
	if (strncmp(l, "expect-json ", 12) == 0)
		return json_check(k, e, r, l + 12);
	if (strncmp(l, "expect-text ", 12) == 0) {
		expand(l + 12, value, sizeof(value));
		return capture(value, r->body ? r->body : "", got, sizeof(got))
			       ? true
			       : fail_check(k, e, r, "the body does not match");
	}
	if (strncmp(l, "save-text ", 10) == 0) {
		/* save-text NAME ~ REGEX: the first group of REGEX in the body */
		char re[1024];

		if (sscanf(l + 10, "%127s ~ %1023[^\n]", name, re) != 2)
			return fail_check(k, e, r, "malformed save-text");
		expand(re, value, sizeof(value));
		if (!capture(value, r->body ? r->body : "", got, sizeof(got)))
			return fail_check(k, e, r, "nothing to save in the body");
		set_var(name, got);
		return true;
	}
	if (strncmp(l, "expect-header ", 14) == 0) {
		const char *colon = strchr(l + 14, ':');
		bool regex;

		if (!colon)
			return fail_check(k, e, r, "malformed expect-header");
		snprintf(name, sizeof(name), "%.*s", (int)(colon - (l + 14)), l + 14);
		colon++;
		while (*colon == ' ')
			colon++;
		regex = *colon == '~';
		expand(regex ? colon + 1 + (colon[1] == ' ') : colon, value, sizeof(value));
		if (strcmp(value, "absent") == 0)
			return !client_header(r, name, got, sizeof(got))
				       ? true
				       : fail_check(k, e, r, "header present");
		if (!client_header(r, name, got, sizeof(got)))
			return fail_check(k, e, r, "header missing");
		if (regex) {
			regex_t re;
			bool ok;

			if (regcomp(&re, value, REG_EXTENDED | REG_NOSUB) != 0)
				return fail_check(k, e, r, "bad regex");
			ok = regexec(&re, got, 0, NULL, 0) == 0;
			regfree(&re);
			return ok ? true : fail_check(k, e, r, got);
		}
		return strcmp(got, value) == 0 ? true : fail_check(k, e, r, got);
	}
	if (strncmp(l, "save ", 5) == 0 || strncmp(l, "save-header ", 12) == 0) {
		bool hdr = l[4] == '-';
		const char *rest = l + (hdr ? 12 : 5);
		char ptr[512];

		if (sscanf(rest, "%127s = %511s", name, ptr) != 2)
			return fail_check(k, e, r, "malformed save");
		if (hdr) {
			/* save-header NAME = Header [~ REGEX]: the value, or its first group */
			const char *re = strstr(rest, " ~ ");

			if (!client_header(r, ptr, got, sizeof(got)))
				return fail_check(k, e, r, "header to save missing");
			if (re) {
				char part[2048];

				expand(re + 3, value, sizeof(value));
				if (!capture(value, got, part, sizeof(part)))
					return fail_check(k, e, r, "nothing to save in the header");
				snprintf(got, sizeof(got), "%s", part);
			}
			set_var(name, got);
		} else {
			json_t *v = r->json ? json_pointer(r->json, ptr) : NULL;
			char *text;

			if (!v)
				return fail_check(k, e, r, "value to save missing");
			text = json_is_string(v) ? strdup(json_string_value(v))
						 : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
			set_var(name, text ? text : "");
			free(text);
		}
		return true;
	}
	return fail_check(k, e, r, "unknown check");
}

static void run_case(struct kase *k)
{
	const char *hdrs[MAX_HEADERS + 4];
	char cookie[256], csrf[128], auth[256], path[8192];
	int nh = 0;
	struct resp r;
	bool ok = true;

	if (!k->method[0])
		return;
	for (int i = 0; i < k->nheaders; i++)
		hdrs[nh++] = k->headers[i];
	if (strncmp(k->as, "token:", 6) == 0) {
		char var[80];
		const char *tok;

		snprintf(var, sizeof(var), "%s_token", k->as + 6);
		tok = get_var(var);
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", tok ? tok : k->as + 6);
		hdrs[nh++] = auth;
	} else if (strcmp(k->as, "anonymous") != 0 && k->as[0]) {
		struct user *u = user_named(k->as);

		if (!u) {
			fprintf(stderr, "FAIL %s: unknown user %s\n", k->title, k->as);
			failed++;
			return;
		}
		if (!u->cookie[0] && strcmp(u->name, "carol") != 0 && !login(u)) {
			fprintf(stderr, "FAIL %s: cannot log in as %s\n", k->title, k->as);
			failed++;
			return;
		}
		snprintf(cookie, sizeof(cookie), "Cookie: %s", u->cookie);
		hdrs[nh++] = cookie;
		if (!k->nocsrf) {
			snprintf(csrf, sizeof(csrf), "X-CSRF-Token: %s", u->csrf);
			hdrs[nh++] = csrf;
		}
	}
	if (k->has_body) {
		bool given = false;

		for (int i = 0; i < k->nheaders; i++)
			if (strncasecmp(k->headers[i], "Content-Type:", 13) == 0)
				given = true;
		if (!given)
			hdrs[nh++] = "Content-Type: application/json";
	}
	hdrs[nh] = NULL;
	expand(k->path, path, sizeof(path));
	if (client_request(srv.base, k->method, path, hdrs, k->body, k->body_len, &r) != 0) {
		fprintf(stderr, "FAIL %s (line %d): no answer from the server\n", k->title,
			k->lineno);
		failed++;
		client_free(&r);
		return;
	}
	/* every error is a problem document, but where the case says that the
	 * route answers OAuth errors (RFC 6749 §5.2) or HTML pages */
	if (r.status >= 400 && strcmp(k->errors, "oauth") == 0) {
		char ct[128];

		if (!client_header(&r, "Content-Type", ct, sizeof(ct)) ||
		    strcmp(ct, "application/json") != 0 || !r.json ||
		    !json_is_string(json_object_get(r.json, "error"))) {
			fprintf(stderr, "FAIL %s (line %d): error %ld is not an OAuth error: %s\n",
				k->title, k->lineno, r.status, r.body);
			ok = false;
		}
	} else if (r.status >= 400 && strcmp(k->errors, "html") == 0) {
		char ct[128];

		if (!client_header(&r, "Content-Type", ct, sizeof(ct)) ||
		    strncmp(ct, "text/html", 9) != 0 || !strstr(r.body, "<!doctype html>")) {
			fprintf(stderr, "FAIL %s (line %d): error %ld is not an HTML page: %s\n",
				k->title, k->lineno, r.status, r.body);
			ok = false;
		}
	} else if (r.status >= 400) {
		char ct[128];

		if (!client_header(&r, "Content-Type", ct, sizeof(ct)) ||
		    strcmp(ct, "application/problem+json") != 0 || !r.json ||
		    json_integer_value(json_object_get(r.json, "status")) != r.status ||
		    !json_is_string(json_object_get(r.json, "type"))) {
			fprintf(stderr, "FAIL %s (line %d): error %ld is not a problem document: %s\n",
				k->title, k->lineno, r.status, r.body);
			ok = false;
		}
	}
	for (int i = 0; i < k->nchecks; i++)
		ok = run_check(k, &k->checks[i], &r) && ok;
	if (ok)
		passed++;
	else
		failed++;
	client_free(&r);
}

static char *trim(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

int main(int argc, char **argv)
{
	static char raw[LINE_MAX_LEN];
	static struct kase k;
	FILE *f;
	int lineno = 0, stop;

	if (argc != 3) {
		fprintf(stderr, "usage: api_runner COMMUNE_BINARY CASES_FILE\n");
		return 2;
	}
	f = fopen(argv[2], "r");
	if (!f) {
		perror(argv[2]);
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (!test_data_dir(&srv, argv[1]) || !setup()) {
		fprintf(stderr, "FAIL setup: could not prepare the server\n");
		test_server_stop(&srv, false);
		return 1;
	}
	while (fgets(raw, sizeof(raw), f)) {
		char *l = trim(raw);

		lineno++;
		if (!*l || *l == '#')
			continue;
		if (strncmp(l, "===", 3) == 0) {
			run_case(&k);
			kase_reset(&k);
			snprintf(k.title, sizeof(k.title), "%s", trim(l + 3));
			k.lineno = lineno;
			snprintf(k.as, sizeof(k.as), "anonymous");
		} else if (strncmp(l, "as ", 3) == 0) {
			char who[64] = "", flag[16] = "";

			sscanf(l + 3, "%63s %15s", who, flag);
			snprintf(k.as, sizeof(k.as), "%s", who);
			k.nocsrf = strcmp(flag, "nocsrf") == 0;
		} else if (strncmp(l, "errors ", 7) == 0) {
			snprintf(k.errors, sizeof(k.errors), "%s", trim(l + 7));
			if (strcmp(k.errors, "oauth") != 0 && strcmp(k.errors, "html") != 0) {
				fprintf(stderr, "%s:%d: errors oauth or errors html\n", argv[2], lineno);
				failed++;
			}
		} else if (strncmp(l, "header ", 7) == 0 && k.nheaders < MAX_HEADERS) {
			char buf[4096];

			expand(l + 7, buf, sizeof(buf));
			k.headers[k.nheaders++] = strdup(buf);
		} else if (strncmp(l, "body ", 5) == 0 || strcmp(l, "body") == 0) {
			static char buf[LINE_MAX_LEN];

			k.body_len = expand(l[4] ? l + 5 : "", buf, sizeof(buf));
			k.body = malloc(k.body_len + 1);
			memcpy(k.body, buf, k.body_len + 1);
			k.has_body = true;
		} else if (strncmp(l, "body-repeat ", 12) == 0) {
			/* body-repeat N TEXT: TEXT repeated N times (large bodies) */
			char *text = NULL;
			long n = strtol(l + 12, &text, 10);
			size_t tl;

			text = trim(text);
			tl = strlen(text);
			k.body_len = (size_t)n * tl;
			k.body = malloc(k.body_len + 1);
			for (long i = 0; i < n; i++)
				memcpy(k.body + (size_t)i * tl, text, tl);
			k.body[k.body_len] = '\0';
			k.has_body = true;
		} else if (strncmp(l, "expect", 6) == 0 || strncmp(l, "save", 4) == 0) {
			if (k.nchecks < 64) {
				snprintf(k.checks[k.nchecks].line, sizeof(k.checks[0].line), "%s", l);
				k.checks[k.nchecks].lineno = lineno;
				k.nchecks++;
			}
		} else if (isupper((unsigned char)l[0])) {
			sscanf(l, "%15s %4095s", k.method, k.path);
		} else {
			fprintf(stderr, "%s:%d: cannot read \"%s\"\n", argv[2], lineno, l);
			failed++;
		}
	}
	run_case(&k);
	kase_reset(&k);
	fclose(f);
	stop = test_server_stop(&srv, failed == 0);
	if (stop != 0) {
		fprintf(stderr, "FAIL the server did not stop cleanly (status %d); log in %s\n",
			stop, srv.dir);
		failed++;
	} else if (failed) {
		fprintf(stderr, "server log: %s/server.log\n", srv.dir);
	}
	for (int i = 0; i < nvars; i++)
		free(vars[i].value);
	curl_global_cleanup();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
