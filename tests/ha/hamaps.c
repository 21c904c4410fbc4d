// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test helper for tests/ha: reads a node's pinned forwarder maps, through the
 * bpf syscalls only, so the HA suites judge what the dataplane holds rather
 * than what the daemon says it holds.
 *   hamaps DIR rings
 *       per service, sorted by nothing (sort the output): "ADDR PORT PROTO
 *       SIZE" and the active ring as the real (ADDR:PORT) in every slot, so
 *       two nodes' files compare equal exactly when their rings are equal
 *   hamaps DIR packets PORT
 *       packets the TCP service on PORT counted, over every CPU (0 when
 *       there is no such service)
 *   hamaps DIR wait PORT present|absent TIMEOUT_MS
 *       poll lb_services (every 100 us) until a TCP service on PORT is
 *       there (with a ring) or gone (no maps pinned count as none); print the wall-clock time it was seen,
 *       in microseconds since the epoch. "polling" on stderr once the
 *       first look is done (a caller waits for it before the event). Exit 1
 *       at the timeout.
 *   hamaps DIR failover PORT VIP TIMEOUT_MS
 *       in the node's network namespace: watch rtnetlink for the IPv4
 *       address VIP being added and the maps for the TCP service on PORT,
 *       in one loop (every 100 us); print "ADDR_US MAPS_US", the wall-clock
 *       time each was first seen (0: not within the timeout, exit 1).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dataplane/xdp/bpf/lb_shared.h"

static const char *dir;

static int get_quiet(const char *name)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return bpf_obj_get(p);
}

static int get(const char *name)
{
	int fd = get_quiet(name);

	if (fd < 0)
		fprintf(stderr, "hamaps: %s/%s: %s\n", dir, name,
			strerror(errno));
	return fd;
}

static void fmt_addr(const __u32 *addr, __u8 family, char *out, size_t len)
{
	if (!inet_ntop(family, addr, out, len))
		snprintf(out, len, "?");
}

static int rings(void)
{
	int svcs = get("lb_services"), state = get("lb_svc_state");
	int rmap = get("lb_rings"), reals = get("lb_reals");
	struct lb_svc_key k, *prev = NULL;

	if (svcs < 0 || state < 0 || rmap < 0 || reals < 0)
		return 1;
	while (!bpf_map_get_next_key(svcs, prev, &k)) {
		struct lb_svc_val v;
		struct lb_svc_state st;
		uint32_t base, size;
		char a[64];

		if (bpf_map_lookup_elem(svcs, &k, &v) ||
		    bpf_map_lookup_elem(state, &v.id, &st))
			return 1;
		base = st.base[st.ring_slot & 1];
		size = st.size[st.ring_slot & 1];
		fmt_addr(k.addr, k.family, a, sizeof(a));
		printf("%s %u %u %u", a, ntohs(k.port), k.proto, size);
		for (uint32_t i = 0; i < size; i++) {
			uint32_t slot = base + i, id;
			struct lb_real r;

			if (bpf_map_lookup_elem(rmap, &slot, &id) ||
			    bpf_map_lookup_elem(reals, &id, &r) || !r.family) {
				printf(" -");
				continue;
			}
			fmt_addr(r.addr, r.family, a, sizeof(a));
			printf(" %s:%u", a, ntohs(r.port));
		}
		printf("\n");
		prev = &k;
	}
	return 0;
}

static bool has_tcp_port(int svcs, int state, uint16_t port)
{
	struct lb_svc_key k, *prev = NULL;

	while (!bpf_map_get_next_key(svcs, prev, &k)) {
		struct lb_svc_val v;
		struct lb_svc_state st;

		if (k.proto == IPPROTO_TCP && ntohs(k.port) == port &&
		    !bpf_map_lookup_elem(svcs, &k, &v) &&
		    !bpf_map_lookup_elem(state, &v.id, &st) &&
		    st.size[st.ring_slot & 1])
			return true;
		prev = &k;
	}
	return false;
}

static int packets(uint16_t port)
{
	int svcs = get("lb_services"), ctr = get("lb_svc_ctr");
	struct lb_svc_key k, *prev = NULL;
	unsigned long long sum = 0;
	int ncpu = libbpf_num_possible_cpus();

	struct lb_ctr *c;

	if (svcs < 0 || ctr < 0 || ncpu <= 0)
		return 1;
	c = calloc((size_t)ncpu, sizeof(*c));
	if (!c)
		return 1;
	while (!bpf_map_get_next_key(svcs, prev, &k)) {
		struct lb_svc_val v;

		if (k.proto == IPPROTO_TCP && ntohs(k.port) == port &&
		    !bpf_map_lookup_elem(svcs, &k, &v) &&
		    !bpf_map_lookup_elem(ctr, &v.id, c))
			for (int i = 0; i < ncpu; i++)
				sum += c[i].packets;
		prev = &k;
	}
	free(c);
	printf("%llu\n", sum);
	return 0;
}

static uint64_t mono_us(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* A node's service maps, opened when they are pinned. */
struct svc_maps {
	int svcs, state;
};

/* No forwarder pinned (yet, or any more) holds no service either. */
static bool maps_have(struct svc_maps *m, uint16_t port)
{
	if (m->svcs < 0 || m->state < 0) {
		if (m->svcs >= 0)
			close(m->svcs);
		if (m->state >= 0)
			close(m->state);
		m->svcs = get_quiet("lb_services");
		m->state = get_quiet("lb_svc_state");
	}
	return m->svcs >= 0 && m->state >= 0 &&
	       has_tcp_port(m->svcs, m->state, port);
}

static int wait_svc(uint16_t port, bool want, long timeout_ms)
{
	struct svc_maps m = {-1, -1};
	uint64_t end = mono_us(CLOCK_MONOTONIC) + (uint64_t)timeout_ms * 1000;
	bool first = true;

	for (;;) {
		bool seen = maps_have(&m, port) == want;

		if (first) {
			fprintf(stderr, "polling\n");
			first = false;
		}
		if (seen) {
			printf("%llu\n",
			       (unsigned long long)mono_us(CLOCK_REALTIME));
			return 0;
		}
		if (mono_us(CLOCK_MONOTONIC) > end)
			return 1;
		usleep(100);
	}
}

/* Drain the netlink socket: was the address added? */
static bool addr_added(int nl, const struct in_addr *vip)
{
	static char buf[16384];
	bool seen = false;
	int n;

	while ((n = (int)recv(nl, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf;
		     NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			struct ifaddrmsg *ifa = NLMSG_DATA(h);
			int len = IFA_PAYLOAD(h);

			if (h->nlmsg_type != RTM_NEWADDR)
				continue;
			for (struct rtattr *a = IFA_RTA(ifa); RTA_OK(a, len);
			     a = RTA_NEXT(a, len))
				if ((a->rta_type == IFA_LOCAL ||
				     a->rta_type == IFA_ADDRESS) &&
				    RTA_PAYLOAD(a) == sizeof(*vip) &&
				    !memcmp(RTA_DATA(a), vip, sizeof(*vip)))
					seen = true;
		}
	}
	return seen;
}

/*
 * One loop watching both ends, so both times come from the same clock at
 * the same resolution: the address event read from rtnetlink, as the
 * daemon reads it, and the service appearing in the maps.
 */
static int failover(uint16_t port, const char *vip_text, long timeout_ms)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK,
				 .nl_groups = RTMGRP_IPV4_IFADDR};
	struct svc_maps m = {-1, -1};
	uint64_t end = mono_us(CLOCK_MONOTONIC) + (uint64_t)timeout_ms * 1000;
	uint64_t t_addr = 0, t_maps = 0;
	struct in_addr vip;
	int nl;

	if (inet_pton(AF_INET, vip_text, &vip) != 1)
		return 1;
	nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nl < 0 || bind(nl, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "hamaps: rtnetlink: %s\n", strerror(errno));
		return 1;
	}
	fprintf(stderr, "polling\n");
	while (!t_addr || !t_maps) {
		if (!t_addr && addr_added(nl, &vip))
			t_addr = mono_us(CLOCK_REALTIME);
		if (!t_maps && maps_have(&m, port))
			t_maps = mono_us(CLOCK_REALTIME);
		if (mono_us(CLOCK_MONOTONIC) > end)
			break;
		usleep(100);
	}
	printf("%llu %llu\n", (unsigned long long)t_addr,
	       (unsigned long long)t_maps);
	return t_addr && t_maps ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 2 ? argv[2] : "";

	dir = argc > 1 ? argv[1] : ".";
	if (!strcmp(cmd, "rings"))
		return rings();
	if (!strcmp(cmd, "packets") && argc == 4)
		return packets((uint16_t)atoi(argv[3]));
	if (!strcmp(cmd, "failover") && argc == 6)
		return failover((uint16_t)atoi(argv[3]), argv[4], atol(argv[5]));
	if (!strcmp(cmd, "wait") && argc == 6)
		return wait_svc((uint16_t)atoi(argv[3]),
				!strcmp(argv[4], "present"), atol(argv[5]));
	fprintf(stderr, "usage: hamaps DIR rings | hamaps DIR packets PORT | "
			"hamaps DIR wait PORT present|absent TIMEOUT_MS | "
			"hamaps DIR failover PORT VIP TIMEOUT_MS\n");
	return 1;
}
