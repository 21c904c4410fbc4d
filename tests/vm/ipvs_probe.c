// SPDX-License-Identifier: GPL-2.0-only
/*
 * ipvs_probe: drive the IPVS dataplane directly from a small rule file, for
 * the VM test suite and the benchmark. It builds the desired rc_state from
 * the file, reads the kernel through dp_ipvs_ops, runs rc_diff and applies
 * the plan, printing the plan and timings.
 *
 * Rule file, one statement per line ('#' comments):
 *   svc <tcp|udp|sctp> <addr:port> <sched> [persistent=T[/P]] [fallback] [port]
 *   svc fwmark <mark> <inet|inet6> <sched> [...]
 *   real <addr:port> <masq|dr|ipip|gue:PORT|gre> <weight> [u=N] [l=N]
 * A real belongs to the service above it.
 *
 * Usage:
 *   ipvs_probe plan FILE [--prune]     print the plan, change nothing
 *   ipvs_probe apply FILE [--prune]    apply; exit 1 if an op failed
 *   ipvs_probe dump                    print the live state with counters
 *   ipvs_probe gen NSVC NREAL FILE RULES [YAML]   write a rule file, the
 *                                      same rules in `ipvsadm -R` format and
 *                                      as a Ballast configuration
 *   ipvs_probe now                     monotonic clock in ms (busybox
 *                                      date has no sub-second format)
 *   ipvs_probe reweight FILE           change the first real's weight in
 *                                      FILE (in place), for the benchmark
 *   ipvs_probe scoped CONFIG [--plan] SVC...   the controller's scoped pass
 *                                      (rc_ctl_plan_services) over the named
 *                                      services of a Ballast configuration,
 *                                      applied unless --plan, timed; then a
 *                                      full pass (plan only) for comparison.
 *                                      SVC: tcp/ADDR:PORT, udp/..., sctp/...,
 *                                      fwmark/MARK/inet|inet6
 *   ipvs_probe vipwait VIP SVC TIMEOUT_MS  (tests/vm/halvs.sh) subscribe to
 *                                      IPv4 address events, print "ready",
 *                                      wait for VIP to be added, then read
 *                                      SVC (as for scoped) until it is in
 *                                      IPVS with a real; print the time
 *                                      from the event read to that read
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dataplane/ipvs/ipvs.h"
#include "lib/log.h"
#include "reconcile/controller.h"
#include "reconcile/diff.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int parse_addr_port(const char *s, struct lb_addr *a, uint16_t *port)
{
	char buf[80];
	const char *colon;
	char *end;
	unsigned long p;

	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (!rb || rb[1] != ':' || (size_t)(rb - s - 1) >= sizeof(buf))
			return -EINVAL;
		memcpy(buf, s + 1, rb - s - 1);
		buf[rb - s - 1] = '\0';
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || (size_t)(colon - s) >= sizeof(buf))
			return -EINVAL;
		memcpy(buf, s, colon - s);
		buf[colon - s] = '\0';
	}
	p = strtoul(colon + 1, &end, 10);
	if (*end || p > 65535)
		return -EINVAL;
	*port = (uint16_t)p;
	return lb_addr_parse(buf, a);
}

static int parse_proto(const char *s)
{
	if (!strcmp(s, "tcp"))
		return 6;
	if (!strcmp(s, "udp"))
		return 17;
	if (!strcmp(s, "sctp"))
		return 132;
	return -1;
}

static int svc_opts(struct rc_service *svc, char **tok, int n)
{
	for (int i = 0; i < n; i++) {
		unsigned t, p;

		if (!strcmp(tok[i], "fallback")) {
			svc->flags |= RC_SVC_F_SCHED_FALLBACK;
		} else if (!strcmp(tok[i], "port")) {
			svc->flags |= RC_SVC_F_SCHED_PORT;
		} else if (sscanf(tok[i], "persistent=%u/%u", &t, &p) == 2) {
			svc->flags |= RC_SVC_F_PERSISTENT;
			svc->timeout = t;
			svc->netmask = (uint8_t)p;
		} else if (sscanf(tok[i], "persistent=%u", &t) == 1) {
			svc->flags |= RC_SVC_F_PERSISTENT;
			svc->timeout = t;
			svc->netmask =
			    svc->key.addr.family == AF_INET6 ? 128 : 32;
		} else {
			return -EINVAL;
		}
	}
	return 0;
}

static int real_opts(struct rc_real *r, char **tok, int n)
{
	unsigned port;

	if (n < 2)
		return -EINVAL;
	if (!strcmp(tok[0], "masq")) {
		r->fwd = RC_FWD_MASQ;
	} else if (!strcmp(tok[0], "dr")) {
		r->fwd = RC_FWD_DR;
	} else if (!strcmp(tok[0], "ipip")) {
		r->fwd = RC_FWD_TUNNEL;
	} else if (!strcmp(tok[0], "gre")) {
		r->fwd = RC_FWD_TUNNEL;
		r->tunnel = RC_TUN_GRE;
	} else if (sscanf(tok[0], "gue:%u", &port) == 1) {
		r->fwd = RC_FWD_TUNNEL;
		r->tunnel = RC_TUN_GUE;
		r->tunnel_port = (uint16_t)port;
	} else {
		return -EINVAL;
	}
	r->weight = (uint32_t)strtoul(tok[1], NULL, 10);
	for (int i = 2; i < n; i++) {
		unsigned v;

		if (sscanf(tok[i], "u=%u", &v) == 1)
			r->u_threshold = v;
		else if (sscanf(tok[i], "l=%u", &v) == 1)
			r->l_threshold = v;
		else
			return -EINVAL;
	}
	return 0;
}

static int load_rules(const char *path, struct rc_state *st)
{
	char line[512];
	unsigned lineno = 0;
	size_t cur = (size_t)-1;
	FILE *f = fopen(path, "re");
	int err = 0;

	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -errno;
	}
	while (!err && fgets(line, sizeof(line), f)) {
		char *tok[16], *save = NULL, *t;
		int n = 0;

		lineno++;
		for (t = strtok_r(line, " \t\r\n", &save); t && n < 16;
		     t = strtok_r(NULL, " \t\r\n", &save))
			tok[n++] = t;
		if (!n || tok[0][0] == '#')
			continue;
		err = -EINVAL;
		if (!strcmp(tok[0], "svc") && n >= 4) {
			struct rc_svc_key key;
			struct rc_service *svc;
			struct lb_addr a;
			uint16_t port = 0;
			int first;

			memset(&a, 0, sizeof(a));
			if (!strcmp(tok[1], "fwmark") && n >= 5) {
				a.family = !strcmp(tok[3], "inet6") ? AF_INET6
								    : AF_INET;
				rc_svc_key_init(
				    &key, &a, 0, 0,
				    (uint32_t)strtoul(tok[2], NULL, 0));
				first = 4;
			} else {
				int proto = parse_proto(tok[1]);

				if (proto < 0 ||
				    parse_addr_port(tok[2], &a, &port) < 0)
					break;
				rc_svc_key_init(&key, &a, port, (uint8_t)proto,
						0);
				first = 3;
			}
			svc = rc_state_add_service(st, &key);
			if (!svc) {
				err = -ENOMEM;
				break;
			}
			svc->owned = true;
			snprintf(svc->sched, sizeof(svc->sched), "%s",
				 tok[first]);
			err = svc_opts(svc, tok + first + 1, n - first - 1);
			cur = st->n - 1;
		} else if (!strcmp(tok[0], "real") && n >= 4 &&
			   cur != (size_t)-1) {
			struct rc_real *r;
			struct lb_addr a;
			uint16_t port;

			if (parse_addr_port(tok[1], &a, &port) < 0)
				break;
			r = rc_service_add_real(&st->svcs[cur], &a, port);
			if (!r) {
				err = -ENOMEM;
				break;
			}
			err = real_opts(r, tok + 2, n - 2);
		}
	}
	fclose(f);
	if (err) {
		fprintf(stderr, "%s:%u: bad rule\n", path, lineno);
		return err;
	}
	err = rc_state_sort(st);
	if (err)
		fprintf(stderr, "%s: duplicate service or real\n", path);
	return err;
}

static void print_op(const struct rc_op *op)
{
	char key[96], addr[LB_ADDR_STRLEN];

	rc_svc_key_fmt(&op->svc->key, key, sizeof(key));
	if (op->real)
		printf("op %s %s real %s weight %u changed 0x%x\n",
		       rc_op_kind_name(op->kind), key,
		       lb_addr_port_fmt(&op->real->addr, op->real->port, addr,
					sizeof(addr)),
		       op->real->weight, op->changed);
	else
		printf("op %s %s sched %s changed 0x%x\n",
		       rc_op_kind_name(op->kind), key, op->svc->sched,
		       op->changed);
}

static int open_dp(struct dp **dp, bool read_only)
{
	struct dp_open_args args = {.read_only = read_only};
	int err = dp_ipvs_ops.open(dp, &args);

	if (err)
		fprintf(stderr, "ipvs_probe: open: %s\n", strerror(-err));
	return err;
}

static int cmd_plan_apply(const char *path, bool apply, bool prune)
{
	struct rc_diff_opts opts = {.prune = prune};
	struct rc_state desired, actual;
	struct dp_result res;
	struct rc_plan plan;
	struct dp *dp = NULL;
	double t0, t_read, t_diff, t_apply;
	int err;

	rc_state_init(&desired);
	rc_state_init(&actual);
	rc_plan_init(&plan);
	memset(&res, 0, sizeof(res));
	err = load_rules(path, &desired);
	if (err)
		goto out;
	err = open_dp(&dp, !apply);
	if (err)
		goto out;
	t0 = now_ms();
	err = dp_ipvs_ops.read(dp, &actual);
	t_read = now_ms();
	if (err) {
		fprintf(stderr, "ipvs_probe: read: %s\n", strerror(-err));
		goto out;
	}
	err = rc_diff(&desired, &actual, &opts, &plan);
	t_diff = now_ms();
	if (err)
		goto out;
	for (size_t i = 0; i < plan.n && plan.n <= 200; i++)
		print_op(&plan.ops[i]);
	for (size_t i = 0; i < plan.n_foreign; i++) {
		char key[96];

		printf("foreign %s\n",
		       rc_svc_key_fmt(&plan.foreign[i]->key, key, sizeof(key)));
	}
	printf("ops %zu foreign %zu\n", plan.n, plan.n_foreign);
	if (apply) {
		err = dp_ipvs_ops.apply(dp, &plan, &res);
		t_apply = now_ms();
		printf("applied ok %zu failed %zu\n", res.n_ok, res.n_failed);
		for (size_t i = 0; i < res.n; i++)
			if (res.detail && res.detail[i])
				printf("error %s\n", res.detail[i]);
		printf("time read %.3f ms diff %.3f ms apply %.3f ms total "
		       "%.3f ms\n",
		       t_read - t0, t_diff - t_read, t_apply - t_diff,
		       t_apply - t0);
	} else {
		printf("time read %.3f ms diff %.3f ms\n", t_read - t0,
		       t_diff - t_read);
	}
out:
	if (dp)
		dp_ipvs_ops.close(dp, false);
	dp_result_free(&res);
	rc_plan_free(&plan);
	rc_state_free(&desired);
	rc_state_free(&actual);
	return err ? 1 : 0;
}

static int cmd_dump(void)
{
	struct rc_state st;
	struct dp *dp = NULL;
	double t0, t1;
	int err;

	rc_state_init(&st);
	err = open_dp(&dp, true);
	if (err)
		return 1;
	t0 = now_ms();
	err = dp_ipvs_ops.read(dp, &st);
	t1 = now_ms();
	if (err) {
		fprintf(stderr, "ipvs_probe: read: %s\n", strerror(-err));
		goto out;
	}
	for (size_t i = 0; i < st.n; i++) {
		const struct rc_service *s = &st.svcs[i];
		char key[96], addr[LB_ADDR_STRLEN];

		printf("svc %s sched %s flags 0x%x timeout %u netmask %u owned "
		       "%d conns %llu pkts_in %llu bytes_in %llu\n",
		       rc_svc_key_fmt(&s->key, key, sizeof(key)), s->sched,
		       s->flags, s->timeout, s->netmask, s->owned,
		       (unsigned long long)s->stats.conns,
		       (unsigned long long)s->stats.packets_in,
		       (unsigned long long)s->stats.bytes_in);
		for (size_t j = 0; j < s->n_reals && j < 1000; j++) {
			const struct rc_real *r = &s->reals[j];

			printf(
			    "real %s %s fwd %s tunnel %s:%u weight %u u %u l "
			    "%u active %u inactive %u conns %llu pkts_in %llu "
			    "pkts_out %llu bytes_in %llu bytes_out %llu\n",
			    key,
			    lb_addr_port_fmt(&r->addr, r->port, addr,
					     sizeof(addr)),
			    rc_fwd_name(r->fwd), rc_tunnel_name(r->tunnel),
			    r->tunnel_port, r->weight, r->u_threshold,
			    r->l_threshold, r->active_conns, r->inactive_conns,
			    (unsigned long long)r->stats.conns,
			    (unsigned long long)r->stats.packets_in,
			    (unsigned long long)r->stats.packets_out,
			    (unsigned long long)r->stats.bytes_in,
			    (unsigned long long)r->stats.bytes_out);
		}
	}
	printf("services %zu reals %zu dump %.3f ms\n", st.n,
	       rc_state_count_reals(&st), t1 - t0);
out:
	dp_ipvs_ops.close(dp, false);
	rc_state_free(&st);
	return err ? 1 : 0;
}

/* n services x m DR reals; addresses from 10.0.0.0/8 (a route the VM has). */
static int cmd_gen(int nsvc, int nreal, const char *path, const char *rules,
		   const char *yaml)
{
	FILE *f = fopen(path, "we"), *r = fopen(rules, "we");
	FILE *y = yaml ? fopen(yaml, "we") : NULL;

	if (!f || !r || (yaml && !y)) {
		perror("gen");
		return 1;
	}
	if (y)
		fprintf(y, "version: 1\ndataplane: {driver: ipvs, ipvs: "
			   "{forwarding: dr}}\npools:\n");
	for (int i = 0; i < nsvc; i++) {
		fprintf(f, "svc tcp 10.200.%d.%d:80 wrr\n", i / 250,
			i % 250 + 1);
		fprintf(r, "-A -t 10.200.%d.%d:80 -s wrr\n", i / 250,
			i % 250 + 1);
		if (y)
			fprintf(y, "  p%d:\n    backends:\n", i);
		for (int j = 0; j < nreal; j++) {
			fprintf(f, "real 10.1.%d.%d:80 dr %d\n", j / 250,
				j % 250 + 1, 1 + j % 7);
			fprintf(
			    r,
			    "-a -t 10.200.%d.%d:80 -r 10.1.%d.%d:80 -g -w %d\n",
			    i / 250, i % 250 + 1, j / 250, j % 250 + 1,
			    1 + j % 7);
			if (y)
				fprintf(y,
					"      - {address: 10.1.%d.%d, "
					"weight: %d}\n",
					j / 250, j % 250 + 1, 1 + j % 7);
		}
	}
	if (y) {
		fprintf(y, "services:\n");
		for (int i = 0; i < nsvc; i++)
			fprintf(y,
				"  - {name: s%d, address: 10.200.%d.%d, "
				"port: 80, pool: p%d, scheduler: wrr}\n",
				i, i / 250, i % 250 + 1, i);
		fclose(y);
	}
	fclose(f);
	fclose(r);
	return 0;
}

/* Rewrite the weight of the first real line (weight += 10). */
static int cmd_reweight(const char *path)
{
	char *buf = NULL, *p, tmp[300];
	size_t len = 0;
	FILE *f = fopen(path, "re");
	int done = 0;

	if (!f)
		return 1;
	if (getdelim(&buf, &len, '\0', f) < 0) {
		fclose(f);
		free(buf);
		return 1;
	}
	fclose(f);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "we");
	if (!f) {
		free(buf);
		return 1;
	}
	for (p = strtok(buf, "\n"); p; p = strtok(NULL, "\n")) {
		char a[80], m[16];
		unsigned w;

		if (!done && sscanf(p, "real %79s %15s %u", a, m, &w) == 3) {
			fprintf(f, "real %s %s %u\n", a, m, w + 10);
			done = 1;
		} else {
			fprintf(f, "%s\n", p);
		}
	}
	fclose(f);
	free(buf);
	return rename(tmp, path) ? 1 : 0;
}

/* "tcp/192.0.2.1:80", "udp/[2001:db8::2]:53", "fwmark/7/inet6". */
static int parse_svc_key(const char *s, struct rc_svc_key *k)
{
	struct lb_addr a;
	uint16_t port;
	char proto[8];
	const char *slash = strchr(s, '/');
	int p;

	if (!slash || (size_t)(slash - s) >= sizeof(proto))
		return -EINVAL;
	memcpy(proto, s, slash - s);
	proto[slash - s] = '\0';
	if (!strcmp(proto, "fwmark")) {
		char fam[8];
		unsigned long mark;

		memset(&a, 0, sizeof(a));
		if (sscanf(slash + 1, "%lu/%7s", &mark, fam) != 2 || !mark)
			return -EINVAL;
		a.family = !strcmp(fam, "inet6") ? AF_INET6 : AF_INET;
		rc_svc_key_init(k, &a, 0, 0, (uint32_t)mark);
		return 0;
	}
	p = parse_proto(proto);
	if (p < 0 || parse_addr_port(slash + 1, &a, &port))
		return -EINVAL;
	rc_svc_key_init(k, &a, port, (uint8_t)p, 0);
	return 0;
}

static int cmd_scoped(int argc, char **argv)
{
	struct rc_svc_key keys[64];
	struct rc_state probe_read;
	struct cfg_diags diags;
	struct cfg *cfg = NULL;
	struct rc_ctl *ctl = NULL;
	struct dp_result res;
	const struct rc_plan *plan;
	struct dp *dp = NULL;
	bool apply = true;
	size_t n = 0;
	double t0, t1, t2, t3;
	int i = 3, err;

	memset(&diags, 0, sizeof(diags));
	memset(&res, 0, sizeof(res));
	rc_state_init(&probe_read);
	if (i < argc && !strcmp(argv[i], "--plan")) {
		apply = false;
		i++;
	}
	for (; i < argc && n < sizeof(keys) / sizeof(keys[0]); i++) {
		if (parse_svc_key(argv[i], &keys[n++])) {
			fprintf(stderr, "ipvs_probe: bad service %s\n",
				argv[i]);
			return 2;
		}
	}
	/* The configuration is loaded once, as a daemon holds it. */
	err = cfg_load(argv[2], &cfg, &diags);
	if (err) {
		fprintf(stderr, "ipvs_probe: %s: %s\n", argv[2],
			diags.n ? diags.items[0].message : strerror(-err));
		goto out;
	}
	{
		struct dp_open_args args = {.cfg = cfg, .read_only = !apply};

		err = dp_ipvs_ops.open(&dp, &args);
		if (err) {
			fprintf(stderr, "ipvs_probe: open: %s\n",
				strerror(-err));
			goto out;
		}
	}
	err = rc_ctl_new(&dp_ipvs_ops, dp, &ctl);
	if (err)
		goto out;
	/* The read on its own, for the breakdown. */
	t0 = now_ms();
	err = dp_ipvs_ops.read_services(dp, keys, n, &probe_read);
	t1 = now_ms();
	if (err)
		goto out;
	printf("read services %zu reals %zu time %.3f ms\n", probe_read.n,
	       rc_state_count_reals(&probe_read), t1 - t0);

	t0 = now_ms();
	err = rc_ctl_plan_services(ctl, cfg, NULL, NULL, keys, n, &plan);
	t1 = now_ms();
	if (err) {
		fprintf(stderr, "ipvs_probe: scoped plan: %s\n",
			strerror(-err));
		goto out;
	}
	for (size_t j = 0; j < plan->n; j++)
		print_op(&plan->ops[j]);
	printf("ops %zu foreign %zu actual %zu\n", plan->n, plan->n_foreign,
	       rc_ctl_actual(ctl)->n);
	t2 = t1;
	if (apply) {
		err = rc_ctl_apply(ctl, &res);
		t2 = now_ms();
		printf("applied ok %zu failed %zu\n", res.n_ok, res.n_failed);
		if (err)
			goto out;
	}
	printf("time scoped (build desired + read + diff) %.3f ms apply "
	       "%.3f ms total %.3f ms\n",
	       t1 - t0, t2 - t1, t2 - t0);

	t0 = now_ms();
	err = rc_ctl_plan(ctl, cfg, NULL, NULL, &plan);
	t3 = now_ms();
	if (err)
		goto out;
	printf("full ops %zu services %zu time (build desired + read + diff) "
	       "%.3f ms\n",
	       plan->n, rc_ctl_actual(ctl)->n, t3 - t0);
out:
	rc_ctl_free(ctl);
	if (dp)
		dp_ipvs_ops.close(dp, false);
	dp_result_free(&res);
	rc_state_free(&probe_read);
	cfg_diags_free(&diags);
	cfg_free(cfg);
	return err ? 1 : 0;
}

/* Whether the netlink message is RTM_NEWADDR for the IPv4 address vip. */
static bool is_new_addr(const struct nlmsghdr *nlh, const struct in_addr *vip)
{
	const struct ifaddrmsg *ifa = NLMSG_DATA(nlh);
	const struct rtattr *rta = IFA_RTA(ifa);
	int len = IFA_PAYLOAD(nlh);

	if (nlh->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != AF_INET)
		return false;
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if ((rta->rta_type == IFA_LOCAL ||
		     rta->rta_type == IFA_ADDRESS) &&
		    RTA_PAYLOAD(rta) == sizeof(*vip) &&
		    !memcmp(RTA_DATA(rta), vip, sizeof(*vip)))
			return true;
	}
	return false;
}

static int cmd_vipwait(const char *vip_s, const char *svc, int timeout_ms)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK,
				 .nl_groups = RTMGRP_IPV4_IFADDR};
	const struct timespec pause = {.tv_nsec = 100000};
	struct rc_svc_key key;
	struct in_addr vip;
	struct dp *dp = NULL;
	double deadline, t_event = 0, t_prog = 0;
	unsigned polls = 0;
	char buf[16384];
	int fd, err = 1;

	if (inet_pton(AF_INET, vip_s, &vip) != 1 || parse_svc_key(svc, &key)) {
		fprintf(stderr, "ipvs_probe: bad VIP %s or service %s\n", vip_s,
			svc);
		return 2;
	}
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("ipvs_probe: rtnetlink");
		return 1;
	}
	if (open_dp(&dp, true))
		goto out;
	printf("ready\n");
	fflush(stdout);
	deadline = now_ms() + timeout_ms;
	while (!t_event && now_ms() < deadline) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
		ssize_t n;

		if (poll(&p, 1, (int)(deadline - now_ms()) + 1) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf), 0);
		for (; n > 0 && NLMSG_OK(nlh, (size_t)n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			if (is_new_addr(nlh, &vip)) {
				t_event = now_ms();
				break;
			}
		}
	}
	if (!t_event) {
		fprintf(stderr, "ipvs_probe: %s not added within %d ms\n",
			vip_s, timeout_ms);
		goto out;
	}
	/* Polled every 100 us from the event on, bounded by the deadline. */
	while (now_ms() < deadline) {
		struct rc_state st;
		bool there;

		rc_state_init(&st);
		polls++;
		there = !dp_ipvs_ops.read_services(dp, &key, 1, &st) &&
			st.n == 1 && st.svcs[0].n_reals > 0;
		rc_state_free(&st);
		if (there) {
			t_prog = now_ms();
			break;
		}
		nanosleep(&pause, NULL);
	}
	if (!t_prog) {
		fprintf(stderr, "ipvs_probe: %s not in IPVS within %d ms\n",
			svc, timeout_ms);
		goto out;
	}
	printf("vipwait event->ipvs %.3f ms polls %u\n", t_prog - t_event,
	       polls);
	err = 0;
out:
	if (dp)
		dp_ipvs_ops.close(dp, false);
	close(fd);
	return err;
}

int main(int argc, char **argv)
{
	bool prune = argc > 3 && !strcmp(argv[3], "--prune");

	if (argc >= 3 && !strcmp(argv[1], "plan"))
		return cmd_plan_apply(argv[2], false, prune);
	if (argc >= 3 && !strcmp(argv[1], "apply"))
		return cmd_plan_apply(argv[2], true, prune);
	if (argc == 2 && !strcmp(argv[1], "dump"))
		return cmd_dump();
	if (argc == 6 && !strcmp(argv[1], "gen"))
		return cmd_gen(atoi(argv[2]), atoi(argv[3]), argv[4], argv[5],
			       NULL);
	if (argc == 7 && !strcmp(argv[1], "gen"))
		return cmd_gen(atoi(argv[2]), atoi(argv[3]), argv[4], argv[5],
			       argv[6]);
	if (argc == 2 && !strcmp(argv[1], "now")) {
		printf("%.0f\n", now_ms());
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "reweight"))
		return cmd_reweight(argv[2]);
	if (argc >= 4 && !strcmp(argv[1], "scoped"))
		return cmd_scoped(argc, argv);
	if (argc == 5 && !strcmp(argv[1], "vipwait"))
		return cmd_vipwait(argv[2], argv[3], atoi(argv[4]));
	fprintf(stderr,
		"usage: ipvs_probe plan|apply FILE [--prune] | dump | "
		"gen NSVC NREAL FILE RULES [YAML] | reweight FILE | now | "
		"scoped CONFIG [--plan] SVC... | vipwait VIP SVC TIMEOUT_MS\n");
	return 2;
}
