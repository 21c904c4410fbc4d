/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ring pool: lb_rings is one array from which each service's two rings
 * take extents of their own size. The pool keeps no state of its own: it is
 * rebuilt from the services' lb_svc_state (the kernel's copy is the truth),
 * so a restarted process knows what is taken.
 */
#ifndef BALLAST_DP_XDP_RINGS_H
#define BALLAST_DP_XDP_RINGS_H

#include <stddef.h>
#include <stdint.h>

#include "dataplane/xdp/bpf/lb_shared.h"

struct xdp_ext {
	uint32_t base, size;
};

struct xdp_pool {
	uint32_t entries;     /* lb_rings' max_entries */
	struct xdp_ext *used; /* sorted by base, disjoint */
	size_t n, cap;
	uint64_t taken; /* sum of used sizes */
};

void xdp_pool_init(struct xdp_pool *p, uint32_t entries);
void xdp_pool_free_all(struct xdp_pool *p);

/*
 * Record both rings of a service's state as taken. An extent that leaves
 * the pool or overlaps one taken already is not recorded: -EUCLEAN (the
 * state is corrupt; read-back reports the ring, apply gives it a new one).
 */
int xdp_pool_add_state(struct xdp_pool *p, const struct lb_svc_state *st)
    __attribute__((warn_unused_result));

/* Take m entries: 0 and *base, or -ENOSPC. */
int xdp_pool_take(struct xdp_pool *p, uint32_t m, uint32_t *base)
    __attribute__((warn_unused_result));

/* Give back the extent at base (a no-op when it is not taken). */
void xdp_pool_give(struct xdp_pool *p, uint32_t base);

/*
 * The extent service svc_id's next ring of size m goes into: the spare
 * slot's own when it has that size, else a new one (the spare's old extent,
 * inactive since the previous flip, is given back first). 0 and *base, or
 * -ENOSPC.
 */
int xdp_pool_spare(struct xdp_pool *p, const struct lb_svc_state *st,
		   uint32_t m, uint32_t *base)
    __attribute__((warn_unused_result));

#endif
