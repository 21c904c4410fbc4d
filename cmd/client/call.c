// SPDX-License-Identifier: GPL-2.0-only
/* Command-line arguments to control API calls (see Docs/API.md). */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/client/client.h"
#include "cmd/client/http.h"
#include "config/config.h"

void cl_call_free(struct cl_call *c)
{
	free(c->path);
	free(c->body);
	c->path = c->body = NULL;
}

__attribute__((format(printf, 2, 3))) static int bad(const char *cmd,
						     const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ballast %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'ballast %s --help'.\n", cmd);
	return -EINVAL;
}

/* /api/v1/services/{service}/reals/{real}/{what}, each segment escaped. */
static char *real_path(const char *service, const char *real, const char *what)
{
	char *s = cl_http_escape(service), *r = cl_http_escape(real);
	char *path = NULL;

	if (s && r &&
	    asprintf(&path, "/api/v1/services/%s/reals/%s/%s", s, r, what) < 0)
		path = NULL;
	free(s);
	free(r);
	return path;
}

/* The body as compact JSON; NULL obj is an empty object. */
static char *body_of(json_t *obj)
{
	char *s;

	if (!obj)
		obj = json_object();
	s = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	return s;
}

/* The config's range for a backend's weight (config/schema.c). */
#define CL_WEIGHT_MAX 65535

/* A weight: a whole number the config would accept too. */
static int parse_weight(const char *cmd, const char *s, json_int_t *w)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *end || errno || *s == '-' || v > CL_WEIGHT_MAX)
		return bad(cmd,
			   "weight '%s' is not a whole number from 0 to 65535",
			   s);
	*w = (json_int_t)v;
	return 0;
}

static int build_flow(const struct cl_options *o, char *const *args,
		      struct cl_call *c)
{
	char *src = cl_http_escape(args[0]), *dst = cl_http_escape(args[1]);
	enum cfg_proto p;
	int err = 0;

	if (cfg_proto_parse(args[2], &p))
		err = bad("flow", "protocol '%s' is not one of tcp, udp, sctp",
			  args[2]);
	else if (!src || !dst ||
		 asprintf(&c->path, "/api/v1/flow?src=%s&dst=%s&proto=%s", src,
			  dst, args[2]) < 0)
		err = -ENOMEM;
	free(src);
	free(dst);
	c->render = CL_R_FLOW;
	return err;
}

/* Positional arguments and options of the override commands. */
static int build_override(const char *cmd, const struct cl_options *o,
			  int nargs, char *const *args, struct cl_call *c)
{
	const char *what = cmd;
	json_t *body = NULL;
	json_int_t w = 0;

	c->render = CL_R_OVERRIDE;
	if (!strcmp(cmd, "drain") || !strcmp(cmd, "undrain")) {
		what = "drain";
		c->method = cmd[0] == 'd' ? "POST" : "DELETE";
		if (o->timeout)
			body = json_pack("{ss}", "timeout", o->timeout);
	} else if (!strcmp(cmd, "disable") || !strcmp(cmd, "enable")) {
		what = "disable";
		c->method = cmd[0] == 'd' ? "POST" : "DELETE";
		if (o->for_)
			body = json_pack("{ss}", "for", o->for_);
	} else if (!strcmp(cmd, "weight")) {
		if (o->clear && (nargs > 2 || o->for_))
			return bad(cmd, "--clear takes SERVICE REAL only");
		if (!o->clear && nargs < 3)
			return bad(cmd, "needs SERVICE REAL N, or --clear");
		if (!o->clear && parse_weight(cmd, args[2], &w))
			return -EINVAL;
		c->method = o->clear ? "DELETE" : "PUT";
		if (!o->clear)
			body = o->for_ ? json_pack("{sIss}", "weight", w, "for",
						   o->for_)
				       : json_pack("{sI}", "weight", w);
	} else { /* health */
		if (o->clear && (nargs > 2 || o->for_))
			return bad(cmd, "--clear takes SERVICE REAL only");
		if (!o->clear && nargs < 3)
			return bad(cmd,
				   "needs SERVICE REAL up|down --for DURATION, "
				   "or --clear");
		if (!o->clear && strcmp(args[2], "up") &&
		    strcmp(args[2], "down"))
			return bad(cmd, "state '%s' is neither up nor down",
				   args[2]);
		if (!o->clear && !o->for_)
			return bad(cmd,
				   "a forced health state needs --for DURATION "
				   "(e.g. --for 10m): it must end by itself");
		c->method = o->clear ? "DELETE" : "POST";
		if (!o->clear)
			body = json_pack("{ssss}", "state", args[2], "for",
					 o->for_);
	}
	c->path = real_path(args[0], args[1], what);
	if (strcmp(c->method, "DELETE"))
		c->body = body_of(body);
	else
		json_decref(body);
	return c->path && (c->body || !strcmp(c->method, "DELETE")) ? 0
								    : -ENOMEM;
}

int cl_call_build(const char *cmd, const struct cl_options *o, int nargs,
		  char *const *args, struct cl_call *c)
{
	memset(c, 0, sizeof(*c));
	c->method = "GET";
	if (!strcmp(cmd, "status")) {
		c->render = CL_R_STATUS;
		c->path = strdup("/api/v1/status");
	} else if (!strcmp(cmd, "overrides")) {
		c->render = CL_R_OVERRIDES;
		c->path = strdup("/api/v1/overrides");
	} else if (!strcmp(cmd, "watch")) {
		c->render = CL_R_EVENTS;
		c->path = strdup("/api/v1/events");
	} else if (!strcmp(cmd, "show")) {
		char *name;

		if (strcmp(args[0], "services"))
			return bad(cmd,
				   "there is nothing called '%s' to show; "
				   "try 'ballast show services'",
				   args[0]);
		if (nargs < 2) {
			c->render = CL_R_SERVICES;
			c->path = strdup("/api/v1/services");
		} else {
			c->render = CL_R_SERVICE;
			name = cl_http_escape(args[1]);
			if (!name ||
			    asprintf(&c->path, "/api/v1/services/%s", name) < 0)
				c->path = NULL;
			free(name);
		}
	} else if (!strcmp(cmd, "node")) {
		c->render = CL_R_NODE;
		if (!strcmp(args[0], "status")) {
			c->path = strdup("/api/v1/node");
		} else if (!strcmp(args[0], "drain") ||
			   !strcmp(args[0], "undrain")) {
			c->method = "POST";
			if (asprintf(&c->path, "/api/v1/node/%s", args[0]) < 0)
				c->path = NULL;
			c->body = body_of(NULL);
		} else {
			return bad(cmd,
				   "'%s' is not drain, undrain or status",
				   args[0]);
		}
	} else if (!strcmp(cmd, "flow")) {
		int err = build_flow(o, args, c);

		if (err) {
			cl_call_free(c);
			return err;
		}
	} else {
		int err = build_override(cmd, o, nargs, args, c);

		if (err) {
			cl_call_free(c);
			return err;
		}
	}
	return c->path ? 0 : -ENOMEM;
}
