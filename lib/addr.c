// SPDX-License-Identifier: GPL-2.0-only
#include "lib/addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int lb_addr_parse(const char *s, struct lb_addr *out)
{
	struct lb_addr a;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, s, a.b) == 1) {
		a.family = AF_INET;
	} else if (inet_pton(AF_INET6, s, a.b) == 1) {
		a.family = AF_INET6;
	} else {
		return -EINVAL;
	}
	*out = a;
	return 0;
}

const char *lb_addr_fmt(const struct lb_addr *a, char *buf, size_t len)
{
	if (!a->family || !inet_ntop(a->family, a->b, buf, len))
		snprintf(buf, len, "-");
	return buf;
}

const char *lb_addr_port_fmt(const struct lb_addr *a, uint16_t port,
			     char *buf, size_t len)
{
	char tmp[LB_ADDR_STRLEN];

	lb_addr_fmt(a, tmp, sizeof(tmp));
	if (a->family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", tmp, port);
	else
		snprintf(buf, len, "%s:%u", tmp, port);
	return buf;
}

bool lb_addr_is_zero(const struct lb_addr *a)
{
	static const uint8_t zero[16];

	return !memcmp(a->b, zero, sizeof(zero));
}

int lb_prefix_parse(const char *s, int family, uint8_t *out)
{
	char *end;
	long v;

	if (!*s)
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 0 || v > (family == AF_INET6 ? 128 : 32))
		return -EINVAL;
	*out = (uint8_t)v;
	return 0;
}
