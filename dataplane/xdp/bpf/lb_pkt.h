/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Header layouts the uapi does not export, and one's-complement checksum
 * helpers for incremental updates (RFC 1624) from BPF.
 */
#ifndef BALLAST_LB_PKT_H
#define BALLAST_LB_PKT_H

#include <linux/types.h>

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define LB_ETH_P_8021Q 0x8100
#define LB_ETH_P_IP    0x0800
#define LB_ETH_P_IPV6  0x86DD

#define LB_IPPROTO_SCTP 132
#define LB_IP_MF        0x2000
#define LB_IP_OFFSET    0x1fff

/*
 * Packet data has no alignment, so __builtin_memcpy on it copies a byte at a
 * time. These copy with wide loads and stores instead: x86-64 and arm64 access
 * unaligned data at full speed, and there the verifier allows unaligned
 * packet access.
 */

/* Both Ethernet addresses and, when L2 is 18, the VLAN tag: src to dst. */
static __always_inline void lb_move_l2(void *dst, const void *src, const __u32 L2)
{
	__u64 a = *(const __u64 *)src;
	__u32 b = *(const __u32 *)(src + 8);

	if (L2 == 18) {
		__u32 tag = *(const __u32 *)(src + 12);

		*(__u32 *)(dst + 12) = tag;
	}
	*(__u64 *)dst = a;
	*(__u32 *)(dst + 8) = b;
}

/* The 12 bytes of destination then source address from macs. */
static __always_inline void lb_put_macs(void *eth, const __u8 *macs)
{
	*(__u64 *)eth = *(const __u64 *)macs;
	*(__u32 *)(eth + 8) = *(const __u32 *)(macs + 8);
}

struct lb_vlan_hdr {
	__be16 tci;
	__be16 proto;
};

struct lb_sctp_hdr {
	__be16 source;
	__be16 dest;
	__be32 vtag;
	__le32 checksum;
};

#define LB_ICMP_ECHOREPLY    0
#define LB_ICMP_DEST_UNREACH 3
#define LB_ICMP_ECHO         8

struct lb_icmphdr {
	__u8 type;
	__u8 code;
	__sum16 checksum;
	__be32 rest;
};

struct lb_frag_hdr {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off; /* offset << 3 | M flag */
	__be32 id;
};

/*
 * An accumulator of "remove old word, add new word" terms, applied once to a
 * checksum field. Values are taken as they lie in memory, so byte order does
 * not matter.
 */
static __always_inline __u32 lb_csum_acc32(__u32 acc, __u32 from, __u32 to)
{
	return acc + (__u16)~(from & 0xffff) + (__u16)~(from >> 16) +
	       (to & 0xffff) + (to >> 16);
}

static __always_inline __u32 lb_csum_acc16(__u32 acc, __u16 from, __u16 to)
{
	return acc + (__u16)~from + to;
}

static __always_inline __u32 lb_csum_acc128(__u32 acc, const __u32 *from,
					    const __u32 *to)
{
	acc = lb_csum_acc32(acc, from[0], to[0]);
	acc = lb_csum_acc32(acc, from[1], to[1]);
	acc = lb_csum_acc32(acc, from[2], to[2]);
	return lb_csum_acc32(acc, from[3], to[3]);
}

static __always_inline __u16 lb_csum_fold(__u32 c)
{
	c = (c & 0xffff) + (c >> 16);
	c = (c & 0xffff) + (c >> 16);
	return (__u16)c;
}

/* Apply an accumulator to a stored checksum: HC' = ~(~HC + sum of diffs). */
static __always_inline __u16 lb_csum_apply(__u16 check, __u32 acc)
{
	return ~lb_csum_fold((__u16)~check + acc);
}

#endif
