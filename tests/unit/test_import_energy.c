/*
 * test_import_energy.c - the energy importers other than the Enedis load
 * curve CSV: GRDF's customer-site JSON (the real file of ../shared/fixtures,
 * 1,096 gas days), Enedis Data Connect JSON, the Enedis "Index" CSV and
 * the "mesure synchrone" JSON (synthetic files: DST days, gaps, errors).
 * Figures are recomputed here from the files' text, without commune's
 * parsers; every error case checks that nothing was written.
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

#define GRDF COMMUNE_FIXTURES "/grdf/donnees_informatives.json"
#define PCE  "22423299474865"

/* ---- helpers ---------------------------------------------------------------- */

/* ---- GRDF ------------------------------------------------------------------- */

/* The fixture's own figures, read as text: each reading has its fields one
 * per line ("name": value). */
struct grdf_truth {
	long days, with_energy, with_volume;
	long long kwh, m3;
	char first[11], last[11];
};

static void grdf_truth(const char *path, struct grdf_truth *t)
{
	FILE *fp = fopen(path, "r");
	char line[512];

	memset(t, 0, sizeof(*t));
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp)) {
		char *p;

		if ((p = strstr(line, "\"journeeGaziere\": \""))) {
			p += strlen("\"journeeGaziere\": \"");
			t->days++;
			if (!t->first[0])
				memcpy(t->first, p, 10);
			memcpy(t->last, p, 10);
		} else if ((p = strstr(line, "\"energieConsomme\": ")) && p[19] != 'n') {
			t->with_energy++;
			t->kwh += strtoll(p + 19, NULL, 10);
		} else if ((p = strstr(line, "\"volumeBrutConsomme\": ")) && p[22] != 'n') {
			t->with_volume++;
			t->m3 += strtoll(p + 22, NULL, 10);
		}
	}
	fclose(fp);
}

static void grdf_fixture(void **state)
{
	struct fixture *f = *state;
	struct import_job job;
	struct series_def def;
	struct grdf_truth truth;
	struct check_scan *s = calloc(1, sizeof(*s));
	char head[4096], first[20], last[20];
	FILE *fp;
	size_t n;

	grdf_truth(GRDF, &truth);
	assert_int_equal(truth.days, 1096);
	assert_int_equal(truth.with_energy, 1095); /* one "Absence de Données" */
	fp = fopen(GRDF, "rb");
	assert_non_null(fp);
	n = fread(head, 1, sizeof(head), fp);
	fclose(fp);
	assert_string_equal(import_detect(head, n, "donnees_informatives.json", NULL, 0)->name,
			    "grdf-json");

	assert_int_equal(import_file(f->ps, &f->reg, "cli:test", GRDF, "grdf.json", NULL, &job),
			 CMN_OK);
	assert_int_equal(job.stats.series_created, 2);
	assert_int_equal(job.stats.points_added, truth.with_energy + truth.with_volume);
	assert_int_equal(job.stats.warnings, 1); /* the day without data */
	import_job_release(&job);

	check_points(f, "energy.gas.consumption", "grdf", PCE, s, &def);
	assert_int_equal(def.points, truth.with_energy);
	assert_int_equal(def.step, 86400000);
	assert_string_equal(def.unit, "Wh");
	assert_int_equal(s->sum, truth.kwh * 1000);
	snprintf(first, sizeof(first), "%s", truth.first);
	snprintf(last, sizeof(last), "%s", truth.last);
	assert_int_equal(def.t_first, check_time(first)); /* 00:00 UTC of the gas day */
	assert_int_equal(def.t_last, check_time(last));
	assert_int_equal(s->v[0], 75000); /* 2019-11-30: 75 kWh */
	series_def_release(&def);
	check_points(f, "energy.gas.consumption", "grdf", PCE ".volume", s, &def);
	assert_string_equal(def.unit, "m3e-3");
	assert_int_equal(def.points, truth.with_volume);
	assert_int_equal(s->sum, truth.m3 * 1000);
	series_def_release(&def);

	/* the same file again changes nothing */
	assert_int_equal(import_file(f->ps, &f->reg, "cli:test", GRDF, "grdf.json", NULL, &job),
			 CMN_OK);
	assert_int_equal(job.stats.points_added, 0);
	assert_int_equal(job.stats.points_unchanged, truth.with_energy + truth.with_volume);
	assert_int_equal(job.stats.series_created, 0);
	import_job_release(&job);
	free(s);
}

/* Decimals, a day given twice (provisional then final), a gap, the
 * single-PCE shape, and a DST day: a summer day lands in its Paris date. */
static void grdf_synthetic(void **state)
{
	struct fixture *f = *state;
	struct import_job job;
	struct series_def def;
	struct check_scan s;
	static const char text[] =
	    "{\"idPce\": \"12345678901234\", \"releves\": [\n"
	    " {\"journeeGaziere\": \"2024-03-31\", \"energieConsomme\": 12.345,"
	    "  \"volumeBrutConsomme\": 1.1, \"qualificationReleve\": \"Mesur\xc3\xa9\"},\n"
	    " {\"journeeGaziere\": \"2024-03-30\", \"energieConsomme\": \"0.5\","
	    "  \"volumeBrutConsomme\": 0.05, \"qualificationReleve\": \"Mesur\xc3\xa9\"},\n"
	    " {\"journeeGaziere\": \"2024-04-01\", \"energieConsomme\": 99,"
	    "  \"volumeBrutConsomme\": 9, \"qualificationReleve\": \"Mesur\xc3\xa9\"},\n"
	    " {\"journeeGaziere\": \"2024-04-01\", \"energieConsomme\": 50,"
	    "  \"volumeBrutConsomme\": 5, \"qualificationReleve\": \"Estim\xc3\xa9\"},\n"
	    " {\"journeeGaziere\": \"2024-04-02\", \"energieConsomme\": null,"
	    "  \"volumeBrutConsomme\": null, \"qualificationReleve\": \"Absence de Donn\xc3\xa9"
	    "es\"}\n"
	    "]}\n";

	assert_int_equal(check_import_text(f, "g.json", NULL, text, sizeof(text) - 1, &job), CMN_OK);
	assert_int_equal(job.stats.points_added, 6);
	import_job_release(&job);
	check_points(f, "energy.gas.consumption", "grdf", "12345678901234", &s, &def);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.t[0], check_time("2024-03-30"));
	assert_int_equal(s.v[0], 500);
	assert_int_equal(s.v[1], 12345); /* 12.345 kWh, exactly */
	assert_int_equal(s.v[2], 99000); /* the final reading, not the estimate */
	/* 31 March 2024 (23 hours in Paris) holds its own point */
	assert_true(s.t[1] >= check_time("2024-03-30T23:00:00Z") && s.t[1] < check_time("2024-03-31T22:00:00Z"));
	series_def_release(&def);
	check_points(f, "energy.gas.consumption", "grdf", "12345678901234.volume", &s, &def);
	assert_int_equal(s.sum, 50 + 1100 + 9000);
	series_def_release(&def);
}

static void grdf_errors(void **state)
{
	struct fixture *f = *state;
	struct import_job job;
	static const struct {
		const char *text;
		const char *pointer; /* or NULL: a JSON syntax error with a line */
		size_t line;
	} cases[] = {
	    {"{\"12345678901234\": {\"releves\": [{\"journeeGaziere\": \"2024-01-01\","
	     " \"energieConsomme\": 1}, {\"journeeGaziere\": \"2024-01-02\","
	     " \"energieConsomme\": 1.2345}]}}",
	     "/12345678901234/releves/1/energieConsomme", 0},
	    {"{\"12345678901234\": {\"releves\": [{\"journeeGaziere\": \"2024-02-30\"}]}}",
	     "/12345678901234/releves/0", 0},
	    {"{\"12345678901234\": {\"releves\": [{\"journeeGaziere\": \"2024-01-01\","
	     " \"energieConsomme\": -3}]}}",
	     "/12345678901234/releves/0/energieConsomme", 0},
	    {"{\"12345678901234\": {\"releves\": [{\"journeeGaziere\": \"2024-01-01\","
	     " \"energieConsomme\": 1e300}]}}",
	     "/12345678901234/releves/0/energieConsomme", 0},
	    {"{\"12345678901234\": {\"releves\": [{\"journeeGaziere\": \"2024-01-01\","
	     " \"energieConsomme\": 123456789012345678901234567890}]}}",
	     NULL, 1},
	    {"{\"1234\": {\"releves\": []}}", "", 0},
	    {"{\"12345678901234\": {\"idPce\": \"12345678901234\", \"idPce\": \"1\","
	     " \"releves\": []}}",
	     NULL, 1},
	    {"{\"12345678901234\": {\"releves\": [\n{\"journeeGaziere\": \"2024-01-01\",\n"
	     " \"energieConsomme\": 1,,}]}}",
	     NULL, 3},
	    {"[1, 2]", "", 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(check_import_text(f, "bad.json", "grdf-json", cases[i].text,
					     strlen(cases[i].text), &job),
				 CMN_ERR_INVALID);
		assert_true(job.err.message[0] != '\0');
		if (cases[i].pointer)
			assert_string_equal(job.err.pointer, cases[i].pointer);
		else
			assert_int_equal(job.err.line, cases[i].line);
		import_job_release(&job);
	}
	assert_int_equal(check_nseries(f), 0);
}

/* Hostile input: deep nesting, a NUL byte, invalid UTF-8, empty. */
static void json_hostile(void **state, const char *format)
{
	static const char nul[] = "{\"idPce\": \"12345678901234\",\0 \"releves\": []}";

	check_json_hostile(*state, format, nul, sizeof(nul) - 1,
			   "{\"idPce\": \"1234567890123\xff\", \"releves\": []}", NULL);
}

static void grdf_hostile(void **state)
{
	json_hostile(state, "grdf-json");
}

/* ---- Enedis Data Connect ---------------------------------------------------- */

#define PRM "12345678901234"
#define DC_HEAD(unit, extra)                                                                       \
	"{\"meter_reading\": {\"usage_point_id\": \"" PRM "\", \"start\": \"2024-10-26\","         \
	" \"end\": \"2024-10-28\", \"quality\": \"BRUT\", \"reading_type\": {\"unit\": \"" unit    \
	"\", \"measurement_kind\": \"energy\", \"aggregate\": \"sum\"" extra "},"                  \
	" \"interval_reading\": ["

/* A curve text for one local day at 30 minutes, times at the interval's
 * end written as Paris wall times, in the order a holder lists them (the
 * repeated hour of October twice). Returns the number of points. */
static int dc_curve_day(char *out, size_t n, const char *date, int hours, long long *sum)
{
	size_t used = 0;
	int k = 0;

	for (int i = 1; i <= hours * 2; i++) {
		int minutes = i * 30, hh;

		/* 31 March: 02:00-03:00 does not exist; 27 October: 02:00-03:00 twice */
		if (hours == 23 && minutes > 120)
			minutes += 60;
		if (hours == 25 && minutes > 180)
			minutes -= 60;
		hh = minutes / 60;
		used += (size_t)snprintf(
		    out + used, n - used,
		    "%s{\"value\": \"%d\", \"date\": \"%s %02d:%02d:00\","
		    " \"interval_length\": \"PT30M\", \"measure_type\": \"B\"}",
		    k ? ", " : "", 100 + i, hh == 24 ? "XXXX" : date, hh % 24, minutes % 60);
		*sum += 100 + i;
		k++;
	}
	return k;
}

static void dataconnect_curve_dst(void **state)
{
	struct fixture *f = *state;
	struct import_job job;
	struct series_def def;
	struct check_scan s;
	char *text = malloc(65536);
	size_t used;
	long long sum = 0;
	enum cmn_rc rc;
	static const struct {
		const char *date, *next;
		int hours;
	} days[] = {{"2024-03-31", "2024-04-01", 23}, {"2024-10-27", "2024-10-28", 25}};

	for (size_t d = 0; d < 2; d++) {
		char body[32768], *x;

		used = (size_t)snprintf(text, 65536, "%s",
					DC_HEAD("W", ", \"measuring_period\": \"PT30M\""));
		dc_curve_day(body, sizeof(body), days[d].date, days[d].hours, &sum);
		/* the last end time is midnight of the next day */
		while ((x = strstr(body, "XXXX 00"))) {
			memmove(x + 10, x + 4, strlen(x + 4) + 1);
			memcpy(x, days[d].next, 10);
		}
		used += (size_t)snprintf(text + used, 65536 - used, "%s]}}", body);
		rc = check_import_text(f, "dc.json", NULL, text, used, &job);
		assert_int_equal(rc, CMN_OK);
		assert_int_equal(job.stats.points_added, days[d].hours * 2);
		import_job_release(&job);
	}
	check_points(f, "energy.electricity.load_curve", "enedis", PRM, &s, &def);
	assert_int_equal(def.step, 1800000);
	assert_int_equal(s.n, 46 + 50);
	assert_int_equal(s.sum, sum);
	/* the first interval of each day starts at local midnight */
	assert_int_equal(s.t[0], check_time("2024-03-30T23:00:00Z"));
	assert_int_equal(s.t[45], check_time("2024-03-31T21:30:00Z"));
	assert_int_equal(s.t[46], check_time("2024-10-26T22:00:00Z"));
	assert_int_equal(def.t_last, check_time("2024-10-27T22:30:00Z"));
	series_def_release(&def);

	/* again: nothing changes */
	assert_int_equal(check_import_text(f, "dc.json", NULL, text, used, &job), CMN_OK);
	assert_int_equal(job.stats.points_added, 0);
	assert_int_equal(job.stats.points_unchanged, 50);
	import_job_release(&job);
	free(text);
}

static void dataconnect_daily(void **state)
{
	struct fixture *f = *state;
	struct import_job job;
	struct series_def def;
	struct check_scan s;
	static const char daily[] =
	    DC_HEAD("Wh", "") "{\"value\": \"12345\", \"date\": \"2024-10-26\"},"
			      "{\"value\": \"\", \"date\": \"2024-10-27\"},"
			      "{\"value\": 7000, \"date\": \"2024-10-29\"}]}}";
	static const char power[] =
	    "{\"meter_reading\": {\"usage_point_id\": \"" PRM "\", \"reading_type\":"
	    " {\"unit\": \"VA\", \"aggregate\": \"max\"}, \"interval_reading\": ["
	    "{\"value\": \"6000\", \"date\": \"2024-10-26 18:32:00\"}]}}";

	assert_int_equal(check_import_text(f, "d.json", NULL, daily, sizeof(daily) - 1, &job), CMN_OK);
	assert_int_equal(job.stats.points_added, 2);
	import_job_release(&job);
	check_points(f, "energy.electricity.consumption", "enedis", PRM, &s, &def);
	assert_int_equal(def.step, 86400000);
	assert_int_equal(s.t[0], check_time("2024-10-26"));
	assert_int_equal(s.t[1], check_time("2024-10-29"));
	assert_int_equal(s.sum, 19345);
	series_def_release(&def);

	assert_int_equal(check_import_text(f, "p.json", NULL, power, sizeof(power) - 1, &job), CMN_OK);
	assert_int_equal(job.stats.points_added, 0);
	assert_int_equal(job.stats.warnings, 1);
	import_job_release(&job);
	assert_int_equal(check_nseries(f), 1);
}

static void dataconnect_errors(void **state)
{
	struct fixture *f = *state;
	struct import_job job;
	static const struct {
		const char *text, *pointer;
	} cases[] = {
	    {DC_HEAD("Wh", "") "{\"value\": \"1\", \"date\": \"2024-10-26\"},"
			       "{\"value\": \"1x\", \"date\": \"2024-10-27\"}]}}",
	     "/meter_reading/interval_reading/1/value"},
	    {DC_HEAD("Wh", "") "{\"value\": \"-5\", \"date\": \"2024-10-26\"}]}}",
	     "/meter_reading/interval_reading/0/value"},
	    {DC_HEAD("Wh", "") "{\"value\": \"99999999999999999999\", \"date\": \"2024-10-26\"}]}}",
	     "/meter_reading/interval_reading/0/value"},
	    {DC_HEAD("Wh", "") "{\"value\": \"1\", \"date\": \"2024-13-01\"}]}}",
	     "/meter_reading/interval_reading/0/date"},
	    {DC_HEAD("W", "") "{\"value\": \"1\", \"date\": \"2024-10-26 00:30:00\"}]}}",
	     "/meter_reading/interval_reading/0"},
	    {DC_HEAD("W", "") "{\"value\": \"1\", \"date\": \"2024-03-31 02:30:00\","
			      " \"interval_length\": \"PT30M\"}]}}",
	     "/meter_reading/interval_reading/0/date"},
	    {DC_HEAD("W", "") "{\"value\": \"1\", \"date\": \"2024-01-01 01:00:00\","
			      " \"interval_length\": \"PT30M\"}, {\"value\": \"1\", \"date\": "
			      "\"2024-01-01 00:30:00\", \"interval_length\": \"PT30M\"}]}}",
	     "/meter_reading/interval_reading/1/date"},
	    {DC_HEAD("W", "") "{\"value\": \"1\", \"date\": \"2024-01-01 01:00:00\","
			      " \"interval_length\": \"PT30M\"}, {\"value\": \"1\", \"date\": "
			      "\"2024-01-01 02:00:00\", \"interval_length\": \"PT60M\"}]}}",
	     "/meter_reading/interval_reading/1/date"},
	    {"{\"meter_reading\": {\"usage_point_id\": \"123\"}}", "/meter_reading/usage_point_id"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(check_import_text(f, "bad.json", "enedis-dataconnect", cases[i].text,
					     strlen(cases[i].text), &job),
				 CMN_ERR_INVALID);
		assert_string_equal(job.err.pointer, cases[i].pointer);
		import_job_release(&job);
	}
	assert_int_equal(check_nseries(f), 0);
}

static void dataconnect_hostile(void **state)
{
	json_hostile(state, "enedis-dataconnect");
}

/* ---- Enedis Index CSV ------------------------------------------------------- */

#define INDEX_HEAD                                                                                 \
	"Identifiant PRM;Type de donn\xe9"                                                         \
	"es;Date de debut;Date de fin;Grandeur physique;"                                          \
	"Grandeur metier;Etape metier;Unite\r\n" PRM                                               \
	";Index;29/03/2024;03/04/2024;Energie active;Consommation;Comptage Brut;Wh\r\n"            \
	"Horodate;Type de releve;EAS F1;EAS F2;EAS D1;EAS T\r\n"

static void index_daily(void **state)
{
	struct fixture *f = *state;
	struct import_job job;
	struct series_def def;
	struct check_scan s;
	char text[2048], head[4096];
	size_t used;
	/* across 31 March (23 hours), one day missing (2 April) and one gap in F2 */
	static const struct {
		const char *when;
		long long f1, f2, t;
	} rows[] = {
	    {"2024-03-29T00:00:00+01:00", 1000000, 500000, 1500000},
	    {"2024-03-30T00:00:00+01:00", 1004000, 503000, 1507000},
	    {"2024-03-31T00:00:00+01:00", 1009000, -1, 1515500},
	    {"2024-04-01T00:00:00+02:00", 1012000, 507000, 1519000},
	    {"2024-04-03T00:00:00+02:00", 1020000, 512000, 1532000},
	};
	size_t nrows = sizeof(rows) / sizeof(rows[0]);
	long long cons = 0, ncons = 0;

	used = (size_t)snprintf(text, sizeof(text), "%s", INDEX_HEAD);
	for (size_t i = 0; i < nrows; i++) {
		char f2[24] = "";

		if (rows[i].f2 >= 0)
			snprintf(f2, sizeof(f2), "%lld", rows[i].f2);
		used += (size_t)snprintf(text + used, sizeof(text) - used,
					 "%s;Arr\xeat\xe9 quotidien;%lld;%s;%lld;%lld\r\n",
					 rows[i].when, rows[i].f1, f2, rows[i].f1 + 7, rows[i].t);
		/* consumption of the day before, when it is the previous line's */
		if (i && strncmp(rows[i].when + 8, "03", 2) != 0) {
			cons += rows[i].t - rows[i - 1].t;
			ncons++;
		}
	}
	memcpy(head, text, used);
	assert_string_equal(import_detect(head, used, "index.csv", NULL, 0)->name, "enedis-index");
	assert_int_equal(check_import_text(f, "index.csv", NULL, text, used, &job), CMN_OK);
	assert_int_equal(job.stats.series_created, 5); /* 4 registers and the consumption */
	assert_int_equal(job.stats.points_added, 5 + 4 + 5 + 5 + ncons);
	import_job_release(&job);

	check_points(f, "energy.electricity.index", "enedis", PRM ".T", &s, &def);
	assert_int_equal(s.n, 5);
	assert_int_equal(s.t[0], check_time("2024-03-29"));
	assert_int_equal(s.t[3], check_time("2024-04-01")); /* the Paris date of 00:00+02:00 */
	assert_int_equal(s.v[4], 1532000);
	assert_non_null(strstr(def.meta, "\"register\":\"T\""));
	series_def_release(&def);
	check_points(f, "energy.electricity.index", "enedis", PRM ".F2", &s, &def);
	assert_int_equal(s.n, 4);
	series_def_release(&def);
	check_points(f, "energy.electricity.consumption", "enedis", PRM, &s, &def);
	assert_int_equal(s.n, ncons);
	assert_int_equal(s.sum, cons);
	assert_int_equal(s.t[0], check_time("2024-03-29"));
	assert_int_equal(s.v[0], 7000);
	assert_int_equal(s.v[2], 3500); /* 31 March, a 23-hour day */
	series_def_release(&def);

	/* again: nothing changes */
	assert_int_equal(check_import_text(f, "index.csv", NULL, text, used, &job), CMN_OK);
	assert_int_equal(job.stats.points_added, 0);
	assert_int_equal(job.stats.points_unchanged, 5 + 4 + 5 + 5 + ncons);
	import_job_release(&job);
}

static void index_errors(void **state)
{
	struct fixture *f = *state;
	struct import_job job;
	static const struct {
		const char *text;
		size_t line, column;
	} cases[] = {
	    {INDEX_HEAD "2024-03-29T00:00:00+01:00;x;10;5;1;15\r\n"
			"2024-03-30T00:00:00+01:00;x;12;4;1;16\r\n",
	     5, 32},
	    {INDEX_HEAD "2024-03-29T00:00:00+01:00;x;10;5;1;15\r\n"
			"2024-03-29T00:00:00+01:00;x;10;5;1;15\r\n",
	     5, 1},
	    {INDEX_HEAD "2024-03-29T00:00:00;x;10;5;1;15\r\n", 4, 1},
	    {INDEX_HEAD "2024-03-29T00:00:00+01:00;x;10;5;1;99999999999999999999\r\n", 4, 36},
	    {INDEX_HEAD "2024-03-29T00:00:00+01:00;x;10;5;-1;15\r\n", 4, 34},
	    {"Identifiant PRM;Type de donnees;Unite\n" PRM ";Courbe de charge;W\n", 2, 1},
	    {"Identifiant PRM;Type de donnees;Unite\n" PRM ";Index;Wh\nHorodate;Valeur\n", 3, 1},
	    {"Identifiant PRM;Type de donnees\n" PRM ";Index\nHorodate;EAS T\n2024-01-01;1\0;2\n",
	     4, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = strlen(cases[i].text);

		if (i == 7)
			n += 4; /* the NUL and what follows */
		assert_int_equal(check_import_text(f, "bad.csv", "enedis-index", cases[i].text, n, &job),
				 CMN_ERR_INVALID);
		assert_true(job.err.message[0] != '\0');
		assert_int_equal(job.err.line, cases[i].line);
		if (cases[i].column)
			assert_int_equal(job.err.column, cases[i].column);
		import_job_release(&job);
	}
	assert_int_equal(check_nseries(f), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(grdf_fixture, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(grdf_synthetic, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(grdf_errors, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(grdf_hostile, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(dataconnect_curve_dst, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(dataconnect_daily, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(dataconnect_errors, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(dataconnect_hostile, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(index_daily, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(index_errors, check_setup, check_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
