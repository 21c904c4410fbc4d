/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The control API's HTTP framework: listeners (a unix socket, optionally
 * TCP with a bearer token and TLS), a route table, the JSON envelope, the
 * caller's identity and an audit hook. libmicrohttpd does the HTTP; it runs
 * without threads inside the caller's lb_loop.
 *
 * Replies are {"success": true, "data": ...} or
 * {"success": false, "error": {"code": "NOT_FOUND", "message": "..."}};
 * see Docs/API.md.
 */
#ifndef BALLAST_CMD_API_API_H
#define BALLAST_CMD_API_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct lb_loop;
struct api_server;
struct api_req;
struct api_resp;
struct api_stream;

/* ---- error codes ------------------------------------------------------- */

/* Katran's codes, plus the ones HTTP itself needs (405, 413, 431). */
enum api_code {
	API_OK = 0,
	API_INVALID_REQUEST,	/* 400 */
	API_UNAUTHORIZED,	/* 401 */
	API_NOT_FOUND,		/* 404 */
	API_METHOD_NOT_ALLOWED, /* 405 */
	API_ALREADY_EXISTS,	/* 409 */
	API_TOO_LARGE,		/* 413, code INVALID_REQUEST */
	API_HEADERS_TOO_LARGE,	/* 431, code INVALID_REQUEST */
	API_INTERNAL_ERROR,	/* 500 */
	API_SPACE_EXHAUSTED,	/* 507 */
	API_CODE_COUNT,
};

/* "NOT_FOUND", ...; "OK" for API_OK. */
const char *api_code_name(enum api_code code);
/* HTTP status of a code (200 for API_OK). */
unsigned int api_code_status(enum api_code code);

/* ---- envelope (pure; also used by clients and tests) ------------------- */

/* {"success": true, "data": data}; steals data (NULL becomes null). */
json_t *api_envelope_ok(json_t *data);
/* {"success": false, "error": {"code": ..., "message": msg}}. */
json_t *api_envelope_error(enum api_code code, const char *msg);

/* ---- the caller -------------------------------------------------------- */

enum api_transport {
	API_UNIX = 0,
	API_TCP,
};

struct api_caller {
	enum api_transport transport;
	bool peer_known; /* unix: SO_PEERCRED answered */
	uid_t uid;	 /* unix socket peer */
	pid_t pid;
	/* "uid=0 pid=1234" on the unix socket, "token 127.0.0.1:5678" on TCP */
	char label[80];
};

/* One record per mutating (non-GET/HEAD) request, after its answer. */
struct api_audit {
	const struct api_caller *caller;
	const char *method;
	const char *path;
	unsigned int status; /* HTTP status sent */
	const char *code;    /* "OK", "NOT_FOUND", ... */
	const char *message; /* error message, NULL on success */
};
typedef void (*api_audit_fn)(const struct api_audit *rec, void *arg);

/* ---- routes ------------------------------------------------------------ */

/*
 * A handler fills resp through api_resp_*(). Returning a negative errno
 * without having answered gives INTERNAL_ERROR naming the error.
 */
typedef int (*api_handler_fn)(struct api_req *req, struct api_resp *resp,
			      void *arg);

struct api_route {
	const char *method;  /* "GET", "POST", "PUT", "DELETE", "PATCH" */
	const char *pattern; /* "/api/v1/services/{name}" */
	api_handler_fn fn;
	void *arg;
};

/* Path parameter by name ("name" for {name}); NULL when absent. */
const char *api_req_param(const struct api_req *req, const char *name);
/* Query parameter ("?format=json"), decoded; NULL when absent. */
const char *api_req_query(const struct api_req *req, const char *name);
const char *api_req_header(const struct api_req *req, const char *name);
/* The parsed JSON body, NULL when the request had none (borrowed). */
json_t *api_req_body(const struct api_req *req);
const char *api_req_method(const struct api_req *req);
const char *api_req_path(const struct api_req *req);
const struct api_caller *api_req_caller(const struct api_req *req);

/* ---- responses --------------------------------------------------------- */

/* 200 {"success": true, "data": data}; steals data. */
int api_resp_ok(struct api_resp *resp, json_t *data);
/* The same with another 2xx status (201 Created). */
int api_resp_ok_status(struct api_resp *resp, unsigned int status,
		       json_t *data);
int api_resp_error(struct api_resp *resp, enum api_code code, const char *fmt,
		   ...) __attribute__((format(printf, 3, 4)));
/* A non-JSON body (Prometheus text); the bytes are copied. */
int api_resp_raw(struct api_resp *resp, unsigned int status,
		 const char *content_type, const char *body, size_t len);

/*
 * A long-lived streamed response (Server-Sent Events). read() copies up to
 * max bytes into buf and returns how many; 0 means "nothing now": the
 * connection is parked until api_stream_wake(); -1 ends the stream.
 * done() runs once when the connection ends, for any reason.
 */
struct api_stream_ops {
	ssize_t (*read)(void *arg, char *buf, size_t max);
	void (*done)(void *arg);
};
/*
 * Answer with a stream. On success *out receives the handle to wake; it
 * stays valid until ops->done runs. On failure ops->done is not called.
 */
int api_resp_stream(struct api_resp *resp, const char *content_type,
		    const struct api_stream_ops *ops, void *arg,
		    struct api_stream **out);
/* Tell a parked stream there is data: read() will be called again. */
void api_stream_wake(struct api_stream *st);

/* ---- the server -------------------------------------------------------- */

#define API_DEFAULT_MAX_BODY (64 * 1024)
/*
 * Request line and headers; above it the answer is 431. libmicrohttpd's own
 * per-connection memory is this plus 16 KiB, a backstop that also answers
 * 431 (without the JSON envelope).
 */
#define API_DEFAULT_MAX_HEADERS (16 * 1024)
#define API_DEFAULT_TIMEOUT_S 10
#define API_DEFAULT_MAX_CONNS 64

struct api_server_opts {
	const char *unix_path;	/* NULL: no unix socket */
	const char *tcp_listen; /* "host:port" or "[v6]:port"; NULL: none */
	const char *token_file; /* with tcp_listen: a token or ... */
	bool tcp_read_only;	/* ... no token, GET/HEAD only (metrics) */
	const char *tls_cert;	/* PEM files; both or neither, TCP only */
	const char *tls_key;
	size_t max_body;	/* 0: API_DEFAULT_MAX_BODY */
	size_t max_headers;	/* 0: API_DEFAULT_MAX_HEADERS */
	unsigned int timeout_s; /* idle connection timeout; 0: default */
	unsigned int max_conns; /* per listener; 0: default */
	api_audit_fn audit;	/* NULL: no audit */
	void *audit_arg;
};

/*
 * Open the listeners and register with loop. routes (n of them) must stay
 * valid for the server's life; GET /health is built in. On failure err
 * says what and how to fix it, and a negative errno is returned.
 */
int api_server_new(struct lb_loop *loop, const struct api_server_opts *opts,
		   const struct api_route *routes, size_t n,
		   struct api_server **out, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* Close every connection and listener, remove the unix socket. NULL ok. */
void api_server_free(struct api_server *s);
/* The TCP port actually bound (useful with port 0); 0 without TCP. */
uint16_t api_server_tcp_port(const struct api_server *s);

#endif
