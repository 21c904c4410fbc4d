// SPDX-License-Identifier: GPL-2.0-only
/*
 * Load, attach and pin xdp_decap for a DSR backend. The link and both maps
 * are pinned, so a later command (or a newer build) finds them: attaching
 * again updates the link in place and rewrites the address set, never
 * detaching in between, so tunnelled flows are not interrupted.
 */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "dataplane/xdp/decap.h"
#include "dataplane/xdp/decap.skel.h"
#include "dataplane/xdp/xdp_internal.h"
#include "lib/log.h"

#define DECAP_LINK "link"

static int decap_dir(const char *pin_root, const char *ifname, char *buf,
		     size_t len)
{
	if (!*ifname || strchr(ifname, '/') ||
	    (size_t)snprintf(buf, len, "%s/decap/%s", pin_root, ifname) >= len)
		return -EINVAL;
	return 0;
}

static void to_key(const struct lb_addr *a, struct lb_vip_key *k)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->addr, a->b, sizeof(k->addr));
	k->family = a->family;
}

static void from_key(const struct lb_vip_key *k, struct lb_addr *a)
{
	memset(a, 0, sizeof(*a));
	memcpy(a->b, k->addr, sizeof(a->b));
	a->family = k->family;
}

/* Make the map hold exactly addrs[0..n): additions first, then removals. */
static int set_addrs(int fd, const struct lb_addr *addrs, size_t n)
{
	struct lb_vip_key k, next, *prev = NULL;
	struct lb_vip_key stale[DP_XDP_DECAP_MAX_ADDRS];
	size_t n_stale = 0;
	uint32_t zero = 0;

	for (size_t i = 0; i < n; i++) {
		to_key(&addrs[i], &k);
		if (bpf_map_update_elem(fd, &k, &zero, BPF_ANY))
			return -errno;
	}
	while (n_stale < DP_XDP_DECAP_MAX_ADDRS &&
	       !bpf_map_get_next_key(fd, prev, &next)) {
		struct lb_addr a;
		bool keep = false;

		from_key(&next, &a);
		for (size_t i = 0; i < n && !keep; i++)
			keep = !lb_addr_cmp(&a, &addrs[i]);
		if (!keep)
			stale[n_stale++] = next;
		k = next;
		prev = &k;
	}
	for (size_t i = 0; i < n_stale; i++)
		if (bpf_map_delete_elem(fd, &stale[i]) && errno != ENOENT)
			return -errno;
	return 0;
}

static int open_load(const char *dir, struct decap_bpf **out)
{
	char path[PATH_MAX];
	struct decap_bpf *o;
	struct bpf_map *map;
	int err;

	o = decap_bpf__open();
	if (!o)
		return -errno;
	bpf_object__for_each_map(map, o->obj)
	{
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
				     bpf_map__name(map)) >= sizeof(path)) {
			err = -ENAMETOOLONG;
			goto fail;
		}
		err = bpf_map__set_pin_path(map, path);
		if (err)
			goto fail;
	}
	err = decap_bpf__load(o);
	if (err)
		goto fail;
	*out = o;
	return 0;
fail:
	decap_bpf__destroy(o);
	return err;
}

int dp_xdp_decap_attach(const char *pin_root, const char *ifname,
			enum cfg_xdp_mode mode, const struct lb_addr *addrs,
			size_t n)
{
	LIBBPF_OPTS(bpf_link_create_opts, lo, .flags = xdp_pin_xdp_flags(mode));
	int ifindex = (int)if_nametoindex(ifname), link = -1, err;
	struct decap_bpf *o = NULL;
	char dir[PATH_MAX];

	if (!ifindex) {
		lb_err("decap: no interface '%s' in this network namespace",
		       ifname);
		return -ENODEV;
	}
	if (n > DP_XDP_DECAP_MAX_ADDRS) {
		lb_err("decap: %zu tunnel addresses; at most %d", n,
		       DP_XDP_DECAP_MAX_ADDRS);
		return -E2BIG;
	}
	err = decap_dir(pin_root, ifname, dir, sizeof(dir));
	if (err)
		return err;
	err = xdp_pin_ensure_bpffs(pin_root);
	if (!err)
		err = xdp_pin_mkdir_p(dir);
	if (err) {
		lb_err("decap: cannot create %s: %s", dir, strerror(-err));
		return err;
	}
	err = open_load(dir, &o);
	if (err) {
		lb_err("decap: loading the decap program (maps in %s): %s", dir,
		       strerror(-err));
		return err;
	}
	/* Addresses before the program can see packets. */
	err = set_addrs(bpf_map__fd(o->maps.lb_decap_addrs), addrs, n);
	if (err) {
		lb_err("decap: writing tunnel addresses: %s", strerror(-err));
		goto out;
	}
	link = xdp_pin_get(dir, DECAP_LINK);
	if (link >= 0 && xdp_pin_link_ifindex(link) == (uint32_t)ifindex) {
		err = bpf_link_update(link, bpf_program__fd(o->progs.xdp_decap),
				      NULL)
			  ? -errno
			  : 0;
		if (err)
			lb_err("decap: replacing the program on %s: %s", ifname,
			       strerror(-err));
		goto out;
	}
	if (link >= 0)
		close(link);
	link = bpf_link_create(bpf_program__fd(o->progs.xdp_decap), ifindex,
			       BPF_XDP, &lo);
	if (link < 0) {
		err = -errno;
		lb_err("decap: attaching to %s: %s%s", ifname, strerror(-err),
		       err == -EBUSY ? " (another XDP program is attached to "
				       "this interface; detach it first)"
				     : "");
		goto out;
	}
	err = xdp_pin_put(dir, DECAP_LINK, link);
	if (err)
		lb_err("decap: pinning the link in %s: %s", dir,
		       strerror(-err));
out:
	if (link >= 0)
		close(link);
	decap_bpf__destroy(o);
	return err;
}

int dp_xdp_decap_detach(const char *pin_root, const char *ifname)
{
	char dir[PATH_MAX];
	int fd, err;

	err = decap_dir(pin_root, ifname, dir, sizeof(dir));
	if (err)
		return err;
	fd = xdp_pin_get(dir, DECAP_LINK);
	if (fd >= 0) {
		if (bpf_link_detach(fd) && errno != ENOLINK)
			lb_warn("decap: detaching from %s: %s", ifname,
				strerror(errno));
		close(fd);
	}
	err = xdp_pin_remove_dir(dir);
	if (err)
		lb_err("decap: removing %s: %s", dir, strerror(-err));
	return err;
}

static uint64_t percpu_sum(int fd, uint32_t key, uint64_t *vals, int ncpu)
{
	uint64_t sum = 0;

	if (bpf_map_lookup_elem(fd, &key, vals))
		return 0;
	for (int c = 0; c < ncpu; c++)
		sum += vals[c];
	return sum;
}

int dp_xdp_decap_status(const char *pin_root, const char *ifname,
			struct dp_xdp_decap_status *st)
{
	struct lb_vip_key k, *prev = NULL, next;
	int ncpu = libbpf_num_possible_cpus(), fd, err;
	char dir[PATH_MAX];
	uint64_t *vals;

	memset(st, 0, sizeof(*st));
	err = decap_dir(pin_root, ifname, dir, sizeof(dir));
	if (err)
		return err;
	fd = xdp_pin_get(dir, DECAP_LINK);
	if (fd == -ENOENT)
		return -ENOENT;
	if (fd >= 0) {
		st->attached = xdp_pin_link_ifindex(fd) == if_nametoindex(ifname);
		close(fd);
	}
	fd = xdp_pin_get(dir, "lb_decap_addrs");
	if (fd < 0)
		return fd;
	while (st->n_addrs < DP_XDP_DECAP_MAX_ADDRS &&
	       !bpf_map_get_next_key(fd, prev, &next)) {
		from_key(&next, &st->addrs[st->n_addrs++]);
		k = next;
		prev = &k;
	}
	close(fd);
	if (ncpu < 1)
		return ncpu;
	fd = xdp_pin_get(dir, "lb_decap_stats");
	if (fd < 0)
		return fd;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals) {
		close(fd);
		return -ENOMEM;
	}
	st->ok = percpu_sum(fd, LB_DECAP_OK, vals, ncpu);
	st->pass = percpu_sum(fd, LB_DECAP_PASS, vals, ncpu);
	st->malformed = percpu_sum(fd, LB_DECAP_MALFORMED, vals, ncpu);
	free(vals);
	close(fd);
	return 0;
}
