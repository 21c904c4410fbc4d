// SPDX-License-Identifier: GPL-2.0-only
/*
 * The controller's scoped pass (rc_ctl_plan_services) on the fake dataplane:
 * it plans only the named services, never deletes outside its scope, and is
 * exactly the matching slice of a full pass.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dataplane/fake/fake.h"
#include "reconcile/controller.h"
#include "tests/lib/check_main.h"
#include "tests/lib/rc_testgen.h"

#define N_RANDOM 400
#define SEED_BASE 0x5c0edu

static const char yaml[] =
    "version: 1\n"
    "dataplane: {driver: fake}\n"
    "pools:\n"
    "  web:\n"
    "    backends:\n"
    "      - {address: 10.0.1.1, port: 80, weight: 10}\n"
    "      - {address: 10.0.1.2, port: 80, weight: 20}\n"
    "  dns:\n"
    "    backends:\n"
    "      - {address: 10.0.2.1, port: 53, weight: 1}\n"
    "      - {address: 10.0.2.2, port: 53, weight: 2}\n"
    "      - {address: 10.0.2.3, port: 53, weight: 3}\n"
    "  v6:\n"
    "    backends:\n"
    "      - {address: '2001:db8:1::1', port: 443, weight: 5}\n"
    "services:\n"
    "  - {name: web, address: 192.0.2.10, port: 80, pool: web}\n"
    "  - {name: web2, address: 192.0.2.11, port: 80, pool: web}\n"
    "  - {name: dns, address: 192.0.2.53, port: 53, protocol: udp, "
    "pool: dns}\n"
    "  - {name: tls6, address: '2001:db8::10', port: 443, pool: v6}\n";

static struct cfg *load_cfg(void)
{
	struct cfg_diags d;
	struct cfg *cfg = NULL;
	int err;

	memset(&d, 0, sizeof(d));
	err = cfg_load_buffer("scoped.yaml", yaml, strlen(yaml), &cfg, &d);
	if (err && d.n)
		fprintf(stderr, "%s\n", d.items[0].message);
	cfg_diags_free(&d);
	ck_assert_int_eq(err, 0);
	return cfg;
}

static struct dp *open_fake(void)
{
	struct dp_open_args args = {.read_only = false};
	struct dp *dp = NULL;

	ck_assert_int_eq(dp_fake_ops.open(&dp, &args), 0);
	return dp;
}

static struct rc_svc_key key(const char *vip, uint16_t port, uint8_t proto)
{
	struct rc_svc_key k;
	struct lb_addr a;

	ck_assert_int_eq(lb_addr_parse(vip, &a), 0);
	rc_svc_key_init(&k, &a, port, proto, 0);
	return k;
}

static bool op_touches(const struct rc_op *op, const struct rc_svc_key *k)
{
	return !rc_svc_key_cmp(&op->svc->key, k);
}

/* Same operation on equal objects (the states behind them differ). */
static bool ops_equal(const struct rc_op *a, const struct rc_op *b)
{
	if (a->kind != b->kind || a->changed != b->changed ||
	    rc_svc_key_cmp(&a->svc->key, &b->svc->key) ||
	    !rc_service_attrs_equal(a->svc, b->svc))
		return false;
	if (!a->real != !b->real || !a->old_real != !b->old_real)
		return false;
	if (a->real && (rc_real_key_cmp(a->real, b->real) ||
			!rc_real_attrs_equal(a->real, b->real)))
		return false;
	if (a->old_real && !rc_real_attrs_equal(a->old_real, b->old_real))
		return false;
	return true;
}

static bool in_keys(const struct rc_svc_key *k, const struct rc_svc_key *keys,
		    size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!rc_svc_key_cmp(k, &keys[i]))
			return true;
	return false;
}

START_TEST(restrict_keeps_only_named)
{
	struct rc_state st;
	struct rc_svc_key k[4], pick[3];
	struct lb_addr ra;
	struct rc_service *s;

	rc_state_init(&st);
	k[0] = key("192.0.2.4", 80, 6);
	k[1] = key("192.0.2.1", 80, 6);
	k[2] = key("192.0.2.3", 53, 17);
	k[3] = key("2001:db8::1", 80, 6);
	ck_assert_int_eq(lb_addr_parse("10.0.0.1", &ra), 0);
	for (int i = 0; i < 4; i++) {
		s = rc_state_add_service(&st, &k[i]);
		ck_assert_ptr_nonnull(s);
		ck_assert_ptr_nonnull(rc_service_add_real(s, &ra, (uint16_t)i));
	}
	ck_assert_int_eq(rc_state_sort(&st), 0);
	/* unsorted, a duplicate, and a key the state does not hold */
	pick[0] = k[3];
	pick[1] = k[1];
	pick[2] = key("198.51.100.1", 80, 6);
	ck_assert_int_eq(rc_state_restrict(&st, pick, 3), 0);
	ck_assert_uint_eq(st.n, 2);
	ck_assert_int_eq(rc_svc_key_cmp(&st.svcs[0].key, &k[1]), 0);
	ck_assert_int_eq(rc_svc_key_cmp(&st.svcs[1].key, &k[3]), 0);
	ck_assert_uint_eq(st.svcs[1].n_reals, 1);
	ck_assert_uint_eq(st.svcs[1].reals[0].port, 3);
	ck_assert_ptr_nonnull(rc_state_find(&st, &k[3]));
	ck_assert_ptr_null(rc_state_find(&st, &k[0]));
	pick[2] = k[1];
	ck_assert_int_eq(rc_state_restrict(&st, pick + 1, 2), 0);
	ck_assert_uint_eq(st.n, 1);
	ck_assert_int_eq(rc_state_restrict(&st, NULL, 0), 0);
	ck_assert_uint_eq(st.n, 0);
	rc_state_free(&st);
}
END_TEST

/*
 * The table drifted in two config services, holds an owned service the
 * config dropped and a foreign one. A pass scoped to one service repairs that
 * one only; the full pass sees everything.
 */
static void scoped_plan_leaves_the_rest(const struct dp_ops *ops)
{
	struct cfg *cfg = load_cfg();
	struct rc_state live;
	struct rc_svc_key web = key("192.0.2.10", 80, 6);
	struct rc_svc_key dns = key("192.0.2.53", 53, 17);
	struct rc_svc_key gone = key("192.0.2.99", 80, 6);
	struct rc_svc_key other = key("192.0.2.98", 80, 6);
	struct rc_svc_key nothing = key("192.0.2.97", 80, 6);
	struct rc_svc_key scope[2];
	struct rc_diff_opts prune = {.prune = true};
	const struct rc_plan *plan;
	struct dp_result res;
	struct rc_service *s;
	struct rc_ctl *ctl;
	struct lb_addr ra;
	struct dp *dp = open_fake();

	rc_state_init(&live);
	memset(&res, 0, sizeof(res));
	ck_assert_int_eq(rc_desired_build(cfg, NULL, &live), 0);
	for (size_t i = 0; i < live.n; i++)
		live.svcs[i].owned = true;
	rc_state_find(&live, &web)->reals[0].weight = 99;
	rc_state_find(&live, &dns)->reals[1].weight = 98;
	ck_assert_int_eq(lb_addr_parse("10.0.9.9", &ra), 0);
	s = rc_state_add_service(&live, &gone);
	s->owned = true;
	snprintf(s->sched, sizeof(s->sched), "wrr");
	ck_assert_ptr_nonnull(rc_service_add_real(s, &ra, 80));
	s = rc_state_add_service(&live, &other);
	snprintf(s->sched, sizeof(s->sched), "wrr");
	ck_assert_int_eq(rc_state_sort(&live), 0);
	ck_assert_int_eq(dp_fake_seed(dp, &live), 0);
	ck_assert_int_eq(rc_ctl_new(ops, dp, &ctl), 0);

	/* full pass: two edits, a real and a service deleted, one foreign */
	ck_assert_int_eq(rc_ctl_plan(ctl, cfg, NULL, NULL, &plan), 0);
	ck_assert_uint_eq(plan->n, 4);
	ck_assert_uint_eq(plan->n_foreign, 1);

	/* scoped to web: its edit only, whatever the options say */
	ck_assert_int_eq(
	    rc_ctl_plan_services(ctl, cfg, NULL, &prune, &web, 1, &plan), 0);
	ck_assert_uint_eq(plan->n, 1);
	ck_assert_int_eq(plan->ops[0].kind, RC_OP_REAL_EDIT);
	ck_assert(op_touches(&plan->ops[0], &web));
	ck_assert_uint_eq(plan->ops[0].real->weight, 10);
	ck_assert_uint_eq(plan->n_foreign, 0);
	ck_assert_uint_eq(rc_ctl_actual(ctl)->n, 1);
	ck_assert_uint_eq(rc_ctl_desired(ctl)->n, 1);
	ck_assert_int_eq(rc_ctl_apply(ctl, &res), 0);
	ck_assert_uint_eq(res.n_ok, 1);

	/* web converged; dns still drifted, gone and other still there */
	ck_assert_int_eq(
	    rc_ctl_plan_services(ctl, cfg, NULL, NULL, &web, 1, &plan), 0);
	ck_assert_uint_eq(plan->n, 0);
	ck_assert_int_eq(rc_ctl_plan(ctl, cfg, NULL, NULL, &plan), 0);
	ck_assert_uint_eq(plan->n, 3);
	ck_assert_uint_eq(plan->n_foreign, 1);

	/* an owned service the config dropped is deleted when named; a
	 * foreign one is neither deleted nor listed even with prune; a key
	 * nobody holds plans nothing */
	scope[0] = other;
	scope[1] = nothing;
	ck_assert_int_eq(
	    rc_ctl_plan_services(ctl, cfg, NULL, &prune, scope, 2, &plan), 0);
	ck_assert_uint_eq(plan->n, 0);
	ck_assert_uint_eq(plan->n_foreign, 0);
	ck_assert_uint_eq(rc_ctl_actual(ctl)->n, 1);
	ck_assert_uint_eq(rc_ctl_desired(ctl)->n, 0);
	scope[0] = gone;
	ck_assert_int_eq(
	    rc_ctl_plan_services(ctl, cfg, NULL, NULL, scope, 2, &plan), 0);
	ck_assert_uint_eq(plan->n, 2);
	ck_assert_int_eq(plan->ops[0].kind, RC_OP_REAL_DEL);
	ck_assert_int_eq(plan->ops[1].kind, RC_OP_SVC_DEL);
	ck_assert(op_touches(&plan->ops[1], &gone));

	dp_result_free(&res);
	rc_ctl_free(ctl);
	dp_fake_ops.close(dp, false);
	rc_state_free(&live);
	cfg_free(cfg);
}

START_TEST(scoped_plan_touches_only_its_services)
{
	scoped_plan_leaves_the_rest(&dp_fake_ops);
}
END_TEST

/* Without read_services the controller reads everything and filters. */
START_TEST(scoped_plan_without_read_services)
{
	struct dp_ops ops = dp_fake_ops;

	ops.read_services = NULL;
	scoped_plan_leaves_the_rest(&ops);
}
END_TEST

/*
 * Random live tables around the config's desired state, random scopes: the
 * scoped plan is exactly the full plan's ops on the scoped services, in the
 * same order; its desired and its read are the full ones' slices.
 */
START_TEST(scoped_plan_is_a_slice_of_the_full_plan)
{
	struct cfg *cfg = load_cfg();
	struct rc_state desired, live, full_actual, want_desired;
	struct rc_plan full;
	struct rc_ctl *ctl;
	struct dp *dp = open_fake();
	size_t total_ops = 0;

	rc_state_init(&desired);
	rc_state_init(&full_actual);
	rc_state_init(&want_desired);
	rc_plan_init(&full);
	ck_assert_int_eq(rc_desired_build(cfg, NULL, &desired), 0);
	ck_assert_int_eq(rc_ctl_new(&dp_fake_ops, dp, &ctl), 0);
	for (unsigned c = 0; c < N_RANDOM; c++) {
		struct rc_svc_key keys[16];
		const struct rc_plan *plan;
		const struct rc_state *actual;
		struct tg_rng rng;
		char why[256] = "";
		size_t n = 0, j = 0;

		tg_seed(&rng, SEED_BASE + c);
		rc_state_init(&live);
		ck_assert_int_eq(tg_random_actual(&rng, &desired, &live), 0);
		ck_assert_int_eq(rc_state_sort(&live), 0);
		ck_assert_int_eq(dp_fake_seed(dp, &live), 0);

		/* the reference: a full pass, without pruning */
		ck_assert_int_eq(rc_ctl_plan(ctl, cfg, NULL, NULL, &plan), 0);
		ck_assert_int_eq(
		    rc_state_copy(&full_actual, rc_ctl_actual(ctl)), 0);
		ck_assert_int_eq(rc_diff(&desired, &full_actual, NULL, &full),
				 0);

		/* scope: random services of either side, and a stranger */
		for (size_t i = 0; i < desired.n && n < 15; i++)
			if (tg_chance(&rng, 40))
				keys[n++] = desired.svcs[i].key;
		for (size_t i = 0; i < live.n && n < 15; i++)
			if (tg_chance(&rng, 40))
				keys[n++] = live.svcs[i].key;
		if (tg_chance(&rng, 30))
			keys[n++] = key("203.0.113.1", 1, 6);

		ck_assert_int_eq(
		    rc_ctl_plan_services(ctl, cfg, NULL, NULL, keys, n, &plan),
		    0);
		/* desired: the full build's slice, built directly */
		ck_assert_int_eq(rc_state_copy(&want_desired, &desired), 0);
		ck_assert_int_eq(rc_state_restrict(&want_desired, keys, n), 0);
		ck_assert_msg(tg_states_equal(rc_ctl_desired(ctl),
					      &want_desired, true, why,
					      sizeof(why)),
			      "case %u: desired: %s", c, why);

		actual = rc_ctl_actual(ctl);
		for (size_t i = 0; i < full_actual.n; i++)
			if (in_keys(&full_actual.svcs[i].key, keys, n))
				j++;
		ck_assert_uint_eq(actual->n, j);
		for (size_t i = 0; i < actual->n; i++) {
			const struct rc_service *want =
			    rc_state_find(&full_actual, &actual->svcs[i].key);

			ck_assert_ptr_nonnull(want);
			ck_assert(in_keys(&want->key, keys, n));
			ck_assert_uint_eq(want->owned, actual->svcs[i].owned);
		}
		ck_assert_uint_eq(plan->n_foreign, 0);
		j = 0;
		for (size_t i = 0; i < full.n; i++) {
			if (!in_keys(&full.ops[i].svc->key, keys, n))
				continue;
			ck_assert_msg(j < plan->n, "case %u: op %zu missing", c,
				      i);
			ck_assert_msg(ops_equal(&full.ops[i], &plan->ops[j]),
				      "case %u: op %zu differs", c, j);
			j++;
		}
		ck_assert_msg(j == plan->n, "case %u: %zu ops, expected %zu", c,
			      plan->n, j);
		total_ops += j;
		rc_state_free(&live);
	}
	/* the cases did exercise something */
	ck_assert_uint_gt(total_ops, N_RANDOM);
	rc_ctl_free(ctl);
	dp_fake_ops.close(dp, false);
	rc_plan_free(&full);
	rc_state_free(&full_actual);
	rc_state_free(&want_desired);
	rc_state_free(&desired);
	cfg_free(cfg);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("controller");
	TCase *tc = tcase_create("scoped");

	tcase_add_test(tc, restrict_keeps_only_named);
	tcase_add_test(tc, scoped_plan_touches_only_its_services);
	tcase_add_test(tc, scoped_plan_without_read_services);
	tcase_add_test(tc, scoped_plan_is_a_slice_of_the_full_plan);
	suite_add_tcase(s, tc);
	return s;
}
