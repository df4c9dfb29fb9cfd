/*
 * pg.h - the few libpq calls the benchmarks make to run their PostgreSQL
 * baselines (one row per point) beside commune: connect, execute, read one
 * integer, and stream rows with COPY. Every failure prints one line to
 * stderr and exits 1: a baseline that went wrong must not give a figure.
 *
 * The server is a throw-away cluster that scripts/pg-temp starts; the
 * benchmark receives its conninfo in an environment variable.
 */
#ifndef COMMUNE_BENCH_PG_H
#define COMMUNE_BENCH_PG_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

/* pgb_connect - a connection, or exit */
PGconn *pgb_connect(const char *conninfo);

/* pgb_exec - runs sql (one or more statements without results to keep) */
void pgb_exec(PGconn *c, const char *sql);

/* pgb_int - the first column of the first row of sql, as an integer
 * (0 for NULL) */
int64_t pgb_int(PGconn *c, const char *sql);

/* pgb_postmaster_cpu_s - the user + system seconds of the processes the
 * postmaster of the cluster in datadir has reaped: backends and parallel
 * workers once they have exited (the server's CPU for a session, read
 * before it starts and after it ends). -1 when unknown. */
double pgb_postmaster_cpu_s(const char *datadir);

/* A COPY ... FROM STDIN in text format, fed whole rows of integers and
 * short texts through a 256 KiB buffer. */
struct pgb_copy {
	PGconn *c;
	size_t len;
	char buf[1 << 18];
};

void pgb_copy_begin(struct pgb_copy *cp, PGconn *c, const char *copy_sql);
/* pgb_copy_ints - one row of n integers, tab-separated */
void pgb_copy_ints(struct pgb_copy *cp, const int64_t *v, int n);
/* pgb_copy_text - one row given as text, newline included (no escaping:
 * the caller's fields hold no tab, newline or backslash) */
void pgb_copy_text(struct pgb_copy *cp, const char *row);
/* pgb_copy_end - sends what is left and ends the COPY; returns the rows
 * the server counted */
int64_t pgb_copy_end(struct pgb_copy *cp);

#endif
