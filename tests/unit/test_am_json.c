/*
 * Unit tests for am_json: string escaping (quotes, backslash, control
 * characters, UTF-8 passed through, invalid bytes as \u00XX), commas and
 * nesting, and refusal of unbalanced documents.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "am_json.h"

static int
setup_json(void **state)
{
	struct am_json *j = malloc(sizeof(*j));

	if (j == NULL)
		return -1;
	am_json_init(j);
	*state = j;
	return 0;
}

static int
teardown_json(void **state)
{
	struct am_json *j = *state;

	am_json_free(j);
	free(j);
	return 0;
}

/* The JSON literal am_json_quote() makes of len bytes of s. */
static char *
quoted(const char *s, size_t len)
{
	struct am_buf b = AM_BUF_INIT;

	assert_int_equal(am_json_quote(&b, s, len), 0);
	return b.data;
}

static void
expect_quote(const char *in, size_t len, const char *expect)
{
	char *q = quoted(in, len);

	assert_string_equal(q, expect);
	free(q);
}

/* As expect_quote, but hex digits of \u escapes in either case. */
static void
expect_quote_ci(const char *in, size_t len, const char *expect)
{
	char *q = quoted(in, len);

	if (strcasecmp(q, expect) != 0)
		fail_msg("quote gave %s, expected %s", q, expect);
	/* Only the hex digits may differ: the letters 'u' stay lowercase. */
	assert_int_equal(strlen(q), strlen(expect));
	free(q);
}

/* A string literal with its length, NUL bytes included. */
#define Q(lit, expect) expect_quote(lit, sizeof(lit) - 1, expect)
#define QCI(lit, expect) expect_quote_ci(lit, sizeof(lit) - 1, expect)

static void
test_quote_plain(void **state)
{
	(void)state;
	Q("", "\"\"");
	Q("alice@example.com", "\"alice@example.com\"");
	Q("a/b 'c'", "\"a/b 'c'\"");
}

static void
test_quote_quotes_and_backslash(void **state)
{
	(void)state;
	Q("say \"hi\"", "\"say \\\"hi\\\"\"");
	Q("back\\slash", "\"back\\\\slash\"");
	Q("\\\"", "\"\\\\\\\"\"");
}

static void
test_quote_control_chars(void **state)
{
	(void)state;
	Q("a\nb", "\"a\\nb\"");
	Q("a\tb", "\"a\\tb\"");
	Q("a\rb", "\"a\\rb\"");
	QCI("\x01", "\"\\u0001\"");
	QCI("\x1f", "\"\\u001f\"");
	QCI("\x1b[0m", "\"\\u001b[0m\"");
	/* NUL is data when a length is given */
	QCI("a\0b", "\"a\\u0000b\"");
}

static void
test_quote_utf8_passes(void **state)
{
	(void)state;
	Q("Stra\xc3\x9f" "e", "\"Stra\xc3\x9f" "e\"");
	Q("\xe2\x82\xac", "\"\xe2\x82\xac\"");		/* € */
	Q("\xf0\x9f\x93\xa7", "\"\xf0\x9f\x93\xa7\"");	/* 📧 */
	Q("i\xcc\x87stanbul", "\"i\xcc\x87stanbul\"");
}

static void
test_quote_invalid_bytes(void **state)
{
	(void)state;
	/* A lone byte that cannot start a sequence. */
	QCI("k7 \xff\xfe", "\"k7 \\u00ff\\u00fe\"");
	/* A lead byte followed by ASCII: only the lead byte is escaped. */
	QCI("\xc3(", "\"\\u00c3(\"");
	/* Truncated sequence at the end. */
	QCI("x\xe2\x82", "\"x\\u00e2\\u0082\"");
	/* Overlong encoding of '/' and a UTF-16 surrogate. */
	QCI("\xc0\xaf", "\"\\u00c0\\u00af\"");
	QCI("\xed\xa0\x80", "\"\\u00ed\\u00a0\\u0080\"");
	/* Above U+10FFFF. */
	QCI("\xf4\x90\x80\x80",
	    "\"\\u00f4\\u0090\\u0080\\u0080\"");
	/* Valid text around an invalid byte stays as it is. */
	QCI("\xc3\xa4\x80\xc3\xa4",
	    "\"\xc3\xa4\\u0080\xc3\xa4\"");
}

static void
test_quote_appends(void **state)
{
	struct am_buf b = AM_BUF_INIT;

	(void)state;
	am_buf_adds(&b, "x=");
	assert_int_equal(am_json_quote(&b, "y", 1), 0);
	assert_string_equal(b.data, "x=\"y\"");
	am_buf_free(&b);
}

static void
test_object_members_and_commas(void **state)
{
	struct am_json *j = *state;

	am_json_object_begin(j, NULL);
	am_json_string(j, "key", "alice@example.com");
	am_json_int(j, "count", -42);
	am_json_bool(j, "found", true);
	am_json_bool(j, "old", false);
	am_json_null(j, "none");
	am_json_string(j, "null_string", NULL);
	am_json_object_end(j);
	assert_int_equal(am_json_finish(j), 0);
	assert_string_equal(j->out.data,
	    "{\"key\":\"alice@example.com\",\"count\":-42,\"found\":true,"
	    "\"old\":false,\"none\":null,\"null_string\":null}\n");
}

static void
test_nesting(void **state)
{
	struct am_json *j = *state;

	am_json_object_begin(j, NULL);
	am_json_array_begin(j, "records");
	am_json_object_begin(j, NULL);
	am_json_string(j, "key", "a");
	am_json_string(j, "value", "1");
	am_json_object_end(j);
	am_json_object_begin(j, NULL);
	am_json_string(j, "key", "b");
	am_json_array_begin(j, "list");
	am_json_int(j, NULL, 1);
	am_json_int(j, NULL, 2);
	am_json_array_end(j);
	am_json_object_end(j);
	am_json_array_end(j);
	am_json_array_begin(j, "empty");
	am_json_array_end(j);
	am_json_object_begin(j, "empty_object");
	am_json_object_end(j);
	am_json_string_len(j, "bytes", "a\0b", 3);
	am_json_object_end(j);
	assert_int_equal(am_json_finish(j), 0);
	assert_string_equal(j->out.data,
	    "{\"records\":[{\"key\":\"a\",\"value\":\"1\"},"
	    "{\"key\":\"b\",\"list\":[1,2]}],\"empty\":[],"
	    "\"empty_object\":{},\"bytes\":\"a\\u0000b\"}\n");
}

static void
test_keys_escaped(void **state)
{
	struct am_json *j = *state;

	am_json_object_begin(j, NULL);
	am_json_string(j, "we\"ird\n", "v");
	am_json_object_end(j);
	assert_int_equal(am_json_finish(j), 0);
	assert_string_equal(j->out.data, "{\"we\\\"ird\\n\":\"v\"}\n");
}

static void
test_top_level_array(void **state)
{
	struct am_json *j = *state;

	am_json_array_begin(j, NULL);
	am_json_string(j, NULL, "x");
	am_json_string(j, NULL, "y");
	am_json_array_end(j);
	assert_int_equal(am_json_finish(j), 0);
	assert_string_equal(j->out.data, "[\"x\",\"y\"]\n");
}

static void
test_unbalanced_refused(void **state)
{
	struct am_json *j = *state;

	am_json_object_begin(j, NULL);
	am_json_array_begin(j, "a");
	am_json_array_end(j);
	assert_int_equal(am_json_finish(j), -1);	/* object still open */
}

static void
test_extra_end_refused(void **state)
{
	struct am_json *j = *state;

	am_json_object_begin(j, NULL);
	am_json_object_end(j);
	am_json_object_end(j);
	assert_int_equal(am_json_finish(j), -1);
}

static void
test_too_deep_refused(void **state)
{
	struct am_json *j = *state;
	int i;

	for (i = 0; i < AM_JSON_MAX_DEPTH + 1; i++)
		am_json_array_begin(j, NULL);
	for (i = 0; i < AM_JSON_MAX_DEPTH + 1; i++)
		am_json_array_end(j);
	assert_int_equal(am_json_finish(j), -1);
}

static void
test_max_depth_allowed(void **state)
{
	struct am_json *j = *state;
	int i;

	for (i = 0; i < AM_JSON_MAX_DEPTH; i++)
		am_json_array_begin(j, NULL);
	for (i = 0; i < AM_JSON_MAX_DEPTH; i++)
		am_json_array_end(j);
	assert_int_equal(am_json_finish(j), 0);
	assert_int_equal(j->out.len, 2 * AM_JSON_MAX_DEPTH + 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote_plain),
		cmocka_unit_test(test_quote_quotes_and_backslash),
		cmocka_unit_test(test_quote_control_chars),
		cmocka_unit_test(test_quote_utf8_passes),
		cmocka_unit_test(test_quote_invalid_bytes),
		cmocka_unit_test(test_quote_appends),
		cmocka_unit_test_setup_teardown(test_object_members_and_commas,
		    setup_json, teardown_json),
		cmocka_unit_test_setup_teardown(test_nesting, setup_json,
		    teardown_json),
		cmocka_unit_test_setup_teardown(test_keys_escaped, setup_json,
		    teardown_json),
		cmocka_unit_test_setup_teardown(test_top_level_array,
		    setup_json, teardown_json),
		cmocka_unit_test_setup_teardown(test_unbalanced_refused,
		    setup_json, teardown_json),
		cmocka_unit_test_setup_teardown(test_extra_end_refused,
		    setup_json, teardown_json),
		cmocka_unit_test_setup_teardown(test_too_deep_refused,
		    setup_json, teardown_json),
		cmocka_unit_test_setup_teardown(test_max_depth_allowed,
		    setup_json, teardown_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
