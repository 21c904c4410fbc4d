// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the checks read from the host (/proc, /sys, uname, rlimits) and the
 * config, in one place: each host source goes through a dr_ctx test hook.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>

#include "cmd/doctor/doctor.h"

void dr_append(char *buf, size_t *n, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (*n >= len - 1)
		return;
	va_start(ap, fmt);
	*n += (size_t)vsnprintf(buf + *n, len - *n, fmt, ap);
	va_end(ap);
	if (*n >= len)
		*n = len - 1;
}

static const char *proc_root(const struct dr_ctx *ctx)
{
	return ctx->proc_root ? ctx->proc_root : "/proc";
}

int dr_sysctl(const struct dr_ctx *ctx, const char *path, long *out)
{
	char p[512], buf[64], *end;
	FILE *f;
	int err = 0;

	snprintf(p, sizeof(p), "%s/sys/%s", proc_root(ctx), path);
	f = fopen(p, "re");
	if (!f)
		return -errno;
	if (!fgets(buf, sizeof(buf), f)) {
		err = -EIO;
	} else {
		errno = 0;
		*out = strtol(buf, &end, 10);
		if (errno || end == buf)
			err = -EINVAL;
	}
	fclose(f);
	return err;
}

unsigned long long dr_cap_eff(const struct dr_ctx *ctx)
{
	unsigned long long v = 0;
	char p[256], line[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/self/status", proc_root(ctx));
	f = fopen(p, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &v) == 1)
			break;
	fclose(f);
	return v;
}

bool dr_has_cap(const struct dr_ctx *ctx, int cap)
{
	return (dr_cap_eff(ctx) >> cap) & 1;
}

void dr_sys_path(const struct dr_ctx *ctx, char *buf, size_t len,
		 const char *rel)
{
	snprintf(buf, len, "%s/%s", ctx->sys_root ? ctx->sys_root : "/sys",
		 rel);
}

void dr_kernel_version(const struct dr_ctx *ctx, int *major, int *minor,
		       char *rel, size_t len)
{
	struct utsname u;

	*major = *minor = 0;
	if (ctx->kernel_release) {
		snprintf(rel, len, "%s", ctx->kernel_release);
	} else if (uname(&u)) {
		snprintf(rel, len, "unknown");
		return;
	} else {
		snprintf(rel, len, "%s", u.release);
	}
	if (sscanf(rel, "%d.%d", major, minor) != 2)
		*major = *minor = 0;
}

int dr_memlock(const struct dr_ctx *ctx, unsigned long long *cur)
{
	struct rlimit rl;

	if (ctx->memlock) {
		*cur = *ctx->memlock;
		return 0;
	}
	if (getrlimit(RLIMIT_MEMLOCK, &rl))
		return -errno;
	*cur = rl.rlim_cur;
	return 0;
}

bool dr_cfg_uses_fwd(const struct cfg *cfg, enum cfg_fwd f)
{
	for (size_t i = 0; i < cfg->n_services; i++) {
		const struct cfg_service *s = &cfg->services[i];
		const struct cfg_pool *p = &cfg->pools[s->pool];

		if (s->forwarding == f)
			return true;
		for (size_t j = 0; j < p->n_backends; j++)
			if (p->backends[j].forwarding == f)
				return true;
	}
	return false;
}

bool dr_cfg_uses_hc(const struct cfg *cfg, enum cfg_hc_type t)
{
	for (size_t i = 0; i < cfg->n_pools; i++)
		for (size_t j = 0; j < cfg->pools[i].n_backends; j++) {
			const struct cfg_health *h =
			    cfg->pools[i].backends[j].health;

			if ((h ? h->type : cfg->pools[i].health.type) == t)
				return true;
		}
	return false;
}

size_t dr_cfg_n_targets(const struct cfg *cfg)
{
	size_t n = 0;

	for (size_t i = 0; i < cfg->n_pools; i++)
		for (size_t j = 0; j < cfg->pools[i].n_backends; j++) {
			const struct cfg_health *h =
			    cfg->pools[i].backends[j].health;

			if ((h ? h->type : cfg->pools[i].health.type) !=
			    CFG_HC_NONE)
				n++;
		}
	return n;
}
