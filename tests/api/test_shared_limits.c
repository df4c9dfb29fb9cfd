/*
 * test_shared_limits.c - two `commune serve` processes on one data
 * directory (what several processes behind a proxy share) count the same
 * failed logins: guesses spread over both are refused together, a login
 * that succeeds on one clears the account's counter for both, and the
 * platform store keeps neither the handle nor the address it counts for.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include "client.h"
#include "core/limits.h"
#include "server.h"

static const char *bin;
static struct test_server one, two;

/* login - POST /api/v1/auth/login on s; the status */
static long login(const struct test_server *s, const char *handle, const char *password,
		  char *retry, size_t n)
{
	const char *headers[] = {"Content-Type: application/json", NULL};
	char body[200];
	struct resp r;
	long status;

	snprintf(body, sizeof(body), "{\"handle\":\"%s\",\"password\":\"%s\"}", handle, password);
	assert_int_equal(client_request(s->base, "POST", "/api/v1/auth/login", headers, body,
					strlen(body), &r),
			 0);
	status = r.status;
	if (retry && !client_header(&r, "Retry-After", retry, n))
		retry[0] = '\0';
	client_free(&r);
	return status;
}

static int up(void **state)
{
	(void)state;
	if (!test_data_dir(&one, bin) ||
	    !test_add_user(&one, "alice", "resident", "pw-alice-correct-horse") ||
	    !test_add_user(&one, "bob", "resident", "pw-bob-correct-horse") ||
	    !test_server_start(&one, NULL))
		return -1;
	/* the second process: the same data directory, a port of its own */
	two.bin = one.bin;
	snprintf(two.dir, sizeof(two.dir), "%s", one.dir);
	snprintf(two.store, sizeof(two.store), "%s", one.store); /* "" on SQLite */
	return test_server_start(&two, NULL) ? 0 : -1;
}

static int down(void **state)
{
	(void)state;
	assert_int_equal(test_server_stop(&two, false), 0);
	assert_int_equal(test_server_stop(&one, true), 0);
	return 0;
}

/* guesses spread over the two processes add up: the account's limit is
 * reached on either, then refused on both, the right password too */
static void guesses_add_up_across_processes(void **state)
{
	char retry[32], *end;
	long wait;

	(void)state;
	assert_int_equal(CMN_LOGIN_FAILS_PER_ACCOUNT, 5); /* the counts below */
	assert_int_equal(login(&one, "alice", "guess-1-guess", NULL, 0), 401);
	assert_int_equal(login(&two, "alice", "guess-2-guess", NULL, 0), 401);
	assert_int_equal(login(&one, "alice", "guess-3-guess", NULL, 0), 401);
	assert_int_equal(login(&two, "alice", "guess-4-guess", NULL, 0), 401);
	assert_int_equal(login(&two, "alice", "guess-5-guess", NULL, 0), 401);
	assert_int_equal(login(&one, "alice", "pw-alice-correct-horse", retry, sizeof(retry)), 429);
	wait = strtol(retry, &end, 10);
	assert_true(end != retry && *end == '\0');
	assert_true(wait > 0 && wait <= CMN_LOGIN_WINDOW_S);
	assert_int_equal(login(&two, "alice", "pw-alice-correct-horse", NULL, 0), 429);
	/* an account's counter is its own */
	assert_int_equal(login(&two, "bob", "pw-bob-correct-horse", NULL, 0), 200);
}

/* a success on one process clears the account's counter on the other */
static void success_clears_for_both(void **state)
{
	(void)state;
	for (int i = 0; i < CMN_LOGIN_FAILS_PER_ACCOUNT - 1; i++)
		assert_int_equal(login(i % 2 ? &one : &two, "bob", "guess-guess", NULL, 0), 401);
	assert_int_equal(login(&one, "bob", "pw-bob-correct-horse", NULL, 0), 200);
	for (int i = 0; i < CMN_LOGIN_FAILS_PER_ACCOUNT - 1; i++)
		assert_int_equal(login(&two, "bob", "guess-guess", NULL, 0), 401);
	assert_int_equal(login(&two, "bob", "pw-bob-correct-horse", NULL, 0), 200);
}

/* the counters hold keyed hashes: no handle, no address in the file */
static void counters_keep_no_name(void **state)
{
	char path[300];
	sqlite3 *db;
	sqlite3_stmt *st;
	int rows = 0;

	(void)state;
	if (one.store[0]) {
		/* on PostgreSQL: the same table in the database */
		PGconn *c = PQconnectdb(one.store);
		PGresult *r;

		assert_int_equal(PQstatus(c), CONNECTION_OK);
		r = PQexec(c, "SELECT octet_length(key) FROM limits");
		assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
		for (int i = 0; i < PQntuples(r); i++)
			assert_string_equal(PQgetvalue(r, i, 0), "16");
		assert_int_equal(PQntuples(r), 2);
		PQclear(r);
		PQfinish(c);
		return;
	}
	snprintf(path, sizeof(path), "%s/platform.db", one.dir);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT key, count FROM limits", -1, &st, NULL),
			 SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		/* 16 bytes of hash, not "acct:alice" or "addr:127.0.0.1" */
		assert_int_equal(sqlite3_column_type(st, 0), SQLITE_BLOB);
		assert_int_equal(sqlite3_column_bytes(st, 0), 16);
		rows++;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	/* alice's account and the address are counted; bob's was cleared */
	assert_int_equal(rows, 2);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(guesses_add_up_across_processes),
		cmocka_unit_test(success_clears_for_both),
		cmocka_unit_test(counters_keep_no_name),
	};
	int failed;

	if (argc < 2) {
		fprintf(stderr, "usage: %s COMMUNE_BINARY\n", argv[0]);
		return 2;
	}
	bin = argv[1];
	curl_global_init(CURL_GLOBAL_DEFAULT);
	failed = cmocka_run_group_tests(tests, up, down);
	curl_global_cleanup();
	return failed;
}
