/* SPDX-License-Identifier: GPL-2.0-only */
/* Config + dataplane + controller, as the one-shot commands use them. */
#ifndef BALLAST_CMD_SESSION_H
#define BALLAST_CMD_SESSION_H

#include "cmd/options.h"
#include "config/config.h"
#include "lib/lock.h"
#include "reconcile/controller.h"

struct cmd_session {
	struct cfg *cfg;
	const struct dp_ops *ops;
	struct dp *dp;
	struct rc_ctl *ctl;
	struct lb_lock *lock; /* the dataplane's writer lock, when held */
	bool json;  /* errors also as {"error": {...}} on stdout (plan --json) */
	char *told; /* the first error a module logged in the current step */
	bool ha_told; /* standby HA groups were reported */
};

/*
 * Load the config (printing its diagnostics), pick and open the dataplane.
 * Unless read_only, take the dataplane instance's writer lock before anything
 * is read (waiting up to o->wait_ms for it), held until cmd_session_close(),
 * so the plan, the apply and the read-back see no other writer.
 * Returns 0, or an exit code after printing what went wrong once (and, with
 * o->json, a JSON error object on stdout). A fake dataplane opened to change
 * things needs a state file, or the changes would be lost on exit.
 */
int cmd_session_open(struct cmd_session *s, const struct cmd_options *o,
		     bool read_only);
/*
 * Take the opened dataplane's writer lock (when its driver has one), saying
 * who holds it on failure. 0 or an exit code.
 */
int cmd_session_lock(struct cmd_session *s, uint32_t wait_ms);
/*
 * The two halves of cmd_session_open: config and driver (the session is
 * closed when that fails), then open it (left to the caller to close).
 */
int cmd_session_load(struct cmd_session *s, const struct cmd_options *o);
int cmd_session_open_dp(struct cmd_session *s, const struct cmd_options *o,
			bool read_only);
void cmd_session_close(struct cmd_session *s);

/*
 * Read the dataplane and compute the plan (weights as configured). Returns 0,
 * or an exit code after printing why the dataplane could not be read (as JSON
 * too when the session was opened with --json).
 */
int cmd_session_plan(struct cmd_session *s, bool prune,
		     const struct rc_plan **plan);

#endif
