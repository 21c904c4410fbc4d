/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Private parts of the health engine, shared by its files and the probes:
 *
 *   engine.c   the engine's life (new, free), names and status queries
 *   target.c   distinct targets: keys, sharing, reload keeping unchanged ones
 *   probe.c    one probe run: start, timeout, verdict, the probe type table
 *   sched.c    when probes run: jitter, spread, fast interval, timers
 *   sm.c       rise/fall and admin states, history, subscribers
 *   weight.c   effective weights (struct rc_weight_src)
 *   sockpool.c idle TCP sockets kept for reuse
 *   tls.c      TLS for https: shared contexts and the non-blocking steps
 *   tcp.c http.c https.c udp.c icmp.c exec.c none.c  one probe type each
 *
 * Only these files include this header.
 */
#ifndef BALLAST_HEALTH_INTERNAL_H
#define BALLAST_HEALTH_INTERNAL_H

#include <regex.h>
#include <stdarg.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "health/health.h"

/* ---- probe types -------------------------------------------------------- */

/* Outcome of one probe. */
enum hc_result {
	HC_R_OK = 0,
	HC_R_FAIL,     /* the real failed the check */
	HC_R_INTERNAL, /* the checker could not check: fail open */
};

struct hc_target;

/*
 * One probe type. start() begins a probe and reports through
 * hc_probe_done(), possibly before it returns; a negative return means the
 * probe could not start (resource errors count as internal). stop() releases
 * whatever a run holds and is called exactly once per started run.
 */
struct hc_probe_ops {
	const char *name;
	bool needs_port;
	/* Validate and precompute per-target data (request text, regex). */
	int (*prepare)(struct hc_target *t);
	void (*unprepare)(struct hc_target *t);
	int (*start)(struct hc_target *t);
	void (*stop)(struct hc_target *t);
	/* Verdict when the timeout expires; NULL means failure. */
	enum hc_result (*timed_out)(struct hc_target *t, char *cause,
				    size_t len);
};

extern const struct hc_probe_ops hc_tcp_ops;
extern const struct hc_probe_ops hc_http_ops;
extern const struct hc_probe_ops hc_https_ops;
extern const struct hc_probe_ops hc_udp_ops;
extern const struct hc_probe_ops hc_icmp_ops;
extern const struct hc_probe_ops hc_exec_ops;
extern const struct hc_probe_ops hc_none_ops;

/* ---- a distinct probe target -------------------------------------------- */

/* A distinct probe target, shared by every real that maps to it. */
struct hc_target {
	struct hc_engine *e;
	struct hc_target *hnext; /* hash chain */
	char *key;		 /* type, address, port and parameters */
	size_t key_len;
	uint64_t hash;
	const struct cfg_health *h; /* parameters (any sharer's; all equal) */
	const struct hc_probe_ops *ops;
	enum cfg_hc_type type;
	struct lb_addr addr;
	uint16_t port;		    /* the port probed */
	struct sockaddr_storage sa; /* addr:port */
	socklen_t salen;
	struct sockaddr_storage src; /* source to bind, when set */
	socklen_t srclen;
	/* state machine */
	enum hc_state state;
	enum hc_admin admin;
	bool internal_error;  /* last probe could not run: fail open */
	bool config_error;    /* cannot ever probe (no port): fail open */
	uint32_t ok_run;      /* consecutive successes */
	uint32_t fail_run;    /* consecutive failures */
	uint64_t since_ms;    /* last transition */
	uint64_t up_since_ms; /* last transition to up (slow start) */
	uint64_t probes;
	uint64_t failures;
	uint32_t last_rtt_us;
	char last_cause[HC_CAUSE_MAX];
	struct hc_transition hist[HC_HISTORY];
	unsigned int hist_head; /* next slot */
	unsigned int hist_n;
	/* scheduling */
	struct hc_slot *slot;	  /* start slot of the next probe, or NULL */
	struct hc_target *s_next; /* place in that slot's list */
	struct hc_target **s_pprev;
	struct hc_tq *tq;	     /* timeout queue for this timeout value */
	struct hc_target *tq_next;   /* place in it while a probe runs */
	struct hc_target **tq_pprev; /* NULL when not queued */
	uint64_t deadline_ms;	     /* of the running probe */
	bool in_flight;
	uint64_t started_ms;
	struct timespec started_ts;
	unsigned int n_reals;
	bool mark; /* reload bookkeeping */
	/* probe run state */
	struct lb_watch w;
	bool w_armed; /* t->w's one-shot can still fire */
	void *run;    /* per-run data of the probe type */
	void *prep;   /* per-target data of the probe type */
	uint16_t echo_seq;
};

/* ---- the engine --------------------------------------------------------- */

/* A (pool, backend) pair of the loaded config. */
struct hc_real {
	struct hc_target *t; /* NULL: nothing to probe (fail open) */
	const struct cfg_pool *pool;
	const struct cfg_backend *b;
};

/* A subscriber told of every transition. */
struct hc_sub {
	hc_event_fn fn;
	void *arg;
};

#define HC_POOL_MAX 512

/* Idle TCP sockets of one address family (sockpool.c). */
struct hc_sock_pool {
	int fds[HC_POOL_MAX];
	unsigned int n;
};

/*
 * Running probes with the same timeout, in start order, which is also
 * deadline order: starting and finishing a probe is a list append and
 * unlink, and one loop timer per queue fires at the head's deadline. (A
 * timer per probe cost two heap operations on every check.)
 */
struct hc_tq {
	struct hc_tq *next;
	struct hc_engine *e;
	uint32_t timeout_ms;
	struct hc_target *head;
	struct hc_target **tailp;
	struct lb_timer *t; /* may fire for a head that already finished */
};

/*
 * Probes due at the same (slot-rounded) time, started by one loop timer:
 * scheduling a target is a list push rather than a heap insertion into a
 * heap of thousands, and starting the slot pops them all.
 */
#define HC_SLOT_BUCKETS 256

struct hc_slot {
	struct hc_slot *hnext; /* hash chain, by time */
	struct hc_engine *e;
	uint64_t when;
	struct hc_target *head;
	struct lb_timer *t;
};

struct hc_reaper;
struct hc_tls_ctx;

struct hc_engine {
	struct lb_loop *loop;
	/* scheduler (sched.c) */
	struct hc_slot *slots[HC_SLOT_BUCKETS]; /* pending starts, by time */
	struct hc_slot *free_slots;		/* spare slots for reuse */
	struct hc_tq *tqs;			/* one per timeout value */
	uint64_t rng;				/* jitter state */
	/* probe resources */
	struct hc_sock_pool pool4; /* idle TCP sockets, by family */
	struct hc_sock_pool pool6;
	struct hc_reaper *reapers; /* killed exec children not yet reaped */
	struct hc_tls_ctx *tls;	   /* shared TLS contexts (tls.c) */
	size_t n_tls;
	const struct cfg *cfg;
	/* targets, hashed by key (target.c) */
	struct hc_target **buckets;
	size_t n_buckets;
	size_t n_targets;
	/* reals of the loaded config: reals[pool_off[pi] + bi] */
	struct hc_real *reals;
	size_t *pool_off;
	size_t n_reals;
	struct hc_sub *subs; /* sm.c */
	size_t n_subs;
	struct hc_stats st;
	struct hc_probe_hist probe_hist[CFG_HC__COUNT]; /* probe.c */
	/* rate limit of checker-error logs */
	uint64_t last_internal_log_ms;
	uint64_t internal_since_log;
};

/* errno values that mean "the checker ran out of something". */
bool hc_errno_internal(int err);

/* ---- probe runs (probe.c) ----------------------------------------------- */

/* The ops of a probe type (none for an unknown type). */
const struct hc_probe_ops *hc_probe_ops_of(enum cfg_hc_type type);
/* Start a probe of t now, unless one runs or t is paused. */
void hc_probe_run(struct hc_target *t);
/* The run's timeout expired. */
void hc_probe_timeout(struct hc_target *t);
/* Report the outcome of the running probe (once per run). */
void hc_probe_done(struct hc_target *t, enum hc_result r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Cancel t's pending start and running probe, if any. */
void hc_probe_stop(struct hc_target *t);
struct lb_loop *hc_target_loop(const struct hc_target *t);

/* ---- the scheduler (sched.c) -------------------------------------------- */

uint64_t hc_rng_next(struct hc_engine *e);
/* Probes t at `when` (ms, the loop's clock); logs when out of memory. */
void hc_sched_at(struct hc_target *t, uint64_t when);
/* A new target's first probe, at a random point of its interval. */
void hc_sched_first(struct hc_target *t);
/* The next probe after a verdict: interval, or fast while unconfirmed. */
void hc_sched_next(struct hc_target *t);
/* Forget t's pending start. */
void hc_sched_cancel(struct hc_target *t);
/* Queue a started run for its timeout; 0 or -ENOMEM. */
int hc_sched_timeout(struct hc_target *t);
/* Take a finished run out of its timeout queue. */
void hc_sched_timeout_cancel(struct hc_target *t);
/* Release every slot and timeout queue. */
void hc_sched_free(struct hc_engine *e);

/* ---- the state machine (sm.c) ------------------------------------------- */

/* Count a verdict and run the state's handler for it. */
void hc_sm_verdict(struct hc_target *t, enum hc_result r, const char *cause);
/* A verdict is unconfirmed while a run against the state is building. */
bool hc_sm_unconfirmed(const struct hc_target *t);
/* Record a transition (or an admin change: to == state) and publish it. */
void hc_sm_record(struct hc_target *t, enum hc_state to, const char *cause);
/* Last transitions, oldest first; returns the count. */
size_t hc_sm_history(const struct hc_target *t, struct hc_transition *out,
		     size_t max);

/* ---- targets (target.c) ------------------------------------------------- */

/* Whether t is ever probed (not `none`, not missing its port). */
bool hc_target_probed(const struct hc_target *t);
/* Free every target of a table. */
void hc_targets_free(struct hc_target **buckets, size_t n_buckets);
/* The reals of a pool of the loaded config (in backend order), or NULL. */
struct hc_real *hc_pool_reals(struct hc_engine *e, const struct cfg_pool *pool);
/* The real for (pool, backend) of the loaded config, or NULL. */
struct hc_real *hc_real_of(struct hc_engine *e, const struct cfg_pool *pool,
			   const struct cfg_backend *b);
/* The real `bi` of pool `pi` of the loaded config, or NULL. */
struct hc_real *hc_real_at(struct hc_engine *e, size_t pi, size_t bi);
/* The real's health parameters: the backend's override or the pool's. */
const struct cfg_health *hc_real_health(const struct hc_real *r);

/* ---- effective weights (weight.c) --------------------------------------- */

uint32_t hc_real_weight(struct hc_engine *e, const struct hc_real *r);

/* ---- idle sockets (sockpool.c) ------------------------------------------ */

/*
 * Idle TCP sockets kept for reuse: a finished check disconnects its socket
 * (connect AF_UNSPEC sends the RST) and parks it, still registered with the
 * loop but disarmed (EPOLLONESHOT); the next check reconnects it. Saves the
 * socket's allocation, options and epoll registration on every check.
 * Returns an fd, or -1 when none is idle.
 */
int hc_engine_sock_get(struct hc_engine *e, int family);
/* Park a disconnected socket, or close it when the pool is full. */
void hc_engine_sock_put(struct hc_engine *e, int family, int fd);
/* Close every idle socket. */
void hc_engine_sock_drain(struct hc_engine *e);

/* ---- tcp, shared by tcp, http and https (tcp.c) ------------------------- */

/*
 * Start a TCP connection to the target on t->w, registered EPOLLOUT |
 * EPOLLONESHOT with `fn`: an idle pooled socket when there is one, else a
 * new one (SO_LINGER 0, so every close or disconnect sends RST and leaves
 * no TIME_WAIT). 0, or -errno when no socket could be had (EMFILE...);
 * a refused connect is reported through hc_tcp_fail() and returns 0.
 */
int hc_tcp_open(struct hc_target *t, lb_watch_fn fn);
/* The one-shot registration fired and was not re-armed. */
static inline void hc_tcp_fired(struct hc_target *t)
{
	t->w_armed = false;
}
/* Re-arm t->w for `events` (one-shot); reports failure itself. */
int hc_tcp_wait(struct hc_target *t, uint32_t events);
/*
 * End of a run: park the socket for reuse when `clean` (the exchange ended
 * without a socket error and the registration is disarmed), else close it.
 */
void hc_tcp_release(struct hc_target *t, bool clean);
/* Report a failed connect from errno or SO_ERROR with a readable cause. */
void hc_tcp_fail(struct hc_target *t, int err, const char *what);

/* ---- exec children (exec.c) --------------------------------------------- */

/*
 * Killed exec children still to be reaped from the loop are kept on the
 * engine, so that freeing it reaps them (SIGKILLed children exit at once)
 * instead of leaking them.
 */
void hc_exec_reap_all(struct hc_engine *e);

/* ---- TLS (tls.c) -------------------------------------------------------- */

/* Per-target TLS settings of an https probe. */
struct hc_tls_prep {
	struct ssl_ctx_st *ctx; /* the engine's shared context, or NULL */
	char *sni;		/* server name, or NULL */
	char *verify_host;	/* name to verify, or NULL: the address */
};

/* One TLS connection of a run. */
struct hc_tls_conn {
	struct ssl_st *ssl; /* NULL until set up */
	bool done;	    /* handshake finished */
	unsigned long err;  /* last OpenSSL error, for the cause */
	int ssl_ret;	    /* last SSL_get_error() */
};

/*
 * SNI, the name to verify and the shared context from t's parameters.
 * 0, or -EINVAL for a CA file that cannot be loaded (logged); any other
 * missing context leaves p->ctx NULL, and probes fail open.
 */
int hc_tls_prepare(struct hc_target *t, struct hc_tls_prep *p);
void hc_tls_unprepare(struct hc_tls_prep *p);
/* Free every shared context. */
void hc_tls_ctx_free_all(struct hc_engine *e);

/* A client connection on t's socket; 0 or -errno. */
int hc_tls_setup(struct hc_target *t, const struct hc_tls_prep *p,
		 struct hc_tls_conn *c);
/* 1 done, 0 wants the events in *want, -1 failed. */
int hc_tls_handshake(struct hc_tls_conn *c, uint32_t *want);
/* Bytes moved, -EAGAIN with *want set, -EIO; read returns 0 at the end. */
ssize_t hc_tls_write(struct hc_tls_conn *c, const void *buf, size_t len,
		     uint32_t *want);
ssize_t hc_tls_read(struct hc_tls_conn *c, void *buf, size_t len,
		    uint32_t *want);
void hc_tls_free(struct hc_tls_conn *c);
/* Describe the last TLS error (verify result included) into cause. */
void hc_tls_error(const struct hc_tls_conn *c, char *cause, size_t len);

/* ---- http and https share one implementation (http.c) ------------------- */

struct hc_http_prep {
	char *req; /* the request, built once */
	size_t req_len;
	bool has_regex;
	regex_t re;
	struct hc_tls_prep tls; /* https only */
};

struct hc_http_run {
	struct hc_tls_conn tls; /* https only */
	bool connected;
	bool clean; /* verdict from a clean exchange: reuse */
	size_t sent;
	char *buf;
	size_t len;
	size_t cap;
};

int hc_http_prepare(struct hc_target *t);
void hc_http_unprepare(struct hc_target *t);
int hc_http_start(struct hc_target *t);
void hc_http_stop(struct hc_target *t);

#endif
