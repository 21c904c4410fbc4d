/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Desired-state builder: configuration plus effective weights (health results,
 * runtime overrides) become the rc_state the dataplane should hold.
 */
#ifndef BALLAST_RECONCILE_DESIRED_H
#define BALLAST_RECONCILE_DESIRED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "reconcile/model.h"

/*
 * What the running node contributes to the desired state beyond the config:
 * effective weights (health results, runtime overrides) and the HA gate.
 * With no source, every configured service is built, every enabled backend
 * gets its configured weight and disabled ones get 0. Any callback may be
 * NULL.
 */
struct rc_weight_src {
	void *ctx;
	/* Effective weight of one backend of one pool. */
	uint32_t (*weight)(void *ctx, const struct cfg_pool *pool,
			   const struct cfg_backend *b);
	/* True when no real of the pool can take traffic (all down). */
	bool (*pool_down)(void *ctx, const struct cfg_pool *pool);
	/*
	 * False leaves the service out of the desired state, so the diff
	 * removes it like any service we own and no longer want: the HA gate
	 * of a standby node with `standby: withdraw`.
	 */
	bool (*service_active)(void *ctx, const struct cfg_service *svc);
};

/*
 * What src says of one backend: its effective weight (0 when disabled; the
 * configured weight without a source or a weight callback), and whether no
 * real of a pool can take traffic. For layers that wrap a source.
 */
uint32_t rc_weight_src_weight(const struct rc_weight_src *src,
			      const struct cfg_pool *pool,
			      const struct cfg_backend *b);
bool rc_weight_src_pool_down(const struct rc_weight_src *src,
			     const struct cfg_pool *pool);

/*
 * A layer that only gates services: weights and pools come from `inner`, a
 * service is active when inner's predicate (if any) and `active` both say
 * so. The HA gate and a drained node are such layers. The layer must
 * outlive the source rc_gate_layer_src() fills (its ctx is the layer).
 */
struct rc_gate_layer {
	struct rc_weight_src inner;
	bool (*active)(void *ctx, const struct cfg_service *svc);
	void *ctx;
};

void rc_gate_layer_src(struct rc_gate_layer *g,
		       const struct rc_weight_src *inner,
		       bool (*active)(void *ctx, const struct cfg_service *svc),
		       void *ctx, struct rc_weight_src *out);

/*
 * Build the desired state for every service the config names. When a pool is
 * down and the service has a fallback pool, the fallback's reals are used;
 * with no fallback the pool's reals keep their configured weights (failing
 * open beats black-holing). `out` must be initialised and empty; it is
 * sorted on return. 0, -ENOMEM, or -EEXIST for duplicate keys.
 */
int rc_desired_build(const struct cfg *cfg, const struct rc_weight_src *src,
		     struct rc_state *out) __attribute__((warn_unused_result));

/*
 * The same for only the configured services whose key is one of keys[0..n)
 * (any order; keys the config does not name are ignored): what
 * rc_desired_build() gives restricted to those keys, without building the
 * rest. For passes scoped to a few services of a large config.
 */
int rc_desired_build_services(const struct cfg *cfg,
			      const struct rc_weight_src *src,
			      const struct rc_svc_key *keys, size_t n,
			      struct rc_state *out)
    __attribute__((warn_unused_result));

/* The identity a configured service has in the state model. */
void rc_desired_service_key(const struct cfg_service *cs,
			    struct rc_svc_key *key);

#endif
