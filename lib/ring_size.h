/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The sizes a Maglev ring may have: one source for the config's validation
 * (dataplane.xdp.ring_size) and the XDP driver's table builder.
 */
#ifndef BALLAST_LIB_RING_SIZE_H
#define BALLAST_LIB_RING_SIZE_H

#include <stdbool.h>
#include <stdint.h>

/* Maglev needs a prime table size, within the bounds Docs/CONFIG.md gives. */
#define LB_RING_MIN_SIZE     251u
#define LB_RING_MAX_SIZE     655373u
#define LB_RING_DEFAULT_SIZE 65537u

bool lb_is_prime(uint32_t n);

/* True when m is a prime within [LB_RING_MIN_SIZE, LB_RING_MAX_SIZE]. */
bool lb_ring_size_ok(uint32_t m);

/* The smallest valid ring size >= n, or 0 when there is none. */
uint32_t lb_ring_size_next(uint32_t n);

#endif
