// SPDX-License-Identifier: GPL-2.0-only
/*
 * The handle's index of the pinned tables (struct xdp_index): which reals
 * each service has, which ids are free, which extents of lb_rings are
 * taken. lb_reals is an array by real id with no index of its own, so
 * finding one service's reals means reading all of them; the index is that
 * reading, kept between passes and trusted only at the generation svc_meta
 * holds (every apply, of any process, moves it before its first write).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "dataplane/xdp/xdp_internal.h"
#include "lib/array.h"
#include "lib/log.h"

uint64_t xdp_gen(const struct dp *dp)
{
	if (!dp->svc_meta)
		return 0;
	return __atomic_load_n(&dp->svc_meta[XDP_GEN_ID].src, __ATOMIC_ACQUIRE);
}

void xdp_gen_bump(struct dp *dp)
{
	uint64_t old = xdp_gen(dp);

	if (!dp->svc_meta)
		return;
	__atomic_store_n(&dp->svc_meta[XDP_GEN_ID].src, old + 1,
			 __ATOMIC_RELEASE);
	/* What this handle writes next, it writes into its index too. */
	if (dp->ix.valid && dp->ix.gen == old)
		dp->ix.gen = old + 1;
	else
		dp->ix.valid = false;
}

int xdp_ids_push(struct xdp_ids *ids, uint32_t id)
{
	if (lb_array_reserve((void **)&ids->id, &ids->cap, ids->n,
			     sizeof(*ids->id), 8))
		return -ENOMEM;
	ids->id[ids->n++] = id;
	return 0;
}

static void ids_free(struct xdp_ids *ids)
{
	free(ids->id);
	memset(ids, 0, sizeof(*ids));
}

void xdp_index_drop(struct xdp_index *ix)
{
	if (ix->reals)
		for (size_t i = 0; i <= ix->max_services; i++)
			free(ix->reals[i].id);
	free(ix->reals);
	free(ix->svcs);
	ids_free(&ix->orphans);
	ids_free(&ix->fresh);
	ids_free(&ix->freed);
	xdp_pool_free_all(&ix->pool);
	memset(ix, 0, sizeof(*ix));
}

/*
 * Empty it for max_s services, keeping the lists' memory: a full read
 * builds it every time, and would otherwise allocate 1,000 lists again.
 */
static void index_clear(struct xdp_index *ix, uint32_t max_s)
{
	if (ix->reals && ix->max_services != max_s)
		xdp_index_drop(ix);
	if (ix->reals)
		for (size_t i = 0; i <= ix->max_services; i++)
			ix->reals[i].n = 0;
	else
		ix->reals = calloc((size_t)max_s + 1, sizeof(*ix->reals));
	ix->max_services = max_s;
	free(ix->svcs);
	ix->svcs = NULL;
	ix->n_svcs = ix->cap_svcs = 0;
	ix->orphans.n = ix->fresh.n = ix->freed.n = 0;
	ix->fresh_at = 0;
	xdp_pool_free_all(&ix->pool);
	ix->valid = ix->verified = false;
}

static int found_key_cmp(const void *k, const void *f)
{
	return rc_svc_key_cmp(k, &((const struct xdp_found *)f)->key);
}

struct xdp_found *xdp_index_find(struct xdp_index *ix,
				 const struct rc_svc_key *k)
{
	if (!ix->n_svcs)
		return NULL;
	return bsearch(k, ix->svcs, ix->n_svcs, sizeof(*ix->svcs),
		       found_key_cmp);
}

/* The services' extents of lb_rings, from their states. */
static int pool_of(struct dp *dp, const uint8_t *used,
		   const struct lb_svc_state *st)
{
	uint32_t max_s = dp->meta.sz.max_services;
	int err = 0;

	xdp_pool_init(&dp->ix.pool, dp->meta.sz.ring_entries);
	for (uint32_t id = 1; id <= max_s && !err; id++) {
		if (!used[id])
			continue;
		err = xdp_pool_add_state(&dp->ix.pool, &st[id]);
		if (err == -EUCLEAN) {
			/* Read-back reports its ring; apply repairs it. */
			if (!dp->read_only)
				lb_warn("xdp: service id %u's rings overlap "
					"another's or leave lb_rings; its ring "
					"is rebuilt when repaired",
					id);
			err = 0;
		}
	}
	return err;
}

/* Every real id into its service's list, the free lists or the orphans. */
static int reals_of(struct dp *dp, const uint8_t *used)
{
	struct xdp_index *ix = &dp->ix;
	uint32_t max_s = dp->meta.sz.max_services,
		 max_r = dp->meta.sz.max_reals;
	int err = 0;

	for (uint32_t id = 1; id <= max_r && !err; id++) {
		const struct lb_real *r = xdp_real(dp, id);
		uint32_t svc = r->svc_id;

		if (!r->family)
			err = xdp_ids_push(r->weight ? &ix->freed : &ix->fresh,
					   id);
		else if (svc <= max_s && used[svc])
			err = xdp_ids_push(&ix->reals[svc], id);
		else
			err = xdp_ids_push(&ix->orphans, id);
	}
	return err;
}

int xdp_index_build(struct dp *dp, struct lb_svc_state **states)
{
	struct xdp_index *ix = &dp->ix;
	uint32_t max_s = dp->meta.sz.max_services;
	struct lb_svc_state *st = NULL;
	uint64_t gen = xdp_gen(dp);
	uint8_t *used = NULL;
	int err = -ENOMEM;

	index_clear(ix, max_s);
	used = calloc((size_t)max_s + 1, 1);
	st = calloc((size_t)max_s + 1, sizeof(*st));
	if (!ix->reals || !used || !st)
		goto out;
	err = xdp_scan_services(dp, &ix->svcs, &ix->n_svcs);
	if (err)
		goto out;
	ix->cap_svcs = ix->n_svcs;
	for (size_t i = 0; i < ix->n_svcs; i++)
		used[ix->svcs[i].v.id] = 1;
	err =
	    xdp_array_read(dp->fd[XM_SVC_STATE], 0, max_s + 1, sizeof(*st), st);
	if (!err)
		err = pool_of(dp, used, st);
	if (!err)
		err = reals_of(dp, used);
	if (err)
		goto out;
	ix->gen = gen;
	/* A writer that moved the generation meanwhile: use it once. */
	ix->valid = gen == xdp_gen(dp);
	ix->verified = true;
out:
	if (err) {
		xdp_index_drop(ix);
		lb_err("xdp: indexing the forwarder's maps in %s: %s", dp->dir,
		       strerror(-err));
	}
	if (!err && states)
		*states = st;
	else
		free(st);
	free(used);
	return err;
}

int xdp_index_ready(struct dp *dp)
{
	if (dp->ix.valid && dp->ix.gen == xdp_gen(dp))
		return 0;
	return xdp_index_build(dp, NULL);
}

bool xdp_service_lookup(struct dp *dp, const struct rc_svc_key *k,
			struct lb_svc_key *sk, struct lb_svc_val *v)
{
	xdp_svc_from_key(sk, k);
	return !bpf_map_lookup_elem(dp->fd[XM_SERVICES], sk, v) && v->id &&
	       v->id <= dp->meta.sz.max_services;
}

bool xdp_index_agrees(struct dp *dp, const struct xdp_found *ixf,
		      const struct lb_svc_val *v)
{
	const struct xdp_ids *ids;

	if (!v || !ixf)
		return !v && !ixf;
	if (ixf->v.id != v->id || ixf->v.flags != v->flags)
		return false;
	ids = &dp->ix.reals[v->id];
	for (size_t i = 0; i < ids->n; i++) {
		const struct lb_real *r = xdp_real(dp, ids->id[i]);

		if (!r->family || r->svc_id != v->id)
			return false;
	}
	return true;
}
