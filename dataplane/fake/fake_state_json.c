// SPDX-License-Identifier: GPL-2.0-only
/* The fake dataplane's state file: JSON, replaced atomically. */
#include "dataplane/fake/fake_state.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "lib/file.h"

static const char *const fwd_names[] = {"masq", "dr", "tunnel"};
static const char *const tun_names[] = {"ipip", "gue", "gre"};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static int name_index(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(names[i], s))
			return (int)i;
	return -1;
}

static json_t *proto_json(uint8_t proto)
{
	const char *name = cfg_ipproto_name(proto);

	return name ? json_string(name) : json_integer(proto);
}

/*
 * A real's optional keys are written only when they differ from their
 * defaults (tunnel "ipip", 0 for the rest): with 100,000 reals they would be
 * most of the file, and parsing time follows the file's size.
 */
static json_t *real_json(const struct rc_real *r)
{
	char a[LB_ADDR_STRLEN];
	json_t *o;

	o = json_pack("{s:s, s:i, s:I, s:s}", "address",
		      lb_addr_fmt(&r->addr, a, sizeof(a)), "port", (int)r->port,
		      "weight", (json_int_t)r->weight, "forward",
		      r->fwd < ARRAY_LEN(fwd_names) ? fwd_names[r->fwd] : "?");
	if (!o)
		return NULL;
	if ((r->tunnel &&
	     json_object_set_new(o, "tunnel",
				 json_string(r->tunnel < ARRAY_LEN(tun_names)
						 ? tun_names[r->tunnel]
						 : "?"))) ||
	    (r->tunnel_port &&
	     json_object_set_new(o, "tunnel_port",
				 json_integer(r->tunnel_port))) ||
	    (r->u_threshold &&
	     json_object_set_new(o, "upper_threshold",
				 json_integer(r->u_threshold))) ||
	    (r->l_threshold &&
	     json_object_set_new(o, "lower_threshold",
				 json_integer(r->l_threshold)))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* A service's keys but "reals". */
static json_t *service_head_json(const struct rc_service *svc)
{
	char a[LB_ADDR_STRLEN];

	return json_pack(
	    "{s:s, s:i, s:o, s:I, s:s%, s:I, s:I, s:i, s:s%, s:b}", "address",
	    lb_addr_fmt(&svc->key.addr, a, sizeof(a)), "port",
	    (int)svc->key.port, "protocol", proto_json(svc->key.proto),
	    "fwmark", (json_int_t)svc->key.fwmark, "scheduler", svc->sched,
	    strnlen(svc->sched, sizeof(svc->sched)), "flags",
	    (json_int_t)svc->flags, "timeout", (json_int_t)svc->timeout,
	    "netmask", (int)svc->netmask, "name", svc->name,
	    strnlen(svc->name, sizeof(svc->name)), "owned", (int)svc->owned);
}

static json_t *service_json(const struct rc_service *svc)
{
	json_t *o, *reals;

	o = service_head_json(svc);
	reals = json_array();
	if (!o || !reals || json_object_set_new(o, "reals", reals)) {
		json_decref(o);
		return NULL;
	}
	for (size_t i = 0; i < svc->n_reals; i++) {
		if (json_array_append_new(reals, real_json(&svc->reals[i]))) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

json_t *dp_fake_state_to_json(const struct rc_state *st)
{
	json_t *doc, *svcs;

	doc = json_pack("{s:s, s:i, s:[]}", "format", DP_FAKE_STATE_FORMAT,
			"version", DP_FAKE_STATE_VERSION, "services");
	if (!doc)
		return NULL;
	svcs = json_object_get(doc, "services");
	for (size_t i = 0; i < st->n; i++) {
		if (json_array_append_new(svcs, service_json(&st->svcs[i]))) {
			json_decref(doc);
			return NULL;
		}
	}
	return doc;
}

/* ---- the file's text ---------------------------------------------------- */

struct text {
	char *p;
	size_t len;
	size_t cap;
};

static int text_reserve(struct text *t, size_t more)
{
	size_t cap = t->cap ? t->cap : 4096;
	char *p;

	if (t->len + more < t->cap)
		return 0;
	while (cap <= t->len + more)
		cap *= 2;
	p = realloc(t->p, cap);
	if (!p)
		return -ENOMEM;
	t->p = p;
	t->cap = cap;
	return 0;
}

static int text_add(struct text *t, const char *s)
{
	size_t n = strlen(s);

	if (text_reserve(t, n))
		return -ENOMEM;
	memcpy(t->p + t->len, s, n + 1);
	t->len += n;
	return 0;
}

/* Append one value on one line; takes the reference. */
static int text_add_json(struct text *t, json_t *j)
{
	size_t n, room;
	int ret = -ENOMEM;

	if (!j)
		return -ENOMEM;
	room = t->cap - t->len;
	n = json_dumpb(j, t->p ? t->p + t->len : NULL, t->p ? room : 0,
		       JSON_ENSURE_ASCII);
	if (n && n >= room) { /* did not fit (or no buffer yet): again */
		if (text_reserve(t, n))
			goto out;
		n = json_dumpb(j, t->p + t->len, t->cap - t->len,
			       JSON_ENSURE_ASCII);
	}
	if (n) {
		t->len += n;
		t->p[t->len] = '\0';
		ret = 0;
	}
out:
	json_decref(j);
	return ret;
}

/*
 * The document as the header describes it, one service per line and one real
 * per line below it: readable and diffable, and written in one pass without
 * holding a JSON tree of the whole table.
 */
static int state_text(const struct rc_state *st, struct text *t)
{
	char head[160];
	int ret;

	snprintf(head, sizeof(head),
		 "{\"format\": \"%s\", \"version\": %d, \"services\": [",
		 DP_FAKE_STATE_FORMAT, DP_FAKE_STATE_VERSION);
	ret = text_add(t, head);
	for (size_t i = 0; !ret && i < st->n; i++) {
		const struct rc_service *svc = &st->svcs[i];

		ret = text_add(t, i ? ",\n" : "\n");
		if (!ret)
			ret = text_add_json(t, service_head_json(svc));
		if (!ret) {
			t->len--; /* reopen the object for "reals" */
			ret = text_add(t, ", \"reals\": [");
		}
		for (size_t j = 0; !ret && j < svc->n_reals; j++) {
			ret = text_add(t, j ? ",\n  " : "\n  ");
			if (!ret)
				ret =
				    text_add_json(t, real_json(&svc->reals[j]));
		}
		if (!ret)
			ret = text_add(t, "]}");
	}
	if (!ret)
		ret = text_add(t, "]}\n");
	return ret;
}

/* ---- parsing ------------------------------------------------------------- */

static bool in_range(json_int_t v, json_int_t max)
{
	return v >= 0 && v <= max;
}

/* A real's keys; the first four are required. */
enum real_key {
	RK_ADDRESS,
	RK_PORT,
	RK_WEIGHT,
	RK_FORWARD,
	RK_TUNNEL,
	RK_TUNNEL_PORT,
	RK_UPPER,
	RK_LOWER,
	RK_N,
};

static const char *const real_keys[RK_N] = {
    "address", "port",	      "weight",		 "forward",
    "tunnel",  "tunnel_port", "upper_threshold", "lower_threshold",
};

#define RK_REQUIRED 4

/*
 * One pass over the object's keys rather than json_unpack_ex(): with 100,000
 * reals, parsing a format string and building a key set per real was a
 * third of the load. Same rules: required keys, types, no unknown key.
 */
static int parse_real(json_t *jr, struct rc_service *svc, size_t si, size_t ri,
		      char *err, size_t errlen)
{
	json_t *v[RK_N] = {0};
	json_int_t num[RK_N] = {0};
	const char *key, *addr_s, *fwd_s, *tun_s = "ipip";
	struct lb_addr addr;
	struct rc_real *r;
	json_t *val;
	int fwd, tun, k;

	if (!json_is_object(jr)) {
		snprintf(err, errlen,
			 "services[%zu].reals[%zu]: expected an "
			 "object",
			 si, ri);
		return -EINVAL;
	}
	json_object_foreach(jr, key, val)
	{
		k = name_index(real_keys, RK_N, key);
		if (k < 0) {
			snprintf(err, errlen,
				 "services[%zu].reals[%zu]: unknown key '%s'",
				 si, ri, key);
			return -EINVAL;
		}
		v[k] = val;
	}
	for (k = 0; k < RK_N; k++) {
		bool str = k == RK_ADDRESS || k == RK_FORWARD || k == RK_TUNNEL;

		if (!v[k] && k < RK_REQUIRED) {
			snprintf(err, errlen,
				 "services[%zu].reals[%zu]: '%s' is missing",
				 si, ri, real_keys[k]);
			return -EINVAL;
		}
		if (v[k] &&
		    (str ? !json_is_string(v[k]) : !json_is_integer(v[k]))) {
			snprintf(err, errlen,
				 "services[%zu].reals[%zu].%s: expected %s", si,
				 ri, real_keys[k],
				 str ? "a string" : "an integer");
			return -EINVAL;
		}
		if (v[k] && !str)
			num[k] = json_integer_value(v[k]);
	}
	addr_s = json_string_value(v[RK_ADDRESS]);
	fwd_s = json_string_value(v[RK_FORWARD]);
	if (v[RK_TUNNEL])
		tun_s = json_string_value(v[RK_TUNNEL]);
	if (lb_addr_parse(addr_s, &addr)) {
		snprintf(err, errlen,
			 "services[%zu].reals[%zu].address: '%s' is not an IP "
			 "address",
			 si, ri, addr_s);
		return -EINVAL;
	}
	fwd = name_index(fwd_names, ARRAY_LEN(fwd_names), fwd_s);
	tun = name_index(tun_names, ARRAY_LEN(tun_names), tun_s);
	if (fwd < 0 || tun < 0) {
		snprintf(err, errlen,
			 "services[%zu].reals[%zu]: unknown forward '%s' or "
			 "tunnel '%s'",
			 si, ri, fwd_s, tun_s);
		return -EINVAL;
	}
	if (!in_range(num[RK_PORT], UINT16_MAX) ||
	    !in_range(num[RK_TUNNEL_PORT], UINT16_MAX) ||
	    !in_range(num[RK_WEIGHT], UINT32_MAX) ||
	    !in_range(num[RK_UPPER], UINT32_MAX) ||
	    !in_range(num[RK_LOWER], UINT32_MAX)) {
		snprintf(err, errlen,
			 "services[%zu].reals[%zu]: number out of range", si,
			 ri);
		return -EINVAL;
	}
	r = rc_service_add_real(svc, &addr, (uint16_t)num[RK_PORT]);
	if (!r)
		return -ENOMEM;
	r->weight = (uint32_t)num[RK_WEIGHT];
	r->fwd = (uint8_t)fwd;
	r->tunnel = (uint8_t)tun;
	r->tunnel_port = (uint16_t)num[RK_TUNNEL_PORT];
	r->u_threshold = (uint32_t)num[RK_UPPER];
	r->l_threshold = (uint32_t)num[RK_LOWER];
	return 0;
}

static int parse_proto(json_t *jp, uint8_t *out)
{
	enum cfg_proto p;

	if (json_is_integer(jp) &&
	    in_range(json_integer_value(jp), UINT8_MAX)) {
		*out = (uint8_t)json_integer_value(jp);
		return 0;
	}
	if (!json_is_string(jp) || cfg_proto_parse(json_string_value(jp), &p))
		return -EINVAL;
	*out = (uint8_t)p;
	return 0;
}

static int parse_service(json_t *js, struct rc_state *out, size_t idx,
			 char *err, size_t errlen)
{
	const char *addr_s, *sched, *name = "";
	json_int_t port = 0, fwmark = 0, flags = 0, timeout = 0, netmask = 0;
	json_t *jproto = NULL, *jreals = NULL, *jr;
	struct rc_service *svc;
	struct rc_svc_key key;
	struct lb_addr addr;
	uint8_t proto = 0;
	char where[64];
	json_error_t je;
	int owned = 0, ret;
	size_t i;

	snprintf(where, sizeof(where), "services[%zu]", idx);
	if (json_unpack_ex(
		js, &je, JSON_STRICT,
		"{s:s, s?I, s?o, s?I, s:s, s?I, s?I, s?I, s?s, s?b, s?o}",
		"address", &addr_s, "port", &port, "protocol", &jproto,
		"fwmark", &fwmark, "scheduler", &sched, "flags", &flags,
		"timeout", &timeout, "netmask", &netmask, "name", &name,
		"owned", &owned, "reals", &jreals)) {
		snprintf(err, errlen, "%s: %s", where, je.text);
		return -EINVAL;
	}
	if (lb_addr_parse(addr_s, &addr)) {
		snprintf(err, errlen, "%s.address: '%s' is not an IP address",
			 where, addr_s);
		return -EINVAL;
	}
	if ((jproto && parse_proto(jproto, &proto)) ||
	    !in_range(port, UINT16_MAX) || !in_range(fwmark, UINT32_MAX) ||
	    !in_range(flags, UINT32_MAX) || !in_range(timeout, UINT32_MAX) ||
	    !in_range(netmask, 128)) {
		snprintf(err, errlen, "%s: bad protocol or number out of range",
			 where);
		return -EINVAL;
	}
	if (strlen(sched) >= RC_SCHED_NAME_MAX ||
	    strlen(name) >= RC_SVC_NAME_MAX) {
		snprintf(err, errlen, "%s: scheduler or name too long", where);
		return -EINVAL;
	}
	if (jreals && !json_is_array(jreals)) {
		snprintf(err, errlen, "%s.reals: expected an array", where);
		return -EINVAL;
	}
	rc_svc_key_init(&key, &addr, (uint16_t)port, proto, (uint32_t)fwmark);
	svc = rc_state_add_service(out, &key);
	if (!svc)
		return -ENOMEM;
	snprintf(svc->sched, sizeof(svc->sched), "%s", sched);
	snprintf(svc->name, sizeof(svc->name), "%s", name);
	svc->flags = (uint32_t)flags;
	svc->timeout = (uint32_t)timeout;
	svc->netmask = (uint8_t)netmask;
	svc->owned = owned;
	json_array_foreach(jreals, i, jr)
	{
		ret = parse_real(jr, svc, idx, i, err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

int dp_fake_state_from_json(const json_t *doc, struct rc_state *out, char *err,
			    size_t errlen)
{
	const char *format;
	json_t *svcs, *js;
	json_error_t je;
	int version, ret;
	size_t i;

	if (json_unpack_ex((json_t *)doc, &je, JSON_STRICT, "{s:s, s:i, s:o}",
			   "format", &format, "version", &version, "services",
			   &svcs)) {
		snprintf(err, errlen, "%s", je.text);
		return -EINVAL;
	}
	if (strcmp(format, DP_FAKE_STATE_FORMAT) ||
	    version != DP_FAKE_STATE_VERSION) {
		snprintf(err, errlen, "not a version %d %s document",
			 DP_FAKE_STATE_VERSION, DP_FAKE_STATE_FORMAT);
		return -EINVAL;
	}
	if (!json_is_array(svcs)) {
		snprintf(err, errlen, "services: expected an array");
		return -EINVAL;
	}
	json_array_foreach(svcs, i, js)
	{
		ret = parse_service(js, out, i, err, errlen);
		if (ret)
			goto fail;
	}
	if (rc_state_sort(out)) {
		snprintf(err, errlen, "a service or a real appears twice");
		ret = -EINVAL;
		goto fail;
	}
	return 0;
fail:
	rc_state_free(out);
	return ret;
}

/* ---- files --------------------------------------------------------------- */

/*
 * The whole file in one buffer: json_loadfd() reads one byte per read(2),
 * which for a table of 100,000 reals was 25 million system calls.
 */
int dp_fake_state_load(const char *path, struct rc_state *out, char *err,
		       size_t errlen)
{
	char msg[256], *buf = NULL;
	json_error_t je;
	json_t *doc;
	size_t len = 0;
	int ret;

	ret = lb_read_file(path, SIZE_MAX, &buf, &len);
	if (ret == -ENOENT)
		return 0; /* nothing applied yet: empty dataplane */
	if (ret) {
		snprintf(err, errlen, "%s: cannot read state file: %s", path,
			 strerror(-ret));
		return ret;
	}
	doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	free(buf);
	if (!doc) {
		snprintf(err, errlen, "%s:%d:%d: invalid state file: %s", path,
			 je.line, je.column, je.text);
		return -EINVAL;
	}
	ret = dp_fake_state_from_json(doc, out, msg, sizeof(msg));
	json_decref(doc);
	if (ret == -EINVAL)
		snprintf(err, errlen, "%s: invalid state file: %s", path, msg);
	else if (ret)
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
	return ret;
}

int dp_fake_state_save(const char *path, const struct rc_state *st, char *err,
		       size_t errlen)
{
	struct text text = {0};
	int ret;

	if (state_text(st, &text)) {
		snprintf(err, errlen, "%s: out of memory", path);
		free(text.p);
		return -ENOMEM;
	}
	ret = lb_write_file_atomic(path, text.p, text.len);
	if (ret)
		snprintf(err, errlen, "%s: cannot write state file: %s", path,
			 strerror(-ret));
	free(text.p);
	return ret;
}
