/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * systemd's notify protocol for the daemon (Type=notify): readiness, reload
 * and stop notifications, and the watchdog, through libsystemd.
 *
 * Everything is a no-op returning 0 when the process was not started by a
 * service manager that asked for notifications ($NOTIFY_SOCKET unset), so the
 * daemon calls these unconditionally.
 *
 * The watchdog is pinged from a timer on the daemon's own loop, at half of
 * $WATCHDOG_USEC: a loop that stops turning stops the pings, which is the
 * point. The environment is left in place (libsystemd reads $NOTIFY_SOCKET
 * on every call); children cannot notify in the daemon's name because the
 * unit says NotifyAccess=main.
 */
#ifndef BALLAST_LIB_SDNOTIFY_H
#define BALLAST_LIB_SDNOTIFY_H

#include <stdbool.h>
#include <stdint.h>

struct lb_loop;
struct lb_sd;

/*
 * Read the environment and, when systemd wants a watchdog for this process,
 * arm its timer on loop. *out is always set (an inactive handle when there is
 * no $NOTIFY_SOCKET). Fails only with -ENOMEM or a timer error.
 */
int lb_sd_open(struct lb_loop *loop, struct lb_sd **out)
    __attribute__((warn_unused_result));
/* Cancels the watchdog timer. NULL ok. */
void lb_sd_free(struct lb_sd *sd);

/* $NOTIFY_SOCKET was set: notifications go somewhere. */
bool lb_sd_active(const struct lb_sd *sd);
/* Interval between WATCHDOG=1 pings in microseconds; 0 when no watchdog. */
uint64_t lb_sd_watchdog_interval_usec(const struct lb_sd *sd);

/*
 * READY=1 with a STATUS= line (status may be NULL): after the first
 * successful pass, and again after each reload.
 */
int lb_sd_ready(struct lb_sd *sd, const char *status);
/* RELOADING=1 (with MONOTONIC_USEC=, as Type=notify-reload wants). */
int lb_sd_reloading(struct lb_sd *sd);
/* STOPPING=1: the daemon is shutting down. */
int lb_sd_stopping(struct lb_sd *sd);
/* STATUS=... alone, shown by systemctl status. */
int lb_sd_status(struct lb_sd *sd, const char *status);
/* WATCHDOG=1 now (the timer does this by itself). */
int lb_sd_watchdog_ping(struct lb_sd *sd);

#endif
