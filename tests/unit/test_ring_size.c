// SPDX-License-Identifier: GPL-2.0-only
#include "tests/lib/check_main.h"

#include "lib/ring_size.h"

START_TEST(primes)
{
	ck_assert(lb_is_prime(2));
	ck_assert(lb_is_prime(251));
	ck_assert(lb_is_prime(65537));
	ck_assert(lb_is_prime(655373));
	ck_assert(lb_is_prime(4294967291u)); /* the largest 32-bit prime */
	ck_assert(!lb_is_prime(0));
	ck_assert(!lb_is_prime(1));
	ck_assert(!lb_is_prime(65536));
	ck_assert(!lb_is_prime(65535));
	ck_assert(!lb_is_prime(4294967295u));
}
END_TEST

START_TEST(bounds)
{
	ck_assert(lb_ring_size_ok(LB_RING_MIN_SIZE));
	ck_assert(lb_ring_size_ok(LB_RING_DEFAULT_SIZE));
	ck_assert(lb_ring_size_ok(LB_RING_MAX_SIZE));
	ck_assert(!lb_ring_size_ok(241)); /* prime, below the bound */
	ck_assert(!lb_ring_size_ok(655379)); /* prime, above the bound */
	ck_assert(!lb_ring_size_ok(1000));
}
END_TEST

START_TEST(next)
{
	ck_assert_uint_eq(lb_ring_size_next(0), LB_RING_MIN_SIZE);
	ck_assert_uint_eq(lb_ring_size_next(252), 257);
	ck_assert_uint_eq(lb_ring_size_next(65536), 65537);
	ck_assert_uint_eq(lb_ring_size_next(LB_RING_MAX_SIZE), LB_RING_MAX_SIZE);
	ck_assert_uint_eq(lb_ring_size_next(LB_RING_MAX_SIZE + 1), 0);
}
END_TEST

START_TEST(sized_per_service)
{
	/* 100 entries a real, the smallest valid size, the cap on top. */
	ck_assert_uint_eq(lb_ring_size_for(0, 65537), LB_RING_MIN_SIZE);
	ck_assert_uint_eq(lb_ring_size_for(3, 65537), 307);
	ck_assert_uint_eq(lb_ring_size_for(100, 65537), 10007);
	ck_assert_uint_eq(lb_ring_size_for(1000, 65537), 65537);
	ck_assert_uint_eq(lb_ring_size_for(100, 4093), 4093);
	ck_assert_uint_eq(lb_ring_size_for(UINT32_MAX, 65537), 65537);
}
END_TEST

START_TEST(kept_while_it_still_fits)
{
	/* A removed real keeps the ring: 307 for 2 reals is >= 251. */
	ck_assert(lb_ring_size_keep(307, 3, 65537));
	ck_assert(lb_ring_size_keep(307, 2, 65537));
	/* An added one past 100 a real resizes it. */
	ck_assert(!lb_ring_size_keep(307, 4, 65537));
	/* Four times too large: shrunk. */
	ck_assert(!lb_ring_size_keep(10007, 1, 65537));
	/* Beyond a lowered cap, or not a valid size: rebuilt. */
	ck_assert(!lb_ring_size_keep(10007, 100, 4093));
	ck_assert(!lb_ring_size_keep(0, 0, 65537));
	ck_assert(!lb_ring_size_keep(300, 1, 65537));
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("ring_size");
	TCase *tc = tcase_create("ring_size");

	tcase_add_test(tc, primes);
	tcase_add_test(tc, bounds);
	tcase_add_test(tc, next);
	tcase_add_test(tc, sized_per_service);
	tcase_add_test(tc, kept_while_it_still_fits);
	suite_add_tcase(s, tc);
	return s;
}
