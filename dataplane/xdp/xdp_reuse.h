/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Quarantined real ids handed back to the same backend. A freed id is held
 * for XDP_REAL_QUARANTINE_S so that a flow entry still naming it cannot
 * land on another backend. When the same backend (address, port, family)
 * is added again within that time, as a standby node that withdrew its
 * services does when it takes over again, its old id is safe to reuse at
 * once: the flows naming it go where they went before, and the packet
 * path's service check re-picks those of another service. Without this,
 * every withdraw and take-over within two minutes needs a second set of
 * ids, and a large table runs out.
 */
#ifndef BALLAST_DATAPLANE_XDP_XDP_REUSE_H
#define BALLAST_DATAPLANE_XDP_XDP_REUSE_H

#include <stddef.h>
#include <stdint.h>

#include "dataplane/xdp/xdp_internal.h"
#include "reconcile/model.h"

/* By backend, the freed ids that remember theirs (flags = old family). */
struct xdp_reuse {
	uint32_t *slot; /* 1 + index into freed, 0 empty */
	size_t mask;
	uint8_t *taken; /* by index into freed */
	const struct xdp_ids *freed;
	const struct dp *dp;
};

/* Index `freed` (ids of the dp's lb_reals). 0 or -ENOMEM. */
int xdp_reuse_build(struct xdp_reuse *r, const struct dp *dp,
		    const struct xdp_ids *freed)
    __attribute__((warn_unused_result));
/*
 * A freed id that held this backend and is not taken yet, marked taken and
 * returned with its index in freed (*at); 0 when there is none.
 */
uint32_t xdp_reuse_take(struct xdp_reuse *r, const struct rc_real *want,
			size_t *at);
/* Forget every take (after counting what a plan could reuse). */
void xdp_reuse_untake(struct xdp_reuse *r);
void xdp_reuse_free(struct xdp_reuse *r);

#endif
