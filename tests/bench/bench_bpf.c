// SPDX-License-Identifier: GPL-2.0-only
/*
 * Nanoseconds per packet of the forwarder through BPF_PROG_TEST_RUN, beside
 * the floors of the same method. Every forwarding case runs behind
 * xdp_restore (bench.bpf.c), which rewrites the frame before each iteration
 * and tail-calls xdp_lb, so each of the `repeat` iterations really forwards;
 * the forwarder's own verdict counters are read around each run and printed
 * per iteration as proof. Run through tests/bpf/run.sh (namespace lab).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "dataplane/xdp/bench.skel.h"
#include "dataplane/xdp/xdp_maps.h"
#include "tests/bpf/lab.h"
#include "tests/bpf/pkt.h"

#ifndef RUNS
#define RUNS 9
#endif
#define REPEAT 200000
#define COPY   80 /* BENCH_COPY in bench.bpf.c */
#define N_REALS 100

struct bench_frame {
	uint32_t len;
	uint32_t seq_off;
	uint8_t data[COPY];
};

static struct lab L;
static struct bench_bpf *B;

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Median ns/iteration of RUNS runs; *per_iter gets stat `verdict` per iteration. */
static int measure(int prog, const uint8_t *frame, size_t len, uint32_t want_ret,
		   int verdict, double *per_iter, uint32_t *median)
{
	uint64_t before[LB_STAT_MAX], after[LB_STAT_MAX];
	uint32_t d[RUNS], ret;
	uint8_t out[PKT_MAX + 128];

	if (lab_stats(&L, before))
		return -EIO;
	for (int r = 0; r < RUNS; r++) {
		size_t out_len = sizeof(out);
		int err = lab_run(prog, L.ifindex, frame, len, out, &out_len, &ret,
				  REPEAT, &d[r]);

		if (err)
			return err;
		if (ret != want_ret) {
			fprintf(stderr, "bench-bpf: verdict %u, want %u\n", ret, want_ret);
			return -EPROTO;
		}
	}
	if (lab_stats(&L, after))
		return -EIO;
	*per_iter = verdict < 0 ? 0 :
		(double)(after[verdict] - before[verdict]) / ((double)RUNS * REPEAT);
	qsort(d, RUNS, sizeof(d[0]), cmp_u32);
	*median = d[RUNS / 2];
	return 0;
}

static int set_frame(const uint8_t *frame, size_t len, uint32_t seq_off)
{
	struct bench_frame f = { .len = (uint32_t)len, .seq_off = seq_off };
	uint32_t zero = 0;

	memcpy(f.data, frame, COPY);
	return bpf_map_update_elem(bpf_map__fd(B->maps.bench_frame), &zero, &f,
				   BPF_ANY) ? -errno : 0;
}

static int set_target(int prog)
{
	uint32_t zero = 0;

	return bpf_map_update_elem(bpf_map__fd(B->maps.bench_jmp), &zero, &prog,
				   BPF_ANY) ? -errno : 0;
}

static struct pspec mk(int family, const char *src, uint16_t sport,
		       const char *dst, uint16_t dport, uint8_t proto, uint8_t flags)
{
	struct pspec s = { .family = family, .proto = proto, .sport = sport,
			   .dport = dport, .tcp_flags = flags, .payload = 40 };

	memcpy(s.dmac, lab_mac_lb0, 6);
	memcpy(s.smac, lab_mac_client, 6);
	lab_addr(src, s.src);
	lab_addr(dst, s.dst);
	return s;
}

static int setup(void)
{
	uint32_t ids[N_REALS];
	int err = 0;

	err |= lab_vip(&L, AF_INET, "10.100.0.1", 0);
	err |= lab_vip(&L, AF_INET, "10.100.0.2", 0);
	err |= lab_service(&L, AF_INET, "10.100.0.1", 80, IPPROTO_TCP, 1, 0);
	err |= lab_service(&L, AF_INET, "10.100.0.1", 53, IPPROTO_UDP, 2, 0);
	err |= lab_service(&L, AF_INET, "10.100.0.2", 80, IPPROTO_TCP, 3, LB_SVC_NAT);
	for (uint32_t i = 0; i < N_REALS; i++) {
		char a[32];

		snprintf(a, sizeof(a), "10.1.0.%u", i + 1);
		err |= lab_real(&L, i + 1, AF_INET, a, 0, 1);
		ids[i] = i + 1;
	}
	err |= lab_real(&L, N_REALS + 1, AF_INET, "10.1.0.201", 0, 2);
	err |= lab_real(&L, N_REALS + 2, AF_INET, "10.1.0.202", 8080, 3);
	err |= lab_ring(&L, 1, ids, N_REALS);
	ids[0] = N_REALS + 1;
	err |= lab_ring(&L, 2, ids, 1);
	ids[0] = N_REALS + 2;
	err |= lab_ring(&L, 3, ids, 1);
	return err ? -EIO : 0;
}

struct row {
	const char *name;
	double ns, per_iter;
	const char *verdict;
	double goal;
};

int main(void)
{
	int restore, pass_only, swap_tx, push_pass, push_pop, err;
	uint32_t pass_ns, swap_ns, restore_ns, push_ns, pushpop_ns, ns;
	double adjust_ns, restore_grown_ns;
	uint8_t f[PKT_MAX];
	struct pspec s;
	size_t n;
	double per;
	cpu_set_t cpus;
	uint32_t flows;

	if (geteuid() != 0) {
		printf("bench-bpf: skipped: needs root\n");
		return 0;
	}
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);
	/* Default: the product's dataplane.xdp.flow_table_size default. */
	flows = getenv("BENCH_FLOWS") ? (uint32_t)atoi(getenv("BENCH_FLOWS")) : 262144;
	err = lab_open(&L, 65537, flows, 64);
	if (err) {
		fprintf(stderr, "bench-bpf: load: %s\n", strerror(-err));
		return 1;
	}
	B = bench_bpf__open_and_load();
	if (!B) {
		fprintf(stderr, "bench-bpf: loading bench.bpf.o: %s\n", strerror(errno));
		return 1;
	}
	err = setup();
	if (err) {
		fprintf(stderr, "bench-bpf: map setup: %s\n", strerror(-err));
		return 1;
	}
	restore = bpf_program__fd(B->progs.xdp_restore);
	pass_only = bpf_program__fd(B->progs.xdp_pass_only);
	swap_tx = bpf_program__fd(B->progs.xdp_swap_tx);
	push_pass = bpf_program__fd(B->progs.xdp_push_pass);
	push_pop = bpf_program__fd(B->progs.xdp_push_pop);

	printf("bench-bpf: ns per packet through BPF_PROG_TEST_RUN, median of %d runs x %d "
	       "iterations, pinned to CPU 0, ring 65537, 100 reals, flow table %u flows "
	       "per CPU\n", RUNS, REPEAT, L.flow_sets * LB_FLOW_WAYS);

	s = mk(AF_INET, "192.0.2.1", 40000, "10.100.0.1", 80, IPPROTO_TCP, 0x10);
	n = pkt_build(&s, f);
	if (measure(pass_only, f, n, XDP_PASS, -1, &per, &pass_ns) ||
	    measure(swap_tx, f, n, XDP_TX, -1, &per, &swap_ns))
		return 1;
	if (set_target(pass_only) || set_frame(f, n, 0) ||
	    measure(restore, f, n, XDP_PASS, -1, &per, &restore_ns))
		return 1;
	if (measure(push_pop, f, n, XDP_PASS, -1, &per, &pushpop_ns) ||
	    set_target(push_pass) ||
	    measure(restore, f, n, XDP_PASS, -1, &per, &push_ns))
		return 1;
	/*
	 * After an encapsulating iteration the restore also moves the head
	 * back: its overhead is then the push floor less the pass floor less
	 * the push's own adjust call (half the push-pop floor's extra).
	 */
	adjust_ns = ((double)pushpop_ns - pass_ns) / 2;
	restore_grown_ns = (double)push_ns - pass_ns - adjust_ns;
	printf("  %-44s %6u ns\n", "floor: XDP_PASS only", pass_ns);
	printf("  %-44s %6u ns\n", "floor: MAC swap + XDP_TX", swap_ns);
	printf("  %-44s %6u ns  (restore overhead %d ns, subtracted below)\n",
	       "floor: restore frame + tail call + XDP_PASS", restore_ns,
	       (int)restore_ns - (int)pass_ns);
	printf("  %-44s %6u ns  (one bpf_xdp_adjust_head %.0f ns)\n",
	       "floor: adjust_head -20, +20, XDP_PASS", pushpop_ns, adjust_ns);
	printf("  %-44s %6u ns  (restore overhead after a grown frame %.0f ns, "
	       "subtracted from DSR cases)\n",
	       "floor: restore + tail call + push + XDP_PASS", push_ns, restore_grown_ns);

	if (set_target(L.prog_xdp))
		return 1;

	struct {
		const char *name;
		struct pspec s;
		uint32_t seq_off, ret;
		int stat;
		const char *stat_name;
		double goal;
		int direct;
		int grows; /* forwarded frame is longer: the restore adjusts back */
	} cases[] = {
		{ "tcp ack, flow-table hit (dsr ipip)",
		  mk(AF_INET, "192.0.2.1", 40000, "10.100.0.1", 80, IPPROTO_TCP, 0x10),
		  0, XDP_TX, LB_STAT_TX, "tx", 100, 0, 1 },
		{ "tcp syn, ring + insert (dsr ipip)",
		  mk(AF_INET, "192.0.2.2", 1, "10.100.0.1", 80, IPPROTO_TCP, 0x02),
		  26, XDP_TX, LB_STAT_LRU_MISS, "new flows", 215, 0, 1 },
		{ "udp, flow-table hit (dsr ipip)",
		  mk(AF_INET, "192.0.2.3", 5000, "10.100.0.1", 53, IPPROTO_UDP, 0),
		  0, XDP_TX, LB_STAT_TX, "tx", 100, 0, 1 },
		{ "tcp ack, flow-table hit (nat)",
		  mk(AF_INET, "192.0.2.4", 40000, "10.100.0.2", 80, IPPROTO_TCP, 0x10),
		  0, XDP_TX, LB_STAT_TX, "tx", 0, 0, 0 },
		{ "non-service packet (pass)",
		  mk(AF_INET, "192.0.2.5", 40000, "10.200.0.1", 80, IPPROTO_TCP, 0x10),
		  0, XDP_PASS, LB_STAT_PASS_NOT_VIP, "pass", 35, 1, 0 },
	};
	const char *only = getenv("BENCH_BPF_ONLY"); /* case index, for profiling */

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		double adj;

		if (only && (size_t)atoi(only) != c)
			continue;
		n = pkt_build(&cases[c].s, f);
		if (n < COPY) {
			fprintf(stderr, "bench-bpf: frame shorter than %d\n", COPY);
			return 1;
		}
		if (cases[c].direct) {
			err = measure(L.prog_xdp, f, n, cases[c].ret, cases[c].stat,
				      &per, &ns);
			adj = ns;
		} else {
			/* One untimed pass so hit cases measure hits. */
			uint32_t r;
			size_t ol = sizeof(f);
			uint8_t o[PKT_MAX + 128];

			ol = sizeof(o);
			if (set_frame(f, n, cases[c].seq_off) ||
			    lab_run(L.prog_xdp, L.ifindex, f, n, o, &ol, &r, 1, NULL))
				return 1;
			err = measure(restore, f, n, cases[c].ret, cases[c].stat, &per, &ns);
			adj = (double)ns - (cases[c].grows ? restore_grown_ns :
				(double)restore_ns - pass_ns);
		}
		if (err) {
			fprintf(stderr, "bench-bpf: %s: %s\n", cases[c].name, strerror(-err));
			return 1;
		}
		printf("  %-44s %6u ns  net %5.0f ns", cases[c].name, ns, adj);
		if (cases[c].goal > 0)
			printf("  goal <= %3.0f %s", cases[c].goal,
			       adj <= cases[c].goal ? "ok  " : "MISS");
		else
			printf("               ");
		printf("  %s/iteration %.3f\n", cases[c].stat_name, per);
	}
	bench_bpf__destroy(B);
	lab_close(&L);
	return 0;
}
