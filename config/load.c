// SPDX-License-Identifier: GPL-2.0-only
/*
 * Loading: bytes -> YAML document (libyaml's document API keeps every node's
 * line and column) -> duplicate-key check -> schema decoder -> defaults and
 * semantic checks -> struct cfg. Every phase collects all of its errors; a
 * later phase runs only when the earlier ones found none.
 */
#include "config/decode.h"
#include "lib/file.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Files larger than this are not configurations. */
#define CFG_MAX_FILE (256u << 20)

/* struct cfg is the first member so cfg_free() can find the arena. */
struct cfg_owner {
	struct cfg cfg;
	struct cfg_arena arena;
};

static void syntax_error(struct cfg_ctx *c, const yaml_parser_t *ps,
			 const char *buf, size_t len)
{
	struct cfg_loc at = {(uint32_t)ps->problem_mark.line + 1,
			     (uint32_t)ps->problem_mark.column + 1};
	const char *problem = ps->problem ? ps->problem : "malformed YAML";
	size_t idx = ps->problem_mark.index;

	if (idx < len && buf[idx] == '\t')
		cfg_err(c, CFG_DIAG_SYNTAX, at, "",
			"%s: YAML does not allow tabs here; indent with spaces",
			problem);
	else if (ps->context)
		cfg_err(c, CFG_DIAG_SYNTAX, at, "",
			"%s (%s that started at line %zu, column %zu)", problem,
			ps->context, ps->context_mark.line + 1,
			ps->context_mark.column + 1);
	else
		cfg_err(c, CFG_DIAG_SYNTAX, at, "", "%s", problem);
}

struct key_ref {
	const yaml_node_t *key;
};

static int key_cmp(const void *a, const void *b)
{
	const yaml_node_t *x = ((const struct key_ref *)a)->key;
	const yaml_node_t *y = ((const struct key_ref *)b)->key;
	size_t l = x->data.scalar.length < y->data.scalar.length
		       ? x->data.scalar.length
		       : y->data.scalar.length;
	int r = memcmp(x->data.scalar.value, y->data.scalar.value, l);

	if (r)
		return r;
	if (x->data.scalar.length != y->data.scalar.length)
		return x->data.scalar.length < y->data.scalar.length ? -1 : 1;
	/* Equal keys stay in document order, so the first is reported first. */
	return x < y ? -1 : x > y;
}

static bool same_key(const yaml_node_t *x, const yaml_node_t *y)
{
	return x->data.scalar.length == y->data.scalar.length &&
	       !memcmp(x->data.scalar.value, y->data.scalar.value,
		       x->data.scalar.length);
}

static void dup_key_error(struct cfg_ctx *c, const yaml_node_t *first,
			  const yaml_node_t *again)
{
	cfg_err(c, CFG_DIAG_SCHEMA, cfg_node_loc(again), "",
		"duplicate key '%s' (first at line %zu, column %zu); each key "
		"may appear once",
		(const char *)again->data.scalar.value,
		first->start_mark.line + 1, first->start_mark.column + 1);
}

/*
 * Every mapping of the document, in one linear pass over the node table:
 * small mappings by pairwise comparison, big ones (a pool map of thousands)
 * by sorting.
 */
void cfg_check_duplicate_keys(struct cfg_ctx *c)
{
	struct key_ref *refs = NULL;
	size_t cap = 0;

	for (yaml_node_t *n = c->doc->nodes.start; n < c->doc->nodes.top; n++) {
		size_t cnt, k = 0;

		if (n->type != YAML_MAPPING_NODE)
			continue;
		cnt = (size_t)(n->data.mapping.pairs.top -
			       n->data.mapping.pairs.start);
		if (cnt < 2)
			continue;
		if (cnt <= 16) {
			for (size_t i = 1; i < cnt; i++) {
				yaml_node_t *ki = cfg_node(
				    c, n->data.mapping.pairs.start[i].key);

				if (!ki || ki->type != YAML_SCALAR_NODE)
					continue;
				for (size_t j = 0; j < i; j++) {
					yaml_node_t *kj = cfg_node(
					    c,
					    n->data.mapping.pairs.start[j].key);

					if (kj &&
					    kj->type == YAML_SCALAR_NODE &&
					    kj != ki && same_key(ki, kj)) {
						dup_key_error(c, kj, ki);
						break;
					}
				}
			}
			continue;
		}
		if (cnt > cap) {
			struct key_ref *nr = realloc(refs, cnt * sizeof(*refs));

			if (!nr)
				break;
			refs = nr;
			cap = cnt;
		}
		for (size_t i = 0; i < cnt; i++) {
			yaml_node_t *ki =
			    cfg_node(c, n->data.mapping.pairs.start[i].key);

			if (ki && ki->type == YAML_SCALAR_NODE)
				refs[k++].key = ki;
		}
		qsort(refs, k, sizeof(*refs), key_cmp);
		for (size_t i = 1, first = 0; i < k; i++) {
			if (!same_key(refs[first].key, refs[i].key))
				first = i;
			else if (refs[i].key != refs[first].key)
				dup_key_error(c, refs[first].key, refs[i].key);
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

/* A second document in the stream is almost always a pasting accident. */
static void check_single_document(struct cfg_ctx *c, yaml_parser_t *ps,
				  const char *buf, size_t len)
{
	yaml_document_t next;
	yaml_node_t *root;

	if (!yaml_parser_load(ps, &next)) {
		syntax_error(c, ps, buf, len);
		return;
	}
	root = yaml_document_get_root_node(&next);
	if (root)
		cfg_err(c, CFG_DIAG_SYNTAX, cfg_node_loc(root), "",
			"a second YAML document starts here; the configuration "
			"is one document");
	yaml_document_delete(&next);
}

int cfg_load_buffer(const char *name, const char *buf, size_t len,
		    struct cfg **out, struct cfg_diags *diags)
{
	struct cfg_diags local = {0};
	struct cfg_arena scratch = {0};
	struct raw_root *root = NULL;
	struct cfg_owner *own;
	yaml_parser_t parser;
	yaml_document_t doc;
	struct cfg_ctx c;
	bool have_doc = false;
	size_t first_diag;
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
			     .doc = &doc};
	if (!yaml_parser_initialize(&parser)) {
		cfg_err(&c, CFG_DIAG_SYNTAX, (struct cfg_loc){0, 0}, "",
			"out of memory");
		ret = -ENOMEM;
		goto out_free;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &doc)) {
		syntax_error(&c, &parser, buf, len);
		goto out_parser;
	}
	have_doc = true;
	check_single_document(&c, &parser, buf, len);
	if (c.n_errors)
		goto out_parser;

	root = cfg_arena_alloc(&scratch, sizeof(*root));
	if (!root)
		goto out_nomem;
	cfg_check_duplicate_keys(&c);
	cfg_decode_root(&c, yaml_document_get_root_node(&doc), root);
	if (scratch.failed || own->arena.failed)
		goto out_nomem;
	if (c.n_errors)
		goto out_parser;

	own->cfg.path = cfg_arena_strdup(&own->arena, name);
	sha256_hex(buf, len, own->cfg.sha256);
	cfg_build(&c, root, &own->cfg);
	if (scratch.failed || own->arena.failed)
		goto out_nomem;
	if (c.n_errors)
		goto out_parser;
	*out = &own->cfg;
	own = NULL;
	ret = 0;
	goto out_parser;

out_nomem:
	cfg_err(&c, CFG_DIAG_SYNTAX, (struct cfg_loc){0, 0}, "",
		"out of memory while loading the configuration");
	ret = -ENOMEM;
out_parser:
	if (have_doc)
		yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
out_free:
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
	err = lb_read_file(path, CFG_MAX_FILE, &buf, &len);
	if (err) {
		cfg_diag_add(
		    diags, path, 0, 0, CFG_SEV_ERROR, CFG_DIAG_SYNTAX, "",
		    "cannot read the configuration: %s%s", strerror(-err),
		    err == -ENOENT ? " (pass -c FILE or set " CFG_ENV_PATH ")"
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
