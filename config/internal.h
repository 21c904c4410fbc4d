/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Private parts of the configuration loader, shared by its files: the arena,
 * diagnostics helpers, scalar parsers, the schema decoder and the "raw"
 * structures the decoder fills before defaults and validation turn them into
 * a struct cfg.
 */
#ifndef BALLAST_CONFIG_INTERNAL_H
#define BALLAST_CONFIG_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

/* ---- arena ------------------------------------------------------------- */

/* Bump allocator: every allocation lives until cfg_arena_free(). */
struct cfg_arena {
	struct cfg_arena_chunk *head;
	bool failed; /* an allocation failed at some point */
};

void *cfg_arena_alloc(struct cfg_arena *a, size_t size); /* zeroed */
void *cfg_arena_calloc(struct cfg_arena *a, size_t n, size_t size);
char *cfg_arena_strndup(struct cfg_arena *a, const char *s, size_t len);
char *cfg_arena_strdup(struct cfg_arena *a, const char *s);
void cfg_arena_free(struct cfg_arena *a);

/* ---- diagnostics ------------------------------------------------------- */

/* Past this many errors the loader stops collecting and says so. */
#define CFG_MAX_ERRORS 200

void cfg_diag_vadd(struct cfg_diags *d, const char *file, uint32_t line,
		   uint32_t col, enum cfg_severity sev, enum cfg_diag_kind kind,
		   const char *path, const char *fmt, va_list ap)
    __attribute__((format(printf, 8, 0)));
void cfg_diag_add(struct cfg_diags *d, const char *file, uint32_t line,
		  uint32_t col, enum cfg_severity sev, enum cfg_diag_kind kind,
		  const char *path, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));

/* Order diagnostics from index `from` on by line and column, stably. */
void cfg_diags_sort(struct cfg_diags *d, size_t from);
/* A "did you mean" candidate within edit distance 2, or NULL. */
const char *cfg_suggest(const char *word, const char *const *cands, size_t n);

/* ---- scalar parsers (pure; unit-tested) ------------------------------- */

/* Decimal unsigned integer, no sign, no spaces. 0, -EINVAL or -ERANGE. */
int cfg_parse_uint(const char *s, uint64_t *out);
/* "1.2.3.4:80", "[2001:db8::1]:80". 0 or -EINVAL. */
int cfg_parse_hostport(const char *s, struct lb_addr *addr, uint16_t *port);
/* Backend shorthand: "1.2.3.4", "1.2.3.4:80", "2001:db8::1",
 * "[2001:db8::1]:80". */
int cfg_parse_addr_opt_port(const char *s, struct lb_addr *addr,
			    uint16_t *port);
/* Names of services and pools: [A-Za-z0-9][A-Za-z0-9_.-]*, at most 63. */
bool cfg_name_valid(const char *s);

/* ---- paths ------------------------------------------------------------- */

/* A path to a node, kept on the stack while decoding: key, or [idx]. */
struct cfg_path {
	const struct cfg_path *up;
	const char *key; /* NULL: an index */
	size_t idx;
};

/* Render "services[2].port" into buf; returns buf. */
const char *cfg_path_fmt(const struct cfg_path *p, char *buf, size_t len);

/* ---- raw decoded structures ------------------------------------------- */

/* Field ids of struct cfg_health beyond the CFG_HF_* bit positions. */
enum {
	HL_HTTP = 23,
	HL_TLS,
	HL_UDP,
	HL_EXEC,
	HL__COUNT,
};

struct raw_health {
	struct cfg_health h; /* fields set at this level; h.set says which */
	uint64_t seen;
	struct cfg_loc loc[HL__COUNT];
	struct cfg_loc at;
};

enum {
	BK_ADDRESS,
	BK_PORT,
	BK_WEIGHT,
	BK_DISABLED,
	BK_FORWARDING,
	BK_UPPER,
	BK_LOWER,
	BK_HEALTH,
	BK__COUNT,
};

struct raw_backend {
	struct cfg_backend b;
	struct raw_health *health;
	uint64_t seen;
	struct cfg_loc loc[BK__COUNT];
};

enum {
	PL_HEALTH,
	PL_BACKENDS,
	PL__COUNT,
};

struct raw_pool {
	const char *name;
	struct cfg_loc at; /* the key naming the pool */
	struct raw_health *health;
	struct raw_backend *bk;
	size_t n_bk;
	uint64_t seen;
	struct cfg_loc loc[PL__COUNT];
};

enum {
	SV_NAME,
	SV_ADDRESS,
	SV_PORT,
	SV_PROTOCOL,
	SV_POOL,
	SV_FALLBACK,
	SV_SCHEDULER,
	SV_HASH,
	SV_FORWARDING,
	SV_ANY_PORT,
	SV_FWMARK,
	SV_FAMILY,
	SV_SCHED_FLAGS,
	SV_PERSISTENCE,
	SV_PERS_TIMEOUT,
	SV_PERS_NETMASK,
	SV__COUNT,
};

struct raw_service {
	struct cfg_service s;
	const char *pool;
	const char *fallback;
	int family; /* with fwmark: AF_INET or AF_INET6 */
	bool any_port;
	uint32_t sched_flags; /* CFG_SVC_SCHED_* */
	uint32_t pers_timeout_ms;
	uint32_t pers_netmask;
	uint64_t seen;
	struct cfg_loc loc[SV__COUNT];
};

/* Ids of every singleton setting (top level, dataplane, ha, daemon). */
enum {
	RT_VERSION,
	RT_DATAPLANE,
	RT_HA,
	RT_DAEMON,
	RT_HEALTH,
	RT_POOLS,
	RT_SERVICES,
	DP_DRIVER,
	DP_INTERFACE,
	DP_XDP,
	DP_IPVS,
	DP_FAKE,
	XDP_FORWARDING,
	XDP_MODE,
	XDP_RING_SIZE,
	XDP_FLOW_TABLE,
	XDP_RING_MEMORY,
	XDP_MAX_SERVICES,
	XDP_MAX_REALS,
	XDP_NEW_FLOW_LIMIT,
	XDP_TUN_SRC4,
	XDP_TUN_SRC6,
	XDP_PIN_PATH,
	IPVS_FORWARDING,
	IPVS_TUNNEL_TYPE,
	IPVS_TUNNEL_PORT,
	FAKE_STATE_FILE,
	HA_MODE,
	HA_INTERFACE,
	HA_STANDBY,
	HA_PROVIDER,
	RT_VRRP,
	RT_BGP,
	DM_TICK,
	DM_API_SOCKET,
	DM_API_LISTEN,
	DM_API_TOKEN,
	DM_METRICS,
	DM_LOG_LEVEL,
	DM_MAX_REMOVAL,
	DM_ALLOW_MASS_REMOVAL,
	DM_API_TLS_CERT,
	DM_API_TLS_KEY,
	RT__COUNT,
};

/* ---- the vrrp: section ------------------------------------------------ */

enum {
	VR_VERSION,
	VR_ADVERT,
	VR_PREEMPT,
	VR_UNICAST,
	VR_AUTH,
	VR_NODES,
	VR_GROUPS,
	VR__COUNT,
};

enum {
	VN_NAME,
	VN_ADDRESS,
	VN_PRIORITY,
	VN__COUNT,
};

enum {
	VG_NAME,
	VG_VRID,
	VG_VIPS,
	VG__COUNT,
};

struct raw_vrrp_node {
	struct cfg_vrrp_node n;
	uint64_t seen;
	struct cfg_loc loc[VN__COUNT];
};

struct raw_vrrp_group {
	struct cfg_vrrp_group g;
	struct cfg_loc *vip_loc; /* where each of g.vips is written */
	uint64_t seen;
	struct cfg_loc loc[VG__COUNT];
};

struct raw_vrrp {
	struct cfg_vrrp v;	/* scalars; nodes and groups built from below */
	struct raw_vrrp_node *nodes;
	size_t n_nodes;
	struct raw_vrrp_group *groups;
	size_t n_groups;
	uint64_t seen;
	struct cfg_loc loc[VR__COUNT];
};

/* ---- the bgp: section ------------------------------------------------- */

enum {
	BG_ASN,
	BG_PROTOCOL,
	BG_TABLE,
	BG_MIN_HEALTHY,
	BG_DRAIN_WAIT,
	BG_TIMERS,
	BG_KEEPALIVE,
	BG_HOLD,
	BG_BFD,
	BG_BFD_ENABLED,
	BG_BFD_INTERVAL,
	BG_BFD_MULT,
	BG_NODES,
	BG__COUNT,
};

enum {
	BN_NAME,
	BN_ROUTER_ID,
	BN_NEIGHBORS,
	BN__COUNT,
};

enum {
	BB_ADDRESS,
	BB_ASN,
	BB__COUNT,
};

struct raw_bgp_neighbor {
	struct cfg_bgp_neighbor nb;
	uint64_t seen;
	struct cfg_loc loc[BB__COUNT];
};

struct raw_bgp_node {
	struct cfg_bgp_node n;
	struct raw_bgp_neighbor *nbs;
	size_t n_nbs;
	uint64_t seen;
	struct cfg_loc loc[BN__COUNT];
};

struct raw_bgp {
	struct cfg_bgp b;		/* scalars; nodes built from below */
	uint32_t keepalive_ms, hold_ms; /* whole seconds checked, then kept */
	struct raw_bgp_node *nodes;
	size_t n_nodes;
	uint64_t seen;
	struct cfg_loc loc[BG__COUNT];
};

struct raw_root {
	uint32_t version;
	struct cfg_dataplane dp;
	struct cfg_ha ha;
	struct cfg_daemon dm;
	struct raw_vrrp *vrrp;	      /* NULL: no vrrp: section */
	struct raw_bgp *bgp;	      /* NULL: no bgp: section */
	const char *max_removal_text; /* daemon.max_removal_fraction */
	struct raw_health *health;
	struct raw_pool *pools;
	size_t n_pools;
	struct raw_service *svcs;
	size_t n_svcs;
	uint16_t metrics_port, api_port; /* parsed from the host:port strings */
	uint64_t seen;
	struct cfg_loc loc[RT__COUNT];
	struct cfg_loc at;
};

/* ---- loader context ---------------------------------------------------- */

struct cfg_ytree;
struct cfg_ynode;

struct cfg_ctx {
	const char *file;
	struct cfg_diags *diags;
	struct cfg_arena *arena;   /* owned by the resulting struct cfg */
	struct cfg_arena *scratch; /* freed when loading ends */
	struct cfg_ytree *tree;	   /* the parsed document */
	size_t n_errors;	   /* errors this load added */
	bool truncated;		   /* CFG_MAX_ERRORS reached */
	size_t n_dropped;	   /* errors past the cap, not stored */
	enum cfg_diag_kind dropped_kind;
};

void cfg_err(struct cfg_ctx *c, enum cfg_diag_kind kind, struct cfg_loc loc,
	     const char *path, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Add the one "N more not shown" line for the errors past the cap. */
void cfg_diags_end(struct cfg_ctx *c);
void cfg_warn(struct cfg_ctx *c, struct cfg_loc loc, const char *path,
	      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Report duplicate keys in every mapping of the document. */
void cfg_check_duplicate_keys(struct cfg_ctx *c);
/* Decode the document's root into *root; schema errors go to diags. */
void cfg_decode_root(struct cfg_ctx *c, const struct cfg_ynode *node,
		     struct raw_root *root);
/* Resolve defaults and validate semantics; fills *cfg when error-free. */
void cfg_build(struct cfg_ctx *c, struct raw_root *root, struct cfg *cfg);
/* The semantic checks on a resolved cfg (called by cfg_build). */
void cfg_validate(struct cfg_ctx *c, const struct raw_root *root,
		  const struct cfg *cfg);
/* The vrrp: section's checks (config/validate_vrrp.c; cfg_validate calls). */
void cfg_validate_vrrp(struct cfg_ctx *c, const struct raw_root *root,
		       const struct cfg *cfg);
/* The bgp: section's checks (config/validate_bgp.c; cfg_validate calls). */
void cfg_validate_bgp(struct cfg_ctx *c, const struct raw_root *root,
		      const struct cfg *cfg);
/*
 * Why an address cannot be a virtual or backend address (multicast,
 * broadcast, ...), or NULL; *fix says what to write instead.
 */
const char *cfg_addr_class_problem(const struct lb_addr *a, const char **fix);
/* A name and where it came from, to find duplicates by sorting. */
struct cfg_name_key {
	const char *name;
	size_t idx;
};
/* qsort order: by name, then by index (the first written comes first). */
int cfg_name_key_cmp(const void *a, const void *b);
/* Health settings defaults, before any `health:` of the file. */
extern const struct cfg_health cfg_health_builtin;

#endif
