// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <string.h>

#include "cmd/cli/specs.h"
#include "cmd/commands.h"
#include "cmd/daemon/daemon.h"
#include "cmd/dataplanes.h"
#include "cmd/session.h"
#include "reconcile/plan_fmt.h"

bool cmd_apply_is_daemon(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--daemon"))
			return true;
	return false;
}

static int run_daemon(const struct cmd_options *o)
{
	struct dp_option dp_opts[CMD_DP_OPTIONS_MAX];
	struct dm_opts d = {
		.config = o->config,
		.dataplane = o->dataplane,
		.find_ops = cmd_dataplane_find,
		.ops_for = cmd_dataplane_for,
		.dp_options = dp_opts,
		.n_dp_options = cmd_dataplane_options(o, dp_opts),
		.socket = o->socket,
		.state_dir = o->state_dir,
		.cleanup_on_exit = o->cleanup_on_exit,
		.node = o->node,
		.config_log_level = !cmd_log_level_given(),
	};

	if (o->dry_run || o->prune || o->wait_ms) {
		fprintf(stderr, "ballast apply: --dry-run, --prune and --wait "
				"do not apply to --daemon\n");
		return CMD_EXIT_ERROR;
	}
	return dm_run(&d);
}

static int verify(struct cmd_session *s, bool prune)
{
	const struct rc_plan *again;
	int code;

	code = cmd_session_plan(s, prune, &again);
	if (code)
		return code;
	if (!again->n)
		return CMD_EXIT_OK;
	fprintf(stderr, "ballast: not converged; %zu change%s still pending:\n",
		again->n, again->n == 1 ? "" : "s");
	rc_plan_print(stderr, again, NULL);
	return CMD_EXIT_ERROR;
}

/*
 * Remove what the driver installed, under the instance's writer lock. A
 * driver with a detach op does it without its handle reading anything (so a
 * pinned layout it would refuse can still be removed); others are opened and
 * closed with detach.
 */
static int detach(const struct cmd_options *o)
{
	struct dp_option opts[CMD_DP_OPTIONS_MAX];
	struct dp_open_args args = {0};
	struct cmd_session s;
	const char *name;
	int code;

	code = cmd_session_load(&s, o);
	if (code)
		return code;
	name = s.ops->name;
	args.cfg = s.cfg;
	args.options = opts;
	args.n_options = cmd_dataplane_options(o, opts);
	/* Opened only for its lock: a driver's open changes nothing. */
	code = cmd_session_open_dp(&s, o, !!s.ops->detach);
	if (!code)
		code = cmd_session_lock(&s, o->wait_ms);
	if (!code && s.ops->detach) {
		code = s.ops->detach(&args) ? CMD_EXIT_ERROR : CMD_EXIT_OK;
	} else if (!code) {
		s.ops->close(s.dp, true);
		s.dp = NULL;
	}
	cmd_session_close(&s);
	if (code) {
		fprintf(stderr, "ballast: detaching the %s dataplane failed\n",
			name);
		return CMD_EXIT_ERROR;
	}
	puts("Detached: nothing of Ballast's is left in the dataplane.");
	return CMD_EXIT_OK;
}

int cmd_apply(int argc, char **argv)
{
	struct dp_result res = { 0 };
	const struct rc_plan *plan;
	struct cmd_session s;
	struct cmd_options o;
	int code, ret;

	if (cmd_parse_options(argc, argv, &cli_apply, &o, &code))
		return code;
	if (o.daemon && o.detach) {
		fputs("ballast apply: --detach cannot be combined with --daemon\n",
		      stderr);
		return CMD_EXIT_ERROR;
	}
	if (o.daemon)
		return run_daemon(&o);
	if (o.socket || o.state_dir || o.cleanup_on_exit || o.node) {
		fprintf(stderr, "ballast apply: --socket, --state-dir, "
				"--cleanup-on-exit and --node need --daemon\n");
		return CMD_EXIT_ERROR;
	}
	if (o.detach && (o.dry_run || o.prune)) {
		fputs("ballast apply: --detach cannot be combined with --dry-run "
		      "or --prune\n",
		      stderr);
		return CMD_EXIT_ERROR;
	}
	if (o.detach)
		return detach(&o);
	code = cmd_session_open(&s, &o, o.dry_run);
	if (code)
		return code;

	code = cmd_session_plan(&s, o.prune, &plan);
	if (code)
		goto out;
	if (o.dry_run || !plan->n) {
		rc_plan_print(stdout, plan, NULL);
		if (o.dry_run && plan->n)
			puts("Dry run: nothing was changed.");
		code = CMD_EXIT_OK;
		goto out;
	}

	ret = rc_ctl_apply(s.ctl, &res);
	rc_plan_print_result(stdout, plan, &res, NULL);
	code = verify(&s, o.prune);
	if (ret && !code)
		code = CMD_EXIT_ERROR;
out:
	dp_result_free(&res);
	cmd_session_close(&s);
	return code;
}
