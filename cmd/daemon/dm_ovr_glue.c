// SPDX-License-Identifier: GPL-2.0-only
/*
 * Overrides in the daemon: the API's POST/PUT/DELETE on
 * /api/v1/services/{name}/reals/{real}/{drain,disable,weight,health}, the
 * state file written after each change, the expiry timer, and the passes
 * they trigger.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd/daemon/daemon_internal.h"
#include "lib/log.h"

#define SUB "override"

static void request_passes(struct daemon *d, const char *service)
{
	const struct cfg *cfg = dm_cfg(d);
	int ret = 0;

	for (size_t i = 0; i < cfg->n_services; i++) {
		const struct cfg_service *s = &cfg->services[i];

		if (strcmp(s->name, service))
			continue;
		/* Weights act per pool: every service of the pool follows. */
		ret = rc_loop_pool_changed(d->rc, cfg->pools[s->pool].name);
		if (!ret && s->fallback_pool >= 0)
			ret = rc_loop_pool_changed(
			    d->rc, cfg->pools[s->fallback_pool].name);
	}
	if (ret)
		lb_log_kv(LB_LOG_ERR, SUB, LB_NO_FIELDS,
			  "cannot schedule a pass: %s", strerror(-ret));
}

static int persist(struct daemon *d)
{
	int ret = dm_ovr_save(d->ovr, d->ovr_path);

	if (ret)
		lb_log_kv(LB_LOG_ERR, SUB,
			  LB_FIELDS(LB_F_STR("file", d->ovr_path)),
			  "cannot write the overrides: %s", strerror(-ret));
	return ret;
}

/* Put back an override a failed write removed (its slot is free). */
static void restore(struct daemon *d, const struct dm_override *o)
{
	if (dm_ovr_add(d->ovr, o, true, NULL))
		lb_log_kv(LB_LOG_ERR, SUB, LB_NO_FIELDS,
			  "out of memory restoring override %llu",
			  (unsigned long long)o->id);
}

static void expired(void *arg, const struct dm_override *o)
{
	struct daemon *d = arg;
	char real[LB_ADDR_STRLEN];

	d->overrides_ended++;
	request_passes(d, o->service);
	dm_publish(d, LB_LOG_INFO, "override",
		   json_pack("{s:s, s:o}", "action", "expired", "override",
			     dm_ovr_to_json(o)),
		   "%s override on %s %s expired", dm_ovr_kind_name(o->kind),
		   o->service,
		   lb_addr_port_fmt(&o->addr, o->port, real, sizeof(real)));
}

static void on_timer(struct lb_loop *loop, void *arg)
{
	struct daemon *d = arg;

	if (dm_ovr_expire(d->ovr, dm_wall_ms(), expired, d))
		(void)persist(d);
	dm_overrides_arm(d);
}

void dm_overrides_arm(struct daemon *d)
{
	uint64_t now = dm_wall_ms(), next;

	lb_timer_cancel(d->loop, &d->ovr_timer);
	next = dm_ovr_next_deadline(d->ovr, now);
	if (!next)
		return;
	if (lb_timer_add(d->loop, &d->ovr_timer, next > now ? next - now : 0,
			 on_timer, d))
		lb_log_kv(LB_LOG_ERR, SUB, LB_NO_FIELDS,
			  "cannot arm the expiry timer");
}

int dm_overrides_start(struct daemon *d)
{
	size_t n = dm_ovr_count(d->ovr);

	if (n)
		lb_log_kv(LB_LOG_INFO, SUB,
			  LB_FIELDS(LB_F_UINT("overrides", n),
				    LB_F_STR("file", d->ovr_path)),
			  "runtime overrides restored");
	dm_overrides_arm(d);
	return 0;
}

void dm_overrides_changed(struct daemon *d, const struct dm_override *o)
{
	request_passes(d, o->service);
	dm_overrides_arm(d);
}

/* The service and real a path names, checked against the running config. */
static int find_real(struct daemon *d, struct api_req *req,
		     struct api_resp *resp, struct dm_override *o)
{
	const struct cfg *cfg = dm_cfg(d);
	const char *name = api_req_param(req, "name"),
		   *real = api_req_param(req, "real");

	if (dm_parse_real(real, &o->addr, &o->port)) {
		api_resp_error(resp, API_INVALID_REQUEST,
			       "'%s' is not a real: write ADDR:PORT or "
			       "[IPv6]:PORT",
			       real);
		return -EINVAL;
	}
	for (size_t i = 0; i < cfg->n_services; i++) {
		const struct cfg_service *s = &cfg->services[i];
		ssize_t pools[2] = {(ssize_t)s->pool, s->fallback_pool};

		if (strcmp(s->name, name))
			continue;
		snprintf(o->service, sizeof(o->service), "%s", s->name);
		for (int k = 0; k < 2; k++) {
			const struct cfg_pool *p;

			if (pools[k] < 0)
				continue;
			p = &cfg->pools[pools[k]];
			for (size_t b = 0; b < p->n_backends; b++) {
				const struct cfg_backend *be = &p->backends[b];

				if ((be->port ? be->port : s->port) ==
					o->port &&
				    !lb_addr_cmp(&be->addr, &o->addr))
					return 0;
			}
		}
		api_resp_error(resp, API_NOT_FOUND,
			       "service '%s' has no real %s", name, real);
		return -ENOENT;
	}
	api_resp_error(resp, API_NOT_FOUND,
		       "no service '%s' in the running config", name);
	return -ENOENT;
}

static int body_duration(json_t *body, const char *key, uint32_t *ms,
			 struct api_resp *resp)
{
	json_t *v = body ? json_object_get(body, key) : NULL;
	const char *why = NULL;

	*ms = 0;
	if (!v)
		return 0;
	if (!json_is_string(v) ||
	    cfg_parse_duration(json_string_value(v), ms, &why) || !*ms) {
		api_resp_error(resp, API_INVALID_REQUEST,
			       "\"%s\" must be a duration such as \"5m\" or "
			       "\"1h30m\"%s%s",
			       key, why ? ": " : "", why ? why : "");
		return -EINVAL;
	}
	return 0;
}

/* Only the keys the kind takes, each of the right type. */
static int parse_body(json_t *body, struct dm_override *o, uint32_t *ms,
		      struct api_resp *resp)
{
	static const char *const keys[DM_OVR__COUNT][3] = {
	    [DM_OVR_DRAIN] = {"timeout"},
	    [DM_OVR_DISABLE] = {"for"},
	    [DM_OVR_WEIGHT] = {"weight", "for"},
	    [DM_OVR_HEALTH] = {"state", "for"},
	};
	const char *key, *dur = o->kind == DM_OVR_DRAIN ? "timeout" : "for";
	json_t *v;

	if (body && !json_is_object(body))
		return api_resp_error(resp, API_INVALID_REQUEST,
				      "the body must be a JSON object"),
		       -EINVAL;
	json_object_foreach(body, key, v)
	{
		bool known = false;

		for (int i = 0; i < 3 && keys[o->kind][i]; i++)
			known |= !strcmp(key, keys[o->kind][i]);
		if (!known)
			return api_resp_error(resp, API_INVALID_REQUEST,
					      "unknown key \"%s\" for %s", key,
					      dm_ovr_kind_name(o->kind)),
			       -EINVAL;
	}
	if (body_duration(body, dur, ms, resp))
		return -EINVAL;
	if (o->kind == DM_OVR_WEIGHT) {
		v = body ? json_object_get(body, "weight") : NULL;
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > 1000000)
			return api_resp_error(resp, API_INVALID_REQUEST,
					      "\"weight\" must be an integer "
					      "from 0 to 1000000"),
			       -EINVAL;
		o->weight = (uint32_t)json_integer_value(v);
	}
	if (o->kind == DM_OVR_HEALTH) {
		v = body ? json_object_get(body, "state") : NULL;
		if (!json_is_string(v) ||
		    (strcmp(json_string_value(v), "up") &&
		     strcmp(json_string_value(v), "down")))
			return api_resp_error(resp, API_INVALID_REQUEST,
					      "\"state\" must be \"up\" or "
					      "\"down\""),
			       -EINVAL;
		o->up = !strcmp(json_string_value(v), "up");
		if (!*ms)
			return api_resp_error(resp, API_INVALID_REQUEST,
					      "forcing health needs \"for\": "
					      "how long (e.g. \"10m\")"),
			       -EINVAL;
	}
	return 0;
}

int dm_h_override_set(struct api_req *req, struct api_resp *resp, void *arg)
{
	const struct dm_kind_arg *ka = arg;
	struct daemon *d = ka->d;
	struct dm_override o = {.kind = ka->kind}, old;
	const struct dm_override *stored;
	char real[LB_ADDR_STRLEN];
	bool replaced = false;
	uint32_t ms;
	int ret;

	if (find_real(d, req, resp, &o) ||
	    parse_body(api_req_body(req), &o, &ms, resp))
		return 0;
	o.created_ms = dm_wall_ms();
	o.expires_ms = ms ? o.created_ms + ms : 0;
	snprintf(o.by, sizeof(o.by), "%s", api_req_caller(req)->label);
	if (o.kind == DM_OVR_WEIGHT)
		replaced = !dm_ovr_remove(d->ovr, o.service, &o.addr, o.port,
					  o.kind, &old);
	ret = dm_ovr_add(d->ovr, &o, false, &stored);
	if (ret == -EEXIST)
		return api_resp_error(resp, API_ALREADY_EXISTS,
				      "%s %s already has a %s override; "
				      "DELETE it first",
				      o.service, api_req_param(req, "real"),
				      dm_ovr_kind_name(o.kind));
	if (ret)
		return ret;
	o = *stored;
	if (persist(d)) {
		(void)dm_ovr_remove(d->ovr, o.service, &o.addr, o.port, o.kind,
				    NULL);
		if (replaced)
			restore(d, &old);
		return api_resp_error(resp, API_INTERNAL_ERROR,
				      "cannot write %s; the override was not "
				      "set",
				      d->ovr_path);
	}
	d->overrides_set++;
	dm_overrides_changed(d, &o);
	dm_publish(d, LB_LOG_INFO, "override",
		   json_pack("{s:s, s:o}", "action", "set", "override",
			     dm_ovr_to_json(&o)),
		   "%s on %s %s by %s", dm_ovr_kind_name(o.kind), o.service,
		   lb_addr_port_fmt(&o.addr, o.port, real, sizeof(real)), o.by);
	return api_resp_ok(resp, dm_ovr_to_json(&o));
}

int dm_h_override_del(struct api_req *req, struct api_resp *resp, void *arg)
{
	const struct dm_kind_arg *ka = arg;
	struct daemon *d = ka->d;
	struct dm_override o = {.kind = ka->kind}, removed;
	char real[LB_ADDR_STRLEN];

	/* An override outlives its service in the config: it can still go. */
	snprintf(o.service, sizeof(o.service), "%s",
		 api_req_param(req, "name"));
	if (dm_parse_real(api_req_param(req, "real"), &o.addr, &o.port) ||
	    !dm_ovr_find(d->ovr, o.service, &o.addr, o.port, o.kind)) {
		if (find_real(d, req, resp, &o))
			return 0;
	}
	if (dm_ovr_remove(d->ovr, o.service, &o.addr, o.port, o.kind, &removed))
		return api_resp_error(
		    resp, API_NOT_FOUND, "%s %s has no %s override", o.service,
		    api_req_param(req, "real"), dm_ovr_kind_name(o.kind));
	if (persist(d)) {
		restore(d, &removed);
		return api_resp_error(resp, API_INTERNAL_ERROR,
				      "cannot write %s; the override stays",
				      d->ovr_path);
	}
	d->overrides_ended++;
	dm_overrides_changed(d, &removed);
	dm_publish(d, LB_LOG_INFO, "override",
		   json_pack("{s:s, s:o, s:s}", "action", "removed", "override",
			     dm_ovr_to_json(&removed), "by",
			     api_req_caller(req)->label),
		   "%s removed from %s %s by %s", dm_ovr_kind_name(o.kind),
		   o.service,
		   lb_addr_port_fmt(&o.addr, o.port, real, sizeof(real)),
		   api_req_caller(req)->label);
	return api_resp_ok(
	    resp, json_pack("{s:o}", "removed", dm_ovr_to_json(&removed)));
}

int dm_h_overrides(struct api_req *req, struct api_resp *resp, void *arg)
{
	struct daemon *d = arg;
	json_t *arr = json_array();

	for (size_t i = 0; i < dm_ovr_count(d->ovr) && arr; i++)
		json_array_append_new(arr,
				      dm_ovr_to_json(dm_ovr_at(d->ovr, i)));
	return api_resp_ok(resp, arr);
}
