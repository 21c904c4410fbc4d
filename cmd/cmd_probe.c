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
#include "config/config.h"
#include "health/health.h"
#include "lib/evloop.h"
#include "lib/log.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ballast probe [-c FILE] [--json] [--for DURATION]\n"
		"  -c, --config FILE   configuration (default: $%s or %s)\n"
		"  -j, --json          one JSON object per line\n"
		"  -f, --for DURATION  stop after DURATION (500ms, 30s, 2m);\n"
		"                      default: until interrupted\n",
		CFG_ENV_PATH, CFG_DEFAULT_PATH);
}

/* "250ms", "30s", "2m", "1h"; a bare number is seconds. */
static int parse_duration_ms(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	if (!*end || !strcmp(end, "s"))
		v *= 1000;
	else if (!strcmp(end, "m"))
		v *= 60000;
	else if (!strcmp(end, "h"))
		v *= 3600000;
	else if (strcmp(end, "ms"))
		return -EINVAL;
	*out = v;
	return 0;
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
	uint64_t for_ms = 0;
	struct cfg_diags diags = {0};
	struct cfg *cfg = NULL;
	struct lb_loop *loop = NULL;
	struct hc_engine *e = NULL;
	struct hc_report *rep = NULL;
	struct lb_timer *deadline = NULL;
	int c, err, rc = 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:jf:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'f':
			if (parse_duration_ms(optarg, &for_ms) || !for_ms) {
				fprintf(stderr,
					"ballast probe: --for %s: expected a "
					"duration such as 500ms, 30s or 2m\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ballast probe: unexpected argument '%s'\n",
			argv[optind]);
		usage(stderr);
		return 2;
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
