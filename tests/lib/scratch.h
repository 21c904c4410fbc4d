/* SPDX-License-Identifier: GPL-2.0-only */
/* A scratch directory for a unit test binary, removed with what it holds. */
#ifndef BALLAST_TESTS_SCRATCH_H
#define BALLAST_TESTS_SCRATCH_H

#include <stddef.h>

/*
 * Make $TMPDIR/PREFIX-XXXXXX (else under /tmp) into buf; abort when it
 * cannot (nothing can be tested). Call from an unchecked fixture: those run
 * in the parent, so the removal survives a failed test.
 */
void test_scratch_make(char *buf, size_t len, const char *prefix);
/* Remove the directory and everything a test (or a failed one) left. */
void test_scratch_remove(const char *dir);

#endif
