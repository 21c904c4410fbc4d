/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon's single-threaded event loop: epoll over file descriptors, one
 * timerfd driving a min-heap of timers, and signalfd for signals. Every part
 * of the daemon (health probes, HTTP API, netlink, inotify) registers here;
 * nothing blocks and nothing runs on another thread.
 *
 * Ownership rules:
 *  - An fd watch is storage the caller owns (struct lb_watch, usually
 *    embedded in the caller's object); the loop only points at it. Removing
 *    a watch during a dispatch is safe: pending events for it are dropped.
 *  - A timer is owned through a back-pointer: lb_timer_add() stores the timer
 *    in *owner, and firing or cancelling sets *owner back to NULL, so an owner
 *    can never hold a dangling timer.
 */
#ifndef BALLAST_LIB_EVLOOP_H
#define BALLAST_LIB_EVLOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>

struct lb_loop;
struct lb_timer;
struct lb_watch;

/* Called with the epoll events (EPOLLIN, EPOLLOUT, EPOLLERR, ...) seen. */
typedef void (*lb_watch_fn)(struct lb_loop *loop, struct lb_watch *w,
			    uint32_t events);
typedef void (*lb_timer_fn)(struct lb_loop *loop, void *arg);
typedef void (*lb_signal_fn)(struct lb_loop *loop, int signo, void *arg);

/* Caller-owned storage for one fd registration; treat fields as private. */
struct lb_watch {
	int fd;		 /* -1 when not registered */
	uint32_t events; /* currently requested */
	lb_watch_fn fn;
	void *arg; /* for the callback's use */
};

int lb_loop_new(struct lb_loop **out) __attribute__((warn_unused_result));
/* Frees pending timers (clearing their owners) and signal hooks. NULL ok. */
void lb_loop_free(struct lb_loop *loop);

/*
 * Run until lb_loop_stop(). Returns 0, or a negative errno when epoll itself
 * fails.
 */
int lb_loop_run(struct lb_loop *loop);
/*
 * Wait at most timeout_ms (-1: forever, 0: poll) and dispatch what is ready,
 * expired timers included. Returns the number of callbacks run or -errno.
 */
int lb_loop_run_once(struct lb_loop *loop, int timeout_ms);
void lb_loop_stop(struct lb_loop *loop);
bool lb_loop_stopped(const struct lb_loop *loop);

/* CLOCK_MONOTONIC in milliseconds, refreshed once per dispatch round. */
uint64_t lb_loop_now_ms(const struct lb_loop *loop);
/* The same, read from the clock now (updates the cached value). */
uint64_t lb_loop_now_ms_fresh(struct lb_loop *loop);

/* ---- file descriptors -------------------------------------------------- */

/* Initialise storage so lb_watch_active() and lb_loop_watch_del() are safe. */
void lb_watch_init(struct lb_watch *w);
static inline bool lb_watch_active(const struct lb_watch *w)
{
	return w->fd >= 0;
}

int lb_loop_watch_add(struct lb_loop *loop, struct lb_watch *w, int fd,
		      uint32_t events, lb_watch_fn fn, void *arg)
    __attribute__((warn_unused_result));
int lb_loop_watch_mod(struct lb_loop *loop, struct lb_watch *w, uint32_t events)
    __attribute__((warn_unused_result));
/*
 * Point an fd that is already registered with this loop (but detached, see
 * lb_loop_watch_detach) at a new watch: one EPOLL_CTL_MOD instead of an
 * ADD. For sockets reused across owners.
 */
int lb_loop_watch_adopt(struct lb_loop *loop, struct lb_watch *w, int fd,
			uint32_t events, lb_watch_fn fn, void *arg)
    __attribute__((warn_unused_result));
/*
 * Detach the watch from its fd without touching epoll and return the fd,
 * still registered. Only for fds whose registration is disarmed (an
 * EPOLLONESHOT that fired), so no event can arrive for them until adopted.
 */
int lb_loop_watch_detach(struct lb_loop *loop, struct lb_watch *w);
/* Set the events even when unchanged (re-arms an EPOLLONESHOT watch). */
int lb_loop_watch_rearm(struct lb_loop *loop, struct lb_watch *w,
			uint32_t events) __attribute__((warn_unused_result));
/* Unregister; the fd stays open. Safe on an inactive watch. */
void lb_loop_watch_del(struct lb_loop *loop, struct lb_watch *w);
/*
 * Unregister and close the fd in one step: close() drops the epoll
 * registration by itself, so this saves a syscall on hot paths (probes).
 */
void lb_loop_watch_close(struct lb_loop *loop, struct lb_watch *w);

/* ---- timers ------------------------------------------------------------ */

/*
 * Arm a one-shot timer delay_ms from now. *owner must be NULL (an armed timer
 * is never silently replaced); it receives the timer and is reset to NULL
 * just before the callback runs or when cancelled.
 */
int lb_timer_add(struct lb_loop *loop, struct lb_timer **owner,
		 uint64_t delay_ms, lb_timer_fn fn, void *arg)
    __attribute__((warn_unused_result));
/* The same with an absolute CLOCK_MONOTONIC deadline in milliseconds. */
int lb_timer_add_at(struct lb_loop *loop, struct lb_timer **owner,
		    uint64_t when_ms, lb_timer_fn fn, void *arg)
    __attribute__((warn_unused_result));
/* Cancel the timer *owner holds, if any, and set *owner to NULL. */
void lb_timer_cancel(struct lb_loop *loop, struct lb_timer **owner);
/* Deadline of an armed timer (CLOCK_MONOTONIC ms). */
uint64_t lb_timer_when(const struct lb_timer *t);
/*
 * Timer slack: deadlines are rounded up to a multiple of slack_ms so timers
 * due close together fire in one wake-up (never early, at most slack_ms
 * late). Default LB_LOOP_DEFAULT_SLACK_MS; 0 or 1 means millisecond precision.
 */
#define LB_LOOP_DEFAULT_SLACK_MS 4
void lb_loop_set_timer_slack(struct lb_loop *loop, unsigned int slack_ms);
/* Number of armed timers. */
unsigned int lb_loop_timer_count(const struct lb_loop *loop);

/* ---- signals ----------------------------------------------------------- */

/*
 * Deliver a signal through the loop (signalfd): the signal is blocked for
 * the calling thread and fn runs from the loop. One hook per signal.
 */
int lb_loop_signal(struct lb_loop *loop, int signo, lb_signal_fn fn, void *arg)
    __attribute__((warn_unused_result));

#endif
