/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one wrapper around the kernel's "IPVS" generic-netlink family. Message
 * construction and parsing use libnl-genl-3; requests are sent in batches
 * (many messages per sendmsg, acknowledgements matched back by sequence
 * number) because a plan of 100,000 destinations is otherwise dominated by
 * system calls. Errors come back as negative errno plus the kernel's
 * extended-ack text when it gave one.
 */
#ifndef BALLAST_DATAPLANE_IPVS_NL_H
#define BALLAST_DATAPLANE_IPVS_NL_H

#include <stddef.h>
#include <stdint.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

struct ipvs_nl;

/* The remedy when the family (the ip_vs module) is absent. */
#define IPVS_REMEDY_MODULE "load the kernel module with `modprobe ip_vs`"

/*
 * Connect and resolve the family. -ENOENT when the family is absent (ip_vs
 * not loaded), -EPERM/-EACCES without privileges; `why` (may be NULL) gets a
 * message naming the fix.
 */
int ipvs_nl_open(struct ipvs_nl **out, char *why, size_t why_len)
    __attribute__((warn_unused_result));
void ipvs_nl_close(struct ipvs_nl *nl);

/* A request for `cmd` with `flags` (NLM_F_DUMP or 0); NULL on ENOMEM. */
struct nl_msg *ipvs_nl_msg(struct ipvs_nl *nl, uint8_t cmd, int flags);

/*
 * Called once per acknowledged request: tag is what was pushed, err 0 or
 * -errno, ext the kernel's extended-ack text or NULL.
 */
typedef void (*ipvs_ack_fn)(void *ctx, size_t tag, int err, const char *ext);

/*
 * Queue a request (ownership of msg passes to the call). Requests are sent
 * when the batch is full or on ipvs_nl_flush(); acknowledgements arrive in
 * order through `fn`. Returns 0 or a transport error (-errno), after which
 * the batch is abandoned.
 */
int ipvs_nl_push(struct ipvs_nl *nl, struct nl_msg *msg, size_t tag,
		 ipvs_ack_fn fn, void *ctx) __attribute__((warn_unused_result));
int ipvs_nl_flush(struct ipvs_nl *nl, ipvs_ack_fn fn, void *ctx)
    __attribute__((warn_unused_result));

/* One synchronous request; 0 or -errno, ext-ack text copied into ext. */
int ipvs_nl_exec(struct ipvs_nl *nl, struct nl_msg *msg, char *ext,
		 size_t ext_len) __attribute__((warn_unused_result));

/*
 * Dump: send msg (NLM_F_DUMP) and call fn for every reply's top-level
 * attributes (indexed by IPVS_CMD_ATTR_*). fn returns 0 or -errno to stop.
 */
typedef int (*ipvs_dump_fn)(void *ctx, struct nlattr **tb);
int ipvs_nl_dump(struct ipvs_nl *nl, struct nl_msg *msg, ipvs_dump_fn fn,
		 void *ctx) __attribute__((warn_unused_result));

/*
 * A plain request (flags 0) whose reply is handled like a dump's: fn is
 * called for it, then the acknowledgement ends the call. 0, fn's error, or
 * the kernel's -errno (e.g. -ESRCH for a service that does not exist).
 */
int ipvs_nl_get(struct ipvs_nl *nl, struct nl_msg *msg, ipvs_dump_fn fn,
		void *ctx) __attribute__((warn_unused_result));

#endif
