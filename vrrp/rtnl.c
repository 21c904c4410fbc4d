// SPDX-License-Identifier: GPL-2.0-only
/*
 * rtnetlink link and address messages into the table. Dump replies and
 * notifications have the same shape, so one function serves both; it also
 * says, in words, what changed: that text becomes the cause users see.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "lib/nl.h"
#include "vrrp/vrrp_internal.h"

/* Addresses the kernel does not answer on yet, or never will. */
#define VW_IFA_UNUSABLE (IFA_F_TENTATIVE | IFA_F_DADFAILED)

static bool attr_ok(const struct nlattr *a, enum mnl_attr_data_type t)
{
	return a && mnl_attr_validate(a, t) == 0;
}

static const char *link_kind(const struct nlattr *linkinfo)
{
	const struct nlattr *tb[IFLA_INFO_MAX + 1] = {0};

	if (!linkinfo || mnl_attr_validate(linkinfo, MNL_TYPE_NESTED) < 0 ||
	    lb_nl_attrs_nested(linkinfo, tb, IFLA_INFO_MAX))
		return "";
	return attr_ok(tb[IFLA_INFO_KIND], MNL_TYPE_NUL_STRING)
		   ? mnl_attr_get_str(tb[IFLA_INFO_KIND])
		   : "";
}

static int link_msg(struct vw_table *t, const struct nlmsghdr *nh, char *cause,
		    size_t cause_len)
{
	const struct nlattr *tb[IFLA_MAX + 1] = {0};
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nh);
	struct vw_link *l, old;
	bool created;
	int parent = 0;

	if (mnl_nlmsg_get_payload_len(nh) < sizeof(*ifi) || ifi->ifi_index <= 0)
		return 0;
	/* Bridge port messages (AF_BRIDGE) describe the same link again; a
	 * DELLINK among them only means the port left its bridge. */
	if (ifi->ifi_family != AF_UNSPEC)
		return 0;
	if (nh->nlmsg_type == RTM_DELLINK) {
		l = vw_table_link(t, ifi->ifi_index);
		if (!l)
			return 0;
		snprintf(cause, cause_len, "link %s removed", l->name);
		vw_table_link_del(t, ifi->ifi_index);
		return 1;
	}
	if (lb_nl_attrs(nh, sizeof(*ifi), tb, IFLA_MAX) ||
	    !attr_ok(tb[IFLA_IFNAME], MNL_TYPE_NUL_STRING))
		return 0;
	/*
	 * IFLA_LINK is the lower device of a macvlan or vlan, but a veth's
	 * peer, and may live in another namespace: only a same-namespace
	 * lower device is a parent.
	 */
	if (attr_ok(tb[IFLA_LINK], MNL_TYPE_U32) && !tb[IFLA_LINK_NETNSID] &&
	    strcmp(link_kind(tb[IFLA_LINKINFO]), "veth"))
		parent = (int)mnl_attr_get_u32(tb[IFLA_LINK]);
	if (parent == ifi->ifi_index)
		parent = 0;
	if (vw_table_link_get(t, ifi->ifi_index, &l, &created))
		return -ENOMEM;
	old = *l;
	l->stale = false;
	snprintf(l->name, sizeof(l->name), "%s",
		 mnl_attr_get_str(tb[IFLA_IFNAME]));
	l->flags = ifi->ifi_flags;
	l->parent = parent;
	l->protodown = attr_ok(tb[IFLA_PROTO_DOWN], MNL_TYPE_U8) &&
		       mnl_attr_get_u8(tb[IFLA_PROTO_DOWN]);
	if (created) {
		snprintf(cause, cause_len, "link %s appeared (%s, %s)", l->name,
			 l->flags & IFF_UP ? "up" : "down",
			 l->flags & IFF_LOWER_UP ? "carrier" : "no carrier");
		return 1;
	}
	if ((old.flags ^ l->flags) & IFF_UP) {
		snprintf(cause, cause_len, "link %s %s", l->name,
			 l->flags & IFF_UP ? "up" : "down");
		return 1;
	}
	if ((old.flags ^ l->flags) & IFF_LOWER_UP) {
		if (l->flags & IFF_LOWER_UP)
			snprintf(cause, cause_len, "carrier restored on %s",
				 l->name);
		else
			snprintf(cause, cause_len, "carrier lost on %s%s",
				 l->name, l->protodown ? " (protodown)" : "");
		return 1;
	}
	if (strcmp(old.name, l->name)) {
		snprintf(cause, cause_len, "link %s renamed to %s", old.name,
			 l->name);
		return 1;
	}
	if (old.parent != l->parent) {
		snprintf(cause, cause_len, "link %s moved to another parent",
			 l->name);
		return 1;
	}
	return 0;
}

static void addr_where(const struct vw_table *t, int ifindex, char *buf,
		       size_t len)
{
	const struct vw_link *l = vw_table_link(t, ifindex);

	if (l)
		snprintf(buf, len, "%s", l->name);
	else
		snprintf(buf, len, "ifindex %d", ifindex);
}

static int addr_msg(struct vw_table *t, const struct nlmsghdr *nh, char *cause,
		    size_t cause_len)
{
	const struct nlattr *tb[IFA_MAX + 1] = {0};
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nh);
	const struct nlattr *a;
	char txt[LB_ADDR_STRLEN], where[VW_IFNAMSIZ + 16];
	struct lb_addr addr = {0};
	struct vw_ifaddr *e;
	uint32_t flags, old;
	size_t alen;
	bool created;

	if (mnl_nlmsg_get_payload_len(nh) < sizeof(*ifa) ||
	    (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6) ||
	    !ifa->ifa_index)
		return 0;
	if (lb_nl_attrs(nh, sizeof(*ifa), tb, IFA_MAX))
		return 0;
	/* IFA_ADDRESS is the peer's on point-to-point links. */
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	alen = ifa->ifa_family == AF_INET ? 4 : 16;
	if (!a || mnl_attr_get_payload_len(a) != alen)
		return 0;
	addr.family = ifa->ifa_family;
	memcpy(addr.b, mnl_attr_get_payload(a), alen);
	lb_addr_fmt(&addr, txt, sizeof(txt));
	addr_where(t, (int)ifa->ifa_index, where, sizeof(where));
	if (nh->nlmsg_type == RTM_DELADDR) {
		if (!vw_table_addr(t, (int)ifa->ifa_index, &addr))
			return 0;
		vw_table_addr_del(t, (int)ifa->ifa_index, &addr);
		snprintf(cause, cause_len, "address %s removed from %s", txt,
			 where);
		return 1;
	}
	flags = attr_ok(tb[IFA_FLAGS], MNL_TYPE_U32)
		    ? mnl_attr_get_u32(tb[IFA_FLAGS])
		    : ifa->ifa_flags;
	if (vw_table_addr_get(t, (int)ifa->ifa_index, &addr, &e, &created))
		return -ENOMEM;
	old = e->flags;
	e->flags = flags;
	e->stale = false;
	if (created) {
		snprintf(cause, cause_len, "address %s added on %s%s", txt,
			 where,
			 flags & IFA_F_DADFAILED   ? " (duplicate address)"
			 : flags & IFA_F_TENTATIVE ? " (tentative)"
						   : "");
		return 1;
	}
	if (!((old ^ flags) & VW_IFA_UNUSABLE))
		return 0;
	if (flags & IFA_F_DADFAILED)
		snprintf(cause, cause_len,
			 "address %s on %s failed duplicate address detection",
			 txt, where);
	else if (flags & IFA_F_TENTATIVE)
		snprintf(cause, cause_len, "address %s on %s tentative", txt,
			 where);
	else
		snprintf(cause, cause_len, "address %s on %s usable", txt,
			 where);
	return 1;
}

int vw_rtnl_apply(struct vw_table *t, const struct nlmsghdr *nh, char *cause,
		  size_t cause_len)
{
	switch (nh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		return link_msg(t, nh, cause, cause_len);
	case RTM_NEWADDR:
	case RTM_DELADDR:
		return addr_msg(t, nh, cause, cause_len);
	default:
		return 0;
	}
}
