// SPDX-License-Identifier: GPL-2.0-only
/*
 * The logging layer: JSON lines and terminal text, escaping of every string,
 * structured fields, levels, the subsystem of legacy calls, and the choice
 * between text and JSON by whether the output is a terminal.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <jansson.h>

#include "lib/log.h"
#include "tests/lib/check_main.h"

/* Log into a memory file; capture_read() returns what was written. */
static int capture_fd = -1;

static void capture_start(enum lb_log_format format)
{
	capture_fd = memfd_create("log", MFD_CLOEXEC);
	ck_assert_int_ge(capture_fd, 0);
	lb_log_set_fd(capture_fd);
	lb_log_set_format(format);
	lb_log_set_level(LB_LOG_DEBUG);
}

/* Everything written so far (caller frees), then start empty again. */
static char *capture_read(void)
{
	off_t n = lseek(capture_fd, 0, SEEK_END);
	char *buf;

	ck_assert_int_ge(n, 0);
	buf = calloc(1, (size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(pread(capture_fd, buf, (size_t)n, 0), n);
	ck_assert_int_eq(ftruncate(capture_fd, 0), 0);
	ck_assert_int_eq(lseek(capture_fd, 0, SEEK_SET), 0);
	return buf;
}

static void capture_stop(void)
{
	lb_log_set_fd(-1);
	close(capture_fd);
	capture_fd = -1;
}

/* Exactly one line was written; parse it as a JSON object. */
static json_t *one_json_line(void)
{
	char *text = capture_read();
	size_t len = strlen(text);
	json_error_t jerr;
	json_t *obj;

	ck_assert_uint_gt(len, 0);
	ck_assert_msg(text[len - 1] == '\n', "line not terminated: %s", text);
	ck_assert_ptr_eq(strchr(text, '\n'), text + len - 1);
	/* nothing raw below 0x20 but the newline that ends the line */
	for (size_t i = 0; i + 1 < len; i++)
		ck_assert_msg((unsigned char)text[i] >= 0x20,
			      "raw control byte 0x%02x at %zu", text[i], i);
	obj = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	ck_assert_msg(obj != NULL, "not JSON (%s): %s", jerr.text, text);
	ck_assert(json_is_object(obj));
	free(text);
	return obj;
}

static const char *jstr(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	ck_assert_msg(json_is_string(v), "%s is not a string", key);
	return json_string_value(v);
}

START_TEST(json_line_has_every_member)
{
	struct timespec now;
	struct tm tm = {0};
	regex_t re;
	json_t *o, *f;
	const char *t;

	capture_start(LB_LOG_FORMAT_JSON);
	lb_log_kv(LB_LOG_WARN, "health",
		  LB_FIELDS(LB_F_STR("target", "10.0.0.1:80"),
			    LB_F_UINT("fails", 3), LB_F_INT("delta", -2),
			    LB_F_BOOL("up", false), LB_F_DOUBLE("rtt_ms", 1.5)),
		  "target down after %d failures", 3);
	o = one_json_line();
	ck_assert_uint_eq(json_object_size(o), 5);
	ck_assert_str_eq(jstr(o, "level"), "warning");
	ck_assert_str_eq(jstr(o, "subsystem"), "health");
	ck_assert_str_eq(jstr(o, "message"), "target down after 3 failures");

	/* RFC 3339, UTC, milliseconds; and it is now */
	t = jstr(o, "time");
	ck_assert_int_eq(
	    regcomp(&re,
		    "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:"
		    "[0-9]{2}\\.[0-9]{3}Z$",
		    REG_EXTENDED | REG_NOSUB),
	    0);
	ck_assert_msg(regexec(&re, t, 0, NULL, 0) == 0, "time %s", t);
	regfree(&re);
	ck_assert_ptr_nonnull(strptime(t, "%Y-%m-%dT%H:%M:%S", &tm));
	clock_gettime(CLOCK_REALTIME, &now);
	ck_assert_int_le(labs((long)(timegm(&tm) - now.tv_sec)), 5);

	f = json_object_get(o, "fields");
	ck_assert(json_is_object(f));
	ck_assert_uint_eq(json_object_size(f), 5);
	ck_assert_str_eq(jstr(f, "target"), "10.0.0.1:80");
	ck_assert(json_is_integer(json_object_get(f, "fails")));
	ck_assert_int_eq(json_integer_value(json_object_get(f, "fails")), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(f, "delta")), -2);
	ck_assert(json_is_false(json_object_get(f, "up")));
	ck_assert(json_real_value(json_object_get(f, "rtt_ms")) == 1.5);
	json_decref(o);
	capture_stop();
}
END_TEST

START_TEST(json_fields_edge_values)
{
	json_t *o, *f;
	char *text;

	capture_start(LB_LOG_FORMAT_JSON);
	lb_log_kv(LB_LOG_INFO, "x",
		  LB_FIELDS(LB_F_STR("none", NULL), LB_F_DOUBLE("nan", NAN),
			    LB_F_DOUBLE("inf", INFINITY),
			    LB_F_INT("min", -9223372036854775807LL - 1),
			    LB_F_STR("k\"ey\n", "v")),
		  "edge");
	o = one_json_line();
	f = json_object_get(o, "fields");
	ck_assert(json_is_null(json_object_get(f, "none")));
	ck_assert(json_is_null(json_object_get(f, "nan")));
	ck_assert(json_is_null(json_object_get(f, "inf")));
	/* jansson holds 64-bit signed integers: the bound is what matters */
	ck_assert_int_eq(json_integer_value(json_object_get(f, "min")),
			 -9223372036854775807LL - 1);
	ck_assert_str_eq(jstr(f, "k\"ey\n"), "v");
	json_decref(o);

	/* exact beyond what jansson (int64) parses, so checked as text */
	lb_log_kv(LB_LOG_INFO, "x",
		  LB_FIELDS(LB_F_UINT("max", 18446744073709551615ULL)), "max");
	text = capture_read();
	ck_assert_ptr_nonnull(strstr(text, "\"max\":18446744073709551615}"));
	free(text);

	/* no fields: still an (empty) object, so the schema is fixed */
	lb_log_kv(LB_LOG_INFO, NULL, LB_NO_FIELDS, "plain");
	o = one_json_line();
	ck_assert_str_eq(jstr(o, "subsystem"), "ballast");
	ck_assert(json_is_object(json_object_get(o, "fields")));
	ck_assert_uint_eq(json_object_size(json_object_get(o, "fields")), 0);
	json_decref(o);
	capture_stop();
}
END_TEST

/*
 * Control characters are escaped; valid UTF-8 passes through; every byte
 * that is not part of a well-formed sequence becomes U+FFFD.
 */
static const struct {
	const char *in, *out;
} escapes[] = {
    {"quote \" backslash \\", "quote \" backslash \\"},
    {"nl\ncr\rtab\tbell\aesc\x1b[31mdel\x7f",
     "nl\ncr\rtab\tbell\aesc\x1b[31mdel\x7f"},
    {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
     "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"},
    {"stray\xff", "stray\xef\xbf\xbd"},
    {"lone continuation \x80", "lone continuation \xef\xbf\xbd"},
    /* overlong '/' */
    {"\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd"},
    /* overlong 3-byte */
    {"\xe0\x80\xaf", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
    /* UTF-16 surrogate D800 */
    {"\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
    /* above U+10FFFF */
    {"\xf4\x90\x80\x80x", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdx"},
    /* truncated at the end */
    {"euro \xe2\x82", "euro \xef\xbf\xbd\xef\xbf\xbd"},
    /* the largest code point is fine */
    {"\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf"},
};

START_TEST(json_escapes_every_string)
{
	const char *in = escapes[_i].in, *out = escapes[_i].out;
	json_t *o;

	capture_start(LB_LOG_FORMAT_JSON);
	lb_log_kv(LB_LOG_ERR, in, LB_FIELDS(LB_F_STR(in, in)), "%s", in);
	o = one_json_line();
	ck_assert_str_eq(jstr(o, "message"), out);
	ck_assert_str_eq(jstr(o, "subsystem"), out);
	ck_assert_str_eq(jstr(json_object_get(o, "fields"), out), out);
	json_decref(o);
	capture_stop();
}
END_TEST

START_TEST(json_escape_forms)
{
	char *text;

	/* the short forms where JSON has them, \u00XX otherwise */
	capture_start(LB_LOG_FORMAT_JSON);
	lb_log_kv(LB_LOG_ERR, "s", LB_NO_FIELDS,
		  "a\"b\\c\nd\te\x01"
		  "f\x7f");
	text = capture_read();
	ck_assert_ptr_nonnull(
	    strstr(text, "\"message\":\"a\\\"b\\\\c\\nd\\te\\u0001f\\u007f\""));
	free(text);
	capture_stop();
}
END_TEST

START_TEST(long_messages_are_whole)
{
	char big[5000];
	json_t *o;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[10] = '\n';
	capture_start(LB_LOG_FORMAT_JSON);
	lb_log(LB_LOG_INFO, "%s", big);
	o = one_json_line();
	ck_assert_str_eq(jstr(o, "message"), big);
	json_decref(o);
	lb_log_kv(LB_LOG_INFO, "s", LB_FIELDS(LB_F_STR("v", big)), "m");
	o = one_json_line();
	ck_assert_str_eq(jstr(json_object_get(o, "fields"), "v"), big);
	json_decref(o);
	capture_stop();
}
END_TEST

START_TEST(levels_filter)
{
	char *text;
	enum lb_log_level lv;

	capture_start(LB_LOG_FORMAT_TEXT);
	lb_log_set_level(LB_LOG_WARN);
	lb_debug("d");
	lb_info("i");
	lb_log_kv(LB_LOG_INFO, "s", LB_NO_FIELDS, "i2");
	lb_warn("w");
	lb_err("e");
	text = capture_read();
	ck_assert_str_eq(text, "ballast: warning: w\nballast: error: e\n");
	free(text);

	lb_log_set_level(LB_LOG_DEBUG);
	lb_debug("d");
	text = capture_read();
	ck_assert_str_eq(text, "ballast: debug: d\n");
	free(text);

	ck_assert_int_eq(lb_log_level_parse("warn", &lv), 0);
	ck_assert_int_eq(lv, LB_LOG_WARN);
	ck_assert_int_eq(lb_log_level_parse("debug", &lv), 0);
	ck_assert_int_eq(lv, LB_LOG_DEBUG);
	ck_assert_int_eq(lb_log_level_parse("loud", &lv), -EINVAL);
	capture_stop();
}
END_TEST

START_TEST(legacy_subsystem_prefix)
{
	static const struct {
		const char *in, *subsys, *msg;
	} cases[] = {
	    {"health: target down\n", "health", "target down"},
	    {"ipvs: x: y", "ipvs", "x: y"},
	    {"fake dataplane: locked", "ballast", "fake dataplane: locked"},
	    {"/etc/b.yaml:3: bad", "ballast", "/etc/b.yaml:3: bad"},
	    {"Health: x", "ballast", "Health: x"},
	    {"nocolon", "ballast", "nocolon"},
	    {"health:nospace", "ballast", "health:nospace"},
	};
	json_t *o;

	capture_start(LB_LOG_FORMAT_JSON);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		lb_warn("%s", cases[i].in);
		o = one_json_line();
		ck_assert_str_eq(jstr(o, "subsystem"), cases[i].subsys);
		ck_assert_str_eq(jstr(o, "message"), cases[i].msg);
		json_decref(o);
	}
	capture_stop();
}
END_TEST

START_TEST(text_is_readable_and_safe)
{
	char *text;

	capture_start(LB_LOG_FORMAT_TEXT);
	lb_log_kv(LB_LOG_WARN, "health",
		  LB_FIELDS(LB_F_STR("target", "10.0.0.1:80"),
			    LB_F_UINT("fails", 3),
			    LB_F_STR("why", "connection refused"),
			    LB_F_STR("empty", ""), LB_F_STR("q", "a\"b\nc"),
			    LB_F_BOOL("up", true)),
		  "target down");
	text = capture_read();
	ck_assert_str_eq(text, "ballast: warning: health: target down "
			       "target=10.0.0.1:80 fails=3 "
			       "why=\"connection refused\" empty=\"\" "
			       "q=\"a\\\"b\\nc\" up=true\n");
	free(text);

	/* no terminal escape reaches the terminal; bad UTF-8 is replaced */
	lb_log(LB_LOG_ERR, "ipvs: \x1b[2Jgone\xff");
	text = capture_read();
	ck_assert_str_eq(text,
			 "ballast: error: ipvs: \\x1b[2Jgone\xef\xbf\xbd\n");
	free(text);

	/* multi-line messages (a verifier log) stay readable */
	lb_log_kv(LB_LOG_WARN, "libbpf", LB_NO_FIELDS, "one\n\ttwo");
	text = capture_read();
	ck_assert_str_eq(text, "ballast: warning: libbpf: one\n\ttwo\n");
	free(text);
	capture_stop();
}
END_TEST

/* Read what a terminal's master side shows, bounded in time. */
static void pty_read(int master, char *buf, size_t size)
{
	struct pollfd p = {.fd = master, .events = POLLIN};
	size_t len = 0;

	while (len + 1 < size && !strchr(buf, '\n')) {
		ssize_t n;

		ck_assert_int_eq(poll(&p, 1, 2000), 1);
		n = read(master, buf + len, size - 1 - len);
		ck_assert_int_gt(n, 0);
		len += (size_t)n;
		buf[len] = '\0';
	}
}

START_TEST(auto_follows_the_terminal)
{
	char buf[512] = "";
	int master, slave, mem;
	json_t *o;

	master = posix_openpt(O_RDWR | O_NOCTTY);
	ck_assert_int_ge(master, 0);
	ck_assert_int_eq(grantpt(master), 0);
	ck_assert_int_eq(unlockpt(master), 0);
	slave = open(ptsname(master), O_RDWR | O_NOCTTY);
	ck_assert_int_ge(slave, 0);

	/* AUTO is the default */
	lb_log_set_fd(slave);
	ck_assert_int_eq(lb_log_effective_format(), LB_LOG_FORMAT_TEXT);
	lb_log_kv(LB_LOG_ERR, "systemd", LB_FIELDS(LB_F_INT("n", 1)), "hello");
	pty_read(master, buf, sizeof(buf));
	/* the terminal turns \n into \r\n */
	ck_assert_str_eq(buf, "ballast: error: systemd: hello n=1\r\n");

	capture_start(LB_LOG_FORMAT_AUTO);
	ck_assert_int_eq(lb_log_effective_format(), LB_LOG_FORMAT_JSON);
	lb_log_kv(LB_LOG_ERR, "systemd", LB_NO_FIELDS, "hello");
	o = one_json_line();
	ck_assert_str_eq(jstr(o, "message"), "hello");
	json_decref(o);

	/* a forced format wins over the terminal */
	mem = capture_fd;
	lb_log_set_fd(slave);
	lb_log_set_format(LB_LOG_FORMAT_JSON);
	ck_assert_int_eq(lb_log_effective_format(), LB_LOG_FORMAT_JSON);
	lb_log_set_fd(mem);
	lb_log_set_format(LB_LOG_FORMAT_TEXT);
	ck_assert_int_eq(lb_log_effective_format(), LB_LOG_FORMAT_TEXT);
	capture_stop();
	close(slave);
	close(master);
}
END_TEST

START_TEST(format_names)
{
	enum lb_log_format f;

	ck_assert_int_eq(lb_log_format_parse("json", &f), 0);
	ck_assert_int_eq(f, LB_LOG_FORMAT_JSON);
	ck_assert_int_eq(lb_log_format_parse("text", &f), 0);
	ck_assert_int_eq(f, LB_LOG_FORMAT_TEXT);
	ck_assert_int_eq(lb_log_format_parse("auto", &f), 0);
	ck_assert_int_eq(f, LB_LOG_FORMAT_AUTO);
	ck_assert_int_eq(lb_log_format_parse("xml", &f), -EINVAL);
}
END_TEST

START_TEST(errno_survives_logging)
{
	capture_start(LB_LOG_FORMAT_JSON);
	errno = EHOSTUNREACH;
	lb_log_kv(LB_LOG_ERR, "s", LB_NO_FIELDS, "x");
	ck_assert_int_eq(errno, EHOSTUNREACH);
	free(capture_read());
	capture_stop();
}
END_TEST

START_TEST(libbpf_goes_through_the_layer)
{
	struct bpf_object *obj;
	json_t *o;
	const char *msg;

	capture_start(LB_LOG_FORMAT_JSON);
	lb_log_set_level(LB_LOG_WARN);
	lb_log_route_libbpf();
	/* libbpf warns about a file it cannot open */
	obj = bpf_object__open_file("/nonexistent/ballast.bpf.o", NULL);
	ck_assert_ptr_null(obj);
	o = one_json_line();
	ck_assert_str_eq(jstr(o, "subsystem"), "libbpf");
	ck_assert_str_eq(jstr(o, "level"), "warning");
	msg = jstr(o, "message");
	ck_assert_msg(strstr(msg, "/nonexistent/ballast.bpf.o") != NULL,
		      "message: %s", msg);
	ck_assert_msg(strncmp(msg, "libbpf: ", 8) != 0, "prefix kept: %s", msg);
	ck_assert_msg(msg[strlen(msg) - 1] != '\n', "newline kept");
	json_decref(o);
	capture_stop();
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("log");

	tcase_add_test(tc, json_line_has_every_member);
	tcase_add_test(tc, json_fields_edge_values);
	tcase_add_loop_test(tc, json_escapes_every_string, 0,
			    sizeof(escapes) / sizeof(escapes[0]));
	tcase_add_test(tc, json_escape_forms);
	tcase_add_test(tc, long_messages_are_whole);
	tcase_add_test(tc, levels_filter);
	tcase_add_test(tc, legacy_subsystem_prefix);
	tcase_add_test(tc, text_is_readable_and_safe);
	tcase_add_test(tc, auto_follows_the_terminal);
	tcase_add_test(tc, format_names);
	tcase_add_test(tc, errno_survives_logging);
	tcase_add_test(tc, libbpf_goes_through_the_layer);
	suite_add_tcase(s, tc);
	return s;
}
