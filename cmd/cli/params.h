/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Table-driven command-line options: every command declares its options as
 * rows (name, short form, kind of value, where the value goes in the
 * command's options struct, help text). One parser reads argv against the
 * table and one printer writes --help from it, so a documented option is an
 * accepted option.
 */
#ifndef BALLAST_CMD_CLI_PARAMS_H
#define BALLAST_CMD_CLI_PARAMS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum cli_kind {
	CLI_FLAG,	   /* bool, set to true */
	CLI_STRING,	   /* const char *, pointing into argv */
	CLI_UINT,	   /* uint32_t, decimal */
	CLI_ENUM,	   /* int: the index of the value in `choices` */
	CLI_DURATION,	   /* uint32_t milliseconds, the config's syntax */
	CLI_DURATION_TEXT, /* const char *: checked as a duration, kept as text
			    */
};

enum cli_flags {
	CLI_F_NONZERO = 1u << 0,   /* DURATION, UINT: zero is refused */
	CLI_F_OPT_VALUE = 1u << 1, /* DURATION: value optional (--x[=V]) */
};

struct cli_option {
	const char *name; /* long name, without the dashes */
	char short_name;  /* one-letter form, or 0 */
	enum cli_kind kind;
	size_t offset;	  /* offsetof(options struct, field) */
	const char *arg;  /* placeholder in help: FILE, DURATION (not FLAG) */
	const char *help; /* one or more lines, '\n' separated */
	unsigned int flags;
	const char *const *choices; /* CLI_ENUM: NULL-terminated */
	uint32_t dflt; /* CLI_F_OPT_VALUE: the value when none is given */
};

struct cli_command {
	const char *name;
	const char *summary;  /* one line for `ballast help` */
	const char *synopsis; /* usage lines after "Usage: " */
	const char *about;    /* paragraphs between usage and options */
	const struct cli_option *options; /* ends with a row without a name */
	const char
	    *epilogue; /* after the options (exit status, notes), or NULL */
	/* Optional: prints a list kept in a table (doctor's checks) first. */
	void (*epilogue_fn)(FILE *f);
	unsigned int min_args, max_args; /* positional arguments */
};

/* --help (-h) is added to every command by the parser and the printer. */

/*
 * Parse argv (argv[0] is the command's name) into `out`, the command's options
 * struct, which the caller has initialised. On success returns 0 and sets
 * *first_arg to the index of the first positional argument (getopt permutes
 * them to the end). Returns 1 with *exit_code set when the command should not
 * run: 0 after printing --help on stdout; 1 after telling on stderr what was
 * wrong (unknown option, missing value, value given to a flag, ambiguous
 * abbreviation, bad value, wrong number of arguments) and where help is.
 */
int cli_parse(const struct cli_command *cmd, int argc, char **argv, void *out,
	      int *first_arg, int *exit_code);

/* Print the command's --help: usage, about, the options from the table. */
void cli_usage(const struct cli_command *cmd, FILE *f);

/* "Try 'ballast CMD --help'." on stderr, after a message about CMD. */
void cli_try_help(const char *cmd);

#endif
