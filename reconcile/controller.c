// SPDX-License-Identifier: GPL-2.0-only
#include "reconcile/controller.h"

#include <errno.h>
#include <stdlib.h>

struct rc_ctl {
	const struct dp_ops *ops;
	struct dp *dp;
	struct rc_state desired;
	struct rc_state actual;
	struct rc_plan plan;
	bool have_plan;
};

int rc_ctl_new(const struct dp_ops *ops, struct dp *dp, struct rc_ctl **out)
{
	struct rc_ctl *ctl = calloc(1, sizeof(*ctl));

	if (!ctl)
		return -ENOMEM;
	ctl->ops = ops;
	ctl->dp = dp;
	rc_state_init(&ctl->desired);
	rc_state_init(&ctl->actual);
	rc_plan_init(&ctl->plan);
	*out = ctl;
	return 0;
}

static void ctl_reset(struct rc_ctl *ctl)
{
	rc_plan_free(&ctl->plan);
	rc_state_free(&ctl->desired);
	rc_state_free(&ctl->actual);
	rc_state_init(&ctl->desired);
	rc_state_init(&ctl->actual);
	rc_plan_init(&ctl->plan);
	ctl->have_plan = false;
}

void rc_ctl_free(struct rc_ctl *ctl)
{
	if (!ctl)
		return;
	ctl_reset(ctl);
	free(ctl);
}

int rc_ctl_plan(struct rc_ctl *ctl, const struct cfg *cfg,
		const struct rc_weight_src *src,
		const struct rc_diff_opts *opts, const struct rc_plan **plan)
{
	int ret;

	/* Every pass starts from what the dataplane says now, never a cache. */
	ctl_reset(ctl);
	ret = ctl->ops->read(ctl->dp, &ctl->actual);
	if (ret)
		return ret;
	ret = rc_desired_build(cfg, src, &ctl->desired);
	if (ret)
		return ret;
	ret = rc_diff(&ctl->desired, &ctl->actual, opts, &ctl->plan);
	if (ret)
		return ret;
	ctl->have_plan = true;
	*plan = &ctl->plan;
	return 0;
}

int rc_ctl_plan_services(struct rc_ctl *ctl, const struct cfg *cfg,
			 const struct rc_weight_src *src,
			 const struct rc_diff_opts *opts,
			 const struct rc_svc_key *keys, size_t n,
			 const struct rc_plan **plan)
{
	struct rc_diff_opts sopts = {.prune = false};
	int ret;

	/* Pruning is a decision over the whole table: not in a scoped pass. */
	if (opts)
		sopts = *opts;
	sopts.prune = false;
	ctl_reset(ctl);
	ret = rc_desired_build_services(cfg, src, keys, n, &ctl->desired);
	if (ret)
		return ret;
	/* Still read from the dataplane, never a cache: just less of it. */
	if (ctl->ops->read_services) {
		ret = ctl->ops->read_services(ctl->dp, keys, n, &ctl->actual);
	} else {
		ret = ctl->ops->read(ctl->dp, &ctl->actual);
		if (!ret)
			ret = rc_state_restrict(&ctl->actual, keys, n);
	}
	if (ret)
		return ret;
	ret = rc_diff(&ctl->desired, &ctl->actual, &sopts, &ctl->plan);
	if (ret)
		return ret;
	/*
	 * An unowned scoped service the config does not name would be listed
	 * foreign; telling foreign services apart is the full pass's job.
	 */
	ctl->plan.n_foreign = 0;
	ctl->have_plan = true;
	*plan = &ctl->plan;
	return 0;
}

int rc_ctl_apply(struct rc_ctl *ctl, struct dp_result *res)
{
	if (!ctl->have_plan)
		return -EINVAL;
	return ctl->ops->apply(ctl->dp, &ctl->plan, res);
}

const struct rc_state *rc_ctl_desired(const struct rc_ctl *ctl)
{
	return &ctl->desired;
}

const struct rc_state *rc_ctl_actual(const struct rc_ctl *ctl)
{
	return &ctl->actual;
}
