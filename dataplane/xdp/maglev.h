/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Maglev lookup tables (Eisenbud et al., NSDI 2016) for the XDP forwarder,
 * weighted. Every node builds the identical table from the same set of reals
 * whatever their order in the config, because reals are sorted by their key
 * (family, address, port) and hashed from it alone.
 */
#ifndef BALLAST_DP_XDP_MAGLEV_H
#define BALLAST_DP_XDP_MAGLEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"
#include "lib/ring_size.h" /* the sizes a table may have: lb_ring_size_ok() */

struct dp_maglev_real {
	struct lb_addr addr; /* with port: the stable key */
	uint16_t port;
	uint32_t id;         /* value stored in the table; never 0 */
	uint32_t weight;     /* 0: never in the table */
};

/*
 * Fill table[0..m) with real ids. Each real with weight w gets
 * floor(m * w / W) entries or one more (W is the total weight), reals of
 * weight 0 none. With no weight at all the table is all 0 ("no real").
 * Memory is O(m + n) besides the table.
 * Returns 0, -EINVAL (m not lb_ring_size_ok(), id 0, duplicate key) or
 * -ENOMEM.
 */
int dp_maglev_build(const struct dp_maglev_real *reals, size_t n, uint32_t m,
		    uint32_t *table) __attribute__((warn_unused_result));

#endif
