// SPDX-License-Identifier: GPL-2.0-only
/* The event loop: timers, back-pointer ownership, watches, signals. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "lib/evloop.h"
#include "tests/lib/check_main.h"

struct order {
	int seen[16];
	int n;
};

struct tctx {
	struct order *o;
	int id;
};

static void note(struct lb_loop *l, void *arg)
{
	struct tctx *c = arg;

	c->o->seen[c->o->n++] = c->id;
}

static void run_for(struct lb_loop *l, uint64_t ms)
{
	uint64_t end = lb_loop_now_ms_fresh(l) + ms;

	while (lb_loop_now_ms_fresh(l) < end)
		ck_assert_int_ge(
		    lb_loop_run_once(l, (int)(end - lb_loop_now_ms(l))), 0);
}

START_TEST(timers_fire_in_deadline_order)
{
	struct lb_loop *l;
	struct lb_timer *t[5] = {0};
	struct order o = {0};
	struct tctx c[5];
	const int delay[5] = {40, 10, 30, 10, 20};

	ck_assert_int_eq(lb_loop_new(&l), 0);
	for (int i = 0; i < 5; i++) {
		c[i] = (struct tctx){&o, i};
		ck_assert_int_eq(lb_timer_add(l, &t[i], delay[i], note, &c[i]),
				 0);
		ck_assert_ptr_nonnull(t[i]);
	}
	ck_assert_uint_eq(lb_loop_timer_count(l), 5);
	run_for(l, 80);
	ck_assert_int_eq(o.n, 5);
	/* equal deadlines keep insertion order */
	ck_assert_int_eq(o.seen[0], 1);
	ck_assert_int_eq(o.seen[1], 3);
	ck_assert_int_eq(o.seen[2], 4);
	ck_assert_int_eq(o.seen[3], 2);
	ck_assert_int_eq(o.seen[4], 0);
	for (int i = 0; i < 5; i++)
		ck_assert_ptr_null(t[i]); /* fired timers cleared their owner */
	lb_loop_free(l);
}
END_TEST

START_TEST(cancel_clears_owner_and_never_fires)
{
	struct lb_loop *l;
	struct lb_timer *a = NULL, *b = NULL;
	struct order o = {0};
	struct tctx ca = {&o, 1}, cb = {&o, 2};

	ck_assert_int_eq(lb_loop_new(&l), 0);
	ck_assert_int_eq(lb_timer_add(l, &a, 5, note, &ca), 0);
	ck_assert_int_eq(lb_timer_add(l, &b, 10, note, &cb), 0);
	/* an armed owner is never silently replaced */
	ck_assert_int_eq(lb_timer_add(l, &a, 5, note, &ca), -EINVAL);
	lb_timer_cancel(l, &a);
	ck_assert_ptr_null(a);
	lb_timer_cancel(l, &a); /* idempotent */
	run_for(l, 30);
	ck_assert_int_eq(o.n, 1);
	ck_assert_int_eq(o.seen[0], 2);
	lb_loop_free(l);
}
END_TEST

/* A timer left armed at free has its owner cleared. */
START_TEST(free_clears_pending_owners)
{
	struct lb_loop *l;
	struct lb_timer *a = NULL;
	struct order o = {0};
	struct tctx ca = {&o, 1};

	ck_assert_int_eq(lb_loop_new(&l), 0);
	ck_assert_int_eq(lb_timer_add(l, &a, 10000, note, &ca), 0);
	lb_loop_free(l);
	ck_assert_ptr_null(a);
}
END_TEST

struct pair {
	struct lb_watch w[2];
	int fds[2][2];
	int calls;
};

/* The first callback removes the second watch: its event must not run. */
static void kill_other(struct lb_loop *l, struct lb_watch *w, uint32_t ev)
{
	struct pair *p = w->arg;

	p->calls++;
	lb_loop_watch_close(l, &p->w[w == &p->w[0] ? 1 : 0]);
	lb_loop_watch_close(l, w);
}

START_TEST(watch_removed_mid_dispatch_is_skipped)
{
	struct lb_loop *l;
	struct pair p = {0};

	ck_assert_int_eq(lb_loop_new(&l), 0);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(pipe(p.fds[i]), 0);
		lb_watch_init(&p.w[i]);
		ck_assert_int_eq(lb_loop_watch_add(l, &p.w[i], p.fds[i][0],
						   EPOLLIN, kill_other, &p),
				 0);
		ck_assert_int_eq(write(p.fds[i][1], "x", 1), 1);
	}
	ck_assert_int_ge(lb_loop_run_once(l, 100), 1);
	ck_assert_int_eq(p.calls, 1);
	ck_assert(!lb_watch_active(&p.w[0]) && !lb_watch_active(&p.w[1]));
	close(p.fds[0][1]);
	close(p.fds[1][1]);
	lb_loop_free(l);
}
END_TEST

static void on_sig(struct lb_loop *l, int signo, void *arg)
{
	*(int *)arg = signo;
	lb_loop_stop(l);
}

START_TEST(signals_arrive_through_the_loop)
{
	struct lb_loop *l;
	int got = 0;

	ck_assert_int_eq(lb_loop_new(&l), 0);
	ck_assert_int_eq(lb_loop_signal(l, SIGUSR1, on_sig, &got), 0);
	ck_assert_int_eq(lb_loop_signal(l, SIGUSR1, on_sig, &got), -EEXIST);
	kill(getpid(), SIGUSR1);
	ck_assert_int_eq(lb_loop_run(l), 0);
	ck_assert_int_eq(got, SIGUSR1);
	lb_loop_free(l);
}
END_TEST

/* Many timers: heap order holds under random insert and cancel. */
static void count_fire(struct lb_loop *l, void *arg)
{
	uint64_t *last = arg;
	uint64_t now = lb_loop_now_ms(l);

	ck_assert_uint_ge(now, last[1]);
	last[0]++;
}

START_TEST(heap_holds_thousands)
{
	enum { N = 5000 };
	struct lb_loop *l;
	struct lb_timer **t = calloc(N, sizeof(*t));
	uint64_t st[2] = {0, 0};
	unsigned int cancelled = 0;

	ck_assert_int_eq(lb_loop_new(&l), 0);
	srand(7);
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(lb_timer_add(l, &t[i], (uint64_t)(rand() % 50),
					      count_fire, st),
				 0);
	for (int i = 0; i < N; i += 3) {
		lb_timer_cancel(l, &t[i]);
		cancelled++;
	}
	run_for(l, 80);
	ck_assert_uint_eq(st[0], N - cancelled);
	ck_assert_uint_eq(lb_loop_timer_count(l), 0);
	lb_loop_free(l);
	free(t);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("health_loop");
	TCase *tc = tcase_create("loop");

	tcase_add_test(tc, timers_fire_in_deadline_order);
	tcase_add_test(tc, cancel_clears_owner_and_never_fires);
	tcase_add_test(tc, free_clears_pending_owners);
	tcase_add_test(tc, watch_removed_mid_dispatch_is_skipped);
	tcase_add_test(tc, signals_arrive_through_the_loop);
	tcase_add_test(tc, heap_holds_thousands);
	suite_add_tcase(s, tc);
	return s;
}
