/*
 * am_arena - copies of strings that live until the arena is freed.
 *
 * Parsed keys and values are many small strings with one lifetime (that of
 * a compiled record set or an opened file editor); an arena hands them out
 * from 1 MiB blocks and frees them all at once.  Pointers stay valid
 * because blocks never move.
 */
#ifndef AM_ARENA_H
#define AM_ARENA_H

#include <stddef.h>

struct am_arena_block;

struct am_arena {
	struct am_arena_block *head;
};

/* A NUL-terminated copy of s[0..len), or NULL when out of memory. */
char *am_arena_copy(struct am_arena *arena, const char *s, size_t len);
void am_arena_free(struct am_arena *arena);

#endif
