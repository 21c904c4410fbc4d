// SPDX-License-Identifier: GPL-2.0-only
/*
 * Generic-netlink transport for IPVS. libnl-genl-3 opens the socket, resolves
 * the family and builds/parses messages; sending and receiving acks is done
 * here on the socket's descriptor so that many requests share one sendmsg
 * and one recv drains many acknowledgements.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <linux/ip_vs.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "dataplane/ipvs/ipvs_nl.h"
#include "lib/nl.h"

/*
 * Requests per sendmsg. The kernel queues one ack per request on our socket
 * before we read any, so the batch must fit the receive buffer (an ack skb
 * costs about 1 KiB of buffer accounting). The bytes stay below one page:
 * larger netlink requests are vmalloc'ed by the kernel, and measured under
 * load that made batches slower than single requests.
 */
#define IPVS_BATCH_MSGS 128
#define IPVS_BATCH_BYTES 3072
#define IPVS_RBUF_BYTES (256 * 1024)
#define IPVS_RCV_TIMEOUT_S 10

struct ipvs_nl {
	struct nl_sock *sk;
	int fd;
	int family;
	uint32_t seq;
	/* queued batch */
	char *buf;
	size_t len;
	uint32_t first_seq;
	size_t tags[IPVS_BATCH_MSGS];
	size_t n_q;
	size_t batch; /* requests per sendmsg, 1..IPVS_BATCH_MSGS */
	char *rbuf;
};

static int nle_to_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_PERM:
		return -EPERM;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_AF_NOSUPPORT:
		return -EAFNOSUPPORT;
	default:
		return -EIO;
	}
}

int ipvs_nl_open(struct ipvs_nl **out, char *why, size_t why_len)
{
	struct ipvs_nl *nl;
	struct timeval tv = {.tv_sec = IPVS_RCV_TIMEOUT_S};
	int bufsz = 4 << 20;
	int err;

	*out = NULL;
	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	nl->buf = malloc(IPVS_BATCH_BYTES);
	nl->rbuf = malloc(IPVS_RBUF_BYTES);
	nl->sk = nl_socket_alloc();
	if (!nl->buf || !nl->rbuf || !nl->sk) {
		err = -ENOMEM;
		goto fail;
	}
	err = genl_connect(nl->sk);
	if (err < 0) {
		err = nle_to_errno(err);
		if (why)
			snprintf(why, why_len,
				 "cannot open a generic netlink socket: %s",
				 strerror(-err));
		goto fail;
	}
	nl->fd = nl_socket_get_fd(nl->sk);
	nl->family = genl_ctrl_resolve(nl->sk, IPVS_GENL_NAME);
	if (nl->family < 0) {
		err = nle_to_errno(nl->family);
		if (why && err == -ENOENT)
			snprintf(why, why_len,
				 "IPVS is not available: generic netlink "
				 "family \"%s\" not found; " IPVS_REMEDY_MODULE,
				 IPVS_GENL_NAME);
		else if (why)
			snprintf(
			    why, why_len,
			    "cannot resolve generic netlink family \"%s\": %s",
			    IPVS_GENL_NAME, strerror(-err));
		goto fail;
	}
	lb_nl_set_ack_opts(nl->fd);
	/* Best effort: the default buffer only makes big dumps slower. */
	(void)lb_nl_set_rcvbuf(nl->fd, bufsz);
	/* A lost ack must not hang the controller. */
	(void)setsockopt(nl->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	nl->seq = (uint32_t)time(NULL);
	nl->batch = IPVS_BATCH_MSGS;
	if (getenv("BALLAST_IPVS_BATCH")) {
		long b = strtol(getenv("BALLAST_IPVS_BATCH"), NULL, 10);

		if (b >= 1 && b <= IPVS_BATCH_MSGS)
			nl->batch = (size_t)b;
	}
	*out = nl;
	return 0;
fail:
	ipvs_nl_close(nl);
	return err;
}

void ipvs_nl_close(struct ipvs_nl *nl)
{
	if (!nl)
		return;
	if (nl->sk)
		nl_socket_free(nl->sk);
	free(nl->buf);
	free(nl->rbuf);
	free(nl);
}

struct nl_msg *ipvs_nl_msg(struct ipvs_nl *nl, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc_size(1024);

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0, flags,
			 cmd, IPVS_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static int recv_some(struct ipvs_nl *nl, ssize_t *got)
{
	ssize_t n;

	do {
		n = recv(nl->fd, nl->rbuf, IPVS_RBUF_BYTES, 0);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT
							       : -errno;
	*got = n;
	return 0;
}

int ipvs_nl_flush(struct ipvs_nl *nl, ipvs_ack_fn fn, void *ctx)
{
	size_t acked = 0;
	ssize_t n, sent;
	int err = 0;

	if (!nl->n_q)
		return 0;
	do {
		sent = send(nl->fd, nl->buf, nl->len, 0);
	} while (sent < 0 && errno == EINTR);
	if (sent < 0) {
		err = -errno;
		goto out;
	}
	while (acked < nl->n_q) {
		struct nlmsghdr *nh;
		int len;

		err = recv_some(nl, &n);
		if (err)
			goto out;
		len = (int)n;
		for (nh = (struct nlmsghdr *)nl->rbuf; NLMSG_OK(nh, len);
		     nh = NLMSG_NEXT(nh, len)) {
			uint32_t idx = nh->nlmsg_seq - nl->first_seq;
			int e;

			if (nh->nlmsg_type != NLMSG_ERROR || idx >= nl->n_q)
				continue;
			e = lb_nl_ack_errno(nh, (size_t)len);
			fn(ctx, nl->tags[idx], e, e ? lb_nl_ext_ack(nh) : NULL);
			acked++;
		}
	}
out:
	nl->n_q = 0;
	nl->len = 0;
	return err;
}

int ipvs_nl_push(struct ipvs_nl *nl, struct nl_msg *msg, size_t tag,
		 ipvs_ack_fn fn, void *ctx)
{
	struct nlmsghdr *nh = nlmsg_hdr(msg);
	size_t sz = NLMSG_ALIGN(nh->nlmsg_len);
	int err;

	if (sz > IPVS_BATCH_BYTES) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	if (nl->n_q >= nl->batch || nl->len + sz > IPVS_BATCH_BYTES) {
		err = ipvs_nl_flush(nl, fn, ctx);
		if (err) {
			nlmsg_free(msg);
			return err;
		}
	}
	nh->nlmsg_seq = ++nl->seq;
	nh->nlmsg_pid = 0;
	nh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	if (!nl->n_q)
		nl->first_seq = nh->nlmsg_seq;
	memcpy(nl->buf + nl->len, nh, nh->nlmsg_len);
	memset(nl->buf + nl->len + nh->nlmsg_len, 0, sz - nh->nlmsg_len);
	nl->len += sz;
	nl->tags[nl->n_q++] = tag;
	nlmsg_free(msg);
	return 0;
}

struct exec_ctx {
	int err;
	char *ext;
	size_t ext_len;
};

static void exec_ack(void *ctx, size_t tag, int err, const char *ext)
{
	struct exec_ctx *c = ctx;

	(void)tag;
	c->err = err;
	if (ext && c->ext && c->ext_len)
		snprintf(c->ext, c->ext_len, "%s", ext);
}

int ipvs_nl_exec(struct ipvs_nl *nl, struct nl_msg *msg, char *ext,
		 size_t ext_len)
{
	struct exec_ctx c = {.err = 0, .ext = ext, .ext_len = ext_len};
	int err;

	if (ext && ext_len)
		ext[0] = '\0';
	err = ipvs_nl_flush(nl, exec_ack, &c);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	err = ipvs_nl_push(nl, msg, 0, exec_ack, &c);
	if (!err)
		err = ipvs_nl_flush(nl, exec_ack, &c);
	return err ? err : c.err;
}

/*
 * Send one request and hand every reply to fn. A dump ends with NLMSG_DONE; a
 * plain request asks for an acknowledgement, which follows its reply.
 */
static int request(struct ipvs_nl *nl, struct nl_msg *msg, bool dump,
		   ipvs_dump_fn fn, void *ctx)
{
	struct nlmsghdr *req = nlmsg_hdr(msg);
	uint32_t seq = ++nl->seq;
	int err = 0, cb_err = 0;
	ssize_t n, sent;

	req->nlmsg_seq = seq;
	req->nlmsg_pid = 0;
	req->nlmsg_flags |= NLM_F_REQUEST | (dump ? NLM_F_DUMP : NLM_F_ACK);
	do {
		sent = send(nl->fd, req, req->nlmsg_len, 0);
	} while (sent < 0 && errno == EINTR);
	nlmsg_free(msg);
	if (sent < 0)
		return -errno;
	for (;;) {
		struct nlmsghdr *nh;
		int len;

		err = recv_some(nl, &n);
		if (err)
			return err;
		len = (int)n;
		for (nh = (struct nlmsghdr *)nl->rbuf; NLMSG_OK(nh, len);
		     nh = NLMSG_NEXT(nh, len)) {
			struct nlattr *tb[IPVS_CMD_ATTR_MAX + 1];

			if (nh->nlmsg_seq != seq)
				continue;
			if (nh->nlmsg_type == NLMSG_DONE)
				return cb_err;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				int e = lb_nl_ack_errno(nh, (size_t)len);

				if (e)
					return e;
				if (!dump)
					return cb_err;
				continue;
			}
			if (cb_err)
				continue; /* drain the dump to its end */
			if (genlmsg_parse(nh, 0, tb, IPVS_CMD_ATTR_MAX, NULL) <
			    0) {
				cb_err = -EBADMSG;
				continue;
			}
			cb_err = fn(ctx, tb);
		}
	}
}

int ipvs_nl_dump(struct ipvs_nl *nl, struct nl_msg *msg, ipvs_dump_fn fn,
		 void *ctx)
{
	return request(nl, msg, true, fn, ctx);
}

int ipvs_nl_get(struct ipvs_nl *nl, struct nl_msg *msg, ipvs_dump_fn fn,
		void *ctx)
{
	return request(nl, msg, false, fn, ctx);
}
