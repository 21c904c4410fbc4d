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
	{ { "detach", no_argument, NULL, 'D' }, CMD_OPT_DETACH },
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

/* Long options the help texts also document with a one-letter form. */
static const char short_forms[] = "cjn";

/*
 * The long option `arg` ("--name[=value]", the name possibly abbreviated)
 * stands for; NULL when none.
 */
static const struct option *long_named(const struct option *longopts,
				       const char *arg)
{
	size_t len = strcspn(arg + 2, "=");

	for (const struct option *l = longopts; l->name; l++)
		if (len && !strncmp(l->name, arg + 2, len))
			return l;
	return NULL;
}

void cmd_option_error(const char *cmd, int c, char **argv,
		      const struct option *longopts)
{
	/* optind has moved past a long option, not always past a short one. */
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	bool dashes = !strncmp(arg, "--", 2);
	const struct option *l = dashes ? long_named(longopts, arg) : NULL;
	int len = (int)strcspn(arg, "=");

	if (c == ':' && l)
		fprintf(stderr, "ballast %s: option '--%s' needs a value\n",
			cmd, l->name);
	else if (c == ':')
		fprintf(stderr, "ballast %s: option '-%c' needs a value\n", cmd,
			optopt);
	else if (dashes && !optopt && l)
		fprintf(stderr,
			"ballast %s: option '%.*s' is ambiguous; write the option out\n",
			cmd, len, arg);
	else if (dashes && !optopt)
		fprintf(stderr, "ballast %s: unknown option '%.*s'\n", cmd, len,
			arg);
	else if (l && l->val == optopt && arg[len] == '=')
		fprintf(stderr, "ballast %s: option '--%s' takes no value\n",
			cmd, l->name);
	else
		fprintf(stderr, "ballast %s: unknown option '-%c'\n", cmd,
			optopt);
	fprintf(stderr, "Try 'ballast %s --help'.\n", cmd);
}

int cmd_parse_options(int argc, char **argv, unsigned int allowed,
		      const char *usage, struct cmd_options *o, int *exit_code)
{
	struct option longopts[N_OPTIONS + 2];
	/* ':' first: a missing value is told apart from an unknown option. */
	char shortopts[2 * N_OPTIONS + 3] = ":h";
	size_t n = 0, ns = 2;
	int c;

	memset(o, 0, sizeof(*o));
	for (size_t i = 0; i < N_OPTIONS; i++) {
		const struct option *opt = &option_table[i].opt;

		if (!(allowed & option_table[i].bit))
			continue;
		longopts[n++] = *opt;
		if (strchr(short_forms, opt->val)) {
			shortopts[ns++] = (char)opt->val;
			if (opt->has_arg == required_argument)
				shortopts[ns++] = ':';
		}
	}
	shortopts[ns] = '\0';
	longopts[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	longopts[n] = (struct option){ 0 };

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
		case 'W':
			if (parse_wait(argv[0], optarg, &o->wait_ms)) {
				*exit_code = CMD_EXIT_ERROR;
				return 1;
			}
			break;
		case 'D':
			o->detach = true;
			break;
		default:
			cmd_option_error(argv[0], c, argv, longopts);
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
