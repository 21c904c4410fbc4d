/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Private to cmd/api/: the structures behind the opaque handles of api.h
 * and what server.c (listeners, the loop), request.c (one request from
 * headers to answer) and respond.c (responses, streams) share.
 */
#ifndef BALLAST_CMD_API_API_INTERNAL_H
#define BALLAST_CMD_API_API_INTERNAL_H

#include <microhttpd.h>
#include <stdbool.h>

#include "cmd/api/api.h"
#include "cmd/api/listen.h"
#include "cmd/api/route.h"
#include "lib/addr.h"
#include "lib/evloop.h"

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

/* request.c: MHD's access handler and request-completed callback. */
enum MHD_Result api_on_request(void *cls, struct MHD_Connection *conn,
			       const char *url, const char *method,
			       const char *version, const char *upload_data,
			       size_t *upload_data_size, void **con_cls);
void api_on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
		      enum MHD_RequestTerminationCode toe);

/* server.c: have the loop run MHD for this listener soon. */
void api_listener_kick(struct api_listener *lis);

#endif
