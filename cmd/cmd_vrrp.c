// SPDX-License-Identifier: GPL-2.0-only
/* ballast vrrp: keepalived and FRR configuration from the vrrp: section. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cli/specs.h"
#include "cmd/commands.h"
#include "cmd/diag_print.h"
#include "cmd/options.h"
#include "cmd/vrrp/render.h"
#include "config/config.h"

#define fail(...) cmd_fail("ballast vrrp", __VA_ARGS__)

int cmd_frr_load(const char *who, const struct cmd_vrrp_options *o,
		 cmd_node_select_fn sel, struct cfg **cfg, size_t *node)
{
	struct cfg_diags diags = {0};
	char host[256] = "", err[1024];
	int r = cfg_load(o->config, cfg, &diags);

	cmd_diags_print(stderr, &diags);
	cfg_diags_free(&diags);
	if (r)
		return cmd_fail(who,
				"%s is not valid; fix it first ('ballast "
				"validate -c %s')",
				o->config, o->config);
	if (!o->node && gethostname(host, sizeof(host) - 1))
		host[0] = 0;
	if (sel(*cfg, o->node, host, node, err, sizeof(err)))
		return cmd_fail(who, "%s", err);
	return 0;
}

/* Load the file and pick the node; prints why not and returns 1. */
static int setup(const struct cmd_vrrp_options *o, enum cfg_ha_provider want,
		 struct cfg **cfg, size_t *node)
{
	int code = cmd_frr_load("ballast vrrp", o, vr_node_select, cfg, node);

	if (code)
		return code;
	if ((*cfg)->ha.provider != want)
		fprintf(stderr,
			"ballast vrrp: warning: ha.provider is %s; the HA gate "
			"expects that daemon to move the VIPs\n",
			want == CFG_HA_PROVIDER_FRR ? "keepalived" : "frr");
	return 0;
}

static int render_keepalived(const struct cmd_vrrp_options *o)
{
	struct cfg *cfg = NULL;
	size_t node;
	int code = setup(o, CFG_HA_PROVIDER_KEEPALIVED, &cfg, &node);
	/* The header names the file wherever the output is read. */
	char *abs = realpath(o->config, NULL);

	if (!code &&
	    (vr_render_keepalived(cfg, node, abs, stdout) || fflush(stdout)))
		code = fail("writing to stdout: %s", strerror(errno));
	free(abs);
	cfg_free(cfg);
	return code;
}

int cmd_frr_patch(const char *who, const struct vr_frr_block *k,
		  const struct cmd_vrrp_options *o, const char *path,
		  const char *block, size_t len)
{
	struct vr_patch_opts po = {.dry_run = o->dry_run, .diff = o->diff};
	char err[1024];
	int r = vr_frr_patch_file(k, path, block, len, &po, stdout, err,
				  sizeof(err));

	if (r < 0)
		return cmd_fail(who, "%s", err);
	return r == VR_SPLICE_UNCHANGED ? CMD_EXIT_OK : CMD_EXIT_CHANGES;
}

static int patch_frr(const struct cmd_vrrp_options *o, const char *path)
{
	struct cfg *cfg = NULL;
	char *block = NULL;
	size_t node, len = 0;
	FILE *mem;
	int r, code = setup(o, CFG_HA_PROVIDER_FRR, &cfg, &node);

	if (code)
		goto out;
	mem = open_memstream(&block, &len);
	r = mem ? vr_render_frr(cfg, node, mem) : -ENOMEM;
	if ((mem && fclose(mem)) || r) {
		code =
		    fail("rendering the block: %s", strerror(r ? -r : ENOMEM));
		goto out;
	}
	code = cmd_frr_patch("ballast vrrp", &vr_frr_vrrp, o, path, block, len);
out:
	free(block);
	cfg_free(cfg);
	return code;
}

int cmd_vrrp(int argc, char **argv)
{
	struct cmd_vrrp_options o = {0};
	int first, code;

	if (cli_parse(&cli_vrrp, argc, argv, &o, &first, &code))
		return code;
	o.config = cfg_default_path(o.config);
	if (!strcmp(argv[first], "render")) {
		if (first + 1 >= argc || strcmp(argv[first + 1], "keepalived"))
			return fail("render writes for keepalived: 'ballast "
				    "vrrp render keepalived'; FRR's file is "
				    "patched with 'ballast vrrp patch-frr "
				    "FRR_CONF'");
		if (o.dry_run || o.diff)
			return fail("--dry-run and --diff apply to patch-frr; "
				    "render only prints");
		return render_keepalived(&o);
	}
	if (!strcmp(argv[first], "patch-frr")) {
		if (first + 1 >= argc)
			return fail(
			    "patch-frr needs the frr.conf to patch: "
			    "'ballast vrrp patch-frr /etc/frr/frr.conf'");
		return patch_frr(&o, argv[first + 1]);
	}
	return fail("no verb '%s'; use 'render keepalived' or 'patch-frr "
		    "FRR_CONF' (see 'ballast vrrp --help')",
		    argv[first]);
}
