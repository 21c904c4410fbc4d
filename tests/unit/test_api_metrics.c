// SPDX-License-Identifier: GPL-2.0-only
/* The Prometheus text writer: format, escaping, histograms, errors. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "cmd/api/metrics.h"
#include "tests/lib/check_main.h"

static const char *text(struct api_metrics *m)
{
	size_t len;
	const char *t = api_metrics_text(m, &len);

	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(strlen(t), len);
	return t;
}

START_TEST(counter_and_gauge)
{
	struct api_metrics *m = api_metrics_new();

	ck_assert_int_eq(api_metrics_family(m, "ballast_passes_total",
					    API_METRIC_COUNTER, "Passes run."),
			 0);
	ck_assert_int_eq(
	    api_metrics_sample_u64(m, NULL, 18446744073709551615ull), 0);
	ck_assert_int_eq(api_metrics_family(m, "ballast_weight",
					    API_METRIC_GAUGE, "Weight."),
			 0);
	ck_assert_int_eq(
	    api_metrics_sample(m,
			       (const char *const[]){"service", "web", "real",
						     "10.0.0.1:80", NULL},
			       0.1),
	    0);
	api_metrics_sample(m, (const char *const[]){"service", "a", NULL},
			   1e21);
	api_metrics_sample(m, (const char *const[]){"service", "b", NULL}, NAN);
	api_metrics_sample(m, (const char *const[]){"service", "c", NULL},
			   -INFINITY);
	api_metrics_sample(m, (const char *const[]){"service", "d", NULL}, -3);
	ck_assert_str_eq(
	    text(m),
	    "# HELP ballast_passes_total Passes run.\n"
	    "# TYPE ballast_passes_total counter\n"
	    "ballast_passes_total 18446744073709551615\n"
	    "# HELP ballast_weight Weight.\n"
	    "# TYPE ballast_weight gauge\n"
	    "ballast_weight{service=\"web\",real=\"10.0.0.1:80\"} 0.1\n"
	    "ballast_weight{service=\"a\"} 1e+21\n"
	    "ballast_weight{service=\"b\"} NaN\n"
	    "ballast_weight{service=\"c\"} -Inf\n"
	    "ballast_weight{service=\"d\"} -3\n");
	api_metrics_free(m);
}
END_TEST

START_TEST(escaping)
{
	struct api_metrics *m = api_metrics_new();

	api_metrics_family(m, "x_info", API_METRIC_GAUGE,
			   "Line one\nline \"two\" \\ end");
	api_metrics_sample(m, (const char *const[]){"v", "a\"b\\c\nd", NULL},
			   1);
	ck_assert_str_eq(text(m),
			 "# HELP x_info Line one\\nline \"two\" \\\\ end\n"
			 "# TYPE x_info gauge\n"
			 "x_info{v=\"a\\\"b\\\\c\\nd\"} 1\n");
	api_metrics_free(m);
}
END_TEST

START_TEST(histogram)
{
	static const double le[] = {0.005, 0.1, 1};
	struct api_metrics *m = api_metrics_new();
	struct api_hist h;

	ck_assert_int_eq(api_hist_init(&h, le, 3), 0);
	api_hist_observe(&h, 0.001);
	api_hist_observe(&h, 0.005); /* le is inclusive */
	api_hist_observe(&h, 0.5);
	api_hist_observe(&h, 7);
	api_metrics_family(m, "lat_seconds", API_METRIC_HISTOGRAM, "Latency.");
	ck_assert_int_eq(
	    api_metrics_hist(m, (const char *const[]){"s", "web", NULL}, &h),
	    0);
	ck_assert_str_eq(text(m),
			 "# HELP lat_seconds Latency.\n"
			 "# TYPE lat_seconds histogram\n"
			 "lat_seconds_bucket{s=\"web\",le=\"0.005\"} 2\n"
			 "lat_seconds_bucket{s=\"web\",le=\"0.1\"} 2\n"
			 "lat_seconds_bucket{s=\"web\",le=\"1\"} 3\n"
			 "lat_seconds_bucket{s=\"web\",le=\"+Inf\"} 4\n"
			 "lat_seconds_sum{s=\"web\"} 7.506\n"
			 "lat_seconds_count{s=\"web\"} 4\n");
	api_metrics_free(m);
}
END_TEST

START_TEST(histogram_bounds_checked)
{
	static const double bad[] = {1, 0.5};
	static const double inf[] = {1, INFINITY};
	struct api_hist h;

	ck_assert_int_eq(api_hist_init(&h, bad, 2), -EINVAL);
	ck_assert_int_eq(api_hist_init(&h, inf, 2), -EINVAL);
	ck_assert_int_eq(api_hist_init(&h, bad, API_HIST_MAX_BUCKETS + 1),
			 -EINVAL);
}
END_TEST

static int first_error(void (*fn)(struct api_metrics *))
{
	struct api_metrics *m = api_metrics_new();
	size_t len;
	int err;

	fn(m);
	err = api_metrics_error(m);
	/* sticky: nothing half-written is ever handed out */
	if (err)
		ck_assert_ptr_null(api_metrics_text(m, &len));
	api_metrics_free(m);
	return err;
}

static void bad_name(struct api_metrics *m)
{
	api_metrics_family(m, "9lives", API_METRIC_GAUGE, "x");
}

static void counter_without_total(struct api_metrics *m)
{
	api_metrics_family(m, "ballast_passes", API_METRIC_COUNTER, "x");
}

static void sample_before_family(struct api_metrics *m)
{
	api_metrics_sample(m, NULL, 1);
}

static void bad_label(struct api_metrics *m)
{
	api_metrics_family(m, "g", API_METRIC_GAUGE, "x");
	api_metrics_sample(m, (const char *const[]){"a-b", "v", NULL}, 1);
}

static void reserved_label(struct api_metrics *m)
{
	api_metrics_family(m, "g", API_METRIC_GAUGE, "x");
	api_metrics_sample(m, (const char *const[]){"__name__", "v", NULL}, 1);
}

static void le_in_histogram_labels(struct api_metrics *m)
{
	static const double le[] = {1};
	struct api_hist h;

	api_hist_init(&h, le, 1);
	api_metrics_family(m, "h", API_METRIC_HISTOGRAM, "x");
	api_metrics_hist(m, (const char *const[]){"le", "v", NULL}, &h);
}

static void scalar_into_histogram(struct api_metrics *m)
{
	api_metrics_family(m, "h", API_METRIC_HISTOGRAM, "x");
	api_metrics_sample(m, NULL, 1);
}

static void odd_label_list(struct api_metrics *m)
{
	api_metrics_family(m, "g", API_METRIC_GAUGE, "x");
	api_metrics_sample(m, (const char *const[]){"a", NULL}, 1);
}

START_TEST(errors_are_sticky)
{
	ck_assert_int_eq(first_error(bad_name), -EINVAL);
	ck_assert_int_eq(first_error(counter_without_total), -EINVAL);
	ck_assert_int_eq(first_error(sample_before_family), -EINVAL);
	ck_assert_int_eq(first_error(bad_label), -EINVAL);
	ck_assert_int_eq(first_error(reserved_label), -EINVAL);
	ck_assert_int_eq(first_error(le_in_histogram_labels), -EINVAL);
	ck_assert_int_eq(first_error(scalar_into_histogram), -EINVAL);
	ck_assert_int_eq(first_error(odd_label_list), -EINVAL);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("api_metrics");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, counter_and_gauge);
	tcase_add_test(tc, escaping);
	tcase_add_test(tc, histogram);
	tcase_add_test(tc, histogram_bounds_checked);
	tcase_add_test(tc, errors_are_sticky);
	suite_add_tcase(s, tc);
	return s;
}
