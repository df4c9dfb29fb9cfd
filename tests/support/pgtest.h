/*
 * pgtest.h - a database of its own in the test run's PostgreSQL cluster
 * (tests/support/pg-cluster.sh, ctest's fixture pg_cluster), for the tests
 * that run on both backends.
 */
#ifndef COMMUNE_TESTS_PGTEST_H
#define COMMUNE_TESTS_PGTEST_H

#include <stddef.h>

/* pgtest_db_new - creates an empty database in the cluster named by the
 * file of COMMUNE_TEST_PG_FILE and writes its postgresql:// URL into url;
 * 0, or -1 after printing why (no cluster is a failure, not a skip). */
int pgtest_db_new(char *url, size_t n);

/* pgtest_db_drop - drops the database of url (its connections closed first). */
void pgtest_db_drop(const char *url);

/* pgtest_db_disconnect - ends every connection to the database of url, as
 * a restarted server would; 0, or -1 after printing why */
int pgtest_db_disconnect(const char *url);

/* pgtest_db_quiet - waits up to timeout_ms until no client but the caller
 * is connected to the database of url (the backends of a killed client end
 * when they see its socket closed); *waited_ms (may be NULL) receives how
 * long it took. 0, or -1 after printing the sessions still there. */
int pgtest_db_quiet(const char *url, int timeout_ms, int *waited_ms);

/* pgtest_db_sound - what PRAGMA integrity_check is to SQLite: every index
 * of the database of url valid, every B-tree index checked against its
 * table (amcheck's bt_index_check, with heapallindexed) and every table's
 * pages read and checked (verify_heapam). The amcheck extension is created
 * in the database first (the cluster's user is its superuser). 0, or -1
 * with the first problem in why. */
int pgtest_db_sound(const char *url, char *why, size_t n);

#endif
