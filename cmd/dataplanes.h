/* SPDX-License-Identifier: GPL-2.0-only */
/* The dataplane drivers this binary was built with. */
#ifndef BALLAST_CMD_DATAPLANES_H
#define BALLAST_CMD_DATAPLANES_H

#include <stddef.h>

#include "cmd/options.h"
#include "reconcile/dataplane.h"

/* By name ("fake", "ipvs", "xdp"); NULL when unknown. */
const struct dp_ops *cmd_dataplane_find(const char *name);
const struct dp_ops *cmd_dataplane_for(enum cfg_driver driver);
/* "fake, ipvs" (the drivers built in) for messages, truncated to len. */
void cmd_dataplane_names(char *buf, size_t len);

/*
 * The driver options the command line's flags give (--state and --fault
 * are the fake's): fills out[0..n) and returns n.
 */
#define CMD_DP_OPTIONS_MAX 2
size_t cmd_dataplane_options(const struct cmd_options *o,
			     struct dp_option out[CMD_DP_OPTIONS_MAX]);

#endif
