// SPDX-License-Identifier: GPL-2.0-only
/*
 * The health engine against real servers on loopback, hosted on the same
 * event loop (TCP listeners, an HTTP responder, a scripted UDP responder).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "health/health.h"
#include "reconcile/desired.h"
#include "reconcile/model.h"
#include "tests/lib/check_main.h"

/* ---- fixture: a config built by hand ------------------------------------ */

#define MAX_EV 512

struct ev {
	struct lb_addr addr;
	uint16_t port;
	int from, to;
	uint64_t at;
	char cause[HC_CAUSE_MAX];
};

struct fx {
	struct lb_loop *loop;
	struct hc_engine *e;
	struct cfg cfg;
	struct cfg_pool pools[3];
	struct cfg_backend be[3][8];
	struct cfg_service svc[2];
	struct ev evs[MAX_EV];
	int n_ev;
};

static void on_event(void *arg, const struct hc_event *ev)
{
	struct fx *f = arg;
	struct ev *e;

	if (f->n_ev >= MAX_EV || ev->tr->from == ev->tr->to)
		return;
	e = &f->evs[f->n_ev++];
	e->addr = *ev->addr;
	e->port = ev->port;
	e->from = ev->tr->from;
	e->to = ev->tr->to;
	e->at = ev->tr->time_ms;
	snprintf(e->cause, sizeof(e->cause), "%s", ev->tr->cause);
}

static void health_defaults(struct cfg_health *h, enum cfg_hc_type type)
{
	memset(h, 0, sizeof(*h));
	h->type = type;
	h->interval_ms = 60;
	h->fast_interval_ms = 30;
	h->timeout_ms = 25;
	h->rise = 2;
	h->fall = 2;
	h->method = "GET";
	h->path = "/health";
	h->max_response = 4096;
}

static struct lb_addr a4(const char *s)
{
	struct lb_addr a;

	ck_assert_int_eq(lb_addr_parse(s, &a), 0);
	return a;
}

static void fx_init(struct fx *f)
{
	memset(f, 0, sizeof(*f));
	ck_assert_int_eq(lb_loop_new(&f->loop), 0);
	ck_assert_int_eq(hc_engine_new(f->loop, 42, &f->e), 0);
	ck_assert_int_eq(hc_engine_subscribe(f->e, on_event, f), 0);
	f->cfg.pools = f->pools;
	f->cfg.services = f->svc;
	for (int p = 0; p < 3; p++) {
		f->pools[p].name = p == 0 ? "web" : p == 1 ? "backup" : "other";
		f->pools[p].backends = f->be[p];
		health_defaults(&f->pools[p].health, CFG_HC_TCP);
	}
}

/* Add backend addr:port with weight to pool p (health = the pool's). */
static struct cfg_backend *fx_backend(struct fx *f, int p, const char *addr,
				      uint16_t port, uint32_t weight)
{
	struct cfg_backend *b = &f->be[p][f->pools[p].n_backends++];

	b->addr = a4(addr);
	b->port = port;
	b->weight = weight;
	b->health = &f->pools[p].health;
	if ((size_t)p + 1 > f->cfg.n_pools)
		f->cfg.n_pools = (size_t)p + 1;
	return b;
}

static void fx_load(struct fx *f)
{
	ck_assert_int_eq(hc_engine_load(f->e, &f->cfg), 0);
}

static void fx_free(struct fx *f)
{
	hc_engine_free(f->e);
	lb_loop_free(f->loop);
}

/* Run the loop until pred holds or ms pass; returns whether it held. */
static bool run_until(struct fx *f, bool (*pred)(struct fx *, void *),
		      void *arg, uint64_t ms)
{
	uint64_t end = lb_loop_now_ms_fresh(f->loop) + ms;

	while (!pred(f, arg)) {
		uint64_t now = lb_loop_now_ms_fresh(f->loop);

		if (now >= end)
			return false;
		ck_assert_int_ge(lb_loop_run_once(f->loop, (int)(end - now)),
				 0);
	}
	return true;
}

static void run_for(struct fx *f, uint64_t ms)
{
	uint64_t end = lb_loop_now_ms_fresh(f->loop) + ms;

	while (lb_loop_now_ms_fresh(f->loop) < end)
		ck_assert_int_ge(
		    lb_loop_run_once(f->loop,
				     (int)(end - lb_loop_now_ms(f->loop))),
		    0);
}

struct want {
	int pool, backend;
	enum hc_state state;
};

static bool state_is(struct fx *f, void *arg)
{
	struct want *w = arg;
	struct hc_real_status st;

	ck_assert_int_eq(hc_engine_real_status(f->e, (size_t)w->pool,
					       (size_t)w->backend, &st),
			 0);
	return st.state == w->state;
}

static bool wait_state(struct fx *f, int p, int b, enum hc_state s, uint64_t ms)
{
	struct want w = {p, b, s};

	return run_until(f, state_is, &w, ms);
}

static struct hc_real_status status(struct fx *f, int p, int b)
{
	struct hc_real_status st;

	ck_assert_int_eq(hc_engine_real_status(f->e, (size_t)p, (size_t)b, &st),
			 0);
	return st;
}

/* ---- servers on the loop ----------------------------------------------- */

static int listen_tcp(uint16_t *port, int backlog)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	ck_assert_int_ge(fd, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons(*port);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, backlog), 0);
	getsockname(fd, (struct sockaddr *)&sa, &len);
	*port = ntohs(sa.sin_port);
	return fd;
}

/* An HTTP responder: answers every request with `resp`, or never (hang). */
struct http_srv {
	struct lb_watch lw;
	struct lb_watch cw[64];
	uint16_t port;
	const char *resp;
	bool hang;
	int accepted;
};

static void http_conn(struct lb_loop *l, struct lb_watch *w, uint32_t ev)
{
	struct http_srv *s = w->arg;
	char buf[2048];
	ssize_t n = recv(w->fd, buf, sizeof(buf), 0);

	if (n > 0 && s->hang)
		return;
	if (n > 0 && memmem(buf, (size_t)n, "\r\n\r\n", 4))
		ck_assert_int_eq(
		    send(w->fd, s->resp, strlen(s->resp), MSG_NOSIGNAL),
		    (ssize_t)strlen(s->resp));
	if (n > 0 && !memmem(buf, (size_t)n, "\r\n\r\n", 4))
		return;
	lb_loop_watch_close(l, w);
}

static void http_accept(struct lb_loop *l, struct lb_watch *w, uint32_t ev)
{
	struct http_srv *s = w->arg;
	int fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK);

	if (fd < 0)
		return;
	s->accepted++;
	for (int i = 0; i < 64; i++)
		if (!lb_watch_active(&s->cw[i])) {
			ck_assert_int_eq(lb_loop_watch_add(l, &s->cw[i], fd,
							   EPOLLIN, http_conn,
							   s),
					 0);
			return;
		}
	close(fd);
}

static void http_srv_start(struct fx *f, struct http_srv *s, const char *resp)
{
	memset(s, 0, sizeof(*s));
	s->resp = resp;
	lb_watch_init(&s->lw);
	for (int i = 0; i < 64; i++)
		lb_watch_init(&s->cw[i]);
	ck_assert_int_eq(lb_loop_watch_add(f->loop, &s->lw,
					   listen_tcp(&s->port, 64), EPOLLIN,
					   http_accept, s),
			 0);
}

static void http_srv_stop(struct fx *f, struct http_srv *s)
{
	lb_loop_watch_close(f->loop, &s->lw);
	for (int i = 0; i < 64; i++)
		lb_loop_watch_close(f->loop, &s->cw[i]);
}

/* A UDP responder following a script: 'S' answers, 'F' stays silent. */
struct udp_srv {
	struct lb_watch w;
	uint16_t port;
	const char *script;
	int n;
};

static void udp_in(struct lb_loop *l, struct lb_watch *w, uint32_t ev)
{
	struct udp_srv *s = w->arg;
	struct sockaddr_storage from;
	socklen_t fl = sizeof(from);
	char buf[512];
	ssize_t n =
	    recvfrom(w->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
	char step;

	if (n < 0)
		return;
	step = s->script[s->n] ? s->script[s->n]
			       : s->script[strlen(s->script) - 1];
	s->n++;
	if (step == 'S')
		sendto(w->fd, "pong", 4, 0, (struct sockaddr *)&from, fl);
}

static void udp_srv_start(struct fx *f, struct udp_srv *s, const char *script)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	memset(s, 0, sizeof(*s));
	s->script = script;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	getsockname(fd, (struct sockaddr *)&sa, &len);
	s->port = ntohs(sa.sin_port);
	lb_watch_init(&s->w);
	ck_assert_int_eq(
	    lb_loop_watch_add(f->loop, &s->w, fd, EPOLLIN, udp_in, s), 0);
}

/* ---- tcp --------------------------------------------------------------- */

START_TEST(tcp_rise_and_fall_are_exact)
{
	struct fx f;
	uint16_t port = 0;
	int lfd = listen_tcp(&port, 128);
	struct hc_real_status st;
	uint64_t at_up;

	fx_init(&f);
	f.pools[0].health.rise = 3;
	f.pools[0].health.fall = 2;
	fx_backend(&f, 0, "127.0.0.1", port, 10);
	fx_load(&f);
	ck_assert_int_eq(status(&f, 0, 0).state, HC_STATE_UNKNOWN);
	ck_assert_uint_eq(hc_engine_weight(f.e, &f.pools[0], &f.be[0][0]), 0);
	ck_assert(wait_state(&f, 0, 0, HC_STATE_UP, 2000));
	st = status(&f, 0, 0);
	ck_assert_uint_eq(st.probes, 3); /* up on exactly the rise-th success */
	at_up = st.probes;
	ck_assert_uint_eq(hc_engine_weight(f.e, &f.pools[0], &f.be[0][0]), 10);
	close(lfd); /* refused from now on */
	ck_assert(wait_state(&f, 0, 0, HC_STATE_DOWN, 2000));
	st = status(&f, 0, 0);
	ck_assert_uint_eq(st.probes - at_up,
			  2); /* down on the fall-th failure */
	ck_assert_ptr_nonnull(strstr(st.last_cause, "refused"));
	ck_assert_uint_eq(hc_engine_weight(f.e, &f.pools[0], &f.be[0][0]), 0);
	lfd = listen_tcp(&port, 128);
	ck_assert(wait_state(&f, 0, 0, HC_STATE_UP, 2000));
	ck_assert_uint_eq(status(&f, 0, 0).probes - at_up, 5);
	/* history: unknown->up, up->down, down->up with causes */
	{
		struct hc_transition tr[HC_HISTORY];
		size_t n = hc_engine_real_history(f.e, 0, 0, tr, HC_HISTORY);

		ck_assert_uint_eq(n, 3);
		ck_assert_int_eq(tr[0].from, HC_STATE_UNKNOWN);
		ck_assert_int_eq(tr[1].to, HC_STATE_DOWN);
		ck_assert_int_eq(tr[2].to, HC_STATE_UP);
		ck_assert_str_eq(tr[2].cause, "connected");
		ck_assert_uint_ge(tr[2].time_ms, tr[1].time_ms);
	}
	ck_assert_int_eq(f.n_ev, 3);
	close(lfd);
	fx_free(&f);
}
END_TEST

static uint64_t now_ms(struct fx *f)
{
	return lb_loop_now_ms_fresh(f->loop);
}

START_TEST(tcp_detection_time_is_bounded)
{
	struct fx f;
	uint16_t port = 0;
	int lfd = listen_tcp(&port, 128);
	struct cfg_health *h;
	uint64_t killed, bound;

	fx_init(&f);
	h = &f.pools[0].health;
	h->interval_ms = 200;
	h->fast_interval_ms = 100;
	h->timeout_ms = 100;
	h->fall = 3;
	fx_backend(&f, 0, "127.0.0.1", port, 1);
	fx_load(&f);
	ck_assert(wait_state(&f, 0, 0, HC_STATE_UP, 3000));
	run_for(&f, 77); /* kill at an arbitrary phase */
	close(lfd);
	killed = now_ms(&f);
	ck_assert(wait_state(&f, 0, 0, HC_STATE_DOWN, 3000));
	bound = (uint64_t)h->fall * h->interval_ms + h->timeout_ms + 50;
	ck_assert_uint_le(f.evs[f.n_ev - 1].at - killed, bound);
	fx_free(&f);
}
END_TEST

/* A backlog that is full drops SYNs: connect never completes. */
START_TEST(tcp_timeout_when_syn_unanswered)
{
	struct fx f;
	uint16_t port = 0;
	int lfd = listen_tcp(&port, 0), fill[4];
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct hc_probe_hist h;
	struct hc_stats st;

	/* fill the accept queue, never accept */
	for (int i = 0; i < 4; i++) {
		fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		connect(fill[i], (struct sockaddr *)&sa, sizeof(sa));
	}
	fx_init(&f);
	fx_backend(&f, 0, "127.0.0.1", port, 1);
	fx_load(&f);
	ck_assert(wait_state(&f, 0, 0, HC_STATE_DOWN, 2000));
	ck_assert_ptr_nonnull(strstr(status(&f, 0, 0).last_cause, "timeout"));
	/* every timed-out probe is observed at or above the 25 ms timeout */
	hc_engine_probe_hist(f.e, CFG_HC_TCP, &h);
	hc_engine_stats(f.e, &st);
	ck_assert_uint_ge(h.count, 2);
	ck_assert_uint_eq(h.count, st.probes);
	for (int i = 0; hc_probe_le_us[i] < 25000; i++)
		ck_assert_uint_eq(h.counts[i], 0);
	ck_assert_uint_ge(h.sum_us, h.count * 25000);
	for (int i = 0; i < 4; i++)
		close(fill[i]);
	close(lfd);
	fx_free(&f);
}
END_TEST

/* IPv6 targets and a configured source address. */
START_TEST(tcp_ipv6_and_source_address)
{
	struct fx f;
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6,
				  .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	socklen_t len = sizeof(sa);
	int lfd = socket(AF_INET6, SOCK_STREAM, 0);
	uint16_t port4 = 0;
	int lfd4 = listen_tcp(&port4, 16);

	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(lfd, 16), 0);
	getsockname(lfd, (struct sockaddr *)&sa, &len);
	fx_init(&f);
	fx_backend(&f, 0, "::1", ntohs(sa.sin6_port), 1);
	/*
	 * pool 1 probes from 127.0.0.2; a source that is not local is the
	 * checker's problem, not the real's: it fails open
	 */
	f.pools[1].health.source = a4("127.0.0.2");
	fx_backend(&f, 1, "127.0.0.1", port4, 1);
	f.pools[2].health.source = a4("192.0.2.99");
	fx_backend(&f, 2, "127.0.0.1", port4, 1);
	fx_load(&f);
	ck_assert(wait_state(&f, 0, 0, HC_STATE_UP, 2000));
	ck_assert(wait_state(&f, 1, 0, HC_STATE_UP, 2000));
	run_for(&f, 200);
	ck_assert_int_eq(status(&f, 2, 0).state, HC_STATE_UNKNOWN);
	ck_assert(status(&f, 2, 0).internal_error);
	ck_assert_uint_eq(status(&f, 2, 0).effective, 1);
	ck_assert_msg(strstr(status(&f, 2, 0).last_cause, "assign"), "%s",
		      status(&f, 2, 0).last_cause);
	close(lfd);
	close(lfd4);
	fx_free(&f);
}
END_TEST

/* ---- http -------------------------------------------------------------- */

#define RESP(code, body)                                                       \
	"HTTP/1.1 " code "\r\nContent-Length: " #body "\r\n\r\n"

static void http_case(const char *resp, const char *body, const char *regex,
		      const struct cfg_code_range *exp, size_t n_exp, bool hang,
		      enum hc_state want, const char *cause)
{
	struct fx f;
	struct http_srv s;
	struct cfg_health *h;

	fx_init(&f);
	http_srv_start(&f, &s, resp);
	s.hang = hang;
	h = &f.pools[0].health;
	h->type = CFG_HC_HTTP;
	h->body = body;
	h->body_regex = regex;
	h->expect = exp;
	h->n_expect = n_exp;
	h->rise = 1;
	h->fall = 1;
	fx_backend(&f, 0, "127.0.0.1", s.port, 5);
	fx_load(&f);
	ck_assert(wait_state(&f, 0, 0, want, 2000));
	if (cause)
		ck_assert_msg(strstr(status(&f, 0, 0).last_cause, cause),
			      "cause '%s' lacks '%s'",
			      status(&f, 0, 0).last_cause, cause);
	http_srv_stop(&f, &s);
	fx_free(&f);
}

START_TEST(http_200_is_up)
{
	http_case("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", NULL, NULL,
		  NULL, 0, false, HC_STATE_UP, "HTTP 200");
}
END_TEST

START_TEST(http_503_is_down)
{
	http_case("HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n", NULL, NULL,
		  NULL, 0, false, HC_STATE_DOWN, "HTTP 503 not expected");
}
END_TEST

START_TEST(http_expected_ranges)
{
	static const struct cfg_code_range r[] = {{500, 503}, {204, 204}};

	http_case("HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n", NULL, NULL,
		  r, 2, false, HC_STATE_UP, "HTTP 503");
	http_case("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", NULL, NULL, r,
		  2, false, HC_STATE_DOWN, "HTTP 200 not expected");
}
END_TEST

START_TEST(http_body_substring_and_regex)
{
	const char *ok =
	    "HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\nstatus: ready\n";

	http_case(ok, "ready", NULL, NULL, 0, false, HC_STATE_UP,
		  "body matches");
	http_case(ok, "healthy", NULL, NULL, 0, false, HC_STATE_DOWN,
		  "body lacks");
	http_case(ok, NULL, "^status: (ready|ok)$", NULL, 0, false, HC_STATE_UP,
		  "body matches");
	http_case(ok, NULL, "^down", NULL, 0, false, HC_STATE_DOWN,
		  "does not match");
	/* body without Content-Length: read to EOF */
	http_case("HTTP/1.0 200 OK\r\n\r\nall ready", "ready", NULL, NULL, 0,
		  false, HC_STATE_UP, "body matches");
}
END_TEST

/* HEAD: the status decides, no body is awaited even with a body check. */
START_TEST(http_head_request)
{
	struct fx f;
	struct http_srv s;
	struct cfg_health *h;

	fx_init(&f);
	http_srv_start(&f, &s,
		       "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");
	h = &f.pools[0].health;
	h->type = CFG_HC_HTTP;
	h->method = "HEAD";
	h->body = "never sent";
	h->rise = 1;
	fx_backend(&f, 0, "127.0.0.1", s.port, 1);
	fx_load(&f);
	ck_assert(wait_state(&f, 0, 0, HC_STATE_UP, 2000));
	ck_assert_str_eq(status(&f, 0, 0).last_cause, "HTTP 200");
	http_srv_stop(&f, &s);
	fx_free(&f);
}
END_TEST

START_TEST(http_accepts_but_never_answers)
{
	http_case("", NULL, NULL, NULL, 0, true, HC_STATE_DOWN,
		  "timeout after 25 ms");
}
END_TEST

START_TEST(http_response_cap)
{
	static char big[8192];

	snprintf(big, sizeof(big), "HTTP/1.1 200 OK\r\nX-Pad: ");
	memset(big + strlen(big), 'x', 6000);
	/* headers never end within max_response (4096) */
	http_case(big, NULL, NULL, NULL, 0, false, HC_STATE_DOWN,
		  "longer than max_response");
}
END_TEST

START_TEST(http_bad_regex_is_rejected_at_load)
{
	struct fx f;

	fx_init(&f);
	f.pools[0].health.type = CFG_HC_HTTP;
	f.pools[0].health.body_regex = "(unclosed";
	fx_backend(&f, 0, "127.0.0.1", 80, 1);
	ck_assert_int_eq(hc_engine_load(f.e, &f.cfg), -EINVAL);
	fx_free(&f);
}
END_TEST

/* ---- udp: exact rise/fall on a scripted flapping sequence ---------------- */

START_TEST(udp_flap_sequence)
{
	struct fx f;
	struct udp_srv s;
	struct cfg_health *h;

	fx_init(&f);
	/* S F S F S S | F S F S F F | S */
	udp_srv_start(&f, &s, "SFSFSSFSFSFFS");
	h = &f.pools[0].health;
	h->type = CFG_HC_UDP;
	h->payload = "ping";
	h->expect_payload = "pong";
	h->rise = 2;
	h->fall = 2;
	fx_backend(&f, 0, "127.0.0.1", s.port, 1);
	fx_load(&f);
	ck_assert(wait_state(&f, 0, 0, HC_STATE_UP, 3000));
	ck_assert_int_eq(s.n, 6); /* alternation never decided anything */
	ck_assert(wait_state(&f, 0, 0, HC_STATE_DOWN, 3000));
	ck_assert_int_eq(s.n, 12);
	ck_assert(wait_state(&f, 0, 0, HC_STATE_UP, 3000));
	ck_assert_int_eq(s.n, 14);
	ck_assert_int_eq(f.n_ev, 3);
	fx_free(&f);
}
END_TEST

START_TEST(udp_port_unreachable_is_down)
{
	struct fx f;
	struct udp_srv s;
	struct cfg_health *h;
	uint16_t port;

	fx_init(&f);
	udp_srv_start(&f, &s, "S");
	port = s.port;
	lb_loop_watch_close(f.loop, &s.w); /* nothing listens there now */
	h = &f.pools[0].health;
	h->type = CFG_HC_UDP;
	fx_backend(&f, 0, "127.0.0.1", port, 1);
	fx_load(&f);
	ck_assert(wait_state(&f, 0, 0, HC_STATE_DOWN, 2000));
	ck_assert_str_eq(status(&f, 0, 0).last_cause, "port unreachable");
	fx_free(&f);
}
END_TEST

/* ---- icmp, exec, none ---------------------------------------------------- */

START_TEST(icmp_loopback_is_up)
{
	struct fx f;

	fx_init(&f);
	f.pools[0].health.type = CFG_HC_ICMP;
	fx_backend(&f, 0, "127.0.0.1", 0, 1);
	fx_load(&f);
	ck_assert_msg(wait_state(&f, 0, 0, HC_STATE_UP, 2000), "icmp: %s",
		      status(&f, 0, 0).last_cause);
	fx_free(&f);
}
END_TEST

static void exec_case(const char *const *argv, size_t argc, uint32_t timeout,
		      enum hc_state want, const char *cause)
{
	struct fx f;
	struct cfg_health *h;

	fx_init(&f);
	h = &f.pools[0].health;
	h->type = CFG_HC_EXEC;
	h->command = argv;
	h->n_command = argc;
	h->rise = 1;
	h->fall = 1;
	h->interval_ms = 300;
	h->timeout_ms = timeout;
	fx_backend(&f, 0, "127.0.0.1", 8080, 1);
	fx_load(&f);
	ck_assert_msg(wait_state(&f, 0, 0, want, 3000), "%s: %s", argv[0],
		      status(&f, 0, 0).last_cause);
	ck_assert_msg(strstr(status(&f, 0, 0).last_cause, cause), "%s: %s",
		      argv[0], status(&f, 0, 0).last_cause);
	fx_free(&f);
}

START_TEST(exec_exit_status_decides)
{
	static const char *const ok[] = {"/bin/true"};
	static const char *const bad[] = {"/bin/false"};
	static const char *const env[] = {
	    "/bin/sh", "-c",
	    "test \"$BALLAST_REAL_ADDRESS\" = 127.0.0.1 && test "
	    "\"$BALLAST_REAL_PORT\" = 8080"};
	static const char *const slow[] = {"/bin/sleep", "10"};
	static const char *const missing[] = {"/nonexistent/check"};

	exec_case(ok, 1, 200, HC_STATE_UP, "exit 0");
	exec_case(bad, 1, 200, HC_STATE_DOWN, "exit 1");
	exec_case(env, 3, 200, HC_STATE_UP, "exit 0");
	exec_case(slow, 2, 50, HC_STATE_DOWN, "timeout after 50 ms");
	exec_case(missing, 1, 200, HC_STATE_DOWN, "No such file");
}
END_TEST

START_TEST(none_is_up_at_once)
{
	struct fx f;

	fx_init(&f);
	f.pools[0].health.type = CFG_HC_NONE;
	fx_backend(&f, 0, "127.0.0.1", 1, 7);
	fx_load(&f);
	ck_assert_int_eq(status(&f, 0, 0).state, HC_STATE_UP);
	ck_assert_uint_eq(hc_engine_weight(f.e, &f.pools[0], &f.be[0][0]), 7);
	fx_free(&f);
}
END_TEST

/* ---- weights ------------------------------------------------------------ */

START_TEST(slow_start_ramps_weight)
{
	struct fx f;
	uint16_t port = 0;
	int lfd = listen_tcp(&port, 128);
	uint32_t prev = 0, w, seen_partial = 0;
	uint64_t end;

	fx_init(&f);
	f.pools[0].health.slow_start_ms = 400;
	f.pools[0].health.rise = 1;
	fx_backend(&f, 0, "127.0.0.1", port, 100);
	fx_load(&f);
	ck_assert(wait_state(&f, 0, 0, HC_STATE_UP, 2000));
	ck_assert_uint_gt(hc_engine_ramp_deadline(f.e), 0);
	end = now_ms(&f) + 600;
	while (now_ms(&f) < end) {
		w = hc_engine_weight(f.e, &f.pools[0], &f.be[0][0]);
		ck_assert_uint_ge(w, prev); /* never goes backwards */
		ck_assert_uint_ge(w, 1);
		if (w < 100)
			seen_partial++;
		prev = w;
		ck_assert_int_ge(lb_loop_run_once(f.loop, 20), 0);
	}
	ck_assert_uint_gt(seen_partial, 3);
	ck_assert_uint_eq(prev, 100);
	ck_assert_uint_eq(hc_engine_ramp_deadline(f.e), 0);
	close(lfd);
	fx_free(&f);
}
END_TEST

START_TEST(pool_down_and_fallback)
{
	struct fx f;
	uint16_t up = 0;
	int lfd = listen_tcp(&up, 128);
	struct rc_weight_src src;

	fx_init(&f);
	/* pool web: two reals on a closed port; pool backup: one live real */
	fx_backend(&f, 0, "127.0.0.1", 1, 10);
	fx_backend(&f, 0, "127.0.0.2", 1, 10);
	fx_backend(&f, 1, "127.0.0.1", up, 10);
	f.cfg.n_services = 1;
	f.svc[0].pool = 0;
	f.svc[0].fallback_pool = 1;
	fx_load(&f);
	hc_engine_weight_src(f.e, &src);
	/* Before any verdict no real takes traffic: the pool counts as down. */
	ck_assert(src.pool_down(src.ctx, &f.pools[0]));
	ck_assert(wait_state(&f, 0, 0, HC_STATE_DOWN, 2000));
	ck_assert(wait_state(&f, 0, 1, HC_STATE_DOWN, 2000));
	ck_assert(wait_state(&f, 1, 0, HC_STATE_UP, 2000));
	ck_assert(src.pool_down(src.ctx, &f.pools[0]));
	ck_assert(!src.pool_down(src.ctx, &f.pools[1]));
	ck_assert_uint_eq(src.weight(src.ctx, &f.pools[0], &f.be[0][0]), 0);
	ck_assert_uint_eq(src.weight(src.ctx, &f.pools[1], &f.be[1][0]), 10);
	/* disabled reals do not count: a pool of only disabled reals is not
	 * down */
	f.be[0][0].disabled = true;
	f.be[0][1].disabled = true;
	ck_assert(!src.pool_down(src.ctx, &f.pools[0]));
	close(lfd);
	fx_free(&f);
}
END_TEST

START_TEST(initial_up_takes_traffic_before_a_verdict)
{
	struct fx f;

	fx_init(&f);
	f.pools[0].health.initial_up = true;
	f.pools[0].health.interval_ms = 10000;
	f.pools[0].health.timeout_ms = 100;
	fx_backend(&f, 0, "127.0.0.1", 1, 9);
	fx_load(&f);
	ck_assert_int_eq(status(&f, 0, 0).state, HC_STATE_UNKNOWN);
	ck_assert_uint_eq(hc_engine_weight(f.e, &f.pools[0], &f.be[0][0]), 9);
	ck_assert(!hc_engine_pool_down(f.e, &f.pools[0]));
	fx_free(&f);
}
END_TEST

/* The engine as the desired-state builder's weight source, end to end. */
START_TEST(desired_state_uses_fallback_when_pool_down)
{
	struct fx f;
	uint16_t up = 0;
	int lfd = listen_tcp(&up, 128);
	struct rc_weight_src src;
	struct rc_state st;
	struct rc_svc_key key;

	fx_init(&f);
	fx_backend(&f, 0, "127.0.0.1", 1, 10);	/* closed port: down */
	fx_backend(&f, 1, "127.0.0.1", up, 20); /* fallback: up */
	f.cfg.n_services = 1;
	f.svc[0].name = "web";
	f.svc[0].addr = a4("192.0.2.30");
	f.svc[0].port = 80;
	f.svc[0].proto = CFG_PROTO_TCP;
	f.svc[0].pool = 0;
	f.svc[0].fallback_pool = 1;
	f.svc[0].sched = CFG_SCHED_MAGLEV;
	f.svc[0].forwarding = CFG_FWD_NAT;
	fx_load(&f);
	ck_assert(wait_state(&f, 0, 0, HC_STATE_DOWN, 2000));
	ck_assert(wait_state(&f, 1, 0, HC_STATE_UP, 2000));
	hc_engine_weight_src(f.e, &src);
	rc_state_init(&st);
	ck_assert_int_eq(rc_desired_build(&f.cfg, &src, &st), 0);
	rc_svc_key_init(&key, &f.svc[0].addr, 80, CFG_PROTO_TCP, 0);
	ck_assert_ptr_nonnull(rc_state_find(&st, &key));
	ck_assert_uint_eq(rc_state_find(&st, &key)->n_reals, 1);
	ck_assert_uint_eq(rc_state_find(&st, &key)->reals[0].port, up);
	ck_assert_uint_eq(rc_state_find(&st, &key)->reals[0].weight, 20);
	rc_state_free(&st);
	close(lfd);
	fx_free(&f);
}
END_TEST

/* ---- admin ------------------------------------------------------------- */

START_TEST(admin_pause_freezes_and_disable_zeroes)
{
	struct fx f;
	uint16_t port = 0;
	int lfd = listen_tcp(&port, 128);
	struct lb_addr a = a4("127.0.0.1");
	uint64_t probes;

	fx_init(&f);
	fx_backend(&f, 0, "127.0.0.1", port, 4);
	fx_load(&f);
	ck_assert(wait_state(&f, 0, 0, HC_STATE_UP, 2000));
	ck_assert_int_eq(hc_engine_set_admin(f.e, &a, port, HC_ADMIN_PAUSED),
			 1);
	probes = status(&f, 0, 0).probes;
	close(lfd);
	run_for(&f, 300);
	ck_assert_uint_eq(status(&f, 0, 0).probes, probes);
	ck_assert_int_eq(status(&f, 0, 0).state, HC_STATE_UP); /* frozen */
	ck_assert_uint_eq(hc_engine_weight(f.e, &f.pools[0], &f.be[0][0]), 4);
	ck_assert_int_eq(hc_engine_set_admin(f.e, &a, 0, HC_ADMIN_DISABLED), 1);
	ck_assert_uint_eq(hc_engine_weight(f.e, &f.pools[0], &f.be[0][0]), 0);
	ck_assert(
	    wait_state(&f, 0, 0, HC_STATE_DOWN, 2000)); /* probing resumed */
	ck_assert_int_eq(status(&f, 0, 0).admin, HC_ADMIN_DISABLED);
	ck_assert_int_eq(hc_engine_set_admin(f.e, &a, 9, HC_ADMIN_NONE),
			 -ENOENT);
	/* The admin handlers are a table: no value past its end is taken. */
	ck_assert_int_eq(hc_engine_set_admin(f.e, &a, 0, HC_ADMIN__COUNT),
			 -EINVAL);
	ck_assert_int_eq(status(&f, 0, 0).admin, HC_ADMIN_DISABLED);
	fx_free(&f);
}
END_TEST

/* ---- dedup and reload --------------------------------------------------- */

static void count_accept(struct lb_loop *l, struct lb_watch *w, uint32_t ev)
{
	int fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK);

	if (fd >= 0) {
		(*(int *)w->arg)++;
		close(fd);
	}
}

START_TEST(shared_target_is_probed_once)
{
	struct fx f;
	uint16_t port = 0;
	struct lb_watch lw;
	struct hc_stats st;
	struct hc_probe_hist h;
	uint64_t n = 0;
	int accepted = 0;

	fx_init(&f);
	lb_watch_init(&lw);
	ck_assert_int_eq(lb_loop_watch_add(f.loop, &lw, listen_tcp(&port, 128),
					   EPOLLIN, count_accept, &accepted),
			 0);
	/* the same real in three pools, two services */
	fx_backend(&f, 0, "127.0.0.1", port, 1);
	fx_backend(&f, 1, "127.0.0.1", port, 2);
	fx_backend(&f, 2, "127.0.0.1", port, 3);
	f.pools[0].health.interval_ms = f.pools[1].health.interval_ms =
	    f.pools[2].health.interval_ms = 100;
	f.pools[0].health.fast_interval_ms =
	    f.pools[1].health.fast_interval_ms =
		f.pools[2].health.fast_interval_ms = 100;
	fx_load(&f);
	hc_engine_stats(f.e, &st);
	ck_assert_uint_eq(st.targets, 1);
	ck_assert_uint_eq(st.reals, 3);
	run_for(&f, 1000);
	hc_engine_stats(f.e, &st);
	/* one probe per 100 ms ±10 %, not three */
	ck_assert_uint_ge(st.probes, 8);
	ck_assert_uint_le(st.probes, 12);
	/* each completed probe lands once in its type's histogram */
	hc_engine_probe_hist(f.e, CFG_HC_TCP, &h);
	ck_assert_uint_eq(h.count, st.probes);
	for (int i = 0; i <= HC_PROBE_BUCKETS; i++)
		n += h.counts[i];
	ck_assert_uint_eq(n, h.count);
	ck_assert_uint_eq(h.counts[HC_PROBE_BUCKETS], 0);
	hc_engine_probe_hist(f.e, CFG_HC_HTTP, &h);
	ck_assert_uint_eq(h.count, 0);
	ck_assert_int_eq(status(&f, 1, 0).state, HC_STATE_UP);
	ck_assert_uint_eq(hc_engine_weight(f.e, &f.pools[2], &f.be[2][0]), 3);
	/* different parameters make a different target */
	f.pools[2].health.rise = 5;
	fx_load(&f);
	hc_engine_stats(f.e, &st);
	ck_assert_uint_eq(st.targets, 2);
	lb_loop_watch_close(f.loop, &lw);
	fx_free(&f);
}
END_TEST

START_TEST(reload_keeps_state_of_unchanged_targets)
{
	struct fx f;
	uint16_t port = 0;
	int lfd = listen_tcp(&port, 128);
	struct cfg cfg2;
	struct cfg_pool pools2[1];
	struct cfg_backend be2[3];
	uint64_t probes;
	int evs;

	fx_init(&f);
	fx_backend(&f, 0, "127.0.0.1", port, 1);
	fx_backend(&f, 0, "127.0.0.2", port, 1);
	fx_load(&f);
	ck_assert(wait_state(&f, 0, 0, HC_STATE_UP, 2000));
	ck_assert(
	    wait_state(&f, 0, 1, HC_STATE_DOWN, 2000)); /* nothing on .2 */
	probes = status(&f, 0, 0).probes;
	evs = f.n_ev;
	/* a new config: same first real, the second gone, a third new */
	cfg2 = f.cfg;
	pools2[0] = f.pools[0];
	pools2[0].backends = be2;
	pools2[0].n_backends = 2;
	be2[0] = f.be[0][0];
	be2[0].health = &pools2[0].health;
	be2[1] = f.be[0][0];
	be2[1].addr = a4("127.0.0.3");
	be2[1].health = &pools2[0].health;
	cfg2.pools = pools2;
	cfg2.n_pools = 1;
	ck_assert_int_eq(hc_engine_load(f.e, &cfg2), 0);
	ck_assert_int_eq(status(&f, 0, 0).state, HC_STATE_UP);
	ck_assert_uint_ge(status(&f, 0, 0).probes, probes);
	ck_assert_uint_eq(hc_engine_weight(f.e, &pools2[0], &be2[0]), 1);
	ck_assert_int_eq(status(&f, 0, 1).state, HC_STATE_UNKNOWN);
	ck_assert_int_eq(f.n_ev, evs); /* no flap */
	run_for(&f, 300);
	ck_assert_int_eq(status(&f, 0, 0).state, HC_STATE_UP);
	ck_assert_int_eq(f.n_ev, evs + 1); /* only .3 going up */
	close(lfd);
	fx_free(&f);
}
END_TEST

/* A reload that fails leaves the running set exactly as it was. */
START_TEST(failed_reload_keeps_running_set)
{
	struct fx f;
	uint16_t port = 0;
	int lfd = listen_tcp(&port, 128);
	struct cfg cfg2;
	struct cfg_pool pools2[2];
	struct cfg_backend be2[2];
	struct hc_stats st;
	uint64_t probes;

	fx_init(&f);
	fx_backend(&f, 0, "127.0.0.1", port, 5);
	fx_load(&f);
	ck_assert(wait_state(&f, 0, 0, HC_STATE_UP, 2000));
	/* same first pool, plus a pool whose regex does not compile */
	cfg2 = f.cfg;
	pools2[0] = f.pools[0];
	pools2[0].backends = &be2[0];
	be2[0] = f.be[0][0];
	be2[0].health = &pools2[0].health;
	pools2[1] = f.pools[1];
	pools2[1].health.type = CFG_HC_HTTP;
	pools2[1].health.body_regex = "([";
	pools2[1].backends = &be2[1];
	pools2[1].n_backends = 1;
	be2[1] = f.be[0][0];
	be2[1].addr = a4("127.0.0.9");
	be2[1].health = &pools2[1].health;
	cfg2.pools = pools2;
	cfg2.n_pools = 2;
	ck_assert_int_eq(hc_engine_load(f.e, &cfg2), -EINVAL);
	ck_assert_ptr_eq(hc_engine_cfg(f.e), &f.cfg);
	hc_engine_stats(f.e, &st);
	ck_assert_uint_eq(st.targets, 1);
	ck_assert_int_eq(status(&f, 0, 0).state, HC_STATE_UP);
	ck_assert_uint_eq(hc_engine_weight(f.e, &f.pools[0], &f.be[0][0]), 5);
	probes = status(&f, 0, 0).probes;
	run_for(&f, 200);
	ck_assert_uint_gt(status(&f, 0, 0).probes, probes); /* still probing */
	close(lfd);
	ck_assert(wait_state(&f, 0, 0, HC_STATE_DOWN, 2000));
	fx_free(&f);
}
END_TEST

/* ---- resource exhaustion ------------------------------------------------- */

START_TEST(out_of_fds_fails_open)
{
	enum { N = 5000 };
	struct fx f;
	struct cfg_backend *be = calloc(N, sizeof(*be));
	struct rlimit rl = {64, 64};
	struct hc_stats st;
	char addr[32];
	uint16_t port = 0;
	struct lb_watch lw;
	int accepted = 0, lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sa);

	/* every 127.1.x.y reaches this listener */
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(lfd, 4096), 0);
	getsockname(lfd, (struct sockaddr *)&sa, &sl);
	port = ntohs(sa.sin_port);
	fx_init(&f);
	lb_watch_init(&lw);
	ck_assert_int_eq(lb_loop_watch_add(f.loop, &lw, lfd, EPOLLIN,
					   count_accept, &accepted),
			 0);
	for (int i = 0; i < N; i++) {
		snprintf(addr, sizeof(addr), "127.1.%d.%d", i / 250,
			 i % 250 + 1);
		be[i].addr = a4(addr);
		be[i].port = port;
		be[i].weight = 3;
		be[i].health = &f.pools[0].health;
	}
	f.pools[0].backends = be;
	f.pools[0].n_backends = N;
	f.pools[0].health.interval_ms = 200;
	f.pools[0].health.timeout_ms = 150;
	f.cfg.n_pools = 1;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	fx_load(&f);
	run_for(&f, 800);
	hc_engine_stats(f.e, &st);
	ck_assert_uint_gt(st.internal_errors, 0);
	/* a checker that cannot check never marks a real down */
	for (int i = 0; i < N; i++) {
		struct hc_real_status s = status(&f, 0, i);

		ck_assert_int_ne(s.state, HC_STATE_DOWN);
		if (s.internal_error)
			ck_assert_uint_eq(s.effective, 3);
	}
	ck_assert(!hc_engine_pool_down(f.e, &f.pools[0]));
	ck_assert_uint_gt(st.successes, 0); /* probes that got a socket ran */
	lb_loop_watch_close(f.loop, &lw);
	fx_free(&f);
	free(be);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("health_engine");
	TCase *tc = tcase_create("engine");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, tcp_rise_and_fall_are_exact);
	tcase_add_test(tc, tcp_detection_time_is_bounded);
	tcase_add_test(tc, tcp_timeout_when_syn_unanswered);
	tcase_add_test(tc, tcp_ipv6_and_source_address);
	tcase_add_test(tc, http_200_is_up);
	tcase_add_test(tc, http_503_is_down);
	tcase_add_test(tc, http_expected_ranges);
	tcase_add_test(tc, http_body_substring_and_regex);
	tcase_add_test(tc, http_head_request);
	tcase_add_test(tc, http_accepts_but_never_answers);
	tcase_add_test(tc, http_response_cap);
	tcase_add_test(tc, http_bad_regex_is_rejected_at_load);
	tcase_add_test(tc, udp_flap_sequence);
	tcase_add_test(tc, udp_port_unreachable_is_down);
	tcase_add_test(tc, icmp_loopback_is_up);
	tcase_add_test(tc, exec_exit_status_decides);
	tcase_add_test(tc, none_is_up_at_once);
	tcase_add_test(tc, slow_start_ramps_weight);
	tcase_add_test(tc, pool_down_and_fallback);
	tcase_add_test(tc, initial_up_takes_traffic_before_a_verdict);
	tcase_add_test(tc, desired_state_uses_fallback_when_pool_down);
	tcase_add_test(tc, admin_pause_freezes_and_disable_zeroes);
	tcase_add_test(tc, shared_target_is_probed_once);
	tcase_add_test(tc, reload_keeps_state_of_unchanged_targets);
	tcase_add_test(tc, failed_reload_keeps_running_set);
	tcase_add_test(tc, out_of_fds_fails_open);
	suite_add_tcase(s, tc);
	return s;
}
