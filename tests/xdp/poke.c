// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test helper for tests/xdp/run.sh: looks at and tampers with a forwarder
 * pinned by the XDP driver, through the bpf syscalls only, the way an
 * operator's mistake or a crash would.
 *   poke DIR ids            "name id" for every pinned map, program, link
 *   poke DIR weights        "addr port weight" for every live real, sorted
 *   poke DIR realids        "addr port id" for every live real
 *   poke DIR del-svc        remove the first service from lb_services and
 *                           its lb_svc_sets set
 *   poke DIR ring           overwrite one slot of the first service's ring
 *   poke DIR unlink         detach the XDP link (it stays pinned)
 *   poke DIR stale          change the layout hash kept in "meta"
 *   poke DIR oldprog        make "meta" claim another build's program
 *   poke DIR attached       ifindex the XDP link is attached to (0: none)
 *   poke DIR age            end every real id's quarantine
 *   poke DIR setw ADDR W    write weight W into the reals at ADDR only (as
 *                           an apply killed before its ring flip would)
 *   poke - tcx IFINDEX      programs attached to IFINDEX's tcx egress
 *   poke - verifier         the verifier's statistics of both programs
 *   poke - reconf A B       open the driver with config A, reconfigure it
 *                           with config B, print the services it reads
 *   poke DIR scoped A B     scoped passes on a long-lived handle with the
 *                           tables changed behind it (see scoped())
 *   poke - stats CFG        the driver's stats(): "name value", then
 *                           "svc KEY packets bytes", "real KEY ADDR packets
 * bytes" Exit 0, or 1 with a message.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "dataplane/xdp/bpf/lb_shared.h"
#include "dataplane/xdp/xdp.h"
#include "dataplane/xdp/xdp_internal.h"
#include "dataplane/xdp/lb.skel.h"
#include "dataplane/xdp/loader.h"
#include "dataplane/xdp/xdp_maps.h"
#include "reconcile/controller.h"
#include "reconcile/desired.h"

static const char *dir;

static int get(const char *name)
{
	char p[PATH_MAX];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = bpf_obj_get(p);
	if (fd < 0) {
		fprintf(stderr, "poke: %s: %s\n", p, strerror(errno));
		exit(1);
	}
	return fd;
}

static uint32_t max_entries(int fd)
{
	struct bpf_map_info info = {0};
	uint32_t len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		exit(1);
	return info.max_entries;
}

static int ids(void)
{
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		return 1;
	while ((e = readdir(d))) {
		uint32_t buf[256] = {0}, len = sizeof(buf);
		int fd;

		if (e->d_name[0] == '.')
			continue;
		fd = get(e->d_name);
		/* Map, program and link infos all start with type, id. */
		if (!bpf_obj_get_info_by_fd(fd, buf, &len))
			printf("%s %u\n", e->d_name, buf[1]);
		close(fd);
	}
	closedir(d);
	return 0;
}

static int first_service(struct lb_svc_key *k, struct lb_svc_val *v)
{
	int fd = get("lb_services");

	if (bpf_map_get_next_key(fd, NULL, k) ||
	    bpf_map_lookup_elem(fd, k, v)) {
		fprintf(stderr, "poke: no service\n");
		exit(1);
	}
	return fd;
}

static int weights(bool ids)
{
	int fd = get("lb_reals");
	uint32_t n = max_entries(fd);

	for (uint32_t id = 1; id < n; id++) {
		struct lb_real r;
		char a[64];

		if (bpf_map_lookup_elem(fd, &id, &r) || !r.family)
			continue;
		inet_ntop(r.family, r.addr, a, sizeof(a));
		printf("%s %u %u\n", a, ntohs(r.port), ids ? id : r.weight);
	}
	return 0;
}

/* A freed id keeps its freeing time + 1 in weight: make it long ago. */
static int age(void)
{
	int fd = get("lb_reals");
	uint32_t n = max_entries(fd);

	for (uint32_t id = 1; id < n; id++) {
		struct lb_real r;

		if (bpf_map_lookup_elem(fd, &id, &r) || r.family || !r.weight)
			continue;
		r.weight = 1;
		if (bpf_map_update_elem(fd, &id, &r, BPF_ANY))
			return 1;
	}
	return 0;
}

/*
 * The real at addr in lb_reals, changed behind the driver's back through
 * its own fd (no generation moved): weight w, or cleared (family 0).
 */
static int hand_real(const char *addr, bool clear, uint32_t w)
{
	int fd = get("lb_reals");
	uint32_t n = max_entries(fd), a[4] = {0};
	int found = 0;

	if (inet_pton(strchr(addr, ':') ? AF_INET6 : AF_INET, addr, a) != 1)
		return 1;
	for (uint32_t id = 1; id < n; id++) {
		struct lb_real r;

		if (bpf_map_lookup_elem(fd, &id, &r) || !r.family ||
		    memcmp(r.addr, a, sizeof(a)))
			continue;
		if (clear)
			r.family = 0;
		else
			r.weight = w;
		if (bpf_map_update_elem(fd, &id, &r, BPF_ANY))
			return 1;
		found++;
	}
	close(fd);
	return !found;
}

static int del_svc(void)
{
	struct lb_svc_key k;
	struct lb_svc_val v;
	int fd = first_service(&k, &v), sets = get("lb_svc_sets");

	return dp_xdp_service_del(fd, sets, max_entries(sets) - 1, &k) ? 1 : 0;
}

static int ring(void)
{
	struct lb_svc_key k;
	struct lb_svc_val v;
	struct lb_svc_state st;
	uint32_t slot, val;
	int rings = get("lb_rings"), state = get("lb_svc_state");

	first_service(&k, &v);
	if (bpf_map_lookup_elem(state, &v.id, &st))
		return 1;
	/* The first entry of the active ring's extent. */
	slot = st.base[st.ring_slot & 1];
	if (bpf_map_lookup_elem(rings, &slot, &val))
		return 1;
	val = val == 1 ? 2 : 1;
	return bpf_map_update_elem(rings, &slot, &val, BPF_ANY) ? 1 : 0;
}

/* Each service's port and the size of its active ring, one a line. */
static int sizes(void)
{
	int fd = get("lb_services"), state = get("lb_svc_state");
	struct lb_svc_key k, *prev = NULL;
	struct lb_svc_val v;
	struct lb_svc_state st;

	while (!bpf_map_get_next_key(fd, prev, &k)) {
		if (bpf_map_lookup_elem(fd, &k, &v) ||
		    bpf_map_lookup_elem(state, &v.id, &st))
			return 1;
		printf("%u %u\n", ntohs(k.port), st.size[st.ring_slot & 1]);
		prev = &k;
	}
	return 0;
}

static int meta_poke(int what)
{
	int fd = get("meta");
	struct xdp_meta m;
	uint32_t zero = 0;

	if (bpf_map_lookup_elem(fd, &zero, &m))
		return 1;
	if (what)
		m.layout ^= 1;
	else
		m.prog ^= 1;
	return bpf_map_update_elem(fd, &zero, &m, BPF_ANY) ? 1 : 0;
}

static uint32_t link_ifindex(void)
{
	struct bpf_link_info info = {0};
	uint32_t len = sizeof(info);
	int fd = get("link_xdp");

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.xdp.ifindex;
}

/* Verification does not depend on map sizes: the smallest valid sizing. */
static int verifier(void)
{
	static char log[2 << 20];
	struct dp_xdp_sizing sz = {.ring_size = 251,
				   .ring_entries = 2 * 251,
				   .flow_sets = 1,
				   .svc_sets = 1,
				   .max_services = 1,
				   .max_reals = 1,
				   .ct_entries = 1};
	struct lb_bpf *o;
	int err = dp_xdp_load_stats(&sz, log, sizeof(log), &o);

	if (err) {
		fprintf(stderr, "poke: load: %s\n", strerror(-err));
		return 1;
	}
	printf("xdp_lb: %s", log);
	printf("tc_nat_egress: %s", log + sizeof(log) / 2);
	lb_bpf__destroy(o);
	return 0;
}

/* The reconfigure op on an open handle, as a daemon would use it. */
static int reconf(const char *a, const char *b)
{
	struct cfg_diags diags = {0};
	struct cfg *ca = NULL, *cb = NULL;
	struct dp_open_args args = {0};
	struct rc_state st;
	struct dp *dp = NULL;
	int err;

	rc_state_init(&st);
	err = cfg_load(a, &ca, &diags);
	if (!err)
		err = cfg_load(b, &cb, &diags);
	cfg_diags_free(&diags);
	args.cfg = ca;
	if (!err)
		err = dp_xdp_ops.open(&dp, &args);
	if (!err)
		err = dp_xdp_ops.reconfigure(dp, cb);
	if (!err)
		err = dp_xdp_ops.read(dp, &st);
	if (!err)
		printf("%zu services, %zu reals\n", st.n,
		       rc_state_count_reals(&st));
	else
		fprintf(stderr, "poke: reconf: %s\n", strerror(-err));
	rc_state_free(&st);
	dp_xdp_ops.close(dp, false);
	cfg_free(ca);
	cfg_free(cb);
	return err ? 1 : 0;
}

static int stats(const char *path)
{
	struct cfg_diags diags = {0};
	struct dp_open_args args = {.read_only = true};
	struct dp_stats st = {0};
	struct cfg *cfg = NULL;
	struct dp *dp = NULL;
	int err;

	err = cfg_load(path, &cfg, &diags);
	cfg_diags_free(&diags);
	args.cfg = cfg;
	if (!err)
		err = dp_xdp_ops.open(&dp, &args);
	if (!err)
		err = dp_xdp_ops.stats(dp, &st);
	for (size_t i = 0; !err && i < st.n; i++)
		printf("%s %llu\n", st.counters[i].name,
		       (unsigned long long)st.counters[i].value);
	for (size_t i = 0; !err && i < st.n_objs; i++) {
		const struct dp_obj_counter *o = &st.objs[i];
		char k[96], a[LB_ADDR_STRLEN + 8];

		rc_svc_key_fmt(&o->svc, k, sizeof(k));
		if (o->has_real)
			printf(
			    "real %s %s %llu %llu\n", k,
			    lb_addr_port_fmt(&o->addr, o->port, a, sizeof(a)),
			    (unsigned long long)o->packets,
			    (unsigned long long)o->bytes);
		else
			printf("svc %s %llu %llu\n", k,
			       (unsigned long long)o->packets,
			       (unsigned long long)o->bytes);
	}
	if (err)
		fprintf(stderr, "poke: stats: %s\n", strerror(-err));
	dp_stats_free(&st);
	dp_xdp_ops.close(dp, false);
	cfg_free(cfg);
	return err ? 1 : 0;
}

struct handle {
	struct dp *dp;
	struct rc_ctl *ctl;
};

static int h_open(struct handle *h, const struct cfg *cfg)
{
	struct dp_open_args args = {.cfg = cfg};

	memset(h, 0, sizeof(*h));
	if (dp_xdp_ops.open(&h->dp, &args))
		return -1;
	return rc_ctl_new(&dp_xdp_ops, h->dp, &h->ctl) ? -1 : 0;
}

static void h_close(struct handle *h)
{
	rc_ctl_free(h->ctl);
	dp_xdp_ops.close(h->dp, false);
	memset(h, 0, sizeof(*h));
}

/*
 * One pass, scoped to the config's first service or full: the number of
 * ops it planned (applied when apply), or -1.
 */
static long h_pass(struct handle *h, const struct cfg *cfg, bool scoped,
		   bool apply)
{
	const struct rc_plan *plan = NULL;
	struct dp_result res = {0};
	struct rc_svc_key key;
	int err;

	rc_desired_service_key(&cfg->services[0], &key);
	err = scoped ? rc_ctl_plan_services(h->ctl, cfg, NULL, NULL, &key, 1,
					    &plan)
		     : rc_ctl_plan(h->ctl, cfg, NULL, NULL, &plan);
	if (!err && apply)
		err = rc_ctl_apply(h->ctl, &res);
	dp_result_free(&res);
	return err ? -1 : (long)plan->n;
}

static int failures;

static void expect(const char *what, bool ok, long got)
{
	printf("%s %s (%ld)\n", ok ? "ok" : "FAIL", what, got);
	failures += !ok;
}

/*
 * Passes scoped to one service on a long-lived handle (the daemon's), with
 * the tables changed behind it: by hand (no generation moved) and by
 * another handle's apply; then a restarted handle. A is the config the
 * handle converges to; B adds a real to A's first service (a real added by
 * another process changes nothing the handle's index lists: only the
 * generation tells it that its index is stale).
 * Prints "ok NAME" or "FAIL NAME" for each check.
 */
static int scoped(const char *pa, const char *pb)
{
	struct cfg_diags diags = {0};
	struct cfg *a = NULL, *b = NULL;
	struct handle h, h2;
	const char *r1, *r2;
	char s1[64], s2[64];
	struct dp_result res = {0};
	struct rc_svc_key key;
	struct lb_svc_key sk;
	int sets, err;
	long n;

	if (cfg_load(pa, &a, &diags) || cfg_load(pb, &b, &diags) ||
	    a->n_services < 1 || a->n_pools < 1 ||
	    a->pools[a->services[0].pool].n_backends < 2) {
		cfg_diags_free(&diags);
		fprintf(stderr, "poke: scoped: configs\n");
		return 1;
	}
	cfg_diags_free(&diags);
	r1 = lb_addr_fmt(&a->pools[a->services[0].pool].backends[0].addr, s1,
			 sizeof(s1));
	r2 = lb_addr_fmt(&a->pools[a->services[0].pool].backends[1].addr, s2,
			 sizeof(s2));
	if (h_open(&h, a) || h_pass(&h, a, false, true) < 0)
		return 1;
	n = h_pass(&h, a, true, false);
	expect("scoped: in sync after a full apply", n == 0, n);

	hand_real(r1, false, 77);
	n = h_pass(&h, a, true, true);
	expect("scoped: a weight written by hand is seen", n > 0, n);
	n = h_pass(&h, a, false, false);
	expect("scoped: and repaired (full plan empty)", n == 0, n);

	hand_real(r2, true, 0);
	n = h_pass(&h, a, true, true);
	expect("scoped: a real cleared by hand is seen", n > 0, n);
	n = h_pass(&h, a, false, false);
	expect("scoped: and added again (full plan empty)", n == 0, n);

	if (h_open(&h2, b) || h_pass(&h2, b, false, true) <= 0)
		return 1;
	n = h_pass(&h, b, true, false);
	expect("scoped: another handle's added real is seen", n == 0, n);
	n = h_pass(&h, a, true, true);
	expect("scoped: and removed again", n > 0, n);
	n = h_pass(&h2, a, false, false);
	expect("scoped: the other handle sees this one's apply", n == 0, n);

	rc_desired_service_key(&a->services[0], &key);
	xdp_svc_from_key(&sk, &key);
	sets = get("lb_svc_sets");
	if (dp_xdp_service_del(get("lb_services"), sets, max_entries(sets) - 1,
			       &sk))
		return 1;
	n = h_pass(&h, a, true, true);
	expect("scoped: a service deleted by hand is seen", n > 0, n);
	n = h_pass(&h, a, false, false);
	expect("scoped: and added again", n == 0, n);

	/*
	 * The same plan applied again, with no read between: the apply checks
	 * the index against the maps itself, so a service deleted by hand
	 * since fails its ops instead of being written as if it were there.
	 */
	hand_real(r1, false, 77);
	if (h_pass(&h, a, true, true) <= 0 ||
	    dp_xdp_service_del(get("lb_services"), sets, max_entries(sets) - 1,
			       &sk))
		return 1;
	err = rc_ctl_apply(h.ctl, &res);
	expect("scoped: an apply again sees a service deleted by hand",
	       err && res.n_failed > 0, (long)res.n_failed);
	dp_result_free(&res);
	h_pass(&h, a, false, true);
	n = h_pass(&h, a, false, false);
	expect("scoped: and repaired by a full pass", n == 0, n);

	h_pass(&h2, b, false, true);
	h_close(&h);
	if (h_open(&h, a))
		return 1;
	n = h_pass(&h, a, true, true);
	expect("scoped: a restarted handle converges", n > 0, n);
	n = h_pass(&h, a, false, false);
	expect("scoped: restarted: full plan empty", n == 0, n);
	h_close(&h);
	h_close(&h2);
	cfg_free(a);
	cfg_free(b);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 2 ? argv[2] : "";

	dir = argc > 1 ? argv[1] : ".";
	if (!strcmp(cmd, "ids"))
		return ids();
	if (!strcmp(cmd, "weights"))
		return weights(false);
	if (!strcmp(cmd, "realids"))
		return weights(true);
	if (!strcmp(cmd, "setw") && argc > 4)
		return hand_real(argv[3], false, (uint32_t)atoi(argv[4]));
	if (!strcmp(cmd, "age"))
		return age();
	if (!strcmp(cmd, "del-svc"))
		return del_svc();
	if (!strcmp(cmd, "ring"))
		return ring();
	if (!strcmp(cmd, "sizes"))
		return sizes();
	if (!strcmp(cmd, "unlink"))
		return bpf_link_detach(get("link_xdp")) ? 1 : 0;
	if (!strcmp(cmd, "stale"))
		return meta_poke(1);
	if (!strcmp(cmd, "oldprog"))
		return meta_poke(0);
	if (!strcmp(cmd, "attached"))
		return printf("%u\n", link_ifindex()) < 0;
	if (!strcmp(cmd, "reconf") && argc > 4)
		return reconf(argv[3], argv[4]);
	if (!strcmp(cmd, "scoped") && argc > 4)
		return scoped(argv[3], argv[4]);
	if (!strcmp(cmd, "stats") && argc > 3)
		return stats(argv[3]);
	if (!strcmp(cmd, "verifier"))
		return verifier();
	if (!strcmp(cmd, "tcx") && argc > 3) {
		uint32_t cnt = 0, flags = 0;

		/* 47: BPF_TCX_EGRESS, newer than Debian 12's headers. */
		if (bpf_prog_query(atoi(argv[3]), 47, 0, &flags, NULL, &cnt))
			cnt = 0;
		return printf("%u\n", cnt) < 0;
	}
	fprintf(stderr, "usage: poke DIR ids|weights|del-svc|ring|sizes|unlink|"
			"stale|oldprog|attached; poke - tcx IFINDEX\n");
	return 1;
}
