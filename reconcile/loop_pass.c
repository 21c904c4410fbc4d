// SPDX-License-Identifier: GPL-2.0-only
/*
 * One pass of the reconcile loop: lock, read and plan (controller), the
 * blast-radius guard, drift classification, apply, and the bookkeeping
 * (fingerprints, retries, status, events).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reconcile/loop_internal.h"
#include "reconcile/plan_fmt.h"

/*
 * Per-object events per pass (drift, failed ops); the rest are summed up in
 * one more event so a flushed table does not flood the log. Counters count
 * every object.
 */
#define MAX_OBJECT_EVENTS 32

/* Append to a text that may already be full; cutting it short is fine. */
static void text_add(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void text_add(char *buf, size_t len, const char *fmt, ...)
{
	size_t k = strnlen(buf, len);
	va_list ap;

	if (k + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + k, len - k, fmt, ap);
	va_end(ap);
}

static uint64_t clock_us(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---- the guard ----------------------------------------------------------- */

bool rc_loop_guard(const struct rc_loop *l, enum rc_loop_pass_kind kind,
		   const struct rc_plan *plan, const struct rc_state *desired,
		   const struct rc_state *actual, size_t *removed,
		   size_t *total, char *text, size_t len)
{
	size_t *per_svc = NULL, n_actual = rc_state_count_reals(actual);
	char kbuf[96];
	bool refuse = false, oom = false;

	*removed = 0;
	*total = n_actual > l->total_reals ? n_actual : l->total_reals;
	if (actual->n) {
		per_svc = calloc(actual->n, sizeof(*per_svc));
		oom = !per_svc;
	}
	for (size_t i = 0; i < plan->n; i++) {
		const struct rc_op *op = &plan->ops[i];
		const struct cfg_service *cs;
		const struct rc_service *a;

		if (op->kind != RC_OP_REAL_DEL)
			continue;
		/* Failing over to the fallback pool (and back) is health's. */
		cs = rc_loop_index_service(&l->ix, l->cfg, &op->svc->key);
		if (cs && rc_loop_service_names_real(
			      l->cfg, cs, &op->real->addr, op->real->port))
			continue;
		(*removed)++;
		a = rc_state_find(actual, &op->svc->key);
		if (a && per_svc)
			per_svc[a - actual->svcs]++;
	}
	/* A service the config still names must keep at least one real. */
	for (size_t i = 0; per_svc && i < actual->n && !refuse; i++) {
		const struct rc_service *a = &actual->svcs[i];

		if (!a->n_reals || per_svc[i] < a->n_reals ||
		    !rc_state_find(desired, &a->key))
			continue;
		snprintf(text, len,
			 "refused: the %s pass would remove every real (%zu) "
			 "of service %s%s%s%s",
			 rc_loop_pass_kind_name(kind), a->n_reals,
			 rc_svc_key_fmt(&a->key, kbuf, sizeof(kbuf)),
			 a->name[0] ? " (" : "", a->name,
			 a->name[0] ? ")" : "");
		refuse = true;
	}
	free(per_svc);
	if (!refuse && oom && *removed) {
		snprintf(text, len, "refused: out of memory checking removals");
		refuse = true;
	}
	if (!refuse && *total &&
	    (double)*removed > l->o.max_removal_fraction * (double)*total) {
		snprintf(text, len,
			 "refused: the %s pass would remove %zu of %zu reals, "
			 "more than max_removal_fraction %.2f",
			 rc_loop_pass_kind_name(kind), *removed, *total,
			 l->o.max_removal_fraction);
		refuse = true;
	}
	if (!refuse && l->held && kind != RC_LOOP_PASS_FULL && *removed) {
		snprintf(text, len,
			 "refused: the %s pass would remove %zu reals while "
			 "generation %" PRIu64 " is held after a refused full "
			 "pass",
			 rc_loop_pass_kind_name(kind), *removed, l->gen);
		refuse = true;
	}
	if (refuse)
		text_add(text, len,
			 "; allow it explicitly for this generation");
	return refuse;
}

/* ---- drift --------------------------------------------------------------- */

struct pass {
	enum rc_loop_pass_kind kind;
	const struct rc_svc_key *keys;
	size_t n_keys;
	const struct rc_plan *plan;
	const struct rc_state *desired;
	const struct rc_state *actual;
	uint64_t *fp; /* per desired service */
	bool *failed; /* per desired service: an op of it failed */
	size_t events[RC_LOOP_EV_GENERATION + 1]; /* per-object, by kind */
	size_t drifted;
	struct dp_result res;
};

static const struct rc_service *desired_of(const struct pass *p,
					   const struct rc_op *op, size_t *idx)
{
	const struct rc_service *d = rc_state_find(p->desired, &op->svc->key);

	if (d)
		*idx = (size_t)(d - p->desired->svcs);
	return d;
}

static void object_event(struct rc_loop *l, struct pass *p,
			 enum rc_loop_event_kind kind, const struct rc_op *op,
			 int err, const char *prefix)
{
	struct rc_loop_event ev = {.kind = kind,
				   .pass = p->kind,
				   .key = &op->svc->key,
				   .op = op,
				   .err = err};
	size_t k;

	if (p->events[kind]++ >= MAX_OBJECT_EVENTS)
		return;
	snprintf(ev.text, sizeof(ev.text), "%s", prefix);
	k = strlen(ev.text);
	rc_op_fmt(op, ev.text + k, sizeof(ev.text) - k);
	if (err)
		text_add(ev.text, sizeof(ev.text), ": %s", strerror(-err));
	rc_loop_emit(l, &ev);
}

/*
 * An op on a service whose desired state did not change since a pass left
 * it converged repairs something we did not do: drift.
 */
static void classify_drift(struct rc_loop *l, struct pass *p)
{
	for (size_t i = 0; i < p->plan->n; i++) {
		const struct rc_op *op = &p->plan->ops[i];
		const struct rc_loop_fp_slot *s;
		size_t d;

		if (!desired_of(p, op, &d))
			continue; /* a service the config dropped: our change */
		s = rc_loop_fps_get(&l->fps, &op->svc->key);
		if (!s || s->fp != p->fp[d])
			continue;
		p->drifted++;
		object_event(l, p, RC_LOOP_EV_DRIFT, op, 0, "drift: ");
	}
}

/* ---- after apply --------------------------------------------------------- */

static void remember_converged(struct rc_loop *l, struct pass *p)
{
	const struct rc_plan *plan = p->plan;

	if (p->kind == RC_LOOP_PASS_FULL)
		l->fp_mark++;
	for (size_t i = 0; i < plan->n && i < p->res.n; i++) {
		size_t d;

		if (p->res.err[i] && desired_of(p, &plan->ops[i], &d))
			p->failed[d] = true;
		/* a deleted service: forget it whether or not it went */
		if (plan->ops[i].kind == RC_OP_SVC_DEL &&
		    !desired_of(p, &plan->ops[i], &d))
			rc_loop_fps_del(&l->fps, &plan->ops[i].svc->key);
	}
	for (size_t d = 0; d < p->desired->n; d++) {
		const struct rc_svc_key *k = &p->desired->svcs[d].key;

		if (p->failed[d]) {
			rc_loop_fps_del(&l->fps, k);
			continue;
		}
		/* Without memory we only lose drift detection for it. */
		if (rc_loop_fps_set(&l->fps, k, p->fp[d], l->fp_mark))
			rc_loop_fps_del(&l->fps, k);
	}
	if (p->kind == RC_LOOP_PASS_FULL)
		rc_loop_fps_sweep(&l->fps, l->fp_mark);
}

/* Keys of the services whose ops all succeeded / some failed. */
static int split_scope(const struct pass *p, struct rc_keyvec *ok,
		       struct rc_keyvec *bad)
{
	int err = 0;

	for (size_t d = 0; !err && d < p->desired->n; d++)
		err = rc_keyvec_add(p->failed[d] ? bad : ok,
				    &p->desired->svcs[d].key, 1);
	/* Failed deletions of services the config dropped. */
	for (size_t i = 0; !err && i < p->plan->n && i < p->res.n; i++) {
		size_t d;

		if (p->res.err[i] && !desired_of(p, &p->plan->ops[i], &d))
			err = rc_keyvec_add(bad, &p->plan->ops[i].svc->key, 1);
	}
	return err;
}

static void apply_and_record(struct rc_loop *l, struct pass *p,
			     enum rc_loop_result *result, int *first_err)
{
	struct rc_keyvec ok = {0}, bad = {0};
	int err = 0;

	if (p->plan->n) {
		err = rc_ctl_apply(l->ctl, &p->res);
		if (p->res.n != p->plan->n) {
			/* No per-op result (allocation): count all as failed.
			 */
			dp_result_free(&p->res);
			if (dp_result_alloc(&p->res, p->plan->n) == 0) {
				for (size_t i = 0; i < p->res.n; i++)
					p->res.err[i] = err ? err : -EIO;
				p->res.n_failed = p->res.n;
			}
		}
	}
	for (size_t i = 0; i < p->res.n; i++) {
		unsigned int k = p->plan->ops[i].kind;

		if (k < RC_LOOP_OP_KINDS)
			l->st.ops_by_kind[k][p->res.err[i] ? 1 : 0]++;
	}
	for (size_t i = 0; i < p->res.n; i++)
		if (p->res.err[i]) {
			if (!*first_err)
				*first_err = p->res.err[i];
			object_event(l, p, RC_LOOP_EV_APPLY_ERROR,
				     &p->plan->ops[i], p->res.err[i],
				     "apply failed: ");
		}
	l->st.ops_applied += p->res.n_ok;
	l->st.ops_failed += p->res.n_failed;
	remember_converged(l, p);
	*result = p->res.n_failed ? RC_LOOP_PARTIAL : RC_LOOP_OK;
	if (p->res.n != p->plan->n) {
		/* Not even a result: retry the whole scope. */
		rc_loop_retry_note(l, true, p->kind == RC_LOOP_PASS_FULL,
				   p->keys, p->n_keys);
		*result = RC_LOOP_ERROR;
		return;
	}
	if (split_scope(p, &ok, &bad)) {
		rc_loop_retry_note(l, *result != RC_LOOP_OK,
				   p->kind == RC_LOOP_PASS_FULL, p->keys,
				   p->n_keys);
	} else {
		if (bad.n)
			rc_loop_retry_note(l, true, false, bad.k, bad.n);
		/* A full pass that fully succeeded clears every retry. */
		rc_loop_retry_note(l, false,
				   p->kind == RC_LOOP_PASS_FULL && !bad.n, ok.k,
				   ok.n);
	}
	rc_keyvec_free(&ok);
	rc_keyvec_free(&bad);
}

/* ---- the pass ------------------------------------------------------------ */

static void pass_event(struct rc_loop *l, const struct pass *p,
		       enum rc_loop_result result, int err,
		       uint64_t duration_us, const char *why)
{
	struct rc_loop_event ev = {.kind = RC_LOOP_EV_PASS,
				   .pass = p->kind,
				   .result = result,
				   .err = err,
				   .n_ops = p->plan ? p->plan->n : 0,
				   .n_ok = p->res.n_ok,
				   .n_failed = p->res.n_failed};

	if (p->kind != RC_LOOP_PASS_FULL && p->n_keys == 1)
		ev.key = &p->keys[0];
	snprintf(ev.text, sizeof(ev.text),
		 "%s pass over %zu services: %s, %zu ops (%zu applied, %zu "
		 "failed), %zu drifted, %" PRIu64 " us",
		 rc_loop_pass_kind_name(p->kind),
		 p->desired ? p->desired->n : p->n_keys,
		 rc_loop_result_name(result), ev.n_ops, ev.n_ok, ev.n_failed,
		 p->drifted, duration_us);
	if (why)
		text_add(ev.text, sizeof(ev.text), ": %s", why);
	rc_loop_emit(l, &ev);
}

static void summary_event(struct rc_loop *l, struct pass *p,
			  enum rc_loop_event_kind kind, const char *what)
{
	struct rc_loop_event ev = {.kind = kind, .pass = p->kind};

	if (p->events[kind] <= MAX_OBJECT_EVENTS)
		return;
	snprintf(ev.text, sizeof(ev.text),
		 "%zu more %s objects in this %s pass not listed",
		 p->events[kind] - MAX_OBJECT_EVENTS, what,
		 rc_loop_pass_kind_name(p->kind));
	rc_loop_emit(l, &ev);
}

static void refuse(struct rc_loop *l, struct pass *p, size_t removed,
		   size_t total, const char *text)
{
	struct rc_loop_event ev = {.kind = RC_LOOP_EV_REFUSAL,
				   .pass = p->kind,
				   .result = RC_LOOP_REFUSED,
				   .n_ops = p->plan->n,
				   .n_removed = removed,
				   .n_reals = total};

	if (p->kind == RC_LOOP_PASS_FULL)
		l->held = true;
	l->st.refusals++;
	snprintf(l->st.last_refusal, sizeof(l->st.last_refusal), "%s", text);
	snprintf(ev.text, sizeof(ev.text), "%s", text);
	rc_loop_emit(l, &ev);
}

void rc_loop_run_pass(struct rc_loop *l, enum rc_loop_pass_kind kind,
		      const struct rc_svc_key *keys, size_t n)
{
	const struct rc_weight_src *src = l->have_src ? &l->src : NULL;
	struct pass p = {.kind = kind, .keys = keys, .n_keys = n};
	enum rc_loop_result result = RC_LOOP_OK;
	char why[RC_LOOP_TEXT_MAX] = "";
	uint64_t t0 = clock_us(CLOCK_MONOTONIC), dur;
	size_t removed, total;
	bool locked = false;
	int err = 0;

	if (!l->cfg)
		return;
	if (kind == RC_LOOP_PASS_FULL)
		l->full_pending = false;
	l->st.last_wall_ms = clock_us(CLOCK_REALTIME) / 1000u;
	l->st.last_mono_ms = lb_loop_now_ms_fresh(l->ev);
	if (l->lock_take) {
		err = l->lock_take(l->lock_ctx);
		if (err) {
			l->st.lock_failures++;
			snprintf(why, sizeof(why),
				 "cannot take the dataplane lock: %s",
				 strerror(-err));
			goto failed;
		}
		locked = true;
	}
	/* A new generation's driver settings (sizes...), under the lock. */
	if (l->ops->reconfigure && l->dp_gen != l->gen) {
		err = l->ops->reconfigure(l->dp, l->cfg);
		if (err) {
			snprintf(why, sizeof(why),
				 "cannot take the new dataplane settings: %s",
				 strerror(-err));
			goto failed;
		}
		l->dp_gen = l->gen;
	}
	if (kind == RC_LOOP_PASS_FULL)
		err = rc_ctl_plan(l->ctl, l->cfg, src, &l->o.diff, &p.plan);
	else
		err = rc_ctl_plan_services(l->ctl, l->cfg, src, &l->o.diff,
					   keys, n, &p.plan);
	if (err) {
		snprintf(why, sizeof(why), "cannot read and plan: %s",
			 strerror(-err));
		goto failed;
	}
	p.desired = rc_ctl_desired(l->ctl);
	p.actual = rc_ctl_actual(l->ctl);
	if (kind == RC_LOOP_PASS_FULL) {
		l->total_reals = rc_state_count_reals(p.actual);
		l->st.foreign = p.plan->n_foreign;
	}
	if (!l->allow_mass &&
	    rc_loop_guard(l, kind, p.plan, p.desired, p.actual, &removed,
			  &total, why, sizeof(why))) {
		refuse(l, &p, removed, total, why);
		result = RC_LOOP_REFUSED;
		goto done;
	}
	if (kind == RC_LOOP_PASS_FULL)
		l->held = false; /* the whole table passes the guard again */
	p.fp = calloc(p.desired->n + 1, sizeof(*p.fp));
	p.failed = calloc(p.desired->n + 1, sizeof(*p.failed));
	if (!p.fp || !p.failed) {
		err = -ENOMEM;
		snprintf(why, sizeof(why), "out of memory");
		goto failed;
	}
	for (size_t d = 0; d < p.desired->n; d++)
		p.fp[d] = rc_loop_fp_service(&p.desired->svcs[d]);
	classify_drift(l, &p);
	l->st.drift += p.drifted;
	apply_and_record(l, &p, &result, &err);
	summary_event(l, &p, RC_LOOP_EV_DRIFT, "drifted");
	summary_event(l, &p, RC_LOOP_EV_APPLY_ERROR, "failed");
	goto done;

failed:
	result = RC_LOOP_ERROR;
	{
		struct rc_loop_event ev = {
		    .kind = RC_LOOP_EV_APPLY_ERROR, .pass = kind, .err = err};

		snprintf(ev.text, sizeof(ev.text), "%s pass failed",
			 rc_loop_pass_kind_name(kind));
		text_add(ev.text, sizeof(ev.text), ": %s", why);
		rc_loop_emit(l, &ev);
	}
	rc_loop_retry_note(l, true, kind == RC_LOOP_PASS_FULL, keys, n);
done:
	if (locked && l->lock_release)
		l->lock_release(l->lock_ctx);
	if (kind == RC_LOOP_PASS_FULL && result != RC_LOOP_REFUSED) {
		/* It covered every change that was waiting (or will retry). */
		l->pending.n = 0;
		lb_timer_cancel(l->ev, &l->kick);
	} else if (kind == RC_LOOP_PASS_FULL && l->pending.n &&
		   rc_loop_schedule(l)) {
		/* no timer: the next tick's slices reach them */
		l->pending.n = 0;
	}
	dur = clock_us(CLOCK_MONOTONIC) - t0;
	l->st.passes[kind]++;
	l->st.last_kind = kind;
	l->st.last_result = result;
	l->st.last_err = err;
	l->st.last_duration_us = dur;
	l->st.last_ops = p.plan ? p.plan->n : 0;
	l->st.last_ok = p.res.n_ok;
	l->st.last_failed = p.res.n_failed;
	l->st.last_services = p.desired ? p.desired->n : n;
	pass_event(l, &p, result, err, dur,
		   result == RC_LOOP_OK || result == RC_LOOP_PARTIAL ? NULL
								     : why);
	dp_result_free(&p.res);
	free(p.fp);
	free(p.failed);
}
