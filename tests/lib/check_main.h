/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every Check test binary defines test_suite() and links check_main.c, which
 * runs it and records the counts for `make check`.
 */
#ifndef BALLAST_TESTS_CHECK_MAIN_H
#define BALLAST_TESTS_CHECK_MAIN_H

#include <check.h>

Suite *test_suite(void);

/* Directory of the source tree (for fixtures), from $BALLAST_SRCDIR or ".". */
const char *test_srcdir(void);

#endif
