// SPDX-License-Identifier: GPL-2.0-only
/*
 * tcp: a connect() that completes is a success. The socket closes with RST
 * (SO_LINGER 0), so thousands of probes a second leave no TIME_WAIT behind.
 */
#include "health/health_internal.h"

#include <errno.h>
#include <netinet/in.h>
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

static void tcp_ready(struct lb_loop *loop, struct lb_watch *w, uint32_t ev)
{
	struct hc_target *t = w->arg;
	int err = 0;
	socklen_t len = sizeof(err);

	/* EPOLLOUT alone means connected: no getsockopt on the hot path. */
	if (!(ev & (EPOLLERR | EPOLLHUP))) {
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
	bool connected;
	int fd, err;

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
	err = lb_loop_watch_add(hc_target_loop(t), &t->w, fd, EPOLLOUT,
				tcp_ready, t);
	if (err)
		close(fd);
	return err;
}

static void tcp_stop(struct hc_target *t)
{
	lb_loop_watch_close(hc_target_loop(t), &t->w);
}

const struct hc_probe_ops hc_tcp_ops = {
	.name = "tcp",
	.needs_port = true,
	.start = tcp_start,
	.stop = tcp_stop,
};
