// SPDX-License-Identifier: GPL-2.0-only
/*
 * The state machine of a target: verdicts counted into success and failure
 * runs, rise/fall deciding up and down through handlers indexed by state,
 * administrative states (paused, disabled) entered through handlers indexed
 * by admin state, every change recorded in the target's history and
 * published to the engine's subscribers. Checker errors count no run:
 * the target fails open, and they are logged at most once a second.
 */
#include "health/health_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"

static const char *const state_names[HC_STATE__COUNT] = {
    [HC_STATE_UNKNOWN] = "unknown",
    [HC_STATE_UP] = "up",
    [HC_STATE_DOWN] = "down",
};

static const char *const admin_names[HC_ADMIN__COUNT] = {
    [HC_ADMIN_NONE] = "none",
    [HC_ADMIN_PAUSED] = "paused",
    [HC_ADMIN_DISABLED] = "disabled",
};

const char *hc_state_name(enum hc_state s)
{
	return (unsigned int)s < HC_STATE__COUNT ? state_names[s] : "?";
}

const char *hc_admin_name(enum hc_admin a)
{
	return (unsigned int)a < HC_ADMIN__COUNT ? admin_names[a] : "?";
}

/* ---- subscribers ------------------------------------------------------- */

int hc_engine_subscribe(struct hc_engine *e, hc_event_fn fn, void *arg)
{
	struct hc_sub *s = realloc(e->subs, (e->n_subs + 1) * sizeof(*s));

	if (!s)
		return -ENOMEM;
	e->subs = s;
	s[e->n_subs++] = (struct hc_sub){fn, arg};
	return 0;
}

void hc_engine_unsubscribe(struct hc_engine *e, hc_event_fn fn, void *arg)
{
	for (size_t i = 0; i < e->n_subs; i++)
		if (e->subs[i].fn == fn && e->subs[i].arg == arg) {
			memmove(&e->subs[i], &e->subs[i + 1],
				(e->n_subs - i - 1) * sizeof(*e->subs));
			e->n_subs--;
			return;
		}
}

static void publish(struct hc_target *t, const struct hc_transition *tr)
{
	struct hc_event ev = {
	    .addr = &t->addr,
	    .port = t->port,
	    .type = t->type,
	    .tr = tr,
	    .n_reals = t->n_reals,
	};

	for (size_t i = 0; i < t->e->n_subs; i++)
		t->e->subs[i].fn(t->e->subs[i].arg, &ev);
}

/* ---- history ----------------------------------------------------------- */

void hc_sm_record(struct hc_target *t, enum hc_state to, const char *cause)
{
	struct hc_transition *tr = &t->hist[t->hist_head];
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	tr->time_ms = lb_loop_now_ms_fresh(t->e->loop);
	tr->wall_ms =
	    (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	tr->from = (uint8_t)t->state;
	tr->to = (uint8_t)to;
	tr->admin = (uint8_t)t->admin;
	snprintf(tr->cause, sizeof(tr->cause), "%s", cause);
	t->hist_head = (t->hist_head + 1) % HC_HISTORY;
	if (t->hist_n < HC_HISTORY)
		t->hist_n++;
	if (to != t->state) {
		t->since_ms = tr->time_ms;
		if (to == HC_STATE_UP)
			t->up_since_ms = tr->time_ms;
		t->e->st.transitions++;
	}
	t->state = to;
	publish(t, tr);
}

size_t hc_sm_history(const struct hc_target *t, struct hc_transition *out,
		     size_t max)
{
	size_t n = 0;

	for (unsigned int i = 0; i < t->hist_n && n < max; i++) {
		unsigned int at =
		    (t->hist_head + HC_HISTORY - t->hist_n + i) % HC_HISTORY;

		out[n++] = t->hist[at];
	}
	return n;
}

/* ---- rise and fall ----------------------------------------------------- */

/*
 * Handlers indexed by state. A success run of `rise` takes unknown or down
 * to up; a failure run of `fall` takes unknown or up to down.
 */
struct sm_handler {
	void (*ok)(struct hc_target *t, const char *cause);
	void (*fail)(struct hc_target *t, const char *cause);
};

static void sm_ok_to_up(struct hc_target *t, const char *cause)
{
	if (t->ok_run >= t->h->rise)
		hc_sm_record(t, HC_STATE_UP, cause);
}

static void sm_fail_to_down(struct hc_target *t, const char *cause)
{
	if (t->fail_run >= t->h->fall)
		hc_sm_record(t, HC_STATE_DOWN, cause);
}

static void sm_nop(struct hc_target *t, const char *cause)
{
}

static const struct sm_handler sm[HC_STATE__COUNT] = {
    [HC_STATE_UNKNOWN] = {sm_ok_to_up, sm_fail_to_down},
    [HC_STATE_UP] = {sm_nop, sm_fail_to_down},
    [HC_STATE_DOWN] = {sm_ok_to_up, sm_nop},
};

bool hc_sm_unconfirmed(const struct hc_target *t)
{
	return t->state == HC_STATE_UNKNOWN ||
	       (t->state == HC_STATE_UP && t->fail_run) ||
	       (t->state == HC_STATE_DOWN && t->ok_run);
}

static void log_internal(struct hc_target *t, const char *cause)
{
	struct hc_engine *e = t->e;
	uint64_t now = lb_loop_now_ms(e->loop);
	char a[LB_ADDR_STRLEN];

	e->internal_since_log++;
	if (e->last_internal_log_ms && now - e->last_internal_log_ms < 1000)
		return;
	lb_err("health: cannot check %s (%s): %s; failing open, reals keep "
	       "their weight%s (%llu such errors since last report)",
	       lb_addr_port_fmt(&t->addr, t->port, a, sizeof(a)), t->ops->name,
	       cause,
	       strstr(cause, "descriptors")
		   ? "; raise the open-files limit (ulimit -n, LimitNOFILE=)"
		   : "",
	       (unsigned long long)e->internal_since_log);
	e->last_internal_log_ms = now;
	e->internal_since_log = 0;
}

static void verdict_ok(struct hc_target *t, const char *cause)
{
	t->e->st.successes++;
	t->internal_error = false;
	t->fail_run = 0;
	t->ok_run++;
	sm[t->state].ok(t, cause);
}

static void verdict_fail(struct hc_target *t, const char *cause)
{
	if (lb_log_get_level() >= LB_LOG_DEBUG) {
		char a[LB_ADDR_STRLEN];

		lb_debug("health: %s %s: check failed: %s",
			 lb_addr_port_fmt(&t->addr, t->port, a, sizeof(a)),
			 t->ops->name, cause);
	}
	t->e->st.failures++;
	t->failures++;
	t->internal_error = false;
	t->ok_run = 0;
	t->fail_run++;
	sm[t->state].fail(t, cause);
}

/* Not the real's fault: no run is counted either way. */
static void verdict_internal(struct hc_target *t, const char *cause)
{
	t->e->st.internal_errors++;
	t->internal_error = true;
	log_internal(t, cause);
}

void hc_sm_verdict(struct hc_target *t, enum hc_result r, const char *cause)
{
	switch (r) {
	case HC_R_OK:
		verdict_ok(t, cause);
		break;
	case HC_R_FAIL:
		verdict_fail(t, cause);
		break;
	case HC_R_INTERNAL:
		verdict_internal(t, cause);
		break;
	}
}

/* ---- admin states ------------------------------------------------------ */

/* Paused: probing stops and the state is frozen. */
static void admin_pause(struct hc_target *t, enum hc_admin was)
{
	hc_probe_stop(t);
}

/* Probing again after a pause starts a fresh run at once. */
static void admin_probe(struct hc_target *t, enum hc_admin was)
{
	if (was != HC_ADMIN_PAUSED || !hc_target_probed(t))
		return;
	t->ok_run = t->fail_run = 0;
	hc_sched_at(t, lb_loop_now_ms(t->e->loop));
}

/* Handlers indexed by the admin state entered. */
static void (*const admin_enter[HC_ADMIN__COUNT])(struct hc_target *t,
						  enum hc_admin was) = {
    [HC_ADMIN_NONE] = admin_probe,
    [HC_ADMIN_PAUSED] = admin_pause,
    [HC_ADMIN_DISABLED] = admin_probe,
};

static void admin_change(struct hc_target *t, enum hc_admin admin)
{
	char cause[HC_CAUSE_MAX];
	enum hc_admin was = t->admin;

	t->admin = admin;
	snprintf(cause, sizeof(cause), "admin %s -> %s", hc_admin_name(was),
		 hc_admin_name(admin));
	admin_enter[admin](t, was);
	hc_sm_record(t, t->state, cause);
}

int hc_engine_set_admin(struct hc_engine *e, const struct lb_addr *addr,
			uint16_t port, enum hc_admin admin)
{
	int n = 0;

	if ((unsigned int)admin >= HC_ADMIN__COUNT)
		return -EINVAL;
	for (size_t i = 0; i < e->n_buckets; i++)
		for (struct hc_target *t = e->buckets[i]; t; t = t->hnext) {
			if (lb_addr_cmp(&t->addr, addr) ||
			    (port && t->port != port) || t->admin == admin)
				continue;
			admin_change(t, admin);
			n++;
		}
	return n ? n : -ENOENT;
}
