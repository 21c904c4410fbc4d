// SPDX-License-Identifier: GPL-2.0-only
/*
 * `ballast bgp`: the bgpd block against golden copies (IPv4 only, IPv4 and
 * IPv6, BFD, two neighbours, another table, no VIP), the node choice, and
 * the frr.conf patcher with a vrrp block and a bgp block in one file: each
 * patch changes only its own block, every other byte stays, and patching
 * again changes nothing.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/bgp/render.h"
#include "cmd/vrrp/render.h"
#include "config/config.h"
#include "tests/lib/check_main.h"

/* %s: bgp settings; %s: lb2's neighbours; %s: services. */
static const char yaml_tpl[] =
    "version: 1\n"
    "dataplane: {driver: fake}\n"
    "ha: {mode: bgp}\n"
    "bgp:\n"
    "  asn: 65001\n"
    "%s"
    "  nodes:\n"
    "    - {name: lb1, router_id: 10.0.1.2, neighbors: [{address: "
    "10.0.1.1, asn: 65000}]}\n"
    "    - {name: lb2, router_id: 10.0.2.2, neighbors: %s}\n"
    "pools:\n"
    "  web: {backends: [10.0.10.1, 10.0.10.2]}\n"
    "  web6: {backends: [\"2001:db8:10::1\", \"2001:db8:10::2\"]}\n"
    "services:\n"
    "%s";

#define NB2 "[{address: 10.0.2.1, asn: 65000}]"
/* Two services on one VIP, another VIP before it: listed once, sorted. */
#define SVC4                                                                   \
	"  - {name: web, address: 198.51.100.20, port: 80, pool: web}\n"       \
	"  - {name: webs, address: 198.51.100.20, port: 443, pool: web}\n"     \
	"  - {name: api, address: 198.51.100.10, port: 80, pool: web}\n"
#define SVC6                                                                   \
	"  - {name: web6, address: \"2001:db8:100::10\", port: 80, pool: "     \
	"web6}\n"

static struct cfg *load(const char *settings, const char *nb2, const char *svcs)
{
	char buf[2048];
	struct cfg_diags d = {0};
	struct cfg *cfg = NULL;
	int r;

	snprintf(buf, sizeof(buf), yaml_tpl, settings, nb2, svcs);
	r = cfg_load_buffer("t.yaml", buf, strlen(buf), &cfg, &d);
	ck_assert_msg(!r, "%s: %s", buf, d.n ? d.items[0].message : "-");
	cfg_diags_free(&d);
	return cfg;
}

static char *render(const struct cfg *cfg, size_t node)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(bg_render_frr(cfg, node, f), 0);
	fclose(f);
	return text;
}

#define HEAD(node, table)                                                      \
	VR_FRR_BGP_BEGIN "\n"                                                  \
			 "! Written by `ballast bgp` for node " node           \
			 " from the YAML's bgp:\n"                             \
			 "! section and service addresses; edit the YAML and " \
			 "patch again.\n"                                      \
			 "! Ballast announces a VIP it can serve by adding "   \
			 "the kernel route\n"                                  \
			 "! VIP/32 (/128) dev lo proto 200 table " table       \
			 "; zebra sees it, bgpd\n"                             \
			 "! redistributes it through BALLAST-VIP "             \
			 "(Docs/SCALE.md).\n"
#define DENY "route-map BALLAST-DENY deny 10\nexit\n"

START_TEST(ipv4_golden)
{
	static const char want[] =
	    HEAD("lb1", "254") "ip prefix-list BALLAST-VIP4 seq 10 permit "
			       "198.51.100.10/32\n"
			       "ip prefix-list BALLAST-VIP4 seq 20 permit "
			       "198.51.100.20/32\n"
			       "route-map BALLAST-VIP permit 10\n"
			       " match ip address prefix-list BALLAST-VIP4\n"
			       " set metric 0\n"
			       "exit\n" DENY "router bgp 65001\n"
			       " bgp router-id 10.0.1.2\n"
			       " no bgp default ipv4-unicast\n"
			       " neighbor 10.0.1.1 remote-as 65000\n"
			       " neighbor 10.0.1.1 timers 1 3\n"
			       " address-family ipv4 unicast\n"
			       "  redistribute kernel route-map BALLAST-VIP\n"
			       "  neighbor 10.0.1.1 activate\n"
			       "  neighbor 10.0.1.1 route-map BALLAST-DENY in\n"
			       "  neighbor 10.0.1.1 route-map BALLAST-VIP out\n"
			       " exit-address-family\n"
			       "exit\n" VR_FRR_BGP_END;
	struct cfg *cfg = load("", NB2, SVC4);
	char *text = render(cfg, 0);

	ck_assert_str_eq(text, want);
	free(text);
	cfg_free(cfg);
}
END_TEST

START_TEST(dual_stack_bfd_two_neighbors_golden)
{
	static const char want[] = HEAD(
	    "lb2", "254") "ip prefix-list BALLAST-VIP4 seq 10 permit "
			  "198.51.100.10/32\n"
			  "ip prefix-list BALLAST-VIP4 seq 20 permit "
			  "198.51.100.20/32\n"
			  "ipv6 prefix-list BALLAST-VIP6 seq 10 permit "
			  "2001:db8:100::10/128\n"
			  "route-map BALLAST-VIP permit 10\n"
			  " match ip address prefix-list BALLAST-VIP4\n"
			  " set metric 0\n"
			  "exit\n"
			  "route-map BALLAST-VIP permit 20\n"
			  " match ipv6 address prefix-list BALLAST-VIP6\n"
			  " set metric 0\n"
			  "exit\n" DENY "bfd\n"
			  " profile BALLAST\n"
			  "  detect-multiplier 5\n"
			  "  receive-interval 300\n"
			  "  transmit-interval 300\n"
			  " exit\n"
			  "exit\n"
			  "router bgp 65001\n"
			  " bgp router-id 10.0.2.2\n"
			  " no bgp default ipv4-unicast\n"
			  " neighbor 10.0.2.1 remote-as 65000\n"
			  " neighbor 10.0.2.1 timers 3 9\n"
			  " neighbor 10.0.2.1 bfd\n"
			  " neighbor 10.0.2.1 bfd profile BALLAST\n"
			  " neighbor 2001:db8:2::1 remote-as 4200000000\n"
			  " neighbor 2001:db8:2::1 timers 3 9\n"
			  " neighbor 2001:db8:2::1 bfd\n"
			  " neighbor 2001:db8:2::1 bfd profile BALLAST\n"
			  " address-family ipv4 unicast\n"
			  "  redistribute kernel route-map BALLAST-VIP\n"
			  "  neighbor 10.0.2.1 activate\n"
			  "  neighbor 10.0.2.1 route-map BALLAST-DENY in\n"
			  "  neighbor 10.0.2.1 route-map BALLAST-VIP out\n"
			  " exit-address-family\n"
			  " address-family ipv6 unicast\n"
			  "  redistribute kernel route-map BALLAST-VIP\n"
			  "  neighbor 2001:db8:2::1 activate\n"
			  "  neighbor 2001:db8:2::1 route-map BALLAST-DENY "
			  "in\n"
			  "  neighbor 2001:db8:2::1 route-map BALLAST-VIP "
			  "out\n"
			  " exit-address-family\n"
			  "exit\n" VR_FRR_BGP_END;
	struct cfg *cfg = load("  timers: {keepalive: 3s, hold: 9s}\n"
			       "  bfd: {enabled: true, interval: 300ms, "
			       "multiplier: 5}\n",
			       "[{address: 10.0.2.1, asn: 65000}, {address: "
			       "\"2001:db8:2::1\", asn: 4200000000}]",
			       SVC4 SVC6);
	char *text = render(cfg, 1);

	ck_assert_str_eq(text, want);
	free(text);
	cfg_free(cfg);
}
END_TEST

/* IPv6 VIPs, IPv4 neighbours only: the session carries both families. */
START_TEST(ipv6_over_ipv4_session)
{
	struct cfg *cfg = load("", NB2, SVC6);
	char *text = render(cfg, 1);

	ck_assert_ptr_null(strstr(text, "address-family ipv4"));
	ck_assert_ptr_null(strstr(text, "BALLAST-VIP4"));
	ck_assert_ptr_nonnull(
	    strstr(text, " address-family ipv6 unicast\n"
			 "  redistribute kernel route-map BALLAST-VIP\n"
			 "  neighbor 10.0.2.1 activate\n"
			 "  neighbor 10.0.2.1 route-map BALLAST-DENY in\n"
			 "  neighbor 10.0.2.1 route-map BALLAST-VIP out\n"
			 " exit-address-family\n"));
	free(text);
	cfg_free(cfg);
}
END_TEST

START_TEST(other_table_and_no_vip)
{
	struct cfg *cfg = load("  route_table: 100\n", NB2, SVC4);
	char *text = render(cfg, 0);

	ck_assert_ptr_nonnull(strstr(text,
				     HEAD("lb1", "100") "ip import-table 100\n"
							"ip prefix-list"));
	ck_assert_ptr_nonnull(
	    strstr(text, "  redistribute table 100 route-map BALLAST-VIP\n"));
	ck_assert_ptr_null(strstr(text, "redistribute kernel"));
	free(text);
	cfg_free(cfg);

	/* No VIP (fwmark services only, or none): the map denies all. */
	cfg = load("", NB2, "  []\n");
	text = render(cfg, 0);
	ck_assert_ptr_nonnull(strstr(text, "(Docs/SCALE.md).\n"
					   "route-map BALLAST-VIP deny 10\n"
					   "exit\n" DENY "router bgp 65001\n"));
	ck_assert_ptr_nonnull(strstr(text, " address-family ipv4 unicast\n"));
	free(text);
	cfg_free(cfg);
}
END_TEST

START_TEST(node_choice)
{
	struct cfg *cfg = load("", NB2, SVC4);
	char err[512];
	size_t idx = 9;

	ck_assert_int_eq(
	    bg_node_select(cfg, "lb2", NULL, &idx, err, sizeof(err)), 0);
	ck_assert_uint_eq(idx, 1);
	ck_assert_int_eq(bg_node_select(cfg, NULL, "lb1.example.net", &idx, err,
					sizeof(err)),
			 0);
	ck_assert_uint_eq(idx, 0);
	ck_assert_int_eq(
	    bg_node_select(cfg, "lb9", NULL, &idx, err, sizeof(err)), -ENOENT);
	ck_assert_str_eq(err, "no bgp node is named 'lb9'; the nodes are: "
			      "lb1, lb2");
	ck_assert_int_eq(
	    bg_node_select(cfg, NULL, "db1", &idx, err, sizeof(err)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "'db1' is none of the bgp nodes "
					  "(lb1, lb2); pass --node NAME"));
	ck_assert_int_eq(bg_render_frr(cfg, 2, stderr), -EINVAL);
	cfg_free(cfg);

	/* A file without the section says where to declare it. */
	{
		static const char y[] = "version: 1\n"
					"dataplane: {driver: fake}\n";
		struct cfg_diags d = {0};

		ck_assert_int_eq(
		    cfg_load_buffer("t.yaml", y, strlen(y), &cfg, &d), 0);
		ck_assert_int_eq(
		    bg_node_select(cfg, "lb1", NULL, &idx, err, sizeof(err)),
		    -EINVAL);
		ck_assert_ptr_nonnull(strstr(err, "has no bgp: section"));
		cfg_free(cfg);
		cfg_diags_free(&d);
	}
}
END_TEST

/* ---- both blocks in one frr.conf ---------------------------------------- */

#define VB VR_FRR_BEGIN "\n"
#define VE VR_FRR_END
#define BB VR_FRR_BGP_BEGIN "\n"
#define BE VR_FRR_BGP_END

static const char vblock[] = VB "interface eth1\n vrrp 51 version 3\nexit\n" VE;
static const char bblock[] = BB "router bgp 65001\nexit\n" BE;

static int splice(const struct vr_frr_block *k, const char *old,
		  const char *block, char **out)
{
	char err[512];
	size_t len;

	return vr_frr_splice(k, old, strlen(old), block, strlen(block), out,
			     &len, err, sizeof(err));
}

START_TEST(two_blocks_each_its_own)
{
	/* Foreign bytes around and between the blocks, no final newline. */
	static const char text[] =
	    "hostname lb1\n" VB "interface eth1\n vrrp 51 version 2\nexit\n" VE
	    "\n! between\r\n" BB "router bgp 64999\nexit\n" BE "\n!\nline vty";
	static const char want_b[] =
	    "hostname lb1\n" VB "interface eth1\n vrrp 51 version 2\nexit\n" VE
	    "\n! between\r\n" BB "router bgp 65001\nexit\n" BE "\n!\nline vty";
	static const char want_vb[] =
	    "hostname lb1\n" VB "interface eth1\n vrrp 51 version 3\nexit\n" VE
	    "\n! between\r\n" BB "router bgp 65001\nexit\n" BE "\n!\nline vty";
	char *b = NULL, *vb = NULL, *again = (char *)1;

	ck_assert_int_eq(splice(&vr_frr_bgp, text, bblock, &b),
			 VR_SPLICE_REPLACED);
	ck_assert_str_eq(b, want_b);
	ck_assert_int_eq(splice(&vr_frr_vrrp, b, vblock, &vb),
			 VR_SPLICE_REPLACED);
	ck_assert_str_eq(vb, want_vb);
	/* Again: neither patch has anything left to do. */
	ck_assert_int_eq(splice(&vr_frr_bgp, vb, bblock, &again),
			 VR_SPLICE_UNCHANGED);
	ck_assert_ptr_null(again);
	again = (char *)1;
	ck_assert_int_eq(splice(&vr_frr_vrrp, vb, vblock, &again),
			 VR_SPLICE_UNCHANGED);
	ck_assert_ptr_null(again);
	free(b);
	free(vb);
}
END_TEST

START_TEST(two_blocks_appended_in_turn)
{
	char *v = NULL, *vb = NULL, *again = (char *)1;

	ck_assert_int_eq(splice(&vr_frr_vrrp, "hostname a", vblock, &v),
			 VR_SPLICE_APPENDED);
	/* The vrrp markers are not the bgp ones: bgp's block is appended. */
	ck_assert_int_eq(splice(&vr_frr_bgp, v, bblock, &vb),
			 VR_SPLICE_APPENDED);
	ck_assert_int_eq(strncmp(vb, v, strlen(v)), 0);
	ck_assert_str_eq(vb + strlen(v), BB "router bgp 65001\nexit\n" BE "\n");
	ck_assert_int_eq(splice(&vr_frr_bgp, vb, bblock, &again),
			 VR_SPLICE_UNCHANGED);
	free(v);
	free(vb);
}
END_TEST

START_TEST(bgp_markers_checked_alone)
{
	char err[512], *out = (char *)1;
	size_t len;
	/* A broken vrrp block does not stop the bgp patch, and the other
	 * way round; each one's messages name its own block. */
	static const char broken_vrrp[] = "a\n" VB "x\n" BB "y\n" BE "\n";
	static const char two_bgp[] = BB BE "\n" BB BE "\n" VB VE "\n";

	ck_assert_int_eq(splice(&vr_frr_bgp, broken_vrrp, bblock, &out),
			 VR_SPLICE_REPLACED);
	free(out);
	out = (char *)1;
	ck_assert_int_eq(
	    vr_frr_splice(&vr_frr_vrrp, broken_vrrp, strlen(broken_vrrp),
			  vblock, strlen(vblock), &out, &len, err, sizeof(err)),
	    -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "line 2 has the begin marker"));
	ck_assert_int_eq(vr_frr_splice(&vr_frr_bgp, two_bgp, strlen(two_bgp),
				       bblock, strlen(bblock), &out, &len, err,
				       sizeof(err)),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "line 3: a second 'begin managed "
					  "bgp block' line (the first is "
					  "line 1)"));
	ck_assert_int_eq(splice(&vr_frr_vrrp, two_bgp, vblock, &out),
			 VR_SPLICE_REPLACED);
	free(out);
}
END_TEST

START_TEST(file_patch_keeps_vrrp_block)
{
	char dir[64], path[128], bak[128], err[512], *text = NULL;
	struct vr_patch_opts o = {0};
	struct cfg *cfg = load("", NB2, SVC4);
	char *block = render(cfg, 0);
	FILE *f, *devnull = fopen("/dev/null", "w");
	size_t len = 0;
	static const char before[] = "hostname lb1\n" VB "old\n" VE "\n";

	snprintf(dir, sizeof(dir), "/tmp/ballast-bgp-unit.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/frr.conf", dir);
	snprintf(bak, sizeof(bak), "%s/frr.conf.bak", dir);
	f = fopen(path, "w");
	fputs(before, f);
	fclose(f);
	ck_assert_int_eq(vr_frr_patch_file(&vr_frr_bgp, path, block,
					   strlen(block), &o, devnull, err,
					   sizeof(err)),
			 VR_SPLICE_APPENDED);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	{
		FILE *m = open_memstream(&text, &len);
		int c;

		while ((c = fgetc(f)) != EOF)
			fputc(c, m);
		fclose(m);
	}
	fclose(f);
	ck_assert_int_eq(strncmp(text, before, strlen(before)), 0);
	ck_assert_uint_eq(strlen(text), strlen(before) + strlen(block) + 1);
	ck_assert_int_eq(strncmp(text + strlen(before), block, strlen(block)),
			 0);
	ck_assert_int_eq(access(bak, F_OK), 0);
	ck_assert_int_eq(vr_frr_patch_file(&vr_frr_bgp, path, block,
					   strlen(block), &o, devnull, err,
					   sizeof(err)),
			 VR_SPLICE_UNCHANGED);
	free(text);
	unlink(path);
	unlink(bak);
	rmdir(dir);
	fclose(devnull);
	free(block);
	cfg_free(cfg);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("bgp_render");
	TCase *tc = tcase_create("render");

	tcase_add_test(tc, ipv4_golden);
	tcase_add_test(tc, dual_stack_bfd_two_neighbors_golden);
	tcase_add_test(tc, ipv6_over_ipv4_session);
	tcase_add_test(tc, other_table_and_no_vip);
	tcase_add_test(tc, node_choice);
	suite_add_tcase(s, tc);

	tc = tcase_create("patch");
	tcase_add_test(tc, two_blocks_each_its_own);
	tcase_add_test(tc, two_blocks_appended_in_turn);
	tcase_add_test(tc, bgp_markers_checked_alone);
	tcase_add_test(tc, file_patch_keeps_vrrp_block);
	suite_add_tcase(s, tc);
	return s;
}
