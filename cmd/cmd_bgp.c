// SPDX-License-Identifier: GPL-2.0-only
/* ballast bgp: FRR bgpd configuration from the bgp: section. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/bgp/render.h"
#include "cmd/cli/specs.h"
#include "cmd/commands.h"
#include "cmd/diag_print.h"
#include "cmd/options.h"
#include "cmd/vrrp/render.h"
#include "config/config.h"

#define fail(...) cmd_fail("ballast bgp", __VA_ARGS__)

/*
 * Load the file, pick the node and render its block into *block (malloc'd,
 * *len bytes, no final newline). Prints why not and returns 1.
 */
static int render(const struct cmd_vrrp_options *o, char **block, size_t *len)
{
	struct cfg *cfg = NULL;
	size_t node;
	FILE *mem;
	int r,
	    code = cmd_frr_load("ballast bgp", o, bg_node_select, &cfg, &node);

	*block = NULL;
	if (code)
		goto out;
	mem = open_memstream(block, len);
	r = mem ? bg_render_frr(cfg, node, mem) : -ENOMEM;
	if ((mem && fclose(mem)) || r)
		code =
		    fail("rendering the block: %s", strerror(r ? -r : ENOMEM));
out:
	cfg_free(cfg);
	return code;
}

static int patch_frr(const struct cmd_vrrp_options *o, const char *path)
{
	char *block;
	size_t len = 0;
	int code = render(o, &block, &len);

	if (!code)
		code = cmd_frr_patch("ballast bgp", &vr_frr_bgp, o, path, block,
				     len);
	free(block);
	return code;
}

int cmd_bgp(int argc, char **argv)
{
	struct cmd_vrrp_options o = {0};
	char *block;
	size_t len = 0;
	int first, code;

	if (cli_parse(&cli_bgp, argc, argv, &o, &first, &code))
		return code;
	o.config = cfg_default_path(o.config);
	if (!strcmp(argv[first], "render")) {
		if (first + 1 >= argc || strcmp(argv[first + 1], "frr"))
			return fail("render writes for FRR: 'ballast bgp "
				    "render frr'; to put it into frr.conf use "
				    "'ballast bgp patch-frr FRR_CONF'");
		if (o.dry_run || o.diff)
			return fail("--dry-run and --diff apply to patch-frr; "
				    "render only prints");
		code = render(&o, &block, &len);
		if (!code && (fwrite(block, 1, len, stdout) != len ||
			      putchar('\n') == EOF || fflush(stdout)))
			code = fail("writing to stdout: %s", strerror(errno));
		free(block);
		return code;
	}
	if (!strcmp(argv[first], "patch-frr")) {
		if (first + 1 >= argc)
			return fail(
			    "patch-frr needs the frr.conf to patch: "
			    "'ballast bgp patch-frr /etc/frr/frr.conf'");
		return patch_frr(&o, argv[first + 1]);
	}
	return fail("no verb '%s'; use 'render frr' or 'patch-frr FRR_CONF' "
		    "(see 'ballast bgp --help')",
		    argv[first]);
}
