/* SPDX-License-Identifier: GPL-2.0-only */
/* Private parts of the XDP driver shared by its files. */
#ifndef BALLAST_DP_XDP_INTERNAL_H
#define BALLAST_DP_XDP_INTERNAL_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "dataplane/xdp/bpf/lb_shared.h"
#include "dataplane/xdp/loader.h"
#include "dataplane/xdp/xdp_rings.h"
#include "reconcile/dataplane.h"

/* The forwarder's maps, in the order of xdp_map_names[]. */
enum xdp_map {
	XM_VIPS = 0,
	XM_VIP_FILTER,
	XM_SERVICES,
	XM_SVC_SETS,
	XM_SVC_STATE,
	XM_REALS,
	XM_RINGS,
	XM_FLOWS,
	XM_CT,
	XM_CFG,
	XM_STATS,
	XM_SVC_CTR,
	XM_REAL_CTR,
	XM_NH_CACHE,
	XM_FLOOD,
	XM__COUNT,
};

extern const char *const xdp_map_names[XM__COUNT];

/* How the TC egress program is attached (xdp_meta.tc_kind). */
enum xdp_tc_kind {
	XDP_TC_NONE = 0,
	XDP_TC_LINK,   /* tcx link (kernel 6.6+), pinned as link_tc */
	XDP_TC_LEGACY, /* clsact filter, direct action */
};

/*
 * The "meta" map's single value: what this build must agree on with what is
 * pinned. A userspace-only array kept with the pins, so the kernel stays the
 * one source of truth and no state file is needed.
 */
struct xdp_meta {
	uint64_t layout; /* dp_xdp_layout_hash() of the pinning build */
	uint64_t prog;	 /* dp_xdp_prog_hash() of the attached program */
	struct dp_xdp_sizing sz;  /* sizes the maps were created with */
	uint32_t tc_kind;	  /* enum xdp_tc_kind */
	uint32_t tc_hook_created; /* we created the clsact qdisc */
	uint32_t ifindex;	  /* where the programs are attached */
	uint32_t pad;
};

/*
 * The "svc_meta" map, per service id, userspace only: what its active ring
 * was built from and a checksum of the ring, written at each publication.
 * read() checks a ring by these two (reading the ring's bytes once) instead
 * of building its Maglev table again: the sources hash catches reals or
 * weights changed without a new ring, the checksum a ring changed by hand.
 */
struct xdp_svc_meta {
	uint64_t
	    src; /* xdp_ring_src() of the reals and weights it was built from */
	uint64_t ring; /* xdp_ring_sum() of the ring as published */
};

/*
 * svc_meta is mappable. Its entry 0 (no service has id 0) holds the tables'
 * generation in `src`: random when the map is made, incremented by every
 * apply before its first write. A handle's index of the tables (struct
 * xdp_index) is valid only at the generation it was built at or last wrote.
 */
#define XDP_GEN_ID 0

/* lb_reals is mappable; in its mapping an entry takes 32 bytes. */
#define XDP_REAL_STRIDE 32

/* Real ids, ascending when an index is built. */
struct xdp_ids {
	uint32_t *id;
	size_t n, cap;
};

/* One service as found in lb_services, with its reals' ids. */
struct xdp_found {
	struct rc_svc_key key;
	struct lb_svc_key sk;
	struct lb_svc_val v;
	uint32_t first, n; /* range of its reals in an id list */
};

/*
 * What a handle knows of the pinned tables between passes, so that a pass
 * over a few services costs those services, not the table: the services by
 * key, each service's real ids (lb_reals has no index of its own), the ids
 * free for new reals and the ring pool's extents. Built from the maps
 * alone, as a full read sees them; trusted only while svc_meta's generation
 * is the one it was built at or this handle last wrote, so an apply by
 * another process (or one killed half-way) makes the next pass build it
 * again, and so does a restart (a new handle has none). What it names is
 * still read from the maps at each use: a real changed or cleared by hand
 * shows at once; a real added by hand to lb_reals shows at the next full
 * read.
 */
struct xdp_index {
	bool valid;
	bool verified; /* checked against lb_services since the last apply */
	uint64_t gen;
	struct xdp_found *svcs; /* lb_services, sorted by key */
	size_t n_svcs, cap_svcs;
	struct xdp_ids *reals;	/* by service id: its reals */
	uint32_t max_services;	/* reals[0..max_services] */
	struct xdp_ids orphans; /* live reals whose service is gone */
	struct xdp_ids fresh;	/* never-used ids, ascending */
	size_t fresh_at;	/* fresh.id[0..fresh_at) are handed out */
	struct xdp_ids freed;	/* ids freed (quarantined or past it) */
	struct xdp_pool pool;	/* lb_rings' extents of the services */
};

/* File names inside the pin directory besides the maps. */
#define XDP_PIN_META "meta"
#define XDP_PIN_SVC_META "svc_meta"
#define XDP_PIN_PROG "prog_xdp"
#define XDP_PIN_PROG_TC "prog_tc"
#define XDP_PIN_LINK "link_xdp"
#define XDP_PIN_LINK_TC "link_tc"

/* Handle and priority of the legacy TC filter (egress of clsact). */
#define XDP_TC_HANDLE 0xba11
#define XDP_TC_PRIO 0xba11

/*
 * A freed real id is not handed out again for this long (seconds): a flow
 * entry of the flow table that still names it is then either gone or has
 * been re-chosen from the ring by a packet of its flow.
 */
#define XDP_REAL_QUARANTINE_S 120u

struct dp {
	bool prepared;    /* xdp_pin_open() ran (first read/apply) */
	int prepare_err;  /* and what it returned */
	struct lb_addr tunnel_src4, tunnel_src6; /* family 0: the interface's */
	uint32_t new_flow_limit;
	char lock_name[128];
	char lock_what[PATH_MAX + 8];
	bool read_only;
	char pin_path[PATH_MAX]; /* dataplane.xdp.pin_path */
	char dir[PATH_MAX];	 /* <pin_path>/<interface> */
	char ifname[IF_NAMESIZE];
	int ifindex; /* 0 when the interface is gone */
	enum cfg_xdp_mode mode;
	bool default_nat;	 /* dataplane.xdp.forwarding is nat */
	struct dp_xdp_sizing sz; /* from the config */
	bool pinned;		 /* maps exist under dir */
	bool detached;		 /* pinned, but XDP is not attached */
	struct xdp_meta meta;	 /* as pinned (valid when pinned) */
	int fd[XM__COUNT];
	int meta_fd;
	int svc_meta_fd;  /* "svc_meta" */
	uint32_t *rings;  /* lb_rings mapped (MAP_SHARED) */
	size_t rings_len; /* bytes mapped */
	unsigned char *reals_map; /* lb_reals mapped, XDP_REAL_STRIDE each */
	size_t reals_len;
	struct xdp_svc_meta *svc_meta; /* svc_meta mapped */
	size_t svc_meta_len;
	struct xdp_index ix;
	uint64_t n_applies, n_ops_ok, n_ops_failed;
};

/* xdp_pin.c */
int xdp_pin_open(struct dp *dp) __attribute__((warn_unused_result));
/* bpf_obj_get of dir/name: fd or negative errno. */
int xdp_pin_get(const char *dir, const char *name);
/* Pin fd as dir/name, replacing what was pinned there. */
int xdp_pin_put(const char *dir, const char *name, int fd)
    __attribute__((warn_unused_result));
/* Unlink every pin in dir, then dir. */
int xdp_pin_remove_dir(const char *dir);
/*
 * The rules the driver starts by and `ballast doctor` reports, with their
 * remedies: where pins can live, and pins of another build's layout.
 */
#define XDP_BPFFS_ROOT "/sys/fs/bpf"
#define XDP_REMEDY_BPFFS                                                       \
	"use a path under " XDP_BPFFS_ROOT " or mount one there "              \
	"(mount -t bpf bpf DIR)"
#define XDP_REMEDY_DETACH                                                      \
	"run 'ballast apply --detach' (this detaches the forwarder and "       \
	"drops its tracked flows), then 'ballast apply'"
enum xdp_bpffs_state {
	XDP_BPFFS_MOUNTED,   /* pin_path (or its nearest parent) is on bpffs */
	XDP_BPFFS_MOUNTABLE, /* below /sys/fs/bpf, nothing there: mounted at start */
	XDP_BPFFS_NONE,      /* not on bpffs: the driver refuses to start */
};
/* Read-only: where pin_path stands; xdp_pin_ensure_bpffs() acts on it. */
enum xdp_bpffs_state xdp_pin_bpffs_state(const char *pin_path);
/* Mount bpffs on /sys/fs/bpf when pin_path lies below it and none is. */
int xdp_pin_ensure_bpffs(const char *pin_path)
    __attribute__((warn_unused_result));
int xdp_pin_mkdir_p(const char *dir) __attribute__((warn_unused_result));
/* ifindex a pinned link is attached to; 0 when detached. */
uint32_t xdp_pin_link_ifindex(int fd);
int xdp_pin_meta_read(struct dp *dp) __attribute__((warn_unused_result));
/* Create "svc_meta" for max_services, pinned in dir: fd or -errno. */
int xdp_pin_svc_meta_create(const char *dir, uint32_t max_services)
    __attribute__((warn_unused_result));
/* Create "meta" holding m, pinned in dir: its fd, or negative errno. */
int xdp_pin_meta_create(const char *dir, const struct xdp_meta *m)
    __attribute__((warn_unused_result));
int xdp_pin_open_maps(struct dp *dp) __attribute__((warn_unused_result));
uint32_t xdp_pin_xdp_flags(enum cfg_xdp_mode m);
/* Point pinned link `name` at prog_fd (update in place, or a new link). */
int xdp_pin_link_set(struct dp *dp, const char *name, int prog_fd,
		     uint32_t attach_type, uint32_t flags)
    __attribute__((warn_unused_result));
int xdp_pin_tc_set(struct dp *dp, int prog_fd)
    __attribute__((warn_unused_result));
void xdp_pin_close_fds(struct dp *dp);
/* Is the pinned XDP link attached to our interface? */
bool xdp_pin_attached(struct dp *dp);
/* Attach the pinned programs again where their link or filter is gone. */
int xdp_pin_reattach(struct dp *dp) __attribute__((warn_unused_result));
int xdp_pin_detach_all(const char *dir, const char *ifname)
    __attribute__((warn_unused_result));

/* xdp_read.c */
/* One real's part of a ring's sources hash (sum over the ring's reals). */
uint64_t xdp_ring_src_real(uint32_t id, const struct lb_real *r);
/* A ring's sources: its size and the sum of its reals' parts. */
uint64_t xdp_ring_src(uint32_t m, uint64_t reals_sum);
/* Checksum of a ring's entries. */
uint64_t xdp_ring_sum(const uint32_t *t, uint32_t m);
/*
 * Write t[0..m) into entries [base, base + m) of lb_rings mapped at rings;
 * returns xdp_ring_sum(t, m), computed on the way.
 */
uint64_t xdp_ring_write(uint32_t *rings, uint32_t base, const uint32_t *t,
			uint32_t m);
/* Record what the ring of svc_id was built from (svc_meta). */
int xdp_ring_note(int svc_meta_fd, uint32_t svc_id, uint64_t src,
		  const uint32_t *t, uint32_t m)
    __attribute__((warn_unused_result));
/* The same through the handle's mapping of svc_meta, with the ring's sum. */
void xdp_ring_note_mapped(struct dp *dp, uint32_t svc_id, uint64_t src,
			  uint64_t sum);
/* lb_services, sorted by key. *out is malloc'ed (first and n zero). */
int xdp_scan_services(struct dp *dp, struct xdp_found **out, size_t *n_out)
    __attribute__((warn_unused_result));
int xdp_read_state(struct dp *dp, const struct rc_svc_key *keys, size_t n,
		   struct rc_state *actual) __attribute__((warn_unused_result));
/* Batch-read n consecutive array entries from key `first`. */
int xdp_array_read(int fd, uint32_t first, uint32_t n, size_t value_size,
		   void *out) __attribute__((warn_unused_result));
void xdp_key_from_svc(struct rc_svc_key *k, const struct lb_svc_key *sk);
void xdp_svc_from_key(struct lb_svc_key *sk, const struct rc_svc_key *k);
void xdp_addr_to_bpf(const struct lb_addr *a, uint32_t out[4]);

/* xdp_index.c */
static inline struct lb_real *xdp_real(const struct dp *dp, uint32_t id)
{
	return (struct lb_real *)(dp->reals_map + (size_t)id * XDP_REAL_STRIDE);
}
/* The generation in svc_meta (0 without the mapping). */
uint64_t xdp_gen(const struct dp *dp);
/* An apply is about to write: a new generation, which the index takes. */
void xdp_gen_bump(struct dp *dp);
/*
 * Build dp->ix from the maps. With states, also hand back lb_svc_state
 * (max_services + 1 entries, malloc'ed) as read for the pool.
 */
int xdp_index_build(struct dp *dp, struct lb_svc_state **states)
    __attribute__((warn_unused_result));
/* dp->ix valid at the current generation: kept, or built again. */
int xdp_index_ready(struct dp *dp) __attribute__((warn_unused_result));
void xdp_index_drop(struct xdp_index *ix);
/* The indexed service of key k, or NULL. */
struct xdp_found *xdp_index_find(struct xdp_index *ix,
				 const struct rc_svc_key *k);
/*
 * Service k as lb_services has it: true with *sk and *v filled, false when
 * absent or its id is out of range.
 */
bool xdp_service_lookup(struct dp *dp, const struct rc_svc_key *k,
			struct lb_svc_key *sk, struct lb_svc_val *v);
/*
 * Is the index still right about a service? ixf is what it has (NULL:
 * none), v what lb_services has (NULL: absent); its reals must still be
 * live entries of lb_reals naming its id.
 */
bool xdp_index_agrees(struct dp *dp, const struct xdp_found *ixf,
		      const struct lb_svc_val *v);
/* Append id to ids. 0 or -ENOMEM. */
int xdp_ids_push(struct xdp_ids *ids, uint32_t id)
    __attribute__((warn_unused_result));

/* xdp_flow.c: dp_ops.flow on a prepared handle. */
int xdp_flow_where(struct dp *dp, const struct dp_flow *f,
		   struct dp_flow_where *out) __attribute__((warn_unused_result));
void xdp_addr_from_bpf(struct lb_addr *a, uint8_t family, const uint32_t in[4]);

/* xdp_resize.c: new maps of the config's sizes, filled, swapped in. */
int xdp_resize(struct dp *dp) __attribute__((warn_unused_result));
/* Finish or undo what a resize killed half-way left behind. */
int xdp_resize_recover(struct dp *dp) __attribute__((warn_unused_result));

/* xdp_apply.c */
int xdp_apply_plan(struct dp *dp, const struct rc_plan *plan,
		   struct dp_result *res) __attribute__((warn_unused_result));

#endif
