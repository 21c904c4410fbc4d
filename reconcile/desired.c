// SPDX-License-Identifier: GPL-2.0-only
/*
 * Desired-state builder. Maps the validated configuration onto the state
 * model. Scheduler names come from config/, the one table of them.
 */
#include "reconcile/desired.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/array.h"

static const struct {
	uint32_t cfg;
	uint32_t rc;
} flag_map[] = {
    {CFG_SVC_ANY_PORT, RC_SVC_F_ANY_PORT},
    {CFG_SVC_SCHED_FALLBACK, RC_SVC_F_SCHED_FALLBACK},
    {CFG_SVC_SCHED_PORT, RC_SVC_F_SCHED_PORT},
    {CFG_SVC_PERSISTENT, RC_SVC_F_PERSISTENT},
};

static uint8_t tunnel_of(enum cfg_tunnel_type t)
{
	switch (t) {
	case CFG_TUN_GUE:
		return RC_TUN_GUE;
	case CFG_TUN_GRE:
		return RC_TUN_GRE;
	case CFG_TUN_IPIP:
	default:
		return RC_TUN_IPIP;
	}
}

/*
 * Forwarding of one real: the backend's override (IPVS allows one method per
 * real) or the service's resolved method. DSR is IPIP/IP6IP6 encapsulation.
 * Tunnel parameters come from the service when it tunnels itself, else from
 * the IPVS defaults; they are zero for every other method so that reals read
 * back from a dataplane compare equal.
 */
static int set_forwarding(struct rc_real *r, const struct cfg *cfg,
			  const struct cfg_service *svc,
			  const struct cfg_backend *b)
{
	enum cfg_fwd f =
	    b->forwarding != CFG_FWD_DEFAULT ? b->forwarding : svc->forwarding;
	enum cfg_tunnel_type tt;
	uint16_t tport;

	if (svc->forwarding == CFG_FWD_TUNNEL) {
		tt = svc->tunnel_type;
		tport = svc->tunnel_port;
	} else {
		tt = cfg->dataplane.ipvs.tunnel_type;
		tport = cfg->dataplane.ipvs.tunnel_port;
	}
	r->tunnel = 0;
	r->tunnel_port = 0;
	switch (f) {
	case CFG_FWD_DSR:
		r->fwd = RC_FWD_TUNNEL;
		r->tunnel = RC_TUN_IPIP;
		return 0;
	case CFG_FWD_NAT:
		r->fwd = RC_FWD_MASQ;
		return 0;
	case CFG_FWD_DR:
		r->fwd = RC_FWD_DR;
		return 0;
	case CFG_FWD_TUNNEL:
		r->fwd = RC_FWD_TUNNEL;
		r->tunnel = tunnel_of(tt);
		if (r->tunnel == RC_TUN_GUE)
			r->tunnel_port = tport;
		return 0;
	case CFG_FWD_DEFAULT:
	case CFG_FWD__COUNT:
	default:
		/* The loader resolves every service; DEFAULT here is a bug. */
		return -EINVAL;
	}
}

uint32_t rc_weight_src_weight(const struct rc_weight_src *src,
			      const struct cfg_pool *pool,
			      const struct cfg_backend *b)
{
	/* An administratively disabled backend never takes new flows. */
	if (b->disabled)
		return 0;
	if (src && src->weight)
		return src->weight(src->ctx, pool, b);
	return b->weight;
}

bool rc_weight_src_pool_down(const struct rc_weight_src *src,
			     const struct cfg_pool *pool)
{
	return src && src->pool_down && src->pool_down(src->ctx, pool);
}

static uint32_t layer_weight(void *ctx, const struct cfg_pool *pool,
			     const struct cfg_backend *b)
{
	const struct rc_gate_layer *g = ctx;

	return rc_weight_src_weight(&g->inner, pool, b);
}

static bool layer_pool_down(void *ctx, const struct cfg_pool *pool)
{
	const struct rc_gate_layer *g = ctx;

	return rc_weight_src_pool_down(&g->inner, pool);
}

static bool layer_active(void *ctx, const struct cfg_service *svc)
{
	const struct rc_gate_layer *g = ctx;

	if (g->inner.service_active &&
	    !g->inner.service_active(g->inner.ctx, svc))
		return false;
	return !g->active || g->active(g->ctx, svc);
}

void rc_gate_layer_src(struct rc_gate_layer *g,
		       const struct rc_weight_src *inner,
		       bool (*active)(void *ctx, const struct cfg_service *svc),
		       void *ctx, struct rc_weight_src *out)
{
	g->inner = *inner;
	g->active = active;
	g->ctx = ctx;
	*out = (struct rc_weight_src){.ctx = g,
				      .weight = layer_weight,
				      .pool_down = layer_pool_down,
				      .service_active = layer_active};
}

void rc_desired_service_key(const struct cfg_service *cs,
			    struct rc_svc_key *key)
{
	rc_svc_key_init(key, &cs->addr, cs->fwmark ? 0 : cs->port,
			cs->fwmark ? 0 : (uint8_t)cs->proto, cs->fwmark);
}

static int add_service(const struct cfg *cfg, const struct cfg_service *cs,
		       const struct rc_weight_src *src, struct rc_state *out)
{
	const struct cfg_pool *pool;
	struct rc_service *svc;
	struct rc_svc_key key;
	bool use_src = true;
	uint32_t flags = 0;

	if (cs->pool >= cfg->n_pools || (unsigned)cs->sched >= CFG_SCHED__COUNT)
		return -EINVAL;
	pool = &cfg->pools[cs->pool];
	/*
	 * All of the pool down: serve from the fallback pool if it has live
	 * reals; otherwise keep the pool's reals at their configured weights,
	 * because failing open beats black-holing every flow.
	 */
	if (rc_weight_src_pool_down(src, pool)) {
		const struct cfg_pool *fb = NULL;

		if (cs->fallback_pool >= 0 &&
		    (size_t)cs->fallback_pool < cfg->n_pools)
			fb = &cfg->pools[cs->fallback_pool];
		if (fb && !rc_weight_src_pool_down(src, fb))
			pool = fb;
		else
			use_src = false;
	}

	rc_desired_service_key(cs, &key);
	svc = rc_state_add_service(out, &key);
	if (!svc)
		return -ENOMEM;
	snprintf(svc->sched, sizeof(svc->sched), "%s",
		 cfg_sched_name(cs->sched));
	if (cs->hash == CFG_HASH_SOURCE)
		flags |= RC_SVC_F_HASH_SRC;
	for (size_t i = 0; i < sizeof(flag_map) / sizeof(flag_map[0]); i++)
		if (cs->flags & flag_map[i].cfg)
			flags |= flag_map[i].rc;
	svc->flags = flags;
	svc->timeout = cs->persistence_s;
	svc->netmask = cs->persistence_prefix;
	snprintf(svc->name, sizeof(svc->name), "%s", cs->name ? cs->name : "");
	svc->owned = true;
	if (pool->n_backends &&
	    lb_array_reserve((void **)&svc->reals, &svc->cap_reals, 0,
			     sizeof(*svc->reals), pool->n_backends))
		return -ENOMEM;

	for (size_t i = 0; i < pool->n_backends; i++) {
		const struct cfg_backend *b = &pool->backends[i];
		struct rc_real *r;
		int err;

		r = rc_service_add_real(svc, &b->addr,
					b->port ? b->port : cs->port);
		if (!r)
			return -ENOMEM;
		r->weight = rc_weight_src_weight(use_src ? src : NULL, pool, b);
		r->u_threshold = b->upper_threshold;
		r->l_threshold = b->lower_threshold;
		err = set_forwarding(r, cfg, cs, b);
		if (err)
			return err;
	}
	return 0;
}

/* Every configured service, or only those whose key is in sorted[0..n). */
static int build(const struct cfg *cfg, const struct rc_weight_src *src,
		 const struct rc_svc_key *sorted, size_t n, bool all,
		 struct rc_state *out)
{
	int err;

	if (all && cfg->n_services &&
	    lb_array_reserve((void **)&out->svcs, &out->cap, out->n,
			     sizeof(*out->svcs), cfg->n_services))
		return -ENOMEM;
	for (size_t i = 0; i < cfg->n_services; i++) {
		const struct cfg_service *cs = &cfg->services[i];
		struct rc_svc_key key;

		if (src && src->service_active &&
		    !src->service_active(src->ctx, cs))
			continue;
		if (!all) {
			rc_desired_service_key(cs, &key);
			if (!n || !bsearch(&key, sorted, n, sizeof(*sorted),
					   rc_svc_key_qsort_cmp))
				continue;
		}
		err = add_service(cfg, cs, src, out);
		if (err)
			goto fail;
	}
	err = rc_state_sort(out);
	if (err)
		goto fail;
	return 0;
fail:
	rc_state_free(out);
	return err;
}

int rc_desired_build(const struct cfg *cfg, const struct rc_weight_src *src,
		     struct rc_state *out)
{
	return build(cfg, src, NULL, 0, true, out);
}

int rc_desired_build_services(const struct cfg *cfg,
			      const struct rc_weight_src *src,
			      const struct rc_svc_key *keys, size_t n,
			      struct rc_state *out)
{
	struct rc_svc_key *sorted;
	int err;

	if (rc_svc_keys_sorted(keys, n, &sorted))
		return -ENOMEM;
	err = build(cfg, src, sorted, n, false, out);
	free(sorted);
	return err;
}
