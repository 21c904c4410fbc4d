// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The load balancer's packet path: xdp_lb on ingress, tc_nat_egress on the
 * interface NAT replies leave through. Docs/XDP.md describes every verdict.
 *
 * The Ethernet header length (14, or 18 with one 802.1Q tag) is turned into a
 * compile-time constant by specialising the L3 code for both cases, so every
 * header offset the verifier sees is constant or bounded by the IPv4 IHL.
 */
#include <linux/bpf.h>
#include <linux/icmpv6.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "lb_hash.h"
#include "lb_maps.h"
#include "lb_pkt.h"
#include "lb_shared.h"

/* Load-time settings, written by the loader before load. */
/* The largest ring a service has (dataplane.xdp.ring_size). */
const volatile __u32 lb_ring_size = 65537;
const volatile __u32 lb_flow_sets = 4096;  /* lb_flows sets per CPU */
const volatile __u32 lb_svc_mask = 255;    /* lb_svc_sets sets - 1 (power of two) */

/*
 * Variable header offsets (IPv4 IHL, ICMP quotes) are masked so the verifier
 * knows their bound; every offset used is below 256 anyway.
 */
#define PKT_AT(data, off) ((void *)(data) + ((off) & 0xff))

/* What the parser learnt about a packet headed for a service. */
struct lb_pkt {
	struct lb_flow_key k; /* client -> service tuple */
	__u32 len;            /* frame length on arrival */
	__u32 l4;             /* offset of the transport (or ICMP) header */
	__u32 in_l3;          /* ICMP error: offset of the quoted IP header */
	__u32 in_l4;          /* ICMP error: offset of the quoted L4 header */
	__u32 hash;           /* lb_hash_flow(k, 0), set by pick_real */
	__u32 fp;             /* lb_flow_fp() of the flow, set by pick_real */
	__u8 tcp_flags;
	__u8 frag;            /* fragment: ports unknown, no flow state */
	__u8 icmp_err;        /* ICMP error quoting k (reversed) */
	__u8 pad;
};

static __always_inline void stat_inc(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&lb_stats, &idx);

	if (v)
		*v += 1;
}

static __always_inline int verdict(__u32 idx, int action)
{
	stat_inc(idx);
	return action;
}

static __always_inline void ctr_add(void *map, __u32 idx, __u32 len)
{
	struct lb_ctr *c = bpf_map_lookup_elem(map, &idx);

	if (c) {
		c->packets += 1;
		c->bytes += len;
	}
}

static __always_inline void copy128(__u32 *dst, const __u32 *src)
{
	dst[0] = src[0];
	dst[1] = src[1];
	dst[2] = src[2];
	dst[3] = src[3];
}

/* ---- new-flow rate limit ------------------------------------------------- */

static __always_inline int flood_allow(const struct lb_cfg *cfg)
{
	struct lb_flood *f;
	__u32 zero = 0;
	__u64 now;

	if (!cfg || !cfg->new_flow_rate)
		return 1;
	f = bpf_map_lookup_elem(&lb_flood, &zero);
	if (!f)
		return 1;
	now = bpf_ktime_get_ns();
	if (now - f->window > 1000000000ull) {
		f->window = now;
		f->count = 0;
	}
	if (f->count >= cfg->new_flow_rate)
		return 0;
	f->count++;
	return 1;
}

/* ---- real selection -------------------------------------------------------- */

/*
 * Remember flow -> real in its set: the way with its fingerprint, else an
 * empty way, else the least recently used one.
 */
static __always_inline void flow_store(struct lb_flow_set *set, __u32 fp,
				       __u32 id)
{
	__u32 victim = 0, best = 0;

#pragma unroll
	for (__u32 w = 0; w < LB_FLOW_WAYS; w++) {
		/* Age since last use (mod 2^16); an empty way beats any age. */
		__u32 age = set->fp[w] ? (__u16)(set->clock - set->stamp[w]) : 0x10000;

		if (set->fp[w] == fp) {
			victim = w;
			break;
		}
		if (age >= best) {
			best = age;
			victim = w;
		}
	}
	if (victim < LB_FLOW_WAYS) {
		set->real_id[victim] = id;
		set->stamp[victim] = ++set->clock;
		set->fp[victim] = fp;
	}
}

/* A TCP segment opening a connection: SYN without ACK. */
static __always_inline int is_syn(const struct lb_pkt *p)
{
	return p->k.proto == IPPROTO_TCP && (p->tcp_flags & 0x12) == 0x02;
}

/*
 * Flow table first (unless the packet is a fragment), then the service's
 * active Maglev ring. A SYN skips the lookup, as a new connection follows the
 * current ring (a drained real gets none, even on a reused tuple), and its
 * choice replaces what the set held for the tuple. Returns the real or NULL
 * (no usable real).
 */
static __always_inline struct lb_real *
pick_real(struct lb_pkt *p, const struct lb_svc_val *svc,
	  const struct lb_cfg *cfg, __u32 *real_id)
{
	struct lb_flow_set *set = NULL;
	struct lb_svc_state *st;
	struct lb_real *real;
	__u32 id, idx, slot, m;
	__u64 h64 = lb_hash_flow64(&p->k);
	__u32 *v;

	p->hash = (__u32)(h64 >> 32);
	p->fp = lb_flow_fp(h64);
	if (!p->frag) {
		/* This CPU's slice; an index past the map finds no set. */
		idx = bpf_get_smp_processor_id() * lb_flow_sets +
		      lb_flow_set_of(h64, lb_flow_sets);
		set = bpf_map_lookup_elem(&lb_flows, &idx);
		if (set && !is_syn(p)) {
#pragma unroll
			for (__u32 w = 0; w < LB_FLOW_WAYS; w++) {
				if (set->fp[w] != p->fp)
					continue;
				id = set->real_id[w];
				real = bpf_map_lookup_elem(&lb_reals, &id);
				if (real && real->family && real->svc_id == svc->id) {
					set->stamp[w] = ++set->clock;
					stat_inc(LB_STAT_LRU_HIT);
					*real_id = id;
					return real;
				}
				break;
			}
		}
		stat_inc(LB_STAT_LRU_MISS);
	}

	st = bpf_map_lookup_elem(&lb_svc_state, &svc->id);
	if (!st)
		return NULL;
	slot = st->ring_slot & 1;
	m = st->size[slot];
	if (!m || m > lb_ring_size)
		return NULL;
	idx = st->base[slot] +
	      lb_hash_reduce(p->frag || (svc->flags & LB_SVC_SRC_HASH) ?
				     lb_hash_flow(&p->k, 1) : p->hash, m);
	v = bpf_map_lookup_elem(&lb_rings, &idx);
	if (!v || !*v)
		return NULL;
	id = *v;
	/*
	 * A packet that read the state just before a flip may read an extent
	 * the driver has since given to another service: its real is not ours.
	 */
	real = bpf_map_lookup_elem(&lb_reals, &id);
	if (!real || !real->family || real->svc_id != svc->id)
		return NULL;
	*real_id = id;

	/* Remember the choice, except for RST, ICMP errors and fragments. */
	if (set && !p->icmp_err &&
	    !(p->k.proto == IPPROTO_TCP && (p->tcp_flags & 0x04))) {
		if (flood_allow(cfg))
			flow_store(set, p->fp, id);
		else
			stat_inc(LB_STAT_FLOOD_BYPASS);
	}
	return real;
}

/* ---- transmit -------------------------------------------------------------- */

/* Frame ready but for the MACs: write them (dmac then smac) and send. */
static __always_inline int send(struct xdp_md *ctx, __u32 ifindex,
				const __u8 *macs)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;

	if (data + 12 > end)
		return verdict(LB_STAT_DROP_MALFORMED, XDP_DROP);
	lb_put_macs(data, macs);
	if (ifindex == ctx->ingress_ifindex)
		return verdict(LB_STAT_TX, XDP_TX);
	stat_inc(LB_STAT_REDIRECT);
	return bpf_redirect(ifindex, 0);
}

/*
 * Resolve the next hop toward the real with bpf_fib_lookup, set the MACs, and
 * send the frame. A successful answer is kept per CPU and per real for
 * cfg->fib_refresh packets, or until userspace bumps cfg->fib_gen after a
 * route or neighbour change; unresolved neighbours are never cached.
 */
static __always_inline int xmit_fib(struct xdp_md *ctx, const __u32 *src,
				    const struct lb_real *real, struct lb_nh *nh,
				    const struct lb_cfg *cfg)
{
	const __u32 *dst = real->addr;
	struct bpf_fib_lookup f = {};
	struct lb_nh tmp;
	int rc;

	f.ifindex = ctx->ingress_ifindex;
	if (real->family == LB_AF_INET) {
		f.family = LB_AF_INET;
		f.ipv4_src = src[0];
		f.ipv4_dst = dst[0];
	} else {
		f.family = LB_AF_INET6;
		copy128(f.ipv6_src, src);
		copy128(f.ipv6_dst, dst);
	}
	rc = bpf_fib_lookup(ctx, &f, sizeof(f), 0);
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH)
		return verdict(LB_STAT_PASS_NO_NEIGH, XDP_PASS);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS)
		return verdict(LB_STAT_DROP_NO_ROUTE, XDP_DROP);
	if (!nh) {
		nh = &tmp; /* no cache: only the MACs, for send() */
	} else if (cfg) {
		nh->gen = cfg->fib_gen;
		nh->budget = cfg->fib_refresh - 1;
	}
	nh->ifindex = f.ifindex;
	__builtin_memcpy(nh->dmac, f.dmac, ETH_ALEN);
	__builtin_memcpy(nh->smac, f.smac, ETH_ALEN);
	return send(ctx, nh->ifindex, nh->dmac);
}

/*
 * The cached next hop when it is still good; the lookup (and its 64-byte
 * request on the stack) only on a miss.
 */
static __always_inline int xmit(struct xdp_md *ctx, const __u32 *src,
			   const struct lb_real *real, __u32 real_id,
			   const struct lb_cfg *cfg)
{
	struct lb_nh *nh = NULL;

	if (cfg && cfg->fib_refresh) {
		nh = bpf_map_lookup_elem(&lb_nh_cache, &real_id);
		if (nh && nh->budget && nh->gen == cfg->fib_gen) {
			nh->budget--;
			return send(ctx, nh->ifindex, nh->dmac);
		}
	}
	return xmit_fib(ctx, src, real, nh, cfg);
}

/* ---- DSR: IPIP / IP6IP6 / IPv4-in-IPv6 --------------------------------------- */

/*
 * Outer IPv4 header checksum from the values written, not re-read from the
 * packet: version/ihl/tos, tot_len, ttl/protocol, both addresses (id and
 * frag_off are zero).
 */
static __always_inline __u16 ip4_csum(__u8 tos, __u16 tot_len, __u8 proto,
				      __u32 saddr, __u32 daddr)
{
	__u32 s = bpf_htons((0x45 << 8) | tos) + bpf_htons(tot_len) +
		  bpf_htons((64 << 8) | proto) + (saddr & 0xffff) + (saddr >> 16) +
		  (daddr & 0xffff) + (daddr >> 16);

	return ~lb_csum_fold(s);
}

static __always_inline int encap(struct xdp_md *ctx, struct lb_pkt *p,
				 const struct lb_real *real, __u32 real_id,
				 const struct lb_cfg *cfg, const __u32 L2)
{
	__u32 inner_len = p->len - L2;
	__u8 inner = p->k.family == LB_AF_INET ? IPPROTO_IPIP : IPPROTO_IPV6;
	__u8 tos = 0;
	void *data, *end;

	if (!cfg)
		return verdict(LB_STAT_DROP_ENCAP, XDP_DROP);
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	if (p->k.family == LB_AF_INET) {
		struct iphdr *in = data + L2;

		if ((void *)(in + 1) > end)
			return verdict(LB_STAT_DROP_MALFORMED, XDP_DROP);
		tos = in->tos;
	} else {
		struct ipv6hdr *in6 = data + L2;

		if ((void *)(in6 + 1) > end)
			return verdict(LB_STAT_DROP_MALFORMED, XDP_DROP);
		tos = (in6->priority << 4) | (in6->flow_lbl[0] >> 4);
	}

	if (real->family == LB_AF_INET) {
		__u32 *w, tot;

		if (bpf_xdp_adjust_head(ctx, -(int)sizeof(struct iphdr)))
			return verdict(LB_STAT_DROP_ENCAP, XDP_DROP);
		data = (void *)(long)ctx->data;
		end = (void *)(long)ctx->data_end;
		if (data + sizeof(struct iphdr) + L2 + sizeof(struct iphdr) > end)
			return verdict(LB_STAT_DROP_ENCAP, XDP_DROP);
		/* Move the L2 header (with its VLAN tag) to the new front. */
		lb_move_l2(data, data + sizeof(struct iphdr), L2);
		*(__be16 *)(data + L2 - 2) = bpf_htons(LB_ETH_P_IP);
		/*
		 * The header as five 32-bit words (x86 stores packet bytes
		 * unaligned at no cost), not field by field: the version/IHL
		 * bit-fields alone would read the packet back.
		 */
		tot = inner_len + sizeof(struct iphdr);
		w = data + L2;
		w[0] = bpf_htonl(0x45000000u | (__u32)tos << 16 | tot);
		w[1] = 0; /* id, no fragmentation */
		w[2] = bpf_htonl((64u << 24 | (__u32)inner << 16) |
				 bpf_ntohs(ip4_csum(tos, tot, inner, cfg->src4,
						    real->addr[0])));
		w[3] = cfg->src4;
		w[4] = real->addr[0];
		return xmit(ctx, &cfg->src4, real, real_id, cfg);
	} else {
		__u32 *w, fl = p->hash & 0xfffff;

		if (bpf_xdp_adjust_head(ctx, -(int)sizeof(struct ipv6hdr)))
			return verdict(LB_STAT_DROP_ENCAP, XDP_DROP);
		data = (void *)(long)ctx->data;
		end = (void *)(long)ctx->data_end;
		if (data + sizeof(struct ipv6hdr) + L2 + sizeof(struct ipv6hdr) > end)
			return verdict(LB_STAT_DROP_ENCAP, XDP_DROP);
		lb_move_l2(data, data + sizeof(struct ipv6hdr), L2);
		*(__be16 *)(data + L2 - 2) = bpf_htons(LB_ETH_P_IPV6);
		/*
		 * Version, traffic class, and a flow label from the flow hash
		 * (ECMP spreads tunnels by it); payload length, next header,
		 * hop limit; then the addresses.
		 */
		w = data + L2;
		w[0] = bpf_htonl(6u << 28 | (__u32)tos << 20 | fl);
		w[1] = bpf_htonl(inner_len << 16 | (__u32)inner << 8 | 64);
		copy128(w + 2, cfg->src6);
		copy128(w + 6, real->addr);
		return xmit(ctx, cfg->src6, real, real_id, cfg);
	}
}

/* ---- NAT: rewrite destination to the real ----------------------------------- */

static __always_inline void ct_record(const struct lb_pkt *p,
				      const struct lb_real *real,
				      __be16 rport, __u32 svc_id)
{
	struct lb_flow_key rk = {};
	struct lb_ct_val cv = {}, *old;

	copy128(rk.src, real->addr);
	copy128(rk.dst, p->k.src);
	rk.sport = rport;
	rk.dport = p->k.sport;
	rk.proto = p->k.proto;
	rk.family = p->k.family;
	old = bpf_map_lookup_elem(&lb_ct, &rk);
	if (old && old->svc_id == svc_id && old->vport == p->k.dport &&
	    old->vip[0] == p->k.dst[0] && old->vip[3] == p->k.dst[3])
		return;
	copy128(cv.vip, p->k.dst);
	cv.vport = p->k.dport;
	cv.family = p->k.family;
	cv.svc_id = svc_id;
	if (!bpf_map_update_elem(&lb_ct, &rk, &cv, BPF_ANY))
		stat_inc(LB_STAT_NAT_CT_NEW);
}

/* Offset of the L4 checksum field, or 0 when the protocol has none we fix. */
static __always_inline __u32 l4_csum_off(__u8 proto)
{
	if (proto == IPPROTO_TCP)
		return offsetof(struct tcphdr, check);
	if (proto == IPPROTO_UDP)
		return offsetof(struct udphdr, check);
	return 0;
}

/* Add acc to the L4 checksum at data + off (UDP: keep 0, avoid 0). */
static __always_inline int l4_csum_fix(void *data, void *end, __u32 off,
				       __u8 proto, __u32 acc, int v4)
{
	__u16 *cs = PKT_AT(data, off);
	__u16 n;

	if ((void *)(cs + 1) > end)
		return -1;
	if (proto == IPPROTO_UDP && v4 && *cs == 0)
		return 0;
	n = lb_csum_apply(*cs, acc);
	if (proto == IPPROTO_UDP && n == 0)
		n = 0xffff;
	*cs = n;
	return 0;
}

static __always_inline int nat(struct xdp_md *ctx, struct lb_pkt *p,
			       const struct lb_real *real, __u32 real_id,
			       __u32 svc_id, const struct lb_cfg *cfg,
			       const __u32 L2)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__be16 rport = p->k.dport;
	__u32 acc = 0, off;
	__be16 *ports;

	/* SCTP's CRC32c covers the ports but not the addresses. */
	if (real->port && p->k.proto != LB_IPPROTO_SCTP)
		rport = real->port;
	if (real->family != p->k.family)
		return verdict(LB_STAT_DROP_NO_REAL, XDP_DROP);

	if (p->k.family == LB_AF_INET) {
		struct iphdr *ip = data + L2;

		if ((void *)(ip + 1) > end)
			return verdict(LB_STAT_DROP_MALFORMED, XDP_DROP);
		ip->check = lb_csum_apply(ip->check,
					  lb_csum_acc32(0, ip->daddr, real->addr[0]));
		acc = lb_csum_acc32(acc, ip->daddr, real->addr[0]);
		ip->daddr = real->addr[0];
	} else {
		struct ipv6hdr *ip6 = data + L2;

		if ((void *)(ip6 + 1) > end)
			return verdict(LB_STAT_DROP_MALFORMED, XDP_DROP);
		acc = lb_csum_acc128(acc, ip6->daddr.in6_u.u6_addr32, real->addr);
		copy128(ip6->daddr.in6_u.u6_addr32, real->addr);
	}
	if (p->l4 > 255)
		return verdict(LB_STAT_DROP_MALFORMED, XDP_DROP);
	ports = PKT_AT(data, p->l4);
	if ((void *)(ports + 2) > end)
		return verdict(LB_STAT_DROP_MALFORMED, XDP_DROP);
	acc = lb_csum_acc16(acc, ports[1], rport);
	ports[1] = rport;
	off = l4_csum_off(p->k.proto);
	if (off && l4_csum_fix(data, end, p->l4 + off, p->k.proto, acc,
			       p->k.family == LB_AF_INET))
		return verdict(LB_STAT_DROP_MALFORMED, XDP_DROP);

	ct_record(p, real, rport, svc_id);
	if (p->k.family == LB_AF_INET) {
		struct iphdr *ip = data + L2;

		__u32 src[4] = {};

		if ((void *)(ip + 1) > end)
			return verdict(LB_STAT_DROP_MALFORMED, XDP_DROP);
		src[0] = ip->saddr;
		return xmit(ctx, src, real, real_id, cfg);
	} else {
		struct ipv6hdr *ip6 = data + L2;

		if ((void *)(ip6 + 1) > end)
			return verdict(LB_STAT_DROP_MALFORMED, XDP_DROP);
		return xmit(ctx, ip6->saddr.in6_u.u6_addr32, real,
			    real_id, cfg);
	}
}

/*
 * NAT for an ICMP error quoting VIP:vport -> client: send it to the real as if
 * the real had sent the quoted packet. Outer destination, quoted source
 * address and port change; the quoted L4 checksum is left alone (it covers
 * data the error does not carry).
 */
static __always_inline int nat_icmp(struct xdp_md *ctx, struct lb_pkt *p,
				    const struct lb_real *real, __u32 real_id,
				    const struct lb_cfg *cfg, const __u32 L2)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__be16 rport = p->k.dport;
	__u32 acc = 0;
	__be16 *ports;
	__u16 *icsum;

	if (real->port && p->k.proto != LB_IPPROTO_SCTP)
		rport = real->port;
	if (real->family != p->k.family)
		return verdict(LB_STAT_DROP_NO_REAL, XDP_DROP);
	if (p->l4 > 255 || p->in_l3 > 255 || p->in_l4 > 255)
		return verdict(LB_STAT_DROP_MALFORMED, XDP_DROP);

	if (p->k.family == LB_AF_INET) {
		struct iphdr *ip = data + L2, *in = PKT_AT(data, p->in_l3);
		__u16 oldc;

		if ((void *)(ip + 1) > end || (void *)(in + 1) > end)
			return verdict(LB_STAT_DROP_MALFORMED, XDP_DROP);
		ip->check = lb_csum_apply(ip->check,
					  lb_csum_acc32(0, ip->daddr, real->addr[0]));
		ip->daddr = real->addr[0];
		oldc = in->check;
		in->check = lb_csum_apply(in->check,
					  lb_csum_acc32(0, in->saddr, real->addr[0]));
		acc = lb_csum_acc32(acc, in->saddr, real->addr[0]);
		acc = lb_csum_acc16(acc, oldc, in->check);
		in->saddr = real->addr[0];
		icsum = PKT_AT(data, p->l4) + offsetof(struct lb_icmphdr, checksum);
	} else {
		struct ipv6hdr *ip6 = data + L2, *in6 = PKT_AT(data, p->in_l3);

		if ((void *)(ip6 + 1) > end || (void *)(in6 + 1) > end)
			return verdict(LB_STAT_DROP_MALFORMED, XDP_DROP);
		/* ICMPv6 covers the pseudo-header: outer destination too. */
		acc = lb_csum_acc128(acc, ip6->daddr.in6_u.u6_addr32, real->addr);
		copy128(ip6->daddr.in6_u.u6_addr32, real->addr);
		acc = lb_csum_acc128(acc, in6->saddr.in6_u.u6_addr32, real->addr);
		copy128(in6->saddr.in6_u.u6_addr32, real->addr);
		icsum = PKT_AT(data, p->l4) + offsetof(struct icmp6hdr, icmp6_cksum);
	}
	ports = PKT_AT(data, p->in_l4);
	if ((void *)(ports + 2) > end)
		return verdict(LB_STAT_DROP_MALFORMED, XDP_DROP);
	acc = lb_csum_acc16(acc, ports[0], rport);
	ports[0] = rport;
	if ((void *)(icsum + 1) > end)
		return verdict(LB_STAT_DROP_MALFORMED, XDP_DROP);
	*icsum = lb_csum_apply(*icsum, acc);

	if (p->k.family == LB_AF_INET) {
		struct iphdr *ip = data + L2;

		__u32 src[4] = {};

		if ((void *)(ip + 1) > end)
			return verdict(LB_STAT_DROP_MALFORMED, XDP_DROP);
		src[0] = ip->saddr;
		return xmit(ctx, src, real, real_id, cfg);
	} else {
		struct ipv6hdr *ip6 = data + L2;

		if ((void *)(ip6 + 1) > end)
			return verdict(LB_STAT_DROP_MALFORMED, XDP_DROP);
		return xmit(ctx, ip6->saddr.in6_u.u6_addr32, real,
			    real_id, cfg);
	}
}

/* ---- a packet for a service ----------------------------------------------- */

static __always_inline int forward(struct xdp_md *ctx, struct lb_pkt *p,
				   const struct lb_svc_val *svc, const __u32 L2)
{
	struct lb_real *real;
	struct lb_cfg *cfg;
	__u32 zero = 0, real_id = 0;

	/* NAT cannot rewrite ports it does not see. */
	if (p->frag && (svc->flags & LB_SVC_NAT))
		return verdict(LB_STAT_DROP_FRAG, XDP_DROP);
	cfg = bpf_map_lookup_elem(&lb_cfg, &zero);
	real = pick_real(p, svc, cfg, &real_id);
	if (!real)
		return verdict(LB_STAT_DROP_NO_REAL, XDP_DROP);
#ifndef LB_BENCH_NO_CTR /* bench-bpf's ablation of the counters' cost */
	ctr_add(&lb_svc_ctr, svc->id, p->len);
	ctr_add(&lb_real_ctr, real_id, p->len);
#endif
	if (p->icmp_err)
		stat_inc(LB_STAT_ICMP_ERROR);
	if (p->frag)
		stat_inc(LB_STAT_FRAG_FWD);
	if (!(svc->flags & LB_SVC_NAT))
		return encap(ctx, p, real, real_id, cfg, L2);
	if (p->icmp_err)
		return nat_icmp(ctx, p, real, real_id, cfg, L2);
	return nat(ctx, p, real, real_id, svc->id, cfg, L2);
}

static __always_inline int svc_key_eq(const struct lb_svc_key *a,
				      const struct lb_svc_key *b)
{
	return a->addr[0] == b->addr[0] && a->addr[1] == b->addr[1] &&
	       a->addr[2] == b->addr[2] && a->addr[3] == b->addr[3] &&
	       *(const __u32 *)&a->port == *(const __u32 *)&b->port;
}

/* The service for sk: its set in lb_svc_sets, else lb_services on overflow. */
static __always_inline struct lb_svc_val *svc_lookup(const struct lb_svc_key *sk)
{
	__u32 idx = lb_hash_svc(sk) & lb_svc_mask;
	struct lb_svc_set *set = bpf_map_lookup_elem(&lb_svc_sets, &idx);

	if (!set)
		return NULL;
#pragma unroll
	for (__u32 w = 0; w < LB_SVC_WAYS; w++)
		if (set->e[w].v.id && svc_key_eq(&set->e[w].k, sk))
			return &set->e[w].v;
	if (set->overflow)
		return bpf_map_lookup_elem(&lb_services, sk);
	return NULL;
}

static __always_inline struct lb_svc_val *
find_service(struct lb_pkt *p, const struct lb_vip_val *vip)
{
	struct lb_svc_key sk;
	struct lb_svc_val *svc;

	copy128(sk.addr, p->k.dst);
	sk.port = p->k.dport;
	sk.proto = p->k.proto;
	sk.family = p->k.family;
	svc = svc_lookup(&sk);
	if (svc || !(vip->flags & LB_VIP_ANY_PORT))
		return svc;
	sk.port = 0;
	return svc_lookup(&sk);
}

/*
 * Fragments carry no ports past the first. They are forwarded only for an
 * any-port service that hashes on the source alone, where every fragment of a
 * datagram lands on the same real; otherwise they are dropped and counted.
 */
static __always_inline int fragment(struct xdp_md *ctx, struct lb_pkt *p,
				    const __u32 L2)
{
	struct lb_svc_key sk;
	struct lb_svc_val *svc;

	copy128(sk.addr, p->k.dst);
	sk.port = 0;
	sk.proto = p->k.proto;
	sk.family = p->k.family;
	svc = svc_lookup(&sk);
	if (!svc || !(svc->flags & LB_SVC_SRC_HASH))
		return verdict(LB_STAT_DROP_FRAG, XDP_DROP);
	p->frag = 1;
	p->k.sport = 0;
	p->k.dport = 0;
	return forward(ctx, p, svc, L2);
}

/* Read the ports (and TCP flags) at off into p; 0 or -1 when truncated. */
static __always_inline int parse_l4(void *data, void *end, __u32 off,
				    struct lb_pkt *p)
{
	if (off > 255)
		return -1;
	if (p->k.proto == IPPROTO_TCP) {
		struct tcphdr *th = PKT_AT(data, off);

		if ((void *)(th + 1) > end)
			return -1;
		p->k.sport = th->source;
		p->k.dport = th->dest;
		p->tcp_flags = ((__u8 *)th)[13];
		return 0;
	}
	if (p->k.proto == IPPROTO_UDP) {
		struct udphdr *uh = PKT_AT(data, off);

		if ((void *)(uh + 1) > end)
			return -1;
		p->k.sport = uh->source;
		p->k.dport = uh->dest;
		return 0;
	}
	{
		struct lb_sctp_hdr *sh = PKT_AT(data, off);

		if ((void *)(sh + 1) > end)
			return -1;
		p->k.sport = sh->source;
		p->k.dport = sh->dest;
		return 0;
	}
}

static __always_inline int is_l4(__u8 proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	       proto == LB_IPPROTO_SCTP;
}

/*
 * An ICMP error quotes a packet the service sent: VIP:vport -> client. Turn
 * it into the client -> VIP flow and forward it like that flow.
 */
static __always_inline int icmp_error(struct xdp_md *ctx, struct lb_pkt *p,
				      const struct lb_vip_val *vip,
				      const __u32 L2)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct lb_svc_val *svc;
	__u32 qsrc[4], qdst[4];
	__be16 *ports;

	if (p->k.family == LB_AF_INET) {
		struct iphdr *in;

		p->in_l3 = p->l4 + sizeof(struct lb_icmphdr);
		if (p->in_l3 > 255)
			return verdict(LB_STAT_DROP_MALFORMED, XDP_DROP);
		in = PKT_AT(data, p->in_l3);
		if ((void *)(in + 1) > end || in->ihl < 5)
			return verdict(LB_STAT_DROP_MALFORMED, XDP_DROP);
		if (in->frag_off & bpf_htons(LB_IP_OFFSET))
			return verdict(LB_STAT_ICMP_PASS, XDP_PASS);
		p->in_l4 = p->in_l3 + in->ihl * 4;
		p->k.proto = in->protocol;
		qsrc[0] = in->saddr;
		qdst[0] = in->daddr;
		qsrc[1] = qsrc[2] = qsrc[3] = 0;
		qdst[1] = qdst[2] = qdst[3] = 0;
	} else {
		struct ipv6hdr *in6;

		p->in_l3 = p->l4 + sizeof(struct icmp6hdr);
		if (p->in_l3 > 255)
			return verdict(LB_STAT_DROP_MALFORMED, XDP_DROP);
		in6 = PKT_AT(data, p->in_l3);
		if ((void *)(in6 + 1) > end)
			return verdict(LB_STAT_DROP_MALFORMED, XDP_DROP);
		p->in_l4 = p->in_l3 + sizeof(struct ipv6hdr);
		p->k.proto = in6->nexthdr;
		copy128(qsrc, in6->saddr.in6_u.u6_addr32);
		copy128(qdst, in6->daddr.in6_u.u6_addr32);
	}
	if (!is_l4(p->k.proto))
		return verdict(LB_STAT_ICMP_PASS, XDP_PASS);
	/* The quote is VIP -> client and must come from the VIP it was sent to. */
	if (qsrc[0] != p->k.dst[0] || qsrc[1] != p->k.dst[1] ||
	    qsrc[2] != p->k.dst[2] || qsrc[3] != p->k.dst[3])
		return verdict(LB_STAT_ICMP_PASS, XDP_PASS);
	if (p->in_l4 > 255)
		return verdict(LB_STAT_DROP_MALFORMED, XDP_DROP);
	ports = PKT_AT(data, p->in_l4);
	if ((void *)(ports + 2) > end)
		return verdict(LB_STAT_DROP_MALFORMED, XDP_DROP);
	copy128(p->k.src, qdst);
	p->k.sport = ports[1];
	p->k.dport = ports[0];
	p->icmp_err = 1;
	svc = find_service(p, vip);
	if (!svc)
		return verdict(LB_STAT_ICMP_PASS, XDP_PASS);
	return forward(ctx, p, svc, L2);
}

/* Echo request to a VIP: answer in place. */
static __always_inline int echo_reply(struct xdp_md *ctx, struct lb_pkt *p,
				      const __u32 L2)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u8 mac[ETH_ALEN];
	__u16 *w, old;

	if ((void *)(eth + 1) > end || p->l4 > 255)
		return verdict(LB_STAT_DROP_MALFORMED, XDP_DROP);
	w = PKT_AT(data, p->l4);
	if ((void *)(w + 2) > end)
		return verdict(LB_STAT_DROP_MALFORMED, XDP_DROP);
	old = w[0];
	/* Type is the first byte: 8 -> 0 (ICMP), 128 -> 129 (ICMPv6). */
	*(__u8 *)w = p->k.family == LB_AF_INET ? LB_ICMP_ECHOREPLY : ICMPV6_ECHO_REPLY;
	w[1] = lb_csum_apply(w[1], lb_csum_acc16(0, old, w[0]));

	if (p->k.family == LB_AF_INET) {
		struct iphdr *ip = data + L2;

		if ((void *)(ip + 1) > end)
			return verdict(LB_STAT_DROP_MALFORMED, XDP_DROP);
		ip->saddr = p->k.dst[0];
		ip->daddr = p->k.src[0];
	} else {
		struct ipv6hdr *ip6 = data + L2;

		if ((void *)(ip6 + 1) > end)
			return verdict(LB_STAT_DROP_MALFORMED, XDP_DROP);
		copy128(ip6->saddr.in6_u.u6_addr32, p->k.dst);
		copy128(ip6->daddr.in6_u.u6_addr32, p->k.src);
	}
	__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, ETH_ALEN);
	stat_inc(LB_STAT_ICMP_ECHO);
	return verdict(LB_STAT_TX, XDP_TX);
}

static __always_inline int icmp4(struct xdp_md *ctx, struct lb_pkt *p,
				 const struct lb_vip_val *vip, const __u32 L2)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct lb_icmphdr *ih;

	if (p->l4 > 255)
		return verdict(LB_STAT_DROP_MALFORMED, XDP_DROP);
	ih = PKT_AT(data, p->l4);
	if ((void *)(ih + 1) > end)
		return verdict(LB_STAT_DROP_MALFORMED, XDP_DROP);
	if (ih->type == LB_ICMP_ECHO && ih->code == 0 && (vip->flags & LB_VIP_ECHO))
		return echo_reply(ctx, p, L2);
	if (ih->type == LB_ICMP_DEST_UNREACH)
		return icmp_error(ctx, p, vip, L2);
	return verdict(LB_STAT_ICMP_PASS, XDP_PASS);
}

static __always_inline int icmp6(struct xdp_md *ctx, struct lb_pkt *p,
				 const struct lb_vip_val *vip, const __u32 L2)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct icmp6hdr *ih;

	ih = PKT_AT(data, p->l4);
	if ((void *)(ih + 1) > end)
		return verdict(LB_STAT_DROP_MALFORMED, XDP_DROP);
	if (ih->icmp6_type == ICMPV6_ECHO_REQUEST && ih->icmp6_code == 0 &&
	    (vip->flags & LB_VIP_ECHO))
		return echo_reply(ctx, p, L2);
	if (ih->icmp6_type == ICMPV6_PKT_TOOBIG ||
	    ih->icmp6_type == ICMPV6_DEST_UNREACH)
		return icmp_error(ctx, p, vip, L2);
	return verdict(LB_STAT_ICMP_PASS, XDP_PASS);
}

static __always_inline struct lb_vip_val *vip_get(const struct lb_pkt *p)
{
	struct lb_vip_key vk = {};

	copy128(vk.addr, p->k.dst);
	vk.family = p->k.family;
	return bpf_map_lookup_elem(&lb_vips, &vk);
}

/* Zero when the filter slot holds no VIP. */
static __always_inline int vip_slot_used(__u32 slot)
{
	__u32 *n = bpf_map_lookup_elem(&lb_vip_filter, &slot);

	return n && *n;
}

/* Zero when the address is certainly not a VIP. */
static __always_inline int vip_maybe(const __u32 *addr)
{
	return vip_slot_used(lb_vip_slot(addr));
}

/* The same for an IPv4 address (the other words of its slot key are 0). */
static __always_inline int vip_maybe4(__u32 addr)
{
	return vip_slot_used(lb_vip_slot4(addr));
}

/*
 * After the IP header: p holds addresses, protocol and l4. The common case
 * (TCP/UDP/SCTP to an exact service) costs one hash lookup; the VIP's flags
 * are only read when that misses.
 */
static __always_inline int dispatch(struct xdp_md *ctx, struct lb_pkt *p,
				    int frag, const __u32 L2)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct lb_vip_val *vip;
	struct lb_svc_key sk;
	struct lb_svc_val *svc;

	if (frag || !is_l4(p->k.proto) || parse_l4(data, end, p->l4, p)) {
		vip = vip_get(p);
		if (!vip)
			return verdict(LB_STAT_PASS_NOT_VIP, XDP_PASS);
		if (frag)
			return is_l4(p->k.proto) ? fragment(ctx, p, L2) :
						   verdict(LB_STAT_DROP_FRAG, XDP_DROP);
		if (p->k.proto == IPPROTO_ICMP && p->k.family == LB_AF_INET)
			return icmp4(ctx, p, vip, L2);
		if (p->k.proto == IPPROTO_ICMPV6 && p->k.family == LB_AF_INET6)
			return icmp6(ctx, p, vip, L2);
		if (is_l4(p->k.proto))
			return verdict(LB_STAT_DROP_MALFORMED, XDP_DROP);
		if (p->k.family == LB_AF_INET6)
			return verdict(LB_STAT_DROP_V6_EXT, XDP_DROP);
		return verdict(LB_STAT_PASS_NOT_SERVICE, XDP_PASS);
	}
	copy128(sk.addr, p->k.dst);
	sk.port = p->k.dport;
	sk.proto = p->k.proto;
	sk.family = p->k.family;
	svc = svc_lookup(&sk);
	if (svc)
		return forward(ctx, p, svc, L2);
	vip = vip_get(p);
	if (!vip)
		return verdict(LB_STAT_PASS_NOT_VIP, XDP_PASS);
	if (vip->flags & LB_VIP_ANY_PORT) {
		sk.port = 0;
		svc = svc_lookup(&sk);
		if (svc)
			return forward(ctx, p, svc, L2);
	}
	return verdict(LB_STAT_PASS_NOT_SERVICE, XDP_PASS);
}

static __always_inline int lb_ipv4(struct xdp_md *ctx, const __u32 L2)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct iphdr *ip = data + L2;
	struct lb_pkt p;

	if ((void *)(ip + 1) > end)
		return verdict(LB_STAT_DROP_MALFORMED, XDP_DROP);
	/* Most packets leave here: nothing is built for them. */
	if (!vip_maybe4(ip->daddr))
		return verdict(LB_STAT_PASS_NOT_VIP, XDP_PASS);
	__builtin_memset(&p, 0, sizeof(p));
	p.k.dst[0] = ip->daddr;
	if (ip->version != 4 || ip->ihl < 5)
		return verdict(LB_STAT_DROP_MALFORMED, XDP_DROP);
	if (ip->ihl > 5)
		stat_inc(LB_STAT_IPV4_OPTIONS);

	p.len = end - data;
	p.l4 = L2 + ip->ihl * 4;
	p.k.family = LB_AF_INET;
	p.k.proto = ip->protocol;
	p.k.src[0] = ip->saddr;
	return dispatch(ctx, &p, ip->frag_off & bpf_htons(LB_IP_MF | LB_IP_OFFSET),
			L2);
}

static __always_inline int lb_ipv6(struct xdp_md *ctx, const __u32 L2)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ipv6hdr *ip6 = data + L2;
	struct lb_pkt p;
	int frag = 0;

	if ((void *)(ip6 + 1) > end)
		return verdict(LB_STAT_DROP_MALFORMED, XDP_DROP);
	if (!vip_maybe(ip6->daddr.in6_u.u6_addr32))
		return verdict(LB_STAT_PASS_NOT_VIP, XDP_PASS);
	__builtin_memset(&p, 0, sizeof(p));
	copy128(p.k.dst, ip6->daddr.in6_u.u6_addr32);
	if (ip6->version != 6)
		return verdict(LB_STAT_DROP_MALFORMED, XDP_DROP);

	p.len = end - data;
	p.l4 = L2 + sizeof(*ip6);
	p.k.family = LB_AF_INET6;
	p.k.proto = ip6->nexthdr;
	copy128(p.k.src, ip6->saddr.in6_u.u6_addr32);
	if (p.k.proto == IPPROTO_FRAGMENT) {
		struct lb_frag_hdr *fh = data + p.l4;

		if ((void *)(fh + 1) > end) {
			if (!vip_get(&p))
				return verdict(LB_STAT_PASS_NOT_VIP, XDP_PASS);
			return verdict(LB_STAT_DROP_MALFORMED, XDP_DROP);
		}
		p.k.proto = fh->nexthdr;
		frag = 1;
	}
	return dispatch(ctx, &p, frag, L2);
}

static __always_inline int lb_l3(struct xdp_md *ctx, __be16 proto,
				 const __u32 L2)
{
	if (proto == bpf_htons(LB_ETH_P_IP))
		return lb_ipv4(ctx, L2);
	if (proto == bpf_htons(LB_ETH_P_IPV6))
		return lb_ipv6(ctx, L2);
	return verdict(LB_STAT_PASS_NOT_IP, XDP_PASS);
}

SEC("xdp")
int xdp_lb(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct lb_vlan_hdr *vh;

	if ((void *)(eth + 1) > end)
		return verdict(LB_STAT_PASS_NOT_IP, XDP_PASS);
	if (eth->h_proto != bpf_htons(LB_ETH_P_8021Q))
		return lb_l3(ctx, eth->h_proto, sizeof(*eth));
	vh = (void *)(eth + 1);
	if ((void *)(vh + 1) > end)
		return verdict(LB_STAT_PASS_NOT_IP, XDP_PASS);
	return lb_l3(ctx, vh->proto, sizeof(*eth) + sizeof(*vh));
}

/* ---- TC egress: NAT replies back to the VIP --------------------------------- */

static __always_inline int tc_rewrite(struct __sk_buff *skb, const __u32 L2)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct lb_flow_key k = {};
	struct lb_ct_val *cv;
	__u32 l4, csum_off, addr_off, flags;
	__be16 *ports;

	{
		struct ethhdr *eth = data;
		__be16 proto;

		if ((void *)(eth + 1) > end)
			return TC_ACT_OK;
		proto = eth->h_proto;
		if (L2 != sizeof(*eth)) {
			struct lb_vlan_hdr *vh = (void *)(eth + 1);

			if ((void *)(vh + 1) > end)
				return TC_ACT_OK;
			proto = vh->proto;
		}
		if (proto == bpf_htons(LB_ETH_P_IP)) {
			struct iphdr *ip = data + L2;

			if ((void *)(ip + 1) > end || ip->ihl < 5)
				return TC_ACT_OK;
			if (ip->frag_off & bpf_htons(LB_IP_OFFSET))
				return TC_ACT_OK;
			k.family = LB_AF_INET;
			k.proto = ip->protocol;
			k.src[0] = ip->saddr;
			k.dst[0] = ip->daddr;
			l4 = L2 + ip->ihl * 4;
			addr_off = L2 + offsetof(struct iphdr, saddr);
		} else if (proto == bpf_htons(LB_ETH_P_IPV6)) {
			struct ipv6hdr *ip6 = data + L2;

			if ((void *)(ip6 + 1) > end)
				return TC_ACT_OK;
			k.family = LB_AF_INET6;
			k.proto = ip6->nexthdr;
			copy128(k.src, ip6->saddr.in6_u.u6_addr32);
			copy128(k.dst, ip6->daddr.in6_u.u6_addr32);
			l4 = L2 + sizeof(*ip6);
			addr_off = L2 + offsetof(struct ipv6hdr, saddr);
		} else {
			return TC_ACT_OK;
		}
	}
	if (!is_l4(k.proto) || l4 > 255)
		return TC_ACT_OK;
	ports = PKT_AT(data, l4);
	if ((void *)(ports + 2) > end)
		return TC_ACT_OK;
	k.sport = ports[0];
	k.dport = ports[1];
	cv = bpf_map_lookup_elem(&lb_ct, &k);
	if (!cv || cv->family != k.family)
		return TC_ACT_OK;

	csum_off = l4_csum_off(k.proto);
	flags = k.proto == IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0;
	if (k.family == LB_AF_INET) {
		__u32 vip = cv->vip[0];

		if (bpf_l3_csum_replace(skb, L2 + offsetof(struct iphdr, check),
					k.src[0], vip, 4))
			return TC_ACT_SHOT;
		if (csum_off &&
		    bpf_l4_csum_replace(skb, l4 + csum_off, k.src[0], vip,
					BPF_F_PSEUDO_HDR | flags | 4))
			return TC_ACT_SHOT;
		if (bpf_skb_store_bytes(skb, addr_off, &vip, 4, 0))
			return TC_ACT_SHOT;
	} else {
		__u32 vip6[4];
		__s64 diff;

		copy128(vip6, cv->vip);
		diff = bpf_csum_diff(k.src, 16, vip6, 16, 0);
		if (csum_off &&
		    bpf_l4_csum_replace(skb, l4 + csum_off, 0, (__u32)diff,
					BPF_F_PSEUDO_HDR | flags))
			return TC_ACT_SHOT;
		if (bpf_skb_store_bytes(skb, addr_off, vip6, 16, 0))
			return TC_ACT_SHOT;
	}
	if (cv->vport != k.sport) {
		__be16 vport = cv->vport;

		if (csum_off &&
		    bpf_l4_csum_replace(skb, l4 + csum_off, k.sport, vport,
					flags | 2))
			return TC_ACT_SHOT;
		if (bpf_skb_store_bytes(skb, l4, &vport, 2, 0))
			return TC_ACT_SHOT;
	}
	stat_inc(LB_STAT_NAT_REPLY);
	return TC_ACT_OK;
}

SEC("tc")
int tc_nat_egress(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > end)
		return TC_ACT_OK;
	if (eth->h_proto == bpf_htons(LB_ETH_P_8021Q))
		return tc_rewrite(skb, sizeof(*eth) + sizeof(struct lb_vlan_hdr));
	return tc_rewrite(skb, sizeof(*eth));
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
