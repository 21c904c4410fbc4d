/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fake dataplane's state file and the kernel-like application of one
 * operation to a state. Separate from the driver so each can be tested alone.
 */
#ifndef BALLAST_DATAPLANE_FAKE_STATE_H
#define BALLAST_DATAPLANE_FAKE_STATE_H

#include <jansson.h>
#include <stddef.h>

#include "reconcile/diff.h"
#include "reconcile/model.h"

#define DP_FAKE_STATE_FORMAT "ballast-fake-state"
#define DP_FAKE_STATE_VERSION 1

/*
 * The document, one object per service, sorted by key:
 *   {"format": "ballast-fake-state", "version": 1, "services": [
 *     {"address": "192.0.2.10", "port": 80, "protocol": "tcp", "fwmark": 0,
 *      "scheduler": "maglev", "flags": 0, "timeout": 0, "netmask": 0,
 *      "name": "web", "owned": true,
 *      "reals": [{"address": "10.0.1.1", "port": 80, "weight": 100,
 *                 "forward": "masq", "tunnel": "ipip", "tunnel_port": 0,
 *                 "upper_threshold": 0, "lower_threshold": 0}]}]}
 * "owned": false marks a service Ballast did not create (a hand-edited file
 * can add one to show how foreign services are left alone). Unknown keys
 * are errors. flags are RC_SVC_F_* bits. A real's tunnel, tunnel_port and
 * thresholds may be left out (written only when not "ipip" / 0). The file
 * holds one service per line and one real per line. NULL on ENOMEM.
 */
json_t *dp_fake_state_to_json(const struct rc_state *st);
/*
 * Parse a state document into `out` (initialised, empty; sorted on return).
 * -EINVAL with a message ("services[2].reals[0].address: ...") in err.
 */
int dp_fake_state_from_json(const json_t *doc, struct rc_state *out, char *err,
			    size_t errlen) __attribute__((warn_unused_result));

/*
 * Load a state file, read whole in one buffer. A missing file is an empty
 * state. Errors are reported in err naming the file, and the line and column
 * for malformed JSON.
 */
int dp_fake_state_load(const char *path, struct rc_state *out, char *err,
		       size_t errlen) __attribute__((warn_unused_result));
/* Write atomically: temporary file in the same directory, fsync, rename. */
int dp_fake_state_save(const char *path, const struct rc_state *st, char *err,
		       size_t errlen) __attribute__((warn_unused_result));

/*
 * Apply one operation the way a kernel table would: 0, -EEXIST, -ENOENT or
 * -ENOMEM. The state stays sorted.
 */
int dp_fake_apply_op(struct rc_state *st, const struct rc_op *op)
    __attribute__((warn_unused_result));

#endif
