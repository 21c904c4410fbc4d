// SPDX-License-Identifier: GPL-2.0-only
/* Which node of the vrrp: (or bgp:) section this host is; shared formatting. */
#include "cmd/vrrp/render.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#define NODE_NAME(nodes, stride, off, i)                                       \
	(*(const char *const *)((const char *)(nodes) + (stride) * (i) + (off)))

static void node_names(const void *nodes, size_t n, size_t stride, size_t off,
		       char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = 0;
	for (size_t i = 0; i < n && at < len; i++) {
		int k = snprintf(buf + at, len - at, "%s%s", i ? ", " : "",
				 NODE_NAME(nodes, stride, off, i));

		if (k < 0)
			break;
		at += (size_t)k;
	}
}

static ssize_t node_find(const void *nodes, size_t n, size_t stride, size_t off,
			 const char *name, size_t len)
{
	for (size_t i = 0; i < n; i++) {
		const char *nm = NODE_NAME(nodes, stride, off, i);

		if (strlen(nm) == len && !strncmp(nm, name, len))
			return (ssize_t)i;
	}
	return -1;
}

int vr_node_pick(const void *nodes, size_t n, size_t stride, size_t name_off,
		 const char *section, const char *name, const char *hostname,
		 size_t *idx, char *err, size_t errlen)
{
	char names[512];
	ssize_t i;

	node_names(nodes, n, stride, name_off, names, sizeof(names));
	if (name) {
		i = node_find(nodes, n, stride, name_off, name, strlen(name));
		if (i < 0) {
			snprintf(err, errlen,
				 "no %s node is named '%s'; the nodes are: %s",
				 section, name, names);
			return -ENOENT;
		}
		*idx = (size_t)i;
		return 0;
	}
	if (hostname && *hostname) {
		i = node_find(nodes, n, stride, name_off, hostname,
			      strlen(hostname));
		if (i < 0)
			i = node_find(nodes, n, stride, name_off, hostname,
				      strcspn(hostname, "."));
		if (i >= 0) {
			*idx = (size_t)i;
			return 0;
		}
	}
	snprintf(err, errlen,
		 "this host's name '%s' is none of the %s nodes (%s); pass "
		 "--node NAME",
		 hostname ? hostname : "", section, names);
	return -ENOENT;
}

int vr_node_select(const struct cfg *cfg, const char *name,
		   const char *hostname, size_t *idx, char *err, size_t errlen)
{
	const struct cfg_vrrp *v = &cfg->vrrp;

	if (!v->present || !v->n_nodes) {
		snprintf(err, errlen,
			 "%s has no vrrp: section; declare the nodes and the "
			 "groups of VIPs there (Docs/HA.md)",
			 cfg->path ? cfg->path : "the configuration");
		return -EINVAL;
	}
	return vr_node_pick(v->nodes, v->n_nodes, sizeof(*v->nodes),
			    offsetof(struct cfg_vrrp_node, name), "vrrp", name,
			    hostname, idx, err, errlen);
}

const char *vr_fmt_seconds(unsigned ms, char *buf, size_t len)
{
	char frac[8];
	size_t n;

	if (!(ms % 1000)) {
		snprintf(buf, len, "%u", ms / 1000);
		return buf;
	}
	snprintf(frac, sizeof(frac), "%03u", ms % 1000);
	for (n = strlen(frac); n && frac[n - 1] == '0'; n--)
		frac[n - 1] = 0;
	snprintf(buf, len, "%u.%s", ms / 1000, frac);
	return buf;
}
