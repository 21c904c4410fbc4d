// SPDX-License-Identifier: GPL-2.0-only
/* ballast: declarative L4 load-balancer controller. Subcommand dispatch. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli/specs.h"
#include "cmd/client/client.h"
#include "cmd/commands.h"
#include "lib/log.h"

struct command {
	const struct cli_command *spec; /* name, summary, options, help */
	int (*run)(int argc, char **argv);
};

static int cmd_version(int argc, char **argv);

/* --log-level was given: it wins over the daemon's daemon.log_level. */
static bool log_level_given;

bool cmd_log_level_given(void)
{
	return log_level_given;
}
static int cmd_help(int argc, char **argv);

static const struct command commands[] = {
	{ &cli_validate, cmd_validate },
	{ &cli_plan, cmd_plan },
	{ &cli_apply, cmd_apply },
	{ &cli_probe, cmd_probe },
	{ &cli_decap, cmd_decap },
	{ &cli_doctor, cmd_doctor },
	{ &cli_vrrp, cmd_vrrp },
	{ &cli_bgp, cmd_bgp },
	{ &cli_status, cl_main },
	{ &cli_show, cl_main },
	{ &cli_watch, cl_main },
	{ &cli_overrides, cl_main },
	{ &cli_drain, cl_main },
	{ &cli_undrain, cl_main },
	{ &cli_disable, cl_main },
	{ &cli_enable, cl_main },
	{ &cli_weight, cl_main },
	{ &cli_health, cl_main },
	{ &cli_flow, cl_main },
	{ &cli_node, cl_main },
	{ &cli_version, cmd_version },
	{ &cli_help, cmd_help },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const char main_usage_head[] =
	"Usage: ballast [--log-level LEVEL] [--log-format FORMAT] COMMAND [OPTIONS]\n"
	"\n"
	"Ballast keeps Linux L4 load balancing (its own XDP forwarder or IPVS)\n"
	"converged to one declarative YAML file.\n"
	"\n"
	"Commands:\n";

static const char main_usage_tail[] =
	"\n"
	"Global options:\n"
	"  --log-level LEVEL  error, warn, info (default) or debug\n"
	"  --log-format FORMAT\n"
	"                     text (default for commands), json, or auto (text\n"
	"                     on a terminal, else one JSON object per line; the\n"
	"                     daemon's default)\n"
	"  -h, --help         this text;  ballast help COMMAND  for a command\n"
	"  --version          the version\n"
	"\n"
	"The configuration is read from -c FILE, else $BALLAST_CONFIG, else\n"
	"/etc/ballast/ballast.yaml.\n";

static void print_usage(FILE *f)
{
	fputs(main_usage_head, f);
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].spec->name,
			commands[i].spec->summary);
	fputs(main_usage_tail, f);
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (!strcmp(commands[i].spec->name, name))
			return &commands[i];
	return NULL;
}

static int cmd_version(int argc, char **argv)
{
	int first, code;

	if (argv && cli_parse(&cli_version, argc, argv, NULL, &first, &code))
		return code;
	printf("ballast %s\n", BALLAST_VERSION);
	return 0;
}

static int cmd_help(int argc, char **argv)
{
	const struct command *c;
	char help_flag[] = "--help";
	char *args[3];
	int first, code;

	if (cli_parse(&cli_help, argc, argv, NULL, &first, &code))
		return code;
	if (first >= argc) {
		print_usage(stdout);
		return 0;
	}
	c = find_command(argv[first]);
	if (!c) {
		fprintf(stderr, "ballast: no command '%s'; see 'ballast help'\n",
			argv[first]);
		return 1;
	}
	args[0] = argv[first];
	args[1] = help_flag;
	args[2] = NULL;
	return c->run(2, args);
}

int main(int argc, char **argv)
{
	const struct command *c;
	bool format_set = false;
	int i = 1;

	lb_log_route_libbpf();
	/*
	 * One-shot commands talk to a person even when their output is piped
	 * (CI logs, `2>&1 | less`); only the long-running daemon defaults to
	 * JSON lines off a terminal.
	 */
	lb_log_set_format(LB_LOG_FORMAT_TEXT);
	while (i < argc && argv[i][0] == '-') {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			print_usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--version")) {
			return cmd_version(0, NULL);
		} else if ((!strcmp(argv[i], "--log-level") ||
			    !strcmp(argv[i], "--log-format")) &&
			   i + 1 == argc) {
			fprintf(stderr,
				"ballast: option '%s' needs a value; see 'ballast --help'\n",
				argv[i]);
			return 1;
		} else if (!strcmp(argv[i], "--log-level")) {
			enum lb_log_level level;

			if (lb_log_level_parse(argv[i + 1], &level)) {
				fprintf(stderr,
					"ballast: log level '%s' is not one of error, warn, info, debug\n",
					argv[i + 1]);
				return 1;
			}
			lb_log_set_level(level);
			log_level_given = true;
			i += 2;
		} else if (!strcmp(argv[i], "--log-format") && i + 1 < argc) {
			enum lb_log_format format;

			if (lb_log_format_parse(argv[i + 1], &format)) {
				fprintf(stderr,
					"ballast: log format '%s' is not one of auto, text, json\n",
					argv[i + 1]);
				return 1;
			}
			lb_log_set_format(format);
			format_set = true;
			i += 2;
		} else {
			fprintf(stderr, "ballast: unknown option '%s'; see 'ballast --help'\n",
				argv[i]);
			return 1;
		}
	}
	if (i >= argc) {
		print_usage(stderr);
		return 1;
	}
	c = find_command(argv[i]);
	if (!c) {
		fprintf(stderr, "ballast: no command '%s'; see 'ballast --help'\n",
			argv[i]);
		return 1;
	}
	if (!format_set && c->run == cmd_apply &&
	    cmd_apply_is_daemon(argc - i, argv + i))
		lb_log_set_format(LB_LOG_FORMAT_AUTO);
	return c->run(argc - i, argv + i);
}
