// SPDX-License-Identifier: GPL-2.0-only
/*
 * The bgp: section's rules: that it goes with ha.mode bgp, that the kernel
 * routes it announces with are ones zebra redistributes and nobody else
 * owns (route protocol, table), timers bgpd runs as written, and what must
 * be unique (node names, router ids, a node's neighbours). Services the
 * announcer cannot announce are warned about. Duplicates are found by
 * sorting.
 */
#include "config/internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define SEEN(r, id) ((r)->seen & (1ull << (id)))
#define E(c, loc, path, ...)                                                   \
	cfg_err(c, CFG_DIAG_SEMANTIC, loc, path, __VA_ARGS__)

/*
 * Why zebra would not redistribute, or we must not own, routes of protocol
 * p: 0-4 are the kernel's own and `ip route`'s default (boot) and static;
 * 11 (zebra), 42 (babel) and 186-198 are FRR's daemons' routes, which
 * zebra does not take back as kernel routes.
 */
static const char *protocol_problem(unsigned int p)
{
	static const char *const low[] = {"unspec", "redirect", "kernel",
					  "boot (what `ip route add` uses)",
					  "static"};

	if (p < 5)
		return low[p];
	if (p == 11 || p == 42 || (p >= 186 && p <= 198))
		return "one of FRR's own (zebra ignores its daemons' numbers "
		       "in the kernel table)";
	return NULL;
}

static void check_settings(struct cfg_ctx *c, const struct raw_bgp *rb)
{
	const struct cfg_bgp *b = &rb->b;
	const char *why = protocol_problem(b->route_protocol);
	struct cfg_loc at;
	char k[32], h[32];

	if (why)
		E(c, rb->loc[BG_PROTOCOL], "bgp.route_protocol",
		  "route_protocol %u is %s; the announcer deletes every route "
		  "of its protocol it did not add, so pick a number of its "
		  "own: "
		  "5-10, 12-41, 43-185 or 199-255 (e.g. the default 200)",
		  b->route_protocol, why);
	/* zebra reads only main, or tables it imports (1-252). */
	if (b->route_table != 254 &&
	    (b->route_table < 1 || b->route_table > 252))
		E(c, rb->loc[BG_TABLE], "bgp.route_table",
		  "route_table %u is not one zebra can read: it sees the main "
		  "table (254, the default) and imports tables 1-252; write "
		  "254, or a table in 1-252",
		  b->route_table);

	cfg_fmt_duration(rb->keepalive_ms, k, sizeof(k));
	cfg_fmt_duration(rb->hold_ms, h, sizeof(h));
	if (rb->keepalive_ms % 1000)
		E(c, rb->loc[BG_KEEPALIVE], "bgp.timers.keepalive",
		  "keepalive %s: bgpd counts whole seconds; write e.g. 1s", k);
	if (rb->hold_ms % 1000)
		E(c, rb->loc[BG_HOLD], "bgp.timers.hold",
		  "hold %s: bgpd counts whole seconds; write e.g. 3s", h);
	if (!(rb->keepalive_ms % 1000) && !(rb->hold_ms % 1000) &&
	    rb->keepalive_ms / 1000 > rb->hold_ms / 1000 / 3) {
		at = SEEN(rb, BG_KEEPALIVE) ? rb->loc[BG_KEEPALIVE]
					    : rb->loc[BG_HOLD];
		E(c, at, "bgp.timers.keepalive",
		  "keepalive %s is more than a third of hold %s; bgpd would "
		  "quietly send keepalives every third of the hold time, so "
		  "write keepalive at most hold/3 (e.g. 1s and 3s)",
		  k, h);
	}
}

static int nb_cmp(const void *a, const void *b)
{
	const struct raw_bgp_neighbor *x =
	    *(const struct raw_bgp_neighbor *const *)a;
	const struct raw_bgp_neighbor *y =
	    *(const struct raw_bgp_neighbor *const *)b;
	int r = lb_addr_cmp(&x->nb.addr, &y->nb.addr);

	if (r)
		return r;
	return x < y ? -1 : x > y;
}

/*
 * A node's neighbours: real addresses, each once. Rules run only on a file
 * that decoded cleanly, so every required key is there.
 */
static void check_neighbors(struct cfg_ctx *c, const struct raw_bgp_node *rn,
			    size_t ni)
{
	const struct raw_bgp_neighbor **s =
	    cfg_arena_calloc(c->scratch, rn->n_nbs ? rn->n_nbs : 1, sizeof(*s));
	char path[96], a[LB_ADDR_STRLEN];
	const char *why, *fix;
	size_t n = rn->n_nbs;

	if (!s)
		return;
	for (size_t k = 0; k < n; k++) {
		const struct raw_bgp_neighbor *nb = &rn->nbs[k];

		s[k] = nb;
		if ((why = cfg_addr_class_problem(&nb->nb.addr, &fix))) {
			snprintf(path, sizeof(path),
				 "bgp.nodes[%zu].neighbors[%zu].address", ni,
				 k);
			E(c, nb->loc[BB_ADDRESS], path,
			  "neighbor address %s of node '%s' is %s; %s",
			  lb_addr_fmt(&nb->nb.addr, a, sizeof(a)), rn->n.name,
			  why, fix);
		}
	}
	qsort(s, n, sizeof(*s), nb_cmp);
	for (size_t k = 1; k < n; k++) {
		if (lb_addr_cmp(&s[k]->nb.addr, &s[k - 1]->nb.addr))
			continue;
		snprintf(path, sizeof(path),
			 "bgp.nodes[%zu].neighbors[%zu].address", ni,
			 (size_t)(s[k] - rn->nbs));
		E(c, s[k]->loc[BB_ADDRESS], path,
		  "neighbor %s of node '%s' is already listed (line %u, "
		  "column %u); list each neighbor once",
		  lb_addr_fmt(&s[k]->nb.addr, a, sizeof(a)), rn->n.name,
		  s[k - 1]->nb.loc.line, s[k - 1]->nb.loc.col);
	}
}

static int rid_cmp(const void *a, const void *b)
{
	const struct raw_bgp_node *x = *(const struct raw_bgp_node *const *)a;
	const struct raw_bgp_node *y = *(const struct raw_bgp_node *const *)b;
	int r = lb_addr_cmp(&x->n.router_id, &y->n.router_id);

	if (r)
		return r;
	return x < y ? -1 : x > y;
}

static void check_nodes(struct cfg_ctx *c, const struct raw_bgp *rb)
{
	size_t n = rb->n_nodes;
	struct cfg_name_key *names =
	    cfg_arena_calloc(c->scratch, n ? n : 1, sizeof(*names));
	const struct raw_bgp_node **rids =
	    cfg_arena_calloc(c->scratch, n ? n : 1, sizeof(*rids));
	char path[64], a[LB_ADDR_STRLEN];
	const char *why, *fix;

	if (!names || !rids)
		return;
	for (size_t i = 0; i < n; i++) {
		const struct raw_bgp_node *rn = &rb->nodes[i];

		names[i] = (struct cfg_name_key){rn->n.name, i};
		rids[i] = rn;
		why = cfg_addr_class_problem(&rn->n.router_id, &fix);
		if (why) {
			snprintf(path, sizeof(path), "bgp.nodes[%zu].router_id",
				 i);
			E(c, rn->loc[BN_ROUTER_ID], path,
			  "router_id %s of node '%s' is %s; use the node's own "
			  "IPv4 address",
			  lb_addr_fmt(&rn->n.router_id, a, sizeof(a)),
			  rn->n.name, why);
		}
		check_neighbors(c, rn, i);
	}
	qsort(names, n, sizeof(*names), cfg_name_key_cmp);
	for (size_t i = 1; i < n; i++) {
		const struct raw_bgp_node *rn = &rb->nodes[names[i].idx];

		if (strcmp(names[i].name, names[i - 1].name))
			continue;
		snprintf(path, sizeof(path), "bgp.nodes[%zu].name",
			 names[i].idx);
		E(c, rn->loc[BN_NAME], path,
		  "node name '%s' is already used by the node at line %u; "
		  "each node needs its own name (--node and the host name "
		  "select it)",
		  rn->n.name, rb->nodes[names[i - 1].idx].n.loc.line);
	}
	qsort(rids, n, sizeof(*rids), rid_cmp);
	for (size_t i = 1; i < n; i++) {
		if (lb_addr_cmp(&rids[i]->n.router_id,
				&rids[i - 1]->n.router_id))
			continue;
		snprintf(path, sizeof(path), "bgp.nodes[%zu].router_id",
			 (size_t)(rids[i] - rb->nodes));
		E(c, rids[i]->loc[BN_ROUTER_ID], path,
		  "node '%s' has the router_id %s of node '%s' (line %u); "
		  "BGP tells its speakers apart by router id, so give each "
		  "node its own (usually its address towards the routers)",
		  rids[i]->n.name,
		  lb_addr_fmt(&rids[i]->n.router_id, a, sizeof(a)),
		  rids[i - 1]->n.name, rids[i - 1]->n.loc.line);
	}
}

/* zebra imports tables other than main for IPv4 routes only. */
static void check_table_family(struct cfg_ctx *c, const struct raw_bgp *rb,
			       const struct cfg *cfg)
{
	char a[LB_ADDR_STRLEN];

	if (rb->b.route_table == 254)
		return;
	for (size_t i = 0; i < cfg->n_services; i++) {
		const struct cfg_service *s = &cfg->services[i];

		if (s->fwmark || s->addr.family != AF_INET6)
			continue;
		E(c, rb->loc[BG_TABLE], "bgp.route_table",
		  "route_table %u: zebra imports tables other than main for "
		  "IPv4 only, and service '%s' has the IPv6 address %s; keep "
		  "the default 254",
		  rb->b.route_table, s->name,
		  lb_addr_fmt(&s->addr, a, sizeof(a)));
		return;
	}
}

/* What the announcer cannot do for some services: warnings, not errors. */
static void check_services(struct cfg_ctx *c, const struct cfg *cfg)
{
	char path[64];

	for (size_t i = 0; i < cfg->n_services; i++) {
		const struct cfg_service *s = &cfg->services[i];
		/* A pool that does not exist is reported on its own. */
		size_t nb = s->pool < cfg->n_pools
				? cfg->pools[s->pool].n_backends
				: SIZE_MAX;

		snprintf(path, sizeof(path), "services[%zu]", i);
		if (s->fwmark)
			cfg_warn(c, s->loc, path,
				 "service '%s' is a fwmark service: bgp mode "
				 "announces service addresses, so nothing "
				 "announces it; route its traffic to the nodes "
				 "another way, or give it an address",
				 s->name);
		else if (nb < cfg->bgp.min_healthy)
			cfg_warn(c, s->loc, path,
				 "service '%s' has %zu backends, fewer than "
				 "bgp.min_healthy %u, so its VIP is never "
				 "announced; add backends or lower min_healthy",
				 s->name, nb, cfg->bgp.min_healthy);
	}
}

void cfg_validate_bgp(struct cfg_ctx *c, const struct raw_root *root,
		      const struct cfg *cfg)
{
	static const struct {
		int id;
		const char *key;
	} vrrp_only[] = {{HA_INTERFACE, "interface"},
			 {HA_STANDBY, "standby"},
			 {HA_PROVIDER, "provider"}};
	const struct raw_bgp *rb = root->bgp;
	char path[32];

	if (cfg->ha.mode == CFG_HA_BGP) {
		for (size_t i = 0; i < 3; i++) {
			if (!SEEN(root, vrrp_only[i].id))
				continue;
			snprintf(path, sizeof(path), "ha.%s", vrrp_only[i].key);
			cfg_warn(c, root->loc[vrrp_only[i].id], path,
				 "ha.%s is a vrrp setting; with mode bgp every "
				 "node is active and nothing reads it, so "
				 "remove it",
				 vrrp_only[i].key);
		}
		if (!rb)
			E(c, root->loc[HA_MODE], "ha.mode",
			  "ha.mode bgp needs a 'bgp:' section (asn, and nodes "
			  "with their router_id and neighbors); add one, or "
			  "set ha.mode to none");
	}
	if (!rb)
		return;
	if (cfg->ha.mode != CFG_HA_BGP)
		E(c, root->loc[RT_BGP], "bgp",
		  "a 'bgp:' section needs 'ha: {mode: bgp}'; set ha.mode to "
		  "bgp, or remove the section");
	check_settings(c, rb);
	check_nodes(c, rb);
	check_table_family(c, rb, cfg);
	if (cfg->ha.mode == CFG_HA_BGP)
		check_services(c, cfg);
}
