// SPDX-License-Identifier: GPL-2.0-only
/*
 * The reconcile loop's scheduling: generations, coalesced changes, the tick
 * and its slices, retries with backoff, status. What one pass does is in
 * loop_pass.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/loop_internal.h"

static const char *const pass_names[] = {
    [RC_LOOP_PASS_FULL] = "full",
    [RC_LOOP_PASS_SCOPED] = "scoped",
    [RC_LOOP_PASS_SLICE] = "slice",
};

static const char *const result_names[] = {
    [RC_LOOP_NONE] = "none",	   [RC_LOOP_OK] = "ok",
    [RC_LOOP_PARTIAL] = "partial", [RC_LOOP_ERROR] = "error",
    [RC_LOOP_REFUSED] = "refused",
};

static const char *const event_names[] = {
    [RC_LOOP_EV_PASS] = "pass",
    [RC_LOOP_EV_DRIFT] = "drift",
    [RC_LOOP_EV_REFUSAL] = "refusal",
    [RC_LOOP_EV_APPLY_ERROR] = "apply_error",
    [RC_LOOP_EV_GENERATION] = "generation",
};

#define NAME_OF(tab, i)                                                        \
	((size_t)(i) < sizeof(tab) / sizeof(tab[0]) && tab[i] ? tab[i] : "?")

const char *rc_loop_pass_kind_name(enum rc_loop_pass_kind k)
{
	return NAME_OF(pass_names, k);
}

const char *rc_loop_result_name(enum rc_loop_result r)
{
	return NAME_OF(result_names, r);
}

const char *rc_loop_event_kind_name(enum rc_loop_event_kind k)
{
	return NAME_OF(event_names, k);
}

void rc_loop_opts_init(struct rc_loop_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->cover_ticks = RC_LOOP_DEFAULT_COVER_TICKS;
	o->full_every = RC_LOOP_DEFAULT_FULL_EVERY;
	o->backoff_min_ms = RC_LOOP_DEFAULT_BACKOFF_MIN_MS;
	o->backoff_max_ms = RC_LOOP_DEFAULT_BACKOFF_MAX_MS;
	o->max_removal_fraction = RC_LOOP_DEFAULT_MAX_REMOVAL_FRACTION;
}

/* Zeros mean the defaults; out-of-range values are clamped. */
static void opts_resolve(struct rc_loop_opts *o)
{
	if (!o->cover_ticks)
		o->cover_ticks = RC_LOOP_DEFAULT_COVER_TICKS;
	if (!o->full_every)
		o->full_every = RC_LOOP_DEFAULT_FULL_EVERY;
	if (!o->backoff_min_ms)
		o->backoff_min_ms = RC_LOOP_DEFAULT_BACKOFF_MIN_MS;
	if (!o->backoff_max_ms)
		o->backoff_max_ms = RC_LOOP_DEFAULT_BACKOFF_MAX_MS;
	if (o->backoff_max_ms < o->backoff_min_ms)
		o->backoff_max_ms = o->backoff_min_ms;
	if (!(o->max_removal_fraction > 0))
		o->max_removal_fraction = RC_LOOP_DEFAULT_MAX_REMOVAL_FRACTION;
	if (o->max_removal_fraction > 1)
		o->max_removal_fraction = 1;
}

void rc_loop_emit(struct rc_loop *l, struct rc_loop_event *ev)
{
	ev->generation = l->gen;
	ev->mono_ms = lb_loop_now_ms(l->ev);
	if (l->cb)
		l->cb(l->cb_arg, ev);
}

/* ---- timers ------------------------------------------------------------- */

static void kick_fn(struct lb_loop *ev, void *arg);
static void tick_fn(struct lb_loop *ev, void *arg);

/* Run the pending work from the next loop round (or coalesce_ms). */
int rc_loop_schedule(struct rc_loop *l)
{
	if (l->kick || !l->cfg)
		return 0;
	return lb_timer_add(l->ev, &l->kick, l->o.coalesce_ms, kick_fn, l);
}

/* Run what is pending: a full pass covers every scoped key too. */
static void kick_fn(struct lb_loop *ev, void *arg)
{
	struct rc_loop *l = arg;

	if (l->full_pending) {
		rc_loop_run_pass(l, RC_LOOP_PASS_FULL, NULL, 0);
		return;
	}
	if (!l->pending.n)
		return;
	rc_keyvec_unique(&l->pending);
	/* Swap out first: the pass may queue new work of its own. */
	{
		struct rc_keyvec run = l->pending;

		memset(&l->pending, 0, sizeof(l->pending));
		rc_loop_run_pass(l, RC_LOOP_PASS_SCOPED, run.k, run.n);
		rc_keyvec_free(&run);
	}
}

static void retry_fn(struct lb_loop *ev, void *arg)
{
	struct rc_loop *l = arg;

	/*
	 * Plan again from a fresh read: the failed plan is never replayed.
	 * Without memory for the keys, a full pass needs no list.
	 */
	if (l->retry_full || rc_keyvec_add(&l->pending, l->retry.k, l->retry.n))
		l->full_pending = true;
	l->retry_full = false;
	l->retry.n = 0;
	lb_timer_cancel(ev, &l->kick);
	kick_fn(ev, l);
}

void rc_loop_retry_note(struct rc_loop *l, bool failed, bool full,
			const struct rc_svc_key *keys, size_t n)
{
	if (failed) {
		if (full || rc_keyvec_add(&l->retry, keys, n))
			l->retry_full = true;
		l->failures++;
		if (!l->retry_timer && lb_timer_add(l->ev, &l->retry_timer,
						    l->backoff_ms, retry_fn, l))
			l->full_pending = true; /* the next tick retries */
		l->backoff_ms = l->backoff_ms > l->o.backoff_max_ms / 2
				    ? l->o.backoff_max_ms
				    : l->backoff_ms * 2;
		return;
	}
	/* Converged: these services need no retry any more. */
	if (full) {
		l->retry_full = false;
		l->retry.n = 0;
	} else if (!l->retry_full && l->retry.n && n) {
		size_t w = 0;

		rc_keyvec_unique(&l->retry);
		for (size_t i = 0; i < l->retry.n; i++) {
			bool done = false;

			for (size_t j = 0; j < n && !done; j++)
				done =
				    !rc_svc_key_cmp(&l->retry.k[i], &keys[j]);
			if (!done)
				l->retry.k[w++] = l->retry.k[i];
		}
		l->retry.n = w;
	}
	if (!l->retry_full && !l->retry.n) {
		lb_timer_cancel(l->ev, &l->retry_timer);
		l->backoff_ms = l->o.backoff_min_ms;
		l->failures = 0;
	}
}

/* Services per slice and the number of ticks that cover them all. */
static void slice_resolve(struct rc_loop *l)
{
	size_t s = l->ix.n_svcs;

	if (!s) {
		l->slice = 0;
		l->cover = 1;
		return;
	}
	if (l->o.slice_size) {
		l->slice = l->o.slice_size < s ? l->o.slice_size : s;
		l->cover = (uint32_t)((s + l->slice - 1) / l->slice);
	} else {
		l->cover = l->o.cover_ticks;
		l->slice = (s + l->cover - 1) / l->cover;
	}
}

static void tick_fn(struct lb_loop *ev, void *arg)
{
	struct rc_loop *l = arg;
	size_t s = l->ix.n_svcs;

	/*
	 * Re-arm first: the cadence does not stretch by the pass's length.
	 * The timer that just fired is reused, so this allocates nothing.
	 */
	(void)!lb_timer_add(ev, &l->tick, l->o.tick_ms, tick_fn, l);
	l->ticks++;
	if (!l->cfg)
		return;
	if (l->full_pending || l->ticks % l->o.full_every == 0) {
		rc_loop_run_pass(l, RC_LOOP_PASS_FULL, NULL, 0);
		return;
	}
	if (!s)
		return;
	l->slice_keys.n = 0;
	for (size_t i = 0; i < l->slice; i++) {
		size_t at = (l->cursor + i) % s;

		if (rc_keyvec_add(&l->slice_keys, &l->ix.svc_keys[at], 1)) {
			l->full_pending = true;
			(void)rc_loop_schedule(l);
			return;
		}
	}
	l->cursor = (l->cursor + l->slice) % s;
	rc_loop_run_pass(l, RC_LOOP_PASS_SLICE, l->slice_keys.k,
			 l->slice_keys.n);
}

/* ---- lifecycle ---------------------------------------------------------- */

int rc_loop_new(struct lb_loop *loop, const struct rc_loop_opts *opts,
		const struct dp_ops *ops, struct dp *dp,
		const struct rc_weight_src *src, rc_loop_event_fn cb, void *arg,
		struct rc_loop **out)
{
	struct rc_loop *l;
	int err;

	*out = NULL;
	if (!loop || !ops || !dp)
		return -EINVAL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->ev = loop;
	if (opts)
		l->o = *opts;
	else
		rc_loop_opts_init(&l->o);
	opts_resolve(&l->o);
	l->ops = ops;
	l->dp = dp;
	rc_loop_set_weight_src(l, src);
	l->cb = cb;
	l->cb_arg = arg;
	l->backoff_ms = l->o.backoff_min_ms;
	l->cover = 1;
	err = rc_ctl_new(ops, dp, &l->ctl);
	if (err) {
		free(l);
		return err;
	}
	if (l->o.tick_ms) {
		err = lb_timer_add(loop, &l->tick, l->o.tick_ms, tick_fn, l);
		if (err) {
			rc_loop_free(l);
			return err;
		}
	}
	*out = l;
	return 0;
}

void rc_loop_free(struct rc_loop *l)
{
	if (!l)
		return;
	lb_timer_cancel(l->ev, &l->kick);
	lb_timer_cancel(l->ev, &l->tick);
	lb_timer_cancel(l->ev, &l->retry_timer);
	rc_ctl_free(l->ctl);
	rc_loop_index_free(&l->ix);
	rc_loop_fps_free(&l->fps);
	rc_keyvec_free(&l->pending);
	rc_keyvec_free(&l->retry);
	rc_keyvec_free(&l->slice_keys);
	cfg_free(l->cfg);
	free(l);
}

int rc_loop_set_config(struct rc_loop *l, struct cfg *cfg, unsigned int flags)
{
	struct rc_loop_event ev = {.kind = RC_LOOP_EV_GENERATION};
	struct rc_loop_index ix;
	struct cfg *old;
	int err;

	if (!cfg)
		return -EINVAL;
	err = rc_loop_index_build(&ix, cfg);
	if (err) {
		cfg_free(cfg);
		return err;
	}
	old = l->cfg;
	rc_loop_index_free(&l->ix);
	l->ix = ix;
	l->cfg = cfg;
	l->gen++;
	l->allow_mass = flags & RC_LOOP_GEN_ALLOW_MASS_REMOVAL;
	l->held = false;
	l->cursor = 0;
	slice_resolve(l);
	/*
	 * The old config goes only now: nothing (index, pending keys) points
	 * into it any more, and a weight source keyed by its pools was
	 * replaced by the caller before this call.
	 */
	cfg_free(old);
	l->full_pending = true;
	/* Without a timer now, the next tick or change runs the full pass. */
	(void)rc_loop_schedule(l);
	snprintf(ev.text, sizeof(ev.text),
		 "config generation %" PRIu64 " (sha256 %.12s) running: %zu "
		 "services, %zu pools%s",
		 l->gen, cfg->sha256, cfg->n_services, cfg->n_pools,
		 l->allow_mass ? ", mass removal allowed" : "");
	rc_loop_emit(l, &ev);
	return 0;
}

const struct cfg *rc_loop_config(const struct rc_loop *l)
{
	return l->cfg;
}

uint64_t rc_loop_generation(const struct rc_loop *l)
{
	return l->gen;
}

void rc_loop_allow_mass_removal(struct rc_loop *l, bool allow)
{
	l->allow_mass = allow;
	if (!allow)
		return;
	l->held = false;
	rc_loop_full_pass(l);
}

void rc_loop_set_weight_src(struct rc_loop *l, const struct rc_weight_src *src)
{
	l->have_src = src != NULL;
	if (src)
		l->src = *src;
	else
		memset(&l->src, 0, sizeof(l->src));
}

void rc_loop_set_lock(struct rc_loop *l, int (*take)(void *ctx),
		      void (*release)(void *ctx), void *ctx)
{
	l->lock_take = take;
	l->lock_release = take ? release : NULL;
	l->lock_ctx = ctx;
}

/* ---- changes ------------------------------------------------------------ */

int rc_loop_services_changed(struct rc_loop *l, const struct rc_svc_key *keys,
			     size_t n)
{
	int err;

	if (!n)
		return 0;
	err = rc_keyvec_add(&l->pending, keys, n);
	if (err)
		return err;
	return rc_loop_schedule(l);
}

static ssize_t pool_index(const struct cfg *cfg, const char *name)
{
	if (!cfg || !name)
		return -1;
	for (size_t p = 0; p < cfg->n_pools; p++)
		if (!strcmp(cfg->pools[p].name, name))
			return (ssize_t)p;
	return -1;
}

int rc_loop_pool_changed(struct rc_loop *l, const char *pool)
{
	ssize_t p = pool_index(l->cfg, pool);
	int err;

	if (p < 0)
		return 0;
	err = rc_loop_index_pool_keys(&l->ix, (size_t)p, &l->pending);
	return err ? err : rc_loop_schedule(l);
}

int rc_loop_backend_changed(struct rc_loop *l, const struct lb_addr *addr)
{
	size_t before = l->pending.n;
	int err;

	if (!l->cfg)
		return 0;
	err = rc_loop_index_addr_keys(&l->ix, addr, &l->pending);
	if (err)
		return err;
	return l->pending.n > before ? rc_loop_schedule(l) : 0;
}

void rc_loop_full_pass(struct rc_loop *l)
{
	l->full_pending = true;
	/* Without a timer now, the next tick or change runs it. */
	(void)rc_loop_schedule(l);
}

bool rc_loop_service_converged(const struct rc_loop *l,
			       const struct rc_svc_key *key)
{
	/* The drift table holds exactly the services last seen converged. */
	return l && key && rc_loop_fps_get(&l->fps, key) != NULL;
}

void rc_loop_pool_services(const struct rc_loop *l, const char *pool,
			   const struct rc_svc_key **keys, size_t *n)
{
	ssize_t p = pool_index(l->cfg, pool);

	*keys = NULL;
	*n = 0;
	if (p < 0)
		return;
	*keys = l->ix.pool_keys + l->ix.pool_start[p];
	*n = l->ix.pool_start[p + 1] - l->ix.pool_start[p];
}

/* ---- status and preview ------------------------------------------------- */

void rc_loop_status(const struct rc_loop *l, struct rc_loop_status *st)
{
	*st = l->st;
	st->generation = l->gen;
	snprintf(st->sha256, sizeof(st->sha256), "%s",
		 l->cfg ? l->cfg->sha256 : "");
	st->mass_removal_allowed = l->allow_mass;
	st->held = l->held;
	st->ticks = l->ticks;
	st->full_pending = l->full_pending;
	st->scoped_pending = l->pending.n;
	st->retry_pending = l->retry_timer != NULL;
	st->retry_at_ms = l->retry_timer ? lb_timer_when(l->retry_timer) : 0;
	st->backoff_ms = l->backoff_ms;
	st->consecutive_failures = l->failures;
	st->next_tick_ms = l->tick ? lb_timer_when(l->tick) : 0;
	st->services = l->ix.n_svcs;
	st->slice_size = l->slice;
	st->cover_ticks = l->cover;
	st->full_every = l->o.full_every;
	st->slice_cursor = l->cursor;
}

int rc_loop_preview(struct rc_loop *l, const struct rc_plan **plan,
		    char *refusal, size_t len)
{
	size_t removed, total;
	int err;

	if (refusal && len)
		refusal[0] = '\0';
	if (!l->cfg)
		return -ENOENT;
	err = rc_ctl_plan(l->ctl, l->cfg, l->have_src ? &l->src : NULL,
			  &l->o.diff, plan);
	if (err)
		return err;
	if (!l->allow_mass && refusal && len)
		(void)rc_loop_guard(
		    l, RC_LOOP_PASS_FULL, *plan, rc_ctl_desired(l->ctl),
		    rc_ctl_actual(l->ctl), &removed, &total, refusal, len);
	return 0;
}
