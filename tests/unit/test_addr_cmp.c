// SPDX-License-Identifier: GPL-2.0-only
/*
 * lb_addr_cmp() orders addresses by family, then their bytes as memcmp()
 * would: states sorted by it must stay sorted the way they always were
 * (read-back, diff and the XDP driver's sorted reals rely on one order).
 */
#include "tests/lib/check_main.h"

#include <stdlib.h>
#include <string.h>

#include "lib/addr.h"

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

/* Random addresses that often share a prefix, so every word is compared. */
static void random_addr(struct lb_addr *a, unsigned int *seed)
{
	memset(a, 0, sizeof(*a));
	a->family = rand_r(seed) % 4 ? 10 : 2;
	for (size_t i = 0; i < sizeof(a->b); i++)
		a->b[i] = (uint8_t)(rand_r(seed) % 3 ? (int)i : rand_r(seed));
}

START_TEST(order_of_memcmp)
{
	unsigned int seed = 7;

	for (int n = 0; n < 100000; n++) {
		struct lb_addr a, b;
		int want;

		random_addr(&a, &seed);
		random_addr(&b, &seed);
		if (n % 5 == 0)
			b = a; /* equal ones too */
		if (n % 7 == 0) {
			b = a; /* and one byte apart, anywhere */
			b.b[rand_r(&seed) % 16] ^=
			    (uint8_t)(1 + rand_r(&seed) % 255);
		}
		want = a.family != b.family ? (a.family < b.family ? -1 : 1)
					    : sign(memcmp(a.b, b.b, 16));
		ck_assert_int_eq(sign(lb_addr_cmp(&a, &b)), want);
		ck_assert_int_eq(sign(lb_addr_cmp(&b, &a)), -want);
	}
}
END_TEST

START_TEST(bytes_in_network_order)
{
	struct lb_addr a, b;

	ck_assert_int_eq(lb_addr_parse("10.0.0.255", &a), 0);
	ck_assert_int_eq(lb_addr_parse("10.0.1.0", &b), 0);
	ck_assert_int_lt(lb_addr_cmp(&a, &b), 0);
	ck_assert_int_eq(lb_addr_parse("2001:db8::ff", &a), 0);
	ck_assert_int_eq(lb_addr_parse("2001:db8::1:0", &b), 0);
	ck_assert_int_lt(lb_addr_cmp(&a, &b), 0);
	ck_assert_int_eq(lb_addr_parse("255.255.255.255", &a), 0);
	ck_assert_int_eq(lb_addr_parse("::", &b), 0);
	ck_assert_int_lt(lb_addr_cmp(&a, &b), 0); /* family first */
	ck_assert_int_eq(lb_addr_cmp(&b, &b), 0);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("addr_cmp");
	TCase *tc = tcase_create("addr_cmp");

	tcase_add_test(tc, order_of_memcmp);
	tcase_add_test(tc, bytes_in_network_order);
	suite_add_tcase(s, tc);
	return s;
}
