/*
 * test_limits.c - the hard limits of the server, each answered with its
 * status and a problem document: 413, 431, 414, 408, 503 (and 429 with
 * Retry-After in auth.t). Raw sockets, so that nothing in a client library
 * hides what is sent.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

#include "server.h"

static const char *bin;

static int dial(unsigned short port)
{
	int fd = test_dial(port);

	assert_true(fd >= 0);
	return fd;
}

static void send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w <= 0)
			return; /* the server may close early: that is allowed */
		p += w;
		n -= (size_t)w;
	}
}

/* read_response - reads until the server closes or the header+body seem
 * complete; returns the bytes read (NUL-terminated). */
static size_t read_response(int fd, char *buf, size_t n)
{
	size_t got = 0;

	while (got < n - 1) {
		ssize_t r = recv(fd, buf + got, n - 1 - got, 0);
		char *body;

		if (r <= 0)
			break;
		got += (size_t)r;
		buf[got] = '\0';
		body = strstr(buf, "\r\n\r\n");
		if (body) {
			const char *cl = strstr(buf, "Content-Length: ");

			if (cl && (size_t)(body + 4 - buf) + strtoul(cl + 16, NULL, 10) <= got)
				break;
		}
	}
	buf[got] = '\0';
	return got;
}

static int status_of(const char *resp)
{
	return strncmp(resp, "HTTP/1.1 ", 9) == 0 ? (int)strtol(resp + 9, NULL, 10) : -1;
}

static void assert_problem(const char *resp, int status, const char *type)
{
	char want[128];

	assert_int_equal(status_of(resp), status);
	assert_non_null(strstr(resp, "Content-Type: application/problem+json"));
	snprintf(want, sizeof(want), "\"type\":\"urn:commune:problem:%s\"", type);
	assert_non_null(strstr(resp, want));
}

static int setup(void **state)
{
	static struct test_server s;

	assert_true(test_data_dir(&s, bin));
	assert_true(test_add_user(&s, "alice", "resident", "pw-alice-correct-horse"));
	assert_true(test_server_start(&s, "--request-timeout", "2", "--max-connections", "8",
				      "--max-per-ip", "200", NULL));
	*state = &s;
	return 0;
}

static int teardown(void **state)
{
	struct test_server *s = *state;

	assert_int_equal(test_server_stop(s, true), 0);
	return 0;
}

static void body_over_cap_by_length(void **state)
{
	struct test_server *s = *state;
	char resp[4096];
	int fd = dial(s->port);
	const char *req = "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n"
			  "Content-Type: application/json\r\nContent-Length: 5000000\r\n\r\n{";

	send_all(fd, req, strlen(req));
	read_response(fd, resp, sizeof(resp));
	close(fd);
	assert_problem(resp, 413, "body-too-large");
}

static void body_over_cap_chunked(void **state)
{
	struct test_server *s = *state;
	static char chunk[70000];
	char resp[4096], line[64];
	int fd = dial(s->port);
	const char *req = "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n"
			  "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";

	memset(chunk, 'a', sizeof(chunk));
	send_all(fd, req, strlen(req));
	for (int i = 0; i < 20; i++) { /* 20 x 64 KiB > 1 MiB */
		snprintf(line, sizeof(line), "%x\r\n", 65536);
		send_all(fd, line, strlen(line));
		send_all(fd, chunk, 65536);
		send_all(fd, "\r\n", 2);
	}
	send_all(fd, "0\r\n\r\n", 5);
	read_response(fd, resp, sizeof(resp));
	close(fd);
	assert_problem(resp, 413, "body-too-large");
}

static void headers_over_cap(void **state)
{
	struct test_server *s = *state;
	static char req[40000];
	char resp[4096];
	int fd = dial(s->port);
	size_t n;

	/* 20 KiB of headers: over our 16 KiB cap, under the library's pool */
	n = (size_t)snprintf(req, sizeof(req), "GET /api/v1/health HTTP/1.1\r\nHost: x\r\n");
	for (int i = 0; i < 20; i++) {
		n += (size_t)snprintf(req + n, sizeof(req) - n, "X-Filler-%d: ", i);
		memset(req + n, 'b', 1000);
		n += 1000;
		n += (size_t)snprintf(req + n, sizeof(req) - n, "\r\n");
	}
	n += (size_t)snprintf(req + n, sizeof(req) - n, "\r\n");
	send_all(fd, req, n);
	read_response(fd, resp, sizeof(resp));
	close(fd);
	assert_problem(resp, 431, "headers-too-large");
}

static void target_over_cap(void **state)
{
	struct test_server *s = *state;
	static char req[12000];
	char resp[4096];
	int fd = dial(s->port);
	size_t n = (size_t)snprintf(req, sizeof(req), "GET /api/v1/health?x=");

	memset(req + n, 'c', 6000);
	n += 6000;
	n += (size_t)snprintf(req + n, sizeof(req) - n, " HTTP/1.1\r\nHost: x\r\n\r\n");
	send_all(fd, req, n);
	read_response(fd, resp, sizeof(resp));
	close(fd);
	assert_problem(resp, 414, "uri-too-long");
}

static void slow_body_times_out(void **state)
{
	struct test_server *s = *state;
	char resp[4096];
	int fd = dial(s->port);
	const char *req = "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n"
			  "Content-Type: application/json\r\nContent-Length: 18\r\n\r\n{\"handle\":";

	send_all(fd, req, strlen(req));
	/* one byte every 0.5 s: the 2 s request time passes before the body ends */
	for (int i = 0; i < 8; i++) {
		usleep(500 * 1000);
		send_all(fd, " ", 1);
	}
	read_response(fd, resp, sizeof(resp));
	close(fd);
	assert_problem(resp, 408, "request-timeout");
}

static void too_many_connections(void **state)
{
	struct test_server *s = *state;
	int fds[12];
	char resp[4096];
	const char *req = "GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n";

	/* hold 10 idle connections: the limit is 8 */
	for (int i = 0; i < 10; i++)
		fds[i] = dial(s->port);
	usleep(200 * 1000);
	fds[10] = dial(s->port);
	send_all(fds[10], req, strlen(req));
	read_response(fds[10], resp, sizeof(resp));
	assert_problem(resp, 503, "server-busy");
	assert_non_null(strstr(resp, "Retry-After: 1"));
	for (int i = 0; i <= 10; i++)
		close(fds[i]);
	/* once they are gone, requests are served again */
	usleep(300 * 1000);
	fds[11] = dial(s->port);
	send_all(fds[11], req, strlen(req));
	read_response(fds[11], resp, sizeof(resp));
	close(fds[11]);
	assert_int_equal(status_of(resp), 200);
}

static void within_limits_is_served(void **state)
{
	struct test_server *s = *state;
	char resp[4096];
	int fd = dial(s->port);
	const char *req = "GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n";

	send_all(fd, req, strlen(req));
	read_response(fd, resp, sizeof(resp));
	close(fd);
	assert_int_equal(status_of(resp), 200);
	assert_non_null(strstr(resp, "\"status\":\"ok\""));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(within_limits_is_served),
		cmocka_unit_test(body_over_cap_by_length),
		cmocka_unit_test(body_over_cap_chunked),
		cmocka_unit_test(headers_over_cap),
		cmocka_unit_test(target_over_cap),
		cmocka_unit_test(slow_body_times_out),
		cmocka_unit_test(too_many_connections),
	};

	if (argc != 2)
		return 2;
	bin = argv[1];
	return cmocka_run_group_tests(tests, setup, teardown);
}
