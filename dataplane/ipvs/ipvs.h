/* SPDX-License-Identifier: GPL-2.0-only */
/* Linux IPVS programmed over generic netlink. */
#ifndef BALLAST_DATAPLANE_IPVS_H
#define BALLAST_DATAPLANE_IPVS_H

#include "reconcile/dataplane.h"

/* Default ownership file; lives on tmpfs, as long as the kernel's table. */
#define DP_IPVS_OWNED_PATH "/run/ballast/ipvs-owned"

extern const struct dp_ops dp_ipvs_ops;

#endif
