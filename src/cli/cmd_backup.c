/*
 * cmd_backup.c - `commune backup OUT [--person HANDLE]` and `commune restore
 * BACKUP [--person]` (docs/backup.md): a consistent copy of the territory
 * or of one person's store, taken while a server runs, and its restore.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "store/store_backup.h"

static double mib(uint64_t bytes)
{
	return (double)bytes / (1024.0 * 1024.0);
}

int cmd_backup(int argc, char **argv)
{
	const char *data = NULL, *handle = NULL;
	const struct cli_opt opts[] = {
		{"--data", true, &data}, {"--person", true, &handle}, {NULL, false, NULL},
	};
	const char *pos[1];
	struct backup_stats st;
	struct cli_env env;
	struct person p;
	char why[512] = "";
	int npos, ret = 0;

	if (!cli_parse(argc, argv, 2, opts, pos, 1, &npos) || npos != 1) {
		fprintf(stderr, "usage: commune backup OUT [--person HANDLE]\n");
		return EXIT_USAGE;
	}
	if (!cli_open(&env, data))
		return EXIT_USER;
	if (handle && store_person_by_handle(env.store, handle, &p, NULL) != CMN_OK) {
		ret = cli_error("no person with the handle %s", handle);
	} else if (store_backup(env.store, handle ? p.id : NULL, pos[0], &st, why, sizeof(why)) !=
		   CMN_OK) {
		ret = cli_error("backup failed: %s", why);
	} else if (handle) {
		printf("backup of %s: 1 store, %d blobs, %.1f MiB in %s\n", handle, st.blobs,
		       mib(st.bytes), pos[0]);
	} else {
		printf("backup of the territory: %d stores, %d blobs, %.1f MiB in %s\n"
		       "It holds the territory's keys: keep it where only the operator reads.\n",
		       st.stores, st.blobs, mib(st.bytes), pos[0]);
	}
	cli_close(&env);
	return ret;
}

/* verify_one - a store_person_each step over a restored territory: the
 * person's audit chain verifies (what `commune audit verify` does for one) */
struct verified {
	struct store *s;
	int persons, bad;
	int64_t entries;
	char first[CMN_HANDLE_MAX + 1]; /* the first that does not, and where */
	int64_t first_at;
};

static enum cmn_rc verify_one(const struct person *p, void *ctx)
{
	struct verified *v = ctx;
	struct pstore *ps;
	int64_t count = 0, bad = 0;

	v->persons++;
	if (store_person_store(v->s, p->id, &ps) != CMN_OK ||
	    pstore_audit_verify(ps, &count, &bad) != CMN_OK) {
		if (!v->bad++) {
			snprintf(v->first, sizeof(v->first), "%s", p->handle);
			v->first_at = bad;
		}
	}
	v->entries += count;
	return CMN_OK;
}

int cmd_restore(int argc, char **argv)
{
	const char *data = NULL, *person = NULL;
	const struct cli_opt opts[] = {
		{"--data", true, &data}, {"--person", false, &person}, {NULL, false, NULL},
	};
	const char *pos[1];
	struct backup_stats st;
	struct cli_env env;
	char why[512] = "";
	int npos, ret = 0;

	if (!cli_parse(argc, argv, 2, opts, pos, 1, &npos) || npos != 1) {
		fprintf(stderr, "usage: commune restore BACKUP            (a territory, into a new "
				"--data directory)\n"
				"       commune restore BACKUP --person   (one person's store, in place)\n");
		return EXIT_USAGE;
	}
	if (person) {
		struct person p;

		if (!cli_open(&env, data))
			return EXIT_USER;
		if (store_restore_person(env.store, pos[0], "cli:restore", &st, why, sizeof(why)) !=
		    CMN_OK) {
			ret = cli_error("restore failed, nothing changed: %s", why);
		} else {
			if (store_person_by_id(env.store, st.person_id, &p, NULL) != CMN_OK)
				snprintf(p.handle, sizeof(p.handle), "%.32s", st.person_id);
			printf("restored the store of %s: %d blobs, %.1f MiB from %s\n", p.handle,
			       st.blobs, mib(st.bytes), pos[0]);
		}
		cli_close(&env);
		return ret;
	}
	data = cli_data_dir(data);
	if (backup_restore_territory(pos[0], data, &st, why, sizeof(why)) != CMN_OK)
		return cli_error("restore failed, nothing changed: %s", why);
	if (!cli_open(&env, data))
		return EXIT_USER;
	{
		struct verified v = {env.store, 0, 0, 0, "", 0};

		store_person_each(env.store, verify_one, &v);
		if (v.bad)
			ret = cli_error("restored into %s, but %d of %d stores do not verify (the "
					"first: %s's, at entry %lld)",
					data, v.bad, v.persons, v.first, (long long)v.first_at);
		else
			printf("restored the territory into %s: %d stores, %d blobs, %.1f MiB; %d "
			       "audit chains verified (%lld entries)\n",
			       data, st.stores, st.blobs, mib(st.bytes), v.persons,
			       (long long)v.entries);
	}
	cli_close(&env);
	return ret;
}
