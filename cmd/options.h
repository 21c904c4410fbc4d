/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The options structs of the commands that read a configuration and a
 * dataplane; their tables (which option sets which field) are in
 * cmd/cli/specs.c, parsed by cmd/cli/params.h.
 */
#ifndef BALLAST_CMD_OPTIONS_H
#define BALLAST_CMD_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

/* --wait without a value: how long to wait for the dataplane's lock. */
#define CMD_WAIT_DEFAULT_MS 30000

/* validate, plan and apply. */
struct cmd_options {
	const char *config;    /* resolved path, never NULL after parsing */
	const char *dataplane; /* NULL: the config's driver */
	const char *state;
	const char *faults;
	bool json;
	bool dry_run;
	bool prune;
	uint32_t wait_ms; /* --wait: 0 fails at once when locked */
	bool detach;
	/* apply --daemon and its options (the daemon reads them) */
	bool daemon;
	const char *socket;    /* NULL: the config's daemon.api_socket */
	const char *state_dir; /* NULL: the config's daemon.state_dir */
	bool cleanup_on_exit;
	const char *node; /* --node: this node in vrrp.nodes */
};

/* probe. */
struct cmd_probe_options {
	const char *config;
	bool json;
	uint32_t for_ms; /* 0: until interrupted */
};

/* doctor. */
struct cmd_doctor_options {
	const char *config;
	const char *socket; /* NULL: the config's daemon.api_socket */
	bool json;
	const char *node;	     /* vrrp.nodes name; NULL: the host name */
	const char *keepalived_conf; /* NULL: the default path */
	const char *frr_conf;	     /* NULL: the default path */
};

/* decap. */
struct cmd_decap_options {
	const char *pin_path; /* bpffs directory */
	int mode;	      /* index into auto, native, generic */
};

/* vrrp render keepalived, vrrp patch-frr; bgp render frr, bgp patch-frr. */
struct cmd_vrrp_options {
	const char *config;
	const char *node; /* NULL: the host name picks the node */
	bool dry_run;
	bool diff;
};

struct cli_command;

/*
 * Parse argv for `spec` into o (zeroed first) and resolve the config path.
 * Returns 1 with *exit_code set when the command should not run (--help
 * printed, or a bad option told on stderr); 0 when it should.
 */
int cmd_parse_options(int argc, char **argv, const struct cli_command *spec,
		      struct cmd_options *o, int *exit_code);

/* Exit codes shared by commands. */
enum {
	CMD_EXIT_OK = 0,
	CMD_EXIT_ERROR = 1,
	CMD_EXIT_CHANGES =
	    2, /* plan: changes pending; validate: semantic error */
	CMD_EXIT_NO_DAEMON =
	    3, /* clients: the daemon's socket did not answer */
};

#endif
