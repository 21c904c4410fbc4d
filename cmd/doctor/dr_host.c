// SPDX-License-Identifier: GPL-2.0-only
/*
 * The checks that do not depend on the dataplane driver: config, daemon,
 * privileges, routing sysctls and health.
 */
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <jansson.h>

#include "cmd/doctor/doctor.h"
#include "cmd/doctor/dr_checks.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

/* File descriptors the daemon keeps besides its probes (API, netlink...). */
#define DR_FD_MARGIN 64

bool dr_need_cfg(struct dr_ctx *ctx, struct dr_result *r)
{
	if (ctx->cfg)
		return true;
	dr_set(r, DR_SKIP, "the configuration does not load (see config)");
	return false;
}

void dr_check_config(struct dr_ctx *ctx, struct dr_result *r)
{
	const struct cfg *c = ctx->cfg;

	if (!c) {
		dr_set(r, DR_FAIL, "%s", ctx->cfg_err);
		dr_remedy(r,
			  "fix the file; `ballast validate -c %s` lists every "
			  "error with file:line:col",
			  ctx->config_path);
		return;
	}
	dr_set(r, DR_OK, "%s: valid, %zu service%s, driver %s, sha256 %s",
	       ctx->config_path, c->n_services, c->n_services == 1 ? "" : "s",
	       cfg_driver_name(c->dataplane.driver), c->sha256);
}

static const char *daemon_remedy(const struct dr_ctx *ctx)
{
	static char buf[512];

	snprintf(buf, sizeof(buf),
		 "start it: `systemctl start ballast`, or `ballast apply "
		 "--daemon -c %s`; or name its socket with --socket "
		 "(daemon.api_socket)",
		 ctx->config_path);
	return buf;
}

void dr_check_daemon(struct dr_ctx *ctx, struct dr_result *r)
{
	json_t *cfgj;

	if (!ctx->daemon_up) {
		dr_set(r, DR_WARN, "no daemon answers on %s: %s", ctx->sock,
		       ctx->daemon_err[0] ? ctx->daemon_err : "no answer");
		dr_remedy(r, "%s", daemon_remedy(ctx));
		return;
	}
	if (!ctx->status) {
		dr_set(r, DR_FAIL, "%s answers, but with an error: %s",
		       ctx->sock, ctx->status_err);
		dr_remedy(r, "see the daemon's log: `journalctl -u ballast`; "
			     "is --socket a Ballast daemon's?");
		return;
	}
	cfgj = json_object_get(ctx->status, "config");
	dr_set(
	    r, DR_OK, "daemon %s on %s, config generation %lld",
	    json_string_value(json_object_get(ctx->status, "version")),
	    ctx->sock,
	    (long long)json_integer_value(json_object_get(cfgj, "generation")));
}

void dr_check_daemon_config(struct dr_ctx *ctx, struct dr_result *r)
{
	const char *sha;
	json_t *cfgj;

	if (!ctx->status) {
		dr_set(r, DR_SKIP, "the daemon does not answer");
		return;
	}
	if (!dr_need_cfg(ctx, r))
		return;
	cfgj = json_object_get(ctx->status, "config");
	sha = json_string_value(json_object_get(cfgj, "sha256"));
	if (!sha || strcmp(sha, ctx->cfg->sha256)) {
		dr_set(
		    r, DR_FAIL,
		    "the daemon runs config %s (generation %lld, sha256 %s), "
		    "not the file on disk (sha256 %s)",
		    json_string_value(json_object_get(cfgj, "path")),
		    (long long)json_integer_value(
			json_object_get(cfgj, "generation")),
		    sha ? sha : "?", ctx->cfg->sha256);
		dr_remedy(r,
			  "`ballast validate -c %s`, then `systemctl reload "
			  "ballast` (SIGHUP); the daemon keeps the last good "
			  "file while the new one does not load",
			  ctx->config_path);
		return;
	}
	dr_set(r, DR_OK, "the daemon runs this file (sha256 %.12s...)", sha);
}

void dr_check_daemon_plan(struct dr_ctx *ctx, struct dr_result *r)
{
	json_int_t n;

	if (!ctx->daemon_up) {
		dr_set(r, DR_SKIP, "the daemon does not answer");
		return;
	}
	if (!ctx->plan) {
		dr_set(r, DR_FAIL, "the daemon cannot compute its plan: %s",
		       ctx->plan_err);
		dr_remedy(r, "`ballast status` shows the last refusal; the "
			     "dataplane checks below say what the host lacks");
		return;
	}
	n = json_integer_value(json_object_get(ctx->plan, "changes"));
	if (n) {
		dr_set(r, DR_FAIL,
		       "%lld change%s pending between the config and the live "
		       "dataplane (drift or a pass that keeps failing)",
		       (long long)n, n == 1 ? "" : "s");
		dr_remedy(r,
			  "`ballast plan -c %s` lists them; `ballast status` "
			  "shows the last pass and refusal (a repair runs "
			  "every daemon.tick)",
			  ctx->config_path);
		return;
	}
	dr_set(r, DR_OK, "plan is empty: the dataplane matches the config");
}

/* The capabilities a driver needs, as Docs/OPERATIONS.md lists them. */
void dr_check_caps(struct dr_ctx *ctx, struct dr_result *r)
{
	static const struct {
		int cap;
		const char *name;
	} caps[] = {{CAP_NET_ADMIN, "CAP_NET_ADMIN"},
		    {CAP_BPF, "CAP_BPF"},
		    {CAP_PERFMON, "CAP_PERFMON"},
		    {CAP_NET_RAW, "CAP_NET_RAW"},
		    {CAP_SYS_ADMIN, "CAP_SYS_ADMIN"}};
	char missing[160] = "", rel[64];
	bool need[5] = {false};
	int major, minor;
	size_t n = 0;

	if (!dr_need_cfg(ctx, r))
		return;
	dr_kernel_version(ctx, &major, &minor, rel, sizeof(rel));
	switch (ctx->cfg->dataplane.driver) {
	case CFG_DRIVER_IPVS:
		need[0] = true;
		break;
	case CFG_DRIVER_XDP:
		need[0] = true;
		/* before 5.8 there is no CAP_BPF: CAP_SYS_ADMIN stands in */
		if (major > 5 || (major == 5 && minor >= 8))
			need[1] = need[2] = true;
		else
			need[4] = true;
		break;
	default:
		break;
	}
	need[3] = dr_cfg_uses_hc(ctx->cfg, CFG_HC_ICMP);
	for (size_t i = 0; i < 5; i++) {
		bool have = dr_has_cap(ctx, caps[i].cap);

		/* CAP_SYS_ADMIN grants what CAP_BPF and CAP_PERFMON do */
		if ((i == 1 || i == 2) && dr_has_cap(ctx, CAP_SYS_ADMIN))
			have = true;
		if (need[i] && !have) {
			n += (size_t)snprintf(missing + n, sizeof(missing) - n,
					      "%s%s", n ? " " : "",
					      caps[i].name);
			if (n >= sizeof(missing))
				n = sizeof(missing) - 1;
		}
	}
	if (n) {
		dr_set(r, DR_FAIL,
		       "the %s driver%s needs %s, which this process lacks "
		       "(CapEff %llx)",
		       cfg_driver_name(ctx->cfg->dataplane.driver),
		       need[3] ? " with ICMP probes" : "", missing,
		       dr_cap_eff(ctx));
		dr_remedy(r,
			  "run as root (sudo ballast doctor), or grant them: "
			  "AmbientCapabilities=%s in the unit",
			  missing);
		return;
	}
	dr_set(r, DR_OK, "the capabilities the %s driver%s needs are held",
	       cfg_driver_name(ctx->cfg->dataplane.driver),
	       need[3] ? " and ICMP probes need" : "");
}

void dr_check_memlock(struct dr_ctx *ctx, struct dr_result *r)
{
	unsigned long long lim;
	int major, minor, err;
	char rel[64];

	if (!dr_need_cfg(ctx, r))
		return;
	if (ctx->cfg->dataplane.driver != CFG_DRIVER_XDP) {
		dr_set(r, DR_SKIP, "only the xdp driver locks memory");
		return;
	}
	dr_kernel_version(ctx, &major, &minor, rel, sizeof(rel));
	if (major > 5 || (major == 5 && minor >= 11)) {
		dr_set(r, DR_OK,
		       "kernel %s charges BPF memory to the cgroup: "
		       "RLIMIT_MEMLOCK does not apply",
		       rel);
		return;
	}
	err = dr_memlock(ctx, &lim);
	if (err) {
		dr_set(r, DR_SKIP, "getrlimit: %s", strerror(-err));
		return;
	}
	if (lim != (unsigned long long)RLIM_INFINITY) {
		dr_set(r, DR_FAIL,
		       "kernel %s counts BPF maps against RLIMIT_MEMLOCK, "
		       "which is %llu bytes",
		       rel, lim);
		dr_remedy(r, "LimitMEMLOCK=infinity in the unit, or `ulimit -l "
			     "unlimited` before starting ballast");
		return;
	}
	dr_set(r, DR_OK, "kernel %s: RLIMIT_MEMLOCK is unlimited", rel);
}

/* The fake dataplane forwards nothing: host routing does not matter. */
static bool need_forwarder(struct dr_ctx *ctx, struct dr_result *r)
{
	if (!dr_need_cfg(ctx, r))
		return false;
	if (ctx->cfg->dataplane.driver != CFG_DRIVER_FAKE)
		return true;
	dr_set(r, DR_SKIP, "the fake dataplane forwards nothing");
	return false;
}

/*
 * IPVS NAT routes the replies through this host; the XDP forwarder's
 * bpf_fib_lookup refuses to resolve a next hop when forwarding is off on the
 * ingress interface, whatever the method (Docs/XDP.md, "Forwarding").
 */
void dr_check_ip_forward(struct dr_ctx *ctx, struct dr_result *r)
{
	const char *ifn, *why;
	char p4[128], p6[128];
	long f4 = -1, f6 = -1;
	bool v6 = false;

	if (!need_forwarder(ctx, r))
		return;
	if (ctx->cfg->dataplane.driver == CFG_DRIVER_XDP) {
		why = "the XDP forwarder's bpf_fib_lookup needs forwarding on "
		      "the interface";
		ifn = ctx->cfg->dataplane.interface;
	} else if (dr_cfg_uses_fwd(ctx->cfg, CFG_FWD_NAT)) {
		why = "IPVS NAT routes the backends' replies through this host";
		ifn = "all";
	} else {
		dr_set(r, DR_SKIP, "no service forwards by NAT");
		return;
	}
	for (size_t i = 0; i < ctx->cfg->n_services; i++)
		if (ctx->cfg->services[i].addr.family == AF_INET6)
			v6 = true;
	snprintf(p4, sizeof(p4), "net/ipv4/conf/%s/forwarding", ifn);
	snprintf(p6, sizeof(p6), "net/ipv6/conf/%s/forwarding", ifn);
	(void)dr_sysctl(ctx, p4, &f4);
	if (v6)
		(void)dr_sysctl(ctx, p6, &f6);
	if (f4 != 1 || (v6 && f6 != 1)) {
		dr_set(r, DR_FAIL, "%s: net.ipv4.conf.%s.forwarding = %ld%s",
		       why, ifn, f4,
		       v6 ? (f6 == 1 ? ", IPv6 on" : ", IPv6 off") : "");
		dr_remedy(r,
			  "sysctl -w net.ipv4.ip_forward=1%s (and persist it "
			  "in /etc/sysctl.d/)",
			  v6 ? " net.ipv6.conf.all.forwarding=1" : "");
		return;
	}
	dr_set(r, DR_OK, "net.ipv4.conf.%s.forwarding = 1%s", ifn,
	       v6 ? ", IPv6 too" : "");
}

void dr_check_rp_filter(struct dr_ctx *ctx, struct dr_result *r)
{
	char p[128];
	long all = 0, dev = 0;
	const char *ifname;

	if (!need_forwarder(ctx, r))
		return;
	ifname = ctx->cfg->dataplane.interface;
	(void)dr_sysctl(ctx, "net/ipv4/conf/all/rp_filter", &all);
	if (ifname) {
		snprintf(p, sizeof(p), "net/ipv4/conf/%s/rp_filter", ifname);
		(void)dr_sysctl(ctx, p, &dev);
	}
	/* the kernel uses the larger of "all" and the interface's value */
	if ((all > dev ? all : dev) == 1) {
		dr_set(r, DR_WARN,
		       "strict reverse-path filtering (all=%ld, %s=%ld) drops "
		       "packets that arrive on another interface than the "
		       "route back (asymmetric paths, DSR replies, VIPs routed "
		       "to this host)",
		       all, ifname ? ifname : "-", dev);
		dr_remedy(r,
			  "sysctl -w net.ipv4.conf.all.rp_filter=2%s%s%s "
			  "(loose)",
			  ifname ? " net.ipv4.conf." : "", ifname ? ifname : "",
			  ifname ? ".rp_filter=2" : "");
		return;
	}
	dr_set(r, DR_OK, "rp_filter all=%ld, %s=%ld (not strict)", all,
	       ifname ? ifname : "-", dev);
}

void dr_check_arp(struct dr_ctx *ctx, struct dr_result *r)
{
	long ig = 0, an = 0;

	if (!need_forwarder(ctx, r))
		return;
	if (!dr_cfg_uses_fwd(ctx->cfg, CFG_FWD_DSR) &&
	    !dr_cfg_uses_fwd(ctx->cfg, CFG_FWD_DR) &&
	    !dr_cfg_uses_fwd(ctx->cfg, CFG_FWD_TUNNEL)) {
		dr_set(r, DR_SKIP, "no service forwards by DR, DSR or tunnel");
		return;
	}
	(void)dr_sysctl(ctx, "net/ipv4/conf/all/arp_ignore", &ig);
	(void)dr_sysctl(ctx, "net/ipv4/conf/all/arp_announce", &an);
	if (ig >= 1 && an >= 2) {
		dr_set(r, DR_OK,
		       "arp_ignore=%ld arp_announce=%ld here; the backends "
		       "need the same (checked on them, not here)",
		       ig, an);
		return;
	}
	dr_set(r, DR_WARN,
	       "backend-side settings, reported from this LB: every backend "
	       "that holds a VIP on lo must not answer ARP for it; this host "
	       "has arp_ignore=%ld arp_announce=%ld (harmless here unless it "
	       "also serves a VIP)",
	       ig, an);
	dr_remedy(r,
		  "on each backend: sysctl -w net.ipv4.conf.all.arp_ignore=1 "
		  "net.ipv4.conf.all.arp_announce=2");
}

void dr_check_health(struct dr_ctx *ctx, struct dr_result *r)
{
	char down[256] = "", dead[256] = "";
	size_t n_down = 0, n_dead = 0, nd = 0, nx = 0, i, j;
	json_t *svc, *real;

	if (!ctx->services && ctx->daemon_up) {
		dr_set(r, DR_FAIL, "the daemon answers, but with an error: %s",
		       ctx->services_err);
		dr_remedy(r, "see the daemon's log: `journalctl -u ballast`");
		return;
	}
	if (!ctx->services) {
		dr_set(r, DR_SKIP,
		       "the daemon does not answer: `ballast probe -c %s --for "
		       "10s` runs the probes from here",
		       ctx->config_path);
		return;
	}
	json_array_foreach(ctx->services, i, svc)
	{
		const char *name =
		    json_string_value(json_object_get(svc, "name"));
		size_t up = 0, n = 0;

		json_array_foreach(json_object_get(svc, "reals"), j, real)
		{
			const char *h =
			    json_string_value(json_object_get(real, "health"));

			n++;
			if (h && !strcmp(h, "up")) {
				up++;
			} else if (h && !strcmp(h, "down")) {
				n_down++;
				if (nd < sizeof(down))
					nd += (size_t)snprintf(
					    down + nd, sizeof(down) - nd,
					    "%s%s/%s:%lld", nd ? " " : "", name,
					    json_string_value(json_object_get(
						real, "address")),
					    (long long)json_integer_value(
						json_object_get(real, "port")));
			}
		}
		if (n && !up) {
			n_dead++;
			if (nx < sizeof(dead))
				nx += (size_t)snprintf(
				    dead + nx, sizeof(dead) - nx, "%s%s",
				    nx ? " " : "", name);
		}
	}
	if (n_dead) {
		dr_set(r, DR_FAIL,
		       "%zu service%s with no healthy real: %s; %zu real%s "
		       "down: %s",
		       n_dead, n_dead == 1 ? "" : "s", dead, n_down,
		       n_down == 1 ? "" : "s", down);
		dr_remedy(r, "`ballast show SERVICE` gives each real's last "
			     "probe result and cause; fix the backends or the "
			     "pool's health: settings");
	} else if (n_down) {
		dr_set(r, DR_WARN, "%zu real%s down: %s", n_down,
		       n_down == 1 ? "" : "s", down);
		dr_remedy(r, "`ballast show SERVICE` gives each real's last "
			     "probe result and cause");
	} else {
		dr_set(r, DR_OK, "every service has a healthy real, none down");
	}
}

void dr_check_fd_limit(struct dr_ctx *ctx, struct dr_result *r)
{
	struct rlimit rl;
	size_t n;

	if (!dr_need_cfg(ctx, r))
		return;
	n = dr_cfg_n_targets(ctx->cfg);
	if (getrlimit(RLIMIT_NOFILE, &rl)) {
		dr_set(r, DR_SKIP, "getrlimit: %s", strerror(errno));
		return;
	}
	if (rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < (rlim_t)(n + DR_FD_MARGIN)) {
		dr_set(r, DR_FAIL,
		       "%zu probe targets may each hold a socket, plus %d for "
		       "the daemon, but RLIMIT_NOFILE is %llu: probes fail "
		       "with EMFILE",
		       n, DR_FD_MARGIN, (unsigned long long)rl.rlim_cur);
		dr_remedy(r,
			  "LimitNOFILE=%zu (or more) in the unit, or `ulimit "
			  "-n %zu`",
			  (n + DR_FD_MARGIN) * 2, (n + DR_FD_MARGIN) * 2);
		return;
	}
	dr_set(r, DR_OK,
	       "RLIMIT_NOFILE %llu (this process's; the daemon's comes from "
	       "its unit) for %zu probe targets",
	       (unsigned long long)rl.rlim_cur, n);
}

bool dr_need_driver(struct dr_ctx *ctx, struct dr_result *r, enum cfg_driver d)
{
	if (!dr_need_cfg(ctx, r))
		return false;
	if (ctx->cfg->dataplane.driver == d)
		return true;
	dr_set(r, DR_SKIP, "dataplane.driver is %s, not %s",
	       cfg_driver_name(ctx->cfg->dataplane.driver), cfg_driver_name(d));
	return false;
}
