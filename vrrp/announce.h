/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * VIP announcements for ha.mode: bgp, as kernel routes.
 *
 * A VIP is announced by a route `VIP/32` (or /128) `dev lo proto P table T
 * metric 0` that the node's routing daemon (FRR's zebra, BIRD) sees and its
 * BGP redistributes through a route-map; withdrawing it is deleting the
 * route. The protocol number P marks the routes as Ballast's: every route of
 * protocol P in table T is ours, and no route of another protocol is ever
 * added over, replaced or deleted. Metric 0 because the metric becomes the
 * BGP MED and must be the same on every node.
 *
 * The kernel is the truth: each va_sync() dumps the routes of P in T and
 * converges them to the wanted set (adds the missing, deletes ours that are
 * not wanted: a VIP gone from the config, a route left by a crash, one of
 * ours with another device or metric). Synchronous rtnetlink requests over
 * libmnl (lib/nl.h); no event loop, no `ip` command.
 */
#ifndef BALLAST_VRRP_ANNOUNCE_H
#define BALLAST_VRRP_ANNOUNCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"

struct va;

#define VA_PROTO_DEFAULT 200
#define VA_TABLE_MAIN 254
#define VA_ERR_MAX 256

struct va_opts {
	uint8_t protocol; /* the routes' rtm_protocol (bgp.route_protocol) */
	uint32_t table;	  /* their table (bgp.route_table) */
};

/* Per VIP, after va_sync. */
struct va_result {
	bool announced;		/* our route for it is in the kernel now */
	bool found;		/* a route of ours for it was there before */
	int err;		/* 0 or the -errno of its add/delete */
	char error[VA_ERR_MAX]; /* "route 198.51.100.10/32 dev lo proto 200
				 * table 254: File exists (kernel: ...)" */
};

/* Route changes one call made (counted by the caller). */
struct va_changes {
	size_t added;
	size_t deleted; /* of VIPs in the list, no longer wanted */
	size_t stale;	/* of ours for no VIP in the list (also deleted) */
};

/*
 * Open the rtnetlink socket of the calling thread's namespace. 0 or -errno
 * with `why` naming what failed.
 */
int va_new(const struct va_opts *o, struct va **out, char *why, size_t why_len)
    __attribute__((warn_unused_result));
void va_free(struct va *va);
/* The settings in use. */
void va_get_opts(const struct va *va, struct va_opts *o);

/*
 * New settings (config reload). When the protocol or table changes, the
 * routes of the old ones are withdrawn first (ch may be NULL). 0 or -errno
 * (the old settings stay).
 */
int va_reconfigure(struct va *va, const struct va_opts *o,
		   struct va_changes *ch, char *why, size_t why_len)
    __attribute__((warn_unused_result));

/*
 * Converge: for each vips[i] (distinct addresses), a route when want[i],
 * or when hold[i] (hold may be NULL) and a route of ours for it is in the
 * kernel already (a hold keeps what a restart inherits without announcing
 * anew); none otherwise. Ours for addresses not in vips are deleted. res
 * (n entries) says per VIP what holds now and why not; ch (may be NULL)
 * counts what changed. One dump per call. Every VIP is attempted; returns
 * 0, the first per-VIP error, or the dump's / a stale delete's -errno with
 * `why` naming it.
 */
int va_sync(struct va *va, const struct lb_addr *vips, const bool *want,
	    const bool *hold, size_t n, struct va_result *res,
	    struct va_changes *ch, char *why, size_t why_len)
    __attribute__((warn_unused_result));

/* Delete every route of ours (a clean stop, a drain). Like va_sync. */
int va_withdraw_all(struct va *va, struct va_changes *ch, char *why,
		    size_t why_len) __attribute__((warn_unused_result));

/*
 * Read back the addresses of our routes (host routes only), sorted; *out
 * is freed with free(). 0 or -errno.
 */
int va_read(struct va *va, struct lb_addr **out, size_t *n, char *why,
	    size_t why_len) __attribute__((warn_unused_result));

#endif
