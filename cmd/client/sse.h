/* SPDX-License-Identifier: GPL-2.0-only */
/* Server-Sent Events: a byte stream in, one callback per complete event. */
#ifndef BALLAST_CMD_CLIENT_SSE_H
#define BALLAST_CMD_CLIENT_SSE_H

#include <stddef.h>

/* A line longer than this (or an event's data beyond it) ends the stream. */
#define CL_SSE_MAX (1u << 20)

struct cl_sse_event {
	const char *id;	   /* "" when the event had none */
	const char *event; /* "message" when the event had no type */
	const char *data;  /* data lines joined by '\n' */
};

/* Returns non-zero to stop reading. */
typedef int (*cl_sse_cb)(const struct cl_sse_event *ev, void *arg);

struct cl_sse {
	char *line; /* the partial line so far */
	size_t line_len, line_cap;
	char *data;
	size_t data_len, data_cap;
	char id[128]; /* of the event being read */
	char event[64];
	char last_id[128]; /* of the last event dispatched: for Last-Event-ID */
	cl_sse_cb cb;
	void *arg;
};

void cl_sse_init(struct cl_sse *s, cl_sse_cb cb, void *arg);
/*
 * Feed bytes. Returns 0, 1 when the callback asked to stop, or -E2BIG /
 * -ENOMEM when the stream is not something to keep reading.
 */
int cl_sse_feed(struct cl_sse *s, const char *p, size_t n);
/* Forget a partly read event (the connection broke); keep last_id. */
void cl_sse_reset(struct cl_sse *s);
void cl_sse_free(struct cl_sse *s);

#endif
