/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a POSIX extended regular expression costs glibc's regcomp() and
 * regexec(), judged before either runs. regcomp copies the operand of a
 * bounded repeat once per count, so `.{0,32767}` alone takes seconds and
 * gigabytes; the limits below keep the worst accepted pattern at a few
 * milliseconds and megabytes (Docs/CONFIG.md has the measurements).
 */
#ifndef BALLAST_CONFIG_REGEX_COST_H
#define BALLAST_CONFIG_REGEX_COST_H

#include <stddef.h>
#include <stdint.h>

/* Characters (UTF-8 code points) a pattern may have. */
#define CFG_REGEX_MAX_LEN 1024
/* Largest count in `{m}`, `{m,}` or `{m,n}`: POSIX's minimum RE_DUP_MAX. */
#define CFG_REGEX_MAX_COUNT 255
/* Largest product of the counts of repeats nested in one another. */
#define CFG_REGEX_MAX_NESTED 1024
/* Largest number of positions the compiled expression may have. */
#define CFG_REGEX_MAX_SIZE 2048

enum cfg_regex_verdict {
	CFG_REGEX_OK = 0,
	CFG_REGEX_TOO_LONG,   /* value: length in characters */
	CFG_REGEX_BACKREF,    /* at, span: the `\N` */
	CFG_REGEX_COUNT,      /* value: the count; at, span: the `{...}` */
	CFG_REGEX_EMPTY_LOOP, /* at, span: the unbounded repeat */
	CFG_REGEX_NESTED,     /* value: the product; at, span: the repeat */
	CFG_REGEX_SIZE,	      /* value: the positions */
};

struct cfg_regex_cost {
	enum cfg_regex_verdict verdict;
	uint64_t value;
	size_t at;	 /* byte offset of the offending operator */
	size_t span;	 /* its length in bytes */
	uint64_t size;	 /* positions of the whole pattern (saturated) */
	uint64_t nested; /* largest product of nested counts */
};

/*
 * Besides the limits, two constructs are refused outright: back-references
 * (`\1`; glibc accepts them in an ERE and matches them by backtracking)
 * and an unbounded repeat (`*`, `+`, `{m,}`) of something that can match
 * empty text, such as `(a?)*`: glibc's compile time grows with the square
 * of their number, and `(a?)*` always means the same as `a*`.
 *
 * Judge `re` against the limits above. Parses ERE syntax (groups,
 * alternation, bracket expressions, escapes, `*`, `+`, `?`, `{m,n}`)
 * without compiling; a syntax error is left for regcomp to report.
 * Returns the verdict, also stored in *out.
 */
enum cfg_regex_verdict cfg_regex_cost(const char *re,
				      struct cfg_regex_cost *out);

#endif
