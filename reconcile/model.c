// SPDX-License-Identifier: GPL-2.0-only
/*
 * The state model: sorted arrays of services and reals, searched by binary
 * search, so a diff is one linear merge and a lookup is O(log n).
 */
#include "reconcile/model.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config/config.h"
#include "lib/array.h"

void rc_state_init(struct rc_state *s)
{
	memset(s, 0, sizeof(*s));
}

static void service_release(struct rc_service *svc)
{
	free(svc->reals);
	svc->reals = NULL;
	svc->n_reals = 0;
	svc->cap_reals = 0;
}

void rc_state_free(struct rc_state *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		service_release(&s->svcs[i]);
	free(s->svcs);
	rc_state_init(s);
}

int rc_state_copy(struct rc_state *dst, const struct rc_state *src)
{
	struct rc_state tmp;

	rc_state_init(&tmp);
	if (src->n) {
		tmp.svcs = calloc(src->n, sizeof(*tmp.svcs));
		if (!tmp.svcs)
			return -ENOMEM;
		tmp.cap = src->n;
	}
	for (size_t i = 0; i < src->n; i++) {
		const struct rc_service *s = &src->svcs[i];
		struct rc_service *d = &tmp.svcs[i];

		*d = *s;
		d->reals = NULL;
		d->n_reals = 0;
		d->cap_reals = 0;
		tmp.n = i + 1;
		if (!s->n_reals)
			continue;
		d->reals = malloc(s->n_reals * sizeof(*d->reals));
		if (!d->reals) {
			rc_state_free(&tmp);
			return -ENOMEM;
		}
		memcpy(d->reals, s->reals, s->n_reals * sizeof(*d->reals));
		d->n_reals = s->n_reals;
		d->cap_reals = s->n_reals;
	}
	rc_state_free(dst);
	*dst = tmp;
	return 0;
}

void rc_svc_key_init(struct rc_svc_key *k, const struct lb_addr *addr,
		     uint16_t port, uint8_t proto, uint32_t fwmark)
{
	/* Zero everything, padding included: keys are compared bytewise. */
	memset(k, 0, sizeof(*k));
	k->addr.family = addr->family;
	if (fwmark) {
		k->fwmark = fwmark;
		return;
	}
	memcpy(k->addr.b, addr->b, sizeof(k->addr.b));
	k->port = port;
	k->proto = proto;
}

static int cmp_u32(uint32_t a, uint32_t b)
{
	return a < b ? -1 : a > b;
}

/*
 * Field by field rather than one memcmp so the order reads naturally in
 * listings (by address, then port, then protocol; fwmark services, whose
 * address is zero, come first in their family, by mark).
 */
int rc_svc_key_cmp(const struct rc_svc_key *a, const struct rc_svc_key *b)
{
	int r = lb_addr_cmp(&a->addr, &b->addr);

	if (r)
		return r < 0 ? -1 : 1;
	if ((r = cmp_u32(a->fwmark, b->fwmark)))
		return r;
	if ((r = cmp_u32(a->port, b->port)))
		return r;
	return cmp_u32(a->proto, b->proto);
}

static int real_id_cmp(const struct lb_addr *a, uint16_t ap,
		       const struct lb_addr *b, uint16_t bp)
{
	int r = lb_addr_cmp(a, b);

	if (r)
		return r < 0 ? -1 : 1;
	return cmp_u32(ap, bp);
}

int rc_real_key_cmp(const struct rc_real *a, const struct rc_real *b)
{
	return real_id_cmp(&a->addr, a->port, &b->addr, b->port);
}

struct rc_service *rc_state_add_service(struct rc_state *s,
					const struct rc_svc_key *key)
{
	struct rc_service *svc;

	if (lb_array_reserve((void **)&s->svcs, &s->cap, s->n, sizeof(*s->svcs),
			     8))
		return NULL;
	svc = &s->svcs[s->n++];
	memset(svc, 0, sizeof(*svc));
	svc->key = *key;
	return svc;
}

struct rc_real *rc_service_add_real(struct rc_service *svc,
				    const struct lb_addr *addr, uint16_t port)
{
	struct rc_real *r;

	if (lb_array_reserve((void **)&svc->reals, &svc->cap_reals,
			     svc->n_reals, sizeof(*svc->reals), 8))
		return NULL;
	r = &svc->reals[svc->n_reals++];
	memset(r, 0, sizeof(*r));
	r->addr.family = addr->family;
	memcpy(r->addr.b, addr->b, sizeof(r->addr.b));
	r->port = port;
	return r;
}

static int svc_qsort_cmp(const void *a, const void *b)
{
	const struct rc_service *x = a, *y = b;

	return rc_svc_key_cmp(&x->key, &y->key);
}

static int real_qsort_cmp(const void *a, const void *b)
{
	return rc_real_key_cmp(a, b);
}

/* In strictly ascending order already (no duplicates either)? */
static bool svcs_sorted(const struct rc_state *s)
{
	for (size_t i = 1; i < s->n; i++)
		if (rc_svc_key_cmp(&s->svcs[i - 1].key, &s->svcs[i].key) >= 0)
			return false;
	return true;
}

static bool reals_sorted(const struct rc_service *svc)
{
	for (size_t j = 1; j < svc->n_reals; j++)
		if (rc_real_key_cmp(&svc->reals[j - 1], &svc->reals[j]) >= 0)
			return false;
	return true;
}

/*
 * States usually arrive sorted (a dataplane read back in key order, a
 * config listing backends in order): one pass tells, and spares the sort.
 */
int rc_state_sort(struct rc_state *s)
{
	int err = 0;

	if (s->n > 1 && !svcs_sorted(s)) {
		qsort(s->svcs, s->n, sizeof(*s->svcs), svc_qsort_cmp);
		for (size_t i = 1; i < s->n; i++)
			if (!rc_svc_key_cmp(&s->svcs[i - 1].key,
					    &s->svcs[i].key))
				err = -EEXIST;
	}
	for (size_t i = 0; i < s->n; i++) {
		struct rc_service *svc = &s->svcs[i];

		if (svc->n_reals < 2 || reals_sorted(svc))
			continue;
		qsort(svc->reals, svc->n_reals, sizeof(*svc->reals),
		      real_qsort_cmp);
		for (size_t j = 1; j < svc->n_reals; j++)
			if (!rc_real_key_cmp(&svc->reals[j - 1],
					     &svc->reals[j]))
				err = -EEXIST;
	}
	return err;
}

/*
 * The one binary search over service keys, whether they stand alone or
 * inside larger elements: element i's key is at base + i * size + off.
 */
static size_t key_lower_bound(const void *base, size_t n, size_t size,
			      size_t off, const struct rc_svc_key *key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct rc_svc_key *k =
		    (const void *)((const char *)base + mid * size + off);

		if (rc_svc_key_cmp(k, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

size_t rc_svc_lower_bound(const struct rc_service *a, size_t n,
			  const struct rc_svc_key *key)
{
	return key_lower_bound(a, n, sizeof(*a),
			       offsetof(struct rc_service, key), key);
}

size_t rc_svc_key_lower_bound(const struct rc_svc_key *a, size_t n,
			      const struct rc_svc_key *key)
{
	return key_lower_bound(a, n, sizeof(*a), 0, key);
}

size_t rc_real_lower_bound(const struct rc_real *a, size_t n,
			   const struct lb_addr *addr, uint16_t port)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (real_id_cmp(&a[mid].addr, a[mid].port, addr, port) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int rc_svc_key_qsort_cmp(const void *a, const void *b)
{
	return rc_svc_key_cmp(a, b);
}

int rc_svc_keys_sorted(const struct rc_svc_key *keys, size_t n,
		       struct rc_svc_key **out)
{
	*out = NULL;
	if (!n)
		return 0;
	*out = malloc(n * sizeof(**out));
	if (!*out)
		return -ENOMEM;
	memcpy(*out, keys, n * sizeof(**out));
	qsort(*out, n, sizeof(**out), rc_svc_key_qsort_cmp);
	return 0;
}

int rc_state_restrict(struct rc_state *s, const struct rc_svc_key *keys,
		      size_t n)
{
	struct rc_svc_key *sorted;
	size_t i, w = 0;

	/* A sorted copy of the keys: one binary search per service. */
	if (rc_svc_keys_sorted(keys, n, &sorted))
		return -ENOMEM;
	for (i = 0; i < s->n; i++) {
		struct rc_service *svc = &s->svcs[i];

		if (!sorted || !bsearch(&svc->key, sorted, n, sizeof(*sorted),
					rc_svc_key_qsort_cmp)) {
			service_release(svc);
			continue;
		}
		if (w != i)
			s->svcs[w] = *svc;
		w++;
	}
	s->n = w;
	free(sorted);
	return 0;
}

struct rc_service *rc_state_find(const struct rc_state *s,
				 const struct rc_svc_key *key)
{
	size_t i = rc_svc_lower_bound(s->svcs, s->n, key);

	if (i < s->n && !rc_svc_key_cmp(&s->svcs[i].key, key))
		return &s->svcs[i];
	return NULL;
}

struct rc_real *rc_service_find_real(const struct rc_service *svc,
				     const struct lb_addr *addr, uint16_t port)
{
	size_t i = rc_real_lower_bound(svc->reals, svc->n_reals, addr, port);

	if (i < svc->n_reals &&
	    !real_id_cmp(&svc->reals[i].addr, svc->reals[i].port, addr, port))
		return &svc->reals[i];
	return NULL;
}

bool rc_service_remove_real(struct rc_service *svc, const struct lb_addr *addr,
			    uint16_t port)
{
	struct rc_real *r = rc_service_find_real(svc, addr, port);
	size_t i;

	if (!r)
		return false;
	i = (size_t)(r - svc->reals);
	memmove(&svc->reals[i], &svc->reals[i + 1],
		(svc->n_reals - i - 1) * sizeof(*svc->reals));
	svc->n_reals--;
	return true;
}

bool rc_state_remove_service(struct rc_state *s, const struct rc_svc_key *key)
{
	struct rc_service *svc = rc_state_find(s, key);
	size_t i;

	if (!svc)
		return false;
	i = (size_t)(svc - s->svcs);
	service_release(svc);
	memmove(&s->svcs[i], &s->svcs[i + 1],
		(s->n - i - 1) * sizeof(*s->svcs));
	s->n--;
	return true;
}

static const char *proto_name(uint8_t proto, char *buf, size_t len)
{
	const char *name = cfg_ipproto_name(proto);

	if (name)
		return name;
	snprintf(buf, len, "proto-%u", proto);
	return buf;
}

const char *rc_svc_key_fmt(const struct rc_svc_key *k, char *buf, size_t len)
{
	char ap[LB_ADDR_STRLEN], pn[16];

	if (k->fwmark) {
		snprintf(buf, len, "fwmark %u (%s)", k->fwmark,
			 k->addr.family == AF_INET6 ? "inet6" : "inet");
		return buf;
	}
	lb_addr_port_fmt(&k->addr, k->port, ap, sizeof(ap));
	snprintf(buf, len, "%s %s", proto_name(k->proto, pn, sizeof(pn)), ap);
	return buf;
}

const char *rc_fwd_name(uint8_t fwd)
{
	static const char *const names[] = {
	    [RC_FWD_MASQ] = "masq",
	    [RC_FWD_DR] = "dr",
	    [RC_FWD_TUNNEL] = "tunnel",
	};

	return fwd < sizeof(names) / sizeof(names[0]) ? names[fwd] : "unknown";
}

const char *rc_tunnel_name(uint8_t tun)
{
	static const char *const names[] = {
	    [RC_TUN_IPIP] = "ipip",
	    [RC_TUN_GUE] = "gue",
	    [RC_TUN_GRE] = "gre",
	};

	return tun < sizeof(names) / sizeof(names[0]) ? names[tun] : "unknown";
}

size_t rc_state_count_reals(const struct rc_state *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		n += s->svcs[i].n_reals;
	return n;
}

bool rc_service_attrs_equal(const struct rc_service *a,
			    const struct rc_service *b)
{
	return !strncmp(a->sched, b->sched, sizeof(a->sched)) &&
	       a->flags == b->flags && a->timeout == b->timeout &&
	       a->netmask == b->netmask;
}

bool rc_real_attrs_equal(const struct rc_real *a, const struct rc_real *b)
{
	return a->weight == b->weight && a->fwd == b->fwd &&
	       a->tunnel == b->tunnel && a->tunnel_port == b->tunnel_port &&
	       a->u_threshold == b->u_threshold &&
	       a->l_threshold == b->l_threshold;
}
