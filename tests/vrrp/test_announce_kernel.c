// SPDX-License-Identifier: GPL-2.0-only
/*
 * The announcer (vrrp/announce.h) against a real kernel. Every test runs in
 * Check's forked child, moved into a network namespace of its own
 * (unshare), so no route outlives it. What the kernel holds is read with
 * `ip`, independently of the announcer's own dump. Needs root
 * (tests/vrrp/run.sh skips otherwise).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/lib/check_main.h"
#include "tests/lib/netns.h"
#include "vrrp/announce.h"

#define VIP4 "198.51.100.10"
#define VIP6 "2001:db8::10"

/* Lines `ip ARGS` prints (one route a line with -o). */
static int ip_lines(const char *fmt, ...)
{
	char cmd[1024], line[512];
	va_list ap;
	FILE *p;
	int n = 0;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	while (fgets(line, sizeof(line), p))
		n++;
	ck_assert_int_eq(pclose(p), 0);
	return n;
}

static struct va *open_va(uint8_t proto)
{
	struct va_opts o = {.protocol = proto, .table = VA_TABLE_MAIN};
	struct va *va = NULL;
	char why[256];

	ck_assert_msg(va_new(&o, &va, why, sizeof(why)) == 0, "va_new: %s",
		      why);
	return va;
}

static struct lb_addr addr(const char *s)
{
	struct lb_addr a;

	ck_assert_int_eq(lb_addr_parse(s, &a), 0);
	return a;
}

static void sync1(struct va *va, const char *vip, bool want,
		  struct va_changes *ch)
{
	struct lb_addr a = addr(vip);
	struct va_result res;
	char why[256];
	int err = va_sync(va, &a, &want, NULL, 1, &res, ch, why, sizeof(why));

	ck_assert_msg(err == 0, "va_sync: %s", why);
	ck_assert_int_eq(res.announced, want);
	ck_assert_int_eq(res.err, 0);
}

#define OURS4 "ip -o -4 route show table main proto 200 " VIP4 "/32"
#define OURS6 "ip -o -6 route show table main proto 200 " VIP6 "/128"

/* A wanted VIP gets exactly `VIP/32 dev lo proto 200 metric 0`; unwanted, none.
 */
START_TEST(add_and_remove)
{
	struct va *va;
	struct va_changes ch;

	t_own_netns();
	va = open_va(200);
	sync1(va, VIP4, true, &ch);
	ck_assert_uint_eq(ch.added, 1);
	ck_assert_int_eq(ip_lines(OURS4 " dev lo scope link"), 1);
	/* metric 0: no metric printed (ip omits 0) */
	ck_assert_int_eq(ip_lines(OURS4 " | grep -w metric || true"), 0);
	sync1(va, VIP4, false, &ch);
	ck_assert_uint_eq(ch.deleted, 1);
	ck_assert_int_eq(ip_lines(OURS4), 0);
	va_free(va);
}
END_TEST

/* Converging twice changes nothing the second time. */
START_TEST(idempotent)
{
	struct va *va;
	struct va_changes ch;

	t_own_netns();
	va = open_va(200);
	sync1(va, VIP4, true, &ch);
	sync1(va, VIP4, true, &ch);
	ck_assert_uint_eq(ch.added + ch.deleted + ch.stale, 0);
	ck_assert_int_eq(ip_lines(OURS4), 1);
	sync1(va, VIP4, false, &ch);
	sync1(va, VIP4, false, &ch);
	ck_assert_uint_eq(ch.added + ch.deleted + ch.stale, 0);
	ck_assert_int_eq(ip_lines(OURS4), 0);
	va_free(va);
}
END_TEST

/*
 * Ours that should not be there go: a VIP no longer in the list (left by a
 * crash, dropped from the config), and our route for a wanted VIP with
 * another metric (it would become another MED), replaced by the right one.
 */
START_TEST(stale_routes_deleted)
{
	struct va *va;
	struct va_changes ch;

	t_own_netns();
	t_sh("ip route add 198.51.100.99/32 dev lo proto 200");
	t_sh("ip route add " VIP4 "/32 dev lo proto 200 metric 7");
	va = open_va(200);
	sync1(va, VIP4, true, &ch);
	ck_assert_uint_eq(ch.stale, 1);
	ck_assert_uint_eq(ch.deleted, 1);
	ck_assert_uint_eq(ch.added, 1);
	ck_assert_int_eq(ip_lines("ip -o route show proto 200"), 1);
	ck_assert_int_eq(ip_lines(OURS4 " | grep -w metric || true"), 0);
	va_free(va);
}
END_TEST

/*
 * Routes of other protocols, and ours in another table, are never touched:
 * not a `static` route for the same prefix, device and metric (ours is
 * added beside it), not a `boot` one for another address, not protocol 200
 * in table 100; neither when converging nor when withdrawing everything.
 */
START_TEST(other_protocols_untouched)
{
	struct va *va;
	struct va_changes ch;
	char why[256];

	t_own_netns();
	t_sh("ip route add " VIP4 "/32 dev lo proto static");
	t_sh("ip route add 198.51.100.11/32 dev lo proto boot");
	t_sh("ip route add 198.51.100.12/32 dev lo proto 200 table 100");
	va = open_va(200);
	sync1(va, VIP4, true, &ch);
	ck_assert_uint_eq(ch.stale + ch.deleted, 0);
	ck_assert_int_eq(ip_lines(OURS4), 1);
	ck_assert_int_eq(ip_lines("ip -o route show proto static " VIP4), 1);
	ck_assert_int_eq(va_withdraw_all(va, &ch, why, sizeof(why)), 0);
	ck_assert_uint_eq(ch.stale, 1);
	ck_assert_int_eq(ip_lines(OURS4), 0);
	ck_assert_int_eq(ip_lines("ip -o route show proto static " VIP4), 1);
	ck_assert_int_eq(ip_lines("ip -o route show proto boot"), 1);
	ck_assert_int_eq(ip_lines("ip -o route show table 100"), 1);
	va_free(va);
}
END_TEST

/* IPv6 /128 the same way, beside IPv4, and a stale IPv6 route of ours goes. */
START_TEST(ipv6)
{
	struct lb_addr v[2] = {addr(VIP4), addr(VIP6)};
	bool want[2] = {true, true};
	struct va_result res[2];
	struct va_changes ch;
	struct lb_addr *list;
	struct va *va;
	char why[256];
	size_t n;

	t_own_netns();
	t_sh("ip -6 route add 2001:db8::99/128 dev lo proto 200");
	va = open_va(200);
	ck_assert_msg(
	    va_sync(va, v, want, NULL, 2, res, &ch, why, sizeof(why)) == 0,
	    "%s", why);
	ck_assert_uint_eq(ch.added, 2);
	ck_assert_uint_eq(ch.stale, 1);
	ck_assert_int_eq(ip_lines(OURS6 " dev lo"), 1);
	/* the kernel keeps IPv6 metric 0 as 1024: still ours as wanted */
	ck_assert_msg(
	    va_sync(va, v, want, NULL, 2, res, &ch, why, sizeof(why)) == 0,
	    "%s", why);
	ck_assert_uint_eq(ch.added + ch.deleted + ch.stale, 0);
	/* an IPv6 route of another protocol with our device and metric */
	t_sh(
	    "ip -6 route add 2001:db8::11/128 dev lo proto static metric 1024");
	{
		struct lb_addr o = addr("2001:db8::11");
		bool w = true;
		struct va_result r;

		ck_assert_int_eq(
		    va_sync(va, &o, &w, NULL, 1, &r, &ch, why, sizeof(why)),
		    -EEXIST);
		ck_assert(!r.announced);
		ck_assert_msg(strstr(r.error,
				     "cannot add route 2001:db8::11/128 "
				     "dev lo proto 200 table 254: ") &&
				  strstr(r.error, strerror(EEXIST)),
			      "%s", r.error);
		ck_assert_int_eq(
		    ip_lines("ip -o -6 route show proto static 2001:db8::11"),
		    1);
		/* that sync listed only ::11: ours for the others went */
		ck_assert_uint_eq(ch.stale, 2);
	}
	ck_assert_msg(
	    va_sync(va, v, want, NULL, 2, res, &ch, why, sizeof(why)) == 0,
	    "%s", why);
	ck_assert_int_eq(ip_lines("ip -o -6 route show proto 200"), 1);
	ck_assert_int_eq(va_read(va, &list, &n, why, sizeof(why)), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(lb_addr_cmp(&list[0], &v[0]), 0);
	ck_assert_int_eq(lb_addr_cmp(&list[1], &v[1]), 0);
	free(list);
	want[1] = false;
	ck_assert_int_eq(
	    va_sync(va, v, want, NULL, 2, res, &ch, why, sizeof(why)), 0);
	ck_assert(res[0].announced && !res[1].announced);
	ck_assert_int_eq(ip_lines(OURS6), 0);
	ck_assert_int_eq(ip_lines(OURS4), 1);
	va_free(va);
}
END_TEST

/*
 * A hold keeps what the kernel has: an inherited route stays, of the wrong
 * metric it is put right, and a VIP with none gets none.
 */
START_TEST(hold_keeps_what_is_there)
{
	struct lb_addr v[2] = {addr(VIP4), addr("198.51.100.11")};
	bool want[2] = {false, false}, hold[2] = {true, true};
	struct va_result res[2];
	struct va_changes ch;
	struct va *va;
	char why[256];

	t_own_netns();
	t_sh("ip route add " VIP4 "/32 dev lo proto 200");
	va = open_va(200);
	ck_assert_msg(
	    va_sync(va, v, want, hold, 2, res, &ch, why, sizeof(why)) == 0,
	    "%s", why);
	ck_assert_uint_eq(ch.added + ch.deleted + ch.stale, 0);
	ck_assert(res[0].found && res[0].announced);
	ck_assert(!res[1].found && !res[1].announced);
	ck_assert_int_eq(ip_lines(OURS4), 1);
	ck_assert_int_eq(ip_lines("ip -o route show proto 200"), 1);
	/* the hold ends with a no: withdrawn */
	hold[0] = false;
	ck_assert_int_eq(
	    va_sync(va, v, want, hold, 2, res, &ch, why, sizeof(why)), 0);
	ck_assert_uint_eq(ch.deleted, 1);
	ck_assert_int_eq(ip_lines(OURS4), 0);
	/* held with another metric: converged to ours as wanted */
	t_sh("ip route add " VIP4 "/32 dev lo proto 200 metric 5");
	hold[0] = true;
	ck_assert_int_eq(
	    va_sync(va, v, want, hold, 2, res, &ch, why, sizeof(why)), 0);
	ck_assert_uint_eq(ch.deleted, 1);
	ck_assert_uint_eq(ch.added, 1);
	ck_assert(res[0].announced);
	ck_assert_int_eq(ip_lines(OURS4 " | grep -w metric || true"), 0);
	ck_assert_int_eq(ip_lines(OURS4), 1);
	va_free(va);
}
END_TEST

/* A failed add names the route, the errno's text and the kernel's words. */
START_TEST(error_names_route)
{
	struct lb_addr a = addr(VIP4);
	bool want = true;
	struct va_result res;
	struct va *va;
	char why[256];
	int err;

	t_own_netns();
	t_sh("ip link set lo down");
	va = open_va(200);
	err = va_sync(va, &a, &want, NULL, 1, &res, NULL, why, sizeof(why));
	ck_assert_int_eq(err, -ENETDOWN);
	ck_assert_int_eq(res.err, -ENETDOWN);
	ck_assert(!res.announced);
	ck_assert_msg(strstr(res.error, "cannot add route " VIP4
					"/32 dev lo proto 200 table 254: ") &&
			  strstr(res.error, strerror(ENETDOWN)) &&
			  strstr(res.error, "(kernel: "),
		      "error \"%s\"", res.error);
	ck_assert_str_eq(why, res.error);
	va_free(va);
}
END_TEST

/* A new protocol number: the old one's routes are withdrawn first. */
START_TEST(reconfigure_protocol)
{
	struct va_opts o = {.protocol = 201, .table = VA_TABLE_MAIN};
	struct va_changes ch;
	struct va *va;
	char why[256];

	t_own_netns();
	va = open_va(200);
	sync1(va, VIP4, true, &ch);
	ck_assert_int_eq(va_reconfigure(va, &o, &ch, why, sizeof(why)), 0);
	ck_assert_uint_eq(ch.stale, 1);
	ck_assert_int_eq(ip_lines(OURS4), 0);
	sync1(va, VIP4, true, &ch);
	ck_assert_int_eq(ip_lines("ip -o route show proto 201 " VIP4), 1);
	o.protocol = 0;
	ck_assert_int_eq(va_reconfigure(va, &o, &ch, why, sizeof(why)),
			 -EINVAL);
	va_free(va);
}
END_TEST

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/*
 * 1,000 VIPs: added in one sync, a second sync changes nothing, withdrawn
 * in one. Prints what each took (Docs/SCALE.md quotes it).
 */
START_TEST(many_vips)
{
	enum { N = 1000 };
	struct lb_addr *v = calloc(N, sizeof(*v));
	struct va_result *res = calloc(N, sizeof(*res));
	bool *want = calloc(N, sizeof(*want));
	struct va_changes ch;
	struct va *va;
	char why[256], a[32];
	double t0, t1, t2, t3;

	ck_assert(v && res && want);
	t_own_netns();
	va = open_va(200);
	for (int i = 0; i < N; i++) {
		snprintf(a, sizeof(a), "198.18.%d.%d", i / 250, 1 + i % 250);
		v[i] = addr(a);
		want[i] = true;
	}
	t0 = now_ms();
	ck_assert_msg(
	    va_sync(va, v, want, NULL, N, res, &ch, why, sizeof(why)) == 0,
	    "%s", why);
	t1 = now_ms();
	ck_assert_uint_eq(ch.added, N);
	ck_assert_msg(
	    va_sync(va, v, want, NULL, N, res, &ch, why, sizeof(why)) == 0,
	    "%s", why);
	t2 = now_ms();
	ck_assert_uint_eq(ch.added + ch.deleted + ch.stale, 0);
	ck_assert_int_eq(ip_lines("ip -o route show proto 200"), N);
	ck_assert_int_eq(va_withdraw_all(va, &ch, why, sizeof(why)), 0);
	t3 = now_ms();
	ck_assert_uint_eq(ch.stale, N);
	printf("MEASURE: %d VIPs: add all %.1f ms, converged no-op %.1f ms, "
	       "withdraw all %.1f ms\n",
	       N, t1 - t0, t2 - t1, t3 - t2);
	va_free(va);
	free(v);
	free(res);
	free(want);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("announce_kernel");
	TCase *tc = tcase_create("kernel");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, add_and_remove);
	tcase_add_test(tc, idempotent);
	tcase_add_test(tc, stale_routes_deleted);
	tcase_add_test(tc, other_protocols_untouched);
	tcase_add_test(tc, ipv6);
	tcase_add_test(tc, hold_keeps_what_is_there);
	tcase_add_test(tc, error_names_route);
	tcase_add_test(tc, reconfigure_protocol);
	tcase_add_test(tc, many_vips);
	suite_add_tcase(s, tc);
	return s;
}
