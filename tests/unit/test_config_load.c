// SPDX-License-Identifier: GPL-2.0-only
/*
 * The YAML node tree (config/ytree.c) and what loading through it must
 * report: positions equal to libyaml's own marks, aliases, the nesting,
 * alias and diagnostics limits, duplicate keys written as aliases, keys with
 * a NUL byte, and reader errors at their real line and column.
 */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "config/config.h"
#include "config/internal.h"
#include "config/ytree.h"
#include "tests/lib/check_main.h"

struct env {
	struct cfg_diags d;
	struct cfg_arena arena, scratch;
	struct cfg_ytree t;
	struct cfg_ctx c;
};

static int parse(struct env *e, const char *text, size_t len)
{
	memset(e, 0, sizeof(*e));
	e->c = (struct cfg_ctx){.file = "t.yaml",
				.diags = &e->d,
				.arena = &e->arena,
				.scratch = &e->scratch,
				.tree = &e->t};
	return cfg_ytree_parse(&e->t, &e->c, text, len);
}

static void env_free(struct env *e)
{
	cfg_ytree_free(&e->t);
	cfg_arena_free(&e->arena);
	cfg_arena_free(&e->scratch);
	cfg_diags_free(&e->d);
}

/* Load text; return the diagnostics (the caller frees them). */
static struct cfg_diags load(const char *text, size_t len)
{
	struct cfg_diags d = {0};
	struct cfg *cfg = NULL;
	int err = cfg_load_buffer("t.yaml", text, len, &cfg, &d);

	ck_assert_int_eq(err == 0, cfg != NULL);
	cfg_free(cfg);
	return d;
}

static bool has_diag(const struct cfg_diags *d, uint32_t line, uint32_t col,
		     const char *text)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->items[i].line == line && d->items[i].col == col &&
		    strstr(d->items[i].message, text))
			return true;
	return false;
}

static void dump(const struct cfg_diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		fprintf(stderr, "  %u:%u: %s\n", d->items[i].line,
			d->items[i].col, d->items[i].message);
}

#define ASSERT_DIAG(d, l, c, text)                                             \
	do {                                                                   \
		if (!has_diag(d, l, c, text))                                  \
			dump(d);                                               \
		ck_assert_msg(has_diag(d, l, c, text), "no %d:%d: %s", l, c,   \
			      text);                                           \
	} while (0)

/* ---- marks ------------------------------------------------------------- */

/*
 * Every node of the tree against libyaml's event for it: same order, same
 * kind, same value, and the line and column computed from the byte offset
 * equal to libyaml's mark.
 */
static void check_marks(const char *name, const char *text, size_t len)
{
	struct env e;
	yaml_parser_t ps;
	yaml_event_t ev;
	uint32_t i = 0;
	bool done = false;

	ck_assert_msg(parse(&e, text, len) == 0, "%s does not parse", name);
	ck_assert(yaml_parser_initialize(&ps));
	yaml_parser_set_input_string(&ps, (const unsigned char *)text, len);
	while (!done) {
		const struct cfg_ynode *n;
		struct cfg_loc at;
		enum cfg_ytype want;

		ck_assert(yaml_parser_parse(&ps, &ev));
		switch (ev.type) {
		case YAML_SCALAR_EVENT:
			want = CFG_YSCALAR;
			break;
		case YAML_SEQUENCE_START_EVENT:
			want = CFG_YSEQ;
			break;
		case YAML_MAPPING_START_EVENT:
			want = CFG_YMAP;
			break;
		case YAML_ALIAS_EVENT:
			want = CFG_YALIAS;
			break;
		default:
			done = ev.type == YAML_STREAM_END_EVENT;
			yaml_event_delete(&ev);
			continue;
		}
		ck_assert_msg(i < e.t.n, "%s: fewer nodes than events", name);
		n = &e.t.nodes[i++];
		ck_assert_int_eq(cfg_ynode_type(n), want);
		at = cfg_ytree_loc(&e.t, cfg_ynode_off(n));
		ck_assert_msg(at.line == ev.start_mark.line + 1 &&
				  at.col == ev.start_mark.column + 1,
			      "%s: node %u at %u:%u, libyaml says %zu:%zu",
			      name, i - 1, at.line, at.col,
			      ev.start_mark.line + 1, ev.start_mark.column + 1);
		if (want == CFG_YSCALAR) {
			ck_assert_uint_eq(n->b, ev.data.scalar.length);
			ck_assert(!memcmp(cfg_ytree_value(&e.t, n),
					  ev.data.scalar.value, n->b));
			ck_assert_int_eq(cfg_ynode_plain(n),
					 ev.data.scalar.style ==
					     YAML_PLAIN_SCALAR_STYLE);
		}
		yaml_event_delete(&ev);
	}
	ck_assert_uint_eq(i, e.t.n);
	yaml_parser_delete(&ps);
	env_free(&e);
}

START_TEST(marks_match_libyaml)
{
	static const char *const texts[] = {
	    "a: b\nc: [d, e, {f: g}]\n",
	    "a: b\r\nc: d\re: f\r\n  \r\ng: h",
	    "\xc3\xa9t\xc3\xa9: caf\xc3\xa9\nb: [\xe2\x82\xac, x]\n",
	    "a: b\xc2\x85"
	    "c: d\xe2\x80\xa8"
	    "e: f\xe2\x80\xa9g: h\n",
	    "s: 'it''s'\nd: \"tab\\there\"\nm: \"two\n  lines\"\n",
	    "f: >\n  folded\n  text\nl: |\n  literal\n  \xc3\xa9\n",
	    "x: &a {k: v}\ny: *a\nz: [&s 1, *s]\n",
	    "- \"\xe2\x82\xac\xe2\x82\xac\" : 1\n- \xf0\x9f\x98\x80: 2\n",
	    "a: b\t# a tab, then a comment\nc:\td\n",
	    "? complex\n: value\n",
	    "",
	};
	char pat[4096];
	glob_t g;

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		char name[32];

		snprintf(name, sizeof(name), "text %zu", i);
		check_marks(name, texts[i], strlen(texts[i]));
	}
	/* And every file of the corpus that parses. */
	snprintf(pat, sizeof(pat), "%s/tests/configs/*/*.yaml", test_srcdir());
	ck_assert_int_eq(glob(pat, 0, NULL, &g), 0);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		char *buf = malloc(1 << 20);
		FILE *f = fopen(g.gl_pathv[i], "r");
		size_t n;
		struct env e;

		ck_assert_ptr_nonnull(buf);
		ck_assert_ptr_nonnull(f);
		n = fread(buf, 1, 1 << 20, f);
		fclose(f);
		if (!parse(&e, buf, n) && !e.d.n)
			check_marks(g.gl_pathv[i], buf, n);
		env_free(&e);
		free(buf);
	}
	globfree(&g);
}
END_TEST

START_TEST(plain_scalars_stay_in_source)
{
	const char *text = "a: plain\nb: 'quoted'\nc: \"esc\\n\"\n";
	struct env e;

	ck_assert_int_eq(parse(&e, text, strlen(text)), 0);
	/* a, plain, b, quoted in the source; esc\n in the store. */
	ck_assert(!cfg_ynode_stored(&e.t.nodes[2]));
	ck_assert_ptr_eq(cfg_ytree_value(&e.t, &e.t.nodes[2]), text + 3);
	ck_assert(!cfg_ynode_stored(&e.t.nodes[4]));
	ck_assert(cfg_ynode_stored(&e.t.nodes[6]));
	ck_assert_str_eq(cfg_ytree_value(&e.t, &e.t.nodes[6]), "esc\n");
	ck_assert_uint_eq(sizeof(struct cfg_ynode), 12);
	env_free(&e);
}
END_TEST

/* ---- aliases ----------------------------------------------------------- */

START_TEST(aliases_point_at_the_anchor)
{
	const char *text = "x: &a {k: [1, 2]}\ny: *a\n";
	const struct cfg_ynode *root, *y;
	struct env e;

	ck_assert_int_eq(parse(&e, text, strlen(text)), 0);
	root = cfg_ytree_root(&e.t);
	ck_assert_int_eq(cfg_ynode_type(root), CFG_YMAP);
	ck_assert_uint_eq(cfg_ynode_count(root), 4);
	/* x, {k: [1, 2]} (5 nodes), y, *a */
	y = cfg_ytree_skip(cfg_ytree_skip(cfg_ytree_first(root)));
	y = cfg_ytree_skip(y);
	ck_assert_int_eq(cfg_ynode_type(y), CFG_YALIAS);
	ck_assert_ptr_eq(cfg_ytree_deref(&e.t, y), &e.t.nodes[2]);
	ck_assert_ptr_eq(cfg_ytree_skip(y), cfg_ytree_end(root));
	ck_assert_uint_eq(e.t.n, 9);
	env_free(&e);

	/* A whole configuration through anchors and aliases. */
	const char *cfgtext =
	    "version: 1\n"
	    "dataplane: {driver: fake}\n"
	    "pools:\n"
	    "  a: &pool {health: &hc {type: tcp, interval: 3s},\n"
	    "            backends: [10.0.0.1:80, 10.0.0.2:80]}\n"
	    "  b: *pool\n"
	    "services:\n"
	    "  - {name: a, address: 192.0.2.1, port: 80, pool: a}\n"
	    "  - {name: b, address: 192.0.2.2, port: 80, pool: b}\n";
	struct cfg_diags d = {0};
	struct cfg *cfg = NULL;

	ck_assert_int_eq(
	    cfg_load_buffer("t.yaml", cfgtext, strlen(cfgtext), &cfg, &d), 0);
	ck_assert_uint_eq(cfg->n_pools, 2);
	ck_assert_uint_eq(cfg->pools[1].n_backends, 2);
	cfg_free(cfg);
	cfg_diags_free(&d);
}
END_TEST

START_TEST(alias_errors)
{
	struct cfg_diags d;

	d = load("version: 1\ndataplane: *nope\n", 28);
	ASSERT_DIAG(&d, 2, 12, "alias '*nope' names no anchor");
	cfg_diags_free(&d);

	d = load("a: &x [1, *x]\n", 14);
	ASSERT_DIAG(&d, 1, 11, "alias '*x' is inside the node it names");
	ck_assert_uint_eq(d.n_errors, 1);
	cfg_diags_free(&d);

	d = load("a: &x 1\nb: &x 2\n", 16);
	ASSERT_DIAG(&d, 2, 4,
		    "anchor '&x' is defined a second time (first "
		    "at line 1, column 4)");
	cfg_diags_free(&d);
}
END_TEST

START_TEST(alias_expansion_limit)
{
	/* Billion laughs: nine levels of ten aliases each. */
	char text[2048];
	size_t len = 0;
	struct cfg_diags d;

	len += (size_t)snprintf(text + len, sizeof(text) - len,
				"l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
	for (int i = 1; i < 9; i++) {
		len += (size_t)snprintf(text + len, sizeof(text) - len,
					"l%d: &l%d [", i, i);
		for (int k = 0; k < 10; k++)
			len += (size_t)snprintf(text + len, sizeof(text) - len,
						"%s*l%d", k ? ", " : "", i - 1);
		len += (size_t)snprintf(text + len, sizeof(text) - len, "]\n");
	}
	d = load(text, len);
	ck_assert_uint_eq(d.n_errors, 1);
	/* l6 expands to 11,111,111 nodes; the first alias of l7 (line 8)
	 * takes the total past 16 Mi. */
	ck_assert_uint_eq(d.items[0].line, 8);
	ck_assert_ptr_nonnull(strstr(d.items[0].message, "aliases expand"));
	cfg_diags_free(&d);
}
END_TEST

/* ---- limits ------------------------------------------------------------ */

START_TEST(depth_limit)
{
	size_t n = 200000, len;
	char *text = malloc(n + 64);
	struct cfg_diags d;

	ck_assert_ptr_nonnull(text);
	len = (size_t)snprintf(text, 64, "version: 1\nnest: ");
	memset(text + len, '[', n);
	len += n;
	d = load(text, len);
	ck_assert_uint_eq(d.n_errors, 1);
	ASSERT_DIAG(&d, 2, 7 + CFG_YAML_MAX_DEPTH - 1, "nest deeper than 64");
	cfg_diags_free(&d);

	/* 63 levels under the root mapping are fine. */
	len = (size_t)snprintf(text, 64, "nest: ");
	memset(text + len, '[', CFG_YAML_MAX_DEPTH - 1);
	len += CFG_YAML_MAX_DEPTH - 1;
	memset(text + len, ']', CFG_YAML_MAX_DEPTH - 1);
	len += CFG_YAML_MAX_DEPTH - 1;
	d = load(text, len);
	ASSERT_DIAG(&d, 1, 1, "unknown key 'nest'");
	cfg_diags_free(&d);

	/* Block collections count too. */
	len = 0;
	for (int i = 0; i <= CFG_YAML_MAX_DEPTH; i++)
		len += (size_t)snprintf(text + len, n + 64 - len, "%*s- \n",
					2 * i, "");
	d = load(text, len);
	ck_assert_uint_eq(d.n_errors, 1);
	ASSERT_DIAG(&d, 65, 129, "nest deeper than 64");
	cfg_diags_free(&d);
	free(text);
}
END_TEST

START_TEST(diagnostics_cap)
{
	/* Ten thousand and one times the same key: 10,000 duplicates and
	 * the unknown key above them, 200 of them stored. */
	size_t n = 10001, len = 0, cap = 64 + n * 8;
	char *text = malloc(cap);
	struct cfg_diags d;

	ck_assert_ptr_nonnull(text);
	len += (size_t)snprintf(text, cap,
				"version: 1\ndataplane: {driver: fake}\nx:\n");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len, "  k: v\n");
	d = load(text, len);
	ck_assert_uint_eq(d.n_errors, CFG_MAX_ERRORS + 1);
	ck_assert_uint_eq(d.n, CFG_MAX_ERRORS + 1);
	ck_assert_str_eq(d.items[d.n - 1].message,
			 "too many errors: 9801 more not shown (the first 200 "
			 "are listed)");
	ASSERT_DIAG(&d, 5, 3, "duplicate key 'k' (first at line 4, column 3)");
	cfg_diags_free(&d);
	free(text);
}
END_TEST

/* ---- keys -------------------------------------------------------------- */

static const char svc_head[] = "version: 1\n"
			       "dataplane: {driver: fake}\n"
			       "pools: {p: {backends: [10.0.0.1:80, "
			       "10.0.0.2:80]}}\n"
			       "services:\n"
			       "  - name: web\n"
			       "    address: 192.0.2.1\n";

START_TEST(alias_key_duplicate)
{
	char text[512];
	int len =
	    snprintf(text, sizeof(text),
		     "%s    &k port: 80\n    pool: p\n    *k : 81\n", svc_head);
	struct cfg_diags d = load(text, (size_t)len);

	ck_assert_uint_eq(d.n_errors, 1);
	ASSERT_DIAG(&d, 9, 5,
		    "duplicate key 'port' (first at line 7, column 5)");
	cfg_diags_free(&d);

	/* In a big mapping too (the sorted path). */
	len = snprintf(text, sizeof(text), "x:\n  &k a: 1\n");
	for (int i = 0; i < 20; i++)
		len += snprintf(text + len, sizeof(text) - (size_t)len,
				"  k%d: 1\n", i);
	len += snprintf(text + len, sizeof(text) - (size_t)len, "  *k : 2\n");
	d = load(text, (size_t)len);
	ASSERT_DIAG(&d, 23, 3, "duplicate key 'a' (first at line 2, column 3)");
	cfg_diags_free(&d);
}
END_TEST

START_TEST(nul_key)
{
	char text[512];
	int len = snprintf(
	    text, sizeof(text),
	    "%s    port: 80\n    pool: p\n    \"port\\0x\": 81\n", svc_head);
	struct cfg_diags d = load(text, (size_t)len);

	ck_assert_uint_eq(d.n_errors, 1);
	ASSERT_DIAG(&d, 9, 5, "a key of service contains a NUL character");
	cfg_diags_free(&d);
}
END_TEST

/* ---- reader errors ----------------------------------------------------- */

START_TEST(reader_error_position)
{
	static const char bad_utf8[] = "version: 1\n"
				       "dataplane: {driver: fake}\n"
				       "x: [\xc3\xa9t\xc3\xa9, \xff]\n";
	static const char nul[] = "version: 1\r\n"
				  "x: ab\0c\n";
	static const char late[] = "a: 1\n"
				   "b: \xe2\x82\xac\xe2\x82";
	struct cfg_diags d;

	d = load(bad_utf8, sizeof(bad_utf8) - 1);
	ck_assert_uint_eq(d.n_errors, 1);
	ASSERT_DIAG(&d, 3, 10, "invalid leading UTF-8 octet (byte 0xFF)");
	cfg_diags_free(&d);

	d = load(nul, sizeof(nul) - 1);
	ck_assert_uint_eq(d.n_errors, 1);
	ASSERT_DIAG(&d, 2, 6, "control characters are not allowed (U+0000)");
	cfg_diags_free(&d);

	d = load(late, sizeof(late) - 1);
	ck_assert_uint_eq(d.n_errors, 1);
	ASSERT_DIAG(&d, 2, 5, "incomplete UTF-8 octet sequence");
	cfg_diags_free(&d);
}
END_TEST

START_TEST(utf16_and_bom)
{
	static const char doc[] = "version: 1\ndataplane: {driver: fak}\n";
	char buf[256];
	size_t n = 0;
	struct cfg_diags d;

	/* UTF-8 with a byte-order mark. */
	memcpy(buf, "\xef\xbb\xbf", 3);
	memcpy(buf + 3, doc, sizeof(doc) - 1);
	d = load(buf, sizeof(doc) + 2);
	ASSERT_DIAG(&d, 2, 21, "unknown driver 'fak'");
	cfg_diags_free(&d);

	/* UTF-16LE with its mark: same positions. */
	buf[n++] = (char)0xff;
	buf[n++] = (char)0xfe;
	for (size_t i = 0; i < sizeof(doc) - 1; i++) {
		buf[n++] = doc[i];
		buf[n++] = 0;
	}
	d = load(buf, n);
	ck_assert_uint_eq(d.n_errors, 1);
	ASSERT_DIAG(&d, 2, 21, "unknown driver 'fak'");
	cfg_diags_free(&d);

	/* A lone surrogate. */
	buf[n++] = 0x00;
	buf[n++] = (char)0xd8;
	d = load(buf, n);
	ASSERT_DIAG(&d, 3, 1, "invalid UTF-16");
	cfg_diags_free(&d);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("config_load");
	TCase *tc = tcase_create("tree");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, marks_match_libyaml);
	tcase_add_test(tc, plain_scalars_stay_in_source);
	tcase_add_test(tc, aliases_point_at_the_anchor);
	tcase_add_test(tc, alias_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, alias_expansion_limit);
	tcase_add_test(tc, depth_limit);
	tcase_add_test(tc, diagnostics_cap);
	suite_add_tcase(s, tc);

	tc = tcase_create("keys_and_text");
	tcase_add_test(tc, alias_key_duplicate);
	tcase_add_test(tc, nul_key);
	tcase_add_test(tc, reader_error_position);
	tcase_add_test(tc, utf16_and_bom);
	suite_add_tcase(s, tc);
	return s;
}
