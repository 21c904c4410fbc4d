// SPDX-License-Identifier: GPL-2.0-only
/*
 * XDP forwarder checks, read only: nothing is mounted, loaded or attached.
 * The bpffs, pin-layout and attachment verdicts are the driver's own
 * (xdp_pin_bpffs_state, xdp_pin_meta_read, xdp_pin_attached).
 */
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cmd/doctor/doctor.h"
#include "cmd/doctor/dr_checks.h"
#include "dataplane/xdp/xdp_internal.h"

/* Outer headers DSR adds (Docs/XDP.md, "DSR"): IPIP and IP6IP6. */
#define DR_ENCAP_V4 20
#define DR_ENCAP_V6 40
/* The client packet size assumed when checking headroom. */
#define DR_CLIENT_MTU 1500

static bool need_xdp(struct dr_ctx *ctx, struct dr_result *r)
{
	return dr_need_driver(ctx, r, CFG_DRIVER_XDP);
}

static const char *ifname_of(const struct dr_ctx *ctx)
{
	return ctx->cfg->dataplane.interface;
}

/* SIOCGIFFLAGS / SIOCGIFMTU / SIOCETHTOOL on a throw-away socket. */
static int if_ioctl(const char *ifname, unsigned long req, struct ifreq *ifr)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", ifname);
	if (ioctl(fd, req, ifr))
		err = -errno;
	close(fd);
	return err;
}

void dr_check_xdp_kernel(struct dr_ctx *ctx, struct dr_result *r)
{
	int major, minor;
	char rel[64];

	if (!need_xdp(ctx, r))
		return;
	dr_kernel_version(ctx, &major, &minor, rel, sizeof(rel));
	if (major < 5 || (major == 5 && minor < 9)) {
		dr_set(r, DR_FAIL,
		       "kernel %s: the forwarder attaches through bpf_link "
		       "(XDP links since 5.9)",
		       rel);
		dr_remedy(r,
			  "run a kernel 5.9 or newer (Debian 12's 6.1 works)");
		return;
	}
	dr_set(r, DR_OK, "kernel %s: XDP links yes, tcx %s", rel,
	       major > 6 || (major == 6 && minor >= 6)
		   ? "yes"
		   : "no (NAT egress uses a clsact filter)");
}

/* libbpf's feature probes: each loads a throw-away object and keeps none. */
static int bpf_probe(enum dr_probe kind, int type)
{
	switch (kind) {
	case DR_PROBE_PROG:
		return libbpf_probe_bpf_prog_type((enum bpf_prog_type)type,
						  NULL);
	case DR_PROBE_MAP:
		return libbpf_probe_bpf_map_type((enum bpf_map_type)type, NULL);
	case DR_PROBE_HELPER:
		return libbpf_probe_bpf_helper(BPF_PROG_TYPE_XDP,
					       (enum bpf_func_id)type, NULL);
	}
	return -EINVAL;
}

void dr_check_xdp_features(struct dr_ctx *ctx, struct dr_result *r)
{
	static const struct {
		enum dr_probe kind;
		int type;
		const char *name;
	} feats[] = {
	    {DR_PROBE_PROG, BPF_PROG_TYPE_SCHED_CLS, "prog:tc"},
	    {DR_PROBE_MAP, BPF_MAP_TYPE_ARRAY, "map:array"},
	    {DR_PROBE_MAP, BPF_MAP_TYPE_HASH, "map:hash"},
	    {DR_PROBE_MAP, BPF_MAP_TYPE_LRU_HASH, "map:lru_hash"},
	    {DR_PROBE_MAP, BPF_MAP_TYPE_PERCPU_ARRAY, "map:percpu_array"},
	    {DR_PROBE_MAP, BPF_MAP_TYPE_PROG_ARRAY, "map:prog_array"},
	    {DR_PROBE_HELPER, BPF_FUNC_fib_lookup, "helper:fib_lookup"},
	    {DR_PROBE_HELPER, BPF_FUNC_xdp_adjust_head,
	     "helper:xdp_adjust_head"},
	    {DR_PROBE_HELPER, BPF_FUNC_redirect, "helper:redirect"},
	    {DR_PROBE_HELPER, BPF_FUNC_csum_diff, "helper:csum_diff"},
	    {DR_PROBE_HELPER, BPF_FUNC_tail_call, "helper:tail_call"},
	};
	dr_probe_fn probe = ctx->probe ? ctx->probe : bpf_probe;
	size_t n = 0, n_maps = 0, n_helpers = 0;
	char miss[256] = "";
	int ret;

	if (!need_xdp(ctx, r))
		return;
	/* the XDP program type first: it says whether bpf() works at all */
	ret = probe(DR_PROBE_PROG, BPF_PROG_TYPE_XDP);
	if (ret < 0) {
		dr_set(r, DR_FAIL, "the bpf() syscall refuses this process: %s",
		       strerror(-ret));
		dr_remedy(r,
			  "run as root (CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN); "
			  "see priv.caps");
		return;
	}
	if (!ret)
		dr_append(miss, &n, sizeof(miss), " prog:xdp");
	for (size_t i = 0; i < sizeof(feats) / sizeof(feats[0]); i++) {
		n_maps += feats[i].kind == DR_PROBE_MAP;
		n_helpers += feats[i].kind == DR_PROBE_HELPER;
		if (probe(feats[i].kind, feats[i].type) == 0)
			dr_append(miss, &n, sizeof(miss), " %s", feats[i].name);
	}
	if (n) {
		dr_set(r, DR_FAIL,
		       "this kernel lacks what the forwarder uses:%s", miss);
		dr_remedy(r, "run a newer kernel (5.9 or later) built with "
			     "CONFIG_BPF_SYSCALL");
		return;
	}
	dr_set(r, DR_OK,
	       "bpf() works; XDP and TC programs, %zu map types and %zu "
	       "helpers present",
	       n_maps, n_helpers);
}

void dr_check_xdp_jit(struct dr_ctx *ctx, struct dr_result *r)
{
	long v = -1;

	if (!need_xdp(ctx, r))
		return;
	if (dr_sysctl(ctx, "net/core/bpf_jit_enable", &v)) {
		dr_set(r, DR_WARN,
		       "net.core.bpf_jit_enable is absent: the "
		       "kernel has no BPF JIT; programs are "
		       "interpreted, several times slower");
		dr_remedy(r, "a kernel built with CONFIG_BPF_JIT");
		return;
	}
	if (v < 1) {
		dr_set(r, DR_WARN,
		       "net.core.bpf_jit_enable = %ld: the "
		       "forwarder runs interpreted, several "
		       "times slower",
		       v);
		dr_remedy(r, "sysctl -w net.core.bpf_jit_enable=1");
		return;
	}
	dr_set(r, DR_OK, "net.core.bpf_jit_enable = %ld", v);
}

void dr_check_xdp_btf(struct dr_ctx *ctx, struct dr_result *r)
{
	char p[256];

	if (!need_xdp(ctx, r))
		return;
	dr_sys_path(ctx, p, sizeof(p), "kernel/btf/vmlinux");
	if (access(p, R_OK)) {
		dr_set(r, DR_WARN,
		       "/sys/kernel/btf/vmlinux is absent: the forwarder loads "
		       "(it uses no CO-RE), but bpftool cannot describe kernel "
		       "types when you debug it");
		dr_remedy(r, "a kernel built with CONFIG_DEBUG_INFO_BTF=y "
			     "(Debian's is)");
		return;
	}
	dr_set(r, DR_OK, "/sys/kernel/btf/vmlinux present");
}

void dr_check_xdp_bpffs(struct dr_ctx *ctx, struct dr_result *r)
{
	const char *pin;

	if (!need_xdp(ctx, r))
		return;
	pin = ctx->cfg->dataplane.xdp.pin_path;
	switch (xdp_pin_bpffs_state(pin)) {
	case XDP_BPFFS_MOUNTED:
		dr_set(r, DR_OK, "%s is on bpffs", pin);
		break;
	case XDP_BPFFS_MOUNTABLE:
		dr_set(r, DR_WARN,
		       "nothing is mounted on " XDP_BPFFS_ROOT
		       ": the driver mounts it at start (needs CAP_SYS_ADMIN, "
		       "and a mount made in a unit's private namespace is not "
		       "seen by other tools)");
		dr_remedy(r, "mount -t bpf bpf " XDP_BPFFS_ROOT
			     " (systemd's sys-fs-bpf.mount does it at boot)");
		break;
	default:
		dr_set(r, DR_FAIL,
		       "dataplane.xdp.pin_path %s is not on a bpf filesystem: "
		       "the driver refuses to start",
		       pin);
		dr_remedy(r, "%s", XDP_REMEDY_BPFFS);
		break;
	}
}

void dr_check_xdp_iface(struct dr_ctx *ctx, struct dr_result *r)
{
	struct ifreq ifr;
	const char *ifn;
	int err;

	if (!need_xdp(ctx, r))
		return;
	ifn = ifname_of(ctx);
	memset(&ifr, 0, sizeof(ifr));
	err = if_ioctl(ifn, SIOCGIFFLAGS, &ifr);
	if (err) {
		dr_set(r, DR_FAIL, "interface %s: %s", ifn,
		       err == -ENODEV ? "does not exist" : strerror(-err));
		dr_remedy(r, "set dataplane.interface to an existing "
			     "interface (`ip link` lists them)");
		return;
	}
	if (!(ifr.ifr_flags & IFF_UP)) {
		dr_set(r, DR_FAIL, "interface %s is down", ifn);
		dr_remedy(r, "ip link set dev %s up", ifn);
		return;
	}
	if (!(ifr.ifr_flags & IFF_RUNNING)) {
		dr_set(r, DR_WARN, "interface %s is up but has no carrier",
		       ifn);
		dr_remedy(r,
			  "check the cable/peer of %s (`ip link show %s`: "
			  "NO-CARRIER)",
			  ifn, ifn);
		return;
	}
	dr_set(r, DR_OK, "interface %s exists and is up", ifn);
}

/* Drivers with native XDP in mainline (kernel Documentation, 6.x). */
static bool native_driver(const char *drv)
{
	static const char *const native[] = {
	    "mlx4_en",
	    "mlx5_core",
	    "i40e",
	    "ice",
	    "ixgbe",
	    "ixgbevf",
	    "igb",
	    "igc",
	    "bnxt_en",
	    "nfp",
	    "qede",
	    "ena",
	    "virtio_net",
	    "veth",
	    "tun",
	    "sfc",
	    "thunder",
	    "dpaa2-eth",
	    "stmmac",
	    "netsec",
	    "mvneta",
	    "mvpp2",
	    "gve",
	    "hv_netvsc",
	    "xen-netfront",
	    "bond",
	    "netdevsim",
	    "fec",
	    "enetc",
	    "atlantic",
	    "octeontx2-nicpf",
	    "lan966x-switch",
	    "cpsw",
	    "tsnep",
	};

	for (size_t i = 0; i < sizeof(native) / sizeof(native[0]); i++)
		if (!strcmp(drv, native[i]))
			return true;
	return false;
}

void dr_check_xdp_driver(struct dr_ctx *ctx, struct dr_result *r)
{
	struct ethtool_drvinfo info = {.cmd = ETHTOOL_GDRVINFO};
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct ifreq ifr;
	const char *ifn, *attached = NULL;
	unsigned int idx;
	int err;

	if (!need_xdp(ctx, r))
		return;
	ifn = ifname_of(ctx);
	idx = if_nametoindex(ifn);
	if (!idx) {
		dr_set(r, DR_SKIP, "interface %s does not exist", ifn);
		return;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_data = (void *)&info;
	err = if_ioctl(ifn, SIOCETHTOOL, &ifr);
	if (err) {
		dr_set(r, DR_SKIP, "%s: no driver information (%s)", ifn,
		       strerror(-err));
		return;
	}
	if (!bpf_xdp_query((int)idx, 0, &q)) {
		if (q.attach_mode == XDP_ATTACHED_DRV ||
		    q.attach_mode == XDP_ATTACHED_HW)
			attached = "native";
		else if (q.attach_mode == XDP_ATTACHED_SKB)
			attached = "generic";
		else if (q.attach_mode == XDP_ATTACHED_MULTI)
			attached = "several modes";
	}
	if (native_driver(info.driver) && attached &&
	    !strcmp(attached, "generic")) {
		dr_set(r, DR_WARN,
		       "%s: driver %s runs native XDP, but the program is "
		       "attached in generic mode: it runs after the kernel "
		       "has built an skb for every packet, several times the "
		       "cost of native",
		       ifn, info.driver);
		dr_remedy(r,
			  "set dataplane.xdp.mode: auto (or native), then "
			  "`ballast apply --detach -c %s` and `ballast apply "
			  "-c %s`",
			  ctx->config_path, ctx->config_path);
		return;
	}
	if (native_driver(info.driver)) {
		dr_set(r, DR_OK, "%s: driver %s runs native XDP%s%s", ifn,
		       info.driver, attached ? "; attached now: " : "",
		       attached ? attached : "");
		return;
	}
	if (ctx->cfg->dataplane.xdp.mode == CFG_XDP_MODE_NATIVE) {
		dr_set(r, DR_FAIL,
		       "%s: driver %s is not known to run native XDP, and "
		       "dataplane.xdp.mode is native",
		       ifn, info.driver);
		dr_remedy(r,
			  "set dataplane.xdp.mode: auto (or generic), or use "
			  "a NIC whose driver has native XDP");
		return;
	}
	dr_set(r, DR_WARN,
	       "%s: driver %s is not known to run native XDP: generic XDP "
	       "runs after the kernel has built an skb for every packet, "
	       "several times the cost of native%s%s",
	       ifn, info.driver, attached ? "; attached now: " : "",
	       attached ? attached : "");
	dr_remedy(r, "for line rate use a NIC whose driver has native XDP "
		     "(mlx5, i40e, ice, ixgbe, bnxt, virtio_net...)");
}

void dr_check_xdp_mtu(struct dr_ctx *ctx, struct dr_result *r)
{
	bool v4 = false, v6 = false;
	struct ifreq ifr;
	const char *ifn;
	int need;

	if (!need_xdp(ctx, r))
		return;
	if (!dr_cfg_uses_fwd(ctx->cfg, CFG_FWD_DSR)) {
		dr_set(r, DR_SKIP, "no service forwards by DSR");
		return;
	}
	for (size_t i = 0; i < ctx->cfg->n_pools; i++)
		for (size_t j = 0; j < ctx->cfg->pools[i].n_backends; j++) {
			if (ctx->cfg->pools[i].backends[j].addr.family ==
			    AF_INET6)
				v6 = true;
			else
				v4 = true;
		}
	need = DR_CLIENT_MTU + (v6 ? DR_ENCAP_V6 : v4 ? DR_ENCAP_V4 : 0);
	ifn = ifname_of(ctx);
	memset(&ifr, 0, sizeof(ifr));
	if (if_ioctl(ifn, SIOCGIFMTU, &ifr)) {
		dr_set(r, DR_SKIP, "interface %s does not exist", ifn);
		return;
	}
	if (ifr.ifr_mtu < need) {
		dr_set(r, DR_WARN,
		       "%s MTU %d: a %d-byte client packet encapsulated for an "
		       "%s real (+%d) needs %d; larger packets are dropped "
		       "(checked: this interface, toward the backends; the "
		       "backends' own MTU must match)",
		       ifn, ifr.ifr_mtu, DR_CLIENT_MTU, v6 ? "IPv6" : "IPv4",
		       need - DR_CLIENT_MTU, need);
		dr_remedy(r,
			  "ip link set dev %s mtu %d (and the path to the "
			  "backends), or clamp clients' TCP MSS to %d",
			  ifn, need,
			  DR_CLIENT_MTU - 40 - (need - DR_CLIENT_MTU));
		return;
	}
	dr_set(r, DR_OK,
	       "%s MTU %d leaves room for %d-byte client packets plus %d of "
	       "encapsulation",
	       ifn, ifr.ifr_mtu, DR_CLIENT_MTU, need - DR_CLIENT_MTU);
}

/* A handle on what is pinned, as the driver reads it; NULL on ENOMEM. */
static struct dp *pinned(const struct dr_ctx *ctx)
{
	struct dp *dp = calloc(1, sizeof(*dp));

	if (!dp)
		return NULL;
	dp->meta_fd = -1;
	dp->svc_meta_fd = -1;
	for (int i = 0; i < XM__COUNT; i++)
		dp->fd[i] = -1;
	snprintf(dp->dir, sizeof(dp->dir), "%s/%s",
		 ctx->cfg->dataplane.xdp.pin_path, ifname_of(ctx));
	snprintf(dp->ifname, sizeof(dp->ifname), "%s", ifname_of(ctx));
	dp->ifindex = (int)if_nametoindex(ifname_of(ctx));
	dp->read_only = true;
	return dp;
}

static void pinned_free(struct dp *dp)
{
	if (dp && dp->meta_fd >= 0)
		close(dp->meta_fd);
	free(dp);
}

void dr_check_xdp_pins(struct dr_ctx *ctx, struct dr_result *r)
{
	struct dp *dp;
	int err;

	if (!need_xdp(ctx, r))
		return;
	dp = pinned(ctx);
	if (!dp) {
		dr_set(r, DR_SKIP, "out of memory");
		return;
	}
	err = xdp_pin_meta_read(dp);
	if (err == -ESTALE) {
		dr_set(r, DR_FAIL,
		       "the maps pinned in %s have another layout than this "
		       "build of ballast: the driver refuses to reuse them",
		       dp->dir);
		dr_remedy(r, "%s", XDP_REMEDY_DETACH);
	} else if (err == -ENOENT) {
		dr_set(r, DR_WARN,
		       "nothing is pinned in %s: the forwarder is "
		       "not installed",
		       dp->dir);
		dr_remedy(r, "ballast apply -c %s (or start the daemon)",
			  ctx->config_path);
	} else if (err == -EPERM || err == -EACCES) {
		dr_set(r, DR_FAIL, "cannot read %s: %s", dp->dir,
		       strerror(-err));
		dr_remedy(r, "run as root (CAP_BPF and CAP_NET_ADMIN, or "
			     "CAP_SYS_ADMIN)");
	} else if (err) {
		dr_set(r, DR_FAIL, "cannot read %s/%s: %s", dp->dir,
		       XDP_PIN_META, strerror(-err));
		dr_remedy(r, "%s", XDP_REMEDY_DETACH);
	} else if (dp->meta.prog != dp_xdp_prog_hash()) {
		dr_set(r, DR_WARN,
		       "%s: this build's layout, but the attached program is "
		       "another build's",
		       dp->dir);
		dr_remedy(r,
			  "ballast apply -c %s replaces it (maps and flows "
			  "are kept)",
			  ctx->config_path);
	} else {
		dr_set(r, DR_OK, "%s: pinned, this build's layout and program",
		       dp->dir);
	}
	pinned_free(dp);
}

void dr_check_xdp_attached(struct dr_ctx *ctx, struct dr_result *r)
{
	struct dp *dp;

	if (!need_xdp(ctx, r))
		return;
	dp = pinned(ctx);
	if (!dp) {
		dr_set(r, DR_SKIP, "out of memory");
		return;
	}
	if (!dp->ifindex) {
		dr_set(r, DR_SKIP, "interface %s does not exist", dp->ifname);
	} else if (xdp_pin_attached(dp)) {
		dr_set(r, DR_OK, "the forwarder's XDP link is attached to %s",
		       dp->ifname);
	} else {
		dr_set(r, DR_FAIL,
		       "no XDP link of the forwarder in %s is attached to %s: "
		       "traffic is not balanced",
		       dp->dir, dp->ifname);
		dr_remedy(r,
			  "ballast apply -c %s attaches it (a running "
			  "daemon does at its next pass)",
			  ctx->config_path);
	}
	pinned_free(dp);
}
