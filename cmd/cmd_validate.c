// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>

#include "cmd/cli/specs.h"
#include "cmd/commands.h"
#include "cmd/diag_print.h"
#include "cmd/json_out.h"
#include "cmd/options.h"
#include "config/config.h"

int cmd_validate(int argc, char **argv)
{
	struct cmd_options o;
	struct cfg_diags diags = { 0 };
	struct cfg *cfg = NULL;
	int code;

	if (cmd_parse_options(argc, argv, &cli_validate, &o, &code))
		return code;

	(void)!cfg_load(o.config, &cfg, &diags);
	code = cfg_diags_exit_code(&diags);
	if (o.json) {
		if (cmd_print_json(stdout, cmd_diags_to_json(&diags)))
			code = CMD_EXIT_ERROR;
	} else {
		cmd_diags_print(stderr, &diags);
		if (!code)
			printf("%s: valid: %zu service%s, %zu pool%s%s\n",
			       o.config, cfg->n_services,
			       cfg->n_services == 1 ? "" : "s", cfg->n_pools,
			       cfg->n_pools == 1 ? "" : "s",
			       diags.n_warnings ? " (with warnings)" : "");
	}
	cfg_free(cfg);
	cfg_diags_free(&diags);
	return code;
}
