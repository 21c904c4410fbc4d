/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Events for the control API: a bounded ring of (id, type, JSON data) and
 * the Server-Sent Events endpoint that streams it. A client that
 * reconnects with Last-Event-ID gets what it missed from the ring; when
 * that has already been dropped it first gets an "events-lost" event.
 *
 * Free the API server (which ends every stream) before the ring; the other
 * order is safe too: streams of a freed ring end at their next read.
 */
#ifndef BALLAST_CMD_API_EVENTS_H
#define BALLAST_CMD_API_EVENTS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cmd/api/api.h"

struct lb_loop;
struct api_events;
struct api_sub;

#define API_EVENTS_KEEPALIVE_MS 15000
/* The marker sent in place of events the ring no longer holds. */
#define API_EVENTS_LOST "events-lost"

/*
 * capacity events are kept. With a loop, subscribers get a keep-alive
 * comment every keepalive_ms (0: API_EVENTS_KEEPALIVE_MS) so proxies and
 * clients see a live connection; loop may be NULL (tests).
 */
int api_events_new(struct lb_loop *loop, size_t capacity,
		   unsigned int keepalive_ms, struct api_events **out)
    __attribute__((warn_unused_result));
void api_events_free(struct api_events *ev);

/*
 * Append an event; type is [a-z0-9_.-]+, data is stolen (NULL: null).
 * Returns its id (ids start at 1 and only grow), or 0 when out of memory
 * or type is invalid. Wakes every subscriber.
 */
uint64_t api_events_publish(struct api_events *ev, const char *type,
			    json_t *data);
/* Id of the newest event (0: none yet) and of the oldest still held. */
uint64_t api_events_last_id(const struct api_events *ev);
uint64_t api_events_first_id(const struct api_events *ev);

/*
 * Route handler for GET .../events; arg is the struct api_events. Honours
 * the Last-Event-ID header (decimal; 0 replays the whole ring).
 */
int api_events_handler(struct api_req *req, struct api_resp *resp, void *arg);

/*
 * The stream underneath, for tests and other transports: last_event_id
 * NULL means "only new events". Returns -EINVAL for a malformed id.
 */
int api_sub_open(struct api_events *ev, const char *last_event_id,
		 struct api_sub **out) __attribute__((warn_unused_result));
/* SSE text, whole or in pieces: bytes written, 0 when idle, -1 at end. */
ssize_t api_sub_read(struct api_sub *sub, char *buf, size_t max);
void api_sub_close(struct api_sub *sub);

#endif
