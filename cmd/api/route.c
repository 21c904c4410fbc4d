// SPDX-License-Identifier: GPL-2.0-only
#include "cmd/api/route.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Length of the segment starting at s (up to '/' or the end). */
static size_t seg_len(const char *s)
{
	return strcspn(s, "/");
}

static bool is_param(const char *seg, size_t len)
{
	return len > 2 && seg[0] == '{' && seg[len - 1] == '}';
}

int api_route_check(const struct api_route *r)
{
	const char *p = r->pattern;
	size_t nparams = 0;

	if (!r->method || !r->fn || !p || p[0] != '/')
		return -EINVAL;
	while (*p == '/') {
		size_t len = seg_len(++p);

		if (memchr(p, '{', len) || memchr(p, '}', len)) {
			if (!is_param(p, len) || ++nparams > API_MAX_PARAMS)
				return -EINVAL;
		}
		p += len;
	}
	return *p ? -EINVAL : 0;
}

/* Copy len bytes of s into the params buffer; NULL when it is full. */
static const char *params_put(struct api_params *pp, size_t *used,
			      const char *s, size_t len)
{
	char *d = pp->buf + *used;

	if (*used + len + 1 > sizeof(pp->buf))
		return NULL;
	memcpy(d, s, len);
	d[len] = '\0';
	*used += len + 1;
	return d;
}

/* Does path match pattern? Fills params when they are given. */
static bool path_matches(const char *pat, const char *path,
			 struct api_params *pp)
{
	size_t used = 0;

	if (pp)
		pp->n = 0;
	while (*pat == '/' && *path == '/') {
		size_t pl = seg_len(++pat), sl = seg_len(++path);

		if (is_param(pat, pl)) {
			if (sl == 0)
				return false;
			if (pp) {
				pp->name[pp->n] =
				    params_put(pp, &used, pat + 1, pl - 2);
				pp->value[pp->n] =
				    params_put(pp, &used, path, sl);
				if (!pp->name[pp->n] || !pp->value[pp->n])
					return false;
				pp->n++;
			}
		} else if (pl != sl || memcmp(pat, path, pl)) {
			return false;
		}
		pat += pl;
		path += sl;
	}
	return !*pat && !*path;
}

static bool method_is(const char *route_method, const char *method)
{
	if (!strcmp(route_method, method))
		return true;
	return !strcmp(method, "HEAD") && !strcmp(route_method, "GET");
}

enum api_match api_route_match(const struct api_route *routes, size_t n,
			       const char *method, const char *path,
			       const struct api_route **found,
			       struct api_params *params, char *allow,
			       size_t allowlen)
{
	char trimmed[API_MAX_PATH];
	size_t len = strlen(path), off = 0;
	bool path_known = false;

	/* "/api/v1/services/" is "/api/v1/services" */
	if (len >= sizeof(trimmed) || path[0] != '/')
		return API_MATCH_NO_PATH;
	memcpy(trimmed, path, len + 1);
	if (len > 1 && trimmed[len - 1] == '/')
		trimmed[len - 1] = '\0';

	if (allowlen)
		allow[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (!path_matches(routes[i].pattern, trimmed, NULL))
			continue;
		if (method_is(routes[i].method, method)) {
			path_matches(routes[i].pattern, trimmed, params);
			*found = &routes[i];
			return API_MATCH_OK;
		}
		path_known = true;
		if (off < allowlen) {
			int w = snprintf(allow + off, allowlen - off, "%s%s",
					 off ? ", " : "", routes[i].method);
			off += w > 0 ? (size_t)w : 0;
		}
	}
	return path_known ? API_MATCH_BAD_METHOD : API_MATCH_NO_PATH;
}

const char *api_params_get(const struct api_params *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->name[i], name))
			return p->value[i];
	return NULL;
}
