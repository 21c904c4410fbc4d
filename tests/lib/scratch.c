// SPDX-License-Identifier: GPL-2.0-only
#include "tests/lib/scratch.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

void test_scratch_make(char *buf, size_t len, const char *prefix)
{
	const char *base = getenv("TMPDIR");

	snprintf(buf, len, "%s/%s-XXXXXX", base && *base ? base : "/tmp",
		 prefix);
	if (!mkdtemp(buf)) {
		perror(buf);
		abort();
	}
}

static int rm_entry(const char *path, const struct stat *sb, int flag,
		    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void test_scratch_remove(const char *dir)
{
	if (nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS))
		perror(dir);
}
