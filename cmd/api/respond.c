// SPDX-License-Identifier: GPL-2.0-only
/* Building answers: the JSON envelope, raw bodies, and parked streams. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/api/api_internal.h"

static int resp_json(struct api_resp *resp, unsigned int status,
		     enum api_code code, json_t *env)
{
	char *text;
	size_t len;

	if (resp->r)
		return -EALREADY;
	if (!env)
		return -ENOMEM;
	text = json_dumps(env, JSON_COMPACT);
	json_decref(env);
	if (!text)
		return -ENOMEM;
	/* newline-terminated, so curl and shells print it nicely */
	len = strlen(text);
	text[len] = '\n';
	resp->r = MHD_create_response_from_buffer(len + 1, text,
						  MHD_RESPMEM_MUST_FREE);
	if (!resp->r) {
		free(text);
		return -ENOMEM;
	}
	MHD_add_response_header(resp->r, MHD_HTTP_HEADER_CONTENT_TYPE,
				"application/json");
	MHD_add_response_header(resp->r, MHD_HTTP_HEADER_CACHE_CONTROL,
				"no-store");
	resp->status = status;
	resp->code = code;
	return 0;
}

int api_resp_ok_status(struct api_resp *resp, unsigned int status, json_t *data)
{
	if (resp->r) {
		json_decref(data);
		return -EALREADY;
	}
	return resp_json(resp, status, API_OK, api_envelope_ok(data));
}

int api_resp_ok(struct api_resp *resp, json_t *data)
{
	return api_resp_ok_status(resp, 200, data);
}

int api_resp_error(struct api_resp *resp, enum api_code code, const char *fmt,
		   ...)
{
	char msg[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (code == API_OK)
		code = API_INTERNAL_ERROR;
	rc = resp_json(resp, api_code_status(code), code,
		       api_envelope_error(code, msg));
	if (rc == 0) {
		free(resp->message);
		resp->message = strdup(msg);
		if (code == API_UNAUTHORIZED)
			MHD_add_response_header(
			    resp->r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
			    "Bearer realm=\"ballast\"");
	}
	return rc;
}

int api_resp_raw(struct api_resp *resp, unsigned int status,
		 const char *content_type, const char *body, size_t len)
{
	if (resp->r)
		return -EALREADY;
	resp->r = MHD_create_response_from_buffer(len, (void *)body,
						  MHD_RESPMEM_MUST_COPY);
	if (!resp->r)
		return -ENOMEM;
	MHD_add_response_header(resp->r, MHD_HTTP_HEADER_CONTENT_TYPE,
				content_type);
	resp->status = status;
	resp->code = API_OK;
	return 0;
}

/* ---- streams ----------------------------------------------------------- */

static void stream_unlink(struct api_stream *st)
{
	if (st->prev)
		st->prev->next = st->next;
	else if (st->srv->streams == st)
		st->srv->streams = st->next;
	if (st->next)
		st->next->prev = st->prev;
	st->prev = st->next = NULL;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct api_stream *st = cls;
	ssize_t n;

	if (st->srv->closing)
		return MHD_CONTENT_READER_END_OF_STREAM;
	n = st->ops->read(st->arg, buf, max);
	if (n < 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (n == 0) {
		/* nothing to say: park until api_stream_wake() */
		st->parked = true;
		MHD_suspend_connection(st->conn);
	}
	return n;
}

static void stream_free(void *cls)
{
	struct api_stream *st = cls;

	stream_unlink(st);
	st->ops->done(st->arg);
	free(st);
}

void api_stream_wake(struct api_stream *st)
{
	if (st && st->parked) {
		st->parked = false;
		MHD_resume_connection(st->conn);
		api_listener_kick(st->lis);
	}
}

int api_resp_stream(struct api_resp *resp, const char *content_type,
		    const struct api_stream_ops *ops, void *arg,
		    struct api_stream **out)
{
	struct api_server *srv = resp->req->lis->srv;
	struct api_stream *st;

	if (resp->r)
		return -EALREADY;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->ops = ops;
	st->arg = arg;
	st->srv = srv;
	st->lis = resp->req->lis;
	st->conn = resp->req->conn;
	resp->r = MHD_create_response_from_callback(
	    MHD_SIZE_UNKNOWN, 4096, stream_read, st, stream_free);
	if (!resp->r) {
		free(st);
		return -ENOMEM;
	}
	MHD_add_response_header(resp->r, MHD_HTTP_HEADER_CONTENT_TYPE,
				content_type);
	MHD_add_response_header(resp->r, MHD_HTTP_HEADER_CACHE_CONTROL,
				"no-store");
	st->next = srv->streams;
	if (st->next)
		st->next->prev = st;
	srv->streams = st;
	resp->status = 200;
	resp->code = API_OK;
	*out = st;
	return 0;
}
