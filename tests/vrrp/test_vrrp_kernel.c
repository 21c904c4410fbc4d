// SPDX-License-Identifier: GPL-2.0-only
/*
 * The gate against a real kernel. Every test runs in Check's forked child,
 * which moves into a network namespace of its own (unshare), so nothing it
 * creates outlives it; `ip` builds the links. The watcher runs on an lb_loop
 * driven with deadlines: events must arrive, none is waited for with sleeps.
 * Needs root (tests/vrrp/run.sh skips otherwise).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/lib/check_main.h"
#include "tests/lib/netns.h"
#include "vrrp/vrrp.h"

#define MAX_EV 64
#define DEADLINE_MS 3000
#define MARK "10.0.0.250"

struct kfx {
	struct lb_loop *loop;
	struct vw *w;
	struct vw_event ev[MAX_EV];
	size_t n_ev;
	struct lb_addr vip, mark;
	struct vw_group_spec spec[2];
	struct vw_opts opts;
};

static void on_event(void *arg, const struct vw_event *ev)
{
	struct kfx *f = arg;

	if (f->n_ev < MAX_EV)
		f->ev[f->n_ev++] = *ev;
}

/* eth0: a veth whose peer eth0p stays in this namespace (carrier). */
static void veth_eth0(void)
{
	t_sh("ip link add eth0 type veth peer name eth0p");
	t_sh("ip link set eth0p up && ip link set eth0 up");
}

static void start(struct kfx *f, const char *vip, bool adverts, int rcvbuf)
{
	char why[256];

	memset(f, 0, sizeof(*f));
	ck_assert_int_eq(lb_addr_parse(vip, &f->vip), 0);
	ck_assert_int_eq(lb_addr_parse(MARK, &f->mark), 0);
	f->spec[0] = (struct vw_group_spec){
	    .name = "web", .vrid = 51, .vips = &f->vip, .n_vips = 1};
	/* A second group whose events mark that earlier ones were read. */
	f->spec[1] = (struct vw_group_spec){
	    .name = "mark", .vrid = 52, .vips = &f->mark, .n_vips = 1};
	f->opts = (struct vw_opts){.interface = "eth0",
				   .groups = f->spec,
				   .n_groups = 2,
				   .watch_adverts = adverts,
				   .advert_interval_ms = 100,
				   .rcvbuf = rcvbuf};
	ck_assert_int_eq(lb_loop_new(&f->loop), 0);
	ck_assert_msg(vw_new(f->loop, &f->opts, on_event, f, &f->w, why,
			     sizeof(why)) == 0,
		      "vw_new: %s", why);
}

static void stop(struct kfx *f)
{
	vw_free(f->w);
	lb_loop_free(f->loop);
}

/* Run the loop until group 0 reports this state; return the event. */
static const struct vw_event *wait_event(struct kfx *f, unsigned int changed,
					 bool active, bool sb)
{
	uint64_t end = lb_loop_now_ms_fresh(f->loop) + DEADLINE_MS;
	size_t seen = 0;

	while (lb_loop_now_ms_fresh(f->loop) < end) {
		for (; seen < f->n_ev; seen++) {
			const struct vw_event *e = &f->ev[seen];

			if (e->group == 0 && (e->changed & changed) &&
			    e->active == active && e->split_brain == sb)
				return e;
		}
		ck_assert_int_ge(lb_loop_run_once(f->loop, 50), 0);
	}
	ck_abort_msg("no event (changed %u, active %d, split brain %d) within "
		     "%d ms; %zu events seen",
		     changed, active, sb, DEADLINE_MS, f->n_ev);
	return NULL;
}

static void expect(struct kfx *f, bool active, const char *cause)
{
	const struct vw_event *e = wait_event(f, VW_CH_ACTIVE, active, false);

	ck_assert_msg(strstr(e->cause, cause), "cause \"%s\", want \"%s\"",
		      e->cause, cause);
	ck_assert_int_eq(vw_group_active(f->w, 0), active);
	f->n_ev = 0;
}

START_TEST(address_events)
{
	struct kfx f;
	struct vw_group_status st;
	bool held;
	char ifname[16];

	t_own_netns();
	veth_eth0();
	start(&f, "10.0.0.100", false, 0);
	ck_assert(!vw_group_active(f.w, 0));
	t_sh("ip addr add 10.0.0.100/32 dev eth0");
	expect(&f, true, "address 10.0.0.100 added on eth0");
	ck_assert_int_eq(vw_vip_status(f.w, 0, 0, &held, ifname), 0);
	ck_assert(held);
	ck_assert_str_eq(ifname, "eth0");
	ck_assert_int_eq(vw_group_status(f.w, 0, &st), 0);
	ck_assert_uint_eq(st.transitions, 1);
	ck_assert_uint_eq(st.n_held, 1);
	t_sh("ip addr del 10.0.0.100/32 dev eth0");
	expect(&f, false, "address 10.0.0.100 removed from eth0");
	/* On another link it does not count. */
	t_sh("ip link add eth1 type veth peer name eth1p");
	t_sh("ip link set eth1 up && ip link set eth1p up");
	t_sh("ip addr add 10.0.0.100/32 dev eth1");
	/* The mark group's event comes after eth1's: seeing it means eth1's
	 * was read too, and changed nothing. */
	t_sh("ip addr add " MARK "/32 dev eth0");
	{
		uint64_t end = lb_loop_now_ms_fresh(f.loop) + DEADLINE_MS;

		while (!vw_group_active(f.w, 1) &&
		       lb_loop_now_ms_fresh(f.loop) < end)
			ck_assert_int_ge(lb_loop_run_once(f.loop, 50), 0);
	}
	ck_assert(vw_group_active(f.w, 1));
	for (size_t i = 0; i < f.n_ev; i++)
		ck_assert_uint_eq(f.ev[i].group, 1);
	ck_assert(!vw_group_active(f.w, 0));
	stop(&f);
}
END_TEST

START_TEST(link_and_carrier)
{
	struct kfx f;

	t_own_netns();
	veth_eth0();
	t_sh("ip addr add 10.0.0.100/32 dev eth0");
	start(&f, "10.0.0.100", false, 0);
	ck_assert(vw_group_active(f.w, 0));
	t_sh("ip link set eth0 down");
	expect(&f, false, "link eth0 down");
	t_sh("ip link set eth0 up");
	/* Address gone with the link? IPv4 addresses stay on down links. */
	expect(&f, true, "eth0");
	/* The peer going down takes eth0's carrier. */
	t_sh("ip link set eth0p down");
	expect(&f, false, "carrier lost on eth0");
	t_sh("ip link set eth0p up");
	expect(&f, true, "carrier restored on eth0");
	stop(&f);
}
END_TEST

START_TEST(macvlan_protodown)
{
	struct kfx f;
	bool held;
	char ifname[16];

	t_own_netns();
	veth_eth0();
	t_sh("ip link add vrrp51 link eth0 type macvlan mode bridge");
	t_sh("ip link set vrrp51 up");
	t_sh("ip addr add 10.0.0.100/32 dev vrrp51");
	start(&f, "10.0.0.100", false, 0);
	ck_assert(vw_group_active(f.w, 0));
	/* FRR's vrrpd on the backup: the address stays, carrier goes. */
	t_sh("ip link set vrrp51 protodown on");
	expect(&f, false, "carrier lost on vrrp51 (protodown)");
	ck_assert_int_eq(vw_vip_status(f.w, 0, 0, &held, ifname), 0);
	ck_assert(!held);
	ck_assert_str_eq(ifname, "vrrp51");
	t_sh("ip link set vrrp51 protodown off");
	expect(&f, true, "carrier restored on vrrp51");
	t_sh("ip link del vrrp51");
	expect(&f, false, "vrrp51");
	stop(&f);
}
END_TEST

START_TEST(snapshot)
{
	struct vw_opts o = {.interface = "eth0"};
	struct vw_group_spec g = {.name = "web", .vrid = 51, .n_vips = 1};
	struct lb_addr vip;
	struct vw *w;
	char why[256];

	t_own_netns();
	veth_eth0();
	ck_assert_int_eq(lb_addr_parse("10.0.0.100", &vip), 0);
	g.vips = &vip;
	o.groups = &g;
	o.n_groups = 1;
	ck_assert_int_eq(vw_snapshot(&o, &w, why, sizeof(why)), 0);
	ck_assert(!vw_group_active(w, 0));
	vw_free(w);
	t_sh("ip addr add 10.0.0.100/32 dev eth0");
	ck_assert_int_eq(vw_snapshot(&o, &w, why, sizeof(why)), 0);
	ck_assert(vw_group_active(w, 0));
	vw_free(w);
}
END_TEST

/* Many address changes in one `ip -batch`, then `last` (a command). */
static void flood(int n, const char *last)
{
	char path[] = "/tmp/vwt-batch-XXXXXX";
	int fd = mkstemp(path);
	FILE *fp;

	ck_assert_int_ge(fd, 0);
	fp = fdopen(fd, "w");
	ck_assert_ptr_nonnull(fp);
	for (int i = 0; i < n; i++)
		fprintf(fp, "address add 10.1.%d.%d/32 dev eth0\n", i / 250,
			i % 250 + 1);
	fprintf(fp, "%s\n", last);
	fclose(fp);
	t_sh("ip -batch %s", path);
	unlink(path);
}

START_TEST(overflow_resyncs)
{
	struct kfx f;

	t_own_netns();
	veth_eth0();
	/* The smallest buffer the kernel allows: a few messages. */
	start(&f, "10.0.0.100", false, 1);
	ck_assert_uint_eq(vw_resyncs(f.w), 0);
	/* Nothing reads while the batch runs: the socket overflows. */
	flood(400, "address add 10.0.0.100/32 dev eth0");
	/* The VIP's own notification was dropped: the resync finds it. */
	expect(&f, true, "overflowed (ENOBUFS)");
	ck_assert_uint_gt(vw_resyncs(f.w), 0);
	/* And a removal lost in an overflow is found by the next resync. */
	t_sh("ip addr flush dev eth0");
	{
		uint64_t end = lb_loop_now_ms_fresh(f.loop) + DEADLINE_MS;

		while (vw_group_active(f.w, 0) &&
		       lb_loop_now_ms_fresh(f.loop) < end)
			ck_assert_int_ge(lb_loop_run_once(f.loop, 50), 0);
	}
	ck_assert(!vw_group_active(f.w, 0));
	stop(&f);
}
END_TEST

/* ---- split brain: a peer namespace that sends adverts on command ---- */

struct peer {
	pid_t pid;
	int cmd; /* write 3 bytes: IPv6?, vrid, priority */
	int ack; /* one byte back per advert sent */
};

/* One VRRPv3 advert for 10.0.0.100 out of ifname, over IPv4 or IPv6. */
static void peer_send(const char *ifname, bool v6, uint8_t vrid, uint8_t prio)
{
	/* Header, then 10.0.0.100 or 2001:db8::100. */
	uint8_t m[24] = {3 << 4 | 1, vrid, prio, 1, 0, 10, 0, 0};
	size_t len = v6 ? 24 : 12;
	int hops = 255, idx = (int)if_nametoindex(ifname), fd;
	ssize_t n;

	if (v6) {
		m[8] = 0x20;
		m[9] = 0x01;
		m[10] = 0x0d;
		m[11] = 0xb8;
		m[22] = 0x01;
	} else {
		m[8] = 10;
		m[11] = 100;
	}

	if (!v6) {
		struct sockaddr_in to = {.sin_family = AF_INET};
		struct ip_mreqn mr = {.imr_ifindex = idx};

		fd = socket(AF_INET, SOCK_RAW, 112);
		if (fd < 0)
			_exit(2);
		inet_pton(AF_INET, "224.0.0.18", &to.sin_addr);
		if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &hops,
			       sizeof(hops)) ||
		    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr,
			       sizeof(mr)))
			_exit(3);
		n = sendto(fd, m, len, 0, (struct sockaddr *)&to, sizeof(to));
	} else {
		struct sockaddr_in6 to = {.sin6_family = AF_INET6};

		fd = socket(AF_INET6, SOCK_RAW, 112);
		if (fd < 0)
			_exit(2);
		inet_pton(AF_INET6, "ff02::12", &to.sin6_addr);
		to.sin6_scope_id = (uint32_t)idx;
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops,
			       sizeof(hops)) ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &idx,
			       sizeof(idx)))
			_exit(3);
		n = sendto(fd, m, len, 0, (struct sockaddr *)&to, sizeof(to));
	}
	if (n != (ssize_t)len)
		_exit(4);
	close(fd);
}

static void peer_start(struct peer *p)
{
	int ready[2], cmd[2];
	char c;

	ck_assert_int_eq(pipe(ready), 0);
	ck_assert_int_eq(pipe(cmd), 0);
	p->pid = fork();
	ck_assert_int_ge(p->pid, 0);
	if (!p->pid) {
		uint8_t b[3];

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(ready[0]);
		close(cmd[1]);
		if (unshare(CLONE_NEWNET))
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		while (read(cmd[0], b, 3) == 3) {
			peer_send("eth0p", b[0], b[1], b[2]);
			if (write(ready[1], "s", 1) != 1)
				_exit(1);
		}
		_exit(0);
	}
	close(cmd[0]);
	close(ready[1]);
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	p->cmd = cmd[1];
	p->ack = ready[0];
}

static void peer_advert(struct peer *p, bool v6, uint8_t vrid, uint8_t prio)
{
	uint8_t b[3] = {v6, vrid, prio};
	char c;

	ck_assert_int_eq(write(p->cmd, b, 3), 3);
	ck_assert_int_eq(read(p->ack, &c, 1), 1);
}

static void peer_stop(struct peer *p)
{
	int st;

	close(p->cmd);
	close(p->ack);
	ck_assert_int_eq(waitpid(p->pid, &st, 0), p->pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

START_TEST(split_brain)
{
	struct kfx f;
	struct peer p;
	struct vw_group_status st;
	const struct vw_event *e;
	struct lb_addr want;
	uint64_t raised, cleared;
	char ns[64];

	t_own_netns();
	veth_eth0();
	peer_start(&p);
	snprintf(ns, sizeof(ns), "nsenter --net=/proc/%d/ns/net", p.pid);
	/* No duplicate address detection: the link-local address must be
	 * usable as an advert's source at once. */
	t_sh("%s sh -c 'echo 0 >/proc/sys/net/ipv6/conf/default/accept_dad'", ns);
	t_sh("ip link set eth0p netns %d", p.pid);
	t_sh("%s ip link set lo up && %s ip link set eth0p up", ns, ns);
	t_sh("%s ip addr add 10.0.0.12/24 dev eth0p", ns);
	t_sh("ip addr add 10.0.0.11/24 dev eth0");
	t_sh("ip addr add 10.0.0.100/32 dev eth0");
	start(&f, "10.0.0.100", true, 0);
	/* eth0's carrier came with the peer's link: wait for it. */
	if (!vw_group_active(f.w, 0))
		expect(&f, true, "");

	/* Another VRID: no claim on ours. */
	peer_advert(&p, false, 77, 100);
	/* Ours: the peer claims what we hold. */
	peer_advert(&p, false, 51, 100);
	e = wait_event(&f, VW_CH_SPLIT_BRAIN, true, true);
	raised = e->mono_ms;
	ck_assert_ptr_nonnull(strstr(e->cause, "10.0.0.12"));
	ck_assert_int_eq(vw_group_status(f.w, 0, &st), 0);
	ck_assert(st.split_brain);
	ck_assert_int_eq(lb_addr_parse("10.0.0.12", &want), 0);
	ck_assert_int_eq(lb_addr_cmp(&st.peer, &want), 0);
	ck_assert_uint_ge(vw_adverts_seen(f.w), 2);
	for (size_t i = 0; i < f.n_ev; i++)
		ck_assert_uint_eq(f.ev[i].group, 0);
	f.n_ev = 0;
	/* No more adverts: it clears after 3 intervals plus the margin. */
	e = wait_event(&f, VW_CH_SPLIT_BRAIN, true, false);
	cleared = e->mono_ms;
	ck_assert_uint_ge(cleared - raised, 3 * 100 + 100);
	ck_assert_uint_lt(cleared - raised, 3 * 100 + 100 + 500);
	f.n_ev = 0;

	/* The same over IPv6, from the peer's link-local address. */
	peer_advert(&p, true, 51, 100);
	e = wait_event(&f, VW_CH_SPLIT_BRAIN, true, true);
	ck_assert_ptr_nonnull(strstr(e->cause, "fe80::"));
	f.n_ev = 0;
	(void)wait_event(&f, VW_CH_SPLIT_BRAIN, true, false);
	f.n_ev = 0;

	/* Raised again, then this node stops holding: cleared with it. */
	peer_advert(&p, false, 51, 100);
	(void)wait_event(&f, VW_CH_SPLIT_BRAIN, true, true);
	f.n_ev = 0;
	t_sh("ip addr del 10.0.0.100/32 dev eth0");
	e = wait_event(&f, VW_CH_ACTIVE, false, false);
	ck_assert(e->changed & VW_CH_SPLIT_BRAIN);
	/* Adverts for a group we do not hold are the normal case. */
	f.n_ev = 0;
	peer_advert(&p, false, 51, 100);
	for (int i = 0; i < 5; i++)
		ck_assert_int_ge(lb_loop_run_once(f.loop, 20), 0);
	ck_assert_uint_eq(f.n_ev, 0);
	stop(&f);
	peer_stop(&p);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("vrrp_kernel");
	TCase *tc = tcase_create("kernel");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, address_events);
	tcase_add_test(tc, link_and_carrier);
	tcase_add_test(tc, macvlan_protodown);
	tcase_add_test(tc, snapshot);
	tcase_add_test(tc, overflow_resyncs);
	tcase_add_test(tc, split_brain);
	suite_add_tcase(s, tc);
	return s;
}
