// SPDX-License-Identifier: GPL-2.0-only
/*
 * Making diagnostic text safe to print. Messages quote the user's value in
 * '...' (or "..."), so a value of ten kilobytes is the one long span
 * between quotes; cutting that span keeps the explanation, which is what
 * tells the user how to fix the file.
 */
#include "config/diag_text.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char ellipsis[] = "\xe2\x80\xa6"; /* U+2026 */
#define ELLIPSIS_LEN (sizeof(ellipsis) - 1)

size_t cfg_utf8_char_len(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	uint32_t cp;
	size_t n;

	if (s[0] < 0x80)
		return s[0] ? 1 : 0;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

/* Valid UTF-8 with escaped controls, in a heap buffer. */
static char *sanitize(const char *raw, size_t *len)
{
	size_t cap = strlen(raw) * 4 + 1, at = 0;
	char *out = malloc(cap);

	if (!out)
		return NULL;
	for (const char *p = raw; *p;) {
		unsigned char b = (unsigned char)*p;
		size_t n = cfg_utf8_char_len(p);

		if (b == '\n' || b == '\r' || b == '\t') {
			out[at++] = '\\';
			out[at++] = b == '\n' ? 'n' : b == '\r' ? 'r' : 't';
			p++;
		} else if (b < 0x20 || b == 0x7f) {
			at +=
			    (size_t)snprintf(out + at, cap - at, "\\x%02x", b);
			p++;
		} else if (!n) {
			out[at++] = '?';
			p++;
		} else {
			memcpy(out + at, p, n);
			at += n;
			p += n;
		}
	}
	out[at] = 0;
	*len = at;
	return out;
}

/* The largest cut <= want bytes into s that ends on a character boundary. */
static size_t boundary(const char *s, size_t want)
{
	while (want && ((unsigned char)s[want] & 0xc0) == 0x80)
		want--;
	return want;
}

static bool is_quote(char c)
{
	return c == '\'' || c == '"';
}

char *cfg_diag_text(const char *raw, size_t max)
{
	size_t len, best = 0, from = 0, prev = SIZE_MAX;
	char *s;

	if (max < 64)
		max = 64;
	s = sanitize(raw ? raw : "", &len);
	if (!s || len <= max)
		return s;
	/* The longest quoted span: between two consecutive quotes. */
	for (size_t i = 0; i < len; i++) {
		if (!is_quote(s[i]))
			continue;
		if (prev != SIZE_MAX && i - prev - 1 > best) {
			best = i - prev - 1;
			from = prev + 1;
		}
		prev = i;
	}
	if (best > ELLIPSIS_LEN && len - best + ELLIPSIS_LEN + 16 <= max) {
		/* Keep the start of the value, then "…", then the rest. */
		size_t keep =
		    boundary(s + from, max - (len - best) - ELLIPSIS_LEN);

		memmove(s + from + keep + ELLIPSIS_LEN, s + from + best,
			len - from - best + 1);
		memcpy(s + from + keep, ellipsis, ELLIPSIS_LEN);
		return s;
	}
	len = boundary(s, max - ELLIPSIS_LEN);
	memcpy(s + len, ellipsis, ELLIPSIS_LEN + 1);
	return s;
}
