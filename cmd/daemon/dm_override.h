/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Runtime overrides: an operator's transient changes to one real of one
 * service (drain, disable, a weight, forced health), each with an optional
 * expiry. git stays the truth: overrides live beside it, are always shown
 * (status, services, metrics) and end when they expire or are deleted.
 *
 * The set is a weight layer over the health engine's: it implements struct
 * rc_weight_src on top of another source. Weight sources speak of pools, not
 * services, so an override on (service, real) acts on that real in the
 * service's pool and fallback pool: every service sharing the pool sees it.
 * Precedence, strongest first: disable and drain (0), forced down (0), the
 * base source's 0 for a configured non-zero weight (down, disabled), a set
 * weight (N), forced up (the configured weight).
 *
 * Wall-clock times (ms since the epoch), so expiries survive a restart.
 */
#ifndef BALLAST_CMD_DAEMON_OVERRIDE_H
#define BALLAST_CMD_DAEMON_OVERRIDE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "lib/addr.h"
#include "reconcile/desired.h"

enum dm_ovr_kind {
	DM_OVR_DRAIN = 0, /* weight 0 now; past its timeout: disabled */
	DM_OVR_DISABLE,	  /* weight 0 */
	DM_OVR_WEIGHT,	  /* weight N */
	DM_OVR_HEALTH,	  /* forced up or down */
	DM_OVR__COUNT,
};

const char *dm_ovr_kind_name(enum dm_ovr_kind k);
int dm_ovr_kind_parse(const char *s, enum dm_ovr_kind *out);

struct dm_override {
	uint64_t id;
	enum dm_ovr_kind kind;
	char service[CFG_NAME_MAX + 1];
	struct lb_addr addr;
	uint16_t port;
	uint32_t weight;     /* DM_OVR_WEIGHT */
	bool up;	     /* DM_OVR_HEALTH */
	uint64_t created_ms; /* wall clock */
	/* wall clock; 0: none. A drain does not end there: it turns disabled */
	uint64_t expires_ms;
	char by[80]; /* the caller, "uid=0 pid=123" */
};

struct dm_overrides;

int dm_ovr_new(struct dm_overrides **out) __attribute__((warn_unused_result));
void dm_ovr_free(struct dm_overrides *set);

size_t dm_ovr_count(const struct dm_overrides *set);
/* In id order; valid until the set changes. */
const struct dm_override *dm_ovr_at(const struct dm_overrides *set, size_t i);
/* The override of that kind on (service, real), or NULL. */
const struct dm_override *dm_ovr_find(const struct dm_overrides *set,
				      const char *service,
				      const struct lb_addr *addr, uint16_t port,
				      enum dm_ovr_kind kind);

/*
 * Add a copy of *o with a new id (o->id is ignored unless keep_id, as when
 * loading). -EEXIST when that (service, real, kind) is set; -ENOMEM.
 * *out (may be NULL) points at the stored copy.
 */
int dm_ovr_add(struct dm_overrides *set, const struct dm_override *o,
	       bool keep_id, const struct dm_override **out)
    __attribute__((warn_unused_result));
/* Remove one; a copy goes to *removed (may be NULL). 0 or -ENOENT. */
int dm_ovr_remove(struct dm_overrides *set, const char *service,
		  const struct lb_addr *addr, uint16_t port,
		  enum dm_ovr_kind kind, struct dm_override *removed);

/*
 * Remove every override whose expiry is at or before now (drains stay),
 * calling fn with each just before. Returns how many were removed.
 */
size_t dm_ovr_expire(struct dm_overrides *set, uint64_t now_ms,
		     void (*fn)(void *arg, const struct dm_override *o),
		     void *arg);
/* The earliest expiry (or drain timeout) after now, 0 when none. */
uint64_t dm_ovr_next_deadline(const struct dm_overrides *set, uint64_t now_ms);

/*
 * Bind the set to a config generation (each override finds its service's
 * pools there; ones naming what the config lacks stay, inert). cfg stays
 * the caller's and must outlive the binding.
 */
void dm_ovr_bind(struct dm_overrides *set, const struct cfg *cfg);
/*
 * The weight source layered over base (copied), reading the clock for
 * drain timeouts from now_ms (NULL: dm_wall_ms). Valid while set lives.
 */
void dm_ovr_weight_src(struct dm_overrides *set,
		       const struct rc_weight_src *base,
		       struct rc_weight_src *out);
/* For tests: the clock the weight source reads. NULL: the wall clock. */
void dm_ovr_set_clock(struct dm_overrides *set, uint64_t (*now)(void));

/* What overrides make of one real of a service right now. */
struct dm_ovr_effect {
	bool drained, disabled, timed_out; /* timed_out: a drain past it */
	bool forced, forced_up;
	bool weight_set;
	uint32_t weight;
};
void dm_ovr_effect(const struct dm_overrides *set, const char *service,
		   const struct lb_addr *addr, uint16_t port, uint64_t now_ms,
		   struct dm_ovr_effect *out);

/* ---- persistence and JSON (override_file.c) ------------------------------ */

/* The API's OVERRIDE_OBJ. NULL on allocation failure. */
json_t *dm_ovr_to_json(const struct dm_override *o);
/*
 * Write every override to path atomically (temporary file in the same
 * directory, fsync, rename, fsync of the directory). 0 or -errno.
 */
int dm_ovr_save(const struct dm_overrides *set, const char *path)
    __attribute__((warn_unused_result));
/*
 * Add the overrides path holds, dropping those expired by now_ms. A missing
 * file is an empty set. 0 or -errno (-EINVAL: not an override file; err
 * says where).
 */
int dm_ovr_load(struct dm_overrides *set, const char *path, uint64_t now_ms,
		char *err, size_t errlen) __attribute__((warn_unused_result));

#endif
