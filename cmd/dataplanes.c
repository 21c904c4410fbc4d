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

void cmd_dataplane_names(char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < N_DATAPLANES && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
					 i ? ", " : "", dataplanes[i]->name);
}
