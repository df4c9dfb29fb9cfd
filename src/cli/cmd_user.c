/*
 * cmd_user.c - `commune user add|list|passwd|disable|enable|delete` and
 * `commune org add|list`.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "account/account.h"
#include "cli/cli.h"
#include "core/limits.h"
#include "core/timeutil.h"

static int user_add(struct cli_env *env, const char *handle, const char *role, const char *org)
{
	char password[CMN_PASSWORD_MAX + 2];
	const char *why = NULL;
	struct person p;
	enum cmn_rc rc;

	if (!cli_read_secret(password, sizeof(password)))
		return cli_error("reading the password from standard input failed "
				 "(one line, at most %d bytes)", CMN_PASSWORD_MAX);
	rc = account_add(env->store, handle, role ? role : "resident", org, password, &p, &why);
	sodium_memzero(password, sizeof(password));
	if (rc != CMN_OK)
		return cli_error("cannot add %s: %s", handle, why ? why : cmn_strerror(rc));
	printf("%s\t%s\t%s\n", p.handle, p.id, p.role);
	return 0;
}

/* user_passwd - sets a person's password from standard input (an operator's
 * act, e.g. giving a synthetic demo person a login); their sessions end */
static int user_passwd(struct cli_env *env, const struct person *p)
{
	char password[CMN_PASSWORD_MAX + 2], hash[CRYPT_PWHASH_LEN];
	const char *why = NULL;
	enum cmn_rc rc;

	if (!cli_read_secret(password, sizeof(password)))
		return cli_error("reading the password from standard input failed "
				 "(one line, at most %d bytes)", CMN_PASSWORD_MAX);
	rc = account_password_check(password, &why);
	if (rc == CMN_OK)
		rc = crypt_password_hash(password, hash);
	sodium_memzero(password, sizeof(password));
	if (rc == CMN_OK)
		rc = store_person_set_password(env->store, p->id, hash, NULL);
	sodium_memzero(hash, sizeof(hash));
	if (rc != CMN_OK)
		return cli_error("cannot set the password of %s: %s", p->handle,
				 why ? why : cmn_strerror(rc));
	printf("password of %s set\n", p->handle);
	return 0;
}

static enum cmn_rc print_person(const struct person *p, void *ctx)
{
	char t[TIME_RFC3339_LEN];

	(void)ctx;
	time_format(t, p->created);
	printf("%-24s %-13s %-20s %-8s %s\n", p->handle, p->role, p->org[0] ? p->org : "-",
	       p->disabled ? "disabled" : "active", t);
	return CMN_OK;
}

int cmd_user(int argc, char **argv)
{
	const char *data = NULL, *role = NULL, *org = NULL, *confirm = NULL;
	const struct cli_opt opts[] = {
		{"--data", true, &data},
		{"--role", true, &role},
		{"--org", true, &org},
		{"--confirm", true, &confirm},
		{NULL, false, NULL},
	};
	const char *pos[2];
	struct cli_env env;
	struct person p;
	int npos, ret = 0;
	enum cmn_rc rc;

	if (!cli_parse(argc, argv, 2, opts, pos, 2, &npos) || npos < 1) {
		fprintf(stderr, "usage: commune user add|list|passwd|disable|enable|delete [HANDLE] "
				"[--role R] [--org ORG] [--confirm HANDLE] [--data DIR]\n");
		return EXIT_USAGE;
	}
	if (strcmp(pos[0], "list") != 0 && npos != 2) {
		fprintf(stderr, "commune: user %s needs a HANDLE\n", pos[0]);
		return EXIT_USAGE;
	}
	if (strcmp(pos[0], "add") != 0 && strcmp(pos[0], "list") != 0 &&
	    strcmp(pos[0], "disable") != 0 && strcmp(pos[0], "enable") != 0 &&
	    strcmp(pos[0], "delete") != 0 && strcmp(pos[0], "passwd") != 0) {
		fprintf(stderr, "commune: unknown user command \"%s\"\n", pos[0]);
		return EXIT_USAGE;
	}
	if (!cli_open(&env, data))
		return EXIT_USER;
	if (strcmp(pos[0], "add") == 0) {
		ret = user_add(&env, pos[1], role, org);
	} else if (strcmp(pos[0], "list") == 0) {
		rc = store_person_each(env.store, print_person, NULL);
		if (rc != CMN_OK)
			ret = cli_error("cannot list persons: %s", cmn_strerror(rc));
	} else if (store_person_by_handle(env.store, pos[1], &p, NULL) != CMN_OK) {
		ret = cli_error("no person with the handle %s", pos[1]);
	} else if (strcmp(pos[0], "passwd") == 0) {
		ret = user_passwd(&env, &p);
	} else if (strcmp(pos[0], "delete") == 0) {
		if (!confirm || strcmp(confirm, p.handle) != 0) {
			ret = cli_error("erasing %s deletes their store for good: repeat the handle "
					"with --confirm %s",
					p.handle, p.handle);
		} else if ((rc = store_person_delete(env.store, p.id)) != CMN_OK) {
			ret = cli_error("cannot erase %s: %s", p.handle, cmn_strerror(rc));
		} else {
			printf("erased %s\n", p.handle);
		}
	} else {
		bool off = strcmp(pos[0], "disable") == 0;

		rc = store_person_set_disabled(env.store, p.id, off);
		if (rc != CMN_OK)
			ret = cli_error("cannot change %s: %s", p.handle, cmn_strerror(rc));
		else
			printf("%s %s\n", off ? "disabled" : "enabled", p.handle);
	}
	cli_close(&env);
	return ret;
}

static enum cmn_rc print_org(const struct org *o, void *ctx)
{
	(void)ctx;
	printf("%-32s %-12s %s\n", o->name, o->kind, o->id);
	return CMN_OK;
}

int cmd_org(int argc, char **argv)
{
	const char *data = NULL, *kind = NULL;
	const struct cli_opt opts[] = {
		{"--data", true, &data},
		{"--kind", true, &kind},
		{NULL, false, NULL},
	};
	const char *pos[2];
	struct cli_env env;
	struct org o;
	int npos, ret = 0;
	enum cmn_rc rc;

	if (!cli_parse(argc, argv, 2, opts, pos, 2, &npos) || npos < 1 ||
	    (strcmp(pos[0], "add") == 0 && npos != 2) ||
	    (strcmp(pos[0], "add") != 0 && strcmp(pos[0], "list") != 0)) {
		fprintf(stderr, "usage: commune org add NAME [--kind city|holder|reuser|trust|"
				"cooperative] [--data DIR] | commune org list\n");
		return EXIT_USAGE;
	}
	if (kind && !account_org_kind_valid(kind))
		return cli_error("--kind must be city, holder, reuser, trust or cooperative");
	if (npos == 2 && (strlen(pos[1]) == 0 || strlen(pos[1]) > ORG_NAME_MAX))
		return cli_error("an organisation name has 1 to %d bytes", ORG_NAME_MAX);
	if (!cli_open(&env, data))
		return EXIT_USER;
	if (strcmp(pos[0], "list") == 0) {
		rc = store_org_each(env.store, print_org, NULL);
	} else {
		rc = store_org_add(env.store, pos[1], kind ? kind : "city", &o);
		if (rc == CMN_OK)
			printf("%s\t%s\t%s\n", o.name, o.id, o.kind);
	}
	if (rc == CMN_ERR_EXISTS)
		ret = cli_error("an organisation named %s exists already", pos[1]);
	else if (rc != CMN_OK)
		ret = cli_error("%s", cmn_strerror(rc));
	cli_close(&env);
	return ret;
}

int cmd_audit(int argc, char **argv)
{
	const char *data = NULL, *person = NULL, *handle;
	const struct cli_opt opts[] = {{"--data", true, &data}, {"--person", true, &person},
				       {NULL, false, NULL}};
	const char *pos[2];
	struct cli_env env;
	struct person p;
	struct pstore *ps;
	int64_t count = 0, bad = 0;
	int npos, ret = 0;
	enum cmn_rc rc;

	if (!cli_parse(argc, argv, 2, opts, pos, 2, &npos) || npos < 1 ||
	    strcmp(pos[0], "verify") != 0 || npos != (person ? 1 : 2)) {
		fprintf(stderr, "usage: commune audit verify (HANDLE | --person HANDLE) [--data DIR]\n");
		return EXIT_USAGE;
	}
	handle = person ? person : pos[1];
	if (!cli_open(&env, data))
		return EXIT_USER;
	rc = store_person_by_handle(env.store, handle, &p, NULL);
	if (rc == CMN_OK)
		rc = store_person_store(env.store, p.id, &ps);
	if (rc == CMN_OK)
		rc = pstore_audit_verify(ps, &count, &bad);
	if (rc == CMN_OK)
		printf("audit chain of %s: %lld entries, intact\n", p.handle, (long long)count);
	else if (rc == CMN_ERR_CONFLICT)
		ret = cli_error("audit chain of %s is broken at entry %lld", p.handle,
				(long long)bad);
	else if (rc == CMN_ERR_NOT_FOUND)
		ret = cli_error("no person with the handle %s", handle);
	else
		ret = cli_error("%s", cmn_strerror(rc));
	cli_close(&env);
	return ret;
}

int cmd_doctype(int argc, char **argv)
{
	const char *data = NULL;
	const struct cli_opt opts[] = {{"--data", true, &data}, {NULL, false, NULL}};
	const char *pos[1];
	struct registry r;
	char err[256];
	int npos;

	if (!cli_parse(argc, argv, 2, opts, pos, 1, &npos) || npos != 1 ||
	    strcmp(pos[0], "list") != 0) {
		fprintf(stderr, "usage: commune doctype list\n");
		return EXIT_USAGE;
	}
	if (registry_load(&r, err, sizeof(err)) != CMN_OK)
		return cli_error("doctype registry: %s", err);
	for (size_t i = 0; i < r.n; i++)
		printf("%-36s v%-3d %-10s %s\n", r.v[i].name, r.v[i].version, r.v[i].kind,
		       r.v[i].sensitivity);
	registry_release(&r);
	return 0;
}
