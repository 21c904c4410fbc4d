// SPDX-License-Identifier: GPL-2.0-only
#include "tests/lib/check_main.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *test_srcdir(void)
{
	const char *d = getenv("BALLAST_SRCDIR");

	return d && *d ? d : ".";
}

int main(void)
{
	Suite *s = test_suite();
	SRunner *sr = srunner_create(s);
	const char *dir = getenv("BALLAST_RESULTS");
	int run, failed;

	srunner_run_all(sr, CK_NORMAL);
	run = srunner_ntests_run(sr);
	failed = srunner_ntests_failed(sr);
	if (dir && *dir) {
		char path[4096];
		FILE *f;

		snprintf(path, sizeof(path), "%s/unit-%s.res", dir,
			 program_invocation_short_name);
		f = fopen(path, "w");
		if (f) {
			fprintf(f, "%d %d 0\n", run - failed, failed);
			fclose(f);
		}
	}
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
