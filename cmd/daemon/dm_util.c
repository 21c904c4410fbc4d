// SPDX-License-Identifier: GPL-2.0-only
#include "cmd/daemon/dm_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

uint64_t dm_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

const char *dm_fmt_time(uint64_t wall_ms, char *buf, size_t len)
{
	time_t t = (time_t)(wall_ms / 1000);
	struct tm tm;
	char base[32];

	gmtime_r(&t, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03uZ", base, (unsigned int)(wall_ms % 1000));
	return buf;
}

json_t *dm_time_json(uint64_t wall_ms)
{
	char buf[40];

	return wall_ms ? json_string(dm_fmt_time(wall_ms, buf, sizeof(buf)))
		       : json_null();
}

int dm_parse_time(const char *s, uint64_t *wall_ms)
{
	struct tm tm = {0};
	unsigned int ms = 0;
	const char *end;
	time_t t;

	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end)
		return -EINVAL;
	if (*end == '.') {
		char *e;

		ms = (unsigned int)strtoul(end + 1, &e, 10);
		if (e - (end + 1) != 3)
			return -EINVAL;
		end = e;
	}
	if (strcmp(end, "Z"))
		return -EINVAL;
	t = timegm(&tm);
	if (t < 0)
		return -EINVAL;
	*wall_ms = (uint64_t)t * 1000 + ms;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int dm_parse_real(const char *s, struct lb_addr *addr, uint16_t *port)
{
	char buf[80], *colon, *host, *end;
	size_t n = 0;
	unsigned long p;

	for (; *s; s++) {
		char c = *s;

		if (c == '%' && hexval(s[1]) >= 0 && hexval(s[2]) >= 0) {
			c = (char)(hexval(s[1]) * 16 + hexval(s[2]));
			s += 2;
		}
		if (n + 1 >= sizeof(buf))
			return -EINVAL;
		buf[n++] = c;
	}
	buf[n] = '\0';
	colon = strrchr(buf, ':');
	if (!colon || colon == buf)
		return -EINVAL;
	*colon = '\0';
	host = buf;
	if (*host == '[') {
		if (colon[-1] != ']')
			return -EINVAL;
		colon[-1] = '\0';
		host++;
	} else if (strchr(host, ':')) {
		return -EINVAL; /* IPv6 needs brackets to carry a port */
	}
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || !p || p > 65535)
		return -EINVAL;
	if (lb_addr_parse(host, addr))
		return -EINVAL;
	*port = (uint16_t)p;
	return 0;
}
