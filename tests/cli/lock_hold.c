// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test helper: hold the writer lock of the fake dataplane on STATE the way
 * `ballast apply` does (the name comes from the driver's lock_id), print
 * "held PID" once it is held, and keep it until standard input ends.
 *
 *   lock_hold STATE
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dataplane/fake/fake.h"
#include "lib/lock.h"

int main(int argc, char **argv)
{
	struct dp_open_args args = {0};
	const char *name, *what;
	struct lb_lock *lock = NULL;
	struct dp *dp = NULL;
	char c;
	int ret;

	if (argc != 2) {
		fprintf(stderr, "usage: %s STATE\n", argv[0]);
		return 2;
	}
	args.options = &(struct dp_option){DP_FAKE_OPT_STATE, argv[1]};
	args.n_options = 1;
	ret = dp_fake_ops.open(&dp, &args);
	if (ret || !dp_fake_ops.lock_id(dp, &name, &what)) {
		fprintf(stderr, "%s: cannot open the fake dataplane on %s\n",
			argv[0], argv[1]);
		return 1;
	}
	ret = lb_lock_acquire(name, NULL, &lock, NULL);
	if (ret) {
		fprintf(stderr, "%s: cannot lock %s: %s\n", argv[0], what,
			strerror(-ret));
		dp_fake_ops.close(dp, false);
		return 1;
	}
	printf("held %ld\n", (long)getpid());
	fflush(stdout);
	while (read(STDIN_FILENO, &c, 1) > 0)
		;
	lb_lock_release(lock);
	dp_fake_ops.close(dp, false);
	return 0;
}
