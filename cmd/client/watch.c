// SPDX-License-Identifier: GPL-2.0-only
/* ballast watch: the daemon's event stream, resumed across reconnects. */
#include <errno.h>
#include <stdbool.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/client/client.h"
#include "cmd/client/http.h"
#include "cmd/client/render.h"
#include "cmd/client/sse.h"
#include "cmd/options.h"

/*
 * After the stream breaks: attempts in a row before giving up, and the wait
 * before each (doubling from the first, at most the last): about 8 s in all,
 * long enough for `systemctl restart ballast`.
 */
#define WATCH_ATTEMPTS 5
#define WATCH_DELAY_FIRST_MS 250
#define WATCH_DELAY_MAX_MS 4000

struct watch {
	struct cl_sse sse;
	const struct cl_options *o;
	uint32_t seen;
	int err; /* the stream was not SSE we can read */
};

static int on_event(const struct cl_sse_event *ev, void *arg)
{
	struct watch *w = arg;
	json_t *data = json_loads(ev->data, JSON_DECODE_ANY, NULL);

	if (!data)
		data = json_string(ev->data); /* not JSON: shown as it came */
	if (w->o->json) {
		json_t *line = json_pack("{sssssO}", "id", ev->id, "event",
					 ev->event, "data", data);

		if (line)
			json_dumpf(line, stdout, JSON_COMPACT);
		fputc('\n', stdout);
		json_decref(line);
	} else if (json_is_object(data)) {
		cl_render_event(stdout, ev->event, data);
	} else {
		printf("- %-9s %s\n", ev->event, ev->data);
	}
	json_decref(data);
	fflush(stdout);
	w->seen++;
	return w->o->count && w->seen >= w->o->count;
}

static int sink(const char *data, size_t len, void *arg)
{
	struct watch *w = arg;
	int rc = cl_sse_feed(&w->sse, data, len);

	if (rc < 0)
		w->err = rc;
	return rc != 0;
}

static void pause_ms(unsigned int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

int cl_watch(const char *socket, const struct cl_options *o)
{
	struct watch w = {.o = o};
	struct cl_request q = {
	    .method = "GET", .path = "/api/v1/events", .sink = sink, .arg = &w};
	unsigned int delay = WATCH_DELAY_FIRST_MS, failures = 0;
	bool connected = false;
	int code = CMD_EXIT_ERROR;

	cl_sse_init(&w.sse, on_event, &w);
	for (;;) {
		struct cl_response r;
		uint32_t before = w.seen;
		char why[256];
		int err;

		q.last_event_id = w.sse.last_id[0] ? w.sse.last_id : NULL;
		err = cl_http_do(socket, &q, &r, why, sizeof(why));
		if (r.stopped && w.err) {
			fprintf(stderr,
				"ballast: the event stream is not one "
				"ballast can read: %s\n",
				strerror(-w.err));
			break;
		}
		if (r.stopped) {
			code = CMD_EXIT_OK;
			break;
		}
		if (r.status && r.status != 200) {
			json_t *body =
			    r.body ? json_loadb(r.body, r.len, 0, NULL) : NULL;

			cl_render_error(stderr, r.status, body);
			json_decref(body);
			cl_response_free(&r);
			break;
		}
		cl_response_free(&r);
		if (r.status == 200)
			connected = true;
		if (!err)
			snprintf(why, sizeof(why), "the stream ended");
		if (w.seen > before) {
			/* A stream that delivered: the next break starts
			 * afresh. */
			failures = 0;
			delay = WATCH_DELAY_FIRST_MS;
		} else if (!connected) {
			/* Never reached: the daemon is not running. */
			code = cl_unreachable(socket, err, why);
			break;
		} else if (++failures >= WATCH_ATTEMPTS) {
			fprintf(stderr,
				"ballast: lost the daemon at %s: %s; gave "
				"up after %d attempts to reconnect\n",
				socket, why, WATCH_ATTEMPTS);
			code = CMD_EXIT_NO_DAEMON;
			break;
		}
		cl_sse_reset(&w.sse);
		pause_ms(delay);
		if (failures)
			delay = delay * 2 > WATCH_DELAY_MAX_MS
				    ? WATCH_DELAY_MAX_MS
				    : delay * 2;
	}
	cl_sse_free(&w.sse);
	return code;
}
