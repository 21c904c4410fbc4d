// SPDX-License-Identifier: GPL-2.0-only
/*
 * The engine's life and its queries: creating it (the jitter's seed),
 * freeing everything the other parts hold (targets, idle sockets, timers,
 * exec children, TLS contexts), and the status and history of a real.
 * What the engine does lives by concern in target.c, probe.c, sched.c,
 * sm.c and weight.c (see health_internal.h).
 */
#include "health/health_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int hc_engine_new(struct lb_loop *loop, uint64_t seed, struct hc_engine **out)
{
	struct hc_engine *e = calloc(1, sizeof(*e));
	struct timespec ts;

	*out = NULL;
	if (!e)
		return -ENOMEM;
	e->loop = loop;
	if (!seed) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^
		       (uint64_t)getpid();
	}
	e->rng = seed ? seed : 88172645463325252ull;
	*out = e;
	return 0;
}

void hc_engine_free(struct hc_engine *e)
{
	if (!e)
		return;
	/* Targets first: stopping their runs parks sockets, kills children. */
	hc_targets_free(e->buckets, e->n_buckets);
	hc_engine_sock_drain(e);
	hc_sched_free(e);
	hc_exec_reap_all(e);
	hc_tls_ctx_free_all(e);
	free(e->reals);
	free(e->pool_off);
	free(e->subs);
	free(e);
}

const struct cfg *hc_engine_cfg(const struct hc_engine *e)
{
	return e->cfg;
}

void hc_engine_stats(const struct hc_engine *e, struct hc_stats *out)
{
	*out = e->st;
}

static void target_status(const struct hc_target *t, struct hc_real_status *out)
{
	out->probe_port = t->port;
	out->type = t->type;
	out->state = t->state;
	out->admin = t->admin;
	out->internal_error = t->internal_error || t->config_error;
	out->since_ms = t->since_ms;
	out->probes = t->probes;
	out->failures = t->failures;
	out->last_rtt_us = t->last_rtt_us;
	memcpy(out->last_cause, t->last_cause, HC_CAUSE_MAX);
}

int hc_engine_real_status(struct hc_engine *e, size_t pi, size_t bi,
			  struct hc_real_status *out)
{
	struct hc_real *r = hc_real_at(e, pi, bi);

	if (!r)
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	out->pool = r->pool->name;
	out->addr = r->b->addr;
	out->port = r->b->port;
	out->weight = r->b->weight;
	out->effective = hc_real_weight(e, r);
	if (r->t)
		target_status(r->t, out);
	return 0;
}

size_t hc_engine_real_history(struct hc_engine *e, size_t pi, size_t bi,
			      struct hc_transition *out, size_t max)
{
	struct hc_real *r = hc_real_at(e, pi, bi);

	if (!r || !r->t)
		return 0;
	return hc_sm_history(r->t, out, max);
}
