// SPDX-License-Identifier: GPL-2.0-only
/*
 * A bump allocator. A loaded configuration is immutable and freed as a
 * whole, so one arena per struct cfg makes cfg_free() a handful of free()s
 * whatever the size of the file, and no partial object can leak on an error
 * path.
 */
#include "config/internal.h"

#include <stdlib.h>
#include <string.h>

#define ARENA_CHUNK (64 * 1024)

struct cfg_arena_chunk {
	struct cfg_arena_chunk *next;
	size_t used;
	size_t size;
	max_align_t data[];
};

void *cfg_arena_alloc(struct cfg_arena *a, size_t size)
{
	struct cfg_arena_chunk *c = a->head;
	size_t align = sizeof(max_align_t);
	void *p;

	size = (size + align - 1) & ~(align - 1);
	if (!size)
		size = align;
	if (!c || c->size - c->used < size) {
		size_t want = size > ARENA_CHUNK / 4 ? size : ARENA_CHUNK;

		c = malloc(sizeof(*c) + want);
		if (!c) {
			a->failed = true;
			return NULL;
		}
		c->used = 0;
		c->size = want;
		if (want == size && a->head) {
			/* A big block gets its own chunk behind the current
			 * one so the current chunk's free space stays usable.
			 */
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
	}
	p = (char *)c->data + c->used;
	c->used += size;
	memset(p, 0, size);
	return p;
}

void *cfg_arena_calloc(struct cfg_arena *a, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size) {
		a->failed = true;
		return NULL;
	}
	return cfg_arena_alloc(a, n * size);
}

char *cfg_arena_strndup(struct cfg_arena *a, const char *s, size_t len)
{
	char *p = cfg_arena_alloc(a, len + 1);

	if (p)
		memcpy(p, s, len);
	return p;
}

char *cfg_arena_strdup(struct cfg_arena *a, const char *s)
{
	return cfg_arena_strndup(a, s, strlen(s));
}

void cfg_arena_free(struct cfg_arena *a)
{
	struct cfg_arena_chunk *c, *next;

	if (!a)
		return;
	for (c = a->head; c; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
}
