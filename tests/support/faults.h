/*
 * faults.h - fault injection for the tests (issue 15): a VFS shim over
 * SQLite's default VFS and SQLite's memory methods wrapped, so that the
 * Nth operation of a kind fails. faults_install must run before SQLite is
 * first used (it configures its allocator and registers the shim as the
 * default VFS); then faults_arm(kind, n) makes the n-th operation of that
 * kind from now on fail (n from 0), in any thread, until faults_disarm.
 *
 * FAULT_ALLOC, commune's own allocations and jansson's, needs the calls of
 * the objects linked in wrapped (faults_alloc.c, and the linker's --wrap
 * of malloc, calloc, realloc, strdup and strndup: see tests/CMakeLists.txt)
 * and faults_alloc_install before jansson is first used. It counts the
 * allocations of every thread but the one that armed it, the test's own
 * (its HTTP client parses answers with jansson too).
 */
#ifndef COMMUNE_TESTS_FAULTS_H
#define COMMUNE_TESTS_FAULTS_H

#include <stdbool.h>

enum fault {
	FAULT_NONE,
	FAULT_IO,    /* a write, sync or truncate: SQLITE_IOERR_* */
	FAULT_FULL,  /* the same: SQLITE_FULL, a full disk */
	FAULT_NOMEM, /* an allocation of SQLite's: NULL */
	FAULT_ALLOC, /* an allocation of commune's or jansson's: NULL */
};

void faults_install(void);
void faults_arm(enum fault k, long n);
void faults_disarm(void);

/* faults_hit - the armed fault happened since faults_arm */
bool faults_hit(void);

/* faults_strike - counts an operation of kind k: true for the one that
 * must fail */
bool faults_strike(enum fault k);

/* faults_alloc_install - jansson's allocations through the FAULT_ALLOC
 * count (faults_alloc.c) */
void faults_alloc_install(void);

#endif
