/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One logging layer for the whole program. libbpf and libnl output is routed
 * here by the modules that use them, so operators see one format.
 */
#ifndef BALLAST_LIB_LOG_H
#define BALLAST_LIB_LOG_H

#include <stdarg.h>

enum lb_log_level {
	LB_LOG_ERR = 0,
	LB_LOG_WARN,
	LB_LOG_INFO,
	LB_LOG_DEBUG,
};

/* Messages above this level are dropped. Default: LB_LOG_INFO. */
void lb_log_set_level(enum lb_log_level level);
enum lb_log_level lb_log_get_level(void);
/* Parse "error", "warn", "info" or "debug"; -EINVAL otherwise. */
int lb_log_level_parse(const char *s, enum lb_log_level *out);

void lb_log(enum lb_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void lb_vlog(enum lb_log_level level, const char *fmt, va_list ap);

#define lb_err(...)   lb_log(LB_LOG_ERR, __VA_ARGS__)
#define lb_warn(...)  lb_log(LB_LOG_WARN, __VA_ARGS__)
#define lb_info(...)  lb_log(LB_LOG_INFO, __VA_ARGS__)
#define lb_debug(...) lb_log(LB_LOG_DEBUG, __VA_ARGS__)

#endif
