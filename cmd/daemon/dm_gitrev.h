/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The git revision a config file was checked out at, for
 * ballast_config_info{git_rev=...}: read from the checkout's .git without
 * running git (HEAD, then the ref file or packed-refs).
 */
#ifndef BALLAST_CMD_DAEMON_GITREV_H
#define BALLAST_CMD_DAEMON_GITREV_H

#include <stddef.h>

#define DM_GIT_REV_MAX 65 /* SHA-256 object names, NUL */

/*
 * Search the directory holding `file` and its parents for .git (a directory,
 * or a file "gitdir: PATH" as worktrees and submodules have) and resolve
 * HEAD. 0 with the hex revision in out, or -ENOENT (no checkout, unborn
 * branch) with out "".
 */
int dm_git_rev(const char *file, char *out, size_t len);

#endif
