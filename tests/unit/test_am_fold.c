/*
 * Unit tests for am_fold: ASCII folding and Postfix-compatible key
 * folding with ICU's full case folding (the examples verified against
 * Postfix 3.7 in reference a2.5).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "am_fold.h"

#define L(lit) lit, sizeof(lit) - 1

struct fold_state {
	struct am_folder folder;
	struct am_buf out;
};

static int
setup_fold(void **state)
{
	struct fold_state *fs = calloc(1, sizeof(*fs));

	if (fs == NULL)
		return -1;
	*state = fs;
	return 0;
}

static int
teardown_fold(void **state)
{
	struct fold_state *fs = *state;

	am_fold_free(&fs->folder);
	am_buf_free(&fs->out);
	free(fs);
	return 0;
}

static void
test_fold_ascii(void **state)
{
	char s[] = "Alice@Example.COM [AZ] \xc3\x84 @[\\]^_`{";

	(void)state;
	am_fold_ascii(s, strlen(s));
	/* Only A-Z change; the bytes around them and UTF-8 do not. */
	assert_string_equal(s, "alice@example.com [az] \xc3\x84 @[\\]^_`{");
}

static void
expect_fold(struct fold_state *fs, const char *in, size_t len,
    const char *expect)
{
	am_buf_reset(&fs->out);
	if (am_fold_utf8(&fs->folder, in, len, &fs->out) != 0)
		fail_msg("am_fold_utf8(\"%s\") failed (ICU not loaded?)", in);
	assert_string_equal(fs->out.data, expect);
	assert_int_equal(fs->out.len, strlen(expect));
}

static void
test_fold_utf8_reference(void **state)
{
	struct fold_state *fs = *state;

	/* reference a2.5, verified with Postfix 3.7.11 + ICU 72 */
	expect_fold(fs, L("\xc3\x84\xc3\x96\xc3\x9c@Example.COM"),
	    "\xc3\xa4\xc3\xb6\xc3\xbc@example.com");
	expect_fold(fs, L("Stra\xc3\x9f" "e@EXAMPLE.de"),
	    "strasse@example.de");
	expect_fold(fs, L("\xce\xa3\xce\x8a\xce\xa3\xce\xa5\xce\xa6\xce\x9f"
	    "\xce\xa3@x"),
	    "\xcf\x83\xce\xaf\xcf\x83\xcf\x85\xcf\x86\xce\xbf\xcf\x83@x");
	/* İ (U+0130) folds to i + U+0307 */
	expect_fold(fs, L("\xc4\xb0stanbul@x"), "i\xcc\x87stanbul@x");
}

static void
test_fold_utf8_grows(void **state)
{
	struct fold_state *fs = *state;
	struct am_buf in = AM_BUF_INIT;
	struct am_buf expect = AM_BUF_INIT;
	int i;

	/* U+0390 folds to three code points (2 bytes -> 6 bytes). */
	expect_fold(fs, L("\xce\x90"), "\xce\xb9\xcc\x88\xcc\x81");
	/* A long key of characters that expand, reusing the folder. */
	for (i = 0; i < 300; i++) {
		am_buf_add(&in, "\xc3\x9f", 2);
		am_buf_add(&expect, "ss", 2);
	}
	expect_fold(fs, in.data, in.len, expect.data);
	am_buf_free(&in);
	am_buf_free(&expect);
}

static void
test_fold_key_ascii_in_place(void **state)
{
	struct fold_state *fs = *state;
	char key[] = "Alice@Example.COM";
	const char *res = NULL;
	size_t res_len = 0;

	assert_int_equal(am_fold_key(&fs->folder, key, strlen(key), true,
	    &fs->out, &res, &res_len), 0);
	assert_ptr_equal(res, key);
	assert_int_equal(res_len, 17);
	assert_string_equal(key, "alice@example.com");
	/* ASCII keys never need ICU. */
	assert_null(fs->folder.icu);
}

static void
test_fold_key_utf8(void **state)
{
	struct fold_state *fs = *state;
	char key[] = "Stra\xc3\x9f" "e@EXAMPLE.de";
	const char *res = NULL;
	size_t res_len = 0;

	assert_int_equal(am_fold_key(&fs->folder, key, strlen(key), true,
	    &fs->out, &res, &res_len), 0);
	assert_int_equal(res_len, strlen("strasse@example.de"));
	assert_memory_equal(res, "strasse@example.de", res_len);
}

static void
test_fold_key_no_utf8_is_ascii(void **state)
{
	struct fold_state *fs = *state;
	char key[] = "Stra\xc3\x9f" "E@EXAMPLE.de \xc3\x84";
	const char *res = NULL;
	size_t res_len = 0;

	/* smtputf8_enable = no / -u: A-Z only, ß and Ä untouched */
	assert_int_equal(am_fold_key(&fs->folder, key, strlen(key), false,
	    &fs->out, &res, &res_len), 0);
	assert_int_equal(res_len, strlen(key));
	assert_memory_equal(res, "stra\xc3\x9f" "e@example.de \xc3\x84",
	    res_len);
}

/* The byte at a time rule am_fold_is_folded() checks a word at a time. */
static bool
naive_is_folded(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80 || (s[i] >= 'A' && s[i] <= 'Z'))
			return false;
	return true;
}

/*
 * Every byte value at every place of keys up to 19 bytes long (inside a
 * word, at its edges, in the tail), and a second one after it: the word
 * test agrees with the byte rule.
 */
static void
test_is_folded_every_byte(void **state)
{
	char key[20];
	size_t len, at;
	int c;

	(void)state;
	for (len = 0; len < sizeof(key); len++) {
		memset(key, 'a', sizeof(key));
		assert_true(am_fold_is_folded(key, len));
		for (at = 0; at < len; at++) {
			for (c = 0; c < 256; c++) {
				memset(key, 'a', sizeof(key));
				key[at] = (char)c;
				if (at + 1 < len)
					key[len - 1] = (char)(255 - c);
				if (am_fold_is_folded(key, len) !=
				    naive_is_folded(key, len))
					fail_msg("len %zu, byte 0x%02x at %zu",
					    len, c, at);
			}
		}
	}
	/* Bytes past len are not looked at. */
	assert_true(am_fold_is_folded("abcdefghABCDEFGH", 8));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fold_ascii),
		cmocka_unit_test(test_is_folded_every_byte),
		cmocka_unit_test_setup_teardown(test_fold_utf8_reference,
		    setup_fold, teardown_fold),
		cmocka_unit_test_setup_teardown(test_fold_utf8_grows,
		    setup_fold, teardown_fold),
		cmocka_unit_test_setup_teardown(test_fold_key_ascii_in_place,
		    setup_fold, teardown_fold),
		cmocka_unit_test_setup_teardown(test_fold_key_utf8,
		    setup_fold, teardown_fold),
		cmocka_unit_test_setup_teardown(test_fold_key_no_utf8_is_ascii,
		    setup_fold, teardown_fold),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
