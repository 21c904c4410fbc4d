/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The YAML document as the decoder sees it: a compact node tree built from
 * libyaml's events (config/ytree.c). Nodes sit in one array in pre-order,
 * 12 bytes each; a collection records the size of its subtree, so its
 * children are found by skipping over sibling subtrees. A scalar's value
 * points into the source when it is the source's bytes verbatim, else into a
 * side store. An alias is a node that names the anchored node; nothing is
 * copied. Line and column are computed from a byte offset only when asked.
 *
 * Internal to config/.
 */
#ifndef BALLAST_CONFIG_YTREE_H
#define BALLAST_CONFIG_YTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/internal.h"

/* Limits on what a file may make the loader build (Docs/CONFIG.md). */
#define CFG_YAML_MAX_DEPTH 64
#define CFG_YAML_MAX_NODES (16u << 20)
#define CFG_YAML_MAX_EXPANDED (16u << 20)

enum cfg_ytype {
	CFG_YSCALAR,
	CFG_YSEQ,
	CFG_YMAP,
	CFG_YALIAS,
};

struct cfg_ynode {
	/* bits 0-1 type, 2 plain scalar, 3 value in the side store,
	 * 4-31 byte offset of the node's start in the source */
	uint32_t hdr;
	uint32_t a; /* scalar: value offset; collection: subtree size;
		       alias: index of the anchored node */
	uint32_t b; /* scalar: value length; collection: number of children */
};

struct cfg_ytree {
	const char *src; /* UTF-8 text the marks refer to */
	size_t len;
	bool ascii; /* src has no byte above 0x7f: characters are bytes */
	struct cfg_ynode *nodes;
	uint32_t n, cap;
	uint32_t root; /* index, or UINT32_MAX for an empty document */
	char *store;   /* values that differ from their source text */
	size_t store_len, store_cap;
	uint32_t *lines; /* byte offset of each line's start, built on demand */
	uint32_t n_lines;
	struct cfg_loc_cache {
		uint32_t line, off, col;
		bool valid;
	} last;
};

/*
 * Parse src (UTF-8, no byte-order mark) into t. Syntax errors and exceeded
 * limits are reported through c; returns 0, -EINVAL after reporting, or
 * -ENOMEM.
 */
int cfg_ytree_parse(struct cfg_ytree *t, struct cfg_ctx *c, const char *src,
		    size_t len);
void cfg_ytree_free(struct cfg_ytree *t);

/* Line and column (1-based, columns in characters) of a byte offset. */
struct cfg_loc cfg_ytree_loc(struct cfg_ytree *t, size_t off);

static inline enum cfg_ytype cfg_ynode_type(const struct cfg_ynode *n)
{
	return (enum cfg_ytype)(n->hdr & 3);
}

static inline bool cfg_ynode_plain(const struct cfg_ynode *n)
{
	return n->hdr & 4;
}

static inline uint32_t cfg_ynode_off(const struct cfg_ynode *n)
{
	return n->hdr >> 4;
}

/* The value is in the side store, which NUL-terminates it. */
static inline bool cfg_ynode_stored(const struct cfg_ynode *n)
{
	return n->hdr & 8;
}

/* Children of a collection: [first, end), stepping with cfg_ytree_skip. */
static inline const struct cfg_ynode *cfg_ytree_first(const struct cfg_ynode *n)
{
	return n + 1;
}

static inline const struct cfg_ynode *cfg_ytree_end(const struct cfg_ynode *n)
{
	return n + n->a;
}

static inline const struct cfg_ynode *cfg_ytree_skip(const struct cfg_ynode *n)
{
	enum cfg_ytype ty = cfg_ynode_type(n);

	return ty == CFG_YSEQ || ty == CFG_YMAP ? n + n->a : n + 1;
}

static inline size_t cfg_ynode_count(const struct cfg_ynode *n)
{
	return n->b;
}

/* The node an alias names; any other node itself. */
static inline const struct cfg_ynode *cfg_ytree_deref(const struct cfg_ytree *t,
						      const struct cfg_ynode *n)
{
	return n && cfg_ynode_type(n) == CFG_YALIAS ? &t->nodes[n->a] : n;
}

/* A scalar's value: not NUL-terminated, may contain NUL. */
static inline const char *cfg_ytree_value(const struct cfg_ytree *t,
					  const struct cfg_ynode *n)
{
	return (n->hdr & 8 ? t->store : t->src) + n->a;
}

static inline const struct cfg_ynode *cfg_ytree_root(const struct cfg_ytree *t)
{
	return t->root == UINT32_MAX ? NULL : &t->nodes[t->root];
}

/* Same scalar text (after resolving aliases). */
bool cfg_ytree_same_text(const struct cfg_ytree *t, const struct cfg_ynode *x,
			 const struct cfg_ynode *y);

#endif
