// SPDX-License-Identifier: GPL-2.0-only
/* Human and JSON renderings of a plan. */
#include "reconcile/plan_fmt.h"

#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>

#include "config/config.h"

#define COL_ADD "\033[32m"
#define COL_CHANGE "\033[33m"
#define COL_DEL "\033[31m"
#define COL_FOREIGN "\033[36m"
#define COL_RESET "\033[0m"
#define LINE_MAX_LEN 512

static const struct {
	uint32_t bit;
	const char *name;
} svc_flag_names[] = {
    {RC_SVC_F_HASH_SRC, "hash-source"},
    {RC_SVC_F_ANY_PORT, "any-port"},
    {RC_SVC_F_SCHED_FALLBACK, "sched-fallback"},
    {RC_SVC_F_SCHED_PORT, "sched-port"},
    {RC_SVC_F_PERSISTENT, "persistent"},
};

static const struct {
	uint32_t bit;
	const char *name;
} change_names[] = {
    {RC_CH_SCHED, "scheduler"}, {RC_CH_FLAGS, "flags"},
    {RC_CH_TIMEOUT, "timeout"}, {RC_CH_NETMASK, "netmask"},
    {RC_CH_WEIGHT, "weight"},	{RC_CH_FWD, "forwarding"},
    {RC_CH_TUNNEL, "tunnel"},	{RC_CH_THRESHOLDS, "thresholds"},
};

/* A bounded string builder: appends never overflow, output is truncated. */
struct sb {
	char *buf;
	size_t len;
	size_t used;
};

__attribute__((format(printf, 2, 3))) static void
sb_printf(struct sb *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (s->used >= s->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(s->buf + s->used, s->len - s->used, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	s->used += (size_t)n;
	if (s->used >= s->len)
		s->used = s->len - 1;
}

void rc_plan_summarize(const struct rc_plan *plan, struct rc_plan_summary *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < plan->n; i++) {
		switch (plan->ops[i].kind) {
		case RC_OP_SVC_ADD:
		case RC_OP_REAL_ADD:
			out->add++;
			break;
		case RC_OP_SVC_EDIT:
		case RC_OP_REAL_EDIT:
			out->change++;
			break;
		case RC_OP_REAL_DEL:
		case RC_OP_SVC_DEL:
			out->destroy++;
			break;
		}
	}
	out->foreign = plan->n_foreign;
}

char rc_op_sign(const struct rc_op *op)
{
	switch (op->kind) {
	case RC_OP_SVC_ADD:
	case RC_OP_REAL_ADD:
		return '+';
	case RC_OP_SVC_EDIT:
	case RC_OP_REAL_EDIT:
		return '~';
	case RC_OP_REAL_DEL:
	case RC_OP_SVC_DEL:
	default:
		return '-';
	}
}

static void put_flags(struct sb *s, uint32_t flags)
{
	bool first = true;

	if (!flags) {
		sb_printf(s, "none");
		return;
	}
	for (size_t i = 0;
	     i < sizeof(svc_flag_names) / sizeof(svc_flag_names[0]); i++) {
		if (!(flags & svc_flag_names[i].bit))
			continue;
		sb_printf(s, "%s%s", first ? "" : ",", svc_flag_names[i].name);
		first = false;
		flags &= ~svc_flag_names[i].bit;
	}
	if (flags)
		sb_printf(s, "%s0x%x", first ? "" : ",", flags);
}

static void put_svc_id(struct sb *s, const struct rc_service *svc)
{
	char k[LB_ADDR_STRLEN + 32];

	sb_printf(s, "%s", rc_svc_key_fmt(&svc->key, k, sizeof(k)));
	if (svc->name[0])
		sb_printf(s, " (%.*s)", (int)sizeof(svc->name), svc->name);
}

static void put_svc_attrs(struct sb *s, const struct rc_service *svc)
{
	sb_printf(s, " scheduler=%.*s", (int)sizeof(svc->sched), svc->sched);
	if (svc->flags) {
		sb_printf(s, " flags=");
		put_flags(s, svc->flags);
	}
	if (svc->timeout || svc->netmask)
		sb_printf(s, " persistence=%us/%u", svc->timeout, svc->netmask);
}

static void put_fwd(struct sb *s, const struct rc_real *r)
{
	sb_printf(s, "%s", rc_fwd_name(r->fwd));
	if (r->fwd == RC_FWD_TUNNEL) {
		sb_printf(s, "/%s", rc_tunnel_name(r->tunnel));
		if (r->tunnel_port)
			sb_printf(s, ":%u", r->tunnel_port);
	}
}

static void put_real_attrs(struct sb *s, const struct rc_real *r)
{
	sb_printf(s, " weight=%u forward=", r->weight);
	put_fwd(s, r);
	if (r->u_threshold || r->l_threshold)
		sb_printf(s, " thresholds=%u/%u", r->l_threshold,
			  r->u_threshold);
}

static void put_real_id(struct sb *s, const struct rc_op *op)
{
	char a[LB_ADDR_STRLEN];

	sb_printf(
	    s, "real %s of ",
	    lb_addr_port_fmt(&op->real->addr, op->real->port, a, sizeof(a)));
	put_svc_id(s, op->svc);
}

static void put_svc_edit(struct sb *s, const struct rc_op *op)
{
	const struct rc_service *n = op->svc, *o = op->old_svc;
	const char *sep = ": ";

	if (op->changed & RC_CH_SCHED) {
		sb_printf(s, "%sscheduler %.*s → %.*s", sep,
			  (int)sizeof(o->sched), o->sched,
			  (int)sizeof(n->sched), n->sched);
		sep = ", ";
	}
	if (op->changed & RC_CH_FLAGS) {
		sb_printf(s, "%sflags ", sep);
		put_flags(s, o->flags);
		sb_printf(s, " → ");
		put_flags(s, n->flags);
		sep = ", ";
	}
	if (op->changed & RC_CH_TIMEOUT) {
		sb_printf(s, "%stimeout %us → %us", sep, o->timeout,
			  n->timeout);
		sep = ", ";
	}
	if (op->changed & RC_CH_NETMASK)
		sb_printf(s, "%snetmask /%u → /%u", sep, o->netmask,
			  n->netmask);
}

static void put_real_edit(struct sb *s, const struct rc_op *op)
{
	const struct rc_real *n = op->real, *o = op->old_real;
	const char *sep = ": ";

	if (op->changed & RC_CH_WEIGHT) {
		sb_printf(s, "%sweight %u → %u", sep, o->weight, n->weight);
		sep = ", ";
	}
	if (op->changed & (RC_CH_FWD | RC_CH_TUNNEL)) {
		sb_printf(s, "%sforward ", sep);
		put_fwd(s, o);
		sb_printf(s, " → ");
		put_fwd(s, n);
		sep = ", ";
	}
	if (op->changed & RC_CH_THRESHOLDS)
		sb_printf(s, "%sthresholds %u/%u → %u/%u", sep, o->l_threshold,
			  o->u_threshold, n->l_threshold, n->u_threshold);
}

const char *rc_op_fmt(const struct rc_op *op, char *buf, size_t len)
{
	struct sb s = {buf, len, 0};

	if (!len)
		return buf;
	buf[0] = '\0';
	switch (op->kind) {
	case RC_OP_SVC_ADD:
		sb_printf(&s, "service ");
		put_svc_id(&s, op->svc);
		put_svc_attrs(&s, op->svc);
		break;
	case RC_OP_SVC_EDIT:
		sb_printf(&s, "service ");
		put_svc_id(&s, op->svc);
		put_svc_edit(&s, op);
		break;
	case RC_OP_SVC_DEL:
		sb_printf(&s, "service ");
		put_svc_id(&s, op->svc);
		break;
	case RC_OP_REAL_ADD:
		put_real_id(&s, op);
		put_real_attrs(&s, op->real);
		break;
	case RC_OP_REAL_EDIT:
		put_real_id(&s, op);
		put_real_edit(&s, op);
		break;
	case RC_OP_REAL_DEL:
		put_real_id(&s, op);
		break;
	}
	return buf;
}

static const char *op_color(const struct rc_op *op)
{
	switch (rc_op_sign(op)) {
	case '+':
		return COL_ADD;
	case '~':
		return COL_CHANGE;
	default:
		return COL_DEL;
	}
}

static void print_op(FILE *f, const struct rc_op *op, bool color,
		     const char *suffix)
{
	char line[LINE_MAX_LEN];

	rc_op_fmt(op, line, sizeof(line));
	if (color)
		fprintf(f, "%s%c%s %s%s\n", op_color(op), rc_op_sign(op),
			COL_RESET, line, suffix);
	else
		fprintf(f, "%c %s%s\n", rc_op_sign(op), line, suffix);
}

static void print_foreign(FILE *f, const struct rc_plan *plan, bool color)
{
	char line[LINE_MAX_LEN];

	for (size_t i = 0; i < plan->n_foreign; i++) {
		struct sb s = {line, sizeof(line), 0};

		line[0] = '\0';
		put_svc_id(&s, plan->foreign[i]);
		fprintf(f,
			"%s!%s foreign service %s (not managed; --prune "
			"removes it)\n",
			color ? COL_FOREIGN : "", color ? COL_RESET : "", line);
	}
}

static const char in_sync[] =
    "No changes. Dataplane is in sync with configuration.\n";

void rc_plan_print(FILE *f, const struct rc_plan *plan,
		   const struct rc_plan_fmt_opts *opts)
{
	bool color = opts && opts->color;
	struct rc_plan_summary sum;

	for (size_t i = 0; i < plan->n; i++)
		print_op(f, &plan->ops[i], color, "");
	print_foreign(f, plan, color);
	rc_plan_summarize(plan, &sum);
	if (!plan->n) {
		fputs(in_sync, f);
		return;
	}
	fprintf(f, "\nPlan: %zu to add, %zu to change, %zu to destroy.\n",
		sum.add, sum.change, sum.destroy);
}

void rc_plan_print_result(FILE *f, const struct rc_plan *plan,
			  const struct dp_result *res,
			  const struct rc_plan_fmt_opts *opts)
{
	bool color = opts && opts->color;
	size_t ok = 0, failed = 0;

	for (size_t i = 0; i < plan->n; i++) {
		int err = res && i < res->n ? res->err[i] : 0;
		const char *detail =
		    res && res->detail && i < res->n ? res->detail[i] : NULL;
		char suffix[LINE_MAX_LEN];

		suffix[0] = '\0';
		if (err) {
			const char *ename = strerrorname_np(-err);

			snprintf(suffix, sizeof(suffix), "  %sFAILED: %s (%s)%s%s%s",
				 color ? COL_DEL : "", strerror(-err),
				 ename ? ename : "?",
				 detail ? ": " : "", detail ? detail : "",
				 color ? COL_RESET : "");
			failed++;
		} else {
			ok++;
		}
		print_op(f, &plan->ops[i], color, suffix);
	}
	print_foreign(f, plan, color);
	if (!plan->n) {
		fputs(in_sync, f);
		return;
	}
	fprintf(f, "\nApply: %zu applied, %zu failed.\n", ok, failed);
}

/* ---- JSON ---------------------------------------------------------------- */

static const char *family_name(uint8_t family)
{
	return family == AF_INET6  ? "inet6"
	       : family == AF_INET ? "inet"
				   : "unspec";
}

json_t *rc_service_to_json(const struct rc_service *svc, bool with_attrs)
{
	char k[LB_ADDR_STRLEN + 32], a[LB_ADDR_STRLEN];
	const char *pn = cfg_ipproto_name(svc->key.proto);
	json_t *o, *flags;

	o = json_pack("{s:s, s:s, s:s, s:i, s:I}", "key",
		      rc_svc_key_fmt(&svc->key, k, sizeof(k)), "family",
		      family_name(svc->key.addr.family), "address",
		      lb_addr_fmt(&svc->key.addr, a, sizeof(a)), "port",
		      (int)svc->key.port, "fwmark",
		      (json_int_t)svc->key.fwmark);
	if (!o)
		return NULL;
	if (json_object_set_new(o, "protocol",
				pn ? json_string(pn)
				   : json_integer(svc->key.proto)) ||
	    json_object_set_new(
		o, "name",
		svc->name[0]
		    ? json_stringn(svc->name,
				   strnlen(svc->name, sizeof(svc->name)))
		    : json_null()))
		goto fail;
	if (!with_attrs)
		return o;
	flags = json_array();
	if (!flags || json_object_set_new(o, "flags", flags))
		goto fail;
	for (size_t i = 0;
	     i < sizeof(svc_flag_names) / sizeof(svc_flag_names[0]); i++)
		if ((svc->flags & svc_flag_names[i].bit) &&
		    json_array_append_new(flags,
					  json_string(svc_flag_names[i].name)))
			goto fail;
	if (json_object_set_new(
		o, "scheduler",
		json_stringn(svc->sched,
			     strnlen(svc->sched, sizeof(svc->sched)))) ||
	    json_object_set_new(o, "timeout", json_integer(svc->timeout)) ||
	    json_object_set_new(o, "netmask", json_integer(svc->netmask)))
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

json_t *rc_real_to_json(const struct rc_real *r)
{
	char a[LB_ADDR_STRLEN];

	return json_pack(
	    "{s:s, s:i, s:I, s:s, s:s, s:i, s:I, s:I}", "address",
	    lb_addr_fmt(&r->addr, a, sizeof(a)), "port", (int)r->port, "weight",
	    (json_int_t)r->weight, "forward", rc_fwd_name(r->fwd), "tunnel",
	    r->fwd == RC_FWD_TUNNEL ? rc_tunnel_name(r->tunnel) : "none",
	    "tunnel_port", (int)r->tunnel_port, "upper_threshold",
	    (json_int_t)r->u_threshold, "lower_threshold",
	    (json_int_t)r->l_threshold);
}

static const char *op_verb(const struct rc_op *op)
{
	switch (rc_op_sign(op)) {
	case '+':
		return "add";
	case '~':
		return "change";
	default:
		return "destroy";
	}
}

static bool op_is_real(const struct rc_op *op)
{
	return op->kind == RC_OP_REAL_ADD || op->kind == RC_OP_REAL_EDIT ||
	       op->kind == RC_OP_REAL_DEL;
}

/* The old or new side of an op: attributes of the service or the real. */
static json_t *side_json(const struct rc_op *op, bool new_side)
{
	switch (op->kind) {
	case RC_OP_SVC_ADD:
		return new_side ? rc_service_to_json(op->svc, true)
				: json_null();
	case RC_OP_SVC_EDIT:
		return rc_service_to_json(new_side ? op->svc : op->old_svc,
					  true);
	case RC_OP_SVC_DEL:
		return new_side ? json_null()
				: rc_service_to_json(op->svc, true);
	case RC_OP_REAL_ADD:
		return new_side ? rc_real_to_json(op->real) : json_null();
	case RC_OP_REAL_EDIT:
		return rc_real_to_json(new_side ? op->real : op->old_real);
	case RC_OP_REAL_DEL:
	default:
		return new_side ? json_null() : rc_real_to_json(op->real);
	}
}

static json_t *op_json(const struct rc_op *op, const struct dp_result *res,
		       size_t idx)
{
	json_t *o, *changed;

	o = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o}", "op", op_verb(op),
		      "kind", op_is_real(op) ? "real" : "service", "service",
		      rc_service_to_json(op->svc, false), "real",
		      op_is_real(op) ? rc_real_to_json(op->real) : json_null(),
		      "old", side_json(op, false), "new", side_json(op, true));
	if (!o)
		return NULL;
	changed = json_array();
	if (!changed || json_object_set_new(o, "changed", changed))
		goto fail;
	for (size_t i = 0; i < sizeof(change_names) / sizeof(change_names[0]);
	     i++)
		if ((op->changed & change_names[i].bit) &&
		    json_array_append_new(changed,
					  json_string(change_names[i].name)))
			goto fail;
	if (res) {
		int err = idx < res->n ? res->err[idx] : 0;
		const char *detail =
		    res->detail && idx < res->n ? res->detail[idx] : NULL;
		json_t *e;

		if (!err)
			e = json_null();
		else if (detail)
			e = json_pack("{s:i, s:s, s:s}", "errno", -err,
				      "message", strerror(-err), "detail",
				      detail);
		else
			e = json_pack("{s:i, s:s}", "errno", -err, "message",
				      strerror(-err));
		if (!e || json_object_set_new(o, "error", e))
			goto fail;
	}
	return o;
fail:
	json_decref(o);
	return NULL;
}

json_t *rc_plan_to_json(const struct rc_plan *plan, const struct dp_result *res)
{
	struct rc_plan_summary sum;
	json_t *root, *changes, *foreign;

	rc_plan_summarize(plan, &sum);
	root = json_pack("{s:[], s:[], s:{s:I, s:I, s:I, s:I}}", "changes",
			 "foreign", "summary", "add", (json_int_t)sum.add,
			 "change", (json_int_t)sum.change, "destroy",
			 (json_int_t)sum.destroy, "foreign",
			 (json_int_t)sum.foreign);
	if (!root)
		return NULL;
	changes = json_object_get(root, "changes");
	foreign = json_object_get(root, "foreign");
	for (size_t i = 0; i < plan->n; i++)
		if (json_array_append_new(changes,
					  op_json(&plan->ops[i], res, i)))
			goto fail;
	for (size_t i = 0; i < plan->n_foreign; i++)
		if (json_array_append_new(
			foreign, rc_service_to_json(plan->foreign[i], true)))
			goto fail;
	return root;
fail:
	json_decref(root);
	return NULL;
}
