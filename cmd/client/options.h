/* SPDX-License-Identifier: GPL-2.0-only */
/* The options every client of the daemon's control API shares. */
#ifndef BALLAST_CMD_CLIENT_OPTIONS_H
#define BALLAST_CMD_CLIENT_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

/* Where the daemon listens unless told otherwise. */
#define CL_DEFAULT_SOCKET "/run/ballast/ballast.sock"
#define CL_ENV_SOCKET "BALLAST_SOCKET"

struct cl_options {
	const char *config;  /* -c: read daemon.api_socket from it */
	const char *socket;  /* --socket: wins over everything */
	bool json;	     /* print the API's `data` as JSON */
	const char *timeout; /* drain --timeout, as typed (checked) */
	const char *for_;    /* disable/weight/health --for, as typed */
	bool clear;	     /* weight/health --clear */
	uint32_t count;	     /* watch --count: stop after N events (0: never) */
};

#endif
