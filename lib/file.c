// SPDX-License-Identifier: GPL-2.0-only
#include "lib/file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int lb_read_file(const char *path, size_t max, char **buf, size_t *len)
{
	struct stat st;
	size_t cap, n = 0;
	char *b = NULL;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		err = -EISDIR;
		goto out;
	}
	if ((size_t)st.st_size > max) {
		err = -EFBIG;
		goto out;
	}
	/* The size plus one: reading the end of file needs no second buffer. */
	cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 4096;
	b = malloc(cap);
	if (!b) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t r;

		if (n == cap) { /* the file grew since fstat */
			char *nb;

			if (cap > max) {
				err = -EFBIG;
				goto out;
			}
			nb = realloc(b, cap * 2);
			if (!nb) {
				err = -ENOMEM;
				goto out;
			}
			b = nb;
			cap *= 2;
		}
		r = read(fd, b + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto out;
		}
		if (!r)
			break;
		n += (size_t)r;
	}
	if (n == cap) {
		char *nb = realloc(b, cap + 1);

		if (!nb) {
			err = -ENOMEM;
			goto out;
		}
		b = nb;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	b = NULL;
out:
	free(b);
	close(fd);
	return err;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Make the rename itself durable. Best effort: some filesystems refuse. */
static void sync_dir(const char *path)
{
	char *copy = strdup(path);
	int fd;

	if (!copy)
		return;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(copy);
}

/* st: the mode and owner to give the new file, or NULL for 0600, ours. */
static int write_atomic(const char *path, const char *buf, size_t len,
			const struct stat *st)
{
	char *tmp = NULL;
	int fd, ret;

	if (asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0)
		return -ENOMEM;
	fd = mkstemp(tmp);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	ret = write_all(fd, buf, len);
	/* Before the rename: never a moment with other permissions. */
	if (!ret && st && fchmod(fd, st->st_mode & 07777))
		ret = -errno;
	if (!ret && st && fchown(fd, st->st_uid, st->st_gid))
		ret = -errno;
	if (!ret && fsync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	else
		sync_dir(path);
out:
	free(tmp);
	return ret;
}

int lb_write_file_atomic(const char *path, const char *buf, size_t len)
{
	return write_atomic(path, buf, len, NULL);
}

int lb_write_file_like(const char *path, const char *buf, size_t len,
		       mode_t mode, uid_t uid, gid_t gid)
{
	struct stat st = {.st_mode = mode, .st_uid = uid, .st_gid = gid};

	return write_atomic(path, buf, len, &st);
}
