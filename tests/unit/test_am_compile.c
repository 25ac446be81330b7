/*
 * Unit tests for am_compile: the records postmap/postalias would store
 * (reference a2, a5, b4): duplicates, strict mode, folding, UTF-8 checks,
 * the LMDB key limit, postalias's extra records, sort order and -F.
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

#include "am_base64.h"
#include "am_compile.h"
#include "unit_helpers.h"

#define L(lit) lit, sizeof(lit) - 1
#define SRC_NAME "src.map"

struct cs {
	char dir[128];
	struct am_source src;
	struct am_records rs;
	struct am_compile_opts opts;
	struct unit_warnings ws;
	struct am_error err;
};

static int
setup_cs(void **state)
{
	struct cs *cs = calloc(1, sizeof(*cs));

	if (cs == NULL)
		return -1;
	if (unit_tmpdir_create(cs->dir, sizeof(cs->dir), "compile") < 0) {
		free(cs);
		return -1;
	}
	am_records_init(&cs->rs);
	/* postmap's defaults */
	cs->opts.kind = AM_MAP_POSTMAP;
	cs->opts.fold = true;
	cs->opts.utf8 = true;
	cs->opts.nul = true;
	cs->opts.dup = AM_DUP_WARN;
	cs->opts.warn = unit_collect_warning;
	cs->opts.warn_ctx = &cs->ws;
	cs->opts.myhostname = "mx.example.org";
	cs->opts.now = 1795618776;
	*state = cs;
	return 0;
}

static int
teardown_cs(void **state)
{
	struct cs *cs = *state;

	am_records_free(&cs->rs);
	am_source_close(&cs->src);
	unit_tmpdir_remove(cs->dir);
	free(cs);
	return 0;
}

/* Compile text with cs->opts; returns am_compile_source()'s result. */
static int
compile(struct cs *cs, const char *text, size_t len)
{
	am_records_free(&cs->rs);
	am_records_init(&cs->rs);
	am_source_close(&cs->src);
	memset(&cs->ws, 0, sizeof(cs->ws));
	am_error_clear(&cs->err);
	assert_int_equal(am_source_from_text(&cs->src, SRC_NAME, text, len,
	    &cs->err), 0);
	return am_compile_source(&cs->rs, &cs->src, &cs->opts, &cs->err);
}

static void
compile_ok(struct cs *cs, const char *text, size_t len)
{
	if (compile(cs, text, len) != 0)
		fail_msg("compile failed: %s (line %ld)", cs->err.message,
		    cs->err.line);
}

/* Record i is exactly key/value as stored (with or without NUL). */
static void
expect_record(struct cs *cs, size_t i, const char *key, size_t key_len,
    const char *value, size_t value_len)
{
	const struct am_record *r;

	assert_true(i < cs->rs.count);
	r = &cs->rs.rec[i];
	if (r->key_len != key_len || memcmp(r->key, key, key_len) != 0)
		fail_msg("record %zu: key \"%.*s\" (%u bytes), expected "
		    "\"%s\" (%zu)", i, (int)r->key_len, r->key, r->key_len,
		    key, key_len);
	if (r->value_len != value_len ||
	    memcmp(r->value, value, value_len) != 0)
		fail_msg("record %zu (%s): value \"%.*s\" (%u bytes), "
		    "expected \"%s\" (%zu)", i, key, (int)r->value_len,
		    r->value, r->value_len, value, value_len);
	/* "the text is followed by a NUL byte either way" */
	assert_true(r->key[r->key_len - 1] == '\0' ||
	    r->key[r->key_len] == '\0');
	assert_true(value_len == 0 || r->value[r->value_len - 1] == '\0' ||
	    r->value[r->value_len] == '\0');
}

/* Find a record by its key text (NUL form or not). */
static const struct am_record *
find(struct cs *cs, const char *key)
{
	size_t i, n = strlen(key);

	for (i = 0; i < cs->rs.count; i++) {
		const struct am_record *r = &cs->rs.rec[i];

		if ((r->key_len == n || (r->key_len == n + 1 &&
		    r->key[n] == '\0')) && memcmp(r->key, key, n) == 0)
			return r;
	}
	return NULL;
}

static void
expect_stored(struct cs *cs, const char *key, const char *value)
{
	const struct am_record *r = find(cs, key);

	if (r == NULL)
		fail_msg("no record \"%s\"", key);
	assert_string_equal(r->value, value);
}

/* LMDB's default order, independently: memcmp, then shorter first. */
static int
lmdb_order(const struct am_record *a, const struct am_record *b)
{
	size_t n = a->key_len < b->key_len ? a->key_len : b->key_len;
	int c = memcmp(a->key, b->key, n);

	if (c != 0)
		return c;
	return a->key_len < b->key_len ? -1 : a->key_len > b->key_len;
}

static void
expect_sorted_unique(struct cs *cs)
{
	size_t i;

	for (i = 1; i < cs->rs.count; i++)
		if (lmdb_order(&cs->rs.rec[i - 1], &cs->rs.rec[i]) >= 0)
			fail_msg("records %zu and %zu out of order", i - 1, i);
}

/* ---- basics ---- */

static void
test_postmap_records(void **state)
{
	struct cs *cs = *state;

	compile_ok(cs, L("B v2\n# c\nA@Example.COM Mixed Value\n"));
	assert_int_equal(cs->rs.count, 2);
	expect_record(cs, 0, L("a@example.com\0"), L("Mixed Value\0"));
	expect_record(cs, 1, L("b\0"), L("v2\0"));
	assert_int_equal(cs->rs.rec[0].line, 3);
	assert_int_equal(cs->rs.rec[1].line, 1);
	assert_int_equal(cs->rs.warnings, 0);
	assert_int_equal(cs->ws.count, 0);
}

static void
test_no_nul(void **state)
{
	struct cs *cs = *state;

	cs->opts.nul = false;
	compile_ok(cs, L("k v\n"));
	assert_int_equal(cs->rs.count, 1);
	expect_record(cs, 0, L("k"), L("v"));
}

static void
test_continuations_compiled(void **state)
{
	struct cs *cs = *state;

	/* Joined lines share one buffer: each record must keep its own. */
	compile_ok(cs, L("A a1\n a2\nB b1\n\tb2\nC c\nD d1\n  d2\n"));
	assert_int_equal(cs->rs.count, 4);
	expect_record(cs, 0, L("a\0"), L("a1 a2\0"));
	expect_record(cs, 1, L("b\0"), L("b1\tb2\0"));
	expect_record(cs, 2, L("c\0"), L("c\0"));
	expect_record(cs, 3, L("d\0"), L("d1  d2\0"));
}

static void
test_skipped_lines_warn(void **state)
{
	struct cs *cs = *state;

	compile_ok(cs, L("good v\nbad\n\"unbal v\n  lead x\nk4: v4\n"));
	/* bad, unbalanced skipped; k4: stored with a warning */
	assert_int_equal(cs->rs.count, 2);
	expect_stored(cs, "good", "v");
	expect_stored(cs, "k4:", "v4");
	assert_int_equal(cs->rs.warnings, 3);
	assert_int_equal(cs->ws.count, 3);
	assert_int_equal(cs->ws.w[0].line, 2);
	assert_string_equal(cs->ws.w[0].file, SRC_NAME);
	assert_true(unit_find_warning(&cs->ws, "expected format") >= 0);
	assert_true(unit_find_warning(&cs->ws, "unbalanced") >= 0);
	assert_true(unit_find_warning(&cs->ws, "is this an alias file?") >= 0);
	/* "  lead x" continues "\"unbal v": no leading-whitespace warning */
	assert_int_equal(unit_find_warning(&cs->ws, "must not start"), -1);
}

/* ---- duplicates (b4) ---- */

static void
test_duplicates_first_wins_warns(void **state)
{
	struct cs *cs = *state;

	compile_ok(cs, L("dup first\nDup second\nx y\nDUP third\n"));
	assert_int_equal(cs->rs.count, 2);
	expect_stored(cs, "dup", "first");
	assert_int_equal(find(cs, "dup")->line, 1);
	assert_int_equal(cs->ws.count, 2);
	assert_int_equal(cs->rs.warnings, 2);
	/* folded key, and the line of each later occurrence */
	assert_string_equal(cs->ws.w[0].message, "duplicate entry: \"dup\"");
	assert_string_equal(cs->ws.w[0].file, SRC_NAME);
	assert_int_equal(cs->ws.w[0].line, 2);
	assert_string_equal(cs->ws.w[1].message, "duplicate entry: \"dup\"");
	assert_int_equal(cs->ws.w[1].line, 4);
}

static void
test_duplicates_w_silent(void **state)
{
	struct cs *cs = *state;

	cs->opts.dup = AM_DUP_IGNORE;
	compile_ok(cs, L("dup first\nDup second\nDUP third\n"));
	assert_int_equal(cs->rs.count, 1);
	expect_stored(cs, "dup", "first");
	assert_int_equal(cs->ws.count, 0);
	assert_int_equal(cs->rs.warnings, 0);
}

static void
test_duplicates_r_last_wins(void **state)
{
	struct cs *cs = *state;

	cs->opts.dup = AM_DUP_REPLACE;
	compile_ok(cs, L("dup first\nDup second\nx y\nDUP third\n"));
	assert_int_equal(cs->rs.count, 2);
	expect_stored(cs, "dup", "third");
	assert_int_equal(find(cs, "dup")->line, 4);
	assert_int_equal(cs->ws.count, 0);
}

static void
test_duplicates_unfolded_are_distinct(void **state)
{
	struct cs *cs = *state;

	cs->opts.fold = false;
	compile_ok(cs, L("Dup a\ndup b\nDup c\n"));
	assert_int_equal(cs->rs.count, 2);
	expect_stored(cs, "Dup", "a");
	expect_stored(cs, "dup", "b");
	assert_int_equal(cs->ws.count, 1);
	assert_string_equal(cs->ws.w[0].message, "duplicate entry: \"Dup\"");
	assert_int_equal(cs->ws.w[0].line, 3);
}

/* ---- strict ---- */

static void
test_strict_fails_on_warning(void **state)
{
	struct cs *cs = *state;

	cs->opts.strict = true;
	assert_int_equal(compile(cs, L("k v\nbad\n")), -1);
	assert_int_not_equal(cs->err.code, AM_OK);
	assert_string_equal(cs->err.file, SRC_NAME);
	/* The warning itself is still reported. */
	assert_int_equal(cs->ws.count, 1);
	assert_int_equal(cs->ws.w[0].line, 2);
	assert_string_equal(cs->ws.w[0].message,
	    "expected format: key whitespace value");

	assert_int_equal(compile(cs, L("k v\nK w\n")), -1);
	assert_int_equal(cs->ws.count, 1);
	assert_string_equal(cs->ws.w[0].message, "duplicate entry: \"k\"");

	assert_int_equal(compile(cs, L("k \xff\n")), -1);
	assert_int_equal(compile(cs, L("  lead v\nk v\n")), -1);
}

static void
test_strict_passes_clean_source(void **state)
{
	struct cs *cs = *state;

	cs->opts.strict = true;
	compile_ok(cs, L("a 1\nb 2\n"));
	assert_int_equal(cs->rs.count, 2);
	/* -w and -r silence duplicates, so strict has nothing to refuse */
	cs->opts.dup = AM_DUP_IGNORE;
	compile_ok(cs, L("a 1\nA 2\n"));
	expect_stored(cs, "a", "1");
}

/* ---- folding ---- */

static void
test_fold_off(void **state)
{
	struct cs *cs = *state;

	cs->opts.fold = false;
	compile_ok(cs, L("Alice@Example.COM Alice\nStra\xc3\x9f" "e x\n"));
	assert_non_null(find(cs, "Alice@Example.COM"));
	assert_null(find(cs, "alice@example.com"));
	assert_non_null(find(cs, "Stra\xc3\x9f" "e"));
}

static void
test_fold_ascii_values_untouched(void **state)
{
	struct cs *cs = *state;

	compile_ok(cs, L("Alice@Example.COM Alice@Example.COM\n"));
	expect_record(cs, 0, L("alice@example.com\0"),
	    L("Alice@Example.COM\0"));
}

static void
test_fold_utf8(void **state)
{
	struct cs *cs = *state;

	compile_ok(cs, L("Stra\xc3\x9f" "e@EXAMPLE.de v1\n"
	    "\xc4\xb0stanbul@x v2\n"
	    "\xc3\x84\xc3\x96\xc3\x9c@Example.COM V3\n"));
	assert_int_equal(cs->rs.count, 3);
	expect_stored(cs, "strasse@example.de", "v1");
	expect_stored(cs, "i\xcc\x87stanbul@x", "v2");
	expect_stored(cs, "\xc3\xa4\xc3\xb6\xc3\xbc@example.com", "V3");
	assert_int_equal(find(cs, "strasse@example.de")->key_len,
	    strlen("strasse@example.de") + 1);
	expect_sorted_unique(cs);
}

static void
test_fold_utf8_continued_line(void **state)
{
	struct cs *cs = *state;

	compile_ok(cs, L("Stra\xc3\x9f" "e v1\n  more\n\xc3\x84 v2\n"));
	expect_stored(cs, "strasse", "v1  more");
	expect_stored(cs, "\xc3\xa4", "v2");
}

static void
test_fold_utf8_duplicates_after_folding(void **state)
{
	struct cs *cs = *state;

	compile_ok(cs, L("STRASSE a\nStra\xc3\x9f" "e b\n"));
	assert_int_equal(cs->rs.count, 1);
	expect_stored(cs, "strasse", "a");
	assert_int_equal(cs->ws.count, 1);
	assert_string_equal(cs->ws.w[0].message,
	    "duplicate entry: \"strasse\"");
	assert_int_equal(cs->ws.w[0].line, 2);
}

static void
test_no_utf8_folds_ascii_only(void **state)
{
	struct cs *cs = *state;

	cs->opts.utf8 = false;
	compile_ok(cs, L("Stra\xc3\x9f" "E@X v\n\xc3\x84" "B w\n"));
	assert_non_null(find(cs, "stra\xc3\x9f" "e@x"));
	assert_non_null(find(cs, "\xc3\x84" "b"));
}

static void
test_invalid_utf8_skipped(void **state)
{
	struct cs *cs = *state;

	compile_ok(cs, L("ok v\nk7 \xff\xfe bad-utf8\nK8 fine\n"));
	assert_int_equal(cs->rs.count, 2);
	assert_null(find(cs, "k7"));
	expect_stored(cs, "k8", "fine");
	assert_int_equal(cs->ws.count, 1);
	assert_string_equal(cs->ws.w[0].file, SRC_NAME);
	assert_int_equal(cs->ws.w[0].line, 2);
	assert_non_null(strstr(cs->ws.w[0].message, "non-UTF-8 input"));
	assert_non_null(strstr(cs->ws.w[0].message,
	    "-- ignoring this line"));
}

static void
test_invalid_utf8_kept_without_utf8(void **state)
{
	struct cs *cs = *state;

	cs->opts.utf8 = false;
	compile_ok(cs, L("ok v\nK7 \xff\xfe bad-utf8\n"));
	assert_int_equal(cs->rs.count, 2);
	expect_stored(cs, "k7", "\xff\xfe bad-utf8");
	assert_int_equal(cs->ws.count, 0);
}

static void
test_fold_query(void **state)
{
	struct am_folder folder = AM_FOLDER_INIT;
	struct am_buf out = AM_BUF_INIT;
	struct am_error err;

	(void)state;
	assert_int_equal(am_compile_fold_query(&folder,
	    L("Alice@Example.COM"), true, true, &out, &err), 0);
	assert_string_equal(out.data, "alice@example.com");
	assert_int_equal(am_compile_fold_query(&folder,
	    L("Alice@Example.COM"), false, true, &out, &err), 0);
	assert_string_equal(out.data, "Alice@Example.COM");
	assert_int_equal(am_compile_fold_query(&folder,
	    L("Stra\xc3\x9f" "e@EXAMPLE.de"), true, true, &out, &err), 0);
	assert_string_equal(out.data, "strasse@example.de");
	assert_int_equal(out.len, strlen("strasse@example.de"));
	assert_int_equal(am_compile_fold_query(&folder,
	    L("Stra\xc3\x9f" "e@EXAMPLE.de"), true, false, &out, &err), 0);
	assert_string_equal(out.data, "stra\xc3\x9f" "e@example.de");
	am_buf_free(&out);
	am_fold_free(&folder);
}

/*
 * The query folding is the writer's: for every key and every setting the
 * folded query finds the record the compiler stored, and only that one.
 */
static void
test_fold_query_matches_build(void **state)
{
	static const char *const keys[] = {
		/* local names: postalias skips "name@domain" */
		"plain", "Alice.Smith", "ALL-CAPS", "Stra\xc3\x9f\x65",
		"\xc3\x84rger", "\xce\x90x", "x\xe1\xba\x9eY",
	};
	struct cs *cs = *state;
	struct am_folder folder = AM_FOLDER_INIT;
	struct am_buf text = AM_BUF_INIT, out = AM_BUF_INIT;
	struct am_error err;
	size_t i, k, n;
	int fold, utf8, alias;

	for (alias = 0; alias < 2; alias++)
	for (fold = 0; fold < 2; fold++)
	for (utf8 = 0; utf8 < 2; utf8++) {
		cs->opts.kind = alias ? AM_MAP_ALIASES : AM_MAP_POSTMAP;
		cs->opts.fold = fold;
		cs->opts.utf8 = utf8;
		am_buf_reset(&text);
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			am_buf_printf(&text, "%s%s v%zu\n", keys[k],
			    alias ? ":" : "", k);
		compile_ok(cs, text.data, text.len);
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			char want[16];

			assert_int_equal(am_compile_fold_query(&folder,
			    keys[k], strlen(keys[k]), fold, utf8, &out,
			    &err), 0);
			snprintf(want, sizeof(want), "v%zu", k);
			for (i = 0, n = 0; i < cs->rs.count; i++) {
				const struct am_record *r = &cs->rs.rec[i];

				if ((r->key_len == out.len ||
				    (r->key_len == out.len + 1 &&
				    r->key[out.len] == '\0')) &&
				    memcmp(r->key, out.data, out.len) == 0) {
					assert_string_equal(r->value, want);
					n++;
				}
			}
			if (n != 1)
				fail_msg("fold=%d utf8=%d alias=%d: query "
				    "\"%s\" folded to \"%s\" finds %zu "
				    "records", fold, utf8, alias, keys[k],
				    out.data, n);
		}
	}
	am_buf_free(&text);
	am_buf_free(&out);
	am_fold_free(&folder);
}

/* ---- key size (a2.6) ---- */

static char *
key_line(size_t keylen, const char *before)
{
	struct am_buf b = AM_BUF_INIT;
	size_t i;

	am_buf_adds(&b, before);
	for (i = 0; i < keylen; i++)
		am_buf_addc(&b, 'k');
	am_buf_adds(&b, " v\nafter x\n");
	return b.data;
}

static void
test_key_510_ok(void **state)
{
	struct cs *cs = *state;
	char *text = key_line(510, "");

	compile_ok(cs, text, strlen(text));
	assert_int_equal(cs->rs.count, 2);
	assert_int_equal(cs->rs.rec[1].key_len, 511);
	free(text);
}

static void
test_key_511_fatal_with_line(void **state)
{
	struct cs *cs = *state;
	char *text = key_line(511, "first 1\n# c\n");

	assert_int_equal(compile(cs, text, strlen(text)), -1);
	assert_int_equal(cs->err.code, AM_E_KEY_TOO_LONG);
	assert_string_equal(cs->err.file, SRC_NAME);
	assert_int_equal(cs->err.line, 3);
	free(text);
}

static void
test_key_511_ok_without_nul(void **state)
{
	struct cs *cs = *state;
	char *text = key_line(511, "");

	cs->opts.nul = false;
	compile_ok(cs, text, strlen(text));
	assert_int_equal(cs->rs.rec[1].key_len, 511);
	free(text);

	text = key_line(512, "");
	assert_int_equal(compile(cs, text, strlen(text)), -1);
	assert_int_equal(cs->err.code, AM_E_KEY_TOO_LONG);
	assert_int_equal(cs->err.line, 1);
	free(text);
}

static void
test_key_too_long_after_folding(void **state)
{
	struct cs *cs = *state;
	struct am_buf b = AM_BUF_INIT;
	int i;

	/* 200 bytes of U+0390 fold to 600 bytes (three code points each) */
	for (i = 0; i < 100; i++)
		am_buf_adds(&b, "\xce\x90");
	am_buf_adds(&b, " v\n");
	assert_int_equal(compile(cs, b.data, b.len), -1);
	assert_int_equal(cs->err.code, AM_E_KEY_TOO_LONG);
	assert_int_equal(cs->err.line, 1);
	am_buf_free(&b);
}

/* ---- order ---- */

static void
test_records_sorted_lmdb_order(void **state)
{
	struct cs *cs = *state;

	cs->opts.nul = false;
	cs->opts.fold = false;
	cs->opts.utf8 = false;
	compile_ok(cs, L("abcdefghiz 1\nab 2\nabcdefghi 3\nb 4\na 5\n"
	    "abcdefghij 6\n\xc3x 7\nzz 8\nabcdefgh 9\n"));
	assert_int_equal(cs->rs.count, 9);
	expect_record(cs, 0, L("a"), L("5"));
	expect_record(cs, 1, L("ab"), L("2"));
	expect_record(cs, 2, L("abcdefgh"), L("9"));
	expect_record(cs, 3, L("abcdefghi"), L("3"));
	expect_record(cs, 4, L("abcdefghij"), L("6"));
	expect_record(cs, 5, L("abcdefghiz"), L("1"));
	expect_record(cs, 6, L("b"), L("4"));
	expect_record(cs, 7, L("zz"), L("8"));
	expect_record(cs, 8, L("\xc3x"), L("7"));	/* bytes are unsigned */
	expect_sorted_unique(cs);
}

static void
test_records_sorted_many(void **state)
{
	struct cs *cs = *state;
	struct am_buf b = AM_BUF_INIT;
	unsigned int x = 12345;
	int i;

	/* pseudo-random keys, many sharing long prefixes */
	for (i = 0; i < 3000; i++) {
		x = x * 1103515245u + 12345u;
		am_buf_printf(&b, "user%u@longdomain%u.example v%d\n",
		    (x >> 8) % 500, (x >> 20) % 3, i);
	}
	compile_ok(cs, b.data, b.len);
	expect_sorted_unique(cs);
	assert_true(cs->rs.count <= 1500);
	assert_int_equal(cs->rs.count + cs->ws.count, 3000);
	am_buf_free(&b);
}

/* ---- postalias ---- */

static void
test_alias_records(void **state)
{
	struct cs *cs = *state;

	cs->opts.kind = AM_MAP_ALIASES;
	compile_ok(cs, L("Postmaster: Root\n\"Quoted Name\": x\n"
	    "comment(C1): y\nfoo: a,\n  b\nbad line\n"));
	assert_int_equal(cs->rs.count, 4);
	expect_stored(cs, "postmaster", "Root");
	expect_stored(cs, "quoted name", "x");
	expect_stored(cs, "comment (c1)", "y");
	expect_stored(cs, "foo", "a, b");
	assert_int_equal(find(cs, "foo")->line, 4);
	assert_int_equal(cs->ws.count, 1);
	assert_string_equal(cs->ws.w[0].message, "need name:value pair");
	assert_int_equal(cs->ws.w[0].line, 6);
	expect_sorted_unique(cs);
}

static void
test_alias_extras(void **state)
{
	struct cs *cs = *state;

	cs->opts.kind = AM_MAP_ALIASES;
	cs->opts.alias_extras = true;
	compile_ok(cs, L("root: admin\n"));
	assert_int_equal(cs->rs.count, 4);
	/* '@' < 'Y' < 'r': LMDB order */
	expect_record(cs, 0, L("@\0"), L("@\0"));
	expect_record(cs, 1, L("YP_LAST_MODIFIED"), L("1795618776"));
	expect_record(cs, 2, L("YP_MASTER_NAME"), L("mx.example.org"));
	expect_record(cs, 3, L("root\0"), L("admin\0"));
	assert_int_equal(cs->ws.count, 0);
}

static void
test_alias_extras_padding_and_no_nul(void **state)
{
	struct cs *cs = *state;

	cs->opts.kind = AM_MAP_ALIASES;
	cs->opts.alias_extras = true;
	cs->opts.nul = false;
	cs->opts.now = 12345;
	cs->opts.myhostname = "vm.localdomain";
	compile_ok(cs, L("a: b\n"));
	assert_int_equal(cs->rs.count, 4);
	expect_record(cs, 0, L("@"), L("@"));
	expect_record(cs, 1, L("YP_LAST_MODIFIED"), L("0000012345"));
	expect_record(cs, 2, L("YP_MASTER_NAME"), L("vm.localdomain"));
	expect_record(cs, 3, L("a"), L("b"));
}

static void
test_alias_extras_off(void **state)
{
	struct cs *cs = *state;

	cs->opts.kind = AM_MAP_ALIASES;
	compile_ok(cs, L("a: b\n"));
	assert_int_equal(cs->rs.count, 1);
	assert_null(find(cs, "@"));
	assert_null(find(cs, "YP_MASTER_NAME"));
}

/* ---- postmap -F ---- */

static void
write_in_dir(struct cs *cs, const char *name, const char *content,
    char *path, size_t size)
{
	unit_path(path, size, cs->dir, name);
	assert_int_equal(unit_write_file(path, content, strlen(content),
	    0644), 0);
}

static void
test_rhs_is_file_base64(void **state)
{
	struct cs *cs = *state;
	char f1[256], f2[256], line[1024];

	write_in_dir(cs, "f1.txt", "line1", f1, sizeof(f1));
	write_in_dir(cs, "f2.txt", "line2\n\nother", f2, sizeof(f2));
	cs->opts.rhs_is_file = true;
	snprintf(line, sizeof(line), "K1 %s\nk2 %s, %s\n", f1, f1, f2);
	compile_ok(cs, line, strlen(line));
	assert_int_equal(cs->rs.count, 2);
	expect_stored(cs, "k1", "bGluZTE=");
	/* reference b2: the two files joined by one newline */
	expect_stored(cs, "k2", "bGluZTEKbGluZTIKCm90aGVy");
	assert_int_equal(cs->ws.count, 0);
}

static void
test_rhs_is_file_missing(void **state)
{
	struct cs *cs = *state;
	char f1[256], line[1024], missing[256], expect[1024];

	write_in_dir(cs, "f1.txt", "line1", f1, sizeof(f1));
	unit_path(missing, sizeof(missing), cs->dir, "missing.txt");
	cs->opts.rhs_is_file = true;
	snprintf(line, sizeof(line), "a %s\nb %s\n", f1, missing);
	compile_ok(cs, line, strlen(line));
	assert_int_equal(cs->rs.count, 1);
	assert_null(find(cs, "b"));
	assert_int_equal(cs->ws.count, 1);
	assert_int_equal(cs->ws.w[0].line, 2);
	snprintf(expect, sizeof(expect), "open %s: %s: skipping this entry",
	    missing, strerror(ENOENT));
	assert_string_equal(cs->ws.w[0].message, expect);
}

static void
test_rhs_is_file_continued_utf8_key(void **state)
{
	struct cs *cs = *state;
	char f1[256], f2[256], line[1024];

	/* A continued line (joined text) whose key needs ICU folding. */
	write_in_dir(cs, "f1.txt", "line1", f1, sizeof(f1));
	write_in_dir(cs, "f2.txt", "line2\n\nother", f2, sizeof(f2));
	cs->opts.rhs_is_file = true;
	snprintf(line, sizeof(line), "Stra\xc3\x9f" "e %s,\n  %s\n", f1, f2);
	compile_ok(cs, line, strlen(line));
	assert_int_equal(cs->rs.count, 1);
	expect_stored(cs, "strasse", "bGluZTEKbGluZTIKCm90aGVy");
}

static void
test_rhs_is_file_contents_round_trip(void **state)
{
	struct cs *cs = *state;
	struct am_buf dec = AM_BUF_INIT;
	const struct am_record *r;
	char f1[256], line[512];
	const char content[] = "-----BEGIN KEY-----\nabc\n-----END KEY-----\n";

	write_in_dir(cs, "key.pem", content, f1, sizeof(f1));
	cs->opts.rhs_is_file = true;
	snprintf(line, sizeof(line), "sel %s\n", f1);
	compile_ok(cs, line, strlen(line));
	assert_non_null(r = find(cs, "sel"));
	assert_int_equal(am_base64_decode(&dec, r->value, strlen(r->value)),
	    0);
	assert_int_equal(dec.len, strlen(content));
	assert_memory_equal(dec.data, content, dec.len);
	am_buf_free(&dec);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_cs, teardown_cs)
	const struct CMUnitTest tests[] = {
		T(test_postmap_records),
		T(test_no_nul),
		T(test_continuations_compiled),
		T(test_skipped_lines_warn),
		T(test_duplicates_first_wins_warns),
		T(test_duplicates_w_silent),
		T(test_duplicates_r_last_wins),
		T(test_duplicates_unfolded_are_distinct),
		T(test_strict_fails_on_warning),
		T(test_strict_passes_clean_source),
		T(test_fold_off),
		T(test_fold_ascii_values_untouched),
		T(test_fold_utf8),
		T(test_fold_utf8_continued_line),
		T(test_fold_utf8_duplicates_after_folding),
		T(test_no_utf8_folds_ascii_only),
		T(test_invalid_utf8_skipped),
		T(test_invalid_utf8_kept_without_utf8),
		cmocka_unit_test(test_fold_query),
		T(test_fold_query_matches_build),
		T(test_key_510_ok),
		T(test_key_511_fatal_with_line),
		T(test_key_511_ok_without_nul),
		T(test_key_too_long_after_folding),
		T(test_records_sorted_lmdb_order),
		T(test_records_sorted_many),
		T(test_alias_records),
		T(test_alias_extras),
		T(test_alias_extras_padding_and_no_nul),
		T(test_alias_extras_off),
		T(test_rhs_is_file_base64),
		T(test_rhs_is_file_missing),
		T(test_rhs_is_file_continued_utf8_key),
		T(test_rhs_is_file_contents_round_trip),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
