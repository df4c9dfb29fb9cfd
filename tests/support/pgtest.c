/*
 * pgtest.c - the test databases of pgtest.h.
 */
#include "pgtest.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>
#include <sodium.h>

/* cluster_url - the cluster's URL, without a database, from the file */
static int cluster_url(char *out, size_t n)
{
	const char *path = getenv("COMMUNE_TEST_PG_FILE");
	FILE *f;
	size_t len;

	if (!path || !*path) {
		fprintf(stderr, "pgtest: COMMUNE_TEST_PG_FILE is not set (ctest's fixture"
				" pg_cluster sets it)\n");
		return -1;
	}
	if (!(f = fopen(path, "r")) || !fgets(out, (int)n, f)) {
		fprintf(stderr, "pgtest: no PostgreSQL cluster URL in %s\n", path);
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	len = strcspn(out, "\r\n");
	out[len] = '\0';
	return 0;
}

/* admin - runs sql on the cluster's own database, expecting status */
static int admin(const char *base, const char *sql, ExecStatusType status)
{
	char url[512];
	PGconn *c;
	PGresult *r;
	int ok;

	snprintf(url, sizeof(url), "%s/commune?sslmode=disable", base);
	c = PQconnectdb(url);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "pgtest: %s: %s", url, PQerrorMessage(c));
		PQfinish(c);
		return -1;
	}
	r = PQexec(c, sql);
	ok = PQresultStatus(r) == status;
	if (!ok)
		fprintf(stderr, "pgtest: %s: %s", sql, PQresultErrorMessage(r));
	PQclear(r);
	PQfinish(c);
	return ok ? 0 : -1;
}

int pgtest_db_new(char *url, size_t n)
{
	char base[400], name[40], sql[128];
	unsigned char rnd[8];

	if (cluster_url(base, sizeof(base)) != 0)
		return -1;
	randombytes_buf(rnd, sizeof(rnd));
	snprintf(name, sizeof(name), "t_");
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(name + 2 + 2 * i, 3, "%02x", rnd[i]);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
	if (admin(base, sql, PGRES_COMMAND_OK) != 0)
		return -1;
	snprintf(url, n, "%s/%s?sslmode=disable", base, name);
	return 0;
}

/* db_name - the database name of url into out */
static void db_name(const char *url, char *out, size_t n)
{
	const char *name = strrchr(url, '/');
	size_t len;

	name = name ? name + 1 : "";
	len = strcspn(name, "?");
	snprintf(out, n, "%.*s", (int)len, name);
}

int pgtest_db_disconnect(const char *url)
{
	char base[400], name[64], sql[256];

	if (cluster_url(base, sizeof(base)) != 0)
		return -1;
	db_name(url, name, sizeof(name));
	snprintf(sql, sizeof(sql),
		 "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '%s'",
		 name);
	return admin(base, sql, PGRES_TUPLES_OK);
}

void pgtest_db_drop(const char *url)
{
	char base[400], name[64], sql[128];

	if (cluster_url(base, sizeof(base)) != 0)
		return;
	db_name(url, name, sizeof(name));
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
	admin(base, sql, PGRES_COMMAND_OK);
}

/* sessions - how many other clients are connected to this database, or -1 */
static int sessions(PGconn *c, bool show)
{
	static const char q_count[] =
	    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
	    " AND pid <> pg_backend_pid() AND backend_type = 'client backend'";
	static const char q_show[] =
	    "SELECT pid, state, coalesce(wait_event_type || ':' || wait_event, '-'),"
	    " left(query, 120) FROM pg_stat_activity WHERE datname = current_database()"
	    " AND pid <> pg_backend_pid() AND backend_type = 'client backend'";
	PGresult *r = PQexec(c, show ? q_show : q_count);
	int n = -1;

	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		fprintf(stderr, "pgtest: pg_stat_activity: %s", PQresultErrorMessage(r));
	else if (!show)
		n = (int)strtol(PQgetvalue(r, 0, 0), NULL, 10);
	else
		for (int i = 0; i < PQntuples(r); i++)
			fprintf(stderr, "pgtest: still connected: pid %s, %s, waiting %s: %s\n",
				PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
				PQgetvalue(r, i, 3));
	PQclear(r);
	return n;
}

int pgtest_db_quiet(const char *url, int timeout_ms, int *waited_ms)
{
	PGconn *c = PQconnectdb(url);
	struct timespec t0, t;
	int n = -1, ms = 0;

	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "pgtest: %s", PQerrorMessage(c));
		PQfinish(c);
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((n = sessions(c, false)) > 0 && ms < timeout_ms) {
		struct timespec pause = {0, 10 * 1000000L};

		nanosleep(&pause, NULL);
		clock_gettime(CLOCK_MONOTONIC, &t);
		ms = (int)((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
	}
	if (n > 0) {
		fprintf(stderr, "pgtest: %d sessions still connected after %d ms\n", n, ms);
		sessions(c, true);
	}
	PQfinish(c);
	if (waited_ms)
		*waited_ms = ms;
	return n == 0 ? 0 : -1;
}

/* no_row - runs sql: an error is a problem, written to why after what;
 * so is a row it returns, when rows_are_problems (its first column) */
static int no_row(PGconn *c, const char *what, const char *sql, bool rows_are_problems,
		  char *why, size_t n)
{
	PGresult *r = PQexec(c, sql);
	int ok = 0;

	if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK)
		snprintf(why, n, "%s: %s", what, PQresultErrorMessage(r));
	else if (rows_are_problems && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0)
		snprintf(why, n, "%s: %s", what, PQgetvalue(r, 0, 0));
	else
		ok = 1;
	PQclear(r);
	return ok ? 0 : -1;
}

/* drop_notice - drops the server's notices ("extension amcheck already exists") */
static void drop_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

int pgtest_db_sound(const char *url, char *why, size_t n)
{
	static const char q_amcheck[] = "CREATE EXTENSION IF NOT EXISTS amcheck";
	/* an index a failed or cut CREATE INDEX left unusable */
	static const char q_invalid[] =
	    "SELECT indexrelid::regclass::text FROM pg_index"
	    " WHERE NOT indisvalid OR NOT indisready";
	/* every B-tree index of the database, the catalogs' too (temporary
	 * tables are another session's): a row each, an error names the index */
	static const char q_indexes[] =
	    "SELECT bt_index_check(c.oid, true) FROM pg_class c JOIN pg_am a ON a.oid = c.relam"
	    " WHERE c.relkind = 'i' AND a.amname = 'btree' AND c.relpersistence <> 't'";
	/* every page of every table and of their TOAST tables */
	static const char q_heaps[] =
	    "SELECT c.oid::regclass::text || ' block ' || coalesce(v.blkno::text, '-') || ': '"
	    " || v.msg FROM pg_class c CROSS JOIN LATERAL verify_heapam(c.oid) v"
	    " WHERE c.relkind IN ('r', 'm', 't') AND c.relpersistence <> 't' LIMIT 1";
	PGconn *c = PQconnectdb(url);
	int rc = -1;

	if (PQstatus(c) != CONNECTION_OK) {
		snprintf(why, n, "%s", PQerrorMessage(c));
	} else {
		PQsetNoticeProcessor(c, drop_notice, NULL);
		if (no_row(c, "amcheck", q_amcheck, false, why, n) == 0 &&
		    no_row(c, "an index not valid", q_invalid, true, why, n) == 0 &&
		    no_row(c, "bt_index_check", q_indexes, false, why, n) == 0 &&
		    no_row(c, "verify_heapam", q_heaps, true, why, n) == 0)
			rc = 0;
	}
	PQfinish(c);
	return rc;
}
