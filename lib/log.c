// SPDX-License-Identifier: GPL-2.0-only
#include "lib/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/*
 * The level is process-wide configuration set once from the command line;
 * it is the one piece of state every module legitimately shares.
 */
static enum lb_log_level log_level = LB_LOG_INFO;

static const char *const level_names[] = {
	[LB_LOG_ERR] = "error",
	[LB_LOG_WARN] = "warning",
	[LB_LOG_INFO] = "info",
	[LB_LOG_DEBUG] = "debug",
};

void lb_log_set_level(enum lb_log_level level)
{
	log_level = level;
}

enum lb_log_level lb_log_get_level(void)
{
	return log_level;
}

int lb_log_level_parse(const char *s, enum lb_log_level *out)
{
	static const struct {
		const char *name;
		enum lb_log_level level;
	} names[] = {
		{ "error", LB_LOG_ERR }, { "warn", LB_LOG_WARN },
		{ "warning", LB_LOG_WARN }, { "info", LB_LOG_INFO },
		{ "debug", LB_LOG_DEBUG },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i].name)) {
			*out = names[i].level;
			return 0;
		}
	}
	return -EINVAL;
}

void lb_vlog(enum lb_log_level level, const char *fmt, va_list ap)
{
	if (level > log_level)
		return;
	fprintf(stderr, "ballast: %s: ", level_names[level]);
	vfprintf(stderr, fmt, ap);
	if (!*fmt || fmt[strlen(fmt) - 1] != '\n')
		fputc('\n', stderr);
}

void lb_log(enum lb_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lb_vlog(level, fmt, ap);
	va_end(ap);
}
