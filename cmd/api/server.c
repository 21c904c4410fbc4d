// SPDX-License-Identifier: GPL-2.0-only
/*
 * libmicrohttpd inside the daemon's loop: each listener is one MHD daemon
 * in "external polling" mode with epoll; its epoll fd is watched by the
 * lb_loop, MHD_run() runs when it is readable and MHD_get_timeout() arms
 * one lb_timer. No thread is ever started. Long-lived responses (SSE) park
 * their connection with MHD_suspend_connection() and resume on data.
 */
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cmd/api/api.h"
#include "cmd/api/listen.h"
#include "cmd/api/route.h"
#include "lib/addr.h"
#include "lib/evloop.h"
#include "lib/log.h"

/* A chunked body larger than this many times the limit is cut off. */
#define DISCARD_FACTOR 16
#define TLS_FILE_MAX (1 << 20)
#define MHD_POOL_HEADROOM (16 * 1024)

struct api_listener {
	struct api_server *srv;
	enum api_transport transport;
	struct MHD_Daemon *mhd;
	int fd; /* listen socket, ours to close */
	struct lb_watch watch;
	struct lb_timer *timer;
};

struct api_server {
	struct lb_loop *loop;
	struct api_listener unix_l, tcp_l;
	struct api_sock_file sock_file;
	uint16_t tcp_port;
	const struct api_route *routes;
	size_t n_routes;
	size_t max_body;
	size_t max_headers;
	char *token;
	char *tls_cert, *tls_key;
	api_audit_fn audit;
	void *audit_arg;
	struct api_stream *streams; /* every live stream, for shutdown */
	bool closing;
};

struct api_stream {
	const struct api_stream_ops *ops;
	void *arg;
	struct api_server *srv;
	struct api_listener *lis;
	struct MHD_Connection *conn;
	bool parked;
	struct api_stream *prev, *next;
};

/* One HTTP request; MHD's per-request pointer. */
struct api_req {
	struct api_listener *lis;
	struct MHD_Connection *conn;
	const char *method;
	const char *path;
	struct api_caller caller;
	char peer[LB_ADDR_STRLEN]; /* TCP client address */
	struct api_params params;
	char *body;
	size_t body_len, body_cap;
	size_t discarded; /* bytes dropped past the limit */
	json_t *json;
};

struct api_resp {
	struct api_req *req;
	struct MHD_Response *r;
	unsigned int status;
	enum api_code code;
	char *message; /* error text for the audit record */
};

/* ---- request accessors -------------------------------------------------- */

const char *api_req_param(const struct api_req *req, const char *name)
{
	return api_params_get(&req->params, name);
}

const char *api_req_query(const struct api_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND,
					   name);
}

const char *api_req_header(const struct api_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

json_t *api_req_body(const struct api_req *req)
{
	return req->json;
}

const char *api_req_method(const struct api_req *req)
{
	return req->method;
}

const char *api_req_path(const struct api_req *req)
{
	return req->path;
}

const struct api_caller *api_req_caller(const struct api_req *req)
{
	return &req->caller;
}

/* ---- responses --------------------------------------------------------- */

static int resp_json(struct api_resp *resp, unsigned int status,
		     enum api_code code, json_t *env)
{
	char *text;
	size_t len;

	if (resp->r)
		return -EALREADY;
	if (!env)
		return -ENOMEM;
	text = json_dumps(env, JSON_COMPACT);
	json_decref(env);
	if (!text)
		return -ENOMEM;
	/* newline-terminated, so curl and shells print it nicely */
	len = strlen(text);
	text[len] = '\n';
	resp->r = MHD_create_response_from_buffer(len + 1, text,
						  MHD_RESPMEM_MUST_FREE);
	if (!resp->r) {
		free(text);
		return -ENOMEM;
	}
	MHD_add_response_header(resp->r, MHD_HTTP_HEADER_CONTENT_TYPE,
				"application/json");
	MHD_add_response_header(resp->r, MHD_HTTP_HEADER_CACHE_CONTROL,
				"no-store");
	resp->status = status;
	resp->code = code;
	return 0;
}

int api_resp_ok_status(struct api_resp *resp, unsigned int status, json_t *data)
{
	if (resp->r) {
		json_decref(data);
		return -EALREADY;
	}
	return resp_json(resp, status, API_OK, api_envelope_ok(data));
}

int api_resp_ok(struct api_resp *resp, json_t *data)
{
	return api_resp_ok_status(resp, 200, data);
}

int api_resp_error(struct api_resp *resp, enum api_code code, const char *fmt,
		   ...)
{
	char msg[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (code == API_OK)
		code = API_INTERNAL_ERROR;
	rc = resp_json(resp, api_code_status(code), code,
		       api_envelope_error(code, msg));
	if (rc == 0) {
		free(resp->message);
		resp->message = strdup(msg);
		if (code == API_UNAUTHORIZED)
			MHD_add_response_header(
			    resp->r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
			    "Bearer realm=\"ballast\"");
	}
	return rc;
}

int api_resp_raw(struct api_resp *resp, unsigned int status,
		 const char *content_type, const char *body, size_t len)
{
	if (resp->r)
		return -EALREADY;
	resp->r = MHD_create_response_from_buffer(len, (void *)body,
						  MHD_RESPMEM_MUST_COPY);
	if (!resp->r)
		return -ENOMEM;
	MHD_add_response_header(resp->r, MHD_HTTP_HEADER_CONTENT_TYPE,
				content_type);
	resp->status = status;
	resp->code = API_OK;
	return 0;
}

/* ---- streams ----------------------------------------------------------- */

static void listener_kick(struct api_listener *lis);

static void stream_unlink(struct api_stream *st)
{
	if (st->prev)
		st->prev->next = st->next;
	else if (st->srv->streams == st)
		st->srv->streams = st->next;
	if (st->next)
		st->next->prev = st->prev;
	st->prev = st->next = NULL;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct api_stream *st = cls;
	ssize_t n;

	if (st->srv->closing)
		return MHD_CONTENT_READER_END_OF_STREAM;
	n = st->ops->read(st->arg, buf, max);
	if (n < 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (n == 0) {
		/* nothing to say: park until api_stream_wake() */
		st->parked = true;
		MHD_suspend_connection(st->conn);
	}
	return n;
}

static void stream_free(void *cls)
{
	struct api_stream *st = cls;

	stream_unlink(st);
	st->ops->done(st->arg);
	free(st);
}

void api_stream_wake(struct api_stream *st)
{
	if (st && st->parked) {
		st->parked = false;
		MHD_resume_connection(st->conn);
		listener_kick(st->lis);
	}
}

int api_resp_stream(struct api_resp *resp, const char *content_type,
		    const struct api_stream_ops *ops, void *arg,
		    struct api_stream **out)
{
	struct api_server *srv = resp->req->lis->srv;
	struct api_stream *st;

	if (resp->r)
		return -EALREADY;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->ops = ops;
	st->arg = arg;
	st->srv = srv;
	st->lis = resp->req->lis;
	st->conn = resp->req->conn;
	resp->r = MHD_create_response_from_callback(
	    MHD_SIZE_UNKNOWN, 4096, stream_read, st, stream_free);
	if (!resp->r) {
		free(st);
		return -ENOMEM;
	}
	MHD_add_response_header(resp->r, MHD_HTTP_HEADER_CONTENT_TYPE,
				content_type);
	MHD_add_response_header(resp->r, MHD_HTTP_HEADER_CACHE_CONTROL,
				"no-store");
	st->next = srv->streams;
	if (st->next)
		st->next->prev = st;
	srv->streams = st;
	resp->status = 200;
	resp->code = API_OK;
	*out = st;
	return 0;
}

/* ---- the caller -------------------------------------------------------- */

static void caller_identify(struct api_req *req)
{
	struct api_caller *c = &req->caller;
	const union MHD_ConnectionInfo *ci;
	char *peer = req->peer;

	c->transport = req->lis->transport;
	if (c->transport == API_UNIX) {
		struct ucred cred;
		socklen_t len = sizeof(cred);

		ci = MHD_get_connection_info(req->conn,
					     MHD_CONNECTION_INFO_CONNECTION_FD);
		if (ci && getsockopt(ci->connect_fd, SOL_SOCKET, SO_PEERCRED,
				     &cred, &len) == 0) {
			c->peer_known = true;
			c->uid = cred.uid;
			c->pid = cred.pid;
			snprintf(c->label, sizeof(c->label), "uid=%u pid=%d",
				 (unsigned int)cred.uid, (int)cred.pid);
		} else {
			snprintf(c->label, sizeof(c->label), "unix (unknown)");
		}
		return;
	}
	ci = MHD_get_connection_info(req->conn,
				     MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;
		struct lb_addr a = {.family = (uint8_t)sa->sa_family};
		uint16_t port = 0;

		if (sa->sa_family == AF_INET) {
			const struct sockaddr_in *s4 = (const void *)sa;

			memcpy(a.b, &s4->sin_addr, 4);
			port = ntohs(s4->sin_port);
		} else if (sa->sa_family == AF_INET6) {
			const struct sockaddr_in6 *s6 = (const void *)sa;

			memcpy(a.b, &s6->sin6_addr, 16);
			port = ntohs(s6->sin6_port);
		}
		if (port)
			lb_addr_port_fmt(&a, port, peer, sizeof(req->peer));
	}
	/* relabelled "token ..." once the bearer token checks out */
	if (!peer[0])
		snprintf(peer, sizeof(req->peer), "?");
	snprintf(c->label, sizeof(c->label), "unauthenticated %s", peer);
}

static void caller_authenticated(struct api_req *req)
{
	snprintf(req->caller.label, sizeof(req->caller.label), "token %s",
		 req->peer);
}

/* ---- dispatch ---------------------------------------------------------- */

static bool is_read_only(const char *method)
{
	return !strcmp(method, "GET") || !strcmp(method, "HEAD");
}

/* Queue resp (or a 500 if the handler gave nothing) and audit it. */
static enum MHD_Result answer(struct api_req *req, struct api_resp *resp)
{
	struct api_server *srv = req->lis->srv;
	enum MHD_Result ret;

	if (!resp->r && api_resp_error(resp, API_INTERNAL_ERROR,
				       "the handler for %s %s gave no answer",
				       req->method, req->path) < 0)
		return MHD_NO;
	ret = MHD_queue_response(req->conn, resp->status, resp->r);
	MHD_destroy_response(resp->r);
	resp->r = NULL;
	if (srv->audit && !is_read_only(req->method)) {
		struct api_audit rec = {
		    .caller = &req->caller,
		    .method = req->method,
		    .path = req->path,
		    .status = resp->status,
		    .code = api_code_name(resp->code),
		    .message = resp->code == API_OK ? NULL : resp->message,
		};
		srv->audit(&rec, srv->audit_arg);
	}
	free(resp->message);
	resp->message = NULL;
	return ret;
}

static enum MHD_Result answer_error(struct api_req *req, enum api_code code,
				    const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static enum MHD_Result answer_error(struct api_req *req, enum api_code code,
				    const char *fmt, ...)
{
	struct api_resp resp = {.req = req};
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (api_resp_error(&resp, code, "%s", msg) < 0)
		return MHD_NO;
	return answer(req, &resp);
}

static enum MHD_Result dispatch(struct api_req *req)
{
	struct api_server *srv = req->lis->srv;
	struct api_resp resp = {.req = req};
	const struct api_route *route = NULL;
	char allow[128];
	int rc;

	if (!strcmp(req->path, "/health")) {
		if (strcmp(req->method, "GET") && strcmp(req->method, "HEAD")) {
			struct api_resp r405 = {.req = req};

			api_resp_error(&r405, API_METHOD_NOT_ALLOWED,
				       "%s %s: method not allowed; use GET",
				       req->method, req->path);
			if (r405.r)
				MHD_add_response_header(
				    r405.r, MHD_HTTP_HEADER_ALLOW, "GET");
			return answer(req, &r405);
		}
		api_resp_ok(&resp, json_pack("{s:s}", "status", "ok"));
		return answer(req, &resp);
	}

	switch (api_route_match(srv->routes, srv->n_routes, req->method,
				req->path, &route, &req->params, allow,
				sizeof(allow))) {
	case API_MATCH_NO_PATH:
		return answer_error(req, API_NOT_FOUND, "no such endpoint: %s",
				    req->path);
	case API_MATCH_BAD_METHOD:
		api_resp_error(&resp, API_METHOD_NOT_ALLOWED,
			       "%s %s: method not allowed; use %s", req->method,
			       req->path, allow);
		if (resp.r)
			MHD_add_response_header(resp.r, MHD_HTTP_HEADER_ALLOW,
						allow);
		return answer(req, &resp);
	case API_MATCH_OK:
		break;
	}

	if (req->body_len) {
		json_error_t jerr;

		req->json =
		    json_loadb(req->body, req->body_len,
			       JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
		if (!req->json)
			return answer_error(
			    req, API_INVALID_REQUEST,
			    "request body is not valid JSON: line %d column "
			    "%d: %s",
			    jerr.line, jerr.column, jerr.text);
	}

	rc = route->fn(req, &resp, route->arg);
	if (rc < 0 && !resp.r)
		api_resp_error(&resp, API_INTERNAL_ERROR, "%s %s failed: %s",
			       req->method, req->path, strerror(-rc));
	return answer(req, &resp);
}

static enum MHD_Result header_size_add(void *cls, enum MHD_ValueKind kind,
				       const char *key, const char *value)
{
	size_t *total = cls;

	*total += strlen(key) + (value ? strlen(value) : 0) + 4; /* ": " CRLF */
	return MHD_YES;
}

/* First call for a request: headers are in. Authenticate, check sizes. */
static enum MHD_Result request_start(struct api_req *req)
{
	struct api_server *srv = req->lis->srv;
	const char *cl;

	size_t head = strlen(req->method) + strlen(req->path) + 12;

	caller_identify(req);
	MHD_get_connection_values(req->conn, MHD_HEADER_KIND, header_size_add,
				  &head);
	if (head > srv->max_headers)
		return answer_error(req, API_HEADERS_TOO_LARGE,
				    "request line and headers are %zu bytes; "
				    "the limit is %zu",
				    head, srv->max_headers);
	if (req->lis->transport == API_TCP && !srv->token) {
		/* a read-only listener (metrics): nothing may change through it
		 */
		if (!is_read_only(req->method))
			return answer_error(
			    req, API_UNAUTHORIZED,
			    "this listener is read-only; use the "
			    "unix socket or the token listener");
	} else if (req->lis->transport == API_TCP) {
		if (!api_token_check(srv->token,
				     api_req_header(req, "Authorization")))
			return answer_error(
			    req, API_UNAUTHORIZED,
			    "%s: send the daemon's API token as "
			    "'Authorization: Bearer TOKEN'",
			    api_req_header(req, "Authorization")
				? "wrong token"
				: "missing token");
		caller_authenticated(req);
	}
	cl = api_req_header(req, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl && strtoull(cl, NULL, 10) > srv->max_body)
		return answer_error(req, API_TOO_LARGE,
				    "request body is %s bytes; the limit is "
				    "%zu",
				    cl, srv->max_body);
	return MHD_YES;
}

static enum MHD_Result body_append(struct api_req *req, const char *data,
				   size_t len)
{
	size_t max = req->lis->srv->max_body;

	if (req->discarded || req->body_len + len > max) {
		req->discarded += len;
		/* keep reading to answer 413, but not forever */
		return req->discarded > DISCARD_FACTOR * max ? MHD_NO : MHD_YES;
	}
	if (req->body_len + len > req->body_cap) {
		size_t cap = req->body_cap ? req->body_cap : 1024;
		char *b;

		while (cap < req->body_len + len)
			cap *= 2;
		if (cap > max)
			cap = max;
		b = realloc(req->body, cap);
		if (!b)
			return MHD_NO;
		req->body = b;
		req->body_cap = cap;
	}
	memcpy(req->body + req->body_len, data, len);
	req->body_len += len;
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct api_listener *lis = cls;
	struct api_req *req = *con_cls;

	if (!req) {
		req = calloc(1, sizeof(*req));
		if (!req)
			return MHD_NO;
		req->lis = lis;
		req->conn = conn;
		req->method = method;
		req->path = url;
		*con_cls = req;
		return request_start(req);
	}
	if (*upload_data_size) {
		enum MHD_Result r =
		    body_append(req, upload_data, *upload_data_size);

		*upload_data_size = 0;
		return r;
	}
	if (req->discarded)
		return answer_error(req, API_TOO_LARGE,
				    "request body is %zu bytes; the limit is "
				    "%zu",
				    req->body_len + req->discarded,
				    lis->srv->max_body);
	return dispatch(req);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct api_req *req = *con_cls;

	if (!req)
		return;
	json_decref(req->json);
	free(req->body);
	free(req);
	*con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct api_listener *lis = cls;
	char msg[512];
	size_t len;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	len = strlen(msg);
	while (len && msg[len - 1] == '\n')
		msg[--len] = '\0';
	/*
	 * Why a listener cannot start matters; once it runs, MHD speaks of
	 * clients that went away or spoke nonsense, which is debug material.
	 */
	lb_log(lis->mhd ? LB_LOG_DEBUG : LB_LOG_WARN, "api: %s", msg);
}

/* ---- the loop ---------------------------------------------------------- */

static void listener_run(struct api_listener *lis);

static void on_timer(struct lb_loop *loop, void *arg)
{
	listener_run(arg);
}

/*
 * Run MHD from the loop soon. A resumed connection is only picked up by a
 * later MHD_run(), and nothing on the sockets may say so.
 */
static void listener_kick(struct api_listener *lis)
{
	struct lb_loop *loop = lis->srv->loop;

	if (lis->timer && lb_timer_when(lis->timer) <= lb_loop_now_ms(loop))
		return;
	lb_timer_cancel(loop, &lis->timer);
	if (lb_timer_add(loop, &lis->timer, 0, on_timer, lis) < 0)
		lb_err("api: cannot arm the connection timer");
}

static void on_ready(struct lb_loop *loop, struct lb_watch *w, uint32_t events)
{
	listener_run(w->arg);
}

/* Let MHD work, then arm the timer for when it next needs to. */
static void listener_run(struct api_listener *lis)
{
	struct lb_loop *loop = lis->srv->loop;
	MHD_UNSIGNED_LONG_LONG ms;

	MHD_run(lis->mhd);
	lb_timer_cancel(loop, &lis->timer);
	if (MHD_get_timeout(lis->mhd, &ms) == MHD_YES &&
	    lb_timer_add(loop, &lis->timer, ms, on_timer, lis) < 0)
		lb_err("api: cannot arm the connection timer");
}

/* Serve fd (or pass on its error when negative). */
static int listener_start(struct api_server *srv, struct api_listener *lis,
			  enum api_transport transport, int fd,
			  const struct api_server_opts *o, char *err,
			  size_t errlen)
{
	unsigned int flags =
	    MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	const union MHD_DaemonInfo *info;
	bool tls = transport == API_TCP && srv->tls_cert;
	struct MHD_OptionItem tls_opts[] = {
	    {tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0,
	     srv->tls_cert},
	    {MHD_OPTION_HTTPS_MEM_KEY, 0, srv->tls_key},
	    {MHD_OPTION_END, 0, NULL},
	};
	/*
	 * MHD's per-connection pool holds the request line and headers plus
	 * its buffers; with headroom it can still answer 431 to an oversized
	 * header instead of dropping the connection.
	 */
	size_t mem_limit =
	    (o->max_headers ? o->max_headers : API_DEFAULT_MAX_HEADERS) +
	    MHD_POOL_HEADROOM;
	int rc;

	if (fd < 0)
		return fd; /* the socket could not be made; err says why */
	lis->srv = srv;
	lis->transport = transport;
	lis->fd = fd;
	if (tls)
		flags |= MHD_USE_TLS;
	/* the logger first, so MHD's own option checks land in our log */
	lis->mhd = MHD_start_daemon(
	    flags, 0, NULL, NULL, on_request, lis, MHD_OPTION_EXTERNAL_LOGGER,
	    mhd_log, lis, MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned int)(o->timeout_s ? o->timeout_s : API_DEFAULT_TIMEOUT_S),
	    MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned int)(o->max_conns ? o->max_conns : API_DEFAULT_MAX_CONNS),
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, mem_limit,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, lis, MHD_OPTION_ARRAY,
	    tls_opts, MHD_OPTION_END);
	if (!lis->mhd) {
		snprintf(err, errlen,
			 tls ? "cannot start the TLS API listener: check that "
			       "the certificate and key are PEM files that "
			       "belong together"
			     : "cannot start the API listener (libmicrohttpd "
			       "refused; see the log above)");
		return -EINVAL;
	}
	info = MHD_get_daemon_info(lis->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (!info) {
		snprintf(err, errlen, "libmicrohttpd gave no epoll fd");
		return -ENOTSUP;
	}
	rc = lb_loop_watch_add(srv->loop, &lis->watch, info->epoll_fd, EPOLLIN,
			       on_ready, lis);
	if (rc < 0) {
		snprintf(err, errlen, "cannot watch the API listener: %s",
			 strerror(-rc));
		return rc;
	}
	listener_run(lis);
	return 0;
}

static void listener_stop(struct api_server *srv, struct api_listener *lis)
{
	lb_loop_watch_del(srv->loop, &lis->watch);
	lb_timer_cancel(srv->loop, &lis->timer);
	if (lis->mhd) {
		/* MHD leaves a quiesced listen socket for us to close */
		if (MHD_quiesce_daemon(lis->mhd) != lis->fd)
			lis->fd = -1; /* MHD kept it and closes it */
		MHD_stop_daemon(lis->mhd);
		lis->mhd = NULL;
	}
	if (lis->fd >= 0)
		close(lis->fd);
	lis->fd = -1;
}

/* ---- the server -------------------------------------------------------- */

static int tls_load(struct api_server *srv, const struct api_server_opts *o,
		    char *err, size_t errlen)
{
	int rc;

	if (!o->tls_cert && !o->tls_key)
		return 0;
	if (!o->tls_cert || !o->tls_key || !o->tcp_listen) {
		snprintf(err, errlen,
			 "TLS for the API needs a TCP listener, a certificate "
			 "and a key; give all three");
		return -EINVAL;
	}
	if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		snprintf(err, errlen,
			 "this libmicrohttpd was built without TLS; use the "
			 "unix socket or a TLS-terminating proxy");
		return -ENOTSUP;
	}
	rc = api_file_slurp(o->tls_cert, TLS_FILE_MAX, &srv->tls_cert, err,
			    errlen);
	if (rc == 0)
		rc = api_file_slurp(o->tls_key, TLS_FILE_MAX, &srv->tls_key,
				    err, errlen);
	return rc;
}

int api_server_new(struct lb_loop *loop, const struct api_server_opts *o,
		   const struct api_route *routes, size_t n,
		   struct api_server **out, char *err, size_t errlen)
{
	struct api_server *srv;
	int rc, fd;

	err[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (api_route_check(&routes[i]) < 0) {
			snprintf(err, errlen,
				 "API route %zu (%s %s) is malformed", i,
				 routes[i].method ? routes[i].method : "?",
				 routes[i].pattern ? routes[i].pattern : "?");
			return -EINVAL;
		}
	}
	if (!o->unix_path && !o->tcp_listen) {
		snprintf(err, errlen,
			 "the API needs a unix socket or a TCP "
			 "listener");
		return -EINVAL;
	}
	if (o->tcp_listen && !o->token_file && !o->tcp_read_only) {
		snprintf(err, errlen,
			 "the TCP API listener %s needs a token file "
			 "(daemon.api_token_file)",
			 o->tcp_listen);
		return -EINVAL;
	}
	if (o->token_file && o->tcp_read_only) {
		snprintf(err, errlen,
			 "a read-only TCP listener takes no token");
		return -EINVAL;
	}
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return -ENOMEM;
	srv->loop = loop;
	srv->routes = routes;
	srv->n_routes = n;
	srv->max_body = o->max_body ? o->max_body : API_DEFAULT_MAX_BODY;
	srv->max_headers =
	    o->max_headers ? o->max_headers : API_DEFAULT_MAX_HEADERS;
	srv->audit = o->audit;
	srv->audit_arg = o->audit_arg;
	srv->unix_l.fd = srv->tcp_l.fd = -1;
	lb_watch_init(&srv->unix_l.watch);
	lb_watch_init(&srv->tcp_l.watch);

	rc = tls_load(srv, o, err, errlen);
	if (rc < 0)
		goto fail;
	if (o->tcp_listen) {
		bool loopback = false;

		rc = o->token_file ? api_token_load(o->token_file, &srv->token,
						    err, errlen)
				   : 0;
		if (rc < 0)
			goto fail;
		fd = api_tcp_listen(o->tcp_listen, &srv->tcp_port, &loopback,
				    err, errlen);
		rc = listener_start(srv, &srv->tcp_l, API_TCP, fd, o, err,
				    errlen);
		if (rc < 0)
			goto fail;
		if (!loopback && !srv->tls_cert && srv->token)
			lb_warn("api: %s is not a loopback address and has no "
				"TLS: the token crosses the network in clear",
				o->tcp_listen);
	}
	if (o->unix_path) {
		fd =
		    api_unix_listen(o->unix_path, &srv->sock_file, err, errlen);
		rc = listener_start(srv, &srv->unix_l, API_UNIX, fd, o, err,
				    errlen);
		if (rc < 0)
			goto fail;
	}
	*out = srv;
	return 0;
fail:
	api_server_free(srv);
	return rc;
}

void api_server_free(struct api_server *srv)
{
	if (!srv)
		return;
	/* parked streams end: their reader sees closing and says EOF */
	srv->closing = true;
	for (struct api_stream *st = srv->streams; st; st = st->next)
		api_stream_wake(st);
	listener_stop(srv, &srv->unix_l);
	listener_stop(srv, &srv->tcp_l);
	api_unix_unlink(&srv->sock_file);
	free(srv->token);
	free(srv->tls_cert);
	free(srv->tls_key);
	free(srv);
}

uint16_t api_server_tcp_port(const struct api_server *srv)
{
	return srv->tcp_port;
}
