/*
 * server.c - starting and stopping a real commune server for tests.
 */
#include "server.h"
#include "pgtest.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ARGS 32

bool test_data_dir(struct test_server *s, const char *bin)
{
	const char *tmp = getenv("TMPDIR");

	memset(s, 0, sizeof(*s));
	s->bin = bin;
	snprintf(s->dir, sizeof(s->dir), "%s/commune-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(s->dir))
		return false;
	setenv("COMMUNE_PWHASH_COST", "min", 1);
	if (test_on_postgres()) {
		if (pgtest_db_new(s->store, sizeof(s->store)) != 0) {
			rmdir(s->dir);
			return false;
		}
		setenv("COMMUNE_STORE", s->store, 1);
	}
	return true;
}

bool test_on_postgres(void)
{
	const char *v = getenv("COMMUNE_TEST_STORE");

	return v && strcmp(v, "postgres") == 0;
}

/* use_store - in a child about to run commune: s's store, whichever
 * another server of the test set last */
static void use_store(const struct test_server *s)
{
	if (s->store[0])
		setenv("COMMUNE_STORE", s->store, 1);
	else
		unsetenv("COMMUNE_STORE");
}

static int run(const struct test_server *s, const char *input, char *out, size_t outlen,
	       char *const argv[])
{
	int in[2], o[2], status = 0;
	pid_t pid;
	size_t got = 0;

	if (pipe(in) != 0 || pipe(o) != 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(o[1], 1);
		close(in[1]);
		close(o[0]);
		use_store(s);
		execv(s->bin, argv);
		_exit(127);
	}
	close(in[0]);
	close(o[1]);
	if (input) {
		ssize_t w = write(in[1], input, strlen(input));

		(void)w;
	}
	close(in[1]);
	for (;;) {
		char tmp[512];
		ssize_t n = read(o[0], tmp, sizeof(tmp));

		if (n <= 0)
			break;
		if (out && got + (size_t)n < outlen) {
			memcpy(out + got, tmp, (size_t)n);
			got += (size_t)n;
		}
	}
	if (out && outlen)
		out[got < outlen ? got : outlen - 1] = '\0';
	close(o[0]);
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int test_cli(const struct test_server *s, const char *input, char *out, size_t outlen, ...)
{
	char *argv[MAX_ARGS];
	int n = 0;
	va_list ap;
	const char *a;

	argv[n++] = (char *)s->bin;
	va_start(ap, outlen);
	while ((a = va_arg(ap, const char *)) && n < MAX_ARGS - 3)
		argv[n++] = (char *)a;
	va_end(ap);
	argv[n++] = "--data";
	argv[n++] = (char *)s->dir;
	argv[n] = NULL;
	return run(s, input, out, outlen, argv);
}

bool test_add_user(const struct test_server *s, const char *handle, const char *role,
		   const char *password)
{
	char line[1100];

	snprintf(line, sizeof(line), "%s\n", password);
	return test_cli(s, line, NULL, 0, "user", "add", handle, "--role", role, NULL) == 0;
}

bool test_server_start(struct test_server *s, ...)
{
	char *argv[MAX_ARGS], line[512];
	int o[2], n = 0;
	size_t got = 0;
	va_list ap;
	const char *a;
	struct timespec t0, t1;

	argv[n++] = (char *)s->bin;
	argv[n++] = "serve";
	argv[n++] = "--listen";
	argv[n++] = "127.0.0.1:0";
	argv[n++] = "--data";
	argv[n++] = s->dir;
	va_start(ap, s);
	while ((a = va_arg(ap, const char *)) && n < MAX_ARGS - 1)
		argv[n++] = (char *)a;
	va_end(ap);
	argv[n] = NULL;
	if (pipe(o) != 0)
		return false;
	s->pid = fork();
	if (s->pid < 0)
		return false;
	if (s->pid == 0) {
		char log[300];
		int fd;

		snprintf(log, sizeof(log), "%s/server.log", s->dir);
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		dup2(o[1], 1);
		if (fd >= 0)
			dup2(fd, 2);
		close(o[0]);
		use_store(s);
		execv(s->bin, argv);
		_exit(127);
	}
	close(o[1]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* the first stdout line says where it listens */
	while (got < sizeof(line) - 1) {
		struct pollfd p = {o[0], POLLIN, 0};
		ssize_t r;

		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (t1.tv_sec - t0.tv_sec > 20 || poll(&p, 1, 1000) < 0)
			break;
		if (!(p.revents & (POLLIN | POLLHUP)))
			continue;
		r = read(o[0], line + got, 1);
		if (r <= 0)
			break;
		if (line[got] == '\n')
			break;
		got++;
	}
	line[got] = '\0';
	close(o[0]);
	{
		const char *p = strstr(line, "127.0.0.1:");

		if (!p) {
			fprintf(stderr, "server did not start: \"%s\"\n", line);
			kill(s->pid, SIGKILL);
			waitpid(s->pid, NULL, 0);
			s->pid = 0;
			return false;
		}
		s->port = (unsigned short)strtoul(p + 10, NULL, 10);
	}
	snprintf(s->base, sizeof(s->base), "http://127.0.0.1:%u", s->port);
	return true;
}

int test_server_stop(struct test_server *s, bool remove_dir)
{
	int status = 0, ret = -1;

	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		if (waitpid(s->pid, &status, 0) == s->pid && WIFEXITED(status))
			ret = WEXITSTATUS(status);
		s->pid = 0;
	}
	if (ret != 0 && s->dir[0]) {
		/* a server that died or failed to stop: its last words */
		char cmd[400];

		fprintf(stderr, "server: %s %d; the end of its log:\n",
			WIFSIGNALED(status) ? "killed by signal" : "exit status",
			WIFSIGNALED(status) ? WTERMSIG(status) : ret);
		snprintf(cmd, sizeof(cmd), "grep -v '\"type\":\"access\"' '%s/server.log' | tail -40 >&2",
			 s->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "(no log)\n");
	}
	if (remove_dir && s->dir[0]) {
		char cmd[400];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", s->dir);
	}
	if (remove_dir && s->store[0]) {
		pgtest_db_drop(s->store);
		s->store[0] = '\0';
	}
	return ret;
}

int test_dial(unsigned short port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	struct timeval tv = {10, 0};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(fd);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}
