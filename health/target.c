// SPDX-License-Identifier: GPL-2.0-only
/*
 * Distinct probe targets and the reals that share them. A target is keyed
 * by type, address, port and every probe parameter, so one probe serves
 * every (pool, backend) naming the same thing. Loading a config builds the
 * new table while the old one stays findable: a target whose key did not
 * change is adopted with its state, counters and history; new ones start
 * unknown with first probes spread over their interval; gone ones are
 * freed. A load that fails puts the old table back untouched.
 */
#include "health/health_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "lib/log.h"

/* ---- keys -------------------------------------------------------------- */

struct keybuf {
	char *p;
	size_t len;
	size_t cap;
	bool oom;
};

static void kb_put(struct keybuf *k, const void *v, size_t n)
{
	if (k->oom)
		return;
	if (k->len + n > k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 256;
		char *p;

		while (cap < k->len + n)
			cap *= 2;
		p = realloc(k->p, cap);
		if (!p) {
			k->oom = true;
			return;
		}
		k->p = p;
		k->cap = cap;
	}
	memcpy(k->p + k->len, v, n);
	k->len += n;
}

static void kb_u32(struct keybuf *k, uint32_t v)
{
	kb_put(k, &v, sizeof(v));
}

/* Strings length-prefixed, NULL distinct from "". */
static void kb_str(struct keybuf *k, const char *s)
{
	uint32_t n = s ? (uint32_t)strlen(s) : UINT32_MAX;

	kb_u32(k, n);
	if (s)
		kb_put(k, s, n);
}

static void key_http(struct keybuf *k, const struct cfg_health *h)
{
	kb_str(k, h->method);
	kb_str(k, h->path);
	kb_str(k, h->host);
	kb_u32(k, (uint32_t)h->n_expect);
	for (size_t i = 0; i < h->n_expect; i++) {
		kb_u32(k, h->expect[i].lo);
		kb_u32(k, h->expect[i].hi);
	}
	kb_str(k, h->body);
	kb_str(k, h->body_regex);
	kb_u32(k, h->max_response);
}

/* The parameters only some probe types use. */
static void key_type(struct keybuf *k, const struct cfg_health *h)
{
	if (h->type == CFG_HC_HTTP || h->type == CFG_HC_HTTPS)
		key_http(k, h);
	if (h->type == CFG_HC_HTTPS) {
		kb_u32(k, h->tls_verify);
		kb_str(k, h->ca_file);
		kb_str(k, h->sni);
	}
	if (h->type == CFG_HC_UDP) {
		kb_str(k, h->payload);
		kb_str(k, h->expect_payload);
	}
	if (h->type == CFG_HC_EXEC) {
		kb_u32(k, (uint32_t)h->n_command);
		for (size_t i = 0; i < h->n_command; i++)
			kb_str(k, h->command[i]);
	}
}

/* Every parameter that changes what a probe does or how results count. */
static void build_key(struct keybuf *k, const struct cfg_health *h,
		      const struct lb_addr *addr, uint16_t port)
{
	k->len = 0;
	kb_u32(k, h->type);
	kb_put(k, addr, sizeof(*addr));
	kb_u32(k, port);
	if (h->type == CFG_HC_NONE)
		return;
	kb_u32(k, h->interval_ms);
	kb_u32(k, h->fast_interval_ms);
	kb_u32(k, h->timeout_ms);
	kb_u32(k, h->rise);
	kb_u32(k, h->fall);
	kb_put(k, &h->source, sizeof(h->source));
	key_type(k, h);
}

static uint64_t fnv1a(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211ull;
	}
	return h;
}

/* ---- the table --------------------------------------------------------- */

/* Where the target with this key is linked in table b, or NULL. */
static struct hc_target **bucket_find(struct hc_target **b, size_t nb,
				      const struct keybuf *k, uint64_t hash)
{
	struct hc_target **pp;

	if (!nb)
		return NULL;
	for (pp = &b[hash % nb]; *pp; pp = &(*pp)->hnext)
		if ((*pp)->hash == hash && (*pp)->key_len == k->len &&
		    !memcmp((*pp)->key, k->p, k->len))
			return pp;
	return NULL;
}

static void bucket_add(struct hc_target **b, size_t nb, struct hc_target *t)
{
	t->hnext = b[t->hash % nb];
	b[t->hash % nb] = t;
}

static int rehash(struct hc_engine *e, size_t want)
{
	size_t nb = 64;
	struct hc_target **b;

	while (nb < want * 2)
		nb *= 2;
	if (nb <= e->n_buckets)
		return 0;
	b = calloc(nb, sizeof(*b));
	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < e->n_buckets; i++) {
		struct hc_target *t = e->buckets[i], *n;

		for (; t; t = n) {
			n = t->hnext;
			bucket_add(b, nb, t);
		}
	}
	free(e->buckets);
	e->buckets = b;
	e->n_buckets = nb;
	return 0;
}

/* ---- one target -------------------------------------------------------- */

bool hc_target_probed(const struct hc_target *t)
{
	return t->ops != &hc_none_ops && !t->config_error;
}

static void target_free(struct hc_target *t)
{
	if (!t)
		return;
	hc_probe_stop(t);
	if (t->ops && t->ops->unprepare)
		t->ops->unprepare(t);
	free(t->key);
	free(t);
}

void hc_targets_free(struct hc_target **buckets, size_t n_buckets)
{
	struct hc_target *t, *n;

	for (size_t i = 0; i < n_buckets; i++)
		for (t = buckets[i]; t; t = n) {
			n = t->hnext;
			target_free(t);
		}
	free(buckets);
}

static void fill_sockaddr(struct sockaddr_storage *ss, socklen_t *len,
			  const struct lb_addr *a, uint16_t port)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, a->b, 16);
		*len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, a->b, 4);
		*len = sizeof(*s4);
	}
}

static struct hc_target *target_new(struct hc_engine *e, const struct keybuf *k,
				    uint64_t hash, const struct cfg_health *h,
				    const struct lb_addr *addr, uint16_t port)
{
	struct hc_target *t = calloc(1, sizeof(*t));

	if (!t || !(t->key = malloc(k->len))) {
		free(t);
		return NULL;
	}
	memcpy(t->key, k->p, k->len);
	t->key_len = k->len;
	t->hash = hash;
	t->e = e;
	t->h = h;
	t->type = h->type;
	t->ops = hc_probe_ops_of(h->type);
	t->addr = *addr;
	t->port = port;
	fill_sockaddr(&t->sa, &t->salen, addr, port);
	if (h->source.family)
		fill_sockaddr(&t->src, &t->srclen, &h->source, 0);
	t->state = HC_STATE_UNKNOWN;
	t->since_ms = lb_loop_now_ms(e->loop);
	t->echo_seq = (uint16_t)hc_rng_next(e);
	lb_watch_init(&t->w);
	return t;
}

/* A new target, marked new and prepared for its type. 0 or -errno. */
static int target_create(struct hc_engine *e, const struct keybuf *k,
			 uint64_t hash, const struct cfg_health *h,
			 const struct lb_addr *addr, uint16_t port,
			 struct hc_target **out)
{
	struct hc_target *t = target_new(e, k, hash, h, addr, port);
	int err;

	if (!t)
		return -ENOMEM;
	t->mark = true;
	if (t->ops->needs_port && !port)
		t->config_error = true;
	err = !t->config_error && t->ops->prepare ? t->ops->prepare(t) : 0;
	if (err) {
		target_free(t);
		return err;
	}
	*out = t;
	return 0;
}

/* The port a backend is probed on: override, backend, then a service's. */
static uint16_t probe_port(const struct cfg *cfg, size_t pi,
			   const struct cfg_backend *b)
{
	if (b->health && b->health->port)
		return b->health->port;
	if (b->port)
		return b->port;
	for (size_t s = 0; s < cfg->n_services; s++)
		if (cfg->services[s].pool == pi ||
		    cfg->services[s].fallback_pool == (ssize_t)pi)
			if (cfg->services[s].port)
				return cfg->services[s].port;
	return 0;
}

/* ---- reals ------------------------------------------------------------- */

const struct cfg_health *hc_real_health(const struct hc_real *r)
{
	return r->b->health ? r->b->health : &r->pool->health;
}

struct hc_real *hc_pool_reals(struct hc_engine *e, const struct cfg_pool *pool)
{
	if (!e->cfg || pool < e->cfg->pools ||
	    pool >= e->cfg->pools + e->cfg->n_pools)
		return NULL;
	return &e->reals[e->pool_off[pool - e->cfg->pools]];
}

struct hc_real *hc_real_of(struct hc_engine *e, const struct cfg_pool *pool,
			   const struct cfg_backend *b)
{
	struct hc_real *r = hc_pool_reals(e, pool);

	if (!r || b < pool->backends || b >= pool->backends + pool->n_backends)
		return NULL;
	return &r[b - pool->backends];
}

struct hc_real *hc_real_at(struct hc_engine *e, size_t pi, size_t bi)
{
	if (!e->cfg || pi >= e->cfg->n_pools ||
	    bi >= e->cfg->pools[pi].n_backends)
		return NULL;
	return &e->reals[e->pool_off[pi] + bi];
}

/* ---- loading a config -------------------------------------------------- */

/* A load in progress: the new table is e->buckets, the old one aside. */
struct load {
	struct hc_engine *e;
	const struct cfg *cfg;
	struct hc_target **old; /* the previous table, still findable */
	size_t old_nb;
	struct hc_real *reals; /* the new config's reals */
	size_t *off;	       /* first real of each pool, and the total */
	size_t total;
	struct keybuf k;
};

/* The target of one real: shared, adopted from the old table, or new. */
static int real_bind(struct load *l, size_t pi, struct hc_real *r)
{
	struct hc_engine *e = l->e;
	const struct cfg_health *h = hc_real_health(r);
	uint16_t port = probe_port(l->cfg, pi, r->b);
	struct hc_target **pp, *t;
	uint64_t hash;
	int err;

	/* Port-less probes dedup on the address alone. */
	if (h->type == CFG_HC_ICMP || h->type == CFG_HC_NONE)
		port = 0;
	build_key(&l->k, h, &r->b->addr, port);
	if (l->k.oom)
		return -ENOMEM;
	hash = fnv1a(l->k.p, l->k.len);
	pp = bucket_find(e->buckets, e->n_buckets, &l->k, hash);
	if (pp) {
		t = *pp;
	} else {
		/* Same target and parameters as before: adopt. */
		pp = bucket_find(l->old, l->old_nb, &l->k, hash);
		if (pp) {
			t = *pp;
			*pp = t->hnext;
			t->n_reals = 0;
		} else {
			err = target_create(e, &l->k, hash, h, &r->b->addr,
					    port, &t);
			if (err)
				return err;
		}
		bucket_add(e->buckets, e->n_buckets, t);
		e->n_targets++;
	}
	t->n_reals++;
	r->t = t;
	return 0;
}

static int bind_reals(struct load *l)
{
	const struct cfg *cfg = l->cfg;
	size_t ri = 0;
	int err;

	for (size_t p = 0; p < cfg->n_pools; p++) {
		const struct cfg_pool *pool = &cfg->pools[p];

		l->off[p] = ri;
		for (size_t bi = 0; bi < pool->n_backends; bi++, ri++) {
			l->reals[ri].pool = pool;
			l->reals[ri].b = &pool->backends[bi];
			err = real_bind(l, p, &l->reals[ri]);
			if (err)
				return err;
		}
	}
	l->off[cfg->n_pools] = ri;
	return 0;
}

/* A failed load: adopted targets back into the old table, new ones freed. */
static void load_restore(struct load *l)
{
	struct hc_engine *e = l->e;
	struct hc_target *t, *n;

	for (size_t i = 0; i < e->n_buckets; i++)
		for (t = e->buckets[i]; t; t = n) {
			n = t->hnext;
			if (t->mark)
				target_free(t);
			else
				bucket_add(l->old, l->old_nb, t);
		}
	free(e->buckets);
	e->buckets = l->old;
	e->n_buckets = l->old_nb;
	e->n_targets = 0;
	for (size_t i = 0; i < l->old_nb; i++)
		for (t = l->old[i]; t; t = t->hnext) {
			e->n_targets++;
			t->n_reals = 0;
		}
	/* n_reals of adopted targets was reset; recount from the old reals */
	for (size_t i = 0; e->reals && i < e->n_reals; i++)
		if (e->reals[i].t)
			e->reals[i].t->n_reals++;
}

static void check_fd_budget(size_t n_targets)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY && n_targets + 64 > rl.rlim_cur)
		lb_warn("health: %zu probe targets may need as many open "
			"sockets at once but the open-files limit is %llu; "
			"raise it (ulimit -n, LimitNOFILE=) or probes that "
			"cannot get a socket fail open",
			n_targets, (unsigned long long)rl.rlim_cur);
}

/* A successful load: the new reals in place, targets no longer named gone. */
static void load_commit(struct load *l)
{
	struct hc_engine *e = l->e;

	/* Adopted targets read their (equal) parameters from the new config. */
	for (size_t i = 0; i < l->total; i++)
		l->reals[i].t->h = hc_real_health(&l->reals[i]);
	hc_targets_free(l->old, l->old_nb);
	free(e->reals);
	free(e->pool_off);
	e->reals = l->reals;
	e->pool_off = l->off;
	e->n_reals = l->total;
	e->cfg = l->cfg;
	e->st.targets = e->n_targets;
	e->st.reals = l->total;
	l->reals = NULL;
	l->off = NULL;
	check_fd_budget(e->n_targets);
}

/* New targets: `none` is up at once, the others' first probes spread. */
static void start_new(struct hc_engine *e)
{
	char a[LB_ADDR_STRLEN];
	struct hc_target *t;

	for (size_t i = 0; i < e->n_buckets; i++)
		for (t = e->buckets[i]; t; t = t->hnext) {
			if (!t->mark)
				continue;
			t->mark = false;
			if (t->ops == &hc_none_ops)
				hc_sm_record(t, HC_STATE_UP,
					     "no check configured");
			else if (t->config_error)
				lb_warn("health: %s: no port to probe (set "
					"health.port, the backend's port or a "
					"service port); failing open",
					lb_addr_fmt(&t->addr, a, sizeof(a)));
			else
				hc_sched_first(t);
		}
}

int hc_engine_load(struct hc_engine *e, const struct cfg *cfg)
{
	struct load l = {
	    .e = e, .cfg = cfg, .old = e->buckets, .old_nb = e->n_buckets};
	int err = -ENOMEM;

	for (size_t p = 0; p < cfg->n_pools; p++)
		l.total += cfg->pools[p].n_backends;
	l.reals = calloc(l.total ? l.total : 1, sizeof(*l.reals));
	l.off = calloc(cfg->n_pools + 1, sizeof(*l.off));
	if (!l.reals || !l.off)
		goto out;
	/* Old targets stay findable while the new set is built. */
	e->buckets = NULL;
	e->n_buckets = 0;
	e->n_targets = 0;
	err = rehash(e, l.total);
	if (!err)
		err = bind_reals(&l);
	if (err) {
		load_restore(&l);
		goto out;
	}
	load_commit(&l);
	start_new(e);
out:
	free(l.k.p);
	free(l.reals);
	free(l.off);
	return err;
}
