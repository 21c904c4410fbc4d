// SPDX-License-Identifier: GPL-2.0-only
#include "cmd/options.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"

static const struct {
	struct option opt;
	unsigned int bit;
} option_table[] = {
	{ { "config", required_argument, NULL, 'c' }, CMD_OPT_CONFIG },
	{ { "json", no_argument, NULL, 'j' }, CMD_OPT_JSON },
	{ { "dataplane", required_argument, NULL, 'd' }, CMD_OPT_DATAPLANE },
	{ { "state", required_argument, NULL, 's' }, CMD_OPT_STATE },
	{ { "fault", required_argument, NULL, 'F' }, CMD_OPT_FAULT },
	{ { "dry-run", no_argument, NULL, 'n' }, CMD_OPT_DRY_RUN },
	{ { "prune", no_argument, NULL, 'P' }, CMD_OPT_PRUNE },
	{ { "wait", optional_argument, NULL, 'W' }, CMD_OPT_WAIT },
	{ { "daemon", no_argument, NULL, 'D' }, CMD_OPT_DAEMON },
	{ { "socket", required_argument, NULL, 'S' }, CMD_OPT_DAEMON },
	{ { "state-dir", required_argument, NULL, 'T' }, CMD_OPT_DAEMON },
	{ { "cleanup-on-exit", no_argument, NULL, 'C' }, CMD_OPT_DAEMON },
};

#define N_OPTIONS (sizeof(option_table) / sizeof(option_table[0]))

/* --wait[=DURATION], in the config's own duration syntax. */
static int parse_wait(const char *cmd, const char *arg, uint32_t *ms)
{
	const char *why = NULL;

	if (!arg) {
		*ms = CMD_WAIT_DEFAULT_MS;
		return 0;
	}
	if (!cfg_parse_duration(arg, ms, &why))
		return 0;
	fprintf(stderr, "ballast %s: --wait=%s: %s\nTry 'ballast %s --help'.\n",
		cmd, arg, why ? why : "too long (at most 49 days)", cmd);
	return -1;
}

int cmd_parse_options(int argc, char **argv, unsigned int allowed,
		      const char *usage, struct cmd_options *o, int *exit_code)
{
	struct option longopts[N_OPTIONS + 2];
	char shortopts[8] = "h";
	size_t n = 0;
	int c;

	memset(o, 0, sizeof(*o));
	for (size_t i = 0; i < N_OPTIONS; i++)
		if (allowed & option_table[i].bit)
			longopts[n++] = option_table[i].opt;
	longopts[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	longopts[n] = (struct option){ 0 };
	if (allowed & CMD_OPT_CONFIG)
		strcat(shortopts, "c:");

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(usage, stdout);
			*exit_code = CMD_EXIT_OK;
			return 1;
		case 'c':
			o->config = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 'd':
			o->dataplane = optarg;
			break;
		case 's':
			o->state = optarg;
			break;
		case 'F':
			o->faults = optarg;
			break;
		case 'n':
			o->dry_run = true;
			break;
		case 'P':
			o->prune = true;
			break;
		case 'D':
			o->daemon = true;
			break;
		case 'S':
			o->socket = optarg;
			break;
		case 'T':
			o->state_dir = optarg;
			break;
		case 'C':
			o->cleanup_on_exit = true;
			break;
		case 'W':
			if (parse_wait(argv[0], optarg, &o->wait_ms)) {
				*exit_code = CMD_EXIT_ERROR;
				return 1;
			}
			break;
		default:
			if (optopt)
				fprintf(stderr,
					"ballast %s: option -%c %s\n", argv[0],
					optopt,
					strchr(shortopts, optopt) ?
						"needs a value" :
						"is not known");
			else
				fprintf(stderr,
					"ballast %s: option '%s' is not known or needs a value\n",
					argv[0], argv[optind - 1]);
			fprintf(stderr, "Try 'ballast %s --help'.\n", argv[0]);
			*exit_code = CMD_EXIT_ERROR;
			return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ballast %s: unexpected argument '%s'\n"
				"Try 'ballast %s --help'.\n",
			argv[0], argv[optind], argv[0]);
		*exit_code = CMD_EXIT_ERROR;
		return 1;
	}
	o->config = cfg_default_path(o->config);
	return 0;
}
