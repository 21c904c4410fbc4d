// SPDX-License-Identifier: GPL-2.0-only
/*
 * Split-brain detection: raw IPPROTO_VRRP sockets that see the adverts on
 * ha.interface's segment. Only a master advertises, so an advert for a group
 * we hold, from an address that is not ours, means another node claims it
 * too. The flag clears from a timer when such adverts stop.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/log.h"
#include "vrrp/vrrp_internal.h"

#define VW_ADV_READS 64
#define VW_ADV_BUF 2048
#define VRRP_GROUP4 "224.0.0.18"
#define VRRP_GROUP6 "ff02::12"

struct vw_adverts {
	int fd4, fd6;
	struct lb_watch w4, w6;
	int joined4, joined6; /* ifindex joined on, 0: none */
	uint64_t seen;
	uint8_t buf[VW_ADV_BUF]; /* one datagram at a time */
};

/* Did the packet come in on ha.interface or one of its children? */
static bool on_our_segment(const struct vw *w, int ifindex)
{
	const struct vw_link *ifl =
	    vw_table_link_by_name(&w->core.tab, w->core.ifname);
	const struct vw_link *l = vw_table_link(&w->core.tab, ifindex);

	return ifl && l && (l == ifl || l->parent == ifl->ifindex);
}

static void handle(struct vw *w, const struct vw_advert *a,
		   const struct lb_addr *src, int ifindex)
{
	/* Our own adverts come back through multicast loopback. */
	if (vw_table_is_local(&w->core.tab, src) || !on_our_segment(w, ifindex))
		return;
	w->adv->seen++;
	w->now_ms = lb_loop_now_ms_fresh(w->loop);
	vw_core_advert(&w->core, a, src, w->now_ms, vw_emit, w);
	vw_adverts_arm(w);
}

/* One datagram with its control data; 0 or -errno (-EAGAIN: none left). */
static int recv_one(int fd, uint8_t *buf, size_t len, size_t *got,
		    struct sockaddr_storage *from, int *ifindex, int *hops)
{
	union {
		char b[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
		       CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = {.iov_base = buf, .iov_len = len};
	struct msghdr mh = {
	    .msg_name = from,
	    .msg_namelen = sizeof(*from),
	    .msg_iov = &iov,
	    .msg_iovlen = 1,
	    .msg_control = cbuf.b,
	    .msg_controllen = sizeof(cbuf.b),
	};
	struct cmsghdr *c;
	ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);

	if (n < 0)
		return -errno;
	*got = (size_t)n;
	*ifindex = 0;
	*hops = -1;
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		return -EMSGSIZE;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			*ifindex = pi.ipi_ifindex;
		} else if (c->cmsg_level == IPPROTO_IPV6 &&
			   c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			*ifindex = (int)pi.ipi6_ifindex;
		} else if (c->cmsg_level == IPPROTO_IPV6 &&
			   c->cmsg_type == IPV6_HOPLIMIT) {
			memcpy(hops, CMSG_DATA(c), sizeof(*hops));
		}
	}
	return 0;
}

static void on_readable(struct lb_loop *loop, struct lb_watch *lw,
			uint32_t events)
{
	struct vw *w = lw->arg;
	bool v6 = lw == &w->adv->w6;
	uint8_t *buf = w->adv->buf;

	for (int i = 0; i < VW_ADV_READS; i++) {
		struct sockaddr_storage from;
		struct vw_advert a;
		struct lb_addr src = {0};
		int ifindex = 0, hops = -1, err;
		size_t got = 0;

		err = recv_one(lb_watch_active(lw) ? lw->fd : -1, buf,
			       VW_ADV_BUF, &got, &from, &ifindex, &hops);
		if (err == -EAGAIN || err == -EWOULDBLOCK)
			break;
		if (err)
			continue; /* a truncated or failed read: next one */
		if (!v6) {
			if (vw_advert_parse_ip4(buf, got, &src, &a))
				continue;
		} else {
			const struct sockaddr_in6 *s6 =
			    (const struct sockaddr_in6 *)&from;

			/* Only a neighbour can send with hop limit 255. */
			if (hops != 255 || from.ss_family != AF_INET6 ||
			    vw_advert_parse(buf, got, AF_INET6, &a))
				continue;
			src.family = AF_INET6;
			memcpy(src.b, &s6->sin6_addr, 16);
		}
		handle(w, &a, &src, ifindex);
	}
}

static int open_raw(int family, char *why, size_t why_len)
{
	int one = 1;
	int fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
			VW_VRRP_PROTO);

	if (fd < 0) {
		int err = -errno;

		if (why)
			snprintf(why, why_len,
				 "ha: split-brain detection: cannot open a raw "
				 "VRRP socket (%s): %s; it needs CAP_NET_RAW "
				 "(run as root or grant the capability)",
				 family == AF_INET ? "IPv4" : "IPv6",
				 strerror(-err));
		return err;
	}
	if (family == AF_INET)
		(void)setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	else {
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one,
				 sizeof(one));
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one,
				 sizeof(one));
	}
	return fd;
}

int vw_adverts_open(struct vw *w, char *why, size_t why_len)
{
	struct vw_adverts *a;
	int err;

	if (!w->loop)
		return -EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->fd6 = -1;
	lb_watch_init(&a->w4);
	lb_watch_init(&a->w6);
	w->adv = a;
	a->fd4 = open_raw(AF_INET, why, why_len);
	if (a->fd4 < 0) {
		err = a->fd4;
		goto fail;
	}
	err =
	    lb_loop_watch_add(w->loop, &a->w4, a->fd4, EPOLLIN, on_readable, w);
	if (err)
		goto fail;
	/* IPv6 is optional: a host without it still has IPv4 adverts. */
	a->fd6 = open_raw(AF_INET6, NULL, 0);
	if (a->fd6 >= 0 && lb_loop_watch_add(w->loop, &a->w6, a->fd6, EPOLLIN,
					     on_readable, w)) {
		close(a->fd6);
		a->fd6 = -1;
	}
	vw_adverts_sync(w);
	return 0;
fail:
	if (why && !why[0])
		lb_nl_strerror(why, why_len,
			       "ha: split-brain detection: watching the VRRP "
			       "socket",
			       err, NULL);
	vw_adverts_close(w);
	return err;
}

void vw_adverts_close(struct vw *w)
{
	struct vw_adverts *a = w->adv;

	if (!a)
		return;
	lb_timer_cancel(w->loop, &w->sb_timer);
	lb_loop_watch_del(w->loop, &a->w4);
	lb_loop_watch_del(w->loop, &a->w6);
	if (a->fd4 >= 0)
		close(a->fd4);
	if (a->fd6 >= 0)
		close(a->fd6);
	free(a);
	w->adv = NULL;
}

static int join(int fd, int family, int old, int idx)
{
	if (family == AF_INET) {
		struct ip_mreqn m = {.imr_ifindex = old};

		inet_pton(AF_INET, VRRP_GROUP4, &m.imr_multiaddr);
		if (old)
			(void)setsockopt(fd, IPPROTO_IP, IP_DROP_MEMBERSHIP, &m,
					 sizeof(m));
		m.imr_ifindex = idx;
		if (idx &&
		    setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m,
			       sizeof(m)) < 0 &&
		    errno != EADDRINUSE)
			return -errno;
	} else {
		struct ipv6_mreq m = {.ipv6mr_interface = (unsigned int)old};

		inet_pton(AF_INET6, VRRP_GROUP6, &m.ipv6mr_multiaddr);
		if (old)
			(void)setsockopt(fd, IPPROTO_IPV6, IPV6_DROP_MEMBERSHIP,
					 &m, sizeof(m));
		m.ipv6mr_interface = (unsigned int)idx;
		if (idx &&
		    setsockopt(fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &m,
			       sizeof(m)) < 0 &&
		    errno != EADDRINUSE)
			return -errno;
	}
	return 0;
}

void vw_adverts_sync(struct vw *w)
{
	struct vw_adverts *a = w->adv;
	const struct vw_link *l;
	int idx, err;

	if (!a)
		return;
	l = vw_table_link_by_name(&w->core.tab, w->core.ifname);
	idx = l ? l->ifindex : 0;
	if (idx != a->joined4) {
		err = join(a->fd4, AF_INET, a->joined4, idx);
		if (err)
			lb_warn("ha: cannot join " VRRP_GROUP4 " on %s: %s",
				w->core.ifname, strerror(-err));
		a->joined4 = err ? 0 : idx;
	}
	if (a->fd6 >= 0 && idx != a->joined6) {
		err = join(a->fd6, AF_INET6, a->joined6, idx);
		if (err)
			lb_warn("ha: cannot join " VRRP_GROUP6 " on %s: %s",
				w->core.ifname, strerror(-err));
		a->joined6 = err ? 0 : idx;
	}
}

static void sb_fire(struct lb_loop *loop, void *arg)
{
	struct vw *w = arg;

	w->now_ms = lb_loop_now_ms_fresh(loop);
	vw_adverts_arm(w);
}

void vw_adverts_arm(struct vw *w)
{
	uint64_t next;

	if (!w->loop)
		return;
	lb_timer_cancel(w->loop, &w->sb_timer);
	next = vw_core_sb_expire(&w->core, lb_loop_now_ms_fresh(w->loop),
				 vw_emit, w);
	if (next && lb_timer_add_at(w->loop, &w->sb_timer, next, sb_fire, w))
		lb_err("ha: cannot arm the split-brain expiry timer");
}

uint64_t vw_adverts_seen(const struct vw *w)
{
	return w->adv ? w->adv->seen : 0;
}
