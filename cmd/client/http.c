// SPDX-License-Identifier: GPL-2.0-only
#include "cmd/client/http.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An answer larger than this is not the daemon's: stop reading. */
#define CL_BODY_MAX (256u << 20)
#define CL_CONNECT_TIMEOUT_MS 5000L

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_NOTHING);
}

struct xfer {
	CURL *curl;
	const struct cl_request *q;
	struct cl_response *r;
	int too_big;
};

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * n;
	long status = 0;
	char *grown;

	curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &status);
	if (x->q->sink && status == 200) {
		if (x->q->sink(data, len, x->q->arg)) {
			x->r->stopped = 1;
			return 0;
		}
		return len;
	}
	if (x->r->len + len > CL_BODY_MAX) {
		x->too_big = 1;
		return 0;
	}
	grown = realloc(x->r->body, x->r->len + len + 1);
	if (!grown)
		return 0;
	memcpy(grown + x->r->len, data, len);
	x->r->body = grown;
	x->r->len += len;
	grown[x->r->len] = '\0';
	return len;
}

/* Why no answer came, in the words an operator needs. */
static int no_answer(CURL *curl, CURLcode rc, char *err, size_t errlen)
{
	long os_errno = 0;

	curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &os_errno);
	if (rc == CURLE_COULDNT_CONNECT && os_errno == ECONNREFUSED) {
		snprintf(err, errlen, "connection refused");
		return -ECONNREFUSED;
	}
	if (rc == CURLE_COULDNT_CONNECT && os_errno == ENOENT) {
		snprintf(err, errlen, "no such socket");
		return -ENOENT;
	}
	if (rc == CURLE_COULDNT_CONNECT && os_errno == EACCES) {
		snprintf(
		    err, errlen,
		    "permission denied (the socket is root's: run as root)");
		return -EACCES;
	}
	if (rc == CURLE_OPERATION_TIMEDOUT) {
		snprintf(err, errlen, "no answer in time");
		return -ETIMEDOUT;
	}
	if (os_errno)
		snprintf(err, errlen, "%s", strerror((int)os_errno));
	else
		snprintf(err, errlen, "%s", curl_easy_strerror(rc));
	return os_errno ? -(int)os_errno : -EIO;
}

int cl_http_do(const char *socket, const struct cl_request *q,
	       struct cl_response *r, char *err, size_t errlen)
{
	struct curl_slist *headers = NULL;
	struct xfer x = {.q = q, .r = r};
	char url[4096], hdr[512];
	CURLcode rc;
	int ret = 0;

	memset(r, 0, sizeof(*r));
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc) {
		snprintf(err, errlen, "libcurl: %s",
			 curl_easy_strerror(curl_init_rc));
		return -EIO;
	}
	if (snprintf(url, sizeof(url), "http://localhost%s", q->path) >=
	    (int)sizeof(url)) {
		snprintf(err, errlen, "request path too long");
		return -ENAMETOOLONG;
	}
	x.curl = curl_easy_init();
	if (!x.curl) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	headers = curl_slist_append(
	    headers, "Accept: application/json, text/event-stream");
	if (q->body)
		headers = curl_slist_append(headers,
					    "Content-Type: application/json");
	if (q->last_event_id) {
		snprintf(hdr, sizeof(hdr), "Last-Event-ID: %s",
			 q->last_event_id);
		headers = curl_slist_append(headers, hdr);
	}
	curl_easy_setopt(x.curl, CURLOPT_UNIX_SOCKET_PATH, socket);
	curl_easy_setopt(x.curl, CURLOPT_URL, url);
	curl_easy_setopt(x.curl, CURLOPT_CUSTOMREQUEST, q->method);
	curl_easy_setopt(x.curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(x.curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x.curl, CURLOPT_CONNECTTIMEOUT_MS,
			 CL_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(x.curl, CURLOPT_TIMEOUT_MS, q->timeout_ms);
	curl_easy_setopt(x.curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(x.curl, CURLOPT_WRITEDATA, &x);
	curl_easy_setopt(x.curl, CURLOPT_USERAGENT, "ballast/" BALLAST_VERSION);
	if (q->body) {
		curl_easy_setopt(x.curl, CURLOPT_POSTFIELDS, q->body);
		curl_easy_setopt(x.curl, CURLOPT_POSTFIELDSIZE,
				 (long)strlen(q->body));
	}
	rc = curl_easy_perform(x.curl);
	curl_easy_getinfo(x.curl, CURLINFO_RESPONSE_CODE, &r->status);
	if (rc == CURLE_WRITE_ERROR && r->stopped) {
		rc = CURLE_OK;
	} else if (x.too_big) {
		snprintf(err, errlen, "answer larger than %u MiB",
			 CL_BODY_MAX >> 20);
		ret = -EFBIG;
	} else if (rc != CURLE_OK && !r->status) {
		ret = no_answer(x.curl, rc, err, errlen);
	} else if (rc != CURLE_OK) {
		/* An answer began and broke off (a stream ending, too). */
		snprintf(err, errlen, "%s", curl_easy_strerror(rc));
		ret = -EPIPE;
	}
	if (ret != -EPIPE && ret)
		cl_response_free(r);
	curl_slist_free_all(headers);
	curl_easy_cleanup(x.curl);
	return ret;
}

void cl_response_free(struct cl_response *r)
{
	free(r->body);
	r->body = NULL;
	r->len = 0;
}

char *cl_http_escape(const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0);
	char *copy = e ? strdup(e) : NULL;

	curl_free(e);
	return copy;
}
