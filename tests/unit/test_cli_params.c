// SPDX-License-Identifier: GPL-2.0-only
/*
 * The table-driven option parser and every command's table: each documented
 * option parses into its field, --help lists every option, errors say what.
 */
#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cli/specs.h"
#include "cmd/options.h"
#include "tests/lib/check_main.h"

/* Big enough for any command's options struct. */
union opts_buf {
	max_align_t align;
	char bytes[512];
};

static char *usage_of(const struct cli_command *c)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	cli_usage(c, f);
	fclose(f);
	return text;
}

/* Run cli_parse with stderr captured into *err (caller frees). */
static int parse(const struct cli_command *c, int argc, char **argv, void *out,
		 int *first, int *code, char **err)
{
	FILE *tmp = tmpfile();
	int saved = dup(STDERR_FILENO), rc;
	long len;

	ck_assert_ptr_nonnull(tmp);
	fflush(stderr);
	dup2(fileno(tmp), STDERR_FILENO);
	rc = cli_parse(c, argc, argv, out, first, code);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	len = ftell(tmp);
	*err = calloc(1, (size_t)len + 1);
	rewind(tmp);
	if (len > 0)
		ck_assert_int_eq(fread(*err, 1, (size_t)len, tmp), len);
	fclose(tmp);
	return rc;
}

START_TEST(every_option_is_in_its_help)
{
	for (size_t i = 0; cli_commands[i]; i++) {
		const struct cli_command *c = cli_commands[i];
		char *text = usage_of(c);
		char want[128];

		ck_assert_msg(!strncmp(text, "Usage: ballast ", 15), "%s",
			      c->name);
		ck_assert_ptr_nonnull(strstr(text, "  -h, --help "));
		for (const struct cli_option *o = c->options; o->name; o++) {
			if (o->short_name)
				snprintf(want, sizeof(want), "  -%c, --%s",
					 o->short_name, o->name);
			else
				snprintf(want, sizeof(want), "      --%s",
					 o->name);
			ck_assert_msg(strstr(text, want),
				      "%s --help lacks '%s'", c->name, want);
			ck_assert_msg(o->help && *o->help, "%s --%s: no help",
				      c->name, o->name);
		}
		ck_assert_msg(c->summary && *c->summary, "%s", c->name);
		free(text);
	}
}
END_TEST

START_TEST(tables_are_consistent)
{
	for (size_t i = 0; cli_commands[i]; i++) {
		const struct cli_command *c = cli_commands[i];

		ck_assert_uint_le(c->min_args, c->max_args);
		for (const struct cli_option *a = c->options; a->name; a++) {
			ck_assert_msg(a->short_name != 'h', "%s -h", c->name);
			for (const struct cli_option *b = a + 1; b->name; b++) {
				ck_assert_msg(strcmp(a->name, b->name),
					      "%s: --%s twice", c->name,
					      a->name);
				ck_assert_msg(
				    !a->short_name ||
					a->short_name != b->short_name,
				    "%s: -%c twice", c->name, a->short_name);
				/* Two options writing one field: a copy-paste
				 * slip. */
				ck_assert_msg(a->offset != b->offset,
					      "%s: --%s and --%s share a field",
					      c->name, a->name, b->name);
			}
		}
	}
}
END_TEST

/* A value of the row's kind, and check it landed in its field. */
static const char *sample(const struct cli_option *o)
{
	switch (o->kind) {
	case CLI_FLAG:
		return NULL;
	case CLI_STRING:
		return "some-value";
	case CLI_UINT:
		return "7";
	case CLI_ENUM:
		return o->choices[1] ? o->choices[1] : o->choices[0];
	case CLI_DURATION:
	case CLI_DURATION_TEXT:
		return "5s";
	}
	return NULL;
}

static void check_field(const struct cli_command *c, const struct cli_option *o,
			const union opts_buf *b, const char *val)
{
	const char *field = b->bytes + o->offset;

	switch (o->kind) {
	case CLI_FLAG:
		ck_assert_msg(*(const bool *)field, "%s --%s", c->name,
			      o->name);
		break;
	case CLI_STRING:
	case CLI_DURATION_TEXT:
		ck_assert_str_eq(*(const char *const *)field, val);
		break;
	case CLI_UINT:
		ck_assert_uint_eq(*(const uint32_t *)field, 7);
		break;
	case CLI_ENUM:
		ck_assert_int_eq(*(const int *)field, o->choices[1] ? 1 : 0);
		break;
	case CLI_DURATION:
		ck_assert_uint_eq(*(const uint32_t *)field, 5000);
		break;
	}
}

/* argv: NAME, OPT [VALUE], then the positional arguments it needs. */
static int build_argv(const struct cli_command *c, char **argv, char *opt,
		      char *val)
{
	static char services[] = "services", arg[] = "a";
	int n = 0;

	argv[n++] = (char *)c->name;
	argv[n++] = opt;
	if (val)
		argv[n++] = val;
	for (unsigned int k = 0; k < c->min_args; k++)
		argv[n++] = !strcmp(c->name, "show") && !k ? services : arg;
	argv[n] = NULL;
	return n;
}

START_TEST(every_documented_option_parses)
{
	for (size_t i = 0; cli_commands[i]; i++) {
		const struct cli_command *c = cli_commands[i];

		for (const struct cli_option *o = c->options; o->name; o++) {
			const char *val = sample(o);
			char lopt[64], sopt[3] = {'-', o->short_name, 0};
			char vbuf[32];
			char *argv[16], *err;
			union opts_buf b;
			int argc, first, code;

			snprintf(vbuf, sizeof(vbuf), "%s", val ? val : "");
			/* An optional value only follows '='. */
			if (val && (o->flags & CLI_F_OPT_VALUE))
				snprintf(lopt, sizeof(lopt), "--%s=%s", o->name,
					 val);
			else
				snprintf(lopt, sizeof(lopt), "--%s", o->name);
			memset(&b, 0, sizeof(b));
			argc = build_argv(
			    c, argv, lopt,
			    val && !(o->flags & CLI_F_OPT_VALUE) ? vbuf : NULL);
			ck_assert_msg(
			    !parse(c, argc, argv, &b, &first, &code, &err),
			    "%s %s: %s", c->name, lopt, err);
			ck_assert_int_eq(code, 0);
			ck_assert_int_eq(first, argc - (int)c->min_args);
			check_field(c, o, &b, vbuf);
			free(err);
			if (!o->short_name)
				continue;
			memset(&b, 0, sizeof(b));
			argc = build_argv(c, argv, sopt, val ? vbuf : NULL);
			ck_assert_msg(
			    !parse(c, argc, argv, &b, &first, &code, &err),
			    "%s %s: %s", c->name, sopt, err);
			check_field(c, o, &b, vbuf);
			free(err);
		}
	}
}
END_TEST

/* Parse argv (NULL-terminated) for c; returns the exit code, stderr in *err. */
static int run_parse(const struct cli_command *c, char **argv, void *out,
		     char **err)
{
	int argc = 0, first, code;

	while (argv[argc])
		argc++;
	if (!parse(c, argc, argv, out, &first, &code, err))
		return -1; /* would run */
	return code;
}

#define ARGV(...) ((char *[]){__VA_ARGS__, NULL})

START_TEST(errors_say_what_is_wrong)
{
	struct cmd_options o;
	char *err;

	ck_assert_int_eq(run_parse(&cli_plan, ARGV("plan", "--frob"), &o, &err),
			 1);
	ck_assert_ptr_nonnull(strstr(err, "unknown option '--frob'"));
	ck_assert_ptr_nonnull(strstr(err, "Try 'ballast plan --help'."));
	free(err);
	ck_assert_int_eq(run_parse(&cli_plan, ARGV("plan", "--stat"), &o, &err),
			 1);
	ck_assert_ptr_nonnull(strstr(err, "option '--state' needs a value"));
	free(err);
	ck_assert_int_eq(run_parse(&cli_plan, ARGV("plan", "-c"), &o, &err), 1);
	ck_assert_ptr_nonnull(strstr(err, "option '-c' needs a value"));
	free(err);
	ck_assert_int_eq(run_parse(&cli_plan, ARGV("plan", "-x"), &o, &err), 1);
	ck_assert_ptr_nonnull(strstr(err, "unknown option '-x'"));
	free(err);
	ck_assert_int_eq(
	    run_parse(&cli_plan, ARGV("plan", "--json=yes"), &o, &err), 1);
	ck_assert_ptr_nonnull(strstr(err, "option '--json' takes no value"));
	free(err);
	ck_assert_int_eq(run_parse(&cli_apply, ARGV("apply", "--d"), &o, &err),
			 1);
	ck_assert_ptr_nonnull(strstr(err, "'--d' is ambiguous"));
	free(err);
	ck_assert_int_eq(run_parse(&cli_plan, ARGV("plan", "extra"), &o, &err),
			 1);
	ck_assert_ptr_nonnull(strstr(err, "unexpected argument 'extra'"));
	free(err);
	ck_assert_int_eq(
	    run_parse(&cli_apply, ARGV("apply", "--wait=5"), &o, &err), 1);
	ck_assert_ptr_nonnull(strstr(err, "--wait=5: "));
	free(err);
}
END_TEST

START_TEST(values_by_kind)
{
	struct cmd_probe_options p;
	struct cmd_options o;
	char *err;

	/* An abbreviation that is unique is the option. */
	memset(&o, 0, sizeof(o));
	ck_assert_int_eq(
	    run_parse(&cli_apply, ARGV("apply", "--dry", "--pru"), &o, &err),
	    -1);
	ck_assert(o.dry_run && o.prune);
	free(err);
	/* --wait alone waits the default; --wait=D that long. */
	memset(&o, 0, sizeof(o));
	ck_assert_int_eq(
	    run_parse(&cli_apply, ARGV("apply", "--wait"), &o, &err), -1);
	ck_assert_uint_eq(o.wait_ms, CMD_WAIT_DEFAULT_MS);
	free(err);
	ck_assert_int_eq(
	    run_parse(&cli_apply, ARGV("apply", "--wait=90s"), &o, &err), -1);
	ck_assert_uint_eq(o.wait_ms, 90000);
	free(err);
	/* Zero refused where the row says so, with the range. */
	memset(&p, 0, sizeof(p));
	ck_assert_int_eq(
	    run_parse(&cli_probe, ARGV("probe", "--for", "0s"), &p, &err), 1);
	ck_assert_ptr_nonnull(strstr(err, "must be more than zero"));
	ck_assert_ptr_nonnull(strstr(err, "1ms to 1193h"));
	free(err);
	ck_assert_int_eq(
	    run_parse(&cli_probe, ARGV("probe", "-f", "2000h"), &p, &err), 1);
	ck_assert_ptr_nonnull(strstr(err, "too long"));
	free(err);
	/* Positional arguments after options, and options after them. */
	ck_assert_int_eq(
	    run_parse(&cli_watch, ARGV("watch", "--count", "x"), &p, &err), 1);
	ck_assert_ptr_nonnull(strstr(err, "--count x: not a whole number"));
	free(err);
	ck_assert_int_eq(run_parse(&cli_drain, ARGV("drain", "web"), &o, &err),
			 1);
	ck_assert_ptr_nonnull(strstr(
	    err, "missing arguments; usage: ballast drain SERVICE REAL"));
	free(err);
}
END_TEST

START_TEST(help_flag_prints_usage)
{
	char *err;
	int code, first;
	char *argv[] = {"status", "--help", NULL};
	FILE *saved = stdout;
	char *text = NULL;
	size_t len = 0;

	stdout = open_memstream(&text, &len);
	ck_assert_int_eq(parse(&cli_status, 2, argv, NULL, &first, &code, &err),
			 1);
	fclose(stdout);
	stdout = saved;
	ck_assert_int_eq(code, 0);
	ck_assert_ptr_nonnull(strstr(text, "Usage: ballast status"));
	ck_assert_ptr_nonnull(strstr(text, "      --socket PATH"));
	free(text);
	free(err);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("cli_params");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, every_option_is_in_its_help);
	tcase_add_test(tc, tables_are_consistent);
	tcase_add_test(tc, every_documented_option_parses);
	tcase_add_test(tc, errors_say_what_is_wrong);
	tcase_add_test(tc, values_by_kind);
	tcase_add_test(tc, help_flag_prints_usage);
	suite_add_tcase(s, tc);
	return s;
}
