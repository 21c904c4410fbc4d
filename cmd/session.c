// SPDX-License-Identifier: GPL-2.0-only
#include "cmd/session.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/dataplanes.h"
#include "cmd/diag_print.h"
#include "cmd/json_out.h"
#include "config/config.h"
#include "lib/log.h"
#include "vrrp/vrrp.h"

struct lock_wait {
	const char *what;
	uint32_t wait_ms;
};

static void say_waiting(const struct lb_lock_holder *h, void *arg)
{
	const struct lock_wait *w = arg;
	char who[400], dur[32];

	fprintf(stderr,
		"ballast: dataplane %s is locked by %s; waiting up to %s\n",
		w->what, lb_lock_holder_fmt(h, who, sizeof(who)),
		cfg_fmt_duration(w->wait_ms, dur, sizeof(dur)));
}

/*
 * One writer per dataplane instance: taken before the first read, so the plan
 * is computed from a state no other writer changes until we are done.
 */
int cmd_session_lock(struct cmd_session *s, uint32_t wait_ms)
{
	const char *name, *what;
	struct lock_wait w = {.wait_ms = wait_ms};
	struct lb_lock_opts lo = {
	    .wait_ms = wait_ms, .on_wait = say_waiting, .arg = &w};
	struct lb_lock_holder h;
	char who[400], dur[32];
	int ret;

	if (!s->ops->lock_id || !s->ops->lock_id(s->dp, &name, &what))
		return 0;
	w.what = what;
	ret = lb_lock_acquire(name, &lo, &s->lock, &h);
	if (!ret)
		return 0;
	lb_lock_holder_fmt(&h, who, sizeof(who));
	if (ret == -EWOULDBLOCK)
		fprintf(stderr,
			"ballast: dataplane %s is locked by %s; retry, "
			"or pass --wait[=DURATION]\n",
			what, who);
	else if (ret == -ETIMEDOUT)
		fprintf(stderr,
			"ballast: dataplane %s is still locked by %s "
			"after %s; nothing was changed\n",
			what, who, cfg_fmt_duration(wait_ms, dur, sizeof(dur)));
	else
		fprintf(stderr, "ballast: cannot lock dataplane %s: %s\n", what,
			strerror(-ret));
	return CMD_EXIT_ERROR;
}

/*
 * A dataplane says itself why it cannot open or read (through lib/log, with
 * the remedy); the session listens so it neither repeats that with a vaguer
 * errno line nor loses it from the JSON error.
 */
static void note_error(enum lb_log_level level, const char *subsys,
		       const char *msg, void *arg)
{
	struct cmd_session *s = arg;

	if (level != LB_LOG_ERR || s->told)
		return;
	if (!subsys || !strcmp(subsys, "ballast"))
		s->told = strdup(msg);
	else if (asprintf(&s->told, "%s: %s", subsys, msg) < 0)
		s->told = NULL;
}

static void listen_begin(struct cmd_session *s)
{
	free(s->told);
	s->told = NULL;
	lb_log_set_hook(note_error, s);
}

static void listen_end(void)
{
	lb_log_set_hook(NULL, NULL);
}

/*
 * Report one error: the module's own words when it logged them, else ours on
 * stderr; with --json also {"error": {"kind", "message", ...extra}} on stdout.
 * Takes over `extra`. Returns the exit code.
 */
static int fail(struct cmd_session *s, const char *kind, json_t *extra,
		const char *fmt, ...)
{
	char msg[1024];
	json_t *err;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!s->told)
		fprintf(stderr, "ballast: %s\n", msg);
	if (s->json) {
		err = json_pack("{s:s, s:s}", "kind", kind, "message",
				s->told ? s->told : msg);
		if (err && extra)
			json_object_update(err, extra);
		err = json_pack("{s:o*}", "error", err);
		(void)!cmd_print_json(stdout, err);
	}
	json_decref(extra);
	return CMD_EXIT_ERROR;
}

static int config_invalid(struct cmd_session *s, const char *path,
			  const struct cfg_diags *diags)
{
	json_t *extra = NULL;

	if (s->json)
		extra = json_pack("{s:s, s:o*}", "file", path, "diagnostics",
				  cmd_diags_to_json(diags));
	return fail(s, "config", extra,
		    "%s is not valid; nothing was changed (see 'ballast validate -c %s')",
		    path, path);
}

static json_t *dp_extra(struct cmd_session *s, const char *name)
{
	return s->json ? json_pack("{s:s}", "dataplane", name) : NULL;
}

/* No driver by that name: one the config knows but this build lacks, or a typo. */
static int no_dataplane(struct cmd_session *s, const struct cmd_options *o)
{
	const char *name = o->dataplane ? o->dataplane :
					  cfg_driver_name(s->cfg->dataplane.driver);
	bool known = false;
	char have[128];

	cmd_dataplane_names(have, sizeof(have));
	for (int d = 0; d < CFG_DRIVER__COUNT; d++)
		known |= !strcmp(name, cfg_driver_name(d));
	if (!known)
		return fail(s, "dataplane", dp_extra(s, name),
			    "there is no dataplane '%s'; available: %s",
			    name, have);
	if (o->dataplane)
		return fail(s, "dataplane", dp_extra(s, name),
			    "the %s dataplane driver is not available in this build; available: %s",
			    name, have);
	return fail(s, "dataplane", dp_extra(s, name),
		    "%s names the %s dataplane driver (dataplane.driver), which is not available in this build; available: %s (choose one with --dataplane NAME)",
		    o->config, name, have);
}

/* The fake dataplane's state file: --state, else the config's; NULL if none. */
static const char *fake_state(const struct cmd_session *s,
			      const struct cmd_options *o, const char **from)
{
	*from = "--state";
	if (o->state && *o->state)
		return o->state;
	*from = "dataplane.fake.state_file";
	return s->cfg->dataplane.fake.state_file &&
			       *s->cfg->dataplane.fake.state_file ?
		       s->cfg->dataplane.fake.state_file :
		       NULL;
}

int cmd_session_load(struct cmd_session *s, const struct cmd_options *o)
{
	struct cfg_diags diags = { 0 };
	int ret;

	memset(s, 0, sizeof(*s));
	s->json = o->json;
	ret = cfg_load(o->config, &s->cfg, &diags);
	cmd_diags_print(stderr, &diags);
	if (ret) {
		ret = config_invalid(s, o->config, &diags);
		cfg_diags_free(&diags);
		cmd_session_close(s);
		return ret;
	}
	cfg_diags_free(&diags);

	s->ops = o->dataplane ? cmd_dataplane_find(o->dataplane) :
				cmd_dataplane_for(s->cfg->dataplane.driver);
	if (!s->ops) {
		ret = no_dataplane(s, o);
		cmd_session_close(s);
		return ret;
	}
	return 0;
}

int cmd_session_open_dp(struct cmd_session *s, const struct cmd_options *o,
			bool read_only)
{
	struct dp_option opts[CMD_DP_OPTIONS_MAX];
	struct dp_open_args args;
	const char *state, *from;
	struct stat st;
	int ret;

	/* Said here, where the option's name is known. */
	state = s->ops->driver == CFG_DRIVER_FAKE ? fake_state(s, o, &from) :
						    NULL;
	if (state && !stat(state, &st) && S_ISDIR(st.st_mode))
		return fail(s, "dataplane", dp_extra(s, s->ops->name),
			    "%s %s is a directory; it must name a file, such as %s/state.json, in which the fake dataplane keeps its state as JSON (created when missing)",
			    from, state, state);
	args = (struct dp_open_args){
		.cfg = s->cfg,
		.options = opts,
		.n_options = cmd_dataplane_options(o, opts),
		.read_only = read_only,
	};
	listen_begin(s);
	ret = s->ops->open(&s->dp, &args);
	listen_end();
	if (ret)
		return fail(s, "dataplane", dp_extra(s, s->ops->name),
			    "cannot open the %s dataplane: %s", s->ops->name,
			    strerror(-ret));
	return 0;
}

int cmd_session_open(struct cmd_session *s, const struct cmd_options *o,
		     bool read_only)
{
	const char *from;
	int ret;

	ret = cmd_session_load(s, o);
	if (ret)
		return ret;
	/* Without a file, what apply changes would vanish with the process. */
	if (!read_only && s->ops->driver == CFG_DRIVER_FAKE &&
	    !fake_state(s, o, &from)) {
		ret = fail(s, "dataplane", dp_extra(s, s->ops->name),
			   "the fake dataplane has no state file, so what it applies would be lost when this command exits; pass --state FILE (or set dataplane.fake.state_file) to keep it, or --dry-run to only print the plan");
		goto fail;
	}
	ret = cmd_session_open_dp(s, o, read_only);
	if (ret)
		goto fail;
	ret = read_only ? 0 : cmd_session_lock(s, o->wait_ms);
	if (ret)
		goto fail;
	ret = rc_ctl_new(s->ops, s->dp, &s->ctl);
	if (ret) {
		ret = fail(s, "internal", NULL, "%s", strerror(-ret));
		goto fail;
	}
	return 0;
fail:
	cmd_session_close(s);
	return ret;
}

void cmd_session_close(struct cmd_session *s)
{
	rc_ctl_free(s->ctl);
	if (s->dp)
		s->ops->close(s->dp, false);
	lb_lock_release(s->lock); /* after close: closing may still write */
	cfg_free(s->cfg);
	free(s->told);
	memset(s, 0, sizeof(*s));
}

/* The HA gate read once: which groups this node holds right now. */
struct session_gate {
	struct vw *w;
	struct vw_group_spec *groups;
	size_t n;
	const struct cfg *cfg; /* what svc_group indexes: the session's */
	ssize_t *svc_group;    /* per cfg service: group or -1 */
};

static bool gate_active(void *ctx, const struct cfg_service *svc)
{
	const struct session_gate *g = ctx;

	return vw_serves_group(g->w, g->svc_group[svc - g->cfg->services]);
}

static void gate_close(struct session_gate *g)
{
	vw_free(g->w);
	free(g->groups);
	free(g->svc_group);
}

/*
 * With ha.mode vrrp and standby: withdraw, a one-shot plan wants what the
 * daemon would: the services of the groups this node holds. Says on stderr
 * which groups are left out and why.
 */
static int gate_open(struct cmd_session *s, struct session_gate *g)
{
	char why[256];
	int ret;

	memset(g, 0, sizeof(*g));
	if (s->cfg->ha.mode != CFG_HA_VRRP ||
	    s->cfg->ha.standby != CFG_STANDBY_WITHDRAW)
		return 0;
	ret = vw_snapshot_cfg(s->cfg, &g->w, &g->groups, &g->n, why,
			      sizeof(why));
	if (ret)
		return fail(s, "ha", NULL, "HA gate: %s",
			    why[0] ? why : strerror(-ret));
	g->cfg = s->cfg;
	g->svc_group = calloc(s->cfg->n_services + 1, sizeof(*g->svc_group));
	ret = g->svc_group
		  ? vw_groups_of_services(g->groups, g->n, s->cfg, g->svc_group)
		  : -ENOMEM;
	if (ret) {
		gate_close(g);
		memset(g, 0, sizeof(*g));
		return fail(s, "ha", NULL, "HA gate: %s", strerror(-ret));
	}
	for (size_t i = 0; i < g->n; i++) {
		struct vw_group_status st;

		if (!s->ha_told && !vw_group_active(g->w, i) &&
		    !vw_group_status(g->w, i, &st))
			fprintf(stderr,
				"ha: group %s is standby on this node (%s): its "
				"services are left out (ha.standby: withdraw)\n",
				st.name, st.cause[0] ? st.cause : "VIPs not held");
	}
	s->ha_told = true;
	return 0;
}

int cmd_session_plan(struct cmd_session *s, bool prune,
		     const struct rc_plan **plan)
{
	struct rc_diff_opts dopts = { .prune = prune };
	struct rc_weight_src src = {0};
	struct session_gate gate;
	int ret;

	ret = gate_open(s, &gate);
	if (ret)
		return ret;
	if (gate.w)
		src = (struct rc_weight_src){.ctx = &gate,
					     .service_active = gate_active};
	listen_begin(s);
	ret = rc_ctl_plan(s->ctl, s->cfg, gate.w ? &src : NULL, &dopts, plan);
	listen_end();
	gate_close(&gate);
	if (!ret)
		return 0;
	return fail(s, "dataplane", dp_extra(s, s->ops->name),
		    "cannot read the %s dataplane: %s", s->ops->name,
		    strerror(-ret));
}
