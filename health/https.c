// SPDX-License-Identifier: GPL-2.0-only
/*
 * https: the http probe over TLS (OpenSSL, non-blocking). SNI from `sni`,
 * else the Host header when it is a name; certificate verification on or
 * off, against `ca_file` or the system store, checking the SNI name or the
 * real's address.
 */
#include "health/health_internal.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_ip_literal(const char *s)
{
	struct lb_addr a;

	return lb_addr_parse(s, &a) == 0;
}

static int https_prepare(struct hc_target *t)
{
	const struct cfg_health *h = t->h;
	struct hc_http_prep *p;
	int err = hc_http_prepare(t);

	if (err)
		return err;
	p = t->prep;
	if (h->sni)
		p->sni = strdup(h->sni);
	else if (h->host && !is_ip_literal(h->host))
		p->sni = strdup(h->host);
	if (p->sni)
		p->verify_host = strdup(p->sni);
	/* A missing context is a checker error: probes fail open. */
	p->ssl_ctx = hc_engine_ssl_ctx(t->e, h->tls_verify, h->ca_file);
	if (!p->ssl_ctx && h->ca_file)
		return -EINVAL; /* a bad CA file is the operator's to fix */
	return 0;
}

int hc_tls_setup(struct hc_target *t, struct hc_http_run *r)
{
	struct hc_http_prep *p = t->prep;
	SSL *ssl = SSL_new(p->ssl_ctx);

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
	r->ssl = ssl;
	return 0;
fail:
	SSL_free(ssl);
	return -EINVAL;
}

/* Map an SSL return into done (n), want-events (-EAGAIN) or failure (-EIO). */
static int ssl_want(struct hc_http_run *r, int ret, uint32_t *want)
{
	int e = SSL_get_error(r->ssl, ret);

	r->ssl_ret = e;
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
		r->tls_err = ERR_peek_last_error();
		ERR_clear_error();
		return -EIO;
	}
}

int hc_tls_handshake(struct hc_target *t, struct hc_http_run *r, uint32_t *want)
{
	int ret = SSL_do_handshake(r->ssl);

	if (ret == 1)
		return 1;
	ret = ssl_want(r, ret, want);
	return ret == -EAGAIN ? 0 : -1;
}

ssize_t hc_tls_write(struct hc_http_run *r, const void *buf, size_t len,
		     uint32_t *want)
{
	int n = SSL_write(r->ssl, buf, (int)len);

	if (n > 0)
		return n;
	n = ssl_want(r, n, want);
	return n == 0 ? -EIO : n;
}

ssize_t hc_tls_read(struct hc_http_run *r, void *buf, size_t len,
		    uint32_t *want)
{
	int n = SSL_read(r->ssl, buf, (int)len);

	if (n > 0)
		return n;
	n = ssl_want(r, n, want);
	/* A peer closing without close_notify still ends the response. */
	if (n == -EIO && r->ssl_ret == SSL_ERROR_SYSCALL && !r->tls_err)
		return 0;
	return n;
}

void hc_tls_error(struct hc_http_run *r, char *cause, size_t len)
{
	long vr = r->ssl ? SSL_get_verify_result(r->ssl) : X509_V_OK;

	if (vr != X509_V_OK) {
		snprintf(cause, len, "certificate: %s",
			 X509_verify_cert_error_string(vr));
	} else if (r->tls_err) {
		char buf[120];

		ERR_error_string_n(r->tls_err, buf, sizeof(buf));
		snprintf(cause, len, "%s", buf);
	} else {
		snprintf(cause, len, "connection closed (SSL error %d)",
			 r->ssl_ret);
	}
}

void hc_tls_free(struct hc_http_run *r)
{
	/* No close_notify: the socket closes with RST right after. */
	SSL_free(r->ssl);
	r->ssl = NULL;
}

const struct hc_probe_ops hc_https_ops = {
    .name = "https",
    .needs_port = true,
    .prepare = https_prepare,
    .unprepare = hc_http_unprepare,
    .start = hc_http_start,
    .stop = hc_http_stop,
};
