// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/plan_fmt.h"
#include "tests/lib/check_main.h"

static struct lb_addr addr(const char *s)
{
	struct lb_addr a;

	ck_assert_int_eq(lb_addr_parse(s, &a), 0);
	return a;
}

static struct rc_service *svc(struct rc_state *st, const char *vip,
			      uint16_t port, const char *name, bool owned)
{
	struct lb_addr a = addr(vip);
	struct rc_svc_key k;
	struct rc_service *s;

	rc_svc_key_init(&k, &a, port, 6, 0);
	s = rc_state_add_service(st, &k);
	ck_assert_ptr_nonnull(s);
	snprintf(s->sched, sizeof(s->sched), "maglev");
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->owned = owned;
	return s;
}

static struct rc_real *real(struct rc_service *s, const char *ip, uint16_t port,
			    uint32_t w)
{
	struct lb_addr a = addr(ip);
	struct rc_real *r = rc_service_add_real(s, &a, port);

	ck_assert_ptr_nonnull(r);
	r->weight = w;
	return r;
}

struct pair {
	struct rc_state d;
	struct rc_state a;
	struct rc_plan p;
};

static void pair_build(struct pair *x)
{
	struct rc_service *s;
	struct rc_diff_opts o = {0};

	rc_state_init(&x->d);
	rc_state_init(&x->a);
	s = svc(&x->d, "192.0.2.10", 80, "web", true);
	real(s, "10.0.1.1", 80, 50);
	real(s, "10.0.1.3", 80, 100)->fwd = RC_FWD_DR;
	s = svc(&x->a, "192.0.2.10", 80, "", true);
	snprintf(s->sched, sizeof(s->sched), "wrr");
	real(s, "10.0.1.1", 80, 100);
	real(s, "10.0.1.2", 80, 100);
	s = svc(&x->d, "2001:db8::10", 443, "tls", true);
	s->flags = RC_SVC_F_HASH_SRC;
	real(s, "2001:db8:1::1", 8443, 0)->fwd = RC_FWD_TUNNEL;
	s = svc(&x->a, "192.0.2.99", 80, "", false);
	ck_assert_int_eq(rc_state_sort(&x->d), 0);
	ck_assert_int_eq(rc_state_sort(&x->a), 0);
	rc_plan_init(&x->p);
	ck_assert_int_eq(rc_diff(&x->d, &x->a, &o, &x->p), 0);
}

static void pair_free(struct pair *x)
{
	rc_plan_free(&x->p);
	rc_state_free(&x->d);
	rc_state_free(&x->a);
}

static char *render(const struct rc_plan *p, const struct dp_result *res,
		    bool color)
{
	struct rc_plan_fmt_opts o = {.color = color};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	if (res)
		rc_plan_print_result(f, p, res, &o);
	else
		rc_plan_print(f, p, &o);
	ck_assert_int_eq(fclose(f), 0);
	return buf;
}

START_TEST(text_plan)
{
	struct pair x;
	char *out;
	static const char want[] =
	    "+ service tcp [2001:db8::10]:443 (tls) scheduler=maglev "
	    "flags=hash-source\n"
	    "~ service tcp 192.0.2.10:80 (web): scheduler wrr → maglev\n"
	    "+ real 10.0.1.3:80 of tcp 192.0.2.10:80 (web) weight=100 "
	    "forward=dr\n"
	    "+ real [2001:db8:1::1]:8443 of tcp [2001:db8::10]:443 (tls) "
	    "weight=0 forward=tunnel/ipip\n"
	    "~ real 10.0.1.1:80 of tcp 192.0.2.10:80 (web): weight 100 → 50\n"
	    "- real 10.0.1.2:80 of tcp 192.0.2.10:80 (web)\n"
	    "! foreign service tcp 192.0.2.99:80 (not managed; --prune removes "
	    "it)\n"
	    "\n"
	    "Plan: 3 to add, 2 to change, 1 to destroy.\n";

	pair_build(&x);
	out = render(&x.p, NULL, false);
	ck_assert_str_eq(out, want);
	free(out);

	/* colour only when asked */
	out = render(&x.p, NULL, true);
	ck_assert_ptr_nonnull(strstr(out, "\033[32m+\033[0m service"));
	free(out);
	pair_free(&x);
}
END_TEST

START_TEST(in_sync)
{
	struct rc_state e;
	struct rc_plan p;
	char *out;

	rc_state_init(&e);
	rc_plan_init(&p);
	ck_assert_int_eq(rc_diff(&e, &e, NULL, &p), 0);
	out = render(&p, NULL, false);
	ck_assert_str_eq(
	    out, "No changes. Dataplane is in sync with configuration.\n");
	free(out);
}
END_TEST

START_TEST(edit_lines)
{
	struct rc_real o, n;
	struct rc_service so, sn;
	struct rc_op op = {
	    .kind = RC_OP_REAL_EDIT, .svc = &sn, .real = &n, .old_real = &o};
	char buf[256];

	memset(&o, 0, sizeof(o));
	memset(&so, 0, sizeof(so));
	o.addr = addr("10.0.0.1");
	o.port = 80;
	o.fwd = RC_FWD_TUNNEL;
	o.tunnel = RC_TUN_GUE;
	o.tunnel_port = 6080;
	n = o;
	n.fwd = RC_FWD_MASQ;
	n.tunnel = 0;
	n.tunnel_port = 0;
	n.u_threshold = 100;
	n.l_threshold = 10;
	so.key.addr = addr("192.0.2.1");
	so.key.port = 53;
	so.key.proto = 17;
	snprintf(so.sched, sizeof(so.sched), "rr");
	sn = so;
	snprintf(sn.sched, sizeof(sn.sched), "sh");
	sn.flags = RC_SVC_F_SCHED_PORT | RC_SVC_F_PERSISTENT;
	sn.timeout = 300;
	sn.netmask = 24;
	op.changed = RC_CH_FWD | RC_CH_TUNNEL | RC_CH_THRESHOLDS;
	ck_assert_str_eq(rc_op_fmt(&op, buf, sizeof(buf)),
			 "real 10.0.0.1:80 of udp 192.0.2.1:53: forward "
			 "tunnel/gue:6080 → masq, "
			 "thresholds 0/0 → 10/100");
	ck_assert_int_eq(rc_op_sign(&op), '~');

	op = (struct rc_op){.kind = RC_OP_SVC_EDIT,
			    .svc = &sn,
			    .old_svc = &so,
			    .changed = RC_CH_SCHED | RC_CH_FLAGS |
				       RC_CH_TIMEOUT | RC_CH_NETMASK};
	ck_assert_str_eq(rc_op_fmt(&op, buf, sizeof(buf)),
			 "service udp 192.0.2.1:53: scheduler rr → sh, flags "
			 "none → sched-port,persistent, "
			 "timeout 0s → 300s, netmask /0 → /24");
	/* truncation is safe */
	ck_assert_uint_eq(strlen(rc_op_fmt(&op, buf, 12)), 11);
}
END_TEST

START_TEST(result_lines)
{
	struct pair x;
	struct dp_result res;
	char *out;

	pair_build(&x);
	ck_assert_int_eq(dp_result_alloc(&res, x.p.n), 0);
	res.err[4] = -EBUSY;
	res.detail[4] = strdup("injected fault at operation 5");
	res.n_ok = x.p.n - 1;
	res.n_failed = 1;
	out = render(&x.p, &res, false);
	ck_assert_ptr_nonnull(strstr(
	    out,
	    "~ real 10.0.1.1:80 of tcp 192.0.2.10:80 (web): weight 100 → 50"
	    "  FAILED: Device or resource busy (EBUSY): injected fault at operation "
	    "5\n"));
	ck_assert_ptr_nonnull(strstr(out, "\nApply: 5 applied, 1 failed.\n"));
	free(out);
	dp_result_free(&res);
	pair_free(&x);
}
END_TEST

START_TEST(json_plan)
{
	struct pair x;
	struct dp_result res;
	json_t *j, *c;
	json_int_t add, change, destroy, foreign;
	const char *op, *kind, *name;
	json_t *svc, *real, *old, *nw, *changed;

	pair_build(&x);
	j = rc_plan_to_json(&x.p, NULL);
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(json_unpack(j, "{s:{s:I, s:I, s:I, s:I}}", "summary",
				     "add", &add, "change", &change, "destroy",
				     &destroy, "foreign", &foreign),
			 0);
	ck_assert_int_eq(add, 3);
	ck_assert_int_eq(change, 2);
	ck_assert_int_eq(destroy, 1);
	ck_assert_int_eq(foreign, 1);
	ck_assert_uint_eq(json_array_size(json_object_get(j, "changes")),
			  x.p.n);
	ck_assert_uint_eq(json_array_size(json_object_get(j, "foreign")), 1);

	c = json_array_get(json_object_get(j, "changes"), 4);
	ck_assert_int_eq(json_unpack(c, "{s:s, s:s, s:o, s:o, s:o, s:o, s:o}",
				     "op", &op, "kind", &kind, "service", &svc,
				     "real", &real, "old", &old, "new", &nw,
				     "changed", &changed),
			 0);
	ck_assert_str_eq(op, "change");
	ck_assert_str_eq(kind, "real");
	ck_assert_int_eq(json_unpack(svc, "{s:s}", "name", &name), 0);
	ck_assert_str_eq(name, "web");
	ck_assert_int_eq(json_integer_value(json_object_get(old, "weight")),
			 100);
	ck_assert_int_eq(json_integer_value(json_object_get(nw, "weight")), 50);
	ck_assert_uint_eq(json_array_size(changed), 1);
	ck_assert_str_eq(json_string_value(json_array_get(changed, 0)),
			 "weight");
	ck_assert_ptr_null(json_object_get(c, "error"));

	c = json_array_get(json_object_get(j, "changes"), 0);
	ck_assert(json_is_null(json_object_get(c, "old")));
	ck_assert(json_is_null(json_object_get(c, "real")));
	ck_assert_str_eq(json_string_value(json_object_get(c, "kind")),
			 "service");
	ck_assert_str_eq(json_string_value(json_object_get(
			     json_object_get(c, "new"), "scheduler")),
			 "maglev");
	json_decref(j);

	/* with results: an error object on the failed op only */
	ck_assert_int_eq(dp_result_alloc(&res, x.p.n), 0);
	res.err[1] = -ENOENT;
	j = rc_plan_to_json(&x.p, &res);
	ck_assert_ptr_nonnull(j);
	c = json_array_get(json_object_get(j, "changes"), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(
			     json_object_get(c, "error"), "errno")),
			 ENOENT);
	c = json_array_get(json_object_get(j, "changes"), 0);
	ck_assert(json_is_null(json_object_get(c, "error")));
	json_decref(j);
	dp_result_free(&res);
	pair_free(&x);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("plan_fmt");
	TCase *tc = tcase_create("plan_fmt");

	tcase_add_test(tc, text_plan);
	tcase_add_test(tc, in_sync);
	tcase_add_test(tc, edit_lines);
	tcase_add_test(tc, result_lines);
	tcase_add_test(tc, json_plan);
	suite_add_tcase(s, tc);
	return s;
}
