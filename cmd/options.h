/* SPDX-License-Identifier: GPL-2.0-only */
/* Option parsing shared by the subcommands. */
#ifndef BALLAST_CMD_OPTIONS_H
#define BALLAST_CMD_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

/* Which options a command accepts. */
enum cmd_opt {
	CMD_OPT_CONFIG = 1u << 0,
	CMD_OPT_JSON = 1u << 1,
	CMD_OPT_DATAPLANE = 1u << 2,
	CMD_OPT_STATE = 1u << 3,
	CMD_OPT_FAULT = 1u << 4,
	CMD_OPT_DRY_RUN = 1u << 5,
	CMD_OPT_PRUNE = 1u << 6,
	CMD_OPT_WAIT = 1u << 7,
	/* --daemon, --socket, --state-dir, --cleanup-on-exit */
	CMD_OPT_DAEMON = 1u << 8,
};

/* --wait without a value: how long to wait for the dataplane's lock. */
#define CMD_WAIT_DEFAULT_MS 30000

struct cmd_options {
	const char *config;     /* resolved path, never NULL after parsing */
	const char *dataplane;  /* NULL: the config's driver */
	const char *state;
	const char *faults;
	bool json;
	bool dry_run;
	bool prune;
	uint32_t wait_ms;       /* --wait: 0 fails at once when locked */
	bool daemon;            /* apply --daemon */
	const char *socket;     /* --socket: overrides daemon.api_socket */
	const char *state_dir;  /* --state-dir */
	bool cleanup_on_exit;
};

/*
 * Parse argv for a command accepting `allowed`. Prints `usage` for --help and
 * returns 1 with *exit_code 0; on a bad option prints a hint and returns 1
 * with *exit_code set; returns 0 when the command should run.
 */
int cmd_parse_options(int argc, char **argv, unsigned int allowed,
		      const char *usage, struct cmd_options *o, int *exit_code);

/* Exit codes shared by commands. */
enum {
	CMD_EXIT_OK = 0,
	CMD_EXIT_ERROR = 1,
	CMD_EXIT_CHANGES = 2, /* plan: changes pending; validate: semantic error */
};

#endif
