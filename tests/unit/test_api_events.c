// SPDX-License-Identifier: GPL-2.0-only
/* The event ring and its SSE rendering: replay, loss markers, pieces. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/api/events.h"
#include "tests/lib/check_main.h"

/* Everything a subscriber has to say now, read in pieces of `chunk`. */
static char *drain(struct api_sub *s, size_t chunk)
{
	static char out[8192];
	size_t n = 0;
	ssize_t k;

	while ((k = api_sub_read(s, out + n, chunk)) > 0) {
		n += (size_t)k;
		ck_assert_uint_lt(n + chunk, sizeof(out));
	}
	ck_assert_int_eq(k, 0);
	out[n] = '\0';
	return out;
}

static void publish_n(struct api_events *ev, int from, int to)
{
	for (int i = from; i <= to; i++)
		ck_assert_uint_eq(
		    api_events_publish(ev, "test", json_pack("{s:i}", "n", i)),
		    (uint64_t)i);
}

START_TEST(new_subscriber_sees_only_new_events)
{
	struct api_events *ev;
	struct api_sub *s;

	ck_assert_int_eq(api_events_new(NULL, 4, 0, &ev), 0);
	publish_n(ev, 1, 2);
	ck_assert_int_eq(api_sub_open(ev, NULL, &s), 0);
	ck_assert_str_eq(drain(s, 100), "");
	publish_n(ev, 3, 3);
	ck_assert_str_eq(drain(s, 100),
			 "id: 3\nevent: test\ndata: {\"n\":3}\n\n");
	api_sub_close(s);
	api_events_free(ev);
}
END_TEST

START_TEST(last_event_id_replays_from_the_ring)
{
	struct api_events *ev;
	struct api_sub *s;

	ck_assert_int_eq(api_events_new(NULL, 4, 0, &ev), 0);
	publish_n(ev, 1, 3);
	ck_assert_int_eq(api_sub_open(ev, "1", &s), 0);
	/* small pieces: an event may span reads */
	ck_assert_str_eq(drain(s, 7),
			 "id: 2\nevent: test\ndata: {\"n\":2}\n\n"
			 "id: 3\nevent: test\ndata: {\"n\":3}\n\n");
	api_sub_close(s);

	ck_assert_int_eq(api_sub_open(ev, "3", &s), 0);
	ck_assert_str_eq(drain(s, 100), "");
	api_sub_close(s);
	api_events_free(ev);
}
END_TEST

START_TEST(dropped_ids_get_a_marker)
{
	struct api_events *ev;
	struct api_sub *s;
	char *out;

	ck_assert_int_eq(api_events_new(NULL, 4, 0, &ev), 0);
	publish_n(ev, 1, 10); /* the ring holds 7..10 */
	ck_assert_uint_eq(api_events_first_id(ev), 7);
	ck_assert_uint_eq(api_events_last_id(ev), 10);

	ck_assert_int_eq(api_sub_open(ev, "5", &s), 0);
	out = drain(s, 64);
	ck_assert_ptr_eq(strstr(out, "event: " API_EVENTS_LOST "\n"), out);
	ck_assert_ptr_nonnull(
	    strstr(out, "\"last_event_id\":5,\"first_available\":7"));
	ck_assert_ptr_nonnull(strstr(out, "\n\nid: 7\n"));
	ck_assert_ptr_nonnull(strstr(out, "\n\nid: 10\n"));
	ck_assert_ptr_null(strstr(out, "id: 6\n"));
	api_sub_close(s);

	/* 6 is exactly the one before the oldest: nothing was lost */
	ck_assert_int_eq(api_sub_open(ev, "6", &s), 0);
	out = drain(s, 64);
	ck_assert_ptr_null(strstr(out, API_EVENTS_LOST));
	ck_assert_ptr_eq(strstr(out, "id: 7\n"), out);
	api_sub_close(s);

	/* 0 asks for everything, which is no longer all there */
	ck_assert_int_eq(api_sub_open(ev, "0", &s), 0);
	ck_assert_ptr_nonnull(strstr(drain(s, 64), API_EVENTS_LOST));
	api_sub_close(s);
	api_events_free(ev);
}
END_TEST

START_TEST(unknown_future_id_replays_everything_after_a_marker)
{
	struct api_events *ev;
	struct api_sub *s;
	char *out;

	ck_assert_int_eq(api_events_new(NULL, 4, 0, &ev), 0);
	publish_n(ev, 1, 2);
	/* e.g. an id from before a daemon restart */
	ck_assert_int_eq(api_sub_open(ev, "500", &s), 0);
	out = drain(s, 64);
	ck_assert_ptr_eq(strstr(out, "event: " API_EVENTS_LOST), out);
	ck_assert_ptr_nonnull(strstr(out, "id: 1\n"));
	ck_assert_ptr_nonnull(strstr(out, "id: 2\n"));
	api_sub_close(s);
	api_events_free(ev);
}
END_TEST

START_TEST(slow_subscriber_overtaken_by_the_ring)
{
	struct api_events *ev;
	struct api_sub *s;
	char *out;

	ck_assert_int_eq(api_events_new(NULL, 3, 0, &ev), 0);
	ck_assert_int_eq(api_sub_open(ev, NULL, &s), 0);
	publish_n(ev, 1, 1);
	ck_assert_ptr_nonnull(strstr(drain(s, 64), "id: 1\n"));
	publish_n(ev, 2, 6); /* holds 4..6; 2 and 3 are gone unsent */
	out = drain(s, 64);
	ck_assert_ptr_eq(strstr(out, "event: " API_EVENTS_LOST), out);
	ck_assert_ptr_nonnull(strstr(out, "\"last_event_id\":1"));
	ck_assert_ptr_null(strstr(out, "id: 3\n"));
	ck_assert_ptr_nonnull(strstr(out, "id: 4\n"));
	ck_assert_ptr_nonnull(strstr(out, "id: 6\n"));
	api_sub_close(s);
	api_events_free(ev);
}
END_TEST

START_TEST(bad_input)
{
	struct api_events *ev;
	struct api_sub *s = NULL;

	ck_assert_int_eq(api_events_new(NULL, 0, 0, &ev), -EINVAL);
	ck_assert_int_eq(api_events_new(NULL, 2, 0, &ev), 0);
	ck_assert_int_eq(api_sub_open(ev, "", &s), -EINVAL);
	ck_assert_int_eq(api_sub_open(ev, "12x", &s), -EINVAL);
	ck_assert_int_eq(api_sub_open(ev, "-1", &s), -EINVAL);
	ck_assert_int_eq(api_sub_open(ev, "99999999999999999999999", &s),
			 -EINVAL);
	/* a type must not break the SSE framing */
	ck_assert_uint_eq(api_events_publish(ev, "a\nb", NULL), 0);
	ck_assert_uint_eq(api_events_publish(ev, "", NULL), 0);
	ck_assert_uint_eq(api_events_publish(ev, "Health", NULL), 0);
	ck_assert_uint_eq(api_events_publish(ev, "health.transition", NULL), 1);
	api_events_free(ev);
}
END_TEST

START_TEST(data_stays_on_one_line)
{
	struct api_events *ev;
	struct api_sub *s;

	ck_assert_int_eq(api_events_new(NULL, 2, 0, &ev), 0);
	ck_assert_int_eq(api_sub_open(ev, NULL, &s), 0);
	api_events_publish(ev, "t", json_string("two\nlines"));
	ck_assert_str_eq(drain(s, 100),
			 "id: 1\nevent: t\ndata: \"two\\nlines\"\n\n");
	api_sub_close(s);
	api_events_free(ev);
}
END_TEST

START_TEST(ring_freed_first_ends_streams)
{
	struct api_events *ev;
	struct api_sub *s;
	char buf[64];

	ck_assert_int_eq(api_events_new(NULL, 2, 0, &ev), 0);
	ck_assert_int_eq(api_sub_open(ev, NULL, &s), 0);
	api_events_free(ev);
	ck_assert_int_eq(api_sub_read(s, buf, sizeof(buf)), -1);
	api_sub_close(s);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("api_events");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, new_subscriber_sees_only_new_events);
	tcase_add_test(tc, last_event_id_replays_from_the_ring);
	tcase_add_test(tc, dropped_ids_get_a_marker);
	tcase_add_test(tc, unknown_future_id_replays_everything_after_a_marker);
	tcase_add_test(tc, slow_subscriber_overtaken_by_the_ring);
	tcase_add_test(tc, bad_input);
	tcase_add_test(tc, data_stays_on_one_line);
	tcase_add_test(tc, ring_freed_first_ends_streams);
	suite_add_tcase(s, tc);
	return s;
}
