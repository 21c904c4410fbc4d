/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * HTTP/1.1 requests to the daemon's control API over its unix socket, through
 * libcurl (CURLOPT_UNIX_SOCKET_PATH).
 */
#ifndef BALLAST_CMD_CLIENT_HTTP_H
#define BALLAST_CMD_CLIENT_HTTP_H

#include <stddef.h>

struct cl_request {
	const char *method;	   /* GET, POST, PUT, DELETE */
	const char *path;	   /* "/api/v1/status", already escaped */
	const char *body;	   /* JSON, or NULL */
	const char *last_event_id; /* sent as Last-Event-ID, or NULL */
	long timeout_ms;	   /* whole request; 0: none (streams) */
	/*
	 * Streams: a 200 answer's body goes here as it arrives instead of into
	 * the response; returning non-zero ends the request (not an error).
	 */
	int (*sink)(const char *data, size_t len, void *arg);
	void *arg;
};

struct cl_response {
	long status; /* HTTP status */
	char *body;  /* NUL-terminated (not with a sink on 200) */
	size_t len;
	int stopped; /* the sink ended the request */
};

/*
 * Send q to the server at `socket`. Returns 0 when an answer came (whatever
 * its status), or a negative errno when none did, with a one-line reason
 * in err ("connection refused", ...). -ECONNREFUSED, -ENOENT and -EACCES are
 * the daemon not running or not ours to reach.
 */
int cl_http_do(const char *socket, const struct cl_request *q,
	       struct cl_response *r, char *err, size_t errlen);
void cl_response_free(struct cl_response *r);

/* Percent-encode s for one path segment or query value; free() it. */
char *cl_http_escape(const char *s);

#endif
