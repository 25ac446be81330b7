#include "am_arena.h"

#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK (1u << 20)

struct am_arena_block {
	struct am_arena_block *next;
	size_t used, size;
	char data[];
};

char *
am_arena_copy(struct am_arena *arena, const char *s, size_t len)
{
	struct am_arena_block *b = arena->head;
	size_t size;
	char *p;

	if (b == NULL || b->size - b->used < len + 1) {
		size = len + 1 > ARENA_BLOCK ? len + 1 : ARENA_BLOCK;
		if ((b = malloc(sizeof(*b) + size)) == NULL)
			return NULL;
		b->size = size;
		b->used = 0;
		b->next = arena->head;
		arena->head = b;
	}
	p = b->data + b->used;
	memcpy(p, s, len);
	p[len] = '\0';
	b->used += len + 1;
	return p;
}

void
am_arena_free(struct am_arena *arena)
{
	struct am_arena_block *b, *next;

	if (arena == NULL)
		return;
	for (b = arena->head; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	arena->head = NULL;
}
