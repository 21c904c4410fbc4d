// SPDX-License-Identifier: GPL-2.0-only
/*
 * Diff benchmark: 1,000 services x 100 reals, actual differing from desired
 * in 1 % of reals (a third weight changes, a third missing, a third extra).
 * Reports the median of RUNS diffs against the 20 ms goal, the same for an
 * identical pair and for a full sync from an empty dataplane, the time to
 * sort a shuffled state, and peak RSS. Exits 1 when the 1 % diff misses the
 * goal.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include "reconcile/diff.h"
#include "reconcile/model.h"

#define N_SVCS 1000
#define N_REALS 100
#define RUNS 25
#define GOAL_MS 20.0

static uint64_t rng = 0x5eed;

static uint32_t next_rand(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545F4914F6CDD1Dull) >> 32);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void v4(struct lb_addr *a, uint8_t b0, uint8_t b1, uint8_t b2,
	       uint8_t b3)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	a->b[0] = b0;
	a->b[1] = b1;
	a->b[2] = b2;
	a->b[3] = b3;
}

/* Services and reals appended in shuffled order, as a config might list them.
 */
static int build_desired(struct rc_state *st)
{
	static unsigned order[N_SVCS];

	for (unsigned i = 0; i < N_SVCS; i++)
		order[i] = i;
	for (unsigned i = N_SVCS - 1; i > 0; i--) {
		unsigned j = next_rand() % (i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (unsigned i = 0; i < N_SVCS; i++) {
		unsigned s = order[i];
		struct rc_service *svc;
		struct rc_svc_key k;
		struct lb_addr a;

		v4(&a, 198, 18, (uint8_t)(s >> 8), (uint8_t)s);
		rc_svc_key_init(&k, &a, 80, 6, 0);
		svc = rc_state_add_service(st, &k);
		if (!svc)
			return -ENOMEM;
		snprintf(svc->sched, sizeof(svc->sched), "maglev");
		svc->owned = true;
		for (unsigned r = N_REALS; r-- > 0;) {
			struct rc_real *re;

			v4(&a, 10, (uint8_t)(s >> 8), (uint8_t)s,
			   (uint8_t)(r + 1));
			re = rc_service_add_real(svc, &a, 8080);
			if (!re)
				return -ENOMEM;
			re->weight = 100;
			re->fwd = RC_FWD_TUNNEL;
		}
	}
	return 0;
}

/* 1 % of reals differ: weight changed, missing from actual, or extra. */
static int perturb(struct rc_state *actual, unsigned n_changes)
{
	for (unsigned i = 0; i < n_changes; i++) {
		struct rc_service *svc = &actual->svcs[next_rand() % actual->n];
		struct rc_real *re;
		struct lb_addr a;

		switch (i % 3) {
		case 0:
			svc->reals[next_rand() % svc->n_reals].weight += 1;
			break;
		case 1:
			re = &svc->reals[next_rand() % svc->n_reals];
			rc_service_remove_real(svc, &re->addr, re->port);
			break;
		default:
			v4(&a, 172, 16, (uint8_t)(i >> 8), (uint8_t)i);
			re = rc_service_add_real(svc, &a, 8080);
			if (!re)
				return -ENOMEM;
			re->weight = 1;
			break;
		}
	}
	return rc_state_sort(actual);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median wall time of RUNS diffs; also returns the plan size. */
static int time_diff(const struct rc_state *d, const struct rc_state *a,
		     double *median, size_t *n_ops)
{
	double t[RUNS];

	for (int i = 0; i < RUNS; i++) {
		struct rc_plan p;
		double t0;
		int err;

		rc_plan_init(&p);
		t0 = now_ms();
		err = rc_diff(d, a, NULL, &p);
		t[i] = now_ms() - t0;
		*n_ops = p.n;
		rc_plan_free(&p);
		if (err)
			return err;
	}
	qsort(t, RUNS, sizeof(t[0]), cmp_double);
	*median = t[RUNS / 2];
	return 0;
}

int main(void)
{
	struct rc_state shuffled, desired, actual, same, empty;
	double sort_t[RUNS], sort_med, med_1pct, med_same, med_full;
	size_t ops_1pct, ops_same, ops_full;
	unsigned n_changes = N_SVCS * N_REALS / 100;
	struct rusage ru;
	int err;

	rc_state_init(&shuffled);
	rc_state_init(&desired);
	rc_state_init(&actual);
	rc_state_init(&same);
	rc_state_init(&empty);
	err = build_desired(&shuffled);
	if (err)
		goto fail;

	for (int i = 0; i < RUNS; i++) {
		double t0;

		err = rc_state_copy(&desired, &shuffled);
		if (err)
			goto fail;
		t0 = now_ms();
		err = rc_state_sort(&desired);
		sort_t[i] = now_ms() - t0;
		if (err)
			goto fail;
	}
	qsort(sort_t, RUNS, sizeof(sort_t[0]), cmp_double);
	sort_med = sort_t[RUNS / 2];

	/* A separate copy: comparing a state with itself would halve the memory
	 * traffic. */
	err = rc_state_copy(&same, &desired);
	if (!err)
		err = rc_state_copy(&actual, &desired);
	if (!err)
		err = perturb(&actual, n_changes);
	if (!err)
		err = time_diff(&desired, &actual, &med_1pct, &ops_1pct);
	if (!err)
		err = time_diff(&desired, &same, &med_same, &ops_same);
	if (!err)
		err = time_diff(&desired, &empty, &med_full, &ops_full);
	if (err)
		goto fail;
	getrusage(RUSAGE_SELF, &ru);

	printf("diff %ux%u 1%%: median %.2f ms over %d runs, %zu ops (goal ≤ "
	       "%.0f ms: %s, %.0fx under)\n",
	       N_SVCS, N_REALS, med_1pct, RUNS, ops_1pct, GOAL_MS,
	       med_1pct <= GOAL_MS ? "met" : "MISSED", GOAL_MS / med_1pct);
	printf("diff %ux%u identical: median %.2f ms, %zu ops\n", N_SVCS,
	       N_REALS, med_same, ops_same);
	printf("diff %ux%u from empty: median %.2f ms, %zu ops\n", N_SVCS,
	       N_REALS, med_full, ops_full);
	printf("sort %ux%u shuffled: median %.2f ms\n", N_SVCS, N_REALS,
	       sort_med);
	printf("peak RSS: %.1f MiB (states of %zu reals, each %zu bytes per "
	       "real)\n",
	       (double)ru.ru_maxrss / 1024.0, rc_state_count_reals(&desired),
	       sizeof(struct rc_real));
	rc_state_free(&shuffled);
	rc_state_free(&desired);
	rc_state_free(&actual);
	rc_state_free(&same);
	return med_1pct <= GOAL_MS ? 0 : 1;
fail:
	fprintf(stderr, "bench_diff: %s\n", strerror(-err));
	return 1;
}
