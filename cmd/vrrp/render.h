/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `ballast vrrp`: the configuration keepalived and FRR's vrrpd need, written
 * from the YAML's vrrp: section so the VIPs are declared once. Pure
 * renderers (a cfg and a node in, text out) and the frr.conf patcher, which
 * replaces only the block between its two marker lines; `ballast bgp` uses
 * it for a block of its own (cmd/bgp/).
 */
#ifndef BALLAST_CMD_VRRP_RENDER_H
#define BALLAST_CMD_VRRP_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "config/config.h"

#define VR_FRR_BEGIN "! ballast: begin managed vrrp block (do not edit)"
#define VR_FRR_END "! ballast: end managed vrrp block"
#define VR_FRR_BGP_BEGIN "! ballast: begin managed bgp block (do not edit)"
#define VR_FRR_BGP_END "! ballast: end managed bgp block"

/* One managed block of frr.conf: its marker lines, its name in messages. */
struct vr_frr_block {
	const char *begin, *end;
	const char *name; /* "vrrp", "bgp" */
};

/* vrrpd's block (`ballast vrrp`) and bgpd's (`ballast bgp`). */
extern const struct vr_frr_block vr_frr_vrrp, vr_frr_bgp;

/*
 * Pick this host's node among n items of `stride` bytes at `nodes`, each
 * with its name (a const char *) at name_off: the one named `name` when
 * given, else the one named like `hostname` (in full, or its first label).
 * 0 with *idx, or -ENOENT with a message in err naming the `section`'s
 * nodes and saying to pass --node.
 */
int vr_node_pick(const void *nodes, size_t n, size_t stride, size_t name_off,
		 const char *section, const char *name, const char *hostname,
		 size_t *idx, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/*
 * Which of cfg->vrrp.nodes this host is: the node named `name` when given,
 * else the one named like `hostname` (in full, or its first label). 0 with
 * *idx, or -ENOENT with a message for the operator in err (which names the
 * nodes and says to pass --node); -EINVAL when the file has no vrrp: section.
 */
int vr_node_select(const struct cfg *cfg, const char *name,
		   const char *hostname, size_t *idx, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* "0.1", "1", "2.55": keepalived's advert_int, seconds, from milliseconds. */
const char *vr_fmt_seconds(unsigned ms, char *buf, size_t len);

/*
 * keepalived's vrrp_instance blocks for node `node`: one per group and
 * address family (`ballast_GROUP`, `ballast_GROUP_v6`), after a header
 * naming the YAML (`source`, else cfg->path) and its sha256. 0 or -errno
 * from the stream.
 */
int vr_render_keepalived(const struct cfg *cfg, size_t node, const char *source,
			 FILE *out) __attribute__((warn_unused_result));

/*
 * The managed block for frr.conf, both marker lines included, the last
 * line without its newline: vrrpd's stanzas under `interface
 * HA_INTERFACE`. Only the vrrp: section shapes it, so an unrelated change
 * to the YAML leaves frr.conf untouched. 0 or -errno from the stream.
 */
int vr_render_frr(const struct cfg *cfg, size_t node, FILE *out)
    __attribute__((warn_unused_result));

/* What vr_frr_splice found and did. */
enum vr_splice {
	VR_SPLICE_UNCHANGED = 0, /* the block is already as rendered */
	VR_SPLICE_REPLACED,	 /* the block between the markers changed */
	VR_SPLICE_APPENDED,	 /* no markers: the block goes at the end */
};

/*
 * Put `block` (as vr_render_frr writes it, with the markers of k) into the
 * file text `old`: between k's marker lines when there is exactly one of
 * each, begin first; at the end when there is none. Every byte outside the
 * markers (another block's included) is kept, including a missing final
 * newline; appending adds one newline before the block when the text does
 * not end with one. Returns an enum
 * vr_splice with *out (malloc'd, to free; NULL when unchanged) and
 * *out_len, or -EINVAL with err saying which marker lines are wrong and
 * how to repair them, or -ENOMEM.
 */
int vr_frr_splice(const struct vr_frr_block *k, const char *old,
		  size_t old_len, const char *block, size_t block_len, char **out,
		  size_t *out_len, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/*
 * Print the managed block before and after, as a diff of lines ('-' old,
 * '+' new, ' ' both), for --diff.
 */
void vr_print_block_diff(const struct vr_frr_block *k, FILE *f,
			 const char *path, const char *old, size_t old_len,
			 const char *block, size_t block_len);

/* Options of vr_frr_patch_file. */
struct vr_patch_opts {
	bool dry_run; /* say what would change, write nothing */
	bool diff; /* print the block's diff (implies no write with dry_run) */
};

/*
 * Patch the file at path with block: read it, splice, and when it changed
 * write FILE.bak with the previous bytes, then replace FILE atomically
 * (temporary file in its directory, fsync, rename) with its mode and owner
 * kept. When path is a symbolic link, the file it names is replaced (and
 * backed up beside itself); the link stays. Nothing is written when the block is unchanged or with dry_run.
 * Returns an enum vr_splice, or a negative errno with err explaining
 * (unreadable file, bad markers, a failed write: the file is then intact).
 */
int vr_frr_patch_file(const struct vr_frr_block *k, const char *path,
		      const char *block, size_t block_len,
		      const struct vr_patch_opts *o, FILE *report, char *err,
		      size_t errlen) __attribute__((warn_unused_result));

#endif
