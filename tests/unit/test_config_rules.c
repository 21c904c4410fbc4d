// SPDX-License-Identifier: GPL-2.0-only
/*
 * Rules that protect the operator: the cost of a body_regex judged before
 * regcomp, diagnostic text that survives any value, and the ambiguity
 * checks whose negative cases the corpus cannot show.
 */
#include <check.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/diag_text.h"
#include "config/regex_cost.h"
#include "tests/lib/check_main.h"

/* ---- regex cost -------------------------------------------------------- */

static const struct {
	const char *re;
	enum cfg_regex_verdict verdict;
	uint64_t value;
	size_t at;
} regex_cases[] = {
    {"\"status\": *\"ok\"", CFG_REGEX_OK, 0, 0},
    {"^HTTP/1\\.[01] 200", CFG_REGEX_OK, 0, 0},
    {"[0-9]{1,3}(\\.[0-9]{1,3}){3}", CFG_REGEX_OK, 0, 0},
    {"[]{}]{3}", CFG_REGEX_OK, 0, 0},	      /* braces in a bracket */
    {"[[:digit:]]{255}", CFG_REGEX_OK, 0, 0}, /* at the limit */
    {"\\{{3}", CFG_REGEX_OK, 0, 0},	      /* an escaped brace */
    {"(ab|cd)*x+", CFG_REGEX_OK, 0, 0},
    {"a{,255}", CFG_REGEX_OK, 0, 0},
    {".{0,256}", CFG_REGEX_COUNT, 256, 1},
    {".{0,32767}", CFG_REGEX_COUNT, 32767, 1},
    {"x{99999999999999999999}", CFG_REGEX_COUNT, 1ull << 40, 1},
    {"a{2}{300}", CFG_REGEX_COUNT, 300, 4},
    {"(.{0,255}){0,255}", CFG_REGEX_NESTED, 65025, 10},
    {"a{40}{40}", CFG_REGEX_NESTED, 1600, 5},
    {"((a{0,10}){0,10}){0,11}", CFG_REGEX_NESTED, 1100, 17},
    {".{0,255}.{0,255}.{0,255}.{0,255}.{0,255}", CFG_REGEX_SIZE, 2550, 0},
    {"(a?)*", CFG_REGEX_EMPTY_LOOP, 0, 4},
    {"(a|)+", CFG_REGEX_EMPTY_LOOP, 0, 4},
    {"(.?){2,}", CFG_REGEX_EMPTY_LOOP, 0, 4},
    {"(a|b)\\1", CFG_REGEX_BACKREF, 0, 5},
    /* The first finding by rank: a count beats a size. */
    {".{0,999}.{0,255}.{0,255}.{0,255}.{0,255}", CFG_REGEX_COUNT, 999, 1},
};

START_TEST(regex_verdicts)
{
	struct cfg_regex_cost rc;
	const char *re = regex_cases[_i].re;

	ck_assert_int_eq(cfg_regex_cost(re, &rc), regex_cases[_i].verdict);
	ck_assert_msg(rc.value == regex_cases[_i].value,
		      "%s: value %llu, wanted %llu", re,
		      (unsigned long long)rc.value,
		      (unsigned long long)regex_cases[_i].value);
	if (regex_cases[_i].verdict != CFG_REGEX_OK)
		ck_assert_msg(rc.at == regex_cases[_i].at, "%s: at %zu", re,
			      rc.at);
}
END_TEST

START_TEST(regex_length)
{
	char re[CFG_REGEX_MAX_LEN * 2 + 3];
	struct cfg_regex_cost rc;

	/* Characters, not bytes: 1024 two-byte characters are allowed. */
	for (int i = 0; i < CFG_REGEX_MAX_LEN; i++)
		memcpy(re + 2 * i, "\xc3\xa9", 2);
	re[2 * CFG_REGEX_MAX_LEN] = 0;
	ck_assert_int_eq(cfg_regex_cost(re, &rc), CFG_REGEX_OK);
	strcat(re, "a");
	ck_assert_int_eq(cfg_regex_cost(re, &rc), CFG_REGEX_TOO_LONG);
	ck_assert_uint_eq(rc.value, CFG_REGEX_MAX_LEN + 1);
}
END_TEST

/*
 * The worst patterns the limits accept (found by search, Docs/CONFIG.md)
 * compile. Without the limits each family grows to seconds and gigabytes;
 * the test case's timeout turns a regression into a failure, not a hang.
 */
static const char *const worst_accepted[] = {
    ".{0,255}.{0,255}.{0,255}.{0,255}",
    "((.?){0,15}){0,8}((.?){0,15}){0,8}((.?){0,15}){0,8}((.?){0,15}){0,8}",
    "((.?.?)){0,146}((.?.?)){0,146}",
};

START_TEST(regex_worst_accepted_compiles)
{
	struct cfg_regex_cost rc;
	regex_t re;

	for (size_t i = 0; i < sizeof(worst_accepted) / sizeof(*worst_accepted);
	     i++) {
		ck_assert_int_eq(cfg_regex_cost(worst_accepted[i], &rc),
				 CFG_REGEX_OK);
		ck_assert_int_eq(
		    regcomp(&re, worst_accepted[i],
			    REG_EXTENDED | REG_NOSUB | REG_NEWLINE),
		    0);
		regfree(&re);
	}
	/* Nested stars compile in seconds when repeated: refused. */
	ck_assert_int_eq(cfg_regex_cost("((.*)*){0,170}((.*)*){0,170}", &rc),
			 CFG_REGEX_EMPTY_LOOP);
}
END_TEST

/* ---- diagnostic text --------------------------------------------------- */

static bool utf8_valid(const char *s)
{
	while (*s) {
		size_t n = cfg_utf8_char_len(s);

		if (!n)
			return false;
		s += n;
	}
	return true;
}

START_TEST(diag_text_shortens_value)
{
	const char *tail = "' is not a valid name: use letters";
	size_t n = 10000 / 3;
	char *raw = malloc(3 * n + 64), *t, *p;

	/* 3-byte characters, so a cut at a byte count would split one. */
	p = raw + sprintf(raw, "name '");
	for (size_t i = 0; i < n; i++, p += 3)
		memcpy(p, "\xe2\x82\xac", 3);
	strcpy(p, tail);
	t = cfg_diag_text(raw, 200);
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_le(strlen(t), 200);
	ck_assert(utf8_valid(t));
	ck_assert_msg(strstr(t, "\xe2\x80\xa6' is not a valid name"), "%s", t);
	ck_assert(!strncmp(t, "name '\xe2\x82\xac", 9));
	free(t);
	free(raw);
}
END_TEST

START_TEST(diag_text_escapes)
{
	char *t = cfg_diag_text("host 'a\r\nb\x01\x7f' bad \xff\xc3 x", 600);

	ck_assert_str_eq(t, "host 'a\\r\\nb\\x01\\x7f' bad ?? x");
	free(t);
	/* Surrogates and overlong forms are not UTF-8. */
	t = cfg_diag_text("\xed\xa0\x80 \xc0\xaf \xf4\x90\x80\x80", 600);
	ck_assert_str_eq(t, "??? ?? ????");
	free(t);
}
END_TEST

START_TEST(diag_text_no_quotes)
{
	char raw[2000], *t;

	for (size_t i = 0; i < 999; i++)
		memcpy(raw + 2 * i, "\xc3\xa9", 2);
	raw[1998] = 0;
	t = cfg_diag_text(raw, 101);
	ck_assert_uint_le(strlen(t), 101);
	ck_assert(utf8_valid(t));
	ck_assert(strstr(t, "\xe2\x80\xa6") == t + strlen(t) - 3);
	free(t);
}
END_TEST

/* ---- rules through the loader ------------------------------------------ */

static const char pool_tpl[] =
    "version: 1\n"
    "dataplane: {driver: fake}\n"
    "pools:\n"
    "  web:\n"
    "    backends: [%s, 2001:db8::ff]\n"
    "services:\n"
    "  - {name: web, address: 2001:db8::100, port: 80, pool: web}\n";

static size_t warnings_for(const char *yaml)
{
	struct cfg_diags d = {0};
	struct cfg *cfg = NULL;
	size_t n;

	ck_assert_int_eq(cfg_load_buffer("t.yaml", yaml, strlen(yaml), &cfg, &d),
			 0);
	n = d.n_warnings;
	cfg_free(cfg);
	cfg_diags_free(&d);
	return n;
}

static size_t warnings_for_backend(const char *backend)
{
	char buf[512];

	snprintf(buf, sizeof(buf), pool_tpl, backend);
	return warnings_for(buf);
}

START_TEST(ipv6_port_heuristic)
{
	ck_assert_uint_eq(warnings_for_backend("2001:db8::1:80"), 1);
	ck_assert_uint_eq(warnings_for_backend("fd00::1:8080"), 1);
	/* Not a port: one digit, hex letters, no "::", or bracketed. */
	ck_assert_uint_eq(warnings_for_backend("2001:db8::10:1"), 0);
	ck_assert_uint_eq(warnings_for_backend("2001:db8::1:8a"), 0);
	ck_assert_uint_eq(warnings_for_backend("2001:db8:1:2:3:4:5:80"), 0);
	ck_assert_uint_eq(warnings_for_backend("\"[2001:db8::1]:80\""), 0);
	ck_assert_uint_eq(warnings_for_backend("2001:db8::80"), 0);
	ck_assert_uint_eq(warnings_for_backend("{address: 2001:db8::1:80}"), 0);
}
END_TEST

START_TEST(any_port_overlap)
{
	static const char tpl[] =
	    "version: 1\n"
	    "dataplane: {driver: fake}\n"
	    "pools: {web: {backends: [10.0.1.1, 10.0.1.2]}}\n"
	    "services:\n"
	    "  - {name: a, address: 192.0.2.1, any_port: true, protocol: %s, "
	    "pool: web}\n"
	    "  - {name: b, address: %s, port: 80, pool: web}\n";
	char buf[512];

	snprintf(buf, sizeof(buf), tpl, "tcp", "192.0.2.1");
	ck_assert_uint_eq(warnings_for(buf), 1);
	/* Another protocol or another address: nothing to say. */
	snprintf(buf, sizeof(buf), tpl, "udp", "192.0.2.1");
	ck_assert_uint_eq(warnings_for(buf), 0);
	snprintf(buf, sizeof(buf), tpl, "tcp", "192.0.2.2");
	ck_assert_uint_eq(warnings_for(buf), 0);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("config_rules");
	TCase *tc = tcase_create("regex");

	tcase_add_loop_test(
	    tc, regex_verdicts, 0,
	    (int)(sizeof(regex_cases) / sizeof(regex_cases[0])));
	tcase_add_test(tc, regex_length);
	tcase_add_test(tc, regex_worst_accepted_compiles);
	/* Generous under load; a regression takes seconds to minutes. */
	tcase_set_timeout(tc, 10);
	suite_add_tcase(s, tc);

	tc = tcase_create("diag_text");
	tcase_add_test(tc, diag_text_shortens_value);
	tcase_add_test(tc, diag_text_escapes);
	tcase_add_test(tc, diag_text_no_quotes);
	suite_add_tcase(s, tc);

	tc = tcase_create("ambiguity");
	tcase_add_test(tc, ipv6_port_heuristic);
	tcase_add_test(tc, any_port_overlap);
	suite_add_tcase(s, tc);
	return s;
}
