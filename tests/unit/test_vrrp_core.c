// SPDX-License-Identifier: GPL-2.0-only
/*
 * The gate's pure core, driven by crafted rtnetlink messages: what counts as
 * holding a VIP (keepalived's address moves, FRR's protodown macvlans), the
 * transitions and their causes, resync sweeps, split-brain flags, and the
 * groups a config yields. No sockets.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "tests/lib/check_main.h"
#include "vrrp/vrrp_internal.h"

#define UPC (IFF_UP | IFF_LOWER_UP)

/* ---- message builders ------------------------------------------------- */

struct lspec {
	uint16_t type;
	int family;
	int ifindex;
	const char *name;
	unsigned int flags;
	int parent;
	const char *kind;
	bool protodown;
};

static struct nlmsghdr *link_msg(char *buf, const struct lspec *s)
{
	struct nlmsghdr *nh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nh->nlmsg_type = s->type ? s->type : RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(nh, sizeof(*ifi));
	ifi->ifi_family = (unsigned char)s->family;
	ifi->ifi_index = s->ifindex;
	ifi->ifi_flags = s->flags;
	mnl_attr_put_strz(nh, IFLA_IFNAME, s->name);
	if (s->parent)
		mnl_attr_put_u32(nh, IFLA_LINK, (uint32_t)s->parent);
	if (s->kind) {
		struct nlattr *li = mnl_attr_nest_start(nh, IFLA_LINKINFO);

		mnl_attr_put_strz(nh, IFLA_INFO_KIND, s->kind);
		mnl_attr_nest_end(nh, li);
	}
	if (s->protodown)
		mnl_attr_put_u8(nh, IFLA_PROTO_DOWN, 1);
	return nh;
}

static struct nlmsghdr *addr_msg(char *buf, uint16_t type, int ifindex,
				 const char *txt, uint32_t flags)
{
	struct nlmsghdr *nh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;
	struct lb_addr a;

	ck_assert_int_eq(lb_addr_parse(txt, &a), 0);
	nh->nlmsg_type = type;
	ifa = mnl_nlmsg_put_extra_header(nh, sizeof(*ifa));
	ifa->ifa_family = a.family;
	ifa->ifa_index = (uint32_t)ifindex;
	ifa->ifa_prefixlen = a.family == AF_INET ? 32 : 128;
	mnl_attr_put(nh, IFA_ADDRESS, a.family == AF_INET ? 4 : 16, a.b);
	mnl_attr_put_u32(nh, IFA_FLAGS, flags);
	return nh;
}

/* ---- fixture ------------------------------------------------------------ */

#define MAX_EV 16

struct fx {
	struct vw_core c;
	struct {
		size_t group;
		unsigned int changed;
		bool active, sb;
		char cause[VW_CAUSE_MAX];
	} ev[MAX_EV];
	size_t n_ev;
	uint64_t now;
};

static void collect(void *arg, size_t group, unsigned int changed)
{
	struct fx *f = arg;

	ck_assert_uint_lt(f->n_ev, MAX_EV);
	f->ev[f->n_ev].group = group;
	f->ev[f->n_ev].changed = changed;
	f->ev[f->n_ev].active = f->c.groups[group].active;
	f->ev[f->n_ev].sb = f->c.groups[group].split_brain;
	memcpy(f->ev[f->n_ev].cause, f->c.groups[group].cause, VW_CAUSE_MAX);
	f->n_ev++;
}

/* Groups given as "name/vrid/vip,vip;..." for brevity. */
static void fx_init(struct fx *f, const char *ifname, const char *groups)
{
	struct vw_group_spec specs[8];
	struct lb_addr vips[8][4];
	char names[8][32], copy[256], *save = NULL, *g;
	struct vw_opts o = {.interface = ifname, .advert_interval_ms = 100};
	size_t n = 0;

	memset(f, 0, sizeof(*f));
	f->now = 1000;
	snprintf(copy, sizeof(copy), "%s", groups);
	for (g = strtok_r(copy, ";", &save); g;
	     g = strtok_r(NULL, ";", &save)) {
		char *s2 = NULL, *name = strtok_r(g, "/", &s2);
		char *vrid = strtok_r(NULL, "/", &s2);
		char *list = strtok_r(NULL, "/", &s2), *s3 = NULL, *v;

		snprintf(names[n], sizeof(names[n]), "%s", name);
		specs[n] = (struct vw_group_spec){.name = names[n],
						  .vrid = (uint8_t)atoi(vrid),
						  .vips = vips[n]};
		for (v = strtok_r(list, ",", &s3); v;
		     v = strtok_r(NULL, ",", &s3))
			ck_assert_int_eq(
			    lb_addr_parse(v, &vips[n][specs[n].n_vips++]), 0);
		n++;
	}
	o.groups = specs;
	o.n_groups = n;
	ck_assert_int_eq(vw_core_configure(&f->c, &o, f->now), 0);
}

/* Apply one message; when the table changed, update and report. */
static int feed(struct fx *f, const struct nlmsghdr *nh)
{
	char cause[VW_CAUSE_MAX] = "";
	int r = vw_rtnl_apply(&f->c.tab, nh, cause, sizeof(cause));

	ck_assert_int_ge(r, 0);
	f->n_ev = 0;
	f->now += 10;
	if (r)
		vw_core_update(&f->c, cause, f->now, collect, f);
	return r;
}

static void feed_link(struct fx *f, struct lspec s)
{
	char buf[512];

	feed(f, link_msg(buf, &s));
}

static void feed_addr(struct fx *f, uint16_t type, int ifindex, const char *txt,
		      uint32_t flags)
{
	char buf[256];

	feed(f, addr_msg(buf, type, ifindex, txt, flags));
}

static void expect_event(struct fx *f, size_t group, bool active,
			 const char *cause)
{
	ck_assert_uint_eq(f->n_ev, 1);
	ck_assert_uint_eq(f->ev[0].group, group);
	ck_assert(f->ev[0].changed & VW_CH_ACTIVE);
	ck_assert_int_eq(f->ev[0].active, active);
	ck_assert_str_eq(f->ev[0].cause, cause);
}

/* eth0 (2) up with carrier, eth1 (3) too. */
static void two_nics(struct fx *f)
{
	feed_link(f,
		  (struct lspec){.ifindex = 2, .name = "eth0", .flags = UPC});
	feed_link(f,
		  (struct lspec){.ifindex = 3, .name = "eth1", .flags = UPC});
}

/* ---- keepalived: the address moves ---------------------------------- */

START_TEST(address_add_and_remove)
{
	struct fx f;

	fx_init(&f, "eth0", "web/51/10.0.0.100");
	two_nics(&f);
	ck_assert(!f.c.groups[0].active);
	feed_addr(&f, RTM_NEWADDR, 2, "10.0.0.100", 0);
	expect_event(&f, 0, true, "address 10.0.0.100 added on eth0");
	ck_assert_uint_eq(f.c.groups[0].transitions, 1);
	ck_assert_uint_eq(f.c.groups[0].since_ms, f.now);
	/* The same address again is no news. */
	feed_addr(&f, RTM_NEWADDR, 2, "10.0.0.100", 0);
	ck_assert_uint_eq(f.n_ev, 0);
	feed_addr(&f, RTM_DELADDR, 2, "10.0.0.100", 0);
	expect_event(&f, 0, false, "address 10.0.0.100 removed from eth0");
	ck_assert_uint_eq(f.c.groups[0].transitions, 2);
	vw_core_free(&f.c);
}
END_TEST

START_TEST(link_down_and_up)
{
	struct fx f;

	fx_init(&f, "eth0", "web/51/10.0.0.100");
	two_nics(&f);
	feed_addr(&f, RTM_NEWADDR, 2, "10.0.0.100", 0);
	feed_link(&f, (struct lspec){.ifindex = 2, .name = "eth0"});
	expect_event(&f, 0, false, "link eth0 down");
	feed_link(&f,
		  (struct lspec){.ifindex = 2, .name = "eth0", .flags = UPC});
	expect_event(&f, 0, true, "link eth0 up");
	/* Up without carrier does not hold. */
	feed_link(
	    &f, (struct lspec){.ifindex = 2, .name = "eth0", .flags = IFF_UP});
	expect_event(&f, 0, false, "carrier lost on eth0");
	feed_link(&f,
		  (struct lspec){.ifindex = 2, .name = "eth0", .flags = UPC});
	expect_event(&f, 0, true, "carrier restored on eth0");
	vw_core_free(&f.c);
}
END_TEST

START_TEST(link_removed_takes_its_addresses)
{
	struct fx f;

	fx_init(&f, "eth0", "web/51/10.0.0.100");
	two_nics(&f);
	feed_addr(&f, RTM_NEWADDR, 2, "10.0.0.100", 0);
	feed_link(&f, (struct lspec){
			  .type = RTM_DELLINK, .ifindex = 2, .name = "eth0"});
	expect_event(&f, 0, false, "link eth0 removed");
	ck_assert_ptr_null(vw_table_addr(&f.c.tab, 2, &f.c.groups[0].vips[0]));
	/* A new eth0 with another index, without the address: still no. */
	feed_link(&f,
		  (struct lspec){.ifindex = 9, .name = "eth0", .flags = UPC});
	ck_assert_uint_eq(f.n_ev, 0);
	feed_addr(&f, RTM_NEWADDR, 9, "10.0.0.100", 0);
	expect_event(&f, 0, true, "address 10.0.0.100 added on eth0");
	vw_core_free(&f.c);
}
END_TEST

START_TEST(bridge_port_messages_ignored)
{
	struct fx f;

	fx_init(&f, "eth0", "web/51/10.0.0.100");
	two_nics(&f);
	feed_addr(&f, RTM_NEWADDR, 2, "10.0.0.100", 0);
	/* A port leaving its bridge: DELLINK with family AF_BRIDGE. */
	feed_link(&f, (struct lspec){.type = RTM_DELLINK,
				     .family = AF_BRIDGE,
				     .ifindex = 2,
				     .name = "eth0"});
	ck_assert_uint_eq(f.n_ev, 0);
	ck_assert(f.c.groups[0].active);
	vw_core_free(&f.c);
}
END_TEST

/* ---- FRR: the VIP stays, the macvlan's carrier goes ------------------ */

START_TEST(macvlan_child_counts_and_protodown_drops)
{
	struct fx f;
	bool held;
	const struct vw_link *l;

	fx_init(&f, "eth0", "web/51/10.0.0.100");
	two_nics(&f);
	feed_link(&f, (struct lspec){.ifindex = 10,
				     .name = "vrrp4-2-51",
				     .flags = UPC,
				     .parent = 2,
				     .kind = "macvlan"});
	feed_addr(&f, RTM_NEWADDR, 10, "10.0.0.100", 0);
	expect_event(&f, 0, true, "address 10.0.0.100 added on vrrp4-2-51");
	l = vw_core_vip(&f.c, &f.c.groups[0].vips[0], &held);
	ck_assert(held);
	ck_assert_str_eq(l->name, "vrrp4-2-51");
	/* vrrpd on the backup: protodown, the address stays. */
	feed_link(&f, (struct lspec){.ifindex = 10,
				     .name = "vrrp4-2-51",
				     .flags = IFF_UP,
				     .parent = 2,
				     .kind = "macvlan",
				     .protodown = true});
	expect_event(&f, 0, false, "carrier lost on vrrp4-2-51 (protodown)");
	l = vw_core_vip(&f.c, &f.c.groups[0].vips[0], &held);
	ck_assert(!held);
	ck_assert_str_eq(l->name, "vrrp4-2-51"); /* still shown where it is */
	feed_link(&f, (struct lspec){.ifindex = 10,
				     .name = "vrrp4-2-51",
				     .flags = UPC,
				     .parent = 2,
				     .kind = "macvlan"});
	expect_event(&f, 0, true, "carrier restored on vrrp4-2-51");
	/* The parent going down takes the child's carrier too, but the
	 * kernel says so for the child as well: only then it drops. */
	vw_core_free(&f.c);
}
END_TEST

START_TEST(unrelated_links_do_not_count)
{
	struct fx f;
	bool held;

	fx_init(&f, "eth0", "web/51/10.0.0.100");
	two_nics(&f);
	/* On another NIC. */
	feed_addr(&f, RTM_NEWADDR, 3, "10.0.0.100", 0);
	ck_assert_uint_eq(f.n_ev, 0);
	ck_assert_ptr_null(vw_core_vip(&f.c, &f.c.groups[0].vips[0], &held));
	/* On a macvlan of the other NIC. */
	feed_link(&f, (struct lspec){.ifindex = 11,
				     .name = "mv1",
				     .flags = UPC,
				     .parent = 3,
				     .kind = "macvlan"});
	feed_addr(&f, RTM_NEWADDR, 11, "10.0.0.100", 0);
	ck_assert_uint_eq(f.n_ev, 0);
	/* On a veth whose peer is eth0: a peer is not a parent. */
	feed_link(&f, (struct lspec){.ifindex = 12,
				     .name = "ve0",
				     .flags = UPC,
				     .parent = 2,
				     .kind = "veth"});
	feed_addr(&f, RTM_NEWADDR, 12, "10.0.0.100", 0);
	ck_assert_uint_eq(f.n_ev, 0);
	ck_assert(!f.c.groups[0].active);
	/* And on eth0 itself it does. */
	feed_addr(&f, RTM_NEWADDR, 2, "10.0.0.100", 0);
	expect_event(&f, 0, true, "address 10.0.0.100 added on eth0");
	vw_core_free(&f.c);
}
END_TEST

START_TEST(interface_absent)
{
	struct fx f;

	fx_init(&f, "bond0", "web/51/10.0.0.100");
	two_nics(&f);
	feed_addr(&f, RTM_NEWADDR, 2, "10.0.0.100", 0);
	ck_assert_uint_eq(f.n_ev, 0);
	/* eth0 renamed to bond0: now it is the interface. */
	feed_link(&f,
		  (struct lspec){.ifindex = 2, .name = "bond0", .flags = UPC});
	expect_event(&f, 0, true, "link eth0 renamed to bond0");
	vw_core_free(&f.c);
}
END_TEST

START_TEST(partial_group)
{
	struct fx f;

	fx_init(&f, "eth0",
		"web/51/10.0.0.100,2001:db8::100;api/52/10.0.0.101");
	two_nics(&f);
	feed_addr(&f, RTM_NEWADDR, 2, "10.0.0.100", 0);
	ck_assert_uint_eq(f.n_ev, 0);
	ck_assert_uint_eq(vw_core_n_held(&f.c, 0), 1);
	ck_assert(!f.c.groups[0].active);
	feed_addr(&f, RTM_NEWADDR, 2, "2001:db8::100", IFA_F_NODAD);
	expect_event(&f, 0, true, "address 2001:db8::100 added on eth0");
	ck_assert_uint_eq(vw_core_n_held(&f.c, 0), 2);
	ck_assert(!f.c.groups[1].active);
	feed_addr(&f, RTM_NEWADDR, 2, "10.0.0.101", 0);
	expect_event(&f, 1, true, "address 10.0.0.101 added on eth0");
	feed_addr(&f, RTM_DELADDR, 2, "2001:db8::100", 0);
	expect_event(&f, 0, false, "address 2001:db8::100 removed from eth0");
	ck_assert(f.c.groups[1].active);
	vw_core_free(&f.c);
}
END_TEST

START_TEST(ipv6_tentative_is_not_held)
{
	struct fx f;

	fx_init(&f, "eth0", "web/51/2001:db8::100");
	two_nics(&f);
	feed_addr(&f, RTM_NEWADDR, 2, "2001:db8::100", IFA_F_TENTATIVE);
	ck_assert_uint_eq(f.n_ev, 0);
	feed_addr(&f, RTM_NEWADDR, 2, "2001:db8::100", 0);
	expect_event(&f, 0, true, "address 2001:db8::100 on eth0 usable");
	feed_addr(&f, RTM_NEWADDR, 2, "2001:db8::100", IFA_F_DADFAILED);
	expect_event(&f, 0, false,
		     "address 2001:db8::100 on eth0 failed duplicate address "
		     "detection");
	vw_core_free(&f.c);
}
END_TEST

START_TEST(malformed_messages_ignored)
{
	struct fx f;
	char buf[512];
	struct nlmsghdr *nh;
	struct ifaddrmsg *ifa;

	fx_init(&f, "eth0", "web/51/10.0.0.100");
	two_nics(&f);
	/* Link message shorter than its ifinfomsg. */
	nh = mnl_nlmsg_put_header(buf);
	nh->nlmsg_type = RTM_NEWLINK;
	mnl_nlmsg_put_extra_header(nh, 4);
	ck_assert_int_eq(feed(&f, nh), 0);
	/* Link without a name. */
	nh = mnl_nlmsg_put_header(buf);
	nh->nlmsg_type = RTM_NEWLINK;
	((struct ifinfomsg *)mnl_nlmsg_put_extra_header(
	     nh, sizeof(struct ifinfomsg)))
	    ->ifi_index = 7;
	ck_assert_int_eq(feed(&f, nh), 0);
	ck_assert_ptr_null(vw_table_link(&f.c.tab, 7));
	/* IPv4 address with 16 bytes. */
	nh = mnl_nlmsg_put_header(buf);
	nh->nlmsg_type = RTM_NEWADDR;
	ifa = mnl_nlmsg_put_extra_header(nh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_index = 2;
	mnl_attr_put(nh, IFA_ADDRESS, 16, "0123456789abcdef");
	ck_assert_int_eq(feed(&f, nh), 0);
	ck_assert_uint_eq(f.c.tab.n_addrs, 0);
	/* An attribute whose length runs past the message. */
	nh = mnl_nlmsg_put_header(buf);
	nh->nlmsg_type = RTM_NEWADDR;
	ifa = mnl_nlmsg_put_extra_header(nh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_index = 2;
	mnl_attr_put(nh, IFA_ADDRESS, 4, "\x0a\x00\x00\x64");
	nh->nlmsg_len -= 4;
	ck_assert_int_eq(feed(&f, nh), 0);
	ck_assert_uint_eq(f.c.tab.n_addrs, 0);
	/* Unknown message types. */
	nh = mnl_nlmsg_put_header(buf);
	nh->nlmsg_type = RTM_NEWROUTE;
	ck_assert_int_eq(feed(&f, nh), 0);
	vw_core_free(&f.c);
}
END_TEST

START_TEST(resync_sweeps_what_vanished)
{
	struct fx f;

	fx_init(&f, "eth0", "web/51/10.0.0.100");
	two_nics(&f);
	feed_addr(&f, RTM_NEWADDR, 2, "10.0.0.100", 0);
	ck_assert(f.c.groups[0].active);
	/* The deletion was lost in an overflow; the dump no longer shows
	 * the address. */
	vw_table_mark(&f.c.tab);
	feed_link(&f,
		  (struct lspec){.ifindex = 2, .name = "eth0", .flags = UPC});
	feed_link(&f,
		  (struct lspec){.ifindex = 3, .name = "eth1", .flags = UPC});
	vw_table_sweep(&f.c.tab);
	f.n_ev = 0;
	vw_core_update(&f.c, "resync", f.now, collect, &f);
	expect_event(&f, 0, false, "resync");
	ck_assert_uint_eq(f.c.tab.n_links, 2);
	ck_assert_uint_eq(f.c.tab.n_addrs, 0);
	vw_core_free(&f.c);
}
END_TEST

START_TEST(initial_state_is_not_a_transition)
{
	struct fx f;

	fx_init(&f, "eth0", "web/51/10.0.0.100");
	ck_assert_int_eq(vw_rtnl_apply(&f.c.tab,
				       link_msg((char[512]){0},
						&(struct lspec){.ifindex = 2,
								.name = "eth0",
								.flags = UPC}),
				       (char[VW_CAUSE_MAX]){0}, VW_CAUSE_MAX),
			 1);
	ck_assert_int_eq(vw_rtnl_apply(&f.c.tab,
				       addr_msg((char[256]){0}, RTM_NEWADDR, 2,
						"10.0.0.100", 0),
				       (char[VW_CAUSE_MAX]){0}, VW_CAUSE_MAX),
			 1);
	vw_core_update(&f.c, "", f.now, NULL, NULL);
	ck_assert(f.c.groups[0].active);
	ck_assert_uint_eq(f.c.groups[0].transitions, 0);
	ck_assert_str_eq(f.c.groups[0].cause, "initial state: every VIP held");
	vw_core_free(&f.c);
}
END_TEST

START_TEST(reload_keeps_history)
{
	struct fx f;
	struct lb_addr vips[2];
	struct vw_group_spec sp = {
	    .name = "web", .vrid = 51, .vips = vips, .n_vips = 2};
	struct vw_opts o = {.interface = "eth0", .groups = &sp, .n_groups = 1};

	fx_init(&f, "eth0", "web/51/10.0.0.100");
	two_nics(&f);
	feed_addr(&f, RTM_NEWADDR, 2, "10.0.0.100", 0);
	ck_assert_uint_eq(f.c.groups[0].transitions, 1);
	/* The group gains a VIP this node does not hold. */
	ck_assert_int_eq(lb_addr_parse("10.0.0.100", &vips[0]), 0);
	ck_assert_int_eq(lb_addr_parse("10.0.0.102", &vips[1]), 0);
	ck_assert_int_eq(vw_core_configure(&f.c, &o, f.now), 0);
	ck_assert(f.c.groups[0].active); /* kept until recomputed */
	f.n_ev = 0;
	vw_core_update(&f.c, "configuration reloaded", f.now, collect, &f);
	expect_event(&f, 0, false, "configuration reloaded");
	ck_assert_uint_eq(f.c.groups[0].transitions, 2);
	/* A bad interface name is refused, the old state kept. */
	o.interface = "a-name-longer-than-ifnamsiz";
	ck_assert_int_eq(vw_core_configure(&f.c, &o, f.now), -EINVAL);
	ck_assert_str_eq(f.c.ifname, "eth0");
	vw_core_free(&f.c);
}
END_TEST

/* ---- split brain ------------------------------------------------------ */

START_TEST(split_brain_rises_and_clears)
{
	struct fx f;
	struct vw_advert a = {.version = 3, .vrid = 51, .priority = 100};
	struct lb_addr peer;
	uint64_t next;

	fx_init(&f, "eth0", "web/51/10.0.0.100;api/52/10.0.0.101");
	ck_assert_uint_eq(f.c.sb_expiry_ms, 3 * 100 + 100);
	two_nics(&f);
	ck_assert_int_eq(lb_addr_parse("10.0.0.12", &peer), 0);
	/* Not held: the peer is simply master. */
	vw_core_advert(&f.c, &a, &peer, 2000, collect, &f);
	ck_assert_uint_eq(f.n_ev, 0);
	ck_assert(!f.c.groups[0].split_brain);

	feed_addr(&f, RTM_NEWADDR, 2, "10.0.0.100", 0);
	f.n_ev = 0;
	vw_core_advert(&f.c, &a, &peer, 2000, collect, &f);
	ck_assert_uint_eq(f.n_ev, 1);
	ck_assert_uint_eq(f.ev[0].group, 0);
	ck_assert_uint_eq(f.ev[0].changed, VW_CH_SPLIT_BRAIN);
	ck_assert(f.ev[0].sb && f.ev[0].active);
	ck_assert_ptr_nonnull(strstr(f.ev[0].cause, "10.0.0.12"));
	ck_assert_int_eq(lb_addr_cmp(&f.c.groups[0].peer, &peer), 0);
	ck_assert(!f.c.groups[1].split_brain); /* another VRID */
	/* More adverts keep it up without new events. */
	f.n_ev = 0;
	vw_core_advert(&f.c, &a, &peer, 2250, collect, &f);
	ck_assert_uint_eq(f.n_ev, 0);
	next = vw_core_sb_expire(&f.c, 2300, collect, &f);
	ck_assert_uint_eq(next, 2250 + 400);
	ck_assert_uint_eq(f.n_ev, 0);
	next = vw_core_sb_expire(&f.c, 2650, collect, &f);
	ck_assert_uint_eq(next, 0);
	ck_assert_uint_eq(f.n_ev, 1);
	ck_assert(!f.ev[0].sb);
	ck_assert_ptr_nonnull(strstr(f.ev[0].cause, "split brain over"));

	/* It also clears when this node stops holding the group. */
	vw_core_advert(&f.c, &a, &peer, 3000, NULL, NULL);
	ck_assert(f.c.groups[0].split_brain);
	feed_addr(&f, RTM_DELADDR, 2, "10.0.0.100", 0);
	ck_assert_uint_eq(f.n_ev, 1);
	ck_assert_uint_eq(f.ev[0].changed, VW_CH_ACTIVE | VW_CH_SPLIT_BRAIN);
	ck_assert(!f.ev[0].sb);
	/* Priority 0 (a master resigning) is no claim. */
	feed_addr(&f, RTM_NEWADDR, 2, "10.0.0.100", 0);
	a.priority = 0;
	vw_core_advert(&f.c, &a, &peer, 4000, NULL, NULL);
	ck_assert(!f.c.groups[0].split_brain);
	vw_core_free(&f.c);
}
END_TEST

START_TEST(split_brain_needs_a_vrid)
{
	struct fx f;
	struct vw_advert a = {.version = 3, .vrid = 51, .priority = 100};
	struct lb_addr peer;

	/* Without a vrrp: section groups have VRID 0: never flagged. */
	fx_init(&f, "eth0", "10.0.0.100/0/10.0.0.100");
	two_nics(&f);
	feed_addr(&f, RTM_NEWADDR, 2, "10.0.0.100", 0);
	ck_assert(f.c.groups[0].active);
	ck_assert_int_eq(lb_addr_parse("10.0.0.12", &peer), 0);
	vw_core_advert(&f.c, &a, &peer, 2000, NULL, NULL);
	ck_assert(!f.c.groups[0].split_brain);
	vw_core_free(&f.c);
}
END_TEST

/*
 * What the daemon's gate and a one-shot plan ask: a service of a group is
 * served while that group is held; a fwmark service (no group) while any is.
 */
START_TEST(serves_group_fwmark_follows_the_node)
{
	struct fx f;
	struct vw w = {0};

	fx_init(&f, "eth0", "web/51/10.0.0.100;api/52/10.0.0.101");
	two_nics(&f);
	w.core = f.c; /* a view: the groups array is shared, freed once */
	ck_assert(!vw_serves_group(&w, 0));
	ck_assert(!vw_serves_group(&w, -1));
	feed_addr(&f, RTM_NEWADDR, 2, "10.0.0.101", 0);
	ck_assert(!vw_serves_group(&w, 0));
	ck_assert(vw_serves_group(&w, 1));
	ck_assert(vw_serves_group(&w, -1));
	feed_addr(&f, RTM_DELADDR, 2, "10.0.0.101", 0);
	ck_assert(!vw_serves_group(&w, 1));
	ck_assert(!vw_serves_group(&w, -1));
	ck_assert(!vw_serves_group(&w, 2)); /* no such group */
	vw_core_free(&f.c);
}
END_TEST

/* ---- groups from a config ------------------------------------------- */

START_TEST(groups_from_services)
{
	struct cfg cfg;
	struct cfg_service svc[4];
	struct vw_group_spec *g;
	size_t n;

	memset(&cfg, 0, sizeof(cfg));
	memset(svc, 0, sizeof(svc));
	ck_assert_int_eq(lb_addr_parse("10.0.0.100", &svc[0].addr), 0);
	ck_assert_int_eq(lb_addr_parse("2001:db8::1", &svc[1].addr), 0);
	svc[2].addr = svc[0].addr; /* another port on the same VIP */
	svc[3].fwmark = 7;
	svc[3].addr.family = AF_INET;
	cfg.services = svc;
	cfg.n_services = 4;
	ck_assert_int_eq(vw_groups_from_cfg(&cfg, &g, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(g[0].name, "10.0.0.100");
	ck_assert_str_eq(g[1].name, "2001:db8::1");
	ck_assert_uint_eq(g[0].vrid, 0);
	ck_assert_uint_eq(g[1].n_vips, 1);
	ck_assert_int_eq(vw_group_of_service(g, n, &svc[2]), 0);
	ck_assert_int_eq(vw_group_of_service(g, n, &svc[1]), 1);
	ck_assert_int_eq(vw_group_of_service(g, n, &svc[3]), -1);
	free(g);
}
END_TEST

START_TEST(groups_from_vrrp_section)
{
	struct cfg cfg;
	struct cfg_service svc = {0};
	struct cfg_vrrp_group vg[2];
	struct lb_addr v0[2], v1[1];
	struct vw_group_spec *g;
	size_t n;

	memset(&cfg, 0, sizeof(cfg));
	ck_assert_int_eq(lb_addr_parse("10.0.0.100", &v0[0]), 0);
	ck_assert_int_eq(lb_addr_parse("2001:db8::100", &v0[1]), 0);
	ck_assert_int_eq(lb_addr_parse("10.0.0.101", &v1[0]), 0);
	vg[0] = (struct cfg_vrrp_group){
	    .name = "web", .vrid = 51, .vips = v0, .n_vips = 2};
	vg[1] = (struct cfg_vrrp_group){
	    .name = "api", .vrid = 52, .vips = v1, .n_vips = 1};
	cfg.vrrp.present = true;
	cfg.vrrp.groups = vg;
	cfg.vrrp.n_groups = 2;
	ck_assert_int_eq(vw_groups_from_cfg(&cfg, &g, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(g[1].name, "api");
	ck_assert_uint_eq(g[0].vrid, 51);
	ck_assert_uint_eq(g[0].n_vips, 2);
	svc.addr = v0[1];
	ck_assert_int_eq(vw_group_of_service(g, n, &svc), 0);
	ck_assert_int_eq(lb_addr_parse("10.9.9.9", &svc.addr), 0);
	ck_assert_int_eq(vw_group_of_service(g, n, &svc), -1);
	free(g);
}
END_TEST

/* The per-service map answers as vw_group_of_service does, service by service.
 */
START_TEST(groups_of_services_map)
{
	struct cfg cfg;
	struct cfg_service svc[5];
	struct vw_group_spec g[2];
	struct lb_addr v0[2], v1[2];
	ssize_t map[5];

	memset(&cfg, 0, sizeof(cfg));
	memset(svc, 0, sizeof(svc));
	ck_assert_int_eq(lb_addr_parse("10.0.0.100", &v0[0]), 0);
	ck_assert_int_eq(lb_addr_parse("2001:db8::100", &v0[1]), 0);
	ck_assert_int_eq(lb_addr_parse("10.0.0.101", &v1[0]), 0);
	v1[1] = v0[0]; /* also in group 0: the first group has it */
	g[0] = (struct vw_group_spec){.name = "web", .vips = v0, .n_vips = 2};
	g[1] = (struct vw_group_spec){.name = "api", .vips = v1, .n_vips = 2};
	svc[0].addr = v1[0];
	svc[1].addr = v0[1];
	svc[2].addr = v0[0];
	ck_assert_int_eq(lb_addr_parse("10.9.9.9", &svc[3].addr), 0);
	svc[4].fwmark = 7;
	svc[4].addr.family = AF_INET;
	cfg.services = svc;
	cfg.n_services = 5;
	ck_assert_int_eq(vw_groups_of_services(g, 2, &cfg, map), 0);
	ck_assert_int_eq(map[0], 1);
	ck_assert_int_eq(map[1], 0);
	ck_assert_int_eq(map[2], 0);
	ck_assert_int_eq(map[3], -1);
	ck_assert_int_eq(map[4], -1);
	for (size_t i = 0; i < 5; i++)
		ck_assert_int_eq(map[i], vw_group_of_service(g, 2, &svc[i]));
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("vrrp_core");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, address_add_and_remove);
	tcase_add_test(tc, link_down_and_up);
	tcase_add_test(tc, link_removed_takes_its_addresses);
	tcase_add_test(tc, bridge_port_messages_ignored);
	tcase_add_test(tc, macvlan_child_counts_and_protodown_drops);
	tcase_add_test(tc, unrelated_links_do_not_count);
	tcase_add_test(tc, interface_absent);
	tcase_add_test(tc, partial_group);
	tcase_add_test(tc, ipv6_tentative_is_not_held);
	tcase_add_test(tc, malformed_messages_ignored);
	tcase_add_test(tc, resync_sweeps_what_vanished);
	tcase_add_test(tc, initial_state_is_not_a_transition);
	tcase_add_test(tc, reload_keeps_history);
	tcase_add_test(tc, split_brain_rises_and_clears);
	tcase_add_test(tc, split_brain_needs_a_vrid);
	tcase_add_test(tc, serves_group_fwmark_follows_the_node);
	tcase_add_test(tc, groups_from_services);
	tcase_add_test(tc, groups_from_vrrp_section);
	tcase_add_test(tc, groups_of_services_map);
	suite_add_tcase(s, tc);
	return s;
}
