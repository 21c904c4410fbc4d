// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VIPs a config implies: its services' distinct addresses, for what
 * announces or gates them per address (the BGP announcer and its FRR
 * prefix lists, the HA gate without a vrrp: section).
 */
#include <errno.h>
#include <stdlib.h>

#include "config/config.h"

/* An address and the index of its first service. */
struct at {
	struct lb_addr addr;
	size_t i;
};

static int at_addr_cmp(const void *a, const void *b)
{
	const struct at *x = a, *y = b;
	int c = lb_addr_cmp(&x->addr, &y->addr);

	return c ? c : (x->i < y->i ? -1 : x->i > y->i);
}

static int at_pos_cmp(const void *a, const void *b)
{
	const struct at *x = a, *y = b;

	return x->i < y->i ? -1 : x->i > y->i;
}

int cfg_service_vips(const struct cfg *cfg, struct lb_addr **out, size_t *n)
{
	struct at *at = calloc(cfg->n_services + 1, sizeof(*at));
	struct lb_addr *v = calloc(cfg->n_services + 1, sizeof(*v));
	size_t m = 0, k = 0;

	*out = NULL;
	*n = 0;
	if (!at || !v) {
		free(at);
		free(v);
		return -ENOMEM;
	}
	for (size_t i = 0; i < cfg->n_services; i++)
		if (!cfg->services[i].fwmark)
			at[m++] = (struct at){cfg->services[i].addr, i};
	/* Sorted by address, the first service of each sorts first. */
	qsort(at, m, sizeof(*at), at_addr_cmp);
	for (size_t i = 0; i < m; i++)
		if (!k || lb_addr_cmp(&at[k - 1].addr, &at[i].addr))
			at[k++] = at[i];
	qsort(at, k, sizeof(*at), at_pos_cmp);
	for (size_t i = 0; i < k; i++)
		v[i] = at[i].addr;
	free(at);
	*out = v;
	*n = k;
	return 0;
}
