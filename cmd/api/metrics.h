/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Prometheus text exposition format (version 0.0.4) for GET /metrics:
 * HELP and TYPE lines, counters, gauges and histograms with label values
 * escaped. A writer keeps the first error it meets, so a caller can emit
 * everything and check once at the end.
 *
 *   api_metrics_family(m, "ballast_reals", API_METRIC_GAUGE, "Reals.");
 *   api_metrics_sample(m, (const char *[]){"service", "web", NULL}, 3);
 */
#ifndef BALLAST_CMD_API_METRICS_H
#define BALLAST_CMD_API_METRICS_H

#include <stddef.h>
#include <stdint.h>

#define API_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

enum api_metric_type {
	API_METRIC_COUNTER,
	API_METRIC_GAUGE,
	API_METRIC_HISTOGRAM,
	API_METRIC_UNTYPED,
};

#define API_HIST_MAX_BUCKETS 32

/*
 * A histogram to observe into: le holds the n upper bounds in increasing
 * order (the +Inf bucket is implied); counts[i] counts observations in
 * (le[i-1], le[i]], counts[n] the ones above le[n-1].
 */
struct api_hist {
	const double *le;
	size_t n;
	uint64_t counts[API_HIST_MAX_BUCKETS + 1];
	double sum;
	uint64_t count;
};

/* 0, or -EINVAL when the bounds are not increasing or too many. */
int api_hist_init(struct api_hist *h, const double *le, size_t n);
void api_hist_observe(struct api_hist *h, double v);

struct api_metrics;

struct api_metrics *api_metrics_new(void);
void api_metrics_free(struct api_metrics *m);

/*
 * Start a metric family: its # HELP and # TYPE lines. Every family has a
 * distinct name ([a-zA-Z_:][a-zA-Z0-9_:]*); counters end in _total.
 */
int api_metrics_family(struct api_metrics *m, const char *name,
		       enum api_metric_type type, const char *help);
/*
 * A sample of the current counter, gauge or untyped family. labels is a
 * NULL-terminated list of name, value pairs (NULL: no labels).
 */
int api_metrics_sample(struct api_metrics *m, const char *const *labels,
		       double value);
int api_metrics_sample_u64(struct api_metrics *m, const char *const *labels,
			   uint64_t value);
/* The _bucket, _sum and _count samples of the current histogram family. */
int api_metrics_hist(struct api_metrics *m, const char *const *labels,
		     const struct api_hist *h);

/* The text so far; NULL if any call failed (then api_metrics_error). */
const char *api_metrics_text(const struct api_metrics *m, size_t *len);
/* The first error: 0 or a negative errno. */
int api_metrics_error(const struct api_metrics *m);

#endif
