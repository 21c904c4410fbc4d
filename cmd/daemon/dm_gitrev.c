// SPDX-License-Identifier: GPL-2.0-only
#include "cmd/daemon/dm_gitrev.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/file.h"

#define SMALL_FILE (64 * 1024)
#define PACKED_MAX (64 * 1024 * 1024)

/* out = a/b; -ENAMETOOLONG when it does not fit. */
static int join(char *out, size_t len, const char *a, const char *b)
{
	int n = snprintf(out, len, "%s/%s", a, b);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int copy_str(char *out, size_t len, const char *s)
{
	int n = snprintf(out, len, "%s", s);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static void chomp(char *s)
{
	size_t n = strlen(s);

	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
}

static int is_hex_rev(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!isxdigit((unsigned char)s[n]))
			return 0;
	return n == 40 || n == 64;
}

static int copy_rev(const char *rev, char *out, size_t len)
{
	if (!is_hex_rev(rev) || strlen(rev) >= len)
		return -ENOENT;
	strcpy(out, rev);
	return 0;
}

/* The .git directory for a checkout rooted at dir, or -ENOENT. */
static int git_dir(const char *dir, char *out, size_t len)
{
	char path[PATH_MAX], *buf = NULL;
	struct stat st;
	size_t n;
	int ret = -ENOENT;

	if (join(path, sizeof(path), dir, ".git"))
		return -ENAMETOOLONG;
	if (stat(path, &st))
		return -ENOENT;
	if (S_ISDIR(st.st_mode))
		return copy_str(out, len, path);
	if (lb_read_file(path, SMALL_FILE, &buf, &n))
		return -ENOENT;
	chomp(buf);
	if (!strncmp(buf, "gitdir: ", 8)) {
		const char *g = buf + 8;

		ret = g[0] == '/' ? copy_str(out, len, g)
				  : join(out, len, dir, g);
	}
	free(buf);
	return ret;
}

/* A linked worktree keeps its refs in the main repository ("commondir"). */
static void common_dir(const char *gd, char *out, size_t len)
{
	char path[PATH_MAX], *buf = NULL;
	size_t n;

	if (copy_str(out, len, gd) ||
	    join(path, sizeof(path), gd, "commondir") ||
	    lb_read_file(path, SMALL_FILE, &buf, &n))
		return;
	chomp(buf);
	if (buf[0] == '/' ? copy_str(out, len, buf) : join(out, len, gd, buf))
		(void)copy_str(out, len, gd);
	free(buf);
}

static int packed_ref(const char *cd, const char *ref, char *out, size_t len)
{
	char path[PATH_MAX], *buf = NULL, *line, *save = NULL;
	size_t n, rl = strlen(ref);
	int ret = -ENOENT;

	if (join(path, sizeof(path), cd, "packed-refs") ||
	    lb_read_file(path, PACKED_MAX, &buf, &n))
		return -ENOENT;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');

		if (line[0] == '#' || line[0] == '^' || !sp)
			continue;
		if (strlen(sp + 1) == rl && !strcmp(sp + 1, ref)) {
			*sp = '\0';
			ret = copy_rev(line, out, len);
			break;
		}
	}
	free(buf);
	return ret;
}

static int resolve_head(const char *gd, char *out, size_t len)
{
	char path[PATH_MAX], cd[PATH_MAX], *head = NULL, *rev = NULL;
	const char *ref;
	size_t n;
	int ret;

	if (join(path, sizeof(path), gd, "HEAD") ||
	    lb_read_file(path, SMALL_FILE, &head, &n))
		return -ENOENT;
	chomp(head);
	if (strncmp(head, "ref: ", 5)) {
		ret = copy_rev(head, out, len); /* detached */
		goto out;
	}
	ref = head + 5;
	ret = -ENOENT;
	if (strstr(ref, ".."))
		goto out;
	/* Per-worktree refs live in gd, shared ones in the common dir. */
	common_dir(gd, cd, sizeof(cd));
	for (int i = 0; i < 2 && ret; i++) {
		if (!join(path, sizeof(path), i ? cd : gd, ref) &&
		    !lb_read_file(path, SMALL_FILE, &rev, &n)) {
			chomp(rev);
			ret = copy_rev(rev, out, len);
			free(rev);
			rev = NULL;
		}
	}
	if (ret)
		ret = packed_ref(cd, ref, out, len);
out:
	free(head);
	return ret;
}

int dm_git_rev(const char *file, char *out, size_t len)
{
	char dir[PATH_MAX], gd[PATH_MAX], *slash;

	if (!len)
		return -EINVAL;
	out[0] = '\0';
	if (!realpath(file, dir))
		return -ENOENT;
	for (;;) {
		slash = strrchr(dir, '/');
		if (!slash)
			return -ENOENT;
		*slash = '\0'; /* up one: first the file's own directory */
		if (!git_dir(dir[0] ? dir : "/", gd, sizeof(gd)))
			break;
		if (!dir[0])
			return -ENOENT;
	}
	if (resolve_head(gd, out, len)) {
		out[0] = '\0';
		return -ENOENT;
	}
	return 0;
}
