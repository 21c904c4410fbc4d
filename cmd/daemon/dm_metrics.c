// SPDX-License-Identifier: GPL-2.0-only
/* GET /metrics: the daemon in Prometheus text format. See Docs/DAEMON.md. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd/daemon/daemon_internal.h"

#define L(...) ((const char *const[]){__VA_ARGS__, NULL})

_Static_assert(HC_PROBE_BUCKETS <= API_HIST_MAX_BUCKETS,
	       "the probe histogram fits an api_hist");

/* The HA gate: per group with ha.mode vrrp, one node-wide sample without. */
static void ha_metrics(struct daemon *d, struct api_metrics *m,
		       const struct cfg *cfg)
{
	size_t n = dm_ha_n_groups(d->ha);
	struct vw_group_status st;

	api_metrics_family(m, "ballast_ha_info", API_METRIC_GAUGE,
			   "The HA mode.");
	api_metrics_sample(m, L("mode", cfg_ha_mode_name(cfg->ha.mode)), 1);
	api_metrics_family(m, "ballast_ha_active", API_METRIC_GAUGE,
			   "1 while this node holds the group's VIPs (HA mode "
			   "none: one sample, always 1).");
	if (!n)
		api_metrics_sample(m, NULL, 1);
	for (size_t g = 0; g < n; g++)
		if (!dm_ha_group(d->ha, g, &st))
			api_metrics_sample(m, L("group", st.name),
					   st.active ? 1 : 0);
	api_metrics_family(m, "ballast_ha_transitions_total",
			   API_METRIC_COUNTER,
			   "Active/standby changes of the group.");
	for (size_t g = 0; g < n; g++)
		if (!dm_ha_group(d->ha, g, &st))
			api_metrics_sample_u64(m, L("group", st.name),
					       st.transitions);
	api_metrics_family(m, "ballast_ha_split_brain", API_METRIC_GAUGE,
			   "1 while another node also claims the group's VIPs "
			   "(its VRRP adverts arrive while this node holds "
			   "them).");
	for (size_t g = 0; g < n; g++)
		if (!dm_ha_group(d->ha, g, &st))
			api_metrics_sample(m, L("group", st.name),
					   st.split_brain ? 1 : 0);
	if (!n)
		return;
	api_metrics_family(m, "ballast_ha_gate_to_programmed_seconds",
			   API_METRIC_GAUGE,
			   "Kernel event read to dataplane programmed, last "
			   "transition.");
	api_metrics_sample(m, NULL, dm_ha_last_programmed_s(d->ha));
	api_metrics_family(m, "ballast_ha_netlink_resyncs_total",
			   API_METRIC_COUNTER,
			   "Full re-reads after the kernel dropped rtnetlink "
			   "events (ENOBUFS).");
	api_metrics_sample_u64(m, NULL, dm_ha_resyncs(d->ha));
}

static void build_metrics(struct daemon *d, struct api_metrics *m,
			  const struct rc_loop_status *st)
{
	const struct cfg *cfg = dm_cfg(d);
	char gen[32];

	api_metrics_family(m, "ballast_build_info", API_METRIC_GAUGE,
			   "The running binary.");
	api_metrics_sample(m, L("version", BALLAST_VERSION), 1);
	api_metrics_family(m, "ballast_config_generation", API_METRIC_GAUGE,
			   "Config generations loaded since start.");
	api_metrics_sample_u64(m, NULL, st->generation);
	snprintf(gen, sizeof(gen), "%llu", (unsigned long long)st->generation);
	api_metrics_family(m, "ballast_config_info", API_METRIC_GAUGE,
			   "The running config: its sha256 and git revision.");
	api_metrics_sample(
	    m,
	    L("sha256", cfg->sha256, "git_rev", d->git_rev, "generation", gen),
	    1);
	api_metrics_family(m, "ballast_config_loaded_timestamp_seconds",
			   API_METRIC_GAUGE,
			   "When the running config was loaded.");
	api_metrics_sample(m, NULL, (double)d->loaded_wall_ms / 1000.0);
	api_metrics_family(m, "ballast_config_reloads_total",
			   API_METRIC_COUNTER, "Reloads by result.");
	api_metrics_sample_u64(m, L("result", "ok"), d->reloads_ok);
	api_metrics_sample_u64(m, L("result", "error"), d->reloads_failed);
	api_metrics_family(m, "ballast_config_last_reload_ok", API_METRIC_GAUGE,
			   "1 when the last reload (or the start) succeeded.");
	api_metrics_sample(m, NULL, d->reload_ok ? 1 : 0);

	ha_metrics(d, m, cfg);
	dm_bgp_metrics(d->bgp, m);

	api_metrics_family(m, "ballast_reconcile_passes_total",
			   API_METRIC_COUNTER, "Reconcile passes by kind.");
	for (int k = 0; k < RC_LOOP_PASS__COUNT; k++)
		api_metrics_sample_u64(m,
				       L("kind", rc_loop_pass_kind_name((
						     enum rc_loop_pass_kind)k)),
				       st->passes[k]);
	api_metrics_family(m, "ballast_reconcile_pass_duration_seconds",
			   API_METRIC_HISTOGRAM,
			   "Reconcile pass duration (read, plan, apply).");
	api_metrics_hist(m, NULL, &d->pass_hist);
	api_metrics_family(m, "ballast_reconcile_ops_total", API_METRIC_COUNTER,
			   "Dataplane operations by kind and result.");
	for (int k = 0; k < DM_OP_KINDS; k++)
		for (int r = 0; r < 2; r++)
			api_metrics_sample_u64(
			    m,
			    L("op", dm_op_name((enum rc_op_kind)k), "result",
			      r ? "failed" : "ok"),
			    k < RC_LOOP_OP_KINDS ? st->ops_by_kind[k][r] : 0);
	api_metrics_family(m, "ballast_reconcile_drift_total",
			   API_METRIC_COUNTER,
			   "Drifted objects found and repaired.");
	api_metrics_sample_u64(m, NULL, st->drift);
	api_metrics_family(m, "ballast_reconcile_drift_ops_total",
			   API_METRIC_COUNTER, "Drift repairs by operation.");
	for (int k = 0; k < DM_OP_KINDS; k++)
		api_metrics_sample_u64(m,
				       L("op", dm_op_name((enum rc_op_kind)k)),
				       d->drift_ops[k]);
	api_metrics_family(m, "ballast_reconcile_refusals_total",
			   API_METRIC_COUNTER,
			   "Passes the blast-radius guard refused.");
	api_metrics_sample_u64(m, NULL, st->refusals);
	api_metrics_family(m, "ballast_reconcile_held", API_METRIC_GAUGE,
			   "1 while a refused generation holds removals back.");
	api_metrics_sample(m, NULL, st->held ? 1 : 0);
	api_metrics_family(m, "ballast_reconcile_lock_failures_total",
			   API_METRIC_COUNTER,
			   "Passes skipped: another writer held the lock.");
	api_metrics_sample_u64(m, NULL, st->lock_failures);
	api_metrics_family(m, "ballast_reconcile_last_pass_timestamp_seconds",
			   API_METRIC_GAUGE, "Start of the last pass.");
	api_metrics_sample(m, NULL, (double)st->last_wall_ms / 1000.0);
	api_metrics_family(m, "ballast_reconcile_cover_ticks", API_METRIC_GAUGE,
			   "Ticks within which every service is read back.");
	api_metrics_sample_u64(m, NULL, st->cover_ticks);
}

/*
 * The engine's per-type probe durations as a Prometheus histogram: its
 * fixed microsecond bounds in seconds, its counts as they are.
 */
static void probe_duration_metrics(struct daemon *d, struct api_metrics *m)
{
	double le[HC_PROBE_BUCKETS];

	for (size_t i = 0; i < HC_PROBE_BUCKETS; i++)
		le[i] = hc_probe_le_us[i] / 1e6;
	api_metrics_family(m, "ballast_probe_duration_seconds",
			   API_METRIC_HISTOGRAM,
			   "Duration of completed health probes (timeouts "
			   "included), by probe type.");
	for (int t = 0; t < CFG_HC__COUNT; t++) {
		struct hc_probe_hist ph;
		struct api_hist h;

		if (t == CFG_HC_NONE || api_hist_init(&h, le, HC_PROBE_BUCKETS))
			continue;
		hc_engine_probe_hist(d->hc, (enum cfg_hc_type)t, &ph);
		memcpy(h.counts, ph.counts, sizeof(ph.counts));
		h.sum = (double)ph.sum_us / 1e6;
		h.count = ph.count;
		api_metrics_hist(
		    m, L("type", hc_type_name((enum cfg_hc_type)t)), &h);
	}
}

static void health_metrics(struct daemon *d, struct api_metrics *m)
{
	struct hc_stats hs;

	hc_engine_stats(d->hc, &hs);
	api_metrics_family(m, "ballast_health_probes_total", API_METRIC_COUNTER,
			   "Probes completed, by result.");
	api_metrics_sample_u64(m, L("result", "success"), hs.successes);
	api_metrics_sample_u64(m, L("result", "failure"), hs.failures);
	api_metrics_sample_u64(m, L("result", "internal_error"),
			       hs.internal_errors);
	api_metrics_family(m, "ballast_health_transitions_total",
			   API_METRIC_COUNTER, "Health state changes.");
	api_metrics_sample_u64(m, NULL, hs.transitions);
	api_metrics_family(m, "ballast_health_targets", API_METRIC_GAUGE,
			   "Distinct probe targets.");
	api_metrics_sample_u64(m, NULL, hs.targets);
	probe_duration_metrics(d, m);
	api_metrics_family(m, "ballast_overrides", API_METRIC_GAUGE,
			   "Runtime overrides in force, by kind.");
	for (int k = 0; k < DM_OVR__COUNT; k++) {
		uint64_t n = 0;

		for (size_t i = 0; i < dm_ovr_count(d->ovr); i++)
			n += dm_ovr_at(d->ovr, i)->kind == (enum dm_ovr_kind)k;
		api_metrics_sample_u64(
		    m, L("kind", dm_ovr_kind_name((enum dm_ovr_kind)k)), n);
	}
	api_metrics_family(m, "ballast_override", API_METRIC_GAUGE,
			   "One sample per override in force (value: its id).");
	for (size_t i = 0; i < dm_ovr_count(d->ovr); i++) {
		const struct dm_override *o = dm_ovr_at(d->ovr, i);
		char real[LB_ADDR_STRLEN];

		api_metrics_sample_u64(
		    m,
		    L("service", o->service, "real",
		      lb_addr_port_fmt(&o->addr, o->port, real, sizeof(real)),
		      "kind", dm_ovr_kind_name(o->kind)),
		    o->id);
	}
}

/* One family over every real of every service. */
enum real_metric {
	RM_WEIGHT,
	RM_EFFECTIVE,
	RM_HEALTH,
	RM_RTT,
	RM_PACKETS,
	RM_BYTES
};

static void real_family(struct daemon *d, struct api_metrics *m,
			enum real_metric which, const struct rc_state *live)
{
	const struct cfg *cfg = dm_cfg(d);

	for (size_t i = 0; i < cfg->n_services; i++) {
		const struct cfg_service *s = &cfg->services[i];
		const struct cfg_pool *p = &cfg->pools[s->pool];
		const struct rc_service *ls = NULL;
		struct rc_svc_key key;

		if (live) {
			rc_desired_service_key(s, &key);
			ls = rc_state_find(live, &key);
		}
		for (size_t b = 0; b < p->n_backends; b++) {
			const struct cfg_backend *be = &p->backends[b];
			uint16_t port = be->port ? be->port : s->port;
			const struct rc_real *r = NULL;
			struct hc_real_status hs;
			char real[LB_ADDR_STRLEN];
			const char *const *lb =
			    L("service", s->name, "real",
			      lb_addr_port_fmt(&be->addr, port, real,
					       sizeof(real)));
			double v = 0;

			switch (which) {
			case RM_WEIGHT:
				v = be->weight;
				break;
			case RM_EFFECTIVE:
				v = d->src.weight(d->src.ctx, p, be);
				break;
			case RM_HEALTH:
			case RM_RTT:
				if (hc_engine_real_status(d->hc, s->pool, b,
							  &hs) ||
				    (which == RM_RTT && hs.type == CFG_HC_NONE))
					continue;
				v = which == RM_RTT
					? (double)hs.last_rtt_us / 1e6
				    : hs.state == HC_STATE_UP	? 1
				    : hs.state == HC_STATE_DOWN ? 0
								: -1;
				break;
			case RM_PACKETS:
			case RM_BYTES:
				r = ls ? rc_service_find_real(ls, &be->addr,
							      port)
				       : NULL;
				if (!r)
					continue;
				v = which == RM_PACKETS
					? (double)(r->stats.packets_in +
						   r->stats.packets_out)
					: (double)(r->stats.bytes_in +
						   r->stats.bytes_out);
				break;
			}
			api_metrics_sample(m, lb, v);
		}
	}
}

static void real_metrics(struct daemon *d, struct api_metrics *m)
{
	struct rc_state live;
	bool counters = d->ops->driver != CFG_DRIVER_FAKE;

	api_metrics_family(m, "ballast_real_weight", API_METRIC_GAUGE,
			   "Configured weight of each real.");
	real_family(d, m, RM_WEIGHT, NULL);
	api_metrics_family(
	    m, "ballast_real_effective_weight", API_METRIC_GAUGE,
	    "Weight wanted now (health, slow start, overrides).");
	real_family(d, m, RM_EFFECTIVE, NULL);
	api_metrics_family(m, "ballast_real_health", API_METRIC_GAUGE,
			   "Health state: 1 up, 0 down, -1 unknown.");
	real_family(d, m, RM_HEALTH, NULL);
	api_metrics_family(m, "ballast_real_probe_rtt_seconds",
			   API_METRIC_GAUGE,
			   "Round-trip time of the last successful probe.");
	real_family(d, m, RM_RTT, NULL);
	if (!counters)
		return; /* the fake carries no traffic */
	rc_state_init(&live);
	if (!dm_read_dataplane(d, NULL, 0, &live)) {
		api_metrics_family(m, "ballast_real_packets_total",
				   API_METRIC_COUNTER,
				   "Packets through each real (dataplane).");
		real_family(d, m, RM_PACKETS, &live);
		api_metrics_family(m, "ballast_real_bytes_total",
				   API_METRIC_COUNTER,
				   "Bytes through each real (dataplane).");
		real_family(d, m, RM_BYTES, &live);
	}
	rc_state_free(&live);
}

int dm_h_metrics(struct api_req *req, struct api_resp *resp, void *arg)
{
	struct daemon *d = arg;
	struct api_metrics *m = api_metrics_new();
	struct rc_loop_status st;
	struct dm_counts c;
	const char *text;
	size_t len;
	int ret;

	if (!m)
		return -ENOMEM;
	rc_loop_status(d->rc, &st);
	build_metrics(d, m, &st);
	dm_count_reals(d, &c);
	api_metrics_family(m, "ballast_services", API_METRIC_GAUGE,
			   "Configured services.");
	api_metrics_sample_u64(m, NULL, c.services);
	api_metrics_family(m, "ballast_reals", API_METRIC_GAUGE,
			   "Reals of configured services, by health.");
	api_metrics_sample_u64(m, L("health", "up"), c.up);
	api_metrics_sample_u64(m, L("health", "down"), c.down);
	api_metrics_sample_u64(m, L("health", "unknown"), c.unknown);
	health_metrics(d, m);
	real_metrics(d, m);
	text = api_metrics_text(m, &len);
	ret = text
		  ? api_resp_raw(resp, 200, API_METRICS_CONTENT_TYPE, text, len)
		  : api_resp_error(resp, API_INTERNAL_ERROR, "metrics: %s",
				   strerror(-api_metrics_error(m)));
	api_metrics_free(m);
	return ret;
}
