// SPDX-License-Identifier: GPL-2.0-only
/*
 * libmicrohttpd inside the daemon's loop: each listener is one MHD daemon
 * in "external polling" mode with epoll; its epoll fd is watched by the
 * lb_loop, MHD_run() runs when it is readable and MHD_get_timeout() arms
 * one lb_timer. No thread is ever started. Long-lived responses (SSE) park
 * their connection with MHD_suspend_connection() and resume on data.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/api/api_internal.h"
#include "lib/evloop.h"
#include "lib/log.h"

#define TLS_FILE_MAX (1 << 20)
#define MHD_POOL_HEADROOM (16 * 1024)

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
void api_listener_kick(struct api_listener *lis)
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
	    flags, 0, NULL, NULL, api_on_request, lis,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, lis, MHD_OPTION_LISTEN_SOCKET,
	    fd, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned int)(o->timeout_s ? o->timeout_s : API_DEFAULT_TIMEOUT_S),
	    MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned int)(o->max_conns ? o->max_conns : API_DEFAULT_MAX_CONNS),
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, mem_limit,
	    MHD_OPTION_NOTIFY_COMPLETED, api_on_completed, lis,
	    MHD_OPTION_ARRAY, tls_opts, MHD_OPTION_END);
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
