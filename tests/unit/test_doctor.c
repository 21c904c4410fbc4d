// SPDX-License-Identifier: GPL-2.0-only
/*
 * ballast doctor's host checks against a fake /proc and /sys tree and the
 * context's other test hooks (kernel release, memlock limit, BPF feature
 * probe): each routing sysctl, capability, kernel-bound XDP and HA check
 * made to pass and to fail, with its remedy; the check table's ids unique,
 * described and grouped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <jansson.h>

#include "cmd/doctor/doctor.h"
#include "cmd/doctor/dr_checks.h"
#include "lib/addr.h"
#include "tests/lib/check_main.h"

static char root[64];

static void put(const char *rel, const char *val)
{
	char p[256], *slash;
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	for (slash = strchr(p + strlen(root) + 1, '/'); slash;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		(void)mkdir(p, 0700);
		*slash = '/';
	}
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(val, f);
	fclose(f);
}

static void rm_tree(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	ck_assert_int_eq(system(cmd), 0);
}

/* A context on the fake /proc with the config text given. */
static void ctx_with(struct dr_ctx *ctx, const char *yaml)
{
	struct cfg_diags d = {0};

	memset(ctx, 0, sizeof(*ctx));
	ctx->config_path = "test.yaml";
	ctx->proc_root = root;
	ctx->sys_root = root;
	ck_assert_int_eq(
	    cfg_load_buffer("test.yaml", yaml, strlen(yaml), &ctx->cfg, &d), 0);
	cfg_diags_free(&d);
}

static const char ipvs_nat[] =
    "version: 1\n"
    "dataplane: {driver: ipvs}\n"
    "pools: {web: {backends: [10.0.1.1:80, 10.0.1.2:80]}}\n"
    "services: [{name: web, address: 192.0.2.10, port: 80, pool: web}]\n";

static const char ipvs_dr_icmp[] =
    "version: 1\n"
    "dataplane: {driver: ipvs, ipvs: {forwarding: dr}}\n"
    "health: {type: icmp}\n"
    "pools: {web: {backends: [10.0.1.1:80, 10.0.1.2:80]}}\n"
    "services: [{name: web, address: 192.0.2.10, port: 80, pool: web}]\n";

static void setup(void)
{
	snprintf(root, sizeof(root), "/tmp/ballast-doctor-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
}

static void teardown(void)
{
	rm_tree();
}

typedef void (*check_fn)(struct dr_ctx *ctx, struct dr_result *r);

/* Run fn: its status is st, and its found / remedy hold these texts. */
static void expect(struct dr_ctx *ctx, check_fn fn, enum dr_status st,
		   const char *found, const char *remedy)
{
	struct dr_result r;

	memset(&r, 0, sizeof(r));
	fn(ctx, &r);
	ck_assert_msg(r.status == st, "status %s, not %s: %s",
		      dr_status_name(r.status), dr_status_name(st), r.found);
	if (found)
		ck_assert_msg(strstr(r.found, found), "found lacks '%s': %s",
			      found, r.found);
	if (remedy)
		ck_assert_msg(strstr(r.remedy, remedy), "remedy lacks '%s': %s",
			      remedy, r.remedy);
	else
		ck_assert_str_eq(r.remedy, "");
}

START_TEST(ip_forward_both_ways)
{
	struct dr_ctx ctx;

	ctx_with(&ctx, ipvs_nat);
	put("sys/net/ipv4/conf/all/forwarding", "0\n");
	expect(&ctx, dr_check_ip_forward, DR_FAIL, NULL,
	       "net.ipv4.ip_forward=1");
	put("sys/net/ipv4/conf/all/forwarding", "1\n");
	expect(&ctx, dr_check_ip_forward, DR_OK, NULL, NULL);
	cfg_free(ctx.cfg);
}
END_TEST

START_TEST(rp_filter_strict_warns)
{
	struct dr_ctx ctx;

	ctx_with(&ctx, ipvs_nat);
	put("sys/net/ipv4/conf/all/rp_filter", "1\n");
	expect(&ctx, dr_check_rp_filter, DR_WARN, "strict", "rp_filter=2");
	put("sys/net/ipv4/conf/all/rp_filter", "2\n");
	expect(&ctx, dr_check_rp_filter, DR_OK, NULL, NULL);
	cfg_free(ctx.cfg);
}
END_TEST

START_TEST(arp_is_backend_side)
{
	struct dr_ctx ctx;

	ctx_with(&ctx, ipvs_nat);
	expect(&ctx, dr_check_arp, DR_SKIP, "no service", NULL);
	cfg_free(ctx.cfg);
	ctx_with(&ctx, ipvs_dr_icmp);
	put("sys/net/ipv4/conf/all/arp_ignore", "0\n");
	put("sys/net/ipv4/conf/all/arp_announce", "0\n");
	expect(&ctx, dr_check_arp, DR_WARN, "backend-side", "arp_ignore=1");
	put("sys/net/ipv4/conf/all/arp_ignore", "1\n");
	put("sys/net/ipv4/conf/all/arp_announce", "2\n");
	expect(&ctx, dr_check_arp, DR_OK, NULL, NULL);
	cfg_free(ctx.cfg);
}
END_TEST

START_TEST(caps_by_driver_and_probe)
{
	struct dr_ctx ctx;

	/* CAP_NET_ADMIN (12) only: enough for IPVS without ICMP probes */
	put("self/status", "Name:\tx\nCapEff:\t0000000000001000\n");
	ctx_with(&ctx, ipvs_nat);
	expect(&ctx, dr_check_caps, DR_OK, NULL, NULL);
	cfg_free(ctx.cfg);
	/* an ICMP probe needs CAP_NET_RAW (13) too */
	ctx_with(&ctx, ipvs_dr_icmp);
	expect(&ctx, dr_check_caps, DR_FAIL, "CAP_NET_RAW",
	       "AmbientCapabilities");
	put("self/status", "CapEff:\t0000000000003000\n");
	expect(&ctx, dr_check_caps, DR_OK, NULL, NULL);
	cfg_free(ctx.cfg);
	/* nothing held: IPVS fails naming CAP_NET_ADMIN */
	put("self/status", "CapEff:\t0000000000000000\n");
	ctx_with(&ctx, ipvs_nat);
	expect(&ctx, dr_check_caps, DR_FAIL, "CAP_NET_ADMIN", "root");
	cfg_free(ctx.cfg);
}
END_TEST

START_TEST(ipvs_sysctls_both_ways)
{
	struct dr_ctx ctx;

	ctx_with(&ctx, ipvs_nat);
	expect(&ctx, dr_check_ipvs_sysctls, DR_SKIP, "not loaded", NULL);
	put("sys/net/ipv4/vs/expire_nodest_conn", "0\n");
	put("sys/net/ipv4/vs/conntrack", "1\n");
	expect(&ctx, dr_check_ipvs_sysctls, DR_WARN, NULL,
	       "expire_nodest_conn=1");
	put("sys/net/ipv4/vs/expire_nodest_conn", "1\n");
	put("sys/net/ipv4/vs/conntrack", "0\n");
	expect(&ctx, dr_check_ipvs_sysctls, DR_WARN, NULL, "vs.conntrack=1");
	put("sys/net/ipv4/vs/conntrack", "1\n");
	expect(&ctx, dr_check_ipvs_sysctls, DR_OK, NULL, NULL);
	cfg_free(ctx.cfg);
}
END_TEST

static const char xdp_cfg[] =
    "version: 1\n"
    "dataplane: {driver: xdp, interface: xd0}\n"
    "health: {type: none}\n"
    "pools: {web: {backends: [10.0.1.1:80, 10.0.1.2:80]}}\n"
    "services: [{name: web, address: 192.0.2.10, port: 80, pool: web}]\n";

START_TEST(xdp_kernel_version)
{
	struct dr_ctx ctx;

	ctx_with(&ctx, xdp_cfg);
	ctx.kernel_release = "5.8.18-generic";
	expect(&ctx, dr_check_xdp_kernel, DR_FAIL,
	       "kernel 5.8.18-generic: the forwarder attaches through bpf_link",
	       "run a kernel 5.9 or newer");
	ctx.kernel_release = "4.19.0-27-amd64";
	expect(&ctx, dr_check_xdp_kernel, DR_FAIL, "4.19.0-27-amd64",
	       "run a kernel 5.9 or newer");
	ctx.kernel_release = "5.9.0";
	expect(&ctx, dr_check_xdp_kernel, DR_OK,
	       "XDP links yes, tcx no (NAT egress uses a clsact filter)", NULL);
	ctx.kernel_release = "6.6.1";
	expect(&ctx, dr_check_xdp_kernel, DR_OK, "tcx yes", NULL);
	cfg_free(ctx.cfg);
	/* another driver: not its concern */
	ctx_with(&ctx, ipvs_nat);
	expect(&ctx, dr_check_xdp_kernel, DR_SKIP, "not xdp", NULL);
	cfg_free(ctx.cfg);
}
END_TEST

START_TEST(memlock_before_5_11)
{
	unsigned long long lim = 8ULL << 20;
	struct dr_ctx ctx;

	ctx_with(&ctx, xdp_cfg);
	ctx.memlock = &lim;
	ctx.kernel_release = "5.10.0-28-amd64";
	expect(&ctx, dr_check_memlock, DR_FAIL,
	       "kernel 5.10.0-28-amd64 counts BPF maps against RLIMIT_MEMLOCK, "
	       "which is 8388608 bytes",
	       "LimitMEMLOCK=infinity in the unit, or `ulimit -l unlimited`");
	lim = RLIM_INFINITY;
	expect(&ctx, dr_check_memlock, DR_OK, "RLIMIT_MEMLOCK is unlimited",
	       NULL);
	/* 5.11 charges the cgroup: a finite limit does not matter */
	lim = 65536;
	ctx.kernel_release = "5.11.0";
	expect(&ctx, dr_check_memlock, DR_OK, "does not apply", NULL);
	cfg_free(ctx.cfg);
	ctx_with(&ctx, ipvs_nat);
	ctx.memlock = &lim;
	ctx.kernel_release = "5.10.0";
	expect(&ctx, dr_check_memlock, DR_SKIP, "only the xdp driver", NULL);
	cfg_free(ctx.cfg);
}
END_TEST

START_TEST(caps_before_5_8)
{
	struct dr_ctx ctx;

	/* CAP_NET_ADMIN, CAP_BPF, CAP_PERFMON: enough from 5.8 on only */
	put("self/status", "CapEff:\t000000c000001000\n");
	ctx_with(&ctx, xdp_cfg);
	ctx.kernel_release = "5.8.0";
	expect(&ctx, dr_check_caps, DR_OK, NULL, NULL);
	ctx.kernel_release = "5.4.0";
	expect(&ctx, dr_check_caps, DR_FAIL, "needs CAP_SYS_ADMIN",
	       "AmbientCapabilities=CAP_SYS_ADMIN");
	cfg_free(ctx.cfg);
}
END_TEST

/* The features a probe reports absent (0), or -EPERM for every probe. */
static int probe_missing_kind = -1, probe_missing_type = -1;
static bool probe_eperm;

static int fake_probe(enum dr_probe kind, int type)
{
	if (probe_eperm)
		return -EPERM;
	return !((int)kind == probe_missing_kind && type == probe_missing_type);
}

static void features_missing(struct dr_ctx *ctx, enum dr_probe kind, int type,
			     const char *name)
{
	char found[96];

	probe_missing_kind = (int)kind;
	probe_missing_type = type;
	snprintf(found, sizeof(found),
		 "this kernel lacks what the forwarder uses: %s", name);
	expect(ctx, dr_check_xdp_features, DR_FAIL, found,
	       "run a newer kernel (5.9 or later) built with "
	       "CONFIG_BPF_SYSCALL");
}

START_TEST(xdp_features_each_missing)
{
	struct dr_ctx ctx;

	ctx_with(&ctx, xdp_cfg);
	ctx.probe = fake_probe;
	probe_eperm = false;
	expect(&ctx, dr_check_xdp_features, DR_OK,
	       "bpf() works; XDP and TC programs, 5 map types and 5 helpers "
	       "present",
	       NULL);
	features_missing(&ctx, DR_PROBE_PROG, BPF_PROG_TYPE_XDP, "prog:xdp");
	features_missing(&ctx, DR_PROBE_PROG, BPF_PROG_TYPE_SCHED_CLS,
			 "prog:tc");
	features_missing(&ctx, DR_PROBE_MAP, BPF_MAP_TYPE_LRU_HASH,
			 "map:lru_hash");
	features_missing(&ctx, DR_PROBE_MAP, BPF_MAP_TYPE_PROG_ARRAY,
			 "map:prog_array");
	features_missing(&ctx, DR_PROBE_HELPER, BPF_FUNC_fib_lookup,
			 "helper:fib_lookup");
	features_missing(&ctx, DR_PROBE_HELPER, BPF_FUNC_tail_call,
			 "helper:tail_call");
	probe_eperm = true;
	expect(&ctx, dr_check_xdp_features, DR_FAIL,
	       "the bpf() syscall refuses this process: Operation not "
	       "permitted",
	       "run as root (CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN)");
	probe_eperm = false;
	cfg_free(ctx.cfg);
}
END_TEST

START_TEST(xdp_jit_and_btf_both_ways)
{
	/* each step writes a file in the fake tree (if any), then checks */
	static const struct {
		const char *file, *val;
		check_fn fn;
		enum dr_status st;
		const char *found, *remedy;
	} steps[] = {
	    {NULL, NULL, dr_check_xdp_jit, DR_WARN,
	     "net.core.bpf_jit_enable is absent",
	     "a kernel built with CONFIG_BPF_JIT"},
	    {"sys/net/core/bpf_jit_enable", "0\n", dr_check_xdp_jit, DR_WARN,
	     "net.core.bpf_jit_enable = 0: the forwarder runs interpreted",
	     "sysctl -w net.core.bpf_jit_enable=1"},
	    {"sys/net/core/bpf_jit_enable", "1\n", dr_check_xdp_jit, DR_OK,
	     "net.core.bpf_jit_enable = 1", NULL},
	    /* BTF: a file below the fake /sys */
	    {NULL, NULL, dr_check_xdp_btf, DR_WARN,
	     "/sys/kernel/btf/vmlinux is absent",
	     "a kernel built with CONFIG_DEBUG_INFO_BTF=y"},
	    {"kernel/btf/vmlinux", "BTF", dr_check_xdp_btf, DR_OK,
	     "/sys/kernel/btf/vmlinux present", NULL},
	};
	struct dr_ctx ctx;

	ctx_with(&ctx, xdp_cfg);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (steps[i].file)
			put(steps[i].file, steps[i].val);
		expect(&ctx, steps[i].fn, steps[i].st, steps[i].found,
		       steps[i].remedy);
	}
	cfg_free(ctx.cfg);
}
END_TEST

static const char ha_vrrp[] =
    "version: 1\n"
    "dataplane: {driver: fake}\n"
    "ha: {mode: vrrp, interface: eth0}\n"
    "pools: {web: {backends: [10.0.1.1:80, 10.0.1.2:80]}}\n"
    "services: [{name: web, address: 192.0.2.10, port: 80, pool: web}]\n";

/* A symbolic link in the fake tree (a process's ns/net). */
static void put_link(const char *rel, const char *target)
{
	char p[256];

	put(rel, "");
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	ck_assert_int_eq(unlink(p), 0);
	ck_assert_int_eq(symlink(target, p), 0);
}

/* Process pid named comm, in network namespace ns. */
static void put_proc(const char *pid, const char *comm, const char *ns)
{
	char rel[64];

	snprintf(rel, sizeof(rel), "%s/comm", pid);
	put(rel, comm);
	snprintf(rel, sizeof(rel), "%s/ns/net", pid);
	put_link(rel, ns);
}

START_TEST(ha_skips_without_mode)
{
	static const check_fn fns[] = {
	    dr_check_ha_provider, dr_check_ha_vips, dr_check_ha_keepalived,
	    dr_check_ha_frr,	  dr_check_ha_arp,  dr_check_ha_vrid};
	struct dr_ctx ctx;

	ctx_with(&ctx, ipvs_nat);
	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		expect(&ctx, fns[i], DR_SKIP, "ha.mode not set", NULL);
	cfg_free(ctx.cfg);
}
END_TEST

START_TEST(ha_provider_in_this_netns)
{
	struct dr_ctx ctx;

	ctx_with(&ctx, ha_vrrp);
	put_link("self/ns/net", "net:[1]");
	expect(&ctx, dr_check_ha_provider, DR_FAIL,
	       "keepalived not running in this network namespace",
	       "systemctl start keepalived");
	/* one in another namespace moves VIPs there, not here */
	put_proc("100", "keepalived\n", "net:[2]");
	expect(&ctx, dr_check_ha_provider, DR_FAIL,
	       "only in another one: keepalived (pid 100)",
	       "systemctl start keepalived");
	put_proc("200", "keepalived\n", "net:[1]");
	expect(&ctx, dr_check_ha_provider, DR_OK, "keepalived (pid 200)", NULL);
	/* FRR: vrrpd needs zebra; both must run */
	ctx.cfg->ha.provider = CFG_HA_PROVIDER_FRR;
	put_proc("300", "zebra\n", "net:[1]");
	expect(&ctx, dr_check_ha_provider, DR_FAIL, "vrrpd not running",
	       "vrrpd=yes");
	put_proc("301", "vrrpd\n", "net:[1]");
	expect(&ctx, dr_check_ha_provider, DR_OK, "vrrpd (pid 301)", NULL);
	cfg_free(ctx.cfg);
}
END_TEST

START_TEST(ha_arp_for_frr)
{
	struct dr_ctx ctx;

	ctx_with(&ctx, ha_vrrp);
	expect(&ctx, dr_check_ha_arp, DR_SKIP, "keepalived", NULL);
	ctx.cfg->ha.provider = CFG_HA_PROVIDER_FRR;
	put("sys/net/ipv4/conf/all/arp_ignore", "0\n");
	put("sys/net/ipv4/conf/all/arp_announce", "0\n");
	expect(&ctx, dr_check_ha_arp, DR_FAIL, "eth0 does not exist",
	       "ha.interface");
	put("sys/net/ipv4/conf/eth0/arp_ignore", "0\n");
	put("sys/net/ipv4/conf/eth0/arp_announce", "0\n");
	expect(&ctx, dr_check_ha_arp, DR_FAIL, "answers ARP for the VIPs",
	       "net.ipv4.conf.eth0.arp_ignore=1");
	/* the larger of all and the interface counts */
	put("sys/net/ipv4/conf/all/arp_ignore", "1\n");
	expect(&ctx, dr_check_ha_arp, DR_WARN, "arp_announce=0",
	       "net.ipv4.conf.eth0.arp_announce=2");
	put("sys/net/ipv4/conf/eth0/arp_announce", "2\n");
	expect(&ctx, dr_check_ha_arp, DR_OK, "arp_ignore=1 arp_announce=2",
	       NULL);
	cfg_free(ctx.cfg);
}
END_TEST

/* The daemon's status with one group, web (VRID 51), as the API shows it. */
static json_t *ha_status(const char *split_brain, const char *peer)
{
	char buf[256];
	json_t *j;

	snprintf(buf, sizeof(buf),
		 "{\"ha\": {\"mode\": \"vrrp\", \"groups\": [{\"name\": "
		 "\"web\", \"vrid\": 51, \"split_brain\": %s, \"peer\": "
		 "%s}]}}",
		 split_brain, peer);
	j = json_loads(buf, 0, NULL);
	ck_assert_ptr_nonnull(j);
	return j;
}

START_TEST(ha_vrid_foreign_and_split_brain)
{
	static const struct cfg_vrrp_node nodes[2] = {{.name = "lb1"},
						      {.name = "lb2"}};
	struct cfg_vrrp_node n[2];
	struct dr_ctx ctx;

	memcpy(n, nodes, sizeof(n));
	ck_assert_int_eq(lb_addr_parse("10.0.0.11", &n[0].addr), 0);
	ck_assert_int_eq(lb_addr_parse("10.0.0.12", &n[1].addr), 0);
	ctx_with(&ctx, ha_vrrp);
	ctx.cfg->vrrp.nodes = n;
	ctx.cfg->vrrp.n_nodes = 2;
	expect(&ctx, dr_check_ha_vrid, DR_SKIP, "daemon does not answer", NULL);
	ctx.status = ha_status("false", "null");
	expect(&ctx, dr_check_ha_vrid, DR_OK, NULL, NULL);
	json_decref(ctx.status);
	ctx.status = ha_status("false", "\"10.0.0.99\"");
	expect(&ctx, dr_check_ha_vrid, DR_FAIL,
	       "VRID 51 (group web) from 10.0.0.99",
	       "give group web a vrrp.groups[].vrid");
	json_decref(ctx.status);
	ctx.status = ha_status("true", "\"10.0.0.12\"");
	expect(&ctx, dr_check_ha_vrid, DR_WARN,
	       "split brain: group web (VRID 51) also claimed by lb2",
	       "IP protocol 112");
	json_decref(ctx.status);
	cfg_free(ctx.cfg);
}
END_TEST

START_TEST(table_ids_unique_and_grouped)
{
	for (size_t i = 0; i < dr_n_checks; i++) {
		ck_assert_ptr_nonnull(dr_checks[i].run);
		ck_assert_int_gt((int)strlen(dr_checks[i].what), 0);
		ck_assert(dr_check_matches(dr_checks[i].id, dr_checks[i].id));
		for (size_t j = i + 1; j < dr_n_checks; j++)
			ck_assert_str_ne(dr_checks[i].id, dr_checks[j].id);
	}
	ck_assert(dr_check_matches("xdp.jit", "xdp"));
	ck_assert(!dr_check_matches("xdp.jit", "xd"));
	ck_assert(!dr_check_matches("ipvs.module", "xdp"));
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("doctor");
	TCase *tc = tcase_create("checks");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, ip_forward_both_ways);
	tcase_add_test(tc, rp_filter_strict_warns);
	tcase_add_test(tc, arp_is_backend_side);
	tcase_add_test(tc, caps_by_driver_and_probe);
	tcase_add_test(tc, ipvs_sysctls_both_ways);
	tcase_add_test(tc, xdp_kernel_version);
	tcase_add_test(tc, memlock_before_5_11);
	tcase_add_test(tc, caps_before_5_8);
	tcase_add_test(tc, xdp_features_each_missing);
	tcase_add_test(tc, xdp_jit_and_btf_both_ways);
	tcase_add_test(tc, ha_skips_without_mode);
	tcase_add_test(tc, ha_provider_in_this_netns);
	tcase_add_test(tc, ha_arp_for_frr);
	tcase_add_test(tc, ha_vrid_foreign_and_split_brain);
	tcase_add_test(tc, table_ids_unique_and_grouped);
	suite_add_tcase(s, tc);
	return s;
}
