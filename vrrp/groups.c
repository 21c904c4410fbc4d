// SPDX-License-Identifier: GPL-2.0-only
/*
 * Which groups a config asks the gate to follow. Without a vrrp: section
 * every distinct service address is a group of its own, named by its text,
 * so a node still gates each VIP on whether it holds it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vrrp/vrrp.h"

static bool seen(const struct lb_addr *addrs, size_t n, const struct lb_addr *a)
{
	for (size_t i = 0; i < n; i++)
		if (!lb_addr_cmp(&addrs[i], a))
			return true;
	return false;
}

/* One group per distinct non-fwmark service address, in config order. */
static int from_services(const struct cfg *cfg, struct vw_group_spec **out,
			 size_t *n)
{
	struct vw_group_spec *g;
	struct lb_addr *vips, *addrs;
	char *names;
	size_t k;

	if (cfg_service_vips(cfg, &vips, &k))
		return -ENOMEM;
	/* One block: specs, then their addresses, then their names. */
	g = calloc(1, (k ? k : 1) *
			  (sizeof(*g) + sizeof(*addrs) + LB_ADDR_STRLEN));
	if (!g) {
		free(vips);
		return -ENOMEM;
	}
	addrs = (struct lb_addr *)(g + k);
	names = (char *)(addrs + k);
	for (size_t i = 0; i < k; i++) {
		addrs[i] = vips[i];
		g[i].name = lb_addr_fmt(&addrs[i], names + i * LB_ADDR_STRLEN,
					LB_ADDR_STRLEN);
		g[i].vips = &addrs[i];
		g[i].n_vips = 1;
	}
	free(vips);
	*out = g;
	*n = k;
	return 0;
}

int vw_groups_from_cfg(const struct cfg *cfg, struct vw_group_spec **out,
		       size_t *n)
{
	const struct cfg_vrrp *v = &cfg->vrrp;
	struct vw_group_spec *g;

	*out = NULL;
	*n = 0;
	if (!v->present)
		return from_services(cfg, out, n);
	g = calloc(v->n_groups ? v->n_groups : 1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	for (size_t i = 0; i < v->n_groups; i++) {
		g[i].name = v->groups[i].name;
		g[i].vrid = v->groups[i].vrid;
		g[i].vips = v->groups[i].vips;
		g[i].n_vips = v->groups[i].n_vips;
	}
	*out = g;
	*n = v->n_groups;
	return 0;
}

ssize_t vw_group_of_service(const struct vw_group_spec *groups, size_t n,
			    const struct cfg_service *svc)
{
	if (svc->fwmark)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (seen(groups[i].vips, groups[i].n_vips, &svc->addr))
			return (ssize_t)i;
	return -1;
}

/* A VIP and its group, ordered by address, then group. */
struct vip_at {
	struct lb_addr addr;
	size_t group;
};

static int vip_at_cmp(const void *a, const void *b)
{
	const struct vip_at *x = a, *y = b;
	int c = lb_addr_cmp(&x->addr, &y->addr);

	return c ? c : (x->group < y->group ? -1 : x->group > y->group);
}

static int addr_vip_at_cmp(const void *key, const void *e)
{
	return lb_addr_cmp(key, &((const struct vip_at *)e)->addr);
}

int vw_groups_of_services(const struct vw_group_spec *groups, size_t n,
			  const struct cfg *cfg, ssize_t *map)
{
	struct vip_at *v;
	size_t m = 0, k = 0;

	for (size_t g = 0; g < n; g++)
		m += groups[g].n_vips;
	v = calloc(m + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	m = 0;
	for (size_t g = 0; g < n; g++)
		for (size_t j = 0; j < groups[g].n_vips; j++)
			v[m++] = (struct vip_at){groups[g].vips[j], g};
	/* Each address once, with its first group (as vw_group_of_service). */
	qsort(v, m, sizeof(*v), vip_at_cmp);
	for (size_t i = 0; i < m; i++)
		if (!k || lb_addr_cmp(&v[k - 1].addr, &v[i].addr))
			v[k++] = v[i];
	for (size_t i = 0; i < cfg->n_services; i++) {
		const struct cfg_service *s = &cfg->services[i];
		const struct vip_at *hit =
		    s->fwmark
			? NULL
			: bsearch(&s->addr, v, k, sizeof(*v), addr_vip_at_cmp);

		map[i] = hit ? (ssize_t)hit->group : -1;
	}
	free(v);
	return 0;
}

int vw_snapshot_cfg(const struct cfg *cfg, struct vw **w,
		    struct vw_group_spec **groups, size_t *n, char *why,
		    size_t why_len)
{
	struct vw_opts o = {.interface = cfg->ha.interface};
	int err;

	*w = NULL;
	why[0] = '\0';
	err = vw_groups_from_cfg(cfg, groups, n);
	if (err)
		return err;
	o.groups = *groups;
	o.n_groups = *n;
	err = vw_snapshot(&o, w, why, why_len);
	if (err) {
		free(*groups);
		*groups = NULL;
		*n = 0;
	}
	return err;
}
