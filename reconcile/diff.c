// SPDX-License-Identifier: GPL-2.0-only
/*
 * diff(desired, actual): one linear merge over two sorted states.
 *
 * The merge appends each operation to a bucket for its kind; the buckets
 * are then concatenated in kind order. That yields the safe global order
 * (every SVC_ADD, then SVC_EDIT, REAL_ADD, REAL_EDIT, REAL_DEL, SVC_DEL) with
 * no sort and a single read of both states (the diff is bound by memory
 * traffic, not by comparisons), and within a kind the ops follow key order,
 * so plans are deterministic.
 *
 * A service that leaves gets a REAL_DEL for each of its reals before its
 * SVC_DEL. A kernel would drop the reals with the service anyway, but the
 * explicit ops keep the plan honest about what stops receiving traffic and
 * keep the order invariant ("reals leave before their service") checkable.
 */
#include "reconcile/diff.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/array.h"

#define N_KINDS (RC_OP_SVC_DEL + 1)

struct bucket {
	struct rc_op *ops;
	size_t n;
	size_t cap;
};

struct emitter {
	struct bucket b[N_KINDS];
	const struct rc_service **foreign;
	size_t n_foreign;
	size_t cap_foreign;
	int err; /* -ENOMEM once any append failed */
};

static void emit(struct emitter *e, enum rc_op_kind kind, uint32_t changed,
		 const struct rc_service *svc, const struct rc_service *old_svc,
		 const struct rc_real *real, const struct rc_real *old_real)
{
	struct bucket *b = &e->b[kind];
	struct rc_op *op;

	if (e->err)
		return;
	if (lb_array_reserve((void **)&b->ops, &b->cap, b->n, sizeof(*b->ops),
			     16)) {
		e->err = -ENOMEM;
		return;
	}
	op = &b->ops[b->n++];
	op->kind = kind;
	op->changed = changed;
	op->svc = svc;
	op->old_svc = old_svc;
	op->real = real;
	op->old_real = old_real;
}

static void emit_foreign(struct emitter *e, const struct rc_service *svc)
{
	if (e->err)
		return;
	if (lb_array_reserve((void **)&e->foreign, &e->cap_foreign,
			     e->n_foreign, sizeof(*e->foreign), 16)) {
		e->err = -ENOMEM;
		return;
	}
	e->foreign[e->n_foreign++] = svc;
}

static uint32_t svc_changes(const struct rc_service *d,
			    const struct rc_service *a)
{
	uint32_t ch = 0;

	if (strncmp(d->sched, a->sched, sizeof(d->sched)))
		ch |= RC_CH_SCHED;
	if (d->flags != a->flags)
		ch |= RC_CH_FLAGS;
	if (d->timeout != a->timeout)
		ch |= RC_CH_TIMEOUT;
	if (d->netmask != a->netmask)
		ch |= RC_CH_NETMASK;
	return ch;
}

static uint32_t real_changes(const struct rc_real *d, const struct rc_real *a)
{
	uint32_t ch = 0;

	if (d->weight != a->weight)
		ch |= RC_CH_WEIGHT;
	if (d->fwd != a->fwd)
		ch |= RC_CH_FWD;
	if (d->tunnel != a->tunnel || d->tunnel_port != a->tunnel_port)
		ch |= RC_CH_TUNNEL;
	if (d->u_threshold != a->u_threshold ||
	    d->l_threshold != a->l_threshold)
		ch |= RC_CH_THRESHOLDS;
	return ch;
}

/*
 * The merge's hot path compares 100,000 real keys twice; an inlined compare
 * (same order as rc_real_key_cmp) keeps it off a cross-file call chain.
 */
static inline int real_key_cmp(const struct rc_real *a, const struct rc_real *b)
{
	int c = lb_addr_cmp(&a->addr, &b->addr);

	if (c)
		return c;
	return a->port < b->port ? -1 : a->port > b->port;
}

static void add_service(struct emitter *e, const struct rc_service *d)
{
	emit(e, RC_OP_SVC_ADD, 0, d, NULL, NULL, NULL);
	for (size_t i = 0; i < d->n_reals; i++)
		emit(e, RC_OP_REAL_ADD, 0, d, NULL, &d->reals[i], NULL);
}

static void del_service(struct emitter *e, const struct rc_service *a)
{
	for (size_t i = 0; i < a->n_reals; i++)
		emit(e, RC_OP_REAL_DEL, 0, a, NULL, &a->reals[i], NULL);
	emit(e, RC_OP_SVC_DEL, 0, a, NULL, NULL, NULL);
}

/* Both services exist: compare attributes, then merge their reals. */
static void merge_service(struct emitter *e, const struct rc_service *d,
			  const struct rc_service *a)
{
	uint32_t ch = svc_changes(d, a);
	size_t i = 0, j = 0;

	if (ch)
		emit(e, RC_OP_SVC_EDIT, ch, d, a, NULL, NULL);
	while (i < d->n_reals || j < a->n_reals) {
		const struct rc_real *dr = i < d->n_reals ? &d->reals[i] : NULL;
		const struct rc_real *ar = j < a->n_reals ? &a->reals[j] : NULL;
		int c = !dr ? 1 : !ar ? -1 : real_key_cmp(dr, ar);

		if (c < 0) {
			emit(e, RC_OP_REAL_ADD, 0, d, NULL, dr, NULL);
			i++;
		} else if (c > 0) {
			/* desired's twin: it carries the configured name */
			emit(e, RC_OP_REAL_DEL, 0, d, NULL, ar, NULL);
			j++;
		} else {
			uint32_t rch = real_changes(dr, ar);

			if (rch)
				emit(e, RC_OP_REAL_EDIT, rch, d, NULL, dr, ar);
			i++;
			j++;
		}
	}
}

static void walk(struct emitter *e, const struct rc_state *desired,
		 const struct rc_state *actual, const struct rc_diff_opts *opts)
{
	bool prune = opts && opts->prune;
	size_t i = 0, j = 0;

	while (i < desired->n || j < actual->n) {
		const struct rc_service *d =
		    i < desired->n ? &desired->svcs[i] : NULL;
		const struct rc_service *a =
		    j < actual->n ? &actual->svcs[j] : NULL;
		int c = !d ? 1 : !a ? -1 : rc_svc_key_cmp(&d->key, &a->key);

		if (c < 0) {
			add_service(e, d);
			i++;
		} else if (c > 0) {
			if (a->owned || prune)
				del_service(e, a);
			else
				emit_foreign(e, a);
			j++;
		} else {
			merge_service(e, d, a);
			i++;
			j++;
		}
	}
}

void rc_plan_init(struct rc_plan *p)
{
	memset(p, 0, sizeof(*p));
}

void rc_plan_free(struct rc_plan *p)
{
	if (!p)
		return;
	free(p->ops);
	free(p->foreign);
	rc_plan_init(p);
}

int rc_diff(const struct rc_state *desired, const struct rc_state *actual,
	    const struct rc_diff_opts *opts, struct rc_plan *plan)
{
	struct emitter e;
	size_t total = 0;
	int k, err;

	memset(&e, 0, sizeof(e));
	walk(&e, desired, actual, opts);
	err = e.err;
	rc_plan_free(plan);
	if (err)
		goto out;
	for (k = 0; k < N_KINDS; k++)
		total += e.b[k].n;

	/*
	 * Hand a non-empty bucket over when it is the only one (a full sync
	 * is all adds); otherwise concatenate into one exact allocation.
	 */
	for (k = 0; k < N_KINDS && e.b[k].n != total; k++)
		;
	if (total && k < N_KINDS) {
		plan->ops = e.b[k].ops;
		plan->cap = e.b[k].cap;
		e.b[k].ops = NULL;
	} else if (total) {
		plan->ops = malloc(total * sizeof(*plan->ops));
		if (!plan->ops) {
			err = -ENOMEM;
			goto out;
		}
		plan->cap = total;
		for (k = 0; k < N_KINDS; k++) {
			if (e.b[k].n)
				memcpy(plan->ops + plan->n, e.b[k].ops,
				       e.b[k].n * sizeof(*plan->ops));
			plan->n += e.b[k].n;
		}
	}
	plan->n = total;
	plan->foreign = e.foreign;
	plan->n_foreign = e.n_foreign;
	plan->cap_foreign = e.cap_foreign;
	e.foreign = NULL;
out:
	for (k = 0; k < N_KINDS; k++)
		free(e.b[k].ops);
	free(e.foreign);
	return err;
}

const char *rc_op_kind_name(enum rc_op_kind k)
{
	static const char *const names[] = {
	    [RC_OP_SVC_ADD] = "svc-add",   [RC_OP_SVC_EDIT] = "svc-edit",
	    [RC_OP_REAL_ADD] = "real-add", [RC_OP_REAL_EDIT] = "real-edit",
	    [RC_OP_REAL_DEL] = "real-del", [RC_OP_SVC_DEL] = "svc-del",
	};

	return (unsigned)k < N_KINDS ? names[k] : "unknown";
}
