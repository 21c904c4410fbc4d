/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The XDP dataplane: the forwarder of dataplane/xdp/bpf driven through the
 * port, its maps and links pinned under <pin_path>/<interface>/.
 */
#ifndef BALLAST_DP_XDP_H
#define BALLAST_DP_XDP_H

#include "reconcile/dataplane.h"

extern const struct dp_ops dp_xdp_ops;

#endif
