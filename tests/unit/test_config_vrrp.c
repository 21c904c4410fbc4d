// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vrrp: section: what it loads into struct cfg_vrrp, and each of its
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
 * A pair with one group. %s slots: ha extras, vrrp settings, the second
 * node's line, the group's vips, further groups.
 */
static const char tpl[] =
    "version: 1\n"
    "dataplane: {driver: fake}\n"
    "ha:\n"
    "  mode: vrrp\n"
    "  interface: eth0\n"
    "%s"
    "vrrp:\n"
    "%s"
    "  nodes:\n"
    "    - {name: lb1, address: 10.0.0.11, priority: 150}\n"
    "%s"
    "  groups:\n"
    "    - {name: web, vrid: 51, vips: %s}\n"
    "%s"
    "pools: {web: {backends: [10.0.1.1, 10.0.1.2]}}\n"
    "services:\n"
    "  - {name: web, address: 192.0.2.10, port: 80, "
    "pool: web}\n";

#define NODE2 "    - {name: lb2, address: 10.0.0.12}\n"
#define VIPS "[192.0.2.10]"

static int load(struct tl_cfg *l, const char *ha, const char *settings,
		const char *node2, const char *vips, const char *more)
{
	snprintf(l->buf, sizeof(l->buf), tpl, ha, settings, node2, vips, more);
	return tl_cfg_load(l);
}

START_TEST(loads_defaults)
{
	struct tl_cfg l;
	const struct cfg_vrrp *v;

	ck_assert_int_eq(load(&l, "", "", NODE2, VIPS, ""), 0);
	v = &l.cfg->vrrp;
	ck_assert(v->present);
	ck_assert_uint_eq(v->version, 3);
	ck_assert_uint_eq(v->advert_interval_ms, 1000);
	ck_assert(v->preempt);
	ck_assert(!v->unicast);
	ck_assert_ptr_null(v->auth_pass);
	ck_assert_int_eq(l.cfg->ha.provider, CFG_HA_PROVIDER_KEEPALIVED);
	ck_assert_uint_eq(v->n_nodes, 2);
	ck_assert_str_eq(v->nodes[0].name, "lb1");
	ck_assert_uint_eq(v->nodes[0].priority, 150);
	ck_assert_uint_eq(v->nodes[1].priority, 100);
	ck_assert_uint_eq(v->nodes[1].addr.family, AF_INET);
	ck_assert_uint_eq(v->nodes[1].loc.line, 9);
	ck_assert_uint_eq(v->n_groups, 1);
	ck_assert_str_eq(v->groups[0].name, "web");
	ck_assert_uint_eq(v->groups[0].vrid, 51);
	ck_assert_uint_eq(v->groups[0].n_vips, 1);
	ck_assert_uint_eq(v->groups[0].loc.line, 11);
	tl_cfg_unload(&l);
}
END_TEST

START_TEST(loads_settings)
{
	struct tl_cfg l;
	const struct cfg_vrrp *v;

	ck_assert_int_eq(load(&l, "  provider: frr\n",
			      "  version: 3\n  advert_interval: 40950ms\n"
			      "  preempt: false\n",
			      NODE2, "[192.0.2.10, \"2001:db8::10\"]", ""),
			 0);
	v = &l.cfg->vrrp;
	ck_assert_int_eq(l.cfg->ha.provider, CFG_HA_PROVIDER_FRR);
	ck_assert_uint_eq(v->advert_interval_ms, 40950);
	ck_assert(!v->preempt);
	ck_assert_uint_eq(v->groups[0].n_vips, 2);
	ck_assert_uint_eq(v->groups[0].vips[1].family, AF_INET6);
	tl_cfg_unload(&l);

	/* No section: not present, the defaults the gate and renderers use. */
	{
		static const char y[] = "version: 1\n"
					"dataplane: {driver: fake}\n"
					"ha: {mode: vrrp, interface: eth0}\n";
		struct cfg *cfg = NULL;
		struct cfg_diags d = {0};

		ck_assert_int_eq(
		    cfg_load_buffer("t.yaml", y, strlen(y), &cfg, &d), 0);
		ck_assert(!cfg->vrrp.present);
		ck_assert_uint_eq(cfg->vrrp.n_groups, 0);
		ck_assert_uint_eq(cfg->vrrp.version, 3);
		cfg_free(cfg);
		cfg_diags_free(&d);
	}
}
END_TEST

START_TEST(needs_ha_mode)
{
	struct tl_cfg l;
	char buf[2048];
	struct cfg *cfg = NULL;
	struct cfg_diags d = {0};
	char *at;

	/* The template with ha.mode none: refused at the section. */
	ck_assert_int_eq(load(&l, "", "", NODE2, VIPS, ""), 0);
	snprintf(buf, sizeof(buf), "%s", l.buf);
	tl_cfg_unload(&l);
	at = strstr(buf, "mode: vrrp");
	memcpy(at, "mode: none", 10);
	ck_assert_int_ne(cfg_load_buffer("t.yaml", buf, strlen(buf), &cfg, &d),
			 0);
	ck_assert_uint_eq(d.n_errors, 1);
	ck_assert_ptr_nonnull(
	    strstr(d.items[0].message, "set ha.mode to vrrp"));
	ck_assert_uint_eq(d.items[0].line, 7);
	cfg_diags_free(&d);
}
END_TEST

START_TEST(advert_interval_per_version)
{
	static const struct {
		const char *settings;
		bool ok;
		const char *text;
	} cases[] = {
	    {"  advert_interval: 10ms\n", true, NULL},
	    {"  advert_interval: 40950ms\n", true, NULL},
	    {"  advert_interval: 105ms\n", false, "multiple of 10ms"},
	    {"  advert_interval: 40960ms\n", false, "10ms to 40950ms"},
	    {"  version: 2\n  advert_interval: 255s\n", true, NULL},
	    {"  version: 2\n  advert_interval: 1500ms\n", false,
	     "whole seconds"},
	    {"  version: 2\n  advert_interval: 100ms\n", false,
	     "set 'version: 3'"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tl_cfg l;
		uint32_t line = cases[i].settings[2] == 'v' ? 8 : 7;

		(void)!load(&l, "", cases[i].settings, NODE2, VIPS, "");
		if (cases[i].ok)
			tl_cfg_expect_ok(&l);
		else
			tl_cfg_expect_one(&l, line, 20, cases[i].text);
		tl_cfg_unload(&l);
	}
}
END_TEST

START_TEST(advert_interval_frr_v2)
{
	struct tl_cfg l;

	(void)!load(&l, "  provider: frr\n",
		    "  version: 2\n  advert_interval: 41s\n", NODE2, VIPS, "");
	tl_cfg_expect_one(&l, 9, 20, "above the 40950ms FRR's vrrpd accepts");
	tl_cfg_unload(&l);
	(void)!load(&l, "  provider: frr\n",
		    "  version: 2\n  advert_interval: 40s\n", NODE2, VIPS, "");
	tl_cfg_expect_ok(&l);
	tl_cfg_unload(&l);
	/* keepalived takes the whole VRRPv2 range. */
	(void)!load(&l, "", "  version: 2\n  advert_interval: 41s\n", NODE2,
		    VIPS, "");
	tl_cfg_expect_ok(&l);
	tl_cfg_unload(&l);
}
END_TEST

START_TEST(auth_pass_rules)
{
	struct tl_cfg l;

	(void)!load(&l, "", "  version: 2\n  auth_pass: secret\n", NODE2, VIPS,
		    "");
	tl_cfg_expect_ok(&l);
	ck_assert_str_eq(l.cfg->vrrp.auth_pass, "secret");
	tl_cfg_unload(&l);
	(void)!load(&l, "", "  auth_pass: secret\n", NODE2, VIPS, "");
	tl_cfg_expect_one(&l, 7, 14, "or set 'version: 2'");
	tl_cfg_unload(&l);
	(void)!load(&l, "  provider: frr\n",
		    "  version: 2\n  auth_pass: secret\n", NODE2, VIPS, "");
	tl_cfg_expect_one(&l, 9, 14, "FRR's vrrpd has no VRRP authentication");
	tl_cfg_unload(&l);
	(void)!load(&l, "", "  version: 2\n  auth_pass: \"\"\n", NODE2, VIPS,
		    "");
	tl_cfg_expect_one(&l, 8, 14, "auth_pass is empty");
	tl_cfg_unload(&l);
	(void)!load(&l, "", "  version: 2\n  auth_pass: 123456789\n", NODE2,
		    VIPS, "");
	tl_cfg_expect_one(&l, 8, 14, "longer than 8 characters");
	tl_cfg_unload(&l);
}
END_TEST

START_TEST(unicast_rules)
{
	struct tl_cfg l;

	(void)!load(&l, "", "  unicast: true\n", NODE2, VIPS, "");
	tl_cfg_expect_ok(&l);
	ck_assert(l.cfg->vrrp.unicast);
	tl_cfg_unload(&l);
	(void)!load(&l, "  provider: frr\n", "  unicast: true\n", NODE2, VIPS,
		    "");
	tl_cfg_expect_one(&l, 8, 12, "multicast only");
	tl_cfg_unload(&l);
	/* Nodes of two families cannot advert to each other. */
	(void)!load(&l, "", "  unicast: true\n",
		    "    - {name: lb2, address: \"2001:db8::12\"}\n", VIPS, "");
	tl_cfg_expect_one(&l, 10, 28,
			  "give every node an address of one family");
	tl_cfg_unload(&l);
	/* Without unicast the nodes' families do not matter. */
	(void)!load(&l, "", "",
		    "    - {name: lb2, address: \"2001:db8::12\"}\n", VIPS, "");
	tl_cfg_expect_ok(&l);
	tl_cfg_unload(&l);
	/* An IPv6 VIP cannot go in unicast adverts between IPv4 nodes. */
	(void)!load(&l, "", "  unicast: true\n", NODE2,
		    "[192.0.2.10, \"2001:db8::10\"]", "");
	tl_cfg_expect_one(&l, 12, 48, "give those VIPs nodes of their family");
	tl_cfg_unload(&l);
}
END_TEST

START_TEST(version2_ipv4_only)
{
	struct tl_cfg l;

	(void)!load(&l, "", "  version: 2\n", NODE2,
		    "[192.0.2.10, \"2001:db8::10\"]", "");
	tl_cfg_expect_one(&l, 12, 48, "VRRPv2 is IPv4 only");
	tl_cfg_unload(&l);
	(void)!load(&l, "", "  version: 3\n", NODE2,
		    "[192.0.2.10, \"2001:db8::10\"]", "");
	tl_cfg_expect_ok(&l);
	tl_cfg_unload(&l);
}
END_TEST

START_TEST(nodes_unique)
{
	struct tl_cfg l;

	(void)!load(&l, "", "", "    - {name: lb1, address: 10.0.0.12}\n", VIPS,
		    "");
	tl_cfg_expect_one(&l, 9, 14, "node name 'lb1' is already used");
	tl_cfg_unload(&l);
	(void)!load(&l, "", "", "    - {name: lb2, address: 10.0.0.11}\n", VIPS,
		    "");
	tl_cfg_expect_one(&l, 9, 28, "has the address 10.0.0.11 of node 'lb1'");
	tl_cfg_unload(&l);
	/* A single node is allowed (the other runs an older file). */
	(void)!load(&l, "", "", "", VIPS, "");
	tl_cfg_expect_ok(&l);
	tl_cfg_unload(&l);
}
END_TEST

START_TEST(groups_unique)
{
	struct tl_cfg l;

	(void)!load(&l, "", "", NODE2, VIPS,
		    "    - {name: api, vrid: 51, vips: [192.0.2.20]}\n");
	tl_cfg_expect_one(&l, 12, 25,
			  "vrid 51 of group 'api' is already the vrid");
	tl_cfg_unload(&l);
	(void)!load(&l, "", "", NODE2, VIPS,
		    "    - {name: web, vrid: 52, vips: [192.0.2.20]}\n");
	tl_cfg_expect_one(&l, 12, 14, "group name 'web' is already used");
	tl_cfg_unload(&l);
	(void)!load(&l, "", "", NODE2, VIPS,
		    "    - {name: api, vrid: 52, vips: [192.0.2.10]}\n");
	tl_cfg_expect_one(&l, 12, 36, "is already in group 'web' (line 11)");
	tl_cfg_unload(&l);
	(void)!load(&l, "", "", NODE2, "[192.0.2.10, 192.0.2.10]", "");
	tl_cfg_expect_one(&l, 11, 48, "listed twice in group 'web'");
	tl_cfg_unload(&l);
	/* Distinct everything, and a VIP no service uses: fine. */
	(void)!load(&l, "", "", NODE2, VIPS,
		    "    - {name: api, vrid: 52, vips: [192.0.2.20]}\n");
	tl_cfg_expect_ok(&l);
	tl_cfg_unload(&l);
}
END_TEST

START_TEST(vip_class)
{
	struct tl_cfg l;

	(void)!load(&l, "", "", NODE2, "[192.0.2.10, 224.0.0.18]", "");
	tl_cfg_expect_one(&l, 11, 48, "is a multicast address");
	tl_cfg_unload(&l);
	(void)!load(&l, "", "", NODE2, "[192.0.2.10/32]", "");
	tl_cfg_expect_one(&l, 11, 36, "without a prefix length");
	tl_cfg_unload(&l);
}
END_TEST

START_TEST(services_in_groups)
{
	struct tl_cfg l;

	(void)!load(&l, "", "", NODE2, "[192.0.2.99]",
		    "    - {name: api, vrid: 52, vips: [192.0.2.98]}\n");
	tl_cfg_expect_one(&l, 15, 26, "groups: web, api");
	tl_cfg_unload(&l);
	/* The same service with its address in the second group. */
	(void)!load(&l, "", "", NODE2, "[192.0.2.99]",
		    "    - {name: api, vrid: 52, vips: [192.0.2.10]}\n");
	tl_cfg_expect_ok(&l);
	tl_cfg_unload(&l);
}
END_TEST

START_TEST(required_and_ranges)
{
	struct tl_cfg l;

	(void)!load(&l, "", "  version: 1\n", NODE2, VIPS, "");
	tl_cfg_expect_one(&l, 7, 12, "allowed 2..3");
	tl_cfg_unload(&l);
	(void)!load(&l, "", "",
		    "    - {name: lb2, address: 10.0.0.12, "
		    "priority: 255}\n",
		    VIPS, "");
	tl_cfg_expect_one(&l, 9, 49, "allowed 1..254");
	tl_cfg_unload(&l);
	(void)!load(&l, "", "", NODE2, "[]", "");
	tl_cfg_expect_one(&l, 11, 35, "name at least one virtual address");
	tl_cfg_unload(&l);
	(void)!load(&l, "", "", NODE2, VIPS,
		    "    - {name: api, vips: [192.0.2.20]}\n");
	tl_cfg_expect_one(&l, 12, 7, "missing required key 'vrid'");
	tl_cfg_unload(&l);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("config_vrrp");
	TCase *tc = tcase_create("load");

	tcase_add_test(tc, loads_defaults);
	tcase_add_test(tc, loads_settings);
	suite_add_tcase(s, tc);

	tc = tcase_create("rules");
	tcase_add_test(tc, needs_ha_mode);
	tcase_add_test(tc, advert_interval_per_version);
	tcase_add_test(tc, advert_interval_frr_v2);
	tcase_add_test(tc, auth_pass_rules);
	tcase_add_test(tc, unicast_rules);
	tcase_add_test(tc, version2_ipv4_only);
	tcase_add_test(tc, nodes_unique);
	tcase_add_test(tc, groups_unique);
	tcase_add_test(tc, vip_class);
	tcase_add_test(tc, services_in_groups);
	tcase_add_test(tc, required_and_ranges);
	suite_add_tcase(s, tc);
	return s;
}
