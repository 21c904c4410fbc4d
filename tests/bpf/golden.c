// SPDX-License-Identifier: GPL-2.0-only
/*
 * Golden-packet tests of the shipped forwarder objects through
 * BPF_PROG_TEST_RUN: for every case an input frame, the expected verdict,
 * the expected output frame byte for byte and the expected counter changes.
 * Frames come from tests/bpf/pkt.c; expected frames are built independently
 * (full checksums), never by running the program. Run by tests/bpf/run.sh
 * inside its own network namespace.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include "dataplane/xdp/bpf/lb_hash.h"
#include "dataplane/xdp/decap.skel.h"
#include "dataplane/xdp/lb.skel.h"
#include "dataplane/xdp/xdp_maps.h"
#include "tests/bpf/lab.h"
#include "tests/bpf/pkt.h"

#define M 251 /* ring size for the fixtures */

static struct lab L;
static int n_pass, n_fail, n_skip;

struct delta {
	int idx;
	uint64_t n;
};
#define END { -1, 0 }

/*
 * Point the lbx gateway's neighbour entry at MAC with iproute2's ip, found on
 * PATH and run without a shell: a shell such as busybox's (the test VM's
 * /bin/sh) may run its own, smaller ip applet instead.
 */
static int set_gwx_mac(const char *mac)
{
	char *argv[] = {"ip",	  "neigh",     "replace", "10.9.0.2",
			"lladdr", (char *)mac, "dev",	  "lbx",
			"nud",	  "permanent", NULL};
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execvp("ip", argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

/* ---- result reporting ------------------------------------------------------ */

static void pass(const char *name)
{
	n_pass++;
	printf("PASS: %s\n", name);
}

static void fail(const char *name, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fail(const char *name, const char *fmt, ...)
{
	va_list ap;

	n_fail++;
	printf("FAIL: %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static int record(void)
{
	const char *dir = getenv("BALLAST_RESULTS");

	if (dir && *dir) {
		char path[4096];
		FILE *f;

		snprintf(path, sizeof(path), "%s/bpf-golden.res", dir);
		f = fopen(path, "w");
		if (f) {
			fprintf(f, "%d %d %d\n", n_pass, n_fail, n_skip);
			fclose(f);
		}
	}
	printf("bpf-golden: %d passed, %d failed, %d skipped\n", n_pass, n_fail,
	       n_skip);
	return n_fail ? 1 : 0;
}

/* ---- frames ------------------------------------------------------------------ */

static struct pspec flow(int family, const char *src, uint16_t sport,
			 const char *dst, uint16_t dport, uint8_t proto,
			 uint8_t flags)
{
	struct pspec s = { .family = family, .proto = proto, .sport = sport,
			   .dport = dport, .tcp_flags = flags, .payload = 10 };

	memcpy(s.dmac, lab_mac_lb0, 6);
	memcpy(s.smac, lab_mac_client, 6);
	lab_addr(src, s.src);
	lab_addr(dst, s.dst);
	return s;
}

static struct lb_flow_key fkey(const struct pspec *s)
{
	struct lb_flow_key k = { .sport = htons(s->sport), .dport = htons(s->dport),
				 .proto = s->proto, .family = (uint8_t)s->family };

	memcpy(k.src, s->src, 16);
	memcpy(k.dst, s->dst, 16);
	return k;
}

/* Expected DSR frame of in toward real (outer family of real). */
static size_t dsr_expect(const struct pspec *s, const uint8_t *in, size_t len,
			 int real_family, const char *real, const uint8_t *dmac,
			 const uint8_t *smac, uint8_t *out)
{
	uint32_t src[4], dst[4];
	struct lb_flow_key k = fkey(s);

	lab_addr(real_family == AF_INET ? "10.0.0.1" : "fd00::1", src);
	lab_addr(real, dst);
	return pkt_encap(in, len, s->vlan ? 18 : 14, real_family, src, dst, dmac,
			 smac, lb_hash_flow(&k, 0) & 0xfffff, out);
}

/* ---- running a case ---------------------------------------------------------- */

static int run_and_compare(const char *name, int prog, int ifindex,
			   const uint8_t *in, size_t len, uint32_t want_ret,
			   const uint8_t *want, size_t want_len, uint8_t *out,
			   size_t *out_len)
{
	uint32_t ret;
	int err;

	*out_len = PKT_MAX + 128;
	err = lab_run(prog, ifindex, in, len, out, out_len, &ret, 1, NULL);
	if (err) {
		fail(name, "test run: %s", strerror(-err));
		return -1;
	}
	if (ret != want_ret) {
		fail(name, "verdict %u, want %u", ret, want_ret);
		return -1;
	}
	if (want && (*out_len != want_len || memcmp(out, want, want_len))) {
		fail(name, "output frame differs");
		pkt_hex("got", out, *out_len);
		pkt_hex("want", want, want_len);
		return -1;
	}
	return 0;
}

static void check(const char *name, int prog, const uint8_t *in, size_t len,
		  uint32_t want_ret, const uint8_t *want, size_t want_len,
		  const struct delta *d)
{
	uint64_t before[LB_STAT_MAX], after[LB_STAT_MAX], exp[LB_STAT_MAX] = { 0 };
	uint8_t out[PKT_MAX + 128];
	size_t out_len;

	if (lab_stats(&L, before)) {
		fail(name, "reading counters");
		return;
	}
	if (run_and_compare(name, prog, prog == L.prog_tc ? 0 : L.ifindex, in,
			    len, want_ret, want, want_len, out, &out_len)) {
		if (!lab_stats(&L, after))
			for (int i = 0; i < LB_STAT_MAX; i++)
				if (after[i] != before[i])
					printf("  counter %s +%llu\n",
					       dp_xdp_stat_name((unsigned int)i),
					       (unsigned long long)(after[i] - before[i]));
		return;
	}
	if (lab_stats(&L, after)) {
		fail(name, "reading counters");
		return;
	}
	for (; d && d->idx >= 0; d++)
		exp[d->idx] = d->n;
	for (int i = 0; i < LB_STAT_MAX; i++) {
		if (after[i] - before[i] != exp[i]) {
			fail(name, "counter %s changed by %llu, want %llu",
			     dp_xdp_stat_name((unsigned int)i),
			     (unsigned long long)(after[i] - before[i]),
			     (unsigned long long)exp[i]);
			return;
		}
	}
	pass(name);
}

#define XDP(name, in, len, ret, want, wlen, ...)                                   \
	do {                                                                        \
		const struct delta d_[] = { __VA_ARGS__, END };                     \
		check(name, L.prog_xdp, in, len, ret, want, wlen, d_);              \
	} while (0)

/* ---- setup --------------------------------------------------------------------- */

static int setup(void)
{
	static const uint32_t r1[] = { 1 }, r2[] = { 2 }, r3[] = { 3 },
		r4[] = { 4 }, r5[] = { 5 }, r6[] = { 6 }, r8[] = { 8, 16 },
		r9[] = { 10 }, r10[] = { 11 }, r11[] = { 12 }, r12[] = { 13 },
		r13[] = { 15 };
	int err = 0;

	err |= lab_vip(&L, AF_INET, "10.100.0.1", LB_VIP_ECHO);
	err |= lab_vip(&L, AF_INET, "10.100.0.2", 0);
	err |= lab_vip(&L, AF_INET, "10.100.0.3", 0);
	err |= lab_vip(&L, AF_INET, "10.100.0.4", LB_VIP_ANY_PORT);
	err |= lab_vip(&L, AF_INET, "10.100.0.5", 0);
	err |= lab_vip(&L, AF_INET, "10.100.0.6", 0);
	err |= lab_vip(&L, AF_INET, "10.100.0.7", 0);
	err |= lab_vip(&L, AF_INET, "10.100.0.8", 0);
	err |= lab_vip(&L, AF_INET, "10.100.0.9", 0);
	err |= lab_vip(&L, AF_INET6, "fd10::1", LB_VIP_ECHO);
	err |= lab_vip(&L, AF_INET6, "fd10::2", 0);

	err |= lab_service(&L, AF_INET, "10.100.0.1", 80, IPPROTO_TCP, 1, 0);
	err |= lab_service(&L, AF_INET, "10.100.0.1", 53, IPPROTO_UDP, 2, 0);
	err |= lab_service(&L, AF_INET, "10.100.0.1", 9999, 132, 3, 0);
	err |= lab_service(&L, AF_INET, "10.100.0.2", 80, IPPROTO_TCP, 4, LB_SVC_NAT);
	err |= lab_service(&L, AF_INET6, "fd10::1", 80, IPPROTO_TCP, 5, 0);
	err |= lab_service(&L, AF_INET6, "fd10::2", 80, IPPROTO_TCP, 6, LB_SVC_NAT);
	err |= lab_service(&L, AF_INET, "10.100.0.3", 80, IPPROTO_TCP, 7, 0);
	err |= lab_service(&L, AF_INET, "10.100.0.4", 0, IPPROTO_UDP, 8,
			   LB_SVC_SRC_HASH | LB_SVC_ANY_PORT);
	err |= lab_service(&L, AF_INET, "10.100.0.5", 80, IPPROTO_TCP, 9, 0);
	err |= lab_service(&L, AF_INET, "10.100.0.6", 80, IPPROTO_TCP, 10, 0);
	err |= lab_service(&L, AF_INET, "10.100.0.7", 80, IPPROTO_TCP, 11, 0);
	err |= lab_service(&L, AF_INET, "10.100.0.8", 443, IPPROTO_TCP, 12, 0);
	err |= lab_service(&L, AF_INET, "10.100.0.9", 80, IPPROTO_TCP, 13, 0);

	err |= lab_real(&L, 1, AF_INET, "10.1.0.11", 0, 1);
	err |= lab_real(&L, 2, AF_INET, "10.1.0.12", 0, 2);
	err |= lab_real(&L, 3, AF_INET, "10.1.0.13", 0, 3);
	err |= lab_real(&L, 4, AF_INET, "10.1.0.14", 8080, 4);
	err |= lab_real(&L, 5, AF_INET6, "fd01::15", 0, 5);
	err |= lab_real(&L, 6, AF_INET6, "fd01::16", 8080, 6);
	err |= lab_real(&L, 8, AF_INET, "10.1.0.18", 0, 8);
	err |= lab_real(&L, 16, AF_INET, "10.1.0.26", 0, 8);
	err |= lab_real(&L, 10, AF_INET, "10.2.0.20", 0, 9);
	err |= lab_real(&L, 11, AF_INET, "10.3.0.21", 0, 10);
	err |= lab_real(&L, 12, AF_INET6, "fd01::22", 0, 11);
	err |= lab_real(&L, 13, AF_INET, "10.1.0.23", 0, 12);
	err |= lab_real(&L, 14, AF_INET, "10.1.0.24", 0, 12);
	err |= lab_real(&L, 15, AF_INET, "10.1.0.25", 0, 13);

	err |= lab_ring(&L, 1, r1, 1);
	err |= lab_ring(&L, 2, r2, 1);
	err |= lab_ring(&L, 3, r3, 1);
	err |= lab_ring(&L, 4, r4, 1);
	err |= lab_ring(&L, 5, r5, 1);
	err |= lab_ring(&L, 6, r6, 1);
	err |= lab_ring(&L, 7, NULL, 0);
	err |= lab_ring(&L, 8, r8, 2);
	err |= lab_ring(&L, 9, r9, 1);
	err |= lab_ring(&L, 10, r10, 1);
	err |= lab_ring(&L, 11, r11, 1);
	err |= lab_ring(&L, 12, r12, 1);
	err |= lab_ring(&L, 13, r13, 1);
	return err ? -EIO : 0;
}

/* ---- cases ---------------------------------------------------------------------- */

static uint8_t in[PKT_MAX], want[PKT_MAX + 128];

static void tcp_modes(void)
{
	struct pspec s;
	size_t n, w;

	/* IPv4 DSR: SYN (ring, insert) then ACK (flow table). */
	s = flow(AF_INET, "192.0.2.10", 40001, "10.100.0.1", 80, IPPROTO_TCP, 0x02);
	n = pkt_build(&s, in);
	w = dsr_expect(&s, in, n, AF_INET, "10.1.0.11", lab_mac_gw, lab_mac_lb0, want);
	{
		struct { uint64_t packets, bytes; } sc0, sc1, rc0, rc1;

		if (dp_xdp_percpu_sum(L.fd_svc_ctr, 1, 2, &sc0.packets) ||
		    dp_xdp_percpu_sum(L.fd_real_ctr, 1, 2, &rc0.packets))
			fail("counters", "read");
		XDP("tcp4 dsr syn", in, n, XDP_TX, want, w, { LB_STAT_LRU_MISS, 1 },
		    { LB_STAT_TX, 1 });
		if (dp_xdp_percpu_sum(L.fd_svc_ctr, 1, 2, &sc1.packets) ||
		    dp_xdp_percpu_sum(L.fd_real_ctr, 1, 2, &rc1.packets))
			fail("counters", "read");
		if (sc1.packets - sc0.packets == 1 && sc1.bytes - sc0.bytes == n &&
		    rc1.packets - rc0.packets == 1 && rc1.bytes - rc0.bytes == n)
			pass("per-service and per-real counters");
		else
			fail("per-service and per-real counters", "svc +%llu/%llu real +%llu/%llu",
			     (unsigned long long)(sc1.packets - sc0.packets),
			     (unsigned long long)(sc1.bytes - sc0.bytes),
			     (unsigned long long)(rc1.packets - rc0.packets),
			     (unsigned long long)(rc1.bytes - rc0.bytes));
	}
	s.tcp_flags = 0x10;
	n = pkt_build(&s, in);
	w = dsr_expect(&s, in, n, AF_INET, "10.1.0.11", lab_mac_gw, lab_mac_lb0, want);
	XDP("tcp4 dsr ack (flow hit)", in, n, XDP_TX, want, w, { LB_STAT_LRU_HIT, 1 },
	    { LB_STAT_TX, 1 });

	/* IPv6 DSR. */
	s = flow(AF_INET6, "2001:db8::10", 40005, "fd10::1", 80, IPPROTO_TCP, 0x02);
	n = pkt_build(&s, in);
	w = dsr_expect(&s, in, n, AF_INET6, "fd01::15", lab_mac_gw, lab_mac_lb0, want);
	XDP("tcp6 dsr syn", in, n, XDP_TX, want, w, { LB_STAT_LRU_MISS, 1 },
	    { LB_STAT_TX, 1 });
	s.tcp_flags = 0x10;
	n = pkt_build(&s, in);
	w = dsr_expect(&s, in, n, AF_INET6, "fd01::15", lab_mac_gw, lab_mac_lb0, want);
	XDP("tcp6 dsr ack (flow hit)", in, n, XDP_TX, want, w, { LB_STAT_LRU_HIT, 1 },
	    { LB_STAT_TX, 1 });

	/* IPv4 NAT: destination rewritten to 10.1.0.14:8080, conntrack entry. */
	s = flow(AF_INET, "192.0.2.10", 40003, "10.100.0.2", 80, IPPROTO_TCP, 0x02);
	n = pkt_build(&s, in);
	{
		struct pspec e = s;

		lab_addr("10.1.0.14", e.dst);
		e.dport = 8080;
		memcpy(e.dmac, lab_mac_gw, 6);
		memcpy(e.smac, lab_mac_lb0, 6);
		w = pkt_build(&e, want);
	}
	XDP("tcp4 nat syn", in, n, XDP_TX, want, w, { LB_STAT_LRU_MISS, 1 },
	    { LB_STAT_TX, 1 }, { LB_STAT_NAT_CT_NEW, 1 });
	{
		struct lb_flow_key rk = { .sport = htons(8080), .dport = htons(40003),
					  .proto = IPPROTO_TCP, .family = AF_INET };
		struct lb_ct_val cv;
		uint32_t vip[4];

		lab_addr("10.1.0.14", rk.src);
		lab_addr("192.0.2.10", rk.dst);
		lab_addr("10.100.0.2", vip);
		if (!bpf_map_lookup_elem(L.fd_ct, &rk, &cv) && cv.vip[0] == vip[0] &&
		    cv.vport == htons(80) && cv.svc_id == 4 && cv.family == AF_INET)
			pass("tcp4 nat conntrack entry");
		else
			fail("tcp4 nat conntrack entry", "missing or wrong");
	}
	s.tcp_flags = 0x10;
	n = pkt_build(&s, in);
	{
		struct pspec e = s;

		lab_addr("10.1.0.14", e.dst);
		e.dport = 8080;
		memcpy(e.dmac, lab_mac_gw, 6);
		memcpy(e.smac, lab_mac_lb0, 6);
		w = pkt_build(&e, want);
	}
	XDP("tcp4 nat ack (flow hit)", in, n, XDP_TX, want, w, { LB_STAT_LRU_HIT, 1 },
	    { LB_STAT_TX, 1 });

	/* IPv6 NAT. */
	s = flow(AF_INET6, "2001:db8::10", 40007, "fd10::2", 80, IPPROTO_TCP, 0x02);
	n = pkt_build(&s, in);
	{
		struct pspec e = s;

		lab_addr("fd01::16", e.dst);
		e.dport = 8080;
		memcpy(e.dmac, lab_mac_gw, 6);
		memcpy(e.smac, lab_mac_lb0, 6);
		w = pkt_build(&e, want);
	}
	XDP("tcp6 nat syn", in, n, XDP_TX, want, w, { LB_STAT_LRU_MISS, 1 },
	    { LB_STAT_TX, 1 }, { LB_STAT_NAT_CT_NEW, 1 });
	s.tcp_flags = 0x10;
	n = pkt_build(&s, in);
	{
		struct pspec e = s;

		lab_addr("fd01::16", e.dst);
		e.dport = 8080;
		memcpy(e.dmac, lab_mac_gw, 6);
		memcpy(e.smac, lab_mac_lb0, 6);
		w = pkt_build(&e, want);
	}
	XDP("tcp6 nat ack (flow hit)", in, n, XDP_TX, want, w, { LB_STAT_LRU_HIT, 1 },
	    { LB_STAT_TX, 1 });
}

static void tc_replies(void)
{
	struct pspec s, e;
	size_t n, w;

	/* The real answers 192.0.2.10:40003 from 10.1.0.14:8080 -> VIP:80. */
	s = flow(AF_INET, "10.1.0.14", 8080, "192.0.2.10", 40003, IPPROTO_TCP, 0x12);
	n = pkt_build(&s, in);
	e = s;
	lab_addr("10.100.0.2", e.src);
	e.sport = 80;
	w = pkt_build(&e, want);
	check("tc nat reply ipv4", L.prog_tc, in, n, TC_ACT_OK, want, w,
	      (const struct delta[]){ { LB_STAT_NAT_REPLY, 1 }, END });

	s = flow(AF_INET6, "fd01::16", 8080, "2001:db8::10", 40007, IPPROTO_TCP, 0x12);
	n = pkt_build(&s, in);
	e = s;
	lab_addr("fd10::2", e.src);
	e.sport = 80;
	w = pkt_build(&e, want);
	check("tc nat reply ipv6", L.prog_tc, in, n, TC_ACT_OK, want, w,
	      (const struct delta[]){ { LB_STAT_NAT_REPLY, 1 }, END });

	/* Not a tracked flow: untouched. */
	s = flow(AF_INET, "10.1.0.14", 8080, "192.0.2.99", 40003, IPPROTO_TCP, 0x12);
	n = pkt_build(&s, in);
	check("tc unrelated packet untouched", L.prog_tc, in, n, TC_ACT_OK, in, n,
	      NULL);
}

static void other_protocols(void)
{
	struct pspec s;
	size_t n, w;

	s = flow(AF_INET, "192.0.2.11", 5353, "10.100.0.1", 53, IPPROTO_UDP, 0);
	n = pkt_build(&s, in);
	w = dsr_expect(&s, in, n, AF_INET, "10.1.0.12", lab_mac_gw, lab_mac_lb0, want);
	XDP("udp4 dsr new flow", in, n, XDP_TX, want, w, { LB_STAT_LRU_MISS, 1 },
	    { LB_STAT_TX, 1 });
	XDP("udp4 dsr flow hit", in, n, XDP_TX, want, w, { LB_STAT_LRU_HIT, 1 },
	    { LB_STAT_TX, 1 });

	s = flow(AF_INET, "192.0.2.12", 5000, "10.100.0.1", 9999, 132, 0);
	n = pkt_build(&s, in);
	w = dsr_expect(&s, in, n, AF_INET, "10.1.0.13", lab_mac_gw, lab_mac_lb0, want);
	XDP("sctp4 dsr", in, n, XDP_TX, want, w, { LB_STAT_LRU_MISS, 1 },
	    { LB_STAT_TX, 1 });

	/* VLAN tag kept on the encapsulated frame. */
	s = flow(AF_INET, "192.0.2.13", 40011, "10.100.0.1", 80, IPPROTO_TCP, 0x02);
	s.vlan = 100;
	n = pkt_build(&s, in);
	w = dsr_expect(&s, in, n, AF_INET, "10.1.0.11", lab_mac_gw, lab_mac_lb0, want);
	XDP("vlan tcp4 dsr", in, n, XDP_TX, want, w, { LB_STAT_LRU_MISS, 1 },
	    { LB_STAT_TX, 1 });

	/* IPv4 in IPv6 toward an IPv6 real. */
	s = flow(AF_INET, "192.0.2.14", 40012, "10.100.0.7", 80, IPPROTO_TCP, 0x02);
	n = pkt_build(&s, in);
	w = dsr_expect(&s, in, n, AF_INET6, "fd01::22", lab_mac_gw, lab_mac_lb0, want);
	XDP("tcp4 in ipv6 to ipv6 real", in, n, XDP_TX, want, w,
	    { LB_STAT_LRU_MISS, 1 }, { LB_STAT_TX, 1 });

	/* Next hop on another interface: XDP_REDIRECT. */
	s = flow(AF_INET, "192.0.2.15", 40013, "10.100.0.5", 80, IPPROTO_TCP, 0x02);
	n = pkt_build(&s, in);
	w = dsr_expect(&s, in, n, AF_INET, "10.2.0.20", lab_mac_gwx, lab_mac_lbx, want);
	XDP("redirect to other interface", in, n, XDP_REDIRECT, want, w,
	    { LB_STAT_LRU_MISS, 1 }, { LB_STAT_REDIRECT, 1 });

	/*
	 * The next hop is cached per real: a neighbour change is seen after
	 * userspace bumps fib_gen (the driver does on route/neighbour events).
	 */
	if (set_gwx_mac("02:00:00:00:01:03")) {
		fail("next-hop cache", "ip neigh replace");
	} else {
		static const uint8_t newmac[6] = { 2, 0, 0, 0, 1, 3 };

		/* The same flow's next segment, found in the flow table. */
		s.tcp_flags = 0x10;
		n = pkt_build(&s, in);
		w = dsr_expect(&s, in, n, AF_INET, "10.2.0.20", lab_mac_gwx, lab_mac_lbx, want);
		XDP("next-hop cache: cached MAC until fib_gen changes", in, n,
		    XDP_REDIRECT, want, w, { LB_STAT_LRU_HIT, 1 },
		    { LB_STAT_REDIRECT, 1 });
		L.fib_gen++;
		if (lab_cfg(&L, 0))
			fail("next-hop cache", "cfg");
		w = dsr_expect(&s, in, n, AF_INET, "10.2.0.20", newmac, lab_mac_lbx, want);
		XDP("next-hop cache: fib_gen bump resolves again", in, n,
		    XDP_REDIRECT, want, w, { LB_STAT_LRU_HIT, 1 },
		    { LB_STAT_REDIRECT, 1 });
		if (set_gwx_mac("02:00:00:00:01:02"))
			fail("next-hop cache", "ip neigh restore");
		L.fib_gen++;
		if (lab_cfg(&L, 0))
			fail("next-hop cache", "cfg");
	}

	/* Neighbour not resolved: the kernel gets the encapsulated packet. */
	s = flow(AF_INET, "192.0.2.16", 40014, "10.100.0.6", 80, IPPROTO_TCP, 0x02);
	n = pkt_build(&s, in);
	w = dsr_expect(&s, in, n, AF_INET, "10.3.0.21", lab_mac_lb0, lab_mac_client, want);
	XDP("unresolved neighbour passes", in, n, XDP_PASS, want, w,
	    { LB_STAT_LRU_MISS, 1 }, { LB_STAT_PASS_NO_NEIGH, 1 });

	/* No usable real. */
	s = flow(AF_INET, "192.0.2.17", 40015, "10.100.0.3", 80, IPPROTO_TCP, 0x02);
	n = pkt_build(&s, in);
	XDP("service without reals drops", in, n, XDP_DROP, NULL, 0,
	    { LB_STAT_LRU_MISS, 1 }, { LB_STAT_DROP_NO_REAL, 1 });

	/*
	 * A ring entry naming another service's real (an extent given to
	 * another service while a packet still held the old state) is not
	 * followed: the real's svc_id is checked as on a flow-table hit.
	 */
	if (lab_ring(&L, 7, (const uint32_t[]){ 1 }, 1))
		fail("ring of another service's real", "publish");
	XDP("ring entry of another service's real drops", in, n, XDP_DROP, NULL, 0,
	    { LB_STAT_LRU_MISS, 1 }, { LB_STAT_DROP_NO_REAL, 1 });
	if (lab_ring(&L, 7, NULL, 0))
		fail("ring of another service's real", "restore");

	/* IPv4 options: forwarded (DSR keeps them inside, NAT fixes checksums). */
	s = flow(AF_INET, "192.0.2.18", 40016, "10.100.0.1", 80, IPPROTO_TCP, 0x02);
	s.ip_opts = 8;
	n = pkt_build(&s, in);
	w = dsr_expect(&s, in, n, AF_INET, "10.1.0.11", lab_mac_gw, lab_mac_lb0, want);
	XDP("ipv4 options dsr", in, n, XDP_TX, want, w, { LB_STAT_IPV4_OPTIONS, 1 },
	    { LB_STAT_LRU_MISS, 1 }, { LB_STAT_TX, 1 });
	s = flow(AF_INET, "192.0.2.18", 40017, "10.100.0.2", 80, IPPROTO_TCP, 0x02);
	s.ip_opts = 4;
	n = pkt_build(&s, in);
	{
		struct pspec e = s;

		lab_addr("10.1.0.14", e.dst);
		e.dport = 8080;
		memcpy(e.dmac, lab_mac_gw, 6);
		memcpy(e.smac, lab_mac_lb0, 6);
		w = pkt_build(&e, want);
	}
	XDP("ipv4 options nat", in, n, XDP_TX, want, w, { LB_STAT_IPV4_OPTIONS, 1 },
	    { LB_STAT_LRU_MISS, 1 }, { LB_STAT_TX, 1 }, { LB_STAT_NAT_CT_NEW, 1 });
}

static void not_for_us(void)
{
	struct pspec s;
	size_t n;

	s = flow(AF_INET, "192.0.2.20", 40020, "10.200.0.1", 80, IPPROTO_TCP, 0x02);
	n = pkt_build(&s, in);
	XDP("not a service address passes", in, n, XDP_PASS, in, n,
	    { LB_STAT_PASS_NOT_VIP, 1 });
	s = flow(AF_INET6, "2001:db8::20", 40020, "fd99::1", 80, IPPROTO_TCP, 0x02);
	n = pkt_build(&s, in);
	XDP("not a service address passes (v6)", in, n, XDP_PASS, in, n,
	    { LB_STAT_PASS_NOT_VIP, 1 });
	s = flow(AF_INET, "192.0.2.20", 40020, "10.100.0.1", 81, IPPROTO_TCP, 0x02);
	n = pkt_build(&s, in);
	XDP("service address, other port passes", in, n, XDP_PASS, in, n,
	    { LB_STAT_PASS_NOT_SERVICE, 1 });
	memset(in, 0, 60);
	memcpy(in, "\xff\xff\xff\xff\xff\xff", 6);
	memcpy(in + 6, lab_mac_client, 6);
	in[12] = 0x08;
	in[13] = 0x06;
	XDP("arp passes", in, 60, XDP_PASS, in, 60, { LB_STAT_PASS_NOT_IP, 1 });
	s = flow(AF_INET6, "2001:db8::20", 40020, "fd10::1", 80, 0, 0);
	n = pkt_build(&s, in);
	XDP("ipv6 extension header to a VIP drops", in, n, XDP_DROP, NULL, 0,
	    { LB_STAT_DROP_V6_EXT, 1 });
}

/*
 * dp_xdp_load_elf(), which the benchmarks load other builds with: the
 * shipped object's bytes load into maps of their own and forward; an object
 * without the forwarder's maps and programs is refused.
 */
static void loader_elf(void)
{
	struct pspec s = flow(AF_INET, "192.0.2.21", 40021, "10.200.0.1", 80,
			      IPPROTO_TCP, 0x02);
	uint64_t before[LB_STAT_MAX], after[LB_STAT_MAX], mine[LB_STAT_MAX];
	uint8_t out[PKT_MAX + 128];
	size_t n = pkt_build(&s, in), out_len = sizeof(out), elf_len = 0;
	const void *elf = lb_bpf__elf_bytes(&elf_len);
	struct lab l2;
	uint32_t ret = 0;
	int err;

	err = lab_open_elf(&l2, elf, elf_len, M, 4096, 2);
	if (err) {
		fail("load_elf: the shipped object's bytes", "%s", strerror(-err));
		return;
	}
	if (lab_stats(&L, before) ||
	    lab_run(l2.prog_xdp, l2.ifindex, in, n, out, &out_len, &ret, 1, NULL) ||
	    lab_stats(&L, after) || lab_stats(&l2, mine))
		fail("load_elf: the shipped object's bytes", "run failed");
	else if (ret != XDP_PASS || mine[LB_STAT_PASS_NOT_VIP] != 1 ||
		 after[LB_STAT_PASS_NOT_VIP] != before[LB_STAT_PASS_NOT_VIP])
		fail("load_elf: the shipped object's bytes",
		     "verdict %u, its pass count %llu, the lab's moved by %llu", ret,
		     (unsigned long long)mine[LB_STAT_PASS_NOT_VIP],
		     (unsigned long long)(after[LB_STAT_PASS_NOT_VIP] -
					  before[LB_STAT_PASS_NOT_VIP]));
	else
		pass("load_elf: the shipped object's bytes run on maps of their own");
	lab_close(&l2);

	elf = decap_bpf__elf_bytes(&elf_len);
	err = lab_open_elf(&l2, elf, elf_len, M, 4096, 2);
	if (!err) {
		fail("load_elf: an object without the forwarder's maps", "loaded");
		lab_close(&l2);
	} else {
		pass("load_elf: an object without the forwarder's maps is refused");
	}
}

static void flow_table(void)
{
	static const uint32_t other[] = { 14 };
	struct lb_flow_key k;
	struct pspec s, s2;
	uint32_t vals[512];
	size_t n, w;

	/* LRU hit after a ring change: the flow stays on its real. */
	s = flow(AF_INET, "192.0.2.30", 40030, "10.100.0.8", 443, IPPROTO_TCP, 0x02);
	n = pkt_build(&s, in);
	w = dsr_expect(&s, in, n, AF_INET, "10.1.0.23", lab_mac_gw, lab_mac_lb0, want);
	XDP("ring change: syn to first real", in, n, XDP_TX, want, w,
	    { LB_STAT_LRU_MISS, 1 }, { LB_STAT_TX, 1 });
	k = fkey(&s);
	if (!dp_xdp_flow_lookup(L.fd_flows, L.flow_sets, &k, vals) && vals[0] == 13)
		pass("new flow stored in the flow table");
	else
		fail("new flow stored in the flow table", "not found");
	if (lab_ring(&L, 12, other, 1))
		fail("ring change", "publish");
	s.tcp_flags = 0x10;
	n = pkt_build(&s, in);
	w = dsr_expect(&s, in, n, AF_INET, "10.1.0.23", lab_mac_gw, lab_mac_lb0, want);
	XDP("ring change: established flow stays", in, n, XDP_TX, want, w,
	    { LB_STAT_LRU_HIT, 1 }, { LB_STAT_TX, 1 });
	s2 = flow(AF_INET, "192.0.2.31", 40031, "10.100.0.8", 443, IPPROTO_TCP, 0x02);
	n = pkt_build(&s2, in);
	w = dsr_expect(&s2, in, n, AF_INET, "10.1.0.24", lab_mac_gw, lab_mac_lb0, want);
	XDP("ring change: new flow uses new ring", in, n, XDP_TX, want, w,
	    { LB_STAT_LRU_MISS, 1 }, { LB_STAT_TX, 1 });
	/*
	 * A SYN on a tuple the table knows opens a new connection: it follows
	 * the current ring, and the flow's later segments follow it.
	 */
	s.tcp_flags = 0x02;
	n = pkt_build(&s, in);
	w = dsr_expect(&s, in, n, AF_INET, "10.1.0.24", lab_mac_gw, lab_mac_lb0, want);
	XDP("ring change: syn on a known tuple uses new ring", in, n, XDP_TX, want, w,
	    { LB_STAT_LRU_MISS, 1 }, { LB_STAT_TX, 1 });
	s.tcp_flags = 0x10;
	n = pkt_build(&s, in);
	w = dsr_expect(&s, in, n, AF_INET, "10.1.0.24", lab_mac_gw, lab_mac_lb0, want);
	XDP("ring change: its next segment follows", in, n, XDP_TX, want, w,
	    { LB_STAT_LRU_HIT, 1 }, { LB_STAT_TX, 1 });
	if (!dp_xdp_flow_lookup(L.fd_flows, L.flow_sets, &k, vals) && vals[0] == 14)
		pass("syn replaced the tuple's entry");
	else
		fail("syn replaced the tuple's entry", "old real kept");

	/* A removed service stops matching; re-adding it restores it. */
	{
		struct lb_svc_key sk = { .port = htons(443), .proto = IPPROTO_TCP,
					 .family = AF_INET };

		lab_addr("10.100.0.8", sk.addr);
		if (dp_xdp_service_del(L.fd_services, L.fd_svc_sets, L.svc_sets - 1, &sk))
			fail("service removal", "delete");
		n = pkt_build(&s2, in);
		XDP("removed service passes", in, n, XDP_PASS, in, n,
		    { LB_STAT_PASS_NOT_SERVICE, 1 });
		if (lab_service(&L, AF_INET, "10.100.0.8", 443, IPPROTO_TCP, 12, 0))
			fail("service removal", "re-add");
		s2.tcp_flags = 0x10;
		n = pkt_build(&s2, in);
		w = dsr_expect(&s2, in, n, AF_INET, "10.1.0.24", lab_mac_gw, lab_mac_lb0, want);
		XDP("re-added service forwards", in, n, XDP_TX, want, w,
		    { LB_STAT_LRU_HIT, 1 }, { LB_STAT_TX, 1 });
	}

	/* TCP RST creates no entry. */
	s = flow(AF_INET, "192.0.2.32", 40032, "10.100.0.1", 80, IPPROTO_TCP, 0x04);
	n = pkt_build(&s, in);
	w = dsr_expect(&s, in, n, AF_INET, "10.1.0.11", lab_mac_gw, lab_mac_lb0, want);
	XDP("tcp rst forwarded", in, n, XDP_TX, want, w, { LB_STAT_LRU_MISS, 1 },
	    { LB_STAT_TX, 1 });
	k = fkey(&s);
	if (dp_xdp_flow_lookup(L.fd_flows, L.flow_sets, &k, vals) == -ENOENT)
		pass("tcp rst leaves no flow entry");
	else
		fail("tcp rst leaves no flow entry", "entry present");

	/* Flood protection: above 1 new flow per second, forward unrecorded. */
	if (lab_cfg(&L, 1))
		fail("flood", "cfg");
	s = flow(AF_INET, "192.0.2.33", 40033, "10.100.0.9", 80, IPPROTO_TCP, 0x02);
	n = pkt_build(&s, in);
	w = dsr_expect(&s, in, n, AF_INET, "10.1.0.25", lab_mac_gw, lab_mac_lb0, want);
	XDP("flood: first new flow recorded", in, n, XDP_TX, want, w,
	    { LB_STAT_LRU_MISS, 1 }, { LB_STAT_TX, 1 });
	s = flow(AF_INET, "192.0.2.34", 40034, "10.100.0.9", 80, IPPROTO_TCP, 0x02);
	n = pkt_build(&s, in);
	w = dsr_expect(&s, in, n, AF_INET, "10.1.0.25", lab_mac_gw, lab_mac_lb0, want);
	XDP("flood: next new flow bypasses the table", in, n, XDP_TX, want, w,
	    { LB_STAT_LRU_MISS, 1 }, { LB_STAT_FLOOD_BYPASS, 1 }, { LB_STAT_TX, 1 });
	k = fkey(&s);
	if (dp_xdp_flow_lookup(L.fd_flows, L.flow_sets, &k, vals) == -ENOENT)
		pass("flood: bypassed flow not stored");
	else
		fail("flood: bypassed flow not stored", "entry present");
	if (lab_cfg(&L, 0))
		fail("flood", "cfg");

	/* Source-hash service: every port of a client lands on one real. */
	{
		uint32_t ids[2] = { 8, 16 };
		const char *addrs[2] = { "10.1.0.18", "10.1.0.26" };
		struct lb_flow_key hk;
		uint32_t idx;
		const char *real;

		s = flow(AF_INET, "192.0.2.40", 1111, "10.100.0.4", 7000, IPPROTO_UDP, 0);
		hk = fkey(&s);
		idx = lb_hash_reduce(lb_hash_flow(&hk, 1), M);
		real = addrs[ids[idx % 2] == 8 ? 0 : 1];
		n = pkt_build(&s, in);
		w = dsr_expect(&s, in, n, AF_INET, real, lab_mac_gw, lab_mac_lb0, want);
		XDP("source hash, any port: first port", in, n, XDP_TX, want, w,
		    { LB_STAT_LRU_MISS, 1 }, { LB_STAT_TX, 1 });
		s.sport = 2222;
		s.dport = 7001;
		n = pkt_build(&s, in);
		w = dsr_expect(&s, in, n, AF_INET, real, lab_mac_gw, lab_mac_lb0, want);
		XDP("source hash, any port: other ports same real", in, n, XDP_TX,
		    want, w, { LB_STAT_LRU_MISS, 1 }, { LB_STAT_TX, 1 });

		/* Fragments of such a service follow the source hash. */
		s.frag = 0x2000; /* first fragment, more follow */
		n = pkt_build(&s, in);
		w = dsr_expect(&s, in, n, AF_INET, real, lab_mac_gw, lab_mac_lb0, want);
		XDP("first fragment, source-hash service", in, n, XDP_TX, want, w,
		    { LB_STAT_FRAG_FWD, 1 }, { LB_STAT_TX, 1 });
		s.frag = 185; /* offset 1480, last */
		n = pkt_build(&s, in);
		w = dsr_expect(&s, in, n, AF_INET, real, lab_mac_gw, lab_mac_lb0, want);
		XDP("later fragment, source-hash service", in, n, XDP_TX, want, w,
		    { LB_STAT_FRAG_FWD, 1 }, { LB_STAT_TX, 1 });
	}
	s = flow(AF_INET, "192.0.2.41", 40041, "10.100.0.1", 80, IPPROTO_TCP, 0x10);
	s.frag = 0x2000;
	n = pkt_build(&s, in);
	XDP("fragment to a 5-tuple service drops", in, n, XDP_DROP, NULL, 0,
	    { LB_STAT_DROP_FRAG, 1 });
	s = flow(AF_INET6, "2001:db8::41", 40041, "fd10::1", 80, IPPROTO_TCP, 0x10);
	s.v6_frag = 1;
	s.frag = 0x0001;
	n = pkt_build(&s, in);
	XDP("ipv6 fragment header to a 5-tuple service drops", in, n, XDP_DROP,
	    NULL, 0, { LB_STAT_DROP_FRAG, 1 });
	s = flow(AF_INET, "192.0.2.41", 40041, "10.200.0.1", 80, IPPROTO_TCP, 0x10);
	s.frag = 0x2000;
	n = pkt_build(&s, in);
	XDP("fragment to another address passes", in, n, XDP_PASS, in, n,
	    { LB_STAT_PASS_NOT_VIP, 1 });
}

/*
 * Seven flows of one set (six ways): after the first is used again, the
 * seventh evicts the least recently used, the second; the rest stay.
 */
static void flow_lru(void)
{
	struct pspec f[LB_FLOW_WAYS + 1];
	struct lb_flow_key k;
	uint32_t want_set = 0, got = 0, real;
	size_t n;

	for (uint32_t port = 1024; port < 65535 && got <= LB_FLOW_WAYS; port++) {
		uint32_t set;

		f[got] = flow(AF_INET, "192.0.2.50", (uint16_t)port, "10.100.0.1", 53,
			      IPPROTO_UDP, 0);
		k = fkey(&f[got]);
		set = lb_flow_set_of(lb_hash_flow64(&k), L.flow_sets);
		if (!got)
			want_set = set;
		if (set == want_set)
			got++;
	}
	if (got <= LB_FLOW_WAYS) {
		fail("flow table lru", "no %d flows share a set", LB_FLOW_WAYS + 1);
		return;
	}
	for (int i = 0; i < LB_FLOW_WAYS; i++) {
		n = pkt_build(&f[i], in);
		XDP("flow table lru: fill a set", in, n, XDP_TX, NULL, 0,
		    { LB_STAT_LRU_MISS, 1 }, { LB_STAT_TX, 1 });
	}
	n = pkt_build(&f[0], in);
	XDP("flow table lru: first flow used again", in, n, XDP_TX, NULL, 0,
	    { LB_STAT_LRU_HIT, 1 }, { LB_STAT_TX, 1 });
	n = pkt_build(&f[LB_FLOW_WAYS], in);
	XDP("flow table lru: one flow more", in, n, XDP_TX, NULL, 0,
	    { LB_STAT_LRU_MISS, 1 }, { LB_STAT_TX, 1 });
	for (int i = 0; i <= LB_FLOW_WAYS; i++) {
		int err;

		k = fkey(&f[i]);
		err = dp_xdp_flow_lookup(L.fd_flows, L.flow_sets, &k, &real);
		if (i == 1 ? err != -ENOENT : err != 0) {
			fail("flow table lru: least recently used evicted, others kept",
			     "flow %d: %s", i, err ? strerror(-err) : "present");
			return;
		}
	}
	pass("flow table lru: least recently used evicted, others kept");
	n = pkt_build(&f[1], in);
	XDP("flow table lru: evicted flow is new again", in, n, XDP_TX, NULL, 0,
	    { LB_STAT_LRU_MISS, 1 }, { LB_STAT_TX, 1 });
}

static void icmp(void)
{
	uint8_t quote[128], q2[128];
	struct pspec s, q, e;
	size_t n, w, ql;

	/* Echo to a VIP is answered in place. */
	s = flow(AF_INET, "192.0.2.50", 0, "10.100.0.1", 0, IPPROTO_ICMP, 0);
	s.icmp_type = 8;
	n = pkt_build(&s, in);
	e = s;
	memcpy(e.src, s.dst, 16);
	memcpy(e.dst, s.src, 16);
	memcpy(e.dmac, s.smac, 6);
	memcpy(e.smac, s.dmac, 6);
	e.icmp_type = 0;
	w = pkt_build(&e, want);
	XDP("icmp echo to a VIP answered", in, n, XDP_TX, want, w,
	    { LB_STAT_ICMP_ECHO, 1 }, { LB_STAT_TX, 1 });
	s = flow(AF_INET6, "2001:db8::50", 0, "fd10::1", 0, IPPROTO_ICMPV6, 0);
	s.icmp_type = 128;
	n = pkt_build(&s, in);
	e = s;
	memcpy(e.src, s.dst, 16);
	memcpy(e.dst, s.src, 16);
	memcpy(e.dmac, s.smac, 6);
	memcpy(e.smac, s.dmac, 6);
	e.icmp_type = 129;
	w = pkt_build(&e, want);
	XDP("icmpv6 echo to a VIP answered", in, n, XDP_TX, want, w,
	    { LB_STAT_ICMP_ECHO, 1 }, { LB_STAT_TX, 1 });
	s = flow(AF_INET, "192.0.2.50", 0, "10.100.0.2", 0, IPPROTO_ICMP, 0);
	s.icmp_type = 8;
	n = pkt_build(&s, in);
	XDP("icmp echo to a VIP without echo passes", in, n, XDP_PASS, in, n,
	    { LB_STAT_ICMP_PASS, 1 });

	/* Fragmentation needed about the DSR flow 192.0.2.10:40001 -> VIP:80. */
	q = flow(AF_INET, "10.100.0.1", 80, "192.0.2.10", 40001, IPPROTO_TCP, 0x12);
	ql = pkt_build_l3(&q, quote);
	s = flow(AF_INET, "198.51.100.1", 0, "10.100.0.1", 0, IPPROTO_ICMP, 0);
	s.icmp_type = 3;
	s.icmp_code = 4;
	s.quote = quote;
	s.quote_len = 28; /* IP header + 8 bytes, as routers send */
	s.payload = 0;
	n = pkt_build(&s, in);
	{
		struct pspec f = flow(AF_INET, "192.0.2.10", 40001, "10.100.0.1", 80,
				      IPPROTO_TCP, 0);

		w = dsr_expect(&f, in, n, AF_INET, "10.1.0.11", lab_mac_gw,
			       lab_mac_lb0, want);
	}
	XDP("icmp frag-needed follows the flow (dsr)", in, n, XDP_TX, want, w,
	    { LB_STAT_LRU_HIT, 1 }, { LB_STAT_ICMP_ERROR, 1 }, { LB_STAT_TX, 1 });

	/* Packet too big about the IPv6 DSR flow. */
	q = flow(AF_INET6, "fd10::1", 80, "2001:db8::10", 40005, IPPROTO_TCP, 0x12);
	ql = pkt_build_l3(&q, quote);
	s = flow(AF_INET6, "2001:db8:ffff::1", 0, "fd10::1", 0, IPPROTO_ICMPV6, 0);
	s.icmp_type = 2;
	s.quote = quote;
	s.quote_len = ql;
	s.payload = 0;
	n = pkt_build(&s, in);
	{
		struct pspec f = flow(AF_INET6, "2001:db8::10", 40005, "fd10::1", 80,
				      IPPROTO_TCP, 0);

		w = dsr_expect(&f, in, n, AF_INET6, "fd01::15", lab_mac_gw,
			       lab_mac_lb0, want);
	}
	XDP("icmpv6 packet-too-big follows the flow (dsr)", in, n, XDP_TX, want, w,
	    { LB_STAT_LRU_HIT, 1 }, { LB_STAT_ICMP_ERROR, 1 }, { LB_STAT_TX, 1 });

	/* NAT: translated back toward the real. */
	q = flow(AF_INET, "10.100.0.2", 80, "192.0.2.10", 40003, IPPROTO_TCP, 0x12);
	ql = pkt_build_l3(&q, quote);
	s = flow(AF_INET, "198.51.100.1", 0, "10.100.0.2", 0, IPPROTO_ICMP, 0);
	s.icmp_type = 3;
	s.icmp_code = 4;
	s.quote = quote;
	s.quote_len = 28;
	s.payload = 0;
	n = pkt_build(&s, in);
	memcpy(q2, quote, 28);
	{
		uint32_t ra[4];

		lab_addr("10.1.0.14", ra);
		memcpy(q2 + 12, ra, 4);
	}
	q2[20] = 8080 >> 8;
	q2[21] = 8080 & 0xff;
	q2[10] = q2[11] = 0;
	{
		uint16_t c = pkt_csum(q2, 20, 0);

		q2[10] = c >> 8;
		q2[11] = c & 0xff;
	}
	e = s;
	lab_addr("10.1.0.14", e.dst);
	memcpy(e.dmac, lab_mac_gw, 6);
	memcpy(e.smac, lab_mac_lb0, 6);
	e.quote = q2;
	w = pkt_build(&e, want);
	XDP("icmp frag-needed translated to the real (nat)", in, n, XDP_TX, want, w,
	    { LB_STAT_LRU_HIT, 1 }, { LB_STAT_ICMP_ERROR, 1 }, { LB_STAT_TX, 1 });

	q = flow(AF_INET6, "fd10::2", 80, "2001:db8::10", 40007, IPPROTO_TCP, 0x12);
	ql = pkt_build_l3(&q, quote);
	s = flow(AF_INET6, "2001:db8:ffff::1", 0, "fd10::2", 0, IPPROTO_ICMPV6, 0);
	s.icmp_type = 2;
	s.quote = quote;
	s.quote_len = 48;
	s.payload = 0;
	n = pkt_build(&s, in);
	memcpy(q2, quote, 48);
	lab_addr("fd01::16", (uint32_t *)(void *)(q2 + 8));
	q2[40] = 8080 >> 8;
	q2[41] = 8080 & 0xff;
	e = s;
	lab_addr("fd01::16", e.dst);
	memcpy(e.dmac, lab_mac_gw, 6);
	memcpy(e.smac, lab_mac_lb0, 6);
	e.quote = q2;
	w = pkt_build(&e, want);
	XDP("icmpv6 packet-too-big translated to the real (nat)", in, n, XDP_TX,
	    want, w, { LB_STAT_LRU_HIT, 1 }, { LB_STAT_ICMP_ERROR, 1 },
	    { LB_STAT_TX, 1 });

	/* An error quoting no service passes to the kernel. */
	q = flow(AF_INET, "10.100.0.1", 81, "192.0.2.10", 40001, IPPROTO_TCP, 0x12);
	ql = pkt_build_l3(&q, quote);
	s = flow(AF_INET, "198.51.100.1", 0, "10.100.0.1", 0, IPPROTO_ICMP, 0);
	s.icmp_type = 3;
	s.icmp_code = 4;
	s.quote = quote;
	s.quote_len = 28;
	s.payload = 0;
	n = pkt_build(&s, in);
	XDP("icmp error about no service passes", in, n, XDP_PASS, in, n,
	    { LB_STAT_ICMP_PASS, 1 });
	(void)ql;
}

/* Every prefix of each frame: a defined verdict, never XDP_ABORTED. */
static void truncation(void)
{
	struct pspec specs[8];
	const char *names[8] = { "tcp4", "tcp6", "vlan udp4", "ipv4 options",
				 "icmp error", "icmpv6 error", "tcp4 nat", "sctp4" };
	uint8_t quote[128], out[PKT_MAX + 128];
	size_t ql;
	struct pspec q;

	specs[0] = flow(AF_INET, "192.0.2.60", 40060, "10.100.0.1", 80, IPPROTO_TCP, 0x02);
	specs[1] = flow(AF_INET6, "2001:db8::60", 40060, "fd10::1", 80, IPPROTO_TCP, 0x02);
	specs[2] = flow(AF_INET, "192.0.2.60", 40060, "10.100.0.1", 53, IPPROTO_UDP, 0);
	specs[2].vlan = 7;
	specs[3] = specs[0];
	specs[3].ip_opts = 12;
	q = flow(AF_INET, "10.100.0.1", 80, "192.0.2.10", 40001, IPPROTO_TCP, 0x12);
	ql = pkt_build_l3(&q, quote);
	specs[4] = flow(AF_INET, "198.51.100.1", 0, "10.100.0.1", 0, IPPROTO_ICMP, 0);
	specs[4].icmp_type = 3;
	specs[4].icmp_code = 4;
	specs[4].quote = quote;
	specs[4].quote_len = 28;
	specs[5] = flow(AF_INET6, "2001:db8:ffff::1", 0, "fd10::2", 0, IPPROTO_ICMPV6, 0);
	specs[5].icmp_type = 2;
	{
		static uint8_t q6[128];
		struct pspec qq = flow(AF_INET6, "fd10::2", 80, "2001:db8::10", 40007,
				       IPPROTO_TCP, 0x12);

		specs[5].quote_len = pkt_build_l3(&qq, q6);
		specs[5].quote = q6;
	}
	specs[6] = flow(AF_INET, "192.0.2.60", 40061, "10.100.0.2", 80, IPPROTO_TCP, 0x10);
	specs[7] = flow(AF_INET, "192.0.2.60", 40062, "10.100.0.1", 9999, 132, 0);
	(void)ql;

	for (int c = 0; c < 8; c++) {
		char name[96];
		size_t n = pkt_build(&specs[c], in), bad = 0;
		uint32_t ret = 0;

		snprintf(name, sizeof(name), "%s truncated at every offset", names[c]);
		/* BPF_PROG_TEST_RUN refuses frames shorter than an Ethernet header. */
		for (size_t len = 14; len < n; len++) {
			size_t out_len = sizeof(out);

			if (lab_run(L.prog_xdp, L.ifindex, in, len, out, &out_len,
				    &ret, 1, NULL) || ret == XDP_ABORTED || ret > XDP_REDIRECT) {
				bad = len;
				break;
			}
		}
		if (bad)
			fail(name, "length %zu: verdict %u", bad, ret);
		else
			pass(name);
	}
}

/* ---- backend decap ----------------------------------------------------------------- */

static void decap(void)
{
	struct decap_bpf *d = decap_bpf__open_and_load();
	uint8_t out[PKT_MAX + 128], enc[PKT_MAX + 128];
	struct lb_vip_key k = { 0 };
	uint64_t before[LB_DECAP_MAX], after[LB_DECAP_MAX];
	uint32_t zero = 0, dst[4], src[4];
	int fd_addrs, fd_stats, prog;
	struct pspec s;
	size_t n, en, out_len;

	if (!d) {
		fail("decap load", "%s", strerror(errno));
		return;
	}
	fd_addrs = bpf_map__fd(d->maps.lb_decap_addrs);
	fd_stats = bpf_map__fd(d->maps.lb_decap_stats);
	prog = bpf_program__fd(d->progs.xdp_decap);
	k.family = AF_INET;
	lab_addr("10.1.0.11", k.addr);
	bpf_map_update_elem(fd_addrs, &k, &zero, BPF_ANY);
	k.family = AF_INET6;
	lab_addr("fd01::15", k.addr);
	bpf_map_update_elem(fd_addrs, &k, &zero, BPF_ANY);

	struct {
		const char *name;
		int family, outer, vlan;
		const char *tunnel;
		int ours;
	} cases[] = {
		{ "decap ipip", AF_INET, AF_INET, 0, "10.1.0.11", 1 },
		{ "decap ip6ip6", AF_INET6, AF_INET6, 0, "fd01::15", 1 },
		{ "decap ipv4 in ipv6", AF_INET, AF_INET6, 0, "fd01::15", 1 },
		{ "decap ipip with vlan", AF_INET, AF_INET, 42, "10.1.0.11", 1 },
		{ "decap ignores other tunnel address", AF_INET, AF_INET, 0, "10.1.0.99", 0 },
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		s = cases[c].family == AF_INET ?
			    flow(AF_INET, "192.0.2.70", 40070, "10.100.0.1", 80, IPPROTO_TCP, 0x02) :
			    flow(AF_INET6, "2001:db8::70", 40070, "fd10::1", 80, IPPROTO_TCP, 0x02);
		s.vlan = (uint16_t)cases[c].vlan;
		memcpy(s.dmac, lab_mac_gw, 6); /* what the backend receives */
		memcpy(s.smac, lab_mac_lb0, 6);
		n = pkt_build(&s, in);
		lab_addr(cases[c].outer == AF_INET ? "10.0.0.1" : "fd00::1", src);
		lab_addr(cases[c].tunnel, dst);
		en = pkt_encap(in, n, s.vlan ? 18 : 14, cases[c].outer, src, dst,
			       lab_mac_gw, lab_mac_lb0, 0x12345, enc);
		for (int i = 0; i < LB_DECAP_MAX; i++)
			if (dp_xdp_percpu_sum(fd_stats, (uint32_t)i, 1, &before[i]))
				fail(cases[c].name, "counters");
		if (run_and_compare(cases[c].name, prog, L.ifindex, enc, en, XDP_PASS,
				    cases[c].ours ? in : enc, cases[c].ours ? n : en,
				    out, &out_len))
			continue;
		for (int i = 0; i < LB_DECAP_MAX; i++)
			if (dp_xdp_percpu_sum(fd_stats, (uint32_t)i, 1, &after[i]))
				fail(cases[c].name, "counters");
		if (after[cases[c].ours ? LB_DECAP_OK : LB_DECAP_PASS] -
			    before[cases[c].ours ? LB_DECAP_OK : LB_DECAP_PASS] != 1)
			fail(cases[c].name, "counter not incremented");
		else
			pass(cases[c].name);
	}
	decap_bpf__destroy(d);
}

int main(void)
{
	cpu_set_t cpus;
	int err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid() != 0) {
		n_skip++;
		printf("SKIP: bpf golden packets: needs root\n");
		return record();
	}
	/* Per-CPU flow table and rate limiter: stay on one CPU. */
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus))
		perror("sched_setaffinity");
	libbpf_set_strict_mode(LIBBPF_STRICT_ALL);
	/* Two service sets: 13 services overflow them, exercising the fallback. */
	err = lab_open(&L, M, 4096, 2);
	if (err == -ENODEV) {
		n_skip++;
		printf("SKIP: bpf golden packets: lab interfaces missing (run through tests/bpf/run.sh)\n");
		return record();
	}
	if (err) {
		fail("load lb.bpf.o", "%s", strerror(-err));
		lab_close(&L);
		return record();
	}
	if (setup()) {
		fail("map setup", "failed");
		lab_close(&L);
		return record();
	}
	tcp_modes();
	tc_replies();
	other_protocols();
	not_for_us();
	flow_lru();
	flow_table();
	icmp();
	truncation();
	decap();
	loader_elf();
	lab_close(&L);
	return record();
}
