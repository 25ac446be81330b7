/*
 * Unit tests for am_postfwd: the managed block is rewritten with exact
 * matches and everything around it kept byte-for-byte; --init replaces an
 * unmarked macro definition or places a new one before its first use;
 * broken markers are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "am_postfwd.h"

static const char reference_cf[] =
    "# postfwd rules\r\n"
    "&&SASL_WHITELIST {\n"
    "\tsasl_username=aur\n"
    "\tsasl_username=devnull;\n"
    "};\n"
    "&&NO_RATE_LIMIT_USERS {\n"
    "        sasl_username=gitlab\n"
    "        sasl_username=aur;\n"
    "};\n"
    "id=SaslWhitelist; protocol_state==END-OF-MESSAGE; &&SASL_WHITELIST;\n"
    "\taction=rcpt(sasl_username/360/3600/REJECT 360 per 1h)\n";

static char *
update(const char *text, const char *const *names, size_t n, bool init,
    struct am_error *err)
{
	struct am_buf out = AM_BUF_INIT;

	if (am_postfwd_update(text, strlen(text), "postfwd.cf",
	    "SASL_WHITELIST", names, n, init, &out, err) < 0) {
		am_buf_free(&out);
		return NULL;
	}
	return out.data;
}

static void
test_render(void **state)
{
	const char *names[] = { "aur", "devnull" };
	struct am_buf out = AM_BUF_INIT;
	struct am_error err;

	(void)state;
	am_error_clear(&err);
	assert_int_equal(am_postfwd_render("SASL_WHITELIST", names, 2, &out,
	    &err), 0);
	assert_string_equal(out.data,
	    "# archmail: begin relay hosts\n"
	    "&&SASL_WHITELIST {\n"
	    "\tsasl_username==aur\n"
	    "\tsasl_username==devnull;\n"
	    "};\n"
	    "# archmail: end relay hosts\n");
	am_buf_free(&out);
	names[1] = "a;b";
	assert_int_equal(am_postfwd_render("SASL_WHITELIST", names, 2, &out,
	    &err), -1);
	assert_int_equal(err.code, AM_E_INVALID);
	assert_int_equal(am_postfwd_render("BAD MACRO", names, 1, &out,
	    &err), -1);
	assert_int_equal(err.code, AM_E_CONFIG);
	am_buf_free(&out);
}

static void
test_no_markers(void **state)
{
	const char *names[] = { "aur" };
	struct am_error err;

	(void)state;
	am_error_clear(&err);
	assert_null(update(reference_cf, names, 1, false, &err));
	assert_int_equal(err.code, AM_E_CONFIG);
}

static void
test_init_replaces_definition(void **state)
{
	const char *names[] = { "aur", "devnull" };
	struct am_error err;
	char *out, *again;

	(void)state;
	am_error_clear(&err);
	out = update(reference_cf, names, 2, true, &err);
	assert_non_null(out);
	assert_string_equal(out,
	    "# postfwd rules\r\n"
	    "# archmail: begin relay hosts\n"
	    "&&SASL_WHITELIST {\n"
	    "\tsasl_username==aur\n"
	    "\tsasl_username==devnull;\n"
	    "};\n"
	    "# archmail: end relay hosts\n"
	    "&&NO_RATE_LIMIT_USERS {\n"
	    "        sasl_username=gitlab\n"
	    "        sasl_username=aur;\n"
	    "};\n"
	    "id=SaslWhitelist; protocol_state==END-OF-MESSAGE; "
	    "&&SASL_WHITELIST;\n"
	    "\taction=rcpt(sasl_username/360/3600/REJECT 360 per 1h)\n");
	/* A second sync with the same names changes nothing. */
	again = update(out, names, 2, false, &err);
	assert_non_null(again);
	assert_string_equal(again, out);
	free(again);
	/* Another host: only the block changes. */
	{
		const char *more[] = { "aur", "bbs", "devnull" };
		struct am_postfwd_block b;

		again = update(out, more, 3, false, &err);
		assert_non_null(again);
		assert_non_null(strstr(again, "\tsasl_username==bbs\n"));
		assert_int_equal(am_postfwd_find_block(again, strlen(again),
		    "f", &b, &err), 0);
		assert_true(b.found);
		assert_int_equal(b.begin_line, 2);
		assert_true(am_postfwd_block_lists(again, strlen(again), &b,
		    "bbs"));
		assert_false(am_postfwd_block_lists(again, strlen(again), &b,
		    "bb"));
		assert_false(am_postfwd_block_lists(again, strlen(again), &b,
		    "gitlab"));
		free(again);
	}
	free(out);
}

static void
test_init_without_definition(void **state)
{
	static const char cf[] = "# rules\n"
	    "id=A; protocol_state==END-OF-MESSAGE; &&SASL_WHITELIST; "
	    "action=dunno\n"
	    "id=B; action=dunno";
	static const char plain[] = "id=B; action=dunno";
	const char *names[] = { "x" };
	struct am_error err;
	char *out;

	(void)state;
	am_error_clear(&err);
	out = update(cf, names, 1, true, &err);
	assert_non_null(out);
	assert_string_equal(out, "# rules\n"
	    "# archmail: begin relay hosts\n"
	    "&&SASL_WHITELIST {\n"
	    "\tsasl_username==x;\n"
	    "};\n"
	    "# archmail: end relay hosts\n"
	    "id=A; protocol_state==END-OF-MESSAGE; &&SASL_WHITELIST; "
	    "action=dunno\n"
	    "id=B; action=dunno");
	free(out);
	/* No use either: appended (after a newline the file lacked). */
	out = update(plain, names, 1, true, &err);
	assert_non_null(out);
	assert_string_equal(out, "id=B; action=dunno\n"
	    "# archmail: begin relay hosts\n"
	    "&&SASL_WHITELIST {\n"
	    "\tsasl_username==x;\n"
	    "};\n"
	    "# archmail: end relay hosts\n");
	free(out);
}

static void
test_broken_markers(void **state)
{
	const char *names[] = { "x" };
	struct am_error err;

	(void)state;
	am_error_clear(&err);
	assert_null(update("a\n# archmail: begin relay hosts\nb\n", names, 1,
	    true, &err));
	assert_int_equal(err.code, AM_E_PARSE);
	assert_int_equal(err.line, 2);
	assert_null(update("# archmail: end relay hosts\n", names, 1, true,
	    &err));
	assert_int_equal(err.code, AM_E_PARSE);
	assert_null(update("# archmail: begin relay hosts\n"
	    "# archmail: end relay hosts\n"
	    "# archmail: begin relay hosts\n"
	    "# archmail: end relay hosts\n", names, 1, true, &err));
	assert_int_equal(err.code, AM_E_PARSE);
	assert_int_equal(err.line, 3);
	assert_null(update("&&SASL_WHITELIST { sasl_username=a;\n", names, 1,
	    true, &err));
	assert_int_equal(err.code, AM_E_PARSE);
}

static void
test_empty_list(void **state)
{
	struct am_buf out = AM_BUF_INIT;
	struct am_error err;

	(void)state;
	am_error_clear(&err);
	assert_int_equal(am_postfwd_render("M", NULL, 0, &out, &err), 0);
	assert_non_null(strstr(out.data, "sasl_username==-;"));
	am_buf_free(&out);
}

static void
test_block_items(void **state)
{
	static const char text[] =
	    "# rules\n"
	    "# archmail: begin relay hosts\n"
	    "&&SASL_WHITELIST {\n"
	    "\tsasl_username==devnull\n"
	    "  sasl_username=aur\n"
	    "\tsasl_username==-\n"
	    "\tsasl_username==foo ; # comment\r\n"
	    "\tsasl_username==bar;\n"
	    "};\n"
	    "# archmail: end relay hosts\n"
	    "\tsasl_username==outside;\n";
	struct am_postfwd_block b;
	struct am_postfwd_item *items;
	struct am_error err;
	size_t n;

	(void)state;
	am_error_clear(&err);
	assert_int_equal(am_postfwd_find_block(text, strlen(text), "cf", &b,
	    &err), 0);
	assert_int_equal(am_postfwd_block_items(text, strlen(text), &b,
	    &items, &n, &err), 0);
	/* Exact items with valid names, with their lines; nothing else. */
	assert_int_equal(n, 3);
	assert_string_equal(items[0].name, "devnull");
	assert_int_equal(items[0].line, 4);
	assert_string_equal(items[1].name, "foo");
	assert_int_equal(items[1].line, 7);
	assert_string_equal(items[2].name, "bar");
	assert_int_equal(items[2].line, 8);
	am_postfwd_items_free(items, n);
	/* No block, no items. */
	memset(&b, 0, sizeof(b));
	assert_int_equal(am_postfwd_block_items(text, strlen(text), &b,
	    &items, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_null(items);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_no_markers),
		cmocka_unit_test(test_init_replaces_definition),
		cmocka_unit_test(test_init_without_definition),
		cmocka_unit_test(test_broken_markers),
		cmocka_unit_test(test_empty_list),
		cmocka_unit_test(test_block_items),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
