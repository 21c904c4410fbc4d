// SPDX-License-Identifier: GPL-2.0-only
/*
 * libbpf prints through a callback (libbpf_set_print); this one feeds the
 * logging layer, so its warnings and the verifier's log come out as
 * subsystem "libbpf" lines in the operator's format. Kept apart from log.c
 * so the logging core links without libbpf (the config fuzzer).
 */
#include "lib/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap) __attribute__((format(printf, 2, 0)));
static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	static const char prefix[] = "libbpf: ";
	enum lb_log_level lvl;
	char *buf;
	const char *msg;
	int n;

	switch (level) {
	case LIBBPF_WARN:
		lvl = LB_LOG_WARN;
		break;
	case LIBBPF_INFO:
		lvl = LB_LOG_INFO;
		break;
	default:
		lvl = LB_LOG_DEBUG;
	}
	if (lvl > lb_log_get_level())
		return 0;
	/* rendered here once so the line can lose libbpf's own prefix */
	n = vasprintf(&buf, fmt, ap);
	if (n < 0)
		return n;
	msg = buf;
	if (!strncmp(msg, prefix, sizeof(prefix) - 1))
		msg += sizeof(prefix) - 1;
	lb_log_kv(lvl, "libbpf", LB_NO_FIELDS, "%s", msg);
	free(buf);
	return n;
}

void lb_log_route_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}
