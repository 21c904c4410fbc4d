// SPDX-License-Identifier: GPL-2.0-only
/* Kernel-like application of one plan operation to an in-memory state. */
#include "dataplane/fake/fake_state.h"

#include <errno.h>
#include <string.h>

static void copy_svc_attrs(struct rc_service *dst, const struct rc_service *src)
{
	memcpy(dst->sched, src->sched, sizeof(dst->sched));
	dst->flags = src->flags;
	dst->timeout = src->timeout;
	dst->netmask = src->netmask;
}

static void copy_real_attrs(struct rc_real *dst, const struct rc_real *src)
{
	dst->weight = src->weight;
	dst->fwd = src->fwd;
	dst->tunnel = src->tunnel;
	dst->tunnel_port = src->tunnel_port;
	dst->u_threshold = src->u_threshold;
	dst->l_threshold = src->l_threshold;
}

static int svc_add(struct rc_state *st, const struct rc_service *want)
{
	size_t pos = rc_svc_lower_bound(st->svcs, st->n, &want->key);
	struct rc_service *svc, tmp;

	if (pos < st->n && !rc_svc_key_cmp(&st->svcs[pos].key, &want->key))
		return -EEXIST;
	/* Append, then rotate into place to keep the array sorted. */
	svc = rc_state_add_service(st, &want->key);
	if (!svc)
		return -ENOMEM;
	copy_svc_attrs(svc, want);
	memcpy(svc->name, want->name, sizeof(svc->name));
	svc->owned = true;
	tmp = *svc;
	memmove(&st->svcs[pos + 1], &st->svcs[pos],
		(st->n - 1 - pos) * sizeof(*st->svcs));
	st->svcs[pos] = tmp;
	return 0;
}

static int real_add(struct rc_service *svc, const struct rc_real *want)
{
	size_t pos = rc_real_lower_bound(svc->reals, svc->n_reals, &want->addr,
					 want->port);
	struct rc_real *r, tmp;

	if (pos < svc->n_reals && !rc_real_key_cmp(&svc->reals[pos], want))
		return -EEXIST;
	r = rc_service_add_real(svc, &want->addr, want->port);
	if (!r)
		return -ENOMEM;
	copy_real_attrs(r, want);
	tmp = *r;
	memmove(&svc->reals[pos + 1], &svc->reals[pos],
		(svc->n_reals - 1 - pos) * sizeof(*svc->reals));
	svc->reals[pos] = tmp;
	return 0;
}

int dp_fake_apply_op(struct rc_state *st, const struct rc_op *op)
{
	struct rc_service *svc;
	struct rc_real *r;

	if (op->kind == RC_OP_SVC_ADD)
		return svc_add(st, op->svc);
	svc = rc_state_find(st, &op->svc->key);
	if (!svc)
		return -ENOENT;
	switch (op->kind) {
	case RC_OP_SVC_EDIT:
		copy_svc_attrs(svc, op->svc);
		return 0;
	case RC_OP_SVC_DEL:
		rc_state_remove_service(st, &op->svc->key);
		return 0;
	case RC_OP_REAL_ADD:
		return real_add(svc, op->real);
	case RC_OP_REAL_EDIT:
		r = rc_service_find_real(svc, &op->real->addr, op->real->port);
		if (!r)
			return -ENOENT;
		copy_real_attrs(r, op->real);
		return 0;
	case RC_OP_REAL_DEL:
		return rc_service_remove_real(svc, &op->real->addr,
					      op->real->port)
			   ? 0
			   : -ENOENT;
	case RC_OP_SVC_ADD:
	default:
		return -EINVAL;
	}
}
