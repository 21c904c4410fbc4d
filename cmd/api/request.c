// SPDX-License-Identifier: GPL-2.0-only
/*
 * One request, from its headers to its answer: the caller's identity, the
 * token, size limits, the body, routing, the handler and the audit record.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cmd/api/api_internal.h"

/* A chunked body larger than this many times the limit is cut off. */
#define DISCARD_FACTOR 16

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

static int health(struct api_req *req, struct api_resp *resp, void *arg)
{
	return api_resp_ok(resp, json_pack("{s:s}", "status", "ok"));
}

/* Served whatever routes the daemon registers. */
static const struct api_route builtin[] = {
    {"GET", "/health", health, NULL},
};

static enum MHD_Result dispatch(struct api_req *req)
{
	struct api_server *srv = req->lis->srv;
	struct api_resp resp = {.req = req};
	const struct api_route *route = NULL;
	enum api_match m;
	char allow[128];
	int rc;

	m = api_route_match(builtin, sizeof(builtin) / sizeof(builtin[0]),
			    req->method, req->path, &route, &req->params, allow,
			    sizeof(allow));
	if (m == API_MATCH_NO_PATH)
		m = api_route_match(srv->routes, srv->n_routes, req->method,
				    req->path, &route, &req->params, allow,
				    sizeof(allow));
	if (m == API_MATCH_NO_PATH)
		return answer_error(req, API_NOT_FOUND, "no such endpoint: %s",
				    req->path);
	if (m == API_MATCH_BAD_METHOD) {
		api_resp_error(&resp, API_METHOD_NOT_ALLOWED,
			       "%s %s: method not allowed; use %s", req->method,
			       req->path, allow);
		if (resp.r)
			MHD_add_response_header(resp.r, MHD_HTTP_HEADER_ALLOW,
						allow);
		return answer(req, &resp);
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
	/* the request line: method, path, " HTTP/1.1\r\n" */
	size_t head = strlen(req->method) + strlen(req->path) + 12;
	const char *cl;

	caller_identify(req);
	MHD_get_connection_values(req->conn, MHD_HEADER_KIND, header_size_add,
				  &head);
	if (head > srv->max_headers)
		return answer_error(req, API_HEADERS_TOO_LARGE,
				    "request line and headers are %zu bytes; "
				    "the limit is %zu",
				    head, srv->max_headers);
	if (req->lis->transport == API_TCP && !srv->token) {
		/* a read-only listener (metrics): no change through it */
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

enum MHD_Result api_on_request(void *cls, struct MHD_Connection *conn,
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

void api_on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
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
