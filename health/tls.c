// SPDX-License-Identifier: GPL-2.0-only
/*
 * TLS for the https probe (OpenSSL, non-blocking): the client contexts the
 * engine shares between every target with the same verification settings,
 * each target's SNI and name to verify, and the steps of one connection
 * (setup, handshake, read, write, error text) that http.c drives over its
 * socket. SNI comes from `sni`, else the Host header when it is a name;
 * certificates are verified on or off, against `ca_file` or the system
 * store, checking the SNI name or else the real's address.
 */
#include "health/health_internal.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"

/* A context shared by every https target with the same settings. */
struct hc_tls_ctx {
	bool verify;
	char *ca_file;
	SSL_CTX *ctx;
};

static SSL_CTX *ctx_new(bool verify, const char *ca_file)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	int ok;

	if (!ctx) {
		lb_err("health: TLS initialisation failed (SSL_CTX_new)");
		return NULL;
	}
	SSL_CTX_set_verify(ctx, verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE,
			   NULL);
	if (verify) {
		ok = ca_file ? SSL_CTX_load_verify_locations(ctx, ca_file, NULL)
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
	return ctx;
}

/* The shared context for (verify, ca_file); NULL on failure (logged). */
static SSL_CTX *ctx_get(struct hc_engine *e, bool verify, const char *ca_file)
{
	struct hc_tls_ctx *n;
	SSL_CTX *ctx;

	for (size_t i = 0; i < e->n_tls; i++) {
		struct hc_tls_ctx *c = &e->tls[i];

		if (c->verify == verify && (!c->ca_file == !ca_file) &&
		    (!ca_file || !strcmp(c->ca_file, ca_file)))
			return c->ctx;
	}
	ctx = ctx_new(verify, ca_file);
	if (!ctx)
		return NULL;
	n = realloc(e->tls, (e->n_tls + 1) * sizeof(*n));
	if (!n) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	e->tls = n;
	n[e->n_tls].verify = verify;
	n[e->n_tls].ca_file = ca_file ? strdup(ca_file) : NULL;
	n[e->n_tls].ctx = ctx;
	e->n_tls++;
	return ctx;
}

void hc_tls_ctx_free_all(struct hc_engine *e)
{
	for (size_t i = 0; i < e->n_tls; i++) {
		SSL_CTX_free(e->tls[i].ctx);
		free(e->tls[i].ca_file);
	}
	free(e->tls);
	e->tls = NULL;
	e->n_tls = 0;
}

static bool is_ip_literal(const char *s)
{
	struct lb_addr a;

	return lb_addr_parse(s, &a) == 0;
}

int hc_tls_prepare(struct hc_target *t, struct hc_tls_prep *p)
{
	const struct cfg_health *h = t->h;

	if (h->sni)
		p->sni = strdup(h->sni);
	else if (h->host && !is_ip_literal(h->host))
		p->sni = strdup(h->host);
	if (p->sni)
		p->verify_host = strdup(p->sni);
	/* A missing context is a checker error: probes fail open. */
	p->ctx = ctx_get(t->e, h->tls_verify, h->ca_file);
	if (!p->ctx && h->ca_file)
		return -EINVAL; /* a bad CA file is the operator's to fix */
	return 0;
}

void hc_tls_unprepare(struct hc_tls_prep *p)
{
	free(p->sni);
	free(p->verify_host);
	p->sni = NULL;
	p->verify_host = NULL;
}

int hc_tls_setup(struct hc_target *t, const struct hc_tls_prep *p,
		 struct hc_tls_conn *c)
{
	SSL *ssl = SSL_new(p->ctx);

	if (!ssl)
		return -ENOMEM;
	if (!SSL_set_fd(ssl, t->w.fd))
		goto fail;
	if (p->sni && !SSL_set_tlsext_host_name(ssl, p->sni))
		goto fail;
	if (t->h->tls_verify) {
		X509_VERIFY_PARAM *vp = SSL_get0_param(ssl);
		char ip[LB_ADDR_STRLEN];

		if (p->verify_host) {
			if (!X509_VERIFY_PARAM_set1_host(vp, p->verify_host, 0))
				goto fail;
		} else if (!X509_VERIFY_PARAM_set1_ip_asc(
			       vp, lb_addr_fmt(&t->addr, ip, sizeof(ip)))) {
			goto fail;
		}
	}
	SSL_set_connect_state(ssl);
	c->ssl = ssl;
	return 0;
fail:
	SSL_free(ssl);
	return -EINVAL;
}

/* Map an SSL return into done (n), want-events (-EAGAIN) or failure (-EIO). */
static int ssl_want(struct hc_tls_conn *c, int ret, uint32_t *want)
{
	int e = SSL_get_error(c->ssl, ret);

	c->ssl_ret = e;
	switch (e) {
	case SSL_ERROR_WANT_READ:
		*want = EPOLLIN;
		return -EAGAIN;
	case SSL_ERROR_WANT_WRITE:
		*want = EPOLLOUT;
		return -EAGAIN;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	default:
		c->err = ERR_peek_last_error();
		ERR_clear_error();
		return -EIO;
	}
}

int hc_tls_handshake(struct hc_tls_conn *c, uint32_t *want)
{
	int ret = SSL_do_handshake(c->ssl);

	if (ret == 1)
		return 1;
	ret = ssl_want(c, ret, want);
	return ret == -EAGAIN ? 0 : -1;
}

ssize_t hc_tls_write(struct hc_tls_conn *c, const void *buf, size_t len,
		     uint32_t *want)
{
	int n = SSL_write(c->ssl, buf, (int)len);

	if (n > 0)
		return n;
	n = ssl_want(c, n, want);
	return n == 0 ? -EIO : n;
}

ssize_t hc_tls_read(struct hc_tls_conn *c, void *buf, size_t len,
		    uint32_t *want)
{
	int n = SSL_read(c->ssl, buf, (int)len);

	if (n > 0)
		return n;
	n = ssl_want(c, n, want);
	/* A peer closing without close_notify still ends the response. */
	if (n == -EIO && c->ssl_ret == SSL_ERROR_SYSCALL && !c->err)
		return 0;
	return n;
}

void hc_tls_error(const struct hc_tls_conn *c, char *cause, size_t len)
{
	long vr = c->ssl ? SSL_get_verify_result(c->ssl) : X509_V_OK;

	if (vr != X509_V_OK) {
		snprintf(cause, len, "certificate: %s",
			 X509_verify_cert_error_string(vr));
	} else if (c->err) {
		char buf[120];

		ERR_error_string_n(c->err, buf, sizeof(buf));
		snprintf(cause, len, "%s", buf);
	} else {
		snprintf(cause, len, "connection closed (SSL error %d)",
			 c->ssl_ret);
	}
}

void hc_tls_free(struct hc_tls_conn *c)
{
	/* No close_notify: the socket closes with RST right after. */
	SSL_free(c->ssl);
	c->ssl = NULL;
}
