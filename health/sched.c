// SPDX-License-Identifier: GPL-2.0-only
/*
 * The scheduler: when each target is probed next and when a running probe
 * times out. The next probe comes one jittered interval (±10 %) after the
 * last one started, or one fast interval while a verdict is unconfirmed;
 * new targets start at a random point of their interval so that a load
 * spreads its probes. Starts are rounded to slots so that probes due close
 * together share one loop timer, and running probes wait in one timeout
 * queue per timeout value instead of a timer each.
 */
#include "health/health_internal.h"

#include <errno.h>
#include <stdlib.h>

#include "lib/log.h"

uint64_t hc_rng_next(struct hc_engine *e)
{
	/* xorshift64*: cheap, and the jitter needs no more */
	e->rng ^= e->rng >> 12;
	e->rng ^= e->rng << 25;
	e->rng ^= e->rng >> 27;
	return e->rng * 2685821657736338717ull;
}

/*
 * interval ±10 %, never below 1 ms. While a verdict is pending only the
 * early half applies (−10 %..0), so confirming a failure never takes longer
 * than fall fast intervals: detection stays within one jittered interval
 * plus (fall − 1) fast intervals plus the timeout.
 */
static uint64_t jittered(struct hc_engine *e, uint32_t ms, bool early_only)
{
	uint64_t span = early_only ? ms / 10 : ms / 5;
	uint64_t v = ms - ms / 10 + (span ? hc_rng_next(e) % (span + 1) : 0);

	return v ? v : 1;
}

/*
 * Probe starts are rounded up to a slot of interval/40 (at most 25 ms), so
 * probes due close together start in one wake-up of the loop: thousands of
 * targets cost tens of wake-ups a second instead of one per probe. The
 * jitter keeps its spread at that granularity.
 */
#define HC_BATCH_MAX_MS 25

static uint64_t batch_slot(uint64_t when, uint32_t interval_ms)
{
	uint64_t q = interval_ms / 40;

	if (q > HC_BATCH_MAX_MS)
		q = HC_BATCH_MAX_MS;
	if (q <= 1)
		return when;
	return (when + q - 1) / q * q;
}

/* ---- start slots ------------------------------------------------------- */

void hc_sched_cancel(struct hc_target *t)
{
	if (!t->slot)
		return;
	*t->s_pprev = t->s_next;
	if (t->s_next)
		t->s_next->s_pprev = t->s_pprev;
	t->slot = NULL;
	t->s_next = NULL;
	t->s_pprev = NULL;
}

static void slot_release(struct hc_engine *e, struct hc_slot *sl)
{
	sl->hnext = e->free_slots;
	e->free_slots = sl;
}

static void slot_fire(struct lb_loop *loop, void *arg)
{
	struct hc_slot *sl = arg, **pp;
	struct hc_engine *e = sl->e;
	struct hc_target *t;

	/* Out of the table first: probes rescheduled now go to a new slot. */
	for (pp = &e->slots[sl->when % HC_SLOT_BUCKETS]; *pp;
	     pp = &(*pp)->hnext)
		if (*pp == sl) {
			*pp = sl->hnext;
			break;
		}
	while ((t = sl->head)) {
		hc_sched_cancel(t);
		hc_probe_run(t);
	}
	slot_release(e, sl);
}

/* The slot starting at `when`, made and armed if there is none. */
static struct hc_slot *slot_get(struct hc_engine *e, uint64_t when)
{
	struct hc_slot *sl, **b = &e->slots[when % HC_SLOT_BUCKETS];

	for (sl = *b; sl && sl->when != when; sl = sl->hnext)
		;
	if (sl)
		return sl;
	sl = e->free_slots;
	if (sl)
		e->free_slots = sl->hnext;
	else if (!(sl = malloc(sizeof(*sl))))
		return NULL;
	sl->e = e;
	sl->when = when;
	sl->head = NULL;
	sl->t = NULL;
	if (lb_timer_add_at(e->loop, &sl->t, when, slot_fire, sl)) {
		slot_release(e, sl);
		return NULL;
	}
	sl->hnext = *b;
	*b = sl;
	return sl;
}

void hc_sched_at(struct hc_target *t, uint64_t when)
{
	struct hc_slot *sl;

	hc_sched_cancel(t);
	sl = slot_get(t->e, when);
	if (!sl) {
		lb_err("health: cannot schedule a probe: out of memory");
		return;
	}
	t->slot = sl;
	t->s_next = sl->head;
	if (t->s_next)
		t->s_next->s_pprev = &t->s_next;
	t->s_pprev = &sl->head;
	sl->head = t;
}

void hc_sched_first(struct hc_target *t)
{
	uint32_t ival = t->h->interval_ms;
	uint64_t now = lb_loop_now_ms(t->e->loop);

	hc_sched_at(
	    t, batch_slot(now + hc_rng_next(t->e) % (ival ? ival : 1), ival));
}

void hc_sched_next(struct hc_target *t)
{
	uint32_t ival = t->h->interval_ms;
	uint64_t now = lb_loop_now_ms(t->e->loop), when;
	bool pending = hc_sm_unconfirmed(t);

	if (t->admin == HC_ADMIN_PAUSED || !hc_target_probed(t))
		return;
	if (pending && t->h->fast_interval_ms)
		ival = t->h->fast_interval_ms;
	/* Period measured from the start, so slow answers do not drift it. */
	when = t->started_ms + jittered(t->e, ival, pending);
	hc_sched_at(t, batch_slot(when > now ? when : now, ival));
}

/* ---- timeout queues ---------------------------------------------------- */

void hc_sched_timeout_cancel(struct hc_target *t)
{
	struct hc_tq *q = t->tq;

	if (!t->tq_pprev)
		return;
	*t->tq_pprev = t->tq_next;
	if (t->tq_next)
		t->tq_next->tq_pprev = t->tq_pprev;
	else
		q->tailp = t->tq_pprev;
	t->tq_pprev = NULL;
	t->tq_next = NULL;
}

static void tq_fire(struct lb_loop *loop, void *arg);

static void tq_arm(struct hc_tq *q)
{
	if (q->head && !q->t &&
	    lb_timer_add_at(q->e->loop, &q->t, q->head->deadline_ms, tq_fire,
			    q))
		lb_err("health: cannot arm probe timeouts");
}

static void tq_fire(struct lb_loop *loop, void *arg)
{
	struct hc_tq *q = arg;
	uint64_t now = lb_loop_now_ms(loop);

	while (q->head && q->head->deadline_ms <= now) {
		struct hc_target *t = q->head;

		hc_sched_timeout_cancel(t);
		hc_probe_timeout(t);
	}
	tq_arm(q);
}

static struct hc_tq *tq_find(struct hc_engine *e, uint32_t timeout_ms)
{
	struct hc_tq *q;

	for (q = e->tqs; q; q = q->next)
		if (q->timeout_ms == timeout_ms)
			return q;
	q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	q->e = e;
	q->timeout_ms = timeout_ms;
	q->tailp = &q->head;
	q->next = e->tqs;
	e->tqs = q;
	return q;
}

int hc_sched_timeout(struct hc_target *t)
{
	struct hc_tq *q = t->tq;

	if (!q && !(q = t->tq = tq_find(t->e, t->h->timeout_ms)))
		return -ENOMEM;
	t->deadline_ms = t->started_ms + t->h->timeout_ms;
	t->tq_next = NULL;
	t->tq_pprev = q->tailp;
	*q->tailp = t;
	q->tailp = &t->tq_next;
	tq_arm(q);
	return 0;
}

void hc_sched_free(struct hc_engine *e)
{
	for (size_t i = 0; i < HC_SLOT_BUCKETS; i++)
		while (e->slots[i]) {
			struct hc_slot *sl = e->slots[i];

			e->slots[i] = sl->hnext;
			lb_timer_cancel(e->loop, &sl->t);
			free(sl);
		}
	while (e->free_slots) {
		struct hc_slot *sl = e->free_slots;

		e->free_slots = sl->hnext;
		free(sl);
	}
	while (e->tqs) {
		struct hc_tq *q = e->tqs;

		e->tqs = q->next;
		lb_timer_cancel(e->loop, &q->t);
		free(q);
	}
}
