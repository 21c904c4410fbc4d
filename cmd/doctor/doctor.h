/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ballast doctor: a table of checks run against this host and a config. Each
 * check calls the rule the daemon or a driver itself uses to refuse to start
 * or to explain a failure (config validation, the IPVS family and scheduler
 * checks, the XDP pin layout and attachment checks...), never a copy of it,
 * and only reads: nothing is mounted, loaded or changed.
 */
#ifndef BALLAST_CMD_DOCTOR_H
#define BALLAST_CMD_DOCTOR_H

#include <stdbool.h>
#include <stdio.h>

#include "config/config.h"

enum dr_status {
	DR_OK = 0,
	DR_WARN,
	DR_FAIL,
	DR_SKIP,
};

/* What one check found, and for warn/fail the remedy. */
struct dr_result {
	enum dr_status status;
	char found[512];
	char remedy[512];
};

struct json_t;

/* What xdp.features asks the kernel for (libbpf's feature probes). */
enum dr_probe {
	DR_PROBE_PROG,	 /* type: a bpf_prog_type */
	DR_PROBE_MAP,	 /* type: a bpf_map_type */
	DR_PROBE_HELPER, /* type: a bpf_func_id, in an XDP program */
};

/* As libbpf's probes: 1 present, 0 absent, negative errno when bpf() fails. */
typedef int (*dr_probe_fn)(enum dr_probe kind, int type);

/* What every check reads: the options, the config and the daemon's answers. */
struct dr_ctx {
	const char *config_path;
	const char *socket;	 /* --socket, else NULL */
	struct cfg *cfg;	 /* NULL when the config does not load */
	char cfg_err[512];	 /* why it does not */
	char *sock;		 /* the socket asked (resolved) */
	bool daemon_up;		 /* an answer came from the socket */
	char daemon_err[256];	 /* why none did */
	struct json_t *status;	 /* GET /api/v1/status data, or NULL */
	struct json_t *plan;	 /* GET /api/v1/plan data, or NULL */
	struct json_t *services; /* GET /api/v1/services data, or NULL */
	/* why each is NULL while the daemon answered (HTTP error, bad JSON) */
	char status_err[256];
	char plan_err[256];
	char services_err[256];
	/* HA: this host's vrrp.nodes name (--node), the providers' files */
	const char *node;	     /* NULL: the host name */
	const char *keepalived_conf; /* NULL: /etc/keepalived/keepalived.conf */
	const char *frr_conf;	     /* NULL: /etc/frr/frr.conf */
	/*
	 * Test hooks: what the checks read from the host, so that the unit
	 * tests can make each check fail on a host that has everything. Only
	 * tests/unit/test_doctor.c sets them; NULL (`ballast doctor` zeroes
	 * its context) reads the real source, through the same check code.
	 */
	const char *proc_root;		   /* default "/proc" */
	const char *sys_root;		   /* default "/sys" */
	const char *kernel_release;	   /* default uname(2)'s release */
	const unsigned long long *memlock; /* default getrlimit(MEMLOCK) */
	dr_probe_fn probe;		   /* default libbpf's probes */
};

struct doctor_check {
	const char *id;	       /* "xdp.bpffs" */
	const char *subsystem; /* "xdp" */
	const char *what;      /* one line for --help and Docs/DOCTOR.md */
	void (*run)(struct dr_ctx *ctx, struct dr_result *r);
};

extern const struct doctor_check dr_checks[];
extern const size_t dr_n_checks;

const char *dr_status_name(enum dr_status s);

/* Set r (status, then printf-style found text); remedy with dr_remedy. */
void dr_set(struct dr_result *r, enum dr_status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void dr_remedy(struct dr_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Load the config and ask the daemon; dr_ctx_free() releases. */
void dr_ctx_init(struct dr_ctx *ctx, const char *config_path,
		 const char *socket);
void dr_ctx_free(struct dr_ctx *ctx);

/*
 * Run every check whose id starts with one of only[0..n_only) (all when
 * n_only is 0) and print one line each (or a JSON array). Returns the exit
 * code: 0 when nothing failed, 1 when something did.
 */
int dr_run(struct dr_ctx *ctx, FILE *out, bool json, char *const *only,
	   size_t n_only);

/* Check id is `name` or in group `name` ("xdp" holds "xdp.jit"). */
bool dr_check_matches(const char *id, const char *name);
/* "Checks:" and one line per check, for --help. */
void dr_print_checks(FILE *f);

/* Helpers the checks share (dr_util.c). */
/* Append printf text to buf at *n; *n never passes len - 1 (truncates). */
void dr_append(char *buf, size_t *n, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Read a number from /proc/sys/<path>: 0, or negative errno. */
int dr_sysctl(const struct dr_ctx *ctx, const char *path, long *out);
/* The effective capability set of this process (CapEff), or 0. */
unsigned long long dr_cap_eff(const struct dr_ctx *ctx);
bool dr_has_cap(const struct dr_ctx *ctx, int cap);
/* The running kernel's release: major and minor, 0 when unknown. */
void dr_kernel_version(const struct dr_ctx *ctx, int *major, int *minor,
		       char *rel, size_t len);
/* RLIMIT_MEMLOCK's soft limit (RLIM_INFINITY when unlimited): 0 or -errno. */
int dr_memlock(const struct dr_ctx *ctx, unsigned long long *cur);
/* <sys_root>/<rel> into buf, for a file below /sys. */
void dr_sys_path(const struct dr_ctx *ctx, char *buf, size_t len,
		 const char *rel);
/* Does the config use this forwarding method / health type anywhere? */
bool dr_cfg_uses_fwd(const struct cfg *cfg, enum cfg_fwd f);
bool dr_cfg_uses_hc(const struct cfg *cfg, enum cfg_hc_type t);
/* Number of health-check targets (reals with a probe). */
size_t dr_cfg_n_targets(const struct cfg *cfg);

#endif
