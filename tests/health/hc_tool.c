// SPDX-License-Identifier: GPL-2.0-only
/*
 * Drive the health engine through its C interface with a configuration
 * built from the command line (one pool), for integration tests and the
 * benchmark: prints transitions (text or JSON lines), a summary, and the
 * CPU time the process spent per completed check over a measured window.
 *
 *   hc_tool -t TYPE (-a ADDR -p PORT ... | -r FIRST COUNT -p PORT) [options]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "health/health.h"
#include "lib/evloop.h"
#include "lib/log.h"

struct run {
	struct hc_engine *e;
	struct lb_loop *loop;
	uint64_t warm_ms;
	bool measuring;
	struct rusage ru0;
	uint64_t probes0;
	uint64_t t0;
	/* end of the window, when shorter than the run */
	bool closed;
	struct rusage ru1;
	uint64_t probes1;
	uint64_t t1;
};

static uint64_t cpu_us(const struct rusage *r)
{
	return (uint64_t)(r->ru_utime.tv_sec + r->ru_stime.tv_sec) * 1000000u +
	       (uint64_t)(r->ru_utime.tv_usec + r->ru_stime.tv_usec);
}

static void start_window(struct lb_loop *loop, void *arg)
{
	struct run *r = arg;
	struct hc_stats st;

	hc_engine_stats(r->e, &st);
	getrusage(RUSAGE_SELF, &r->ru0);
	r->probes0 = st.probes;
	r->t0 = lb_loop_now_ms_fresh(loop);
	r->measuring = true;
}

static void end_window(struct lb_loop *loop, void *arg)
{
	struct run *r = arg;
	struct hc_stats st;

	hc_engine_stats(r->e, &st);
	getrusage(RUSAGE_SELF, &r->ru1);
	r->probes1 = st.probes;
	r->t1 = lb_loop_now_ms_fresh(loop);
	r->closed = true;
}

static void stop(struct lb_loop *loop, void *arg)
{
	lb_loop_stop(loop);
}

static enum cfg_hc_type parse_type(const char *s)
{
	for (int t = 0; t < CFG_HC__COUNT; t++)
		if (!strcmp(s, hc_type_name((enum cfg_hc_type)t)))
			return (enum cfg_hc_type)t;
	fprintf(stderr, "hc_tool: unknown type %s\n", s);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"rise", required_argument, NULL, 'R'},
	    {"fall", required_argument, NULL, 'L'},
	    {"path", required_argument, NULL, 'P'},
	    {"host", required_argument, NULL, 'H'},
	    {"sni", required_argument, NULL, 'S'},
	    {"verify", no_argument, NULL, 'V'},
	    {"ca", required_argument, NULL, 'A'},
	    {"body", required_argument, NULL, 'B'},
	    {"regex", required_argument, NULL, 'X'},
	    {"expect", required_argument, NULL, 'E'},
	    {"method", required_argument, NULL, 'M'},
	    {"slow-start", required_argument, NULL, 'W'},
	    {"for", required_argument, NULL, 'f'},
	    {"warmup", required_argument, NULL, 'w'},
	    {"json", no_argument, NULL, 'j'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"nofile", required_argument, NULL, 'n'},
	    {"window", required_argument, NULL, 'e'},
	    {"debug", no_argument, NULL, 'D'},
	    {NULL, 0, NULL, 0},
	};
	struct cfg cfg = {0};
	struct cfg_pool pool = {.name = "probe"};
	struct cfg_health *h = &pool.health;
	struct cfg_code_range range;
	struct cfg_backend *be = NULL;
	size_t n = 0, cap = 0;
	const char *first = NULL;
	size_t count = 0;
	uint16_t port = 0;
	uint64_t for_ms = 5000;
	bool json = false, quiet = false;
	struct run r = {0};
	struct hc_report *rep = NULL;
	struct lb_timer *t_stop = NULL, *t_warm = NULL, *t_end = NULL;
	uint64_t window_ms = 0;
	const char *addrs[64];
	size_t n_addrs = 0;
	int c, err;

	h->type = CFG_HC_TCP;
	h->interval_ms = 1000;
	h->fast_interval_ms = 0;
	h->timeout_ms = 500;
	h->rise = 2;
	h->fall = 3;
	h->method = "GET";
	h->path = "/";
	while ((c = getopt_long(argc, argv, "t:a:r:p:i:F:T:jqf:w:n:", opts,
				NULL)) != -1) {
		switch (c) {
		case 't':
			h->type = parse_type(optarg);
			break;
		case 'a':
			if (n_addrs < 64)
				addrs[n_addrs++] = optarg;
			break;
		case 'r':
			first = optarg;
			count = strtoul(argv[optind++], NULL, 10);
			break;
		case 'p':
			port = (uint16_t)atoi(optarg);
			break;
		case 'i':
			h->interval_ms = (uint32_t)atoi(optarg);
			break;
		case 'F':
			h->fast_interval_ms = (uint32_t)atoi(optarg);
			break;
		case 'T':
			h->timeout_ms = (uint32_t)atoi(optarg);
			break;
		case 'R':
			h->rise = (uint32_t)atoi(optarg);
			break;
		case 'L':
			h->fall = (uint32_t)atoi(optarg);
			break;
		case 'P':
			h->path = optarg;
			break;
		case 'H':
			h->host = optarg;
			break;
		case 'S':
			h->sni = optarg;
			break;
		case 'V':
			h->tls_verify = true;
			break;
		case 'A':
			h->ca_file = optarg;
			break;
		case 'B':
			h->body = optarg;
			break;
		case 'X':
			h->body_regex = optarg;
			break;
		case 'M':
			h->method = optarg;
			break;
		case 'W':
			h->slow_start_ms = (uint32_t)atoi(optarg);
			break;
		case 'E':
			if (sscanf(optarg, "%hu-%hu", &range.lo, &range.hi) !=
			    2)
				range.hi = range.lo = (uint16_t)atoi(optarg);
			h->expect = &range;
			h->n_expect = 1;
			break;
		case 'f':
			for_ms = strtoull(optarg, NULL, 10);
			break;
		case 'w':
			r.warm_ms = strtoull(optarg, NULL, 10);
			break;
		case 'e':
			window_ms = strtoull(optarg, NULL, 10);
			break;
		case 'D':
			lb_log_set_level(LB_LOG_DEBUG);
			break;
		case 'j':
			json = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'n': {
			struct rlimit rl;

			rl.rlim_cur = rl.rlim_max = strtoul(optarg, NULL, 10);
			if (setrlimit(RLIMIT_NOFILE, &rl))
				perror("setrlimit");
			break;
		}
		default:
			return 2;
		}
	}
	cap = n_addrs + count;
	be = calloc(cap ? cap : 1, sizeof(*be));
	for (size_t i = 0; i < n_addrs; i++, n++)
		if (lb_addr_parse(addrs[i], &be[n].addr)) {
			fprintf(stderr, "hc_tool: bad address %s\n", addrs[i]);
			return 2;
		}
	if (first) {
		struct in_addr a;

		if (inet_pton(AF_INET, first, &a) != 1)
			return 2;
		for (size_t i = 0; i < count; i++, n++) {
			uint32_t v = htonl(ntohl(a.s_addr) + (uint32_t)i);

			be[n].addr.family = AF_INET;
			memcpy(be[n].addr.b, &v, 4);
		}
	}
	for (size_t i = 0; i < n; i++) {
		be[i].port = port;
		be[i].weight = 100;
		be[i].health = h;
	}
	pool.backends = be;
	pool.n_backends = n;
	cfg.pools = &pool;
	cfg.n_pools = 1;

	if ((err = lb_loop_new(&r.loop)) ||
	    (err = hc_engine_new(r.loop, 0, &r.e)) ||
	    (!quiet && (err = hc_report_new(r.e, stdout, json, &rep))) ||
	    (err = lb_timer_add(r.loop, &t_stop, for_ms, stop, NULL)) ||
	    (err =
		 lb_timer_add(r.loop, &t_warm, r.warm_ms, start_window, &r)) ||
	    (window_ms &&
	     (err = lb_timer_add(r.loop, &t_end, r.warm_ms + window_ms,
				 end_window, &r))) ||
	    (err = hc_engine_load(r.e, &cfg))) {
		fprintf(stderr, "hc_tool: %s\n", strerror(-err));
		return 1;
	}
	if ((err = lb_loop_run(r.loop))) {
		fprintf(stderr, "hc_tool: loop: %s\n", strerror(-err));
		return 1;
	}
	if (rep)
		hc_report_summary(rep);
	{
		struct rusage ru;
		struct hc_stats st;
		uint64_t win = lb_loop_now_ms_fresh(r.loop) - r.t0, used,
			 checks;

		getrusage(RUSAGE_SELF, &ru);
		hc_engine_stats(r.e, &st);
		if (r.closed) {
			ru = r.ru1;
			st.probes = r.probes1;
			win = r.t1 - r.t0;
		}
		used = cpu_us(&ru) - cpu_us(&r.ru0);
		checks = st.probes - r.probes0;
		printf("measure window_ms=%llu cpu_us=%llu checks=%llu "
		       "us_per_check=%.2f core_pct=%.2f ok=%llu failed=%llu "
		       "internal=%llu targets=%zu\n",
		       (unsigned long long)win, (unsigned long long)used,
		       (unsigned long long)checks,
		       checks ? (double)used / (double)checks : 0.0,
		       win ? (double)used / (double)win / 10.0 : 0.0,
		       (unsigned long long)st.successes,
		       (unsigned long long)st.failures,
		       (unsigned long long)st.internal_errors, st.targets);
	}
	hc_report_free(rep);
	hc_engine_free(r.e);
	lb_loop_free(r.loop);
	free(be);
	return 0;
}
