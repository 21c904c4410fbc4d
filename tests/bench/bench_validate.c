// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_validate FILE [RUNS]: time cfg_load (parse, schema, defaults and
 * semantic checks: everything `ballast validate` does) over several runs and
 * report the median, best and worst, and the process's peak RSS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "config/config.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int runs = argc > 2 ? atoi(argv[2]) : 5;
	size_t services = 0, reals = 0;
	struct rusage ru;
	double *t;

	if (argc < 2 || runs < 1 || runs > 1000) {
		fprintf(stderr, "usage: %s FILE [RUNS]\n", argv[0]);
		return 2;
	}
	t = calloc((size_t)runs, sizeof(*t));
	if (!t)
		return 1;
	for (int i = 0; i < runs; i++) {
		struct cfg_diags d = {0};
		struct cfg *cfg = NULL;
		double t0 = now_ms();
		int err = cfg_load(argv[1], &cfg, &d);

		t[i] = now_ms() - t0;
		if (err) {
			for (size_t k = 0; k < d.n && k < 10; k++)
				fprintf(stderr, "%s:%u:%u: %s\n",
					d.items[k].file, d.items[k].line,
					d.items[k].col, d.items[k].message);
			fprintf(stderr,
				"bench-validate: %s does not load (%d)\n",
				argv[1], err);
			cfg_diags_free(&d);
			free(t);
			return 1;
		}
		services = cfg->n_services;
		reals = 0;
		for (size_t s = 0; s < cfg->n_services; s++)
			reals += cfg->pools[cfg->services[s].pool].n_backends;
		cfg_free(cfg);
		cfg_diags_free(&d);
	}
	qsort(t, (size_t)runs, sizeof(*t), cmp_double);
	getrusage(RUSAGE_SELF, &ru);
	printf(
	    "bench-validate: %zu services, %zu reals, %d runs: median %.1f ms "
	    "(min %.1f, max %.1f), peak RSS %.1f MiB; goal <= 500 ms: %s\n",
	    services, reals, runs, t[runs / 2], t[0], t[runs - 1],
	    ru.ru_maxrss / 1024.0, t[runs / 2] <= 500.0 ? "met" : "MISSED");
	free(t);
	return 0;
}
