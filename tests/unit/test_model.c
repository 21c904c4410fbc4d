// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "reconcile/model.h"
#include "tests/lib/check_main.h"

static struct lb_addr addr(const char *s)
{
	struct lb_addr a;

	ck_assert_int_eq(lb_addr_parse(s, &a), 0);
	return a;
}

static struct rc_svc_key key(const char *a, uint16_t port, uint8_t proto)
{
	struct rc_svc_key k;
	struct lb_addr la = addr(a);

	rc_svc_key_init(&k, &la, port, proto, 0);
	return k;
}

START_TEST(key_init_zeroes_padding)
{
	struct rc_svc_key k1, k2;
	struct lb_addr a = addr("192.0.2.1");

	/* Garbage in the padding of the input and of the key itself. */
	memset(&k1, 0xa5, sizeof(k1));
	memset(&k2, 0x5a, sizeof(k2));
	a.pad[0] = 0xff;
	rc_svc_key_init(&k1, &a, 80, 6, 0);
	a.pad[1] = 0x11;
	rc_svc_key_init(&k2, &a, 80, 6, 0);
	ck_assert_int_eq(memcmp(&k1, &k2, sizeof(k1)), 0);
	ck_assert_int_eq(k1.pad, 0);
	ck_assert_int_eq(k1.addr.pad[0], 0);
	ck_assert_int_eq(rc_svc_key_cmp(&k1, &k2), 0);
}
END_TEST

START_TEST(fwmark_key_ignores_address)
{
	struct rc_svc_key k1, k2;
	struct lb_addr a = addr("2001:db8::1"), b = addr("2001:db8::2");

	rc_svc_key_init(&k1, &a, 80, 6, 7);
	rc_svc_key_init(&k2, &b, 0, 0, 7);
	ck_assert_int_eq(memcmp(&k1, &k2, sizeof(k1)), 0);
	ck_assert_int_eq(k1.addr.family, AF_INET6);
	ck_assert(lb_addr_is_zero(&k1.addr));
	ck_assert_int_eq(k1.port, 0);
}
END_TEST

START_TEST(key_order)
{
	struct rc_svc_key a = key("10.0.0.1", 80, 6),
			  b = key("10.0.0.1", 443, 6),
			  c = key("10.0.0.1", 80, 17),
			  d = key("10.0.0.2", 1, 6), e = key("::1", 1, 6);

	ck_assert_int_lt(rc_svc_key_cmp(&a, &b), 0);
	ck_assert_int_lt(rc_svc_key_cmp(&a, &c), 0);
	ck_assert_int_lt(rc_svc_key_cmp(&b, &d), 0);
	ck_assert_int_lt(rc_svc_key_cmp(&d, &e),
			 0); /* AF_INET before AF_INET6 */
	ck_assert_int_gt(rc_svc_key_cmp(&e, &a), 0);
}
END_TEST

static void build(struct rc_state *s)
{
	static const char *const vips[] = {"10.0.0.3", "10.0.0.1",
					   "2001:db8::1", "10.0.0.2"};
	static const char *const rips[] = {"10.1.0.9", "10.1.0.1", "10.1.0.5"};

	rc_state_init(s);
	for (size_t i = 0; i < 4; i++) {
		struct rc_svc_key k = key(vips[i], 80, 6);
		struct rc_service *svc = rc_state_add_service(s, &k);

		ck_assert_ptr_nonnull(svc);
		snprintf(svc->sched, sizeof(svc->sched), "wrr");
		for (size_t j = 0; j < 3; j++) {
			struct lb_addr ra = addr(rips[j]);
			struct rc_real *r = rc_service_add_real(svc, &ra, 8080);

			ck_assert_ptr_nonnull(r);
			r->weight = (uint32_t)(10 * j);
		}
	}
}

START_TEST(sort_find_remove)
{
	struct rc_state s;
	struct rc_svc_key k = key("10.0.0.2", 80, 6),
			  missing = key("10.0.0.9", 80, 6);
	struct lb_addr r1 = addr("10.1.0.1"), r5 = addr("10.1.0.5");
	struct rc_service *svc;

	build(&s);
	ck_assert_int_eq(rc_state_sort(&s), 0);
	for (size_t i = 1; i < s.n; i++)
		ck_assert_int_lt(
		    rc_svc_key_cmp(&s.svcs[i - 1].key, &s.svcs[i].key), 0);
	svc = rc_state_find(&s, &k);
	ck_assert_ptr_nonnull(svc);
	ck_assert_ptr_eq(svc, &s.svcs[1]);
	ck_assert_ptr_null(rc_state_find(&s, &missing));
	ck_assert_ptr_eq(rc_service_find_real(svc, &r1, 8080), &svc->reals[0]);
	ck_assert_ptr_null(rc_service_find_real(svc, &r1, 80));
	ck_assert_uint_eq(rc_service_find_real(svc, &r5, 8080)->weight, 20);

	ck_assert(rc_service_remove_real(svc, &r5, 8080));
	ck_assert(!rc_service_remove_real(svc, &r5, 8080));
	ck_assert_uint_eq(svc->n_reals, 2);
	ck_assert_ptr_null(rc_service_find_real(svc, &r5, 8080));
	ck_assert_uint_eq(rc_state_count_reals(&s), 11);

	ck_assert(rc_state_remove_service(&s, &k));
	ck_assert(!rc_state_remove_service(&s, &k));
	ck_assert_uint_eq(s.n, 3);
	ck_assert_ptr_null(rc_state_find(&s, &k));
	ck_assert_uint_eq(rc_state_count_reals(&s), 9);
	rc_state_free(&s);
	rc_state_free(&s); /* idempotent */
	rc_state_free(NULL);
}
END_TEST

START_TEST(sort_detects_duplicates)
{
	struct rc_state s;
	struct rc_svc_key k = key("10.0.0.1", 80, 6);
	struct lb_addr ra = addr("10.1.0.1");

	build(&s);
	ck_assert_ptr_nonnull(rc_state_add_service(&s, &k));
	ck_assert_int_eq(rc_state_sort(&s), -EEXIST);
	rc_state_free(&s);

	build(&s);
	ck_assert_ptr_nonnull(rc_service_add_real(&s.svcs[2], &ra, 8080));
	ck_assert_int_eq(rc_state_sort(&s), -EEXIST);
	rc_state_free(&s);
}
END_TEST

START_TEST(copy_is_deep)
{
	struct rc_state s, c;

	build(&s);
	ck_assert_int_eq(rc_state_sort(&s), 0);
	rc_state_init(&c);
	ck_assert_int_eq(rc_state_copy(&c, &s), 0);
	ck_assert_uint_eq(c.n, s.n);
	ck_assert_ptr_ne(c.svcs[0].reals, s.svcs[0].reals);
	c.svcs[0].reals[0].weight = 999;
	ck_assert_uint_ne(s.svcs[0].reals[0].weight, 999);
	/* Copying over a non-empty destination releases what it held. */
	ck_assert_int_eq(rc_state_copy(&c, &s), 0);
	ck_assert_uint_eq(c.svcs[0].reals[0].weight, s.svcs[0].reals[0].weight);
	rc_state_free(&c);
	rc_state_free(&s);
}
END_TEST

START_TEST(formatting)
{
	char buf[96];
	struct rc_svc_key k = key("192.0.2.1", 80, 6),
			  k6 = key("2001:db8::1", 53, 17),
			  ks = key("192.0.2.1", 9, 132),
			  kp = key("192.0.2.1", 9, 47);
	struct lb_addr a6 = addr("::");
	struct rc_svc_key km;

	rc_svc_key_init(&km, &a6, 0, 0, 7);
	ck_assert_str_eq(rc_svc_key_fmt(&k, buf, sizeof(buf)),
			 "tcp 192.0.2.1:80");
	ck_assert_str_eq(rc_svc_key_fmt(&k6, buf, sizeof(buf)),
			 "udp [2001:db8::1]:53");
	ck_assert_str_eq(rc_svc_key_fmt(&ks, buf, sizeof(buf)),
			 "sctp 192.0.2.1:9");
	ck_assert_str_eq(rc_svc_key_fmt(&kp, buf, sizeof(buf)),
			 "proto-47 192.0.2.1:9");
	ck_assert_str_eq(rc_svc_key_fmt(&km, buf, sizeof(buf)),
			 "fwmark 7 (inet6)");
	ck_assert_str_eq(rc_fwd_name(RC_FWD_MASQ), "masq");
	ck_assert_str_eq(rc_fwd_name(RC_FWD_TUNNEL), "tunnel");
	ck_assert_str_eq(rc_fwd_name(77), "unknown");
	ck_assert_str_eq(rc_tunnel_name(RC_TUN_GUE), "gue");
}
END_TEST

START_TEST(attrs_equal_ignores_observed)
{
	struct rc_service a, b;
	struct rc_real x, y;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	snprintf(a.sched, sizeof(a.sched), "mh");
	snprintf(b.sched, sizeof(b.sched), "mh");
	snprintf(a.name, sizeof(a.name), "web");
	b.stats.conns = 5;
	b.owned = true;
	ck_assert(rc_service_attrs_equal(&a, &b));
	b.timeout = 1;
	ck_assert(!rc_service_attrs_equal(&a, &b));

	memset(&x, 0, sizeof(x));
	memset(&y, 0, sizeof(y));
	y.active_conns = 3;
	y.stats.bytes_in = 100;
	ck_assert(rc_real_attrs_equal(&x, &y));
	y.l_threshold = 1;
	ck_assert(!rc_real_attrs_equal(&x, &y));
	y.l_threshold = 0;
	y.tunnel_port = 1;
	ck_assert(!rc_real_attrs_equal(&x, &y));
}
END_TEST

/*
 * The lower bounds land on the match, between neighbours and at both ends,
 * for services, bare keys and reals alike.
 */
START_TEST(lower_bounds)
{
	struct rc_svc_key keys[3] = {key("10.0.0.1", 80, 6),
				     key("10.0.0.3", 80, 6),
				     key("10.0.0.5", 80, 6)};
	struct rc_svc_key lo = key("10.0.0.0", 80, 6),
			  mid = key("10.0.0.4", 80, 6),
			  hi = key("10.0.0.9", 80, 6);
	struct rc_service svcs[3] = {
	    {.key = keys[0]}, {.key = keys[1]}, {.key = keys[2]}};
	struct rc_real reals[3] = {{.addr = addr("10.1.0.1"), .port = 80},
				   {.addr = addr("10.1.0.1"), .port = 90},
				   {.addr = addr("10.1.0.2"), .port = 80}};
	struct lb_addr r1 = addr("10.1.0.1"), r0 = addr("10.1.0.0");

	ck_assert_uint_eq(rc_svc_lower_bound(NULL, 0, &mid), 0);
	ck_assert_uint_eq(rc_svc_key_lower_bound(NULL, 0, &mid), 0);
	ck_assert_uint_eq(rc_real_lower_bound(NULL, 0, &r1, 80), 0);
	for (size_t i = 0; i < 3; i++) {
		ck_assert_uint_eq(rc_svc_lower_bound(svcs, 3, &keys[i]), i);
		ck_assert_uint_eq(rc_svc_key_lower_bound(keys, 3, &keys[i]), i);
		ck_assert_uint_eq(rc_real_lower_bound(reals, 3, &reals[i].addr,
						      reals[i].port),
				  i);
	}
	ck_assert_uint_eq(rc_svc_lower_bound(svcs, 3, &lo), 0);
	ck_assert_uint_eq(rc_svc_lower_bound(svcs, 3, &mid), 2);
	ck_assert_uint_eq(rc_svc_lower_bound(svcs, 3, &hi), 3);
	ck_assert_uint_eq(rc_svc_key_lower_bound(keys, 3, &lo), 0);
	ck_assert_uint_eq(rc_svc_key_lower_bound(keys, 3, &mid), 2);
	ck_assert_uint_eq(rc_svc_key_lower_bound(keys, 3, &hi), 3);
	ck_assert_uint_eq(rc_real_lower_bound(reals, 3, &r0, 9999), 0);
	ck_assert_uint_eq(rc_real_lower_bound(reals, 3, &r1, 85), 1);
	ck_assert_uint_eq(rc_real_lower_bound(reals, 3, &r1, 9999), 2);
}
END_TEST

START_TEST(sorted_key_copy)
{
	struct rc_svc_key in[4] = {
	    key("10.0.0.3", 80, 6), key("10.0.0.1", 80, 6),
	    key("10.0.0.3", 80, 6), key("10.0.0.2", 80, 6)};
	struct rc_svc_key *out = (void *)1;

	ck_assert_int_eq(rc_svc_keys_sorted(in, 0, &out), 0);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(rc_svc_keys_sorted(in, 4, &out), 0);
	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_ne(out, in);
	for (size_t i = 1; i < 4; i++)
		ck_assert_int_le(rc_svc_key_cmp(&out[i - 1], &out[i]), 0);
	ck_assert_int_eq(rc_svc_key_cmp(&out[2], &out[3]), 0); /* kept */
	ck_assert_int_eq(rc_svc_key_cmp(&in[0], &out[3]), 0); /* input intact */
	free(out);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("model");
	TCase *tc = tcase_create("model");

	tcase_add_test(tc, key_init_zeroes_padding);
	tcase_add_test(tc, fwmark_key_ignores_address);
	tcase_add_test(tc, key_order);
	tcase_add_test(tc, sort_find_remove);
	tcase_add_test(tc, sort_detects_duplicates);
	tcase_add_test(tc, copy_is_deep);
	tcase_add_test(tc, formatting);
	tcase_add_test(tc, attrs_equal_ignores_observed);
	tcase_add_test(tc, lower_bounds);
	tcase_add_test(tc, sorted_key_copy);
	suite_add_tcase(s, tc);
	return s;
}
