// SPDX-License-Identifier: GPL-2.0-only
#include "cmd/cli/params.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

/* Enough for any command; a longer table is a bug cli_parse reports. */
#define CLI_MAX_OPTS 32
/* getopt_long's value for row i: above every char a short form can be. */
#define ROW_VAL(i) (256 + (int)(i))

void cli_try_help(const char *cmd)
{
	fprintf(stderr, "Try 'ballast %s --help'.\n", cmd);
}

/*
 * The long option `arg` ("--name[=value]", the name possibly abbreviated)
 * stands for: the exact name, else the first it abbreviates; NULL when none.
 */
static const struct option *long_named(const struct option *longopts,
				       const char *arg)
{
	size_t len = strcspn(arg + 2, "=");
	const struct option *first = NULL;

	if (!len)
		return NULL;
	for (const struct option *l = longopts; l->name; l++) {
		if (strncmp(l->name, arg + 2, len))
			continue;
		if (!l->name[len])
			return l;
		if (!first)
			first = l;
	}
	return first;
}

/*
 * After getopt_long (with an optstring starting with ':') returned c, '?' or
 * ':', say on stderr what was wrong with which option: unknown, missing its
 * value, given a value it does not take, or an ambiguous abbreviation.
 */
static void option_error(const char *cmd, int c, char **argv,
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
			"ballast %s: option '%.*s' is ambiguous; write the "
			"option out\n",
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
	cli_try_help(cmd);
}

static void join_choices(const char *const *choices, const char *sep, char *buf,
			 size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; choices && choices[i] && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s",
					 i ? sep : "", choices[i]);
}

/* Store `val` (NULL: an optional value left out) as the row says. */
static int store(const char *cmd, const struct cli_option *row, const char *val,
		 void *out)
{
	char *field = (char *)out + row->offset;
	const char *why = NULL;
	char buf[256];
	uint32_t ms;

	switch (row->kind) {
	case CLI_FLAG:
		*(bool *)field = true;
		return 0;
	case CLI_STRING:
		*(const char **)field = val;
		return 0;
	case CLI_UINT: {
		char *end;
		unsigned long v;

		errno = 0;
		v = strtoul(val, &end, 10);
		if (!*val || *end || errno || v > UINT32_MAX || *val == '-')
			why = "not a whole number (0 to 4294967295)";
		else if (!v && (row->flags & CLI_F_NONZERO))
			why = "must be more than zero";
		if (why)
			break;
		*(uint32_t *)field = (uint32_t)v;
		return 0;
	}
	case CLI_ENUM:
		for (int i = 0; row->choices && row->choices[i]; i++) {
			if (!strcmp(row->choices[i], val)) {
				*(int *)field = i;
				return 0;
			}
		}
		join_choices(row->choices, ", ", buf, sizeof(buf));
		fprintf(stderr, "ballast %s: --%s %s: not one of %s\n", cmd,
			row->name, val, buf);
		cli_try_help(cmd);
		return -EINVAL;
	case CLI_DURATION:
	case CLI_DURATION_TEXT:
		if (!val) {
			*(uint32_t *)field = row->dflt;
			return 0;
		}
		if (cfg_parse_duration(val, &ms, &why))
			why = why ? why : "too long";
		else if (!ms && (row->flags & CLI_F_NONZERO))
			why = "must be more than zero";
		if (why) {
			/* As typed: an optional value only follows '='. */
			fprintf(
			    stderr,
			    "ballast %s: --%s%c%s: %s; --%s takes %s to 1193h "
			    "(e.g. 500ms, 30s, 2m)\n",
			    cmd, row->name,
			    row->flags & CLI_F_OPT_VALUE ? '=' : ' ', val, why,
			    row->name,
			    row->flags & CLI_F_NONZERO ? "1ms" : "0s");
			cli_try_help(cmd);
			return -EINVAL;
		}
		if (row->kind == CLI_DURATION)
			*(uint32_t *)field = ms;
		else
			*(const char **)field = val;
		return 0;
	}
	fprintf(stderr, "ballast %s: --%s %s: %s\n", cmd, row->name, val,
		why ? why : "invalid value");
	cli_try_help(cmd);
	return -EINVAL;
}

static size_t count_rows(const struct cli_command *cmd)
{
	size_t n = 0;

	while (cmd->options && cmd->options[n].name)
		n++;
	return n;
}

int cli_parse(const struct cli_command *cmd, int argc, char **argv, void *out,
	      int *first_arg, int *exit_code)
{
	struct option longopts[CLI_MAX_OPTS + 2];
	/* ':' first: a missing value is told apart from an unknown option. */
	char shortopts[3 * CLI_MAX_OPTS + 4] = ":h";
	size_t n = count_rows(cmd), ns = 2;
	unsigned int nargs;
	int c;

	*exit_code = 1;
	if (n > CLI_MAX_OPTS) {
		fprintf(stderr, "ballast %s: too many options in its table\n",
			cmd->name);
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		const struct cli_option *row = &cmd->options[i];
		int has = row->kind == CLI_FLAG		 ? no_argument
			  : row->flags & CLI_F_OPT_VALUE ? optional_argument
							 : required_argument;

		longopts[i] = (struct option){row->name, has, NULL, ROW_VAL(i)};
		if (!row->short_name)
			continue;
		shortopts[ns++] = row->short_name;
		if (has != no_argument)
			shortopts[ns++] = ':';
		if (has == optional_argument)
			shortopts[ns++] = ':';
	}
	shortopts[ns] = '\0';
	longopts[n] = (struct option){"help", no_argument, NULL, 'h'};
	longopts[n + 1] = (struct option){0};

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		const struct cli_option *row = NULL;

		if (c == 'h') {
			cli_usage(cmd, stdout);
			*exit_code = 0;
			return 1;
		}
		if (c >= ROW_VAL(0) && c < ROW_VAL(n))
			row = &cmd->options[c - ROW_VAL(0)];
		for (size_t i = 0;
		     !row && c > 0 && c < 256 && c != ':' && c != '?' && i < n;
		     i++)
			if (cmd->options[i].short_name == c)
				row = &cmd->options[i];
		if (!row) {
			option_error(cmd->name, c, argv, longopts);
			return 1;
		}
		if (store(cmd->name, row, optarg, out))
			return 1;
	}
	nargs = (unsigned int)(argc - optind);
	if (nargs > cmd->max_args) {
		fprintf(stderr, "ballast %s: unexpected argument '%s'\n",
			cmd->name, argv[optind + cmd->max_args]);
		cli_try_help(cmd->name);
		return 1;
	}
	if (nargs < cmd->min_args) {
		fprintf(stderr, "ballast %s: missing arguments; usage: %.*s\n",
			cmd->name, (int)strcspn(cmd->synopsis, "\n"),
			cmd->synopsis);
		cli_try_help(cmd->name);
		return 1;
	}
	*first_arg = optind;
	*exit_code = 0;
	return 0;
}

/* "  -c, --config FILE" or "      --wait[=DURATION]" into buf. */
static int option_left(const struct cli_option *row, char *buf, size_t size)
{
	const char *arg = row->arg;
	char choices[128];

	if (!arg && row->kind == CLI_ENUM) {
		join_choices(row->choices, "|", choices, sizeof(choices));
		arg = choices;
	} else if (!arg) {
		arg = row->kind == CLI_UINT	? "N"
		      : row->kind == CLI_STRING ? "VALUE"
						: "DURATION";
	}
	return snprintf(buf, size, "  %c%c%c --%s%s%s%s%s",
			row->short_name ? '-' : ' ',
			row->short_name ? row->short_name : ' ',
			row->short_name ? ',' : ' ', row->name,
			row->kind == CLI_FLAG	       ? ""
			: row->flags & CLI_F_OPT_VALUE ? "[="
						       : " ",
			row->kind == CLI_FLAG ? "" : arg,
			row->flags & CLI_F_OPT_VALUE ? "]" : "", "");
}

/* Help text lines, each indented to `col` after the first. */
static void print_help_lines(FILE *f, const char *help, int col)
{
	if (!*help)
		fputc('\n', f);
	for (const char *p = help; *p;) {
		size_t len = strcspn(p, "\n");

		fprintf(f, "%.*s\n", (int)len, p);
		p += len;
		if (*p == '\n' && p[1])
			fprintf(f, "%*s", col, "");
		if (*p == '\n')
			p++;
	}
}

/* Help text starts at this column unless an option is wider. */
#define HELP_COL_MIN 20
/* An option wider than this puts its help on the next line. */
#define HELP_COL_MAX 28

void cli_usage(const struct cli_command *cmd, FILE *f)
{
	static const struct cli_option help_row = {
	    .name = "help",
	    .short_name = 'h',
	    .kind = CLI_FLAG,
	    .help = "this text",
	};
	size_t n = count_rows(cmd);
	int col = HELP_COL_MIN;
	char left[256];

	for (size_t i = 0; i < n; i++) {
		int w = option_left(&cmd->options[i], left, sizeof(left)) + 2;

		if (w > col && w <= HELP_COL_MAX)
			col = w;
	}
	fputs("Usage: ", f);
	print_help_lines(f, cmd->synopsis, 7);
	if (cmd->about)
		fprintf(f, "\n%s", cmd->about);
	fputs("\nOptions:\n", f);
	for (size_t i = 0; i <= n; i++) {
		const struct cli_option *row =
		    i < n ? &cmd->options[i] : &help_row;
		int w = option_left(row, left, sizeof(left));

		if (w + 2 > col)
			fprintf(f, "%s\n%*s", left, col, "");
		else
			fprintf(f, "%-*s", col, left);
		print_help_lines(f, row->help ? row->help : "", col);
	}
	if (cmd->epilogue_fn)
		cmd->epilogue_fn(f);
	if (cmd->epilogue)
		fprintf(f, "\n%s", cmd->epilogue);
}
