/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One reconcile pass: read the dataplane, build the desired state, diff, and
 * on request apply. The one-shot commands and the daemon share it; the
 * controller only ever sees a dataplane through its ops table.
 */
#ifndef BALLAST_RECONCILE_CONTROLLER_H
#define BALLAST_RECONCILE_CONTROLLER_H

#include "config/config.h"
#include "reconcile/dataplane.h"
#include "reconcile/desired.h"
#include "reconcile/diff.h"

struct rc_ctl;

int rc_ctl_new(const struct dp_ops *ops, struct dp *dp, struct rc_ctl **out)
	__attribute__((warn_unused_result));
void rc_ctl_free(struct rc_ctl *ctl);

/*
 * Read the live state and compute the plan that converges it to what `cfg`
 * (with weights from `src`, may be NULL) describes. The plan stays valid until
 * the next rc_ctl_plan() or rc_ctl_free(). A dataplane read failure is
 * returned as its negative errno.
 */
int rc_ctl_plan(struct rc_ctl *ctl, const struct cfg *cfg,
		const struct rc_weight_src *src,
		const struct rc_diff_opts *opts, const struct rc_plan **plan)
	__attribute__((warn_unused_result));

/*
 * A pass scoped to the services keys[0..n) name (e.g. the one whose backend a
 * health event changed): desired is built for those services of `cfg` only
 * (rc_desired_build_services), only they are read back (the dataplane's
 * read_services(), else a full read filtered), and the plan touches nothing
 * else. A scoped key the config no longer names but the dataplane holds as
 * owned is deleted, like in a full pass; services outside the scope are never
 * deleted, pruning is off and no foreign service is listed. The periodic
 * full pass (rc_ctl_plan) repairs drift elsewhere. Same lifetime and errors
 * as rc_ctl_plan(); rc_ctl_apply() applies it.
 */
int rc_ctl_plan_services(struct rc_ctl *ctl, const struct cfg *cfg,
			 const struct rc_weight_src *src,
			 const struct rc_diff_opts *opts,
			 const struct rc_svc_key *keys, size_t n,
			 const struct rc_plan **plan)
	__attribute__((warn_unused_result));

/* Apply the plan rc_ctl_plan*() computed; per-op results in res. */
int rc_ctl_apply(struct rc_ctl *ctl, struct dp_result *res)
	__attribute__((warn_unused_result));

/* The states behind the current plan (valid as long as the plan). */
const struct rc_state *rc_ctl_desired(const struct rc_ctl *ctl);
const struct rc_state *rc_ctl_actual(const struct rc_ctl *ctl);

#endif
