/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `ballast bgp`: FRR's bgpd configuration for one node of the scale-out
 * group, from the YAML's bgp: section and its service addresses. The block
 * goes into frr.conf between its own markers through the vrrp patcher
 * (cmd/vrrp/render.h, vr_frr_bgp), so a vrrp block beside it is untouched.
 */
#ifndef BALLAST_CMD_BGP_RENDER_H
#define BALLAST_CMD_BGP_RENDER_H

#include <stddef.h>
#include <stdio.h>

#include "config/config.h"

/* Names the block gives FRR objects; the announcer's routes meet these. */
#define BG_PLIST4 "BALLAST-VIP4"
#define BG_PLIST6 "BALLAST-VIP6"
#define BG_RMAP_VIP "BALLAST-VIP"
#define BG_RMAP_DENY "BALLAST-DENY"
#define BG_BFD_PROFILE "BALLAST"

/*
 * Which of cfg->bgp.nodes this host is: --node `name`, else the node named
 * like `hostname`. 0 with *idx; -ENOENT with a message in err; -EINVAL
 * when the file has no bgp: section.
 */
int bg_node_select(const struct cfg *cfg, const char *name,
		   const char *hostname, size_t *idx, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/*
 * The managed bgp block for node `node`, both marker lines included, the
 * last line without its newline: prefix lists of the VIPs (every distinct
 * non-fwmark service address, sorted), the route-maps, the bfd profile
 * when bgp.bfd is on, and `router bgp` with the node's router id and
 * neighbours and one address family per family of VIPs. Only the bgp:
 * section and the service addresses shape it. 0, -EINVAL (no such node),
 * -ENOMEM, or -EIO from the stream.
 */
int bg_render_frr(const struct cfg *cfg, size_t node, FILE *out)
    __attribute__((warn_unused_result));

#endif
