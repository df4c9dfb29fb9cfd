/*
 * test_shutdown.c - SIGTERM lets the request in flight finish, then the
 * server exits 0; and the access log has one JSON line per request with
 * the route template and the person, never a password, a token or a body.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "client.h"
#include "server.h"

static const char *bin;

static int dial(unsigned short port)
{
	int fd = test_dial(port);

	assert_true(fd >= 0);
	return fd;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 1 << 20);
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void in_flight_request_finishes(void **state)
{
	struct test_server s;
	const char *head = "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n"
			   "Content-Type: application/json\r\nContent-Length: 54\r\n\r\n";
	const char *body = "{\"handle\":\"alice\",\"password\":\"pw-alice-correct-horse\"}";
	char resp[4096] = "";
	int fd, status = -1;
	ssize_t n;
	size_t got = 0;

	(void)state;
	assert_int_equal(strlen(body), 54);
	assert_true(test_data_dir(&s, bin));
	assert_true(test_add_user(&s, "alice", "resident", "pw-alice-correct-horse"));
	assert_true(test_server_start(&s, NULL));
	fd = dial(s.port);
	/* headers and half the body, then SIGTERM, then the rest */
	assert_true(send(fd, head, strlen(head), 0) > 0);
	assert_true(send(fd, body, 20, 0) == 20);
	usleep(200 * 1000);
	kill(s.pid, SIGTERM);
	usleep(300 * 1000);
	assert_int_equal(waitpid(s.pid, &status, WNOHANG), 0); /* still serving it */
	assert_true(send(fd, body + 20, 34, 0) == 34);
	while (got < sizeof(resp) - 1 && (n = recv(fd, resp + got, sizeof(resp) - 1 - got, 0)) > 0)
		got += (size_t)n;
	resp[got] = '\0';
	close(fd);
	assert_int_equal(strncmp(resp, "HTTP/1.1 200", 12), 0);
	assert_int_equal(waitpid(s.pid, &status, 0), s.pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	s.pid = 0;
	/* and new connections are refused once it stopped */
	{
		struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(s.port)};
		int fd2 = socket(AF_INET, SOCK_STREAM, 0);

		inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
		assert_int_not_equal(connect(fd2, (struct sockaddr *)&a, sizeof(a)), 0);
		close(fd2);
	}
	test_server_stop(&s, true);
}

static void access_log_has_no_secrets(void **state)
{
	struct test_server s;
	char cookie[256], csrf[128], path[400];
	struct resp r;
	char *log;

	(void)state;
	assert_true(test_data_dir(&s, bin));
	assert_true(test_add_user(&s, "alice", "resident", "pw-alice-correct-horse"));
	assert_true(test_server_start(&s, NULL));
	assert_int_equal(client_login(s.base, "alice", "pw-alice-correct-horse", cookie,
				      sizeof(cookie), csrf, sizeof(csrf)), 0);
	{
		const char *h2[] = {cookie, csrf, "Content-Type: application/json", NULL};
		const char *rec = "{\"date\":\"2024-01-01\",\"amount\":1,\"currency\":\"EUR\","
				  "\"label\":\"secret-label-xyz\"}";

		assert_int_equal(client_request(s.base, "POST", "/api/v1/records/bank.transaction",
						h2, rec, strlen(rec), &r), 0);
		assert_int_equal(r.status, 201);
		client_free(&r);
	}
	assert_int_equal(test_server_stop(&s, false), 0);
	snprintf(path, sizeof(path), "%s/server.log", s.dir);
	log = slurp(path);
	assert_non_null(strstr(log, "\"route\":\"/api/v1/records/{doctype}\",\"status\":201"));
	assert_non_null(strstr(log, "\"route\":\"/api/v1/auth/login\",\"status\":200"));
	assert_non_null(strstr(log, "\"person\":\""));
	assert_null(strstr(log, "pw-alice-correct-horse"));
	assert_null(strstr(log, "secret-label-xyz"));
	assert_null(strstr(log, strchr(cookie, '=') + 1)); /* the session token */
	assert_null(strstr(log, strchr(csrf, ' ') + 1));
	free(log);
	test_server_stop(&s, true);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(in_flight_request_finishes),
		cmocka_unit_test(access_log_has_no_secrets),
	};

	if (argc != 2)
		return 2;
	bin = argv[1];
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
