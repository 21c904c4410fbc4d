// SPDX-License-Identifier: GPL-2.0-only
#include "cmd/diag_print.h"

#include <stdarg.h>

#include "cmd/options.h"

static const char *severity_name(enum cfg_severity s)
{
	return s == CFG_SEV_WARNING ? "warning" : "error";
}

void cmd_diags_print(FILE *f, const struct cfg_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct cfg_diag *g = &d->items[i];

		if (g->line)
			fprintf(f, "%s:%u:%u: %s: %s\n", g->file, g->line,
				g->col, severity_name(g->severity), g->message);
		else
			fprintf(f, "%s: %s: %s\n", g->file,
				severity_name(g->severity), g->message);
	}
}

json_t *cmd_diags_to_json(const struct cfg_diags *d)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < d->n; i++) {
		const struct cfg_diag *g = &d->items[i];
		json_t *o = json_pack("{s:s, s:I, s:I, s:s, s:s, s:s}",
				      "file", g->file ? g->file : "",
				      "line", (json_int_t)g->line,
				      "column", (json_int_t)g->col,
				      "severity", severity_name(g->severity),
				      "path", g->path ? g->path : "",
				      "message", g->message ? g->message : "");

		if (!o || json_array_append_new(arr, o)) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

int cmd_fail(const char *who, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", who);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CMD_EXIT_ERROR;
}
