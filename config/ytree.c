// SPDX-License-Identifier: GPL-2.0-only
/*
 * Builds the compact node tree (ytree.h) from libyaml's events. libyaml's own
 * document API costs about 85 bytes of memory per input byte and has neither
 * a nesting limit nor an alias-expansion limit; here a node costs 12 bytes,
 * plain scalars stay in the source, and every limit is checked as the events
 * arrive, so a hostile file stops early at the line where it went wrong.
 */
#include "config/ytree.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define NO_ANCHOR UINT32_MAX
#define OPEN UINT64_MAX

/* ---- positions --------------------------------------------------------- */

static size_t u8_width(unsigned char b)
{
	if (b < 0xc0)
		return 1;
	if (b < 0xe0)
		return 2;
	if (b < 0xf0)
		return 3;
	return 4;
}

/*
 * libyaml's mark.index counts characters; the tree stores bytes. Marks
 * arrive almost in order, so a cursor that walks from the last answer makes
 * the conversion linear over a whole file.
 */
struct cursor {
	size_t ci, bo;
};

static size_t byte_of(const struct cfg_ytree *t, struct cursor *cu, size_t ci)
{
	if (t->ascii)
		return ci < t->len ? ci : t->len;
	while (cu->ci < ci && cu->bo < t->len) {
		cu->bo += u8_width((unsigned char)t->src[cu->bo]);
		cu->ci++;
	}
	while (cu->ci > ci && cu->bo > 0) {
		do
			cu->bo--;
		while (cu->bo > 0 &&
		       ((unsigned char)t->src[cu->bo] & 0xc0) == 0x80);
		cu->ci--;
	}
	return cu->bo < t->len ? cu->bo : t->len;
}

/* Length of the line break at s[i], as libyaml counts breaks, or 0. */
static size_t break_len(const unsigned char *s, size_t i, size_t len)
{
	if (s[i] == '\n')
		return 1;
	if (s[i] == '\r')
		return i + 1 < len && s[i + 1] == '\n' ? 2 : 1;
	if (s[i] == 0xc2 && i + 1 < len && s[i + 1] == 0x85)
		return 2; /* NEL */
	if (s[i] == 0xe2 && i + 2 < len && s[i + 1] == 0x80 &&
	    (s[i + 2] == 0xa8 || s[i + 2] == 0xa9))
		return 3; /* LS, PS */
	return 0;
}

/* Where the line after the one holding `from` starts, or 0 at the end. */
static size_t next_line(const struct cfg_ytree *t, size_t from, bool lf_only)
{
	const unsigned char *s = (const unsigned char *)t->src;
	const unsigned char *p;

	if (lf_only) {
		p = memchr(s + from, '\n', t->len - from);
		return p ? (size_t)(p + 1 - s) : 0;
	}
	for (size_t i = from, k; i < t->len; i++) {
		if (s[i] != '\n' && s[i] != '\r' && s[i] < 0xc2)
			continue;
		k = break_len(s, i, t->len);
		if (k)
			return i + k;
	}
	return 0;
}

static int build_lines(struct cfg_ytree *t)
{
	/* The common file: ASCII with '\n' line ends, found by memchr. */
	bool lf_only = t->ascii && !memchr(t->src, '\r', t->len);
	uint32_t cap = 1024, n = 0;
	uint32_t *l = malloc(cap * sizeof(*l));

	if (!l)
		return -ENOMEM;
	l[n++] = 0;
	for (size_t at = 0; (at = next_line(t, at, lf_only));) {
		if (n == cap) {
			uint32_t *nl = realloc(l, (size_t)cap * 2 * sizeof(*l));

			if (!nl) {
				free(l);
				return -ENOMEM;
			}
			l = nl;
			cap *= 2;
		}
		l[n++] = (uint32_t)at;
	}
	t->lines = l;
	t->n_lines = n;
	return 0;
}

static bool in_line(const struct cfg_ytree *t, uint32_t l, size_t off)
{
	return l < t->n_lines && t->lines[l] <= off &&
	       (l + 1 == t->n_lines || off < t->lines[l + 1]);
}

static uint32_t chars(const struct cfg_ytree *t, size_t from, size_t to)
{
	uint32_t n = 0;

	if (t->ascii)
		return (uint32_t)(to - from);
	for (size_t i = from; i < to; i++)
		n += ((unsigned char)t->src[i] & 0xc0) != 0x80;
	return n;
}

struct cfg_loc cfg_ytree_loc(struct cfg_ytree *t, size_t off)
{
	struct cfg_loc_cache *c = &t->last;
	uint32_t l, col;

	if (!t->lines && build_lines(t))
		return (struct cfg_loc){0, 0};
	if (off > t->len)
		off = t->len;
	if (c->valid && in_line(t, c->line, off)) {
		l = c->line;
	} else if (c->valid && in_line(t, c->line + 1, off)) {
		l = c->line + 1;
		c->valid = false;
	} else {
		uint32_t lo = 0, hi = t->n_lines;

		while (hi - lo > 1) {
			uint32_t mid = lo + (hi - lo) / 2;

			if (t->lines[mid] <= off)
				lo = mid;
			else
				hi = mid;
		}
		l = lo;
		c->valid = false;
	}
	/* Decoding asks in document order: count on from the last answer. */
	if (c->valid && off >= c->off)
		col = c->col + chars(t, c->off, off);
	else
		col = chars(t, t->lines[l], off);
	*c = (struct cfg_loc_cache){l, (uint32_t)off, col, true};
	return (struct cfg_loc){l + 1, col + 1};
}

bool cfg_ytree_same_text(const struct cfg_ytree *t, const struct cfg_ynode *x,
			 const struct cfg_ynode *y)
{
	x = cfg_ytree_deref(t, x);
	y = cfg_ytree_deref(t, y);
	return x->b == y->b &&
	       !memcmp(cfg_ytree_value(t, x), cfg_ytree_value(t, y), x->b);
}

/* ---- anchors ----------------------------------------------------------- */

struct anchor {
	uint32_t name_off, name_len;
	uint32_t node;
	uint64_t exp; /* nodes the anchored node expands to; OPEN while open */
};

struct anchors {
	struct anchor *v;
	uint32_t n, cap;
	uint32_t *slot; /* index + 1, 0 free */
	uint32_t mask;
	char *names;
	size_t names_len, names_cap;
};

static uint32_t hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static uint32_t *anchor_slot(struct anchors *a, const char *name, size_t len)
{
	for (uint32_t i = hash(name, len) & a->mask;; i = (i + 1) & a->mask) {
		struct anchor *e;

		if (!a->slot[i])
			return &a->slot[i];
		e = &a->v[a->slot[i] - 1];
		if (e->name_len == len &&
		    !memcmp(a->names + e->name_off, name, len))
			return &a->slot[i];
	}
}

static struct anchor *anchor_find(struct anchors *a, const char *name)
{
	uint32_t *s;

	if (!a->slot)
		return NULL;
	s = anchor_slot(a, name, strlen(name));
	return *s ? &a->v[*s - 1] : NULL;
}

static int anchor_grow(struct anchors *a)
{
	uint32_t size = a->slot ? (a->mask + 1) * 2 : 64;
	uint32_t *old = a->slot, omask = a->mask;

	a->slot = calloc(size, sizeof(*a->slot));
	if (!a->slot) {
		a->slot = old;
		return -ENOMEM;
	}
	a->mask = size - 1;
	if (old) {
		for (uint32_t i = 0; i <= omask; i++) {
			struct anchor *e;

			if (!old[i])
				continue;
			e = &a->v[old[i] - 1];
			*anchor_slot(a, a->names + e->name_off, e->name_len) =
			    old[i];
		}
	}
	free(old);
	return 0;
}

/* A new anchor (still open), or NULL when out of memory. */
static struct anchor *anchor_add(struct anchors *a, const char *name,
				 uint32_t node)
{
	size_t len = strlen(name);
	struct anchor *e;
	uint32_t *s;

	if ((!a->slot || (a->n + 1) * 2 > a->mask + 1) && anchor_grow(a))
		return NULL;
	if (a->n == a->cap) {
		uint32_t cap = a->cap ? a->cap * 2 : 16;
		struct anchor *v = realloc(a->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		a->v = v;
		a->cap = cap;
	}
	if (a->names_len + len > a->names_cap) {
		size_t cap = (a->names_cap + len) * 2;
		char *nn = realloc(a->names, cap);

		if (!nn)
			return NULL;
		a->names = nn;
		a->names_cap = cap;
	}
	memcpy(a->names + a->names_len, name, len);
	e = &a->v[a->n];
	*e = (struct anchor){(uint32_t)a->names_len, (uint32_t)len, node, OPEN};
	a->names_len += len;
	s = anchor_slot(a, name, len);
	*s = ++a->n;
	return e;
}

static void anchors_free(struct anchors *a)
{
	free(a->v);
	free(a->slot);
	free(a->names);
}

/* ---- building ---------------------------------------------------------- */

struct frame {
	uint32_t idx, count;
	uint64_t total0;   /* expanded total before this collection */
	uint32_t anchor_i; /* index into the anchor table, or NO_ANCHOR */
};

struct builder {
	struct cfg_ytree *t;
	struct cfg_ctx *c;
	struct cursor cu;
	struct anchors an;
	struct frame st[CFG_YAML_MAX_DEPTH];
	unsigned depth;
	uint64_t total; /* nodes the decoder may visit, aliases expanded */
};

static struct cfg_loc mark_loc(const yaml_mark_t *m)
{
	return (struct cfg_loc){(uint32_t)m->line + 1, (uint32_t)m->column + 1};
}

static void syntax_error(struct builder *b, const yaml_parser_t *ps)
{
	struct cfg_ctx *c = b->c;
	struct cfg_ytree *t = b->t;
	struct cfg_loc at = mark_loc(&ps->problem_mark);
	const char *problem = ps->problem ? ps->problem : "malformed YAML";
	size_t idx;

	if (ps->error == YAML_READER_ERROR) {
		/* The reader knows the byte offset, not the line. */
		at = cfg_ytree_loc(t, ps->problem_offset);
		if (ps->problem_value < 0)
			cfg_err(c, CFG_DIAG_SYNTAX, at, "",
				"%s; the configuration must be UTF-8 text",
				problem);
		else if (strstr(problem, "octet"))
			cfg_err(c, CFG_DIAG_SYNTAX, at, "",
				"%s (byte 0x%02X); the configuration must be "
				"UTF-8 text",
				problem, (unsigned)ps->problem_value);
		else
			cfg_err(c, CFG_DIAG_SYNTAX, at, "",
				"%s (U+%04X); remove it or write it as an "
				"escape in a double-quoted string",
				problem, (unsigned)ps->problem_value);
		return;
	}
	idx = byte_of(t, &b->cu, ps->problem_mark.index);
	if (idx < t->len && t->src[idx] == '\t')
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

/* Append a node under the open collection; its index, or -errno. */
static int64_t add_node(struct builder *b, const yaml_event_t *ev,
			enum cfg_ytype ty, uint32_t flags, uint32_t a,
			uint32_t v)
{
	struct cfg_ytree *t = b->t;
	size_t off = byte_of(t, &b->cu, ev->start_mark.index);

	if (t->n >= CFG_YAML_MAX_NODES) {
		cfg_err(b->c, CFG_DIAG_SYNTAX, mark_loc(&ev->start_mark), "",
			"the configuration holds more than %u YAML nodes "
			"(keys, values, lists and mappings); this is the limit",
			CFG_YAML_MAX_NODES);
		return -EINVAL;
	}
	if (t->n == t->cap) {
		uint32_t cap = t->cap ? t->cap * 2 : 1024;
		struct cfg_ynode *nn = realloc(t->nodes, cap * sizeof(*nn));

		if (!nn)
			return -ENOMEM;
		t->nodes = nn;
		t->cap = cap;
	}
	t->nodes[t->n] =
	    (struct cfg_ynode){(uint32_t)ty | flags | (uint32_t)off << 4, a, v};
	if (b->depth)
		b->st[b->depth - 1].count++;
	else
		t->root = t->n;
	b->total++;
	return t->n++;
}

static int store_value(struct cfg_ytree *t, const char *v, size_t len,
		       uint32_t *off)
{
	if (t->store_len + len + 1 > t->store_cap) {
		size_t cap = t->store_cap ? t->store_cap : 4096;
		char *ns;

		while (cap < t->store_len + len + 1)
			cap *= 2;
		if (cap > UINT32_MAX)
			return -ENOMEM;
		ns = realloc(t->store, cap);
		if (!ns)
			return -ENOMEM;
		t->store = ns;
		t->store_cap = cap;
	}
	memcpy(t->store + t->store_len, v, len);
	t->store[t->store_len + len] = 0;
	*off = (uint32_t)t->store_len;
	t->store_len += len + 1;
	return 0;
}

/* Register the node's anchor, if it has one. */
static int anchor_node(struct builder *b, const yaml_event_t *ev,
		       const yaml_char_t *name, uint32_t node,
		       struct anchor **out)
{
	struct cfg_ytree *t = b->t;
	struct anchor *e;

	*out = NULL;
	if (!name)
		return 0;
	e = anchor_find(&b->an, (const char *)name);
	if (e) {
		struct cfg_loc first =
		    cfg_ytree_loc(t, cfg_ynode_off(&t->nodes[e->node]));

		cfg_err(b->c, CFG_DIAG_SYNTAX, mark_loc(&ev->start_mark), "",
			"anchor '&%s' is defined a second time (first at line "
			"%u, column %u); give each anchor its own name",
			(const char *)name, first.line, first.col);
		return -EINVAL;
	}
	e = anchor_add(&b->an, (const char *)name, node);
	if (!e)
		return -ENOMEM;
	*out = e;
	return 0;
}

static int on_scalar(struct builder *b, const yaml_event_t *ev)
{
	struct cfg_ytree *t = b->t;
	const char *v = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	size_t s = byte_of(t, &b->cu, ev->start_mark.index);
	size_t e = byte_of(t, &b->cu, ev->end_mark.index);
	yaml_scalar_style_t style = ev->data.scalar.style;
	uint32_t flags = style == YAML_PLAIN_SCALAR_STYLE ? 4 : 0;
	uint32_t off = (uint32_t)s;
	struct anchor *an;
	int64_t idx;
	int r;

	/* Plain scalars, and quoted ones without escapes or folds, are their
	 * source text: point there instead of copying. */
	if (style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
	    style == YAML_DOUBLE_QUOTED_SCALAR_STYLE) {
		s++;
		e = e > s ? e - 1 : s;
		off = (uint32_t)s;
	}
	if ((style == YAML_PLAIN_SCALAR_STYLE ||
	     style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
	     style == YAML_DOUBLE_QUOTED_SCALAR_STYLE) &&
	    e >= s && e - s == len && !memcmp(t->src + s, v, len)) {
		/* off already points at the text */
	} else {
		r = store_value(t, v, len, &off);
		if (r)
			return r;
		flags |= 8;
	}
	idx = add_node(b, ev, CFG_YSCALAR, flags, off, (uint32_t)len);
	if (idx < 0)
		return (int)idx;
	r = anchor_node(b, ev, ev->data.scalar.anchor, (uint32_t)idx, &an);
	if (!r && an)
		an->exp = 1;
	return r;
}

static int on_start(struct builder *b, const yaml_event_t *ev,
		    enum cfg_ytype ty, const yaml_char_t *anchor)
{
	uint64_t total0 = b->total;
	struct frame *f;
	struct anchor *an;
	int64_t idx;
	int r;

	if (b->depth == CFG_YAML_MAX_DEPTH) {
		cfg_err(b->c, CFG_DIAG_SYNTAX, mark_loc(&ev->start_mark), "",
			"lists and mappings nest deeper than %d levels here; "
			"this is the limit",
			CFG_YAML_MAX_DEPTH);
		return -EINVAL;
	}
	idx = add_node(b, ev, ty, 0, 1, 0);
	if (idx < 0)
		return (int)idx;
	r = anchor_node(b, ev, anchor, (uint32_t)idx, &an);
	if (r)
		return r;
	f = &b->st[b->depth++];
	*f = (struct frame){(uint32_t)idx, 0, total0,
			    an ? (uint32_t)(an - b->an.v) : NO_ANCHOR};
	return 0;
}

static void on_end(struct builder *b)
{
	struct frame *f = &b->st[--b->depth];
	struct cfg_ynode *n = &b->t->nodes[f->idx];

	n->a = b->t->n - f->idx;
	n->b = f->count;
	/* The anchor table may have moved since the collection started. */
	if (f->anchor_i != NO_ANCHOR)
		b->an.v[f->anchor_i].exp = b->total - f->total0;
}

static int on_alias(struct builder *b, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	struct anchor *e = anchor_find(&b->an, name);
	int64_t idx;

	if (!e) {
		cfg_err(b->c, CFG_DIAG_SYNTAX, mark_loc(&ev->start_mark), "",
			"alias '*%s' names no anchor defined before it; define "
			"'&%s' first",
			name, name);
		return -EINVAL;
	}
	if (e->exp == OPEN) {
		cfg_err(b->c, CFG_DIAG_SYNTAX, mark_loc(&ev->start_mark), "",
			"alias '*%s' is inside the node it names; an alias "
			"cannot contain itself",
			name);
		return -EINVAL;
	}
	idx = add_node(b, ev, CFG_YALIAS, 0, e->node, 0);
	if (idx < 0)
		return (int)idx;
	b->total += e->exp - 1;
	if (b->total > CFG_YAML_MAX_EXPANDED) {
		cfg_err(b->c, CFG_DIAG_SYNTAX, mark_loc(&ev->start_mark), "",
			"aliases expand the configuration to more than %u "
			"nodes; this is the limit (use fewer or smaller "
			"aliases)",
			CFG_YAML_MAX_EXPANDED);
		return -EINVAL;
	}
	return 0;
}

/* One event; 1 at the end of the stream, 0 to go on, -errno to stop. */
static int on_event(struct builder *b, const yaml_event_t *ev, int *docs)
{
	switch (ev->type) {
	case YAML_STREAM_END_EVENT:
		return 1;
	case YAML_DOCUMENT_START_EVENT:
		++*docs;
		return 0;
	case YAML_SCALAR_EVENT:
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
	case YAML_ALIAS_EVENT:
		break;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		on_end(b);
		return 0;
	default:
		return 0;
	}
	/* A second document in the stream is almost always a pasting
	 * accident. */
	if (*docs > 1) {
		cfg_err(b->c, CFG_DIAG_SYNTAX, mark_loc(&ev->start_mark), "",
			"a second YAML document starts here; the configuration "
			"is one document");
		return -EINVAL;
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return on_scalar(b, ev);
	case YAML_SEQUENCE_START_EVENT:
		return on_start(b, ev, CFG_YSEQ,
				ev->data.sequence_start.anchor);
	case YAML_MAPPING_START_EVENT:
		return on_start(b, ev, CFG_YMAP, ev->data.mapping_start.anchor);
	default:
		return on_alias(b, ev);
	}
}

static bool all_ascii(const char *s, size_t len)
{
	uint64_t acc = 0, w;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		acc |= w;
	}
	for (; i < len; i++)
		acc |= (unsigned char)s[i];
	return !(acc & 0x8080808080808080ull);
}

int cfg_ytree_parse(struct cfg_ytree *t, struct cfg_ctx *c, const char *src,
		    size_t len)
{
	struct builder *b;
	yaml_parser_t ps;
	int docs = 0, r = 0;

	*t = (struct cfg_ytree){.src = src, .len = len, .root = UINT32_MAX};
	if (len >= (size_t)1 << 28) {
		cfg_err(c, CFG_DIAG_SYNTAX, (struct cfg_loc){0, 0}, "",
			"the configuration is 256 MiB or larger; this is the "
			"limit");
		return -EINVAL;
	}
	t->ascii = all_ascii(src, len);
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->t = t;
	b->c = c;
	if (!yaml_parser_initialize(&ps)) {
		free(b);
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&ps, (const unsigned char *)src, len);
	while (!r) {
		yaml_event_t ev;

		if (!yaml_parser_parse(&ps, &ev)) {
			if (ps.error == YAML_MEMORY_ERROR) {
				r = -ENOMEM;
				break;
			}
			syntax_error(b, &ps);
			r = -EINVAL;
			break;
		}
		r = on_event(b, &ev, &docs);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&ps);
	anchors_free(&b->an);
	free(b);
	return r < 0 ? r : 0;
}

void cfg_ytree_free(struct cfg_ytree *t)
{
	if (!t)
		return;
	free(t->nodes);
	free(t->store);
	free(t->lines);
	memset(t, 0, sizeof(*t));
}
