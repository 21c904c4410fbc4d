/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Rendering of plans for people (`ballast plan`, `ballast apply`) and for
 * programs (`--json`). Pure formatting: the plan and its states are read only.
 */
#ifndef BALLAST_RECONCILE_PLAN_FMT_H
#define BALLAST_RECONCILE_PLAN_FMT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "reconcile/dataplane.h"
#include "reconcile/diff.h"

struct rc_plan_fmt_opts {
	bool
	    color; /* ANSI colours (+ green, ~ yellow, - red); off by default */
};

/* Terraform-style counts: services and reals are both resources. */
struct rc_plan_summary {
	size_t add;	/* SVC_ADD + REAL_ADD */
	size_t change;	/* SVC_EDIT + REAL_EDIT */
	size_t destroy; /* REAL_DEL + SVC_DEL */
	size_t foreign; /* services left alone */
};

void rc_plan_summarize(const struct rc_plan *plan, struct rc_plan_summary *out);

/*
 * One operation as one line, without sign, colour or newline, e.g.
 * "service tcp 192.0.2.10:80 (web) scheduler=maglev" or
 * "real 10.0.1.1:80 of tcp 192.0.2.10:80 (web): weight 100 → 50".
 */
const char *rc_op_fmt(const struct rc_op *op, char *buf, size_t len);
/* '+', '~' or '-'. */
char rc_op_sign(const struct rc_op *op);

/*
 * The whole plan: a line per op ("+ ...", "~ ...", "- ..."), a line per
 * foreign service ("! foreign ... (not managed; --prune removes it)"), then
 * "Plan: A to add, C to change, D to destroy." or "No changes. Dataplane is
 * in sync with configuration.".
 */
void rc_plan_print(FILE *f, const struct rc_plan *plan,
		   const struct rc_plan_fmt_opts *opts);

/*
 * After apply: each op line, failed ones suffixed with
 * "  FAILED: <strerror>[: detail]", then "Apply: N applied, M failed." (or
 * "No changes. ..." for an empty plan).
 */
void rc_plan_print_result(FILE *f, const struct rc_plan *plan,
			  const struct dp_result *res,
			  const struct rc_plan_fmt_opts *opts);

/*
 * {"changes": [{"op": "add"|"change"|"destroy", "kind": "service"|"real",
 *   "service": {...}, "real": {...}|null, "old": {...}|null,
 *   "new": {...}|null, "changed": ["weight", ...]}],
 *  "foreign": [{...service...}],
 *  "summary": {"add": A, "change": C, "destroy": D, "foreign": F}}
 * With res non-NULL each change also carries "error": null or
 * {"errno": N, "message": "..."}. NULL on allocation failure.
 */
json_t *rc_plan_to_json(const struct rc_plan *plan,
			const struct dp_result *res);

/* JSON objects for one service's identity and attributes, or one real's. */
json_t *rc_service_to_json(const struct rc_service *svc, bool with_attrs);
json_t *rc_real_to_json(const struct rc_real *r);

#endif
