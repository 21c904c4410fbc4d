// SPDX-License-Identifier: GPL-2.0-only
#include "cmd/session.h"

#include <stdio.h>
#include <string.h>

#include "cmd/dataplanes.h"
#include "cmd/diag_print.h"

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
