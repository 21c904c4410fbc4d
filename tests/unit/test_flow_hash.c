// SPDX-License-Identifier: GPL-2.0-only
/*
 * The flow table's hashing contract, shared by the BPF program and
 * userspace (lb_hash.h): the set index and the ring position come from the
 * high half of the 64-bit flow hash, the fingerprint from the low half, and
 * sets are sized for the requested flows.
 */
#include <stdlib.h>
#include <string.h>

#include "dataplane/xdp/bpf/lb_hash.h"
#include "dataplane/xdp/xdp_maps.h"
#include "tests/lib/check_main.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static struct lb_flow_key random_key(void)
{
	struct lb_flow_key k;

	memset(&k, 0, sizeof(k));
	k.family = rnd() & 1 ? LB_AF_INET : LB_AF_INET6;
	for (int i = 0; i < (k.family == LB_AF_INET ? 1 : 4); i++) {
		k.src[i] = rnd();
		k.dst[i] = rnd();
	}
	k.sport = (uint16_t)rnd();
	k.dport = (uint16_t)rnd();
	k.proto = rnd() & 1 ? 6 : 17;
	return k;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* The ring and the flow set see the same hash; the fingerprint is never 0. */
START_TEST(halves)
{
	for (int i = 0; i < 100000; i++) {
		struct lb_flow_key k = random_key();
		uint64_t h = lb_hash_flow64(&k);

		ck_assert_uint_eq((uint32_t)(h >> 32), lb_hash_flow(&k, 0));
		ck_assert_uint_ne(lb_flow_fp(h), 0);
	}
}
END_TEST

/*
 * Flows that share a set differ in fingerprint about as often as 31 random
 * bits do: among 200,000 flows in 64 sets (~3,100 a set, ~4.9 million pairs
 * in one set) no two may share set and fingerprint (expected 0.002).
 */
START_TEST(fingerprints_distinct_within_a_set)
{
	enum { N = 200000, SETS = 64 };
	uint64_t *v = calloc(N, sizeof(*v));

	ck_assert_ptr_nonnull(v);
	for (int i = 0; i < N; i++) {
		struct lb_flow_key k = random_key();
		uint64_t h;

		k.src[3] = (uint32_t)i; /* distinct tuples */
		h = lb_hash_flow64(&k);
		v[i] = (uint64_t)lb_flow_set_of(h, SETS) << 32 |
		       lb_flow_fp(h);
	}
	qsort(v, N, sizeof(*v), cmp_u64);
	for (int i = 1; i < N; i++)
		ck_assert_uint_ne(v[i - 1], v[i]);
	free(v);
}
END_TEST

/* Sequential tuples spread evenly over the sets. */
START_TEST(sets_even)
{
	enum { SETS = 1000, PER = 600 };
	uint32_t *cnt = calloc(SETS, sizeof(*cnt)), lo = UINT32_MAX, hi = 0;
	struct lb_flow_key k;

	ck_assert_ptr_nonnull(cnt);
	memset(&k, 0, sizeof(k));
	k.family = LB_AF_INET;
	k.proto = 6;
	k.dst[0] = 0x0a640001;
	k.dport = 80;
	for (uint32_t i = 0; i < SETS * PER; i++) {
		k.src[0] = 0xc0000200 + i / 60000;
		k.sport = (uint16_t)(1024 + i % 60000);
		cnt[lb_hash_reduce(lb_hash_flow(&k, 0), SETS)]++;
	}
	for (int i = 0; i < SETS; i++) {
		lo = cnt[i] < lo ? cnt[i] : lo;
		hi = cnt[i] > hi ? cnt[i] : hi;
	}
	/* Poisson(600): 6 standard deviations either way. */
	ck_assert_uint_ge(lo, PER - 150);
	ck_assert_uint_le(hi, PER + 150);
	free(cnt);
}
END_TEST

START_TEST(set_count)
{
	ck_assert_uint_eq(dp_xdp_flow_sets(0), 1);
	ck_assert_uint_eq(dp_xdp_flow_sets(1), 1);
	ck_assert_uint_eq(dp_xdp_flow_sets(LB_FLOW_WAYS), 1);
	ck_assert_uint_eq(dp_xdp_flow_sets(LB_FLOW_WAYS + 1), 2);
	ck_assert_uint_eq(dp_xdp_flow_sets(262144), 43691);
	ck_assert_uint_ge((uint64_t)dp_xdp_flow_sets(67108864) * LB_FLOW_WAYS, 67108864);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("flow_hash");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, halves);
	tcase_add_test(tc, fingerprints_distinct_within_a_set);
	tcase_add_test(tc, sets_even);
	tcase_add_test(tc, set_count);
	suite_add_tcase(s, tc);
	return s;
}
