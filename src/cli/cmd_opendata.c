/*
 * cmd_opendata.c - `commune opendata` (docs/opendata.md): the operator
 * loads a file (a directory for a GTFS feed) as the next version of an open
 * dataset of the territory, lists the datasets, shows one.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/jsontext.h"
#include "core/jsonparse.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "opendata/opendata.h"

#define OPENDATA_USAGE                                                                     \
	"usage: commune opendata load KIND PATH --name NAME [--source S] [--licence L]\n"   \
	"       commune opendata ls | show NAME [--version N]\n"                             \
	"KIND: emission_factors, districts, gtfs (PATH a directory), tariffs, weather\n"

/* the files of a GTFS feed that are read */
static const char *const gtfs_files[] = {"agency.txt", "stops.txt", "routes.txt", "trips.txt"};

static char *slurp(const char *path, size_t *len, bool *missing)
{
	FILE *f = fopen(path, "rb");
	char *data = f ? malloc((size_t)OPENDATA_FILE_MAX + 2) : NULL;
	size_t n = data ? fread(data, 1, (size_t)OPENDATA_FILE_MAX + 1, f) : 0;

	*missing = !f;
	if (f)
		fclose(f);
	if (!data || n > OPENDATA_FILE_MAX) {
		free(data);
		return NULL;
	}
	data[n] = '\0';
	*len = n;
	return data;
}

/* read_files - PATH itself, or the GTFS files in the directory PATH */
static int read_files(const char *path, enum opendata_kind kind, struct opendata_file *files,
		      char **bufs, size_t *n)
{
	size_t count = kind == OPENDATA_GTFS ? sizeof(gtfs_files) / sizeof(*gtfs_files) : 1;

	*n = 0;
	for (size_t i = 0; i < count; i++) {
		char full[4096];
		size_t len = 0;
		bool missing;

		if (kind == OPENDATA_GTFS)
			snprintf(full, sizeof(full), "%s/%s", path, gtfs_files[i]);
		else
			snprintf(full, sizeof(full), "%s", path);
		if (!(bufs[*n] = slurp(full, &len, &missing))) {
			if (missing && kind == OPENDATA_GTFS)
				continue; /* the parser says which are required */
			return cli_error("%s: cannot read it (or it is over %d bytes)", full,
					 OPENDATA_FILE_MAX);
		}
		files[*n].name = kind == OPENDATA_GTFS ? gtfs_files[i] : path;
		files[*n].data = bufs[*n];
		files[*n].len = len;
		(*n)++;
	}
	if (*n == 0)
		return cli_error("%s: no GTFS file (agency.txt, stops.txt, routes.txt) in it", path);
	return 0;
}

static int load(struct cli_env *env, const char *kind_name, const char *path, const char *name,
		const char *source, const char *licence)
{
	struct opendata_file files[OPENDATA_FILES_MAX];
	char *bufs[OPENDATA_FILES_MAX] = {0}, err[OPENDATA_ERR_MAX] = "";
	struct opendata_version v;
	struct opendata_load l;
	size_t n = 0;
	int ret;
	enum cmn_rc rc;

	if (!opendata_kind_parse(kind_name, &l.kind))
		return cli_error("%s: not a kind of open data (emission_factors, districts, gtfs,"
				 " tariffs, weather)", kind_name);
	if ((ret = read_files(path, l.kind, files, bufs, &n)) != 0)
		goto done;
	l.name = name;
	l.source = source ? source : path;
	l.licence = licence ? licence : "not stated";
	l.files = files;
	l.nfiles = n;
	l.now = time_now_ms();
	rc = opendata_load(env->store, &l, &v, err, sizeof(err));
	if (rc == CMN_ERR_INVALID || rc == CMN_ERR_CONFLICT)
		ret = cli_error("%s: %s", path, err);
	else if (rc != CMN_OK)
		ret = cli_error("%s", cmn_strerror(rc));
	else
		printf("%s: version %lld of %s (%s, %lld bytes, sha256 %s)\n", v.name,
		       (long long)v.version, v.name, v.kind, (long long)v.bytes, v.sha256);
	opendata_version_release(&v);
done:
	for (size_t i = 0; i < OPENDATA_FILES_MAX; i++)
		free(bufs[i]);
	return ret;
}

static enum cmn_rc print_version(const struct opendata_version *v, void *ctx)
{
	char at[TIME_RFC3339_LEN];

	(void)ctx;
	time_format(at, v->loaded);
	printf("%-24s %-16s v%-3lld %s %-12s %s\n", v->name, v->kind, (long long)v->version, at,
	       v->licence, v->source);
	return CMN_OK;
}

static int show(struct cli_env *env, const char *name, const char *version)
{
	struct opendata_version v;
	int64_t n = 0;
	json_t *content;
	enum cmn_rc rc;

	if (version && str_to_i64(version, 1, INT64_MAX, &n) != CMN_OK)
		return cli_error("--version: a number from 1");
	rc = store_opendata_get(env->store, name, n, &v);
	if (rc == CMN_ERR_NOT_FOUND)
		return cli_error("%s: no such dataset%s", name, version ? " version" : "");
	if (rc != CMN_OK)
		return cli_error("%s", cmn_strerror(rc));
	print_version(&v, NULL);
	printf("sha256 %s, %lld bytes\n", v.sha256, (long long)v.bytes);
	content = json_parse_str(v.content);
	if (content) {
		char *text = json_text_dumps(content, JSON_INDENT(2) | JSON_SORT_KEYS |
							      JSON_REAL_PRECISION(15));

		if (text)
			fputs(text, stdout);
		free(text);
	}
	putchar('\n');
	json_decref(content);
	opendata_version_release(&v);
	return 0;
}

int cmd_opendata(int argc, char **argv)
{
	const char *data = NULL, *name = NULL, *source = NULL, *licence = NULL, *version = NULL;
	const struct cli_opt opts[] = {
		{"--data", true, &data},       {"--name", true, &name},
		{"--source", true, &source},   {"--licence", true, &licence},
		{"--version", true, &version}, {NULL, false, NULL},
	};
	const char *pos[3];
	struct cli_env env;
	int npos, ret = 0;
	enum cmn_rc rc;

	if (!cli_parse(argc, argv, 2, opts, pos, 3, &npos) || npos < 1 ||
	    !((strcmp(pos[0], "load") == 0 && npos == 3 && name) ||
	      (strcmp(pos[0], "ls") == 0 && npos == 1) ||
	      (strcmp(pos[0], "show") == 0 && npos == 2))) {
		fputs(OPENDATA_USAGE, stderr);
		return EXIT_USAGE;
	}
	if (!cli_open(&env, data))
		return EXIT_USER;
	if (strcmp(pos[0], "load") == 0) {
		ret = load(&env, pos[1], pos[2], name, source, licence);
	} else if (strcmp(pos[0], "show") == 0) {
		ret = show(&env, pos[1], version);
	} else if ((rc = store_opendata_each(env.store, print_version, NULL)) != CMN_OK) {
		ret = cli_error("%s", cmn_strerror(rc));
	}
	cli_close(&env);
	return ret;
}
