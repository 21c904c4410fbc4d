// SPDX-License-Identifier: GPL-2.0-only
/*
 * What each service was wanted to be when a pass last left it converged, as
 * a 64-bit fingerprint per service key (open addressing, linear probing,
 * backward-shift deletion). Drift is told apart from our own changes by
 * comparing today's desired fingerprint with this one; the table never
 * describes what the dataplane holds.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/loop_internal.h"

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= FNV_PRIME;
	}
	return h;
}

#define FNV_FIELD(h, f) fnv((h), &(f), sizeof(f))

uint64_t rc_loop_fp_service(const struct rc_service *svc)
{
	uint64_t h = FNV_OFFSET;

	h = fnv(h, svc->sched, strnlen(svc->sched, sizeof(svc->sched)));
	h = FNV_FIELD(h, svc->flags);
	h = FNV_FIELD(h, svc->timeout);
	h = FNV_FIELD(h, svc->netmask);
	h = FNV_FIELD(h, svc->n_reals);
	for (size_t i = 0; i < svc->n_reals; i++) {
		const struct rc_real *r = &svc->reals[i];

		h = FNV_FIELD(h, r->addr);
		h = FNV_FIELD(h, r->port);
		h = FNV_FIELD(h, r->weight);
		h = FNV_FIELD(h, r->fwd);
		h = FNV_FIELD(h, r->tunnel);
		h = FNV_FIELD(h, r->tunnel_port);
		h = FNV_FIELD(h, r->u_threshold);
		h = FNV_FIELD(h, r->l_threshold);
	}
	return h;
}

static size_t slot_of(const struct rc_loop_fps *t, const struct rc_svc_key *k)
{
	return fnv(FNV_OFFSET, k, sizeof(*k)) & (t->cap - 1);
}

static struct rc_loop_fp_slot *find(const struct rc_loop_fps *t,
				    const struct rc_svc_key *key)
{
	if (!t->cap)
		return NULL;
	for (size_t i = slot_of(t, key);; i = (i + 1) & (t->cap - 1)) {
		struct rc_loop_fp_slot *s = &t->slots[i];

		if (!s->used)
			return NULL;
		if (!rc_svc_key_cmp(&s->key, key))
			return s;
	}
}

const struct rc_loop_fp_slot *rc_loop_fps_get(const struct rc_loop_fps *t,
					      const struct rc_svc_key *key)
{
	return find(t, key);
}

static void put(struct rc_loop_fps *t, const struct rc_loop_fp_slot *e)
{
	size_t i = slot_of(t, &e->key);

	while (t->slots[i].used)
		i = (i + 1) & (t->cap - 1);
	t->slots[i] = *e;
	t->n++;
}

static int grow(struct rc_loop_fps *t)
{
	struct rc_loop_fps n = {.cap = t->cap ? t->cap * 2 : 64};

	n.slots = calloc(n.cap, sizeof(*n.slots));
	if (!n.slots)
		return -ENOMEM;
	for (size_t i = 0; i < t->cap; i++)
		if (t->slots[i].used)
			put(&n, &t->slots[i]);
	free(t->slots);
	*t = n;
	return 0;
}

int rc_loop_fps_set(struct rc_loop_fps *t, const struct rc_svc_key *key,
		    uint64_t fp, uint32_t mark)
{
	struct rc_loop_fp_slot *s = find(t, key);
	struct rc_loop_fp_slot e = {
	    .key = *key, .fp = fp, .mark = mark, .used = true};
	int err;

	if (s) {
		*s = e;
		return 0;
	}
	/* At most half full, so probes stay short and always end. */
	if ((t->n + 1) * 2 > t->cap) {
		err = grow(t);
		if (err)
			return err;
	}
	put(t, &e);
	return 0;
}

/* Empty slot i and pull later members of its probe run back over it. */
static void remove_at(struct rc_loop_fps *t, size_t i)
{
	size_t mask = t->cap - 1, j = i;

	t->slots[i].used = false;
	t->n--;
	for (;;) {
		size_t home;

		j = (j + 1) & mask;
		if (!t->slots[j].used)
			return;
		home = slot_of(t, &t->slots[j].key);
		/* Move j to i unless its home lies cyclically in (i, j]. */
		if ((j > i && (home <= i || home > j)) ||
		    (j < i && home <= i && home > j)) {
			t->slots[i] = t->slots[j];
			t->slots[j].used = false;
			i = j;
		}
	}
}

void rc_loop_fps_del(struct rc_loop_fps *t, const struct rc_svc_key *key)
{
	struct rc_loop_fp_slot *s = find(t, key);

	if (s)
		remove_at(t, (size_t)(s - t->slots));
}

void rc_loop_fps_sweep(struct rc_loop_fps *t, uint32_t mark)
{
	/* Deleting shifts later slots back: revisit i after a removal. */
	for (size_t i = 0; i < t->cap;) {
		if (t->slots[i].used && t->slots[i].mark != mark)
			remove_at(t, i);
		else
			i++;
	}
}

void rc_loop_fps_free(struct rc_loop_fps *t)
{
	free(t->slots);
	memset(t, 0, sizeof(*t));
}
