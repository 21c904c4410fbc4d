// SPDX-License-Identifier: GPL-2.0-only
#include "tests/bpf/pkt.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

static uint32_t sum16(const void *p, size_t len, uint32_t sum)
{
	const uint8_t *b = p;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	return sum;
}

uint16_t pkt_csum(const void *p, size_t len, uint32_t sum)
{
	sum = sum16(p, len, sum);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

/* Pseudo-header sum for the L4 checksum. */
static uint32_t pseudo(const struct pspec *s, uint8_t proto, size_t l4len)
{
	uint32_t sum = 0;

	if (s->family == AF_INET) {
		sum = sum16(s->src, 4, sum);
		sum = sum16(s->dst, 4, sum);
	} else {
		sum = sum16(s->src, 16, sum);
		sum = sum16(s->dst, 16, sum);
	}
	return sum + proto + (uint32_t)l4len;
}

/* CRC32c for SCTP (RFC 3309), bitwise: fixtures only. */
static uint32_t crc32c(const uint8_t *p, size_t len)
{
	uint32_t crc = 0xffffffff;

	for (size_t i = 0; i < len; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78 & -(crc & 1));
	}
	return ~crc;
}

/* Transport header + payload at p; returns its length. */
static size_t build_l4(const struct pspec *s, uint8_t *p)
{
	size_t hl, n;
	uint8_t proto = s->proto;

	switch (proto) {
	case IPPROTO_TCP:
		hl = 20;
		memset(p, 0, hl);
		put16(p, s->sport);
		put16(p + 2, s->dport);
		put32(p + 4, 0x01020304);
		put32(p + 8, s->tcp_flags & 0x10 ? 0x0a0b0c0d : 0);
		p[12] = 5 << 4;
		p[13] = s->tcp_flags;
		put16(p + 14, 65535);
		break;
	case IPPROTO_UDP:
		hl = 8;
		memset(p, 0, hl);
		put16(p, s->sport);
		put16(p + 2, s->dport);
		break;
	case 132:
		hl = 12;
		memset(p, 0, hl);
		put16(p, s->sport);
		put16(p + 2, s->dport);
		put32(p + 4, 0xdeadbeef);
		break;
	default: /* ICMP / ICMPv6 */
		hl = 8;
		memset(p, 0, hl);
		p[0] = s->icmp_type;
		p[1] = s->icmp_code;
		if (s->quote) {
			if (s->icmp_type == 2) /* packet too big: MTU */
				put32(p + 4, 1280);
			else if (s->icmp_type == 3 && s->icmp_code == 4)
				put16(p + 6, 1400);
			memcpy(p + hl, s->quote, s->quote_len);
			hl += s->quote_len;
		} else {
			put16(p + 4, 0x1234); /* echo id */
			put16(p + 6, 7);      /* echo seq */
		}
		break;
	}
	for (size_t i = 0; i < s->payload; i++)
		p[hl + i] = (uint8_t)(0x41 + i % 26);
	n = hl + s->payload;

	switch (proto) {
	case IPPROTO_TCP:
		put16(p + 16, pkt_csum(p, n, pseudo(s, proto, n)));
		break;
	case IPPROTO_UDP: {
		uint16_t c;

		put16(p + 4, (uint16_t)n);
		c = pkt_csum(p, n, pseudo(s, proto, n));
		put16(p + 6, c ? c : 0xffff);
		break;
	}
	case 132: {
		uint32_t c = crc32c(p, n);

		/* The CRC is stored little-endian. */
		p[8] = c & 0xff;
		p[9] = (c >> 8) & 0xff;
		p[10] = (c >> 16) & 0xff;
		p[11] = c >> 24;
		break;
	}
	case IPPROTO_ICMP:
		put16(p + 2, pkt_csum(p, n, 0));
		break;
	default: /* ICMPv6 */
		put16(p + 2, pkt_csum(p, n, pseudo(s, IPPROTO_ICMPV6, n)));
		break;
	}
	return n;
}

size_t pkt_build_l3(const struct pspec *s, uint8_t *out)
{
	uint8_t ttl = s->ttl ? s->ttl : 64;
	size_t n;

	if (s->family == AF_INET) {
		size_t hl = 20 + s->ip_opts;

		memset(out, 0, hl);
		out[0] = 0x40 | (uint8_t)(hl / 4);
		out[1] = s->tos;
		put16(out + 4, 0x4242);
		put16(out + 6, s->frag);
		out[8] = ttl;
		out[9] = s->proto;
		memcpy(out + 12, s->src, 4);
		memcpy(out + 16, s->dst, 4);
		if (s->ip_opts) {
			/* Router alert, then NOPs, then EOL padding. */
			out[20] = 0x94;
			out[21] = 4;
			for (size_t i = 24; i < hl; i++)
				out[i] = 1;
		}
		n = hl + build_l4(s, out + hl);
		put16(out + 2, (uint16_t)n);
		put16(out + 10, pkt_csum(out, hl, 0));
		return n;
	}
	memset(out, 0, 40);
	out[0] = 0x60 | (s->tos >> 4);
	out[1] = (uint8_t)(s->tos << 4);
	out[6] = s->v6_frag ? 44 : s->proto;
	out[7] = ttl;
	memcpy(out + 8, s->src, 16);
	memcpy(out + 24, s->dst, 16);
	n = 40;
	if (s->v6_frag) {
		memset(out + n, 0, 8);
		out[n] = s->proto;
		put16(out + n + 2, s->frag);
		put32(out + n + 4, 0x99);
		n += 8;
	}
	n += build_l4(s, out + n);
	put16(out + 4, (uint16_t)(n - 40));
	return n;
}

size_t pkt_build(const struct pspec *s, uint8_t *out)
{
	size_t l2 = s->vlan ? 18 : 14;
	uint16_t et = s->family == AF_INET ? 0x0800 : 0x86dd;

	memcpy(out, s->dmac, 6);
	memcpy(out + 6, s->smac, 6);
	if (s->vlan) {
		put16(out + 12, 0x8100);
		put16(out + 14, s->vlan);
		put16(out + 16, et);
	} else {
		put16(out + 12, et);
	}
	return l2 + pkt_build_l3(s, out + l2);
}

size_t pkt_encap(const uint8_t *frame, size_t len, size_t l2, int outer_family,
		 const uint32_t *src, const uint32_t *dst, const uint8_t dmac[6],
		 const uint8_t smac[6], uint32_t flow_label, uint8_t *out)
{
	size_t inner = len - l2, hl = outer_family == AF_INET ? 20 : 40;
	int inner_v4 = (frame[l2] >> 4) == 4;
	uint8_t tos = inner_v4 ? frame[l2 + 1] :
				 (uint8_t)((frame[l2] << 4) | (frame[l2 + 1] >> 4));
	uint8_t *o = out + l2;

	memcpy(out, frame, l2);
	memcpy(out, dmac, 6);
	memcpy(out + 6, smac, 6);
	put16(out + l2 - 2, outer_family == AF_INET ? 0x0800 : 0x86dd);
	memset(o, 0, hl);
	if (outer_family == AF_INET) {
		o[0] = 0x45;
		o[1] = tos;
		put16(o + 2, (uint16_t)(inner + 20));
		o[8] = 64;
		o[9] = inner_v4 ? 4 : 41;
		memcpy(o + 12, src, 4);
		memcpy(o + 16, dst, 4);
		put16(o + 10, pkt_csum(o, 20, 0));
	} else {
		put32(o, (6u << 28) | ((uint32_t)tos << 20) | (flow_label & 0xfffff));
		put16(o + 4, (uint16_t)inner);
		o[6] = inner_v4 ? 4 : 41;
		o[7] = 64;
		memcpy(o + 8, src, 16);
		memcpy(o + 24, dst, 16);
	}
	memcpy(o + hl, frame + l2, inner);
	return len + hl;
}

void pkt_hex(const char *what, const uint8_t *p, size_t len)
{
	fprintf(stderr, "  %s (%zu bytes):", what, len);
	for (size_t i = 0; i < len; i++)
		fprintf(stderr, "%s%02x", i % 16 ? " " : "\n    ", p[i]);
	fprintf(stderr, "\n");
}
