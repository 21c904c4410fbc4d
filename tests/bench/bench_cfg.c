// SPDX-License-Identifier: GPL-2.0-only
#include "tests/bench/bench_cfg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cfg *bench_cfg_build(const char *dataplane, int n_svcs, int n_reals,
			    uint32_t w0)
{
	size_t cap = (size_t)n_svcs * (160 + (size_t)n_reals * 64) +
		     strlen(dataplane) + 64,
	       len = 0;
	char *y = malloc(cap);
	struct cfg_diags d = {0};
	struct cfg *cfg = NULL;
	int err;

	if (!y)
		return NULL;
	len += (size_t)snprintf(y + len, cap - len, "version: 1\n%spools:\n",
				dataplane);
	for (int i = 0; i < n_svcs; i++) {
		len += (size_t)snprintf(y + len, cap - len,
					"  p%d:\n    backends:\n", i);
		for (int b = 0; b < n_reals; b++)
			len += (size_t)snprintf(
			    y + len, cap - len,
			    "      - {address: 10.%d.%d.%d, port: 80, "
			    "weight: %u}\n",
			    i / 256, i % 256, b + 1, i == 0 && b == 0 ? w0 : 1);
	}
	len += (size_t)snprintf(y + len, cap - len, "services:\n");
	for (int i = 0; i < n_svcs; i++)
		len += (size_t)snprintf(y + len, cap - len,
					"  - {name: s%d, address: 192.%d.%d.1, "
					"port: 80, pool: p%d}\n",
					i, 168 + i / 256, i % 256, i);
	err = cfg_load_buffer("bench.yaml", y, len, &cfg, &d);
	if (err && d.n)
		fprintf(stderr, "bench.yaml: %s\n", d.items[0].message);
	cfg_diags_free(&d);
	free(y);
	return err ? NULL : cfg;
}
