// SPDX-License-Identifier: GPL-2.0-only
/*
 * The HA gate in the daemon: vrrp/ says which VIP groups this node holds;
 * here that becomes part of the desired state (standby: withdraw leaves the
 * groups' services out of it), a scoped pass over the group's services,
 * events, status and metrics. The gate never writes the dataplane itself:
 * it only changes what the next pass wants.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/daemon/daemon_internal.h"
#include "cmd/daemon/dm_ha.h"
#include "lib/log.h"
#include "reconcile/desired.h"
#include "vrrp/vrrp.h"

#define SUB "ha"

struct ha_group {
	bool pending;	 /* a transition waits for its pass */
	uint64_t t0_us;	 /* when its kernel event was read */
	int64_t last_ms; /* event → programmed of the last one; -1: none */
	uint64_t transitions;
};

struct dm_ha {
	struct daemon *d;
	struct vw *w;
	char *interface;	      /* the running watcher's */
	struct vw_group_spec *groups; /* of the running config */
	size_t n_groups;
	struct ha_group *g;
	const struct cfg *cfg;	    /* what svc_group indexes */
	ssize_t *svc_group;	    /* per cfg service: group or -1 */
	bool withdraw;		    /* standby: withdraw */
	struct rc_gate_layer layer; /* over overrides over health */
	int64_t last_ms;	    /* of the last transition, any group */
	uint64_t last_us_total;
};

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---- the weight source's gate -------------------------------------------- */

static ssize_t group_of(const struct dm_ha *h, const struct cfg_service *svc)
{
	if (h->cfg && svc >= h->cfg->services &&
	    svc < h->cfg->services + h->cfg->n_services)
		return h->svc_group[svc - h->cfg->services];
	return vw_group_of_service(h->groups, h->n_groups, svc);
}

static bool service_active(void *ctx, const struct cfg_service *svc)
{
	const struct dm_ha *h = ctx;

	if (!h->w || !h->withdraw)
		return true;
	return vw_serves_group(h->w, group_of(h, svc));
}

void dm_ha_weight_src(struct dm_ha *h, const struct rc_weight_src *inner,
		      struct rc_weight_src *out)
{
	rc_gate_layer_src(&h->layer, inner, service_active, h, out);
}

/* ---- events -------------------------------------------------------------- */

static void schedule_group(struct dm_ha *h, size_t g)
{
	const struct cfg *cfg = dm_cfg(h->d);
	struct rc_svc_key *keys;
	size_t n = 0;

	if (!cfg || !cfg->n_services)
		return;
	keys = calloc(cfg->n_services, sizeof(*keys));
	if (!keys) {
		rc_loop_full_pass(h->d->rc);
		return;
	}
	for (size_t i = 0; i < cfg->n_services; i++) {
		ssize_t sg = group_of(h, &cfg->services[i]);

		/* fwmark services follow every group */
		if (sg == (ssize_t)g || sg < 0)
			rc_desired_service_key(&cfg->services[i], &keys[n++]);
	}
	if (n && rc_loop_services_changed(h->d->rc, keys, n))
		rc_loop_full_pass(h->d->rc);
	free(keys);
}

static void publish_programmed(struct dm_ha *h, size_t g, const char *how)
{
	struct ha_group *hg = &h->g[g];
	struct vw_group_status st;
	uint64_t us = now_us() - hg->t0_us;

	hg->pending = false;
	if (vw_group_status(h->w, g, &st))
		return;
	hg->last_ms = (int64_t)(us / 1000u);
	h->last_ms = hg->last_ms;
	h->last_us_total = us;
	dm_publish(h->d, LB_LOG_INFO, "ha_programmed",
		   json_pack("{s:s, s:s, s:f, s:s}", "group", st.name, "state",
			     st.active ? "active" : "standby", "latency_ms",
			     (double)us / 1000.0, "how", how),
		   "HA group %s %s: dataplane programmed %.3f ms after the "
		   "kernel event (%s)",
		   st.name, st.active ? "active" : "standby",
		   (double)us / 1000.0, how);
}

static void on_gate(void *arg, const struct vw_event *ev)
{
	struct dm_ha *h = arg;
	struct vw_group_status st;
	char peer[LB_ADDR_STRLEN] = "";

	if (ev->group >= h->n_groups || vw_group_status(h->w, ev->group, &st))
		return;
	if (st.peer.family)
		lb_addr_fmt(&st.peer, peer, sizeof(peer));
	if (ev->changed & VW_CH_ACTIVE) {
		struct ha_group *hg = &h->g[ev->group];

		hg->transitions++;
		hg->t0_us = now_us();
		dm_publish(h->d, LB_LOG_WARN, "ha",
			   json_pack("{s:s, s:i, s:s, s:b, s:s, s:s?}", "group",
				     st.name, "vrid", (int)st.vrid, "state",
				     ev->active ? "active" : "standby",
				     "split_brain", ev->split_brain, "cause",
				     ev->cause, "peer", peer[0] ? peer : NULL),
			   "HA group %s is now %s: %s", st.name,
			   ev->active ? "active" : "standby", ev->cause);
		if (h->withdraw) {
			hg->pending = true;
			schedule_group(h, ev->group);
		} else {
			/* warm: the dataplane already holds the services */
			publish_programmed(h, ev->group, "warm standby");
		}
	}
	if (ev->changed & VW_CH_SPLIT_BRAIN)
		dm_publish(
		    h->d, ev->split_brain ? LB_LOG_ERR : LB_LOG_INFO, "ha",
		    json_pack("{s:s, s:i, s:s, s:b, s:s, s:s?}", "group",
			      st.name, "vrid", (int)st.vrid, "state",
			      ev->active ? "active" : "standby", "split_brain",
			      ev->split_brain, "cause", ev->cause, "peer",
			      peer[0] ? peer : NULL),
		    ev->split_brain
			? "split brain: HA group %s is held here and "
			  "claimed by %s too (%s)"
			: "HA group %s: no other node claims it any more "
			  "%s(%s)",
		    st.name, peer[0] ? peer : "", ev->cause);
}

void dm_ha_on_pass(struct dm_ha *h, const struct rc_loop_event *ev)
{
	if (!h || !h->w || ev->result == RC_LOOP_ERROR ||
	    ev->result == RC_LOOP_REFUSED)
		return;
	for (size_t g = 0; g < h->n_groups; g++)
		if (h->g[g].pending)
			publish_programmed(h, g, "scoped pass");
}

/* ---- configuration ------------------------------------------------------- */

static void free_groups(struct dm_ha *h)
{
	free(h->groups);
	free(h->svc_group);
	free(h->g);
	h->groups = NULL;
	h->svc_group = NULL;
	h->g = NULL;
	h->n_groups = 0;
	h->cfg = NULL;
}

static void stop_watch(struct dm_ha *h)
{
	vw_free(h->w);
	h->w = NULL;
	free(h->interface);
	h->interface = NULL;
}

static void fill_opts(const struct cfg *cfg, struct vw_group_spec *groups,
		      size_t n, struct lb_addr *peers, size_t *n_peers,
		      const char *node, struct vw_opts *o)
{
	char host[256];

	if (!node && !gethostname(host, sizeof(host))) {
		host[sizeof(host) - 1] = '\0';
		node = host;
	}
	*n_peers = 0;
	for (size_t i = 0; i < cfg->vrrp.n_nodes; i++)
		if (!node || strcmp(cfg->vrrp.nodes[i].name, node))
			peers[(*n_peers)++] = cfg->vrrp.nodes[i].addr;
	*o = (struct vw_opts){
	    .interface = cfg->ha.interface,
	    .groups = groups,
	    .n_groups = n,
	    .watch_adverts = true,
	    .advert_interval_ms =
		cfg->vrrp.present ? cfg->vrrp.advert_interval_ms : 1000,
	    .peers = peers,
	    .n_peers = *n_peers,
	};
}

int dm_ha_configure(struct dm_ha *h, const struct cfg *cfg, char *why,
		    size_t why_len)
{
	struct vw_group_spec *groups = NULL;
	struct lb_addr *peers = NULL;
	struct ha_group *hg = NULL;
	ssize_t *map = NULL;
	size_t n = 0, n_peers;
	struct vw_opts o;
	int ret = 0;

	why[0] = '\0';
	if (cfg->ha.mode != CFG_HA_VRRP) {
		stop_watch(h);
		free_groups(h);
		return 0;
	}
	ret = vw_groups_from_cfg(cfg, &groups, &n);
	if (ret)
		goto out;
	peers = calloc(cfg->vrrp.n_nodes + 1, sizeof(*peers));
	hg = calloc(n + 1, sizeof(*hg));
	map = calloc(cfg->n_services + 1, sizeof(*map));
	if (!peers || !hg || !map) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		hg[i].last_ms = -1;
	ret = vw_groups_of_services(groups, n, cfg, map);
	if (ret)
		goto out;
	fill_opts(cfg, groups, n, peers, &n_peers, h->d->opts.node, &o);
	if (h->w && h->interface && !strcmp(h->interface, cfg->ha.interface)) {
		ret = vw_reconfigure(h->w, &o);
	} else {
		struct vw *w = NULL;

		ret = vw_new(h->d->loop, &o, on_gate, h, &w, why, why_len);
		if (ret == -EPERM || ret == -EACCES) {
			/* No CAP_NET_RAW: gate without split-brain detection.
			 */
			lb_log_kv(LB_LOG_WARN, SUB, LB_NO_FIELDS,
				  "VRRP adverts not watched (%s): split brain "
				  "will not be flagged; give the daemon "
				  "CAP_NET_RAW",
				  why);
			o.watch_adverts = false;
			ret = vw_new(h->d->loop, &o, on_gate, h, &w, why,
				     why_len);
		}
		if (!ret) {
			char *name = strdup(cfg->ha.interface);

			if (!name) {
				vw_free(w);
				ret = -ENOMEM;
				goto out;
			}
			stop_watch(h);
			h->w = w;
			h->interface = name;
		}
	}
	if (ret)
		goto out;
	free_groups(h);
	h->groups = groups;
	h->n_groups = n;
	h->g = hg;
	h->svc_group = map;
	h->cfg = cfg;
	h->withdraw = cfg->ha.standby == CFG_STANDBY_WITHDRAW;
	groups = NULL;
	hg = NULL;
	map = NULL;
out:
	if (ret && !why[0])
		snprintf(why, why_len, "HA gate on %s: %s", cfg->ha.interface,
			 strerror(-ret));
	free(groups);
	free(peers);
	free(hg);
	free(map);
	return ret;
}

int dm_ha_new(struct daemon *d, struct dm_ha **out)
{
	struct dm_ha *h = calloc(1, sizeof(*h));

	if (!h)
		return -ENOMEM;
	h->d = d;
	h->last_ms = -1;
	*out = h;
	return 0;
}

void dm_ha_free(struct dm_ha *h)
{
	if (!h)
		return;
	stop_watch(h);
	free_groups(h);
	free(h);
}

/* ---- status and metrics -------------------------------------------------- */

static const char *node_state(const struct dm_ha *h)
{
	size_t active = 0;

	for (size_t i = 0; i < h->n_groups; i++)
		active += vw_group_active(h->w, i);
	if (active == h->n_groups)
		return "active";
	return active ? "partial" : "standby";
}

json_t *dm_ha_status_json(const struct dm_ha *h, const struct cfg *cfg)
{
	json_t *o, *groups;

	if (!h || !h->w)
		return json_pack("{s:s, s:s}", "mode",
				 cfg_ha_mode_name(cfg->ha.mode), "state",
				 "n/a");
	groups = json_array();
	for (size_t g = 0; g < h->n_groups; g++) {
		struct vw_group_status st;
		json_t *vips = json_array();
		char peer[LB_ADDR_STRLEN] = "";

		if (vw_group_status(h->w, g, &st))
			continue;
		for (size_t v = 0; v < h->groups[g].n_vips; v++) {
			char addr[LB_ADDR_STRLEN], ifname[16] = "";
			bool held = false;

			lb_addr_fmt(&h->groups[g].vips[v], addr, sizeof(addr));
			(void)vw_vip_status(h->w, g, v, &held, ifname);
			json_array_append_new(
			    vips, json_pack("{s:s, s:b, s:o}", "address", addr,
					    "held", held, "link",
					    ifname[0] ? json_string(ifname)
						      : json_null()));
		}
		if (st.peer.family)
			lb_addr_fmt(&st.peer, peer, sizeof(peer));
		json_array_append_new(
		    groups,
		    json_pack(
			"{s:s, s:i, s:s, s:b, s:o, s:o, s:I, s:I, s:s, "
			"s:o}",
			"name", st.name, "vrid", (int)st.vrid, "state",
			st.active ? "active" : "standby", "split_brain",
			st.split_brain, "peer",
			peer[0] ? json_string(peer) : json_null(), "vips", vips,
			"since_mono_ms", (json_int_t)st.since_mono_ms,
			"transitions", (json_int_t)st.transitions, "cause",
			st.cause, "last_programmed_ms",
			h->g[g].last_ms >= 0 ? json_integer(h->g[g].last_ms)
					     : json_null()));
	}
	o = json_pack(
	    "{s:s, s:s, s:s, s:s, s:s?, s:o, s:I}", "mode", "vrrp", "provider",
	    cfg->ha.provider == CFG_HA_PROVIDER_FRR ? "frr" : "keepalived",
	    "standby", h->withdraw ? "withdraw" : "warm", "state",
	    node_state(h), "interface", h->interface, "groups", groups,
	    "resyncs", (json_int_t)vw_resyncs(h->w));
	return o;
}

bool dm_ha_node_active(const struct dm_ha *h)
{
	return !h || !h->w || !strcmp(node_state(h), "active");
}

size_t dm_ha_n_groups(const struct dm_ha *h)
{
	return h && h->w ? h->n_groups : 0;
}

int dm_ha_group(const struct dm_ha *h, size_t g, struct vw_group_status *st)
{
	if (!h || !h->w || g >= h->n_groups)
		return -ENOENT;
	return vw_group_status(h->w, g, st);
}

int64_t dm_ha_last_programmed_ms(const struct dm_ha *h)
{
	return h ? h->last_ms : -1;
}

double dm_ha_last_programmed_s(const struct dm_ha *h)
{
	return h && h->last_ms >= 0 ? (double)h->last_us_total / 1e6 : 0;
}

uint64_t dm_ha_resyncs(const struct dm_ha *h)
{
	return h && h->w ? vw_resyncs(h->w) : 0;
}
