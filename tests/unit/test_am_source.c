/*
 * Unit tests for am_source: Postfix's logical lines (reference b1), the
 * postmap entry syntax (b2) and the postalias entry syntax with its
 * re-serialisation table (b3).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "am_source.h"
#include "unit_helpers.h"

/* A string literal and its length, NUL bytes included. */
#define L(lit) lit, sizeof(lit) - 1

#define SRC_NAME "test.map"

struct ms {
	char dir[128];
	struct am_source src;
	struct am_source_line ll;
	struct am_source_entry entry;
	struct unit_warnings ws;
	struct am_buf key, value;
	struct am_error err;
};

static int
setup_ms(void **state)
{
	struct ms *ms = calloc(1, sizeof(*ms));

	if (ms == NULL)
		return -1;
	if (unit_tmpdir_create(ms->dir, sizeof(ms->dir), "source") < 0) {
		free(ms);
		return -1;
	}
	*state = ms;
	return 0;
}

static int
teardown_ms(void **state)
{
	struct ms *ms = *state;

	am_source_close(&ms->src);
	am_buf_free(&ms->key);
	am_buf_free(&ms->value);
	unit_tmpdir_remove(ms->dir);
	free(ms);
	return 0;
}

static void
load(struct ms *ms, const char *text, size_t len)
{
	am_source_close(&ms->src);
	memset(&ms->ws, 0, sizeof(ms->ws));
	am_error_clear(&ms->err);
	assert_int_equal(am_source_from_text(&ms->src, SRC_NAME, text, len,
	    &ms->err), 0);
}

static int
next(struct ms *ms)
{
	return am_source_next(&ms->src, &ms->ll, unit_collect_warning,
	    &ms->ws);
}

static void
expect_line(struct ms *ms, const char *text, size_t len, long first,
    long last)
{
	assert_int_equal(next(ms), 1);
	assert_int_equal(ms->ll.len, len);
	assert_memory_equal(ms->ll.text, text, len);
	assert_int_equal(ms->ll.text[len], '\0');
	assert_int_equal(ms->ll.first_line, first);
	assert_int_equal(ms->ll.last_line, last);
}

static void
expect_warning(struct ms *ms, size_t i, long line, const char *message)
{
	assert_true(ms->ws.count > i);
	assert_string_equal(ms->ws.w[i].file, SRC_NAME);
	assert_int_equal(ms->ws.w[i].line, line);
	assert_string_equal(ms->ws.w[i].message, message);
}

/* Parse the first logical line of text as a postmap entry. */
static int
postmap1(struct ms *ms, const char *text, size_t len)
{
	load(ms, text, len);
	assert_int_equal(next(ms), 1);
	memset(&ms->entry, 0, sizeof(ms->entry));
	return am_source_parse_postmap(&ms->src, &ms->ll, &ms->entry,
	    unit_collect_warning, &ms->ws);
}

static void
expect_postmap(struct ms *ms, const char *text, size_t len, const char *key,
    const char *value)
{
	if (postmap1(ms, text, len) != 1)
		fail_msg("line \"%s\" was not accepted", text);
	assert_string_equal(ms->entry.key, key);
	assert_int_equal(ms->entry.key_len, strlen(key));
	assert_string_equal(ms->entry.value, value);
	assert_int_equal(ms->entry.value_len, strlen(value));
}

static int
alias1(struct ms *ms, const char *text)
{
	load(ms, text, strlen(text));
	assert_int_equal(next(ms), 1);
	am_buf_reset(&ms->key);
	am_buf_reset(&ms->value);
	return am_source_parse_alias(&ms->src, &ms->ll, &ms->key, &ms->value,
	    unit_collect_warning, &ms->ws, &ms->err);
}

static void
expect_alias(struct ms *ms, const char *text, const char *key,
    const char *value)
{
	if (alias1(ms, text) != 1)
		fail_msg("alias line \"%s\" was not accepted", text);
	assert_int_equal(ms->ws.count, 0);
	assert_string_equal(ms->key.data, key);
	assert_int_equal(ms->key.len, strlen(key));
	if (strcmp(ms->value.data, value) != 0)
		fail_msg("alias line \"%s\": value \"%s\", expected \"%s\"",
		    text, ms->value.data, value);
	assert_int_equal(ms->value.len, strlen(value));
}

static void
expect_alias_rejected(struct ms *ms, const char *text, const char *message)
{
	if (alias1(ms, text) != 0)
		fail_msg("alias line \"%s\" was accepted", text);
	assert_int_equal(ms->ws.count, 1);
	expect_warning(ms, 0, 1, message);
}

/* ---- logical lines ---- */

static void
test_continuation_spaces_and_tabs(void **state)
{
	struct ms *ms = *state;
	const char text[] = "k1 v1\n  continued here\n\tmore\nk2 v2\n";
	size_t second = strlen("k1 v1\n  continued here\n\tmore\n");

	load(ms, L(text));
	expect_line(ms, L("k1 v1  continued here\tmore"), 1, 3);
	assert_int_equal(ms->ll.start, 0);
	assert_int_equal(ms->ll.end, second);
	expect_line(ms, L("k2 v2"), 4, 4);
	assert_int_equal(ms->ll.start, second);
	assert_int_equal(ms->ll.end, strlen(text));
	assert_int_equal(next(ms), 0);
	assert_int_equal(next(ms), 0);	/* stays at the end */
	assert_int_equal(ms->ws.count, 0);
}

static void
test_comments_and_blanks_inside_continuation(void **state)
{
	struct ms *ms = *state;

	load(ms, L("k1 v1\n# comment\n\n   \n\t\n  cont\n#x\n\tmore\n"
	    "k2 v2\n"));
	expect_line(ms, L("k1 v1  cont\tmore"), 1, 8);
	expect_line(ms, L("k2 v2"), 9, 9);
	assert_int_equal(next(ms), 0);
	assert_int_equal(ms->ws.count, 0);
}

static void
test_indented_comment_lines(void **state)
{
	struct ms *ms = *state;

	/* '#' as first non-blank: a comment wherever it is indented */
	load(ms, L("   # indented comment\nk v\n  # indented inside\n"
	    "  more\n\t# last\n"));
	expect_line(ms, L("k v  more"), 2, 4);
	assert_int_equal(next(ms), 0);
	assert_int_equal(ms->ws.count, 0);
}

static void
test_hash_inside_data(void **state)
{
	struct ms *ms = *state;

	load(ms, L("k3 v3 # x\n"));
	expect_line(ms, L("k3 v3 # x"), 1, 1);
}

static void
test_leading_whitespace_warns(void **state)
{
	struct ms *ms = *state;

	load(ms, L("# header\n  leading v0\n\tcont\nk v\n"));
	expect_line(ms, L("k v"), 4, 4);
	assert_int_equal(next(ms), 0);
	assert_int_equal(ms->ws.count, 1);
	assert_int_equal(ms->ws.w[0].code, AM_E_PARSE);
	expect_warning(ms, 0, 2, "logical line must not start with "
	    "whitespace: \"  leading v0\tcont\"");
}

static void
test_leading_whitespace_long_preview(void **state)
{
	struct ms *ms = *state;

	load(ms, L("  0123456789012345678901234567890123456789\nk v\n"));
	expect_line(ms, L("k v"), 2, 2);
	expect_warning(ms, 0, 1, "logical line must not start with "
	    "whitespace: \"  0123456789012345678901234567...\"");
}

static void
test_leading_whitespace_no_callback(void **state)
{
	struct ms *ms = *state;

	load(ms, L("  x y\nk v\n"));
	assert_int_equal(am_source_next(&ms->src, &ms->ll, NULL, NULL), 1);
	assert_string_equal(ms->ll.text, "k v");
}

static void
test_crlf(void **state)
{
	struct ms *ms = *state;

	load(ms, L("k1 v1\r\n  more\r\nk2 v2\r\n"));
	assert_int_equal(next(ms), 1);
	assert_int_equal(ms->ll.first_line, 1);
	assert_int_equal(ms->ll.last_line, 2);
	assert_int_equal(next(ms), 1);
	assert_int_equal(ms->ll.first_line, 3);
	assert_int_equal(next(ms), 0);

	/* The '\r' is whitespace: trimmed from values... */
	expect_postmap(ms, L("k1 v1\r\n"), "k1", "v1");
	expect_postmap(ms, L("k2 \t v2 \r\n"), "k2", "v2");
	/* ... and "k6\r" alone is a key without value */
	assert_int_equal(postmap1(ms, L("k6\r\n")), 0);
	expect_warning(ms, 0, 1, "expected format: key whitespace value");
	expect_alias(ms, "a: b, c\r\n", "a", "b, c");
}

static void
test_missing_final_newline(void **state)
{
	struct ms *ms = *state;
	const char text[] = "k1 v1\nk2 v2";

	load(ms, L(text));
	expect_line(ms, L("k1 v1"), 1, 1);
	expect_line(ms, L("k2 v2"), 2, 2);
	assert_int_equal(ms->ll.start, 6);
	assert_int_equal(ms->ll.end, strlen(text));
	assert_int_equal(next(ms), 0);

	load(ms, L("k v\n  more"));
	expect_line(ms, L("k v  more"), 1, 2);
	assert_int_equal(ms->ll.end, strlen("k v\n  more"));
	assert_int_equal(next(ms), 0);
}

static void
test_empty_and_comment_only(void **state)
{
	struct ms *ms = *state;

	load(ms, "", 0);
	assert_int_equal(next(ms), 0);
	load(ms, L("# only\n\n  \n\t# x\n"));
	assert_int_equal(next(ms), 0);
	assert_int_equal(ms->ws.count, 0);
}

static void
test_offsets(void **state)
{
	struct ms *ms = *state;
	const char text[] = "k1 v1\n  c1\n# x\nk2 v2\n\nk3 v3\n \n# end";

	load(ms, L(text));
	expect_line(ms, L("k1 v1  c1"), 1, 2);
	assert_int_equal(ms->ll.start, 0);
	/* past the last data line, not past the comment after it */
	assert_int_equal(ms->ll.end, strstr(text, "# x") - text);

	expect_line(ms, L("k2 v2"), 4, 4);
	assert_int_equal(ms->ll.start, strstr(text, "k2") - text);
	assert_int_equal(ms->ll.end, strstr(text, "k2") - text + 6);

	expect_line(ms, L("k3 v3"), 6, 6);
	assert_int_equal(ms->ll.start, strstr(text, "k3") - text);
	assert_int_equal(ms->ll.end, strstr(text, "k3") - text + 6);
	assert_int_equal(next(ms), 0);
}

static void
test_nul_bytes(void **state)
{
	struct ms *ms = *state;

	load(ms, L("k1 v1\0junk\nk2 v2\n"));
	/* The logical line keeps its bytes... */
	expect_line(ms, L("k1 v1\0junk"), 1, 1);
	expect_line(ms, L("k2 v2"), 2, 2);
	assert_int_equal(next(ms), 0);

	/* ... and the entry parsers stop at the NUL. */
	expect_postmap(ms, L("k1 v1\0junk\n"), "k1", "v1");
	expect_postmap(ms, L("k1 v1\0junk\n  more\n"), "k1", "v1");
	assert_int_equal(postmap1(ms, L("k\0ey value\n")), 0);
	expect_warning(ms, 0, 1, "expected format: key whitespace value");

	expect_alias(ms, "a: b", "a", "b");
	load(ms, L("a: b\0, c\n"));
	assert_int_equal(next(ms), 1);
	assert_int_equal(am_source_parse_alias(&ms->src, &ms->ll, &ms->key,
	    &ms->value, unit_collect_warning, &ms->ws, &ms->err), 1);
	assert_string_equal(ms->key.data, "a");
	assert_string_equal(ms->value.data, "b");
}

static void
test_nul_in_continuation(void **state)
{
	struct ms *ms = *state;

	load(ms, L("k v\0x\n  more\nk2 v2\n"));
	expect_line(ms, L("k v\0x  more"), 1, 2);
	expect_line(ms, L("k2 v2"), 3, 3);
}

static void
test_long_line(void **state)
{
	struct ms *ms = *state;
	size_t n = 200000, i;
	char *text = malloc(n + 1);

	assert_non_null(text);
	text[0] = 'k';
	text[1] = ' ';
	for (i = 2; i < n; i++)
		text[i] = (char)('a' + i % 26);
	text[n] = '\n';
	load(ms, text, n + 1);
	assert_int_equal(postmap1(ms, text, n + 1), 1);
	assert_int_equal(ms->entry.value_len, n - 2);
	assert_memory_equal(ms->entry.value, text + 2, n - 2);
	free(text);
}

static void
test_open_file(void **state)
{
	struct ms *ms = *state;
	char path[256];

	unit_path(path, sizeof(path), ms->dir, "virtual");
	assert_int_equal(unit_write_file(path, L("a b\nc d\n"), 0640), 0);
	am_error_clear(&ms->err);
	assert_int_equal(am_source_open(&ms->src, path, &ms->err), 0);
	assert_true(ms->src.is_file);
	assert_int_equal(ms->src.mode & 07777, 0640);
	assert_int_equal(ms->src.uid, getuid());
	assert_int_equal(ms->src.gid, getgid());
	assert_int_equal(ms->src.len, 8);
	assert_string_equal(ms->src.path, path);
	expect_line(ms, L("a b"), 1, 1);
	expect_line(ms, L("c d"), 2, 2);
	assert_int_equal(next(ms), 0);
}

static void
test_open_missing(void **state)
{
	struct ms *ms = *state;
	char path[256], expect[512];

	unit_path(path, sizeof(path), ms->dir, "nosuch");
	am_error_clear(&ms->err);
	assert_int_equal(am_source_open(&ms->src, path, &ms->err), -1);
	assert_int_equal(ms->err.code, AM_E_NOINPUT);
	assert_int_equal(ms->err.sys_errno, ENOENT);
	/* Postfix: "open nosuch: No such file or directory" */
	snprintf(expect, sizeof(expect), "open %s: %s", path,
	    strerror(ENOENT));
	assert_string_equal(ms->err.message, expect);

	/* A directory is not a source. */
	am_error_clear(&ms->err);
	assert_int_equal(am_source_open(&ms->src, ms->dir, &ms->err), -1);
	assert_int_not_equal(ms->err.code, AM_OK);
}

static void
test_read_fd(void **state)
{
	struct ms *ms = *state;
	int p[2];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "x y\n  z\n", 8), 8);
	close(p[1]);
	assert_int_equal(am_source_read_fd(&ms->src, p[0], "stdin", &ms->err),
	    0);
	close(p[0]);
	assert_string_equal(ms->src.path, "stdin");
	expect_line(ms, L("x y  z"), 1, 2);
	assert_int_equal(next(ms), 0);
}

/* ---- am_source_line_is_utf8 ---- */

static bool
line_is_utf8(struct ms *ms, const char *text, size_t len)
{
	load(ms, text, len);
	assert_int_equal(next(ms), 1);
	return am_source_line_is_utf8(&ms->ll);
}

static void
test_line_is_utf8(void **state)
{
	struct ms *ms = *state;

	assert_true(line_is_utf8(ms, L("k v")));
	assert_true(line_is_utf8(ms, L("Stra\xc3\x9f" "e v")));
	assert_false(line_is_utf8(ms, L("k7 \xff\xfe bad-utf8")));
	assert_false(line_is_utf8(ms, L("k \xc3")));
	assert_false(line_is_utf8(ms, L("k \xc0\xaf")));	/* overlong */
	assert_false(line_is_utf8(ms, L("k \xed\xa0\x80")));	/* surrogate */
	/* ASCII before the first NUL: fine, whatever follows */
	assert_true(line_is_utf8(ms, L("k v\0\xff\xfe")));
	/* otherwise the whole line must be valid */
	assert_true(line_is_utf8(ms, L("k \xc3\xa4\0\xc3\xb6")));
	assert_false(line_is_utf8(ms, L("k \xc3\xa4\0\xff")));
	/* continuation lines count */
	assert_false(line_is_utf8(ms, L("k v\n  \xff\n")));
}

/* ---- postmap entries ---- */

static void
test_postmap_basic(void **state)
{
	struct ms *ms = *state;

	expect_postmap(ms, L("alice@example.com alice\n"),
	    "alice@example.com", "alice");
	assert_int_equal(ms->entry.line, 1);
	expect_postmap(ms, L("k \t  v"), "k", "v");
	assert_int_equal(ms->ws.count, 0);

	load(ms, L("# c\n\na b\n"));
	assert_int_equal(next(ms), 1);
	assert_int_equal(am_source_parse_postmap(&ms->src, &ms->ll, &ms->entry,
	    unit_collect_warning, &ms->ws), 1);
	assert_int_equal(ms->entry.line, 3);
}

static void
test_postmap_quotes(void **state)
{
	struct ms *ms = *state;

	/* Quotes toggle and stay in the key. */
	expect_postmap(ms, L("\"quoted key\" qv"), "\"quoted key\"", "qv");
	expect_postmap(ms, L("a\"b c\"d v"), "a\"b c\"d", "v");
	expect_postmap(ms, L("\"a\\\"b\" v"), "\"a\\\"b\"", "v");
	/* Quotes in values are ordinary data. */
	expect_postmap(ms, L("k \"v w\""), "k", "\"v w\"");
	expect_postmap(ms, L("k v\"w"), "k", "v\"w");
	assert_int_equal(ms->ws.count, 0);
}

static void
test_postmap_backslash_kept(void **state)
{
	struct ms *ms = *state;

	expect_postmap(ms, L("back\\ slash v"), "back\\ slash", "v");
	expect_postmap(ms, L("a\\\tb v"), "a\\\tb", "v");
	expect_postmap(ms, L("\\\"x v"), "\\\"x", "v");	/* no toggle */
	assert_int_equal(ms->ws.count, 0);
}

static void
test_postmap_unbalanced_quote(void **state)
{
	struct ms *ms = *state;

	load(ms, L("k v\n\"unbal key v\n"));
	assert_int_equal(next(ms), 1);
	assert_int_equal(next(ms), 1);
	assert_int_equal(am_source_parse_postmap(&ms->src, &ms->ll, &ms->entry,
	    unit_collect_warning, &ms->ws), 0);
	assert_int_equal(ms->ws.count, 1);
	expect_warning(ms, 0, 2,
	    "unbalanced '\"' in '\"unbal key v' -- ignoring this line");
}

static void
test_postmap_missing_value(void **state)
{
	struct ms *ms = *state;

	assert_int_equal(postmap1(ms, L("keyonly\n")), 0);
	assert_int_equal(ms->ws.count, 1);
	expect_warning(ms, 0, 1, "expected format: key whitespace value");
	assert_int_equal(postmap1(ms, L("keyonly   \t\n")), 0);
	expect_warning(ms, 0, 1, "expected format: key whitespace value");
	assert_int_equal(postmap1(ms, L("\"k v\"\n")), 0);
	expect_warning(ms, 0, 1, "expected format: key whitespace value");
}

static void
test_postmap_alias_format_warns_but_stored(void **state)
{
	struct ms *ms = *state;

	expect_postmap(ms, L("k4: v4"), "k4:", "v4");
	assert_int_equal(ms->ws.count, 1);
	expect_warning(ms, 0, 1, "record is in \"key: value\" format; is "
	    "this an alias file?");
}

static void
test_postmap_value_whitespace(void **state)
{
	struct ms *ms = *state;

	expect_postmap(ms, L("k a\tb  c \t \r\n"), "k", "a\tb  c");
	expect_postmap(ms, L("k1 v1\n  continued here\n\tmore\n"), "k1",
	    "v1  continued here\tmore");
	expect_postmap(ms, L("k3 v3 # x"), "k3", "v3 # x");
	expect_postmap(ms, L("k first,\n  second,\n\tthird\n"), "k",
	    "first,  second,\tthird");
	assert_int_equal(ms->ws.count, 0);
}

static void
test_postmap_long_keys(void **state)
{
	struct ms *ms = *state;
	char line[1024], key[600];
	size_t n;

	/* The parser has no key limit; LMDB's is for am_compile. */
	for (n = 510; n <= 511; n++) {
		memset(key, 'k', n);
		key[n] = '\0';
		snprintf(line, sizeof(line), "%s v\n", key);
		expect_postmap(ms, line, strlen(line), key, "v");
		assert_int_equal(ms->entry.key_len, n);
	}
}

/*
 * Postfix's key rule, a byte at a time, as the oracle of the key scan
 * (which skips eight plain bytes at a time): 1 and the key's length for
 * an entry, 0 for a line postmap skips.  text ends at len or a NUL.
 */
static int
naive_postmap_key(const char *text, size_t len, size_t *key_len)
{
	size_t i, v;
	bool quoted = false;

	for (i = 0; i < len && text[i] != '\0'; i++) {
		if (text[i] == '\\') {
			if (i + 1 == len || text[i + 1] == '\0') {
				i++;
				break;
			}
			i++;
		} else if (text[i] == '"') {
			quoted = !quoted;
		} else if (!quoted && am_source_isspace((unsigned char)text[i])) {
			break;
		}
	}
	if (i > len)
		i = len;
	if (quoted)
		return 0;
	v = i < len && text[i] != '\0' ? i + 1 : i;
	while (v < len && am_source_isspace((unsigned char)text[v]))
		v++;
	if (i == 0 || v == len || text[v] == '\0')
		return 0;
	*key_len = i;
	return 1;
}

/*
 * One line, given in place from a borrowed copy of exactly its bytes (a
 * read past its '\n' is a sanitizer error), then copied: the key scan
 * agrees with the oracle and with the full parse either way.
 */
static void
check_key_scan(const char *line, size_t n)
{
	struct am_source src;
	struct am_source_line ll;
	struct am_source_entry entry;
	struct am_error err;
	size_t want_len = 0, got_len = 0;
	int want, got;
	char *exact;

	am_error_clear(&err);
	assert_non_null(exact = malloc(n));
	memcpy(exact, line, n);
	assert_int_equal(am_source_borrow_text(&src, "t", exact, n, &err), 0);
	assert_int_equal(am_source_next_view(&src, &ll, NULL, NULL), 1);
	assert_true(ll.in_place);
	assert_ptr_equal(ll.text, exact);
	want = naive_postmap_key(ll.text, ll.len, &want_len);
	got = am_source_postmap_key(&ll, &got_len);
	if (got != want || (got && got_len != want_len))
		fail_msg("in place: \"%.*s\": %d/%zu, want %d/%zu",
		    (int)ll.len, ll.text, got, got_len, want, want_len);
	assert_int_equal(am_source_line_own(&src, &ll), 0);
	assert_false(ll.in_place);
	assert_ptr_not_equal(ll.text, exact);
	got = am_source_postmap_key(&ll, &got_len);
	if (got != want || (got && got_len != want_len))
		fail_msg("copied: \"%.*s\"", (int)ll.len, ll.text);
	got = am_source_parse_postmap(&src, &ll, &entry, NULL, NULL);
	if (got != want || (got && entry.key_len != want_len))
		fail_msg("parsed: \"%.*s\"", (int)n, line);
	am_source_close(&src);
	free(exact);
}

/*
 * Every byte value at every place of keys up to 19 bytes, alone and with
 * a '"' or '\\' nine bytes on: inside a word of the key scan, at its
 * edges and in its tail.
 */
static void
test_postmap_key_scan_every_byte(void **state)
{
	char line[64];
	size_t klen, at, n;
	int c, second;

	(void)state;
	for (klen = 2; klen < 20; klen++) {
		for (at = 1; at < klen; at++) {
			for (c = 0; c < 256; c++) {
				if (c == '\n')
					continue;
				for (second = 0; second < 3; second++) {
					memset(line, 'k', klen);
					line[at] = (char)c;
					if (second > 0 && at + 9 < klen)
						line[at + 9] = second == 1 ?
						    '"' : '\\';
					memcpy(line + klen, " v\n", 3);
					n = klen + 3;
					check_key_scan(line, n);
					/* The line ending right after the key. */
					line[klen] = '\n';
					check_key_scan(line, klen + 1);
				}
			}
		}
	}
}

/*
 * A borrowed text's last line without a newline is never given in place:
 * nothing follows it for the scan to stop at.  A continued line is joined
 * as always.
 */
static void
test_view_last_line_and_continuation(void **state)
{
	static const char text[] = "a x\nb y\n z\nc w";
	struct am_source src;
	struct am_source_line ll;
	struct am_error err;
	size_t klen;
	char *exact;

	(void)state;
	am_error_clear(&err);
	assert_non_null(exact = malloc(sizeof(text) - 1));
	memcpy(exact, text, sizeof(text) - 1);
	assert_int_equal(am_source_borrow_text(&src, "t", exact,
	    sizeof(text) - 1, &err), 0);
	assert_int_equal(am_source_next_view(&src, &ll, NULL, NULL), 1);
	assert_true(ll.in_place);
	assert_int_equal(ll.len, 3);
	assert_int_equal(am_source_next_view(&src, &ll, NULL, NULL), 1);
	assert_false(ll.in_place);
	assert_string_equal(ll.text, "b y z");
	assert_int_equal(am_source_next_view(&src, &ll, NULL, NULL), 1);
	assert_false(ll.in_place);
	assert_string_equal(ll.text, "c w");
	assert_int_equal(am_source_postmap_key(&ll, &klen), 1);
	assert_int_equal(klen, 1);
	assert_int_equal(am_source_next_view(&src, &ll, NULL, NULL), 0);
	am_source_close(&src);
	free(exact);
}

/* ---- alias entries ---- */

static void
test_alias_serialisation_table(void **state)
{
	static const struct {
		const char *value, *stored;
	} v[] = {
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
		{ "first,\n  second,\n\tthird", "first, second, third" },
		{ "\"\"", "\"\"" },
	};
	struct ms *ms = *state;
	char line[256];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		snprintf(line, sizeof(line), "name: %s\n", v[i].value);
		expect_alias(ms, line, "name", v[i].stored);
	}
}

static void
test_alias_need_pair(void **state)
{
	struct ms *ms = *state;

	expect_alias_rejected(ms, "name:", "need name:value pair");
	expect_alias_rejected(ms, "name:   \n", "need name:value pair");
	expect_alias_rejected(ms, "nocolon value", "need name:value pair");
	expect_alias_rejected(ms, "a, b: c", "need name:value pair");
	expect_alias_rejected(ms, ": x", "need name:value pair");
}

static void
test_alias_name_must_be_local(void **state)
{
	struct ms *ms = *state;

	expect_alias_rejected(ms, "user@example.com: x", "name must be local");
	expect_alias_rejected(ms, "user%host: x", "name must be local");
	/* '@' after the colon is fine */
	expect_alias(ms, "user: x@example.com", "user", "x@example.com");
}

static void
test_alias_keys(void **state)
{
	struct ms *ms = *state;

	/* The key is the internal (unquoted) form; folding is later. */
	expect_alias(ms, "\"Quoted Name\": x", "Quoted Name", "x");
	expect_alias(ms, "comment(c1): x", "comment (c1)", "x");
	expect_alias(ms, "spaced   : x", "spaced", "x");
	expect_alias(ms, "Sp19 : x", "Sp19", "x");
	expect_alias(ms, "two  words: x", "two words", "x");
	expect_alias(ms, "\\root: x", "root", "x");
	expect_alias(ms, "Postmaster: root", "Postmaster", "root");
}

static void
test_alias_line_number(void **state)
{
	struct ms *ms = *state;

	load(ms, L("# aliases\na: b\n\nbad line\n"));
	assert_int_equal(next(ms), 1);
	assert_int_equal(next(ms), 1);
	assert_int_equal(ms->ll.first_line, 4);
	assert_int_equal(am_source_parse_alias(&ms->src, &ms->ll, &ms->key,
	    &ms->value, unit_collect_warning, &ms->ws, &ms->err), 0);
	expect_warning(ms, 0, 4, "need name:value pair");
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_ms, teardown_ms)
	const struct CMUnitTest tests[] = {
		T(test_continuation_spaces_and_tabs),
		T(test_comments_and_blanks_inside_continuation),
		T(test_indented_comment_lines),
		T(test_hash_inside_data),
		T(test_leading_whitespace_warns),
		T(test_leading_whitespace_long_preview),
		T(test_leading_whitespace_no_callback),
		T(test_crlf),
		T(test_missing_final_newline),
		T(test_empty_and_comment_only),
		T(test_offsets),
		T(test_nul_bytes),
		T(test_nul_in_continuation),
		T(test_long_line),
		T(test_open_file),
		T(test_open_missing),
		T(test_read_fd),
		T(test_line_is_utf8),
		T(test_postmap_basic),
		T(test_postmap_quotes),
		T(test_postmap_backslash_kept),
		T(test_postmap_unbalanced_quote),
		T(test_postmap_missing_value),
		T(test_postmap_alias_format_warns_but_stored),
		T(test_postmap_value_whitespace),
		T(test_postmap_long_keys),
		T(test_postmap_key_scan_every_byte),
		T(test_view_last_line_and_continuation),
		T(test_alias_serialisation_table),
		T(test_alias_need_pair),
		T(test_alias_name_must_be_local),
		T(test_alias_keys),
		T(test_alias_line_number),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
