// SPDX-License-Identifier: GPL-2.0-only
/* The daemon's wiring: start, run, stop. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/daemon/daemon_internal.h"
#include "lib/log.h"
#include "reconcile/controller.h"

#define SUB "daemon"

const struct cfg *dm_cfg(const struct daemon *d)
{
	return rc_loop_config(d->rc);
}

int dm_read_dataplane(struct daemon *d, const struct rc_svc_key *keys, size_t n,
		      struct rc_state *out)
{
	int ret;

	if (n && d->ops->read_services)
		return d->ops->read_services(d->dp, keys, n, out);
	ret = d->ops->read(d->dp, out);
	if (!ret && n)
		ret = rc_state_restrict(out, keys, n);
	return ret;
}

/* The writer lock, held from a pass's read to its apply. */
static int lock_take(void *ctx)
{
	struct daemon *d = ctx;
	struct lb_lock_holder h;
	char who[400];
	int ret;

	if (!d->lock_name || d->lock)
		return 0;
	ret = lb_lock_acquire(d->lock_name, NULL, &d->lock, &h);
	if (ret == -EWOULDBLOCK)
		lb_log_kv(
		    LB_LOG_INFO, SUB,
		    LB_FIELDS(LB_F_STR(
			"holder", lb_lock_holder_fmt(&h, who, sizeof(who)))),
		    "dataplane is locked by another writer; the pass "
		    "is retried");
	return ret;
}

static void lock_release(void *ctx)
{
	struct daemon *d = ctx;

	lb_lock_release(d->lock);
	d->lock = NULL;
}

static void on_stop(struct lb_loop *loop, int signo, void *arg)
{
	lb_log_kv(LB_LOG_INFO, SUB, LB_FIELDS(LB_F_INT("signal", signo)),
		  "stopping on %s", strsignal(signo));
	lb_loop_stop(loop);
}

static void on_hup(struct lb_loop *loop, int signo, void *arg)
{
	dm_reload(arg, "SIGHUP");
}

static int mkdir_p(const char *dir, mode_t mode)
{
	char buf[PATH_MAX];
	size_t n = strlen(dir);

	if (n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, dir, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

static int open_dataplane(struct daemon *d, const struct cfg *cfg)
{
	struct dp_open_args args = {.cfg = cfg,
				    .options = d->opts.dp_options,
				    .n_options = d->opts.n_dp_options};
	const char *what;
	int ret;

	d->ops = d->opts.dataplane ? d->opts.find_ops(d->opts.dataplane)
				   : d->opts.ops_for(cfg->dataplane.driver);
	if (!d->ops) {
		lb_log_kv(LB_LOG_ERR, SUB, LB_NO_FIELDS,
			  "dataplane '%s' is not available in this build; "
			  "pass --dataplane NAME",
			  d->opts.dataplane
			      ? d->opts.dataplane
			      : cfg_driver_name(cfg->dataplane.driver));
		return -ENOENT;
	}
	ret = d->ops->open(&d->dp, &args);
	if (ret) {
		lb_log_kv(LB_LOG_ERR, SUB, LB_NO_FIELDS,
			  "cannot open the %s dataplane: %s", d->ops->name,
			  strerror(-ret));
		return ret;
	}
	if (!d->ops->lock_id || !d->ops->lock_id(d->dp, &d->lock_name, &what))
		d->lock_name = NULL;
	return 0;
}

static int start_api(struct daemon *d, const struct cfg *cfg)
{
	struct api_server_opts ao = {
	    .unix_path =
		d->opts.socket ? d->opts.socket : cfg->daemon.api_socket,
	    .tcp_listen = cfg->daemon.api_listen,
	    .token_file = cfg->daemon.api_token_file,
	    .tls_cert = cfg->daemon.api_tls_cert,
	    .tls_key = cfg->daemon.api_tls_key,
	    .audit = dm_on_audit,
	    .audit_arg = d,
	};
	char err[512], dir[PATH_MAX], *slash;
	int ret;

	snprintf(dir, sizeof(dir), "%s", ao.unix_path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		(void)mkdir_p(dir, 0750); /* /run/ballast outside systemd */
	}
	dm_routes_fill(d);
	ret = api_server_new(d->loop, &ao, d->routes, d->n_routes, &d->api, err,
			     sizeof(err));
	if (ret) {
		lb_log_kv(LB_LOG_ERR, SUB, LB_NO_FIELDS, "control API: %s",
			  err);
		return ret;
	}
	if (!cfg->daemon.metrics_listen)
		return 0;
	ao = (struct api_server_opts){
	    .tcp_listen = cfg->daemon.metrics_listen,
	    .tcp_read_only = true,
	};
	ret = api_server_new(d->loop, &ao, &d->metrics_route, 1,
			     &d->metrics_srv, err, sizeof(err));
	if (ret)
		lb_log_kv(LB_LOG_ERR, SUB, LB_NO_FIELDS,
			  "metrics listener (daemon.metrics_listen): %s; set "
			  "another address, or null to turn it off",
			  err);
	return ret;
}

static int start_overrides(struct daemon *d)
{
	const char *dir =
	    d->opts.state_dir ? d->opts.state_dir : DM_STATE_DIR_DEFAULT;
	char err[512];
	int ret;

	ret = mkdir_p(dir, 0750);
	if (ret) {
		lb_log_kv(LB_LOG_ERR, SUB, LB_FIELDS(LB_F_STR("dir", dir)),
			  "cannot create the state directory %s: %s; pass "
			  "--state-dir DIR",
			  dir, strerror(-ret));
		return ret;
	}
	if (asprintf(&d->ovr_path, "%s/%s", dir, DM_OVERRIDES_FILE) < 0) {
		d->ovr_path = NULL;
		return -ENOMEM;
	}
	ret = dm_ovr_new(&d->ovr);
	if (ret)
		return ret;
	ret = dm_ovr_load(d->ovr, d->ovr_path, dm_wall_ms(), err, sizeof(err));
	if (ret)
		lb_log_kv(LB_LOG_ERR, SUB,
			  LB_FIELDS(LB_F_STR("file", d->ovr_path)),
			  "cannot read the overrides: %s; fix or remove the "
			  "file",
			  err);
	return ret;
}

/* --cleanup-on-exit: plan an empty desired state (owned services go). */
static void cleanup_dataplane(struct daemon *d)
{
	struct rc_diff_opts dopts = {0};
	struct dp_result res = {0};
	const struct rc_plan *plan;
	struct rc_ctl *ctl = NULL;
	struct cfg empty;
	int ret;

	if (!dm_cfg(d))
		return;
	empty = *dm_cfg(d);
	empty.n_services = 0;
	empty.n_pools = 0;
	ret = lock_take(d);
	if (!ret)
		ret = rc_ctl_new(d->ops, d->dp, &ctl);
	if (!ret)
		ret = rc_ctl_plan(ctl, &empty, NULL, &dopts, &plan);
	if (!ret)
		ret = rc_ctl_apply(ctl, &res);
	lb_log_kv(ret ? LB_LOG_ERR : LB_LOG_INFO, SUB,
		  LB_FIELDS(LB_F_UINT("ops", res.n),
			    LB_F_UINT("failed", res.n_failed)),
		  "cleanup on exit: %s",
		  ret ? strerror(-ret) : "removed what Ballast programmed");
	dp_result_free(&res);
	rc_ctl_free(ctl);
	lock_release(d);
}

static int start(struct daemon *d, struct cfg **cfg)
{
	struct rc_weight_src base, layered, gated;
	struct rc_loop_opts ro;
	char why[256];
	int ret;

	ret = open_dataplane(d, *cfg);
	if (!ret)
		ret = start_overrides(d);
	if (!ret)
		ret = hc_engine_new(d->loop, 0, &d->hc);
	if (!ret)
		ret = hc_engine_load(d->hc, *cfg);
	if (!ret)
		ret = api_events_new(d->loop, DM_EVENT_RING, 0, &d->events);
	if (ret)
		return ret;
	hc_engine_weight_src(d->hc, &base);
	dm_ovr_weight_src(d->ovr, &base, &layered);
	dm_ovr_bind(d->ovr, *cfg);
	ret = dm_ha_new(d, &d->ha);
	if (!ret)
		ret = dm_bgp_new(d, &d->bgp);
	if (ret)
		return ret;
	/* One chain: health, overrides, the VRRP gate, the node's drain. */
	dm_ha_weight_src(d->ha, &layered, &gated);
	dm_bgp_weight_src(d->bgp, &gated, &d->src);
	rc_loop_opts_init(&ro);
	ro.tick_ms = (*cfg)->daemon.tick_ms;
	ro.max_removal_fraction = (*cfg)->daemon.max_removal_fraction;
	ret = rc_loop_new(d->loop, &ro, d->ops, d->dp, &d->src, dm_on_rc_event,
			  d, &d->rc);
	if (ret)
		return ret;
	rc_loop_set_lock(d->rc, lock_take, lock_release, d);
	/* The gate's first state is in place before the first pass plans. */
	ret = dm_ha_configure(d->ha, *cfg, why, sizeof(why));
	if (!ret)
		ret = dm_bgp_configure(d->bgp, *cfg, why, sizeof(why));
	if (ret) {
		lb_log_kv(LB_LOG_ERR, SUB, LB_NO_FIELDS, "%s", why);
		return ret;
	}
	ret = hc_engine_subscribe(d->hc, dm_on_hc_event, d);
	if (ret)
		return ret;
	ret = rc_loop_set_config(d->rc, *cfg,
				 (*cfg)->daemon.allow_mass_removal
				     ? RC_LOOP_GEN_ALLOW_MASS_REMOVAL
				     : 0);
	*cfg = NULL; /* the rc_loop's now, also on error */
	if (ret)
		return ret;
	ret = start_api(d, dm_cfg(d));
	if (!ret)
		ret = lb_loop_signal(d->loop, SIGTERM, on_stop, d);
	if (!ret)
		ret = lb_loop_signal(d->loop, SIGINT, on_stop, d);
	if (!ret)
		ret = lb_loop_signal(d->loop, SIGHUP, on_hup, d);
	if (!ret)
		ret = dm_watch_config(d);
	if (!ret)
		ret = dm_overrides_start(d);
	return ret;
}

static void stop(struct daemon *d)
{
	/* First: the routers move the VIPs' traffic while we tidy up. */
	dm_bgp_shutdown(d->bgp);
	dm_unwatch_config(d);
	lb_timer_cancel(d->loop, &d->reload_timer);
	lb_timer_cancel(d->loop, &d->ovr_timer);
	lb_timer_cancel(d->loop, &d->ramp_timer);
	api_server_free(d->metrics_srv);
	api_server_free(d->api); /* removes the socket file */
	if (d->opts.cleanup_on_exit && d->dp)
		cleanup_dataplane(d);
	if (d->hc)
		hc_engine_unsubscribe(d->hc, dm_on_hc_event, d);
	dm_ha_free(d->ha); /* before the config its groups point into */
	dm_bgp_free(d->bgp);
	rc_loop_free(d->rc); /* frees the running config */
	hc_engine_free(d->hc);
	api_events_free(d->events);
	if (d->dp)
		d->ops->close(d->dp, false); /* the dataplane stays as it is */
	lb_lock_release(d->lock);
	dm_ovr_free(d->ovr);
	free(d->ovr_path);
	free(d->cfg_text);
	free(d->cfg_dir);
	free(d->cfg_base);
	free(d->reload_error);
}

int dm_run(const struct dm_opts *o)
{
	static const double pass_le[] = {0.0005, 0.001, 0.0025, 0.005, 0.01,
					 0.025,	 0.05,	0.1,	0.25,  0.5,
					 1,	 2.5,	5,	10};
	struct daemon *d = calloc(1, sizeof(*d));
	struct cfg *cfg = NULL;
	int ret, code = 1;

	if (!d)
		return 1;
	d->opts = *o;
	d->ino_fd = -1;
	lb_watch_init(&d->ino_w);
	signal(SIGPIPE, SIG_IGN);
	(void)api_hist_init(&d->pass_hist, pass_le,
			    sizeof(pass_le) / sizeof(pass_le[0]));
	ret = lb_loop_new(&d->loop);
	if (!ret)
		ret = lb_sd_open(d->loop, &d->sd);
	if (!ret)
		ret = dm_load_initial(d, &cfg);
	if (!ret)
		ret = start(d, &cfg);
	if (ret) {
		lb_log_kv(LB_LOG_ERR, SUB, LB_NO_FIELDS, "not started: %s",
			  strerror(-ret));
		goto out;
	}
	lb_log_kv(LB_LOG_INFO, SUB,
		  LB_FIELDS(LB_F_STR("config", o->config),
			    LB_F_STR("dataplane", d->ops->name),
			    LB_F_STR("socket",
				     o->socket ? o->socket
					       : dm_cfg(d)->daemon.api_socket)),
		  "running");
	ret = lb_loop_run(d->loop);
	code = ret ? 1 : 0;
	lb_sd_stopping(d->sd);
out:
	cfg_free(cfg);
	stop(d);
	lb_sd_free(d->sd);
	lb_loop_free(d->loop);
	free(d);
	return code;
}
