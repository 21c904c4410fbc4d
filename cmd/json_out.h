/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef BALLAST_CMD_JSON_OUT_H
#define BALLAST_CMD_JSON_OUT_H

#include <jansson.h>
#include <stdio.h>

/* Print v (indented, newline-terminated) and release it. NULL v is -ENOMEM. */
int cmd_print_json(FILE *f, json_t *v);

#endif
