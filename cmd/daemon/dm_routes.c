// SPDX-License-Identifier: GPL-2.0-only
/*
 * The control API's route table and its read-only answers: status, plan,
 * flow and config. Services, overrides and metrics have their own files.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd/daemon/daemon_internal.h"
#include "reconcile/plan_fmt.h"

const char *dm_op_name(enum rc_op_kind k)
{
	static const char *const names[DM_OP_KINDS] = {
	    [RC_OP_SVC_ADD] = "create-service",
	    [RC_OP_SVC_EDIT] = "edit-service",
	    [RC_OP_REAL_ADD] = "add-real",
	    [RC_OP_REAL_EDIT] = "edit-real",
	    [RC_OP_REAL_DEL] = "remove-real",
	    [RC_OP_SVC_DEL] = "delete-service",
	};

	return (unsigned int)k < DM_OP_KINDS ? names[k] : "unknown";
}

static const char *pass_result(enum rc_loop_result r)
{
	switch (r) {
	case RC_LOOP_OK:
		return "ok";
	case RC_LOOP_REFUSED:
		return "refused";
	case RC_LOOP_NONE:
		return "none";
	default:
		return "error";
	}
}

static int h_status(struct api_req *req, struct api_resp *resp, void *arg)
{
	struct daemon *d = arg;
	const struct cfg *cfg = dm_cfg(d);
	struct rc_loop_status st;
	struct dm_counts c;
	json_t *last;

	rc_loop_status(d->rc, &st);
	dm_count_reals(d, &c);
	last = st.last_result == RC_LOOP_NONE
		   ? json_null()
		   : json_pack("{s:o, s:s, s:s, s:f, s:I, s:I, s:I}", "time",
			       dm_time_json(st.last_wall_ms), "kind",
			       rc_loop_pass_kind_name(st.last_kind), "result",
			       pass_result(st.last_result), "duration_ms",
			       (double)st.last_duration_us / 1000.0,
			       "ops_applied", (json_int_t)st.last_ok,
			       "ops_failed", (json_int_t)st.last_failed,
			       "services", (json_int_t)st.last_services);
	return api_resp_ok(
	    resp,
	    json_pack(
		"{s:s, s:{s:s, s:I, s:s, s:o, s:s}, s:{s:s}, s:o,"
		" s:{s:I, s:I, s:I, s:I, s:I, s:I}, s:I, s:I, s:o, s:b,"
		" s:o, s:o, s:{s:s, s:o, s:o},"
		" s:{s:I, s:I, s:I, s:I, s:b, s:b}}",
		"version", BALLAST_VERSION, "config", "path", d->opts.config,
		"generation", (json_int_t)st.generation, "sha256", st.sha256,
		"loaded_at", dm_time_json(d->loaded_wall_ms), "git_rev",
		d->git_rev, "dataplane", "driver", d->ops->name, "last_pass",
		last, "counts", "services", (json_int_t)c.services, "reals",
		(json_int_t)c.reals, "reals_up", (json_int_t)c.up, "reals_down",
		(json_int_t)c.down, "reals_unknown", (json_int_t)c.unknown,
		"overrides", (json_int_t)dm_ovr_count(d->ovr), "drift_total",
		(json_int_t)st.drift, "refusals_total", (json_int_t)st.refusals,
		"last_refusal",
		st.last_refusal[0] ? json_string(st.last_refusal) : json_null(),
		"pending",
		st.full_pending || st.scoped_pending || st.retry_pending, "ha",
		dm_ha_status_json(d->ha, cfg), "bgp",
		dm_bgp_status_json(d->bgp), "reload",
		"last_result", d->reload_ok ? "ok" : "error", "last_error",
		d->reload_error ? json_string(d->reload_error) : json_null(),
		"time", dm_time_json(d->reload_wall_ms), "passes", "full",
		(json_int_t)st.passes[RC_LOOP_PASS_FULL], "scoped",
		(json_int_t)st.passes[RC_LOOP_PASS_SCOPED], "slice",
		(json_int_t)st.passes[RC_LOOP_PASS_SLICE], "cover_ticks",
		(json_int_t)st.cover_ticks, "held", st.held,
		"mass_removal_allowed", st.mass_removal_allowed));
}

static int h_plan(struct api_req *req, struct api_resp *resp, void *arg)
{
	struct daemon *d = arg;
	const struct rc_plan *plan;
	char refusal[RC_LOOP_TEXT_MAX], text[512], real[LB_ADDR_STRLEN];
	json_t *ops;
	int ret;

	ret = rc_loop_preview(d->rc, &plan, refusal, sizeof(refusal));
	if (ret)
		return api_resp_error(resp, API_INTERNAL_ERROR,
				      "cannot read the %s dataplane: %s",
				      d->ops->name, strerror(-ret));
	ops = json_array();
	for (size_t i = 0; i < plan->n && ops; i++) {
		const struct rc_op *op = &plan->ops[i];

		json_array_append_new(
		    ops,
		    json_pack(
			"{s:s, s:s, s:o, s:s}", "op", dm_op_name(op->kind),
			"service",
			op->svc->name[0]
			    ? op->svc->name
			    : rc_svc_key_fmt(&op->svc->key, text, sizeof(text)),
			"real",
			op->real ? json_string(lb_addr_port_fmt(
				       &op->real->addr, op->real->port, real,
				       sizeof(real)))
				 : json_null(),
			"text", rc_op_fmt(op, text, sizeof(text))));
	}
	return api_resp_ok(
	    resp, json_pack("{s:I, s:o, s:o}", "changes", (json_int_t)plan->n,
			    "ops", ops, "refused",
			    refusal[0] ? json_string(refusal) : json_null()));
}

static int parse_proto(const char *s, enum cfg_proto *p)
{
	if (!s || !strcmp(s, "tcp"))
		*p = CFG_PROTO_TCP;
	else if (!strcmp(s, "udp"))
		*p = CFG_PROTO_UDP;
	else if (!strcmp(s, "sctp"))
		*p = CFG_PROTO_SCTP;
	else
		return -EINVAL;
	return 0;
}

/* Ask a dataplane that can say where one flow goes (XDP). */
static int flow_answer(struct daemon *d, const struct cfg_service *svc,
		       const struct lb_addr *sa, uint16_t sp,
		       const struct lb_addr *da, uint16_t dport,
		       enum cfg_proto p, struct api_resp *resp)
{
	struct dp_flow f = {.src = *sa, .dst = *da, .sport = sp,
			    .dport = dport, .proto = (uint8_t)p};
	struct dp_flow_where w;
	char real[LB_ADDR_STRLEN + 8];
	int err;

	if (sa->family != da->family)
		return api_resp_error(resp, API_INVALID_REQUEST,
				      "src and dst must be of one family");
	err = d->ops->flow(d->dp, &f, &w);
	if (err == -ENOENT)
		return api_resp_ok(
		    resp, json_pack("{s:s, s:n, s:s, s:s}", "service",
				    svc->name, "real", "how", "unknown",
				    "explanation",
				    "the dataplane holds no service for this "
				    "flow yet (not programmed, or withdrawn)"));
	if (err)
		return api_resp_error(resp, API_INTERNAL_ERROR,
				      "reading the %s dataplane: %s",
				      d->ops->name, strerror(-err));
	if (!w.real.family)
		return api_resp_ok(resp,
				   json_pack("{s:s, s:n, s:s, s:s}", "service",
					     svc->name, "real", "how", w.how,
					     "explanation", w.detail));
	lb_addr_port_fmt(&w.real, w.real_port, real, sizeof(real));
	return api_resp_ok(resp, json_pack("{s:s, s:s, s:s, s:s}", "service",
					   svc->name, "real", real, "how",
					   w.how, "explanation", w.detail));
}

static int h_flow(struct api_req *req, struct api_resp *resp, void *arg)
{
	struct daemon *d = arg;
	const struct cfg *cfg = dm_cfg(d);
	const char *src = api_req_query(req, "src"),
		   *dst = api_req_query(req, "dst"),
		   *proto = api_req_query(req, "proto");
	const struct cfg_service *svc = NULL;
	struct lb_addr sa, da;
	uint16_t sp, dport;
	enum cfg_proto p;
	char why[256];

	if (!src || dm_parse_real(src, &sa, &sp))
		return api_resp_error(resp, API_INVALID_REQUEST,
				      "src must be IP:PORT ([IPv6]:PORT)");
	if (!dst || dm_parse_real(dst, &da, &dport))
		return api_resp_error(resp, API_INVALID_REQUEST,
				      "dst must be VIP:PORT ([IPv6]:PORT)");
	if (parse_proto(proto, &p))
		return api_resp_error(resp, API_INVALID_REQUEST,
				      "proto must be tcp, udp or sctp");
	/* A service on the port wins over an any-port one, as in the forwarder. */
	for (size_t i = 0; i < cfg->n_services; i++) {
		const struct cfg_service *s = &cfg->services[i];

		if (s->fwmark || s->proto != p || lb_addr_cmp(&s->addr, &da))
			continue;
		if (s->port == dport && !(s->flags & CFG_SVC_ANY_PORT)) {
			svc = s;
			break;
		}
		if ((s->flags & CFG_SVC_ANY_PORT) && !svc)
			svc = s;
	}
	if (!svc)
		return api_resp_error(resp, API_NOT_FOUND,
				      "no configured service at %s %s", dst,
				      cfg_proto_name(p));
	if (d->ops->flow)
		return flow_answer(d, svc, &sa, sp, &da, dport, p, resp);
	snprintf(why, sizeof(why),
		 "the %s dataplane does not say where one flow goes: its "
		 "scheduler (%s) picks a real for each new connection and "
		 "keeps no state Ballast can query beforehand",
		 d->ops->name, cfg_sched_name(svc->sched));
	return api_resp_ok(resp, json_pack("{s:s, s:n, s:s, s:s}", "service",
					   svc->name, "real", "how", "unknown",
					   "explanation", why));
}

static int h_config(struct api_req *req, struct api_resp *resp, void *arg)
{
	struct daemon *d = arg;
	const char *fmt = api_req_query(req, "format");

	if (!fmt || !strcmp(fmt, "yaml"))
		return api_resp_raw(resp, 200, "text/yaml; charset=utf-8",
				    d->cfg_text, d->cfg_len);
	if (strcmp(fmt, "json"))
		return api_resp_error(resp, API_INVALID_REQUEST,
				      "format must be yaml or json, not '%s'",
				      fmt);
	return api_resp_ok(resp, dm_config_json(dm_cfg(d)));
}

void dm_routes_fill(struct daemon *d)
{
	static const char *const kpath[DM_OVR__COUNT] = {
	    [DM_OVR_DRAIN] = "drain",
	    [DM_OVR_DISABLE] = "disable",
	    [DM_OVR_WEIGHT] = "weight",
	    [DM_OVR_HEALTH] = "health",
	};
	static char patterns[DM_OVR__COUNT][80];
	struct api_route *r = d->routes;
	size_t n = 0;

	r[n++] = (struct api_route){"GET", "/api/v1/status", h_status, d};
	r[n++] =
	    (struct api_route){"GET", "/api/v1/services", dm_h_services, d};
	r[n++] = (struct api_route){"GET", "/api/v1/services/{name}",
				    dm_h_service, d};
	r[n++] = (struct api_route){"GET", "/api/v1/plan", h_plan, d};
	r[n++] = (struct api_route){"GET", "/api/v1/flow", h_flow, d};
	r[n++] = (struct api_route){"GET", "/api/v1/config", h_config, d};
	r[n++] = (struct api_route){"GET", "/api/v1/events", api_events_handler,
				    d->events};
	r[n++] =
	    (struct api_route){"GET", "/api/v1/overrides", dm_h_overrides, d};
	r[n++] = (struct api_route){"GET", "/metrics", dm_h_metrics, d};
	r[n++] = (struct api_route){"GET", "/api/v1/node", dm_h_node, d};
	r[n++] = (struct api_route){"POST", "/api/v1/node/drain",
				    dm_h_node_drain, d};
	r[n++] = (struct api_route){"POST", "/api/v1/node/undrain",
				    dm_h_node_undrain, d};
	for (int k = 0; k < DM_OVR__COUNT; k++) {
		d->kargs[k] = (struct dm_kind_arg){d, (enum dm_ovr_kind)k};
		snprintf(patterns[k], sizeof(patterns[k]),
			 "/api/v1/services/{name}/reals/{real}/%s", kpath[k]);
		r[n++] = (struct api_route){k == DM_OVR_WEIGHT ? "PUT" : "POST",
					    patterns[k], dm_h_override_set,
					    &d->kargs[k]};
		r[n++] = (struct api_route){"DELETE", patterns[k],
					    dm_h_override_del, &d->kargs[k]};
	}
	d->n_routes = n;
	d->metrics_route =
	    (struct api_route){"GET", "/metrics", dm_h_metrics, d};
}
