// SPDX-License-Identifier: GPL-2.0-only
/* ballast doctor [-c FILE] [--socket PATH] [--json] [--node NAME] ... [CHECK...] */
#include <stdio.h>
#include <string.h>

#include "cmd/cli/specs.h"
#include "cmd/commands.h"
#include "cmd/doctor/doctor.h"
#include "cmd/options.h"

int cmd_doctor(int argc, char **argv)
{
	struct cmd_doctor_options o = {0};
	struct dr_ctx ctx = {0};
	int first, code;

	if (cli_parse(&cli_doctor, argc, argv, &o, &first, &code))
		return code;
	for (int i = first; i < argc; i++) {
		bool known = false;

		for (size_t j = 0; j < dr_n_checks && !known; j++)
			known = dr_check_matches(dr_checks[j].id, argv[i]);
		if (!known) {
			fprintf(
			    stderr,
			    "ballast doctor: no check '%s'; `ballast doctor "
			    "--help` lists them\n",
			    argv[i]);
			return 1;
		}
	}
	ctx.node = o.node;
	ctx.keepalived_conf = o.keepalived_conf;
	ctx.frr_conf = o.frr_conf;
	dr_ctx_init(&ctx, cfg_default_path(o.config), o.socket);
	code =
	    dr_run(&ctx, stdout, o.json, argv + first, (size_t)(argc - first));
	dr_ctx_free(&ctx);
	return code;
}
