/* SPDX-License-Identifier: GPL-2.0-only */
/* Subcommand entry points. Each returns the process exit code. */
#ifndef BALLAST_CMD_COMMANDS_H
#define BALLAST_CMD_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>

int cmd_validate(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_apply(int argc, char **argv);
/* `apply --daemon`: the long-running daemon, whose logs default to auto. */
bool cmd_apply_is_daemon(int argc, char **argv);
/* The global --log-level option was given. */
bool cmd_log_level_given(void);
/* ballast probe [-c FILE] [--json] [--for DURATION] */
int cmd_probe(int argc, char **argv);
/* ballast doctor [-c FILE] [--socket PATH] [--json] [CHECK...] */
int cmd_doctor(int argc, char **argv);
/* ballast decap attach|detach|status IFACE [ADDRESS...] */
int cmd_decap(int argc, char **argv);
/* ballast vrrp render keepalived | patch-frr FILE [-c FILE] [--node NAME] */
int cmd_vrrp(int argc, char **argv);
/* ballast bgp render frr | patch-frr FILE [-c FILE] [--node NAME] */
int cmd_bgp(int argc, char **argv);

struct cfg;
struct vr_frr_block;
struct cmd_vrrp_options;

/* vr_node_select, bg_node_select: this host's node of a section. */
typedef int (*cmd_node_select_fn)(const struct cfg *cfg, const char *name,
				  const char *hostname, size_t *idx, char *err,
				  size_t errlen);
/*
 * `ballast vrrp` and `ballast bgp`: load o->config and pick this host's
 * node with sel (--node, else the host name). 0 with *cfg (to cfg_free,
 * also on failure) and *node, or the exit code after saying why on stderr
 * after "WHO: ".
 */
int cmd_frr_load(const char *who, const struct cmd_vrrp_options *o,
		 cmd_node_select_fn sel, struct cfg **cfg, size_t *node);
/*
 * patch-frr of `ballast vrrp` and `ballast bgp`: put block (rendered with
 * k's markers) into the frr.conf at path, report on stdout, errors on
 * stderr after "WHO: ". The exit code: 0 unchanged, 2 changed, 1 error.
 */
int cmd_frr_patch(const char *who, const struct vr_frr_block *k,
		  const struct cmd_vrrp_options *o, const char *path,
		  const char *block, size_t len);

#endif
