// SPDX-License-Identifier: GPL-2.0-only
/* The doctor's context (config, daemon answers), runner and printer. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd/client/http.h"
#include "cmd/client/options.h"
#include "cmd/doctor/doctor.h"

/* A daemon that does not answer in this time is reported as not reachable. */
#define DR_API_TIMEOUT_MS 3000

const char *dr_status_name(enum dr_status s)
{
	static const char *const names[] = {"ok", "warn", "fail", "skip"};

	return (unsigned int)s < 4 ? names[s] : "?";
}

void dr_set(struct dr_result *r, enum dr_status s, const char *fmt, ...)
{
	va_list ap;

	r->status = s;
	va_start(ap, fmt);
	vsnprintf(r->found, sizeof(r->found), fmt, ap);
	va_end(ap);
}

void dr_remedy(struct dr_result *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->remedy, sizeof(r->remedy), fmt, ap);
	va_end(ap);
}

/*
 * The `data` of a GET answered 200 with the API's envelope, or NULL with
 * why in err: the HTTP status and the API's error, or what is malformed.
 */
static json_t *api_get(struct dr_ctx *ctx, const char *path, char *err,
		       size_t err_len)
{
	struct cl_request q = {
	    .method = "GET", .path = path, .timeout_ms = DR_API_TIMEOUT_MS};
	struct cl_response resp = {0};
	json_t *root = NULL, *data = NULL;
	json_error_t jerr;

	if (cl_http_do(ctx->sock, &q, &resp, ctx->daemon_err,
		       sizeof(ctx->daemon_err)))
		return NULL;
	ctx->daemon_up = true;
	if (resp.body)
		root = json_loads(resp.body, 0, &jerr);
	if (!root) {
		snprintf(err, err_len,
			 "GET %s: HTTP %ld, the body is not JSON (%s)", path,
			 resp.status, resp.body ? jerr.text : "empty");
	} else if (resp.status != 200) {
		json_t *e = json_object_get(root, "error");
		const char *code =
		    json_string_value(json_object_get(e, "code"));
		const char *msg =
		    json_string_value(json_object_get(e, "message"));

		snprintf(err, err_len, "GET %s: HTTP %ld %s: %s", path,
			 resp.status, code ? code : "(no error code)",
			 msg ? msg : "(no message)");
	} else if (!(data = json_object_get(root, "data"))) {
		snprintf(err, err_len,
			 "GET %s: HTTP 200 without the API's \"data\"", path);
	} else {
		json_incref(data);
	}
	json_decref(root);
	cl_response_free(&resp);
	return data;
}

static void load_config(struct dr_ctx *ctx)
{
	struct cfg_diags diags = {0};

	if (cfg_load(ctx->config_path, &ctx->cfg, &diags) || !ctx->cfg) {
		const struct cfg_diag *d = NULL;

		for (size_t i = 0; i < diags.n && !d; i++)
			if (diags.items[i].severity == CFG_SEV_ERROR)
				d = &diags.items[i];
		if (d)
			snprintf(ctx->cfg_err, sizeof(ctx->cfg_err),
				 "%s:%u:%u: %s%s (%zu error%s)",
				 d->file ? d->file : ctx->config_path, d->line,
				 d->col, d->path ? d->path : "",
				 d->message ? d->message : "", diags.n_errors,
				 diags.n_errors == 1 ? "" : "s");
		else
			snprintf(ctx->cfg_err, sizeof(ctx->cfg_err),
				 "%s: cannot be loaded", ctx->config_path);
		cfg_free(ctx->cfg);
		ctx->cfg = NULL;
	}
	cfg_diags_free(&diags);
}

void dr_ctx_init(struct dr_ctx *ctx, const char *config_path,
		 const char *socket)
{
	const char *s = socket;

	ctx->config_path = config_path;
	ctx->socket = socket;
	load_config(ctx);
	if (!s && ctx->cfg && ctx->cfg->daemon.api_socket)
		s = ctx->cfg->daemon.api_socket;
	if (!s)
		s = getenv("BALLAST_SOCKET");
	ctx->sock = strdup(s && s[0] ? s : CL_DEFAULT_SOCKET);
	if (!ctx->sock)
		return;
	ctx->status = api_get(ctx, "/api/v1/status", ctx->status_err,
			      sizeof(ctx->status_err));
	if (ctx->daemon_up) {
		ctx->plan = api_get(ctx, "/api/v1/plan", ctx->plan_err,
				    sizeof(ctx->plan_err));
		ctx->services =
		    api_get(ctx, "/api/v1/services", ctx->services_err,
			    sizeof(ctx->services_err));
	}
}

void dr_ctx_free(struct dr_ctx *ctx)
{
	cfg_free(ctx->cfg);
	json_decref(ctx->status);
	json_decref(ctx->plan);
	json_decref(ctx->services);
	free(ctx->sock);
	memset(ctx, 0, sizeof(*ctx));
}

bool dr_check_matches(const char *id, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(id, name, n) && (!id[n] || id[n] == '.');
}

static bool selected(const char *id, char *const *only, size_t n_only)
{
	if (!n_only)
		return true;
	for (size_t i = 0; i < n_only; i++)
		if (dr_check_matches(id, only[i]))
			return true;
	return false;
}

int dr_run(struct dr_ctx *ctx, FILE *out, bool json, char *const *only,
	   size_t n_only)
{
	json_t *arr = json ? json_array() : NULL;
	int code = 0;

	for (size_t i = 0; i < dr_n_checks; i++) {
		const struct doctor_check *c = &dr_checks[i];
		struct dr_result r;

		if (!selected(c->id, only, n_only))
			continue;
		memset(&r, 0, sizeof(r));
		c->run(ctx, &r);
		if (r.status == DR_FAIL)
			code = 1;
		if (arr) {
			json_array_append_new(
			    arr, json_pack(
				     "{s:s, s:s, s:s, s:s, s:s*}", "check",
				     c->id, "subsystem", c->subsystem, "status",
				     dr_status_name(r.status), "found", r.found,
				     "remedy", r.remedy[0] ? r.remedy : NULL));
			continue;
		}
		fprintf(out, "%-4s  %-22s %s\n", dr_status_name(r.status),
			c->id, r.found);
		if (r.remedy[0])
			fprintf(out, "      %-22s remedy: %s\n", "", r.remedy);
	}
	if (arr) {
		char *s = json_dumps(arr, JSON_INDENT(2));

		if (s)
			fprintf(out, "%s\n", s);
		else
			code = 1;
		free(s);
		json_decref(arr);
	}
	return code;
}

void dr_print_checks(FILE *f)
{
	fputs("\nChecks:\n", f);
	for (size_t i = 0; i < dr_n_checks; i++)
		fprintf(f, "  %-18s %s\n", dr_checks[i].id, dr_checks[i].what);
}
