// SPDX-License-Identifier: GPL-2.0-only
/*
 * HA checks (ha.mode: vrrp), read only: the VRRP provider's processes from
 * /proc, the ARP sysctls FRR's macvlans need, and what the daemon's gate
 * reports in GET /api/v1/status ("ha"). Nothing is started or signalled.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd/doctor/doctor.h"
#include "cmd/doctor/dr_checks.h"
#include "lib/addr.h"

bool dr_need_ha(struct dr_ctx *ctx, struct dr_result *r)
{
	if (!dr_need_cfg(ctx, r))
		return false;
	if (ctx->cfg->ha.mode == CFG_HA_NONE) {
		dr_set(r, DR_SKIP, "ha.mode not set");
		return false;
	}
	if (ctx->cfg->ha.mode != CFG_HA_VRRP) {
		dr_set(r, DR_SKIP,
		       "ha.mode is not vrrp (these are the VRRP "
		       "checks)");
		return false;
	}
	return true;
}

static const char *proc_root(const struct dr_ctx *ctx)
{
	return ctx->proc_root ? ctx->proc_root : "/proc";
}

/* The target of <proc>/<pid>/ns/net ("net:[4026531840]"), or "". */
static void net_ns(const struct dr_ctx *ctx, const char *pid, char *buf,
		   size_t len)
{
	char p[512];
	ssize_t n;

	snprintf(p, sizeof(p), "%s/%s/ns/net", proc_root(ctx), pid);
	n = readlink(p, buf, len - 1);
	buf[n > 0 ? n : 0] = '\0';
}

/* What a scan of /proc found for one process name. */
struct dr_proc {
	long pid;	 /* one in this network namespace, or 0 */
	long other_pid;	 /* one in another network namespace, or 0 */
	bool ns_unknown; /* pid's namespace could not be read */
};

/*
 * Find processes whose comm is `name`. A provider in another network
 * namespace moves VIPs there, not here: it does not count.
 */
static void find_proc(const struct dr_ctx *ctx, const char *name,
		      struct dr_proc *out)
{
	char self_ns[128], ns[128], p[512], comm[64];
	struct dirent *de;
	DIR *d;

	memset(out, 0, sizeof(*out));
	net_ns(ctx, "self", self_ns, sizeof(self_ns));
	d = opendir(proc_root(ctx));
	if (!d)
		return;
	while ((de = readdir(d)) && !out->pid) {
		FILE *f;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(p, sizeof(p), "%s/%s/comm", proc_root(ctx),
			 de->d_name);
		f = fopen(p, "re");
		if (!f)
			continue;
		if (!fgets(comm, sizeof(comm), f))
			comm[0] = '\0';
		fclose(f);
		comm[strcspn(comm, "\n")] = '\0';
		if (strcmp(comm, name))
			continue;
		net_ns(ctx, de->d_name, ns, sizeof(ns));
		if (!ns[0] || !self_ns[0] || !strcmp(ns, self_ns)) {
			out->pid = strtol(de->d_name, NULL, 10);
			out->ns_unknown = !ns[0] || !self_ns[0];
		} else if (!out->other_pid) {
			out->other_pid = strtol(de->d_name, NULL, 10);
		}
	}
	closedir(d);
}

void dr_check_ha_provider(struct dr_ctx *ctx, struct dr_result *r)
{
	static const char *const keepalived[] = {"keepalived", NULL};
	/* vrrpd gets interfaces and addresses from zebra: both must run */
	static const char *const frr[] = {"zebra", "vrrpd", NULL};
	bool is_frr;
	const char *const *names;
	char found[256] = "", missing[128] = "", elsewhere[128] = "";
	size_t nf = 0, nm = 0, ne = 0;

	if (!dr_need_ha(ctx, r))
		return;
	is_frr = ctx->cfg->ha.provider == CFG_HA_PROVIDER_FRR;
	names = is_frr ? frr : keepalived;
	for (size_t i = 0; names[i]; i++) {
		struct dr_proc pr;

		find_proc(ctx, names[i], &pr);
		if (pr.pid) {
			dr_append(found, &nf, sizeof(found), "%s%s (pid %ld%s)",
				  nf ? ", " : "", names[i], pr.pid,
				  pr.ns_unknown
				      ? ", network namespace not readable"
				      : "");
			continue;
		}
		dr_append(missing, &nm, sizeof(missing), "%s%s", nm ? " " : "",
			  names[i]);
		if (pr.other_pid)
			dr_append(elsewhere, &ne, sizeof(elsewhere),
				  "%s%s (pid %ld)", ne ? ", " : "", names[i],
				  pr.other_pid);
	}
	if (nm) {
		dr_set(r, DR_FAIL,
		       "ha.provider %s: %s not running in this network "
		       "namespace%s%s%s: nothing moves the VIPs of this node",
		       is_frr ? "frr" : "keepalived", missing,
		       ne ? " (only in another one: " : "", elsewhere,
		       ne ? ")" : "");
		if (is_frr)
			dr_remedy(r,
				  "set zebra=yes and vrrpd=yes in "
				  "/etc/frr/daemons, then `systemctl restart "
				  "frr`; `ballast vrrp patch-frr /etc/frr/"
				  "frr.conf -c %s` writes the vrrp stanzas",
				  ctx->config_path);
		else
			dr_remedy(r,
				  "`systemctl start keepalived` (its config: "
				  "`ballast vrrp render keepalived -c %s`)",
				  ctx->config_path);
		return;
	}
	dr_set(r, DR_OK, "%s running here", found);
}

/*
 * FRR keeps each VIP on a macvlan on every node and takes the backup's
 * carrier down; the address stays local, so with arp_ignore 0 the backup
 * answers ARP for the VIP on the parent interface and steals its traffic.
 * arp_announce 2 keeps the VIP out of the ARP requests the node sends.
 * The kernel uses the larger of conf.all and conf.<interface>.
 */
void dr_check_ha_arp(struct dr_ctx *ctx, struct dr_result *r)
{
	const char *ifn;
	long ig_all = 0, ig_if = 0, an_all = 0, an_if = 0, ig, an;
	char p[128];

	if (!dr_need_ha(ctx, r))
		return;
	if (ctx->cfg->ha.provider != CFG_HA_PROVIDER_FRR) {
		dr_set(r, DR_SKIP,
		       "keepalived adds the VIPs on the master only: no ARP "
		       "setting needed");
		return;
	}
	ifn = ctx->cfg->ha.interface;
	(void)dr_sysctl(ctx, "net/ipv4/conf/all/arp_ignore", &ig_all);
	(void)dr_sysctl(ctx, "net/ipv4/conf/all/arp_announce", &an_all);
	snprintf(p, sizeof(p), "net/ipv4/conf/%s/arp_ignore", ifn);
	if (dr_sysctl(ctx, p, &ig_if) == -ENOENT) {
		dr_set(r, DR_FAIL, "ha.interface %s does not exist", ifn);
		dr_remedy(r, "set ha.interface to the parent of FRR's VRRP "
			     "macvlans");
		return;
	}
	snprintf(p, sizeof(p), "net/ipv4/conf/%s/arp_announce", ifn);
	(void)dr_sysctl(ctx, p, &an_if);
	ig = ig_all > ig_if ? ig_all : ig_if;
	an = an_all > an_if ? an_all : an_if;
	if (ig >= 1 && an >= 2) {
		dr_set(r, DR_OK, "%s: arp_ignore=%ld arp_announce=%ld", ifn, ig,
		       an);
		return;
	}
	dr_set(r, ig < 1 ? DR_FAIL : DR_WARN,
	       "%s: arp_ignore=%ld arp_announce=%ld: %s", ifn, ig, an,
	       ig < 1 ? "as backup this node still answers ARP for the VIPs "
			"on its protodown macvlans, and takes their traffic"
		      : "ARP requests from this node may carry a VIP as "
			"source");
	dr_remedy(r,
		  "sysctl -w net.ipv4.conf.%s.arp_ignore=1 "
		  "net.ipv4.conf.%s.arp_announce=2 (and in /etc/sysctl.d/)",
		  ifn, ifn);
}

/* The daemon's "ha" object, or NULL after setting r to skip. */
static json_t *daemon_ha(struct dr_ctx *ctx, struct dr_result *r)
{
	json_t *ha;

	if (!ctx->status) {
		dr_set(r, DR_SKIP,
		       "the daemon does not answer (its gate watches the "
		       "segment's VRRP adverts)");
		return NULL;
	}
	ha = json_object_get(ctx->status, "ha");
	if (!json_is_array(json_object_get(ha, "groups"))) {
		dr_set(r, DR_SKIP, "the daemon reports no HA groups");
		return NULL;
	}
	return ha;
}

/* The vrrp.nodes entry with this address, or NULL. */
static const struct cfg_vrrp_node *node_of(const struct cfg *cfg,
					   const char *addr)
{
	struct lb_addr a;

	if (!addr || lb_addr_parse(addr, &a))
		return NULL;
	for (size_t i = 0; i < cfg->vrrp.n_nodes; i++)
		if (!lb_addr_cmp(&cfg->vrrp.nodes[i].addr, &a))
			return &cfg->vrrp.nodes[i];
	return NULL;
}

/*
 * Another VRRP instance on the segment with one of our VRIDs: the gate's
 * advert watcher names the source of adverts for a group's VRID that are
 * not this node's. From a configured node it is split brain (both claim
 * the group); from anything else, a foreign instance uses our VRID.
 */
void dr_check_ha_vrid(struct dr_ctx *ctx, struct dr_result *r)
{
	char foreign[256] = "", split[256] = "", vrids[128] = "";
	size_t nf = 0, ns = 0, nv = 0, i;
	json_t *ha, *g;

	if (!dr_need_ha(ctx, r) || !(ha = daemon_ha(ctx, r)))
		return;
	json_array_foreach(json_object_get(ha, "groups"), i, g)
	{
		const char *name =
		    json_string_value(json_object_get(g, "name"));
		const char *peer =
		    json_string_value(json_object_get(g, "peer"));
		json_int_t vrid =
		    json_integer_value(json_object_get(g, "vrid"));
		const struct cfg_vrrp_node *n;

		if (!peer)
			continue;
		if (!name)
			name = "?";
		n = node_of(ctx->cfg, peer);
		if (!n) {
			dr_append(foreign, &nf, sizeof(foreign),
				  "%sVRID %lld (group %s) from %s",
				  nf ? "; " : "", (long long)vrid, name, peer);
			dr_append(vrids, &nv, sizeof(vrids), "%s%s",
				  nv ? ", " : "", name);
		} else {
			dr_append(split, &ns, sizeof(split),
				  "%sgroup %s (VRID %lld) also claimed by %s "
				  "(%s)",
				  ns ? "; " : "", name, (long long)vrid,
				  n->name, peer);
		}
	}
	if (nf) {
		dr_set(r, DR_FAIL,
		       "adverts for our VRIDs from addresses that are not in "
		       "vrrp.nodes: %s; another VRRP instance on the segment "
		       "uses them",
		       foreign);
		dr_remedy(r,
			  "give group %s a vrrp.groups[].vrid unused on the "
			  "segment and re-render the provider's config (or "
			  "renumber the other instance)",
			  vrids);
		return;
	}
	if (ns) {
		dr_set(r, DR_WARN, "split brain: %s", split);
		dr_remedy(r,
			  "let VRRP (IP protocol 112) pass between the nodes: "
			  "check nftables/iptables on both and the switch; "
			  "forwarding stays identical meanwhile");
		return;
	}
	dr_set(r, DR_OK,
	       "no advert for our VRIDs from another instance (as the "
	       "daemon's gate sees them)");
}
