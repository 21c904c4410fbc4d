/* SPDX-License-Identifier: GPL-2.0-only */
/* Whole files in one buffer. */
#ifndef BALLAST_LIB_FILE_H
#define BALLAST_LIB_FILE_H

#include <stddef.h>

/*
 * Read the file at path into a new buffer (*buf, to free; NUL-terminated,
 * the NUL not counted in *len) with as few read(2)s as its size allows.
 * 0, or -errno from open/read, -EISDIR, -EFBIG beyond max bytes, -ENOMEM.
 */
int lb_read_file(const char *path, size_t max, char **buf, size_t *len)
    __attribute__((warn_unused_result));

#endif
