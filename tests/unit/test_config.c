// SPDX-License-Identifier: GPL-2.0-only
/*
 * The configuration loader: scalar parsers, defaults and health resolution,
 * diagnostics, and the corpus under tests/configs/ (every valid file loads
 * clean; every invalid file yields exactly the errors its header states).
 */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config/config.h"
#include "config/internal.h"
#include "tests/lib/check_main.h"

static struct cfg *load_str(const char *text, struct cfg_diags *d)
{
	struct cfg *cfg = NULL;
	int err = cfg_load_buffer("test.yaml", text, strlen(text), &cfg, d);

	ck_assert_int_eq(err == 0, cfg != NULL);
	return cfg;
}

/* ---- scalars ----------------------------------------------------------- */

START_TEST(duration_valid)
{
	static const struct {
		const char *s;
		uint32_t ms;
	} ok[] = {
	    {"500ms", 500},	    {"2s", 2000},     {"1m", 60000},
	    {"1h", 3600000},	    {"1m30s", 90000}, {"0s", 0},
	    {"1h1m1s1ms", 3661001},
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		uint32_t ms = 1;

		ck_assert_msg(!cfg_parse_duration(ok[i].s, &ms, NULL), "%s",
			      ok[i].s);
		ck_assert_uint_eq(ms, ok[i].ms);
	}
}
END_TEST

START_TEST(duration_invalid)
{
	static const char *const bad[] = {"",	  "5",	 "5x",	"s",	"-1s",
					  "1.5s", " 1s", "1s ", "1sec", "ms"};
	const char *why;
	uint32_t ms;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		ck_assert_msg(cfg_parse_duration(bad[i], &ms, &why) == -EINVAL,
			      "'%s' accepted", bad[i]);
		ck_assert_ptr_nonnull(why);
	}
	/* A bare number gets a hint about units. */
	cfg_parse_duration("5", &ms, &why);
	ck_assert_ptr_nonnull(strstr(why, "add a unit"));
	ck_assert_int_eq(cfg_parse_duration("5000h", &ms, &why), -ERANGE);
}
END_TEST

START_TEST(uint_parse)
{
	uint64_t v;

	ck_assert_int_eq(cfg_parse_uint("0", &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(cfg_parse_uint("65535", &v), 0);
	ck_assert_uint_eq(v, 65535);
	ck_assert_int_eq(cfg_parse_uint("", &v), -EINVAL);
	ck_assert_int_eq(cfg_parse_uint("-1", &v), -EINVAL);
	ck_assert_int_eq(cfg_parse_uint("0x10", &v), -EINVAL);
	ck_assert_int_eq(cfg_parse_uint("99999999999999999999999", &v),
			 -ERANGE);
}
END_TEST

START_TEST(addresses)
{
	struct lb_addr a;
	uint16_t port;
	char buf[LB_ADDR_STRLEN];

	ck_assert_int_eq(cfg_parse_hostport("127.0.0.1:9469", &a, &port), 0);
	ck_assert_int_eq(a.family, AF_INET);
	ck_assert_uint_eq(port, 9469);
	ck_assert_int_eq(cfg_parse_hostport("[::1]:80", &a, &port), 0);
	ck_assert_int_eq(a.family, AF_INET6);
	ck_assert_uint_eq(port, 80);
	ck_assert_int_eq(cfg_parse_hostport("::1:80", &a, &port), -EINVAL);
	ck_assert_int_eq(cfg_parse_hostport("1.2.3.4", &a, &port), -EINVAL);
	ck_assert_int_eq(cfg_parse_hostport("1.2.3.4:0", &a, &port), -EINVAL);
	ck_assert_int_eq(cfg_parse_hostport("1.2.3.4:65536", &a, &port),
			 -EINVAL);
	ck_assert_int_eq(cfg_parse_hostport("[1.2.3.4]:80", &a, &port),
			 -EINVAL);
	ck_assert_int_eq(cfg_parse_hostport("localhost:80", &a, &port),
			 -EINVAL);

	ck_assert_int_eq(cfg_parse_addr_opt_port("10.0.0.1", &a, &port), 0);
	ck_assert_uint_eq(port, 0);
	ck_assert_int_eq(cfg_parse_addr_opt_port("10.0.0.1:8080", &a, &port),
			 0);
	ck_assert_uint_eq(port, 8080);
	ck_assert_str_eq(lb_addr_fmt(&a, buf, sizeof(buf)), "10.0.0.1");
	ck_assert_int_eq(cfg_parse_addr_opt_port("2001:db8::1", &a, &port), 0);
	ck_assert_int_eq(a.family, AF_INET6);
	ck_assert_uint_eq(port, 0);
	ck_assert_int_eq(
	    cfg_parse_addr_opt_port("[2001:db8::1]:443", &a, &port), 0);
	ck_assert_uint_eq(port, 443);
	ck_assert_int_eq(cfg_parse_addr_opt_port("10.0.0.1:", &a, &port),
			 -EINVAL);
	ck_assert_int_eq(cfg_parse_addr_opt_port("[2001:db8::1]x", &a, &port),
			 -EINVAL);
}
END_TEST

START_TEST(names_primes_suggest)
{
	static const char *const keys[] = {"interval", "timeout", "rise",
					   "fall"};

	ck_assert(cfg_name_valid("web-v4.prod_1"));
	ck_assert(!cfg_name_valid("-web"));
	ck_assert(!cfg_name_valid("web front"));
	ck_assert(!cfg_name_valid(""));
	ck_assert(!cfg_name_valid("a1234567890123456789012345678901234567890123"
				  "45678901234567890123"));
	ck_assert_str_eq(cfg_suggest("intervall", keys, 4), "interval");
	ck_assert_str_eq(cfg_suggest("timoeut", keys, 4), "timeout");
	ck_assert_ptr_null(cfg_suggest("weight", keys, 4));
}
END_TEST

START_TEST(enum_names)
{
	enum cfg_sched s;

	for (int i = 0; i < CFG_SCHED__COUNT; i++) {
		ck_assert_int_eq(
		    cfg_sched_parse(cfg_sched_name((enum cfg_sched)i), &s), 0);
		ck_assert_int_eq(s, i);
	}
	ck_assert_int_eq(cfg_sched_parse("nope", &s), -EINVAL);
	ck_assert_str_eq(cfg_driver_name(CFG_DRIVER_XDP), "xdp");
	ck_assert_str_eq(cfg_proto_name(CFG_PROTO_SCTP), "sctp");
	ck_assert_str_eq(cfg_fwd_name(CFG_FWD_DSR), "dsr");
	ck_assert_str_eq(cfg_hc_type_name(CFG_HC_HTTPS), "https");
	ck_assert_str_eq(cfg_tunnel_type_name(CFG_TUN_GUE), "gue");
}
END_TEST

START_TEST(driver_caps)
{
	const struct cfg_driver_caps *x = cfg_driver_caps(CFG_DRIVER_XDP);
	const struct cfg_driver_caps *i = cfg_driver_caps(CFG_DRIVER_IPVS);
	const struct cfg_driver_caps *f = cfg_driver_caps(CFG_DRIVER_FAKE);

	ck_assert_uint_eq(x->schedulers, 1u << CFG_SCHED_MAGLEV);
	ck_assert(x->forwarding & (1u << CFG_FWD_DSR));
	ck_assert(!(x->forwarding & (1u << CFG_FWD_DR)));
	ck_assert(!x->fwmark && x->any_port);
	ck_assert(!(i->schedulers & (1u << CFG_SCHED_MAGLEV)));
	ck_assert(i->schedulers & (1u << CFG_SCHED_TWOS));
	ck_assert(i->fwmark && !i->any_port);
	ck_assert(!(i->forwarding & (1u << CFG_FWD_DSR)));
	ck_assert_uint_eq(f->schedulers, (1u << CFG_SCHED__COUNT) - 1);
	ck_assert_ptr_null(cfg_driver_caps(CFG_DRIVER__COUNT));
}
END_TEST

START_TEST(default_path)
{
	unsetenv(CFG_ENV_PATH);
	ck_assert_str_eq(cfg_default_path(NULL), CFG_DEFAULT_PATH);
	ck_assert_str_eq(cfg_default_path("/x.yaml"), "/x.yaml");
	setenv(CFG_ENV_PATH, "/env.yaml", 1);
	ck_assert_str_eq(cfg_default_path(NULL), "/env.yaml");
	ck_assert_str_eq(cfg_default_path("/x.yaml"), "/x.yaml");
	unsetenv(CFG_ENV_PATH);
}
END_TEST

/* ---- defaults and resolution ------------------------------------------ */

START_TEST(defaults_resolved)
{
	static const char text[] = "version: 1\ndataplane:\n  driver: fake\n";
	struct cfg_diags d = {0};
	struct cfg *cfg = load_str(text, &d);

	ck_assert_ptr_nonnull(cfg);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_str_eq(
	    cfg->sha256,
	    "79198c46f7bba42bcbfe2b5806ba6ffb8d8008708d4e87c73d88b70b07513726");
	ck_assert_str_eq(cfg->path, "test.yaml");
	ck_assert_uint_eq(cfg->version, 1);
	ck_assert_int_eq(cfg->dataplane.driver, CFG_DRIVER_FAKE);
	ck_assert_ptr_null(cfg->dataplane.interface);
	ck_assert_int_eq(cfg->dataplane.xdp.forwarding, CFG_FWD_DSR);
	ck_assert_uint_eq(cfg->dataplane.xdp.ring_size, 65537);
	ck_assert_str_eq(cfg->dataplane.xdp.pin_path, "/sys/fs/bpf/ballast");
	ck_assert_int_eq(cfg->dataplane.ipvs.forwarding, CFG_FWD_NAT);
	ck_assert_int_eq(cfg->ha.mode, CFG_HA_NONE);
	ck_assert_int_eq(cfg->ha.standby, CFG_STANDBY_WITHDRAW);
	ck_assert_uint_eq(cfg->daemon.tick_ms, 5000);
	ck_assert_str_eq(cfg->daemon.api_socket, "/run/ballast/ballast.sock");
	ck_assert_str_eq(cfg->daemon.metrics_listen, "127.0.0.1:9469");
	ck_assert_str_eq(cfg->daemon.log_level, "info");
	ck_assert_int_eq(cfg->health.type, CFG_HC_TCP);
	ck_assert_uint_eq(cfg->health.interval_ms, 2000);
	ck_assert_uint_eq(cfg->health.timeout_ms, 1000);
	ck_assert_uint_eq(cfg->health.fast_interval_ms, 1000);
	ck_assert_uint_eq(cfg->health.rise, 2);
	ck_assert_uint_eq(cfg->health.fall, 3);
	ck_assert_uint_eq(cfg->health.n_expect, 1);
	ck_assert_uint_eq(cfg->health.expect[0].lo, 200);
	ck_assert_uint_eq(cfg->health.expect[0].hi, 399);
	ck_assert_uint_eq(cfg->n_pools, 0);
	ck_assert_uint_eq(cfg->n_services, 0);
	cfg_free(cfg);
	cfg_diags_free(&d);
}
END_TEST

START_TEST(small_example_resolved)
{
	char path[4096];
	struct cfg_diags d = {0};
	struct cfg *cfg = NULL;
	const struct cfg_service *s;
	const struct cfg_pool *p;

	snprintf(path, sizeof(path), "%s/dist/examples/small.yaml",
		 test_srcdir());
	ck_assert_int_eq(cfg_load(path, &cfg, &d), 0);
	ck_assert_uint_eq(d.n_errors, 0);
	ck_assert_uint_eq(cfg->n_services, 1);
	s = &cfg->services[0];
	ck_assert_str_eq(s->name, "web");
	ck_assert_int_eq(s->addr.family, AF_INET);
	ck_assert_uint_eq(s->port, 80);
	ck_assert_int_eq(s->proto, CFG_PROTO_TCP);
	ck_assert_int_eq(s->sched, CFG_SCHED_MAGLEV);
	ck_assert_int_eq(s->forwarding, CFG_FWD_NAT);
	ck_assert_int_eq(s->fallback_pool, -1);
	ck_assert_uint_eq(s->loc.line, 15);
	ck_assert_uint_eq(s->loc.col, 5);
	p = &cfg->pools[s->pool];
	ck_assert_str_eq(p->name, "web");
	ck_assert_uint_eq(p->n_backends, 2);
	ck_assert_uint_eq(p->backends[1].port, 80);
	ck_assert_uint_eq(p->backends[1].weight, 100);
	ck_assert_ptr_eq(p->backends[1].health, &p->health);
	ck_assert_uint_eq(p->backends[1].loc.line, 12);
	cfg_free(cfg);
	cfg_diags_free(&d);
}
END_TEST

START_TEST(driver_defaults)
{
	static const char ipvs[] =
	    "version: 1\ndataplane: {driver: ipvs}\n"
	    "pools: {p: {backends: [10.0.0.1, 10.0.0.2]}}\n"
	    "services: [{name: s, address: 192.0.2.1, port: 80, pool: p}]\n";
	static const char xdp[] =
	    "version: 1\ndataplane: {driver: xdp, interface: eth0}\n"
	    "pools: {p: {backends: [10.0.0.1, 10.0.0.2]}}\n"
	    "services: [{name: s, address: 192.0.2.1, port: 80, pool: p}]\n";
	struct cfg_diags d = {0};
	struct cfg *cfg = load_str(ipvs, &d);

	ck_assert_ptr_nonnull(cfg);
	ck_assert_int_eq(cfg->services[0].sched, CFG_SCHED_WLC);
	ck_assert_int_eq(cfg->services[0].forwarding, CFG_FWD_NAT);
	cfg_free(cfg);
	cfg = load_str(xdp, &d);
	ck_assert_ptr_nonnull(cfg);
	ck_assert_int_eq(cfg->services[0].sched, CFG_SCHED_MAGLEV);
	ck_assert_int_eq(cfg->services[0].forwarding, CFG_FWD_DSR);
	ck_assert_int_eq(cfg->services[0].tunnel_type, CFG_TUN_IPIP);
	cfg_free(cfg);
	cfg_diags_free(&d);
}
END_TEST

START_TEST(health_resolution)
{
	char path[4096];
	struct cfg_diags d = {0};
	struct cfg *cfg = NULL;
	const struct cfg_pool *fast, *plain;
	const struct cfg_health *bh;

	snprintf(path, sizeof(path),
		 "%s/tests/configs/valid/health-inheritance.yaml",
		 test_srcdir());
	ck_assert_int_eq(cfg_load(path, &cfg, &d), 0);
	/* Top level: 10s interval, derived timeout and fast interval. */
	ck_assert_int_eq(cfg->health.type, CFG_HC_HTTP);
	ck_assert_uint_eq(cfg->health.interval_ms, 10000);
	ck_assert_uint_eq(cfg->health.timeout_ms, 1000);
	ck_assert_uint_eq(cfg->health.fast_interval_ms, 1000);
	ck_assert_uint_eq(cfg->health.n_expect, 2);
	ck_assert_uint_eq(cfg->health.expect[0].lo, 200);
	ck_assert_uint_eq(cfg->health.expect[0].hi, 299);
	ck_assert_uint_eq(cfg->health.expect[1].lo, 304);
	fast = &cfg->pools[0];
	plain = &cfg->pools[1];
	ck_assert_str_eq(fast->name, "fast");
	/* Pool: 500ms interval re-derives what nobody wrote. */
	ck_assert_int_eq(fast->health.type, CFG_HC_HTTP);
	ck_assert_str_eq(fast->health.path, "/healthz");
	ck_assert_uint_eq(fast->health.interval_ms, 500);
	ck_assert_uint_eq(fast->health.timeout_ms, 250);
	ck_assert_uint_eq(fast->health.fast_interval_ms, 250);
	ck_assert_uint_eq(fast->health.set, CFG_HF_INTERVAL);
	/* Backend: its own struct, inheriting the pool's interval. */
	ck_assert_ptr_eq(fast->backends[0].health, &fast->health);
	bh = fast->backends[1].health;
	ck_assert_ptr_ne(bh, &fast->health);
	ck_assert_int_eq(bh->type, CFG_HC_TCP);
	ck_assert_uint_eq(bh->port, 9000);
	ck_assert_uint_eq(bh->interval_ms, 500);
	ck_assert_uint_eq(bh->set, CFG_HF_TYPE | CFG_HF_PORT);
	ck_assert_int_eq(plain->health.type, CFG_HC_TCP);
	ck_assert_uint_eq(plain->health.interval_ms, 10000);
	cfg_free(cfg);
	cfg_diags_free(&d);
}
END_TEST

START_TEST(service_features)
{
	char path[4096];
	struct cfg_diags d = {0};
	struct cfg *cfg = NULL;
	const struct cfg_service *s;

	snprintf(path, sizeof(path),
		 "%s/tests/configs/valid/ipvs-features.yaml", test_srcdir());
	ck_assert_int_eq(cfg_load(path, &cfg, &d), 0);
	s = &cfg->services[0];
	ck_assert_int_eq(s->proto, CFG_PROTO_SCTP);
	ck_assert_int_eq(s->sched, CFG_SCHED_SH);
	ck_assert_uint_eq(s->flags,
			  CFG_SVC_SCHED_FALLBACK | CFG_SVC_SCHED_PORT);
	ck_assert_int_eq(s->forwarding, CFG_FWD_TUNNEL);
	ck_assert_int_eq(s->tunnel_type, CFG_TUN_GUE);
	ck_assert_uint_eq(s->tunnel_port, 6080);
	ck_assert_int_eq(cfg->pools[s->pool].backends[0].forwarding,
			 CFG_FWD_NAT);
	ck_assert_uint_eq(cfg->pools[s->pool].backends[0].upper_threshold,
			  1000);
	s = &cfg->services[1];
	ck_assert_uint_eq(s->fwmark, 42);
	ck_assert_int_eq(s->addr.family, AF_INET6);
	ck_assert(lb_addr_is_zero(&s->addr));
	ck_assert_uint_eq(s->port, 0);
	ck_assert(s->flags & CFG_SVC_PERSISTENT);
	ck_assert_uint_eq(s->persistence_s, 3600);
	ck_assert_uint_eq(s->persistence_prefix, 64);
	cfg_free(cfg);
	cfg_diags_free(&d);
}
END_TEST

/* ---- diagnostics ------------------------------------------------------- */

START_TEST(diags_all_reported)
{
	/* Five independent schema errors on five lines: all of them, in order.
	 */
	static const char text[] =
	    "version: 1\n"
	    "dataplane: {driver: fake}\n"
	    "health: {interval: 5}\n"
	    "pools: {p: {backends: [10.0.0.256]}}\n"
	    "services:\n"
	    "  - {name: a, address: 192.0.2.1, port: 0, pool: p}\n"
	    "  - {name: b, address: 192.0.2.2, port: 80, pool: p, colour: "
	    "red}\n"
	    "  - {name: c, address: 192.0.2.3, port: 80, pool: p, protocol: "
	    "icmp}\n";
	static const uint32_t lines[] = {3, 4, 6, 7, 8};
	struct cfg_diags d = {0};
	struct cfg *cfg = load_str(text, &d);

	ck_assert_ptr_null(cfg);
	ck_assert_uint_eq(d.n_errors, 5);
	ck_assert_uint_eq(d.n, 5);
	for (size_t i = 0; i < 5; i++) {
		ck_assert_uint_eq(d.items[i].line, lines[i]);
		ck_assert_int_eq(d.items[i].kind, CFG_DIAG_SCHEMA);
		ck_assert_str_eq(d.items[i].file, "test.yaml");
	}
	ck_assert_str_eq(d.items[2].path, "services[0].port");
	ck_assert_ptr_nonnull(strstr(d.items[3].message, "colour"));
	ck_assert_int_eq(cfg_diags_exit_code(&d), 1);
	cfg_diags_free(&d);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_ptr_null(d.items);
}
END_TEST

START_TEST(diags_exit_codes)
{
	static const char semantic[] =
	    "version: 1\ndataplane: {driver: fake}\n"
	    "services: [{name: s, address: 192.0.2.1, port: 80, pool: none}]\n";
	static const char warn[] =
	    "version: 1\ndataplane: {driver: fake}\n"
	    "pools: {p: {backends: [10.0.0.1]}}\n"
	    "services: [{name: s, address: 192.0.2.1, port: 80, pool: p}]\n";
	struct cfg_diags d = {0};
	struct cfg *cfg;

	ck_assert_int_eq(cfg_diags_exit_code(&d), 0);
	cfg = load_str(semantic, &d);
	ck_assert_ptr_null(cfg);
	ck_assert_int_eq(cfg_diags_exit_code(&d), 2);
	ck_assert_int_eq(d.items[0].kind, CFG_DIAG_SEMANTIC);
	ck_assert_uint_eq(d.items[0].line, 3);
	cfg_diags_free(&d);

	cfg = load_str(warn, &d);
	ck_assert_ptr_nonnull(cfg);
	ck_assert_uint_eq(d.n_errors, 0);
	ck_assert_uint_eq(d.n_warnings, 1);
	ck_assert_int_eq(d.items[0].severity, CFG_SEV_WARNING);
	ck_assert_int_eq(cfg_diags_exit_code(&d), 0);
	cfg_free(cfg);
	cfg_diags_free(&d);

	cfg = load_str("version: 1\ndataplane: {driver: fake", &d);
	ck_assert_ptr_null(cfg);
	ck_assert_int_eq(d.items[0].kind, CFG_DIAG_SYNTAX);
	ck_assert_int_eq(cfg_diags_exit_code(&d), 1);
	cfg_diags_free(&d);
	cfg_diags_free(NULL);
	cfg_free(NULL);
}
END_TEST

START_TEST(missing_file)
{
	struct cfg_diags d = {0};
	struct cfg *cfg = (struct cfg *)1;

	ck_assert_int_eq(cfg_load("/nonexistent/ballast.yaml", &cfg, &d),
			 -ENOENT);
	ck_assert_ptr_null(cfg);
	ck_assert_uint_eq(d.n_errors, 1);
	ck_assert_str_eq(d.items[0].file, "/nonexistent/ballast.yaml");
	ck_assert_ptr_nonnull(
	    strstr(d.items[0].message, "No such file or directory"));
	ck_assert_int_eq(cfg_diags_exit_code(&d), 1);
	cfg_diags_free(&d);
	ck_assert_int_eq(cfg_load("/", &cfg, &d), -EISDIR);
	cfg_diags_free(&d);
}
END_TEST

START_TEST(error_cap)
{
	/* A file with thousands of errors stops at the cap and says so. */
	size_t n = 1000, len = 0, cap = 64 + n * 64;
	char *text = malloc(cap);
	struct cfg_diags d = {0};
	struct cfg *cfg;

	ck_assert_ptr_nonnull(text);
	len += (size_t)snprintf(
	    text, cap, "version: 1\ndataplane: {driver: fake}\nservices:\n");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len,
					"  - {name: s%zu, port: 0}\n", i);
	cfg = load_str(text, &d);
	ck_assert_ptr_null(cfg);
	ck_assert_uint_eq(d.n_errors, CFG_MAX_ERRORS + 1);
	ck_assert_ptr_nonnull(
	    strstr(d.items[d.n - 1].message, "too many errors"));
	cfg_diags_free(&d);
	free(text);
}
END_TEST

START_TEST(reals_per_service_cap)
{
	/* One more backend than the xdp driver holds per service. */
	const struct cfg_driver_caps *caps = cfg_driver_caps(CFG_DRIVER_XDP);
	size_t n = caps->max_reals_per_service + 1, len = 0;
	size_t cap = 512 + n * 32;
	char *text = malloc(cap);
	struct cfg_diags d = {0};
	struct cfg *cfg;

	ck_assert_ptr_nonnull(text);
	len += (size_t)snprintf(
	    text, cap,
	    "version: 1\ndataplane: {driver: xdp, interface: eth0}\n"
	    "services: [{name: big, address: 192.0.2.1, port: 80, pool: p}]\n"
	    "pools:\n  p:\n    backends:\n");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len,
					"      - 10.%zu.%zu.%zu\n", i >> 16,
					(i >> 8) & 255, i & 255);
	cfg = load_str(text, &d);
	ck_assert_ptr_null(cfg);
	ck_assert_uint_eq(d.n_errors, 1);
	ck_assert_int_eq(d.items[0].kind, CFG_DIAG_SEMANTIC);
	ck_assert_uint_eq(d.items[0].line, 3);
	ck_assert_ptr_nonnull(
	    strstr(d.items[0].message, "allows 4096 per service"));
	cfg_diags_free(&d);
	free(text);
}
END_TEST

/* ---- corpus ------------------------------------------------------------ */

struct expect {
	uint32_t line, col;
	enum cfg_severity sev;
	char text[256];
};

/* Read the `# expect-exit:` and `# expect:` header of a corpus file. */
static size_t read_expectations(const char *path, int *exit_code,
				struct expect *ex, size_t max)
{
	char line[512];
	size_t n = 0;
	FILE *f = fopen(path, "r");

	ck_assert_msg(f != NULL, "cannot open %s", path);
	while (fgets(line, sizeof(line), f) && line[0] == '#') {
		char sev[16];
		int off = 0;

		line[strcspn(line, "\n")] = 0;
		if (sscanf(line, "# expect-exit: %d", exit_code) == 1)
			continue;
		if (n < max &&
		    sscanf(line, "# expect: %u:%u: %15[a-z]: %n", &ex[n].line,
			   &ex[n].col, sev, &off) == 3 &&
		    off) {
			ex[n].sev = strcmp(sev, "warning") ? CFG_SEV_ERROR
							   : CFG_SEV_WARNING;
			snprintf(ex[n].text, sizeof(ex[n].text), "%s",
				 line + off);
			n++;
		}
	}
	fclose(f);
	return n;
}

static void check_corpus_file(const char *path, int default_exit)
{
	struct expect ex[32];
	struct cfg_diags d = {0};
	struct cfg *cfg = NULL;
	int want_exit = default_exit, err;
	size_t n = read_expectations(path, &want_exit, ex, 32);
	size_t want_errors = 0;

	err = cfg_load(path, &cfg, &d);
	ck_assert_msg(cfg_diags_exit_code(&d) == want_exit,
		      "%s: exit %d, expected %d (first: %u:%u: %s)", path,
		      cfg_diags_exit_code(&d), want_exit,
		      d.n ? d.items[0].line : 0, d.n ? d.items[0].col : 0,
		      d.n ? d.items[0].message : "-");
	ck_assert_msg((err == 0) == (want_exit == 0), "%s: returned %d", path,
		      err);
	for (size_t i = 0; i < n; i++) {
		bool found = false;

		want_errors += ex[i].sev == CFG_SEV_ERROR;
		for (size_t k = 0; k < d.n && !found; k++)
			found = d.items[k].line == ex[i].line &&
				d.items[k].col == ex[i].col &&
				d.items[k].severity == ex[i].sev &&
				strstr(d.items[k].message, ex[i].text);
		ck_assert_msg(found, "%s: no diagnostic %u:%u: %s", path,
			      ex[i].line, ex[i].col, ex[i].text);
	}
	/* Exactly the errors stated: nothing unexpected on top. */
	ck_assert_msg(d.n_errors == want_errors,
		      "%s: %zu errors, %zu expected (first: %u:%u: %s)", path,
		      d.n_errors, want_errors, d.n ? d.items[0].line : 0,
		      d.n ? d.items[0].col : 0, d.n ? d.items[0].message : "-");
	cfg_free(cfg);
	cfg_diags_free(&d);
}

static glob_t valid_files, invalid_files;

static void corpus_glob(void)
{
	char pat[4096];
	const char *dir = test_srcdir();

	snprintf(pat, sizeof(pat), "%s/tests/configs/valid/*.yaml", dir);
	glob(pat, 0, NULL, &valid_files);
	snprintf(pat, sizeof(pat), "%s/dist/examples/*.yaml", dir);
	glob(pat, valid_files.gl_pathc ? GLOB_APPEND : 0, NULL, &valid_files);
	snprintf(pat, sizeof(pat), "%s/tests/configs/invalid/*.yaml", dir);
	glob(pat, 0, NULL, &invalid_files);
}

START_TEST(corpus_valid)
{
	check_corpus_file(valid_files.gl_pathv[_i], 0);
}
END_TEST

START_TEST(corpus_invalid)
{
	const char *path = invalid_files.gl_pathv[_i];
	int code = -1;
	struct expect ex[32];
	size_t n = read_expectations(path, &code, ex, 32);

	/* Every invalid file states its exit code and at least one error. */
	ck_assert_msg(code == 1 || code == 2, "%s: no '# expect-exit: 1|2'",
		      path);
	ck_assert_msg(n > 0, "%s: no '# expect:' line", path);
	check_corpus_file(path, -1);
}
END_TEST

START_TEST(corpus_size)
{
	/* The examples plus a corpus covering every rule. */
	ck_assert_uint_ge(valid_files.gl_pathc, 2 + 5);
	ck_assert_uint_ge(invalid_files.gl_pathc, 40);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("scalars");

	tcase_add_test(tc, duration_valid);
	tcase_add_test(tc, duration_invalid);
	tcase_add_test(tc, uint_parse);
	tcase_add_test(tc, addresses);
	tcase_add_test(tc, names_primes_suggest);
	tcase_add_test(tc, enum_names);
	tcase_add_test(tc, driver_caps);
	tcase_add_test(tc, default_path);
	suite_add_tcase(s, tc);

	tc = tcase_create("resolve");
	tcase_add_test(tc, defaults_resolved);
	tcase_add_test(tc, small_example_resolved);
	tcase_add_test(tc, driver_defaults);
	tcase_add_test(tc, health_resolution);
	tcase_add_test(tc, service_features);
	suite_add_tcase(s, tc);

	tc = tcase_create("diags");
	tcase_add_test(tc, diags_all_reported);
	tcase_add_test(tc, diags_exit_codes);
	tcase_add_test(tc, missing_file);
	tcase_add_test(tc, error_cap);
	tcase_add_test(tc, reals_per_service_cap);
	suite_add_tcase(s, tc);

	corpus_glob();
	tc = tcase_create("corpus");
	tcase_add_test(tc, corpus_size);
	tcase_add_loop_test(tc, corpus_valid, 0, (int)valid_files.gl_pathc);
	tcase_add_loop_test(tc, corpus_invalid, 0, (int)invalid_files.gl_pathc);
	suite_add_tcase(s, tc);
	return s;
}
