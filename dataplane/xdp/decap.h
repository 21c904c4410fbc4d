/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The DSR backend's side: xdp_decap (decap.bpf.o) attached to the interface
 * tunnelled packets arrive on, through a bpf_link pinned under
 * <pin_root>/decap/<interface>/ with its two maps, so it outlives the command
 * that attached it. The tunnel addresses it accepts live in lb_decap_addrs.
 */
#ifndef BALLAST_DP_XDP_DECAP_H
#define BALLAST_DP_XDP_DECAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "lib/addr.h"

/* The most tunnel addresses one interface accepts (lb_decap_addrs). */
#define DP_XDP_DECAP_MAX_ADDRS 64

struct dp_xdp_decap_status {
	bool attached;	/* the pinned link is attached to the interface */
	size_t n_addrs; /* tunnel addresses accepted (up to the max) */
	struct lb_addr addrs[DP_XDP_DECAP_MAX_ADDRS];
	uint64_t ok;	    /* outer header stripped */
	uint64_t pass;	    /* not a tunnel packet for this host */
	uint64_t malformed; /* truncated tunnel packet, dropped */
};

/*
 * Attach (or, when already attached, replace the program of the pinned link
 * in one update and keep the maps) and make addrs[0..n) the exact set of
 * accepted tunnel addresses. 0 or negative errno, with the reason logged.
 */
int dp_xdp_decap_attach(const char *pin_root, const char *ifname,
			enum cfg_xdp_mode mode, const struct lb_addr *addrs,
			size_t n) __attribute__((warn_unused_result));

/* Detach and unpin everything; 0 also when nothing was attached. */
int dp_xdp_decap_detach(const char *pin_root, const char *ifname)
    __attribute__((warn_unused_result));

/* What is pinned for ifname: 0, -ENOENT when nothing, or negative errno. */
int dp_xdp_decap_status(const char *pin_root, const char *ifname,
			struct dp_xdp_decap_status *st)
    __attribute__((warn_unused_result));

#endif
