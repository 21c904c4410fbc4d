// SPDX-License-Identifier: GPL-2.0-only
/* The node's routes of the control API: GET /api/v1/node, drain, undrain. */
#include <errno.h>
#include <string.h>

#include "cmd/daemon/daemon_internal.h"

#define NOT_BGP                                                                \
	"this node does not announce its VIPs: node drain needs ha.mode: bgp " \
	"(drain single reals with `ballast drain SERVICE REAL`)"

int dm_h_node(struct api_req *req, struct api_resp *resp, void *arg)
{
	struct daemon *d = arg;
	json_t *o = dm_bgp_status_json(d->bgp);

	if (json_is_null(o)) {
		json_decref(o);
		return api_resp_error(resp, API_NOT_FOUND, NOT_BGP);
	}
	return api_resp_ok(resp, o);
}

static int drain(struct api_req *req, struct api_resp *resp, struct daemon *d,
		 bool on)
{
	char why[256];
	int err = dm_bgp_drain(d->bgp, on, why, sizeof(why));

	if (err == -ENOTSUP)
		return api_resp_error(resp, API_INVALID_REQUEST, "%s", why);
	if (err)
		return api_resp_error(resp, API_INTERNAL_ERROR, "%s", why);
	return api_resp_ok(resp, dm_bgp_status_json(d->bgp));
}

int dm_h_node_drain(struct api_req *req, struct api_resp *resp, void *arg)
{
	return drain(req, resp, arg, true);
}

int dm_h_node_undrain(struct api_req *req, struct api_resp *resp, void *arg)
{
	return drain(req, resp, arg, false);
}
