// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reconcile-loop benchmark: 1,000 services x 100 reals, converged, on the
 * fake dataplane. Times each kind of pass (full, a tick's slice, a scoped
 * pass for one backend's health change) and the time from
 * rc_loop_backend_changed() to the dataplane write through the event loop,
 * median of RUNS. Two dataplanes: the fake as it is (its read_services()
 * copies the whole table, then filters; its apply() copies the table to
 * apply to) and "per-service", an in-memory table read per service (like
 * IPVS's per-service dump) and written op by op, so the loop's own cost per
 * pass shows.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "dataplane/fake/fake.h"
#include "dataplane/fake/fake_state.h"
#include "reconcile/loop.h"
#include "tests/bench/bench_cfg.h"
#include "tests/bench/bench_stat.h"

#define N_SVCS 1000
#define N_REALS 100
#define RUNS 101

/* ---- a weight source: one backend's weight moves ------------------------- */

static struct lb_addr moving;
static uint32_t moving_weight = 1;

static uint32_t src_weight(void *ctx, const struct cfg_pool *pool,
			   const struct cfg_backend *b)
{
	return lb_addr_cmp(&b->addr, &moving) ? b->weight : moving_weight;
}

/* ---- the per-service dataplane ------------------------------------------- */

static struct dp_ops per_service_ops;

/* Copy only the services asked for, out of one full read kept aside. */
static struct rc_state shadow;

static int per_service_read(struct dp *dp, const struct rc_svc_key *keys,
			    size_t n, struct rc_state *actual)
{
	int err;

	for (size_t i = 0; i < n; i++) {
		const struct rc_service *s = rc_state_find(&shadow, &keys[i]);
		struct rc_service *c;

		if (!s)
			continue;
		c = rc_state_add_service(actual, &s->key);
		if (!c)
			return -ENOMEM;
		{
			struct rc_real *reals = NULL;

			if (s->n_reals) {
				reals = malloc(s->n_reals * sizeof(*reals));
				if (!reals)
					return -ENOMEM;
				memcpy(reals, s->reals,
				       s->n_reals * sizeof(*reals));
			}
			*c = *s;
			c->reals = reals;
			c->cap_reals = s->n_reals;
		}
	}
	err = rc_state_sort(actual);
	return err;
}

/* Writes go to the shadow table in place, op by op, like a kernel's. */
static int per_service_apply(struct dp *dp, const struct rc_plan *plan,
			     struct dp_result *res)
{
	int err = dp_result_alloc(res, plan->n), first = 0;

	for (size_t i = 0; !err && i < plan->n; i++) {
		res->err[i] = dp_fake_apply_op(&shadow, &plan->ops[i]);
		if (res->err[i] && !first)
			first = res->err[i];
		if (res->err[i])
			res->n_failed++;
		else
			res->n_ok++;
	}
	return err ? err : first;
}

static int per_service_full_read(struct dp *dp, struct rc_state *actual)
{
	return rc_state_copy(actual, &shadow);
}

/* ---- measuring ----------------------------------------------------------- */

static uint64_t seen_passes;

static void on_event(void *arg, const struct rc_loop_event *ev)
{
	if (ev->kind == RC_LOOP_EV_PASS)
		seen_passes++;
	else if (ev->kind != RC_LOOP_EV_GENERATION)
		fprintf(stderr, "event: %s: %s\n",
			rc_loop_event_kind_name(ev->kind), ev->text);
}

static int run_one_pass(struct lb_loop *ev)
{
	uint64_t want = seen_passes + 1;
	double end = bench_now_ms() + 10000;

	while (seen_passes < want) {
		if (bench_now_ms() > end || lb_loop_run_once(ev, 100) < 0)
			return -ETIMEDOUT;
	}
	return 0;
}

struct figures {
	double full, slice, scoped, transition;
};

static int bench(const char *name, const struct dp_ops *ops, struct figures *f)
{
	struct rc_weight_src src = {.weight = src_weight};
	struct dp_open_args args = {0};
	double t_full[RUNS], t_slice[RUNS], t_scoped[RUNS], t_tr[RUNS];
	struct rc_loop_opts o;
	struct rc_loop_status st;
	struct lb_loop *ev = NULL;
	struct rc_loop *l = NULL;
	struct dp *dp = NULL;
	struct cfg *cfg;
	int err;

	cfg = bench_cfg_build("dataplane: {driver: fake}\n", N_SVCS, N_REALS, 1);
	if (!cfg)
		return -EINVAL;
	err = lb_loop_new(&ev);
	if (!err)
		err = dp_fake_ops.open(&dp, &args);
	if (err)
		goto out;
	rc_loop_opts_init(&o);
	o.max_removal_fraction = 1;
	err = rc_loop_new(ev, &o, ops, dp, &src, on_event, NULL, &l);
	if (!err)
		err = rc_loop_set_config(l, cfg, 0);
	cfg = NULL;
	if (!err)
		err = run_one_pass(ev); /* 101,000 ops: the initial sync */
	if (err)
		goto out;
	lb_addr_parse("10.1.244.7", &moving);
	for (int i = 0; i < RUNS && !err; i++) {
		double t0;

		rc_loop_full_pass(l);
		err = run_one_pass(ev);
		rc_loop_status(l, &st);
		t_full[i] = (double)st.last_duration_us / 1e3;
		/* the loop's tick body, without waiting for the tick */
		rc_loop_status(l, &st);
		{
			struct rc_svc_key
			    keys[N_SVCS / RC_LOOP_DEFAULT_COVER_TICKS];
			const struct cfg *c = rc_loop_config(l);

			for (size_t k = 0; k < st.slice_size; k++)
				rc_desired_service_key(
				    &c->services[(k +
						  (size_t)i * st.slice_size) %
						 N_SVCS],
				    &keys[k]);
			if (!err)
				err = rc_loop_services_changed(l, keys,
							       st.slice_size);
		}
		if (!err)
			err = run_one_pass(ev);
		rc_loop_status(l, &st);
		t_slice[i] = (double)st.last_duration_us / 1e3;
		/* a health transition: one backend's weight, one write */
		moving_weight = moving_weight == 1 ? 0 : 1;
		t0 = bench_now_ms();
		if (!err)
			err = rc_loop_backend_changed(l, &moving);
		if (!err)
			err = run_one_pass(ev);
		t_tr[i] = bench_now_ms() - t0;
		rc_loop_status(l, &st);
		t_scoped[i] = (double)st.last_duration_us / 1e3;
		if (!err && (st.last_ops != 1 || st.last_result != RC_LOOP_OK))
			err = -EPROTO;
	}
	if (err)
		goto out;
	f->full = bench_median(t_full, RUNS);
	f->slice = bench_median(t_slice, RUNS);
	f->scoped = bench_median(t_scoped, RUNS);
	f->transition = bench_median(t_tr, RUNS);
	printf(
	    "%-12s full %7.2f ms  slice (%zu svcs) %6.2f ms  scoped %6.2f ms  "
	    "transition->write %6.2f ms\n",
	    name, f->full, st.slice_size, f->slice, f->scoped, f->transition);
out:
	if (err)
		fprintf(stderr, "bench_loop: %s: %s\n", name, strerror(-err));
	rc_loop_free(l);
	if (dp)
		dp_fake_ops.close(dp, false);
	lb_loop_free(ev);
	cfg_free(cfg);
	return err;
}

int main(void)
{
	struct figures fake, per;
	struct rusage ru;
	int err;

	printf("reconcile loop, %d services x %d reals, median of %d\n", N_SVCS,
	       N_REALS, RUNS);
	per_service_ops = dp_fake_ops;
	per_service_ops.read = per_service_full_read;
	per_service_ops.read_services = per_service_read;
	per_service_ops.apply = per_service_apply;
	err = bench("fake", &dp_fake_ops, &fake);
	if (!err)
		err = bench("per-service", &per_service_ops, &per);
	rc_state_free(&shadow);
	getrusage(RUSAGE_SELF, &ru);
	printf("peak RSS %.1f MiB\n", (double)ru.ru_maxrss / 1024.0);
	return err ? 1 : 0;
}
