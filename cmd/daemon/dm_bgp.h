/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ha.mode: bgp in the daemon (dm_bgp.c): which VIPs this node announces and
 * why not, as kernel routes through vrrp/announce.h; `ballast node drain`
 * (withdraw, wait bgp.drain_wait, then leave the node's services out of
 * the desired state through the weight source); events, status, metrics.
 * Like the HA gate it never writes the dataplane itself.
 */
#ifndef BALLAST_CMD_DAEMON_DM_BGP_H
#define BALLAST_CMD_DAEMON_DM_BGP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "lib/addr.h"
#include "reconcile/desired.h"
#include "reconcile/loop.h"

struct daemon;
struct dm_bgp;
struct api_metrics;

#define DM_BGP_REASON_MAX 256
#define DM_BGP_STATE_FILE "bgp-drain.json"

/* ---- the decision (pure: no kernel, no daemon) --------------------------- */

/* One VIP: a distinct address of the config's non-fwmark services. */
struct dm_bgp_vip {
	struct lb_addr addr;
	bool want; /* can serve: announce */
	/*
	 * Not decided: too few reals up, but enough once those health has
	 * not checked yet are counted (a fresh start). Keep the route as the
	 * kernel has it, so a restart does not withdraw what it inherits.
	 */
	bool hold;
	char reason[DM_BGP_REASON_MAX]; /* why, or why not */
};

/* What the decision reads besides the config and the weights. */
struct dm_bgp_view {
	/* In sync in the dataplane? (rc_loop_service_converged) */
	bool (*in_sync)(void *ctx, const struct rc_svc_key *key);
	/* Has health not checked real `bi` of pool `pi` yet? May be NULL. */
	bool (*unchecked)(void *ctx, size_t pi, size_t bi);
	void *ctx;
};

/*
 * The VIPs of cfg in config order (fwmark services have no address to
 * announce). *out is freed with free(). 0 or -ENOMEM.
 */
int dm_bgp_vips(const struct cfg *cfg, struct dm_bgp_vip **out, size_t *n)
    __attribute__((warn_unused_result));

/*
 * Decide each VIP: withheld (non-NULL: "node drained", ...) wins; otherwise
 * a VIP is wanted while every service at its address is in sync and has at
 * least min_healthy reals whose weight from src (health and overrides,
 * the fallback pool when the pool is down) is above 0. v[0..n) are the
 * distinct addresses dm_bgp_vips lists.
 */
void dm_bgp_decide(const struct cfg *cfg, const struct rc_weight_src *src,
		   const struct dm_bgp_view *view, uint32_t min_healthy,
		   const char *withheld, struct dm_bgp_vip *v, size_t n);

/* ---- the daemon's part --------------------------------------------------- */

int dm_bgp_new(struct daemon *d, struct dm_bgp **out)
    __attribute__((warn_unused_result));
/* Withdraws nothing: dm_bgp_shutdown() does, on a clean stop. */
void dm_bgp_free(struct dm_bgp *b);

/*
 * Follow cfg's ha.mode and bgp: section: open, change or close the
 * announcer (leaving ha.mode bgp withdraws every route). On error the
 * previous settings stay and `why` says what failed and how to fix it.
 */
int dm_bgp_configure(struct dm_bgp *b, const struct cfg *cfg, char *why,
		     size_t why_len) __attribute__((warn_unused_result));

/*
 * out = inner with the drain on top: a drained node's services are left out
 * of the desired state. The decision reads weights from inner.
 */
void dm_bgp_weight_src(struct dm_bgp *b, const struct rc_weight_src *inner,
		       struct rc_weight_src *out);

/* Every pass that ended: decide and converge the routes. */
void dm_bgp_on_pass(struct dm_bgp *b, const struct rc_loop_event *ev);
/* A health transition: withdraw at once what can no longer be served. */
void dm_bgp_on_health(struct dm_bgp *b);
/* A clean stop: withdraw every route (the dataplane stays). */
void dm_bgp_shutdown(struct dm_bgp *b);

/*
 * `ballast node drain` / `undrain`. 0, or -ENOTSUP (not ha.mode bgp) or
 * another -errno with `why`.
 */
int dm_bgp_drain(struct dm_bgp *b, bool drain, char *why, size_t why_len)
    __attribute__((warn_unused_result));

/* GET /api/v1/status's "bgp" object (null without ha.mode bgp). */
json_t *dm_bgp_status_json(const struct dm_bgp *b);
void dm_bgp_metrics(const struct dm_bgp *b, struct api_metrics *m);

#endif
