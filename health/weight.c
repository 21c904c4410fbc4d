// SPDX-License-Identifier: GPL-2.0-only
/*
 * Effective weights, what the desired-state builder reads through struct
 * rc_weight_src: a real's configured weight while its target is up (or
 * unknown with initial_up), ramped linearly from 1 during slow start after
 * a recovery, 0 when down or disabled; the checker's own errors fail open
 * and keep the weight. A pool is down, so that a service turns to its
 * fallback pool, when none of its enabled reals is healthy.
 */
#include "health/health_internal.h"

/* Can this real take traffic as far as health is concerned? */
static bool real_healthy(const struct hc_real *r)
{
	const struct hc_target *t = r->t;

	if (!t || t->config_error || t->internal_error)
		return true; /* the checker cannot tell: fail open */
	switch (t->state) {
	case HC_STATE_UP:
		return true;
	case HC_STATE_UNKNOWN:
		return hc_real_health(r)->initial_up;
	default:
		return false;
	}
}

static bool real_disabled(const struct hc_real *r)
{
	return r->b->disabled || (r->t && r->t->admin == HC_ADMIN_DISABLED);
}

/* End of the real's slow-start ramp, or 0 when it has none. */
static uint64_t ramp_end(const struct hc_real *r)
{
	const struct cfg_health *h = hc_real_health(r);

	if (!r->t || r->t->state != HC_STATE_UP || !h->slow_start_ms)
		return 0;
	return r->t->up_since_ms + h->slow_start_ms;
}

uint32_t hc_real_weight(struct hc_engine *e, const struct hc_real *r)
{
	uint64_t now = lb_loop_now_ms(e->loop), el;
	uint32_t w = r->b->weight, ramp_ms;

	if (real_disabled(r) || !real_healthy(r))
		return 0;
	if (!ramp_end(r) || !w || r->t->internal_error)
		return w;
	/* Slow start: ramp linearly from 1 to the weight after recovery. */
	ramp_ms = hc_real_health(r)->slow_start_ms;
	/* up_since may be read fresher than the loop's cached now */
	el = now > r->t->up_since_ms ? now - r->t->up_since_ms : 0;
	if (el >= ramp_ms)
		return w;
	w = (uint32_t)(((uint64_t)w * el + ramp_ms - 1) / ramp_ms);
	return w ? w : 1;
}

uint32_t hc_engine_weight(struct hc_engine *e, const struct cfg_pool *pool,
			  const struct cfg_backend *b)
{
	struct hc_real *r = hc_real_of(e, pool, b);

	if (!r)
		return b->disabled ? 0 : b->weight;
	return hc_real_weight(e, r);
}

bool hc_engine_pool_down(struct hc_engine *e, const struct cfg_pool *pool)
{
	struct hc_real *r = hc_pool_reals(e, pool);
	size_t enabled = 0;

	if (!r)
		return false;
	for (size_t i = 0; i < pool->n_backends; i++) {
		if (real_disabled(&r[i]))
			continue;
		enabled++;
		if (real_healthy(&r[i]))
			return false;
	}
	/* A pool with every real disabled is an operator's choice, not down. */
	return enabled > 0;
}

uint64_t hc_engine_ramp_deadline(struct hc_engine *e)
{
	uint64_t now = lb_loop_now_ms(e->loop), best = 0;

	for (size_t i = 0; i < e->n_reals; i++) {
		uint64_t end = ramp_end(&e->reals[i]);

		if (end > now && (!best || end < best))
			best = end;
	}
	return best;
}

static uint32_t src_weight(void *ctx, const struct cfg_pool *pool,
			   const struct cfg_backend *b)
{
	return hc_engine_weight(ctx, pool, b);
}

static bool src_pool_down(void *ctx, const struct cfg_pool *pool)
{
	return hc_engine_pool_down(ctx, pool);
}

void hc_engine_weight_src(struct hc_engine *e, struct rc_weight_src *out)
{
	*out = (struct rc_weight_src){
	    .ctx = e, .weight = src_weight, .pool_down = src_pool_down};
}
