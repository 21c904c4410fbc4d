/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The forwarder loaded for tests and benchmarks, inside the network namespace
 * tests/bpf/run.sh prepares (interfaces, addresses, static neighbours and
 * routes below), so bpf_fib_lookup answers deterministically.
 */
#ifndef BALLAST_TESTS_BPF_LAB_H
#define BALLAST_TESTS_BPF_LAB_H

#include <stddef.h>
#include <stdint.h>

#include "dataplane/xdp/bpf/lb_shared.h"

/* Names and addresses fixed by run.sh. */
#define LAB_IF      "lb0"  /* 02:00:00:00:00:01, 10.0.0.1/24, fd00::1/64 */
#define LAB_IF_X    "lbx"  /* 02:00:00:00:01:01, 10.9.0.1/24 */
extern const uint8_t lab_mac_lb0[6], lab_mac_gw[6], lab_mac_lbx[6],
	lab_mac_gwx[6], lab_mac_client[6];

struct lb_bpf;

struct lab {
	struct lb_bpf *skel;
	int ifindex, ifindex_x;
	uint32_t m;
	uint32_t flow_sets;   /* lb_flows entries (sets of LB_FLOW_WAYS) */
	uint32_t svc_sets;    /* lb_svc_sets entries (power of two) */
	uint32_t fib_refresh; /* lb_cfg.fib_refresh written by lab_cfg() */
	uint32_t fib_gen;     /* lb_cfg.fib_gen written by lab_cfg() */
	int fd_vips, fd_vip_filter, fd_svc_sets, fd_services, fd_state, fd_reals, fd_rings, fd_flows,
	    fd_ct, fd_cfg, fd_stats, fd_svc_ctr, fd_real_ctr;
	int prog_xdp, prog_tc;
};

/* Parse a literal address into the BPF layout. */
void lab_addr(const char *s, uint32_t out[4]);

/*
 * Load lb.bpf.o with ring size m, a flow table of flows entries and svc_sets
 * service sets (a power of two), small limits. 0 or negative errno.
 */
int lab_open(struct lab *l, uint32_t m, uint32_t flows, uint32_t svc_sets);
/* lab_open() of another build of lb.bpf.c (dp_xdp_load_elf). */
int lab_open_elf(struct lab *l, const void *elf, size_t n, uint32_t m,
		 uint32_t flows, uint32_t svc_sets);
void lab_close(struct lab *l);

int lab_vip(struct lab *l, int family, const char *addr, uint32_t flags);
int lab_service(struct lab *l, int family, const char *addr, uint16_t port,
		uint8_t proto, uint32_t id, uint32_t flags);
int lab_real(struct lab *l, uint32_t id, int family, const char *addr,
	     uint16_t port, uint32_t svc_id);
/* Publish a ring repeating ids[0..n) (n 0: empty ring). */
int lab_ring(struct lab *l, uint32_t svc_id, const uint32_t *ids, size_t n);
int lab_cfg(struct lab *l, uint64_t new_flow_rate);
/* lb_stats summed over CPUs into out[LB_STAT_MAX]. */
int lab_stats(struct lab *l, uint64_t *out);

/* One BPF_PROG_TEST_RUN of an XDP (ifindex > 0) or TC (ifindex 0) program. */
int lab_run(int prog_fd, int ifindex, const uint8_t *in, size_t len,
	    uint8_t *out, size_t *out_len, uint32_t *retval, uint32_t repeat,
	    uint32_t *duration_ns);

#endif
