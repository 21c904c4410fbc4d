// SPDX-License-Identifier: GPL-2.0-only
/* The XDP loader's sizing from the config and its limits (no kernel needed). */
#include <errno.h>
#include <string.h>

#include "dataplane/xdp/bpf/lb_shared.h"
#include "dataplane/xdp/loader.h"
#include "lib/ring_size.h"
#include "tests/lib/check_main.h"

static struct cfg_xdp defaults(void)
{
	struct cfg_xdp x;

	memset(&x, 0, sizeof(x));
	x.ring_size = 65537;
	x.ring_memory = 160;
	x.flow_table_size = 262144;
	x.max_services = 1024;
	x.max_reals = 65536;
	return x;
}

START_TEST(sizing_follows_config)
{
	struct cfg_xdp x = defaults();
	struct dp_xdp_sizing s;
	char why[320] = "";

	dp_xdp_sizing_from_cfg(&x, &s);
	ck_assert_uint_eq(s.ring_size, 65537);
	ck_assert_uint_eq(s.ring_entries, 160u << 17); /* 8 bytes an entry */
	ck_assert_uint_eq(s.flow_sets,
			  (262144 + LB_FLOW_WAYS - 1) / LB_FLOW_WAYS);
	ck_assert_uint_eq(s.svc_sets, 1024);
	ck_assert_uint_eq(s.max_services, 1024);
	ck_assert_uint_eq(s.max_reals, 65536);
	ck_assert_uint_eq(s.ct_entries, 262144);
	ck_assert_int_eq(dp_xdp_sizing_check(&s, why, sizeof(why)), 0);

	x.max_services = 1000; /* service sets: the next power of two */
	dp_xdp_sizing_from_cfg(&x, &s);
	ck_assert_uint_eq(s.svc_sets, 1024);
}
END_TEST

START_TEST(the_ring_pool_is_sized_by_ring_memory)
{
	struct cfg_xdp x = defaults();
	struct dp_xdp_sizing s;
	char why[320] = "";

	/* The pool does not grow with the services: 8192 fit in 160 MiB. */
	x.max_services = 8192;
	dp_xdp_sizing_from_cfg(&x, &s);
	ck_assert_uint_eq(s.ring_entries, 160u << 17);
	ck_assert_int_eq(dp_xdp_sizing_check(&s, why, sizeof(why)), 0);

	/* 1 MiB holds 131072 entries: not two rings of 65537. */
	x.ring_memory = 1;
	dp_xdp_sizing_from_cfg(&x, &s);
	ck_assert_int_eq(dp_xdp_sizing_check(&s, why, sizeof(why)), -E2BIG);
	ck_assert_ptr_nonnull(strstr(why, "dataplane.xdp.ring_memory"));
	ck_assert_ptr_nonnull(strstr(why, "dataplane.xdp.ring_size"));

	/* The same pool with a smaller largest ring fits. */
	x.ring_size = 4093;
	dp_xdp_sizing_from_cfg(&x, &s);
	ck_assert_int_eq(dp_xdp_sizing_check(&s, why, sizeof(why)), 0);
}
END_TEST

/* The loader holds sizes to the limits config validation uses. */
START_TEST(sizes_beyond_the_drivers_limits_are_refused)
{
	const struct cfg_driver_caps *caps = cfg_driver_caps(CFG_DRIVER_XDP);
	struct cfg_xdp x = defaults();
	struct dp_xdp_sizing s;
	char why[320] = "";

	x.ring_size = 65536;
	dp_xdp_sizing_from_cfg(&x, &s);
	ck_assert_int_eq(dp_xdp_sizing_check(&s, why, sizeof(why)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "dataplane.xdp.ring_size"));

	x = defaults();
	x.ring_size = LB_RING_MIN_SIZE;
	x.max_reals = caps->max_reals;
	dp_xdp_sizing_from_cfg(&x, &s);
	ck_assert_int_eq(dp_xdp_sizing_check(&s, why, sizeof(why)), 0);
	x.max_reals = caps->max_reals + 1;
	dp_xdp_sizing_from_cfg(&x, &s);
	ck_assert_int_eq(dp_xdp_sizing_check(&s, why, sizeof(why)), -E2BIG);
	ck_assert_ptr_nonnull(strstr(why, "max_reals"));

	x = defaults();
	x.ring_size = LB_RING_MIN_SIZE;
	x.max_services = caps->max_services + 1;
	dp_xdp_sizing_from_cfg(&x, &s);
	ck_assert_int_eq(dp_xdp_sizing_check(&s, why, sizeof(why)), -E2BIG);
	ck_assert_ptr_nonnull(strstr(why, "dataplane.xdp.max_services"));
}
END_TEST

START_TEST(layout_hash_is_stable)
{
	/* Same build, same hash: pinned maps of this build are adopted. */
	ck_assert_uint_eq(dp_xdp_layout_hash(), dp_xdp_layout_hash());
	ck_assert_uint_ne(dp_xdp_layout_hash(), 0);
	ck_assert_uint_eq(dp_xdp_prog_hash(), dp_xdp_prog_hash());
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("xdp_loader");
	TCase *tc = tcase_create("sizing");

	tcase_add_test(tc, sizing_follows_config);
	tcase_add_test(tc, the_ring_pool_is_sized_by_ring_memory);
	tcase_add_test(tc, sizes_beyond_the_drivers_limits_are_refused);
	tcase_add_test(tc, layout_hash_is_stable);
	suite_add_tcase(s, tc);
	return s;
}
