// SPDX-License-Identifier: GPL-2.0-only
/*
 * icmp: one echo request, success on the matching echo reply. A raw socket
 * when privileged; otherwise the unprivileged ICMP datagram ("ping") socket,
 * allowed by net.ipv4.ping_group_range.
 */
#include "health/health_internal.h"

#include <errno.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ICMP_PAYLOAD "ballast-health-check"

#ifndef ICMP_FILTER
#define ICMP_FILTER 1 /* linux/icmp.h, which clashes with netinet */
#endif

struct icmp_hdr {
	uint8_t type;
	uint8_t code;
	uint16_t csum;
	uint16_t id;
	uint16_t seq;
};

static uint16_t csum16(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (n & 1)
		s += (uint32_t)b[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return htons((uint16_t)~s);
}

static int icmp_socket(struct hc_target *t, bool *raw)
{
	bool v6 = t->sa.ss_family == AF_INET6;
	int proto = v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	int fd;

	fd = socket(t->sa.ss_family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    proto);
	*raw = fd >= 0;
	if (fd < 0 && (errno == EPERM || errno == EACCES))
		fd = socket(t->sa.ss_family,
			    SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	if (fd < 0)
		return -errno;
	if (*raw && !v6) {
		/* Only echo replies reach this socket. */
		uint32_t mask = ~(1u << ICMP_ECHOREPLY);

		setsockopt(fd, SOL_RAW, ICMP_FILTER, &mask, sizeof(mask));
	} else if (*raw) {
		struct icmp6_filter f;

		ICMP6_FILTER_SETBLOCKALL(&f);
		ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
		setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f));
	}
	return fd;
}

static void icmp_ready(struct lb_loop *loop, struct lb_watch *w, uint32_t ev)
{
	struct hc_target *t = w->arg;
	bool v6 = t->sa.ss_family == AF_INET6;
	uint8_t buf[1500];

	for (;;) {
		const struct icmp_hdr *ic;
		ssize_t n = recv(w->fd, buf, sizeof(buf), 0);
		size_t off = 0;

		if (n < 0) {
			if (errno != EAGAIN)
				hc_probe_done(t, HC_R_FAIL, "%s",
					      strerror(errno));
			return;
		}
		/* Raw IPv4 sockets see the IP header; the others do not. */
		if (!v6 && (size_t)n >= sizeof(struct iphdr) &&
		    (buf[0] >> 4) == 4)
			off = (size_t)(buf[0] & 0xf) * 4;
		if ((size_t)n < off + sizeof(*ic))
			continue;
		ic = (const struct icmp_hdr *)(buf + off);
		if (ic->type != (v6 ? ICMP6_ECHO_REPLY : ICMP_ECHOREPLY) ||
		    ntohs(ic->seq) != t->echo_seq)
			continue;
		hc_probe_done(t, HC_R_OK, "echo reply");
		return;
	}
}

static int icmp_start(struct hc_target *t)
{
	bool v6 = t->sa.ss_family == AF_INET6, raw;
	struct {
		struct icmp_hdr h;
		char data[sizeof(ICMP_PAYLOAD)];
	} pkt;
	int fd, err;

	fd = icmp_socket(t, &raw);
	if (fd == -EACCES || fd == -EPERM) {
		/* The checker's permissions, not the real: fail open. */
		hc_probe_done(
		    t, HC_R_INTERNAL,
		    "no raw socket (needs CAP_NET_RAW) and ping sockets not "
		    "allowed (net.ipv4.ping_group_range)");
		return 0;
	}
	if (fd < 0)
		return fd;
	t->echo_seq++;
	memset(&pkt, 0, sizeof(pkt));
	pkt.h.type = v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO;
	pkt.h.id = htons((uint16_t)(uintptr_t)t);
	pkt.h.seq = htons(t->echo_seq);
	memcpy(pkt.data, ICMP_PAYLOAD, sizeof(ICMP_PAYLOAD));
	/* The kernel sums ICMPv6 and datagram sockets itself. */
	if (!v6)
		pkt.h.csum = csum16(&pkt, sizeof(pkt));
	/* connect() makes a raw socket take only this peer's packets. */
	if ((t->srclen &&
	     bind(fd, (struct sockaddr *)&t->src, t->srclen) < 0) ||
	    connect(fd, (struct sockaddr *)&t->sa, t->salen) < 0 ||
	    send(fd, &pkt, sizeof(pkt), 0) < 0) {
		err = errno;
		close(fd);
		hc_probe_done(
		    t, hc_errno_internal(err) ? HC_R_INTERNAL : HC_R_FAIL,
		    "echo: %s", strerror(err));
		return 0;
	}
	err = lb_loop_watch_add(hc_target_loop(t), &t->w, fd, EPOLLIN,
				icmp_ready, t);
	if (err)
		close(fd);
	return err;
}

static void icmp_stop(struct hc_target *t)
{
	lb_loop_watch_close(hc_target_loop(t), &t->w);
}

const struct hc_probe_ops hc_icmp_ops = {
    .name = "icmp",
    .start = icmp_start,
    .stop = icmp_stop,
};
