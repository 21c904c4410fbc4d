// SPDX-License-Identifier: GPL-2.0-only
/* Parsers for the scalar types of the format: durations, numbers, addresses. */
#include "config/internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

int cfg_parse_uint(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (v > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

int cfg_parse_duration(const char *s, uint32_t *ms, const char **why)
{
	static const struct {
		const char *unit;
		uint64_t ms;
	} units[] = {
	    /* "ms" before "m" so the longer unit wins. */
	    {"ms", 1},
	    {"s", 1000},
	    {"m", 60000},
	    {"h", 3600000},
	};
	uint64_t total = 0;
	const char *p = s;
	bool any = false;
	const char *dummy;

	if (!why)
		why = &dummy;
	*why = NULL;
	if (!*s) {
		*why = "empty duration; write e.g. '500ms', '2s', '1m' or '1h'";
		return -EINVAL;
	}
	while (*p) {
		uint64_t v = 0;
		size_t nd = 0, u;

		while (*p >= '0' && *p <= '9') {
			if (v > 1000000000000ULL)
				return -ERANGE;
			v = v * 10 + (uint64_t)(*p++ - '0');
			nd++;
		}
		if (!nd) {
			*why =
			    "a duration is a number followed by a unit: "
			    "'500ms', '2s', '1m', '1h' (or a sum like '1m30s')";
			return -EINVAL;
		}
		if (!*p) {
			*why = any ? "the last number has no unit"
				   : "a bare number is ambiguous; add a unit: "
				     "'ms', 's', 'm' or 'h' (e.g. '5s')";
			return -EINVAL;
		}
		for (u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
			size_t ul = strlen(units[u].unit);

			if (!strncmp(p, units[u].unit, ul) &&
			    !(p[ul] >= 'a' && p[ul] <= 'z')) {
				p += ul;
				break;
			}
		}
		if (u == sizeof(units) / sizeof(units[0])) {
			*why = "unknown unit; use 'ms', 's', 'm' or 'h'";
			return -EINVAL;
		}
		total += v * units[u].ms;
		if (total > UINT32_MAX)
			return -ERANGE;
		any = true;
	}
	*ms = (uint32_t)total;
	return 0;
}

const char *cfg_fmt_duration(uint32_t ms, char *buf, size_t len)
{
	if (ms && ms % 3600000 == 0)
		snprintf(buf, len, "%uh", ms / 3600000);
	else if (ms && ms % 60000 == 0)
		snprintf(buf, len, "%um", ms / 60000);
	else if (ms && ms % 1000 == 0)
		snprintf(buf, len, "%us", ms / 1000);
	else
		snprintf(buf, len, "%ums", ms);
	return buf;
}

static int parse_port(const char *s, uint16_t *port)
{
	uint64_t v;

	if (cfg_parse_uint(s, &v) || v < 1 || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

/* Split "[v6]:port", "v4:port"; port may be absent when allowed. */
static int split_hostport(const char *s, struct lb_addr *addr, uint16_t *port,
			  bool need_port)
{
	char host[LB_ADDR_STRLEN];
	const char *colon, *end;
	size_t hl;

	if (s[0] == '[') {
		end = strchr(s, ']');
		if (!end)
			return -EINVAL;
		hl = (size_t)(end - s - 1);
		if (hl >= sizeof(host))
			return -EINVAL;
		memcpy(host, s + 1, hl);
		host[hl] = 0;
		if (lb_addr_parse(host, addr) || addr->family != AF_INET6)
			return -EINVAL;
		if (!end[1]) {
			if (need_port)
				return -EINVAL;
			*port = 0;
			return 0;
		}
		if (end[1] != ':')
			return -EINVAL;
		return parse_port(end + 2, port);
	}
	colon = strchr(s, ':');
	if (colon && strchr(colon + 1, ':')) {
		/* Several colons: a bare IPv6 address, no port. */
		if (need_port || lb_addr_parse(s, addr))
			return -EINVAL;
		*port = 0;
		return 0;
	}
	if (!colon) {
		if (need_port || lb_addr_parse(s, addr))
			return -EINVAL;
		*port = 0;
		return 0;
	}
	hl = (size_t)(colon - s);
	if (hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hl);
	host[hl] = 0;
	if (lb_addr_parse(host, addr) || addr->family != AF_INET)
		return -EINVAL;
	return parse_port(colon + 1, port);
}

int cfg_parse_hostport(const char *s, struct lb_addr *addr, uint16_t *port)
{
	return split_hostport(s, addr, port, true);
}

int cfg_parse_addr_opt_port(const char *s, struct lb_addr *addr, uint16_t *port)
{
	return split_hostport(s, addr, port, false);
}

bool cfg_name_valid(const char *s)
{
	size_t n = 0;

	if (!isalnum((unsigned char)s[0]))
		return false;
	for (; s[n]; n++) {
		unsigned char ch = (unsigned char)s[n];

		if (!isalnum(ch) && ch != '_' && ch != '-' && ch != '.')
			return false;
	}
	return n <= CFG_NAME_MAX;
}
