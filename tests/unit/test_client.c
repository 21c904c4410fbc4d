// SPDX-License-Identifier: GPL-2.0-only
/*
 * The daemon's clients without a daemon: argv to API calls, SSE parsing, and
 * the rendering of the API's answers.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/client/client.h"
#include "cmd/client/render.h"
#include "cmd/client/sse.h"
#include "tests/lib/check_main.h"

/* What f printed through fn(f, data), as a string the caller frees. */
#define RENDER(fn, data)                                                       \
	({                                                                     \
		char *_t = NULL;                                               \
		size_t _n = 0;                                                 \
		FILE *_f = open_memstream(&_t, &_n);                           \
		fn(_f, data);                                                  \
		fclose(_f);                                                    \
		_t;                                                            \
	})

static json_t *parse_json(const char *s)
{
	json_error_t e;
	json_t *v = json_loads(s, 0, &e);

	ck_assert_msg(v, "%s", e.text);
	return v;
}

START_TEST(table_aligns_columns)
{
	struct cl_table *t = cl_table_new(3);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_int_eq(cl_table_row(t, (const char *[]){"A", "BB", "C"}), 0);
	ck_assert_int_eq(cl_table_row(t, (const char *[]){"long", NULL, "x"}),
			 0);
	cl_table_print(f, t, "  ");
	fclose(f);
	/* Widest cell plus two spaces; "-" for none; no trailing blanks. */
	ck_assert_str_eq(text, "  A     BB  C\n"
			       "  long  -   x\n");
	free(text);
	cl_table_free(t);
}
END_TEST

START_TEST(error_object_rendered)
{
	json_t *b =
	    parse_json("{\"success\": false, \"error\": {\"code\": "
		       "\"NOT_FOUND\", \"message\": \"service 'x' is not "
		       "configured\"}}");
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	cl_render_error(f, 404, b);
	cl_render_error(f, 502, NULL);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(
	    text, "ballast: NOT_FOUND: service 'x' is not configured\n"));
	ck_assert_ptr_nonnull(
	    strstr(text, "answered HTTP 502 without the API's error object"));
	free(text);
	json_decref(b);
}
END_TEST

START_TEST(services_rendered)
{
	json_t *d = parse_json(
	    "[{\"name\": \"web\", \"address\": \"2001:db8::1\", \"port\": 443,"
	    " \"protocol\": \"tcp\", \"scheduler\": \"maglev\", \"reals\": ["
	    "  {\"address\": \"10.0.0.1\", \"port\": 80, \"weight\": 100,"
	    "   \"effective_weight\": 0, \"programmed_weight\": null,"
	    "   \"health\": \"down\", \"admin\": \"disabled\", \"overrides\":"
	    "   [{\"kind\": \"disable\"}, {\"kind\": \"weight\"}],"
	    "   \"packets\": 5, \"bytes\": 300}]}]");
	char *text = RENDER(cl_render_services, d);

	ck_assert_ptr_nonnull(strstr(text, "SERVICE  ADDRESS"));
	ck_assert_ptr_nonnull(
	    strstr(text, "web      [2001:db8::1]:443  tcp    maglev  "
			 "10.0.0.1:80  100     0          -           down    "
			 "disabled  disable,weight  5        300\n"));
	ck_assert_ptr_null(strchr(text, '\033'));
	free(text);
	json_decref(d);
}
END_TEST

/* The optional parts of the node and HA lines appear only when set. */
START_TEST(node_and_ha_optional_parts_rendered)
{
	json_t *n =
	    parse_json("{\"node\": \"lb1\", \"state\": \"draining\","
		       " \"drain_until\": \"2026-12-06T20:05:00Z\","
		       " \"last_error\": \"netlink: Operation not permitted\","
		       " \"vips\": []}");
	json_t *s = parse_json(
	    "{\"ha\": {\"mode\": \"vrrp\", \"state\": \"active\","
	    " \"groups\": [{\"name\": \"web\", \"vrid\": 51,"
	    " \"state\": \"active\", \"transitions\": 3,"
	    " \"split_brain\": true, \"peer\": \"10.0.0.12\","
	    " \"cause\": \"address added\", \"vips\": [{\"held\": true}]},"
	    " {\"name\": \"api\", \"vrid\": 52, \"state\": \"standby\","
	    " \"transitions\": 0, \"split_brain\": false,"
	    " \"cause\": \"-\", \"vips\": [{\"held\": false}]}]}}");
	char *text = RENDER(cl_render_node, n);

	ck_assert_msg(strstr(text, "node lb1 draining until "
				   "2026-12-06T20:05:00Z; last error: netlink: "
				   "Operation not permitted\n"),
		      "%s", text);
	free(text);
	json_object_del(n, "drain_until");
	json_object_del(n, "last_error");
	text = RENDER(cl_render_node, n);
	ck_assert_msg(strstr(text, "node lb1 draining\n"), "%s", text);
	free(text);
	text = RENDER(cl_render_status, s);
	ck_assert_msg(strstr(text, "active, 1/1 VIPs held, 3 transitions, "
				   "SPLIT BRAIN with 10.0.0.12; address "
				   "added\n"),
		      "%s", text);
	ck_assert_msg(strstr(text, "standby, 0/1 VIPs held, 0 transitions; "
				   "-\n"),
		      "%s", text);
	free(text);
	json_decref(n);
	json_decref(s);
}
END_TEST

START_TEST(override_and_event_rendered)
{
	json_t *o =
	    parse_json("{\"removed\": {\"id\": 3, \"service\": \"web\","
		       " \"real\": \"10.0.0.1:80\", \"kind\": \"weight\","
		       " \"value\": 5}}");
	json_t *e = parse_json("{\"time\": \"T\", \"message\": \"hello\","
			       " \"n\": 2, \"obj\": {\"a\": 1}}");
	char *text = RENDER(cl_render_override_result, o);
	char *line = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&line, &len);

	ck_assert_str_eq(text,
			 "Removed weight override 3 on web 10.0.0.1:80 (5)\n");
	cl_render_event(f, "audit", e);
	fclose(f);
	ck_assert_str_eq(line, "T audit     hello n=2 obj={\"a\":1}\n");
	free(text);
	free(line);
	json_decref(o);
	json_decref(e);
}
END_TEST

struct seen {
	char ids[8][16], types[8][16], data[8][64];
	int n, stop_at;
};

static int on_ev(const struct cl_sse_event *ev, void *arg)
{
	struct seen *s = arg;

	snprintf(s->ids[s->n], 16, "%s", ev->id);
	snprintf(s->types[s->n], 16, "%s", ev->event);
	snprintf(s->data[s->n], 64, "%s", ev->data);
	return ++s->n == s->stop_at;
}

START_TEST(sse_parses_across_chunks)
{
	static const char stream[] =
	    ": keep-alive\r\n\r\n"
	    "id: 1\r\nevent: health\r\ndata: {\"a\":\r\ndata: 1}\r\n\r\n"
	    "data:no-space\n\n"
	    "id: 9\n\n" /* no data: not dispatched, but the id counts */
	    "id: 10\nevent: x\ndata: last\n\n";
	struct seen s = {.stop_at = 0};
	struct cl_sse p;

	/* Fed one byte at a time: every boundary inside a line is crossed. */
	cl_sse_init(&p, on_ev, &s);
	for (size_t i = 0; i < sizeof(stream) - 1; i++)
		ck_assert_int_eq(cl_sse_feed(&p, stream + i, 1), 0);
	ck_assert_int_eq(s.n, 3);
	ck_assert_str_eq(s.ids[0], "1");
	ck_assert_str_eq(s.types[0], "health");
	ck_assert_str_eq(s.data[0], "{\"a\":\n1}");
	ck_assert_str_eq(s.types[1], "message");
	ck_assert_str_eq(s.data[1], "no-space");
	ck_assert_str_eq(s.ids[2], "10");
	ck_assert_str_eq(p.last_id, "10");
	cl_sse_free(&p);

	/* The callback stops the stream; a broken event is forgotten. */
	memset(&s, 0, sizeof(s));
	s.stop_at = 1;
	cl_sse_init(&p, on_ev, &s);
	ck_assert_int_eq(cl_sse_feed(&p, stream, sizeof(stream) - 1), 1);
	ck_assert_str_eq(p.last_id, "1");
	ck_assert_int_eq(cl_sse_feed(&p, "data: half", 10), 0);
	cl_sse_reset(&p);
	ck_assert_int_eq(cl_sse_feed(&p, "\n\n", 2), 0);
	ck_assert_int_eq(s.n, 1);
	cl_sse_free(&p);
}
END_TEST

START_TEST(sse_bounds_a_line)
{
	struct seen s = {0};
	struct cl_sse p;
	char *big = malloc(CL_SSE_MAX + 1);

	memset(big, 'x', CL_SSE_MAX + 1);
	cl_sse_init(&p, on_ev, &s);
	ck_assert_int_eq(cl_sse_feed(&p, big, CL_SSE_MAX + 1), -E2BIG);
	cl_sse_free(&p);
	free(big);
}
END_TEST

static void check_call(const char *cmd, const struct cl_options *o, int n,
		       char **args, const char *method, const char *path,
		       const char *body)
{
	struct cl_call c;

	ck_assert_msg(!cl_call_build(cmd, o, n, args, &c), "%s", cmd);
	ck_assert_str_eq(c.method, method);
	ck_assert_str_eq(c.path, path);
	if (body)
		ck_assert_str_eq(c.body, body);
	else
		ck_assert_ptr_null(c.body);
	cl_call_free(&c);
}

START_TEST(calls_built)
{
	struct cl_options o = {0};
	struct cl_call c;
	char *a[] = {"web", "[::1]:80", "12"};

	check_call("status", &o, 0, a, "GET", "/api/v1/status", NULL);
	check_call("drain", &o, 2, a, "POST",
		   "/api/v1/services/web/reals/%5B%3A%3A1%5D%3A80/drain", "{}");
	o.timeout = "5m";
	check_call("drain", &o, 2, a, "POST",
		   "/api/v1/services/web/reals/%5B%3A%3A1%5D%3A80/drain",
		   "{\"timeout\":\"5m\"}");
	o.timeout = NULL;
	check_call("undrain", &o, 2, a, "DELETE",
		   "/api/v1/services/web/reals/%5B%3A%3A1%5D%3A80/drain", NULL);
	check_call("enable", &o, 2, a, "DELETE",
		   "/api/v1/services/web/reals/%5B%3A%3A1%5D%3A80/disable",
		   NULL);
	check_call("weight", &o, 3, a, "PUT",
		   "/api/v1/services/web/reals/%5B%3A%3A1%5D%3A80/weight",
		   "{\"weight\":12}");
	o.for_ = "1h";
	check_call("disable", &o, 2, a, "POST",
		   "/api/v1/services/web/reals/%5B%3A%3A1%5D%3A80/disable",
		   "{\"for\":\"1h\"}");
	/* --clear with a value or --for is a mistake, said before sending. */
	o.clear = true;
	ck_assert_int_eq(cl_call_build("weight", &o, 3, a, &c), -EINVAL);
	o.for_ = NULL;
	check_call("weight", &o, 2, a, "DELETE",
		   "/api/v1/services/web/reals/%5B%3A%3A1%5D%3A80/weight",
		   NULL);
	o.clear = false;
	a[2] = "70000";
	ck_assert_int_eq(cl_call_build("weight", &o, 3, a, &c), -EINVAL);
	a[2] = "up";
	ck_assert_int_eq(cl_call_build("health", &o, 3, a, &c), -EINVAL);
	o.for_ = "10m";
	check_call("health", &o, 3, a, "POST",
		   "/api/v1/services/web/reals/%5B%3A%3A1%5D%3A80/health",
		   "{\"state\":\"up\",\"for\":\"10m\"}");
	a[0] = "services";
	a[1] = "a b/c";
	check_call("show", &o, 2, a, "GET", "/api/v1/services/a%20b%2Fc", NULL);
	check_call("show", &o, 1, a, "GET", "/api/v1/services", NULL);
	a[0] = "status";
	check_call("node", &o, 1, a, "GET", "/api/v1/node", NULL);
	a[0] = "drain";
	check_call("node", &o, 1, a, "POST", "/api/v1/node/drain", "{}");
	a[0] = "undrain";
	check_call("node", &o, 1, a, "POST", "/api/v1/node/undrain", "{}");
	a[0] = "stop";
	ck_assert_int_eq(cl_call_build("node", &o, 1, a, &c), -EINVAL);
}
END_TEST

START_TEST(socket_path_precedence)
{
	struct cl_options o = {0};
	char *p;

	unsetenv(CL_ENV_SOCKET);
	p = cl_socket_path(&o);
	ck_assert_str_eq(p, CL_DEFAULT_SOCKET);
	free(p);
	setenv(CL_ENV_SOCKET, "/tmp/env.sock", 1);
	p = cl_socket_path(&o);
	ck_assert_str_eq(p, "/tmp/env.sock");
	free(p);
	o.socket = "/tmp/flag.sock";
	p = cl_socket_path(&o);
	ck_assert_str_eq(p, "/tmp/flag.sock");
	free(p);
	unsetenv(CL_ENV_SOCKET);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("client");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, table_aligns_columns);
	tcase_add_test(tc, error_object_rendered);
	tcase_add_test(tc, services_rendered);
	tcase_add_test(tc, node_and_ha_optional_parts_rendered);
	tcase_add_test(tc, override_and_event_rendered);
	tcase_add_test(tc, sse_parses_across_chunks);
	tcase_add_test(tc, sse_bounds_a_line);
	tcase_add_test(tc, calls_built);
	tcase_add_test(tc, socket_path_precedence);
	suite_add_tcase(s, tc);
	return s;
}
