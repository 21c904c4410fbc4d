// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <string.h>

#include "cmd/commands.h"
#include "cmd/json_out.h"
#include "cmd/session.h"
#include "reconcile/plan_fmt.h"

static const char plan_usage[] =
	"Usage: ballast plan [-c FILE] [--dataplane NAME] [--json] [--prune]\n"
	"\n"
	"Read the live dataplane and show what 'ballast apply' would change:\n"
	"  + create   ~ change (old -> new)   - delete   ! foreign (left alone)\n"
	"one line per service or real. Nothing is modified.\n"
	"\n"
	"Options:\n"
	"  -c, --config FILE     configuration (default: $BALLAST_CONFIG, then\n"
	"                        /etc/ballast/ballast.yaml)\n"
	"      --dataplane NAME  driver to read instead of the configured one\n"
	"      --state FILE      fake dataplane: state file to read (without\n"
	"                        one it starts empty)\n"
	"      --prune           also plan removal of services Ballast did not create\n"
	"  -j, --json            print the plan as JSON on stdout; an error as\n"
	"                        {\"error\": {\"kind\", \"message\", ...}}\n"
	"  -h, --help            this text\n"
	"\n"
	"Exit status: 0 in sync, 2 changes pending, 1 error.\n";

int cmd_plan(int argc, char **argv)
{
	const struct rc_plan *plan;
	struct cmd_session s;
	struct cmd_options o;
	int code;

	if (cmd_parse_options(argc, argv,
			      CMD_OPT_CONFIG | CMD_OPT_JSON | CMD_OPT_DATAPLANE |
				      CMD_OPT_STATE | CMD_OPT_PRUNE,
			      plan_usage, &o, &code))
		return code;
	code = cmd_session_open(&s, &o, true);
	if (code)
		return code;

	code = cmd_session_plan(&s, o.prune, &plan);
	if (code)
		goto out;
	if (o.json) {
		if (cmd_print_json(stdout, rc_plan_to_json(plan, NULL))) {
			code = CMD_EXIT_ERROR;
			goto out;
		}
	} else {
		rc_plan_print(stdout, plan, NULL);
	}
	code = plan->n ? CMD_EXIT_CHANGES : CMD_EXIT_OK;
out:
	cmd_session_close(&s);
	return code;
}
