/*
 * checks.h - cmocka helpers the import and series tests share: writing a
 * test file, importing text, reading a series back.
 */
#ifndef COMMUNE_TESTS_CHECKS_H
#define COMMUNE_TESTS_CHECKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "fixture.h"
#include "import/import.h"
#include "store/store.h"

/* check_sound - PRAGMA integrity_check of the SQLite file at path is ok */
void check_sound(const char *path);

/* check_setup, check_teardown - cmocka setup and teardown of a test that
 * works on alice's fresh store (a struct fixture in *state) */
int check_setup(void **state);
int check_teardown(void **state);

/* check_json_hostile - a JSON format refuses, and writes nothing for:
 * 100,000 nested arrays, the text nul (len nullen, a NUL inside), the text
 * bad_utf8, the text huge (a number beyond 64 bits; may be NULL) and an
 * empty file; each refusal says why. */
void check_json_hostile(struct fixture *f, const char *format, const char *nul, size_t nullen,
			const char *bad_utf8, const char *huge);

/* The mobility.trip records of the fixture's person, by start time: the
 * first CHECK_TRIPS_MAX parsed. */
#define CHECK_TRIPS_MAX 128
struct check_trips {
	int n;
	json_t *data[CHECK_TRIPS_MAX];
};

/* check_trips_load, check_trips_release - reads them, frees them. */
void check_trips_load(struct fixture *f, struct check_trips *t);
void check_trips_release(struct check_trips *t);

/* The points of a series as read back: the first 64 kept, all counted. */
struct check_scan {
	long long sum;
	long n;
	int64_t t[64];
	int64_t v[64];
};

/* check_shows - whether text holds secret as a whole token, not inside a
 * longer one: a salt or a digest in base64url, or a timestamp such as an
 * iat, may hold "583" by chance (a CI run met iat 1795815836). An edge of
 * secret that is not a letter, digit, '_' or '-' needs no boundary. */
bool check_shows(const char *text, const char *secret);

/* check_write_file - writes n bytes of text to path (asserts). */
void check_write_file(const char *path, const char *text, size_t n);

/* check_time - an RFC 3339 time or a date, in ms (asserts it parses). */
int64_t check_time(const char *rfc3339);

/* check_count_series - a pstore_series_each callback counting into an int. */
enum cmn_rc check_count_series(const struct series_def *d, void *pv);

/* check_nseries - how many series the fixture's person has. */
int check_nseries(struct fixture *f);

/* check_import_text - writes text as the file name in the fixture's
 * directory, then imports it (format NULL: detected). */
enum cmn_rc check_import_text(struct fixture *f, const char *name, const char *format,
			      const char *text, size_t n, struct import_job *job);

/* check_keep_point - a series_scan callback filling a struct check_scan. */
enum cmn_rc check_keep_point(int64_t t, int64_t v, void *pv);

/* check_points - reads a series, which must exist, into s and def; asserts
 * that every stored point was read. */
void check_points(struct fixture *f, const char *doctype, const char *source, const char *key,
		  struct check_scan *s, struct series_def *def);

#endif
