// SPDX-License-Identifier: GPL-2.0-only
#include "cmd/client/sse.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/array.h"

void cl_sse_init(struct cl_sse *s, cl_sse_cb cb, void *arg)
{
	memset(s, 0, sizeof(*s));
	s->cb = cb;
	s->arg = arg;
}

void cl_sse_reset(struct cl_sse *s)
{
	s->line_len = 0;
	s->data_len = 0;
	s->id[0] = '\0';
	s->event[0] = '\0';
}

void cl_sse_free(struct cl_sse *s)
{
	free(s->line);
	free(s->data);
	s->line = s->data = NULL;
}

/* Room for byte `need` of *buf (CL_SSE_MAX bounds it). */
static int grow(char **buf, size_t *cap, size_t need)
{
	while (need >= *cap)
		if (lb_array_reserve((void **)buf, cap, need, 1, 256))
			return -ENOMEM;
	return 0;
}

static int dispatch(struct cl_sse *s)
{
	struct cl_sse_event ev;
	int stop;

	/* An event without data is not dispatched, but its id still counts. */
	if (s->id[0])
		memcpy(s->last_id, s->id, sizeof(s->last_id));
	if (!s->data_len) {
		cl_sse_reset(s);
		return 0;
	}
	s->data[--s->data_len] = '\0'; /* the last data line's '\n' */
	ev.id = s->id;
	ev.event = s->event[0] ? s->event : "message";
	ev.data = s->data;
	stop = s->cb(&ev, s->arg);
	cl_sse_reset(s);
	return stop ? 1 : 0;
}

static void copy_field(char *dst, size_t size, const char *v)
{
	size_t len = strlen(v);

	if (len >= size)
		len = size - 1;
	memcpy(dst, v, len);
	dst[len] = '\0';
}

/* One complete line, NUL-terminated, without its end of line. */
static int on_line(struct cl_sse *s, char *line, size_t len)
{
	char *colon, *v;
	size_t vlen;

	if (!len)
		return dispatch(s);
	if (line[0] == ':')
		return 0; /* a comment: keep-alive */
	colon = strchr(line, ':');
	v = colon ? colon + 1 : line + len;
	if (colon)
		*colon = '\0';
	if (*v == ' ')
		v++;
	vlen = strlen(v);
	if (!strcmp(line, "data")) {
		if (s->data_len + vlen + 2 > CL_SSE_MAX)
			return -E2BIG;
		if (grow(&s->data, &s->data_cap, s->data_len + vlen + 1))
			return -ENOMEM;
		memcpy(s->data + s->data_len, v, vlen);
		s->data_len += vlen;
		s->data[s->data_len++] = '\n';
		s->data[s->data_len] = '\0';
	} else if (!strcmp(line, "id")) {
		copy_field(s->id, sizeof(s->id), v);
	} else if (!strcmp(line, "event")) {
		copy_field(s->event, sizeof(s->event), v);
	}
	return 0; /* retry and unknown fields: ignored */
}

int cl_sse_feed(struct cl_sse *s, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		int rc;

		if (c != '\n') {
			if (s->line_len + 2 > CL_SSE_MAX)
				return -E2BIG;
			if (grow(&s->line, &s->line_cap, s->line_len))
				return -ENOMEM;
			s->line[s->line_len++] = c;
			continue;
		}
		if (s->line_len && s->line[s->line_len - 1] == '\r')
			s->line_len--;
		if (grow(&s->line, &s->line_cap, s->line_len))
			return -ENOMEM;
		s->line[s->line_len] = '\0';
		rc = on_line(s, s->line, s->line_len);
		s->line_len = 0;
		if (rc)
			return rc;
	}
	return 0;
}
