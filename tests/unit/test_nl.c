// SPDX-License-Identifier: GPL-2.0-only
/*
 * lib/nl: acknowledgement parsing on crafted NLMSG_ERROR messages (capped
 * and uncapped, with and without the text, truncated), the user-facing
 * error text, and one real request against the kernel's rtnetlink (a dump
 * of links, and an error with its extended-ack text).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "lib/nl.h"
#include "tests/lib/check_main.h"

/* An NLMSG_ERROR for a request of req_len bytes, optionally echoed. */
static struct nlmsghdr *make_err(char *buf, int error, bool capped,
				 uint32_t req_len, const char *text)
{
	struct nlmsghdr *nh = mnl_nlmsg_put_header(buf);
	struct nlmsgerr *e;

	nh->nlmsg_type = NLMSG_ERROR;
	e = mnl_nlmsg_put_extra_header(nh, sizeof(*e));
	e->error = error;
	e->msg.nlmsg_len = req_len;
	e->msg.nlmsg_type = RTM_NEWADDR;
	if (capped)
		nh->nlmsg_flags |= NLM_F_CAPPED;
	else
		mnl_nlmsg_put_extra_header(nh, req_len - NLMSG_HDRLEN);
	if (text) {
		nh->nlmsg_flags |= NLM_F_ACK_TLVS;
		mnl_attr_put_strz(nh, NLMSGERR_ATTR_MSG, text);
	}
	return nh;
}

START_TEST(ext_ack_capped_and_uncapped)
{
	char buf[1024];
	struct nlmsghdr *nh;

	memset(buf, 0, sizeof(buf));
	nh = make_err(buf, -EEXIST, true, 40, "Address already assigned");
	ck_assert_int_eq(lb_nl_ack_errno(nh, nh->nlmsg_len), -EEXIST);
	ck_assert_str_eq(lb_nl_ext_ack(nh), "Address already assigned");

	memset(buf, 0, sizeof(buf));
	nh = make_err(buf, -EINVAL, false, 64, "bad prefix");
	ck_assert_int_eq(lb_nl_ack_errno(nh, nh->nlmsg_len), -EINVAL);
	ck_assert_str_eq(lb_nl_ext_ack(nh), "bad prefix");

	memset(buf, 0, sizeof(buf));
	nh = make_err(buf, 0, true, 40, NULL);
	ck_assert_int_eq(lb_nl_ack_errno(nh, nh->nlmsg_len), 0);
	ck_assert_ptr_null(lb_nl_ext_ack(nh));
}
END_TEST

START_TEST(ext_ack_bounded)
{
	char buf[1024];
	struct nlmsghdr *nh;

	/* The echoed request claims more than the message holds. */
	memset(buf, 0, sizeof(buf));
	nh = make_err(buf, -EINVAL, false, 64, "text");
	((struct nlmsgerr *)mnl_nlmsg_get_payload(nh))->msg.nlmsg_len = 4000;
	ck_assert_ptr_null(lb_nl_ext_ack(nh));
	/* ... or less than a header. */
	((struct nlmsgerr *)mnl_nlmsg_get_payload(nh))->msg.nlmsg_len = 3;
	ck_assert_ptr_null(lb_nl_ext_ack(nh));

	/* The text attribute is not terminated inside the message. */
	memset(buf, 0, sizeof(buf));
	nh = make_err(buf, -EINVAL, true, 40, "abcd");
	memset((char *)nh + nh->nlmsg_len - 4, 'x', 4);
	ck_assert_ptr_null(lb_nl_ext_ack(nh));

	/* Too short for an error code at all. */
	memset(buf, 0, sizeof(buf));
	nh = mnl_nlmsg_put_header(buf);
	nh->nlmsg_type = NLMSG_ERROR;
	ck_assert_int_eq(lb_nl_ack_errno(nh, nh->nlmsg_len), -EBADMSG);
	ck_assert_ptr_null(lb_nl_ext_ack(nh));
}
END_TEST

START_TEST(strerror_text)
{
	char buf[128];

	lb_nl_strerror(buf, sizeof(buf), "ipvs: create service x", -EPERM,
		       "denied");
	ck_assert_str_eq(buf, "ipvs: create service x: Operation not "
			      "permitted (kernel: denied)");
	lb_nl_strerror(buf, sizeof(buf), "obj", -ENOENT, "");
	ck_assert_str_eq(buf, "obj: No such file or directory");
	lb_nl_strerror(buf, 8, "object", -ENOENT, "text");
	ck_assert_str_eq(buf, "object:");
}
END_TEST

static int count_links(void *arg, const struct nlmsghdr *nh)
{
	if (nh->nlmsg_type == RTM_NEWLINK)
		++*(int *)arg;
	return 0;
}

/* The last of each type is kept; types past max are skipped, nested too. */
START_TEST(attrs_into_table)
{
	char buf[512];
	const struct nlattr *tb[IFLA_MAX + 1] = {0};
	const struct nlattr *in[IFLA_INFO_MAX + 1] = {0};
	struct nlmsghdr *nh;
	struct nlattr *nest;

	memset(buf, 0, sizeof(buf));
	nh = mnl_nlmsg_put_header(buf);
	nh->nlmsg_type = RTM_NEWLINK;
	mnl_nlmsg_put_extra_header(nh, sizeof(struct ifinfomsg));
	mnl_attr_put_u32(nh, IFLA_MTU, 1400);
	mnl_attr_put_u32(nh, IFLA_MTU, 1500);
	mnl_attr_put_u32(nh, IFLA_MAX + 1, 7);
	nest = mnl_attr_nest_start(nh, IFLA_LINKINFO);
	mnl_attr_put_strz(nh, IFLA_INFO_KIND, "veth");
	mnl_attr_nest_end(nh, nest);

	ck_assert_int_eq(
	    lb_nl_attrs(nh, sizeof(struct ifinfomsg), tb, IFLA_MAX), 0);
	ck_assert_ptr_nonnull(tb[IFLA_MTU]);
	ck_assert_uint_eq(mnl_attr_get_u32(tb[IFLA_MTU]), 1500);
	ck_assert_ptr_nonnull(tb[IFLA_LINKINFO]);
	ck_assert_ptr_null(tb[IFLA_IFNAME]);
	ck_assert_int_eq(
	    lb_nl_attrs_nested(tb[IFLA_LINKINFO], in, IFLA_INFO_MAX), 0);
	ck_assert_str_eq(mnl_attr_get_str(in[IFLA_INFO_KIND]), "veth");
}
END_TEST

START_TEST(request_against_the_kernel)
{
	char buf[512], ext[256], why[256];
	struct nlmsghdr *nh;
	struct ifaddrmsg *ifa;
	struct lb_nl *nl;
	int n = 0, err;

	ck_assert_int_eq(lb_nl_open(&nl, NETLINK_ROUTE, 0, why, sizeof(why)),
			 0);
	nh = mnl_nlmsg_put_header(buf);
	nh->nlmsg_type = RTM_GETLINK;
	nh->nlmsg_flags = NLM_F_DUMP;
	mnl_nlmsg_put_extra_header(nh, sizeof(struct ifinfomsg));
	ck_assert_int_eq(lb_nl_request(nl, nh, count_links, &n, NULL, 0), 0);
	ck_assert_int_ge(n, 1); /* lo at least */

	/* An address on an ifindex that cannot exist: the kernel refuses. */
	nh = mnl_nlmsg_put_header(buf);
	nh->nlmsg_type = RTM_NEWADDR;
	nh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	ifa = mnl_nlmsg_put_extra_header(nh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = 32;
	ifa->ifa_index = 0x7ffffff0;
	mnl_attr_put_u32(nh, IFA_LOCAL, htonl(0x0a000001));
	err = lb_nl_request(nl, nh, NULL, NULL, ext, sizeof(ext));
	ck_assert_int_lt(err, 0);
	ck_assert_int_ne(err, -ETIMEDOUT);
	if (err == -ENODEV) /* as root; kernels since 5.x explain it */
		ck_assert_str_ne(ext, "");
	lb_nl_close(nl);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("nl");
	TCase *tc = tcase_create("nl");

	tcase_add_test(tc, ext_ack_capped_and_uncapped);
	tcase_add_test(tc, ext_ack_bounded);
	tcase_add_test(tc, strerror_text);
	tcase_add_test(tc, attrs_into_table);
	tcase_add_test(tc, request_against_the_kernel);
	suite_add_tcase(s, tc);
	return s;
}
