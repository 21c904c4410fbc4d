// SPDX-License-Identifier: GPL-2.0-only
/*
 * IPVS checks, read only. Asking the kernel for the "IPVS" generic-netlink
 * family loads ip_vs where autoloading works, so the driver's own family
 * check (ipvs_nl_open) runs only when the module is already in: otherwise
 * doctor looks whether the module exists for this kernel.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cmd/doctor/doctor.h"
#include "cmd/doctor/dr_checks.h"
#include "dataplane/ipvs/ipvs_internal.h"

/* Is module `name` (ip_vs, ip_vs_wrr...) built in or installed? */
static bool module_present(const struct dr_ctx *ctx, const char *name)
{
	char path[512], line[512], want[80];
	struct utsname u;
	bool found = false;
	FILE *f;

	if (uname(&u))
		return false;
	snprintf(want, sizeof(want), "/%s.ko", name);
	for (int i = 0; i < 2 && !found; i++) {
		snprintf(path, sizeof(path), "/lib/modules/%s/%s", u.release,
			 i ? "modules.builtin" : "modules.dep");
		f = fopen(path, "re");
		if (!f)
			continue;
		while (!found && fgets(line, sizeof(line), f)) {
			char *colon = strchr(line, ':');
			char *nl = strchr(line, '\n');

			if (colon)
				*colon = '\0';
			if (nl)
				*nl = '\0';
			found = strstr(line, want) != NULL;
		}
		fclose(f);
	}
	return found;
}

static bool ipvs_loaded(const struct dr_ctx *ctx)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/net/ip_vs",
		 ctx->proc_root ? ctx->proc_root : "/proc");
	return !access(p, F_OK);
}

void dr_check_ipvs_module(struct dr_ctx *ctx, struct dr_result *r)
{
	struct ipvs_nl *nl = NULL;
	char why[256] = "";
	int err;

	if (!dr_need_driver(ctx, r, CFG_DRIVER_IPVS))
		return;
	if (!ipvs_loaded(ctx)) {
		if (module_present(ctx, "ip_vs")) {
			dr_set(r, DR_WARN,
			       "ip_vs is installed but not loaded; the kernel "
			       "loads it at the daemon's first request where "
			       "module autoloading works");
			dr_remedy(r, "%s (and list it in /etc/modules-load.d/)",
				  IPVS_REMEDY_MODULE);
			return;
		}
		dr_set(r, DR_FAIL,
		       "IPVS is not available: ip_vs is neither loaded "
		       "(/proc/net/ip_vs) nor installed for this kernel");
		dr_remedy(r,
			  "%s; if modprobe cannot find it, install the "
			  "kernel's modules package or use a kernel built with "
			  "CONFIG_IP_VS",
			  IPVS_REMEDY_MODULE);
		return;
	}
	/* loaded: resolving the family loads nothing; the driver's check */
	err = ipvs_nl_open(&nl, why, sizeof(why));
	ipvs_nl_close(nl);
	if (err) {
		dr_set(r, DR_FAIL, "%s", why);
		dr_remedy(r, "%s",
			  err == -EPERM || err == -EACCES
			      ? "run as root or grant CAP_NET_ADMIN"
			      : IPVS_REMEDY_MODULE);
		return;
	}
	dr_set(r, DR_OK, "ip_vs loaded, its netlink family answers");
}

/* Append "name" to a space-separated list and its remedy to a "; " list. */
static void add_sched(char *list, size_t *nl, size_t list_len, char *rem,
		      size_t *nr, size_t rem_len, const char *name)
{
	dr_append(list, nl, list_len, "%s%s", *nl ? " " : "", name);
	dr_append(rem, nr, rem_len, "%s%s: " IPVS_REMEDY_SCHED, *nr ? "; " : "",
		  name, name);
}

void dr_check_ipvs_sched(struct dr_ctx *ctx, struct dr_result *r)
{
	char missing[256] = "", lazy[256] = "";
	char rem_missing[512] = "", rem_lazy[512] = "";
	size_t nm = 0, nl = 0, nrm = 0, nrl = 0;
	uint32_t seen = 0;

	if (!dr_need_driver(ctx, r, CFG_DRIVER_IPVS))
		return;
	for (size_t i = 0; i < ctx->cfg->n_services; i++) {
		enum cfg_sched s = ctx->cfg->services[i].sched;
		const char *name = cfg_sched_name(s);
		char mod[64];

		if (seen & (1u << s))
			continue;
		seen |= 1u << s;
		if (ipvs_sched_loaded(name))
			continue;
		snprintf(mod, sizeof(mod), "ip_vs_%s", name);
		if (module_present(ctx, mod))
			add_sched(lazy, &nl, sizeof(lazy), rem_lazy, &nrl,
				  sizeof(rem_lazy), name);
		else
			add_sched(missing, &nm, sizeof(missing), rem_missing,
				  &nrm, sizeof(rem_missing), name);
	}
	if (nm) {
		dr_set(r, DR_FAIL,
		       "IPVS scheduler%s %s neither loaded nor installed "
		       "for this kernel",
		       strchr(missing, ' ') ? "s" : "", missing);
		dr_remedy(r, "%s", rem_missing);
	} else if (nl) {
		dr_set(r, DR_WARN,
		       "scheduler module%s %s installed, not loaded: loaded "
		       "on first use where autoloading works",
		       strchr(lazy, ' ') ? "s" : "", lazy);
		dr_remedy(r, "%s (and list them in /etc/modules-load.d/)",
			  rem_lazy);
	} else {
		dr_set(r, DR_OK, "every scheduler the config uses is loaded");
	}
}

void dr_check_ipvs_sysctls(struct dr_ctx *ctx, struct dr_result *r)
{
	long nodest = -1, ct = -1;
	bool nat;

	if (!dr_need_driver(ctx, r, CFG_DRIVER_IPVS))
		return;
	if (dr_sysctl(ctx, "net/ipv4/vs/expire_nodest_conn", &nodest)) {
		dr_set(r, DR_SKIP,
		       "net.ipv4.vs.* absent: ip_vs not loaded "
		       "(see ipvs.module)");
		return;
	}
	(void)dr_sysctl(ctx, "net/ipv4/vs/conntrack", &ct);
	nat = dr_cfg_uses_fwd(ctx->cfg, CFG_FWD_NAT);
	if (nodest != 1) {
		dr_set(r, DR_WARN,
		       "net.ipv4.vs.expire_nodest_conn = %ld: connections to "
		       "a removed real are black-holed until they time out",
		       nodest);
		dr_remedy(r, "sysctl -w net.ipv4.vs.expire_nodest_conn=1");
		return;
	}
	if (nat && ct != 1) {
		dr_set(r, DR_WARN,
		       "net.ipv4.vs.conntrack = %ld with NAT services: "
		       "stateful netfilter rules on this host do not see IPVS "
		       "connections",
		       ct);
		dr_remedy(r, "sysctl -w net.ipv4.vs.conntrack=1 (when nftables "
			     "or iptables NAT/state rules run here)");
		return;
	}
	dr_set(r, DR_OK, "expire_nodest_conn = 1%s",
	       nat ? ", conntrack = 1" : "");
}
