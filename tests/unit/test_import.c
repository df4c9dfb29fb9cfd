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
#include "import/jsonstream.h"
#include "record/doctype.h"
#include "series/series.h"
#include "store/store.h"

#define ENEDIS COMMUNE_FIXTURES "/enedis/Enedis_Conso_Heure_20230809-20240725_1429xxxxxxxxxx.csv"

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

/* ---- jsonstream ------------------------------------------------------------ */

struct seen_pieces {
	size_t n;
	char log[512];
	bool refuse_third; /* the third piece is refused, without a line */
};

static enum jstream_want want_list(void *ctx, const char *key)
{
	(void)ctx;
	return strcmp(key, "list") == 0 ? JSTREAM_ELEMENTS
	       : strcmp(key, "v") == 0  ? JSTREAM_VALUE
					: JSTREAM_SKIP;
}

static enum cmn_rc log_piece(void *ctx, const struct jstream_piece *p)
{
	struct seen_pieces *sp = ctx;
	char *text = json_dumps(p->value, JSON_COMPACT | JSON_ENCODE_ANY);
	size_t used = strlen(sp->log);

	assert_non_null(text);
	snprintf(sp->log + used, sizeof(sp->log) - used, "%s%s[%zu]@%zu:%zu=%s;", p->key,
		 p->element ? "" : "!", p->index, p->line, p->column, text);
	free(text);
	if (sp->refuse_third && ++sp->n == 3)
		return CMN_ERR_INVALID; /* no line given: the stream gives the piece's */
	return CMN_OK;
}

static enum cmn_rc stream_text(const char *text, size_t len, const struct jstream_ops *ops,
			       struct seen_pieces *sp, struct import_job *job)
{
	FILE *f = fmemopen((void *)text, len, "rb");
	enum cmn_rc rc;

	assert_non_null(f);
	memset(job, 0, sizeof(*job));
	rc = jstream_run(job, f, ops, sp);
	fclose(f);
	return rc;
}

static void jsonstream_pieces(void **state)
{
	static const struct jstream_ops ops = {
	    .want = want_list, .piece = log_piece, .piece_max = 64, .depth_max = 4};
	static const struct jstream_ops arrays = {
	    .piece = log_piece, .piece_max = 64, .depth_max = 4, .outer_array = true};
	static const char doc[] = "\xef\xbb\xbf{\"skip\": {\"a\": [1, \"]}\\\"\"]},\n"
				  " \"list\" : [ {\"x\": 1},\n  2 , \"t\\\"\"],\n"
				  "\"v\": null, \"list2\": []}\n";
	struct seen_pieces sp = {0};
	struct import_job job;

	(void)state;
	assert_int_equal(stream_text(doc, sizeof(doc) - 1, &ops, &sp, &job), CMN_OK);
	assert_string_equal(sp.log, "list[0]@2:13={\"x\":1};list[1]@3:3=2;"
				    "list[2]@3:7=\"t\\\"\";v![0]@4:6=null;");
	/* an outer array, when the format allows it */
	memset(&sp, 0, sizeof(sp));
	assert_int_equal(stream_text("[true,\n{}]", 10, &arrays, &sp, &job), CMN_OK);
	assert_string_equal(sp.log, "[0]@1:2=true;[1]@2:1={};");
	memset(&sp, 0, sizeof(sp));
	assert_int_equal(stream_text("{}", 2, &arrays, &sp, &job), CMN_ERR_INVALID);
	assert_int_equal(stream_text("[1]", 3, &ops, &sp, &job), CMN_ERR_INVALID);
	/* a refused piece without a line of its own gets the piece's */
	sp = (struct seen_pieces){.refuse_third = true};
	assert_int_equal(stream_text(doc, sizeof(doc) - 1, &ops, &sp, &job), CMN_ERR_INVALID);
	assert_int_equal(job.err.line, 3);
	assert_int_equal(job.err.column, 7);
}

static void jsonstream_errors(void **state)
{
	static const struct jstream_ops ops = {
	    .want = want_list, .piece = log_piece, .piece_max = 64, .depth_max = 4};
	static const struct {
		const char *text;
		const char *message;
		size_t line, column;
		const char *pointer;
	} cases[] = {
	    {"", "empty", 1, 1, ""},
	    {"  \n ", "empty", 1, 1, ""},
	    {"{\"list\": [1, {\"a\":\n  tru}]}", "invalid JSON", 2, 0, "/list/1"},
	    {"{\"list\": [1, {\"a\":\n  tru]}", "unexpected ']'", 2, 6, ""},
	    {"{\"list\": [1, 2}", "expected ',' or ']'", 1, 15, ""},
	    {"{\"list\": {}}", "to be an array", 1, 10, ""},
	    {"{\"a\": 1, \"a\": 2}", "given twice", 1, 13, ""},
	    {"{\"a\": 1} x", "more after", 1, 10, ""},
	    {"{\"a\": [[[[[1]]]]]}", "deeper than 4", 1, 10, ""},
	    {"{\"list\": [[[[1]]]]}", "deeper than 4", 1, 13, ""},
	    {"{\"list\": [\"0123456789012345678901234567890123456789012345678901234567890123\"]}",
	     "longer than 64", 1, 0, ""},
	    {"{\"a\": \"open", "ends inside", 1, 11, ""},
	    {"{\"a\" 1}", "':'", 1, 6, ""},
	    {"{\"a\": 1,}", "member name", 1, 9, ""},
	    {"{\"a\": @}", "a JSON value", 1, 7, ""},
	    {"{\"a\": ]}", "a JSON value", 1, 7, ""},
	    {"{\"a\": [}]}", "unexpected '}'", 1, 8, ""},
	    {"\xef\xbb{}", "expected a JSON object", 1, 0, ""},
	};
	struct seen_pieces sp;
	struct import_job job;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&sp, 0, sizeof(sp));
		assert_int_equal(stream_text(cases[i].text, strlen(cases[i].text), &ops, &sp, &job),
				 CMN_ERR_INVALID);
		if (!strstr(job.err.message, cases[i].message))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, job.err.message,
				 cases[i].message);
		if (job.err.line != cases[i].line ||
		    (cases[i].column && job.err.column != cases[i].column))
			fail_msg("case %zu: at %zu:%zu, not %zu:%zu", i, job.err.line, job.err.column,
				 cases[i].line, cases[i].column);
		assert_string_equal(job.err.pointer, cases[i].pointer);
	}
	/* a NUL byte */
	memset(&sp, 0, sizeof(sp));
	assert_int_equal(stream_text("{\"list\": [\0]}", 13, &ops, &sp, &job), CMN_ERR_INVALID);
	assert_non_null(strstr(job.err.message, "NUL"));
}

static enum jstream_want want_nested(void *ctx, const char *key)
{
	(void)ctx;
	if (strcmp(key, "a") == 0 || strcmp(key, "a/c~1x") == 0)
		return JSTREAM_DESCEND;
	if (strcmp(key, "a/b") == 0)
		return JSTREAM_ELEMENTS;
	return strcmp(key, "a/c~1x/d") == 0 ? JSTREAM_VALUE : JSTREAM_SKIP;
}

/* descending into objects: members are asked for by their path, names
 * escaped as in a JSON pointer, and errors inside give that pointer */
static void jsonstream_nested(void **state)
{
	static const struct jstream_ops ops = {
	    .want = want_nested, .piece = log_piece, .piece_max = 64, .depth_max = 4};
	static const char doc[] = "{\"z\": [9], \"a\": {\"b\": [1, 2], \"c/x\": {\"d\": 5, \"e\": 6}}}";
	static const char bad[] = "{\"a\": {\"b\": [1, tru]}}";
	static const char notobj[] = "{\"a\": [1]}";
	struct seen_pieces sp = {0};
	struct import_job job;

	(void)state;
	assert_int_equal(stream_text(doc, sizeof(doc) - 1, &ops, &sp, &job), CMN_OK);
	assert_string_equal(sp.log, "a/b[0]@1:24=1;a/b[1]@1:27=2;a/c~1x/d![0]@1:44=5;");
	memset(&sp, 0, sizeof(sp));
	assert_int_equal(stream_text(bad, sizeof(bad) - 1, &ops, &sp, &job), CMN_ERR_INVALID);
	assert_string_equal(job.err.pointer, "/a/b/1");
	memset(&sp, 0, sizeof(sp));
	assert_int_equal(stream_text(notobj, sizeof(notobj) - 1, &ops, &sp, &job), CMN_ERR_INVALID);
	assert_non_null(strstr(job.err.message, "expected an object in \"a\""));
}

/* many elements, one at a time: the count and the sum come out right */
static void jsonstream_long_array(void **state)
{
	static const struct jstream_ops ops = {
	    .want = want_list, .piece = log_piece, .piece_max = 64, .depth_max = 4};
	struct seen_pieces sp = {0};
	struct import_job job;
	size_t cap = 8 * 100000 + 64, n = 0;
	char *text = malloc(cap);

	(void)state;
	assert_non_null(text);
	n += (size_t)snprintf(text + n, cap - n, "{\"list\": [");
	for (int i = 0; i < 100000; i++)
		n += (size_t)snprintf(text + n, cap - n, "%s%d", i ? "," : "", i % 7);
	n += (size_t)snprintf(text + n, cap - n, "]}");
	/* log_piece keeps only what fits in its log: check the first pieces and
	 * that all were walked through the error-free end */
	assert_int_equal(stream_text(text, n, &ops, &sp, &job), CMN_OK);
	assert_non_null(strstr(sp.log, "list[0]@1:11=0;list[1]@1:13=1;"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(enedis_fixture, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(errors_import_nothing, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(latin1_gaps_and_step_inferred, check_setup, check_teardown),
		cmocka_unit_test(jsonstream_pieces),
		cmocka_unit_test(jsonstream_errors),
		cmocka_unit_test(jsonstream_nested),
		cmocka_unit_test(jsonstream_long_array),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
