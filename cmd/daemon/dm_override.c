// SPDX-License-Identifier: GPL-2.0-only
#include "cmd/daemon/dm_override.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/daemon/dm_util.h"

static const char *const kind_names[DM_OVR__COUNT] = {
    [DM_OVR_DRAIN] = "drain",
    [DM_OVR_DISABLE] = "disable",
    [DM_OVR_WEIGHT] = "weight",
    [DM_OVR_HEALTH] = "health",
};

/* One override and where it acts in the bound config. */
struct entry {
	struct dm_override o;
	const struct cfg_pool *pool, *fallback; /* NULL: not bound */
	uint16_t svc_port;			/* for backends with port 0 */
};

struct dm_overrides {
	struct entry *e;
	size_t n, cap;
	uint64_t next_id;
	const struct cfg *cfg;
	struct rc_weight_src base;
	uint64_t (*now)(void);
};

const char *dm_ovr_kind_name(enum dm_ovr_kind k)
{
	return (unsigned int)k < DM_OVR__COUNT ? kind_names[k] : "?";
}

int dm_ovr_kind_parse(const char *s, enum dm_ovr_kind *out)
{
	for (int k = 0; k < DM_OVR__COUNT; k++)
		if (!strcmp(s, kind_names[k])) {
			*out = (enum dm_ovr_kind)k;
			return 0;
		}
	return -EINVAL;
}

int dm_ovr_new(struct dm_overrides **out)
{
	struct dm_overrides *set = calloc(1, sizeof(*set));

	if (!set)
		return -ENOMEM;
	set->next_id = 1;
	set->now = dm_wall_ms;
	*out = set;
	return 0;
}

void dm_ovr_free(struct dm_overrides *set)
{
	if (!set)
		return;
	free(set->e);
	free(set);
}

size_t dm_ovr_count(const struct dm_overrides *set)
{
	return set->n;
}

const struct dm_override *dm_ovr_at(const struct dm_overrides *set, size_t i)
{
	return i < set->n ? &set->e[i].o : NULL;
}

static bool same_real(const struct dm_override *o, const char *service,
		      const struct lb_addr *addr, uint16_t port)
{
	return o->port == port && !lb_addr_cmp(&o->addr, addr) &&
	       !strcmp(o->service, service);
}

static ssize_t find_idx(const struct dm_overrides *set, const char *service,
			const struct lb_addr *addr, uint16_t port,
			enum dm_ovr_kind kind)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->e[i].o.kind == kind &&
		    same_real(&set->e[i].o, service, addr, port))
			return (ssize_t)i;
	return -1;
}

const struct dm_override *dm_ovr_find(const struct dm_overrides *set,
				      const char *service,
				      const struct lb_addr *addr, uint16_t port,
				      enum dm_ovr_kind kind)
{
	ssize_t i = find_idx(set, service, addr, port, kind);

	return i < 0 ? NULL : &set->e[i].o;
}

static void bind_entry(const struct cfg *cfg, struct entry *e)
{
	e->pool = e->fallback = NULL;
	e->svc_port = 0;
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n_services; i++) {
		const struct cfg_service *s = &cfg->services[i];

		if (strcmp(s->name, e->o.service))
			continue;
		e->pool = &cfg->pools[s->pool];
		if (s->fallback_pool >= 0)
			e->fallback = &cfg->pools[s->fallback_pool];
		e->svc_port = s->port;
		return;
	}
}

void dm_ovr_bind(struct dm_overrides *set, const struct cfg *cfg)
{
	set->cfg = cfg;
	for (size_t i = 0; i < set->n; i++)
		bind_entry(cfg, &set->e[i]);
}

/* Keep the array in id order (ids only grow; loading may add any order). */
static size_t insert_pos(const struct dm_overrides *set, uint64_t id)
{
	size_t i = set->n;

	while (i && set->e[i - 1].o.id > id)
		i--;
	return i;
}

int dm_ovr_add(struct dm_overrides *set, const struct dm_override *o,
	       bool keep_id, const struct dm_override **out)
{
	struct entry *e;
	size_t pos;

	if (find_idx(set, o->service, &o->addr, o->port, o->kind) >= 0)
		return -EEXIST;
	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 8;
		struct entry *ne = realloc(set->e, cap * sizeof(*ne));

		if (!ne)
			return -ENOMEM;
		set->e = ne;
		set->cap = cap;
	}
	if (keep_id && o->id) {
		pos = insert_pos(set, o->id);
		if (o->id >= set->next_id)
			set->next_id = o->id + 1;
	} else {
		pos = set->n;
	}
	memmove(&set->e[pos + 1], &set->e[pos],
		(set->n - pos) * sizeof(*set->e));
	e = &set->e[pos];
	memset(e, 0, sizeof(*e));
	e->o = *o;
	e->o.service[sizeof(e->o.service) - 1] = '\0';
	e->o.by[sizeof(e->o.by) - 1] = '\0';
	if (!keep_id || !o->id)
		e->o.id = set->next_id++;
	bind_entry(set->cfg, e);
	set->n++;
	if (out)
		*out = &e->o;
	return 0;
}

static void remove_at(struct dm_overrides *set, size_t i)
{
	memmove(&set->e[i], &set->e[i + 1], (set->n - i - 1) * sizeof(*set->e));
	set->n--;
}

int dm_ovr_remove(struct dm_overrides *set, const char *service,
		  const struct lb_addr *addr, uint16_t port,
		  enum dm_ovr_kind kind, struct dm_override *removed)
{
	ssize_t i = find_idx(set, service, addr, port, kind);

	if (i < 0)
		return -ENOENT;
	if (removed)
		*removed = set->e[i].o;
	remove_at(set, (size_t)i);
	return 0;
}

size_t dm_ovr_expire(struct dm_overrides *set, uint64_t now_ms,
		     void (*fn)(void *arg, const struct dm_override *o),
		     void *arg)
{
	size_t n = 0;

	for (size_t i = 0; i < set->n;) {
		const struct dm_override *o = &set->e[i].o;

		if (o->kind == DM_OVR_DRAIN || !o->expires_ms ||
		    o->expires_ms > now_ms) {
			i++;
			continue;
		}
		if (fn)
			fn(arg, o);
		remove_at(set, i);
		n++;
	}
	return n;
}

uint64_t dm_ovr_next_deadline(const struct dm_overrides *set, uint64_t now_ms)
{
	uint64_t best = 0;

	for (size_t i = 0; i < set->n; i++) {
		uint64_t t = set->e[i].o.expires_ms;

		if (t && (t > now_ms || set->e[i].o.kind != DM_OVR_DRAIN) &&
		    (!best || t < best))
			best = t;
	}
	return best;
}

static void add_effect(const struct dm_override *o, uint64_t now_ms,
		       struct dm_ovr_effect *ef)
{
	switch (o->kind) {
	case DM_OVR_DRAIN:
		ef->drained = true;
		if (o->expires_ms && o->expires_ms <= now_ms)
			ef->timed_out = ef->disabled = true;
		break;
	case DM_OVR_DISABLE:
		ef->disabled = true;
		break;
	case DM_OVR_WEIGHT:
		ef->weight_set = true;
		ef->weight = o->weight;
		break;
	case DM_OVR_HEALTH:
		ef->forced = true;
		ef->forced_up = o->up;
		break;
	default:
		break;
	}
}

void dm_ovr_effect(const struct dm_overrides *set, const char *service,
		   const struct lb_addr *addr, uint16_t port, uint64_t now_ms,
		   struct dm_ovr_effect *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < set->n; i++)
		if (same_real(&set->e[i].o, service, addr, port))
			add_effect(&set->e[i].o, now_ms, out);
}

static uint32_t base_weight(const struct dm_overrides *set,
			    const struct cfg_pool *pool,
			    const struct cfg_backend *b)
{
	if (set->base.weight)
		return set->base.weight(set->base.ctx, pool, b);
	return b->disabled ? 0 : b->weight;
}

static bool acts_on(const struct entry *e, const struct cfg_pool *pool,
		    const struct cfg_backend *b)
{
	uint16_t port = b->port ? b->port : e->svc_port;

	return (e->pool == pool || e->fallback == pool) && e->o.port == port &&
	       !lb_addr_cmp(&e->o.addr, &b->addr);
}

static uint32_t layered_weight(void *ctx, const struct cfg_pool *pool,
			       const struct cfg_backend *b)
{
	struct dm_overrides *set = ctx;
	struct dm_ovr_effect ef = {0};
	uint32_t w = base_weight(set, pool, b);
	uint64_t now;
	bool any = false;

	if (!set->n)
		return w;
	now = set->now();
	for (size_t i = 0; i < set->n; i++)
		if (acts_on(&set->e[i], pool, b)) {
			add_effect(&set->e[i].o, now, &ef);
			any = true;
		}
	if (!any)
		return w;
	if (ef.drained || ef.disabled || (ef.forced && !ef.forced_up))
		return 0;
	if (ef.forced_up)
		w = b->disabled ? 0 : b->weight;
	if (ef.weight_set) {
		/* Keep the base's ramp (slow start) and its zeroes (down). */
		if (!b->weight)
			w = ef.weight;
		else if (w) {
			uint64_t s = (uint64_t)ef.weight * w / b->weight;

			w = s ? (uint32_t)s : (ef.weight ? 1 : 0);
		}
	}
	return w;
}

static bool layered_pool_down(void *ctx, const struct cfg_pool *pool)
{
	struct dm_overrides *set = ctx;

	for (size_t i = 0; i < set->n; i++)
		if (set->e[i].pool == pool &&
		    set->e[i].o.kind == DM_OVR_HEALTH && set->e[i].o.up)
			return false;
	return set->base.pool_down ? set->base.pool_down(set->base.ctx, pool)
				   : false;
}

void dm_ovr_weight_src(struct dm_overrides *set,
		       const struct rc_weight_src *base,
		       struct rc_weight_src *out)
{
	if (base)
		set->base = *base;
	else
		memset(&set->base, 0, sizeof(set->base));
	*out = (struct rc_weight_src){.ctx = set,
				      .weight = layered_weight,
				      .pool_down = layered_pool_down};
}

void dm_ovr_set_clock(struct dm_overrides *set, uint64_t (*now)(void))
{
	set->now = now ? now : dm_wall_ms;
}
