// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "reconcile/desired.h"
#include "tests/lib/check_main.h"

static struct lb_addr addr(const char *s)
{
	struct lb_addr a;

	ck_assert_int_eq(lb_addr_parse(s, &a), 0);
	return a;
}

/* A hand-built config: two pools, three services. */
struct fixture {
	struct cfg cfg;
	struct cfg_pool pools[3];
	struct cfg_backend web[3];
	struct cfg_backend spare[2];
	struct cfg_backend dns[1];
	struct cfg_service svcs[3];
};

static void fixture_init(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->web[0] = (struct cfg_backend){
	    .addr = addr("10.0.1.2"), .port = 0, .weight = 100};
	f->web[1] = (struct cfg_backend){
	    .addr = addr("10.0.1.1"), .port = 8080, .weight = 0};
	f->web[2] = (struct cfg_backend){
	    .addr = addr("10.0.1.3"), .weight = 50, .disabled = true};
	f->spare[0] =
	    (struct cfg_backend){.addr = addr("10.0.9.1"), .weight = 5};
	f->spare[1] = (struct cfg_backend){
	    .addr = addr("10.0.9.2"), .weight = 6, .forwarding = CFG_FWD_NAT};
	f->dns[0] = (struct cfg_backend){.addr = addr("2001:db8:1::53"),
					 .weight = 1,
					 .upper_threshold = 1000,
					 .lower_threshold = 800};
	f->pools[0] = (struct cfg_pool){
	    .name = "web", .backends = f->web, .n_backends = 3};
	f->pools[1] = (struct cfg_pool){
	    .name = "spare", .backends = f->spare, .n_backends = 2};
	f->pools[2] = (struct cfg_pool){
	    .name = "dns", .backends = f->dns, .n_backends = 1};

	f->svcs[0] = (struct cfg_service){
	    .name = "web",
	    .addr = addr("192.0.2.10"),
	    .port = 80,
	    .proto = CFG_PROTO_TCP,
	    .pool = 0,
	    .fallback_pool = 1,
	    .sched = CFG_SCHED_MAGLEV,
	    .hash = CFG_HASH_SOURCE,
	    .forwarding = CFG_FWD_DSR,
	    .flags = CFG_SVC_ANY_PORT,
	};
	f->svcs[1] = (struct cfg_service){
	    .name = "dns",
	    .addr = addr("2001:db8::53"),
	    .port = 53,
	    .proto = CFG_PROTO_UDP,
	    .pool = 2,
	    .fallback_pool = -1,
	    .sched = CFG_SCHED_TWOS,
	    .forwarding = CFG_FWD_TUNNEL,
	    .tunnel_type = CFG_TUN_GUE,
	    .tunnel_port = 6080,
	    .flags = CFG_SVC_PERSISTENT | CFG_SVC_SCHED_FALLBACK |
		     CFG_SVC_SCHED_PORT,
	    .persistence_s = 300,
	    .persistence_prefix = 64,
	};
	f->svcs[2] = (struct cfg_service){
	    .name = "marked",
	    .addr = addr("0.0.0.0"),
	    .port = 0,
	    .proto = CFG_PROTO_TCP,
	    .fwmark = 42,
	    .pool = 1,
	    .fallback_pool = -1,
	    .sched = CFG_SCHED_WLC,
	    .forwarding = CFG_FWD_DR,
	};
	f->cfg.pools = f->pools;
	f->cfg.n_pools = 3;
	f->cfg.services = f->svcs;
	f->cfg.n_services = 3;
	f->cfg.dataplane.ipvs.tunnel_type = CFG_TUN_IPIP;
}

static const struct rc_service *find_svc(const struct rc_state *st,
					 const char *a, uint16_t port,
					 uint8_t proto, uint32_t mark)
{
	struct lb_addr la = addr(a);
	struct rc_svc_key k;

	rc_svc_key_init(&k, &la, port, proto, mark);
	return rc_state_find(st, &k);
}

static const struct rc_real *find_real(const struct rc_service *s,
				       const char *a, uint16_t port)
{
	struct lb_addr la = addr(a);

	return rc_service_find_real(s, &la, port);
}

START_TEST(maps_config)
{
	struct fixture f;
	struct rc_state st;
	const struct rc_service *s;
	const struct rc_real *r;

	fixture_init(&f);
	rc_state_init(&st);
	ck_assert_int_eq(rc_desired_build(&f.cfg, NULL, &st), 0);
	ck_assert_uint_eq(st.n, 3);
	for (size_t i = 0; i < st.n; i++)
		ck_assert(st.svcs[i].owned);

	s = find_svc(&st, "192.0.2.10", 80, 6, 0);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->name, "web");
	ck_assert_str_eq(s->sched, "maglev");
	ck_assert_uint_eq(s->flags, RC_SVC_F_HASH_SRC | RC_SVC_F_ANY_PORT);
	ck_assert_uint_eq(s->n_reals, 3);
	/* sorted by address; port 0 inherits the service port */
	ck_assert_uint_eq(s->reals[0].addr.b[3], 1);
	r = find_real(s, "10.0.1.2", 80);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->weight, 100);
	ck_assert_uint_eq(r->fwd, RC_FWD_TUNNEL); /* DSR = IPIP */
	ck_assert_uint_eq(r->tunnel, RC_TUN_IPIP);
	r = find_real(s, "10.0.1.1", 8080);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->weight,
			  0); /* weight 0 stays a real with weight 0 */
	r = find_real(s, "10.0.1.3", 80);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->weight, 0); /* disabled */

	s = find_svc(&st, "2001:db8::53", 53, 17, 0);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->sched, "twos");
	ck_assert_uint_eq(s->flags, RC_SVC_F_PERSISTENT |
					RC_SVC_F_SCHED_FALLBACK |
					RC_SVC_F_SCHED_PORT);
	ck_assert_uint_eq(s->timeout, 300);
	ck_assert_uint_eq(s->netmask, 64);
	r = find_real(s, "2001:db8:1::53", 53);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->fwd, RC_FWD_TUNNEL);
	ck_assert_uint_eq(r->tunnel, RC_TUN_GUE);
	ck_assert_uint_eq(r->tunnel_port, 6080);
	ck_assert_uint_eq(r->u_threshold, 1000);
	ck_assert_uint_eq(r->l_threshold, 800);

	/* fwmark service: zero address, family kept, port/proto zero */
	s = find_svc(&st, "0.0.0.0", 0, 0, 42);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->key.addr.family, AF_INET);
	ck_assert_uint_eq(s->key.port, 0);
	ck_assert_str_eq(s->sched, "wlc");
	/* port 0 backends of a fwmark service keep port 0 */
	r = find_real(s, "10.0.9.1", 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->fwd, RC_FWD_DR);
	ck_assert_uint_eq(r->tunnel_port, 0);
	r = find_real(s, "10.0.9.2", 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->fwd, RC_FWD_MASQ); /* per-backend override */
	rc_state_free(&st);
}
END_TEST

START_TEST(every_scheduler_has_its_name)
{
	static const char *const want[] = {
	    "maglev", "rr",  "wrr", "lc", "wlc", "lblc", "lblcr", "dh",
	    "sh",     "sed", "nq",  "fo", "ovf", "mh",	 "twos"};
	struct fixture f;

	ck_assert_uint_eq(sizeof(want) / sizeof(want[0]), CFG_SCHED__COUNT);
	for (int i = 0; i < CFG_SCHED__COUNT; i++) {
		struct rc_state st;

		fixture_init(&f);
		f.svcs[0].sched = (enum cfg_sched)i;
		f.cfg.n_services = 1;
		rc_state_init(&st);
		ck_assert_int_eq(rc_desired_build(&f.cfg, NULL, &st), 0);
		ck_assert_str_eq(st.svcs[0].sched, want[i]);
		rc_state_free(&st);
	}
}
END_TEST

/* Health: weights from the source, fallback when the pool is down. */
struct health {
	bool web_down;
	bool spare_down;
	uint32_t halve;
};

static uint32_t h_weight(void *ctx, const struct cfg_pool *pool,
			 const struct cfg_backend *b)
{
	const struct health *h = ctx;

	(void)pool;
	return h->halve ? b->weight / 2 : b->weight;
}

static bool h_pool_down(void *ctx, const struct cfg_pool *pool)
{
	const struct health *h = ctx;

	if (!strcmp(pool->name, "web"))
		return h->web_down;
	if (!strcmp(pool->name, "spare"))
		return h->spare_down;
	return false;
}

START_TEST(weights_and_fallback)
{
	struct health h = {.halve = 1};
	struct rc_weight_src src = {
	    .ctx = &h, .weight = h_weight, .pool_down = h_pool_down};
	const struct rc_service *s;
	struct fixture f;
	struct rc_state st;

	fixture_init(&f);
	f.cfg.n_services = 1;

	rc_state_init(&st);
	ck_assert_int_eq(rc_desired_build(&f.cfg, &src, &st), 0);
	s = &st.svcs[0];
	ck_assert_uint_eq(s->n_reals, 3);
	ck_assert_uint_eq(find_real(s, "10.0.1.2", 80)->weight, 50);
	ck_assert_uint_eq(find_real(s, "10.0.1.3", 80)->weight, 0);
	rc_state_free(&st);

	/* web is down: the fallback pool serves, with its effective weights */
	h.web_down = true;
	rc_state_init(&st);
	ck_assert_int_eq(rc_desired_build(&f.cfg, &src, &st), 0);
	s = &st.svcs[0];
	ck_assert_uint_eq(s->n_reals, 2);
	ck_assert_ptr_nonnull(find_real(s, "10.0.9.1", 80));
	ck_assert_uint_eq(find_real(s, "10.0.9.2", 80)->weight, 3);
	ck_assert_uint_eq(find_real(s, "10.0.9.2", 80)->fwd, RC_FWD_MASQ);
	rc_state_free(&st);

	/* both down: fail open on the primary pool at configured weights */
	h.spare_down = true;
	rc_state_init(&st);
	ck_assert_int_eq(rc_desired_build(&f.cfg, &src, &st), 0);
	s = &st.svcs[0];
	ck_assert_uint_eq(s->n_reals, 3);
	ck_assert_uint_eq(find_real(s, "10.0.1.2", 80)->weight, 100);
	ck_assert_uint_eq(find_real(s, "10.0.1.3", 80)->weight, 0);
	rc_state_free(&st);

	/* no fallback configured: fail open as well */
	f.svcs[0].fallback_pool = -1;
	h.spare_down = false;
	rc_state_init(&st);
	ck_assert_int_eq(rc_desired_build(&f.cfg, &src, &st), 0);
	ck_assert_uint_eq(find_real(&st.svcs[0], "10.0.1.2", 80)->weight, 100);
	rc_state_free(&st);
}
END_TEST

/* The HA gate of a standby node: only "web" (192.0.2.10) is held. */
static bool only_web(void *ctx, const struct cfg_service *svc)
{
	(void)ctx;
	return svc->name && !strcmp(svc->name, "web");
}

START_TEST(gate_leaves_services_out)
{
	struct rc_weight_src src = {.service_active = only_web};
	struct rc_svc_key keys[3];
	struct fixture f;
	struct rc_state st;

	fixture_init(&f);
	ck_assert_uint_gt(f.cfg.n_services, 1);
	rc_state_init(&st);
	ck_assert_int_eq(rc_desired_build(&f.cfg, &src, &st), 0);
	ck_assert_uint_eq(st.n, 1);
	ck_assert_str_eq(st.svcs[0].name, "web");
	/* weights still come from the configuration when no weight source */
	ck_assert_uint_eq(find_real(&st.svcs[0], "10.0.1.2", 80)->weight, 100);
	rc_state_free(&st);

	/* a scoped build asking for every service gives the same answer */
	for (size_t i = 0; i < f.cfg.n_services; i++)
		rc_desired_service_key(&f.cfg.services[i], &keys[i]);
	rc_state_init(&st);
	ck_assert_int_eq(rc_desired_build_services(&f.cfg, &src, keys,
						   f.cfg.n_services, &st),
			 0);
	ck_assert_uint_eq(st.n, 1);
	ck_assert_str_eq(st.svcs[0].name, "web");
	rc_state_free(&st);
}
END_TEST

static bool not_dns(void *ctx, const struct cfg_service *svc)
{
	(void)ctx;
	return !svc->name || strcmp(svc->name, "dns");
}

static uint32_t seven(void *ctx, const struct cfg_pool *pool,
		      const struct cfg_backend *b)
{
	(void)ctx, (void)pool, (void)b;
	return 7;
}

/* Two gate layers stacked: a service must pass both; weights pass through. */
START_TEST(gate_layers_stack)
{
	struct rc_weight_src base = {.weight = seven}, mid, top;
	struct rc_gate_layer l1, l2;
	struct fixture f;
	struct rc_state st;

	fixture_init(&f);
	rc_gate_layer_src(&l1, &base, not_dns, NULL, &mid);
	rc_gate_layer_src(&l2, &mid, NULL, NULL, &top);
	rc_state_init(&st);
	ck_assert_int_eq(rc_desired_build(&f.cfg, &top, &st), 0);
	ck_assert_uint_eq(st.n, 2);
	for (size_t i = 0; i < st.n; i++)
		ck_assert_str_ne(st.svcs[i].name, "dns");
	rc_state_free(&st);

	rc_gate_layer_src(&l2, &mid, only_web, NULL, &top);
	rc_state_init(&st);
	ck_assert_int_eq(rc_desired_build(&f.cfg, &top, &st), 0);
	ck_assert_uint_eq(st.n, 1);
	ck_assert_str_eq(st.svcs[0].name, "web");
	ck_assert_uint_eq(find_real(&st.svcs[0], "10.0.1.2", 80)->weight, 7);
	rc_state_free(&st);
}
END_TEST

START_TEST(duplicates_rejected)
{
	struct fixture f;
	struct rc_state st;

	fixture_init(&f);
	f.svcs[1] = f.svcs[0];
	rc_state_init(&st);
	ck_assert_int_eq(rc_desired_build(&f.cfg, NULL, &st), -EEXIST);
	ck_assert_uint_eq(st.n, 0);

	/* the same backend twice (port 0 and the explicit service port) */
	fixture_init(&f);
	f.web[1].addr = f.web[0].addr;
	f.web[1].port = 80;
	ck_assert_int_eq(rc_desired_build(&f.cfg, NULL, &st), -EEXIST);
	rc_state_free(&st);
}
END_TEST

START_TEST(empty_config)
{
	struct cfg cfg;
	struct rc_state st;

	memset(&cfg, 0, sizeof(cfg));
	rc_state_init(&st);
	ck_assert_int_eq(rc_desired_build(&cfg, NULL, &st), 0);
	ck_assert_uint_eq(st.n, 0);
	rc_state_free(&st);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("desired");
	TCase *tc = tcase_create("desired");

	tcase_add_test(tc, maps_config);
	tcase_add_test(tc, every_scheduler_has_its_name);
	tcase_add_test(tc, weights_and_fallback);
	tcase_add_test(tc, gate_leaves_services_out);
	tcase_add_test(tc, gate_layers_stack);
	tcase_add_test(tc, duplicates_rejected);
	tcase_add_test(tc, empty_config);
	suite_add_tcase(s, tc);
	return s;
}
