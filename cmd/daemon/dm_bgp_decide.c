// SPDX-License-Identifier: GPL-2.0-only
/*
 * Route health injection: can this node serve a VIP? A pure function of the
 * config, the weight source and the reconcile loop's convergence, so it is
 * tested without a kernel or a daemon. It runs after every pass: one walk
 * over the services with a sorted index of the VIPs, not one per VIP.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/daemon/dm_bgp.h"

/* A VIP's address and its index in the list. */
struct ix {
	struct lb_addr addr;
	size_t i;
};

/* The VIPs' addresses are distinct: the address alone orders them. */
static int ix_cmp(const void *a, const void *b)
{
	return lb_addr_cmp(&((const struct ix *)a)->addr,
			   &((const struct ix *)b)->addr);
}

/* An address against an entry, for bsearch. */
static int addr_ix_cmp(const void *key, const void *e)
{
	return lb_addr_cmp(key, &((const struct ix *)e)->addr);
}

int dm_bgp_vips(const struct cfg *cfg, struct dm_bgp_vip **out, size_t *n)
{
	struct lb_addr *a;
	struct dm_bgp_vip *v;
	size_t k;

	*out = NULL;
	*n = 0;
	if (cfg_service_vips(cfg, &a, &k))
		return -ENOMEM;
	v = calloc(k + 1, sizeof(*v));
	if (!v) {
		free(a);
		return -ENOMEM;
	}
	for (size_t i = 0; i < k; i++)
		v[i].addr = a[i];
	free(a);
	*out = v;
	*n = k;
	return 0;
}

/*
 * Reals that take new flows: weight above 0 in the pool the desired state
 * uses (the fallback while the pool is down and the fallback is not). A
 * pool down without a live fallback keeps its configured weights in the
 * dataplane (failing open), but counts 0 here: its reals are not up.
 */
static void count_up(const struct cfg *cfg, const struct rc_weight_src *src,
		     const struct dm_bgp_view *view,
		     const struct cfg_service *cs, size_t *up, size_t *total,
		     size_t *unchecked)
{
	const struct cfg_pool *pool = &cfg->pools[cs->pool];

	if (rc_weight_src_pool_down(src, pool) && cs->fallback_pool >= 0 &&
	    (size_t)cs->fallback_pool < cfg->n_pools &&
	    !rc_weight_src_pool_down(src, &cfg->pools[cs->fallback_pool]))
		pool = &cfg->pools[cs->fallback_pool];
	*up = 0;
	*unchecked = 0;
	*total = pool->n_backends;
	for (size_t i = 0; i < pool->n_backends; i++) {
		const struct cfg_backend *b = &pool->backends[i];
		uint32_t w = rc_weight_src_weight(src, pool, b);

		*up += w > 0;
		*unchecked +=
		    !w && view->unchecked &&
		    view->unchecked(view->ctx, (size_t)(pool - cfg->pools), i);
	}
}

/* What the services at one address said so far. */
struct acc {
	bool no; /* a definite no: its reason is written */
	const struct cfg_service *fewest;
	size_t f_up, f_total, n_svc;
};

/* One service's word on its VIP; the first definite no wins. */
static void judge(const struct cfg *cfg, const struct rc_weight_src *src,
		  const struct dm_bgp_view *view, uint32_t min_healthy,
		  const struct cfg_service *cs, struct dm_bgp_vip *v,
		  struct acc *a)
{
	struct rc_svc_key key;
	size_t up, total, unchecked;

	a->n_svc++;
	rc_desired_service_key(cs, &key);
	if (!view->in_sync || !view->in_sync(view->ctx, &key)) {
		a->no = true;
		snprintf(v->reason, sizeof(v->reason), "service %s not in sync",
			 cs->name);
		return;
	}
	count_up(cfg, src, view, cs, &up, &total, &unchecked);
	if (up < min_healthy && up + unchecked >= min_healthy) {
		if (!v->hold)
			snprintf(v->reason, sizeof(v->reason),
				 "%zu/%zu reals up, %zu not checked yet "
				 "(service %s): left as it was",
				 up, total, unchecked, cs->name);
		v->hold = true;
		return;
	}
	if (up < min_healthy) {
		a->no = true;
		snprintf(v->reason, sizeof(v->reason),
			 "%zu/%zu reals up < min_healthy %u (service %s)", up,
			 total, min_healthy, cs->name);
		return;
	}
	if (!a->fewest || up < a->f_up) {
		a->fewest = cs;
		a->f_up = up;
		a->f_total = total;
	}
}

static void conclude(struct dm_bgp_vip *v, const struct acc *a)
{
	if (a->no) {
		v->hold = false; /* a definite no wins over a hold */
		return;
	}
	if (v->hold)
		return;
	if (!a->fewest) {
		snprintf(v->reason, sizeof(v->reason), "no service");
		return;
	}
	v->want = true;
	if (a->n_svc == 1)
		snprintf(v->reason, sizeof(v->reason),
			 "%zu/%zu reals up, in sync", a->f_up, a->f_total);
	else
		snprintf(v->reason, sizeof(v->reason),
			 "%zu/%zu reals up in service %s (the fewest of %zu "
			 "services), in sync",
			 a->f_up, a->f_total, a->fewest->name, a->n_svc);
}

void dm_bgp_decide(const struct cfg *cfg, const struct rc_weight_src *src,
		   const struct dm_bgp_view *view, uint32_t min_healthy,
		   const char *withheld, struct dm_bgp_vip *v, size_t n)
{
	struct acc *acc = NULL;
	struct ix *ix = NULL;

	if (!min_healthy)
		min_healthy = 1; /* announcing a VIP no real serves: never */
	for (size_t i = 0; i < n; i++) {
		v[i].want = false;
		v[i].hold = false;
		if (withheld)
			snprintf(v[i].reason, sizeof(v[i].reason), "%s",
				 withheld);
	}
	if (withheld || !n)
		return;
	acc = calloc(n, sizeof(*acc));
	ix = calloc(n, sizeof(*ix));
	if (!acc || !ix) {
		for (size_t i = 0; i < n; i++)
			snprintf(v[i].reason, sizeof(v[i].reason),
				 "out of memory deciding");
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		ix[i] = (struct ix){v[i].addr, i};
	qsort(ix, n, sizeof(*ix), ix_cmp);
	for (size_t s = 0; s < cfg->n_services; s++) {
		const struct cfg_service *cs = &cfg->services[s];
		const struct ix *hit;

		if (cs->fwmark || cs->pool >= cfg->n_pools)
			continue;
		hit = bsearch(&cs->addr, ix, n, sizeof(*ix), addr_ix_cmp);
		if (hit && !acc[hit->i].no)
			judge(cfg, src, view, min_healthy, cs, &v[hit->i],
			      &acc[hit->i]);
	}
	for (size_t i = 0; i < n; i++)
		conclude(&v[i], &acc[i]);
out:
	free(acc);
	free(ix);
}
