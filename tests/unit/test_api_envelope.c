// SPDX-License-Identifier: GPL-2.0-only
/* Control API: the JSON envelope, error codes, the bearer token. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/api/api.h"
#include "cmd/api/listen.h"
#include "tests/lib/check_main.h"

static void assert_json(json_t *v, const char *want)
{
	char *got;

	ck_assert_ptr_nonnull(v);
	got = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
	ck_assert_str_eq(got, want);
	free(got);
	json_decref(v);
}

START_TEST(envelopes)
{
	assert_json(api_envelope_ok(json_pack("{s:i}", "n", 3)),
		    "{\"data\":{\"n\":3},\"success\":true}");
	assert_json(api_envelope_ok(NULL), "{\"data\":null,\"success\":true}");
	assert_json(api_envelope_error(API_NOT_FOUND, "no service 'x'"),
		    "{\"error\":{\"code\":\"NOT_FOUND\",\"message\":\"no "
		    "service 'x'\"},\"success\":false}");
}
END_TEST

START_TEST(codes_and_statuses)
{
	static const struct {
		enum api_code code;
		const char *name;
		unsigned int status;
	} want[] = {
	    {API_OK, "OK", 200},
	    {API_INVALID_REQUEST, "INVALID_REQUEST", 400},
	    {API_UNAUTHORIZED, "UNAUTHORIZED", 401},
	    {API_NOT_FOUND, "NOT_FOUND", 404},
	    {API_METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED", 405},
	    {API_ALREADY_EXISTS, "ALREADY_EXISTS", 409},
	    {API_TOO_LARGE, "INVALID_REQUEST", 413},
	    {API_HEADERS_TOO_LARGE, "INVALID_REQUEST", 431},
	    {API_INTERNAL_ERROR, "INTERNAL_ERROR", 500},
	    {API_SPACE_EXHAUSTED, "SPACE_EXHAUSTED", 507},
	};

	ck_assert_uint_eq(sizeof(want) / sizeof(want[0]), API_CODE_COUNT);
	for (size_t i = 0; i < API_CODE_COUNT; i++) {
		ck_assert_str_eq(api_code_name(want[i].code), want[i].name);
		ck_assert_uint_eq(api_code_status(want[i].code),
				  want[i].status);
	}
	/* out of range is an internal error, never a crash */
	ck_assert_str_eq(api_code_name(API_CODE_COUNT), "INTERNAL_ERROR");
	ck_assert_uint_eq(api_code_status((enum api_code)99), 500);
}
END_TEST

START_TEST(bearer_token_check)
{
	const char *tok = "0123456789abcdef0123";

	ck_assert(api_token_check(tok, "Bearer 0123456789abcdef0123"));
	ck_assert(api_token_check(tok, "bearer   0123456789abcdef0123"));
	ck_assert(!api_token_check(tok, NULL));
	ck_assert(!api_token_check(tok, ""));
	ck_assert(!api_token_check(tok, "Bearer "));
	ck_assert(!api_token_check(tok, "Bearer 0123456789abcdef012"));
	ck_assert(!api_token_check(tok, "Bearer 0123456789abcdef01234"));
	ck_assert(!api_token_check(tok, "Bearer 0123456789abcdef0124"));
	ck_assert(!api_token_check(tok, "Basic 0123456789abcdef0123"));
	ck_assert(!api_token_check(tok, "0123456789abcdef0123"));
}
END_TEST

static char *token_file(const char *text, mode_t mode)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/ballast-token.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	ck_assert_int_eq(chmod(path, mode), 0);
	return path;
}

START_TEST(token_file_rules)
{
	char err[256], *tok = NULL, *path;

	path = token_file("  0123456789abcdef0123\n", 0600);
	ck_assert_int_eq(api_token_load(path, &tok, err, sizeof(err)), 0);
	ck_assert_str_eq(tok, "0123456789abcdef0123");
	free(tok);
	unlink(path);

	path = token_file("0123456789abcdef0123\n", 0644);
	ck_assert_int_lt(api_token_load(path, &tok, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "chmod 600"));
	unlink(path);

	path = token_file("short\n", 0600);
	ck_assert_int_lt(api_token_load(path, &tok, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "at least 16"));
	unlink(path);

	path = token_file("0123456789 abcdef0123\n", 0600);
	ck_assert_int_lt(api_token_load(path, &tok, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "whitespace"));
	unlink(path);

	ck_assert_int_lt(
	    api_token_load("/nonexistent/token", &tok, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/token"));
}
END_TEST

START_TEST(tcp_listen_addresses)
{
	static const char *const bad[] = {
	    "localhost:80", "1.2.3.4", "::1:80", "1.2.3.4:99999",
	    "1.2.3.4:",	    "[::1]80", "[]:80",	 "1.2.3.4:8x",
	};
	char err[256];
	uint16_t port = 0;
	bool loopback = false;
	int fd;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_int_eq(
		    api_tcp_listen(bad[i], &port, &loopback, err, sizeof(err)),
		    -EINVAL);
		ck_assert_ptr_nonnull(strstr(err, bad[i]));
	}
	fd = api_tcp_listen("127.0.0.1:0", &port, &loopback, err, sizeof(err));
	ck_assert_int_ge(fd, 0);
	ck_assert_uint_ne(port, 0);
	ck_assert(loopback);
	close(fd);
	fd = api_tcp_listen("[::1]:0", &port, &loopback, err, sizeof(err));
	if (fd >= 0) { /* hosts without IPv6 say so and that is fine */
		ck_assert(loopback);
		close(fd);
	}
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("api_envelope");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, envelopes);
	tcase_add_test(tc, codes_and_statuses);
	tcase_add_test(tc, bearer_token_check);
	tcase_add_test(tc, token_file_rules);
	tcase_add_test(tc, tcp_listen_addresses);
	suite_add_tcase(s, tc);
	return s;
}
