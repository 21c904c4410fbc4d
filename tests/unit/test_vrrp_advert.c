// SPDX-License-Identifier: GPL-2.0-only
/*
 * VRRP advert parsing: versions 2 and 3, IPv4 and IPv6, and every way a
 * packet can be malformed or cut short, then random bytes: parsing is
 * bounded and never reads past what it was given (run under `make asan`'s
 * sanitizers to see a stray read).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <netinet/ip.h>

#include "tests/lib/check_main.h"
#include "vrrp/vrrp_internal.h"

/* A VRRP message: version, vrid, priority, n addresses of alen bytes. */
static size_t vrrp_msg(uint8_t *p, int version, uint8_t vrid, uint8_t prio,
		       uint8_t n, size_t alen)
{
	size_t len = VW_VRRP_HDR + n * alen + (version == 2 ? 8 : 0);

	memset(p, 0, len);
	p[0] = (uint8_t)(version << 4 | 1);
	p[1] = vrid;
	p[2] = prio;
	p[3] = n;
	if (version == 2) {
		p[5] = 1; /* 1 s */
	} else {
		p[4] = 0;
		p[5] = 10; /* 10 cs = 100 ms */
	}
	for (size_t i = 0; i < n * alen; i++)
		p[VW_VRRP_HDR + i] = (uint8_t)(i + 1);
	return len;
}

/* The same behind an IPv4 header from src with ttl. */
static size_t ip4_pkt(uint8_t *p, const char *src, uint8_t ttl, int version,
		      uint8_t vrid, uint8_t n)
{
	struct iphdr ip = {
	    .version = 4, .ihl = 5, .ttl = ttl, .protocol = VW_VRRP_PROTO};
	size_t len = vrrp_msg(p + sizeof(ip), version, vrid, 100, n, 4);

	ip.tot_len = htons((uint16_t)(sizeof(ip) + len));
	ck_assert_int_eq(inet_pton(AF_INET, src, &ip.saddr), 1);
	inet_pton(AF_INET, "224.0.0.18", &ip.daddr);
	memcpy(p, &ip, sizeof(ip));
	return sizeof(ip) + len;
}

START_TEST(v3_ipv4_and_ipv6)
{
	uint8_t p[256];
	struct vw_advert a;
	size_t len;

	len = vrrp_msg(p, 3, 51, 150, 2, 4);
	ck_assert_int_eq(vw_advert_parse(p, len, AF_INET, &a), 0);
	ck_assert_uint_eq(a.version, 3);
	ck_assert_uint_eq(a.vrid, 51);
	ck_assert_uint_eq(a.priority, 150);
	ck_assert_uint_eq(a.n_addrs, 2);
	ck_assert_uint_eq(a.interval_cs, 10);

	len = vrrp_msg(p, 3, 52, 100, 1, 16);
	ck_assert_int_eq(vw_advert_parse(p, len, AF_INET6, &a), 0);
	ck_assert_uint_eq(a.vrid, 52);
	/* The same bytes read as IPv4 are long enough too (fewer bytes). */
	ck_assert_int_eq(vw_advert_parse(p, len, AF_INET, &a), 0);
	/* 12-bit interval. */
	p[4] = 0x0f;
	p[5] = 0xff;
	ck_assert_int_eq(vw_advert_parse(p, len, AF_INET6, &a), 0);
	ck_assert_uint_eq(a.interval_cs, 4095);
}
END_TEST

START_TEST(v2_ipv4_only)
{
	uint8_t p[256];
	struct vw_advert a;
	size_t len = vrrp_msg(p, 2, 7, 200, 3, 4);

	ck_assert_int_eq(vw_advert_parse(p, len, AF_INET, &a), 0);
	ck_assert_uint_eq(a.version, 2);
	ck_assert_uint_eq(a.interval_cs, 100);
	ck_assert_uint_eq(a.n_addrs, 3);
	ck_assert_int_eq(vw_advert_parse(p, len, AF_INET6, &a), -EINVAL);
}
END_TEST

START_TEST(malformed)
{
	uint8_t p[256];
	struct vw_advert a;
	size_t len = vrrp_msg(p, 3, 51, 100, 2, 4);

	/* Every cut short of the addresses. */
	for (size_t l = 0; l < len; l++)
		ck_assert_int_lt(vw_advert_parse(p, l, AF_INET, &a), 0);
	/* Count larger than the packet. */
	p[3] = 200;
	ck_assert_int_eq(vw_advert_parse(p, len, AF_INET, &a), -EMSGSIZE);
	p[3] = 2;
	/* Type other than ADVERTISEMENT. */
	p[0] = 3 << 4 | 2;
	ck_assert_int_eq(vw_advert_parse(p, len, AF_INET, &a), -EINVAL);
	/* Versions 1 and 4. */
	p[0] = 1 << 4 | 1;
	ck_assert_int_eq(vw_advert_parse(p, len, AF_INET, &a), -EINVAL);
	p[0] = 4 << 4 | 1;
	ck_assert_int_eq(vw_advert_parse(p, len, AF_INET, &a), -EINVAL);
	/* VRID 0. */
	p[0] = 3 << 4 | 1;
	p[1] = 0;
	ck_assert_int_eq(vw_advert_parse(p, len, AF_INET, &a), -EINVAL);
	/* Unknown family. */
	p[1] = 51;
	ck_assert_int_eq(vw_advert_parse(p, len, AF_UNIX, &a), -EINVAL);
	ck_assert_int_eq(vw_advert_parse(p, len, AF_INET, &a), 0);
}
END_TEST

START_TEST(ipv4_header)
{
	uint8_t p[256];
	struct vw_advert a;
	struct lb_addr src, want;
	size_t len = ip4_pkt(p, "10.0.0.12", 255, 3, 51, 1);
	struct iphdr *ip = (struct iphdr *)p;

	ck_assert_int_eq(vw_advert_parse_ip4(p, len, &src, &a), 0);
	ck_assert_int_eq(lb_addr_parse("10.0.0.12", &want), 0);
	ck_assert_int_eq(lb_addr_cmp(&src, &want), 0);
	ck_assert_uint_eq(a.vrid, 51);
	/* Trailing bytes beyond tot_len are not part of the packet. */
	ck_assert_int_eq(vw_advert_parse_ip4(p, len + 10, &src, &a), 0);
	/* Cut anywhere. */
	for (size_t l = 0; l < len; l++)
		ck_assert_int_lt(vw_advert_parse_ip4(p, l, &src, &a), 0);
	/* Not from a neighbour. */
	ip->ttl = 254;
	ck_assert_int_eq(vw_advert_parse_ip4(p, len, &src, &a), -EINVAL);
	ip->ttl = 255;
	/* Header length too small, or larger than the packet. */
	ip->ihl = 4;
	ck_assert_int_eq(vw_advert_parse_ip4(p, len, &src, &a), -EINVAL);
	ip->ihl = 15;
	ck_assert_int_eq(vw_advert_parse_ip4(p, 40, &src, &a), -EINVAL);
	ip->ihl = 5;
	/* tot_len beyond what arrived, or shorter than the header. */
	ip->tot_len = htons(1000);
	ck_assert_int_eq(vw_advert_parse_ip4(p, len, &src, &a), -EMSGSIZE);
	ip->tot_len = htons(12);
	ck_assert_int_eq(vw_advert_parse_ip4(p, len, &src, &a), -EMSGSIZE);
	ip->tot_len = htons((uint16_t)len);
	/* Another protocol, IPv6 in the version field, a fragment. */
	ip->protocol = IPPROTO_TCP;
	ck_assert_int_eq(vw_advert_parse_ip4(p, len, &src, &a), -EINVAL);
	ip->protocol = VW_VRRP_PROTO;
	ip->version = 6;
	ck_assert_int_eq(vw_advert_parse_ip4(p, len, &src, &a), -EINVAL);
	ip->version = 4;
	ip->frag_off = htons(IP_MF);
	ck_assert_int_eq(vw_advert_parse_ip4(p, len, &src, &a), -EINVAL);
	ip->frag_off = 0;
	ck_assert_int_eq(vw_advert_parse_ip4(p, len, &src, &a), 0);
}
END_TEST

START_TEST(random_bytes)
{
	struct vw_advert a;
	struct lb_addr src;
	unsigned int seed = 12345;

	for (int i = 0; i < 20000; i++) {
		size_t len = (size_t)(rand_r(&seed) % 80);
		uint8_t *p = malloc(len ? len : 1);

		ck_assert_ptr_nonnull(p);
		for (size_t j = 0; j < len; j++)
			p[j] = (uint8_t)rand_r(&seed);
		if (len > 0 && i % 2)
			p[0] = 0x45; /* a plausible IPv4 header start */
		int fam = i % 3 ? AF_INET : AF_INET6;

		/* Whatever is accepted fits in what was given. */
		if (vw_advert_parse_ip4(p, len, &src, &a) == 0)
			ck_assert_uint_ge(len,
					  20 + VW_VRRP_HDR + a.n_addrs * 4u);
		if (vw_advert_parse(p, len, fam, &a) == 0)
			ck_assert_uint_ge(
			    len, VW_VRRP_HDR +
				     a.n_addrs * (fam == AF_INET ? 4u : 16u));
		free(p);
	}
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("vrrp_advert");
	TCase *tc = tcase_create("advert");

	tcase_add_test(tc, v3_ipv4_and_ipv6);
	tcase_add_test(tc, v2_ipv4_only);
	tcase_add_test(tc, malformed);
	tcase_add_test(tc, ipv4_header);
	tcase_add_test(tc, random_bytes);
	suite_add_tcase(s, tc);
	return s;
}
