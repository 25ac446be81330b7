/*
 * am_arena: copies are NUL-terminated, equal to their source, and stay
 * valid while more blocks are added (including strings larger than a
 * block); freeing is NULL-safe and leaves the arena reusable.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "am_arena.h"

static void
test_copy_is_terminated_and_equal(void **state)
{
	struct am_arena a = { NULL };
	char *p;

	(void)state;
	p = am_arena_copy(&a, "key\0junk", 3);
	assert_non_null(p);
	assert_string_equal(p, "key");
	p = am_arena_copy(&a, "", 0);
	assert_non_null(p);
	assert_string_equal(p, "");
	am_arena_free(&a);
	assert_null(a.head);
}

static void
test_pointers_survive_new_blocks(void **state)
{
	struct am_arena a = { NULL };
	char *first, *big, *p = NULL;
	char *large = malloc(3u << 20);
	size_t i;

	(void)state;
	assert_non_null(large);
	memset(large, 'x', 3u << 20);
	first = am_arena_copy(&a, "first", 5);
	/* Fill several blocks, then one string larger than a block. */
	for (i = 0; i < 300000; i++)
		assert_non_null(p = am_arena_copy(&a, "0123456789", 10));
	big = am_arena_copy(&a, large, 3u << 20);
	assert_non_null(big);
	assert_string_equal(first, "first");
	assert_string_equal(p, "0123456789");
	assert_int_equal(strlen(big), 3u << 20);
	assert_memory_equal(big, large, 3u << 20);
	am_arena_free(&a);
	am_arena_free(&a);
	am_arena_free(NULL);
	assert_non_null(am_arena_copy(&a, "again", 5));
	am_arena_free(&a);
	free(large);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copy_is_terminated_and_equal),
		cmocka_unit_test(test_pointers_survive_new_blocks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
