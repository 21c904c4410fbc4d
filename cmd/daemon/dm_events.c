// SPDX-License-Identifier: GPL-2.0-only
/*
 * What happens in the daemon, told twice: a log line with fields and an
 * event in the API's ring (GET /api/v1/events). Also where health
 * transitions reach the reconcile loop.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmd/daemon/daemon_internal.h"
#include "lib/log.h"
#include "reconcile/plan_fmt.h"

#define MAX_FIELDS 16

/* The event's scalar members as log fields (they live as long as data). */
static size_t json_fields(json_t *data, struct lb_log_field *f, size_t max)
{
	const char *key;
	json_t *v;
	size_t n = 0;

	if (!json_is_object(data))
		return 0;
	json_object_foreach(data, key, v)
	{
		if (n == max)
			break;
		if (json_is_string(v))
			f[n++] = LB_F_STR(key, json_string_value(v));
		else if (json_is_integer(v))
			f[n++] = LB_F_INT(key, json_integer_value(v));
		else if (json_is_boolean(v))
			f[n++] = LB_F_BOOL(key, json_is_true(v));
		else if (json_is_real(v))
			f[n++] = LB_F_DOUBLE(key, json_real_value(v));
	}
	return n;
}

void dm_publish(struct daemon *d, enum lb_log_level level, const char *type,
		json_t *data, const char *fmt, ...)
{
	struct lb_log_field f[MAX_FIELDS];
	char msg[512];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!data)
		data = json_object();
	n = json_fields(data, f, MAX_FIELDS);
	lb_log_kv(level, type, f, n, "%s", msg);
	if (json_is_object(data))
		json_object_set_new(data, "message", json_string(msg));
	if (d->events)
		api_events_publish(d->events, type, data);
	else
		json_decref(data);
}

static json_t *key_json(const struct rc_svc_key *k)
{
	char buf[128];

	return k ? json_string(rc_svc_key_fmt(k, buf, sizeof(buf)))
		 : json_null();
}

static void on_pass(struct daemon *d, const struct rc_loop_event *ev)
{
	struct rc_loop_status st;
	bool quiet = ev->result == RC_LOOP_OK && !ev->n_ops;

	rc_loop_status(d->rc, &st);
	api_hist_observe(&d->pass_hist, (double)st.last_duration_us / 1e6);
	if (!quiet)
		dm_publish(
		    d, ev->result == RC_LOOP_OK ? LB_LOG_INFO : LB_LOG_WARN,
		    "reconcile",
		    json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:f}", "pass",
			      rc_loop_pass_kind_name(ev->pass), "result",
			      rc_loop_result_name(ev->result), "generation",
			      (json_int_t)ev->generation, "ops",
			      (json_int_t)ev->n_ops, "ok", (json_int_t)ev->n_ok,
			      "failed", (json_int_t)ev->n_failed, "duration_ms",
			      (double)st.last_duration_us / 1000.0),
		    "%s", ev->text);
	else
		lb_log_kv(LB_LOG_DEBUG, "reconcile", LB_NO_FIELDS, "%s",
			  ev->text);
	if (!d->ready) {
		char s[160];

		d->ready = true;
		snprintf(s, sizeof(s),
			 "running generation %llu (first pass: %s)",
			 (unsigned long long)ev->generation,
			 rc_loop_result_name(ev->result));
		lb_sd_ready(d->sd, s);
	}
	dm_ramp_kick(d);
}

void dm_on_rc_event(void *arg, const struct rc_loop_event *ev)
{
	struct daemon *d = arg;
	const char *op = ev->op ? dm_op_name(ev->op->kind) : NULL;

	switch (ev->kind) {
	case RC_LOOP_EV_PASS:
		on_pass(d, ev);
		dm_ha_on_pass(d->ha, ev);
		dm_bgp_on_pass(d->bgp, ev);
		break;
	case RC_LOOP_EV_DRIFT:
		if (ev->op && ev->op->kind < DM_OP_KINDS)
			d->drift_ops[ev->op->kind]++;
		dm_publish(d, LB_LOG_WARN, "drift",
			   json_pack("{s:o, s:s?, s:I}", "service",
				     key_json(ev->key), "op", op, "generation",
				     (json_int_t)ev->generation),
			   "%s", ev->text);
		break;
	case RC_LOOP_EV_REFUSAL:
		dm_publish(d, LB_LOG_ERR, "refusal",
			   json_pack("{s:s, s:I, s:I, s:I}", "pass",
				     rc_loop_pass_kind_name(ev->pass),
				     "removed", (json_int_t)ev->n_removed,
				     "reals", (json_int_t)ev->n_reals,
				     "generation", (json_int_t)ev->generation),
			   "%s", ev->text);
		break;
	case RC_LOOP_EV_APPLY_ERROR:
		dm_publish(d, LB_LOG_ERR, "reconcile",
			   json_pack("{s:o, s:s?, s:i, s:s}", "service",
				     key_json(ev->key), "op", op, "errno",
				     -ev->err, "error", strerror(-ev->err)),
			   "%s", ev->text);
		break;
	case RC_LOOP_EV_GENERATION:
		lb_log_kv(LB_LOG_INFO, "reconcile",
			  LB_FIELDS(LB_F_UINT("generation", ev->generation)),
			  "%s", ev->text);
		break;
	}
}

/* ---- health ----------------------------------------------------------------
 */

static void ramp_fire(struct lb_loop *loop, void *arg)
{
	struct daemon *d = arg;
	uint64_t now = lb_loop_now_ms(loop);
	size_t k = 0;

	for (size_t i = 0; i < d->n_ramping; i++) {
		if (rc_loop_backend_changed(d->rc, &d->ramping[i]))
			lb_log_kv(LB_LOG_ERR, "health", LB_NO_FIELDS,
				  "out of memory scheduling a slow-start pass");
		if (d->ramp_until[i] > now) {
			d->ramping[k] = d->ramping[i];
			d->ramp_until[k++] = d->ramp_until[i];
		}
	}
	d->n_ramping = k;
	dm_ramp_kick(d);
}

/*
 * Slow start: weights change with time, not events. A pass every twentieth
 * of the longest ramp (at least DM_RAMP_STEP_MIN_MS) until the last ends.
 */
void dm_ramp_kick(struct daemon *d)
{
	uint64_t when, step = d->max_slow_start_ms / 20;

	if (d->ramp_timer || !d->n_ramping)
		return;
	when = hc_engine_ramp_deadline(d->hc);
	if (!when) {
		d->n_ramping = 0;
		return;
	}
	if (step < DM_RAMP_STEP_MIN_MS)
		step = DM_RAMP_STEP_MIN_MS;
	if (when > lb_loop_now_ms(d->loop) + step)
		when = lb_loop_now_ms(d->loop) + step;
	if (lb_timer_add_at(d->loop, &d->ramp_timer, when, ramp_fire, d))
		lb_log_kv(LB_LOG_ERR, "health", LB_NO_FIELDS,
			  "cannot arm the slow-start timer");
}

static void ramp_add(struct daemon *d, const struct lb_addr *a)
{
	uint64_t until = lb_loop_now_ms(d->loop) + d->max_slow_start_ms + 1000;

	for (size_t i = 0; i < d->n_ramping; i++)
		if (!lb_addr_cmp(&d->ramping[i], a)) {
			d->ramp_until[i] = until;
			return;
		}
	if (d->n_ramping < DM_RAMP_MAX) {
		d->ramping[d->n_ramping] = *a;
		d->ramp_until[d->n_ramping++] = until;
	}
}

static uint32_t max_slow_start(const struct cfg *cfg)
{
	uint32_t m = cfg->health.slow_start_ms;

	for (size_t p = 0; p < cfg->n_pools; p++) {
		const struct cfg_pool *pl = &cfg->pools[p];

		if (pl->health.slow_start_ms > m)
			m = pl->health.slow_start_ms;
		for (size_t b = 0; b < pl->n_backends; b++)
			if (pl->backends[b].health &&
			    pl->backends[b].health->slow_start_ms > m)
				m = pl->backends[b].health->slow_start_ms;
	}
	return m;
}

void dm_on_hc_event(void *arg, const struct hc_event *ev)
{
	struct daemon *d = arg;
	char addr[LB_ADDR_STRLEN];

	d->hc_transitions++;
	if (rc_loop_backend_changed(d->rc, ev->addr))
		lb_log_kv(LB_LOG_ERR, "health", LB_NO_FIELDS,
			  "out of memory scheduling a pass");
	if (ev->tr->to == HC_STATE_UP) {
		d->max_slow_start_ms = max_slow_start(dm_cfg(d));
		if (d->max_slow_start_ms) {
			ramp_add(d, ev->addr);
			dm_ramp_kick(d);
		}
	}
	lb_addr_port_fmt(ev->addr, ev->port, addr, sizeof(addr));
	dm_publish(d, ev->tr->to == HC_STATE_DOWN ? LB_LOG_WARN : LB_LOG_INFO,
		   "health",
		   json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i}", "target",
			     addr, "check", hc_type_name(ev->type), "from",
			     hc_state_name(ev->tr->from), "to",
			     hc_state_name(ev->tr->to), "admin",
			     hc_admin_name(ev->tr->admin), "cause",
			     ev->tr->cause, "reals", (int)ev->n_reals),
		   "%s %s -> %s: %s", addr, hc_state_name(ev->tr->from),
		   hc_state_name(ev->tr->to), ev->tr->cause);
	dm_bgp_on_health(d->bgp);
}

/* ---- audit -----------------------------------------------------------------
 */

void dm_on_audit(const struct api_audit *rec, void *arg)
{
	struct daemon *d = arg;

	dm_publish(d, rec->status < 400 ? LB_LOG_INFO : LB_LOG_WARN, "audit",
		   json_pack("{s:s, s:s, s:s, s:i, s:s, s:s?}", "caller",
			     rec->caller->label, "method", rec->method, "path",
			     rec->path, "status", (int)rec->status, "code",
			     rec->code, "error", rec->message),
		   "%s %s by %s: %u %s", rec->method, rec->path,
		   rec->caller->label, rec->status, rec->code);
}
