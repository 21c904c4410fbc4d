/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Seeded random states for the reconcile and fake-dataplane tests: a small
 * key space so that random desired/actual pairs overlap a lot (edits, adds
 * and removals in one plan), and an oracle for what a plan must achieve.
 */
#ifndef BALLAST_TESTS_RC_TESTGEN_H
#define BALLAST_TESTS_RC_TESTGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reconcile/diff.h"
#include "reconcile/model.h"

struct tg_rng {
	uint64_t s;
};

void tg_seed(struct tg_rng *r, uint64_t seed);
uint32_t tg_next(struct tg_rng *r);
/* Uniform in [0, n). */
uint32_t tg_below(struct tg_rng *r, uint32_t n);
/* True with probability pct / 100. */
bool tg_chance(struct tg_rng *r, uint32_t pct);

/* Fill an empty state with random services; owned_pct of them owned. */
int tg_random_state(struct tg_rng *r, struct rc_state *out, uint32_t owned_pct);
/*
 * A state derived from `base` by random removals, attribute changes and
 * additions: most reals survive, so diffs are mostly edits.
 */
int tg_mutate_state(struct tg_rng *r, const struct rc_state *base,
		    struct rc_state *out, uint32_t owned_pct);
/* Either of the two above, chosen at random, for `actual`. */
int tg_random_actual(struct tg_rng *r, const struct rc_state *desired,
		     struct rc_state *out);

/*
 * What applying diff(desired, actual, prune) must produce: desired plus, when
 * not pruning, the unowned services of actual that desired does not name.
 */
int tg_expected(const struct rc_state *desired, const struct rc_state *actual,
		bool prune, struct rc_state *out);

/*
 * Compared fields equal, service by service and real by real (and owned when
 * check_owned). On difference, a description in why.
 */
bool tg_states_equal(const struct rc_state *a, const struct rc_state *b,
		     bool check_owned, char *why, size_t len);

/*
 * Check every plan invariant (order, one op per object, ops match the states,
 * changed bits exact, deleted services lose every real first, foreign list).
 * Returns false with a description in why.
 */
bool tg_plan_valid(const struct rc_plan *plan, const struct rc_state *desired,
		   const struct rc_state *actual, bool prune, char *why,
		   size_t len);

#endif
