/*
 * cmd_datamap.c - `commune datamap` and `commune portability`
 * (docs/datamap.md): the operator loads the territory's data map from a
 * JSON catalogue and lists it; `portability remind` sends the reminders of
 * the requests whose deadline passed now, as `commune serve` does every
 * minute (for tests and the demo).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/jsonparse.h"
#include "core/timeutil.h"
#include "datamap/datamap.h"

#define DATAMAP_USAGE "usage: commune datamap load FILE.json | ls\n"
#define PORTABILITY_USAGE "usage: commune portability remind\n"

static char *slurp(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = f ? malloc(max + 2) : NULL;
	size_t n = data ? fread(data, 1, max + 1, f) : 0;

	if (f)
		fclose(f);
	if (!data || n > max) {
		free(data);
		return NULL;
	}
	data[n] = '\0';
	*len = n;
	return data;
}

static int load(struct cli_env *env, const char *path)
{
	char err[400] = "", *text;
	size_t len, n = 0;
	enum cmn_rc rc;

	if (!(text = slurp(path, DATAMAP_FILE_MAX, &len)))
		return cli_error("%s: cannot read it (or it is over %d bytes)", path,
				 DATAMAP_FILE_MAX);
	rc = datamap_load(env->store, &env->registry, text, len, time_now_ms(), &n, err,
			  sizeof(err));
	free(text);
	if (rc == CMN_ERR_INVALID)
		return cli_error("%s: %s", path, err);
	if (rc != CMN_OK)
		return cli_error("%s", cmn_strerror(rc));
	printf("data map: %zu holders loaded from %s\n", n, path);
	return 0;
}

static enum cmn_rc print_holder(const struct datamap_holder *h, void *ctx)
{
	json_t *v = json_parse_str(h->body);
	const json_t *d;
	size_t i;

	(void)ctx;
	printf("%-20s %-10s %s\n", h->id, json_string_value(json_object_get(v, "sector")),
	       h->name);
	json_array_foreach(json_object_get(v, "data"), i, d)
		printf("%-20s   %s\n", "", json_string_value(json_object_get(d, "doctype")));
	json_decref(v);
	return CMN_OK;
}

int cmd_datamap(int argc, char **argv)
{
	const char *data = NULL;
	const struct cli_opt opts[] = {
		{"--data", true, &data},
		{NULL, false, NULL},
	};
	const char *pos[2];
	struct cli_env env;
	int npos, ret = 0;
	enum cmn_rc rc = CMN_OK;

	if (!cli_parse(argc, argv, 2, opts, pos, 2, &npos) || npos < 1 ||
	    !((strcmp(pos[0], "load") == 0 && npos == 2) || (strcmp(pos[0], "ls") == 0 && npos == 1))) {
		fputs(DATAMAP_USAGE, stderr);
		return EXIT_USAGE;
	}
	if (!cli_open(&env, data))
		return EXIT_USER;
	if (strcmp(pos[0], "load") == 0)
		ret = load(&env, pos[1]);
	else
		rc = store_datamap_each(env.store, print_holder, NULL);
	if (ret == 0 && rc != CMN_OK)
		ret = cli_error("%s", cmn_strerror(rc));
	cli_close(&env);
	return ret;
}

int cmd_portability(int argc, char **argv)
{
	const char *data = NULL;
	const struct cli_opt opts[] = {
		{"--data", true, &data},
		{NULL, false, NULL},
	};
	const char *pos[1];
	struct cli_env env;
	size_t fired = 0;
	int npos, ret = 0;
	enum cmn_rc rc;

	if (!cli_parse(argc, argv, 2, opts, pos, 1, &npos) || npos != 1 ||
	    strcmp(pos[0], "remind") != 0) {
		fputs(PORTABILITY_USAGE, stderr);
		return EXIT_USAGE;
	}
	if (!cli_open(&env, data))
		return EXIT_USER;
	rc = portability_remind(env.store, time_now_ms(), &fired);
	if (rc != CMN_OK)
		ret = cli_error("%s", cmn_strerror(rc));
	else
		printf("%zu reminders of late portability requests\n", fired);
	cli_close(&env);
	return ret;
}
