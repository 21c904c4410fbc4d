// SPDX-License-Identifier: GPL-2.0-only
/*
 * One probe run, whatever its type: start it through the type's ops, arm
 * its timeout, take its verdict (or the timeout's) exactly once, measure
 * its round trip, hand the verdict to the state machine and schedule the
 * next run. Also the table from a config's check type to its ops; the
 * types themselves live one per file (tcp.c, http.c ...).
 */
#include "health/health_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const struct hc_probe_ops *const probe_ops[CFG_HC__COUNT] = {
    [CFG_HC_TCP] = &hc_tcp_ops,	    [CFG_HC_HTTP] = &hc_http_ops,
    [CFG_HC_HTTPS] = &hc_https_ops, [CFG_HC_UDP] = &hc_udp_ops,
    [CFG_HC_ICMP] = &hc_icmp_ops,   [CFG_HC_EXEC] = &hc_exec_ops,
    [CFG_HC_NONE] = &hc_none_ops,
};

const struct hc_probe_ops *hc_probe_ops_of(enum cfg_hc_type type)
{
	return probe_ops[(unsigned int)type < CFG_HC__COUNT ? type
							    : CFG_HC_NONE];
}

const char *hc_type_name(enum cfg_hc_type t)
{
	return (unsigned int)t < CFG_HC__COUNT ? probe_ops[t]->name : "?";
}

struct lb_loop *hc_target_loop(const struct hc_target *t)
{
	return t->e->loop;
}

bool hc_errno_internal(int err)
{
	if (err < 0)
		err = -err;
	return err == EMFILE || err == ENFILE || err == ENOMEM ||
	       err == ENOBUFS || err == EAGAIN || err == EADDRNOTAVAIL;
}

/* The run is over: out of the timeout queue, the type's state released. */
static void run_end(struct hc_target *t)
{
	t->in_flight = false;
	t->e->st.in_flight--;
	hc_sched_timeout_cancel(t);
	t->ops->stop(t);
}

static uint32_t rtt_us(const struct hc_target *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint32_t)((now.tv_sec - t->started_ts.tv_sec) * 1000000 +
			  (now.tv_nsec - t->started_ts.tv_nsec) / 1000);
}

const uint32_t hc_probe_le_us[HC_PROBE_BUCKETS] = {
    500,    1000,   2500,   5000,    10000,   25000,   50000,
    100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000,
};

static void hist_observe(struct hc_probe_hist *h, uint32_t us)
{
	size_t i = 0;

	while (i < HC_PROBE_BUCKETS && us > hc_probe_le_us[i])
		i++;
	h->counts[i]++;
	h->sum_us += us;
	h->count++;
}

void hc_engine_probe_hist(const struct hc_engine *e, enum cfg_hc_type type,
			  struct hc_probe_hist *out)
{
	if ((unsigned int)type < CFG_HC__COUNT)
		*out = e->probe_hist[type];
	else
		memset(out, 0, sizeof(*out));
}

void hc_probe_done(struct hc_target *t, enum hc_result r, const char *fmt, ...)
{
	char cause[HC_CAUSE_MAX];
	va_list ap;

	if (!t->in_flight)
		return;
	run_end(t);
	va_start(ap, fmt);
	vsnprintf(cause, sizeof(cause), fmt, ap);
	va_end(ap);
	t->last_rtt_us = rtt_us(t);
	if ((unsigned int)t->type < CFG_HC__COUNT)
		hist_observe(&t->e->probe_hist[t->type], t->last_rtt_us);
	memcpy(t->last_cause, cause, sizeof(cause));
	t->probes++;
	t->e->st.probes++;
	hc_sm_verdict(t, r, cause);
	hc_sched_next(t);
}

void hc_probe_timeout(struct hc_target *t)
{
	char cause[HC_CAUSE_MAX];
	enum hc_result r = HC_R_FAIL;

	snprintf(cause, sizeof(cause), "timeout after %u ms", t->h->timeout_ms);
	if (t->ops->timed_out)
		r = t->ops->timed_out(t, cause, sizeof(cause));
	hc_probe_done(t, r, "%s", cause);
}

/* A start that failed before any verdict: say why. */
static void start_failed(struct hc_target *t, int err)
{
	if (err == -EMFILE || err == -ENFILE)
		hc_probe_done(t, HC_R_INTERNAL, "out of file descriptors (%s)",
			      strerror(-err));
	else
		hc_probe_done(
		    t, hc_errno_internal(err) ? HC_R_INTERNAL : HC_R_FAIL, "%s",
		    strerror(-err));
}

void hc_probe_run(struct hc_target *t)
{
	int err;

	if (t->in_flight || t->admin == HC_ADMIN_PAUSED)
		return;
	t->in_flight = true;
	t->e->st.in_flight++;
	t->started_ms = lb_loop_now_ms(t->e->loop);
	clock_gettime(CLOCK_MONOTONIC, &t->started_ts);
	err = hc_sched_timeout(t);
	if (err) {
		hc_probe_done(t, HC_R_INTERNAL, "cannot arm timeout: %s",
			      strerror(-err));
		return;
	}
	err = t->ops->start(t);
	if (err && t->in_flight)
		start_failed(t, err);
}

void hc_probe_stop(struct hc_target *t)
{
	hc_sched_cancel(t);
	hc_sched_timeout_cancel(t);
	if (t->in_flight)
		run_end(t);
}
