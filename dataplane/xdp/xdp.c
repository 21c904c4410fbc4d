// SPDX-License-Identifier: GPL-2.0-only
/*
 * The XDP dataplane's ops: open (adopt or install what is pinned, attach),
 * read, read_services, apply, stats, close and detach. The maps are the
 * state: nothing is kept in files, and a process can be killed at any point
 * without detaching the forwarder or emptying a map.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "dataplane/xdp/xdp.h"
#include "dataplane/xdp/xdp_internal.h"
#include "dataplane/xdp/xdp_maps.h"
#include "lib/array.h"
#include "lib/lock.h"
#include "lib/log.h"

/* Packets a cached next hop serves per CPU before it is looked up again. */
#define XDP_FIB_REFRESH 256

static int dir_of(const struct cfg *cfg, char *buf, size_t len)
{
	const char *pin = cfg->dataplane.xdp.pin_path;

	if (!pin || !cfg->dataplane.interface)
		return -EINVAL;
	if ((size_t)snprintf(buf, len, "%s/%s", pin,
			     cfg->dataplane.interface) >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* The interface's first address of a family, for outer tunnel sources. */
static void if_addr(const char *ifname, int family, uint32_t out[4])
{
	struct ifaddrs *ifa, *i;

	if (getifaddrs(&ifa))
		return;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != family ||
		    strcmp(i->ifa_name, ifname))
			continue;
		if (family == AF_INET) {
			memcpy(out,
			       &((struct sockaddr_in *)i->ifa_addr)->sin_addr,
			       4);
			break;
		}
		if (IN6_IS_ADDR_LINKLOCAL(
			&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr))
			continue;
		memcpy(out, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr,
		       16);
		break;
	}
	freeifaddrs(ifa);
}

/*
 * lb_cfg from the config. fib_gen is bumped so next hops cached before this
 * apply are looked up again.
 */
static int write_cfg(struct dp *dp)
{
	struct lb_cfg c = {0};
	uint32_t zero = 0, a[4] = {0};

	if (bpf_map_lookup_elem(dp->fd[XM_CFG], &zero, &c))
		return -errno;
	if (dp->tunnel_src4.family == AF_INET) {
		memcpy(&c.src4, dp->tunnel_src4.b, 4);
	} else {
		if_addr(dp->ifname, AF_INET, a);
		c.src4 = a[0];
	}
	memset(c.src6, 0, sizeof(c.src6));
	if (dp->tunnel_src6.family == AF_INET6)
		memcpy(c.src6, dp->tunnel_src6.b, 16);
	else
		if_addr(dp->ifname, AF_INET6, c.src6);
	c.new_flow_rate = dp->new_flow_limit;
	if (!c.fib_refresh)
		c.fib_refresh = XDP_FIB_REFRESH;
	c.fib_gen++;
	return bpf_map_update_elem(dp->fd[XM_CFG], &zero, &c, BPF_ANY) ? -errno
								       : 0;
}

static void xdp_close(struct dp *dp, bool detach);

/* What the driver keeps of a config: the config may go while we stay open. */
static void take_settings(struct dp *dp, const struct cfg *cfg)
{
	const struct cfg_xdp *x = &cfg->dataplane.xdp;

	dp->default_nat = x->forwarding == CFG_FWD_NAT;
	dp->tunnel_src4 = x->tunnel_source_v4;
	dp->tunnel_src6 = x->tunnel_source_v6;
	dp->new_flow_limit = x->new_flow_limit;
}

/*
 * The part of opening that reads pins and, for a writer, mounts, installs,
 * upgrades, resizes and attaches: run at the first read or apply, so a
 * writer does it under its lock (open() itself changes nothing).
 */
static int prepare(struct dp *dp)
{
	int err;

	if (dp->prepared)
		return dp->prepare_err;
	dp->prepared = true;
	err = xdp_pin_open(dp);
	if (!err && !dp->read_only)
		err = write_cfg(dp);
	dp->prepare_err = err;
	return err;
}

static int xdp_flow(struct dp *dp, const struct dp_flow *f,
		    struct dp_flow_where *out)
{
	int err = prepare(dp);

	return err ? err : xdp_flow_where(dp, f, out);
}

static bool xdp_lock_id(const struct dp *dp, const char **name,
			const char **what)
{
	*name = dp->lock_name;
	*what = dp->lock_what;
	return true;
}

static int xdp_open(struct dp **out, const struct dp_open_args *args)
{
	const struct cfg *cfg = args ? args->cfg : NULL;
	char why[320];
	struct dp *dp;
	int err;

	*out = NULL;
	if (!cfg || !cfg->dataplane.interface) {
		lb_err("xdp: the xdp driver needs dataplane.interface");
		return -EINVAL;
	}
	dp = calloc(1, sizeof(*dp));
	if (!dp)
		return -ENOMEM;
	dp->meta_fd = -1;
	dp->svc_meta_fd = -1;
	for (int i = 0; i < XM__COUNT; i++)
		dp->fd[i] = -1;
	dp->read_only = args->read_only;
	dp->mode = cfg->dataplane.xdp.mode;
	take_settings(dp, cfg);
	snprintf(dp->ifname, sizeof(dp->ifname), "%s",
		 cfg->dataplane.interface);
	dp->ifindex = (int)if_nametoindex(dp->ifname);
	snprintf(dp->pin_path, sizeof(dp->pin_path), "%s",
		 cfg->dataplane.xdp.pin_path ? cfg->dataplane.xdp.pin_path
					     : "");
	err = dir_of(cfg, dp->dir, sizeof(dp->dir));
	if (err) {
		lb_err("xdp: pin directory: %s", strerror(-err));
		goto fail;
	}
	dp_xdp_sizing_from_cfg(&cfg->dataplane.xdp, &dp->sz);
	err = dp_xdp_sizing_check(&dp->sz, why, sizeof(why));
	if (err) {
		lb_err("xdp: %s", why);
		goto fail;
	}
	/* One writer per pin directory: it is the instance. */
	if (lb_lock_name(dp->lock_name, sizeof(dp->lock_name), "xdp", dp->dir))
		snprintf(dp->lock_name, sizeof(dp->lock_name), "xdp");
	snprintf(dp->lock_what, sizeof(dp->lock_what), "xdp (%s)", dp->dir);
	*out = dp;
	return 0;
fail:
	xdp_close(dp, false);
	return err;
}

/* A long-lived handle (the daemon) notices a detach at its next read. */
static void refresh(struct dp *dp)
{
	if (dp->pinned)
		dp->detached = !xdp_pin_attached(dp);
}

static int xdp_read(struct dp *dp, struct rc_state *actual)
{
	int err = prepare(dp);

	if (err)
		return err;
	refresh(dp);
	return xdp_read_state(dp, NULL, 0, actual);
}

static int xdp_read_services(struct dp *dp, const struct rc_svc_key *keys,
			     size_t n, struct rc_state *actual)
{
	int err = prepare(dp);

	if (err)
		return err;
	if (!n)
		return rc_state_sort(actual);
	refresh(dp);
	return xdp_read_state(dp, keys, n, actual);
}

static int xdp_apply(struct dp *dp, const struct rc_plan *plan,
		     struct dp_result *res)
{
	int err;

	err = dp_result_reset(res, plan->n);
	if (err)
		return err;
	if (!plan->n)
		return 0;
	err = prepare(dp);
	if (err || dp->read_only || !dp->pinned) {
		for (size_t i = 0; i < plan->n; i++)
			res->err[i] = -EROFS;
		res->n_failed = plan->n;
		return -EROFS;
	}
	refresh(dp);
	if (dp->detached && !xdp_pin_reattach(dp))
		refresh(dp);
	err = xdp_apply_plan(dp, plan, res);
	dp->n_applies++;
	dp->n_ops_ok += res->n_ok;
	dp->n_ops_failed += res->n_failed;
	return err;
}

static int add_counter(struct dp_stats *out, size_t *cap, const char *name,
		       uint64_t v)
{
	if (lb_array_reserve((void **)&out->counters, cap, out->n,
			  sizeof(*out->counters), 32))
		return -ENOMEM;
	snprintf(out->counters[out->n].name, sizeof(out->counters[0].name),
		 "%s", name);
	out->counters[out->n++].value = v;
	return 0;
}

static int add_obj(struct dp_stats *out, size_t *cap,
		   const struct dp_obj_counter *o)
{
	if (lb_array_reserve((void **)&out->objs, cap, out->n_objs,
			  sizeof(*out->objs), 64))
		return -ENOMEM;
	out->objs[out->n_objs++] = *o;
	return 0;
}

/* Per-service and per-real packets and bytes, summed over CPUs. */
static int obj_stats(struct dp *dp, struct dp_stats *out)
{
	uint32_t max_s = dp->meta.sz.max_services,
		 max_r = dp->meta.sz.max_reals;
	struct xdp_found *f = NULL;
	uint32_t *slot = NULL;
	size_t nf = 0, cap = 0;
	int err;

	err = xdp_scan_services(dp, &f, &nf);
	if (err)
		return err;
	slot = calloc((size_t)max_s + 1, sizeof(*slot));
	err = !slot ? -ENOMEM : 0;
	for (size_t i = 0; i < nf && !err; i++) {
		struct dp_obj_counter o = {.svc = f[i].key};
		uint64_t v[2];

		slot[f[i].v.id] = (uint32_t)i + 1;
		err = dp_xdp_percpu_sum(dp->fd[XM_SVC_CTR], f[i].v.id, 2, v);
		o.packets = v[0];
		o.bytes = v[1];
		if (!err)
			err = add_obj(out, &cap, &o);
	}
	for (uint32_t id = 1; id <= max_r && !err; id++) {
		const struct lb_real *r = xdp_real(dp, id);
		struct dp_obj_counter o = {.has_real = true};
		uint64_t v[2];

		if (!r->family || r->svc_id > max_s || !slot[r->svc_id])
			continue;
		o.svc = f[slot[r->svc_id] - 1].key;
		xdp_addr_from_bpf(&o.addr, r->family, r->addr);
		o.port = ntohs(r->port);
		err = dp_xdp_percpu_sum(dp->fd[XM_REAL_CTR], id, 2, v);
		o.packets = v[0];
		o.bytes = v[1];
		if (!err)
			err = add_obj(out, &cap, &o);
	}
	free(f);
	free(slot);
	return err;
}

static int xdp_stats(struct dp *dp, struct dp_stats *out)
{
	size_t cap = 0;
	int err;

	memset(out, 0, sizeof(*out));
	err = prepare(dp);
	if (!err && dp->pinned) {
		for (unsigned int i = 0; i < LB_STAT_MAX && !err; i++) {
			uint64_t v = 0;

			err = dp_xdp_percpu_sum(dp->fd[XM_STATS], i, 1, &v);
			if (!err)
				err = add_counter(out, &cap,
						  dp_xdp_stat_name(i), v);
		}
		if (!err)
			err = obj_stats(dp, out);
	}
	if (!err)
		err = add_counter(out, &cap, "attached",
				  dp->pinned && !dp->detached);
	if (!err)
		err = add_counter(out, &cap, "applies", dp->n_applies);
	if (!err)
		err = add_counter(out, &cap, "ops_applied", dp->n_ops_ok);
	if (!err)
		err = add_counter(out, &cap, "ops_failed", dp->n_ops_failed);
	if (err)
		dp_stats_free(out);
	return err;
}

static void xdp_close(struct dp *dp, bool detach)
{
	int err;

	if (!dp)
		return;
	xdp_pin_close_fds(dp);
	if (detach) {
		err = xdp_pin_detach_all(dp->dir, dp->ifname);
		if (err)
			lb_warn("xdp: removing %s: %s", dp->dir,
				strerror(-err));
	}
	free(dp);
}

static int xdp_detach(const struct dp_open_args *args)
{
	const struct cfg *cfg = args ? args->cfg : NULL;
	char dir[PATH_MAX];
	int err;

	if (!cfg)
		return -EINVAL;
	err = dir_of(cfg, dir, sizeof(dir));
	if (!err)
		err = xdp_pin_detach_all(dir, cfg->dataplane.interface);
	if (err)
		lb_err("xdp: removing %s: %s", dir, strerror(-err));
	else
		lb_info("xdp: detached from %s; removed %s",
			cfg->dataplane.interface, dir);
	return err;
}

static int xdp_reconfigure(struct dp *dp, const struct cfg *cfg)
{
	struct dp_xdp_sizing sz;
	char why[320], dir[PATH_MAX];
	int err;

	if (dp->read_only)
		return -EROFS;
	err = prepare(dp);
	if (err)
		return err;
	err = dir_of(cfg, dir, sizeof(dir));
	if (err || strcmp(dir, dp->dir)) {
		lb_err("xdp: the interface or pin_path changed (%s); that is "
		       "another forwarder: restart ballast to move to it",
		       dir);
		return err ? err : -EINVAL;
	}
	dp_xdp_sizing_from_cfg(&cfg->dataplane.xdp, &sz);
	err = dp_xdp_sizing_check(&sz, why, sizeof(why));
	if (err) {
		lb_err("xdp: %s", why);
		return err;
	}
	if (cfg->dataplane.xdp.mode != dp->mode)
		lb_warn("xdp: dataplane.xdp.mode changes at the next attach "
			"(after 'ballast apply --detach'); the running link "
			"keeps its mode");
	if (dp->pinned && memcmp(&sz, &dp->meta.sz, sizeof(sz))) {
		dp->sz = sz;
		err = xdp_resize(dp);
		if (!err)
			err = xdp_pin_meta_read(dp);
		if (!err)
			err = xdp_pin_open_maps(dp);
		if (err) {
			/* Whatever happened, keep a usable handle if we can. */
			xdp_pin_close_fds(dp);
			if (!xdp_pin_meta_read(dp) && !xdp_pin_open_maps(dp))
				dp->sz = dp->meta.sz;
			return err;
		}
	}
	dp->sz = sz;
	take_settings(dp, cfg);
	return dp->pinned ? write_cfg(dp) : 0;
}

const struct dp_ops dp_xdp_ops = {
    .name = "xdp",
    .driver = CFG_DRIVER_XDP,
    .open = xdp_open,
    .lock_id = xdp_lock_id,
    .read = xdp_read,
    .read_services = xdp_read_services,
    .apply = xdp_apply,
    .stats = xdp_stats,
    .close = xdp_close,
    .detach = xdp_detach,
    .reconfigure = xdp_reconfigure,
    .flow = xdp_flow,
};
