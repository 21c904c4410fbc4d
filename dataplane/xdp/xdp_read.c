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

/* The slow way, for kernels without batch lookups on hash maps. */
static int hash_walk(int fd, size_t ksz, size_t vsz, uint32_t max,
		     unsigned char *k, unsigned char *v, size_t *n)
{
	unsigned char *prev = NULL;
	size_t cnt = 0;

	while (cnt < max) {
		if (bpf_map_get_next_key(fd, prev, k + cnt * ksz))
			return errno == ENOENT ? (*n = cnt, 0) : -errno;
		prev = k + cnt * ksz;
		if (bpf_map_lookup_elem(fd, prev, v + cnt * vsz))
			continue; /* removed meanwhile: walk on from it */
		cnt++;
	}
	*n = cnt;
	return 0;
}

/* Read n entries of a hash map in batches: *keys and *vals malloc'ed. */
static int xdp_hash_read(int fd, size_t ksz, size_t vsz, uint32_t max,
			 void **keys, void **vals, size_t *n)
{
	unsigned char *k = malloc((max ? max : 1) * ksz),
		      *v = malloc((max ? max : 1) * vsz);
	uint32_t in = 0, out = 0;
	size_t done = 0;
	int err = 0;

	if (!k || !v) {
		err = -ENOMEM;
		goto out;
	}
	while (done < max) {
		uint32_t cnt = (uint32_t)(max - done);
		int r = bpf_map_lookup_batch(fd, done ? &in : NULL, &out,
					     k + done * ksz, v + done * vsz,
					     &cnt, NULL);

		if (r && errno != ENOENT) {
			/* No batches here, or a bucket larger than the room
			 * left (entries added meanwhile): walk instead. */
			err = hash_walk(fd, ksz, vsz, max, k, v, &done);
			break;
		}
		done += cnt;
		in = out;
		if (r)
			break;
	}
out:
	if (err) {
		free(k);
		free(v);
		return err;
	}
	*keys = k;
	*vals = v;
	*n = done;
	return 0;
}

static int found_qcmp(const void *a, const void *b)
{
	return rc_svc_key_cmp(&((const struct xdp_found *)a)->key,
			      &((const struct xdp_found *)b)->key);
}

/* Collect lb_services. */
int xdp_scan_services(struct dp *dp, struct xdp_found **out, size_t *n_out)
{
	uint32_t max_s = dp->meta.sz.max_services;
	struct lb_svc_key *k = NULL;
	struct lb_svc_val *v = NULL;
	struct xdp_found *f;
	size_t nk = 0, cnt = 0;
	int err;

	err = xdp_hash_read(dp->fd[XM_SERVICES], sizeof(*k), sizeof(*v), max_s,
			    (void **)&k, (void **)&v, &nk);
	if (err)
		return err;
	f = calloc(nk ? nk : 1, sizeof(*f));
	if (!f) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nk; i++) {
		struct xdp_found *e = &f[cnt];

		if (!v[i].id || v[i].id > max_s)
			continue; /* not one of ours: never written by us */
		e->sk = k[i];
		e->v = v[i];
		xdp_key_from_svc(&e->key, &k[i]);
		cnt++;
	}
	if (cnt)
		qsort(f, cnt, sizeof(*f), found_qcmp);
	*out = f;
	*n_out = cnt;
out:
	free(k);
	free(v);
	return err;
}

/*
 * Two mixes over the real's words folded by multiplies: it is summed over
 * 100,000 reals at every full read, and only needs to tell sources apart.
 */
uint64_t xdp_ring_src_real(uint32_t id, const struct lb_real *r)
{
	uint64_t a = ((uint64_t)r->addr[0] << 32 | r->addr[1]) *
		     0x9e3779b97f4a7c15ull,
		 b = (uint64_t)r->addr[2] << 32 | r->addr[3],
		 c = ((uint64_t)id << 32 | r->weight) * 0xc2b2ae3d27d4eb4full,
		 d = (uint64_t)r->port << 8 | r->family;

	return lb_hash_mix(c ^ lb_hash_mix(a ^ b ^ (d << 40 | d)));
}

uint64_t xdp_ring_src(uint32_t m, uint64_t reals_sum)
{
	/* A sum, so the reals' order does not matter. */
	return lb_hash_mix(reals_sum ^ lb_hash_mix(m));
}

/*
 * A Fletcher-style sum (a position-weighted sum and a plain one): adds only,
 * so checking a ring costs what reading it does (a multiply per word made
 * it 10-30 % slower than the read); any changed entry changes the plain
 * sum, entries swapped change the weighted one. Entry i is t[i * stride],
 * so a live ring is summed in place through the mapping.
 */
static inline uint64_t ring_sum(const uint32_t *t, uint32_t m, size_t stride)
{
	uint64_t a = 0, b = 0;

	for (uint32_t i = 0; i < m; i++) {
		/*
		 * 8 KiB ahead, one line at a time: the hardware's prefetcher
		 * stops at each 4 KiB page; this made checking 1,000 rings
		 * 10-20 % faster than reading them.
		 */
		if (!(i & 7))
			__builtin_prefetch(&t[(size_t)(i + 1024) * stride]);
		a += t[i * stride];
		b += a;
	}
	return lb_hash_mix(lb_hash_mix(a ^ m) ^ b);
}

uint64_t xdp_ring_sum(const uint32_t *t, uint32_t m)
{
	return ring_sum(t, m, 1);
}

uint64_t xdp_ring_write(uint32_t *rings, uint32_t base, const uint32_t *t,
			uint32_t m)
{
	uint32_t *dst = rings + (uint64_t)base * DP_XDP_RING_STRIDE;
	uint64_t a = 0, b = 0;

	/* ring_sum(t, m, 1), summed on the way: the copy's cost alone. */
	for (uint32_t i = 0; i < m; i++) {
		dst[(uint64_t)i * DP_XDP_RING_STRIDE] = t[i];
		a += t[i];
		b += a;
	}
	__atomic_thread_fence(__ATOMIC_RELEASE);
	return lb_hash_mix(lb_hash_mix(a ^ m) ^ b);
}

int xdp_ring_note(int svc_meta_fd, uint32_t svc_id, uint64_t src,
		  const uint32_t *t, uint32_t m)
{
	struct xdp_svc_meta sm = {.src = src, .ring = xdp_ring_sum(t, m)};

	return bpf_map_update_elem(svc_meta_fd, &svc_id, &sm, BPF_ANY) ? -errno
								       : 0;
}

void xdp_ring_note_mapped(struct dp *dp, uint32_t svc_id, uint64_t src,
			  uint64_t sum)
{
	dp->svc_meta[svc_id].src = src;
	dp->svc_meta[svc_id].ring = sum;
}

/* What a packet relies on for one service, as read for it. */
struct svc_view {
	const struct xdp_found *f;     /* key, lb_services' value */
	const struct xdp_ids *ids;     /* its reals' ids (the index's) */
	const struct lb_svc_state *st; /* lb_svc_state */
	const struct lb_svc_set *set;  /* its lb_svc_sets set */
	bool vip;		       /* lb_vips has its address... */
	struct lb_vip_val vv;	       /* ...with these flags */
};

/*
 * Is the service's active ring what its reals and weights make? It was when
 * it was published (svc_meta holds its sources and checksum): check that the
 * sources (sum: their parts) are still those and the ring still that.
 */
static bool ring_ok(struct dp *dp, const struct svc_view *sv, uint32_t n,
		    uint64_t sum)
{
	const struct lb_svc_state *st = sv->st;
	const struct xdp_svc_meta *sm = &dp->svc_meta[sv->f->v.id];
	const uint32_t *live;
	uint32_t m, base;

	if (st->flags != sv->f->v.flags)
		return false;
	/* Its extent: inside the pool, of a size its reals may have. */
	m = st->size[st->ring_slot & 1];
	base = st->base[st->ring_slot & 1];
	if (!lb_ring_size_keep(m, n, dp->meta.sz.ring_size) ||
	    (uint64_t)base + m > dp->meta.sz.ring_entries)
		return false;
	if (sm->src != xdp_ring_src(m, sum))
		return false;
	live = dp->rings + (uint64_t)base * DP_XDP_RING_STRIDE;
	return sm->ring == ring_sum(live, m, DP_XDP_RING_STRIDE);
}

/* Is the service's entry in its lb_svc_sets set (or the set overflowing)? */
static bool indexed(const struct lb_svc_set *set, const struct lb_svc_key *k,
		    const struct lb_svc_val *v)
{
	for (int w = 0; w < LB_SVC_WAYS; w++)
		if (set->e[w].v.id == v->id &&
		    !memcmp(&set->e[w].k, k, sizeof(*k)))
			return set->e[w].v.flags == v->flags;
	return set->overflow != 0;
}

/* Is this live real one of the service's? */
static bool real_of(const struct lb_real *r, uint32_t svc_id)
{
	return r->family && r->svc_id == svc_id;
}

static int add_service(struct dp *dp, struct rc_state *actual,
		       const struct svc_view *sv)
{
	const struct xdp_found *f = sv->f;
	struct rc_service *svc = rc_state_add_service(actual, &f->key);
	const char *problem = NULL;
	uint64_t sum = 0;
	uint32_t n = 0;

	if (!svc)
		return -ENOMEM;
	if (f->v.flags & LB_SVC_SRC_HASH)
		svc->flags |= RC_SVC_F_HASH_SRC;
	if (f->v.flags & LB_SVC_ANY_PORT)
		svc->flags |= RC_SVC_F_ANY_PORT;
	svc->owned = true; /* only Ballast writes these maps */
	if (sv->ids->n &&
	    lb_array_reserve((void **)&svc->reals, &svc->cap_reals, 0,
			     sizeof(*svc->reals), sv->ids->n))
		return -ENOMEM;
	for (size_t i = 0; i < sv->ids->n; i++) {
		uint32_t id = sv->ids->id[i];
		const struct lb_real *r = xdp_real(dp, id);
		struct lb_addr a;
		struct rc_real *rr;

		/* Cleared or moved since it was indexed: not this one's. */
		if (!real_of(r, f->v.id))
			continue;
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
		sum += xdp_ring_src_real(id, r);
		n++;
	}
	if (dp->detached)
		problem = "detached";
	else if (!sv->set || !indexed(sv->set, &f->sk, &f->v))
		problem = "unindexed";
	else if (!sv->vip || ((f->v.flags & LB_SVC_ANY_PORT) &&
			      !(sv->vv.flags & LB_VIP_ANY_PORT)))
		problem = "no-vip";
	else if (!ring_ok(dp, sv, n, sum))
		problem = "ring-mismatch";
	snprintf(svc->sched, sizeof(svc->sched), "%s",
		 problem ? problem : "maglev");
	return 0;
}

static uint32_t set_of(const struct dp *dp, const struct lb_svc_key *k)
{
	return lb_hash_svc(k) & (dp->meta.sz.svc_sets - 1);
}

/* A VIP's key and value, to sort and search them as one. */
struct vip_ent {
	struct lb_vip_key k;
	struct lb_vip_val v;
};

static int vip_qcmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct lb_vip_key));
}

/* lb_vips, sorted by key: *out malloc'ed. */
static int vips_read(struct dp *dp, struct vip_ent **out, size_t *n)
{
	struct lb_vip_key *vk = NULL;
	struct lb_vip_val *vv = NULL;
	struct vip_ent *e = NULL;
	size_t nv = 0;
	int err;

	err = xdp_hash_read(dp->fd[XM_VIPS], sizeof(*vk), sizeof(*vv),
			    dp->meta.sz.max_services, (void **)&vk,
			    (void **)&vv, &nv);
	if (!err) {
		e = calloc(nv ? nv : 1, sizeof(*e));
		err = e ? 0 : -ENOMEM;
	}
	for (size_t i = 0; i < nv && !err; i++) {
		e[i].k = vk[i];
		e[i].v = vv[i];
	}
	if (!err && nv)
		qsort(e, nv, sizeof(*e), vip_qcmp);
	free(vk);
	free(vv);
	if (err) {
		free(e);
		return err;
	}
	*out = e;
	*n = nv;
	return 0;
}

/*
 * Every service: the index built afresh (a full read is the truth it is
 * built from), then the sets, VIPs and states in one batch each.
 */
static int read_all(struct dp *dp, struct rc_state *actual)
{
	struct xdp_index *ix = &dp->ix;
	uint32_t n_sets = dp->meta.sz.svc_sets;
	struct lb_svc_state *st = NULL;
	struct lb_svc_set *sets = NULL;
	struct vip_ent *vips = NULL;
	size_t nv = 0;
	int err;

	err = xdp_index_build(dp, &st);
	if (err)
		return err;
	sets = malloc((size_t)n_sets * sizeof(*sets));
	err = sets ? xdp_array_read(dp->fd[XM_SVC_SETS], 0, n_sets,
				    sizeof(*sets), sets)
		   : -ENOMEM;
	if (!err)
		err = vips_read(dp, &vips, &nv);
	if (!err && ix->n_svcs &&
	    lb_array_reserve((void **)&actual->svcs, &actual->cap, actual->n,
			     sizeof(*actual->svcs), ix->n_svcs))
		err = -ENOMEM;
	for (size_t i = 0; i < ix->n_svcs && !err; i++) {
		const struct xdp_found *f = &ix->svcs[i];
		struct vip_ent key = {.k.family = f->sk.family};
		struct svc_view sv = {.f = f,
				      .ids = &ix->reals[f->v.id],
				      .st = &st[f->v.id],
				      .set = &sets[set_of(dp, &f->sk)]};
		const struct vip_ent *hit;

		memcpy(key.k.addr, f->sk.addr, sizeof(key.k.addr));
		hit = nv ? bsearch(&key, vips, nv, sizeof(*vips), vip_qcmp)
			 : NULL;
		if (hit) {
			sv.vip = true;
			sv.vv = hit->v;
		}
		err = add_service(dp, actual, &sv);
	}
	free(st);
	free(sets);
	free(vips);
	return err;
}

/* One named service, looked up in each map: 0, or -errno. */
static int read_one(struct dp *dp, struct rc_state *actual,
		    const struct xdp_found *f, const struct xdp_ids *ids)
{
	struct lb_vip_key vk = {.family = f->sk.family};
	struct svc_view sv = {.f = f, .ids = ids};
	struct lb_svc_state st;
	struct lb_svc_set set;
	uint32_t idx = set_of(dp, &f->sk);

	if (bpf_map_lookup_elem(dp->fd[XM_SVC_STATE], &f->v.id, &st))
		return -errno;
	sv.st = &st;
	if (!bpf_map_lookup_elem(dp->fd[XM_SVC_SETS], &idx, &set))
		sv.set = &set;
	memcpy(vk.addr, f->sk.addr, sizeof(vk.addr));
	sv.vip = !bpf_map_lookup_elem(dp->fd[XM_VIPS], &vk, &sv.vv);
	return add_service(dp, actual, &sv);
}

/*
 * The named services only (sorted[0..n)): each looked up in lb_services,
 * its reals from the index (each read from lb_reals), its state, set and
 * VIP one lookup each. Where the maps disagree with the index (changed
 * behind this handle's back), the index is built again and the services
 * read again.
 */
static int read_some(struct dp *dp, const struct rc_svc_key *sorted, size_t n,
		     struct rc_state *actual)
{
	static const struct xdp_ids none;

	for (int pass = 0; pass < 2; pass++) {
		bool stale = false;
		int err = xdp_index_ready(dp);

		for (size_t i = 0; i < n && !err && !stale; i++) {
			struct xdp_found f = {.key = sorted[i]};
			struct xdp_found *ixf;
			bool there;

			if (i && !rc_svc_key_cmp(&sorted[i - 1], &sorted[i]))
				continue;
			ixf = xdp_index_find(&dp->ix, &sorted[i]);
			there = xdp_service_lookup(dp, &sorted[i], &f.sk, &f.v);
			/* The second time, read what is there. */
			stale = pass == 0 &&
				!xdp_index_agrees(dp, ixf, there ? &f.v : NULL);
			if (there && !stale)
				err = read_one(dp, actual, &f,
					       ixf ? &dp->ix.reals[f.v.id]
						   : &none);
		}
		if (err)
			return err;
		if (!stale) {
			dp->ix.verified = true;
			return 0;
		}
		rc_state_free(actual);
		rc_state_init(actual);
		dp->ix.valid = false;
	}
	return 0;
}

int xdp_read_state(struct dp *dp, const struct rc_svc_key *keys, size_t n,
		   struct rc_state *actual)
{
	struct rc_svc_key *sorted = NULL;
	int err;

	if (!dp->pinned)
		return rc_state_sort(actual);
	if (keys) {
		err = rc_svc_keys_sorted(keys, n, &sorted);
		if (!err)
			err = read_some(dp, sorted, n, actual);
	} else {
		err = read_all(dp, actual);
	}
	if (!err)
		err = rc_state_sort(actual);
	if (err)
		lb_err("xdp: reading the forwarder's maps in %s: %s", dp->dir,
		       strerror(-err));
	free(sorted);
	return err;
}
