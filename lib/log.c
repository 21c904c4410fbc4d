// SPDX-License-Identifier: GPL-2.0-only
#include "lib/log.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * Level, format, output and the hook are process-wide configuration set by
 * the command; they are the one piece of state every module legitimately
 * shares.
 */
static enum lb_log_level log_level = LB_LOG_INFO;
static enum lb_log_format log_format = LB_LOG_FORMAT_AUTO;
static int log_fd = STDERR_FILENO;
/* AUTO resolved against log_fd: -1 not yet, else TEXT or JSON. */
static int log_resolved = -1;
static lb_log_hook_fn log_hook;
static void *log_hook_arg;

static const char *const level_names[] = {
    [LB_LOG_ERR] = "error",
    [LB_LOG_WARN] = "warning",
    [LB_LOG_INFO] = "info",
    [LB_LOG_DEBUG] = "debug",
};

#define DEFAULT_SUBSYS "ballast"
#define SUBSYS_MAX 32

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
	    {"error", LB_LOG_ERR},    {"warn", LB_LOG_WARN},
	    {"warning", LB_LOG_WARN}, {"info", LB_LOG_INFO},
	    {"debug", LB_LOG_DEBUG},
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i].name)) {
			*out = names[i].level;
			return 0;
		}
	}
	return -EINVAL;
}

void lb_log_set_format(enum lb_log_format format)
{
	log_format = format;
	log_resolved = -1;
}

int lb_log_format_parse(const char *s, enum lb_log_format *out)
{
	static const char *const names[] = {
	    [LB_LOG_FORMAT_AUTO] = "auto",
	    [LB_LOG_FORMAT_TEXT] = "text",
	    [LB_LOG_FORMAT_JSON] = "json",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i])) {
			*out = (enum lb_log_format)i;
			return 0;
		}
	}
	return -EINVAL;
}

void lb_log_set_hook(lb_log_hook_fn fn, void *arg)
{
	log_hook = fn;
	log_hook_arg = arg;
}

void lb_log_set_fd(int fd)
{
	log_fd = fd < 0 ? STDERR_FILENO : fd;
	log_resolved = -1;
}

enum lb_log_format lb_log_effective_format(void)
{
	if (log_format != LB_LOG_FORMAT_AUTO)
		return log_format;
	/* isatty is a syscall: once per output, not once per line */
	if (log_resolved < 0)
		log_resolved =
		    isatty(log_fd) ? LB_LOG_FORMAT_TEXT : LB_LOG_FORMAT_JSON;
	return (enum lb_log_format)log_resolved;
}

/* ---- line buffer ------------------------------------------------------- */

/*
 * A line grows on the heap only when it outgrows the stack storage. Out of
 * memory, it stops growing and `oom` makes the caller write a fixed line
 * instead of a truncated (invalid) one.
 */
struct line {
	char *p;
	size_t len, cap;
	bool oom;
	char stack[1024];
};

static void line_init(struct line *l)
{
	l->p = l->stack;
	l->len = 0;
	l->cap = sizeof(l->stack);
	l->oom = false;
}

static void line_free(struct line *l)
{
	if (l->p != l->stack)
		free(l->p);
}

static bool line_reserve(struct line *l, size_t more)
{
	size_t cap = l->cap;
	char *p;

	if (l->oom)
		return false;
	if (l->len + more <= l->cap)
		return true;
	while (cap < l->len + more)
		cap *= 2;
	p = l->p == l->stack ? malloc(cap) : realloc(l->p, cap);
	if (!p) {
		l->oom = true;
		return false;
	}
	if (l->p == l->stack)
		memcpy(p, l->stack, l->len);
	l->p = p;
	l->cap = cap;
	return true;
}

static void put(struct line *l, const char *s, size_t n)
{
	if (!line_reserve(l, n))
		return;
	memcpy(l->p + l->len, s, n);
	l->len += n;
}

static void puts_(struct line *l, const char *s)
{
	put(l, s, strlen(s));
}

static void putc_(struct line *l, char c)
{
	put(l, &c, 1);
}

static void putf(struct line *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void putf(struct line *l, const char *fmt, ...)
{
	char buf[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		put(l, buf,
		    (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* ---- escaping ------------------------------------------------------------ */

/*
 * Length of the well-formed UTF-8 sequence at s (at most n bytes), or 0 when
 * it is not one (stray continuation, overlong form, surrogate, above
 * U+10FFFF, truncated). Bytes below 0x80 are 1.
 */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	/* the second byte's range rules out overlongs and surrogates */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

/* How one ASCII byte is written in a format; `quote`: inside a quoted value. */
typedef void (*put_ascii_fn)(struct line *l, unsigned char c, bool quote);

/*
 * The bytes of str with UTF-8 made valid (each byte that is not part of a
 * well-formed sequence becomes U+FFFD) and ASCII written by put_ascii.
 */
static void put_escaped(struct line *l, const char *str, put_ascii_fn put_ascii,
			bool quote)
{
	static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str);

	for (size_t i = 0; i < n;) {
		size_t len = utf8_len(s + i, n - i);

		if (!len) {
			put(l, replacement, 3);
			i++;
		} else if (len > 1) {
			put(l, (const char *)s + i, len);
			i += len;
		} else {
			put_ascii(l, s[i], quote);
			i++;
		}
	}
}

/* JSON: the short escapes where JSON has them, \u00XX for other controls. */
static void put_json_ascii(struct line *l, unsigned char c, bool quote)
{
	switch (c) {
	case '"':
		puts_(l, "\\\"");
		break;
	case '\\':
		puts_(l, "\\\\");
		break;
	case '\n':
		puts_(l, "\\n");
		break;
	case '\r':
		puts_(l, "\\r");
		break;
	case '\t':
		puts_(l, "\\t");
		break;
	default:
		if (c < 0x20 || c == 0x7f)
			putf(l, "\\u%04x", c);
		else
			putc_(l, (char)c);
	}
}

static void put_json_str(struct line *l, const char *s)
{
	if (!s) {
		puts_(l, "null");
		return;
	}
	putc_(l, '"');
	put_escaped(l, s, put_json_ascii, true);
	putc_(l, '"');
}

/*
 * A terminal: control characters other than newline and tab shown as \xNN
 * so no escape sequence reaches the terminal. Inside a quoted field value,
 * '"', '\' and newline are escaped too.
 */
static void put_text_ascii(struct line *l, unsigned char c, bool quote)
{
	if (quote && (c == '"' || c == '\\'))
		putc_(l, '\\');
	if (quote && c == '\n')
		puts_(l, "\\n");
	else if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
		putf(l, "\\x%02x", c);
	else
		putc_(l, (char)c);
}

static void put_text_chars(struct line *l, const char *str, bool quote)
{
	put_escaped(l, str, put_text_ascii, quote);
}

/* A field value needs quotes on a terminal when it would not read as one. */
static bool text_needs_quotes(const char *s)
{
	if (!*s)
		return true;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == '"' || *s == '=' ||
		    *s == '\\' || *s == 0x7f)
			return true;
	return false;
}

/* ---- rendering ------------------------------------------------------------
 */

static void put_number(struct line *l, const struct lb_log_field *f)
{
	switch (f->type) {
	case LB_LOG_F_INT:
		putf(l, "%lld", f->v.i);
		break;
	case LB_LOG_F_UINT:
		putf(l, "%llu", f->v.u);
		break;
	case LB_LOG_F_BOOL:
		puts_(l, f->v.b ? "true" : "false");
		break;
	case LB_LOG_F_DOUBLE:
		if (isfinite(f->v.d))
			putf(l, "%.15g", f->v.d);
		else
			puts_(l, "null");
		break;
	case LB_LOG_F_STR:
		break;
	}
}

static void put_time(struct line *l)
{
	struct timespec ts;
	struct tm tm;
	char buf[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	putf(l, "%s.%03ldZ", buf, ts.tv_nsec / 1000000);
}

static void render_json(struct line *l, enum lb_log_level level,
			const char *subsys, const char *msg,
			const struct lb_log_field *fields, size_t n_fields)
{
	puts_(l, "{\"time\":\"");
	put_time(l);
	puts_(l, "\",\"level\":\"");
	puts_(l, level_names[level]);
	puts_(l, "\",\"subsystem\":");
	put_json_str(l, subsys);
	puts_(l, ",\"message\":");
	put_json_str(l, msg);
	puts_(l, ",\"fields\":{");
	for (size_t i = 0; i < n_fields; i++) {
		const struct lb_log_field *f = &fields[i];

		if (i)
			putc_(l, ',');
		put_json_str(l, f->key ? f->key : "");
		putc_(l, ':');
		if (f->type == LB_LOG_F_STR)
			put_json_str(l, f->v.s);
		else
			put_number(l, f);
	}
	puts_(l, "}}\n");
}

static void render_text(struct line *l, enum lb_log_level level,
			const char *subsys, const char *msg,
			const struct lb_log_field *fields, size_t n_fields)
{
	puts_(l, "ballast: ");
	puts_(l, level_names[level]);
	puts_(l, ": ");
	if (strcmp(subsys, DEFAULT_SUBSYS)) {
		put_text_chars(l, subsys, false);
		puts_(l, ": ");
	}
	put_text_chars(l, msg, false);
	for (size_t i = 0; i < n_fields; i++) {
		const struct lb_log_field *f = &fields[i];

		putc_(l, ' ');
		put_text_chars(l, f->key ? f->key : "", false);
		putc_(l, '=');
		if (f->type != LB_LOG_F_STR) {
			put_number(l, f);
		} else if (!f->v.s) {
			puts_(l, "(null)");
		} else if (text_needs_quotes(f->v.s)) {
			putc_(l, '"');
			put_text_chars(l, f->v.s, true);
			putc_(l, '"');
		} else {
			put_text_chars(l, f->v.s, false);
		}
	}
	putc_(l, '\n');
}

static void write_all(const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(log_fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* nowhere left to report it */
		p += w;
		n -= (size_t)w;
	}
}

static void emit(enum lb_log_level level, const char *subsys, const char *msg,
		 const struct lb_log_field *fields, size_t n_fields)
{
	static const char oom_line[] =
	    "{\"level\":\"error\",\"subsystem\":\"log\",\"message\":"
	    "\"out of memory formatting a log line\",\"fields\":{}}\n";
	struct line l;
	int saved = errno; /* callers log strerror(errno) and go on using it */

	line_init(&l);
	if (lb_log_effective_format() == LB_LOG_FORMAT_JSON)
		render_json(&l, level, subsys, msg, fields, n_fields);
	else
		render_text(&l, level, subsys, msg, fields, n_fields);
	if (l.oom)
		write_all(oom_line, sizeof(oom_line) - 1);
	else
		write_all(l.p, l.len);
	line_free(&l);
	if (log_hook)
		log_hook(level, subsys, msg, log_hook_arg);
	errno = saved;
}

/*
 * Format the message into buf (or the heap when it does not fit); returns
 * what to print, to be freed with msg_free. Never NULL.
 */
static char *msg_format(char *buf, size_t size, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static char *msg_format(char *buf, size_t size, const char *fmt, va_list ap)
{
	va_list ap2;
	char *big;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(buf, size, fmt, ap);
	if (n < 0) {
		buf[0] = '\0';
	} else if ((size_t)n >= size) {
		big = malloc((size_t)n + 1);
		if (big) {
			vsnprintf(big, (size_t)n + 1, fmt, ap2);
			va_end(ap2);
			return big;
		}
	}
	va_end(ap2);
	return buf;
}

static void msg_free(char *msg, char *buf)
{
	if (msg != buf)
		free(msg);
}

static void strip_newline(char *msg)
{
	size_t n = strlen(msg);

	if (n && msg[n - 1] == '\n')
		msg[n - 1] = '\0';
}

void lb_vlog_kv(enum lb_log_level level, const char *subsys,
		const struct lb_log_field *fields, size_t n_fields,
		const char *fmt, va_list ap)
{
	char buf[512];
	char *msg;

	if (level > log_level)
		return;
	msg = msg_format(buf, sizeof(buf), fmt, ap);
	strip_newline(msg);
	emit(level, subsys && *subsys ? subsys : DEFAULT_SUBSYS, msg, fields,
	     fields ? n_fields : 0);
	msg_free(msg, buf);
}

void lb_log_kv(enum lb_log_level level, const char *subsys,
	       const struct lb_log_field *fields, size_t n_fields,
	       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lb_vlog_kv(level, subsys, fields, n_fields, fmt, ap);
	va_end(ap);
}

/* Length of a "word: " subsystem prefix at the start of msg, else 0. */
static size_t subsys_prefix(const char *msg)
{
	size_t i = 0;

	if (msg[0] < 'a' || msg[0] > 'z')
		return 0;
	while (i < SUBSYS_MAX && ((msg[i] >= 'a' && msg[i] <= 'z') ||
				  (msg[i] >= '0' && msg[i] <= '9') ||
				  msg[i] == '-' || msg[i] == '_'))
		i++;
	return msg[i] == ':' && msg[i + 1] == ' ' ? i : 0;
}

void lb_vlog(enum lb_log_level level, const char *fmt, va_list ap)
{
	char buf[512], subsys[SUBSYS_MAX + 1];
	size_t n;
	char *msg;

	if (level > log_level)
		return;
	msg = msg_format(buf, sizeof(buf), fmt, ap);
	strip_newline(msg);
	n = subsys_prefix(msg);
	if (n) {
		memcpy(subsys, msg, n);
		subsys[n] = '\0';
		emit(level, subsys, msg + n + 2, NULL, 0);
	} else {
		emit(level, DEFAULT_SUBSYS, msg, NULL, 0);
	}
	msg_free(msg, buf);
}

void lb_log(enum lb_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lb_vlog(level, fmt, ap);
	va_end(ap);
}
