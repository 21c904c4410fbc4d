/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The state model every dataplane shares: services keyed by
 * (family, address, port, protocol) or by firewall mark, each with reals keyed
 * by (family, address, port). Plain data, so desired state, state read back
 * from a kernel, and state persisted by the fake dataplane are all the same
 * thing and one diff serves them all.
 */
#ifndef BALLAST_RECONCILE_MODEL_H
#define BALLAST_RECONCILE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"

#define RC_SCHED_NAME_MAX 16
#define RC_SVC_NAME_MAX 64

/* Forwarding method of a real, as the dataplane sees it. */
enum rc_fwd {
	RC_FWD_MASQ = 0, /* NAT: rewrite destination */
	RC_FWD_DR,       /* direct routing: rewrite MAC only */
	RC_FWD_TUNNEL,   /* encapsulate (IPIP / IP6IP6, or GUE/GRE) */
};

enum rc_tunnel {
	RC_TUN_IPIP = 0,
	RC_TUN_GUE,
	RC_TUN_GRE,
};

/* Service flags; part of the compared state. */
enum rc_svc_flag {
	RC_SVC_F_HASH_SRC = 1u << 0,      /* hash on source address only */
	RC_SVC_F_ANY_PORT = 1u << 1,      /* match every destination port */
	RC_SVC_F_SCHED_FALLBACK = 1u << 2,
	RC_SVC_F_SCHED_PORT = 1u << 3,
	RC_SVC_F_PERSISTENT = 1u << 4,
};

/*
 * Identity of a service. For fwmark services addr is zero but its family is
 * set; port and proto are zero. The struct is compared with memcmp after
 * rc_svc_key_init(), so padding is explicit and zeroed.
 */
struct rc_svc_key {
	struct lb_addr addr;
	uint32_t fwmark;
	uint16_t port;
	uint8_t proto;
	uint8_t pad;
};

struct rc_counters {
	uint64_t conns;
	uint64_t packets_in;
	uint64_t packets_out;
	uint64_t bytes_in;
	uint64_t bytes_out;
};

struct rc_real {
	/* identity */
	struct lb_addr addr;
	uint16_t port;
	/* compared state */
	uint32_t weight;
	uint8_t fwd;            /* enum rc_fwd */
	uint8_t tunnel;         /* enum rc_tunnel, with RC_FWD_TUNNEL */
	uint16_t tunnel_port;   /* GUE */
	uint32_t u_threshold;
	uint32_t l_threshold;
	/* observed only; never compared */
	struct rc_counters stats;
	uint32_t active_conns;
	uint32_t inactive_conns;
};

struct rc_service {
	struct rc_svc_key key;
	/* compared state */
	char sched[RC_SCHED_NAME_MAX];
	uint32_t flags;         /* RC_SVC_F_* */
	uint32_t timeout;       /* persistence, seconds */
	uint8_t netmask;        /* persistence prefix length */
	/* informational */
	char name[RC_SVC_NAME_MAX]; /* config name; "" when unknown */
	bool owned;             /* created by Ballast (dataplane tells) */
	struct rc_counters stats;
	/* reals, sorted by (addr, port) after rc_state_sort() */
	struct rc_real *reals;
	size_t n_reals;
	size_t cap_reals;
};

/* A set of services, sorted by key after rc_state_sort(). */
struct rc_state {
	struct rc_service *svcs;
	size_t n;
	size_t cap;
};

void rc_state_init(struct rc_state *s);
void rc_state_free(struct rc_state *s);
/* Deep copy; dst must be initialised (its contents are released). */
int rc_state_copy(struct rc_state *dst, const struct rc_state *src)
	__attribute__((warn_unused_result));

void rc_svc_key_init(struct rc_svc_key *k, const struct lb_addr *addr,
		     uint16_t port, uint8_t proto, uint32_t fwmark);
int rc_svc_key_cmp(const struct rc_svc_key *a, const struct rc_svc_key *b);
int rc_real_key_cmp(const struct rc_real *a, const struct rc_real *b);
/* rc_svc_key_cmp for qsort() and bsearch() over arrays of keys. */
int rc_svc_key_qsort_cmp(const void *a, const void *b);
/*
 * A copy of keys[0..n) sorted by rc_svc_key_cmp (duplicates kept) in *out,
 * to be freed; *out is NULL when n is 0. 0 or -ENOMEM.
 */
int rc_svc_keys_sorted(const struct rc_svc_key *keys, size_t n,
		       struct rc_svc_key **out)
	__attribute__((warn_unused_result));

/*
 * Lower bounds in arrays sorted by key: the index of the first element whose
 * key is >= the one given, n when there is none. Where to look up an element
 * or insert it so the array stays sorted.
 */
size_t rc_svc_lower_bound(const struct rc_service *a, size_t n,
			  const struct rc_svc_key *key);
size_t rc_svc_key_lower_bound(const struct rc_svc_key *a, size_t n,
			      const struct rc_svc_key *key);
size_t rc_real_lower_bound(const struct rc_real *a, size_t n,
			   const struct lb_addr *addr, uint16_t port);

/*
 * Append a service (zeroed apart from the key) and return it, or NULL on
 * allocation failure. Pointers into the state are invalidated by further
 * appends until the state is sorted and no longer grows.
 */
struct rc_service *rc_state_add_service(struct rc_state *s,
					const struct rc_svc_key *key);
/* Append a real (zeroed apart from identity); NULL on allocation failure. */
struct rc_real *rc_service_add_real(struct rc_service *svc,
				    const struct lb_addr *addr, uint16_t port);

/* Sort services and their reals. -EEXIST if a key appears twice. */
int rc_state_sort(struct rc_state *s) __attribute__((warn_unused_result));

/*
 * Keep only the services whose key is one of keys[0..n) (any order,
 * duplicates allowed; keys absent from the state are ignored) and release the
 * others. The state must be sorted and stays sorted. 0 or -ENOMEM.
 */
int rc_state_restrict(struct rc_state *s, const struct rc_svc_key *keys,
		      size_t n) __attribute__((warn_unused_result));

/* Binary search in a sorted state / service. */
struct rc_service *rc_state_find(const struct rc_state *s,
				 const struct rc_svc_key *key);
struct rc_real *rc_service_find_real(const struct rc_service *svc,
				     const struct lb_addr *addr,
				     uint16_t port);
bool rc_service_remove_real(struct rc_service *svc, const struct lb_addr *addr,
			    uint16_t port);
bool rc_state_remove_service(struct rc_state *s, const struct rc_svc_key *key);

/* "tcp 192.0.2.1:80", "udp [2001:db8::1]:53", "fwmark 7 (inet6)". */
const char *rc_svc_key_fmt(const struct rc_svc_key *k, char *buf, size_t len);
const char *rc_fwd_name(uint8_t fwd);
const char *rc_tunnel_name(uint8_t tun);
size_t rc_state_count_reals(const struct rc_state *s);

/* Compared fields equal (identity and observed fields ignored). */
bool rc_service_attrs_equal(const struct rc_service *a,
			    const struct rc_service *b);
bool rc_real_attrs_equal(const struct rc_real *a, const struct rc_real *b);

#endif
