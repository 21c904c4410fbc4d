/* SPDX-License-Identifier: GPL-2.0-only */
/* The benchmarks' large configuration, built in memory. */
#ifndef BALLAST_TESTS_BENCH_CFG_H
#define BALLAST_TESTS_BENCH_CFG_H

#include <stdint.h>

#include "config/config.h"

/*
 * n_svcs services s<i> at 192.(168 + i / 256).(i % 256).1:80, each with a pool
 * p<i> of n_reals backends 10.(i / 256).(i % 256).(b + 1):80 of weight 1,
 * except backend 0 of p0, which weighs w0. dataplane is the YAML of the
 * dataplane block (a line or more, ending in a newline). NULL after printing
 * why on a load error.
 */
struct cfg *bench_cfg_build(const char *dataplane, int n_svcs, int n_reals,
			    uint32_t w0);

#endif
