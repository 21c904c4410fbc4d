/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Writer locks: one per dataplane instance, so that two commands (two
 * operators, or an operator beside the daemon) never plan from one state and
 * apply over the other's changes. A writer takes the lock before it reads the
 * dataplane and holds it through apply and read-back.
 *
 * A lock is flock(2) on RUN_DIR/NAME.lock. The kernel drops it when the
 * holder's last descriptor closes, so a crashed holder never blocks anyone.
 * The holder writes its pid, start time and command line into the file so a
 * blocked command can say who holds it; that content is informational only
 * and may be stale (a crashed holder's) or missing. A holder removes the file
 * when it releases (a waiter on the removed file notices and starts over), so
 * per-file lock names leave nothing behind.
 */
#ifndef BALLAST_LIB_LOCK_H
#define BALLAST_LIB_LOCK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/* Overrides the run directory (tests, several installations side by side). */
#define LB_RUN_DIR_ENV "BALLAST_RUN_DIR"
#define LB_RUN_DIR_DEFAULT "/run/ballast"

/* Longest lock name, without ".lock" (well below NAME_MAX). */
#define LB_LOCK_NAME_MAX 128

struct lb_lock;

/* Who holds a lock, as its file says. Zero / empty fields are unknown. */
struct lb_lock_holder {
	pid_t pid;
	time_t since;	   /* when it took the lock (wall clock) */
	char cmdline[256]; /* its arguments joined by spaces, maybe cut */
};

/*
 * The directory locks live in: $BALLAST_RUN_DIR when set; else /run/ballast
 * for root; else $XDG_RUNTIME_DIR/ballast when that is set (a user running
 * the fake dataplane cannot create /run/ballast); else /tmp/ballast-UID,
 * used only when it is the user's own directory that no one else can write.
 * Returns buf.
 */
const char *lb_run_dir(char *buf, size_t len);

/*
 * A lock name for `key` under `prefix` ("ipvs", "fake", "xdp"): prefix-key
 * when key is made of [A-Za-z0-9._-] and short; otherwise the key with every
 * other byte replaced by '_', shortened from the front, followed by a hash of
 * the whole key so distinct keys keep distinct names. 0, or -ENAMETOOLONG
 * when len is too small for any name.
 */
int lb_lock_name(char *buf, size_t len, const char *prefix, const char *key)
    __attribute__((warn_unused_result));

struct lb_lock_opts {
	uint32_t wait_ms; /* 0: fail at once when held */
	/* Called once when the lock is held and the caller is about to wait. */
	void (*on_wait)(const struct lb_lock_holder *holder, void *arg);
	void *arg;
};

/*
 * Take the lock `name` (see lb_lock_name) in the run directory, creating the
 * directory (0700) and the file (0600) when missing, and record this process
 * as the holder. Returns 0 with *out set; -EWOULDBLOCK (wait_ms 0) or
 * -ETIMEDOUT when another process holds it, with *holder filled; another
 * negative errno when the directory or file cannot be used (logged, naming
 * the path). opts may be NULL (no wait).
 */
int lb_lock_acquire(const char *name, const struct lb_lock_opts *opts,
		    struct lb_lock **out, struct lb_lock_holder *holder)
    __attribute__((warn_unused_result));

/*
 * Remove the lock file and release; NULL is fine. The process ending releases
 * too, leaving the file (and its record, then stale) for the next holder.
 */
void lb_lock_release(struct lb_lock *lock);

/* The lock file's path (valid until release). */
const char *lb_lock_path(const struct lb_lock *lock);

/*
 * "pid 1234 (ballast apply -c /etc/ballast/ballast.yaml) since 12:00:01",
 * leaving out what is unknown ("another process" when nothing is). Returns
 * buf.
 */
const char *lb_lock_holder_fmt(const struct lb_lock_holder *holder, char *buf,
			       size_t len);

#endif
