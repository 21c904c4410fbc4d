// SPDX-License-Identifier: GPL-2.0-only
/* The running, validated config as JSON: GET /api/v1/config?format=json. */
#include <stdio.h>

#include "cmd/daemon/daemon_internal.h"

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *health_json(const struct cfg_health *h)
{
	return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:i, s:I, s:b, s:o}",
			 "type", cfg_hc_type_name(h->type), "interval_ms",
			 (json_int_t)h->interval_ms, "fast_interval_ms",
			 (json_int_t)h->fast_interval_ms, "timeout_ms",
			 (json_int_t)h->timeout_ms, "rise", (json_int_t)h->rise,
			 "fall", (json_int_t)h->fall, "port", (int)h->port,
			 "slow_start_ms", (json_int_t)h->slow_start_ms,
			 "initial_up", h->initial_up, "path",
			 str_or_null(h->path));
}

static json_t *pool_json(const struct cfg_pool *p)
{
	char addr[LB_ADDR_STRLEN];
	json_t *bk = json_array();

	for (size_t i = 0; i < p->n_backends; i++) {
		const struct cfg_backend *b = &p->backends[i];

		json_array_append_new(
		    bk,
		    json_pack("{s:s, s:i, s:I, s:b, s:o}", "address",
			      lb_addr_fmt(&b->addr, addr, sizeof(addr)), "port",
			      (int)b->port, "weight", (json_int_t)b->weight,
			      "disabled", b->disabled, "health",
			      b->health && b->health != &p->health
				  ? health_json(b->health)
				  : json_null()));
	}
	return json_pack("{s:s, s:o, s:o}", "name", p->name, "health",
			 health_json(&p->health), "backends", bk);
}

static json_t *service_json(const struct cfg *cfg, const struct cfg_service *s)
{
	char addr[LB_ADDR_STRLEN];

	return json_pack(
	    "{s:s, s:s, s:i, s:s, s:o, s:s, s:o, s:s, s:s}", "name", s->name,
	    "address", lb_addr_fmt(&s->addr, addr, sizeof(addr)), "port",
	    (int)s->port, "protocol", cfg_proto_name(s->proto), "fwmark",
	    s->fwmark ? json_integer(s->fwmark) : json_null(), "pool",
	    cfg->pools[s->pool].name, "fallback_pool",
	    s->fallback_pool >= 0
		? json_string(cfg->pools[s->fallback_pool].name)
		: json_null(),
	    "scheduler", cfg_sched_name(s->sched), "forwarding",
	    cfg_fwd_name(s->forwarding));
}

json_t *dm_config_json(const struct cfg *cfg)
{
	const struct cfg_daemon *dm = &cfg->daemon;
	json_t *pools = json_array(), *svcs = json_array();

	for (size_t i = 0; i < cfg->n_pools; i++)
		json_array_append_new(pools, pool_json(&cfg->pools[i]));
	for (size_t i = 0; i < cfg->n_services; i++)
		json_array_append_new(svcs,
				      service_json(cfg, &cfg->services[i]));
	return json_pack(
	    "{s:s, s:s, s:i, s:{s:s, s:o}, s:{s:s}, s:{s:I, s:o, s:o, s:o,"
	    " s:f, s:b}, s:o, s:o, s:o}",
	    "path", cfg->path, "sha256", cfg->sha256, "version",
	    (int)cfg->version, "dataplane", "driver",
	    cfg_driver_name(cfg->dataplane.driver), "interface",
	    str_or_null(cfg->dataplane.interface), "ha", "mode",
	    cfg_ha_mode_name(cfg->ha.mode), "daemon", "tick_ms",
	    (json_int_t)dm->tick_ms, "api_socket", str_or_null(dm->api_socket),
	    "api_listen", str_or_null(dm->api_listen), "metrics_listen",
	    str_or_null(dm->metrics_listen), "max_removal_fraction",
	    dm->max_removal_fraction, "allow_mass_removal",
	    dm->allow_mass_removal, "health", health_json(&cfg->health),
	    "pools", pools, "services", svcs);
}
