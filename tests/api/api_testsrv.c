// SPDX-License-Identifier: GPL-2.0-only
/*
 * A tiny control-API server with fake handlers, for tests/api/test_api.sh:
 * the real framework (listeners, routing, envelope, auth, limits, audit,
 * SSE, metrics) in front of an in-memory list of "services".
 *
 * Prints "ready" once listening (and the TCP port to --port-file), an
 * "audit {...}" line per mutating call, and exits 0 on SIGTERM/SIGINT.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/api/api.h"
#include "cmd/api/events.h"
#include "cmd/api/metrics.h"
#include "lib/evloop.h"

#define MAX_SERVICES 4

struct fake {
	json_t *services; /* object: name -> {"name": name} */
	json_t *audit;	  /* array of audit records */
	struct api_events *events;
};

static int services_list(struct api_req *req, struct api_resp *resp, void *arg)
{
	struct fake *f = arg;

	return api_resp_ok(resp, json_pack("{s:O}", "services", f->services));
}

static int service_get(struct api_req *req, struct api_resp *resp, void *arg)
{
	struct fake *f = arg;
	const char *name = api_req_param(req, "name");
	json_t *s = json_object_get(f->services, name);

	if (!s)
		return api_resp_error(resp, API_NOT_FOUND,
				      "no service named '%s'", name);
	return api_resp_ok(resp, json_incref(s));
}

static int service_create(struct api_req *req, struct api_resp *resp, void *arg)
{
	struct fake *f = arg;
	json_t *body = api_req_body(req);
	const char *name = json_string_value(json_object_get(body, "name"));

	if (!json_is_object(body) || !name || !*name)
		return api_resp_error(resp, API_INVALID_REQUEST,
				      "the body must be {\"name\": STRING}");
	if (json_object_get(f->services, name))
		return api_resp_error(resp, API_ALREADY_EXISTS,
				      "service '%s' already exists", name);
	if (json_object_size(f->services) >= MAX_SERVICES)
		return api_resp_error(resp, API_SPACE_EXHAUSTED,
				      "at most %d services", MAX_SERVICES);
	json_object_set_new(f->services, name,
			    json_pack("{s:s}", "name", name));
	return api_resp_ok_status(resp, 201, json_pack("{s:s}", "name", name));
}

static int service_delete(struct api_req *req, struct api_resp *resp, void *arg)
{
	struct fake *f = arg;
	const char *name = api_req_param(req, "name");

	if (json_object_del(f->services, name) < 0)
		return api_resp_error(resp, API_NOT_FOUND,
				      "no service named '%s'", name);
	return api_resp_ok(resp, NULL);
}

static int fail(struct api_req *req, struct api_resp *resp, void *arg)
{
	return -EIO;
}

static int whoami(struct api_req *req, struct api_resp *resp, void *arg)
{
	const struct api_caller *c = api_req_caller(req);

	return api_resp_ok(resp,
			   json_pack("{s:s, s:b, s:I, s:I, s:s}", "transport",
				     c->transport == API_UNIX ? "unix" : "tcp",
				     "peer_known", c->peer_known, "uid",
				     (json_int_t)c->uid, "pid",
				     (json_int_t)c->pid, "label", c->label));
}

static int query(struct api_req *req, struct api_resp *resp, void *arg)
{
	const char *a = api_req_query(req, "a"), *b = api_req_query(req, "b");

	return api_resp_ok(resp, json_pack("{s:s?, s:s?}", "a", a, "b", b));
}

static int event_post(struct api_req *req, struct api_resp *resp, void *arg)
{
	struct fake *f = arg;
	json_t *body = api_req_body(req);
	const char *type = json_string_value(json_object_get(body, "type"));
	uint64_t id;

	if (!type)
		return api_resp_error(resp, API_INVALID_REQUEST,
				      "the body must be {\"type\": STRING, "
				      "\"data\": ANY}");
	id = api_events_publish(f->events, type,
				json_incref(json_object_get(body, "data")));
	if (!id)
		return api_resp_error(resp, API_INVALID_REQUEST,
				      "event type '%s' is not [a-z0-9_.-]+",
				      type);
	return api_resp_ok(resp, json_pack("{s:I}", "id", (json_int_t)id));
}

static int audit_get(struct api_req *req, struct api_resp *resp, void *arg)
{
	struct fake *f = arg;

	return api_resp_ok(resp, json_incref(f->audit));
}

static int metrics(struct api_req *req, struct api_resp *resp, void *arg)
{
	static const double le[] = {0.001, 0.005, 0.01, 0.1, 1};
	struct api_metrics *m = api_metrics_new();
	struct api_hist h;
	const char *text;
	size_t len;
	int rc;

	if (!m)
		return -ENOMEM;
	if (api_hist_init(&h, le, 5) < 0) {
		api_metrics_free(m);
		return -EINVAL;
	}
	for (int i = 0; i < 50; i++)
		api_hist_observe(&h, i * 0.0007);
	api_hist_observe(&h, 3.5);
	api_metrics_family(
	    m, "ballast_test_requests_total", API_METRIC_COUNTER,
	    "Requests seen.\nA second line with a \\ backslash.");
	api_metrics_sample_u64(m,
			       (const char *const[]){"service", "web", "real",
						     "[2001:db8::1]:80", NULL},
			       18446744073709551615ull);
	api_metrics_sample_u64(
	    m,
	    (const char *const[]){"service", "quote\"back\\slash\nnewline",
				  NULL},
	    7);
	api_metrics_family(m, "ballast_test_weight", API_METRIC_GAUGE,
			   "Effective weight.");
	api_metrics_sample(m, NULL, 0.25);
	api_metrics_family(m, "ballast_test_latency_seconds",
			   API_METRIC_HISTOGRAM, "Probe latency.");
	api_metrics_hist(m, (const char *const[]){"service", "web", NULL}, &h);
	text = api_metrics_text(m, &len);
	rc = text ? api_resp_raw(resp, 200, API_METRICS_CONTENT_TYPE, text, len)
		  : api_metrics_error(m);
	api_metrics_free(m);
	return rc;
}

static void audit(const struct api_audit *rec, void *arg)
{
	struct fake *f = arg;
	json_t *r = json_pack("{s:s, s:s, s:s, s:i, s:s, s:s?}", "caller",
			      rec->caller->label, "method", rec->method, "path",
			      rec->path, "status", (int)rec->status, "code",
			      rec->code, "message", rec->message);
	char *line = r ? json_dumps(r, JSON_COMPACT) : NULL;

	if (line)
		printf("audit %s\n", line);
	fflush(stdout);
	free(line);
	json_array_append_new(f->audit, r);
}

static void on_signal(struct lb_loop *loop, int signo, void *arg)
{
	lb_loop_stop(loop);
}

static const char usage[] =
    "usage: api_testsrv [--socket PATH] [--listen HOST:PORT --token-file F]\n"
    "       [--tls-cert F --tls-key F] [--timeout S] [--max-body N]\n"
    "       [--ring N] [--keepalive-ms N] [--port-file F] [--read-only]\n";

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"socket", required_argument, NULL, 's'},
	    {"listen", required_argument, NULL, 'l'},
	    {"token-file", required_argument, NULL, 't'},
	    {"tls-cert", required_argument, NULL, 'c'},
	    {"tls-key", required_argument, NULL, 'k'},
	    {"timeout", required_argument, NULL, 'T'},
	    {"max-body", required_argument, NULL, 'b'},
	    {"ring", required_argument, NULL, 'r'},
	    {"keepalive-ms", required_argument, NULL, 'K'},
	    {"port-file", required_argument, NULL, 'p'},
	    {"read-only", no_argument, NULL, 'R'},
	    {NULL, 0, NULL, 0},
	};
	struct api_server_opts o = {0};
	struct fake f = {0};
	struct lb_loop *loop = NULL;
	struct api_server *srv = NULL;
	const char *port_file = NULL;
	size_t ring = 8;
	unsigned int keepalive_ms = 0;
	char err[512];
	int c, rc = 1;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			o.unix_path = optarg;
			break;
		case 'l':
			o.tcp_listen = optarg;
			break;
		case 't':
			o.token_file = optarg;
			break;
		case 'c':
			o.tls_cert = optarg;
			break;
		case 'k':
			o.tls_key = optarg;
			break;
		case 'T':
			o.timeout_s = (unsigned int)atoi(optarg);
			break;
		case 'b':
			o.max_body = (size_t)atol(optarg);
			break;
		case 'r':
			ring = (size_t)atol(optarg);
			break;
		case 'K':
			keepalive_ms = (unsigned int)atoi(optarg);
			break;
		case 'p':
			port_file = optarg;
			break;
		case 'R':
			o.tcp_read_only = true;
			break;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}

	f.services = json_pack("{s:{s:s}}", "web", "name", "web");
	f.audit = json_array();
	o.audit = audit;
	o.audit_arg = &f;
	const struct api_route routes[] = {
	    {"GET", "/api/v1/services", services_list, &f},
	    {"POST", "/api/v1/services", service_create, &f},
	    {"GET", "/api/v1/services/{name}", service_get, &f},
	    {"DELETE", "/api/v1/services/{name}", service_delete, &f},
	    {"GET", "/api/v1/fail", fail, &f},
	    {"GET", "/api/v1/whoami", whoami, &f},
	    {"GET", "/api/v1/query", query, &f},
	    {"GET", "/api/v1/events", api_events_handler, NULL},
	    {"POST", "/api/v1/events", event_post, &f},
	    {"GET", "/api/v1/audit", audit_get, &f},
	    {"GET", "/metrics", metrics, &f},
	};
	struct api_route r[sizeof(routes) / sizeof(routes[0])];

	signal(SIGPIPE, SIG_IGN);
	if (lb_loop_new(&loop) < 0 ||
	    lb_loop_signal(loop, SIGTERM, on_signal, NULL) < 0 ||
	    lb_loop_signal(loop, SIGINT, on_signal, NULL) < 0 ||
	    api_events_new(loop, ring, keepalive_ms, &f.events) < 0) {
		fprintf(stderr, "api_testsrv: cannot set up the loop\n");
		goto out;
	}
	memcpy(r, routes, sizeof(r));
	r[7].arg = f.events;
	if (api_server_new(loop, &o, r, sizeof(r) / sizeof(r[0]), &srv, err,
			   sizeof(err)) < 0) {
		fprintf(stderr, "api_testsrv: %s\n", err);
		goto out;
	}
	if (port_file) {
		FILE *pf = fopen(port_file, "w");

		if (!pf)
			goto out;
		fprintf(pf, "%u\n", api_server_tcp_port(srv));
		fclose(pf);
	}
	printf("ready\n");
	fflush(stdout);
	rc = lb_loop_run(loop) < 0;
out:
	api_server_free(srv);
	api_events_free(f.events);
	lb_loop_free(loop);
	json_decref(f.services);
	json_decref(f.audit);
	return rc;
}
