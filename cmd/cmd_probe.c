// SPDX-License-Identifier: GPL-2.0-only
/*
 * ballast probe: run the health engine against the config's pools and print
 * each real's state changes as they happen, then a summary. Lets operators
 * try health settings before deploying them. Touches no dataplane.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli/specs.h"
#include "cmd/commands.h"
#include "cmd/diag_print.h"
#include "cmd/options.h"
#include "config/config.h"
#include "health/health.h"
#include "lib/evloop.h"
#include "lib/log.h"

static void on_stop_signal(struct lb_loop *loop, int signo, void *arg)
{
	lb_loop_stop(loop);
}

static void on_deadline(struct lb_loop *loop, void *arg)
{
	lb_loop_stop(loop);
}

int cmd_probe(int argc, char **argv)
{
	struct cmd_probe_options o = { 0 };
	struct cfg_diags diags = {0};
	struct cfg *cfg = NULL;
	struct lb_loop *loop = NULL;
	struct hc_engine *e = NULL;
	struct hc_report *rep = NULL;
	struct lb_timer *deadline = NULL;
	const char *path;
	int first, err, rc = 1;

	if (cli_parse(&cli_probe, argc, argv, &o, &first, &rc))
		return rc;
	rc = 1;
	path = cfg_default_path(o.config);
	err = cfg_load(path, &cfg, &diags);
	cmd_diags_print(stderr, &diags);
	if (err) {
		fprintf(stderr, "ballast probe: %s: configuration not loaded\n",
			path);
		goto out;
	}
	err = lb_loop_new(&loop);
	if (!err)
		err = hc_engine_new(loop, 0, &e);
	if (!err)
		err = hc_report_new(e, stdout, o.json, &rep);
	if (!err)
		err = lb_loop_signal(loop, SIGINT, on_stop_signal, NULL);
	if (!err)
		err = lb_loop_signal(loop, SIGTERM, on_stop_signal, NULL);
	if (!err && o.for_ms)
		err = lb_timer_add(loop, &deadline, o.for_ms, on_deadline, NULL);
	if (err) {
		fprintf(stderr, "ballast probe: cannot start: %s\n",
			strerror(-err));
		goto out;
	}
	err = hc_engine_load(e, cfg);
	if (err) {
		fprintf(stderr,
			"ballast probe: %s: health checks not started: %s\n",
			path, strerror(-err));
		goto out;
	}
	err = lb_loop_run(loop);
	if (err) {
		fprintf(stderr, "ballast probe: event loop: %s\n",
			strerror(-err));
		goto out;
	}
	hc_report_summary(rep);
	rc = 0;
out:
	hc_report_free(rep);
	hc_engine_free(e);
	lb_loop_free(loop);
	cfg_free(cfg);
	cfg_diags_free(&diags);
	return rc;
}
