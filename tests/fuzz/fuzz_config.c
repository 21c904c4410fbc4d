// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: any bytes through the whole loader (YAML, schema,
 * defaults, semantic checks), then everything freed. ASan, UBSan and
 * LeakSanitizer turn a crash, undefined behaviour or a leak into a finding.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfg_diags d = {0};
	struct cfg *cfg = NULL;

	if (!cfg_load_buffer("fuzz.yaml", (const char *)data, size, &cfg, &d)) {
		/* A loaded config must be internally consistent. */
		for (size_t i = 0; i < cfg->n_services; i++) {
			const struct cfg_service *s = &cfg->services[i];

			if (s->pool >= cfg->n_pools ||
			    s->fallback_pool >= (ssize_t)cfg->n_pools ||
			    s->forwarding == CFG_FWD_DEFAULT)
				__builtin_trap();
		}
		for (size_t i = 0; i < cfg->n_pools; i++)
			for (size_t k = 0; k < cfg->pools[i].n_backends; k++)
				if (!cfg->pools[i].backends[k].health)
					__builtin_trap();
	}
	for (size_t i = 0; i < d.n; i++)
		if (!d.items[i].message || !d.items[i].path || !d.items[i].file)
			__builtin_trap();
	cfg_free(cfg);
	cfg_diags_free(&d);
	return 0;
}
