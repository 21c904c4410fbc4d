/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The forwarder's maps. Sizes here are placeholders: the loader sets every
 * max_entries from its configuration before load (bpf_map__set_max_entries),
 * and lb_rings is a pool of dataplane.xdp.ring_memory bytes (8 an entry)
 * from which the driver gives each ring an extent.
 * Maps are not pinned by the object; the loader pins them by path.
 */
#ifndef BALLAST_LB_MAPS_H
#define BALLAST_LB_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "lb_shared.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct lb_vip_key);
	__type(value, struct lb_vip_val);
} lb_vips SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LB_VIP_FILTER_SIZE);
	__type(key, __u32);
	__type(value, __u32);
} lb_vip_filter SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct lb_nh);
} lb_nh_cache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct lb_svc_key);
	__type(value, struct lb_svc_val);
} lb_services SEC(".maps");

/* max_entries = lb_svc_mask + 1 (set by the loader). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct lb_svc_set);
} lb_svc_sets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct lb_svc_state);
} lb_svc_state SEC(".maps");

/*
 * Mappable, so the driver reads every real in one pass over memory and
 * writes one without a syscall (32 bytes an entry in the mapping).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct lb_real);
} lb_reals SEC(".maps");

/*
 * Mappable, so the driver reads a ring back and writes a spare one at memory
 * speed instead of one syscall element at a time. An array stores each value
 * in 8 bytes: entry i is at byte offset 8 * i of the mapping.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256 * LB_RING_SLOTS * 251);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u32);
} lb_rings SEC(".maps");

/*
 * One slice of lb_flow_sets sets per possible CPU, slice n used only by CPU
 * n: max_entries = lb_flow_sets * possible CPUs (set by the loader). A plain
 * array rather than a per-CPU one: a set is base + index * 64, without the
 * per-CPU map's pointer table. Mappable, because a mappable array's values
 * start on a page boundary: every set is exactly one cache line.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct lb_flow_set);
} lb_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct lb_flow_key);
	__type(value, struct lb_ct_val);
} lb_ct SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lb_cfg);
} lb_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LB_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} lb_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct lb_ctr);
} lb_svc_ctr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct lb_ctr);
} lb_real_ctr SEC(".maps");

/* Per-CPU new-flow budget: window start (ns) and flows inserted in it. */
struct lb_flood {
	__u64 window;
	__u64 count;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lb_flood);
} lb_flood SEC(".maps");

#endif
