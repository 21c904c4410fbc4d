/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The control API's answers as text for people: aligned columns, plain text
 * (no escape codes, on a terminal or not). Each takes the answer's `data`.
 */
#ifndef BALLAST_CMD_CLIENT_RENDER_H
#define BALLAST_CMD_CLIENT_RENDER_H

#include <jansson.h>
#include <stdio.h>

void cl_render_status(FILE *f, const json_t *data);
/* GET /api/v1/services: one line per real, grouped by service. */
void cl_render_services(FILE *f, const json_t *data);
/* GET /api/v1/services/{name}: the service, its reals, history, overrides. */
void cl_render_service(FILE *f, const json_t *data);
void cl_render_overrides(FILE *f, const json_t *data);
/* A mutating call's answer: the override set, or {"removed": ...}. */
void cl_render_override_result(FILE *f, const json_t *data);
void cl_render_flow(FILE *f, const json_t *data);
/* ballast node: the node's state and one row per VIP. */
void cl_render_node(FILE *f, const json_t *data);
/* One SSE event as a line: time, type, then its message or fields. */
void cl_render_event(FILE *f, const char *type, const json_t *data);
/*
 * The API's error object as "ballast: CODE: message" on f; without one (an
 * answer that is not the API's), what came instead with the HTTP status.
 */
void cl_render_error(FILE *f, long status, const json_t *body);

/* ---- columns ------------------------------------------------------------- */

struct cl_table;

struct cl_table *cl_table_new(size_t ncols);
/* Append a row of ncols cells (copied; NULL prints as "-"). */
int cl_table_row(struct cl_table *t, const char *const *cells);
/* Print with each column as wide as its widest cell, two spaces apart. */
void cl_table_print(FILE *f, const struct cl_table *t, const char *indent);
void cl_table_free(struct cl_table *t);

/* A JSON scalar as text: strings as they are, numbers, true/false; null
 * and a missing value as "-". Into buf; returns buf. */
const char *cl_json_text(const json_t *v, char *buf, size_t size);

#endif
