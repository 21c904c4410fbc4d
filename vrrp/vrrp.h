/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The HA gate: is this node holding the VIPs of each VRRP group right now?
 *
 * keepalived adds and removes the VIP addresses; FRR's vrrpd keeps them on a
 * macvlan on both nodes and takes the backup's macvlan carrier down
 * (protodown). So a VIP is held when its address is on ha.interface, or on a
 * link whose parent is ha.interface, and that link is administratively up
 * with carrier (IFF_UP and IFF_LOWER_UP). A group is active while every one
 * of its VIPs is held.
 *
 * The watcher follows the kernel over rtnetlink (libmnl): it subscribes to
 * address and link events before it dumps, so no change falls between the
 * two, and dumps again when the socket overflowed (ENOBUFS). Group changes
 * are reported through the callback from the lb_loop, within the loop round
 * that read the kernel event: no polling.
 *
 * Split brain: only a VRRP master sends adverts. With advert watching on, a
 * raw IPPROTO_VRRP socket sees adverts on the segment; an advert for a
 * group's VRID from an address that is not ours while we hold the group
 * means another node claims it too. The flag clears when no such advert has
 * come for 3 advert intervals plus a margin, or when we stop holding.
 */
#ifndef BALLAST_VRRP_VRRP_H
#define BALLAST_VRRP_VRRP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "lib/addr.h"
#include "lib/evloop.h"

struct vw;

#define VW_CAUSE_MAX 160

/* One group the gate follows. Copied by vw_new/vw_reconfigure. */
struct vw_group_spec {
	const char *name;           /* group name, or the VIP's text */
	uint8_t vrid;               /* 0: unknown (no vrrp: section) */
	const struct lb_addr *vips;
	size_t n_vips;
};

struct vw_opts {
	const char *interface;      /* ha.interface */
	const struct vw_group_spec *groups;
	size_t n_groups;
	/* split-brain detection: listen for VRRP adverts (needs CAP_NET_RAW) */
	bool watch_adverts;
	uint32_t advert_interval_ms; /* for the flag's expiry */
	const struct lb_addr *peers; /* the other nodes' addresses (may be 0) */
	size_t n_peers;
	/* rtnetlink receive buffer in bytes, 0: the system's default (tests
	 * shrink it to make the socket overflow) */
	int rcvbuf;
};

/*
 * The groups the gate follows for a config: the vrrp: section's groups, or,
 * without one, one group per distinct service address (fwmark services have
 * none). *out is one allocation the caller frees with free(); the specs'
 * pointers point into cfg and into that allocation.
 */
int vw_groups_from_cfg(const struct cfg *cfg, struct vw_group_spec **out,
		       size_t *n) __attribute__((warn_unused_result));

/*
 * Index of the group that carries a service's address, or -1 (a fwmark
 * service, or an address in no group).
 */
ssize_t vw_group_of_service(const struct vw_group_spec *groups, size_t n,
			    const struct cfg_service *svc);

/*
 * vw_group_of_service for every service of cfg at once, into map[0..
 * cfg->n_services): by a sorted index of the VIPs, not a walk of every
 * group per service. 0 or -ENOMEM.
 */
int vw_groups_of_services(const struct vw_group_spec *groups, size_t n,
			  const struct cfg *cfg, ssize_t *map)
    __attribute__((warn_unused_result));

enum vw_change {
	VW_CH_ACTIVE = 1u << 0,      /* the group became active or standby */
	VW_CH_SPLIT_BRAIN = 1u << 1, /* the peer-claims flag rose or cleared */
};

struct vw_event {
	size_t group;               /* index into the specs */
	unsigned int changed;       /* VW_CH_* */
	bool active;
	bool split_brain;
	uint64_t mono_ms;           /* when the kernel event was read */
	char cause[VW_CAUSE_MAX];   /* "address 10.0.0.100 added on eth0", ... */
};

typedef void (*vw_event_fn)(void *arg, const struct vw_event *ev);

/*
 * Open the rtnetlink socket, subscribe, dump, register with the loop. The
 * initial state is known when this returns (no events are reported for
 * it). 0, or -errno with `why` naming the object and the remedy.
 */
int vw_new(struct lb_loop *loop, const struct vw_opts *opts, vw_event_fn cb,
	   void *arg, struct vw **out, char *why, size_t why_len)
    __attribute__((warn_unused_result));
/* New groups (config reload): recomputes, reports changed groups. */
int vw_reconfigure(struct vw *w, const struct vw_opts *opts)
    __attribute__((warn_unused_result));
void vw_free(struct vw *w);

/* One-shot: read the kernel once (for `plan`, `apply` and doctor). */
int vw_snapshot(const struct vw_opts *opts, struct vw **out, char *why,
		size_t why_len) __attribute__((warn_unused_result));

/*
 * vw_snapshot of the groups cfg asks for (vw_groups_from_cfg) on
 * ha.interface, for a one-shot command. 0 with *w (vw_free) and *groups
 * (free() after *w), or -errno with nothing to free and `why` set when the
 * snapshot said why.
 */
int vw_snapshot_cfg(const struct cfg *cfg, struct vw **w,
		    struct vw_group_spec **groups, size_t *n, char *why,
		    size_t why_len) __attribute__((warn_unused_result));

size_t vw_n_groups(const struct vw *w);
bool vw_group_active(const struct vw *w, size_t group);
/*
 * Whether this node serves a service whose group is `group`
 * (vw_group_of_service's answer): that group is active; -1, a service with
 * no address of any group (fwmark), follows the node: any group is active.
 * The daemon's gate and a one-shot plan's decide alike through this.
 */
bool vw_serves_group(const struct vw *w, ssize_t group);

/* What status and metrics show for one group. */
struct vw_group_status {
	const char *name;
	uint8_t vrid;
	bool active;
	bool split_brain;
	size_t n_vips, n_held;
	uint64_t since_mono_ms;     /* of the last active/standby change */
	uint64_t transitions;
	struct lb_addr peer;        /* family 0: no foreign advert seen */
	uint64_t peer_last_mono_ms;
	char cause[VW_CAUSE_MAX];   /* of the last change */
};
int vw_group_status(const struct vw *w, size_t group,
		    struct vw_group_status *out);
/* Per VIP: held, and the link it is on ("" when absent). */
int vw_vip_status(const struct vw *w, size_t group, size_t vip, bool *held,
		  char ifname[16]);
/* Counters: rtnetlink resyncs after ENOBUFS, adverts seen. */
uint64_t vw_resyncs(const struct vw *w);
uint64_t vw_adverts_seen(const struct vw *w);

#endif
