/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * diff(desired, actual) -> plan. A pure function over plain data: no I/O, no
 * allocation beyond the plan, no globals. Both states must be sorted.
 */
#ifndef BALLAST_RECONCILE_DIFF_H
#define BALLAST_RECONCILE_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reconcile/model.h"

/*
 * Operation kinds in the order a plan lists them: services appear before their
 * reals, reals gain capacity (add, weight changes) before any is removed, and
 * reals leave before their service does. A service that leaves gets a
 * REAL_DEL for every real it still has, then its SVC_DEL, so a plan shows
 * each real that stops taking traffic (dataplanes apply them as usual).
 */
enum rc_op_kind {
	RC_OP_SVC_ADD = 0,
	RC_OP_SVC_EDIT,
	RC_OP_REAL_ADD,
	RC_OP_REAL_EDIT,
	RC_OP_REAL_DEL,
	RC_OP_SVC_DEL,
};

/* Bits of rc_op.changed: which compared fields differ in an edit. */
enum rc_change {
	RC_CH_SCHED = 1u << 0,
	RC_CH_FLAGS = 1u << 1,
	RC_CH_TIMEOUT = 1u << 2,
	RC_CH_NETMASK = 1u << 3,
	RC_CH_WEIGHT = 1u << 8,
	RC_CH_FWD = 1u << 9,
	RC_CH_TUNNEL = 1u << 10,
	RC_CH_THRESHOLDS = 1u << 11,
};

/*
 * One operation. Pointers reference the states passed to rc_diff(), which
 * must outlive the plan.
 *  SVC_ADD:   svc = desired.               SVC_EDIT: svc = desired, old_svc = actual.
 *  SVC_DEL:   svc = actual.
 *  REAL_ADD:  svc = desired, real = desired.
 *  REAL_EDIT: svc = desired, real = desired, old_real = actual.
 *  REAL_DEL:  svc = actual (or desired's twin), real = actual.
 */
struct rc_op {
	enum rc_op_kind kind;
	uint32_t changed;
	const struct rc_service *svc;
	const struct rc_service *old_svc;
	const struct rc_real *real;
	const struct rc_real *old_real;
};

struct rc_plan {
	struct rc_op *ops;
	size_t n;
	size_t cap;
	/* Services present but not ours and not in desired: left alone. */
	const struct rc_service **foreign;
	size_t n_foreign;
	size_t cap_foreign;
};

struct rc_diff_opts {
	/* Also delete services that are in actual, not desired, and not owned. */
	bool prune;
};

void rc_plan_init(struct rc_plan *p);
void rc_plan_free(struct rc_plan *p);

/*
 * Compute the operations that turn `actual` into `desired`. Services in
 * `actual` that are owned (created by Ballast) and absent from `desired` are
 * deleted; unowned ones are listed in plan->foreign unless opts->prune.
 * `plan` must be initialised (rc_plan_init); what it held is released.
 * opts may be NULL (no pruning). Returns 0 or -ENOMEM.
 */
int rc_diff(const struct rc_state *desired, const struct rc_state *actual,
	    const struct rc_diff_opts *opts, struct rc_plan *plan)
	__attribute__((warn_unused_result));

const char *rc_op_kind_name(enum rc_op_kind k);

#endif
