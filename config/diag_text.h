/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The text of a diagnostic made safe to print: valid UTF-8 (so `--json`
 * can always encode it), control characters written as escapes (a value
 * with a line break stays on one line), and no longer than a limit, which
 * is reached by shortening the quoted value rather than the explanation.
 */
#ifndef BALLAST_CONFIG_DIAG_TEXT_H
#define BALLAST_CONFIG_DIAG_TEXT_H

#include <stddef.h>

/* Bytes of a message at most, the terminating NUL excluded. */
#define CFG_DIAG_TEXT_MAX 600

/*
 * A heap copy of `raw` made safe, at most `max` bytes long (at least 64).
 * Invalid UTF-8 bytes become '?'; controls become \n, \r, \t or \xNN.
 * When too long, the longest span between two quote characters (' or ")
 * is cut to fit and ends in "…"; only if that is not enough is the end of
 * the text cut. Cuts fall on character boundaries. NULL when out of memory.
 */
char *cfg_diag_text(const char *raw, size_t max);

/* Bytes of the valid UTF-8 character at s, or 0 when s does not start one. */
size_t cfg_utf8_char_len(const char *s);

#endif
