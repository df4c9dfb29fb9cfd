/*
 * test_import.c - importing holders' real export files: the Enedis load
 * curve of ../shared/fixtures (16,848 half-hours across two DST changes),
 * checked against figures recomputed here from the file itself, and
 * synthetic edge cases (Latin-1, gaps, errors that import nothing).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "checks.h"
#include "fixture.h"

#include "core/timeutil.h"
#include "crypto/crypt.h"
#include "import/import.h"
#include "record/doctype.h"
#include "series/series.h"
#include "store/store.h"

#define ENEDIS COMMUNE_FIXTURES "/enedis/Enedis_Conso_Heure_20230809-20240725_1429xxxxxxxxxx.csv"

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(fixture_open(f, "alice"), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture_close(*state);
	free(*state);
	return 0;
}

/* The file's own figures, read with nothing of commune's. */
struct truth {
	long points;
	long long sum;
	char first[40], last[40];
};

static void read_truth(const char *path, struct truth *t)
{
	FILE *f = fopen(path, "r");
	char line[256];

	memset(t, 0, sizeof(*t));
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char *semi = strchr(line, ';');

		if (strncmp(line, "20", 2) != 0 || !semi || semi[1] < '0' || semi[1] > '9')
			continue;
		*semi = '\0';
		t->points++;
		t->sum += strtoll(semi + 1, NULL, 10);
		if (!t->first[0])
			snprintf(t->first, sizeof(t->first), "%.39s", line);
		snprintf(t->last, sizeof(t->last), "%.39s", line);
	}
	fclose(f);
}

static enum cmn_rc add_up(int64_t t, int64_t v, void *pv)
{
	long long *sum = pv;

	(void)t;
	*sum += v;
	return CMN_OK;
}

struct days {
	struct bucket b[400];
	int n;
};

static enum cmn_rc keep(const struct bucket *b, void *pv)
{
	struct days *d = pv;

	if (d->n < 400)
		d->b[d->n++] = *b;
	return CMN_OK;
}

static void enedis_fixture(void **state)
{
	struct fixture *f = *state;
	struct import_job job;
	struct series_def def;
	struct truth truth;
	struct bucket_spec day;
	struct days *days = calloc(1, sizeof(*days));
	long long sum = 0;
	int64_t first, last;
	char head[4096];
	FILE *fp;
	size_t n;

	read_truth(ENEDIS, &truth);
	assert_int_equal(truth.points, 16848);
	fp = fopen(ENEDIS, "rb");
	assert_non_null(fp);
	n = fread(head, 1, sizeof(head), fp);
	fclose(fp);
	assert_string_equal(import_detect(head, n, "x.csv", NULL, 0)->name, "enedis-csv");

	assert_int_equal(import_file(f->ps, &f->reg, "cli:test", ENEDIS, "enedis.csv", NULL, &job),
			 CMN_OK);
	assert_int_equal(job.stats.series_created, 1);
	assert_int_equal(job.stats.points_added, truth.points);
	import_job_release(&job);

	assert_int_equal(pstore_series_find(f->ps, "energy.electricity.load_curve", "enedis",
					    "1429xxxxxxxxxx", &def), CMN_OK);
	assert_int_equal(def.points, truth.points);
	assert_int_equal(def.step, 1800000);
	/* stamped at the start of the interval the file's time ends */
	assert_int_equal(time_parse(truth.first, false, &first), CMN_OK);
	assert_int_equal(time_parse(truth.last, false, &last), CMN_OK);
	assert_int_equal(def.t_first, first - 1800000);
	assert_int_equal(def.t_last, last - 1800000);
	assert_int_equal(series_scan(f->ps, &def, INT64_MIN / 2, INT64_MAX / 2, add_up, &sum), CMN_OK);
	assert_int_equal(sum, truth.sum);

	/* the two DST days of the file: 25 and 23 hours of half-hours */
	assert_int_equal(bucket_parse("day", &day), CMN_OK);
	assert_int_equal(series_aggregate(f->ps, &def, def.t_first, def.t_last + 1, &day, keep, days),
			 CMN_OK);
	for (int i = 0; i < days->n; i++) {
		char start[TIME_RFC3339_LEN];

		time_format(start, days->b[i].start);
		if (strcmp(start, "2023-10-28T22:00:00.000Z") == 0)
			assert_int_equal(days->b[i].count, 50);
		if (strcmp(start, "2024-03-30T23:00:00.000Z") == 0)
			assert_int_equal(days->b[i].count, 46);
		if (strcmp(start, "2024-03-30T23:00:00.000Z") == 0)
			assert_int_equal(days->b[i].end - days->b[i].start, 23 * 3600000LL);
	}
	series_def_release(&def);

	/* the same file again changes nothing */
	assert_int_equal(import_file(f->ps, &f->reg, "cli:test", ENEDIS, "enedis.csv", NULL, &job),
			 CMN_OK);
	assert_int_equal(job.stats.points_added, 0);
	assert_int_equal(job.stats.points_unchanged, truth.points);
	assert_int_equal(job.stats.series_created, 0);
	import_job_release(&job);
	free(days);
}

static void errors_import_nothing(void **state)
{
	struct fixture *f = *state;
	struct import_job job;
	char path[256];
	int nseries = 0;
	static const char bad[] =
		"Identifiant PRM;Type de donnees;Date de debut;Date de fin;Grandeur physique;"
		"Grandeur metier;Etape metier;Unite;Pas en minutes\n"
		"12345678901234;Courbe de charge;01/01/2024;02/01/2024;Energie active;"
		"Consommation;Comptage Brut;W;30\n"
		"Horodate;Valeur\n"
		"2024-01-01T00:30:00+01:00;284\n"
		"2024-01-01T01:00:00+01:00;262\n"
		"2024-01-01T01:30:00+01:00;2x5\n";

	snprintf(path, sizeof(path), "%s/bad.csv", f->dir);
	check_write_file(path, bad, sizeof(bad) - 1);
	assert_int_equal(import_file(f->ps, &f->reg, "cli:test", path, "bad.csv", NULL, &job),
			 CMN_ERR_INVALID);
	assert_int_equal(job.err.line, 6);
	assert_int_equal(job.err.column, 27);
	import_job_release(&job);
	assert_int_equal(pstore_series_each(f->ps, check_count_series, &nseries), CMN_OK);
	assert_int_equal(nseries, 0); /* not even the series was kept */

	check_write_file(path, "", 0);
	assert_int_equal(import_file(f->ps, &f->reg, "cli:test", path, "empty.csv", "enedis-csv",
				     &job), CMN_ERR_INVALID);
	import_job_release(&job);
	check_write_file(path, "hello\nworld\n", 12);
	assert_int_equal(import_file(f->ps, &f->reg, "cli:test", path, "x.txt", NULL, &job),
			 CMN_ERR_INVALID);
	assert_non_null(strstr(job.err.message, "not recognised"));
	import_job_release(&job);
	check_write_file(path, "Identifiant PRM;Type de donnees\n\0\n", 34);
	assert_int_equal(import_file(f->ps, &f->reg, "cli:test", path, "nul.csv", "enedis-csv", &job),
			 CMN_ERR_INVALID);
	import_job_release(&job);
}

static void latin1_gaps_and_step_inferred(void **state)
{
	struct fixture *f = *state;
	struct import_job job;
	struct series_def def;
	char path[256];
	/* Latin-1 ("données" as 0xe9), no step given, an empty value, a missing
	 * line, Windows line ends */
	static const char text[] =
		"Identifiant PRM;Type de donn\xe9" "es;Unite;Pas en minutes\r\n"
		"98765432109876;Courbe de charge;W;\r\n"
		"Horodate;Valeur\r\n"
		"2024-03-31T01:00:00+01:00;500\r\n"
		"2024-03-31T01:30:00+01:00;510\r\n"
		"2024-03-31T03:00:00+02:00;\r\n"
		"2024-03-31T04:00:00+02:00;530\r\n";

	snprintf(path, sizeof(path), "%s/latin1.csv", f->dir);
	check_write_file(path, text, sizeof(text) - 1);
	assert_int_equal(import_file(f->ps, &f->reg, "cli:test", path, "latin1.csv", NULL, &job),
			 CMN_OK);
	assert_int_equal(job.stats.points_added, 3);
	import_job_release(&job);
	assert_int_equal(pstore_series_find(f->ps, "energy.electricity.load_curve", "enedis",
					    "98765432109876", &def), CMN_OK);
	assert_int_equal(def.step, 1800000);
	assert_int_equal(def.points, 3);
	series_def_release(&def);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(enedis_fixture, setup, teardown),
		cmocka_unit_test_setup_teardown(errors_import_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(latin1_gaps_and_step_inferred, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
