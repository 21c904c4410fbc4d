/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The table-driven schema decoder. An object is a table of field
 * descriptors; each says which key, which kind of value, where to store it
 * (an offset into the raw structure being filled), its bounds and default.
 * The engine walks a YAML mapping against such a table and reports unknown
 * keys, wrong types, bad values and missing required keys, all of them.
 */
#ifndef BALLAST_CONFIG_DECODE_H
#define BALLAST_CONFIG_DECODE_H

#include "config/internal.h"
#include "config/ytree.h"

enum cfg_fkind {
	FK_OBJ,	   /* nested mapping sharing the parent's storage */
	FK_STR,	   /* any string */
	FK_PATH,   /* absolute file-system path */
	FK_IFNAME, /* network interface name */
	FK_NAME,   /* service or pool name */
	FK_BOOL,
	FK_UINT,     /* size bytes: 1, 2 or 4 */
	FK_DUR,	     /* milliseconds, uint32_t */
	FK_ENUM,     /* int, or with size 1 the name as a const char * */
	FK_ADDR,     /* struct lb_addr; min: required family or 0 */
	FK_HOSTPORT, /* "addr:port" kept as a string */
	FK_CUSTOM,
};

struct cfg_enum_val {
	const char *name;
	int val;
};

struct cfg_enum_def {
	const char *what;
	const struct cfg_enum_val *v;
	size_t n;
};

/* The storage one mapping decodes into. */
struct cfg_dobj {
	void *base;
	uint64_t *seen;	     /* bit per field id */
	struct cfg_loc *loc; /* location of each field's value */
	uint32_t *hset;	     /* health objects: cfg_health.set */
};

struct cfg_fdesc;
typedef void (*cfg_custom_fn)(struct cfg_ctx *c, const struct cfg_ynode *n,
			      const struct cfg_dobj *o,
			      const struct cfg_fdesc *f,
			      const struct cfg_path *p);

struct cfg_odesc {
	const char *what; /* "service", "health check", ... */
	const struct cfg_fdesc *f;
	size_t n;
};

struct cfg_fdesc {
	const char *key;
	enum cfg_fkind kind;
	uint8_t id;
	uint8_t size;
	bool required;
	bool nullable; /* null means "off": stores NULL/0 */
	size_t off;
	uint32_t hf; /* CFG_HF_* bit to set when present */
	uint64_t min, max;
	uint64_t def;	  /* default for numbers, enums, bools */
	const char *dstr; /* default for strings */
	const struct cfg_enum_def *en;
	const struct cfg_odesc *obj;
	cfg_custom_fn custom;
	const char *hint; /* added to range errors */
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define ODESC(name, what_, table)                                              \
	static const struct cfg_odesc name = {what_, table, NELEM(table)}
#define EDEF(name, what_, table)                                               \
	static const struct cfg_enum_def name = {what_, table, NELEM(table)}

struct cfg_loc cfg_node_loc(struct cfg_ctx *c, const struct cfg_ynode *n);
bool cfg_node_is_null(struct cfg_ctx *c, const struct cfg_ynode *n);
/* "a list", "a mapping", "null", "'text'" for messages. */
const char *cfg_node_desc(struct cfg_ctx *c, const struct cfg_ynode *n,
			  char *buf, size_t len);
/* Report that n is not what was expected. */
void cfg_type_error(struct cfg_ctx *c, const struct cfg_ynode *n,
		    const struct cfg_path *p, const char *expected);
/* The scalar's text, or NULL after reporting a type error. */
const char *cfg_node_str(struct cfg_ctx *c, const struct cfg_ynode *n,
			 const struct cfg_path *p, const char *expected);
int cfg_decode_enum(struct cfg_ctx *c, const struct cfg_ynode *n,
		    const struct cfg_enum_def *en, const struct cfg_path *p,
		    int *out);
/*
 * One address scalar, with the messages FK_ADDR gives (prefix, port,
 * unspecified); family 0 takes either. 0 or -EINVAL after reporting.
 */
int cfg_decode_addr(struct cfg_ctx *c, const struct cfg_ynode *n,
		    const struct cfg_path *p, int family, struct lb_addr *out);
/* The custom decoder of the top-level vrrp: section (schema_vrrp.c). */
void cfg_dec_vrrp(struct cfg_ctx *c, const struct cfg_ynode *n,
		  const struct cfg_dobj *o, const struct cfg_fdesc *f,
		  const struct cfg_path *p);
/* The custom decoder of the top-level bgp: section (schema_bgp.c). */
void cfg_dec_bgp(struct cfg_ctx *c, const struct cfg_ynode *n,
		 const struct cfg_dobj *o, const struct cfg_fdesc *f,
		 const struct cfg_path *p);
/*
 * A list of mappings decoded against od into scratch items of `size` bytes
 * (the vrrp: and bgp: sections' nodes, groups, neighbours): each item's
 * struct cfg_loc, seen bits and loc[] are at the offsets given. An empty
 * list is an error naming `what`. Returns the array (*n_out items), or NULL.
 */
void *cfg_dec_list(struct cfg_ctx *c, const struct cfg_ynode *n,
		   const struct cfg_path *p, const struct cfg_odesc *od,
		   size_t size, size_t loc_off, size_t seen_off,
		   size_t locs_off, const char *what, size_t *n_out);
/* Decode a mapping against od into o; fields absent keep their defaults. */
void cfg_decode_object(struct cfg_ctx *c, const struct cfg_ynode *n,
		       const struct cfg_odesc *od, const struct cfg_dobj *o,
		       const struct cfg_path *p);
/* Store every default of od (and nested objects) into base. */
void cfg_apply_defaults(const struct cfg_odesc *od, void *base);
/*
 * The children of a collection n, aliases resolved: for a mapping, keys and
 * values alternate (cfg_node_next steps over one child's subtree).
 */
#define cfg_node_for_each(n, it)                                               \
	for (const struct cfg_ynode *it = cfg_ytree_first(n),                  \
				    *it##_end = cfg_ytree_end(n);              \
	     it < it##_end; it = cfg_ytree_skip(it))
#define cfg_node_at(c, raw) cfg_ytree_deref((c)->tree, raw)

/* Report path of a field for messages. */
void cfg_err_at(struct cfg_ctx *c, const struct cfg_ynode *n,
		const struct cfg_path *p, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
