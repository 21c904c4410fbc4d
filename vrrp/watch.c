// SPDX-License-Identifier: GPL-2.0-only
/*
 * The rtnetlink side of the gate: subscribe, then dump, then follow
 * notifications on the lb_loop. Subscribing first means a change made during
 * the dump arrives as a notification after it, so nothing falls between the
 * two. When the socket overflows (ENOBUFS) events were lost: everything is
 * read again and the table swept of what the dump no longer shows.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "lib/log.h"
#include "vrrp/vrrp_internal.h"

/* recv calls per loop round: a flood cannot starve the rest of the loop. */
#define VW_DRAIN_READS 64
/* Dumps overflowing again and again: give up and retry from a timer. */
#define VW_RESYNC_TRIES 5
#define VW_RESYNC_RETRY_MS 100

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t now_ms(struct vw *w)
{
	return w->loop ? lb_loop_now_ms_fresh(w->loop) : mono_ms();
}

void vw_emit(void *arg, size_t group, unsigned int changed)
{
	struct vw *w = arg;
	const struct vw_gstate *g = &w->core.groups[group];
	struct vw_event ev = {
	    .group = group,
	    .changed = changed,
	    .active = g->active,
	    .split_brain = g->split_brain,
	    .mono_ms = w->now_ms,
	};

	memcpy(ev.cause, g->cause, sizeof(ev.cause));
	if (w->cb)
		w->cb(w->arg, &ev);
}

static void after_change(struct vw *w, const char *cause)
{
	vw_adverts_sync(w);
	vw_core_update(&w->core, cause, w->now_ms, vw_emit, w);
}

static void on_readable(struct lb_loop *loop, struct lb_watch *lw,
			uint32_t events);

static int on_msg(void *arg, const struct nlmsghdr *nh)
{
	struct vw *w = arg;
	char cause[VW_CAUSE_MAX];
	int r = vw_rtnl_apply(&w->core.tab, nh, cause, sizeof(cause));

	if (r <= 0)
		return r;
	if (!w->in_dump)
		after_change(w, cause);
	return 0;
}

static int dump(struct vw *w, uint16_t type, char *ext, size_t ext_len)
{
	char buf[256];
	struct nlmsghdr *nh = mnl_nlmsg_put_header(buf);

	nh->nlmsg_type = type;
	nh->nlmsg_flags = NLM_F_DUMP;
	/* The header the kernel's strict checking expects for each. */
	if (type == RTM_GETLINK)
		mnl_nlmsg_put_extra_header(nh, sizeof(struct ifinfomsg));
	else
		mnl_nlmsg_put_extra_header(nh, sizeof(struct ifaddrmsg));
	return lb_nl_request(w->nl, nh, on_msg, w, ext, ext_len);
}

/*
 * A fresh socket: whatever the old one had queued is older than the dump
 * about to be read, and no dump of the old one can be left running.
 */
static int reopen(struct vw *w, char *why, size_t why_len)
{
	static const unsigned int groups[] = {RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR,
					      RTNLGRP_IPV6_IFADDR};
	int err;

	if (w->loop)
		lb_loop_watch_del(w->loop, &w->nlw);
	lb_nl_close(w->nl);
	w->nl = NULL;
	err = lb_nl_open(&w->nl, NETLINK_ROUTE, w->rcvbuf, why, why_len);
	if (err)
		return err;
	/* Without a loop (a snapshot) there is nothing to follow. */
	for (size_t i = 0; w->loop && i < sizeof(groups) / sizeof(*groups);
	     i++) {
		err = lb_nl_join(w->nl, groups[i]);
		if (err) {
			if (why)
				lb_nl_strerror(why, why_len,
					       "ha: subscribing to rtnetlink "
					       "link and address events",
					       err, NULL);
			return err;
		}
	}
	return 0;
}

/*
 * Subscribe, then read every link and address; notifications read
 * meanwhile apply too. Then follow the socket from the loop.
 */
static int resync(struct vw *w, char *why, size_t why_len)
{
	char ext[256] = "";
	int err = -ENOBUFS;

	for (int i = 0; i < VW_RESYNC_TRIES && err == -ENOBUFS; i++) {
		err = reopen(w, why, why_len);
		if (err)
			return err;
		vw_table_mark(&w->core.tab);
		w->in_dump = true;
		err = dump(w, RTM_GETLINK, ext, sizeof(ext));
		if (!err)
			err = dump(w, RTM_GETADDR, ext, sizeof(ext));
		w->in_dump = false;
		if (!err)
			vw_table_sweep(&w->core.tab);
	}
	if (err) {
		if (why)
			lb_nl_strerror(why, why_len,
				       "ha: reading links and addresses over "
				       "rtnetlink",
				       err, ext);
		return err;
	}
	if (!w->loop)
		return 0;
	err = lb_nl_set_nonblock(w->nl, true);
	if (!err)
		err = lb_loop_watch_add(w->loop, &w->nlw, lb_nl_fd(w->nl),
					EPOLLIN, on_readable, w);
	if (err && why)
		lb_nl_strerror(why, why_len,
			       "ha: watching the rtnetlink socket", err, NULL);
	return err;
}

static void overflowed(struct vw *w);

static void retry_fire(struct lb_loop *loop, void *arg)
{
	struct vw *w = arg;

	w->now_ms = lb_loop_now_ms_fresh(loop);
	overflowed(w);
}

static void overflowed(struct vw *w)
{
	char why[256];

	w->resyncs++;
	if (resync(w, why, sizeof(why))) {
		lb_err("%s; trying again in %d ms", why, VW_RESYNC_RETRY_MS);
		if (!w->retry_timer &&
		    lb_timer_add(w->loop, &w->retry_timer, VW_RESYNC_RETRY_MS,
				 retry_fire, w))
			lb_err("ha: cannot arm the rtnetlink retry timer");
		return;
	}
	after_change(w, "netlink socket overflowed (ENOBUFS): links and "
			"addresses read again");
}

static void on_readable(struct lb_loop *loop, struct lb_watch *lw,
			uint32_t events)
{
	struct vw *w = lw->arg;
	int err;

	w->now_ms = lb_loop_now_ms_fresh(loop);
	err = lb_nl_drain(w->nl, on_msg, w, VW_DRAIN_READS);
	if (err == -ENOBUFS) {
		lb_warn("ha: the rtnetlink socket overflowed and lost events; "
			"reading links and addresses again");
		overflowed(w);
	} else if (err) {
		lb_err("ha: reading rtnetlink events: %s", strerror(-err));
	}
}

static int open_common(struct vw *w, const struct vw_opts *opts, char *why,
		       size_t why_len)
{
	int err;

	lb_watch_init(&w->nlw);
	w->now_ms = now_ms(w);
	err = vw_core_configure(&w->core, opts, w->now_ms);
	if (err) {
		if (why)
			snprintf(
			    why, why_len,
			    err == -EINVAL
				? "ha: ha.interface \"%s\" is not a valid "
				  "interface name; set ha.interface to the "
				  "link that carries the VIPs"
				: "ha: %s: out of memory",
			    opts->interface ? opts->interface : "");
		return err;
	}
	w->rcvbuf = opts->rcvbuf;
	err = resync(w, why, why_len);
	if (err)
		return err;
	vw_core_update(&w->core, "", w->now_ms, NULL, NULL);
	return 0;
}

/* A snapshot is a watcher without a loop: one reading, nothing followed. */
static int create(struct lb_loop *loop, const struct vw_opts *opts,
		  vw_event_fn cb, void *arg, struct vw **out, char *why,
		  size_t why_len)
{
	struct vw *w;
	int err;

	*out = NULL;
	if (why && why_len)
		why[0] = '\0';
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->loop = loop;
	w->cb = cb;
	w->arg = arg;
	err = open_common(w, opts, why, why_len);
	if (!err && loop && opts->watch_adverts)
		err = vw_adverts_open(w, why, why_len);
	if (err) {
		vw_free(w);
		return err;
	}
	if (!loop) {
		lb_nl_close(w->nl);
		w->nl = NULL;
	}
	*out = w;
	return 0;
}

int vw_new(struct lb_loop *loop, const struct vw_opts *opts, vw_event_fn cb,
	   void *arg, struct vw **out, char *why, size_t why_len)
{
	if (!loop)
		return -EINVAL;
	return create(loop, opts, cb, arg, out, why, why_len);
}

int vw_snapshot(const struct vw_opts *opts, struct vw **out, char *why,
		size_t why_len)
{
	return create(NULL, opts, NULL, NULL, out, why, why_len);
}

int vw_reconfigure(struct vw *w, const struct vw_opts *opts)
{
	char why[256];
	int err;

	w->now_ms = now_ms(w);
	err = vw_core_configure(&w->core, opts, w->now_ms);
	if (err)
		return err;
	if (opts->watch_adverts && !w->adv && w->loop) {
		err = vw_adverts_open(w, why, sizeof(why));
		if (err)
			lb_warn("%s", why);
	} else if (!opts->watch_adverts && w->adv) {
		vw_adverts_close(w);
	}
	after_change(w, "configuration reloaded");
	if (w->adv)
		vw_adverts_arm(w);
	return 0;
}

void vw_free(struct vw *w)
{
	if (!w)
		return;
	vw_adverts_close(w);
	if (w->loop) {
		lb_loop_watch_del(w->loop, &w->nlw);
		lb_timer_cancel(w->loop, &w->retry_timer);
	}
	lb_nl_close(w->nl);
	vw_core_free(&w->core);
	free(w);
}
