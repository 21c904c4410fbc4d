// SPDX-License-Identifier: GPL-2.0-only
/* The ring pool: extents rebuilt from services' states, taken and reused. */
#include <errno.h>

#include "dataplane/xdp/xdp_rings.h"
#include "tests/lib/check_main.h"

START_TEST(rebuilt_from_states)
{
	struct xdp_pool p;
	struct lb_svc_state a = {
	    .ring_slot = 1, .base = {0, 307}, .size = {307, 307}};
	struct lb_svc_state b = {
	    .ring_slot = 0, .base = {700, 0}, .size = {251, 0}};
	uint32_t base = 0;

	xdp_pool_init(&p, 2000);
	ck_assert_int_eq(xdp_pool_add_state(&p, &a), 0);
	ck_assert_int_eq(xdp_pool_add_state(&p, &b), 0);
	ck_assert_uint_eq(p.taken, 307 + 307 + 251);
	/* First fit: the hole between 614 and 700 is too small for 251. */
	ck_assert_int_eq(xdp_pool_take(&p, 251, &base), 0);
	ck_assert_uint_eq(base, 951);
	ck_assert_int_eq(xdp_pool_take(&p, 83, &base), 0);
	ck_assert_uint_eq(base, 614);
	/* 2000 - 1202 = 798 left at the end, not 800. */
	ck_assert_int_eq(xdp_pool_take(&p, 800, &base), -ENOSPC);
	xdp_pool_free_all(&p);
}
END_TEST

START_TEST(corrupt_states_are_not_recorded)
{
	struct xdp_pool p;
	struct lb_svc_state a = {.base = {0, 0}, .size = {251, 0}};
	struct lb_svc_state overlap = {.base = {100, 0}, .size = {251, 0}};
	struct lb_svc_state outside = {.base = {900, 0}, .size = {251, 0}};

	xdp_pool_init(&p, 1000);
	ck_assert_int_eq(xdp_pool_add_state(&p, &a), 0);
	ck_assert_int_eq(xdp_pool_add_state(&p, &overlap), -EUCLEAN);
	ck_assert_int_eq(xdp_pool_add_state(&p, &outside), -EUCLEAN);
	ck_assert_uint_eq(p.taken, 251);
	xdp_pool_free_all(&p);
}
END_TEST

START_TEST(the_spare_extent_is_reused_or_replaced)
{
	struct xdp_pool p;
	struct lb_svc_state st = {
	    .ring_slot = 0, .base = {0, 251}, .size = {251, 251}};
	uint32_t base = 0;

	xdp_pool_init(&p, 2000);
	ck_assert_int_eq(xdp_pool_add_state(&p, &st), 0);
	/* Same size: the spare's own extent, rewritten in place. */
	ck_assert_int_eq(xdp_pool_spare(&p, &st, 251, &base), 0);
	ck_assert_uint_eq(base, 251);
	ck_assert_uint_eq(p.taken, 502);
	/* A new size: the spare's extent is given back, a new one taken. */
	ck_assert_int_eq(xdp_pool_spare(&p, &st, 307, &base), 0);
	ck_assert_uint_eq(base, 251);
	ck_assert_uint_eq(p.taken, 251 + 307);
	/* Never the active ring's extent, even if the spare claims it. */
	st = (struct lb_svc_state){
	    .ring_slot = 0, .base = {1000, 1000}, .size = {251, 251}};
	xdp_pool_free_all(&p);
	xdp_pool_init(&p, 2000);
	ck_assert_int_eq(xdp_pool_add_state(&p, &st), -EUCLEAN);
	ck_assert_int_eq(xdp_pool_spare(&p, &st, 251, &base), 0);
	ck_assert_uint_ne(base, 1000);
	xdp_pool_free_all(&p);
	/* Nor an extent overlapping it in part (the spare is recorded). */
	st = (struct lb_svc_state){
	    .ring_slot = 1, .base = {1000, 1100}, .size = {251, 251}};
	xdp_pool_init(&p, 2000);
	ck_assert_int_eq(xdp_pool_add_state(&p, &st), -EUCLEAN);
	ck_assert_int_eq(xdp_pool_spare(&p, &st, 251, &base), 0);
	ck_assert_uint_eq(base, 0);
	xdp_pool_free_all(&p);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("xdp_rings");
	TCase *tc = tcase_create("pool");

	tcase_add_test(tc, rebuilt_from_states);
	tcase_add_test(tc, corrupt_states_are_not_recorded);
	tcase_add_test(tc, the_spare_extent_is_reused_or_replaced);
	suite_add_tcase(s, tc);
	return s;
}
