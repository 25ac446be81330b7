/*
 * Unit tests for am_password: hash round trips for yescrypt and sha512 at
 * several costs, the settings libxcrypt writes for them, crypt_checksalt
 * judgement of stored values, the cost policy, reading passwords from a
 * file descriptor, and generated passwords.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "am_pw.h"

static void
round_trip(enum am_pw_scheme scheme, unsigned long cost, const char *prefix)
{
	char hash[AM_PW_HASH_MAX], hash2[AM_PW_HASH_MAX];
	struct am_pw_info info;
	struct am_error err;
	bool match;

	am_error_clear(&err);
	assert_int_equal(am_pw_hash("s3cret pass", scheme, cost, hash,
	    sizeof(hash), &err), 0);
	assert_memory_equal(hash, prefix, strlen(prefix));
	assert_int_equal(am_pw_verify("s3cret pass", hash, &match, &err), 0);
	assert_true(match);
	assert_int_equal(am_pw_verify("s3cret pasS", hash, &match, &err), 0);
	assert_false(match);
	assert_int_equal(am_pw_verify("s3cret pas", hash, &match, &err), 0);
	assert_false(match);
	am_pw_inspect(hash, &info);
	assert_int_equal(info.state, AM_PW_STATE_USABLE);
	assert_int_equal(info.scheme, scheme);
	assert_int_equal(info.cost, cost);
	assert_int_equal(info.judgement, AM_PW_OK);
	assert_true(am_pw_meets_policy(hash, scheme, cost));
	/* A fresh salt every time. */
	assert_int_equal(am_pw_hash("s3cret pass", scheme, cost, hash2,
	    sizeof(hash2), &err), 0);
	assert_string_not_equal(hash, hash2);
}

static void
test_yescrypt(void **state)
{
	(void)state;
	round_trip(AM_PW_YESCRYPT, 5, "$y$j9T$");
	round_trip(AM_PW_YESCRYPT, 1, "$y$j75$");
	round_trip(AM_PW_YESCRYPT, 3, "$y$j7T$");
	round_trip(AM_PW_YESCRYPT, 7, "$y$jBT$");
}

static void
test_sha512(void **state)
{
	char hash[AM_PW_HASH_MAX];
	struct am_error err;

	(void)state;
	round_trip(AM_PW_SHA512, 5000, "$6$");
	round_trip(AM_PW_SHA512, 1000, "$6$rounds=1000$");
	round_trip(AM_PW_SHA512, 20000, "$6$rounds=20000$");
	/* 5000 is the default: no rounds= (as chpasswd -s 5000). */
	am_error_clear(&err);
	assert_int_equal(am_pw_hash("x", AM_PW_SHA512, 5000, hash,
	    sizeof(hash), &err), 0);
	assert_null(strstr(hash, "rounds="));
	assert_int_equal(strlen(hash), 3 + 16 + 1 + 86);
}

static void
test_known_hashes(void **state)
{
	/* mkpasswd -m sha-512 -S saltsaltsaltsalt password */
	static const char sha[] = "$6$saltsaltsaltsalt$bcXJ8qxwY5sQ4v8MTl.0B1j"
	    "eZ0z0JlA9jjmbUoCJZ.1wYXiLTU.q2ILyrDJLm890lyfuF7sWAeli0yjOyFPkf0";
	struct am_error err;
	char hash[AM_PW_HASH_MAX];
	bool match;

	(void)state;
	am_error_clear(&err);
	assert_int_equal(am_pw_hash("password", AM_PW_YESCRYPT, 5, hash,
	    sizeof(hash), &err), 0);
	assert_int_equal(am_pw_verify("password", sha, &match, &err), 0);
	assert_true(match);
	assert_int_equal(am_pw_verify("Password", sha, &match, &err), 0);
	assert_false(match);
}

static void
test_bad_cost_and_scheme(void **state)
{
	char hash[AM_PW_HASH_MAX];
	enum am_pw_scheme s;
	struct am_error err;

	(void)state;
	am_error_clear(&err);
	assert_int_equal(am_pw_hash("x", AM_PW_YESCRYPT, 12, hash,
	    sizeof(hash), &err), -1);
	assert_int_equal(err.code, AM_E_INVALID);
	assert_int_equal(am_pw_hash("x", AM_PW_SHA512, 999, hash,
	    sizeof(hash), &err), -1);
	assert_int_equal(am_pw_hash("", AM_PW_SHA512, 5000, hash,
	    sizeof(hash), &err), -1);
	assert_int_equal(am_pw_scheme_parse("md5", &s, &err), -1);
	assert_int_equal(am_pw_scheme_parse("sha512", &s, &err), 0);
	assert_int_equal(s, AM_PW_SHA512);
}

static void
test_checksalt_judgement(void **state)
{
	struct am_pw_info info;
	struct am_error err;
	bool match;

	(void)state;
	am_error_clear(&err);
	am_pw_inspect("", &info);
	assert_int_equal(info.state, AM_PW_STATE_EMPTY);
	am_pw_inspect("!", &info);
	assert_int_equal(info.state, AM_PW_STATE_LOCKED);
	assert_int_equal(info.judgement, AM_PW_INVALID);
	am_pw_inspect("*", &info);
	assert_int_equal(info.state, AM_PW_STATE_LOCKED);
	/* A locked hash is judged without its '!'. */
	am_pw_inspect("!$6$abcdefgh$aaaa", &info);
	assert_int_equal(info.state, AM_PW_STATE_LOCKED);
	assert_int_equal(info.scheme, AM_PW_SHA512);
	/* MD5 and SHA-256 crypt are legacy, DES too. */
	am_pw_inspect("$1$abcdefgh$G//4keteveJp0qb8z2DxG/", &info);
	assert_int_equal(info.judgement, AM_PW_LEGACY);
	assert_string_equal(info.method, "md5");
	am_pw_inspect("$5$abcdefgh$ZLdkj8mkc2XVSrPVjskDAgZPGjtj1VGVaa1aUkrMTU/",
	    &info);
	assert_int_equal(info.judgement, AM_PW_LEGACY);
	am_pw_inspect("abJnggxhB/yWI", &info);
	assert_int_equal(info.judgement, AM_PW_LEGACY);
	am_pw_inspect("$2b$05$uWWPYTTB4tO2CzIzq58BrePWay9Kr4.Y.1Ryd306AJYCEGS2fI3"
	    "Iq", &info);
	assert_int_equal(info.judgement, AM_PW_OK);
	assert_string_equal(info.method, "bcrypt");
	/* Nothing verifies against a value that is no hash. */
	assert_int_equal(am_pw_verify("x", "", &match, &err), 0);
	assert_false(match);
	assert_int_equal(am_pw_verify("x", "!", &match, &err), 0);
	assert_false(match);
	assert_int_equal(am_pw_verify("x", "*", &match, &err), 0);
	assert_false(match);
}

static void
test_policy(void **state)
{
	char hash[AM_PW_HASH_MAX];
	char locked[AM_PW_HASH_MAX + 1];
	struct am_error err;

	(void)state;
	am_error_clear(&err);
	assert_int_equal(am_pw_hash("pw", AM_PW_YESCRYPT, 5, hash,
	    sizeof(hash), &err), 0);
	assert_true(am_pw_meets_policy(hash, AM_PW_YESCRYPT, 5));
	assert_true(am_pw_meets_policy(hash, AM_PW_YESCRYPT, 3));
	assert_false(am_pw_meets_policy(hash, AM_PW_YESCRYPT, 7));
	assert_false(am_pw_meets_policy(hash, AM_PW_SHA512, 5000));
	snprintf(locked, sizeof(locked), "!%s", hash);
	assert_false(am_pw_meets_policy(locked, AM_PW_YESCRYPT, 5));
	assert_int_equal(am_pw_hash("pw", AM_PW_SHA512, 5000, hash,
	    sizeof(hash), &err), 0);
	assert_true(am_pw_meets_policy(hash, AM_PW_SHA512, 5000));
	assert_false(am_pw_meets_policy(hash, AM_PW_SHA512, 656000));
}

static int
fd_with(const char *data, size_t len)
{
	int p[2];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], data, len), (ssize_t)len);
	close(p[1]);
	return p[0];
}

static void
test_read_fd(void **state)
{
	struct am_buf pw = AM_BUF_INIT;
	struct am_error err;
	char big[600];
	int fd;

	(void)state;
	am_error_clear(&err);
	fd = fd_with("secret\n", 7);
	assert_int_equal(am_pw_read_fd(fd, &pw, &err), 0);
	close(fd);
	assert_string_equal(pw.data, "secret");
	/* Only one newline is removed; a second one is inside. */
	fd = fd_with("secret\n\n", 8);
	assert_int_equal(am_pw_read_fd(fd, &pw, &err), -1);
	close(fd);
	assert_int_equal(err.code, AM_E_INVALID);
	/* Blanks inside are fine; at either end the client line loses them. */
	fd = fd_with("with space", 10);
	assert_int_equal(am_pw_read_fd(fd, &pw, &err), 0);
	close(fd);
	assert_string_equal(pw.data, "with space");
	fd = fd_with("trailing ", 9);
	assert_int_equal(am_pw_read_fd(fd, &pw, &err), -1);
	close(fd);
	assert_int_equal(err.code, AM_E_INVALID);
	assert_null(pw.data);
	fd = fd_with(" leading\n", 9);
	assert_int_equal(am_pw_read_fd(fd, &pw, &err), -1);
	close(fd);
	assert_int_equal(err.code, AM_E_INVALID);
	fd = fd_with("tab\there", 8);
	assert_int_equal(am_pw_read_fd(fd, &pw, &err), -1);
	close(fd);
	assert_non_null(strstr(err.message, "control character"));
	fd = fd_with("esc\033x", 5);
	assert_int_equal(am_pw_read_fd(fd, &pw, &err), -1);
	close(fd);
	fd = fd_with("del\177", 4);
	assert_int_equal(am_pw_read_fd(fd, &pw, &err), -1);
	close(fd);
	fd = fd_with("caf\303\251", 5);
	assert_int_equal(am_pw_read_fd(fd, &pw, &err), 0);
	close(fd);
	fd = fd_with("\n", 1);
	assert_int_equal(am_pw_read_fd(fd, &pw, &err), -1);
	close(fd);
	assert_non_null(strstr(err.message, "empty"));
	fd = fd_with("a\0b", 3);
	assert_int_equal(am_pw_read_fd(fd, &pw, &err), -1);
	close(fd);
	memset(big, 'a', sizeof(big));
	fd = fd_with(big, sizeof(big));
	assert_int_equal(am_pw_read_fd(fd, &pw, &err), -1);
	close(fd);
	assert_non_null(strstr(err.message, "longer"));
	am_buf_wipe(&pw);
}

static void
test_generate(void **state)
{
	struct am_buf pw = AM_BUF_INIT, pw2 = AM_BUF_INIT;
	struct am_error err;
	size_t i;

	(void)state;
	am_error_clear(&err);
	assert_int_equal(am_pw_generate(&pw, AM_PW_GENERATED_LEN, &err), 0);
	assert_int_equal(pw.len, 32);
	assert_int_equal(strlen(pw.data), 32);
	for (i = 0; i < pw.len; i++)
		assert_non_null(strchr(am_pw_alphabet, pw.data[i]));
	assert_null(strpbrk(am_pw_alphabet, "0O1lIo"));
	assert_int_equal(am_pw_generate(&pw2, AM_PW_GENERATED_LEN, &err), 0);
	assert_string_not_equal(pw.data, pw2.data);
	am_buf_wipe(&pw);
	am_buf_wipe(&pw2);
	assert_null(pw.data);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_yescrypt),
		cmocka_unit_test(test_sha512),
		cmocka_unit_test(test_known_hashes),
		cmocka_unit_test(test_bad_cost_and_scheme),
		cmocka_unit_test(test_checksalt_judgement),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_read_fd),
		cmocka_unit_test(test_generate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
