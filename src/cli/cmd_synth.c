/*
 * cmd_synth.c - `commune synth --households N [--seed S] [--start DATE]
 * [--days D] [--out DIR] [--into-store] [--jobs J]`: a fictional territory
 * and its households, written in the holders' formats and/or imported into
 * new persons' stores (docs/synth.md).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "series/series.h"
#include "synth/run.h"

/* parse_day - days since 1970-01-01 of a date YYYY-MM-DD from 1970 on */
static bool parse_day(const char *s, int64_t *day)
{
	int64_t ms;

	if (!time_is_date(s) || time_parse(s, true, &ms) != CMN_OK || ms < 0)
		return false;
	*day = ms / 86400000;
	return true;
}

int cmd_synth(int argc, char **argv)
{
	const char *data = NULL, *n = NULL, *seed = "1", *start = "2024-01-01", *days = "366";
	const char *out = NULL, *into = NULL, *jobs = "1", *first = "0";
	const struct cli_opt opts[] = {
	    {"--data", true, &data},   {"--households", true, &n}, {"--seed", true, &seed},
	    {"--start", true, &start}, {"--days", true, &days},    {"--out", true, &out},
	    {"--into-store", false, &into}, {"--jobs", true, &jobs}, {"--first", true, &first},
	    {NULL, false, NULL},
	};
	struct synth_opts o = {0};
	struct synth_stats st;
	struct cli_env env;
	struct timespec t0, t1;
	int64_t v;
	char err[300];
	enum cmn_rc rc;
	int npos;
	double secs;

	if (!cli_parse(argc, argv, 2, opts, NULL, 0, &npos) || !n || (!out && !into)) {
		fprintf(stderr, "usage: commune synth --households N [--seed S] [--start YYYY-MM-DD] "
				"[--days D] [--first I] [--jobs J] (--out DIR | --into-store [--data "
				"DIR] | both)\n");
		return EXIT_USAGE;
	}
	if (str_to_i64(n, 1, 100000000, &v) != CMN_OK)
		return cli_error("--households: expected 1 to 100000000");
	o.households = (uint64_t)v;
	if (str_to_i64(first, 0, 1000000000, &v) != CMN_OK)
		return cli_error("--first: expected an index from 0");
	o.first = (uint64_t)v;
	if (str_to_i64(seed, 0, INT64_MAX, &v) != CMN_OK)
		return cli_error("--seed: expected a non-negative integer");
	o.seed = (uint64_t)v;
	if (!parse_day(start, &o.start_day))
		return cli_error("--start: expected a date YYYY-MM-DD");
	if (str_to_i64(days, 1, SYNTH_MAX_DAYS, &v) != CMN_OK)
		return cli_error("--days: expected 1 to %d", SYNTH_MAX_DAYS);
	o.days = (int)v;
	if (str_to_i64(jobs, 1, SYNTH_MAX_JOBS, &v) != CMN_OK)
		return cli_error("--jobs: expected 1 to %d", SYNTH_MAX_JOBS);
	o.jobs = (unsigned)v;
	o.out_dir = out;
	if (into) {
		if (!cli_open(&env, data))
			return EXIT_USER;
		o.store = env.store;
		o.reg = &env.registry;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = synth_run(&o, &st, err, sizeof(err));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (into) {
		series_zone_release();
		cli_close(&env);
	}
	if (rc != CMN_OK)
		return cli_error("synth: %s", err[0] ? err : cmn_strerror(rc));
	printf("synth: %llu households, %llu files (%.1f MB)%s%s, %llu records, %llu points "
	       "imported, in %.2f s (%.0f households/s)\n",
	       (unsigned long long)st.households, (unsigned long long)st.files, (double)st.bytes / 1e6,
	       out ? " written to " : "", out ? out : "", (unsigned long long)st.records,
	       (unsigned long long)st.points, secs, secs > 0 ? (double)st.households / secs : 0.0);
	return 0;
}
