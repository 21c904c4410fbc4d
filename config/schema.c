// SPDX-License-Identifier: GPL-2.0-only
/*
 * The format, as tables: every key of every object, its kind, bounds and
 * default. Docs/CONFIG.md and Docs/ballast.schema.json describe the same
 * tables for people and editors; keep the three in step.
 */
#include "config/decode.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/ring_size.h"

#define HID(flag) ((uint8_t)__builtin_ctz(flag))
#define RH(field) offsetof(struct raw_health, h.field)
#define DAY_MS 86400000ull

/* ---- enumerations ------------------------------------------------------ */

static const struct cfg_enum_val driver_v[] = {
    {"xdp", CFG_DRIVER_XDP},
    {"ipvs", CFG_DRIVER_IPVS},
    {"fake", CFG_DRIVER_FAKE},
};
EDEF(driver_e, "driver", driver_v);

static const struct cfg_enum_val proto_v[] = {
    {"tcp", CFG_PROTO_TCP},
    {"udp", CFG_PROTO_UDP},
    {"sctp", CFG_PROTO_SCTP},
};
EDEF(proto_e, "protocol", proto_v);

static const struct cfg_enum_val sched_v[] = {
    {"maglev", CFG_SCHED_MAGLEV}, {"rr", CFG_SCHED_RR},
    {"wrr", CFG_SCHED_WRR},	  {"lc", CFG_SCHED_LC},
    {"wlc", CFG_SCHED_WLC},	  {"lblc", CFG_SCHED_LBLC},
    {"lblcr", CFG_SCHED_LBLCR},	  {"dh", CFG_SCHED_DH},
    {"sh", CFG_SCHED_SH},	  {"sed", CFG_SCHED_SED},
    {"nq", CFG_SCHED_NQ},	  {"fo", CFG_SCHED_FO},
    {"ovf", CFG_SCHED_OVF},	  {"mh", CFG_SCHED_MH},
    {"twos", CFG_SCHED_TWOS},
};
EDEF(sched_e, "scheduler", sched_v);

static const struct cfg_enum_val svc_fwd_v[] = {
    {"dsr", CFG_FWD_DSR},
    {"nat", CFG_FWD_NAT},
    {"dr", CFG_FWD_DR},
    {"tunnel", CFG_FWD_TUNNEL},
};
EDEF(svc_fwd_e, "forwarding method", svc_fwd_v);

static const struct cfg_enum_val xdp_fwd_v[] = {
    {"dsr", CFG_FWD_DSR},
    {"nat", CFG_FWD_NAT},
};
EDEF(xdp_fwd_e, "XDP forwarding method", xdp_fwd_v);

static const struct cfg_enum_val ipvs_fwd_v[] = {
    {"nat", CFG_FWD_NAT},
    {"dr", CFG_FWD_DR},
    {"tunnel", CFG_FWD_TUNNEL},
};
EDEF(ipvs_fwd_e, "IPVS forwarding method", ipvs_fwd_v);

static const struct cfg_enum_val tun_v[] = {
    {"ipip", CFG_TUN_IPIP},
    {"gue", CFG_TUN_GUE},
    {"gre", CFG_TUN_GRE},
};
EDEF(tun_e, "tunnel type", tun_v);

static const struct cfg_enum_val xdp_mode_v[] = {
    {"auto", CFG_XDP_MODE_AUTO},
    {"native", CFG_XDP_MODE_NATIVE},
    {"generic", CFG_XDP_MODE_GENERIC},
};
EDEF(xdp_mode_e, "XDP mode", xdp_mode_v);

static const struct cfg_enum_val hash_v[] = {
    {"5tuple", CFG_HASH_5TUPLE},
    {"source", CFG_HASH_SOURCE},
};
EDEF(hash_e, "hash", hash_v);

static const struct cfg_enum_val ha_v[] = {
    {"none", CFG_HA_NONE},
    {"vrrp", CFG_HA_VRRP},
    {"bgp", CFG_HA_BGP},
};
EDEF(ha_e, "HA mode", ha_v);

static const struct cfg_enum_val standby_v[] = {
    {"withdraw", CFG_STANDBY_WITHDRAW},
    {"warm", CFG_STANDBY_WARM},
};
EDEF(standby_e, "standby policy", standby_v);

static const struct cfg_enum_val provider_v[] = {
    {"keepalived", CFG_HA_PROVIDER_KEEPALIVED},
    {"frr", CFG_HA_PROVIDER_FRR},
};
EDEF(provider_e, "VRRP provider", provider_v);

static const struct cfg_enum_val log_v[] = {
    {"error", 0},
    {"warn", 1},
    {"info", 2},
    {"debug", 3},
};
EDEF(log_e, "log level", log_v);

static const struct cfg_enum_val hc_v[] = {
    {"tcp", CFG_HC_TCP},   {"http", CFG_HC_HTTP}, {"https", CFG_HC_HTTPS},
    {"udp", CFG_HC_UDP},   {"icmp", CFG_HC_ICMP}, {"exec", CFG_HC_EXEC},
    {"none", CFG_HC_NONE},
};
EDEF(hc_e, "health check type", hc_v);

static const struct cfg_enum_val method_v[] = {
    {"GET", 0},
    {"HEAD", 1},
};
EDEF(method_e, "HTTP method", method_v);

static const struct cfg_enum_val initial_v[] = {
    {"down", 0},
    {"up", 1},
};
EDEF(initial_e, "initial state", initial_v);

static const struct cfg_enum_val family_v[] = {
    {"inet", AF_INET},
    {"inet6", AF_INET6},
};
EDEF(family_e, "address family", family_v);

static const struct cfg_enum_val sflag_v[] = {
    {"fallback", CFG_SVC_SCHED_FALLBACK},
    {"port", CFG_SVC_SCHED_PORT},
};
EDEF(sflag_e, "scheduler flag", sflag_v);

/* ---- custom decoders --------------------------------------------------- */

static void *field_ptr(const struct cfg_dobj *o, const struct cfg_fdesc *f)
{
	return (char *)o->base + f->off;
}

static void dec_health(struct cfg_ctx *c, const struct cfg_ynode *n,
		       const struct cfg_dobj *o, const struct cfg_fdesc *f,
		       const struct cfg_path *p);

static void dec_initial(struct cfg_ctx *c, const struct cfg_ynode *n,
			const struct cfg_dobj *o, const struct cfg_fdesc *f,
			const struct cfg_path *p)
{
	int v;

	if (!cfg_decode_enum(c, n, &initial_e, p, &v))
		*(bool *)field_ptr(o, f) = v == 1;
}

static void dec_http_path(struct cfg_ctx *c, const struct cfg_ynode *n,
			  const struct cfg_dobj *o, const struct cfg_fdesc *f,
			  const struct cfg_path *p)
{
	const char *s = cfg_node_str(c, n, p, "a URL path");

	if (!s)
		return;
	if (s[0] != '/' || strpbrk(s, " \t\r\n")) {
		cfg_err_at(c, n, p,
			   "'%s' is not a URL path: it starts with '/' and has "
			   "no spaces",
			   s);
		return;
	}
	*(const char **)field_ptr(o, f) = cfg_arena_strdup(c->arena, s);
}

static int parse_code(const char *s, uint16_t *out)
{
	uint64_t v;

	/* "0200": YAML 1.1 tools read 0200 as octal 128; refuse the doubt. */
	if (s[0] == '0' || cfg_parse_uint(s, &v) || v < 100 || v > 599)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

static int parse_code_range(const char *s, struct cfg_code_range *r)
{
	char lo[8];
	const char *dash = strchr(s, '-');
	size_t l;

	if (strlen(s) == 3 && s[0] >= '1' && s[0] <= '5' && s[1] == 'x' &&
	    s[2] == 'x') {
		r->lo = (uint16_t)((s[0] - '0') * 100);
		r->hi = (uint16_t)(r->lo + 99);
		return 0;
	}
	if (!dash)
		return parse_code(s, &r->lo) ? -EINVAL : (r->hi = r->lo, 0);
	l = (size_t)(dash - s);
	if (l >= sizeof(lo))
		return -EINVAL;
	memcpy(lo, s, l);
	lo[l] = 0;
	if (parse_code(lo, &r->lo) || parse_code(dash + 1, &r->hi) ||
	    r->lo > r->hi)
		return -EINVAL;
	return 0;
}

static void dec_expect(struct cfg_ctx *c, const struct cfg_ynode *n,
		       const struct cfg_dobj *o, const struct cfg_fdesc *f,
		       const struct cfg_path *p)
{
	struct raw_health *rh = o->base;
	const struct cfg_ynode *it, *end;
	struct cfg_code_range *r;
	size_t cnt, k = 0;

	if (n && cfg_ynode_type(n) == CFG_YSCALAR) {
		it = n;
		end = cfg_ytree_skip(n);
		cnt = 1;
	} else if (n && cfg_ynode_type(n) == CFG_YSEQ) {
		it = cfg_ytree_first(n);
		end = cfg_ytree_end(n);
		cnt = cfg_ynode_count(n);
	} else {
		cfg_type_error(c, n, p,
			       "a status code, a range like \"200-299\", or a "
			       "list of them");
		return;
	}
	if (!cnt) {
		cfg_err_at(c, n, p,
			   "the list is empty; name at least one status code");
		return;
	}
	r = cfg_arena_calloc(c->arena, cnt, sizeof(*r));
	if (!r)
		return;
	for (size_t i = 0; it < end; it = cfg_ytree_skip(it), i++) {
		const struct cfg_ynode *in = cfg_node_at(c, it);
		struct cfg_path ip = {p, NULL, i};
		const char *s =
		    cfg_node_str(c, in, cfg_ynode_type(n) == CFG_YSEQ ? &ip : p,
				 "a status code or a range");

		if (!s)
			continue;
		if (parse_code_range(s, &r[k])) {
			cfg_err_at(
			    c, in, cfg_ynode_type(n) == CFG_YSEQ ? &ip : p,
			    "'%s' is not a status code (100..599, no "
			    "leading zero), a range like \"200-299\", or a "
			    "class like \"2xx\"",
			    s);
			continue;
		}
		k++;
	}
	rh->h.expect = r;
	rh->h.n_expect = k;
}

static void dec_command(struct cfg_ctx *c, const struct cfg_ynode *n,
			const struct cfg_dobj *o, const struct cfg_fdesc *f,
			const struct cfg_path *p)
{
	struct raw_health *rh = o->base;
	const char **argv;
	size_t cnt, i = 0;

	if (!n || cfg_ynode_type(n) != CFG_YSEQ) {
		cfg_type_error(
		    c, n, p,
		    "a list: the program's absolute path, then its arguments");
		return;
	}
	cnt = cfg_ynode_count(n);
	if (!cnt) {
		cfg_err_at(c, n, p,
			   "the command is empty; name the program to run");
		return;
	}
	argv = cfg_arena_calloc(c->arena, cnt + 1, sizeof(*argv));
	if (!argv)
		return;
	cfg_node_for_each(n, it)
	{
		struct cfg_path ip = {p, NULL, i++};
		const char *s =
		    cfg_node_str(c, cfg_node_at(c, it), &ip, "a string");

		argv[i - 1] = s ? cfg_arena_strdup(c->arena, s) : "";
	}
	rh->h.command = argv;
	rh->h.n_command = cnt;
}

static void dec_sched_flags(struct cfg_ctx *c, const struct cfg_ynode *n,
			    const struct cfg_dobj *o, const struct cfg_fdesc *f,
			    const struct cfg_path *p)
{
	uint32_t *flags = field_ptr(o, f);
	size_t i = 0;

	if (!n || cfg_ynode_type(n) != CFG_YSEQ) {
		cfg_type_error(c, n, p,
			       "a list of scheduler flags (fallback, port)");
		return;
	}
	cfg_node_for_each(n, it)
	{
		struct cfg_path ip = {p, NULL, i++};
		int v;

		if (!cfg_decode_enum(c, cfg_node_at(c, it), &sflag_e, &ip, &v))
			*flags |= (uint32_t)v;
	}
}

/* ---- objects ----------------------------------------------------------- */

static const struct cfg_fdesc http_f[] = {
    {.key = "method",
     .kind = FK_ENUM,
     .size = 1,
     .en = &method_e,
     .id = HID(CFG_HF_METHOD),
     .hf = CFG_HF_METHOD,
     .off = RH(method)},
    {.key = "path",
     .kind = FK_CUSTOM,
     .custom = dec_http_path,
     .id = HID(CFG_HF_PATH),
     .hf = CFG_HF_PATH,
     .off = RH(path)},
    {.key = "host",
     .kind = FK_STR,
     .max = 255,
     .id = HID(CFG_HF_HOST),
     .hf = CFG_HF_HOST,
     .off = RH(host)},
    {.key = "expect",
     .kind = FK_CUSTOM,
     .custom = dec_expect,
     .id = HID(CFG_HF_EXPECT),
     .hf = CFG_HF_EXPECT},
    {.key = "body",
     .kind = FK_STR,
     .max = 4096,
     .id = HID(CFG_HF_BODY),
     .hf = CFG_HF_BODY,
     .off = RH(body)},
    {.key = "body_regex",
     .kind = FK_STR,
     .max = 4096,
     .id = HID(CFG_HF_BODY_REGEX),
     .hf = CFG_HF_BODY_REGEX,
     .off = RH(body_regex)},
    {.key = "max_response",
     .kind = FK_UINT,
     .size = 4,
     .min = 1,
     .max = 16777216,
     .id = HID(CFG_HF_MAX_RESPONSE),
     .hf = CFG_HF_MAX_RESPONSE,
     .off = RH(max_response),
     .hint = "bytes"},
};
ODESC(http_o, "health.http", http_f);

static const struct cfg_fdesc tls_f[] = {
    {.key = "verify",
     .kind = FK_BOOL,
     .id = HID(CFG_HF_TLS_VERIFY),
     .hf = CFG_HF_TLS_VERIFY,
     .off = RH(tls_verify)},
    {.key = "ca_file",
     .kind = FK_PATH,
     .id = HID(CFG_HF_CA_FILE),
     .hf = CFG_HF_CA_FILE,
     .off = RH(ca_file)},
    {.key = "sni",
     .kind = FK_STR,
     .max = 255,
     .id = HID(CFG_HF_SNI),
     .hf = CFG_HF_SNI,
     .off = RH(sni)},
};
ODESC(tls_o, "health.tls", tls_f);

static const struct cfg_fdesc udp_f[] = {
    {.key = "payload",
     .kind = FK_STR,
     .max = 1400,
     .id = HID(CFG_HF_PAYLOAD),
     .hf = CFG_HF_PAYLOAD,
     .off = RH(payload)},
    {.key = "expect",
     .kind = FK_STR,
     .max = 1400,
     .id = HID(CFG_HF_EXPECT_PAYLOAD),
     .hf = CFG_HF_EXPECT_PAYLOAD,
     .off = RH(expect_payload)},
};
ODESC(udp_o, "health.udp", udp_f);

static const struct cfg_fdesc exec_f[] = {
    {.key = "command",
     .kind = FK_CUSTOM,
     .custom = dec_command,
     .required = true,
     .id = HID(CFG_HF_COMMAND),
     .hf = CFG_HF_COMMAND},
};
ODESC(exec_o, "health.exec", exec_f);

#define DUR(k, flag, fld, lo)                                                  \
	{                                                                      \
		.key = k, .kind = FK_DUR, .min = lo, .max = 3600000,           \
		.id = HID(flag), .hf = flag, .off = RH(fld)                    \
	}

static const struct cfg_fdesc health_f[] = {
    {.key = "type",
     .kind = FK_ENUM,
     .en = &hc_e,
     .id = HID(CFG_HF_TYPE),
     .hf = CFG_HF_TYPE,
     .off = RH(type)},
    DUR("interval", CFG_HF_INTERVAL, interval_ms, 10),
    DUR("fast_interval", CFG_HF_FAST_INTERVAL, fast_interval_ms, 10),
    DUR("timeout", CFG_HF_TIMEOUT, timeout_ms, 10),
    {.key = "rise",
     .kind = FK_UINT,
     .size = 4,
     .min = 1,
     .max = 100,
     .id = HID(CFG_HF_RISE),
     .hf = CFG_HF_RISE,
     .off = RH(rise)},
    {.key = "fall",
     .kind = FK_UINT,
     .size = 4,
     .min = 1,
     .max = 100,
     .id = HID(CFG_HF_FALL),
     .hf = CFG_HF_FALL,
     .off = RH(fall)},
    {.key = "port",
     .kind = FK_UINT,
     .size = 2,
     .min = 1,
     .max = 65535,
     .id = HID(CFG_HF_PORT),
     .hf = CFG_HF_PORT,
     .off = RH(port)},
    {.key = "source",
     .kind = FK_ADDR,
     .id = HID(CFG_HF_SOURCE),
     .hf = CFG_HF_SOURCE,
     .off = RH(source)},
    DUR("slow_start", CFG_HF_SLOW_START, slow_start_ms, 0),
    {.key = "initial",
     .kind = FK_CUSTOM,
     .custom = dec_initial,
     .id = HID(CFG_HF_INITIAL),
     .hf = CFG_HF_INITIAL,
     .off = RH(initial_up)},
    {.key = "http", .kind = FK_OBJ, .obj = &http_o, .id = HL_HTTP},
    {.key = "tls", .kind = FK_OBJ, .obj = &tls_o, .id = HL_TLS},
    {.key = "udp", .kind = FK_OBJ, .obj = &udp_o, .id = HL_UDP},
    {.key = "exec", .kind = FK_OBJ, .obj = &exec_o, .id = HL_EXEC},
};
ODESC(health_o, "health", health_f);

#define BK(field) offsetof(struct raw_backend, field)
static const struct cfg_fdesc backend_f[] = {
    {.key = "address",
     .kind = FK_ADDR,
     .required = true,
     .id = BK_ADDRESS,
     .off = BK(b.addr)},
    {.key = "port",
     .kind = FK_UINT,
     .size = 2,
     .min = 1,
     .max = 65535,
     .id = BK_PORT,
     .off = BK(b.port)},
    {.key = "weight",
     .kind = FK_UINT,
     .size = 4,
     .min = 0,
     .max = 65535,
     .def = 100,
     .id = BK_WEIGHT,
     .off = BK(b.weight),
     .hint = "0 drains the backend"},
    {.key = "disabled",
     .kind = FK_BOOL,
     .id = BK_DISABLED,
     .off = BK(b.disabled)},
    {.key = "forwarding",
     .kind = FK_ENUM,
     .en = &ipvs_fwd_e,
     .def = CFG_FWD_DEFAULT,
     .id = BK_FORWARDING,
     .off = BK(b.forwarding)},
    {.key = "upper_threshold",
     .kind = FK_UINT,
     .size = 4,
     .min = 0,
     .max = UINT32_MAX,
     .id = BK_UPPER,
     .off = BK(b.upper_threshold)},
    {.key = "lower_threshold",
     .kind = FK_UINT,
     .size = 4,
     .min = 0,
     .max = UINT32_MAX,
     .id = BK_LOWER,
     .off = BK(b.lower_threshold)},
    {.key = "health",
     .kind = FK_CUSTOM,
     .custom = dec_health,
     .id = BK_HEALTH,
     .off = BK(health)},
};
ODESC(backend_o, "backend", backend_f);

static void dec_backends(struct cfg_ctx *c, const struct cfg_ynode *n,
			 const struct cfg_dobj *o, const struct cfg_fdesc *f,
			 const struct cfg_path *p)
{
	struct raw_pool *pool = o->base;
	size_t cnt, i = 0;

	if (!n || cfg_ynode_type(n) != CFG_YSEQ) {
		cfg_type_error(c, n, p, "a list of backends");
		return;
	}
	cnt = cfg_ynode_count(n);
	pool->bk =
	    cfg_arena_calloc(c->scratch, cnt ? cnt : 1, sizeof(*pool->bk));
	if (!pool->bk)
		return;
	pool->n_bk = cnt;
	cfg_node_for_each(n, it)
	{
		struct raw_backend *rb = &pool->bk[i];
		const struct cfg_ynode *in = cfg_node_at(c, it);
		struct cfg_path ip = {p, NULL, i++};
		struct cfg_dobj bo = {rb, &rb->seen, rb->loc, NULL};
		const char *s;

		cfg_apply_defaults(&backend_o, rb);
		rb->b.loc = cfg_node_loc(c, in);
		if (in && cfg_ynode_type(in) == CFG_YSCALAR &&
		    !cfg_node_is_null(c, in)) {
			s = cfg_node_str(c, in, &ip, "a backend");
			if (!s)
				continue;
			if (cfg_parse_addr_opt_port(s, &rb->b.addr,
						    &rb->b.port) ||
			    lb_addr_is_zero(&rb->b.addr)) {
				cfg_err_at(
				    c, in, &ip,
				    "'%s' is not a backend: write 'ADDRESS', "
				    "'ADDRESS:PORT', '[IPv6]:PORT', or a "
				    "mapping with 'address'",
				    s);
				continue;
			}
			rb->seen = 1ull << BK_ADDRESS;
			rb->loc[BK_ADDRESS] = rb->b.loc;
			if (rb->b.port) {
				rb->seen |= 1ull << BK_PORT;
				rb->loc[BK_PORT] = rb->b.loc;
			}
			continue;
		}
		if (!in || cfg_ynode_type(in) != CFG_YMAP) {
			cfg_type_error(c, in, &ip,
				       "a backend: a mapping with 'address', "
				       "or an 'ADDRESS:PORT' string");
			continue;
		}
		cfg_decode_object(c, in, &backend_o, &bo, &ip);
	}
}

#define PL(field) offsetof(struct raw_pool, field)
static const struct cfg_fdesc pool_f[] = {
    {.key = "health",
     .kind = FK_CUSTOM,
     .custom = dec_health,
     .id = PL_HEALTH,
     .off = PL(health)},
    {.key = "backends",
     .kind = FK_CUSTOM,
     .custom = dec_backends,
     .required = true,
     .id = PL_BACKENDS},
};
ODESC(pool_o, "pool", pool_f);

static void dec_pools(struct cfg_ctx *c, const struct cfg_ynode *n,
		      const struct cfg_dobj *o, const struct cfg_fdesc *f,
		      const struct cfg_path *p)
{
	struct raw_root *root = o->base;
	size_t cnt, k = 0;

	if (!n || cfg_ynode_type(n) != CFG_YMAP) {
		cfg_type_error(c, n, p, "a mapping of pool names to pools");
		return;
	}
	cnt = cfg_ynode_count(n) / 2;
	root->pools =
	    cfg_arena_calloc(c->scratch, cnt ? cnt : 1, sizeof(*root->pools));
	if (!root->pools)
		return;
	cfg_node_for_each(n, kr)
	{
		const struct cfg_ynode *kn = cfg_node_at(c, kr);
		const struct cfg_ynode *vn =
		    cfg_node_at(c, kr = cfg_ytree_skip(kr));
		struct raw_pool *rp = &root->pools[k];
		struct cfg_dobj po = {rp, &rp->seen, rp->loc, NULL};
		struct cfg_path pp = {p, NULL, 0};
		const char *name = cfg_node_str(c, kn, p, "a pool name");

		if (!name)
			continue;
		if (!cfg_name_valid(name)) {
			cfg_err_at(
			    c, kn, p,
			    "'%s' is not a valid pool name: use letters, "
			    "digits, '_', '-' and '.', starting with a letter "
			    "or digit, at most %d characters",
			    name, CFG_NAME_MAX);
			continue;
		}
		rp->name = cfg_arena_strdup(c->arena, name);
		rp->at = cfg_node_loc(c, kn);
		pp.key = rp->name;
		k++;
		cfg_decode_object(c, vn, &pool_o, &po, &pp);
	}
	root->n_pools = k;
}

#define SV(field) offsetof(struct raw_service, field)
static const struct cfg_fdesc persist_f[] = {
    {.key = "timeout",
     .kind = FK_DUR,
     .min = 1000,
     .max = DAY_MS,
     .def = 300000,
     .id = SV_PERS_TIMEOUT,
     .off = SV(pers_timeout_ms)},
    {.key = "netmask",
     .kind = FK_UINT,
     .size = 4,
     .min = 0,
     .max = 128,
     .id = SV_PERS_NETMASK,
     .off = SV(pers_netmask),
     .hint = "a prefix length"},
};
ODESC(persist_o, "persistence", persist_f);

static const struct cfg_fdesc service_f[] = {
    {.key = "name",
     .kind = FK_NAME,
     .required = true,
     .id = SV_NAME,
     .off = SV(s.name)},
    {.key = "address", .kind = FK_ADDR, .id = SV_ADDRESS, .off = SV(s.addr)},
    {.key = "port",
     .kind = FK_UINT,
     .size = 2,
     .min = 1,
     .max = 65535,
     .id = SV_PORT,
     .off = SV(s.port)},
    {.key = "protocol",
     .kind = FK_ENUM,
     .en = &proto_e,
     .def = CFG_PROTO_TCP,
     .id = SV_PROTOCOL,
     .off = SV(s.proto)},
    {.key = "pool",
     .kind = FK_NAME,
     .required = true,
     .id = SV_POOL,
     .off = SV(pool)},
    {.key = "fallback_pool",
     .kind = FK_NAME,
     .id = SV_FALLBACK,
     .off = SV(fallback)},
    {.key = "scheduler",
     .kind = FK_ENUM,
     .en = &sched_e,
     .id = SV_SCHEDULER,
     .off = SV(s.sched)},
    {.key = "hash",
     .kind = FK_ENUM,
     .en = &hash_e,
     .def = CFG_HASH_5TUPLE,
     .id = SV_HASH,
     .off = SV(s.hash)},
    {.key = "forwarding",
     .kind = FK_ENUM,
     .en = &svc_fwd_e,
     .def = CFG_FWD_DEFAULT,
     .id = SV_FORWARDING,
     .off = SV(s.forwarding)},
    {.key = "any_port",
     .kind = FK_BOOL,
     .id = SV_ANY_PORT,
     .off = SV(any_port)},
    {.key = "fwmark",
     .kind = FK_UINT,
     .size = 4,
     .min = 1,
     .max = UINT32_MAX,
     .id = SV_FWMARK,
     .off = SV(s.fwmark)},
    {.key = "family",
     .kind = FK_ENUM,
     .en = &family_e,
     .id = SV_FAMILY,
     .off = SV(family)},
    {.key = "scheduler_flags",
     .kind = FK_CUSTOM,
     .custom = dec_sched_flags,
     .id = SV_SCHED_FLAGS,
     .off = SV(sched_flags)},
    {.key = "persistence",
     .kind = FK_OBJ,
     .obj = &persist_o,
     .id = SV_PERSISTENCE},
};
ODESC(service_o, "service", service_f);

#define SEEN(rs, id) ((rs)->seen & (1ull << (id)))

/* Keys that only make sense together or apart: the shape of a service. */
static void check_service_shape(struct cfg_ctx *c, const struct cfg_ynode *n,
				struct raw_service *rs,
				const struct cfg_path *p, size_t errors_before)
{
	char path[256];
	struct cfg_loc at = cfg_node_loc(c, n);

	cfg_path_fmt(p, path, sizeof(path));
	if (SEEN(rs, SV_FWMARK)) {
		if (SEEN(rs, SV_ADDRESS))
			cfg_err(c, CFG_DIAG_SCHEMA, rs->loc[SV_ADDRESS], path,
				"%s: a fwmark service has no 'address'; remove "
				"'address' or 'fwmark'",
				path);
		if (SEEN(rs, SV_PORT))
			cfg_err(c, CFG_DIAG_SCHEMA, rs->loc[SV_PORT], path,
				"%s: a fwmark service has no 'port'; the "
				"firewall mark selects the traffic",
				path);
		if (SEEN(rs, SV_ANY_PORT))
			cfg_err(
			    c, CFG_DIAG_SCHEMA, rs->loc[SV_ANY_PORT], path,
			    "%s: 'any_port' does not apply to a fwmark service",
			    path);
		if (!SEEN(rs, SV_FAMILY))
			cfg_err(c, CFG_DIAG_SCHEMA, rs->loc[SV_FWMARK], path,
				"%s: a fwmark service needs 'family: inet' or "
				"'family: inet6'",
				path);
		return;
	}
	if (SEEN(rs, SV_FAMILY))
		cfg_err(c, CFG_DIAG_SCHEMA, rs->loc[SV_FAMILY], path,
			"%s: 'family' is only for fwmark services; the address "
			"gives the family",
			path);
	if (!SEEN(rs, SV_ADDRESS))
		cfg_err(c, CFG_DIAG_SCHEMA, at, path,
			"%s: missing required key 'address' in service (or "
			"'fwmark' with 'family')",
			path);
	if (rs->any_port && SEEN(rs, SV_PORT))
		cfg_err(
		    c, CFG_DIAG_SCHEMA, rs->loc[SV_PORT], path,
		    "%s: 'any_port: true' matches every port; remove 'port'",
		    path);
	else if (!rs->any_port && !SEEN(rs, SV_PORT) &&
		 !(SEEN(rs, SV_ANY_PORT) && c->n_errors > errors_before))
		cfg_err(c, CFG_DIAG_SCHEMA, at, path,
			"%s: missing required key 'port' in service (or "
			"'any_port: true')",
			path);
}

static void dec_services(struct cfg_ctx *c, const struct cfg_ynode *n,
			 const struct cfg_dobj *o, const struct cfg_fdesc *f,
			 const struct cfg_path *p)
{
	struct raw_root *root = o->base;
	size_t cnt, i = 0;

	if (!n || cfg_ynode_type(n) != CFG_YSEQ) {
		cfg_type_error(c, n, p, "a list of services");
		return;
	}
	cnt = cfg_ynode_count(n);
	root->svcs =
	    cfg_arena_calloc(c->scratch, cnt ? cnt : 1, sizeof(*root->svcs));
	if (!root->svcs)
		return;
	root->n_svcs = cnt;
	cfg_node_for_each(n, it)
	{
		struct raw_service *rs = &root->svcs[i];
		const struct cfg_ynode *in = cfg_node_at(c, it);
		struct cfg_path ip = {p, NULL, i++};
		struct cfg_dobj so = {rs, &rs->seen, rs->loc, NULL};

		cfg_apply_defaults(&service_o, rs);
		rs->s.loc = cfg_node_loc(c, in);
		if (!in || cfg_ynode_type(in) != CFG_YMAP) {
			cfg_type_error(c, in, &ip, "a service (a mapping)");
			continue;
		}
		size_t before = c->n_errors;

		cfg_decode_object(c, in, &service_o, &so, &ip);
		check_service_shape(c, in, rs, &ip, before);
	}
}

/* ---- top level --------------------------------------------------------- */

#define RT(field) offsetof(struct raw_root, field)

static const struct cfg_fdesc xdp_f[] = {
    {.key = "forwarding",
     .kind = FK_ENUM,
     .en = &xdp_fwd_e,
     .def = CFG_FWD_DSR,
     .id = XDP_FORWARDING,
     .off = RT(dp.xdp.forwarding)},
    {.key = "mode",
     .kind = FK_ENUM,
     .en = &xdp_mode_e,
     .def = CFG_XDP_MODE_AUTO,
     .id = XDP_MODE,
     .off = RT(dp.xdp.mode)},
    {.key = "ring_size",
     .kind = FK_UINT,
     .size = 4,
     .min = 0,
     .max = UINT32_MAX,
     .def = LB_RING_DEFAULT_SIZE,
     .id = XDP_RING_SIZE,
     .off = RT(dp.xdp.ring_size)},
    {.key = "ring_memory",
     .kind = FK_UINT,
     .size = 4,
     .min = 1,
     .max = 4095,
     .def = 160,
     .id = XDP_RING_MEMORY,
     .off = RT(dp.xdp.ring_memory),
     .hint = "MiB"},
    {.key = "flow_table_size",
     .kind = FK_UINT,
     .size = 4,
     .min = 1024,
     .max = 67108864,
     .def = 262144,
     .id = XDP_FLOW_TABLE,
     .off = RT(dp.xdp.flow_table_size),
     .hint = "entries per CPU"},
    {.key = "max_services",
     .kind = FK_UINT,
     .size = 4,
     .min = 1,
     .max = UINT32_MAX,
     .def = 1024,
     .id = XDP_MAX_SERVICES,
     .off = RT(dp.xdp.max_services)},
    {.key = "max_reals",
     .kind = FK_UINT,
     .size = 4,
     .min = 1,
     .max = UINT32_MAX,
     .def = 65536,
     .id = XDP_MAX_REALS,
     .off = RT(dp.xdp.max_reals)},
    {.key = "new_flow_limit",
     .kind = FK_UINT,
     .size = 4,
     .min = 0,
     .max = UINT32_MAX,
     .id = XDP_NEW_FLOW_LIMIT,
     .off = RT(dp.xdp.new_flow_limit)},
    {.key = "tunnel_source_v4",
     .kind = FK_ADDR,
     .min = AF_INET,
     .id = XDP_TUN_SRC4,
     .off = RT(dp.xdp.tunnel_source_v4)},
    {.key = "tunnel_source_v6",
     .kind = FK_ADDR,
     .min = AF_INET6,
     .id = XDP_TUN_SRC6,
     .off = RT(dp.xdp.tunnel_source_v6)},
    {.key = "pin_path",
     .kind = FK_PATH,
     .dstr = "/sys/fs/bpf/ballast",
     .id = XDP_PIN_PATH,
     .off = RT(dp.xdp.pin_path)},
};
ODESC(xdp_o, "dataplane.xdp", xdp_f);

static const struct cfg_fdesc ipvs_f[] = {
    {.key = "forwarding",
     .kind = FK_ENUM,
     .en = &ipvs_fwd_e,
     .def = CFG_FWD_NAT,
     .id = IPVS_FORWARDING,
     .off = RT(dp.ipvs.forwarding)},
    {.key = "tunnel_type",
     .kind = FK_ENUM,
     .en = &tun_e,
     .def = CFG_TUN_IPIP,
     .id = IPVS_TUNNEL_TYPE,
     .off = RT(dp.ipvs.tunnel_type)},
    {.key = "tunnel_port",
     .kind = FK_UINT,
     .size = 2,
     .min = 1,
     .max = 65535,
     .id = IPVS_TUNNEL_PORT,
     .off = RT(dp.ipvs.tunnel_port)},
};
ODESC(ipvs_o, "dataplane.ipvs", ipvs_f);

static const struct cfg_fdesc fake_f[] = {
    {.key = "state_file",
     .kind = FK_STR,
     .max = 4096,
     .id = FAKE_STATE_FILE,
     .off = RT(dp.fake.state_file)},
};
ODESC(fake_o, "dataplane.fake", fake_f);

static const struct cfg_fdesc dp_f[] = {
    {.key = "driver",
     .kind = FK_ENUM,
     .en = &driver_e,
     .required = true,
     .id = DP_DRIVER,
     .off = RT(dp.driver)},
    {.key = "interface",
     .kind = FK_IFNAME,
     .id = DP_INTERFACE,
     .off = RT(dp.interface)},
    {.key = "xdp", .kind = FK_OBJ, .obj = &xdp_o, .id = DP_XDP},
    {.key = "ipvs", .kind = FK_OBJ, .obj = &ipvs_o, .id = DP_IPVS},
    {.key = "fake", .kind = FK_OBJ, .obj = &fake_o, .id = DP_FAKE},
};
ODESC(dp_o, "dataplane", dp_f);

static const struct cfg_fdesc ha_f[] = {
    {.key = "mode",
     .kind = FK_ENUM,
     .en = &ha_e,
     .def = CFG_HA_NONE,
     .id = HA_MODE,
     .off = RT(ha.mode)},
    {.key = "interface",
     .kind = FK_IFNAME,
     .id = HA_INTERFACE,
     .off = RT(ha.interface)},
    {.key = "standby",
     .kind = FK_ENUM,
     .en = &standby_e,
     .def = CFG_STANDBY_WITHDRAW,
     .id = HA_STANDBY,
     .off = RT(ha.standby)},
    {.key = "provider",
     .kind = FK_ENUM,
     .en = &provider_e,
     .def = CFG_HA_PROVIDER_KEEPALIVED,
     .id = HA_PROVIDER,
     .off = RT(ha.provider)},
};
ODESC(ha_o, "ha", ha_f);

static const struct cfg_fdesc daemon_f[] = {
    {.key = "tick",
     .kind = FK_DUR,
     .min = 100,
     .max = 3600000,
     .def = 5000,
     .id = DM_TICK,
     .off = RT(dm.tick_ms)},
    {.key = "api_socket",
     .kind = FK_PATH,
     .dstr = "/run/ballast/ballast.sock",
     .id = DM_API_SOCKET,
     .off = RT(dm.api_socket)},
    {.key = "api_listen",
     .kind = FK_HOSTPORT,
     .id = DM_API_LISTEN,
     .off = RT(dm.api_listen)},
    {.key = "api_token_file",
     .kind = FK_PATH,
     .id = DM_API_TOKEN,
     .off = RT(dm.api_token_file)},
    {.key = "api_tls_cert",
     .kind = FK_PATH,
     .id = DM_API_TLS_CERT,
     .off = RT(dm.api_tls_cert)},
    {.key = "api_tls_key",
     .kind = FK_PATH,
     .id = DM_API_TLS_KEY,
     .off = RT(dm.api_tls_key)},
    {.key = "metrics_listen",
     .kind = FK_HOSTPORT,
     .nullable = true,
     .dstr = "127.0.0.1:9469",
     .id = DM_METRICS,
     .off = RT(dm.metrics_listen)},
    {.key = "log_level",
     .kind = FK_ENUM,
     .size = 1,
     .en = &log_e,
     .dstr = "info",
     .id = DM_LOG_LEVEL,
     .off = RT(dm.log_level)},
    {.key = "max_removal_fraction",
     .kind = FK_STR,
     .max = 32,
     .dstr = "0.5",
     .id = DM_MAX_REMOVAL,
     .off = RT(max_removal_text)},
    {.key = "allow_mass_removal",
     .kind = FK_BOOL,
     .id = DM_ALLOW_MASS_REMOVAL,
     .off = RT(dm.allow_mass_removal)},
};
ODESC(daemon_o, "daemon", daemon_f);

static const struct cfg_fdesc root_f[] = {
    {.key = "version",
     .kind = FK_UINT,
     .size = 4,
     .min = 1,
     .max = 1,
     .required = true,
     .id = RT_VERSION,
     .off = RT(version),
     .hint = "this release reads format version 1"},
    {.key = "dataplane",
     .kind = FK_OBJ,
     .obj = &dp_o,
     .required = true,
     .id = RT_DATAPLANE},
    {.key = "ha", .kind = FK_OBJ, .obj = &ha_o, .id = RT_HA},
    {.key = "vrrp",
     .kind = FK_CUSTOM,
     .custom = cfg_dec_vrrp,
     .id = RT_VRRP,
     .off = RT(vrrp)},
    {.key = "bgp",
     .kind = FK_CUSTOM,
     .custom = cfg_dec_bgp,
     .id = RT_BGP,
     .off = RT(bgp)},
    {.key = "daemon", .kind = FK_OBJ, .obj = &daemon_o, .id = RT_DAEMON},
    {.key = "health",
     .kind = FK_CUSTOM,
     .custom = dec_health,
     .id = RT_HEALTH,
     .off = RT(health)},
    {.key = "pools", .kind = FK_CUSTOM, .custom = dec_pools, .id = RT_POOLS},
    {.key = "services",
     .kind = FK_CUSTOM,
     .custom = dec_services,
     .id = RT_SERVICES},
};
ODESC(root_o, "the configuration", root_f);

static void dec_health(struct cfg_ctx *c, const struct cfg_ynode *n,
		       const struct cfg_dobj *o, const struct cfg_fdesc *f,
		       const struct cfg_path *p)
{
	struct raw_health **out = field_ptr(o, f);
	struct raw_health *rh;
	struct cfg_dobj ho;

	if (!n || cfg_ynode_type(n) != CFG_YMAP) {
		cfg_type_error(c, n, p, "a mapping of health-check settings");
		return;
	}
	rh = cfg_arena_alloc(c->scratch, sizeof(*rh));
	if (!rh)
		return;
	rh->at = cfg_node_loc(c, n);
	ho = (struct cfg_dobj){rh, &rh->seen, rh->loc, &rh->h.set};
	cfg_decode_object(c, n, &health_o, &ho, p);
	*out = rh;
}

void cfg_decode_root(struct cfg_ctx *c, const struct cfg_ynode *node,
		     struct raw_root *root)
{
	struct cfg_dobj ro = {root, &root->seen, root->loc, NULL};

	cfg_apply_defaults(&root_o, root);
	root->at = cfg_node_loc(c, node);
	if (!node || cfg_node_is_null(c, node)) {
		cfg_err(c, CFG_DIAG_SCHEMA, root->at, "",
			"the configuration is empty; it needs at least "
			"'version: 1' and 'dataplane'");
		return;
	}
	cfg_decode_object(c, node, &root_o, &ro, NULL);
}
