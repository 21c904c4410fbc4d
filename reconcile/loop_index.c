// SPDX-License-Identifier: GPL-2.0-only
/*
 * Which services a change concerns: pool -> services and backend address ->
 * pools, built once per config generation so that a health transition turns
 * into a scoped pass without walking the config.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/loop_internal.h"

/* ---- key sets ------------------------------------------------------------ */

int rc_keyvec_add(struct rc_keyvec *v, const struct rc_svc_key *keys, size_t n)
{
	if (v->n + n > v->cap) {
		size_t cap = v->cap ? v->cap : 16;
		struct rc_svc_key *k;

		while (cap < v->n + n)
			cap *= 2;
		k = realloc(v->k, cap * sizeof(*k));
		if (!k)
			return -ENOMEM;
		v->k = k;
		v->cap = cap;
	}
	if (n)
		memcpy(v->k + v->n, keys, n * sizeof(*keys));
	v->n += n;
	return 0;
}

static int key_cmp(const void *a, const void *b)
{
	return rc_svc_key_cmp(a, b);
}

void rc_keyvec_unique(struct rc_keyvec *v)
{
	size_t w = 0;

	if (v->n < 2)
		return;
	qsort(v->k, v->n, sizeof(*v->k), key_cmp);
	for (size_t i = 1; i < v->n; i++)
		if (rc_svc_key_cmp(&v->k[i], &v->k[w]))
			v->k[++w] = v->k[i];
	v->n = w + 1;
}

void rc_keyvec_free(struct rc_keyvec *v)
{
	free(v->k);
	memset(v, 0, sizeof(*v));
}

/* ---- the index ----------------------------------------------------------- */

static int addr_pool_cmp(const void *a, const void *b)
{
	const struct rc_loop_addr_pool *x = a, *y = b;
	int c = lb_addr_cmp(&x->addr, &y->addr);

	if (c)
		return c;
	return (x->pool > y->pool) - (x->pool < y->pool);
}

static int ref_cmp(const void *a, const void *b)
{
	return rc_svc_key_cmp(a, b); /* the key comes first */
}

void rc_loop_index_free(struct rc_loop_index *ix)
{
	free(ix->svc_keys);
	free(ix->by_key);
	free(ix->pool_start);
	free(ix->pool_keys);
	free(ix->addrs);
	memset(ix, 0, sizeof(*ix));
}

/* Does service s use pool p, as its pool or its fallback? */
static bool uses_pool(const struct cfg_service *s, size_t p)
{
	return s->pool == p ||
	       (s->fallback_pool >= 0 && (size_t)s->fallback_pool == p);
}

int rc_loop_index_build(struct rc_loop_index *ix, const struct cfg *cfg)
{
	size_t n_links = 0, n_addrs = 0, w;

	memset(ix, 0, sizeof(*ix));
	ix->n_svcs = cfg->n_services;
	for (size_t p = 0; p < cfg->n_pools; p++)
		n_addrs += cfg->pools[p].n_backends;
	for (size_t i = 0; i < cfg->n_services; i++)
		n_links += 1 + (cfg->services[i].fallback_pool >= 0);
	ix->svc_keys = calloc(cfg->n_services + 1, sizeof(*ix->svc_keys));
	ix->pool_start = calloc(cfg->n_pools + 1, sizeof(*ix->pool_start));
	ix->pool_keys = calloc(n_links + 1, sizeof(*ix->pool_keys));
	ix->addrs = calloc(n_addrs + 1, sizeof(*ix->addrs));
	ix->by_key = calloc(cfg->n_services + 1, sizeof(*ix->by_key));
	if (!ix->svc_keys || !ix->pool_start || !ix->pool_keys || !ix->addrs ||
	    !ix->by_key) {
		rc_loop_index_free(ix);
		return -ENOMEM;
	}
	for (size_t i = 0; i < cfg->n_services; i++) {
		rc_desired_service_key(&cfg->services[i], &ix->svc_keys[i]);
		ix->by_key[i].key = ix->svc_keys[i];
		ix->by_key[i].svc = i;
	}
	qsort(ix->by_key, cfg->n_services, sizeof(*ix->by_key), ref_cmp);
	/* pools x services is fine: both are config-sized and this runs once */
	w = 0;
	for (size_t p = 0; p < cfg->n_pools; p++) {
		ix->pool_start[p] = w;
		for (size_t i = 0; i < cfg->n_services; i++)
			if (uses_pool(&cfg->services[i], p) && w < n_links)
				ix->pool_keys[w++] = ix->svc_keys[i];
	}
	ix->pool_start[cfg->n_pools] = w;
	for (size_t p = 0; p < cfg->n_pools; p++)
		for (size_t b = 0; b < cfg->pools[p].n_backends; b++) {
			ix->addrs[ix->n_addrs].addr =
			    cfg->pools[p].backends[b].addr;
			ix->addrs[ix->n_addrs++].pool = p;
		}
	if (ix->n_addrs > 1) {
		qsort(ix->addrs, ix->n_addrs, sizeof(*ix->addrs),
		      addr_pool_cmp);
		w = 0;
		for (size_t i = 1; i < ix->n_addrs; i++)
			if (addr_pool_cmp(&ix->addrs[i], &ix->addrs[w]))
				ix->addrs[++w] = ix->addrs[i];
		ix->n_addrs = w + 1;
	}
	return 0;
}

int rc_loop_index_pool_keys(const struct rc_loop_index *ix, size_t pi,
			    struct rc_keyvec *v)
{
	size_t a = ix->pool_start[pi], b = ix->pool_start[pi + 1];

	return rc_keyvec_add(v, ix->pool_keys + a, b - a);
}

int rc_loop_index_addr_keys(const struct rc_loop_index *ix,
			    const struct lb_addr *addr, struct rc_keyvec *v)
{
	size_t lo = 0, hi = ix->n_addrs;
	int err = 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (lb_addr_cmp(&ix->addrs[mid].addr, addr) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; !err && lo < ix->n_addrs &&
	       !lb_addr_cmp(&ix->addrs[lo].addr, addr);
	     lo++)
		err = rc_loop_index_pool_keys(ix, ix->addrs[lo].pool, v);
	return err;
}

const struct cfg_service *rc_loop_index_service(const struct rc_loop_index *ix,
						const struct cfg *cfg,
						const struct rc_svc_key *key)
{
	const struct rc_loop_svc_ref *r;

	if (!cfg || !ix->n_svcs)
		return NULL;
	r = bsearch(key, ix->by_key, ix->n_svcs, sizeof(*ix->by_key), ref_cmp);
	return r ? &cfg->services[r->svc] : NULL;
}

static bool pool_names_real(const struct cfg_pool *p, uint16_t svc_port,
			    const struct lb_addr *addr, uint16_t port)
{
	for (size_t b = 0; b < p->n_backends; b++) {
		const struct cfg_backend *be = &p->backends[b];

		if ((be->port ? be->port : svc_port) == port &&
		    !lb_addr_cmp(&be->addr, addr))
			return true;
	}
	return false;
}

bool rc_loop_service_names_real(const struct cfg *cfg,
				const struct cfg_service *cs,
				const struct lb_addr *addr, uint16_t port)
{
	if (cs->pool < cfg->n_pools &&
	    pool_names_real(&cfg->pools[cs->pool], cs->port, addr, port))
		return true;
	return cs->fallback_pool >= 0 &&
	       (size_t)cs->fallback_pool < cfg->n_pools &&
	       pool_names_real(&cfg->pools[cs->fallback_pool], cs->port, addr,
			       port);
}
