// SPDX-License-Identifier: GPL-2.0-only
/* Quarantined real ids back to the same backend: see xdp_reuse.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/xdp/xdp_reuse.h"

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h;
}

static uint64_t key_hash(const uint32_t addr[4], uint16_t port_be,
			 uint8_t family)
{
	uint64_t h = family;

	for (int i = 0; i < 4; i++)
		h = mix(h, addr[i]);
	return mix(h, port_be) * 0xff51afd7ed558ccdull;
}

static const struct lb_real *entry(const struct xdp_reuse *r, size_t i)
{
	return xdp_real(r->dp, r->freed->id[i]);
}

int xdp_reuse_build(struct xdp_reuse *r, const struct dp *dp,
		    const struct xdp_ids *freed)
{
	size_t n = 0, cap = 16;

	memset(r, 0, sizeof(*r));
	r->dp = dp;
	r->freed = freed;
	for (size_t i = 0; i < freed->n; i++)
		n += freed->id[i] && !xdp_real(dp, freed->id[i])->family &&
		     xdp_real(dp, freed->id[i])->flags;
	while (cap < 2 * n)
		cap *= 2;
	r->slot = calloc(cap, sizeof(*r->slot));
	r->taken = calloc(freed->n + 1, 1);
	if (!r->slot || !r->taken) {
		xdp_reuse_free(r);
		return -ENOMEM;
	}
	r->mask = cap - 1;
	for (size_t i = 0; i < freed->n; i++) {
		const struct lb_real *e;
		size_t h;

		if (!freed->id[i])
			continue;
		e = entry(r, i);
		if (e->family || !e->flags)
			continue;
		h = key_hash(e->addr, e->port, e->flags) & r->mask;
		while (r->slot[h])
			h = (h + 1) & r->mask;
		r->slot[h] = (uint32_t)i + 1;
	}
	return 0;
}

uint32_t xdp_reuse_take(struct xdp_reuse *r, const struct rc_real *want,
			size_t *at)
{
	uint32_t addr[4];
	uint16_t port = htons(want->port);
	uint8_t fam = (uint8_t)want->addr.family;
	size_t h;

	if (!r->slot)
		return 0;
	xdp_addr_to_bpf(&want->addr, addr);
	for (h = key_hash(addr, port, fam) & r->mask; r->slot[h];
	     h = (h + 1) & r->mask) {
		size_t i = r->slot[h] - 1;
		const struct lb_real *e;

		if (r->taken[i] || !r->freed->id[i])
			continue;
		e = entry(r, i);
		/* taken by the allocator since, or reused already */
		if (e->family || !e->flags)
			continue;
		if (e->flags == fam && e->port == port &&
		    !memcmp(e->addr, addr, sizeof(addr))) {
			r->taken[i] = 1;
			*at = i;
			return r->freed->id[i];
		}
	}
	return 0;
}

void xdp_reuse_untake(struct xdp_reuse *r)
{
	if (r->taken)
		memset(r->taken, 0, r->freed->n + 1);
}

void xdp_reuse_free(struct xdp_reuse *r)
{
	free(r->slot);
	free(r->taken);
	memset(r, 0, sizeof(*r));
}
