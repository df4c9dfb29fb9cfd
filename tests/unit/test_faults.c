/*
 * test_faults.c - fault injection (issue 15), in the manner of SQLite's own
 * fault simulation: the Nth write, sync or truncate of any store file
 * fails with an I/O error or "disk full" (a VFS shim over the default
 * one), or the Nth allocation SQLite makes fails (its memory methods,
 * wrapped). For every N until the operation no longer meets the fault:
 * an import of a bank statement, then the write of one record, must
 *  - fail cleanly (an error code, no crash; under ASan no leak either);
 *  - leave the store as it was: as many records, a sound file
 *    (PRAGMA integrity_check), an audit chain that verifies;
 *  - succeed once the fault is gone, and give what it gives without one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "checks.h"
#include "faults.h"
#include "fixture.h"

#include "core/buf.h"
#include "core/str.h"
#include "crypto/crypt.h"
#include "import/import.h"
#include "store/store.h"

/* ---- the state of the store --------------------------------------------------- */

struct state {
	int64_t records;
	int64_t entries;
};

static enum cmn_rc count(const struct record_meta *m, const char *data,
			 const struct query_value *sort_key, void *ctx)
{
	(void)m;
	(void)data;
	(void)sort_key;
	(*(int64_t *)ctx)++;
	return CMN_OK;
}

/* state_of - the records and audit entries; the file must be sound */
static struct state state_of(struct fixture *f)
{
	struct store_query q = {.doctype = "bank.transaction", .sort = QSORT_ID, .limit = 1000000};
	struct state s = {0, 0};
	char path[600];
	int64_t bad = 0;

	assert_int_equal(pstore_record_query(f->ps, &q, count, &s.records), CMN_OK);
	assert_int_equal(pstore_audit_verify(f->ps, &s.entries, &bad), CMN_OK);
	snprintf(path, sizeof(path), "%s/persons/%.2s/%s.db", f->dir, f->alice.id, f->alice.id);
	check_sound(path);
	return s;
}

static char *statement(const char *prefix, int n, size_t *len)
{
	struct buf b;

	buf_init(&b, 1 << 20);
	buf_puts(&b, "OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\nENCODING:USASCII\r\n"
		     "CHARSET:1252\r\n\r\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>EUR\r\n"
		     "<BANKACCTFROM><BANKID>1<ACCTID>FR76 0001<ACCTTYPE>CHECKING</BANKACCTFROM>\r\n"
		     "<BANKTRANLIST>\r\n");
	for (int k = 0; k < n; k++)
		buf_printf(&b, "<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>202404%02d<TRNAMT>-%d.40<FITID>%s%d"
			       "<NAME>SHOP %d</STMTTRN>\r\n",
			   1 + k % 28, 1 + k % 70, prefix, k, k % 9);
	buf_puts(&b, "</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\r\n");
	*len = b.len;
	return buf_steal(&b);
}

/* next - the operations a sweep fails: each of the first 64, then one in
 * every n/64 (an import makes thousands of allocations) */
static long next(long n)
{
	return n + 1 + n / 64;
}

/* sweep - for N = 0, 1...: the import of a 300-transaction statement with
 * the Nth operation of kind failing, until one runs without meeting it */
static void sweep_import(struct fixture *f, enum fault k, long *faults)
{
	size_t len, len0;
	char *text = statement("F", 300, &len), *base = statement("B", 40, &len0);
	struct import_job job;
	struct state before, after;
	int64_t gone = 0;
	long n;

	assert_int_equal(import_buffer(f->ps, &f->reg, "cli:test", base, len0, "base.ofx", NULL,
				       &job),
			 CMN_OK);
	import_job_release(&job);
	before = state_of(f);
	for (n = 0;; n = next(n)) {
		enum cmn_rc rc;

		faults_arm(k, n);
		rc = import_buffer(f->ps, &f->reg, "cli:test", text, len, "f.ofx", NULL, &job);
		faults_disarm();
		import_job_release(&job);
		if (!faults_hit()) {
			/* past the last operation: it went through */
			assert_int_equal(rc, CMN_OK);
			break;
		}
		if (rc == CMN_OK) {
			/* a fault SQLite got over (a failed allocation it can do
			 * without); then the import is whole: undone for the next N */
			after = state_of(f);
			assert_int_equal(after.records, before.records + 300);
			assert_int_equal(pstore_record_delete_source(f->ps, "bank.transaction",
								     "import:ofx", &gone),
					 CMN_OK);
			assert_int_equal(import_buffer(f->ps, &f->reg, "cli:test", base, len0,
						       "base.ofx", NULL, &job),
					 CMN_OK);
			import_job_release(&job);
			before = state_of(f);
			continue;
		}
		(*faults)++;
		after = state_of(f);
		if (after.records != before.records)
			fail_msg("fault %d at operation %ld: %lld records after a failed import, "
				 "%lld before", k, n, (long long)after.records,
				 (long long)before.records);
		assert_true(after.entries >= before.entries); /* a failed attempt is noted */
		before = after;
		assert_true(n < 100000);
	}
	after = state_of(f);
	assert_int_equal(after.records, before.records + 300);
	free(text);
	free(base);
}

/* sweep_record - the same for one record written with its audit entry */
static void sweep_record(struct fixture *f, enum fault k, long *faults)
{
	struct state before = state_of(f), after;

	for (long n = 0;; n = next(n)) {
		struct record_meta m = {0};
		enum cmn_rc rc;

		crypt_uuid7_new(m.id);
		str_copy(m.doctype, sizeof(m.doctype), "bank.transaction");
		str_copy(m.source, sizeof(m.source), "api");
		m.t = INT64_MIN;
		faults_arm(k, n);
		rc = pstore_record_insert(f->ps, &m,
					  "{\"date\":\"2024-04-02\",\"amount\":-3.5,"
					  "\"currency\":\"EUR\",\"label\":\"x\"}",
					  "test");
		faults_disarm();
		after = state_of(f);
		if (!faults_hit() || rc == CMN_OK) {
			assert_int_equal(rc, CMN_OK);
			assert_int_equal(after.records, before.records + 1);
			assert_int_equal(after.entries, before.entries + 1);
			if (!faults_hit())
				break;
			before = after;
			continue;
		}
		(*faults)++;
		assert_int_equal(after.records, before.records);
		assert_int_equal(after.entries, before.entries);
		assert_true(n < 100000);
	}
}

static void io_errors(void **state)
{
	long faults = 0;

	sweep_import(*state, FAULT_IO, &faults);
	sweep_record(*state, FAULT_IO, &faults);
	printf("# %ld failed writes, syncs or truncates, each a clean failure\n", faults);
	assert_true(faults > 0);
}

static void disk_full(void **state)
{
	long faults = 0;

	sweep_import(*state, FAULT_FULL, &faults);
	sweep_record(*state, FAULT_FULL, &faults);
	printf("# %ld writes on a full disk, each a clean failure\n", faults);
	assert_true(faults > 0);
}

static void no_memory(void **state)
{
	long faults = 0;

	sweep_import(*state, FAULT_NOMEM, &faults);
	sweep_record(*state, FAULT_NOMEM, &faults);
	printf("# %ld failed allocations in SQLite, each a clean failure\n", faults);
	assert_true(faults > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(io_errors, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(disk_full, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(no_memory, check_setup, check_teardown),
	};

	faults_install();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
