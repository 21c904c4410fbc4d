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

/* No forwarder pinned (yet, or any more) holds no service either. */
static int wait_svc(uint16_t port, bool want, long timeout_ms)
{
	int svcs = -1, state = -1;
	uint64_t end = mono_us(CLOCK_MONOTONIC) + (uint64_t)timeout_ms * 1000;
	bool first = true;

	for (;;) {
		bool seen;

		if (svcs < 0 || state < 0) {
			if (svcs >= 0)
				close(svcs);
			if (state >= 0)
				close(state);
			svcs = get_quiet("lb_services");
			state = get_quiet("lb_svc_state");
		}
		seen = (svcs >= 0 && state >= 0 &&
			has_tcp_port(svcs, state, port)) == want;

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

int main(int argc, char **argv)
{
	const char *cmd = argc > 2 ? argv[2] : "";

	dir = argc > 1 ? argv[1] : ".";
	if (!strcmp(cmd, "rings"))
		return rings();
	if (!strcmp(cmd, "packets") && argc == 4)
		return packets((uint16_t)atoi(argv[3]));
	if (!strcmp(cmd, "wait") && argc == 6)
		return wait_svc((uint16_t)atoi(argv[3]),
				!strcmp(argv[4], "present"), atol(argv[5]));
	fprintf(stderr, "usage: hamaps DIR rings | hamaps DIR packets PORT | "
			"hamaps DIR wait PORT present|absent TIMEOUT_MS\n");
	return 1;
}
