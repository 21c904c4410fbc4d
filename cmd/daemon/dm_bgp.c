// SPDX-License-Identifier: GPL-2.0-only
/*
 * ha.mode: bgp in the daemon. After every pass and every health transition
 * the per-VIP decision (dm_bgp_decide.c) is recomputed and the kernel's
 * routes are converged to it (vrrp/announce.h); a health transition may
 * only withdraw, announcing waits for the pass that puts the change into
 * the dataplane. Draining withdraws every route at once and, drain_wait
 * later, leaves the node's services out of the desired state through the
 * weight source, as the HA gate's `standby: withdraw` does; the drain
 * survives a restart through a file in the state directory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/daemon/daemon_internal.h"
#include "cmd/daemon/dm_bgp.h"
#include "lib/file.h"
#include "lib/log.h"
#include "vrrp/announce.h"

#define SUB "bgp"

enum bgp_state {
	BGP_SERVING = 0,
	BGP_DRAINING, /* routes withdrawn, services still programmed */
	BGP_DRAINED,  /* services left out of the desired state */
};

static const char *const state_names[] = {"serving", "draining", "drained"};

/* A VIP as last converged. */
struct bgp_vip {
	struct lb_addr addr;
	bool announced; /* our route is in the kernel */
	char reason[DM_BGP_REASON_MAX];
};

struct dm_bgp {
	struct daemon *d;
	struct va *va; /* NULL unless ha.mode bgp */
	char *node;    /* this node's name in bgp.nodes, or NULL */
	uint32_t min_healthy;
	uint32_t drain_wait_ms;
	struct rc_gate_layer
	    layer; /* its inner: the weights the decision reads */

	enum bgp_state state;
	uint64_t drain_until_wall_ms; /* while draining */
	struct lb_timer *drain_timer;
	char *state_path;

	struct bgp_vip *vips; /* of the last convergence */
	size_t n_vips;
	bool passed; /* a pass ended since the announcer opened */
	bool stopping;
	char last_error[VA_ERR_MAX]; /* of the last failed convergence */
	uint64_t adds, dels;
};

/* ---- the drain state, kept across restarts ------------------------------- */

static void save_state(struct dm_bgp *b)
{
	json_t *o;
	char *text;
	int err;

	if (b->state == BGP_SERVING) {
		if (unlink(b->state_path) && errno != ENOENT)
			lb_log_kv(LB_LOG_ERR, SUB,
				  LB_FIELDS(LB_F_STR("file", b->state_path)),
				  "cannot remove the drain state: %s; a "
				  "restart would come back drained",
				  strerror(errno));
		return;
	}
	o = json_pack("{s:s, s:I}", "state", state_names[b->state],
		      "drain_until_ms", (json_int_t)b->drain_until_wall_ms);
	text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	err = text ? lb_write_file_atomic(b->state_path, text, strlen(text))
		   : -ENOMEM;
	free(text);
	if (err)
		lb_log_kv(LB_LOG_ERR, SUB,
			  LB_FIELDS(LB_F_STR("file", b->state_path)),
			  "cannot save the drain state: %s; a restart would "
			  "announce again (fix the state directory)",
			  strerror(-err));
}

static void load_state(struct dm_bgp *b)
{
	json_t *o = json_load_file(b->state_path, 0, NULL);
	const char *st = json_string_value(json_object_get(o, "state"));

	if (st && !strcmp(st, "drained")) {
		b->state = BGP_DRAINED;
	} else if (st && !strcmp(st, "draining")) {
		b->state = BGP_DRAINING;
		b->drain_until_wall_ms = (uint64_t)json_integer_value(
		    json_object_get(o, "drain_until_ms"));
	} else if (o || access(b->state_path, F_OK) == 0) {
		/* Unreadable: stay out of rotation, as the operator asked. */
		lb_log_kv(LB_LOG_ERR, SUB,
			  LB_FIELDS(LB_F_STR("file", b->state_path)),
			  "the drain state is unreadable; the node stays "
			  "drained: `ballast node undrain` to serve");
		b->state = BGP_DRAINED;
	}
	json_decref(o);
	if (b->state != BGP_SERVING)
		lb_log_kv(LB_LOG_WARN, SUB,
			  LB_FIELDS(LB_F_STR("state", state_names[b->state])),
			  "node %s since before the restart: VIPs not "
			  "announced until `ballast node undrain`",
			  state_names[b->state]);
}

/* ---- the weight source --------------------------------------------------- */

static bool service_active(void *ctx, const struct cfg_service *svc)
{
	const struct dm_bgp *b = ctx;

	return !(b->va && b->state == BGP_DRAINED);
}

void dm_bgp_weight_src(struct dm_bgp *b, const struct rc_weight_src *inner,
		       struct rc_weight_src *out)
{
	rc_gate_layer_src(&b->layer, inner, service_active, b, out);
}

/* ---- converging ---------------------------------------------------------- */

static bool in_sync(void *ctx, const struct rc_svc_key *key)
{
	const struct dm_bgp *b = ctx;

	return rc_loop_service_converged(b->d->rc, key);
}

static bool unchecked(void *ctx, size_t pi, size_t bi)
{
	const struct dm_bgp *b = ctx;
	struct hc_real_status hs;

	return !hc_engine_real_status(b->d->hc, pi, bi, &hs) &&
	       hs.state == HC_STATE_UNKNOWN;
}

/*
 * The VIP as last converged. Both lists are in config order, so the same
 * index almost always holds it; a reload that moved VIPs costs a scan.
 */
static const struct bgp_vip *old_vip(const struct dm_bgp *b, size_t hint,
				     const struct lb_addr *a)
{
	if (hint < b->n_vips && !lb_addr_cmp(&b->vips[hint].addr, a))
		return &b->vips[hint];
	for (size_t i = 0; i < b->n_vips; i++)
		if (!lb_addr_cmp(&b->vips[i].addr, a))
			return &b->vips[i];
	return NULL;
}

static const char *withheld(const struct dm_bgp *b)
{
	if (b->stopping)
		return "stopping";
	if (b->state == BGP_DRAINED)
		return "node drained";
	if (b->state == BGP_DRAINING)
		return "node draining";
	return NULL;
}

static void publish_vip(struct dm_bgp *b, const struct bgp_vip *v,
			const char *trigger)
{
	char a[LB_ADDR_STRLEN];

	lb_addr_fmt(&v->addr, a, sizeof(a));
	dm_publish(b->d, v->announced ? LB_LOG_INFO : LB_LOG_WARN, "bgp",
		   json_pack("{s:s, s:b, s:s, s:s}", "vip", a, "announced",
			     v->announced, "reason", v->reason, "trigger",
			     trigger),
		   "VIP %s %s: %s", a, v->announced ? "announced" : "withdrawn",
		   v->reason);
}

/*
 * Decide, converge the kernel's routes, report what changed. announce:
 * false after a health transition (only withdrawals apply until the pass
 * that programs it).
 */
static void converge(struct dm_bgp *b, bool announce, const char *trigger)
{
	const struct cfg *cfg = dm_cfg(b->d);
	struct dm_bgp_vip *dv = NULL;
	struct bgp_vip *nv = NULL;
	struct va_result *res = NULL;
	struct lb_addr *addrs = NULL;
	struct dm_bgp_view view = {
	    .in_sync = in_sync, .unchecked = unchecked, .ctx = b};
	struct va_changes ch = {0};
	bool *want = NULL, *hold = NULL;
	char why[VA_ERR_MAX];
	size_t n = 0;
	int err;

	if (!b->va || !cfg)
		return;
	if (dm_bgp_vips(cfg, &dv, &n))
		goto oom;
	nv = calloc(n + 1, sizeof(*nv));
	res = calloc(n + 1, sizeof(*res));
	addrs = calloc(n + 1, sizeof(*addrs));
	want = calloc(n + 1, sizeof(*want));
	hold = calloc(n + 1, sizeof(*hold));
	if (!nv || !res || !addrs || !want || !hold)
		goto oom;
	dm_bgp_decide(cfg, &b->layer.inner, &view, b->min_healthy, withheld(b),
		      dv, n);
	for (size_t i = 0; i < n; i++) {
		const struct bgp_vip *o = old_vip(b, i, &dv[i].addr);
		/* not yet: the pass that programs it announces it */
		bool blocked = !announce && !(o && o->announced);

		addrs[i] = dv[i].addr;
		want[i] = dv[i].want && !blocked;
		/* va_sync keeps a held VIP's route only if the kernel has it */
		hold[i] = dv[i].hold && !blocked;
	}
	/* One dump: a held VIP's route is looked up in va_sync's own. */
	err = va_sync(b->va, addrs, want, hold, n, res, &ch, why, sizeof(why));
	b->adds += ch.added;
	b->dels += ch.deleted + ch.stale;
	if (ch.stale)
		lb_log_kv(LB_LOG_INFO, SUB,
			  LB_FIELDS(LB_F_UINT("routes", ch.stale)),
			  "deleted %zu route(s) of ours for no configured VIP "
			  "(a VIP removed, or left by an earlier run)",
			  ch.stale);
	if (err && strcmp(why, b->last_error))
		lb_log_kv(LB_LOG_ERR, SUB, LB_FIELDS(LB_F_INT("errno", -err)),
			  "%s", why);
	snprintf(b->last_error, sizeof(b->last_error), "%s", err ? why : "");
	for (size_t i = 0; i < n; i++) {
		const struct bgp_vip *o = old_vip(b, i, &addrs[i]);
		const char *reason = dv[i].reason;

		/* Held back above: it keeps the reason it had. */
		if (!announce && !(o && o->announced) &&
		    (dv[i].want || (dv[i].hold && res[i].found)))
			reason = o ? o->reason : "waiting for the first pass";
		nv[i].addr = addrs[i];
		nv[i].announced = res[i].announced;
		snprintf(nv[i].reason, sizeof(nv[i].reason), "%s",
			 res[i].err ? res[i].error : reason);
		/* A change: a new VIP, announced or not, or why not. */
		if (!o || o->announced != nv[i].announced ||
		    (!nv[i].announced && strcmp(o->reason, nv[i].reason)))
			publish_vip(b, &nv[i], trigger);
	}
	free(b->vips);
	b->vips = nv;
	b->n_vips = n;
	nv = NULL;
	goto out;
oom:
	lb_log_kv(LB_LOG_ERR, SUB, LB_NO_FIELDS,
		  "out of memory deciding the announcements");
out:
	free(dv);
	free(nv);
	free(res);
	free(addrs);
	free(want);
	free(hold);
}

void dm_bgp_on_pass(struct dm_bgp *b, const struct rc_loop_event *ev)
{
	if (!b || !b->va)
		return;
	b->passed = true;
	converge(b, true, "pass");
}

void dm_bgp_on_health(struct dm_bgp *b)
{
	/*
	 * Before the first pass nothing is known in sync: converging would
	 * withdraw the routes a restart inherits, only to add them back.
	 */
	if (b && b->va && b->passed)
		converge(b, false, "health");
}

void dm_bgp_shutdown(struct dm_bgp *b)
{
	struct va_changes ch;
	char why[VA_ERR_MAX];

	if (!b || !b->va)
		return;
	b->stopping = true;
	if (va_withdraw_all(b->va, &ch, why, sizeof(why)))
		lb_log_kv(LB_LOG_ERR, SUB, LB_NO_FIELDS,
			  "stopping: %s; the routers keep sending the VIPs "
			  "here until the route goes",
			  why);
	b->dels += ch.deleted + ch.stale;
	lb_log_kv(LB_LOG_INFO, SUB,
		  LB_FIELDS(LB_F_UINT("routes", ch.deleted + ch.stale)),
		  "stopping: %zu VIP route(s) withdrawn (the dataplane keeps "
		  "forwarding what the routers still send)",
		  ch.deleted + ch.stale);
}

/* ---- drain --------------------------------------------------------------- */

static void publish_state(struct dm_bgp *b, const char *cause)
{
	dm_publish(b->d, LB_LOG_WARN, "bgp",
		   json_pack("{s:s?, s:s, s:o, s:s}", "node", b->node, "state",
			     state_names[b->state], "drain_until",
			     b->state == BGP_DRAINING
				 ? dm_time_json(b->drain_until_wall_ms)
				 : json_null(),
			     "cause", cause),
		   "node %s: %s", state_names[b->state], cause);
}

static void become_drained(struct dm_bgp *b, const char *cause)
{
	lb_timer_cancel(b->d->loop, &b->drain_timer);
	b->state = BGP_DRAINED;
	b->drain_until_wall_ms = 0;
	save_state(b);
	publish_state(b, cause);
	/* Every service leaves the desired state: a full pass removes them. */
	rc_loop_full_pass(b->d->rc);
}

static void drain_fire(struct lb_loop *loop, void *arg)
{
	become_drained(arg, "drain_wait over: services removed");
}

/* Arm the draining timer for what is left of drain_wait. */
static void arm_drain(struct dm_bgp *b)
{
	uint64_t now = dm_wall_ms();

	lb_timer_cancel(b->d->loop, &b->drain_timer);
	if (b->state != BGP_DRAINING || !b->va)
		return;
	if (b->drain_until_wall_ms <= now ||
	    lb_timer_add(b->d->loop, &b->drain_timer,
			 b->drain_until_wall_ms - now, drain_fire, b))
		become_drained(b, "drain_wait over: services removed");
}

int dm_bgp_drain(struct dm_bgp *b, bool drain, char *why, size_t why_len)
{
	enum bgp_state was = b->state;

	if (!b->va) {
		snprintf(why, why_len,
			 "this node does not announce its VIPs: node drain "
			 "needs ha.mode: bgp (drain single reals with "
			 "`ballast drain SERVICE REAL`)");
		return -ENOTSUP;
	}
	if (drain == (was != BGP_SERVING))
		return 0; /* already so: the call is idempotent */
	if (drain) {
		b->state = BGP_DRAINING;
		b->drain_until_wall_ms = dm_wall_ms() + b->drain_wait_ms;
		save_state(b);
		converge(b, true, "drain"); /* withdraw at once */
		publish_state(b, "drain requested: VIPs withdrawn");
		arm_drain(b);
		return 0;
	}
	lb_timer_cancel(b->d->loop, &b->drain_timer);
	b->state = BGP_SERVING;
	b->drain_until_wall_ms = 0;
	save_state(b);
	publish_state(b, "undrain requested");
	if (was == BGP_DRAINED)
		rc_loop_full_pass(b->d->rc); /* routes follow that pass */
	else
		converge(b, true, "undrain"); /* services still in sync */
	return 0;
}

/* ---- configuration ------------------------------------------------------- */

static const char *node_name(const struct cfg *cfg, const char *node,
			     char *host, size_t len)
{
	if (!node && !gethostname(host, len)) {
		host[len - 1] = '\0';
		node = host;
	}
	for (size_t i = 0; node && i < cfg->bgp.n_nodes; i++)
		if (!strcmp(cfg->bgp.nodes[i].name, node))
			return cfg->bgp.nodes[i].name;
	return NULL;
}

static void close_va(struct dm_bgp *b)
{
	struct va_changes ch;
	char why[VA_ERR_MAX];

	if (!b->va)
		return;
	if (va_withdraw_all(b->va, &ch, why, sizeof(why)))
		lb_log_kv(LB_LOG_ERR, SUB, LB_NO_FIELDS, "%s", why);
	b->dels += ch.deleted + ch.stale;
	va_free(b->va);
	b->va = NULL;
	b->passed = false;
	free(b->vips);
	b->vips = NULL;
	b->n_vips = 0;
	lb_timer_cancel(b->d->loop, &b->drain_timer);
}

int dm_bgp_configure(struct dm_bgp *b, const struct cfg *cfg, char *why,
		     size_t why_len)
{
	struct va_opts o = {.protocol = cfg->bgp.route_protocol
					    ? cfg->bgp.route_protocol
					    : VA_PROTO_DEFAULT,
			    .table = cfg->bgp.route_table ? cfg->bgp.route_table
							  : VA_TABLE_MAIN};
	struct va_changes ch = {0};
	char host[256];
	const char *node;
	char *name = NULL;
	int err;

	why[0] = '\0';
	if (cfg->ha.mode != CFG_HA_BGP) {
		if (b->va)
			lb_log_kv(LB_LOG_INFO, SUB, LB_NO_FIELDS,
				  "ha.mode is no longer bgp: every VIP route "
				  "withdrawn");
		close_va(b);
		return 0;
	}
	node = node_name(cfg, b->d->opts.node, host, sizeof(host));
	if (node && !(name = strdup(node)))
		return -ENOMEM;
	if (!b->va)
		err = va_new(&o, &b->va, why, why_len);
	else
		err = va_reconfigure(b->va, &o, &ch, why, why_len);
	if (err) {
		free(name);
		return err;
	}
	b->dels += ch.deleted + ch.stale;
	if (!node && (!b->node || cfg->bgp.n_nodes))
		lb_log_kv(
		    LB_LOG_WARN, SUB,
		    LB_FIELDS(LB_F_STR("node", b->d->opts.node ? b->d->opts.node
							       : host)),
		    "this node is not in bgp.nodes: its VIPs are "
		    "announced, but `ballast bgp render frr` writes no "
		    "bgpd stanza for it; pass --node NAME");
	free(b->node);
	b->node = name;
	b->min_healthy = cfg->bgp.min_healthy ? cfg->bgp.min_healthy : 1;
	b->drain_wait_ms = cfg->bgp.drain_wait_ms;
	arm_drain(b);
	return 0;
}

int dm_bgp_new(struct daemon *d, struct dm_bgp **out)
{
	const char *dir =
	    d->opts.state_dir ? d->opts.state_dir : DM_STATE_DIR_DEFAULT;
	struct dm_bgp *b = calloc(1, sizeof(*b));

	if (!b)
		return -ENOMEM;
	b->d = d;
	if (asprintf(&b->state_path, "%s/%s", dir, DM_BGP_STATE_FILE) < 0) {
		free(b);
		return -ENOMEM;
	}
	load_state(b);
	*out = b;
	return 0;
}

void dm_bgp_free(struct dm_bgp *b)
{
	if (!b)
		return;
	lb_timer_cancel(b->d->loop, &b->drain_timer);
	va_free(b->va);
	free(b->vips);
	free(b->node);
	free(b->state_path);
	free(b);
}

/* ---- status and metrics -------------------------------------------------- */

json_t *dm_bgp_status_json(const struct dm_bgp *b)
{
	json_t *vips;
	struct va_opts o;

	if (!b || !b->va)
		return json_null();
	va_get_opts(b->va, &o);
	vips = json_array();
	for (size_t i = 0; i < b->n_vips; i++) {
		char a[LB_ADDR_STRLEN];

		json_array_append_new(
		    vips, json_pack("{s:s, s:b, s:s}", "address",
				    lb_addr_fmt(&b->vips[i].addr, a, sizeof(a)),
				    "announced", b->vips[i].announced, "reason",
				    b->vips[i].reason));
	}
	return json_pack(
	    "{s:o, s:s, s:o, s:i, s:I, s:I, s:I, s:o, s:o}", "node",
	    b->node ? json_string(b->node) : json_null(), "state",
	    state_names[b->state], "drain_until",
	    b->state == BGP_DRAINING ? dm_time_json(b->drain_until_wall_ms)
				     : json_null(),
	    "route_protocol", (int)o.protocol, "route_table",
	    (json_int_t)o.table, "min_healthy", (json_int_t)b->min_healthy,
	    "drain_wait_ms", (json_int_t)b->drain_wait_ms, "vips", vips,
	    "last_error",
	    b->last_error[0] ? json_string(b->last_error) : json_null());
}

#define L(...) ((const char *const[]){__VA_ARGS__, NULL})

void dm_bgp_metrics(const struct dm_bgp *b, struct api_metrics *m)
{
	if (!b || !b->va)
		return;
	api_metrics_family(m, "ballast_bgp_announced", API_METRIC_GAUGE,
			   "1 while this node's route for the VIP is in the "
			   "kernel (announced through the routing daemon).");
	for (size_t i = 0; i < b->n_vips; i++) {
		char a[LB_ADDR_STRLEN];

		api_metrics_sample(
		    m, L("vip", lb_addr_fmt(&b->vips[i].addr, a, sizeof(a))),
		    b->vips[i].announced ? 1 : 0);
	}
	api_metrics_family(m, "ballast_bgp_route_changes_total",
			   API_METRIC_COUNTER,
			   "VIP routes added and deleted in the kernel.");
	api_metrics_sample_u64(m, L("action", "add"), b->adds);
	api_metrics_sample_u64(m, L("action", "del"), b->dels);
	api_metrics_family(m, "ballast_bgp_node_drained", API_METRIC_GAUGE,
			   "1 while the node is draining or drained.");
	api_metrics_sample(m, NULL, b->state != BGP_SERVING ? 1 : 0);
}
