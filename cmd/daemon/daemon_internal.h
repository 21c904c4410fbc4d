/* SPDX-License-Identifier: GPL-2.0-only */
/* The daemon's parts, shared by the files of cmd/daemon/ only. */
#ifndef BALLAST_CMD_DAEMON_INTERNAL_H
#define BALLAST_CMD_DAEMON_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "cmd/api/api.h"
#include "cmd/api/events.h"
#include "cmd/api/metrics.h"
#include "cmd/daemon/daemon.h"
#include "cmd/daemon/dm_bgp.h"
#include "cmd/daemon/dm_gitrev.h"
#include "cmd/daemon/dm_ha.h"
#include "cmd/daemon/dm_override.h"
#include "cmd/daemon/dm_util.h"
#include "health/health.h"
#include "lib/evloop.h"
#include "lib/lock.h"
#include "lib/log.h"
#include "lib/sdnotify.h"
#include "reconcile/loop.h"

#define DM_EVENT_RING 1024
#define DM_RELOAD_DEBOUNCE_MS 200
#define DM_RAMP_MAX 1024
#define DM_RAMP_STEP_MIN_MS 100

#define DM_MAX_ROUTES 24

struct daemon;

/* A route's argument: the daemon and the override kind the path names. */
struct dm_kind_arg {
	struct daemon *d;
	enum dm_ovr_kind kind;
};

struct daemon {
	struct dm_opts opts;
	struct api_route routes[DM_MAX_ROUTES];
	size_t n_routes;
	struct api_route metrics_route;
	struct dm_kind_arg kargs[DM_OVR__COUNT];
	struct lb_loop *loop;
	struct lb_sd *sd;
	const struct dp_ops *ops;
	struct dp *dp;
	const char *lock_name; /* NULL: the instance needs no lock */
	struct lb_lock *lock;  /* held during a pass */
	struct rc_loop *rc;
	struct hc_engine *hc;
	struct dm_overrides *ovr;
	struct dm_ha *ha;	  /* the HA gate */
	struct dm_bgp *bgp;	  /* ha.mode bgp: announcements and drain */
	/* the drain over the gate over overrides over health */
	struct rc_weight_src src;
	struct api_events *events;
	struct api_server *api, *metrics_srv;
	char *ovr_path;
	bool ready;

	/* the running config's file, as loaded (GET /api/v1/config) */
	char *cfg_text;
	size_t cfg_len;
	uint64_t loaded_wall_ms;
	char git_rev[DM_GIT_REV_MAX];

	/* reload */
	int ino_fd;
	struct lb_watch ino_w;
	struct lb_timer *reload_timer;
	char *cfg_dir, *cfg_base;
	bool reload_ok; /* last reload (or the start) */
	char *reload_error;
	uint64_t reload_wall_ms;
	uint64_t reloads_ok, reloads_failed;

	/* timers */
	struct lb_timer *ovr_timer;
	struct lb_timer *ramp_timer;
	struct lb_addr ramping[DM_RAMP_MAX]; /* targets in slow start */
	uint64_t ramp_until[DM_RAMP_MAX];
	size_t n_ramping;
	uint32_t max_slow_start_ms;

	/* metrics */
	struct api_hist pass_hist; /* seconds */
#define DM_OP_KINDS (RC_OP_SVC_DEL + 1)
	uint64_t drift_ops[DM_OP_KINDS]; /* drift repairs by kind */
	uint64_t hc_transitions;
	uint64_t overrides_set, overrides_ended;
};

/* daemon.c */
const struct cfg *dm_cfg(const struct daemon *d);
/* Read the services keys name (all when n is 0) from the dataplane. */
int dm_read_dataplane(struct daemon *d, const struct rc_svc_key *keys, size_t n,
		      struct rc_state *out);

/* dm_reload.c: config file → generation */
int dm_load_initial(struct daemon *d, struct cfg **out);
int dm_watch_config(struct daemon *d);
void dm_unwatch_config(struct daemon *d);
void dm_reload(struct daemon *d, const char *why);

/* dm_events.c: log lines and SSE events */
void dm_publish(struct daemon *d, enum lb_log_level level, const char *type,
		json_t *data, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void dm_on_rc_event(void *arg, const struct rc_loop_event *ev);
void dm_on_hc_event(void *arg, const struct hc_event *ev);
void dm_on_audit(const struct api_audit *rec, void *arg);
void dm_ramp_kick(struct daemon *d);

/* dm_ovr_glue.c: overrides in the daemon (timers, file, passes) */
int dm_overrides_start(struct daemon *d);
void dm_overrides_changed(struct daemon *d, const struct dm_override *o);
void dm_overrides_arm(struct daemon *d);

/* dm_routes.c and friends */
void dm_routes_fill(struct daemon *d);
/* The API's name of an operation ("create-service", "remove-real", ...). */
const char *dm_op_name(enum rc_op_kind k);
int dm_h_services(struct api_req *req, struct api_resp *resp, void *arg);
int dm_h_service(struct api_req *req, struct api_resp *resp, void *arg);
int dm_h_override_set(struct api_req *req, struct api_resp *resp, void *arg);
int dm_h_override_del(struct api_req *req, struct api_resp *resp, void *arg);
int dm_h_overrides(struct api_req *req, struct api_resp *resp, void *arg);
int dm_h_metrics(struct api_req *req, struct api_resp *resp, void *arg);
/* dm_bgp_api.c: GET /api/v1/node, POST /api/v1/node/drain|undrain */
int dm_h_node(struct api_req *req, struct api_resp *resp, void *arg);
int dm_h_node_drain(struct api_req *req, struct api_resp *resp, void *arg);
int dm_h_node_undrain(struct api_req *req, struct api_resp *resp, void *arg);
/* Health counts over the running config (status and metrics). */
struct dm_counts {
	size_t services, reals, up, down, unknown;
};
void dm_count_reals(struct daemon *d, struct dm_counts *c);
/* dm_config_json.c: the validated config as JSON (GET /api/v1/config). */
json_t *dm_config_json(const struct cfg *cfg);

#endif
