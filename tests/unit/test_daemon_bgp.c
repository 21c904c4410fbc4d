// SPDX-License-Identifier: GPL-2.0-only
/*
 * The announcement decision of ha.mode: bgp (cmd/daemon/dm_bgp_decide.c)
 * on a hand-built config: which addresses are VIPs, min_healthy against
 * the weights the source gives, the fallback pool, convergence, a drain.
 */
#include <string.h>

#include "cmd/daemon/dm_bgp.h"
#include "tests/lib/check_main.h"

/*
 * Pools: p0 (3 reals 10.0.0.1-3), p1 (2 reals 10.0.1.1-2), fb (1 real
 * 10.0.9.1). Services: web 192.0.2.1:80 (p0, fallback fb), api
 * 192.0.2.1:443 (p1), mail 192.0.2.2:25 (p1), marked fwmark 7 (p1),
 * web6 [2001:db8::1]:80 (p0).
 */
struct fx {
	struct cfg cfg;
	struct cfg_pool pools[3];
	struct cfg_backend be[3][3];
	struct cfg_service svc[5];
};

static struct lb_addr A(const char *s) {
	struct lb_addr a;

	ck_assert_int_eq(lb_addr_parse(s, &a), 0);
	return a;
}

static void
pool(struct fx *f, int i, const char *name, const char *net, int n)
{
	char buf[32];

	for (int b = 0; b < n; b++) {
		snprintf(buf, sizeof(buf), "%s.%d", net, b + 1);
		f->be[i][b] =
		    (struct cfg_backend){.addr = A(buf), .weight = 10};
	}
	f->pools[i] = (struct cfg_pool){
	    .name = name, .backends = f->be[i], .n_backends = (size_t)n};
}

static void svc(struct fx *f, int i, const char *name, const char *addr,
		uint16_t port, size_t p, ssize_t fb, uint32_t mark)
{
	f->svc[i] = (struct cfg_service){.name = name,
					 .addr = A(addr),
					 .port = port,
					 .proto = CFG_PROTO_TCP,
					 .fwmark = mark,
					 .pool = p,
					 .fallback_pool = fb};
}

static void fx_init(struct fx *f)
{
	memset(f, 0, sizeof(*f));
	pool(f, 0, "p0", "10.0.0", 3);
	pool(f, 1, "p1", "10.0.1", 2);
	pool(f, 2, "fb", "10.0.9", 1);
	svc(f, 0, "web", "192.0.2.1", 80, 0, 2, 0);
	svc(f, 1, "api", "192.0.2.1", 443, 1, -1, 0);
	svc(f, 2, "mail", "192.0.2.2", 25, 1, -1, 0);
	svc(f, 3, "marked", "192.0.2.3", 0, 1, -1, 7);
	svc(f, 4, "web6", "2001:db8::1", 80, 0, -1, 0);
	f->cfg.pools = f->pools;
	f->cfg.n_pools = 3;
	f->cfg.services = f->svc;
	f->cfg.n_services = 5;
	f->cfg.ha.mode = CFG_HA_BGP;
}

/* A source where listed addresses are down (weight 0). */
struct src {
	struct lb_addr down[8];
	int n;
	const char *out_of_sync;	 /* a service name, or NULL */
	const struct lb_addr *unchecked; /* a real health has not checked */
	const struct fx *f;
};

static bool is_down(const struct src *s, const struct lb_addr *a)
{
	for (int i = 0; i < s->n; i++)
		if (!lb_addr_cmp(&s->down[i], a))
			return true;
	return false;
}

static uint32_t w_fn(void *ctx, const struct cfg_pool *p,
		     const struct cfg_backend *b)
{
	return is_down(ctx, &b->addr) ? 0 : b->weight;
}

static bool down_fn(void *ctx, const struct cfg_pool *p)
{
	for (size_t i = 0; i < p->n_backends; i++)
		if (!is_down(ctx, &p->backends[i].addr))
			return false;
	return true;
}

static bool sync_fn(void *ctx, const struct rc_svc_key *key)
{
	const struct src *s = ctx;
	struct rc_svc_key k;

	if (!s->out_of_sync)
		return true;
	for (size_t i = 0; i < s->f->cfg.n_services; i++)
		if (!strcmp(s->f->svc[i].name, s->out_of_sync)) {
			rc_desired_service_key(&s->f->svc[i], &k);
			return rc_svc_key_cmp(&k, key) != 0;
		}
	return true;
}

static void down(struct src *s, const char *a)
{
	s->down[s->n++] = A(a);
}

struct run {
	struct dm_bgp_vip *v;
	size_t n;
};

static bool unchecked_fn(void *ctx, size_t pi, size_t bi)
{
	const struct src *s = ctx;

	return s->unchecked &&
	       !lb_addr_cmp(&s->f->pools[pi].backends[bi].addr, s->unchecked);
}

static struct run decide(const struct fx *f, struct src *s, uint32_t min,
			 const char *withheld)
{
	struct rc_weight_src ws = {
	    .ctx = s, .weight = w_fn, .pool_down = down_fn};
	struct dm_bgp_view view = {
	    .in_sync = sync_fn, .unchecked = unchecked_fn, .ctx = s};
	struct run r;

	s->f = f;
	ck_assert_int_eq(dm_bgp_vips(&f->cfg, &r.v, &r.n), 0);
	dm_bgp_decide(&f->cfg, &ws, &view, min, withheld, r.v, r.n);
	return r;
}

/* Distinct service addresses in config order; fwmark services are none. */
START_TEST(vips_are_distinct_addresses)
{
	struct fx f;
	struct src s = {0};
	struct run r;

	fx_init(&f);
	r = decide(&f, &s, 1, NULL);
	ck_assert_uint_eq(r.n, 3);
	ck_assert_int_eq(lb_addr_cmp(&r.v[0].addr, &f.svc[0].addr), 0);
	ck_assert_int_eq(lb_addr_cmp(&r.v[1].addr, &f.svc[2].addr), 0);
	ck_assert_int_eq(lb_addr_cmp(&r.v[2].addr, &f.svc[4].addr), 0);
	for (size_t i = 0; i < r.n; i++)
		ck_assert(r.v[i].want);
	ck_assert_str_eq(r.v[1].reason, "2/2 reals up, in sync");
	ck_assert_str_eq(r.v[0].reason, "2/2 reals up in service api (the "
					"fewest of 2 services), in sync");
	free(r.v);
}
END_TEST

/*
 * min_healthy against weights: one of p1's reals down withdraws both
 * addresses whose services use p1 when min_healthy is 2, not when it is 1.
 */
START_TEST(min_healthy)
{
	struct fx f;
	struct src s = {0};
	struct run r;

	fx_init(&f);
	down(&s, "10.0.1.2");
	r = decide(&f, &s, 1, NULL);
	ck_assert(r.v[0].want && r.v[1].want);
	free(r.v);
	r = decide(&f, &s, 2, NULL);
	ck_assert(!r.v[0].want && !r.v[1].want && r.v[2].want);
	ck_assert_str_eq(r.v[0].reason,
			 "1/2 reals up < min_healthy 2 (service api)");
	ck_assert_str_eq(r.v[1].reason,
			 "1/2 reals up < min_healthy 2 (service mail)");
	free(r.v);
	/* every real down: 0 means at least 1, never an empty VIP */
	down(&s, "10.0.1.1");
	r = decide(&f, &s, 0, NULL);
	ck_assert(!r.v[1].want);
	ck_assert_str_eq(r.v[1].reason,
			 "0/2 reals up < min_healthy 1 (service mail)");
	free(r.v);
}
END_TEST

/*
 * p0 all down: web serves from its fallback pool (1 real up), web6 has no
 * fallback and fails open in the dataplane, but counts no real up.
 */
START_TEST(fallback_pool_counts)
{
	struct fx f;
	struct src s = {0};
	struct run r;

	fx_init(&f);
	down(&s, "10.0.0.1");
	down(&s, "10.0.0.2");
	down(&s, "10.0.0.3");
	r = decide(&f, &s, 1, NULL);
	ck_assert(r.v[0].want);
	ck_assert(!r.v[2].want);
	ck_assert_str_eq(r.v[2].reason,
			 "0/3 reals up < min_healthy 1 (service web6)");
	free(r.v);
	down(&s, "10.0.9.1");
	r = decide(&f, &s, 1, NULL);
	ck_assert(!r.v[0].want);
	ck_assert_str_eq(r.v[0].reason,
			 "0/3 reals up < min_healthy 1 (service web)");
	free(r.v);
}
END_TEST

/* A service out of sync withdraws its address only; withheld wins. */
START_TEST(sync_and_withheld)
{
	struct fx f;
	struct src s = {.out_of_sync = "api"};
	struct run r;

	fx_init(&f);
	r = decide(&f, &s, 1, NULL);
	ck_assert(!r.v[0].want && r.v[1].want && r.v[2].want);
	ck_assert_str_eq(r.v[0].reason, "service api not in sync");
	free(r.v);
	s.out_of_sync = NULL;
	r = decide(&f, &s, 1, "node drained");
	for (size_t i = 0; i < r.n; i++) {
		ck_assert(!r.v[i].want);
		ck_assert_str_eq(r.v[i].reason, "node drained");
	}
	free(r.v);
}
END_TEST

/*
 * A fresh start: a real health has not checked yet weighs 0. When counting
 * it would meet min_healthy the VIP is held as the kernel has it (neither
 * announced nor withdrawn); when even it would not, withdrawn; a service
 * definitely short at the same address wins over the hold.
 */
START_TEST(unchecked_reals_hold)
{
	struct fx f;
	struct src s = {0};
	struct lb_addr u;
	struct run r;

	fx_init(&f);
	u = A("10.0.1.2");
	s.unchecked = &u;
	down(&s, "10.0.1.2");
	r = decide(&f, &s, 2, NULL);
	ck_assert(r.v[1].hold && !r.v[1].want);
	ck_assert_str_eq(r.v[1].reason, "1/2 reals up, 1 not checked yet "
					"(service mail): left as it was");
	ck_assert(r.v[0].hold); /* api at the same address as web */
	free(r.v);
	/* web definitely short too: the hold of api gives way */
	down(&s, "10.0.0.1");
	down(&s, "10.0.0.2");
	r = decide(&f, &s, 2, NULL);
	ck_assert(!r.v[0].hold && !r.v[0].want);
	ck_assert_str_eq(r.v[0].reason,
			 "1/3 reals up < min_healthy 2 (service web)");
	free(r.v);
	/* even counted it is not enough */
	down(&s, "10.0.1.1");
	r = decide(&f, &s, 2, NULL);
	ck_assert(!r.v[1].hold && !r.v[1].want);
	free(r.v);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("daemon_bgp");
	TCase *tc = tcase_create("decide");

	tcase_add_test(tc, vips_are_distinct_addresses);
	tcase_add_test(tc, min_healthy);
	tcase_add_test(tc, fallback_pool_counts);
	tcase_add_test(tc, sync_and_withheld);
	tcase_add_test(tc, unchecked_reals_hold);
	suite_add_tcase(s, tc);
	return s;
}
