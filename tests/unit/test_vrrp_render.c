// SPDX-License-Identifier: GPL-2.0-only
/*
 * `ballast vrrp`: the keepalived and FRR text against golden copies, the
 * node choice, and the frr.conf patcher: where the block goes, that no byte
 * outside the markers changes, that an up-to-date block means no write at
 * all, that mode and owner survive, and that broken markers are refused.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/vrrp/render.h"
#include "config/config.h"
#include "tests/lib/check_main.h"

/* %s: vrrp settings; %s: ha extras. */
static const char yaml_tpl[] =
    "version: 1\n"
    "dataplane: {driver: fake}\n"
    "ha: {mode: vrrp, interface: eth1%s}\n"
    "vrrp:\n"
    "%s"
    "  nodes:\n"
    "    - {name: lb1, address: 10.0.0.11, priority: 150}\n"
    "    - {name: lb2, address: 10.0.0.12}\n"
    "    - {name: lb3, address: 10.0.0.13, priority: 50}\n"
    "  groups:\n"
    "    - {name: web, vrid: 51, vips: [192.0.2.10, \"2001:db8::10\", "
    "192.0.2.11]}\n"
    "    - {name: v6only, vrid: 52, vips: [\"2001:db8::20\"]}\n";

static struct cfg *load(const char *settings, const char *ha)
{
	char buf[2048];
	struct cfg_diags d = {0};
	struct cfg *cfg = NULL;
	int r;

	snprintf(buf, sizeof(buf), yaml_tpl, ha, settings);
	r = cfg_load_buffer("t.yaml", buf, strlen(buf), &cfg, &d);
	ck_assert_msg(!r, "%s: %s", buf, d.n ? d.items[0].message : "-");
	cfg_diags_free(&d);
	return cfg;
}

/* The text a renderer writes, to free. */
static char *render(int (*fn)(const struct cfg *, size_t, FILE *),
		    const struct cfg *cfg, size_t node)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fn(cfg, node, f), 0);
	fclose(f);
	return text;
}

static int keepalived_fn(const struct cfg *cfg, size_t node, FILE *f)
{
	return vr_render_keepalived(cfg, node, "/etc/ballast/ballast.yaml", f);
}

/* The instances after the header (which holds the sha256). */
static const char *instances(const char *text)
{
	const char *at = strstr(text, "\nvrrp_instance");

	ck_assert_ptr_nonnull(at);
	return at + 1;
}

START_TEST(keepalived_dual_stack_golden)
{
	static const char want[] = "vrrp_instance ballast_web {\n"
				   "    state BACKUP\n"
				   "    interface eth1\n"
				   "    virtual_router_id 51\n"
				   "    priority 150\n"
				   "    advert_int 0.1\n"
				   "    version 3\n"
				   "    virtual_ipaddress {\n"
				   "        192.0.2.10/32 dev eth1\n"
				   "        192.0.2.11/32 dev eth1\n"
				   "    }\n"
				   "}\n"
				   "\n"
				   "vrrp_instance ballast_web_v6 {\n"
				   "    state BACKUP\n"
				   "    interface eth1\n"
				   "    virtual_router_id 51\n"
				   "    priority 150\n"
				   "    advert_int 0.1\n"
				   "    version 3\n"
				   "    virtual_ipaddress {\n"
				   "        2001:db8::10/128 dev eth1\n"
				   "    }\n"
				   "}\n"
				   "\n"
				   "vrrp_instance ballast_v6only_v6 {\n"
				   "    state BACKUP\n"
				   "    interface eth1\n"
				   "    virtual_router_id 52\n"
				   "    priority 150\n"
				   "    advert_int 0.1\n"
				   "    version 3\n"
				   "    virtual_ipaddress {\n"
				   "        2001:db8::20/128 dev eth1\n"
				   "    }\n"
				   "}\n";
	struct cfg *cfg = load("  advert_interval: 100ms\n", "");
	char *text = render(keepalived_fn, cfg, 0);
	char head[256];

	ck_assert_str_eq(instances(text), want);
	/* The header names the YAML and its checksum. */
	snprintf(head, sizeof(head),
		 "# from /etc/ballast/ballast.yaml (sha256 %s).\n",
		 cfg->sha256);
	ck_assert_ptr_nonnull(strstr(text, head));
	ck_assert_ptr_nonnull(
	    strstr(text, "render keepalived` for node lb1\n"));
	free(text);
	cfg_free(cfg);
}
END_TEST

START_TEST(keepalived_unicast_auth_nopreempt_golden)
{
	static const char want[] = "vrrp_instance ballast_web {\n"
				   "    state BACKUP\n"
				   "    interface eth1\n"
				   "    virtual_router_id 51\n"
				   "    priority 100\n"
				   "    advert_int 2\n"
				   "    version 2\n"
				   "    nopreempt\n"
				   "    unicast_src_ip 10.0.0.12\n"
				   "    unicast_peer {\n"
				   "        10.0.0.11\n"
				   "        10.0.0.13\n"
				   "    }\n"
				   "    authentication {\n"
				   "        auth_type PASS\n"
				   "        auth_pass s3cret\n"
				   "    }\n"
				   "    virtual_ipaddress {\n"
				   "        192.0.2.10/32 dev eth1\n"
				   "    }\n"
				   "}\n";
	static const char yaml[] =
	    "version: 1\n"
	    "dataplane: {driver: fake}\n"
	    "ha: {mode: vrrp, interface: eth1}\n"
	    "vrrp:\n"
	    "  version: 2\n"
	    "  advert_interval: 2s\n"
	    "  preempt: false\n"
	    "  unicast: true\n"
	    "  auth_pass: s3cret\n"
	    "  nodes:\n"
	    "    - {name: lb1, address: 10.0.0.11, priority: 150}\n"
	    "    - {name: lb2, address: 10.0.0.12}\n"
	    "    - {name: lb3, address: 10.0.0.13}\n"
	    "  groups:\n"
	    "    - {name: web, vrid: 51, vips: [192.0.2.10]}\n";
	struct cfg_diags d = {0};
	struct cfg *cfg = NULL;
	char *text;

	ck_assert_int_eq(
	    cfg_load_buffer("t.yaml", yaml, strlen(yaml), &cfg, &d), 0);
	text = render(keepalived_fn, cfg, 1);
	ck_assert_str_eq(instances(text), want);
	free(text);
	cfg_free(cfg);
	cfg_diags_free(&d);
}
END_TEST

START_TEST(frr_golden)
{
	static const char want[] =
	    "! ballast: begin managed vrrp block (do not edit)\n"
	    "! Written by `ballast vrrp patch-frr` for node lb3 from the\n"
	    "! YAML's vrrp: section; edit the YAML and patch again.\n"
	    "! vrrpd needs, per VRID and family, a macvlan on eth1 in bridge "
	    "mode\n"
	    "! with MAC 00:00:5e:00:01:VRID (IPv4) or 00:00:5e:00:02:VRID "
	    "(IPv6)\n"
	    "! holding the VIPs (Docs/HA.md).\n"
	    "interface eth1\n"
	    " vrrp 51 version 3\n"
	    " vrrp 51 priority 50\n"
	    " vrrp 51 advertisement-interval 1500\n"
	    " no vrrp 51 preempt\n"
	    " vrrp 51 ip 192.0.2.10\n"
	    " vrrp 51 ipv6 2001:db8::10\n"
	    " vrrp 51 ip 192.0.2.11\n"
	    " vrrp 52 version 3\n"
	    " vrrp 52 priority 50\n"
	    " vrrp 52 advertisement-interval 1500\n"
	    " no vrrp 52 preempt\n"
	    " vrrp 52 ipv6 2001:db8::20\n"
	    "exit\n"
	    "! ballast: end managed vrrp block";
	struct cfg *cfg = load("  advert_interval: 1500ms\n  preempt: false\n",
			       ", provider: frr");
	char *text = render(vr_render_frr, cfg, 2);

	ck_assert_str_eq(text, want);
	free(text);
	cfg_free(cfg);
}
END_TEST

START_TEST(seconds_format)
{
	static const struct {
		unsigned ms;
		const char *s;
	} cases[] = {{10, "0.01"},   {100, "0.1"},   {1000, "1"},
		     {1500, "1.5"},  {2550, "2.55"}, {40950, "40.95"},
		     {255000, "255"}};
	char buf[16];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_str_eq(vr_fmt_seconds(cases[i].ms, buf, sizeof(buf)),
				 cases[i].s);
}
END_TEST

START_TEST(node_choice)
{
	struct cfg *cfg = load("", "");
	char err[512];
	size_t idx = 99;

	ck_assert_int_eq(
	    vr_node_select(cfg, "lb2", "lb1", &idx, err, sizeof(err)), 0);
	ck_assert_uint_eq(idx, 1); /* --node wins over the host name */
	ck_assert_int_eq(
	    vr_node_select(cfg, NULL, "lb3", &idx, err, sizeof(err)), 0);
	ck_assert_uint_eq(idx, 2);
	ck_assert_int_eq(vr_node_select(cfg, NULL, "lb1.dc1.example.net", &idx,
					err, sizeof(err)),
			 0);
	ck_assert_uint_eq(idx, 0);
	ck_assert_int_eq(
	    vr_node_select(cfg, NULL, "lb", &idx, err, sizeof(err)), -ENOENT);
	ck_assert_str_eq(err, "this host's name 'lb' is none of the vrrp "
			      "nodes (lb1, lb2, lb3); pass --node NAME");
	ck_assert_int_eq(
	    vr_node_select(cfg, "lb9", "lb1", &idx, err, sizeof(err)), -ENOENT);
	ck_assert_str_eq(err,
			 "no vrrp node is named 'lb9'; the nodes are: lb1, "
			 "lb2, lb3");
	cfg_free(cfg);
}
END_TEST

/* ---- splicing ---------------------------------------------------------- */

#define B VR_FRR_BEGIN "\n"
#define E VR_FRR_END
static const char block[] = B "interface eth0\n vrrp 1 ip 192.0.2.1\nexit\n" E;

/* splice old; returns the result code, *out the new text or NULL. */
static int splice(const char *old, char **out, char *err, size_t errlen)
{
	size_t len;

	return vr_frr_splice(&vr_frr_vrrp, old, strlen(old), block,
			     strlen(block), out, &len, err, errlen);
}

START_TEST(splice_cases)
{
	static const struct {
		const char *old, *want;
		int code;
	} cases[] = {
	    /* No markers: appended, with a newline of its own. */
	    {"hostname a\n", "hostname a\n" E, VR_SPLICE_APPENDED},
	    /* No final newline: one is added before the block, nothing
	     * else of the text changes. */
	    {"hostname a", "hostname a\n" E, VR_SPLICE_APPENDED},
	    {"", E, VR_SPLICE_APPENDED},
	    /* Markers: only what is between them changes, the bytes after
	     * the end marker, newline or none, stay. */
	    {"a\n" B "old\n" E "\nb\n! c", "a\n" E "\nb\n! c",
	     VR_SPLICE_REPLACED},
	    {"a\n" B E, "a\n" E, VR_SPLICE_REPLACED},
	    {B "old\n" E "  \nz", E "\nz", VR_SPLICE_REPLACED},
	};
	char err[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char want[512], *out = NULL;
		const char *w = cases[i].want;
		int code = splice(cases[i].old, &out, err, sizeof(err));

		/* E in `want` stands for the whole block. */
		if (cases[i].code == VR_SPLICE_APPENDED) {
			size_t l = strlen(w) - strlen(E);

			snprintf(want, sizeof(want), "%.*s%s\n", (int)l, w,
				 block);
		} else {
			const char *at = strstr(w, E);

			snprintf(want, sizeof(want), "%.*s%s%s", (int)(at - w),
				 w, block, at + strlen(E));
		}
		ck_assert_msg(code == cases[i].code, "case %zu: %d", i, code);
		ck_assert_msg(out && !strcmp(out, want),
			      "case %zu:\n%s\n---- wanted\n%s", i, out, want);
		free(out);
	}
}
END_TEST

START_TEST(splice_unchanged)
{
	char text[512], *out = (char *)1, err[512];

	snprintf(text, sizeof(text), "hostname a\n%s\n! after", block);
	ck_assert_int_eq(splice(text, &out, err, sizeof(err)),
			 VR_SPLICE_UNCHANGED);
	ck_assert_ptr_null(out);
	/* What append writes is up to date the next time. */
	ck_assert_int_eq(splice("hostname a", &out, err, sizeof(err)),
			 VR_SPLICE_APPENDED);
	{
		char *again = (char *)1;

		ck_assert_int_eq(splice(out, &again, err, sizeof(err)),
				 VR_SPLICE_UNCHANGED);
		ck_assert_ptr_null(again);
	}
	free(out);
}
END_TEST

START_TEST(splice_refuses_bad_markers)
{
	static const struct {
		const char *old, *why;
	} cases[] = {
	    {"a\n" B "x\n", "line 2 has the begin marker but no line has the "
			    "end marker"},
	    {"a\n" E "\n", "line 2 has the end marker but no line has the "
			   "begin marker"},
	    {E "\n" B, "the end marker (line 1) comes before the begin "
		       "marker (line 2)"},
	    {B E "\n" B E "\n", "line 3: a second 'begin managed vrrp block' "
				"line (the first is line 1)"},
	    {B E "\n" E "\n", "line 3: a second 'end managed vrrp block' "
			      "line (the first is line 2)"},
	};
	char err[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = (char *)1;

		ck_assert_int_eq(splice(cases[i].old, &out, err, sizeof(err)),
				 -EINVAL);
		ck_assert_ptr_null(out);
		ck_assert_msg(strstr(err, cases[i].why), "case %zu: %s", i,
			      err);
	}
	/* A marker's text inside a longer line is not a marker. */
	{
		char *out = NULL;

		ck_assert_int_eq(splice("! note: " VR_FRR_BEGIN "\n", &out, err,
					sizeof(err)),
				 VR_SPLICE_APPENDED);
		free(out);
	}
}
END_TEST

/* ---- the file ---------------------------------------------------------- */

static char dir[64];

static void mkdir_tmp(void)
{
	snprintf(dir, sizeof(dir), "/tmp/ballast-vrrp-unit.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void rm_tmp(void)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/frr.conf", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/frr.conf.bak", dir);
	unlink(p);
	rmdir(dir);
}

static void write_text(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	ck_assert_int_eq(chmod(path, mode), 0);
}

static char *read_text(const char *path)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "r"), *m = open_memstream(&text, &len);
	int c;

	ck_assert_ptr_nonnull(f);
	while ((c = fgetc(f)) != EOF)
		fputc(c, m);
	fclose(f);
	fclose(m);
	return text;
}

static int patch(const char *path, bool dry, char *err, size_t errlen)
{
	struct vr_patch_opts o = {.dry_run = dry};
	FILE *devnull = fopen("/dev/null", "w");
	int r = vr_frr_patch_file(&vr_frr_vrrp, path, block, strlen(block), &o,
				  devnull, err, errlen);

	fclose(devnull);
	return r;
}

START_TEST(file_patch_backup_mode)
{
	char path[128], bak[128], err[512], *text;
	struct stat st, st2;

	mkdir_tmp();
	snprintf(path, sizeof(path), "%s/frr.conf", dir);
	snprintf(bak, sizeof(bak), "%s/frr.conf.bak", dir);
	write_text(path, "hostname a\n! mine", 0640);
	ck_assert_int_eq(patch(path, false, err, sizeof(err)),
			 VR_SPLICE_APPENDED);
	text = read_text(path);
	ck_assert_ptr_nonnull(
	    strstr(text, "hostname a\n! mine\n" VR_FRR_BEGIN));
	free(text);
	text = read_text(bak);
	ck_assert_str_eq(text, "hostname a\n! mine");
	free(text);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0640);
	ck_assert_int_eq(stat(bak, &st2), 0);
	ck_assert_uint_eq(st2.st_mode & 07777, 0640);

	/* Up to date: no write at all, not even of the backup. */
	ck_assert_int_eq(unlink(bak), 0);
	ck_assert_int_eq(patch(path, false, err, sizeof(err)),
			 VR_SPLICE_UNCHANGED);
	ck_assert_int_eq(stat(path, &st2), 0);
	ck_assert_uint_eq(st2.st_ino, st.st_ino);
	ck_assert(st2.st_mtim.tv_sec == st.st_mtim.tv_sec &&
		  st2.st_mtim.tv_nsec == st.st_mtim.tv_nsec);
	ck_assert_int_eq(access(bak, F_OK), -1);
	rm_tmp();
}
END_TEST

START_TEST(file_dry_run_and_refusal)
{
	char path[128], bak[128], err[512], *text;

	mkdir_tmp();
	snprintf(path, sizeof(path), "%s/frr.conf", dir);
	snprintf(bak, sizeof(bak), "%s/frr.conf.bak", dir);
	write_text(path, "hostname a\n", 0600);
	ck_assert_int_eq(patch(path, true, err, sizeof(err)),
			 VR_SPLICE_APPENDED);
	text = read_text(path);
	ck_assert_str_eq(text, "hostname a\n");
	free(text);
	ck_assert_int_eq(access(bak, F_OK), -1);

	write_text(path, "a\n" VR_FRR_BEGIN "\nb\n", 0600);
	ck_assert_int_eq(patch(path, false, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "/frr.conf:line 2 has the begin"));
	ck_assert_ptr_nonnull(strstr(err, "nothing was changed"));
	text = read_text(path);
	ck_assert_str_eq(text, "a\n" VR_FRR_BEGIN "\nb\n");
	free(text);
	ck_assert_int_eq(access(bak, F_OK), -1);
	rm_tmp();

	ck_assert_int_eq(
	    patch("/nonexistent/frr.conf", false, err, sizeof(err)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "name the frr.conf FRR reads"));
}
END_TEST

START_TEST(file_symlink_kept)
{
	char path[128], real[128], bak[128], err[512], *text;
	struct stat st;

	mkdir_tmp();
	snprintf(path, sizeof(path), "%s/frr.conf", dir);
	snprintf(real, sizeof(real), "%s/real.conf", dir);
	snprintf(bak, sizeof(bak), "%s/real.conf.bak", dir);
	write_text(real, "hostname a\n", 0640);
	ck_assert_int_eq(symlink("real.conf", path), 0);
	ck_assert_int_eq(patch(path, false, err, sizeof(err)),
			 VR_SPLICE_APPENDED);
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	text = read_text(real);
	ck_assert_ptr_nonnull(strstr(text, VR_FRR_END));
	free(text);
	text = read_text(bak);
	ck_assert_str_eq(text, "hostname a\n");
	free(text);
	unlink(real);
	unlink(bak);
	rm_tmp();
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("vrrp_render");
	TCase *tc = tcase_create("render");

	tcase_add_test(tc, keepalived_dual_stack_golden);
	tcase_add_test(tc, keepalived_unicast_auth_nopreempt_golden);
	tcase_add_test(tc, frr_golden);
	tcase_add_test(tc, seconds_format);
	tcase_add_test(tc, node_choice);
	suite_add_tcase(s, tc);

	tc = tcase_create("patch");
	tcase_add_test(tc, splice_cases);
	tcase_add_test(tc, splice_unchanged);
	tcase_add_test(tc, splice_refuses_bad_markers);
	tcase_add_test(tc, file_patch_backup_mode);
	tcase_add_test(tc, file_dry_run_and_refusal);
	tcase_add_test(tc, file_symlink_kept);
	suite_add_tcase(s, tc);
	return s;
}
