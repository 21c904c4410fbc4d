/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Netlink done once: a libmnl socket with capped, extended acknowledgements,
 * requests matched to their replies by sequence number, and the kernel's
 * errors turned into -errno plus its extended-ack text, formatted for users
 * as "object: strerror (kernel: text)".
 *
 * The pieces that do not need the socket (lb_nl_ack_errno, lb_nl_ext_ack,
 * lb_nl_set_ack_opts, lb_nl_strerror) also serve code that builds its
 * messages with another library (dataplane/ipvs uses libnl-genl-3).
 */
#ifndef BALLAST_LIB_NL_H
#define BALLAST_LIB_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>

struct lb_nl;

/*
 * Open a netlink socket of `bus` (NETLINK_ROUTE, ...), bound to a port the
 * kernel picks, with NETLINK_CAP_ACK and NETLINK_EXT_ACK turned on.
 * rcvbuf > 0 sets the receive buffer (bytes; tests shrink it). 0 or -errno,
 * `why` (may be NULL) naming what failed.
 */
int lb_nl_open(struct lb_nl **out, int bus, int rcvbuf, char *why,
	       size_t why_len) __attribute__((warn_unused_result));
void lb_nl_close(struct lb_nl *nl);
int lb_nl_fd(const struct lb_nl *nl);
/* Join a multicast group (RTNLGRP_LINK, ...). 0 or -errno. */
int lb_nl_join(struct lb_nl *nl, unsigned int group)
    __attribute__((warn_unused_result));
/*
 * Have the kernel check dump requests strictly and filter them on the
 * header's fields (NETLINK_GET_STRICT_CHK). Best effort: older kernels dump
 * everything, so callers still filter what they read.
 */
void lb_nl_strict_check(struct lb_nl *nl);
/*
 * Parse the attributes after a family header of hdrlen bytes into tb
 * (max + 1 entries, zeroed by the caller): tb[type] is the last attribute
 * of each type up to max. 0 or -errno for a malformed message.
 */
int lb_nl_attrs(const struct nlmsghdr *nh, size_t hdrlen,
		const struct nlattr **tb, unsigned int max);
/* The same for the attributes nested in nest. */
int lb_nl_attrs_nested(const struct nlattr *nest, const struct nlattr **tb,
		       unsigned int max);
/* Make recv non-blocking (for an event loop). 0 or -errno. */
int lb_nl_set_nonblock(struct lb_nl *nl, bool on)
    __attribute__((warn_unused_result));

/*
 * Called for every data message read (not acks, errors or NLMSG_DONE):
 * replies to the request and, on a socket that joined groups, the
 * notifications that arrive between them (their nlmsg_seq differs). Returns
 * 0 to go on or -errno to fail the request (the reply is still drained).
 */
typedef int (*lb_nl_msg_fn)(void *arg, const struct nlmsghdr *nh);

/*
 * Send one request (flags get NLM_F_REQUEST and, unless it is a dump,
 * NLM_F_ACK; the sequence number is set here) and read until its
 * NLMSG_DONE or acknowledgement. 0, fn's error, the kernel's -errno with
 * its extended-ack text copied into ext (may be NULL), or a transport
 * error. -ENOBUFS: the socket overflowed meanwhile and dropped
 * notifications (the replies were read to their end).
 */
int lb_nl_request(struct lb_nl *nl, struct nlmsghdr *req, lb_nl_msg_fn fn,
		  void *arg, char *ext, size_t ext_len)
    __attribute__((warn_unused_result));

/*
 * Read what is queued without blocking (the socket must be non-blocking)
 * and hand every message to fn. 0 when drained, -ENOBUFS when the kernel
 * dropped messages (the caller must read its state again), other -errno.
 * At most max_reads recv calls, so one busy socket cannot starve a loop.
 */
int lb_nl_drain(struct lb_nl *nl, lb_nl_msg_fn fn, void *arg,
		unsigned int max_reads) __attribute__((warn_unused_result));

/* ---- helpers that need no lb_nl --------------------------------------- */

/* Turn on NETLINK_CAP_ACK and NETLINK_EXT_ACK (best effort) on any fd. */
void lb_nl_set_ack_opts(int fd);
/*
 * Size fd's receive buffer to bytes: SO_RCVBUFFORCE, which ignores
 * net.core.rmem_max but needs CAP_NET_ADMIN, else SO_RCVBUF. 0 or -errno.
 */
int lb_nl_set_rcvbuf(int fd, int bytes);
/*
 * The error an NLMSG_ERROR message carries: 0 (an ack), -errno, or
 * -EBADMSG when the message is too short to hold one. len is what was
 * received from nh on (nlmsg_len is checked against it).
 */
int lb_nl_ack_errno(const struct nlmsghdr *nh, size_t len);
/*
 * The kernel's extended-ack text (NLMSGERR_ATTR_MSG) of an NLMSG_ERROR
 * message, pointing into the message, or NULL. Bounded by nlmsg_len.
 */
const char *lb_nl_ext_ack(const struct nlmsghdr *nh);
/*
 * "object: strerror(-err)" plus " (kernel: ext)" when ext is non-empty.
 * Returns the length written like snprintf (truncated output stays
 * terminated).
 */
int lb_nl_strerror(char *buf, size_t len, const char *object, int err,
		   const char *ext);

#endif
