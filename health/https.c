// SPDX-License-Identifier: GPL-2.0-only
/*
 * https: the http probe (http.c) over TLS (tls.c). Only the preparation
 * differs: the request and matching of http, plus the TLS settings.
 */
#include "health/health_internal.h"

static int https_prepare(struct hc_target *t)
{
	struct hc_http_prep *p;
	int err = hc_http_prepare(t);

	if (err)
		return err;
	p = t->prep;
	return hc_tls_prepare(t, &p->tls);
}

const struct hc_probe_ops hc_https_ops = {
    .name = "https",
    .needs_port = true,
    .prepare = https_prepare,
    .unprepare = hc_http_unprepare,
    .start = hc_http_start,
    .stop = hc_http_stop,
};
