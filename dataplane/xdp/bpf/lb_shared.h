/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Every structure the forwarder's BPF programs and userspace share. Both sides
 * include this header; layouts have explicit padding and size checks so a
 * userspace copy can never disagree with the kernel's view.
 *
 * Addresses and ports are stored in network byte order. An IPv4 address lives
 * in addr[0] with addr[1..3] zero.
 */
#ifndef BALLAST_LB_SHARED_H
#define BALLAST_LB_SHARED_H

#include <linux/types.h>

#define LB_AF_INET  2  /* AF_INET */
#define LB_AF_INET6 10 /* AF_INET6 */

/* Real id 0 is never used: a ring slot or flow entry of 0 means "none". */
#define LB_REAL_NONE 0

/*
 * Each service owns two rings; userspace writes the spare one, then flips.
 * A ring is an extent of lb_rings (a pool): its base and size live in the
 * service's lb_svc_state.
 */
#define LB_RING_SLOTS 2

/* ---- lb_vips: every address that carries at least one service ---------- */

/* lb_vip_val.flags */
#define LB_VIP_ANY_PORT (1u << 0) /* an any-port service exists: second lookup */
#define LB_VIP_ECHO     (1u << 1) /* answer ICMP/ICMPv6 echo requests */

struct lb_vip_key {
	__u32 addr[4];
	__u8 family;
	__u8 pad[3];
};

struct lb_vip_val {
	__u32 flags;
};

/* ---- lb_services: (address, port, protocol) -> service ------------------ */

/* lb_svc_val.flags */
#define LB_SVC_NAT      (1u << 0) /* DNAT to the real; replies via TC egress */
#define LB_SVC_SRC_HASH (1u << 1) /* hash the source address only */
#define LB_SVC_ANY_PORT (1u << 2) /* key port is 0 and matches every port */

struct lb_svc_key {
	__u32 addr[4];
	__be16 port; /* 0 for an any-port service */
	__u8 proto;  /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP */
	__u8 family;
};

struct lb_svc_val {
	__u32 id;    /* index into lb_svc_state, lb_rings, lb_svc_ctr */
	__u32 flags; /* LB_SVC_* */
};

/*
 * lb_svc_sets: the services again, as an array of sets of LB_SVC_WAYS
 * entries indexed by lb_hash_svc(key) & lb_svc_mask, so the common lookup is
 * one inlined array access instead of a hash-map call. lb_services stays the
 * complete table (read-back, and the fallback for a set marked overflow).
 * Service id 0 is never used: an entry with id 0 is empty.
 */
#define LB_SVC_WAYS 4

struct lb_svc_ent {
	struct lb_svc_key k;
	struct lb_svc_val v;
	__u32 pad;
};

struct lb_svc_set {
	__u32 overflow; /* more services hash here than fit: also ask lb_services */
	__u32 pad;
	struct lb_svc_ent e[LB_SVC_WAYS];
};

/* ---- lb_svc_state: per service id --------------------------------------- */

struct lb_svc_state {
	__u32 ring_slot; /* active ring (0 or 1); flipped after a rebuild */
	__u32 flags;     /* copy of the service flags, for read-back */
	__u32 base[LB_RING_SLOTS]; /* each ring's first entry in lb_rings */
	__u32 size[LB_RING_SLOTS]; /* its M, prime; 0: no ring */
};

/* ---- lb_reals: real id -> where to send ---------------------------------- */

struct lb_real {
	__u32 addr[4];
	__be16 port;  /* NAT target port; 0 keeps the service port */
	__u8 family;  /* 0: slot unused */
	__u8 flags;   /* 0; freed: the family it had (userspace only) */
	__u32 svc_id; /* owning service: a flow entry is only valid for it */
	__u32 weight; /* configured weight, kept for read-back */
};

/* ---- lb_flows (per-CPU, set-associative LRU) and lb_ct keys ------------ */

/* A flow's tuple: the key of lb_ct and the input of every flow hash. */
struct lb_flow_key {
	__u32 src[4];
	__u32 dst[4];
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 family;
	__u8 pad[2];
} __attribute__((aligned(8)));

/*
 * The flow table is per CPU: CPU n owns slice n of lb_flows, lb_flow_sets
 * sets each, and a set is one 64-byte cache line of LB_FLOW_WAYS flows. A
 * flow lives in set lb_hash_reduce(hash, lb_flow_sets) of its CPU's slice and
 * is known there by its 32-bit fingerprint (lb_flow_fp), not by its tuple:
 * the table needs 10.7 bytes per flow instead of 48, so a cache holds 4.5
 * times as many flows, and a lookup, hit or miss, and the insert after a
 * miss touch that one line. A new flow replaces a way with its
 * fingerprint, else an empty way, else the least recently used one (16-bit
 * stamps against the set's clock). Docs/XDP.md discusses fingerprint
 * collisions. Lookups and inserts are one inlined array access: no locks, no
 * allocation.
 */
#define LB_FLOW_WAYS 6

struct lb_flow_set {
	__u32 fp[LB_FLOW_WAYS];      /* lb_flow_fp(); 0: empty way */
	__u32 real_id[LB_FLOW_WAYS];
	__u16 stamp[LB_FLOW_WAYS];   /* set clock at last use */
	__u16 clock;
	__u16 pad;
} __attribute__((aligned(64)));

/* lb_ct is keyed by the reply's tuple: real -> client. */
struct lb_ct_val {
	__u32 vip[4];
	__be16 vport;
	__u8 family;
	__u8 pad;
	__u32 svc_id;
};

/* ---- lb_cfg: runtime settings (single entry) ---------------------------- */

struct lb_cfg {
	__u32 src6[4];       /* outer source of IP6IP6 / IPv4-in-IPv6 */
	__u32 src4;          /* outer source of IPIP */
	__u32 fib_refresh;   /* packets a cached next hop serves per CPU; 0: no cache */
	__u64 new_flow_rate; /* new flows inserted per CPU per second; 0: no limit */
	__u32 fib_gen;       /* bump to drop every cached next hop (route/neigh change) */
	__u32 pad;
};

/* ---- lb_nh_cache: per-CPU next hop per real id (from bpf_fib_lookup) ---- */

struct lb_nh {
	__u32 gen;     /* lb_cfg.fib_gen it was resolved under */
	__u32 budget;  /* packets left before the next lookup */
	__u8 dmac[6];  /* dmac then smac: the Ethernet header's first 12 */
	__u8 smac[6];  /* bytes, 8-aligned, copied with two stores */
	__u32 ifindex; /* egress interface */
} __attribute__((aligned(8)));

/* ---- lb_vip_filter: cheap pre-check before any hash lookup -------------- */

/*
 * An array of LB_VIP_FILTER_SIZE counters indexed by lb_vip_slot(): the number
 * of lb_vips entries hashing there. Zero means "certainly not a VIP", so most
 * non-service packets leave after one inlined array read.
 */
#define LB_VIP_FILTER_BITS 16
#define LB_VIP_FILTER_SIZE (1u << LB_VIP_FILTER_BITS)

/* ---- counters ------------------------------------------------------------ */

struct lb_ctr {
	__u64 packets;
	__u64 bytes;
};

/* Index into the per-CPU lb_stats array: one packet counter per verdict/reason. */
enum lb_stat {
	LB_STAT_PASS_NOT_IP = 0,  /* not IPv4/IPv6 (or short Ethernet/VLAN header) */
	LB_STAT_PASS_NOT_VIP,     /* destination is not a service address */
	LB_STAT_PASS_NOT_SERVICE, /* service address, but no matching port/protocol */
	LB_STAT_PASS_NO_NEIGH,    /* next hop not resolved: kernel resolves it */
	LB_STAT_TX,               /* XDP_TX */
	LB_STAT_REDIRECT,         /* XDP_REDIRECT */
	LB_STAT_DROP_MALFORMED,   /* truncated or invalid IP/L4 header */
	LB_STAT_DROP_NO_REAL,     /* service has no usable real */
	LB_STAT_DROP_FRAG,        /* fragment to a service that cannot take it */
	LB_STAT_DROP_NO_ROUTE,    /* FIB lookup failed for the real */
	LB_STAT_DROP_ENCAP,       /* headroom adjustment failed */
	LB_STAT_DROP_V6_EXT,      /* IPv6 extension header to a service address */
	LB_STAT_LRU_HIT,          /* flow found in the flow table */
	LB_STAT_LRU_MISS,         /* new flow: chosen from the ring */
	LB_STAT_FLOOD_BYPASS,     /* new flow above the rate: forwarded, not stored */
	LB_STAT_ICMP_ECHO,        /* echo request to a VIP answered */
	LB_STAT_ICMP_ERROR,       /* ICMP error about a service flow forwarded */
	LB_STAT_ICMP_PASS,        /* other ICMP to a VIP, passed to the kernel */
	LB_STAT_IPV4_OPTIONS,     /* IPv4 header with options (forwarded normally) */
	LB_STAT_FRAG_FWD,         /* fragment forwarded by source hash */
	LB_STAT_NAT_CT_NEW,       /* conntrack entry created (NAT) */
	LB_STAT_NAT_REPLY,        /* TC egress: reply rewritten back to the VIP */
	LB_STAT_MAX
};

/* Decap program counters (lb_decap_stats, per-CPU). */
enum lb_decap_stat {
	LB_DECAP_OK = 0,     /* outer header stripped */
	LB_DECAP_PASS,       /* not a tunnel packet for us */
	LB_DECAP_MALFORMED,  /* truncated outer or inner header: dropped */
	LB_DECAP_MAX
};

_Static_assert(sizeof(struct lb_vip_key) == 20, "lb_vip_key layout");
_Static_assert(sizeof(struct lb_vip_val) == 4, "lb_vip_val layout");
_Static_assert(sizeof(struct lb_svc_key) == 20, "lb_svc_key layout");
_Static_assert(sizeof(struct lb_svc_val) == 8, "lb_svc_val layout");
_Static_assert(sizeof(struct lb_svc_state) == 8 + 8 * LB_RING_SLOTS, "lb_svc_state layout");
_Static_assert(sizeof(struct lb_svc_ent) == 32, "lb_svc_ent layout");
_Static_assert(sizeof(struct lb_svc_set) == 8 + 32 * LB_SVC_WAYS, "lb_svc_set layout");
_Static_assert(sizeof(struct lb_real) == 28, "lb_real layout");
_Static_assert(sizeof(struct lb_flow_key) == 40, "lb_flow_key layout");
_Static_assert(sizeof(struct lb_flow_set) == 64, "lb_flow_set layout: one cache line");
_Static_assert(sizeof(struct lb_ct_val) == 24, "lb_ct_val layout");
_Static_assert(sizeof(struct lb_cfg) == 40, "lb_cfg layout");
_Static_assert(sizeof(struct lb_nh) == 24, "lb_nh layout");
_Static_assert(sizeof(struct lb_ctr) == 16, "lb_ctr layout");

#endif
