/*
 * importfail.c - see importfail.h
 */
#include "importfail.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jsonfail.h"

#include "import/import.h"
#include "store/store.h"

#define KEPT_MAX 64                          /* records a whole-or-nothing input makes */

struct kept {
	size_t n;
	char *text[KEPT_MAX];
};

static enum cmn_rc keep_text(const struct record_meta *m, const char *data,
			     const struct query_value *key, void *pv)
{
	struct kept *k = pv;

	(void)m;
	(void)key;
	assert_true(k->n < KEPT_MAX);
	k->text[k->n] = strdup(data);
	assert_non_null(k->text[k->n]);
	k->n++;
	return CMN_OK;
}

static int by_text(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* kept_records - the JSON texts of the stored records of doctype, sorted
 * (records made in one millisecond have no order), one a line; "" for none */
static char *kept_records(struct fixture *f, const char *doctype)
{
	struct store_query q = {.doctype = doctype, .sort = QSORT_ID, .limit = KEPT_MAX + 1};
	struct kept k = {0};
	size_t len = 1, at = 0;
	char *all;

	assert_int_equal(pstore_record_query(f->ps, &q, keep_text, &k), CMN_OK);
	qsort(k.text, k.n, sizeof(k.text[0]), by_text);
	for (size_t i = 0; i < k.n; i++)
		len += strlen(k.text[i]) + 1;
	all = malloc(len);
	assert_non_null(all);
	for (size_t i = 0; i < k.n; i++) {
		size_t n = strlen(k.text[i]);

		memcpy(all + at, k.text[i], n);
		all[at + n] = '\n';
		at += n + 1;
		free(k.text[i]);
	}
	all[at] = '\0';
	return all;
}

/* forget_import - deletes the records the format's imports wrote, so that
 * the next import makes them again */
static void forget_import(struct fixture *f, const char *format, const char *doctype,
			  int64_t *n)
{
	char source[64];

	snprintf(source, sizeof(source), "import:%s", format);
	assert_int_equal(pstore_record_delete_source(f->ps, doctype, source, n), CMN_OK);
}

/* import_whole_or_nothing - see importfail.h: imports the file at path (format) under each of
 * jansson's allocations failing in turn (jsonfail.h): CMN_ERR_NOMEM and no
 * record of doctype stored, or the very records of the import without a
 * failure. records is how many it makes; returns how many imports failed. */
size_t import_whole_or_nothing(struct fixture *f, const char *path, const char *format,
			       const char *doctype, int64_t records)
{
	struct import_job job;
	size_t failed = 0;
	char *want;
	int64_t n;

	assert_int_equal(import_file(f->ps, &f->reg, "cli:test", path, "whole", format, &job),
			 CMN_OK);
	import_job_release(&job);
	want = kept_records(f, doctype);
	forget_import(f, format, doctype, &n);
	assert_int_equal(n, records);
	for (size_t fail_at = 1;; fail_at++) {
		enum cmn_rc rc;
		char *got;

		jsonfail_arm(fail_at);
		rc = import_file(f->ps, &f->reg, "cli:test", path, "whole", format, &job);
		jsonfail_disarm();
		got = kept_records(f, doctype);
		if (rc != CMN_OK) {
			if (rc != CMN_ERR_NOMEM)
				fail_msg("%s, allocation %zu failed: %s (%s)", path, fail_at,
					 cmn_strerror(rc), job.err.message);
			if (got[0])
				fail_msg("%s, allocation %zu failed: NOMEM, yet kept\n%s", path,
					 fail_at, got);
			failed++;
		} else if (strcmp(got, want) != 0) {
			fail_msg("%s, allocation %zu failed: kept\n%s\ninstead of\n%s", path,
				 fail_at, got, want);
		}
		free(got);
		import_job_release(&job);
		forget_import(f, format, doctype, &n);
		if (jsonfail_count() < fail_at) /* no allocation failed: all were tried */
			break;
	}
	free(want);
	return failed;
}

