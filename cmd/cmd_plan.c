// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <string.h>

#include "cmd/cli/specs.h"
#include "cmd/commands.h"
#include "cmd/json_out.h"
#include "cmd/session.h"
#include "reconcile/plan_fmt.h"

int cmd_plan(int argc, char **argv)
{
	const struct rc_plan *plan;
	struct cmd_session s;
	struct cmd_options o;
	int code;

	if (cmd_parse_options(argc, argv, &cli_plan, &o, &code))
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
