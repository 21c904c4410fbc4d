// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vrrp: section's rules: what keepalived and FRR's vrrpd can run (the
 * advert interval each version can carry, authentication, unicast), what
 * must be unique (node names and addresses, group names, VRIDs, VIPs), and
 * that every service address is carried by a group, so the gate knows
 * when this node holds it. Duplicates are found by sorting.
 */
#include "config/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define SEEN(r, id) ((r)->seen & (1ull << (id)))
#define E(c, loc, path, ...)                                                   \
	cfg_err(c, CFG_DIAG_SEMANTIC, loc, path, __VA_ARGS__)

/* The highest advert interval vrrpd takes: 4095 centiseconds. */
#define VRRP_V3_MAX_MS 40950u

struct vip_ref {
	struct lb_addr addr;
	size_t group, idx;
};

static int vip_cmp(const void *a, const void *b)
{
	const struct vip_ref *x = a, *y = b;
	int r = lb_addr_cmp(&x->addr, &y->addr);

	if (r)
		return r;
	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static const char *fam(int f)
{
	return f == AF_INET6 ? "IPv6" : "IPv4";
}

static void check_settings(struct cfg_ctx *c, const struct raw_vrrp *rv,
			   const struct cfg *cfg)
{
	const struct cfg_vrrp *v = &cfg->vrrp;
	bool frr = cfg->ha.provider == CFG_HA_PROVIDER_FRR;
	struct cfg_loc at = SEEN(rv, VR_ADVERT)	   ? rv->loc[VR_ADVERT]
			    : SEEN(rv, VR_VERSION) ? rv->loc[VR_VERSION]
						   : rv->v.loc;
	uint32_t ms = v->advert_interval_ms;
	char d[32];

	cfg_fmt_duration(ms, d, sizeof(d));
	if (v->version == 3 && (ms % 10 || ms > VRRP_V3_MAX_MS))
		E(c, at, "vrrp.advert_interval",
		  "advert_interval %s: VRRPv3 counts centiseconds, 10ms to "
		  "40950ms; write a multiple of 10ms in that range (e.g. "
		  "100ms)",
		  d);
	else if (v->version == 2 && ms % 1000)
		E(c, at, "vrrp.advert_interval",
		  "advert_interval %s: VRRPv2 counts whole seconds, 1s to "
		  "255s; write e.g. 1s, or set 'version: 3' for adverts "
		  "below a second",
		  d);
	else if (v->version == 2 && frr && ms > VRRP_V3_MAX_MS)
		E(c, at, "vrrp.advert_interval",
		  "advert_interval %s is above the 40950ms FRR's vrrpd "
		  "accepts; write at most 40s, or use provider keepalived",
		  d);

	if (v->auth_pass && !*v->auth_pass)
		E(c, rv->loc[VR_AUTH], "vrrp.auth_pass",
		  "auth_pass is empty; write 1 to 8 characters, or remove it");
	else if (v->auth_pass && frr)
		E(c, rv->loc[VR_AUTH], "vrrp.auth_pass",
		  "FRR's vrrpd has no VRRP authentication; remove auth_pass "
		  "(it is a keepalived VRRPv2 setting)");
	else if (v->auth_pass && v->version != 2)
		E(c, rv->loc[VR_AUTH], "vrrp.auth_pass",
		  "auth_pass is VRRPv2 authentication, which VRRPv3 (RFC "
		  "5798) removed; remove auth_pass, or set 'version: 2'");

	if (v->unicast && frr)
		E(c, rv->loc[VR_UNICAST], "vrrp.unicast",
		  "FRR's vrrpd sends its adverts by multicast only; remove "
		  "'unicast: true', or use provider keepalived");
}

static void check_nodes(struct cfg_ctx *c, const struct raw_vrrp *rv,
			const struct cfg *cfg)
{
	size_t n = rv->n_nodes;
	struct cfg_name_key *names =
	    cfg_arena_calloc(c->scratch, n ? n : 1, sizeof(*names));
	struct vip_ref *addrs =
	    cfg_arena_calloc(c->scratch, n ? n : 1, sizeof(*addrs));
	char path[64], a[LB_ADDR_STRLEN];

	if (!names || !addrs)
		return;
	for (size_t i = 0; i < n; i++) {
		names[i] = (struct cfg_name_key){rv->nodes[i].n.name, i};
		addrs[i] = (struct vip_ref){rv->nodes[i].n.addr, i, 0};
	}
	qsort(names, n, sizeof(*names), cfg_name_key_cmp);
	qsort(addrs, n, sizeof(*addrs), vip_cmp);
	for (size_t i = 1; i < n; i++) {
		const struct raw_vrrp_node *rn;

		if (!strcmp(names[i].name, names[i - 1].name)) {
			rn = &rv->nodes[names[i].idx];
			snprintf(path, sizeof(path), "vrrp.nodes[%zu].name",
				 names[i].idx);
			E(c, rn->loc[VN_NAME], path,
			  "node name '%s' is already used by the node at line "
			  "%u; each node needs its own name (--node and the "
			  "host name select it)",
			  rn->n.name, rv->nodes[names[i - 1].idx].n.loc.line);
		}
		if (!lb_addr_cmp(&addrs[i].addr, &addrs[i - 1].addr)) {
			rn = &rv->nodes[addrs[i].group];
			snprintf(path, sizeof(path), "vrrp.nodes[%zu].address",
				 addrs[i].group);
			E(c, rn->loc[VN_ADDRESS], path,
			  "node '%s' has the address %s of node '%s' (line "
			  "%u); each node adverts from its own address",
			  rn->n.name, lb_addr_fmt(&rn->n.addr, a, sizeof(a)),
			  rv->nodes[addrs[i - 1].group].n.name,
			  rv->nodes[addrs[i - 1].group].n.loc.line);
		}
	}
	/* Unicast adverts go between the nodes' addresses, one family. */
	if (!cfg->vrrp.unicast || cfg->ha.provider == CFG_HA_PROVIDER_FRR)
		return;
	for (size_t i = 1; i < n; i++) {
		const struct raw_vrrp_node *rn = &rv->nodes[i];

		if (rn->n.addr.family == rv->nodes[0].n.addr.family)
			continue;
		snprintf(path, sizeof(path), "vrrp.nodes[%zu].address", i);
		E(c, rn->loc[VN_ADDRESS], path,
		  "node '%s' has an %s address but node '%s' an %s one; "
		  "unicast adverts go between the nodes' addresses, so give "
		  "every node an address of one family",
		  rn->n.name, fam(rn->n.addr.family), rv->nodes[0].n.name,
		  fam(rv->nodes[0].n.addr.family));
		return;
	}
}

/* Group names, VRIDs, and per VIP: class, version, unicast family. */
static void check_groups(struct cfg_ctx *c, const struct raw_vrrp *rv,
			 const struct cfg *cfg)
{
	size_t n = rv->n_groups, by_vrid[256];
	struct cfg_name_key *names =
	    cfg_arena_calloc(c->scratch, n ? n : 1, sizeof(*names));
	int node_fam = rv->n_nodes ? rv->nodes[0].n.addr.family : 0;
	char path[96], a[LB_ADDR_STRLEN];
	const char *why, *fix;

	if (!names)
		return;
	for (size_t i = 0; i < 256; i++)
		by_vrid[i] = SIZE_MAX;
	for (size_t i = 0; i < n; i++) {
		const struct raw_vrrp_group *rg = &rv->groups[i];
		bool fam_told = false;

		names[i] = (struct cfg_name_key){rg->g.name, i};
		if (by_vrid[rg->g.vrid] != SIZE_MAX) {
			snprintf(path, sizeof(path), "vrrp.groups[%zu].vrid",
				 i);
			E(c, rg->loc[VG_VRID], path,
			  "vrid %u of group '%s' is already the vrid of group "
			  "'%s' (line %u); each group is its own virtual "
			  "router, so give it a vrid no other uses",
			  rg->g.vrid, rg->g.name,
			  rv->groups[by_vrid[rg->g.vrid]].g.name,
			  rv->groups[by_vrid[rg->g.vrid]].g.loc.line);
		} else {
			by_vrid[rg->g.vrid] = i;
		}
		for (size_t k = 0; k < rg->g.n_vips; k++) {
			const struct lb_addr *vip = &rg->g.vips[k];

			snprintf(path, sizeof(path),
				 "vrrp.groups[%zu].vips[%zu]", i, k);
			lb_addr_fmt(vip, a, sizeof(a));
			if ((why = cfg_addr_class_problem(vip, &fix)))
				E(c, rg->vip_loc[k], path,
				  "virtual address %s of group '%s' is %s; %s",
				  a, rg->g.name, why, fix);
			else if (vip->family == AF_INET6 &&
				 cfg->vrrp.version == 2)
				E(c, rg->vip_loc[k], path,
				  "group '%s' carries the IPv6 address %s, but "
				  "VRRPv2 is IPv4 only; set 'version: 3'",
				  rg->g.name, a);
			else if (cfg->vrrp.unicast && !fam_told &&
				 cfg->ha.provider != CFG_HA_PROVIDER_FRR &&
				 vip->family != node_fam) {
				fam_told = true;
				E(c, rg->vip_loc[k], path,
				  "group '%s' carries the %s address %s, but "
				  "the nodes' addresses are %s; keepalived "
				  "adverts %s addresses over %s, so with "
				  "'unicast: true' give those VIPs nodes of "
				  "their family, or use multicast",
				  rg->g.name, fam(vip->family), a,
				  fam(node_fam), fam(vip->family),
				  fam(vip->family));
			}
		}
	}
	qsort(names, n, sizeof(*names), cfg_name_key_cmp);
	for (size_t i = 1; i < n; i++) {
		const struct raw_vrrp_group *rg = &rv->groups[names[i].idx];

		if (strcmp(names[i].name, names[i - 1].name))
			continue;
		snprintf(path, sizeof(path), "vrrp.groups[%zu].name",
			 names[i].idx);
		E(c, rg->loc[VG_NAME], path,
		  "group name '%s' is already used by the group at line %u; "
		  "names must be unique",
		  rg->g.name, rv->groups[names[i - 1].idx].g.loc.line);
	}
}

/* An address against a VIP of the sorted list, for bsearch. */
static int addr_vip_cmp(const void *key, const void *e)
{
	return lb_addr_cmp(key, &((const struct vip_ref *)e)->addr);
}

/* The groups' names, "web, api", shortened past a few hundred bytes. */
static const char *group_list(const struct raw_vrrp *rv, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = 0;
	for (size_t i = 0; i < rv->n_groups && at + 8 < len; i++) {
		int k = snprintf(buf + at, len - at, "%s%s", i ? ", " : "",
				 rv->groups[i].g.name);

		if (k < 0 || (size_t)k >= len - at) {
			snprintf(buf + (len > 4 ? len - 4 : 0), 4, "...");
			break;
		}
		at += (size_t)k;
	}
	return buf;
}

/* VIPs unique across groups; every service address in exactly one. */
static void check_vips(struct cfg_ctx *c, const struct raw_root *root,
		       const struct raw_vrrp *rv, const struct cfg *cfg)
{
	size_t n = 0, k = 0;
	struct vip_ref *vips;
	char path[96], a[LB_ADDR_STRLEN], list[320];

	for (size_t i = 0; i < rv->n_groups; i++)
		n += rv->groups[i].g.n_vips;
	vips = cfg_arena_calloc(c->scratch, n ? n : 1, sizeof(*vips));
	if (!vips)
		return;
	for (size_t i = 0; i < rv->n_groups; i++)
		for (size_t j = 0; j < rv->groups[i].g.n_vips; j++)
			vips[k++] =
			    (struct vip_ref){rv->groups[i].g.vips[j], i, j};
	qsort(vips, n, sizeof(*vips), vip_cmp);
	for (size_t i = 1; i < n; i++) {
		const struct raw_vrrp_group *rg = &rv->groups[vips[i].group];
		const struct raw_vrrp_group *r0 =
		    &rv->groups[vips[i - 1].group];

		if (lb_addr_cmp(&vips[i].addr, &vips[i - 1].addr))
			continue;
		snprintf(path, sizeof(path), "vrrp.groups[%zu].vips[%zu]",
			 vips[i].group, vips[i].idx);
		lb_addr_fmt(&vips[i].addr, a, sizeof(a));
		if (rg == r0)
			E(c, rg->vip_loc[vips[i].idx], path,
			  "virtual address %s is listed twice in group '%s'; "
			  "list it once",
			  a, rg->g.name);
		else
			E(c, rg->vip_loc[vips[i].idx], path,
			  "virtual address %s of group '%s' is already in "
			  "group '%s' (line %u); a VIP moves with one group, "
			  "so list it in only one",
			  a, rg->g.name, r0->g.name,
			  r0->vip_loc[vips[i - 1].idx].line);
	}
	if (!n)
		return;
	for (size_t i = 0; i < cfg->n_services; i++) {
		const struct cfg_service *s = &cfg->services[i];
		const struct raw_service *rs = &root->svcs[i];

		if (s->fwmark ||
		    bsearch(&s->addr, vips, n, sizeof(*vips), addr_vip_cmp))
			continue;
		snprintf(path, sizeof(path), "services[%zu].address", i);
		E(c,
		  (rs->seen & (1ull << SV_ADDRESS)) ? rs->loc[SV_ADDRESS]
						    : s->loc,
		  path,
		  "service '%s' address %s is in no vrrp group, so no node "
		  "would know when it holds it; add it to the vips of one of "
		  "the groups: %s",
		  s->name, lb_addr_fmt(&s->addr, a, sizeof(a)),
		  group_list(rv, list, sizeof(list)));
	}
}

void cfg_validate_vrrp(struct cfg_ctx *c, const struct raw_root *root,
		       const struct cfg *cfg)
{
	const struct raw_vrrp *rv = root->vrrp;

	if (!rv)
		return;
	if (cfg->ha.mode != CFG_HA_VRRP)
		E(c, root->loc[RT_VRRP], "vrrp",
		  "a 'vrrp:' section needs 'ha: {mode: vrrp, interface: "
		  "IFACE}'; set ha.mode to vrrp, or remove the section");
	check_settings(c, rv, cfg);
	check_nodes(c, rv, cfg);
	check_groups(c, rv, cfg);
	check_vips(c, root, rv, cfg);
}
