// SPDX-License-Identifier: GPL-2.0-only
/* IPVS destinations (reals): netlink encoding, decoding and dump. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/ip_vs.h>
#include <netlink/attr.h>

#include "dataplane/ipvs/ipvs_internal.h"

static uint32_t fwd_to_kernel(uint8_t fwd)
{
	switch (fwd) {
	case RC_FWD_DR:
		return IP_VS_CONN_F_DROUTE;
	case RC_FWD_TUNNEL:
		return IP_VS_CONN_F_TUNNEL;
	default:
		return IP_VS_CONN_F_MASQ;
	}
}

static uint8_t fwd_from_kernel(uint32_t k)
{
	switch (k & IP_VS_CONN_F_FWD_MASK) {
	case IP_VS_CONN_F_DROUTE:
		return RC_FWD_DR;
	case IP_VS_CONN_F_TUNNEL:
		return RC_FWD_TUNNEL;
	default:
		/* MASQ, and LOCALNODE which the kernel picks by itself for
		 * a masquerading real that is a local address. */
		return RC_FWD_MASQ;
	}
}

static uint8_t tunnel_to_kernel(uint8_t t)
{
	switch (t) {
	case RC_TUN_GUE:
		return IP_VS_CONN_F_TUNNEL_TYPE_GUE;
	case RC_TUN_GRE:
		return IP_VS_CONN_F_TUNNEL_TYPE_GRE;
	default:
		return IP_VS_CONN_F_TUNNEL_TYPE_IPIP;
	}
}

static uint8_t tunnel_from_kernel(uint8_t t)
{
	switch (t) {
	case IP_VS_CONN_F_TUNNEL_TYPE_GUE:
		return RC_TUN_GUE;
	case IP_VS_CONN_F_TUNNEL_TYPE_GRE:
		return RC_TUN_GRE;
	default:
		return RC_TUN_IPIP;
	}
}

int ipvs_put_dest(struct nl_msg *msg, const struct rc_service *svc,
		  const struct rc_real *r, bool full)
{
	struct nlattr *nest;
	int err;

	err = ipvs_put_service(msg, svc, false);
	if (err)
		return err;
	nest = nla_nest_start(msg, IPVS_CMD_ATTR_DEST);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u16(msg, IPVS_DEST_ATTR_ADDR_FAMILY, r->addr.family) < 0 ||
	    nla_put(msg, IPVS_DEST_ATTR_ADDR,
		    r->addr.family == AF_INET6 ? 16 : 4, r->addr.b) < 0 ||
	    nla_put_u16(msg, IPVS_DEST_ATTR_PORT, htons(r->port)) < 0)
		return -EMSGSIZE;
	if (full) {
		bool tun = r->fwd == RC_FWD_TUNNEL;

		if (nla_put_u32(msg, IPVS_DEST_ATTR_FWD_METHOD,
				fwd_to_kernel(r->fwd)) < 0 ||
		    nla_put_u32(msg, IPVS_DEST_ATTR_WEIGHT, r->weight) < 0 ||
		    nla_put_u32(msg, IPVS_DEST_ATTR_U_THRESH, r->u_threshold) <
			0 ||
		    nla_put_u32(msg, IPVS_DEST_ATTR_L_THRESH, r->l_threshold) <
			0)
			return -EMSGSIZE;
		/* Tunnel attributes exist since Linux 5.3; only send them
		 * where they mean something so older kernels keep working. */
		if (tun && (r->tunnel != RC_TUN_IPIP || r->tunnel_port)) {
			if (nla_put_u8(msg, IPVS_DEST_ATTR_TUN_TYPE,
				       tunnel_to_kernel(r->tunnel)) < 0 ||
			    nla_put_u16(msg, IPVS_DEST_ATTR_TUN_PORT,
					htons(r->tunnel_port)) < 0)
				return -EMSGSIZE;
		}
	}
	nla_nest_end(msg, nest);
	return 0;
}

static int dest_cb(void *ctx, struct nlattr **cmd)
{
	struct rc_service *svc = ctx;
	struct nlattr *tb[IPVS_DEST_ATTR_MAX + 1];
	struct rc_real *r;
	struct lb_addr addr;
	uint16_t port;

	if (!cmd[IPVS_CMD_ATTR_DEST] ||
	    nla_parse_nested(tb, IPVS_DEST_ATTR_MAX, cmd[IPVS_CMD_ATTR_DEST],
			     NULL) < 0 ||
	    !tb[IPVS_DEST_ATTR_ADDR] || !tb[IPVS_DEST_ATTR_PORT])
		return -EBADMSG;
	memset(&addr, 0, sizeof(addr));
	addr.family = tb[IPVS_DEST_ATTR_ADDR_FAMILY]
			  ? (uint8_t)nla_get_u16(tb[IPVS_DEST_ATTR_ADDR_FAMILY])
			  : svc->key.addr.family;
	nla_memcpy(addr.b, tb[IPVS_DEST_ATTR_ADDR],
		   addr.family == AF_INET6 ? 16 : 4);
	port = ntohs(nla_get_u16(tb[IPVS_DEST_ATTR_PORT]));
	r = rc_service_add_real(svc, &addr, port);
	if (!r)
		return -ENOMEM;
	if (tb[IPVS_DEST_ATTR_FWD_METHOD])
		r->fwd =
		    fwd_from_kernel(nla_get_u32(tb[IPVS_DEST_ATTR_FWD_METHOD]));
	if (tb[IPVS_DEST_ATTR_WEIGHT])
		r->weight = nla_get_u32(tb[IPVS_DEST_ATTR_WEIGHT]);
	if (tb[IPVS_DEST_ATTR_U_THRESH])
		r->u_threshold = nla_get_u32(tb[IPVS_DEST_ATTR_U_THRESH]);
	if (tb[IPVS_DEST_ATTR_L_THRESH])
		r->l_threshold = nla_get_u32(tb[IPVS_DEST_ATTR_L_THRESH]);
	if (tb[IPVS_DEST_ATTR_ACTIVE_CONNS])
		r->active_conns = nla_get_u32(tb[IPVS_DEST_ATTR_ACTIVE_CONNS]);
	if (tb[IPVS_DEST_ATTR_INACT_CONNS])
		r->inactive_conns = nla_get_u32(tb[IPVS_DEST_ATTR_INACT_CONNS]);
	if (r->fwd == RC_FWD_TUNNEL) {
		if (tb[IPVS_DEST_ATTR_TUN_TYPE])
			r->tunnel = tunnel_from_kernel(
			    nla_get_u8(tb[IPVS_DEST_ATTR_TUN_TYPE]));
		if (tb[IPVS_DEST_ATTR_TUN_PORT])
			r->tunnel_port =
			    ntohs(nla_get_u16(tb[IPVS_DEST_ATTR_TUN_PORT]));
	}
	ipvs_parse_stats(tb[IPVS_DEST_ATTR_STATS64], tb[IPVS_DEST_ATTR_STATS],
			 &r->stats);
	return 0;
}

int ipvs_dump_dests(struct ipvs_nl *nl, struct rc_service *svc)
{
	struct nl_msg *msg = ipvs_nl_msg(nl, IPVS_CMD_GET_DEST, NLM_F_DUMP);
	int err;

	if (!msg)
		return -ENOMEM;
	err = ipvs_put_service(msg, svc, false);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return ipvs_nl_dump(nl, msg, dest_cb, svc);
}
