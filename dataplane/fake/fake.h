/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fake dataplane: an in-memory rc_state behaving like a kernel table
 * (adding what exists fails with EEXIST, touching what does not with ENOENT),
 * optionally persisted to a JSON file so successive invocations see one
 * state, with fault injection for tests.
 *
 * Persistence: the file is replaced atomically (temporary file, fsync,
 * rename), so a reader never needs a lock. open() does not read it; every
 * read() does, since another process may have applied. A command that
 * writes holds the instance's writer lock (lock_id: one per state file, by
 * absolute path; see Docs/ARCHITECTURE.md) from its first read to its
 * read-back. Each apply also takes flock(FILE.lock), always inside the
 * writer lock, and re-reads the file inside it before applying, so a
 * library user that applies without the writer lock still never loses an
 * update.
 *
 * Options (dp_open_args.options, from `--state` and `--fault`):
 *   DP_FAKE_OPT_STATE  "state": persist to this file (overrides the
 *                      config's dataplane.fake.state_file);
 *   DP_FAKE_OPT_FAULTS "faults": "N:ERRNO[,N:ERRNO...]" makes the Nth
 *                      operation applied through this handle (1-based,
 *                      counted across apply calls) fail with ERRNO, given as
 *                      a name (EBUSY) or a number (16).
 */
#ifndef BALLAST_DATAPLANE_FAKE_H
#define BALLAST_DATAPLANE_FAKE_H

#include "reconcile/dataplane.h"
#include "reconcile/model.h"

#define DP_FAKE_OPT_STATE  "state"
#define DP_FAKE_OPT_FAULTS "faults"

extern const struct dp_ops dp_fake_ops;

/*
 * Replace the whole state (deep copy, sorted) and persist it when a state
 * file is in use: how tests and demonstrations start from a given "live"
 * state, including services Ballast does not own. 0 or -errno (-EROFS on a
 * read-only handle).
 */
int dp_fake_seed(struct dp *dp, const struct rc_state *st)
    __attribute__((warn_unused_result));

/* Parse a fault spec; on error -EINVAL and a message in err. */
struct dp_fake_fault {
	unsigned long n; /* 1-based op sequence number */
	int err;	 /* positive errno */
};

int dp_fake_faults_parse(const char *spec, struct dp_fake_fault **out,
			 size_t *n_out, char *err, size_t errlen)
    __attribute__((warn_unused_result));

#endif
