// SPDX-License-Identifier: GPL-2.0-only
/* Writer locks: flock(2) on a file in the run directory, see lock.h. */
#include "lib/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"

struct lb_lock {
	int fd;
	char path[PATH_MAX];
};

/* While waiting, try again this often: short first, then at most 100 ms. */
#define WAIT_FIRST_MS 10
#define WAIT_MAX_MS 100
/* Files removed under us by releasing holders before we give up. */
#define MAX_RELINKS 1000

/*
 * *in_tmp: the directory is in the world-writable /tmp, where anyone could
 * have made it first; it must then be checked before use.
 */
static const char *run_dir(char *buf, size_t len, bool *in_tmp)
{
	const char *env = getenv(LB_RUN_DIR_ENV), *xdg;

	*in_tmp = false;
	if (env && *env)
		snprintf(buf, len, "%s", env);
	else if (!geteuid())
		snprintf(buf, len, "%s", LB_RUN_DIR_DEFAULT);
	else if ((xdg = getenv("XDG_RUNTIME_DIR")) && *xdg)
		snprintf(buf, len, "%s/ballast", xdg);
	else {
		snprintf(buf, len, "/tmp/ballast-%lu",
			 (unsigned long)geteuid());
		*in_tmp = true;
	}
	return buf;
}

const char *lb_run_dir(char *buf, size_t len)
{
	bool in_tmp;

	return run_dir(buf, len, &in_tmp);
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

int lb_lock_name(char *buf, size_t len, const char *prefix, const char *key)
{
	size_t plen = strlen(prefix), klen = strlen(key), cap, room, n;
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a, 64 bits */
	bool plain = klen > 0;

	for (size_t i = 0; i < klen; i++) {
		h = (h ^ (unsigned char)key[i]) * 0x100000001b3ULL;
		plain &= name_char(key[i]);
	}
	cap = len < LB_LOCK_NAME_MAX + 1 ? len : LB_LOCK_NAME_MAX + 1;
	if (plain && plen + 1 + klen < cap) {
		snprintf(buf, len, "%s-%s", prefix, key);
		return 0;
	}
	/* prefix-TAIL-HASH: the tail of a path is its most telling part. */
	if (plen + 1 + 1 + 16 >= cap)
		return -ENAMETOOLONG;
	room = cap - 1 - (plen + 1 + 1 + 16);
	n = (size_t)snprintf(buf, len, "%s-", prefix);
	for (size_t i = klen > room ? klen - room : 0; i < klen; i++)
		buf[n++] = name_char(key[i]) ? key[i] : '_';
	snprintf(buf + n, len - n, "-%016" PRIx64, h);
	return 0;
}

/* ---- holder information ------------------------------------------------- */

static void own_cmdline(char *buf, size_t len)
{
	ssize_t n = 0;
	int fd;

	buf[0] = '\0';
	fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	/* Arguments are NUL-separated; a newline would end the record. */
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0' || buf[i] == '\n')
			buf[i] = ' ';
	while (n > 0 && buf[n - 1] == ' ')
		buf[--n] = '\0';
	if ((size_t)n == len - 1 && len > 4)
		memcpy(buf + len - 4, "...", 4);
}

/* Best effort: the file's content only informs other commands. */
static void write_holder(int fd)
{
	char cmd[sizeof(((struct lb_lock_holder *)0)->cmdline)], text[512];
	int n;

	own_cmdline(cmd, sizeof(cmd));
	n = snprintf(text, sizeof(text), "pid %ld\nsince %lld\ncmdline %s\n",
		     (long)getpid(), (long long)time(NULL), cmd);
	if (n < 0 || (size_t)n >= sizeof(text))
		return;
	if (ftruncate(fd, 0) || pwrite(fd, text, (size_t)n, 0) != n)
		lb_debug("lock: cannot record the holder: %s", strerror(errno));
}

static void read_holder(int fd, struct lb_lock_holder *h)
{
	char text[512], *line, *save = NULL;
	ssize_t n;

	memset(h, 0, sizeof(*h));
	n = pread(fd, text, sizeof(text) - 1, 0);
	if (n <= 0)
		return;
	text[n] = '\0';
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "pid ", 4))
			h->pid = (pid_t)strtol(line + 4, NULL, 10);
		else if (!strncmp(line, "since ", 6))
			h->since = (time_t)strtoll(line + 6, NULL, 10);
		else if (!strncmp(line, "cmdline ", 8))
			snprintf(h->cmdline, sizeof(h->cmdline), "%s",
				 line + 8);
	}
	/* Left by a holder that died: whoever holds the lock now is unknown. */
	if (h->pid <= 0 || (kill(h->pid, 0) && errno == ESRCH))
		memset(h, 0, sizeof(*h));
}

const char *lb_lock_holder_fmt(const struct lb_lock_holder *h, char *buf,
			       size_t len)
{
	char when[32] = "";
	struct tm tm, today;
	time_t now = time(NULL);

	if (!h->pid) {
		snprintf(buf, len, "another process");
		return buf;
	}
	if (h->since && localtime_r(&h->since, &tm) &&
	    localtime_r(&now, &today))
		strftime(when, sizeof(when),
			 tm.tm_yday == today.tm_yday &&
				 tm.tm_year == today.tm_year
			     ? " since %H:%M:%S"
			     : " since %Y-%m-%d %H:%M:%S",
			 &tm);
	snprintf(buf, len, "pid %ld%s%s%s%s", (long)h->pid,
		 h->cmdline[0] ? " (" : "", h->cmdline,
		 h->cmdline[0] ? ")" : "", when);
	return buf;
}

/* ---- taking and releasing ----------------------------------------------- */

static int try_lock(int fd)
{
	while (flock(fd, LOCK_EX | LOCK_NB)) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/*
 * Try again until the deadline. flock has no timeout, and interrupting a
 * blocking one takes a signal handler, which a library must not install
 * (the daemon takes its signals through signalfd).
 */
static int wait_lock(int fd, uint64_t deadline)
{
	uint64_t delay = WAIT_FIRST_MS * 1000, now; /* microseconds */
	int ret;

	for (;;) {
		struct timespec ts;

		now = now_us();
		if (now >= deadline)
			return -ETIMEDOUT;
		if (delay > deadline - now)
			delay = deadline - now;
		ts.tv_sec = (time_t)(delay / 1000000);
		ts.tv_nsec = (long)(delay % 1000000) * 1000;
		nanosleep(&ts, NULL);
		ret = try_lock(fd);
		if (ret != -EWOULDBLOCK)
			return ret;
		delay = delay * 2 > WAIT_MAX_MS * 1000 ? WAIT_MAX_MS * 1000
						       : delay * 2;
	}
}

/*
 * Whether the file we locked is still the one at path: a holder removes the
 * file when it releases, so whoever waited on the old one locks a file nobody
 * else will open, and must start over with the new one.
 */
static bool still_linked(int fd, const char *path)
{
	struct stat a, b;

	return !fstat(fd, &a) && !stat(path, &b) && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

static int open_dir_and_file(struct lb_lock *l, const char *name)
{
	char dir[PATH_MAX];
	struct stat sb;
	bool in_tmp;
	int ret, n;

	run_dir(dir, sizeof(dir), &in_tmp);
	if (mkdir(dir, 0700) && errno != EEXIST) {
		ret = -errno;
		lb_err("cannot create the lock directory %s: %s (set %s to a "
		       "writable directory)",
		       dir, strerror(-ret), LB_RUN_DIR_ENV);
		return ret;
	}
	if (in_tmp && (lstat(dir, &sb) || !S_ISDIR(sb.st_mode) ||
		       sb.st_uid != geteuid() || (sb.st_mode & 022))) {
		lb_err(
		    "the lock directory %s is not a directory of this user's "
		    "that only it can write; remove it, or set %s",
		    dir, LB_RUN_DIR_ENV);
		return -EPERM;
	}
	n = snprintf(l->path, sizeof(l->path), "%s/%s.lock", dir, name);
	if (n < 0 || (size_t)n >= sizeof(l->path))
		return -ENAMETOOLONG;
	return 0;
}

int lb_lock_acquire(const char *name, const struct lb_lock_opts *opts,
		    struct lb_lock **out, struct lb_lock_holder *holder)
{
	uint32_t wait_ms = opts ? opts->wait_ms : 0;
	uint64_t deadline = now_us() + (uint64_t)wait_ms * 1000;
	struct lb_lock_holder scratch;
	bool told = false;
	struct lb_lock *l;
	int ret, tries = 0;

	*out = NULL;
	if (!holder)
		holder = &scratch;
	memset(holder, 0, sizeof(*holder));
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->fd = -1;
	ret = open_dir_and_file(l, name);
	if (ret)
		goto fail;
	for (;;) {
		l->fd = open(l->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
			     0600);
		if (l->fd < 0) {
			ret = -errno;
			lb_err("cannot open the lock file %s: %s (set %s to a "
			       "writable directory)",
			       l->path, strerror(-ret), LB_RUN_DIR_ENV);
			goto fail;
		}
		ret = try_lock(l->fd);
		if (ret == -EWOULDBLOCK && wait_ms) {
			if (!told && opts->on_wait) {
				read_holder(l->fd, holder);
				opts->on_wait(holder, opts->arg);
			}
			told = true;
			ret = wait_lock(l->fd, deadline);
		}
		if (ret == -EWOULDBLOCK || ret == -ETIMEDOUT) {
			read_holder(l->fd, holder);
			goto fail;
		}
		if (ret) {
			lb_err("cannot lock %s: %s", l->path, strerror(-ret));
			goto fail;
		}
		if (still_linked(l->fd, l->path))
			break;
		if (++tries == MAX_RELINKS) {
			lb_err("cannot lock %s: it keeps being replaced",
			       l->path);
			ret = -EBUSY;
			goto fail;
		}
		close(l->fd);
		l->fd = -1;
	}
	write_holder(l->fd);
	*out = l;
	return 0;
fail:
	if (l->fd >= 0)
		close(l->fd);
	free(l);
	return ret;
}

/*
 * Remove the file, then let go: a lock name per state file would otherwise
 * leave a file behind for every state file ever used. Someone blocked on the
 * removed file notices (still_linked) and takes a new one.
 */
void lb_lock_release(struct lb_lock *l)
{
	if (!l)
		return;
	if (unlink(l->path))
		lb_debug("lock: cannot remove %s: %s", l->path,
			 strerror(errno));
	close(l->fd);
	free(l);
}

const char *lb_lock_path(const struct lb_lock *l)
{
	return l->path;
}
