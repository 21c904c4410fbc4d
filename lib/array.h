/* SPDX-License-Identifier: GPL-2.0-only */
/* Growable arrays: the one doubling realloc the modules share. */
#ifndef BALLAST_LIB_ARRAY_H
#define BALLAST_LIB_ARRAY_H

#include <stddef.h>

/*
 * Make room in *arr (capacity *cap elements of elem bytes, n in use) for one
 * more element, doubling the capacity (first: min_cap). 0 or -ENOMEM, with
 * *arr and *cap unchanged on failure.
 */
int lb_array_grow(void **arr, size_t *cap, size_t n, size_t elem,
		  size_t min_cap) __attribute__((warn_unused_result));

#endif
