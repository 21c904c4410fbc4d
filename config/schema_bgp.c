// SPDX-License-Identifier: GPL-2.0-only
/*
 * The bgp: section as tables: the scale-out group's AS, the kernel route
 * every node adds to announce a VIP, the bgpd timers and BFD, and per node
 * its router id and BGP neighbours, for the announcer and for the FRR
 * configuration `ballast bgp` writes. Rules across keys (route protocols
 * zebra ignores, timers, uniqueness) are in validate_bgp.c.
 */
#include "config/decode.h"

#include <sys/socket.h>

#define BG(field) offsetof(struct raw_bgp, field)
#define BN(field) offsetof(struct raw_bgp_node, field)
#define BB(field) offsetof(struct raw_bgp_neighbor, field)

/* 4-byte AS numbers (RFC 6793); 0 is reserved. */
#define ASN_MAX 4294967295ull

static const struct cfg_fdesc neighbor_f[] = {
    {.key = "address",
     .kind = FK_ADDR,
     .required = true,
     .id = BB_ADDRESS,
     .off = BB(nb.addr)},
    {.key = "asn",
     .kind = FK_UINT,
     .size = 4,
     .min = 1,
     .max = ASN_MAX,
     .required = true,
     .id = BB_ASN,
     .off = BB(nb.asn),
     .hint = "the router's AS number"},
};
ODESC(neighbor_o, "bgp neighbor", neighbor_f);

static void dec_neighbors(struct cfg_ctx *c, const struct cfg_ynode *n,
			  const struct cfg_dobj *o, const struct cfg_fdesc *f,
			  const struct cfg_path *p)
{
	struct raw_bgp_node *rn = o->base;

	rn->nbs =
	    cfg_dec_list(c, n, p, &neighbor_o, sizeof(*rn->nbs), BB(nb.loc),
			 BB(seen), BB(loc), "neighbor", &rn->n_nbs);
}

static const struct cfg_fdesc node_f[] = {
    {.key = "name",
     .kind = FK_NAME,
     .required = true,
     .id = BN_NAME,
     .off = BN(n.name)},
    {.key = "router_id",
     .kind = FK_ADDR,
     .min = AF_INET,
     .required = true,
     .id = BN_ROUTER_ID,
     .off = BN(n.router_id)},
    {.key = "neighbors",
     .kind = FK_CUSTOM,
     .custom = dec_neighbors,
     .required = true,
     .id = BN_NEIGHBORS},
};
ODESC(node_o, "bgp node", node_f);

static void dec_nodes(struct cfg_ctx *c, const struct cfg_ynode *n,
		      const struct cfg_dobj *o, const struct cfg_fdesc *f,
		      const struct cfg_path *p)
{
	struct raw_bgp *rb = o->base;

	rb->nodes =
	    cfg_dec_list(c, n, p, &node_o, sizeof(*rb->nodes), BN(n.loc),
			 BN(seen), BN(loc), "node", &rb->n_nodes);
}

static const struct cfg_fdesc timers_f[] = {
    {.key = "keepalive",
     .kind = FK_DUR,
     .min = 1000,
     .max = 65535000,
     .def = 1000,
     .id = BG_KEEPALIVE,
     .off = BG(keepalive_ms)},
    {.key = "hold",
     .kind = FK_DUR,
     .min = 3000,
     .max = 65535000,
     .def = 3000,
     .id = BG_HOLD,
     .off = BG(hold_ms)},
};
ODESC(timers_o, "bgp timers", timers_f);

/* FRR's bfdd: intervals 10..60000 ms, detect multiplier 2..255. */
static const struct cfg_fdesc bfd_f[] = {
    {.key = "enabled", .kind = FK_BOOL, .id = BG_BFD_ENABLED, .off = BG(b.bfd)},
    {.key = "interval",
     .kind = FK_DUR,
     .min = 10,
     .max = 60000,
     .def = 100,
     .id = BG_BFD_INTERVAL,
     .off = BG(b.bfd_interval_ms)},
    {.key = "multiplier",
     .kind = FK_UINT,
     .size = 4,
     .min = 2,
     .max = 255,
     .def = 3,
     .id = BG_BFD_MULT,
     .off = BG(b.bfd_multiplier),
     .hint = "missed packets before bfdd declares the session down"},
};
ODESC(bfd_o, "bgp bfd", bfd_f);

static const struct cfg_fdesc bgp_f[] = {
    {.key = "asn",
     .kind = FK_UINT,
     .size = 4,
     .min = 1,
     .max = ASN_MAX,
     .required = true,
     .id = BG_ASN,
     .off = BG(b.asn),
     .hint = "the load-balancer nodes' AS number"},
    {.key = "route_protocol",
     .kind = FK_UINT,
     .size = 1,
     .min = 0,
     .max = 255,
     .def = 200,
     .id = BG_PROTOCOL,
     .off = BG(b.route_protocol),
     .hint = "the kernel route protocol of the announcements"},
    {.key = "route_table",
     .kind = FK_UINT,
     .size = 4,
     .min = 1,
     .max = 4294967295ull,
     .def = 254,
     .id = BG_TABLE,
     .off = BG(b.route_table)},
    {.key = "min_healthy",
     .kind = FK_UINT,
     .size = 4,
     .min = 1,
     .max = 65535,
     .def = 1,
     .id = BG_MIN_HEALTHY,
     .off = BG(b.min_healthy),
     .hint = "reals up a service needs for its VIP to be announced"},
    {.key = "drain_wait",
     .kind = FK_DUR,
     .min = 0,
     .max = 3600000,
     .def = 30000,
     .id = BG_DRAIN_WAIT,
     .off = BG(b.drain_wait_ms)},
    {.key = "timers", .kind = FK_OBJ, .obj = &timers_o, .id = BG_TIMERS},
    {.key = "bfd", .kind = FK_OBJ, .obj = &bfd_o, .id = BG_BFD},
    {.key = "nodes",
     .kind = FK_CUSTOM,
     .custom = dec_nodes,
     .required = true,
     .id = BG_NODES},
};
ODESC(bgp_o, "bgp", bgp_f);

void cfg_dec_bgp(struct cfg_ctx *c, const struct cfg_ynode *n,
		 const struct cfg_dobj *o, const struct cfg_fdesc *f,
		 const struct cfg_path *p)
{
	struct raw_bgp **out = (struct raw_bgp **)((char *)o->base + f->off);
	struct raw_bgp *rb;
	struct cfg_dobj bo;

	if (!n || cfg_ynode_type(n) != CFG_YMAP) {
		cfg_type_error(c, n, p,
			       "a mapping with 'asn' and 'nodes' (the "
			       "scale-out group)");
		return;
	}
	rb = cfg_arena_alloc(c->scratch, sizeof(*rb));
	if (!rb)
		return;
	cfg_apply_defaults(&bgp_o, rb);
	rb->b.present = true;
	rb->b.loc = cfg_node_loc(c, n);
	bo = (struct cfg_dobj){rb, &rb->seen, rb->loc, NULL};
	cfg_decode_object(c, n, &bgp_o, &bo, p);
	*out = rb;
}
