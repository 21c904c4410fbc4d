// SPDX-License-Identifier: GPL-2.0-only
/*
 * Idle TCP sockets kept for reuse by the tcp, http and https probes, one
 * stack per address family (see hc_engine_sock_get() for why). A parked
 * socket is disconnected but still registered, disarmed, with the loop;
 * beyond HC_POOL_MAX it is closed instead.
 */
#include "health/health_internal.h"

#include <unistd.h>

static struct hc_sock_pool *pool_of(struct hc_engine *e, int family)
{
	return family == AF_INET6 ? &e->pool6 : &e->pool4;
}

int hc_engine_sock_get(struct hc_engine *e, int family)
{
	struct hc_sock_pool *p = pool_of(e, family);

	return p->n ? p->fds[--p->n] : -1;
}

void hc_engine_sock_put(struct hc_engine *e, int family, int fd)
{
	struct hc_sock_pool *p = pool_of(e, family);

	if (p->n < HC_POOL_MAX)
		p->fds[p->n++] = fd;
	else
		close(fd); /* also drops its epoll registration */
}

static void pool_drain(struct hc_sock_pool *p)
{
	while (p->n)
		close(p->fds[--p->n]);
}

void hc_engine_sock_drain(struct hc_engine *e)
{
	pool_drain(&e->pool4);
	pool_drain(&e->pool6);
}
