// SPDX-License-Identifier: GPL-2.0-only
#include "dataplane/xdp/xdp_rings.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/array.h"

void xdp_pool_init(struct xdp_pool *p, uint32_t entries)
{
	memset(p, 0, sizeof(*p));
	p->entries = entries;
}

void xdp_pool_free_all(struct xdp_pool *p)
{
	free(p->used);
	xdp_pool_init(p, p->entries);
}

/* Index of the first used extent whose base is >= base. */
static size_t find(const struct xdp_pool *p, uint32_t base)
{
	size_t lo = 0, hi = p->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->used[mid].base < base)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int insert(struct xdp_pool *p, size_t at, uint32_t base, uint32_t m)
{
	int err = lb_array_reserve((void **)&p->used, &p->cap, p->n,
				   sizeof(*p->used), 64);

	if (err)
		return err;
	memmove(&p->used[at + 1], &p->used[at], (p->n - at) * sizeof(*p->used));
	p->used[at] = (struct xdp_ext){.base = base, .size = m};
	p->n++;
	p->taken += m;
	return 0;
}

static int add(struct xdp_pool *p, uint32_t base, uint32_t m)
{
	size_t at;

	if (!m)
		return 0;
	if ((uint64_t)base + m > p->entries)
		return -EUCLEAN;
	at = find(p, base);
	if (at < p->n && p->used[at].base < (uint64_t)base + m)
		return -EUCLEAN;
	if (at > 0 &&
	    (uint64_t)p->used[at - 1].base + p->used[at - 1].size > base)
		return -EUCLEAN;
	return insert(p, at, base, m);
}

int xdp_pool_add_state(struct xdp_pool *p, const struct lb_svc_state *st)
{
	int err = 0, e;

	for (int s = 0; s < LB_RING_SLOTS; s++) {
		e = add(p, st->base[s], st->size[s]);
		if (e && !err)
			err = e;
	}
	return err;
}

int xdp_pool_take(struct xdp_pool *p, uint32_t m, uint32_t *base)
{
	uint64_t at = 0;

	/* First fit: rings are few (two a service), a scan is cheap. */
	for (size_t i = 0; i <= p->n; i++) {
		uint64_t end = i < p->n ? p->used[i].base : p->entries;

		if (end >= at + m) {
			*base = (uint32_t)at;
			return insert(p, i, (uint32_t)at, m);
		}
		if (i < p->n)
			at = (uint64_t)p->used[i].base + p->used[i].size;
	}
	return -ENOSPC;
}

void xdp_pool_give(struct xdp_pool *p, uint32_t base)
{
	size_t at = find(p, base);

	if (at >= p->n || p->used[at].base != base)
		return;
	p->taken -= p->used[at].size;
	memmove(&p->used[at], &p->used[at + 1],
		(p->n - at - 1) * sizeof(*p->used));
	p->n--;
}

int xdp_pool_spare(struct xdp_pool *p, const struct lb_svc_state *st,
		   uint32_t m, uint32_t *base)
{
	uint32_t spare = (st->ring_slot & 1) ^ 1, act = spare ^ 1;
	uint64_t s0 = st->base[spare], s1 = s0 + st->size[spare];
	uint64_t a0 = st->base[act], a1 = a0 + st->size[act];
	size_t at;

	/* A spare that overlaps the active ring's extent is not its own. */
	if (st->size[spare] && (!st->size[act] || s1 <= a0 || a1 <= s0)) {
		at = find(p, st->base[spare]);
		/* Its own extent, recorded as such: rewrite it in place. */
		if (st->size[spare] == m && at < p->n &&
		    p->used[at].base == st->base[spare] &&
		    p->used[at].size == m) {
			*base = st->base[spare];
			return 0;
		}
		if (at < p->n && p->used[at].base == st->base[spare] &&
		    p->used[at].size == st->size[spare])
			xdp_pool_give(p, st->base[spare]);
	}
	return xdp_pool_take(p, m, base);
}
