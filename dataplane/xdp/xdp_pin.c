// SPDX-License-Identifier: GPL-2.0-only
/*
 * The forwarder's life in bpffs: under <pin_path>/<interface>/ live every
 * map, both programs, the XDP link (and the tcx link where the kernel has
 * tcx) and "meta" (layout hash, program hash, sizing). A process adopts what
 * is pinned; a new build of the program replaces the attached one with one
 * link update and keeps the maps; nothing here detaches or empties anything
 * except xdp_pin_detach_all(), which runs on request only.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "dataplane/xdp/lb.skel.h"
#include "dataplane/xdp/xdp_internal.h"
#include "lib/log.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

/*
 * enum bpf_attach_type's BPF_TCX_EGRESS (kernel 6.6). Spelled out because the
 * headers of Debian 12 predate it; kernels without tcx refuse it and the
 * legacy TC path is taken instead, a runtime check rather than a build flag.
 */
#define XDP_ATTACH_TCX_EGRESS 47

const char *const xdp_map_names[XM__COUNT] = {
    [XM_VIPS] = "lb_vips",
    [XM_VIP_FILTER] = "lb_vip_filter",
    [XM_SERVICES] = "lb_services",
    [XM_SVC_SETS] = "lb_svc_sets",
    [XM_SVC_STATE] = "lb_svc_state",
    [XM_REALS] = "lb_reals",
    [XM_RINGS] = "lb_rings",
    [XM_FLOWS] = "lb_flows",
    [XM_CT] = "lb_ct",
    [XM_CFG] = "lb_cfg",
    [XM_STATS] = "lb_stats",
    [XM_SVC_CTR] = "lb_svc_ctr",
    [XM_REAL_CTR] = "lb_real_ctr",
    [XM_NH_CACHE] = "lb_nh_cache",
    [XM_FLOOD] = "lb_flood",
};

/* bpf_obj_get of a name in the pin directory: fd, or negative errno. */
int xdp_pin_get(const char *dir, const char *name)
{
	char path[PATH_MAX];
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

/* Pin fd as name, replacing an older pin of that name. */
int xdp_pin_put(const char *dir, const char *name, int fd)
{
	char path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	if (unlink(path) && errno != ENOENT)
		return -errno;
	return bpf_obj_pin(fd, path) ? -errno : 0;
}

static void pin_del(const char *dir, const char *name)
{
	char path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) <
	    sizeof(path))
		(void)unlink(path);
}

static bool is_bpffs(const char *path)
{
	struct statfs st;

	return !statfs(path, &st) && (uint32_t)st.f_type == BPF_FS_MAGIC;
}

enum xdp_bpffs_state xdp_pin_bpffs_state(const char *pin_path)
{
	static const char root[] = XDP_BPFFS_ROOT;
	char parent[PATH_MAX];
	char *slash;

	if (is_bpffs(pin_path))
		return XDP_BPFFS_MOUNTED;
	if (!strncmp(pin_path, root, sizeof(root) - 1) &&
	    (pin_path[sizeof(root) - 1] == '/' || !pin_path[sizeof(root) - 1]) &&
	    !is_bpffs(root))
		return XDP_BPFFS_MOUNTABLE;
	snprintf(parent, sizeof(parent), "%s", pin_path);
	while ((slash = strrchr(parent, '/')) && slash != parent) {
		*slash = '\0';
		if (!access(parent, F_OK))
			break;
	}
	return is_bpffs(parent) ? XDP_BPFFS_MOUNTED : XDP_BPFFS_NONE;
}

/*
 * Make sure dir can hold pins: /sys/fs/bpf is mounted (as systemd would) when
 * the pin path lies below it and nothing is mounted there yet.
 */
int xdp_pin_ensure_bpffs(const char *pin_path)
{
	switch (xdp_pin_bpffs_state(pin_path)) {
	case XDP_BPFFS_MOUNTED:
		return 0;
	case XDP_BPFFS_MOUNTABLE:
		if (mount("bpf", XDP_BPFFS_ROOT, "bpf", 0, "mode=0700")) {
			int err = -errno;

			lb_err("xdp: cannot mount bpffs on %s: %s%s",
			       XDP_BPFFS_ROOT, strerror(-err),
			       err == -EPERM ? " (the xdp driver needs root)"
					     : "");
			return err;
		}
		lb_info("xdp: mounted bpffs on %s", XDP_BPFFS_ROOT);
		return 0;
	default:
		break;
	}
	lb_err("xdp: dataplane.xdp.pin_path %s is not on a bpf filesystem; "
	       XDP_REMEDY_BPFFS,
	       pin_path);
	return -ENOTSUP;
}

int xdp_pin_mkdir_p(const char *dir)
{
	char p[PATH_MAX];

	if ((size_t)snprintf(p, sizeof(p), "%s", dir) >= sizeof(p))
		return -ENAMETOOLONG;
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(p, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

uint32_t xdp_pin_link_ifindex(int fd)
{
	struct bpf_link_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	/* info.tcx.ifindex (kernel 6.6) sits where info.xdp.ifindex does. */
	return info.xdp.ifindex;
}

uint32_t xdp_pin_xdp_flags(enum cfg_xdp_mode m)
{
	switch (m) {
	case CFG_XDP_MODE_NATIVE:
		return XDP_FLAGS_DRV_MODE;
	case CFG_XDP_MODE_GENERIC:
		return XDP_FLAGS_SKB_MODE;
	case CFG_XDP_MODE_AUTO:
	default:
		return 0; /* the kernel picks native when the driver has it */
	}
}

/*
 * Point the pinned link `name` at prog_fd: one link update when it is
 * attached to our interface, else a new link (the old pin replaced).
 */
int xdp_pin_link_set(struct dp *dp, const char *name, int prog_fd,
		     uint32_t attach_type, uint32_t flags)
{
	LIBBPF_OPTS(bpf_link_create_opts, o, .flags = flags);
	int fd = xdp_pin_get(dp->dir, name), err;

	if (fd >= 0 && xdp_pin_link_ifindex(fd) == (uint32_t)dp->ifindex) {
		err = bpf_link_update(fd, prog_fd, NULL) ? -errno : 0;
		close(fd);
		return err;
	}
	if (fd >= 0)
		close(fd);
	fd = bpf_link_create(prog_fd, dp->ifindex, attach_type, &o);
	if (fd < 0)
		return -errno;
	err = xdp_pin_put(dp->dir, name, fd);
	close(fd);
	return err;
}

static int tc_legacy_set(struct dp *dp, int prog_fd)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = dp->ifindex,
		    .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = XDP_TC_HANDLE,
		    .priority = XDP_TC_PRIO, .prog_fd = prog_fd,
		    .flags = BPF_TC_F_REPLACE);
	int err = bpf_tc_hook_create(&hook);

	if (!err)
		dp->meta.tc_hook_created = 1;
	else if (err != -EEXIST)
		return err;
	return bpf_tc_attach(&hook, &o);
}

/*
 * Attach or replace the TC egress program: tcx where the kernel has it.
 * BALLAST_XDP_TC_LEGACY=1 takes the clsact path of kernels before 6.6 on any
 * kernel, so the tests cover it on the build host too.
 */
int xdp_pin_tc_set(struct dp *dp, int prog_fd)
{
	const char *legacy = getenv("BALLAST_XDP_TC_LEGACY");
	int err;

	if (dp->meta.tc_kind == XDP_TC_NONE && legacy && !strcmp(legacy, "1"))
		dp->meta.tc_kind = XDP_TC_LEGACY;
	if (dp->meta.tc_kind != XDP_TC_LEGACY) {
		err = xdp_pin_link_set(dp, XDP_PIN_LINK_TC, prog_fd,
				       XDP_ATTACH_TCX_EGRESS, 0);
		if (!err) {
			dp->meta.tc_kind = XDP_TC_LINK;
			return 0;
		}
		if (err != -EINVAL && err != -EOPNOTSUPP)
			return err;
	}
	err = tc_legacy_set(dp, prog_fd);
	if (!err)
		dp->meta.tc_kind = XDP_TC_LEGACY;
	return err;
}

static bool tc_attached(struct dp *dp)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = dp->ifindex,
		    .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = XDP_TC_HANDLE,
		    .priority = XDP_TC_PRIO);
	int fd;
	bool ok;

	if (dp->meta.tc_kind == XDP_TC_LEGACY)
		return !bpf_tc_query(&hook, &o);
	fd = xdp_pin_get(dp->dir, XDP_PIN_LINK_TC);
	if (fd < 0)
		return false;
	ok = xdp_pin_link_ifindex(fd) == (uint32_t)dp->ifindex;
	close(fd);
	return ok;
}

bool xdp_pin_attached(struct dp *dp)
{
	int fd = xdp_pin_get(dp->dir, XDP_PIN_LINK);
	bool ok;

	if (fd < 0)
		return false;
	ok = dp->ifindex && xdp_pin_link_ifindex(fd) == (uint32_t)dp->ifindex;
	close(fd);
	return ok;
}

static int meta_write(struct dp *dp)
{
	uint32_t zero = 0;

	return bpf_map_update_elem(dp->meta_fd, &zero, &dp->meta, BPF_ANY)
		   ? -errno
		   : 0;
}

/* Read "meta": 0, -ENOENT when nothing is pinned, -ESTALE on another layout. */
int xdp_pin_meta_read(struct dp *dp)
{
	struct bpf_map_info info;
	uint32_t len = sizeof(info), zero = 0;
	int fd = xdp_pin_get(dp->dir, XDP_PIN_META);

	if (fd < 0)
		return fd;
	dp->meta_fd = fd;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (info.value_size != sizeof(dp->meta))
		return -ESTALE;
	if (bpf_map_lookup_elem(fd, &zero, &dp->meta))
		return -errno;
	return dp->meta.layout == dp_xdp_layout_hash() ? 0 : -ESTALE;
}

int xdp_pin_meta_create(const char *dir, const struct xdp_meta *m)
{
	int fd =
	    bpf_map_create(BPF_MAP_TYPE_ARRAY, "ballast_meta", sizeof(uint32_t),
			   sizeof(struct xdp_meta), 1, NULL);
	uint32_t zero = 0;
	int err;

	if (fd < 0)
		return -errno;
	err = bpf_map_update_elem(fd, &zero, m, BPF_ANY) ? -errno : 0;
	if (!err)
		err = xdp_pin_put(dir, XDP_PIN_META, fd);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/*
 * A generation no earlier map had: a handle that indexed the tables of a
 * forwarder detached and installed again must not take the new one's for
 * them.
 */
static uint64_t first_gen(void)
{
	struct timespec ts;
	uint64_t g = 0;

	if (getrandom(&g, sizeof(g), GRND_NONBLOCK) != sizeof(g)) {
		clock_gettime(CLOCK_REALTIME, &ts);
		g = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
		g ^= (uint64_t)getpid() << 40;
	}
	return g;
}

int xdp_pin_svc_meta_create(const char *dir, uint32_t max_services)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_MMAPABLE);
	struct xdp_svc_meta gen = {.src = first_gen()};
	uint32_t zero = XDP_GEN_ID;
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "ballast_svc_meta",
				sizeof(uint32_t), sizeof(struct xdp_svc_meta),
				max_services + 1, &o);
	int err;

	if (fd < 0)
		return -errno;
	err = bpf_map_update_elem(fd, &zero, &gen, BPF_ANY) ? -errno : 0;
	if (!err)
		err = xdp_pin_put(dir, XDP_PIN_SVC_META, fd);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

static int meta_create(struct dp *dp)
{
	int fd;

	memset(&dp->meta, 0, sizeof(dp->meta));
	dp->meta.layout = dp_xdp_layout_hash();
	dp->meta.sz = dp->sz;
	/* svc_meta first: a meta without it is never pinned. */
	fd = xdp_pin_svc_meta_create(dp->dir, dp->sz.max_services);
	if (fd < 0)
		return fd;
	close(fd);
	fd = xdp_pin_meta_create(dp->dir, &dp->meta);
	if (fd < 0)
		return fd;
	dp->meta_fd = fd;
	return 0;
}

/*
 * Load this build's programs over the pinned maps (creating the maps that are
 * not pinned yet), pin the programs, and attach them or swap them into the
 * existing links. Traffic never sees an unattached moment: a link update
 * replaces the program atomically.
 */
static int install(struct dp *dp)
{
	struct lb_bpf *o = NULL;
	int err, xfd, tfd;

	err = dp_xdp_load(&dp->sz, dp->dir, &o);
	if (err) {
		lb_err("xdp: cannot load the forwarder: %s", strerror(-err));
		return err;
	}
	xfd = bpf_program__fd(o->progs.xdp_lb);
	tfd = bpf_program__fd(o->progs.tc_nat_egress);
	err = xdp_pin_put(dp->dir, XDP_PIN_PROG, xfd);
	if (!err)
		err = xdp_pin_put(dp->dir, XDP_PIN_PROG_TC, tfd);
	if (err) {
		lb_err("xdp: cannot pin the programs in %s: %s", dp->dir,
		       strerror(-err));
		goto out;
	}
	err = xdp_pin_link_set(dp, XDP_PIN_LINK, xfd, BPF_XDP,
			       xdp_pin_xdp_flags(dp->mode));
	if (err == -EBUSY || err == -EEXIST) {
		lb_err(
		    "xdp: another XDP program is attached to %s (see 'ip "
		    "link show %s'); Ballast attaches alone: detach it first",
		    dp->ifname, dp->ifname);
		goto out;
	}
	if (err) {
		lb_err("xdp: cannot attach XDP to %s (mode %s): %s", dp->ifname,
		       dp->mode == CFG_XDP_MODE_NATIVE	  ? "native"
		       : dp->mode == CFG_XDP_MODE_GENERIC ? "generic"
							  : "auto",
		       strerror(-err));
		goto out;
	}
	err = xdp_pin_tc_set(dp, tfd);
	if (err) {
		lb_err("xdp: cannot attach the TC egress program to %s: %s",
		       dp->ifname, strerror(-err));
		goto out;
	}
	dp->meta.prog = dp_xdp_prog_hash();
	dp->meta.ifindex = (uint32_t)dp->ifindex;
	err = meta_write(dp);
out:
	lb_bpf__destroy(o);
	return err;
}

/* Re-attach the pinned programs where a link or filter went away. */
int xdp_pin_reattach(struct dp *dp)
{
	int xfd = -1, tfd = -1, err = 0;

	if (!xdp_pin_attached(dp)) {
		lb_warn("xdp: the forwarder was not attached to %s; attaching "
			"it again",
			dp->ifname);
		xfd = xdp_pin_get(dp->dir, XDP_PIN_PROG);
		err = xfd < 0 ? xfd
			      : xdp_pin_link_set(dp, XDP_PIN_LINK, xfd, BPF_XDP,
						 xdp_pin_xdp_flags(dp->mode));
	}
	if (!err && !tc_attached(dp)) {
		tfd = xdp_pin_get(dp->dir, XDP_PIN_PROG_TC);
		err = tfd < 0 ? tfd : xdp_pin_tc_set(dp, tfd);
		if (!err)
			err = meta_write(dp);
	}
	if (xfd >= 0)
		close(xfd);
	if (tfd >= 0)
		close(tfd);
	if (err)
		lb_err("xdp: cannot attach to %s: %s", dp->ifname,
		       strerror(-err));
	return err;
}

static size_t map_len(size_t bytes)
{
	return (bytes + 4095) & ~(size_t)4095;
}

/* A mappable map of ours, shared; NULL with errno set after saying why. */
static void *map_of(struct dp *dp, int fd, size_t len, const char *name)
{
	void *p = mmap(NULL, len, PROT_READ | (dp->read_only ? 0 : PROT_WRITE),
		       MAP_SHARED, fd, 0);
	int err = errno;

	if (p != MAP_FAILED)
		return p;
	lb_err("xdp: cannot map %s/%s: %s; %s", dp->dir, name, strerror(err),
	       XDP_REMEDY_DETACH);
	errno = err;
	return NULL;
}

int xdp_pin_open_maps(struct dp *dp)
{
	for (int i = 0; i < XM__COUNT; i++) {
		dp->fd[i] = xdp_pin_get(dp->dir, xdp_map_names[i]);
		if (dp->fd[i] < 0) {
			int err = dp->fd[i];

			lb_err("xdp: pinned map %s/%s: %s; %s", dp->dir,
			       xdp_map_names[i], strerror(-err), XDP_REMEDY_DETACH);
			return err;
		}
	}
	dp->svc_meta_fd = xdp_pin_get(dp->dir, XDP_PIN_SVC_META);
	if (dp->svc_meta_fd < 0) {
		lb_err("xdp: pinned map %s/%s: %s; %s", dp->dir,
		       XDP_PIN_SVC_META, strerror(-dp->svc_meta_fd),
		       XDP_REMEDY_DETACH);
		return dp->svc_meta_fd;
	}
	/*
	 * lb_rings, lb_reals and svc_meta mapped: rings and reals are read
	 * back and written at memory speed.
	 */
	dp->rings_len = map_len((size_t)dp->meta.sz.ring_entries * 8);
	dp->reals_len =
	    map_len(((size_t)dp->meta.sz.max_reals + 1) * XDP_REAL_STRIDE);
	dp->svc_meta_len = map_len(((size_t)dp->meta.sz.max_services + 1) *
				   sizeof(struct xdp_svc_meta));
	dp->rings = map_of(dp, dp->fd[XM_RINGS], dp->rings_len, "lb_rings");
	if (dp->rings)
		dp->reals_map =
		    map_of(dp, dp->fd[XM_REALS], dp->reals_len, "lb_reals");
	if (dp->reals_map)
		dp->svc_meta = map_of(dp, dp->svc_meta_fd, dp->svc_meta_len,
				      XDP_PIN_SVC_META);
	return dp->svc_meta ? 0 : -errno;
}

static void sizing_msg(const struct dp *dp)
{
	const struct dp_xdp_sizing *a = &dp->meta.sz, *b = &dp->sz;

	lb_warn("xdp: the forwarder pinned in %s is sized for ring_size %u, "
		"a ring pool of %u entries, max_services %u, max_reals %u, "
		"%u flow sets per CPU, %u NAT entries; the config asks for "
		"%u, %u, %u, %u, %u, %u: 'ballast apply' resizes it in place "
		"(Docs/XDP.md, \"Resizing\")",
		dp->dir, a->ring_size, a->ring_entries, a->max_services,
		a->max_reals, a->flow_sets, a->ct_entries, b->ring_size,
		b->ring_entries, b->max_services, b->max_reals, b->flow_sets,
		b->ct_entries);
}

int xdp_pin_open(struct dp *dp)
{
	const char *pin_path = dp->pin_path;
	int err;

	dp->meta_fd = -1;
	dp->svc_meta_fd = -1;
	for (int i = 0; i < XM__COUNT; i++)
		dp->fd[i] = -1;
	if (!dp->read_only) {
		err = xdp_pin_ensure_bpffs(pin_path);
		if (err)
			return err; /* said why */
		err = xdp_resize_recover(dp);
		if (!err)
			err = xdp_pin_mkdir_p(dp->dir);
		if (err) {
			lb_err("xdp: cannot create %s: %s", dp->dir,
			       strerror(-err));
			return err;
		}
	}
	err = xdp_pin_meta_read(dp);
	if (err == -ESTALE) {
		lb_err("xdp: the maps pinned in %s have another layout than "
		       "this build of ballast; they are not reused: %s",
		       dp->dir, XDP_REMEDY_DETACH);
		return err;
	}
	if (err == -ENOENT && dp->read_only)
		return 0; /* nothing pinned: an empty dataplane */
	if (err == -EPERM || err == -EACCES) {
		lb_err("xdp: reading the forwarder pinned in %s needs root "
		       "(CAP_BPF and CAP_NET_ADMIN, or CAP_SYS_ADMIN)",
		       dp->dir);
		return err;
	}
	if (err && err != -ENOENT) {
		lb_err("xdp: cannot read %s/%s: %s", dp->dir, XDP_PIN_META,
		       strerror(-err));
		return err;
	}
	if (!err && memcmp(&dp->meta.sz, &dp->sz, sizeof(dp->sz))) {
		if (dp->read_only) {
			sizing_msg(dp);
		} else {
			err = xdp_resize(dp);
			if (!err)
				err = xdp_pin_meta_read(dp);
			if (err)
				return err;
		}
	}
	if (!err && dp->read_only && dp->meta.prog != dp_xdp_prog_hash())
		lb_info("xdp: the program attached in %s is another build's; "
			"'ballast apply' replaces it (maps and flows are kept)",
			dp->dir);
	if (!dp->ifindex && !dp->read_only) {
		lb_err("xdp: interface %s does not exist (dataplane.interface)",
		       dp->ifname);
		return -ENODEV;
	}
	if (!dp->read_only) {
		if (err == -ENOENT)
			err = meta_create(dp);
		if (!err && dp->meta.prog != dp_xdp_prog_hash()) {
			if (dp->meta.prog)
				lb_info("xdp: replacing the attached program "
					"with this build's; maps are kept");
			err = install(dp);
		} else if (!err) {
			err = xdp_pin_reattach(dp);
		}
		if (err)
			return err;
	}
	err = xdp_pin_open_maps(dp);
	if (err)
		return err;
	dp->pinned = true;
	dp->detached = !xdp_pin_attached(dp);
	return 0;
}

void xdp_pin_close_fds(struct dp *dp)
{
	for (int i = 0; i < XM__COUNT; i++) {
		if (dp->fd[i] >= 0)
			close(dp->fd[i]);
		dp->fd[i] = -1;
	}
	if (dp->meta_fd >= 0)
		close(dp->meta_fd);
	dp->meta_fd = -1;
	if (dp->svc_meta_fd >= 0)
		close(dp->svc_meta_fd);
	dp->svc_meta_fd = -1;
	if (dp->rings)
		munmap(dp->rings, dp->rings_len);
	dp->rings = NULL;
	if (dp->reals_map)
		munmap(dp->reals_map, dp->reals_len);
	dp->reals_map = NULL;
	if (dp->svc_meta)
		munmap(dp->svc_meta, dp->svc_meta_len);
	dp->svc_meta = NULL;
	/* Other maps, maybe: what the index knew is not theirs. */
	xdp_index_drop(&dp->ix);
}

static void link_detach(const char *dir, const char *name)
{
	int fd = xdp_pin_get(dir, name);

	if (fd < 0)
		return;
	if (bpf_link_detach(fd))
		lb_warn("xdp: detaching %s/%s: %s", dir, name, strerror(errno));
	close(fd);
}

int xdp_pin_remove_dir(const char *dir)
{
	struct dirent *e;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		pin_del(dir, e->d_name);
	}
	closedir(d);
	if (rmdir(dir) && errno != ENOENT)
		return -errno;
	return 0;
}

int xdp_pin_detach_all(const char *dir, const char *ifname)
{
	struct xdp_meta meta = {0};
	struct bpf_map_info info;
	uint32_t len = sizeof(info), zero = 0;
	int fd, ifindex = (int)if_nametoindex(ifname);

	/* What we attached to TC the legacy way, if meta can still say. */
	fd = xdp_pin_get(dir, XDP_PIN_META);
	memset(&info, 0, sizeof(info));
	if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len) &&
	    info.value_size == sizeof(meta))
		(void)bpf_map_lookup_elem(fd, &zero, &meta);
	if (fd >= 0)
		close(fd);
	link_detach(dir, XDP_PIN_LINK);
	link_detach(dir, XDP_PIN_LINK_TC);
	if (ifindex && meta.tc_kind == XDP_TC_LEGACY) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = BPF_TC_EGRESS);
		LIBBPF_OPTS(bpf_tc_opts, o, .handle = XDP_TC_HANDLE,
			    .priority = XDP_TC_PRIO);

		(void)bpf_tc_detach(&hook, &o);
		/* The clsact qdisc only when we created it. */
		if (meta.tc_hook_created) {
			hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
			(void)bpf_tc_hook_destroy(&hook);
		}
	}
	return xdp_pin_remove_dir(dir);
}
