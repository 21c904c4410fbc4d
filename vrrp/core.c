// SPDX-License-Identifier: GPL-2.0-only
/*
 * From links and addresses to each group's state, without sockets. A VIP is
 * held when its address is usable on ha.interface or on a link whose parent
 * is ha.interface, and that link is up with carrier: keepalived moves the
 * address, FRR's vrrpd keeps it and drops the macvlan's carrier instead.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/if.h>
#include <linux/if_addr.h>

#include "vrrp/vrrp_internal.h"

/* Margin over three advert intervals before a split-brain flag clears. */
#define VW_SB_MARGIN_MS 100
#define VW_DEFAULT_ADVERT_MS 1000

static void gstate_free(struct vw_gstate *g)
{
	free(g->name);
	free(g->vips);
}

void vw_core_free(struct vw_core *c)
{
	for (size_t i = 0; i < c->n_groups; i++)
		gstate_free(&c->groups[i]);
	free(c->groups);
	vw_table_free(&c->tab);
	memset(c, 0, sizeof(*c));
}

static const struct vw_gstate *find_group(const struct vw_core *c,
					  const char *name)
{
	for (size_t i = 0; i < c->n_groups; i++)
		if (!strcmp(c->groups[i].name, name))
			return &c->groups[i];
	return NULL;
}

int vw_core_configure(struct vw_core *c, const struct vw_opts *opts,
		      uint64_t now_ms)
{
	struct vw_gstate *gs;
	size_t i;

	if (!opts->interface || !opts->interface[0] ||
	    strlen(opts->interface) >= sizeof(c->ifname))
		return -EINVAL;
	gs = calloc(opts->n_groups ? opts->n_groups : 1, sizeof(*gs));
	if (!gs)
		return -ENOMEM;
	for (i = 0; i < opts->n_groups; i++) {
		const struct vw_group_spec *sp = &opts->groups[i];
		const struct vw_gstate *old;
		struct vw_gstate *g = &gs[i];

		g->name = strdup(sp->name ? sp->name : "");
		g->vips = calloc(sp->n_vips ? sp->n_vips : 1, sizeof(*g->vips));
		if (!g->name || !g->vips)
			goto nomem;
		if (sp->n_vips)
			memcpy(g->vips, sp->vips,
			       sp->n_vips * sizeof(*g->vips));
		g->n_vips = sp->n_vips;
		g->vrid = sp->vrid;
		g->since_ms = now_ms;
		old = find_group(c, g->name);
		if (old) {
			/* A reload keeps a group's history; update() reports
			 * what the new VIP list changes. */
			g->active = old->active;
			g->split_brain =
			    old->split_brain && old->vrid == g->vrid;
			g->peer = old->peer;
			g->peer_last_ms = old->peer_last_ms;
			g->since_ms = old->since_ms;
			g->transitions = old->transitions;
			memcpy(g->cause, old->cause, sizeof(g->cause));
		}
	}
	for (i = 0; i < c->n_groups; i++)
		gstate_free(&c->groups[i]);
	free(c->groups);
	c->groups = gs;
	c->n_groups = opts->n_groups;
	snprintf(c->ifname, sizeof(c->ifname), "%s", opts->interface);
	c->sb_expiry_ms =
	    3 * (opts->advert_interval_ms ? opts->advert_interval_ms
					  : VW_DEFAULT_ADVERT_MS) +
	    VW_SB_MARGIN_MS;
	return 0;
nomem:
	for (size_t j = 0; j <= i && j < opts->n_groups; j++)
		gstate_free(&gs[j]);
	free(gs);
	return -ENOMEM;
}

const struct vw_link *vw_core_vip(const struct vw_core *c,
				  const struct lb_addr *vip, bool *held)
{
	const struct vw_link *ifl = vw_table_link_by_name(&c->tab, c->ifname);
	const struct vw_link *found = NULL;

	*held = false;
	if (!ifl)
		return NULL;
	for (size_t i = 0; i < c->tab.n_addrs; i++) {
		const struct vw_ifaddr *e = &c->tab.addrs[i];
		const struct vw_link *l;

		if (lb_addr_cmp(&e->addr, vip))
			continue;
		l = vw_table_link(&c->tab, e->ifindex);
		if (!l || (l != ifl && l->parent != ifl->ifindex))
			continue;
		found = l;
		if ((l->flags & (IFF_UP | IFF_LOWER_UP)) ==
			(IFF_UP | IFF_LOWER_UP) &&
		    !(e->flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED))) {
			*held = true;
			return l;
		}
	}
	return found;
}

size_t vw_core_n_held(const struct vw_core *c, size_t group)
{
	const struct vw_gstate *g = &c->groups[group];
	size_t n = 0;

	for (size_t i = 0; i < g->n_vips; i++) {
		bool held;

		(void)vw_core_vip(c, &g->vips[i], &held);
		n += held;
	}
	return n;
}

void vw_core_update(struct vw_core *c, const char *cause, uint64_t now_ms,
		    vw_emit_fn emit, void *arg)
{
	for (size_t i = 0; i < c->n_groups; i++) {
		struct vw_gstate *g = &c->groups[i];
		bool active = g->n_vips && vw_core_n_held(c, i) == g->n_vips;
		unsigned int changed = 0;

		if (!emit) {
			/* The initial state: known, not a transition. */
			if (active != g->active || !g->cause[0])
				snprintf(g->cause, sizeof(g->cause),
					 "initial state: %s",
					 active ? "every VIP held"
						: "not every VIP held");
			g->active = active;
			continue;
		}
		if (active == g->active)
			continue;
		g->active = active;
		g->since_ms = now_ms;
		g->transitions++;
		changed |= VW_CH_ACTIVE;
		if (!active && g->split_brain) {
			g->split_brain = false;
			changed |= VW_CH_SPLIT_BRAIN;
		}
		snprintf(g->cause, sizeof(g->cause), "%s", cause);
		emit(arg, i, changed);
	}
}

void vw_core_advert(struct vw_core *c, const struct vw_advert *a,
		    const struct lb_addr *src, uint64_t now_ms, vw_emit_fn emit,
		    void *arg)
{
	char txt[LB_ADDR_STRLEN];

	/* Priority 0: the sender is giving the role up, not claiming it. */
	if (!a->priority)
		return;
	for (size_t i = 0; i < c->n_groups; i++) {
		struct vw_gstate *g = &c->groups[i];

		if (!g->vrid || g->vrid != a->vrid || !g->active)
			continue;
		g->peer = *src;
		g->peer_last_ms = now_ms;
		if (g->split_brain)
			continue;
		g->split_brain = true;
		snprintf(g->cause, sizeof(g->cause),
			 "split brain: VRRP advert for VRID %u from %s "
			 "(priority %u) while this node holds the group",
			 a->vrid, lb_addr_fmt(src, txt, sizeof(txt)),
			 a->priority);
		if (emit)
			emit(arg, i, VW_CH_SPLIT_BRAIN);
	}
}

uint64_t vw_core_sb_expire(struct vw_core *c, uint64_t now_ms, vw_emit_fn emit,
			   void *arg)
{
	uint64_t next = 0;
	char txt[LB_ADDR_STRLEN];

	for (size_t i = 0; i < c->n_groups; i++) {
		struct vw_gstate *g = &c->groups[i];
		uint64_t due = g->peer_last_ms + c->sb_expiry_ms;

		if (!g->split_brain)
			continue;
		if (now_ms < due) {
			if (!next || due < next)
				next = due;
			continue;
		}
		g->split_brain = false;
		snprintf(g->cause, sizeof(g->cause),
			 "split brain over: no VRRP advert from %s for %u ms",
			 lb_addr_fmt(&g->peer, txt, sizeof(txt)),
			 c->sb_expiry_ms);
		if (emit)
			emit(arg, i, VW_CH_SPLIT_BRAIN);
	}
	return next;
}
