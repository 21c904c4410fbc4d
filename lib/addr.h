/* SPDX-License-Identifier: GPL-2.0-only */
/* IPv4/IPv6 addresses as plain comparable values. */
#ifndef BALLAST_LIB_ADDR_H
#define BALLAST_LIB_ADDR_H

#include <endian.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Long enough for any IPv6 text form plus brackets and ":65535". */
#define LB_ADDR_STRLEN 56

/*
 * family is AF_INET or AF_INET6 (0 means unset). IPv4 lives in the first four
 * bytes of b and the rest is zero, so memcmp over the struct is a valid
 * total order and equality test.
 */
struct lb_addr {
	uint8_t family;
	uint8_t pad[3];
	union {
		uint8_t b[16];
		uint32_t w[4];
	};
};

_Static_assert(sizeof(struct lb_addr) == 20, "lb_addr layout");

/* Parse a literal address (no names, no prefix). 0 or -EINVAL. */
int lb_addr_parse(const char *s, struct lb_addr *out);
/* Format into buf (LB_ADDR_STRLEN is enough); returns buf. */
const char *lb_addr_fmt(const struct lb_addr *a, char *buf, size_t len);
/* "1.2.3.4:80" or "[2001:db8::1]:80"; returns buf. */
const char *lb_addr_port_fmt(const struct lb_addr *a, uint16_t port,
			     char *buf, size_t len);
/*
 * Family first, then the bytes in memcmp()'s order, compared as two
 * big-endian words: inline, since states of 100,000 reals are compared
 * key by key several times a pass (sorted check, diff) and a call to
 * memcmp() for 16 bytes was most of each comparison.
 */
static inline int lb_addr_cmp(const struct lb_addr *a, const struct lb_addr *b)
{
	uint64_t x, y;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	for (size_t i = 0; i < sizeof(a->b); i += sizeof(x)) {
		memcpy(&x, a->b + i, sizeof(x));
		memcpy(&y, b->b + i, sizeof(y));
		if (x != y)
			return be64toh(x) < be64toh(y) ? -1 : 1;
	}
	return 0;
}
bool lb_addr_is_zero(const struct lb_addr *a);
/* Parse a prefix length valid for the family (0..32 or 0..128). */
int lb_prefix_parse(const char *s, int family, uint8_t *out);

#endif
