// SPDX-License-Identifier: GPL-2.0-only
#include "cmd/json_out.h"

#include <errno.h>

int cmd_print_json(FILE *f, json_t *v)
{
	int ret = 0;

	if (!v)
		return -ENOMEM;
	if (json_dumpf(v, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) ||
	    fputc('\n', f) == EOF)
		ret = -EIO;
	json_decref(v);
	return ret;
}
