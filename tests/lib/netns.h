/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * For tests against the kernel, run in Check's forked child: a network
 * namespace of the child's own (gone when the child exits), and shell
 * commands that must succeed (`ip` builds links and routes).
 */
#ifndef BALLAST_TESTS_LIB_NETNS_H
#define BALLAST_TESTS_LIB_NETNS_H

/* Run a shell command; the test fails when it does not exit 0. */
void t_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Move into a fresh network namespace with lo up. */
void t_own_netns(void);

#endif
