// SPDX-License-Identifier: GPL-2.0-only
/*
 * Maglev figures: build time of a 65537-entry table for 1000 reals (median of
 * runs), balance with equal weights, and disruption when 1 of 1000 reals goes
 * (every one of the 1000 removals, mean and worst), for consecutive IPv4
 * addresses and for random IPv4 and IPv6 ones: hashes must not favour one
 * address pattern.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dataplane/xdp/maglev.h"

#define RUNS 51

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median of RUNS builds; *min gets the fastest (the uncontended cost). */
static double median_build(const struct dp_maglev_real *r, size_t n,
			   uint32_t m, uint32_t *t, double *min)
{
	double ms[RUNS];

	for (int i = 0; i < RUNS; i++) {
		double t0 = now_ms();

		if (dp_maglev_build(r, n, m, t)) {
			fprintf(stderr, "bench-maglev: build failed\n");
			exit(1);
		}
		ms[i] = now_ms() - t0;
	}
	qsort(ms, RUNS, sizeof(ms[0]), cmp_d);
	*min = ms[0];
	return ms[RUNS / 2];
}

/* Every one of the n removals from r (table a): mean and worst share changed. */
static void disruption(struct dp_maglev_real *r, size_t n, uint32_t m,
		       uint32_t *a, uint32_t *b, double *mean, double *worst)
{
	double sum = 0;

	*worst = 0;
	if (dp_maglev_build(r, n, m, a))
		exit(1);
	for (size_t g = 0; g < n; g++) {
		struct dp_maglev_real saved = r[g];
		uint32_t changed = 0;

		r[g] = r[n - 1];
		if (dp_maglev_build(r, n - 1, m, b))
			exit(1);
		r[n - 1] = r[g];
		r[g] = saved;
		for (uint32_t i = 0; i < m; i++)
			changed += a[i] != b[i];
		sum += 100.0 * changed / m;
		if (100.0 * changed / m > *worst)
			*worst = 100.0 * changed / m;
	}
	*mean = sum / n;
}

/* Doubling the weight of each of the first k reals in turn: mean share changed. */
static double reweigh(struct dp_maglev_real *r, size_t n, size_t k, uint32_t m,
		      uint32_t *a, uint32_t *b)
{
	double sum = 0;

	if (dp_maglev_build(r, n, m, a))
		exit(1);
	for (size_t g = 0; g < k; g++) {
		uint32_t changed = 0;

		r[g].weight *= 2;
		if (dp_maglev_build(r, n, m, b))
			exit(1);
		r[g].weight /= 2;
		for (uint32_t i = 0; i < m; i++)
			changed += a[i] != b[i];
		sum += 100.0 * changed / m;
	}
	return sum / k;
}

/* Random addresses (xorshift, fixed seed), v6 with random ports too. */
static void random_reals(struct dp_maglev_real *r, size_t n, int v6)
{
	static uint64_t x = 0x2545f4914f6cdd1dull;

	for (size_t i = 0; i < n; i++) {
		memset(&r[i].addr, 0, sizeof(r[i].addr));
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		r[i].addr.family = v6 ? AF_INET6 : AF_INET;
		memcpy(r[i].addr.b, &x, 8);
		if (v6) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			memcpy(r[i].addr.b + 8, &x, 8);
		} else {
			memset(r[i].addr.b + 4, 0, 4);
		}
		r[i].port = v6 ? (uint16_t)(x >> 48) : 80;
	}
}

int main(void)
{
	const uint32_t m = LB_RING_DEFAULT_SIZE;
	const size_t n = 1000;
	struct dp_maglev_real *r = calloc(n, sizeof(*r));
	uint32_t *a = calloc(m, sizeof(*a)), *b = calloc(m, sizeof(*b));
	uint32_t *cnt = calloc(n + 1, sizeof(*cnt)), lo = UINT32_MAX, hi = 0;
	double eq, wt, eq_min, wt_min, mean, worst, rmean[2], rworst[2], wmean, wworst, rew;

	if (!r || !a || !b || !cnt)
		return 1;
	for (size_t i = 0; i < n; i++) {
		r[i].addr.family = AF_INET;
		r[i].addr.w[0] = htonl(0x0a000000u + (uint32_t)i + 1);
		r[i].port = 80;
		r[i].id = (uint32_t)i + 1;
		r[i].weight = 100;
	}
	eq = median_build(r, n, m, a, &eq_min);
	for (uint32_t i = 0; i < m; i++)
		cnt[a[i]]++;
	for (size_t i = 1; i <= n; i++) {
		lo = cnt[i] < lo ? cnt[i] : lo;
		hi = cnt[i] > hi ? cnt[i] : hi;
	}
	disruption(r, n, m, a, b, &mean, &worst);
	srand(1);
	for (size_t i = 0; i < n; i++)
		r[i].weight = 1 + (uint32_t)(rand() % 1000);
	wt = median_build(r, n, m, a, &wt_min);
	disruption(r, n, m, a, b, &wmean, &wworst);
	rew = reweigh(r, n, 100, m, a, b);
	for (size_t i = 0; i < n; i++)
		r[i].weight = 100;
	for (int v6 = 0; v6 < 2; v6++) {
		random_reals(r, n, v6);
		disruption(r, n, m, a, b, &rmean[v6], &rworst[v6]);
	}

	printf("maglev M=%u N=%zu: build %.3f ms equal weights (min %.3f), %.3f ms random "
	       "weights (min %.3f); median of %d; goal <= 1.5 ms\n", m, n, eq, eq_min,
	       wt, wt_min, RUNS);
	printf("maglev equal weights: entries per real min %u max %u (max-min %u; goal <= 1)\n",
	       lo, hi, hi - lo);
	printf("maglev remove 1 of %zu: %.3f %% of entries change on average, worst %.3f %% "
	       "over %zu removals (goal <= 0.75 %%)\n", n, mean, worst, n);
	printf("maglev remove 1 of %zu, random addresses: IPv4 mean %.3f %% worst %.3f %%, "
	       "IPv6 mean %.3f %% worst %.3f %%\n", n, rmean[0], rworst[0], rmean[1], rworst[1]);
	printf("maglev random weights 1-1000: remove 1 of %zu mean %.3f %% worst %.3f %%; "
	       "one weight doubled (100 cases) mean %.3f %%\n", n, wmean, wworst, rew);
	free(cnt);
	free(b);
	free(a);
	free(r);
	return 0;
}
