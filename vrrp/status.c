// SPDX-License-Identifier: GPL-2.0-only
/* What the gate knows, for status, metrics and the desired-state build. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vrrp/vrrp_internal.h"

size_t vw_n_groups(const struct vw *w)
{
	return w->core.n_groups;
}

bool vw_group_active(const struct vw *w, size_t group)
{
	return group < w->core.n_groups && w->core.groups[group].active;
}

bool vw_serves_group(const struct vw *w, ssize_t group)
{
	if (group >= 0)
		return vw_group_active(w, (size_t)group);
	for (size_t i = 0; i < w->core.n_groups; i++)
		if (w->core.groups[i].active)
			return true;
	return false;
}

int vw_group_status(const struct vw *w, size_t group,
		    struct vw_group_status *out)
{
	const struct vw_gstate *g;

	if (group >= w->core.n_groups)
		return -ENOENT;
	g = &w->core.groups[group];
	memset(out, 0, sizeof(*out));
	out->name = g->name;
	out->vrid = g->vrid;
	out->active = g->active;
	out->split_brain = g->split_brain;
	out->n_vips = g->n_vips;
	out->n_held = vw_core_n_held(&w->core, group);
	out->since_mono_ms = g->since_ms;
	out->transitions = g->transitions;
	out->peer = g->peer;
	out->peer_last_mono_ms = g->peer_last_ms;
	memcpy(out->cause, g->cause, sizeof(out->cause));
	return 0;
}

int vw_vip_status(const struct vw *w, size_t group, size_t vip, bool *held,
		  char ifname[16])
{
	const struct vw_link *l;

	if (group >= w->core.n_groups || vip >= w->core.groups[group].n_vips)
		return -ENOENT;
	l = vw_core_vip(&w->core, &w->core.groups[group].vips[vip], held);
	snprintf(ifname, 16, "%s", l ? l->name : "");
	return 0;
}

uint64_t vw_resyncs(const struct vw *w)
{
	return w->resyncs;
}
