/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The gate's private parts. Sections, from the kernel inwards:
 *  - table.c:  links and addresses as rtnetlink last described them;
 *  - rtnl.c:   one rtnetlink message into the table, with its cause text;
 *  - core.c:   from the table to each group's state (no sockets: unit tests
 *              drive it with crafted messages);
 *  - advert.c: VRRP advertisement parsing (bounded; bad packets are errors);
 *  - watch.c, adverts.c: the sockets, on the daemon's lb_loop.
 */
#ifndef BALLAST_VRRP_VRRP_INTERNAL_H
#define BALLAST_VRRP_VRRP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>

#include "lib/nl.h"
#include "vrrp/vrrp.h"

/* ---- table ------------------------------------------------------------- */

/* IFNAMSIZ, without choosing between <net/if.h> and <linux/if.h> here. */
#define VW_IFNAMSIZ 16

struct vw_link {
	int ifindex;
	char name[VW_IFNAMSIZ];
	unsigned int flags;  /* IFF_* */
	int parent;          /* IFLA_LINK in this namespace, or 0 */
	bool protodown;      /* IFLA_PROTO_DOWN (FRR's backup signal) */
	bool stale;          /* not seen again since vw_table_mark */
};

struct vw_ifaddr {
	int ifindex;
	struct lb_addr addr;
	uint32_t flags;      /* IFA_F_* */
	bool stale;
};

struct vw_table {
	struct vw_link *links;
	size_t n_links, cap_links;
	struct vw_ifaddr *addrs;
	size_t n_addrs, cap_addrs;
};

void vw_table_free(struct vw_table *t);
struct vw_link *vw_table_link(const struct vw_table *t, int ifindex);
struct vw_link *vw_table_link_by_name(const struct vw_table *t,
				      const char *name);
/* Insert or find; a new link is zeroed but for its ifindex. */
int vw_table_link_get(struct vw_table *t, int ifindex, struct vw_link **out,
		      bool *created) __attribute__((warn_unused_result));
/* Drop the link and every address on it. */
void vw_table_link_del(struct vw_table *t, int ifindex);
struct vw_ifaddr *vw_table_addr(const struct vw_table *t, int ifindex,
				const struct lb_addr *a);
int vw_table_addr_get(struct vw_table *t, int ifindex,
		      const struct lb_addr *a, struct vw_ifaddr **out,
		      bool *created) __attribute__((warn_unused_result));
void vw_table_addr_del(struct vw_table *t, int ifindex,
		       const struct lb_addr *a);
/* Is a an address of this host (any link)? */
bool vw_table_is_local(const struct vw_table *t, const struct lb_addr *a);
/* Before a full dump: everything is stale until the dump shows it. */
void vw_table_mark(struct vw_table *t);
/* After the dump: drop what it did not show. */
void vw_table_sweep(struct vw_table *t);

/* ---- rtnetlink messages ----------------------------------------------- */

/*
 * Apply one RTM_{NEW,DEL}{LINK,ADDR} to the table. Returns 1 when the table
 * changed in a way the gate can see (cause then says how, e.g. "carrier lost
 * on vrrp51"), 0 when not, -ENOMEM. Malformed messages are ignored (0).
 */
int vw_rtnl_apply(struct vw_table *t, const struct nlmsghdr *nh, char *cause,
		  size_t cause_len) __attribute__((warn_unused_result));

/* ---- core -------------------------------------------------------------- */

struct vw_gstate {
	char *name;
	uint8_t vrid;
	struct lb_addr *vips;
	size_t n_vips;
	bool active;
	bool split_brain;
	struct lb_addr peer;
	uint64_t peer_last_ms;
	uint64_t since_ms;
	uint64_t transitions;
	char cause[VW_CAUSE_MAX];
};

struct vw_core {
	char ifname[VW_IFNAMSIZ];
	struct vw_table tab;
	struct vw_gstate *groups;
	size_t n_groups;
	uint32_t sb_expiry_ms; /* 3 advert intervals + margin */
};

/* Called for every group whose state changed (VW_CH_* bits). */
typedef void (*vw_emit_fn)(void *arg, size_t group, unsigned int changed);

/* Replace interface and groups (state kept for groups of the same name). */
int vw_core_configure(struct vw_core *c, const struct vw_opts *opts,
		      uint64_t now_ms) __attribute__((warn_unused_result));
void vw_core_free(struct vw_core *c);
/*
 * Where a VIP is: the link (ha.interface or its child) that carries it, or
 * NULL; *held says whether that link is up with carrier and the address
 * usable.
 */
const struct vw_link *vw_core_vip(const struct vw_core *c,
				  const struct lb_addr *vip, bool *held);
size_t vw_core_n_held(const struct vw_core *c, size_t group);
/*
 * Recompute every group from the table. emit (may be NULL: the initial
 * state) is called for each change, after the group's cause is set.
 */
void vw_core_update(struct vw_core *c, const char *cause, uint64_t now_ms,
		    vw_emit_fn emit, void *arg);

/* ---- VRRP adverts ------------------------------------------------------ */

#define VW_VRRP_PROTO 112
#define VW_VRRP_HDR 8

struct vw_advert {
	uint8_t version;    /* 2 or 3 */
	uint8_t vrid;
	uint8_t priority;
	uint8_t n_addrs;
	uint16_t interval_cs; /* v3: centiseconds; v2: seconds * 100 */
};

/*
 * Parse a VRRP message (what follows the IP header) of `family` (the
 * addresses' size depends on it). 0 or -EINVAL/-EMSGSIZE for anything
 * malformed or truncated.
 */
int vw_advert_parse(const uint8_t *p, size_t len, int family,
		    struct vw_advert *out) __attribute__((warn_unused_result));
/*
 * An IPv4 packet as a raw socket delivers it (IP header included): checks
 * the header, protocol and TTL 255 (RFC 5798 5.1.1.3), then the message.
 */
int vw_advert_parse_ip4(const uint8_t *p, size_t len, struct lb_addr *src,
			struct vw_advert *out)
    __attribute__((warn_unused_result));

/*
 * An advert from src (not one of ours) was seen at now_ms: flags every
 * held group with its VRID. Returns the groups it raised through emit.
 */
void vw_core_advert(struct vw_core *c, const struct vw_advert *a,
		    const struct lb_addr *src, uint64_t now_ms,
		    vw_emit_fn emit, void *arg);
/*
 * Clear the flags whose last advert is older than the expiry. Returns the
 * next deadline (CLOCK_MONOTONIC ms) or 0 when no flag is up.
 */
uint64_t vw_core_sb_expire(struct vw_core *c, uint64_t now_ms,
			   vw_emit_fn emit, void *arg);

/* ---- the watcher ------------------------------------------------------- */

struct vw_adverts;

struct vw {
	struct vw_core core;
	struct lb_loop *loop;       /* NULL for a snapshot */
	vw_event_fn cb;
	void *arg;
	struct lb_nl *nl;
	struct lb_watch nlw;
	int rcvbuf;
	uint64_t resyncs;
	uint64_t now_ms;            /* of the kernel event being handled */
	bool in_dump;
	struct vw_adverts *adv;
	struct lb_timer *sb_timer;   /* split-brain flags' expiry */
	struct lb_timer *retry_timer;/* a resync that failed */
};

/* Report one group's change through the user's callback. */
void vw_emit(void *arg, size_t group, unsigned int changed);

int vw_adverts_open(struct vw *w, char *why, size_t why_len)
    __attribute__((warn_unused_result));
void vw_adverts_close(struct vw *w);
/* ha.interface appeared, vanished or changed index: (re)join the groups. */
void vw_adverts_sync(struct vw *w);
/* Arm the split-brain expiry for the core's next deadline. */
void vw_adverts_arm(struct vw *w);
uint64_t vw_adverts_seen(const struct vw *w);

#endif
