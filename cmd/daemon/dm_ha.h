/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The HA gate in the daemon (dm_ha.c): wraps the weight source so a standby
 * node's desired state leaves out the services of groups it does not hold
 * (standby: withdraw), turns gate changes into scoped passes, and reports
 * them as events, status and metrics.
 */
#ifndef BALLAST_CMD_DAEMON_DM_HA_H
#define BALLAST_CMD_DAEMON_DM_HA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "reconcile/desired.h"
#include "reconcile/loop.h"
#include "vrrp/vrrp.h"

struct daemon;
struct dm_ha;

int dm_ha_new(struct daemon *d, struct dm_ha **out)
    __attribute__((warn_unused_result));
void dm_ha_free(struct dm_ha *h);

/*
 * Follow cfg's ha: section: start, change or stop the gate. On error the
 * previous gate keeps running and `why` says what failed and how to fix it.
 */
int dm_ha_configure(struct dm_ha *h, const struct cfg *cfg, char *why,
		    size_t why_len) __attribute__((warn_unused_result));

/* out = inner with the gate's service_active on top (ctx is h). */
void dm_ha_weight_src(struct dm_ha *h, const struct rc_weight_src *inner,
		      struct rc_weight_src *out);

/* Every pass that ended: reports the transitions it programmed. */
void dm_ha_on_pass(struct dm_ha *h, const struct rc_loop_event *ev);

/* GET /api/v1/status's "ha" object. */
json_t *dm_ha_status_json(const struct dm_ha *h, const struct cfg *cfg);
/* True without a gate, or when every group is held. */
bool dm_ha_node_active(const struct dm_ha *h);
size_t dm_ha_n_groups(const struct dm_ha *h);
int dm_ha_group(const struct dm_ha *h, size_t g, struct vw_group_status *st);
/* Kernel event → programmed of the last transition: ms (-1: none), s. */
int64_t dm_ha_last_programmed_ms(const struct dm_ha *h);
double dm_ha_last_programmed_s(const struct dm_ha *h);
uint64_t dm_ha_resyncs(const struct dm_ha *h);

#endif
