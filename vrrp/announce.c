// SPDX-License-Identifier: GPL-2.0-only
/*
 * The announcer: host routes of our protocol, read back and converged over
 * rtnetlink (see announce.h).
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "lib/nl.h"
#include "vrrp/announce.h"

#define VA_EXT_MAX 200

struct va {
	struct lb_nl *nl;
	struct va_opts o;
	unsigned int lo; /* ifindex of lo */
};

/* One route of ours as the kernel dumped it. */
struct va_route {
	struct lb_addr dst;
	uint8_t dst_len;
	uint8_t type;
	bool has_oif, has_prio;
	uint32_t oif, prio;
};

struct va_routes {
	struct va_route *r;
	size_t n, cap;
	const struct va_opts *o;
};

static uint8_t full_len(int family)
{
	return family == AF_INET ? 32 : 128;
}

static size_t addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

static void route_name(const struct va *va, const struct lb_addr *dst,
		       uint8_t dst_len, const char *verb, char *buf, size_t len)
{
	char a[LB_ADDR_STRLEN];

	snprintf(buf, len, "cannot %s route %s/%u dev lo proto %u table %u",
		 verb, lb_addr_fmt(dst, a, sizeof(a)), dst_len, va->o.protocol,
		 va->o.table);
}

/* ---- reading ------------------------------------------------------------- */

static bool u32_attr(const struct nlattr *a, uint32_t *v)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return false;
	*v = mnl_attr_get_u32(a);
	return true;
}

static int on_route(void *arg, const struct nlmsghdr *nh)
{
	struct va_routes *rs = arg;
	const struct nlattr *tb[RTA_MAX + 1] = {0};
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nh);
	struct va_route r = {0};
	uint32_t table;

	if (nh->nlmsg_type != RTM_NEWROUTE ||
	    mnl_nlmsg_get_payload_len(nh) < sizeof(*rtm) ||
	    (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6))
		return 0;
	/* Without strict checking the kernel sends every route: filter. */
	if (rtm->rtm_protocol != rs->o->protocol ||
	    (rtm->rtm_flags & RTM_F_CLONED))
		return 0;
	if (lb_nl_attrs(nh, sizeof(*rtm), tb, RTA_MAX))
		return 0;
	if (!u32_attr(tb[RTA_TABLE], &table))
		table = rtm->rtm_table;
	if (table != rs->o->table)
		return 0;
	r.dst.family = rtm->rtm_family;
	r.dst_len = rtm->rtm_dst_len;
	r.type = rtm->rtm_type;
	if (tb[RTA_DST]) {
		if (mnl_attr_get_payload_len(tb[RTA_DST]) !=
		    addr_len(rtm->rtm_family))
			return 0;
		memcpy(r.dst.b, mnl_attr_get_payload(tb[RTA_DST]),
		       addr_len(rtm->rtm_family));
	}
	r.has_oif = u32_attr(tb[RTA_OIF], &r.oif);
	r.has_prio = u32_attr(tb[RTA_PRIORITY], &r.prio);
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 16;
		struct va_route *p = realloc(rs->r, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		rs->r = p;
		rs->cap = cap;
	}
	rs->r[rs->n++] = r;
	return 0;
}

static int dump(struct va *va, struct va_routes *rs, char *why, size_t why_len)
{
	static const int fams[] = {AF_INET, AF_INET6};
	char buf[256], ext[VA_EXT_MAX];
	int err;

	rs->n = 0;
	rs->o = &va->o;
	for (size_t i = 0; i < sizeof(fams) / sizeof(fams[0]); i++) {
		struct nlmsghdr *nh = mnl_nlmsg_put_header(buf);
		struct rtmsg *rtm;

		nh->nlmsg_type = RTM_GETROUTE;
		nh->nlmsg_flags = NLM_F_DUMP;
		rtm = mnl_nlmsg_put_extra_header(nh, sizeof(*rtm));
		rtm->rtm_family = (uint8_t)fams[i];
		/* With strict checking the kernel filters on these. */
		rtm->rtm_protocol = va->o.protocol;
		rtm->rtm_table =
		    va->o.table < 256 ? (uint8_t)va->o.table : RT_TABLE_UNSPEC;
		mnl_attr_put_u32(nh, RTA_TABLE, va->o.table);
		ext[0] = '\0';
		err = lb_nl_request(va->nl, nh, on_route, rs, ext, sizeof(ext));
		if (err) {
			snprintf(buf, sizeof(buf),
				 "cannot read the %s routes of protocol %u in "
				 "table %u",
				 fams[i] == AF_INET ? "IPv4" : "IPv6",
				 va->o.protocol, va->o.table);
			lb_nl_strerror(why, why_len, buf, err, ext);
			return err;
		}
	}
	return 0;
}

/* ---- writing ------------------------------------------------------------- */

/*
 * Add ours, or delete r (as read, so its device and metric match). The
 * protocol is always named: the kernel then only deletes a route of ours.
 */
static int route_req(struct va *va, bool add, const struct va_route *r,
		     char *err_buf, size_t err_len)
{
	char buf[512], ext[VA_EXT_MAX], what[160];
	struct nlmsghdr *nh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;
	int fam = r->dst.family, err;

	nh->nlmsg_type = add ? RTM_NEWROUTE : RTM_DELROUTE;
	/*
	 * Not NLM_F_REPLACE, which could take over another protocol's route
	 * for the prefix; not NLM_F_EXCL, which would refuse to sit beside
	 * one (IPv4 keeps both).
	 */
	nh->nlmsg_flags = add ? NLM_F_CREATE : 0;
	rtm = mnl_nlmsg_put_extra_header(nh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)fam;
	rtm->rtm_dst_len = r->dst_len;
	rtm->rtm_protocol = va->o.protocol;
	rtm->rtm_table =
	    va->o.table < 256 ? (uint8_t)va->o.table : RT_TABLE_UNSPEC;
	rtm->rtm_type = r->type;
	/* What `ip route add VIP dev lo` sets; a delete matches any scope. */
	if (!add)
		rtm->rtm_scope = RT_SCOPE_NOWHERE;
	else
		rtm->rtm_scope =
		    fam == AF_INET ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
	if (r->dst_len)
		mnl_attr_put(nh, RTA_DST, addr_len(fam), r->dst.b);
	mnl_attr_put_u32(nh, RTA_TABLE, va->o.table);
	if (r->has_oif)
		mnl_attr_put_u32(nh, RTA_OIF, r->oif);
	if (r->has_prio)
		mnl_attr_put_u32(nh, RTA_PRIORITY, r->prio);
	ext[0] = '\0';
	err = lb_nl_request(va->nl, nh, NULL, NULL, ext, sizeof(ext));
	if (err && err_buf) {
		route_name(va, &r->dst, r->dst_len, add ? "add" : "delete",
			   what, sizeof(what));
		if (add && err == -EEXIST && !ext[0])
			snprintf(ext, sizeof(ext),
				 "a route of another protocol for this "
				 "prefix with the same device and metric");
		lb_nl_strerror(err_buf, err_len, what, err, ext);
	}
	return err;
}

/* IPv6 stores metric 0 as IP6_RT_PRIO_USER (include/net/ip6_route.h). */
#define VA_IP6_RT_PRIO_USER 1024

static bool is_wanted_shape(const struct va *va, const struct va_route *r)
{
	bool metric0 =
	    !r->has_prio || !r->prio ||
	    (r->dst.family == AF_INET6 && r->prio == VA_IP6_RT_PRIO_USER);

	return r->type == RTN_UNICAST &&
	       r->dst_len == full_len(r->dst.family) && r->has_oif &&
	       r->oif == va->lo && metric0;
}

/* The VIPs sorted by address, so each dumped route finds its own fast. */
struct va_ix {
	struct lb_addr addr;
	size_t i;
};

static int ix_cmp(const void *a, const void *b)
{
	return lb_addr_cmp(&((const struct va_ix *)a)->addr,
			   &((const struct va_ix *)b)->addr);
}

static ssize_t vip_index(const struct va_ix *ix, size_t n,
			 const struct va_route *r)
{
	struct va_ix key = {.addr = r->dst};
	const struct va_ix *hit;

	if (r->dst_len != full_len(r->dst.family) || !n)
		return -1;
	hit = bsearch(&key, ix, n, sizeof(*ix), ix_cmp);
	return hit ? (ssize_t)hit->i : -1;
}

static void first_err(int *ret, int err)
{
	if (!*ret)
		*ret = err;
}

/* A hold keeps what the kernel has: wanted when a route of ours is there. */
static bool wanted(const bool *want, const bool *hold,
		   const struct va_result *res, size_t i)
{
	return want[i] || (hold && hold[i] && res[i].found);
}

int va_sync(struct va *va, const struct lb_addr *vips, const bool *want,
	    const bool *hold, size_t n, struct va_result *res,
	    struct va_changes *ch, char *why, size_t why_len)
{
	struct va_routes rs = {0};
	struct va_changes dummy;
	struct va_ix *ix = NULL;
	bool *have = NULL;
	int ret = 0, err;

	if (!ch)
		ch = &dummy;
	*ch = (struct va_changes){0};
	why[0] = '\0';
	for (size_t i = 0; i < n; i++)
		res[i] = (struct va_result){0};
	have = calloc(n + 1, sizeof(*have));
	ix = calloc(n + 1, sizeof(*ix));
	if (!have || !ix) {
		snprintf(why, why_len, "announcer: out of memory");
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		ix[i] = (struct va_ix){vips[i], i};
	qsort(ix, n, sizeof(*ix), ix_cmp);
	ret = dump(va, &rs, why, why_len);
	if (ret)
		goto out;
	for (size_t k = 0; k < rs.n; k++) {
		ssize_t i = vip_index(ix, n, &rs.r[k]);

		if (i >= 0)
			res[i].found = true;
	}
	for (size_t k = 0; k < rs.n; k++) {
		const struct va_route *r = &rs.r[k];
		ssize_t i = vip_index(ix, n, r);
		char *eb = i >= 0 ? res[i].error : NULL;
		size_t el = i >= 0 ? sizeof(res[i].error) : 0;
		char tmp[VA_ERR_MAX];

		if (i >= 0 && wanted(want, hold, res, (size_t)i) && !have[i] &&
		    is_wanted_shape(va, r)) {
			have[i] = true;
			res[i].announced = true;
			continue;
		}
		if (i < 0) {
			eb = tmp;
			el = sizeof(tmp);
		}
		err = route_req(va, false, r, eb, el);
		if (err == -ESRCH || err == -ENOENT)
			err = 0; /* gone meanwhile */
		if (err && i >= 0) {
			res[i].err = err;
			res[i].announced = !wanted(want, hold, res, (size_t)i);
			first_err(&ret, err);
		} else if (err) {
			if (!why[0])
				snprintf(why, why_len, "%s", tmp);
			first_err(&ret, err);
		} else if (i >= 0) {
			ch->deleted++;
		} else {
			ch->stale++;
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct va_route r = {.dst = vips[i],
				     .dst_len = full_len(vips[i].family),
				     .type = RTN_UNICAST,
				     .has_oif = true,
				     .oif = va->lo,
				     .has_prio = true,
				     .prio = 0};

		if (!wanted(want, hold, res, i) || have[i] || res[i].err)
			continue;
		err =
		    route_req(va, true, &r, res[i].error, sizeof(res[i].error));
		res[i].err = err;
		res[i].announced = !err;
		if (err)
			first_err(&ret, err);
		else
			ch->added++;
	}
	if (ret && !why[0])
		for (size_t i = 0; i < n && !why[0]; i++)
			if (res[i].err)
				snprintf(why, why_len, "%s", res[i].error);
out:
	free(rs.r);
	free(have);
	free(ix);
	return ret;
}

int va_withdraw_all(struct va *va, struct va_changes *ch, char *why,
		    size_t why_len)
{
	return va_sync(va, NULL, NULL, NULL, 0, NULL, ch, why, why_len);
}

static int addr_cmp(const void *a, const void *b)
{
	return lb_addr_cmp(a, b);
}

int va_read(struct va *va, struct lb_addr **out, size_t *n, char *why,
	    size_t why_len)
{
	struct va_routes rs = {0};
	struct lb_addr *v;
	size_t k = 0;
	int err;

	*out = NULL;
	*n = 0;
	err = dump(va, &rs, why, why_len);
	if (err) {
		free(rs.r);
		return err;
	}
	v = calloc(rs.n + 1, sizeof(*v));
	if (!v) {
		free(rs.r);
		return -ENOMEM;
	}
	for (size_t i = 0; i < rs.n; i++)
		if (rs.r[i].dst_len == full_len(rs.r[i].dst.family))
			v[k++] = rs.r[i].dst;
	free(rs.r);
	qsort(v, k, sizeof(*v), addr_cmp);
	*out = v;
	*n = k;
	return 0;
}

/* ---- lifetime ------------------------------------------------------------ */

static int check_opts(const struct va_opts *o, char *why, size_t why_len)
{
	/* 0 is RTPROT_UNSPEC: a dump filter on it would match everything. */
	if (!o->protocol || !o->table) {
		snprintf(why, why_len,
			 "announcer: route protocol %u / table %u: both must "
			 "be non-zero",
			 o->protocol, o->table);
		return -EINVAL;
	}
	return 0;
}

int va_new(const struct va_opts *o, struct va **out, char *why, size_t why_len)
{
	struct va *va;
	int err;

	*out = NULL;
	err = check_opts(o, why, why_len);
	if (err)
		return err;
	va = calloc(1, sizeof(*va));
	if (!va)
		return -ENOMEM;
	va->o = *o;
	va->lo = if_nametoindex("lo");
	if (!va->lo) {
		err = -errno;
		lb_nl_strerror(why, why_len, "announcer: no loopback device",
			       err, NULL);
		goto fail;
	}
	err = lb_nl_open(&va->nl, NETLINK_ROUTE, 0, why, why_len);
	if (err)
		goto fail;
	/* Older kernels dump everything: on_route filters too. */
	lb_nl_strict_check(va->nl);
	*out = va;
	return 0;
fail:
	va_free(va);
	return err;
}

void va_free(struct va *va)
{
	if (!va)
		return;
	lb_nl_close(va->nl);
	free(va);
}

void va_get_opts(const struct va *va, struct va_opts *o)
{
	*o = va->o;
}

int va_reconfigure(struct va *va, const struct va_opts *o,
		   struct va_changes *ch, char *why, size_t why_len)
{
	int err;

	if (ch)
		*ch = (struct va_changes){0};
	err = check_opts(o, why, why_len);
	if (err)
		return err;
	if (o->protocol == va->o.protocol && o->table == va->o.table)
		return 0;
	err = va_withdraw_all(va, ch, why, why_len);
	if (err)
		return err;
	va->o = *o;
	return 0;
}
