// SPDX-License-Identifier: GPL-2.0-only
#include "lib/array.h"

#include <errno.h>
#include <stdlib.h>

int lb_array_grow(void **arr, size_t *cap, size_t n, size_t elem,
		  size_t min_cap)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : min_cap;
	p = realloc(*arr, ncap * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}
