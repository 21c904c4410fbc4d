// SPDX-License-Identifier: GPL-2.0-only
#include "tests/lib/rc_testgen.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

void tg_seed(struct tg_rng *r, uint64_t seed)
{
	r->s = seed * 0x9E3779B97F4A7C15ull + 1;
}

/* xorshift64*: fast, good enough, and identical on every machine. */
uint32_t tg_next(struct tg_rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return (uint32_t)((r->s * 0x2545F4914F6CDD1Dull) >> 32);
}

uint32_t tg_below(struct tg_rng *r, uint32_t n)
{
	return n ? tg_next(r) % n : 0;
}

bool tg_chance(struct tg_rng *r, uint32_t pct)
{
	return tg_below(r, 100) < pct;
}

static const char *const scheds[] = {"maglev", "wrr", "rr", "mh"};
static const uint32_t weights[] = {0, 1, 50, 100, 1000};

#define N_SVC_KEYS 24
#define N_REAL_KEYS 24
#define LEN(a) (sizeof(a) / sizeof((a)[0]))

static void make_addr(struct lb_addr *a, int family, uint8_t net, uint8_t host)
{
	memset(a, 0, sizeof(*a));
	a->family = (uint8_t)family;
	if (family == AF_INET) {
		a->b[0] = 10;
		a->b[1] = net;
		a->b[3] = host;
	} else {
		a->b[0] = 0x20;
		a->b[1] = 0x01;
		a->b[2] = 0x0d;
		a->b[3] = 0xb8;
		a->b[5] = net;
		a->b[15] = host;
	}
}

/* Service key i of a fixed key space: v4/v6, two ports, tcp/udp, fwmarks. */
static void svc_key(unsigned i, struct rc_svc_key *k)
{
	struct lb_addr a;

	if (i >= N_SVC_KEYS - 2) {
		make_addr(&a, i & 1 ? AF_INET6 : AF_INET, 0, 0);
		memset(a.b, 0, sizeof(a.b));
		rc_svc_key_init(k, &a, 0, 0, 7 + i);
		return;
	}
	make_addr(&a, i % 3 == 2 ? AF_INET6 : AF_INET, 0, (uint8_t)(1 + i / 4));
	rc_svc_key_init(k, &a, i & 1 ? 443 : 80, i & 2 ? 17 : 6, 0);
}

static void real_id(unsigned i, struct lb_addr *a, uint16_t *port)
{
	make_addr(a, i % 4 == 3 ? AF_INET6 : AF_INET, 1, (uint8_t)(1 + i / 2));
	*port = i & 1 ? 8080 : 80;
}

static void random_svc_attrs(struct tg_rng *r, struct rc_service *s)
{
	snprintf(s->sched, sizeof(s->sched), "%s",
		 scheds[tg_below(r, LEN(scheds))]);
	s->flags = tg_chance(r, 20) ? tg_below(r, 32) : 0;
	s->timeout = tg_chance(r, 20) ? 300 : 0;
	s->netmask = tg_chance(r, 20) ? 24 : 0;
}

static void random_real_attrs(struct tg_rng *r, struct rc_real *re)
{
	re->weight = weights[tg_below(r, LEN(weights))];
	re->fwd = (uint8_t)tg_below(r, 3);
	re->tunnel = 0;
	re->tunnel_port = 0;
	if (re->fwd == RC_FWD_TUNNEL) {
		re->tunnel = (uint8_t)tg_below(r, 3);
		if (re->tunnel == RC_TUN_GUE)
			re->tunnel_port = 6080;
	}
	re->u_threshold = tg_chance(r, 15) ? 100 : 0;
	re->l_threshold = re->u_threshold ? 10 : 0;
}

static int add_random_real(struct tg_rng *r, struct rc_service *s, unsigned id)
{
	struct lb_addr a;
	struct rc_real *re;
	uint16_t port;

	real_id(id, &a, &port);
	if (rc_service_find_real(s, &a, port))
		return 0;
	for (size_t i = 0; i < s->n_reals; i++)
		if (!lb_addr_cmp(&s->reals[i].addr, &a) &&
		    s->reals[i].port == port)
			return 0;
	re = rc_service_add_real(s, &a, port);
	if (!re)
		return -ENOMEM;
	random_real_attrs(r, re);
	return 0;
}

static int add_random_service(struct tg_rng *r, struct rc_state *st,
			      unsigned id, uint32_t owned_pct)
{
	struct rc_service *s;
	struct rc_svc_key k;
	unsigned n;

	svc_key(id, &k);
	for (size_t i = 0; i < st->n; i++)
		if (!rc_svc_key_cmp(&st->svcs[i].key, &k))
			return 0;
	s = rc_state_add_service(st, &k);
	if (!s)
		return -ENOMEM;
	random_svc_attrs(r, s);
	snprintf(s->name, sizeof(s->name), "svc%u", id);
	s->owned = tg_chance(r, owned_pct);
	n = tg_below(r, 10);
	for (unsigned i = 0; i < n; i++)
		if (add_random_real(r, s, tg_below(r, N_REAL_KEYS)))
			return -ENOMEM;
	return 0;
}

int tg_random_state(struct tg_rng *r, struct rc_state *out, uint32_t owned_pct)
{
	unsigned n = tg_below(r, 12);

	for (unsigned i = 0; i < n; i++)
		if (add_random_service(r, out, tg_below(r, N_SVC_KEYS),
				       owned_pct))
			return -ENOMEM;
	return rc_state_sort(out);
}

int tg_mutate_state(struct tg_rng *r, const struct rc_state *base,
		    struct rc_state *out, uint32_t owned_pct)
{
	int err = rc_state_copy(out, base);

	if (err)
		return err;
	for (size_t i = 0; i < out->n; i++) {
		struct rc_service *s = &out->svcs[i];

		s->owned = tg_chance(r, owned_pct);
		if (tg_chance(r, 10)) {
			rc_state_remove_service(out, &s->key);
			i--;
			continue;
		}
		if (tg_chance(r, 10))
			random_svc_attrs(r, s);
		for (size_t j = 0; j < s->n_reals; j++) {
			struct rc_real *re = &s->reals[j];

			if (tg_chance(r, 10)) {
				rc_service_remove_real(s, &re->addr, re->port);
				j--;
			} else if (tg_chance(r, 10)) {
				re->weight = weights[tg_below(r, LEN(weights))];
			} else if (tg_chance(r, 5)) {
				random_real_attrs(r, re);
			}
		}
		if (tg_chance(r, 15) &&
		    add_random_real(r, s, tg_below(r, N_REAL_KEYS)))
			return -ENOMEM;
	}
	for (unsigned n = tg_below(r, 3); n; n--)
		if (add_random_service(r, out, tg_below(r, N_SVC_KEYS),
				       owned_pct))
			return -ENOMEM;
	return rc_state_sort(out);
}

int tg_random_actual(struct tg_rng *r, const struct rc_state *desired,
		     struct rc_state *out)
{
	if (tg_chance(r, 60))
		return tg_mutate_state(r, desired, out, 70);
	return tg_random_state(r, out, 60);
}

int tg_expected(const struct rc_state *desired, const struct rc_state *actual,
		bool prune, struct rc_state *out)
{
	int err = rc_state_copy(out, desired);

	if (err)
		return err;
	for (size_t i = 0; i < actual->n && !prune; i++) {
		const struct rc_service *a = &actual->svcs[i];
		struct rc_service *s;

		if (a->owned || rc_state_find(desired, &a->key))
			continue;
		s = rc_state_add_service(out, &a->key);
		if (!s)
			return -ENOMEM;
		*s = *a;
		s->reals = NULL;
		s->n_reals = s->cap_reals = 0;
		for (size_t j = 0; j < a->n_reals; j++) {
			struct rc_real *re = rc_service_add_real(
			    s, &a->reals[j].addr, a->reals[j].port);
			if (!re)
				return -ENOMEM;
			*re = a->reals[j];
		}
	}
	return rc_state_sort(out);
}

bool tg_states_equal(const struct rc_state *a, const struct rc_state *b,
		     bool check_owned, char *why, size_t len)
{
	char k[96];

	if (a->n != b->n) {
		snprintf(why, len, "%zu services vs %zu", a->n, b->n);
		return false;
	}
	for (size_t i = 0; i < a->n; i++) {
		const struct rc_service *x = &a->svcs[i], *y = &b->svcs[i];

		rc_svc_key_fmt(&x->key, k, sizeof(k));
		if (rc_svc_key_cmp(&x->key, &y->key) ||
		    memcmp(&x->key, &y->key, sizeof(x->key))) {
			snprintf(why, len, "service %zu: %s vs other key", i,
				 k);
			return false;
		}
		if (!rc_service_attrs_equal(x, y) ||
		    (check_owned && x->owned != y->owned)) {
			snprintf(why, len, "service %s: attributes differ", k);
			return false;
		}
		if (x->n_reals != y->n_reals) {
			snprintf(why, len, "service %s: %zu reals vs %zu", k,
				 x->n_reals, y->n_reals);
			return false;
		}
		for (size_t j = 0; j < x->n_reals; j++) {
			if (rc_real_key_cmp(&x->reals[j], &y->reals[j]) ||
			    !rc_real_attrs_equal(&x->reals[j], &y->reals[j])) {
				snprintf(why, len,
					 "service %s: real %zu differs", k, j);
				return false;
			}
		}
	}
	return true;
}

/* ---- plan oracle ------------------------------------------------------- */

static uint32_t svc_bits(const struct rc_service *d, const struct rc_service *a)
{
	return (strcmp(d->sched, a->sched) ? RC_CH_SCHED : 0) |
	       (d->flags != a->flags ? RC_CH_FLAGS : 0) |
	       (d->timeout != a->timeout ? RC_CH_TIMEOUT : 0) |
	       (d->netmask != a->netmask ? RC_CH_NETMASK : 0);
}

static uint32_t real_bits(const struct rc_real *d, const struct rc_real *a)
{
	return (d->weight != a->weight ? RC_CH_WEIGHT : 0) |
	       (d->fwd != a->fwd ? RC_CH_FWD : 0) |
	       (d->tunnel != a->tunnel || d->tunnel_port != a->tunnel_port
		    ? RC_CH_TUNNEL
		    : 0) |
	       (d->u_threshold != a->u_threshold ||
			d->l_threshold != a->l_threshold
		    ? RC_CH_THRESHOLDS
		    : 0);
}

struct op_id {
	struct rc_svc_key key;
	bool is_real;
	struct lb_addr addr;
	uint16_t port;
};

static int op_id_cmp(const void *pa, const void *pb)
{
	const struct op_id *a = pa, *b = pb;
	int c = rc_svc_key_cmp(&a->key, &b->key);

	if (c)
		return c;
	if (a->is_real != b->is_real)
		return a->is_real ? 1 : -1;
	c = lb_addr_cmp(&a->addr, &b->addr);
	if (c)
		return c;
	return a->port < b->port ? -1 : a->port > b->port;
}

#define FAIL(...)                                                              \
	do {                                                                   \
		snprintf(why, len, __VA_ARGS__);                               \
		goto out;                                                      \
	} while (0)

static size_t expected_ops(const struct rc_state *desired,
			   const struct rc_state *actual, bool prune,
			   size_t *n_foreign)
{
	size_t n = 0;

	*n_foreign = 0;
	for (size_t i = 0; i < desired->n; i++) {
		const struct rc_service *d = &desired->svcs[i];
		const struct rc_service *a = rc_state_find(actual, &d->key);

		if (!a) {
			n += 1 + d->n_reals;
			continue;
		}
		n += svc_bits(d, a) ? 1 : 0;
		for (size_t j = 0; j < d->n_reals; j++) {
			const struct rc_real *ar = rc_service_find_real(
			    a, &d->reals[j].addr, d->reals[j].port);

			n += !ar || real_bits(&d->reals[j], ar) ? 1 : 0;
		}
		for (size_t j = 0; j < a->n_reals; j++)
			n += rc_service_find_real(d, &a->reals[j].addr,
						  a->reals[j].port)
				 ? 0
				 : 1;
	}
	for (size_t i = 0; i < actual->n; i++) {
		const struct rc_service *a = &actual->svcs[i];

		if (rc_state_find(desired, &a->key))
			continue;
		if (a->owned || prune)
			n += 1 + a->n_reals;
		else
			(*n_foreign)++;
	}
	return n;
}

static bool check_op(const struct rc_op *op, const struct rc_state *desired,
		     const struct rc_state *actual, bool prune, char *why,
		     size_t len)
{
	const struct rc_service *d = rc_state_find(desired, &op->svc->key);
	const struct rc_service *a = rc_state_find(actual, &op->svc->key);
	const struct rc_real *dr = NULL, *ar = NULL;
	const char *kn = rc_op_kind_name(op->kind);

	if (op->real) {
		dr =
		    d ? rc_service_find_real(d, &op->real->addr, op->real->port)
		      : NULL;
		ar =
		    a ? rc_service_find_real(a, &op->real->addr, op->real->port)
		      : NULL;
	}
	switch (op->kind) {
	case RC_OP_SVC_ADD:
		if (!d || a || op->svc != d)
			FAIL("%s of a service not only in desired", kn);
		break;
	case RC_OP_SVC_EDIT:
		if (!d || !a || op->svc != d || op->old_svc != a)
			FAIL("%s of a service not in both", kn);
		if (!op->changed || op->changed != svc_bits(d, a))
			FAIL("%s changed bits 0x%x, want 0x%x", kn, op->changed,
			     svc_bits(d, a));
		break;
	case RC_OP_SVC_DEL:
		if (d || !a || op->svc != a)
			FAIL("%s of a service not only in actual", kn);
		if (!a->owned && !prune)
			FAIL("%s of a foreign service without prune", kn);
		break;
	case RC_OP_REAL_ADD:
		if (!d || !dr || ar || op->real != dr)
			FAIL("%s of a real not only in desired", kn);
		break;
	case RC_OP_REAL_EDIT:
		if (!dr || !ar || op->real != dr || op->old_real != ar)
			FAIL("%s of a real not in both", kn);
		if (!op->changed || op->changed != real_bits(dr, ar))
			FAIL("%s changed bits 0x%x, want 0x%x", kn, op->changed,
			     real_bits(dr, ar));
		break;
	case RC_OP_REAL_DEL:
		if (!ar || dr || op->real != ar)
			FAIL("%s of a real not only in actual", kn);
		if (!d && !a->owned && !prune)
			FAIL("%s in a foreign service", kn);
		break;
	default:
		FAIL("unknown op kind %d", op->kind);
	}
	return true;
out:
	return false;
}

bool tg_plan_valid(const struct rc_plan *plan, const struct rc_state *desired,
		   const struct rc_state *actual, bool prune, char *why,
		   size_t len)
{
	struct op_id *ids = NULL;
	size_t want, n_foreign;
	bool ok = false;

	for (size_t i = 1; i < plan->n; i++)
		if (plan->ops[i].kind < plan->ops[i - 1].kind)
			FAIL("op %zu (%s) after %s: order broken", i,
			     rc_op_kind_name(plan->ops[i].kind),
			     rc_op_kind_name(plan->ops[i - 1].kind));
	for (size_t i = 0; i < plan->n; i++)
		if (!check_op(&plan->ops[i], desired, actual, prune, why, len))
			goto out;
	want = expected_ops(desired, actual, prune, &n_foreign);
	if (plan->n != want)
		FAIL("%zu ops, want %zu", plan->n, want);
	if (plan->n_foreign != n_foreign)
		FAIL("%zu foreign, want %zu", plan->n_foreign, n_foreign);
	for (size_t i = 0; i < plan->n_foreign; i++) {
		const struct rc_service *f = plan->foreign[i];

		if (f->owned || rc_state_find(desired, &f->key) ||
		    rc_state_find(actual, &f->key) != f)
			FAIL("foreign[%zu] is not an unowned service of actual "
			     "only",
			     i);
	}
	/* One op per service and per real: an edit is never a delete + add. */
	ids = calloc(plan->n ? plan->n : 1, sizeof(*ids));
	if (!ids)
		FAIL("out of memory");
	for (size_t i = 0; i < plan->n; i++) {
		const struct rc_op *op = &plan->ops[i];

		ids[i].key = op->svc->key;
		if (op->real) {
			ids[i].is_real = true;
			ids[i].addr = op->real->addr;
			ids[i].port = op->real->port;
		}
	}
	qsort(ids, plan->n, sizeof(*ids), op_id_cmp);
	for (size_t i = 1; i < plan->n; i++)
		if (!op_id_cmp(&ids[i - 1], &ids[i]))
			FAIL("two ops for one object");
	ok = true;
out:
	free(ids);
	return ok;
}
