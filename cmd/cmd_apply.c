// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <string.h>

#include "cmd/commands.h"
#include "cmd/dataplanes.h"
#include "cmd/session.h"
#include "reconcile/plan_fmt.h"

static const char apply_usage[] =
	"Usage: ballast apply [-c FILE] [--dataplane NAME] [--dry-run] [--prune]\n"
	"                     [--wait[=DURATION]]\n"
	"       ballast apply [-c FILE] --detach\n"
	"\n"
	"Converge the live dataplane to the configuration once, print every\n"
	"change made, then read the dataplane back to confirm it converged.\n"
	"Services Ballast did not create are left alone unless --prune.\n"
	"\n"
	"Options:\n"
	"  -c, --config FILE     configuration (default: $BALLAST_CONFIG, then\n"
	"                        /etc/ballast/ballast.yaml)\n"
	"      --dataplane NAME  driver to program instead of the configured one\n"
	"      --state FILE      fake dataplane: persist its state in FILE (needed\n"
	"                        unless the config sets dataplane.fake.state_file:\n"
	"                        without it the changes would be lost on exit)\n"
	"      --fault N:ERRNO   fake dataplane: fail the Nth operation with ERRNO\n"
	"                        (e.g. 3:EBUSY; comma-separated for several)\n"
	"  -n, --dry-run         print the plan, change nothing\n"
	"      --prune           also remove services Ballast did not create\n"
	"      --wait[=DURATION] when another command holds the dataplane's\n"
	"                        lock, wait for it up to DURATION (e.g. 90s;\n"
	"                        default 30s) instead of failing at once\n"
	"      --detach          remove everything Ballast installed in the\n"
	"                        dataplane instead (xdp: detach the programs and\n"
	"                        remove the pinned maps, dropping tracked flows)\n"
	"  -h, --help            this text\n"
	"\n"
	"One writer at a time: apply holds the dataplane's lock (a file in\n"
	"/run/ballast, or $BALLAST_RUN_DIR) from its first read to its read-back.\n"
	"\n"
	"Exit status: 0 converged, 1 some operation failed or an error occurred.\n";

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

	if (cmd_parse_options(argc, argv,
			      CMD_OPT_CONFIG | CMD_OPT_DATAPLANE | CMD_OPT_STATE |
				      CMD_OPT_FAULT | CMD_OPT_DRY_RUN |
				      CMD_OPT_PRUNE | CMD_OPT_WAIT | CMD_OPT_DETACH,
			      apply_usage, &o, &code))
		return code;
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
