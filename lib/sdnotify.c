// SPDX-License-Identifier: GPL-2.0-only
#include "lib/sdnotify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "lib/evloop.h"
#include "lib/log.h"

struct lb_sd {
	struct lb_loop *loop;	 /* for the watchdog timer */
	bool active;		 /* $NOTIFY_SOCKET set */
	uint64_t interval_usec;	 /* between pings, 0: no watchdog */
	struct lb_timer *timer;	 /* next ping, owned through this field */
	bool ping_failed_logged; /* say it once, not every ping */
};

static void watchdog_fire(struct lb_loop *loop, void *arg);

static int watchdog_arm(struct lb_sd *sd)
{
	uint64_t ms = sd->interval_usec / 1000;

	return lb_timer_add(sd->loop, &sd->timer, ms ? ms : 1, watchdog_fire,
			    sd);
}

static void watchdog_fire(struct lb_loop *loop, void *arg)
{
	struct lb_sd *sd = arg;
	int err;

	lb_sd_watchdog_ping(sd);
	err = watchdog_arm(sd);
	if (err)
		lb_log_kv(LB_LOG_ERR, "systemd", LB_NO_FIELDS,
			  "cannot re-arm the watchdog timer: %s; systemd will "
			  "restart the service when WatchdogSec= runs out",
			  strerror(-err));
}

int lb_sd_open(struct lb_loop *loop, struct lb_sd **out)
{
	const char *sock = getenv("NOTIFY_SOCKET");
	struct lb_sd *sd;
	uint64_t usec = 0;
	int r, err;

	*out = NULL;
	sd = calloc(1, sizeof(*sd));
	if (!sd)
		return -ENOMEM;
	sd->loop = loop;
	sd->active = sock && *sock;
	if (sd->active) {
		/* checks $WATCHDOG_PID too: a watchdog set for a parent is not
		 * ours */
		r = sd_watchdog_enabled(0, &usec);
		if (r < 0)
			lb_log_kv(LB_LOG_WARN, "systemd",
				  LB_FIELDS(LB_F_STR("WATCHDOG_USEC",
						     getenv("WATCHDOG_USEC"))),
				  "ignoring a malformed watchdog setting: %s",
				  strerror(-r));
		else if (r > 0)
			sd->interval_usec = usec / 2;
	}
	if (sd->interval_usec && loop) {
		err = watchdog_arm(sd);
		if (err) {
			free(sd);
			return err;
		}
	}
	*out = sd;
	return 0;
}

void lb_sd_free(struct lb_sd *sd)
{
	if (!sd)
		return;
	if (sd->loop)
		lb_timer_cancel(sd->loop, &sd->timer);
	free(sd);
}

bool lb_sd_active(const struct lb_sd *sd)
{
	return sd && sd->active;
}

uint64_t lb_sd_watchdog_interval_usec(const struct lb_sd *sd)
{
	return sd ? sd->interval_usec : 0;
}

static int notify(struct lb_sd *sd, const char *state)
{
	int r;

	if (!lb_sd_active(sd))
		return 0;
	r = sd_notify(0, state);
	return r < 0 ? r : 0;
}

/*
 * "STATE\nSTATUS=status": one datagram, so systemd sees both at once. A
 * newline in status would start another assignment; it becomes a space.
 */
static int notify_status(struct lb_sd *sd, const char *state,
			 const char *status)
{
	char *msg;
	int err;

	if (!lb_sd_active(sd))
		return 0;
	if (!status)
		return notify(sd, state);
	if (asprintf(&msg, "%s%sSTATUS=%s", state, *state ? "\n" : "", status) <
	    0)
		return -ENOMEM;
	for (char *p = strstr(msg, "STATUS=") + 7; *p; p++)
		if (*p == '\n')
			*p = ' ';
	err = notify(sd, msg);
	free(msg);
	return err;
}

int lb_sd_ready(struct lb_sd *sd, const char *status)
{
	return notify_status(sd, "READY=1", status);
}

int lb_sd_reloading(struct lb_sd *sd)
{
	struct timespec ts;
	char msg[64];

	/*
	 * systemd 253's Type=notify-reload matches the reload by this
	 * timestamp; older managers ignore the field.
	 */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)ts.tv_sec * 1000000ULL +
		     (unsigned long long)ts.tv_nsec / 1000);
	return notify(sd, msg);
}

int lb_sd_stopping(struct lb_sd *sd)
{
	return notify(sd, "STOPPING=1");
}

int lb_sd_status(struct lb_sd *sd, const char *status)
{
	return notify_status(sd, "", status ? status : "");
}

int lb_sd_watchdog_ping(struct lb_sd *sd)
{
	int err = notify(sd, "WATCHDOG=1");

	if (err && !sd->ping_failed_logged) {
		sd->ping_failed_logged = true;
		lb_log_kv(LB_LOG_ERR, "systemd", LB_NO_FIELDS,
			  "cannot send the watchdog ping: %s", strerror(-err));
	}
	return err;
}
