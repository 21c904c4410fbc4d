/* SPDX-License-Identifier: GPL-2.0-only */
/* Private interface between the IPVS driver's files. */
#ifndef BALLAST_DATAPLANE_IPVS_INTERNAL_H
#define BALLAST_DATAPLANE_IPVS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "dataplane/ipvs/ipvs_nl.h"
#include "lib/lock.h"
#include "reconcile/dataplane.h"
#include "reconcile/model.h"

/* Set of service keys Ballast created (see owned.c). */
struct ipvs_owned {
	struct rc_svc_key *keys; /* sorted */
	size_t n;
	size_t cap;
};

struct dp {
	struct ipvs_nl *nl;
	char owned_path[256];
	struct ipvs_owned owned;
	bool read_only;
	struct ipvs_owned named; /* keys the config names: ours on apply */
	char lock_name[LB_LOCK_NAME_MAX + 1]; /* one writer per netns */
	/* counters for stats() */
	uint64_t ops_ok;
	uint64_t ops_failed;
	uint64_t reads;
};

/* ---- services.c ---- */
/* Put the nested IPVS_CMD_ATTR_SERVICE identifying key (and, with full, the
 * attributes of svc). 0 or -EMSGSIZE. */
int ipvs_put_service(struct nl_msg *msg, const struct rc_service *svc,
		     bool full);
/* Append every service in the kernel to st (without reals). */
int ipvs_dump_services(struct ipvs_nl *nl, struct rc_state *st)
    __attribute__((warn_unused_result));
/*
 * Append the service `key` names (without reals) to st; -ESRCH when the
 * kernel has no such service.
 */
int ipvs_get_service(struct ipvs_nl *nl, const struct rc_svc_key *key,
		     struct rc_state *st) __attribute__((warn_unused_result));
/* Counters from *_ATTR_STATS64 (preferred) or the 32-bit *_ATTR_STATS. */
void ipvs_parse_stats(struct nlattr *s64, struct nlattr *s32,
		      struct rc_counters *c);
/* Kernel flags <-> RC_SVC_F_*. */
uint32_t ipvs_flags_to_rc(uint32_t kflags);
uint32_t ipvs_flags_from_rc(uint32_t rcflags);

/* ---- dests.c ---- */
int ipvs_put_dest(struct nl_msg *msg, const struct rc_service *svc,
		  const struct rc_real *real, bool full);
/* Append every destination of svc to it. */
int ipvs_dump_dests(struct ipvs_nl *nl, struct rc_service *svc)
    __attribute__((warn_unused_result));

/* ---- sched.c ---- */
/*
 * Check that every scheduler a plan needs is available, before any op is
 * sent. -ENOENT naming `modprobe ip_vs_<name>` in why when one is missing.
 */
/* The scheduler's module is loaded (/sys/module/ip_vs_<name>): read only. */
bool ipvs_sched_loaded(const char *name);
/* printf format of the remedy for a missing scheduler; takes its name. */
#define IPVS_REMEDY_SCHED "load it with `modprobe ip_vs_%s`"
int ipvs_sched_check(struct ipvs_nl *nl, const struct rc_plan *plan, char *why,
		     size_t why_len) __attribute__((warn_unused_result));

/* ---- owned.c ---- */
int ipvs_owned_load(struct ipvs_owned *o, const char *path)
    __attribute__((warn_unused_result));
int ipvs_owned_save(const struct ipvs_owned *o, const char *path)
    __attribute__((warn_unused_result));
bool ipvs_owned_has(const struct ipvs_owned *o, const struct rc_svc_key *k);
int ipvs_owned_add(struct ipvs_owned *o, const struct rc_svc_key *k)
    __attribute__((warn_unused_result));
void ipvs_owned_del(struct ipvs_owned *o, const struct rc_svc_key *k);
void ipvs_owned_free(struct ipvs_owned *o);

/* ---- errors.c ---- */
/* Operator-facing explanation of a failed op: object, errno text, fix. */
void ipvs_explain(char *buf, size_t len, const struct rc_op *op, int err,
		  const char *ext);

#endif
