// SPDX-License-Identifier: GPL-2.0-only
#include "cmd/session.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd/dataplanes.h"
#include "cmd/diag_print.h"
#include "config/config.h"

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

int cmd_session_load(struct cmd_session *s, const struct cmd_options *o)
{
	struct cfg_diags diags = { 0 };
	int ret;

	memset(s, 0, sizeof(*s));
	ret = cfg_load(o->config, &s->cfg, &diags);
	cmd_diags_print(stderr, &diags);
	cfg_diags_free(&diags);
	if (ret) {
		fprintf(stderr, "ballast: %s is not valid; nothing was changed "
				"(see 'ballast validate -c %s')\n",
			o->config, o->config);
		return CMD_EXIT_ERROR;
	}

	s->ops = o->dataplane ? cmd_dataplane_find(o->dataplane) :
				cmd_dataplane_for(s->cfg->dataplane.driver);
	if (!s->ops) {
		fprintf(stderr, "ballast: dataplane '%s' is not available in this build (have: ",
			o->dataplane ? o->dataplane :
				       cfg_driver_name(s->cfg->dataplane.driver));
		cmd_dataplane_list(stderr);
		fputs("); pass --dataplane NAME\n", stderr);
		cmd_session_close(s);
		return CMD_EXIT_ERROR;
	}
	return 0;
}

int cmd_session_open_dp(struct cmd_session *s, const struct cmd_options *o,
			bool read_only)
{
	struct dp_open_args args;
	int ret;

	args = (struct dp_open_args){
		.cfg = s->cfg,
		.state_path = o->state,
		.faults = o->faults,
		.read_only = read_only,
	};
	ret = s->ops->open(&s->dp, &args);
	if (ret) {
		fprintf(stderr, "ballast: cannot open the %s dataplane: %s\n",
			s->ops->name, strerror(-ret));
		return CMD_EXIT_ERROR;
	}
	return 0;
}

int cmd_session_open(struct cmd_session *s, const struct cmd_options *o,
		     bool read_only)
{
	int ret;

	ret = cmd_session_load(s, o);
	if (ret)
		return ret;
	if (cmd_session_open_dp(s, o, read_only))
		goto fail;
	if (!read_only && cmd_session_lock(s, o->wait_ms))
		goto fail;
	ret = rc_ctl_new(s->ops, s->dp, &s->ctl);
	if (ret) {
		fprintf(stderr, "ballast: %s\n", strerror(-ret));
		goto fail;
	}
	return 0;
fail:
	cmd_session_close(s);
	return CMD_EXIT_ERROR;
}

void cmd_session_close(struct cmd_session *s)
{
	rc_ctl_free(s->ctl);
	if (s->dp)
		s->ops->close(s->dp, false);
	lb_lock_release(s->lock); /* after close: closing may still write */
	cfg_free(s->cfg);
	memset(s, 0, sizeof(*s));
}

int cmd_session_plan(struct cmd_session *s, bool prune,
		     const struct rc_plan **plan)
{
	struct rc_diff_opts dopts = { .prune = prune };
	int ret;

	ret = rc_ctl_plan(s->ctl, s->cfg, NULL, &dopts, plan);
	if (!ret)
		return 0;
	fprintf(stderr, "ballast: cannot read the %s dataplane: %s\n",
		s->ops->name, strerror(-ret));
	return CMD_EXIT_ERROR;
}
