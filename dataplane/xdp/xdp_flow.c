// SPDX-License-Identifier: GPL-2.0-only
/*
 * Where one flow goes, answered from the live maps the way the forwarder
 * decides it (lb.bpf.c pick_real): the service of (VIP, port, protocol),
 * else of (VIP, any port); then the flow table, whose entry counts only
 * while its real is in use by that service; else the service's active ring
 * at the flow's hash. Read-only: nothing here changes a map.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>

#include "dataplane/xdp/bpf/lb_hash.h"
#include "dataplane/xdp/xdp_internal.h"
#include "dataplane/xdp/xdp_maps.h"

static int find_service(struct dp *dp, const struct dp_flow *f,
			struct lb_svc_val *val)
{
	struct lb_svc_key k = {0};

	xdp_addr_to_bpf(&f->dst, k.addr);
	k.proto = f->proto;
	k.family = f->dst.family;
	k.port = htons(f->dport);
	if (!bpf_map_lookup_elem(dp->fd[XM_SERVICES], &k, val))
		return 0;
	k.port = 0; /* an any-port service on the VIP */
	if (!bpf_map_lookup_elem(dp->fd[XM_SERVICES], &k, val))
		return 0;
	return -ENOENT;
}

static int real_of(struct dp *dp, uint32_t id, struct lb_real *r)
{
	if (bpf_map_lookup_elem(dp->fd[XM_REALS], &id, r))
		return -errno;
	return 0;
}

static void answer(struct dp_flow_where *out, const struct lb_real *r,
		   uint16_t dport)
{
	xdp_addr_from_bpf(&out->real, r->family, r->addr);
	out->real_port = r->port ? ntohs(r->port) : dport;
}

int xdp_flow_where(struct dp *dp, const struct dp_flow *f,
		   struct dp_flow_where *out)
{
	uint32_t m, id, slot, hash;
	struct lb_flow_key k = {0};
	struct lb_svc_state st;
	struct lb_svc_val svc;
	struct lb_real r;
	uint64_t idx;
	int err;

	memset(out, 0, sizeof(*out));
	if (!dp->pinned || !dp->rings)
		return -ENOENT;
	err = find_service(dp, f, &svc);
	if (err)
		return err;

	xdp_addr_to_bpf(&f->src, k.src);
	xdp_addr_to_bpf(&f->dst, k.dst);
	k.sport = htons(f->sport);
	k.dport = htons(f->dport);
	k.proto = f->proto;
	k.family = f->src.family;

	err = dp_xdp_flow_lookup(dp->fd[XM_FLOWS], dp->meta.sz.flow_sets, &k,
				 &id);
	if (!err && !real_of(dp, id, &r) && r.family && r.svc_id == svc.id) {
		answer(out, &r, f->dport);
		out->how = "flow-table";
		snprintf(out->detail, sizeof(out->detail),
			 "the flow table holds this flow (real id %u): its "
			 "packets keep going there while the flow is tracked",
			 id);
		return 0;
	}
	if (err && err != -ENOENT)
		return err;

	if (bpf_map_lookup_elem(dp->fd[XM_SVC_STATE], &svc.id, &st))
		return -errno;
	/* The hash a new flow takes: the source alone for source hashing. */
	hash = svc.flags & LB_SVC_SRC_HASH ? lb_hash_flow(&k, 1)
					   : (uint32_t)(lb_hash_flow64(&k) >> 32);
	/* The active ring's extent of the pool, as the packet path reads it. */
	m = st.size[st.ring_slot & 1];
	out->how = "ring";
	if (!m || m > dp->meta.sz.ring_size) {
		snprintf(out->detail, sizeof(out->detail),
			 "the service has no usable ring (size %u): the "
			 "forwarder drops the flow",
			 m);
		return 0;
	}
	slot = lb_hash_reduce(hash, m);
	idx = (uint64_t)st.base[st.ring_slot & 1] + slot;
	if ((idx + 1) * DP_XDP_RING_STRIDE * sizeof(uint32_t) > dp->rings_len)
		return -ERANGE;
	id = dp->rings[idx * DP_XDP_RING_STRIDE];
	if (!id || real_of(dp, id, &r) || !r.family || r.svc_id != svc.id) {
		snprintf(out->detail, sizeof(out->detail),
			 "slot %u of the service's ring (size %u) names no "
			 "usable real: the forwarder drops the flow",
			 slot, m);
		return 0;
	}
	answer(out, &r, f->dport);
	snprintf(out->detail, sizeof(out->detail),
		 "not in the flow table: a new packet of it takes slot %u of "
		 "the service's Maglev ring (size %u, %s hash), real id %u",
		 slot, m, svc.flags & LB_SVC_SRC_HASH ? "source" : "5-tuple",
		 id);
	return 0;
}
