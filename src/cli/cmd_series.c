/*
 * cmd_series.c - `commune series ls|show|export HANDLE ...`: an operator's
 * view of a person's time series (the person reads them through the API).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "series/series.h"

static enum cmn_rc print_series(const struct series_def *d, void *ctx)
{
	char a[TIME_RFC3339_LEN] = "-", b[TIME_RFC3339_LEN] = "-";

	(void)ctx;
	if (d->t_first != INT64_MIN)
		time_format(a, d->t_first);
	if (d->t_last != INT64_MIN)
		time_format(b, d->t_last);
	printf("%s  %-32s %-10s %-16s %-5s step %6llds  %10lld points  %s .. %s\n", d->id,
	       d->doctype, d->source, d->key, d->unit, (long long)(d->step / 1000),
	       (long long)d->points, a, b);
	return CMN_OK;
}

struct export_ctx {
	bool json;
	size_t n;
};

static enum cmn_rc print_point(int64_t t, int64_t v, void *pv)
{
	struct export_ctx *e = pv;
	char ts[TIME_RFC3339_LEN];

	time_format(ts, t);
	if (e->json)
		printf("%s[\"%s\",%" PRId64 "]", e->n ? ",\n" : "", ts, v);
	else
		printf("%s,%" PRId64 "\n", ts, v);
	e->n++;
	return CMN_OK;
}

static enum cmn_rc print_bucket(const struct bucket *b, void *ctx)
{
	char s[TIME_RFC3339_LEN], e[TIME_RFC3339_LEN];

	(void)ctx;
	time_format(s, b->start);
	time_format(e, b->end);
	printf("%s  %s  count %6llu  sum %14lld  min %10lld  max %10lld\n", s, e,
	       (unsigned long long)b->count, (long long)b->sum, (long long)b->min,
	       (long long)b->max);
	return CMN_OK;
}

static bool time_arg(const char *name, const char *v, int64_t *out)
{
	if (!v)
		return true;
	if (time_parse(v, true, out) == CMN_OK)
		return true;
	fprintf(stderr, "commune: %s must be an RFC 3339 time or a date\n", name);
	return false;
}

int cmd_series(int argc, char **argv)
{
	const char *data = NULL, *from_s = NULL, *to_s = NULL, *bucket_s = NULL, *format = NULL;
	const struct cli_opt opts[] = {
		{"--data", true, &data},     {"--from", true, &from_s},
		{"--to", true, &to_s},       {"--bucket", true, &bucket_s},
		{"--format", true, &format}, {NULL, false, NULL},
	};
	const char *pos[3];
	struct cli_env env;
	struct person p;
	struct pstore *ps;
	struct series_def def;
	struct bucket_spec spec;
	int64_t from = INT64_MIN / 4, to = INT64_MAX / 4;
	int npos, ret = 0;
	enum cmn_rc rc;

	if (!cli_parse(argc, argv, 2, opts, pos, 3, &npos) || npos < 2 ||
	    (strcmp(pos[0], "ls") == 0 && npos != 2) ||
	    (strcmp(pos[0], "ls") != 0 && (npos != 3 || (strcmp(pos[0], "show") != 0 &&
							  strcmp(pos[0], "export") != 0)))) {
		fprintf(stderr, "usage: commune series ls HANDLE\n"
				"       commune series show HANDLE ID [--from T] [--to T] [--bucket B]\n"
				"       commune series export HANDLE ID [--from T] [--to T] "
				"[--format csv|json]\n");
		return EXIT_USAGE;
	}
	if (!time_arg("--from", from_s, &from) || !time_arg("--to", to_s, &to))
		return EXIT_USAGE;
	if (bucket_s && bucket_parse(bucket_s, &spec) != CMN_OK) {
		fprintf(stderr, "commune: --bucket is Nmin, hour, Nh, day, week, month or year\n");
		return EXIT_USAGE;
	}
	if (format && strcmp(format, "csv") != 0 && strcmp(format, "json") != 0) {
		fprintf(stderr, "commune: --format is csv or json\n");
		return EXIT_USAGE;
	}
	if (!cli_open(&env, data))
		return EXIT_USER;
	rc = store_person_by_handle(env.store, pos[1], &p, NULL);
	if (rc == CMN_OK)
		rc = store_person_store(env.store, p.id, &ps);
	if (rc != CMN_OK) {
		ret = cli_error("no person with the handle %s", pos[1]);
		goto done;
	}
	if (strcmp(pos[0], "ls") == 0) {
		rc = pstore_series_each(ps, print_series, NULL);
		if (rc != CMN_OK)
			ret = cli_error("%s", cmn_strerror(rc));
		goto done;
	}
	if (pstore_series_get(ps, pos[2], &def) != CMN_OK) {
		ret = cli_error("%s has no series %s", p.handle, pos[2]);
		goto done;
	}
	if (strcmp(pos[0], "show") == 0) {
		print_series(&def, NULL);
		if (bucket_s)
			rc = series_aggregate(ps, &def, from, to, &spec, print_bucket, NULL);
	} else {
		struct export_ctx e = {format && strcmp(format, "json") == 0, 0};

		if (e.json)
			printf("[");
		else
			printf("time,value\n");
		rc = series_scan(ps, &def, from, to, print_point, &e);
		if (e.json)
			printf("]\n");
	}
	if (rc != CMN_OK)
		ret = cli_error("%s", cmn_strerror(rc));
	series_def_release(&def);
done:
	series_zone_release();
	cli_close(&env);
	return ret;
}
