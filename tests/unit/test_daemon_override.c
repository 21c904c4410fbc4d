// SPDX-License-Identifier: GPL-2.0-only
/*
 * Runtime overrides as a weight layer, their expiry and their state file;
 * the daemon's small parsers (reals, times) and the git revision reader.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/daemon/dm_gitrev.h"
#include "cmd/daemon/dm_override.h"
#include "cmd/daemon/dm_util.h"
#include "tests/lib/check_main.h"

static const char yaml[] =
    "version: 1\n"
    "dataplane: {driver: fake}\n"
    "pools:\n"
    "  a: {backends: [{address: 10.0.0.1, port: 80, weight: 100},"
    " {address: 10.0.0.2, port: 80, weight: 100}]}\n"
    "  b: {backends: [{address: 10.0.0.1, weight: 50}]}\n"
    "services:\n"
    "  - {name: web, address: 192.0.2.1, port: 80, pool: a}\n"
    "  - {name: alt, address: 192.0.2.2, port: 80, pool: b}\n";

static uint64_t fake_now = 1000000;
static uint64_t clock_fn(void)
{
	return fake_now;
}

/* The base source: everything up at its configured weight, 10.0.0.2 down. */
static uint32_t base_w(void *ctx, const struct cfg_pool *p,
		       const struct cfg_backend *b)
{
	return b->addr.b[3] == 2 ? 0 : b->weight;
}

static struct cfg *load(void)
{
	struct cfg_diags dg = {0};
	struct cfg *cfg = NULL;

	ck_assert_int_eq(
	    cfg_load_buffer("t.yaml", yaml, strlen(yaml), &cfg, &dg), 0);
	cfg_diags_free(&dg);
	return cfg;
}

static struct dm_override ovr(enum dm_ovr_kind k, const char *svc,
			      const char *addr, uint16_t port)
{
	struct dm_override o = {.kind = k, .port = port};

	snprintf(o.service, sizeof(o.service), "%s", svc);
	ck_assert_int_eq(lb_addr_parse(addr, &o.addr), 0);
	o.created_ms = fake_now;
	snprintf(o.by, sizeof(o.by), "uid=0 pid=1");
	return o;
}

START_TEST(weight_layer_precedence)
{
	struct rc_weight_src base = {.weight = base_w}, src;
	struct dm_overrides *set;
	struct cfg *cfg = load();
	struct cfg_pool *a = &cfg->pools[0], *b = &cfg->pools[1];
	struct dm_override o;

	ck_assert_int_eq(dm_ovr_new(&set), 0);
	dm_ovr_set_clock(set, clock_fn);
	dm_ovr_bind(set, cfg);
	dm_ovr_weight_src(set, &base, &src);
	ck_assert_uint_eq(src.weight(src.ctx, a, &a->backends[0]), 100);

	o = ovr(DM_OVR_WEIGHT, "web", "10.0.0.1", 80);
	o.weight = 30;
	ck_assert_int_eq(dm_ovr_add(set, &o, false, NULL), 0);
	ck_assert_uint_eq(src.weight(src.ctx, a, &a->backends[0]), 30);
	/* pool b's backend has port 0: the service's port 80 matches, but
	 * the override names service web, whose pool is a, not b */
	ck_assert_uint_eq(src.weight(src.ctx, b, &b->backends[0]), 50);
	ck_assert_int_eq(dm_ovr_add(set, &o, false, NULL), -EEXIST);

	o = ovr(DM_OVR_DISABLE, "web", "10.0.0.1", 80);
	ck_assert_int_eq(dm_ovr_add(set, &o, false, NULL), 0);
	ck_assert_uint_eq(src.weight(src.ctx, a, &a->backends[0]), 0);
	ck_assert_int_eq(
	    dm_ovr_remove(set, "web", &o.addr, 80, DM_OVR_DISABLE, NULL), 0);
	ck_assert_uint_eq(src.weight(src.ctx, a, &a->backends[0]), 30);

	/* forced up beats the base's down; forced down beats a weight */
	o = ovr(DM_OVR_HEALTH, "web", "10.0.0.2", 80);
	o.up = true;
	ck_assert_int_eq(dm_ovr_add(set, &o, false, NULL), 0);
	ck_assert_uint_eq(src.weight(src.ctx, a, &a->backends[1]), 100);
	o = ovr(DM_OVR_HEALTH, "web", "10.0.0.1", 80);
	o.up = false;
	ck_assert_int_eq(dm_ovr_add(set, &o, false, NULL), 0);
	ck_assert_uint_eq(src.weight(src.ctx, a, &a->backends[0]), 0);
	ck_assert_uint_eq(dm_ovr_count(set), 3);
	dm_ovr_free(set);
	cfg_free(cfg);
}
END_TEST

START_TEST(drain_timeout_and_expiry)
{
	struct rc_weight_src src;
	struct dm_overrides *set;
	struct dm_ovr_effect ef;
	struct cfg *cfg = load();
	struct cfg_pool *a = &cfg->pools[0];
	struct dm_override o;

	ck_assert_int_eq(dm_ovr_new(&set), 0);
	dm_ovr_set_clock(set, clock_fn);
	dm_ovr_bind(set, cfg);
	dm_ovr_weight_src(set, NULL, &src);
	o = ovr(DM_OVR_DRAIN, "web", "10.0.0.1", 80);
	o.expires_ms = fake_now + 5000;
	ck_assert_int_eq(dm_ovr_add(set, &o, false, NULL), 0);
	o = ovr(DM_OVR_DISABLE, "web", "10.0.0.2", 80);
	o.expires_ms = fake_now + 1000;
	ck_assert_int_eq(dm_ovr_add(set, &o, false, NULL), 0);
	ck_assert_uint_eq(src.weight(src.ctx, a, &a->backends[0]), 0);
	ck_assert_uint_eq(dm_ovr_next_deadline(set, fake_now), fake_now + 1000);

	ck_assert_uint_eq(dm_ovr_expire(set, fake_now + 999, NULL, NULL), 0);
	ck_assert_uint_eq(dm_ovr_expire(set, fake_now + 1000, NULL, NULL), 1);
	ck_assert_uint_eq(src.weight(src.ctx, a, &a->backends[1]), 100);
	/* a drain past its timeout stays, as disabled */
	ck_assert_uint_eq(dm_ovr_expire(set, fake_now + 6000, NULL, NULL), 0);
	dm_ovr_effect(set, "web", &o.addr, 80, fake_now + 6000, &ef);
	ck_assert(!ef.drained);
	ck_assert_int_eq(lb_addr_parse("10.0.0.1", &o.addr), 0);
	dm_ovr_effect(set, "web", &o.addr, 80, fake_now + 6000, &ef);
	ck_assert(ef.drained && ef.timed_out && ef.disabled);
	ck_assert_uint_eq(dm_ovr_next_deadline(set, fake_now + 6000), 0);
	dm_ovr_free(set);
	cfg_free(cfg);
}
END_TEST

START_TEST(file_round_trip_drops_expired)
{
	char dir[] = "/tmp/ballast-ovr.XXXXXX", path[256];
	struct dm_overrides *set, *back;
	struct dm_override o;
	const struct dm_override *g;
	char err[256];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/overrides.json", dir);
	ck_assert_int_eq(dm_ovr_new(&set), 0);
	o = ovr(DM_OVR_WEIGHT, "web", "2001:db8::1", 443);
	o.weight = 7;
	o.expires_ms = fake_now + 60000;
	ck_assert_int_eq(dm_ovr_add(set, &o, false, NULL), 0);
	o = ovr(DM_OVR_HEALTH, "web", "10.0.0.1", 80);
	o.expires_ms = fake_now + 10;
	ck_assert_int_eq(dm_ovr_add(set, &o, false, NULL), 0);
	ck_assert_int_eq(dm_ovr_save(set, path), 0);

	ck_assert_int_eq(dm_ovr_new(&back), 0);
	ck_assert_int_eq(
	    dm_ovr_load(back, path, fake_now + 1000, err, sizeof(err)), 0);
	ck_assert_uint_eq(dm_ovr_count(back), 1);
	g = dm_ovr_at(back, 0);
	ck_assert_uint_eq(g->id, 1);
	ck_assert_uint_eq(g->weight, 7);
	ck_assert_uint_eq(g->port, 443);
	ck_assert_uint_eq(g->expires_ms, fake_now + 60000);
	ck_assert_str_eq(g->by, "uid=0 pid=1");
	/* new ids continue after the loaded ones */
	o = ovr(DM_OVR_DISABLE, "web", "10.0.0.9", 80);
	ck_assert_int_eq(dm_ovr_add(back, &o, false, &g), 0);
	ck_assert_uint_eq(g->id, 2);

	unlink(path);
	ck_assert_int_eq(dm_ovr_load(back, path, 0, err, sizeof(err)), 0);
	FILE *f = fopen(path, "w");
	fputs("{\"format\": \"other\"}", f);
	fclose(f);
	ck_assert_int_eq(dm_ovr_load(back, path, 0, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "not a Ballast override file"));
	unlink(path);
	rmdir(dir);
	dm_ovr_free(set);
	dm_ovr_free(back);
}
END_TEST

START_TEST(reals_and_times)
{
	struct lb_addr a;
	uint16_t p;
	uint64_t t;
	char buf[40];

	ck_assert_int_eq(dm_parse_real("10.0.0.1:80", &a, &p), 0);
	ck_assert_uint_eq(p, 80);
	ck_assert_int_eq(dm_parse_real("%5B2001%3Adb8%3A%3A1%5D%3A443", &a, &p),
			 0);
	ck_assert_uint_eq(p, 443);
	ck_assert_int_eq(a.family, AF_INET6);
	ck_assert_int_eq(dm_parse_real("2001:db8::1:443", &a, &p), -EINVAL);
	ck_assert_int_eq(dm_parse_real("10.0.0.1", &a, &p), -EINVAL);
	ck_assert_int_eq(dm_parse_real("10.0.0.1:0", &a, &p), -EINVAL);
	ck_assert_int_eq(dm_parse_real("10.0.0.1:70000", &a, &p), -EINVAL);
	ck_assert_str_eq(dm_fmt_time(1796587201250ull, buf, sizeof(buf)),
			 "2026-12-06T20:00:01.250Z");
	ck_assert_int_eq(dm_parse_time(buf, &t), 0);
	ck_assert_uint_eq(t, 1796587201250ull);
	ck_assert_int_eq(dm_parse_time("2026-12-06 20:00:01", &t), -EINVAL);
}
END_TEST

static void put(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

START_TEST(git_rev_from_checkout)
{
	static const char rev[] = "0123456789abcdef0123456789abcdef01234567";
	char dir[] = "/tmp/ballast-git.XXXXXX", p[512], out[DM_GIT_REV_MAX];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	put(dir, "lb.yaml", "version: 1\n");
	snprintf(p, sizeof(p), "%s/lb.yaml", dir);
	ck_assert_int_eq(dm_git_rev(p, out, sizeof(out)), -ENOENT);
	ck_assert_str_eq(out, "");

	snprintf(p, sizeof(p), "%s/.git", dir);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/.git/refs", dir);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/.git/refs/heads", dir);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/.git", dir);
	put(p, "HEAD", "ref: refs/heads/main\n");
	/* only in packed-refs */
	put(p, "packed-refs",
	    "# pack-refs with: peeled\n"
	    "0123456789abcdef0123456789abcdef01234567 refs/heads/main\n");
	snprintf(p, sizeof(p), "%s/lb.yaml", dir);
	ck_assert_int_eq(dm_git_rev(p, out, sizeof(out)), 0);
	ck_assert_str_eq(out, rev);
	/* the loose ref wins */
	snprintf(p, sizeof(p), "%s/.git/refs/heads", dir);
	put(p, "main", "fedcba9876543210fedcba9876543210fedcba98\n");
	snprintf(p, sizeof(p), "%s/lb.yaml", dir);
	ck_assert_int_eq(dm_git_rev(p, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "fedcba9876543210fedcba9876543210fedcba98");
	/* detached */
	snprintf(p, sizeof(p), "%s/.git", dir);
	put(p, "HEAD", "0123456789abcdef0123456789abcdef01234567\n");
	snprintf(p, sizeof(p), "%s/lb.yaml", dir);
	ck_assert_int_eq(dm_git_rev(p, out, sizeof(out)), 0);
	ck_assert_str_eq(out, rev);
	snprintf(p, sizeof(p), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(p), 0);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("daemon_override");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, weight_layer_precedence);
	tcase_add_test(tc, drain_timeout_and_expiry);
	tcase_add_test(tc, file_round_trip_drops_expired);
	tcase_add_test(tc, reals_and_times);
	tcase_add_test(tc, git_rev_from_checkout);
	suite_add_tcase(s, tc);
	return s;
}
