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
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "checks.h"
#include "fixture.h"

#include "core/buf.h"
#include "core/str.h"
#include "crypto/crypt.h"
#include "import/import.h"
#include "store/store.h"

/* ---- the faults --------------------------------------------------------------- */

enum fault { FAULT_NONE, FAULT_IO, FAULT_FULL, FAULT_NOMEM };

static _Atomic long countdown = -1; /* operations before the one that fails; -1: none */
static _Atomic int hit;             /* the fault happened */
static enum fault kind = FAULT_NONE;

static void arm(enum fault k, long n)
{
	kind = k;
	atomic_store(&hit, 0);
	atomic_store(&countdown, n);
}

static void disarm(void)
{
	atomic_store(&countdown, -1);
	kind = FAULT_NONE;
}

/* strike - counts an operation of the fault's kind: true for the one that fails */
static bool strike(enum fault k)
{
	long left;

	if (kind != k)
		return false;
	left = atomic_fetch_sub(&countdown, 1);
	if (left == 0) {
		atomic_store(&hit, 1);
		return true;
	}
	if (left < 0)
		atomic_store(&countdown, -1); /* stays disarmed */
	return false;
}

/* -- the VFS shim: a file of the default VFS behind our methods -- */

struct ffile {
	sqlite3_file base;
	sqlite3_file *real; /* right after this struct */
};

static sqlite3_vfs *orig;

static int io_fault(void)
{
	if (strike(FAULT_IO))
		return SQLITE_IOERR_WRITE;
	if (strike(FAULT_FULL))
		return SQLITE_FULL;
	return SQLITE_OK;
}

#define REAL(f) (((struct ffile *)(f))->real)

static int f_close(sqlite3_file *f)
{
	return REAL(f)->pMethods->xClose(REAL(f));
}

static int f_read(sqlite3_file *f, void *p, int n, sqlite3_int64 at)
{
	return REAL(f)->pMethods->xRead(REAL(f), p, n, at);
}

static int f_write(sqlite3_file *f, const void *p, int n, sqlite3_int64 at)
{
	int rc = io_fault();

	return rc ? rc : REAL(f)->pMethods->xWrite(REAL(f), p, n, at);
}

static int f_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	int rc = io_fault();

	return rc ? (rc == SQLITE_IOERR_WRITE ? SQLITE_IOERR_TRUNCATE : rc)
		  : REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int f_sync(sqlite3_file *f, int flags)
{
	int rc = io_fault();

	return rc ? (rc == SQLITE_IOERR_WRITE ? SQLITE_IOERR_FSYNC : rc)
		  : REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int f_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int f_lock(sqlite3_file *f, int l)
{
	return REAL(f)->pMethods->xLock(REAL(f), l);
}

static int f_unlock(sqlite3_file *f, int l)
{
	return REAL(f)->pMethods->xUnlock(REAL(f), l);
}

static int f_reserved(sqlite3_file *f, int *out)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int f_control(sqlite3_file *f, int op, void *arg)
{
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int f_sector(sqlite3_file *f)
{
	return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int f_device(sqlite3_file *f)
{
	return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int f_shm_map(sqlite3_file *f, int pg, int sz, int extend, void volatile **pp)
{
	return REAL(f)->pMethods->xShmMap(REAL(f), pg, sz, extend, pp);
}

static int f_shm_lock(sqlite3_file *f, int off, int n, int flags)
{
	return REAL(f)->pMethods->xShmLock(REAL(f), off, n, flags);
}

static void f_shm_barrier(sqlite3_file *f)
{
	REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int f_shm_unmap(sqlite3_file *f, int del)
{
	return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}

static const sqlite3_io_methods methods = {
	/* version 2: no xFetch/xUnfetch, so SQLite reads through xRead */
	2,        f_close,   f_read,      f_write,     f_truncate,    f_sync,
	f_size,   f_lock,    f_unlock,    f_reserved,  f_control,     f_sector,
	f_device, f_shm_map, f_shm_lock,  f_shm_barrier, f_shm_unmap, NULL,
	NULL,
};

static int v_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out)
{
	struct ffile *ff = (struct ffile *)f;
	int rc;

	(void)vfs;
	ff->real = (sqlite3_file *)(ff + 1);
	rc = orig->xOpen(orig, name, ff->real, flags, out);
	ff->base.pMethods = rc == SQLITE_OK && ff->real->pMethods ? &methods : NULL;
	return rc;
}

static int v_delete(sqlite3_vfs *v, const char *name, int sync)
{
	(void)v;
	return orig->xDelete(orig, name, sync);
}

static int v_access(sqlite3_vfs *v, const char *name, int flags, int *out)
{
	(void)v;
	return orig->xAccess(orig, name, flags, out);
}

static int v_full(sqlite3_vfs *v, const char *name, int n, char *out)
{
	(void)v;
	return orig->xFullPathname(orig, name, n, out);
}

static int v_random(sqlite3_vfs *v, int n, char *out)
{
	(void)v;
	return orig->xRandomness(orig, n, out);
}

static int v_sleep(sqlite3_vfs *v, int us)
{
	(void)v;
	return orig->xSleep(orig, us);
}

static int v_time(sqlite3_vfs *v, double *out)
{
	(void)v;
	return orig->xCurrentTime(orig, out);
}

static int v_error(sqlite3_vfs *v, int n, char *out)
{
	(void)v;
	return orig->xGetLastError(orig, n, out);
}

static int v_time64(sqlite3_vfs *v, sqlite3_int64 *out)
{
	(void)v;
	return orig->xCurrentTimeInt64(orig, out);
}

static sqlite3_vfs shim = {
	.iVersion = 2,
	.mxPathname = 512,
	.zName = "commune-fault",
	.xOpen = v_open,
	.xDelete = v_delete,
	.xAccess = v_access,
	.xFullPathname = v_full,
	.xRandomness = v_random,
	.xSleep = v_sleep,
	.xCurrentTime = v_time,
	.xGetLastError = v_error,
	.xCurrentTimeInt64 = v_time64,
};

/* -- SQLite's memory methods, wrapped -- */

static sqlite3_mem_methods mem;

static void *m_malloc(int n)
{
	return strike(FAULT_NOMEM) ? NULL : mem.xMalloc(n);
}

static void *m_realloc(void *p, int n)
{
	return strike(FAULT_NOMEM) ? NULL : mem.xRealloc(p, n);
}

static void install(void)
{
	sqlite3_mem_methods wrapped;

	assert_int_equal(sqlite3_config(SQLITE_CONFIG_GETMALLOC, &mem), SQLITE_OK);
	wrapped = mem;
	wrapped.xMalloc = m_malloc;
	wrapped.xRealloc = m_realloc;
	assert_int_equal(sqlite3_config(SQLITE_CONFIG_MALLOC, &wrapped), SQLITE_OK);
	assert_int_equal(sqlite3_initialize(), SQLITE_OK);
	orig = sqlite3_vfs_find(NULL);
	assert_non_null(orig);
	shim.szOsFile = (int)sizeof(struct ffile) + orig->szOsFile;
	shim.mxPathname = orig->mxPathname;
	assert_int_equal(sqlite3_vfs_register(&shim, 1), SQLITE_OK);
}

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
	sqlite3 *db;
	sqlite3_stmt *st;

	assert_int_equal(pstore_record_query(f->ps, &q, count, &s.records), CMN_OK);
	assert_int_equal(pstore_audit_verify(f->ps, &s.entries, &bad), CMN_OK);
	snprintf(path, sizeof(path), "%s/persons/%.2s/%s.db", f->dir, f->alice.id, f->alice.id);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
	sqlite3_close(db);
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

		arm(k, n);
		rc = import_buffer(f->ps, &f->reg, "cli:test", text, len, "f.ofx", NULL, &job);
		disarm();
		import_job_release(&job);
		if (!atomic_load(&hit)) {
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
		arm(k, n);
		rc = pstore_record_insert(f->ps, &m,
					  "{\"date\":\"2024-04-02\",\"amount\":-3.5,"
					  "\"currency\":\"EUR\",\"label\":\"x\"}",
					  "test");
		disarm();
		after = state_of(f);
		if (!atomic_load(&hit) || rc == CMN_OK) {
			assert_int_equal(rc, CMN_OK);
			assert_int_equal(after.records, before.records + 1);
			assert_int_equal(after.entries, before.entries + 1);
			if (!atomic_load(&hit))
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

	install();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
