// SPDX-License-Identifier: GPL-2.0-only
#include "cmd/api/events.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/evloop.h"

#define TYPE_MAX 32

struct api_event {
	uint64_t id;
	char type[TYPE_MAX];
	char *data; /* compact JSON: one line, as SSE data needs */
};

struct api_events {
	struct lb_loop *loop;
	struct api_event *ring;
	size_t cap;
	size_t head; /* slot of the oldest event */
	size_t count;
	uint64_t next_id; /* id the next event gets */
	unsigned int keepalive_ms;
	struct lb_timer *keepalive;
	struct api_sub *subs;
};

struct api_sub {
	struct api_events *ev; /* NULL once the ring is gone */
	struct api_stream *stream;
	uint64_t next;	     /* id to send next */
	bool lost_pending;   /* send the marker before anything else */
	uint64_t lost_after; /* the id the client had */
	bool keepalive_due;
	char *out; /* formatted text being sent */
	size_t out_len, out_off, out_cap;
	struct api_sub *prev, *next_sub;
};

static void keepalive_arm(struct api_events *ev);

int api_events_new(struct lb_loop *loop, size_t capacity,
		   unsigned int keepalive_ms, struct api_events **out)
{
	struct api_events *ev;

	if (capacity == 0)
		return -EINVAL;
	ev = calloc(1, sizeof(*ev));
	if (!ev)
		return -ENOMEM;
	ev->ring = calloc(capacity, sizeof(*ev->ring));
	if (!ev->ring) {
		free(ev);
		return -ENOMEM;
	}
	ev->loop = loop;
	ev->cap = capacity;
	ev->next_id = 1;
	ev->keepalive_ms =
	    keepalive_ms ? keepalive_ms : API_EVENTS_KEEPALIVE_MS;
	*out = ev;
	return 0;
}

void api_events_free(struct api_events *ev)
{
	if (!ev)
		return;
	for (struct api_sub *s = ev->subs; s; s = s->next_sub) {
		s->ev = NULL;
		api_stream_wake(s->stream);
	}
	if (ev->loop)
		lb_timer_cancel(ev->loop, &ev->keepalive);
	for (size_t i = 0; i < ev->cap; i++)
		free(ev->ring[i].data);
	free(ev->ring);
	free(ev);
}

static bool type_valid(const char *t)
{
	size_t len = strlen(t);

	return len > 0 && len < TYPE_MAX &&
	       strspn(t, "abcdefghijklmnopqrstuvwxyz0123456789_.-") == len;
}

uint64_t api_events_publish(struct api_events *ev, const char *type,
			    json_t *data)
{
	struct api_event *e;
	char *text;

	if (!type_valid(type)) {
		json_decref(data);
		return 0;
	}
	text = json_dumps(data ? data : json_null(),
			  JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(data);
	if (!text)
		return 0;
	if (ev->count == ev->cap) {
		/* full: the oldest makes room */
		free(ev->ring[ev->head].data);
		ev->ring[ev->head].data = NULL;
		ev->head = (ev->head + 1) % ev->cap;
		ev->count--;
	}
	e = &ev->ring[(ev->head + ev->count) % ev->cap];
	e->id = ev->next_id++;
	snprintf(e->type, sizeof(e->type), "%s", type);
	e->data = text;
	ev->count++;
	for (struct api_sub *s = ev->subs; s; s = s->next_sub)
		api_stream_wake(s->stream);
	return e->id;
}

uint64_t api_events_last_id(const struct api_events *ev)
{
	return ev->next_id - 1;
}

uint64_t api_events_first_id(const struct api_events *ev)
{
	return ev->count ? ev->ring[ev->head].id : ev->next_id;
}

static const struct api_event *event_by_id(const struct api_events *ev,
					   uint64_t id)
{
	uint64_t first = api_events_first_id(ev);

	if (id < first || id >= ev->next_id)
		return NULL;
	return &ev->ring[(ev->head + (id - first)) % ev->cap];
}

/* ---- subscribers ------------------------------------------------------- */

int api_sub_open(struct api_events *ev, const char *last_event_id,
		 struct api_sub **out)
{
	struct api_sub *s;
	uint64_t last = 0;

	if (last_event_id) {
		char *end;

		errno = 0;
		last = strtoull(last_event_id, &end, 10);
		if (!*last_event_id || *end || errno || last_event_id[0] == '-')
			return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->ev = ev;
	if (!last_event_id) {
		s->next = ev->next_id;
	} else if (last >= ev->next_id) {
		/* an id from before a restart, or made up: replay all */
		s->lost_pending = last != 0 || ev->next_id != 1;
		s->lost_after = last;
		s->next = api_events_first_id(ev);
	} else {
		s->next = last + 1;
	}
	s->next_sub = ev->subs;
	if (s->next_sub)
		s->next_sub->prev = s;
	ev->subs = s;
	keepalive_arm(ev);
	*out = s;
	return 0;
}

void api_sub_close(struct api_sub *s)
{
	if (!s)
		return;
	if (s->ev) {
		if (s->prev)
			s->prev->next_sub = s->next_sub;
		else
			s->ev->subs = s->next_sub;
		if (s->next_sub)
			s->next_sub->prev = s->prev;
	}
	free(s->out);
	free(s);
}

static int out_printf(struct api_sub *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int out_printf(struct api_sub *s, const char *fmt, ...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0)
		return -EINVAL;
	if ((size_t)len + 1 > s->out_cap) {
		char *b = realloc(s->out, (size_t)len + 1);

		if (!b)
			return -ENOMEM;
		s->out = b;
		s->out_cap = (size_t)len + 1;
	}
	va_start(ap, fmt);
	vsnprintf(s->out, s->out_cap, fmt, ap);
	va_end(ap);
	s->out_len = (size_t)len;
	s->out_off = 0;
	return 0;
}

/* Format the next thing to send into s->out; false when there is none. */
static bool sub_refill(struct api_sub *s)
{
	struct api_events *ev = s->ev;
	const struct api_event *e;
	uint64_t first = api_events_first_id(ev);

	if (!s->lost_pending && s->next < first) {
		/* the ring moved past this client while it was slow */
		s->lost_pending = true;
		s->lost_after = s->next - 1;
	}
	if (s->lost_pending) {
		s->lost_pending = false;
		s->next = first;
		return out_printf(s,
				  "event: " API_EVENTS_LOST "\n"
				  "data: {\"last_event_id\":%" PRIu64
				  ",\"first_available\":%" PRIu64
				  ",\"message\":\"events after %" PRIu64
				  " are no longer held; resynchronise from "
				  "the status endpoint\"}\n\n",
				  s->lost_after, first, s->lost_after) == 0;
	}
	e = event_by_id(ev, s->next);
	if (e) {
		s->next++;
		return out_printf(s, "id: %" PRIu64 "\nevent: %s\ndata: %s\n\n",
				  e->id, e->type, e->data) == 0;
	}
	if (s->keepalive_due) {
		s->keepalive_due = false;
		return out_printf(s, ": keep-alive\n\n") == 0;
	}
	return false;
}

ssize_t api_sub_read(struct api_sub *s, char *buf, size_t max)
{
	size_t n = 0;

	while (n < max) {
		if (s->out_off < s->out_len) {
			size_t k = s->out_len - s->out_off;

			if (k > max - n)
				k = max - n;
			memcpy(buf + n, s->out + s->out_off, k);
			s->out_off += k;
			n += k;
			continue;
		}
		if (!s->ev)
			return n ? (ssize_t)n : -1;
		if (!sub_refill(s))
			break;
	}
	return (ssize_t)n;
}

/* ---- keep-alive -------------------------------------------------------- */

static void on_keepalive(struct lb_loop *loop, void *arg)
{
	struct api_events *ev = arg;

	for (struct api_sub *s = ev->subs; s; s = s->next_sub) {
		s->keepalive_due = true;
		api_stream_wake(s->stream);
	}
	keepalive_arm(ev);
}

static void keepalive_arm(struct api_events *ev)
{
	if (!ev->loop || ev->keepalive || !ev->subs)
		return;
	if (lb_timer_add(ev->loop, &ev->keepalive, ev->keepalive_ms,
			 on_keepalive, ev) < 0)
		ev->keepalive = NULL;
}

/* ---- the endpoint ------------------------------------------------------ */

static ssize_t stream_read(void *arg, char *buf, size_t max)
{
	return api_sub_read(arg, buf, max);
}

static void stream_done(void *arg)
{
	api_sub_close(arg);
}

static const struct api_stream_ops sse_ops = {
    .read = stream_read,
    .done = stream_done,
};

int api_events_handler(struct api_req *req, struct api_resp *resp, void *arg)
{
	struct api_events *ev = arg;
	const char *last = api_req_header(req, "Last-Event-ID");
	struct api_sub *s;
	int rc;

	rc = api_sub_open(ev, last, &s);
	if (rc == -EINVAL)
		return api_resp_error(resp, API_INVALID_REQUEST,
				      "Last-Event-ID '%s' is not an event id "
				      "(a decimal number)",
				      last);
	if (rc < 0)
		return rc;
	/* a first line at once, so clients see the stream is open */
	if (out_printf(s, ": ballast events, last id %" PRIu64 "\n\n",
		       api_events_last_id(ev)) < 0 ||
	    (rc = api_resp_stream(resp, "text/event-stream", &sse_ops, s,
				  &s->stream)) < 0) {
		api_sub_close(s);
		return rc < 0 ? rc : -ENOMEM;
	}
	return 0;
}
