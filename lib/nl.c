// SPDX-License-Identifier: GPL-2.0-only
/*
 * Netlink over libmnl: libmnl checks message and attribute bounds, this file
 * adds what every user needs on top (acks with the kernel's own words,
 * sequence matching, overflow reporting) so no caller parses NLMSG_ERROR by
 * hand.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>

#include "lib/nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif
#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif

/*
 * Large enough for the biggest message the kernel builds for a dump (it
 * sizes dump skbs up to 32 KiB when the receive buffer allows); a smaller
 * buffer would truncate them.
 */
#define LB_NL_BUF (64 * 1024)
/* A request whose answer never comes must not hang the daemon. */
#define LB_NL_REPLY_TIMEOUT_MS 10000

struct lb_nl {
	struct mnl_socket *sk;
	unsigned int portid;
	uint32_t seq;
	char *buf;
};

void lb_nl_set_ack_opts(int fd)
{
	int one = 1;

	/* Best effort: older kernels simply give errors without text. */
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
}

int lb_nl_set_rcvbuf(int fd, int bytes)
{
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes)))
		return -errno;
	return 0;
}

int lb_nl_open(struct lb_nl **out, int bus, int rcvbuf, char *why,
	       size_t why_len)
{
	struct lb_nl *nl;
	int err;

	*out = NULL;
	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	nl->buf = malloc(LB_NL_BUF);
	if (!nl->buf) {
		err = -ENOMEM;
		goto fail;
	}
	nl->sk = mnl_socket_open2(bus, SOCK_CLOEXEC);
	if (!nl->sk) {
		err = -errno;
		if (why)
			lb_nl_strerror(why, why_len,
				       "cannot open a netlink socket", err,
				       NULL);
		goto fail;
	}
	if (mnl_socket_bind(nl->sk, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		if (why)
			lb_nl_strerror(why, why_len,
				       "cannot bind a netlink socket", err,
				       NULL);
		goto fail;
	}
	nl->portid = mnl_socket_get_portid(nl->sk);
	lb_nl_set_ack_opts(mnl_socket_get_fd(nl->sk));
	if (rcvbuf > 0) {
		err = lb_nl_set_rcvbuf(mnl_socket_get_fd(nl->sk), rcvbuf);
		if (err) {
			if (why)
				lb_nl_strerror(
				    why, why_len,
				    "cannot size the netlink receive "
				    "buffer",
				    err, NULL);
			goto fail;
		}
	}
	nl->seq = (uint32_t)time(NULL);
	*out = nl;
	return 0;
fail:
	lb_nl_close(nl);
	return err;
}

void lb_nl_close(struct lb_nl *nl)
{
	if (!nl)
		return;
	if (nl->sk)
		mnl_socket_close(nl->sk);
	free(nl->buf);
	free(nl);
}

int lb_nl_fd(const struct lb_nl *nl)
{
	return mnl_socket_get_fd(nl->sk);
}

int lb_nl_join(struct lb_nl *nl, unsigned int group)
{
	int g = (int)group;

	if (mnl_socket_setsockopt(nl->sk, NETLINK_ADD_MEMBERSHIP, &g,
				  sizeof(g)) < 0)
		return -errno;
	return 0;
}

void lb_nl_strict_check(struct lb_nl *nl)
{
	int one = 1;

	(void)mnl_socket_setsockopt(nl->sk, NETLINK_GET_STRICT_CHK, &one,
				    sizeof(one));
}

struct attrs {
	const struct nlattr **tb;
	unsigned int max;
};

static int attr_cb(const struct nlattr *a, void *data)
{
	const struct attrs *at = data;

	/* Unknown types (newer kernels) are skipped, not an error. */
	if (mnl_attr_type_valid(a, (uint16_t)at->max) > 0)
		at->tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

int lb_nl_attrs(const struct nlmsghdr *nh, size_t hdrlen,
		const struct nlattr **tb, unsigned int max)
{
	struct attrs at = {tb, max};

	if (mnl_attr_parse(nh, (unsigned int)hdrlen, attr_cb, &at) < 0)
		return -EBADMSG;
	return 0;
}

int lb_nl_attrs_nested(const struct nlattr *nest, const struct nlattr **tb,
		       unsigned int max)
{
	struct attrs at = {tb, max};

	if (mnl_attr_parse_nested(nest, attr_cb, &at) < 0)
		return -EBADMSG;
	return 0;
}

int lb_nl_set_nonblock(struct lb_nl *nl, bool on)
{
	int fd = lb_nl_fd(nl);
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -errno;
	fl = on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
	if (fcntl(fd, F_SETFL, fl) < 0)
		return -errno;
	return 0;
}

int lb_nl_ack_errno(const struct nlmsghdr *nh, size_t len)
{
	const struct nlmsgerr *e;

	if (len < NLMSG_HDRLEN + sizeof(int) ||
	    nh->nlmsg_len < NLMSG_HDRLEN + sizeof(int))
		return -EBADMSG;
	e = mnl_nlmsg_get_payload(nh);
	return e->error <= 0 ? e->error : -e->error;
}

static int ext_attr_cb(const struct nlattr *attr, void *data)
{
	const char **msg = data;

	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
		*msg = mnl_attr_get_str(attr);
	return MNL_CB_OK;
}

const char *lb_nl_ext_ack(const struct nlmsghdr *nh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nh);
	const char *msg = NULL;
	size_t plen, off = sizeof(*e);

	if (nh->nlmsg_len < NLMSG_HDRLEN + sizeof(*e) ||
	    !(nh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	plen = nh->nlmsg_len - NLMSG_HDRLEN;
	/* Without NLM_F_CAPPED the request is echoed before the TLVs. */
	if (!(nh->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < NLMSG_HDRLEN)
			return NULL;
		off += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
	}
	if (off >= plen)
		return NULL;
	if (mnl_attr_parse(nh, (unsigned int)off, ext_attr_cb, &msg) < 0)
		return NULL;
	return msg && msg[0] ? msg : NULL;
}

int lb_nl_strerror(char *buf, size_t len, const char *object, int err,
		   const char *ext)
{
	int n = snprintf(buf, len, "%s: %s", object,
			 strerror(err < 0 ? -err : err));

	if (n < 0 || (size_t)n >= len || !ext || !ext[0])
		return n;
	return n + snprintf(buf + n, len - (size_t)n, " (kernel: %s)", ext);
}

/* recv, waiting at most the reply timeout when the socket is non-blocking. */
static int recv_reply(struct lb_nl *nl, size_t *got)
{
	int fd = lb_nl_fd(nl);
	ssize_t n;

	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int r;

		n = recv(fd, nl->buf, LB_NL_BUF, MSG_DONTWAIT);
		if (n >= 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		r = poll(&p, 1, LB_NL_REPLY_TIMEOUT_MS);
		if (r == 0)
			return -ETIMEDOUT;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
	*got = (size_t)n;
	return 0;
}

static bool is_data(const struct nlmsghdr *nh)
{
	return nh->nlmsg_type >= NLMSG_MIN_TYPE;
}

int lb_nl_request(struct lb_nl *nl, struct nlmsghdr *req, lb_nl_msg_fn fn,
		  void *arg, char *ext, size_t ext_len)
{
	bool dump = (req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	uint32_t seq = ++nl->seq;
	int err, cb_err = 0;
	bool lost = false;

	if (ext && ext_len)
		ext[0] = '\0';
	req->nlmsg_seq = seq;
	req->nlmsg_pid = 0;
	req->nlmsg_flags |= NLM_F_REQUEST | (dump ? 0 : NLM_F_ACK);
	if (mnl_socket_sendto(nl->sk, req, req->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		const struct nlmsghdr *nh;
		size_t got = 0;
		int len;

		err = recv_reply(nl, &got);
		if (err == -ENOBUFS) {
			/* Notifications were dropped, not the replies: read
			 * on to the end so no dump is left running. */
			lost = true;
			continue;
		}
		if (err)
			return err;
		len = (int)got;
		for (nh = (const struct nlmsghdr *)nl->buf;
		     mnl_nlmsg_ok(nh, len); nh = mnl_nlmsg_next(nh, &len)) {
			bool ours =
			    nh->nlmsg_seq == seq && nh->nlmsg_pid == nl->portid;

			if (is_data(nh)) {
				if (!cb_err && fn)
					cb_err = fn(arg, nh);
				continue;
			}
			if (!ours)
				continue; /* notifications' control messages */
			if (nh->nlmsg_type == NLMSG_ERROR) {
				err = lb_nl_ack_errno(nh, (size_t)len);
				if (err && ext && ext_len && lb_nl_ext_ack(nh))
					snprintf(ext, ext_len, "%s",
						 lb_nl_ext_ack(nh));
				if (!err && lost)
					err = -ENOBUFS;
				return err ? err : cb_err;
			}
			if (nh->nlmsg_type == NLMSG_DONE) {
				/* A dump that failed part way says so here. */
				if (nh->nlmsg_len >=
				    NLMSG_HDRLEN + sizeof(int)) {
					const int *e =
					    mnl_nlmsg_get_payload(nh);

					if (*e < 0)
						return *e;
				}
				return lost ? -ENOBUFS : cb_err;
			}
		}
	}
}

int lb_nl_drain(struct lb_nl *nl, lb_nl_msg_fn fn, void *arg,
		unsigned int max_reads)
{
	int fd = lb_nl_fd(nl);
	int first = 0;

	while (max_reads--) {
		const struct nlmsghdr *nh;
		ssize_t n;
		int len;

		n = recv(fd, nl->buf, LB_NL_BUF, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return first;
			return -errno;
		}
		len = (int)n;
		for (nh = (const struct nlmsghdr *)nl->buf;
		     mnl_nlmsg_ok(nh, len); nh = mnl_nlmsg_next(nh, &len)) {
			int err;

			if (!is_data(nh))
				continue;
			err = fn(arg, nh);
			if (err && !first)
				first = err;
		}
	}
	return first;
}
