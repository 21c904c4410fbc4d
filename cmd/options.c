// SPDX-License-Identifier: GPL-2.0-only
#include "cmd/options.h"

#include <string.h>

#include "cmd/cli/params.h"
#include "config/config.h"

int cmd_parse_options(int argc, char **argv, const struct cli_command *spec,
		      struct cmd_options *o, int *exit_code)
{
	int first;

	memset(o, 0, sizeof(*o));
	if (cli_parse(spec, argc, argv, o, &first, exit_code))
		return 1;
	o->config = cfg_default_path(o->config);
	return 0;
}
