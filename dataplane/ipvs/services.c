// SPDX-License-Identifier: GPL-2.0-only
/* IPVS virtual services: netlink encoding, decoding and dump. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/ip_vs.h>
#include <netlink/attr.h>

#include "dataplane/ipvs/ipvs_internal.h"

uint32_t ipvs_flags_to_rc(uint32_t k)
{
	uint32_t f = 0;

	if (k & IP_VS_SVC_F_PERSISTENT)
		f |= RC_SVC_F_PERSISTENT;
	if (k & IP_VS_SVC_F_SCHED1)
		f |= RC_SVC_F_SCHED_FALLBACK;
	if (k & IP_VS_SVC_F_SCHED2)
		f |= RC_SVC_F_SCHED_PORT;
	return f;
}

uint32_t ipvs_flags_from_rc(uint32_t f)
{
	uint32_t k = 0;

	if (f & RC_SVC_F_PERSISTENT)
		k |= IP_VS_SVC_F_PERSISTENT;
	if (f & RC_SVC_F_SCHED_FALLBACK)
		k |= IP_VS_SVC_F_SCHED1;
	if (f & RC_SVC_F_SCHED_PORT)
		k |= IP_VS_SVC_F_SCHED2;
	return k;
}

static int addr_len(uint8_t family)
{
	return family == AF_INET6 ? 16 : 4;
}

/*
 * The kernel keeps an IPv4 persistence netmask as a mask in network order and
 * an IPv6 one as a prefix length. The model holds a prefix length where 0
 * means "whole address" (one client per entry).
 */
static uint32_t netmask_to_kernel(uint8_t family, uint8_t prefix)
{
	if (family == AF_INET6)
		return prefix ? prefix : 128;
	if (!prefix || prefix >= 32)
		return htonl(0xffffffffu);
	return htonl(~((1u << (32 - prefix)) - 1));
}

static uint8_t netmask_from_kernel(uint8_t family, uint32_t nm)
{
	if (family == AF_INET6)
		return nm > 128 ? 128 : (uint8_t)nm;
	return (uint8_t)__builtin_popcount(nm);
}

int ipvs_put_service(struct nl_msg *msg, const struct rc_service *svc,
		     bool full)
{
	const struct rc_svc_key *k = &svc->key;
	struct nlattr *nest = nla_nest_start(msg, IPVS_CMD_ATTR_SERVICE);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u16(msg, IPVS_SVC_ATTR_AF, k->addr.family) < 0)
		return -EMSGSIZE;
	if (k->fwmark) {
		if (nla_put_u32(msg, IPVS_SVC_ATTR_FWMARK, k->fwmark) < 0)
			return -EMSGSIZE;
	} else {
		if (nla_put_u16(msg, IPVS_SVC_ATTR_PROTOCOL, k->proto) < 0 ||
		    nla_put(msg, IPVS_SVC_ATTR_ADDR, addr_len(k->addr.family),
			    k->addr.b) < 0 ||
		    nla_put_u16(msg, IPVS_SVC_ATTR_PORT, htons(k->port)) < 0)
			return -EMSGSIZE;
	}
	if (full) {
		struct ip_vs_flags fl = {
		    .flags = ipvs_flags_from_rc(svc->flags),
		    .mask = ~0u,
		};
		uint8_t prefix =
		    (svc->flags & RC_SVC_F_PERSISTENT) ? svc->netmask : 0;

		if (nla_put_string(msg, IPVS_SVC_ATTR_SCHED_NAME, svc->sched) <
			0 ||
		    nla_put(msg, IPVS_SVC_ATTR_FLAGS, sizeof(fl), &fl) < 0 ||
		    nla_put_u32(msg, IPVS_SVC_ATTR_TIMEOUT, svc->timeout) < 0 ||
		    nla_put_u32(msg, IPVS_SVC_ATTR_NETMASK,
				netmask_to_kernel(k->addr.family, prefix)) < 0)
			return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}

/* Counters from IPVS_*_ATTR_STATS64 (preferred) or the 32-bit STATS. */
void ipvs_parse_stats(struct nlattr *s64, struct nlattr *s32,
		      struct rc_counters *c)
{
	struct nlattr *tb[IPVS_STATS_ATTR_MAX + 1];

	memset(c, 0, sizeof(*c));
	if (s64 && nla_parse_nested(tb, IPVS_STATS_ATTR_MAX, s64, NULL) == 0) {
		if (tb[IPVS_STATS_ATTR_CONNS])
			c->conns = nla_get_u64(tb[IPVS_STATS_ATTR_CONNS]);
		if (tb[IPVS_STATS_ATTR_INPKTS])
			c->packets_in = nla_get_u64(tb[IPVS_STATS_ATTR_INPKTS]);
		if (tb[IPVS_STATS_ATTR_OUTPKTS])
			c->packets_out =
			    nla_get_u64(tb[IPVS_STATS_ATTR_OUTPKTS]);
		if (tb[IPVS_STATS_ATTR_INBYTES])
			c->bytes_in = nla_get_u64(tb[IPVS_STATS_ATTR_INBYTES]);
		if (tb[IPVS_STATS_ATTR_OUTBYTES])
			c->bytes_out =
			    nla_get_u64(tb[IPVS_STATS_ATTR_OUTBYTES]);
		return;
	}
	if (s32 && nla_parse_nested(tb, IPVS_STATS_ATTR_MAX, s32, NULL) == 0) {
		if (tb[IPVS_STATS_ATTR_CONNS])
			c->conns = nla_get_u32(tb[IPVS_STATS_ATTR_CONNS]);
		if (tb[IPVS_STATS_ATTR_INPKTS])
			c->packets_in = nla_get_u32(tb[IPVS_STATS_ATTR_INPKTS]);
		if (tb[IPVS_STATS_ATTR_OUTPKTS])
			c->packets_out =
			    nla_get_u32(tb[IPVS_STATS_ATTR_OUTPKTS]);
		if (tb[IPVS_STATS_ATTR_INBYTES])
			c->bytes_in = nla_get_u64(tb[IPVS_STATS_ATTR_INBYTES]);
		if (tb[IPVS_STATS_ATTR_OUTBYTES])
			c->bytes_out =
			    nla_get_u64(tb[IPVS_STATS_ATTR_OUTBYTES]);
	}
}

static int service_cb(void *ctx, struct nlattr **cmd)
{
	struct rc_state *st = ctx;
	struct nlattr *tb[IPVS_SVC_ATTR_MAX + 1];
	struct rc_service *svc;
	struct rc_svc_key key;
	struct lb_addr addr;
	uint16_t port = 0;
	uint8_t proto = 0;
	uint32_t fwmark = 0;

	if (!cmd[IPVS_CMD_ATTR_SERVICE] ||
	    nla_parse_nested(tb, IPVS_SVC_ATTR_MAX, cmd[IPVS_CMD_ATTR_SERVICE],
			     NULL) < 0 ||
	    !tb[IPVS_SVC_ATTR_AF])
		return -EBADMSG;
	memset(&addr, 0, sizeof(addr));
	addr.family = (uint8_t)nla_get_u16(tb[IPVS_SVC_ATTR_AF]);
	if (tb[IPVS_SVC_ATTR_FWMARK])
		fwmark = nla_get_u32(tb[IPVS_SVC_ATTR_FWMARK]);
	if (!fwmark) {
		if (!tb[IPVS_SVC_ATTR_ADDR] || !tb[IPVS_SVC_ATTR_PORT] ||
		    !tb[IPVS_SVC_ATTR_PROTOCOL])
			return -EBADMSG;
		nla_memcpy(addr.b, tb[IPVS_SVC_ATTR_ADDR],
			   addr_len(addr.family));
		port = ntohs(nla_get_u16(tb[IPVS_SVC_ATTR_PORT]));
		proto = (uint8_t)nla_get_u16(tb[IPVS_SVC_ATTR_PROTOCOL]);
	}
	rc_svc_key_init(&key, &addr, port, proto, fwmark);
	svc = rc_state_add_service(st, &key);
	if (!svc)
		return -ENOMEM;
	if (tb[IPVS_SVC_ATTR_SCHED_NAME])
		nla_strlcpy(svc->sched, tb[IPVS_SVC_ATTR_SCHED_NAME],
			    sizeof(svc->sched));
	if (tb[IPVS_SVC_ATTR_FLAGS]) {
		struct ip_vs_flags fl = {0, 0};

		nla_memcpy(&fl, tb[IPVS_SVC_ATTR_FLAGS], sizeof(fl));
		svc->flags = ipvs_flags_to_rc(fl.flags);
	}
	if (tb[IPVS_SVC_ATTR_TIMEOUT])
		svc->timeout = nla_get_u32(tb[IPVS_SVC_ATTR_TIMEOUT]);
	if (tb[IPVS_SVC_ATTR_NETMASK] && (svc->flags & RC_SVC_F_PERSISTENT))
		svc->netmask = netmask_from_kernel(
		    addr.family, nla_get_u32(tb[IPVS_SVC_ATTR_NETMASK]));
	ipvs_parse_stats(tb[IPVS_SVC_ATTR_STATS64], tb[IPVS_SVC_ATTR_STATS],
			 &svc->stats);
	return 0;
}

int ipvs_dump_services(struct ipvs_nl *nl, struct rc_state *st)
{
	struct nl_msg *msg = ipvs_nl_msg(nl, IPVS_CMD_GET_SERVICE, NLM_F_DUMP);

	if (!msg)
		return -ENOMEM;
	return ipvs_nl_dump(nl, msg, service_cb, st);
}

int ipvs_get_service(struct ipvs_nl *nl, const struct rc_svc_key *key,
		     struct rc_state *st)
{
	struct nl_msg *msg = ipvs_nl_msg(nl, IPVS_CMD_GET_SERVICE, 0);
	struct rc_service svc;
	int err;

	if (!msg)
		return -ENOMEM;
	memset(&svc, 0, sizeof(svc));
	svc.key = *key;
	err = ipvs_put_service(msg, &svc, false);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	/* The reply carries the same attributes as one dumped service. */
	return ipvs_nl_get(nl, msg, service_cb, st);
}
