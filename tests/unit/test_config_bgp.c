// SPDX-License-Identifier: GPL-2.0-only
/*
 * The bgp: section: what it loads into struct cfg_bgp, and each of its
 * rules both ways: a file breaking it gets the one diagnostic, at the
 * place to change, and the same file with the fix loads.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config/config.h"
#include "tests/lib/cfg_expect.h"
#include "tests/lib/check_main.h"

/*
 * A group of two nodes. %s slots: ha mode line, ha extras, bgp settings,
 * the first node's neighbours, the second node's line. Without ha extras
 * or settings: bgp: is line 5, lb1 line 8, its neighbours line 10.
 */
static const char tpl[] =
    "version: 1\n"
    "dataplane: {driver: fake}\n"
    "ha:\n"
    "  mode: %s\n"
    "%s"
    "bgp:\n"
    "  asn: 65001\n"
    "%s"
    "  nodes:\n"
    "    - name: lb1\n"
    "      router_id: 10.0.1.2\n"
    "      neighbors: %s\n"
    "%s"
    "pools: {web: {backends: [10.0.1.1, 10.0.1.2]}}\n"
    "services:\n"
    "  - {name: web, address: 198.51.100.10, port: 80, pool: web}\n";

#define NB1 "[{address: 10.0.1.1, asn: 65000}]"
#define NODE2                                                                  \
	"    - {name: lb2, router_id: 10.0.2.2, neighbors: [{address: "        \
	"10.0.2.1, asn: 65000}]}\n"

static int load(struct tl_cfg *l, const char *mode, const char *ha,
		const char *settings, const char *nbs, const char *node2)
{
	snprintf(l->buf, sizeof(l->buf), tpl, mode, ha, settings, nbs, node2);
	return tl_cfg_load(l);
}

START_TEST(loads_defaults)
{
	struct tl_cfg l;
	const struct cfg_bgp *b;

	ck_assert_int_eq(load(&l, "bgp", "", "", NB1, NODE2), 0);
	ck_assert_uint_eq(l.d.n, 0);
	ck_assert_int_eq(l.cfg->ha.mode, CFG_HA_BGP);
	b = &l.cfg->bgp;
	ck_assert(b->present);
	ck_assert_uint_eq(b->asn, 65001);
	ck_assert_uint_eq(b->route_protocol, 200);
	ck_assert_uint_eq(b->route_table, 254);
	ck_assert_uint_eq(b->min_healthy, 1);
	ck_assert_uint_eq(b->drain_wait_ms, 30000);
	ck_assert_uint_eq(b->keepalive_s, 1);
	ck_assert_uint_eq(b->hold_time_s, 3);
	ck_assert(!b->bfd);
	ck_assert_uint_eq(b->bfd_interval_ms, 100);
	ck_assert_uint_eq(b->bfd_multiplier, 3);
	ck_assert_uint_eq(b->loc.line, 6);
	ck_assert_uint_eq(b->n_nodes, 2);
	ck_assert_str_eq(b->nodes[0].name, "lb1");
	ck_assert_uint_eq(b->nodes[0].loc.line, 8);
	ck_assert_uint_eq(b->nodes[0].router_id.family, AF_INET);
	ck_assert_uint_eq(b->nodes[0].n_neighbors, 1);
	ck_assert_uint_eq(b->nodes[0].neighbors[0].asn, 65000);
	ck_assert_uint_eq(b->nodes[0].neighbors[0].loc.line, 10);
	ck_assert_str_eq(b->nodes[1].name, "lb2");
	ck_assert_uint_eq(b->nodes[1].loc.line, 11);
	tl_cfg_unload(&l);
}
END_TEST

START_TEST(loads_settings)
{
	struct tl_cfg l;
	const struct cfg_bgp *b;

	ck_assert_int_eq(
	    load(&l, "bgp", "",
		 "  route_protocol: 99\n  route_table: 100\n"
		 "  min_healthy: 2\n  drain_wait: 0s\n"
		 "  timers: {keepalive: 10s, hold: 30s}\n"
		 "  bfd: {enabled: true, interval: 300ms, multiplier: 5}\n",
		 "[{address: 10.0.1.1, asn: 65000}, {address: \"fe80::1\", "
		 "asn: 4200000000}]",
		 ""),
	    0);
	b = &l.cfg->bgp;
	ck_assert_uint_eq(b->route_protocol, 99);
	ck_assert_uint_eq(b->route_table, 100);
	ck_assert_uint_eq(b->min_healthy, 2);
	ck_assert_uint_eq(b->drain_wait_ms, 0);
	ck_assert_uint_eq(b->keepalive_s, 10);
	ck_assert_uint_eq(b->hold_time_s, 30);
	ck_assert(b->bfd);
	ck_assert_uint_eq(b->bfd_interval_ms, 300);
	ck_assert_uint_eq(b->bfd_multiplier, 5);
	ck_assert_uint_eq(b->n_nodes, 1);
	ck_assert_uint_eq(b->nodes[0].n_neighbors, 2);
	ck_assert_uint_eq(b->nodes[0].neighbors[1].addr.family, AF_INET6);
	ck_assert_uint_eq(b->nodes[0].neighbors[1].asn, 4200000000u);
	tl_cfg_unload(&l);

	/* No section: not present, the defaults the announcer would use. */
	{
		static const char y[] = "version: 1\n"
					"dataplane: {driver: fake}\n";
		struct cfg *cfg = NULL;
		struct cfg_diags d = {0};

		ck_assert_int_eq(
		    cfg_load_buffer("t.yaml", y, strlen(y), &cfg, &d), 0);
		ck_assert(!cfg->bgp.present);
		ck_assert_uint_eq(cfg->bgp.n_nodes, 0);
		ck_assert_uint_eq(cfg->bgp.route_protocol, 200);
		ck_assert_uint_eq(cfg->bgp.route_table, 254);
		ck_assert_uint_eq(cfg->bgp.hold_time_s, 3);
		cfg_free(cfg);
		cfg_diags_free(&d);
	}
}
END_TEST

START_TEST(section_and_mode_go_together)
{
	struct tl_cfg l;

	(void)!load(&l, "none", "", "", NB1, NODE2);
	tl_cfg_expect_one(&l, 6, 3,
			  "set ha.mode to bgp, or remove the section");
	tl_cfg_unload(&l);
	(void)!load(&l, "vrrp", "  interface: eth0\n", "", NB1, NODE2);
	tl_cfg_expect_one(&l, 7, 3,
			  "set ha.mode to bgp, or remove the section");
	tl_cfg_unload(&l);
	/* ha.mode bgp without the section: refused at the mode. */
	{
		static const char y[] = "version: 1\n"
					"dataplane: {driver: fake}\n"
					"ha: {mode: bgp}\n";
		struct cfg *cfg = NULL;
		struct cfg_diags d = {0};

		ck_assert_int_ne(
		    cfg_load_buffer("t.yaml", y, strlen(y), &cfg, &d), 0);
		ck_assert_uint_eq(d.n_errors, 1);
		ck_assert_ptr_nonnull(
		    strstr(d.items[0].message, "needs a 'bgp:' section"));
		ck_assert_uint_eq(d.items[0].line, 3);
		ck_assert_uint_eq(d.items[0].col, 12);
		cfg_diags_free(&d);
	}
}
END_TEST

START_TEST(vrrp_settings_warned)
{
	struct tl_cfg l;

	(void)!load(&l, "bgp", "  interface: eth0\n", "", NB1, NODE2);
	tl_cfg_expect_warning(&l, 5, 14, "ha.interface is a vrrp setting");
	tl_cfg_unload(&l);
	(void)!load(&l, "bgp", "  standby: warm\n", "", NB1, NODE2);
	tl_cfg_expect_warning(&l, 5, 12, "ha.standby is a vrrp setting");
	tl_cfg_unload(&l);
}
END_TEST

START_TEST(route_protocol_rules)
{
	static const struct {
		unsigned int proto;
		const char *text;
	} bad[] = {
	    {0, "unspec"},	{2, "kernel"},	    {3, "boot"},
	    {4, "static"},	{11, "FRR's own"},  {42, "FRR's own"},
	    {186, "FRR's own"}, {198, "FRR's own"},
	};
	static const unsigned int good[] = {5, 10, 12, 41, 43, 185, 199, 255};
	char s[64];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tl_cfg l;

		snprintf(s, sizeof(s), "  route_protocol: %u\n", bad[i].proto);
		(void)!load(&l, "bgp", "", s, NB1, NODE2);
		tl_cfg_expect_one(&l, 7, 19, bad[i].text);
		tl_cfg_expect_one(&l, 7, 19, "pick a number of its own");
		tl_cfg_unload(&l);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct tl_cfg l;

		snprintf(s, sizeof(s), "  route_protocol: %u\n", good[i]);
		(void)!load(&l, "bgp", "", s, NB1, NODE2);
		tl_cfg_expect_ok(&l);
		ck_assert_uint_eq(l.cfg->bgp.route_protocol, good[i]);
		tl_cfg_unload(&l);
	}
}
END_TEST

START_TEST(route_table_rules)
{
	static const struct {
		const char *s;
		bool ok;
	} cases[] = {
	    {"  route_table: 254\n", true},  {"  route_table: 1\n", true},
	    {"  route_table: 252\n", true},  {"  route_table: 253\n", false},
	    {"  route_table: 255\n", false}, {"  route_table: 1000\n", false},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tl_cfg l;

		(void)!load(&l, "bgp", "", cases[i].s, NB1, NODE2);
		if (cases[i].ok)
			tl_cfg_expect_ok(&l);
		else
			tl_cfg_expect_one(&l, 7, 16, "not one zebra can read");
		tl_cfg_unload(&l);
	}
	/* Another table holds IPv4 routes only: no IPv6 service then. */
	{
		static const char y[] =
		    "version: 1\n"
		    "dataplane: {driver: fake}\n"
		    "ha: {mode: bgp}\n"
		    "bgp:\n"
		    "  asn: 65001\n"
		    "  route_table: 100\n"
		    "  nodes: [{name: lb1, router_id: 10.0.1.2, neighbors: "
		    "[{address: 10.0.1.1, asn: 65000}]}]\n"
		    "pools: {web: {backends: [\"2001:db8:1::1\", "
		    "\"2001:db8:1::2\"]}}\n"
		    "services:\n"
		    "  - {name: web, address: \"2001:db8::1\", port: 80, "
		    "pool: web}\n";
		struct cfg *cfg = NULL;
		struct cfg_diags d = {0};

		ck_assert_int_ne(
		    cfg_load_buffer("t.yaml", y, strlen(y), &cfg, &d), 0);
		ck_assert_uint_eq(d.n_errors, 1);
		ck_assert_ptr_nonnull(strstr(d.items[0].message,
					     "for IPv4 only, and service "
					     "'web' has the IPv6 address "
					     "2001:db8::1; keep the default"));
		ck_assert_uint_eq(d.items[0].line, 6);
		ck_assert_uint_eq(d.items[0].col, 16);
		cfg_diags_free(&d);
	}
}
END_TEST

/* Timers, and the ranges of the other settings. */
START_TEST(settings_rules)
{
	static const struct {
		const char *s;
		uint32_t col;
		const char *text;
	} cases[] = {
	    {"  timers: {keepalive: 1s, hold: 3s}\n", 0, NULL},
	    {"  timers: {keepalive: 3s, hold: 9s}\n", 0, NULL},
	    {"  timers: {hold: 90s}\n", 0, NULL},
	    {"  timers: {keepalive: 1500ms, hold: 6s}\n", 23,
	     "bgpd counts whole seconds"},
	    {"  timers: {keepalive: 1s, hold: 3500ms}\n", 33,
	     "bgpd counts whole seconds"},
	    {"  timers: {keepalive: 2s, hold: 3s}\n", 23,
	     "more than a third of hold 3s"},
	    {"  timers: {keepalive: 2s}\n", 23, "more than a third of hold"},
	    {"  timers: {hold: 2s}\n", 18, "allowed 3s..65535s"},
	    {"  min_healthy: 0\n", 16, "allowed 1..65535"},
	    {"  drain_wait: 2h\n", 15, "allowed 0ms..1h"},
	    {"  bfd: {interval: 5ms}\n", 19, "allowed 10ms..1m"},
	    {"  bfd: {multiplier: 1}\n", 21, "allowed 2..255"},
	    {"  drain_wait: 1h\n", 0, NULL},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tl_cfg l;

		(void)!load(&l, "bgp", "", cases[i].s, NB1, NODE2);
		if (!cases[i].text)
			tl_cfg_expect_ok(&l);
		else
			tl_cfg_expect_one(&l, 7, cases[i].col, cases[i].text);
		tl_cfg_unload(&l);
	}
}
END_TEST

START_TEST(nodes_unique)
{
	struct tl_cfg l;

	(void)!load(&l, "bgp", "", "", NB1,
		    "    - {name: lb1, router_id: 10.0.2.2, neighbors: "
		    "[{address: 10.0.2.1, asn: 65000}]}\n");
	tl_cfg_expect_one(&l, 11, 14, "node name 'lb1' is already used");
	tl_cfg_unload(&l);
	(void)!load(&l, "bgp", "", "", NB1,
		    "    - {name: lb2, router_id: 10.0.1.2, neighbors: "
		    "[{address: 10.0.2.1, asn: 65000}]}\n");
	tl_cfg_expect_one(&l, 11, 30,
			  "has the router_id 10.0.1.2 of node 'lb1'");
	tl_cfg_unload(&l);
	/* One node is a group too. */
	(void)!load(&l, "bgp", "", "", NB1, "");
	tl_cfg_expect_ok(&l);
	tl_cfg_unload(&l);
}
END_TEST

START_TEST(node_fields)
{
	struct tl_cfg l;

	(void)!load(&l, "bgp", "", "", NB1,
		    "    - {name: lb2, router_id: \"2001:db8::2\", neighbors: "
		    "[{address: 10.0.2.1, asn: 65000}]}\n");
	tl_cfg_expect_one(&l, 11, 30, "is not an IPv4 address");
	tl_cfg_unload(&l);
	(void)!load(&l, "bgp", "", "", NB1,
		    "    - {name: lb2, router_id: 224.0.0.5, neighbors: "
		    "[{address: 10.0.2.1, asn: 65000}]}\n");
	tl_cfg_expect_one(&l, 11, 30, "is a multicast address");
	tl_cfg_unload(&l);
	(void)!load(&l, "bgp", "", "", "[]", "");
	tl_cfg_expect_one(&l, 10, 18, "declare at least one neighbor");
	tl_cfg_unload(&l);
	(void)!load(&l, "bgp", "", "", "[{address: 10.0.1.1}]", "");
	tl_cfg_expect_one(&l, 10, 19, "missing required key 'asn'");
	tl_cfg_unload(&l);
	(void)!load(&l, "bgp", "", "",
		    "[{address: 10.0.1.1, asn: 65000}, {address: 10.0.1.1, "
		    "asn: 65002}]",
		    "");
	tl_cfg_expect_one(&l, 10, 62,
			  "neighbor 10.0.1.1 of node 'lb1' is already");
	tl_cfg_unload(&l);
	(void)!load(&l, "bgp", "", "", "[{address: 10.0.1.1, asn: 0}]", "");
	tl_cfg_expect_one(&l, 10, 44, "allowed 1..4294967295");
	tl_cfg_unload(&l);
	(void)!load(&l, "bgp", "", "", "[{address: 10.0.1.1, asn: 4294967296}]",
		    "");
	tl_cfg_expect_one(&l, 10, 44, "allowed 1..4294967295");
	tl_cfg_unload(&l);
	(void)!load(&l, "bgp", "", "", "[{address: 10.0.1.255/24, asn: 1}]",
		    "");
	tl_cfg_expect_one(&l, 10, 29, "without a prefix length");
	tl_cfg_unload(&l);
}
END_TEST

START_TEST(services_warned)
{
	struct tl_cfg l;

	(void)!load(&l, "bgp", "", "  min_healthy: 3\n", NB1, NODE2);
	tl_cfg_expect_warning(&l, 15, 5, "fewer than bgp.min_healthy 3");
	tl_cfg_unload(&l);
	(void)!load(&l, "bgp", "", "  min_healthy: 2\n", NB1, NODE2);
	tl_cfg_expect_ok(&l);
	ck_assert_uint_eq(l.d.n, 0);
	tl_cfg_unload(&l);
	/* A service naming no pool: that error alone, no read past the
	 * pools (found by the fuzzer). */
	snprintf(l.buf, sizeof(l.buf), tpl, "bgp", "", "  min_healthy: 3\n",
		 NB1, NODE2);
	memcpy(strstr(l.buf, "pool: web}"), "pool: seb}", 10);
	ck_assert_int_ne(tl_cfg_load(&l), 0);
	tl_cfg_expect_one(&l, 15, 57, "undefined pool 'seb'");
	for (size_t i = 0; i < l.d.n; i++)
		ck_assert_ptr_null(strstr(l.d.items[i].message, "min_healthy"));
	tl_cfg_unload(&l);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("config_bgp");
	TCase *tc = tcase_create("load");

	tcase_add_test(tc, loads_defaults);
	tcase_add_test(tc, loads_settings);
	suite_add_tcase(s, tc);

	tc = tcase_create("rules");
	tcase_add_test(tc, section_and_mode_go_together);
	tcase_add_test(tc, vrrp_settings_warned);
	tcase_add_test(tc, route_protocol_rules);
	tcase_add_test(tc, route_table_rules);
	tcase_add_test(tc, settings_rules);
	tcase_add_test(tc, nodes_unique);
	tcase_add_test(tc, node_fields);
	tcase_add_test(tc, services_warned);
	suite_add_tcase(s, tc);
	return s;
}
