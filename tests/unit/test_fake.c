// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dataplane/fake/fake.h"
#include "dataplane/fake/fake_state.h"
#include "reconcile/diff.h"
#include "tests/lib/check_main.h"
#include "tests/lib/rc_testgen.h"
#include "tests/lib/scratch.h"

#define N_RANDOM 1000
#define SEED_BASE 0xfa4eu

/* ---- a scratch directory per test, removed afterwards ------------------ */

static char tmpdir[256];

static void tmp_setup(void)
{
	test_scratch_make(tmpdir, sizeof(tmpdir), "ballast-fake");
}

/* State files, lock files and anything a failed test left behind. */
static void tmp_teardown(void)
{
	test_scratch_remove(tmpdir);
}

static const char *tmp_path(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", tmpdir, name);
	return buf;
}

static struct dp *open_fake(const char *path, const char *faults)
{
	struct dp_option o[] = {{DP_FAKE_OPT_STATE, path},
				{DP_FAKE_OPT_FAULTS, faults}};
	struct dp_open_args args = {.options = o, .n_options = 2};
	struct dp *dp = NULL;

	ck_assert_int_eq(dp_fake_ops.open(&dp, &args), 0);
	ck_assert_ptr_nonnull(dp);
	return dp;
}

static struct lb_addr addr(const char *s)
{
	struct lb_addr a;

	ck_assert_int_eq(lb_addr_parse(s, &a), 0);
	return a;
}

static struct rc_service *svc(struct rc_state *st, const char *vip, bool owned)
{
	struct lb_addr a = addr(vip);
	struct rc_svc_key k;
	struct rc_service *s;

	rc_svc_key_init(&k, &a, 80, 6, 0);
	s = rc_state_add_service(st, &k);
	ck_assert_ptr_nonnull(s);
	snprintf(s->sched, sizeof(s->sched), "wrr");
	snprintf(s->name, sizeof(s->name), "n-%s", vip);
	s->owned = owned;
	return s;
}

static struct rc_real *real(struct rc_service *s, const char *ip, uint32_t w)
{
	struct lb_addr a = addr(ip);
	struct rc_real *r = rc_service_add_real(s, &a, 80);

	ck_assert_ptr_nonnull(r);
	r->weight = w;
	return r;
}

/* ---- fault specs ------------------------------------------------------- */

START_TEST(fault_spec_parsing)
{
	static const char *const bad[] = {
	    "x:EBUSY", "3",   "3:EWHAT", "0:EBUSY", "-1:EBUSY",
	    ",",       "3:0", "3:",	 ":EBUSY",  "2:EBUSY,4"};
	struct dp_fake_fault *f;
	char err[256];
	size_t n;

	ck_assert_int_eq(
	    dp_fake_faults_parse("3:EBUSY", &f, &n, err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(f[0].n, 3);
	ck_assert_int_eq(f[0].err, EBUSY);
	free(f);
	ck_assert_int_eq(dp_fake_faults_parse("2:16,5:ENOSPC,9:EPERM", &f, &n,
					      err, sizeof(err)),
			 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(f[0].err, 16);
	ck_assert_int_eq(f[1].err, ENOSPC);
	ck_assert_uint_eq(f[2].n, 9);
	free(f);
	ck_assert_int_eq(dp_fake_faults_parse(NULL, &f, &n, err, sizeof(err)),
			 0);
	ck_assert_uint_eq(n, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(dp_fake_faults_parse(bad[i], &f, &n, err,
						   sizeof(err)) == -EINVAL,
			      "'%s' accepted", bad[i]);
		ck_assert_msg(err[0], "no message for '%s'", bad[i]);
	}
}
END_TEST

/* Driver options: the last value given wins; names a driver does not take
 * are ignored (the command line hands every driver the same list). */
START_TEST(driver_options)
{
	struct dp_option o[] = {{DP_FAKE_OPT_FAULTS, "1:ENOPE"},
				{"other-driver", "x"},
				{DP_FAKE_OPT_FAULTS, "1:EBUSY"},
				{DP_FAKE_OPT_STATE, NULL}};
	struct dp_open_args args = {.options = o, .n_options = 4};
	struct dp *dp = NULL;

	ck_assert_str_eq(dp_open_option(&args, DP_FAKE_OPT_FAULTS), "1:EBUSY");
	ck_assert_ptr_null(dp_open_option(&args, DP_FAKE_OPT_STATE));
	ck_assert_ptr_null(dp_open_option(&args, "missing"));
	ck_assert_ptr_null(dp_open_option(NULL, DP_FAKE_OPT_STATE));
	ck_assert_int_eq(dp_fake_ops.open(&dp, &args), 0);
	dp_fake_ops.close(dp, false);
	args.n_options = 1; /* only the bad spec */
	ck_assert_int_eq(dp_fake_ops.open(&dp, &args), -EINVAL);
}
END_TEST

START_TEST(bad_fault_spec_fails_open)
{
	struct dp_option o = {DP_FAKE_OPT_FAULTS, "1:ENOPE"};
	struct dp_open_args args = {.options = &o, .n_options = 1};
	struct dp *dp = (struct dp *)&args;

	ck_assert_int_eq(dp_fake_ops.open(&dp, &args), -EINVAL);
	ck_assert_ptr_null(dp);
}
END_TEST

/* ---- kernel-like semantics --------------------------------------------- */

START_TEST(ops_fail_like_a_kernel)
{
	struct rc_state a, d;
	struct rc_plan p;
	struct dp_result res;
	struct rc_service *s;
	struct rc_op ops[6];
	struct dp *dp = open_fake(NULL, NULL);
	struct rc_state got;

	rc_state_init(&a);
	rc_state_init(&d);
	s = svc(&a, "192.0.2.1", false);
	real(s, "10.0.0.1", 1);
	ck_assert_int_eq(rc_state_sort(&a), 0);
	ck_assert_int_eq(dp_fake_seed(dp, &a), 0);

	s = svc(&d, "192.0.2.1", true);
	real(s, "10.0.0.1", 1);
	real(s, "10.0.0.2", 1);
	svc(&d, "192.0.2.9", true);
	ck_assert_int_eq(rc_state_sort(&d), 0);

	memset(ops, 0, sizeof(ops));
	ops[0] = (struct rc_op){.kind = RC_OP_SVC_ADD,
				.svc = &d.svcs[0]}; /* exists */
	ops[1] = (struct rc_op){.kind = RC_OP_REAL_ADD,
				.svc = &d.svcs[0],
				.real = &d.svcs[0].reals[0]}; /* exists */
	ops[2] = (struct rc_op){.kind = RC_OP_REAL_EDIT,
				.svc = &d.svcs[0],
				.real = &d.svcs[0].reals[1]}; /* absent */
	ops[3] = (struct rc_op){.kind = RC_OP_REAL_ADD,
				.svc = &d.svcs[1],
				.real = &d.svcs[0].reals[1]}; /* no service */
	ops[4] = (struct rc_op){.kind = RC_OP_SVC_EDIT,
				.svc = &d.svcs[1]}; /* absent */
	ops[5] = (struct rc_op){.kind = RC_OP_REAL_ADD,
				.svc = &d.svcs[0],
				.real = &d.svcs[0].reals[1]}; /* fine */
	rc_plan_init(&p);
	p.ops = ops;
	p.n = 6;
	ck_assert_int_eq(dp_fake_ops.apply(dp, &p, &res), -EEXIST);
	ck_assert_int_eq(res.err[0], -EEXIST);
	ck_assert_int_eq(res.err[1], -EEXIST);
	ck_assert_int_eq(res.err[2], -ENOENT);
	ck_assert_int_eq(res.err[3], -ENOENT);
	ck_assert_int_eq(res.err[4], -ENOENT);
	ck_assert_int_eq(res.err[5], 0); /* later independent ops still land */
	ck_assert_uint_eq(res.n_ok, 1);
	ck_assert_uint_eq(res.n_failed, 5);
	dp_result_free(&res);

	rc_state_init(&got);
	ck_assert_int_eq(dp_fake_ops.read(dp, &got), 0);
	ck_assert_uint_eq(got.n, 1);
	ck_assert_uint_eq(got.svcs[0].n_reals, 2);
	ck_assert(!got.svcs[0].owned); /* the seeded service stays foreign */
	/* read returns a copy: changing it changes nothing inside */
	got.svcs[0].reals[0].weight = 77;
	rc_state_free(&got);
	ck_assert_int_eq(dp_fake_ops.read(dp, &got), 0);
	ck_assert_uint_eq(got.svcs[0].reals[0].weight, 1);

	/* SVC_DEL removes a service with its reals; the next one is ENOENT */
	ops[0] = (struct rc_op){.kind = RC_OP_SVC_DEL, .svc = &got.svcs[0]};
	ops[1] = ops[0];
	p.n = 2;
	ck_assert_int_eq(dp_fake_ops.apply(dp, &p, &res), -ENOENT);
	ck_assert_int_eq(res.err[0], 0);
	ck_assert_int_eq(res.err[1], -ENOENT);
	dp_result_free(&res);
	rc_state_free(&got);
	ck_assert_int_eq(dp_fake_ops.read(dp, &got), 0);
	ck_assert_uint_eq(got.n, 0);

	rc_state_free(&got);
	rc_state_free(&a);
	rc_state_free(&d);
	dp_fake_ops.close(dp, true);
}
END_TEST

START_TEST(stats_and_read_only)
{
	struct dp_open_args args = {.read_only = true};
	struct rc_state d;
	struct rc_plan p;
	struct dp_result res;
	struct dp_stats st;
	struct dp *dp;
	uint64_t applied = 99, failed = 99, svcs = 99;

	rc_state_init(&d);
	real(svc(&d, "192.0.2.1", true), "10.0.0.1", 3);
	ck_assert_int_eq(rc_state_sort(&d), 0);

	dp = open_fake(NULL, "2:EIO");
	rc_plan_init(&p);
	{
		struct rc_state empty;

		rc_state_init(&empty);
		ck_assert_int_eq(rc_diff(&d, &empty, NULL, &p), 0);
	}
	ck_assert_uint_eq(p.n, 2);
	ck_assert_int_eq(dp_fake_ops.apply(dp, &p, &res), -EIO);
	ck_assert_ptr_nonnull(res.detail[1]);
	ck_assert_ptr_nonnull(strstr(res.detail[1], "injected"));
	dp_result_free(&res);
	ck_assert_int_eq(dp_fake_ops.stats(dp, &st), 0);
	for (size_t i = 0; i < st.n; i++) {
		if (!strcmp(st.counters[i].name, "ops_applied"))
			applied = st.counters[i].value;
		if (!strcmp(st.counters[i].name, "ops_failed"))
			failed = st.counters[i].value;
		if (!strcmp(st.counters[i].name, "services"))
			svcs = st.counters[i].value;
	}
	ck_assert_uint_eq(applied, 1);
	ck_assert_uint_eq(failed, 1);
	ck_assert_uint_eq(svcs, 1);
	dp_stats_free(&st);
	dp_stats_free(&st);
	dp_stats_free(NULL);
	dp_fake_ops.close(dp, false);

	ck_assert_int_eq(dp_fake_ops.open(&dp, &args), 0);
	ck_assert_int_eq(dp_fake_ops.apply(dp, &p, &res), -EROFS);
	ck_assert_int_eq(dp_fake_seed(dp, &d), -EROFS);
	ck_assert_uint_eq(res.n_failed, 2);
	dp_result_free(&res);
	dp_result_free(NULL);
	dp_fake_ops.close(dp, false);
	dp_fake_ops.close(NULL, false);
	rc_plan_free(&p);
	rc_state_free(&d);
}
END_TEST

/* ---- persistence ------------------------------------------------------- */

START_TEST(state_file_round_trip)
{
	char path[300], why[256] = "", err[512];

	tmp_path("state.json", path, sizeof(path));
	for (uint32_t i = 0; i < 200; i++) {
		uint32_t seed = SEED_BASE + i;
		struct rc_state st, back;
		struct tg_rng r;

		tg_seed(&r, seed);
		rc_state_init(&st);
		rc_state_init(&back);
		ck_assert_int_eq(tg_random_state(&r, &st, 50), 0);
		ck_assert_int_eq(
		    dp_fake_state_save(path, &st, err, sizeof(err)), 0);
		ck_assert_msg(
		    dp_fake_state_load(path, &back, err, sizeof(err)) == 0,
		    "seed %u: %s", seed, err);
		ck_assert_msg(
		    tg_states_equal(&st, &back, true, why, sizeof(why)),
		    "seed %u: %s", seed, why);
		for (size_t j = 0; j < st.n; j++)
			ck_assert_str_eq(st.svcs[j].name, back.svcs[j].name);
		rc_state_free(&st);
		rc_state_free(&back);
	}
	unlink(path);
}
END_TEST

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(state_file_errors)
{
	struct dp_open_args args = {0};
	char path[300], err[512];
	struct rc_state st;
	struct dp *dp;

	tmp_path("state.json", path, sizeof(path));
	unlink(path);
	rc_state_init(&st);
	/* missing: an empty dataplane */
	ck_assert_int_eq(dp_fake_state_load(path, &st, err, sizeof(err)), 0);
	ck_assert_uint_eq(st.n, 0);

	/* malformed JSON: file, line and column */
	write_file(
	    path,
	    "{\n  \"format\": \"ballast-fake-state\",\n  \"version\": ,\n}\n");
	ck_assert_int_eq(dp_fake_state_load(path, &st, err, sizeof(err)),
			 -EINVAL);
	ck_assert_msg(strstr(err, path) && strstr(err, ":3:"), "message: %s",
		      err);
	/* open does not read (a writer locks between open and its first
	 * read): the first read reports the corrupt file */
	args.options = &(struct dp_option){DP_FAKE_OPT_STATE, path};
	args.n_options = 1;
	ck_assert_int_eq(dp_fake_ops.open(&dp, &args), 0);
	ck_assert_int_eq(dp_fake_ops.read(dp, &st), -EINVAL);
	dp_fake_ops.close(dp, false);

	/* well-formed JSON, wrong content: names the field */
	write_file(
	    path, "{\"format\": \"ballast-fake-state\", \"version\": 1, "
		  "\"services\": "
		  "[{\"address\": \"192.0.2.1\", \"port\": 80, \"protocol\": "
		  "\"tcp\", "
		  "\"scheduler\": \"wrr\", \"reals\": [{\"address\": \"nope\", "
		  "\"port\": 80, \"weight\": 1, \"forward\": \"dr\"}]}]}");
	ck_assert_int_eq(dp_fake_state_load(path, &st, err, sizeof(err)),
			 -EINVAL);
	ck_assert_msg(strstr(err, "services[0].reals[0].address"),
		      "message: %s", err);

	/* a real: unknown key, missing key, wrong type, each located */
	static const struct {
		const char *real, *want;
	} bad_reals[] = {
	    {"{\"address\": \"10.0.0.1\", \"port\": 80, \"weight\": 1, "
	     "\"forward\": \"dr\", \"colour\": 1}",
	     "reals[1]: unknown key 'colour'"},
	    {"{\"address\": \"10.0.0.1\", \"port\": 80, \"forward\": "
	     "\"dr\"}",
	     "reals[1]: 'weight' is missing"},
	    {"{\"address\": \"10.0.0.1\", \"port\": \"80\", \"weight\": "
	     "1, \"forward\": \"dr\"}",
	     "reals[1].port: expected an integer"},
	    {"{\"address\": \"10.0.0.1\", \"port\": 80, \"weight\": 1, "
	     "\"forward\": \"dr\", \"tunnel\": \"vxlan\"}",
	     "unknown forward 'dr' or tunnel 'vxlan'"},
	    {"[1]", "reals[1]: expected an object"},
	};
	for (size_t i = 0; i < sizeof(bad_reals) / sizeof(bad_reals[0]); i++) {
		char text[512];

		snprintf(text, sizeof(text),
			 "{\"format\": \"ballast-fake-state\", \"version\": 1, "
			 "\"services\": [{\"address\": \"192.0.2.1\", "
			 "\"port\": 80, \"scheduler\": \"wrr\", \"reals\": "
			 "[{\"address\": \"10.0.0.9\", \"port\": 80, "
			 "\"weight\": 1, \"forward\": \"masq\"}, %s]}]}",
			 bad_reals[i].real);
		write_file(path, text);
		ck_assert_int_eq(
		    dp_fake_state_load(path, &st, err, sizeof(err)), -EINVAL);
		ck_assert_msg(strstr(err, bad_reals[i].want),
			      "wanted '%s' in: %s", bad_reals[i].want, err);
	}

	write_file(path, "{\"format\": \"ballast-fake-state\", \"version\": 1, "
			 "\"services\": "
			 "[{\"address\": \"192.0.2.1\", \"port\": 80, "
			 "\"scheduler\": \"wrr\", "
			 "\"colour\": \"red\"}]}");
	ck_assert_int_eq(dp_fake_state_load(path, &st, err, sizeof(err)),
			 -EINVAL);
	ck_assert_msg(strstr(err, "services[0]"), "message: %s", err);

	write_file(path, "{\"format\": \"something-else\", \"version\": 1, "
			 "\"services\": []}");
	ck_assert_int_eq(dp_fake_state_load(path, &st, err, sizeof(err)),
			 -EINVAL);

	/* duplicate service */
	write_file(path, "{\"format\": \"ballast-fake-state\", \"version\": 1, "
			 "\"services\": ["
			 "{\"address\": \"192.0.2.1\", \"port\": 80, "
			 "\"scheduler\": \"wrr\"},"
			 "{\"address\": \"192.0.2.1\", \"port\": 80, "
			 "\"scheduler\": \"rr\"}]}");
	ck_assert_int_eq(dp_fake_state_load(path, &st, err, sizeof(err)),
			 -EINVAL);
	ck_assert_uint_eq(st.n, 0);
	unlink(path);
}
END_TEST

/* The state file named in the config is used when no path is given. */
START_TEST(state_file_from_config)
{
	struct cfg cfg;
	struct dp_open_args args = {.cfg = &cfg};
	char path[300], why[256] = "";
	struct rc_state d, empty, got;
	struct rc_plan p;
	struct dp_result res;
	struct dp *dp;
	struct stat sb;

	memset(&cfg, 0, sizeof(cfg));
	cfg.dataplane.fake.state_file =
	    tmp_path("cfg-state.json", path, sizeof(path));
	rc_state_init(&d);
	rc_state_init(&empty);
	rc_state_init(&got);
	real(svc(&d, "192.0.2.7", true), "10.0.0.7", 0);
	ck_assert_int_eq(rc_state_sort(&d), 0);

	ck_assert_int_eq(dp_fake_ops.open(&dp, &args), 0);
	rc_plan_init(&p);
	ck_assert_int_eq(rc_diff(&d, &empty, NULL, &p), 0);
	ck_assert_int_eq(dp_fake_ops.apply(dp, &p, &res), 0);
	dp_result_free(&res);
	dp_fake_ops.close(dp, true); /* detach leaves the file in place */
	ck_assert_int_eq(stat(path, &sb), 0);

	/* a second invocation sees it: "in sync" */
	ck_assert_int_eq(dp_fake_ops.open(&dp, &args), 0);
	ck_assert_int_eq(dp_fake_ops.read(dp, &got), 0);
	ck_assert_msg(tg_states_equal(&got, &d, true, why, sizeof(why)), "%s",
		      why);
	ck_assert_str_eq(got.svcs[0].name, "n-192.0.2.7");
	ck_assert_uint_eq(got.svcs[0].reals[0].weight, 0);
	ck_assert_int_eq(rc_diff(&d, &got, NULL, &p), 0);
	ck_assert_uint_eq(p.n, 0);
	dp_fake_ops.close(dp, false);
	rc_plan_free(&p);
	rc_state_free(&d);
	rc_state_free(&got);
}
END_TEST

/*
 * Two processes applying to one file at once: each adds its own services
 * one apply at a time. With the writers' lock no update is lost.
 */
START_TEST(concurrent_writers)
{
	enum { PER_CHILD = 20 };
	char path[300];
	struct rc_state got;
	pid_t kids[2];
	struct dp *dp;

	tmp_path("shared.json", path, sizeof(path));
	for (int c = 0; c < 2; c++) {
		kids[c] = fork();
		ck_assert_int_ge(kids[c], 0);
		if (kids[c])
			continue;
		for (int i = 0; i < PER_CHILD; i++) {
			struct dp_option o = {DP_FAKE_OPT_STATE, path};
			struct dp_open_args args = {.options = &o,
						    .n_options = 1};
			struct rc_state d;
			struct rc_plan p;
			struct dp_result res;
			char vip[32];
			struct rc_op op;
			int ret;

			rc_state_init(&d);
			snprintf(vip, sizeof(vip), "192.0.%d.%d", 2 + c, 1 + i);
			svc(&d, vip, true);
			op = (struct rc_op){.kind = RC_OP_SVC_ADD,
					    .svc = &d.svcs[0]};
			rc_plan_init(&p);
			p.ops = &op;
			p.n = 1;
			if (dp_fake_ops.open(&dp, &args))
				_exit(2);
			ret = dp_fake_ops.apply(dp, &p, &res);
			dp_result_free(&res);
			dp_fake_ops.close(dp, false);
			rc_state_free(&d);
			if (ret)
				_exit(3);
		}
		_exit(0);
	}
	for (int c = 0; c < 2; c++) {
		int status;

		ck_assert_int_eq(waitpid(kids[c], &status, 0), kids[c]);
		ck_assert(WIFEXITED(status));
		ck_assert_int_eq(WEXITSTATUS(status), 0);
	}
	dp = open_fake(path, NULL);
	rc_state_init(&got);
	ck_assert_int_eq(dp_fake_ops.read(dp, &got), 0);
	ck_assert_uint_eq(got.n, 2 * PER_CHILD);
	rc_state_free(&got);
	dp_fake_ops.close(dp, false);
}
END_TEST

/* ---- fault injection over random plans --------------------------------- */

static const struct {
	const char *name;
	int err;
} fault_errs[] = {{"EBUSY", EBUSY}, {"ENOMEM", ENOMEM}, {"EPERM", EPERM}};

/* A REAL_DEL whose service the same plan deletes: SVC_DEL takes it anyway. */
static bool covered_by_svc_del(const struct rc_plan *p, size_t idx)
{
	const struct rc_op *op = &p->ops[idx];

	if (op->kind != RC_OP_REAL_DEL)
		return false;
	for (size_t j = idx + 1; j < p->n; j++)
		if (p->ops[j].kind == RC_OP_SVC_DEL &&
		    !rc_svc_key_cmp(&p->ops[j].svc->key, &op->svc->key))
			return true;
	return false;
}

/*
 * Fail op N of a random plan. The apply must still run every other op; the
 * state reached (persisted, for one pair in five) must equal applying the
 * plan without op N; a re-diff must show the remaining work, and applying it
 * must converge.
 */
START_TEST(fault_injection_random)
{
	char path[300];
	size_t tested = 0, persisted = 0;

	tmp_path("faults.json", path, sizeof(path));
	for (uint32_t i = 0; i < N_RANDOM; i++) {
		uint32_t seed = SEED_BASE + 31337 * i;
		bool prune = i % 3 == 0, file = i % 5 == 0;
		struct rc_diff_opts o = {.prune = prune};
		struct rc_state d, a, got, ref, want;
		struct rc_plan p, q, p2;
		struct dp_result res, qres;
		struct dp *dp, *rdp;
		char spec[64], why[256] = "";
		struct tg_rng r;
		size_t n, k;
		int e;

		tg_seed(&r, seed);
		rc_state_init(&d);
		rc_state_init(&a);
		rc_state_init(&got);
		rc_state_init(&ref);
		rc_state_init(&want);
		rc_plan_init(&p);
		rc_plan_init(&q);
		rc_plan_init(&p2);
		ck_assert_int_eq(tg_random_state(&r, &d, 100), 0);
		ck_assert_int_eq(tg_random_actual(&r, &d, &a), 0);
		ck_assert_int_eq(rc_diff(&d, &a, &o, &p), 0);
		if (!p.n)
			goto next;
		tested++;
		n = 1 + tg_below(&r, (uint32_t)p.n);
		k = tg_below(&r, 3);
		e = fault_errs[k].err;
		snprintf(spec, sizeof(spec), "%zu:%s", n, fault_errs[k].name);

		if (file) {
			unlink(path);
			persisted++;
		}
		dp = open_fake(file ? path : NULL, spec);
		ck_assert_int_eq(dp_fake_seed(dp, &a), 0);
		ck_assert_msg(
		    dp_fake_ops.apply(dp, &p, &res) == -e,
		    "seed %u: apply did not return the injected error", seed);
		ck_assert_int_eq(res.err[n - 1], -e);
		ck_assert_uint_eq(res.n_ok + res.n_failed, p.n);

		/* Reference: the same plan without op N, no faults. */
		q.ops = calloc(p.n, sizeof(*q.ops));
		ck_assert_ptr_nonnull(q.ops);
		for (size_t j = 0; j < p.n; j++)
			if (j != n - 1)
				q.ops[q.n++] = p.ops[j];
		rdp = open_fake(NULL, NULL);
		ck_assert_int_eq(dp_fake_seed(rdp, &a), 0);
		(void)!dp_fake_ops.apply(rdp, &q, &qres);
		for (size_t j = 0, jq = 0; j < p.n; j++) {
			if (j == n - 1)
				continue;
			ck_assert_msg(res.err[j] == qres.err[jq],
				      "seed %u: op %zu: %d with the fault, %d "
				      "without op %zu",
				      seed, j, res.err[j], qres.err[jq], n);
			jq++;
		}
		ck_assert_int_eq(dp_fake_ops.read(rdp, &ref), 0);

		/* What was reached, read back from a fresh handle when
		 * persisted. */
		if (file) {
			struct dp *fresh = open_fake(path, NULL);

			ck_assert_int_eq(dp_fake_ops.read(fresh, &got), 0);
			dp_fake_ops.close(fresh, false);
		} else {
			ck_assert_int_eq(dp_fake_ops.read(dp, &got), 0);
		}
		ck_assert_msg(
		    tg_states_equal(&got, &ref, true, why, sizeof(why)),
		    "seed %u: reached state differs: %s", seed, why);

		/* The remaining work shows, and applying it converges. */
		ck_assert_int_eq(rc_diff(&d, &got, &o, &p2), 0);
		ck_assert_msg(p2.n > 0 || covered_by_svc_del(&p, n - 1),
			      "seed %u: failed op left no work", seed);
		ck_assert_msg(
		    tg_plan_valid(&p2, &d, &got, prune, why, sizeof(why)),
		    "seed %u: %s", seed, why);
		dp_result_free(&res);
		ck_assert_msg(dp_fake_ops.apply(dp, &p2, &res) == 0,
			      "seed %u: second apply failed", seed);
		rc_state_free(&got);
		ck_assert_int_eq(dp_fake_ops.read(dp, &got), 0);
		ck_assert_int_eq(tg_expected(&d, &a, prune, &want), 0);
		ck_assert_msg(
		    tg_states_equal(&got, &want, false, why, sizeof(why)),
		    "seed %u: not converged: %s", seed, why);

		dp_result_free(&res);
		dp_result_free(&qres);
		dp_fake_ops.close(dp, false);
		dp_fake_ops.close(rdp, false);
	next:
		rc_plan_free(&p);
		rc_plan_free(&q);
		rc_plan_free(&p2);
		rc_state_free(&d);
		rc_state_free(&a);
		rc_state_free(&got);
		rc_state_free(&ref);
		rc_state_free(&want);
	}
	unlink(path);
	ck_assert_uint_gt(tested, N_RANDOM / 2);
	ck_assert_uint_gt(persisted, 100);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("fake");
	TCase *tc = tcase_create("fake");

	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, fault_spec_parsing);
	tcase_add_test(tc, bad_fault_spec_fails_open);
	tcase_add_test(tc, driver_options);
	tcase_add_test(tc, ops_fail_like_a_kernel);
	tcase_add_test(tc, stats_and_read_only);
	tcase_add_test(tc, state_file_round_trip);
	tcase_add_test(tc, state_file_errors);
	tcase_add_test(tc, state_file_from_config);
	tcase_add_test(tc, concurrent_writers);
	tcase_add_test(tc, fault_injection_random);
	suite_add_tcase(s, tc);
	return s;
}
