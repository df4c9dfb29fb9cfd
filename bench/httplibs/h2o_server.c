/* Benchmark server: h2o as a library (Debian 12: libh2o-evloop 2.2.5, HTTP/1.1 only here).
 *
 *   GET  /api/v1/records/x/1  -> fixed ~300-byte JSON if a commune_session cookie is present, else 401
 *   POST /echo                -> echoes the request body (<= 1 MiB, else 413, sent by h2o itself)
 *
 * Usage: h2o_server PORT [REQUEST_TIMEOUT_SECONDS]
 * Binds 127.0.0.1 only.  Single-threaded evloop (epoll).
 * Note: Debian's libh2o-evloop.pc does not define H2O_USE_LIBUV=0; the Makefile passes it.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <h2o.h>

#define RECORD_PATH "/api/v1/records/x/1"
#define SESSION_COOKIE "commune_session"
/* 298-byte JSON body, identical in all three servers and in the nginx static file. */
#define RECORD_JSON                                                                               \
    "{\"id\":\"1\",\"collection\":\"x\",\"owner\":\"u_7f3a9c2e\","                                     \
    "\"created_at\":\"2026-11-20T10:15:30Z\",\"updated_at\":\"2026-11-23T08:01:12Z\",\"version\":7," \
    "\"data\":{\"title\":\"Blood pressure reading\",\"systolic\":121,\"diastolic\":79,"              \
    "\"pulse\":64,\"unit\":\"mmHg\",\"device\":\"omron-m7\",\"note\":\"seated, left arm\"},"      \
    "\"tags\":[\"health\",\"bp\"]}"

#define MAX_BODY (1024u * 1024u)
#define MAX_CONNECTIONS 1000

static h2o_globalconf_t config;
static h2o_context_t ctx;
static h2o_accept_ctx_t accept_ctx;
static h2o_socket_t *listener;
static size_t num_connections;
static bool accept_paused;

/* True if a Cookie header value contains NAME=<non-empty>. */
static bool cookie_has(const char *s, size_t n, const char *name)
{
    size_t nl = strlen(name);
    size_t i = 0;
    while (i < n) {
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == ';'))
            i++;
        size_t start = i;
        while (i < n && s[i] != ';')
            i++;
        size_t len = i - start;
        if (len > nl + 1 && memcmp(s + start, name, nl) == 0 && s[start + nl] == '=')
            return true;
    }
    return false;
}

static bool has_session(h2o_req_t *req)
{
    for (ssize_t i = -1; (i = h2o_find_header(&req->headers, H2O_TOKEN_COOKIE, i)) != -1;) {
        h2o_iovec_t v = req->headers.entries[i].value;
        if (cookie_has(v.base, v.len, SESSION_COOKIE))
            return true;
    }
    return false;
}

/* Sends BODY without copying; it must stay valid until the request is disposed (static data, or
 * req->entity which lives in the request). Content-Length is set so HTTP/1.1 is not chunked. */
static int send_json(h2o_req_t *req, int status, const char *reason, const char *body, size_t len)
{
    static h2o_generator_t generator = {NULL, NULL};
    req->res.status = status;
    req->res.reason = reason;
    req->res.content_length = len;
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("application/json"));
    h2o_start_response(req, &generator);
    h2o_iovec_t buf = h2o_iovec_init(body, len);
    h2o_send(req, &buf, 1, H2O_SEND_STATE_FINAL);
    return 0;
}

#define SEND_LIT(req, status, reason, lit) send_json(req, status, reason, lit, sizeof(lit) - 1)

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
    (void)self;
    h2o_iovec_t p = req->path_normalized;
    if (h2o_memis(p.base, p.len, H2O_STRLIT(RECORD_PATH))) {
        if (!h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET")))
            return SEND_LIT(req, 405, "Method Not Allowed", "{\"error\":\"method not allowed\"}");
        if (!has_session(req))
            return SEND_LIT(req, 401, "Unauthorized", "{\"error\":\"unauthenticated\"}");
        return SEND_LIT(req, 200, "OK", RECORD_JSON);
    }
    if (h2o_memis(p.base, p.len, H2O_STRLIT("/echo"))) {
        if (!h2o_memis(req->method.base, req->method.len, H2O_STRLIT("POST")))
            return SEND_LIT(req, 405, "Method Not Allowed", "{\"error\":\"method not allowed\"}");
        /* h2o buffers the whole entity (max_request_entity_size enforced by h2o with a 413). */
        if (req->entity.base == NULL)
            return send_json(req, 200, "OK", "", 0);
        return send_json(req, 200, "OK", req->entity.base, req->entity.len);
    }
    return SEND_LIT(req, 404, "Not Found", "{\"error\":\"not found\"}");
}

static void on_accept(h2o_socket_t *listener_sock, const char *err);

static void on_connection_close(void *data)
{
    (void)data;
    num_connections--;
    if (accept_paused && num_connections < MAX_CONNECTIONS) {
        accept_paused = false;
        h2o_socket_read_start(listener, on_accept);
    }
}

static void on_accept(h2o_socket_t *listener_sock, const char *err)
{
    if (err != NULL)
        return;
    /* Connection limit: stop accepting (clients wait in the kernel backlog) at MAX_CONNECTIONS. */
    for (int i = 0; i < 32; i++) {
        h2o_socket_t *sock = h2o_evloop_socket_accept(listener_sock);
        if (sock == NULL)
            return;
        num_connections++;
        sock->on_close.cb = on_connection_close;
        sock->on_close.data = NULL;
        h2o_accept(&accept_ctx, sock);
        if (num_connections >= MAX_CONNECTIONS) {
            accept_paused = true;
            h2o_socket_read_stop(listener_sock);
            return;
        }
    }
}

static int listen_loopback(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 1024) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PORT [TIMEOUT_S]\n", argv[0]);
        return 2;
    }
    int port = atoi(argv[1]);
    unsigned timeout = argc > 2 ? (unsigned)atoi(argv[2]) : 10;
    signal(SIGPIPE, SIG_IGN);

    h2o_config_init(&config);
    config.max_request_entity_size = MAX_BODY;    /* default 1 GiB */
    config.http1.req_timeout = timeout * 1000ull; /* default 10 s */
    config.http1.upgrade_to_http2 = 0;
    h2o_hostconf_t *host = h2o_config_register_host(&config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
    h2o_handler_t *handler = h2o_create_handler(path, sizeof *handler);
    handler->on_req = on_req;

    h2o_context_init(&ctx, h2o_evloop_create(), &config);
    accept_ctx.ctx = &ctx;
    accept_ctx.hosts = config.hosts;

    int fd = listen_loopback(port);
    if (fd < 0) {
        fprintf(stderr, "cannot listen on 127.0.0.1:%d: %s\n", port, strerror(errno));
        return 1;
    }
    listener = h2o_evloop_socket_create(ctx.loop, fd, H2O_SOCKET_FLAG_DONT_READ);
    h2o_socket_read_start(listener, on_accept);
    fprintf(stderr, "h2o_server listening on 127.0.0.1:%d\n", port);

    while (h2o_evloop_run(ctx.loop, INT32_MAX) == 0)
        ;
    return 1;
}
