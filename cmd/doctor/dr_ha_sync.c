// SPDX-License-Identifier: GPL-2.0-only
/*
 * ha.keepalived and ha.frr: the provider's config on disk holds what
 * `ballast vrrp render keepalived` / `ballast vrrp patch-frr` write from the
 * YAML now, through the same renderers (cmd/vrrp/render.h) and, for FRR,
 * the patcher's own splice: when it would change nothing, the file is in
 * sync. Read only.
 */
#include <errno.h>
#include <glob.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/doctor/doctor.h"
#include "cmd/doctor/dr_checks.h"
#include "cmd/vrrp/render.h"
#include "lib/file.h"

#define DR_KEEPALIVED_CONF "/etc/keepalived/keepalived.conf"
#define DR_FRR_CONF "/etc/frr/frr.conf"
/* Larger provider configs than this are not read. */
#define DR_CONF_MAX (4u << 20)
/* keepalived's `include` nesting followed (Docs/HA.md includes conf.d). */
#define DR_INCLUDE_DEPTH 3

/* Which renderer: keepalived's instances or FRR's managed block. */
enum dr_render { DR_RENDER_KEEPALIVED, DR_RENDER_FRR };

/* --node, for the remedies: " --node NAME" or "". */
static const char *node_arg(const struct dr_ctx *ctx, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", ctx->node ? " --node " : "",
		 ctx->node ? ctx->node : "");
	return buf;
}

/*
 * What the renderer writes for this host's node (--node, else the host
 * name), as `ballast vrrp` selects it. 0, or a negative errno after setting
 * r to fail.
 */
static int render(struct dr_ctx *ctx, enum dr_render which, char **text,
		  size_t *len, struct dr_result *r)
{
	char host[256] = "", err[512] = "";
	size_t node;
	FILE *f;
	int ret;

	*text = NULL;
	(void)gethostname(host, sizeof(host) - 1);
	ret =
	    vr_node_select(ctx->cfg, ctx->node, host, &node, err, sizeof(err));
	if (ret) {
		dr_set(r, DR_FAIL, "%s", err);
		dr_remedy(r,
			  "name this host's node with `ballast doctor "
			  "--node NAME` (and `ballast vrrp ... --node NAME`), "
			  "or add it to vrrp.nodes");
		return ret;
	}
	f = open_memstream(text, len);
	if (!f)
		return -ENOMEM;
	ret = which == DR_RENDER_FRR
		  ? vr_render_frr(ctx->cfg, node, f)
		  : vr_render_keepalived(ctx->cfg, node, ctx->config_path, f);
	if (fclose(f) && !ret)
		ret = -ENOMEM;
	if (ret) {
		dr_set(r, DR_FAIL, "rendering the config failed: %s",
		       strerror(-ret));
		free(*text);
		*text = NULL;
	}
	return ret;
}

/*
 * One significant line: comments (# and !) and surrounding blanks removed.
 * Returns its length (0: nothing significant) and where it starts.
 */
static size_t sig_line(const char *s, size_t n, const char **start)
{
	size_t b = 0, e;

	for (e = 0; e < n && s[e] != '#' && s[e] != '!'; e++)
		;
	while (b < e && (s[b] == ' ' || s[b] == '\t'))
		b++;
	while (e > b &&
	       (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r'))
		e--;
	*start = s + b;
	return e - b;
}

/*
 * The text of keepalived's block `vrrp_instance NAME {` ... `}` in t,
 * normalised (significant lines, one '\n' each) into a malloc'd string, or
 * NULL when t has no such block.
 */
static char *instance_block(const char *t, const char *name)
{
	char head[160], *out = NULL;
	size_t hl, olen = 0;
	int depth = -1;
	FILE *f;

	hl = (size_t)snprintf(head, sizeof(head), "vrrp_instance %s", name);
	f = open_memstream(&out, &olen);
	if (!f)
		return NULL;
	while (*t && depth != 0) {
		const char *nl = strchr(t, '\n'), *s;
		size_t n = nl ? (size_t)(nl - t) : strlen(t);
		size_t l = sig_line(t, n, &s);

		if (depth < 0 && l > hl && !strncmp(s, head, hl) &&
		    (s[hl] == ' ' || s[hl] == '{' || s[hl] == '\t'))
			depth = 0;
		if (depth >= 0 && l) {
			fprintf(f, "%.*s\n", (int)l, s);
			for (size_t i = 0; i < l; i++)
				depth += s[i] == '{' ? 1 : s[i] == '}' ? -1 : 0;
		}
		t = nl ? nl + 1 : t + n;
	}
	fclose(f);
	if (depth != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* The names of the vrrp_instance blocks in t, into names (at most max). */
static size_t instance_names(const char *t, char names[][64], size_t max)
{
	size_t n = 0;

	while ((t = strstr(t, "vrrp_instance")) && n < max) {
		if (sscanf(t, "vrrp_instance %63[^ \t{\n]", names[n]) == 1)
			n++;
		t += strlen("vrrp_instance");
	}
	return n;
}

/*
 * keepalived's config as keepalived reads it: path, with the files its
 * `include PATTERN` lines name (globs; relative to path's directory) put in
 * place. Appended to f; 0 or -errno for path itself (an include that
 * matches nothing is skipped, as keepalived does).
 */
static int read_keepalived(const char *path, FILE *f, int depth)
{
	char *text = NULL, *t, dir[512];
	size_t len;
	int ret;

	ret = lb_read_file(path, DR_CONF_MAX, &text, &len);
	if (ret)
		return ret;
	snprintf(dir, sizeof(dir), "%s", path);
	for (t = text; *t;) {
		char *nl = strchr(t, '\n'), pat[1024], *sp;
		size_t n = nl ? (size_t)(nl - t) : strlen(t);
		const char *s;
		size_t l = sig_line(t, n, &s);
		glob_t g;

		if (depth < DR_INCLUDE_DEPTH && l > 8 &&
		    !strncmp(s, "include", 7) &&
		    (s[7] == ' ' || s[7] == '\t')) {
			for (sp = (char *)s + 7; *sp == ' ' || *sp == '\t';
			     sp++)
				;
			snprintf(pat, sizeof(pat), "%s%s%.*s",
				 *sp == '/' ? "" : dirname(dir),
				 *sp == '/' ? "" : "/",
				 (int)(l - (size_t)(sp - s)), sp);
			snprintf(dir, sizeof(dir), "%s", path);
			if (!glob(pat, 0, NULL, &g)) {
				for (size_t i = 0; i < g.gl_pathc; i++)
					(void)read_keepalived(g.gl_pathv[i], f,
							      depth + 1);
				globfree(&g);
			}
		} else {
			fprintf(f, "%.*s\n", (int)n, t);
		}
		t = nl ? nl + 1 : t + n;
	}
	free(text);
	return 0;
}

/* False after setting r to skip when ha.provider is not p. */
static bool need_provider(struct dr_ctx *ctx, struct dr_result *r,
			  enum cfg_ha_provider p)
{
	if (!dr_need_ha(ctx, r))
		return false;
	if (ctx->cfg->ha.provider == p)
		return true;
	dr_set(r, DR_SKIP, "ha.provider is %s",
	       p == CFG_HA_PROVIDER_FRR ? "keepalived" : "frr");
	return false;
}

/*
 * The provider's file could not be read (err): skip when it is not ours to
 * read, else warn. True when the caller adds the remedy (warn).
 */
static bool unreadable(struct dr_result *r, const char *path, int err)
{
	dr_set(r, err == -EACCES ? DR_SKIP : DR_WARN, "%s: %s%s", path,
	       strerror(-err), err == -EACCES ? " (run doctor as root)" : "");
	return err != -EACCES;
}

void dr_check_ha_keepalived(struct dr_ctx *ctx, struct dr_result *r)
{
	const char *path =
	    ctx->keepalived_conf ? ctx->keepalived_conf : DR_KEEPALIVED_CONF;
	char want[64][64], have[64][64], bad[384] = "", na[128];
	char *text = NULL, *file = NULL;
	size_t len, flen, nw, nh, nb = 0;
	FILE *ff;
	int ret;

	if (!need_provider(ctx, r, CFG_HA_PROVIDER_KEEPALIVED) ||
	    render(ctx, DR_RENDER_KEEPALIVED, &text, &len, r))
		return;
	ff = open_memstream(&file, &flen);
	ret = ff ? read_keepalived(path, ff, 0) : -ENOMEM;
	if (ff && fclose(ff) && !ret)
		ret = -ENOMEM;
	if (ret) {
		if (unreadable(r, path, ret))
			dr_remedy(r,
				  "`ballast vrrp render keepalived -c %s%s > "
				  "/etc/keepalived/conf.d/ballast.conf`, "
				  "included from %s, then `systemctl reload "
				  "keepalived` (or name keepalived's config "
				  "with --keepalived-conf)",
				  ctx->config_path,
				  node_arg(ctx, na, sizeof(na)), path);
		free(text);
		free(file);
		return;
	}
	nw = instance_names(text, want, 64);
	for (size_t i = 0; i < nw; i++) {
		char *a = instance_block(text, want[i]);
		char *b = instance_block(file, want[i]);

		if (!b || !a || strcmp(a, b))
			dr_append(bad, &nb, sizeof(bad), "%s%s %s",
				  nb ? ", " : "", want[i],
				  b ? "differs" : "missing");
		free(a);
		free(b);
	}
	/* our instances the YAML no longer has: a removed group */
	nh = instance_names(file, have, 64);
	for (size_t i = 0; i < nh; i++) {
		bool known = false;

		for (size_t j = 0; j < nw && !known; j++)
			known = !strcmp(have[i], want[j]);
		if (!known && !strncmp(have[i], "ballast_", 8))
			dr_append(bad, &nb, sizeof(bad),
				  "%s%s no longer in the "
				  "YAML",
				  nb ? ", " : "", have[i]);
	}
	free(text);
	free(file);
	if (nb) {
		dr_set(r, DR_WARN,
		       "%s (with its includes) is not what the YAML renders: "
		       "%s",
		       path, bad);
		dr_remedy(r,
			  "re-render: `ballast vrrp render keepalived -c %s%s "
			  "> FILE` over the file with the ballast_* instances "
			  "(Docs/HA.md: /etc/keepalived/conf.d/ballast.conf), "
			  "then `systemctl reload keepalived`",
			  ctx->config_path, node_arg(ctx, na, sizeof(na)));
		return;
	}
	dr_set(r, DR_OK,
	       "%s (with its includes) holds the %zu instance%s the YAML "
	       "renders",
	       path, nw, nw == 1 ? "" : "s");
}

void dr_check_ha_frr(struct dr_ctx *ctx, struct dr_result *r)
{
	const char *path = ctx->frr_conf ? ctx->frr_conf : DR_FRR_CONF;
	char *block = NULL, *file = NULL, *out = NULL, err[512] = "", na[128];
	size_t blen, flen, olen;
	int ret;

	if (!need_provider(ctx, r, CFG_HA_PROVIDER_FRR) ||
	    render(ctx, DR_RENDER_FRR, &block, &blen, r))
		return;
	node_arg(ctx, na, sizeof(na));
	ret = lb_read_file(path, DR_CONF_MAX, &file, &flen);
	if (ret) {
		if (unreadable(r, path, ret))
			dr_remedy(r,
				  "name FRR's config with --frr-conf; `ballast "
				  "vrrp patch-frr FILE -c %s%s` writes the "
				  "block",
				  ctx->config_path, na);
		free(block);
		return;
	}
	ret = vr_frr_splice(&vr_frr_vrrp, file, flen, block, blen, &out, &olen,
			    err, sizeof(err));
	free(out);
	free(block);
	free(file);
	if (ret < 0) {
		dr_set(r, DR_FAIL, "%s: %s", path,
		       err[0] ? err : strerror(-ret));
		dr_remedy(r,
			  "repair the marker lines as said, then `ballast vrrp "
			  "patch-frr %s -c %s%s`",
			  path, ctx->config_path, na);
		return;
	}
	if (ret != VR_SPLICE_UNCHANGED) {
		dr_set(r, DR_WARN, "%s: %s", path,
		       ret == VR_SPLICE_APPENDED
			   ? "no managed vrrp block (no marker lines)"
			   : "the managed vrrp block is not what the YAML "
			     "renders");
		dr_remedy(r,
			  "`ballast vrrp patch-frr %s -c %s%s --diff` shows "
			  "it; without --diff it rewrites the block, then "
			  "`systemctl reload frr`",
			  path, ctx->config_path, na);
		return;
	}
	dr_set(r, DR_OK, "%s: the managed vrrp block is what the YAML renders",
	       path);
}
