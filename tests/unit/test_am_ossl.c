/*
 * am_ossl: libcrypto is found and every function of the table is filled;
 * calls through the renamed names reach OpenSSL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "am_ossl.h"

static void
test_load_fills_every_entry(void **state)
{
	const struct am_ossl_api *api;
	struct am_error err;
	const void *const *entry;
	size_t i;

	(void)state;
	am_error_clear(&err);
	assert_int_equal(am_ossl_load(&err), 0);
	api = am_ossl_api();
	assert_non_null(api);
	/* Every member is a function pointer of the same size. */
	entry = (const void *const *)(const void *)api;
	for (i = 0; i < sizeof(*api) / sizeof(void *); i++)
		assert_non_null(entry[i]);
}

static void
test_calls_reach_openssl(void **state)
{
	unsigned char a[32], b[32], md[EVP_MAX_MD_SIZE];
	size_t mdlen = 0;

	(void)state;
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	assert_int_equal(RAND_bytes(a, sizeof(a)), 1);
	assert_int_equal(RAND_bytes(b, sizeof(b)), 1);
	assert_int_not_equal(CRYPTO_memcmp(a, b, sizeof(a)), 0);
	/* SHA-256("abc"), FIPS 180-2 */
	assert_int_equal(EVP_Q_digest(NULL, "SHA256", NULL, "abc", 3, md,
	    &mdlen), 1);
	assert_int_equal(mdlen, 32);
	assert_int_equal(md[0], 0xba);
	assert_int_equal(md[31], 0xad);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_fills_every_entry),
		cmocka_unit_test(test_calls_reach_openssl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
