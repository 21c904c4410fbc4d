/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The flow, service and VIP hashes, shared by the BPF programs and userspace
 * (tests and tools can predict which ring entry a flow uses). Each word is
 * multiplied by its own 64-bit odd constant and the products summed, so the
 * multiplies run in parallel rather than as a serial chain. Flow hashes then
 * go through one multiply-xorshift mix (the flow set is addressed by the high
 * half and the fingerprint is the low half, which must not follow it; the
 * mix runs beside the other work and measured free). The service set index
 * and the VIP filter slot take high bits of a product directly
 * (multiply-shift hashing): they sit on every packet's critical path. No
 * tables, a few nanoseconds.
 */
#ifndef BALLAST_LB_HASH_H
#define BALLAST_LB_HASH_H

#include "lb_shared.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define LB_HASH_SEED 0x5bd1e9955bd1e995ull

/* The 64-bit mix of the flow hashes (a bijection of its input). */
static __always_inline __u64 lb_hash_mix(__u64 h)
{
	h ^= LB_HASH_SEED;
	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 29;
	h *= 0x94d049bb133111ebull;
	return h;
}

static __always_inline __u32 lb_hash_fold(__u64 h)
{
	return (__u32)(lb_hash_mix(h) >> 32);
}

/* The multiply-sum of a flow's words; with src_only, the source address only. */
static __always_inline __u64 lb_flow_sum(const struct lb_flow_key *k, int src_only)
{
	__u64 h = (__u64)k->src[0] * 0x9e3779b97f4a7c15ull +
		  (__u64)k->src[1] * 0xc2b2ae3d27d4eb4full +
		  (__u64)k->src[2] * 0x165667b19e3779f9ull +
		  (__u64)k->src[3] * 0xd6e8feb86659fd93ull;

	if (!src_only)
		h += (__u64)k->dst[0] * 0xa0761d6478bd642full +
		     (__u64)k->dst[1] * 0xe7037ed1a0b428dbull +
		     (__u64)k->dst[2] * 0x8ebc6af09c88c6e3ull +
		     (__u64)k->dst[3] * 0x589965cc75374cc3ull +
		     (__u64)(((__u32)k->sport << 16) | k->dport) * 0x1d8e4e27c47d124full +
		     (__u64)k->proto * 0xff51afd7ed558ccdull;
	return h;
}

/* Hash of a flow (ring position, flow set); with src_only, the source only. */
static __always_inline __u32 lb_hash_flow(const struct lb_flow_key *k,
					  int src_only)
{
	return lb_hash_fold(lb_flow_sum(k, src_only));
}

/*
 * The whole 64-bit flow hash: its high half is lb_hash_flow(k, 0), which
 * picks the ring entry and the flow set, its low half the flow's
 * fingerprint in the flow table (lb_flow_fp). After the mix the low half
 * behaves like random bits whatever the high half, so two flows of one set
 * share a fingerprint with probability 2^-31.
 */
static __always_inline __u64 lb_hash_flow64(const struct lb_flow_key *k)
{
	return lb_hash_mix(lb_flow_sum(k, 0));
}

/*
 * Set of a service key in lb_svc_sets (before masking): bits 32-63 of the
 * multiply-sum, without the final mix, which would sit on the critical path
 * of every packet for a service (multiply-shift hashing; sets that overflow
 * fall back to lb_services).
 */
static __always_inline __u32 lb_hash_svc(const struct lb_svc_key *k)
{
	return (__u32)(((__u64)k->addr[0] * 0x9e3779b97f4a7c15ull +
			(__u64)k->addr[1] * 0xc2b2ae3d27d4eb4full +
			(__u64)k->addr[2] * 0x165667b19e3779f9ull +
			(__u64)k->addr[3] * 0xd6e8feb86659fd93ull +
			(__u64)(((__u32)k->port << 16) | ((__u32)k->proto << 8) |
				k->family) * 0xa0761d6478bd642full) >> 32);
}

/*
 * Slot of an IPv4 destination in lb_vip_filter: lb_vip_slot of its words.
 * One multiply and the high bits (multiplicative hashing): every packet
 * pays for this, and a collision only costs the lb_vips lookup after it.
 */
static __always_inline __u32 lb_vip_slot4(__u32 addr)
{
	return (addr * 0x9e3779b1u) >> (32 - LB_VIP_FILTER_BITS);
}

/* Slot of a destination address in lb_vip_filter. */
static __always_inline __u32 lb_vip_slot(const __u32 *addr)
{
	return lb_vip_slot4(addr[0] ^ addr[1] ^ addr[2] ^ addr[3]);
}

/* Map a hash onto [0, m) without a division. */
static __always_inline __u32 lb_hash_reduce(__u32 h, __u32 m)
{
	return (__u32)(((__u64)h * m) >> 32);
}

/* The set of a flow (lb_hash_flow64 of it) in a slice of `sets` sets. */
static __always_inline __u32 lb_flow_set_of(__u64 hash64, __u32 sets)
{
	return lb_hash_reduce((__u32)(hash64 >> 32), sets);
}

/* Fingerprint of a flow in its set: never 0, which marks an empty way. */
static __always_inline __u32 lb_flow_fp(__u64 hash64)
{
	return (__u32)hash64 | 1u;
}

#endif
