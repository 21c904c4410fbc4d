// SPDX-License-Identifier: GPL-2.0-only
/*
 * apply() for the forwarder. The plan is checked against every map's
 * capacity first and refused whole if it cannot fit. Then, so that packets
 * only ever see a service whole:
 *   A. new services get an id and their lb_svc_state; reals are written to
 *      lb_reals (weights, added reals); nothing is reachable yet;
 *   B. each touched service's ring is built with Maglev and published into
 *      its spare slot, then flipped (dp_xdp_ring_publish);
 *   C. new and edited services are written to lb_services / lb_svc_sets
 *      (dp_xdp_service_put) and their VIP to lb_vips, last;
 *   D. removed services leave lb_services, then their VIP; removed reals'
 *      ids are freed only now that no ring names them, and quarantined.
 * A freed real id keeps its old service id and the time its quarantine
 * ends (CLOCK_BOOTTIME seconds + 1 + XDP_REAL_QUARANTINE_S, in its weight
 * field: a deadline rather than the time of removal, so it means the same
 * however early after boot it was written; family 0 makes the entry
 * unusable at once). It is handed to a new real only when no id was ever
 * used or that deadline has passed: by then a flow entry that
 * still names it has, unless its flow was idle that long, been evicted or
 * re-chosen from the ring (a packet finding family 0 or another service id
 * picks again), so a live flow of the removed real does not land on
 * whichever new real gets the id. The one exception is the same backend
 * coming back (its family is kept in flags): it gets its old id at once,
 * since the flows naming it go where they went before (xdp_reuse.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>

#include "dataplane/xdp/maglev.h"
#include "dataplane/xdp/xdp_internal.h"
#include "dataplane/xdp/xdp_maps.h"
#include "dataplane/xdp/xdp_reuse.h"
#include "dataplane/xdp/xdp_rings.h"
#include "lib/array.h"
#include "lib/log.h"

struct a_real {
	struct lb_addr addr;
	uint16_t port;
	uint32_t id;
	bool gone; /* REAL_DEL: freed after the ring flip */
};

struct a_svc {
	struct rc_svc_key key;
	struct lb_svc_key sk;
	struct lb_svc_val v; /* id and the flags to write */
	size_t op;	     /* first op that touches it: errors go there */
	bool added, dirty, rewrite, deleting, failed;
	bool have_rl;	   /* rl holds its reals */
	struct a_real *rl; /* its reals, rl[0..n_sorted) by key */
	size_t n_rl, cap_rl, n_sorted;
};

struct actx {
	struct dp *dp;
	struct xdp_index *ix; /* the tables as this apply changes them */
	const struct rc_plan *plan;
	struct dp_result *res;
	uint8_t *svc_used; /* by service id */
	struct a_svc *svcs;
	size_t n_svcs, cap_svcs;
	struct xdp_ids newly_freed;
	uint32_t now;	   /* CLOCK_BOOTTIME seconds + 1 */
	uint32_t next_svc; /* allocation cursor */
	size_t last;	   /* svcs[last]: what svc_find() found last */
	size_t freed_at;   /* cursor in ix->freed, sorted */
	struct xdp_reuse reuse; /* freed ids by the backend they held */
	size_t reused;		/* ids handed back to their backend */
	int first_err;
};

static uint32_t boot_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint32_t)ts.tv_sec + 1;
}

static int a_svc_cmp(const void *a, const void *b)
{
	return rc_svc_key_cmp(&((const struct a_svc *)a)->key,
			      &((const struct a_svc *)b)->key);
}

static int a_real_cmp(const void *pa, const void *pb)
{
	const struct a_real *a = pa, *b = pb;
	int c = lb_addr_cmp(&a->addr, &b->addr);

	if (c)
		return c;
	return a->port < b->port ? -1 : a->port > b->port;
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void sort_svcs(struct actx *c)
{
	c->last = SIZE_MAX;
	if (c->n_svcs)
		qsort(c->svcs, c->n_svcs, sizeof(*c->svcs), a_svc_cmp);
}

/* A plan's ops come grouped by service: the last one found first. */
static struct a_svc *svc_find(struct actx *c, const struct rc_svc_key *k)
{
	struct a_svc key = {.key = *k}, *s;

	if (c->last < c->n_svcs && !rc_svc_key_cmp(&c->svcs[c->last].key, k))
		return &c->svcs[c->last];
	if (!c->n_svcs)
		return NULL;
	s = bsearch(&key, c->svcs, c->n_svcs, sizeof(key), a_svc_cmp);
	if (s)
		c->last = (size_t)(s - c->svcs);
	return s;
}

static int push_real(struct a_svc *s, const struct a_real *r)
{
	if (lb_array_reserve((void **)&s->rl, &s->cap_rl, s->n_rl,
			     sizeof(*s->rl), 16))
		return -ENOMEM;
	s->rl[s->n_rl++] = *r;
	return 0;
}

/* The service's reals as the index has them, by key: when first needed. */
static int svc_reals(struct actx *c, struct a_svc *s)
{
	const struct xdp_ids *ids = &c->ix->reals[s->v.id];
	int err = 0;

	if (s->have_rl)
		return 0;
	s->have_rl = true;
	if (s->added)
		return 0; /* its id's list is empty: nothing names it yet */
	for (size_t i = 0; i < ids->n && !err; i++) {
		const struct lb_real *r = xdp_real(c->dp, ids->id[i]);
		struct a_real a = {.id = ids->id[i], .port = ntohs(r->port)};

		xdp_addr_from_bpf(&a.addr, r->family, r->addr);
		err = push_real(s, &a);
	}
	if (s->n_rl > 1)
		qsort(s->rl, s->n_rl, sizeof(*s->rl), a_real_cmp);
	s->n_sorted = s->n_rl;
	return err;
}

static struct a_real *real_find(struct a_svc *s, const struct rc_real *r)
{
	struct a_real key = {.addr = r->addr, .port = r->port};

	if (!s->n_sorted)
		return NULL;
	return bsearch(&key, s->rl, s->n_sorted, sizeof(key), a_real_cmp);
}

static bool real_id_free(const struct actx *c, uint32_t id)
{
	const struct lb_real *r = xdp_real(c->dp, id);

	if (r->family)
		return false;
	return !r->weight || c->now >= r->weight;
}

static void op_fail(struct actx *c, size_t op, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void op_fail(struct actx *c, size_t op, int err, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	lb_err("xdp: %s", msg);
	if (op >= c->res->n || c->res->err[op])
		return;
	c->res->err[op] = err;
	if (c->res->detail && !c->res->detail[op])
		c->res->detail[op] = strdup(msg);
	if (!c->first_err)
		c->first_err = err;
}

static const char *key_str(const struct rc_svc_key *k, char *buf, size_t n)
{
	return rc_svc_key_fmt(k, buf, n);
}

static int push_svc(struct actx *c, const struct a_svc *s)
{
	if (lb_array_reserve((void **)&c->svcs, &c->cap_svcs, c->n_svcs,
			     sizeof(*c->svcs), 64))
		return -ENOMEM;
	c->svcs[c->n_svcs++] = *s;
	return 0;
}

/*
 * The index, at this generation, and right about every service the plan
 * touches (a read just before checked it, or lb_services and lb_reals are
 * asked here, once a service: its ops come together); otherwise built
 * again from the maps.
 */
static int index_for(struct actx *c)
{
	struct dp *dp = c->dp;
	int err = xdp_index_ready(dp);

	if (err || dp->ix.verified)
		return err;
	for (size_t i = 0; i < c->plan->n; i++) {
		const struct rc_svc_key *k = &c->plan->ops[i].svc->key;
		struct lb_svc_key sk;
		struct lb_svc_val v;
		bool there;

		if (i && !rc_svc_key_cmp(&c->plan->ops[i - 1].svc->key, k))
			continue;
		there = xdp_service_lookup(dp, k, &sk, &v);
		if (!xdp_index_agrees(dp, xdp_index_find(&dp->ix, k),
				      there ? &v : NULL))
			return xdp_index_build(dp, NULL);
	}
	return 0;
}

/* The services as indexed, to change. */
static int load(struct actx *c)
{
	struct xdp_index *ix = c->ix;

	c->svc_used = calloc((size_t)c->dp->meta.sz.max_services + 1, 1);
	if (!c->svc_used)
		return -ENOMEM;
	for (size_t i = 0; i < ix->n_svcs; i++) {
		const struct xdp_found *f = &ix->svcs[i];
		struct a_svc s = {
		    .key = f->key, .sk = f->sk, .v = f->v, .op = SIZE_MAX};

		c->svc_used[f->v.id] = 1;
		if (push_svc(c, &s))
			return -ENOMEM;
	}
	c->next_svc = 1;
	return 0;
}

/* Refuse a plan that cannot fit, before anything is written. */
static int check_capacity(struct actx *c)
{
	const struct dp_xdp_sizing *sz = &c->dp->meta.sz;
	const struct xdp_index *ix = c->ix;
	size_t svc_add = 0, real_add = 0, free_ids, held = 0, reusable = 0;
	uint64_t ring_add = 0;
	char msg[512] = "";
	int err = 0;

	for (size_t i = 0; i < c->plan->n; i++) {
		const struct rc_op *op = &c->plan->ops[i];

		svc_add += op->kind == RC_OP_SVC_ADD;
		real_add += op->kind == RC_OP_REAL_ADD;
		/* A new service's first ring; growing ones are checked later.
		 */
		if (op->kind == RC_OP_SVC_ADD)
			ring_add += lb_ring_size_for(
			    (uint32_t)(op->svc->n_reals < UINT32_MAX
					   ? op->svc->n_reals
					   : UINT32_MAX),
			    sz->ring_size);
	}
	free_ids = ix->fresh.n - ix->fresh_at;
	/* Only a plan that adds reals allocates ids. */
	if (real_add && ix->freed.n) {
		/* the allocator takes expired ids lowest first */
		qsort(ix->freed.id, ix->freed.n, sizeof(*ix->freed.id),
		      u32_cmp);
		if (xdp_reuse_build(&c->reuse, c->dp, &ix->freed))
			return -ENOMEM;
	}
	/* A backend added back while its old id is held takes that id. */
	for (size_t i = 0; real_add && i < c->plan->n; i++) {
		const struct rc_op *op = &c->plan->ops[i];
		size_t at;
		uint32_t id;

		if (op->kind != RC_OP_REAL_ADD)
			continue;
		id = xdp_reuse_take(&c->reuse, op->real, &at);
		if (id && !real_id_free(c, id))
			reusable++;
	}
	xdp_reuse_untake(&c->reuse);
	/*
	 * Freed ids count only once the never-used ones run short: a plan
	 * that fits in those (every plan that adds no real) does not walk
	 * them.
	 */
	for (size_t i = 0; real_add > free_ids + reusable && i < ix->freed.n;
	     i++) {
		if (!ix->freed.id[i])
			continue; /* taken by this apply */
		if (real_id_free(c, ix->freed.id[i]))
			free_ids++;
		else if (!xdp_real(c->dp, ix->freed.id[i])->family)
			held++;
	}
	if (c->n_svcs + svc_add > sz->max_services) {
		snprintf(
		    msg, sizeof(msg),
		    "the plan needs %zu services at once (%zu present, %zu "
		    "added before any removal); the forwarder holds %u: "
		    "raise dataplane.xdp.max_services",
		    c->n_svcs + svc_add, c->n_svcs, svc_add, sz->max_services);
		err = -ENOSPC;
	} else if (real_add > free_ids + reusable) {
		snprintf(msg, sizeof(msg),
			 "the plan adds %zu reals but only %zu of the "
			 "forwarder's %u real slots are free (%zu removed "
			 "reals are held for %us so their flows cannot land on "
			 "a new real); raise dataplane.xdp.max_reals",
			 real_add, free_ids, sz->max_reals, held,
			 XDP_REAL_QUARANTINE_S);
		err = -ENOSPC;
	} else if (ix->pool.taken + ring_add > ix->pool.entries) {
		snprintf(
		    msg, sizeof(msg),
		    "the plan's new services need %llu ring entries but "
		    "only %llu of the ring pool's %u are free (8 bytes "
		    "an entry, %u entries a real up to "
		    "dataplane.xdp.ring_size); raise "
		    "dataplane.xdp.ring_memory",
		    (unsigned long long)ring_add,
		    (unsigned long long)(ix->pool.entries - ix->pool.taken),
		    ix->pool.entries, LB_RING_PER_REAL);
		err = -ENOSPC;
	}
	if (!err)
		return 0;
	lb_err("xdp: %s; nothing was changed", msg);
	for (size_t i = 0; i < c->plan->n; i++) {
		c->res->err[i] = err;
		if (c->res->detail)
			c->res->detail[i] = strdup(msg);
	}
	c->res->n_failed = c->plan->n;
	return err;
}

static uint32_t alloc_svc_id(struct actx *c)
{
	for (; c->next_svc <= c->dp->meta.sz.max_services; c->next_svc++)
		if (!c->svc_used[c->next_svc]) {
			c->svc_used[c->next_svc] = 1;
			return c->next_svc++;
		}
	return 0;
}

/*
 * The id this backend held if it is still held for it (xdp_reuse.h), then
 * never-used ids (lowest first), then expired quarantines.
 */
static uint32_t alloc_real_id(struct actx *c, const struct rc_real *want)
{
	struct xdp_index *ix = c->ix;
	size_t at;
	uint32_t id = xdp_reuse_take(&c->reuse, want, &at);

	if (id) {
		ix->freed.id[at] = 0; /* taken */
		c->reused++;
		return id;
	}
	if (ix->fresh_at < ix->fresh.n)
		return ix->fresh.id[ix->fresh_at++];
	/* check_capacity() sorted ix->freed (before indexing it by backend) */
	for (; c->freed_at < ix->freed.n; c->freed_at++) {
		id = ix->freed.id[c->freed_at];
		if (id && real_id_free(c, id)) {
			ix->freed.id[c->freed_at++] = 0; /* taken */
			return id;
		}
	}
	return 0;
}

static uint32_t svc_flags(const struct rc_service *s, bool default_nat)
{
	uint32_t f = 0;

	if (s->flags & RC_SVC_F_HASH_SRC)
		f |= LB_SVC_SRC_HASH;
	if (s->flags & RC_SVC_F_ANY_PORT)
		f |= LB_SVC_ANY_PORT;
	/* One forwarding method per service: its reals all share it. */
	if (s->n_reals ? s->reals[0].fwd == RC_FWD_MASQ : default_nat)
		f |= LB_SVC_NAT;
	return f;
}

static int write_state(struct actx *c, const struct a_svc *s)
{
	struct lb_svc_state st = {0};
	int fd = c->dp->fd[XM_SVC_STATE];

	if (bpf_map_lookup_elem(fd, &s->v.id, &st))
		return -errno;
	st.flags = s->v.flags;
	return bpf_map_update_elem(fd, &s->v.id, &st, BPF_ANY) ? -errno : 0;
}

/*
 * Write a real into lb_reals through the mapping. A live entry of this
 * service and key only changes weight (one aligned store). An id being
 * (re)used has family 0, which the packet path refuses: everything else
 * is written first, the family last.
 */
static void set_real(struct actx *c, uint32_t id, uint32_t svc_id,
		     const struct rc_real *r)
{
	struct lb_real *lr = xdp_real(c->dp, id);

	if (lr->family) {
		__atomic_store_n(&lr->weight, r->weight, __ATOMIC_RELAXED);
		return;
	}
	xdp_addr_to_bpf(&r->addr, lr->addr);
	lr->port = htons(r->port);
	lr->flags = 0;
	lr->svc_id = svc_id;
	lr->weight = r->weight;
	__atomic_store_n(&lr->family, (uint8_t)r->addr.family,
			 __ATOMIC_RELEASE);
}

/* Phase A for one op. */
static void stage(struct actx *c, size_t i)
{
	const struct rc_op *op = &c->plan->ops[i];
	const struct rc_service *svc = op->svc;
	char kb[128];
	struct a_svc *s = svc_find(c, &svc->key);
	struct a_real *ar;
	uint32_t id;
	int err;

	/* Formatting the key costs more than staging a real: on failure. */
	if (!s) {
		op_fail(c, i, -ENOENT, "%s: no such service in the forwarder",
			key_str(&svc->key, kb, sizeof(kb)));
		return;
	}
	if (s->op == SIZE_MAX)
		s->op = i;
	if (s->failed)
		return;
	if (op->kind == RC_OP_SVC_EDIT || op->kind == RC_OP_REAL_ADD ||
	    op->kind == RC_OP_REAL_EDIT) {
		/* A forwarding change shows as edits of every real. */
		uint32_t fl = svc_flags(svc, c->dp->default_nat);

		if (fl != s->v.flags || op->kind == RC_OP_SVC_EDIT) {
			s->v.flags = fl;
			s->dirty = s->rewrite = true;
			err = write_state(c, s);
			if (err) {
				s->failed = true;
				op_fail(c, i, err, "%s: %s",
					key_str(&svc->key, kb, sizeof(kb)),
					strerror(-err));
				return;
			}
		}
	}
	switch (op->kind) {
	case RC_OP_SVC_ADD:
		return; /* staged before the others */
	case RC_OP_SVC_EDIT:
		err = 0;
		break;
	case RC_OP_REAL_ADD:
	case RC_OP_REAL_EDIT:
		s->dirty = true;
		err = svc_reals(c, s);
		if (err)
			break;
		ar = real_find(s, op->real);
		if (ar) {
			ar->gone = false;
			set_real(c, ar->id, s->v.id, op->real);
			break;
		}
		if (op->kind == RC_OP_REAL_EDIT) {
			err = -ENOENT;
			break;
		}
		id = alloc_real_id(c, op->real);
		if (!id) {
			err = -ENOSPC;
			break;
		}
		set_real(c, id, s->v.id, op->real);
		err = push_real(s, &(struct a_real){.addr = op->real->addr,
						    .port = op->real->port,
						    .id = id});
		break;
	case RC_OP_REAL_DEL:
		s->dirty = true;
		err = svc_reals(c, s);
		ar = err ? NULL : real_find(s, op->real);
		if (ar)
			ar->gone = true;
		break;
	case RC_OP_SVC_DEL:
		s->deleting = true;
		err = 0;
		break;
	default:
		err = -EINVAL;
	}
	if (err) {
		s->failed = true;
		op_fail(c, i, err, "%s: %s failed: %s",
			key_str(&svc->key, kb, sizeof(kb)),
			rc_op_kind_name(op->kind), strerror(-err));
	}
}

/* New services first, so every other op finds its service by key. */
static int stage_adds(struct actx *c)
{
	size_t n0 = c->n_svcs;

	for (size_t i = 0; i < c->plan->n; i++) {
		const struct rc_op *op = &c->plan->ops[i];
		struct a_svc s = {.key = op->svc->key,
				  .op = i,
				  .added = true,
				  .dirty = true,
				  .rewrite = true};
		char kb[128];
		int err;

		if (op->kind != RC_OP_SVC_ADD)
			continue;
		xdp_svc_from_key(&s.sk, &op->svc->key);
		s.v.flags = svc_flags(op->svc, c->dp->default_nat);
		s.v.id = alloc_svc_id(c);
		err = s.v.id ? 0 : -ENOSPC;
		if (!err) {
			struct lb_svc_state st = {.flags = s.v.flags};

			if (bpf_map_update_elem(c->dp->fd[XM_SVC_STATE],
						&s.v.id, &st, BPF_ANY))
				err = -errno;
		}
		if (!err)
			err = push_svc(c, &s);
		if (err == -ENOMEM)
			return err;
		if (err)
			op_fail(c, i, err, "%s: cannot add: %s",
				key_str(&op->svc->key, kb, sizeof(kb)),
				strerror(-err));
	}
	if (c->n_svcs != n0)
		sort_svcs(c);
	return 0;
}

/* Phase B: build and publish the ring of every touched service. */
static void publish(struct actx *c, struct a_svc *s, uint32_t *table,
		    struct dp_maglev_real **mr, size_t *cap_mr)
{
	uint32_t max_m = c->dp->meta.sz.ring_size, m, base = 0;
	struct lb_svc_state st;
	uint64_t src = 0;
	size_t n = 0;
	char kb[128];
	int err;

	err = svc_reals(c, s);
	if (!err && s->n_rl > *cap_mr) {
		void *p = realloc(*mr, s->n_rl * sizeof(**mr));

		err = p ? 0 : -ENOMEM;
		if (p) {
			*mr = p;
			*cap_mr = s->n_rl;
		}
	}
	for (size_t i = 0; i < s->n_rl && !err; i++) {
		const struct a_real *r = &s->rl[i];
		const struct lb_real *lr = xdp_real(c->dp, r->id);

		if (r->gone)
			continue;
		(*mr)[n].addr = r->addr;
		(*mr)[n].port = r->port;
		(*mr)[n].id = r->id;
		(*mr)[n].weight = lr->weight;
		src += xdp_ring_src_real(r->id, lr);
		n++;
	}
	if (!err && bpf_map_lookup_elem(c->dp->fd[XM_SVC_STATE], &s->v.id, &st))
		err = -errno;
	if (err)
		goto fail;
	/* Sized for its reals; kept while that still holds (lib/ring_size.h).
	 */
	m = st.size[st.ring_slot & 1];
	if (!lb_ring_size_keep(m, (uint32_t)n, max_m))
		m = lb_ring_size_for((uint32_t)n, max_m);
	err = xdp_pool_spare(&c->ix->pool, &st, m, &base);
	if (err == -ENOSPC) {
		s->failed = true;
		op_fail(
		    c, s->op, err,
		    "%s: cannot publish its ring: the ring pool "
		    "(dataplane.xdp.ring_memory, %llu MiB) has no %u free "
		    "entries in a row; raise dataplane.xdp.ring_memory",
		    key_str(&s->key, kb, sizeof(kb)),
		    (unsigned long long)((uint64_t)c->ix->pool.entries * 8 >>
					 20),
		    m);
		return;
	}
	if (!err)
		err = dp_maglev_build(*mr, n, m, table);
	/*
	 * The spare ring, then svc_meta's note of it (before the flip: killed
	 * between the two, the active ring's checksum fails and is redone),
	 * then the flip.
	 */
	if (!err)
		xdp_ring_note_mapped(
		    c->dp, s->v.id, xdp_ring_src(m, src),
		    xdp_ring_write(c->dp->rings, base, table, m));
	if (!err)
		err = dp_xdp_ring_flip(c->dp->fd[XM_SVC_STATE], s->v.id, &st,
				       base, m);
fail:
	if (err) {
		s->failed = true;
		op_fail(c, s->op, err, "%s: cannot publish its ring: %s",
			key_str(&s->key, kb, sizeof(kb)), strerror(-err));
	}
}

/* Does this service keep its address's VIP? */
static bool holds_vip(const struct a_svc *o)
{
	return !(o->deleting && !o->failed) && !(o->added && o->failed);
}

/* lb_vips flags for an address: the union over its remaining services. */
static int vip_sync(struct actx *c, const struct a_svc *s)
{
	struct lb_vip_key vk = {.family = s->sk.family};
	struct lb_vip_val old = {0}, v = {0};
	size_t lo = 0, hi = c->n_svcs;
	bool any = false, had;
	int fd = c->dp->fd[XM_VIPS], err;

	memcpy(vk.addr, s->sk.addr, sizeof(vk.addr));
	/* Services sort by address first: its services are one run. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (lb_addr_cmp(&c->svcs[mid].key.addr, &s->key.addr) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < c->n_svcs; i++) {
		const struct a_svc *o = &c->svcs[i];

		if (lb_addr_cmp(&o->key.addr, &s->key.addr))
			break;
		if (!holds_vip(o))
			continue;
		any = true;
		if (o->v.flags & LB_SVC_ANY_PORT)
			v.flags |= LB_VIP_ANY_PORT;
	}
	had = !bpf_map_lookup_elem(fd, &vk, &old);
	if (!any) {
		if (!had)
			return 0;
		if (bpf_map_delete_elem(fd, &vk))
			return -errno;
		return dp_xdp_vip_filter_adjust(c->dp->fd[XM_VIP_FILTER],
						vk.addr, -1);
	}
	if (had && old.flags == v.flags)
		return 0;
	if (bpf_map_update_elem(fd, &vk, &v, BPF_ANY))
		return -errno;
	if (had)
		return 0;
	err = dp_xdp_vip_filter_adjust(c->dp->fd[XM_VIP_FILTER], vk.addr, 1);
	return err;
}

static uint32_t svc_mask(const struct actx *c)
{
	return c->dp->meta.sz.svc_sets - 1;
}

/* Phase C: make new and edited services reachable. */
static void expose(struct actx *c, struct a_svc *s)
{
	char kb[128];
	int err;

	err = dp_xdp_service_put(c->dp->fd[XM_SERVICES], c->dp->fd[XM_SVC_SETS],
				 svc_mask(c), &s->sk, &s->v);
	if (!err)
		err = vip_sync(c, s);
	if (err) {
		s->failed = true;
		op_fail(c, s->op, err, "%s: cannot write the service: %s",
			key_str(&s->key, kb, sizeof(kb)), strerror(-err));
	}
}

/*
 * Free a real id: the end of its quarantine into the weight (which the
 * packet path does not read), then family 0, which makes it unusable; its
 * old service id stays. In that order, a process killed between the two
 * leaves a live real the next pass removes, never a free id whose
 * quarantine is already over.
 */
static void free_real(struct actx *c, uint32_t id)
{
	struct lb_real *r = xdp_real(c->dp, id);

	__atomic_store_n(&r->weight, c->now + XDP_REAL_QUARANTINE_S,
			 __ATOMIC_RELAXED);
	/* which backend it held, so the same one can have it back */
	__atomic_store_n(&r->flags, r->family, __ATOMIC_RELAXED);
	__atomic_store_n(&r->family, 0, __ATOMIC_RELEASE);
	if (xdp_ids_push(&c->newly_freed, id))
		c->ix->valid = false; /* it still lists it: index again */
}

/*
 * A removed service's extents back to the pool: the next apply may hand
 * them to another ring (a packet that still read the old state finds
 * another service's reals there and drops: Docs/XDP.md, "Reuse").
 */
static void ring_give(struct actx *c, uint32_t svc_id)
{
	struct lb_svc_state st;

	if (bpf_map_lookup_elem(c->dp->fd[XM_SVC_STATE], &svc_id, &st)) {
		c->ix->valid = false; /* the pool is built again */
		return;
	}
	for (int i = 0; i < LB_RING_SLOTS; i++)
		if (st.size[i])
			xdp_pool_give(&c->ix->pool, st.base[i]);
}

/* Phase D: removed services leave, then the ids nothing names any more. */
static void retire(struct actx *c)
{
	struct xdp_index *ix = c->ix;
	char kb[128];
	int err;

	for (size_t i = 0; i < c->n_svcs; i++) {
		struct a_svc *s = &c->svcs[i];

		if (!s->deleting || s->failed)
			continue;
		err = dp_xdp_service_del(c->dp->fd[XM_SERVICES],
					 c->dp->fd[XM_SVC_SETS], svc_mask(c),
					 &s->sk);
		if (!err)
			err = vip_sync(c, s);
		if (err) {
			s->failed = true;
			op_fail(c, s->op, err, "%s: cannot remove: %s",
				key_str(&s->key, kb, sizeof(kb)),
				strerror(-err));
			continue;
		}
		c->svc_used[s->v.id] = 0;
		ring_give(c, s->v.id);
		/* Reals of a removed service go with it. */
		for (size_t j = 0; j < ix->reals[s->v.id].n; j++)
			free_real(c, ix->reals[s->v.id].id[j]);
		ix->reals[s->v.id].n = 0;
	}
	for (size_t i = 0; i < c->n_svcs; i++) {
		struct a_svc *s = &c->svcs[i];

		for (size_t j = 0; j < s->n_rl && !s->deleting; j++)
			if (s->rl[j].gone && !s->failed)
				free_real(c, s->rl[j].id);
	}
	/* Reals whose service was deleted by hand. */
	for (size_t i = 0; i < ix->orphans.n; i++)
		free_real(c, ix->orphans.id[i]);
	ix->orphans.n = 0;
}

/*
 * What this apply wrote, into the index: the services that remain, each
 * touched service's reals, the ids freed and taken. Any failure, and the
 * index is built again from the maps next time.
 */
static int index_update(struct actx *c)
{
	struct xdp_index *ix = c->ix;
	struct xdp_found *f;
	size_t n = 0, k = 0;

	if (c->first_err)
		return -EAGAIN;
	f = calloc(c->n_svcs ? c->n_svcs : 1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	for (size_t i = 0; i < c->n_svcs; i++) {
		struct a_svc *s = &c->svcs[i];
		struct xdp_ids *ids = &ix->reals[s->v.id];

		if (s->deleting)
			continue;
		f[n].key = s->key;
		f[n].sk = s->sk;
		f[n].v = s->v;
		n++;
		if (!s->have_rl)
			continue;
		ids->n = 0;
		for (size_t j = 0; j < s->n_rl; j++)
			if (!s->rl[j].gone && xdp_ids_push(ids, s->rl[j].id)) {
				free(f);
				return -ENOMEM;
			}
	}
	free(ix->svcs);
	ix->svcs = f;
	ix->n_svcs = n;
	ix->cap_svcs = c->n_svcs;
	/* Freed ids: those taken now out, those freed now in. */
	for (size_t i = 0; i < ix->freed.n; i++)
		if (ix->freed.id[i])
			ix->freed.id[k++] = ix->freed.id[i];
	ix->freed.n = k;
	for (size_t i = 0; i < c->newly_freed.n; i++)
		if (xdp_ids_push(&ix->freed, c->newly_freed.id[i]))
			return -ENOMEM;
	ix->verified = false;
	return 0;
}

static void tally(struct actx *c)
{
	struct dp_result *res = c->res;

	res->n_ok = res->n_failed = 0;
	for (size_t i = 0; i < res->n; i++) {
		if (res->err[i])
			res->n_failed++;
		else
			res->n_ok++;
	}
}

int xdp_apply_plan(struct dp *dp, const struct rc_plan *plan,
		   struct dp_result *res)
{
	struct actx c = {.dp = dp,
			 .ix = &dp->ix,
			 .plan = plan,
			 .res = res,
			 .last = SIZE_MAX};
	struct dp_maglev_real *mr = NULL;
	size_t cap_mr = 0;
	uint32_t *table = NULL;
	int err;

	c.now = boot_seconds();
	err = index_for(&c);
	if (!err)
		err = load(&c);
	if (!err)
		err = check_capacity(&c);
	if (err)
		goto out;
	/* Before the first write: other handles' indexes are now stale. */
	xdp_gen_bump(dp);
	err = stage_adds(&c);
	if (err)
		goto out;
	for (size_t i = 0; i < plan->n; i++)
		stage(&c, i);
	table = calloc(dp->meta.sz.ring_size, sizeof(*table));
	if (!table) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < c.n_svcs; i++)
		if (c.svcs[i].dirty && !c.svcs[i].deleting && !c.svcs[i].failed)
			publish(&c, &c.svcs[i], table, &mr, &cap_mr);
	for (size_t i = 0; i < c.n_svcs; i++)
		if (c.svcs[i].rewrite && !c.svcs[i].deleting &&
		    !c.svcs[i].failed)
			expose(&c, &c.svcs[i]);
	retire(&c);
	tally(&c);
	err = c.first_err;
	if (index_update(&c))
		dp->ix.valid = false;
out:
	if (err && !c.first_err && res->n && !res->n_failed) {
		for (size_t i = 0; i < res->n; i++)
			res->err[i] = err;
		res->n_failed = res->n;
	}
	/* Whatever was half-done: the index is built again next time. */
	if (err && err != -ENOSPC)
		dp->ix.valid = false;
	free(table);
	free(mr);
	for (size_t i = 0; i < c.n_svcs; i++)
		free(c.svcs[i].rl);
	free(c.svcs);
	free(c.svc_used);
	free(c.newly_freed.id);
	xdp_reuse_free(&c.reuse);
	return err;
}
