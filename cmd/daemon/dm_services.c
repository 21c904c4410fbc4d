// SPDX-License-Identifier: GPL-2.0-only
/*
 * GET /api/v1/services[/{name}]: each configured service with its reals as
 * configured, as the weight source wants them now, as the dataplane holds
 * them, their health and the overrides on them.
 */
#include <errno.h>
#include <string.h>

#include "cmd/daemon/daemon_internal.h"

#define HISTORY_SHOWN 8

/* Counters, or null: the fake dataplane carries no traffic. */
static json_t *counter(const struct daemon *d, bool have, uint64_t v)
{
	return have && d->ops->driver != CFG_DRIVER_FAKE
		   ? json_integer((json_int_t)v)
		   : json_null();
}

static json_t *history_json(struct daemon *d, size_t pi, size_t bi)
{
	struct hc_transition tr[HC_HISTORY];
	size_t n = hc_engine_real_history(d->hc, pi, bi, tr, HC_HISTORY);
	json_t *a = json_array();

	for (size_t i = n > HISTORY_SHOWN ? n - HISTORY_SHOWN : 0; i < n; i++)
		json_array_append_new(
		    a,
		    json_pack("{s:o, s:s, s:s, s:s}", "time",
			      dm_time_json(tr[i].wall_ms), "from",
			      hc_state_name(tr[i].from), "to",
			      hc_state_name(tr[i].to), "cause", tr[i].cause));
	return a;
}

static json_t *overrides_json(struct daemon *d, const char *svc,
			      const struct lb_addr *a, uint16_t port)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < dm_ovr_count(d->ovr); i++) {
		const struct dm_override *o = dm_ovr_at(d->ovr, i);

		if (o->port == port && !lb_addr_cmp(&o->addr, a) &&
		    !strcmp(o->service, svc))
			json_array_append_new(arr, dm_ovr_to_json(o));
	}
	return arr;
}

static void add_pool_reals(struct daemon *d, const struct cfg_service *s,
			   size_t pi, const struct rc_service *live,
			   json_t *reals)
{
	const struct cfg *cfg = dm_cfg(d);
	const struct cfg_pool *pool = &cfg->pools[pi];
	uint64_t now_wall = dm_wall_ms(), now = lb_loop_now_ms_fresh(d->loop);

	for (size_t bi = 0; bi < pool->n_backends; bi++) {
		const struct cfg_backend *b = &pool->backends[bi];
		uint16_t port = b->port ? b->port : s->port;
		const struct rc_real *r =
		    live ? rc_service_find_real(live, &b->addr, port) : NULL;
		struct hc_real_status hs;
		struct dm_ovr_effect ef;
		char addr[LB_ADDR_STRLEN];
		const char *admin;
		uint64_t since = 0;

		if (hc_engine_real_status(d->hc, pi, bi, &hs))
			memset(&hs, 0, sizeof(hs));
		dm_ovr_effect(d->ovr, s->name, &b->addr, port, now_wall, &ef);
		admin = ef.disabled || b->disabled ? "disabled"
						   : hc_admin_name(hs.admin);
		if (hs.since_ms && hs.since_ms <= now)
			since = now_wall - (now - hs.since_ms);
		json_array_append_new(
		    reals,
		    json_pack(
			"{s:s, s:i, s:s, s:I, s:I, s:o, s:s, s:s, s:o,"
			" s:o, s:o, s:o, s:o, s:b}",
			"address", lb_addr_fmt(&b->addr, addr, sizeof(addr)),
			"port", (int)port, "pool", pool->name, "weight",
			(json_int_t)b->weight, "effective_weight",
			(json_int_t)d->src.weight(d->src.ctx, pool, b),
			"programmed_weight",
			r ? json_integer(r->weight) : json_null(), "health",
			hc_state_name(hs.state), "admin", admin, "since",
			dm_time_json(since), "history", history_json(d, pi, bi),
			"overrides", overrides_json(d, s->name, &b->addr, port),
			"packets",
			counter(d, r,
				r ? r->stats.packets_in + r->stats.packets_out
				  : 0),
			"bytes",
			counter(d, r,
				r ? r->stats.bytes_in + r->stats.bytes_out : 0),
			"drained", ef.drained));
	}
}

static json_t *service_json(struct daemon *d, const struct cfg_service *s,
			    const struct rc_state *live)
{
	const struct cfg *cfg = dm_cfg(d);
	struct rc_svc_key key;
	const struct rc_service *ls;
	char addr[LB_ADDR_STRLEN];
	json_t *reals = json_array();

	rc_desired_service_key(s, &key);
	ls = live ? rc_state_find(live, &key) : NULL;
	add_pool_reals(d, s, s->pool, ls, reals);
	if (s->fallback_pool >= 0)
		add_pool_reals(d, s, (size_t)s->fallback_pool, ls, reals);
	return json_pack(
	    "{s:s, s:s, s:i, s:s, s:o, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:b}",
	    "name", s->name, "address",
	    lb_addr_fmt(&s->addr, addr, sizeof(addr)), "port", (int)s->port,
	    "protocol", cfg_proto_name(s->proto), "fwmark",
	    s->fwmark ? json_integer(s->fwmark) : json_null(), "scheduler",
	    cfg_sched_name(s->sched), "forwarding", cfg_fwd_name(s->forwarding),
	    "pool", cfg->pools[s->pool].name, "fallback_pool",
	    s->fallback_pool >= 0
		? json_string(cfg->pools[s->fallback_pool].name)
		: json_null(),
	    "packets",
	    counter(d, ls,
		    ls ? ls->stats.packets_in + ls->stats.packets_out : 0),
	    "bytes",
	    counter(d, ls, ls ? ls->stats.bytes_in + ls->stats.bytes_out : 0),
	    "reals", reals, "programmed", ls != NULL);
}

int dm_h_services(struct api_req *req, struct api_resp *resp, void *arg)
{
	struct daemon *d = arg;
	const struct cfg *cfg = dm_cfg(d);
	struct rc_state live;
	json_t *arr = json_array();
	int ret;

	rc_state_init(&live);
	ret = dm_read_dataplane(d, NULL, 0, &live);
	for (size_t i = 0; i < cfg->n_services && arr; i++)
		json_array_append_new(arr, service_json(d, &cfg->services[i],
							ret ? NULL : &live));
	rc_state_free(&live);
	return api_resp_ok(resp, arr);
}

int dm_h_service(struct api_req *req, struct api_resp *resp, void *arg)
{
	struct daemon *d = arg;
	const struct cfg *cfg = dm_cfg(d);
	const char *name = api_req_param(req, "name");
	struct rc_state live;
	struct rc_svc_key key;
	json_t *o;
	int ret;

	for (size_t i = 0; i < cfg->n_services; i++) {
		if (strcmp(cfg->services[i].name, name))
			continue;
		rc_desired_service_key(&cfg->services[i], &key);
		rc_state_init(&live);
		ret = dm_read_dataplane(d, &key, 1, &live);
		o = service_json(d, &cfg->services[i], ret ? NULL : &live);
		rc_state_free(&live);
		return api_resp_ok(resp, o);
	}
	return api_resp_error(resp, API_NOT_FOUND,
			      "no service '%s' in the running config", name);
}

void dm_count_reals(struct daemon *d, struct dm_counts *c)
{
	const struct cfg *cfg = dm_cfg(d);

	memset(c, 0, sizeof(*c));
	c->services = cfg->n_services;
	for (size_t i = 0; i < cfg->n_services; i++) {
		size_t pi = cfg->services[i].pool;

		for (size_t bi = 0; bi < cfg->pools[pi].n_backends; bi++) {
			struct hc_real_status hs;

			c->reals++;
			if (hc_engine_real_status(d->hc, pi, bi, &hs))
				hs.state = HC_STATE_UNKNOWN;
			if (hs.state == HC_STATE_UP)
				c->up++;
			else if (hs.state == HC_STATE_DOWN)
				c->down++;
			else
				c->unknown++;
		}
	}
}
