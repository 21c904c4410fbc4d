// SPDX-License-Identifier: GPL-2.0-only
/*
 * Read the live state back from the pinned maps: services from lb_services,
 * their reals from lb_reals with the weights last programmed, and a check of
 * everything a packet relies on besides (the service's entry in its
 * lb_svc_sets set, its VIP, the flags in lb_svc_state, the active ring
 * against the sources and checksum noted in svc_meta when it was built, the
 * XDP link). A
 * service that fails a check is read back with a scheduler naming the
 * problem ("ring-mismatch", "unindexed", "no-vip", "detached"), so the diff
 * edits it and `ballast plan` shows "scheduler ring-mismatch -> maglev";
 * applying that edit rewrites the service and republishes its ring.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "dataplane/xdp/bpf/lb_hash.h"
#include "dataplane/xdp/xdp_internal.h"
#include "dataplane/xdp/xdp_maps.h"
#include "lib/array.h"
#include "lib/ring_size.h"
#include "lib/log.h"

void xdp_addr_to_bpf(const struct lb_addr *a, uint32_t out[4])
{
	memcpy(out, a->w, 16);
}

void xdp_addr_from_bpf(struct lb_addr *a, uint8_t family, const uint32_t in[4])
{
	memset(a, 0, sizeof(*a));
	a->family = family;
	memcpy(a->w, in, family == LB_AF_INET ? 4 : 16);
}

void xdp_key_from_svc(struct rc_svc_key *k, const struct lb_svc_key *sk)
{
	struct lb_addr a;

	xdp_addr_from_bpf(&a, sk->family, sk->addr);
	rc_svc_key_init(k, &a, ntohs(sk->port), sk->proto, 0);
}

void xdp_svc_from_key(struct lb_svc_key *sk, const struct rc_svc_key *k)
{
	memset(sk, 0, sizeof(*sk));
	xdp_addr_to_bpf(&k->addr, sk->addr);
	sk->port = htons(k->port);
	sk->proto = k->proto;
	sk->family = k->addr.family;
}

int xdp_array_read(int fd, uint32_t first, uint32_t n, size_t value_size,
		   void *out)
{
	uint32_t *keys, done = 0, prev = first - 1;
	int err = 0;

	keys = malloc((size_t)(n ? n : 1) * sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	/*
	 * An array's batch starts after in_batch; from key 0 it starts with
	 * no in_batch at all.
	 */
	while (done < n && !err) {
		LIBBPF_OPTS(bpf_map_batch_opts, o);
		uint32_t cnt = n - done, next = 0;
		int r = bpf_map_lookup_batch(
		    fd, done || first ? &prev : NULL, &next, keys,
		    (char *)out + (size_t)done * value_size, &cnt, &o);

		if (r && errno != ENOENT) {
			err = -errno;
			break;
		}
		if (!cnt)
			break;
		done += cnt;
		prev = first + done - 1;
		if (r)
			break;
	}
	if (!err && done < n) {
		/* Kernels without batch lookups on arrays: one by one. */
		for (uint32_t i = done; i < n && !err; i++) {
			uint32_t k = first + i;

			if (bpf_map_lookup_elem(
				fd, &k, (char *)out + (size_t)i * value_size))
				err = -errno;
		}
	}
	free(keys);
	return err;
}

static int svc_key_qcmp(const void *a, const void *b)
{
	return rc_svc_key_cmp(a, b);
}

/* Is the service's entry in its lb_svc_sets set (or the set overflowing)? */
static bool indexed(struct dp *dp, const struct lb_svc_key *k,
		    const struct lb_svc_val *v)
{
	uint32_t idx = lb_hash_svc(k) & (dp->meta.sz.svc_sets - 1);
	struct lb_svc_set set;

	if (bpf_map_lookup_elem(dp->fd[XM_SVC_SETS], &idx, &set))
		return false;
	for (int w = 0; w < LB_SVC_WAYS; w++)
		if (set.e[w].v.id == v->id &&
		    !memcmp(&set.e[w].k, k, sizeof(*k)))
			return set.e[w].v.flags == v->flags;
	return set.overflow != 0;
}

static bool has_vip(struct dp *dp, const struct lb_svc_key *k,
		    uint32_t svc_flags)
{
	struct lb_vip_key vk = {.family = k->family};
	struct lb_vip_val vv;

	memcpy(vk.addr, k->addr, sizeof(vk.addr));
	if (bpf_map_lookup_elem(dp->fd[XM_VIPS], &vk, &vv))
		return false;
	return !(svc_flags & LB_SVC_ANY_PORT) || (vv.flags & LB_VIP_ANY_PORT);
}

static int found_qcmp(const void *a, const void *b)
{
	return rc_svc_key_cmp(&((const struct xdp_found *)a)->key,
			      &((const struct xdp_found *)b)->key);
}

/* Collect lb_services, restricted to keys[0..n) when keys is set. */
int xdp_scan_services(struct dp *dp, const struct rc_svc_key *keys, size_t n,
		      struct xdp_found **out, size_t *n_out)
{
	struct lb_svc_key k, next, *prev = NULL;
	struct xdp_found *f = NULL;
	size_t cnt = 0, cap = 0;
	int err = 0;

	for (;;) {
		struct xdp_found e = {0};

		if (bpf_map_get_next_key(dp->fd[XM_SERVICES], prev, &next)) {
			if (errno != ENOENT)
				err = -errno;
			break;
		}
		k = next;
		prev = &k;
		e.sk = k;
		if (bpf_map_lookup_elem(dp->fd[XM_SERVICES], &k, &e.v))
			continue; /* removed meanwhile */
		xdp_key_from_svc(&e.key, &k);
		if (keys &&
		    !bsearch(&e.key, keys, n, sizeof(*keys), svc_key_qcmp))
			continue;
		if (!e.v.id || e.v.id > dp->meta.sz.max_services)
			continue; /* not one of ours: never written by us */
		if (lb_array_reserve((void **)&f, &cap, cnt, sizeof(*f), 64)) {
			err = -ENOMEM;
			break;
		}
		f[cnt++] = e;
	}
	if (err) {
		free(f);
		return err;
	}
	if (cnt)
		qsort(f, cnt, sizeof(*f), found_qcmp);
	*out = f;
	*n_out = cnt;
	return 0;
}

uint64_t xdp_ring_src_real(uint32_t id, const struct lb_real *r)
{
	uint64_t h = lb_hash_mix(((uint64_t)id << 32) | r->weight);

	for (int i = 0; i < 4; i++)
		h = lb_hash_mix(h ^ r->addr[i]);
	return lb_hash_mix(h ^ ((uint64_t)r->port << 8 | r->family));
}

uint64_t xdp_ring_src(uint32_t m, uint64_t reals_sum)
{
	/* A sum, so the reals' order does not matter. */
	return lb_hash_mix(reals_sum ^ lb_hash_mix(m));
}

/*
 * Four independent lanes: checking a ring costs about its reading. Entry i
 * is t[i * stride], so a live ring is summed in place through the mapping.
 */
static inline uint64_t ring_sum(const uint32_t *t, uint32_t m, size_t stride)
{
	uint64_t h[4] = {1, 2, 3, 4};
	uint32_t i = 0;

	for (; i + 8 <= m; i += 8)
		for (int l = 0; l < 4; l++)
			h[l] =
			    (h[l] ^ ((uint64_t)t[(i + 2 * l) * stride] << 32 |
				     t[(i + 2 * l + 1) * stride])) *
			    0x9e3779b97f4a7c15ull;
	for (; i < m; i++)
		h[0] = (h[0] ^ t[i * stride]) * 0x9e3779b97f4a7c15ull;
	return lb_hash_mix(
	    h[0] ^
	    lb_hash_mix(h[1] ^ lb_hash_mix(h[2] ^ lb_hash_mix(h[3] ^ m))));
}

uint64_t xdp_ring_sum(const uint32_t *t, uint32_t m)
{
	return ring_sum(t, m, 1);
}

int xdp_ring_note(int svc_meta_fd, uint32_t svc_id, uint64_t src,
		  const uint32_t *t, uint32_t m)
{
	struct xdp_svc_meta sm = {.src = src, .ring = xdp_ring_sum(t, m)};

	return bpf_map_update_elem(svc_meta_fd, &svc_id, &sm, BPF_ANY) ? -errno
								       : 0;
}

/*
 * Is the service's active ring what its reals and weights make? It was when
 * it was published (svc_meta holds its sources and checksum): check that the
 * sources are still those and the ring still that.
 */
static int ring_ok(struct dp *dp, const struct xdp_found *f,
		   const struct lb_real *reals, const uint32_t *ids, bool *ok)
{
	uint32_t m, base;
	struct xdp_svc_meta sm;
	struct lb_svc_state st;
	const uint32_t *live;
	uint64_t sum = 0;

	*ok = false;
	if (bpf_map_lookup_elem(dp->fd[XM_SVC_STATE], &f->v.id, &st))
		return -errno;
	if (st.flags != f->v.flags)
		return 0;
	/* Its extent: inside the pool, of a size its reals may have. */
	m = st.size[st.ring_slot & 1];
	base = st.base[st.ring_slot & 1];
	if (!lb_ring_size_keep(m, f->n, dp->meta.sz.ring_size) ||
	    (uint64_t)base + m > dp->meta.sz.ring_entries)
		return 0;
	if (bpf_map_lookup_elem(dp->svc_meta_fd, &f->v.id, &sm))
		return -errno;
	for (uint32_t i = 0; i < f->n; i++)
		sum += xdp_ring_src_real(ids[f->first + i],
					 &reals[ids[f->first + i]]);
	if (sm.src != xdp_ring_src(m, sum))
		return 0;
	live = dp->rings + (uint64_t)base * DP_XDP_RING_STRIDE;
	*ok = sm.ring == ring_sum(live, m, DP_XDP_RING_STRIDE);
	return 0;
}

static int add_service(struct dp *dp, struct rc_state *actual,
		       const struct xdp_found *f, const struct lb_real *reals,
		       const uint32_t *ids)
{
	struct rc_service *svc = rc_state_add_service(actual, &f->key);
	const char *problem = NULL;
	bool ok = false;
	int err;

	if (!svc)
		return -ENOMEM;
	if (f->v.flags & LB_SVC_SRC_HASH)
		svc->flags |= RC_SVC_F_HASH_SRC;
	if (f->v.flags & LB_SVC_ANY_PORT)
		svc->flags |= RC_SVC_F_ANY_PORT;
	svc->owned = true; /* only Ballast writes these maps */
	for (uint32_t i = 0; i < f->n; i++) {
		const struct lb_real *r = &reals[ids[f->first + i]];
		struct lb_addr a;
		struct rc_real *rr;

		xdp_addr_from_bpf(&a, r->family, r->addr);
		rr = rc_service_add_real(svc, &a, ntohs(r->port));
		if (!rr)
			return -ENOMEM;
		rr->weight = r->weight;
		if (f->v.flags & LB_SVC_NAT) {
			rr->fwd = RC_FWD_MASQ;
		} else {
			rr->fwd = RC_FWD_TUNNEL;
			rr->tunnel = RC_TUN_IPIP;
		}
	}
	err = ring_ok(dp, f, reals, ids, &ok);
	if (err)
		return err;
	if (dp->detached)
		problem = "detached";
	else if (!indexed(dp, &f->sk, &f->v))
		problem = "unindexed";
	else if (!has_vip(dp, &f->sk, f->v.flags))
		problem = "no-vip";
	else if (!ok)
		problem = "ring-mismatch";
	snprintf(svc->sched, sizeof(svc->sched), "%s",
		 problem ? problem : "maglev");
	return 0;
}

int xdp_read_state(struct dp *dp, const struct rc_svc_key *keys, size_t n,
		   struct rc_state *actual)
{
	uint32_t max_s, max_r, *slot = NULL, *ids = NULL;
	struct rc_svc_key *sorted = NULL;
	struct lb_real *reals = NULL;
	struct xdp_found *f = NULL;
	size_t nf = 0;
	int err;

	if (!dp->pinned)
		return rc_state_sort(actual);
	max_s = dp->meta.sz.max_services;
	max_r = dp->meta.sz.max_reals;
	if (keys) {
		sorted = malloc((n ? n : 1) * sizeof(*sorted));
		if (!sorted)
			return -ENOMEM;
		memcpy(sorted, keys, n * sizeof(*sorted));
		qsort(sorted, n, sizeof(*sorted), svc_key_qcmp);
	}
	err = xdp_scan_services(dp, sorted, n, &f, &nf);
	if (err)
		goto out;
	/* slot[id] = 1 + index of the service with that id, 0 for none. */
	slot = calloc((size_t)max_s + 1, sizeof(*slot));
	reals = calloc((size_t)max_r + 1, sizeof(*reals));
	ids = calloc((size_t)max_r + 1, sizeof(*ids));
	err = -ENOMEM;
	if (!slot || !reals || !ids)
		goto out;
	for (size_t i = 0; i < nf; i++)
		slot[f[i].v.id] = (uint32_t)i + 1;
	err = xdp_array_read(dp->fd[XM_REALS], 0, max_r + 1, sizeof(*reals),
			     reals);
	if (err)
		goto out;
	/* Bucket the real ids by service (counting sort). */
	for (uint32_t id = 1; id <= max_r; id++)
		if (reals[id].family && reals[id].svc_id <= max_s &&
		    slot[reals[id].svc_id])
			f[slot[reals[id].svc_id] - 1].n++;
	for (size_t i = 0, at = 0; i < nf; i++) {
		f[i].first = (uint32_t)at;
		at += f[i].n;
		f[i].n = 0;
	}
	for (uint32_t id = 1; id <= max_r; id++) {
		struct xdp_found *s;

		if (!reals[id].family || reals[id].svc_id > max_s ||
		    !slot[reals[id].svc_id])
			continue;
		s = &f[slot[reals[id].svc_id] - 1];
		ids[s->first + s->n++] = id;
	}
	for (size_t i = 0; i < nf && !err; i++)
		err = add_service(dp, actual, &f[i], reals, ids);
	if (!err)
		err = rc_state_sort(actual);
out:
	if (err)
		lb_err("xdp: reading the forwarder's maps in %s: %s", dp->dir,
		       strerror(-err));
	free(sorted);
	free(f);
	free(slot);
	free(reals);
	free(ids);
	return err;
}
