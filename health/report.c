// SPDX-License-Identifier: GPL-2.0-only
/*
 * Human and machine output of the engine's transitions and state, shared by
 * `ballast probe`, the tests and the benchmark.
 */
#include "health/health.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct hc_report {
	struct hc_engine *e;
	FILE *out;
	bool json;
	unsigned long count;
};

static void wall_fmt(uint64_t wall_ms, char *buf, size_t len)
{
	time_t s = (time_t)(wall_ms / 1000);
	struct tm tm;
	size_t n;

	gmtime_r(&s, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03uZ", (unsigned int)(wall_ms % 1000));
}

static void emit_json(FILE *out, json_t *o)
{
	if (!o)
		return;
	json_dumpf(o, out, JSON_COMPACT);
	fputc('\n', out);
	fflush(out);
	json_decref(o);
}

static void on_event(void *arg, const struct hc_event *ev)
{
	struct hc_report *r = arg;
	char when[40], addr[LB_ADDR_STRLEN];

	r->count++;
	wall_fmt(ev->tr->wall_ms, when, sizeof(when));
	lb_addr_fmt(ev->addr, addr, sizeof(addr));
	if (r->json) {
		emit_json(r->out,
			  json_pack("{s:s, s:s, s:I, s:s, s:i, s:s, s:s, s:s, "
				    "s:s, s:s, s:i}",
				    "event", "transition", "time", when,
				    "unix_ms", (json_int_t)ev->tr->wall_ms,
				    "address", addr, "port", (int)ev->port,
				    "type", hc_type_name(ev->type), "from",
				    hc_state_name(ev->tr->from), "to",
				    hc_state_name(ev->tr->to), "admin",
				    hc_admin_name(ev->tr->admin), "cause",
				    ev->tr->cause, "reals", (int)ev->n_reals));
		return;
	}
	lb_addr_port_fmt(ev->addr, ev->port, addr, sizeof(addr));
	fprintf(r->out, "%s  %-22s %-5s %s -> %s%s%s  (%s)\n", when, addr,
		hc_type_name(ev->type), hc_state_name(ev->tr->from),
		hc_state_name(ev->tr->to), ev->tr->admin ? ", admin " : "",
		ev->tr->admin ? hc_admin_name(ev->tr->admin) : "",
		ev->tr->cause);
	fflush(r->out);
}

int hc_report_new(struct hc_engine *e, FILE *out, bool json,
		  struct hc_report **rp)
{
	struct hc_report *r = calloc(1, sizeof(*r));
	int err;

	*rp = NULL;
	if (!r)
		return -ENOMEM;
	r->e = e;
	r->out = out;
	r->json = json;
	err = hc_engine_subscribe(e, on_event, r);
	if (err) {
		free(r);
		return err;
	}
	*rp = r;
	return 0;
}

unsigned long hc_report_count(const struct hc_report *r)
{
	return r->count;
}

void hc_report_summary(struct hc_report *r)
{
	const struct cfg *cfg = hc_engine_cfg(r->e);
	json_t *arr = r->json ? json_array() : NULL;
	struct hc_stats st;

	hc_engine_stats(r->e, &st);
	if (!r->json)
		fprintf(r->out,
			"\n%-16s %-24s %-5s %-8s %-8s %6s %6s %8s %8s  %s\n",
			"POOL", "REAL", "CHECK", "STATE", "ADMIN", "WEIGHT",
			"EFFECT", "PROBES", "FAILED", "LAST");
	for (size_t p = 0; cfg && p < cfg->n_pools; p++) {
		for (size_t b = 0; b < cfg->pools[p].n_backends; b++) {
			struct hc_real_status s;
			char a[LB_ADDR_STRLEN], addr[LB_ADDR_STRLEN];

			if (hc_engine_real_status(r->e, p, b, &s))
				continue;
			lb_addr_port_fmt(&s.addr,
					 s.probe_port ? s.probe_port : s.port,
					 a, sizeof(a));
			if (r->json) {
				lb_addr_fmt(&s.addr, addr, sizeof(addr));
				json_array_append_new(
				    arr,
				    json_pack(
					"{s:s, s:s, s:i, s:i, s:s, s:s, s:s, "
					"s:b, s:I, s:I, s:I, s:I, s:I, s:s}",
					"pool", s.pool, "address", addr, "port",
					(int)s.port, "probe_port",
					(int)s.probe_port, "type",
					hc_type_name(s.type), "state",
					hc_state_name(s.state), "admin",
					hc_admin_name(s.admin), "failing_open",
					s.internal_error, "weight",
					(json_int_t)s.weight, "effective",
					(json_int_t)s.effective, "probes",
					(json_int_t)s.probes, "failures",
					(json_int_t)s.failures, "last_rtt_us",
					(json_int_t)s.last_rtt_us, "last",
					s.last_cause));
				continue;
			}
			fprintf(r->out,
				"%-16s %-24s %-5s %-8s %-8s %6u %6u %8llu "
				"%8llu  %s%s\n",
				s.pool, a, hc_type_name(s.type),
				hc_state_name(s.state), hc_admin_name(s.admin),
				s.weight, s.effective,
				(unsigned long long)s.probes,
				(unsigned long long)s.failures,
				s.internal_error ? "[failing open] " : "",
				s.last_cause);
		}
	}
	if (r->json) {
		emit_json(
		    r->out,
		    json_pack(
			"{s:s, s:o, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I}}",
			"event", "summary", "reals", arr, "stats", "targets",
			(json_int_t)st.targets, "reals", (json_int_t)st.reals,
			"probes", (json_int_t)st.probes, "successes",
			(json_int_t)st.successes, "failures",
			(json_int_t)st.failures, "internal_errors",
			(json_int_t)st.internal_errors, "transitions",
			(json_int_t)st.transitions));
		return;
	}
	fprintf(r->out,
		"\n%zu reals, %zu probe targets, %llu probes (%llu ok, %llu "
		"failed, %llu checker errors), %llu transitions\n",
		st.reals, st.targets, (unsigned long long)st.probes,
		(unsigned long long)st.successes,
		(unsigned long long)st.failures,
		(unsigned long long)st.internal_errors,
		(unsigned long long)st.transitions);
	fflush(r->out);
}

void hc_report_free(struct hc_report *r)
{
	if (!r)
		return;
	hc_engine_unsubscribe(r->e, on_event, r);
	free(r);
}
