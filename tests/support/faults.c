/*
 * faults.c - fault injection for the tests (issue 15), in the manner of
 * SQLite's own fault simulation: the Nth write, sync or truncate of any
 * store file fails with an I/O error or "disk full" (a VFS shim over the
 * default one), or the Nth allocation SQLite makes fails (its memory
 * methods, wrapped). See faults.h.
 */
#include "faults.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include <setjmp.h>
#include <stdarg.h>

#include <cmocka.h>
#include <sqlite3.h>

static _Atomic long countdown = -1; /* operations before the one that fails; -1: none */
static _Atomic int hit;             /* the fault happened (faults_hit) */
static enum fault kind = FAULT_NONE;
static pthread_t armer;             /* whose allocations FAULT_ALLOC leaves alone */

void faults_arm(enum fault k, long n)
{
	armer = pthread_self();
	kind = k;
	atomic_store(&hit, 0);
	atomic_store(&countdown, n);
}

void faults_disarm(void)
{
	atomic_store(&countdown, -1);
	kind = FAULT_NONE;
}

bool faults_strike(enum fault k)
{
	long left;

	if (kind != k || (k == FAULT_ALLOC && pthread_equal(pthread_self(), armer)))
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
	if (faults_strike(FAULT_IO))
		return SQLITE_IOERR_WRITE;
	if (faults_strike(FAULT_FULL))
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
	return faults_strike(FAULT_NOMEM) ? NULL : mem.xMalloc(n);
}

static void *m_realloc(void *p, int n)
{
	return faults_strike(FAULT_NOMEM) ? NULL : mem.xRealloc(p, n);
}

void faults_install(void)
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

bool faults_hit(void)
{
	return atomic_load(&hit) != 0;
}
