// SPDX-License-Identifier: GPL-2.0-only
/*
 * The forwarder's loader: sizing from the config, rodata, map sizes, pinned
 * map reuse, and the layout hash that guards pinned maps across builds.
 */
#include "dataplane/xdp/loader.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "dataplane/xdp/bpf/lb_shared.h"
#include "dataplane/xdp/lb.skel.h"
#include "dataplane/xdp/xdp_maps.h"
#include "lib/log.h"
#include "lib/ring_size.h"

/*
 * Bump when the meaning of a map's contents changes without its sizes
 * changing, or the driver's own pinned maps change, so a new build refuses
 * maps the old one filled. 2: svc_meta. 3: lb_rings a pool of extents
 * sized per service, their bases and sizes in lb_svc_state. 4: lb_reals
 * and svc_meta mappable, the tables' generation in svc_meta's entry 0.
 */
#define DP_XDP_LAYOUT_VERSION 4u

/* Array maps store each value in a multiple of 8 bytes. */
#define ARRAY_ELEM(sz) (((uint64_t)(sz) + 7) & ~(uint64_t)7)
/* The kernel refuses an array map of 4 GiB or more. */
#define ARRAY_MAX_BYTES ((uint64_t)UINT32_MAX - 4096)

static uint32_t pow2_at_least(uint32_t n)
{
	uint32_t p = 1;

	while (p < n && p < (1u << 30))
		p <<= 1;
	return p;
}

void dp_xdp_sizing_from_cfg(const struct cfg_xdp *x, struct dp_xdp_sizing *s)
{
	memset(s, 0, sizeof(*s));
	s->ring_size = x->ring_size;
	s->ring_entries = (uint32_t)(((uint64_t)x->ring_memory << 20) /
				     ARRAY_ELEM(sizeof(uint32_t)));
	s->flow_sets = dp_xdp_flow_sets(x->flow_table_size);
	/* About one service per way on average: few sets overflow. */
	s->svc_sets = pow2_at_least(x->max_services);
	s->max_services = x->max_services;
	s->max_reals = x->max_reals;
	s->ct_entries = x->flow_table_size;
}

int dp_xdp_sizing_check(const struct dp_xdp_sizing *s, char *why, size_t len)
{
	/* The limits validation holds the config to: one source for both. */
	const struct cfg_driver_caps *caps = cfg_driver_caps(CFG_DRIVER_XDP);
	int ncpu = libbpf_num_possible_cpus();
	uint64_t rings, flows;

	if (ncpu <= 0)
		ncpu = 1;
	if (!lb_ring_size_ok(s->ring_size)) {
		snprintf(why, len,
			 "ring size %u is not a prime within %u..%u; set "
			 "dataplane.xdp.ring_size (e.g. %u)",
			 s->ring_size, LB_RING_MIN_SIZE, LB_RING_MAX_SIZE,
			 LB_RING_DEFAULT_SIZE);
		return -EINVAL;
	}
	if (s->max_services > caps->max_services ||
	    s->max_reals > caps->max_reals) {
		snprintf(why, len,
			 "%u services and %u reals are more than the xdp "
			 "driver holds (%u, %u); lower "
			 "dataplane.xdp.max_services or max_reals",
			 s->max_services, s->max_reals, caps->max_services,
			 caps->max_reals);
		return -E2BIG;
	}
	rings = (uint64_t)s->ring_entries;
	if (rings * ARRAY_ELEM(sizeof(uint32_t)) > ARRAY_MAX_BYTES) {
		snprintf(why, len,
			 "a ring pool of %llu MiB exceeds the kernel's 4 GiB "
			 "array limit; lower dataplane.xdp.ring_memory",
			 (unsigned long long)(rings * 8 >> 20));
		return -E2BIG;
	}
	if (rings < (uint64_t)LB_RING_SLOTS * s->ring_size) {
		snprintf(
		    why, len,
		    "a ring pool of %llu entries cannot hold the two rings "
		    "of one service of ring_size %u; raise "
		    "dataplane.xdp.ring_memory or lower "
		    "dataplane.xdp.ring_size",
		    (unsigned long long)rings, s->ring_size);
		return -E2BIG;
	}
	flows = (uint64_t)s->flow_sets * (uint64_t)ncpu;
	if (flows * sizeof(struct lb_flow_set) > ARRAY_MAX_BYTES) {
		snprintf(
		    why, len,
		    "a flow table of %u sets on each of %d CPUs exceeds the "
		    "kernel's 4 GiB array limit; lower "
		    "dataplane.xdp.flow_table_size",
		    s->flow_sets, ncpu);
		return -E2BIG;
	}
	if (!s->max_services || !s->max_reals ||
	    s->max_services == UINT32_MAX || s->max_reals == UINT32_MAX ||
	    !s->ct_entries || !s->svc_sets ||
	    (s->svc_sets & (s->svc_sets - 1))) {
		snprintf(why, len, "invalid forwarder sizing");
		return -EINVAL;
	}
	return 0;
}

static int set_sizes(struct lb_bpf *o, const struct dp_xdp_sizing *s)
{
	int ncpu = libbpf_num_possible_cpus();
	const struct {
		struct bpf_map *map;
		uint64_t n;
	} t[] = {
	    {o->maps.lb_vips, s->max_services},
	    {o->maps.lb_services, s->max_services},
	    {o->maps.lb_svc_sets, s->svc_sets},
	    {o->maps.lb_svc_state, (uint64_t)s->max_services + 1},
	    {o->maps.lb_svc_ctr, (uint64_t)s->max_services + 1},
	    {o->maps.lb_reals, (uint64_t)s->max_reals + 1},
	    {o->maps.lb_real_ctr, (uint64_t)s->max_reals + 1},
	    {o->maps.lb_nh_cache, (uint64_t)s->max_reals + 1},
	    {o->maps.lb_rings, s->ring_entries},
	    {o->maps.lb_flows, (uint64_t)s->flow_sets * (uint64_t)ncpu},
	    {o->maps.lb_ct, s->ct_entries},
	};

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (!t[i].n || t[i].n > UINT32_MAX)
			return -E2BIG;
		if (bpf_map__set_max_entries(t[i].map, (uint32_t)t[i].n))
			return -EINVAL;
	}
	return 0;
}

static int set_pins(struct lb_bpf *o, const char *dir)
{
	struct bpf_map *map;
	char path[4096];

	bpf_object__for_each_map(map, o->obj)
	{
		/* Internal maps (.rodata, .bss) belong to one program. */
		if (bpf_map__is_internal(map))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
				     bpf_map__name(map)) >= sizeof(path))
			return -ENAMETOOLONG;
		if (bpf_map__set_pin_path(map, path))
			return -ENOMEM;
	}
	return 0;
}

/*
 * lb_bpf__open(), with elf (n bytes) in place of the embedded object when
 * given: the skeleton finds its maps and programs by name, so any build of
 * lb.bpf.c with the same names fits it.
 */
static struct lb_bpf *open_elf(const void *elf, size_t n)
{
	struct lb_bpf *o;
	int err;

	if (!elf)
		return lb_bpf__open();
	o = calloc(1, sizeof(*o));
	if (!o) {
		errno = ENOMEM;
		return NULL;
	}
	err = lb_bpf__create_skeleton(o);
	if (!err) {
		o->skeleton->data = (void *)elf;
		o->skeleton->data_sz = n;
		err = bpf_object__open_skeleton(o->skeleton, NULL);
	}
	if (err) {
		lb_bpf__destroy(o);
		errno = err < 0 ? -err : EINVAL;
		return NULL;
	}
	return o;
}

static int load(const struct dp_xdp_sizing *s, const char *pin_dir, char *log,
		size_t len, const void *elf, size_t elf_len,
		struct lb_bpf **out)
{
	struct lb_bpf *o;
	int err;

	*out = NULL;
	lb_log_route_libbpf();
	o = open_elf(elf, elf_len);
	if (!o)
		return errno ? -errno : -EINVAL;
	o->rodata->lb_ring_size = s->ring_size;
	o->rodata->lb_flow_sets = s->flow_sets;
	o->rodata->lb_svc_mask = s->svc_sets - 1;
	err = set_sizes(o, s);
	if (!err && pin_dir)
		err = set_pins(o, pin_dir);
	if (!err && log) {
		/* XDP's statistics in the first half, TC's in the second. */
		if (bpf_program__set_log_level(o->progs.xdp_lb, 4) ||
		    bpf_program__set_log_buf(o->progs.xdp_lb, log, len / 2) ||
		    bpf_program__set_log_level(o->progs.tc_nat_egress, 4) ||
		    bpf_program__set_log_buf(o->progs.tc_nat_egress,
					     log + len / 2, len / 2))
			err = -EINVAL;
	}
	if (!err)
		err = lb_bpf__load(o);
	if (err) {
		lb_bpf__destroy(o);
		return err < 0 ? err : -EINVAL;
	}
	*out = o;
	return 0;
}

int dp_xdp_load(const struct dp_xdp_sizing *s, const char *pin_dir,
		struct lb_bpf **out)
{
	return load(s, pin_dir, NULL, 0, NULL, 0, out);
}

int dp_xdp_load_elf(const struct dp_xdp_sizing *s, const void *elf, size_t n,
		    struct lb_bpf **out)
{
	return load(s, NULL, NULL, 0, elf, n, out);
}

int dp_xdp_load_stats(const struct dp_xdp_sizing *s, char *log, size_t len,
		      struct lb_bpf **out)
{
	return load(s, NULL, log, len, NULL, 0, out);
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static uint64_t fnv_u32(uint64_t h, uint32_t v)
{
	return fnv(h, &v, sizeof(v));
}

uint64_t dp_xdp_layout_hash(void)
{
	static const uint32_t shape[] = {
	    DP_XDP_LAYOUT_VERSION,
	    sizeof(struct lb_vip_key),
	    sizeof(struct lb_vip_val),
	    sizeof(struct lb_svc_key),
	    sizeof(struct lb_svc_val),
	    sizeof(struct lb_svc_ent),
	    sizeof(struct lb_svc_set),
	    sizeof(struct lb_svc_state),
	    sizeof(struct lb_real),
	    sizeof(struct lb_flow_key),
	    sizeof(struct lb_flow_set),
	    sizeof(struct lb_ct_val),
	    sizeof(struct lb_cfg),
	    sizeof(struct lb_nh),
	    sizeof(struct lb_ctr),
	    LB_RING_SLOTS,
	    LB_SVC_WAYS,
	    LB_FLOW_WAYS,
	    LB_STAT_MAX,
	    LB_VIP_FILTER_SIZE,
	};
	uint64_t h = fnv(0xcbf29ce484222325ull, shape, sizeof(shape));
	struct bpf_map *map;
	struct lb_bpf *o;

	lb_log_route_libbpf();
	o = lb_bpf__open();
	if (!o)
		return h;
	bpf_object__for_each_map(map, o->obj)
	{
		const char *name = bpf_map__name(map);

		if (bpf_map__is_internal(map))
			continue;
		h = fnv(h, name, strlen(name) + 1);
		h = fnv_u32(h, bpf_map__type(map));
		h = fnv_u32(h, bpf_map__key_size(map));
		h = fnv_u32(h, bpf_map__value_size(map));
		h = fnv_u32(h, bpf_map__map_flags(map));
	}
	lb_bpf__destroy(o);
	return h;
}

uint64_t dp_xdp_prog_hash(void)
{
	size_t n = 0;
	const void *elf = lb_bpf__elf_bytes(&n);

	return fnv(0xcbf29ce484222325ull, elf, n);
}
