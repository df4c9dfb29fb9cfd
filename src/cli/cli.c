/*
 * cli.c - option parsing and the data directory of the command line.
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "core/log.h"
#include "core/str.h"
#include "govern/govern.h"

int cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("commune: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_USER;
}

bool cli_parse(int argc, char **argv, int first, const struct cli_opt *opts, const char **pos,
	       int maxpos, int *npos)
{
	*npos = 0;
	for (int i = first; i < argc; i++) {
		const char *a = argv[i];
		const struct cli_opt *o = NULL;
		const char *eq;
		size_t n;

		if (strncmp(a, "--", 2) != 0 || strcmp(a, "--") == 0) {
			if (*npos >= maxpos) {
				fprintf(stderr, "commune: unexpected argument \"%s\"\n", a);
				return false;
			}
			pos[(*npos)++] = a;
			continue;
		}
		eq = strchr(a, '=');
		n = eq ? (size_t)(eq - a) : strlen(a);
		for (const struct cli_opt *p = opts; p && p->name; p++)
			if (strlen(p->name) == n && strncmp(p->name, a, n) == 0)
				o = p;
		if (!o) {
			fprintf(stderr, "commune: unknown option \"%.*s\"\n", (int)n, a);
			return false;
		}
		if (!o->has_arg) {
			if (eq) {
				fprintf(stderr, "commune: %s takes no value\n", o->name);
				return false;
			}
			*o->value = "1";
		} else if (eq) {
			*o->value = eq + 1;
		} else if (i + 1 < argc) {
			*o->value = argv[++i];
		} else {
			fprintf(stderr, "commune: %s needs a value\n", o->name);
			return false;
		}
	}
	return true;
}

const char *cli_data_dir(const char *data_opt)
{
	const char *dir = data_opt ? data_opt : getenv("COMMUNE_DATA");

	return dir && *dir ? dir : "./commune-data";
}

static const char *store_opt;

void cli_set_store(const char *where)
{
	store_opt = where;
}

const char *cli_store_where(const char *dir)
{
	const char *where = store_opt ? store_opt : getenv("COMMUNE_STORE");

	return where && *where ? where : dir;
}

/* store_error - says why the store at where could not be opened; never
 * the URL itself: it may hold a password */
static void store_error(const char *where, const char *dir, enum cmn_rc rc, const char *keypath)
{
	if (rc == CMN_ERR_WRONG_KEY)
		cli_error("the platform key (%s) is not the key of this store: restore the right "
			  "master.key (docs/deploy.md, \"The keys\")",
			  keypath);
	else if (where != dir)
		cli_error("cannot open the PostgreSQL store: %s (%s)", cmn_strerror(rc),
			  store_last_error());
	else
		cli_error("cannot open the store in %s: %s (%s)", dir, cmn_strerror(rc),
			  store_last_error());
}

/*
 * open_key - the platform key of keypath, for the store at where. A key
 * file that is not there is made, with the data directory dir if need be,
 * only for a store that has no key yet (a new territory: the first command
 * run): a store that has one must get its own back from the backup of the
 * keys, since under a new key everything it sealed would be unreadable and
 * what it signed would not verify. store_open then checks that the key is
 * the store's.
 */
static bool open_key(struct keyring *keys, const char *keypath, const char *where,
		     const char *dir)
{
	enum cmn_rc rc = keyring_open(keys, keypath, 0);
	bool bound = false;

	if (rc == CMN_ERR_NOT_FOUND) {
		if ((rc = store_key_bound(where, &bound)) != CMN_OK) {
			store_error(where, dir, rc, keypath);
			return false;
		}
		if (bound) {
			cli_error("the platform key (%s) is missing, and this store has one: restore "
				  "master.key from the backup of the keys (docs/deploy.md, \"The "
				  "keys\")",
				  keypath);
			return false;
		}
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			cli_error("cannot create the data directory %s: %s", dir, strerror(errno));
			return false;
		}
		rc = keyring_open(keys, keypath, KEYRING_CREATE);
	}
	if (rc != CMN_OK) {
		cli_error("cannot use the key file %s: it must be 32 bytes, mode 0600 (%s)", keypath,
			  cmn_strerror(rc));
		return false;
	}
	return true;
}

bool cli_open(struct cli_env *env, const char *data_opt)
{
	char keypath[4096], err[256];
	const char *dir = cli_data_dir(data_opt), *where = cli_store_where(dir);
	enum cmn_rc rc;

	memset(env, 0, sizeof(*env));
	env->dir = dir;
	if (crypt_init() != CMN_OK) {
		cli_error("cannot initialise libsodium");
		return false;
	}
	if (where != dir && !store_is_pg_url(where)) {
		cli_error("--store (or COMMUNE_STORE) must be a postgres:// or postgresql:// URL; "
			  "a data directory is given with --data");
		return false;
	}
	snprintf(keypath, sizeof(keypath), "%s/master.key", dir);
	if (!open_key(&env->keys, keypath, where, dir))
		return false;
	rc = registry_load(&env->registry, err, sizeof(err));
	if (rc != CMN_OK) {
		cli_error("doctype registry: %s", err);
		keyring_release(&env->keys);
		return false;
	}
	rc = store_open(&env->store, where, &env->keys);
	if (rc == CMN_OK)
		rc = registry_sync(&env->registry, env->store);
	if (rc != CMN_OK) {
		store_error(where, dir, rc, keypath);
		cli_close(env);
		return false;
	}
	return true;
}

void cli_close(struct cli_env *env)
{
	store_close(&env->store);
	registry_release(&env->registry);
	keyring_release(&env->keys);
}

bool cli_vote_min(const char *v, int64_t *ms)
{
	int64_t n;

	if (!v) {
		*ms = GOVERN_VOTE_MIN_DEFAULT_MS;
		return true;
	}
	if (str_to_i64(v, 1, GOVERN_VOTE_MAX_MS / 1000, &n) != CMN_OK) {
		fprintf(stderr, "commune: --vote-min-seconds must be an integer from 1 to %lld"
				" (90 days)\n", (long long)(GOVERN_VOTE_MAX_MS / 1000));
		return false;
	}
	*ms = n * 1000;
	return true;
}

bool cli_read_secret(char *out, size_t n)
{
	size_t len;

	if (!fgets(out, (int)n, stdin))
		return false;
	len = strlen(out);
	if (len && out[len - 1] == '\n')
		out[--len] = '\0';
	else if (len == n - 1)
		return false; /* longer than the buffer */
	if (len && out[len - 1] == '\r')
		out[--len] = '\0';
	return true;
}
