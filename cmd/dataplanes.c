// SPDX-License-Identifier: GPL-2.0-only
#include "cmd/dataplanes.h"

#include <stdio.h>
#include <string.h>

#include "dataplane/fake/fake.h"
#include "dataplane/ipvs/ipvs.h"
#include "dataplane/xdp/xdp.h"

static const struct dp_ops *const dataplanes[] = {
	&dp_fake_ops,
	&dp_ipvs_ops,
	&dp_xdp_ops,
};

#define N_DATAPLANES (sizeof(dataplanes) / sizeof(dataplanes[0]))

const struct dp_ops *cmd_dataplane_find(const char *name)
{
	for (size_t i = 0; i < N_DATAPLANES; i++)
		if (!strcmp(dataplanes[i]->name, name))
			return dataplanes[i];
	return NULL;
}

const struct dp_ops *cmd_dataplane_for(enum cfg_driver driver)
{
	for (size_t i = 0; i < N_DATAPLANES; i++)
		if (dataplanes[i]->driver == driver)
			return dataplanes[i];
	return NULL;
}

size_t cmd_dataplane_options(const struct cmd_options *o,
			     struct dp_option out[CMD_DP_OPTIONS_MAX])
{
	size_t n = 0;

	if (o->state)
		out[n++] = (struct dp_option){DP_FAKE_OPT_STATE, o->state};
	if (o->faults)
		out[n++] = (struct dp_option){DP_FAKE_OPT_FAULTS, o->faults};
	return n;
}

void cmd_dataplane_names(char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < N_DATAPLANES && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
					 i ? ", " : "", dataplanes[i]->name);
}
