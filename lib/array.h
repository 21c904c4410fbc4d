/* SPDX-License-Identifier: GPL-2.0-only */
/* Arrays that grow by doubling. */
#ifndef BALLAST_LIB_ARRAY_H
#define BALLAST_LIB_ARRAY_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

/*
 * Make room for element n of *arr, an array of elem-byte elements with room
 * for *cap: the capacity doubles, starting at first. Inline because the diff
 * calls it once per operation. 0, or -ENOMEM with *arr and *cap unchanged.
 */
static inline int lb_array_reserve(void **arr, size_t *cap, size_t n,
				   size_t elem, size_t first)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	if (*cap > SIZE_MAX / 2 / elem)
		return -ENOMEM; /* the byte count would overflow */
	ncap = *cap ? *cap * 2 : first;
	p = realloc(*arr, ncap * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

#endif
