/* SPDX-License-Identifier: GPL-2.0-only */
/* Timing and medians shared by the benchmarks. */
#ifndef BALLAST_TESTS_BENCH_STAT_H
#define BALLAST_TESTS_BENCH_STAT_H

#include <stdlib.h>
#include <time.h>

/* CLOCK_MONOTONIC in milliseconds. */
static inline double bench_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median of t[0..n); sorts t. */
static inline double bench_median(double *t, size_t n)
{
	qsort(t, n, sizeof(*t), bench_cmp_double);
	return t[n / 2];
}

#endif
