// SPDX-License-Identifier: GPL-2.0-only
/*
 * tcp: a connect() that completes is a success. The socket closes with RST
 * (SO_LINGER 0), so thousands of probes a second leave no TIME_WAIT behind.
 */
#include "health/health_internal.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

/* A new non-blocking socket, connect started. fd or -errno. */
static int tcp_socket(struct hc_target *t)
{
	static const struct linger rst = {.l_onoff = 1, .l_linger = 0};
	int fd, err;

	fd = socket(t->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst)) < 0)
		goto fail;
	if (t->srclen) {
		int one = 1;

		/* Pick the port at connect time so sources do not run out. */
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
			   sizeof(one));
		if (bind(fd, (struct sockaddr *)&t->src, t->srclen) < 0)
			goto fail;
	}
	return fd;
fail:
	err = -errno;
	close(fd);
	return err;
}

/*
 * Delay the handshake's last ACK: a SYN-ACK already proves the port open,
 * so a plain check resets before the real ever creates a socket or wakes
 * its accept loop, and an HTTP check carries the ACK on its request.
 * Cheaper for both ends. (A disconnect resets the option, so it is set on
 * every connect.)
 */
static int tcp_connect(struct hc_target *t, int fd)
{
	setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &(int){0}, sizeof(int));
	if (connect(fd, (struct sockaddr *)&t->sa, t->salen) == 0 ||
	    errno == EINPROGRESS)
		return 0;
	return -errno;
}

int hc_tcp_open(struct hc_target *t, lb_watch_fn fn)
{
	struct lb_loop *loop = hc_target_loop(t);
	const uint32_t ev = EPOLLOUT | EPOLLONESHOT;
	int fd, err;

	/* Sockets bound to a source address are not pooled. */
	fd = t->srclen ? -1 : hc_engine_sock_get(t->e, t->sa.ss_family);
	if (fd >= 0) {
		err = tcp_connect(t, fd);
		if (!err)
			err = lb_loop_watch_adopt(loop, &t->w, fd, ev, fn, t);
		if (!err) {
			t->w_armed = true;
			return 0;
		}
		close(fd);
		if (!hc_errno_internal(err)) {
			hc_tcp_fail(t, err, "connect");
			return 0;
		}
	}
	fd = tcp_socket(t);
	if (fd < 0)
		return fd;
	err = tcp_connect(t, fd);
	if (err) {
		close(fd);
		if (hc_errno_internal(err))
			return err;
		hc_tcp_fail(t, err, "connect");
		return 0;
	}
	err = lb_loop_watch_add(loop, &t->w, fd, ev, fn, t);
	if (err) {
		close(fd);
		return err;
	}
	t->w_armed = true;
	return 0;
}

int hc_tcp_wait(struct hc_target *t, uint32_t events)
{
	int err = lb_loop_watch_rearm(hc_target_loop(t), &t->w,
				      events | EPOLLONESHOT);

	if (err)
		hc_probe_done(t, HC_R_INTERNAL, "epoll: %s", strerror(-err));
	else
		t->w_armed = true;
	return err;
}

void hc_tcp_release(struct hc_target *t, bool clean)
{
	struct lb_loop *loop = hc_target_loop(t);
	struct sockaddr unspec = {.sa_family = AF_UNSPEC};
	int fd;

	if (!lb_watch_active(&t->w))
		return;
	if (!clean || t->w_armed) {
		lb_loop_watch_close(loop, &t->w);
		return;
	}
	/* Disarmed: park it. connect(AF_UNSPEC) resets the connection. */
	fd = lb_loop_watch_detach(loop, &t->w);
	if (connect(fd, &unspec, sizeof(unspec)) < 0) {
		close(fd);
		return;
	}
	hc_engine_sock_put(t->e, t->sa.ss_family, fd);
}

void hc_tcp_fail(struct hc_target *t, int err, const char *what)
{
	if (err < 0)
		err = -err;
	hc_probe_done(t, hc_errno_internal(err) ? HC_R_INTERNAL : HC_R_FAIL,
		      "%s: %s", what, strerror(err));
}

/* Run state of a tcp check: the exchange ended cleanly. */
#define TCP_CLEAN ((void *)1)

static void tcp_ready(struct lb_loop *loop, struct lb_watch *w, uint32_t ev)
{
	struct hc_target *t = w->arg;
	int err = 0;
	socklen_t len = sizeof(err);

	hc_tcp_fired(t);
	/* EPOLLOUT alone means connected: no getsockopt on the hot path. */
	if (!(ev & (EPOLLERR | EPOLLHUP))) {
		t->run = TCP_CLEAN;
		hc_probe_done(t, HC_R_OK, "connected");
		return;
	}
	if (getsockopt(w->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	/*
	 * A reset can only follow a completed handshake (a refused SYN gives
	 * ECONNREFUSED): something listens and closed at once, which is up.
	 */
	if (err == ECONNRESET) {
		hc_probe_done(t, HC_R_OK, "connected (then reset by the real)");
		return;
	}
	hc_tcp_fail(t, err ? err : ECONNRESET, "connect");
}

static int tcp_start(struct hc_target *t)
{
	t->run = NULL;
	return hc_tcp_open(t, tcp_ready);
}

static void tcp_stop(struct hc_target *t)
{
	hc_tcp_release(t, t->run == TCP_CLEAN);
	t->run = NULL;
}

const struct hc_probe_ops hc_tcp_ops = {
    .name = "tcp",
    .needs_port = true,
    .start = tcp_start,
    .stop = tcp_stop,
};
