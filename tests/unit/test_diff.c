// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "dataplane/fake/fake.h"
#include "reconcile/diff.h"
#include "tests/lib/check_main.h"
#include "tests/lib/rc_testgen.h"

#define N_RANDOM 1000
#define SEED_BASE 0xba11a57u

static struct lb_addr addr(const char *s)
{
	struct lb_addr a;

	ck_assert_int_eq(lb_addr_parse(s, &a), 0);
	return a;
}

static struct rc_service *svc(struct rc_state *st, const char *vip,
			      uint16_t port, bool owned)
{
	struct lb_addr a = addr(vip);
	struct rc_svc_key k;
	struct rc_service *s;

	rc_svc_key_init(&k, &a, port, 6, 0);
	s = rc_state_add_service(st, &k);
	ck_assert_ptr_nonnull(s);
	snprintf(s->sched, sizeof(s->sched), "maglev");
	s->owned = owned;
	return s;
}

static struct rc_real *real(struct rc_service *s, const char *ip, uint32_t w)
{
	struct lb_addr a = addr(ip);
	struct rc_real *r = rc_service_add_real(s, &a, 80);

	ck_assert_ptr_nonnull(r);
	r->weight = w;
	return r;
}

static void diff_ok(const struct rc_state *d, const struct rc_state *a,
		    bool prune, struct rc_plan *p)
{
	struct rc_diff_opts o = {.prune = prune};

	rc_plan_init(p);
	ck_assert_int_eq(rc_diff(d, a, &o, p), 0);
}

START_TEST(empty_states)
{
	struct rc_state e;
	struct rc_plan p;

	rc_state_init(&e);
	diff_ok(&e, &e, false, &p);
	ck_assert_uint_eq(p.n, 0);
	ck_assert_uint_eq(p.n_foreign, 0);
	rc_plan_free(&p);
	rc_plan_free(&p);
	rc_plan_free(NULL);
}
END_TEST

/* A hand-written case whose exact plan is known, in order. */
START_TEST(exact_plan_and_order)
{
	struct rc_state d, a;
	struct rc_service *s;
	struct rc_plan p;
	static const enum rc_op_kind want[] = {
	    RC_OP_SVC_ADD,  RC_OP_SVC_EDIT,  RC_OP_REAL_ADD,
	    RC_OP_REAL_ADD, RC_OP_REAL_EDIT, RC_OP_REAL_DEL,
	    RC_OP_REAL_DEL, RC_OP_REAL_DEL,  RC_OP_SVC_DEL,
	};

	rc_state_init(&d);
	rc_state_init(&a);
	/* web: weight change, one real removed, one added, scheduler change */
	s = svc(&d, "192.0.2.10", 80, true);
	snprintf(s->sched, sizeof(s->sched), "wrr");
	real(s, "10.0.1.1", 50);
	real(s, "10.0.1.3", 100);
	s = svc(&a, "192.0.2.10", 80, true);
	real(s, "10.0.1.1", 100);
	real(s, "10.0.1.2", 100);
	/* new: added with one real */
	s = svc(&d, "192.0.2.20", 80, true);
	real(s, "10.0.2.1", 0);
	/* old: owned, gone from config, two reals */
	s = svc(&a, "192.0.2.30", 80, true);
	real(s, "10.0.3.1", 1);
	real(s, "10.0.3.2", 1);
	/* foreign: not owned, left alone */
	s = svc(&a, "192.0.2.40", 80, false);
	real(s, "10.0.4.1", 1);
	ck_assert_int_eq(rc_state_sort(&d), 0);
	ck_assert_int_eq(rc_state_sort(&a), 0);

	diff_ok(&d, &a, false, &p);
	ck_assert_uint_eq(p.n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < p.n; i++)
		ck_assert_msg(p.ops[i].kind == want[i], "op %zu is %s", i,
			      rc_op_kind_name(p.ops[i].kind));
	ck_assert_uint_eq(p.ops[1].changed, RC_CH_SCHED);
	ck_assert_str_eq(p.ops[1].svc->sched, "wrr");
	ck_assert_str_eq(p.ops[1].old_svc->sched, "maglev");
	/* REAL_ADDs in key order: the new service's real comes after web's */
	ck_assert_uint_eq(p.ops[2].real->addr.b[2], 1);
	ck_assert_uint_eq(p.ops[3].real->weight, 0);
	/* weight 100 -> 50 is an edit, never delete + add */
	ck_assert_uint_eq(p.ops[4].changed, RC_CH_WEIGHT);
	ck_assert_uint_eq(p.ops[4].real->weight, 50);
	ck_assert_uint_eq(p.ops[4].old_real->weight, 100);
	ck_assert_uint_eq(p.ops[8].svc->key.addr.b[3], 30);
	ck_assert_uint_eq(p.n_foreign, 1);
	ck_assert_uint_eq(p.foreign[0]->key.addr.b[3], 40);
	rc_plan_free(&p);

	/* With prune the foreign service goes too, its real first. */
	diff_ok(&d, &a, true, &p);
	ck_assert_uint_eq(p.n, sizeof(want) / sizeof(want[0]) + 2);
	ck_assert_uint_eq(p.n_foreign, 0);
	ck_assert_int_eq(p.ops[p.n - 1].kind, RC_OP_SVC_DEL);
	ck_assert_int_eq(p.ops[p.n - 2].kind, RC_OP_SVC_DEL);
	ck_assert_int_eq(p.ops[p.n - 3].kind, RC_OP_REAL_DEL);
	rc_plan_free(&p);
	rc_state_free(&d);
	rc_state_free(&a);
}
END_TEST

/* A configured service that exists unowned is taken over, not "foreign". */
START_TEST(unowned_but_configured_is_edited)
{
	struct rc_state d, a;
	struct rc_plan p;
	struct rc_service *s;

	rc_state_init(&d);
	rc_state_init(&a);
	s = svc(&d, "192.0.2.10", 80, true);
	real(s, "10.0.1.1", 0);
	real(s, "10.0.1.2", 7)->fwd = RC_FWD_DR;
	s = svc(&a, "192.0.2.10", 80, false);
	real(s, "10.0.1.1", 100);
	real(s, "10.0.1.2", 7);
	ck_assert_int_eq(rc_state_sort(&d), 0);
	ck_assert_int_eq(rc_state_sort(&a), 0);
	diff_ok(&d, &a, false, &p);
	ck_assert_uint_eq(p.n, 2);
	ck_assert_uint_eq(p.n_foreign, 0);
	ck_assert_int_eq(p.ops[0].kind, RC_OP_REAL_EDIT);
	ck_assert_uint_eq(p.ops[0].changed, RC_CH_WEIGHT);
	ck_assert_uint_eq(p.ops[0].real->weight,
			  0); /* weight 0 is kept, not a removal */
	ck_assert_int_eq(p.ops[1].kind, RC_OP_REAL_EDIT);
	ck_assert_uint_eq(p.ops[1].changed, RC_CH_FWD);
	rc_plan_free(&p);
	rc_state_free(&d);
	rc_state_free(&a);
}
END_TEST

START_TEST(self_diff_is_empty)
{
	for (uint32_t i = 0; i < N_RANDOM; i++) {
		uint32_t seed = SEED_BASE + i;
		struct tg_rng r;
		struct rc_state d;
		struct rc_plan p;

		tg_seed(&r, seed);
		rc_state_init(&d);
		ck_assert_int_eq(tg_random_state(&r, &d, 100), 0);
		diff_ok(&d, &d, i & 1, &p);
		ck_assert_msg(p.n == 0 && p.n_foreign == 0,
			      "seed %u: %zu ops for diff(x, x)", seed, p.n);
		rc_plan_free(&p);
		rc_state_free(&d);
	}
}
END_TEST

/* Every plan satisfies the oracle: right ops, one per object, safe order. */
START_TEST(random_plans_are_valid)
{
	size_t total_ops = 0, kinds[RC_OP_SVC_DEL + 1] = {0};

	for (uint32_t i = 0; i < N_RANDOM; i++) {
		uint32_t seed = SEED_BASE + 7919 * i;
		struct tg_rng r;
		struct rc_state d, a;
		char why[256] = "";

		tg_seed(&r, seed);
		rc_state_init(&d);
		rc_state_init(&a);
		ck_assert_int_eq(tg_random_state(&r, &d, 100), 0);
		ck_assert_int_eq(tg_random_actual(&r, &d, &a), 0);
		for (int prune = 0; prune < 2; prune++) {
			struct rc_plan p;

			diff_ok(&d, &a, prune, &p);
			ck_assert_msg(
			    tg_plan_valid(&p, &d, &a, prune, why, sizeof(why)),
			    "seed %u prune %d: %s", seed, prune, why);
			total_ops += p.n;
			for (size_t k = 0; k < p.n; k++)
				kinds[p.ops[k].kind]++;
			rc_plan_free(&p);
		}
		rc_state_free(&d);
		rc_state_free(&a);
	}
	/* The generator must actually exercise every kind of op. */
	for (int k = 0; k <= RC_OP_SVC_DEL; k++)
		ck_assert_msg(kinds[k] > 100, "only %zu %s ops", kinds[k],
			      rc_op_kind_name(k));
	ck_assert_uint_gt(total_ops, N_RANDOM);
}
END_TEST

/*
 * Applying the plan to actual through the fake dataplane yields exactly
 * desired plus the untouched foreign services (or desired alone with prune),
 * and the next diff is empty.
 */
START_TEST(apply_converges)
{
	size_t foreign_seen = 0;

	for (uint32_t i = 0; i < N_RANDOM; i++) {
		uint32_t seed = SEED_BASE + 104729 * i;
		bool prune = (i % 4) == 3;
		struct dp_open_args args = {0};
		struct rc_state d, a, want, got;
		struct rc_plan p, p2;
		struct dp_result res;
		struct tg_rng r;
		struct dp *dp;
		char why[256] = "";

		tg_seed(&r, seed);
		rc_state_init(&d);
		rc_state_init(&a);
		rc_state_init(&want);
		rc_state_init(&got);
		ck_assert_int_eq(tg_random_state(&r, &d, 100), 0);
		ck_assert_int_eq(tg_random_actual(&r, &d, &a), 0);
		ck_assert_int_eq(tg_expected(&d, &a, prune, &want), 0);

		ck_assert_int_eq(dp_fake_ops.open(&dp, &args), 0);
		ck_assert_int_eq(dp_fake_seed(dp, &a), 0);
		diff_ok(&d, &a, prune, &p);
		ck_assert_msg(dp_fake_ops.apply(dp, &p, &res) == 0,
			      "seed %u: apply failed", seed);
		ck_assert_uint_eq(res.n_ok, p.n);
		ck_assert_uint_eq(res.n_failed, 0);
		ck_assert_int_eq(dp_fake_ops.read(dp, &got), 0);
		ck_assert_msg(
		    tg_states_equal(&got, &want, false, why, sizeof(why)),
		    "seed %u prune %d: %s", seed, prune, why);

		diff_ok(&d, &got, prune, &p2);
		ck_assert_msg(p2.n == 0, "seed %u: %zu ops left after apply",
			      seed, p2.n);
		ck_assert_uint_eq(p2.n_foreign, prune ? 0 : p.n_foreign);
		foreign_seen += p2.n_foreign;

		rc_plan_free(&p2);
		rc_plan_free(&p);
		dp_result_free(&res);
		dp_fake_ops.close(dp, false);
		rc_state_free(&d);
		rc_state_free(&a);
		rc_state_free(&want);
		rc_state_free(&got);
	}
	ck_assert_uint_gt(foreign_seen, 100);
}
END_TEST

START_TEST(op_kind_names)
{
	ck_assert_str_eq(rc_op_kind_name(RC_OP_SVC_ADD), "svc-add");
	ck_assert_str_eq(rc_op_kind_name(RC_OP_REAL_DEL), "real-del");
	ck_assert_str_eq(rc_op_kind_name((enum rc_op_kind)42), "unknown");
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("diff");
	TCase *tc = tcase_create("diff");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, empty_states);
	tcase_add_test(tc, exact_plan_and_order);
	tcase_add_test(tc, unowned_but_configured_is_edited);
	tcase_add_test(tc, self_diff_is_empty);
	tcase_add_test(tc, random_plans_are_valid);
	tcase_add_test(tc, apply_converges);
	tcase_add_test(tc, op_kind_names);
	suite_add_tcase(s, tc);
	return s;
}
