// SPDX-License-Identifier: GPL-2.0-only
#include "lib/evloop.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define LOOP_BATCH 256

struct lb_timer {
	uint64_t when;	  /* CLOCK_MONOTONIC ms */
	uint64_t seq;	  /* FIFO order among equal deadlines */
	unsigned int idx; /* position in the heap */
	lb_timer_fn fn;
	void *arg;
	struct lb_timer **owner; /* cleared on fire or cancel */
	struct lb_timer *next_free;
};

struct lb_sig_hook {
	int signo;
	lb_signal_fn fn;
	void *arg;
};

struct lb_loop {
	int epfd;
	int tfd; /* timerfd for the heap's earliest deadline */
	int sfd; /* signalfd, -1 until a signal is hooked */
	bool stop;
	uint64_t now_ms;
	uint64_t armed_ms; /* deadline the timerfd holds; 0 = disarmed */
	bool tfd_fired;	   /* expired and not re-armed since */
	unsigned int slack_ms;
	uint64_t seq;
	/* min-heap of armed timers */
	struct lb_timer **heap;
	unsigned int n_heap;
	unsigned int cap_heap;
	struct lb_timer *free_timers;
	/* events of the round being dispatched, so a removed watch is skipped
	 */
	struct epoll_event *batch;
	int batch_next;
	int batch_n;
	struct lb_watch tw; /* the timerfd's own watch */
	struct lb_watch sw; /* the signalfd's watch */
	sigset_t sigs;
	struct lb_sig_hook *hooks;
	unsigned int n_hooks;
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t lb_loop_now_ms(const struct lb_loop *loop)
{
	return loop->now_ms;
}

uint64_t lb_loop_now_ms_fresh(struct lb_loop *loop)
{
	loop->now_ms = mono_ms();
	return loop->now_ms;
}

/* ---- timers ------------------------------------------------------------ */

static bool timer_before(const struct lb_timer *a, const struct lb_timer *b)
{
	return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

static void heap_set(struct lb_loop *l, unsigned int i, struct lb_timer *t)
{
	l->heap[i] = t;
	t->idx = i;
}

static void heap_up(struct lb_loop *l, unsigned int i)
{
	struct lb_timer *t = l->heap[i];

	while (i > 0) {
		unsigned int p = (i - 1) / 2;

		if (!timer_before(t, l->heap[p]))
			break;
		heap_set(l, i, l->heap[p]);
		i = p;
	}
	heap_set(l, i, t);
}

static void heap_down(struct lb_loop *l, unsigned int i)
{
	struct lb_timer *t = l->heap[i];

	for (;;) {
		unsigned int c = 2 * i + 1;

		if (c >= l->n_heap)
			break;
		if (c + 1 < l->n_heap &&
		    timer_before(l->heap[c + 1], l->heap[c]))
			c++;
		if (!timer_before(l->heap[c], t))
			break;
		heap_set(l, i, l->heap[c]);
		i = c;
	}
	heap_set(l, i, t);
}

static void heap_remove(struct lb_loop *l, struct lb_timer *t)
{
	unsigned int i = t->idx;
	struct lb_timer *last = l->heap[--l->n_heap];

	if (i == l->n_heap)
		return;
	heap_set(l, i, last);
	if (i > 0 && timer_before(last, l->heap[(i - 1) / 2]))
		heap_up(l, i);
	else
		heap_down(l, i);
}

void lb_loop_set_timer_slack(struct lb_loop *l, unsigned int slack_ms)
{
	l->slack_ms = slack_ms ? slack_ms : 1;
}

/*
 * Point the timerfd at the earliest deadline (rounded up by the slack), only
 * when that changed or the timerfd expired: setting it also clears the
 * expiry, which saves reading the timerfd.
 */
static void timer_rearm(struct lb_loop *l)
{
	struct itimerspec its = {0};
	uint64_t want = 0;

	if (l->n_heap) {
		want = l->heap[0]->when;
		want = (want + l->slack_ms - 1) / l->slack_ms * l->slack_ms;
	}
	if (want == l->armed_ms && !l->tfd_fired)
		return;
	if (want) {
		its.it_value.tv_sec = (time_t)(want / 1000);
		its.it_value.tv_nsec = (long)(want % 1000) * 1000000L;
	}
	if (timerfd_settime(l->tfd, TFD_TIMER_ABSTIME, &its, NULL) == 0) {
		l->armed_ms = want;
		l->tfd_fired = false;
	}
}

uint64_t lb_timer_when(const struct lb_timer *t)
{
	return t->when;
}

unsigned int lb_loop_timer_count(const struct lb_loop *loop)
{
	return loop->n_heap;
}

int lb_timer_add_at(struct lb_loop *l, struct lb_timer **owner,
		    uint64_t when_ms, lb_timer_fn fn, void *arg)
{
	struct lb_timer *t;

	if (!owner || *owner || !fn)
		return -EINVAL;
	if (l->n_heap == l->cap_heap) {
		unsigned int cap = l->cap_heap ? l->cap_heap * 2 : 64;
		struct lb_timer **h = realloc(l->heap, cap * sizeof(*h));

		if (!h)
			return -ENOMEM;
		l->heap = h;
		l->cap_heap = cap;
	}
	t = l->free_timers;
	if (t)
		l->free_timers = t->next_free;
	else if (!(t = malloc(sizeof(*t))))
		return -ENOMEM;
	t->when = when_ms ? when_ms : 1;
	t->seq = l->seq++;
	t->fn = fn;
	t->arg = arg;
	t->owner = owner;
	t->next_free = NULL;
	l->heap[l->n_heap] = t;
	t->idx = l->n_heap++;
	heap_up(l, t->idx);
	*owner = t;
	/* Only an earlier deadline needs the timerfd moved. */
	if (!l->armed_ms || t->when + l->slack_ms <= l->armed_ms)
		timer_rearm(l);
	return 0;
}

int lb_timer_add(struct lb_loop *l, struct lb_timer **owner, uint64_t delay_ms,
		 lb_timer_fn fn, void *arg)
{
	return lb_timer_add_at(l, owner, l->now_ms + delay_ms, fn, arg);
}

static void timer_release(struct lb_loop *l, struct lb_timer *t)
{
	t->next_free = l->free_timers;
	l->free_timers = t;
}

void lb_timer_cancel(struct lb_loop *l, struct lb_timer **owner)
{
	struct lb_timer *t;

	if (!owner || !(t = *owner))
		return;
	*owner = NULL;
	heap_remove(l, t);
	timer_release(l, t);
	/* A later deadline left armed only costs one spurious wake-up. */
}

static int timers_run(struct lb_loop *l)
{
	uint64_t limit = l->seq;
	int n = 0;

	/* Timers armed by these callbacks wait for the next round. */
	while (l->n_heap && l->heap[0]->when <= l->now_ms &&
	       l->heap[0]->seq < limit) {
		struct lb_timer *t = l->heap[0];
		lb_timer_fn fn = t->fn;
		void *arg = t->arg;

		heap_remove(l, t);
		*t->owner = NULL;
		timer_release(l, t);
		fn(l, arg);
		n++;
	}
	return n;
}

static void timerfd_ready(struct lb_loop *l, struct lb_watch *w, uint32_t ev)
{
	/* Re-arming after this round clears the expiry; no read needed. */
	l->tfd_fired = true;
}

/* ---- watches ----------------------------------------------------------- */

void lb_watch_init(struct lb_watch *w)
{
	w->fd = -1;
	w->events = 0;
	w->fn = NULL;
	w->arg = NULL;
}

/* Register fd with epoll (ADD) or move a registered fd to w (MOD). */
static int watch_attach(struct lb_loop *l, int op, struct lb_watch *w, int fd,
			uint32_t events, lb_watch_fn fn, void *arg)
{
	struct epoll_event ev = {.events = events, .data.ptr = w};

	if (fd < 0 || !fn)
		return -EINVAL;
	if (epoll_ctl(l->epfd, op, fd, &ev) < 0)
		return -errno;
	w->fd = fd;
	w->events = events;
	w->fn = fn;
	w->arg = arg;
	return 0;
}

int lb_loop_watch_add(struct lb_loop *l, struct lb_watch *w, int fd,
		      uint32_t events, lb_watch_fn fn, void *arg)
{
	return watch_attach(l, EPOLL_CTL_ADD, w, fd, events, fn, arg);
}

int lb_loop_watch_rearm(struct lb_loop *l, struct lb_watch *w, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = w};

	if (w->fd < 0)
		return -EINVAL;
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, w->fd, &ev) < 0)
		return -errno;
	w->events = events;
	return 0;
}

int lb_loop_watch_mod(struct lb_loop *l, struct lb_watch *w, uint32_t events)
{
	if (w->fd >= 0 && events == w->events)
		return 0;
	return lb_loop_watch_rearm(l, w, events);
}

/* Drop events for w still pending in the round being dispatched. */
static void batch_forget(struct lb_loop *l, struct lb_watch *w)
{
	for (int i = l->batch_next; i < l->batch_n; i++)
		if (l->batch[i].data.ptr == w)
			l->batch[i].data.ptr = NULL;
}

int lb_loop_watch_adopt(struct lb_loop *l, struct lb_watch *w, int fd,
			uint32_t events, lb_watch_fn fn, void *arg)
{
	return watch_attach(l, EPOLL_CTL_MOD, w, fd, events, fn, arg);
}

int lb_loop_watch_detach(struct lb_loop *l, struct lb_watch *w)
{
	int fd = w->fd;

	if (fd >= 0)
		batch_forget(l, w);
	w->fd = -1;
	w->events = 0;
	return fd;
}

void lb_loop_watch_del(struct lb_loop *l, struct lb_watch *w)
{
	if (!w || w->fd < 0)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	batch_forget(l, w);
	w->fd = -1;
	w->events = 0;
}

void lb_loop_watch_close(struct lb_loop *l, struct lb_watch *w)
{
	if (!w || w->fd < 0)
		return;
	/* close() unregisters when no other descriptor shares the file. */
	close(w->fd);
	batch_forget(l, w);
	w->fd = -1;
	w->events = 0;
}

/* ---- signals ----------------------------------------------------------- */

static void signalfd_ready(struct lb_loop *l, struct lb_watch *w, uint32_t ev)
{
	struct signalfd_siginfo si;

	while (read(l->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		for (unsigned int i = 0; i < l->n_hooks; i++)
			if (l->hooks[i].signo == (int)si.ssi_signo)
				l->hooks[i].fn(l, (int)si.ssi_signo,
					       l->hooks[i].arg);
	}
}

int lb_loop_signal(struct lb_loop *l, int signo, lb_signal_fn fn, void *arg)
{
	struct lb_sig_hook *h;
	sigset_t one;
	int fd, err;

	for (unsigned int i = 0; i < l->n_hooks; i++)
		if (l->hooks[i].signo == signo)
			return -EEXIST;
	h = realloc(l->hooks, (l->n_hooks + 1) * sizeof(*h));
	if (!h)
		return -ENOMEM;
	l->hooks = h;
	sigemptyset(&one);
	sigaddset(&one, signo);
	if (sigprocmask(SIG_BLOCK, &one, NULL) < 0)
		return -errno;
	sigaddset(&l->sigs, signo);
	fd = signalfd(l->sfd, &l->sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (l->sfd < 0) {
		l->sfd = fd;
		err = lb_loop_watch_add(l, &l->sw, fd, EPOLLIN, signalfd_ready,
					NULL);
		if (err) {
			close(fd);
			l->sfd = -1;
			return err;
		}
	}
	h[l->n_hooks++] = (struct lb_sig_hook){signo, fn, arg};
	return 0;
}

/* ---- the loop ---------------------------------------------------------- */

int lb_loop_new(struct lb_loop **out)
{
	struct lb_loop *l = calloc(1, sizeof(*l));
	int err;

	*out = NULL;
	if (!l)
		return -ENOMEM;
	l->sfd = -1;
	l->tfd = -1;
	lb_watch_init(&l->tw);
	lb_watch_init(&l->sw);
	sigemptyset(&l->sigs);
	l->batch = calloc(LOOP_BATCH, sizeof(*l->batch));
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!l->batch || l->epfd < 0) {
		err = l->batch ? -errno : -ENOMEM;
		goto fail;
	}
	l->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (l->tfd < 0) {
		err = -errno;
		goto fail;
	}
	err =
	    lb_loop_watch_add(l, &l->tw, l->tfd, EPOLLIN, timerfd_ready, NULL);
	if (err)
		goto fail;
	l->now_ms = mono_ms();
	l->slack_ms = LB_LOOP_DEFAULT_SLACK_MS;
	*out = l;
	return 0;
fail:
	lb_loop_free(l);
	return err;
}

void lb_loop_free(struct lb_loop *l)
{
	struct lb_timer *t;

	if (!l)
		return;
	while (l->n_heap) {
		t = l->heap[--l->n_heap];
		*t->owner = NULL;
		free(t);
	}
	while ((t = l->free_timers)) {
		l->free_timers = t->next_free;
		free(t);
	}
	if (l->sfd >= 0) {
		close(l->sfd);
		sigprocmask(SIG_UNBLOCK, &l->sigs, NULL);
	}
	if (l->tfd >= 0)
		close(l->tfd);
	if (l->epfd >= 0)
		close(l->epfd);
	free(l->hooks);
	free(l->heap);
	free(l->batch);
	free(l);
}

int lb_loop_run_once(struct lb_loop *l, int timeout_ms)
{
	int n, ran = 0;

	n = epoll_wait(l->epfd, l->batch, LOOP_BATCH, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	l->now_ms = mono_ms();
	l->batch_n = n;
	for (l->batch_next = 0; l->batch_next < l->batch_n;) {
		struct epoll_event *ev = &l->batch[l->batch_next++];
		struct lb_watch *w = ev->data.ptr;

		if (!w)
			continue;
		w->fn(l, w, ev->events);
		ran++;
	}
	l->batch_n = 0;
	l->batch_next = 0;
	ran += timers_run(l);
	timer_rearm(l);
	return ran;
}

int lb_loop_run(struct lb_loop *l)
{
	l->stop = false;
	while (!l->stop) {
		int r = lb_loop_run_once(l, -1);

		if (r < 0)
			return r;
	}
	return 0;
}

void lb_loop_stop(struct lb_loop *l)
{
	l->stop = true;
}

bool lb_loop_stopped(const struct lb_loop *l)
{
	return l->stop;
}
