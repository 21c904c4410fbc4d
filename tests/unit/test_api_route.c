// SPDX-License-Identifier: GPL-2.0-only
/* Control API routing: patterns, parameters, 404 and 405. */
#include <string.h>

#include "cmd/api/route.h"
#include "tests/lib/check_main.h"

static int h(struct api_req *req, struct api_resp *resp, void *arg)
{
	return 0;
}

static const struct api_route routes[] = {
    {"GET", "/api/v1/status", h, (void *)1},
    {"GET", "/api/v1/services", h, (void *)2},
    {"GET", "/api/v1/services/{name}", h, (void *)3},
    {"DELETE", "/api/v1/services/{name}", h, (void *)4},
    {"PUT", "/api/v1/services/{svc}/reals/{real}/weight", h, (void *)5},
    {"GET", "/", h, (void *)6},
};
#define N (sizeof(routes) / sizeof(routes[0]))

static enum api_match match(const char *method, const char *path,
			    const struct api_route **r, struct api_params *p,
			    char *allow)
{
	*r = NULL;
	return api_route_match(routes, N, method, path, r, p, allow, 64);
}

START_TEST(exact_and_parameters)
{
	const struct api_route *r;
	struct api_params p;
	char allow[64];

	ck_assert_int_eq(match("GET", "/api/v1/status", &r, &p, allow),
			 API_MATCH_OK);
	ck_assert_ptr_eq(r->arg, (void *)1);
	ck_assert_uint_eq(p.n, 0);

	ck_assert_int_eq(match("GET", "/api/v1/services/web", &r, &p, allow),
			 API_MATCH_OK);
	ck_assert_ptr_eq(r->arg, (void *)3);
	ck_assert_str_eq(api_params_get(&p, "name"), "web");
	ck_assert_ptr_null(api_params_get(&p, "nope"));

	ck_assert_int_eq(match("DELETE", "/api/v1/services/web", &r, &p, allow),
			 API_MATCH_OK);
	ck_assert_ptr_eq(r->arg, (void *)4);

	ck_assert_int_eq(match("PUT",
			       "/api/v1/services/web/reals/10.0.0.1:80/weight",
			       &r, &p, allow),
			 API_MATCH_OK);
	ck_assert_ptr_eq(r->arg, (void *)5);
	ck_assert_uint_eq(p.n, 2);
	ck_assert_str_eq(api_params_get(&p, "svc"), "web");
	ck_assert_str_eq(api_params_get(&p, "real"), "10.0.0.1:80");

	ck_assert_int_eq(match("GET", "/", &r, &p, allow), API_MATCH_OK);
	ck_assert_ptr_eq(r->arg, (void *)6);
}
END_TEST

START_TEST(trailing_slash_and_head)
{
	const struct api_route *r;
	struct api_params p;
	char allow[64];

	ck_assert_int_eq(match("GET", "/api/v1/services/", &r, &p, allow),
			 API_MATCH_OK);
	ck_assert_ptr_eq(r->arg, (void *)2);
	ck_assert_int_eq(match("HEAD", "/api/v1/status", &r, &p, allow),
			 API_MATCH_OK);
	ck_assert_ptr_eq(r->arg, (void *)1);
}
END_TEST

START_TEST(not_found)
{
	const struct api_route *r;
	struct api_params p;
	char allow[64];
	char longpath[API_MAX_PATH + 16];

	ck_assert_int_eq(match("GET", "/api/v1/nothing", &r, &p, allow),
			 API_MATCH_NO_PATH);
	/* a parameter never matches an empty segment */
	ck_assert_int_eq(match("GET", "/api/v1/services//", &r, &p, allow),
			 API_MATCH_NO_PATH);
	/* nor more than one segment */
	ck_assert_int_eq(match("GET", "/api/v1/services/a/b", &r, &p, allow),
			 API_MATCH_NO_PATH);
	ck_assert_int_eq(match("GET", "/api/v1/statusx", &r, &p, allow),
			 API_MATCH_NO_PATH);
	ck_assert_int_eq(match("GET", "/api/v1", &r, &p, allow),
			 API_MATCH_NO_PATH);
	ck_assert_int_eq(match("GET", "api/v1/status", &r, &p, allow),
			 API_MATCH_NO_PATH);
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	ck_assert_int_eq(match("GET", longpath, &r, &p, allow),
			 API_MATCH_NO_PATH);
	ck_assert_ptr_null(r);
}
END_TEST

START_TEST(method_not_allowed_lists_methods)
{
	const struct api_route *r;
	struct api_params p;
	char allow[64];

	ck_assert_int_eq(match("POST", "/api/v1/services/web", &r, &p, allow),
			 API_MATCH_BAD_METHOD);
	ck_assert_str_eq(allow, "GET, DELETE");
	ck_assert_ptr_null(r);
	ck_assert_int_eq(match("DELETE", "/api/v1/status", &r, &p, allow),
			 API_MATCH_BAD_METHOD);
	ck_assert_str_eq(allow, "GET");
}
END_TEST

START_TEST(patterns_are_checked)
{
	struct api_route r = {"GET", "/ok/{x}", h, NULL};

	ck_assert_int_eq(api_route_check(&r), 0);
	r.pattern = "no-slash";
	ck_assert_int_lt(api_route_check(&r), 0);
	r.pattern = "/a/{x";
	ck_assert_int_lt(api_route_check(&r), 0);
	r.pattern = "/a/x{y}";
	ck_assert_int_lt(api_route_check(&r), 0);
	r.pattern = "/a/{}";
	ck_assert_int_lt(api_route_check(&r), 0);
	r.pattern = "/{a}/{b}/{c}/{d}/{e}";
	ck_assert_int_lt(api_route_check(&r), 0);
	r.pattern = "/ok";
	r.fn = NULL;
	ck_assert_int_lt(api_route_check(&r), 0);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("api_route");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, exact_and_parameters);
	tcase_add_test(tc, trailing_slash_and_head);
	tcase_add_test(tc, not_found);
	tcase_add_test(tc, method_not_allowed_lists_methods);
	tcase_add_test(tc, patterns_are_checked);
	suite_add_tcase(s, tc);
	return s;
}
