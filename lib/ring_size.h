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

/*
 * Entries a real gets in a ring sized for its service: at 100 a real,
 * Maglev's shares stay within 1 % and a removal moves ~1-2 % of the ring
 * beyond the removed real's own share (tests/unit/test_maglev.c).
 */
#define LB_RING_PER_REAL 100u

/*
 * The ring size of a service of `reals` reals: the smallest valid size
 * >= LB_RING_PER_REAL * reals, at most `max` (a valid size).
 */
uint32_t lb_ring_size_for(uint32_t reals, uint32_t max);

/*
 * May a service of `reals` reals keep a ring of size cur? Yes while cur is
 * valid, within max, at least lb_ring_size_for() and less than 4 times it:
 * a removed real does not resize the ring (which would move every flow the
 * flow table does not hold), an added one resizes it only past the bound.
 */
bool lb_ring_size_keep(uint32_t cur, uint32_t reals, uint32_t max);

#endif
