// SPDX-License-Identifier: GPL-2.0-only
/*
 * The cost of an ERE as glibc's regcomp builds it: every literal, `.` or
 * bracket expression is one position; `x{m,n}` holds n copies of x (m + 1
 * for `{m,}`), `x+` two (it becomes `xx*`), `*`, `?`, `|` and groups add a
 * node each; repeats of repeats multiply. Compile time, memory and the
 * per-byte cost of regexec all grow with the number of positions, which is
 * what the limits in regex_cost.h bound. "Nested" is the product of the
 * `{m,n}` counts around one position.
 */
#include "config/regex_cost.h"

#include <stdbool.h>
#include <string.h>

/* Far above every limit and far below overflow. */
#define SAT (1ull << 40)

struct rx {
	const char *s;
	const char *p;
	struct cfg_regex_cost *out;
};

struct rx_part {
	uint64_t size;
	uint64_t nested;
	bool nullable; /* can match empty text */
};

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a + b > SAT ? SAT : a + b;
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
	if (a && b > SAT / a)
		return SAT;
	return a * b > SAT ? SAT : a * b;
}

static void flag(struct rx *x, enum cfg_regex_verdict v, uint64_t value,
		 const char *at, const char *end)
{
	/* Only the first finding of each kind; kinds rank by their enum. */
	if (x->out->verdict && x->out->verdict <= v)
		return;
	x->out->verdict = v;
	x->out->value = value;
	x->out->at = (size_t)(at - x->s);
	x->out->span = (size_t)(end - at);
}

/* Past a bracket expression; p is at '['. */
static const char *skip_bracket(const char *p)
{
	p++;
	if (*p == '^')
		p++;
	if (*p == ']')
		p++;
	while (*p && *p != ']') {
		if (*p == '[' && (p[1] == ':' || p[1] == '=' || p[1] == '.')) {
			char close[3] = {p[1], ']', 0};
			const char *e = strstr(p + 2, close);

			p = e ? e + 2 : p + strlen(p);
			continue;
		}
		p++;
	}
	return *p ? p + 1 : p;
}

/* Past one UTF-8 character (or one stray byte). */
static const char *skip_char(const char *p)
{
	if (!*p)
		return p;
	p++;
	while ((*p & 0xc0) == 0x80)
		p++;
	return p;
}

/* A decimal count, saturated; false when there are no digits. */
static bool read_count(const char **pp, uint64_t *v)
{
	const char *p = *pp;

	*v = 0;
	if (*p < '0' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9') {
		*v = sat_add(sat_mul(*v, 10), (uint64_t)(*p - '0'));
		p++;
	}
	*pp = p;
	return true;
}

/*
 * `{m}`, `{m,}`, `{m,n}` or `{,n}` applied to `a`; false (p unmoved) when
 * the braces are not an interval, which regcomp then reports.
 */
static bool apply_interval(struct rx *x, struct rx_part *a)
{
	const char *start = x->p, *p = x->p + 1;
	uint64_t m = 0, n = 0, k;
	bool has_m, comma = false, has_n = false;

	has_m = read_count(&p, &m);
	if (*p == ',') {
		comma = true;
		p++;
		has_n = read_count(&p, &n);
	}
	if (*p != '}' || (!has_m && !has_n))
		return false;
	x->p = ++p;
	if (m > CFG_REGEX_MAX_COUNT || n > CFG_REGEX_MAX_COUNT)
		flag(x, CFG_REGEX_COUNT, m > n ? m : n, start, p);
	if (comma && !has_n && a->nullable)
		flag(x, CFG_REGEX_EMPTY_LOOP, 0, start, p);
	a->nullable = a->nullable || !m;
	k = has_n ? n : comma ? m + 1 : m;
	if (has_n && n < m)
		k = m;
	if (!k) {
		a->size = 0; /* x{0} matches the empty string only */
		return true;
	}
	a->size = sat_add(sat_mul(a->size, k), has_n && n > m ? n - m : 1);
	a->nested = sat_mul(a->nested, k);
	if (a->nested > CFG_REGEX_MAX_NESTED)
		flag(x, CFG_REGEX_NESTED, a->nested, start, p);
	return true;
}

static struct rx_part parse_alt(struct rx *x, unsigned depth);

static struct rx_part parse_atom(struct rx *x, unsigned depth)
{
	struct rx_part a = {1, 1, false};

	switch (*x->p) {
	case '(':
		x->p++;
		a = parse_alt(x, depth + 1);
		if (*x->p == ')')
			x->p++;
		a.size = sat_add(a.size, 1);
		break;
	case '[':
		x->p = skip_bracket(x->p);
		break;
	case '\\':
		if (x->p[1] >= '1' && x->p[1] <= '9')
			flag(x, CFG_REGEX_BACKREF, 0, x->p, x->p + 2);
		x->p = skip_char(x->p + 1);
		break;
	case '^':
	case '$':
		x->p++;
		a.nullable = true;
		break;
	default:
		/* Literals, '.', anchors, and operators with nothing before
		 * them (a syntax error regcomp reports). */
		x->p = skip_char(x->p);
		break;
	}
	return a;
}

static struct rx_part parse_seq(struct rx *x, unsigned depth)
{
	struct rx_part seq = {0, 1, true};

	while (*x->p && *x->p != '|' && !(*x->p == ')' && depth)) {
		struct rx_part a = parse_atom(x, depth);

		for (;;) {
			if ((*x->p == '*' || *x->p == '+') && a.nullable)
				flag(x, CFG_REGEX_EMPTY_LOOP, 0, x->p,
				     x->p + 1);
			if (*x->p == '*' || *x->p == '?') {
				a.size = sat_add(a.size, 1);
				a.nullable = true;
			} else if (*x->p == '+') {
				a.size = sat_add(sat_mul(a.size, 2), 1);
			} else if (*x->p == '{') {
				if (!apply_interval(x, &a))
					break;
				continue;
			} else {
				break;
			}
			x->p++;
		}
		seq.size = sat_add(seq.size, a.size);
		seq.nullable = seq.nullable && a.nullable;
		if (a.nested > seq.nested)
			seq.nested = a.nested;
	}
	return seq;
}

static struct rx_part parse_alt(struct rx *x, unsigned depth)
{
	struct rx_part r = parse_seq(x, depth);

	while (*x->p == '|') {
		struct rx_part b;

		x->p++;
		b = parse_seq(x, depth);
		r.size = sat_add(sat_add(r.size, b.size), 1);
		r.nullable = r.nullable || b.nullable;
		if (b.nested > r.nested)
			r.nested = b.nested;
	}
	return r;
}

enum cfg_regex_verdict cfg_regex_cost(const char *re,
				      struct cfg_regex_cost *out)
{
	struct rx x = {re, re, out};
	struct rx_part all;
	size_t chars = 0;

	memset(out, 0, sizeof(*out));
	for (const char *p = re; *p; p++)
		chars += (*p & 0xc0) != 0x80;
	if (chars > CFG_REGEX_MAX_LEN) {
		/* Not parsed: the length bounds the parser's recursion. */
		flag(&x, CFG_REGEX_TOO_LONG, chars, re, re + strlen(re));
		return out->verdict;
	}
	/* At depth 0 an unmatched ')' is a literal: this reads to the end. */
	all = parse_alt(&x, 0);
	out->size = all.size;
	out->nested = all.nested;
	if (out->size > CFG_REGEX_MAX_SIZE)
		flag(&x, CFG_REGEX_SIZE, out->size, re, x.p);
	return out->verdict;
}
