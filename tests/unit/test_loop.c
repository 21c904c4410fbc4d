// SPDX-License-Identifier: GPL-2.0-only
/*
 * The reconcile loop (reconcile/loop.h) on the fake dataplane, driven through
 * lb_loop_run_once() with deadlines: scoped passes from health-like changes,
 * coalescing, drift, retries with backoff, the blast-radius guard,
 * generations, slices and the lock hook.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/fake/fake.h"
#include "reconcile/loop.h"
#include "tests/lib/check_main.h"

/* ---- configs --------------------------------------------------------------
 */

/*
 * n services s<i> at 192.0.2.(10+i):80, each with its own pool <prefix><i>
 * of three backends 10.0.<i>.1..3:80 weighing 10, 20, 30. replace >= 0 moves
 * that pool's backends to 10.9.<i>.x (every real of the service replaced);
 * w00 overrides the weight of s0's first backend when non-zero.
 */
struct ygen {
	int n;
	const char *prefix;
	int replace;
	uint32_t w00;
	bool fallback; /* s0 falls back to pool fb (10.8.0.1..3:80) */
};

static struct cfg *make_cfg(const struct ygen *g)
{
	size_t cap = 256 + (size_t)g->n * 400, len = 0;
	char *y = malloc(cap);
	struct cfg_diags d;
	struct cfg *cfg = NULL;
	int err;

	ck_assert_ptr_nonnull(y);
	len += (size_t)snprintf(y + len, cap - len,
				"version: 1\ndataplane: {driver: fake}\n"
				"pools:\n");
	for (int i = 0; i < g->n; i++) {
		int net = i == g->replace ? 9 : 0;

		len +=
		    (size_t)snprintf(y + len, cap - len,
				     "  %s%d:\n    backends:\n", g->prefix, i);
		for (int b = 1; b <= 3; b++)
			len += (size_t)snprintf(
			    y + len, cap - len,
			    "      - {address: 10.%d.%d.%d, port: 80, "
			    "weight: %u}\n",
			    net, i, b,
			    i == 0 && b == 1 && g->w00 ? g->w00
						       : (unsigned)(10 * b));
	}
	if (g->fallback)
		len += (size_t)snprintf(
		    y + len, cap - len,
		    "  fb:\n    backends:\n"
		    "      - {address: 10.8.0.1, port: 80, weight: 1}\n"
		    "      - {address: 10.8.0.2, port: 80, weight: 1}\n"
		    "      - {address: 10.8.0.3, port: 80, weight: 1}\n");
	len += (size_t)snprintf(y + len, cap - len, "services:\n");
	for (int i = 0; i < g->n; i++)
		len += (size_t)snprintf(
		    y + len, cap - len,
		    "  - {name: s%d, address: 192.0.2.%d, "
		    "port: 80, pool: %s%d%s}\n",
		    i, 10 + i, g->prefix, i,
		    i == 0 && g->fallback ? ", fallback_pool: fb" : "");
	ck_assert_uint_lt(len, cap);
	memset(&d, 0, sizeof(d));
	err = cfg_load_buffer("loop.yaml", y, len, &cfg, &d);
	if (err && d.n)
		fprintf(stderr, "%s\n", d.items[0].message);
	cfg_diags_free(&d);
	free(y);
	ck_assert_int_eq(err, 0);
	return cfg;
}

static struct cfg *cfg_n(int n)
{
	struct ygen g = {.n = n, .prefix = "p", .replace = -1};

	return make_cfg(&g);
}

static struct rc_svc_key svc_key(int i)
{
	struct rc_svc_key k;
	struct lb_addr a;
	char buf[32];

	snprintf(buf, sizeof(buf), "192.0.2.%d", 10 + i);
	ck_assert_int_eq(lb_addr_parse(buf, &a), 0);
	rc_svc_key_init(&k, &a, 80, 6, 0);
	return k;
}

static struct lb_addr backend(int i, int b)
{
	struct lb_addr a;
	char buf[32];

	snprintf(buf, sizeof(buf), "10.0.%d.%d", i, b);
	ck_assert_int_eq(lb_addr_parse(buf, &a), 0);
	return a;
}

/* ---- a mock weight source: per-address overrides ------------------------- */

#define MAX_OVR 8

struct mock_src {
	struct lb_addr addr[MAX_OVR];
	uint32_t weight[MAX_OVR];
	int n;
	const char *down; /* a pool with no live real, or NULL */
	const char *inactive; /* a service left out, or NULL */
};

static bool mock_service_active(void *ctx, const struct cfg_service *svc)
{
	struct mock_src *m = ctx;

	return !m->inactive || strcmp(m->inactive, svc->name);
}

static bool mock_pool_down(void *ctx, const struct cfg_pool *pool)
{
	struct mock_src *m = ctx;

	return m->down && !strcmp(m->down, pool->name);
}

static uint32_t mock_weight(void *ctx, const struct cfg_pool *pool,
			    const struct cfg_backend *b)
{
	struct mock_src *m = ctx;

	for (int i = 0; i < m->n; i++)
		if (!lb_addr_cmp(&m->addr[i], &b->addr))
			return m->weight[i];
	return b->weight;
}

static void mock_set(struct mock_src *m, struct lb_addr a, uint32_t w)
{
	for (int i = 0; i < m->n; i++)
		if (!lb_addr_cmp(&m->addr[i], &a)) {
			m->weight[i] = w;
			return;
		}
	ck_assert_int_lt(m->n, MAX_OVR);
	m->addr[m->n] = a;
	m->weight[m->n++] = w;
}

/* ---- events ---------------------------------------------------------------
 */

#define MAX_EV 256

struct rec_ev {
	enum rc_loop_event_kind kind;
	enum rc_loop_pass_kind pass;
	enum rc_loop_result result;
	uint64_t mono_ms;
	uint64_t generation;
	int err;
	bool has_key;
	struct rc_svc_key key;
	uint32_t old_weight, new_weight; /* DRIFT of a real edit */
	size_t n_ops, n_removed, n_reals;
	char text[RC_LOOP_TEXT_MAX];
};

struct rec {
	struct rec_ev ev[MAX_EV];
	int n;
	int count[RC_LOOP_EV_GENERATION + 1];
};

static void on_event(void *arg, const struct rc_loop_event *ev)
{
	struct rec *r = arg;
	struct rec_ev *e;

	r->count[ev->kind]++;
	if (r->n == MAX_EV)
		return;
	e = &r->ev[r->n++];
	memset(e, 0, sizeof(*e));
	e->kind = ev->kind;
	e->pass = ev->pass;
	e->result = ev->result;
	e->mono_ms = ev->mono_ms;
	e->generation = ev->generation;
	e->err = ev->err;
	if (ev->key) {
		e->has_key = true;
		e->key = *ev->key;
	}
	if (ev->op && ev->op->old_real && ev->op->real) {
		e->old_weight = ev->op->old_real->weight;
		e->new_weight = ev->op->real->weight;
	}
	e->n_ops = ev->n_ops;
	e->n_removed = ev->n_removed;
	e->n_reals = ev->n_reals;
	snprintf(e->text, sizeof(e->text), "%s", ev->text);
}

static const struct rec_ev *nth(const struct rec *r,
				enum rc_loop_event_kind kind, int i)
{
	for (int j = 0; j < r->n; j++)
		if (r->ev[j].kind == kind && i-- == 0)
			return &r->ev[j];
	ck_abort_msg("no %s event #%d", rc_loop_event_kind_name(kind), i);
	return NULL;
}

/* ---- harness ------------------------------------------------------------- */

struct h {
	struct lb_loop *ev;
	struct dp *dp;
	struct rc_loop *l;
	struct mock_src src;
	struct rec rec;
	struct rc_loop_opts o;
};

static struct h *h_new(const struct dp_ops *ops, const char *faults,
		       void (*tune)(struct rc_loop_opts *o))
{
	struct dp_option o = {DP_FAKE_OPT_FAULTS, faults};
	struct dp_open_args args = {.options = &o, .n_options = 1};
	struct rc_weight_src ws = {0};
	struct h *h = calloc(1, sizeof(*h));

	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(lb_loop_new(&h->ev), 0);
	ck_assert_int_eq(dp_fake_ops.open(&h->dp, &args), 0);
	rc_loop_opts_init(&h->o);
	if (tune)
		tune(&h->o);
	ws.ctx = &h->src;
	ws.weight = mock_weight;
	ws.pool_down = mock_pool_down;
	ws.service_active = mock_service_active;
	ck_assert_int_eq(rc_loop_new(h->ev, &h->o, ops ? ops : &dp_fake_ops,
				     h->dp, &ws, on_event, &h->rec, &h->l),
			 0);
	return h;
}

static void h_free(struct h *h)
{
	rc_loop_free(h->l);
	dp_fake_ops.close(h->dp, false);
	lb_loop_free(h->ev);
	free(h);
}

static struct rc_loop_status status(const struct h *h)
{
	struct rc_loop_status st;

	rc_loop_status(h->l, &st);
	return st;
}

static uint64_t passes(const struct h *h)
{
	struct rc_loop_status st = status(h);

	return st.passes[0] + st.passes[1] + st.passes[2];
}

/* Dispatch until pred holds; fail after max_ms of loop time. */
static void run_until(struct h *h, bool (*pred)(const struct h *h),
		      uint64_t max_ms)
{
	uint64_t end = lb_loop_now_ms_fresh(h->ev) + max_ms;

	while (!pred(h)) {
		uint64_t now = lb_loop_now_ms_fresh(h->ev);

		ck_assert_msg(now < end, "condition not met within %llu ms",
			      (unsigned long long)max_ms);
		ck_assert_int_ge(lb_loop_run_once(h->ev, (int)(end - now)), 0);
	}
}

/* Dispatch for ms of loop time whatever happens. */
static void run_for(struct h *h, uint64_t ms)
{
	uint64_t end = lb_loop_now_ms_fresh(h->ev) + ms;

	while (lb_loop_now_ms_fresh(h->ev) < end)
		ck_assert_int_ge(
		    lb_loop_run_once(h->ev, (int)(end - lb_loop_now_ms(h->ev))),
		    0);
}

static uint64_t want_passes;

static bool passes_reached(const struct h *h)
{
	return passes(h) >= want_passes;
}

/* Run until `n` more passes ended. */
static void run_passes(struct h *h, uint64_t n, uint64_t max_ms)
{
	want_passes = passes(h) + n;
	run_until(h, passes_reached, max_ms);
}

static uint64_t fake_stat(struct dp *dp, const char *name)
{
	struct dp_stats s;
	uint64_t v = UINT64_MAX;

	ck_assert_int_eq(dp_fake_ops.stats(dp, &s), 0);
	for (size_t i = 0; i < s.n; i++)
		if (!strcmp(s.counters[i].name, name))
			v = s.counters[i].value;
	dp_stats_free(&s);
	ck_assert_uint_ne(v, UINT64_MAX);
	return v;
}

/* Weight of real b of service i as the fake holds it (0 if absent). */
static uint32_t live_weight(struct h *h, int i, struct lb_addr a)
{
	struct rc_state st;
	struct rc_svc_key k = svc_key(i);
	const struct rc_service *s;
	const struct rc_real *r;
	uint32_t w = UINT32_MAX;

	rc_state_init(&st);
	ck_assert_int_eq(dp_fake_ops.read(h->dp, &st), 0);
	s = rc_state_find(&st, &k);
	r = s ? rc_service_find_real(s, &a, 80) : NULL;
	if (r)
		w = r->weight;
	rc_state_free(&st);
	return w;
}

static size_t live_services(struct h *h)
{
	struct rc_state st;
	size_t n;

	rc_state_init(&st);
	ck_assert_int_eq(dp_fake_ops.read(h->dp, &st), 0);
	n = st.n;
	rc_state_free(&st);
	return n;
}

/* Install cfg_n(n) and run its first full pass. */
static void start(struct h *h, int n)
{
	const struct rec_ev *e;

	ck_assert_int_eq(rc_loop_set_config(h->l, cfg_n(n), 0), 0);
	run_passes(h, 1, 1000);
	/* a tick due in the same round may follow it: look at the first */
	e = nth(&h->rec, RC_LOOP_EV_PASS, 0);
	ck_assert_int_eq(e->pass, RC_LOOP_PASS_FULL);
	ck_assert_int_eq(e->result, RC_LOOP_OK);
	ck_assert_uint_eq(live_services(h), (size_t)n);
}

/* ---- tests ----------------------------------------------------------------
 */

/*
 * A health-like change of one backend: one scoped pass over exactly the
 * service whose pool holds it, one dataplane write of one operation, and no
 * drift (we caused it).
 */
START_TEST(health_change_is_one_scoped_write)
{
	struct h *h = h_new(NULL, NULL, NULL);
	struct rc_svc_key k1 = svc_key(1);
	const struct rc_svc_key *keys;
	struct rc_loop_status st;
	struct lb_addr a = backend(1, 2);
	uint64_t applies, ops;
	size_t n;

	start(h, 4);
	ck_assert_uint_eq(fake_stat(h->dp, "ops_applied"), 4 + 12);
	rc_loop_pool_services(h->l, "p1", &keys, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(rc_svc_key_cmp(&keys[0], &k1), 0);
	rc_loop_pool_services(h->l, "nope", &keys, &n);
	ck_assert_uint_eq(n, 0);

	applies = fake_stat(h->dp, "applies");
	ops = fake_stat(h->dp, "ops_applied");
	mock_set(&h->src, a, 0);
	ck_assert_int_eq(rc_loop_backend_changed(h->l, &a), 0);
	ck_assert_uint_eq(status(h).scoped_pending, 1);
	run_passes(h, 1, 1000);

	st = status(h);
	ck_assert_int_eq(st.last_kind, RC_LOOP_PASS_SCOPED);
	ck_assert_int_eq(st.last_result, RC_LOOP_OK);
	ck_assert_uint_eq(st.last_services, 1);
	ck_assert_uint_eq(st.last_ops, 1);
	ck_assert_uint_eq(st.passes[RC_LOOP_PASS_SCOPED], 1);
	ck_assert_uint_eq(st.drift, 0);
	ck_assert_uint_eq(st.scoped_pending, 0);
	ck_assert_uint_eq(fake_stat(h->dp, "applies"), applies + 1);
	ck_assert_uint_eq(fake_stat(h->dp, "ops_applied"), ops + 1);
	ck_assert_uint_eq(live_weight(h, 1, a), 0);
	ck_assert_uint_eq(live_weight(h, 1, backend(1, 1)), 10);
	/* the pass event names the one service */
	ck_assert(h->rec.ev[h->rec.n - 1].has_key);
	ck_assert_int_eq(rc_svc_key_cmp(&h->rec.ev[h->rec.n - 1].key, &k1), 0);

	/* a backend no pool holds schedules nothing */
	a = backend(7, 7);
	ck_assert_int_eq(rc_loop_backend_changed(h->l, &a), 0);
	ck_assert_uint_eq(status(h).scoped_pending, 0);
	h_free(h);
}
END_TEST

/* 100 changes within one round, over every service: one scoped pass. */
START_TEST(burst_of_100_is_one_pass)
{
	struct h *h = h_new(NULL, NULL, NULL);
	struct rc_loop_status st;
	uint64_t before;

	start(h, 5);
	before = passes(h);
	for (int i = 0; i < 100; i++) {
		struct lb_addr a = backend(i % 5, 1 + i % 3);
		struct rc_svc_key k = svc_key(i % 5);

		mock_set(&h->src, backend(i % 5, 1), (uint32_t)i);
		if (i % 2)
			ck_assert_int_eq(rc_loop_backend_changed(h->l, &a), 0);
		else
			ck_assert_int_eq(rc_loop_services_changed(h->l, &k, 1),
					 0);
	}
	run_passes(h, 1, 1000);
	run_for(h, 30); /* nothing else is queued */
	st = status(h);
	ck_assert_uint_eq(passes(h), before + 1);
	ck_assert_uint_eq(st.passes[RC_LOOP_PASS_SCOPED], 1);
	ck_assert_uint_eq(st.last_services, 5);
	/* the last weight each backend was given, once */
	ck_assert_uint_eq(st.last_ops, 5);
	ck_assert_uint_eq(live_weight(h, 4, backend(4, 1)), 99);
	ck_assert_uint_eq(live_weight(h, 0, backend(0, 1)), 95);
	h_free(h);
}
END_TEST

static void tune_window(struct rc_loop_opts *o)
{
	o->coalesce_ms = 40;
}

/* With a window, changes from separate rounds inside it still merge. */
START_TEST(window_merges_rounds)
{
	struct h *h = h_new(NULL, NULL, tune_window);
	uint64_t before;

	start(h, 3);
	before = passes(h);
	for (int i = 0; i < 3; i++) {
		struct rc_svc_key k = svc_key(i);

		ck_assert_int_eq(rc_loop_services_changed(h->l, &k, 1), 0);
		ck_assert_int_ge(lb_loop_run_once(h->ev, 0), 0);
	}
	ck_assert_uint_eq(passes(h), before);
	run_passes(h, 1, 1000);
	run_for(h, 50);
	ck_assert_uint_eq(passes(h), before + 1);
	ck_assert_uint_eq(status(h).last_services, 3);
	h_free(h);
}
END_TEST

static void tune_slices(struct rc_loop_opts *o)
{
	o->tick_ms = 10;
	o->cover_ticks = 5;
	o->full_every = 1000;
}

static uint64_t want_ticks;

static bool ticks_reached(const struct h *h)
{
	return status(h).ticks >= want_ticks;
}

static bool drift_seen(const struct h *h)
{
	return status(h).drift > 0;
}

/*
 * Drift injected into the fake is found by the tick's slices within the
 * stated bound, reported with its old and new values, repaired, and counted
 * once; a weight the source changed without telling is not drift.
 */
START_TEST(drift_repaired_within_bound_counted_once)
{
	struct h *h = h_new(NULL, NULL, tune_slices);
	struct rc_svc_key k7 = svc_key(7);
	struct lb_addr a = backend(7, 3);
	struct rc_loop_status st;
	const struct rec_ev *e;
	struct rc_state live;
	struct rc_service *s;
	uint64_t t0;

	start(h, 10);
	st = status(h);
	ck_assert_uint_eq(st.slice_size, 2);
	ck_assert_uint_eq(st.cover_ticks, 5);

	rc_state_init(&live);
	ck_assert_int_eq(dp_fake_ops.read(h->dp, &live), 0);
	s = rc_state_find(&live, &k7);
	rc_service_find_real(s, &a, 80)->weight = 99;
	ck_assert_int_eq(dp_fake_seed(h->dp, &live), 0);
	rc_state_free(&live);
	/* our own change, unannounced: the slice must not call it drift */
	mock_set(&h->src, backend(3, 1), 1);

	t0 = status(h).ticks;
	run_until(h, drift_seen, 2000);
	ck_assert_uint_le(status(h).ticks - t0, st.cover_ticks);
	ck_assert_uint_eq(status(h).drift, 1);
	e = nth(&h->rec, RC_LOOP_EV_DRIFT, 0);
	ck_assert_int_eq(e->pass, RC_LOOP_PASS_SLICE);
	ck_assert_int_eq(rc_svc_key_cmp(&e->key, &k7), 0);
	ck_assert_uint_eq(e->old_weight, 99);
	ck_assert_uint_eq(e->new_weight, 30);
	ck_assert_ptr_nonnull(strstr(e->text, "10.0.7.3:80"));
	ck_assert_ptr_nonnull(strstr(e->text, "99"));
	ck_assert_uint_eq(live_weight(h, 7, a), 30);

	/* two more full cycles: every slice sees it repaired, nothing more */
	want_ticks = status(h).ticks + 2 * st.cover_ticks;
	run_until(h, ticks_reached, 2000);
	ck_assert_uint_eq(status(h).drift, 1);
	ck_assert_int_eq(h->rec.count[RC_LOOP_EV_DRIFT], 1);
	ck_assert_uint_eq(live_weight(h, 3, backend(3, 1)), 1);
	h_free(h);
}
END_TEST

/*
 * A flushed-like table: every real of 12 services drifted. Each of the 36
 * is counted; events stop at 32 objects and one more sums up the rest.
 */
START_TEST(mass_drift_counted_events_capped)
{
	struct h *h = h_new(NULL, NULL, NULL);
	struct rc_state live;

	start(h, 12);
	rc_state_init(&live);
	ck_assert_int_eq(dp_fake_ops.read(h->dp, &live), 0);
	for (size_t i = 0; i < live.n; i++)
		for (size_t r = 0; r < live.svcs[i].n_reals; r++)
			live.svcs[i].reals[r].weight = 1000;
	ck_assert_int_eq(dp_fake_seed(h->dp, &live), 0);
	rc_state_free(&live);
	rc_loop_full_pass(h->l);
	run_passes(h, 1, 1000);
	ck_assert_int_eq(status(h).last_result, RC_LOOP_OK);
	ck_assert_uint_eq(status(h).drift, 36);
	ck_assert_int_eq(h->rec.count[RC_LOOP_EV_DRIFT], 32 + 1);
	ck_assert_ptr_nonnull(
	    strstr(nth(&h->rec, RC_LOOP_EV_DRIFT, 32)->text, "4 more drifted"));
	ck_assert_uint_eq(live_weight(h, 11, backend(11, 3)), 30);
	h_free(h);
}
END_TEST

static void tune_backoff(struct rc_loop_opts *o)
{
	o->backoff_min_ms = 20;
	o->backoff_max_ms = 60;
}

/*
 * Ops 17 and 18 fail (16 ops built the table): the scoped pass fails, is
 * retried after 20 ms and fails again, then after 40 ms succeeds. Each
 * retry plans afresh: the weight changed in between is the one applied.
 */
START_TEST(failed_op_retried_with_backoff)
{
	struct h *h = h_new(NULL, "17:EBUSY,18:EBUSY", tune_backoff);
	struct lb_addr a = backend(2, 1);
	struct rc_loop_status st;
	const struct rec_ev *p0, *p1, *p2;
	uint64_t t_fail;

	start(h, 4);
	mock_set(&h->src, a, 0);
	ck_assert_int_eq(rc_loop_backend_changed(h->l, &a), 0);
	run_passes(h, 1, 1000);
	st = status(h);
	ck_assert_int_eq(st.last_result, RC_LOOP_PARTIAL);
	ck_assert_uint_eq(st.last_failed, 1);
	ck_assert_int_eq(st.last_err, -EBUSY);
	ck_assert(st.retry_pending);
	ck_assert_uint_eq(st.retry_at_ms, st.last_mono_ms + 20);
	ck_assert_uint_eq(st.backoff_ms, 40);
	ck_assert_uint_eq(live_weight(h, 2, a), 10);
	t_fail = st.last_mono_ms;

	/* the desired weight moves on while the retry waits */
	mock_set(&h->src, a, 5);
	run_passes(h, 1, 1000);
	st = status(h);
	ck_assert_int_eq(st.last_result, RC_LOOP_PARTIAL);
	ck_assert_uint_ge(st.last_mono_ms, t_fail + 20);
	ck_assert_uint_eq(st.retry_at_ms, st.last_mono_ms + 40);
	ck_assert_uint_eq(st.backoff_ms, 60); /* capped */
	ck_assert_uint_eq(st.consecutive_failures, 2);
	t_fail = st.last_mono_ms;

	run_passes(h, 1, 1000);
	st = status(h);
	ck_assert_int_eq(st.last_result, RC_LOOP_OK);
	ck_assert_uint_ge(st.last_mono_ms, t_fail + 40);
	ck_assert(!st.retry_pending);
	ck_assert_uint_eq(st.backoff_ms, 20);
	ck_assert_uint_eq(st.consecutive_failures, 0);
	ck_assert_uint_eq(st.ops_failed, 2);
	ck_assert_uint_eq(live_weight(h, 2, a), 5);
	/* failures are ours, not drift */
	ck_assert_uint_eq(st.drift, 0);

	ck_assert_int_eq(h->rec.count[RC_LOOP_EV_APPLY_ERROR], 2);
	ck_assert_int_eq(nth(&h->rec, RC_LOOP_EV_APPLY_ERROR, 1)->err, -EBUSY);
	p0 = nth(&h->rec, RC_LOOP_EV_PASS, 1);
	p1 = nth(&h->rec, RC_LOOP_EV_PASS, 2);
	p2 = nth(&h->rec, RC_LOOP_EV_PASS, 3);
	ck_assert_uint_ge(p1->mono_ms - p0->mono_ms, 20);
	ck_assert_uint_ge(p2->mono_ms - p1->mono_ms, 40);
	ck_assert_int_eq(p2->result, RC_LOOP_OK);
	run_for(h, 80); /* no retry left behind */
	ck_assert_uint_eq(passes(h), 4);
	h_free(h);
}
END_TEST

/*
 * A new generation that would replace every real of one service is refused
 * (nothing applied, reported, held); weight changes keep flowing, weights
 * going to 0 are not removals; the same config allowed explicitly applies.
 */
START_TEST(guard_refuses_removing_every_real)
{
	struct h *h = h_new(NULL, NULL, NULL);
	struct ygen g = {.n = 4, .prefix = "p", .replace = 1};
	struct lb_addr a = backend(2, 1);
	struct rc_loop_status st;
	const struct rec_ev *e;
	uint64_t ops;

	start(h, 4);
	ops = fake_stat(h->dp, "ops_applied");
	ck_assert_int_eq(rc_loop_set_config(h->l, make_cfg(&g), 0), 0);
	run_passes(h, 1, 1000);
	st = status(h);
	ck_assert_int_eq(st.last_result, RC_LOOP_REFUSED);
	ck_assert_uint_eq(st.refusals, 1);
	ck_assert(st.held);
	ck_assert_ptr_nonnull(strstr(st.last_refusal, "every real (3)"));
	ck_assert_ptr_nonnull(strstr(st.last_refusal, "192.0.2.11:80"));
	ck_assert_uint_eq(fake_stat(h->dp, "ops_applied"), ops);
	e = nth(&h->rec, RC_LOOP_EV_REFUSAL, 0);
	ck_assert_uint_eq(e->n_removed, 3);
	ck_assert_uint_eq(e->n_reals, 12);
	ck_assert_uint_eq(e->generation, 2);

	/* held: every weight of s2 to 0 still applies (not a removal) */
	mock_set(&h->src, backend(2, 1), 0);
	mock_set(&h->src, backend(2, 2), 0);
	mock_set(&h->src, backend(2, 3), 0);
	ck_assert_int_eq(rc_loop_backend_changed(h->l, &a), 0);
	run_passes(h, 1, 1000);
	ck_assert_int_eq(status(h).last_result, RC_LOOP_OK);
	ck_assert_uint_eq(status(h).last_ops, 3);
	ck_assert_uint_eq(live_weight(h, 2, a), 0);
	/* held: the refused service's own scoped pass is refused as well */
	ck_assert_int_eq(rc_loop_pool_changed(h->l, "p1"), 0);
	run_passes(h, 1, 1000);
	ck_assert_int_eq(status(h).last_result, RC_LOOP_REFUSED);
	ck_assert_uint_eq(status(h).refusals, 2);

	/* the same change, allowed for its generation */
	ck_assert_int_eq(rc_loop_set_config(h->l, make_cfg(&g),
					    RC_LOOP_GEN_ALLOW_MASS_REMOVAL),
			 0);
	run_passes(h, 1, 1000);
	st = status(h);
	ck_assert_int_eq(st.last_result, RC_LOOP_OK);
	ck_assert(!st.held);
	ck_assert(st.mass_removal_allowed);
	ck_assert_uint_eq(live_weight(h, 1, backend(1, 1)), UINT32_MAX);
	ck_assert_uint_eq(st.refusals, 2);
	h_free(h);
}
END_TEST

/*
 * A pool going down swaps every real of its service for the fallback pool's
 * and back: health's doing, named by the config, so not refused.
 */
START_TEST(guard_lets_fallback_switch)
{
	struct h *h = h_new(NULL, NULL, NULL);
	struct ygen g = {
	    .n = 2, .prefix = "p", .replace = -1, .fallback = true};
	struct lb_addr fb1;

	ck_assert_int_eq(lb_addr_parse("10.8.0.1", &fb1), 0);
	ck_assert_int_eq(rc_loop_set_config(h->l, make_cfg(&g), 0), 0);
	run_passes(h, 1, 1000);
	ck_assert_int_eq(status(h).last_result, RC_LOOP_OK);
	h->src.down = "p0";
	ck_assert_int_eq(rc_loop_pool_changed(h->l, "p0"), 0);
	run_passes(h, 1, 1000);
	ck_assert_int_eq(status(h).last_result, RC_LOOP_OK);
	ck_assert_uint_eq(status(h).last_ops, 6);
	ck_assert_uint_eq(live_weight(h, 0, fb1), 1);
	ck_assert_uint_eq(live_weight(h, 0, backend(0, 1)), UINT32_MAX);
	h->src.down = NULL;
	ck_assert_int_eq(rc_loop_pool_changed(h->l, "fb"), 0);
	run_passes(h, 1, 1000);
	ck_assert_int_eq(status(h).last_result, RC_LOOP_OK);
	ck_assert_uint_eq(live_weight(h, 0, backend(0, 1)), 10);
	ck_assert_uint_eq(status(h).refusals, 0);
	h_free(h);
}
END_TEST

/*
 * Dropping three services of four removes 9 of 12 reals: more than half, so
 * refused (and previewed as refused); allowed for the running generation,
 * it applies.
 */
START_TEST(guard_refuses_more_than_fraction)
{
	struct h *h = h_new(NULL, NULL, NULL);
	const struct rc_plan *plan;
	char why[RC_LOOP_TEXT_MAX];
	const struct rec_ev *e;

	start(h, 4);
	ck_assert_int_eq(rc_loop_set_config(h->l, cfg_n(1), 0), 0);
	/* a health change waiting with the refused full pass still lands */
	mock_set(&h->src, backend(0, 2), 3);
	ck_assert_int_eq(rc_loop_pool_changed(h->l, "p0"), 0);
	run_passes(h, 2, 1000);
	ck_assert_uint_eq(live_weight(h, 0, backend(0, 2)), 3);
	ck_assert_int_eq(nth(&h->rec, RC_LOOP_EV_PASS, 1)->result,
			 RC_LOOP_REFUSED);
	ck_assert_int_eq(status(h).last_kind, RC_LOOP_PASS_SCOPED);
	ck_assert_int_eq(status(h).last_result, RC_LOOP_OK);
	ck_assert_uint_eq(status(h).refusals, 1);
	ck_assert_ptr_nonnull(strstr(status(h).last_refusal, "9 of 12"));
	e = nth(&h->rec, RC_LOOP_EV_REFUSAL, 0);
	ck_assert_uint_eq(e->n_removed, 9);
	ck_assert_uint_eq(live_services(h), 4);

	ck_assert_int_eq(rc_loop_preview(h->l, &plan, why, sizeof(why)), 0);
	ck_assert_uint_eq(plan->n, 9 + 3);
	ck_assert_ptr_nonnull(strstr(why, "9 of 12"));

	rc_loop_allow_mass_removal(h->l, true);
	ck_assert(status(h).full_pending);
	ck_assert_int_eq(rc_loop_preview(h->l, &plan, why, sizeof(why)), 0);
	ck_assert_str_eq(why, "");
	run_passes(h, 1, 1000);
	ck_assert_int_eq(status(h).last_result, RC_LOOP_OK);
	ck_assert_uint_eq(live_services(h), 1);
	ck_assert_uint_eq(status(h).refusals, 1);
	h_free(h);
}
END_TEST

/*
 * A generation swap: events, sha256, the index follows the new pool names,
 * the change applies as ours (not drift).
 */
START_TEST(generation_swap)
{
	struct h *h = h_new(NULL, NULL, NULL);
	struct ygen g = {.n = 3, .prefix = "q", .replace = -1, .w00 = 77};
	const struct rc_svc_key *keys;
	struct rc_loop_status st;
	struct cfg *cfg2;
	char sha[65];
	size_t n;

	ck_assert_ptr_null(rc_loop_config(h->l));
	ck_assert_uint_eq(rc_loop_generation(h->l), 0);
	start(h, 3);
	ck_assert_uint_eq(rc_loop_generation(h->l), 1);
	cfg2 = make_cfg(&g);
	snprintf(sha, sizeof(sha), "%s", cfg2->sha256);
	ck_assert_int_eq(rc_loop_set_config(h->l, cfg2, 0), 0);
	ck_assert_ptr_eq(rc_loop_config(h->l), cfg2);
	ck_assert(status(h).full_pending);
	run_passes(h, 1, 1000);
	st = status(h);
	ck_assert_uint_eq(st.generation, 2);
	ck_assert_str_eq(st.sha256, sha);
	ck_assert_int_eq(st.last_result, RC_LOOP_OK);
	ck_assert_uint_eq(st.last_ops, 1);
	ck_assert_uint_eq(st.drift, 0);
	ck_assert_uint_eq(live_weight(h, 0, backend(0, 1)), 77);
	ck_assert_int_eq(h->rec.count[RC_LOOP_EV_GENERATION], 2);
	ck_assert_uint_eq(nth(&h->rec, RC_LOOP_EV_GENERATION, 1)->generation,
			  2);
	rc_loop_pool_services(h->l, "q2", &keys, &n);
	ck_assert_uint_eq(n, 1);
	rc_loop_pool_services(h->l, "p2", &keys, &n);
	ck_assert_uint_eq(n, 0);
	h_free(h);
}
END_TEST

/* Which services the slices read, through a recording read_services. */
static bool read_seen[64];

static int recording_read_services(struct dp *dp, const struct rc_svc_key *keys,
				   size_t n, struct rc_state *actual)
{
	for (size_t i = 0; i < n; i++)
		for (int s = 0; s < 64; s++) {
			struct rc_svc_key k = svc_key(s);

			if (!rc_svc_key_cmp(&k, &keys[i]))
				read_seen[s] = true;
		}
	return dp_fake_ops.read_services(dp, keys, n, actual);
}

static int recording_read(struct dp *dp, struct rc_state *actual)
{
	memset(read_seen, 1, sizeof(read_seen));
	return dp_fake_ops.read(dp, actual);
}

static void tune_25(struct rc_loop_opts *o)
{
	o->tick_ms = 5;
	o->cover_ticks = 4;
	o->full_every = 1000;
}

static void tune_slice_size(struct rc_loop_opts *o)
{
	o->tick_ms = 5;
	o->slice_size = 10;
	o->full_every = 3;
}

/* Slices read every configured service within cover_ticks ticks. */
static void check_cover(void (*tune)(struct rc_loop_opts *o), int n_svcs,
			size_t slice, uint32_t cover)
{
	struct dp_ops ops = dp_fake_ops;
	struct rc_loop_status st;
	struct h *h;

	ops.read_services = recording_read_services;
	ops.read = recording_read;
	h = h_new(&ops, NULL, tune);
	start(h, n_svcs);
	st = status(h);
	ck_assert_uint_eq(st.slice_size, slice);
	ck_assert_uint_eq(st.cover_ticks, cover);
	/* from wherever the cursor is now, any cover_ticks ticks suffice */
	for (int round = 0; round < 2; round++) {
		memset(read_seen, 0, sizeof(read_seen));
		want_ticks = status(h).ticks + cover;
		run_until(h, ticks_reached, 2000);
		ck_assert_uint_eq(status(h).ticks, want_ticks);
		for (int s = 0; s < n_svcs; s++)
			ck_assert_msg(read_seen[s], "s%d not read in %u ticks",
				      s, cover);
		ck_assert_uint_eq(status(h).drift, 0);
	}
	h_free(h);
}

START_TEST(slices_cover_within_bound)
{
	check_cover(tune_25, 25, 7, 4);
}
END_TEST

/* slice_size given: cover = ceil(25 / 10); a full pass every 3rd tick. */
START_TEST(slice_size_and_full_every)
{
	struct dp_ops ops = dp_fake_ops;
	struct h *h;

	check_cover(tune_slice_size, 25, 10, 3);
	ops.read_services = recording_read_services;
	h = h_new(&ops, NULL, tune_slice_size);
	start(h, 25);
	want_ticks = 9;
	run_until(h, ticks_reached, 2000);
	ck_assert_uint_eq(status(h).passes[RC_LOOP_PASS_FULL], 1 + 3);
	ck_assert_uint_eq(status(h).passes[RC_LOOP_PASS_SLICE], 6);
	h_free(h);
}
END_TEST

static void tune_full_every_4(struct rc_loop_opts *o)
{
	o->tick_ms = 5;
	o->cover_ticks = 2;
	o->full_every = 4;
}

/*
 * An owned service the config does not name and a foreign one appear: the
 * slices leave both alone, the full pass of the 4th tick deletes the owned
 * one and counts the foreign one.
 */
START_TEST(full_pass_finds_dropped_and_foreign)
{
	struct h *h = h_new(NULL, NULL, tune_full_every_4);
	struct rc_svc_key gone = svc_key(40), other = svc_key(41);
	struct lb_addr ra = backend(40, 1);
	struct rc_state live;
	struct rc_service *s;

	start(h, 4);
	rc_state_init(&live);
	ck_assert_int_eq(dp_fake_ops.read(h->dp, &live), 0);
	s = rc_state_add_service(&live, &gone);
	s->owned = true;
	snprintf(s->sched, sizeof(s->sched), "wrr");
	ck_assert_ptr_nonnull(rc_service_add_real(s, &ra, 80));
	s = rc_state_add_service(&live, &other);
	snprintf(s->sched, sizeof(s->sched), "wrr");
	ck_assert_ptr_nonnull(rc_service_add_real(s, &ra, 80));
	ck_assert_int_eq(rc_state_sort(&live), 0);
	ck_assert_int_eq(dp_fake_seed(h->dp, &live), 0);
	rc_state_free(&live);

	want_ticks = 3;
	run_until(h, ticks_reached, 2000);
	ck_assert_uint_eq(status(h).passes[RC_LOOP_PASS_FULL], 1);
	ck_assert_uint_ge(status(h).passes[RC_LOOP_PASS_SLICE], 2);
	ck_assert_uint_eq(live_services(h), 6);
	want_ticks = 4;
	run_until(h, ticks_reached, 2000);
	ck_assert_uint_eq(status(h).passes[RC_LOOP_PASS_FULL], 2);
	ck_assert_int_eq(status(h).last_result, RC_LOOP_OK);
	ck_assert_uint_eq(status(h).last_ops, 2); /* its real, then it */
	ck_assert_uint_eq(status(h).foreign, 1);
	ck_assert_uint_eq(status(h).drift, 0);
	ck_assert_uint_eq(live_services(h), 5);
	h_free(h);
}
END_TEST

/* ---- the lock hook --------------------------------------------------------
 */

struct lockctx {
	int takes, releases, fail_next;
};

static int lock_take(void *ctx)
{
	struct lockctx *c = ctx;

	c->takes++;
	if (c->fail_next) {
		c->fail_next--;
		return -EWOULDBLOCK;
	}
	return 0;
}

static void lock_release(void *ctx)
{
	((struct lockctx *)ctx)->releases++;
}

static void tune_fast_retry(struct rc_loop_opts *o)
{
	o->backoff_min_ms = 10;
}

/* Taken and released around every pass; a refused lock is a retried error. */
START_TEST(lock_around_each_pass)
{
	struct h *h = h_new(NULL, NULL, tune_fast_retry);
	struct lockctx c = {.fail_next = 1};

	rc_loop_set_lock(h->l, lock_take, lock_release, &c);
	ck_assert_int_eq(rc_loop_set_config(h->l, cfg_n(2), 0), 0);
	run_passes(h, 1, 1000);
	ck_assert_int_eq(status(h).last_result, RC_LOOP_ERROR);
	ck_assert_uint_eq(status(h).lock_failures, 1);
	ck_assert(status(h).retry_pending);
	ck_assert_uint_eq(live_services(h), 0);
	ck_assert_int_eq(c.releases, 0);
	run_passes(h, 1, 1000);
	ck_assert_int_eq(status(h).last_result, RC_LOOP_OK);
	ck_assert_int_eq(status(h).last_kind, RC_LOOP_PASS_FULL);
	ck_assert_uint_eq(live_services(h), 2);
	ck_assert_int_eq(c.takes, 2);
	ck_assert_int_eq(c.releases, 1);
	h_free(h);
}
END_TEST

/* A read failure (dataplane gone) is an error pass, retried, not a crash. */
static int failing_read(struct dp *dp, struct rc_state *actual)
{
	return -EIO;
}

START_TEST(read_error_is_retried)
{
	struct dp_ops ops = dp_fake_ops;
	struct h *h;

	ops.read = failing_read;
	h = h_new(&ops, NULL, tune_fast_retry);
	ck_assert_int_eq(rc_loop_set_config(h->l, cfg_n(2), 0), 0);
	run_passes(h, 2, 1000);
	ck_assert_int_eq(status(h).last_result, RC_LOOP_ERROR);
	ck_assert_int_eq(status(h).last_err, -EIO);
	ck_assert_uint_eq(status(h).passes[RC_LOOP_PASS_FULL], 2);
	ck_assert_uint_eq(status(h).consecutive_failures, 2);
	ck_assert_ptr_nonnull(strstr(
	    nth(&h->rec, RC_LOOP_EV_APPLY_ERROR, 0)->text, "cannot read"));
	h_free(h);
}
END_TEST

/* The driver takes each generation's settings once, before its first read. */
static int n_reconfigured;
static const struct cfg *reconfigured_with;

static int counting_reconfigure(struct dp *dp, const struct cfg *cfg)
{
	n_reconfigured++;
	reconfigured_with = cfg;
	return 0;
}

START_TEST(reconfigure_once_per_generation)
{
	struct dp_ops ops = dp_fake_ops;
	struct h *h;

	ops.reconfigure = counting_reconfigure;
	n_reconfigured = 0;
	h = h_new(&ops, NULL, NULL);
	start(h, 2);
	ck_assert_int_eq(n_reconfigured, 1);
	ck_assert_ptr_eq(reconfigured_with, rc_loop_config(h->l));
	ck_assert_int_eq(rc_loop_set_config(h->l, cfg_n(3), 0), 0);
	run_passes(h, 1, 1000);
	ck_assert_int_eq(n_reconfigured, 2);
	ck_assert_ptr_eq(reconfigured_with, rc_loop_config(h->l));
	ck_assert_uint_eq(live_services(h), 3);
	h_free(h);
}
END_TEST

/*
 * rc_loop_service_converged follows what the last pass covering a service
 * did to it: unknown before the first pass, true once applied, false while
 * an operation of it failed (true again after the retry), false once a pass
 * left it out of the desired state; other services keep their answer.
 */
START_TEST(service_converged_per_service)
{
	struct h *h = h_new(NULL, "17:EBUSY", tune_backoff);
	struct rc_svc_key k0 = svc_key(0), k1 = svc_key(1), k2 = svc_key(2),
			  k9 = svc_key(9);
	struct lb_addr a = backend(2, 1);

	ck_assert(!rc_loop_service_converged(h->l, &k0));
	ck_assert(!rc_loop_service_converged(NULL, &k0));
	start(h, 4);
	ck_assert(rc_loop_service_converged(h->l, &k0));
	ck_assert(rc_loop_service_converged(h->l, &k2));
	ck_assert(!rc_loop_service_converged(h->l, &k9));

	/* op 17 fails: s2's weight change is not in the dataplane */
	mock_set(&h->src, a, 0);
	ck_assert_int_eq(rc_loop_backend_changed(h->l, &a), 0);
	run_passes(h, 1, 1000);
	ck_assert_int_eq(status(h).last_result, RC_LOOP_PARTIAL);
	ck_assert(!rc_loop_service_converged(h->l, &k2));
	ck_assert(rc_loop_service_converged(h->l, &k0));
	run_passes(h, 1, 1000); /* the retry */
	ck_assert_int_eq(status(h).last_result, RC_LOOP_OK);
	ck_assert(rc_loop_service_converged(h->l, &k2));

	/* s1 left out of the desired state: deleted, so not in sync */
	h->src.inactive = "s1";
	ck_assert_int_eq(rc_loop_services_changed(h->l, &k1, 1), 0);
	run_passes(h, 1, 1000);
	ck_assert_uint_eq(live_services(h), 3);
	ck_assert(!rc_loop_service_converged(h->l, &k1));
	ck_assert(rc_loop_service_converged(h->l, &k0));
	h->src.inactive = NULL;
	ck_assert_int_eq(rc_loop_services_changed(h->l, &k1, 1), 0);
	run_passes(h, 1, 1000);
	ck_assert(rc_loop_service_converged(h->l, &k1));
	h_free(h);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("loop");
	TCase *tc = tcase_create("loop");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, health_change_is_one_scoped_write);
	tcase_add_test(tc, burst_of_100_is_one_pass);
	tcase_add_test(tc, window_merges_rounds);
	tcase_add_test(tc, drift_repaired_within_bound_counted_once);
	tcase_add_test(tc, mass_drift_counted_events_capped);
	tcase_add_test(tc, failed_op_retried_with_backoff);
	tcase_add_test(tc, guard_refuses_removing_every_real);
	tcase_add_test(tc, guard_refuses_more_than_fraction);
	tcase_add_test(tc, guard_lets_fallback_switch);
	tcase_add_test(tc, generation_swap);
	tcase_add_test(tc, slices_cover_within_bound);
	tcase_add_test(tc, slice_size_and_full_every);
	tcase_add_test(tc, full_pass_finds_dropped_and_foreign);
	tcase_add_test(tc, lock_around_each_pass);
	tcase_add_test(tc, read_error_is_retried);
	tcase_add_test(tc, reconfigure_once_per_generation);
	tcase_add_test(tc, service_converged_per_service);
	suite_add_tcase(s, tc);
	return s;
}
