/*
 * test_trusted_proxy.c - `commune serve --trusted-proxy` behind a proxy on
 * loopback (the test plays nginx: every request comes from 127.0.0.1 with
 * the X-Forwarded-For that $proxy_add_x_forwarded_for would send).
 *
 * With --trusted-proxy 127.0.0.1, failed logins count for the client the
 * header names: client A reaches the per-address limit and is refused
 * while client B, and the proxy itself, still log in; what a client writes
 * left of the proxy's entry does not count. Without the option the header
 * is ignored: the failures of "A" and "B" add up as the peer's.
 *
 * The two servers share one store (as processes behind one proxy do); the
 * second test's counter, the peer's address, is untouched by the first.
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

#include "client.h"
#include "core/limits.h"
#include "server.h"

#define CLIENT_A "203.0.113.7"
#define CLIENT_B "198.51.100.1"

static const char *bin;
static struct test_server proxied, plain;

/* login - POST /api/v1/auth/login on s with up to two X-Forwarded-For
 * headers (NULL: not sent); the status, and Retry-After into retry */
static long login(const struct test_server *s, const char *xff1, const char *xff2,
		  const char *handle, const char *password, char *retry, size_t n)
{
	char h1[128], h2[128], body[200];
	const char *headers[4] = {"Content-Type: application/json", NULL, NULL, NULL};
	struct resp r;
	long status;

	if (xff1) {
		snprintf(h1, sizeof(h1), "X-Forwarded-For: %s", xff1);
		headers[1] = h1;
	}
	if (xff1 && xff2) {
		snprintf(h2, sizeof(h2), "X-Forwarded-For: %s", xff2);
		headers[2] = h2;
	}
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

/* alice - alice logs in with her password; the status */
static long alice(const struct test_server *s, const char *xff1, const char *xff2)
{
	return login(s, xff1, xff2, "alice", "pw-alice-correct-horse", NULL, 0);
}

/* fail_logins - count failed logins, each for an account of its own (so
 * that only the address counter grows), through the header xff */
static void fail_logins(const struct test_server *s, const char *xff, int count, int from)
{
	char handle[32];

	for (int i = from; i < from + count; i++) {
		snprintf(handle, sizeof(handle), "nobody-%d", i);
		assert_int_equal(login(s, xff, NULL, handle, "a-wrong-password", NULL, 0), 401);
	}
}

static int up(void **state)
{
	(void)state;
	if (!test_data_dir(&proxied, bin) ||
	    !test_add_user(&proxied, "alice", "resident", "pw-alice-correct-horse") ||
	    !test_server_start(&proxied, "--trusted-proxy", "127.0.0.1", NULL))
		return -1;
	/* the same store, no trusted proxy */
	plain.bin = proxied.bin;
	snprintf(plain.dir, sizeof(plain.dir), "%s", proxied.dir);
	snprintf(plain.store, sizeof(plain.store), "%s", proxied.store); /* "" on SQLite */
	return test_server_start(&plain, NULL) ? 0 : -1;
}

static int down(void **state)
{
	(void)state;
	assert_int_equal(test_server_stop(&plain, false), 0);
	assert_int_equal(test_server_stop(&proxied, true), 0);
	return 0;
}

/* from a trusted proxy, each client's failures are its own */
static void forwarded_clients_count_apart(void **state)
{
	char retry[32], spoofed[64], *end;
	long wait;

	(void)state;
	assert_int_equal(CMN_LOGIN_FAILS_PER_ADDR, 20); /* the counts below */
	/* A's guesses, each behind an address A made up: the proxy's entry counts */
	for (int i = 0; i < CMN_LOGIN_FAILS_PER_ADDR; i++) {
		char handle[32];

		snprintf(spoofed, sizeof(spoofed), "192.0.2.%d, " CLIENT_A, i + 1);
		snprintf(handle, sizeof(handle), "nobody-%d", i);
		assert_int_equal(login(&proxied, spoofed, NULL, handle, "wrong-password", NULL, 0),
				 401);
	}
	/* A is refused, the right password too */
	assert_int_equal(login(&proxied, CLIENT_A, NULL, "alice", "pw-alice-correct-horse", retry,
			       sizeof(retry)),
			 429);
	wait = strtol(retry, &end, 10);
	assert_true(end != retry && *end == '\0');
	assert_true(wait > 0 && wait <= CMN_LOGIN_WINDOW_S);
	/* ... also when its entry comes in a second header */
	assert_int_equal(alice(&proxied, CLIENT_B, CLIENT_A), 429);
	/* B logs in, even claiming to be A in front of the proxy's entry */
	assert_int_equal(alice(&proxied, CLIENT_B, NULL), 200);
	assert_int_equal(alice(&proxied, CLIENT_A ", " CLIENT_B, NULL), 200);
	assert_int_equal(alice(&proxied, CLIENT_A, CLIENT_B), 200);
	/* a header that is not an address leaves the peer's, which is not limited */
	assert_int_equal(alice(&proxied, "unknown", NULL), 200);
	assert_int_equal(alice(&proxied, NULL, NULL), 200);
}

/* without --trusted-proxy the header is ignored: one counter, the peer's */
static void header_ignored_without_the_option(void **state)
{
	(void)state;
	fail_logins(&plain, CLIENT_A, CMN_LOGIN_FAILS_PER_ADDR / 2, 100);
	fail_logins(&plain, CLIENT_B, CMN_LOGIN_FAILS_PER_ADDR / 2, 200);
	assert_int_equal(alice(&plain, CLIENT_B, NULL), 429);
	assert_int_equal(alice(&plain, "192.0.2.99", NULL), 429);
	assert_int_equal(alice(&plain, NULL, NULL), 429);
	/* and the trusting server now refuses its peer's own requests too */
	assert_int_equal(alice(&proxied, NULL, NULL), 429);
	/* while a forwarded client is still its own */
	assert_int_equal(alice(&proxied, "192.0.2.99", NULL), 200);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		/* in this order: the second locks the peer's address out */
		cmocka_unit_test(forwarded_clients_count_apart),
		cmocka_unit_test(header_ignored_without_the_option),
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
