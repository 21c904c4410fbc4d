/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every command's option table and help text (struct cli_command). They live
 * in the library, not next to each command's code, so the unit tests can
 * check every table against its help.
 */
#ifndef BALLAST_CMD_CLI_SPECS_H
#define BALLAST_CMD_CLI_SPECS_H

#include "cmd/cli/params.h"

extern const struct cli_command cli_validate, cli_plan, cli_apply, cli_probe,
    cli_decap, cli_doctor, cli_vrrp, cli_bgp, cli_version, cli_help;
/* Clients of the daemon's control API (struct cl_options). */
extern const struct cli_command cli_status, cli_show, cli_watch, cli_drain,
    cli_undrain, cli_disable, cli_enable, cli_weight, cli_health, cli_flow,
    cli_overrides, cli_node;

/* All of the above, in `ballast help` order, NULL-terminated. */
extern const struct cli_command *const cli_commands[];

#endif
