/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers over the forwarder's maps by file descriptor, used by the driver,
 * the tests and the tools alike: publish a Maglev ring without a packet ever
 * seeing it half-written, and sum per-CPU counters.
 */
#ifndef BALLAST_DP_XDP_MAPS_H
#define BALLAST_DP_XDP_MAPS_H

#include <stdint.h>

#include "dataplane/xdp/bpf/lb_shared.h"

/*
 * Write table[0..m) into lb_rings entries [base, base + m) (an extent the
 * caller owns, not the active ring's), make it service svc_id's spare ring,
 * then flip the service's active slot to it in one lb_svc_state update.
 * rings_fd is lb_rings, state_fd lb_svc_state. 0 or negative errno.
 */
int dp_xdp_ring_publish(int rings_fd, int state_fd, uint32_t svc_id,
			uint32_t base, uint32_t m, const uint32_t *table)
    __attribute__((warn_unused_result));

/*
 * lb_rings is mappable; in its mapping each 4-byte entry takes 8 bytes, so
 * entry i is the 32-bit word DP_XDP_RING_STRIDE * i.
 */
#define DP_XDP_RING_STRIDE 2

/*
 * The second half of dp_xdp_ring_publish(), for a ring the caller wrote into
 * [base, base + m) itself (the driver, through its mapping of lb_rings: the
 * flip is a syscall, which orders the ring's stores before it): point the
 * spare slot at that extent, then flip. *st is the service's lb_svc_state
 * as the caller read it; it is left as written.
 */
int dp_xdp_ring_flip(int state_fd, uint32_t svc_id, struct lb_svc_state *st,
		     uint32_t base, uint32_t m)
    __attribute__((warn_unused_result));

/*
 * Sum a per-CPU value made of n_u64 64-bit counters (e.g. struct lb_ctr has
 * 2) at key over every possible CPU into out[0..n_u64). 0 or negative errno.
 */
int dp_xdp_percpu_sum(int fd, uint32_t key, unsigned int n_u64, uint64_t *out)
	__attribute__((warn_unused_result));

/*
 * Account for a VIP address added (delta +1) or removed (-1) in lb_vip_filter
 * (fd); addr in the BPF layout. Call it alongside every lb_vips change.
 */
int dp_xdp_vip_filter_adjust(int fd, const uint32_t addr[4], int delta)
	__attribute__((warn_unused_result));

/*
 * Sets per CPU of a flow table that holds at least `flows` flows: the value
 * of rodata lb_flow_sets; lb_flows needs that many times possible CPUs.
 */
uint32_t dp_xdp_flow_sets(uint64_t flows);

/*
 * Find the entry a flow matches in lb_flows (fd, one slice of `sets` sets
 * per possible CPU) on any CPU: 0 and the real id in *real_id, -ENOENT, or
 * another negative errno.
 */
int dp_xdp_flow_lookup(int fd, uint32_t sets, const struct lb_flow_key *key,
		       uint32_t *real_id) __attribute__((warn_unused_result));

/*
 * Add or change a service in lb_services (svc_fd) and its set in lb_svc_sets
 * (sets_fd, lb_svc_mask mask); remove one. val->id must not be 0. Writes are
 * ordered so a packet never matches a half-written entry: a new entry's key
 * is written while its id is still 0, and a removed entry's id is cleared
 * before its key. 0 or negative errno.
 */
int dp_xdp_service_put(int svc_fd, int sets_fd, uint32_t mask,
		       const struct lb_svc_key *key, const struct lb_svc_val *val)
	__attribute__((warn_unused_result));
int dp_xdp_service_del(int svc_fd, int sets_fd, uint32_t mask,
		       const struct lb_svc_key *key)
	__attribute__((warn_unused_result));

/* Human name of an lb_stat index ("tx", "drop_no_real", ...), or NULL. */
const char *dp_xdp_stat_name(unsigned int idx);

#endif
