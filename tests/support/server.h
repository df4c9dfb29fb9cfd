/*
 * server.h - tests start their own `commune serve` on a free loopback port
 * with a fresh data directory, and stop it.
 */
#ifndef COMMUNE_TESTS_SERVER_H
#define COMMUNE_TESTS_SERVER_H

#include <stdbool.h>
#include <sys/types.h>

struct test_server {
	pid_t pid;
	unsigned short port;
	char dir[256];                    /* the data directory (removed at stop) */
	char base[64];                    /* "http://127.0.0.1:PORT" */
	const char *bin;                  /* the commune binary */
	char store[512];                  /* the PostgreSQL store's URL, or "" */
};

/* test_data_dir - creates a fresh temporary data directory in s->dir.
 * With COMMUNE_TEST_STORE=postgres in the environment, the store is a new
 * database of the test run's cluster (pgtest.h) instead, in s->store and
 * in COMMUNE_STORE for every command and server the test starts; it is
 * dropped with the directory (test_server_stop). */
bool test_data_dir(struct test_server *s, const char *bin);

/* test_on_postgres - whether the tests run on PostgreSQL (COMMUNE_TEST_STORE) */
bool test_on_postgres(void);

/* test_cli - runs `commune ARGS... --data DIR` with input on stdin (may be
 * NULL); returns the exit status, or -1. out (may be NULL) receives stdout. */
int test_cli(const struct test_server *s, const char *input, char *out, size_t outlen, ...);

/* test_add_user - `commune user add HANDLE --role ROLE` with a password. */
bool test_add_user(const struct test_server *s, const char *handle, const char *role,
		   const char *password);

/* test_server_start - starts serve on 127.0.0.1:0 with extra arguments
 * (NULL-terminated) and waits until it listens. */
bool test_server_start(struct test_server *s, ...);

/* test_server_stop - SIGTERM, wait; returns the exit status (0 expected).
 * Removes the data directory when remove_dir. */
int test_server_stop(struct test_server *s, bool remove_dir);

/* test_dial - a TCP connection to 127.0.0.1:port with a 10 s receive
 * timeout, or -1. */
int test_dial(unsigned short port);

#endif
