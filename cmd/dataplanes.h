/* SPDX-License-Identifier: GPL-2.0-only */
/* The dataplane drivers this binary was built with. */
#ifndef BALLAST_CMD_DATAPLANES_H
#define BALLAST_CMD_DATAPLANES_H

#include <stddef.h>

#include "reconcile/dataplane.h"

/* By name ("fake", "ipvs", "xdp"); NULL when unknown. */
const struct dp_ops *cmd_dataplane_find(const char *name);
const struct dp_ops *cmd_dataplane_for(enum cfg_driver driver);
/* "fake, ipvs" (the drivers built in) for messages, truncated to len. */
void cmd_dataplane_names(char *buf, size_t len);

#endif
