/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one loader of the forwarder: opens lb.bpf.o's skeleton, sets its rodata
 * and every map's size from a sizing, optionally reuses (or creates) maps
 * pinned in a directory, and loads it. The driver, the golden tests and the
 * benchmarks all load through here, so the tests exercise the shipped sizing;
 * libbpf's messages go through lib/log (lb_log_route_libbpf).
 */
#ifndef BALLAST_DP_XDP_LOADER_H
#define BALLAST_DP_XDP_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

struct lb_bpf;
struct bpf_object;

/* Everything that fixes a map size or a rodata value. */
struct dp_xdp_sizing {
	uint32_t ring_size;    /* the largest Maglev M a service's ring has */
	uint32_t ring_entries; /* lb_rings: the pool the rings' extents share */
	uint32_t flow_sets;    /* rodata lb_flow_sets: flow sets per CPU */
	uint32_t svc_sets;     /* lb_svc_sets entries, a power of two */
	uint32_t max_services; /* service ids 1..max_services */
	uint32_t max_reals;    /* real ids 1..max_reals */
	uint32_t ct_entries;   /* lb_ct: NAT replies tracked */
};

/* Sizing the config asks for (dataplane.xdp.*). */
void dp_xdp_sizing_from_cfg(const struct cfg_xdp *x, struct dp_xdp_sizing *s);

/*
 * Check that every map a sizing implies can exist (entry counts within 32
 * bits, lb_rings within the kernel's array limit). 0, or -E2BIG with *why
 * naming the limit and the setting that lowers it.
 */
int dp_xdp_sizing_check(const struct dp_xdp_sizing *s, char *why, size_t len)
    __attribute__((warn_unused_result));

/*
 * Open and load lb.bpf.o with sizing s. With pin_dir, each map is reused from
 * <pin_dir>/<map name> when pinned there and pinned there when not (libbpf
 * refuses a pinned map of another type or size). 0 and *out, or negative
 * errno.
 */
int dp_xdp_load(const struct dp_xdp_sizing *s, const char *pin_dir,
		struct lb_bpf **out) __attribute__((warn_unused_result));

/*
 * dp_xdp_load() without pins of another build of lb.bpf.c (elf, n bytes,
 * kept alive by the caller until the object is destroyed) with the same map
 * and program names: the benchmarks' reference build and ablated variants.
 */
int dp_xdp_load_elf(const struct dp_xdp_sizing *s, const void *elf, size_t n,
		    struct lb_bpf **out) __attribute__((warn_unused_result));

/*
 * dp_xdp_load() without pins, with the verifier's statistics (log level 4:
 * instructions processed, stack depth) of xdp_lb in log[0..len/2) and of
 * tc_nat_egress in log[len/2..len), each NUL-terminated.
 */
int dp_xdp_load_stats(const struct dp_xdp_sizing *s, char *log, size_t len,
		      struct lb_bpf **out) __attribute__((warn_unused_result));

/*
 * Hash of the layout userspace and the programs agree on: the shared structs'
 * sizes, the constants they are indexed by, and every map's type, key and
 * value size and flags (not its size: that is the sizing). Pinned maps with
 * another layout are never reused.
 */
uint64_t dp_xdp_layout_hash(void) __attribute__((warn_unused_result));

/* Hash of this build's lb.bpf.o: a different value means a new program. */
uint64_t dp_xdp_prog_hash(void);

#endif
