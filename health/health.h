/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The health engine: active probes for every real of every pool, a state
 * machine per probe target, and the effective weights the desired-state
 * builder consumes (through struct rc_weight_src).
 *
 * Everything runs on the caller's lb_loop: no threads, no blocking calls, no
 * name resolution. One probe runs per distinct target (type, address, port,
 * probe parameters) however many pools and services share it.
 */
#ifndef BALLAST_HEALTH_HEALTH_H
#define BALLAST_HEALTH_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config/config.h"
#include "lib/addr.h"
#include "lib/evloop.h"
#include "reconcile/desired.h"

struct hc_engine;

/* Health state of a target, decided by rise/fall. */
enum hc_state {
	HC_STATE_UNKNOWN = 0, /* no verdict yet */
	HC_STATE_UP,
	HC_STATE_DOWN,
	HC_STATE__COUNT,
};

/* Administrative state, set by an operator. */
enum hc_admin {
	HC_ADMIN_NONE = 0, /* probes run and decide */
	HC_ADMIN_PAUSED,   /* probing stops, state frozen, weight as before */
	HC_ADMIN_DISABLED, /* out of rotation (weight 0); probing continues */
	HC_ADMIN__COUNT,
};

/* Transitions kept per target. */
#define HC_HISTORY 16
#define HC_CAUSE_MAX 96

struct hc_transition {
	uint64_t time_ms; /* CLOCK_MONOTONIC */
	uint64_t wall_ms; /* CLOCK_REALTIME, for display */
	uint8_t from;	  /* enum hc_state */
	uint8_t to;
	uint8_t admin; /* enum hc_admin after the change */
	char cause[HC_CAUSE_MAX];
};

/* A state change, as published to subscribers. */
struct hc_event {
	const struct lb_addr *addr;
	uint16_t port;
	enum cfg_hc_type type;
	const struct hc_transition *tr;
	unsigned int n_reals; /* reals (pool, backend) sharing this target */
};

typedef void (*hc_event_fn)(void *arg, const struct hc_event *ev);

/* Snapshot of one real, for status output. */
struct hc_real_status {
	const char *pool;
	struct lb_addr addr;
	uint16_t port;	     /* the backend's port */
	uint16_t probe_port; /* the port probed */
	enum cfg_hc_type type;
	enum hc_state state;
	enum hc_admin admin;
	bool internal_error; /* the checker itself failed; failing open */
	uint32_t weight;     /* configured */
	uint32_t effective;  /* what the weight source returns now */
	uint64_t since_ms;   /* CLOCK_MONOTONIC time of the last change */
	uint64_t probes;     /* probes completed */
	uint64_t failures;
	uint32_t last_rtt_us;
	char last_cause[HC_CAUSE_MAX];
};

/*
 * Durations of completed probes (verdicts and timeouts alike), per probe
 * type, in fixed buckets: counts[i] counts durations in
 * (hc_probe_le_us[i-1], hc_probe_le_us[i]] microseconds, counts[n] the ones
 * above the last bound. The engine keeps these so /metrics can show a
 * distribution rather than the last round-trip time alone.
 */
#define HC_PROBE_BUCKETS 14
extern const uint32_t hc_probe_le_us[HC_PROBE_BUCKETS];

struct hc_probe_hist {
	uint64_t counts[HC_PROBE_BUCKETS + 1];
	uint64_t sum_us;
	uint64_t count;
};

struct hc_stats {
	size_t targets; /* distinct probe targets */
	size_t reals;	/* (pool, backend) pairs */
	size_t in_flight;
	uint64_t probes;
	uint64_t successes;
	uint64_t failures;
	uint64_t internal_errors;
	uint64_t transitions;
};

/*
 * Create an engine on `loop`. It probes nothing until hc_engine_load().
 * `seed` seeds the jitter (0: from the clock).
 */
int hc_engine_new(struct lb_loop *loop, uint64_t seed, struct hc_engine **out)
    __attribute__((warn_unused_result));
/* Cancels every probe and closes every socket. NULL ok. */
void hc_engine_free(struct hc_engine *e);

/*
 * Adopt a configuration (first load or reload). Targets whose key and probe
 * parameters did not change keep their state, counters and history; new
 * ones start `unknown` with first probes spread over their interval; gone
 * ones are cancelled. `cfg` must outlive the engine or the next load.
 * 0, -ENOMEM, or -EINVAL with a message logged (bad regex, CA file...).
 */
int hc_engine_load(struct hc_engine *e, const struct cfg *cfg)
    __attribute__((warn_unused_result));

/* The configuration last loaded, or NULL. */
const struct cfg *hc_engine_cfg(const struct hc_engine *e);

/* One subscriber per call; all are told of every transition. */
int hc_engine_subscribe(struct hc_engine *e, hc_event_fn fn, void *arg)
    __attribute__((warn_unused_result));

/* Remove a subscription added with the same fn and arg. */
void hc_engine_unsubscribe(struct hc_engine *e, hc_event_fn fn, void *arg);

/*
 * Set the admin state of every target probing `addr` (port 0: any port).
 * Returns the number of targets changed, -ENOENT, or -EINVAL for a value
 * that is no admin state.
 */
int hc_engine_set_admin(struct hc_engine *e, const struct lb_addr *addr,
			uint16_t port, enum hc_admin admin);

/* The weight source for rc_desired_build(); valid while the engine lives. */
void hc_engine_weight_src(struct hc_engine *e, struct rc_weight_src *out);
uint32_t hc_engine_weight(struct hc_engine *e, const struct cfg_pool *pool,
			  const struct cfg_backend *b);
bool hc_engine_pool_down(struct hc_engine *e, const struct cfg_pool *pool);
/*
 * Deadline (CLOCK_MONOTONIC ms) by which effective weights change again
 * because a slow-start ramp is in progress, or 0 when none is.
 */
uint64_t hc_engine_ramp_deadline(struct hc_engine *e);

/* Status of real `bi` of pool `pi` of the loaded config. */
int hc_engine_real_status(struct hc_engine *e, size_t pi, size_t bi,
			  struct hc_real_status *out);
/* Last transitions of that real's target, oldest first; returns the count. */
size_t hc_engine_real_history(struct hc_engine *e, size_t pi, size_t bi,
			      struct hc_transition *out, size_t max);
void hc_engine_stats(const struct hc_engine *e, struct hc_stats *out);
/* The probe durations of type `type` since the engine was created. */
void hc_engine_probe_hist(const struct hc_engine *e, enum cfg_hc_type type,
			  struct hc_probe_hist *out);

const char *hc_state_name(enum hc_state s);
const char *hc_admin_name(enum hc_admin a);
const char *hc_type_name(enum cfg_hc_type t);

/* ---- reporting (ballast probe, tests, benchmarks) ------------------------ */

struct hc_report;

/*
 * Print every transition of `e` to `out` as it happens: one text line, or
 * one JSON object per line with `json`. Subscribes to the engine.
 */
int hc_report_new(struct hc_engine *e, FILE *out, bool json,
		  struct hc_report **r) __attribute__((warn_unused_result));
/* Print the state of every real of the loaded config (and the stats). */
void hc_report_summary(struct hc_report *r);
/* Number of transitions printed so far. */
unsigned long hc_report_count(const struct hc_report *r);
void hc_report_free(struct hc_report *r);

#endif
