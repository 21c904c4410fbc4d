// SPDX-License-Identifier: GPL-2.0-only
/* Helpers for the results and counters dataplanes hand back. */
#include "reconcile/dataplane.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int dp_result_alloc(struct dp_result *r, size_t n)
{
	memset(r, 0, sizeof(*r));
	if (!n)
		return 0;
	r->err = calloc(n, sizeof(*r->err));
	r->detail = calloc(n, sizeof(*r->detail));
	if (!r->err || !r->detail) {
		dp_result_free(r);
		return -ENOMEM;
	}
	r->n = n;
	return 0;
}

int dp_result_reset(struct dp_result *r, size_t n)
{
	if (!r->err || r->n != n) {
		dp_result_free(r);
		return dp_result_alloc(r, n);
	}
	for (size_t i = 0; i < n; i++) {
		r->err[i] = 0;
		if (r->detail) {
			free(r->detail[i]);
			r->detail[i] = NULL;
		}
	}
	r->n_ok = r->n_failed = 0;
	return 0;
}

const char *dp_open_option(const struct dp_open_args *args, const char *name)
{
	const char *v = NULL;

	for (size_t i = 0; args && i < args->n_options; i++)
		if (!strcmp(args->options[i].name, name) &&
		    args->options[i].value)
			v = args->options[i].value;
	return v;
}

void dp_result_free(struct dp_result *r)
{
	if (!r)
		return;
	if (r->detail)
		for (size_t i = 0; i < r->n; i++)
			free(r->detail[i]);
	free(r->detail);
	free(r->err);
	memset(r, 0, sizeof(*r));
}

void dp_stats_free(struct dp_stats *s)
{
	if (!s)
		return;
	free(s->counters);
	free(s->objs);
	memset(s, 0, sizeof(*s));
}
