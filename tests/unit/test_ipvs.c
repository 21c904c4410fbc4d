// SPDX-License-Identifier: GPL-2.0-only
/*
 * IPVS driver pieces that need no kernel: message encoding (checked by
 * parsing the attributes back), flag mapping, the ownership file, error
 * messages, and the open() error when the family is absent. Everything that
 * talks to IPVS itself is tested in the VM (tests/vm).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/ip_vs.h>
#include <netlink/genl/genl.h>

#include "dataplane/ipvs/ipvs.h"
#include "dataplane/ipvs/ipvs_internal.h"
#include "tests/lib/check_main.h"

static struct nl_msg *new_msg(void)
{
	struct nl_msg *msg = nlmsg_alloc();

	ck_assert_ptr_nonnull(msg);
	ck_assert_ptr_nonnull(
	    genlmsg_put(msg, 0, 0, 42, 0, 0, IPVS_CMD_NEW_SERVICE, 1));
	return msg;
}

static void parse_nested(struct nl_msg *msg, int top, struct nlattr **tb,
			 int max)
{
	struct nlattr *cmd[IPVS_CMD_ATTR_MAX + 1];

	ck_assert_int_eq(
	    genlmsg_parse(nlmsg_hdr(msg), 0, cmd, IPVS_CMD_ATTR_MAX, NULL), 0);
	ck_assert_ptr_nonnull(cmd[top]);
	ck_assert_int_eq(nla_parse_nested(tb, max, cmd[top], NULL), 0);
}

static void make_svc(struct rc_service *svc, const char *addr, uint16_t port,
		     uint8_t proto, uint32_t fwmark)
{
	struct lb_addr a;

	memset(svc, 0, sizeof(*svc));
	ck_assert_int_eq(lb_addr_parse(addr, &a), 0);
	rc_svc_key_init(&svc->key, &a, port, proto, fwmark);
}

START_TEST(service_v4_persistent)
{
	struct nlattr *tb[IPVS_SVC_ATTR_MAX + 1];
	struct rc_service svc;
	struct ip_vs_flags fl;
	struct nl_msg *msg = new_msg();

	make_svc(&svc, "192.0.2.1", 443, 6, 0);
	snprintf(svc.sched, sizeof(svc.sched), "sh");
	svc.flags =
	    RC_SVC_F_PERSISTENT | RC_SVC_F_SCHED_FALLBACK | RC_SVC_F_SCHED_PORT;
	svc.timeout = 300;
	svc.netmask = 24;
	ck_assert_int_eq(ipvs_put_service(msg, &svc, true), 0);
	parse_nested(msg, IPVS_CMD_ATTR_SERVICE, tb, IPVS_SVC_ATTR_MAX);
	ck_assert_uint_eq(nla_get_u16(tb[IPVS_SVC_ATTR_AF]), AF_INET);
	ck_assert_uint_eq(nla_get_u16(tb[IPVS_SVC_ATTR_PROTOCOL]), 6);
	ck_assert_uint_eq(ntohs(nla_get_u16(tb[IPVS_SVC_ATTR_PORT])), 443);
	ck_assert_int_eq(nla_len(tb[IPVS_SVC_ATTR_ADDR]), 4);
	ck_assert_str_eq(nla_get_string(tb[IPVS_SVC_ATTR_SCHED_NAME]), "sh");
	nla_memcpy(&fl, tb[IPVS_SVC_ATTR_FLAGS], sizeof(fl));
	ck_assert_uint_eq(fl.flags, IP_VS_SVC_F_PERSISTENT |
					IP_VS_SVC_F_SCHED1 |
					IP_VS_SVC_F_SCHED2);
	ck_assert_uint_eq(nla_get_u32(tb[IPVS_SVC_ATTR_TIMEOUT]), 300);
	/* IPv4 netmask travels as a mask in network order */
	ck_assert_uint_eq(nla_get_u32(tb[IPVS_SVC_ATTR_NETMASK]),
			  htonl(0xffffff00u));
	ck_assert_ptr_null(tb[IPVS_SVC_ATTR_FWMARK]);
	nlmsg_free(msg);
}
END_TEST

START_TEST(service_v6_fwmark_default_mask)
{
	struct nlattr *tb[IPVS_SVC_ATTR_MAX + 1];
	struct rc_service svc;
	struct nl_msg *msg = new_msg();

	make_svc(&svc, "::", 0, 0, 8);
	snprintf(svc.sched, sizeof(svc.sched), "rr");
	ck_assert_int_eq(ipvs_put_service(msg, &svc, true), 0);
	parse_nested(msg, IPVS_CMD_ATTR_SERVICE, tb, IPVS_SVC_ATTR_MAX);
	ck_assert_uint_eq(nla_get_u16(tb[IPVS_SVC_ATTR_AF]), AF_INET6);
	ck_assert_uint_eq(nla_get_u32(tb[IPVS_SVC_ATTR_FWMARK]), 8);
	ck_assert_ptr_null(tb[IPVS_SVC_ATTR_ADDR]);
	ck_assert_ptr_null(tb[IPVS_SVC_ATTR_PORT]);
	/* IPv6 netmask is a prefix length; not persistent means whole address
	 */
	ck_assert_uint_eq(nla_get_u32(tb[IPVS_SVC_ATTR_NETMASK]), 128);
	nlmsg_free(msg);
}
END_TEST

START_TEST(service_key_only)
{
	struct nlattr *tb[IPVS_SVC_ATTR_MAX + 1];
	struct rc_service svc;
	struct nl_msg *msg = new_msg();

	make_svc(&svc, "2001:db8::1", 80, 17, 0);
	ck_assert_int_eq(ipvs_put_service(msg, &svc, false), 0);
	parse_nested(msg, IPVS_CMD_ATTR_SERVICE, tb, IPVS_SVC_ATTR_MAX);
	ck_assert_int_eq(nla_len(tb[IPVS_SVC_ATTR_ADDR]), 16);
	ck_assert_ptr_null(tb[IPVS_SVC_ATTR_SCHED_NAME]);
	ck_assert_ptr_null(tb[IPVS_SVC_ATTR_FLAGS]);
	nlmsg_free(msg);
}
END_TEST

START_TEST(dest_tunnel_gue)
{
	struct nlattr *tb[IPVS_DEST_ATTR_MAX + 1];
	struct rc_service svc;
	struct rc_real r;
	struct nl_msg *msg = new_msg();

	make_svc(&svc, "192.0.2.1", 80, 6, 0);
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(lb_addr_parse("10.0.0.2", &r.addr), 0);
	r.port = 8080;
	r.weight = 0; /* drain */
	r.fwd = RC_FWD_TUNNEL;
	r.tunnel = RC_TUN_GUE;
	r.tunnel_port = 6080;
	r.u_threshold = 100;
	r.l_threshold = 10;
	ck_assert_int_eq(ipvs_put_dest(msg, &svc, &r, true), 0);
	parse_nested(msg, IPVS_CMD_ATTR_DEST, tb, IPVS_DEST_ATTR_MAX);
	ck_assert_uint_eq(nla_get_u32(tb[IPVS_DEST_ATTR_FWD_METHOD]),
			  IP_VS_CONN_F_TUNNEL);
	ck_assert_ptr_nonnull(tb[IPVS_DEST_ATTR_WEIGHT]);
	ck_assert_uint_eq(nla_get_u32(tb[IPVS_DEST_ATTR_WEIGHT]), 0);
	ck_assert_uint_eq(nla_get_u8(tb[IPVS_DEST_ATTR_TUN_TYPE]),
			  IP_VS_CONN_F_TUNNEL_TYPE_GUE);
	ck_assert_uint_eq(ntohs(nla_get_u16(tb[IPVS_DEST_ATTR_TUN_PORT])),
			  6080);
	ck_assert_uint_eq(nla_get_u32(tb[IPVS_DEST_ATTR_U_THRESH]), 100);
	ck_assert_uint_eq(nla_get_u32(tb[IPVS_DEST_ATTR_L_THRESH]), 10);
	ck_assert_uint_eq(ntohs(nla_get_u16(tb[IPVS_DEST_ATTR_PORT])), 8080);
	ck_assert_uint_eq(nla_get_u16(tb[IPVS_DEST_ATTR_ADDR_FAMILY]), AF_INET);
	nlmsg_free(msg);
}
END_TEST

START_TEST(dest_masq_has_no_tunnel_attrs)
{
	struct nlattr *tb[IPVS_DEST_ATTR_MAX + 1];
	struct rc_service svc;
	struct rc_real r;
	struct nl_msg *msg = new_msg();

	make_svc(&svc, "192.0.2.1", 80, 6, 0);
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(lb_addr_parse("10.0.0.2", &r.addr), 0);
	r.weight = 5;
	r.fwd = RC_FWD_DR;
	ck_assert_int_eq(ipvs_put_dest(msg, &svc, &r, true), 0);
	parse_nested(msg, IPVS_CMD_ATTR_DEST, tb, IPVS_DEST_ATTR_MAX);
	ck_assert_uint_eq(nla_get_u32(tb[IPVS_DEST_ATTR_FWD_METHOD]),
			  IP_VS_CONN_F_DROUTE);
	ck_assert_ptr_null(tb[IPVS_DEST_ATTR_TUN_TYPE]);
	ck_assert_ptr_null(tb[IPVS_DEST_ATTR_TUN_PORT]);
	nlmsg_free(msg);
}
END_TEST

START_TEST(flags_round_trip)
{
	uint32_t all =
	    RC_SVC_F_PERSISTENT | RC_SVC_F_SCHED_FALLBACK | RC_SVC_F_SCHED_PORT;

	ck_assert_uint_eq(ipvs_flags_to_rc(ipvs_flags_from_rc(all)), all);
	/* the kernel's own bookkeeping flag is not state */
	ck_assert_uint_eq(ipvs_flags_to_rc(IP_VS_SVC_F_HASHED), 0);
}
END_TEST

START_TEST(owned_file_round_trip)
{
	char dir[] = "/tmp/ballast-ipvs-XXXXXX", path[128];
	struct ipvs_owned o = {0}, back = {0};
	struct rc_service a, b, c;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sub/owned", dir);
	make_svc(&a, "192.0.2.1", 80, 6, 0);
	make_svc(&b, "2001:db8::1", 53, 17, 0);
	make_svc(&c, "0.0.0.0", 0, 0, 7);
	/* missing file: nothing is ours */
	ck_assert_int_eq(ipvs_owned_load(&back, path), 0);
	ck_assert_uint_eq(back.n, 0);
	ck_assert_int_eq(ipvs_owned_add(&o, &b.key), 0);
	ck_assert_int_eq(ipvs_owned_add(&o, &a.key), 0);
	ck_assert_int_eq(ipvs_owned_add(&o, &c.key), 0);
	ck_assert_int_eq(ipvs_owned_add(&o, &a.key), 0);
	ck_assert_uint_eq(o.n, 3);
	ck_assert_int_eq(ipvs_owned_save(&o, path), 0);
	/* a malformed line is skipped, not fatal */
	f = fopen(path, "a");
	ck_assert_ptr_nonnull(f);
	fputs("garbage line\n", f);
	fclose(f);
	ck_assert_int_eq(ipvs_owned_load(&back, path), 0);
	ck_assert_uint_eq(back.n, 3);
	ck_assert(ipvs_owned_has(&back, &a.key));
	ck_assert(ipvs_owned_has(&back, &b.key));
	ck_assert(ipvs_owned_has(&back, &c.key));
	ipvs_owned_del(&back, &b.key);
	ck_assert(!ipvs_owned_has(&back, &b.key));
	ck_assert_uint_eq(back.n, 2);
	ipvs_owned_free(&o);
	ipvs_owned_free(&back);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sub", dir);
	rmdir(path);
	rmdir(dir);
}
END_TEST

START_TEST(explain_names_object_and_fix)
{
	struct rc_service svc;
	struct rc_real r;
	struct rc_op op = {0};
	char buf[512];

	make_svc(&svc, "192.0.2.1", 80, 6, 0);
	snprintf(svc.sched, sizeof(svc.sched), "mh");
	op.kind = RC_OP_SVC_ADD;
	op.svc = &svc;
	ipvs_explain(buf, sizeof(buf), &op, -ENOENT, NULL);
	ck_assert_ptr_nonnull(strstr(buf, "192.0.2.1:80"));
	ck_assert_ptr_nonnull(strstr(buf, "modprobe ip_vs_mh"));
	ipvs_explain(buf, sizeof(buf), &op, -EPERM, "denied");
	ck_assert_ptr_nonnull(strstr(buf, "CAP_NET_ADMIN"));
	ck_assert_ptr_nonnull(strstr(buf, "(kernel: denied)"));

	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(lb_addr_parse("10.0.0.2", &r.addr), 0);
	r.port = 80;
	op.kind = RC_OP_REAL_EDIT;
	op.real = &r;
	ipvs_explain(buf, sizeof(buf), &op, -ENOENT, NULL);
	ck_assert_ptr_nonnull(strstr(buf, "edit real 10.0.0.2:80 of service"));
	ck_assert_ptr_null(strstr(buf, "modprobe"));
}
END_TEST

/* The host kernel has no IPVS: open() says how to fix it. */
START_TEST(open_without_ipvs)
{
	struct dp_open_args args = {.read_only = true};
	struct dp *dp = NULL;
	int err;

	if (access("/proc/net/ip_vs", F_OK) == 0)
		return; /* a kernel with IPVS: nothing to check here */
	err = dp_ipvs_ops.open(&dp, &args);
	ck_assert_int_eq(err, -ENOENT);
	ck_assert_ptr_null(dp);
	ck_assert_int_eq(dp_ipvs_ops.driver, CFG_DRIVER_IPVS);
	dp_ipvs_ops.close(NULL, false);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("ipvs");
	TCase *tc = tcase_create("ipvs");

	tcase_add_test(tc, service_v4_persistent);
	tcase_add_test(tc, service_v6_fwmark_default_mask);
	tcase_add_test(tc, service_key_only);
	tcase_add_test(tc, dest_tunnel_gue);
	tcase_add_test(tc, dest_masq_has_no_tunnel_attrs);
	tcase_add_test(tc, flags_round_trip);
	tcase_add_test(tc, owned_file_round_trip);
	tcase_add_test(tc, explain_names_object_and_fix);
	tcase_add_test(tc, open_without_ipvs);
	suite_add_tcase(s, tc);
	return s;
}
