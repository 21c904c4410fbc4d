// SPDX-License-Identifier: GPL-2.0-only
/*
 * The config file becomes a generation: at start, on SIGHUP, and when the
 * file changes (inotify on its directory, so an editor or a deploy that
 * replaces the file by rename is seen; a burst of events is debounced). A
 * bad file is reported with every error and the running generation stays.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "cmd/daemon/daemon_internal.h"
#include "lib/file.h"
#include "lib/log.h"

#define SUB "reload"
#define MAX_CONFIG (256u << 20)

/* Log every diagnostic; errors joined into one text (status, event). */
static char *report_diags(const struct cfg_diags *dg, json_t *errs)
{
	char *all = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&all, &len);

	for (size_t i = 0; i < dg->n; i++) {
		const struct cfg_diag *g = &dg->items[i];
		bool err = g->severity == CFG_SEV_ERROR;
		char line[1024];

		snprintf(line, sizeof(line), "%s:%u:%u: %s%s%s", g->file,
			 g->line, g->col, g->path && *g->path ? g->path : "",
			 g->path && *g->path ? ": " : "", g->message);
		lb_log_kv(err ? LB_LOG_ERR : LB_LOG_WARN, "config",
			  LB_FIELDS(LB_F_STR("file", g->file),
				    LB_F_UINT("line", g->line),
				    LB_F_UINT("col", g->col),
				    LB_F_STR("path", g->path)),
			  "%s", g->message);
		if (!err)
			continue;
		if (errs)
			json_array_append_new(errs, json_string(line));
		if (f)
			fprintf(f, "%s%s", ftell(f) ? "\n" : "", line);
	}
	if (f)
		fclose(f);
	return all;
}

/* Read and validate the file; on failure *why holds every error. */
static int load_file(struct daemon *d, struct cfg **out, char **text,
		     size_t *len, char **why, json_t *errs)
{
	struct cfg_diags dg = {0};
	int ret;

	*out = NULL;
	*why = NULL;
	ret = lb_read_file(d->opts.config, MAX_CONFIG, text, len);
	if (ret) {
		if (asprintf(why, "%s: cannot read: %s", d->opts.config,
			     strerror(-ret)) < 0)
			*why = NULL;
		lb_log_kv(LB_LOG_ERR, "config",
			  LB_FIELDS(LB_F_STR("file", d->opts.config)), "%s",
			  *why ? *why : "cannot read the config");
		if (errs && *why)
			json_array_append_new(errs, json_string(*why));
		return ret;
	}
	ret = cfg_load_buffer(d->opts.config, *text, *len, out, &dg);
	if (ret || dg.n_warnings)
		*why = report_diags(&dg, errs);
	if (!ret) {
		free(*why);
		*why = NULL;
	}
	cfg_diags_free(&dg);
	if (ret) {
		free(*text);
		*text = NULL;
	}
	return ret;
}

/* daemon.log_level, unless the command line set a level. */
static void adopt_log_level(struct daemon *d, const struct cfg *cfg)
{
	enum lb_log_level level;

	if (d->opts.config_log_level && cfg->daemon.log_level &&
	    !lb_log_level_parse(cfg->daemon.log_level, &level))
		lb_log_set_level(level);
}

static void adopt_text(struct daemon *d, char *text, size_t len)
{
	free(d->cfg_text);
	d->cfg_text = text;
	d->cfg_len = len;
	d->loaded_wall_ms = dm_wall_ms();
	(void)dm_git_rev(d->opts.config, d->git_rev, sizeof(d->git_rev));
}

static void set_reload(struct daemon *d, bool ok, char *error)
{
	d->reload_ok = ok;
	free(d->reload_error);
	d->reload_error = error;
	d->reload_wall_ms = dm_wall_ms();
	if (ok)
		d->reloads_ok++;
	else
		d->reloads_failed++;
}

int dm_load_initial(struct daemon *d, struct cfg **out)
{
	char *text, *why;
	size_t len;
	int ret;

	ret = load_file(d, out, &text, &len, &why, NULL);
	if (ret) {
		lb_log_kv(LB_LOG_ERR, SUB, LB_NO_FIELDS,
			  "%s is not valid; see 'ballast validate -c %s'",
			  d->opts.config, d->opts.config);
		free(why);
		return ret;
	}
	adopt_text(d, text, len);
	adopt_log_level(d, *out);
	d->reload_ok = true;
	d->reload_wall_ms = d->loaded_wall_ms;
	return 0;
}

/* daemon.* settings read once at start. */
static void warn_restart_keys(const struct cfg *old, const struct cfg *nw)
{
	const struct cfg_daemon *a = &old->daemon, *b = &nw->daemon;
#define STR_NE(x, y) ((x) != (y) && (!(x) || !(y) || strcmp((x), (y))))
	if (a->tick_ms != b->tick_ms || STR_NE(a->api_socket, b->api_socket) ||
	    STR_NE(a->api_listen, b->api_listen) ||
	    STR_NE(a->api_token_file, b->api_token_file) ||
	    STR_NE(a->api_tls_cert, b->api_tls_cert) ||
	    STR_NE(a->api_tls_key, b->api_tls_key) ||
	    STR_NE(a->metrics_listen, b->metrics_listen) ||
	    a->max_removal_fraction != b->max_removal_fraction ||
	    old->dataplane.driver != nw->dataplane.driver)
		lb_log_kv(LB_LOG_WARN, SUB, LB_NO_FIELDS,
			  "dataplane.driver and daemon.tick, api_*, "
			  "metrics_listen and max_removal_fraction take "
			  "effect at the next restart");
#undef STR_NE
}

/* Back to the running generation's checks after a refused reload. */
static void restore_health(struct daemon *d, const struct cfg *old)
{
	if (hc_engine_load(d->hc, old))
		lb_log_kv(LB_LOG_ERR, SUB, LB_NO_FIELDS,
			  "cannot restore the running config's health checks");
}

/* Back to the running generation's HA gate (it points into the config). */
static void restore_ha(struct daemon *d, const struct cfg *old)
{
	char why[256];

	if (dm_ha_configure(d->ha, old, why, sizeof(why)))
		lb_log_kv(LB_LOG_ERR, SUB, LB_NO_FIELDS,
			  "cannot restore the running HA gate: %s", why);
}

static void reload_failed(struct daemon *d, const char *why_now, char *why,
			  json_t *errs)
{
	char st[160];

	dm_publish(d, LB_LOG_ERR, "reload",
		   json_pack("{s:s, s:s, s:o, s:I}", "result", "error",
			     "trigger", why_now, "errors", errs, "generation",
			     (json_int_t)rc_loop_generation(d->rc)),
		   "config reload failed; generation %llu keeps running",
		   (unsigned long long)rc_loop_generation(d->rc));
	set_reload(d, false, why ? why : strdup("reload failed"));
	snprintf(st, sizeof(st), "reload failed; running generation %llu",
		 (unsigned long long)rc_loop_generation(d->rc));
	lb_sd_ready(d->sd, st);
}

void dm_reload(struct daemon *d, const char *trigger)
{
	const struct cfg *old = dm_cfg(d);
	json_t *errs = json_array();
	struct cfg *nw;
	char *text, *why, st[160], hawhy[256];
	size_t len;
	int ret;

	lb_sd_reloading(d->sd);
	ret = load_file(d, &nw, &text, &len, &why, errs);
	if (ret) {
		reload_failed(d, trigger, why, errs);
		return;
	}
	if (!strcmp(nw->sha256, old->sha256)) {
		cfg_free(nw);
		free(text);
		json_decref(errs);
		set_reload(d, true, NULL);
		lb_log_kv(LB_LOG_INFO, SUB,
			  LB_FIELDS(LB_F_STR("trigger", trigger)),
			  "config unchanged");
		lb_sd_ready(d->sd, "running");
		return;
	}
	warn_restart_keys(old, nw);
	ret = hc_engine_load(d->hc, nw);
	if (ret) {
		json_array_append_new(
		    errs, json_string("health checks cannot run with this file "
				      "(see the log)"));
		cfg_free(nw);
		free(text);
		restore_health(d, old);
		reload_failed(d, trigger,
			      strdup("health checks cannot run "
				     "with this file (see the log)"),
			      errs);
		return;
	}
	ret = dm_ha_configure(d->ha, nw, hawhy, sizeof(hawhy));
	if (!ret) {
		ret = dm_bgp_configure(d->bgp, nw, hawhy, sizeof(hawhy));
		if (ret)
			restore_ha(d, old);
	}
	if (ret) {
		json_array_append_new(errs, json_string(hawhy));
		cfg_free(nw);
		free(text);
		restore_health(d, old);
		reload_failed(d, trigger, strdup(hawhy), errs);
		return;
	}
	dm_ovr_bind(d->ovr, nw);
	ret = rc_loop_set_config(
	    d->rc, nw,
	    nw->daemon.allow_mass_removal ? RC_LOOP_GEN_ALLOW_MASS_REMOVAL : 0);
	if (ret) { /* nw is gone, old still runs */
		restore_health(d, old);
		restore_ha(d, old);
		if (dm_bgp_configure(d->bgp, old, hawhy, sizeof(hawhy)))
			lb_log_kv(LB_LOG_ERR, SUB, LB_NO_FIELDS,
				  "cannot restore the running announcer: %s",
				  hawhy);
		dm_ovr_bind(d->ovr, old);
		free(text);
		json_array_append_new(errs, json_string(strerror(-ret)));
		reload_failed(d, trigger, strdup(strerror(-ret)), errs);
		return;
	}
	json_decref(errs);
	adopt_text(d, text, len);
	adopt_log_level(d, dm_cfg(d));
	set_reload(d, true, NULL);
	dm_publish(d, LB_LOG_INFO, "reload",
		   json_pack("{s:s, s:s, s:I, s:s, s:b}", "result", "ok",
			     "trigger", trigger, "generation",
			     (json_int_t)rc_loop_generation(d->rc), "sha256",
			     dm_cfg(d)->sha256, "allow_mass_removal",
			     dm_cfg(d)->daemon.allow_mass_removal),
		   "config generation %llu loaded",
		   (unsigned long long)rc_loop_generation(d->rc));
	snprintf(st, sizeof(st), "running generation %llu",
		 (unsigned long long)rc_loop_generation(d->rc));
	lb_sd_ready(d->sd, st);
}

static void debounced(struct lb_loop *loop, void *arg)
{
	dm_reload(arg, "file changed");
}

static void on_inotify(struct lb_loop *loop, struct lb_watch *w,
		       uint32_t events)
{
	struct daemon *d = w->arg;
	char buf[4096]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	bool ours = false;
	ssize_t n;

	while ((n = read(d->ino_fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const void *)p;

			if (ev->len && !strcmp(ev->name, d->cfg_base))
				ours = true;
			p += sizeof(*ev) + ev->len;
		}
	}
	if (!ours)
		return;
	lb_timer_cancel(loop, &d->reload_timer);
	if (lb_timer_add(loop, &d->reload_timer, DM_RELOAD_DEBOUNCE_MS,
			 debounced, d))
		dm_reload(d, "file changed");
}

int dm_watch_config(struct daemon *d)
{
	char *a = strdup(d->opts.config), *b = strdup(d->opts.config);
	int ret = -ENOMEM;

	if (!a || !b)
		goto fail;
	d->cfg_dir = strdup(dirname(a));
	d->cfg_base = strdup(basename(b));
	if (!d->cfg_dir || !d->cfg_base)
		goto fail;
	d->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (d->ino_fd < 0 ||
	    inotify_add_watch(d->ino_fd, d->cfg_dir,
			      IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE |
				  IN_DELETE | IN_ATTRIB) < 0) {
		ret = -errno;
		lb_log_kv(LB_LOG_WARN, SUB,
			  LB_FIELDS(LB_F_STR("dir", d->cfg_dir)),
			  "cannot watch the config's directory (%s); reload "
			  "with SIGHUP",
			  strerror(-ret));
		ret = 0;
		goto fail;
	}
	ret = lb_loop_watch_add(d->loop, &d->ino_w, d->ino_fd, EPOLLIN,
				on_inotify, d);
	if (ret)
		goto fail;
	free(a);
	free(b);
	return 0;
fail:
	free(a);
	free(b);
	if (d->ino_fd >= 0)
		close(d->ino_fd);
	d->ino_fd = -1;
	return ret;
}

void dm_unwatch_config(struct daemon *d)
{
	if (d->ino_fd < 0)
		return;
	lb_loop_watch_del(d->loop, &d->ino_w);
	close(d->ino_fd);
	d->ino_fd = -1;
}
