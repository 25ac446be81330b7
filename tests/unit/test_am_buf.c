/*
 * Unit tests for am_buf: appending, NUL termination with embedded NULs,
 * growth, reset, free and wipe.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "am_buf.h"

static int
setup_buf(void **state)
{
	struct am_buf *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return -1;
	*state = b;
	return 0;
}

static int
teardown_buf(void **state)
{
	struct am_buf *b = *state;

	am_buf_free(b);
	free(b);
	return 0;
}

static void
test_init_is_empty(void **state)
{
	struct am_buf b = AM_BUF_INIT;

	(void)state;
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	am_buf_free(&b);	/* freeing an unused buffer is fine */
	am_buf_reset(&b);	/* so is resetting it */
	assert_int_equal(b.len, 0);
}

static void
test_add_terminates(void **state)
{
	struct am_buf *b = *state;

	assert_int_equal(am_buf_add(b, "abc", 3), 0);
	assert_int_equal(b->len, 3);
	assert_true(b->cap > 3);
	assert_string_equal(b->data, "abc");
	assert_int_equal(am_buf_addc(b, 'd'), 0);
	assert_int_equal(am_buf_adds(b, "ef"), 0);
	assert_int_equal(b->len, 6);
	assert_string_equal(b->data, "abcdef");
	assert_int_equal(b->data[b->len], '\0');
	/* Adding nothing still leaves a valid string. */
	assert_int_equal(am_buf_add(b, NULL, 0), 0);
	assert_string_equal(b->data, "abcdef");
}

static void
test_empty_add_gives_string(void **state)
{
	struct am_buf *b = *state;

	assert_int_equal(am_buf_add(b, "", 0), 0);
	assert_non_null(b->data);
	assert_string_equal(b->data, "");
	assert_int_equal(b->len, 0);
}

static void
test_embedded_nul(void **state)
{
	struct am_buf *b = *state;

	assert_int_equal(am_buf_add(b, "a\0b", 3), 0);
	assert_int_equal(am_buf_addc(b, '\0'), 0);
	assert_int_equal(b->len, 4);
	assert_memory_equal(b->data, "a\0b\0", 5);	/* plus terminator */
}

static void
test_printf(void **state)
{
	struct am_buf *b = *state;
	char big[1000];

	assert_int_equal(am_buf_adds(b, "x="), 0);
	assert_int_equal(am_buf_printf(b, "%d,%s,%05ld", 42, "str", 7L), 0);
	assert_string_equal(b->data, "x=42,str,00007");
	assert_int_equal(b->len, strlen("x=42,str,00007"));

	/* Output longer than the current capacity. */
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	am_buf_reset(b);
	assert_int_equal(am_buf_printf(b, "<%s>", big), 0);
	assert_int_equal(b->len, sizeof(big) + 1);
	assert_int_equal(b->data[0], '<');
	assert_int_equal(b->data[b->len - 1], '>');
	assert_int_equal(b->data[b->len], '\0');
}

static void
test_growth_keeps_content(void **state)
{
	struct am_buf *b = *state;
	size_t i;

	for (i = 0; i < 100000; i++)
		assert_int_equal(am_buf_addc(b, 'a' + (int)(i % 26)), 0);
	assert_int_equal(b->len, 100000);
	assert_true(b->cap > b->len);
	for (i = 0; i < 100000; i++)
		if (b->data[i] != 'a' + (int)(i % 26))
			fail_msg("byte %zu changed", i);
	assert_int_equal(b->data[b->len], '\0');
}

static void
test_reserve(void **state)
{
	struct am_buf *b = *state;
	char *before;

	assert_int_equal(am_buf_reserve(b, 500), 0);
	assert_true(b->cap >= 501);
	assert_int_equal(b->len, 0);
	/* Enough room: appending must not move the data. */
	before = b->data;
	assert_int_equal(am_buf_add(b, "0123456789", 10), 0);
	assert_ptr_equal(b->data, before);
	/* An impossible size fails cleanly and keeps the contents. */
	assert_int_equal(am_buf_reserve(b, (size_t)-1), -1);
	assert_int_equal(am_buf_reserve(b, (size_t)-1 / 2), -1);
	assert_string_equal(b->data, "0123456789");
	assert_int_equal(b->len, 10);
}

static void
test_reset_keeps_memory(void **state)
{
	struct am_buf *b = *state;
	size_t cap;

	am_buf_adds(b, "hello");
	cap = b->cap;
	am_buf_reset(b);
	assert_int_equal(b->len, 0);
	assert_string_equal(b->data, "");
	assert_int_equal(b->cap, cap);
	am_buf_adds(b, "x");
	assert_string_equal(b->data, "x");
}

static void
test_free_then_reuse(void **state)
{
	struct am_buf *b = *state;

	am_buf_adds(b, "first");
	am_buf_free(b);
	assert_null(b->data);
	assert_int_equal(b->len, 0);
	assert_int_equal(b->cap, 0);
	am_buf_free(b);		/* twice is fine */
	am_buf_free(NULL);
	assert_int_equal(am_buf_adds(b, "second"), 0);
	assert_string_equal(b->data, "second");
}

static void
test_wipe(void **state)
{
	struct am_buf *b = *state;

	am_buf_adds(b, "secret password");
	am_buf_wipe(b);
	assert_null(b->data);
	assert_int_equal(b->len, 0);
	assert_int_equal(b->cap, 0);
	am_buf_wipe(b);
	am_buf_wipe(NULL);
	assert_int_equal(am_buf_adds(b, "again"), 0);
	assert_string_equal(b->data, "again");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_is_empty),
		cmocka_unit_test_setup_teardown(test_add_terminates, setup_buf,
		    teardown_buf),
		cmocka_unit_test_setup_teardown(test_empty_add_gives_string,
		    setup_buf, teardown_buf),
		cmocka_unit_test_setup_teardown(test_embedded_nul, setup_buf,
		    teardown_buf),
		cmocka_unit_test_setup_teardown(test_printf, setup_buf,
		    teardown_buf),
		cmocka_unit_test_setup_teardown(test_growth_keeps_content,
		    setup_buf, teardown_buf),
		cmocka_unit_test_setup_teardown(test_reserve, setup_buf,
		    teardown_buf),
		cmocka_unit_test_setup_teardown(test_reset_keeps_memory,
		    setup_buf, teardown_buf),
		cmocka_unit_test_setup_teardown(test_free_then_reuse, setup_buf,
		    teardown_buf),
		cmocka_unit_test_setup_teardown(test_wipe, setup_buf,
		    teardown_buf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
