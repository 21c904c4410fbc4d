// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Backend decapsulation for DSR: strip the outer IPIP / IP6IP6 /
 * IPv4-in-IPv6 header of packets addressed to one of this host's tunnel
 * addresses and pass the inner packet to the stack, which then sees the
 * client's packet to the VIP (configured on the backend, e.g. on lo).
 * Everything else passes untouched.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "lb_pkt.h"
#include "lb_shared.h"

/* Tunnel addresses this host accepts (value unused, 0). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct lb_vip_key);
	__type(value, __u32);
} lb_decap_addrs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LB_DECAP_MAX);
	__type(key, __u32);
	__type(value, __u64);
} lb_decap_stats SEC(".maps");

static __always_inline int dstat(__u32 idx, int action)
{
	__u64 *v = bpf_map_lookup_elem(&lb_decap_stats, &idx);

	if (v)
		*v += 1;
	return action;
}

/* Remove hdr bytes after the L2 header; the inner packet is of family inner. */
static __always_inline int strip(struct xdp_md *ctx, const __u32 L2,
				 const __u32 hdr, __u8 inner)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 need = inner == IPPROTO_IPIP ? sizeof(struct iphdr) :
					     sizeof(struct ipv6hdr);

	if (data + L2 + hdr + need > end)
		return dstat(LB_DECAP_MALFORMED, XDP_DROP);
	lb_move_l2(data + hdr, data, L2);
	*(__be16 *)(data + hdr + L2 - 2) =
		bpf_htons(inner == IPPROTO_IPIP ? LB_ETH_P_IP : LB_ETH_P_IPV6);
	if (bpf_xdp_adjust_head(ctx, (int)hdr))
		return dstat(LB_DECAP_MALFORMED, XDP_DROP);
	return dstat(LB_DECAP_OK, XDP_PASS);
}

static __always_inline int decap_l3(struct xdp_md *ctx, __be16 proto,
				    const __u32 L2)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct lb_vip_key k = {};

	if (proto == bpf_htons(LB_ETH_P_IP)) {
		struct iphdr *ip = data + L2;

		if ((void *)(ip + 1) > end)
			return dstat(LB_DECAP_PASS, XDP_PASS);
		if (ip->protocol != IPPROTO_IPIP && ip->protocol != IPPROTO_IPV6)
			return dstat(LB_DECAP_PASS, XDP_PASS);
		/* Our encapsulator never sends options or fragments. */
		if (ip->ihl != 5 || (ip->frag_off & bpf_htons(LB_IP_MF | LB_IP_OFFSET)))
			return dstat(LB_DECAP_PASS, XDP_PASS);
		k.addr[0] = ip->daddr;
		k.family = LB_AF_INET;
		if (!bpf_map_lookup_elem(&lb_decap_addrs, &k))
			return dstat(LB_DECAP_PASS, XDP_PASS);
		return strip(ctx, L2, sizeof(struct iphdr), ip->protocol);
	}
	if (proto == bpf_htons(LB_ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = data + L2;

		if ((void *)(ip6 + 1) > end)
			return dstat(LB_DECAP_PASS, XDP_PASS);
		if (ip6->nexthdr != IPPROTO_IPIP && ip6->nexthdr != IPPROTO_IPV6)
			return dstat(LB_DECAP_PASS, XDP_PASS);
		__builtin_memcpy(k.addr, &ip6->daddr, 16);
		k.family = LB_AF_INET6;
		if (!bpf_map_lookup_elem(&lb_decap_addrs, &k))
			return dstat(LB_DECAP_PASS, XDP_PASS);
		return strip(ctx, L2, sizeof(struct ipv6hdr), ip6->nexthdr);
	}
	return dstat(LB_DECAP_PASS, XDP_PASS);
}

SEC("xdp")
int xdp_decap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct lb_vlan_hdr *vh;

	if ((void *)(eth + 1) > end)
		return dstat(LB_DECAP_PASS, XDP_PASS);
	if (eth->h_proto != bpf_htons(LB_ETH_P_8021Q))
		return decap_l3(ctx, eth->h_proto, sizeof(*eth));
	vh = (void *)(eth + 1);
	if ((void *)(vh + 1) > end)
		return dstat(LB_DECAP_PASS, XDP_PASS);
	return decap_l3(ctx, vh->proto, sizeof(*eth) + sizeof(*vh));
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
