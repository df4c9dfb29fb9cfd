/*
 * checks.c - the shared test helpers of checks.h.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "checks.h"
#include "core/timeutil.h"
#include "series/series.h"

int check_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(fixture_open(f, "alice"), 0);
	*state = f;
	return 0;
}

int check_teardown(void **state)
{
	fixture_close(*state);
	free(*state);
	return 0;
}

void check_write_file(const char *path, const char *text, size_t n)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, n, fp), n);
	fclose(fp);
}

int64_t check_time(const char *rfc3339)
{
	int64_t t;

	assert_int_equal(time_parse(rfc3339, true, &t), CMN_OK);
	return t;
}

enum cmn_rc check_count_series(const struct series_def *d, void *pv)
{
	(void)d;
	(*(int *)pv)++;
	return CMN_OK;
}

int check_nseries(struct fixture *f)
{
	int n = 0;

	assert_int_equal(pstore_series_each(f->ps, check_count_series, &n), CMN_OK);
	return n;
}

enum cmn_rc check_import_text(struct fixture *f, const char *name, const char *format,
			      const char *text, size_t n, struct import_job *job)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	check_write_file(path, text, n);
	return import_file(f->ps, &f->reg, "cli:test", path, name, format, job);
}

enum cmn_rc check_keep_point(int64_t t, int64_t v, void *pv)
{
	struct check_scan *s = pv;

	if (s->n < 64) {
		s->t[s->n] = t;
		s->v[s->n] = v;
	}
	s->n++;
	s->sum += v;
	return CMN_OK;
}

void check_points(struct fixture *f, const char *doctype, const char *source, const char *key,
		  struct check_scan *s, struct series_def *def)
{
	memset(s, 0, sizeof(*s));
	assert_int_equal(pstore_series_find(f->ps, doctype, source, key, def), CMN_OK);
	assert_int_equal(series_scan(f->ps, def, INT64_MIN / 2, INT64_MAX / 2, check_keep_point, s),
			 CMN_OK);
	assert_int_equal(s->n, def->points);
}

void check_json_hostile(struct fixture *f, const char *format, const char *nul, size_t nullen,
			const char *bad_utf8, const char *huge)
{
	struct import_job job;
	size_t deep = 100000;
	char *text = malloc(2 * deep + 1);
	const struct {
		const char *name, *text;
		size_t len;
	} cases[] = {
	    {"deep.json", text, 2 * deep},
	    {"nul.json", nul, nullen},
	    {"utf8.json", bad_utf8, strlen(bad_utf8)},
	    {"huge.json", huge, huge ? strlen(huge) : 0},
	    {"empty.json", "", 0},
	};

	assert_non_null(text);
	for (size_t i = 0; i < deep; i++) {
		text[i] = '[';
		text[deep + i] = ']';
	}
	text[2 * deep] = '\0';
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (!cases[i].text)
			continue;
		assert_int_equal(check_import_text(f, cases[i].name, format, cases[i].text,
						   cases[i].len, &job),
				 CMN_ERR_INVALID);
		assert_true(job.err.message[0] != '\0');
		import_job_release(&job);
	}
	free(text);
	assert_int_equal(check_nseries(f), 0);
}

static enum cmn_rc keep_trip(const struct record_meta *m, const char *data,
			     const struct query_value *key, void *pv)
{
	struct check_trips *t = pv;

	(void)m;
	(void)key;
	if (t->n < CHECK_TRIPS_MAX)
		t->data[t->n++] = json_loads(data, 0, NULL);
	return CMN_OK;
}

void check_trips_load(struct fixture *f, struct check_trips *t)
{
	struct store_query q = {.doctype = "mobility.trip", .sort = QSORT_TIME,
				.limit = CHECK_TRIPS_MAX};

	memset(t, 0, sizeof(*t));
	assert_int_equal(pstore_record_query(f->ps, &q, keep_trip, t), CMN_OK);
}

void check_trips_release(struct check_trips *t)
{
	for (int i = 0; i < t->n; i++)
		json_decref(t->data[i]);
	t->n = 0;
}

void check_sound(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* token_char - whether c may be part of a base64url text, a number or a word */
static bool token_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-';
}

bool check_shows(const char *text, const char *secret)
{
	size_t n = strlen(secret);

	for (const char *at = strstr(text, secret); at; at = strstr(at + 1, secret))
		if ((at == text || !token_char(secret[0]) || !token_char(at[-1])) &&
		    (!token_char(secret[n - 1]) || !token_char(at[n])))
			return true;
	return false;
}
