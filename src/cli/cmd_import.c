/*
 * cmd_import.c - `commune import --person HANDLE [--format F] [--verbose]
 * FILE...`: each file is imported into the person's store all or nothing.
 */
#include <stdio.h>
#include <string.h>

#include "apps/app.h"
#include "cli/cli.h"
#include "import/import.h"

static void print_stats(const char *file, const struct import_job *j)
{
	const struct import_stats *s = &j->stats;

	printf("%s: %s, %llu records (%llu already there), %llu points added, %llu replaced, "
	       "%llu unchanged, %llu series created, import %s\n",
	       file, j->format->name, (unsigned long long)s->records_created,
	       (unsigned long long)s->records_duplicate, (unsigned long long)s->points_added,
	       (unsigned long long)s->points_replaced, (unsigned long long)s->points_unchanged,
	       (unsigned long long)s->series_created, j->id);
	for (size_t i = 0; i < j->nwarnings; i++)
		printf("%s: warning: %s\n", file, j->warnings[i]);
}

static void explain(const char *path)
{
	FILE *f = fopen(path, "rb");
	char head[4096], why[2048];
	size_t n = f ? fread(head, 1, sizeof(head), f) : 0;

	if (f)
		fclose(f);
	import_detect(head, n, path, why, sizeof(why));
	fprintf(stderr, "%s: format detection (score out of 100, 50 needed):\n%s", path, why);
}

int cmd_import(int argc, char **argv)
{
	const char *data = NULL, *person = NULL, *format = NULL, *verbose = NULL;
	const struct cli_opt opts[] = {
		{"--data", true, &data},     {"--person", true, &person},
		{"--format", true, &format}, {"--verbose", false, &verbose},
		{NULL, false, NULL},
	};
	const char *files[64];
	struct cli_env env;
	struct person p;
	struct pstore *ps;
	char actor[64];
	int nfiles, ret = 0;

	if (!cli_parse(argc, argv, 2, opts, files, 64, &nfiles) || !person || nfiles < 1) {
		fprintf(stderr, "usage: commune import --person HANDLE [--format F] [--verbose] "
				"FILE...\nformats:");
		for (const struct import_format *const *f = import_formats(); *f; f++)
			fprintf(stderr, " %s", (*f)->name);
		fprintf(stderr, "\n");
		return EXIT_USAGE;
	}
	if (format && !import_format_named(format))
		return cli_error("unknown format %s (see commune help import)", format);
	if (!cli_open(&env, data))
		return EXIT_USER;
	if (store_person_by_handle(env.store, person, &p, NULL) != CMN_OK ||
	    store_person_store(env.store, p.id, &ps) != CMN_OK) {
		ret = cli_error("no person with the handle %s", person);
		goto done;
	}
	snprintf(actor, sizeof(actor), "cli:%s", p.id);
	for (int i = 0; i < nfiles; i++) {
		struct import_job job;
		const char *name = strrchr(files[i], '/') ? strrchr(files[i], '/') + 1 : files[i];
		enum cmn_rc rc;

		if (verbose)
			explain(files[i]);
		rc = import_file(ps, &env.registry, actor, files[i], name, format, &job);
		if (rc == CMN_OK) {
			struct app_env apps = {env.store, &env.keys, &env.registry, false};
			size_t ran;

			print_stats(files[i], &job);
			/* the person's apps that the new data wakes */
			ran = app_after_import(&apps, ps, job.written, job.nwritten);
			if (ran)
				printf("%s: %zu app%s ran on the new data\n", files[i], ran,
				       ran > 1 ? "s" : "");
		} else if (job.err.line) {
			ret = cli_error("%s:%zu:%zu: %s (nothing imported)", files[i], job.err.line,
					job.err.column, job.err.message);
		} else if (job.err.pointer[0]) {
			ret = cli_error("%s: at %s: %s (nothing imported)", files[i], job.err.pointer,
					job.err.message);
		} else {
			ret = cli_error("%s: %s (nothing imported)", files[i],
					job.err.message[0] ? job.err.message : cmn_strerror(rc));
		}
		import_job_release(&job);
	}
done:
	series_zone_release();
	cli_close(&env);
	return ret;
}
