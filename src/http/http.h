/*
 * http.h - the HTTP server of commune, over libmicrohttpd.
 *
 * This layer accepts connections, enforces the hard limits of
 * core/limits.h (body, headers, target, connections, request time),
 * collects each request and hands it to one application callback, then
 * sends the response and writes the access log line. A request's client
 * address is the TCP peer's, or the one a trusted proxy forwards
 * (http/proxy.h). It knows nothing of routes, persons or JSON: src/api/
 * does.
 *
 * A body is collected in memory (at most max_body bytes) unless the
 * application's stream hook, asked once the headers are in, takes it as it
 * arrives (an upload, at most max_upload bytes, written to disk by the
 * application): see struct http_body_sink.
 */
#ifndef COMMUNE_HTTP_HTTP_H
#define COMMUNE_HTTP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/result.h"

#define HTTP_MAX_UPLOAD_BYTES (256ULL * 1024 * 1024) /* a streamed body: 413 above */
#define HTTP_UPLOAD_TIMEOUT_S 900         /* a streamed body must arrive within */

struct http_request;
struct http_body_sink;
struct proxy_list;

/* http_stream_fn - asked once per request, when its headers are in (method,
 * path, query and headers can be read; the body cannot): fill *sink to take
 * the body as it arrives, leave it empty to have it collected in memory, or
 * return an error to refuse the request at once (answered by the handler
 * with req->error set). Called on the server's threads, concurrently. */
typedef enum cmn_rc (*http_stream_fn)(void *cls, const struct http_request *req,
				      struct http_body_sink *sink);

struct server_config {
	const char *listen;               /* "127.0.0.1:8080", "[::1]:0", ... */
	unsigned threads;                 /* worker threads (0: one per core) */
	size_t max_body;                  /* bytes; 413 above */
	size_t max_header;                /* bytes; 431 above */
	unsigned max_connections;         /* 503 above */
	unsigned max_per_ip;              /* connections per peer address (a proxy's, behind one) */
	unsigned request_timeout_s;       /* whole request; 408 after */
	unsigned idle_timeout_s;          /* idle connection closed after */
	bool access_log;                  /* one JSON line per request */
	uint64_t max_upload;              /* bytes of a streamed body; 413 above */
	unsigned upload_timeout_s;        /* a streamed request; 408 after */
	http_stream_fn stream;            /* may take bodies as they arrive, or NULL */
	void *stream_cls;                 /* its first argument */
	const struct proxy_list *trusted; /* peers whose X-Forwarded-For is read (http/proxy.h),
					     or NULL; not owned, outlives the server */
};

/*
 * A body taken as it arrives. write is given every piece, in order; an
 * error it returns becomes req->error (the rest of the body is dropped and
 * the handler answers the error). release is called once when the request
 * ends, whatever happened (also when the client went away), and frees ctx.
 * The handler finds ctx in req->upload.
 */
struct http_body_sink {
	enum cmn_rc (*write)(void *ctx, const char *data, size_t n);
	void (*release)(void *ctx);
	void *ctx;
};

/* server_config_defaults - the limits of core/limits.h. */
void server_config_defaults(struct server_config *c);

#define HTTP_MAX_RESPONSE_HEADERS 8

struct http_request {
	const char *method;               /* "GET", ... */
	const char *path;                 /* raw path, without the query */
	const char *query;                /* raw query string, or NULL */
	const char *body;                 /* NUL-terminated, or NULL */
	size_t body_len;
	void *upload;                     /* the sink's ctx when the body was streamed */
	char addr[64];                    /* client address: the peer's, or the one a trusted
					     proxy forwarded (http/proxy.h) */
	enum cmn_rc error;                /* a limit the server enforced, else CMN_OK */
	void *conn;                       /* private to http/ */
};

struct http_response {
	int status;
	char *body;                       /* malloc'd; the server frees it */
	size_t body_len;
	const char *content_type;         /* static string */
	struct {
		const char *name;             /* static string */
		char *value;                  /* malloc'd */
	} headers[HTTP_MAX_RESPONSE_HEADERS];
	int nheaders;
	const char *route;                /* path template for the access log */
	char person[40];                  /* person id for the access log, or "" */
	bool close;                       /* close the connection after */
};

/* http_header - a request header (case-insensitive name), or NULL. */
const char *http_header(const struct http_request *r, const char *name);

/* http_cookie - a cookie of the request, or NULL. */
const char *http_cookie(const struct http_request *r, const char *name);

/* http_set_header - adds a response header (value copied). */
enum cmn_rc http_set_header(struct http_response *res, const char *name, const char *value);

/* http_set_body - sets the body (takes ownership of a malloc'd body). */
void http_set_body(struct http_response *res, int status, const char *content_type, char *body,
		   size_t len);

typedef void (*http_handler)(void *app, const struct http_request *req,
			     struct http_response *res);

struct http_server;

/* http_server_start - binds and starts serving; handler is called on the
 * server's threads, concurrently. */
enum cmn_rc http_server_start(struct http_server **out, const struct server_config *cfg,
			      http_handler handler, void *app);

/* http_server_port - the port bound (useful with port 0). */
unsigned short http_server_port(const struct http_server *s);

/* http_server_stop - stops accepting, lets requests in flight finish (up to
 * CMN_SHUTDOWN_GRACE_S), then stops; *s is set to NULL. */
void http_server_stop(struct http_server **s);

/* http_parse_listen - splits "host:port" / "[v6]:port" into an address. */
enum cmn_rc http_parse_listen(const char *listen, void *sockaddr_storage, unsigned *len);

#endif
