/* Benchmark server: libmicrohttpd (Debian 12: 0.9.75).
 *
 *   GET  /api/v1/records/x/1  -> fixed ~300-byte JSON if a commune_session cookie is present, else 401
 *   POST /echo                -> echoes the request body (<= 1 MiB, else 413)
 *
 * Usage: mhd_server PORT [CONN_TIMEOUT_SECONDS] [CONN_MEMORY_LIMIT_BYTES] [PER_IP_LIMIT (0 = off)]
 * Binds 127.0.0.1 only.  One internal polling thread using epoll.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* Build with -DQUEUE_ON_FIRST_CALL=1 (make mhd_server_firstcall) to reproduce the 0.9.75
 * "Connection: close" pitfall for bodiless requests. */
#ifndef QUEUE_ON_FIRST_CALL
#define QUEUE_ON_FIRST_CALL 0
#endif

static struct MHD_Response *resp_record;
static struct MHD_Response *resp_401;
static struct MHD_Response *resp_404;
static struct MHD_Response *resp_405;
static struct MHD_Response *resp_413;
static int no_state; /* *req_cls after the first call of a request that needs no state */

/* Per-request state for POST /echo. */
struct upload {
    char *buf;
    size_t len;
    size_t cap;
    bool too_big;
};

static struct MHD_Response *make_static(const char *body, const char *ctype)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
    if (r == NULL || MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype) != MHD_YES) {
        fprintf(stderr, "cannot create response\n");
        exit(1);
    }
    return r;
}

static bool upload_append(struct upload *u, const char *data, size_t n)
{
    if (u->too_big)
        return true;
    if (n > MAX_BODY - u->len) {
        u->too_big = true; /* keep reading and discarding so that the connection stays usable */
        free(u->buf);
        u->buf = NULL;
        u->len = u->cap = 0;
        return true;
    }
    if (u->len + n > u->cap) {
        size_t cap = u->cap ? u->cap : 4096;
        while (cap < u->len + n)
            cap *= 2;
        if (cap > MAX_BODY)
            cap = MAX_BODY;
        char *p = realloc(u->buf, cap);
        if (p == NULL)
            return false;
        u->buf = p;
        u->cap = cap;
    }
    memcpy(u->buf + u->len, data, n);
    u->len += n;
    return true;
}

/* Called for each body chunk of POST /echo and once more (upload_data_size == 0) at the end. */
static enum MHD_Result echo_step(struct MHD_Connection *c, struct upload *u, const char *upload_data,
                                 size_t *upload_data_size)
{
    if (*upload_data_size != 0) {
        if (!upload_append(u, upload_data, *upload_data_size))
            return MHD_NO;
        *upload_data_size = 0;
        return MHD_YES;
    }
    /* Final call: whole body received. */
    if (u->too_big)
        return MHD_queue_response(c, MHD_HTTP_CONTENT_TOO_LARGE, resp_413);
    struct MHD_Response *r;
    if (u->len == 0) {
        r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    } else {
        /* Hand the buffer over to MHD; it is freed with the response. */
        r = MHD_create_response_from_buffer_with_free_callback(u->len, u->buf, free);
        u->buf = NULL;
        u->len = u->cap = 0;
    }
    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r); /* drops our reference; MHD keeps its own until sent */
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    (void)cls;
    (void)version;
    bool echo = strcmp(url, "/echo") == 0 && strcmp(method, MHD_HTTP_METHOD_POST) == 0;

    if (*req_cls == NULL) {
        /* First call: only the headers have been parsed.  Do not queue a response here, except to
         * refuse an announced oversize body: 0.9.75 marks any response queued on this first call
         * "Connection: close" -- even for a GET without a body (measured; see RESULTS.md). */
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl != NULL && strtoull(cl, NULL, 10) > MAX_BODY)
            return MHD_queue_response(c, MHD_HTTP_CONTENT_TOO_LARGE, resp_413); /* closes: fine */
        if (echo) {
            struct upload *u = calloc(1, sizeof *u);
            if (u == NULL)
                return MHD_NO;
            *req_cls = u;
            return MHD_YES;
        }
        *req_cls = &no_state;
        if (!QUEUE_ON_FIRST_CALL)
            return MHD_YES;
    }
    if (echo)
        return echo_step(c, *req_cls, upload_data, upload_data_size);
    if (*upload_data_size != 0) {
        /* A body on a route that takes none: a Content-Length body is already known to be
         * <= MAX_BODY and is discarded; an unbounded chunked one aborts the connection. */
        if (MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH) == NULL)
            return MHD_NO;
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (strcmp(url, RECORD_PATH) == 0) {
        if (strcmp(method, MHD_HTTP_METHOD_GET) != 0)
            return MHD_queue_response(c, MHD_HTTP_METHOD_NOT_ALLOWED, resp_405);
        const char *sid = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, SESSION_COOKIE);
        if (sid == NULL || sid[0] == '\0')
            return MHD_queue_response(c, MHD_HTTP_UNAUTHORIZED, resp_401);
        return MHD_queue_response(c, MHD_HTTP_OK, resp_record);
    }
    if (strcmp(url, "/echo") == 0)
        return MHD_queue_response(c, MHD_HTTP_METHOD_NOT_ALLOWED, resp_405);
    return MHD_queue_response(c, MHD_HTTP_NOT_FOUND, resp_404);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    struct upload *u = *req_cls;
    if (u != NULL && *req_cls != (void *)&no_state) {
        free(u->buf);
        free(u);
        *req_cls = NULL;
    }
}

static volatile sig_atomic_t stop;
static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PORT [TIMEOUT_S] [MEMORY_LIMIT] [PER_IP_LIMIT]\n", argv[0]);
        return 2;
    }
    int port = atoi(argv[1]);
    unsigned timeout = argc > 2 ? (unsigned)atoi(argv[2]) : 10;
    size_t memlimit = argc > 3 ? (size_t)strtoull(argv[3], NULL, 10) : 32 * 1024;
    unsigned per_ip = argc > 4 ? (unsigned)atoi(argv[4]) : 256;

    resp_record = make_static(RECORD_JSON, "application/json");
    resp_401 = make_static("{\"error\":\"unauthenticated\"}", "application/json");
    resp_404 = make_static("{\"error\":\"not found\"}", "application/json");
    resp_405 = make_static("{\"error\":\"method not allowed\"}", "application/json");
    resp_413 = make_static("{\"error\":\"body too large\"}", "application/json");

    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG, (uint16_t)port, NULL, NULL,
        on_request, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_CONNECTION_TIMEOUT, timeout,          /* default: none */
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)1000,     /* default: only the fd limit */
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip,      /* default: off */
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, memlimit,    /* caps request line + headers */
        MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_END);
    if (d == NULL) {
        fprintf(stderr, "MHD_start_daemon failed on 127.0.0.1:%d\n", port);
        return 1;
    }

    struct sigaction act = {0};
    act.sa_handler = on_signal;
    sigaction(SIGINT, &act, NULL);
    sigaction(SIGTERM, &act, NULL);
    fprintf(stderr, "mhd_server %s listening on 127.0.0.1:%d\n", MHD_get_version(), port);
    while (!stop)
        pause();
    MHD_stop_daemon(d);
    return 0;
}
