/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Rule tests of the configuration: a YAML text loaded, then exactly the
 * diagnostic expected (its text and file:line:col), or none.
 */
#ifndef BALLAST_TESTS_LIB_CFG_EXPECT_H
#define BALLAST_TESTS_LIB_CFG_EXPECT_H

#include <stdint.h>

#include "config/config.h"

struct tl_cfg {
	struct cfg *cfg;
	struct cfg_diags d;
	char buf[2048]; /* the text, written by the test */
};

/* Load l->buf as "t.yaml"; the loader's return value. */
int tl_cfg_load(struct tl_cfg *l);
void tl_cfg_unload(struct tl_cfg *l);
/* The text fails with exactly one error containing `text`, at line:col. */
void tl_cfg_expect_one(const struct tl_cfg *l, uint32_t line, uint32_t col,
		       const char *text);
/* The text loads without errors (warnings allowed). */
void tl_cfg_expect_ok(const struct tl_cfg *l);
/* The text loads with one diagnostic, a warning containing `text`. */
void tl_cfg_expect_warning(const struct tl_cfg *l, uint32_t line, uint32_t col,
			   const char *text);

#endif
