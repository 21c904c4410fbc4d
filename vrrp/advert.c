// SPDX-License-Identifier: GPL-2.0-only
/*
 * VRRP advertisements (RFC 3768 version 2, RFC 5798 version 3), read only as
 * far as the split-brain flag needs: who claims which VRID. Every length is
 * checked before it is read; anything odd is an error, never a guess.
 * Checksums are not verified: the flag is advisory and a forged advert could
 * carry a valid one anyway.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <netinet/ip.h>

#include "vrrp/vrrp_internal.h"

#define VRRP_TYPE_ADVERT 1

int vw_advert_parse(const uint8_t *p, size_t len, int family,
		    struct vw_advert *out)
{
	size_t alen = family == AF_INET6 ? 16 : 4;

	if (family != AF_INET && family != AF_INET6)
		return -EINVAL;
	if (len < VW_VRRP_HDR)
		return -EMSGSIZE;
	memset(out, 0, sizeof(*out));
	out->version = p[0] >> 4;
	if ((p[0] & 0x0f) != VRRP_TYPE_ADVERT)
		return -EINVAL;
	if (out->version == 2) {
		if (family != AF_INET)
			return -EINVAL; /* version 2 is IPv4 only */
		out->interval_cs = (uint16_t)(p[5] * 100);
	} else if (out->version == 3) {
		out->interval_cs = (uint16_t)(((p[4] & 0x0f) << 8) | p[5]);
	} else {
		return -EINVAL;
	}
	out->vrid = p[1];
	out->priority = p[2];
	out->n_addrs = p[3];
	if (!out->vrid)
		return -EINVAL;
	if (len < VW_VRRP_HDR + (size_t)out->n_addrs * alen)
		return -EMSGSIZE;
	return 0;
}

int vw_advert_parse_ip4(const uint8_t *p, size_t len, struct lb_addr *src,
			struct vw_advert *out)
{
	struct iphdr ip;
	size_t hl, tot;

	if (len < sizeof(ip))
		return -EMSGSIZE;
	memcpy(&ip, p, sizeof(ip));
	hl = (size_t)ip.ihl * 4;
	tot = ntohs(ip.tot_len);
	if (ip.version != 4 || hl < sizeof(ip) || hl > len)
		return -EINVAL;
	/* The kernel reassembled fragments; a partial one is not ours. */
	if (ntohs(ip.frag_off) & (IP_MF | IP_OFFMASK))
		return -EINVAL;
	if (tot < hl || tot > len)
		return -EMSGSIZE;
	if (ip.protocol != VW_VRRP_PROTO)
		return -EINVAL;
	/* Only a neighbour on the segment can send with TTL 255. */
	if (ip.ttl != 255)
		return -EINVAL;
	memset(src, 0, sizeof(*src));
	src->family = AF_INET;
	memcpy(src->b, &ip.saddr, 4);
	return vw_advert_parse(p + hl, tot - hl, AF_INET, out);
}
