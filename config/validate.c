// SPDX-License-Identifier: GPL-2.0-only
/*
 * Semantic checks: a file that is well-formed but cannot work, or cannot
 * work on the chosen driver. Every check reports at the place the user has
 * to change. Duplicate detection sorts, so a file of 100,000 backends costs
 * milliseconds.
 */
#include "config/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/ring_size.h"

#define SEEN(r, id) ((r)->seen & (1ull << (id)))
#define BIT(x) (1u << (x))

struct vctx {
	struct cfg_ctx *c;
	const struct raw_root *root;
	const struct cfg *cfg;
	const struct cfg_driver_caps *caps;
	const char *drv;
};

#define E(v, loc, path, ...)                                                   \
	cfg_err((v)->c, CFG_DIAG_SEMANTIC, loc, path, __VA_ARGS__)
#define W(v, loc, path, ...) cfg_warn((v)->c, loc, path, __VA_ARGS__)

static struct cfg_loc root_loc(const struct vctx *v, int id)
{
	return SEEN(v->root, id) ? v->root->loc[id] : v->root->at;
}

static struct cfg_loc svc_loc(const struct raw_service *rs, int id)
{
	return SEEN(rs, id) ? rs->loc[id] : rs->s.loc;
}

static const char *fam_name(int f)
{
	return f == AF_INET6 ? "IPv6" : "IPv4";
}


static size_t sched_list(uint32_t mask, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = 0;
	for (int s = 0; s < CFG_SCHED__COUNT && at < len; s++) {
		if (mask & BIT(s)) {
			int k =
			    snprintf(buf + at, len - at, "%s%s", at ? ", " : "",
				     cfg_sched_name((enum cfg_sched)s));
			if (k > 0)
				at += (size_t)k;
		}
	}
	return at;
}

static size_t fwd_list(uint32_t mask, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = 0;
	for (int f = CFG_FWD_DSR; f < CFG_FWD__COUNT && at < len; f++) {
		if (mask & BIT(f)) {
			int k =
			    snprintf(buf + at, len - at, "%s%s", at ? ", " : "",
				     cfg_fwd_name((enum cfg_fwd)f));
			if (k > 0)
				at += (size_t)k;
		}
	}
	return at;
}

/*
 * Why an address cannot be a service or backend address, or NULL; *fix
 * says what to write instead. The schema refuses the unspecified address.
 */
const char *cfg_addr_class_problem(const struct lb_addr *a, const char **fix)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0,    0,
					   0, 0, 0, 0, 0xff, 0xff};

	*fix = "name a unicast address";
	if (a->family == AF_INET) {
		if (a->b[0] >= 224 && a->b[0] <= 239)
			return "a multicast address (224.0.0.0/4)";
		if (a->w[0] == 0xffffffffu)
			return "the limited broadcast address";
		if (a->b[0] == 0)
			return "in 0.0.0.0/8, 'this network', never a "
			       "destination";
		return NULL;
	}
	if (a->b[0] == 0xff)
		return "a multicast address (ff00::/8)";
	if (!memcmp(a->b, mapped, sizeof(mapped))) {
		*fix = "write the IPv4 address itself";
		return "an IPv4-mapped IPv6 address (::ffff:0:0/96), which "
		       "exists only inside dual-stack sockets";
	}
	return NULL;
}

/*
 * "2001:db8::1:80" is a valid address, but the last group reads like a
 * port someone forgot to bracket. Returns true with the likely meaning in
 * buf: the canonical text with "::" minus its last group is an address
 * too, and that group is written with decimal digits only (two or more).
 */
static bool v6_port_suspect(const struct lb_addr *a, char *buf, size_t len)
{
	char txt[LB_ADDR_STRLEN], *colon, *end;
	struct lb_addr head;
	unsigned long port;

	if (a->family != AF_INET6)
		return false;
	lb_addr_fmt(a, txt, sizeof(txt));
	colon = strrchr(txt, ':');
	if (!colon || !strstr(txt, "::") || colon[-1] == ':' ||
	    strlen(colon + 1) < 2 ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return false;
	port = strtoul(colon + 1, &end, 10);
	if (!port || port > 65535)
		return false;
	*colon = 0;
	if (lb_addr_parse(txt, &head))
		return false;
	snprintf(buf, len, "[%s]:%lu", txt, port);
	return true;
}

static void check_dataplane(struct vctx *v)
{
	const struct cfg_dataplane *dp = &v->cfg->dataplane;
	const struct cfg_driver_caps *xc = cfg_driver_caps(CFG_DRIVER_XDP);
	uint32_t rs = dp->xdp.ring_size;

	if (dp->driver == CFG_DRIVER_XDP && !dp->interface)
		E(v, root_loc(v, RT_DATAPLANE), "dataplane.interface",
		  "the xdp driver needs 'interface': the network device to "
		  "attach to (e.g. 'interface: eth0')");
	if (dp->driver == CFG_DRIVER_XDP) {
		struct cfg_loc at = SEEN(v->root, XDP_RING_SIZE)
					? v->root->loc[XDP_RING_SIZE]
					: root_loc(v, RT_DATAPLANE);

		if (rs < LB_RING_MIN_SIZE || rs > LB_RING_MAX_SIZE)
			E(v, at, "dataplane.xdp.ring_size",
			  "ring_size %u is out of range; allowed %u..%u "
			  "and prime (e.g. %u)",
			  rs, LB_RING_MIN_SIZE, LB_RING_MAX_SIZE,
			  LB_RING_DEFAULT_SIZE);
		else if (!lb_ring_size_ok(rs))
			E(v, at, "dataplane.xdp.ring_size",
			  "ring_size %u is not prime; Maglev needs a prime "
			  "table size (the next prime is %u)",
			  rs, lb_ring_size_next(rs));
		/* 8 bytes an entry: one service's two rings of ring_size. */
		else if ((uint64_t)dp->xdp.ring_memory << 20 < 16ull * rs)
			E(v,
			  SEEN(v->root, XDP_RING_MEMORY)
			      ? v->root->loc[XDP_RING_MEMORY]
			      : at,
			  "dataplane.xdp.ring_memory",
			  "ring_memory %u MiB cannot hold one service's two "
			  "rings of ring_size %u (8 bytes an entry); raise "
			  "ring_memory to at least %llu",
			  dp->xdp.ring_memory, rs,
			  (unsigned long long)(16ull * rs + (1u << 20) - 1) >>
			      20);
	}
	if (dp->driver == CFG_DRIVER_XDP) {
		if (dp->xdp.max_services > xc->max_services)
			E(v, v->root->loc[XDP_MAX_SERVICES],
			  "dataplane.xdp.max_services",
			  "max_services %u is above what the xdp driver can "
			  "hold (%u)",
			  dp->xdp.max_services, xc->max_services);
		if (dp->xdp.max_reals > xc->max_reals)
			E(v, v->root->loc[XDP_MAX_REALS],
			  "dataplane.xdp.max_reals",
			  "max_reals %u is above what the xdp driver can hold "
			  "(%u)",
			  dp->xdp.max_reals, xc->max_reals);
	}
	if (dp->driver == CFG_DRIVER_IPVS) {
		if (dp->ipvs.tunnel_type == CFG_TUN_GUE &&
		    !dp->ipvs.tunnel_port)
			E(v, v->root->loc[IPVS_TUNNEL_TYPE],
			  "dataplane.ipvs.tunnel_port",
			  "a gue tunnel needs 'tunnel_port': the UDP port the "
			  "backends decapsulate on");
		if (dp->ipvs.tunnel_type != CFG_TUN_GUE &&
		    SEEN(v->root, IPVS_TUNNEL_PORT))
			E(v, v->root->loc[IPVS_TUNNEL_PORT],
			  "dataplane.ipvs.tunnel_port",
			  "tunnel_port applies to 'tunnel_type: gue' only");
	}
	if (dp->fake.state_file && !*dp->fake.state_file)
		E(v, v->root->loc[FAKE_STATE_FILE], "dataplane.fake.state_file",
		  "state_file is empty; name a file, or remove the key to keep "
		  "the state in memory only");
	if (v->cfg->ha.mode == CFG_HA_VRRP && !v->cfg->ha.interface)
		E(v, root_loc(v, RT_HA), "ha.interface",
		  "vrrp HA needs 'interface': the device the virtual addresses "
		  "appear on");
	if (v->cfg->daemon.api_listen && !v->cfg->daemon.api_token_file)
		E(v, v->root->loc[DM_API_LISTEN], "daemon.api_listen",
		  "a TCP API needs 'api_token_file' so clients must present a "
		  "bearer token");
	if (!v->cfg->daemon.api_tls_cert != !v->cfg->daemon.api_tls_key)
		E(v,
		  v->root->loc[v->cfg->daemon.api_tls_cert ? DM_API_TLS_CERT
							   : DM_API_TLS_KEY],
		  v->cfg->daemon.api_tls_cert ? "daemon.api_tls_cert"
					      : "daemon.api_tls_key",
		  "TLS needs both 'api_tls_cert' and 'api_tls_key' (PEM "
		  "files); set the other one, or remove this one");
	else if (v->cfg->daemon.api_tls_cert && !v->cfg->daemon.api_listen)
		E(v, v->root->loc[DM_API_TLS_CERT], "daemon.api_tls_cert",
		  "TLS applies to the TCP API only: set 'api_listen' too, or "
		  "remove 'api_tls_cert' and 'api_tls_key' (the unix socket "
		  "needs none)");
}

/* ---- duplicates -------------------------------------------------------- */

struct svc_key {
	struct lb_addr addr;
	uint32_t fwmark;
	uint16_t port;
	uint8_t proto;
	uint8_t pad;
	size_t idx;
};

static int svc_key_cmp(const void *a, const void *b)
{
	const struct svc_key *x = a, *y = b;
	int r = memcmp(x, y, offsetof(struct svc_key, idx));

	return r ? r : (x->idx < y->idx ? -1 : x->idx > y->idx);
}

int cfg_name_key_cmp(const void *a, const void *b)
{
	const struct cfg_name_key *x = a, *y = b;
	int r = strcmp(x->name, y->name);

	return r ? r : (x->idx < y->idx ? -1 : x->idx > y->idx);
}

/*
 * An any_port service and port services on the same address and protocol
 * are legal: the forwarder looks the port up first and falls back to the
 * any_port service (lb.bpf.c, find_service). Say so, as either reading is
 * plausible. keys are sorted: per address, port 0 (any_port) comes first.
 */
static void check_any_port_overlap(struct vctx *v, const struct svc_key *keys,
				   size_t n)
{
	size_t any[3] = {SIZE_MAX, SIZE_MAX, SIZE_MAX}; /* tcp, udp, sctp */
	char path[64], a[LB_ADDR_STRLEN];

	for (size_t i = 0; i < n; i++) {
		const struct cfg_service *s = &v->cfg->services[keys[i].idx];
		size_t pi = s->proto == CFG_PROTO_UDP	 ? 1
			    : s->proto == CFG_PROTO_SCTP ? 2
							 : 0;
		const struct cfg_service *as;

		if (i && memcmp(&keys[i].addr, &keys[i - 1].addr,
				sizeof(keys[i].addr)))
			any[0] = any[1] = any[2] = SIZE_MAX;
		if (s->fwmark)
			continue;
		if (s->flags & CFG_SVC_ANY_PORT) {
			if (any[pi] == SIZE_MAX)
				any[pi] = keys[i].idx;
			continue;
		}
		if (any[pi] == SIZE_MAX)
			continue;
		as = &v->cfg->services[any[pi]];
		snprintf(path, sizeof(path), "services[%zu]", keys[i].idx);
		W(v, svc_loc(&v->root->svcs[keys[i].idx], SV_PORT), path,
		  "service '%s' takes port %u of %s %s; the any_port service "
		  "'%s' (line %u) takes every other port",
		  s->name, s->port, lb_addr_fmt(&s->addr, a, sizeof(a)),
		  cfg_proto_name(s->proto), as->name, as->loc.line);
	}
}

static void check_service_duplicates(struct vctx *v)
{
	const struct raw_root *root = v->root;
	size_t n = root->n_svcs;
	struct svc_key *keys =
	    cfg_arena_calloc(v->c->scratch, n ? n : 1, sizeof(*keys));
	struct cfg_name_key *names =
	    cfg_arena_calloc(v->c->scratch, n ? n : 1, sizeof(*names));
	char path[64], a[LB_ADDR_STRLEN];

	if (!keys || !names)
		return;
	for (size_t i = 0; i < n; i++) {
		const struct cfg_service *s = &v->cfg->services[i];

		keys[i].idx = i;
		keys[i].addr = s->addr;
		if (s->fwmark) {
			keys[i].fwmark = s->fwmark;
		} else {
			keys[i].port = s->port;
			keys[i].proto = (uint8_t)s->proto;
		}
		names[i] = (struct cfg_name_key){s->name, i};
	}
	qsort(keys, n, sizeof(*keys), svc_key_cmp);
	qsort(names, n, sizeof(*names), cfg_name_key_cmp);
	for (size_t i = 1, first = 0; i < n; i++) {
		const struct raw_service *rs, *r0;

		if (memcmp(&keys[first], &keys[i],
			   offsetof(struct svc_key, idx))) {
			first = i;
			continue;
		}
		rs = &root->svcs[keys[i].idx];
		r0 = &root->svcs[keys[first].idx];
		snprintf(path, sizeof(path), "services[%zu]", keys[i].idx);
		if (rs->s.fwmark)
			E(v, svc_loc(rs, SV_FWMARK), path,
			  "service '%s' uses fwmark %u (%s) like service '%s' "
			  "(line %u); each fwmark service needs its own mark",
			  rs->s.name, rs->s.fwmark, fam_name(rs->family),
			  r0->s.name, r0->s.loc.line);
		else
			E(v, svc_loc(rs, SV_ADDRESS), path,
			  "service '%s' has the same address, port and "
			  "protocol (%s %s) as service '%s' (line %u)",
			  rs->s.name,
			  lb_addr_port_fmt(&rs->s.addr, rs->s.port, a,
					   sizeof(a)),
			  cfg_proto_name(rs->s.proto), r0->s.name,
			  r0->s.loc.line);
	}
	check_any_port_overlap(v, keys, n);
	for (size_t i = 1, first = 0; i < n; i++) {
		const struct raw_service *rs;

		if (strcmp(names[first].name, names[i].name)) {
			first = i;
			continue;
		}
		rs = &root->svcs[names[i].idx];
		snprintf(path, sizeof(path), "services[%zu].name",
			 names[i].idx);
		E(v, svc_loc(rs, SV_NAME), path,
		  "service name '%s' is already used by the service at line "
		  "%u; names must be unique",
		  rs->s.name, root->svcs[names[first].idx].s.loc.line);
	}
}

struct bk_key {
	struct lb_addr addr;
	uint16_t port;
	uint16_t pad;
	uint32_t idx;
};

static int bk_key_cmp(const void *a, const void *b)
{
	const struct bk_key *x = a, *y = b;
	int r = memcmp(x, y, offsetof(struct bk_key, idx));

	return r ? r : (x->idx < y->idx ? -1 : x->idx > y->idx);
}

/* ---- pools ------------------------------------------------------------- */

static const char *bk_path(char *buf, size_t len, const char *pool, size_t k)
{
	snprintf(buf, len, "pools.%s.backends[%zu]", pool, k);
	return buf;
}

static void check_pool(struct vctx *v, size_t pi, struct bk_key *keys)
{
	const struct raw_pool *rp = &v->root->pools[pi];
	const struct cfg_pool *p = &v->cfg->pools[pi];
	bool ipvs_like = v->cfg->dataplane.driver != CFG_DRIVER_XDP;
	char path[160], a[LB_ADDR_STRLEN], a2[LB_ADDR_STRLEN];
	char sug[LB_ADDR_STRLEN + 16];
	size_t zero = 0, disabled = 0, n_srcfam = 0, src_bad = 0;
	const char *why, *fix;

	for (size_t k = 0; k < p->n_backends; k++) {
		const struct raw_backend *rb = &rp->bk[k];
		const struct cfg_backend *b = &p->backends[k];

		keys[k] = (struct bk_key){
		    .addr = b->addr, .port = b->port, .idx = (uint32_t)k};
		zero += b->weight == 0 || b->disabled;
		disabled += b->disabled;
		/* A warning: the dataplane's own refusal stays reachable. */
		if ((why = cfg_addr_class_problem(&b->addr, &fix)))
			W(v, rb->loc[BK_ADDRESS],
			  bk_path(path, sizeof(path), p->name, k),
			  "backend %s is %s; %s",
			  lb_addr_fmt(&b->addr, a, sizeof(a)), why, fix);
		/* Only the 'ADDRESS:PORT' shorthand can hide a port: there
		 * the address is the item itself, in a mapping it is not. */
		if (!b->port && rb->loc[BK_ADDRESS].line == b->loc.line &&
		    rb->loc[BK_ADDRESS].col == b->loc.col &&
		    v6_port_suspect(&b->addr, sug, sizeof(sug)))
			W(v, rb->loc[BK_ADDRESS],
			  bk_path(path, sizeof(path), p->name, k),
			  "backend %s is read as an IPv6 address; did you mean "
			  "%s? Write '%s' for the port, or '{address: %s}' to "
			  "keep the address",
			  lb_addr_fmt(&b->addr, a, sizeof(a)), sug, sug, a);
		if (!ipvs_like && SEEN(rb, BK_FORWARDING))
			E(v, rb->loc[BK_FORWARDING],
			  bk_path(path, sizeof(path), p->name, k),
			  "a per-backend 'forwarding' is an IPVS setting; with "
			  "xdp set the service's 'forwarding'");
		if (!ipvs_like && SEEN(rb, BK_UPPER))
			E(v, rb->loc[BK_UPPER],
			  bk_path(path, sizeof(path), p->name, k),
			  "'upper_threshold' is an IPVS connection limit; the "
			  "xdp driver has none");
		if (!ipvs_like && SEEN(rb, BK_LOWER))
			E(v, rb->loc[BK_LOWER],
			  bk_path(path, sizeof(path), p->name, k),
			  "'lower_threshold' is an IPVS connection limit; the "
			  "xdp driver has none");
		if (b->upper_threshold &&
		    b->lower_threshold > b->upper_threshold)
			E(v, rb->loc[BK_LOWER],
			  bk_path(path, sizeof(path), p->name, k),
			  "lower_threshold %u is above upper_threshold %u",
			  b->lower_threshold, b->upper_threshold);
		if (b->health->source.family &&
		    b->health->source.family != b->addr.family && !n_srcfam++)
			src_bad = k;
	}
	if (n_srcfam) {
		const struct cfg_backend *b = &p->backends[src_bad];
		char more[64] = "";

		if (n_srcfam > 1)
			snprintf(more, sizeof(more),
				 " (%zu more backend%s of the pool too)",
				 n_srcfam - 1, n_srcfam > 2 ? "s" : "");
		snprintf(path, sizeof(path), "pools.%s.backends[%zu]", p->name,
			 src_bad);
		E(v, b->loc, path,
		  "backend %s is %s but its health check source %s is %s; set "
		  "a source of the same family%s",
		  lb_addr_fmt(&b->addr, a, sizeof(a)), fam_name(b->addr.family),
		  lb_addr_fmt(&b->health->source, a2, sizeof(a2)),
		  fam_name(b->health->source.family), more);
	}
	if (p->n_backends && disabled == p->n_backends)
		W(v, rp->at, "pools",
		  "every backend of pool '%s' is disabled; services using it "
		  "have no backend to send traffic to",
		  p->name);
	else if (p->n_backends && zero == p->n_backends && !disabled)
		W(v, rp->at, "pools",
		  "every backend of pool '%s' has weight 0; it takes no new "
		  "flows",
		  p->name);
	else if (p->n_backends && zero == p->n_backends)
		W(v, rp->at, "pools",
		  "no backend of pool '%s' takes new flows: each is disabled "
		  "or has weight 0",
		  p->name);
	qsort(keys, p->n_backends, sizeof(*keys), bk_key_cmp);
	for (size_t i = 1, first = 0; i < p->n_backends; i++) {
		const struct cfg_backend *b;

		if (memcmp(&keys[first], &keys[i],
			   offsetof(struct bk_key, idx))) {
			first = i;
			continue;
		}
		b = &p->backends[keys[i].idx];
		snprintf(path, sizeof(path), "pools.%s.backends[%u]", p->name,
			 keys[i].idx);
		if (b->port)
			lb_addr_port_fmt(&b->addr, b->port, a, sizeof(a));
		else
			lb_addr_fmt(&b->addr, a, sizeof(a));
		E(v, b->loc, path,
		  "backend %s is listed twice in pool '%s' (first at line %u)",
		  a, p->name, p->backends[keys[first].idx].loc.line);
	}
}

/* ---- services ---------------------------------------------------------- */

/* Can this (service, backend) pair be forwarded at all? */
static void check_pair(struct vctx *v, const struct cfg_service *s,
		       const struct cfg_pool *p, size_t pi, size_t k)
{
	const struct raw_backend *rb = &v->root->pools[pi].bk[k];
	const struct cfg_backend *b = &p->backends[k];
	enum cfg_fwd fwd = b->forwarding ? b->forwarding : s->forwarding;
	char path[160], a[LB_ADDR_STRLEN];

	if (b->addr.family != s->addr.family &&
	    !(v->caps->mixed_family &&
	      (fwd == CFG_FWD_DSR || fwd == CFG_FWD_TUNNEL))) {
		snprintf(path, sizeof(path), "pools.%s.backends[%zu].address",
			 p->name, k);
		E(v, rb->loc[BK_ADDRESS], path,
		  "backend %s is %s but service '%s' is %s; %s forwarding "
		  "cannot cross address families (dsr and tunnel can)",
		  lb_addr_fmt(&b->addr, a, sizeof(a)), fam_name(b->addr.family),
		  s->name, fam_name(s->addr.family), cfg_fwd_name(fwd));
	}
	if (b->port && b->port != s->port &&
	    (fwd == CFG_FWD_DSR || fwd == CFG_FWD_DR ||
	     fwd == CFG_FWD_TUNNEL)) {
		snprintf(path, sizeof(path), "pools.%s.backends[%zu].port",
			 p->name, k);
		if (s->port)
			E(v, rb->loc[BK_PORT], path,
			  "backend port %u differs from service '%s' port %u, "
			  "but %s forwarding cannot rewrite ports; remove the "
			  "backend's port or use nat",
			  b->port, s->name, s->port, cfg_fwd_name(fwd));
		else
			E(v, rb->loc[BK_PORT], path,
			  "backend port %u: service '%s' matches every port "
			  "and %s forwarding keeps it; remove the backend's "
			  "port",
			  b->port, s->name, cfg_fwd_name(fwd));
	}
}

static const char *svc_path(char *buf, size_t len, size_t i, const char *key)
{
	snprintf(buf, len, "services[%zu].%s", i, key);
	return buf;
}
#define SP(buf, i, key) svc_path(buf, sizeof(buf), i, key)

/*
 * "10.0.0.1" and "10.0.0.1:80" differ in the pool but are one real for a
 * service on port 80. Only pools mixing both forms need the second look.
 */
static void check_effective_ports(struct vctx *v, const struct cfg_service *s,
				  const struct cfg_pool *p, struct bk_key *keys)
{
	size_t with_port = 0;
	char path[160], a[LB_ADDR_STRLEN];

	for (size_t k = 0; k < p->n_backends; k++)
		with_port += p->backends[k].port != 0;
	if (!with_port || with_port == p->n_backends)
		return;
	for (size_t k = 0; k < p->n_backends; k++) {
		const struct cfg_backend *b = &p->backends[k];

		keys[k] = (struct bk_key){.addr = b->addr,
					  .port = b->port ? b->port : s->port,
					  .idx = (uint32_t)k};
	}
	qsort(keys, p->n_backends, sizeof(*keys), bk_key_cmp);
	for (size_t i = 1, first = 0; i < p->n_backends; i++) {
		const struct cfg_backend *b;

		if (memcmp(&keys[first], &keys[i],
			   offsetof(struct bk_key, idx))) {
			first = i;
			continue;
		}
		b = &p->backends[keys[i].idx];
		E(v, b->loc, bk_path(path, sizeof(path), p->name, keys[i].idx),
		  "backend %s is the same real as the backend at line %u for "
		  "service '%s' (port %u); list it once",
		  lb_addr_port_fmt(&b->addr, keys[i].port, a, sizeof(a)),
		  p->backends[keys[first].idx].loc.line, s->name, s->port);
	}
}

static void check_service(struct vctx *v, size_t i, size_t *reals, bool *used,
			  struct bk_key *keys)
{
	const struct raw_service *rs = &v->root->svcs[i];
	const struct cfg_service *s = &v->cfg->services[i];
	const struct cfg_driver_caps *caps = v->caps;
	char path[64], list[256], a[LB_ADDR_STRLEN];
	const char *why, *fix;
	size_t n;

	if (!(caps->schedulers & BIT(s->sched))) {
		sched_list(caps->schedulers, list, sizeof(list));
		E(v, svc_loc(rs, SV_SCHEDULER), SP(path, i, "scheduler"),
		  "scheduler '%s' of service '%s' is not supported by the %s "
		  "driver; it supports: %s",
		  cfg_sched_name(s->sched), s->name, v->drv, list);
	}
	if (!(caps->forwarding & BIT(s->forwarding))) {
		fwd_list(caps->forwarding, list, sizeof(list));
		E(v, svc_loc(rs, SV_FORWARDING), SP(path, i, "forwarding"),
		  "forwarding '%s' of service '%s' is not supported by the %s "
		  "driver; it supports: %s",
		  cfg_fwd_name(s->forwarding), s->name, v->drv, list);
	}
	if (!s->fwmark && (why = cfg_addr_class_problem(&s->addr, &fix)))
		E(v, svc_loc(rs, SV_ADDRESS), SP(path, i, "address"),
		  "service '%s' address %s is %s; clients connect to a "
		  "virtual address, so %s",
		  s->name, lb_addr_fmt(&s->addr, a, sizeof(a)), why, fix);
	if (s->fwmark && SEEN(rs, SV_PROTOCOL))
		E(v, rs->loc[SV_PROTOCOL], SP(path, i, "protocol"),
		  "'protocol' has no effect on fwmark service '%s': the mark "
		  "alone selects its packets; match the protocol in the rule "
		  "that sets the mark and remove 'protocol'",
		  s->name);
	if (s->proto == CFG_PROTO_SCTP && !caps->sctp)
		E(v, svc_loc(rs, SV_PROTOCOL), SP(path, i, "protocol"),
		  "the %s driver cannot balance sctp", v->drv);
	if (s->fwmark && !caps->fwmark)
		E(v, svc_loc(rs, SV_FWMARK), SP(path, i, "fwmark"),
		  "the %s driver cannot match firewall marks; give service "
		  "'%s' an address and port",
		  v->drv, s->name);
	if ((s->flags & CFG_SVC_ANY_PORT) && !caps->any_port)
		E(v, svc_loc(rs, SV_ANY_PORT), SP(path, i, "any_port"),
		  "the %s driver cannot match every port of an address; give "
		  "service '%s' a port (or a fwmark)",
		  v->drv, s->name);
	if (SEEN(rs, SV_HASH) && s->hash == CFG_HASH_SOURCE &&
	    s->sched != CFG_SCHED_MAGLEV)
		E(v, rs->loc[SV_HASH], SP(path, i, "hash"),
		  "'hash: source' applies to the maglev scheduler; with '%s' "
		  "use 'scheduler: sh' or 'persistence' for client affinity",
		  cfg_sched_name(s->sched));
	if ((s->flags & (CFG_SVC_SCHED_FALLBACK | CFG_SVC_SCHED_PORT)) &&
	    s->sched != CFG_SCHED_SH && s->sched != CFG_SCHED_MH)
		E(v, rs->loc[SV_SCHED_FLAGS], SP(path, i, "scheduler_flags"),
		  "scheduler_flags apply to the sh and mh schedulers, not '%s'",
		  cfg_sched_name(s->sched));
	if (s->flags & CFG_SVC_PERSISTENT) {
		if (v->cfg->dataplane.driver == CFG_DRIVER_XDP)
			E(v, rs->loc[SV_PERSISTENCE],
			  SP(path, i, "persistence"),
			  "persistence is an IPVS setting; with xdp keep "
			  "clients on one backend with 'hash: source'");
		if (rs->pers_timeout_ms % 1000)
			E(v, rs->loc[SV_PERS_TIMEOUT],
			  SP(path, i, "persistence.timeout"),
			  "persistence timeout counts whole seconds; write "
			  "e.g. '300s'");
		if (s->persistence_prefix >
		    (s->addr.family == AF_INET6 ? 128 : 32))
			E(v, rs->loc[SV_PERS_NETMASK],
			  SP(path, i, "persistence.netmask"),
			  "persistence netmask /%u is too long for an %s "
			  "service (at most /%u)",
			  s->persistence_prefix, fam_name(s->addr.family),
			  s->addr.family == AF_INET6 ? 128 : 32);
	}

	if (s->pool == SIZE_MAX)
		return;
	used[s->pool] = true;
	n = v->cfg->pools[s->pool].n_backends;
	if (s->fallback_pool >= 0) {
		size_t fb = (size_t)s->fallback_pool;

		used[fb] = true;
		if (fb == s->pool)
			W(v, rs->loc[SV_FALLBACK], SP(path, i, "fallback_pool"),
			  "service '%s' falls back to its own pool '%s'; the "
			  "fallback can never help",
			  s->name, v->cfg->pools[fb].name);
		if (v->cfg->pools[fb].n_backends > n)
			n = v->cfg->pools[fb].n_backends;
		*reals += v->cfg->pools[fb].n_backends;
	}
	*reals += v->cfg->pools[s->pool].n_backends;
	if (n > caps->max_reals_per_service)
		E(v, svc_loc(rs, SV_POOL), SP(path, i, "pool"),
		  "service '%s' would have %zu reals; the %s driver allows %u "
		  "per service",
		  s->name, n, v->drv, caps->max_reals_per_service);
	else if (v->cfg->dataplane.driver == CFG_DRIVER_XDP &&
		 n >= v->cfg->dataplane.xdp.ring_size)
		E(v, svc_loc(rs, SV_POOL), SP(path, i, "pool"),
		  "service '%s' has %zu reals, not fewer than the Maglev "
		  "ring_size %u; raise dataplane.xdp.ring_size",
		  s->name, n, v->cfg->dataplane.xdp.ring_size);
	if (v->cfg->pools[s->pool].n_backends == 0)
		W(v, svc_loc(rs, SV_POOL), SP(path, i, "pool"),
		  "pool '%s' of service '%s' has no backends; the service "
		  "drops its traffic",
		  v->cfg->pools[s->pool].name, s->name);
	else if (v->cfg->pools[s->pool].n_backends == 1)
		W(v, svc_loc(rs, SV_POOL), SP(path, i, "pool"),
		  "pool '%s' of service '%s' has a single backend; there is no "
		  "redundancy",
		  v->cfg->pools[s->pool].name, s->name);

	for (size_t k = 0; k < v->cfg->pools[s->pool].n_backends; k++)
		check_pair(v, s, &v->cfg->pools[s->pool], s->pool, k);
	check_effective_ports(v, s, &v->cfg->pools[s->pool], keys);
	if (s->fallback_pool >= 0 && (size_t)s->fallback_pool != s->pool) {
		size_t fb = (size_t)s->fallback_pool;

		for (size_t k = 0; k < v->cfg->pools[fb].n_backends; k++)
			check_pair(v, s, &v->cfg->pools[fb], fb, k);
		check_effective_ports(v, s, &v->cfg->pools[fb], keys);
	}
}

static void check_totals(struct vctx *v, size_t reals)
{
	const struct cfg *cfg = v->cfg;
	struct cfg_loc at = root_loc(v, RT_SERVICES);

	if (cfg->n_services > v->caps->max_services)
		E(v, at, "services",
		  "%zu services are more than the %s driver can hold (%u)",
		  cfg->n_services, v->drv, v->caps->max_services);
	else if (cfg->dataplane.driver == CFG_DRIVER_XDP &&
		 cfg->n_services > cfg->dataplane.xdp.max_services)
		E(v, at, "services",
		  "%zu services are more than dataplane.xdp.max_services (%u); "
		  "raise it (up to %u)",
		  cfg->n_services, cfg->dataplane.xdp.max_services,
		  v->caps->max_services);
	if (reals > v->caps->max_reals)
		E(v, at, "services",
		  "the services use %zu reals (service-backend pairs), more "
		  "than the %s driver can hold (%u)",
		  reals, v->drv, v->caps->max_reals);
	else if (cfg->dataplane.driver == CFG_DRIVER_XDP &&
		 reals > cfg->dataplane.xdp.max_reals)
		E(v, at, "services",
		  "the services use %zu reals (service-backend pairs), more "
		  "than dataplane.xdp.max_reals (%u); raise it (up to %u)",
		  reals, cfg->dataplane.xdp.max_reals, v->caps->max_reals);
}

void cfg_validate(struct cfg_ctx *c, const struct raw_root *root,
		  const struct cfg *cfg)
{
	struct vctx v = {c, root, cfg, cfg_driver_caps(cfg->dataplane.driver),
			 cfg_driver_name(cfg->dataplane.driver)};
	size_t max_bk = 1, reals = 0;
	struct bk_key *keys;
	bool *used;

	check_dataplane(&v);
	cfg_validate_vrrp(c, root, cfg);
	cfg_validate_bgp(c, root, cfg);
	for (size_t i = 0; i < cfg->n_pools; i++)
		if (cfg->pools[i].n_backends > max_bk)
			max_bk = cfg->pools[i].n_backends;
	keys = cfg_arena_calloc(c->scratch, max_bk, sizeof(*keys));
	used = cfg_arena_calloc(c->scratch, cfg->n_pools ? cfg->n_pools : 1,
				sizeof(*used));
	if (!keys || !used)
		return;
	for (size_t i = 0; i < cfg->n_pools; i++)
		check_pool(&v, i, keys);
	check_service_duplicates(&v);
	for (size_t i = 0; i < cfg->n_services; i++)
		check_service(&v, i, &reals, used, keys);
	check_totals(&v, reals);
	for (size_t i = 0; i < cfg->n_pools; i++)
		if (!used[i])
			W(&v, root->pools[i].at, "pools",
			  "pool '%s' is not used by any service",
			  cfg->pools[i].name);
}
