// SPDX-License-Identifier: GPL-2.0-only
#include "cmd/client/client.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli/specs.h"
#include "cmd/client/http.h"
#include "cmd/client/render.h"
#include "cmd/options.h"
#include "config/config.h"

/* A request the daemon answers from memory; more is a stuck daemon. */
#define CL_REQUEST_TIMEOUT_MS 30000L

char *cl_socket_path(const struct cl_options *o)
{
	struct cfg_diags diags = {0};
	struct cfg *cfg = NULL;
	const char *env = getenv(CL_ENV_SOCKET);
	char *path = NULL;

	if (o->socket)
		return strdup(o->socket);
	if (!o->config)
		return strdup(env && *env ? env : CL_DEFAULT_SOCKET);
	if (cfg_load(o->config, &cfg, &diags)) {
		fprintf(stderr,
			"ballast: %s: configuration not loaded, so its "
			"daemon.api_socket is unknown; see 'ballast validate "
			"-c %s', "
			"or name the socket with --socket PATH\n",
			o->config, o->config);
	} else {
		path = strdup(cfg->daemon.api_socket ? cfg->daemon.api_socket
						     : CL_DEFAULT_SOCKET);
	}
	cfg_free(cfg);
	cfg_diags_free(&diags);
	return path;
}

int cl_unreachable(const char *socket, int err, const char *why)
{
	fprintf(stderr, "ballast: cannot reach the daemon at %s: %s", socket,
		why);
	if (err == -ECONNREFUSED || err == -ENOENT)
		fputs(
		    "; is `ballast apply --daemon` running? (systemctl status "
		    "ballast)",
		    stderr);
	fputc('\n', stderr);
	return CMD_EXIT_NO_DAEMON;
}

static void render(enum cl_render_kind kind, const json_t *data)
{
	switch (kind) {
	case CL_R_STATUS:
		cl_render_status(stdout, data);
		break;
	case CL_R_SERVICES:
		cl_render_services(stdout, data);
		break;
	case CL_R_SERVICE:
		cl_render_service(stdout, data);
		break;
	case CL_R_OVERRIDES:
		cl_render_overrides(stdout, data);
		break;
	case CL_R_OVERRIDE:
		cl_render_override_result(stdout, data);
		break;
	case CL_R_FLOW:
		cl_render_flow(stdout, data);
		break;
	case CL_R_NODE:
		cl_render_node(stdout, data);
		break;
	case CL_R_EVENTS:
		break;
	}
}

static int run_call(const char *socket, const struct cl_call *c,
		    const struct cl_options *o)
{
	struct cl_request q = {.method = c->method,
			       .path = c->path,
			       .body = c->body,
			       .timeout_ms = CL_REQUEST_TIMEOUT_MS};
	struct cl_response r;
	json_t *body = NULL, *data;
	char why[256];
	int err, code = CMD_EXIT_ERROR;

	err = cl_http_do(socket, &q, &r, why, sizeof(why));
	if (err && err != -EPIPE)
		return cl_unreachable(socket, err, why);
	if (err) {
		fprintf(stderr, "ballast: the daemon's answer broke off: %s\n",
			why);
		goto out;
	}
	body = r.body ? json_loadb(r.body, r.len, 0, NULL) : NULL;
	data = json_object_get(body, "data");
	if (r.status / 100 != 2 ||
	    !json_is_true(json_object_get(body, "success")) || !data) {
		cl_render_error(stderr, r.status, body);
		goto out;
	}
	if (o->json) {
		if (json_dumpf(data, stdout, JSON_INDENT(2) | JSON_ENCODE_ANY))
			goto out;
		fputc('\n', stdout);
	} else {
		render(c->render, data);
	}
	code = fflush(stdout) ? CMD_EXIT_ERROR : CMD_EXIT_OK;
out:
	json_decref(body);
	cl_response_free(&r);
	return code;
}

static const struct cli_command *client_spec(const char *name)
{
	static const struct cli_command *const specs[] = {
	    &cli_status,  &cli_show,	&cli_watch,	&cli_drain,
	    &cli_undrain, &cli_disable, &cli_enable,	&cli_weight,
	    &cli_health,  &cli_flow,	&cli_overrides, &cli_node,
	};

	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
		if (!strcmp(specs[i]->name, name))
			return specs[i];
	return NULL;
}

int cl_main(int argc, char **argv)
{
	const struct cli_command *spec = client_spec(argv[0]);
	struct cl_options o = {0};
	struct cl_call call;
	char *socket;
	int first, code;

	if (!spec)
		return CMD_EXIT_ERROR;
	if (cli_parse(spec, argc, argv, &o, &first, &code))
		return code;
	if (cl_call_build(spec->name, &o, argc - first, argv + first, &call))
		return CMD_EXIT_ERROR;
	socket = cl_socket_path(&o);
	if (!socket)
		code = CMD_EXIT_ERROR;
	else if (call.render == CL_R_EVENTS)
		code = cl_watch(socket, &o);
	else
		code = run_call(socket, &call, &o);
	free(socket);
	cl_call_free(&call);
	return code;
}
