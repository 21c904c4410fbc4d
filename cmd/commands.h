/* SPDX-License-Identifier: GPL-2.0-only */
/* Subcommands of the ballast binary; each returns the process exit code. */
#ifndef BALLAST_CMD_COMMANDS_H
#define BALLAST_CMD_COMMANDS_H

/* ballast probe [-c FILE] [--json] [--for DURATION] */
int cmd_probe(int argc, char **argv);

#endif
