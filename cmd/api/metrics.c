// SPDX-License-Identifier: GPL-2.0-only
#include "cmd/api/metrics.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_LEN 128

struct api_metrics {
	char *buf;
	size_t len, cap;
	int err;
	char family[NAME_MAX_LEN];
	enum api_metric_type type;
	bool have_family;
};

int api_hist_init(struct api_hist *h, const double *le, size_t n)
{
	memset(h, 0, sizeof(*h));
	if (n > API_HIST_MAX_BUCKETS)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (isnan(le[i]) || isinf(le[i]) || (i && le[i] <= le[i - 1]))
			return -EINVAL;
	h->le = le;
	h->n = n;
	return 0;
}

void api_hist_observe(struct api_hist *h, double v)
{
	size_t i = 0;

	while (i < h->n && v > h->le[i])
		i++;
	h->counts[i]++;
	h->sum += v;
	h->count++;
}

struct api_metrics *api_metrics_new(void)
{
	return calloc(1, sizeof(struct api_metrics));
}

void api_metrics_free(struct api_metrics *m)
{
	if (!m)
		return;
	free(m->buf);
	free(m);
}

static void fail(struct api_metrics *m, int err)
{
	if (!m->err)
		m->err = err;
}

static void put(struct api_metrics *m, const char *s, size_t len)
{
	if (m->err)
		return;
	if (m->len + len + 1 > m->cap) {
		size_t cap = m->cap ? m->cap : 4096;
		char *b;

		while (cap < m->len + len + 1)
			cap *= 2;
		b = realloc(m->buf, cap);
		if (!b) {
			fail(m, -ENOMEM);
			return;
		}
		m->buf = b;
		m->cap = cap;
	}
	memcpy(m->buf + m->len, s, len);
	m->len += len;
	m->buf[m->len] = '\0';
}

static void puts_(struct api_metrics *m, const char *s)
{
	put(m, s, strlen(s));
}

static void printf_(struct api_metrics *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void printf_(struct api_metrics *m, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		fail(m, -EINVAL);
	else
		put(m, tmp, (size_t)n);
}

/* HELP text escapes \ and newline; label values also escape ". */
static void put_escaped(struct api_metrics *m, const char *s, bool quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			puts_(m, "\\\\");
		else if (*s == '\n')
			puts_(m, "\\n");
		else if (*s == '"' && quote)
			puts_(m, "\\\"");
		else
			put(m, s, 1);
	}
}

static bool name_valid(const char *s, bool colon)
{
	size_t len = strlen(s);

	if (len == 0 || len >= NAME_MAX_LEN || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (; *s; s++) {
		bool ok = (*s >= 'a' && *s <= 'z') ||
			  (*s >= 'A' && *s <= 'Z') ||
			  (*s >= '0' && *s <= '9') || *s == '_' ||
			  (colon && *s == ':');
		if (!ok)
			return false;
	}
	return true;
}

int api_metrics_family(struct api_metrics *m, const char *name,
		       enum api_metric_type type, const char *help)
{
	static const char *const type_names[] = {
	    [API_METRIC_COUNTER] = "counter",
	    [API_METRIC_GAUGE] = "gauge",
	    [API_METRIC_HISTOGRAM] = "histogram",
	    [API_METRIC_UNTYPED] = "untyped",
	};

	size_t len = strlen(name);

	if (!name_valid(name, true) || (unsigned int)type > API_METRIC_UNTYPED)
		fail(m, -EINVAL);
	/* the convention promtool checks, enforced where it is cheap */
	if (type == API_METRIC_COUNTER &&
	    (len < 6 || strcmp(name + len - 6, "_total")))
		fail(m, -EINVAL);
	if (m->err)
		return m->err;
	snprintf(m->family, sizeof(m->family), "%s", name);
	m->type = type;
	m->have_family = true;
	printf_(m, "# HELP %s ", name);
	put_escaped(m, help ? help : "", false);
	printf_(m, "\n# TYPE %s %s\n", name, type_names[type]);
	return m->err;
}

/* The shortest of %.15g / %.17g that reads back as v (0.1, not 0.1000...1). */
static void fmt_double(char *buf, size_t len, double v)
{
	snprintf(buf, len, "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, len, "%.17g", v);
}

static void fmt_value(char *buf, size_t len, double v)
{
	if (isnan(v))
		snprintf(buf, len, "NaN");
	else if (isinf(v))
		snprintf(buf, len, "%s", v > 0 ? "+Inf" : "-Inf");
	else if (v == floor(v) && fabs(v) < 9007199254740992.0)
		snprintf(buf, len, "%.0f", v);
	else
		fmt_double(buf, len, v);
}

/* name{a="x",b="y"[,le="..."]} */
static void put_series(struct api_metrics *m, const char *suffix,
		       const char *const *labels, const char *le)
{
	bool first = true;

	puts_(m, m->family);
	puts_(m, suffix);
	if ((!labels || !labels[0]) && !le)
		return;
	puts_(m, "{");
	for (size_t i = 0; labels && labels[i]; i += 2) {
		if (!labels[i + 1] || !name_valid(labels[i], false) ||
		    !strncmp(labels[i], "__", 2) ||
		    (le && !strcmp(labels[i], "le"))) {
			fail(m, -EINVAL);
			return;
		}
		printf_(m, "%s%s=\"", first ? "" : ",", labels[i]);
		put_escaped(m, labels[i + 1], true);
		puts_(m, "\"");
		first = false;
	}
	if (le)
		printf_(m, "%sle=\"%s\"", first ? "" : ",", le);
	puts_(m, "}");
}

static int sample_check(struct api_metrics *m, bool hist)
{
	if (!m->have_family || (m->type == API_METRIC_HISTOGRAM) != hist)
		fail(m, -EINVAL);
	return m->err;
}

/* One sample line: name+suffix{labels[,le]} value */
static void put_line(struct api_metrics *m, const char *suffix,
		     const char *const *labels, const char *le,
		     const char *value)
{
	put_series(m, suffix, labels, le);
	puts_(m, " ");
	puts_(m, value);
	puts_(m, "\n");
}

int api_metrics_sample(struct api_metrics *m, const char *const *labels,
		       double value)
{
	char v[40];

	if (sample_check(m, false))
		return m->err;
	fmt_value(v, sizeof(v), value);
	put_line(m, "", labels, NULL, v);
	return m->err;
}

int api_metrics_sample_u64(struct api_metrics *m, const char *const *labels,
			   uint64_t value)
{
	char v[24];

	if (sample_check(m, false))
		return m->err;
	snprintf(v, sizeof(v), "%" PRIu64, value);
	put_line(m, "", labels, NULL, v);
	return m->err;
}

int api_metrics_hist(struct api_metrics *m, const char *const *labels,
		     const struct api_hist *h)
{
	uint64_t cum = 0;
	char le[40], v[40];

	if (sample_check(m, true))
		return m->err;
	for (size_t i = 0; i <= h->n; i++) {
		cum += h->counts[i];
		if (i < h->n)
			fmt_double(le, sizeof(le), h->le[i]);
		else
			snprintf(le, sizeof(le), "+Inf");
		snprintf(v, sizeof(v), "%" PRIu64, cum);
		put_line(m, "_bucket", labels, le, v);
	}
	fmt_value(v, sizeof(v), h->sum);
	put_line(m, "_sum", labels, NULL, v);
	snprintf(v, sizeof(v), "%" PRIu64, h->count);
	put_line(m, "_count", labels, NULL, v);
	return m->err;
}

const char *api_metrics_text(const struct api_metrics *m, size_t *len)
{
	if (m->err)
		return NULL;
	*len = m->len;
	return m->buf ? m->buf : "";
}

int api_metrics_error(const struct api_metrics *m)
{
	return m->err;
}
