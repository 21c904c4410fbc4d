/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The validated, immutable configuration. This struct is plain data on
 * purpose: it is the interface between the loader and every consumer
 * (desired-state builder, health engine, HA gate, daemon). Everything is
 * allocated by cfg_load() and released by cfg_free(); consumers never modify it.
 */
#ifndef BALLAST_CONFIG_H
#define BALLAST_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/addr.h"

#define CFG_DEFAULT_PATH "/etc/ballast/ballast.yaml"
#define CFG_ENV_PATH "BALLAST_CONFIG"
#define CFG_NAME_MAX 63

/* ---- enumerations ------------------------------------------------------ */

enum cfg_driver {
	CFG_DRIVER_FAKE = 0,
	CFG_DRIVER_XDP,
	CFG_DRIVER_IPVS,
	CFG_DRIVER__COUNT,
};

enum cfg_proto {
	CFG_PROTO_TCP = 6,
	CFG_PROTO_UDP = 17,
	CFG_PROTO_SCTP = 132,
};

/* Order is part of the ABI of cfg_driver_caps.schedulers (a bitmask). */
enum cfg_sched {
	CFG_SCHED_MAGLEV = 0,
	CFG_SCHED_RR,
	CFG_SCHED_WRR,
	CFG_SCHED_LC,
	CFG_SCHED_WLC,
	CFG_SCHED_LBLC,
	CFG_SCHED_LBLCR,
	CFG_SCHED_DH,
	CFG_SCHED_SH,
	CFG_SCHED_SED,
	CFG_SCHED_NQ,
	CFG_SCHED_FO,
	CFG_SCHED_OVF,
	CFG_SCHED_MH,
	CFG_SCHED_TWOS,
	CFG_SCHED__COUNT,
};

/*
 * Forwarding methods. XDP offers dsr (IPIP/IP6IP6 encapsulation) and nat;
 * IPVS offers nat (masquerading), dr (direct routing) and tunnel.
 * CFG_FWD_DEFAULT means "inherit from the level above".
 */
enum cfg_fwd {
	CFG_FWD_DEFAULT = 0,
	CFG_FWD_DSR,
	CFG_FWD_NAT,
	CFG_FWD_DR,
	CFG_FWD_TUNNEL,
	CFG_FWD__COUNT,
};

enum cfg_tunnel_type {
	CFG_TUN_IPIP = 0,
	CFG_TUN_GUE,
	CFG_TUN_GRE,
};

enum cfg_hash {
	CFG_HASH_5TUPLE = 0, /* source and destination address and port */
	CFG_HASH_SOURCE,     /* source address only: client affinity */
};

enum cfg_ha_mode {
	CFG_HA_NONE = 0,
	CFG_HA_VRRP,
	CFG_HA_BGP, /* every node active, VIPs announced through FRR's bgpd */
};

/* Which VRRP implementation moves the VIPs (render, patch-frr, doctor). */
enum cfg_ha_provider {
	CFG_HA_PROVIDER_KEEPALIVED = 0, /* adds and removes the VIP address */
	CFG_HA_PROVIDER_FRR,            /* VIP on a macvlan, backup protodown */
};

enum cfg_standby {
	CFG_STANDBY_WITHDRAW = 0, /* remove our services while standby */
	CFG_STANDBY_WARM,         /* keep the dataplane programmed */
};

enum cfg_hc_type {
	CFG_HC_TCP = 0,
	CFG_HC_HTTP,
	CFG_HC_HTTPS,
	CFG_HC_UDP,
	CFG_HC_ICMP,
	CFG_HC_EXEC,
	CFG_HC_NONE,
	CFG_HC__COUNT,
};

enum cfg_xdp_mode {
	CFG_XDP_MODE_AUTO = 0, /* native when the driver supports it */
	CFG_XDP_MODE_NATIVE,
	CFG_XDP_MODE_GENERIC,
};

/* ---- source locations -------------------------------------------------- */

/* Where an object was declared, for messages after loading (1-based). */
struct cfg_loc {
	uint32_t line;
	uint32_t col;
};

/* ---- health checks ----------------------------------------------------- */

/* An inclusive range of accepted HTTP status codes. */
struct cfg_code_range {
	uint16_t lo;
	uint16_t hi;
};

/* Bits of cfg_health.set: which fields the YAML set at this level. */
enum cfg_health_field {
	CFG_HF_TYPE = 1u << 0,
	CFG_HF_INTERVAL = 1u << 1,
	CFG_HF_FAST_INTERVAL = 1u << 2,
	CFG_HF_TIMEOUT = 1u << 3,
	CFG_HF_RISE = 1u << 4,
	CFG_HF_FALL = 1u << 5,
	CFG_HF_PORT = 1u << 6,
	CFG_HF_SOURCE = 1u << 7,
	CFG_HF_METHOD = 1u << 8,
	CFG_HF_PATH = 1u << 9,
	CFG_HF_HOST = 1u << 10,
	CFG_HF_EXPECT = 1u << 11,
	CFG_HF_BODY = 1u << 12,
	CFG_HF_BODY_REGEX = 1u << 13,
	CFG_HF_MAX_RESPONSE = 1u << 14,
	CFG_HF_TLS_VERIFY = 1u << 15,
	CFG_HF_CA_FILE = 1u << 16,
	CFG_HF_SNI = 1u << 17,
	CFG_HF_PAYLOAD = 1u << 18,
	CFG_HF_EXPECT_PAYLOAD = 1u << 19,
	CFG_HF_COMMAND = 1u << 20,
	CFG_HF_SLOW_START = 1u << 21,
	CFG_HF_INITIAL = 1u << 22,
};

/*
 * Fully resolved health settings: defaults, then the top-level `health:`,
 * then the pool's, then the backend's, each overriding the fields it sets.
 */
struct cfg_health {
	enum cfg_hc_type type;
	uint32_t interval_ms;
	uint32_t fast_interval_ms;  /* while a state is unconfirmed */
	uint32_t timeout_ms;
	uint32_t rise;
	uint32_t fall;
	uint16_t port;              /* 0: the backend's port */
	struct lb_addr source;      /* family 0: kernel's choice */
	uint32_t slow_start_ms;     /* weight ramp after recovery; 0 = none */
	bool initial_up;            /* a new real takes traffic before its first result */
	/* http / https */
	const char *method;         /* "GET" or "HEAD" */
	const char *path;
	const char *host;           /* NULL: the backend address */
	const struct cfg_code_range *expect;
	size_t n_expect;
	const char *body;           /* substring the body must contain, or NULL */
	const char *body_regex;     /* POSIX extended regex, or NULL */
	uint32_t max_response;      /* bytes read at most */
	/* https */
	bool tls_verify;
	const char *ca_file;
	const char *sni;
	/* udp */
	const char *payload;
	const char *expect_payload;
	/* exec: argv[0] is an absolute path; never passed to a shell */
	const char *const *command;
	size_t n_command;
	uint32_t set;               /* CFG_HF_* bits set at the innermost level */
};

/* ---- pools and services ------------------------------------------------ */

struct cfg_backend {
	struct lb_addr addr;
	uint16_t port;              /* 0: the service's port */
	uint32_t weight;            /* 0 = drain: no new flows */
	uint32_t upper_threshold;   /* IPVS connection limits, 0 = none */
	uint32_t lower_threshold;
	enum cfg_fwd forwarding;    /* IPVS per-real override, or DEFAULT */
	bool disabled;              /* administratively out of rotation */
	const struct cfg_health *health; /* resolved; points at the pool's when not overridden */
	struct cfg_loc loc;
};

struct cfg_pool {
	const char *name;
	struct cfg_backend *backends;
	size_t n_backends;
	struct cfg_health health;   /* resolved for this pool */
	struct cfg_loc loc;
};

enum cfg_service_flag {
	CFG_SVC_ANY_PORT = 1u << 0,       /* XDP: match every port of the address */
	CFG_SVC_SCHED_FALLBACK = 1u << 1, /* IPVS sh/mh: skip overloaded reals */
	CFG_SVC_SCHED_PORT = 1u << 2,     /* IPVS sh/mh: hash the source port too */
	CFG_SVC_PERSISTENT = 1u << 3,     /* IPVS persistence timeout set */
};

struct cfg_service {
	const char *name;
	struct lb_addr addr;        /* family set even for fwmark services */
	uint16_t port;              /* 0 with CFG_SVC_ANY_PORT or fwmark */
	enum cfg_proto proto;
	uint32_t fwmark;            /* IPVS firewall-mark service; 0 = by address */
	size_t pool;                /* index into cfg.pools */
	ssize_t fallback_pool;      /* index, or -1 */
	enum cfg_sched sched;
	enum cfg_hash hash;
	enum cfg_fwd forwarding;    /* resolved: never DEFAULT */
	enum cfg_tunnel_type tunnel_type; /* with CFG_FWD_TUNNEL */
	uint16_t tunnel_port;       /* GUE destination port */
	uint32_t flags;             /* CFG_SVC_* */
	uint32_t persistence_s;     /* IPVS persistence timeout, seconds */
	uint8_t persistence_prefix; /* IPVS persistence netmask as prefix length */
	struct cfg_loc loc;
};

/* ---- dataplane, HA, daemon --------------------------------------------- */

struct cfg_xdp {
	enum cfg_fwd forwarding;    /* default for services: DSR or NAT */
	enum cfg_xdp_mode mode;
	uint32_t ring_size;         /* largest Maglev M, prime, 251..655373 */
	uint32_t ring_memory;       /* MiB of kernel memory for every ring */
	uint32_t flow_table_size;   /* per-CPU LRU entries */
	uint32_t max_services;
	uint32_t max_reals;
	uint32_t new_flow_limit;    /* per-CPU new flows/s before flood bypass; 0 = off */
	struct lb_addr tunnel_source_v4;
	struct lb_addr tunnel_source_v6;
	const char *pin_path;       /* bpffs directory */
};

struct cfg_ipvs {
	enum cfg_fwd forwarding;    /* default for reals: NAT, DR or TUNNEL */
	enum cfg_tunnel_type tunnel_type;
	uint16_t tunnel_port;
};

struct cfg_fake {
	const char *state_file;     /* NULL: in memory only */
};

struct cfg_dataplane {
	enum cfg_driver driver;
	const char *interface;      /* required for xdp */
	struct cfg_xdp xdp;
	struct cfg_ipvs ipvs;
	struct cfg_fake fake;
};

struct cfg_ha {
	enum cfg_ha_mode mode;
	const char *interface;      /* where the VIPs appear */
	enum cfg_standby standby;
	enum cfg_ha_provider provider;
};

/* One node of the VRRP pair (or group): the same YAML serves every node. */
struct cfg_vrrp_node {
	const char *name;           /* matched against --node or the hostname */
	struct lb_addr addr;        /* its address on ha.interface: advert source */
	uint8_t priority;           /* 1..254 */
	struct cfg_loc loc;
};

/* One VRRP instance (keepalived vrrp_instance, FRR `vrrp VRID`). */
struct cfg_vrrp_group {
	const char *name;
	uint8_t vrid;               /* 1..255, unique */
	const struct lb_addr *vips; /* the service addresses it carries */
	size_t n_vips;
	struct cfg_loc loc;
};

/*
 * The `vrrp:` section: the one place VIPs are declared for the gate, for
 * `ballast vrrp render keepalived` and for `ballast vrrp patch-frr`.
 * present is false when the YAML has none; the gate then treats every
 * distinct service address as a group of its own.
 */
struct cfg_vrrp {
	bool present;
	uint8_t version;            /* 2 or 3 (default 3) */
	uint32_t advert_interval_ms;/* default 1000 */
	bool preempt;               /* default true */
	bool unicast;               /* adverts to the other nodes' addresses */
	const char *auth_pass;      /* VRRPv2 PASS (keepalived only), or NULL */
	const struct cfg_vrrp_node *nodes;
	size_t n_nodes;
	const struct cfg_vrrp_group *groups;
	size_t n_groups;
	struct cfg_loc loc;
};

/* A BGP neighbour of one node (rendered into bgpd; Ballast speaks no BGP). */
struct cfg_bgp_neighbor {
	struct lb_addr addr;
	uint32_t asn;
	struct cfg_loc loc;
};

/* One load-balancer node of the scale-out group. */
struct cfg_bgp_node {
	const char *name;           /* matched against --node or the host name */
	struct lb_addr router_id;   /* IPv4 */
	const struct cfg_bgp_neighbor *neighbors;
	size_t n_neighbors;
	struct cfg_loc loc;
};

/*
 * The `bgp:` section (ha.mode: bgp). A node announces a VIP by adding a
 * kernel route for it (protocol route_protocol, table route_table) that
 * FRR's zebra sees and bgpd redistributes; it withdraws by deleting it.
 */
struct cfg_bgp {
	bool present;
	uint32_t asn;               /* the load-balancer nodes' AS */
	uint8_t route_protocol;     /* default 200 */
	uint32_t route_table;       /* default 254 (main) */
	uint32_t min_healthy;       /* reals up a service needs; default 1 */
	uint32_t drain_wait_ms;     /* `ballast node drain`: default 30 s */
	uint32_t keepalive_s;       /* bgpd timers; default 1 */
	uint32_t hold_time_s;       /* default 3 */
	bool bfd;                   /* default false */
	uint32_t bfd_interval_ms;   /* default 100 */
	uint32_t bfd_multiplier;    /* default 3 */
	const struct cfg_bgp_node *nodes;
	size_t n_nodes;
	struct cfg_loc loc;
};

struct cfg_daemon {
	uint32_t tick_ms;
	const char *api_socket;
	const char *api_listen;     /* optional TCP "host:port"; needs a token */
	const char *api_token_file;
	const char *api_tls_cert;   /* PEM; with api_tls_key: TLS on api_listen */
	const char *api_tls_key;
	const char *metrics_listen; /* "host:port", or NULL for off */
	const char *log_level;
	/* blast-radius guard: refuse a pass removing more of all reals */
	double max_removal_fraction; /* (0, 1]; default 0.5 */
	/* this generation may remove every real / more than the fraction */
	bool allow_mass_removal;
};

struct cfg {
	const char *path;           /* as given to cfg_load */
	char sha256[65];            /* of the file's bytes, hex */
	uint32_t version;           /* format version, 1 */
	struct cfg_dataplane dataplane;
	struct cfg_ha ha;
	struct cfg_vrrp vrrp;
	struct cfg_bgp bgp;
	struct cfg_daemon daemon;
	struct cfg_health health;   /* resolved top-level defaults */
	struct cfg_pool *pools;
	size_t n_pools;
	struct cfg_service *services;
	size_t n_services;
};

/* ---- driver capabilities ----------------------------------------------- */

/*
 * What each dataplane driver can express. Validation uses it without opening
 * a dataplane; drivers point their ops table at the same entry so the two can
 * never disagree.
 */
struct cfg_driver_caps {
	const char *name;
	uint32_t schedulers;        /* bit (1 << enum cfg_sched) */
	uint32_t forwarding;        /* bit (1 << enum cfg_fwd) */
	bool fwmark;
	bool any_port;
	bool sctp;
	bool mixed_family;          /* IPv4 service with IPv6 reals or back */
	uint32_t max_services;
	uint32_t max_reals_per_service;
	uint32_t max_reals;
};

const struct cfg_driver_caps *cfg_driver_caps(enum cfg_driver d);

/* ---- names ------------------------------------------------------------- */

const char *cfg_driver_name(enum cfg_driver d);
/* "tcp", "udp", "sctp"; "?" for any other number. */
const char *cfg_proto_name(enum cfg_proto p);
/* The name of IP protocol number proto, NULL when it is none of the above. */
const char *cfg_ipproto_name(unsigned proto);
/* A protocol's name to its number; -EINVAL for a name not listed. */
int cfg_proto_parse(const char *s, enum cfg_proto *out);
const char *cfg_sched_name(enum cfg_sched s);
const char *cfg_fwd_name(enum cfg_fwd f);
const char *cfg_hc_type_name(enum cfg_hc_type t);
const char *cfg_tunnel_type_name(enum cfg_tunnel_type t);
const char *cfg_ha_mode_name(enum cfg_ha_mode m);
int cfg_sched_parse(const char *s, enum cfg_sched *out);

/* ---- diagnostics ------------------------------------------------------- */

enum cfg_severity {
	CFG_SEV_ERROR = 0,
	CFG_SEV_WARNING,
};

enum cfg_diag_kind {
	CFG_DIAG_SYNTAX = 0,   /* YAML could not be parsed */
	CFG_DIAG_SCHEMA,       /* unknown key, wrong type, missing field */
	CFG_DIAG_SEMANTIC,     /* well-formed but inconsistent */
};

struct cfg_diag {
	const char *file;
	uint32_t line;          /* 1-based; 0 when not tied to a place */
	uint32_t col;
	enum cfg_severity severity;
	enum cfg_diag_kind kind;
	const char *path;       /* e.g. "services[2].pool" */
	const char *message;
};

struct cfg_diags {
	struct cfg_diag *items;
	size_t n;
	size_t cap;
	size_t n_errors;
	size_t n_warnings;
	bool has_syntax_or_schema;
};

void cfg_diags_free(struct cfg_diags *d);

/* ---- loading ----------------------------------------------------------- */

/*
 * Load and validate a file. On success returns 0 and *out; warnings may be
 * in diags. On failure returns a negative errno (-EINVAL for a bad config,
 * with every problem in diags; -ENOENT etc. for I/O, also as a diagnostic)
 * and *out is NULL.
 */
int cfg_load(const char *path, struct cfg **out, struct cfg_diags *diags)
	__attribute__((warn_unused_result));
/* The same from memory; `name` is used in diagnostics. */
int cfg_load_buffer(const char *name, const char *buf, size_t len,
		    struct cfg **out, struct cfg_diags *diags)
	__attribute__((warn_unused_result));
void cfg_free(struct cfg *cfg);

/*
 * "500ms", "2s", "1m", "1h", and sums such as "1m30s", as the file writes
 * durations; commands use it for their own duration options. 0, or -EINVAL
 * with *why saying what is wrong (a bare number gets a hint about units), or
 * -ERANGE above UINT32_MAX milliseconds.
 */
int cfg_parse_duration(const char *s, uint32_t *ms, const char **why);
/* Format a duration the way the user would write it ("1500ms", "2s", "1m"). */
const char *cfg_fmt_duration(uint32_t ms, char *buf, size_t len);

/* The path to use: explicit, else $BALLAST_CONFIG, else the default. */
const char *cfg_default_path(const char *explicit_path);

/*
 * The distinct addresses of cfg's services that have one (not fwmark), in
 * the order of their first service. *out (n items) is freed with free().
 * 0 or -ENOMEM.
 */
int cfg_service_vips(const struct cfg *cfg, struct lb_addr **out, size_t *n)
    __attribute__((warn_unused_result));

/* Exit code for `ballast validate`: 0 ok, 1 syntax/schema, 2 semantic. */
int cfg_diags_exit_code(const struct cfg_diags *d);

#endif
