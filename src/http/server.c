/*
 * server.c - the libmicrohttpd glue of http.h.
 *
 * One struct exchange lives from the moment the library sees a request
 * target (uri_logger) until the request is completed (completed), where the
 * access log line is written and everything is freed.
 *
 * libmicrohttpd calls the access handler several times per request: first
 * with the headers, then with body pieces, then once with no data. Limits
 * are checked as early as they can be: headers, target and connection count
 * on the first call, body size and request time on each piece.
 *
 * On the first call the application's stream hook may take the body: its
 * pieces then go to the sink as they arrive, under the upload caps
 * (max_upload, upload_timeout_s) instead of the in-memory ones.
 */
#include "http/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "http/proxy.h"

struct http_server {
	struct MHD_Daemon *d;
	struct server_config cfg;
	http_handler handler;
	void *app;
	atomic_int connections;           /* open connections */
	atomic_int in_flight;             /* requests begun, not completed */
	atomic_bool draining;             /* stopping: new requests get 503 */
	unsigned short port;
};

struct exchange {
	struct http_request req;
	struct http_response res;
	char *uri;                        /* raw target as received */
	struct buf body;
	int64_t start;                    /* monotonic ms */
	bool started;                     /* first handler call done */
	bool answered;                    /* a response was queued */
	size_t dropped;                   /* body bytes read and dropped */
	struct http_body_sink sink;       /* when the body is streamed */
	uint64_t streamed;                /* body bytes given to the sink */
	struct http_server *srv;
};

void server_config_defaults(struct server_config *c)
{
	memset(c, 0, sizeof(*c));
	c->listen = "127.0.0.1:8080";
	c->threads = 0;
	c->max_body = CMN_MAX_BODY_BYTES;
	c->max_header = CMN_MAX_HEADER_BYTES;
	c->max_connections = CMN_MAX_CONNECTIONS;
	c->max_per_ip = CMN_MAX_CONNECTIONS_PER_IP;
	c->request_timeout_s = CMN_REQUEST_TIMEOUT_S;
	c->idle_timeout_s = CMN_IDLE_TIMEOUT_S;
	c->access_log = true;
	c->max_upload = HTTP_MAX_UPLOAD_BYTES;
	c->upload_timeout_s = HTTP_UPLOAD_TIMEOUT_S;
}

const char *http_header(const struct http_request *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *http_cookie(const struct http_request *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

enum cmn_rc http_set_header(struct http_response *res, const char *name, const char *value)
{
	char *v;

	if (res->nheaders >= HTTP_MAX_RESPONSE_HEADERS)
		return CMN_ERR_TOO_LARGE;
	v = strdup(value);
	if (!v)
		return CMN_ERR_NOMEM;
	res->headers[res->nheaders].name = name;
	res->headers[res->nheaders].value = v;
	res->nheaders++;
	return CMN_OK;
}

void http_set_body(struct http_response *res, int status, const char *content_type, char *body,
		   size_t len)
{
	free(res->body);
	res->status = status;
	res->content_type = content_type;
	res->body = body;
	res->body_len = len;
}

static void exchange_free(struct exchange *x)
{
	if (x->sink.release)
		x->sink.release(x->sink.ctx);
	free(x->uri);
	buf_release(&x->body);
	free(x->res.body);
	for (int i = 0; i < x->res.nheaders; i++)
		free(x->res.headers[i].value);
	free(x);
}

/* Per-connection state: the raw target of the request being received,
 * kept by uri_logger until the handler's first call takes it. */
struct conn_ctx {
	char *uri;
	bool too_long;
};

static struct conn_ctx *conn_ctx_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

/* uri_logger - sees the request target as received, before the library
 * decodes it: keep it so that the query string is parsed by our rules. */
static void *uri_logger(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct conn_ctx *cc = conn_ctx_of(c);

	(void)cls;
	if (!cc)
		return NULL;
	free(cc->uri);
	cc->too_long = strlen(uri) > CMN_MAX_URI_BYTES;
	cc->uri = strdup(cc->too_long ? "/" : uri);
	return NULL;
}

/* split_target - the path and query of the request view. */
static void split_target(struct exchange *x)
{
	char *q = strchr(x->uri, '?');

	if (q) {
		*q = '\0';
		x->req.query = q + 1;
	}
	x->req.path = x->uri;
}

/* exchange_new - the state of one request, at the handler's first call. */
static struct exchange *exchange_new(struct http_server *srv, struct MHD_Connection *c)
{
	struct conn_ctx *cc = conn_ctx_of(c);
	struct exchange *x;

	if (!cc || !cc->uri)
		return NULL;
	x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	x->srv = srv;
	x->start = time_mono_ms();
	buf_init(&x->body, srv->cfg.max_body);
	x->uri = cc->uri;
	cc->uri = NULL;
	split_target(x);
	if (cc->too_long)
		x->req.error = CMN_ERR_URI_TOO_LONG;
	atomic_fetch_add(&srv->in_flight, 1);
	return x;
}

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key,
				    const char *value)
{
	size_t *n = cls;

	(void)kind;
	*n += strlen(key) + (value ? strlen(value) : 0) + 4;
	return MHD_YES;
}

/* feed_forwarded_for - gives each X-Forwarded-For value to the walk cls */
static enum MHD_Result feed_forwarded_for(void *cls, enum MHD_ValueKind kind, const char *key,
					  const char *value)
{
	(void)kind;
	if (strcasecmp(key, "X-Forwarded-For") == 0)
		proxy_walk_feed(cls, value ? value : "");
	return MHD_YES;
}

/* client_addr - the client's address in place of the peer's, when the peer
 * is a trusted proxy: every X-Forwarded-For header, in the order received
 * (the library keeps it), walked as http/proxy.h says. The per-address
 * connection cap (max_per_ip) was applied by the library when the
 * connection was accepted, to the peer, and stays so. */
static void client_addr(struct http_server *srv, struct MHD_Connection *c, struct exchange *x)
{
	struct proxy_walk w;

	if (!srv->cfg.trusted || !srv->cfg.trusted->n)
		return;
	proxy_walk_init(&w, srv->cfg.trusted, x->req.addr);
	if (!w.trusted)
		return;
	MHD_get_connection_values(c, MHD_HEADER_KIND, feed_forwarded_for, &w);
	proxy_walk_result(&w, x->req.addr, sizeof(x->req.addr));
}

/* What a request without the memory for its state gets: a problem
 * document of static text (the library makes the response from its own
 * memory), the connection closed after; its con_cls is `unserved`, so
 * that the rest of its body is dropped. */
static char no_memory[] = "{\"type\":\"about:blank\",\"title\":\"Service Unavailable\","
				"\"status\":503,\"detail\":\"the server is short of memory:"
				" try again later\"}";
static char unserved;

static enum MHD_Result out_of_memory(struct MHD_Connection *c)
{
	/* the library only reads it (PERSISTENT), but takes a void * */
	struct MHD_Response *r = MHD_create_response_from_buffer(sizeof(no_memory) - 1, no_memory,
								 MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/problem+json");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	ret = MHD_queue_response(c, MHD_HTTP_SERVICE_UNAVAILABLE, r);
	MHD_destroy_response(r);
	return ret;
}

/* queue - sends x->res; an error whose problem document could not be made
 * (no memory for it) as out_of_memory's */
static enum MHD_Result queue(struct MHD_Connection *c, struct exchange *x)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char *body = x->res.body;

	if (!body && x->res.status >= 500) {
		x->answered = true;
		return out_of_memory(c);
	}

	if (!body) {
		body = NULL;
		x->res.body_len = 0;
	}
	r = MHD_create_response_from_buffer(x->res.body_len, body, MHD_RESPMEM_MUST_FREE);
	if (!r)
		return MHD_NO;
	x->res.body = NULL; /* now the library's */
	if (x->res.content_type)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, x->res.content_type);
	for (int i = 0; i < x->res.nheaders; i++)
		MHD_add_response_header(r, x->res.headers[i].name, x->res.headers[i].value);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	if (x->res.close)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = MHD_queue_response(c, (unsigned)x->res.status, r);
	MHD_destroy_response(r);
	x->answered = true;
	return ret;
}

/* respond - fills the request view and calls the application. */
static enum MHD_Result respond(struct MHD_Connection *c, struct exchange *x)
{
	x->req.body = x->body.data;
	x->req.body_len = x->body.len;
	x->res.status = 500;
	x->srv->handler(x->srv->app, &x->req, &x->res);
	if (x->req.error != CMN_OK)
		x->res.close = true;
	return queue(c, x);
}

static enum MHD_Result fail_now(struct MHD_Connection *c, struct exchange *x, enum cmn_rc error)
{
	x->req.error = error;
	return respond(c, x);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	struct http_server *srv = cls;
	struct exchange *x = *con_cls;

	(void)url;
	(void)version;
	if (*con_cls == &unserved) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (!x) {
		x = *con_cls = exchange_new(srv, c);
		if (!x) {
			*con_cls = &unserved;
			return out_of_memory(c);
		}
	}
	if (x->answered) {
		*upload_data_size = 0; /* discard the rest of a refused body */
		return MHD_YES;
	}
	if (!x->started) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_CONTENT_LENGTH);
		size_t hbytes = 0;

		x->started = true;
		x->req.method = method;
		x->req.conn = c;
		if (ci && ci->client_addr) {
			const struct sockaddr *sa = ci->client_addr;

			if (sa->sa_family == AF_INET)
				inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
					  x->req.addr, sizeof(x->req.addr));
			else if (sa->sa_family == AF_INET6)
				inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
					  x->req.addr, sizeof(x->req.addr));
		}
		MHD_get_connection_values(c, MHD_HEADER_KIND, count_header, &hbytes);
		if (x->req.error != CMN_OK)
			return fail_now(c, x, x->req.error);
		if (hbytes > srv->cfg.max_header)
			return fail_now(c, x, CMN_ERR_HEADERS_TOO_LARGE);
		client_addr(srv, c, x);
		if (atomic_load(&srv->connections) > (int)srv->cfg.max_connections ||
		    atomic_load(&srv->draining))
			return fail_now(c, x, CMN_ERR_BUSY);
		if (srv->cfg.stream) {
			enum cmn_rc rc = srv->cfg.stream(srv->cfg.stream_cls, &x->req, &x->sink);

			x->req.upload = x->sink.write ? x->sink.ctx : NULL;
			if (rc != CMN_OK)
				return fail_now(c, x, rc);
		}
		if (cl) {
			int64_t n;
			uint64_t cap = x->req.upload ? srv->cfg.max_upload : srv->cfg.max_body;

			if (str_to_i64(cl, 0, INT64_MAX, &n) == CMN_OK && (uint64_t)n > cap)
				return fail_now(c, x, CMN_ERR_TOO_LARGE);
		}
		return MHD_YES;
	}
	/*
	 * The library accepts a response only before the body or after all of
	 * it: a body over the cap or too slow is read and dropped, and the
	 * error is answered at the end. A client that stalls is closed by the
	 * idle timeout; one that sends far too much is cut off.
	 */
	if (x->req.error == CMN_OK &&
	    time_mono_ms() - x->start >
		    (int64_t)(x->req.upload ? srv->cfg.upload_timeout_s : srv->cfg.request_timeout_s) *
			    1000)
		x->req.error = CMN_ERR_TIMEOUT;
	if (*upload_data_size) {
		if (x->req.error == CMN_OK && x->req.upload) {
			x->streamed += *upload_data_size;
			x->req.error = x->streamed > srv->cfg.max_upload
					       ? CMN_ERR_TOO_LARGE
					       : x->sink.write(x->sink.ctx, upload_data, *upload_data_size);
		} else if (x->req.error == CMN_OK) {
			enum cmn_rc rc = buf_append(&x->body, upload_data, *upload_data_size);

			if (rc != CMN_OK)
				x->req.error = rc == CMN_ERR_TOO_LARGE ? rc : CMN_ERR_NOMEM;
		}
		if (x->req.error != CMN_OK) {
			x->dropped += *upload_data_size;
			if (x->dropped > CMN_MAX_DROPPED_BYTES)
				return MHD_NO;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	return respond(c, x);
}

static void json_escape(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			buf_printf(b, "\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			buf_printf(b, "\\u%04x", ch);
		else
			buf_append(b, s, 1);
	}
}

static void access_log(struct exchange *x, enum MHD_RequestTerminationCode toe)
{
	char now[TIME_RFC3339_LEN];
	struct buf b;

	time_format(now, time_now_ms());
	buf_init(&b, 2048);
	buf_printf(&b, "{\"time\":\"%s\",\"type\":\"access\",\"method\":\"", now);
	json_escape(&b, x->req.method ? x->req.method : "-");
	buf_puts(&b, "\",\"route\":\"");
	json_escape(&b, x->res.route ? x->res.route : "-");
	buf_printf(&b, "\",\"status\":%d,\"ms\":%lld", x->answered ? x->res.status : 0,
		   (long long)(time_mono_ms() - x->start));
	if (x->res.person[0]) {
		buf_puts(&b, ",\"person\":\"");
		json_escape(&b, x->res.person);
		buf_puts(&b, "\"");
	}
	if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
		buf_printf(&b, ",\"aborted\":%d", (int)toe);
	buf_puts(&b, "}");
	if (b.data)
		log_line(b.data);
	buf_release(&b);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct http_server *srv = cls;
	struct exchange *x = *con_cls;

	(void)c;
	if (!x || *con_cls == &unserved) {
		*con_cls = NULL;
		return;
	}
	if (srv->cfg.access_log && x->started)
		access_log(x, toe);
	atomic_fetch_sub(&srv->in_flight, 1);
	exchange_free(x);
	*con_cls = NULL;
}

static void notify_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			      enum MHD_ConnectionNotificationCode toe)
{
	struct http_server *srv = cls;
	struct conn_ctx *cc = *socket_context;

	(void)c;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		atomic_fetch_add(&srv->connections, 1);
		*socket_context = calloc(1, sizeof(struct conn_ctx));
	} else {
		atomic_fetch_sub(&srv->connections, 1);
		if (cc)
			free(cc->uri);
		free(cc);
		*socket_context = NULL;
	}
}

enum cmn_rc http_parse_listen(const char *listen, void *storage, unsigned *len)
{
	char host[128];
	const char *colon, *port_s;
	int64_t port;

	memset(storage, 0, sizeof(struct sockaddr_storage));
	if (listen[0] == '[') {
		const char *end = strchr(listen, ']');

		if (!end || end[1] != ':' || (size_t)(end - listen - 1) >= sizeof(host))
			return CMN_ERR_INVALID;
		memcpy(host, listen + 1, (size_t)(end - listen - 1));
		host[end - listen - 1] = '\0';
		port_s = end + 2;
	} else {
		colon = strrchr(listen, ':');
		if (!colon || (size_t)(colon - listen) >= sizeof(host))
			return CMN_ERR_INVALID;
		memcpy(host, listen, (size_t)(colon - listen));
		host[colon - listen] = '\0';
		port_s = colon + 1;
	}
	if (str_to_i64(port_s, 0, 65535, &port) != CMN_OK)
		return CMN_ERR_INVALID;
	if (strcmp(host, "localhost") == 0)
		str_copy(host, sizeof(host), "127.0.0.1");
	{
		struct sockaddr_in *a4 = storage;
		struct sockaddr_in6 *a6 = storage;

		if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
			a4->sin_family = AF_INET;
			a4->sin_port = htons((uint16_t)port);
			*len = sizeof(*a4);
			return CMN_OK;
		}
		if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
			a6->sin6_family = AF_INET6;
			a6->sin6_port = htons((uint16_t)port);
			*len = sizeof(*a6);
			return CMN_OK;
		}
	}
	return CMN_ERR_INVALID;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	log_msg(LOG_DEBUG, "http: %s", msg);
}

enum cmn_rc http_server_start(struct http_server **out, const struct server_config *cfg,
			      http_handler handler, void *app)
{
	struct sockaddr_storage sa;
	unsigned salen = 0;
	struct http_server *srv;
	unsigned threads = cfg->threads;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
			 MHD_USE_ERROR_LOG;

	if (http_parse_listen(cfg->listen, &sa, &salen) != CMN_OK)
		return CMN_ERR_INVALID;
	if (sa.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (threads == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		threads = n > 0 ? (unsigned)n : 1;
	}
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return CMN_ERR_NOMEM;
	srv->cfg = *cfg;
	srv->handler = handler;
	srv->app = app;
	srv->d = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, srv,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		/* one thread is the polling thread itself: no pool (and no warning) */
		threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_CONNECTION_LIMIT,
		threads > 1 ? threads : cfg->max_connections + CMN_CONNECTION_SLACK,
		MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections + CMN_CONNECTION_SLACK,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->max_per_ip,
		MHD_OPTION_CONNECTION_TIMEOUT, cfg->idle_timeout_s,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CMN_MHD_POOL_BYTES,
		MHD_OPTION_URI_LOG_CALLBACK, uri_logger, srv,
		MHD_OPTION_NOTIFY_COMPLETED, completed, srv,
		MHD_OPTION_NOTIFY_CONNECTION, notify_connection, srv,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, srv,
		MHD_OPTION_LISTENING_ADDRESS_REUSE, 1,
		MHD_OPTION_END);
	if (!srv->d) {
		free(srv);
		return CMN_ERR_IO;
	}
	info = MHD_get_daemon_info(srv->d, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = info ? info->port : 0;
	*out = srv;
	return CMN_OK;
}

unsigned short http_server_port(const struct http_server *s)
{
	return s->port;
}

void http_server_stop(struct http_server **sp)
{
	struct http_server *s = *sp;
	int64_t deadline;

	if (!s)
		return;
	/* requests that begin from now on are answered 503; those in flight
	 * finish. MHD_quiesce_daemon would close the door instead, but with a
	 * thread pool on epoll it aborts the process when a worker at its
	 * connection limit has taken the listening socket out of its set
	 * (libmicrohttpd 0.9.75: "Failed to remove listen FD from epoll set") */
	atomic_store(&s->draining, true);
	deadline = time_mono_ms() + CMN_SHUTDOWN_GRACE_S * 1000;
	while (atomic_load(&s->in_flight) > 0 && time_mono_ms() < deadline)
		usleep(20 * 1000);
	MHD_stop_daemon(s->d);
	free(s);
	*sp = NULL;
}
