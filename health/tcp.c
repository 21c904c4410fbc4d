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

int hc_tcp_connect(struct hc_target *t, bool *connected)
{
	static const struct linger rst = { .l_onoff = 1, .l_linger = 0 };
	int fd, err;

	*connected = false;
	fd = socket(t->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst)) < 0)
		goto fail;
	/*
	 * Delay the handshake's last ACK: a SYN-ACK already proves the port
	 * open, so a plain check resets before the real ever creates a socket
	 * or wakes its accept loop, and an HTTP check carries the ACK on its
	 * request. Cheaper for both ends.
	 */
	setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &(int){ 0 }, sizeof(int));
	if (t->srclen) {
		int one = 1;

		/* Pick the port at connect time so sources do not run out. */
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
			   sizeof(one));
		if (bind(fd, (struct sockaddr *)&t->src, t->srclen) < 0)
			goto fail;
	}
	if (connect(fd, (struct sockaddr *)&t->sa, t->salen) == 0)
		*connected = true;
	else if (errno != EINPROGRESS)
		goto fail;
	return fd;
fail:
	err = -errno;
	close(fd);
	return err;
}

void hc_tcp_fail(struct hc_target *t, int err, const char *what)
{
	if (err < 0)
		err = -err;
	hc_probe_done(t, hc_errno_internal(err) ? HC_R_INTERNAL : HC_R_FAIL,
		      "%s: %s", what, strerror(err));
}

/* Run state of a tcp check: whether its socket may be parked for reuse. */
#define TCP_REUSABLE ((void *)1)

static void tcp_ready(struct lb_loop *loop, struct lb_watch *w, uint32_t ev)
{
	struct hc_target *t = w->arg;
	int err = 0;
	socklen_t len = sizeof(err);

	/* EPOLLOUT alone means connected: no getsockopt on the hot path. */
	if (!(ev & (EPOLLERR | EPOLLHUP))) {
		t->run = TCP_REUSABLE;
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

/* Reconnect an idle socket from the pool; -1 when it cannot be used. */
static int tcp_reuse(struct hc_target *t, int fd, bool *connected)
{
	*connected = false;
	setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &(int){ 0 }, sizeof(int));
	if (connect(fd, (struct sockaddr *)&t->sa, t->salen) == 0) {
		*connected = true;
		return 0;
	}
	return errno == EINPROGRESS ? 0 : -errno;
}

static int tcp_start(struct hc_target *t)
{
	struct lb_loop *loop = hc_target_loop(t);
	const uint32_t ev = EPOLLOUT | EPOLLONESHOT;
	bool connected;
	int fd, err;

	t->run = NULL;
	/* Sockets bound to a source address are not pooled. */
	fd = t->srclen ? -1 : hc_engine_sock_get(t->e, t->sa.ss_family);
	if (fd >= 0) {
		err = tcp_reuse(t, fd, &connected);
		if (!err && !connected)
			err = lb_loop_watch_adopt(loop, &t->w, fd, ev, tcp_ready,
						  t);
		if (!err && connected) {
			/* registered, disarmed: the watch only tracks it */
			t->w.fd = fd;
			t->run = TCP_REUSABLE;
			hc_probe_done(t, HC_R_OK, "connected");
			return 0;
		}
		if (!err)
			return 0;
		close(fd);
		if (err != -EINPROGRESS && err != -EMFILE && err != -ENFILE) {
			hc_tcp_fail(t, err, "connect");
			return 0;
		}
	}
	fd = hc_tcp_connect(t, &connected);
	if (fd < 0) {
		if (fd == -EMFILE || fd == -ENFILE)
			return fd;
		hc_tcp_fail(t, fd, "connect");
		return 0;
	}
	if (connected) {
		close(fd);
		hc_probe_done(t, HC_R_OK, "connected");
		return 0;
	}
	err = lb_loop_watch_add(loop, &t->w, fd, ev, tcp_ready, t);
	if (err)
		close(fd);
	return err;
}

static void tcp_stop(struct hc_target *t)
{
	struct lb_loop *loop = hc_target_loop(t);
	int fd;

	if (t->run != TCP_REUSABLE || !lb_watch_active(&t->w)) {
		lb_loop_watch_close(loop, &t->w);
		return;
	}
	t->run = NULL;
	/* The one-shot fired, so the registration is disarmed: park it. */
	fd = lb_loop_watch_detach(loop, &t->w);
	if (connect(fd, (struct sockaddr *)&(struct sockaddr){ .sa_family = AF_UNSPEC },
		    sizeof(struct sockaddr)) < 0) {
		close(fd);
		return;
	}
	hc_engine_sock_put(t->e, t->sa.ss_family, fd);
}

const struct hc_probe_ops hc_tcp_ops = {
	.name = "tcp",
	.needs_port = true,
	.start = tcp_start,
	.stop = tcp_stop,
};
