// SPDX-License-Identifier: GPL-2.0-only
/* The fake dataplane driver: open, read, apply, stats, close. */
#include "dataplane/fake/fake.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dataplane/fake/fake_state.h"
#include "lib/lock.h"
#include "lib/log.h"

#define ERR_LEN 512

/*
 * What identifies one version of the state file: every writer replaces it by
 * rename, so a new version has a new inode, size or times.
 */
struct file_stamp {
	bool valid;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

struct dp {
	struct rc_state st; /* in memory; mirrors the file when one is used */
	struct file_stamp stamp; /* the file version st mirrors */
	char *path;		 /* state file, or NULL */
	char *lock_path;	 /* FILE.lock: one apply's atomicity */
	char lock_name[LB_LOCK_NAME_MAX + 1]; /* the instance's writer lock */
	char *lock_what;		      /* "fake (state /abs/path)" */
	bool read_only;
	struct dp_fake_fault *faults;
	size_t n_faults;
	unsigned long op_seq; /* ops attempted through this handle */
	uint64_t n_applies;
	uint64_t n_ok;
	uint64_t n_failed;
	uint64_t n_injected;
};

/* ---- faults -------------------------------------------------------------- */

static int parse_errno(const char *s, int *out)
{
	char *end;
	long v;

	if (*s >= '0' && *s <= '9') {
		errno = 0;
		v = strtol(s, &end, 10);
		if (errno || *end || v <= 0 || v > 4095)
			return -EINVAL;
		*out = (int)v;
		return 0;
	}
	/* Names as glibc spells them; errno values are below 256 on Linux. */
	for (int e = 1; e < 256; e++) {
		const char *name = strerrorname_np(e);

		if (name && !strcmp(name, s)) {
			*out = e;
			return 0;
		}
	}
	return -EINVAL;
}

int dp_fake_faults_parse(const char *spec, struct dp_fake_fault **out,
			 size_t *n_out, char *err, size_t errlen)
{
	struct dp_fake_fault *faults = NULL;
	char *copy, *save = NULL, *tok;
	size_t n = 0, cap = 0;
	int ret = 0;

	*out = NULL;
	*n_out = 0;
	if (!spec || !*spec)
		return 0;
	copy = strdup(spec);
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(tok, ':'), *end;
		unsigned long num;
		int e;

		if (!colon) {
			snprintf(err, errlen,
				 "fault '%s': expected N:ERRNO, e.g. 3:EBUSY",
				 tok);
			ret = -EINVAL;
			goto fail;
		}
		*colon = '\0';
		errno = 0;
		num = strtoul(tok, &end, 10);
		if (errno || *end || !num || *tok == '-') {
			snprintf(err, errlen,
				 "fault '%s:%s': N must be an operation number "
				 "from 1",
				 tok, colon + 1);
			ret = -EINVAL;
			goto fail;
		}
		if (parse_errno(colon + 1, &e)) {
			snprintf(err, errlen,
				 "fault '%s:%s': unknown errno (use a name "
				 "like EBUSY or a number)",
				 tok, colon + 1);
			ret = -EINVAL;
			goto fail;
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 4;
			struct dp_fake_fault *p =
			    realloc(faults, ncap * sizeof(*p));

			if (!p) {
				ret = -ENOMEM;
				goto fail;
			}
			faults = p;
			cap = ncap;
		}
		faults[n].n = num;
		faults[n].err = e;
		n++;
	}
	if (!n) {
		snprintf(err, errlen, "fault spec '%s' names no fault", spec);
		ret = -EINVAL;
		goto fail;
	}
	free(copy);
	*out = faults;
	*n_out = n;
	return 0;
fail:
	free(copy);
	free(faults);
	return ret;
}

static int injected_fault(const struct dp *dp, unsigned long seq)
{
	for (size_t i = 0; i < dp->n_faults; i++)
		if (dp->faults[i].n == seq)
			return -dp->faults[i].err;
	return 0;
}

/* ---- locking ------------------------------------------------------------- */

/* Writers serialise on FILE.lock; readers rely on the atomic rename. */
static int lock_state(const struct dp *dp, int *fd_out)
{
	int fd, ret;

	fd = open(dp->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		lb_err("fake dataplane: %s: cannot open lock file: %s",
		       dp->lock_path, strerror(-ret));
		return ret;
	}
	while (flock(fd, LOCK_EX)) {
		if (errno == EINTR)
			continue;
		ret = -errno;
		lb_err("fake dataplane: %s: cannot lock: %s", dp->lock_path,
		       strerror(-ret));
		close(fd);
		return ret;
	}
	*fd_out = fd;
	return 0;
}

static void unlock_state(int fd)
{
	if (fd >= 0)
		close(fd); /* releases the flock */
}

/* ---- ops ----------------------------------------------------------------- */

static void fake_close(struct dp *dp, bool detach)
{
	/*
	 * Even with detach the state file stays: it is the "kernel" other
	 * invocations read, and removing it would make them see an empty
	 * dataplane that nobody emptied.
	 */
	if (!dp)
		return;
	rc_state_free(&dp->st);
	free(dp->path);
	free(dp->lock_path);
	free(dp->lock_what);
	free(dp->faults);
	free(dp);
}

static void stamp_of(const char *path, struct file_stamp *s)
{
	struct stat st;

	memset(s, 0, sizeof(*s));
	if (stat(path, &st))
		return;
	s->valid = true;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->size = st.st_size;
	s->mtime = st.st_mtim;
	s->ctime = st.st_ctim;
}

static bool stamp_eq(const struct file_stamp *a, const struct file_stamp *b)
{
	return a->valid && b->valid && a->dev == b->dev && a->ino == b->ino &&
	       a->size == b->size && a->mtime.tv_sec == b->mtime.tv_sec &&
	       a->mtime.tv_nsec == b->mtime.tv_nsec &&
	       a->ctime.tv_sec == b->ctime.tv_sec &&
	       a->ctime.tv_nsec == b->ctime.tv_nsec;
}

static int load_file(const struct dp *dp, struct rc_state *out)
{
	char err[ERR_LEN];
	int ret;

	ret = dp_fake_state_load(dp->path, out, err, sizeof(err));
	if (ret)
		lb_err("fake dataplane: %s", err);
	return ret;
}

/*
 * The state file's absolute path with its directory resolved (symlinks, ".."),
 * so a file has one writer lock however a command names it. The file itself
 * may not exist yet, and is replaced by rename on every save, so only the
 * directory is resolved.
 */
static char *abs_state_path(const char *path)
{
	char *d = strdup(path), *b = strdup(path), *dir = NULL, *abs = NULL;
	int n = -1;

	if (!d || !b)
		goto out;
	dir = realpath(dirname(d), NULL);
	if (dir)
		n = asprintf(&abs, "%s/%s", strcmp(dir, "/") ? dir : "",
			     basename(b));
	else if (path[0] == '/') /* a missing directory: as written */
		n = asprintf(&abs, "%s", path);
	else if ((dir = getcwd(NULL, 0)))
		n = asprintf(&abs, "%s/%s", dir, path);
	if (n < 0)
		abs = NULL;
out:
	free(dir);
	free(d);
	free(b);
	return abs;
}

static int set_lock_id(struct dp *dp)
{
	char *abs = abs_state_path(dp->path);
	int ret = -ENOMEM;

	if (!abs)
		return -ENOMEM;
	ret = lb_lock_name(dp->lock_name, sizeof(dp->lock_name), "fake", abs);
	if (!ret && asprintf(&dp->lock_what, "fake (state %s)", abs) < 0) {
		dp->lock_what = NULL;
		ret = -ENOMEM;
	}
	free(abs);
	return ret;
}

/*
 * The state is not read here: a writer takes the instance's lock after open,
 * and what it plans from must be read inside that lock. A corrupt file is
 * reported by the first read.
 */
static int fake_open(struct dp **out, const struct dp_open_args *args)
{
	const char *path = dp_open_option(args, DP_FAKE_OPT_STATE);
	char err[ERR_LEN];
	struct dp *dp;
	int ret;

	*out = NULL;
	dp = calloc(1, sizeof(*dp));
	if (!dp)
		return -ENOMEM;
	rc_state_init(&dp->st);
	dp->read_only = args->read_only;
	ret = dp_fake_faults_parse(dp_open_option(args, DP_FAKE_OPT_FAULTS),
				   &dp->faults, &dp->n_faults,
				   err, sizeof(err));
	if (ret) {
		if (ret == -EINVAL)
			lb_err("fake dataplane: %s", err);
		goto fail;
	}
	if ((!path || !*path) && args->cfg)
		path = args->cfg->dataplane.fake.state_file;
	if (path && *path) {
		dp->path = strdup(path);
		if (!dp->path ||
		    asprintf(&dp->lock_path, "%s.lock", path) < 0) {
			dp->lock_path = NULL;
			ret = -ENOMEM;
			goto fail;
		}
		ret = set_lock_id(dp);
		if (ret)
			goto fail;
	}
	*out = dp;
	return 0;
fail:
	fake_close(dp, false);
	return ret;
}

/* Without a state file the table lives in this process: nothing to lock. */
static bool fake_lock_id(const struct dp *dp, const char **name,
			 const char **what)
{
	if (!dp->path)
		return false;
	*name = dp->lock_name;
	*what = dp->lock_what;
	return true;
}

/*
 * The file is the live state: another process may have applied. It is
 * parsed again only when it is another version than the one in memory (a
 * stat instead of parsing the whole table on every read: a daemon reads a
 * few services each tick). stat before load: a version written in between
 * leaves an old stamp, so the next read loads again.
 */
static int refresh(struct dp *dp)
{
	struct file_stamp now;
	struct rc_state tmp;
	int ret;

	if (!dp->path)
		return 0;
	stamp_of(dp->path, &now);
	if (stamp_eq(&now, &dp->stamp))
		return 0;
	rc_state_init(&tmp);
	ret = load_file(dp, &tmp);
	if (ret)
		return ret;
	rc_state_free(&dp->st);
	dp->st = tmp;
	dp->stamp = now;
	return 0;
}

static int fake_read(struct dp *dp, struct rc_state *actual)
{
	int ret = refresh(dp);

	return ret ? ret : rc_state_copy(actual, &dp->st);
}

static int key_cmp(const void *a, const void *b)
{
	return rc_svc_key_cmp(a, b);
}

/* Copies only the services asked for, not the whole table. */
static int fake_read_services(struct dp *dp, const struct rc_svc_key *keys,
			      size_t n, struct rc_state *actual)
{
	struct rc_svc_key *sorted;
	int ret = refresh(dp);

	if (ret)
		return ret;
	sorted = malloc((n ? n : 1) * sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	memcpy(sorted, keys, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), key_cmp);
	for (size_t i = 0; i < n && !ret; i++) {
		const struct rc_service *s;
		struct rc_service *d;

		if (i && !rc_svc_key_cmp(&sorted[i - 1], &sorted[i]))
			continue;
		s = rc_state_find(&dp->st, &sorted[i]);
		if (!s)
			continue;
		d = rc_state_add_service(actual, &s->key);
		if (!d) {
			ret = -ENOMEM;
			break;
		}
		*d = *s;
		d->reals = NULL;
		d->n_reals = d->cap_reals = 0;
		if (!s->n_reals)
			continue;
		d->reals = malloc(s->n_reals * sizeof(*d->reals));
		if (!d->reals) {
			ret = -ENOMEM;
			break;
		}
		memcpy(d->reals, s->reals, s->n_reals * sizeof(*d->reals));
		d->n_reals = d->cap_reals = s->n_reals;
	}
	free(sorted);
	return ret ? ret : rc_state_sort(actual);
}

static void set_detail(struct dp_result *res, size_t i, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_detail(struct dp_result *res, size_t i, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (!res->detail)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	free(res->detail[i]);
	res->detail[i] = s;
}

static void fail_all(struct dp_result *res, int err, const char *why)
{
	for (size_t i = 0; i < res->n; i++) {
		res->err[i] = err;
		set_detail(res, i, "%s", why);
	}
	res->n_ok = 0;
	res->n_failed = res->n;
}

static int fake_apply(struct dp *dp, const struct rc_plan *plan,
		      struct dp_result *res)
{
	struct rc_state work;
	char err[ERR_LEN];
	int lock_fd = -1, first = 0, ret;

	ret = dp_result_alloc(res, plan->n);
	if (ret)
		return ret;
	if (!plan->n)
		return 0;
	if (dp->read_only) {
		fail_all(res, -EROFS, "dataplane opened read-only");
		return -EROFS;
	}
	dp->n_applies++;

	/* Work on a copy: only a state that was fully reached is kept. */
	rc_state_init(&work);
	if (dp->path) {
		ret = lock_state(dp, &lock_fd);
		if (!ret)
			ret = load_file(dp, &work);
	} else {
		ret = rc_state_copy(&work, &dp->st);
	}
	if (ret) {
		fail_all(res, ret, "cannot read the current state");
		dp->n_failed += res->n;
		goto out;
	}

	for (size_t i = 0; i < plan->n; i++) {
		int e = injected_fault(dp, ++dp->op_seq);

		if (e) {
			dp->n_injected++;
			set_detail(res, i, "injected fault at operation %lu",
				   dp->op_seq);
		} else {
			e = dp_fake_apply_op(&work, &plan->ops[i]);
		}
		res->err[i] = e;
		if (e) {
			res->n_failed++;
			if (!first)
				first = e;
		} else {
			res->n_ok++;
		}
	}

	if (dp->path) {
		ret = dp_fake_state_save(dp->path, &work, err, sizeof(err));
		if (ret) {
			/* Nothing reached the "kernel": every op failed. */
			lb_err("fake dataplane: %s", err);
			fail_all(res, ret, err);
			dp->n_failed += res->n;
			goto out;
		}
	}
	rc_state_free(&dp->st);
	dp->st = work;
	rc_state_init(&work);
	if (dp->path)
		stamp_of(dp->path, &dp->stamp); /* still under FILE.lock */
	dp->n_ok += res->n_ok;
	dp->n_failed += res->n_failed;
	ret = first;
out:
	unlock_state(lock_fd);
	rc_state_free(&work);
	return ret;
}

static int fake_stats(struct dp *dp, struct dp_stats *out)
{
	const struct {
		const char *name;
		uint64_t value;
	} c[] = {
	    {"applies", dp->n_applies},
	    {"ops_applied", dp->n_ok},
	    {"ops_failed", dp->n_failed},
	    {"faults_injected", dp->n_injected},
	    {"services", dp->st.n},
	    {"reals", rc_state_count_reals(&dp->st)},
	};
	size_t n = sizeof(c) / sizeof(c[0]);

	memset(out, 0, sizeof(*out));
	out->counters = calloc(n, sizeof(*out->counters));
	if (!out->counters)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		snprintf(out->counters[i].name, sizeof(out->counters[i].name),
			 "%s", c[i].name);
		out->counters[i].value = c[i].value;
	}
	out->n = n;
	return 0;
}

int dp_fake_seed(struct dp *dp, const struct rc_state *st)
{
	struct rc_state tmp;
	char err[ERR_LEN];
	int lock_fd = -1, ret;

	if (dp->read_only)
		return -EROFS;
	rc_state_init(&tmp);
	ret = rc_state_copy(&tmp, st);
	if (!ret)
		ret = rc_state_sort(&tmp);
	if (ret)
		goto out;
	if (dp->path) {
		ret = lock_state(dp, &lock_fd);
		if (!ret)
			ret = dp_fake_state_save(dp->path, &tmp, err,
						 sizeof(err));
		if (ret) {
			if (lock_fd >= 0)
				lb_err("fake dataplane: %s", err);
			goto out;
		}
	}
	rc_state_free(&dp->st);
	dp->st = tmp;
	rc_state_init(&tmp);
out:
	unlock_state(lock_fd);
	rc_state_free(&tmp);
	return ret;
}

const struct dp_ops dp_fake_ops = {
    .name = "fake",
    .driver = CFG_DRIVER_FAKE,
    .open = fake_open,
    .lock_id = fake_lock_id,
    .read = fake_read,
    .read_services = fake_read_services,
    .apply = fake_apply,
    .stats = fake_stats,
    .close = fake_close,
};
