/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The commands that talk to the running daemon (status, show, watch, drain,
 * ...): argv to an API call, the call, its answer rendered.
 */
#ifndef BALLAST_CMD_CLIENT_CLIENT_H
#define BALLAST_CMD_CLIENT_CLIENT_H

#include "cmd/client/options.h"

/* Entry point of every client command; argv[0] names it. Exit code. */
int cl_main(int argc, char **argv);

enum cl_render_kind {
	CL_R_STATUS,
	CL_R_SERVICES,
	CL_R_SERVICE,
	CL_R_OVERRIDES,
	CL_R_OVERRIDE, /* a mutating call's answer */
	CL_R_FLOW,
	CL_R_NODE, /* the bgp object: node state and VIPs */
	CL_R_EVENTS, /* watch: a stream */
};

/* One API call: what to send and how to show the answer. */
struct cl_call {
	const char *method;
	char *path; /* escaped */
	char *body; /* JSON, or NULL */
	enum cl_render_kind render;
};

/*
 * The call command `cmd` makes with its positional arguments (already counted
 * against its table's bounds). -EINVAL after saying on stderr what is wrong
 * with them (a weight that is no number, health without --for, ...).
 */
int cl_call_build(const char *cmd, const struct cl_options *o, int nargs,
		  char *const *args, struct cl_call *c);
void cl_call_free(struct cl_call *c);

/*
 * The daemon's socket: --socket, else -c FILE's daemon.api_socket, else
 * $BALLAST_SOCKET, else CL_DEFAULT_SOCKET. Newly allocated; NULL after saying
 * why on stderr (a config that does not load).
 */
char *cl_socket_path(const struct cl_options *o);

/*
 * Say on stderr that no answer came from `socket` (err and why from
 * cl_http_do) and return CMD_EXIT_NO_DAEMON.
 */
int cl_unreachable(const char *socket, int err, const char *why);

/* ballast watch: follow GET /api/v1/events. Exit code. */
int cl_watch(const char *socket, const struct cl_options *o);

#endif
