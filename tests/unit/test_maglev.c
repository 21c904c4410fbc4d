// SPDX-License-Identifier: GPL-2.0-only
/* Properties of the weighted Maglev table, checked on many random cases. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/xdp/maglev.h"
#include "tests/lib/check_main.h"

static const uint32_t primes[] = { 251, 1021, 4093, 16381, 65537 };

/* Deterministic xorshift so a failure reproduces. */
static uint64_t rng_state = 0x1234567890abcdefull;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}

static void make_reals(struct dp_maglev_real *r, size_t n, int v6)
{
	for (size_t i = 0; i < n; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		if (v6) {
			r[i].addr.family = AF_INET6;
			r[i].addr.b[0] = 0xfd;
			r[i].addr.w[3] = htonl((uint32_t)i + 1);
		} else {
			r[i].addr.family = AF_INET;
			r[i].addr.w[0] = htonl(0x0a000000u + (uint32_t)i + 1);
		}
		r[i].port = 80;
		r[i].id = (uint32_t)i + 1;
		r[i].weight = 1;
	}
}

static void count(const uint32_t *t, uint32_t m, uint32_t *cnt, size_t n)
{
	memset(cnt, 0, (n + 1) * sizeof(*cnt));
	for (uint32_t i = 0; i < m; i++) {
		ck_assert_uint_le(t[i], n);
		cnt[t[i]]++;
	}
}

START_TEST(sizes)
{
	ck_assert(dp_maglev_size_ok(251));
	ck_assert(dp_maglev_size_ok(65537));
	ck_assert(dp_maglev_size_ok(655373));
	ck_assert(!dp_maglev_size_ok(250));
	ck_assert(!dp_maglev_size_ok(241));
	ck_assert(!dp_maglev_size_ok(65535));
	ck_assert(!dp_maglev_size_ok(655379));
	ck_assert(!dp_maglev_size_ok(1000));
}
END_TEST

START_TEST(rejects_bad_input)
{
	struct dp_maglev_real r[2];
	uint32_t t[251];

	make_reals(r, 2, 0);
	ck_assert_int_eq(dp_maglev_build(r, 2, 250, t), -EINVAL);
	r[1].id = 0;
	ck_assert_int_eq(dp_maglev_build(r, 2, 251, t), -EINVAL);
	make_reals(r, 2, 0);
	r[1].addr = r[0].addr;
	ck_assert_int_eq(dp_maglev_build(r, 2, 251, t), -EINVAL);
}
END_TEST

/* Every real within +-2 of m*w/W; weight 0 never present; only known ids. */
START_TEST(weighted_distribution)
{
	for (int c = 0; c < 300; c++) {
		uint32_t m = primes[rnd() % 4];
		size_t n = 1 + rnd() % 120;
		struct dp_maglev_real *r = calloc(n, sizeof(*r));
		uint32_t *t = calloc(m, sizeof(*t));
		uint32_t *cnt = calloc(n + 1, sizeof(*cnt));
		uint64_t total = 0;

		make_reals(r, n, c & 1);
		for (size_t i = 0; i < n; i++) {
			/* Mix of zeros, small and very skewed weights. */
			uint32_t k = rnd() % 10;

			r[i].weight = k == 0 ? 0 : k < 8 ? 1 + rnd() % 100 : 1 + rnd() % 100000;
			total += r[i].weight;
		}
		ck_assert_int_eq(dp_maglev_build(r, n, m, t), 0);
		count(t, m, cnt, n);
		if (!total) {
			ck_assert_uint_eq(cnt[0], m);
		} else {
			ck_assert_uint_eq(cnt[0], 0);
			for (size_t i = 0; i < n; i++) {
				double want = (double)m * r[i].weight / (double)total;
				double got = cnt[r[i].id];

				if (!r[i].weight)
					ck_assert_uint_eq(cnt[r[i].id], 0);
				ck_assert_msg(got >= want - 2 && got <= want + 2,
					      "case %d real %zu: %.0f entries, want %.2f", c,
					      i, got, want);
			}
		}
		free(cnt);
		free(t);
		free(r);
	}
}
END_TEST

START_TEST(order_independent)
{
	for (int c = 0; c < 100; c++) {
		uint32_t m = primes[rnd() % 5];
		size_t n = 2 + rnd() % 300;
		struct dp_maglev_real *r = calloc(n, sizeof(*r));
		uint32_t *a = calloc(m, sizeof(*a)), *b = calloc(m, sizeof(*b));

		make_reals(r, n, c & 1);
		for (size_t i = 0; i < n; i++)
			r[i].weight = rnd() % 50;
		ck_assert_int_eq(dp_maglev_build(r, n, m, a), 0);
		for (size_t i = n - 1; i > 0; i--) { /* Fisher-Yates */
			size_t j = rnd() % (i + 1);
			struct dp_maglev_real tmp = r[i];

			r[i] = r[j];
			r[j] = tmp;
		}
		ck_assert_int_eq(dp_maglev_build(r, n, m, b), 0);
		ck_assert_mem_eq(a, b, m * sizeof(*a));
		free(a);
		free(b);
		free(r);
	}
}
END_TEST

START_TEST(equal_weights_balanced)
{
	for (int c = 0; c < 100; c++) {
		uint32_t m = primes[rnd() % 5];
		size_t n = 1 + rnd() % (m / 4 < 1000 ? m / 4 : 1000);
		struct dp_maglev_real *r = calloc(n, sizeof(*r));
		uint32_t *t = calloc(m, sizeof(*t));
		uint32_t *cnt = calloc(n + 1, sizeof(*cnt));
		uint32_t w = 1 + rnd() % 1000, lo = UINT32_MAX, hi = 0;

		make_reals(r, n, c & 1);
		for (size_t i = 0; i < n; i++)
			r[i].weight = w;
		ck_assert_int_eq(dp_maglev_build(r, n, m, t), 0);
		count(t, m, cnt, n);
		for (size_t i = 1; i <= n; i++) {
			lo = cnt[i] < lo ? cnt[i] : lo;
			hi = cnt[i] > hi ? cnt[i] : hi;
		}
		ck_assert_uint_le(hi - lo, 1);
		free(cnt);
		free(t);
		free(r);
	}
}
END_TEST

/*
 * Removing 1 of 1000 equal reals: on average at most 0.75 % of the 65537
 * entries change (the removed real's own 0.1 % included), never above 1 %.
 */
START_TEST(disruption)
{
	const uint32_t m = 65537;
	const size_t n = 1000;
	const int cases = 30;
	struct dp_maglev_real *r = calloc(n, sizeof(*r));
	uint32_t *a = calloc(m, sizeof(*a)), *b = calloc(m, sizeof(*b));
	double worst = 0, sum = 0;

	make_reals(r, n, 0);
	ck_assert_int_eq(dp_maglev_build(r, n, m, a), 0);
	for (int c = 0; c < cases; c++) {
		size_t gone = rnd() % n;
		struct dp_maglev_real saved = r[gone];
		uint32_t changed = 0, own = 0;

		r[gone] = r[n - 1];
		ck_assert_int_eq(dp_maglev_build(r, n - 1, m, b), 0);
		r[n - 1] = r[gone];
		r[gone] = saved;
		for (uint32_t i = 0; i < m; i++) {
			changed += a[i] != b[i];
			own += a[i] == saved.id;
			/* Entries of the removed real all move; no one else's
			 * entry moves to a real that was not there before. */
			ck_assert(a[i] != saved.id || b[i] != saved.id);
		}
		ck_assert_uint_ge(changed, own);
		sum += (double)changed / m;
		if ((double)changed / m > worst)
			worst = (double)changed / m;
	}
	ck_assert_msg(sum / cases <= 0.0075, "mean disruption %.3f %%",
		      100 * sum / cases);
	ck_assert_msg(worst <= 0.01, "worst disruption %.3f %%", worst * 100);
	free(a);
	free(b);
	free(r);
}
END_TEST

START_TEST(largest_ring)
{
	const uint32_t m = DP_MAGLEV_MAX_SIZE;
	struct dp_maglev_real r[3];
	uint32_t *t = calloc(m, sizeof(*t)), cnt[4];

	make_reals(r, 3, 1);
	r[0].weight = 1;
	r[1].weight = 2;
	r[2].weight = 0;
	ck_assert_int_eq(dp_maglev_build(r, 3, m, t), 0);
	count(t, m, cnt, 3);
	ck_assert_uint_eq(cnt[0], 0);
	ck_assert_uint_eq(cnt[3], 0);
	ck_assert_int_le(abs((int)cnt[1] - (int)(m / 3)), 1);
	free(t);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("maglev");
	TCase *tc = tcase_create("maglev");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, sizes);
	tcase_add_test(tc, rejects_bad_input);
	tcase_add_test(tc, weighted_distribution);
	tcase_add_test(tc, order_independent);
	tcase_add_test(tc, equal_weights_balanced);
	tcase_add_test(tc, disruption);
	tcase_add_test(tc, largest_ring);
	suite_add_tcase(s, tc);
	return s;
}
