// SPDX-License-Identifier: GPL-2.0-only
/*
 * Control-plane figures of the XDP driver, 1,000 services x 100 reals, through
 * the port (dp_xdp_ops and the controller, as `ballast apply` drives them):
 * program load, apply from empty, one weight change on the loaded table (a
 * full pass as `ballast apply` runs it, and the daemon's pass scoped to the
 * service), and a plan on the loaded table (read-back of every ring), each
 * with its time and peak memory; then the pinned maps' kernel memory. The
 * apply from empty is also run in rounds, each on a forwarder detached and
 * installed afresh (not timed) and beside its own 1,000 builds. Each
 * goal's yardstick is measured in the same run: Maglev builds of the same
 * rings, and a raw read of the live rings' bytes through the same mapping
 * kind the driver uses. RSS counts the driver's mapping of lb_rings (kernel
 * memory, populated when mapped); "anon" is the process's own. Run through
 * tests/bench/xdp_cp.sh (a veth in a network namespace, a private bpffs).
 * Usage: bench_xdp_cp IFNAME PIN_PATH.
 */
#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "config/config.h"
#include "dataplane/xdp/bpf/lb_shared.h"
#include "dataplane/xdp/maglev.h"
#include "dataplane/xdp/xdp.h"
#include "dataplane/xdp/xdp_maps.h"
#include "lib/log.h"
#include "reconcile/controller.h"
#include "tests/bench/bench_cfg.h"
#include "tests/bench/bench_stat.h"

#define N_SVCS 1000
#define N_REALS 100
#define RING LB_RING_DEFAULT_SIZE /* dataplane.xdp.ring_size: the cap */
#define RUNS 7

static const char *ifname, *pins;
static uint32_t ring_m; /* each service's M: sized for its N_REALS reals */

/* A field of /proc/self/status in MiB ("VmRSS", "VmHWM"). */
static double status_mib(const char *field)
{
	FILE *f = fopen("/proc/self/status", "r");
	size_t len = strlen(field);
	char line[256];
	double kib = 0;

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, field, len) && line[len] == ':')
			kib = strtod(line + len + 1, NULL);
	if (f)
		fclose(f);
	return kib / 1024;
}

/* Start of a measured phase: the peak RSS restarts from the current one. */
static double phase_begin(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");

	if (f) {
		fputs("5", f);
		fclose(f);
	}
	return bench_now_ms();
}

static void phase_end(const char *what, double t0, double rss0)
{
	double ms = bench_now_ms() - t0;

	printf("  %-56s %8.1f ms  peak RSS %6.1f MiB (+%.1f), anon %.1f MiB\n",
	       what, ms, status_mib("VmHWM"), status_mib("VmHWM") - rss0,
	       status_mib("RssAnon"));
}

/* The config: N_SVCS services of N_REALS reals; real 0 of s0 weighs w0. */
static struct cfg *make_cfg(uint32_t w0)
{
	char dp[512];

	snprintf(dp, sizeof(dp),
		 "dataplane:\n  driver: xdp\n  interface: %s\n"
		 "  xdp: {max_services: 1024, max_reals: 131072, "
		 "ring_size: %u, pin_path: %s}\n",
		 ifname, RING, pins);
	return bench_cfg_build(dp, N_SVCS, N_REALS, w0);
}

/* Service i's reals as the driver hands them to Maglev (ids 1..). */
static void maglev_reals(int i, uint32_t w0, struct dp_maglev_real *r)
{
	for (int b = 0; b < N_REALS; b++) {
		char a[32];

		/* bench_cfg_build()'s addresses */
		snprintf(a, sizeof(a), "10.%d.%d.%d", i / 256, i % 256, b + 1);
		memset(&r[b], 0, sizeof(r[b]));
		if (lb_addr_parse(a, &r[b].addr))
			exit(1);
		r[b].port = 80;
		r[b].id = (uint32_t)(i * N_REALS + b + 1);
		r[b].weight = i == 0 && b == 0 ? w0 : 1;
	}
}

/* Milliseconds to build every service's ring once. */
static double builds_all(uint32_t *table)
{
	struct dp_maglev_real r[N_REALS];
	double t0 = bench_now_ms();

	for (int i = 0; i < N_SVCS; i++) {
		maglev_reals(i, 1, r);
		if (dp_maglev_build(r, N_REALS, ring_m, table))
			exit(1);
	}
	return bench_now_ms() - t0;
}

/* Milliseconds of one build of s0's ring with its changed weight. */
static double build_one(uint32_t *table)
{
	struct dp_maglev_real r[N_REALS];
	double t0;

	maglev_reals(0, 2, r);
	t0 = bench_now_ms();
	if (dp_maglev_build(r, N_REALS, ring_m, table))
		exit(1);
	return bench_now_ms() - t0;
}

static int pin_get(const char *name)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s/%s/%s", pins, ifname, name);
	return bpf_obj_get(p);
}

/*
 * Milliseconds to read the live ring of every service (its active slot,
 * each entry once) through a mapping of the pinned lb_rings, as the
 * driver's read-back does; *sum keeps the reads from being optimised out.
 */
static double ring_read(uint64_t *sum)
{
	int rings = pin_get("lb_rings"), state = pin_get("lb_svc_state");
	struct bpf_map_info info = {0};
	uint32_t ilen = sizeof(info);
	volatile uint64_t acc = 0;
	const uint32_t *map;
	size_t bytes;
	double t0, ms;

	if (rings < 0 || state < 0 ||
	    bpf_obj_get_info_by_fd(rings, &info, &ilen))
		exit(1);
	bytes = (size_t)info.max_entries * 8;
	map = mmap(NULL, bytes, PROT_READ, MAP_SHARED, rings, 0);
	if (map == MAP_FAILED)
		exit(1);
	t0 = bench_now_ms();
	for (uint32_t id = 1; id <= N_SVCS; id++) {
		struct lb_svc_state st = {0};
		const uint32_t *src;
		uint64_t s = 0;

		if (bpf_map_lookup_elem(state, &id, &st))
			exit(1);
		src = map +
		      (uint64_t)st.base[st.ring_slot & 1] * DP_XDP_RING_STRIDE;
		for (uint32_t i = 0; i < st.size[st.ring_slot & 1]; i++)
			s += src[(uint64_t)i * DP_XDP_RING_STRIDE];
		acc += s;
	}
	ms = bench_now_ms() - t0;
	*sum = acc;
	munmap((void *)map, bytes);
	close(rings);
	close(state);
	return ms;
}

/*
 * The kernel's own accounting of a map fd (fdinfo "memlock"), in bytes; 0
 * for a program or link (no "map_type").
 */
static uint64_t memlock(int fd)
{
	char path[64], line[256];
	uint64_t v = 0;
	bool map = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "memlock:", 8))
			v = strtoull(line + 8, NULL, 10);
		else if (!strncmp(line, "map_type:", 9))
			map = true;
	if (f)
		fclose(f);
	return map ? v : 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void pinned_memory(void)
{
	char dir[4096], *names[64];
	size_t n = 0;
	uint64_t total = 0;
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/%s", pins, ifname);
	d = opendir(dir);
	while (d && (e = readdir(d)) && n < 64)
		if (e->d_name[0] != '.')
			names[n++] = strdup(e->d_name);
	if (d)
		closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_name);
	printf("pinned maps (max_entries x value size; kernel memlock):\n");
	for (size_t i = 0; i < n; i++) {
		struct bpf_map_info info = {0};
		uint32_t ilen = sizeof(info);
		int fd = pin_get(names[i]);

		uint64_t ml = fd >= 0 ? memlock(fd) : 0;

		if (ml && !bpf_obj_get_info_by_fd(fd, &info, &ilen)) {
			printf("  %-16s %10u x %4u B  %10.1f MiB\n", names[i],
			       info.max_entries, info.value_size,
			       (double)ml / (1 << 20));
			total += ml;
		}
		if (fd >= 0)
			close(fd);
		free(names[i]);
	}
	printf("  %-35s %10.1f MiB\n", "total", (double)total / (1 << 20));
}

/* Milliseconds of the last pass's apply step (the rest: read + diff). */
static double last_apply_ms;

/* One pass of the controller; scoped to s0 with one_svc. */
static double pass(struct rc_ctl *ctl, const struct cfg *cfg, bool one_svc,
		   bool apply, size_t *n_ops)
{
	double t1;
	struct dp_result res = {0};
	const struct rc_plan *plan;
	struct rc_svc_key key;
	double t0 = bench_now_ms();
	int err;

	if (one_svc) {
		rc_desired_service_key(&cfg->services[0], &key);
		err =
		    rc_ctl_plan_services(ctl, cfg, NULL, NULL, &key, 1, &plan);
	} else {
		err = rc_ctl_plan(ctl, cfg, NULL, NULL, &plan);
	}
	t1 = bench_now_ms();
	if (!err && apply)
		err = rc_ctl_apply(ctl, &res);
	last_apply_ms = bench_now_ms() - t1;
	if (err) {
		fprintf(stderr, "bench-xdp-cp: pass: %s\n", strerror(-err));
		exit(1);
	}
	*n_ops = plan->n;
	dp_result_free(&res);
	return bench_now_ms() - t0;
}

/* Median over rounds of a[r] / b[r]: pairing rounds cancels the machine's
 * drift. */
static double paired_ratio(const double *a, const double *b)
{
	double v[RUNS];

	for (int r = 0; r < RUNS; r++)
		v[r] = a[r] / b[r];
	return bench_median(v, RUNS);
}

/* A step's time, its ratio to its yardstick and the goal (apply_part < 0:
 * none). */
static void goal_line(const char *what, double ms, double ratio,
		      const char *yardstick, double goal, double apply_part)
{
	printf("  %-42s %9.2f ms  %.2fx %s  goal <= %.1fx %s", what, ms, ratio,
	       yardstick, goal, ratio <= goal ? "met" : "MISSED");
	if (apply_part >= 0)
		printf("  (apply step %.2f ms)", apply_part);
	printf("\n");
}

/* The weight of s0's first real flips between the two configs. */
static struct cfg *cfgs[2];
static int live; /* index of the config last applied */

/* Open the driver with cfgs[0] and install (load, verify, pin, attach). */
static void install(struct dp **dp, struct rc_ctl **ctl)
{
	struct rc_state empty;

	rc_state_init(&empty);
	if (dp_xdp_ops.open(dp, &(struct dp_open_args){.cfg = cfgs[0]}) ||
	    rc_ctl_new(&dp_xdp_ops, *dp, ctl) || dp_xdp_ops.read(*dp, &empty)) {
		fprintf(stderr, "bench-xdp-cp: open and install failed\n");
		exit(1);
	}
	rc_state_free(&empty);
}

/*
 * One round of the apply from empty beside its yardstick: the forwarder
 * detached and installed afresh (not timed), 1,000 Maglev builds, the
 * apply. Its time; the builds' in *builds_ms.
 */
static double apply_round(struct dp **dp, struct rc_ctl **ctl, uint32_t *table,
			  double *builds_ms)
{
	size_t n_ops = 0;

	rc_ctl_free(*ctl);
	dp_xdp_ops.close(*dp, true);
	install(dp, ctl);
	*builds_ms = builds_all(table);
	live = 0;
	return pass(*ctl, cfgs[0], false, true, &n_ops);
}

static double weight_change(struct rc_ctl *ctl, bool scoped, double *apply_part)
{
	size_t n_ops = 0;
	double ms;

	live ^= 1;
	ms = pass(ctl, cfgs[live], scoped, true, &n_ops);
	if (n_ops != 1) {
		fprintf(stderr,
			"bench-xdp-cp: a weight change planned %zu ops\n",
			n_ops);
		exit(1);
	}
	*apply_part = last_apply_ms;
	return ms;
}

int main(int argc, char **argv)
{
	double t0, rss0, builds_ms[2], load_ms, apply_ms, apply_a, builds;
	double one[RUNS], full[RUNS], full_a[RUNS], scoped[RUNS],
	    scoped_a[RUNS];
	double one_s[RUNS], raw[RUNS], plan[RUNS], a;
	double empty_apply[RUNS], empty_builds[RUNS];
	struct rc_ctl *ctl;
	struct dp *dp;
	uint32_t *table;
	uint64_t sum = 0;
	size_t n_ops = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: bench_xdp_cp IFNAME PIN_PATH\n");
		return 2;
	}
	ifname = argv[1];
	pins = argv[2];
	lb_log_set_level(LB_LOG_WARN);
	ring_m = lb_ring_size_for(N_REALS, RING);
	cfgs[0] = make_cfg(1);
	cfgs[1] = make_cfg(2);
	table = calloc(RING, sizeof(*table));
	if (!cfgs[0] || !cfgs[1] || !table)
		return 1;
	printf("bench-xdp-cp: %d services x %d reals, rings of %u (ring_size "
	       "%u), xdp driver on %s; "
	       "time and peak memory of each step's first run, then %d rounds "
	       "of it beside its yardstick (medians; ratios are medians of "
	       "per-round ratios)\n",
	       N_SVCS, N_REALS, ring_m, RING, ifname, RUNS);

	rss0 = status_mib("VmRSS");
	t0 = phase_begin();
	install(&dp, &ctl);
	load_ms = bench_now_ms() - t0;
	phase_end("open + install (load, verify, pin, attach)", t0, rss0);

	/* The yardstick right before and right after: the machine drifts. */
	builds_ms[0] = builds_all(table);
	rss0 = status_mib("VmRSS");
	t0 = phase_begin();
	apply_ms = pass(ctl, cfgs[0], false, true, &n_ops);
	apply_a = last_apply_ms;
	phase_end("apply from empty (read + diff + apply)", t0, rss0);
	printf("    %zu ops\n", n_ops);
	if (getenv("BENCH_XDP_CP_APPLY_ONLY")) /* for profiling the apply */
		return 0;
	builds_ms[1] = builds_all(table);
	builds = (builds_ms[0] + builds_ms[1]) / 2;
	for (int r = 0; r < RUNS; r++)
		empty_apply[r] =
		    apply_round(&dp, &ctl, table, &empty_builds[r]);

	rss0 = status_mib("VmRSS");
	t0 = phase_begin();
	weight_change(ctl, false, &a);
	phase_end("weight change, full pass (`ballast apply`)", t0, rss0);
	rss0 = status_mib("VmRSS");
	t0 = phase_begin();
	weight_change(ctl, true, &a);
	phase_end("weight change, pass scoped to the service (daemon)", t0,
		  rss0);
	rss0 = status_mib("VmRSS");
	t0 = phase_begin();
	pass(ctl, cfgs[live], false, false, &n_ops);
	phase_end("plan on the loaded table (reads every ring back)", t0, rss0);
	printf("    %zu ops\n", n_ops);

	for (int r = 0; r < RUNS; r++) {
		one[r] = build_one(table);
		full[r] = weight_change(ctl, false, &full_a[r]);
		one_s[r] = build_one(table);
		scoped[r] = weight_change(ctl, true, &scoped_a[r]);
		raw[r] = ring_read(&sum);
		plan[r] = pass(ctl, cfgs[live], false, false, &n_ops);
	}

	printf("figures:\n");
	printf("  program load + verification + pin + attach %9.1f ms\n",
	       load_ms);
	printf("  %d Maglev builds (%u entries, %d reals)   %9.1f ms  (%.1f "
	       "before the apply, %.1f after)\n",
	       N_SVCS, ring_m, N_REALS, builds, builds_ms[0], builds_ms[1]);
	printf("  apply from empty, first run                %9.2f ms  %.2fx "
	       "the builds  (apply step %.2f ms)\n",
	       apply_ms, apply_ms / builds, apply_a);
	goal_line("apply from empty, each after a fresh install",
		  bench_median(empty_apply, RUNS),
		  paired_ratio(empty_apply, empty_builds), "the builds", 1.2,
		  -1);
	printf("  one Maglev build of s0's ring              %9.2f ms\n",
	       bench_median(one, RUNS));
	goal_line("weight change, full pass", bench_median(full, RUNS),
		  paired_ratio(full, one), "one build", 3,
		  bench_median(full_a, RUNS));
	goal_line("weight change, scoped pass", bench_median(scoped, RUNS),
		  paired_ratio(scoped, one_s), "one build", 3,
		  bench_median(scoped_a, RUNS));
	printf("  raw read of the %d live rings' bytes     %9.1f ms  (%.0f MiB "
	       "read, sum %llu)\n",
	       N_SVCS, bench_median(raw, RUNS),
	       (double)N_SVCS * ring_m * 4 / (1 << 20),
	       (unsigned long long)sum);
	goal_line("plan on the loaded table", bench_median(plan, RUNS),
		  paired_ratio(plan, raw), "the raw read", 2, -1);
	pinned_memory();

	rc_ctl_free(ctl);
	dp_xdp_ops.close(dp, true);
	cfg_free(cfgs[0]);
	cfg_free(cfgs[1]);
	free(table);
	return 0;
}
