// SPDX-License-Identifier: GPL-2.0-only
/* Which node of the vrrp: section this host is, and shared formatting. */
#include "cmd/vrrp/render.h"

#include <errno.h>
#include <string.h>

static void node_names(const struct cfg_vrrp *v, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = 0;
	for (size_t i = 0; i < v->n_nodes && at < len; i++) {
		int k = snprintf(buf + at, len - at, "%s%s", i ? ", " : "",
				 v->nodes[i].name);

		if (k < 0)
			break;
		at += (size_t)k;
	}
}

static ssize_t node_find(const struct cfg_vrrp *v, const char *name, size_t len)
{
	for (size_t i = 0; i < v->n_nodes; i++)
		if (strlen(v->nodes[i].name) == len &&
		    !strncmp(v->nodes[i].name, name, len))
			return (ssize_t)i;
	return -1;
}

int vr_node_select(const struct cfg *cfg, const char *name,
		   const char *hostname, size_t *idx, char *err, size_t errlen)
{
	const struct cfg_vrrp *v = &cfg->vrrp;
	char names[512];
	ssize_t i;

	if (!v->present || !v->n_nodes) {
		snprintf(err, errlen,
			 "%s has no vrrp: section; declare the nodes and the "
			 "groups of VIPs there (Docs/HA.md)",
			 cfg->path ? cfg->path : "the configuration");
		return -EINVAL;
	}
	node_names(v, names, sizeof(names));
	if (name) {
		i = node_find(v, name, strlen(name));
		if (i < 0) {
			snprintf(err, errlen,
				 "no vrrp node is named '%s'; the nodes are: "
				 "%s",
				 name, names);
			return -ENOENT;
		}
		*idx = (size_t)i;
		return 0;
	}
	if (hostname && *hostname) {
		i = node_find(v, hostname, strlen(hostname));
		if (i < 0)
			i = node_find(v, hostname, strcspn(hostname, "."));
		if (i >= 0) {
			*idx = (size_t)i;
			return 0;
		}
	}
	snprintf(err, errlen,
		 "this host's name '%s' is none of the vrrp nodes (%s); pass "
		 "--node NAME",
		 hostname ? hostname : "", names);
	return -ENOENT;
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
