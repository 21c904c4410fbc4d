// SPDX-License-Identifier: GPL-2.0-only
/*
 * udp: send the payload on a connected socket. With expect_payload, a reply
 * containing it is a success; without, any reply is, and so is silence until
 * the timeout, since only an ICMP port-unreachable (ECONNREFUSED on a
 * connected socket) proves nothing listens.
 */
#include "health/health_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void udp_ready(struct lb_loop *loop, struct lb_watch *w, uint32_t ev)
{
	struct hc_target *t = w->arg;
	const char *want = t->h->expect_payload;
	char buf[2048];
	ssize_t n = recv(w->fd, buf, sizeof(buf), 0);

	if (n < 0) {
		if (errno == EAGAIN)
			return;
		hc_probe_done(t, HC_R_FAIL, "%s",
			      errno == ECONNREFUSED ? "port unreachable"
						    : strerror(errno));
		return;
	}
	if (want && !memmem(buf, (size_t)n, want, strlen(want))) {
		hc_probe_done(t, HC_R_FAIL, "reply lacks the expected payload");
		return;
	}
	hc_probe_done(t, HC_R_OK, "reply of %zd bytes", n);
}

static int udp_start(struct hc_target *t)
{
	const char *pl = t->h->payload ? t->h->payload : "";
	int fd, err;

	fd = socket(t->sa.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return -errno;
	if ((t->srclen &&
	     bind(fd, (struct sockaddr *)&t->src, t->srclen) < 0) ||
	    connect(fd, (struct sockaddr *)&t->sa, t->salen) < 0 ||
	    send(fd, pl, strlen(pl), 0) < 0) {
		err = errno;
		close(fd);
		hc_probe_done(
		    t, hc_errno_internal(err) ? HC_R_INTERNAL : HC_R_FAIL,
		    "send: %s", strerror(err));
		return 0;
	}
	err = lb_loop_watch_add(hc_target_loop(t), &t->w, fd, EPOLLIN,
				udp_ready, t);
	if (err)
		close(fd);
	return err;
}

static void udp_stop(struct hc_target *t)
{
	lb_loop_watch_close(hc_target_loop(t), &t->w);
}

static enum hc_result udp_timed_out(struct hc_target *t, char *cause,
				    size_t len)
{
	if (t->h->expect_payload) {
		snprintf(cause, len, "no reply within %u ms", t->h->timeout_ms);
		return HC_R_FAIL;
	}
	snprintf(cause, len, "no port-unreachable within %u ms",
		 t->h->timeout_ms);
	return HC_R_OK;
}

const struct hc_probe_ops hc_udp_ops = {
    .name = "udp",
    .needs_port = true,
    .start = udp_start,
    .stop = udp_stop,
    .timed_out = udp_timed_out,
};
