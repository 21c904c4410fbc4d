/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The port every dataplane implements. The controller drives a dataplane only
 * through this ops table and never knows which one it has; adapters under
 * dataplane/ include this header, never the reverse.
 */
#ifndef BALLAST_RECONCILE_DATAPLANE_H
#define BALLAST_RECONCILE_DATAPLANE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "reconcile/diff.h"
#include "reconcile/model.h"

struct dp; /* a driver's private context */

/*
 * A setting of one driver's own from the command line (the fake's "state"
 * and "faults": see dataplane/fake/fake.h). The port passes them through
 * without knowing any; a driver ignores the names it does not take.
 */
struct dp_option {
	const char *name;
	const char *value;          /* NULL: not given */
};

/* What the command line hands a driver besides the config. */
struct dp_open_args {
	const struct cfg *cfg;      /* may be NULL for read-only tools */
	const struct dp_option *options; /* driver-owned settings, may be NULL */
	size_t n_options;
	bool read_only;             /* plan/show: never modify anything on open */
};

/* The value of the driver option `name` in args (the last given), or NULL. */
const char *dp_open_option(const struct dp_open_args *args, const char *name);

/* Per-operation outcome of apply(): err[i] is 0 or -errno for plan->ops[i]. */
struct dp_result {
	int *err;
	size_t n;
	size_t n_ok;
	size_t n_failed;
	char **detail;              /* optional per-op message (kernel ext-ack), may be NULL */
};

void dp_result_free(struct dp_result *r);
/* Allocate err/detail for n ops, all zero. 0 or -ENOMEM. */
int dp_result_alloc(struct dp_result *r, size_t n)
	__attribute__((warn_unused_result));
/*
 * Make r (zeroed, or holding an earlier result) hold n zero results, reusing
 * its arrays when they have that size. 0 or -ENOMEM.
 */
int dp_result_reset(struct dp_result *r, size_t n)
	__attribute__((warn_unused_result));

/* Named dataplane-wide counters (verdicts, errors), for metrics. */
struct dp_counter {
	char name[48];
	uint64_t value;
};

/* Packets and bytes of one service, or of one real of it (has_real). */
struct dp_obj_counter {
	struct rc_svc_key svc;
	bool has_real;
	uint16_t port;              /* the real's, with has_real */
	struct lb_addr addr;        /* the real's, with has_real */
	uint64_t packets;
	uint64_t bytes;
};

struct dp_stats {
	struct dp_counter *counters;
	size_t n;
	/* Optional: per-service and per-real counters (NULL, 0 when none). */
	struct dp_obj_counter *objs;
	size_t n_objs;
};

void dp_stats_free(struct dp_stats *s);

/* One flow, for dp_ops.flow: where would its next packet go? */
struct dp_flow {
	struct lb_addr src, dst;
	uint16_t sport, dport;
	uint8_t proto; /* IPPROTO_* */
};

struct dp_flow_where {
	struct lb_addr real; /* family 0: no real (no usable ring entry) */
	uint16_t real_port;
	const char *how;     /* "flow-table" or "ring" */
	char detail[192];    /* why, for a person */
};

struct dp_ops {
	const char *name;
	enum cfg_driver driver;     /* capabilities: cfg_driver_caps(driver) */
	/*
	 * Open a handle. open must not change the dataplane, nor read state a
	 * plan is computed from: a writer takes the instance's lock (lock_id)
	 * after open and before its first read.
	 */
	int (*open)(struct dp **out, const struct dp_open_args *args)
		__attribute__((warn_unused_result));
	/*
	 * Optional (may be NULL): the writer lock of this instance. Every
	 * command that changes the dataplane (and the daemon, for each pass)
	 * holds it from before its first read until after its read-back, so
	 * no writer plans from a state another is changing. Sets *name, a
	 * lock name for lb_lock_acquire() (lib/lock.h, built with
	 * lb_lock_name()), and *what, how messages name the instance ("fake
	 * (state /srv/state.json)"); both live as long as dp. Returns false
	 * when the instance needs no lock (nothing outside this process
	 * sees it). One lock must cover everything one table holds: fake,
	 * one per state file (absolute path); ipvs, one per network
	 * namespace (the kernel's table is per netns); xdp, one per instance
	 * name. Readers (plan) take no lock.
	 */
	bool (*lock_id)(const struct dp *dp, const char **name,
			const char **what);
	/* Fill `actual` (initialised, empty) with live state, sorted. */
	int (*read)(struct dp *dp, struct rc_state *actual)
		__attribute__((warn_unused_result));
	/*
	 * Optional (may be NULL): fill `actual` (initialised, empty) with the
	 * live state of exactly the services keys[0..n) name, sorted, with
	 * the same fields and ownership read() gives; a key the dataplane
	 * does not hold is simply absent. Lets a pass that reacts to one
	 * event read a few services instead of the whole table; the
	 * controller falls back to read() and filters when it is NULL.
	 */
	int (*read_services)(struct dp *dp, const struct rc_svc_key *keys,
			     size_t n, struct rc_state *actual)
		__attribute__((warn_unused_result));
	/*
	 * Execute plan->ops in order. Returns 0 when every op succeeded, else
	 * the first failure's negative errno; res tells which op failed how.
	 */
	int (*apply)(struct dp *dp, const struct rc_plan *plan,
		     struct dp_result *res) __attribute__((warn_unused_result));
	/* Fill every field of *out (it may hold garbage on entry). */
	int (*stats)(struct dp *dp, struct dp_stats *out)
		__attribute__((warn_unused_result));
	/* detach=false leaves the programmed state in place (restart, SIGTERM). */
	void (*close)(struct dp *dp, bool detach);
	/*
	 * Optional (may be NULL): remove everything the driver installed for
	 * args->cfg (programs, attachments, pinned maps) without reading it
	 * through a handle, so it also works where a read would refuse (a
	 * pinned layout of another build). The caller holds the instance's
	 * lock (lock_id of a read-only handle). `ballast apply --detach`; on
	 * request only.
	 */
	int (*detach)(const struct dp_open_args *args)
		__attribute__((warn_unused_result));
	/*
	 * Optional (may be NULL): take the settings of a new config that the
	 * driver fixed at open() (XDP: sizes, tunnel sources, flow limit) on
	 * a handle that stays open, e.g. a daemon's after a reload. The
	 * services themselves still come through read/diff/apply. 0, or a
	 * negative errno after logging why (the old settings stay in force).
	 */
	int (*reconfigure)(struct dp *dp, const struct cfg *cfg)
		__attribute__((warn_unused_result));
	/*
	 * Optional: which real the flow's next packet reaches and why,
	 * read from the live dataplane (a dataplane whose scheduler decides
	 * per connection with no state to query leaves it NULL). 0 and *out,
	 * -ENOENT when the dataplane holds no service for the flow, or
	 * another negative errno.
	 */
	int (*flow)(struct dp *dp, const struct dp_flow *f,
		    struct dp_flow_where *out) __attribute__((warn_unused_result));
};

#endif
