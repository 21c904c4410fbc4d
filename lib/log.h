/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One logging layer for the whole program. libbpf's output is routed here
 * (lb_log_route_libbpf), so operators see one format.
 *
 * Every line has a level, a subsystem ("health", "ipvs", "libbpf", ...), a
 * message and optional structured fields. Written as one JSON object per line
 * when the output is not a terminal (journald, files, pipes):
 *
 *   {"time":"2026-12-06T19:52:01.123Z","level":"warning","subsystem":"health",
 *    "message":"target down","fields":{"target":"10.0.0.1:80","fails":3}}
 *
 * and as readable text on a terminal:
 *
 *   ballast: warning: health: target down target=10.0.0.1:80 fails=3
 *
 * Every string (message, subsystem, keys, values) is escaped for the format:
 * control characters are escaped and invalid UTF-8 becomes U+FFFD, so a line
 * is always one valid JSON object and a terminal never sees raw escapes.
 * Each line is written with one write(2).
 */
#ifndef BALLAST_LIB_LOG_H
#define BALLAST_LIB_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

enum lb_log_level {
	LB_LOG_ERR = 0,
	LB_LOG_WARN,
	LB_LOG_INFO,
	LB_LOG_DEBUG,
};

enum lb_log_format {
	LB_LOG_FORMAT_AUTO = 0, /* text on a terminal, JSON otherwise */
	LB_LOG_FORMAT_TEXT,
	LB_LOG_FORMAT_JSON,
};

/* Messages above this level are dropped. Default: LB_LOG_INFO. */
void lb_log_set_level(enum lb_log_level level);
enum lb_log_level lb_log_get_level(void);
/* Parse "error", "warn", "info" or "debug"; -EINVAL otherwise. */
int lb_log_level_parse(const char *s, enum lb_log_level *out);

/* Default LB_LOG_FORMAT_AUTO. */
void lb_log_set_format(enum lb_log_format format);
/* Parse "auto", "text" or "json"; -EINVAL otherwise. */
int lb_log_format_parse(const char *s, enum lb_log_format *out);
/* TEXT or JSON: what is written now, AUTO resolved against the output. */
enum lb_log_format lb_log_effective_format(void);
/*
 * Write to fd instead of stderr (a negative fd restores stderr). The fd stays
 * the caller's. AUTO is resolved again for the new output.
 */
void lb_log_set_fd(int fd);

/* ---- structured fields ------------------------------------------------- */

enum lb_log_field_type {
	LB_LOG_F_STR,
	LB_LOG_F_INT,
	LB_LOG_F_UINT,
	LB_LOG_F_BOOL,
	LB_LOG_F_DOUBLE,
};

/* Build fields with the LB_F_* macros below, which check the value's type. */
struct lb_log_field {
	const char *key;
	enum lb_log_field_type type;
	union {
		const char *s; /* NULL is written as null */
		long long i;
		unsigned long long u;
		bool b;
		double d; /* NaN and infinities are written as null */
	} v;
};

#define LB_F_STR(k, val)                                                       \
	((struct lb_log_field){.key = (k), .type = LB_LOG_F_STR, .v.s = (val)})
#define LB_F_INT(k, val)                                                       \
	((struct lb_log_field){.key = (k), .type = LB_LOG_F_INT, .v.i = (val)})
#define LB_F_UINT(k, val)                                                      \
	((struct lb_log_field){.key = (k), .type = LB_LOG_F_UINT, .v.u = (val)})
#define LB_F_BOOL(k, val)                                                      \
	((struct lb_log_field){.key = (k), .type = LB_LOG_F_BOOL, .v.b = (val)})
#define LB_F_DOUBLE(k, val)                                                    \
	((struct lb_log_field){                                                \
	    .key = (k), .type = LB_LOG_F_DOUBLE, .v.d = (val)})

/*
 * LB_FIELDS(LB_F_STR("target", t), LB_F_UINT("fails", n)) expands to the two
 * arguments lb_log_kv() takes for its fields (array, count); LB_NO_FIELDS
 * when there are none.
 */
#define LB_FIELDS(...)                                                         \
	(const struct lb_log_field[]){__VA_ARGS__},                            \
	    (sizeof((const struct lb_log_field[]){__VA_ARGS__}) /              \
	     sizeof(struct lb_log_field))
#define LB_NO_FIELDS NULL, 0

/*
 * One line with a subsystem and fields; the message is printf-formatted:
 *   lb_log_kv(LB_LOG_WARN, "health", LB_FIELDS(LB_F_STR("target", name)),
 *             "target down after %u failures", fails);
 */
void lb_log_kv(enum lb_log_level level, const char *subsys,
	       const struct lb_log_field *fields, size_t n_fields,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void lb_vlog_kv(enum lb_log_level level, const char *subsys,
		const struct lb_log_field *fields, size_t n_fields,
		const char *fmt, va_list ap)
    __attribute__((format(printf, 5, 0)));

/*
 * Without a subsystem argument: a leading "word: " in the message (lower-case
 * letters, digits, '-', '_', as in "health: ...") becomes the subsystem, else
 * it is "ballast". A trailing newline is dropped.
 */
void lb_log(enum lb_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void lb_vlog(enum lb_log_level level, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

#define lb_err(...) lb_log(LB_LOG_ERR, __VA_ARGS__)
#define lb_warn(...) lb_log(LB_LOG_WARN, __VA_ARGS__)
#define lb_info(...) lb_log(LB_LOG_INFO, __VA_ARGS__)
#define lb_debug(...) lb_log(LB_LOG_DEBUG, __VA_ARGS__)

/*
 * Optional observer of every message that passes the level filter, called
 * after it is written, with its subsystem and text alone (no newline). Lets a
 * command carry a module's reason into its own JSON output, or know that the
 * reason was already told. NULL removes it.
 */
typedef void (*lb_log_hook_fn)(enum lb_log_level level, const char *subsys,
			       const char *msg, void *arg);
void lb_log_set_hook(lb_log_hook_fn fn, void *arg);

/*
 * Route libbpf's messages (its warnings, and the verifier's log on a failed
 * load) through this layer as subsystem "libbpf". Idempotent.
 */
void lb_log_route_libbpf(void);

#endif
