// SPDX-License-Identifier: GPL-2.0-only
/*
 * From the decoded file to struct cfg: driver-dependent defaults, pool
 * references turned into indices, health settings resolved level by level
 * (built-in, top-level `health`, pool, backend). Then the semantic checks.
 */
#include "config/internal.h"
#include "config/regex_cost.h"

#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define HID(flag) ((unsigned)__builtin_ctz(flag))
#define HSEEN(rh, flag) ((rh)->h.set & (flag))

static const struct cfg_code_range default_expect[] = {{200, 399}};

const struct cfg_health cfg_health_builtin = {
    .type = CFG_HC_TCP,
    .interval_ms = 2000,
    .fast_interval_ms = 1000,
    .timeout_ms = 1000,
    .rise = 2,
    .fall = 3,
    .method = "GET",
    .path = "/",
    .expect = default_expect,
    .n_expect = 1,
    .max_response = 65536,
    .tls_verify = true,
};

/* Copy the fields src sets (src->set) over dst. */
static void health_merge(struct cfg_health *dst, const struct cfg_health *src)
{
	uint32_t s = src->set;

#define M(flag, field)                                                         \
	do {                                                                   \
		if (s & (flag))                                                \
			dst->field = src->field;                               \
	} while (0)
	M(CFG_HF_TYPE, type);
	M(CFG_HF_INTERVAL, interval_ms);
	M(CFG_HF_FAST_INTERVAL, fast_interval_ms);
	M(CFG_HF_TIMEOUT, timeout_ms);
	M(CFG_HF_RISE, rise);
	M(CFG_HF_FALL, fall);
	M(CFG_HF_PORT, port);
	M(CFG_HF_SOURCE, source);
	M(CFG_HF_SLOW_START, slow_start_ms);
	M(CFG_HF_INITIAL, initial_up);
	M(CFG_HF_METHOD, method);
	M(CFG_HF_PATH, path);
	M(CFG_HF_HOST, host);
	M(CFG_HF_EXPECT, expect);
	M(CFG_HF_EXPECT, n_expect);
	M(CFG_HF_BODY, body);
	M(CFG_HF_BODY_REGEX, body_regex);
	M(CFG_HF_MAX_RESPONSE, max_response);
	M(CFG_HF_TLS_VERIFY, tls_verify);
	M(CFG_HF_CA_FILE, ca_file);
	M(CFG_HF_SNI, sni);
	M(CFG_HF_PAYLOAD, payload);
	M(CFG_HF_EXPECT_PAYLOAD, expect_payload);
	M(CFG_HF_COMMAND, command);
	M(CFG_HF_COMMAND, n_command);
#undef M
	dst->set = s;
}

/* The shortest timing the file may write (config/schema.c, DUR(..., 10)). */
#define HEALTH_MIN_MS 10u

/*
 * Timings nobody wrote follow the interval: a 500ms interval gets a 250ms
 * timeout rather than tripping over the built-in 1s one. A derived value
 * never goes below what the file could have written; true when that
 * raised the timeout above half the interval.
 */
static bool health_derive(struct cfg_health *h, uint32_t cum)
{
	uint32_t half = h->interval_ms / 2;
	bool raised = false;

	if (half < HEALTH_MIN_MS) {
		raised = !(cum & CFG_HF_TIMEOUT);
		half = HEALTH_MIN_MS;
	}
	if (!(cum & CFG_HF_TIMEOUT))
		h->timeout_ms = half < 1000 ? half : 1000;
	if (!(cum & CFG_HF_FAST_INTERVAL)) {
		uint32_t f = half < 1000 ? half : 1000;

		if (f < h->timeout_ms)
			f = h->timeout_ms;
		if (f > h->interval_ms)
			f = h->interval_ms;
		h->fast_interval_ms = f;
	}
	return raised;
}

static struct cfg_loc hloc(const struct raw_health *rh, uint32_t flag)
{
	return HSEEN(rh, flag) ? rh->loc[HID(flag)] : rh->at;
}

#define HTTP_BITS                                                              \
	(CFG_HF_METHOD | CFG_HF_PATH | CFG_HF_HOST | CFG_HF_EXPECT |           \
	 CFG_HF_BODY | CFG_HF_BODY_REGEX | CFG_HF_MAX_RESPONSE)
#define TLS_BITS (CFG_HF_TLS_VERIFY | CFG_HF_CA_FILE | CFG_HF_SNI)
#define UDP_BITS (CFG_HF_PAYLOAD | CFG_HF_EXPECT_PAYLOAD)

/* 0, or -E2BIG after reporting why compiling `re` would cost too much. */
static int regex_cost_check(struct cfg_ctx *c, struct cfg_loc at,
			    const char *path, const char *re)
{
	unsigned long long val;
	struct cfg_regex_cost rc;
	const char *fix = "";
	char what[1200]; /* a span is at most the 1024-character pattern */
	int sp, ch;

	if (cfg_regex_cost(re, &rc) == CFG_REGEX_OK)
		return 0;
	val = (unsigned long long)rc.value;
	sp = (int)rc.span;
	ch = 1; /* the position in characters, as an editor counts */
	for (size_t i = 0; i < rc.at; i++)
		ch += ((unsigned char)re[i] & 0xc0) != 0x80;
	switch (rc.verdict) {
	case CFG_REGEX_TOO_LONG:
		snprintf(what, sizeof(what),
			 "has %llu characters, more than the %d allowed", val,
			 CFG_REGEX_MAX_LEN);
		fix = "match a shorter distinctive part of the body";
		break;
	case CFG_REGEX_COUNT:
		snprintf(what, sizeof(what),
			 "repeat '%.*s' (character %d) counts to %llu, above "
			 "the maximum %d",
			 sp, re + rc.at, ch, val, CFG_REGEX_MAX_COUNT);
		fix = "regcomp copies the repeated part once per count, so use "
		      "a smaller bound or '*'";
		break;
	case CFG_REGEX_BACKREF:
	case CFG_REGEX_EMPTY_LOOP: {
		bool br = rc.verdict == CFG_REGEX_BACKREF;

		snprintf(what, sizeof(what), "%s '%.*s' (character %d), %s",
			 br ? "uses the back-reference"
			    : "repeats without bound, with",
			 sp, re + rc.at, ch,
			 br ? "which glibc matches by backtracking"
			    : "something that can match empty text");
		fix = br ? "POSIX extended expressions have none: match the "
			   "text itself"
			 : "compiling such loops costs time growing with the "
			   "square of their number: make the repeated part "
			   "match at least one character (write 'a*' for "
			   "'(a?)*')";
		break;
	}
	case CFG_REGEX_NESTED:
		snprintf(
		    what, sizeof(what),
		    "nests repeats whose counts multiply to %llu at '%.*s' "
		    "(character %d), above the maximum %d",
		    val, sp, re + rc.at, ch, CFG_REGEX_MAX_NESTED);
		fix = "un-nest them or use '*'";
		break;
	default:
		snprintf(
		    what, sizeof(what),
		    "compiles to %llu positions, above the maximum %d (each "
		    "'{m,n}' copies what it repeats n times)",
		    val, CFG_REGEX_MAX_SIZE);
		fix = "use '*' or smaller bounds";
		break;
	}
	cfg_err(c, CFG_DIAG_SEMANTIC, at, path, "body_regex %s; %s", what, fix);
	return -E2BIG;
}

/*
 * The first byte of s that may not appear in a request line or header:
 * controls, space, DEL and non-ASCII; NULL when there is none.
 */
static const char *header_bad_byte(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			return s;
	return NULL;
}

static const char *byte_name(unsigned char b, char *buf, size_t len)
{
	if (b == ' ')
		return "a space";
	if (b == '\t')
		return "a tab";
	if (b == '\r')
		return "a carriage return (\\r)";
	if (b == '\n')
		return "a line feed (\\n)";
	if (b >= 0x80)
		return "a non-ASCII character";
	snprintf(buf, len, "the control character 0x%02x", b);
	return buf;
}

/*
 * Values that go into the probe's request line or headers (or the TLS
 * server name) verbatim: a CR or LF there would inject a header.
 */
static void header_value_check(struct cfg_ctx *c, const struct raw_health *rh,
			       uint32_t flag, const char *key,
			       const char *value, const char *path)
{
	struct cfg_loc at = hloc(rh, flag);
	const char *bad;
	char name[40];

	if (!(rh->h.set & flag) || !value)
		return;
	if (flag != CFG_HF_PATH && !*value) {
		cfg_err(c, CFG_DIAG_SEMANTIC, at, path,
			"%s is empty; write a host name or address, or remove "
			"the key",
			key);
		return;
	}
	bad = header_bad_byte(value);
	if (!bad)
		return;
	cfg_err(c, CFG_DIAG_SEMANTIC, at, path,
		"%s '%s' has %s at character %zu; %s", key, value,
		byte_name((unsigned char)*bad, name, sizeof(name)),
		(size_t)(bad - value) + 1,
		flag == CFG_HF_PATH
		    ? "the path goes into the request line as written, so "
		      "percent-encode it (e.g. '%20' for a space)"
		    : "it is sent as written, so use a host name "
		      "(international names in their ASCII 'xn--' form) or "
		      "an address, without spaces");
}

/* Checks on one level's resolved settings, at the places that level wrote. */
static void health_check(struct cfg_ctx *c, const struct raw_health *rh,
			 const struct cfg_health *h, const char *path)
{
	const char *type = cfg_hc_type_name(h->type);
	char a[32], b[32];
	regex_t re;
	int r;

	/* Timings are judged where they are written, not at every level
	 * that inherits them. */
	if (!(h->set &
	      (CFG_HF_INTERVAL | CFG_HF_TIMEOUT | CFG_HF_FAST_INTERVAL)))
		;
	else if (h->timeout_ms >= h->interval_ms &&
		 !(h->set & CFG_HF_TIMEOUT) && h->interval_ms <= HEALTH_MIN_MS)
		cfg_err(
		    c, CFG_DIAG_SEMANTIC, hloc(rh, CFG_HF_INTERVAL), path,
		    "health interval %s leaves no room for a timeout, which "
		    "is at least %ums and shorter than the interval; write "
		    "an interval above %ums",
		    cfg_fmt_duration(h->interval_ms, b, sizeof(b)),
		    HEALTH_MIN_MS, HEALTH_MIN_MS);
	else if (h->timeout_ms >= h->interval_ms)
		cfg_err(
		    c, CFG_DIAG_SEMANTIC,
		    hloc(rh, HSEEN(rh, CFG_HF_TIMEOUT) ? CFG_HF_TIMEOUT
						       : CFG_HF_INTERVAL),
		    path,
		    "health timeout %s must be shorter than the interval %s",
		    cfg_fmt_duration(h->timeout_ms, a, sizeof(a)),
		    cfg_fmt_duration(h->interval_ms, b, sizeof(b)));
	else if (h->fast_interval_ms > h->interval_ms)
		cfg_err(c, CFG_DIAG_SEMANTIC, hloc(rh, CFG_HF_FAST_INTERVAL),
			path,
			"health fast_interval %s must not be longer than the "
			"interval %s",
			cfg_fmt_duration(h->fast_interval_ms, a, sizeof(a)),
			cfg_fmt_duration(h->interval_ms, b, sizeof(b)));
	else if (h->fast_interval_ms < h->timeout_ms)
		cfg_err(c, CFG_DIAG_SEMANTIC, hloc(rh, CFG_HF_FAST_INTERVAL),
			path,
			"health fast_interval %s is shorter than the timeout "
			"%s; probes would overlap",
			cfg_fmt_duration(h->fast_interval_ms, a, sizeof(a)),
			cfg_fmt_duration(h->timeout_ms, b, sizeof(b)));

	if ((h->set & HTTP_BITS) && h->type != CFG_HC_HTTP &&
	    h->type != CFG_HC_HTTPS)
		cfg_err(c, CFG_DIAG_SEMANTIC, rh->loc[HL_HTTP], path,
			"'http' settings apply to http and https checks, but "
			"this check is '%s'; set 'type: http' or remove them",
			type);
	if ((h->set & TLS_BITS) && h->type != CFG_HC_HTTPS)
		cfg_err(c, CFG_DIAG_SEMANTIC, rh->loc[HL_TLS], path,
			"'tls' settings apply to https checks, but this check "
			"is '%s'; set 'type: https' or remove them",
			type);
	if ((h->set & UDP_BITS) && h->type != CFG_HC_UDP)
		cfg_err(c, CFG_DIAG_SEMANTIC, rh->loc[HL_UDP], path,
			"'udp' settings apply to udp checks, but this check is "
			"'%s'; set 'type: udp' or remove them",
			type);
	if ((h->set & CFG_HF_COMMAND) && h->type != CFG_HC_EXEC)
		cfg_err(c, CFG_DIAG_SEMANTIC, rh->loc[HL_EXEC], path,
			"'exec' settings apply to exec checks, but this check "
			"is '%s'; set 'type: exec' or remove them",
			type);
	if (h->type == CFG_HC_EXEC && !h->n_command &&
	    (h->set & (CFG_HF_TYPE | CFG_HF_COMMAND)))
		cfg_err(c, CFG_DIAG_SEMANTIC, hloc(rh, CFG_HF_TYPE), path,
			"an exec check needs a program: add 'exec: {command: "
			"[/path/to/check, ARG...]}'");
	if ((h->set & CFG_HF_COMMAND) && h->n_command &&
	    h->command[0][0] != '/')
		cfg_err(c, CFG_DIAG_SEMANTIC, hloc(rh, CFG_HF_COMMAND), path,
			"exec command '%s' is not an absolute path; the check "
			"runs without a shell or PATH lookup",
			h->command[0]);
	header_value_check(c, rh, CFG_HF_PATH, "http.path", h->path, path);
	header_value_check(c, rh, CFG_HF_HOST, "http.host", h->host, path);
	header_value_check(c, rh, CFG_HF_SNI, "tls.sni", h->sni, path);
	/* The cost check comes first: regcomp itself is what is bounded. */
	if ((h->set & CFG_HF_BODY_REGEX) &&
	    !regex_cost_check(c, hloc(rh, CFG_HF_BODY_REGEX), path,
			      h->body_regex)) {
		r = regcomp(&re, h->body_regex, REG_EXTENDED | REG_NOSUB);
		if (r) {
			char why[128];

			regerror(r, &re, why, sizeof(why));
			cfg_err(c, CFG_DIAG_SEMANTIC,
				hloc(rh, CFG_HF_BODY_REGEX), path,
				"body_regex is not a POSIX extended regular "
				"expression: %s",
				why);
		} else {
			regfree(&re);
		}
	}
}

/* Resolve one level: parent's settings, then this level's. */
static void health_level(struct cfg_ctx *c, const struct cfg_health *parent,
			 uint32_t parent_cum, const struct raw_health *rh,
			 struct cfg_health *out, uint32_t *cum,
			 const char *path)
{
	*out = *parent;
	out->set = 0;
	*cum = parent_cum;
	if (!rh)
		return;
	health_merge(out, &rh->h);
	*cum |= rh->h.set;
	/* Derived timings are re-derived only when this level moved them. */
	if ((rh->h.set &
	     (CFG_HF_INTERVAL | CFG_HF_TIMEOUT | CFG_HF_FAST_INTERVAL)) &&
	    health_derive(out, *cum) && out->timeout_ms < out->interval_ms &&
	    (rh->h.set & CFG_HF_INTERVAL)) {
		char a[32], b[32];

		cfg_warn(c, hloc(rh, CFG_HF_INTERVAL), path,
			 "half the interval %s is below the %ums minimum "
			 "timeout; the derived timeout is %s. Write 'timeout' "
			 "to choose it",
			 cfg_fmt_duration(out->interval_ms, a, sizeof(a)),
			 HEALTH_MIN_MS,
			 cfg_fmt_duration(out->timeout_ms, b, sizeof(b)));
	}
	health_check(c, rh, out, path);
}

struct name_ref {
	const char *name;
	size_t idx;
};

static int name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct name_ref *)a)->name,
		      ((const struct name_ref *)b)->name);
}

static ssize_t pool_find(const struct name_ref *idx, size_t n, const char *name)
{
	struct name_ref key = {name, 0};
	const struct name_ref *hit =
	    bsearch(&key, idx, n, sizeof(*idx), name_cmp);

	return hit ? (ssize_t)hit->idx : -1;
}

static void undefined_pool(struct cfg_ctx *c, const struct raw_root *root,
			   const struct raw_service *rs, size_t i, int id,
			   const char *what, const char *name)
{
	const char *names[256] = {0};
	size_t n = root->n_pools < 256 ? root->n_pools : 256;
	char path[64];
	const char *sug;

	for (size_t k = 0; k < n; k++)
		names[k] = root->pools[k].name;
	sug = cfg_suggest(name, names, n);
	snprintf(path, sizeof(path), "services[%zu].%s", i,
		 id == SV_POOL ? "pool" : "fallback_pool");
	if (sug)
		cfg_err(
		    c, CFG_DIAG_SEMANTIC, rs->loc[id], path,
		    "service '%s' names undefined %s '%s'; did you mean '%s'?",
		    rs->s.name, what, name, sug);
	else if (!root->n_pools)
		cfg_err(c, CFG_DIAG_SEMANTIC, rs->loc[id], path,
			"service '%s' names undefined %s '%s'; define it under "
			"'pools:'",
			rs->s.name, what, name);
	else
		cfg_err(c, CFG_DIAG_SEMANTIC, rs->loc[id], path,
			"service '%s' names undefined %s '%s'; define it under "
			"'pools:' or name an existing pool",
			rs->s.name, what, name);
}

#define SEEN(r, id) ((r)->seen & (1ull << (id)))

static void build_pools(struct cfg_ctx *c, const struct raw_root *root,
			struct cfg *cfg, uint32_t top_cum)
{
	char path[160];

	cfg->pools = cfg_arena_calloc(
	    c->arena, root->n_pools ? root->n_pools : 1, sizeof(*cfg->pools));
	if (!cfg->pools)
		return;
	cfg->n_pools = root->n_pools;
	for (size_t i = 0; i < root->n_pools; i++) {
		const struct raw_pool *rp = &root->pools[i];
		struct cfg_pool *p = &cfg->pools[i];
		uint32_t pool_cum;

		p->name = rp->name;
		p->loc = rp->at;
		snprintf(path, sizeof(path), "pools.%s.health", rp->name);
		health_level(c, &cfg->health, top_cum, rp->health, &p->health,
			     &pool_cum, path);
		p->backends = cfg_arena_calloc(
		    c->arena, rp->n_bk ? rp->n_bk : 1, sizeof(*p->backends));
		if (!p->backends)
			return;
		p->n_backends = rp->n_bk;
		for (size_t k = 0; k < rp->n_bk; k++) {
			const struct raw_backend *rb = &rp->bk[k];
			struct cfg_backend *b = &p->backends[k];
			struct cfg_health *h;
			uint32_t cum;

			*b = rb->b;
			b->health = &p->health;
			if (!rb->health)
				continue;
			h = cfg_arena_alloc(c->arena, sizeof(*h));
			if (!h)
				return;
			snprintf(path, sizeof(path),
				 "pools.%s.backends[%zu].health", rp->name, k);
			health_level(c, &p->health, pool_cum, rb->health, h,
				     &cum, path);
			b->health = h;
		}
	}
}

static void build_services(struct cfg_ctx *c, const struct raw_root *root,
			   struct cfg *cfg)
{
	const struct cfg_dataplane *dp = &cfg->dataplane;
	struct name_ref *idx;

	idx = cfg_arena_calloc(c->scratch, root->n_pools ? root->n_pools : 1,
			       sizeof(*idx));
	cfg->services = cfg_arena_calloc(
	    c->arena, root->n_svcs ? root->n_svcs : 1, sizeof(*cfg->services));
	if (!idx || !cfg->services)
		return;
	for (size_t i = 0; i < root->n_pools; i++)
		idx[i] = (struct name_ref){root->pools[i].name, i};
	qsort(idx, root->n_pools, sizeof(*idx), name_cmp);
	cfg->n_services = root->n_svcs;

	for (size_t i = 0; i < root->n_svcs; i++) {
		const struct raw_service *rs = &root->svcs[i];
		struct cfg_service *s = &cfg->services[i];
		ssize_t pi;

		*s = rs->s;
		pi = pool_find(idx, root->n_pools, rs->pool);
		if (pi < 0)
			undefined_pool(c, root, rs, i, SV_POOL, "pool",
				       rs->pool);
		s->pool = pi < 0 ? SIZE_MAX : (size_t)pi;
		s->fallback_pool = -1;
		if (rs->fallback) {
			s->fallback_pool =
			    pool_find(idx, root->n_pools, rs->fallback);
			if (s->fallback_pool < 0)
				undefined_pool(c, root, rs, i, SV_FALLBACK,
					       "fallback pool", rs->fallback);
		}
		if (SEEN(rs, SV_FWMARK))
			s->addr.family = (uint8_t)rs->family;
		if (!SEEN(rs, SV_SCHEDULER))
			s->sched = dp->driver == CFG_DRIVER_IPVS
				       ? CFG_SCHED_WLC
				       : CFG_SCHED_MAGLEV;
		if (s->forwarding == CFG_FWD_DEFAULT) {
			if (dp->driver == CFG_DRIVER_XDP)
				s->forwarding = dp->xdp.forwarding;
			else if (dp->driver == CFG_DRIVER_IPVS)
				s->forwarding = dp->ipvs.forwarding;
			else
				s->forwarding = CFG_FWD_NAT;
		}
		s->tunnel_type = dp->driver == CFG_DRIVER_IPVS
				     ? dp->ipvs.tunnel_type
				     : CFG_TUN_IPIP;
		s->tunnel_port =
		    dp->driver == CFG_DRIVER_IPVS ? dp->ipvs.tunnel_port : 0;
		s->flags = rs->sched_flags;
		if (rs->any_port)
			s->flags |= CFG_SVC_ANY_PORT;
		if (SEEN(rs, SV_PERSISTENCE)) {
			s->flags |= CFG_SVC_PERSISTENT;
			s->persistence_s = rs->pers_timeout_ms / 1000;
			s->persistence_prefix =
			    SEEN(rs, SV_PERS_NETMASK)
				? (uint8_t)rs->pers_netmask
				: (s->addr.family == AF_INET6 ? 128 : 32);
		}
	}
}

/* daemon.max_removal_fraction: a number in (0, 1], text in the schema. */
static void build_removal_fraction(struct cfg_ctx *c,
				   const struct raw_root *root, struct cfg *cfg)
{
	const char *s = root->max_removal_text;
	char *end = NULL;
	double v;

	cfg->daemon.max_removal_fraction = 0.5;
	if (!s)
		return;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0.0 && v <= 1.0)) {
		cfg_err(c, CFG_DIAG_SEMANTIC,
			(root->seen & (1ull << DM_MAX_REMOVAL))
			    ? root->loc[DM_MAX_REMOVAL]
			    : root->at,
			"daemon.max_removal_fraction",
			"'%s' is not a fraction in (0, 1]; write e.g. 0.5 to "
			"refuse passes removing more than half of all reals, "
			"or 1 to turn that limit off",
			s);
		return;
	}
	cfg->daemon.max_removal_fraction = v;
}

/* The vrrp: section: the decoded lists become the public arrays. */
static void build_vrrp(struct cfg_ctx *c, const struct raw_root *root,
		       struct cfg *cfg)
{
	const struct raw_vrrp *rv = root->vrrp;
	struct cfg_vrrp_node *nodes;
	struct cfg_vrrp_group *groups;

	if (!rv) {
		cfg->vrrp = (struct cfg_vrrp){.version = 3,
					      .advert_interval_ms = 1000,
					      .preempt = true};
		return;
	}
	cfg->vrrp = rv->v;
	nodes = cfg_arena_calloc(c->arena, rv->n_nodes ? rv->n_nodes : 1,
				 sizeof(*nodes));
	groups = cfg_arena_calloc(c->arena, rv->n_groups ? rv->n_groups : 1,
				  sizeof(*groups));
	if (!nodes || !groups)
		return;
	for (size_t i = 0; i < rv->n_nodes; i++)
		nodes[i] = rv->nodes[i].n;
	for (size_t i = 0; i < rv->n_groups; i++)
		groups[i] = rv->groups[i].g;
	cfg->vrrp.nodes = nodes;
	cfg->vrrp.n_nodes = rv->n_nodes;
	cfg->vrrp.groups = groups;
	cfg->vrrp.n_groups = rv->n_groups;
}

/* The bgp: section: timers to seconds, nodes and neighbours to arrays. */
static void build_bgp(struct cfg_ctx *c, const struct raw_root *root,
		      struct cfg *cfg)
{
	const struct raw_bgp *rb = root->bgp;
	struct cfg_bgp_node *nodes;

	if (!rb) {
		cfg->bgp = (struct cfg_bgp){.route_protocol = 200,
					    .route_table = 254,
					    .min_healthy = 1,
					    .drain_wait_ms = 30000,
					    .keepalive_s = 1,
					    .hold_time_s = 3,
					    .bfd_interval_ms = 100,
					    .bfd_multiplier = 3};
		return;
	}
	cfg->bgp = rb->b;
	cfg->bgp.keepalive_s = rb->keepalive_ms / 1000;
	cfg->bgp.hold_time_s = rb->hold_ms / 1000;
	nodes = cfg_arena_calloc(c->arena, rb->n_nodes ? rb->n_nodes : 1,
				 sizeof(*nodes));
	if (!nodes)
		return;
	for (size_t i = 0; i < rb->n_nodes; i++) {
		const struct raw_bgp_node *rn = &rb->nodes[i];
		struct cfg_bgp_neighbor *nbs = cfg_arena_calloc(
		    c->arena, rn->n_nbs ? rn->n_nbs : 1, sizeof(*nbs));

		if (!nbs)
			return;
		for (size_t k = 0; k < rn->n_nbs; k++)
			nbs[k] = rn->nbs[k].nb;
		nodes[i] = rn->n;
		nodes[i].neighbors = nbs;
		nodes[i].n_neighbors = rn->n_nbs;
	}
	cfg->bgp.nodes = nodes;
	cfg->bgp.n_nodes = rb->n_nodes;
}

void cfg_build(struct cfg_ctx *c, struct raw_root *root, struct cfg *cfg)
{
	uint32_t top_cum;

	cfg->version = root->version;
	cfg->dataplane = root->dp;
	cfg->ha = root->ha;
	cfg->daemon = root->dm;
	build_vrrp(c, root, cfg);
	build_bgp(c, root, cfg);
	build_removal_fraction(c, root, cfg);
	/* Nothing written yet: the built-in timings are the derived ones. */
	health_level(c, &cfg_health_builtin, 0, root->health, &cfg->health,
		     &top_cum, "health");
	build_pools(c, root, cfg, top_cum);
	build_services(c, root, cfg);
	if (c->arena->failed || c->scratch->failed)
		return;
	cfg_validate(c, root, cfg);
}
