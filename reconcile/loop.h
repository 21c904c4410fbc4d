/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon's reconcile loop: one single-threaded object on a struct
 * lb_loop that decides when to run a controller pass (reconcile/controller.h)
 * and over what, and reports what happened. It owns the running config
 * generation; health, overrides and the HA gate reach it only through
 * rc_loop_services_changed() and friends, and the daemon hears from it only
 * through the event callback and rc_loop_status().
 *
 * Passes. Every pass reads the dataplane (the kernel is the truth; nothing
 * written earlier is trusted) and recomputes its plan from scratch:
 *  - full:   rc_ctl_plan over the whole table. After each new generation and
 *            every `full_every` ticks; the only pass that deletes owned
 *            services the config no longer names and counts foreign ones.
 *  - scoped: rc_ctl_plan_services over the services changes named. Calls
 *            made within one loop round (or `coalesce_ms`) merge into one
 *            pass over the union.
 *  - slice:  a scoped pass over the next `slice` configured services, on
 *            each tick that does not run the full pass, cycling through
 *            the config.
 *
 * Bound on drift repair. With S configured services, a slice of
 * s = ceil(S / cover_ticks) services (or the caller's slice_size, then
 * cover_ticks = ceil(S / s)), every configured service is read back and
 * repaired in any window of cover_ticks consecutive ticks: either the window
 * holds the full pass (which reads everything) or its ticks are consecutive
 * slices covering cover_ticks * s >= S services cyclically (repaired
 * unless the guard refuses or the write fails; then it is retried). Owned
 * services the config dropped and foreign ones are seen within full_every
 * ticks. A tick costs reading about S / cover_ticks services instead of S;
 * a tick is re-armed when it fires, so a slow pass delays ticks rather than
 * stacking them, and the bound is counted in ticks.
 *
 * Drift is a difference the controller did not cause: a service whose
 * desired state (what we wanted, fingerprinted) is unchanged since a pass
 * last left it converged, yet the plan has operations for it. Each such
 * operation is counted and reported (RC_LOOP_EV_DRIFT, old = actual,
 * new = desired), then applied like any other.
 *
 * Failures (a read error, a refused lock, failed operations) schedule a
 * retry with exponential backoff from backoff_min_ms doubling to
 * backoff_max_ms, reset once every failed service has converged. The
 * retry plans again from a fresh read; it never replays the failed plan.
 *
 * Blast-radius guard: a pass that would remove every real of a service the
 * config still names while it has reals, or more than max_removal_fraction
 * of all reals (the larger of this pass's read and the last full pass's
 * count), is refused: nothing of it is applied, an RC_LOOP_EV_REFUSAL event
 * carries the counts, and status counts it. After a refused full pass the
 * generation is held: scoped and slice passes of it that remove anything
 * are refused too (weight changes still flow), so the removal cannot leak
 * through piecemeal. Weights going to 0 are not removals, nor are reals
 * the config still names for the service (a switch to or from its
 * fallback pool is the weight source's doing). A generation
 * installed with RC_LOOP_GEN_ALLOW_MASS_REMOVAL (or after
 * rc_loop_allow_mass_removal()) is not guarded.
 */
#ifndef BALLAST_RECONCILE_LOOP_H
#define BALLAST_RECONCILE_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "lib/evloop.h"
#include "reconcile/dataplane.h"
#include "reconcile/desired.h"
#include "reconcile/diff.h"
#include "reconcile/model.h"

struct rc_loop;

#define RC_LOOP_DEFAULT_COVER_TICKS 10
#define RC_LOOP_DEFAULT_FULL_EVERY 60
#define RC_LOOP_DEFAULT_BACKOFF_MIN_MS 100
#define RC_LOOP_DEFAULT_BACKOFF_MAX_MS 30000
#define RC_LOOP_DEFAULT_MAX_REMOVAL_FRACTION 0.5
#define RC_LOOP_TEXT_MAX 256
#define RC_LOOP_OP_KINDS (RC_OP_SVC_DEL + 1)

/*
 * Settings the caller fills (from daemon.* config keys and command-line
 * options); rc_loop_opts_init() sets the defaults. Zero means "default"
 * wherever a default is named.
 */
struct rc_loop_opts {
	uint32_t tick_ms;	 /* 0: no tick (passes only on demand) */
	uint32_t cover_ticks;	 /* every configured service within N ticks */
	uint32_t slice_size;	 /* services per slice; 0: from cover_ticks */
	uint32_t full_every;	 /* a full pass every K ticks (K >= 1) */
	uint32_t coalesce_ms;	 /* 0: merge changes of one loop round */
	uint32_t backoff_min_ms; /* first retry delay */
	uint32_t backoff_max_ms; /* cap of the doubling */
	double max_removal_fraction; /* of all reals, (0, 1]; 1: no limit */
	struct rc_diff_opts diff;    /* prune: full passes delete foreign */
};

void rc_loop_opts_init(struct rc_loop_opts *o);

enum rc_loop_pass_kind {
	RC_LOOP_PASS_FULL = 0,
	RC_LOOP_PASS_SCOPED,
	RC_LOOP_PASS_SLICE,
	RC_LOOP_PASS__COUNT,
};

enum rc_loop_result {
	RC_LOOP_NONE = 0, /* no pass yet */
	RC_LOOP_OK,	  /* converged (possibly with nothing to do) */
	RC_LOOP_PARTIAL,  /* some operations failed; retry scheduled */
	RC_LOOP_ERROR,	  /* read/plan/lock failed; retry scheduled */
	RC_LOOP_REFUSED,  /* blast-radius guard; nothing applied */
};

const char *rc_loop_pass_kind_name(enum rc_loop_pass_kind k);
const char *rc_loop_result_name(enum rc_loop_result r);

enum rc_loop_event_kind {
	RC_LOOP_EV_PASS = 0,	/* a pass ended (every pass) */
	RC_LOOP_EV_DRIFT,	/* one drifted object, before its repair */
	RC_LOOP_EV_REFUSAL,	/* the guard refused a pass */
	RC_LOOP_EV_APPLY_ERROR, /* one operation failed, or the pass did */
	RC_LOOP_EV_GENERATION,	/* a new config generation is running */
};

const char *rc_loop_event_kind_name(enum rc_loop_event_kind k);

/*
 * One event. Pointers are valid during the callback only; the callback must
 * not call back into the rc_loop except rc_loop_status() and
 * rc_loop_service_converged() (reads; a PASS event comes after the pass's
 * bookkeeping, so they answer for the pass just ended).
 */
struct rc_loop_event {
	enum rc_loop_event_kind kind;
	uint64_t generation;
	uint64_t mono_ms;	      /* loop clock (CLOCK_MONOTONIC) */
	enum rc_loop_pass_kind pass;  /* the pass it belongs to */
	enum rc_loop_result result;   /* PASS, REFUSAL: the pass's result */
	const struct rc_svc_key *key; /* the service, or NULL */
	const struct rc_op *op;	      /* DRIFT, APPLY_ERROR: the op, or NULL */
	int err;		      /* APPLY_ERROR: negative errno */
	size_t n_ops, n_ok, n_failed; /* PASS */
	size_t n_removed, n_reals;    /* REFUSAL: reals removed / counted */
	char text[RC_LOOP_TEXT_MAX];  /* one human-readable line */
};

typedef void (*rc_loop_event_fn)(void *arg, const struct rc_loop_event *ev);

/*
 * Create the loop's reconcile object. `ops`/`dp` stay the caller's (it
 * opens the dataplane and decides at exit whether to detach); `src` is
 * copied (NULL: configured weights); `cb` may be NULL. No pass runs before
 * the first rc_loop_set_config().
 */
int rc_loop_new(struct lb_loop *loop, const struct rc_loop_opts *opts,
		const struct dp_ops *ops, struct dp *dp,
		const struct rc_weight_src *src, rc_loop_event_fn cb, void *arg,
		struct rc_loop **out) __attribute__((warn_unused_result));
/* Cancels every timer and frees the running config. NULL ok. */
void rc_loop_free(struct rc_loop *l);

/* Bits for rc_loop_set_config(). */
#define RC_LOOP_GEN_ALLOW_MASS_REMOVAL (1u << 0)

/*
 * Install a validated config as the next generation (the rc_loop owns it
 * from now on, also on error; the previous one is freed after the swap),
 * rebuild the pool/backend index and schedule a full pass. 0 or -ENOMEM (the
 * previous generation keeps running).
 */
int rc_loop_set_config(struct rc_loop *l, struct cfg *cfg, unsigned int flags)
    __attribute__((warn_unused_result));
/* The running config (NULL before the first), its generation (0 before). */
const struct cfg *rc_loop_config(const struct rc_loop *l);
uint64_t rc_loop_generation(const struct rc_loop *l);

/*
 * Lift the guard for the running generation only (and run a full pass, so
 * what was refused is applied now), or restore it.
 */
void rc_loop_allow_mass_removal(struct rc_loop *l, bool allow);
/* Replace the weight source (copied; NULL: configured weights). */
void rc_loop_set_weight_src(struct rc_loop *l, const struct rc_weight_src *src);

/*
 * The dataplane instance lock: take() runs before each pass's read and
 * release() after its apply (also when the pass fails). A take() that fails
 * skips the pass as RC_LOOP_ERROR and retries with backoff. take may be NULL
 * to remove the hook.
 */
void rc_loop_set_lock(struct rc_loop *l, int (*take)(void *ctx),
		      void (*release)(void *ctx), void *ctx);

/*
 * Something changed the desired state of these services (a health
 * transition, an override): schedule one scoped pass over them, merged with
 * every other change of this round. Keys the config does not name are
 * passed on (the scoped pass deletes an owned service that is no longer
 * configured). 0 or -ENOMEM.
 */
int rc_loop_services_changed(struct rc_loop *l, const struct rc_svc_key *keys,
			     size_t n) __attribute__((warn_unused_result));
/* The same for every service whose pool or fallback pool is `pool`. */
int rc_loop_pool_changed(struct rc_loop *l, const char *pool)
    __attribute__((warn_unused_result));
/*
 * The same for every service whose pools (or fallback pools) hold a backend
 * at `addr` (any port): what a health transition of a target names.
 */
int rc_loop_backend_changed(struct rc_loop *l, const struct lb_addr *addr)
    __attribute__((warn_unused_result));
/* Schedule a full pass (e.g. on an API request). */
void rc_loop_full_pass(struct rc_loop *l);

/*
 * The index rebuilt on each generation: the keys of the services whose pool
 * or fallback pool is `pool`, valid until the next generation. n = 0 when
 * the pool is unknown.
 */
void rc_loop_pool_services(const struct rc_loop *l, const char *pool,
			   const struct rc_svc_key **keys, size_t *n);

/*
 * Did the last pass that covered this service leave it converged (every
 * operation of it applied, so the dataplane holds what was then wanted)?
 * False before any pass covered it, after a pass whose operation on it
 * failed (until a retry succeeds), and once a pass deleted it or left it
 * out of the desired state. A refused or failed pass (nothing applied)
 * keeps the previous answer: the dataplane did not change. What a later
 * desired change (a health transition not yet passed) would alter is not
 * looked at; callers that care read the weights themselves.
 */
bool rc_loop_service_converged(const struct rc_loop *l,
			       const struct rc_svc_key *key);

struct rc_loop_status {
	uint64_t generation;
	char sha256[65];
	bool mass_removal_allowed;
	bool held; /* a full pass of this generation refused */
	/* last pass */
	uint64_t last_wall_ms; /* CLOCK_REALTIME at its start */
	uint64_t last_mono_ms; /* CLOCK_MONOTONIC at its start */
	uint64_t last_duration_us;
	enum rc_loop_pass_kind last_kind;
	enum rc_loop_result last_result;
	int last_err; /* first error of the last pass */
	size_t last_ops, last_ok, last_failed;
	size_t last_services; /* services the last pass covered */
	size_t foreign;	      /* from the last full pass */
	/* totals since rc_loop_new() */
	uint64_t passes[RC_LOOP_PASS__COUNT];
	uint64_t ops_applied, ops_failed;
	/* the same by enum rc_op_kind: [kind][0] applied, [kind][1] failed */
	uint64_t ops_by_kind[RC_LOOP_OP_KINDS][2];
	uint64_t drift;
	uint64_t refusals;
	char last_refusal[RC_LOOP_TEXT_MAX];
	uint64_t lock_failures;
	uint64_t ticks;
	/* pending work */
	bool full_pending;
	size_t scoped_pending; /* service keys waiting (may repeat) */
	bool retry_pending;
	uint64_t retry_at_ms; /* CLOCK_MONOTONIC, when retry_pending */
	uint32_t backoff_ms;  /* the delay the next failure waits */
	uint32_t consecutive_failures;
	uint64_t next_tick_ms; /* 0: no tick */
	/* slicing */
	size_t services; /* configured */
	size_t slice_size;
	uint32_t cover_ticks; /* the stated bound, in ticks */
	uint32_t full_every;
	size_t slice_cursor;
};

void rc_loop_status(const struct rc_loop *l, struct rc_loop_status *st);

/*
 * What the next full pass would change, without applying (GET /api/v1/plan):
 * reads the dataplane and plans; `refusal` (may be NULL) receives the
 * guard's refusal text, or "" when the pass would be allowed. The plan is
 * valid until the next pass or preview, i.e. until control returns to the
 * event loop. 0 or the read's negative errno.
 */
int rc_loop_preview(struct rc_loop *l, const struct rc_plan **plan,
		    char *refusal, size_t len)
    __attribute__((warn_unused_result));

#endif
