/*
 * pg.c - see pg.h
 */
#include "pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void die(PGconn *c, const char *what)
{
	fprintf(stderr, "postgres: %s: %s", what, c ? PQerrorMessage(c) : "no connection\n");
	exit(1);
}

PGconn *pgb_connect(const char *conninfo)
{
	PGconn *c = PQconnectdb(conninfo);

	if (!c || PQstatus(c) != CONNECTION_OK)
		die(c, conninfo);
	return c;
}

void pgb_exec(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	ExecStatusType st = PQresultStatus(r);

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		die(c, sql);
	PQclear(r);
}

int64_t pgb_int(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	int64_t x = 0;

	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) < 1 || PQnfields(r) < 1)
		die(c, sql);
	if (!PQgetisnull(r, 0, 0))
		x = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return x;
}

double pgb_postmaster_cpu_s(const char *datadir)
{
	char path[512], line[1024];
	long pid = 0, hz = sysconf(_SC_CLK_TCK);
	unsigned long long cut = 0, cst = 0;
	FILE *f;
	char *p;
	int n;

	snprintf(path, sizeof(path), "%s/postmaster.pid", datadir);
	if (!(f = fopen(path, "r")))
		return -1;
	n = fscanf(f, "%ld", &pid);
	fclose(f);
	if (n != 1 || pid <= 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if (!(f = fopen(path, "r")))
		return -1;
	p = fgets(line, sizeof(line), f);
	fclose(f);
	/* after "(comm)": state ppid pgrp session tty tpgid flags minflt cminflt
	 * majflt cmajflt utime stime cutime cstime */
	if (!p || !(p = strrchr(line, ')')) ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %llu %llu", &cut,
		   &cst) != 2)
		return -1;
	return (double)(cut + cst) / (double)(hz > 0 ? hz : 100);
}

void pgb_copy_begin(struct pgb_copy *cp, PGconn *c, const char *copy_sql)
{
	PGresult *r = PQexec(c, copy_sql);

	if (PQresultStatus(r) != PGRES_COPY_IN)
		die(c, copy_sql);
	PQclear(r);
	cp->c = c;
	cp->len = 0;
}

static void flush(struct pgb_copy *cp)
{
	if (cp->len && PQputCopyData(cp->c, cp->buf, (int)cp->len) != 1)
		die(cp->c, "COPY data");
	cp->len = 0;
}

void pgb_copy_ints(struct pgb_copy *cp, const int64_t *v, int n)
{
	if (sizeof(cp->buf) - cp->len < (size_t)n * 21 + 1)
		flush(cp);
	for (int i = 0; i < n; i++) {
		char tmp[24], *e = tmp + sizeof(tmp), *q = e;
		uint64_t u = v[i] < 0 ? -(uint64_t)v[i] : (uint64_t)v[i];

		do
			*--q = (char)('0' + u % 10);
		while (u /= 10);
		if (v[i] < 0)
			*--q = '-';
		memcpy(cp->buf + cp->len, q, (size_t)(e - q));
		cp->len += (size_t)(e - q);
		cp->buf[cp->len++] = i + 1 < n ? '\t' : '\n';
	}
}

void pgb_copy_text(struct pgb_copy *cp, const char *row)
{
	size_t n = strlen(row);

	if (sizeof(cp->buf) - cp->len < n)
		flush(cp);
	if (n > sizeof(cp->buf)) {
		if (PQputCopyData(cp->c, row, (int)n) != 1)
			die(cp->c, "COPY data");
		return;
	}
	memcpy(cp->buf + cp->len, row, n);
	cp->len += n;
}

int64_t pgb_copy_end(struct pgb_copy *cp)
{
	PGresult *r;
	int64_t rows;

	flush(cp);
	if (PQputCopyEnd(cp->c, NULL) != 1)
		die(cp->c, "COPY end");
	r = PQgetResult(cp->c);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		die(cp->c, "COPY");
	rows = strtoll(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	while ((r = PQgetResult(cp->c)))
		PQclear(r);
	return rows;
}
