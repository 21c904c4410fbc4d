// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vrrp: section as tables: the one place the VIPs, their VRIDs and the
 * nodes of the pair are declared, for the HA gate and for the keepalived
 * and FRR configurations `ballast vrrp` writes. Rules across keys (advert
 * interval per version, uniqueness, services inside groups) are in
 * validate_vrrp.c.
 */
#include "config/decode.h"

#include <stdio.h>

#define VR(field) offsetof(struct raw_vrrp, field)
#define VN(field) offsetof(struct raw_vrrp_node, field)
#define VG(field) offsetof(struct raw_vrrp_group, field)

static const struct cfg_fdesc node_f[] = {
    {.key = "name",
     .kind = FK_NAME,
     .required = true,
     .id = VN_NAME,
     .off = VN(n.name)},
    {.key = "address",
     .kind = FK_ADDR,
     .required = true,
     .id = VN_ADDRESS,
     .off = VN(n.addr)},
    {.key = "priority",
     .kind = FK_UINT,
     .size = 1,
     .min = 1,
     .max = 254,
     .def = 100,
     .id = VN_PRIORITY,
     .off = VN(n.priority),
     .hint = "255 belongs to an address owner, which a VIP "
	     "node never is"},
};
ODESC(node_o, "vrrp node", node_f);

static void dec_vips(struct cfg_ctx *c, const struct cfg_ynode *n,
		     const struct cfg_dobj *o, const struct cfg_fdesc *f,
		     const struct cfg_path *p)
{
	struct raw_vrrp_group *rg = o->base;
	struct lb_addr *vips;
	size_t cnt, k = 0, i = 0;

	if (!n || cfg_ynode_type(n) != CFG_YSEQ) {
		cfg_type_error(c, n, p, "a list of virtual IP addresses");
		return;
	}
	cnt = cfg_ynode_count(n);
	if (!cnt) {
		cfg_err_at(c, n, p,
			   "the list is empty; name at least one virtual "
			   "address the group carries");
		return;
	}
	vips = cfg_arena_calloc(c->arena, cnt, sizeof(*vips));
	rg->vip_loc = cfg_arena_calloc(c->scratch, cnt, sizeof(*rg->vip_loc));
	if (!vips || !rg->vip_loc)
		return;
	cfg_node_for_each(n, it)
	{
		const struct cfg_ynode *in = cfg_node_at(c, it);
		struct cfg_path ip = {p, NULL, i++};

		if (cfg_decode_addr(c, in, &ip, 0, &vips[k]))
			continue;
		rg->vip_loc[k++] = cfg_node_loc(c, in);
	}
	rg->g.vips = vips;
	rg->g.n_vips = k;
}

static const struct cfg_fdesc group_f[] = {
    {.key = "name",
     .kind = FK_NAME,
     .required = true,
     .id = VG_NAME,
     .off = VG(g.name)},
    {.key = "vrid",
     .kind = FK_UINT,
     .size = 1,
     .min = 1,
     .max = 255,
     .required = true,
     .id = VG_VRID,
     .off = VG(g.vrid),
     .hint = "the virtual router id both nodes share"},
    {.key = "vips",
     .kind = FK_CUSTOM,
     .custom = dec_vips,
     .required = true,
     .id = VG_VIPS},
};
ODESC(group_o, "vrrp group", group_f);

static void dec_nodes(struct cfg_ctx *c, const struct cfg_ynode *n,
		      const struct cfg_dobj *o, const struct cfg_fdesc *f,
		      const struct cfg_path *p)
{
	struct raw_vrrp *rv = o->base;

	rv->nodes =
	    cfg_dec_list(c, n, p, &node_o, sizeof(*rv->nodes), VN(n.loc),
			 VN(seen), VN(loc), "node", &rv->n_nodes);
}

static void dec_groups(struct cfg_ctx *c, const struct cfg_ynode *n,
		       const struct cfg_dobj *o, const struct cfg_fdesc *f,
		       const struct cfg_path *p)
{
	struct raw_vrrp *rv = o->base;

	rv->groups =
	    cfg_dec_list(c, n, p, &group_o, sizeof(*rv->groups), VG(g.loc),
			 VG(seen), VG(loc), "group", &rv->n_groups);
}

static const struct cfg_fdesc vrrp_f[] = {
    {.key = "version",
     .kind = FK_UINT,
     .size = 1,
     .min = 2,
     .max = 3,
     .def = 3,
     .id = VR_VERSION,
     .off = VR(v.version),
     .hint = "VRRPv2 (RFC 3768) or VRRPv3 (RFC 5798)"},
    {.key = "advert_interval",
     .kind = FK_DUR,
     .min = 10,
     .max = 255000,
     .def = 1000,
     .id = VR_ADVERT,
     .off = VR(v.advert_interval_ms)},
    {.key = "preempt",
     .kind = FK_BOOL,
     .def = true,
     .id = VR_PREEMPT,
     .off = VR(v.preempt)},
    {.key = "unicast", .kind = FK_BOOL, .id = VR_UNICAST, .off = VR(v.unicast)},
    {.key = "auth_pass",
     .kind = FK_STR,
     .max = 8,
     .id = VR_AUTH,
     .off = VR(v.auth_pass)},
    {.key = "nodes",
     .kind = FK_CUSTOM,
     .custom = dec_nodes,
     .required = true,
     .id = VR_NODES},
    {.key = "groups",
     .kind = FK_CUSTOM,
     .custom = dec_groups,
     .required = true,
     .id = VR_GROUPS},
};
ODESC(vrrp_o, "vrrp", vrrp_f);

void cfg_dec_vrrp(struct cfg_ctx *c, const struct cfg_ynode *n,
		  const struct cfg_dobj *o, const struct cfg_fdesc *f,
		  const struct cfg_path *p)
{
	struct raw_vrrp **out = (struct raw_vrrp **)((char *)o->base + f->off);
	struct raw_vrrp *rv;
	struct cfg_dobj vo;

	if (!n || cfg_ynode_type(n) != CFG_YMAP) {
		cfg_type_error(c, n, p,
			       "a mapping with 'nodes' and 'groups' (the VRRP "
			       "instances)");
		return;
	}
	rv = cfg_arena_alloc(c->scratch, sizeof(*rv));
	if (!rv)
		return;
	cfg_apply_defaults(&vrrp_o, rv);
	rv->v.present = true;
	rv->v.loc = cfg_node_loc(c, n);
	vo = (struct cfg_dobj){rv, &rv->seen, rv->loc, NULL};
	cfg_decode_object(c, n, &vrrp_o, &vo, p);
	*out = rv;
}
