// SPDX-License-Identifier: GPL-2.0-only
#include "tests/bpf/lab.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "dataplane/xdp/lb.skel.h"
#include "dataplane/xdp/loader.h"
#include "dataplane/xdp/xdp_maps.h"

const uint8_t lab_mac_lb0[6] = { 2, 0, 0, 0, 0, 1 };
const uint8_t lab_mac_gw[6] = { 2, 0, 0, 0, 0, 2 };
const uint8_t lab_mac_lbx[6] = { 2, 0, 0, 0, 1, 1 };
const uint8_t lab_mac_gwx[6] = { 2, 0, 0, 0, 1, 2 };
const uint8_t lab_mac_client[6] = { 2, 0, 0, 0, 0, 0xaa };

void lab_addr(const char *s, uint32_t out[4])
{
	memset(out, 0, 16);
	if (strchr(s, ':'))
		inet_pton(AF_INET6, s, out);
	else
		inet_pton(AF_INET, s, out);
}

int lab_open(struct lab *l, uint32_t m, uint32_t flows, uint32_t svc_sets)
{
	return lab_open_elf(l, NULL, 0, m, flows, svc_sets);
}

int lab_open_elf(struct lab *l, const void *elf, size_t n, uint32_t m,
		 uint32_t flows, uint32_t svc_sets)
{
	struct dp_xdp_sizing sz;
	struct lb_bpf *s;
	int err;

	memset(l, 0, sizeof(*l));
	l->fib_refresh = 256;
	l->ifindex = (int)if_nametoindex(LAB_IF);
	l->ifindex_x = (int)if_nametoindex(LAB_IF_X);
	if (!l->ifindex || !l->ifindex_x)
		return -ENODEV;
	l->m = m;
	l->flow_sets = dp_xdp_flow_sets(flows);
	l->svc_sets = svc_sets;
	/* Every service's two rings of size m, at fixed places (lab_ring). */
	sz = (struct dp_xdp_sizing){ .ring_size = m,
				     .ring_entries = 32 * LB_RING_SLOTS * m,
				     .flow_sets = l->flow_sets,
				     .svc_sets = svc_sets, .max_services = 31,
				     .max_reals = 255, .ct_entries = 4096 };
	err = elf ? dp_xdp_load_elf(&sz, elf, n, &s) : dp_xdp_load(&sz, NULL, &s);
	if (err)
		return err;
	l->skel = s;
	l->fd_vips = bpf_map__fd(s->maps.lb_vips);
	l->fd_services = bpf_map__fd(s->maps.lb_services);
	l->fd_vip_filter = bpf_map__fd(s->maps.lb_vip_filter);
	l->fd_svc_sets = bpf_map__fd(s->maps.lb_svc_sets);
	l->fd_state = bpf_map__fd(s->maps.lb_svc_state);
	l->fd_reals = bpf_map__fd(s->maps.lb_reals);
	l->fd_rings = bpf_map__fd(s->maps.lb_rings);
	l->fd_flows = bpf_map__fd(s->maps.lb_flows);
	l->fd_ct = bpf_map__fd(s->maps.lb_ct);
	l->fd_cfg = bpf_map__fd(s->maps.lb_cfg);
	l->fd_stats = bpf_map__fd(s->maps.lb_stats);
	l->fd_svc_ctr = bpf_map__fd(s->maps.lb_svc_ctr);
	l->fd_real_ctr = bpf_map__fd(s->maps.lb_real_ctr);
	l->prog_xdp = bpf_program__fd(s->progs.xdp_lb);
	l->prog_tc = bpf_program__fd(s->progs.tc_nat_egress);
	return lab_cfg(l, 0);
}

void lab_close(struct lab *l)
{
	if (l && l->skel)
		lb_bpf__destroy(l->skel);
	if (l)
		l->skel = NULL;
}

int lab_vip(struct lab *l, int family, const char *addr, uint32_t flags)
{
	struct lb_vip_key k = { .family = (uint8_t)family };
	struct lb_vip_val v = { .flags = flags };

	lab_addr(addr, k.addr);
	if (bpf_map_update_elem(l->fd_vips, &k, &v, BPF_ANY))
		return -errno;
	return dp_xdp_vip_filter_adjust(l->fd_vip_filter, k.addr, 1);
}

int lab_service(struct lab *l, int family, const char *addr, uint16_t port,
		uint8_t proto, uint32_t id, uint32_t flags)
{
	struct lb_svc_key k = { .port = htons(port), .proto = proto,
				.family = (uint8_t)family };
	struct lb_svc_val v = { .id = id, .flags = flags };
	struct lb_svc_state st = { .ring_slot = 0, .flags = flags };

	int err;

	lab_addr(addr, k.addr);
	err = dp_xdp_service_put(l->fd_services, l->fd_svc_sets, l->svc_sets - 1,
				 &k, &v);
	if (err)
		return err;
	return bpf_map_update_elem(l->fd_state, &id, &st, BPF_ANY) ? -errno : 0;
}

int lab_real(struct lab *l, uint32_t id, int family, const char *addr,
	     uint16_t port, uint32_t svc_id)
{
	struct lb_real r = { .port = htons(port), .family = (uint8_t)family,
			     .svc_id = svc_id, .weight = 1 };

	lab_addr(addr, r.addr);
	return bpf_map_update_elem(l->fd_reals, &id, &r, BPF_ANY) ? -errno : 0;
}

int lab_ring(struct lab *l, uint32_t svc_id, const uint32_t *ids, size_t n)
{
	uint32_t *t = calloc(l->m, sizeof(*t));
	struct lb_svc_state st = { 0 };
	int err;

	if (!t)
		return -ENOMEM;
	if (bpf_map_lookup_elem(l->fd_state, &svc_id, &st)) {
		free(t);
		return -errno;
	}
	for (uint32_t i = 0; n && i < l->m; i++)
		t[i] = ids[i % n];
	/* The spare slot's fixed extent: service id x 2 rings + slot. */
	err = dp_xdp_ring_publish(
	    l->fd_rings, l->fd_state, svc_id,
	    (svc_id * LB_RING_SLOTS + ((st.ring_slot & 1) ^ 1)) * l->m, l->m,
	    t);
	free(t);
	return err;
}

int lab_cfg(struct lab *l, uint64_t new_flow_rate)
{
	struct lb_cfg c = { .new_flow_rate = new_flow_rate,
			    .fib_refresh = l->fib_refresh,
			    .fib_gen = l->fib_gen };
	uint32_t zero = 0, a[4];

	lab_addr("10.0.0.1", a);
	c.src4 = a[0];
	lab_addr("fd00::1", c.src6);
	return bpf_map_update_elem(l->fd_cfg, &zero, &c, BPF_ANY) ? -errno : 0;
}

int lab_stats(struct lab *l, uint64_t *out)
{
	for (uint32_t i = 0; i < LB_STAT_MAX; i++) {
		int err = dp_xdp_percpu_sum(l->fd_stats, i, 1, &out[i]);

		if (err)
			return err;
	}
	return 0;
}

int lab_run(int prog_fd, int ifindex, const uint8_t *in, size_t len,
	    uint8_t *out, size_t *out_len, uint32_t *retval, uint32_t repeat,
	    uint32_t *duration_ns)
{
	struct xdp_md ctx = { .data_end = (uint32_t)len,
			       .ingress_ifindex = (uint32_t)ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in,
		    .data_size_in = (uint32_t)len, .data_out = out,
		    .data_size_out = (uint32_t)*out_len, .repeat = repeat);
	int err;

	if (ifindex > 0) {
		o.ctx_in = &ctx;
		o.ctx_size_in = sizeof(ctx);
	}
	err = bpf_prog_test_run_opts(prog_fd, &o);
	if (err)
		return -errno;
	*out_len = o.data_size_out;
	*retval = o.retval;
	if (duration_ns)
		*duration_ns = o.duration;
	return 0;
}
