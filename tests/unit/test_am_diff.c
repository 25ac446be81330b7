/*
 * am_diff: unified diffs as diff -u prints them (three lines of context,
 * hunk headers, "\ No newline at end of file"), and nothing for equal
 * texts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "am_diff.h"

static void
expect_diff(const char *old, const char *new, const char *want)
{
	struct am_buf out = AM_BUF_INIT;
	struct am_error err;

	am_error_clear(&err);
	assert_int_equal(am_diff_text(old, strlen(old), new, strlen(new), "f",
	    &out, &err), 0);
	assert_int_equal(out.len, strlen(want));
	if (out.len > 0)
		assert_memory_equal(out.data, want, out.len);
	am_buf_free(&out);
}

static void
test_equal_texts_give_nothing(void **state)
{
	(void)state;
	expect_diff("", "", "");
	expect_diff("a\nb\n", "a\nb\n", "");
}

static void
test_context_of_three(void **state)
{
	(void)state;
	expect_diff("1\n2\n3\n4\n5\n6\n7\n8\n", "1\n2\n3\n4\nfive\n6\n7\n8\n",
	    "--- f\n+++ f\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n"
	    " 8\n");
}

static void
test_new_and_emptied_files(void **state)
{
	(void)state;
	expect_diff("", "a\n", "--- f\n+++ f\n@@ -0,0 +1,1 @@\n+a\n");
	expect_diff("a\n", "", "--- f\n+++ f\n@@ -1,1 +0,0 @@\n-a\n");
}

static void
test_missing_final_newline(void **state)
{
	(void)state;
	expect_diff("x\n", "x\ny", "--- f\n+++ f\n@@ -1,1 +1,2 @@\n x\n+y\n"
	    "\\ No newline at end of file\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equal_texts_give_nothing),
		cmocka_unit_test(test_context_of_three),
		cmocka_unit_test(test_new_and_emptied_files),
		cmocka_unit_test(test_missing_final_newline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
