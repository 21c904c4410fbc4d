// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>

#include "cmd/commands.h"
#include "cmd/diag_print.h"
#include "cmd/json_out.h"
#include "cmd/options.h"
#include "config/config.h"

static const char validate_usage[] =
	"Usage: ballast validate [-c FILE] [--json]\n"
	"\n"
	"Check a configuration file without touching any dataplane.\n"
	"Every problem is reported, as FILE:LINE:COL: error: MESSAGE on stderr.\n"
	"\n"
	"Options:\n"
	"  -c, --config FILE  configuration (default: $BALLAST_CONFIG, then\n"
	"                     " CFG_DEFAULT_PATH ")\n"
	"  -j, --json         print the diagnostics as a JSON array of\n"
	"                     {file, line, column, severity, path, message} on stdout\n"
	"  -h, --help         this text\n"
	"\n"
	"Exit status: 0 valid (warnings allowed), 1 YAML syntax or schema error\n"
	"(unknown key, wrong type, missing field) or unreadable file,\n"
	"2 semantic error (duplicate service, undefined pool, ...).\n";

int cmd_validate(int argc, char **argv)
{
	struct cmd_options o;
	struct cfg_diags diags = { 0 };
	struct cfg *cfg = NULL;
	int code;

	if (cmd_parse_options(argc, argv, CMD_OPT_CONFIG | CMD_OPT_JSON,
			      validate_usage, &o, &code))
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
