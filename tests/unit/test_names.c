// SPDX-License-Identifier: GPL-2.0-only
/* The protocol names config/ owns for every module, and lib/array.h. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "config/config.h"
#include "lib/array.h"
#include "tests/lib/check_main.h"

START_TEST(proto_names_round_trip)
{
	static const char *const names[] = {"tcp", "udp", "sctp"};
	enum cfg_proto p;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		ck_assert_int_eq(cfg_proto_parse(names[i], &p), 0);
		ck_assert_str_eq(cfg_ipproto_name(p), names[i]);
		ck_assert_str_eq(cfg_proto_name(p), names[i]);
	}
	ck_assert_int_eq(cfg_proto_parse("sctp", &p), 0);
	ck_assert_int_eq(p, 132);
	ck_assert_int_eq(cfg_proto_parse("TCP", &p), -EINVAL);
	ck_assert_int_eq(cfg_proto_parse("", &p), -EINVAL);
	/* Numbers without a name: NULL for callers that print the number. */
	ck_assert_ptr_null(cfg_ipproto_name(0));
	ck_assert_ptr_null(cfg_ipproto_name(47));
	ck_assert_str_eq(cfg_proto_name((enum cfg_proto)47), "?");
}
END_TEST

START_TEST(array_reserve_doubles)
{
	uint32_t *a = NULL;
	size_t cap = 0;

	ck_assert_int_eq(lb_array_reserve((void **)&a, &cap, 0, sizeof(*a), 4),
			 0);
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(cap, 4);
	ck_assert_int_eq(lb_array_reserve((void **)&a, &cap, 3, sizeof(*a), 4),
			 0);
	ck_assert_uint_eq(cap, 4); /* room already */
	a[3] = 7;
	ck_assert_int_eq(lb_array_reserve((void **)&a, &cap, 4, sizeof(*a), 4),
			 0);
	ck_assert_uint_eq(cap, 8);
	ck_assert_uint_eq(a[3], 7);
	free(a);
}
END_TEST

START_TEST(array_reserve_refuses_overflow)
{
	char *a = NULL, *kept;
	size_t cap = 0;

	ck_assert_int_eq(lb_array_reserve((void **)&a, &cap, 0, 64, 1), 0);
	kept = a;
	cap = SIZE_MAX / 64; /* doubling would overflow the byte count */
	ck_assert_int_eq(lb_array_reserve((void **)&a, &cap, cap, 64, 1),
			 -ENOMEM);
	ck_assert_ptr_eq(a, kept);
	ck_assert_uint_eq(cap, SIZE_MAX / 64);
	free(a);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("names");
	TCase *tc = tcase_create("names");

	tcase_add_test(tc, proto_names_round_trip);
	tcase_add_test(tc, array_reserve_doubles);
	tcase_add_test(tc, array_reserve_refuses_overflow);
	suite_add_tcase(s, tc);
	return s;
}
