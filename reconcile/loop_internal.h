/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Private parts of the reconcile loop: the object itself, the per-generation
 * index (pool and backend address -> service keys), the table of desired
 * fingerprints at last convergence, and the pass runner.
 */
#ifndef BALLAST_RECONCILE_LOOP_INTERNAL_H
#define BALLAST_RECONCILE_LOOP_INTERNAL_H

#include "reconcile/controller.h"
#include "reconcile/loop.h"

/* ---- a growable set of service keys ------------------------------------- */

struct rc_keyvec {
	struct rc_svc_key *k;
	size_t n;
	size_t cap;
};

int rc_keyvec_add(struct rc_keyvec *v, const struct rc_svc_key *keys, size_t n)
    __attribute__((warn_unused_result));
/* Sort and drop duplicates. */
void rc_keyvec_unique(struct rc_keyvec *v);
void rc_keyvec_free(struct rc_keyvec *v);

/* ---- index, rebuilt on each generation ---------------------------------- */

struct rc_loop_addr_pool {
	struct lb_addr addr;
	size_t pool;
};

struct rc_loop_svc_ref {
	struct rc_svc_key key;
	size_t svc; /* index into cfg.services */
};

struct rc_loop_index {
	struct rc_svc_key *svc_keys; /* per configured service, config order */
	size_t n_svcs;
	struct rc_loop_svc_ref *by_key; /* the same, sorted by key */
	size_t *pool_start;		/* n_pools + 1 offsets into pool_keys */
	struct rc_svc_key
	    *pool_keys; /* services per pool (primary, fallback) */
	struct rc_loop_addr_pool *addrs; /* sorted by addr, unique pairs */
	size_t n_addrs;
};

int rc_loop_index_build(struct rc_loop_index *ix, const struct cfg *cfg)
    __attribute__((warn_unused_result));
void rc_loop_index_free(struct rc_loop_index *ix);
/* Add the services of pool pi (and of every pool holding addr) to v. */
int rc_loop_index_pool_keys(const struct rc_loop_index *ix, size_t pi,
			    struct rc_keyvec *v)
    __attribute__((warn_unused_result));
/* The configured service with this key, or NULL. */
const struct cfg_service *rc_loop_index_service(const struct rc_loop_index *ix,
						const struct cfg *cfg,
						const struct rc_svc_key *key);
/*
 * Does the config name (addr, port) as a backend of the service, in its pool
 * or its fallback pool? Then removing it is the weight source switching
 * pools, not a removal the config asks for.
 */
bool rc_loop_service_names_real(const struct cfg *cfg,
				const struct cfg_service *cs,
				const struct lb_addr *addr, uint16_t port);
int rc_loop_index_addr_keys(const struct rc_loop_index *ix,
			    const struct lb_addr *addr, struct rc_keyvec *v)
    __attribute__((warn_unused_result));

/* ---- desired fingerprints at last convergence --------------------------- */

struct rc_loop_fp_slot {
	struct rc_svc_key key;
	uint64_t fp;
	uint32_t mark; /* full-pass epoch that last saw the service */
	bool used;
};

struct rc_loop_fps {
	struct rc_loop_fp_slot *slots;
	size_t cap; /* power of two, or 0 */
	size_t n;
};

/* Fingerprint of what a service should be (compared fields only). */
uint64_t rc_loop_fp_service(const struct rc_service *svc);
/* NULL when the service was not seen converged. */
const struct rc_loop_fp_slot *rc_loop_fps_get(const struct rc_loop_fps *t,
					      const struct rc_svc_key *key);
int rc_loop_fps_set(struct rc_loop_fps *t, const struct rc_svc_key *key,
		    uint64_t fp, uint32_t mark)
    __attribute__((warn_unused_result));
void rc_loop_fps_del(struct rc_loop_fps *t, const struct rc_svc_key *key);
/* Drop every entry whose mark differs (services a full pass no longer saw). */
void rc_loop_fps_sweep(struct rc_loop_fps *t, uint32_t mark);
void rc_loop_fps_free(struct rc_loop_fps *t);

/* ---- the object ---------------------------------------------------------- */

struct rc_loop {
	struct lb_loop *ev;
	struct rc_loop_opts o;
	const struct dp_ops *ops;
	struct dp *dp;
	struct rc_weight_src src;
	bool have_src;
	rc_loop_event_fn cb;
	void *cb_arg;
	struct rc_ctl *ctl;
	int (*lock_take)(void *ctx);
	void (*lock_release)(void *ctx);
	void *lock_ctx;

	/* the running generation */
	struct cfg *cfg;
	uint64_t gen;
	uint64_t dp_gen; /* generation the dataplane last reconfigured to */
	bool allow_mass;
	bool held; /* a full pass of this generation was refused */
	struct rc_loop_index ix;

	/* drift: desired fingerprints of services last seen converged */
	struct rc_loop_fps fps;
	uint32_t fp_mark;

	/* pending work, run from the kick timer */
	bool full_pending;
	struct rc_keyvec pending;
	struct lb_timer *kick;

	/* what failed, retried from the retry timer with backoff */
	bool retry_full;
	struct rc_keyvec retry;
	struct lb_timer *retry_timer;
	uint32_t backoff_ms;
	uint32_t failures;

	/* tick and slices */
	struct lb_timer *tick;
	uint64_t ticks;
	size_t cursor;
	size_t slice;
	uint32_t cover;
	struct rc_keyvec slice_keys;
	size_t total_reals; /* counted by the last full pass's read */

	struct rc_loop_status
	    st; /* counters and last pass; see rc_loop_status */
};

/* Run one pass now over everything (full) or keys[0..n). */
void rc_loop_run_pass(struct rc_loop *l, enum rc_loop_pass_kind kind,
		      const struct rc_svc_key *keys, size_t n);
/*
 * The guard's verdict on a plan: true (and text) when it must be refused.
 * removed/total receive the counts.
 */
bool rc_loop_guard(const struct rc_loop *l, enum rc_loop_pass_kind kind,
		   const struct rc_plan *plan, const struct rc_state *desired,
		   const struct rc_state *actual, size_t *removed,
		   size_t *total, char *text, size_t len);
void rc_loop_emit(struct rc_loop *l, struct rc_loop_event *ev);
/* Arm the timer that runs pending work. 0 or -ENOMEM. */
int rc_loop_schedule(struct rc_loop *l);
/* After a pass: record failed scope for retry, or clear what converged. */
void rc_loop_retry_note(struct rc_loop *l, bool failed, bool full,
			const struct rc_svc_key *keys, size_t n);

#endif
