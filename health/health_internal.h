/* SPDX-License-Identifier: GPL-2.0-only */
/* Private parts of the health engine shared by the engine and the probes. */
#ifndef BALLAST_HEALTH_INTERNAL_H
#define BALLAST_HEALTH_INTERNAL_H

#include <regex.h>
#include <stdarg.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "health/health.h"

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

/* Report the outcome of the running probe (once per run). */
void hc_probe_done(struct hc_target *t, enum hc_result r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
struct lb_loop *hc_target_loop(const struct hc_target *t);
/* errno values that mean "the checker ran out of something". */
bool hc_errno_internal(int err);

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

/*
 * Idle TCP sockets kept for reuse: a finished check disconnects its socket
 * (connect AF_UNSPEC sends the RST) and parks it, still registered with the
 * loop but disarmed (EPOLLONESHOT); the next check reconnects it. Saves the
 * socket's allocation, options and epoll registration on every check.
 * Returns an fd (*fresh false) or -1 when none is idle.
 */
int hc_engine_sock_get(struct hc_engine *e, int family);
/* Park a disconnected socket, or close it when the pool is full. */
void hc_engine_sock_put(struct hc_engine *e, int family, int fd);

/*
 * A killed exec child still to be reaped from the loop. The engine keeps the
 * list so that freeing it reaps (SIGKILLed children exit at once) instead of
 * leaking them.
 */
struct hc_reaper {
	struct hc_reaper *next;
	struct hc_reaper **pprev;
	pid_t pid;
	struct lb_watch w; /* the child's pidfd */
};

void hc_engine_reaper_add(struct hc_engine *e, struct hc_reaper *r);
void hc_engine_reaper_del(struct hc_reaper *r);

/* Shared TLS context for (verify, ca_file); NULL on failure (logged). */
struct ssl_ctx_st *hc_engine_ssl_ctx(struct hc_engine *e, bool verify,
				     const char *ca_file);

/* ---- http and https share one implementation ---------------------------- */

struct hc_http_prep {
	char *req; /* the request, built once */
	size_t req_len;
	bool has_regex;
	regex_t re;
	struct ssl_ctx_st *ssl_ctx; /* https: the engine's shared context */
	char *sni;		    /* https: server name, or NULL */
	char *verify_host;	    /* https: name to verify, or NULL */
};

struct hc_http_run {
	struct ssl_st *ssl;    /* https only */
	bool tls_done;	       /* handshake finished */
	unsigned long tls_err; /* last OpenSSL error, for the cause */
	int ssl_ret;	       /* last SSL_get_error() */
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

/* TLS steps for https: 1 done, 0 wants the events in *want, -1 failed. */
int hc_tls_setup(struct hc_target *t, struct hc_http_run *r);
int hc_tls_handshake(struct hc_target *t, struct hc_http_run *r,
		     uint32_t *want);
ssize_t hc_tls_write(struct hc_http_run *r, const void *buf, size_t len,
		     uint32_t *want);
ssize_t hc_tls_read(struct hc_http_run *r, void *buf, size_t len,
		    uint32_t *want);
void hc_tls_free(struct hc_http_run *r);
/* Describe the last TLS error (verify result included) into cause. */
void hc_tls_error(struct hc_http_run *r, char *cause, size_t len);

#endif
