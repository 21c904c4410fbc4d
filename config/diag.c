// SPDX-License-Identifier: GPL-2.0-only
/* Diagnostics: collected, never printed here (cmd/ chooses the format). */
#include "config/internal.h"
#include "config/diag_text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Each diagnostic owns one heap block holding message, path and file one
 * after the other; `message` points at its start and is what gets freed.
 * All three are made printable first (config/diag_text.h): a value of any
 * length or bytes leaves the explanation intact and the JSON encodable.
 */
void cfg_diag_vadd(struct cfg_diags *d, const char *file, uint32_t line,
		   uint32_t col, enum cfg_severity sev, enum cfg_diag_kind kind,
		   const char *path, const char *fmt, va_list ap)
{
	char *raw = NULL, *msg = NULL, *tpath = NULL, *tfile = NULL;
	struct cfg_diag *it;
	size_t lm, lp, lf;
	char *blk;

	if (!d)
		return;
	if (vasprintf(&raw, fmt, ap) < 0)
		raw = NULL;
	msg = cfg_diag_text(raw ? raw : "(out of memory)", CFG_DIAG_TEXT_MAX);
	tpath = cfg_diag_text(path ? path : "", 256);
	tfile = cfg_diag_text(file ? file : "", 4096);
	if (!msg || !tpath || !tfile)
		goto out;
	lm = strlen(msg) + 1;
	lp = strlen(tpath) + 1;
	lf = strlen(tfile) + 1;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		struct cfg_diag *items =
		    realloc(d->items, cap * sizeof(*items));

		if (!items)
			goto out;
		d->items = items;
		d->cap = cap;
	}
	blk = malloc(lm + lp + lf);
	if (!blk)
		goto out;
	memcpy(blk, msg, lm);
	memcpy(blk + lm, tpath, lp);
	memcpy(blk + lm + lp, tfile, lf);
	it = &d->items[d->n++];
	it->message = blk;
	it->path = blk + lm;
	it->file = blk + lm + lp;
	it->line = line;
	it->col = col;
	it->severity = sev;
	it->kind = kind;
	if (sev == CFG_SEV_ERROR) {
		d->n_errors++;
		if (kind != CFG_DIAG_SEMANTIC)
			d->has_syntax_or_schema = true;
	} else {
		d->n_warnings++;
	}
out:
	free(raw);
	free(msg);
	free(tpath);
	free(tfile);
}

void cfg_diag_add(struct cfg_diags *d, const char *file, uint32_t line,
		  uint32_t col, enum cfg_severity sev, enum cfg_diag_kind kind,
		  const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cfg_diag_vadd(d, file, line, col, sev, kind, path, fmt, ap);
	va_end(ap);
}

/* Place order; diagnostics tied to no place ("too many errors") go last. */
static bool diag_after(const struct cfg_diag *a, const struct cfg_diag *b)
{
	uint64_t ka = a->line ? ((uint64_t)a->line << 32 | a->col) : UINT64_MAX;
	uint64_t kb = b->line ? ((uint64_t)b->line << 32 | b->col) : UINT64_MAX;

	return ka > kb;
}

void cfg_diags_sort(struct cfg_diags *d, size_t from)
{
	/* Insertion sort: stable, and the lists are short. */
	for (size_t i = from + 1; i < d->n; i++) {
		struct cfg_diag it = d->items[i];
		size_t j = i;

		while (j > from && diag_after(&d->items[j - 1], &it)) {
			d->items[j] = d->items[j - 1];
			j--;
		}
		d->items[j] = it;
	}
}

void cfg_diags_free(struct cfg_diags *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		free((char *)d->items[i].message);
	free(d->items);
	memset(d, 0, sizeof(*d));
}

int cfg_diags_exit_code(const struct cfg_diags *d)
{
	if (!d || !d->n_errors)
		return 0;
	return d->has_syntax_or_schema ? 1 : 2;
}

void cfg_err(struct cfg_ctx *c, enum cfg_diag_kind kind, struct cfg_loc loc,
	     const char *path, const char *fmt, ...)
{
	va_list ap;

	if (c->n_errors >= CFG_MAX_ERRORS) {
		if (!c->truncated) {
			c->truncated = true;
			cfg_diag_add(c->diags, c->file, 0, 0, CFG_SEV_ERROR,
				     kind, "",
				     "too many errors (%d); stopped collecting",
				     CFG_MAX_ERRORS);
		}
		return;
	}
	c->n_errors++;
	va_start(ap, fmt);
	cfg_diag_vadd(c->diags, c->file, loc.line, loc.col, CFG_SEV_ERROR, kind,
		      path, fmt, ap);
	va_end(ap);
}

void cfg_warn(struct cfg_ctx *c, struct cfg_loc loc, const char *path,
	      const char *fmt, ...)
{
	va_list ap;

	if (c->diags && c->diags->n_warnings >= CFG_MAX_ERRORS)
		return;
	va_start(ap, fmt);
	cfg_diag_vadd(c->diags, c->file, loc.line, loc.col, CFG_SEV_WARNING,
		      CFG_DIAG_SEMANTIC, path, fmt, ap);
	va_end(ap);
}

/*
 * Edit distance with adjacent transpositions counting as one edit ("tpc" is
 * one slip from "tcp"). Words here are short keys and names.
 */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	static const size_t max = 32;
	size_t d[33][33];

	if (la > max || lb > max)
		return max;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);

			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[la][lb];
}

const char *cfg_suggest(const char *word, const char *const *cands, size_t n)
{
	size_t best = 3, wl = strlen(word);
	const char *pick = NULL;

	for (size_t i = 0; i < n; i++) {
		size_t dist = edit_distance(word, cands[i]);
		size_t cl = strlen(cands[i]);
		/* Short words get a tighter bound, or everything matches. */
		size_t lim = (wl < cl ? wl : cl) <= 3 ? 1 : 2;

		if (dist <= lim && dist < best) {
			best = dist;
			pick = cands[i];
		}
	}
	return pick;
}

static size_t path_put(const struct cfg_path *p, char *buf, size_t len)
{
	size_t at = 0;
	int n;

	if (!p)
		return 0;
	at = path_put(p->up, buf, len);
	if (at >= len)
		return at;
	if (p->key)
		n = snprintf(buf + at, len - at, "%s%s", at ? "." : "", p->key);
	else
		n = snprintf(buf + at, len - at, "[%zu]", p->idx);
	return n < 0 ? at : at + (size_t)n;
}

const char *cfg_path_fmt(const struct cfg_path *p, char *buf, size_t len)
{
	if (!len)
		return buf;
	buf[0] = 0;
	/* Cut on a character boundary: keys may be any UTF-8. */
	if (path_put(p, buf, len) >= len) {
		size_t at = 0, n;

		while ((n = cfg_utf8_char_len(buf + at)))
			at += n;
		buf[at] = 0;
	}
	return buf;
}
