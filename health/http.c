// SPDX-License-Identifier: GPL-2.0-only
/*
 * http, and https through the TLS steps of tls.c: one request, a status
 * code in the expected ranges, optionally a body substring or POSIX regex,
 * never more than max_response bytes read. Connection: close, RST on close.
 */
#include "health/health_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "lib/log.h"

#define HTTP_DEFAULT_MAX 65536u

static uint32_t max_response(const struct hc_target *t)
{
	return t->h->max_response ? t->h->max_response : HTTP_DEFAULT_MAX;
}

int hc_http_prepare(struct hc_target *t)
{
	const struct cfg_health *h = t->h;
	struct hc_http_prep *p = calloc(1, sizeof(*p));
	char addr[LB_ADDR_STRLEN + 8];
	/* As written (up to 255 characters, checked by the loader). */
	const char *host = h->host;
	int n, err;

	if (!p)
		return -ENOMEM;
	if (!host)
		host = lb_addr_port_fmt(&t->addr, t->port, addr, sizeof(addr));
	n = asprintf(
	    &p->req,
	    "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: ballast-health\r\n"
	    "Accept: */*\r\nConnection: close\r\n\r\n",
	    h->method ? h->method : "GET", h->path ? h->path : "/", host);
	if (n < 0) {
		free(p);
		return -ENOMEM;
	}
	p->req_len = (size_t)n;
	if (h->body_regex) {
		err = regcomp(&p->re, h->body_regex,
			      REG_EXTENDED | REG_NOSUB | REG_NEWLINE);
		if (err) {
			char msg[128];

			regerror(err, &p->re, msg, sizeof(msg));
			lb_err("health: body_regex \"%s\": %s; fix the "
			       "expression (POSIX extended syntax)",
			       h->body_regex, msg);
			free(p->req);
			free(p);
			return -EINVAL;
		}
		p->has_regex = true;
	}
	t->prep = p;
	return 0;
}

void hc_http_unprepare(struct hc_target *t)
{
	struct hc_http_prep *p = t->prep;

	if (!p)
		return;
	if (p->has_regex)
		regfree(&p->re);
	free(p->req);
	hc_tls_unprepare(&p->tls);
	free(p);
	t->prep = NULL;
}

void hc_http_stop(struct hc_target *t)
{
	struct hc_http_run *r = t->run;

	hc_tcp_release(t, r && r->clean);
	if (!r)
		return;
	if (r->tls.ssl)
		hc_tls_free(&r->tls);
	free(r->buf);
	free(r);
	t->run = NULL;
}

static bool code_expected(const struct cfg_health *h, int code)
{
	if (!h->n_expect)
		return code >= 200 && code < 400;
	for (size_t i = 0; i < h->n_expect; i++)
		if (code >= h->expect[i].lo && code <= h->expect[i].hi)
			return true;
	return false;
}

/*
 * Judge what has arrived. Returns true when a verdict was given; with eof,
 * always gives one.
 */
static bool evaluate(struct hc_target *t, struct hc_http_run *r, bool eof)
{
	const struct cfg_health *h = t->h;
	struct hc_http_prep *p = t->prep;
	char *end, *cl;
	size_t hdr_len, body_len;
	bool full = r->len >= max_response(t);
	int code;

	r->buf[r->len] = '\0';
	end = memmem(r->buf, r->len, "\r\n\r\n", 4);
	if (!end) {
		if (!eof && !full)
			return false;
		hc_probe_done(
		    t, HC_R_FAIL,
		    full
			? "response headers longer than max_response (%u bytes)"
			: "connection closed before the response headers",
		    max_response(t));
		return true;
	}
	if (sscanf(r->buf, "HTTP/%*d.%*d %3d", &code) != 1) {
		hc_probe_done(t, HC_R_FAIL, "not an HTTP response");
		return true;
	}
	if (!code_expected(h, code)) {
		hc_probe_done(t, HC_R_FAIL, "HTTP %d not expected", code);
		return true;
	}
	if ((!h->body && !p->has_regex) ||
	    (h->method && !strcasecmp(h->method, "HEAD"))) {
		hc_probe_done(t, HC_R_OK, "HTTP %d", code);
		return true;
	}
	hdr_len = (size_t)(end - r->buf) + 4;
	body_len = r->len - hdr_len;
	if (!eof && !full) {
		long want = -1;

		*end = '\0';
		cl = strcasestr(r->buf, "\r\ncontent-length:");
		if (cl)
			want = strtol(cl + 17, NULL, 10);
		*end = '\r';
		if (want < 0 || body_len < (size_t)want)
			return false;
	}
	if (h->body &&
	    !memmem(r->buf + hdr_len, body_len, h->body, strlen(h->body))) {
		hc_probe_done(t, HC_R_FAIL, "HTTP %d, body lacks \"%.32s\"",
			      code, h->body);
		return true;
	}
	if (p->has_regex && regexec(&p->re, r->buf + hdr_len, 0, NULL, 0)) {
		hc_probe_done(t, HC_R_FAIL,
			      "HTTP %d, body does not match /%.32s/", code,
			      h->body_regex);
		return true;
	}
	hc_probe_done(t, HC_R_OK, "HTTP %d, body matches", code);
	return true;
}

static int watch_for(struct hc_target *t, uint32_t events)
{
	return hc_tcp_wait(t, events);
}

static void tls_fail(struct hc_target *t, struct hc_http_run *r,
		     const char *step)
{
	char c[HC_CAUSE_MAX];

	hc_tls_error(&r->tls, c, sizeof(c));
	hc_probe_done(t, HC_R_FAIL, "TLS %s: %s", step, c);
}

/* Send what is left of the request; true when all is sent. */
static bool http_send(struct hc_target *t, struct hc_http_run *r)
{
	struct hc_http_prep *p = t->prep;
	uint32_t want = 0;
	ssize_t n;

	while (r->sent < p->req_len) {
		bool first = !r->sent;

		if (r->tls.ssl)
			n = hc_tls_write(&r->tls, p->req + r->sent,
					 p->req_len - r->sent, &want);
		else
			n = send(t->w.fd, p->req + r->sent,
				 p->req_len - r->sent, MSG_NOSIGNAL);
		if (n > 0) {
			r->sent += (size_t)n;
			/*
			 * A plain request just sent in one go cannot have been
			 * answered yet: wait instead of a recv bound to fail.
			 * (TLS may hold records already read, so it reads.)
			 */
			if (!r->tls.ssl && first && r->sent == p->req_len) {
				watch_for(t, EPOLLIN);
				return false;
			}
			continue;
		}
		if (r->tls.ssl && n == -EAGAIN) {
			watch_for(t, want);
			return false;
		}
		if (!r->tls.ssl && n < 0 && errno == EAGAIN) {
			watch_for(t, EPOLLOUT);
			return false;
		}
		if (r->tls.ssl)
			tls_fail(t, r, "write");
		else
			hc_tcp_fail(t, errno, "send");
		return false;
	}
	return true;
}

/* Read the response until a verdict, or wait for more. */
static void http_recv(struct hc_target *t, struct hc_http_run *r)
{
	uint32_t want = 0;
	ssize_t n;

	for (;;) {
		uint32_t max = max_response(t);

		if (r->len + 1 >= r->cap) {
			size_t cap = r->cap ? r->cap * 2 : 2048;
			char *b;

			if (cap > (size_t)max + 1)
				cap = (size_t)max + 1;
			b = realloc(r->buf, cap);
			if (!b) {
				hc_probe_done(t, HC_R_INTERNAL,
					      "out of memory");
				return;
			}
			r->buf = b;
			r->cap = cap;
		}
		if (r->tls.ssl)
			n = hc_tls_read(&r->tls, r->buf + r->len,
					r->cap - 1 - r->len, &want);
		else
			n = recv(t->w.fd, r->buf + r->len, r->cap - 1 - r->len,
				 0);
		if (n > 0) {
			r->len += (size_t)n;
			r->clean = true;
			if (evaluate(t, r, false))
				return;
			r->clean = false;
			continue;
		}
		if (n == 0) {
			r->clean = true;
			evaluate(t, r, true);
			return;
		}
		if ((r->tls.ssl && n == -EAGAIN) ||
		    (!r->tls.ssl && errno == EAGAIN)) {
			watch_for(t, r->tls.ssl ? want : EPOLLIN);
			return;
		}
		if (r->tls.ssl)
			tls_fail(t, r, "read");
		else
			hc_tcp_fail(t, errno, "recv");
		return;
	}
}

/* Set up and advance the TLS handshake; true once it is done. */
static bool tls_ready(struct hc_target *t, struct hc_http_run *r)
{
	struct hc_http_prep *p = t->prep;
	uint32_t want = 0;
	int rc;

	if (!r->tls.ssl && hc_tls_setup(t, &p->tls, &r->tls) < 0) {
		hc_probe_done(t, HC_R_INTERNAL, "TLS initialisation failed");
		return false;
	}
	rc = hc_tls_handshake(&r->tls, &want);
	if (rc < 0) {
		tls_fail(t, r, "handshake");
		return false;
	}
	if (rc == 0) {
		watch_for(t, want);
		return false;
	}
	r->tls.done = true;
	return true;
}

static void http_ready(struct lb_loop *loop, struct lb_watch *w, uint32_t ev)
{
	struct hc_target *t = w->arg;
	struct hc_http_run *r = t->run;

	hc_tcp_fired(t);
	if (!r->connected) {
		if (ev & (EPOLLERR | EPOLLHUP)) {
			int err = 0;
			socklen_t len = sizeof(err);

			getsockopt(w->fd, SOL_SOCKET, SO_ERROR, &err, &len);
			hc_tcp_fail(t, err ? err : ECONNRESET, "connect");
			return;
		}
		r->connected = true;
	}
	if (t->type == CFG_HC_HTTPS && !r->tls.done && !tls_ready(t, r))
		return;
	if (http_send(t, r))
		http_recv(t, r);
}

int hc_http_start(struct hc_target *t)
{
	struct hc_http_run *r;
	int err;

	if (t->type == CFG_HC_HTTPS &&
	    !((struct hc_http_prep *)t->prep)->tls.ctx) {
		hc_probe_done(t, HC_R_INTERNAL, "TLS could not initialise");
		return 0;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	t->run = r;
	err = hc_tcp_open(t, http_ready);
	if (err) {
		t->run = NULL;
		free(r);
	}
	return err;
}

static int http_prepare(struct hc_target *t)
{
	return hc_http_prepare(t);
}

const struct hc_probe_ops hc_http_ops = {
    .name = "http",
    .needs_port = true,
    .prepare = http_prepare,
    .unprepare = hc_http_unprepare,
    .start = hc_http_start,
    .stop = hc_http_stop,
};
