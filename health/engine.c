// SPDX-License-Identifier: GPL-2.0-only
/*
 * The engine: targets (dedup and reload), the scheduler, the state machine
 * and effective weights. Probe types live in their own files behind
 * struct hc_probe_ops.
 */
#include "health/health_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"

struct hc_real {
	struct hc_target *t; /* NULL: nothing to probe (fail open) */
	const struct cfg_pool *pool;
	const struct cfg_backend *b;
};

struct hc_sub {
	hc_event_fn fn;
	void *arg;
};

struct hc_ssl_ctx {
	bool verify;
	char *ca_file;
	SSL_CTX *ctx;
};

#define HC_POOL_MAX 512

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

struct hc_engine {
	struct lb_loop *loop;
	struct hc_slot *slots[HC_SLOT_BUCKETS];
	struct hc_slot *free_slots;
	struct hc_tq *tqs;
	struct hc_sock_pool pool4; /* idle TCP sockets, by family */
	struct hc_sock_pool pool6;
	struct hc_reaper *reapers; /* killed exec children not yet reaped */
	uint64_t rng;
	const struct cfg *cfg;
	/* targets, hashed by key */
	struct hc_target **buckets;
	size_t n_buckets;
	size_t n_targets;
	/* reals of the loaded config: reals[pool_off[pi] + bi] */
	struct hc_real *reals;
	size_t *pool_off;
	size_t n_reals;
	struct hc_sub *subs;
	size_t n_subs;
	struct hc_ssl_ctx *ssl;
	size_t n_ssl;
	struct hc_stats st;
	uint64_t last_internal_log_ms;
	uint64_t internal_since_log;
};

static const struct hc_probe_ops *const probe_ops[CFG_HC__COUNT] = {
    [CFG_HC_TCP] = &hc_tcp_ops,	    [CFG_HC_HTTP] = &hc_http_ops,
    [CFG_HC_HTTPS] = &hc_https_ops, [CFG_HC_UDP] = &hc_udp_ops,
    [CFG_HC_ICMP] = &hc_icmp_ops,   [CFG_HC_EXEC] = &hc_exec_ops,
    [CFG_HC_NONE] = &hc_none_ops,
};

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

const char *hc_type_name(enum cfg_hc_type t)
{
	return (unsigned int)t < CFG_HC__COUNT ? probe_ops[t]->name : "?";
}

const char *hc_admin_name(enum hc_admin a)
{
	return (unsigned int)a < HC_ADMIN__COUNT ? admin_names[a] : "?";
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

static uint64_t rng_next(struct hc_engine *e)
{
	/* xorshift64*: cheap, and the jitter needs no more */
	e->rng ^= e->rng >> 12;
	e->rng ^= e->rng << 25;
	e->rng ^= e->rng >> 27;
	return e->rng * 2685821657736338717ull;
}

/* ---- idle sockets ------------------------------------------------------ */

int hc_engine_sock_get(struct hc_engine *e, int family)
{
	struct hc_sock_pool *p = family == AF_INET6 ? &e->pool6 : &e->pool4;

	return p->n ? p->fds[--p->n] : -1;
}

void hc_engine_sock_put(struct hc_engine *e, int family, int fd)
{
	struct hc_sock_pool *p = family == AF_INET6 ? &e->pool6 : &e->pool4;

	if (p->n < HC_POOL_MAX)
		p->fds[p->n++] = fd;
	else
		close(fd); /* also drops its epoll registration */
}

void hc_engine_reaper_add(struct hc_engine *e, struct hc_reaper *r)
{
	r->next = e->reapers;
	if (r->next)
		r->next->pprev = &r->next;
	r->pprev = &e->reapers;
	e->reapers = r;
}

void hc_engine_reaper_del(struct hc_reaper *r)
{
	*r->pprev = r->next;
	if (r->next)
		r->next->pprev = r->pprev;
}

static void pool_drain(struct hc_sock_pool *p)
{
	while (p->n)
		close(p->fds[--p->n]);
}

/* ---- TLS contexts, shared by every https target with the same settings -- */

struct ssl_ctx_st *hc_engine_ssl_ctx(struct hc_engine *e, bool verify,
				     const char *ca_file)
{
	struct hc_ssl_ctx *n;
	SSL_CTX *ctx;

	for (size_t i = 0; i < e->n_ssl; i++) {
		struct hc_ssl_ctx *c = &e->ssl[i];

		if (c->verify == verify && (!c->ca_file == !ca_file) &&
		    (!ca_file || !strcmp(c->ca_file, ca_file)))
			return c->ctx;
	}
	ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx) {
		lb_err("health: TLS initialisation failed (SSL_CTX_new)");
		return NULL;
	}
	SSL_CTX_set_verify(ctx, verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE,
			   NULL);
	if (verify) {
		int ok = ca_file
			     ? SSL_CTX_load_verify_locations(ctx, ca_file, NULL)
			     : SSL_CTX_set_default_verify_paths(ctx);
		if (ok != 1) {
			lb_err("health: cannot load CA file %s: check the path "
			       "and that it holds PEM certificates",
			       ca_file ? ca_file : "(system default)");
			SSL_CTX_free(ctx);
			return NULL;
		}
	}
	/* Probes are one-shot: no session cache, smallest state. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	n = realloc(e->ssl, (e->n_ssl + 1) * sizeof(*n));
	if (!n) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	e->ssl = n;
	n[e->n_ssl].verify = verify;
	n[e->n_ssl].ca_file = ca_file ? strdup(ca_file) : NULL;
	n[e->n_ssl].ctx = ctx;
	e->n_ssl++;
	return ctx;
}

/* ---- events and history ------------------------------------------------ */

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

static void record(struct hc_target *t, enum hc_state to, const char *cause)
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

/* ---- the state machine ------------------------------------------------- */

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
		record(t, HC_STATE_UP, cause);
}

static void sm_fail_to_down(struct hc_target *t, const char *cause)
{
	if (t->fail_run >= t->h->fall)
		record(t, HC_STATE_DOWN, cause);
}

static void sm_nop(struct hc_target *t, const char *cause)
{
}

static const struct sm_handler sm[HC_STATE__COUNT] = {
    [HC_STATE_UNKNOWN] = {sm_ok_to_up, sm_fail_to_down},
    [HC_STATE_UP] = {sm_nop, sm_fail_to_down},
    [HC_STATE_DOWN] = {sm_ok_to_up, sm_nop},
};

/* A verdict is unconfirmed while a run against the state is building. */
static bool unconfirmed(const struct hc_target *t)
{
	return t->state == HC_STATE_UNKNOWN ||
	       (t->state == HC_STATE_UP && t->fail_run) ||
	       (t->state == HC_STATE_DOWN && t->ok_run);
}

/* ---- the scheduler ----------------------------------------------------- */

static void probe_run(struct lb_loop *loop, struct hc_target *t);
static void probe_timeout(struct lb_loop *loop, void *arg);
static void tq_unlink(struct hc_target *t);

/*
 * interval ±10 %, never below 1 ms. While a verdict is pending only the
 * early half applies (−10 %..0), so confirming a failure never takes longer
 * than fall fast intervals: detection stays within one jittered interval
 * plus (fall − 1) fast intervals plus the timeout.
 */
static uint64_t jittered(struct hc_engine *e, uint32_t ms, bool early_only)
{
	uint64_t span = early_only ? ms / 10 : ms / 5;
	uint64_t v = ms - ms / 10 + (span ? rng_next(e) % (span + 1) : 0);

	return v ? v : 1;
}

/*
 * Probe starts are rounded up to a slot of interval/40 (at most 25 ms), so
 * probes due close together start in one wake-up of the loop: thousands of
 * targets cost tens of wake-ups a second instead of one per probe. The
 * jitter keeps its spread at that granularity.
 */
#define HC_BATCH_MAX_MS 25

static uint64_t batch_slot(uint64_t when, uint32_t interval_ms)
{
	uint64_t q = interval_ms / 40;

	if (q > HC_BATCH_MAX_MS)
		q = HC_BATCH_MAX_MS;
	if (q <= 1)
		return when;
	return (when + q - 1) / q * q;
}

static void slot_unlink(struct hc_target *t)
{
	if (!t->slot)
		return;
	*t->s_pprev = t->s_next;
	if (t->s_next)
		t->s_next->s_pprev = t->s_pprev;
	t->slot = NULL;
	t->s_next = NULL;
	t->s_pprev = NULL;
}

static void slot_release(struct hc_engine *e, struct hc_slot *sl)
{
	sl->hnext = e->free_slots;
	e->free_slots = sl;
}

static void slot_fire(struct lb_loop *loop, void *arg)
{
	struct hc_slot *sl = arg, **pp;
	struct hc_engine *e = sl->e;
	struct hc_target *t;

	/* Out of the table first: probes rescheduled now go to a new slot. */
	for (pp = &e->slots[sl->when % HC_SLOT_BUCKETS]; *pp;
	     pp = &(*pp)->hnext)
		if (*pp == sl) {
			*pp = sl->hnext;
			break;
		}
	while ((t = sl->head)) {
		slot_unlink(t);
		probe_run(loop, t);
	}
	slot_release(e, sl);
}

static void schedule_at(struct hc_target *t, uint64_t when)
{
	struct hc_engine *e = t->e;
	struct hc_slot *sl, **b = &e->slots[when % HC_SLOT_BUCKETS];
	int err;

	slot_unlink(t);
	for (sl = *b; sl && sl->when != when; sl = sl->hnext)
		;
	if (!sl) {
		sl = e->free_slots;
		if (sl)
			e->free_slots = sl->hnext;
		else if (!(sl = malloc(sizeof(*sl))))
			goto fail;
		sl->e = e;
		sl->when = when;
		sl->head = NULL;
		sl->t = NULL;
		err = lb_timer_add_at(e->loop, &sl->t, when, slot_fire, sl);
		if (err) {
			slot_release(e, sl);
			goto fail;
		}
		sl->hnext = *b;
		*b = sl;
	}
	t->slot = sl;
	t->s_next = sl->head;
	if (t->s_next)
		t->s_next->s_pprev = &t->s_next;
	t->s_pprev = &sl->head;
	sl->head = t;
	return;
fail:
	lb_err("health: cannot schedule a probe: out of memory");
}

static void schedule_next(struct hc_target *t)
{
	uint32_t ival = t->h->interval_ms;
	uint64_t now = lb_loop_now_ms(t->e->loop), when;
	bool pending = unconfirmed(t);

	if (t->admin == HC_ADMIN_PAUSED || t->ops == &hc_none_ops ||
	    t->config_error)
		return;
	if (pending && t->h->fast_interval_ms)
		ival = t->h->fast_interval_ms;
	/* Period measured from the start, so slow answers do not drift it. */
	when = t->started_ms + jittered(t->e, ival, pending);
	schedule_at(t, batch_slot(when > now ? when : now, ival));
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

void hc_probe_done(struct hc_target *t, enum hc_result r, const char *fmt, ...)
{
	struct hc_engine *e = t->e;
	struct timespec now;
	char cause[HC_CAUSE_MAX];
	va_list ap;

	if (!t->in_flight)
		return;
	t->in_flight = false;
	e->st.in_flight--;
	tq_unlink(t);
	t->ops->stop(t);
	va_start(ap, fmt);
	vsnprintf(cause, sizeof(cause), fmt, ap);
	va_end(ap);
	clock_gettime(CLOCK_MONOTONIC, &now);
	t->last_rtt_us =
	    (uint32_t)((now.tv_sec - t->started_ts.tv_sec) * 1000000 +
		       (now.tv_nsec - t->started_ts.tv_nsec) / 1000);
	memcpy(t->last_cause, cause, sizeof(cause));
	t->probes++;
	e->st.probes++;
	switch (r) {
	case HC_R_OK:
		e->st.successes++;
		t->internal_error = false;
		t->fail_run = 0;
		t->ok_run++;
		sm[t->state].ok(t, cause);
		break;
	case HC_R_FAIL:
		if (lb_log_get_level() >= LB_LOG_DEBUG) {
			char a[LB_ADDR_STRLEN];

			lb_debug(
			    "health: %s %s: check failed: %s",
			    lb_addr_port_fmt(&t->addr, t->port, a, sizeof(a)),
			    t->ops->name, cause);
		}
		e->st.failures++;
		t->failures++;
		t->internal_error = false;
		t->ok_run = 0;
		t->fail_run++;
		sm[t->state].fail(t, cause);
		break;
	case HC_R_INTERNAL:
		/* Not the real's fault: no run is counted either way. */
		e->st.internal_errors++;
		t->internal_error = true;
		log_internal(t, cause);
		break;
	}
	schedule_next(t);
}

static void probe_timeout(struct lb_loop *loop, void *arg)
{
	struct hc_target *t = arg;
	char cause[HC_CAUSE_MAX];
	enum hc_result r = HC_R_FAIL;

	snprintf(cause, sizeof(cause), "timeout after %u ms", t->h->timeout_ms);
	if (t->ops->timed_out)
		r = t->ops->timed_out(t, cause, sizeof(cause));
	hc_probe_done(t, r, "%s", cause);
}

static void tq_unlink(struct hc_target *t)
{
	struct hc_tq *q = t->tq;

	if (!t->tq_pprev)
		return;
	*t->tq_pprev = t->tq_next;
	if (t->tq_next)
		t->tq_next->tq_pprev = t->tq_pprev;
	else
		q->tailp = t->tq_pprev;
	t->tq_pprev = NULL;
	t->tq_next = NULL;
}

static void tq_fire(struct lb_loop *loop, void *arg);

static void tq_arm(struct hc_tq *q)
{
	if (q->head && !q->t &&
	    lb_timer_add_at(q->e->loop, &q->t, q->head->deadline_ms, tq_fire,
			    q))
		lb_err("health: cannot arm probe timeouts");
}

static void tq_fire(struct lb_loop *loop, void *arg)
{
	struct hc_tq *q = arg;
	uint64_t now = lb_loop_now_ms(loop);

	while (q->head && q->head->deadline_ms <= now) {
		struct hc_target *t = q->head;

		tq_unlink(t);
		probe_timeout(loop, t);
	}
	tq_arm(q);
}

static struct hc_tq *tq_find(struct hc_engine *e, uint32_t timeout_ms)
{
	struct hc_tq *q;

	for (q = e->tqs; q; q = q->next)
		if (q->timeout_ms == timeout_ms)
			return q;
	q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	q->e = e;
	q->timeout_ms = timeout_ms;
	q->tailp = &q->head;
	q->next = e->tqs;
	e->tqs = q;
	return q;
}

static int tq_push(struct hc_target *t)
{
	struct hc_tq *q = t->tq;

	if (!q && !(q = t->tq = tq_find(t->e, t->h->timeout_ms)))
		return -ENOMEM;
	t->deadline_ms = t->started_ms + t->h->timeout_ms;
	t->tq_next = NULL;
	t->tq_pprev = q->tailp;
	*q->tailp = t;
	q->tailp = &t->tq_next;
	tq_arm(q);
	return 0;
}

static void probe_run(struct lb_loop *loop, struct hc_target *t)
{
	int err;

	if (t->in_flight || t->admin == HC_ADMIN_PAUSED)
		return;
	t->in_flight = true;
	t->e->st.in_flight++;
	t->started_ms = lb_loop_now_ms(loop);
	clock_gettime(CLOCK_MONOTONIC, &t->started_ts);
	err = tq_push(t);
	if (err) {
		hc_probe_done(t, HC_R_INTERNAL, "cannot arm timeout: %s",
			      strerror(-err));
		return;
	}
	err = t->ops->start(t);
	if (err && t->in_flight) {
		if (err == -EMFILE || err == -ENFILE)
			hc_probe_done(t, HC_R_INTERNAL,
				      "out of file descriptors (%s)",
				      strerror(-err));
		else
			hc_probe_done(t,
				      hc_errno_internal(err) ? HC_R_INTERNAL
							     : HC_R_FAIL,
				      "%s", strerror(-err));
	}
}

static void target_stop(struct hc_target *t)
{
	struct hc_engine *e = t->e;

	slot_unlink(t);
	tq_unlink(t);
	if (t->in_flight) {
		t->in_flight = false;
		e->st.in_flight--;
		t->ops->stop(t);
	}
}

/* ---- targets ----------------------------------------------------------- */

struct keybuf {
	char *p;
	size_t len;
	size_t cap;
	bool oom;
};

static void kb_put(struct keybuf *k, const void *v, size_t n)
{
	if (k->oom)
		return;
	if (k->len + n > k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 256;
		char *p;

		while (cap < k->len + n)
			cap *= 2;
		p = realloc(k->p, cap);
		if (!p) {
			k->oom = true;
			return;
		}
		k->p = p;
		k->cap = cap;
	}
	memcpy(k->p + k->len, v, n);
	k->len += n;
}

static void kb_u32(struct keybuf *k, uint32_t v)
{
	kb_put(k, &v, sizeof(v));
}

/* Strings length-prefixed, NULL distinct from "". */
static void kb_str(struct keybuf *k, const char *s)
{
	uint32_t n = s ? (uint32_t)strlen(s) : UINT32_MAX;

	kb_u32(k, n);
	if (s)
		kb_put(k, s, n);
}

/* Every parameter that changes what a probe does or how results count. */
static void build_key(struct keybuf *k, const struct cfg_health *h,
		      const struct lb_addr *addr, uint16_t port)
{
	k->len = 0;
	kb_u32(k, h->type);
	kb_put(k, addr, sizeof(*addr));
	kb_u32(k, port);
	if (h->type == CFG_HC_NONE)
		return;
	kb_u32(k, h->interval_ms);
	kb_u32(k, h->fast_interval_ms);
	kb_u32(k, h->timeout_ms);
	kb_u32(k, h->rise);
	kb_u32(k, h->fall);
	kb_put(k, &h->source, sizeof(h->source));
	if (h->type == CFG_HC_HTTP || h->type == CFG_HC_HTTPS) {
		kb_str(k, h->method);
		kb_str(k, h->path);
		kb_str(k, h->host);
		kb_u32(k, (uint32_t)h->n_expect);
		for (size_t i = 0; i < h->n_expect; i++) {
			kb_u32(k, h->expect[i].lo);
			kb_u32(k, h->expect[i].hi);
		}
		kb_str(k, h->body);
		kb_str(k, h->body_regex);
		kb_u32(k, h->max_response);
	}
	if (h->type == CFG_HC_HTTPS) {
		kb_u32(k, h->tls_verify);
		kb_str(k, h->ca_file);
		kb_str(k, h->sni);
	}
	if (h->type == CFG_HC_UDP) {
		kb_str(k, h->payload);
		kb_str(k, h->expect_payload);
	}
	if (h->type == CFG_HC_EXEC) {
		kb_u32(k, (uint32_t)h->n_command);
		for (size_t i = 0; i < h->n_command; i++)
			kb_str(k, h->command[i]);
	}
}

static uint64_t fnv1a(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211ull;
	}
	return h;
}

static struct hc_target *target_find(struct hc_engine *e, const char *key,
				     size_t len, uint64_t hash)
{
	if (!e->n_buckets)
		return NULL;
	for (struct hc_target *t = e->buckets[hash % e->n_buckets]; t;
	     t = t->hnext)
		if (t->hash == hash && t->key_len == len &&
		    !memcmp(t->key, key, len))
			return t;
	return NULL;
}

static void target_free(struct hc_target *t)
{
	if (!t)
		return;
	target_stop(t);
	if (t->ops && t->ops->unprepare)
		t->ops->unprepare(t);
	free(t->key);
	free(t);
}

static void fill_sockaddr(struct sockaddr_storage *ss, socklen_t *len,
			  const struct lb_addr *a, uint16_t port)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, a->b, 16);
		*len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, a->b, 4);
		*len = sizeof(*s4);
	}
}

static struct hc_target *target_new(struct hc_engine *e, struct keybuf *k,
				    uint64_t hash, const struct cfg_health *h,
				    const struct lb_addr *addr, uint16_t port)
{
	struct hc_target *t = calloc(1, sizeof(*t));

	if (!t || !(t->key = malloc(k->len))) {
		free(t);
		return NULL;
	}
	memcpy(t->key, k->p, k->len);
	t->key_len = k->len;
	t->hash = hash;
	t->e = e;
	t->h = h;
	t->type = h->type;
	t->ops = probe_ops[(unsigned int)h->type < CFG_HC__COUNT ? h->type
								 : CFG_HC_NONE];
	t->addr = *addr;
	t->port = port;
	fill_sockaddr(&t->sa, &t->salen, addr, port);
	if (h->source.family)
		fill_sockaddr(&t->src, &t->srclen, &h->source, 0);
	t->state = HC_STATE_UNKNOWN;
	t->since_ms = lb_loop_now_ms(e->loop);
	t->echo_seq = (uint16_t)rng_next(e);
	lb_watch_init(&t->w);
	return t;
}

/* The port a backend is probed on: override, backend, then a service's. */
static uint16_t probe_port(const struct cfg *cfg, size_t pi,
			   const struct cfg_backend *b)
{
	if (b->health && b->health->port)
		return b->health->port;
	if (b->port)
		return b->port;
	for (size_t s = 0; s < cfg->n_services; s++)
		if (cfg->services[s].pool == pi ||
		    cfg->services[s].fallback_pool == (ssize_t)pi)
			if (cfg->services[s].port)
				return cfg->services[s].port;
	return 0;
}

static int rehash(struct hc_engine *e, size_t want)
{
	size_t nb = 64;
	struct hc_target **b;

	while (nb < want * 2)
		nb *= 2;
	if (nb <= e->n_buckets)
		return 0;
	b = calloc(nb, sizeof(*b));
	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < e->n_buckets; i++) {
		struct hc_target *t = e->buckets[i], *n;

		for (; t; t = n) {
			n = t->hnext;
			t->hnext = b[t->hash % nb];
			b[t->hash % nb] = t;
		}
	}
	free(e->buckets);
	e->buckets = b;
	e->n_buckets = nb;
	return 0;
}

static void check_fd_budget(size_t n_targets)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY && n_targets + 64 > rl.rlim_cur)
		lb_warn("health: %zu probe targets may need as many open "
			"sockets at once but the open-files limit is %llu; "
			"raise it (ulimit -n, LimitNOFILE=) or probes that "
			"cannot get a socket fail open",
			n_targets, (unsigned long long)rl.rlim_cur);
}

int hc_engine_load(struct hc_engine *e, const struct cfg *cfg)
{
	struct hc_target **old = e->buckets, *t, *n;
	size_t old_nb = e->n_buckets, total = 0, ri = 0;
	struct hc_real *reals = NULL;
	size_t *off = NULL;
	struct keybuf k = {0};
	int err = -ENOMEM;

	for (size_t p = 0; p < cfg->n_pools; p++)
		total += cfg->pools[p].n_backends;
	reals = calloc(total ? total : 1, sizeof(*reals));
	off = calloc(cfg->n_pools + 1, sizeof(*off));
	if (!reals || !off)
		goto fail;

	/* Old targets stay findable while the new set is built. */
	e->buckets = NULL;
	e->n_buckets = 0;
	e->n_targets = 0;
	if (rehash(e, total))
		goto fail_restore;
	for (size_t p = 0; p < cfg->n_pools; p++) {
		const struct cfg_pool *pool = &cfg->pools[p];

		off[p] = ri;
		for (size_t bi = 0; bi < pool->n_backends; bi++, ri++) {
			const struct cfg_backend *b = &pool->backends[bi];
			const struct cfg_health *h =
			    b->health ? b->health : &pool->health;
			uint16_t port = probe_port(cfg, p, b);
			uint64_t hash;

			/* Port-less probes dedup on the address alone. */
			if (h->type == CFG_HC_ICMP || h->type == CFG_HC_NONE)
				port = 0;
			build_key(&k, h, &b->addr, port);
			if (k.oom)
				goto fail_restore;
			hash = fnv1a(k.p, k.len);
			reals[ri].pool = pool;
			reals[ri].b = b;
			t = target_find(e, k.p, k.len, hash);
			if (!t) {
				struct hc_target **pp = NULL;

				/* Same target and parameters as before: adopt.
				 */
				if (old_nb)
					for (pp = &old[hash % old_nb]; *pp;
					     pp = &(*pp)->hnext)
						if ((*pp)->hash == hash &&
						    (*pp)->key_len == k.len &&
						    !memcmp((*pp)->key, k.p,
							    k.len))
							break;
				if (pp && *pp) {
					t = *pp;
					*pp = t->hnext;
					t->n_reals = 0;
				} else {
					t = target_new(e, &k, hash, h, &b->addr,
						       port);
					if (!t)
						goto fail_restore;
					t->mark = true;
					if (t->ops->needs_port && !port)
						t->config_error = true;
					err =
					    !t->config_error && t->ops->prepare
						? t->ops->prepare(t)
						: 0;
					if (err) {
						target_free(t);
						goto fail_restore_err;
					}
					err = -ENOMEM;
				}
				t->hnext = e->buckets[hash % e->n_buckets];
				e->buckets[hash % e->n_buckets] = t;
				e->n_targets++;
			}
			t->n_reals++;
			reals[ri].t = t;
		}
	}
	off[cfg->n_pools] = ri;
	/* Adopted targets read their (equal) parameters from the new config. */
	for (size_t i = 0; i < total; i++)
		reals[i].t->h = reals[i].b->health ? reals[i].b->health
						   : &reals[i].pool->health;

	/* Targets no longer named are gone. */
	for (size_t i = 0; i < old_nb; i++)
		for (t = old[i]; t; t = n) {
			n = t->hnext;
			target_free(t);
		}
	free(old);
	free(e->reals);
	free(e->pool_off);
	e->reals = reals;
	e->pool_off = off;
	e->n_reals = total;
	e->cfg = cfg;
	e->st.targets = e->n_targets;
	e->st.reals = total;
	check_fd_budget(e->n_targets);

	/* New targets: first probes spread over their interval. */
	for (size_t i = 0; i < e->n_buckets; i++)
		for (t = e->buckets[i]; t; t = t->hnext) {
			if (!t->mark)
				continue;
			t->mark = false;
			if (t->ops == &hc_none_ops) {
				record(t, HC_STATE_UP, "no check configured");
				continue;
			}
			if (t->config_error) {
				char a[LB_ADDR_STRLEN];

				lb_warn("health: %s: no port to probe (set "
					"health.port, the backend's port or a "
					"service port); failing open",
					lb_addr_fmt(&t->addr, a, sizeof(a)));
				continue;
			}
			schedule_at(t,
				    batch_slot(lb_loop_now_ms(e->loop) +
						   rng_next(e) %
						       (t->h->interval_ms
							    ? t->h->interval_ms
							    : 1),
					       t->h->interval_ms));
		}
	free(k.p);
	return 0;

fail_restore:
	err = -ENOMEM;
fail_restore_err:
	/* Put the adopted targets back into the old table and drop new ones. */
	for (size_t i = 0; i < e->n_buckets; i++)
		for (t = e->buckets[i]; t; t = n) {
			n = t->hnext;
			if (t->mark) {
				target_free(t);
			} else {
				t->hnext = old[t->hash % old_nb];
				old[t->hash % old_nb] = t;
			}
		}
	free(e->buckets);
	e->buckets = old;
	e->n_buckets = old_nb;
	e->n_targets = 0;
	for (size_t i = 0; i < old_nb; i++)
		for (t = old[i]; t; t = t->hnext)
			e->n_targets++;
	/* n_reals of adopted targets was reset; recount from the old reals */
	if (e->reals) {
		for (size_t i = 0; i < old_nb; i++)
			for (t = old[i]; t; t = t->hnext)
				t->n_reals = 0;
		for (size_t i = 0; i < e->n_reals; i++)
			if (e->reals[i].t)
				e->reals[i].t->n_reals++;
	}
fail:
	free(k.p);
	free(reals);
	free(off);
	return err;
}

/* ---- engine ------------------------------------------------------------ */

int hc_engine_new(struct lb_loop *loop, uint64_t seed, struct hc_engine **out)
{
	struct hc_engine *e = calloc(1, sizeof(*e));
	struct timespec ts;

	*out = NULL;
	if (!e)
		return -ENOMEM;
	e->loop = loop;
	if (!seed) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^
		       (uint64_t)getpid();
	}
	e->rng = seed ? seed : 88172645463325252ull;
	*out = e;
	return 0;
}

void hc_engine_free(struct hc_engine *e)
{
	struct hc_target *t, *n;

	if (!e)
		return;
	for (size_t i = 0; i < e->n_buckets; i++)
		for (t = e->buckets[i]; t; t = n) {
			n = t->hnext;
			target_free(t);
		}
	pool_drain(&e->pool4);
	pool_drain(&e->pool6);
	for (size_t i = 0; i < HC_SLOT_BUCKETS; i++)
		while (e->slots[i]) {
			struct hc_slot *sl = e->slots[i];

			e->slots[i] = sl->hnext;
			lb_timer_cancel(e->loop, &sl->t);
			free(sl);
		}
	while (e->free_slots) {
		struct hc_slot *sl = e->free_slots;

		e->free_slots = sl->hnext;
		free(sl);
	}
	while (e->tqs) {
		struct hc_tq *q = e->tqs;

		e->tqs = q->next;
		lb_timer_cancel(e->loop, &q->t);
		free(q);
	}
	/* Children were SIGKILLed: waiting for them is brief. */
	while (e->reapers) {
		struct hc_reaper *r = e->reapers;

		hc_engine_reaper_del(r);
		waitpid(r->pid, NULL, 0);
		lb_loop_watch_close(e->loop, &r->w);
		free(r);
	}
	for (size_t i = 0; i < e->n_ssl; i++) {
		SSL_CTX_free(e->ssl[i].ctx);
		free(e->ssl[i].ca_file);
	}
	free(e->ssl);
	free(e->buckets);
	free(e->reals);
	free(e->pool_off);
	free(e->subs);
	free(e);
}

const struct cfg *hc_engine_cfg(const struct hc_engine *e)
{
	return e->cfg;
}

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

int hc_engine_set_admin(struct hc_engine *e, const struct lb_addr *addr,
			uint16_t port, enum hc_admin admin)
{
	int n = 0;

	for (size_t i = 0; i < e->n_buckets; i++)
		for (struct hc_target *t = e->buckets[i]; t; t = t->hnext) {
			char cause[HC_CAUSE_MAX];
			enum hc_admin was = t->admin;

			if (lb_addr_cmp(&t->addr, addr) ||
			    (port && t->port != port) || t->admin == admin)
				continue;
			t->admin = admin;
			snprintf(cause, sizeof(cause), "admin %s -> %s",
				 hc_admin_name(was), hc_admin_name(admin));
			if (admin == HC_ADMIN_PAUSED) {
				target_stop(t);
			} else if (was == HC_ADMIN_PAUSED && !t->config_error &&
				   t->ops != &hc_none_ops) {
				t->ok_run = t->fail_run = 0;
				schedule_at(t, lb_loop_now_ms(e->loop));
			}
			record(t, t->state, cause);
			n++;
		}
	return n ? n : -ENOENT;
}

void hc_engine_stats(const struct hc_engine *e, struct hc_stats *out)
{
	*out = e->st;
}

/* ---- effective weights ------------------------------------------------- */

static struct hc_real *real_of(struct hc_engine *e, const struct cfg_pool *pool,
			       const struct cfg_backend *b)
{
	size_t pi, bi;

	if (!e->cfg || pool < e->cfg->pools ||
	    pool >= e->cfg->pools + e->cfg->n_pools)
		return NULL;
	pi = (size_t)(pool - e->cfg->pools);
	if (b < pool->backends || b >= pool->backends + pool->n_backends)
		return NULL;
	bi = (size_t)(b - pool->backends);
	return &e->reals[e->pool_off[pi] + bi];
}

/* Can this real take traffic as far as health is concerned? */
static bool real_healthy(const struct hc_real *r)
{
	const struct hc_target *t = r->t;
	const struct cfg_health *h =
	    r->b->health ? r->b->health : &r->pool->health;

	if (!t || t->config_error || t->internal_error)
		return true; /* the checker cannot tell: fail open */
	switch (t->state) {
	case HC_STATE_UP:
		return true;
	case HC_STATE_UNKNOWN:
		return h->initial_up;
	default:
		return false;
	}
}

static bool real_disabled(const struct hc_real *r)
{
	return r->b->disabled || (r->t && r->t->admin == HC_ADMIN_DISABLED);
}

static uint32_t real_weight(struct hc_engine *e, const struct hc_real *r)
{
	const struct cfg_health *h =
	    r->b->health ? r->b->health : &r->pool->health;
	uint64_t now = lb_loop_now_ms(e->loop), el;
	uint32_t w = r->b->weight;

	if (real_disabled(r) || !real_healthy(r))
		return 0;
	if (!r->t || r->t->state != HC_STATE_UP || !h->slow_start_ms || !w ||
	    r->t->internal_error)
		return w;
	/* Slow start: ramp linearly from 1 to the weight after recovery. */
	el = now - r->t->up_since_ms;
	if (el >= h->slow_start_ms)
		return w;
	w = (uint32_t)(((uint64_t)w * el + h->slow_start_ms - 1) /
		       h->slow_start_ms);
	return w ? w : 1;
}

uint32_t hc_engine_weight(struct hc_engine *e, const struct cfg_pool *pool,
			  const struct cfg_backend *b)
{
	struct hc_real *r = real_of(e, pool, b);

	if (!r)
		return b->disabled ? 0 : b->weight;
	return real_weight(e, r);
}

bool hc_engine_pool_down(struct hc_engine *e, const struct cfg_pool *pool)
{
	size_t pi, enabled = 0;

	if (!e->cfg || pool < e->cfg->pools ||
	    pool >= e->cfg->pools + e->cfg->n_pools)
		return false;
	pi = (size_t)(pool - e->cfg->pools);
	for (size_t i = e->pool_off[pi]; i < e->pool_off[pi + 1]; i++) {
		if (real_disabled(&e->reals[i]))
			continue;
		enabled++;
		if (real_healthy(&e->reals[i]))
			return false;
	}
	/* A pool with every real disabled is an operator's choice, not down. */
	return enabled > 0;
}

uint64_t hc_engine_ramp_deadline(struct hc_engine *e)
{
	uint64_t now = lb_loop_now_ms(e->loop), best = 0;

	for (size_t i = 0; i < e->n_reals; i++) {
		const struct hc_real *r = &e->reals[i];
		const struct cfg_health *h =
		    r->b->health ? r->b->health : &r->pool->health;
		uint64_t end;

		if (!r->t || r->t->state != HC_STATE_UP || !h->slow_start_ms)
			continue;
		end = r->t->up_since_ms + h->slow_start_ms;
		if (end > now && (!best || end < best))
			best = end;
	}
	return best;
}

static uint32_t src_weight(void *ctx, const struct cfg_pool *pool,
			   const struct cfg_backend *b)
{
	return hc_engine_weight(ctx, pool, b);
}

static bool src_pool_down(void *ctx, const struct cfg_pool *pool)
{
	return hc_engine_pool_down(ctx, pool);
}

void hc_engine_weight_src(struct hc_engine *e, struct rc_weight_src *out)
{
	out->ctx = e;
	out->weight = src_weight;
	out->pool_down = src_pool_down;
}

static struct hc_real *real_at(struct hc_engine *e, size_t pi, size_t bi)
{
	if (!e->cfg || pi >= e->cfg->n_pools ||
	    bi >= e->cfg->pools[pi].n_backends)
		return NULL;
	return &e->reals[e->pool_off[pi] + bi];
}

int hc_engine_real_status(struct hc_engine *e, size_t pi, size_t bi,
			  struct hc_real_status *out)
{
	struct hc_real *r = real_at(e, pi, bi);

	if (!r)
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	out->pool = r->pool->name;
	out->addr = r->b->addr;
	out->port = r->b->port;
	out->weight = r->b->weight;
	out->effective = real_weight(e, r);
	if (r->t) {
		out->probe_port = r->t->port;
		out->type = r->t->type;
		out->state = r->t->state;
		out->admin = r->t->admin;
		out->internal_error =
		    r->t->internal_error || r->t->config_error;
		out->since_ms = r->t->since_ms;
		out->probes = r->t->probes;
		out->failures = r->t->failures;
		out->last_rtt_us = r->t->last_rtt_us;
		memcpy(out->last_cause, r->t->last_cause, HC_CAUSE_MAX);
	}
	return 0;
}

size_t hc_engine_real_history(struct hc_engine *e, size_t pi, size_t bi,
			      struct hc_transition *out, size_t max)
{
	struct hc_real *r = real_at(e, pi, bi);
	struct hc_target *t;
	size_t n = 0;

	if (!r || !(t = r->t))
		return 0;
	for (unsigned int i = 0; i < t->hist_n && n < max; i++) {
		unsigned int at =
		    (t->hist_head + HC_HISTORY - t->hist_n + i) % HC_HISTORY;

		out[n++] = t->hist[at];
	}
	return n;
}
