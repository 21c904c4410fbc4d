// SPDX-License-Identifier: GPL-2.0-only
/* FRR vrrpd's stanzas from the vrrp: section, for the managed block. */
#include "cmd/vrrp/render.h"

#include <errno.h>
#include <sys/socket.h>

int vr_render_frr(const struct cfg *cfg, size_t node, FILE *out)
{
	const struct cfg_vrrp *v = &cfg->vrrp;
	char a[LB_ADDR_STRLEN];

	if (!v->present || node >= v->n_nodes)
		return -EINVAL;
	/*
	 * No path or checksum of the YAML here, unlike keepalived's header:
	 * the block changes only when the vrrp: section does, so patching
	 * after any other edit of the YAML leaves frr.conf as it is.
	 */
	fprintf(out,
		VR_FRR_BEGIN
		"\n"
		"! Written by `ballast vrrp patch-frr` for node %s from the\n"
		"! YAML's vrrp: section; edit the YAML and patch again.\n"
		"! vrrpd needs, per VRID and family, a macvlan on %s in bridge "
		"mode\n"
		"! with MAC 00:00:5e:00:01:VRID (IPv4) or 00:00:5e:00:02:VRID "
		"(IPv6)\n"
		"! holding the VIPs (Docs/HA.md).\n"
		"interface %s\n",
		v->nodes[node].name, cfg->ha.interface, cfg->ha.interface);
	for (size_t i = 0; i < v->n_groups; i++) {
		const struct cfg_vrrp_group *g = &v->groups[i];

		fprintf(out, " vrrp %u version %u\n", g->vrid, v->version);
		fprintf(out, " vrrp %u priority %u\n", g->vrid,
			v->nodes[node].priority);
		fprintf(out, " vrrp %u advertisement-interval %u\n", g->vrid,
			v->advert_interval_ms);
		if (!v->preempt)
			fprintf(out, " no vrrp %u preempt\n", g->vrid);
		for (size_t k = 0; k < g->n_vips; k++)
			fprintf(out, " vrrp %u %s %s\n", g->vrid,
				g->vips[k].family == AF_INET6 ? "ipv6" : "ip",
				lb_addr_fmt(&g->vips[k], a, sizeof(a)));
	}
	fprintf(out, "exit\n" VR_FRR_END);
	return ferror(out) ? -EIO : 0;
}
