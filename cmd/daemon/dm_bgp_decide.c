// SPDX-License-Identifier: GPL-2.0-only
/*
 * Route health injection: can this node serve a VIP? A pure function of the
 * config, the weight source and the reconcile loop's convergence, so it is
 * tested without a kernel or a daemon.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/daemon/dm_bgp.h"

int dm_bgp_vips(const struct cfg *cfg, struct dm_bgp_vip **out, size_t *n)
{
	struct dm_bgp_vip *v;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	v = calloc(cfg->n_services + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < cfg->n_services; i++) {
		const struct cfg_service *cs = &cfg->services[i];
		size_t j;

		if (cs->fwmark)
			continue;
		for (j = 0; j < k; j++)
			if (!lb_addr_cmp(&v[j].addr, &cs->addr))
				break;
		if (j == k)
			v[k++].addr = cs->addr;
	}
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

static void decide_one(const struct cfg *cfg, const struct rc_weight_src *src,
		       const struct dm_bgp_view *view, uint32_t min_healthy,
		       struct dm_bgp_vip *v)
{
	const struct cfg_service *fewest = NULL;
	size_t f_up = 0, f_total = 0, n_svc = 0;

	v->want = false;
	v->hold = false;
	for (size_t i = 0; i < cfg->n_services; i++) {
		const struct cfg_service *cs = &cfg->services[i];
		struct rc_svc_key key;
		size_t up, total, unchecked;

		if (cs->fwmark || lb_addr_cmp(&cs->addr, &v->addr) ||
		    cs->pool >= cfg->n_pools)
			continue;
		n_svc++;
		rc_desired_service_key(cs, &key);
		if (!view->in_sync || !view->in_sync(view->ctx, &key)) {
			v->hold = false;
			snprintf(v->reason, sizeof(v->reason),
				 "service %s not in sync", cs->name);
			return;
		}
		count_up(cfg, src, view, cs, &up, &total, &unchecked);
		if (up < min_healthy && up + unchecked >= min_healthy) {
			/* a definite no of a later service still wins */
			if (!v->hold)
				snprintf(v->reason, sizeof(v->reason),
					 "%zu/%zu reals up, %zu not checked "
					 "yet (service %s): left as it was",
					 up, total, unchecked, cs->name);
			v->hold = true;
			continue;
		}
		if (up < min_healthy) {
			v->hold = false;
			snprintf(v->reason, sizeof(v->reason),
				 "%zu/%zu reals up < min_healthy %u (service "
				 "%s)",
				 up, total, min_healthy, cs->name);
			return;
		}
		if (!fewest || up < f_up) {
			fewest = cs;
			f_up = up;
			f_total = total;
		}
	}
	if (v->hold)
		return;
	if (!fewest) {
		snprintf(v->reason, sizeof(v->reason), "no service");
		return;
	}
	v->want = true;
	if (n_svc == 1)
		snprintf(v->reason, sizeof(v->reason),
			 "%zu/%zu reals up, in sync", f_up, f_total);
	else
		snprintf(v->reason, sizeof(v->reason),
			 "%zu/%zu reals up in service %s (the fewest of %zu "
			 "services), in sync",
			 f_up, f_total, fewest->name, n_svc);
}

void dm_bgp_decide(const struct cfg *cfg, const struct rc_weight_src *src,
		   const struct dm_bgp_view *view, uint32_t min_healthy,
		   const char *withheld, struct dm_bgp_vip *v, size_t n)
{
	if (!min_healthy)
		min_healthy = 1; /* announcing a VIP no real serves: never */
	for (size_t i = 0; i < n; i++) {
		if (withheld) {
			v[i].want = false;
			v[i].hold = false;
			snprintf(v[i].reason, sizeof(v[i].reason), "%s",
				 withheld);
			continue;
		}
		decide_one(cfg, src, view, min_healthy, &v[i]);
	}
}
