// SPDX-License-Identifier: GPL-2.0-only
/* The engine of the table-driven schema decoder (see decode.h). */
#include "config/decode.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct cfg_loc cfg_node_loc(struct cfg_ctx *c, const struct cfg_ynode *n)
{
	if (!n)
		return (struct cfg_loc){0, 0};
	return cfg_ytree_loc(c->tree, cfg_ynode_off(n));
}

bool cfg_node_is_null(struct cfg_ctx *c, const struct cfg_ynode *n)
{
	const char *v;

	if (!n || cfg_ynode_type(n) != CFG_YSCALAR || !cfg_ynode_plain(n))
		return false;
	v = cfg_ytree_value(c->tree, n);
	switch (n->b) {
	case 0:
		return true;
	case 1:
		return v[0] == '~';
	case 4:
		return !memcmp(v, "null", 4) || !memcmp(v, "Null", 4) ||
		       !memcmp(v, "NULL", 4);
	default:
		return false;
	}
}

const char *cfg_node_desc(struct cfg_ctx *c, const struct cfg_ynode *n,
			  char *buf, size_t len)
{
	if (!n)
		snprintf(buf, len, "nothing");
	else if (cfg_ynode_type(n) == CFG_YSEQ)
		snprintf(buf, len, "a list");
	else if (cfg_ynode_type(n) == CFG_YMAP)
		snprintf(buf, len, "a mapping");
	else if (cfg_node_is_null(c, n))
		snprintf(buf, len, "null");
	else if (n->b > 40)
		snprintf(buf, len, "'%.37s...'", cfg_ytree_value(c->tree, n));
	else
		snprintf(buf, len, "'%.*s'", (int)n->b,
			 cfg_ytree_value(c->tree, n));
	return buf;
}

void cfg_err_at(struct cfg_ctx *c, const struct cfg_ynode *n,
		const struct cfg_path *p, const char *fmt, ...)
{
	char path[512], *msg = NULL;
	va_list ap;

	/* Whole: the diagnostic shortens the value, not the explanation. */
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	cfg_path_fmt(p, path, sizeof(path));
	cfg_err(c, CFG_DIAG_SCHEMA, cfg_node_loc(c, n), path, "%s%s%s", path,
		*path ? ": " : "", msg ? msg : fmt);
	free(msg);
}

void cfg_type_error(struct cfg_ctx *c, const struct cfg_ynode *n,
		    const struct cfg_path *p, const char *expected)
{
	char d[64];

	cfg_err_at(c, n, p, "expected %s, got %s", expected,
		   cfg_node_desc(c, n, d, sizeof(d)));
}

const char *cfg_node_str(struct cfg_ctx *c, const struct cfg_ynode *n,
			 const struct cfg_path *p, const char *expected)
{
	const char *v;

	if (!n || cfg_ynode_type(n) != CFG_YSCALAR || cfg_node_is_null(c, n)) {
		cfg_type_error(c, n, p, expected);
		return NULL;
	}
	v = cfg_ytree_value(c->tree, n);
	if (memchr(v, 0, n->b)) {
		cfg_err_at(c, n, p, "the value contains a NUL character");
		return NULL;
	}
	/* Values in the source are not NUL-terminated. */
	return cfg_ynode_stored(n) ? v : cfg_arena_strndup(c->scratch, v, n->b);
}

static size_t enum_list(const struct cfg_enum_def *en, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = 0;
	for (size_t i = 0; i < en->n && at < len; i++) {
		int k = snprintf(buf + at, len - at, "%s%s", i ? ", " : "",
				 en->v[i].name);

		if (k < 0)
			break;
		at += (size_t)k;
	}
	return at;
}

int cfg_decode_enum(struct cfg_ctx *c, const struct cfg_ynode *n,
		    const struct cfg_enum_def *en, const struct cfg_path *p,
		    int *out)
{
	const char *names[32] = {0};
	char list[512], want[600];
	const char *s, *sug;

	enum_list(en, list, sizeof(list));
	snprintf(want, sizeof(want), "one of: %s", list);
	s = cfg_node_str(c, n, p, want);
	if (!s)
		return -EINVAL;
	for (size_t i = 0; i < en->n; i++) {
		if (!strcmp(s, en->v[i].name)) {
			*out = en->v[i].val;
			return 0;
		}
		if (i < NELEM(names))
			names[i] = en->v[i].name;
	}
	sug =
	    cfg_suggest(s, names, en->n < NELEM(names) ? en->n : NELEM(names));
	if (sug)
		cfg_err_at(c, n, p,
			   "unknown %s '%s'; did you mean '%s'? (allowed: %s)",
			   en->what, s, sug, list);
	else
		cfg_err_at(c, n, p, "unknown %s '%s'; allowed: %s", en->what, s,
			   list);
	return -EINVAL;
}

static void store_uint(void *dst, uint8_t size, uint64_t v)
{
	switch (size) {
	case 1:
		*(uint8_t *)dst = (uint8_t)v;
		break;
	case 2:
		*(uint16_t *)dst = (uint16_t)v;
		break;
	default:
		*(uint32_t *)dst = (uint32_t)v;
		break;
	}
}

static void range_error(struct cfg_ctx *c, const struct cfg_ynode *n,
			const struct cfg_path *p, const struct cfg_fdesc *f,
			const char *got)
{
	if (f->min == f->max)
		cfg_err_at(c, n, p,
			   "%s is not supported; the value must be %llu%s%s",
			   got, (unsigned long long)f->min, f->hint ? "; " : "",
			   f->hint ? f->hint : "");
	else
		cfg_err_at(
		    c, n, p, "%s is out of range; allowed %llu..%llu%s%s", got,
		    (unsigned long long)f->min, (unsigned long long)f->max,
		    f->hint ? "; " : "", f->hint ? f->hint : "");
}

static int decode_bool(struct cfg_ctx *c, const struct cfg_ynode *n,
		       const struct cfg_path *p, bool *out)
{
	static const char *const yes[] = {"true", "True", "TRUE"};
	static const char *const no[] = {"false", "False", "FALSE"};
	const char *s = cfg_node_str(c, n, p, "true or false");

	if (!s)
		return -EINVAL;
	if (cfg_ynode_plain(n)) {
		for (size_t i = 0; i < NELEM(yes); i++) {
			if (!strcmp(s, yes[i])) {
				*out = true;
				return 0;
			}
			if (!strcmp(s, no[i])) {
				*out = false;
				return 0;
			}
		}
	}
	cfg_err_at(c, n, p, "expected true or false, got '%s'%s", s,
		   !cfg_ynode_plain(n) ? " (a quoted string; remove the quotes)"
				       : "");
	return -EINVAL;
}

static int decode_uint(struct cfg_ctx *c, const struct cfg_ynode *n,
		       const struct cfg_path *p, const struct cfg_fdesc *f,
		       uint64_t *out)
{
	const char *s = cfg_node_str(c, n, p, "a whole number");
	uint64_t v;
	int r;

	if (!s)
		return -EINVAL;
	if (!cfg_ynode_plain(n)) {
		/* A quoted number is a string: editors and the JSON Schema
		 * say so too, so the loader agrees with them. */
		cfg_err_at(c, n, p,
			   "expected a whole number, got the string \"%s\"; "
			   "remove the quotes",
			   s);
		return -EINVAL;
	}
	r = cfg_parse_uint(s, &v);
	if (r == -EINVAL) {
		if (s[0] == '-')
			range_error(c, n, p, f, s);
		else
			cfg_err_at(c, n, p, "expected a whole number, got '%s'",
				   s);
		return r;
	}
	if (r || v < f->min || v > f->max) {
		range_error(c, n, p, f, s);
		return -ERANGE;
	}
	*out = v;
	return 0;
}

static int decode_dur(struct cfg_ctx *c, const struct cfg_ynode *n,
		      const struct cfg_path *p, const struct cfg_fdesc *f,
		      uint32_t *out)
{
	const char *s = cfg_node_str(c, n, p, "a duration such as '2s'");
	char lo[32], hi[32];
	const char *why;
	uint32_t ms;
	int r;

	if (!s)
		return -EINVAL;
	r = cfg_parse_duration(s, &ms, &why);
	if (r == -EINVAL) {
		cfg_err_at(c, n, p, "invalid duration '%s': %s", s, why);
		return r;
	}
	if (r || ms < f->min || ms > f->max) {
		cfg_err_at(c, n, p,
			   "duration '%s' is out of range; allowed %s..%s", s,
			   cfg_fmt_duration((uint32_t)f->min, lo, sizeof(lo)),
			   cfg_fmt_duration((uint32_t)f->max, hi, sizeof(hi)));
		return -ERANGE;
	}
	*out = ms;
	return 0;
}

static int decode_addr(struct cfg_ctx *c, const struct cfg_ynode *n,
		       const struct cfg_path *p, const struct cfg_fdesc *f,
		       struct lb_addr *out)
{
	const char *s = cfg_node_str(c, n, p, "an IP address");
	struct lb_addr a;

	if (!s)
		return -EINVAL;
	if (lb_addr_parse(s, &a)) {
		if (strchr(s, '/'))
			cfg_err_at(c, n, p,
				   "'%s' is not an IP address: write the "
				   "address without a prefix length",
				   s);
		else if (strchr(s, ']') || (strchr(s, ':') && strchr(s, '.')))
			cfg_err_at(c, n, p,
				   "'%s' is not an IP address: write the port "
				   "in its own 'port' key",
				   s);
		else
			cfg_err_at(c, n, p,
				   "'%s' is not an IPv4 or IPv6 address", s);
		return -EINVAL;
	}
	if (f->min && a.family != f->min) {
		cfg_err_at(c, n, p, "'%s' is not an %s address", s,
			   f->min == AF_INET ? "IPv4" : "IPv6");
		return -EINVAL;
	}
	if (lb_addr_is_zero(&a)) {
		cfg_err_at(
		    c, n, p,
		    "'%s' is the unspecified address; name a real address", s);
		return -EINVAL;
	}
	*out = a;
	return 0;
}

int cfg_decode_addr(struct cfg_ctx *c, const struct cfg_ynode *n,
		    const struct cfg_path *p, int family, struct lb_addr *out)
{
	struct cfg_fdesc f = {.kind = FK_ADDR, .min = (uint64_t)family};

	return decode_addr(c, n, p, &f, out);
}

static int decode_string(struct cfg_ctx *c, const struct cfg_ynode *n,
			 const struct cfg_path *p, const struct cfg_fdesc *f,
			 const char **out)
{
	const char *s;
	struct lb_addr a;
	uint16_t port;

	switch (f->kind) {
	case FK_PATH:
		s = cfg_node_str(c, n, p, "an absolute path");
		if (s && s[0] != '/') {
			cfg_err_at(
			    c, n, p,
			    "'%s' is not an absolute path; start it with '/'",
			    s);
			return -EINVAL;
		}
		break;
	case FK_IFNAME:
		s = cfg_node_str(c, n, p, "an interface name");
		if (s && (!*s || strlen(s) > 15 || strpbrk(s, "/: \t") ||
			  !strcmp(s, ".") || !strcmp(s, ".."))) {
			cfg_err_at(c, n, p,
				   "'%s' is not a valid interface name (1 to "
				   "15 characters, no '/', ':' or spaces)",
				   s);
			return -EINVAL;
		}
		break;
	case FK_NAME:
		s = cfg_node_str(c, n, p, "a name");
		if (s && !cfg_name_valid(s)) {
			cfg_err_at(c, n, p,
				   "'%s' is not a valid name: use letters, "
				   "digits, '_', '-' and '.', starting with a "
				   "letter or digit, at most %d characters",
				   s, CFG_NAME_MAX);
			return -EINVAL;
		}
		break;
	case FK_HOSTPORT:
		s = cfg_node_str(c, n, p, "an 'address:port'");
		if (s && cfg_parse_hostport(s, &a, &port)) {
			cfg_err_at(c, n, p,
				   "'%s' is not an 'address:port' (e.g. "
				   "'127.0.0.1:9469' or '[::1]:9469')",
				   s);
			return -EINVAL;
		}
		break;
	default:
		s = cfg_node_str(c, n, p, "a string");
		if (s && f->max && strlen(s) > f->max) {
			cfg_err_at(c, n, p,
				   "the value is longer than %llu characters",
				   (unsigned long long)f->max);
			return -EINVAL;
		}
		if (s && f->required && !*s) {
			cfg_err_at(c, n, p, "the value must not be empty");
			return -EINVAL;
		}
		break;
	}
	if (!s)
		return -EINVAL;
	*out = cfg_arena_strdup(c->arena, s);
	return *out ? 0 : -ENOMEM;
}

static int decode_field(struct cfg_ctx *c, const struct cfg_ynode *n,
			const struct cfg_fdesc *f, const struct cfg_dobj *o,
			const struct cfg_path *p)
{
	void *dst = (char *)o->base + f->off;
	uint64_t v;
	int e, r;

	if (f->nullable && cfg_node_is_null(c, n)) {
		if (f->kind == FK_HOSTPORT || f->kind == FK_STR ||
		    f->kind == FK_PATH)
			*(const char **)dst = NULL;
		else
			store_uint(dst, f->size, 0);
		return 0;
	}
	switch (f->kind) {
	case FK_OBJ:
		if (!n || cfg_ynode_type(n) != CFG_YMAP) {
			cfg_type_error(c, n, p, "a mapping");
			return -EINVAL;
		}
		cfg_decode_object(c, n, f->obj, o, p);
		return 0;
	case FK_CUSTOM:
		f->custom(c, n, o, f, p);
		return 0;
	case FK_BOOL:
		return decode_bool(c, n, p, (bool *)dst);
	case FK_UINT:
		r = decode_uint(c, n, p, f, &v);
		if (!r)
			store_uint(dst, f->size, v);
		return r;
	case FK_DUR:
		return decode_dur(c, n, p, f, (uint32_t *)dst);
	case FK_ENUM:
		r = cfg_decode_enum(c, n, f->en, p, &e);
		if (r)
			return r;
		if (f->size == 1) {
			for (size_t i = 0; i < f->en->n; i++)
				if (f->en->v[i].val == e)
					*(const char **)dst = f->en->v[i].name;
		} else {
			*(int *)dst = e;
		}
		return 0;
	case FK_ADDR:
		return decode_addr(c, n, p, f, (struct lb_addr *)dst);
	default:
		return decode_string(c, n, p, f, (const char **)dst);
	}
}

static void unknown_key(struct cfg_ctx *c, const struct cfg_ynode *kn,
			const char *key, const struct cfg_odesc *od,
			const struct cfg_path *p)
{
	const char *names[64] = {0};
	char list[700];
	size_t n = 0, at = 0;
	const char *sug;

	for (size_t i = 0; i < od->n && n < NELEM(names); i++)
		names[n++] = od->f[i].key;
	sug = cfg_suggest(key, names, n);
	list[0] = 0;
	for (size_t i = 0; i < n && at < sizeof(list); i++) {
		int k = snprintf(list + at, sizeof(list) - at, "%s%s",
				 i ? ", " : "", names[i]);
		if (k < 0)
			break;
		at += (size_t)k;
	}
	if (sug)
		cfg_err_at(c, kn, p,
			   "unknown key '%s' in %s; did you mean '%s'?", key,
			   od->what, sug);
	else
		cfg_err_at(c, kn, p, "unknown key '%s' in %s; allowed keys: %s",
			   key, od->what, list);
}

void cfg_decode_object(struct cfg_ctx *c, const struct cfg_ynode *n,
		       const struct cfg_odesc *od, const struct cfg_dobj *o,
		       const struct cfg_path *p)
{
	uint64_t here = 0;

	if (!n || cfg_ynode_type(n) != CFG_YMAP) {
		cfg_type_error(c, n, p, "a mapping");
		return;
	}
	cfg_node_for_each(n, kr)
	{
		const struct cfg_ynode *kn = cfg_node_at(c, kr);
		const struct cfg_ynode *vn =
		    cfg_node_at(c, kr = cfg_ytree_skip(kr));
		const struct cfg_fdesc *f = NULL;
		struct cfg_path fp = {p, NULL, 0};
		const char *key;

		if (cfg_ynode_type(kn) != CFG_YSCALAR) {
			cfg_err_at(c, kn, p, "keys of %s must be plain strings",
				   od->what);
			continue;
		}
		key = cfg_ytree_value(c->tree, kn);
		if (memchr(key, 0, kn->b)) {
			cfg_err_at(c, kn, p,
				   "a key of %s contains a NUL character; "
				   "remove it",
				   od->what);
			continue;
		}
		for (size_t i = 0; i < od->n; i++) {
			if (!strncmp(od->f[i].key, key, kn->b) &&
			    !od->f[i].key[kn->b]) {
				f = &od->f[i];
				break;
			}
		}
		if (!f) {
			key = cfg_arena_strndup(c->scratch, key, kn->b);
			if (key)
				unknown_key(c, kn, key, od, p);
			continue;
		}
		fp.key = f->key;
		here |= 1ull << f->id;
		if (o->loc)
			o->loc[f->id] = cfg_node_loc(c, vn);
		/* Present counts as seen even when the value is bad: later
		 * checks must not also call it missing. */
		*o->seen |= 1ull << f->id;
		if (o->hset)
			*o->hset |= f->hf;
		decode_field(c, vn, f, o, &fp);
	}
	for (size_t i = 0; i < od->n; i++) {
		const struct cfg_fdesc *f = &od->f[i];

		if (f->required && !(here & (1ull << f->id)))
			cfg_err_at(c, n, p, "missing required key '%s' in %s",
				   f->key, od->what);
	}
}

void cfg_apply_defaults(const struct cfg_odesc *od, void *base)
{
	for (size_t i = 0; i < od->n; i++) {
		const struct cfg_fdesc *f = &od->f[i];
		void *dst = (char *)base + f->off;

		switch (f->kind) {
		case FK_OBJ:
			cfg_apply_defaults(f->obj, base);
			break;
		case FK_BOOL:
			*(bool *)dst = f->def != 0;
			break;
		case FK_UINT:
			store_uint(dst, f->size, f->def);
			break;
		case FK_DUR:
			*(uint32_t *)dst = (uint32_t)f->def;
			break;
		case FK_ENUM:
			if (f->size == 1)
				*(const char **)dst = f->dstr;
			else
				*(int *)dst = (int)f->def;
			break;
		case FK_STR:
		case FK_PATH:
		case FK_IFNAME:
		case FK_NAME:
		case FK_HOSTPORT:
			*(const char **)dst = f->dstr;
			break;
		default:
			break;
		}
	}
}

/*
 * A list of mappings decoded against od into items of `size` bytes whose
 * struct starts with the public struct: its loc, seen and loc[] are at
 * the offsets given. Returns the array (n items), or NULL.
 */
void *cfg_dec_list(struct cfg_ctx *c, const struct cfg_ynode *n,
		   const struct cfg_path *p, const struct cfg_odesc *od,
		   size_t size, size_t loc_off, size_t seen_off,
		   size_t locs_off, const char *what, size_t *n_out)
{
	char *items;
	size_t cnt, i = 0;

	*n_out = 0;
	if (!n || cfg_ynode_type(n) != CFG_YSEQ) {
		char want[64];

		snprintf(want, sizeof(want), "a list of %ss", what);
		cfg_type_error(c, n, p, want);
		return NULL;
	}
	cnt = cfg_ynode_count(n);
	if (!cnt) {
		cfg_err_at(c, n, p,
			   "the list is empty; declare at least one %s", what);
		return NULL;
	}
	items = cfg_arena_calloc(c->scratch, cnt, size);
	if (!items)
		return NULL;
	cfg_node_for_each(n, it)
	{
		char *item = items + size * i;
		const struct cfg_ynode *in = cfg_node_at(c, it);
		struct cfg_path ip = {p, NULL, i++};
		struct cfg_dobj io = {item, (uint64_t *)(item + seen_off),
				      (struct cfg_loc *)(item + locs_off),
				      NULL};

		cfg_apply_defaults(od, item);
		*(struct cfg_loc *)(item + loc_off) = cfg_node_loc(c, in);
		if (!in || cfg_ynode_type(in) != CFG_YMAP) {
			char want[64];

			snprintf(want, sizeof(want), "a %s (a mapping)", what);
			cfg_type_error(c, in, &ip, want);
			continue;
		}
		cfg_decode_object(c, in, od, &io, &ip);
	}
	*n_out = cnt;
	return items;
}
