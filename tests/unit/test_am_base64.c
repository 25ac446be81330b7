/*
 * Unit tests for am_base64: the RFC 4648 test vectors, round trips of
 * binary data of every length remainder, and strict rejection of input
 * outside the alphabet or badly padded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "am_base64.h"

struct bufs {
	struct am_buf enc;
	struct am_buf dec;
};

static int
setup_bufs(void **state)
{
	struct bufs *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return -1;
	*state = b;
	return 0;
}

static int
teardown_bufs(void **state)
{
	struct bufs *b = *state;

	am_buf_free(&b->enc);
	am_buf_free(&b->dec);
	free(b);
	return 0;
}

static void
test_rfc4648_vectors(void **state)
{
	static const struct {
		const char *plain, *encoded;
	} v[] = {
		{ "", "" },
		{ "f", "Zg==" },
		{ "fo", "Zm8=" },
		{ "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" },
		{ "fooba", "Zm9vYmE=" },
		{ "foobar", "Zm9vYmFy" },
	};
	struct bufs *b = *state;
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		am_buf_reset(&b->enc);
		am_buf_reset(&b->dec);
		assert_int_equal(am_base64_encode(&b->enc, v[i].plain,
		    strlen(v[i].plain)), 0);
		assert_int_equal(b->enc.len, strlen(v[i].encoded));
		assert_string_equal(b->enc.data, v[i].encoded);
		assert_int_equal(am_base64_decode(&b->dec, v[i].encoded,
		    strlen(v[i].encoded)), 0);
		assert_int_equal(b->dec.len, strlen(v[i].plain));
		if (b->dec.len > 0)
			assert_memory_equal(b->dec.data, v[i].plain,
			    b->dec.len);
	}
}

static void
test_postmap_F_value(void **state)
{
	struct bufs *b = *state;
	const char *content = "line1\nline2\n\nother";

	/* reference b2: postmap -F of f1.txt, f2.txt */
	assert_int_equal(am_base64_encode(&b->enc, content, strlen(content)),
	    0);
	assert_string_equal(b->enc.data, "bGluZTEKbGluZTIKCm90aGVy");
}

static void
test_alphabet_edges(void **state)
{
	struct bufs *b = *state;
	const unsigned char all_ones[] = { 0xff, 0xff, 0xff };
	const unsigned char pattern[] = { 0xfb, 0xef, 0xbe };

	/* '+' and '/' (not the URL-safe '-' and '_') */
	assert_int_equal(am_base64_encode(&b->enc, all_ones, 3), 0);
	assert_string_equal(b->enc.data, "////");
	am_buf_reset(&b->enc);
	assert_int_equal(am_base64_encode(&b->enc, pattern, 3), 0);
	assert_string_equal(b->enc.data, "++++");
}

static void
test_binary_round_trip(void **state)
{
	struct bufs *b = *state;
	unsigned char data[300];
	size_t len, i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 37 + 11);
	data[5] = 0;	/* embedded NUL bytes survive */
	for (len = 0; len <= sizeof(data); len += (len < 10 ? 1 : 37)) {
		am_buf_reset(&b->enc);
		am_buf_reset(&b->dec);
		assert_int_equal(am_base64_encode(&b->enc, data, len), 0);
		assert_int_equal(b->enc.len, (len + 2) / 3 * 4);
		assert_int_equal(strlen(b->enc.data), b->enc.len);
		assert_int_equal(am_base64_decode(&b->dec, b->enc.data,
		    b->enc.len), 0);
		assert_int_equal(b->dec.len, len);
		if (len > 0)
			assert_memory_equal(b->dec.data, data, len);
	}
}

static void
test_invalid_input(void **state)
{
	static const char *bad[] = {
		"Zg=",		/* length not a multiple of 4 */
		"Zm9",
		"Z",
		"Zm9v!A==",	/* outside the alphabet */
		"Zm9-",		/* URL-safe alphabet is not standard */
		"Zm9_",
		"Zm 9",		/* whitespace */
		"Zm9v\nZg==",
		"Zg==Zg==",	/* padding in the middle */
		"Z===",		/* too much padding */
		"Zg=a",		/* data after padding */
		"=Zm9",
	};
	struct bufs *b = *state;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		am_buf_reset(&b->dec);
		if (am_base64_decode(&b->dec, bad[i], strlen(bad[i])) != -1)
			fail_msg("\"%s\" was accepted", bad[i]);
	}
	/* An embedded NUL byte is not in the alphabet either. */
	assert_int_equal(am_base64_decode(&b->dec, "Zm\0v", 4), -1);
}

static void
test_decode_uses_len_not_nul(void **state)
{
	struct bufs *b = *state;

	/* Only the first 4 characters count. */
	assert_int_equal(am_base64_decode(&b->dec, "Zm9vYmFy", 4), 0);
	assert_int_equal(b->dec.len, 3);
	assert_memory_equal(b->dec.data, "foo", 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rfc4648_vectors,
		    setup_bufs, teardown_bufs),
		cmocka_unit_test_setup_teardown(test_postmap_F_value,
		    setup_bufs, teardown_bufs),
		cmocka_unit_test_setup_teardown(test_alphabet_edges,
		    setup_bufs, teardown_bufs),
		cmocka_unit_test_setup_teardown(test_binary_round_trip,
		    setup_bufs, teardown_bufs),
		cmocka_unit_test_setup_teardown(test_invalid_input,
		    setup_bufs, teardown_bufs),
		cmocka_unit_test_setup_teardown(test_decode_uses_len_not_nul,
		    setup_bufs, teardown_bufs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
