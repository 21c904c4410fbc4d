// SPDX-License-Identifier: GPL-2.0-only
#include "tests/lib/cfg_expect.h"

#include <check.h>
#include <string.h>

int tl_cfg_load(struct tl_cfg *l)
{
	memset(&l->d, 0, sizeof(l->d));
	l->cfg = NULL;
	return cfg_load_buffer("t.yaml", l->buf, strlen(l->buf), &l->cfg,
			       &l->d);
}

void tl_cfg_unload(struct tl_cfg *l)
{
	cfg_free(l->cfg);
	cfg_diags_free(&l->d);
}

void tl_cfg_expect_one(const struct tl_cfg *l, uint32_t line, uint32_t col,
		       const char *text)
{
	ck_assert_msg(l->d.n_errors == 1, "%zu errors for:\n%s (first: %s)",
		      l->d.n_errors, l->buf,
		      l->d.n ? l->d.items[0].message : "-");
	for (size_t i = 0; i < l->d.n; i++) {
		const struct cfg_diag *it = &l->d.items[i];

		if (it->severity != CFG_SEV_ERROR)
			continue;
		ck_assert_msg(strstr(it->message, text), "'%s' lacks '%s'",
			      it->message, text);
		ck_assert_msg(it->line == line && it->col == col,
			      "'%s' at %u:%u, not %u:%u", it->message, it->line,
			      it->col, line, col);
	}
}

void tl_cfg_expect_ok(const struct tl_cfg *l)
{
	ck_assert_msg(l->cfg && !l->d.n_errors, "%s\nfails: %s", l->buf,
		      l->d.n ? l->d.items[0].message : "-");
}

void tl_cfg_expect_warning(const struct tl_cfg *l, uint32_t line, uint32_t col,
			   const char *text)
{
	tl_cfg_expect_ok(l);
	ck_assert_uint_eq(l->d.n, 1);
	ck_assert_int_eq(l->d.items[0].severity, CFG_SEV_WARNING);
	ck_assert_msg(strstr(l->d.items[0].message, text), "'%s' lacks '%s'",
		      l->d.items[0].message, text);
	ck_assert_uint_eq(l->d.items[0].line, line);
	ck_assert_uint_eq(l->d.items[0].col, col);
}
