// SPDX-License-Identifier: GPL-2.0-only
/*
 * A change of sizes (ring_size, flow_table_size, max_services, max_reals)
 * without taking the forwarder down. Sizes live in rodata and map sizes, so
 * a new program and new maps are built beside the running ones, in
 * <pin_path>/<interface>:new: services keep their ids, reals their ids
 * (and quarantines), each ring is rebuilt with Maglev at the new size, and
 * VIPs, NAT connections, settings and counters are copied; the flow table
 * is copied when its geometry is unchanged. Then the XDP link (and the tcx
 * link, or the TC filter) is pointed at the new programs, one update each,
 * the link pins move to the new directory, and the directories are
 * renamed. Packets see the old forwarder, then the new one, never a mix.
 *
 * Flows: with the same flow-table geometry every tracked flow keeps its real.
 * Otherwise each flow is decided again by its service's ring at its next
 * packet: with an unchanged ring size and set of reals that is the same
 * real; with a new ring size only the flows whose ring entry changed move.
 * Flows created between the copy and the swap are decided again the same
 * way.
 *
 * A crash half-way leaves :new (never swapped in: removed at the next open,
 * which starts over) or, between the two renames, :old and :new without
 * the live directory: the next open renames :new into place.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dataplane/xdp/lb.skel.h"
#include "dataplane/xdp/maglev.h"
#include "dataplane/xdp/xdp_internal.h"
#include "dataplane/xdp/xdp_maps.h"
#include "dataplane/xdp/xdp_rings.h"
#include "lib/log.h"

/* "<pin_path>/<interface>:new" and ":old": a resize's staging areas. */
static int xdp_resize_dir(const struct dp *dp, const char *suffix, char *buf,
			  size_t len)
{
	/*
	 * A colon never appears in an interface name, and bpffs refuses dots
	 * in names at its root.
	 */
	if ((size_t)snprintf(buf, len, "%s/%s:%s", dp->pin_path, dp->ifname,
			     suffix) >= len)
		return -ENAMETOOLONG;
	return 0;
}

static bool exists(const char *p)
{
	struct stat st;

	return !stat(p, &st);
}

int xdp_resize_recover(struct dp *dp)
{
	char nw[PATH_MAX], old[PATH_MAX];
	int err;

	err = xdp_resize_dir(dp, "new", nw, sizeof(nw));
	if (!err)
		err = xdp_resize_dir(dp, "old", old, sizeof(old));
	if (err)
		return err;
	if (!exists(dp->dir) && exists(nw) && exists(old)) {
		/* Killed between the renames: :new is what the links run. */
		lb_warn("xdp: finishing an interrupted resize in %s", dp->dir);
		if (rename(nw, dp->dir))
			return -errno;
	}
	if (exists(nw)) {
		lb_warn("xdp: removing an interrupted resize's %s", nw);
		(void)xdp_pin_remove_dir(nw);
	}
	if (exists(old))
		(void)xdp_pin_remove_dir(old);
	return 0;
}

/* Copy a (per-CPU) array's entries [first, first + n) between two maps. */
static int copy_array(int from, int to, uint32_t first, uint32_t n,
		      size_t value_size)
{
	char *v = malloc(value_size);
	int err = 0;

	if (!v)
		return -ENOMEM;
	for (uint32_t k = first; k < first + n && !err; k++) {
		if (bpf_map_lookup_elem(from, &k, v))
			err = -errno;
		else if (bpf_map_update_elem(to, &k, v, BPF_ANY))
			err = -errno;
	}
	free(v);
	return err;
}

/* Copy every entry of a hash map (new entries beyond capacity: LRU evicts). */
static int copy_hash(int from, int to, size_t key_size, size_t value_size)
{
	char *k = malloc(key_size), *next = malloc(key_size);
	char *v = malloc(value_size);
	bool first = true;
	int err = 0;

	if (!k || !next || !v) {
		err = -ENOMEM;
		goto out;
	}
	while (!bpf_map_get_next_key(from, first ? NULL : k, next)) {
		first = false;
		memcpy(k, next, key_size);
		if (bpf_map_lookup_elem(from, k, v))
			continue;
		if (bpf_map_update_elem(to, k, v, BPF_ANY) && errno != E2BIG) {
			err = -errno;
			break;
		}
	}
out:
	free(k);
	free(next);
	free(v);
	return err;
}

static size_t percpu_size(size_t value_size)
{
	int ncpu = libbpf_num_possible_cpus();

	return ((value_size + 7) & ~(size_t)7) * (size_t)(ncpu > 0 ? ncpu : 1);
}

struct rsz {
	struct dp *dp;
	const struct dp_xdp_sizing *os, *ns; /* old and new sizes */
	struct lb_bpf *o;		     /* the new forwarder */
	struct lb_real *reals;		     /* old lb_reals */
	struct xdp_found *f;
	size_t nf;
	int svc_meta_fd;      /* the new svc_meta */
	struct xdp_pool pool; /* the new lb_rings' extents */
};

/* Every live id must exist in the new maps. */
static int ids_fit(struct rsz *r)
{
	for (size_t i = 0; i < r->nf; i++) {
		if (r->f[i].v.id > r->ns->max_services) {
			lb_err("xdp: cannot lower dataplane.xdp.max_services "
			       "to %u: service id %u is in use; remove "
			       "services first, or 'ballast apply --detach'",
			       r->ns->max_services, r->f[i].v.id);
			return -ENOSPC;
		}
	}
	for (uint32_t id = r->ns->max_reals + 1; id <= r->os->max_reals; id++) {
		if (r->reals[id].family) {
			lb_err("xdp: cannot lower dataplane.xdp.max_reals to "
			       "%u: real id %u is in use; remove reals first, "
			       "or 'ballast apply --detach'",
			       r->ns->max_reals, id);
			return -ENOSPC;
		}
	}
	return 0;
}

static int ring_of(struct rsz *r, const struct xdp_found *f, uint32_t *table,
		   struct dp_maglev_real *mr)
{
	uint32_t max_r = r->os->max_reals < r->ns->max_reals ? r->os->max_reals
							     : r->ns->max_reals;
	struct lb_svc_state st = {0};
	uint32_t m, base;
	uint64_t src = 0;
	size_t n = 0;
	int err;

	for (uint32_t id = 1; id <= max_r; id++) {
		const struct lb_real *x = &r->reals[id];

		if (!x->family || x->svc_id != f->v.id)
			continue;
		xdp_addr_from_bpf(&mr[n].addr, x->family, x->addr);
		mr[n].port = ntohs(x->port);
		mr[n].id = id;
		mr[n].weight = x->weight;
		src += xdp_ring_src_real(id, x);
		n++;
	}
	/* The old ring's size where it still fits: fewer flows move. */
	if (bpf_map_lookup_elem(r->dp->fd[XM_SVC_STATE], &f->v.id, &st))
		return -errno;
	m = st.size[st.ring_slot & 1];
	if (!lb_ring_size_keep(m, (uint32_t)n, r->ns->ring_size))
		m = lb_ring_size_for((uint32_t)n, r->ns->ring_size);
	err = xdp_pool_take(&r->pool, m, &base);
	if (err == -ENOSPC)
		lb_err("xdp: the new ring pool has no room for service id "
		       "%u's ring of %u entries; raise "
		       "dataplane.xdp.ring_memory",
		       f->v.id, m);
	if (!err)
		err = dp_maglev_build(mr, n, m, table);
	if (!err)
		err = dp_xdp_ring_publish(bpf_map__fd(r->o->maps.lb_rings),
					  bpf_map__fd(r->o->maps.lb_svc_state),
					  f->v.id, base, m, table);
	if (!err)
		err = xdp_ring_note(r->svc_meta_fd, f->v.id,
				    xdp_ring_src(m, src), table, m);
	return err;
}

/* Fill the new maps from the old ones (dp->fd). */
static int fill(struct rsz *r)
{
	struct dp *dp = r->dp;
	struct lb_bpf *o = r->o;
	uint32_t max_r = r->os->max_reals < r->ns->max_reals ? r->os->max_reals
							     : r->ns->max_reals;
	struct dp_maglev_real *mr = calloc((size_t)max_r + 1, sizeof(*mr));
	uint32_t *table = calloc(r->ns->ring_size, sizeof(*table));
	int err = !mr || !table ? -ENOMEM : 0;

	if (!err)
		err = copy_array(dp->fd[XM_CFG], bpf_map__fd(o->maps.lb_cfg), 0,
				 1, sizeof(struct lb_cfg));
	/* Reals first, with their ids and quarantines. */
	for (uint32_t id = 1; id <= max_r && !err; id++)
		if (r->reals[id].family || r->reals[id].weight)
			err = bpf_map_update_elem(bpf_map__fd(o->maps.lb_reals),
						  &id, &r->reals[id], BPF_ANY)
				  ? -errno
				  : 0;
	for (size_t i = 0; i < r->nf && !err; i++) {
		struct lb_svc_state st = {.flags = r->f[i].v.flags};

		if (bpf_map_update_elem(bpf_map__fd(o->maps.lb_svc_state),
					&r->f[i].v.id, &st, BPF_ANY))
			err = -errno;
		if (!err)
			err = ring_of(r, &r->f[i], table, mr);
		if (!err)
			err = dp_xdp_service_put(
			    bpf_map__fd(o->maps.lb_services),
			    bpf_map__fd(o->maps.lb_svc_sets),
			    r->ns->svc_sets - 1, &r->f[i].sk, &r->f[i].v);
		if (!err)
			err = copy_array(dp->fd[XM_SVC_CTR],
					 bpf_map__fd(o->maps.lb_svc_ctr),
					 r->f[i].v.id, 1,
					 percpu_size(sizeof(struct lb_ctr)));
	}
	if (!err)
		err = copy_hash(dp->fd[XM_VIPS], bpf_map__fd(o->maps.lb_vips),
				sizeof(struct lb_vip_key),
				sizeof(struct lb_vip_val));
	if (!err)
		err = copy_array(dp->fd[XM_VIP_FILTER],
				 bpf_map__fd(o->maps.lb_vip_filter), 0,
				 LB_VIP_FILTER_SIZE, sizeof(uint32_t));
	if (!err)
		err = copy_hash(dp->fd[XM_CT], bpf_map__fd(o->maps.lb_ct),
				sizeof(struct lb_flow_key),
				sizeof(struct lb_ct_val));
	if (!err)
		err =
		    copy_array(dp->fd[XM_STATS], bpf_map__fd(o->maps.lb_stats),
			       0, LB_STAT_MAX, percpu_size(sizeof(uint64_t)));
	for (uint32_t id = 1; id <= max_r && !err; id++)
		if (r->reals[id].family)
			err = copy_array(dp->fd[XM_REAL_CTR],
					 bpf_map__fd(o->maps.lb_real_ctr), id,
					 1, percpu_size(sizeof(struct lb_ctr)));
	if (!err && r->os->flow_sets == r->ns->flow_sets) {
		int ncpu = libbpf_num_possible_cpus();

		err =
		    copy_array(dp->fd[XM_FLOWS], bpf_map__fd(o->maps.lb_flows),
			       0, r->ns->flow_sets * (uint32_t)ncpu,
			       sizeof(struct lb_flow_set));
	}
	free(mr);
	free(table);
	return err;
}

/* Build, fill and pin the new forwarder in `nw`; nothing is attached yet. */
static int build(struct rsz *r, const char *nw)
{
	struct dp *dp = r->dp;
	struct xdp_meta m = dp->meta;
	int err, fd;

	if (mkdir(nw, 0700))
		return -errno;
	err = dp_xdp_load(r->ns, nw, &r->o);
	if (err) {
		lb_err("xdp: cannot load the resized forwarder: %s",
		       strerror(-err));
		return err;
	}
	r->svc_meta_fd = xdp_pin_svc_meta_create(nw, r->ns->max_services);
	if (r->svc_meta_fd < 0)
		return r->svc_meta_fd;
	err = fill(r);
	if (err) {
		lb_err("xdp: cannot fill the resized maps: %s", strerror(-err));
		return err;
	}
	err =
	    xdp_pin_put(nw, XDP_PIN_PROG, bpf_program__fd(r->o->progs.xdp_lb));
	if (!err)
		err = xdp_pin_put(nw, XDP_PIN_PROG_TC,
				  bpf_program__fd(r->o->progs.tc_nat_egress));
	m.layout = dp_xdp_layout_hash();
	m.prog = dp_xdp_prog_hash();
	m.sz = *r->ns;
	fd = err ? err : xdp_pin_meta_create(nw, &m);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

/* Point the links at the new programs and move their pins to `nw`. */
static int swap(struct rsz *r, const char *nw)
{
	struct dp *dp = r->dp;
	int err, fd;

	err = xdp_pin_link_set(dp, XDP_PIN_LINK,
			       bpf_program__fd(r->o->progs.xdp_lb), BPF_XDP,
			       xdp_pin_xdp_flags(dp->mode));
	if (!err)
		err = xdp_pin_tc_set(
		    dp, bpf_program__fd(r->o->progs.tc_nat_egress));
	if (err) {
		lb_err("xdp: cannot swap in the resized forwarder: %s",
		       strerror(-err));
		return err;
	}
	for (int i = 0; i < 2; i++) {
		const char *name = i ? XDP_PIN_LINK_TC : XDP_PIN_LINK;

		fd = xdp_pin_get(dp->dir, name);
		if (fd < 0)
			continue; /* legacy TC: no link */
		err = xdp_pin_put(nw, name, fd);
		close(fd);
		if (err)
			return err;
	}
	return 0;
}

int xdp_resize(struct dp *dp)
{
	struct dp_xdp_sizing os = dp->meta.sz;
	struct rsz r = {.dp = dp, .os = &os, .ns = &dp->sz, .svc_meta_fd = -1};
	char nw[PATH_MAX], old[PATH_MAX];
	int err;

	xdp_pool_init(&r.pool, dp->sz.ring_entries);
	err = xdp_resize_dir(dp, "new", nw, sizeof(nw));
	if (!err)
		err = xdp_resize_dir(dp, "old", old, sizeof(old));
	if (!err)
		err = xdp_pin_open_maps(dp);
	if (err)
		return err;
	r.reals = calloc((size_t)os.max_reals + 1, sizeof(*r.reals));
	if (!r.reals)
		return -ENOMEM;
	err = xdp_scan_services(dp, &r.f, &r.nf);
	if (!err)
		err = xdp_array_read(dp->fd[XM_REALS], 0, os.max_reals + 1,
				     sizeof(*r.reals), r.reals);
	if (!err)
		err = ids_fit(&r);
	if (!err) {
		lb_info(
		    "xdp: resizing the forwarder in %s (ring_size %u -> %u, "
		    "ring pool %u -> %u entries, max_services %u -> %u, "
		    "max_reals %u -> %u, flow sets %u -> %u)",
		    dp->dir, os.ring_size, r.ns->ring_size, os.ring_entries,
		    r.ns->ring_entries, os.max_services, r.ns->max_services,
		    os.max_reals, r.ns->max_reals, os.flow_sets,
		    r.ns->flow_sets);
		err = build(&r, nw);
	}
	if (!err)
		err = swap(&r, nw);
	if (err) {
		(void)xdp_pin_remove_dir(nw);
		goto out;
	}
	/* From here on the new forwarder carries the traffic. */
	if (rename(dp->dir, old) || rename(nw, dp->dir)) {
		err = -errno;
		lb_err("xdp: resized, but renaming %s into place failed: %s; "
		       "the next apply finishes it",
		       nw, strerror(-err));
		goto out;
	}
	(void)xdp_pin_remove_dir(old);
out:
	lb_bpf__destroy(r.o);
	if (r.svc_meta_fd >= 0)
		close(r.svc_meta_fd);
	free(r.reals);
	free(r.f);
	xdp_pool_free_all(&r.pool);
	xdp_pin_close_fds(dp);
	return err;
}
