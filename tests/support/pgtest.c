/*
 * pgtest.c - the test databases of pgtest.h.
 */
#include "pgtest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
