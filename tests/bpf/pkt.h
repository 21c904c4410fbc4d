/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small packet generator for the golden-packet fixtures and benchmarks.
 * Every checksum is computed from scratch, so comparing the forwarder's
 * incrementally updated output against a frame built here checks it.
 */
#ifndef BALLAST_TESTS_BPF_PKT_H
#define BALLAST_TESTS_BPF_PKT_H

#include <stddef.h>
#include <stdint.h>

#define PKT_MAX 512

struct pspec {
	uint8_t dmac[6], smac[6];
	uint16_t vlan;         /* VLAN id; 0: untagged */
	int family;            /* AF_INET or AF_INET6 */
	uint32_t src[4], dst[4]; /* network order; IPv4 in [0] */
	uint8_t proto;         /* IPPROTO_TCP, _UDP, 132 (SCTP), _ICMP, _ICMPV6 */
	uint16_t sport, dport; /* host order */
	uint8_t tcp_flags;
	uint8_t ttl;           /* 0: 64 */
	uint8_t tos;
	uint8_t ip_opts;       /* IPv4 option bytes (router alert + NOPs), multiple of 4 */
	uint16_t frag;         /* IPv4 frag_off (host order); IPv6: fragment header */
	int v6_frag;           /* IPv6: insert a fragment header */
	uint8_t icmp_type, icmp_code;
	const uint8_t *quote;  /* ICMP error: quoted L3 packet */
	size_t quote_len;
	size_t payload;        /* payload bytes (a fixed pattern) */
};

/* Build the frame; returns its length. */
size_t pkt_build(const struct pspec *s, uint8_t *out);
/* Build only the L3 packet (no Ethernet header); returns its length. */
size_t pkt_build_l3(const struct pspec *s, uint8_t *out);

/*
 * Expected DSR output: an outer IPv4 (outer_family AF_INET, protocol 4/41) or
 * IPv6 header inserted after the L2 header of frame, MACs replaced. Mirrors
 * what a correct encapsulator must produce, written independently.
 */
size_t pkt_encap(const uint8_t *frame, size_t len, size_t l2, int outer_family,
		 const uint32_t *src, const uint32_t *dst, const uint8_t dmac[6],
		 const uint8_t smac[6], uint32_t flow_label, uint8_t *out);

/* Internet checksum of len bytes plus an initial sum. */
uint16_t pkt_csum(const void *p, size_t len, uint32_t sum);

void pkt_hex(const char *what, const uint8_t *p, size_t len);

#endif
