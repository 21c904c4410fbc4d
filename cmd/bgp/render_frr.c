// SPDX-License-Identifier: GPL-2.0-only
/* FRR bgpd's stanzas from the bgp: section, for the managed bgp block. */
#include "cmd/bgp/render.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "cmd/vrrp/render.h"

int bg_node_select(const struct cfg *cfg, const char *name,
		   const char *hostname, size_t *idx, char *err, size_t errlen)
{
	const struct cfg_bgp *b = &cfg->bgp;

	if (!b->present || !b->n_nodes) {
		snprintf(err, errlen,
			 "%s has no bgp: section; declare the AS and the nodes "
			 "with their neighbours there (Docs/SCALE.md)",
			 cfg->path ? cfg->path : "the configuration");
		return -EINVAL;
	}
	return vr_node_pick(b->nodes, b->n_nodes, sizeof(*b->nodes),
			    offsetof(struct cfg_bgp_node, name), "bgp", name,
			    hostname, idx, err, errlen);
}

static int addr_cmp(const void *a, const void *b)
{
	return lb_addr_cmp(a, b);
}

static bool has_family(const struct lb_addr *v, size_t n, int family)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].family == family)
			return true;
	return false;
}

static void prefix_lists(FILE *out, const struct lb_addr *v, size_t n)
{
	char a[LB_ADDR_STRLEN];
	unsigned seq4 = 0, seq6 = 0;

	for (size_t i = 0; i < n; i++) {
		bool six = v[i].family == AF_INET6;

		fprintf(out, "%s prefix-list %s seq %u permit %s/%u\n",
			six ? "ipv6" : "ip", six ? BG_PLIST6 : BG_PLIST4,
			10 * (six ? ++seq6 : ++seq4),
			lb_addr_fmt(&v[i], a, sizeof(a)), six ? 128 : 32);
	}
}

/*
 * The VIP route-map: one entry per family of VIPs, each setting the MED to
 * 0 so every node's path is equal for the routers' multipath whatever the
 * kernel route's metric (pitfall: the metric becomes the MED). Without
 * VIPs it denies, so nothing of the node's own routes leaks.
 */
static void route_maps(FILE *out, bool v4, bool v6)
{
	if (v4)
		fprintf(out, "route-map " BG_RMAP_VIP " permit 10\n"
			     " match ip address prefix-list " BG_PLIST4 "\n"
			     " set metric 0\n"
			     "exit\n");
	if (v6)
		fprintf(out, "route-map " BG_RMAP_VIP " permit 20\n"
			     " match ipv6 address prefix-list " BG_PLIST6 "\n"
			     " set metric 0\n"
			     "exit\n");
	if (!v4 && !v6)
		fprintf(out, "route-map " BG_RMAP_VIP " deny 10\nexit\n");
	fprintf(out, "route-map " BG_RMAP_DENY " deny 10\nexit\n");
}

/*
 * One address family: the kernel routes (or the imported table) through
 * the VIP route-map, and the neighbours of that family; when the node has
 * none, every neighbour carries it (multiprotocol BGP over the session).
 */
static void address_family(FILE *out, const struct cfg_bgp *b,
			   const struct cfg_bgp_node *nd, int family)
{
	bool any = false;
	char a[LB_ADDR_STRLEN];

	for (size_t i = 0; i < nd->n_neighbors; i++)
		any |= nd->neighbors[i].addr.family == family;
	fprintf(out, " address-family %s unicast\n",
		family == AF_INET6 ? "ipv6" : "ipv4");
	if (b->route_table != 254)
		fprintf(out,
			"  redistribute table %u route-map " BG_RMAP_VIP "\n",
			b->route_table);
	else
		fprintf(out,
			"  redistribute kernel route-map " BG_RMAP_VIP "\n");
	for (size_t i = 0; i < nd->n_neighbors; i++) {
		const struct cfg_bgp_neighbor *nb = &nd->neighbors[i];

		if (any && nb->addr.family != family)
			continue;
		lb_addr_fmt(&nb->addr, a, sizeof(a));
		fprintf(out,
			"  neighbor %s activate\n"
			"  neighbor %s route-map " BG_RMAP_DENY " in\n"
			"  neighbor %s route-map " BG_RMAP_VIP " out\n",
			a, a, a);
	}
	fprintf(out, " exit-address-family\n");
}

static void router_bgp(FILE *out, const struct cfg_bgp *b,
		       const struct cfg_bgp_node *nd, bool v4, bool v6)
{
	char a[LB_ADDR_STRLEN];

	fprintf(out,
		"router bgp %u\n"
		" bgp router-id %s\n"
		" no bgp default ipv4-unicast\n",
		b->asn, lb_addr_fmt(&nd->router_id, a, sizeof(a)));
	for (size_t i = 0; i < nd->n_neighbors; i++) {
		const struct cfg_bgp_neighbor *nb = &nd->neighbors[i];

		lb_addr_fmt(&nb->addr, a, sizeof(a));
		fprintf(out,
			" neighbor %s remote-as %u\n"
			" neighbor %s timers %u %u\n",
			a, nb->asn, a, b->keepalive_s, b->hold_time_s);
		if (b->bfd)
			fprintf(out,
				" neighbor %s bfd\n"
				" neighbor %s bfd profile " BG_BFD_PROFILE "\n",
				a, a);
	}
	if (v4 || !v6)
		address_family(out, b, nd, AF_INET);
	if (v6)
		address_family(out, b, nd, AF_INET6);
	fprintf(out, "exit\n");
}

int bg_render_frr(const struct cfg *cfg, size_t node, FILE *out)
{
	const struct cfg_bgp *b = &cfg->bgp;
	const struct cfg_bgp_node *nd;
	struct lb_addr *vips;
	size_t n;
	bool v4, v6;

	if (!b->present || node >= b->n_nodes)
		return -EINVAL;
	nd = &b->nodes[node];
	if (cfg_service_vips(cfg, &vips, &n))
		return -ENOMEM;
	qsort(vips, n, sizeof(*vips), addr_cmp); /* the prefix lists' order */
	v4 = has_family(vips, n, AF_INET);
	v6 = has_family(vips, n, AF_INET6);
	/* Like the vrrp block: no path or checksum of the YAML, so an edit
	 * elsewhere in it leaves frr.conf as it is. */
	fprintf(
	    out,
	    VR_FRR_BGP_BEGIN
	    "\n"
	    "! Written by `ballast bgp` for node %s from the YAML's bgp:\n"
	    "! section and service addresses; edit the YAML and patch "
	    "again.\n"
	    "! Ballast announces a VIP it can serve by adding the kernel "
	    "route\n"
	    "! VIP/32 (/128) dev lo proto %u table %u; zebra sees it, bgpd\n"
	    "! redistributes it through " BG_RMAP_VIP " (Docs/SCALE.md).\n",
	    nd->name, b->route_protocol, b->route_table);
	if (b->route_table != 254)
		fprintf(out, "ip import-table %u\n", b->route_table);
	prefix_lists(out, vips, n);
	route_maps(out, v4, v6);
	if (b->bfd)
		fprintf(out,
			"bfd\n"
			" profile " BG_BFD_PROFILE "\n"
			"  detect-multiplier %u\n"
			"  receive-interval %u\n"
			"  transmit-interval %u\n"
			" exit\n"
			"exit\n",
			b->bfd_multiplier, b->bfd_interval_ms,
			b->bfd_interval_ms);
	router_bgp(out, b, nd, v4, v6);
	fprintf(out, VR_FRR_BGP_END);
	free(vips);
	return ferror(out) ? -EIO : 0;
}
