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

#endif
