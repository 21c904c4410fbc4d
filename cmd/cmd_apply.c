// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <string.h>

#include "cmd/commands.h"
#include "cmd/daemon/daemon.h"
#include "cmd/dataplanes.h"
#include "cmd/session.h"
#include "reconcile/plan_fmt.h"

static const char apply_usage[] =
	"Usage: ballast apply [-c FILE] [--dataplane NAME] [--dry-run] [--prune]\n"
	"                     [--wait[=DURATION]]\n"
	"       ballast apply --daemon [-c FILE] [--socket PATH] [--state-dir DIR]\n"
	"                     [--cleanup-on-exit]\n"
	"\n"
	"Converge the live dataplane to the configuration once, print every\n"
	"change made, then read the dataplane back to confirm it converged.\n"
	"Services Ballast did not create are left alone unless --prune.\n"
	"\n"
	"With --daemon, keep it converged: run health checks and feed their\n"
	"results into the weights, repair drift every daemon.tick, reload the\n"
	"file on SIGHUP or when it changes (a bad file is reported and the last\n"
	"good one keeps running), and serve the control API and /metrics.\n"
	"SIGTERM or SIGINT stop it and leave the dataplane as it is. See\n"
	"Docs/DAEMON.md.\n"
	"\n"
	"Options:\n"
	"  -c, --config FILE     configuration (default: $BALLAST_CONFIG, then\n"
	"                        /etc/ballast/ballast.yaml)\n"
	"      --dataplane NAME  driver to program instead of the configured one\n"
	"      --state FILE      fake dataplane: persist its state in FILE\n"
	"      --fault N:ERRNO   fake dataplane: fail the Nth operation with ERRNO\n"
	"                        (e.g. 3:EBUSY; comma-separated for several)\n"
	"  -n, --dry-run         print the plan, change nothing\n"
	"      --prune           also remove services Ballast did not create\n"
	"      --wait[=DURATION] when another command holds the dataplane's\n"
	"                        lock, wait for it up to DURATION (e.g. 90s;\n"
	"                        default 30s) instead of failing at once\n"
	"      --daemon          run as the long-running controller\n"
	"      --socket PATH     daemon: the API's unix socket (overrides\n"
	"                        daemon.api_socket)\n"
	"      --state-dir DIR   daemon: where runtime overrides are kept\n"
	"                        (default /var/lib/ballast)\n"
	"      --cleanup-on-exit daemon: at SIGTERM, remove every service\n"
	"                        Ballast programmed instead of leaving them\n"
	"  -h, --help            this text\n"
	"\n"
	"One writer at a time: apply holds the dataplane's lock (a file in\n"
	"/run/ballast, or $BALLAST_RUN_DIR) from its first read to its read-back.\n"
	"\n"
	"Exit status: 0 converged (daemon: stopped cleanly), 1 some operation\n"
	"failed or an error occurred.\n";

bool cmd_apply_is_daemon(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--daemon"))
			return true;
	return false;
}

static int run_daemon(const struct cmd_options *o)
{
	struct dm_opts d = {
		.config = o->config,
		.dataplane = o->dataplane,
		.find_ops = cmd_dataplane_find,
		.ops_for = cmd_dataplane_for,
		.state = o->state,
		.faults = o->faults,
		.socket = o->socket,
		.state_dir = o->state_dir,
		.cleanup_on_exit = o->cleanup_on_exit,
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

int cmd_apply(int argc, char **argv)
{
	struct dp_result res = { 0 };
	const struct rc_plan *plan;
	struct cmd_session s;
	struct cmd_options o;
	int code, ret;

	if (cmd_parse_options(argc, argv,
			      CMD_OPT_CONFIG | CMD_OPT_DATAPLANE | CMD_OPT_STATE |
				      CMD_OPT_FAULT | CMD_OPT_DRY_RUN |
				      CMD_OPT_PRUNE | CMD_OPT_WAIT |
				      CMD_OPT_DAEMON,
			      apply_usage, &o, &code))
		return code;
	if (o.daemon)
		return run_daemon(&o);
	if (o.socket || o.state_dir || o.cleanup_on_exit) {
		fprintf(stderr, "ballast apply: --socket, --state-dir and "
				"--cleanup-on-exit need --daemon\n");
		return CMD_EXIT_ERROR;
	}
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
