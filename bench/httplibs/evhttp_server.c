/* Benchmark server: libevent evhttp (Debian 12: 2.1.12).
 *
 *   GET  /api/v1/records/x/1  -> fixed ~300-byte JSON if a commune_session cookie is present, else 401
 *   POST /echo                -> echoes the request body (<= 1 MiB, else 413, sent by evhttp itself)
 *
 * Usage: evhttp_server PORT [TIMEOUT_SECONDS]
 * Binds 127.0.0.1 only.  Single-threaded event_base (epoll).
 * libevent 2.1 has no connection-limit API (evhttp_set_max_connections only exists from 2.2);
 * the idle/read timeout is the only protection against many slow clients here.
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

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
#define MAX_HEADERS (32u * 1024u)

/* True if a Cookie header value contains NAME=<non-empty>. */
static bool cookie_has(const char *s, const char *name)
{
    size_t nl = strlen(name);
    while (*s != '\0') {
        while (*s == ' ' || *s == '\t' || *s == ';')
            s++;
        const char *start = s;
        while (*s != '\0' && *s != ';')
            s++;
        size_t len = (size_t)(s - start);
        if (len > nl + 1 && memcmp(start, name, nl) == 0 && start[nl] == '=')
            return true;
    }
    return false;
}

static bool has_session(struct evhttp_request *req)
{
    struct evkeyvalq *h = evhttp_request_get_input_headers(req);
    for (struct evkeyval *kv = h->tqh_first; kv != NULL; kv = kv->next.tqe_next)
        if (evutil_ascii_strcasecmp(kv->key, "Cookie") == 0 && cookie_has(kv->value, SESSION_COOKIE))
            return true;
    return false;
}

/* Replies with static JSON (added by reference: no copy). */
static void reply_static(struct evhttp_request *req, int code, const char *reason, const char *body,
                         size_t len)
{
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "application/json");
    struct evbuffer *out = evhttp_request_get_output_buffer(req);
    evbuffer_add_reference(out, body, len, NULL, NULL);
    evhttp_send_reply(req, code, reason, NULL);
}

#define REPLY_LIT(req, code, reason, lit) reply_static(req, code, reason, lit, sizeof(lit) - 1)

static void on_record(struct evhttp_request *req, void *arg)
{
    (void)arg;
    if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
        REPLY_LIT(req, 405, "Method Not Allowed", "{\"error\":\"method not allowed\"}");
        return;
    }
    if (!has_session(req)) {
        REPLY_LIT(req, 401, "Unauthorized", "{\"error\":\"unauthenticated\"}");
        return;
    }
    REPLY_LIT(req, 200, "OK", RECORD_JSON);
}

static void on_echo(struct evhttp_request *req, void *arg)
{
    (void)arg;
    if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
        REPLY_LIT(req, 405, "Method Not Allowed", "{\"error\":\"method not allowed\"}");
        return;
    }
    /* evhttp has buffered the whole body; max_body_size is enforced by evhttp (413). */
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "application/json");
    evhttp_send_reply(req, 200, "OK", evhttp_request_get_input_buffer(req));
}

static void on_other(struct evhttp_request *req, void *arg)
{
    (void)arg;
    REPLY_LIT(req, 404, "Not Found", "{\"error\":\"not found\"}");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PORT [TIMEOUT_S]\n", argv[0]);
        return 2;
    }
    int port = atoi(argv[1]);
    int timeout = argc > 2 ? atoi(argv[2]) : 10;
    signal(SIGPIPE, SIG_IGN);

    struct event_base *base = event_base_new();
    struct evhttp *http = base ? evhttp_new(base) : NULL;
    if (http == NULL) {
        fprintf(stderr, "cannot create event base / evhttp\n");
        return 1;
    }
    evhttp_set_timeout(http, timeout);              /* idle read/write timeout */
    evhttp_set_max_headers_size(http, MAX_HEADERS); /* default: unlimited */
    evhttp_set_max_body_size(http, MAX_BODY);       /* default: unlimited */
    evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD);
    evhttp_set_cb(http, RECORD_PATH, on_record, NULL);
    evhttp_set_cb(http, "/echo", on_echo, NULL);
    evhttp_set_gencb(http, on_other, NULL);
    if (evhttp_bind_socket_with_handle(http, "127.0.0.1", (ev_uint16_t)port) == NULL) {
        fprintf(stderr, "cannot listen on 127.0.0.1:%d\n", port);
        return 1;
    }
    fprintf(stderr, "evhttp_server libevent %s listening on 127.0.0.1:%d\n", event_get_version(), port);
    event_base_dispatch(base);
    evhttp_free(http);
    event_base_free(base);
    return 0;
}
