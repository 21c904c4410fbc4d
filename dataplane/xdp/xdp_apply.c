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
 * whichever new real gets the id.
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
#include "dataplane/xdp/xdp_rings.h"
#include "lib/array.h"
#include "lib/log.h"

struct a_svc {
	struct rc_svc_key key;
	struct lb_svc_key sk;
	struct lb_svc_val v; /* id and the flags to write */
	size_t op;	     /* first op that touches it: errors go there */
	bool added, dirty, rewrite, deleting, failed;
};

struct a_real {
	uint32_t svc_id;
	struct lb_addr addr;
	uint16_t port;
	uint32_t id;
	bool gone; /* REAL_DEL: freed after the ring flip */
};

struct actx {
	struct dp *dp;
	const struct rc_plan *plan;
	struct dp_result *res;
	struct lb_real *reals; /* lb_reals as read, kept as written */
	uint8_t *svc_used;     /* by service id */
	struct a_svc *svcs;
	size_t n_svcs, cap_svcs;
	struct a_real *rl;
	size_t n_rl, cap_rl, n_sorted_rl; /* rl[0..n_sorted_rl) is sorted */
	uint32_t now;			  /* CLOCK_BOOTTIME seconds + 1 */
	uint32_t next_svc, next_real, next_freed; /* allocation cursors */
	struct xdp_pool pool; /* lb_rings' extents, from the services' states */
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
	int c;

	if (a->svc_id != b->svc_id)
		return a->svc_id < b->svc_id ? -1 : 1;
	c = lb_addr_cmp(&a->addr, &b->addr);
	if (c)
		return c;
	return a->port < b->port ? -1 : a->port > b->port;
}

/* Services by key, reals by (service, key); qsort wants non-NULL arrays. */
static void sort_all(struct actx *c)
{
	if (c->n_svcs)
		qsort(c->svcs, c->n_svcs, sizeof(*c->svcs), a_svc_cmp);
	if (c->n_rl)
		qsort(c->rl, c->n_rl, sizeof(*c->rl), a_real_cmp);
}

static struct a_svc *svc_find(struct actx *c, const struct rc_svc_key *k)
{
	struct a_svc key = {.key = *k};

	if (!c->n_svcs)
		return NULL;
	return bsearch(&key, c->svcs, c->n_svcs, sizeof(key), a_svc_cmp);
}

static struct a_real *real_find(struct actx *c, uint32_t svc_id,
				const struct rc_real *r)
{
	struct a_real key = {
	    .svc_id = svc_id, .addr = r->addr, .port = r->port};

	if (!c->n_sorted_rl)
		return NULL;
	return bsearch(&key, c->rl, c->n_sorted_rl, sizeof(key), a_real_cmp);
}

static bool real_id_free(const struct actx *c, uint32_t id)
{
	const struct lb_real *r = &c->reals[id];

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

static int push_real(struct actx *c, const struct a_real *r)
{
	if (lb_array_reserve((void **)&c->rl, &c->cap_rl, c->n_rl, sizeof(*c->rl),
			  256))
		return -ENOMEM;
	c->rl[c->n_rl++] = *r;
	return 0;
}

/* What is pinned now: services, ids in use, reals by (service, key). */
/*
 * What lb_rings holds: the extents the services in use point at. A state
 * whose extents overlap another's or leave the pool is corrupt: read-back
 * reports its ring, and the repair publishes it into a fresh extent.
 */
static int pool_build(struct actx *c)
{
	uint32_t max_s = c->dp->meta.sz.max_services;
	struct lb_svc_state *st = calloc((size_t)max_s + 1, sizeof(*st));
	int err;

	xdp_pool_init(&c->pool, c->dp->meta.sz.ring_entries);
	if (!st)
		return -ENOMEM;
	err = xdp_array_read(c->dp->fd[XM_SVC_STATE], 0, max_s + 1, sizeof(*st),
			     st);
	for (uint32_t id = 1; id <= max_s && !err; id++) {
		if (!c->svc_used[id])
			continue;
		err = xdp_pool_add_state(&c->pool, &st[id]);
		if (err == -EUCLEAN) {
			lb_warn("xdp: service id %u's rings overlap another's "
				"or leave lb_rings; its ring is rebuilt when "
				"repaired",
				id);
			err = 0;
		}
	}
	free(st);
	return err;
}

static int scan(struct actx *c)
{
	struct dp *dp = c->dp;
	uint32_t max_s = dp->meta.sz.max_services,
		 max_r = dp->meta.sz.max_reals;
	struct xdp_found *f = NULL;
	size_t nf = 0;
	int err;

	c->reals = calloc((size_t)max_r + 1, sizeof(*c->reals));
	c->svc_used = calloc((size_t)max_s + 1, 1);
	if (!c->reals || !c->svc_used)
		return -ENOMEM;
	err = xdp_scan_services(dp, NULL, 0, &f, &nf);
	if (!err)
		err = xdp_array_read(dp->fd[XM_REALS], 0, max_r + 1,
				     sizeof(*c->reals), c->reals);
	for (size_t i = 0; i < nf && !err; i++) {
		struct a_svc s = {.key = f[i].key,
				  .sk = f[i].sk,
				  .v = f[i].v,
				  .op = SIZE_MAX};

		c->svc_used[f[i].v.id] = 1;
		err = push_svc(c, &s);
	}
	free(f);
	for (uint32_t id = 1; id <= max_r && !err; id++) {
		const struct lb_real *r = &c->reals[id];
		struct a_real a = {
		    .svc_id = r->svc_id, .id = id, .port = ntohs(r->port)};

		if (!r->family)
			continue;
		xdp_addr_from_bpf(&a.addr, r->family, r->addr);
		/* A real whose service is gone (deleted by hand): freed. */
		a.gone = r->svc_id > max_s || !c->svc_used[r->svc_id];
		err = push_real(c, &a);
	}
	if (!err)
		err = pool_build(c);
	if (err)
		return err;
	sort_all(c);
	c->n_sorted_rl = c->n_rl;
	c->next_svc = 1;
	c->next_real = 1;
	c->next_freed = 1;
	return 0;
}

/* Refuse a plan that cannot fit, before anything is written. */
static int check_capacity(struct actx *c)
{
	const struct dp_xdp_sizing *sz = &c->dp->meta.sz;
	size_t svc_add = 0, real_add = 0, free_ids = 0, held = 0;
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
	for (uint32_t id = 1; id <= sz->max_reals; id++) {
		if (real_id_free(c, id))
			free_ids++;
		else if (!c->reals[id].family)
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
	} else if (real_add > free_ids) {
		snprintf(msg, sizeof(msg),
			 "the plan adds %zu reals but only %zu of the "
			 "forwarder's %u real slots are free (%zu removed "
			 "reals are held for %us so their flows cannot land on "
			 "a new real); raise dataplane.xdp.max_reals",
			 real_add, free_ids, sz->max_reals, held,
			 XDP_REAL_QUARANTINE_S);
		err = -ENOSPC;
	} else if (c->pool.taken + ring_add > c->pool.entries) {
		snprintf(msg, sizeof(msg),
			 "the plan's new services need %llu ring entries but "
			 "only %llu of the ring pool's %u are free (8 bytes "
			 "an entry, %u entries a real up to "
			 "dataplane.xdp.ring_size); raise "
			 "dataplane.xdp.ring_memory",
			 (unsigned long long)ring_add,
			 (unsigned long long)(c->pool.entries - c->pool.taken),
			 c->pool.entries, LB_RING_PER_REAL);
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

/* Never-used ids first (cheap to find), then expired quarantines. */
static uint32_t alloc_real_id(struct actx *c)
{
	uint32_t max_r = c->dp->meta.sz.max_reals;

	for (uint32_t id = c->next_real; id <= max_r; id++) {
		const struct lb_real *r = &c->reals[id];

		if (!r->family && !r->weight) {
			c->next_real = id + 1;
			return id;
		}
	}
	c->next_real = max_r + 1;
	for (uint32_t id = c->next_freed; id <= max_r; id++) {
		if (real_id_free(c, id)) {
			c->next_freed = id + 1;
			return id;
		}
	}
	c->next_freed = max_r + 1;
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

static int write_real(struct actx *c, uint32_t id)
{
	return bpf_map_update_elem(c->dp->fd[XM_REALS], &id, &c->reals[id],
				   BPF_ANY)
		   ? -errno
		   : 0;
}

static void set_real(struct actx *c, uint32_t id, uint32_t svc_id,
		     const struct rc_real *r)
{
	struct lb_real *lr = &c->reals[id];

	memset(lr, 0, sizeof(*lr));
	xdp_addr_to_bpf(&r->addr, lr->addr);
	lr->port = htons(r->port);
	lr->family = r->addr.family;
	lr->svc_id = svc_id;
	lr->weight = r->weight;
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

	key_str(&svc->key, kb, sizeof(kb));
	if (!s) {
		op_fail(c, i, -ENOENT, "%s: no such service in the forwarder",
			kb);
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
				op_fail(c, i, err, "%s: %s", kb,
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
		ar = real_find(c, s->v.id, op->real);
		if (ar) {
			ar->gone = false;
			set_real(c, ar->id, s->v.id, op->real);
			err = write_real(c, ar->id);
			break;
		}
		if (op->kind == RC_OP_REAL_EDIT) {
			err = -ENOENT;
			break;
		}
		id = alloc_real_id(c);
		if (!id) {
			err = -ENOSPC;
			break;
		}
		set_real(c, id, s->v.id, op->real);
		err = write_real(c, id);
		if (!err) {
			struct a_real a = {.svc_id = s->v.id,
					   .addr = op->real->addr,
					   .port = op->real->port,
					   .id = id};

			err = push_real(c, &a);
		}
		break;
	case RC_OP_REAL_DEL:
		s->dirty = true;
		ar = real_find(c, s->v.id, op->real);
		if (ar)
			ar->gone = true;
		err = 0;
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
		op_fail(c, i, err, "%s: %s failed: %s", kb,
			rc_op_kind_name(op->kind), strerror(-err));
	}
}

/* New services first, so every other op finds its service by key. */
static int stage_adds(struct actx *c)
{
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
	sort_all(c);
	return 0;
}

/* Phase B: build and publish the ring of every touched service. */
static void publish(struct actx *c, struct a_svc *s, uint32_t *table,
		    struct dp_maglev_real *mr)
{
	struct a_real key = {.svc_id = s->v.id};
	size_t lo = 0, hi = c->n_rl, n = 0;
	uint32_t max_m = c->dp->meta.sz.ring_size, m, base = 0;
	struct lb_svc_state st;
	uint64_t src = 0;
	char kb[128];
	int err;

	while (lo < hi) { /* first real of the service */
		size_t mid = lo + (hi - lo) / 2;

		if (c->rl[mid].svc_id < key.svc_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < c->n_rl && c->rl[i].svc_id == s->v.id; i++) {
		const struct a_real *r = &c->rl[i];

		if (r->gone)
			continue;
		mr[n].addr = r->addr;
		mr[n].port = r->port;
		mr[n].id = r->id;
		mr[n].weight = c->reals[r->id].weight;
		src += xdp_ring_src_real(r->id, &c->reals[r->id]);
		n++;
	}
	if (bpf_map_lookup_elem(c->dp->fd[XM_SVC_STATE], &s->v.id, &st)) {
		err = -errno;
		goto fail;
	}
	/* Sized for its reals; kept while that still holds (lib/ring_size.h).
	 */
	m = st.size[st.ring_slot & 1];
	if (!lb_ring_size_keep(m, (uint32_t)n, max_m))
		m = lb_ring_size_for((uint32_t)n, max_m);
	err = xdp_pool_spare(&c->pool, &st, m, &base);
	if (err == -ENOSPC) {
		s->failed = true;
		op_fail(
		    c, s->op, err,
		    "%s: cannot publish its ring: the ring pool "
		    "(dataplane.xdp.ring_memory, %llu MiB) has no %u free "
		    "entries in a row; raise dataplane.xdp.ring_memory",
		    key_str(&s->key, kb, sizeof(kb)),
		    (unsigned long long)((uint64_t)c->pool.entries * 8 >> 20),
		    m);
		return;
	}
	if (!err)
		err = dp_maglev_build(mr, n, m, table);
	if (!err)
		err = dp_xdp_ring_publish_mapped(c->dp->rings,
						 c->dp->fd[XM_SVC_STATE],
						 s->v.id, base, m, table);
	if (!err)
		err = xdp_ring_note(c->dp->svc_meta_fd, s->v.id,
				    xdp_ring_src(m, src), table, m);
fail:
	if (err) {
		s->failed = true;
		op_fail(c, s->op, err, "%s: cannot publish its ring: %s",
			key_str(&s->key, kb, sizeof(kb)), strerror(-err));
	}
}

/* lb_vips flags for an address: the union over its remaining services. */
static int vip_sync(struct actx *c, const struct a_svc *s)
{
	struct lb_vip_key vk = {.family = s->sk.family};
	struct lb_vip_val old = {0}, v = {0};
	bool any = false, had;
	int fd = c->dp->fd[XM_VIPS], err;

	memcpy(vk.addr, s->sk.addr, sizeof(vk.addr));
	for (size_t i = 0; i < c->n_svcs; i++) {
		const struct a_svc *o = &c->svcs[i];

		if (o->sk.family != vk.family ||
		    memcmp(o->sk.addr, vk.addr, sizeof(vk.addr)) ||
		    (o->deleting && !o->failed) || (o->added && o->failed))
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

static int free_real(struct actx *c, uint32_t id)
{
	struct lb_real *r = &c->reals[id];
	uint32_t svc = r->svc_id;

	memset(r, 0, sizeof(*r));
	r->svc_id = svc;
	r->weight = c->now + XDP_REAL_QUARANTINE_S;
	return write_real(c, id);
}

/* Phase D: removed services leave, then the ids nothing names any more. */
static void retire(struct actx *c)
{
	size_t n_ids = (size_t)c->dp->meta.sz.max_services + 1;
	uint8_t *gone_svc = calloc(n_ids, 1);
	char kb[128];
	int err;

	if (!gone_svc) {
		lb_warn("xdp: out of memory; removed reals are not freed yet");
		return;
	}

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
		gone_svc[s->v.id] = 1;
	}
	for (size_t i = 0; i < c->n_rl; i++) {
		struct a_real *r = &c->rl[i];

		/* Reals of a removed service go with it. */
		if (!r->gone && !(r->svc_id < n_ids && gone_svc[r->svc_id]))
			continue;
		err = free_real(c, r->id);
		if (err)
			lb_warn("xdp: cannot free real id %u: %s", r->id,
				strerror(-err));
	}
	free(gone_svc);
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
	struct actx c = {.dp = dp, .plan = plan, .res = res};
	struct dp_maglev_real *mr = NULL;
	uint32_t *table = NULL;
	int err;

	c.now = boot_seconds();
	err = scan(&c);
	if (!err)
		err = check_capacity(&c);
	if (err)
		goto out;
	err = stage_adds(&c);
	if (err)
		goto out;
	for (size_t i = 0; i < plan->n; i++)
		stage(&c, i);
	sort_all(&c);
	table = calloc(dp->meta.sz.ring_size, sizeof(*table));
	mr = calloc(c.n_rl ? c.n_rl : 1, sizeof(*mr));
	if (!table || !mr) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < c.n_svcs; i++)
		if (c.svcs[i].dirty && !c.svcs[i].deleting && !c.svcs[i].failed)
			publish(&c, &c.svcs[i], table, mr);
	for (size_t i = 0; i < c.n_svcs; i++)
		if (c.svcs[i].rewrite && !c.svcs[i].deleting &&
		    !c.svcs[i].failed)
			expose(&c, &c.svcs[i]);
	retire(&c);
	tally(&c);
	err = c.first_err;
out:
	if (err && !c.first_err && res->n && !res->n_failed) {
		for (size_t i = 0; i < res->n; i++)
			res->err[i] = err;
		res->n_failed = res->n;
	}
	free(table);
	free(mr);
	xdp_pool_free_all(&c.pool);
	free(c.reals);
	free(c.svc_used);
	free(c.svcs);
	free(c.rl);
	return err;
}
