// SPDX-License-Identifier: GPL-2.0-only
/*
 * Nanoseconds per packet of the forwarder through BPF_PROG_TEST_RUN, beside
 * the floors of the same method. Every forwarding case runs behind
 * xdp_restore (bench.bpf.c), which rewrites the frame before each iteration
 * and tail-calls xdp_lb, so each of the `repeat` iterations really forwards;
 * the forwarder's own verdict counters are read around each run and printed
 * per iteration as proof. Run through tests/bpf/run.sh (namespace lab).
 *
 * Rounds are interleaved: each round runs every floor and every case once,
 * so all of them see the same state of a shared machine, and each figure is
 * the median over rounds. Ratios to the XDP_PASS floor of the same run are
 * printed beside the nanoseconds, since the floor itself moves by tens of
 * percent between runs on such a machine.
 *
 * Usage: bench_bpf [REF.bpf.o|- [NOCTR.bpf.o]] ("-": none). Each case then also runs, in
 * the same rounds and with the same maps' contents, on a reference build of
 * the packet path (ratio this/ref: no case may be slower) and on this build
 * without the per-service and per-real counters (their share of the case).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "dataplane/xdp/bench.skel.h"
#include "dataplane/xdp/xdp_maps.h"
#include "tests/bench/bench_stat.h"
#include "tests/bpf/lab.h"
#include "tests/bpf/pkt.h"

#ifndef RUNS
#define RUNS 21
#endif
#define REPEAT 200000
#define COPY   80 /* BENCH_COPY in bench.bpf.c */
#define N_REALS 100

struct bench_frame {
	uint32_t len;
	uint32_t seq_off;
	uint8_t data[COPY];
};

/* The builds measured side by side: this one, the reference, no counters. */
enum { V_CUR, V_REF, V_NOCTR, N_VARIANTS };
static const char *const variant_name[N_VARIANTS] = { "this build", "reference",
						      "no counters" };
static struct lab variants[N_VARIANTS];
static bool loaded[N_VARIANTS];
static void *elf[N_VARIANTS];
static struct bench_bpf *B;

/* One measured program: a floor or a forwarding case. */
struct row {
	const char *name;
	struct pspec s;
	uint32_t seq_off; /* restore writes an iteration count here (new flows) */
	uint32_t ret;     /* expected verdict of every iteration */
	int stat;         /* lb_stats index proving the verdict, -1: none */
	const char *stat_name;
	double goal;      /* net ns, 0: none */
	int prog;         /* program run by BPF_PROG_TEST_RUN */
	int target;       /* restore's tail-call target, -1: run directly */
	int grows;        /* forwarded frame is longer: the restore adjusts back */
	int floor;        /* a floor: printed first, no net figure */
	uint32_t d[RUNS];
	uint64_t hits;    /* stat increments over all runs */
	struct lab *lab;  /* whose verdict counters prove the verdict */
};

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static int set_frame(const struct pspec *s, uint32_t seq_off)
{
	struct bench_frame f = { .seq_off = seq_off };
	uint8_t buf[PKT_MAX];
	size_t n = pkt_build(s, buf);
	uint32_t zero = 0;

	if (n < COPY)
		return -EINVAL;
	f.len = (uint32_t)n;
	memcpy(f.data, buf, COPY);
	return bpf_map_update_elem(bpf_map__fd(B->maps.bench_frame), &zero, &f,
				   BPF_ANY) ? -errno : 0;
}

static int set_target(int prog)
{
	uint32_t zero = 0;

	return bpf_map_update_elem(bpf_map__fd(B->maps.bench_jmp), &zero, &prog,
				   BPF_ANY) ? -errno : 0;
}

/* One run of REPEAT iterations of row w; its duration goes in w->d[r]. */
static int run_row(struct row *w, int r)
{
	uint64_t before[LB_STAT_MAX], after[LB_STAT_MAX];
	uint8_t f[PKT_MAX], out[PKT_MAX + 128];
	size_t n = pkt_build(&w->s, f), out_len = sizeof(out);
	uint32_t ret;
	int err;

	if (w->target >= 0 && (set_target(w->target) || set_frame(&w->s, w->seq_off)))
		return -EIO;
	if (w->stat >= 0 && lab_stats(w->lab, before))
		return -EIO;
	err = lab_run(w->prog, w->lab->ifindex, f, n, out, &out_len, &ret, REPEAT, &w->d[r]);
	if (err)
		return err;
	if (ret != w->ret) {
		fprintf(stderr, "bench-bpf: %s: verdict %u, want %u\n", w->name, ret, w->ret);
		return -EPROTO;
	}
	if (w->stat >= 0) {
		if (lab_stats(w->lab, after))
			return -EIO;
		w->hits += after[w->stat] - before[w->stat];
	}
	return 0;
}

static uint32_t median(struct row *w)
{
	uint32_t d[RUNS];

	memcpy(d, w->d, sizeof(d));
	qsort(d, RUNS, sizeof(d[0]), cmp_u32);
	return d[RUNS / 2];
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

static int setup(struct lab *l)
{
	uint32_t ids[N_REALS];
	int err = 0;

	err |= lab_vip(l, AF_INET, "10.100.0.1", 0);
	err |= lab_vip(l, AF_INET, "10.100.0.2", 0);
	err |= lab_service(l, AF_INET, "10.100.0.1", 80, IPPROTO_TCP, 1, 0);
	err |= lab_service(l, AF_INET, "10.100.0.1", 53, IPPROTO_UDP, 2, 0);
	err |= lab_service(l, AF_INET, "10.100.0.2", 80, IPPROTO_TCP, 3, LB_SVC_NAT);
	for (uint32_t i = 0; i < N_REALS; i++) {
		char a[32];

		snprintf(a, sizeof(a), "10.1.0.%u", i + 1);
		err |= lab_real(l, i + 1, AF_INET, a, 0, 1);
		ids[i] = i + 1;
	}
	err |= lab_real(l, N_REALS + 1, AF_INET, "10.1.0.201", 0, 2);
	err |= lab_real(l, N_REALS + 2, AF_INET, "10.1.0.202", 8080, 3);
	err |= lab_ring(l, 1, ids, N_REALS);
	ids[0] = N_REALS + 1;
	err |= lab_ring(l, 2, ids, 1);
	ids[0] = N_REALS + 2;
	err |= lab_ring(l, 3, ids, 1);
	return err ? -EIO : 0;
}

/* The whole of file path, or NULL (errno set). */
static void *read_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	void *buf = NULL;
	long len;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)len)) &&
	    fread(buf, 1, (size_t)len, f) == (size_t)len)
		*n = (size_t)len;
	else {
		free(buf);
		buf = NULL;
		errno = errno ? errno : EIO;
	}
	fclose(f);
	return buf;
}

/* Load variant v (path NULL: this build) with the bench's maps' contents. */
static int open_variant(int v, const char *path, uint32_t flows)
{
	size_t n = 0;
	int err;

	if (path) {
		elf[v] = read_file(path, &n);
		if (!elf[v]) {
			fprintf(stderr, "bench-bpf: %s: %s\n", path, strerror(errno));
			return -errno;
		}
	}
	err = lab_open_elf(&variants[v], elf[v], n, 65537, flows, 64);
	if (!err)
		err = setup(&variants[v]);
	if (err) {
		fprintf(stderr, "bench-bpf: loading %s: %s\n",
			path ? path : "lb.bpf.o", strerror(-err));
		return err;
	}
	loaded[v] = true;
	return 0;
}

enum { F_PASS, F_SWAP, F_RESTORE, F_PUSHPOP, F_PUSH, N_FLOORS };
#define N_CASES 5
#define LB_PROG -2 /* in a case template: the variant's xdp_lb */

/* What the restore wrapper costs row w (subtracted from its ns). */
static double wrapper_of(const struct row *w, double restore_ns, double restore_grown_ns)
{
	return w->target < 0 ? 0 : w->grows ? restore_grown_ns : restore_ns;
}

/*
 * Median over rounds of f(a's net ns, b's net ns) of the same round: pairing
 * rounds cancels what the machine did between them.
 */
static double paired(const struct row *a, const struct row *b, double wrap,
		     double (*f)(double, double))
{
	double v[RUNS];

	for (int r = 0; r < RUNS; r++)
		v[r] = f(a->d[r] - wrap, b->d[r] - wrap);
	return bench_median(v, RUNS);
}

static double ratio(double x, double ref)
{
	return x / ref;
}

static double share(double x, double bare)
{
	return (x - bare) / x;
}

int main(int argc, char **argv)
{
	const char *only = getenv("BENCH_BPF_ONLY"); /* case index, for profiling */
	double adjust_ns, restore_ns, restore_grown_ns, pass_ns;
	struct row rows[N_FLOORS + N_CASES * N_VARIANTS];
	int restore, pass_only, err, ifindex;
	size_t nrows = N_FLOORS;
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
	if (open_variant(V_CUR, NULL, flows) ||
	    (argc > 1 && strcmp(argv[1], "-") && open_variant(V_REF, argv[1], flows)) ||
	    (argc > 2 && open_variant(V_NOCTR, argv[2], flows)))
		return 1;
	ifindex = variants[V_CUR].ifindex;
	B = bench_bpf__open_and_load();
	if (!B) {
		fprintf(stderr, "bench-bpf: loading bench.bpf.o: %s\n", strerror(errno));
		return 1;
	}
	restore = bpf_program__fd(B->progs.xdp_restore);
	pass_only = bpf_program__fd(B->progs.xdp_pass_only);

	struct pspec ack = mk(AF_INET, "192.0.2.1", 40000, "10.100.0.1", 80, IPPROTO_TCP, 0x10);
	const struct row floors[N_FLOORS] = {
		[F_PASS] = { "floor: XDP_PASS only", ack, 0, XDP_PASS, -1, "", 0,
			     pass_only, -1, 0, 1 },
		[F_SWAP] = { "floor: MAC swap + XDP_TX", ack, 0, XDP_TX, -1, "", 0,
			     bpf_program__fd(B->progs.xdp_swap_tx), -1, 0, 1 },
		[F_RESTORE] = { "floor: restore frame + tail call + XDP_PASS", ack, 0,
				XDP_PASS, -1, "", 0, restore, pass_only, 0, 1 },
		[F_PUSHPOP] = { "floor: adjust_head -20, +20, XDP_PASS", ack, 0, XDP_PASS,
				-1, "", 0, bpf_program__fd(B->progs.xdp_push_pop), -1, 0, 1 },
		[F_PUSH] = { "floor: restore + tail call + push + XDP_PASS", ack, 0,
			     XDP_PASS, -1, "", 0, restore,
			     bpf_program__fd(B->progs.xdp_push_pass), 0, 1 },
	};
	const struct row cases[N_CASES] = {
		[0] = { "tcp ack, flow-table hit (dsr ipip)", ack, 0, XDP_TX, LB_STAT_TX, "tx",
		  100, restore, LB_PROG, 1, 0 },
		[1] = { "tcp syn, ring + insert (dsr ipip)",
		  mk(AF_INET, "192.0.2.2", 1, "10.100.0.1", 80, IPPROTO_TCP, 0x02),
		  26, XDP_TX, LB_STAT_LRU_MISS, "new flows", 215, restore, LB_PROG, 1, 0 },
		[2] = { "udp, flow-table hit (dsr ipip)",
		  mk(AF_INET, "192.0.2.3", 5000, "10.100.0.1", 53, IPPROTO_UDP, 0),
		  0, XDP_TX, LB_STAT_TX, "tx", 100, restore, LB_PROG, 1, 0 },
		[3] = { "tcp ack, flow-table hit (nat)",
		  mk(AF_INET, "192.0.2.4", 40000, "10.100.0.2", 80, IPPROTO_TCP, 0x10),
		  0, XDP_TX, LB_STAT_TX, "tx", 0, restore, LB_PROG, 0, 0 },
		[4] = { "non-service packet (pass)",
		  mk(AF_INET, "192.0.2.5", 40000, "10.200.0.1", 80, IPPROTO_TCP, 0x10),
		  0, XDP_PASS, LB_STAT_PASS_NOT_VIP, "pass", 35, LB_PROG, -1, 0, 0 },
	};

	memcpy(rows, floors, sizeof(floors));
	for (size_t c = 0; c < N_FLOORS; c++)
		rows[c].lab = &variants[V_CUR];
	/* A case's variants side by side, so each round runs them back to back. */
	for (size_t c = 0; c < N_CASES; c++) {
		if (only && (size_t)atoi(only) != c)
			continue;
		for (int v = 0; v < N_VARIANTS; v++) {
			struct row *w = &rows[nrows++];

			*w = cases[c];
			w->lab = &variants[v];
			if (!loaded[v])
				w->prog = -1;
			else if (w->prog == LB_PROG)
				w->prog = variants[v].prog_xdp;
			else if (w->target == LB_PROG)
				w->target = variants[v].prog_xdp;
		}
	}

	/* One untimed pass of each forwarding case, so hit cases measure hits. */
	for (size_t c = N_FLOORS; c < nrows; c++) {
		uint8_t f[PKT_MAX], o[PKT_MAX + 128];
		size_t n = pkt_build(&rows[c].s, f), ol = sizeof(o);
		uint32_t r;

		if (rows[c].prog >= 0 &&
		    lab_run(rows[c].lab->prog_xdp, ifindex, f, n, o, &ol, &r, 1, NULL))
			return 1;
	}
	for (int r = 0; r < RUNS; r++) {
		for (size_t c = 0; c < nrows; c++) {
			if (rows[c].prog < 0)
				continue;
			err = run_row(&rows[c], r);
			if (err) {
				fprintf(stderr, "bench-bpf: %s (%s): %s\n", rows[c].name,
					c < N_FLOORS ? "floor"
						     : variant_name[(c - N_FLOORS) % N_VARIANTS],
					strerror(-err));
				return 1;
			}
		}
	}

	printf("bench-bpf: ns per packet through BPF_PROG_TEST_RUN, median of %d interleaved "
	       "rounds x %d iterations, pinned to CPU 0, ring 65537, 100 reals, flow table "
	       "%u flows per CPU\n", RUNS, REPEAT, variants[V_CUR].flow_sets * LB_FLOW_WAYS);
	if (loaded[V_REF] || loaded[V_NOCTR])
		printf("  each case also on %s%s%s (same rounds): \"ref\" is the reference's net ns and "
		       "the ratio of this build's to it, \"counters\" the share of this "
		       "build's net ns the per-service and per-real counters cost (both "
		       "medians of per-round ratios)\n",
		       loaded[V_REF] ? argv[1] : "", loaded[V_REF] && loaded[V_NOCTR] ? " and " : "",
		       loaded[V_NOCTR] ? argv[2] : "");
	pass_ns = median(&rows[F_PASS]);
	restore_ns = (double)median(&rows[F_RESTORE]) - pass_ns;
	/*
	 * After an encapsulating iteration the restore also moves the head
	 * back: its overhead is then the push floor less the pass floor less
	 * the push's own adjust call (half the push-pop floor's extra).
	 */
	adjust_ns = ((double)median(&rows[F_PUSHPOP]) - pass_ns) / 2;
	restore_grown_ns = (double)median(&rows[F_PUSH]) - pass_ns - adjust_ns;
	printf("  %-44s %6.0f ns\n", rows[F_PASS].name, pass_ns);
	printf("  %-44s %6u ns\n", rows[F_SWAP].name, median(&rows[F_SWAP]));
	printf("  %-44s %6u ns  (restore overhead %.0f ns, subtracted below)\n",
	       rows[F_RESTORE].name, median(&rows[F_RESTORE]), restore_ns);
	printf("  %-44s %6u ns  (one bpf_xdp_adjust_head %.0f ns)\n",
	       rows[F_PUSHPOP].name, median(&rows[F_PUSHPOP]), adjust_ns);
	printf("  %-44s %6u ns  (restore overhead after a grown frame %.0f ns, "
	       "subtracted from DSR cases)\n", rows[F_PUSH].name, median(&rows[F_PUSH]),
	       restore_grown_ns);
	for (size_t c = N_FLOORS; c < nrows; c += N_VARIANTS) {
		struct row *w = &rows[c];
		double wrap = wrapper_of(w, restore_ns, restore_grown_ns);
		double net = median(w) - wrap;

		printf("  %-44s %6u ns  net %5.0f ns  %4.2fx pass", w->name, median(w), net,
		       net / pass_ns);
		if (w->goal > 0)
			printf("  goal <= %3.0f %s", w->goal, net <= w->goal ? "ok  " : "MISS");
		else
			printf("               ");
		printf("  %s/iteration %.3f", w->stat_name,
		       (double)w->hits / ((double)RUNS * REPEAT));
		if (w[V_REF].prog >= 0)
			printf("  ref %5.0f ns %4.2fx", median(&w[V_REF]) - wrap,
			       paired(w, &w[V_REF], wrap, ratio));
		if (w[V_NOCTR].prog >= 0)
			printf("  counters %3.0f%%",
			       100.0 * paired(w, &w[V_NOCTR], wrap, share));
		printf("\n");
	}
	bench_bpf__destroy(B);
	for (int v = 0; v < N_VARIANTS; v++) {
		if (loaded[v])
			lab_close(&variants[v]);
		free(elf[v]);
	}
	return 0;
}
