/* SPDX-License-Identifier: GPL-2.0-only */
/* Rendering configuration diagnostics for people and for tools. */
#ifndef BALLAST_CMD_DIAG_PRINT_H
#define BALLAST_CMD_DIAG_PRINT_H

#include <jansson.h>
#include <stdio.h>

#include "config/config.h"

/* "FILE:LINE:COL: error: MESSAGE", the format compilers use. */
void cmd_diags_print(FILE *f, const struct cfg_diags *d);
/* A JSON array of {file, line, column, severity, path, message}; NULL on ENOMEM. */
json_t *cmd_diags_to_json(const struct cfg_diags *d);
/* "WHO: MESSAGE" on stderr; returns CMD_EXIT_ERROR, for `return cmd_fail()`. */
int cmd_fail(const char *who, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
