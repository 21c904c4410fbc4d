// SPDX-License-Identifier: GPL-2.0-only
/*
 * Loading: bytes -> node tree built from libyaml's events (ytree.c: 12
 * bytes a node, positions computed on demand, limits on depth, nodes and
 * alias expansion checked as the events arrive) -> duplicate-key check ->
 * schema decoder -> defaults and semantic checks -> struct cfg. libyaml's
 * document API is not used: it costs ~85 bytes per input byte and has no
 * limits. Every phase collects all of its errors; a later phase runs only
 * when the earlier ones found none.
 */
#include "config/decode.h"
#include "config/ytree.h"
#include "lib/file.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Files this large are not configurations. */
#define CFG_MAX_FILE (256u << 20)

/* struct cfg is the first member so cfg_free() can find the arena. */
struct cfg_owner {
	struct cfg cfg;
	struct cfg_arena arena;
};

/* Mapping keys, sorted by text then document order; qsort_r context. */
static int key_cmp(const void *a, const void *b, void *arg)
{
	const struct cfg_ytree *t = arg;
	const struct cfg_ynode *x = *(const struct cfg_ynode *const *)a;
	const struct cfg_ynode *y = *(const struct cfg_ynode *const *)b;
	const struct cfg_ynode *rx = cfg_ytree_deref(t, x);
	const struct cfg_ynode *ry = cfg_ytree_deref(t, y);
	size_t l = rx->b < ry->b ? rx->b : ry->b;
	int r = memcmp(cfg_ytree_value(t, rx), cfg_ytree_value(t, ry), l);

	if (r)
		return r;
	if (rx->b != ry->b)
		return rx->b < ry->b ? -1 : 1;
	/* Equal keys stay in document order, so the first is reported first. */
	return x < y ? -1 : x > y;
}

static bool scalar_key(const struct cfg_ytree *t, const struct cfg_ynode *k)
{
	return cfg_ynode_type(cfg_ytree_deref(t, k)) == CFG_YSCALAR;
}

/*
 * Reported where the second key is written: an alias used as a key is a
 * node of its own, so `*k: 1` after `&k port: 2` is caught at the alias.
 */
static void dup_key_error(struct cfg_ctx *c, const struct cfg_ynode *first,
			  const struct cfg_ynode *again)
{
	struct cfg_ytree *t = c->tree;
	const struct cfg_ynode *v = cfg_ytree_deref(t, again);
	struct cfg_loc f;

	/* Past the cap the error is only counted: spare the positions. */
	if (c->n_errors >= CFG_MAX_ERRORS) {
		cfg_err(c, CFG_DIAG_SCHEMA, (struct cfg_loc){0, 0}, "",
			"duplicate key");
		return;
	}
	f = cfg_node_loc(c, first);

	cfg_err(c, CFG_DIAG_SCHEMA, cfg_node_loc(c, again), "",
		"duplicate key '%.*s' (first at line %u, column %u); each key "
		"may appear once",
		(int)(v->b < 200 ? v->b : 200), cfg_ytree_value(t, v), f.line,
		f.col);
}

/*
 * Every mapping of the document, in one linear pass over the node array:
 * small mappings by pairwise comparison, big ones (a pool map of thousands)
 * by sorting.
 */
void cfg_check_duplicate_keys(struct cfg_ctx *c)
{
	struct cfg_ytree *t = c->tree;
	const struct cfg_ynode **refs = NULL;
	size_t cap = 0;

	for (uint32_t ni = 0; ni < t->n; ni++) {
		const struct cfg_ynode *n = &t->nodes[ni];
		size_t cnt = cfg_ynode_count(n) / 2, k = 0;

		if (cfg_ynode_type(n) != CFG_YMAP || cnt < 2)
			continue;
		if (cnt > cap) {
			const struct cfg_ynode **nr =
			    realloc(refs, cnt * sizeof(*refs));

			if (!nr)
				break;
			refs = nr;
			cap = cnt;
		}
		cfg_node_for_each(n, kr)
		{
			if (scalar_key(t, kr))
				refs[k++] = kr;
			kr = cfg_ytree_skip(kr);
		}
		if (k <= 16) {
			for (size_t i = 1; i < k; i++) {
				for (size_t j = 0; j < i; j++) {
					if (cfg_ytree_same_text(t, refs[i],
								refs[j])) {
						dup_key_error(c, refs[j],
							      refs[i]);
						break;
					}
				}
			}
			continue;
		}
		qsort_r(refs, k, sizeof(*refs), key_cmp, t);
		for (size_t i = 1, first = 0; i < k; i++) {
			if (!cfg_ytree_same_text(t, refs[first], refs[i]))
				first = i;
			else
				dup_key_error(c, refs[first], refs[i]);
		}
	}
	free(refs);
}

static void sha256_hex(const char *buf, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	out[0] = 0;
	if (!EVP_Digest(buf, len, md, &mdlen, EVP_sha256(), NULL))
		return;
	for (unsigned int i = 0; i < mdlen && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void put_utf8(char *out, size_t *n, uint32_t cp)
{
	if (cp < 0x80) {
		out[(*n)++] = (char)cp;
	} else if (cp < 0x800) {
		out[(*n)++] = (char)(0xc0 | cp >> 6);
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		out[(*n)++] = (char)(0xe0 | cp >> 12);
		out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	} else {
		out[(*n)++] = (char)(0xf0 | cp >> 18);
		out[(*n)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
		out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	}
}

/*
 * The text the tree's offsets refer to: UTF-8 without a byte-order mark.
 * YAML also allows UTF-16 with a mark; that is converted here. Returns 0,
 * -EINVAL after reporting, or -ENOMEM.
 */
static int source_text(struct cfg_ctx *c, const char *buf, size_t len,
		       const char **src, size_t *slen, char **owned)
{
	const unsigned char *u = (const unsigned char *)buf;
	bool le;
	size_t n = 0, i;
	char *out;

	*owned = NULL;
	*src = buf;
	*slen = len;
	if (len >= 3 && u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf) {
		*src = buf + 3;
		*slen = len - 3;
		return 0;
	}
	if (len < 2 ||
	    !((u[0] == 0xff && u[1] == 0xfe) || (u[0] == 0xfe && u[1] == 0xff)))
		return 0;
	le = u[0] == 0xff;
	/* Each UTF-16 unit becomes at most 3 bytes of UTF-8. */
	out = malloc(len / 2 * 3 + 1);
	if (!out)
		return -ENOMEM;
	for (i = 2; i + 1 < len; i += 2) {
		uint32_t cp = le ? (uint32_t)(u[i] | u[i + 1] << 8)
				 : (uint32_t)(u[i] << 8 | u[i + 1]);

		if (cp >= 0xd800 && cp < 0xdc00 && i + 3 < len) {
			uint32_t lo = le ? (uint32_t)(u[i + 2] | u[i + 3] << 8)
					 : (uint32_t)(u[i + 2] << 8 | u[i + 3]);

			if (lo >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     (lo - 0xdc00);
				i += 2;
			}
		}
		if (cp >= 0xd800 && cp < 0xe000)
			break;
		put_utf8(out, &n, cp);
	}
	if (i < len) {
		struct cfg_ytree t = {.src = out, .len = n, .ascii = false};

		cfg_err(c, CFG_DIAG_SYNTAX, cfg_ytree_loc(&t, n), "",
			"invalid UTF-16 (a lone surrogate or an odd byte at "
			"the end); save the configuration as UTF-8");
		cfg_ytree_free(&t);
		free(out);
		return -EINVAL;
	}
	*owned = out;
	*src = out;
	*slen = n;
	return 0;
}

int cfg_load_buffer(const char *name, const char *buf, size_t len,
		    struct cfg **out, struct cfg_diags *diags)
{
	struct cfg_diags local = {0};
	struct cfg_arena scratch = {0};
	struct raw_root *root = NULL;
	struct cfg_ytree tree = {0};
	struct cfg_owner *own;
	const char *src;
	char *owned = NULL;
	struct cfg_ctx c;
	size_t first_diag, slen;
	int ret = -EINVAL;

	*out = NULL;
	if (!diags)
		diags = &local;
	first_diag = diags->n;
	if (!name)
		name = "<config>";
	own = calloc(1, sizeof(*own));
	if (!own) {
		cfg_diag_add(diags, name, 0, 0, CFG_SEV_ERROR, CFG_DIAG_SYNTAX,
			     "", "out of memory");
		cfg_diags_free(&local);
		return -ENOMEM;
	}
	c = (struct cfg_ctx){.file = name,
			     .diags = diags,
			     .arena = &own->arena,
			     .scratch = &scratch,
			     .tree = &tree};
	ret = source_text(&c, buf, len, &src, &slen, &owned);
	if (!ret)
		ret = cfg_ytree_parse(&tree, &c, src, slen);
	if (ret == -ENOMEM)
		goto out_nomem;
	if (ret || c.n_errors)
		goto out;
	ret = -EINVAL;

	root = cfg_arena_alloc(&scratch, sizeof(*root));
	if (!root)
		goto out_nomem;
	cfg_check_duplicate_keys(&c);
	cfg_decode_root(&c, cfg_ytree_root(&tree), root);
	if (scratch.failed || own->arena.failed)
		goto out_nomem;
	if (c.n_errors)
		goto out;
	/* The document is decoded: the tree is no longer needed. */
	cfg_ytree_free(&tree);
	free(owned);
	owned = NULL;

	own->cfg.path = cfg_arena_strdup(&own->arena, name);
	sha256_hex(buf, len, own->cfg.sha256);
	cfg_build(&c, root, &own->cfg);
	if (scratch.failed || own->arena.failed)
		goto out_nomem;
	if (c.n_errors)
		goto out;
	*out = &own->cfg;
	own = NULL;
	ret = 0;
	goto out;

out_nomem:
	cfg_err(&c, CFG_DIAG_SYNTAX, (struct cfg_loc){0, 0}, "",
		"out of memory while loading the configuration");
	ret = -ENOMEM;
out:
	cfg_diags_end(&c);
	cfg_ytree_free(&tree);
	free(owned);
	cfg_diags_sort(diags, first_diag);
	cfg_arena_free(&scratch);
	if (own) {
		cfg_arena_free(&own->arena);
		free(own);
	}
	cfg_diags_free(&local);
	return ret;
}

int cfg_load(const char *path, struct cfg **out, struct cfg_diags *diags)
{
	char *buf = NULL;
	size_t len = 0;
	int err;

	*out = NULL;
	if (!path)
		path = cfg_default_path(NULL);
	/* Node offsets are 28 bits: the file is below 256 MiB. */
	err = lb_read_file(path, CFG_MAX_FILE - 1, &buf, &len);
	if (err) {
		cfg_diag_add(
		    diags, path, 0, 0, CFG_SEV_ERROR, CFG_DIAG_SYNTAX, "",
		    "cannot read the configuration: %s%s", strerror(-err),
		    err == -ENOENT  ? " (pass -c FILE or set " CFG_ENV_PATH ")"
		    : err == -EFBIG ? " (the limit is 256 MiB)"
				    : "");
		return err;
	}
	err = cfg_load_buffer(path, buf, len, out, diags);
	free(buf);
	return err;
}

void cfg_free(struct cfg *cfg)
{
	struct cfg_owner *own = (struct cfg_owner *)cfg;

	if (!own)
		return;
	cfg_arena_free(&own->arena);
	free(own);
}
