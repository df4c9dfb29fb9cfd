/*
 * cmd_app.c - `commune app`: pack an app's sources into a package, sign
 * (certify) and revoke packages as the territory's operator, and install,
 * run, list and remove apps in a person's store. See docs/apps.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps/app.h"
#include "cli/cli.h"
#include "core/buf.h"
#include "core/jsonparse.h"
#include "core/jsontext.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "store/store_apps.h"

#define APP_USAGE                                                                              \
	"usage: commune app pack (DIR | builtin:NAME) [--out FILE]\n"                           \
	"       commune app sign FILE\n"                                                        \
	"       commune app revoke ID [--version V]\n"                                          \
	"       commune app install (FILE | builtin:NAME) --person HANDLE\n"                    \
	"       commune app run ID --person HANDLE [--params JSON]\n"                           \
	"       commune app ls [--person HANDLE]\n"                                             \
	"       commune app remove ID --person HANDLE\n"

#define OPERATOR "operator:cli"

struct args {
	const char *verb, *arg, *out, *version, *person, *params;
	char person_id[CRYPT_ID_LEN];     /* of --person, once found */
	struct cli_env env;
};

/* read_file - a whole file into *out (malloc'd). */
static bool read_file(const char *path, char **out, size_t *n)
{
	struct buf b;

	buf_init(&b, APP_PACKAGE_MAX + 1);
	if (buf_read_file(&b, path) != CMN_OK) {
		buf_release(&b);
		return false;
	}
	*out = b.data;
	*n = b.len;
	return true;
}

static bool write_file(const char *path, const char *bytes, size_t n)
{
	FILE *f = fopen(path, "wb");
	bool ok = f && fwrite(bytes, 1, n, f) == n;

	if (f && fclose(f) != 0)
		ok = false;
	return ok;
}

/* package_bytes - a package file, or the package of a builtin app. */
static int package_bytes(struct args *a, const char *what, char **bytes, size_t *n)
{
	char err[300];

	if (strncmp(what, "builtin:", 8) == 0) {
		if (app_pack(what, &a->env.registry, bytes, n, err, sizeof(err)) != CMN_OK)
			return cli_error("%s", err);
		return 0;
	}
	if (!read_file(what, bytes, n))
		return cli_error("%s: cannot read it (a package is at most %d bytes)", what,
				 APP_PACKAGE_MAX);
	return 0;
}

static int do_pack(struct args *a)
{
	char err[300], path[256], *bytes = NULL;
	struct app_package p;
	size_t n = 0;

	if (app_pack(a->arg, &a->env.registry, &bytes, &n, err, sizeof(err)) != CMN_OK)
		return cli_error("%s", err);
	if (app_package_parse(bytes, n, &a->env.registry, &p, err, sizeof(err)) != CMN_OK) {
		free(bytes);
		return cli_error("%s", err);
	}
	snprintf(path, sizeof(path), "%s-%s.cpkg", p.m.id, p.m.version);
	if (!write_file(a->out ? a->out : path, bytes, n)) {
		free(bytes);
		app_package_release(&p);
		return cli_error("%s: cannot write it", a->out ? a->out : path);
	}
	printf("%s %s: %zu bytes, sha256 %s, in %s\n", p.m.id, p.m.version, n, p.sha256,
	       a->out ? a->out : path);
	free(bytes);
	app_package_release(&p);
	return 0;
}

static int do_sign(struct args *a)
{
	char err[300], path[4096], *bytes = NULL, *jws;
	struct app_package p;
	size_t n = 0;
	int ret;

	if ((ret = package_bytes(a, a->arg, &bytes, &n)) != 0)
		return ret;
	if (app_package_parse(bytes, n, &a->env.registry, &p, err, sizeof(err)) != CMN_OK) {
		free(bytes);
		return cli_error("%s: %s", a->arg, err);
	}
	free(bytes);
	jws = app_sign(&a->env.keys, &p);
	if (!jws || store_app_cert_put(a->env.store, p.sha256, p.m.id, p.m.version, jws) != CMN_OK) {
		free(jws);
		app_package_release(&p);
		return cli_error("the certificate could not be made");
	}
	snprintf(path, sizeof(path), "%s.sig", a->arg);
	if (strncmp(a->arg, "builtin:", 8) != 0 && !write_file(path, jws, strlen(jws)))
		ret = cli_error("%s: cannot write it", path);
	else
		printf("certified %s %s (sha256 %s)\n", p.m.id, p.m.version, p.sha256);
	free(jws);
	app_package_release(&p);
	return ret;
}

static int do_revoke(struct args *a)
{
	int64_t n = 0;

	if (store_app_cert_revoke(a->env.store, a->arg, a->version, &n) != CMN_OK)
		return cli_error("the store failed");
	if (n == 0)
		return cli_error("no certificate in force for %s%s%s", a->arg, a->version ? " " : "",
				 a->version ? a->version : "");
	printf("revoked %lld certificate%s of %s: it stops at its next run everywhere\n",
	       (long long)n, n > 1 ? "s" : "", a->arg);
	return 0;
}

static int person_store(struct args *a, struct pstore **ps)
{
	struct person p;

	a->person_id[0] = '\0';
	if (!a->person)
		return cli_error("--person HANDLE is required");
	if (store_person_by_handle(a->env.store, a->person, &p, NULL) != CMN_OK)
		return cli_error("no person with the handle %s", a->person);
	if (store_person_store(a->env.store, p.id, ps) != CMN_OK)
		return cli_error("the store of %s cannot be opened", a->person);
	str_copy(a->person_id, sizeof(a->person_id), p.id);
	return 0;
}

static struct app_env env_of(struct args *a)
{
	struct app_env env = {a->env.store, &a->env.keys, &a->env.registry, false};

	return env;
}

static int do_install(struct args *a)
{
	struct app_env env = env_of(a);
	struct app_package p;
	struct pstore *ps = NULL;
	char err[300] = "", *bytes = NULL;
	size_t n = 0;
	int ret;

	if ((ret = person_store(a, &ps)) != 0 || (ret = package_bytes(a, a->arg, &bytes, &n)) != 0)
		return ret;
	if (app_install(&env, a->person_id, ps, bytes, n, OPERATOR, &p, err, sizeof(err)) !=
	    CMN_OK) {
		free(bytes);
		return cli_error("%s", err[0] ? err : "the store failed");
	}
	printf("installed %s %s for %s\n", p.m.id, p.m.version, a->person);
	free(bytes);
	app_package_release(&p);
	return 0;
}

static int do_run(struct args *a)
{
	struct app_env env = env_of(a);
	struct app_run r;
	struct pstore *ps = NULL;
	json_t *params = NULL, *report;
	char err[300] = "", *text;
	enum cmn_rc rc;
	int ret;

	if ((ret = person_store(a, &ps)) != 0)
		return ret;
	/* json_is_object is a macro that reads its argument twice: load first */
	if (a->params)
		params = json_parse_str(a->params);
	if (a->params && !json_is_object(params)) {
		json_decref(params);
		return cli_error("--params: a JSON object is required");
	}
	rc = app_run_installed(&env, ps, a->arg, "demand", params, &r, err, sizeof(err));
	json_decref(params);
	if (rc == CMN_ERR_NOT_FOUND)
		return cli_error("%s has no app %s", a->person, a->arg);
	if (rc != CMN_OK)
		return cli_error("%s", err[0] ? err : cmn_strerror(rc));
	report = json_pack("{s:s, s:O?, s:I, s:I, s:I, s:I}", "outcome", app_outcome_name(r.outcome),
			   "result", r.result, "records_read", (json_int_t)r.records_read,
			   "points_read", (json_int_t)r.points_read, "records_written",
			   (json_int_t)r.records_written, "elapsed_us", (json_int_t)r.elapsed_us);
	text = report ? json_text_dumps(report, JSON_INDENT(2) | JSON_ENCODE_ANY) : NULL;
	if (text)
		printf("%s\n", text);
	free(text);
	json_decref(report);
	if (r.outcome != APP_OK)
		ret = cli_error("%s stopped: %s: %s", a->arg, app_outcome_name(r.outcome), r.error);
	app_run_release(&r);
	return ret;
}

static enum cmn_rc print_cert(const struct app_cert *c, void *ctx)
{
	char when[TIME_RFC3339_LEN];

	(void)ctx;
	time_format(when, c->revoked_at ? c->revoked_at : c->signed_at);
	printf("%-24s %-10s %s  %s %s\n", c->app_id, c->version, c->sha256,
	       c->revoked_at ? "revoked" : "signed", when);
	return CMN_OK;
}

static enum cmn_rc print_app(const struct app_row *r, void *ctx)
{
	char when[TIME_RFC3339_LEN] = "never";

	(void)ctx;
	if (r->last_run)
		time_format(when, r->last_run);
	printf("%-24s %-10s %s  last run %s\n", r->id, r->version, r->sha256, when);
	return CMN_OK;
}

static int do_ls(struct args *a)
{
	struct pstore *ps = NULL;
	int ret;

	if (!a->person)
		return store_app_cert_each(a->env.store, print_cert, NULL) == CMN_OK
			       ? 0
			       : cli_error("the store failed");
	if ((ret = person_store(a, &ps)) != 0)
		return ret;
	return pstore_app_each(ps, print_app, NULL) == CMN_OK ? 0 : cli_error("the store failed");
}

static int do_remove(struct args *a)
{
	struct pstore *ps = NULL;
	enum cmn_rc rc;
	int ret;

	if ((ret = person_store(a, &ps)) != 0)
		return ret;
	{
		struct app_env env = env_of(a);

		rc = app_remove(&env, a->person_id, ps, a->arg, OPERATOR);
	}
	if (rc == CMN_ERR_NOT_FOUND)
		return cli_error("%s has no app %s", a->person, a->arg);
	if (rc != CMN_OK)
		return cli_error("the store failed");
	printf("removed %s for %s\n", a->arg, a->person);
	return 0;
}

int cmd_app(int argc, char **argv)
{
	static const struct {
		const char *verb;
		int (*fn)(struct args *a);
		bool arg;
	} verbs[] = {
		{"pack", do_pack, true},       {"sign", do_sign, true}, {"revoke", do_revoke, true},
		{"install", do_install, true}, {"run", do_run, true},	 {"ls", do_ls, false},
		{"remove", do_remove, true},
	};
	struct args a = {0};
	const char *data = NULL, *pos[2];
	const struct cli_opt opts[] = {
		{"--data", true, &data},     {"--out", true, &a.out},	     {"--version", true, &a.version},
		{"--person", true, &a.person}, {"--params", true, &a.params}, {NULL, false, NULL},
	};
	size_t v = 0;
	int npos, ret;

	if (!cli_parse(argc, argv, 2, opts, pos, 2, &npos) || npos < 1)
		goto usage;
	while (v < sizeof(verbs) / sizeof(*verbs) && strcmp(verbs[v].verb, pos[0]) != 0)
		v++;
	if (v == sizeof(verbs) / sizeof(*verbs) || npos != (verbs[v].arg ? 2 : 1))
		goto usage;
	a.verb = pos[0];
	a.arg = npos > 1 ? pos[1] : NULL;
	if (verbs[v].fn == do_pack) {
		/* packing needs the doctypes only, not a data directory */
		char err[256];

		if (registry_load(&a.env.registry, err, sizeof(err)) != CMN_OK)
			return cli_error("doctype registry: %s", err);
		ret = do_pack(&a);
		registry_release(&a.env.registry);
		return ret;
	}
	if (!cli_open(&a.env, data))
		return EXIT_USER;
	ret = verbs[v].fn(&a);
	cli_close(&a.env);
	return ret;
usage:
	fputs(APP_USAGE, stderr);
	return EXIT_USAGE;
}
