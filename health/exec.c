// SPDX-License-Identifier: GPL-2.0-only
/*
 * exec: run the configured command (argv as given, never through a shell)
 * with the real in its environment; exit status 0 is a success. The child's
 * end is watched through a pidfd on the loop; at the timeout its whole
 * process group is killed and reaped without blocking; children killed but
 * not yet reaped stay on the engine's list so that freeing it reaps them.
 */
#include "health/health_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/log.h"

/* A killed child still to be reaped from the loop. */
struct hc_reaper {
	struct hc_reaper *next;
	struct hc_reaper **pprev;
	pid_t pid;
	struct lb_watch w; /* the child's pidfd */
};

struct exec_run {
	pid_t pid; /* 0 once reaped */
	struct lb_loop *loop;
};

static int pidfd_open_(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static void exec_ready(struct lb_loop *loop, struct lb_watch *w, uint32_t ev)
{
	struct hc_target *t = w->arg;
	struct exec_run *r = t->run;
	int status;

	if (waitpid(r->pid, &status, WNOHANG) != r->pid)
		return;
	r->pid = 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		hc_probe_done(t, HC_R_OK, "exit 0");
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		hc_probe_done(t, HC_R_FAIL, "exit 127 (command not found?)");
	else if (WIFEXITED(status))
		hc_probe_done(t, HC_R_FAIL, "exit %d", WEXITSTATUS(status));
	else
		hc_probe_done(t, HC_R_FAIL, "killed by signal %d",
			      WTERMSIG(status));
}

static int exec_start(struct hc_target *t)
{
	const struct cfg_health *h = t->h;
	char addr[LB_ADDR_STRLEN], e_addr[LB_ADDR_STRLEN + 32], e_port[48],
	    e_fam[40], e_to[48], e_type[40];
	char *envp[] = {
	    e_addr,
	    e_port,
	    e_fam,
	    e_to,
	    e_type,
	    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	    NULL};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	struct exec_run *r;
	int err, fd;

	/* Refresh from the live config: a reload may have replaced it. */
	for (size_t i = 0; i < h->n_command; i++)
		((const char **)t->prep)[i] = h->command[i];
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->loop = hc_target_loop(t);
	snprintf(e_addr, sizeof(e_addr), "BALLAST_REAL_ADDRESS=%s",
		 lb_addr_fmt(&t->addr, addr, sizeof(addr)));
	snprintf(e_port, sizeof(e_port), "BALLAST_REAL_PORT=%u", t->port);
	snprintf(e_fam, sizeof(e_fam), "BALLAST_REAL_FAMILY=%s",
		 t->addr.family == AF_INET6 ? "inet6" : "inet");
	snprintf(e_to, sizeof(e_to), "BALLAST_CHECK_TIMEOUT_MS=%u",
		 h->timeout_ms);
	snprintf(e_type, sizeof(e_type), "BALLAST_CHECK=exec");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawnattr_init(&at);
	/* Own process group, so a timeout kills the command's children too. */
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP |
					  POSIX_SPAWN_SETSIGMASK |
					  POSIX_SPAWN_SETSIGDEF);
	{
		sigset_t none, all;

		sigemptyset(&none);
		sigfillset(&all);
		posix_spawnattr_setsigmask(&at, &none);
		posix_spawnattr_setsigdefault(&at, &all);
	}
	err = posix_spawn(&r->pid, h->command[0], &fa, &at,
			  (char *const *)t->prep, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (err) {
		free(r);
		hc_probe_done(
		    t, hc_errno_internal(err) ? HC_R_INTERNAL : HC_R_FAIL,
		    "cannot run %s: %s", h->command[0], strerror(err));
		return 0;
	}
	t->run = r;
	fd = pidfd_open_(r->pid);
	if (fd < 0)
		return -errno;
	err = lb_loop_watch_add(r->loop, &t->w, fd, EPOLLIN, exec_ready, t);
	if (err)
		close(fd);
	return err;
}

static void reaper_add(struct hc_engine *e, struct hc_reaper *r)
{
	r->next = e->reapers;
	if (r->next)
		r->next->pprev = &r->next;
	r->pprev = &e->reapers;
	e->reapers = r;
}

static void reaper_del(struct hc_reaper *r)
{
	*r->pprev = r->next;
	if (r->next)
		r->next->pprev = r->pprev;
}

/* Children were SIGKILLed: waiting for them is brief. */
void hc_exec_reap_all(struct hc_engine *e)
{
	while (e->reapers) {
		struct hc_reaper *r = e->reapers;

		reaper_del(r);
		waitpid(r->pid, NULL, 0);
		lb_loop_watch_close(e->loop, &r->w);
		free(r);
	}
}

static void reap_ready(struct lb_loop *loop, struct lb_watch *w, uint32_t ev)
{
	struct hc_reaper *r = w->arg;
	pid_t p = waitpid(r->pid, NULL, WNOHANG);

	if (p == r->pid || (p < 0 && errno == ECHILD)) {
		reaper_del(r);
		lb_loop_watch_close(loop, &r->w);
		free(r);
	}
}

static void exec_stop(struct hc_target *t)
{
	struct exec_run *r = t->run;
	struct hc_reaper *rp;
	int fd;

	t->run = NULL;
	if (!r || !r->pid) {
		lb_loop_watch_close(hc_target_loop(t), &t->w);
		free(r);
		return;
	}
	/* Still running (timeout or shutdown): kill, then reap on the loop. */
	kill(-r->pid, SIGKILL);
	kill(r->pid, SIGKILL);
	fd = t->w.fd;
	lb_loop_watch_del(r->loop, &t->w);
	rp = calloc(1, sizeof(*rp));
	if (fd >= 0 && rp && waitpid(r->pid, NULL, WNOHANG) != r->pid) {
		rp->pid = r->pid;
		lb_watch_init(&rp->w);
		if (lb_loop_watch_add(r->loop, &rp->w, fd, EPOLLIN, reap_ready,
				      rp) == 0) {
			reaper_add(t->e, rp);
			free(r);
			return;
		}
	}
	/* Already reaped, or it cannot be watched (left to init). */
	if (fd >= 0)
		close(fd);
	free(rp);
	free(r);
}

/* The config's argv is counted; posix_spawn wants it NULL-terminated. */
static int exec_prepare(struct hc_target *t)
{
	const struct cfg_health *h = t->h;
	const char **argv;

	if (!h->n_command || !h->command || !h->command[0] ||
	    h->command[0][0] != '/') {
		lb_err("health: exec check needs a command whose first word is "
		       "an absolute path");
		return -EINVAL;
	}
	argv = calloc(h->n_command + 1, sizeof(*argv));
	if (!argv)
		return -ENOMEM;
	for (size_t i = 0; i < h->n_command; i++)
		argv[i] = h->command[i];
	t->prep = argv;
	return 0;
}

static void exec_unprepare(struct hc_target *t)
{
	free(t->prep);
	t->prep = NULL;
}

const struct hc_probe_ops hc_exec_ops = {
    .name = "exec",
    .prepare = exec_prepare,
    .unprepare = exec_unprepare,
    .start = exec_start,
    .stop = exec_stop,
};
