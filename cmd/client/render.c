// SPDX-License-Identifier: GPL-2.0-only
#include "cmd/client/render.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/array.h"

struct cl_table {
	size_t ncols, nrows, cap;
	char **cells; /* nrows * ncols */
};

struct cl_table *cl_table_new(size_t ncols)
{
	struct cl_table *t = calloc(1, sizeof(*t));

	if (t)
		t->ncols = ncols;
	return t;
}

int cl_table_row(struct cl_table *t, const char *const *cells)
{
	size_t base = t->nrows * t->ncols;

	while (base + t->ncols > t->cap)
		if (lb_array_reserve((void **)&t->cells, &t->cap,
				     base + t->ncols - 1, sizeof(char *), 64))
			return -ENOMEM;
	for (size_t i = 0; i < t->ncols; i++) {
		t->cells[base + i] = strdup(cells[i] ? cells[i] : "-");
		if (!t->cells[base + i]) {
			while (i--)
				free(t->cells[base + i]);
			return -ENOMEM;
		}
	}
	t->nrows++;
	return 0;
}

void cl_table_print(FILE *f, const struct cl_table *t, const char *indent)
{
	size_t *width = calloc(t->ncols ? t->ncols : 1, sizeof(*width));

	if (!width)
		return;
	for (size_t r = 0; r < t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++) {
			size_t len = strlen(t->cells[r * t->ncols + c]);

			if (len > width[c])
				width[c] = len;
		}
	for (size_t r = 0; r < t->nrows; r++) {
		fputs(indent ? indent : "", f);
		for (size_t c = 0; c < t->ncols; c++) {
			const char *cell = t->cells[r * t->ncols + c];

			/* No trailing blanks after the last column. */
			if (c + 1 == t->ncols)
				fprintf(f, "%s\n", cell);
			else
				fprintf(f, "%-*s  ", (int)width[c], cell);
		}
	}
	free(width);
}

void cl_table_free(struct cl_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

const char *cl_json_text(const json_t *v, char *buf, size_t size)
{
	if (json_is_string(v))
		snprintf(buf, size, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(buf, size, "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, size, "%g", json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(buf, size, "%s", json_is_true(v) ? "yes" : "no");
	else
		snprintf(buf, size, "-");
	return buf;
}

/* obj[key] as text, in one of a few rotating buffers (several per printf). */
static const char *txt(const json_t *obj, const char *key)
{
	static char bufs[8][256];
	static unsigned int next;
	char *b = bufs[next++ % 8];

	return cl_json_text(json_object_get(obj, key), b, sizeof(bufs[0]));
}

/* ADDR:PORT, [ADDR]:PORT for IPv6. */
static const char *addr_port(const json_t *obj, char *buf, size_t size)
{
	const char *a = json_string_value(json_object_get(obj, "address"));
	const json_t *port = json_object_get(obj, "port");

	if (!a)
		return strcpy(buf, "-");
	snprintf(buf, size,
		 strchr(a, ':') ? "[%s]:%" JSON_INTEGER_FORMAT
				: "%s:%" JSON_INTEGER_FORMAT,
		 a, json_integer_value(port));
	return buf;
}

static void row(struct cl_table *t, const char *const *cells)
{
	(void)cl_table_row(t, cells);
}

/* One row per HA group: "web (vrid 51)  active, 1/1 VIPs held, ...". */
static void ha_group_rows(struct cl_table *t, const json_t *ha)
{
	const json_t *groups = json_object_get(ha, "groups"), *g;
	size_t i;

	json_array_foreach(groups, i, g)
	{
		const json_t *vips = json_object_get(g, "vips"), *vp;
		bool sb = json_is_true(json_object_get(g, "split_brain"));
		char head[96], line[512];
		size_t j, held = 0;

		json_array_foreach(vips, j, vp) held +=
		    json_is_true(json_object_get(vp, "held"));
		snprintf(head, sizeof(head), "  %s (vrid %s)", txt(g, "name"),
			 txt(g, "vrid"));
		snprintf(line, sizeof(line),
			 "%s, %zu/%zu VIPs held, %s transitions%s%s; %s",
			 txt(g, "state"), held, json_array_size(vips),
			 txt(g, "transitions"), sb ? ", SPLIT BRAIN with " : "",
			 sb ? txt(g, "peer") : "", txt(g, "cause"));
		row(t, (const char *[]){head, line});
	}
}

/* One row per announced-or-not VIP: "  198.51.100.10  announced: why". */
static void bgp_vip_rows(struct cl_table *t, const json_t *bgp)
{
	const json_t *vips = json_object_get(bgp, "vips"), *v;
	size_t i;

	json_array_foreach(vips, i, v)
	{
		char head[96], line[512];

		snprintf(head, sizeof(head), "  %s", txt(v, "address"));
		snprintf(line, sizeof(line), "%s: %s",
			 json_is_true(json_object_get(v, "announced"))
			     ? "announced"
			     : "withdrawn",
			 txt(v, "reason"));
		row(t, (const char *[]){head, line});
	}
}

static void bgp_head(const json_t *bgp, char *buf, size_t len)
{
	bool until = json_is_string(json_object_get(bgp, "drain_until"));
	bool err = json_is_string(json_object_get(bgp, "last_error"));

	snprintf(
	    buf, len, "node %s %s%s%s%s%s", txt(bgp, "node"), txt(bgp, "state"),
	    until ? " until " : "", until ? txt(bgp, "drain_until") : "",
	    err ? "; last error: " : "", err ? txt(bgp, "last_error") : "");
}

void cl_render_node(FILE *f, const json_t *d)
{
	struct cl_table *t = cl_table_new(2);
	char v[2][512];

	if (!t)
		return;
	bgp_head(d, v[0], sizeof(v[0]));
	snprintf(v[1], sizeof(v[1]),
		 "protocol %s, table %s, min_healthy %s, drain_wait %s ms",
		 txt(d, "route_protocol"), txt(d, "route_table"),
		 txt(d, "min_healthy"), txt(d, "drain_wait_ms"));
	row(t, (const char *[]){"bgp", v[0]});
	row(t, (const char *[]){"routes", v[1]});
	bgp_vip_rows(t, d);
	cl_table_print(f, t, NULL);
	cl_table_free(t);
}

void cl_render_status(FILE *f, const json_t *d)
{
	const json_t *cfg = json_object_get(d, "config");
	const json_t *dp = json_object_get(d, "dataplane");
	const json_t *lp = json_object_get(d, "last_pass");
	const json_t *n = json_object_get(d, "counts");
	const json_t *ha = json_object_get(d, "ha");
	const json_t *bgp = json_object_get(d, "bgp");
	const json_t *rl = json_object_get(d, "reload");
	const char *sha = json_string_value(json_object_get(cfg, "sha256"));
	struct cl_table *t = cl_table_new(2);
	char v[10][512];

	if (!t)
		return;
	snprintf(v[0], sizeof(v[0]),
		 "%s, generation %s, sha256 %.12s, loaded %s", txt(cfg, "path"),
		 txt(cfg, "generation"), sha ? sha : "-",
		 txt(cfg, "loaded_at"));
	if (json_is_object(lp))
		snprintf(v[1], sizeof(v[1]),
			 "%s: %s pass, %s in %s ms (%s applied, %s failed)",
			 txt(lp, "time"), txt(lp, "kind"), txt(lp, "result"),
			 txt(lp, "duration_ms"), txt(lp, "ops_applied"),
			 txt(lp, "ops_failed"));
	else
		snprintf(v[1], sizeof(v[1]), "none yet");
	snprintf(v[2], sizeof(v[2]),
		 "%s services, %s reals: %s up, %s down, %s unknown",
		 txt(n, "services"), txt(n, "reals"), txt(n, "reals_up"),
		 txt(n, "reals_down"), txt(n, "reals_unknown"));
	snprintf(v[3], sizeof(v[3]), "%s (last: %s)", txt(d, "refusals_total"),
		 json_is_string(json_object_get(d, "last_refusal"))
		     ? txt(d, "last_refusal")
		     : "none");
	if (json_is_string(json_object_get(ha, "standby")))
		snprintf(v[4], sizeof(v[4]), "%s (%s, standby: %s), %s",
			 txt(ha, "mode"), txt(ha, "provider"),
			 txt(ha, "standby"), txt(ha, "state"));
	else
		snprintf(v[4], sizeof(v[4]), "%s, %s", txt(ha, "mode"),
			 txt(ha, "state"));
	snprintf(v[5], sizeof(v[5]), "%s at %s%s%s", txt(rl, "last_result"),
		 txt(rl, "time"),
		 json_is_string(json_object_get(rl, "last_error")) ? ": " : "",
		 json_is_string(json_object_get(rl, "last_error"))
		     ? txt(rl, "last_error")
		     : "");
	row(t, (const char *[]){"version", txt(d, "version")});
	row(t, (const char *[]){"config", v[0]});
	row(t, (const char *[]){"dataplane", txt(dp, "driver")});
	row(t, (const char *[]){"last pass", v[1]});
	row(t, (const char *[]){"pending", txt(d, "pending")});
	row(t, (const char *[]){"counts", v[2]});
	row(t, (const char *[]){"overrides", txt(n, "overrides")});
	row(t, (const char *[]){"drift", txt(d, "drift_total")});
	row(t, (const char *[]){"refusals", v[3]});
	row(t, (const char *[]){"ha", v[4]});
	ha_group_rows(t, ha);
	if (json_is_object(bgp)) {
		bgp_head(bgp, v[6], sizeof(v[6]));
		row(t, (const char *[]){"bgp", v[6]});
		bgp_vip_rows(t, bgp);
	}
	row(t, (const char *[]){"reload", v[5]});
	cl_table_print(f, t, NULL);
	cl_table_free(t);
}

static const char *const real_head[] = {
    "REAL",  "WEIGHT",	  "EFFECTIVE", "PROGRAMMED", "HEALTH",
    "ADMIN", "OVERRIDES", "PACKETS",   "BYTES",
};
#define N_REAL_COLS (sizeof(real_head) / sizeof(real_head[0]))

/*
 * A real's columns into cells, each in its own buffer of bufs (not txt()'s:
 * a real has more cells than it rotates through).
 */
static void real_cells(const json_t *r, const char **cells,
		       char bufs[N_REAL_COLS][64])
{
	static const char *const keys[] = {
	    NULL,
	    "weight",
	    "effective_weight",
	    "programmed_weight",
	    "health",
	    "admin",
	    NULL,
	    "packets",
	    "bytes",
	};
	const json_t *ov = json_object_get(r, "overrides");
	size_t i, n = 0;
	const json_t *o;
	char kind[64];

	for (i = 0; i < N_REAL_COLS; i++)
		if (keys[i])
			cells[i] = cl_json_text(json_object_get(r, keys[i]),
						bufs[i], 64);
	cells[0] = addr_port(r, bufs[0], 64);
	bufs[6][0] = '\0';
	json_array_foreach(ov, i, o)
	{
		if (n >= 63)
			break; /* truncated: `show services NAME` has them all
				*/
		n += (size_t)snprintf(bufs[6] + n, 64 - n, "%s%s", i ? "," : "",
				      cl_json_text(json_object_get(o, "kind"),
						   kind, sizeof(kind)));
	}
	cells[6] = n ? bufs[6] : "-";
}

void cl_render_services(FILE *f, const json_t *data)
{
	static const char *const head[] = {"SERVICE", "ADDRESS", "PROTO",
					   "SCHED"};
	struct cl_table *t = cl_table_new(4 + N_REAL_COLS);
	const char *cells[4 + N_REAL_COLS];
	char bufs[N_REAL_COLS][64], svc[4][256];
	const json_t *s, *r;
	size_t i, j;

	if (!t)
		return;
	memcpy(cells, head, sizeof(head));
	memcpy(cells + 4, real_head, sizeof(real_head));
	row(t, cells);
	json_array_foreach(data, i, s)
	{
		const json_t *reals = json_object_get(s, "reals");

		/* Own copies: the reals' cells reuse txt()'s buffers. */
		cells[0] =
		    cl_json_text(json_object_get(s, "name"), svc[0], 256);
		cells[1] = addr_port(s, svc[1], 256);
		cells[2] =
		    cl_json_text(json_object_get(s, "protocol"), svc[2], 256);
		cells[3] =
		    cl_json_text(json_object_get(s, "scheduler"), svc[3], 256);
		if (!json_array_size(reals)) {
			for (j = 4; j < 4 + N_REAL_COLS; j++)
				cells[j] = NULL;
			row(t, cells);
		}
		json_array_foreach(reals, j, r)
		{
			real_cells(r, cells + 4, bufs);
			row(t, cells);
			/* The service's columns only on its first line. */
			cells[0] = cells[1] = cells[2] = cells[3] = "";
		}
	}
	cl_table_print(f, t, NULL);
	cl_table_free(t);
}

/*
 * Under `title`, a table of every item of each real's `member` array: the
 * real, then the items' `keys` (lowercase of the column names). Nothing
 * when no real has any.
 */
static void per_real(FILE *f, const json_t *reals, const char *member,
		     const char *title, const char *const *cols)
{
	struct cl_table *t = cl_table_new(5);
	const char *cells[5] = {"REAL", cols[0], cols[1], cols[2], cols[3]};
	char where[64], keys[4][16];
	const json_t *r, *item;
	size_t i, j, k;
	bool any = false;

	if (!t)
		return;
	for (k = 0; k < 4; k++) {
		for (j = 0; cols[k][j] && j < sizeof(keys[k]) - 1; j++)
			keys[k][j] = (char)(cols[k][j] | 0x20);
		keys[k][j] = '\0';
	}
	row(t, cells);
	json_array_foreach(reals, i, r)
	{
		json_array_foreach(json_object_get(r, member), j, item)
		{
			cells[0] = addr_port(r, where, sizeof(where));
			for (k = 0; k < 4; k++)
				cells[k + 1] = txt(item, keys[k]);
			row(t, cells);
			any = true;
		}
	}
	if (any) {
		fprintf(f, "\n%s:\n", title);
		cl_table_print(f, t, "  ");
	}
	cl_table_free(t);
}

void cl_render_service(FILE *f, const json_t *s)
{
	const json_t *reals = json_object_get(s, "reals");
	struct cl_table *t = cl_table_new(N_REAL_COLS);
	const char *cells[N_REAL_COLS];
	char bufs[N_REAL_COLS][64], where[64];
	const json_t *r;
	size_t i;

	if (!t)
		return;
	fprintf(f, "service %s: %s %s", txt(s, "name"), txt(s, "protocol"),
		addr_port(s, where, sizeof(where)));
	if (json_is_integer(json_object_get(s, "fwmark")))
		fprintf(f, " fwmark %s", txt(s, "fwmark"));
	fprintf(f, ", scheduler %s, forwarding %s, pool %s\n",
		txt(s, "scheduler"), txt(s, "forwarding"), txt(s, "pool"));
	fprintf(f, "packets %s, bytes %s\n\n", txt(s, "packets"),
		txt(s, "bytes"));
	row(t, real_head);
	json_array_foreach(reals, i, r)
	{
		real_cells(r, cells, bufs);
		row(t, cells);
	}
	cl_table_print(f, t, NULL);
	cl_table_free(t);

	per_real(f, reals, "history", "Health history",
		 (const char *const[]){"TIME", "FROM", "TO", "CAUSE"});
	per_real(f, reals, "overrides", "Overrides",
		 (const char *const[]){"KIND", "VALUE", "EXPIRES", "BY"});
}

static void override_row(struct cl_table *t, const json_t *o)
{
	row(t,
	    (const char *[]){txt(o, "id"), txt(o, "service"), txt(o, "real"),
			     txt(o, "kind"), txt(o, "value"), txt(o, "created"),
			     txt(o, "expires"), txt(o, "by")});
}

void cl_render_overrides(FILE *f, const json_t *data)
{
	struct cl_table *t;
	const json_t *o;
	size_t i;

	if (!json_array_size(data)) {
		fputs("No overrides.\n", f);
		return;
	}
	t = cl_table_new(8);
	if (!t)
		return;
	row(t, (const char *[]){"ID", "SERVICE", "REAL", "KIND", "VALUE",
				"CREATED", "EXPIRES", "BY"});
	json_array_foreach(data, i, o) override_row(t, o);
	cl_table_print(f, t, NULL);
	cl_table_free(t);
}

void cl_render_override_result(FILE *f, const json_t *data)
{
	const json_t *removed = json_object_get(data, "removed");
	const json_t *o = removed ? removed : data;
	const json_t *value = json_object_get(o, "value");
	const json_t *expires = json_object_get(o, "expires");

	fprintf(f, "%s %s override %s on %s %s", removed ? "Removed" : "Set",
		txt(o, "kind"), txt(o, "id"), txt(o, "service"),
		txt(o, "real"));
	if (!json_is_null(value) && value)
		fprintf(f, " (%s)", txt(o, "value"));
	if (!removed)
		fprintf(f, "; %s",
			json_is_string(expires) ? "expires " : "until removed");
	if (!removed && json_is_string(expires))
		fputs(txt(o, "expires"), f);
	fputc('\n', f);
}

void cl_render_flow(FILE *f, const json_t *data)
{
	struct cl_table *t = cl_table_new(2);

	if (!t)
		return;
	row(t, (const char *[]){"service", txt(data, "service")});
	row(t, (const char *[]){"real",
				json_is_string(json_object_get(data, "real"))
				    ? txt(data, "real")
				    : "none"});
	row(t, (const char *[]){"how", txt(data, "how")});
	row(t, (const char *[]){"why", txt(data, "explanation")});
	cl_table_print(f, t, NULL);
	cl_table_free(t);
}

void cl_render_event(FILE *f, const char *type, const json_t *data)
{
	const json_t *msg = json_object_get(data, "message");
	const char *key;
	const json_t *v;
	char buf[512];

	fprintf(f, "%s %-9s",
		json_is_string(json_object_get(data, "time"))
		    ? txt(data, "time")
		    : "-",
		type);
	if (json_is_string(msg))
		fprintf(f, " %s", json_string_value(msg));
	json_object_foreach((json_t *)data, key, v)
	{
		char *dump = NULL;

		if (!strcmp(key, "time") || !strcmp(key, "message"))
			continue;
		if (json_is_object(v) || json_is_array(v))
			dump = json_dumps(v, JSON_COMPACT);
		fprintf(f, " %s=%s", key,
			dump ? dump : cl_json_text(v, buf, sizeof(buf)));
		free(dump);
	}
	fputc('\n', f);
}

void cl_render_error(FILE *f, long status, const json_t *body)
{
	const json_t *e = json_object_get(body, "error");
	const char *code = json_string_value(json_object_get(e, "code"));
	const char *msg = json_string_value(json_object_get(e, "message"));

	if (code && msg)
		fprintf(f, "ballast: %s: %s\n", code, msg);
	else
		fprintf(
		    f,
		    "ballast: the daemon answered HTTP %ld without the API's "
		    "error object; is something else listening on the "
		    "socket?\n",
		    status);
}
