/*
 * am_ossl when libcrypto cannot be loaded: every library call that needs
 * OpenSSL returns AM_E_CONFIG naming the library and dlerror()'s reason,
 * and nothing calls through the empty table (which would crash).  A
 * process of its own: once libcrypto is loaded it stays loaded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "am_dkim_key.h"
#include "am_dkim_record.h"
#include "am_ossl.h"
#include "am_pw.h"

#define MISSING "libarchmail-test-no-such-crypto.so.3"

static void
assert_load_error(const struct am_error *err)
{
	assert_int_equal(err->code, AM_E_CONFIG);
	assert_non_null(strstr(err->message, "cannot load OpenSSL's "
	    MISSING));
	/* dlerror()'s own words follow. */
	assert_non_null(strstr(err->message, "No such file"));
}

static void
test_passwords(void **state)
{
	struct am_buf pw = AM_BUF_INIT;
	struct am_error err;
	char hash[AM_PW_HASH_MAX];
	bool match = true;

	(void)state;
	am_error_clear(&err);
	/* Hashing is libxcrypt's alone: it works without OpenSSL. */
	assert_int_equal(am_pw_hash("secret", AM_PW_YESCRYPT, 5, hash,
	    sizeof(hash), &err), 0);
	assert_int_equal(am_pw_verify("secret", hash, &match, &err), -1);
	assert_false(match);
	assert_load_error(&err);
	am_error_clear(&err);
	assert_int_equal(am_pw_generate(&pw, 20, &err), -1);
	assert_load_error(&err);
	assert_null(am_ossl_api());
}

static void
test_dkim(void **state)
{
	static const char pem[] = "-----BEGIN PRIVATE KEY-----\n"
	    "MC4CAQAwBQYDK2VwBCIEIB3vJ+N2qzV6i3GKo2sfgEpYQ2h7X3lQ6R8YfJ7x5s0Y\n"
	    "-----END PRIVATE KEY-----\n";
	struct am_dkim_key key;
	struct am_dkim_record rec;
	struct am_dkim_published pub;
	struct am_buf out = AM_BUF_INIT;
	struct am_error err;

	(void)state;
	memset(&key, 0, sizeof(key));
	memset(&rec, 0, sizeof(rec));
	memset(&pub, 0, sizeof(pub));
	am_error_clear(&err);
	assert_int_equal(am_dkim_key_generate(&key, AM_DKIM_ED25519, 0,
	    &err), -1);
	assert_load_error(&err);
	am_error_clear(&err);
	assert_int_equal(am_dkim_key_decode(&key, pem, strlen(pem), &err),
	    -1);
	assert_load_error(&err);
	am_error_clear(&err);
	assert_int_equal(am_dkim_key_load(&key, "/nonexistent/k.key", &err),
	    -1);
	assert_load_error(&err);
	am_error_clear(&err);
	assert_int_equal(am_dkim_key_encode(&key, AM_DKIM_KEY_PEM,
	    &out, &err), -1);
	am_error_clear(&err);
	assert_int_equal(am_dkim_key_public(&key, &out, &err), -1);
	assert_load_error(&err);
	am_error_clear(&err);
	assert_int_equal(am_dkim_record_build(&rec, AM_DKIM_ED25519, 0,
	    "0123456789abcdef0123456789abcdef", 32, &err), -1);
	assert_load_error(&err);
	am_error_clear(&err);
	assert_int_equal(am_dkim_published_parse(&pub, "v=DKIM1; k=ed25519; "
	    "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", 63, &err), -1);
	assert_load_error(&err);
	assert_false(am_dkim_published_matches(&pub, &key));
	/* Freeing what OpenSSL never made needs no OpenSSL. */
	am_dkim_key_free(&key);
	am_dkim_record_free(&rec);
	am_dkim_published_free(&pub);
	am_buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_passwords),
		cmocka_unit_test(test_dkim),
	};

	am_ossl_set_library(MISSING);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
