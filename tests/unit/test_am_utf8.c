/*
 * Unit tests for am_utf8: strict UTF-8 validation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "am_utf8.h"

#define L(lit) lit, sizeof(lit) - 1

static void
test_valid(void **state)
{
	(void)state;
	assert_true(am_utf8_valid(L("")));
	assert_true(am_utf8_valid(L("plain ascii")));
	assert_true(am_utf8_valid(L("Stra\xc3\x9f" "e")));	/* ß */
	assert_true(am_utf8_valid(L("\xe2\x82\xac")));	/* € */
	assert_true(am_utf8_valid(L("\xf0\x9f\x93\xa7")));	/* U+1F4E7 */
	assert_true(am_utf8_valid(L("\xf4\x8f\xbf\xbf")));	/* U+10FFFF */
	assert_true(am_utf8_valid(L("\xed\x9f\xbf")));	/* U+D7FF */
	assert_true(am_utf8_valid(L("\xee\x80\x80")));	/* U+E000 */
	assert_true(am_utf8_valid(L("a\0b")));	/* NUL is ASCII */
}

static void
test_invalid(void **state)
{
	(void)state;
	assert_false(am_utf8_valid(L("\xff")));
	assert_false(am_utf8_valid(L("\xfe")));
	assert_false(am_utf8_valid(L("\x80")));		/* lone continuation */
	assert_false(am_utf8_valid(L("\xc3")));		/* truncated */
	assert_false(am_utf8_valid(L("\xc3(")));
	assert_false(am_utf8_valid(L("\xe2\x82")));
	assert_false(am_utf8_valid(L("\xc0\xaf")));	/* overlong '/' */
	assert_false(am_utf8_valid(L("\xc1\xbf")));
	assert_false(am_utf8_valid(L("\xe0\x80\xaf")));	/* overlong */
	assert_false(am_utf8_valid(L("\xf0\x80\x80\xaf")));	/* overlong */
	assert_false(am_utf8_valid(L("\xed\xa0\x80")));	/* surrogate */
	assert_false(am_utf8_valid(L("\xed\xbf\xbf")));
	assert_false(am_utf8_valid(L("\xf4\x90\x80\x80")));	/* > U+10FFFF */
	assert_false(am_utf8_valid(L("\xf5\x80\x80\x80")));
	assert_false(am_utf8_valid(L("ok \xc3\xa4 then \xa4")));
	/* The length counts: a valid prefix of an invalid string is valid. */
	assert_true(am_utf8_valid("ab\xff", 2));
	assert_false(am_utf8_valid("\xc3\xa4", 1));
}

static void
test_seqlen(void **state)
{
	(void)state;
	assert_int_equal(am_utf8_seqlen((const unsigned char *)"a", 1), 1);
	assert_int_equal(am_utf8_seqlen((const unsigned char *)"\xc3\xa4", 2),
	    2);
	assert_int_equal(am_utf8_seqlen(
	    (const unsigned char *)"\xe2\x82\xac", 3), 3);
	assert_int_equal(am_utf8_seqlen(
	    (const unsigned char *)"\xf0\x9f\x93\xa7", 4), 4);
	/* not enough bytes available */
	assert_int_equal(am_utf8_seqlen(
	    (const unsigned char *)"\xe2\x82\xac", 2), 0);
	assert_int_equal(am_utf8_seqlen((const unsigned char *)"\x80", 1), 0);
	assert_int_equal(am_utf8_seqlen(
	    (const unsigned char *)"\xed\xa0\x80", 3), 0);
}

static void
test_ascii_only(void **state)
{
	(void)state;
	assert_true(am_utf8_is_ascii(L("")));
	assert_true(am_utf8_is_ascii(L("Alice@Example.COM\x7f\x01")));
	assert_false(am_utf8_is_ascii(L("Stra\xc3\x9f" "e")));
	assert_false(am_utf8_is_ascii(L("\x80")));
	/* stops at len */
	assert_true(am_utf8_is_ascii("ab\xc3\xa4", 2));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_seqlen),
		cmocka_unit_test(test_ascii_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
