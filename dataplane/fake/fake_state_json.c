// SPDX-License-Identifier: GPL-2.0-only
/* The fake dataplane's state file: JSON, replaced atomically. */
#include "dataplane/fake/fake_state.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	switch (proto) {
	case 6:
		return json_string("tcp");
	case 17:
		return json_string("udp");
	case 132:
		return json_string("sctp");
	default:
		return json_integer(proto);
	}
}

static json_t *real_json(const struct rc_real *r)
{
	char a[LB_ADDR_STRLEN];

	return json_pack(
	    "{s:s, s:i, s:I, s:s, s:s, s:i, s:I, s:I}", "address",
	    lb_addr_fmt(&r->addr, a, sizeof(a)), "port", (int)r->port, "weight",
	    (json_int_t)r->weight, "forward",
	    r->fwd < ARRAY_LEN(fwd_names) ? fwd_names[r->fwd] : "?", "tunnel",
	    r->tunnel < ARRAY_LEN(tun_names) ? tun_names[r->tunnel] : "?",
	    "tunnel_port", (int)r->tunnel_port, "upper_threshold",
	    (json_int_t)r->u_threshold, "lower_threshold",
	    (json_int_t)r->l_threshold);
}

static json_t *service_json(const struct rc_service *svc)
{
	char a[LB_ADDR_STRLEN];
	json_t *o, *reals;

	reals = json_array();
	if (!reals)
		return NULL;
	for (size_t i = 0; i < svc->n_reals; i++) {
		if (json_array_append_new(reals, real_json(&svc->reals[i]))) {
			json_decref(reals);
			return NULL;
		}
	}
	o = json_pack(
	    "{s:s, s:i, s:o, s:I, s:s%, s:I, s:I, s:i, s:s%, s:b, s:o}",
	    "address", lb_addr_fmt(&svc->key.addr, a, sizeof(a)), "port",
	    (int)svc->key.port, "protocol", proto_json(svc->key.proto),
	    "fwmark", (json_int_t)svc->key.fwmark, "scheduler", svc->sched,
	    strnlen(svc->sched, sizeof(svc->sched)), "flags",
	    (json_int_t)svc->flags, "timeout", (json_int_t)svc->timeout,
	    "netmask", (int)svc->netmask, "name", svc->name,
	    strnlen(svc->name, sizeof(svc->name)), "owned", (int)svc->owned,
	    "reals", reals);
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

/* ---- parsing ------------------------------------------------------------- */

static bool in_range(json_int_t v, json_int_t max)
{
	return v >= 0 && v <= max;
}

static int parse_real(json_t *jr, struct rc_service *svc, const char *where,
		      char *err, size_t errlen)
{
	const char *addr_s, *fwd_s, *tun_s = "ipip";
	json_int_t port, weight, tport = 0, uth = 0, lth = 0;
	struct lb_addr addr;
	struct rc_real *r;
	json_error_t je;
	int fwd, tun;

	if (json_unpack_ex(jr, &je, JSON_STRICT,
			   "{s:s, s:I, s:I, s:s, s?s, s?I, s?I, s?I}",
			   "address", &addr_s, "port", &port, "weight", &weight,
			   "forward", &fwd_s, "tunnel", &tun_s, "tunnel_port",
			   &tport, "upper_threshold", &uth, "lower_threshold",
			   &lth)) {
		snprintf(err, errlen, "%s: %s", where, je.text);
		return -EINVAL;
	}
	if (lb_addr_parse(addr_s, &addr)) {
		snprintf(err, errlen, "%s.address: '%s' is not an IP address",
			 where, addr_s);
		return -EINVAL;
	}
	fwd = name_index(fwd_names, ARRAY_LEN(fwd_names), fwd_s);
	tun = name_index(tun_names, ARRAY_LEN(tun_names), tun_s);
	if (fwd < 0 || tun < 0) {
		snprintf(err, errlen, "%s: unknown forward '%s' or tunnel '%s'",
			 where, fwd_s, tun_s);
		return -EINVAL;
	}
	if (!in_range(port, UINT16_MAX) || !in_range(tport, UINT16_MAX) ||
	    !in_range(weight, UINT32_MAX) || !in_range(uth, UINT32_MAX) ||
	    !in_range(lth, UINT32_MAX)) {
		snprintf(err, errlen, "%s: number out of range", where);
		return -EINVAL;
	}
	r = rc_service_add_real(svc, &addr, (uint16_t)port);
	if (!r)
		return -ENOMEM;
	r->weight = (uint32_t)weight;
	r->fwd = (uint8_t)fwd;
	r->tunnel = (uint8_t)tun;
	r->tunnel_port = (uint16_t)tport;
	r->u_threshold = (uint32_t)uth;
	r->l_threshold = (uint32_t)lth;
	return 0;
}

static int parse_proto(json_t *jp, uint8_t *out)
{
	static const struct {
		const char *name;
		uint8_t num;
	} names[] = {{"tcp", 6}, {"udp", 17}, {"sctp", 132}};

	if (json_is_integer(jp) &&
	    in_range(json_integer_value(jp), UINT8_MAX)) {
		*out = (uint8_t)json_integer_value(jp);
		return 0;
	}
	if (json_is_string(jp))
		for (size_t i = 0; i < ARRAY_LEN(names); i++)
			if (!strcmp(json_string_value(jp), names[i].name)) {
				*out = names[i].num;
				return 0;
			}
	return -EINVAL;
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
		char rwhere[96];

		snprintf(rwhere, sizeof(rwhere), "%s.reals[%zu]", where, i);
		ret = parse_real(jr, svc, rwhere, err, errlen);
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

int dp_fake_state_load(const char *path, struct rc_state *out, char *err,
		       size_t errlen)
{
	char msg[256];
	json_error_t je;
	json_t *doc;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0; /* nothing applied yet: empty dataplane */
		ret = -errno;
		snprintf(err, errlen, "%s: cannot open state file: %s", path,
			 strerror(-ret));
		return ret;
	}
	doc = json_loadfd(fd, JSON_REJECT_DUPLICATES, &je);
	close(fd);
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

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Make the rename itself durable. Best effort: some filesystems refuse. */
static void sync_dir(const char *path)
{
	char *copy = strdup(path);
	int fd;

	if (!copy)
		return;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(copy);
}

int dp_fake_state_save(const char *path, const struct rc_state *st, char *err,
		       size_t errlen)
{
	char *text = NULL, *tmp = NULL;
	json_t *doc;
	int fd = -1, ret;

	doc = dp_fake_state_to_json(st);
	if (doc)
		text = json_dumps(doc, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	json_decref(doc);
	if (!text || asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0) {
		tmp = NULL;
		ret = -ENOMEM;
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot create temporary file: %s",
			 path, strerror(-ret));
		goto out;
	}
	ret = write_all(fd, text, strlen(text));
	if (!ret)
		ret = write_all(fd, "\n", 1);
	if (!ret && fsync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	fd = -1;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret) {
		snprintf(err, errlen, "%s: cannot write state file: %s", path,
			 strerror(-ret));
		unlink(tmp);
		goto out;
	}
	sync_dir(path);
out:
	free(tmp);
	free(text);
	return ret;
}
