/* SPDX-License-Identifier: GPL-2.0-only */
/* Whole files in one buffer. */
#ifndef BALLAST_LIB_FILE_H
#define BALLAST_LIB_FILE_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Read the file at path into a new buffer (*buf, to free; NUL-terminated,
 * the NUL not counted in *len) with as few read(2)s as its size allows.
 * 0, or -errno from open/read, -EISDIR, -EFBIG beyond max bytes, -ENOMEM.
 */
int lb_read_file(const char *path, size_t max, char **buf, size_t *len)
    __attribute__((warn_unused_result));

/*
 * Replace the file at path with buf atomically: a temporary file (0600) in
 * the same directory, written and fsync'ed, renamed over path, then the
 * directory fsync'ed (best effort: some filesystems refuse), so a reader
 * sees the old or the new content and a crash keeps one of them.
 * 0 or -errno.
 */
int lb_write_file_atomic(const char *path, const char *buf, size_t len)
    __attribute__((warn_unused_result));

/*
 * The same, the new file taking `mode` (permission bits) and the owner
 * uid:gid before it replaces path: a file someone else reads (frr.conf,
 * group frr, 0640) keeps its permissions. -EPERM when the owner cannot be
 * given (not root, another owner).
 */
int lb_write_file_like(const char *path, const char *buf, size_t len,
		       mode_t mode, uid_t uid, gid_t gid)
    __attribute__((warn_unused_result));

#endif
