/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `ballast apply --daemon`: the long-running controller. One thread, one
 * lb_loop: the reconcile loop (reconcile/loop.h), the health engine with
 * runtime overrides layered over its weights, the control API and metrics
 * (cmd/api/), config reloads (SIGHUP, inotify) and systemd notifications.
 * See Docs/DAEMON.md.
 */
#ifndef BALLAST_CMD_DAEMON_DAEMON_H
#define BALLAST_CMD_DAEMON_DAEMON_H

#include <stdbool.h>

#include "config/config.h"
#include "reconcile/dataplane.h"

#define DM_STATE_DIR_DEFAULT "/var/lib/ballast"
#define DM_OVERRIDES_FILE "overrides.json"

struct dm_opts {
	const char *config; /* the file, re-read on reload */
	const char
	    *dataplane; /* driver name instead of the config's, or NULL */
	/* dataplane drivers by name / for a config driver (cmd/dataplanes.h) */
	const struct dp_ops *(*find_ops)(const char *name);
	const struct dp_ops *(*ops_for)(enum cfg_driver driver);
	/* driver-owned settings (--state, --fault), handed to open() */
	const struct dp_option *dp_options;
	size_t n_dp_options;
	const char *socket;    /* overrides daemon.api_socket */
	const char *state_dir; /* overrides DM_STATE_DIR_DEFAULT */
	bool cleanup_on_exit;  /* remove what Ballast programmed at exit */
	const char *node;      /* in vrrp.nodes or bgp.nodes; NULL: host name */
	bool config_log_level; /* follow daemon.log_level (no --log-level) */
};

/* Run until SIGTERM/SIGINT. Returns a process exit code (0 clean). */
int dm_run(const struct dm_opts *o);

#endif
