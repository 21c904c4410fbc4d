// SPDX-License-Identifier: GPL-2.0-only
/*
 * ballast probe: run the health engine against the config's pools and print
 * each real's state changes as they happen, then a summary. Lets operators
 * try health settings before deploying them. Touches no dataplane.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/commands.h"
#include "cmd/diag_print.h"
#include "cmd/options.h"
#include "config/config.h"
#include "health/health.h"
#include "lib/evloop.h"
#include "lib/log.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: ballast probe [-c FILE] [--json] [--for DURATION]\n"
		"\n"
		"Run the configuration's health checks against every real, print\n"
		"each state change as it happens and a summary at the end. Nothing\n"
		"in the dataplane is changed.\n"
		"\n"
		"Options:\n"
		"  -c, --config FILE   configuration (default: $%s or %s)\n"
		"  -j, --json          one JSON object per line\n"
		"  -f, --for DURATION  stop after DURATION (500ms, 30s, 2m);\n"
		"                      default: until interrupted\n",
		CFG_ENV_PATH, CFG_DEFAULT_PATH);
}

/* --for: a duration the event loop's timer can hold, and not zero. */
static int parse_for(const char *arg, uint32_t *ms)
{
	const char *why = NULL;
	int err = cfg_parse_duration(arg, ms, &why);

	if (!err && *ms)
		return 0;
	if (!why)
		why = err ? "too long" : "must be more than zero";
	fprintf(stderr,
		"ballast probe: --for %s: %s; --for takes 1ms to 1193h (e.g. "
		"500ms, 30s, 2m), or leave it out to probe until interrupted\n",
		arg, why);
	return -EINVAL;
}

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
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"json", no_argument, NULL, 'j'},
	    {"for", required_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *path = NULL;
	bool json = false;
	uint32_t for_ms = 0;
	struct cfg_diags diags = {0};
	struct cfg *cfg = NULL;
	struct lb_loop *loop = NULL;
	struct hc_engine *e = NULL;
	struct hc_report *rep = NULL;
	struct lb_timer *deadline = NULL;
	int c, err, rc = 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, ":c:jf:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'f':
			if (parse_for(optarg, &for_ms))
				return 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			cmd_option_error(argv[0], c, argv, opts);
			return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ballast probe: unexpected argument '%s'\n",
			argv[optind]);
		usage(stderr);
		return 1;
	}
	path = cfg_default_path(path);
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
		err = hc_report_new(e, stdout, json, &rep);
	if (!err)
		err = lb_loop_signal(loop, SIGINT, on_stop_signal, NULL);
	if (!err)
		err = lb_loop_signal(loop, SIGTERM, on_stop_signal, NULL);
	if (!err && for_ms)
		err = lb_timer_add(loop, &deadline, for_ms, on_deadline, NULL);
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
