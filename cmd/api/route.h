/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Route matching for the control API: method + path pattern with {name}
 * segments. Pure (no I/O), so the unit tests call it directly.
 */
#ifndef BALLAST_CMD_API_ROUTE_H
#define BALLAST_CMD_API_ROUTE_H

#include <stddef.h>

#include "cmd/api/api.h"

#define API_MAX_PARAMS 4
/* Longest path we route; longer paths are simply not found. */
#define API_MAX_PATH 512

struct api_params {
	size_t n;
	const char *name[API_MAX_PARAMS];  /* NUL-terminated, in buf */
	const char *value[API_MAX_PARAMS]; /* NUL-terminated, in buf */
	char buf[2 * API_MAX_PATH];
};

enum api_match {
	API_MATCH_OK,
	API_MATCH_NO_PATH,    /* 404 */
	API_MATCH_BAD_METHOD, /* 405: some route has this path */
};

/*
 * Find the route for method and path. HEAD matches GET routes. On
 * API_MATCH_OK *found and params are set; on API_MATCH_BAD_METHOD allow
 * receives the methods the path accepts ("GET, DELETE").
 */
enum api_match api_route_match(const struct api_route *routes, size_t n,
			       const char *method, const char *path,
			       const struct api_route **found,
			       struct api_params *params, char *allow,
			       size_t allowlen);

/* 0, or -EINVAL when a pattern is malformed (checked at server start). */
int api_route_check(const struct api_route *r);

const char *api_params_get(const struct api_params *p, const char *name);

#endif
