/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The flow hash, shared by the BPF programs and userspace (tests and tools can
 * predict which ring entry a flow uses). A murmur3-style word mix: cheap in
 * BPF, no tables, good avalanche on the 5-tuple.
 */
#ifndef BALLAST_LB_HASH_H
#define BALLAST_LB_HASH_H

#include "lb_shared.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define LB_HASH_SEED 0x5bd1e995u

static __always_inline __u32 lb_hash_mix(__u32 h, __u32 k)
{
	k *= 0xcc9e2d51u;
	k = (k << 15) | (k >> 17);
	k *= 0x1b873593u;
	h ^= k;
	h = (h << 13) | (h >> 19);
	return h * 5 + 0xe6546b64u;
}

static __always_inline __u32 lb_hash_final(__u32 h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

/* Hash of a flow; with src_only, only the source address counts. */
static __always_inline __u32 lb_hash_flow(const struct lb_flow_key *k,
					  int src_only)
{
	__u32 h = LB_HASH_SEED;

	h = lb_hash_mix(h, k->src[0]);
	h = lb_hash_mix(h, k->src[1]);
	h = lb_hash_mix(h, k->src[2]);
	h = lb_hash_mix(h, k->src[3]);
	if (!src_only) {
		h = lb_hash_mix(h, k->dst[0]);
		h = lb_hash_mix(h, k->dst[1]);
		h = lb_hash_mix(h, k->dst[2]);
		h = lb_hash_mix(h, k->dst[3]);
		h = lb_hash_mix(h, ((__u32)k->sport << 16) | k->dport);
		h = lb_hash_mix(h, k->proto);
	}
	return lb_hash_final(h);
}

/* Set of a service key in lb_svc_sets (before masking). */
static __always_inline __u32 lb_hash_svc(const struct lb_svc_key *k)
{
	__u32 h = LB_HASH_SEED;

	h = lb_hash_mix(h, k->addr[0]);
	h = lb_hash_mix(h, k->addr[1]);
	h = lb_hash_mix(h, k->addr[2]);
	h = lb_hash_mix(h, k->addr[3]);
	h = lb_hash_mix(h, ((__u32)k->port << 16) | ((__u32)k->proto << 8) | k->family);
	return lb_hash_final(h);
}

/* Slot of a destination address in lb_vip_filter. */
static __always_inline __u32 lb_vip_slot(const __u32 *addr)
{
	return lb_hash_final(addr[0] ^ addr[1] ^ addr[2] ^ addr[3]) &
	       (LB_VIP_FILTER_SIZE - 1);
}

/* Map a hash onto [0, m) without a division. */
static __always_inline __u32 lb_hash_reduce(__u32 h, __u32 m)
{
	return (__u32)(((__u64)h * m) >> 32);
}

#endif
