// SPDX-License-Identifier: GPL-2.0-only
/*
 * ha.vips: the VIPs held on this node, per group, read once from the kernel
 * by the gate itself (vw_snapshot), against what the daemon's gate reports.
 * A group with some VIPs held and others not is partial: the services of
 * the missing ones are not reachable here, and the gate keeps the group
 * standby.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd/doctor/doctor.h"
#include "cmd/doctor/dr_checks.h"
#include "lib/addr.h"
#include "vrrp/vrrp.h"

/* The daemon's entry for group `name` in status.ha.groups, or NULL. */
static json_t *daemon_group(const struct dr_ctx *ctx, const char *name)
{
	json_t *groups, *g;
	size_t i;

	groups = json_object_get(json_object_get(ctx->status, "ha"), "groups");
	json_array_foreach(groups, i, g)
	{
		const char *n = json_string_value(json_object_get(g, "name"));

		if (n && !strcmp(n, name))
			return g;
	}
	return NULL;
}

void dr_check_ha_vips(struct dr_ctx *ctx, struct dr_result *r)
{
	char why[256] = "", summary[256] = "", partial[256] = "",
	     differ[256] = "", a[LB_ADDR_STRLEN];
	size_t ns = 0, np = 0, nd = 0, n_specs = 0;
	struct vw_group_spec *specs = NULL;
	struct vw *w = NULL;
	int err;

	if (!dr_need_ha(ctx, r))
		return;
	err = vw_snapshot_cfg(ctx->cfg, &w, &specs, &n_specs, why, sizeof(why));
	if (err) {
		dr_set(r, DR_FAIL, "the gate cannot read ha.interface %s: %s",
		       ctx->cfg->ha.interface, why[0] ? why : strerror(-err));
		dr_remedy(r, "set ha.interface to the interface the VIPs "
			     "appear on (FRR: the macvlans' parent)");
		return;
	}
	for (size_t g = 0; g < vw_n_groups(w); g++) {
		struct vw_group_status gs;
		json_t *dg;
		const char *dstate;

		if (vw_group_status(w, g, &gs))
			continue;
		dr_append(summary, &ns, sizeof(summary),
			  "%s%s %s (%zu/%zu held)", ns ? ", " : "", gs.name,
			  gs.active ? "active" : "standby", gs.n_held,
			  gs.n_vips);
		if (gs.n_held && gs.n_held < gs.n_vips) {
			dr_append(partial, &np, sizeof(partial),
				  "%sgroup %s lacks", np ? "; " : "", gs.name);
			for (size_t v = 0; v < gs.n_vips; v++) {
				char ifn[16];
				bool held;

				if (vw_vip_status(w, g, v, &held, ifn) || held)
					continue;
				lb_addr_fmt(&specs[g].vips[v], a, sizeof(a));
				dr_append(
				    partial, &np, sizeof(partial), " %s%s%s%s",
				    a, ifn[0] ? " (on " : "", ifn,
				    ifn[0] ? ", link down or no carrier)" : "");
			}
		}
		dg = ctx->status ? daemon_group(ctx, gs.name) : NULL;
		dstate = json_string_value(json_object_get(dg, "state"));
		if (dstate && strcmp(dstate, gs.active ? "active" : "standby"))
			dr_append(
			    differ, &nd, sizeof(differ),
			    "%sgroup %s: the daemon's gate says %s, the kernel "
			    "shows %s",
			    nd ? "; " : "", gs.name, dstate,
			    gs.active ? "active" : "standby");
	}
	vw_free(w);
	free(specs);
	if (nd) {
		dr_set(r, DR_FAIL, "%s", differ);
		dr_remedy(r, "`ballast status` (its ha: lines and netlink "
			     "resyncs); if it stays so, `systemctl restart "
			     "ballast` and report it");
		return;
	}
	if (np) {
		dr_set(r, DR_WARN,
		       "%s: the group stays standby until every VIP is held",
		       partial);
		dr_remedy(
		    r,
		    "the VRRP instance must carry every VIP of its group: "
		    "re-render its config (`ballast vrrp render keepalived "
		    "-c %s` / `ballast vrrp patch-frr`), and check `ip "
		    "addr show` on %s",
		    ctx->config_path, ctx->cfg->ha.interface);
		return;
	}
	dr_set(r, DR_OK, "%s%s", summary,
	       ctx->status ? "; the daemon's gate agrees" : "");
}
