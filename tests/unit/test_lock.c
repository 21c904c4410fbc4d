// SPDX-License-Identifier: GPL-2.0-only
/* Writer locks (lib/lock.h) and the names the fake dataplane gives them. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dataplane/fake/fake.h"
#include "lib/lock.h"
#include "tests/lib/check_main.h"
#include "tests/lib/scratch.h"

static char tmpdir[256];
static char rundir[300];

static void tmp_setup(void)
{
	test_scratch_make(tmpdir, sizeof(tmpdir), "ballast-lock");
	/* Not created: lb_lock_acquire() makes it. */
	snprintf(rundir, sizeof(rundir), "%s/run", tmpdir);
	setenv(LB_RUN_DIR_ENV, rundir, 1);
}

static void tmp_teardown(void)
{
	test_scratch_remove(tmpdir);
}

/* ---- names --------------------------------------------------------------- */

START_TEST(names)
{
	char a[LB_LOCK_NAME_MAX + 1], b[LB_LOCK_NAME_MAX + 1], longkey[600];

	ck_assert_int_eq(lb_lock_name(a, sizeof(a), "ipvs", "netns-4026531840"),
			 0);
	ck_assert_str_eq(a, "ipvs-netns-4026531840");

	/* A path: unsafe bytes replaced, a hash keeps "/a/b" and "/a_b" apart.
	 */
	ck_assert_int_eq(lb_lock_name(a, sizeof(a), "fake", "/a/b"), 0);
	ck_assert_int_eq(lb_lock_name(b, sizeof(b), "fake", "/a_b"), 0);
	ck_assert_str_ne(a, b);
	ck_assert_msg(!strncmp(a, "fake-_a_b-", 10), "%s", a);
	ck_assert(!strchr(a, '/'));

	/* A long key keeps its tail and stays within the limit. */
	memset(longkey, 'x', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	memcpy(longkey + sizeof(longkey) - 12, "/state.json", 11);
	ck_assert_int_eq(lb_lock_name(a, sizeof(a), "fake", longkey), 0);
	ck_assert_uint_le(strlen(a), LB_LOCK_NAME_MAX);
	ck_assert_msg(strstr(a, "_state.json-"), "%s", a);
	longkey[10] = 'y';
	ck_assert_int_eq(lb_lock_name(b, sizeof(b), "fake", longkey), 0);
	ck_assert_str_ne(a, b);

	ck_assert_int_eq(lb_lock_name(a, 12, "fake", "/a/b"), -ENAMETOOLONG);
}
END_TEST

/* ---- one process ----------------------------------------------------------
 */

START_TEST(exclusive_and_released)
{
	struct lb_lock *l1 = NULL, *l2 = NULL;
	struct lb_lock_holder h;
	char who[400], path[400];
	struct stat sb;

	ck_assert_int_eq(lb_lock_acquire("t-one", NULL, &l1, &h), 0);
	ck_assert_ptr_nonnull(l1);
	ck_assert_int_eq(stat(rundir, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 0777, 0700);
	snprintf(path, sizeof(path), "%s/t-one.lock", rundir);
	ck_assert_str_eq(lb_lock_path(l1), path);

	/* flock conflicts between two opens, even in one process. */
	ck_assert_int_eq(lb_lock_acquire("t-one", NULL, &l2, &h), -EWOULDBLOCK);
	ck_assert_ptr_null(l2);
	ck_assert_int_eq(h.pid, getpid());
	ck_assert_msg(strstr(h.cmdline, "test_lock"), "cmdline '%s'",
		      h.cmdline);
	ck_assert_int_le(labs((long)(time(NULL) - h.since)), 5);
	lb_lock_holder_fmt(&h, who, sizeof(who));
	ck_assert_msg(!strncmp(who, "pid ", 4) && strstr(who, " since "), "%s",
		      who);

	/* Another name is another lock. */
	ck_assert_int_eq(lb_lock_acquire("t-two", NULL, &l2, &h), 0);
	lb_lock_release(l2);

	lb_lock_release(l1);
	ck_assert_int_eq(stat(path, &sb), -1); /* nothing left behind */
	ck_assert_int_eq(lb_lock_acquire("t-one", NULL, &l2, &h), 0);
	lb_lock_release(l2);
	lb_lock_release(NULL);
}
END_TEST

/* What a dead holder wrote neither blocks nor is shown as the holder. */
START_TEST(stale_record)
{
	struct lb_lock *l1 = NULL, *l2 = NULL;
	struct lb_lock_holder h;
	char path[400], who[64];
	pid_t dead = fork();
	FILE *f;

	ck_assert_int_ge(dead, 0);
	if (!dead)
		_exit(0);
	ck_assert_int_eq(waitpid(dead, NULL, 0), dead);

	ck_assert_int_eq(mkdir(rundir, 0700) && errno != EEXIST, 0);
	snprintf(path, sizeof(path), "%s/t-stale.lock", rundir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "pid %d\nsince 1\ncmdline ballast apply\n", (int)dead);
	fclose(f);

	ck_assert_int_eq(lb_lock_acquire("t-stale", NULL, &l1, &h), 0);
	lb_lock_release(l1);

	/*
	 * Held by a process whose own record is not written yet, over one a
	 * dead holder left: the holder is unknown, not the dead pid.
	 */
	ck_assert_int_eq(lb_lock_acquire("t-stale", NULL, &l1, &h), 0);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "pid %d\n", (int)dead);
	fclose(f);
	ck_assert_int_eq(lb_lock_acquire("t-stale", NULL, &l2, &h),
			 -EWOULDBLOCK);
	ck_assert_int_eq(h.pid, 0);
	ck_assert_str_eq(lb_lock_holder_fmt(&h, who, sizeof(who)),
			 "another process");
	lb_lock_release(l1);
}
END_TEST

/* ---- two processes ---------------------------------------------------------
 */

struct holder_proc {
	pid_t pid;
	int go; /* closing it makes the holder release and exit */
};

/* A child that holds `name` until told to go; returns once it holds it. */
static void hold_in_child(const char *name, struct holder_proc *hp)
{
	int ready[2], go[2];
	char c;

	ck_assert_int_eq(pipe(ready), 0);
	ck_assert_int_eq(pipe(go), 0);
	hp->pid = fork();
	ck_assert_int_ge(hp->pid, 0);
	if (!hp->pid) {
		struct lb_lock *l = NULL;

		close(ready[0]);
		close(go[1]);
		if (lb_lock_acquire(name, NULL, &l, NULL))
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		while (read(go[0], &c, 1) > 0)
			;
		lb_lock_release(l);
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	close(ready[0]);
	hp->go = go[1];
}

static int reap(struct holder_proc *hp)
{
	int status;

	if (hp->go >= 0)
		close(hp->go);
	hp->go = -1;
	ck_assert_int_eq(waitpid(hp->pid, &status, 0), hp->pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

struct wait_seen {
	int calls;
	pid_t holder;
	struct holder_proc *release;
};

static void on_wait(const struct lb_lock_holder *h, void *arg)
{
	struct wait_seen *w = arg;

	w->calls++;
	w->holder = h->pid;
	if (w->release) { /* the holder goes as soon as we wait */
		close(w->release->go);
		w->release->go = -1;
	}
}

START_TEST(waits_for_the_holder)
{
	struct holder_proc hp;
	struct wait_seen seen = {0};
	struct lb_lock_opts o = {
	    .wait_ms = 20000, .on_wait = on_wait, .arg = &seen};
	struct lb_lock *l = NULL;
	struct lb_lock_holder h;

	hold_in_child("t-wait", &hp);
	ck_assert_int_eq(lb_lock_acquire("t-wait", NULL, &l, &h), -EWOULDBLOCK);
	ck_assert_int_eq(h.pid, hp.pid);

	seen.release = &hp;
	ck_assert_int_eq(lb_lock_acquire("t-wait", &o, &l, &h), 0);
	ck_assert_int_eq(seen.calls, 1);
	ck_assert_int_eq(seen.holder, hp.pid);
	ck_assert_int_eq(reap(&hp), 0);
	lb_lock_release(l);
}
END_TEST

START_TEST(wait_times_out)
{
	struct holder_proc hp;
	struct wait_seen seen = {0};
	struct lb_lock_opts o = {
	    .wait_ms = 150, .on_wait = on_wait, .arg = &seen};
	struct lb_lock *l = NULL;
	struct lb_lock_holder h;
	struct timespec t0, t1;
	long ms;

	hold_in_child("t-timeout", &hp);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(lb_lock_acquire("t-timeout", &o, &l, &h), -ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 +
	     (t1.tv_nsec - t0.tv_nsec) / 1000000;
	ck_assert_int_ge(ms, 149); /* whole milliseconds, rounded down */
	ck_assert_int_eq(seen.calls, 1);
	ck_assert_int_eq(h.pid, hp.pid);
	ck_assert_ptr_null(l);
	ck_assert_int_eq(reap(&hp), 0);
}
END_TEST

/* A holder that dies (no release) frees the lock with its descriptors. */
START_TEST(dead_holder_frees_the_lock)
{
	struct holder_proc hp;
	struct lb_lock *l = NULL;

	hold_in_child("t-dead", &hp);
	ck_assert_int_eq(kill(hp.pid, SIGKILL), 0);
	ck_assert_int_eq(reap(&hp), -1);
	ck_assert_int_eq(lb_lock_acquire("t-dead", NULL, &l, NULL), 0);
	lb_lock_release(l);
}
END_TEST

/* ---- the fake dataplane's lock --------------------------------------------
 */

static bool fake_lock(const char *state, const char **name, const char **what,
		      struct dp **dp)
{
	struct dp_option o = {DP_FAKE_OPT_STATE, state};
	struct dp_open_args args = {.options = &o, .n_options = 1};

	ck_assert_int_eq(dp_fake_ops.open(dp, &args), 0);
	ck_assert_ptr_nonnull(dp_fake_ops.lock_id);
	return dp_fake_ops.lock_id(*dp, name, what);
}

START_TEST(fake_one_lock_per_state_file)
{
	char p1[400], p2[400], sub[400], cwd[400];
	const char *n1, *n2, *n3, *w1, *w2, *w3;
	struct dp *d1, *d2, *d3;

	snprintf(p1, sizeof(p1), "%s/state.json", tmpdir);
	snprintf(sub, sizeof(sub), "%s/sub", tmpdir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	snprintf(p2, sizeof(p2), "%s/./sub/../state.json", tmpdir);
	ck_assert(fake_lock(p1, &n1, &w1, &d1));
	ck_assert(fake_lock(p2, &n2, &w2, &d2));
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(chdir(sub), 0);
	ck_assert(fake_lock("../state.json", &n3, &w3, &d3));
	ck_assert_int_eq(chdir(cwd), 0);
	ck_assert_str_eq(n1, n2);
	ck_assert_str_eq(n1, n3);
	ck_assert_msg(strstr(w3, tmpdir) && strstr(w3, "/state.json"), "%s",
		      w3);
	ck_assert_msg(!strstr(w2, "/./"), "%s", w2);
	dp_fake_ops.close(d2, false);
	dp_fake_ops.close(d3, false);

	snprintf(p2, sizeof(p2), "%s/other.json", tmpdir);
	ck_assert(fake_lock(p2, &n2, &w2, &d2));
	ck_assert_str_ne(n1, n2);
	dp_fake_ops.close(d1, false);
	dp_fake_ops.close(d2, false);

	/* In memory only: nobody else can see it, nothing to lock. */
	ck_assert(!fake_lock(NULL, &n1, &w1, &d1));
	dp_fake_ops.close(d1, false);
	rmdir(sub);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("lock");
	TCase *tc = tcase_create("lock");

	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, names);
	tcase_add_test(tc, exclusive_and_released);
	tcase_add_test(tc, stale_record);
	tcase_add_test(tc, waits_for_the_holder);
	tcase_add_test(tc, wait_times_out);
	tcase_add_test(tc, dead_holder_frees_the_lock);
	tcase_add_test(tc, fake_one_lock_per_state_file);
	suite_add_tcase(s, tc);
	return s;
}
