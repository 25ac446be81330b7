/*
 * Unit tests for am_tok822: RFC 822 tokens of aliases(5) lines as Postfix's
 * tok822_scan() makes them, and their internal (unquoted) and external
 * (quoted) forms with Postfix's spacing rules.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "am_tok822.h"

struct tok_state {
	struct am_tok822_list list;
	struct am_buf out;
};

static int
setup_tok(void **state)
{
	struct tok_state *ts = calloc(1, sizeof(*ts));

	if (ts == NULL)
		return -1;
	am_tok822_init(&ts->list);
	*state = ts;
	return 0;
}

static int
teardown_tok(void **state)
{
	struct tok_state *ts = *state;

	am_tok822_free(&ts->list);
	am_buf_free(&ts->out);
	free(ts);
	return 0;
}

static void
scan(struct tok_state *ts, const char *s)
{
	am_tok822_free(&ts->list);
	am_tok822_init(&ts->list);
	assert_int_equal(am_tok822_scan(&ts->list, s), 0);
}

/* The whole list in internal / external form. */
static const char *
internal(struct tok_state *ts)
{
	am_buf_reset(&ts->out);
	assert_int_equal(am_tok822_internalize(&ts->list, 0, ts->list.count,
	    &ts->out), 0);
	return ts->out.data ? ts->out.data : "";
}

static const char *
external(struct tok_state *ts)
{
	am_buf_reset(&ts->out);
	assert_int_equal(am_tok822_externalize(&ts->list, 0, ts->list.count,
	    &ts->out), 0);
	return ts->out.data ? ts->out.data : "";
}

/* Token i's own internal / external text. */
static void
expect_token(struct tok_state *ts, size_t i, int type, const char *in,
    const char *ex)
{
	const struct am_tok822 *t;

	assert_true(i < ts->list.count);
	t = &ts->list.tok[i];
	assert_int_equal(t->type, type);
	assert_int_equal(t->internal_len, strlen(in));
	assert_memory_equal(ts->list.text.data + t->internal, in,
	    t->internal_len);
	assert_int_equal(t->external_len, strlen(ex));
	assert_memory_equal(ts->list.text.data + t->external, ex,
	    t->external_len);
}

static void
test_empty_and_blank(void **state)
{
	struct tok_state *ts = *state;

	scan(ts, "");
	assert_int_equal(ts->list.count, 0);
	scan(ts, " \t\r\n ");
	assert_int_equal(ts->list.count, 0);
	assert_string_equal(external(ts), "");
}

static void
test_atoms_and_specials(void **state)
{
	struct tok_state *ts = *state;

	scan(ts, "user @ example . com");
	assert_int_equal(ts->list.count, 5);
	expect_token(ts, 0, AM_TOK_ATOM, "user", "user");
	expect_token(ts, 1, '@', "@", "@");
	expect_token(ts, 2, AM_TOK_ATOM, "example", "example");
	expect_token(ts, 3, '.', ".", ".");
	expect_token(ts, 4, AM_TOK_ATOM, "com", "com");
	assert_string_equal(external(ts), "user@example.com");
	assert_string_equal(internal(ts), "user@example.com");
}

static void
test_postfix_operators(void **state)
{
	struct tok_state *ts = *state;

	/* Postfix adds '|', '%' and '!' to the RFC 822 specials. */
	scan(ts, "a%b!c|d");
	assert_int_equal(ts->list.count, 7);
	expect_token(ts, 1, '%', "%", "%");
	expect_token(ts, 3, '!', "!", "!");
	expect_token(ts, 5, '|', "|", "|");
	assert_string_equal(external(ts), "a%b!c|d");
	scan(ts, "a;b<c>d:e,f[g]h");
	assert_int_equal(ts->list.count, 13);
	expect_token(ts, 1, ';', ";", ";");
	expect_token(ts, 3, '<', "<", "<");
	expect_token(ts, 7, ':', ":", ":");
	expect_token(ts, 11, AM_TOK_DOMLIT, "[g]", "[g]");
	assert_string_equal(external(ts), "a;b <c>d:e, f [g] h");
}

static void
test_quoted_string(void **state)
{
	struct tok_state *ts = *state;

	scan(ts, "\"Full Name\"");
	assert_int_equal(ts->list.count, 1);
	expect_token(ts, 0, AM_TOK_QSTRING, "Full Name", "\"Full Name\"");

	/* Escapes are removed internally and added back externally. */
	scan(ts, "\"a\\\"b\\\\c\"");
	expect_token(ts, 0, AM_TOK_QSTRING, "a\"b\\c", "\"a\\\"b\\\\c\"");

	/* An unterminated string runs to the end and is closed. */
	scan(ts, "\"unterminated");
	assert_int_equal(ts->list.count, 1);
	expect_token(ts, 0, AM_TOK_QSTRING, "unterminated",
	    "\"unterminated\"");

	/* A backslash escapes any character: \x is x. */
	scan(ts, "\"\\x\"");
	expect_token(ts, 0, AM_TOK_QSTRING, "x", "\"x\"");
}

static void
test_whitespace_in_quotes(void **state)
{
	struct tok_state *ts = *state;

	/* Postfix's COLLECT turns space, tab, CR and LF into ' ' ... */
	scan(ts, "\"a\tb\r\nc\"");
	expect_token(ts, 0, AM_TOK_QSTRING, "a b  c", "\"a b  c\"");
	/* ... but not \f or \v (IS_SPACE_TAB_CR_LF, tok822_parse.c) */
	scan(ts, "\"a\fb\vc\"");
	expect_token(ts, 0, AM_TOK_QSTRING, "a\fb\vc", "\"a\fb\vc\"");
}

static void
test_formfeed_is_not_a_separator(void **state)
{
	struct tok_state *ts = *state;

	/*
	 * tok822_scan() skips only space, tab, CR and LF between tokens, so
	 * "a\fb" is one atom; holding a control character, it is quoted.
	 */
	scan(ts, "a\fb");
	assert_int_equal(ts->list.count, 1);
	expect_token(ts, 0, AM_TOK_QSTRING, "a\fb", "\"a\fb\"");
	scan(ts, "x\vy, z");
	assert_int_equal(ts->list.count, 3);
	assert_string_equal(external(ts), "\"x\vy\", z");
}

static void
test_atom_escapes(void **state)
{
	struct tok_state *ts = *state;

	/* \ escapes inside an atom and may start one */
	scan(ts, "\\root");
	assert_int_equal(ts->list.count, 1);
	expect_token(ts, 0, AM_TOK_ATOM, "root", "root");

	/* An atom that now holds a special is quoted when externalised. */
	scan(ts, "a\\,b");
	assert_int_equal(ts->list.count, 1);
	expect_token(ts, 0, AM_TOK_QSTRING, "a,b", "\"a,b\"");
	scan(ts, "user\\@host");
	expect_token(ts, 0, AM_TOK_QSTRING, "user@host", "\"user@host\"");
	scan(ts, "a\\ b");
	expect_token(ts, 0, AM_TOK_QSTRING, "a b", "\"a b\"");

	/* 8-bit data is left alone (not quoted) */
	scan(ts, "\xc3\xa4rger");
	expect_token(ts, 0, AM_TOK_ATOM, "\xc3\xa4rger", "\xc3\xa4rger");

	/* An escaped backslash is data; the atom is then quoted. */
	scan(ts, "a\\\\b");
	assert_int_equal(ts->list.count, 1);
	expect_token(ts, 0, AM_TOK_QSTRING, "a\\b", "\"a\\\\b\"");

	/* A trailing lone backslash ends the atom. */
	scan(ts, "ab\\");
	assert_int_equal(ts->list.count, 1);
	expect_token(ts, 0, AM_TOK_ATOM, "ab", "ab");
}

static void
test_comments(void **state)
{
	struct tok_state *ts = *state;

	scan(ts, "a (comment, with comma) b");
	assert_int_equal(ts->list.count, 3);
	expect_token(ts, 1, AM_TOK_COMMENT, "(comment, with comma)",
	    "(comment, with comma)");
	assert_string_equal(external(ts), "a (comment, with comma) b");

	/* Nested comments are one token. */
	scan(ts, "x(a (b (c)) d)y");
	assert_int_equal(ts->list.count, 3);
	expect_token(ts, 1, AM_TOK_COMMENT, "(a (b (c)) d)",
	    "(a (b (c)) d)");
	assert_string_equal(external(ts), "x (a (b (c)) d) y");

	/*
	 * Postfix stores comments in their external form in both forms
	 * ("XXX We cheat by storing comments in their external form"):
	 * backslashes stay, and an escaped ')' does not end the comment.
	 */
	scan(ts, "(a \\( b \\) c) d");
	assert_int_equal(ts->list.count, 2);
	expect_token(ts, 0, AM_TOK_COMMENT, "(a \\( b \\) c)",
	    "(a \\( b \\) c)");
	assert_string_equal(internal(ts), "(a \\( b \\) c) d");

	/* An unterminated comment runs to the end, nothing is added. */
	scan(ts, "x (open");
	assert_int_equal(ts->list.count, 2);
	expect_token(ts, 1, AM_TOK_COMMENT, "(open", "(open");
}

static void
test_domain_literal(void **state)
{
	struct tok_state *ts = *state;

	scan(ts, "user@[192.0.2.1]");
	assert_int_equal(ts->list.count, 3);
	expect_token(ts, 2, AM_TOK_DOMLIT, "[192.0.2.1]", "[192.0.2.1]");
	assert_string_equal(external(ts), "user@[192.0.2.1]");

	scan(ts, "[a\\]b]");
	assert_int_equal(ts->list.count, 1);
	expect_token(ts, 0, AM_TOK_DOMLIT, "[a]b]", "[a]b]");
	scan(ts, "[a\\\\b]");
	expect_token(ts, 0, AM_TOK_DOMLIT, "[a\\b]", "[a\\\\b]");
}

static void
test_angle_brackets(void **state)
{
	struct tok_state *ts = *state;

	scan(ts, "<>");
	assert_int_equal(ts->list.count, 2);
	assert_string_equal(external(ts), "<>");
	scan(ts, "x <>, y");
	assert_string_equal(external(ts), "x <>, y");
	scan(ts, "\"Full Name\" <fn@ex>");
	assert_string_equal(external(ts), "\"Full Name\" <fn@ex>");
	assert_string_equal(internal(ts), "Full Name <fn@ex>");
	scan(ts, "Name<fn@ex>");
	assert_string_equal(external(ts), "Name <fn@ex>");
}

static void
test_spacing_rules(void **state)
{
	static const struct {
		const char *in, *out;
	} v[] = {
		/* reference b3's re-serialisation table */
		{ "  t1 ,t2,   t3", "t1, t2, t3" },
		{ "a,b,,c", "a, b, , c" },
		{ "user @ example . com", "user@example.com" },
		{ "x   y   z", "x y z" },
		{ "a; b", "a;b" },
		{ "grp: a, b;", "grp:a, b;" },
		{ "\\root, a\\,b", "root, \"a,b\"" },
		{ "user\\@host", "\"user@host\"" },
		{ "\"Full Name\" <fn@ex>", "\"Full Name\" <fn@ex>" },
		{ "\"|/usr/bin/prog arg\", :include:/etc/list, /var/mail/f",
		  "\"|/usr/bin/prog arg\", :include:/etc/list, /var/mail/f" },
		{ "a (comment, with comma) b", "a (comment, with comma) b" },
		{ "\"unterminated", "\"unterminated\"" },
		{ "first,  second,\tthird", "first, second, third" },
		{ "|/usr/bin/prog", "|/usr/bin/prog" },
	};
	struct tok_state *ts = *state;
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		scan(ts, v[i].in);
		if (strcmp(external(ts), v[i].out) != 0)
			fail_msg("externalize(%s) = %s, expected %s", v[i].in,
			    ts->out.data, v[i].out);
	}
}

static void
test_ranges(void **state)
{
	struct tok_state *ts = *state;

	scan(ts, "\"Quoted Name\" : \"x y\", z");
	assert_int_equal(ts->list.count, 5);
	assert_int_equal(ts->list.tok[1].type, ':');
	am_buf_reset(&ts->out);
	assert_int_equal(am_tok822_internalize(&ts->list, 0, 1, &ts->out), 0);
	assert_string_equal(ts->out.data, "Quoted Name");
	am_buf_reset(&ts->out);
	assert_int_equal(am_tok822_externalize(&ts->list, 2, 5, &ts->out), 0);
	assert_string_equal(ts->out.data, "\"x y\", z");
	/* No trailing space when the range ends before a word. */
	am_buf_reset(&ts->out);
	assert_int_equal(am_tok822_externalize(&ts->list, 2, 3, &ts->out), 0);
	assert_string_equal(ts->out.data, "\"x y\"");

	/* The internal form has Postfix's spacing too. */
	scan(ts, "\"a b\",c <d@e>");
	assert_string_equal(internal(ts), "a b, c <d@e>");

	/* Adjacent words join with one space: comment(c1) -> "comment (c1)" */
	scan(ts, "comment(c1)");
	assert_string_equal(internal(ts), "comment (c1)");
}

static void
test_many_tokens(void **state)
{
	struct tok_state *ts = *state;
	struct am_buf in = AM_BUF_INIT;
	int i;

	for (i = 0; i < 1000; i++)
		am_buf_printf(&in, "%su%d@example.com", i ? ", " : "", i);
	scan(ts, in.data);
	assert_int_equal(ts->list.count, 1000 * 5 + 999);
	assert_string_equal(external(ts), in.data);
	am_buf_free(&in);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_tok, teardown_tok)
	const struct CMUnitTest tests[] = {
		T(test_empty_and_blank),
		T(test_atoms_and_specials),
		T(test_postfix_operators),
		T(test_quoted_string),
		T(test_whitespace_in_quotes),
		T(test_formfeed_is_not_a_separator),
		T(test_atom_escapes),
		T(test_comments),
		T(test_domain_literal),
		T(test_angle_brackets),
		T(test_spacing_rules),
		T(test_ranges),
		T(test_many_tokens),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
